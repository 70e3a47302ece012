/*
 * The clips of a range as the playlist builders walk them, and the small
 * writer they share: see bb_playlist.h.
 *
 * The writer formats numbers by hand: a month's playlist has some 650,000
 * segment lines, each written twice (measure, then write), and snprintf
 * would be most of the time spent.
 */

#include <stdio.h>
#include <string.h>

#include "bb_playlist.h"
#include "bb_time.h"


static uint64_t bb_playlist_ticks(const bb_playlist_clip_t *c);
static int bb_playlist_same(const bb_playlist_clip_t *a,
    const bb_playlist_clip_t *b);
static int bb_playlist_codec_ok(const char *s);


long long
bb_playlist_ms(uint64_t ticks, uint32_t timescale)
{
    if (timescale == 0) {
        return 0;
    }

    /* Split so that ticks * 1000 cannot overflow for any length. */
    return (long long) ((ticks / timescale) * 1000
                        + ((ticks % timescale) * 1000 + timescale / 2)
                          / timescale);
}


static uint64_t
bb_playlist_ticks(const bb_playlist_clip_t *c)
{
    uint32_t  k;
    uint64_t  sum;

    sum = 0;

    for (k = 0; k < c->nsegments; k++) {
        sum += c->durations[k];
    }

    return sum;
}


/* Whether one init segment serves both clips. */
static int
bb_playlist_same(const bb_playlist_clip_t *a, const bb_playlist_clip_t *b)
{
    return a->params == b->params
           && a->timescale == b->timescale
           && (a->audio_codec == NULL) == (b->audio_codec == NULL);
}


void
bb_playlist_first(const bb_playlist_t *pl, bb_playlist_pos_t *pos)
{
    memset(pos, 0, sizeof(bb_playlist_pos_t));

    pos->join = BB_PLAYLIST_FIRST;

    if (pl->nclips > 0) {
        pos->run_start = pl->clips[0].recorded_at;
        pos->ticks = bb_playlist_ticks(&pl->clips[0]);
    }
}


int
bb_playlist_next(const bb_playlist_t *pl, bb_playlist_pos_t *pos)
{
    long long                  join, expect;
    uint64_t                   elapsed;
    const bb_playlist_clip_t  *c, *run;

    if (pos->i + 1 >= pl->nclips) {
        pos->i = pl->nclips;
        return 0;
    }

    join = pl->join_ms ? pl->join_ms : BB_PLAYLIST_JOIN_MS;
    run = &pl->clips[pos->run];
    c = &pl->clips[pos->i + 1];

    elapsed = pos->offset + pos->ticks;
    expect = pos->run_start + bb_playlist_ms(elapsed, run->timescale);

    pos->i++;
    pos->gap_ms = c->recorded_at - expect;
    pos->ticks = bb_playlist_ticks(c);

    if (pos->gap_ms > join) {
        pos->join = BB_PLAYLIST_GAP;

    } else if (pos->gap_ms < -join) {
        pos->join = BB_PLAYLIST_OVERLAP;

    } else if (!bb_playlist_same(run, c)) {
        pos->join = BB_PLAYLIST_CHANGE;

    } else {
        pos->join = BB_PLAYLIST_CONTINUOUS;
        pos->offset = elapsed;
        return 1;
    }

    pos->run = pos->i;
    pos->run_start = c->recorded_at;
    pos->offset = 0;

    return 1;
}


void
bb_playlist_rates(const bb_playlist_t *pl, size_t from, size_t to,
    uint64_t *peak, uint64_t *average)
{
    size_t                     i;
    uint32_t                   k;
    uint64_t                   ticks, bytes, rate, sum_bytes, sum_ms;
    const bb_playlist_clip_t  *c;

    /* Rates in double: bytes * 8 * timescale may pass 2^64. */

    *peak = 0;
    sum_bytes = 0;
    sum_ms = 0;

    for (i = from; i < to && i < pl->nclips; i++) {
        c = &pl->clips[i];
        ticks = bb_playlist_ticks(c);

        if (c->sizes != NULL) {
            bytes = 0;

            for (k = 0; k < c->nsegments; k++) {
                bytes += c->sizes[k];
                rate = (uint64_t) ((double) c->sizes[k] * 8 * c->timescale
                                   / c->durations[k]);

                if (rate > *peak) {
                    *peak = rate;
                }
            }

        } else if (c->bytes != 0 && ticks != 0) {
            bytes = c->bytes;
            rate = (uint64_t) ((double) bytes * 8 * c->timescale / ticks);

            if (rate > *peak) {
                *peak = rate;
            }

        } else {
            continue;
        }

        sum_bytes += bytes;
        sum_ms += (uint64_t) bb_playlist_ms(ticks, c->timescale);
    }

    *average = sum_ms ? (uint64_t) ((double) sum_bytes * 8 * 1000 / sum_ms)
                      : 0;
}


long long
bb_playlist_max_segment(const bb_playlist_t *pl)
{
    size_t                     i;
    uint32_t                   k, max;
    long long                  ms, top;
    const bb_playlist_clip_t  *c;

    top = 0;

    for (i = 0; i < pl->nclips; i++) {
        c = &pl->clips[i];
        max = 0;

        for (k = 0; k < c->nsegments; k++) {
            if (c->durations[k] > max) {
                max = c->durations[k];
            }
        }

        ms = bb_playlist_ms(max, c->timescale);

        if (ms > top) {
            top = ms;
        }
    }

    return top;
}


