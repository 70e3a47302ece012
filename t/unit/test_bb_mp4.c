/*
 * Unit tests of bb_mp4 and bb_mp4_segment: MP4s made by ffmpeg at test
 * time (normal with moov last and first, H.265 in hev1 and hvc1,
 * fragmented as the ingest's journal, variable frame rate, no B-frames)
 * are indexed and every sample compared with what ffprobe -show_packets
 * says of it; then the same files with boxes made to lie, cut at many
 * offsets, tables rewritten (co64, a virtual file past 4 GiB), and
 * garbage, each of which must be a clean error.  Truncated inputs are
 * copied into buffers of their exact size, so that under ASan a read one
 * byte too far is a crash.
 *
 * Without ffmpeg only the small hand-made inputs are tested.
 */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb_mp4.h"
#include "bb_mp4_segment.h"
#include "media_fixture.h"
#include "tap.h"


/* 8 s of 25 fps with a keyframe every 2 s exactly, and a tone. */
#define VIDEO   "-f lavfi -i testsrc=size=320x240:rate=25 "
#define AUDIO   "-f lavfi -i sine=frequency=440:sample_rate=48000 "
#define H264    "-c:v libx264 -g 50 -keyint_min 50 -sc_threshold 0 "
#define H265    "-c:v libx265 -x265-params log-level=error:keyint=50:" \
                "min-keyint=50:scenecut=0 "
#define AAC     "-c:a aac "
#define LEN     "-t 8 "
#define FRAG    "-movflags frag_keyframe+empty_moov+default_base_moof "

#define FOUR_GIB  (UINT64_C(1) << 32)

/* trun flags: a data offset and no per-sample field */
#define BB_MP4_TRUN_OFFSET_ONLY  0x00000001

static void
put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}


static void
put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t) (v >> 32));
    put32(p + 4, (uint32_t) v);
}


/*
 * The offset of the nth child of type in the box at [from, to) of data
 * (the children start at from), or -1.
 */
static long
child(const unsigned char *data, long from, long to, const char *type,
    int nth)
{
    long  at, size;

    for (at = from; to - at >= 8; at += size) {
        size = (long) be32(data + at);

        if (size < 8 || size > to - at) {
            return -1;
        }

        if (memcmp(data + at + 4, type, 4) == 0 && nth-- == 0) {
            return at;
        }
    }

    return -1;
}


/*
 * The box at path ("moov/trak/mdia/minf/stbl/stsz") of the trak'th trak,
 * or -1.  Containers' children start after their 8-byte header; stsd's
 * after 8 more.
 */
static long
box_at(const file_t *f, int trak, const char *path)
{
    int    nth;
    long   at, from, to;
    char   type[5];

    from = 0;
    to = f->size;
    at = -1;

    while (*path != '\0') {
        memcpy(type, path, 4);
        type[4] = '\0';
        path += (path[4] == '/') ? 5 : 4;

        nth = (strcmp(type, "trak") == 0) ? trak : 0;
        at = child(f->data, from, to, type, nth);

        if (at < 0) {
            return -1;
        }

        from = at + 8 + (strcmp(type, "stsd") == 0 ? 8 : 0)
               + (strncmp(type, "avc", 3) == 0
                  || strncmp(type, "hvc", 3) == 0
                  || strncmp(type, "hev", 3) == 0 ? 78 : 0);
        to = at + (long) be32(f->data + at);
    }

    return at;
}


static bb_mp4_err_e
index_mem(const unsigned char *data, size_t size, unsigned flags,
    bb_mp4_index_t **ix, char *err, size_t errlen)
{
    bb_mp4_mem_t  mem;

    mem.data = data;
    mem.size = size;

    return bb_mp4_index_build(bb_mp4_mem_read, &mem, size, flags, ix, err,
                              errlen);
}


/*
 * Indexes a copy of data in a buffer of exactly size bytes; expects rc
 * (or any error, for rc -1).
 */
static int
expect(const unsigned char *data, size_t size, unsigned flags, int rc,
    const char *name)
{
    char             err[256];
    unsigned char   *copy;
    bb_mp4_err_e     got;
    bb_mp4_index_t  *ix;

    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return ok(0, "%s: malloc", name);
    }

    memcpy(copy, data, size);
    got = index_mem(copy, size, flags, &ix, err, sizeof(err));
    free(copy);

    if (rc == -1) {
        if (!ok(got != BB_MP4_OK && ix == NULL && err[0] != '\0', "%s", name))
        {
            diag("    got: %d (%s)", got, bb_mp4_strerror(got));
        }

    } else if (!ok((int) got == rc && (got != BB_MP4_OK) == (ix == NULL)
                   && (got == BB_MP4_OK || err[0] != '\0'), "%s", name))
    {
        diag("    got: %d (%s: %s), want %d (%s)", got, bb_mp4_strerror(got),
             err, rc, bb_mp4_strerror((bb_mp4_err_e) rc));
    }

    bb_mp4_index_free(ix);

    return (int) got;
}


/* A file-backed reader, as the nginx side's pread in a thread pool. */
typedef struct {
    int             fd;
    unsigned char  *buf;
    size_t          cap;
    unsigned        reads;
} file_reader_t;


static int
file_read(void *ctx, uint64_t offset, size_t len, const uint8_t **data)
{
    void           *p;
    file_reader_t  *fr = ctx;

    if (len > fr->cap) {
        p = realloc(fr->buf, len);
        if (p == NULL) {
            return -1;
        }

        fr->buf = p;
        fr->cap = len;
    }

    fr->reads++;

    if (pread(fr->fd, fr->buf, len, (off_t) offset) != (ssize_t) len) {
        return -1;
    }

    *data = fr->buf;

    return 0;
}


/* One line of ffprobe -show_packets. */
typedef struct {
    long long  pts, dts, duration, size, pos;
    int        key;
} packet_t;


/*
 * The packets of stream "v" or "a" of name as ffprobe reads them, without
 * the edit list (raw timestamps, as the index keeps them), or NULL.
 */
