/*
 * bb_playback.h: the clip rows behind playback URLs.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_clip_media.h"
#include "bb_device.h"
#include "bb_library.h"
#include "bb_playback.h"

/* Unix ms of a timestamptz, exactly (extract gives numeric). */
#define BB_MS(x)  "(extract(epoch FROM " x ") * 1000)::bigint"


/* The numbers every query binds first: $1 user, $3 from, $4 to. */
typedef struct {
    char  uid[24];
    char  from[24];
    char  to[24];
} bb_playback_args_t;


static void
bb_playback_args(bb_playback_args_t *a, long long user_id, long long from_ms,
    long long to_ms)
{
    snprintf(a->uid, sizeof(a->uid), "%lld", user_id);
    snprintf(a->from, sizeof(a->from), "%lld", from_ms);
    snprintf(a->to, sizeof(a->to), "%lld", to_ms);
}


/*
 * Runs sql, which finds one row or none: BB_OK with *res (PQclear it),
 * NOT_FOUND without a row, UNAVAILABLE when the database fails.
 */
static bb_status_e
bb_playback_one(bb_call_t *call, const char *sql, int n,
    const char *const *params, PGresult **res)
{
    bb_pg_err_t  err;

    *res = bb_call_sql(call, sql, n, params, &err);
    if (*res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    if (PQntuples(*res) != 1) {
        PQclear(*res);
        *res = NULL;
        return BB_ERR_NOT_FOUND;
    }

    return BB_OK;
}


bb_status_e
bb_playback_range(bb_call_t *call, long long user_id, const char *device_id,
    const char *date, long long *from_ms, long long *to_ms)
{
    PGresult            *res;
    bb_status_e          st;
    const char          *params[3];
    bb_playback_args_t   a;

    bb_playback_args(&a, user_id, 0, 0);
    params[0] = a.uid;
    params[1] = device_id;
    params[2] = date != NULL ? date : "1970-01-01";

    st = bb_playback_one(call,
        "SELECT " BB_MS("($3::date::timestamp AT TIME ZONE time_zone)") ","
        "       " BB_MS("(($3::date + 1)::timestamp AT TIME ZONE time_zone)")
        " FROM devices WHERE user_id = $1 AND device_id = $2",
        3, params, &res);
    if (st != BB_OK) {
        return st;
    }

    if (date != NULL) {
        *from_ms = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *to_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }

    PQclear(res);

    return BB_OK;
}


bb_status_e
bb_playback_clip_range(bb_call_t *call, long long user_id,
    const char *clip_id, char *device_id, size_t device_id_len,
    long long *from_ms, long long *to_ms)
{
    PGresult            *res;
    bb_status_e          st;
    const char          *params[2];
    bb_playback_args_t   a;

    bb_playback_args(&a, user_id, 0, 0);
    params[0] = a.uid;
    params[1] = clip_id;

    st = bb_playback_one(call,
        "SELECT c.device_id, " BB_MS("c.recorded_at")
        " FROM clips c JOIN devices d ON d.device_id = c.device_id"
        " WHERE d.user_id = $1 AND c.clip_id = $2::bigint",
        2, params, &res);
    if (st != BB_OK) {
        return st;
    }

    if ((size_t) PQgetlength(res, 0, 0) >= device_id_len) {
        PQclear(res);
        return BB_ERR_NOT_FOUND;
    }

    strcpy(device_id, PQgetvalue(res, 0, 0));
    *from_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    *to_ms = *from_ms + 1;
    PQclear(res);

    return BB_OK;
}


/* Columns of the list query. */
enum {
    BB_COL_ID = 0, BB_COL_AT, BB_COL_TIMESCALE, BB_COL_VCODECS,
    BB_COL_ACODECS, BB_COL_WIDTH, BB_COL_HEIGHT, BB_COL_RATE, BB_COL_INIT,
    BB_COL_TICKS, BB_COL_BYTES, BB_COL_SIZE
};

/*
 * One row when the device is held but recorded nothing in the range (all
 * NULL but the first column's absence), none when it is not held.
 */
static const char  bb_playback_list_sql[] =
    "WITH d AS (SELECT device_id FROM devices"
    "           WHERE user_id = $1 AND device_id = $2)"
    " SELECT c.clip_id, " BB_MS("c.recorded_at") ", c.timescale,"
    "        c.video_codecs, c.audio_codecs, c.width, c.height,"
    "        c.sample_rate, c.init_id, c.segment_ticks, c.segment_bytes,"
    "        c.size_bytes"
    " FROM d LEFT JOIN clips c ON c.device_id = d.device_id"
    "     AND c.recorded_at >= to_timestamp($3::bigint / 1000.0)"
    "     AND c.recorded_at < to_timestamp($4::bigint / 1000.0)"
    "     AND c.segment_ticks IS NOT NULL"
    " ORDER BY c.recorded_at";


/* Fills clip from row i, its numbers at *numbers; -1 on a bad row. */
static int
bb_playback_row(PGresult *res, int i, bb_playlist_clip_t *clip,
    uint32_t **numbers)
{
    int       n, m;
    uint32_t *ticks, *bytes;

    ticks = *numbers;
    n = bb_clip_media_array_parse(PQgetvalue(res, i, BB_COL_TICKS), ticks,
                                  BB_PLAYBACK_MAX_SEGMENTS);
    if (n < 1) {
        return -1;
    }

    bytes = ticks + n;
    m = bb_clip_media_array_parse(PQgetvalue(res, i, BB_COL_BYTES), bytes,
                                  (uint32_t) n);
    if (m != n) {
        return -1;
    }

    *numbers = bytes + n;

    clip->id = PQgetvalue(res, i, BB_COL_ID);
    clip->recorded_at = strtoll(PQgetvalue(res, i, BB_COL_AT), NULL, 10);
    clip->timescale = (uint32_t) strtoul(PQgetvalue(res, i, BB_COL_TIMESCALE),
                                         NULL, 10);
    clip->video_codec = PQgetvalue(res, i, BB_COL_VCODECS);
    clip->audio_codec = PQgetisnull(res, i, BB_COL_ACODECS)
                        ? NULL : PQgetvalue(res, i, BB_COL_ACODECS);
    clip->width = (uint32_t) strtoul(PQgetvalue(res, i, BB_COL_WIDTH), NULL,
                                     10);
    clip->height = (uint32_t) strtoul(PQgetvalue(res, i, BB_COL_HEIGHT), NULL,
                                      10);
    clip->sample_rate = (uint32_t) strtoul(PQgetvalue(res, i, BB_COL_RATE),
                                           NULL, 10);
    clip->params = (uint64_t) strtoll(PQgetvalue(res, i, BB_COL_INIT), NULL,
                                      10);
    clip->durations = ticks;
    clip->sizes = bytes;
    clip->nsegments = (uint32_t) n;
    clip->bytes = (uint64_t) strtoll(PQgetvalue(res, i, BB_COL_SIZE), NULL,
                                     10);

    return 0;
}


bb_status_e
bb_playback_list(bb_call_t *call, long long user_id, const char *device_id,
    long long from_ms, long long to_ms, bb_playback_list_t *list)
{
    int                  i, rows, n;
    size_t               values;
    uint32_t            *numbers;
    PGresult            *res;
    bb_pg_err_t          err;
    const char          *params[4];
    bb_playback_args_t   a;

    memset(list, 0, sizeof(*list));

    bb_playback_args(&a, user_id, from_ms, to_ms);
    params[0] = a.uid;
    params[1] = device_id;
    params[2] = a.from;
    params[3] = a.to;

    res = bb_call_sql(call, bb_playback_list_sql, 4, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    list->rows = res;
    rows = PQntuples(res);

    if (rows <= 0) {
        return BB_ERR_NOT_FOUND;
    }

    if (PQgetisnull(res, 0, BB_COL_ID)) {
        return BB_OK;
    }

    /* Room for every clip's durations and sizes: a comma per value. */
    for (values = 0, i = 0; i < rows; i++) {
        values += 2 * ((size_t) PQgetlength(res, i, BB_COL_TICKS) / 2 + 1);
    }

    list->clips = calloc((size_t) rows, sizeof(bb_playlist_clip_t));
    list->numbers = malloc(values * sizeof(uint32_t));
    if (list->clips == NULL || list->numbers == NULL) {
        snprintf(call->log, sizeof(call->log), "out of memory for %d clips",
                 rows);
        return BB_ERR_INTERNAL;
    }

    numbers = list->numbers;

    for (n = 0, i = 0; i < rows; i++) {
        if (bb_playback_row(res, i, &list->clips[n], &numbers) != 0) {
            snprintf(call->log, sizeof(call->log),
                     "clip %s has a malformed segment list",
                     PQgetvalue(res, i, BB_COL_ID));
            return BB_ERR_INTERNAL;
        }

        n++;
    }

    list->playlist.clips = list->clips;
    list->playlist.nclips = (size_t) n;

    return BB_OK;
}


void
bb_playback_list_free(bb_playback_list_t *list)
{
    free(list->clips);
    free(list->numbers);
    PQclear(list->rows);
    memset(list, 0, sizeof(*list));
}


/* Copies the clip of a query's one row. */
static bb_status_e
bb_playback_clip_row(bb_status_e st, PGresult *res, bb_playback_clip_t *clip)
{
    if (st != BB_OK) {
        return st;
    }

    if (PQgetlength(res, 0, 0) >= (int) sizeof(clip->clip_id)
        || PQgetlength(res, 0, 1) >= (int) sizeof(clip->path))
    {
        PQclear(res);
        return BB_ERR_NOT_FOUND;
    }

    strcpy(clip->clip_id, PQgetvalue(res, 0, 0));
    strcpy(clip->path, PQgetvalue(res, 0, 1));
    clip->recorded_at = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    clip->run_start = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
    clip->timescale = (uint32_t) strtoul(PQgetvalue(res, 0, 4), NULL, 10);
    PQclear(res);

    return BB_OK;
}


bb_status_e
bb_playback_clip(bb_call_t *call, long long user_id, const char *device_id,
    long long from_ms, long long to_ms, const char *clip_id,
    bb_playback_clip_t *clip)
{
    PGresult            *res;
    bb_status_e          st;
    const char          *params[5];
    bb_playback_args_t   a;

    bb_playback_args(&a, user_id, from_ms, to_ms);
    params[0] = a.uid;
    params[1] = device_id;
    params[2] = a.from;
    params[3] = a.to;
    params[4] = clip_id;

    st = bb_playback_one(call,
        "SELECT c.clip_id, c.path, " BB_MS("c.recorded_at") ","
        "       " BB_MS("c.recorded_at") ", c.timescale"
        " FROM clips c JOIN devices d ON d.device_id = c.device_id"
        " WHERE d.user_id = $1 AND c.device_id = $2"
        "   AND c.recorded_at >= to_timestamp($3::bigint / 1000.0)"
        "   AND c.recorded_at < to_timestamp($4::bigint / 1000.0)"
        "   AND c.clip_id = $5::bigint",
        5, params, &res);

    return bb_playback_clip_row(st, res, clip);
}


bb_status_e
bb_playback_run_clip(bb_call_t *call, long long user_id,
    const char *device_id, long long from_ms, long long to_ms,
    const char *run_id, uint64_t ticks, unsigned join_ms,
    bb_playback_clip_t *clip)
{
    char                 t[24], join[16];
    PGresult            *res;
    bb_status_e          st;
    const char          *params[7];
    bb_playback_args_t   a;

    bb_playback_args(&a, user_id, from_ms, to_ms);
    snprintf(t, sizeof(t), "%llu", (unsigned long long) ticks);
    snprintf(join, sizeof(join), "%u", join_ms);
    params[0] = a.uid;
    params[1] = device_id;
    params[2] = a.from;
    params[3] = a.to;
    params[4] = run_id;
    params[5] = t;
    params[6] = join;

    st = bb_playback_one(call,
        "WITH run AS ("
        "  SELECT c.recorded_at, c.timescale"
        "  FROM clips c JOIN devices d ON d.device_id = c.device_id"
        "  WHERE d.user_id = $1 AND c.device_id = $2"
        "    AND c.recorded_at >= to_timestamp($3::bigint / 1000.0)"
        "    AND c.recorded_at < to_timestamp($4::bigint / 1000.0)"
        "    AND c.clip_id = $5::bigint AND c.timescale IS NOT NULL)"
        " SELECT c.clip_id, c.path, " BB_MS("c.recorded_at") ","
        "        " BB_MS("run.recorded_at") ", c.timescale"
        " FROM run JOIN clips c ON c.device_id = $2"
        "   AND c.recorded_at >= run.recorded_at"
        "   AND c.recorded_at <= run.recorded_at + ($6::numeric * 1000"
        "       / run.timescale + $7::integer) * interval '1 millisecond'"
        "   AND c.recorded_at < to_timestamp($4::bigint / 1000.0)"
        "   AND c.segment_ticks IS NOT NULL"
        " ORDER BY c.recorded_at DESC LIMIT 1",
        7, params, &res);

    return bb_playback_clip_row(st, res, clip);
}
