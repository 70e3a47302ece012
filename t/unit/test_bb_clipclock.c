/*
 * Unit tests of the clip clock: where one-minute clips are cut, and what
 * times each packet is given, for streams made up here as numbers: frame
 * rate, GOP, start time, a first timestamp near the 33-bit wrap, jumps.
 *
 * A stream is fed whole, as fast as the loop runs: the clock never sees
 * arrival times, so a push faster than real time is every test here.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_clipclock.h"
#include "tap.h"

#define HZ       BB_CLIPCLOCK_HZ
#define WRAP     (INT64_C(1) << 33)
#define MAX_CUT  256

/* 2026-11-25 12:02:30.400 UTC */
#define T_120230_4  INT64_C(1795608150400)
#define MINUTE      INT64_C(60000)

/* A stream to make up, and a jump to put in it. */
typedef struct {
    int64_t   start_ms;
    int64_t   first_raw;       /* the first video DTS */
    int       fps_num;         /* frames a second: fps_num / fps_den */
    int       fps_den;
    int       gop;             /* frames from keyframe to keyframe */
    int       frames;
    int       audio;           /* AAC at 48 kHz beside the video */
    int       mask;            /* hand 33-bit values, as the TS carries */
    int       jump_at;         /* frame at which the raw clock jumps */
    int64_t   jump;            /* by this much (90 kHz) */
    int       lead;            /* frames before the first keyframe */
    int64_t   delay;           /* video PTS after DTS (B-frames) */
} stream_t;

/* What came out of it. */
typedef struct {
    int       cuts;
    int       cut_frame[MAX_CUT];
    int64_t   cut_wall[MAX_CUT];
    int       dropped_video;
    int       dropped_audio;
    int       monotonic;        /* every track's DTS rose each packet */
    int       wall_right;       /* wall == start + media / 90 */
    int64_t   last_video_dts;
    int64_t   last_audio_dts;
    int64_t   video_dts[4096];  /* of the first frames */
    int64_t   audio_after_jump; /* media of the first audio after a jump */
    int64_t   video_after_jump;
    unsigned  jumps;
    int       prev_audio;       /* audio answered PREV */
    int       misplaced;        /* audio on the wrong side of a cut */
} result_t;


static int64_t
raw_of(const stream_t *s, int64_t v)
{
    return s->mask ? (int64_t) ((uint64_t) v & (uint64_t) (WRAP - 1)) : v;
}


static int64_t
floor_div(int64_t a, int64_t b)
{
    return (a >= 0) ? a / b : -((-a + b - 1) / b);
}


static void
check_time(const stream_t *s, result_t *r, const bb_clipclock_time_t *t,
    int video)
{
    int64_t  *last;

    last = video ? &r->last_video_dts : &r->last_audio_dts;

    if (*last != INT64_MIN && t->dts <= *last) {
        r->monotonic = 0;
    }

    *last = t->dts;

    if (t->wall_ms != s->start_ms + floor_div(t->pts * 1000, HZ)) {
        r->wall_right = 0;
    }
}


/*
 * Feeds s into cc: video frames (shown s->delay after they are decoded),
 * and, with audio, every audio packet whose time is not after the DTS of
 * the frame after it, as a TS muxer interleaves them.
 */