static packet_t *
probe(const char *name, const char *stream, int *n)
{
    int        cap;
    char       cmd[1024], line[256], flags[16], path[512];
    FILE      *f;
    packet_t  *pk, *p;

    snprintf(cmd, sizeof(cmd), "ffprobe -v error -ignore_editlist 1 "
             "-select_streams %s:0 -show_entries "
             "packet=pts,dts,duration,size,pos,flags -of csv=p=0 %s",
             stream, in_dir(path, sizeof(path), name));

    f = popen(cmd, "r");
    if (f == NULL) {
        return NULL;
    }

    cap = 1024;
    pk = malloc(cap * sizeof(packet_t));
    *n = 0;

    while (pk != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (*n == cap) {
            cap *= 2;
            p = realloc(pk, cap * sizeof(packet_t));
            if (p == NULL) {
                free(pk);
                pk = NULL;
                break;
            }
            pk = p;
        }

        p = &pk[*n];
        p->duration = -1;

        /* an "N/A" duration (ffmpeg's fragmented AAC) stops the scan */
        if (sscanf(line, "%lld,%lld,%lld,%lld,%lld,%15s", &p->pts, &p->dts,
                   &p->duration, &p->size, &p->pos, flags) != 6
            && sscanf(line, "%lld,%lld,N/A,%lld,%lld,%15s", &p->pts,
                      &p->dts, &p->size, &p->pos, flags) != 5)
        {
            continue;
        }

        p->key = (flags[0] == 'K');
        (*n)++;
    }

    pclose(f);

    return pk;
}


/*
 * Every sample of tr against ffprobe's packets; 1 when all match.  With a
 * variable frame rate ffprobe's durations are not stts's: the decode time
 * steps are compared instead.
 */
static int
same_as_probe_vfr(const bb_mp4_track_t *tr, const char *name,
    const char *stream, const char *what, int vfr)
{
    int               n, bad;
    uint32_t          i;
    packet_t         *pk;
    bb_mp4_sample_t   s;

    pk = probe(name, stream, &n);
    if (pk == NULL) {
        return ok(0, "%s: ffprobe %s", what, name);
    }

    bad = 0;

    if (!is_int(tr->count, n, "  sample count as ffprobe's")) {
        free(pk);
        return 0;
    }

    for (i = 0; i < tr->count && bad < 5; i++) {
        bb_mp4_sample(tr, i, &s);

        if (vfr && i + 1 < tr->count) {
            pk[i].duration = pk[i + 1].dts - pk[i].dts;
        }

        if ((long long) s.dts != pk[i].dts
            || (long long) s.dts + s.cts != pk[i].pts
            || (pk[i].duration >= 0 && (long long) s.duration
                                       != pk[i].duration)
            || (long long) s.size != pk[i].size
            || (long long) s.offset != pk[i].pos
            || (int) s.key != pk[i].key)
        {
            diag("sample %u: dts %llu cts %d dur %u size %u pos %llu key %u;"
                 " ffprobe pts %lld dts %lld dur %lld size %lld pos %lld "
                 "key %d", i, (unsigned long long) s.dts, s.cts, s.duration,
                 s.size, (unsigned long long) s.offset, s.key, pk[i].pts,
                 pk[i].dts, pk[i].duration, pk[i].size, pk[i].pos,
                 pk[i].key);
            bad++;
        }
    }

    free(pk);

    return ok(bad == 0, "%s: every %s sample as ffprobe shows it", what,
              stream);
}


static int
same_as_probe(const bb_mp4_track_t *tr, const char *name, const char *stream,
    const char *what)
{
    return same_as_probe_vfr(tr, name, stream, what, 0);
}


/* The samples of two tracks are the same, offsets apart by shift. */
static int
same_samples(const bb_mp4_track_t *a, const bb_mp4_track_t *b,
    uint64_t shift, uint32_t n)
{
    uint32_t         i;
    bb_mp4_sample_t  x, y;

    if (a->count < n || b->count < n) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        bb_mp4_sample(a, i, &x);
        bb_mp4_sample(b, i, &y);

        if (x.dts != y.dts || x.cts != y.cts || x.duration != y.duration
            || x.size != y.size || x.offset + shift != y.offset
            || x.key != y.key)
        {
            diag("sample %u differs", i);
            return 0;
        }
    }

    return 1;
}


/* Indexes name, from memory; NULL and a failed test if it cannot. */
static bb_mp4_index_t *
index_file(const char *name, file_t *f)
{
    char             err[256];
    bb_mp4_err_e     rc;
    bb_mp4_index_t  *ix;

    if (slurp(name, f) != 0) {
        ok(0, "read %s", name);
        return NULL;
    }

    rc = index_mem(f->data, (size_t) f->size, 0, &ix, err, sizeof(err));

    if (!ok(rc == BB_MP4_OK, "index %s", name)) {
        diag("%s: %s", bb_mp4_strerror(rc), err);
        return NULL;
    }

    return ix;
}


/*
 * The segments of ix at target_ms: they start at keyframes, run on from
 * one another over the whole video and audio, and each is within half and
 * one and a half times the target when the GOP allows.
 */
static void
check_segments(const bb_mp4_index_t *ix, unsigned target_ms,
    const char *name)
{
    int                bad;
    size_t             n, i;
    uint64_t           total, lo, hi;
    bb_mp4_segment_t  *sg;

    n = bb_mp4_segments(ix, target_ms, NULL, 0);
    sg = calloc(n ? n : 1, sizeof(bb_mp4_segment_t));

    if (!ok(n > 0 && sg != NULL
            && bb_mp4_segments(ix, target_ms, sg, n) == n,
            "%s: %zu segments of ~%u ms", name, n, target_ms))
    {
        free(sg);
        return;
    }

    bad = 0;
    total = 0;
    lo = (uint64_t) target_ms * ix->video.timescale / 2000;
    hi = (uint64_t) target_ms * ix->video.timescale * 3 / 2000;

    for (i = 0; i < n; i++) {
        total += sg[i].duration;

        bad += !bb_mp4_key(&ix->video, sg[i].video_start);
        bad += (i == 0) ? sg[i].audio_start != 0
                        : (sg[i].video_start != sg[i - 1].video_end
                           || sg[i].audio_start != sg[i - 1].audio_end);
        bad += sg[i].video_end <= sg[i].video_start;
        bad += sg[i].audio_end < sg[i].audio_start;

        /* with 2 s GOPs every target from 2 s on is met */
        if (target_ms >= 2000 && (sg[i].duration < lo || sg[i].duration > hi))
        {
            diag("segment %zu lasts %llu", i,
                 (unsigned long long) sg[i].duration);
            bad++;
        }
    }

    bad += sg[n - 1].video_end != ix->video.count;
    bad += sg[n - 1].audio_end != ix->audio.count;

    ok(bad == 0 && total == ix->video.end_dts - ix->video.first_dts,
       "%s: segments at keyframes, %u ms each give or take half, covering "
       "every sample once", name, target_ms);

    free(sg);
}


