/*
 * Unit tests of bb_hls (and of the bb_playlist walk it stands on): the
 * exact text of small ranges (one run, a gap, a codec change, an overlap,
 * empty, growing), the multivariant playlist, the measure-then-write
 * contract, the input checks, ffprobe reading a playlist over real fMP4
 * segments, and the build time of a day and a month of clips.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_hls.h"
#include "bb_playlist.h"
#include "playlist_fixture.h"
#include "tap.h"

static const uint32_t  sizes[] = { 3000000, 2000000, 1000000 };

static const bb_hls_opts_t  opts = {
    "init/%c.mp4", "seg/%c/%n.m4s", "media.m3u8", 0
};

#define HEAD(target, type)                                                    \
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:" target "\n"           \
    "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:" type "\n"                \
    "#EXT-X-INDEPENDENT-SEGMENTS\n"

#define MAP(id)   "#EXT-X-MAP:URI=\"init/" id ".mp4\"\n"
#define PDT(t)    "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T" t "Z\n"

#define SEGS(id)                                                              \
    "#EXTINF:4.000,\nseg/" id "/0.m4s\n"                                      \
    "#EXTINF:3.967,\nseg/" id "/1.m4s\n"                                      \
    "#EXTINF:2.033,\nseg/" id "/2.m4s\n"


/*
 * Builds the media playlist of clips in the four steps, checks that a
 * buffer one byte short is neither overrun nor the length changed, and
 * returns the playlist (to free) or NULL.
 */
static char *
media(const bb_playlist_clip_t *clips, size_t n, unsigned flags)
{
    char           *text, *shortbuf;
    size_t          len, got;
    bb_playlist_t   pl;

    memset(&pl, 0, sizeof(pl));
    pl.clips = clips;
    pl.nclips = n;
    pl.flags = flags;

    text = bb_hls_media_playlist_alloc(&pl, &opts, &len);
    if (text == NULL) {
        return NULL;
    }

    shortbuf = playlist_short_buffer(len);
    got = (shortbuf != NULL)
          ? bb_hls_media_playlist(&pl, &opts, shortbuf, len - 1) : 0;

    if (playlist_short_ok(shortbuf, got, len) != 0) {
        free(text);
        text = NULL;
    }

    return text;
}


static void
check_media(const bb_playlist_clip_t *clips, size_t n, unsigned flags,
    const char *want, const char *name)
{
    char  *text;

    text = media(clips, n, flags);
    is_str(text, want, name);
    free(text);
}


static void
test_continuous(void)
{
    bb_playlist_clip_t  c[3];

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 10000);
    c[2] = clip("c3", T0 + 20040);      /* 40 ms late: still one run */

    check_media(c, 3, 0,
        HEAD("4", "VOD")
        MAP("c1")
        PDT("12:00:00.000") SEGS("c1")
        PDT("12:00:10.000") SEGS("c2")
        PDT("12:00:20.040") SEGS("c3")
        "#EXT-X-ENDLIST\n",
        "three continuous clips: one map, a date per clip, no "
        "discontinuity");

    check_media(c, 3, BB_PLAYLIST_INIT_CLIP,
        HEAD("4", "VOD")
        MAP("c1") PDT("12:00:00.000") SEGS("c1")
        MAP("c2") PDT("12:00:10.000") SEGS("c2")
        MAP("c3") PDT("12:00:20.040") SEGS("c3")
        "#EXT-X-ENDLIST\n",
        "an init per clip: a map per clip, still no discontinuity");
}


static void
test_gap(void)
{
    bb_playlist_clip_t  c[3];

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 10000);
    c[2] = clip("c3", T0 + 320000);     /* 300 s missing */

    check_media(c, 3, 0,
        HEAD("4", "VOD")
        MAP("c1")
        PDT("12:00:00.000") SEGS("c1")
        PDT("12:00:10.000") SEGS("c2")
        "# gap of 300.000 s\n"
        "#EXT-X-DISCONTINUITY\n"
        MAP("c3")
        PDT("12:05:20.000") SEGS("c3")
        "#EXT-X-ENDLIST\n",
        "a gap: discontinuity, new map, the date jumps");

    /* 101 ms is past the 100 ms a join may be off. */
    c[2] = clip("c3", T0 + 20101);
    check_media(c, 3, 0,
        HEAD("4", "VOD")
        MAP("c1")
        PDT("12:00:00.000") SEGS("c1")
        PDT("12:00:10.000") SEGS("c2")
        "# gap of 0.101 s\n"
        "#EXT-X-DISCONTINUITY\n"
        MAP("c3")
        PDT("12:00:20.101") SEGS("c3")
        "#EXT-X-ENDLIST\n",
        "a gap of 101 ms is a gap");
}


