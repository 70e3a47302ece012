/*
 * One clip of the live ingest: see bb_remux.h.
 *
 * One writer does both jobs.  It buffers a GOP (the packets from one video
 * keyframe to the next), then hands it to the mov muxer track by track:
 * all its video, then all its audio.  Writing the journal, the muxer makes
 * the GOP one fragment, flushed at once; writing the finished clip, it
 * lays the samples down in that order and merges each run into one chunk.
 * The finished clip is made by reading the journal back with libavformat
 * and passing its packets through a second writer, so a clip that ends
 * normally and one a crash left behind are made the same way.
 *
 * The writer also moves the timestamps to start at 0, and fills in what a
 * TS stream may lack: H.264 or H.265 parameter sets, taken from the first
 * keyframe; AAC's AudioSpecificConfig, from the ADTS headers it strips;
 * and each packet's duration, from the next packet of its track.
 *
 * Where 0 lies differs.  A fragment can carry no edit list, so in the
 * journal the first GOP's smallest DTS is 0 and nothing is negative.  In
 * the finished clip the first video frame shown is at 0: with B-frames the
 * first DTS is then negative, and the mov muxer writes the usual edit list
 * (the media starts that much in), not an empty edit that would leave a
 * gap of the reorder delay at the start of every clip.  Audio timed before
 * that frame would be kept but never heard (an edit list cuts it): the
 * clip clock sends it to the clip before (bb_clipclock.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "bb_av_error.h"
#include "bb_remux.h"

/* A GOP buffered beyond this is written as it is: memory stays bounded. */
#define BB_REMUX_GOP_BYTES    (8 * 1024 * 1024)
#define BB_REMUX_GOP_PACKETS  4096

#define BB_REMUX_JOURNAL_FLAGS  "frag_custom+empty_moov+default_base_moof"

typedef struct {
    AVFormatContext  *fmt;
    int               fragmented;      /* the journal */
    int               faststart;       /* moov first (finished clips) */
    int               zero_shown;      /* 0 is the first frame shown, not
                                          the first DTS */
    int               header;          /* written */
    unsigned          nstreams;
    int               video;           /* the stream whose keys make GOPs */
    int               started;         /* its first keyframe came */
    AVRational        tb[BB_REMUX_MAX_STREAMS];       /* of the input */
    int64_t           last_dts[BB_REMUX_MAX_STREAMS]; /* input time base */
    int64_t           step[BB_REMUX_MAX_STREAMS];     /* last DTS step */
    AVBSFContext     *adts[BB_REMUX_MAX_STREAMS];     /* ADTS to raw AAC */
    AVPacket        **gop;
    size_t            ngop;
    size_t            gop_cap;
    size_t            gop_bytes;
    int               based;
    int64_t           base;            /* the input's time of output 0 */
    AVRational        base_tb;
    int64_t           end_ms;          /* the end of the last sample */
} bb_remux_writer_t;

struct bb_remux_s {
    bb_remux_writer_t  w;
    int                flags;
    char              *path;
    char              *journal;
};


/* A skipped packet: the reason, and 1. */
static int
bb_remux_skip(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);

    return 1;
}


static int bb_remux_aac_format(const AVCodecParameters *par, int *rate,
    int *chans);


int
bb_remux_supported(const AVCodecParameters *par)
{
    int  rate, chans;

    switch (par->codec_type) {

    case AVMEDIA_TYPE_VIDEO:
        return par->codec_id == AV_CODEC_ID_H264
               || par->codec_id == AV_CODEC_ID_HEVC;

    case AVMEDIA_TYPE_AUDIO:
        return par->codec_id == AV_CODEC_ID_AAC
               && (par->extradata_size > 0
                   || bb_remux_aac_format(par, &rate, &chans) == 0);

    default:
        return 0;
    }
}


/*
 * Opens the writer of the MP4 at path: the muxer and its streams, and the
 * file itself (so that a folder that cannot take it fails here); the
 * header waits for the first GOP, which may carry missing parameters.
 */
