/*
 * Dashcams: see bb_device.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bb_device.h"
#include "bb_json.h"
#include "bb_random.h"
#include "bb_redis.h"
#include "bb_storage.h"

/* Heartbeats are kept as long as footage is: 30 days. */
#define BB_HEARTBEAT_KEEP_S  (30 * 86400)
#define BB_HEARTBEAT_SAVE_S  60

/* The columns every device answer is built from, in this order. */
#define BB_DEVICE_COLUMNS                                                    \
    "device_id, nickname, time_zone,"                                        \
    " coalesce(extract(epoch FROM last_seen_at)::bigint, -1),"               \
    " extract(epoch FROM created_at)::bigint,"                               \
    " (SELECT coalesce(sum(clip_count), 0) FROM clip_slots s"               \
    "   WHERE s.device_id = devices.device_id),"                             \
    " (SELECT coalesce(sum(bytes), 0) FROM clip_slots s"                     \
    "   WHERE s.device_id = devices.device_id)"


int
bb_device_id_valid(const char *id)
{
    size_t  n;

    /* The storage's own folders (.recording, .incoming) start with one. */
    if (id[0] == '.') {
        return 0;
    }

    for (n = 0; id[n]; n++) {
        if (!((id[n] >= 'a' && id[n] <= 'z') || (id[n] >= 'A' && id[n] <= 'Z')
              || (id[n] >= '0' && id[n] <= '9')
              || id[n] == '.' || id[n] == '_' || id[n] == '-')
            || n >= BB_DEVICE_ID_MAX)
        {
            return 0;
        }
    }

    return n >= 3;
}


int
bb_nickname_valid(const char *nickname)
{
    size_t               chars;
    const unsigned char  *p;

    chars = 0;

    for (p = (const unsigned char *) nickname; *p; p++) {
        /* C0, DEL, and C1 (U+0080 to U+009F: 0xc2 0x80 to 0xc2 0x9f). */
        if (*p < 0x20 || *p == 0x7f
            || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
        {
            return 0;
        }

        /* Count characters, not bytes: skip UTF-8 continuation bytes. */
        chars += (*p & 0xc0) != 0x80;
    }

    return chars >= 1 && chars <= BB_NICKNAME_MAX;
}


int
bb_device_key(const unsigned char *secret, size_t secret_len,
    const char *device_id, const char *salt, char *key)
{
    int               n;
    char              msg[160];
    size_t            i;
    unsigned int      len;
    unsigned char     mac[EVP_MAX_MD_SIZE];
    static const char hex[] = "0123456789abcdef";

    n = snprintf(msg, sizeof(msg), "device:%s:%s", device_id, salt);
    if (n < 0 || (size_t) n >= sizeof(msg)) {
        return -1;
    }

    if (HMAC(EVP_sha256(), secret, (int) secret_len, (unsigned char *) msg,
             (size_t) n, mac, &len) == NULL)
    {
        return -1;
    }

    for (i = 0; i < BB_DEVICE_KEY_LEN / 2; i++) {
        key[2 * i] = hex[mac[i] >> 4];
        key[2 * i + 1] = hex[mac[i] & 0xf];
    }

    key[BB_DEVICE_KEY_LEN] = '\0';

    return 0;
}


/* Heartbeat and live flag of each device from Redis; -1 where none. */
static bb_status_e
bb_device_beats(bb_call_t *call, PGresult *res, long long *beat, int *live)
{
    int           i, n;
    char        **keys;
    const char  **argv;
    redisReply   *reply;
    bb_status_e   st;

    n = PQntuples(res);
    if (n == 0) {
        return BB_OK;
    }

    argv = malloc((size_t) (2 * n + 1) * sizeof(char *));
    keys = calloc((size_t) (2 * n), sizeof(char *));
    st = BB_ERR_INTERNAL;

    if (argv == NULL || keys == NULL) {
        goto done;
    }

    argv[0] = "MGET";

    for (i = 0; i < 2 * n; i++) {
        keys[i] = malloc(BB_DEVICE_ID_MAX + 16);
        if (keys[i] == NULL) {
            goto done;
        }

        snprintf(keys[i], BB_DEVICE_ID_MAX + 16, "bb:%s:%s",
                 i < n ? "hb" : "live", PQgetvalue(res, i % n, 0));
        argv[i + 1] = keys[i];
    }

    reply = bb_redis_argv(call->conf->redis, call->conf->timeout_ms,
                          call->log, sizeof(call->log), 2 * n + 1, argv);
    if (reply == NULL) {
        st = BB_ERR_UNAVAILABLE;
        goto done;
    }

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == (size_t) 2 * n) {
        for (i = 0; i < n; i++) {
            beat[i] = reply->element[i]->type == REDIS_REPLY_STRING
                      ? strtoll(reply->element[i]->str, NULL, 10) : -1;
            live[i] = reply->element[n + i]->type == REDIS_REPLY_STRING;
        }

        st = BB_OK;
    }

    freeReplyObject(reply);

done:

    for (i = 0; keys != NULL && i < 2 * n; i++) {
        free(keys[i]);
    }

    free(keys);
    free(argv);

    return st;
}


