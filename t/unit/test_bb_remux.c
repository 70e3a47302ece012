/*
 * Unit tests of bb_remux: MPEG-TS made by ffmpeg at test time is demuxed
 * with libavformat, as the ingest demuxes what SRT brings, and written as
 * clips; the clips are checked with bb_probe (the library's own test of a
 * clip), decoded by ffmpeg, and their sample layout read back.  Crashes
 * are a child killed with SIGKILL mid-clip, and journals cut at arbitrary
 * bytes; a full disk is a child with a small RLIMIT_FSIZE.
 *
 * Without ffmpeg the whole test is skipped; without libx265, the H.265
 * case is.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "bb_clipclock.h"
#include "bb_probe.h"
#include "bb_remux.h"
#include "media_fixture.h"
#include "tap.h"


/* 8 s of 25 fps with a keyframe every 2 s exactly, and a tone. */
#define VIDEO   "-f lavfi -i testsrc=size=320x240:rate=25 "
#define AUDIO   "-f lavfi -i sine=frequency=440:sample_rate=48000 "
#define H264    "-c:v libx264 -g 50 -keyint_min 50 -sc_threshold 0 "
#define H265    "-c:v libx265 -x265-params log-level=error:keyint=50:" \
                "min-keyint=50:scenecut=0 "
#define AAC     "-c:a aac "
#define TS      "-t 8 -f mpegts "

#define SECONDS      8
#define GOPS         4
#define FRAMES       200
#define SLACK_MS     100

/* 2^33 / 90000 is 95443.7 s: an offset of 95440 s wraps 2-4 s in. */
#define WRAP_OFFSET  "-output_ts_offset 95440 "

/* How a file is fed to the remux. */
#define FEED_CLOCK       0x01   /* timestamps from bb_clipclock */
#define FEED_NO_PARAMS   0x02   /* drop the SPS/PPS libav found */
#define FEED_AUDIO_GAP   0x04   /* drop audio 3.5-4.5 s (across a GOP) */

#define MAX_SENT  2048

/* The times (us) of the packets the remux took, per stream, in order. */
static struct {
    int      n[2];
    int64_t  us[2][MAX_SENT];
} sent;

static int
exists(const char *path)
{
    struct stat  st;

    return stat(path, &st) == 0;
}


static int
spit(const char *path, const unsigned char *data, long size)
{
    int    rc;
    FILE  *f;

    f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }

    rc = fwrite(data, 1, (size_t) size, f) == (size_t) size ? 0 : -1;

    return (fclose(f) == 0) ? rc : -1;
}


/*
 * The top-level boxes of an MP4 in memory, as a string of their types
 * ("ftyp moov moof mdat ..."), and the number of moof+mdat pairs complete
 * within size.
 */
static int
boxes(const unsigned char *data, long size, char *order, size_t room,
    long *moov_at, long *moov_size)
{
    int            frags, in_moof;
    long           at, box;
    size_t         n;

    frags = 0;
    in_moof = 0;
    n = 0;
    *moov_at = -1;

    for (at = 0; size - at >= 8; at += box) {
        box = (long) be32(data + at);

        if (box < 8 || box > size - at) {
            break;
        }

        if (n + 6 < room) {
            memcpy(order + n, data + at + 4, 4);
            order[n + 4] = ' ';
            n += 5;
        }

        if (memcmp(data + at + 4, "moov", 4) == 0) {
            *moov_at = at;
            *moov_size = box;

        } else if (memcmp(data + at + 4, "moof", 4) == 0) {
            in_moof = 1;

        } else if (memcmp(data + at + 4, "mdat", 4) == 0) {
            frags += in_moof;
            in_moof = 0;
        }
    }

    order[n > 0 ? n - 1 : 0] = '\0';

    return frags;
}


/*
 * Feeds the TS at ts into a remux of clip: its first video and first
 * audio stream, every packet, until stop seconds of video (0: all), then
 * finishes, or (kill) stops as a crash would: SIGKILL, from a child.
 * Returns bb_remux_finish's answer, or -2 when the input cannot be read.
 */
static int
feed(const char *ts, const char *clip, int how, int flags, double stop,
    int kill, long long *duration_ms, char *err, size_t errlen)
{
    int                  rc, map[16], video, audio, key, s;
    double               at;
    unsigned             n;
    AVPacket            *pkt;
    AVStream            *streams[2];
    bb_remux_t          *rx;
    AVFormatContext     *in;
    bb_clipclock_t       cc;
    bb_clipclock_time_t  t;
    bb_clipclock_e       cut;

    in = NULL;
    *duration_ms = -1;

    if (avformat_open_input(&in, ts, NULL, NULL) < 0) {
        return -2;
    }

    if (avformat_find_stream_info(in, NULL) < 0 || in->nb_streams > 16) {
        avformat_close_input(&in);
        return -2;
    }

    video = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    audio = av_find_best_stream(in, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);

    n = 0;
    memset(map, -1, sizeof(map));

    if (video >= 0) {
        map[video] = (int) n;
        streams[n++] = in->streams[video];

        if (how & FEED_NO_PARAMS) {
            av_freep(&in->streams[video]->codecpar->extradata);
            in->streams[video]->codecpar->extradata_size = 0;
        }
    }

    if (audio >= 0) {
        map[audio] = (int) n;
        streams[n++] = in->streams[audio];
    }

    rx = bb_remux_open(clip, streams, n, flags, err, errlen);
    if (rx == NULL) {
        avformat_close_input(&in);
        return -1;
    }

    bb_clipclock_init(&cc, 1795608120000LL);
    pkt = av_packet_alloc();
    rc = 0;
    memset(&sent, 0, sizeof(sent));

    while (pkt != NULL && av_read_frame(in, pkt) >= 0) {
        if (map[pkt->stream_index] < 0) {
            av_packet_unref(pkt);
            continue;
        }

        if (stop > 0 && pkt->stream_index == video
            && pkt->dts != AV_NOPTS_VALUE
            && (pkt->dts - in->streams[video]->start_time)
               * av_q2d(in->streams[video]->time_base) >= stop)
        {
            av_packet_unref(pkt);
            break;
        }

        if (how & FEED_CLOCK) {
            key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
            cut = bb_clipclock_packet(&cc, pkt->pts, pkt->dts, key,
                                      pkt->stream_index == video, &t);

            if (cut == BB_CLIPCLOCK_DROP) {
                av_packet_unref(pkt);
                continue;
            }

            pkt->dts = t.dts;
            pkt->pts = t.pts;
        }

        if ((how & FEED_AUDIO_GAP) && pkt->stream_index == audio) {
            at = (pkt->pts - in->streams[video]->start_time)
                 * av_q2d(in->streams[audio]->time_base);

            if (at >= 3.5 && at < 4.5) {
                av_packet_unref(pkt);
                continue;
            }
        }

        s = map[pkt->stream_index];

        rc = bb_remux_write(rx, (unsigned) s, pkt, err, errlen);

        if (rc == 0 && sent.n[s] < MAX_SENT) {
            sent.us[s][sent.n[s]++] = av_rescale_q(pkt->pts,
                                          in->streams[pkt->stream_index]
                                              ->time_base,
                                          (AVRational) { 1, 1000000 });
        }

        av_packet_unref(pkt);

        if (rc < 0) {
            break;
        }
    }

    av_packet_free(&pkt);
    avformat_close_input(&in);

    if (kill) {
        raise(SIGKILL);
    }

    if (rc < 0) {
        bb_remux_close(rx);
        return -1;
    }

    return bb_remux_finish(rx, duration_ms, err, errlen);
}