static int
bb_remux_writer_open(bb_remux_writer_t *w, const char *path,
    AVCodecParameters *const *pars, const AVRational *tbs, unsigned n,
    int fragmented, int faststart, char *err, size_t errlen)
{
    int        rc;
    unsigned   i;
    AVStream  *st;

    memset(w, 0, sizeof(bb_remux_writer_t));
    w->fragmented = fragmented;
    w->faststart = faststart;
    w->zero_shown = !fragmented;
    w->video = -1;

    if (n == 0 || n > BB_REMUX_MAX_STREAMS) {
        return bb_av_fail(err, errlen, 0, "%u streams: 1 to %d can go "
                              "into a clip", n, BB_REMUX_MAX_STREAMS);
    }

    for (i = 0; i < n; i++) {
        if (tbs[i].num <= 0 || tbs[i].den <= 0) {
            return bb_av_fail(err, errlen, 0, "stream %u: no time base",
                                  i);
        }

        if (!bb_remux_supported(pars[i])) {
            return bb_av_fail(err, errlen, 0, "stream %u: \"%s\" cannot "
                                  "go into a clip", i,
                                  avcodec_get_name(pars[i]->codec_id));
        }

        if (w->video == -1 && pars[i]->codec_type == AVMEDIA_TYPE_VIDEO) {
            w->video = (int) i;
        }
    }

    if (w->video == -1) {
        return bb_av_fail(err, errlen, 0, "no video stream");
    }

    rc = avformat_alloc_output_context2(&w->fmt, NULL, "mp4", path);
    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "no mp4 muxer");
    }

    /* Timestamps are made non-negative here; ADTS is stripped here. */
    w->fmt->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
    w->fmt->flags &= ~AVFMT_FLAG_AUTO_BSF;

    for (i = 0; i < n; i++) {
        st = avformat_new_stream(w->fmt, NULL);
        if (st == NULL) {
            return bb_av_fail(err, errlen, AVERROR(ENOMEM), "no stream");
        }

        rc = avcodec_parameters_copy(st->codecpar, pars[i]);
        if (rc < 0) {
            return bb_av_fail(err, errlen, rc, "no stream");
        }

        /* The mp4 muxer picks its own tag (avc1, hev1, mp4a). */
        st->codecpar->codec_tag = 0;
        st->time_base = tbs[i];

        w->tb[i] = tbs[i];
        w->last_dts[i] = AV_NOPTS_VALUE;
        w->nstreams++;
    }

    rc = avio_open(&w->fmt->pb, path, AVIO_FLAG_WRITE);
    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "cannot create \"%s\"", path);
    }

    return 0;
}


static void
bb_remux_writer_drop_gop(bb_remux_writer_t *w)
{
    size_t  k;

    for (k = 0; k < w->ngop; k++) {
        av_packet_free(&w->gop[k]);
    }

    w->ngop = 0;
    w->gop_bytes = 0;
}


static void
bb_remux_writer_free(bb_remux_writer_t *w)
{
    unsigned  i;

    bb_remux_writer_drop_gop(w);
    av_freep(&w->gop);

    for (i = 0; i < BB_REMUX_MAX_STREAMS; i++) {
        av_bsf_free(&w->adts[i]);
    }

    if (w->fmt != NULL) {
        if (w->fmt->pb != NULL) {
            avio_closep(&w->fmt->pb);
        }

        avformat_free_context(w->fmt);
        w->fmt = NULL;
    }
}


/* A bitstream filter of name for stream i's parameters, ready to use. */
static AVBSFContext *
bb_remux_bsf(bb_remux_writer_t *w, unsigned i, const char *name)
{
    AVBSFContext             *bsf;
    const AVBitStreamFilter  *f;

    f = av_bsf_get_by_name(name);
    if (f == NULL || av_bsf_alloc(f, &bsf) < 0) {
        return NULL;
    }

    if (avcodec_parameters_copy(bsf->par_in, w->fmt->streams[i]->codecpar)
            < 0
        || (bsf->time_base_in = w->tb[i], av_bsf_init(bsf)) < 0)
    {
        av_bsf_free(&bsf);
        return NULL;
    }

    return bsf;
}


/* Sets par's extradata to a copy of the size bytes at data. */
static int
bb_remux_set_extradata(AVCodecParameters *par, const uint8_t *data,
    size_t size)
{
    uint8_t  *copy;

    copy = av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE);
    if (copy == NULL) {
        return -1;
    }

    memcpy(copy, data, size);
    av_freep(&par->extradata);
    par->extradata = copy;
    par->extradata_size = (int) size;

    return 0;
}


