/*
 * Unit tests of bb_fmp4: clips made by ffmpeg at test time (H.264 + AAC
 * with moov first, H.264 alone, H.265 + AAC, a fragmented file like the
 * ingest's journal, and a clip remuxed by bb_remux as the ingest stores
 * them) are indexed, cut at 4 s, and written out as the nginx module will
 * serve them: the init segment, then each segment's header followed by
 * the clip file's byte ranges it lists.  Then:
 *
 *   - bb_mp4 reads the output back: every sample's bytes, duration and
 *     keyframe flag, its decode time base + dts, its presentation time
 *     base + the clip's edited one;
 *   - ffmpeg copies from it exactly the packets (md5, size, duration,
 *     timestamps up to its own constant lag, see same_frames) it copies
 *     from the clip, directly and through an HLS playlist of byte ranges;
 *   - ffprobe finds nothing wrong in the whole, nor in each segment
 *     behind the init segment.
 *
 * Two clips in a row must be one stream whose decode times run on
 * without a gap.  The single-track forms DASH serves (video alone, audio
 * alone) must each be one stream of every sample of its track, the
 * packets of that track of the muxed form; a segment with no audio is
 * an empty one in the audio alone.  The CODECS strings are checked
 * against ffprobe's profile and level, and against hand-made
 * configurations.
 *
 * Set BB_KEEP=1 to keep the temporary folder for a look.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "bb_fmp4.h"
#include "bb_mp4.h"
#include "bb_mp4_segment.h"
#include "bb_remux.h"
#include "media_fixture.h"
#include "tap.h"


#define VIDEO   "-f lavfi -i testsrc=size=320x240:rate=25 "
#define VIDEO2  "-f lavfi -i testsrc2=size=320x240:rate=25 "
#define AUDIO   "-f lavfi -i sine=frequency=440:sample_rate=48000 "
#define AUDIO2  "-f lavfi -i sine=frequency=880:sample_rate=48000 "
#define H264    "-c:v libx264 -pix_fmt yuv420p -g 50 -keyint_min 50 " \
                "-sc_threshold 0 "
#define H265    "-c:v libx265 -pix_fmt yuv420p -x265-params " \
                "log-level=error:keyint=50:min-keyint=50:scenecut=0 " \
                "-tag:v hvc1 "
#define AAC     "-c:a aac "
#define FAST    "-movflags +faststart "
#define FRAG    "-movflags frag_keyframe+empty_moov+default_base_moof "

/* One line of ffmpeg's framemd5 of copied packets. */
typedef struct {
    long long  dts, pts, duration, size;
    char       md5[33];
} frame_t;


/* Runs cmd; its whole output (stdout and stderr), malloc'd, or NULL. */
static char *
run(const char *cmd)
{
    char    full[2048], *out, *p;
    FILE   *f;
    size_t  len, cap, n;

    snprintf(full, sizeof(full), "%s 2>&1", cmd);

    f = popen(full, "r");
    if (f == NULL) {
        return NULL;
    }

    cap = 4096;
    len = 0;
    out = malloc(cap);

    while (out != NULL) {
        if (cap - len < 1024) {
            cap *= 2;
            p = realloc(out, cap);
            if (p == NULL) {
                free(out);
                out = NULL;
                break;
            }
            out = p;
        }

        n = fread(out + len, 1, cap - len - 1, f);
        if (n == 0) {
            break;
        }

        len += n;
    }

    pclose(f);

    if (out != NULL) {
        out[len] = '\0';
    }

    return out;
}


/*
 * The packets of stream "v" or "a" of the file at path as ffmpeg copies
 * them (its framemd5 of -c copy), or NULL.
 */
static frame_t *
framemd5(const char *path, const char *stream, int *n)
{
    int       cap;
    char      cmd[1024], line[512];
    FILE     *f;
    frame_t  *fr, *p;
    int       idx;

    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -copyts -i %s "
             "-map 0:%s -c copy -f framemd5 - 2>/dev/null", path, stream);

    f = popen(cmd, "r");
    if (f == NULL) {
        return NULL;
    }

    cap = 1024;
    fr = malloc(cap * sizeof(frame_t));
    *n = 0;

    while (fr != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (line[0] == '#') {
            continue;
        }

        if (*n == cap) {
            cap *= 2;
            p = realloc(fr, cap * sizeof(frame_t));
            if (p == NULL) {
                free(fr);
                fr = NULL;
                break;
            }
            fr = p;
        }

        p = &fr[*n];

        if (sscanf(line, "%d, %lld, %lld, %lld, %lld, %32s", &idx, &p->dts,
                   &p->pts, &p->duration, &p->size, p->md5) == 6)
        {
            (*n)++;
        }
    }

    pclose(f);

    return fr;
}


/* ffprobe reads every packet of path and says nothing: 1. */
static int
probe_clean(const char *path)
{
    int    clean;
    char   cmd[1024], *out;

    snprintf(cmd, sizeof(cmd), "ffprobe -v error -show_packets "
             "-show_streams %s >/dev/null", path);

    out = run(cmd);
    if (out == NULL) {
        return 0;
    }

    clean = (out[0] == '\0');

    if (!clean) {
        diag("ffprobe %s: %.400s", path, out);
    }

    free(out);

    return clean;
}


/*
 * ffprobe's streams of path as lines "type,packets" ("audio,469"), after
 * reading and counting every packet; with its complaints, if any.
 * malloc'd, or NULL.
 */
static char *
probe_streams(const char *path)
{
    char  cmd[1024];

    snprintf(cmd, sizeof(cmd), "ffprobe -v error -count_packets "
             "-show_entries stream=codec_type,nb_read_packets -of csv=p=0 "
             "%s", path);

    return run(cmd);
}


/* Indexes the file name; NULL and a failed test if it cannot. */
static bb_mp4_index_t *
index_file(const char *name, file_t *f)
{
    char             err[256];
    bb_mp4_mem_t     mem;
    bb_mp4_err_e     rc;
    bb_mp4_index_t  *ix;

    if (slurp(name, f) != 0) {
        ok(0, "read %s", name);
        return NULL;
    }

    mem.data = f->data;
    mem.size = (size_t) f->size;

    rc = bb_mp4_index_build(bb_mp4_mem_read, &mem, (uint64_t) f->size, 0,
                            &ix, err, sizeof(err));

    if (!ok(rc == BB_MP4_OK, "index %s", name)) {
        diag("%s: %s", bb_mp4_strerror(rc), err);
        return NULL;
    }

    return ix;
}


