/*
 * The worker's notices to owners: see bb_notify.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "bb_mail.h"
#include "bb_notify.h"
#include "bb_pg.h"
#include "bb_redis.h"

#define BB_NOTIFY_EVERY_S    2
#define BB_NOTIFY_BATCH      "50"
#define BB_NOTIFY_SUBJECT    256
#define BB_NOTIFY_BODY       2048


/* An outage is logged once, not every pass. */
static int  bb_notify_failing;

/* A moment as the owner reads it: in the device's zone, zone named. */
#define BB_NOTIFY_WHEN(t)                                                    \
    "to_char(" t " AT TIME ZONE d.time_zone, 'YYYY-MM-DD HH24:MI:SS')"       \
    " || ' (' || d.time_zone || ')'"

/* What each marking statement below returns: whom to tell what. */
enum {
    BB_NOTIFY_EMAIL = 0,
    BB_NOTIFY_USERNAME,
    BB_NOTIFY_LANGUAGE,
    BB_NOTIFY_NICKNAME,
    BB_NOTIFY_WHEN_TEXT,
    BB_NOTIFY_EVENT_DEVICE      /* the impacts' statement only */
};

#define BB_NOTIFY_RECIPIENT                                                  \
    " RETURNING u.email, u.username, u.language, d.nickname, "

/*
 * Devices seen once and silent, by PostgreSQL's last_seen_at, for the
 * window ($1 ms), whose owner was not told yet.  PostgreSQL's time may lag
 * the heartbeat by a minute: each is checked against Redis before a mail.
 */
static const char  bb_notify_silent_sql[] =
    "SELECT d.device_id, extract(epoch FROM now())::bigint"
    "  FROM devices d"
    " WHERE d.offline_alert_at IS NULL"
    "   AND d.last_seen_at < now() - $1::int * interval '1 millisecond'"
    " ORDER BY d.last_seen_at LIMIT " BB_NOTIFY_BATCH
    " FOR UPDATE OF d SKIP LOCKED";

/* $2: the heartbeat's Unix time (0: none left in Redis). */
static const char  bb_notify_silent_mark_sql[] =
    "UPDATE devices d SET offline_alert_at = now() FROM users u"
    " WHERE d.device_id = $1 AND u.id = d.user_id"
    BB_NOTIFY_RECIPIENT
    BB_NOTIFY_WHEN("greatest(d.last_seen_at, to_timestamp($2::bigint))");

static const char  bb_notify_silent_stretch_sql[] =
    "SELECT d.device_id, extract(epoch FROM d.offline_alert_at)::bigint,"
    "       extract(epoch FROM d.last_seen_at)::bigint"
    "  FROM devices d"
    " WHERE d.offline_alert_at IS NOT NULL"
    " ORDER BY d.offline_alert_at LIMIT " BB_NOTIFY_BATCH
    " FOR UPDATE OF d SKIP LOCKED";

/* $2: when it was heard from again (Unix time). */
static const char  bb_notify_back_mark_sql[] =
    "UPDATE devices d SET offline_alert_at = NULL FROM users u"
    " WHERE d.device_id = $1 AND u.id = d.user_id"
    BB_NOTIFY_RECIPIENT
    BB_NOTIFY_WHEN("to_timestamp($2::bigint)");

/*
 * Takes the impacts not yet seen, and mails the owner of each device among
 * them about its first one, unless a mail about that device went out in
 * the last 5 minutes: those impacts are marked, not mailed.
 */
static const char  bb_notify_events_sql[] =
    "WITH due AS ("
    "    SELECT event_id FROM device_events WHERE notified_at IS NULL"
    "     ORDER BY received_at LIMIT " BB_NOTIFY_BATCH
    "       FOR UPDATE SKIP LOCKED),"
    " told AS ("
    "    UPDATE device_events e SET notified_at = now() FROM due"
    "     WHERE e.event_id = due.event_id RETURNING e.device_id, e.at),"
    " firsts AS (SELECT device_id, min(at) AS at FROM told GROUP BY 1)"
    " UPDATE devices d SET event_mailed_at = now() FROM firsts f, users u"
    "  WHERE d.device_id = f.device_id AND u.id = d.user_id"
    "    AND (d.event_mailed_at IS NULL"
    "         OR d.event_mailed_at <= now() - interval '5 minutes')"
    BB_NOTIFY_RECIPIENT
    BB_NOTIFY_WHEN("f.at") ", d.device_id";

static const char  bb_notify_outbox_sql[] =
    "INSERT INTO outbox (to_addr, subject, body) VALUES ($1, $2, $3)";


#define bb_notify_sql(d, sql, n, params)                                     \
    bb_daemon_sql(d, "notices", &bb_notify_failing, sql, n, params)

#define bb_notify_do(d, sql)                                                 \
    bb_daemon_sql_do(d, "notices", &bb_notify_failing, sql, 0, NULL)


/*
 * Puts the notice about row i of res (a marking statement's recipients)
 * into the outbox.  Returns 0 or -1.
 */