/*
 * An AAC packet with an ADTS header (as MPEG-TS carries AAC) loses the
 * header: an MP4 sample is the raw frame, and the header's fields become
 * the track's AudioSpecificConfig.  p is filtered in place; 1 when it is
 * no AAC the filter takes (p is then blank or untouched: drop it).
 */
static int
bb_remux_strip_adts(bb_remux_writer_t *w, unsigned i, AVPacket *p)
{
    AVCodecParameters  *par;

    if (p->size < 7 || p->data[0] != 0xff || (p->data[1] & 0xf6) != 0xf0) {
        return 0;
    }

    if (w->adts[i] == NULL) {
        w->adts[i] = bb_remux_bsf(w, i, "aac_adtstoasc");
        if (w->adts[i] == NULL) {
            return 1;
        }
    }

    /* One packet in, one out: the filter keeps nothing back. */
    if (av_bsf_send_packet(w->adts[i], p) < 0
        || av_bsf_receive_packet(w->adts[i], p) < 0)
    {
        return 1;
    }

    par = w->fmt->streams[i]->codecpar;

    if (!w->header && par->extradata_size == 0
        && w->adts[i]->par_out->extradata_size > 0
        && bb_remux_set_extradata(par, w->adts[i]->par_out->extradata,
                                  (size_t) w->adts[i]->par_out->extradata_size)
           != 0)
    {
        return 1;
    }

    return 0;
}


/*
 * H.264 or H.265 parameter sets for a track whose TS stream was opened
 * without them: the extract_extradata filter finds them in the GOP's first
 * packets that hold them (an encoder sends them with each keyframe).
 */
static int
bb_remux_video_extradata(bb_remux_writer_t *w, unsigned i)
{
    int            rc;
    size_t         k, size;
    uint8_t       *data;
    AVPacket      *p;
    AVBSFContext  *bsf;

    bsf = bb_remux_bsf(w, i, "extract_extradata");
    if (bsf == NULL) {
        return -1;
    }

    rc = -1;

    for (k = 0; k < w->ngop && rc != 0; k++) {
        if (w->gop[k]->stream_index != (int) i) {
            continue;
        }

        p = av_packet_clone(w->gop[k]);
        if (p == NULL) {
            break;
        }

        if (av_bsf_send_packet(bsf, p) == 0
            && av_bsf_receive_packet(bsf, p) == 0)
        {
            data = av_packet_get_side_data(p, AV_PKT_DATA_NEW_EXTRADATA,
                                           &size);
            if (data != NULL && size > 0) {
                rc = bb_remux_set_extradata(w->fmt->streams[i]->codecpar,
                                            data, size);
            }
        }

        av_packet_free(&p);
    }

    av_bsf_free(&bsf);

    return rc;
}


/*
 * The AudioSpecificConfig's rate index and channel configuration of an
 * AAC stream's parameters; -1 when they cannot say (the demuxer has not
 * seen a frame yet).
 */
static int
bb_remux_aac_format(const AVCodecParameters *par, int *rate, int *chans)
{
    static const int  rates[] = {
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000,
        12000, 11025, 8000, 7350
    };

    for (*rate = 0; *rate < 13 && rates[*rate] != par->sample_rate;
         (*rate)++)
    {
        /* void */
    }

    *chans = par->ch_layout.nb_channels;
    *chans = (*chans == 8) ? 7 : *chans;

    return (*rate == 13 || *chans < 1 || *chans > 7) ? -1 : 0;
}


/*
 * An AudioSpecificConfig made from the stream's parameters, for an AAC
 * track that sent no ADTS frame before the header had to be written:
 *
 *     5 bits object type | 4 bits rate index | 4 bits channels | 3 bits 0
 */
static int
bb_remux_aac_config(AVCodecParameters *par)
{
    int      aot, rate, chans;
    uint8_t  asc[2];

    if (bb_remux_aac_format(par, &rate, &chans) != 0) {
        return -1;
    }

    /* Main, LC, SSR, LTP are object types 1 to 4; otherwise LC. */
    aot = (par->profile >= 0 && par->profile <= 3) ? par->profile + 1 : 2;

    asc[0] = (uint8_t) (aot << 3 | rate >> 1);
    asc[1] = (uint8_t) ((rate & 1) << 7 | chans << 3);

    return bb_remux_set_extradata(par, asc, 2);
}