/*
 * The init segment of ix's tracks selected by tracks, built in the four
 * steps: measure, allocate, write, check.  *len is its size.  NULL and a
 * failed test on error.
 */
static uint8_t *
init_segment(const bb_mp4_index_t *ix, unsigned tracks, size_t *len,
    const char *name)
{
    size_t    need, got;
    uint8_t  *buf;

    need = bb_fmp4_init_build(ix, tracks, NULL, 0);
    buf = (need > 0) ? malloc(need) : NULL;

    if (buf == NULL) {
        ok(0, "%s: init segment measured (%zu)", name, need);
        return NULL;
    }

    got = bb_fmp4_init_build(ix, tracks, buf, need);

    if (!ok(got == need && be32(buf + 4) == be32((const uint8_t *) "ftyp")
            && be32(buf + be32(buf) + 4) == be32((const uint8_t *) "moov")
            && be32(buf) + be32(buf + be32(buf)) == need,
            "%s: init segment of %zu bytes: ftyp, moov", name, need))
    {
        free(buf);
        return NULL;
    }

    *len = need;

    return buf;
}


/*
 * Writes segment seg of the clip f (indexed as ix) with the tracks
 * selected by tracks to out: the header built in the four steps, then
 * the file's bytes in each range.  Checks the mdat's size against the
 * ranges and the segment's samples of those tracks.  Returns 0, or -1
 * with a failed test.
 */
static int
write_segment(FILE *out, const bb_mp4_index_t *ix, const file_t *f,
    const bb_mp4_segment_t *seg, unsigned tracks, uint32_t sequence,
    const bb_fmp4_base_t *base, size_t *nranges, int report,
    const char *name)
{
    int               bad;
    size_t            need, got, n, i, mdat;
    uint8_t          *hdr;
    uint32_t          k;
    uint64_t          payload, samples;
    bb_fmp4_range_t  *r;

    need = bb_fmp4_segment_header(ix, seg, tracks, sequence, base, NULL, 0);
    n = bb_fmp4_segment_ranges(ix, seg, tracks, NULL, 0);

    /* no range is an empty payload: audio alone, none in the segment */
    hdr = (need > 0) ? malloc(need) : NULL;
    r = calloc(n > 0 ? n : 1, sizeof(bb_fmp4_range_t));

    if (hdr == NULL || r == NULL) {
        free(hdr);
        free(r);
        return ok(0, "%s: segment %u measured (%zu bytes, %zu ranges)",
                  name, sequence, need, n) - 1;
    }

    got = bb_fmp4_segment_header(ix, seg, tracks, sequence, base, hdr,
                                 need);
    bad = (got != need)
          + (bb_fmp4_segment_ranges(ix, seg, tracks, r, n) != n);

    payload = 0;

    for (i = 0; i < n; i++) {
        payload += r[i].length;

        if (r[i].offset + r[i].length > (uint64_t) f->size
            || (i > 0 && r[i].offset == r[i - 1].offset + r[i - 1].length))
        {
            bad++;
        }
    }

    samples = 0;

    if (tracks & BB_FMP4_VIDEO) {
        for (k = seg->video_start; k < seg->video_end; k++) {
            samples += bb_mp4_size(&ix->video, k);
        }
    }

    if (tracks & BB_FMP4_AUDIO) {
        for (k = seg->audio_start; k < seg->audio_end; k++) {
            samples += bb_mp4_size(&ix->audio, k);
        }
    }

    /* the header ends with the mdat's 8-byte header */
    mdat = need - 8;
    bad += memcmp(hdr + mdat + 4, "mdat", 4) != 0
           || be32(hdr + mdat) != 8 + payload || payload != samples
           || memcmp(hdr + 4, "styp", 4) != 0
           || memcmp(hdr + be32(hdr) + 4, "moof", 4) != 0;

    if (bad || report) {
        ok(bad == 0, "%s: segment %u: header of %zu bytes, %zu ranges of "
           "%llu bytes, the samples' sum", name, sequence, need, n,
           (unsigned long long) payload);
    }

    if (bad) {
        free(hdr);
        free(r);
        return -1;
    }

    fwrite(hdr, 1, need, out);

    for (i = 0; i < n; i++) {
        fwrite(f->data + r[i].offset, 1, (size_t) r[i].length, out);
    }

    if (nranges != NULL) {
        *nranges = n;
    }

    free(hdr);
    free(r);

    return 0;
}


/* The segments of ix at 4 s, malloc'd; *n their count. */
static bb_mp4_segment_t *
segments(const bb_mp4_index_t *ix, size_t *n)
{
    bb_mp4_segment_t  *sg;

    *n = bb_mp4_segments(ix, 4000, NULL, 0);
    sg = calloc(*n, sizeof(bb_mp4_segment_t));

    if (sg != NULL) {
        bb_mp4_segments(ix, 4000, sg, *n);
    }

    return sg;
}


/*
 * The frames of stream of got are those of the want lists in a row:
 * same count, data (md5 and size) and durations; timestamps those of
 * want[i] moved by shift[i], plus one lag for the whole stream.
 *
 * The lag is ffmpeg's way with negative composition offsets (the trun
 * version 1 of B-frames and of an AAC edit): its mov demuxer never has a
 * pts below the dts, so it raises every pts of the track by the largest
 * negative offset (want_lag, see lag_of) and keeps the tfdt's decode
 * times, where for the clip it lowers the decode times by the edit
 * instead.  With the edit's first frame at composition offset 0, as
 * encoders make them, the two are the same: one constant for dts and pts
 * alike, and the players that follow the spec (MSE) see no lag at all.
 * Where one clip ends the next one's first decode time must follow the
 * last's with no gap and no overlap.
 *
 * The duration of a clip's last packet is left out: reading fragments,
 * ffmpeg gives it the one before's (1024 for AAC) where the clip says
 * 768, the end of its edit, though the trun has 768 and the next clip's
 * tfdt follows on from it; same_samples checks it with our reader.
 */
