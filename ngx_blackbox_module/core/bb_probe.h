/*
 * What a clip file holds, read with libavformat: the checks that make a
 * file a playable clip, and the metadata the clip library shows.
 *
 * Blocking file I/O: nginx calls it from its thread pool, the worker from
 * its own thread.
 */

#ifndef BB_PROBE_H
#define BB_PROBE_H

#include <stddef.h>

typedef struct {
    long long  duration_ms;
    long long  size_bytes;
    char       video_codec[32];    /* "h264", "hevc" */
    int        width;
    int        height;
    char       audio_codec[32];    /* "aac", or "" without audio */
} bb_probe_t;

/*
 * Probes the MP4 at path.  Returns 0, or -1 with a short reason in err:
 * not an MP4, unreadable, truncated, no video track, no duration.
 */
int bb_probe_clip(const char *path, bb_probe_t *probe, char *err,
    size_t errlen);

#endif /* BB_PROBE_H */
