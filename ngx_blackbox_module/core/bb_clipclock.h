/*
 * Where the live ingest cuts its one-minute clips, and what time each
 * packet was recorded at: pure arithmetic on the stream's 90 kHz clock,
 * with no libav types, so that every case can be tested with numbers.
 *
 * Wall-clock time is the session's start (when its first packet arrived)
 * plus the media time elapsed since its first packet, never the time a
 * packet arrives: a device that pushes faster than real time, catching up
 * after an outage, still gets one-minute clips with true recording times.
 * Clips are cut before the first video keyframe shown at or after each
 * minute boundary of UTC (12:03:00, 12:04:00, ...), so clips of every
 * device line up on one grid, each at most a GOP late.  A clip's time 0
 * is its first keyframe's presentation time, as bb_remux writes it.
 *
 * A TS interleaves packets by DTS, and video's DTS run ahead of its PTS
 * by the reorder delay: audio meant to be heard just before the keyframe
 * arrives after it.  That audio belongs to the clip before (in the new one
 * it would fall before 0 and never be heard), so it is answered PREV: the
 * caller keeps the previous clip open until audio passes the cut.  With no
 * clip before (a session's first, or the first after new parameters) such
 * audio is dropped.
 *
 * The media time is made continuous here, per track: MPEG-TS timestamps
 * are 33 bits and wrap every 26.5 hours, and an encoder that restarts or a
 * broken sender makes them jump.  A step of a track's DTS that goes back,
 * stands still, or leaps more than BB_CLIPCLOCK_JUMP ahead is a jump: that
 * track's time goes on from its last good time plus one frame (its last
 * normal step).  Forward gaps shorter than that are kept: time did pass.
 * The times handed back are what the clip writer should stamp on each
 * packet: strictly increasing DTS per track, never wrapping.
 */

#ifndef BB_CLIPCLOCK_H
#define BB_CLIPCLOCK_H

#include <stdint.h>

#define BB_CLIPCLOCK_HZ      90000
#define BB_CLIPCLOCK_BITS    33
#define BB_CLIPCLOCK_JUMP    (10 * BB_CLIPCLOCK_HZ)     /* 10 s */
#define BB_CLIPCLOCK_MINUTE  60000                      /* ms */

/* A timestamp the stream did not give (libav's AV_NOPTS_VALUE). */
#define BB_CLIPCLOCK_NONE    INT64_MIN

typedef enum {
    BB_CLIPCLOCK_DROP = 0,    /* before a clip's first keyframe: leave out */
    BB_CLIPCLOCK_KEEP,        /* append to the current clip */
    BB_CLIPCLOCK_CUT,         /* end the current clip (if any); this packet
                                 starts the next one */
    BB_CLIPCLOCK_PREV         /* audio shown before the current clip's
                                 start: append to the previous clip (or
                                 drop it, if that one is closed) */
} bb_clipclock_e;

typedef struct {
    int       seen;
    int64_t   raw;            /* the last DTS, 33 bits */
    int64_t   media;          /* its media time: 90 kHz since the session's
                                 first packet */
    int64_t   step;           /* the last normal DTS step: one frame */
} bb_clipclock_track_t;

typedef struct {
    int64_t               start_ms;      /* wall clock of the first packet */
    bb_clipclock_track_t  track[2];      /* [0] audio, [1] video */
    int                   open;          /* a clip is being recorded */
    int                   recut;         /* cut at the next keyframe */
    int                   prev;          /* the clip before took the same
                                            parameters: PREV may be said */
    int64_t               shown;         /* media time of the clip's 0 */
    int64_t               recorded_at;   /* wall ms of the clip's 0 */
    int64_t               boundary;      /* wall ms: next cut at or after */
    unsigned              jumps;         /* discontinuities mended */
} bb_clipclock_t;

/* What one packet became. */
typedef struct {
    int64_t   dts;            /* continuous media time, 90 kHz */
    int64_t   pts;
    int64_t   wall_ms;        /* Unix ms it was recorded at (shown at) */
} bb_clipclock_time_t;

/* Starts a session whose first packet arrived at start_ms (Unix ms). */
void bb_clipclock_init(bb_clipclock_t *cc, int64_t start_ms);

/*
 * Takes one packet in stream order: its pts and dts on the 90 kHz clock
 * (BB_CLIPCLOCK_NONE when absent; values may be 33-bit, or already
 * unwrapped or shifted negative by a demuxer: only their difference modulo
 * 2^33 is used), whether it is a keyframe and whether it is video.  Writes
 * its times into t (to stamp on the packet) and says what to do with it.
 * Packets before the first video keyframe of a session, or of a clip after
 * a change of codec parameters, are dropped: nothing can decode them.
 * Audio shown before the current clip's 0 is PREV (see above).  A packet
 * with no timestamp at all is dropped (t then holds the track's last
 * times).
 */
bb_clipclock_e bb_clipclock_packet(bb_clipclock_t *cc, int64_t pts,
    int64_t dts, int keyframe, int video, bb_clipclock_time_t *t);

/*
 * The codec parameters changed (codec, resolution, sample rate): the next
 * video keyframe starts a new clip whatever the time, and packets until
 * then are dropped.
 */
void bb_clipclock_params_changed(bb_clipclock_t *cc);

/*
 * Wall ms of the current clip's time 0 (its first keyframe shown); -1
 * before the first clip.
 */
int64_t bb_clipclock_recorded_at(const bb_clipclock_t *cc);

#endif /* BB_CLIPCLOCK_H */
