/*
 * The thumbnail of a clip: see bb_thumbnail.h.
 *
 *     mp4 --demux--> keyframe --decode--> picture --scale--> 320 x h
 *         (video only)         (alone,     (any YUV)   (YUV 4:2:0,
 *                               drained)                full range)
 *         --mjpeg--> JPEG in memory --> jpg.tmp<pid>.<n> --rename--> jpg
 *
 * Everything libav allocates hangs off one bb_thumbnail_t, freed in one
 * place whatever step failed.
 *
 * JPEG (JFIF) samples are full range, 0-255, where video is usually
 * limited, 16-235: the scaler is told both ranges and both colour
 * matrices, so that black stays black and red stays red.  The output
 * format is plain YUV 4:2:0 tagged full range rather than the deprecated
 * "J" formats, which the scaler warns about on every call.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "bb_av_error.h"
#include "bb_thumbnail.h"

/* A file whose first keyframe is not within this many packets is broken. */
#define BB_THUMBNAIL_MAX_PACKETS  300

/* MJPEG quantiser: 2 is near lossless, 31 blocky; 4 is sharp and small. */
#define BB_THUMBNAIL_QSCALE       4

typedef struct {
    AVFormatContext    *fmt;
    int                 video;      /* the stream decoded */
    AVCodecContext     *dec;
    AVCodecContext     *enc;
    struct SwsContext  *sws;
    AVPacket           *pkt;
    AVFrame            *picture;    /* the keyframe, decoded */
    AVFrame            *scaled;     /* what the JPEG is made of */
} bb_thumbnail_t;





/* Unique among the threads of this process; the pid among processes. */
static unsigned long  bb_thumbnail_seq;


/*
 * Opens the clip as an MP4 (a file of another kind is no clip of ours,
 * whatever libav might make of it) and the decoder of its video stream;
 * the demuxer is told to skip every other stream's samples.
 */
static int
bb_thumbnail_open(bb_thumbnail_t *t, const char *path, char *err,
    size_t errlen)
{
    int                 rc;
    unsigned            i;
    const AVCodec      *codec;
    AVCodecParameters  *par;

    rc = avformat_open_input(&t->fmt, path, av_find_input_format("mp4"),
                             NULL);
    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "cannot open");
    }

    rc = av_find_best_stream(t->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (rc < 0) {
        return bb_av_fail(err, errlen, 0, "no video stream");
    }

    t->video = rc;
    par = t->fmt->streams[rc]->codecpar;

    codec = avcodec_find_decoder(par->codec_id);
    if (codec == NULL) {
        return bb_av_fail(err, errlen, 0, "no decoder for \"%s\"",
                                 avcodec_get_name(par->codec_id));
    }

    for (i = 0; i < t->fmt->nb_streams; i++) {
        if ((int) i != t->video) {
            t->fmt->streams[i]->discard = AVDISCARD_ALL;
        }
    }

    t->dec = avcodec_alloc_context3(codec);
    if (t->dec == NULL) {
        return bb_av_fail(err, errlen, AVERROR(ENOMEM), "no decoder");
    }

    rc = avcodec_parameters_to_context(t->dec, par);
    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "bad video parameters");
    }

    /* Many thumbnails are made at once, one per thread of the pool. */
    t->dec->thread_count = 1;

    rc = avcodec_open2(t->dec, codec, NULL);
    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "cannot open the \"%s\" "
                                 "decoder", codec->name);
    }

    return 0;
}


/*
 * Decodes the keyframe in t->pkt on its own into t->picture: 0, or a
 * negative AVERROR with the decoder reset for the next keyframe.
 */
static int
bb_thumbnail_decode_key(bb_thumbnail_t *t)
{
    int  rc;

    /*
     * A keyframe before the start of an edit list is marked to be
     * dropped once decoded; it is still the clip's first picture.
     */
    t->pkt->flags &= ~AV_PKT_FLAG_DISCARD;

    rc = avcodec_send_packet(t->dec, t->pkt);

    if (rc >= 0) {
        rc = avcodec_send_packet(t->dec, NULL);
    }

    if (rc >= 0) {
        rc = avcodec_receive_frame(t->dec, t->picture);
    }

    if (rc < 0) {
        avcodec_flush_buffers(t->dec);
    }

    return rc;
}