/* 1 when ffmpeg decodes the whole clip with no error. */
static int
decodes(const char *clip)
{
    char    cmd[512], out[256];
    FILE   *f;
    size_t  n;
    int     status;

    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -xerror -i %s "
             "-f null - 2>&1", clip);

    f = popen(cmd, "r");
    if (f == NULL) {
        return 0;
    }

    n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = '\0';
    status = pclose(f);

    if (n > 0 || status != 0) {
        diag("ffmpeg: %s", out);
        return 0;
    }

    return 1;
}


/* What the clip's own index says of it. */
typedef struct {
    int      frames[2];         /* samples, video and audio */
    int      runs[2];           /* runs of contiguous samples */
    int      keys;              /* video keyframes */
    int      runs_start_key;    /* video runs that begin on a keyframe */
    int64_t  first_dts[2];      /* ms */
    int64_t  first_pts_video;   /* ms, after the edit list */
} layout_t;


static int
read_layout(const char *clip, layout_t *l)
{
    int                  s, k, n, kind;
    AVPacket            *pkt;
    AVStream            *st;
    AVFormatContext     *fmt;
    const AVIndexEntry  *e, *prev;

    memset(l, 0, sizeof(layout_t));
    l->first_dts[0] = l->first_dts[1] = INT64_MIN;
    l->first_pts_video = INT64_MIN;
    fmt = NULL;

    if (avformat_open_input(&fmt, clip, av_find_input_format("mp4"), NULL)
        < 0)
    {
        return -1;
    }

    for (s = 0; s < (int) fmt->nb_streams; s++) {
        st = fmt->streams[s];
        kind = (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) ? 0 : 1;
        n = avformat_index_get_entries_count(st);
        prev = NULL;

        for (k = 0; k < n; k++) {
            e = avformat_index_get_entry(st, k);

            if (prev == NULL || e->pos != prev->pos + prev->size) {
                l->runs[kind]++;
                l->runs_start_key += (kind == 0
                                      && (e->flags & AVINDEX_KEYFRAME));
            }

            l->keys += (kind == 0 && (e->flags & AVINDEX_KEYFRAME));

            /* prev points into the index: copy what is needed. */
            prev = e;
        }

        l->frames[kind] += n;
    }

    pkt = av_packet_alloc();

    while (pkt != NULL && av_read_frame(fmt, pkt) >= 0) {
        st = fmt->streams[pkt->stream_index];
        kind = (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) ? 0 : 1;

        if (l->first_dts[kind] == INT64_MIN) {
            l->first_dts[kind] = av_rescale_q(pkt->dts, st->time_base,
                                              (AVRational) { 1, 1000 });
        }

        if (kind == 0 && (l->first_pts_video == INT64_MIN
                          || av_rescale_q(pkt->pts, st->time_base,
                                          (AVRational) { 1, 1000 })
                             < l->first_pts_video))
        {
            l->first_pts_video = av_rescale_q(pkt->pts, st->time_base,
                                              (AVRational) { 1, 1000 });
        }

        av_packet_unref(pkt);
    }

    av_packet_free(&pkt);
    avformat_close_input(&fmt);

    return 0;
}


/* Each stco box's entry count (chunks of a track), into counts. */
static int
chunk_counts(const char *clip, unsigned long *counts, int room)
{
    int                   n;
    long                  size, moov_at, moov_size;
    char                  order[256];
    unsigned char        *data;
    const unsigned char  *p, *end;

    data = media_slurp(clip, &size);
    if (data == NULL) {
        return -1;
    }

    boxes(data, size, order, sizeof(order), &moov_at, &moov_size);
    n = 0;

    if (moov_at >= 0) {
        p = data + moov_at;
        end = data + moov_at + moov_size;

        while (n < room && (p = memmem(p, (size_t) (end - p), "stco", 4))
                           != NULL && end - p >= 12)
        {
            counts[n++] = be32(p + 8);
            p += 4;
        }
    }

    free(data);

    return n;
}


static int
cmp_i64(const void *a, const void *b)
{
    int64_t  x, y;

    x = *(const int64_t *) a;
    y = *(const int64_t *) b;

    return (x > y) - (x < y);
}


