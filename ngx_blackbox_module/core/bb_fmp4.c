/*
 * The fMP4 writer: see bb_fmp4.h.
 *
 * Every builder runs twice over the same code: once with no buffer, only
 * adding up lengths, and once writing.  Box sizes are patched in when a
 * box is closed, so the layout is written once, in the order it appears;
 * the moof's data offsets need its own size first, which the measuring
 * pass gives.
 */

#include <stdio.h>
#include <string.h>

#include "bb_fmp4.h"

#define BB_FMP4_TYPE(s)                                                      \
    ((uint32_t) (uint8_t) (s)[0] << 24 | (uint32_t) (uint8_t) (s)[1] << 16  \
     | (uint32_t) (uint8_t) (s)[2] << 8 | (uint32_t) (uint8_t) (s)[3])

/* A codec config longer than this is no config of a camera's stream. */
#define BB_FMP4_MAX_CONFIG     65536

/* tfhd flags */
#define BB_FMP4_BASE_IS_MOOF   0x020000

/* trun flags: data offset, then per sample duration, size, flags, cts */
#define BB_FMP4_TRUN_FLAGS     0x000f01

/*
 * sample_flags: sample_depends_on 2 (depends on no other: a keyframe, an
 * audio frame), or 1 with sample_is_non_sync_sample.
 */
#define BB_FMP4_SYNC           0x02000000
#define BB_FMP4_NON_SYNC       0x01010000

/* A track's index in the runs' arrays; BB_FMP4_VIDEO is a mask bit. */
#define BB_FMP4_TRACK_VIDEO    0
#define BB_FMP4_TRACK_AUDIO    1


/* Where a builder writes; buf NULL: it only measures. */
typedef struct {
    uint8_t   *buf;
    size_t     len;
    unsigned   bad;     /* the input cannot be written: give up */
} bb_fmp4_out_t;


/*
 * The samples of a segment's selected tracks, merged in file order, taken
 * run by run: a run is the longest stretch of one track's samples with
 * none of the other track's in between.  A track left out has no sample
 * to take (next is end), so a single track is one run.
 */
typedef struct {
    const bb_mp4_track_t  *track[2];
    uint32_t               next[2];
    uint32_t               end[2];
} bb_fmp4_runs_t;


typedef struct {
    unsigned               track;       /* BB_FMP4_TRACK_VIDEO, _AUDIO */
    uint32_t               first;
    uint32_t               count;
    uint64_t               bytes;
} bb_fmp4_run_t;


static void bb_fmp4_put(bb_fmp4_out_t *o, const void *data, size_t len);
static void bb_fmp4_zero(bb_fmp4_out_t *o, size_t len);
static void bb_fmp4_u8(bb_fmp4_out_t *o, uint32_t v);
static void bb_fmp4_u16(bb_fmp4_out_t *o, uint32_t v);
static void bb_fmp4_u32(bb_fmp4_out_t *o, uint32_t v);
static void bb_fmp4_u64(bb_fmp4_out_t *o, uint64_t v);
static size_t bb_fmp4_box(bb_fmp4_out_t *o, const char *type);
static size_t bb_fmp4_full(bb_fmp4_out_t *o, const char *type,
    uint32_t version, uint32_t flags);
static void bb_fmp4_end(bb_fmp4_out_t *o, size_t at);
static void bb_fmp4_matrix(bb_fmp4_out_t *o);
static void bb_fmp4_descriptor(bb_fmp4_out_t *o, uint32_t tag,
    uint32_t len);
static uint32_t bb_fmp4_descriptor_size(uint32_t len);

static unsigned bb_fmp4_select(const bb_mp4_index_t *ix, unsigned tracks);
static void bb_fmp4_init_write(bb_fmp4_out_t *o, const bb_mp4_index_t *ix,
    unsigned tracks);
static void bb_fmp4_moov(bb_fmp4_out_t *o, const bb_mp4_index_t *ix,
    unsigned tracks);
static void bb_fmp4_trex(bb_fmp4_out_t *o, uint32_t id);
static void bb_fmp4_trak(bb_fmp4_out_t *o, const bb_mp4_track_t *tr,
    uint32_t id);
static void bb_fmp4_visual(bb_fmp4_out_t *o, const bb_mp4_track_t *tr);
static void bb_fmp4_sound(bb_fmp4_out_t *o, const bb_mp4_track_t *tr);

static int bb_fmp4_segment_check(const bb_mp4_index_t *ix,
    const bb_mp4_segment_t *seg);
static void bb_fmp4_runs_init(bb_fmp4_runs_t *it, const bb_mp4_index_t *ix,
    const bb_mp4_segment_t *seg, unsigned tracks);
static int bb_fmp4_runs_pick(const bb_fmp4_runs_t *it);
static int bb_fmp4_runs_next(bb_fmp4_runs_t *it, bb_fmp4_run_t *run);
static void bb_fmp4_moof(bb_fmp4_out_t *o, const bb_fmp4_runs_t *runs,
    uint32_t sequence, const bb_fmp4_base_t *base, size_t data_start);
