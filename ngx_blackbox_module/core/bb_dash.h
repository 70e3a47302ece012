/*
 * A DASH MPD of a range of clips (bb_playlist.h), built in the four steps
 * as bb_hls.h is: measure with a NULL buffer, allocate once, write, check.
 *
 * The layout, and why:
 *
 *     <MPD type="static" availabilityStartTime="(first clip's start)"
 *          mediaPresentationDuration="(first start to last end)" ...>
 *       <Period id="0" start="PT0.000S">          one per run
 *         <AdaptationSet contentType="video" ...>
 *           <Representation id="video" codecs= width= height= bandwidth=>
 *             <SegmentTemplate timescale="90000" startNumber="0"
 *                 initialization="init/c1-v.mp4"
 *                 media="run/c1/$Time$-v.m4s">
 *               <SegmentTimeline>
 *                 <S t="0" d="360000" r="29"/>     across the run's clips
 *               </SegmentTimeline>
 *         <AdaptationSet contentType="audio" ...> the same, audio URLs
 *       <Period id="1" start="PT420.000S">        after a gap
 *
 * - A Period per run (bb_playlist.h), not per clip: ffmpeg's DASH demuxer
 *   plays a single Period (the longest), so a run of continuous clips
 *   must be one Period to play straight through there; dash.js plays
 *   every Period in turn.
 * - SegmentTemplate with a SegmentTimeline across the run's clips, by
 *   default: a run spans clips, so the media template names the run (%c
 *   is the run's first clip) and the player fills in $Number$ (from
 *   number_base) or $Time$ (S@t: ticks from the run's start, the decode
 *   time the fMP4 writer gives the segment).  ffmpeg 5.1 reads only the
 *   first two segments of any SegmentList (its own output too), so a
 *   SegmentList cannot be the default; dash.js reads both.  Resolving
 *   "run c1, $Time$ t" needs no look-up of the clips before: every clip
 *   of a run starts within join_ms of run_start + its offset
 *   (bb_playlist.h), so the clip is the one with the latest recorded_at
 *   at or before run_start + t + join_ms, and the segment is the one of
 *   it whose start is nearest t - (recorded_at - run_start) (segments
 *   are seconds apart; the join is 100 ms at most).
 * - opts->list: a SegmentList instead, one SegmentURL per segment named
 *   by clip and number (%c, %n, %o as in HLS), the same timeline; for
 *   players that read lists, at the cost of a URL per segment (an MPD
 *   some five times larger).
 * - The profile is isoff-main, as isoff-live asks for $Number$/$Time$
 *   templates only.
 * - An AdaptationSet per media type, each with its own init and segment
 *   URLs: dash.js does not play multiplexed representations, so the
 *   segment handler serves single-track fMP4 here (the templates are
 *   options, e.g. "seg/%c/%n-a.m4s").  Audio segments are listed with
 *   the video's durations: audio is cut at the video's keyframes
 *   (bb_mp4_segment.h), so each audio segment's length differs from its
 *   video segment's by less than an audio frame.
 * - The wall clock: MPD@availabilityStartTime is the first clip's
 *   recorded_at, and each Period@start is its run's recorded_at less that,
 *   so availabilityStartTime + the presentation time is the wall-clock
 *   time of any frame; a gap is the hole between one Period's last
 *   segment and the next Period's start (dash.js jumps it), marked, not
 *   hidden.  Periods must not go back in time: a run that overlaps the
 *   one before (the device's clock stepped back) starts where that one
 *   ends, its clock off by the overlap.
 * - A growing range is written as a static MPD of what exists now (the
 *   module serves it short-lived); a dynamic MPD is not done yet.
 * - BB_PLAYLIST_INIT_CLIP is not followed: a Representation has one
 *   Initialization, the run's first clip's.
 */

#ifndef BB_DASH_H
#define BB_DASH_H

#include <stddef.h>
#include <stdint.h>

#include "bb_playlist.h"

#define BB_DASH_BANDWIDTH        8000000   /* video, b/s, when no size is
                                              known */
#define BB_DASH_AUDIO_BANDWIDTH  128000

typedef struct {
    const char  *video_init;       /* "init/%c-v.mp4" */
    const char  *video_media;      /* "run/%c/$Time$-v.m4s", or with list
                                      "seg/%c/%n-v.m4s" */
    const char  *audio_init;       /* NULL: no audio AdaptationSet */
    const char  *audio_media;
    uint64_t     bandwidth;        /* video, when no size is known */
    uint64_t     audio_bandwidth;  /* 0: BB_DASH_AUDIO_BANDWIDTH */
    unsigned     list;             /* 1: SegmentList, a URL per segment;
                                      0: SegmentTemplate, %c the run */
} bb_dash_opts_t;

/*
 * Writes the MPD of pl (which bb_playlist_check passed) into buf, at
 * most size bytes, no NUL; buf NULL measures.  Returns the length of the
 * whole MPD either way.  The templates must pass
 * bb_playlist_check_template.  An empty range is a valid MPD with one
 * empty Period.
 */
size_t bb_dash_mpd(const bb_playlist_t *pl, const bb_dash_opts_t *opts,
    char *buf, size_t size);

/*
 * The four steps with malloc: a NUL-terminated MPD (free it) and its
 * length in *len, or NULL when out of memory or when the input fails the
 * checks (a SegmentTemplate's media must hold $Number$ or $Time$ and
 * neither %n nor %o).
 */
char *bb_dash_mpd_alloc(const bb_playlist_t *pl, const bb_dash_opts_t *opts,
    size_t *len);

#endif /* BB_DASH_H */