static void test_frag_cuts(const file_t *f, const bb_mp4_index_t *full);


/* The clips made by ffmpeg, each indexed and compared with ffprobe. */
static void
test_clips(int x265)
{
    int              n;
    char             err[256], path[512];
    size_t           nseg;
    file_t           f, g;
    uint32_t         i;
    bb_mp4_err_e     rc;
    file_reader_t    fr;
    bb_mp4_index_t  *ix, *ix2, *copy;
    bb_mp4_segment_t sg[8];

    /* moov last: ftyp free mdat moov */

    ix = index_file("h264-aac.mp4", &f);

    if (ix != NULL) {
        ok(ix->video.codec == BB_MP4_H264 && ix->video.fourcc
           == (uint32_t) ('a' << 24 | 'v' << 16 | 'c' << 8 | '1'),
           "h264-aac: avc1");
        ok(ix->video.width == 320 && ix->video.height == 240
           && ix->video.timescale == 12800,
           "h264-aac: 320x240, timescale 12800");
        is_int(ix->video.count, 200, "h264-aac: 200 frames");
        is_int(ix->video.keyframes, 4, "h264-aac: 4 keyframes");
        ok(ix->video.config_len > 7 && bb_mp4_config(&ix->video)[0] == 1,
           "h264-aac: the avcC record");
        is_int(ix->video.media_start, 1024,
               "h264-aac: elst starts the video at its first pts (B-frames)");
        ok(ix->video.cts_at != 0 && ix->video.dts_at == 0
           && ix->video.duration_at == 0,
           "h264-aac: composition offsets kept, times constant");
        ok(!(ix->flags & BB_MP4_FRAGMENTED)
           && !(ix->flags & BB_MP4_MOOV_FIRST), "h264-aac: moov last");
        ok(ix->audio.codec == BB_MP4_AAC && ix->audio.sample_rate == 48000
           && ix->audio.channels == 1 && ix->audio.timescale == 48000,
           "h264-aac: AAC, 48 kHz mono");
        ok(ix->audio.config_len >= 2
           && bb_mp4_config(&ix->audio)[0] >> 3 == 2
           && ix->audio.media_start == 1024,
           "h264-aac: AudioSpecificConfig of AAC LC, 1024 samples of "
           "priming");
        same_as_probe(&ix->video, "h264-aac.mp4", "v", "h264-aac");
        same_as_probe(&ix->audio, "h264-aac.mp4", "a", "h264-aac");

        diag("h264-aac: %u video + %u audio samples in %llu bytes",
             ix->video.count, ix->audio.count,
             (unsigned long long) ix->bytes);
        ok(ix->bytes < sizeof(bb_mp4_index_t) + 64
                       + 12 * ix->video.count + 8 * ix->audio.count + 16,
           "h264-aac: 12 bytes per video sample, 8 per audio sample");

        /* the same through a file reader; the block is the same bytes */

        memset(&fr, 0, sizeof(fr));
        fr.fd = open(in_dir(path, sizeof(path), "h264-aac.mp4"), O_RDONLY);
        rc = bb_mp4_index_build(file_read, &fr, (uint64_t) f.size, 0, &ix2,
                                err, sizeof(err));

        if (ok(rc == BB_MP4_OK, "h264-aac: indexed through pread")) {
            ok(ix2->bytes == ix->bytes
               && memcmp(ix, ix2, (size_t) ix->bytes) == 0,
               "h264-aac: the same index as from memory");
            diag("h264-aac: %u reads", fr.reads);
            ok(fr.reads <= 6, "h264-aac: headers and moov read, not mdat");
        }

        bb_mp4_index_free(ix2);
        free(fr.buf);
        close(fr.fd);

        /* a copy elsewhere works: the index holds no pointers */

        copy = malloc((size_t) ix->bytes);
        memcpy(copy, ix, (size_t) ix->bytes);
        memset(ix, 0xa5, (size_t) ix->bytes);
        bb_mp4_index_free(ix);
        ix = copy;
        same_as_probe(&ix->video, "h264-aac.mp4", "v", "h264-aac copied");

        check_segments(ix, 4000, "h264-aac");
        check_segments(ix, 2000, "h264-aac");
        check_segments(ix, 6000, "h264-aac");
        check_segments(ix, 500, "h264-aac");

        nseg = bb_mp4_segments(ix, 4000, sg, 8);
        ok(nseg == 2 && sg[0].video_end == 100 && sg[1].video_end == 200
           && sg[0].duration == 4 * 12800,
           "h264-aac: 4 s segments of two GOPs");
        nseg = bb_mp4_segments(ix, 6000, sg, 8);
        ok(nseg == 1, "h264-aac: at 6 s, no 2 s segment is left alone");

        /* the audio cut: the first sample shown at or after 4 s */
        nseg = bb_mp4_segments(ix, 4000, sg, 8);
        i = sg[1].audio_start;
        ok(i > 0 && (bb_mp4_dts(&ix->audio, i) - 1024) * 12800
                    >= (uint64_t) (4 * 12800) * 48000
           && (bb_mp4_dts(&ix->audio, i - 1) - 1024) * 12800
              < (uint64_t) (4 * 12800) * 48000,
           "h264-aac: audio split at the second segment's time");
    }

    bb_mp4_index_free(ix);
    free(f.data);

    /* moov first */

    ix = index_file("h264-aac-fast.mp4", &f);

    if (ix != NULL) {
        ok(ix->flags & BB_MP4_MOOV_FIRST, "h264-aac-fast: moov first");
        same_as_probe(&ix->video, "h264-aac-fast.mp4", "v", "h264-aac-fast");
        same_as_probe(&ix->audio, "h264-aac-fast.mp4", "a", "h264-aac-fast");
    }

    bb_mp4_index_free(ix);
    free(f.data);

    /* no B-frames, no audio: no ctts, one array less */

    ix = index_file("h264-bf0.mp4", &f);

    if (ix != NULL) {
        ok(ix->video.cts_at == 0 && ix->audio.codec == BB_MP4_NONE
           && ix->audio.count == 0, "h264-bf0: no cts array, no audio");
        same_as_probe(&ix->video, "h264-bf0.mp4", "v", "h264-bf0");
        check_segments(ix, 4000, "h264-bf0");
    }

    bb_mp4_index_free(ix);
    free(f.data);

    /* variable frame rate: 5 frames dropped */

    ix = index_file("vfr.mp4", &f);

    if (ix != NULL) {
        ok(ix->video.duration_at != 0 && ix->video.dts_at != 0,
           "vfr: durations and decode times kept per sample");
        same_as_probe_vfr(&ix->video, "vfr.mp4", "v", "vfr", 1);
    }

    bb_mp4_index_free(ix);
    free(f.data);

    /* irregular keyframes */

    ix = index_file("keys.mp4", &f);

    if (ix != NULL) {
        same_as_probe(&ix->video, "keys.mp4", "v", "keys");
        n = (int) bb_mp4_segments(ix, 4000, sg, 8);
        ok(n == 2 && sg[0].video_end == 75 && sg[1].video_end == 200,
           "keys: keyframes at 0 1 3 5 6 7 s: cut at 3 s, then 5 s to "
           "the end rather than 1 s left alone");
        if (n > 0) {
            diag("keys: %d segments, ends %u %u %u", n, sg[0].video_end,
                 n > 1 ? sg[1].video_end : 0, n > 2 ? sg[2].video_end : 0);
        }
    }

    bb_mp4_index_free(ix);
    free(f.data);

    /* the journal: fragmented, one fragment per GOP */

    ix = index_file("frag.mp4", &f);

    if (ix != NULL) {
        ok(ix->flags & BB_MP4_FRAGMENTED, "frag: fragmented");
        is_int(ix->video.count, 200, "frag: 200 frames");
        is_int(ix->video.keyframes, 4, "frag: 4 keyframes");
        same_as_probe(&ix->video, "frag.mp4", "v", "frag");
        same_as_probe(&ix->audio, "frag.mp4", "a", "frag");
        check_segments(ix, 4000, "frag");

        /* cut anywhere after moov: PARTIAL keeps the whole fragments */
        test_frag_cuts(&f, ix);
    }

    bb_mp4_index_free(ix);
    free(f.data);

    /* H.265 */

    if (!x265) {
        ok(1, "# SKIP no libx265");
        return;
    }

    ix = index_file("h265-aac.mp4", &f);

    if (ix != NULL) {
        ok(ix->video.codec == BB_MP4_H265 && ix->video.config_len >= 23,
           "h265-aac: H.265 with its hvcC");
        same_as_probe(&ix->video, "h265-aac.mp4", "v", "h265-aac");
        same_as_probe(&ix->audio, "h265-aac.mp4", "a", "h265-aac");
    }

    bb_mp4_index_free(ix);
    free(f.data);

    ix = index_file("h265-hvc1.mp4", &f);

    if (ix != NULL) {
        ok(ix->video.codec == BB_MP4_H265 && ix->video.fourcc
           == (uint32_t) ('h' << 24 | 'v' << 16 | 'c' << 8 | '1'),
           "h265-hvc1: hvc1");
        same_as_probe(&ix->video, "h265-hvc1.mp4", "v", "h265-hvc1");
    }

    bb_mp4_index_free(ix);
    free(f.data);

    (void) g;
}