static void bb_fmp4_traf(bb_fmp4_out_t *o, const bb_fmp4_runs_t *runs,
    unsigned track, uint64_t base, size_t data_start);

static int bb_fmp4_track_same(const bb_mp4_track_t *a,
    const bb_mp4_track_t *b);
static size_t bb_fmp4_append(char *buf, size_t size, size_t len,
    const char *fmt, unsigned v);
static size_t bb_fmp4_prefix(char *buf, size_t size, uint32_t fourcc);
static size_t bb_fmp4_hvc_string(const uint8_t *c, char *buf, size_t size,
    size_t len);


/* The output primitives: big-endian, measuring only when buf is NULL. */

static void
bb_fmp4_put(bb_fmp4_out_t *o, const void *data, size_t len)
{
    if (o->buf != NULL) {
        memcpy(o->buf + o->len, data, len);
    }

    o->len += len;
}


static void
bb_fmp4_zero(bb_fmp4_out_t *o, size_t len)
{
    if (o->buf != NULL) {
        memset(o->buf + o->len, 0, len);
    }

    o->len += len;
}


static void
bb_fmp4_u8(bb_fmp4_out_t *o, uint32_t v)
{
    uint8_t  b;

    b = (uint8_t) v;
    bb_fmp4_put(o, &b, 1);
}


static void
bb_fmp4_u16(bb_fmp4_out_t *o, uint32_t v)
{
    uint8_t  b[2];

    b[0] = (uint8_t) (v >> 8);
    b[1] = (uint8_t) v;
    bb_fmp4_put(o, b, 2);
}


static void
bb_fmp4_u32(bb_fmp4_out_t *o, uint32_t v)
{
    uint8_t  b[4];

    b[0] = (uint8_t) (v >> 24);
    b[1] = (uint8_t) (v >> 16);
    b[2] = (uint8_t) (v >> 8);
    b[3] = (uint8_t) v;
    bb_fmp4_put(o, b, 4);
}


static void
bb_fmp4_u64(bb_fmp4_out_t *o, uint64_t v)
{
    bb_fmp4_u32(o, (uint32_t) (v >> 32));
    bb_fmp4_u32(o, (uint32_t) v);
}


/* Opens a box; returns where it starts, for bb_fmp4_end. */
static size_t
bb_fmp4_box(bb_fmp4_out_t *o, const char *type)
{
    size_t  at;

    at = o->len;
    bb_fmp4_u32(o, 0);
    bb_fmp4_put(o, type, 4);

    return at;
}


static size_t
bb_fmp4_full(bb_fmp4_out_t *o, const char *type, uint32_t version,
    uint32_t flags)
{
    size_t  at;

    at = bb_fmp4_box(o, type);
    bb_fmp4_u32(o, version << 24 | (flags & 0xffffff));

    return at;
}


/* Closes the box opened at at: its size is what was written since. */
static void
bb_fmp4_end(bb_fmp4_out_t *o, size_t at)
{
    size_t  size;

    size = o->len - at;

    if (size > UINT32_MAX) {
        o->bad = 1;
        return;
    }

    if (o->buf != NULL) {
        o->buf[at] = (uint8_t) (size >> 24);
        o->buf[at + 1] = (uint8_t) (size >> 16);
        o->buf[at + 2] = (uint8_t) (size >> 8);
        o->buf[at + 3] = (uint8_t) size;
    }
}


/* The unity matrix of mvhd and tkhd. */
static void
bb_fmp4_matrix(bb_fmp4_out_t *o)
{
    bb_fmp4_u32(o, 0x00010000);
    bb_fmp4_zero(o, 12);
    bb_fmp4_u32(o, 0x00010000);
    bb_fmp4_zero(o, 12);
    bb_fmp4_u32(o, 0x40000000);
}


/*
 * An MPEG-4 descriptor's header (ISO/IEC 14496-1 8.3.3): the tag, then
 * the body's length in 7-bit groups, high first, all but the last with
 * the top bit set.
 */
static void
bb_fmp4_descriptor(bb_fmp4_out_t *o, uint32_t tag, uint32_t len)
{
    int  shift;

    bb_fmp4_u8(o, tag);

    for (shift = 21; shift > 0; shift -= 7) {
        if (len >> shift) {
            bb_fmp4_u8(o, 0x80 | ((len >> shift) & 0x7f));
        }
    }

    bb_fmp4_u8(o, len & 0x7f);
}


/* A descriptor's whole size: header and a body of len. */
static uint32_t
bb_fmp4_descriptor_size(uint32_t len)
{
    return 2 + (len >= 1u << 7) + (len >= 1u << 14) + (len >= 1u << 21)
           + len;
}


/*
 * The tracks of ix that tracks selects, as a mask: the audio only when
 * ix has an AAC track with a config, which its init segment can describe
 * (the video is checked where it is written).  0: none.
 */
static unsigned
bb_fmp4_select(const bb_mp4_index_t *ix, unsigned tracks)
{
    if (ix->audio.codec != BB_MP4_AAC || ix->audio.config_len == 0) {
        tracks &= ~BB_FMP4_AUDIO;
    }

    return tracks & BB_FMP4_BOTH;
}


