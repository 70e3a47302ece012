/*
 * Unit tests of bb_probe_clip: what makes a file a clip, and what the
 * library is told about it.
 *
 * The clips are made at test time by ffmpeg from its lavfi sources, in a
 * fresh folder removed at the end; broken clips are cut from good ones,
 * and corrupt inputs are small byte strings kept here.  Without ffmpeg the
 * whole test is skipped; without libx265, only the H.265 case is.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb_probe.h"
#include "tap.h"


/* 2 seconds of 320x240 at 30 frames a second, and a 2-second tone. */
#define VIDEO   "-f lavfi -i testsrc=size=320x240:rate=30:d=2 "
#define AUDIO   "-f lavfi -i sine=frequency=440:duration=2 "
#define H264    "-c:v libx264 -g 30 "
#define H265    "-c:v libx265 -x265-params log-level=error -tag:v hvc1 "
#define AAC     "-c:a aac "
#define FAST    "-movflags +faststart "

#define DURATION_MS  2000
#define SLACK_MS     100

/* Reasons, as bb_probe.c words them; a reason starts with one of these. */
#define NO_FILE    "no such file, or empty"
#define NOT_MP4    "not a readable MP4"
#define NO_VIDEO   "no video track"
#define TRUNCATED  "truncated"

enum {
    CUT_HALF,
    CUT_LAST_BYTE,
    CUT_BEFORE_STCO,
};

static char  dir[] = "/tmp/bb-unit-probe-XXXXXX";

/* The files made in dir, removed at the end. */
static const char  *made[] = {
    "h264.mp4", "h264-aac.mp4", "h265.mp4", "audio.mp4", "moov-last.mp4",
    "ts.mp4", "h264-half.mp4", "h264-short.mp4", "moov-last-half.mp4",
    "moov-last-short.mp4", "moov-last-no-stco.mp4", "h264-no-stco.mp4",
};


/* dir/name into buf. */
static const char *
in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);

    return buf;
}


/*
 * Where the stco box (the chunk offsets) of the moov starts, or -1: the
 * top-level boxes are walked to the moov, so that bytes of the mdat that
 * happen to read "stco" are not taken for it.
 *
 *     size (4 bytes, big-endian) | type (4) | payload (size - 8)
 */
static long
stco_start(const unsigned char *data, long size)
{
    long                  at, box;
    const unsigned char  *p;

    for (at = 0; at + 8 <= size; at += box) {
        box = (long) data[at] << 24 | data[at + 1] << 16
              | data[at + 2] << 8 | data[at + 3];

        if (box < 8) {
            return -1;
        }

        if (memcmp(data + at + 4, "moov", 4) == 0) {
            p = memmem(data + at, (size_t) (size - at), "stco", 4);
            return (p != NULL && p - data >= at + 4)
                   ? (long) (p - data) - 4 : -1;
        }
    }

    return -1;
}


/* Copies dir/from to dir/to, cut as cut says. */
static int
cut_clip(const char *from, const char *to, int cut)
{
    int     rc;
    char    path[256], *data;
    long    size, keep;
    FILE   *f;

    f = fopen(in_dir(path, sizeof(path), from), "rb");
    if (f == NULL) {
        return -1;
    }

    rc = -1;
    data = NULL;

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 1
        || fseek(f, 0, SEEK_SET) != 0
        || (data = malloc((size_t) size)) == NULL
        || fread(data, 1, (size_t) size, f) != (size_t) size)
    {
        fclose(f);
        free(data);
        return -1;
    }

    fclose(f);

    keep = (cut == CUT_HALF) ? size / 2
           : (cut == CUT_LAST_BYTE) ? size - 1
           : stco_start((unsigned char *) data, size);

    if (keep <= 0) {
        free(data);
        return -1;
    }

    f = fopen(in_dir(path, sizeof(path), to), "wb");
    if (f != NULL) {
        rc = fwrite(data, 1, (size_t) keep, f) == (size_t) keep ? 0 : -1;
        rc = (fclose(f) == 0) ? rc : -1;
    }

    free(data);

    return rc;
}


static long long
file_size(const char *path)
{
    struct stat  st;

    return stat(path, &st) == 0 ? (long long) st.st_size : -1;
}


