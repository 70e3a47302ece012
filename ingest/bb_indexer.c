/*
 * The worker's clip indexer: reads the clip queue (core/bb_clipq.h) with a
 * consumer group, probes each clip with libavformat and writes its row.
 *
 * Each entry ends one of three ways.  Indexed: the row is written (once per
 * device and start time: a second announcement of the same clip changes
 * nothing, and one covering more of its minute replaces the row) and the
 * entry acknowledged.  Refused: not a clip, an unknown device, a path
 * outside the device's folder; the entry moves to the dead-letter stream
 * with its reason.  Not yet: PostgreSQL is down; the entry stays pending
 * and is claimed again after BB_INDEXER_IDLE_MS, by this worker or
 * another, until it has failed BB_INDEXER_TRIES times.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_clip_media.h"
#include "bb_clipq.h"
#include "bb_device.h"
#include "bb_indexer.h"
#include "bb_pg.h"
#include "bb_probe.h"
#include "bb_redis.h"

#define BB_INDEXER_BATCH    10
#define BB_INDEXER_IDLE_MS  30000
#define BB_INDEXER_TRIES    10
#define BB_INDEXER_TRIES_KEY  "bb:clips:tries"

typedef enum {
    BB_INDEXED,
    BB_REFUSED,
    BB_NOT_YET
} bb_index_e;


static const char  bb_indexer_insert_sql[] =
    "INSERT INTO clips (device_id, recorded_at, duration_ms, size_bytes,"
    "                   video_codec, width, height, audio_codec, path,"
    "                   timescale, segment_ticks, segment_bytes,"
    "                   video_codecs, audio_codecs, sample_rate, init_id)"
    " VALUES ($1, to_timestamp($2::bigint / 1000.0), $3, $4, $5, $6, $7,"
    "         nullif($8, ''), $9, $10, $11, $12, $13, nullif($14, ''),"
    "         nullif($15, '0')::integer, $16)"
    " ON CONFLICT (device_id, recorded_at) DO UPDATE"
    " SET duration_ms = EXCLUDED.duration_ms,"
    "     size_bytes = EXCLUDED.size_bytes,"
    "     video_codec = EXCLUDED.video_codec,"
    "     width = EXCLUDED.width, height = EXCLUDED.height,"
    "     audio_codec = EXCLUDED.audio_codec, path = EXCLUDED.path,"
    "     timescale = EXCLUDED.timescale,"
    "     segment_ticks = EXCLUDED.segment_ticks,"
    "     segment_bytes = EXCLUDED.segment_bytes,"
    "     video_codecs = EXCLUDED.video_codecs,"
    "     audio_codecs = EXCLUDED.audio_codecs,"
    "     sample_rate = EXCLUDED.sample_rate, init_id = EXCLUDED.init_id"
    " WHERE clips.duration_ms < EXCLUDED.duration_ms"
    "    OR clips.segment_ticks IS NULL";


/* The value of field name in a stream entry's field array, or NULL. */
static const char *
bb_indexer_field(redisReply *fields, const char *name)
{
    size_t  i;

    for (i = 0; i + 1 < fields->elements; i += 2) {
        if (fields->element[i]->type == REDIS_REPLY_STRING
            && fields->element[i + 1]->type == REDIS_REPLY_STRING
            && strcmp(fields->element[i]->str, name) == 0)
        {
            return fields->element[i + 1]->str;
        }
    }

    return NULL;
}


