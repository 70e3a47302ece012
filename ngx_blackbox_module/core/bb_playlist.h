/*
 * What the HLS and DASH builders (bb_hls.h, bb_dash.h) are given: a range
 * of clips in recording order, each with its segments, and how to name
 * their URLs.  Plain data, filled by the module from the clip rows, so
 * that the builders know nothing of nginx, PostgreSQL or files.
 *
 * A range is cut into runs.  Within a run, media time runs on from one
 * clip into the next (the fMP4 writer gives clip k of a run decode times
 * starting at its offset, below), so a player sees one stream; between
 * runs there is a discontinuity.  A clip starts a new run when
 *
 *   - its codec parameters differ from the run's (params, timescale, or
 *     whether there is audio): a new init segment is needed;
 *   - its wall-clock start is more than join_ms (default 100 ms, about
 *     three frames at 30 fps) away from where the run's timeline puts it:
 *     later is a gap (time missing, which the playlists mark), earlier an
 *     overlap (the device's clock stepped back).
 *
 * "Where the run's timeline puts it" is the run's first recorded_at plus
 * the media length of the run so far, not the previous clip's recorded
 * end: small joins cannot add up, over a day of clips, to a wall clock
 * that is seconds off in the DASH timeline, which has no per-clip anchor.
 *
 * URL templates are printf-like, expanded per clip and per segment:
 *
 *     %c   the clip's id (for an init segment: see bb_hls.h / bb_dash.h)
 *     %n   the segment's number within its clip, from number_base
 *     %o   the clip's offset in its run, in its timescale: the decode
 *          time its first segment starts at, for a segment handler that
 *          wants it in the URL rather than look up the clips before it
 *     %%   a percent sign
 *
 * so "seg/%c/%n.m4s" names the n-th segment of a clip.  Templates are
 * relative to the playlist's URL (the token is in the path).
 */

#ifndef BB_PLAYLIST_H
#define BB_PLAYLIST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BB_PLAYLIST_JOIN_MS      100

/* bb_playlist_t.flags */
#define BB_PLAYLIST_GROWING      0x01   /* the range is still being
                                           recorded: no end is written */
#define BB_PLAYLIST_INIT_CLIP    0x02   /* one init segment per clip rather
                                           than one per run */

typedef struct {
    const char        *id;            /* URL-safe: [A-Za-z0-9._~-]+ */
    long long          recorded_at;   /* Unix ms of the first frame */
    uint32_t           timescale;     /* of the durations: the video
                                         track's */
    const char        *video_codec;   /* RFC 6381: "avc1.64001f" */
    const char        *audio_codec;   /* "mp4a.40.2", or NULL: no audio */
    uint32_t           width;
    uint32_t           height;
    uint32_t           sample_rate;   /* audio, 0: unknown */
    uint64_t           params;        /* identity of everything the init
                                         segment holds (a hash of the
                                         codec configurations, sizes and
                                         timescales): equal means one init
                                         serves both clips */
    const uint32_t    *durations;     /* of each segment, in timescale;
                                         they sum to the clip's length */
    const uint32_t    *sizes;         /* bytes of each segment, or NULL */
    uint32_t           nsegments;     /* at least 1 */
    uint64_t           bytes;         /* of the clip's media, 0: unknown
                                         (for bit rates without sizes) */
} bb_playlist_clip_t;

typedef struct {
    const bb_playlist_clip_t  *clips;
    size_t                     nclips;
    unsigned                   flags;        /* BB_PLAYLIST_GROWING, ... */
    unsigned                   join_ms;      /* 0: BB_PLAYLIST_JOIN_MS */
    unsigned                   number_base;  /* %n of a clip's first
                                                segment: 0 or 1 */
} bb_playlist_t;

/* How a clip follows the one before it. */
typedef enum {
    BB_PLAYLIST_FIRST = 0,       /* the first clip of the range */
    BB_PLAYLIST_CONTINUOUS,      /* same run */
    BB_PLAYLIST_CHANGE,          /* new parameters, time runs on */
    BB_PLAYLIST_GAP,             /* time missing (parameters may change) */
    BB_PLAYLIST_OVERLAP          /* starts before the run's end */
} bb_playlist_join_e;