static void
test_codec_change(void)
{
    char                    *text;
    size_t                   len;
    bb_playlist_t            pl;
    bb_playlist_clip_t       c[3];

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 10000);
    c[1].video_codec = "hvc1.1.6.L93.B0";
    c[1].params = 2;
    c[1].width = 1920;
    c[1].height = 1080;
    c[2] = clip("c3", T0 + 20000);
    c[2].video_codec = "hvc1.1.6.L93.B0";
    c[2].params = 2;
    c[2].audio_codec = NULL;            /* audio gone: another init */

    check_media(c, 3, 0,
        HEAD("4", "VOD")
        MAP("c1")
        PDT("12:00:00.000") SEGS("c1")
        "#EXT-X-DISCONTINUITY\n"
        MAP("c2")
        PDT("12:00:10.000") SEGS("c2")
        "#EXT-X-DISCONTINUITY\n"
        MAP("c3")
        PDT("12:00:20.000") SEGS("c3")
        "#EXT-X-ENDLIST\n",
        "codec changes: discontinuity and map, no gap");

    memset(&pl, 0, sizeof(pl));
    pl.clips = c;
    pl.nclips = 3;

    text = bb_hls_multivariant_alloc(&pl, &opts, &len);
    is_str(text,
        "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=8000000,"
        "CODECS=\"avc1.64001f,hvc1.1.6.L93.B0,mp4a.40.2\","
        "RESOLUTION=1920x1080\n"
        "media.m3u8\n",
        "multivariant: every codec, the largest size, default bandwidth");
    free(text);
}


static void
test_overlap(void)
{
    char                *text;
    bb_playlist_clip_t   c[2];

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 8000);       /* the clock stepped back 2 s */

    text = media(c, 2, 0);
    ok(text != NULL && strstr(text, SEGS("c1") "# overlap of 2.000 s\n"
                                    "#EXT-X-DISCONTINUITY\n" MAP("c2")
                                    PDT("12:00:08.000")) != NULL,
       "an overlap: discontinuity, new map, the date goes back");
    free(text);
}


/*
 * Clips recorded every 60.000 s but 60.050 s long: each join is 50 ms
 * early, well within 100 ms, but against the run's timeline they add up,
 * so a run breaks every third clip rather than drifting all day.
 */
static void
test_drift(void)
{
    char                *text, *p;
    size_t               i, breaks;
    uint32_t             d[1];
    bb_playlist_clip_t   c[12];

    d[0] = 60050 * 90;

    for (i = 0; i < 12; i++) {
        c[i] = clip("c", T0 + (long long) i * 60000);
        c[i].durations = d;
        c[i].nsegments = 1;
    }

    text = media(c, 12, 0);
    breaks = 0;

    for (p = text; p != NULL && (p = strstr(p, "#EXT-X-DISC")) != NULL; p++) {
        breaks++;
    }

    is_int((long long) breaks, 3, "joins 50 ms early: a new run every "
           "third clip (12 clips, 3 discontinuities)");
    free(text);
}


static void
test_empty_and_growing(void)
{
    char                *text;
    size_t               len;
    bb_playlist_t        pl;
    bb_playlist_clip_t   c[2];

    check_media(NULL, 0, 0,
        HEAD("6", "VOD") "#EXT-X-ENDLIST\n",
        "an empty range: a valid empty VOD playlist");

    memset(&pl, 0, sizeof(pl));
    len = bb_hls_media_playlist(&pl, &opts, NULL, 0);
    ok(len == strlen(HEAD("6", "VOD") "#EXT-X-ENDLIST\n"),
       "an empty range measures");

    text = bb_hls_multivariant_alloc(&pl, &opts, &len);
    is_str(text,
        "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=8000000\nmedia.m3u8\n",
        "an empty range: a multivariant playlist without codecs");
    free(text);

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 10000);

    check_media(c, 2, BB_PLAYLIST_GROWING,
        HEAD("4", "EVENT")
        MAP("c1")
        PDT("12:00:00.000") SEGS("c1")
        PDT("12:00:10.000") SEGS("c2"),
        "a growing range: EVENT, no ENDLIST");

    check_media(NULL, 0, BB_PLAYLIST_GROWING,
        HEAD("6", "EVENT"),
        "a growing empty range: EVENT, nothing else");
}