static int
same_frames(const char *got_path, const char *stream,
    const char *const *want_paths, const long long *shift, int nwant,
    long long want_lag, const char *name)
{
    int        i, j, k, n, m, bad;
    frame_t   *got, *want;
    long long  lag, last;

    got = framemd5(got_path, stream, &n);
    if (got == NULL) {
        return ok(0, "%s: framemd5 of %s", name, got_path);
    }

    bad = 0;
    k = 0;
    lag = 0;
    last = 0;

    for (i = 0; i < nwant; i++) {
        want = framemd5(want_paths[i], stream, &m);
        if (want == NULL) {
            bad++;
            break;
        }

        for (j = 0; j < m && bad < 5; j++, k++) {
            if (k >= n) {
                diag("frame %d: missing", k);
                bad++;
                break;
            }

            if (k == 0) {
                lag = got[0].dts - (want[0].dts + shift[0]);
            }

            if (strcmp(got[k].md5, want[j].md5) != 0
                || got[k].size != want[j].size
                || (j + 1 < m && got[k].duration != want[j].duration)
                || got[k].pts != want[j].pts + shift[i] + lag
                || got[k].dts != want[j].dts + shift[i] + lag)
            {
                diag("frame %d: dts %lld pts %lld dur %lld size %lld %s; "
                     "want dts %lld pts %lld dur %lld size %lld %s", k,
                     got[k].dts, got[k].pts, got[k].duration, got[k].size,
                     got[k].md5, want[j].dts + shift[i] + lag,
                     want[j].pts + shift[i] + lag, want[j].duration,
                     want[j].size, want[j].md5);
                bad++;
            }

            if (i > 0 && j == 0 && got[k].dts != got[k - 1].dts + last) {
                diag("clip %d starts at dts %lld after %lld + %lld", i + 1,
                     got[k].dts, got[k - 1].dts, last);
                bad++;
            }
        }

        last = (m > 0) ? want[m - 1].duration : 0;
        free(want);
    }

    if (k != n) {
        diag("%d frames, want %d", n, k);
        bad++;
    }

    free(got);

    if (lag != want_lag) {
        diag("lag %lld, want %lld", lag, want_lag);
    }

    return ok(bad == 0 && n > 0 && lag == want_lag,
              "%s: %d %s packets as the clip%s, same data and timing%s",
              name, n, stream, nwant > 1 ? "s'" : "'s",
              nwant > 1 ? ", running on" : "");
}


/*
 * ffmpeg's lag for tr (see same_frames): the largest negative composition
 * offset bb_fmp4 writes for it, or 0.
 */
static long long
lag_of(const bb_mp4_track_t *tr)
{
    uint32_t   i;
    long long  cts, lag;

    lag = 0;

    for (i = 0; i < tr->count; i++) {
        cts = (long long) bb_mp4_cts(tr, i) + (long long) tr->first_dts
              + (long long) tr->empty_duration - tr->media_start;

        if (-cts > lag) {
            lag = -cts;
        }
    }

    return lag;
}


/*
 * Our own reader over the output: every sample of the clips, in a row,
 * with the same bytes, durations and keyframes, decoded at base + dts -
 * first_dts and presented at base + its presentation time in the clip
 * with the edit list applied (the contract of bb_fmp4.h).
 */
static int
same_samples(const char *out_name, bb_mp4_index_t *const *ix,
    const file_t *f, int nclips, const long long *vshift,
    const long long *ashift, const char *name)
{
    int                    c, t, bad;
    file_t                 g;
    __int128               pts;
    uint32_t               i, k;
    bb_mp4_index_t        *out;
    bb_mp4_sample_t        x, y;
    const bb_mp4_track_t  *tr, *otr;

    out = index_file(out_name, &g);
    if (out == NULL) {
        free(g.data);
        return 0;
    }

    bad = !(out->flags & BB_MP4_FRAGMENTED);

    for (t = 0; t < 2; t++) {
        k = 0;
        otr = (t == 0) ? &out->video : &out->audio;

        for (c = 0; c < nclips; c++) {
            tr = (t == 0) ? &ix[c]->video : &ix[c]->audio;

            for (i = 0; i < tr->count && bad < 5; i++, k++) {
                if (k >= otr->count) {
                    diag("%s sample %u: missing", t ? "audio" : "video", k);
                    bad++;
                    break;
                }

                bb_mp4_sample(tr, i, &x);
                bb_mp4_sample(otr, k, &y);

                pts = (__int128) x.dts + x.cts + tr->empty_duration
                      - tr->media_start
                      + (t == 0 ? vshift[c] : ashift[c]);

                if (y.dts != (t == 0 ? vshift[c] : ashift[c])
                             + x.dts - tr->first_dts
                    || (__int128) y.dts + y.cts != pts
                    || y.duration != x.duration || y.size != x.size
                    || y.key != x.key
                    || memcmp(g.data + y.offset, f[c].data + x.offset,
                              x.size) != 0)
                {
                    diag("%s sample %u: dts %llu cts %d of %llu; clip %d "
                         "sample %u: dts %llu cts %d", t ? "audio" : "video",
                         k, (unsigned long long) y.dts, y.cts,
                         (unsigned long long) y.offset, c + 1, i,
                         (unsigned long long) x.dts, x.cts);
                    bad++;
                }
            }
        }

        if (k != otr->count) {
            diag("%s: %u samples, want %u", t ? "audio" : "video",
                 otr->count, k);
            bad++;
        }
    }

    bb_mp4_index_free(out);
    free(g.data);

    return ok(bad == 0, "%s: bb_mp4 reads every sample back, bytes and "
              "times as promised", name);
}


/*
 * Packages the clips names (indexed as ix, files f) one after the other
 * into out.mp4 under the first one's init segment; with each, checks
 * every segment behind the init segment alone with ffprobe.  Returns 0,
 * or -1 with a failed test.  *shift is each clip's start in the video
 * and audio time bases.
 */
