/*
 * Unit tests of bb_thumbnail_write: the JPEG's size and shape, its
 * colours (ranges and matrices), and what a file that is no clip leaves
 * behind: an error, and nothing on disk.
 *
 * The clips are made at test time by ffmpeg from its lavfi sources, in a
 * fresh folder removed at the end; clips whose samples are spoiled are
 * cut from good ones here.  The thumbnails are read back with ffprobe and
 * ffmpeg.  Without ffmpeg the whole test is skipped; without libx265, the
 * H.265 case is.
 */

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "bb_thumbnail.h"
#include "media_fixture.h"
#include "tap.h"


/* 1 s of 25 fps: one keyframe (the first) unless -g says otherwise. */
#define COLOR(c, size)  "-f lavfi -i color=c=" c ":size=" size ":rate=25:d=1 "
#define AUDIO           "-f lavfi -i sine=frequency=440:duration=1 "
#define H264            "-c:v libx264 -pix_fmt yuv420p "
#define H265            "-c:v libx265 -x265-params log-level=error " \
                        "-pix_fmt yuv420p -tag:v hvc1 "
#define AAC             "-c:a aac "
#define FAST            "-movflags +faststart "

/* BT.709 samples, said so in the stream, as HD cameras write them. */
#define BT709           "-vf scale=out_color_matrix=bt709,format=yuv420p " \
                        "-colorspace bt709 "

/* A keyframe every frame, 20 s: more keyframes than the packet cap. */
#define ALL_KEYS        "-f lavfi -i testsrc=size=64x48:rate=25:d=20 " \
                        "-c:v libx264 -g 1 "

#define WIDTH           320

/* How far a channel of a flat colour may come back from what went in. */
#define SLACK           7

/* Reasons, as bb_thumbnail.c words them; a reason starts with one. */
#define CANNOT_OPEN     "cannot open: "
#define NO_VIDEO        "no video stream"
#define NO_KEYFRAME     "no keyframe decoded"
#define CANNOT_CREATE   "cannot create "

/* What the last refused clip was refused for. */
static char  reason[256];


/* width x height and codec of the picture in the file at path, by ffprobe. */
static int
probe_jpg(const char *path, char *codec, size_t room, int *width,
    int *height)
{
    int    n;
    char   cmd[1024], line[256], *comma;
    FILE  *f;

    snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 "
             "-show_entries stream=codec_name,width,height -of csv=p=0 "
             "'%s'", path);

    f = popen(cmd, "r");
    if (f == NULL) {
        return -1;
    }

    n = (fgets(line, sizeof(line), f) != NULL);
    pclose(f);

    comma = n ? strchr(line, ',') : NULL;

    if (comma == NULL || sscanf(comma, ",%d,%d", width, height) != 2) {
        return -1;
    }

    snprintf(codec, room, "%.*s", (int) (comma - line), line);

    return 0;
}


/* The mean colour of the picture at path: ffmpeg scales it to one pixel. */
static int
mean_rgb(const char *path, unsigned char rgb[3])
{
    int    n;
    char   cmd[1024];
    FILE  *f;

    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -i '%s' "
             "-vf scale=1:1 -f rawvideo -pix_fmt rgb24 -", path);

    f = popen(cmd, "r");
    if (f == NULL) {
        return -1;
    }

    n = (int) fread(rgb, 1, 3, f);

    return (pclose(f) == 0 && n == 3) ? 0 : -1;
}


static int
exists(const char *path)
{
    struct stat  st;

    return stat(path, &st) == 0;
}


/* How many files in dir are temporary files of the thumbnail name. */
static int
leftovers(const char *name)
{
    int             n;
    char            prefix[256];
    DIR            *d;
    struct dirent  *e;

    snprintf(prefix, sizeof(prefix), "%s" BB_THUMBNAIL_TEMP_SUFFIX, name);

    d = opendir(dir);
    if (d == NULL) {
        return -1;
    }

    n = 0;

    while ((e = readdir(d)) != NULL) {
        n += (strncmp(e->d_name, prefix, strlen(prefix)) == 0);
    }

    closedir(d);

    return n;
}