/* Completes the parameters from the first GOP and writes the header. */
static int
bb_remux_writer_header(bb_remux_writer_t *w, char *err, size_t errlen)
{
    int                 rc;
    unsigned            i;
    AVDictionary       *opts;
    AVCodecParameters  *par;

    for (i = 0; i < w->nstreams; i++) {
        par = w->fmt->streams[i]->codecpar;

        if (par->extradata_size > 0) {
            continue;
        }

        if (par->codec_type == AVMEDIA_TYPE_VIDEO
            && bb_remux_video_extradata(w, i) != 0)
        {
            return bb_av_fail(err, errlen, 0, "stream %u: no parameter "
                                  "sets in the first GOP", i);
        }

        if (par->codec_id == AV_CODEC_ID_AAC && bb_remux_aac_config(par) != 0)
        {
            return bb_av_fail(err, errlen, 0, "stream %u: no AAC "
                                  "configuration", i);
        }
    }

    opts = NULL;

    if (w->fragmented) {
        /*
         * A fragment when told (each GOP), a moov with no samples first,
         * offsets from each moof (a fragment stands alone), and no edit
         * list (none can be right before the samples exist): the
         * timestamps stored are the ones written.
         */
        av_dict_set(&opts, "movflags", BB_REMUX_JOURNAL_FLAGS, 0);
        av_dict_set(&opts, "use_editlist", "0", 0);

    } else if (w->faststart) {
        av_dict_set(&opts, "movflags", "+faststart", 0);
    }

    rc = avformat_write_header(w->fmt, &opts);
    av_dict_free(&opts);

    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "cannot start \"%s\"",
                              w->fmt->url);
    }

    w->header = 1;

    return 0;
}


/*
 * Writes the buffered GOP, video first, each track's packets in order.
 * next_dts is the DTS of the video keyframe after the GOP (or
 * AV_NOPTS_VALUE), the end of its last video frame.
 */
static int
bb_remux_writer_flush(bb_remux_writer_t *w, int64_t next_dts, char *err,
    size_t errlen)
{
    int          rc;
    size_t       k;
    int64_t      next[BB_REMUX_MAX_STREAMS], off, end, ms;
    unsigned     s, n;
    AVPacket    *p;
    AVStream    *st;
    AVRational   tb;

    if (!w->header && bb_remux_writer_header(w, err, errlen) != 0) {
        return -1;
    }

    if (!w->based) {
        w->base = INT64_MAX;

        for (k = 0; k < w->ngop; k++) {
            p = w->gop[k];

            if (w->zero_shown) {
                if (p->stream_index == w->video) {
                    w->base = FFMIN(w->base, p->pts);
                    w->base_tb = w->tb[w->video];
                }

            } else if (w->base == INT64_MAX
                       || av_compare_ts(p->dts, w->tb[p->stream_index],
                                        w->base, w->base_tb) < 0)
            {
                w->base = p->dts;
                w->base_tb = w->tb[p->stream_index];
            }
        }

        /* The first GOP opens on a video keyframe: this cannot happen. */
        if (w->base == INT64_MAX) {
            w->base = w->gop[0]->dts;
            w->base_tb = w->tb[w->gop[0]->stream_index];
        }

        w->based = 1;
    }

    /*
     * Left to itself, the mov muxer starts each fragment of a track where
     * the track's previous sample ended, whatever the packet's DTS says:
     * a track that starts after 0 (audio sent after the first keyframe),
     * or a gap at a GOP's edge, would shift the track against the others.
     * "frag_discont" makes it write the packet's own DTS as the fragment's
     * decode time (tfdt); the muxer clears it at the next packet.
     */
    if (w->fragmented) {
        rc = av_opt_set(w->fmt, "movflags", "+frag_discont",
                        AV_OPT_SEARCH_CHILDREN);
        if (rc < 0) {
            return bb_av_fail(err, errlen, rc, "no frag_discont");
        }
    }

    /* Durations, from the end: each packet lasts until its track's next. */
    for (s = 0; s < w->nstreams; s++) {
        next[s] = ((int) s == w->video) ? next_dts : AV_NOPTS_VALUE;
    }

    for (k = w->ngop; k-- > 0; ) {
        p = w->gop[k];
        s = (unsigned) p->stream_index;

        if (next[s] != AV_NOPTS_VALUE) {
            p->duration = next[s] - p->dts;

        } else if (p->duration <= 0) {
            p->duration = w->step[s];
        }

        next[s] = p->dts;
    }

    for (n = 0; n < w->nstreams; n++) {
        /* The video track first, then the others in their order. */
        s = (n == 0) ? (unsigned) w->video
                     : (n <= (unsigned) w->video) ? n - 1 : n;

        st = w->fmt->streams[s];
        tb = st->time_base;
        off = av_rescale_q(w->base, w->base_tb, tb);

        for (k = 0; k < w->ngop; k++) {
            p = w->gop[k];

            if (p->stream_index != (int) s) {
                continue;
            }

            end = av_rescale_q(p->dts + p->duration, w->tb[s], tb) - off;
            p->pts = av_rescale_q(p->pts, w->tb[s], tb) - off;
            p->dts = av_rescale_q(p->dts, w->tb[s], tb) - off;
            p->duration = (end > p->dts) ? end - p->dts : 0;
            p->pos = -1;

            ms = av_rescale_q(FFMAX(p->pts, p->dts) + p->duration, tb,
                              (AVRational) { 1, 1000 });
            w->end_ms = FFMAX(w->end_ms, ms);

            rc = av_write_frame(w->fmt, p);
            if (rc < 0) {
                bb_remux_writer_drop_gop(w);
                return bb_av_fail(err, errlen, rc, "cannot write \"%s\"",
                                      w->fmt->url);
            }
        }
    }

    bb_remux_writer_drop_gop(w);

    if (w->fragmented) {
        /* The GOP becomes one fragment, and goes to the kernel now. */
        rc = av_write_frame(w->fmt, NULL);
        if (rc >= 0) {
            avio_flush(w->fmt->pb);
            rc = w->fmt->pb->error;
        }

        if (rc < 0) {
            return bb_av_fail(err, errlen, rc, "cannot write \"%s\"",
                                  w->fmt->url);
        }
    }

    return 0;
}