static int
package(const char *out_name, bb_mp4_index_t *const *ix, const file_t *f,
    int nclips, long long *vshift, long long *ashift, size_t *max_ranges,
    const char *name)
{
    int                c, bad;
    long               at;
    char               path[512], one[600], what[128];
    FILE              *out, *seg_out, *m3u8;
    size_t             init_len, nseg, i, nr;
    uint8_t           *init;
    uint32_t           sequence;
    bb_fmp4_base_t     base;
    bb_mp4_segment_t  *sg;

    init = init_segment(ix[0], BB_FMP4_BOTH, &init_len, name);
    if (init == NULL) {
        return -1;
    }

    out = fopen(in_dir(path, sizeof(path), out_name), "w");
    if (out == NULL) {
        free(init);
        return ok(0, "%s: open %s", name, path) - 1;
    }

    fwrite(init, 1, init_len, out);

    /* an HLS playlist of byte ranges of out, for ffmpeg's HLS reader */
    snprintf(one, sizeof(one), "%s.m3u8", path);
    m3u8 = fopen(one, "w");

    if (m3u8 == NULL) {
        fclose(out);
        free(init);
        return ok(0, "%s: open %s", name, one) - 1;
    }

    fprintf(m3u8, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n"
            "#EXT-X-PLAYLIST-TYPE:VOD\n"
            "#EXT-X-MAP:URI=\"%s\",BYTERANGE=\"%zu@0\"\n", out_name,
            init_len);

    base.video = 0;
    base.audio = 0;
    sequence = 1;
    bad = 0;
    *max_ranges = 0;

    for (c = 0; c < nclips && bad == 0; c++) {
        vshift[c] = (long long) base.video;
        ashift[c] = (long long) base.audio;

        sg = segments(ix[c], &nseg);
        if (sg == NULL) {
            bad++;
            break;
        }

        for (i = 0; i < nseg && bad == 0; i++, sequence++) {
            snprintf(what, sizeof(what), "%s clip %d", name, c + 1);

            at = ftell(out);

            if (write_segment(out, ix[c], &f[c], &sg[i], BB_FMP4_BOTH,
                              sequence, &base, &nr, 1, what) != 0)
            {
                bad++;
                break;
            }

            fprintf(m3u8, "#EXTINF:%.3f,\n#EXT-X-BYTERANGE:%ld@%ld\n%s\n",
                    (double) sg[i].duration / ix[c]->video.timescale,
                    ftell(out) - at, at, out_name);

            if (nr > *max_ranges) {
                *max_ranges = nr;
            }

            /* the segment alone, behind the init segment */
            snprintf(one, sizeof(one), "%s/one.mp4", dir);
            seg_out = fopen(one, "w");

            if (seg_out == NULL) {
                bad++;
                break;
            }

            fwrite(init, 1, init_len, seg_out);
            bad += write_segment(seg_out, ix[c], &f[c], &sg[i],
                                 BB_FMP4_BOTH, sequence, &base, NULL, 0,
                                 what) != 0;
            fclose(seg_out);

            if (!ok(probe_clean(one), "%s: init + segment %u alone: "
                    "ffprobe finds nothing wrong", what, sequence))
            {
                bad++;
            }
        }

        free(sg);

        /* the next clip's decode times run on from this one's end */
        base.video += ix[c]->video.end_dts - ix[c]->video.first_dts;

        if (ix[c]->audio.count > 0) {
            base.audio += ix[c]->audio.end_dts - ix[c]->audio.first_dts;
        }
    }

    fprintf(m3u8, "#EXT-X-ENDLIST\n");
    fclose(m3u8);
    fclose(out);
    free(init);

    if (bad) {
        return -1;
    }

    return ok(probe_clean(path), "%s: the whole: ffprobe finds nothing "
              "wrong", name) - 1;
}


/*
 * ffmpeg copies the same packets of stream ("v", "a") from the files at
 * a_path and b_path: some, as many, with the same data and timestamps.
 * 1 or 0; *n is how many it copies from a_path.
 */
static int
same_packets(const char *a_path, const char *b_path, const char *stream,
    int *n)
{
    int       i, m, same;
    frame_t  *a, *b;

    *n = 0;
    a = framemd5(a_path, stream, n);
    b = framemd5(b_path, stream, &m);
    same = (a != NULL && b != NULL && *n == m && m > 0);

    for (i = 0; same && i < m; i++) {
        same = strcmp(a[i].md5, b[i].md5) == 0 && a[i].dts == b[i].dts
               && a[i].pts == b[i].pts;
    }

    free(a);
    free(b);

    return same;
}


/*
 * ffmpeg's HLS reader over out.m3u8 (out's byte ranges, as a player
 * fetches them: the init segment, then segment after segment) gets the
 * packets it gets from out, and decodes them all without an error.
 */
static int
same_through_hls(const char *out, const char *stream, const char *name)
{
    int    n, bad;
    char   m3u8[600], cmd[1024], *err;

    snprintf(m3u8, sizeof(m3u8), "%s.m3u8", out);

    bad = !same_packets(out, m3u8, stream, &n);

    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -i %s -map 0:%s "
             "-f null -", m3u8, stream);
    err = run(cmd);

    if (err == NULL || err[0] != '\0') {
        diag("%s: %.400s", cmd, err ? err : "failed");
        bad++;
    }

    free(err);

    return ok(!bad, "%s: through HLS, the same %d %s packets, decoded "
              "without an error", name, n, stream);
}


/*
 * One clip: packaged, then the same packets as the clip, and its CODECS
 * string.
 */
static size_t
test_clip(const char *clip, int audio, const char *name)
{
    char             out[512], orig[512], codecs[BB_FMP4_CODEC_LEN];
    file_t           f;
    size_t           max_ranges;
    long long        vshift, ashift;
    const char      *want[1];
    bb_mp4_index_t  *ix;

    max_ranges = 0;

    ix = index_file(clip, &f);
    if (ix == NULL) {
        free(f.data);
        return 0;
    }

    ok((ix->audio.count > 0) == audio, "%s: %s audio", name,
       audio ? "with" : "without");

    snprintf(codecs, sizeof(codecs), "%s.out.mp4", clip);

    if (package(codecs, &ix, &f, 1, &vshift, &ashift, &max_ranges, name)
        == 0)
    {
        in_dir(out, sizeof(out), codecs);
        want[0] = in_dir(orig, sizeof(orig), clip);

        same_samples(codecs, &ix, &f, 1, &vshift, &ashift, name);
        same_through_hls(out, "v", name);
        same_frames(out, "v", want, &vshift, 1, lag_of(&ix->video), name);

        if (audio) {
            same_frames(out, "a", want, &ashift, 1, lag_of(&ix->audio), name);
        }

        diag("%s: at most %zu ranges in a segment", name, max_ranges);
    }

    bb_mp4_index_free(ix);
    free(f.data);

    return max_ranges;
}


/*
 * The clip in as bb_remux writes it at out: both streams copied, one
 * chunk per track per GOP.  0, or -1.
 */
