/*
 * The fixtures the playlist builders' unit tests (test_bb_hls.c,
 * test_bb_dash.c) share, so that both test their output on the same clips:
 *
 *   - clip(): a 10 s clip at 90 kHz in three segments, 720p H.264 + AAC;
 *   - playlist_short_buffer() and playlist_short_ok(): the check that a
 *     write into a buffer one byte short measures the same and stops short;
 *   - playlist_ffprobe_segments() and playlist_ffprobe(): real fMP4
 *     segments made by ffmpeg, clips for a playlist to name them with, and
 *     ffprobe reading them through it;
 *   - playlist_big() and now_ms(): a day or a month of clips, and a clock
 *     to time building their playlist.
 */

#ifndef BB_PLAYLIST_FIXTURE_H
#define BB_PLAYLIST_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bb_playlist.h"
#include "tap.h"

#define T0        1795608000000LL     /* 2026-11-25T12:00:00Z */
#define CANARY    0x5c

/* A 10 s clip at 90 kHz, in three segments: 4.000, 3.967, 2.033 s. */
static const uint32_t  durs[] = { 360000, 357000, 183000 };


static inline bb_playlist_clip_t
clip(const char *id, long long at)
{
    bb_playlist_clip_t  c;

    memset(&c, 0, sizeof(c));

    c.id = id;
    c.recorded_at = at;
    c.timescale = 90000;
    c.video_codec = "avc1.64001f";
    c.audio_codec = "mp4a.40.2";
    c.width = 1280;
    c.height = 720;
    c.sample_rate = 48000;
    c.params = 1;
    c.durations = durs;
    c.nsegments = 3;

    return c;
}


/*
 * A buffer of len + 1 bytes of CANARY, for a build to be given len - 1 of
 * them; NULL when out of memory.
 */
static inline char *
playlist_short_buffer(size_t len)
{
    char  *buf;

    buf = malloc(len + 1);
    if (buf != NULL) {
        memset(buf, CANARY, len + 1);
    }

    return buf;
}


/*
 * 0 when a build into buf (from playlist_short_buffer(len)) returned got
 * == len and did not write its last byte, which it was not given; else -1,
 * said in a diag line.  Frees buf; a NULL buf is -1, unsaid.
 */
static inline int
playlist_short_ok(char *buf, size_t got, size_t len)
{
    int  rc;

    if (buf == NULL) {
        return -1;
    }

    rc = 0;

    if (got != len || (unsigned char) buf[len - 1] != CANARY) {
        diag("short buffer: length %zu, want %zu", got, len);
        rc = -1;
    }

    free(buf);

    return rc;
}


/*
 * Makes in the new folder dir (a mkdtemp template) the fMP4 segments of
 * 6 s of 10 fps 64x48 H.264 in 2 s segments, src.mp4 and src0-2.m4s (60
 * frames in all), and the empty folders init and seg; fills c[0..2] with
 * three clips c1, c2, c3 of them, 6 s apart and without audio, for the
 * caller to copy the segments as (180 frames).  0 when made; else -1, a
 * skip when there is no ffprobe, a failed check when ffmpeg failed.
 */
static inline int
playlist_ffprobe_segments(char *dir, bb_playlist_clip_t *c)
{
    int                     i;
    char                    cmd[1024];
    static const char      *ids[] = { "c1", "c2", "c3" };
    static const uint32_t   two[3] = { 180000, 180000, 180000 };

    if (system("command -v ffprobe >/dev/null") != 0 || mkdtemp(dir) == NULL) {
        ok(1, "# SKIP no ffprobe");
        return -1;
    }

    snprintf(cmd, sizeof(cmd),
             "cd %s && ffmpeg -nostdin -loglevel error -y -f lavfi "
             "-i testsrc=size=64x48:rate=10 -t 6 -c:v libx264 -g 20 "
             "-pix_fmt yuv420p -f hls -hls_segment_type fmp4 -hls_time 2 "
             "-hls_playlist_type vod -hls_fmp4_init_filename src.mp4 "
             "-hls_segment_filename 'src%%d.m4s' src.m3u8 && mkdir init seg",
             dir);

    if (!ok(system(cmd) == 0, "ffmpeg made fMP4 segments")) {
        return -1;
    }

    for (i = 0; i < 3; i++) {
        c[i] = clip(ids[i], T0 + i * 6000);
        c[i].audio_codec = NULL;
        c[i].durations = two;
        c[i].width = 64;
        c[i].height = 48;
    }

    return 0;
}


/*
 * Writes text (which it frees) to dir/name, checks that ffprobe reads
 * through it the 180 packets of the segments playlist_ffprobe_segments()
 * made, and removes dir.  what names the playlist in the checks ("MPD").
 */
static inline void
playlist_ffprobe(const char *dir, const char *name, char *text,
    const char *what)
{
    char   cmd[1024], out[64], test[128];
    FILE  *f;

    snprintf(cmd, sizeof(cmd), "%s/%s", dir, name);
    f = fopen(cmd, "w");

    if (text == NULL || f == NULL || fputs(text, f) < 0) {
        ok(0, "write the %s", what);
        free(text);
        return;
    }

    fclose(f);
    free(text);

    snprintf(cmd, sizeof(cmd),
             "ffprobe -v error -count_packets -show_entries "
             "stream=nb_read_packets -of csv=p=0 %s/%s", dir, name);

    out[0] = '\0';
    f = popen(cmd, "r");

    if (f != NULL) {
        if (fgets(out, sizeof(out), f) == NULL) {
            out[0] = '\0';
        }

        pclose(f);
    }

    out[strcspn(out, "\n")] = '\0';
    snprintf(test, sizeof(test), "ffprobe reads every segment the %s names",
             what);
    is_str(out, "180", test);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0) {
        diag("could not remove %s", dir);
    }
}


static inline double
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


/*
 * n one-minute 1080p clips in fifteen 4 s segments from T0 on, the car
 * parked for 30 minutes after every hour of driving, with their ids in
 * *ids; both malloc'd, for the caller to free.  NULL, a failed check,
 * when out of memory.
 */
static inline bb_playlist_clip_t *
playlist_big(size_t n, const char *name, char **ids)
{
    size_t               i;
    long long            at;
    bb_playlist_clip_t  *c;
    static uint32_t      d[15], s[15];

    c = calloc(n, sizeof(bb_playlist_clip_t));
    *ids = malloc(n * 16);

    if (c == NULL || *ids == NULL) {
        ok(0, "%s: memory", name);
        free(c);
        free(*ids);
        return NULL;
    }

    for (i = 0; i < 15; i++) {
        d[i] = 360000;
        s[i] = 2800000 + (uint32_t) i * 1000;
    }

    at = T0;

    for (i = 0; i < n; i++) {
        snprintf(*ids + i * 16, 16, "%zu", 100000000 + i);
        c[i] = clip(*ids + i * 16, at);
        c[i].width = 1920;
        c[i].height = 1080;
        c[i].durations = d;
        c[i].sizes = s;
        c[i].nsegments = 15;
        at += 60000 + ((i % 60 == 59) ? 30 * 60000 : 0);
    }

    return c;
}


#endif /* BB_PLAYLIST_FIXTURE_H */