/*
 * 1 when every sample of the clip is shown at the time its packet had in
 * the input, counted from the first video frame shown: no track shifted
 * against another, no gap closed up.  A clip cut short holds the first
 * samples of each track.
 */
static int
same_times(const char *name, const char *clip)
{
    int               s, k, n[2], bad;
    int64_t           base, *got[2];
    AVPacket         *pkt;
    AVStream         *st;
    AVFormatContext  *fmt;

    fmt = NULL;

    if (avformat_open_input(&fmt, clip, NULL, NULL) < 0) {
        return 0;
    }

    got[0] = calloc(MAX_SENT, sizeof(int64_t));
    got[1] = calloc(MAX_SENT, sizeof(int64_t));
    pkt = av_packet_alloc();
    n[0] = n[1] = 0;

    while (got[0] && got[1] && pkt && av_read_frame(fmt, pkt) >= 0) {
        st = fmt->streams[pkt->stream_index];
        s = (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) ? 0 : 1;

        if (n[s] < MAX_SENT) {
            got[s][n[s]++] = av_rescale_q(pkt->pts, st->time_base,
                                          (AVRational) { 1, 1000000 });
        }

        av_packet_unref(pkt);
    }

    av_packet_free(&pkt);
    avformat_close_input(&fmt);

    base = INT64_MAX;

    for (k = 0; k < sent.n[0]; k++) {
        base = (sent.us[0][k] < base) ? sent.us[0][k] : base;
    }

    bad = (n[0] == 0 || n[0] > sent.n[0] || n[1] > sent.n[1]);

    for (s = 0; s < 2 && !bad; s++) {
        qsort(got[s], (size_t) n[s], sizeof(int64_t), cmp_i64);
        qsort(sent.us[s], (size_t) sent.n[s], sizeof(int64_t), cmp_i64);

        for (k = 0; k < n[s]; k++) {
            if (llabs(got[s][k] - (sent.us[s][k] - base)) > 1000) {
                diag("%s: stream %d sample %d at %lld us, sent at %lld us",
                     name, s, k, (long long) got[s][k],
                     (long long) (sent.us[s][k] - base));
                bad = 1;
                break;
            }
        }
    }

    free(got[0]);
    free(got[1]);

    return !bad;
}


/* A clip that must be whole: probe, decode, layout, no leftovers. */
static void
check_clip(const char *name, const char *clip, const char *vcodec,
    const char *acodec, long long reported_ms, int want_ms, int audio_ms,
    int gops, int frames, int faststart, int times)
{
    int            i, n;
    long           size, moov_at, moov_size;
    char           err[256], path[512], order[256];
    layout_t       l;
    bb_probe_t     probe;
    unsigned char *data;
    unsigned long  counts[4];

    if (!ok(bb_probe_clip(clip, &probe, err, sizeof(err)) == 0,
            "%s: bb_probe takes the clip", name))
    {
        diag("reason: %s", err);
        return;
    }

    is_str(probe.video_codec, vcodec, "video codec");
    is_str(probe.audio_codec, acodec, "audio codec");
    ok(probe.width == 320 && probe.height == 240, "%s: 320x240", name);

    if (!ok(probe.duration_ms >= want_ms - SLACK_MS
            && probe.duration_ms <= want_ms + SLACK_MS,
            "%s: duration %lld ms is %d ms within %d", name,
            probe.duration_ms, want_ms, SLACK_MS))
    {
        diag("duration %lld", probe.duration_ms);
    }

    ok(llabs(reported_ms - probe.duration_ms) <= 50,
       "%s: reported duration %lld ms is the probe's", name, reported_ms);

    ok(decodes(clip), "%s: ffmpeg decodes it without error", name);

    if (times) {
        ok(same_times(name, clip), "%s: every sample at its input time",
           name);
    }

    snprintf(path, sizeof(path), "%s" BB_REMUX_JOURNAL_SUFFIX, clip);
    ok(!exists(path), "%s: no journal left", name);
    snprintf(path, sizeof(path), "%s" BB_REMUX_TEMP_SUFFIX, clip);
    ok(!exists(path), "%s: no temporary file left", name);

    data = media_slurp(clip, &size);
    if (data != NULL) {
        boxes(data, size, order, sizeof(order), &moov_at, &moov_size);
        ok(strncmp(order, "ftyp ", 5) == 0 && strstr(order, "moov") != NULL
           && strstr(order, "mdat") != NULL,
           "%s: top-level boxes \"%s\"", name, order);
        ok(faststart ? (moov_at >= 0 && moov_at < 64)
                     : (moov_at >= 0 && moov_at + moov_size == size),
           "%s: moov %s", name, faststart ? "first" : "last");
        ok(strstr(order, "moof") == NULL && strstr(order, "sidx") == NULL
           && strstr(order, "mdat mdat") == NULL,
           "%s: no fragments, one mdat", name);
        free(data);
    }

    if (read_layout(clip, &l) != 0) {
        ok(0, "%s: read the layout", name);
        return;
    }

    is_int(l.frames[0], frames, "video frames all there");
    is_int(l.keys, gops, "one keyframe per GOP");

    if (acodec[0] != '\0') {
        /* V1 A1 V2 A2 ...: each GOP's video one run, its audio the next. */
        is_int(l.runs[0], gops, "video: one run of bytes per GOP");
        is_int(l.runs_start_key, gops,
               "each video run starts on its keyframe");
        is_int(l.runs[1], gops, "audio: one run of bytes per GOP");

        /* The TS sends audio a little after the video of its time. */
        ok(l.frames[1] >= (audio_ms - 400) * 48 / 1024
           && l.frames[1] <= (audio_ms + 100) * 48 / 1024,
           "%s: %d audio frames", name, l.frames[1]);
        ok(l.first_dts[1] >= -100 && l.first_dts[1] <= 100,
           "%s: audio starts near 0 (%lld ms)", name,
           (long long) l.first_dts[1]);

    } else {
        /* Video alone: the GOPs follow one another, one run. */
        is_int(l.runs[0], 1, "video alone: one run of bytes");
    }

    /* B-frames: decoding starts before 0, showing at 0 (no empty edit). */
    ok(l.first_pts_video == 0 && l.first_dts[0] <= 0
       && l.first_dts[0] >= -200,
       "%s: video shown from 0 ms, decoded from %lld ms", name,
       (long long) l.first_dts[0]);

    n = chunk_counts(clip, counts, 4);
    ok(n == (acodec[0] != '\0' ? 2 : 1), "%s: %d stco boxes", name, n);

    /* The muxer merges a run into one chunk (of at most 1 MiB). */
    for (i = 0; i < n; i++) {
        ok(counts[i] == (acodec[0] != '\0' ? (unsigned long) gops : 1),
           "%s: track %d in %lu chunks", name, i, counts[i]);
    }
}


