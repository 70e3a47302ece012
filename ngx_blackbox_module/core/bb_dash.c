/*
 * A DASH MPD of a range of clips: see bb_dash.h.
 *
 * Written in one pass over the runs after a first that measures the
 * presentation's length (the MPD element carries it before any Period).
 * Each run is walked twice per AdaptationSet (find its end, its timeline)
 * and once more for a SegmentList's URLs: a few additions per segment.
 */

#include <stdlib.h>
#include <string.h>

#include "bb_dash.h"


typedef struct {
    bb_playlist_pos_t  first;      /* at the run's first clip */
    size_t             end;        /* one past its last clip */
    uint64_t           ticks;      /* its length */
    long long          start;      /* Period@start, ms from the first clip */
} bb_dash_run_t;


static void bb_dash_run(const bb_playlist_t *pl, bb_playlist_pos_t *pos,
    long long *placed, bb_dash_run_t *run);
static void bb_dash_timeline_flush(bb_playlist_out_t *o, uint32_t d,
    uint64_t repeat, int first);
static void bb_dash_adaptation(bb_playlist_out_t *o, const bb_playlist_t *pl,
    const bb_dash_run_t *run, const bb_dash_opts_t *opts, int audio);
static int bb_dash_template_ok(const char *media);


/*
 * Takes the run whose first clip pos is at into run, and moves pos to the
 * next run's first clip (or pos->i to nclips).  *placed is where the run
 * before ended on the presentation timeline (ms), and becomes where this
 * one does.
 */
static void
bb_dash_run(const bb_playlist_t *pl, bb_playlist_pos_t *pos,
    long long *placed, bb_dash_run_t *run)
{
    long long  start;

    run->first = *pos;
    run->ticks = pos->offset + pos->ticks;

    while (bb_playlist_next(pl, pos) && pos->join == BB_PLAYLIST_CONTINUOUS) {
        run->ticks = pos->offset + pos->ticks;
    }

    run->end = pos->i;

    start = run->first.run_start - pl->clips[0].recorded_at;
    run->start = start > *placed ? start : *placed;

    *placed = run->start
              + bb_playlist_ms(run->ticks,
                               pl->clips[run->first.i].timescale);
}


static void
bb_dash_timeline_flush(bb_playlist_out_t *o, uint32_t d, uint64_t repeat,
    int first)
{
    bb_playlist_puts(o, first ? "            <S t=\"0\" d=\""
                              : "            <S d=\"");
    bb_playlist_uint(o, d);

    if (repeat) {
        bb_playlist_lit(o, "\" r=\"");
        bb_playlist_uint(o, repeat);
    }

    bb_playlist_lit(o, "\"/>\n");
}


static void
bb_dash_adaptation(bb_playlist_out_t *o, const bb_playlist_t *pl,
    const bb_dash_run_t *run, const bb_dash_opts_t *opts, int audio)
{
    int                        first;
    size_t                     i;
    uint32_t                   k, d;
    uint64_t                   peak, average, repeat, offset;
    const char                *init, *media;
    const bb_playlist_clip_t  *c, *head;

    head = &pl->clips[run->first.i];
    init = audio ? opts->audio_init : opts->video_init;
    media = audio ? opts->audio_media : opts->video_media;

    if (audio) {
        bb_playlist_lit(o, "    <AdaptationSet id=\"1\" contentType=\"audio\""
                            " mimeType=\"audio/mp4\" segmentAlignment=\"true\""
                            " startWithSAP=\"1\">\n"
                            "      <Representation id=\"audio\" codecs=\"");
        bb_playlist_puts(o, head->audio_codec);
        bb_playlist_put(o, "\"", 1);

        if (head->sample_rate) {
            bb_playlist_lit(o, " audioSamplingRate=\"");
            bb_playlist_uint(o, head->sample_rate);
            bb_playlist_put(o, "\"", 1);
        }

        peak = opts->audio_bandwidth ? opts->audio_bandwidth
                                     : BB_DASH_AUDIO_BANDWIDTH;

    } else {
        bb_playlist_lit(o, "    <AdaptationSet id=\"0\" contentType=\"video\""
                            " mimeType=\"video/mp4\" segmentAlignment=\"true\""
                            " startWithSAP=\"1\">\n"
                            "      <Representation id=\"video\" codecs=\"");
        bb_playlist_puts(o, head->video_codec);
        bb_playlist_lit(o, "\" width=\"");
        bb_playlist_uint(o, head->width);
        bb_playlist_lit(o, "\" height=\"");
        bb_playlist_uint(o, head->height);
        bb_playlist_put(o, "\"", 1);

        bb_playlist_rates(pl, run->first.i, run->end, &peak, &average);

        if (peak == 0) {
            peak = opts->bandwidth ? opts->bandwidth : BB_DASH_BANDWIDTH;
        }
    }

    bb_playlist_lit(o, " bandwidth=\"");
    bb_playlist_uint(o, peak);

    if (opts->list) {
        bb_playlist_lit(o, "\">\n        <SegmentList timescale=\"");
        bb_playlist_uint(o, head->timescale);
        bb_playlist_lit(o, "\">\n          <Initialization sourceURL=\"");
        bb_playlist_url(o, init, head->id, 0, 0, 1);
        bb_playlist_lit(o, "\"/>\n");

    } else {
        bb_playlist_lit(o, "\">\n        <SegmentTemplate timescale=\"");
        bb_playlist_uint(o, head->timescale);
        bb_playlist_lit(o, "\" startNumber=\"");
        bb_playlist_uint(o, pl->number_base);
        bb_playlist_lit(o, "\"\n            initialization=\"");
        bb_playlist_url(o, init, head->id, 0, 0, 1);
        bb_playlist_lit(o, "\"\n            media=\"");
        bb_playlist_url(o, media, head->id, 0, 0, 1);
        bb_playlist_lit(o, "\">\n");
    }

    bb_playlist_lit(o, "          <SegmentTimeline>\n");

    /* The timeline: runs of equal durations as one S with r. */

    first = 1;
    d = 0;
    repeat = 0;

    for (i = run->first.i; i < run->end; i++) {
        c = &pl->clips[i];

        for (k = 0; k < c->nsegments; k++) {
            if (d != 0 && c->durations[k] == d) {
                repeat++;
                continue;
            }

            if (d != 0) {
                bb_dash_timeline_flush(o, d, repeat, first);
                first = 0;
            }

            d = c->durations[k];
            repeat = 0;
        }
    }

    if (d != 0) {
        bb_dash_timeline_flush(o, d, repeat, first);
    }

    bb_playlist_lit(o, "          </SegmentTimeline>\n");

    if (!opts->list) {
        bb_playlist_lit(o, "        </SegmentTemplate>\n"
                           "      </Representation>\n"
                           "    </AdaptationSet>\n");
        return;
    }

    offset = 0;

    for (i = run->first.i; i < run->end; i++) {
        c = &pl->clips[i];

        for (k = 0; k < c->nsegments; k++) {
            bb_playlist_lit(o, "          <SegmentURL media=\"");
            bb_playlist_url(o, media, c->id, (uint64_t) pl->number_base + k,
                            offset, 1);
            bb_playlist_lit(o, "\"/>\n");
        }

        for (k = 0; k < c->nsegments; k++) {
            offset += c->durations[k];
        }
    }

    bb_playlist_lit(o, "        </SegmentList>\n"
                       "      </Representation>\n"
                       "    </AdaptationSet>\n");
}