/*
 * Where the samples lie in the clip in memory: the whole mdat payload, or
 * (first) only the first sample, as libavformat reads it from the file.
 */
static int
samples_at(const char *path, const file_t *clip, int first, long *at,
    long *len)
{
    int               rc;
    long              box;
    AVPacket         *pkt;
    AVFormatContext  *fmt;

    if (first) {
        fmt = NULL;
        pkt = av_packet_alloc();

        rc = (pkt != NULL
              && avformat_open_input(&fmt, path, NULL, NULL) == 0
              && av_read_frame(fmt, pkt) == 0 && pkt->pos > 0)
             ? 0 : -1;

        *at = rc == 0 ? (long) pkt->pos : 0;
        *len = rc == 0 ? pkt->size : 0;

        av_packet_free(&pkt);
        avformat_close_input(&fmt);

        return rc;
    }

    for (*at = 0; clip->size - *at >= 8; *at += box) {
        box = (long) be32(clip->data + *at);

        if (box < 8 || box > clip->size - *at) {
            return -1;
        }

        if (memcmp(clip->data + *at + 4, "mdat", 4) == 0) {
            *at += 8;
            *len = box - 8;
            return 0;
        }
    }

    return -1;
}


/*
 * Copies the clip from to to with the bytes of its samples (first: of
 * its first sample only) set to 0xff: the moov still indexes every
 * sample, those spoiled do not decode.
 */
static int
spoil_samples(const char *from, const char *to, int first)
{
    int     rc;
    long    at, len;
    FILE   *f;
    char    path[512];
    file_t  clip;

    if (slurp(from, &clip) != 0) {
        return -1;
    }

    rc = samples_at(in_dir(path, sizeof(path), from), &clip, first, &at,
                    &len);

    if (rc == 0 && len <= clip.size - at) {
        memset(clip.data + at, 0xff, (size_t) len);
        f = fopen(in_dir(path, sizeof(path), to), "wb");

    } else {
        f = NULL;
    }

    if (f == NULL
        || fwrite(clip.data, 1, (size_t) clip.size, f) != (size_t) clip.size)
    {
        rc = -1;
    }

    if (f != NULL && fclose(f) != 0) {
        rc = -1;
    }

    free(clip.data);

    return rc;
}


/*
 * A clip that must give a JPEG of want_w x want_h; jpg is left in dir
 * for the caller's colour checks.  Returns 1 when it did.
 */
static int
check_thumb(const char *name, const char *clip, const char *jpg,
    int want_w, int want_h)
{
    int   rc, w, h;
    char  err[256], in[512], out[512], codec[32];

    strcpy(err, "untouched");

    rc = bb_thumbnail_write(in_dir(in, sizeof(in), clip),
                            in_dir(out, sizeof(out), jpg), WIDTH, err,
                            sizeof(err));

    if (!ok(rc == 0, "%s: written", name)) {
        diag("reason: %s", err);
        return 0;
    }

    if (!ok(probe_jpg(out, codec, sizeof(codec), &w, &h) == 0,
            "%s: ffprobe reads it", name))
    {
        return 0;
    }

    ok(strcmp(codec, "mjpeg") == 0, "%s: codec \"%s\" is mjpeg", name, codec);
    ok(w == want_w && h == want_h, "%s: %dx%d is %dx%d", name, w, h, want_w,
       want_h);
    ok(leftovers(jpg) == 0, "%s: no temporary file left", name);

    return 1;
}