static bb_index_e
bb_indexer_insert(bb_daemon_t *d, const char *device_id,
    const char *recorded_at, const char *path, const bb_probe_t *p,
    const bb_clip_media_t *m, char *why, size_t whylen)
{
    char          duration[24], size[24], width[16], height[16];
    char          timescale[16], rate[16], init_id[24], *ticks, *bytes;
    size_t        arrlen;
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[16];

    snprintf(duration, sizeof(duration), "%lld", p->duration_ms);
    snprintf(size, sizeof(size), "%lld", p->size_bytes);
    snprintf(width, sizeof(width), "%d", p->width);
    snprintf(height, sizeof(height), "%d", p->height);
    snprintf(timescale, sizeof(timescale), "%u", m->timescale);
    snprintf(rate, sizeof(rate), "%u", m->sample_rate);
    snprintf(init_id, sizeof(init_id), "%lld", (long long) m->init_id);

    /* "{" + up to 10 digits and a comma each + "}" */
    arrlen = (size_t) m->nsegments * 11 + 3;
    ticks = malloc(arrlen);
    bytes = malloc(arrlen);

    if (ticks == NULL || bytes == NULL
        || bb_clip_media_array(m->durations, m->nsegments, ticks, arrlen) < 0
        || bb_clip_media_array(m->sizes, m->nsegments, bytes, arrlen) < 0)
    {
        free(ticks);
        free(bytes);
        snprintf(why, whylen, "out of memory");
        return BB_NOT_YET;
    }

    params[0] = device_id;
    params[1] = recorded_at;
    params[2] = duration;
    params[3] = size;
    params[4] = p->video_codec;
    params[5] = width;
    params[6] = height;
    params[7] = p->audio_codec;
    params[8] = path;
    params[9] = timescale;
    params[10] = ticks;
    params[11] = bytes;
    params[12] = m->video_codecs;
    params[13] = m->audio_codecs;
    params[14] = rate;
    params[15] = init_id;

    res = bb_pg_exec(d->postgres, bb_indexer_insert_sql, 16, params,
                     bb_deadline_in(d->timeout_ms), &err);
    free(ticks);
    free(bytes);

    if (res != NULL) {
        PQclear(res);
        return BB_INDEXED;
    }

    snprintf(why, whylen, "%s", err.text);

    /* 23503: the device was deleted (or never was); 22xxx: bad data. */
    return (strcmp(err.sqlstate, "23503") == 0
            || strncmp(err.sqlstate, "22", 2) == 0) ? BB_REFUSED : BB_NOT_YET;
}


/* Indexes one entry; says how it ended and, unless indexed, why. */
static bb_index_e
bb_indexer_one(bb_daemon_t *d, redisReply *fields, char *why, size_t whylen)
{
    char         file[4096], expected[160], *end;
    long long    at;
    bb_probe_t        probe;
    bb_index_e        how;
    const char       *device_id, *recorded_at, *path;
    bb_clip_media_t   media;

    memset(&media, 0, sizeof(media));
    device_id = bb_indexer_field(fields, "device_id");
    recorded_at = bb_indexer_field(fields, "recorded_at");
    path = bb_indexer_field(fields, "path");

    if (device_id == NULL || recorded_at == NULL || path == NULL) {
        snprintf(why, whylen, "entry lacks device_id, recorded_at or path");
        return BB_REFUSED;
    }

    at = strtoll(recorded_at, &end, 10);

    /* The path must be the one the clip's own time gives, to the second. */
    if (*end != '\0' || at <= 0 || !bb_clipq_path_valid(device_id, path)
        || bb_clipq_path(device_id, at, expected, sizeof(expected)) != 0
        || strcmp(path, expected) != 0)
    {
        snprintf(why, whylen, "malformed device_id, recorded_at or path");
        return BB_REFUSED;
    }

    snprintf(file, sizeof(file), "%s/%s", d->storage, path);

    if (bb_probe_clip(file, &probe, why, whylen) != 0
        || bb_clip_media_read(file, BB_CLIP_MEDIA_TARGET_MS, &media, why,
                              whylen) != 0)
    {
        bb_clip_media_free(&media);
        return BB_REFUSED;
    }

    how = bb_indexer_insert(d, device_id, recorded_at, path, &probe, &media,
                            why, whylen);
    bb_clip_media_free(&media);

    return how;
}


/* Moves an entry to the dead-letter stream with its reason, and acks it. */
static int
bb_indexer_bury(bb_daemon_t *d, const char *id, redisReply *fields,
    const char *why)
{
    char         err[256];
    const char  *device_id, *recorded_at, *path;

    device_id = bb_indexer_field(fields, "device_id");
    recorded_at = bb_indexer_field(fields, "recorded_at");
    path = bb_indexer_field(fields, "path");

    if (bb_redis_run(d->redis, d->timeout_ms, err, sizeof(err),
                     "XADD " BB_CLIPQ_DEAD " * entry %s device_id %s"
                     " recorded_at %s path %s reason %s", id,
                     device_id ? device_id : "", recorded_at ? recorded_at : "",
                     path ? path : "", why) != 0)
    {
        bb_log("error", "worker: cannot bury clip entry %s: %s", id, err);
        return -1;
    }

    bb_log("warn", "worker: clip entry %s (device \"%s\", \"%s\") refused: "
           "%s", id, device_id ? device_id : "?", path ? path : "?", why);

    return 0;
}