static void
feed(bb_clipclock_t *cc, const stream_t *s, result_t *r)
{
    int                  f, key, video_frame;
    int64_t              vdts, adts, off, step_num, audio_at;
    bb_clipclock_e       rc;
    bb_clipclock_time_t  t;

    memset(r, 0, sizeof(result_t));
    r->monotonic = 1;
    r->wall_right = 1;
    r->last_video_dts = INT64_MIN;
    r->last_audio_dts = INT64_MIN;
    r->audio_after_jump = INT64_MIN;
    r->video_after_jump = INT64_MIN;

    bb_clipclock_init(cc, s->start_ms);

    step_num = (int64_t) HZ * s->fps_den;
    off = 0;
    audio_at = 0;

    for (f = 0; f < s->frames; f++) {
        if (s->jump_at > 0 && f == s->jump_at) {
            off = s->jump;
        }

        /* Frame f's DTS, exact at any rate: 90000 * den * f / num. */
        vdts = s->first_raw + step_num * f / s->fps_num + off;

        while (s->audio && s->first_raw + audio_at + off <= vdts) {
            adts = s->first_raw + audio_at + off;

            rc = bb_clipclock_packet(cc, raw_of(s, adts), raw_of(s, adts),
                                     1, 0, &t);
            if (rc == BB_CLIPCLOCK_DROP) {
                r->dropped_audio++;

            } else {
                check_time(s, r, &t, 0);
            }

            /* After a cut, audio shown before the clip's 0 goes back. */
            if (rc == BB_CLIPCLOCK_PREV) {
                r->prev_audio++;
                r->misplaced += (r->cuts < 2 || t.pts >= cc->shown);

            } else if (rc == BB_CLIPCLOCK_KEEP) {
                r->misplaced += (t.pts < cc->shown);
            }

            if (s->jump_at > 0 && f == s->jump_at
                && r->audio_after_jump == INT64_MIN)
            {
                r->audio_after_jump = t.dts;
            }

            audio_at += 1920;
        }

        video_frame = f - s->lead;
        key = video_frame >= 0 && video_frame % s->gop == 0;

        rc = bb_clipclock_packet(cc, raw_of(s, vdts + s->delay),
                                 raw_of(s, vdts), key, 1, &t);

        if (f < 4096) {
            r->video_dts[f] = t.dts;
        }

        if (s->jump_at > 0 && f == s->jump_at) {
            r->video_after_jump = t.dts;
        }

        if (rc == BB_CLIPCLOCK_DROP) {
            r->dropped_video++;
            continue;
        }

        check_time(s, r, &t, 1);

        if (t.pts != t.dts + s->delay) {
            r->wall_right = 0;
        }

        if (rc == BB_CLIPCLOCK_CUT && r->cuts < MAX_CUT) {
            r->cut_frame[r->cuts] = f;
            r->cut_wall[r->cuts] = t.wall_ms;
            r->cuts++;

            if (bb_clipclock_recorded_at(cc) != t.wall_ms) {
                r->wall_right = 0;
            }
        }
    }

    r->jumps = cc->jumps;
}


static stream_t
stream(int64_t start_ms, int64_t first_raw, int fps, int gop_seconds,
    int seconds)
{
    stream_t  s;

    memset(&s, 0, sizeof(stream_t));
    s.start_ms = start_ms;
    s.first_raw = first_raw;
    s.fps_num = fps;
    s.fps_den = 1;
    s.gop = fps * gop_seconds;
    s.frames = fps * seconds;
    s.mask = 1;

    return s;
}


/*
 * 150 s of 30 fps pushed at once, starting at 12:02:30.400: a partial first
 * clip of 30 s, then clips cut at 12:03:00.400 and 12:04:00.400, the first
 * keyframes (every 2 s) at or after each minute.
 */
static void
test_fast_push(void)
{
    stream_t        s;
    result_t        r;
    bb_clipclock_t  cc;

    s = stream(T_120230_4, 126000, 30, 2, 150);
    s.audio = 1;

    feed(&cc, &s, &r);

    if (!is_int(r.cuts, 3, "150 s from :30.4: three clips")) {
        return;
    }

    is_int(r.cut_frame[0], 0, "first clip starts at the first frame");
    is_int(r.cut_wall[0], T_120230_4, "first clip recorded at the start");
    is_int(r.cut_frame[1], 900, "second clip at frame 900 (30 s)");
    is_int(r.cut_wall[1], T_120230_4 + 30000,
           "second clip recorded at 12:03:00.400");
    is_int(r.cut_frame[2], 2700, "third clip at frame 2700 (90 s)");
    is_int(r.cut_wall[2], T_120230_4 + 90000,
           "third clip recorded at 12:04:00.400");
    is_int(r.dropped_video, 0, "no video dropped");
    is_int(r.dropped_audio, 1, "the audio packet before the key dropped");
    ok(r.monotonic, "DTS rise on both tracks");
    ok(r.wall_right, "wall time is start + media time, pts kept");
    is_int(r.jumps, 0, "no jumps");
    is_int(r.last_video_dts, 4499 * 3000, "media time of the last frame");
}


