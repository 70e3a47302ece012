/*
 * The worker's side of the mail outbox: see bb_outbox.h.
 *
 * A batch is claimed, then sent one mail at a time over one curl handle (so
 * one SMTP connection serves the whole batch), each row updated as soon as
 * its mail is sent or has failed.  The lease is long enough for the whole
 * batch at its worst, and before each mail the worker checks that the rest
 * of its lease still covers one more worst case: otherwise it gives the rest
 * back rather than race another worker for it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "bb_mail.h"
#include "bb_outbox.h"
#include "bb_pg.h"

#define BB_OUTBOX_BATCH          10
#define BB_OUTBOX_SEND_MS        10000  /* SMTP connect, and whole transfer */
#define BB_OUTBOX_BACKOFF_S      5
#define BB_OUTBOX_BACKOFF_MAX_S  3600
#define BB_OUTBOX_LEASE_SLACK_S  30
#define BB_OUTBOX_ADDR_MAX       254    /* RFC 5321's path limit, less <> */
#define BB_OUTBOX_LOG_MAX        256


/* The columns of bb_outbox_claim_sql's rows. */
enum {
    BB_OUTBOX_ID = 0,
    BB_OUTBOX_TO,
    BB_OUTBOX_SUBJECT,
    BB_OUTBOX_BODY,
    BB_OUTBOX_ATTEMPTS,
    BB_OUTBOX_CREATED
};

typedef enum {
    BB_OUTBOX_SENT,
    BB_OUTBOX_FAILED,
    BB_OUTBOX_ABORTED       /* the daemon is stopping: not an attempt */
} bb_outbox_result_e;

typedef struct {
    const char  *data;
    size_t       len;
    size_t       off;
} bb_outbox_upload_t;


/*
 * Claims up to $1 due mails for $2 seconds.  SKIP LOCKED lets concurrent
 * workers pass over each other's rows instead of queueing behind them; a
 * row another worker claimed between our snapshot and our lock is checked
 * again by PostgreSQL after the lock (its new next_attempt_at is no longer
 * due), so it is never claimed twice.
 */
static const char  bb_outbox_claim_sql[] =
    "UPDATE outbox o"
    "   SET next_attempt_at = now() + $2::int * interval '1 second',"
    "       attempts = o.attempts + 1"
    "  FROM (SELECT id FROM outbox"
    "         WHERE sent_at IS NULL AND next_attempt_at <= now()"
    "         ORDER BY next_attempt_at"
    "         LIMIT $1::int"
    "         FOR UPDATE SKIP LOCKED) due"
    " WHERE o.id = due.id"
    " RETURNING o.id, o.to_addr, o.subject, o.body, o.attempts,"
    "           extract(epoch FROM o.created_at)::bigint";

/*
 * The updates below hold attempts = $2, the value our claim set: should our
 * lease have run out and another worker have claimed the row since, theirs
 * is the row's state now, and ours must not overwrite it.  A sent mail is
 * marked sent whatever happened: it was sent.  Its body is emptied then:
 * it holds a one-time code in clear, which must outlive its sending no
 * longer than it must.
 */
static const char  bb_outbox_sent_sql[] =
    "UPDATE outbox SET sent_at = now(), body = '' WHERE id = $1::bigint";

static const char  bb_outbox_retry_sql[] =
    "UPDATE outbox"
    "   SET next_attempt_at = now() + $3::int * interval '1 second',"
    "       last_error = $4"
    " WHERE id = $1::bigint AND attempts = $2::int AND sent_at IS NULL";

static const char  bb_outbox_give_up_sql[] =
    "UPDATE outbox"
    "   SET next_attempt_at = 'infinity', last_error = $3"
    " WHERE id = $1::bigint AND attempts = $2::int AND sent_at IS NULL";

/* The claim did not lead to an attempt: it does not count as one. */
static const char  bb_outbox_release_sql[] =
    "UPDATE outbox"
    "   SET next_attempt_at = now(), attempts = attempts - 1"
    " WHERE id = $1::bigint AND attempts = $2::int AND sent_at IS NULL";