/*
 * A walk over the clips: bb_playlist_first, then bb_playlist_next until
 * it returns 0.  Each step costs the clip's segment count.
 */
typedef struct {
    size_t              i;            /* the clip */
    bb_playlist_join_e  join;
    long long           gap_ms;       /* recorded_at less where the run
                                         would put it: > 0 a gap, < 0 an
                                         overlap */
    size_t              run;          /* the run's first clip */
    long long           run_start;    /* its recorded_at */
    uint64_t            offset;       /* ticks of the run before clip i */
    uint64_t            ticks;        /* clip i's length in ticks */
} bb_playlist_pos_t;

void bb_playlist_first(const bb_playlist_t *pl, bb_playlist_pos_t *pos);
int bb_playlist_next(const bb_playlist_t *pl, bb_playlist_pos_t *pos);

/* ms = ticks * 1000 / timescale, rounded to nearest. */
long long bb_playlist_ms(uint64_t ticks, uint32_t timescale);

/*
 * The bit rates of clips [from, to), in bits per second: the peak of any
 * segment (of any clip, where segment sizes are not given) and the average
 * over the clips whose size is known; 0 where no size is known.
 */
void bb_playlist_rates(const bb_playlist_t *pl, size_t from, size_t to,
    uint64_t *peak, uint64_t *average);

/* The longest segment of the range, in ms (0: no clips). */
long long bb_playlist_max_segment(const bb_playlist_t *pl);

/*
 * Checks what the builders take for granted: every clip has an id that
 * is URL-safe, a time from 1970 on, a timescale, a video codec, and at
 * least one segment, none of them 0 long; codec strings hold no quote,
 * comma, angle bracket, ampersand or control character.  Returns 0, or -1
 * with a sentence naming the clip in err (errlen bytes, NUL-terminated).
 * Clips in the wrong order are not an error: they overlap.
 */
int bb_playlist_check(const bb_playlist_t *pl, char *err, size_t errlen);

/*
 * Checks a URL template: only %c, %n, %o, %% escapes, no control
 * character, space or double quote (it goes inside URI="..." and
 * attributes).  Returns 0 or -1.
 */
int bb_playlist_check_template(const char *tpl);


/*
 * The output of the builders, written like bb_json_t: a NULL buffer
 * measures, a sized one is written up to its size; len counts either way.
 */
typedef struct {
    char    *buf;
    size_t   size;
    size_t   len;
} bb_playlist_out_t;

void bb_playlist_out_init(bb_playlist_out_t *o, char *buf, size_t size);
void bb_playlist_puts(bb_playlist_out_t *o, const char *s);

/* Inline: a month's playlist makes some ten million of these calls. */
static inline void
bb_playlist_put(bb_playlist_out_t *o, const char *p, size_t n)
{
    if (o->buf != NULL && o->len <= o->size && n <= o->size - o->len) {
        memcpy(o->buf + o->len, p, n);
    }

    o->len += n;
}

/* A string literal, its length known at compile time. */
#define bb_playlist_lit(o, s)  bb_playlist_put(o, s, sizeof(s) - 1)
void bb_playlist_uint(bb_playlist_out_t *o, uint64_t v);

/* Writes ms as seconds with three decimals: "4.000", "-0.250". */
void bb_playlist_sec(bb_playlist_out_t *o, long long ms);

/* Writes Unix ms as "2026-11-25T12:03:00.000Z". */
void bb_playlist_time(bb_playlist_out_t *o, long long ms);

/*
 * Writes a template expanded for clip c (id) and segment number n of it;
 * xml: escape &, <, > and quotes for an XML attribute.
 */
void bb_playlist_url(bb_playlist_out_t *o, const char *tpl, const char *id,
    uint64_t n, uint64_t offset, int xml);

#endif /* BB_PLAYLIST_H */