/* One hour at 25 fps, keyframes every 2 s, start mid-minute. */
static void
test_hour(void)
{
    int             i, late, grid;
    int64_t         boundary;
    stream_t        s;
    result_t        r;
    bb_clipclock_t  cc;

    s = stream(T_120230_4 + 17300, 1, 25, 2, 3600);
    s.audio = 1;

    feed(&cc, &s, &r);

    is_int(r.cuts, 61, "an hour from mid-minute: 61 clips");
    ok(r.monotonic && r.wall_right, "an hour: times right");

    late = 0;
    grid = 1;

    for (i = 1; i < r.cuts; i++) {
        boundary = floor_div(r.cut_wall[i], MINUTE) * MINUTE;

        if (r.cut_wall[i] - boundary >= 2000) {
            late++;
        }

        if (boundary != floor_div(r.cut_wall[i - 1], MINUTE) * MINUTE
                        + MINUTE)
        {
            grid = 0;
        }
    }

    is_int(late, 0, "an hour: every cut within a GOP after its minute");
    ok(grid, "an hour: one clip per minute of the grid");
}


/* The first clip ends at the first keyframe at or after :00. */
static void
test_partial_first(void)
{
    stream_t        s;
    result_t        r;
    bb_clipclock_t  cc;

    /* Keyframes at :45, :47, ... :59, then :01: cut 1 s late. */
    s = stream(T_120230_4 - 400 + 15000, 0, 30, 2, 30);
    feed(&cc, &s, &r);

    if (is_int(r.cuts, 2, "start :45: two clips")) {
        is_int(r.cut_wall[1], T_120230_4 - 400 + 31000,
               "start :45, GOP 2 s: cut at 12:03:01");
    }

    /* Keyframes at :44, ... :58, :00 exactly: cut at the boundary. */
    s = stream(T_120230_4 - 400 + 14000, 0, 30, 2, 30);
    feed(&cc, &s, &r);

    if (is_int(r.cuts, 2, "start :44: two clips")) {
        is_int(r.cut_wall[1], T_120230_4 - 400 + 30000,
               "start :44: cut at 12:03:00.000, at the boundary");
    }

    /* A keyframe one millisecond short of the boundary does not cut. */
    s = stream(T_120230_4 - 400 + 13999, 0, 30, 2, 30);
    feed(&cc, &s, &r);

    if (is_int(r.cuts, 2, "start :43.999: two clips")) {
        is_int(r.cut_wall[1], T_120230_4 - 400 + 31999,
               "start :43.999: not at :59.999, at :01.999");
    }

    /* A session that starts on a minute: its first clip is whole. */
    s = stream(T_120230_4 - 30400, 0, 30, 2, 121);
    feed(&cc, &s, &r);

    if (is_int(r.cuts, 3, "start 12:02:00: three clips in 121 s")) {
        is_int(r.cut_wall[1], T_120230_4 - 30400 + 60000,
               "start 12:02:00: cut at 12:03:00");
        is_int(r.cut_wall[2], T_120230_4 - 30400 + 120000,
               "start 12:02:00: cut at 12:04:00");
    }

    /* GOP of 10 s: cut up to 10 s late, never early. */
    s = stream(T_120230_4, 0, 30, 10, 80);
    feed(&cc, &s, &r);

    if (is_int(r.cuts, 2, "GOP 10 s: two clips in 80 s")) {
        is_int(r.cut_wall[1], T_120230_4 + 30000,
               "GOP 10 s from :30.4: cut at :00.4");
    }

    s = stream(T_120230_4 + 2000, 0, 30, 10, 80);
    feed(&cc, &s, &r);

    if (is_int(r.cuts, 2, "GOP 10 s from :32.4: two clips")) {
        is_int(r.cut_wall[1], T_120230_4 + 32000,
               "GOP 10 s from :32.4: cut at 12:03:02.4");
    }
}


/*
 * B-frames: the keyframe is shown 2 frames after it is decoded.  The cut
 * and the recording time follow the frame shown; audio of the 67 ms before
 * it, which the TS sends after the keyframe, goes to the clip before.
 */
