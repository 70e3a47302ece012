/*
 * Where a clip is cut into media segments: at video keyframes, each
 * segment about target_ms long and between half and one and a half
 * times that (2 to 6 s for a target of 4 s) whenever the keyframes allow;
 * the audio samples go with the segment their presentation time falls
 * in.  Pure arithmetic on a bb_mp4 index, so the packager can recompute a
 * clip's segments per request instead of storing them.
 *
 * Segment lengths are measured in video decode time, so they add up to
 * the track's: an HLS playlist's EXTINFs sum to the clip's length.  Audio
 * is split at each segment's first keyframe's presentation time (edit
 * list applied to both tracks): audio before the first cut goes to the
 * first segment, audio after the last cut to the last, so every audio
 * sample is in exactly one segment.  Video samples before the first
 * keyframe cannot be decoded and are in no segment.
 */

#ifndef BB_MP4_SEGMENT_H
#define BB_MP4_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "bb_mp4.h"

typedef struct {
    uint32_t  video_start;    /* samples [start, end): start a keyframe */
    uint32_t  video_end;
    uint32_t  audio_start;
    uint32_t  audio_end;
    uint64_t  start_dts;      /* video decode time of video_start */
    uint64_t  duration;       /* video timescale */
} bb_mp4_segment_t;

/*
 * Cuts ix's video into segments of about target_ms (0: 4000); writes the
 * first n of them to segs (which may be NULL when n is 0) and returns how
 * many there are in all: call with n 0 to size the array, then again.
 * The count is at least 1 for an index bb_mp4_index_build made.
 */
size_t bb_mp4_segments(const bb_mp4_index_t *ix, unsigned target_ms,
    bb_mp4_segment_t *segs, size_t n);

#endif /* BB_MP4_SEGMENT_H */