/* Takes one packet: see bb_remux_write for the answers. */
static int
bb_remux_writer_put(bb_remux_writer_t *w, unsigned i, const AVPacket *in,
    char *err, size_t errlen)
{
    int        key;
    int64_t    pts, dts;
    AVPacket  *p, **grown;

    if (i >= w->nstreams) {
        return bb_remux_skip(err, errlen, "no such stream");
    }

    if (in->size <= 0) {
        return bb_remux_skip(err, errlen, "empty packet");
    }

    dts = (in->dts != AV_NOPTS_VALUE) ? in->dts : in->pts;
    pts = (in->pts != AV_NOPTS_VALUE) ? in->pts : dts;

    if (dts == AV_NOPTS_VALUE) {
        return bb_remux_skip(err, errlen, "no timestamp");
    }

    if (pts < dts) {
        return bb_remux_skip(err, errlen, "pts before dts");
    }

    key = ((int) i == w->video && (in->flags & AV_PKT_FLAG_KEY));

    if (!w->started && !key) {
        return bb_remux_skip(err, errlen, "before the first keyframe");
    }

    if (w->last_dts[i] != AV_NOPTS_VALUE && dts <= w->last_dts[i]) {
        return bb_remux_skip(err, errlen, "dts does not rise");
    }

    /* Nothing in the journal may fall before its 0: no edit list. */
    if (w->based && w->fragmented
        && av_compare_ts(dts, w->tb[i], w->base, w->base_tb) < 0)
    {
        return bb_remux_skip(err, errlen, "before the start of the clip");
    }

    if (w->ngop > 0
        && (key || w->gop_bytes >= BB_REMUX_GOP_BYTES
            || w->ngop >= BB_REMUX_GOP_PACKETS))
    {
        if (bb_remux_writer_flush(w, key ? dts : AV_NOPTS_VALUE, err, errlen)
            != 0)
        {
            return -1;
        }
    }

    if (w->ngop == w->gop_cap) {
        grown = av_realloc_array(w->gop, w->gop_cap ? w->gop_cap * 2 : 256,
                                 sizeof(AVPacket *));
        if (grown == NULL) {
            return bb_av_fail(err, errlen, AVERROR(ENOMEM), "no room");
        }

        w->gop = grown;
        w->gop_cap = w->gop_cap ? w->gop_cap * 2 : 256;
    }

    p = av_packet_clone(in);
    if (p == NULL) {
        return bb_av_fail(err, errlen, AVERROR(ENOMEM), "no room");
    }

    p->dts = dts;
    p->pts = pts;
    p->stream_index = (int) i;

    if (w->fmt->streams[i]->codecpar->codec_id == AV_CODEC_ID_AAC
        && bb_remux_strip_adts(w, i, p) != 0)
    {
        av_packet_free(&p);
        return bb_remux_skip(err, errlen, "malformed ADTS frame");
    }

    w->started = 1;

    if (w->last_dts[i] != AV_NOPTS_VALUE) {
        w->step[i] = dts - w->last_dts[i];
    }

    w->last_dts[i] = dts;
    w->gop[w->ngop++] = p;
    w->gop_bytes += (size_t) p->size;

    return 0;
}