static void
test_multivariant(void)
{
    char                *text;
    size_t               len;
    bb_playlist_t        pl;
    bb_playlist_clip_t   c[3];

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 10000);
    c[2] = clip("c3", T0 + 20000);
    c[0].sizes = sizes;
    c[1].sizes = sizes;
    c[2].sizes = sizes;

    memset(&pl, 0, sizeof(pl));
    pl.clips = c;
    pl.nclips = 3;

    text = bb_hls_multivariant_alloc(&pl, &opts, &len);
    is_str(text,
        "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=6000000,AVERAGE-BANDWIDTH=4800000,"
        "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720\n"
        "media.m3u8\n",
        "multivariant: peak from the largest segment, average");
    is_int((long long) len, (long long) strlen(text ? text : ""),
           "multivariant length");
    free(text);

    c[0].sizes = NULL;
    c[1].sizes = NULL;
    c[2].sizes = NULL;
    c[1].bytes = 7500000;               /* 6 Mb/s over 10 s */

    text = bb_hls_multivariant_alloc(&pl, &opts, &len);
    ok(text != NULL
       && strstr(text, "BANDWIDTH=6000000,AVERAGE-BANDWIDTH=6000000,")
          != NULL,
       "multivariant: rates from clip bytes without segment sizes");
    free(text);
}


static void
test_check(void)
{
    char                err[128];
    size_t              len;
    uint32_t            zero[1];
    bb_playlist_t       pl;
    bb_playlist_clip_t  c[2];

    memset(&pl, 0, sizeof(pl));
    pl.clips = c;
    pl.nclips = 2;

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 10000);
    is_int(bb_playlist_check(&pl, err, sizeof(err)), 0, "good clips pass");

    c[1].id = "../x";
    is_int(bb_playlist_check(&pl, err, sizeof(err)), -1, "a path as id");
    is_str(err, "clip 1 has an id that is not URL-safe", "names the clip");

    c[1] = clip("c2", -1);
    is_int(bb_playlist_check(&pl, err, sizeof(err)), -1, "before 1970");

    c[1] = clip("c2", T0);
    c[1].video_codec = "avc1\",x";
    is_int(bb_playlist_check(&pl, err, sizeof(err)), -1, "quote in codec");

    c[1] = clip("c2", T0);
    c[1].nsegments = 0;
    is_int(bb_playlist_check(&pl, err, sizeof(err)), -1, "no segments");

    c[1] = clip("c2", T0);
    zero[0] = 0;
    c[1].durations = zero;
    c[1].nsegments = 1;
    is_int(bb_playlist_check(&pl, err, sizeof(err)), -1, "a 0 s segment");
    is_str(err, "clip 1 has a segment 0 long", "says which");

    c[1] = clip("c2", T0);
    c[1].timescale = 0;
    is_int(bb_playlist_check(&pl, err, sizeof(err)), -1, "no timescale");
    ok(bb_hls_media_playlist_alloc(&pl, &opts, &len) == NULL,
       "alloc refuses what check refuses");

    is_int(bb_playlist_check_template("seg/%c/%n.m4s?o=%o&x=100%%"), 0,
           "template with every escape");
    is_int(bb_playlist_check_template("seg/%d.m4s"), -1, "unknown escape");
    is_int(bb_playlist_check_template("seg/%"), -1, "trailing percent");
    is_int(bb_playlist_check_template("a b"), -1, "space");
    is_int(bb_playlist_check_template("a\"b"), -1, "quote");
    is_int(bb_playlist_check_template(""), -1, "empty");
}