/*
 * The init segment:
 *
 *     ftyp  iso6 (negative composition offsets), mp41
 *     moov
 *       mvhd
 *       trak  video, then trak audio, those selected
 *       mvex  trex per trak
 */
size_t
bb_fmp4_init_build(const bb_mp4_index_t *ix, unsigned tracks, uint8_t *buf,
    size_t size)
{
    size_t         need;
    bb_fmp4_out_t  o;

    tracks = bb_fmp4_select(ix, tracks);

    if ((ix->video.codec != BB_MP4_H264 && ix->video.codec != BB_MP4_H265)
        || tracks == 0)
    {
        return 0;
    }

    o.buf = NULL;
    o.len = 0;
    o.bad = 0;
    bb_fmp4_init_write(&o, ix, tracks);

    if (o.bad) {
        return 0;
    }

    need = o.len;

    if (buf == NULL) {
        return need;
    }

    if (size < need) {
        return 0;
    }

    o.buf = buf;
    o.len = 0;
    bb_fmp4_init_write(&o, ix, tracks);

    /* it must have written what it measured */
    return (!o.bad && o.len == need) ? need : 0;
}


int
bb_fmp4_init_same(const bb_mp4_index_t *a, const bb_mp4_index_t *b)
{
    unsigned  audio_a, audio_b;

    audio_a = bb_fmp4_select(a, BB_FMP4_AUDIO);
    audio_b = bb_fmp4_select(b, BB_FMP4_AUDIO);

    return bb_fmp4_track_same(&a->video, &b->video)
           && audio_a == audio_b
           && (!audio_a || bb_fmp4_track_same(&a->audio, &b->audio));
}


/* What of a track goes into the init segment is the same in a and b. */
static int
bb_fmp4_track_same(const bb_mp4_track_t *a, const bb_mp4_track_t *b)
{
    return a->codec == b->codec && a->fourcc == b->fourcc
           && a->timescale == b->timescale
           && a->width == b->width && a->height == b->height
           && a->sample_rate == b->sample_rate
           && a->channels == b->channels
           && a->config_len == b->config_len
           && memcmp(bb_mp4_config(a), bb_mp4_config(b), a->config_len)
              == 0;
}


static void
bb_fmp4_init_write(bb_fmp4_out_t *o, const bb_mp4_index_t *ix,
    unsigned tracks)
{
    size_t  at;

    at = bb_fmp4_box(o, "ftyp");
    bb_fmp4_put(o, "iso6", 4);
    bb_fmp4_u32(o, 0);
    bb_fmp4_put(o, "iso6", 4);
    bb_fmp4_put(o, "mp41", 4);
    bb_fmp4_end(o, at);

    bb_fmp4_moov(o, ix, tracks);
}


static void
bb_fmp4_moov(bb_fmp4_out_t *o, const bb_mp4_index_t *ix, unsigned tracks)
{
    size_t  moov, mvex, at;

    moov = bb_fmp4_box(o, "moov");

    /*
     * mvhd: times, timescale, duration (0: unknown, the fragments say),
     * rate, volume, reserved, matrix, pre_defined, next_track_ID
     */
    at = bb_fmp4_full(o, "mvhd", 0, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, 1000);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, 0x00010000);
    bb_fmp4_u16(o, 0x0100);
    bb_fmp4_zero(o, 10);
    bb_fmp4_matrix(o);
    bb_fmp4_zero(o, 24);
    bb_fmp4_u32(o, (tracks & BB_FMP4_AUDIO) ? BB_FMP4_AUDIO_ID + 1
                                            : BB_FMP4_VIDEO_ID + 1);
    bb_fmp4_end(o, at);

    if (tracks & BB_FMP4_VIDEO) {
        bb_fmp4_trak(o, &ix->video, BB_FMP4_VIDEO_ID);
    }

    if (tracks & BB_FMP4_AUDIO) {
        bb_fmp4_trak(o, &ix->audio, BB_FMP4_AUDIO_ID);
    }

    mvex = bb_fmp4_box(o, "mvex");

    if (tracks & BB_FMP4_VIDEO) {
        bb_fmp4_trex(o, BB_FMP4_VIDEO_ID);
    }

    if (tracks & BB_FMP4_AUDIO) {
        bb_fmp4_trex(o, BB_FMP4_AUDIO_ID);
    }

    bb_fmp4_end(o, mvex);
    bb_fmp4_end(o, moov);
}


/*
 * trex: track_ID, default_sample_description_index, then defaults of
 * duration, size and flags, all 0: every trun gives its own
 */
static void
bb_fmp4_trex(bb_fmp4_out_t *o, uint32_t id)
{
    size_t  at;

    at = bb_fmp4_full(o, "trex", 0, 0);
    bb_fmp4_u32(o, id);
    bb_fmp4_u32(o, 1);
    bb_fmp4_zero(o, 12);
    bb_fmp4_end(o, at);
}