static void
test_reorder(void)
{
    stream_t        s;
    result_t        r;
    bb_clipclock_t  cc;

    s = stream(T_120230_4 - 400 + 14000, 0, 30, 2, 60);
    s.audio = 1;
    s.delay = 6000;
    feed(&cc, &s, &r);

    ok(r.monotonic && r.wall_right, "B-frames: times right, pts kept");

    if (is_int(r.cuts, 2, "B-frames: two clips")) {
        is_int(r.cut_wall[0], T_120230_4 - 400 + 14066,
               "B-frames: first clip recorded when its keyframe is shown");
        is_int(r.cut_wall[1], T_120230_4 - 400 + 30066,
               "B-frames: cut at the keyframe shown at 12:03:00.066");
    }

    ok(r.prev_audio >= 3 && r.prev_audio <= 4,
       "B-frames: %d audio packets back to the clip before", r.prev_audio);
    is_int(r.misplaced, 0, "B-frames: no audio on the wrong side of a cut");

    /* The first clip has none before it: its early audio is dropped. */
    ok(r.dropped_audio >= 3 && r.dropped_audio <= 5,
       "B-frames: %d audio packets before the first frame shown dropped",
       r.dropped_audio);

    /* Without reordering no audio goes back. */
    s.delay = 0;
    feed(&cc, &s, &r);
    is_int(r.prev_audio, 0, "no B-frames: no audio back");
}


/* A keyframe long overdue still cuts, late; no keyframe, no cut. */
static void
test_no_keyframes(void)
{
    stream_t        s;
    result_t        r;
    bb_clipclock_t  cc;

    s = stream(T_120230_4, 0, 30, 100, 150);
    feed(&cc, &s, &r);

    if (is_int(r.cuts, 2, "keyframe every 100 s: two clips")) {
        is_int(r.cut_frame[1], 3000, "keyframe every 100 s: cut at it");
    }

    s = stream(T_120230_4, 0, 30, 1000, 150);
    feed(&cc, &s, &r);
    is_int(r.cuts, 1, "one keyframe in 150 s: one clip");
}


/* Frames before the first keyframe, and audio with them, are dropped. */
static void
test_lead(void)
{
    stream_t        s;
    result_t        r;
    bb_clipclock_t  cc;

    s = stream(T_120230_4, 500000, 30, 2, 10);
    s.audio = 1;
    s.lead = 15;
    feed(&cc, &s, &r);

    is_int(r.dropped_video, 15, "lead: 15 frames before the key dropped");
    ok(r.dropped_audio >= 23 && r.dropped_audio <= 24,
       "lead: half a second of audio dropped (%d packets)", r.dropped_audio);

    if (is_int(r.cuts, 1, "lead: one clip")) {
        is_int(r.cut_wall[0], T_120230_4 + 500,
               "lead: clip recorded at its keyframe, 0.5 s in");
    }

    ok(r.monotonic && r.wall_right, "lead: times right");
}


