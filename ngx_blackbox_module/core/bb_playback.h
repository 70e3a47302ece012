/*
 * The clip rows behind playback: the range a playback URL grants (a day
 * in the device's zone, a from/to window, or one clip), the playlist of
 * that range, and the clip file a segment request names.  Every query
 * joins the device's owner in, so a grant reaches only the clips of a
 * device its user still holds.
 *
 * Blocking (libpq): the module calls these from its thread pool.
 */

#ifndef BB_PLAYBACK_H
#define BB_PLAYBACK_H

#include <stddef.h>
#include <stdint.h>

#include "bb_call.h"
#include "bb_playlist.h"

#define BB_PLAYBACK_MAX_RANGE_MS  (31LL * 86400 * 1000)
#define BB_PLAYBACK_PATH_LEN      160
#define BB_PLAYBACK_MAX_SEGMENTS  4096   /* per clip, in a row */
#define BB_PLAYBACK_ID_LEN        24     /* a clip id as text, NUL incl. */

/*
 * The range of date (YYYY-MM-DD) in device_id's time zone, or with date
 * NULL only that user_id holds device_id.  NOT_FOUND for another's or no
 * device.
 */
bb_status_e bb_playback_range(bb_call_t *call, long long user_id,
    const char *device_id, const char *date, long long *from_ms,
    long long *to_ms);

/* The device and the range of clip_id alone (its own playlist). */
bb_status_e bb_playback_clip_range(bb_call_t *call, long long user_id,
    const char *clip_id, char *device_id, size_t device_id_len,
    long long *from_ms, long long *to_ms);

/* A range's clips as the playlist builders want them. */
typedef struct {
    bb_playlist_t         playlist;
    bb_playlist_clip_t   *clips;
    char                 *ids;         /* every clip's id as text */
    uint32_t             *numbers;     /* every clip's durations and sizes */
    void                 *rows;        /* the PGresult the strings are in */
} bb_playback_list_t;

/*
 * The clips of device_id recorded in [from_ms, to_ms), in recording
 * order.  NOT_FOUND when user_id no longer holds the device; an empty
 * list when it recorded nothing then.  Free with bb_playback_list_free.
 */
bb_status_e bb_playback_list(bb_call_t *call, long long user_id,
    const char *device_id, long long from_ms, long long to_ms,
    bb_playback_list_t *list);

void bb_playback_list_free(bb_playback_list_t *list);

/* The file of a clip a grant reaches, and where it stands in time. */
typedef struct {
    char        clip_id[24];
    char        path[BB_PLAYBACK_PATH_LEN];   /* relative to storage */
    long long   recorded_at;                  /* Unix ms */
    long long   run_start;                    /* of the DASH run asked */
} bb_playback_clip_t;

/*
 * Clip clip_id of device_id, held by user_id, recorded in [from_ms,
 * to_ms).  NOT_FOUND otherwise (deleted meanwhile, out of the range).
 */
bb_status_e bb_playback_clip(bb_call_t *call, long long user_id,
    const char *device_id, long long from_ms, long long to_ms,
    const char *clip_id, bb_playback_clip_t *clip);

/*
 * The clip a DASH $Time$ names: in the run that starts with clip run_id,
 * the last clip recorded at or before the run's start + ticks (in the
 * run's timescale) + join_ms, within the grant's range.
 */
bb_status_e bb_playback_run_clip(bb_call_t *call, long long user_id,
    const char *device_id, long long from_ms, long long to_ms,
    const char *run_id, uint64_t ticks, unsigned join_ms,
    bb_playback_clip_t *clip);

#endif /* BB_PLAYBACK_H */