/*
 * Writes what is buffered and the trailer, and closes the file.  Returns
 * 0, 1 when no packet was ever written (no header, nothing to keep), or -1.
 */
static int
bb_remux_writer_end(bb_remux_writer_t *w, char *err, size_t errlen)
{
    int  rc;

    if (w->ngop > 0
        && bb_remux_writer_flush(w, AV_NOPTS_VALUE, err, errlen) != 0)
    {
        return -1;
    }

    if (!w->header) {
        return 1;
    }

    rc = av_write_trailer(w->fmt);
    if (rc >= 0) {
        avio_flush(w->fmt->pb);
        rc = w->fmt->pb->error;
    }

    if (rc >= 0) {
        rc = avio_closep(&w->fmt->pb);
    }

    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "cannot write \"%s\"",
                              w->fmt->url);
    }

    return 0;
}


/* path with suffix appended, malloc'd. */
static char *
bb_remux_name(const char *path, const char *suffix)
{
    char    *name;
    size_t   n;

    n = strlen(path);

    name = malloc(n + strlen(suffix) + 1);
    if (name != NULL) {
        memcpy(name, path, n);
        strcpy(name + n, suffix);
    }

    return name;
}


/* Flushes the file at path to the disk; errno tells why not. */
static int
bb_remux_sync(const char *path)
{
    int  fd, rc, e;

    fd = open(path, O_RDONLY);
    if (fd == -1) {
        return -1;
    }

    rc = fsync(fd);
    e = errno;
    close(fd);
    errno = e;

    return rc;
}


/* Flushes the folder of path, so that a rename in it survives a crash. */
static int
bb_remux_sync_dir(const char *path)
{
    int          fd, rc;
    char        *dir;
    const char  *slash;

    slash = strrchr(path, '/');

    if (slash == NULL) {
        dir = strdup(".");

    } else {
        dir = strndup(path, (size_t) (slash - path) + (slash == path));
    }

    if (dir == NULL) {
        return -1;
    }

    fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);

    if (fd == -1) {
        return -1;
    }

    rc = fsync(fd);
    close(fd);

    return rc;
}


/*
 * Rewrites the journal as the finished MP4 at path, then deletes it.
 * Returns 0, 1 when the journal holds no sample (deleted), or -1 (the
 * journal stays, the temporary file goes).
 */