/*
 * Copies an untrusted string (an address, a server's or libpq's message)
 * for one log line: controls become spaces (libpq's messages span lines),
 * other bytes outside printable ASCII become "?", and so does the quote
 * when the copy goes between quotes, so that nothing can forge a log line.
 */
static void
bb_outbox_for_log(const char *s, int quoted, char *buf, size_t size)
{
    char    c;
    size_t  i;

    for (i = 0; s[i] && i + 1 < size; i++) {
        c = s[i];

        if ((unsigned char) c < 0x20) {
            c = ' ';

        } else if ((unsigned char) c >= 0x7f || (quoted && c == '"')) {
            c = '?';
        }

        buf[i] = c;
    }

    buf[i] = '\0';
}


/* libpq's messages span lines ("...\n\tIs the server running"): join them. */
static const char *
bb_outbox_pg_text(bb_pg_err_t *e)
{
    char  *p;

    for (p = e->text; *p; p++) {
        if ((unsigned char) *p < 0x20) {
            *p = ' ';
        }
    }

    return e->text;
}


/*
 * 1 when to is a plain ASCII address that can go into RCPT TO and To: as it
 * is.  The module checks addresses at sign-up; this is the last line against
 * a row that would inject SMTP commands or headers, or never be deliverable.
 */
static int
bb_outbox_addr_ok(const char *to)
{
    size_t       n;
    const char  *at, *p;

    n = strlen(to);
    at = strchr(to, '@');

    if (n < 3 || n > BB_OUTBOX_ADDR_MAX || at == NULL || at == to
        || at[1] == '\0' || strchr(at + 1, '@') != NULL)
    {
        return 0;
    }

    for (p = to; *p; p++) {
        if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f
            || strchr("<>()[]\\,;:\"", *p) != NULL)
        {
            return 0;
        }
    }

    return 1;
}


/* Seconds before attempt attempts + 1: 5, 10, 20, ... up to an hour. */
static int
bb_outbox_backoff_s(int attempts)
{
    int  i, s;

    s = BB_OUTBOX_BACKOFF_S;

    for (i = 1; i < attempts && s < BB_OUTBOX_BACKOFF_MAX_S; i++) {
        s *= 2;
    }

    return s < BB_OUTBOX_BACKOFF_MAX_S ? s : BB_OUTBOX_BACKOFF_MAX_S;
}


/* curl's upload callback: hands out the formatted message. */
static size_t
bb_outbox_read(char *buf, size_t size, size_t nitems, void *arg)
{
    size_t               n;
    bb_outbox_upload_t  *up = arg;

    n = size * nitems;
    if (n > up->len - up->off) {
        n = up->len - up->off;
    }

    memcpy(buf, up->data + up->off, n);
    up->off += n;

    return n;
}


/*
 * curl calls this about once a second during a transfer, even a stalled
 * one: the daemon keeps beating while a slow mail server holds it (the
 * health check would call the worker dead otherwise), and a stop request
 * ends the transfer at once.
 */
static int
bb_outbox_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
    bb_daemon_t  *d = arg;

    (void) dltotal;
    (void) dlnow;
    (void) ultotal;
    (void) ulnow;

    bb_daemon_tick(d);

    return bb_daemon_stopping ? 1 : 0;
}


/*
 * Formats one claimed row and sends it.  Returns BB_OUTBOX_SENT, or the
 * failure with curl's message in err.
 */
