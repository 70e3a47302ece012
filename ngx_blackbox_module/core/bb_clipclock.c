/*
 * The clip clock: see bb_clipclock.h.
 */

#include <string.h>

#include "bb_clipclock.h"

#define BB_CLIPCLOCK_MASK  ((INT64_C(1) << BB_CLIPCLOCK_BITS) - 1)
#define BB_CLIPCLOCK_HALF  (INT64_C(1) << (BB_CLIPCLOCK_BITS - 1))

/* A frame until a track shows its own: 30 fps video, 1024 samples at 48k. */
#define BB_CLIPCLOCK_VIDEO_STEP  3000
#define BB_CLIPCLOCK_AUDIO_STEP  1920


/*
 * b - a on the 33-bit circle, as the shortest signed distance: a wrap
 * from 2^33 - 1 to 0 is a step of 1, and a demuxer that already added or
 * took 2^33 changes nothing.
 */
static int64_t
bb_clipclock_diff(int64_t a, int64_t b)
{
    int64_t  d;

    d = (int64_t) (((uint64_t) b - (uint64_t) a) & BB_CLIPCLOCK_MASK);

    return (d >= BB_CLIPCLOCK_HALF) ? d - (BB_CLIPCLOCK_MASK + 1) : d;
}


/* a / b rounded down, for media times before the first packet. */
static int64_t
bb_clipclock_floor_div(int64_t a, int64_t b)
{
    int64_t  q;

    q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}


void
bb_clipclock_init(bb_clipclock_t *cc, int64_t start_ms)
{
    memset(cc, 0, sizeof(bb_clipclock_t));

    cc->start_ms = start_ms;
    cc->recorded_at = -1;
    cc->track[0].step = BB_CLIPCLOCK_AUDIO_STEP;
    cc->track[1].step = BB_CLIPCLOCK_VIDEO_STEP;
}


/*
 * The media time of dts on track tr.  A track's first packet is placed by
 * the other track's clock when there is one (they share the stream's
 * clock), and at 0 when it is the session's first packet.
 */
static int64_t
bb_clipclock_media(bb_clipclock_t *cc, bb_clipclock_track_t *tr,
    bb_clipclock_track_t *other, int64_t dts)
{
    int64_t  d;

    if (!tr->seen) {
        if (!other->seen) {
            return 0;
        }

        d = bb_clipclock_diff(other->raw, dts);

        return (d >= -BB_CLIPCLOCK_JUMP && d <= BB_CLIPCLOCK_JUMP)
               ? other->media + d : other->media;
    }

    d = bb_clipclock_diff(tr->raw, dts);

    if (d <= 0 || d > BB_CLIPCLOCK_JUMP) {
        cc->jumps++;
        return tr->media + tr->step;
    }

    tr->step = d;

    return tr->media + d;
}


bb_clipclock_e
bb_clipclock_packet(bb_clipclock_t *cc, int64_t pts, int64_t dts,
    int keyframe, int video, bb_clipclock_time_t *t)
{
    int64_t                off, media;
    bb_clipclock_track_t  *tr, *other;

    tr = &cc->track[video ? 1 : 0];
    other = &cc->track[video ? 0 : 1];

    if (dts == BB_CLIPCLOCK_NONE) {
        dts = pts;
    }

    if (dts == BB_CLIPCLOCK_NONE) {
        t->dts = tr->media;
        t->pts = tr->media;
        t->wall_ms = cc->start_ms
                     + bb_clipclock_floor_div(tr->media * 1000,
                                              BB_CLIPCLOCK_HZ);
        return BB_CLIPCLOCK_DROP;
    }

    if (pts == BB_CLIPCLOCK_NONE) {
        pts = dts;
    }

    media = bb_clipclock_media(cc, tr, other, dts);

    tr->seen = 1;
    tr->raw = (int64_t) ((uint64_t) dts & BB_CLIPCLOCK_MASK);
    tr->media = media;

    /* A presentation delay that makes no sense is no delay. */
    off = bb_clipclock_diff(dts, pts);
    if (off < 0 || off > BB_CLIPCLOCK_JUMP) {
        off = 0;
    }

    t->dts = media;
    t->pts = media + off;
    t->wall_ms = cc->start_ms
                 + bb_clipclock_floor_div(t->pts * 1000, BB_CLIPCLOCK_HZ);

    if (video && keyframe) {
        if (cc->open && !cc->recut && t->wall_ms < cc->boundary) {
            return BB_CLIPCLOCK_KEEP;
        }

        cc->prev = cc->open && !cc->recut;
        cc->open = 1;
        cc->recut = 0;
        cc->shown = t->pts;
        cc->recorded_at = t->wall_ms;
        cc->boundary = (bb_clipclock_floor_div(t->wall_ms,
                                               BB_CLIPCLOCK_MINUTE) + 1)
                       * BB_CLIPCLOCK_MINUTE;

        return BB_CLIPCLOCK_CUT;
    }

    if (!cc->open || cc->recut) {
        return BB_CLIPCLOCK_DROP;
    }

    /* Audio before the clip's 0 would be cut by its edit list, unheard. */
    if (!video && t->pts < cc->shown) {
        return cc->prev ? BB_CLIPCLOCK_PREV : BB_CLIPCLOCK_DROP;
    }

    return BB_CLIPCLOCK_KEEP;
}


void
bb_clipclock_params_changed(bb_clipclock_t *cc)
{
    cc->recut = 1;
}


int64_t
bb_clipclock_recorded_at(const bb_clipclock_t *cc)
{
    return cc->recorded_at;
}