/* Reads packets until a keyframe decodes, within the packet cap. */
static int
bb_thumbnail_decode(bb_thumbnail_t *t, char *err, size_t errlen)
{
    int  rc, n, keys;

    keys = 0;

    for (n = 0; n < BB_THUMBNAIL_MAX_PACKETS; n++) {
        rc = av_read_frame(t->fmt, t->pkt);

        if (rc == AVERROR_EOF) {
            break;
        }

        if (rc < 0) {
            return bb_av_fail(err, errlen, rc, "cannot read the clip");
        }

        if (t->pkt->stream_index != t->video
            || !(t->pkt->flags & AV_PKT_FLAG_KEY))
        {
            av_packet_unref(t->pkt);
            continue;
        }

        keys++;
        rc = bb_thumbnail_decode_key(t);
        av_packet_unref(t->pkt);

        if (rc >= 0) {
            return 0;
        }
    }

    return bb_av_fail(err, errlen, 0, "no keyframe decoded (%d "
                             "keyframes in %d packets%s)", keys, n,
                             n == BB_THUMBNAIL_MAX_PACKETS ? ", the most "
                             "read" : "");
}


/*
 * The height of a picture width pixels wide, of the shape the keyframe is
 * shown in (sample aspect ratio included), rounded to the nearest even
 * number: 4:2:0 halves it.  0 when it is out of bounds.
 */
static int
bb_thumbnail_height(bb_thumbnail_t *t, int width)
{
    int64_t     height;
    AVRational  sar, shown;

    sar = av_guess_sample_aspect_ratio(t->fmt, t->fmt->streams[t->video],
                                       t->picture);

    if (sar.num <= 0 || sar.den <= 0) {
        sar = (AVRational) { 1, 1 };
    }

    /* Width over height, reduced (approximated past INT_MAX). */
    shown = av_mul_q(sar, (AVRational) { t->picture->width,
                                         t->picture->height });

    if (shown.num <= 0 || shown.den <= 0) {
        return 0;
    }

    height = av_rescale_rnd(width, shown.den, 2 * (int64_t) shown.num,
                            AV_ROUND_NEAR_INF) * 2;

    if (height < BB_THUMBNAIL_MIN_SIZE) {
        height = BB_THUMBNAIL_MIN_SIZE;
    }

    return height <= BB_THUMBNAIL_MAX_SIZE ? (int) height : 0;
}


/*
 * The decoder's "J" formats are their plain twins at full range; the
 * scaler takes the range apart from the format.
 */
static enum AVPixelFormat
bb_thumbnail_unjpeg(enum AVPixelFormat format, int *full_range)
{
    switch (format) {

    case AV_PIX_FMT_YUVJ420P:
        *full_range = 1;
        return AV_PIX_FMT_YUV420P;

    case AV_PIX_FMT_YUVJ422P:
        *full_range = 1;
        return AV_PIX_FMT_YUV422P;

    case AV_PIX_FMT_YUVJ444P:
        *full_range = 1;
        return AV_PIX_FMT_YUV444P;

    case AV_PIX_FMT_YUVJ440P:
        *full_range = 1;
        return AV_PIX_FMT_YUV440P;

    case AV_PIX_FMT_YUVJ411P:
        *full_range = 1;
        return AV_PIX_FMT_YUV411P;

    default:
        return format;
    }
}