/* The JPEG's mean colour is want, each channel within SLACK. */
static void
check_colour(const char *name, const char *jpg, int r, int g, int b)
{
    int            i, want[3];
    char           path[512];
    unsigned char  rgb[3];

    want[0] = r;
    want[1] = g;
    want[2] = b;

    if (!ok(mean_rgb(in_dir(path, sizeof(path), jpg), rgb) == 0,
            "%s: ffmpeg decodes it", name))
    {
        return;
    }

    for (i = 0; i < 3 && abs(rgb[i] - want[i]) <= SLACK; i++) {
        /* void */
    }

    ok(i == 3, "%s: colour %d,%d,%d is %d,%d,%d within %d", name, rgb[0],
       rgb[1], rgb[2], r, g, b, SLACK);
}


/*
 * A clip that must give no JPEG, and leave no file behind, for a reason
 * that starts want; the reason is left in reason.
 */
static void
check_refused(const char *name, const char *clip, const char *jpg,
    const char *want)
{
    int   rc;
    char  in[512], out[512];

    strcpy(reason, "untouched");

    rc = bb_thumbnail_write(clip[0] == '/' ? clip
                            : in_dir(in, sizeof(in), clip),
                            jpg[0] == '/' ? jpg
                            : in_dir(out, sizeof(out), jpg),
                            WIDTH, reason, sizeof(reason));

    is_int(rc, -1, name);

    if (!ok(strcmp(reason, "untouched") != 0
            && strncmp(reason, want, strlen(want)) == 0,
            "%s: reason starts \"%s\"", name, want))
    {
        diag("reason: %s", reason);
    }

    if (jpg[0] != '/') {
        ok(!exists(out), "%s: no JPEG", name);
        ok(leftovers(jpg) == 0, "%s: no temporary file left", name);
    }
}


static void
test_shapes(int x265)
{
    check_thumb("H.264 640x360 and AAC", "red.mp4", "red.jpg", 320, 180);
    check_thumb("H.264, moov after the samples", "moov-last.mp4",
                "moov-last.jpg", 320, 180);
    check_thumb("250x141 in 4:4:4: 180.48 rounds to 180", "odd.mp4",
                "odd.jpg", 320, 180);
    check_thumb("250x142: 181.76 rounds to the even 182", "odd2.mp4",
                "odd2.jpg", 320, 182);
    check_thumb("320x240 of 2:1 pixels, shown 640x240", "wide-pixels.mp4",
                "wide-pixels.jpg", 320, 120);
    check_thumb("1000x2: at least 2 tall", "flat.mp4", "flat.jpg", 320, 2);
    check_thumb("a keyframe every frame", "all-keys.mp4", "all-keys.jpg",
                320, 240);
    check_thumb("the first keyframe spoiled: the next one",
                "spoiled-first.mp4", "spoiled-first.jpg", 320, 240);

    if (x265) {
        if (check_thumb("H.265 640x360", "h265.mp4", "h265.jpg", 320, 180)) {
            check_colour("H.265", "h265.jpg", 255, 0, 0);
        }

    } else {
        ok(1, "H.265 # SKIP ffmpeg has no libx265");
    }
}


/*
 * JPEG is full range, BT.601.  Dark grey tells the ranges apart: 32 sent
 * at limited range and written unconverted comes back 43, and 32 at full
 * range taken for limited comes back 19.  Green tells the matrices apart:
 * BT.709 taken for BT.601 comes back 19,255,7.
 */
static void
test_colours(void)
{
    if (check_thumb("red", "red.mp4", "red.jpg", 320, 180)) {
        check_colour("red", "red.jpg", 255, 0, 0);
    }

    if (check_thumb("dark grey, limited range", "grey.mp4", "grey.jpg", 320,
                    180))
    {
        check_colour("dark grey, limited range", "grey.jpg", 32, 32, 32);
    }

    if (check_thumb("dark grey, full range", "grey-full.mp4",
                    "grey-full.jpg", 320, 180))
    {
        check_colour("dark grey, full range", "grey-full.jpg", 32, 32, 32);
    }

    if (check_thumb("green, BT.709", "green709.mp4", "green709.jpg", 320,
                    180))
    {
        check_colour("green, BT.709", "green709.jpg", 0, 255, 0);
    }
}


