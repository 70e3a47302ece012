/*
 * HLS media and multivariant playlists of a range of clips: see bb_hls.h.
 *
 * Each builder is one pass over the clips that writes through a
 * bb_playlist_out_t, so the measuring run and the writing run are the
 * same code and cannot disagree.
 */

#include <stdlib.h>
#include <string.h>

#include "bb_hls.h"


#define BB_HLS_MAX_CODECS  16     /* distinct codec strings in CODECS */


static void bb_hls_codec_add(const char **list, size_t *n, const char *s);


size_t
bb_hls_media_playlist(const bb_playlist_t *pl, const bb_hls_opts_t *opts,
    char *buf, size_t size)
{
    uint32_t                   k;
    uint64_t                   target, sum;
    long long                  ms, prev_ms;
    const char                *init;
    bb_playlist_out_t          o;
    bb_playlist_pos_t          pos;
    const bb_playlist_clip_t  *c;

    bb_playlist_out_init(&o, buf, size);

    target = pl->nclips ? (bb_playlist_max_segment(pl) + 999) / 1000
                        : BB_HLS_EMPTY_TARGET;

    bb_playlist_lit(&o, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:");
    bb_playlist_uint(&o, target ? target : 1);
    bb_playlist_lit(&o, "\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:");
    bb_playlist_puts(&o, (pl->flags & BB_PLAYLIST_GROWING) ? "EVENT" : "VOD");
    bb_playlist_lit(&o, "\n#EXT-X-INDEPENDENT-SEGMENTS\n");

    bb_playlist_first(pl, &pos);

    while (pos.i < pl->nclips) {
        c = &pl->clips[pos.i];

        switch (pos.join) {

        case BB_PLAYLIST_GAP:
            bb_playlist_lit(&o, "# gap of ");
            bb_playlist_sec(&o, pos.gap_ms);
            bb_playlist_lit(&o, " s\n#EXT-X-DISCONTINUITY\n");
            break;

        case BB_PLAYLIST_OVERLAP:
            bb_playlist_lit(&o, "# overlap of ");
            bb_playlist_sec(&o, -pos.gap_ms);
            bb_playlist_lit(&o, " s\n#EXT-X-DISCONTINUITY\n");
            break;

        case BB_PLAYLIST_CHANGE:
            bb_playlist_lit(&o, "#EXT-X-DISCONTINUITY\n");
            break;

        default: /* FIRST, CONTINUOUS */
            break;
        }

        if (pos.join != BB_PLAYLIST_CONTINUOUS
            || (pl->flags & BB_PLAYLIST_INIT_CLIP))
        {
            init = (pl->flags & BB_PLAYLIST_INIT_CLIP)
                   ? c->id : pl->clips[pos.run].id;

            bb_playlist_lit(&o, "#EXT-X-MAP:URI=\"");
            bb_playlist_url(&o, opts->init, init, 0, pos.offset, 0);
            bb_playlist_lit(&o, "\"\n");
        }

        bb_playlist_lit(&o, "#EXT-X-PROGRAM-DATE-TIME:");
        bb_playlist_time(&o, c->recorded_at);
        bb_playlist_put(&o, "\n", 1);

        sum = 0;
        prev_ms = 0;

        for (k = 0; k < c->nsegments; k++) {
            sum += c->durations[k];
            ms = bb_playlist_ms(sum, c->timescale);

            bb_playlist_lit(&o, "#EXTINF:");
            bb_playlist_sec(&o, ms - prev_ms);
            bb_playlist_lit(&o, ",\n");
            bb_playlist_url(&o, opts->media, c->id,
                            (uint64_t) pl->number_base + k, pos.offset, 0);
            bb_playlist_put(&o, "\n", 1);

            prev_ms = ms;
        }

        if (!bb_playlist_next(pl, &pos)) {
            break;
        }
    }

    if (!(pl->flags & BB_PLAYLIST_GROWING)) {
        bb_playlist_lit(&o, "#EXT-X-ENDLIST\n");
    }

    return o.len;
}


static void
bb_hls_codec_add(const char **list, size_t *n, const char *s)
{
    size_t  i;

    if (s == NULL) {
        return;
    }

    for (i = 0; i < *n; i++) {
        if (list[i] == s || strcmp(list[i], s) == 0) {
            return;
        }
    }

    if (*n < BB_HLS_MAX_CODECS) {
        list[(*n)++] = s;
    }
}


size_t
bb_hls_multivariant(const bb_playlist_t *pl, const bb_hls_opts_t *opts,
    char *buf, size_t size)
{
    size_t                     i, nv, na;
    uint64_t                   peak, average, area;
    const char                *video[BB_HLS_MAX_CODECS];
    const char                *audio[BB_HLS_MAX_CODECS];
    bb_playlist_out_t          o;
    const bb_playlist_clip_t  *c, *big;

    bb_playlist_out_init(&o, buf, size);

    nv = 0;
    na = 0;
    big = NULL;
    area = 0;

    for (i = 0; i < pl->nclips; i++) {
        c = &pl->clips[i];

        bb_hls_codec_add(video, &nv, c->video_codec);
        bb_hls_codec_add(audio, &na, c->audio_codec);

        if ((uint64_t) c->width * c->height > area) {
            area = (uint64_t) c->width * c->height;
            big = c;
        }
    }

    bb_playlist_rates(pl, 0, pl->nclips, &peak, &average);

    if (peak == 0) {
        peak = opts->bandwidth ? opts->bandwidth : BB_HLS_BANDWIDTH;
    }

    bb_playlist_lit(&o, "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                         "#EXT-X-STREAM-INF:BANDWIDTH=");
    bb_playlist_uint(&o, peak);

    if (average != 0) {
        bb_playlist_lit(&o, ",AVERAGE-BANDWIDTH=");
        bb_playlist_uint(&o, average);
    }

    if (nv + na > 0) {
        bb_playlist_lit(&o, ",CODECS=\"");

        for (i = 0; i < nv + na; i++) {
            if (i > 0) {
                bb_playlist_put(&o, ",", 1);
            }

            bb_playlist_puts(&o, i < nv ? video[i] : audio[i - nv]);
        }

        bb_playlist_put(&o, "\"", 1);
    }

    if (big != NULL) {
        bb_playlist_lit(&o, ",RESOLUTION=");
        bb_playlist_uint(&o, big->width);
        bb_playlist_put(&o, "x", 1);
        bb_playlist_uint(&o, big->height);
    }

    bb_playlist_put(&o, "\n", 1);
    bb_playlist_puts(&o, opts->playlist);
    bb_playlist_put(&o, "\n", 1);

    return o.len;
}


static char *
bb_hls_alloc(size_t (*build)(const bb_playlist_t *, const bb_hls_opts_t *,
    char *, size_t), const bb_playlist_t *pl, const bb_hls_opts_t *opts,
    size_t *len)
{
    char    *buf;
    size_t   n;

    n = build(pl, opts, NULL, 0);

    buf = malloc(n + 1);
    if (buf == NULL) {
        return NULL;
    }

    if (build(pl, opts, buf, n) != n) {
        free(buf);
        return NULL;
    }

    buf[n] = '\0';
    *len = n;

    return buf;
}


char *
bb_hls_media_playlist_alloc(const bb_playlist_t *pl,
    const bb_hls_opts_t *opts, size_t *len)
{
    if (bb_playlist_check(pl, NULL, 0) != 0
        || bb_playlist_check_template(opts->init) != 0
        || bb_playlist_check_template(opts->media) != 0)
    {
        return NULL;
    }

    return bb_hls_alloc(bb_hls_media_playlist, pl, opts, len);
}


char *
bb_hls_multivariant_alloc(const bb_playlist_t *pl,
    const bb_hls_opts_t *opts, size_t *len)
{
    if (bb_playlist_check(pl, NULL, 0) != 0
        || bb_playlist_check_template(opts->playlist) != 0)
    {
        return NULL;
    }

    return bb_hls_alloc(bb_hls_multivariant, pl, opts, len);
}
