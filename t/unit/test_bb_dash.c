/*
 * Unit tests of bb_dash: the exact MPD of small ranges (one run, a gap, a
 * codec change, empty), well-formed XML by xmllint (or Python), ffprobe
 * reading an MPD over real single-track fMP4 segments, the
 * measure-then-write contract, and the build time of a day and a month.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_dash.h"
#include "bb_playlist.h"
#include "playlist_fixture.h"
#include "tap.h"

static const bb_dash_opts_t  opts = {
    "init/%c-v.mp4", "run/%c/$Time$-v.m4s",
    "init/%c-a.mp4", "run/%c/$Time$-a.m4s", 0, 0, 0
};

static const bb_dash_opts_t  list_opts = {
    "init/%c-v.mp4", "seg/%c/%n-v.m4s", "init/%c-a.mp4", "seg/%c/%n-a.m4s",
    0, 0, 1
};

#define HEAD(ast, dur)                                                        \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                            \
    "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""                            \
    " profiles=\"urn:mpeg:dash:profile:isoff-main:2011\" type=\"static\""     \
    ast " mediaPresentationDuration=\"PT" dur "S\""                           \
    " minBufferTime=\"PT4.000S\">\n"

#define AST  " availabilityStartTime=\"2026-11-25T12:00:00.000Z\""

#define VIDEO(codec, w, h)                                                    \
    "    <AdaptationSet id=\"0\" contentType=\"video\""                       \
    " mimeType=\"video/mp4\" segmentAlignment=\"true\""                       \
    " startWithSAP=\"1\">\n"                                                  \
    "      <Representation id=\"video\" codecs=\"" codec "\""                 \
    " width=\"" w "\" height=\"" h "\" bandwidth=\"8000000\">\n"

#define AUDIO                                                                 \
    "    <AdaptationSet id=\"1\" contentType=\"audio\""                       \
    " mimeType=\"audio/mp4\" segmentAlignment=\"true\""                       \
    " startWithSAP=\"1\">\n"                                                  \
    "      <Representation id=\"audio\" codecs=\"mp4a.40.2\""                 \
    " audioSamplingRate=\"48000\" bandwidth=\"128000\">\n"

#define LIST(init)                                                            \
    "        <SegmentList timescale=\"90000\">\n"                             \
    "          <Initialization sourceURL=\"" init "\"/>\n"                    \
    "          <SegmentTimeline>\n"

#define TPL(id, t)                                                            \
    "        <SegmentTemplate timescale=\"90000\" startNumber=\"0\"\n"        \
    "            initialization=\"init/" id "-" t ".mp4\"\n"                 \
    "            media=\"run/" id "/$Time$-" t ".m4s\">\n"                     \
    "          <SegmentTimeline>\n"

#define TEND                                                                  \
    "          </SegmentTimeline>\n"                                          \
    "        </SegmentTemplate>\n      </Representation>\n"                  \
    "    </AdaptationSet>\n"

#define S0    "            <S t=\"0\" d=\"360000\"/>\n"                       \
              "            <S d=\"357000\"/>\n"                               \
              "            <S d=\"183000\"/>\n"
#define S     "            <S d=\"360000\"/>\n"                               \
              "            <S d=\"357000\"/>\n"                               \
              "            <S d=\"183000\"/>\n"

#define URLS(id, t)                                                           \
    "          <SegmentURL media=\"seg/" id "/0-" t ".m4s\"/>\n"              \
    "          <SegmentURL media=\"seg/" id "/1-" t ".m4s\"/>\n"              \
    "          <SegmentURL media=\"seg/" id "/2-" t ".m4s\"/>\n"

#define END                                                                   \
    "        </SegmentList>\n      </Representation>\n    </AdaptationSet>\n"


/* 0 when xmllint (or Python's minidom) parses text as XML. */
static int
xml_ok(const char *text)
{
    int    rc;
    char  *path, cmd[256];

    path = tap_temp_file(text, strlen(text));
    if (path == NULL) {
        return -1;
    }

    if (system("command -v xmllint >/dev/null") == 0) {
        snprintf(cmd, sizeof(cmd), "xmllint --noout %s", path);

    } else {
        snprintf(cmd, sizeof(cmd), "python3 -c 'import xml.dom.minidom,sys;"
                 " xml.dom.minidom.parse(sys.argv[1])' %s", path);
    }

    rc = system(cmd);

    unlink(path);
    free(path);

    return rc == 0 ? 0 : -1;
}


/*
 * The MPD of clips in the four steps, with a buffer one byte short checked
 * for overruns; also checked to be well-formed XML.  NULL on failure.
 */