static void
test_refused(void)
{
    char  path[512];

    check_refused("missing file", "none.mp4", "none.jpg",
                  CANNOT_OPEN "No such file");
    check_refused("a folder", dir, "folder.jpg", CANNOT_OPEN);
    check_refused("audio only", "audio.mp4", "audio.jpg", NO_VIDEO);
    check_refused("MPEG-TS named .mp4", "ts.mp4", "ts.jpg", CANNOT_OPEN);
    check_refused("samples spoiled", "spoiled.mp4", "spoiled.jpg",
                  NO_KEYFRAME);
    ok(strstr(reason, " 25 packets)") != NULL, "samples spoiled: all 25 "
       "packets read");
    check_refused("samples spoiled, more packets than the cap",
                  "spoiled-keys.mp4", "spoiled-keys.jpg", NO_KEYFRAME);
    ok(strstr(reason, " 300 packets, the most read)") != NULL,
       "samples spoiled, more packets than the cap: 300 read");
    check_refused("32x1024: 10240 tall at 320", "tall.mp4", "tall.jpg",
                  "a 32x1024 picture makes a thumbnail over 4096");

    check_refused("into a missing folder", "red.mp4",
                  in_dir(path, sizeof(path), "none/red.jpg"),
                  CANNOT_CREATE "\"");
    check_refused("into a file taken for a folder", "red.mp4",
                  in_dir(path, sizeof(path), "red.mp4/red.jpg"),
                  CANNOT_CREATE "\"");
    ok(!exists(in_dir(path, sizeof(path), "none")),
       "into a missing folder: not made");

    if (geteuid() == 0) {
        ok(1, "into a read-only folder # SKIP root writes anywhere");

    } else if (ok(mkdir(in_dir(path, sizeof(path), "ro"), 0555) == 0,
                  "make a read-only folder"))
    {
        check_refused("into a read-only folder", "red.mp4",
                      in_dir(path, sizeof(path), "ro/red.jpg"),
                      CANNOT_CREATE "\"");
        rmdir(path);
    }
}


/* Small files that are no clips, written as they are given here. */
static void
test_bytes(void)
{
    static const struct {
        const char  *name;
        const char  *bytes;
        size_t       len;
    } cases[] = {
        { "empty file", "", 0 },
        { "one byte", "x", 1 },
        { "text", "this is not a clip\n", 19 },
        { "garbage bytes",
          "\x8f\x13\x00\xfe\x42\x99\x07\x61\xd3\x00\x00\x01\xee\x5a\x10\x77"
          "\x3c\xb1\x09\xff\x00\x80\x24\x6e\x91\x2f\x55\xc8\x03\x1a\x00\xab",
          32 },
        { "ftyp box only",
          "\x00\x00\x00\x14" "ftyp" "isom" "\x00\x00\x02\x00" "isom", 20 },
        { "moov bigger than the file",
          "\x00\x00\x00\x14" "ftyp" "isom" "\x00\x00\x02\x00" "isom"
          "\x7f\xff\xff\xff" "moov" "\x00\x00\x00\x08" "mvhd", 36 },
    };

    /* libav may make an MP4 of the last: only the refusal matters. */

    char    name[128], *path;
    size_t  i, last;

    last = sizeof(cases) / sizeof(cases[0]) - 1;

    for (i = 0; i <= last; i++) {
        path = tap_temp_file(cases[i].bytes, cases[i].len);
        if (!ok(path != NULL, "write %s", cases[i].name)) {
            continue;
        }

        snprintf(name, sizeof(name), "%s", cases[i].name);
        check_refused(name, path, "bytes.jpg", i < last ? CANNOT_OPEN : "");

        unlink(path);
        free(path);
    }

    /* An empty moov is an MP4 that holds nothing. */
    path = tap_temp_file("\x00\x00\x00\x14" "ftyp" "isom"
                         "\x00\x00\x02\x00" "isom"
                         "\x00\x00\x00\x08" "moov", 28);
    if (ok(path != NULL, "write an empty moov")) {
        check_refused("ftyp and an empty moov", path, "bytes.jpg", NO_VIDEO);
        unlink(path);
        free(path);
    }
}