/* A clip that must be accepted, and what must be said of it. */
static void
check_clip(const char *name, const char *path, const char *video,
    const char *audio)
{
    int         rc;
    char        err[256], label[256];
    bb_probe_t  probe;

    strcpy(err, "untouched");

    rc = bb_probe_clip(path, &probe, err, sizeof(err));

    snprintf(label, sizeof(label), "%s: accepted", name);
    if (!is_int(rc, 0, label)) {
        diag("reason: %s", err);
        return;
    }

    snprintf(label, sizeof(label), "%s: video codec", name);
    is_str(probe.video_codec, video, label);
    snprintf(label, sizeof(label), "%s: width", name);
    is_int(probe.width, 320, label);
    snprintf(label, sizeof(label), "%s: height", name);
    is_int(probe.height, 240, label);
    snprintf(label, sizeof(label), "%s: audio codec", name);
    is_str(probe.audio_codec, audio, label);

    if (!ok(probe.duration_ms >= DURATION_MS - SLACK_MS
            && probe.duration_ms <= DURATION_MS + SLACK_MS,
            "%s: duration %lld ms is %d ms within %d", name,
            probe.duration_ms, DURATION_MS, SLACK_MS))
    {
        diag("duration: %lld ms", probe.duration_ms);
    }

    snprintf(label, sizeof(label), "%s: size is the file's", name);
    is_int(probe.size_bytes, file_size(path), label);
}


/* A file that must be refused with a reason that starts with reason. */
static void
check_refused(const char *name, const char *path, const char *reason)
{
    int         rc;
    char        err[256], label[256];
    bb_probe_t  probe;

    strcpy(err, "untouched");

    rc = bb_probe_clip(path, &probe, err, sizeof(err));

    snprintf(label, sizeof(label), "%s: refused", name);
    is_int(rc, -1, label);

    if (!ok(err[0] != '\0' && strcmp(err, "untouched") != 0
            && strncmp(err, reason, strlen(reason)) == 0,
            "%s: reason starts \"%s\"", name, reason))
    {
        diag("reason: %s", err);
    }
}


static void
test_clips(int x265)
{
    char  path[256];

    check_clip("H.264", in_dir(path, sizeof(path), "h264.mp4"), "h264", "");
    check_clip("H.264 and AAC", in_dir(path, sizeof(path), "h264-aac.mp4"),
               "h264", "aac");
    check_clip("H.264, moov after the samples",
               in_dir(path, sizeof(path), "moov-last.mp4"), "h264", "");

    if (x265) {
        check_clip("H.265", in_dir(path, sizeof(path), "h265.mp4"), "hevc",
                   "");

    } else {
        ok(1, "H.265 # SKIP ffmpeg has no libx265");
    }
}


static void
test_refused(void)
{
    char  path[256];

    check_refused("audio only", in_dir(path, sizeof(path), "audio.mp4"),
                  NO_VIDEO);
    check_refused("faststart, cut to half",
                  in_dir(path, sizeof(path), "h264-half.mp4"), TRUNCATED);
    check_refused("faststart, last byte cut",
                  in_dir(path, sizeof(path), "h264-short.mp4"), TRUNCATED);
    check_refused("moov last, cut to half (moov lost)",
                  in_dir(path, sizeof(path), "moov-last-half.mp4"), NOT_MP4);

    /*
     * Cut inside the moov: the index libavformat builds has no samples,
     * so no sample lies past the end, and only the moov's own size (past
     * the end of the file) tells.
     */
    check_refused("faststart, cut before stco (moov only, no mdat)",
                  in_dir(path, sizeof(path), "h264-no-stco.mp4"),
                  "truncated");
    check_refused("moov last, cut before stco (no chunk offsets)",
                  in_dir(path, sizeof(path), "moov-last-no-stco.mp4"),
                  "truncated");
    check_refused("moov last, last byte cut",
                  in_dir(path, sizeof(path), "moov-last-short.mp4"),
                  "truncated");
    check_refused("MPEG-TS named .mp4", in_dir(path, sizeof(path), "ts.mp4"),
                  NOT_MP4);
    check_refused("missing file", in_dir(path, sizeof(path), "none.mp4"),
                  NO_FILE);
    check_refused("a directory", dir, NO_FILE);
    check_refused("empty path", "", NO_FILE);
}