/*
 * The fragmented file cut at many offsets: an error without
 * BB_MP4_PARTIAL; with it, either an error (moov cut) or the whole
 * fragments before the cut, sample for sample.
 */
static void
test_frag_cuts(const file_t *f, const bb_mp4_index_t *full)
{
    int              bad, kept;
    long             cut, step;
    char             err[256];
    unsigned char   *copy;
    bb_mp4_err_e     rc;
    bb_mp4_index_t  *ix;

    bad = 0;
    kept = 0;
    step = f->size / 113 + 1;

    for (cut = 0; cut < f->size; cut += (cut < 2048) ? 7 : step) {
        copy = malloc((size_t) cut + 1);
        memcpy(copy, f->data, (size_t) cut);

        rc = index_mem(copy, (size_t) cut, 0, &ix, err, sizeof(err));
        if (rc == BB_MP4_OK || ix != NULL) {
            diag("frag cut at %ld: indexed", cut);
            bad++;
        }

        bb_mp4_index_free(ix);

        rc = index_mem(copy, (size_t) cut, BB_MP4_PARTIAL, &ix, err,
                       sizeof(err));

        if (rc == BB_MP4_OK) {
            kept++;

            if (ix->video.count % 50 != 0
                || !same_samples(&full->video, &ix->video, 0,
                                 ix->video.count)
                || !same_samples(&full->audio, &ix->audio, 0,
                                 ix->audio.count))
            {
                diag("frag cut at %ld: %u frames, not whole GOPs as in "
                     "the file", cut, ix->video.count);
                bad++;
            }
        }

        bb_mp4_index_free(ix);
        free(copy);
    }

    ok(bad == 0, "frag: cut at %ld offsets, always an error; with "
       "BB_MP4_PARTIAL, whole fragments (%d times)", f->size / step + 293,
       kept);
    ok(kept > 50, "frag: BB_MP4_PARTIAL indexed most cuts after moov");
}


static int
is_container(const unsigned char *type)
{
    return memcmp(type, "moov", 4) == 0 || memcmp(type, "trak", 4) == 0
           || memcmp(type, "mdia", 4) == 0 || memcmp(type, "minf", 4) == 0
           || memcmp(type, "stbl", 4) == 0;
}


/*
 * Copies the box at in[at] to out[o], with stco turned into co64 (offsets
 * plus shift) and, with stz2, stsz into a stz2 of 16-bit fields; returns
 * the end in out.
 */
static long
rewrite_box(const unsigned char *in, long at, unsigned char *out, long o,
    uint64_t shift, int stz2)
{
    long      size, start, c;
    uint32_t  n, i;

    size = (long) be32(in + at);
    start = o;

    if (is_container(in + at + 4)) {
        memcpy(out + o, in + at, 8);
        o += 8;

        for (c = at + 8; c < at + size; c += (long) be32(in + c)) {
            o = rewrite_box(in, c, out, o, shift, stz2);
        }

        put32(out + start, (uint32_t) (o - start));

        return o;
    }

    if (memcmp(in + at + 4, "stco", 4) == 0) {
        n = be32(in + at + 12);
        put32(out + o, 16 + 8 * n);
        memcpy(out + o + 4, "co64", 4);
        memcpy(out + o + 8, in + at + 8, 8);

        for (i = 0; i < n; i++) {
            put64(out + o + 16 + 8 * i, be32(in + at + 16 + 4 * i) + shift);
        }

        return o + 16 + 8 * n;
    }

    if (stz2 && memcmp(in + at + 4, "stsz", 4) == 0
        && be32(in + at + 12) == 0)
    {
        n = be32(in + at + 16);
        put32(out + o, 20 + 2 * n);
        memcpy(out + o + 4, "stz2", 4);
        memset(out + o + 8, 0, 8);
        out[o + 15] = 16;
        put32(out + o + 16, n);

        for (i = 0; i < n; i++) {
            out[o + 20 + 2 * i] = in[at + 20 + 4 * i + 2];
            out[o + 21 + 2 * i] = in[at + 20 + 4 * i + 3];
        }

        return o + 20 + 2 * n;
    }

    memcpy(out + o, in + at, (size_t) size);

    return o + size;
}