/*
 * A thumbnail that exists is replaced whole by a new one, and kept whole
 * when the new one cannot be made.
 */
static void
test_replace(void)
{
    int             rc;
    long            size, kept_size;
    char            err[256], clip[512], jpg[512];
    unsigned char  *before, *after;

    if (!check_thumb("first of two", "red.mp4", "twice.jpg", 320, 180)
        || !check_thumb("second of two", "grey.mp4", "twice.jpg", 320, 180))
    {
        return;
    }

    check_colour("the second replaced the first", "twice.jpg", 32, 32, 32);

    in_dir(jpg, sizeof(jpg), "twice.jpg");
    before = media_slurp(jpg, &size);

    rc = bb_thumbnail_write(in_dir(clip, sizeof(clip), "audio.mp4"), jpg,
                            WIDTH, err, sizeof(err));
    is_int(rc, -1, "then a clip that fails: refused");

    after = media_slurp(jpg, &kept_size);
    ok(before != NULL && after != NULL && size == kept_size
       && memcmp(before, after, (size_t) size) == 0,
       "then a clip that fails: the thumbnail is kept");
    ok(leftovers("twice.jpg") == 0, "then a clip that fails: no temporary "
       "file left");

    free(before);
    free(after);
}


static void
test_arguments(void)
{
    int   rc;
    char  err[256], clip[512], jpg[512], *small;

    in_dir(clip, sizeof(clip), "red.mp4");
    in_dir(jpg, sizeof(jpg), "width.jpg");

    rc = bb_thumbnail_write(clip, jpg, 0, err, sizeof(err));
    is_int(rc, -1, "width 0: refused");
    is_str(err, "width 0 is not 2 to 4096", "width 0: reason");

    rc = bb_thumbnail_write(clip, jpg, 4097, err, sizeof(err));
    is_int(rc, -1, "width 4097: refused");
    ok(!exists(jpg), "bad widths: no JPEG");

    /* The reason fits whatever room it is given, and is terminated. */
    small = malloc(8);
    if (!ok(small != NULL, "malloc")) {
        return;
    }

    memset(small, 'x', 8);
    rc = bb_thumbnail_write(in_dir(clip, sizeof(clip), "none.mp4"), jpg,
                            WIDTH, small, 8);
    is_int(rc, -1, "8 bytes of room: refused");
    is_str(small, "cannot ", "8 bytes of room: reason cut to 7 bytes");

    free(small);
}


#define THREADS  4
#define ROUNDS   3

typedef struct {
    int  failed;
    char err[256];
} worker_t;


/* Writes the same thumbnail ROUNDS times, as a thread of nginx's pool. */
static void *
worker(void *arg)
{
    int        i;
    char       clip[512], jpg[512];
    worker_t  *w;

    w = arg;
    in_dir(clip, sizeof(clip), "red.mp4");
    in_dir(jpg, sizeof(jpg), "shared.jpg");

    for (i = 0; i < ROUNDS; i++) {
        w->failed += (bb_thumbnail_write(clip, jpg, WIDTH, w->err,
                                         sizeof(w->err))
                      != 0);
    }

    return NULL;
}