static int
bb_notify_mail(bb_daemon_t *d, bb_mail_notice_e kind, PGresult *res, int i,
    const char *device_id)
{
    char         subject[BB_NOTIFY_SUBJECT], body[BB_NOTIFY_BODY];
    PGresult    *ins;
    const char  *params[3];

    if (bb_mail_render_notice(kind, PQgetvalue(res, i, BB_NOTIFY_LANGUAGE),
                              PQgetvalue(res, i, BB_NOTIFY_USERNAME),
                              PQgetvalue(res, i, BB_NOTIFY_NICKNAME),
                              PQgetvalue(res, i, BB_NOTIFY_WHEN_TEXT),
                              subject, sizeof(subject), body, sizeof(body))
        != 0)
    {
        bb_log("error", "worker: the notice about \"%s\" does not fit",
               device_id);
        return -1;
    }

    params[0] = PQgetvalue(res, i, BB_NOTIFY_EMAIL);
    params[1] = subject;
    params[2] = body;

    ins = bb_notify_sql(d, bb_notify_outbox_sql, 3, params);
    if (ins == NULL) {
        return -1;
    }

    PQclear(ins);

    bb_log("info", "worker: %s notice about \"%s\" queued",
           kind == BB_MAIL_DEVICE_SILENT ? "silent"
           : kind == BB_MAIL_DEVICE_BACK ? "back online" : "impact",
           device_id);

    return 0;
}


/* Marks device_id with sql ($1 the device, $2 a Unix time) and mails. */
static int
bb_notify_device(bb_daemon_t *d, const char *sql, bb_mail_notice_e kind,
    const char *device_id, long long when)
{
    int          rc;
    char         t[24];
    PGresult    *res;
    const char  *params[2];

    snprintf(t, sizeof(t), "%lld", when);
    params[0] = device_id;
    params[1] = t;

    res = bb_notify_sql(d, sql, 2, params);
    if (res == NULL) {
        return -1;
    }

    rc = PQntuples(res) == 1 ? bb_notify_mail(d, kind, res, 0, device_id)
                             : 0;
    PQclear(res);

    return rc;
}


/*
 * The device's last heartbeat in Redis, as a Unix time: 0 when there is
 * none, -1 when Redis cannot say.
 */
static long long
bb_notify_heartbeat(bb_daemon_t *d, const char *device_id)
{
    char          err[256];
    long long     t;
    redisReply   *reply;

    reply = bb_redis_command(d->redis, d->timeout_ms, err, sizeof(err),
                             "GET bb:hb:%s", device_id);
    if (reply == NULL) {
        if (!bb_notify_failing) {
            bb_log("error", "worker: notices wait: %s", err);
            bb_notify_failing = 1;
        }

        return -1;
    }

    t = reply->type == REDIS_REPLY_STRING ? strtoll(reply->str, NULL, 10)
                                          : 0;
    freeReplyObject(reply);

    return t;
}


/*
 * One pass of silent devices, or (stretch) of devices in a silent stretch
 * that may be back, in one transaction.  Returns 0 or -1 (rolled back).
 */
static int
bb_notify_liveness(bb_daemon_t *d, int stretch)
{
    int          i, rc;
    char         window[16];
    PGresult    *res;
    long long    beat, now, since;
    const char  *device_id, *params[1];

    if (bb_notify_do(d, "BEGIN") != 0) {
        return -1;
    }

    snprintf(window, sizeof(window), "%d", d->offline_alert_ms);
    params[0] = window;

    res = stretch ? bb_notify_sql(d, bb_notify_silent_stretch_sql, 0, NULL)
                  : bb_notify_sql(d, bb_notify_silent_sql, 1, params);
    rc = res ? 0 : -1;

    for (i = 0; rc == 0 && i < PQntuples(res); i++) {
        device_id = PQgetvalue(res, i, 0);
        now = strtoll(PQgetvalue(res, i, 1), NULL, 10);

        beat = bb_notify_heartbeat(d, device_id);
        if (beat < 0) {
            rc = -1;
            break;
        }

        if (!stretch) {
            /* Quiet in PostgreSQL, but still beating into Redis. */
            if (beat * 1000 >= now * 1000 - d->offline_alert_ms) {
                continue;
            }

            rc = bb_notify_device(d, bb_notify_silent_mark_sql,
                                  BB_MAIL_DEVICE_SILENT, device_id, beat);
            continue;
        }

        /*
         * now is when the stretch was told, at which second the last sign
         * was older than the window: a sign of that second or later is a
         * new one, and ends the stretch.
         */
        since = strtoll(PQgetvalue(res, i, 2), NULL, 10);
        beat = beat > since ? beat : since;

        if (beat >= now) {
            rc = bb_notify_device(d, bb_notify_back_mark_sql,
                                  BB_MAIL_DEVICE_BACK, device_id, beat);
        }
    }

    PQclear(res);

    return bb_notify_do(d, rc == 0 ? "COMMIT" : "ROLLBACK") == 0 ? rc : -1;
}


/* One batch of impacts, in one transaction.  Returns 0 or -1. */
static int
bb_notify_events(bb_daemon_t *d)
{
    int        i, rc;
    PGresult  *res;

    if (bb_notify_do(d, "BEGIN") != 0) {
        return -1;
    }

    res = bb_notify_sql(d, bb_notify_events_sql, 0, NULL);
    rc = res ? 0 : -1;

    for (i = 0; rc == 0 && i < PQntuples(res); i++) {
        rc = bb_notify_mail(d, BB_MAIL_DEVICE_IMPACT, res, i,
                            PQgetvalue(res, i, BB_NOTIFY_EVENT_DEVICE));
    }

    PQclear(res);

    return bb_notify_do(d, rc == 0 ? "COMMIT" : "ROLLBACK") == 0 ? rc : -1;
}


void
bb_notify_run(bb_daemon_t *d)
{
    time_t         now;
    static time_t  last;

    now = time(NULL);
    if (now - last < BB_NOTIFY_EVERY_S && now >= last) {
        return;
    }

    last = now;

    if (bb_notify_events(d) == 0 && bb_notify_liveness(d, 0) == 0
        && bb_notify_liveness(d, 1) == 0 && bb_notify_failing)
    {
        bb_log("notice", "worker: notices resumed");
        bb_notify_failing = 0;
    }
}