static int
bb_remux_convert(const char *journal, const char *path, int flags,
    long long *duration_ms, char *err, size_t errlen)
{
    int                 rc;
    char               *tmp;
    unsigned            i, n;
    AVPacket           *pkt;
    AVRational          tbs[BB_REMUX_MAX_STREAMS];
    AVFormatContext    *in;
    AVCodecParameters  *pars[BB_REMUX_MAX_STREAMS];
    bb_remux_writer_t   w;

    *duration_ms = 0;

    tmp = bb_remux_name(path, BB_REMUX_TEMP_SUFFIX);
    pkt = av_packet_alloc();

    if (tmp == NULL || pkt == NULL) {
        free(tmp);
        av_packet_free(&pkt);
        return bb_av_fail(err, errlen, AVERROR(ENOMEM), "no room");
    }

    in = NULL;
    memset(&w, 0, sizeof(bb_remux_writer_t));

    rc = avformat_open_input(&in, journal, av_find_input_format("mp4"),
                             NULL);
    if (rc < 0) {
        rc = bb_av_fail(err, errlen, rc, "cannot read \"%s\"", journal);
        goto done;
    }

    n = in->nb_streams;

    for (i = 0; i < n && i < BB_REMUX_MAX_STREAMS; i++) {
        pars[i] = in->streams[i]->codecpar;
        tbs[i] = in->streams[i]->time_base;
    }

    rc = bb_remux_writer_open(&w, tmp, pars, tbs, n, 0,
                              flags & BB_REMUX_FASTSTART, err, errlen);
    if (rc != 0) {
        goto done;
    }

    while ((rc = av_read_frame(in, pkt)) >= 0) {
        rc = bb_remux_writer_put(&w, (unsigned) pkt->stream_index, pkt, err,
                                 errlen);
        av_packet_unref(pkt);

        if (rc < 0) {
            goto done;
        }
    }

    if (rc != AVERROR_EOF) {
        rc = bb_av_fail(err, errlen, rc, "cannot read \"%s\"", journal);
        goto done;
    }

    rc = bb_remux_writer_end(&w, err, errlen);
    if (rc != 0) {
        goto done;
    }

    *duration_ms = w.end_ms;

    if (bb_remux_sync(tmp) != 0) {
        rc = bb_av_fail(err, errlen, AVERROR(errno), "cannot flush "
                            "\"%s\"", tmp);
        goto done;
    }

    if (rename(tmp, path) != 0) {
        rc = bb_av_fail(err, errlen, AVERROR(errno), "cannot rename "
                            "\"%s\"", tmp);
        goto done;
    }

    /* The clip is in place: a failure here matters only on a power cut. */
    (void) bb_remux_sync_dir(path);

    unlink(journal);

done:

    bb_remux_writer_free(&w);
    avformat_close_input(&in);
    av_packet_free(&pkt);

    if (rc != 0) {
        unlink(tmp);
    }

    if (rc == 1) {
        unlink(journal);
    }

    free(tmp);

    return rc;
}


bb_remux_t *
bb_remux_open(const char *path, AVStream *const *streams, unsigned n,
    int flags, char *err, size_t errlen)
{
    unsigned            i;
    bb_remux_t         *rx;
    AVRational          tbs[BB_REMUX_MAX_STREAMS];
    AVCodecParameters  *pars[BB_REMUX_MAX_STREAMS];

    if (n == 0 || n > BB_REMUX_MAX_STREAMS) {
        bb_av_fail(err, errlen, 0, "%u streams: 1 to %d can go into a "
                       "clip", n, BB_REMUX_MAX_STREAMS);
        return NULL;
    }

    for (i = 0; i < n; i++) {
        pars[i] = streams[i]->codecpar;
        tbs[i] = streams[i]->time_base;
    }

    rx = calloc(1, sizeof(bb_remux_t));
    if (rx == NULL) {
        bb_av_fail(err, errlen, AVERROR(ENOMEM), "no room");
        return NULL;
    }

    rx->flags = flags;
    rx->path = strdup(path);
    rx->journal = bb_remux_name(path, BB_REMUX_JOURNAL_SUFFIX);

    if (rx->path == NULL || rx->journal == NULL) {
        bb_av_fail(err, errlen, AVERROR(ENOMEM), "no room");
        bb_remux_close(rx);
        return NULL;
    }

    if (bb_remux_writer_open(&rx->w, rx->journal, pars, tbs, n, 1, 0, err,
                             errlen)
        != 0)
    {
        bb_remux_close(rx);
        return NULL;
    }

    return rx;
}


int
bb_remux_write(bb_remux_t *rx, unsigned stream, const AVPacket *pkt,
    char *err, size_t errlen)
{
    return bb_remux_writer_put(&rx->w, stream, pkt, err, errlen);
}


int
bb_remux_finish(bb_remux_t *rx, long long *duration_ms, char *err,
    size_t errlen)
{
    int  rc;

    *duration_ms = 0;

    rc = bb_remux_writer_end(&rx->w, err, errlen);
    bb_remux_writer_free(&rx->w);

    if (rc == 0) {
        rc = bb_remux_convert(rx->journal, rx->path, rx->flags, duration_ms,
                              err, errlen);

    } else if (rc == 1) {
        snprintf(err, errlen, "no frame recorded");
        unlink(rx->journal);
    }

    bb_remux_close(rx);

    return rc;
}


