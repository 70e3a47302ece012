/*
 * The clip queue: every finished clip, from the SRT ingest or from an HTTP
 * back-fill, is announced on one Redis Stream, and workers index it.
 *
 * Stream "bb:clips", consumer group "workers": each entry is delivered to
 * one worker, stays pending until that worker acknowledges it, and is
 * claimed by another worker if the first dies.  An entry that cannot be
 * indexed (not a clip, an unknown device) or that keeps failing moves to
 * "bb:clips:dead" with its reason; nothing is dropped in silence.
 *
 *     device_id    cam-01
 *     recorded_at  1795621380000       (Unix milliseconds of the first frame)
 *     path         cam-01/2026-11-25/120300.mp4   (relative to the storage)
 */

#ifndef BB_CLIPQ_H
#define BB_CLIPQ_H

#include <stddef.h>

#define BB_CLIPQ_STREAM  "bb:clips"
#define BB_CLIPQ_GROUP   "workers"
#define BB_CLIPQ_DEAD    "bb:clips:dead"

/* Announces a finished clip.  Returns 0, or -1 with a reason in err. */
int bb_clipq_announce(const char *redis, int timeout_ms,
    const char *device_id, long long recorded_at_ms, const char *path,
    char *err, size_t errlen);

/*
 * 1 when device_id is well formed and path is where the library keeps
 * one of its clips:
 * "<device_id>/<YYYY-MM-DD>/<HHMMSS>.mp4", so that no queue entry can name
 * a file outside the device's folder.
 */
int bb_clipq_path_valid(const char *device_id, const char *path);

/*
 * Writes the path of device_id's clip recorded at ms (Unix milliseconds)
 * into out: "<device_id>/<YYYY-MM-DD>/<HHMMSS>.mp4", in UTC.  Returns 0, or
 * -1 when device_id is malformed or out too small.
 */
int bb_clipq_path(const char *device_id, long long ms, char *out,
    size_t size);

#endif /* BB_CLIPQ_H */