/* A moov-last file with its moov rewritten; the samples stay put. */
static void
rewrite(const file_t *in, uint64_t shift, int stz2, file_t *out)
{
    long  at, o;

    out->data = malloc((size_t) in->size * 2 + 1024);
    o = 0;

    for (at = 0; at < in->size; at += (long) be32(in->data + at)) {
        if (memcmp(in->data + at + 4, "moov", 4) == 0) {
            o = rewrite_box(in->data, at, out->data, o, shift, stz2);

        } else {
            memcpy(out->data + o, in->data + at, be32(in->data + at));
            o += (long) be32(in->data + at);
        }
    }

    out->size = o;
}


/*
 * A file past 4 GiB without 4 GiB on disk: "ftyp free mdat moov" seen as
 * "ftyp mdat(largesize) [4 GiB hole] payload moov(co64)".  The reader
 * answers from the two real parts and fails for the hole, which bb_mp4
 * must never ask for.
 */
typedef struct {
    const unsigned char  *head;     /* [0, head_len) */
    long                  head_len;
    const unsigned char  *tail;     /* [tail_at, tail_at + tail_len) */
    uint64_t              tail_at;
    long                  tail_len;
} sparse_t;


static int
sparse_read(void *ctx, uint64_t offset, size_t len, const uint8_t **data)
{
    sparse_t  *sp = ctx;

    if (offset + len <= (uint64_t) sp->head_len) {
        *data = sp->head + offset;
        return 0;
    }

    if (offset >= sp->tail_at
        && offset - sp->tail_at + len <= (uint64_t) sp->tail_len)
    {
        *data = sp->tail + (offset - sp->tail_at);
        return 0;
    }

    return -1;
}


static void
test_rewritten(void)
{
    long             free_at, moov_at;
    char             err[256];
    file_t           f, co, z;
    sparse_t         sp;
    bb_mp4_err_e     rc;
    unsigned char    head[64];
    bb_mp4_index_t  *ix, *ix2;

    ix = index_file("h264-aac.mp4", &f);
    if (ix == NULL) {
        return;
    }

    /* co64 */

    rewrite(&f, 0, 0, &co);
    rc = index_mem(co.data, (size_t) co.size, 0, &ix2, err, sizeof(err));

    if (ok(rc == BB_MP4_OK, "co64: indexed")) {
        ok(box_at(&co, 0, "moov/trak/mdia/minf/stbl/co64") > 0
           && ix2->video.offset_wide == 0
           && same_samples(&ix->video, &ix2->video, 0, ix->video.count)
           && same_samples(&ix->audio, &ix2->audio, 0, ix->audio.count),
           "co64: the same samples as with stco");
    }

    bb_mp4_index_free(ix2);

    /* stz2 */

    rewrite(&f, 0, 1, &z);
    rc = index_mem(z.data, (size_t) z.size, 0, &ix2, err, sizeof(err));

    if (ok(rc == BB_MP4_OK, "stz2: indexed")) {
        ok(box_at(&z, 0, "moov/trak/mdia/minf/stbl/stz2") > 0
           && same_samples(&ix->video, &ix2->video, 0, ix->video.count)
           && same_samples(&ix->audio, &ix2->audio, 0, ix->audio.count),
           "stz2: the same samples as with stsz");
    }

    bb_mp4_index_free(ix2);
    free(z.data);

    /* past 4 GiB */

    free(co.data);
    rewrite(&f, FOUR_GIB, 0, &co);

    free_at = child(co.data, 0, co.size, "free", 0);
    moov_at = child(co.data, 0, co.size, "moov", 0);

    if (ok(free_at > 0 && free_at + 16 <= (long) sizeof(head)
           && memcmp(co.data + free_at + 12, "mdat", 4) == 0 && moov_at > 0,
           "4 GiB: ffmpeg left \"free\" before \"mdat\""))
    {
        memcpy(head, co.data, (size_t) free_at + 16);
        put32(head + free_at, 1);
        memcpy(head + free_at + 4, "mdat", 4);
        put64(head + free_at + 8, (uint64_t) (moov_at - free_at) + FOUR_GIB);

        sp.head = head;
        sp.head_len = free_at + 16;
        sp.tail = co.data + free_at + 16;
        sp.tail_at = (uint64_t) free_at + 16 + FOUR_GIB;
        sp.tail_len = co.size - (free_at + 16);

        rc = bb_mp4_index_build(sparse_read, &sp, co.size + FOUR_GIB, 0,
                                &ix2, err, sizeof(err));

        if (ok(rc == BB_MP4_OK, "4 GiB: indexed")) {
            ok(ix2->video.offset_wide && ix2->audio.offset_wide
               && same_samples(&ix->video, &ix2->video, FOUR_GIB,
                               ix->video.count)
               && same_samples(&ix->audio, &ix2->audio, FOUR_GIB,
                               ix->audio.count),
               "4 GiB: 64-bit offsets, 4 GiB on");

        } else {
            diag("%s: %s", bb_mp4_strerror(rc), err);
        }

        bb_mp4_index_free(ix2);

        /* the same file said to be 4 GiB smaller: samples past its end */
        rc = bb_mp4_index_build(sparse_read, &sp, co.size, 0, &ix2, err,
                                sizeof(err));
        ok(rc != BB_MP4_OK && ix2 == NULL,
           "4 GiB: a file size too small for the mdat is an error");
    }

    free(co.data);
    bb_mp4_index_free(ix);
    free(f.data);
}


/* A copy of f with 4 bytes at at set to v. */
static unsigned char *
patched(const file_t *f, long at, uint32_t v)
{
    unsigned char  *m;

    m = malloc((size_t) f->size);
    memcpy(m, f->data, (size_t) f->size);

    if (at >= 0 && at + 4 <= f->size) {
        put32(m + at, v);
    }

    return m;
}