static void
test_clips(int x265)
{
    int        rc;
    char       ts[256], clip[256], err[256];
    long long  ms;

    in_dir(ts, sizeof(ts), "h264-aac.ts");

    rc = feed(ts, in_dir(clip, sizeof(clip), "a.mp4"), 0,
              BB_REMUX_FASTSTART, 0, 0, &ms, err, sizeof(err));
    if (is_int(rc, 0, "H.264 + AAC, faststart: finished") || (diag("%s", err),
                                                              0))
    {
        check_clip("H.264 + AAC", clip, "h264", "aac", ms, SECONDS * 1000,
                   SECONDS * 1000, GOPS, FRAMES, 1, 1);
    }

    rc = feed(in_dir(ts, sizeof(ts), "h264.ts"),
              in_dir(clip, sizeof(clip), "b.mp4"), 0, 0, 0, 0, &ms, err,
              sizeof(err));
    if (is_int(rc, 0, "H.264 only, moov last: finished") || (diag("%s", err),
                                                             0))
    {
        check_clip("H.264 only", clip, "h264", "", ms, SECONDS * 1000,
                   SECONDS * 1000, GOPS, FRAMES, 0, 1);
    }

    rc = feed(in_dir(ts, sizeof(ts), "h264-aac.ts"),
              in_dir(clip, sizeof(clip), "c.mp4"), FEED_NO_PARAMS,
              BB_REMUX_FASTSTART, 0, 0, &ms, err, sizeof(err));
    if (is_int(rc, 0, "no SPS/PPS in the stream's parameters: finished")
        || (diag("%s", err), 0))
    {
        check_clip("SPS/PPS from the keyframe", clip, "h264", "aac", ms,
                   SECONDS * 1000, SECONDS * 1000, GOPS, FRAMES, 1, 1);
    }

    rc = feed(in_dir(ts, sizeof(ts), "wrap.ts"),
              in_dir(clip, sizeof(clip), "d.mp4"), FEED_CLOCK,
              BB_REMUX_FASTSTART, 0, 0, &ms, err, sizeof(err));
    if (is_int(rc, 0, "TS across the 33-bit wrap, via the clip clock")
        || (diag("%s", err), 0))
    {
        check_clip("wrap, clip clock", clip, "h264", "aac", ms,
                   SECONDS * 1000, SECONDS * 1000, GOPS, FRAMES, 1, 1);
    }

    rc = feed(in_dir(ts, sizeof(ts), "wrap.ts"),
              in_dir(clip, sizeof(clip), "e.mp4"), 0,
              BB_REMUX_FASTSTART, 0, 0, &ms, err, sizeof(err));
    if (is_int(rc, 0, "TS across the 33-bit wrap, as libav gives it")
        || (diag("%s", err), 0))
    {
        check_clip("wrap, libav's timestamps", clip, "h264", "aac", ms,
                   SECONDS * 1000, SECONDS * 1000, GOPS, FRAMES, 1, 1);
    }

    rc = feed(in_dir(ts, sizeof(ts), "h264-aac.ts"),
              in_dir(clip, sizeof(clip), "g.mp4"), FEED_AUDIO_GAP, 0, 0, 0,
              &ms, err, sizeof(err));
    if (is_int(rc, 0, "audio gap across a GOP's edge: finished")
        || (diag("%s", err), 0))
    {
        check_clip("audio gap", clip, "h264", "aac", ms, SECONDS * 1000,
                   SECONDS * 1000 - 1000, GOPS, FRAMES, 0, 1);
    }

    if (!x265) {
        ok(1, "H.265 # SKIP ffmpeg has no libx265");
        return;
    }

    rc = feed(in_dir(ts, sizeof(ts), "h265-aac.ts"),
              in_dir(clip, sizeof(clip), "f.mp4"), 0, BB_REMUX_FASTSTART, 0,
              0, &ms, err, sizeof(err));
    if (is_int(rc, 0, "H.265 + AAC: finished") || (diag("%s", err), 0)) {
        check_clip("H.265 + AAC", clip, "hevc", "aac", ms, SECONDS * 1000,
                   SECONDS * 1000, GOPS, FRAMES, 1, 1);
    }
}


/* The decoded video frames' MD5s of a file, one line each, malloc'd. */
static char *
video_md5s(const char *path, int *lines)
{
    int     n;
    char    cmd[512], line[512], *all, *p;
    FILE   *f;
    size_t  len, size;

    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -i %s -map 0:v "
             "-f framemd5 - 2>/dev/null", path);

    f = popen(cmd, "r");
    if (f == NULL) {
        return NULL;
    }

    size = 65536;
    all = malloc(size);
    len = 0;
    n = 0;

    while (all != NULL && fgets(line, sizeof(line), f) != NULL) {
        /* "0, 0, 0, 1, 115200, 5f1f..." : keep the hash only. */
        p = strrchr(line, ',');

        if (line[0] == '#' || p == NULL || len + strlen(p) + 1 > size) {
            continue;
        }

        memcpy(all + len, p + 2, strlen(p + 2));
        len += strlen(p + 2);
        n++;
    }

    pclose(f);

    if (all != NULL) {
        all[len] = '\0';
    }

    *lines = n;

    return all;
}