static int
bb_playlist_codec_ok(const char *s)
{
    if (*s == '\0') {
        return 0;
    }

    for ( /* void */ ; *s; s++) {
        if ((unsigned char) *s <= 0x20 || *s == 0x7f
            || strchr("\",<>&'", *s) != NULL)
        {
            return 0;
        }
    }

    return 1;
}


int
bb_playlist_check(const bb_playlist_t *pl, char *err, size_t errlen)
{
    size_t                     i;
    uint32_t                   k;
    const char                *p, *why;
    const bb_playlist_clip_t  *c;

    if (pl->nclips > 0 && pl->clips == NULL) {
        snprintf(err, err ? errlen : 0, "no clip array");
        return -1;
    }

    for (i = 0; i < pl->nclips; i++) {
        c = &pl->clips[i];
        why = NULL;

        if (c->id == NULL || c->id[0] == '\0') {
            snprintf(err, err ? errlen : 0, "clip %zu has no id", i);
            return -1;
        }

        for (p = c->id; *p; p++) {
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                  || (*p >= '0' && *p <= '9') || strchr("._~-", *p)))
            {
                why = "an id that is not URL-safe";
                break;
            }
        }

        if (why != NULL) {
            /* void */

        } else if (c->recorded_at < 0) {
            why = "a time before 1970";

        } else if (c->timescale == 0) {
            why = "no timescale";

        } else if (c->video_codec == NULL
                   || !bb_playlist_codec_ok(c->video_codec))
        {
            why = "no usable video codec string";

        } else if (c->audio_codec != NULL
                   && !bb_playlist_codec_ok(c->audio_codec))
        {
            why = "a bad audio codec string";

        } else if (c->nsegments == 0 || c->durations == NULL) {
            why = "no segments";

        } else {
            for (k = 0; k < c->nsegments; k++) {
                if (c->durations[k] == 0) {
                    why = "a segment 0 long";
                    break;
                }
            }
        }

        if (why != NULL) {
            snprintf(err, err ? errlen : 0, "clip %zu has %s", i, why);
            return -1;
        }
    }

    return 0;
}


int
bb_playlist_check_template(const char *tpl)
{
    const char  *p;

    if (tpl == NULL || *tpl == '\0') {
        return -1;
    }

    for (p = tpl; *p; p++) {
        if ((unsigned char) *p <= 0x20 || *p == 0x7f || *p == '"') {
            return -1;
        }

        if (*p == '%') {
            p++;

            if (*p != 'c' && *p != 'n' && *p != 'o' && *p != '%') {
                return -1;
            }
        }
    }

    return 0;
}


void
bb_playlist_out_init(bb_playlist_out_t *o, char *buf, size_t size)
{
    o->buf = buf;
    o->size = size;
    o->len = 0;
}


void
bb_playlist_puts(bb_playlist_out_t *o, const char *s)
{
    bb_playlist_put(o, s, strlen(s));
}


void
bb_playlist_uint(bb_playlist_out_t *o, uint64_t v)
{
    char   num[24], *p;

    p = num + sizeof(num);

    do {
        *--p = (char) ('0' + v % 10);
        v /= 10;
    } while (v);

    bb_playlist_put(o, p, (size_t) (num + sizeof(num) - p));
}


void
bb_playlist_sec(bb_playlist_out_t *o, long long ms)
{
    char      frac[4];
    uint64_t  u;

    if (ms < 0) {
        bb_playlist_put(o, "-", 1);
        u = (uint64_t) -(ms + 1) + 1;

    } else {
        u = (uint64_t) ms;
    }

    bb_playlist_uint(o, u / 1000);

    frac[0] = '.';
    frac[1] = (char) ('0' + u % 1000 / 100);
    frac[2] = (char) ('0' + u % 100 / 10);
    frac[3] = (char) ('0' + u % 10);
    bb_playlist_put(o, frac, 4);
}


void
bb_playlist_time(bb_playlist_out_t *o, long long ms)
{
    char  stamp[BB_TIME_LEN];

    if (bb_time_format_ms(ms, stamp) == NULL) {
        /* bb_playlist_check refuses such times: keep the length fixed. */
        bb_playlist_lit(o, "1970-01-01T00:00:00.000Z");
        return;
    }

    bb_playlist_puts(o, stamp);
}


void
bb_playlist_url(bb_playlist_out_t *o, const char *tpl, const char *id,
    uint64_t n, uint64_t offset, int xml)
{
    const char  *p, *lit;

    lit = tpl;

    for (p = tpl; *p; p++) {
        p = xml ? strpbrk(p, "%&<>'\"") : strchr(p, '%');

        if (p == NULL) {
            break;
        }

        bb_playlist_put(o, lit, (size_t) (p - lit));

        if (*p != '%') {
            switch (*p) {
            case '&':
                bb_playlist_lit(o, "&amp;");
                break;
            case '<':
                bb_playlist_lit(o, "&lt;");
                break;
            case '>':
                bb_playlist_lit(o, "&gt;");
                break;
            case '"':
                bb_playlist_lit(o, "&quot;");
                break;
            default:
                bb_playlist_lit(o, "&apos;");
                break;
            }

            lit = p + 1;
            continue;
        }

        p++;

        switch (*p) {
        case 'c':
            bb_playlist_puts(o, id);
            break;
        case 'n':
            bb_playlist_uint(o, n);
            break;
        case 'o':
            bb_playlist_uint(o, offset);
            break;
        case '%':
            bb_playlist_put(o, "%", 1);
            break;
        default:
            /* unchecked template: write the rest as it is */
            p--;
            lit = p;
            goto done;
        }

        lit = p + 1;
    }

done:

    bb_playlist_puts(o, lit);
}
