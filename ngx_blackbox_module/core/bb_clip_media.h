/*
 * What a playlist needs to know of a clip without opening it: its video
 * timescale, the length and size of each of its segments, its codecs as
 * RFC 6381 strings, and the identity of its init segment.  The worker
 * works this out once, when it indexes the clip, and stores it in the
 * clip's row; the playback module then builds a day's (or a month's)
 * playlist from rows alone, never from 1,440 (or 43,200) files.
 *
 * The segments are the packager's own (bb_mp4_segments with the same
 * target), so the playlist names exactly the segments it will serve.
 */

#ifndef BB_CLIP_MEDIA_H
#define BB_CLIP_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "bb_fmp4.h"
#include "bb_mp4.h"

#define BB_CLIP_MEDIA_TARGET_MS  4000    /* segment length aimed at */

typedef struct {
    uint32_t    timescale;                   /* the video track's */
    uint32_t    nsegments;
    uint32_t   *durations;                   /* of each segment, in
                                                timescale (malloc'd) */
    uint32_t   *sizes;                       /* sample bytes of each */
    char        video_codecs[BB_FMP4_CODEC_LEN];  /* "avc1.64001f" */
    char        audio_codecs[BB_FMP4_CODEC_LEN];  /* "mp4a.40.2", "" */
    uint32_t    sample_rate;                 /* audio, 0: none */
    int64_t     init_id;                     /* equal: one init segment
                                                serves both clips */
} bb_clip_media_t;

/*
 * Fills m from the index of a clip.  Returns 0, or -1 when memory runs
 * out or the clip's video codec string cannot be made; free m with
 * bb_clip_media_free either way.
 */
int bb_clip_media_describe(const bb_mp4_index_t *ix, unsigned target_ms,
    bb_clip_media_t *m);

/*
 * The same from the clip file at path.  Returns 0, or -1 with the reason
 * in err.
 */
int bb_clip_media_read(const char *path, unsigned target_ms,
    bb_clip_media_t *m, char *err, size_t errlen);

void bb_clip_media_free(bb_clip_media_t *m);

/*
 * The identity of ix's init segment: a 63-bit hash of everything
 * bb_fmp4_init_same compares (codecs, configurations, timescales, picture
 * size, audio format), so that equal hashes mean "same init" with the
 * odds of a 63-bit collision.
 */
int64_t bb_clip_media_init_id(const bb_mp4_index_t *ix);

/*
 * Writes n values as a PostgreSQL array literal, "{4000,3990}", into buf
 * (size bytes, NUL-terminated).  Returns the length, or -1 when it does
 * not fit.
 */
int bb_clip_media_array(const uint32_t *v, uint32_t n, char *buf,
    size_t size);

#endif /* BB_CLIP_MEDIA_H */