/* Audio packets in a clip, and those shown (not cut by an edit list). */
static void
audio_packets(const char *clip, int *all, int *shown, int64_t *first_us,
    int64_t *end_us)
{
    AVPacket         *pkt;
    AVStream         *st;
    AVFormatContext  *fmt;

    *all = *shown = 0;
    *first_us = INT64_MAX;
    *end_us = INT64_MIN;
    fmt = NULL;

    if (avformat_open_input(&fmt, clip, NULL, NULL) < 0) {
        return;
    }

    pkt = av_packet_alloc();

    while (pkt != NULL && av_read_frame(fmt, pkt) >= 0) {
        st = fmt->streams[pkt->stream_index];

        if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
            (*all)++;

            if (!(pkt->flags & AV_PKT_FLAG_DISCARD) && pkt->pts >= 0) {
                (*shown)++;
            }

            *first_us = FFMIN(*first_us,
                              av_rescale_q(pkt->pts, st->time_base,
                                           (AVRational) { 1, 1000000 }));
            *end_us = FFMAX(*end_us,
                            av_rescale_q(pkt->pts + pkt->duration,
                                         st->time_base,
                                         (AVRational) { 1, 1000000 }));
        }

        av_packet_unref(pkt);
    }

    av_packet_free(&pkt);
    avformat_close_input(&fmt);
}


/*
 * One TS through the clip clock into two clips, as the ingest does it: a
 * minute boundary 3 s in cuts at the keyframe shown at 4 s, and the
 * caller keeps clip A open while the clock answers PREV (audio of A's
 * last moments, sent after B's keyframe).  Together the clips hold every
 * video frame, decoded identically, and every audio frame, all heard.
 */