static void
expect_patch(const file_t *f, long at, uint32_t v, int rc, const char *name)
{
    unsigned char  *m;

    if (at < 0) {
        ok(0, "%s: the box is there", name);
        return;
    }

    m = patched(f, at, v);
    expect(m, (size_t) f->size, 0, rc, name);
    free(m);
}


#define TYPE(s)  ((uint32_t) (s)[0] << 24 | (uint32_t) (s)[1] << 16      \
                  | (uint32_t) (s)[2] << 8 | (uint32_t) (s)[3])

/* Boxes of a normal MP4 made to lie, one at a time. */
static void
test_lies(void)
{
    long             stbl, stsz, stco, stss, stsc, stts, ctts, moov, mdat;
    long             end, hdlr, avcc, avc1, mdhd, elst, at;
    file_t           f;
    unsigned char   *m;
    bb_mp4_index_t  *ix;

    ix = index_file("h264-aac.mp4", &f);
    if (ix == NULL) {
        return;
    }

    stbl = box_at(&f, 0, "moov/trak/mdia/minf/stbl");
    stsz = box_at(&f, 0, "moov/trak/mdia/minf/stbl/stsz");
    stco = box_at(&f, 0, "moov/trak/mdia/minf/stbl/stco");
    stss = box_at(&f, 0, "moov/trak/mdia/minf/stbl/stss");
    stsc = box_at(&f, 0, "moov/trak/mdia/minf/stbl/stsc");
    stts = box_at(&f, 0, "moov/trak/mdia/minf/stbl/stts");
    ctts = box_at(&f, 0, "moov/trak/mdia/minf/stbl/ctts");
    hdlr = box_at(&f, 0, "moov/trak/mdia/hdlr");
    mdhd = box_at(&f, 0, "moov/trak/mdia/mdhd");
    elst = box_at(&f, 0, "moov/trak/edts/elst");
    avc1 = box_at(&f, 0, "moov/trak/mdia/minf/stbl/stsd/avc1");
    avcc = box_at(&f, 0, "moov/trak/mdia/minf/stbl/stsd/avc1/avcC");
    moov = box_at(&f, 0, "moov");
    mdat = box_at(&f, 0, "mdat");

    if (!ok(stbl > 0 && stsz > 0 && stco > 0 && stss > 0 && stsc > 0
            && stts > 0 && ctts > 0 && hdlr > 0 && mdhd > 0 && elst > 0
            && avc1 > 0 && avcc > 0 && moov > 0 && mdat > 0,
            "lies: the boxes to lie in are found"))
    {
        bb_mp4_index_free(ix);
        free(f.data);
        return;
    }

    end = stbl + (long) be32(f.data + stbl);

    /* sizes */
    expect_patch(&f, stsz, (uint32_t) (end - stsz + 1), BB_MP4_ERR_BAD_BOX,
                 "lies: \"stsz\" one byte bigger than its parent");
    expect_patch(&f, stsz, 0xffffffff, BB_MP4_ERR_BAD_BOX,
                 "lies: \"stsz\" of 4 GiB");
    expect_patch(&f, stsz, 0, BB_MP4_ERR_BAD_BOX, "lies: \"stsz\" size 0");
    expect_patch(&f, stsz, 7, BB_MP4_ERR_BAD_BOX, "lies: \"stsz\" size 7");
    expect_patch(&f, stsz, 12, BB_MP4_ERR_BAD_BOX,
                 "lies: \"stsz\" too short for its fields");

    m = patched(&f, stsz, 1);
    put64(m + stsz + 8, 8);
    expect(m, (size_t) f.size, 0, BB_MP4_ERR_BAD_BOX,
           "lies: \"stsz\" size 1, largesize 8");
    put64(m + stsz + 8, UINT64_C(0xffffffffffffff00));
    expect(m, (size_t) f.size, 0, BB_MP4_ERR_BAD_BOX,
           "lies: \"stsz\" size 1, largesize near 2^64");
    free(m);

    expect_patch(&f, moov, (uint32_t) (f.size - moov + 1),
                 BB_MP4_ERR_TRUNCATED, "lies: \"moov\" past the file's end");
    expect_patch(&f, moov, 3, BB_MP4_ERR_BAD_BOX, "lies: \"moov\" size 3");

    m = patched(&f, mdat, 1);
    memcpy(m + mdat - 8, m + mdat, 4);      /* the free box before it */
    expect(m, (size_t) f.size, 0, BB_MP4_ERR_TRUNCATED,
           "lies: \"mdat\" size 1 with the mdat's start as largesize");
    free(m);

    m = patched(&f, mdat, 0);
    expect(m, (size_t) f.size, 0, BB_MP4_ERR_NO_MOOV,
           "lies: \"mdat\" size 0 swallows the moov after it");
    free(m);

    /* counts */
    expect_patch(&f, stsz + 16, be32(f.data + stsz + 16) - 1,
                 BB_MP4_ERR_COUNT, "lies: \"stsz\" one sample short");
    expect_patch(&f, stsz + 16, be32(f.data + stsz + 16) + 1,
                 BB_MP4_ERR_BAD_TABLE, "lies: \"stsz\" one entry too many");
    expect_patch(&f, stsz + 16, 0xffffffff, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"stsz\" count 2^32 - 1");
    expect_patch(&f, stsz + 12, 1 << 20, BB_MP4_ERR_PAST_END,
                 "lies: \"stsz\" constant size past the file");
    expect_patch(&f, stts + 16, be32(f.data + stts + 16) + 1,
                 BB_MP4_ERR_COUNT, "lies: \"stts\" one sample more");
    expect_patch(&f, stts + 12, 0x7fffffff, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"stts\" entry count past its box");
    expect_patch(&f, ctts + 16, be32(f.data + ctts + 16) + 1,
                 BB_MP4_ERR_COUNT, "lies: \"ctts\" one sample more");
    expect_patch(&f, stsc + 16, 2, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"stsc\" starts at chunk 2");
    expect_patch(&f, stsc + 16, 0, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"stsc\" chunk 0");
    expect_patch(&f, stsc + 20, be32(f.data + stsc + 20) + 1,
                 BB_MP4_ERR_COUNT, "lies: \"stsc\" one sample more per chunk");
    expect_patch(&f, stsc + 12, 0x10000000, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"stsc\" count past its box");

    /* sample data past the end */
    expect_patch(&f, stco + 16, (uint32_t) f.size - 10, BB_MP4_ERR_PAST_END,
                 "lies: a chunk 10 bytes before the end");
    expect_patch(&f, stco + 16, 0xffffffff, BB_MP4_ERR_PAST_END,
                 "lies: a chunk at 4 GiB - 1");
    expect_patch(&f, stsz + 20, 1 << 29, BB_MP4_ERR_PAST_END,
                 "lies: a sample of 512 MiB");
    expect_patch(&f, stsz + 20, 0x7fffffff, BB_MP4_ERR_TOO_BIG,
                 "lies: a sample of 2 GiB");

    /* keyframes */
    expect_patch(&f, stss + 12, 0, BB_MP4_ERR_NO_KEYFRAME,
                 "lies: \"stss\" empty: no keyframe");
    expect_patch(&f, stss + 16, 0, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"stss\" names sample 0");
    expect_patch(&f, stss + 16, 201, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"stss\" names sample 201 of 200");

    m = patched(&f, stss + 4, TYPE("free"));
    {
        char             err[256];
        bb_mp4_index_t  *all;

        if (ok(index_mem(m, (size_t) f.size, 0, &all, err, sizeof(err))
               == BB_MP4_OK, "lies: no \"stss\": indexed"))
        {
            is_int(all->video.keyframes, 200,
                   "lies: no \"stss\": every sample a keyframe");
        }

        bb_mp4_index_free(all);
    }
    free(m);

    /* tracks and codecs */
    expect_patch(&f, hdlr + 16, TYPE("text"), BB_MP4_ERR_NO_VIDEO,
                 "lies: the video track's handler is \"text\"");
    expect_patch(&f, avcc + 4, TYPE("xxxx"), BB_MP4_ERR_CODEC,
                 "lies: \"avc1\" without \"avcC\"");
    expect_patch(&f, avc1 + 4, TYPE("mp4v"), BB_MP4_ERR_CODEC,
                 "lies: a \"mp4v\" video");
    expect_patch(&f, avc1, 40, BB_MP4_ERR_BAD_BOX,
                 "lies: \"avc1\" too short for its fields");
    expect_patch(&f, avcc + 8, 0x02000000, BB_MP4_ERR_CODEC,
                 "lies: \"avcC\" version 2");
    at = mdhd + 8 + (f.data[mdhd + 8] == 1 ? 20 : 12);
    expect_patch(&f, at, 0, BB_MP4_ERR_BAD_BOX, "lies: \"mdhd\" timescale 0");
    expect_patch(&f, elst + 12, 0x10000000, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"elst\" count past its box");
    expect_patch(&f, elst + 20, (uint32_t) -5, BB_MP4_ERR_BAD_TABLE,
                 "lies: \"elst\" media time -5");

    bb_mp4_index_free(ix);
    free(f.data);
}