/* Scales t->picture into t->scaled, width pixels wide, for the JPEG. */
static int
bb_thumbnail_scale(bb_thumbnail_t *t, int width, char *err, size_t errlen)
{
    int                 rc, height, full_range;
    AVFrame            *in, *out;
    enum AVPixelFormat  format;

    in = t->picture;
    out = t->scaled;

    height = bb_thumbnail_height(t, width);
    if (height == 0) {
        return bb_av_fail(err, errlen, 0, "a %dx%d picture makes a "
                                 "thumbnail over %d pixels tall", in->width,
                                 in->height, BB_THUMBNAIL_MAX_SIZE);
    }

    full_range = (in->color_range == AVCOL_RANGE_JPEG);
    format = bb_thumbnail_unjpeg(in->format, &full_range);

    t->sws = sws_getContext(in->width, in->height, format, width, height,
                            AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL,
                            NULL);
    if (t->sws == NULL) {
        return bb_av_fail(err, errlen, 0, "cannot scale %dx%d %s",
                                 in->width, in->height,
                                 av_get_pix_fmt_name(format));
    }

    /*
     * AVCOL_SPC_* and SWS_CS_* are the same numbers (unknown ones get
     * the default, BT.601); JPEG is BT.601 at full range.  A matrix
     * that differs (BT.709 HD video) is converted, through RGB.
     */
    rc = sws_setColorspaceDetails(t->sws,
                                  sws_getCoefficients(in->colorspace),
                                  full_range,
                                  sws_getCoefficients(SWS_CS_ITU601), 1,
                                  0, 1 << 16, 1 << 16);
    if (rc < 0) {
        return bb_av_fail(err, errlen, 0, "cannot convert the colours "
                                 "of %s", av_get_pix_fmt_name(format));
    }

    out->format = AV_PIX_FMT_YUV420P;
    out->width = width;
    out->height = height;
    out->color_range = AVCOL_RANGE_JPEG;

    rc = av_frame_get_buffer(out, 0);
    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "no room");
    }

    rc = sws_scale(t->sws, (const uint8_t *const *) in->data, in->linesize,
                   0, in->height, out->data, out->linesize);
    if (rc != height) {
        return bb_av_fail(err, errlen, rc < 0 ? rc : 0,
                                 "cannot scale %dx%d to %dx%d", in->width,
                                 in->height, width, height);
    }

    return 0;
}


/* Encodes t->scaled as one JPEG, left in t->pkt. */
static int
bb_thumbnail_encode(bb_thumbnail_t *t, char *err, size_t errlen)
{
    int             rc;
    const AVCodec  *codec;

    codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (codec == NULL) {
        return bb_av_fail(err, errlen, 0, "no mjpeg encoder");
    }

    t->enc = avcodec_alloc_context3(codec);
    if (t->enc == NULL) {
        return bb_av_fail(err, errlen, AVERROR(ENOMEM), "no encoder");
    }

    t->enc->width = t->scaled->width;
    t->enc->height = t->scaled->height;
    t->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    t->enc->color_range = AVCOL_RANGE_JPEG;
    t->enc->sample_aspect_ratio = (AVRational) { 1, 1 };
    t->enc->time_base = (AVRational) { 1, 25 };
    t->enc->thread_count = 1;

    /* A fixed quantiser, taken from each frame's quality. */
    t->enc->flags |= AV_CODEC_FLAG_QSCALE;
    t->enc->global_quality = FF_QP2LAMBDA * BB_THUMBNAIL_QSCALE;
    t->scaled->quality = t->enc->global_quality;

    rc = avcodec_open2(t->enc, codec, NULL);
    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "cannot open the mjpeg "
                                 "encoder");
    }

    rc = avcodec_send_frame(t->enc, t->scaled);

    if (rc >= 0) {
        rc = avcodec_send_frame(t->enc, NULL);
    }

    if (rc >= 0) {
        rc = avcodec_receive_packet(t->enc, t->pkt);
    }

    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "cannot encode the JPEG");
    }

    return 0;
}


/* Writes the n bytes at data to fd whole; errno tells why not. */
static int
bb_thumbnail_write_all(int fd, const uint8_t *data, size_t n)
{
    ssize_t  w;

    while (n > 0) {
        w = write(fd, data, n);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }

            return -1;
        }

        data += w;
        n -= (size_t) w;
    }

    return 0;
}


/*
 * Puts the JPEG at path: written to a temporary name of its own, flushed,
 * then renamed over path.  The folder is not flushed: a rename a power
 * cut undoes leaves the old thumbnail or none, and one is made again.
 */