/* Threads writing one thumbnail at once each write a file of their own. */
static void
test_threads(void)
{
    int        i, started, failed;
    pthread_t  tid[THREADS];
    worker_t   w[THREADS];

    memset(w, 0, sizeof(w));
    started = 0;

    for (i = 0; i < THREADS; i++) {
        started += (pthread_create(&tid[i], NULL, worker, &w[i]) == 0);
    }

    failed = 0;

    for (i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);

        if (w[i].failed) {
            diag("thread %d: %s", i, w[i].err);
            failed++;
        }
    }

    ok(started == THREADS && failed == 0, "%d threads, %d thumbnails each, "
       "into one file: all written", THREADS, ROUNDS);

    if (check_thumb("after the threads", "red.mp4", "shared.jpg", 320, 180))
    {
        check_colour("after the threads", "shared.jpg", 255, 0, 0);
    }
}


static int
make_clips(int x265)
{
    return tap_ffmpeg(dir, "red.mp4", COLOR("red", "640x360") AUDIO H264 AAC
                      FAST) == 0
           && tap_ffmpeg(dir, "moov-last.mp4", COLOR("red", "640x360")
                         H264) == 0
           && tap_ffmpeg(dir, "odd.mp4", COLOR("blue", "250x141")
                         "-c:v libx264 -pix_fmt yuv444p ") == 0
           && tap_ffmpeg(dir, "odd2.mp4", COLOR("blue", "250x142") H264) == 0
           && tap_ffmpeg(dir, "wide-pixels.mp4", COLOR("blue", "320x240")
                         "-vf setsar=2 " H264) == 0
           && tap_ffmpeg(dir, "flat.mp4", COLOR("blue", "1000x2") H264) == 0
           && tap_ffmpeg(dir, "tall.mp4", COLOR("blue", "32x1024") H264) == 0
           && tap_ffmpeg(dir, "all-keys.mp4", ALL_KEYS) == 0
           && tap_ffmpeg(dir, "grey.mp4", COLOR("0x202020", "640x360")
                         H264) == 0
           && tap_ffmpeg(dir, "grey-full.mp4", COLOR("0x202020", "640x360")
                         "-vf format=yuvj420p -c:v libx264 ") == 0
           && tap_ffmpeg(dir, "green709.mp4", COLOR("0x00ff00", "640x360")
                         BT709 "-c:v libx264 ") == 0
           && tap_ffmpeg(dir, "audio.mp4", AUDIO AAC) == 0
           && tap_ffmpeg(dir, "ts.mp4", COLOR("red", "640x360") H264
                         "-f mpegts ") == 0
           && (!x265 || tap_ffmpeg(dir, "h265.mp4", COLOR("red", "640x360")
                                   H265) == 0)
           && spoil_samples("moov-last.mp4", "spoiled.mp4", 0) == 0
           && spoil_samples("all-keys.mp4", "spoiled-keys.mp4", 0) == 0
           && spoil_samples("all-keys.mp4", "spoiled-first.mp4", 1) == 0;
}


/* Empties dir (files only, as the tests leave it) and removes it. */
static void
remove_dir(void)
{
    DIR            *d;
    char            path[512];
    struct dirent  *e;

    d = opendir(dir);
    if (d == NULL) {
        return;
    }

    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            unlink(in_dir(path, sizeof(path), e->d_name));
        }
    }

    closedir(d);

    ok(rmdir(dir) == 0, "remove %s", dir);
}


int
main(void)
{
    int  x265;

    if (system("ffmpeg -version >/dev/null 2>&1") != 0) {
        printf("1..0 # SKIP ffmpeg not found\n");
        return 0;
    }

    /* Broken inputs make libav complain; that is not this test's output. */
    av_log_set_level(AV_LOG_QUIET);

    if (media_dir_make("thumbnail") != 0) {
        return done_testing();
    }

    x265 = tap_has_encoder("libx265");

    if (ok(make_clips(x265), "make the clips with ffmpeg")) {
        test_shapes(x265);
        test_colours();
        test_refused();
        test_replace();
        test_arguments();
        test_threads();
    }

    test_bytes();
    remove_dir();

    return done_testing();
}
