/*
 * The thumbnail of a clip: its first keyframe, decoded with libavcodec,
 * scaled with libswscale and written as a small JPEG.
 *
 * Only a keyframe is ever decoded, alone: it needs no earlier picture, and
 * draining the decoder right after it gives the picture at once instead of
 * after the reorder delay of B-frames.  The JPEG is made in memory first,
 * so a clip that cannot be read leaves nothing on disk, and is then
 * written under a temporary name, flushed and renamed over jpg_path: a
 * reader (nginx sending it) sees the old file or the new one, never half
 * of one.
 *
 * Blocking file I/O and a decode of one full-size picture, so nginx calls
 * it from its thread pool, many at once: every codec runs on the calling
 * thread alone.  No logging: a failure comes back as a sentence in err for
 * the caller to log; libav's own messages go to av_log, whose level is the
 * caller's.
 */

#ifndef BB_THUMBNAIL_H
#define BB_THUMBNAIL_H

#include <stddef.h>

#include "bb_status.h"

/* A crash mid-write leaves "<jpg_path>.tmp<pid>.<n>" for a sweeper. */
#define BB_THUMBNAIL_TEMP_SUFFIX  ".tmp"

/* Limits of the picture written, either side, in pixels. */
#define BB_THUMBNAIL_MIN_SIZE     2
#define BB_THUMBNAIL_MAX_SIZE     4096

/*
 * Writes a JPEG of the first keyframe of the MP4 clip at clip_path to
 * jpg_path (replacing any file there), width pixels wide and as tall as
 * the clip's shape makes it (sample aspect ratio included), rounded to an
 * even height of at least 2.  Returns 0, or -1 with a sentence in err
 * (errlen bytes, always terminated) naming the reason: "cannot open: ...",
 * "no video stream", "no keyframe decoded", "cannot write ...".  On
 * failure no file is left at jpg_path's temporary name, and a file already
 * at jpg_path is untouched.
 */
int bb_thumbnail_write(const char *clip_path, const char *jpg_path,
    int width, char *err, size_t errlen);

/*
 * The thumbnail of the clip at storage/path, kept beside it as
 * "<path>.jpg": made now unless an earlier call made it.  BB_OK, or
 * NOT_FOUND when the clip file is gone (deleted meanwhile), INTERNAL when
 * it cannot be made (why in err).
 */
bb_status_e bb_thumbnail_keep(const char *storage, const char *path,
    int width, char *err, size_t errlen);

#endif /* BB_THUMBNAIL_H */