static bb_outbox_result_e
bb_outbox_send(bb_daemon_t *d, CURL *curl, PGresult *res, int row,
    char *err, size_t errlen)
{
    char                 id[64], cerr[CURL_ERROR_SIZE];
    char                *msg;
    size_t               len;
    time_t               created;
    CURLcode             rc;
    const char          *to;
    struct curl_slist   *rcpt;
    bb_outbox_upload_t   up;

    to = PQgetvalue(res, row, BB_OUTBOX_TO);
    created = (time_t) strtoll(PQgetvalue(res, row, BB_OUTBOX_CREATED),
                               NULL, 10);

    /* The same on every attempt: see bb_outbox.h. */
    snprintf(id, sizeof(id), "%s.%s.outbox",
             PQgetvalue(res, row, BB_OUTBOX_CREATED),
             PQgetvalue(res, row, BB_OUTBOX_ID));

    len = bb_mail_format(d->mail_from, to,
                         PQgetvalue(res, row, BB_OUTBOX_SUBJECT),
                         PQgetvalue(res, row, BB_OUTBOX_BODY),
                         created, id, NULL, 0);

    msg = malloc(len + 1);
    if (msg == NULL) {
        snprintf(err, errlen, "out of memory for a message of %zu bytes",
                 len);
        return BB_OUTBOX_FAILED;
    }

    if (bb_mail_format(d->mail_from, to,
                       PQgetvalue(res, row, BB_OUTBOX_SUBJECT),
                       PQgetvalue(res, row, BB_OUTBOX_BODY),
                       created, id, msg, len + 1)
        != len)
    {
        free(msg);
        snprintf(err, errlen, "message length changed while formatting");
        return BB_OUTBOX_FAILED;
    }

    rcpt = curl_slist_append(NULL, to);
    if (rcpt == NULL) {
        free(msg);
        snprintf(err, errlen, "out of memory");
        return BB_OUTBOX_FAILED;
    }

    up.data = msg;
    up.len = len;
    up.off = 0;
    cerr[0] = '\0';

    curl_easy_setopt(curl, CURLOPT_URL, d->smtp_url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, d->mail_from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, bb_outbox_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) BB_OUTBOX_SEND_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) BB_OUTBOX_SEND_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, bb_outbox_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, d);

    rc = curl_easy_perform(curl);

    /* The handle outlives both: leave it pointing at neither. */
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(rcpt);
    free(msg);

    if (rc == CURLE_OK) {
        return BB_OUTBOX_SENT;
    }

    snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));

    return (rc == CURLE_ABORTED_BY_CALLBACK && bb_daemon_stopping)
           ? BB_OUTBOX_ABORTED : BB_OUTBOX_FAILED;
}


/*
 * Runs one of the row updates above, with nparams of: $1 the claimed row's
 * id, $2 the attempts our claim set, $3 and $4 the statement's own values.
 * Returns 0, or -1 with the reason in e.
 */
static int
bb_outbox_update(bb_daemon_t *d, const char *sql, PGresult *res, int row,
    int nparams, const char *p3, const char *p4, bb_pg_err_t *e)
{
    PGresult    *r;
    const char  *params[4];

    params[0] = PQgetvalue(res, row, BB_OUTBOX_ID);
    params[1] = PQgetvalue(res, row, BB_OUTBOX_ATTEMPTS);
    params[2] = p3;
    params[3] = p4;

    r = bb_pg_exec(d->postgres, sql, nparams, params,
                   bb_deadline_in(d->timeout_ms), e);
    if (r == NULL) {
        return -1;
    }

    PQclear(r);

    return 0;
}


/* Claimed rows from first on will not be tried now: due again at once. */
static void
bb_outbox_release(bb_daemon_t *d, PGresult *res, int first)
{
    int          row;
    bb_pg_err_t  e;

    for (row = first; row < PQntuples(res); row++) {
        if (bb_outbox_update(d, bb_outbox_release_sql, res, row,
                             2, NULL, NULL, &e) != 0)
        {
            /* Not lost: due again when the lease ends. */
            bb_log("warn", "worker: cannot give mail %s back to the outbox: "
                   "%s", PQgetvalue(res, row, BB_OUTBOX_ID),
                   bb_outbox_pg_text(&e));
            return;
        }
    }
}


static void
bb_outbox_pg_down(bb_daemon_t *d, const char *what, const char *err)
{
    if (!d->outbox_failing) {
        bb_log("error", "worker: cannot %s the outbox: %s", what, err);
        d->outbox_failing = 1;
    }
}