static void
test_two_clips(void)
{
    int                  rc, c, video, audio, map[16], n_a, n_b, sh_a, sh_b;
    int                  lines_ts, lines_a, lines_b, sent_audio, prev;
    char                 ts[256], clip[2][256], err[256];
    char                *md5_ts, *md5_a, *md5_b, *joined;
    int64_t              start_ms, rec[2], first_a, end_a, first_b, end_b;
    unsigned             n;
    AVPacket            *pkt;
    AVStream            *streams[2];
    long long            ms[2];
    bb_probe_t           probe[2];
    bb_remux_t          *rx[2];
    AVFormatContext     *in;
    bb_clipclock_t       cc;
    bb_clipclock_time_t  t;
    bb_clipclock_e       cut;

    in_dir(ts, sizeof(ts), "h264-aac.ts");
    in_dir(clip[0], sizeof(clip[0]), "two-a.mp4");
    in_dir(clip[1], sizeof(clip[1]), "two-b.mp4");

    in = NULL;
    if (avformat_open_input(&in, ts, NULL, NULL) < 0
        || avformat_find_stream_info(in, NULL) < 0 || in->nb_streams > 16)
    {
        ok(0, "two clips: open the TS");
        avformat_close_input(&in);
        return;
    }

    video = av_find_best_stream(in, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    audio = av_find_best_stream(in, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    memset(map, -1, sizeof(map));
    map[video] = 0;
    map[audio] = 1;
    streams[0] = in->streams[video];
    streams[1] = in->streams[audio];
    n = 2;

    /* 12:01:57: the minute boundary falls 3 s into the stream. */
    start_ms = 1795608117000LL;
    bb_clipclock_init(&cc, start_ms);

    rx[0] = rx[1] = NULL;
    rec[0] = rec[1] = -1;
    ms[0] = ms[1] = -1;
    c = -1;
    sent_audio = 0;
    prev = 0;
    rc = 0;
    pkt = av_packet_alloc();

    while (pkt != NULL && rc >= 0 && av_read_frame(in, pkt) >= 0) {
        if (map[pkt->stream_index] < 0) {
            av_packet_unref(pkt);
            continue;
        }

        cut = bb_clipclock_packet(&cc, pkt->pts, pkt->dts,
                                  (pkt->flags & AV_PKT_FLAG_KEY) != 0,
                                  pkt->stream_index == video, &t);

        pkt->dts = t.dts;
        pkt->pts = t.pts;

        if (cut == BB_CLIPCLOCK_CUT && c < 1) {
            c++;
            rx[c] = bb_remux_open(clip[c], streams, n, BB_REMUX_FASTSTART,
                                  err, sizeof(err));
            rec[c] = bb_clipclock_recorded_at(&cc);

            if (rx[c] == NULL) {
                break;
            }
        }

        /* Audio has passed the cut: the clip before is whole. */
        if (cut == BB_CLIPCLOCK_KEEP && pkt->stream_index == audio
            && c == 1 && rx[0] != NULL)
        {
            rc = bb_remux_finish(rx[0], &ms[0], err, sizeof(err));
            rx[0] = NULL;
        }

        if (cut == BB_CLIPCLOCK_PREV && rx[0] != NULL && c == 1) {
            rc = bb_remux_write(rx[0], 1, pkt, err, sizeof(err));
            sent_audio += (rc == 0);
            prev++;

        } else if (cut != BB_CLIPCLOCK_DROP && c >= 0) {
            rc = bb_remux_write(rx[c], (unsigned) map[pkt->stream_index],
                                pkt, err, sizeof(err));
            sent_audio += (rc == 0 && pkt->stream_index == audio);
        }

        av_packet_unref(pkt);
    }

    av_packet_free(&pkt);
    avformat_close_input(&in);

    if (rx[0] != NULL) {
        rc = bb_remux_finish(rx[0], &ms[0], err, sizeof(err));
    }

    if (!ok(c == 1 && rx[1] != NULL && rc >= 0, "two clips: cut once")) {
        diag("%d clips, %s", c + 1, err);
        bb_remux_close(rx[1]);
        return;
    }

    rc = bb_remux_finish(rx[1], &ms[1], err, sizeof(err));
    is_int(rc, 0, "two clips: second finished");

    /* ffmpeg's TS muxer sends AAC frames in batches: up to ~0.5 s. */
    ok(prev >= 1 && prev <= 25,
       "two clips: %d audio packets went back to the first", prev);

    if (!ok(bb_probe_clip(clip[0], &probe[0], err, sizeof(err)) == 0
            && bb_probe_clip(clip[1], &probe[1], err, sizeof(err)) == 0,
            "two clips: both are clips"))
    {
        diag("%s", err);
        return;
    }

    ok(llabs(probe[0].duration_ms - 4000) <= 30
       && llabs(probe[1].duration_ms - 4000) <= 30,
       "two clips: 4 s each (%lld, %lld ms)", probe[0].duration_ms,
       probe[1].duration_ms);
    ok(rec[1] - rec[0] == 4000,
       "two clips: B recorded 4000 ms after A (%lld)",
       (long long) (rec[1] - rec[0]));
    ok(rec[1] >= start_ms + 3000 && rec[1] < start_ms + 5000,
       "two clips: cut in the GOP after the minute (%lld ms in)",
       (long long) (rec[1] - start_ms));

    audio_packets(clip[0], &n_a, &sh_a, &first_a, &end_a);
    audio_packets(clip[1], &n_b, &sh_b, &first_b, &end_b);

    is_int(n_a + n_b, sent_audio, "two clips: every audio packet in a clip");
    is_int(sh_a + sh_b, n_a + n_b,
           "two clips: every audio packet heard (none cut by an edit list)");
    ok(first_b >= 0 && first_b < 22000,
       "two clips: B's audio starts within a frame of 0 (%lld us)",
       (long long) first_b);
    ok(llabs(end_a - 4000000) <= 22000,
       "two clips: A's audio ends within a frame of its end (%lld us)",
       (long long) end_a);

    md5_ts = video_md5s(ts, &lines_ts);
    md5_a = video_md5s(clip[0], &lines_a);
    md5_b = video_md5s(clip[1], &lines_b);
    joined = NULL;

    if (md5_ts != NULL && md5_a != NULL && md5_b != NULL) {
        joined = malloc(strlen(md5_a) + strlen(md5_b) + 1);
    }

    if (joined != NULL) {
        strcpy(joined, md5_a);
        strcat(joined, md5_b);

        is_int(lines_a + lines_b, lines_ts, "two clips: frames of A + B");
        ok(lines_ts == FRAMES && strcmp(joined, md5_ts) == 0,
           "two clips: decoded frames of A then B are the TS's (framemd5)");

    } else {
        ok(0, "two clips: framemd5");
    }

    free(md5_ts);
    free(md5_a);
    free(md5_b);
    free(joined);
}


/* A child killed with SIGKILL 5.5 s in: its first two GOPs are kept. */
static void
test_kill(void)
{
    int        status;
    char       ts[256], clip[256], journal[300], err[256];
    pid_t      pid;
    long long  ms;

    in_dir(ts, sizeof(ts), "h264-aac.ts");
    in_dir(clip, sizeof(clip), "killed.mp4");
    snprintf(journal, sizeof(journal), "%s" BB_REMUX_JOURNAL_SUFFIX, clip);

    fflush(stdout);
    pid = fork();

    if (pid == 0) {
        feed(ts, clip, 0, 0, 5.5, 1, &ms, err, sizeof(err));
        _exit(1);
    }

    if (!ok(pid > 0 && waitpid(pid, &status, 0) == pid
            && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
            "child killed by SIGKILL mid-clip"))
    {
        return;
    }

    ok(exists(journal) && !exists(clip), "journal left, no clip");

    is_int(bb_remux_recover(journal, BB_REMUX_FASTSTART, &ms, err,
                            sizeof(err)), 0, "journal recovered");

    /* GOPs 0-2 s and 2-4 s were complete; 4-5.5 s was in memory. */
    check_clip("after SIGKILL", clip, "h264", "aac", ms, 4000, 4000, 2, 100, 1,
               0);
}


/*
 * A journal of three complete GOPs (the fourth still in memory), cut at
 * many bytes: each cut recovers to exactly its complete fragments.
 */
static void
test_truncated(void)
{
    int             i, frags, rc, bad_rc, bad_len, bad_left;
    long            size, cut, moov_at, moov_size;
    char            ts[256], clip[256], journal[300], err[256], order[256];
    pid_t           pid;
    long long       ms;
    bb_probe_t      probe;
    unsigned char  *data;
    int             status;

    in_dir(ts, sizeof(ts), "h264-aac.ts");
    in_dir(clip, sizeof(clip), "cut.mp4");
    snprintf(journal, sizeof(journal), "%s" BB_REMUX_JOURNAL_SUFFIX, clip);

    fflush(stdout);
    pid = fork();

    if (pid == 0) {
        feed(ts, clip, 0, 0, 0, 1, &ms, err, sizeof(err));
        _exit(1);
    }

    waitpid(pid, &status, 0);

    data = media_slurp(journal, &size);
    if (!ok(data != NULL, "journal of a killed child read")) {
        return;
    }

    frags = boxes(data, size, order, sizeof(order), &moov_at, &moov_size);
    is_int(frags, 3, "three complete fragments before the last GOP");
    is_str(order, "ftyp moov moof mdat moof mdat moof mdat",
           "ftyp moov then moof/mdat pairs");

    bad_rc = 0;
    bad_len = 0;
    bad_left = 0;

    for (i = 0; i <= 64; i++) {
        /* Every 64th of the file, and the bytes around each box edge. */
        cut = (i < 48) ? size * i / 47
              : (i < 56) ? moov_at + moov_size + (i - 52)
              : size - (i - 56);

        if (cut < 0 || cut > size) {
            continue;
        }

        unlink(clip);

        if (spit(journal, data, cut) != 0) {
            bad_rc++;
            continue;
        }

        frags = boxes(data, cut, order, sizeof(order), &moov_at,
                      &moov_size);

        rc = bb_remux_recover(journal, 0, &ms, err, sizeof(err));

        if (exists(journal)) {
            bad_left++;
        }

        if (moov_at < 0 || frags == 0) {
            if (rc != 1 || exists(clip)) {
                diag("cut at %ld: rc %d (%s), want 1", cut, rc, err);
                bad_rc++;
            }

            continue;
        }

        if (rc != 0 || bb_probe_clip(clip, &probe, err, sizeof(err)) != 0) {
            diag("cut at %ld: rc %d, %s", cut, rc, err);
            bad_rc++;
            continue;
        }

        if (llabs(probe.duration_ms - frags * 2000) > SLACK_MS
            || llabs(ms - probe.duration_ms) > 50)
        {
            diag("cut at %ld: %d fragments, %lld ms (reported %lld)", cut,
                 frags, probe.duration_ms, ms);
            bad_len++;
        }
    }

    is_int(bad_rc, 0, "every cut: clip of its fragments, or none");
    is_int(bad_len, 0, "every cut: 2 s per complete fragment");
    is_int(bad_left, 0, "every cut: journal gone");

    free(data);
    unlink(clip);
}


/* A full disk: a child whose files may not pass a third of the input. */
static void
test_full(void)
{
    int            status, rc;
    char           ts[256], clip[256], journal[300], err[256];
    pid_t          pid;
    long long      ms;
    struct stat    st;
    struct rlimit  rl;

    in_dir(ts, sizeof(ts), "h264-aac.ts");

    if (!ok(stat(ts, &st) == 0, "size of the input")) {
        return;
    }

    in_dir(clip, sizeof(clip), "full.mp4");
    snprintf(journal, sizeof(journal), "%s" BB_REMUX_JOURNAL_SUFFIX, clip);

    fflush(stdout);
    pid = fork();

    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        rl.rlim_cur = rl.rlim_max = (rlim_t) st.st_size / 3;
        setrlimit(RLIMIT_FSIZE, &rl);

        rc = feed(ts, clip, 0, 0, 0, 0, &ms, err, sizeof(err));
        printf("# child: rc %d: %s\n", rc, err);
        fflush(stdout);

        /* exit, not _exit: under ASan, leaks on this path fail it. */
        exit(rc == -1 && strstr(err, "File too large") != NULL ? 0 : 1);
    }

    ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)
       && WEXITSTATUS(status) == 0,
       "storage error: -1 with the system's reason");
    ok(!exists(clip), "storage error: no clip");

    /* What reached the disk before it filled is a clip of whole GOPs. */
    rc = bb_remux_recover(journal, 0, &ms, err, sizeof(err));
    ok((rc == 0 && ms > 0 && ms % 2000 <= 100 && exists(clip))
       || (rc == 1 && !exists(clip)),
       "storage error: journal recovers to whole GOPs (%d, %lld ms)", rc,
       ms);
    ok(!exists(journal), "storage error: journal gone after recovery");

    unlink(clip);
}