static int
remux(const char *in_name, const char *out_name)
{
    int               rc, s;
    char              in[512], out[512], err[256];
    unsigned          n;
    AVPacket         *pkt;
    AVStream         *streams[2];
    bb_remux_t       *rx;
    long long         ms;
    AVFormatContext  *fmt;

    fmt = NULL;
    av_log_set_level(AV_LOG_ERROR);

    if (avformat_open_input(&fmt, in_dir(in, sizeof(in), in_name), NULL,
                            NULL) < 0)
    {
        return -1;
    }

    if (avformat_find_stream_info(fmt, NULL) < 0 || fmt->nb_streams != 2) {
        avformat_close_input(&fmt);
        return -1;
    }

    n = 2;
    streams[0] = fmt->streams[0];
    streams[1] = fmt->streams[1];

    rx = bb_remux_open(in_dir(out, sizeof(out), out_name), streams, n,
                       BB_REMUX_FASTSTART, err, sizeof(err));
    if (rx == NULL) {
        diag("bb_remux_open: %s", err);
        avformat_close_input(&fmt);
        return -1;
    }

    pkt = av_packet_alloc();
    rc = 0;

    while (pkt != NULL && av_read_frame(fmt, pkt) >= 0) {
        s = pkt->stream_index;
        rc = bb_remux_write(rx, (unsigned) s, pkt, err, sizeof(err));
        av_packet_unref(pkt);

        if (rc < 0) {
            diag("bb_remux_write: %s", err);
            break;
        }
    }

    av_packet_free(&pkt);
    avformat_close_input(&fmt);

    if (rc < 0) {
        bb_remux_close(rx);
        return -1;
    }

    if (bb_remux_finish(rx, &ms, err, sizeof(err)) != 0) {
        diag("bb_remux_finish: %s", err);
        return -1;
    }

    return 0;
}


/* Two clips in a row: one stream, the second's times running on. */
static void
test_two(const char *a, const char *b)
{
    int              i;
    char             out[512], pa[512], pb[512];
    file_t           f[2];
    size_t           max_ranges;
    long long        vshift[2], ashift[2];
    const char      *want[2];
    bb_mp4_index_t  *ix[2];

    ix[0] = index_file(a, &f[0]);
    ix[1] = index_file(b, &f[1]);

    if (ix[0] != NULL && ix[1] != NULL
        && ok(bb_fmp4_init_same(ix[0], ix[1]),
              "two clips: one init segment for both")
        && package("two.mp4", ix, f, 2, vshift, ashift, &max_ranges,
                   "two clips") == 0)
    {
        in_dir(out, sizeof(out), "two.mp4");
        want[0] = in_dir(pa, sizeof(pa), a);
        want[1] = in_dir(pb, sizeof(pb), b);

        ok(vshift[1] == 10 * 12800,
           "two clips: the second's video starts at 10 s");

        same_samples("two.mp4", ix, f, 2, vshift, ashift, "two clips");
        same_through_hls(out, "v", "two clips");
        same_through_hls(out, "a", "two clips");
        same_frames(out, "v", want, vshift, 2, lag_of(&ix[0]->video),
                    "two clips");
        same_frames(out, "a", want, ashift, 2, lag_of(&ix[0]->audio),
                    "two clips");
    }

    for (i = 0; i < 2; i++) {
        bb_mp4_index_free(ix[i]);
        free(f[i].data);
    }
}


/*
 * Writes every segment of ix (clip f, segments sg) with the tracks
 * selected by tracks to path, behind their init segment, as package does
 * for one clip.  Returns how many samples of those tracks the segments
 * have, or -1 with a failed test.
 */
static long
package_tracks(const char *path, const bb_mp4_index_t *ix, const file_t *f,
    const bb_mp4_segment_t *sg, size_t nseg, unsigned tracks,
    const char *name)
{
    int              bad;
    long             samples;
    FILE            *out;
    size_t           init_len, i;
    uint8_t         *init;
    bb_fmp4_base_t   base;

    init = init_segment(ix, tracks, &init_len, name);
    if (init == NULL) {
        return -1;
    }

    out = fopen(path, "w");
    if (out == NULL) {
        free(init);
        return ok(0, "%s: open %s", name, path) - 1;
    }

    fwrite(init, 1, init_len, out);
    free(init);

    base.video = 0;
    base.audio = 0;
    bad = 0;
    samples = 0;

    for (i = 0; i < nseg && bad == 0; i++) {
        bad = write_segment(out, ix, f, &sg[i], tracks, (uint32_t) i + 1,
                            &base, NULL, 0, name);

        if (tracks & BB_FMP4_VIDEO) {
            samples += sg[i].video_end - sg[i].video_start;
        }

        if (tracks & BB_FMP4_AUDIO) {
            samples += sg[i].audio_end - sg[i].audio_start;
        }
    }

    fclose(out);

    return bad ? -1 : samples;
}


/*
 * The single-track forms of clip that DASH serves, after test_clip made
 * its muxed one: per track, its init segment and every media segment
 * with it alone.  ffprobe must read each whole without a word and find
 * one stream, of the track's type, with a packet per sample of the
 * segments; ffmpeg must copy from it the packets, data and times, that
 * it copies from the same track of the muxed form.
 */
static void
test_single(const char *clip, const char *name)
{
    int                t, n, same;
    long               samples;
    char               path[512], muxed[512], file[128], what[128];
    char               want[64], *got;
    file_t             f;
    size_t             nseg;
    bb_mp4_segment_t  *sg;
    bb_mp4_index_t    *ix;

    static const unsigned     tracks[2] = { BB_FMP4_VIDEO, BB_FMP4_AUDIO };
    static const char *const  type[2] = { "video", "audio" };
    static const char *const  stream[2] = { "v", "a" };

    ix = index_file(clip, &f);
    sg = (ix != NULL) ? segments(ix, &nseg) : NULL;

    snprintf(file, sizeof(file), "%s.out.mp4", clip);
    in_dir(muxed, sizeof(muxed), file);

    for (t = 0; sg != NULL && t < 2; t++) {
        snprintf(what, sizeof(what), "%s, %s alone", name, type[t]);
        snprintf(file, sizeof(file), "%s.%s.mp4", clip, stream[t]);
        in_dir(path, sizeof(path), file);

        samples = package_tracks(path, ix, &f, sg, nseg, tracks[t], what);
        if (samples < 0) {
            continue;
        }

        ok(probe_clean(path), "%s: init + %zu segments: ffprobe finds "
           "nothing wrong", what, nseg);

        snprintf(want, sizeof(want), "%s,%ld\n", type[t], samples);
        got = probe_streams(path);

        if (!ok(got != NULL && strcmp(got, want) == 0, "%s: ffprobe finds "
                "one %s stream of %ld packets, the segments' samples",
                what, type[t], samples))
        {
            diag("ffprobe's streams: %s", got ? got : "none");
        }

        free(got);

        same = same_packets(path, muxed, stream[t], &n);
        ok(same, "%s: the same %d %s packets as the muxed form", what, n,
           stream[t]);
    }

    free(sg);
    bb_mp4_index_free(ix);
    free(f.data);
}