int
bb_outbox_send_due(bb_daemon_t *d)
{
    int                  row, n, sent, per_mail_ms, lease_s, attempts, delay;
    char                 batch[16], lease[16], secs[16];
    char                 err[CURL_ERROR_SIZE + 64];
    char                 to[BB_OUTBOX_LOG_MAX], why[BB_OUTBOX_LOG_MAX];
    CURL                *curl;
    PGresult            *res;
    const char          *id, *params[2];
    bb_pg_err_t          e;
    bb_deadline_t        lease_end;
    bb_outbox_result_e   rc;

    /*
     * The worst a mail can take: the transfer, a beat the progress callback
     * started just before the transfer's timeout, and the row's update.
     */
    per_mail_ms = BB_OUTBOX_SEND_MS + 2 * d->timeout_ms;
    lease_s = (BB_OUTBOX_BATCH * per_mail_ms + d->timeout_ms) / 1000
              + BB_OUTBOX_LEASE_SLACK_S;

    snprintf(batch, sizeof(batch), "%d", BB_OUTBOX_BATCH);
    snprintf(lease, sizeof(lease), "%d", lease_s);
    params[0] = batch;
    params[1] = lease;

    /* Counted from before the claim: the lease starts at the server's now. */
    lease_end = bb_deadline_in(lease_s * 1000);

    res = bb_pg_exec(d->postgres, bb_outbox_claim_sql, 2, params,
                     bb_deadline_in(d->timeout_ms), &e);
    if (res == NULL) {
        bb_outbox_pg_down(d, "read", bb_outbox_pg_text(&e));
        return -1;
    }

    if (d->outbox_failing) {
        bb_log("notice", "worker: the outbox is reachable again");
        d->outbox_failing = 0;
    }

    n = PQntuples(res);
    if (n == 0) {
        PQclear(res);
        return 0;
    }

    curl = curl_easy_init();
    if (curl == NULL) {
        bb_log("error", "worker: cannot create a curl handle");
        bb_outbox_release(d, res, 0);
        PQclear(res);
        return 0;
    }

    sent = 0;

    for (row = 0; row < n; row++) {
        if (bb_daemon_stopping
            || bb_deadline_left(lease_end) < per_mail_ms)
        {
            bb_outbox_release(d, res, row);
            break;
        }

        id = PQgetvalue(res, row, BB_OUTBOX_ID);
        attempts = atoi(PQgetvalue(res, row, BB_OUTBOX_ATTEMPTS));
        bb_outbox_for_log(PQgetvalue(res, row, BB_OUTBOX_TO), 1,
                          to, sizeof(to));

        if (!bb_outbox_addr_ok(PQgetvalue(res, row, BB_OUTBOX_TO))) {
            bb_log("error", "worker: mail %s has an invalid recipient \"%s\": "
                   "not sent, and never will be", id, to);

            if (bb_outbox_update(d, bb_outbox_give_up_sql, res, row,
                                 3, "invalid recipient address", NULL, &e)
                != 0)
            {
                bb_outbox_pg_down(d, "update", bb_outbox_pg_text(&e));
                break;
            }

            continue;
        }

        rc = bb_outbox_send(d, curl, res, row, err, sizeof(err));

        if (rc == BB_OUTBOX_ABORTED) {
            bb_outbox_release(d, res, row);
            break;
        }

        if (rc == BB_OUTBOX_SENT) {
            if (bb_outbox_update(d, bb_outbox_sent_sql, res, row,
                                 1, NULL, NULL, &e) != 0)
            {
                /* Every time: it means a duplicate, not just a delay. */
                bb_log("error", "worker: mail %s was sent to \"%s\" but "
                       "cannot be marked sent, so it will be sent again: %s",
                       id, to, bb_outbox_pg_text(&e));
                d->outbox_failing = 1;
                break;
            }

            bb_log("info", "worker: mail %s sent to \"%s\" (attempt %d)",
                   id, to, attempts);
            sent++;
            continue;
        }

        /* The server's words may be anything: store what we log. */
        bb_outbox_for_log(err, 0, why, sizeof(why));
        delay = bb_outbox_backoff_s(attempts);
        snprintf(secs, sizeof(secs), "%d", delay);

        bb_log("warn", "worker: mail %s to \"%s\" failed (attempt %d, next "
               "in %ds): %s", id, to, attempts, delay, why);

        if (bb_outbox_update(d, bb_outbox_retry_sql, res, row,
                             4, secs, why, &e) != 0)
        {
            /* Still leased: due again when the lease ends. */
            bb_outbox_pg_down(d, "update", bb_outbox_pg_text(&e));
            break;
        }
    }

    curl_easy_cleanup(curl);
    PQclear(res);

    return d->outbox_failing ? -1 : sent;
}