/* What the remux refuses, and what it skips. */
static void
test_refused(void)
{
    int               rc;
    char              clip[256], journal[300], err[256];
    uint8_t           data[16];
    AVPacket         *pkt;
    AVStream         *st[3];
    long long         ms;
    bb_remux_t       *rx;
    AVFormatContext  *fmt;

    fmt = avformat_alloc_context();
    st[0] = avformat_new_stream(fmt, NULL);
    st[1] = avformat_new_stream(fmt, NULL);
    st[2] = avformat_new_stream(fmt, NULL);

    st[0]->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    st[0]->codecpar->codec_id = AV_CODEC_ID_H264;
    st[0]->codecpar->width = 320;
    st[0]->codecpar->height = 240;
    st[0]->time_base = (AVRational) { 1, 90000 };
    st[1]->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
    st[1]->codecpar->codec_id = AV_CODEC_ID_AAC;
    st[1]->time_base = (AVRational) { 1, 90000 };

    /* AAC whose format the demuxer has not seen yet cannot be described */
    ok(!bb_remux_supported(st[1]->codecpar),
       "AAC of unknown rate and channels not supported");
    st[1]->codecpar->sample_rate = 48000;
    av_channel_layout_default(&st[1]->codecpar->ch_layout, 1);

    st[2]->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
    st[2]->codecpar->codec_id = AV_CODEC_ID_MP3;
    st[2]->time_base = (AVRational) { 1, 90000 };

    in_dir(clip, sizeof(clip), "refused.mp4");
    snprintf(journal, sizeof(journal), "%s" BB_REMUX_JOURNAL_SUFFIX, clip);

    ok(bb_remux_supported(st[0]->codecpar)
       && bb_remux_supported(st[1]->codecpar)
       && !bb_remux_supported(st[2]->codecpar),
       "H.264 and AAC supported, MP3 not");

    rx = bb_remux_open(clip, st, 3, 0, err, sizeof(err));
    ok(rx == NULL && strstr(err, "mp3") != NULL, "MP3 refused: %s", err);
    bb_remux_close(rx);

    rx = bb_remux_open(clip, st + 1, 1, 0, err, sizeof(err));
    ok(rx == NULL && strcmp(err, "no video stream") == 0,
       "audio only refused: %s", err);

    rx = bb_remux_open(clip, st, 0, 0, err, sizeof(err));
    ok(rx == NULL, "no streams refused: %s", err);

    st[1]->time_base = (AVRational) { 0, 0 };
    rx = bb_remux_open(clip, st, 2, 0, err, sizeof(err));
    ok(rx == NULL && strstr(err, "time base") != NULL,
       "stream without a time base refused: %s", err);
    st[1]->time_base = (AVRational) { 1, 90000 };

    rx = bb_remux_open("/nonexistent/bb/clip.mp4", st, 2, 0, err,
                       sizeof(err));
    ok(rx == NULL && strstr(err, "cannot create") != NULL,
       "missing folder refused: %s", err);

    ok(!exists(journal), "nothing made by a refusal");

    rx = bb_remux_open(clip, st, 2, 0, err, sizeof(err));
    if (!ok(rx != NULL, "H.264 + AAC opened")) {
        diag("%s", err);
        avformat_free_context(fmt);
        return;
    }

    ok(exists(journal), "journal created at open");

    pkt = av_packet_alloc();
    memset(data, 0, sizeof(data));
    pkt->data = data;
    pkt->size = sizeof(data);
    pkt->dts = pkt->pts = 1000;

    rc = bb_remux_write(rx, 1, pkt, err, sizeof(err));
    ok(rc == 1 && strcmp(err, "before the first keyframe") == 0,
       "audio before the first keyframe skipped: %s", err);

    rc = bb_remux_write(rx, 0, pkt, err, sizeof(err));
    ok(rc == 1, "video that is no keyframe skipped: %s", err);

    rc = bb_remux_write(rx, 5, pkt, err, sizeof(err));
    ok(rc == 1, "stream out of range skipped: %s", err);

    pkt->size = 0;
    rc = bb_remux_write(rx, 0, pkt, err, sizeof(err));
    ok(rc == 1, "empty packet skipped: %s", err);
    pkt->size = sizeof(data);

    pkt->dts = pkt->pts = AV_NOPTS_VALUE;
    pkt->flags = AV_PKT_FLAG_KEY;
    rc = bb_remux_write(rx, 0, pkt, err, sizeof(err));
    ok(rc == 1, "no timestamp skipped: %s", err);

    pkt->dts = 2000;
    pkt->pts = 1000;
    rc = bb_remux_write(rx, 0, pkt, err, sizeof(err));
    ok(rc == 1, "pts before dts skipped: %s", err);

    pkt->dts = pkt->pts = 3000;
    rc = bb_remux_write(rx, 0, pkt, err, sizeof(err));
    is_int(rc, 0, "keyframe taken");

    pkt->flags = 0;
    rc = bb_remux_write(rx, 0, pkt, err, sizeof(err));
    ok(rc == 1, "same DTS again skipped: %s", err);

    pkt->dts = pkt->pts = 2999;
    rc = bb_remux_write(rx, 0, pkt, err, sizeof(err));
    ok(rc == 1, "DTS going back skipped: %s", err);

    bb_remux_close(rx);
    ok(exists(journal), "close keeps the journal");

    /* A clip that never saw a keyframe is no clip. */
    rx = bb_remux_open(clip, st, 2, 0, err, sizeof(err));
    pkt->dts = pkt->pts = 1000;
    (void) bb_remux_write(rx, 0, pkt, err, sizeof(err));
    rc = bb_remux_finish(rx, &ms, err, sizeof(err));
    ok(rc == 1 && !exists(journal) && !exists(clip),
       "no keyframe: no clip, no journal: %s", err);

    av_packet_free(&pkt);
    avformat_free_context(fmt);
}


