/*
 * The clip library as owners browse it: see bb_library.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bb_device.h"
#include "bb_json.h"
#include "bb_library.h"
#include "bb_storage.h"
#include "bb_time.h"


/* The columns a clip is rendered from, in this order. */
#define BB_CLIP_COLUMNS                                                      \
    "c.clip_id, c.device_id,"                                                \
    " (extract(epoch FROM c.recorded_at) * 1000)::bigint,"                   \
    " c.duration_ms, c.size_bytes, c.video_codec, c.width, c.height,"        \
    " coalesce(c.audio_codec, ''), c.event"

/*
 * The day $3 of device $2's zone, as instants.  Sub-selects, not the
 * joined row's zone: the planner then knows the bounds before it scans
 * and takes just the day's range of the (device_id, recorded_at) index.
 */
#define BB_LIBRARY_DAY                                                       \
    "   AND c.recorded_at >= (SELECT $3::date::timestamp"                    \
    "                         AT TIME ZONE time_zone"                        \
    "                         FROM devices WHERE device_id = $2)"            \
    "   AND c.recorded_at < (SELECT ($3::date + 1)::timestamp"               \
    "                        AT TIME ZONE time_zone"                         \
    "                        FROM devices WHERE device_id = $2)"


int
bb_library_date_valid(const char *date)
{
    int        y, m, d, n;
    time_t     t;
    struct tm  tm;

    n = 0;

    if (strlen(date) != 10 || strspn(date, "0123456789-") != 10
        || date[4] != '-' || date[7] != '-'
        || sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
    {
        return 0;
    }

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;

    t = timegm(&tm);

    /* timegm moves 2026-02-30 into March: such a date is no date. */
    return t != (time_t) -1 && tm.tm_year == y - 1900 && tm.tm_mon == m - 1
           && tm.tm_mday == d;
}


static void
bb_library_seconds(bb_json_t *j, long long ms)
{
    char  num[32];

    snprintf(num, sizeof(num), "%lld.%03lld", ms / 1000, ms % 1000);
    bb_json_raw(j, num);
}


static void
bb_library_clip_json(bb_json_t *j, PGresult *res, int row)
{
    long long  ms;

    ms = strtoll(PQgetvalue(res, row, 2), NULL, 10);

    bb_json_raw(j, "{");
    bb_json_key(j, "clip_id", 1);
    bb_json_raw(j, PQgetvalue(res, row, 0));
    bb_json_key(j, "device_id", 0);
    bb_json_str(j, PQgetvalue(res, row, 1));
    bb_json_key(j, "recorded_at", 0);
    bb_json_time(j, ms / 1000);
    bb_json_key(j, "duration_s", 0);
    bb_library_seconds(j, strtoll(PQgetvalue(res, row, 3), NULL, 10));
    bb_json_key(j, "size_bytes", 0);
    bb_json_raw(j, PQgetvalue(res, row, 4));
    bb_json_key(j, "video_codec", 0);
    bb_json_str(j, PQgetvalue(res, row, 5));
    bb_json_key(j, "width", 0);
    bb_json_raw(j, PQgetvalue(res, row, 6));
    bb_json_key(j, "height", 0);
    bb_json_raw(j, PQgetvalue(res, row, 7));
    bb_json_key(j, "audio_codec", 0);

    if (PQgetvalue(res, row, 8)[0] == '\0') {
        bb_json_raw(j, "null");

    } else {
        bb_json_str(j, PQgetvalue(res, row, 8));
    }

    bb_json_key(j, "event", 0);
    bb_json_raw(j, PQgetvalue(res, row, 9)[0] == 't' ? "true" : "false");
    bb_json_raw(j, "}");
}


static void
bb_library_folder_json(bb_json_t *j, PGresult *res, int row)
{
    bb_json_raw(j, "{");
    bb_json_key(j, "date", 1);
    bb_json_str(j, PQgetvalue(res, row, 0));
    bb_json_key(j, "clip_count", 0);
    bb_json_raw(j, PQgetvalue(res, row, 1));
    bb_json_key(j, "bytes", 0);
    bb_json_raw(j, PQgetvalue(res, row, 2));
    bb_json_key(j, "duration_s", 0);
    bb_library_seconds(j, strtoll(PQgetvalue(res, row, 3), NULL, 10));
    bb_json_key(j, "event_count", 0);
    bb_json_raw(j, PQgetvalue(res, row, 4));
    bb_json_raw(j, "}");
}


typedef enum {
    BB_LIBRARY_FOLDERS,
    BB_LIBRARY_CLIPS,
    BB_LIBRARY_CLIP
} bb_library_kind_e;


/*
 * Renders rows of res (at most limit of them; a row past it means another
 * page) as kind's answer into a malloc'd *json, measured then written.
 */
static bb_status_e
bb_library_render(bb_call_t *call, PGresult *res, bb_library_kind_e kind,
    int limit, char **json, size_t *len)
{
    int        i, n, more, pass;
    char      *buf;
    size_t     size;
    bb_json_t  j;

    n = PQntuples(res);
    more = n > limit;
    if (more) {
        n = limit;
    }

    buf = NULL;
    size = 0;

    for (pass = 0; pass < 2; pass++) {
        bb_json_init(&j, buf, size);

        if (kind == BB_LIBRARY_CLIP) {
            bb_library_clip_json(&j, res, 0);

        } else {
            bb_json_raw(&j, kind == BB_LIBRARY_FOLDERS ? "{\"folders\":["
                                                       : "{\"clips\":[");

            for (i = 0; i < n; i++) {
                if (i > 0) {
                    bb_json_raw(&j, ",");
                }

                if (kind == BB_LIBRARY_FOLDERS) {
                    bb_library_folder_json(&j, res, i);

                } else {
                    bb_library_clip_json(&j, res, i);
                }
            }

            bb_json_raw(&j, "]");

            if (kind == BB_LIBRARY_CLIPS) {
                /* The cursor: the last clip's start, in milliseconds. */
                bb_json_key(&j, "next_cursor", 0);

                if (more) {
                    bb_json_str(&j, PQgetvalue(res, n - 1, 2));

                } else {
                    bb_json_raw(&j, "null");
                }
            }

            bb_json_raw(&j, "}");
        }

        bb_json_raw(&j, "\n");

        if (pass == 0) {
            size = j.len;
            buf = malloc(size);
            if (buf == NULL) {
                snprintf(call->log, sizeof(call->log), "out of memory");
                return BB_ERR_INTERNAL;
            }
        }
    }

    if (j.len != size) {
        free(buf);
        snprintf(call->log, sizeof(call->log), "library json changed length");
        return BB_ERR_INTERNAL;
    }

    *json = buf;
    *len = size;

    return BB_OK;
}


/* BB_OK when the user owns device_id, else NOT_FOUND or UNAVAILABLE. */
static bb_status_e
bb_library_owns(bb_call_t *call, const char *uid, const char *device_id)
{
    int           owns;
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[2];

    params[0] = uid;
    params[1] = device_id;

    res = bb_call_sql(call, "SELECT 1 FROM devices"
                            " WHERE user_id = $1 AND device_id = $2",
                      2, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    owns = PQntuples(res) == 1;
    PQclear(res);

    return owns ? BB_OK : BB_ERR_NOT_FOUND;
}


/* Runs sql (parameters after the user id) and renders what it finds. */
static bb_status_e
bb_library_query(bb_call_t *call, long long user_id, const char *device_id,
    const char *sql, int n, const char **params, bb_library_kind_e kind,
    int limit, char **json, size_t *len)
{
    char          uid[24];
    PGresult     *res;
    bb_status_e   st;
    bb_pg_err_t   err;

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;

    if (device_id != NULL) {
        st = bb_library_owns(call, uid, device_id);
        if (st != BB_OK) {
            return st;
        }
    }

    res = bb_call_sql(call, sql, n, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    st = (kind == BB_LIBRARY_CLIP && PQntuples(res) != 1)
         ? BB_ERR_NOT_FOUND
         : bb_library_render(call, res, kind, limit, json, len);

    PQclear(res);

    return st;
}


bb_status_e
bb_library_folders(bb_call_t *call, long long user_id, const char *device_id,
    char **json, size_t *len)
{
    const char  *params[2];

    params[1] = device_id;

    return bb_library_query(call, user_id, device_id,
        "SELECT to_char(s.slot AT TIME ZONE d.time_zone, 'YYYY-MM-DD')"
        "       AS day,"
        "       sum(s.clip_count), sum(s.bytes), sum(s.duration_ms),"
        "       sum(s.event_count)"
        " FROM clip_slots s JOIN devices d ON d.device_id = s.device_id"
        " WHERE d.user_id = $1 AND d.device_id = $2"
        " GROUP BY day ORDER BY day DESC",
        2, params, BB_LIBRARY_FOLDERS, 100000, json, len);
}


bb_status_e
bb_library_clips(bb_call_t *call, long long user_id, const char *device_id,
    const char *date, int limit, const char *cursor, char **json,
    size_t *len)
{
    char         lim[16];
    const char  *params[5];

    snprintf(lim, sizeof(lim), "%d", limit + 1);

    params[1] = device_id;
    params[2] = date;
    params[3] = cursor != NULL ? cursor : "-1";
    params[4] = lim;

    return bb_library_query(call, user_id, device_id,
        "SELECT " BB_CLIP_COLUMNS
        " FROM clips c JOIN devices d ON d.device_id = c.device_id"
        " WHERE d.user_id = $1 AND d.device_id = $2"
        BB_LIBRARY_DAY
        "   AND c.recorded_at > to_timestamp($4::bigint / 1000.0)"
        " ORDER BY c.recorded_at LIMIT $5::int",
        5, params, BB_LIBRARY_CLIPS, limit, json, len);
}


bb_status_e
bb_library_clip(bb_call_t *call, long long user_id, const char *clip_id,
    char **json, size_t *len)
{
    const char  *params[2];

    params[1] = clip_id;

    return bb_library_query(call, user_id, NULL,
        "SELECT " BB_CLIP_COLUMNS
        " FROM clips c JOIN devices d ON d.device_id = c.device_id"
        " WHERE d.user_id = $1 AND c.clip_id = $2::bigint",
        2, params, BB_LIBRARY_CLIP, 1, json, len);
}


bb_status_e
bb_library_clip_file(bb_call_t *call, long long user_id, const char *clip_id,
    char *path, char *name)
{
    char          uid[24];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[2];

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;
    params[1] = clip_id;

    res = bb_call_sql(call,
        "SELECT c.path, c.device_id || '_' ||"
        "       to_char(c.recorded_at AT TIME ZONE d.time_zone,"
        "               'YYYY-MM-DD_HH24MISS') || '.mp4'"
        " FROM clips c JOIN devices d ON d.device_id = c.device_id"
        " WHERE d.user_id = $1 AND c.clip_id = $2::bigint",
        2, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    if (PQntuples(res) != 1 || PQgetlength(res, 0, 0) >= 160
        || PQgetlength(res, 0, 1) >= 160)
    {
        PQclear(res);
        return BB_ERR_NOT_FOUND;
    }

    strcpy(path, PQgetvalue(res, 0, 0));
    strcpy(name, PQgetvalue(res, 0, 1));
    PQclear(res);

    return BB_OK;
}


/*
 * Runs a DELETE ... RETURNING path and removes the files of the rows it
 * took.  NOT_FOUND when it took none.
 */
static bb_status_e
bb_library_delete(bb_call_t *call, const char *sql, int n,
    const char **params)
{
    int           i, rows, failed;
    char          why[sizeof(call->log)];
    PGresult     *res;
    bb_pg_err_t   err;

    res = bb_call_sql(call, sql, n, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    rows = PQntuples(res);
    failed = 0;

    for (i = 0; i < rows; i++) {
        if (bb_storage_remove_clip(call->conf->storage, PQgetvalue(res, i, 0),
                                   why, sizeof(why)) != 0)
        {
            /* Keep going: the other files can still go; log the first. */
            if (!failed) {
                memcpy(call->log, why, sizeof(why));
            }

            failed = 1;
        }
    }

    PQclear(res);

    if (rows == 0) {
        return BB_ERR_NOT_FOUND;
    }

    return failed ? BB_ERR_INTERNAL : BB_OK;
}


bb_status_e
bb_library_clip_delete(bb_call_t *call, long long user_id,
    const char *clip_id)
{
    char         uid[24];
    const char  *params[2];

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;
    params[1] = clip_id;

    return bb_library_delete(call,
        "DELETE FROM clips c USING devices d"
        " WHERE d.device_id = c.device_id AND d.user_id = $1"
        "   AND c.clip_id = $2::bigint"
        " RETURNING c.path",
        2, params);
}


bb_status_e
bb_library_folder_delete(bb_call_t *call, long long user_id,
    const char *device_id, const char *date)
{
    char         uid[24];
    const char  *params[3];

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;
    params[1] = device_id;
    params[2] = date;

    return bb_library_delete(call,
        "DELETE FROM clips c USING devices d"
        " WHERE d.device_id = c.device_id AND d.user_id = $1"
        "   AND d.device_id = $2" BB_LIBRARY_DAY
        " RETURNING c.path",
        3, params);
}


bb_status_e
bb_library_folder_held(bb_call_t *call, long long user_id,
    const char *device_id, const char *date)
{
    int           held;
    char          uid[24];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[3];

    snprintf(uid, sizeof(uid), "%lld", user_id);
    params[0] = uid;
    params[1] = device_id;
    params[2] = date;

    res = bb_call_sql(call,
        "SELECT 1 FROM clips c JOIN devices d ON d.device_id = c.device_id"
        " WHERE d.user_id = $1 AND d.device_id = $2" BB_LIBRARY_DAY
        " LIMIT 1",
        3, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    held = PQntuples(res) == 1;
    PQclear(res);

    return held ? BB_OK : BB_ERR_NOT_FOUND;
}


/* Appends {"from":..., "to":...} for [from_ms, to_ms). */
static void
bb_library_range_json(bb_json_t *j, long long from_ms, long long to_ms)
{
    char  stamp[BB_TIME_LEN];

    bb_json_key(j, "from", 1);
    bb_json_str(j, bb_time_format_ms(from_ms, stamp));
    bb_json_key(j, "to", 0);
    bb_json_str(j, bb_time_format_ms(to_ms, stamp));
}


/*
 * Writes the merged ranges of res's (start, end) rows, clipped to
 * [from_ms, to_ms).  Called once to measure (j without a buffer), once to
 * write.
 */
static void
bb_library_coverage_json(bb_json_t *j, PGresult *res, long long from_ms,
    long long to_ms)
{
    int        i, n, first;
    long long  start, end, run_start, run_end;

    bb_json_raw(j, "{");
    bb_library_range_json(j, from_ms, to_ms);
    bb_json_raw(j, ",\"ranges\":[");

    n = PQntuples(res);
    first = 1;
    run_start = run_end = -1;

    for (i = 0; i <= n; i++) {
        if (i < n) {
            start = strtoll(PQgetvalue(res, i, 0), NULL, 10);
            end = strtoll(PQgetvalue(res, i, 1), NULL, 10);
            start = start < from_ms ? from_ms : start;
            end = end > to_ms ? to_ms : end;

            if (run_end >= 0 && start <= run_end + BB_LIBRARY_GAP_MS) {
                run_end = end > run_end ? end : run_end;
                continue;
            }
        }

        if (run_end > run_start) {
            bb_json_raw(j, first ? "{" : ",{");
            bb_library_range_json(j, run_start, run_end);
            bb_json_raw(j, "}");
            first = 0;
        }

        if (i < n) {
            run_start = start;
            run_end = end;
        }
    }

    bb_json_raw(j, "]}\n");
}


bb_status_e
bb_library_coverage(bb_call_t *call, const char *device_id,
    long long from_ms, long long to_ms, char **json, size_t *len)
{
    char          from[24], to[24], *buf;
    PGresult     *res;
    bb_json_t     j;
    bb_pg_err_t   err;
    const char   *params[3];

    snprintf(from, sizeof(from), "%lld", from_ms);
    snprintf(to, sizeof(to), "%lld", to_ms);
    params[0] = device_id;
    params[1] = from;
    params[2] = to;

    /*
     * A clip that began up to a day before the window may reach into it;
     * bounding the start keeps the scan on the (device, start) index.
     */
    res = bb_call_sql(call,
        "SELECT s, s + duration_ms FROM ("
        "  SELECT (extract(epoch FROM recorded_at) * 1000)::bigint AS s,"
        "         duration_ms"
        "  FROM clips WHERE device_id = $1"
        "    AND recorded_at >= to_timestamp($2::bigint / 1000.0)"
        "                       - interval '1 day'"
        "    AND recorded_at < to_timestamp($3::bigint / 1000.0)) c"
        " WHERE s + duration_ms > $2::bigint ORDER BY s",
        3, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    bb_json_init(&j, NULL, 0);
    bb_library_coverage_json(&j, res, from_ms, to_ms);

    buf = malloc(j.len);
    if (buf == NULL) {
        PQclear(res);
        snprintf(call->log, sizeof(call->log), "out of memory");
        return BB_ERR_INTERNAL;
    }

    *len = j.len;
    bb_json_init(&j, buf, *len);
    bb_library_coverage_json(&j, res, from_ms, to_ms);
    PQclear(res);

    if (j.len != *len) {
        free(buf);
        snprintf(call->log, sizeof(call->log), "coverage changed length");
        return BB_ERR_INTERNAL;
    }

    *json = buf;

    return BB_OK;
}