static void
bb_device_json_one(bb_json_t *j, const bb_call_t *call, PGresult *res,
    int row, long long beat, int live, time_t now)
{
    long long    seen, created;
    const char  *status;

    seen = strtoll(PQgetvalue(res, row, 3), NULL, 10);
    if (beat > seen) {
        seen = beat;
    }

    created = strtoll(PQgetvalue(res, row, 4), NULL, 10);

    status = seen < 0 ? "never_seen"
             : (now - seen <= call->conf->online_window ? "online"
                                                        : "offline");

    bb_json_raw(j, "{");
    bb_json_key(j, "device_id", 1);
    bb_json_str(j, PQgetvalue(res, row, 0));
    bb_json_key(j, "nickname", 0);
    bb_json_str(j, PQgetvalue(res, row, 1));
    bb_json_key(j, "status", 0);
    bb_json_str(j, status);
    bb_json_key(j, "last_seen_at", 0);
    bb_json_time(j, seen);
    bb_json_key(j, "live", 0);
    bb_json_raw(j, live ? "true" : "false");

    bb_json_key(j, "clip_count", 0);
    bb_json_raw(j, PQgetvalue(res, row, 5));
    bb_json_key(j, "bytes", 0);
    bb_json_raw(j, PQgetvalue(res, row, 6));

    bb_json_key(j, "time_zone", 0);
    bb_json_str(j, PQgetvalue(res, row, 2));
    bb_json_key(j, "created_at", 0);
    bb_json_time(j, created);
    bb_json_raw(j, "}");
}


/*
 * Renders the devices of res as one object (one is set) or as
 * {"devices":[...]}, into a malloc'd *json.
 */
static bb_status_e
bb_device_json(bb_call_t *call, PGresult *res, int one, time_t now,
    char **json, size_t *len)
{
    int           i, n, pass;
    int          *live;
    char         *buf;
    size_t        size;
    bb_json_t     j;
    long long    *beat;
    bb_status_e   st;

    n = PQntuples(res);
    beat = calloc((size_t) n + 1, sizeof(long long));
    live = calloc((size_t) n + 1, sizeof(int));
    buf = NULL;
    size = 0;

    st = (beat && live) ? BB_OK : BB_ERR_INTERNAL;

    /*
     * Without Redis the answer still stands, on the last_seen_at saved in
     * PostgreSQL: the owner sees a slightly older status, not an error
     * (and a registration just committed is never lost to a 503).
     */
    if (st == BB_OK && bb_device_beats(call, res, beat, live) != BB_OK) {
        for (i = 0; i < n; i++) {
            beat[i] = -1;
            live[i] = 0;
        }
    }

    for (pass = 0; st == BB_OK && pass < 2; pass++) {
        bb_json_init(&j, buf, size);

        if (!one) {
            bb_json_raw(&j, "{\"devices\":[");
        }

        for (i = 0; i < n; i++) {
            if (i > 0) {
                bb_json_raw(&j, ",");
            }

            bb_device_json_one(&j, call, res, i, beat[i], live[i], now);
        }

        bb_json_raw(&j, one ? "\n" : "]}\n");

        if (pass == 0) {
            size = j.len;
            buf = malloc(size);
            if (buf == NULL) {
                st = BB_ERR_INTERNAL;
            }

        } else if (j.len != size) {
            snprintf(call->log, sizeof(call->log), "device json changed "
                     "length between passes");
            st = BB_ERR_INTERNAL;
        }
    }

    free(beat);
    free(live);

    if (st != BB_OK) {
        free(buf);
        return st;
    }

    *json = buf;
    *len = size;

    return BB_OK;
}