/*
 * A clip without audio: BB_FMP4_AUDIO is refused, and BB_FMP4_BOTH is
 * its video alone, byte for byte.
 */
static void
test_no_audio(const char *clip)
{
    char               vpath[512], bpath[512];
    long               vlen, blen;
    file_t             f;
    size_t             nseg;
    unsigned char     *v, *b;
    bb_fmp4_base_t     base;
    bb_mp4_segment_t  *sg;
    bb_mp4_index_t    *ix;

    ix = index_file(clip, &f);
    sg = (ix != NULL) ? segments(ix, &nseg) : NULL;

    if (sg == NULL) {
        bb_mp4_index_free(ix);
        free(f.data);
        return;
    }

    base.video = 0;
    base.audio = 0;

    ok(bb_fmp4_init_build(ix, BB_FMP4_AUDIO, NULL, 0) == 0
       && bb_fmp4_segment_header(ix, &sg[0], BB_FMP4_AUDIO, 1, &base, NULL,
                                 0) == 0
       && bb_fmp4_segment_ranges(ix, &sg[0], BB_FMP4_AUDIO, NULL, 0) == 0,
       "no audio: the audio alone is refused");

    in_dir(vpath, sizeof(vpath), "noaudio.v.mp4");
    in_dir(bpath, sizeof(bpath), "noaudio.both.mp4");

    if (package_tracks(vpath, ix, &f, sg, nseg, BB_FMP4_VIDEO,
                       "no audio, video") >= 0
        && package_tracks(bpath, ix, &f, sg, nseg, BB_FMP4_BOTH,
                          "no audio, both") >= 0)
    {
        v = media_slurp(vpath, &vlen);
        b = media_slurp(bpath, &blen);

        ok(v != NULL && b != NULL && vlen == blen
           && memcmp(v, b, (size_t) vlen) == 0,
           "no audio: both tracks are the video alone, byte for byte");

        free(v);
        free(b);
    }

    free(sg);
    bb_mp4_index_free(ix);
    free(f.data);
}


/*
 * A clip whose audio ends seconds before its video: the audio alone of
 * its last segment, which has none, is an empty segment (a moof of an
 * mfhd only, an empty mdat) with no range, not an error.
 */
static void
test_empty_audio(const char *clip)
{
    file_t             f;
    size_t             nseg, need;
    uint8_t            hdr[128];
    bb_fmp4_base_t     base;
    bb_mp4_segment_t  *sg, *last;
    bb_mp4_index_t    *ix;

    ix = index_file(clip, &f);
    sg = (ix != NULL) ? segments(ix, &nseg) : NULL;

    if (sg == NULL) {
        bb_mp4_index_free(ix);
        free(f.data);
        return;
    }

    base.video = 0;
    base.audio = 0;
    last = &sg[nseg - 1];

    ok(ix->audio.count > 0 && last->audio_start == last->audio_end,
       "short audio: the last segment has no audio");

    /* styp 24, moof 8 + mfhd 16, mdat header 8 */
    need = bb_fmp4_segment_header(ix, last, BB_FMP4_AUDIO, 7, &base, NULL,
                                  0);

    ok(need == 24 + 24 + 8
       && bb_fmp4_segment_header(ix, last, BB_FMP4_AUDIO, 7, &base, hdr,
                                 sizeof(hdr)) == need
       && be32(hdr + 24) == 24 && memcmp(hdr + 28, "moof", 4) == 0
       && be32(hdr + 44) == 7
       && be32(hdr + 48) == 8 && memcmp(hdr + 52, "mdat", 4) == 0
       && bb_fmp4_segment_ranges(ix, last, BB_FMP4_AUDIO, NULL, 0) == 0,
       "short audio: the audio alone of it is a moof with no traf and an "
       "empty mdat (%zu bytes)", need);

    free(sg);
    bb_mp4_index_free(ix);
    free(f.data);
}


/* ffprobe's profile and level of the video of clip, as "High 13". */
static char *
probe_profile(const char *clip)
{
    char  cmd[1024], path[512], *out, *nl;

    snprintf(cmd, sizeof(cmd), "ffprobe -v error -select_streams v:0 "
             "-show_entries stream=profile,level -of default=nw=1:nk=1 %s",
             in_dir(path, sizeof(path), clip));

    out = run(cmd);

    if (out != NULL && (nl = strchr(out, '\n')) != NULL) {
        *nl = ' ';

        if ((nl = strchr(nl, '\n')) != NULL) {
            *nl = '\0';
        }
    }

    return out;
}


static void
test_codecs_of(const char *clip, const char *want_video,
    const char *want_profile, const char *want_audio)
{
    char             buf[BB_FMP4_CODEC_LEN], *profile;
    file_t           f;
    size_t           len;
    const uint8_t   *c;
    bb_mp4_index_t  *ix;

    ix = index_file(clip, &f);
    if (ix == NULL) {
        free(f.data);
        return;
    }

    c = bb_mp4_config(&ix->video);

    if (ix->video.codec == BB_MP4_H264) {
        diag("%s: avcC profile %u compat 0x%02x level %u", clip, c[1], c[2],
             c[3]);

    } else {
        diag("%s: hvcC 0x%02x compat 0x%02x%02x%02x%02x constraints "
             "%02x%02x%02x%02x%02x%02x level %u", clip, c[1], c[2], c[3],
             c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12]);
    }

    len = bb_fmp4_codec_string(&ix->video, buf, sizeof(buf));
    ok(len == strlen(buf), "%s: codec string of %zu bytes", clip, len);
    is_str(buf, want_video, "  video CODECS");

    profile = probe_profile(clip);
    is_str(profile, want_profile, "  ffprobe's profile and level agree");
    free(profile);

    if (want_audio != NULL) {
        bb_fmp4_codec_string(&ix->audio, buf, sizeof(buf));
        is_str(buf, want_audio, "  audio CODECS");
    }

    bb_mp4_index_free(ix);
    free(f.data);
}