/* Every cut of a normal MP4 loses bytes some box claims: an error. */
static void
test_cuts(const char *name)
{
    int              bad;
    long             cut, step, tried;
    file_t           f;
    unsigned char   *copy;
    bb_mp4_err_e     rc;
    bb_mp4_index_t  *ix;

    if (slurp(name, &f) != 0) {
        ok(0, "read %s", name);
        return;
    }

    bad = 0;
    tried = 0;
    step = f.size / 211 + 1;

    for (cut = 0; cut < f.size; cut += (cut < 256 || f.size - cut < 4096)
                                       ? 1 : step)
    {
        copy = malloc((size_t) cut + 1);
        memcpy(copy, f.data, (size_t) cut);

        rc = index_mem(copy, (size_t) cut, 0, &ix, NULL, 0);
        bad += (rc == BB_MP4_OK || ix != NULL);
        tried++;

        bb_mp4_index_free(ix);

        /* a partial journal is no excuse for a normal MP4 */
        rc = index_mem(copy, (size_t) cut, BB_MP4_PARTIAL, &ix, NULL, 0);
        bad += (rc == BB_MP4_OK || ix != NULL);

        bb_mp4_index_free(ix);
        free(copy);
    }

    ok(bad == 0, "%s: cut at %ld offsets, each an error", name, tried);
    free(f.data);
}


/* The fragmented file's fragments made to lie. */
static void
test_frag_lies(void)
{
    long             moof, traf, trun, tfhd;
    file_t           f;
    bb_mp4_index_t  *ix;

    ix = index_file("frag.mp4", &f);
    if (ix == NULL) {
        return;
    }

    moof = child(f.data, 0, f.size, "moof", 0);
    traf = (moof > 0) ? child(f.data, moof + 8,
                              moof + (long) be32(f.data + moof), "traf", 0)
                      : -1;
    tfhd = (traf > 0) ? child(f.data, traf + 8,
                              traf + (long) be32(f.data + traf), "tfhd", 0)
                      : -1;
    trun = (traf > 0) ? child(f.data, traf + 8,
                              traf + (long) be32(f.data + traf), "trun", 0)
                      : -1;

    if (ok(moof > 0 && tfhd > 0 && trun > 0
           && (f.data[trun + 11] & 1), "frag lies: moof/traf/trun found"))
    {
        expect_patch(&f, trun + 12, 0xffffffff, BB_MP4_ERR_BAD_TABLE,
                     "frag lies: \"trun\" of 2^32 - 1 samples");
        expect_patch(&f, trun + 16, 0x7fffffff, BB_MP4_ERR_PAST_END,
                     "frag lies: \"trun\" data offset past the end");
        expect_patch(&f, trun + 16, 0x80000000, BB_MP4_ERR_PAST_END,
                     "frag lies: \"trun\" data offset before the file");
        expect_patch(&f, trun + 8, BB_MP4_TRUN_OFFSET_ONLY,
                     BB_MP4_ERR_PAST_END,
                     "frag lies: \"trun\" without per-sample fields: "
                     "50 default sizes weighed against the file");
        expect_patch(&f, moof, (uint32_t) (f.size - moof + 1),
                     BB_MP4_ERR_TRUNCATED, "frag lies: \"moof\" past the end");
        expect_patch(&f, traf, 0, BB_MP4_ERR_BAD_BOX,
                     "frag lies: \"traf\" size 0");
        expect_patch(&f, tfhd, 12, BB_MP4_ERR_BAD_BOX,
                     "frag lies: \"tfhd\" too short");
        expect_patch(&f, tfhd + 4, TYPE("free"), BB_MP4_ERR_BAD_BOX,
                     "frag lies: \"traf\" without \"tfhd\"");
        expect_patch(&f, tfhd + 8, 0x0002003f, BB_MP4_ERR_BAD_BOX,
                     "frag lies: \"tfhd\" flags more fields than it has");
    }

    bb_mp4_index_free(ix);
    free(f.data);
}