static char *
mpd(const bb_playlist_clip_t *clips, size_t n, const bb_dash_opts_t *o)
{
    char           *text, *shortbuf;
    size_t          len, got;
    bb_playlist_t   pl;

    memset(&pl, 0, sizeof(pl));
    pl.clips = clips;
    pl.nclips = n;

    text = bb_dash_mpd_alloc(&pl, o, &len);
    if (text == NULL) {
        return NULL;
    }

    shortbuf = playlist_short_buffer(len);
    got = (shortbuf != NULL) ? bb_dash_mpd(&pl, o, shortbuf, len - 1) : 0;

    if (playlist_short_ok(shortbuf, got, len) != 0) {
        free(text);
        text = NULL;

    } else if (xml_ok(text) != 0) {
        diag("not well-formed XML");
        free(text);
        text = NULL;
    }

    return text;
}


static void
check_mpd(const bb_playlist_clip_t *clips, size_t n,
    const bb_dash_opts_t *o, const char *want, const char *name)
{
    char  *text;

    text = mpd(clips, n, o);
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

    check_mpd(c, 3, &opts,
        HEAD(AST, "30.000")
        "  <Period id=\"0\" start=\"PT0.000S\">\n"
        VIDEO("avc1.64001f", "1280", "720") TPL("c1", "v") S0 S S TEND
        AUDIO TPL("c1", "a") S0 S S TEND
        "  </Period>\n"
        "</MPD>\n",
        "three continuous clips: one Period, one timeline across them");

    check_mpd(c, 3, &list_opts,
        HEAD(AST, "30.000")
        "  <Period id=\"0\" start=\"PT0.000S\">\n"
        VIDEO("avc1.64001f", "1280", "720") LIST("init/c1-v.mp4") S0 S S
        "          </SegmentTimeline>\n"
        URLS("c1", "v") URLS("c2", "v") URLS("c3", "v") END
        AUDIO LIST("init/c1-a.mp4") S0 S S
        "          </SegmentTimeline>\n"
        URLS("c1", "a") URLS("c2", "a") URLS("c3", "a") END
        "  </Period>\n"
        "</MPD>\n",
        "the same as a SegmentList: a URL per segment of each clip");
}


static void
test_gap(void)
{
    bb_playlist_clip_t  c[3];

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 10000);
    c[2] = clip("c3", T0 + 320000);     /* 300 s missing */

    check_mpd(c, 3, &opts,
        HEAD(AST, "330.000")
        "  <Period id=\"0\" start=\"PT0.000S\">\n"
        VIDEO("avc1.64001f", "1280", "720") TPL("c1", "v") S0 S TEND
        AUDIO TPL("c1", "a") S0 S TEND
        "  </Period>\n"
        "  <Period id=\"1\" start=\"PT320.000S\">\n"
        VIDEO("avc1.64001f", "1280", "720") TPL("c3", "v") S0 TEND
        AUDIO TPL("c3", "a") S0 TEND
        "  </Period>\n"
        "</MPD>\n",
        "a gap: a second Period at the wall-clock time of its first clip");
}


static void
test_codec_change(void)
{
    bb_playlist_clip_t  c[2];

    c[0] = clip("c1", T0);
    c[1] = clip("c2", T0 + 10000);
    c[1].video_codec = "hvc1.1.6.L93.B0";
    c[1].params = 2;
    c[1].audio_codec = NULL;
    c[1].width = 1920;
    c[1].height = 1080;

    check_mpd(c, 2, &list_opts,
        HEAD(AST, "20.000")
        "  <Period id=\"0\" start=\"PT0.000S\">\n"
        VIDEO("avc1.64001f", "1280", "720") LIST("init/c1-v.mp4") S0
        "          </SegmentTimeline>\n"
        URLS("c1", "v") END
        AUDIO LIST("init/c1-a.mp4") S0
        "          </SegmentTimeline>\n"
        URLS("c1", "a") END
        "  </Period>\n"
        "  <Period id=\"1\" start=\"PT10.000S\">\n"
        VIDEO("hvc1.1.6.L93.B0", "1920", "1080") LIST("init/c2-v.mp4") S0
        "          </SegmentTimeline>\n"
        URLS("c2", "v") END
        "  </Period>\n"
        "</MPD>\n",
        "a codec change: a Period right after, without the audio it lost");
}