static void
test_url(void)
{
    char               buf[128];
    bb_playlist_out_t  o;

    memset(buf, 0, sizeof(buf));
    bb_playlist_out_init(&o, buf, sizeof(buf) - 1);
    bb_playlist_url(&o, "s/%c/%n.m4s?o=%o&p=1%%", "ab", 7, 123456, 0);
    is_str(buf, "s/ab/7.m4s?o=123456&p=1%", "url expanded");

    memset(buf, 0, sizeof(buf));
    bb_playlist_out_init(&o, buf, sizeof(buf) - 1);
    bb_playlist_url(&o, "s/%c/%n.m4s?o=%o&p='<>", "ab", 0, 0, 1);
    is_str(buf, "s/ab/0.m4s?o=0&amp;p=&apos;&lt;&gt;", "url XML-escaped");

    memset(buf, 0, sizeof(buf));
    bb_playlist_out_init(&o, buf, sizeof(buf) - 1);
    bb_playlist_sec(&o, 0);
    bb_playlist_put(&o, " ", 1);
    bb_playlist_sec(&o, 86400007);
    bb_playlist_put(&o, " ", 1);
    bb_playlist_sec(&o, -250);
    bb_playlist_put(&o, " ", 1);
    bb_playlist_uint(&o, UINT64_MAX);
    is_str(buf, "0.000 86400.007 -0.250 18446744073709551615",
           "seconds and integers");

    is_int(bb_playlist_ms(UINT64_MAX / 2, 90000),
           (long long) ((UINT64_MAX / 2) / 90000 * 1000
                        + ((UINT64_MAX / 2) % 90000 * 1000 + 45000) / 90000),
           "ms of a huge tick count does not overflow");
}


/*
 * A playlist over real fMP4 segments (ffmpeg's own, copied under our URL
 * layout): ffprobe must open every init and segment it names.  Three
 * clips of three 2 s segments at 10 fps: 180 frames.
 */
static void
test_ffprobe(void)
{
    int                  i, k;
    char                 dir[] = "/tmp/bb-hls-XXXXXX", cmd[1024];
    bb_playlist_clip_t   c[3];

    if (playlist_ffprobe_segments(dir, c) != 0) {
        return;
    }

    for (i = 0; i < 3; i++) {
        snprintf(cmd, sizeof(cmd),
                 "cd %s && cp src.mp4 init/%s.mp4 && mkdir seg/%s", dir,
                 c[i].id, c[i].id);

        for (k = 0; k < 3; k++) {
            snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
                     " && cp src%d.m4s seg/%s/%d.m4s", k, c[i].id, k);
        }

        if (system(cmd) != 0) {
            ok(0, "copy segments");
            return;
        }
    }

    playlist_ffprobe(dir, "media.m3u8", media(c, 3, 0), "playlist");
}


/*
 * A day (1,440 clips) and a month (43,200) of one-minute clips in 4 s
 * segments, the car parked for 30 minutes after every hour of driving.
 * Times are reported, not asserted.
 */
static void
test_big(size_t n, const char *name)
{
    int                  run;
    char                *text, *ids;
    size_t               i, len, gaps;
    double               t, best;
    bb_playlist_t        pl;
    bb_playlist_clip_t  *c;

    c = playlist_big(n, name, &ids);
    if (c == NULL) {
        return;
    }

    memset(&pl, 0, sizeof(pl));
    pl.clips = c;
    pl.nclips = n;

    /* The best of five: the first also pays for faulting pages in. */
    best = 0;

    for (run = 0; run < 5; run++) {
        t = now_ms();
        text = bb_hls_media_playlist_alloc(&pl, &opts, &len);
        t = now_ms() - t;

        if (run == 0 || t < best) {
            best = t;
        }

        if (run < 4) {
            free(text);
        }
    }

    gaps = 0;
    for (i = 0; text != NULL && i < len; i++) {
        if (text[i] == '#' && strncmp(text + i, "# gap of 1800.000 s\n", 20)
                              == 0)
        {
            gaps++;
        }
    }

    ok(text != NULL && len == strlen(text), "%s: %zu clips built", name, n);
    is_int((long long) gaps, (long long) ((n - 1) / 60), "gaps marked");
    diag("hls %s: %zu clips, %zu segments, %zu bytes, %.2f ms "
         "(check, measure, malloc, write; best of 5)", name, n, n * 15, len,
         best);

    free(text);

    t = now_ms();
    text = bb_hls_multivariant_alloc(&pl, &opts, &len);
    t = now_ms() - t;
    ok(text != NULL, "%s: multivariant built", name);
    diag("hls %s multivariant: %zu bytes, %.2f ms", name, len, t);
    free(text);

    free(c);
    free(ids);
}


int
main(void)
{
    test_continuous();
    test_gap();
    test_codec_change();
    test_overlap();
    test_drift();
    test_empty_and_growing();
    test_multivariant();
    test_check();
    test_url();
    test_ffprobe();
    test_big(1440, "day");
    test_big(43200, "month");

    return done_testing();
}