void
bb_remux_close(bb_remux_t *rx)
{
    if (rx == NULL) {
        return;
    }

    bb_remux_writer_free(&rx->w);
    free(rx->path);
    free(rx->journal);
    free(rx);
}


/*
 * Cuts a crashed journal after its last complete fragment, so that the
 * demuxer meets no sample whose bytes never reached the file:
 *
 *     ftyp | moov | moof mdat | moof mdat | moof md~~~~   (killed here)
 *                                         ^ cut here
 *
 * Returns 0 when the journal holds a moov and at least one fragment, 1
 * when it holds nothing to keep, -1 when it cannot be read or cut.
 */
static int
bb_remux_trim(const char *journal, char *err, size_t errlen)
{
    int            moov, frags, in_moof;
    FILE          *f;
    uint64_t       off, size, good, file_size;
    struct stat    st;
    unsigned char  h[16];

    f = fopen(journal, "rb");
    if (f == NULL || fstat(fileno(f), &st) != 0) {
        if (f != NULL) {
            fclose(f);
        }

        return bb_av_fail(err, errlen, AVERROR(errno), "cannot read "
                              "\"%s\"", journal);
    }

    file_size = (uint64_t) st.st_size;
    good = 0;
    moov = 0;
    frags = 0;
    in_moof = 0;

    for (off = 0; file_size - off >= 8; off += size) {
        if (fseeko(f, (off_t) off, SEEK_SET) != 0 || fread(h, 1, 8, f) != 8)
        {
            break;
        }

        size = (uint64_t) h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];

        if (size == 1) {
            if (file_size - off < 16 || fread(h + 8, 1, 8, f) != 8) {
                break;
            }

            size = (uint64_t) h[8] << 56 | (uint64_t) h[9] << 48
                   | (uint64_t) h[10] << 40 | (uint64_t) h[11] << 32
                   | (uint64_t) h[12] << 24 | (uint64_t) h[13] << 16
                   | (uint64_t) h[14] << 8 | (uint64_t) h[15];

            if (size < 16) {
                break;
            }

        } else if (size < 8) {
            /* 0 ("to the end of the file") is never written by the muxer. */
            break;
        }

        if (size > file_size - off) {
            break;
        }

        if (memcmp(h + 4, "moof", 4) == 0) {
            in_moof = 1;

        } else if (memcmp(h + 4, "mdat", 4) == 0) {
            if (in_moof) {
                frags++;
                good = off + size;
            }

            in_moof = 0;

        } else if (!in_moof) {
            moov |= (memcmp(h + 4, "moov", 4) == 0);
            good = off + size;
        }
    }

    fclose(f);

    if (!moov || frags == 0) {
        return 1;
    }

    if (good < file_size && truncate(journal, (off_t) good) != 0) {
        return bb_av_fail(err, errlen, AVERROR(errno), "cannot cut "
                              "\"%s\"", journal);
    }

    return 0;
}


int
bb_remux_recover(const char *journal, int flags, long long *duration_ms,
    char *err, size_t errlen)
{
    int      rc;
    char    *path;
    size_t   n, s;

    *duration_ms = 0;

    n = strlen(journal);
    s = sizeof(BB_REMUX_JOURNAL_SUFFIX) - 1;

    if (n <= s || strcmp(journal + n - s, BB_REMUX_JOURNAL_SUFFIX) != 0) {
        return bb_av_fail(err, errlen, 0, "\"%s\" is no journal: its "
                              "name does not end in \"%s\"", journal,
                              BB_REMUX_JOURNAL_SUFFIX);
    }

    rc = bb_remux_trim(journal, err, errlen);

    if (rc == 1) {
        snprintf(err, errlen, "no complete GOP in \"%s\"", journal);
        unlink(journal);
        return 1;
    }

    if (rc != 0) {
        return -1;
    }

    path = strndup(journal, n - s);
    if (path == NULL) {
        return bb_av_fail(err, errlen, AVERROR(ENOMEM), "no room");
    }

    rc = bb_remux_convert(journal, path, flags, duration_ms, err, errlen);

    if (rc == 1) {
        snprintf(err, errlen, "no sample in \"%s\"", journal);
    }

    free(path);

    return rc;
}