/* Small hand-made inputs, and garbage. */
static void
test_garbage(void)
{
    int             i, seed;
    unsigned char   buf[65536];
    unsigned        x;

    static const unsigned char  ftyp[] =
        "\0\0\0\x10" "ftypisom\0\0\0\0";
    static const unsigned char  ftyp_moov[] =
        "\0\0\0\x10" "ftypisom\0\0\0\0" "\0\0\0\x08" "moov";
    static const unsigned char  moov_to_end[] =
        "\0\0\0\0" "moov" "\0\0\0\x08" "free";
    static const unsigned char  big_first[] =
        "\0\0\0\x01" "ftyp" "\0\0\0\0\0\0\0\x04";
    static const unsigned char  child_zero[] =
        "\0\0\0\x10" "moov" "\0\0\0\0" "trak";
    static const unsigned char  child_big[] =
        "\0\0\0\x10" "moov" "\0\0\0\x09" "trak";
    static const unsigned char  stray[] =
        "\0\0\0\x10" "ftypisom\0\0\0\0" "\0\0\0\x08" "mo";
    static const unsigned char  text[] =
        "This is not an MP4 file, whatever its name says.\n";

    expect(ftyp, 0, 0, BB_MP4_ERR_EMPTY, "garbage: zero-length");
    expect(ftyp, 7, 0, BB_MP4_ERR_NOT_MP4, "garbage: 7 bytes");
    expect(text, sizeof(text) - 1, 0, BB_MP4_ERR_NOT_MP4, "garbage: text");
    expect(ftyp, sizeof(ftyp) - 1, 0, BB_MP4_ERR_NO_MOOV,
           "garbage: only \"ftyp\"");
    expect(ftyp_moov, sizeof(ftyp_moov) - 1, 0, BB_MP4_ERR_NO_VIDEO,
           "garbage: an empty \"moov\"");
    expect(moov_to_end, sizeof(moov_to_end) - 1, 0, BB_MP4_ERR_NO_VIDEO,
           "garbage: \"moov\" of size 0, to the end");
    expect(big_first, sizeof(big_first) - 1, 0, BB_MP4_ERR_NOT_MP4,
           "garbage: a first box of largesize 4");
    expect(child_zero, sizeof(child_zero) - 1, 0, BB_MP4_ERR_BAD_BOX,
           "garbage: a \"trak\" of size 0 in \"moov\"");
    expect(child_big, sizeof(child_big) - 1, 0, BB_MP4_ERR_BAD_BOX,
           "garbage: a \"trak\" bigger than its \"moov\"");
    expect(stray, sizeof(stray) - 1, 0, BB_MP4_ERR_TRUNCATED,
           "garbage: 6 stray bytes after \"ftyp\"");

    for (seed = 1; seed <= 20; seed++) {
        x = (unsigned) seed * 2654435761u;

        for (i = 0; i < (int) sizeof(buf); i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (unsigned char) (x >> 16);
        }

        /* half of them look like a box to start with */
        if (seed % 2 == 0) {
            memcpy(buf, ftyp, 16);
            memcpy(buf + 16, "\0\0\x10\0moov", 8);
        }

        expect(buf, (size_t) (seed * 3271) % sizeof(buf), 0, -1,
               "garbage: random bytes");
    }
}


/* Files of a kind we do not index. */
static void
test_refused(void)
{
    file_t  f;

    if (slurp("audio.mp4", &f) == 0) {
        expect(f.data, (size_t) f.size, 0, BB_MP4_ERR_NO_VIDEO,
               "audio only: no video track");
        free(f.data);
    }

    if (slurp("mpeg4.mp4", &f) == 0) {
        expect(f.data, (size_t) f.size, 0, BB_MP4_ERR_CODEC,
               "mpeg4: video codec not supported");
        free(f.data);
    }
}


int
main(void)
{
    int   x265;
    char  cmd[512];

    test_garbage();

    if (system("ffmpeg -version >/dev/null 2>&1") != 0) {
        diag("ffmpeg not found: the fixtures are skipped");
        return done_testing();
    }

    if (media_dir_make("mp4") != 0) {
        return done_testing();
    }

    x265 = tap_has_encoder("libx265");

    if (ok(tap_ffmpeg(dir, "h264-aac.mp4", VIDEO AUDIO H264 AAC LEN) == 0
           && tap_ffmpeg(dir, "h264-aac-fast.mp4", VIDEO AUDIO H264 AAC LEN
                         "-movflags +faststart ") == 0
           && tap_ffmpeg(dir, "h264-bf0.mp4", VIDEO H264 "-bf 0 " LEN) == 0
           && tap_ffmpeg(dir, "vfr.mp4", VIDEO H264 LEN
                         "-vf select='not(between(n\\,30\\,34))' "
                         "-vsync vfr ") == 0
           && tap_ffmpeg(dir, "keys.mp4", VIDEO "-c:v libx264 -g 1000 "
                         "-sc_threshold 0 -force_key_frames 0,1,3,5,6,7 "
                         LEN) == 0
           && tap_ffmpeg(dir, "frag.mp4", VIDEO AUDIO H264 AAC LEN FRAG) == 0
           && tap_ffmpeg(dir, "audio.mp4", AUDIO AAC "-t 2 ") == 0
           && tap_ffmpeg(dir, "mpeg4.mp4", VIDEO "-c:v mpeg4 -t 2 ") == 0
           && (!x265
               || (tap_ffmpeg(dir, "h265-aac.mp4", VIDEO AUDIO H265 AAC LEN)
                   == 0
                   && tap_ffmpeg(dir, "h265-hvc1.mp4", VIDEO H265 LEN
                                 "-tag:v hvc1 ") == 0)),
           "make the fixtures with ffmpeg"))
    {
        test_clips(x265);
        test_rewritten();
        test_lies();
        test_cuts("h264-aac.mp4");
        test_cuts("h264-aac-fast.mp4");
        test_frag_lies();
        test_refused();
    }

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ok(system(cmd) == 0, "remove %s", dir);

    return done_testing();
}
