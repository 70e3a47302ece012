/*
 * HLS playlists of a range of clips (bb_playlist.h): a media playlist of
 * version 7 with fMP4 segments, and a multivariant playlist with its one
 * variant.  Built in the four steps: call with a NULL buffer to measure,
 * allocate once, call again to write, check that the lengths agree
 * (bb_hls_*_alloc do all four with malloc).
 *
 * A media playlist, for two clips of one run and a third after a gap:
 *
 *     #EXTM3U
 *     #EXT-X-VERSION:7
 *     #EXT-X-TARGETDURATION:4            ceil of the longest segment
 *     #EXT-X-MEDIA-SEQUENCE:0
 *     #EXT-X-PLAYLIST-TYPE:VOD           EVENT while growing
 *     #EXT-X-INDEPENDENT-SEGMENTS        every segment starts on a key
 *     #EXT-X-MAP:URI="init/c1.mp4"       once per run (or per clip)
 *     #EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:00.000Z   every clip
 *     #EXTINF:4.000,
 *     seg/c1/0.m4s
 *     ...
 *     #EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:01:00.000Z
 *     #EXTINF:4.000,
 *     seg/c2/0.m4s
 *     ...
 *     # gap of 300.000 s                a comment, for people
 *     #EXT-X-DISCONTINUITY
 *     #EXT-X-MAP:URI="init/c3.mp4"
 *     #EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:07:00.000Z
 *     ...
 *     #EXT-X-ENDLIST                     not while growing
 *
 * Gaps.  EXT-X-GAP (which marks segments that are missing) needs players
 * newer than version 7 and still names a URI that ffmpeg and older
 * players would fetch; so a gap is marked the way every player since
 * RFC 8216 understands: an EXT-X-DISCONTINUITY (the media timeline does
 * not run on) and the jump of EXT-X-PROGRAM-DATE-TIME over the missing
 * time, which players that show the wall clock (hls.js's
 * programDateTime, Safari's getStartDate) follow.  The media timeline
 * itself closes over the gap, as HLS wants.
 *
 * Discontinuities come where a run ends (bb_playlist.h): a gap, an
 * overlap, or new codec parameters.  Within a run the fMP4 decode times
 * must run on across clips (%o gives each clip's start), so there is
 * none, and one init segment serves the run: "%c" in the init template is
 * the run's first clip, or each clip with BB_PLAYLIST_INIT_CLIP.
 *
 * EXTINF durations are cut from each clip's running total rounded to the
 * millisecond, so they add up to the clip's length exactly (to 1 ms)
 * however many segments it has.
 *
 * A growing range is an EVENT playlist without ENDLIST: players reload
 * it and may seek back to its start.  EVENT promises that segments are
 * only appended; a back-filled clip landing earlier in the range breaks
 * that promise, so the module should serve a growing playlist only for a
 * range whose earlier part is settled, or keep its lifetime short.
 */

#ifndef BB_HLS_H
#define BB_HLS_H

#include <stddef.h>
#include <stdint.h>

#include "bb_playlist.h"

#define BB_HLS_VERSION         7
#define BB_HLS_EMPTY_TARGET    6         /* s: target of an empty list */
#define BB_HLS_BANDWIDTH       8000000   /* b/s when no size is known */

typedef struct {
    const char  *init;        /* "init/%c.mp4" */
    const char  *media;       /* "seg/%c/%n.m4s" */
    const char  *playlist;    /* the media playlist, in the multivariant
                                 one: "media.m3u8" */
    uint64_t     bandwidth;   /* BANDWIDTH when no size is known; 0:
                                 BB_HLS_BANDWIDTH */
} bb_hls_opts_t;

/*
 * Writes the media playlist of pl (which bb_playlist_check passed) into
 * buf, at most size bytes, no NUL; buf NULL measures.  Returns the
 * length of the whole playlist either way: the caller checks it against
 * what it allocated.  The templates must pass
 * bb_playlist_check_template.
 */
size_t bb_hls_media_playlist(const bb_playlist_t *pl,
    const bb_hls_opts_t *opts, char *buf, size_t size);

/*
 * The multivariant playlist: one EXT-X-STREAM-INF, with BANDWIDTH the
 * peak bit rate of any segment (from sizes, else from clip bytes, else
 * opts->bandwidth), AVERAGE-BANDWIDTH when sizes are known, CODECS every
 * codec of the range (a codec change mid-range lists both), RESOLUTION
 * the largest.  Same contract as bb_hls_media_playlist.
 */
size_t bb_hls_multivariant(const bb_playlist_t *pl,
    const bb_hls_opts_t *opts, char *buf, size_t size);

/*
 * The four steps with malloc: returns a NUL-terminated playlist (free it)
 * and its length in *len, or NULL when out of memory or when the input
 * fails bb_playlist_check or the templates theirs.
 */
char *bb_hls_media_playlist_alloc(const bb_playlist_t *pl,
    const bb_hls_opts_t *opts, size_t *len);
char *bb_hls_multivariant_alloc(const bb_playlist_t *pl,
    const bb_hls_opts_t *opts, size_t *len);

#endif /* BB_HLS_H */
