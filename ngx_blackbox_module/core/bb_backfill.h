/*
 * Back-fill: a device sends, over HTTP, a clip it recorded while it could
 * not stream.  nginx spools the body to a file; this stores it in the clip
 * library and announces it on the clip queue.
 *
 * The stored file appears whole or not at all: it is linked (or copied and
 * flushed) under a temporary name in the day's folder, then renamed into
 * place.  Storage paths are in UTC, "<device_id>/<YYYY-MM-DD>/<HHMMSS>.mp4",
 * so a device's time-zone change never moves a file; day folders in the
 * API follow the device's zone.
 */

#ifndef BB_BACKFILL_H
#define BB_BACKFILL_H

#include <stddef.h>

#include "bb_call.h"

/*
 * Parses "<YYYY-MM-DD>T<HH:MM:SS>Z.mp4" (the last path segment of the call)
 * into Unix milliseconds.  Returns 0, or -1 when malformed.
 */
int bb_backfill_time(const char *segment, long long *ms);

/*
 * Stores the clip spooled at body_path as device_id's clip recorded at ms,
 * under storage, and announces it.  *created is 1 when the clip is new or
 * replaced a shorter one, 0 when an equal or longer one was held already
 * (announced again all the same: an earlier answer may have been lost).
 * BB_ERR_NOT_A_CLIP (with the reason in call->log) when the body is no
 * playable MP4; BB_ERR_STORAGE when the file cannot be written;
 * BB_ERR_UNAVAILABLE when Redis cannot take the announcement, so that the
 * device keeps its copy and tries again.
 */
bb_status_e bb_backfill_store(bb_call_t *call, const char *storage,
    const char *device_id, long long ms, const char *body_path,
    int *created);

#endif /* BB_BACKFILL_H */
