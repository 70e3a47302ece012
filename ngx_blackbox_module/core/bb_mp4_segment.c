/*
 * The segmenter: see bb_mp4_segment.h.
 */

#include "bb_mp4_segment.h"

#define BB_MP4_SEGMENT_TARGET_MS  4000


/*
 * The presentation time of sample i of tr, in its timescale: the edit
 * list's empty edits added and its media start taken off.
 */
static __int128
bb_mp4_segment_pts(const bb_mp4_track_t *tr, uint32_t i)
{
    return (__int128) bb_mp4_dts(tr, i) + bb_mp4_cts(tr, i)
           + tr->empty_duration - tr->media_start;
}


/*
 * The first audio sample from j on shown at or after video sample k is:
 * audio pts / audio timescale >= video pts / video timescale.
 */
static uint32_t
bb_mp4_segment_audio(const bb_mp4_index_t *ix, uint32_t j, uint32_t k)
{
    __int128                vpts;
    const bb_mp4_track_t   *a;

    a = &ix->audio;
    vpts = bb_mp4_segment_pts(&ix->video, k) * a->timescale;

    while (j < a->count
           && bb_mp4_segment_pts(a, j) * ix->video.timescale < vpts)
    {
        j++;
    }

    return j;
}


/*
 * The keyframe after s to end the segment starting at s with: the one
 * whose distance is closest to target among those at least min away
 * (keyframes come in decode order, so the search stops at the first past
 * target), or the track's end: when it is closer and within max, when no
 * keyframe is far enough, or when the rest after the cut would be shorter
 * than min and the whole fits in max.
 */
static uint32_t
bb_mp4_segment_cut(const bb_mp4_track_t *v, uint32_t s, uint64_t target,
    uint64_t min, uint64_t max)
{
    uint32_t  k, end;
    uint64_t  start, dts, d, dist, best;

    start = bb_mp4_dts(v, s);
    end = v->count;
    best = UINT64_MAX;

    for (k = s + 1; k < v->count; k++) {
        if (!bb_mp4_key(v, k)) {
            continue;
        }

        dts = bb_mp4_dts(v, k);
        d = (dts > start) ? dts - start : 0;

        if (d < min) {
            continue;
        }

        dist = (d > target) ? d - target : target - d;

        if (dist < best) {
            best = dist;
            end = k;
        }

        if (d >= target) {
            break;
        }
    }

    /* the track's end is a candidate too, if it is no further than max */
    d = (v->end_dts > start) ? v->end_dts - start : 0;
    dist = (d > target) ? d - target : target - d;

    if (end < v->count && d <= max && dist <= best) {
        end = v->count;
    }

    if (end < v->count) {
        dts = bb_mp4_dts(v, end);

        if (v->end_dts > dts && v->end_dts - dts < min
            && v->end_dts - start <= max)
        {
            end = v->count;
        }
    }

    return end;
}


size_t
bb_mp4_segments(const bb_mp4_index_t *ix, unsigned target_ms,
    bb_mp4_segment_t *segs, size_t n)
{
    size_t                 count;
    uint32_t               s, end, audio;
    uint64_t               target, min, max, start, stop;
    bb_mp4_segment_t      *sg;
    const bb_mp4_track_t  *v;

    v = &ix->video;

    if (target_ms == 0) {
        target_ms = BB_MP4_SEGMENT_TARGET_MS;
    }

    target = (uint64_t) target_ms * v->timescale / 1000;
    min = target / 2;
    max = target + target / 2;

    for (s = 0; s < v->count && !bb_mp4_key(v, s); s++) {
        /* void */
    }

    count = 0;
    audio = 0;

    while (s < v->count) {
        end = bb_mp4_segment_cut(v, s, target, min, max);

        if (count < n) {
            sg = &segs[count];
            start = bb_mp4_dts(v, s);

            sg->video_start = s;
            sg->video_end = end;
            sg->start_dts = start;
            stop = (end < v->count) ? bb_mp4_dts(v, end) : v->end_dts;
            sg->duration = (stop > start) ? stop - start : 0;
            sg->audio_start = audio;

            if (ix->audio.count == 0) {
                sg->audio_end = 0;

            } else if (end == v->count) {
                sg->audio_end = ix->audio.count;

            } else {
                sg->audio_end = bb_mp4_segment_audio(ix, audio, end);
            }

            audio = sg->audio_end;
        }

        count++;
        s = end;
    }

    return count;
}
