/*
 * The clip library as owners browse it: a device's day folders, a day's
 * clips in recording order, one clip.
 *
 * Days follow the device's time zone (devices.time_zone): the database
 * turns each day's bounds into instants, so a clip at 23:30 UTC is on the
 * next day in Seoul.  Every query joins the device to its owner: another
 * account's device, folder or clip is simply not found.
 */

#ifndef BB_LIBRARY_H
#define BB_LIBRARY_H

#include <stddef.h>

#include "bb_call.h"

#define BB_LIBRARY_LIMIT      100     /* clips a page, unless asked */
#define BB_LIBRARY_LIMIT_MAX  1000

/* 1 when date is a real YYYY-MM-DD date. */
int bb_library_date_valid(const char *date);

/* {"folders":[{date, clip_count, bytes, duration_s}]}, newest first. */
bb_status_e bb_library_folders(bb_call_t *call, long long user_id,
    const char *device_id, char **json, size_t *len);

/*
 * {"clips":[...], "next_cursor"}: up to limit clips of the day after the
 * cursor (NULL: from the start); next_cursor is null on the last page.
 */
bb_status_e bb_library_clips(bb_call_t *call, long long user_id,
    const char *device_id, const char *date, int limit, const char *cursor,
    char **json, size_t *len);

/* One clip of the user's. */
bb_status_e bb_library_clip(bb_call_t *call, long long user_id,
    const char *clip_id, char **json, size_t *len);

/*
 * Where one of the user's clips is (relative to the storage), and the name
 * a download should take: "<device_id>_<YYYY-MM-DD>_<HHMMSS>.mp4" in the
 * device's time zone.  path and name are at least 160 bytes.
 */
bb_status_e bb_library_clip_file(bb_call_t *call, long long user_id,
    const char *clip_id, char *path, char *name);

/*
 * Deletes one of the user's clips for good: its row, then its file and
 * thumbnail (see bb_storage.h for the order).  NOT_FOUND when it is not
 * the user's; INTERNAL when the row went but a file could not (it is an
 * orphan then, for the reconciliation pass).
 */
bb_status_e bb_library_clip_delete(bb_call_t *call, long long user_id,
    const char *clip_id);

/* Deletes every clip of one of the user's day folders, as above. */
bb_status_e bb_library_folder_delete(bb_call_t *call, long long user_id,
    const char *device_id, const char *date);

/* BB_OK when the user's device has clips on date, else NOT_FOUND. */
bb_status_e bb_library_folder_held(bb_call_t *call, long long user_id,
    const char *device_id, const char *date);

/*
 * {"from", "to", "ranges":[{"from", "to"}]}: the stretches of [from_ms,
 * to_ms) that device_id's clips cover, merged where one clip runs on into
 * the next (a gap of at most BB_LIBRARY_GAP_MS is none) and clipped to the
 * window, so that a device back-fills only what is missing.
 */
#define BB_LIBRARY_GAP_MS  1000
bb_status_e bb_library_coverage(bb_call_t *call, const char *device_id,
    long long from_ms, long long to_ms, char **json, size_t *len);

#endif /* BB_LIBRARY_H */