/* Answers the single device row of res, or NOT_FOUND when there is none. */
static bb_status_e
bb_device_answer(bb_call_t *call, PGresult *res, time_t now, char **json,
    size_t *len)
{
    bb_status_e  st;

    st = PQntuples(res) == 1 ? bb_device_json(call, res, 1, now, json, len)
                             : BB_ERR_NOT_FOUND;
    PQclear(res);

    return st;
}


bb_status_e
bb_device_register(bb_call_t *call, long long user_id, const char *device_id,
    const char *nickname, time_t now, char *key, char **json, size_t *len)
{
    char          uid[24], salt[33];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[4];

    if (bb_random_hex(salt, 16) != 0
        || bb_device_key(call->conf->device_secret,
                         call->conf->device_secret_len, device_id, salt,
                         key) != 0)
    {
        snprintf(call->log, sizeof(call->log), "cannot make a device key");
        return BB_ERR_INTERNAL;
    }

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = device_id;
    params[1] = uid;
    params[2] = nickname;
    params[3] = salt;

    res = bb_call_sql(call,
        "INSERT INTO devices (device_id, user_id, nickname, key_salt)"
        " VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (device_id) DO NOTHING"
        " RETURNING " BB_DEVICE_COLUMNS,
        4, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    if (PQntuples(res) == 0) {
        PQclear(res);
        return BB_ERR_DEVICE_TAKEN;
    }

    return bb_device_answer(call, res, now, json, len);
}


bb_status_e
bb_device_list(bb_call_t *call, long long user_id, time_t now, char **json,
    size_t *len)
{
    char          uid[24];
    PGresult     *res;
    bb_status_e   st;
    bb_pg_err_t   err;
    const char   *params[1];

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;

    res = bb_call_sql(call,
        "SELECT " BB_DEVICE_COLUMNS " FROM devices WHERE user_id = $1"
        " ORDER BY created_at, device_id",
        1, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    st = bb_device_json(call, res, 0, now, json, len);
    PQclear(res);

    return st;
}


bb_status_e
bb_device_get(bb_call_t *call, long long user_id, const char *device_id,
    time_t now, char **json, size_t *len)
{
    char          uid[24];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[2];

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;
    params[1] = device_id;

    res = bb_call_sql(call,
        "SELECT " BB_DEVICE_COLUMNS " FROM devices"
        " WHERE user_id = $1 AND device_id = $2",
        2, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    return bb_device_answer(call, res, now, json, len);
}


bb_status_e
bb_device_update(bb_call_t *call, long long user_id, const char *device_id,
    const char *nickname, const char *time_zone, time_t now, char **json,
    size_t *len)
{
    int           known;
    char          uid[24];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[4];

    if (time_zone != NULL) {
        params[0] = time_zone;

        res = bb_call_sql(call,
            "SELECT 1 FROM pg_timezone_names WHERE name = $1",
            1, params, &err);
        if (res == NULL) {
            return BB_ERR_UNAVAILABLE;
        }

        known = PQntuples(res) > 0;
        PQclear(res);

        if (!known) {
            return BB_ERR_BAD_TIME_ZONE;
        }
    }

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;
    params[1] = device_id;
    params[2] = nickname;
    params[3] = time_zone;

    res = bb_call_sql(call,
        "UPDATE devices SET nickname = coalesce($3, nickname),"
        "                   time_zone = coalesce($4, time_zone)"
        " WHERE user_id = $1 AND device_id = $2"
        " RETURNING " BB_DEVICE_COLUMNS,
        4, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    return bb_device_answer(call, res, now, json, len);
}


bb_status_e
bb_device_delete(bb_call_t *call, long long user_id, const char *device_id)
{
    int           deleted;
    char          uid[24];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[2];

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;
    params[1] = device_id;

    res = bb_call_sql(call,
        "DELETE FROM devices WHERE user_id = $1 AND device_id = $2",
        2, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    deleted = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);

    if (!deleted) {
        return BB_ERR_NOT_FOUND;
    }

    /*
     * The rows went with the device (ON DELETE CASCADE); the files follow.
     * A file left behind by a failure here is an orphan for the retention
     * pass's reconciliation, never footage shown to anyone.
     */
    if (bb_storage_remove_device(call->conf->storage, device_id, call->log,
                                 sizeof(call->log)) != 0)
    {
        return BB_ERR_STORAGE;
    }

    /* A device registered again starts unseen. */
    (void) bb_redis_run(call->conf->redis, call->conf->timeout_ms,
                        call->log, sizeof(call->log),
                        "DEL bb:hb:%s bb:live:%s bb:hbsave:%s", device_id,
                        device_id, device_id);

    return BB_OK;
}


bb_status_e
bb_device_auth(bb_call_t *call, const char *device_id, const char *key)
{
    int           ok;
    char          want[BB_DEVICE_KEY_LEN + 1];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[1];

    params[0] = device_id;

    res = bb_call_sql(call, "SELECT key_salt FROM devices WHERE device_id = $1",
                      1, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    if (PQntuples(res) != 1) {
        PQclear(res);
        return BB_ERR_NOT_FOUND;
    }

    ok = bb_device_key(call->conf->device_secret,
                       call->conf->device_secret_len, device_id,
                       PQgetvalue(res, 0, 0), want) == 0
         && strlen(key) == BB_DEVICE_KEY_LEN
         && bb_equal_ct(key, want, BB_DEVICE_KEY_LEN);
    PQclear(res);

    if (!ok) {
        snprintf(call->log, sizeof(call->log), "wrong key for device \"%s\"",
                 device_id);
        return BB_ERR_DEVICE_KEY;
    }

    return BB_OK;
}


bb_status_e
bb_device_heartbeat(bb_call_t *call, const char *device_id, time_t now)
{
    char          when[24];
    redisReply   *reply;
    const char   *params[2];
    int           save;

    if (bb_redis_run(call->conf->redis, call->conf->timeout_ms,
                     call->log, sizeof(call->log),
                     "SET bb:hb:%s %lld EX %d", device_id, (long long) now,
                     BB_HEARTBEAT_KEEP_S) != 0)
    {
        return BB_ERR_UNAVAILABLE;
    }

    /* Whoever wins this key saves to PostgreSQL; the rest skip. */
    reply = bb_redis_command(call->conf->redis, call->conf->timeout_ms,
                             call->log, sizeof(call->log),
                             "SET bb:hbsave:%s 1 NX EX %d", device_id,
                             BB_HEARTBEAT_SAVE_S);
    if (reply == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    save = reply->type == REDIS_REPLY_STATUS;
    freeReplyObject(reply);

    if (!save) {
        return BB_OK;
    }

    snprintf(when, sizeof(when), "%lld", (long long) now);
    params[0] = device_id;
    params[1] = when;

    return bb_call_do(call,
        "UPDATE devices SET last_seen_at = to_timestamp($2::bigint)"
        " WHERE device_id = $1",
        2, params);
}