/* A track whose config is cfg, for the hand-made cases. */
typedef struct {
    bb_mp4_track_t  tr;
    uint8_t         cfg[32];
} fake_track_t;


static const char *
fake_string(fake_track_t *t, bb_mp4_codec_e codec, const char *fourcc,
    const uint8_t *cfg, size_t len, char *buf, size_t size)
{
    memset(t, 0, sizeof(*t));
    t->tr.codec = codec;
    t->tr.fourcc = be32((const uint8_t *) fourcc);
    t->tr.config_at = offsetof(fake_track_t, cfg);
    t->tr.config_len = (uint32_t) len;
    memcpy(t->cfg, cfg, len);

    bb_fmp4_codec_string(&t->tr, buf, size);

    return buf;
}


static void
test_codecs_made(void)
{
    char          buf[BB_FMP4_CODEC_LEN], small[8];
    size_t        len;
    fake_track_t  t;

    /* Annex E's own example: Main, compat flags 1 and 2, L 3.1, 0xB0 */
    static const uint8_t  main31[] = {
        1, 0x01, 0x60, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 93
    };

    /* space 2, tier High, profile 4 (RExt), compat flag 4, level 6.1,
       constraint bytes with a zero between */
    static const uint8_t  rext[] = {
        1, 0xa4, 0x08, 0, 0, 0, 0x98, 0x00, 0x20, 0, 0, 0, 183
    };

    static const uint8_t  zero[] = {
        1, 0x01, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60
    };

    static const uint8_t  baseline[] = { 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1,
                                         0x00 };

    /* AAC: LC 48 kHz mono; HE-AAC (5); USAC (31 + 10 = 42) */
    static const uint8_t  lc[] = { 0x11, 0x88 };
    static const uint8_t  he[] = { 0x2b, 0x92, 0x08, 0x00 };
    static const uint8_t  usac[] = { 0xf9, 0x46, 0x00 };

    is_str(fake_string(&t, BB_MP4_H265, "hvc1", main31, sizeof(main31), buf,
                       sizeof(buf)),
           "hvc1.1.6.L93.B0", "hvcC: Main, level 3.1 as Annex E's example");
    is_str(fake_string(&t, BB_MP4_H265, "hev1", main31, sizeof(main31), buf,
                       sizeof(buf)),
           "hev1.1.6.L93.B0", "hvcC under hev1 keeps its prefix");
    is_str(fake_string(&t, BB_MP4_H265, "hvc1", rext, sizeof(rext), buf,
                       sizeof(buf)),
           "hvc1.B4.10.H183.98.00.20",
           "hvcC: space B, High tier, flags reversed, inner zero byte kept");
    is_str(fake_string(&t, BB_MP4_H265, "hvc1", zero, sizeof(zero), buf,
                       sizeof(buf)),
           "hvc1.1.2.L60", "hvcC: no constraint byte when all are zero");
    is_str(fake_string(&t, BB_MP4_H265, "hvc1", zero, 12, buf, sizeof(buf)),
           "", "hvcC too short: nothing");
    is_str(fake_string(&t, BB_MP4_H264, "avc1", baseline, sizeof(baseline),
                       buf, sizeof(buf)),
           "avc1.42c01e", "avcC: constrained baseline 3.0");
    is_str(fake_string(&t, BB_MP4_H264, "avc3", baseline, sizeof(baseline),
                       buf, sizeof(buf)),
           "avc3.42c01e", "avcC under avc3 keeps its prefix");
    is_str(fake_string(&t, BB_MP4_AAC, "mp4a", lc, sizeof(lc), buf,
                       sizeof(buf)),
           "mp4a.40.2", "AAC LC");
    is_str(fake_string(&t, BB_MP4_AAC, "mp4a", he, sizeof(he), buf,
                       sizeof(buf)),
           "mp4a.40.5", "HE-AAC (explicit SBR)");
    is_str(fake_string(&t, BB_MP4_AAC, "mp4a", usac, sizeof(usac), buf,
                       sizeof(buf)),
           "mp4a.40.42", "an escaped object type: USAC");
    is_str(fake_string(&t, BB_MP4_AAC, "mp4a", lc, 1, buf, sizeof(buf)),
           "", "AudioSpecificConfig too short: nothing");
    is_str(fake_string(&t, BB_MP4_NONE, "mp4a", lc, sizeof(lc), buf,
                       sizeof(buf)),
           "", "no track: nothing");

    /* like snprintf: the length in full, the string cut and terminated */
    fake_string(&t, BB_MP4_H265, "hvc1", main31, sizeof(main31), small,
                sizeof(small));
    len = bb_fmp4_codec_string(&t.tr, small, sizeof(small));
    ok(len == strlen("hvc1.1.6.L93.B0") && strcmp(small, "hvc1.1.") == 0,
       "a small buffer: cut, terminated, the full length returned");
    is_int(bb_fmp4_codec_string(&t.tr, NULL, 0), 15,
           "no buffer: the length");
}


/* Which clips share an init segment. */
static void
test_init_same(int x265)
{
    int              i, n;
    file_t           f[4];
    bb_mp4_index_t  *ix[4];

    static const char  *names[4] = { "av.mp4", "av2.mp4", "v.mp4",
                                     "hevc.mp4" };

    n = x265 ? 4 : 3;

    for (i = 0; i < n; i++) {
        ix[i] = index_file(names[i], &f[i]);
    }

    if (ix[0] != NULL && ix[1] != NULL && ix[2] != NULL
        && (n == 3 || ix[3] != NULL))
    {
        ok(bb_fmp4_init_same(ix[0], ix[0]) && bb_fmp4_init_same(ix[0], ix[1])
           && bb_fmp4_init_same(ix[1], ix[0]),
           "init_same: two clips of the same encoder settings");
        ok(!bb_fmp4_init_same(ix[0], ix[2])
           && !bb_fmp4_init_same(ix[2], ix[0]),
           "init_same: not with and without audio");
        ok(n == 3 || !bb_fmp4_init_same(ix[0], ix[3]),
           "init_same: not H.264 and H.265");
    }

    for (i = 0; i < n; i++) {
        bb_mp4_index_free(ix[i]);
        free(f[i].data);
    }
}