static void
test_recover_odd(void)
{
    char       path[256], err[256];
    long long  ms;

    in_dir(path, sizeof(path), "odd.mp4");
    ok(spit(path, (const unsigned char *) "", 0) == 0, "write odd.mp4");
    is_int(bb_remux_recover(path, 0, &ms, err, sizeof(err)), -1,
           "recover refuses a name without .part");
    ok(exists(path), "and leaves the file alone");
    unlink(path);

    in_dir(path, sizeof(path), "empty.mp4.part");
    ok(spit(path, (const unsigned char *) "", 0) == 0, "write empty journal");
    is_int(bb_remux_recover(path, 0, &ms, err, sizeof(err)), 1,
           "empty journal: nothing to recover");
    ok(!exists(path), "empty journal deleted");

    in_dir(path, sizeof(path), "junk.mp4.part");
    ok(spit(path, (const unsigned char *) "\x00\x00\x00\x10" "ftypisom"
            "\x00\x00\x00\x00" "garbage", 23) == 0, "write junk journal");
    is_int(bb_remux_recover(path, 0, &ms, err, sizeof(err)), 1,
           "journal of junk: nothing to recover");
    ok(!exists(path), "junk journal deleted");

    in_dir(path, sizeof(path), "none.mp4.part");
    is_int(bb_remux_recover(path, 0, &ms, err, sizeof(err)), -1,
           "missing journal: error");
}


int
main(void)
{
    int   x265;
    char  cmd[512];

    if (system("ffmpeg -version >/dev/null 2>&1") != 0) {
        printf("1..0 # SKIP ffmpeg not found\n");
        return 0;
    }

    if (media_dir_make("remux") != 0) {
        return done_testing();
    }

    /* Clips are judged here, not by what libav says on the way. */
    av_log_set_level(AV_LOG_QUIET);

    x265 = tap_has_encoder("libx265");

    if (ok(tap_ffmpeg(dir, "h264-aac.ts", VIDEO AUDIO H264 AAC TS) == 0
           && tap_ffmpeg(dir, "h264.ts", VIDEO H264 TS) == 0
           && tap_ffmpeg(dir, "wrap.ts", VIDEO AUDIO H264 AAC WRAP_OFFSET TS) == 0
           && (!x265 || tap_ffmpeg(dir, "h265-aac.ts", VIDEO AUDIO H265 AAC TS)
                        == 0),
           "make the TS inputs with ffmpeg"))
    {
        test_clips(x265);
        test_two_clips();
        test_kill();
        test_truncated();
        test_full();
    }

    test_refused();
    test_recover_odd();

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ok(system(cmd) == 0, "remove %s", dir);

    return done_testing();
}