static void
test_various(void)
{
    char                 *text;
    uint32_t              same[4] = { 180000, 180000, 180000, 90000 };
    bb_dash_opts_t        o;
    bb_playlist_clip_t    c[2];

    check_mpd(NULL, 0, &opts,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""
        " profiles=\"urn:mpeg:dash:profile:isoff-main:2011\" type=\"static\""
        " mediaPresentationDuration=\"PT0.000S\" minBufferTime=\"PT2.000S\">\n"
        "  <Period id=\"0\" start=\"PT0.000S\"/>\n"
        "</MPD>\n",
        "an empty range: a valid MPD with one empty Period");

    /* Equal durations fold into r; the run goes on across the clips. */
    c[0] = clip("c1", T0);
    c[0].durations = same;
    c[0].nsegments = 4;
    c[1] = clip("c2", T0 + 7000);
    c[1].durations = same;
    c[1].nsegments = 4;

    o = list_opts;
    o.audio_init = NULL;
    o.video_media = "seg/%c/%n.m4s?t=%o&amp=1";

    text = mpd(c, 2, &o);
    ok(text != NULL
       && strstr(text, "            <S t=\"0\" d=\"180000\" r=\"2\"/>\n"
                       "            <S d=\"90000\"/>\n"
                       "            <S d=\"180000\" r=\"2\"/>\n"
                       "            <S d=\"90000\"/>\n"
                       "          </SegmentTimeline>\n") != NULL,
       "equal durations are one S with r");
    ok(text != NULL
       && strstr(text, "media=\"seg/c2/3.m4s?t=630000&amp;amp=1\"") != NULL,
       "%%o is the clip's offset in its run; & escaped");
    ok(text != NULL && strstr(text, "audio") == NULL,
       "no audio template: no audio AdaptationSet");
    free(text);

    /* The clock stepped back: the second Period does not. */
    c[1] = clip("c2", T0 + 4000);
    text = mpd(c, 2, &opts);
    ok(text != NULL && strstr(text, "<Period id=\"1\" start=\"PT7.000S\">"),
       "an overlapping run starts where the one before ends");
    ok(text != NULL && strstr(text, "mediaPresentationDuration=\"PT17.000S\""),
       "and the presentation is as long as both");
    free(text);
}


/*
 * An MPD over real single-track fMP4 segments (ffmpeg's own, copied under
 * our URL layout): ffprobe must read every segment of the run, which
 * spans three clips of three 2 s segments at 10 fps: 180 frames.  (The
 * copies' own decode times restart per clip; ffprobe only counts.)
 */
static void
test_ffprobe(void)
{
    int                  i, k;
    char                 dir[] = "/tmp/bb-dash-XXXXXX", cmd[1024];
    bb_dash_opts_t       o;
    bb_playlist_clip_t   c[3];

    if (playlist_ffprobe_segments(dir, c) != 0) {
        return;
    }

    for (i = 0; i < 3; i++) {
        c[i].video_codec = "avc1.f4000a";

        /* One run: its init and its segments named by $Time$. */
        snprintf(cmd, sizeof(cmd), "cd %s && cp src.mp4 init/%s-v.mp4 && "
                 "mkdir -p run/c1", dir, c[i].id);

        for (k = 0; k < 3; k++) {
            snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
                     " && cp src%d.m4s run/c1/%d-v.m4s", k,
                     (i * 3 + k) * 180000);
        }

        if (system(cmd) != 0) {
            ok(0, "copy segments");
            return;
        }
    }

    o = opts;
    o.audio_init = NULL;

    playlist_ffprobe(dir, "day.mpd", mpd(c, 3, &o), "MPD");
}


/*
 * A day (1,440 clips) and a month (43,200) of one-minute clips in 4 s
 * segments, the car parked for 30 minutes after every hour of driving: a
 * Period per hour.  Times are reported, not asserted.
 */
static void
test_big(size_t n, const char *name)
{
    int                  run;
    char                *text, *ids, *p;
    size_t               len, periods;
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
    text = NULL;

    for (run = 0; run < 5; run++) {
        free(text);

        t = now_ms();
        text = bb_dash_mpd_alloc(&pl, &opts, &len);
        t = now_ms() - t;

        if (run == 0 || t < best) {
            best = t;
        }
    }

    periods = 0;
    for (p = text; p != NULL && (p = strstr(p, "<Period ")) != NULL; p++) {
        periods++;
    }

    ok(text != NULL && len == strlen(text), "%s: %zu clips built", name, n);
    is_int((long long) periods, (long long) ((n + 59) / 60),
           "a Period per hour");
    diag("dash %s: %zu clips, %zu segments, %zu Periods, %zu bytes, "
         "%.2f ms (check, measure, malloc, write; best of 5)", name, n,
         n * 15, periods, len, best);

    if (n <= 1440) {
        ok(text != NULL && xml_ok(text) == 0, "%s: well-formed XML", name);
    }

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
    test_various();
    test_ffprobe();
    test_big(1440, "day");
    test_big(43200, "month");

    return done_testing();
}