size_t
bb_dash_mpd(const bb_playlist_t *pl, const bb_dash_opts_t *opts, char *buf,
    size_t size)
{
    uint64_t           id;
    long long          placed, buffer;
    bb_dash_run_t      run;
    bb_playlist_out_t  o;
    bb_playlist_pos_t  pos;

    bb_playlist_out_init(&o, buf, size);

    /* The presentation's length: where the last run ends. */

    placed = 0;
    bb_playlist_first(pl, &pos);

    while (pos.i < pl->nclips) {
        bb_dash_run(pl, &pos, &placed, &run);
    }

    buffer = bb_playlist_max_segment(pl);

    bb_playlist_lit(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""
                         " profiles=\"urn:mpeg:dash:profile:isoff-main:2011\""
                         " type=\"static\"");

    if (pl->nclips > 0) {
        bb_playlist_lit(&o, " availabilityStartTime=\"");
        bb_playlist_time(&o, pl->clips[0].recorded_at);
        bb_playlist_put(&o, "\"", 1);
    }

    bb_playlist_lit(&o, " mediaPresentationDuration=\"PT");
    bb_playlist_sec(&o, placed);
    bb_playlist_lit(&o, "S\" minBufferTime=\"PT");
    bb_playlist_sec(&o, buffer ? buffer : 2000);
    bb_playlist_lit(&o, "S\">\n");

    if (pl->nclips == 0) {
        bb_playlist_lit(&o, "  <Period id=\"0\" start=\"PT0.000S\"/>\n");
    }

    placed = 0;
    id = 0;
    bb_playlist_first(pl, &pos);

    while (pos.i < pl->nclips) {
        bb_dash_run(pl, &pos, &placed, &run);

        bb_playlist_lit(&o, "  <Period id=\"");
        bb_playlist_uint(&o, id++);
        bb_playlist_lit(&o, "\" start=\"PT");
        bb_playlist_sec(&o, run.start);
        bb_playlist_lit(&o, "S\">\n");

        bb_dash_adaptation(&o, pl, &run, opts, 0);

        if (pl->clips[run.first.i].audio_codec != NULL
            && opts->audio_init != NULL && opts->audio_media != NULL)
        {
            bb_dash_adaptation(&o, pl, &run, opts, 1);
        }

        bb_playlist_lit(&o, "  </Period>\n");
    }

    bb_playlist_lit(&o, "</MPD>\n");

    return o.len;
}


/* A SegmentTemplate@media: the player numbers segments, not %n or %o. */
static int
bb_dash_template_ok(const char *media)
{
    return (strstr(media, "$Number$") != NULL
            || strstr(media, "$Time$") != NULL)
           && strstr(media, "%n") == NULL && strstr(media, "%o") == NULL;
}


char *
bb_dash_mpd_alloc(const bb_playlist_t *pl, const bb_dash_opts_t *opts,
    size_t *len)
{
    char    *buf;
    size_t   n;

    if (bb_playlist_check(pl, NULL, 0) != 0
        || bb_playlist_check_template(opts->video_init) != 0
        || bb_playlist_check_template(opts->video_media) != 0
        || (opts->audio_init != NULL
            && bb_playlist_check_template(opts->audio_init) != 0)
        || (opts->audio_media != NULL
            && bb_playlist_check_template(opts->audio_media) != 0)
        || (!opts->list && !bb_dash_template_ok(opts->video_media))
        || (!opts->list && opts->audio_media != NULL
            && !bb_dash_template_ok(opts->audio_media)))
    {
        return NULL;
    }

    n = bb_dash_mpd(pl, opts, NULL, 0);

    buf = malloc(n + 1);
    if (buf == NULL) {
        return NULL;
    }

    if (bb_dash_mpd(pl, opts, buf, n) != n) {
        free(buf);
        return NULL;
    }

    buf[n] = '\0';
    *len = n;

    return buf;
}