static void
bb_indexer_ack(bb_daemon_t *d, const char *id)
{
    char  err[256];

    if (bb_redis_run(d->redis, d->timeout_ms, err, sizeof(err),
                     "XACK " BB_CLIPQ_STREAM " " BB_CLIPQ_GROUP " %s", id) != 0
        || bb_redis_run(d->redis, d->timeout_ms, err, sizeof(err),
                        "HDEL " BB_INDEXER_TRIES_KEY " %s", id) != 0)
    {
        bb_log("error", "worker: cannot acknowledge clip entry %s: %s", id,
               err);
    }
}


/* Counts a failed try of id; 1 when it has had its last one. */
static int
bb_indexer_exhausted(bb_daemon_t *d, const char *id)
{
    char         err[256];
    long long    tries;
    redisReply  *reply;

    reply = bb_redis_command(d->redis, d->timeout_ms, err, sizeof(err),
                             "HINCRBY " BB_INDEXER_TRIES_KEY " %s 1", id);
    if (reply == NULL) {
        return 0;
    }

    tries = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
    freeReplyObject(reply);

    return tries >= BB_INDEXER_TRIES;
}


/* Handles the entries of a stream reply: [[id, [field, value, ...]], ...]. */
static int
bb_indexer_entries(bb_daemon_t *d, redisReply *entries)
{
    int          n;
    char         why[512], reason[600];
    size_t       i;
    redisReply  *e;
    bb_index_e   how;
    const char  *id;

    n = 0;

    for (i = 0; i < entries->elements; i++) {
        e = entries->element[i];

        /* A claimed entry that was deleted meanwhile comes as nil fields. */
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2
            || e->element[0]->type != REDIS_REPLY_STRING
            || e->element[1]->type != REDIS_REPLY_ARRAY)
        {
            continue;
        }

        id = e->element[0]->str;
        how = bb_indexer_one(d, e->element[1], why, sizeof(why));

        if (how == BB_NOT_YET && bb_indexer_exhausted(d, id)) {
            snprintf(reason, sizeof(reason), "kept failing: %s", why);
            how = BB_REFUSED;
            memcpy(why, reason, sizeof(why) - 1);
            why[sizeof(why) - 1] = '\0';
        }

        switch (how) {

        case BB_INDEXED:
            bb_indexer_ack(d, id);
            n++;
            break;

        case BB_REFUSED:
            if (bb_indexer_bury(d, id, e->element[1], why) == 0) {
                bb_indexer_ack(d, id);
            }
            break;

        case BB_NOT_YET:
            bb_log("warn", "worker: clip entry %s waits: %s", id, why);
            break;
        }
    }

    return n;
}


int
bb_indexer_prepare(bb_daemon_t *d)
{
    char  err[256];

    if (bb_redis_run(d->redis, d->timeout_ms, err, sizeof(err),
                     "XGROUP CREATE " BB_CLIPQ_STREAM " " BB_CLIPQ_GROUP
                     " 0 MKSTREAM") != 0
        && strstr(err, "BUSYGROUP") == NULL)
    {
        bb_log("error", "worker: cannot create the clip queue's group: %s",
               err);
        return -1;
    }

    return 0;
}


int
bb_indexer_run(bb_daemon_t *d, int block_ms)
{
    int          n;
    char         err[256];
    redisReply  *reply;

    n = 0;

    /* First the entries a dead or stalled worker left pending. */
    reply = bb_redis_command(d->redis, d->timeout_ms, err, sizeof(err),
                             "XAUTOCLAIM " BB_CLIPQ_STREAM " " BB_CLIPQ_GROUP
                             " %s %d 0-0 COUNT %d", d->node,
                             BB_INDEXER_IDLE_MS, BB_INDEXER_BATCH);
    if (reply == NULL) {
        return -1;
    }

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2
        && reply->element[1]->type == REDIS_REPLY_ARRAY)
    {
        n += bb_indexer_entries(d, reply->element[1]);
    }

    freeReplyObject(reply);

    reply = bb_redis_command(d->redis, d->timeout_ms + block_ms, err,
                             sizeof(err),
                             "XREADGROUP GROUP " BB_CLIPQ_GROUP " %s"
                             " COUNT %d BLOCK %d STREAMS " BB_CLIPQ_STREAM
                             " >", d->node, BB_INDEXER_BATCH, block_ms);
    if (reply == NULL) {
        return -1;
    }

    /* [[stream, [[id, fields], ...]]], or nil when nothing came. */
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
        && reply->element[0]->type == REDIS_REPLY_ARRAY
        && reply->element[0]->elements == 2
        && reply->element[0]->element[1]->type == REDIS_REPLY_ARRAY)
    {
        n += bb_indexer_entries(d, reply->element[0]->element[1]);
    }

    freeReplyObject(reply);

    return n;
}