/*
 * One trak with empty sample tables:
 *
 *     trak
 *       tkhd
 *       mdia
 *         mdhd  the clip's timescale
 *         hdlr  vide / soun
 *         minf
 *           vmhd / smhd
 *           dinf > dref > url  (the data is in this file)
 *           stbl > stsd (one sample entry), stts, stsc, stsz, stco
 */
static void
bb_fmp4_trak(bb_fmp4_out_t *o, const bb_mp4_track_t *tr, uint32_t id)
{
    int     video;
    size_t  trak, mdia, minf, dinf, stbl, at;

    video = (tr->codec != BB_MP4_AAC);

    if (tr->timescale == 0 || tr->config_len == 0
        || tr->config_len > BB_FMP4_MAX_CONFIG
        || (video && (tr->width > 0xffff || tr->height > 0xffff)))
    {
        o->bad = 1;
        return;
    }

    trak = bb_fmp4_box(o, "trak");

    /*
     * tkhd (enabled, in movie): times, track_ID, reserved, duration,
     * reserved, layer, alternate_group, volume, reserved, matrix, width,
     * height (16.16)
     */
    at = bb_fmp4_full(o, "tkhd", 0, 0x000003);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, id);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_zero(o, 8);
    bb_fmp4_u16(o, 0);
    bb_fmp4_u16(o, video ? 0 : 1);
    bb_fmp4_u16(o, video ? 0 : 0x0100);
    bb_fmp4_u16(o, 0);
    bb_fmp4_matrix(o);
    bb_fmp4_u32(o, video ? tr->width << 16 : 0);
    bb_fmp4_u32(o, video ? tr->height << 16 : 0);
    bb_fmp4_end(o, at);

    mdia = bb_fmp4_box(o, "mdia");

    /* mdhd: times, timescale, duration, language "und", pre_defined */
    at = bb_fmp4_full(o, "mdhd", 0, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, tr->timescale);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u16(o, 0x55c4);
    bb_fmp4_u16(o, 0);
    bb_fmp4_end(o, at);

    /* hdlr: pre_defined, handler_type, reserved, name */
    at = bb_fmp4_full(o, "hdlr", 0, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_put(o, video ? "vide" : "soun", 4);
    bb_fmp4_zero(o, 12);
    bb_fmp4_put(o, video ? "VideoHandler" : "SoundHandler", 13);
    bb_fmp4_end(o, at);

    minf = bb_fmp4_box(o, "minf");

    if (video) {
        /* vmhd (flags 1): graphicsmode, opcolor */
        at = bb_fmp4_full(o, "vmhd", 0, 1);
        bb_fmp4_zero(o, 8);
        bb_fmp4_end(o, at);

    } else {
        /* smhd: balance, reserved */
        at = bb_fmp4_full(o, "smhd", 0, 0);
        bb_fmp4_zero(o, 4);
        bb_fmp4_end(o, at);
    }

    dinf = bb_fmp4_box(o, "dinf");
    at = bb_fmp4_full(o, "dref", 0, 0);
    bb_fmp4_u32(o, 1);
    bb_fmp4_end(o, bb_fmp4_full(o, "url ", 0, 1));
    bb_fmp4_end(o, at);
    bb_fmp4_end(o, dinf);

    stbl = bb_fmp4_box(o, "stbl");

    at = bb_fmp4_full(o, "stsd", 0, 0);
    bb_fmp4_u32(o, 1);

    if (video) {
        bb_fmp4_visual(o, tr);

    } else {
        bb_fmp4_sound(o, tr);
    }

    bb_fmp4_end(o, at);

    /* the empty tables: entry counts of 0; stsz has a sample_size first */
    at = bb_fmp4_full(o, "stts", 0, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_end(o, at);

    at = bb_fmp4_full(o, "stsc", 0, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_end(o, at);

    at = bb_fmp4_full(o, "stsz", 0, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_end(o, at);

    at = bb_fmp4_full(o, "stco", 0, 0);
    bb_fmp4_u32(o, 0);
    bb_fmp4_end(o, at);

    bb_fmp4_end(o, stbl);
    bb_fmp4_end(o, minf);
    bb_fmp4_end(o, mdia);
    bb_fmp4_end(o, trak);
}


/*
 * VisualSampleEntry, then the avcC or hvcC box around the index's config:
 *
 *     reserved 6, data_reference_index 2, pre_defined/reserved 16,
 *     width 2, height 2, resolutions 8 (72 dpi), reserved 4,
 *     frame_count 2, compressorname 32, depth 2, pre_defined 2 (-1)
 *
 * The clip's four-character code is kept: hev1 and avc3 say that
 * parameter sets may come in band as well, which stays true here.
 */
static void
bb_fmp4_visual(bb_fmp4_out_t *o, const bb_mp4_track_t *tr)
{
    char    type[4];
    size_t  entry, at;

    if (tr->codec == BB_MP4_H264) {
        memcpy(type, tr->fourcc == BB_FMP4_TYPE("avc3") ? "avc3" : "avc1",
               4);

    } else {
        memcpy(type, tr->fourcc == BB_FMP4_TYPE("hev1") ? "hev1" : "hvc1",
               4);
    }

    entry = o->len;
    bb_fmp4_u32(o, 0);
    bb_fmp4_put(o, type, 4);

    bb_fmp4_zero(o, 6);
    bb_fmp4_u16(o, 1);
    bb_fmp4_zero(o, 16);
    bb_fmp4_u16(o, tr->width);
    bb_fmp4_u16(o, tr->height);
    bb_fmp4_u32(o, 0x00480000);
    bb_fmp4_u32(o, 0x00480000);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u16(o, 1);
    bb_fmp4_zero(o, 32);
    bb_fmp4_u16(o, 0x0018);
    bb_fmp4_u16(o, 0xffff);

    at = bb_fmp4_box(o, tr->codec == BB_MP4_H264 ? "avcC" : "hvcC");
    bb_fmp4_put(o, bb_mp4_config(tr), tr->config_len);
    bb_fmp4_end(o, at);

    bb_fmp4_end(o, entry);
}


/*
 * AudioSampleEntry mp4a, then esds around the AudioSpecificConfig:
 *
 *     reserved 6, data_reference_index 2, reserved 8, channelcount 2,
 *     samplesize 2, pre_defined 2, reserved 2, samplerate 4 (16.16)
 *
 *     esds
 *       ES_Descriptor (3): ES_ID 2, flags 1
 *         DecoderConfigDescriptor (4): objectTypeIndication 0x40 (MPEG-4
 *             audio, the config says which), streamType 5 (audio) << 2
 *             | reserved 1, bufferSizeDB 3, maxBitrate 4, avgBitrate 4
 *           DecoderSpecificInfo (5): the AudioSpecificConfig
 *         SLConfigDescriptor (6): predefined 2 (MP4)
 */
static void
bb_fmp4_sound(bb_fmp4_out_t *o, const bb_mp4_track_t *tr)
{
    size_t    entry, at;
    uint32_t  rate, dsi, dcd, es;

    rate = tr->sample_rate ? tr->sample_rate : tr->timescale;

    entry = bb_fmp4_box(o, "mp4a");
    bb_fmp4_zero(o, 6);
    bb_fmp4_u16(o, 1);
    bb_fmp4_zero(o, 8);
    bb_fmp4_u16(o, tr->channels ? tr->channels : 2);
    bb_fmp4_u16(o, 16);
    bb_fmp4_u16(o, 0);
    bb_fmp4_u16(o, 0);
    /* rates past 16 bits do not fit: the AudioSpecificConfig has them */
    bb_fmp4_u32(o, rate <= 0xffff ? rate << 16 : 0);

    dsi = bb_fmp4_descriptor_size(tr->config_len);
    dcd = bb_fmp4_descriptor_size(13 + dsi);
    es = 3 + dcd + bb_fmp4_descriptor_size(1);

    at = bb_fmp4_full(o, "esds", 0, 0);

    bb_fmp4_descriptor(o, 3, es);
    bb_fmp4_u16(o, BB_FMP4_AUDIO_ID);
    bb_fmp4_u8(o, 0);

    bb_fmp4_descriptor(o, 4, 13 + dsi);
    bb_fmp4_u8(o, 0x40);
    bb_fmp4_u8(o, 0x05 << 2 | 1);
    bb_fmp4_zero(o, 3);
    bb_fmp4_u32(o, 0);
    bb_fmp4_u32(o, 0);

    bb_fmp4_descriptor(o, 5, tr->config_len);
    bb_fmp4_put(o, bb_mp4_config(tr), tr->config_len);

    bb_fmp4_descriptor(o, 6, 1);
    bb_fmp4_u8(o, 0x02);

    bb_fmp4_end(o, at);
    bb_fmp4_end(o, entry);
}


/* 1 when seg is a segment of ix: some video, every sample in its track. */
static int
bb_fmp4_segment_check(const bb_mp4_index_t *ix, const bb_mp4_segment_t *seg)
{
    return seg->video_start < seg->video_end
           && seg->video_end <= ix->video.count
           && seg->audio_start <= seg->audio_end
           && (seg->audio_end == seg->audio_start
               || (ix->audio.codec == BB_MP4_AAC
                   && seg->audio_end <= ix->audio.count));
}


/* The runs of seg's samples of the tracks in the mask tracks. */
static void
bb_fmp4_runs_init(bb_fmp4_runs_t *it, const bb_mp4_index_t *ix,
    const bb_mp4_segment_t *seg, unsigned tracks)
{
    it->track[BB_FMP4_TRACK_VIDEO] = &ix->video;
    it->next[BB_FMP4_TRACK_VIDEO] = seg->video_start;
    it->end[BB_FMP4_TRACK_VIDEO] = (tracks & BB_FMP4_VIDEO)
                                   ? seg->video_end : seg->video_start;

    it->track[BB_FMP4_TRACK_AUDIO] = &ix->audio;
    it->next[BB_FMP4_TRACK_AUDIO] = seg->audio_start;
    it->end[BB_FMP4_TRACK_AUDIO] = (tracks & BB_FMP4_AUDIO)
                                   ? seg->audio_end : seg->audio_start;
}


/*
 * The track whose next sample comes first in the file (the video on a
 * tie), or -1 when both are done.  Each track's samples are taken in
 * decode order whatever their offsets, so an odd layout costs only more
 * runs.
 */
static int
bb_fmp4_runs_pick(const bb_fmp4_runs_t *it)
{
    uint32_t  v, a;

    v = it->next[BB_FMP4_TRACK_VIDEO];
    a = it->next[BB_FMP4_TRACK_AUDIO];

    if (a >= it->end[BB_FMP4_TRACK_AUDIO]) {
        return (v < it->end[BB_FMP4_TRACK_VIDEO]) ? BB_FMP4_TRACK_VIDEO : -1;
    }

    if (v >= it->end[BB_FMP4_TRACK_VIDEO]) {
        return BB_FMP4_TRACK_AUDIO;
    }

    return bb_mp4_offset(it->track[BB_FMP4_TRACK_VIDEO], v)
           <= bb_mp4_offset(it->track[BB_FMP4_TRACK_AUDIO], a)
           ? BB_FMP4_TRACK_VIDEO : BB_FMP4_TRACK_AUDIO;
}


/* The next run into *run: 1, or 0 when none is left. */
static int
bb_fmp4_runs_next(bb_fmp4_runs_t *it, bb_fmp4_run_t *run)
{
    int  t;

    t = bb_fmp4_runs_pick(it);
    if (t < 0) {
        return 0;
    }

    run->track = (unsigned) t;
    run->first = it->next[t];
    run->count = 0;
    run->bytes = 0;

    do {
        run->bytes += bb_mp4_size(it->track[t], it->next[t]);
        run->count++;
        it->next[t]++;

    } while (bb_fmp4_runs_pick(it) == t);

    return 1;
}


/*
 * The header of a media segment:
 *
 *     styp  msdh (a media segment), iso6
 *     moof
 *       mfhd  sequence_number
 *       traf  video, then audio, of those selected the segment has:
 *         tfhd  default-base-is-moof: data offsets count from moof
 *         tfdt  version 1, the track's decode time
 *         trun  version 1, one per run of the track in the payload
 *     mdat  header only; its payload is the ranges
 */
size_t
bb_fmp4_segment_header(const bb_mp4_index_t *ix,
    const bb_mp4_segment_t *seg, unsigned tracks, uint32_t sequence,
    const bb_fmp4_base_t *base, uint8_t *buf, size_t size)
{
    size_t          at, moof, mdat, need;
    uint64_t        payload;
    bb_fmp4_run_t   run;
    bb_fmp4_out_t   o;
    bb_fmp4_runs_t  runs, it;

    tracks = bb_fmp4_select(ix, tracks);

    if (tracks == 0 || !bb_fmp4_segment_check(ix, seg)) {
        return 0;
    }

    bb_fmp4_runs_init(&runs, ix, seg, tracks);

    payload = 0;
    it = runs;

    while (bb_fmp4_runs_next(&it, &run)) {
        payload += run.bytes;
    }

    /* a 64-bit largesize when the mdat is past 4 GiB */
    mdat = (payload <= UINT32_MAX - 8) ? 8 : 16;

    /* measure, with no data offset known yet: it does not change sizes */
    o.buf = NULL;
    o.len = 0;
    o.bad = 0;
    bb_fmp4_moof(&o, &runs, sequence, base, 0);

    if (o.bad) {
        return 0;
    }

    moof = o.len;
    need = 24 + moof + mdat;

    /* trun's data_offset is a signed 32-bit count from the moof */
    if (moof + mdat + payload > INT32_MAX) {
        return 0;
    }

    if (buf == NULL) {
        return need;
    }

    if (size < need) {
        return 0;
    }

    o.buf = buf;
    o.len = 0;

    at = bb_fmp4_box(&o, "styp");
    bb_fmp4_put(&o, "msdh", 4);
    bb_fmp4_u32(&o, 0);
    bb_fmp4_put(&o, "msdh", 4);
    bb_fmp4_put(&o, "iso6", 4);
    bb_fmp4_end(&o, at);

    bb_fmp4_moof(&o, &runs, sequence, base, moof + mdat);

    if (mdat == 8) {
        bb_fmp4_u32(&o, (uint32_t) (8 + payload));
        bb_fmp4_put(&o, "mdat", 4);

    } else {
        bb_fmp4_u32(&o, 1);
        bb_fmp4_put(&o, "mdat", 4);
        bb_fmp4_u64(&o, 16 + payload);
    }

    return (!o.bad && o.len == need) ? need : 0;
}


/*
 * The moof of the samples in runs, none taken yet: a traf per track that
 * has some.  data_start is where the payload starts, counted from the moof's
 * first byte (0 while measuring).
 */
static void
bb_fmp4_moof(bb_fmp4_out_t *o, const bb_fmp4_runs_t *runs,
    uint32_t sequence, const bb_fmp4_base_t *base, size_t data_start)
{
    size_t  moof, at;

    moof = bb_fmp4_box(o, "moof");

    at = bb_fmp4_full(o, "mfhd", 0, 0);
    bb_fmp4_u32(o, sequence);
    bb_fmp4_end(o, at);

    if (runs->next[BB_FMP4_TRACK_VIDEO] < runs->end[BB_FMP4_TRACK_VIDEO]) {
        bb_fmp4_traf(o, runs, BB_FMP4_TRACK_VIDEO, base->video,
                     data_start);
    }

    if (runs->next[BB_FMP4_TRACK_AUDIO] < runs->end[BB_FMP4_TRACK_AUDIO]) {
        bb_fmp4_traf(o, runs, BB_FMP4_TRACK_AUDIO, base->audio,
                     data_start);
    }

    bb_fmp4_end(o, moof);
}


/*
 * The traf of one track.  Its truns are those of its runs; the runs of
 * the other track only move the data offset on.
 *
 * Times (see bb_fmp4.h): the tfdt is base + dts - first_dts of the
 * track's first sample in the segment, and each composition offset is
 * cts + first_dts + empty_duration - media_start, so that a sample is
 * presented at the base plus its edited presentation time in the clip.
 */
static void
bb_fmp4_traf(bb_fmp4_out_t *o, const bb_fmp4_runs_t *runs, unsigned track,
    uint64_t base, size_t data_start)
{
    size_t                 traf, at;
    uint32_t               i, flags;
    uint64_t               dts, pos;
    __int128               shift, cts;
    bb_fmp4_run_t          run;
    bb_fmp4_runs_t         it;
    const bb_mp4_track_t  *tr;

    tr = runs->track[track];
    dts = bb_mp4_dts(tr, runs->next[track]);

    if (dts < tr->first_dts || dts - tr->first_dts > UINT64_MAX - base) {
        o->bad = 1;
        return;
    }

    shift = (__int128) tr->first_dts + tr->empty_duration - tr->media_start;

    traf = bb_fmp4_box(o, "traf");

    at = bb_fmp4_full(o, "tfhd", 0, BB_FMP4_BASE_IS_MOOF);
    bb_fmp4_u32(o, track == BB_FMP4_TRACK_VIDEO ? BB_FMP4_VIDEO_ID
                                                : BB_FMP4_AUDIO_ID);
    bb_fmp4_end(o, at);

    at = bb_fmp4_full(o, "tfdt", 1, 0);
    bb_fmp4_u64(o, base + (dts - tr->first_dts));
    bb_fmp4_end(o, at);

    pos = 0;
    it = *runs;

    while (bb_fmp4_runs_next(&it, &run)) {

        if (run.track != track) {
            pos += run.bytes;
            continue;
        }

        /*
         * trun: sample_count, data_offset, then per sample duration,
         * size, flags, composition offset (signed in version 1)
         */
        at = bb_fmp4_full(o, "trun", 1, BB_FMP4_TRUN_FLAGS);
        bb_fmp4_u32(o, run.count);
        bb_fmp4_u32(o, (uint32_t) (data_start + pos));

        for (i = run.first; i < run.first + run.count; i++) {
            cts = bb_mp4_cts(tr, i) + shift;

            if (cts < INT32_MIN || cts > INT32_MAX) {
                o->bad = 1;
                return;
            }

            if (track == BB_FMP4_TRACK_AUDIO || bb_mp4_key(tr, i)) {
                flags = BB_FMP4_SYNC;

            } else {
                flags = BB_FMP4_NON_SYNC;
            }

            bb_fmp4_u32(o, bb_mp4_duration(tr, i));
            bb_fmp4_u32(o, bb_mp4_size(tr, i));
            bb_fmp4_u32(o, flags);
            bb_fmp4_u32(o, (uint32_t) (int32_t) cts);
        }

        bb_fmp4_end(o, at);
        pos += run.bytes;
    }

    bb_fmp4_end(o, traf);
}


size_t
bb_fmp4_segment_ranges(const bb_mp4_index_t *ix,
    const bb_mp4_segment_t *seg, unsigned tracks, bb_fmp4_range_t *ranges,
    size_t n)
{
    size_t                 count;
    uint32_t               i, size;
    uint64_t               offset, end;
    bb_fmp4_run_t          run;
    bb_fmp4_runs_t         it;
    const bb_mp4_track_t  *tr;

    tracks = bb_fmp4_select(ix, tracks);

    if (tracks == 0 || !bb_fmp4_segment_check(ix, seg)) {
        return 0;
    }

    count = 0;
    end = 0;
    bb_fmp4_runs_init(&it, ix, seg, tracks);

    while (bb_fmp4_runs_next(&it, &run)) {
        tr = it.track[run.track];

        for (i = run.first; i < run.first + run.count; i++) {
            offset = bb_mp4_offset(tr, i);
            size = bb_mp4_size(tr, i);

            if (size == 0) {
                continue;
            }

            if (count > 0 && offset == end) {
                if (count <= n) {
                    ranges[count - 1].length += size;
                }

            } else {
                if (count < n) {
                    ranges[count].offset = offset;
                    ranges[count].length = size;
                }

                count++;
            }

            end = offset + size;
        }
    }

    return count;
}


/*
 * Codec strings.  snprintf does the formatting and the "like snprintf"
 * contract; the parts are appended at len, which may run past size.
 */

static size_t
bb_fmp4_append(char *buf, size_t size, size_t len, const char *fmt,
    unsigned v)
{
    int  n;

    n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,
                 fmt, v);

    return (n > 0) ? len + (size_t) n : len;
}


static size_t
bb_fmp4_prefix(char *buf, size_t size, uint32_t fourcc)
{
    size_t  len;

    len = 0;
    len = bb_fmp4_append(buf, size, len, "%c", (fourcc >> 24) & 0xff);
    len = bb_fmp4_append(buf, size, len, "%c", (fourcc >> 16) & 0xff);
    len = bb_fmp4_append(buf, size, len, "%c", (fourcc >> 8) & 0xff);
    len = bb_fmp4_append(buf, size, len, "%c", fourcc & 0xff);

    return len;
}


/*
 * hvcC (ISO/IEC 14496-15 8.3.3.1.2), the bytes used here:
 *
 *     0      configurationVersion
 *     1      general_profile_space 2 bits, general_tier_flag 1,
 *            general_profile_idc 5
 *     2-5    general_profile_compatibility_flags
 *     6-11   general_constraint_indicator_flags
 *     12     general_level_idc
 *
 * Annex E: the profile space as "", A, B, C, then the profile_idc; the
 * compatibility flags with their bits in reverse order, in hex without
 * leading zeros; L or H for the tier, then the level_idc; then each
 * constraint byte in hex, "." before each, trailing zero bytes left out.
 */
static size_t
bb_fmp4_hvc_string(const uint8_t *c, char *buf, size_t size, size_t len)
{
    int       last, i;
    unsigned  space;
    uint32_t  compat, reversed;

    space = c[1] >> 6;

    if (space > 0) {
        len = bb_fmp4_append(buf, size, len, ".%c", 'A' + space - 1);
        len = bb_fmp4_append(buf, size, len, "%u", c[1] & 0x1f);

    } else {
        len = bb_fmp4_append(buf, size, len, ".%u", c[1] & 0x1f);
    }

    compat = (uint32_t) c[2] << 24 | (uint32_t) c[3] << 16
             | (uint32_t) c[4] << 8 | c[5];
    reversed = 0;

    for (i = 0; i < 32; i++) {
        reversed = reversed << 1 | ((compat >> i) & 1);
    }

    len = bb_fmp4_append(buf, size, len, ".%X", reversed);
    len = bb_fmp4_append(buf, size, len, ".%c", (c[1] & 0x20) ? 'H' : 'L');
    len = bb_fmp4_append(buf, size, len, "%u", c[12]);

    for (last = 11; last >= 6 && c[last] == 0; last--) {
        /* void */
    }

    for (i = 6; i <= last; i++) {
        len = bb_fmp4_append(buf, size, len, ".%02X", c[i]);
    }

    return len;
}


size_t
bb_fmp4_codec_string(const bb_mp4_track_t *tr, char *buf, size_t size)
{
    size_t          len;
    unsigned        aot;
    const uint8_t  *c;

    if (size > 0) {
        buf[0] = '\0';
    }

    c = bb_mp4_config(tr);

    switch (tr->codec) {

    case BB_MP4_H264:
        /* avcC: configurationVersion, AVCProfileIndication,
           profile_compatibility, AVCLevelIndication */
        if (tr->config_len < 4) {
            return 0;
        }

        len = bb_fmp4_prefix(buf, size,
                             tr->fourcc == BB_FMP4_TYPE("avc3")
                             ? BB_FMP4_TYPE("avc3") : BB_FMP4_TYPE("avc1"));
        len = bb_fmp4_append(buf, size, len, ".%02x", c[1]);
        len = bb_fmp4_append(buf, size, len, "%02x", c[2]);
        return bb_fmp4_append(buf, size, len, "%02x", c[3]);

    case BB_MP4_H265:
        if (tr->config_len < 13) {
            return 0;
        }

        len = bb_fmp4_prefix(buf, size,
                             tr->fourcc == BB_FMP4_TYPE("hev1")
                             ? BB_FMP4_TYPE("hev1") : BB_FMP4_TYPE("hvc1"));
        return bb_fmp4_hvc_string(c, buf, size, len);

    case BB_MP4_AAC:
        /* AudioSpecificConfig: audioObjectType 5 bits, 31 escapes to
           32 + the next 6 */
        if (tr->config_len < 2) {
            return 0;
        }

        aot = c[0] >> 3;

        if (aot == 31) {
            aot = 32 + (((unsigned) c[0] & 0x07) << 3 | c[1] >> 5);
        }

        len = bb_fmp4_prefix(buf, size, BB_FMP4_TYPE("mp4a"));
        return bb_fmp4_append(buf, size, len, ".40.%u", aot);

    default:
        return 0;
    }
}