/* 20 s across the 33-bit wrap, given as the TS has it and as libav may. */
static void
test_wrap(void)
{
    int             f, bad;
    stream_t        s;
    result_t        r;
    bb_clipclock_t  cc;

    const struct {
        const char  *name;
        int64_t      first;
        int          mask;
    } cases[] = {
        { "33-bit values", WRAP - 5 * HZ, 1 },
        { "unwrapped past 2^33", WRAP - 5 * HZ, 0 },
        { "shifted negative", -5 * HZ, 0 },
        { "wrap at the first step", WRAP - 1, 1 },
        { "two wraps (a day and more apart)", 3 * WRAP - 5 * HZ, 0 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s = stream(T_120230_4, cases[i].first, 30, 2, 20);
        s.mask = cases[i].mask;
        s.audio = 1;

        feed(&cc, &s, &r);

        bad = 0;
        for (f = 0; f < s.frames; f++) {
            if (r.video_dts[f] != (int64_t) f * 3000) {
                bad++;
            }
        }

        ok(bad == 0 && r.jumps == 0 && r.monotonic && r.wall_right,
           "wrap, %s: media time continuous", cases[i].name);
        if (bad || r.jumps) {
            diag("%d frames off, %u jumps", bad, r.jumps);
        }
    }

    /* A wrap in the middle of a minute does not cut it. */
    s = stream(T_120230_4, WRAP - 20 * HZ, 30, 2, 90);
    s.audio = 1;
    feed(&cc, &s, &r);

    if (is_int(r.cuts, 2, "wrap 20 s in: cuts only at minutes")) {
        is_int(r.cut_wall[1], T_120230_4 + 30000,
               "wrap 20 s in: cut at 12:03:00.400");
    }
}


/* Jumps of the DTS mend to one frame; short forward gaps are time. */
static void
test_jumps(void)
{
    size_t          i;
    stream_t        s;
    result_t        r;
    bb_clipclock_t  cc;

    const struct {
        const char  *name;
        int64_t      jump;
        int64_t      want;           /* frame 300's media time */
        unsigned     jumps;
    } cases[] = {
        { "forward one hour", 3600 * HZ, 300 * 3000, 1 },
        { "forward 10 s and a frame", 10 * HZ + 1, 300 * 3000, 1 },
        { "forward exactly 10 s: a gap", 10 * HZ - 3000, 299 * 3000 + 10 * HZ,
          0 },
        { "forward 5 s: a gap", 5 * HZ, 300 * 3000 + 5 * HZ, 0 },
        { "back 30 s", -30 * HZ, 300 * 3000, 1 },
        { "back 1 s", -HZ, 300 * 3000, 1 },
        { "back one frame (a repeat)", -3000, 300 * 3000, 1 },
        { "back half the 33-bit circle", -(WRAP / 2), 300 * 3000, 1 },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s = stream(T_120230_4, 900000, 30, 2, 20);
        s.jump_at = 300;
        s.jump = cases[i].jump;

        feed(&cc, &s, &r);

        ok(r.video_dts[300] == cases[i].want && r.jumps == cases[i].jumps
           && r.monotonic && r.wall_right
           && r.video_dts[301] == r.video_dts[300] + 3000,
           "jump %s: frame 300 at %" PRId64 ", %u jumps", cases[i].name,
           cases[i].want, cases[i].jumps);

        if (r.video_dts[300] != cases[i].want || r.jumps != cases[i].jumps) {
            diag("frame 300 at %" PRId64 ", %u jumps", r.video_dts[300],
                 r.jumps);
        }
    }

    /* The mended step is the stream's own frame: 25 fps gives 3600. */
    s = stream(T_120230_4, 0, 25, 2, 20);
    s.jump_at = 300;
    s.jump = -20 * HZ;
    feed(&cc, &s, &r);
    is_int(r.video_dts[300], 300 * 3600, "jump at 25 fps: mended by 3600");

    /* Audio and video both jump; they stay together. */
    s = stream(T_120230_4, 900000, 30, 2, 20);
    s.audio = 1;
    s.jump_at = 300;
    s.jump = 7200 * HZ;
    feed(&cc, &s, &r);

    ok(r.monotonic && r.wall_right, "jump with audio: times right");
    ok(r.audio_after_jump != INT64_MIN
       && llabs(r.audio_after_jump - r.video_after_jump) <= 3000 + 1920,
       "jump with audio: tracks within a frame (video %" PRId64
       ", audio %" PRId64 ")", r.video_after_jump, r.audio_after_jump);
    is_int(r.cuts, 1, "jump with audio: 20 s of media, one clip");
}


/* A change of codec parameters cuts at the next keyframe, at any time. */
static void
test_params_changed(void)
{
    int                  f, cuts, dropped;
    int64_t              recorded;
    bb_clipclock_t       cc;
    bb_clipclock_time_t  t;
    bb_clipclock_e       rc;

    bb_clipclock_init(&cc, T_120230_4);

    is_int(bb_clipclock_recorded_at(&cc), -1, "no clip yet");

    cuts = 0;
    dropped = 0;
    recorded = -1;

    for (f = 0; f < 300; f++) {
        if (f == 100) {
            bb_clipclock_params_changed(&cc);
        }

        rc = bb_clipclock_packet(&cc, f * 3000, f * 3000, f % 60 == 0, 1,
                                 &t);

        if (f >= 100 && f < 120) {
            dropped += (rc == BB_CLIPCLOCK_DROP);

            /* Audio while waiting for the keyframe is dropped too. */
            dropped += (bb_clipclock_packet(&cc, f * 3000 + 10,
                                            f * 3000 + 10, 1, 0, &t)
                        == BB_CLIPCLOCK_DROP);
        }

        if (rc == BB_CLIPCLOCK_CUT) {
            cuts++;
            recorded = bb_clipclock_recorded_at(&cc);
        }
    }

    is_int(cuts, 2, "params changed: a second clip");
    is_int(dropped, 40, "params changed: 20 frames and their audio dropped");
    is_int(recorded, T_120230_4 + 4000,
           "params changed: new clip at the keyframe 4 s in");

    /* The boundary after the new clip is the next minute of its own. */
    bb_clipclock_init(&cc, T_120230_4);
    (void) bb_clipclock_packet(&cc, 0, 0, 1, 1, &t);
    bb_clipclock_params_changed(&cc);
    rc = bb_clipclock_packet(&cc, 29 * HZ + 54000, 29 * HZ + 54000, 1, 1,
                             &t);
    is_int(rc, BB_CLIPCLOCK_CUT, "params changed at :00.0: cut");
    rc = bb_clipclock_packet(&cc, 31 * HZ, 31 * HZ, 1, 1, &t);
    is_int(rc, BB_CLIPCLOCK_KEEP, "then no cut until 12:04:00");
}


/* Missing timestamps, odd presentation delays, negative media time. */
static void
test_odd_timestamps(void)
{
    bb_clipclock_t       cc;
    bb_clipclock_time_t  t;
    bb_clipclock_e       rc;

    bb_clipclock_init(&cc, 1000000);

    rc = bb_clipclock_packet(&cc, BB_CLIPCLOCK_NONE, BB_CLIPCLOCK_NONE, 1, 1,
                             &t);
    is_int(rc, BB_CLIPCLOCK_DROP, "no timestamp: dropped");

    rc = bb_clipclock_packet(&cc, 90000, BB_CLIPCLOCK_NONE, 1, 1, &t);
    is_int(rc, BB_CLIPCLOCK_CUT, "pts only: taken as dts, first clip");
    ok(t.dts == 0 && t.pts == 0 && t.wall_ms == 1000000,
       "pts only: at media 0");

    rc = bb_clipclock_packet(&cc, BB_CLIPCLOCK_NONE, 93000, 0, 1, &t);
    ok(rc == BB_CLIPCLOCK_KEEP && t.dts == 3000 && t.pts == 3000,
       "dts only: pts is dts");

    rc = bb_clipclock_packet(&cc, 96000 + 9000, 96000, 0, 1, &t);
    ok(t.dts == 6000 && t.pts == 15000, "presentation delay kept");

    rc = bb_clipclock_packet(&cc, 99000 - 1, 99000, 0, 1, &t);
    ok(t.dts == 9000 && t.pts == 9000, "pts before dts: pts is dts");

    rc = bb_clipclock_packet(&cc, 102000 + 20 * HZ, 102000, 0, 1, &t);
    ok(t.dts == 12000 && t.pts == 12000, "pts 20 s after dts: pts is dts");

    rc = bb_clipclock_packet(&cc, BB_CLIPCLOCK_NONE, BB_CLIPCLOCK_NONE, 0, 1,
                             &t);
    ok(rc == BB_CLIPCLOCK_DROP && t.dts == 12000,
       "no timestamp mid-clip: dropped, track's last time");

    /* Audio comes first; video DTS lie 100 ms before it. */
    bb_clipclock_init(&cc, 1000000);

    rc = bb_clipclock_packet(&cc, 100000, 100000, 1, 0, &t);
    ok(rc == BB_CLIPCLOCK_DROP && t.dts == 0 && t.wall_ms == 1000000,
       "audio first: dropped, at media 0");

    rc = bb_clipclock_packet(&cc, 91000, 91000, 1, 1, &t);
    ok(rc == BB_CLIPCLOCK_CUT && t.dts == -9000 && t.wall_ms == 999900,
       "video 100 ms before the first audio: wall 100 ms before the start");
    is_int(bb_clipclock_recorded_at(&cc), 999900,
           "recorded at 100 ms before the start");

    rc = bb_clipclock_packet(&cc, 100090 - 1, 100090 - 1, 0, 0, &t);
    ok(t.dts == 89 && t.wall_ms == 1000000, "89 ticks: same millisecond");

    bb_clipclock_init(&cc, 1000000);
    (void) bb_clipclock_packet(&cc, 100000, 100000, 1, 0, &t);
    (void) bb_clipclock_packet(&cc, 99999, 99999, 1, 1, &t);
    ok(t.dts == -1 && t.wall_ms == 999999, "1 tick before: wall rounds down");

    /* A track's first packet far from the other's clock starts with it. */
    bb_clipclock_init(&cc, 1000000);
    (void) bb_clipclock_packet(&cc, 5000000, 5000000, 1, 1, &t);
    (void) bb_clipclock_packet(&cc, 90000, 90000, 1, 0, &t);
    ok(t.dts == 0, "audio 54 s before the video: placed with the video");
}


int
main(void)
{
    test_fast_push();
    test_hour();
    test_partial_first();
    test_no_keyframes();
    test_lead();
    test_reorder();
    test_wrap();
    test_jumps();
    test_params_changed();
    test_odd_timestamps();

    return done_testing();
}