/* Small files that are not clips, written as they are given here. */
static void
test_bytes(void)
{
    static const struct {
        const char  *name;
        const char  *bytes;
        size_t       len;
        const char  *reason;
    } cases[] = {
        { "empty file", "", 0, NO_FILE },
        { "one byte", "x", 1, NOT_MP4 },
        { "text", "this is not a clip\n", 19, NOT_MP4 },
        { "garbage bytes",
          "\x8f\x13\x00\xfe\x42\x99\x07\x61\xd3\x00\x00\x01\xee\x5a\x10\x77"
          "\x3c\xb1\x09\xff\x00\x80\x24\x6e\x91\x2f\x55\xc8\x03\x1a\x00\xab",
          32, NOT_MP4 },
        { "zeroes", "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, NOT_MP4 },
        { "ftyp box only",
          "\x00\x00\x00\x14" "ftyp" "isom" "\x00\x00\x02\x00" "isom",
          20, NOT_MP4 },
        { "ftyp and an empty moov",
          "\x00\x00\x00\x14" "ftyp" "isom" "\x00\x00\x02\x00" "isom"
          "\x00\x00\x00\x08" "moov", 28, NO_VIDEO },
        { "moov bigger than the file",
          "\x00\x00\x00\x14" "ftyp" "isom" "\x00\x00\x02\x00" "isom"
          "\x7f\xff\xff\xff" "moov" "\x00\x00\x00\x08" "mvhd", 36, "" },
        { "box size smaller than its header",
          "\x00\x00\x00\x04" "moov" "\x00\x00\x00\x00", 12, "" },
        { "64-bit box size past the end",
          "\x00\x00\x00\x01" "moov" "\xff\xff\xff\xff\xff\xff\xff\xf0", 16,
          "" },
        { "MPEG-TS packet start",
          "\x47\x40\x00\x10\x00\x00\xb0\x0d\x00\x01\xc1\x00\x00\x00\x01"
          "\xf0\x00", 17, NOT_MP4 },
    };

    char    name[128], *path;
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        path = tap_temp_file(cases[i].bytes, cases[i].len);
        if (!ok(path != NULL, "write %s", cases[i].name)) {
            continue;
        }

        snprintf(name, sizeof(name), "%s", cases[i].name);
        check_refused(name, path, cases[i].reason);

        unlink(path);
        free(path);
    }
}


/* The reason fits whatever room it is given, and is always terminated. */
static void
test_reason_room(void)
{
    int          rc;
    char        *err;
    bb_probe_t   probe;

    err = malloc(8);
    if (!ok(err != NULL, "malloc")) {
        return;
    }

    memset(err, 'x', 8);
    rc = bb_probe_clip("/nonexistent/bb-unit-probe.mp4", &probe, err, 8);
    is_int(rc, -1, "8 bytes of room: refused");
    is_str(err, "no such", "8 bytes of room: reason cut to 7 bytes");

    free(err);
}


int
main(void)
{
    int     x265, built;
    char    path[256];
    size_t  i;

    if (system("ffmpeg -version >/dev/null 2>&1") != 0) {
        printf("1..0 # SKIP ffmpeg not found\n");
        return 0;
    }

    if (!ok(mkdtemp(dir) != NULL, "make %s", dir)) {
        diag("mkdtemp: %s", strerror(errno));
        return done_testing();
    }

    x265 = tap_has_encoder("libx265");

    built = ok(tap_ffmpeg(dir, "h264.mp4", VIDEO H264 FAST) == 0
               && tap_ffmpeg(dir, "h264-aac.mp4", VIDEO AUDIO H264 AAC FAST) == 0
               && tap_ffmpeg(dir, "audio.mp4", AUDIO AAC FAST) == 0
               && tap_ffmpeg(dir, "moov-last.mp4", VIDEO H264) == 0
               && tap_ffmpeg(dir, "ts.mp4", VIDEO H264 "-f mpegts ") == 0
               && (!x265 || tap_ffmpeg(dir, "h265.mp4", VIDEO H265 FAST) == 0)
               && cut_clip("h264.mp4", "h264-half.mp4", CUT_HALF) == 0
               && cut_clip("h264.mp4", "h264-short.mp4", CUT_LAST_BYTE) == 0
               && cut_clip("moov-last.mp4", "moov-last-half.mp4",
                           CUT_HALF) == 0
               && cut_clip("moov-last.mp4", "moov-last-short.mp4",
                           CUT_LAST_BYTE) == 0
               && cut_clip("moov-last.mp4", "moov-last-no-stco.mp4",
                           CUT_BEFORE_STCO) == 0
               && cut_clip("h264.mp4", "h264-no-stco.mp4",
                           CUT_BEFORE_STCO) == 0,
               "make the clips with ffmpeg");

    if (built) {
        test_clips(x265);
        test_refused();
    }

    test_bytes();
    test_reason_room();

    for (i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
        unlink(in_dir(path, sizeof(path), made[i]));
    }

    ok(rmdir(dir) == 0, "remove %s", dir);

    return done_testing();
}