/* What the builders refuse: bad segments, small buffers. */
static void
test_refused(const char *clip)
{
    file_t             f;
    size_t             need, nseg;
    uint8_t           *buf;
    bb_fmp4_base_t     base;
    bb_mp4_segment_t  *sg, bad;
    bb_mp4_index_t    *ix;

    ix = index_file(clip, &f);
    sg = (ix != NULL) ? segments(ix, &nseg) : NULL;

    if (sg == NULL) {
        bb_mp4_index_free(ix);
        free(f.data);
        return;
    }

    base.video = 0;
    base.audio = 0;

    need = bb_fmp4_init_build(ix, BB_FMP4_BOTH, NULL, 0);
    buf = malloc(need + 65536);

    ok(bb_fmp4_init_build(ix, BB_FMP4_BOTH, buf, need - 1) == 0,
       "init: a buffer one byte short is refused");

    need = bb_fmp4_segment_header(ix, &sg[0], BB_FMP4_BOTH, 1, &base, NULL,
                                  0);
    ok(need > 0 && need < 65536
       && bb_fmp4_segment_header(ix, &sg[0], BB_FMP4_BOTH, 1, &base, buf,
                                 need - 1) == 0,
       "segment: a buffer one byte short is refused");

    ok(bb_fmp4_init_build(ix, 0, NULL, 0) == 0
       && bb_fmp4_segment_header(ix, &sg[0], 0, 1, &base, NULL, 0) == 0
       && bb_fmp4_segment_ranges(ix, &sg[0], 0, NULL, 0) == 0,
       "no track selected is refused");

    bad = sg[0];
    bad.video_end = bad.video_start;
    ok(bb_fmp4_segment_header(ix, &bad, BB_FMP4_BOTH, 1, &base, NULL, 0)
       == 0
       && bb_fmp4_segment_ranges(ix, &bad, BB_FMP4_BOTH, NULL, 0) == 0
       && bb_fmp4_segment_header(ix, &bad, BB_FMP4_AUDIO, 1, &base, NULL, 0)
          == 0,
       "segment: no video sample is refused, even for the audio alone");

    bad = sg[nseg - 1];
    bad.video_end = ix->video.count + 1;
    ok(bb_fmp4_segment_header(ix, &bad, BB_FMP4_BOTH, 1, &base, NULL, 0)
       == 0
       && bb_fmp4_segment_ranges(ix, &bad, BB_FMP4_BOTH, NULL, 0) == 0,
       "segment: video past the track's end is refused");

    bad = sg[nseg - 1];
    bad.audio_end = ix->audio.count + 1;
    ok(bb_fmp4_segment_header(ix, &bad, BB_FMP4_BOTH, 1, &base, NULL, 0)
       == 0
       && bb_fmp4_segment_header(ix, &bad, BB_FMP4_VIDEO, 1, &base, NULL, 0)
          == 0,
       "segment: audio past the track's end is refused, even for the "
       "video alone");

    base.video = UINT64_MAX - 10;
    ok(bb_fmp4_segment_header(ix, &sg[nseg - 1], BB_FMP4_BOTH, 1, &base,
                              NULL, 0) == 0,
       "segment: a base whose decode times overflow is refused");

    free(buf);
    free(sg);
    bb_mp4_index_free(ix);
    free(f.data);
}


int
main(void)
{
    int   x265;
    char  cmd[512];

    test_codecs_made();

    if (system("ffmpeg -version >/dev/null 2>&1") != 0) {
        diag("ffmpeg not found: the fixtures are skipped");
        return done_testing();
    }

    if (media_dir_make("fmp4") != 0) {
        return done_testing();
    }

    x265 = tap_has_encoder("libx265");

    if (ok(tap_ffmpeg(dir, "av.mp4", VIDEO AUDIO H264 AAC "-t 10 " FAST)
           == 0
           && tap_ffmpeg(dir, "av2.mp4", VIDEO2 AUDIO2 H264 AAC "-t 8 " FAST)
              == 0
           && tap_ffmpeg(dir, "v.mp4", VIDEO H264 "-t 9 " FAST) == 0
           && tap_ffmpeg(dir, "frag.mp4", VIDEO AUDIO H264 AAC "-t 8 " FRAG)
              == 0
           && tap_ffmpeg(dir, "short.mp4", VIDEO "-t 3 " AUDIO H264 AAC
                         "-t 10 " FAST) == 0
           && (!x265
               || tap_ffmpeg(dir, "hevc.mp4", VIDEO AUDIO H265 AAC "-t 8 "
                             FAST) == 0),
           "make the fixtures with ffmpeg"))
    {
        test_clip("av.mp4", 1, "h264+aac");
        test_clip("v.mp4", 0, "h264 alone");
        test_clip("frag.mp4", 1, "fragmented journal");

        if (x265) {
            test_clip("hevc.mp4", 1, "h265+aac");

        } else {
            diag("no libx265: H.265 skipped");
        }

        test_two("av.mp4", "av2.mp4");

        if (ok(remux("av.mp4", "clip.mp4") == 0, "remux av.mp4 as the "
               "ingest stores clips"))
        {
            /*
             * V1 A1 V2 A2 ... in the file, but the segmenter gives a
             * segment the audio presented before its cut, and the
             * remuxer's GOP chunks end the audio a few frames earlier:
             * those few frames are a range of their own.
             */
            ok(test_clip("clip.mp4", 1, "stored clip") <= 3,
               "stored clip: three file ranges per segment at most");
            test_single("clip.mp4", "stored clip");
        }

        test_single("av.mp4", "h264+aac");
        test_no_audio("v.mp4");

        test_clip("short.mp4", 1, "short audio");
        test_single("short.mp4", "short audio");
        test_empty_audio("short.mp4");

        test_codecs_of("av.mp4", "avc1.64000d", "High 13", "mp4a.40.2");

        if (x265) {
            test_codecs_of("hevc.mp4", "hvc1.1.6.L60.90", "Main 60", NULL);
        }

        test_init_same(x265);
        test_refused("av.mp4");
    }

    if (getenv("BB_KEEP") == NULL) {
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        ok(system(cmd) == 0, "remove %s", dir);

    } else {
        diag("kept %s", dir);
    }

    return done_testing();
}
