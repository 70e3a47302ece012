/*
 * bb_playback.h: the clip rows behind playback URLs.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * In binary format: a day is 1,440 rows of two arrays each, and the
 * server formatting them as text (and us parsing it) took most of a
 * playlist's time.  In the index's order, so nothing is sorted.
 */
static const char  bb_playback_list_sql[] =
    "SELECT c.clip_id, " BB_MS("c.recorded_at") ", c.timescale,"
    "       c.video_codecs, c.audio_codecs, c.width, c.height,"
    "       coalesce(c.sample_rate, 0), c.init_id, c.segment_ticks,"
    "       c.segment_bytes, c.size_bytes"
    " FROM clips c"
    " WHERE c.device_id = $2"
    "   AND EXISTS (SELECT 1 FROM devices d"
    "               WHERE d.device_id = $2 AND d.user_id = $1)"
    "   AND c.recorded_at >= to_timestamp($3::bigint / 1000.0)"
    "   AND c.recorded_at < to_timestamp($4::bigint / 1000.0)"
    "   AND c.segment_ticks IS NOT NULL"
    " ORDER BY c.recorded_at";


/* Fills clip from row i, its numbers at *numbers; -1 on a bad row. */
static int
bb_playback_row(PGresult *res, int i, bb_playlist_clip_t *clip, char *id,
    uint32_t **numbers)
{
    int        n, k;
    int32_t   *ticks, *bytes;

    ticks = (int32_t *) *numbers;
    n = bb_pg_int4_array(res, i, BB_COL_TICKS, ticks,
                         BB_PLAYBACK_MAX_SEGMENTS);
    if (n < 1) {
        return -1;
    }

    bytes = ticks + n;
    if (bb_pg_int4_array(res, i, BB_COL_BYTES, bytes, n) != n) {
        return -1;
    }

    for (k = 0; k < n; k++) {
        if (ticks[k] <= 0 || bytes[k] < 0) {
            return -1;
        }
    }

    *numbers = (uint32_t *) (bytes + n);

    snprintf(id, BB_PLAYBACK_ID_LEN, "%lld",
             (long long) bb_pg_int8(res, i, BB_COL_ID));

    clip->id = id;
    clip->recorded_at = bb_pg_int8(res, i, BB_COL_AT);
    clip->timescale = (uint32_t) bb_pg_int4(res, i, BB_COL_TIMESCALE);
    clip->video_codec = PQgetvalue(res, i, BB_COL_VCODECS);
    clip->audio_codec = PQgetisnull(res, i, BB_COL_ACODECS)
                        ? NULL : PQgetvalue(res, i, BB_COL_ACODECS);
    clip->width = (uint32_t) bb_pg_int4(res, i, BB_COL_WIDTH);
    clip->height = (uint32_t) bb_pg_int4(res, i, BB_COL_HEIGHT);
    clip->sample_rate = (uint32_t) bb_pg_int4(res, i, BB_COL_RATE);
    clip->params = (uint64_t) bb_pg_int8(res, i, BB_COL_INIT);
    clip->durations = (uint32_t *) ticks;
    clip->sizes = (uint32_t *) bytes;
    clip->nsegments = (uint32_t) n;
    clip->bytes = (uint64_t) bb_pg_int8(res, i, BB_COL_SIZE);

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

    res = bb_call_sql_binary(call, bb_playback_list_sql, 4, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    list->rows = res;
    rows = PQntuples(res);

    /* No clips: an empty list, if the device is still the user's. */
    if (rows <= 0) {
        return bb_playback_range(call, user_id, device_id, NULL, &from_ms,
                                 &to_ms);
    }

    for (values = 0, i = 0; i < rows; i++) {
        n = bb_pg_int4_array(res, i, BB_COL_TICKS, NULL,
                             BB_PLAYBACK_MAX_SEGMENTS);
        values += n > 0 ? 2 * (size_t) n : 0;
    }

    list->clips = calloc((size_t) rows, sizeof(bb_playlist_clip_t));
    list->ids = malloc((size_t) rows * BB_PLAYBACK_ID_LEN);
    list->numbers = malloc((values + 1) * sizeof(uint32_t));
    if (list->clips == NULL || list->ids == NULL || list->numbers == NULL) {
        snprintf(call->log, sizeof(call->log), "out of memory for %d clips",
                 rows);
        return BB_ERR_INTERNAL;
    }

    numbers = list->numbers;

    for (i = 0; i < rows; i++) {
        if (bb_playback_row(res, i, &list->clips[i],
                            list->ids + (size_t) i * BB_PLAYBACK_ID_LEN,
                            &numbers) != 0)
        {
            snprintf(call->log, sizeof(call->log),
                     "clip %lld has a malformed segment list",
                     (long long) bb_pg_int8(res, i, BB_COL_ID));
            return BB_ERR_INTERNAL;
        }
    }

    list->playlist.clips = list->clips;
    list->playlist.nclips = (size_t) rows;

    return BB_OK;
}


void
bb_playback_list_free(bb_playback_list_t *list)
{
    free(list->clips);
    free(list->ids);
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
        "       " BB_MS("c.recorded_at")
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
        "        " BB_MS("run.recorded_at")
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