static int
bb_thumbnail_save(const AVPacket *jpg, const char *path, char *err,
    size_t errlen)
{
    int            fd, rc;
    char           tmp[PATH_MAX];
    unsigned long  seq;

    seq = __atomic_add_fetch(&bb_thumbnail_seq, 1, __ATOMIC_RELAXED);

    rc = snprintf(tmp, sizeof(tmp), "%s" BB_THUMBNAIL_TEMP_SUFFIX "%ld.%lu",
                  path, (long) getpid(), seq);
    if (rc < 0 || (size_t) rc >= sizeof(tmp)) {
        return bb_av_fail(err, errlen, 0, "path too long: \"%.64s...\"",
                                 path);
    }

    /* Not O_EXCL: a file of this name is a dead process's leftover. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        return bb_av_fail(err, errlen, AVERROR(errno), "cannot create "
                                 "\"%s\"", tmp);
    }

    if (bb_thumbnail_write_all(fd, jpg->data, (size_t) jpg->size) != 0
        || fsync(fd) != 0)
    {
        rc = AVERROR(errno);
        close(fd);
        unlink(tmp);
        return bb_av_fail(err, errlen, rc, "cannot write \"%s\"", tmp);
    }

    if (close(fd) != 0) {
        rc = AVERROR(errno);
        unlink(tmp);
        return bb_av_fail(err, errlen, rc, "cannot write \"%s\"", tmp);
    }

    if (rename(tmp, path) != 0) {
        rc = AVERROR(errno);
        unlink(tmp);
        return bb_av_fail(err, errlen, rc, "cannot rename \"%s\"",
                                 tmp);
    }

    return 0;
}


int
bb_thumbnail_write(const char *clip_path, const char *jpg_path, int width,
    char *err, size_t errlen)
{
    int             rc;
    bb_thumbnail_t  t;

    if (width < BB_THUMBNAIL_MIN_SIZE || width > BB_THUMBNAIL_MAX_SIZE) {
        return bb_av_fail(err, errlen, 0, "width %d is not %d to %d",
                                 width, BB_THUMBNAIL_MIN_SIZE,
                                 BB_THUMBNAIL_MAX_SIZE);
    }

    memset(&t, 0, sizeof(bb_thumbnail_t));

    t.pkt = av_packet_alloc();
    t.picture = av_frame_alloc();
    t.scaled = av_frame_alloc();

    if (t.pkt == NULL || t.picture == NULL || t.scaled == NULL) {
        rc = bb_av_fail(err, errlen, AVERROR(ENOMEM), "no room");

    } else if (bb_thumbnail_open(&t, clip_path, err, errlen) == 0
               && bb_thumbnail_decode(&t, err, errlen) == 0
               && bb_thumbnail_scale(&t, width, err, errlen) == 0
               && bb_thumbnail_encode(&t, err, errlen) == 0
               && bb_thumbnail_save(t.pkt, jpg_path, err, errlen) == 0)
    {
        rc = 0;

    } else {
        rc = -1;
    }

    avcodec_free_context(&t.enc);
    avcodec_free_context(&t.dec);
    sws_freeContext(t.sws);
    avformat_close_input(&t.fmt);
    av_packet_free(&t.pkt);
    av_frame_free(&t.picture);
    av_frame_free(&t.scaled);

    return rc;
}


bb_status_e
bb_thumbnail_keep(const char *storage, const char *path, int width,
    char *err, size_t errlen)
{
    char         clip[4200], jpg[4210];
    struct stat  sb;

    snprintf(clip, sizeof(clip), "%s/%s", storage, path);
    snprintf(jpg, sizeof(jpg), "%s.jpg", clip);

    if (stat(jpg, &sb) == 0) {
        return BB_OK;
    }

    if (bb_thumbnail_write(clip, jpg, width, err, errlen) != 0) {
        return access(clip, F_OK) != 0 ? BB_ERR_NOT_FOUND : BB_ERR_INTERNAL;
    }

    return BB_OK;
}
