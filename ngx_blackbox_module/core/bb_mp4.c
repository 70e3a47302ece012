/*
 * The MP4 sample index: see bb_mp4.h.
 *
 * Boxes are parsed from tables, one per container (box type to handler),
 * as ngx_http_mp4_module does; bb_mp4_walk checks each child's size
 * against what remains of its parent before a handler sees it, and each
 * handler checks its fields against the body it was given.  A build runs
 * in three passes:
 *
 *     1. the top-level boxes, header by header, to find moov;
 *     2. moov, read whole: the first video and audio traks are chosen, and
 *        their sample tables expanded into per-sample build arrays while
 *        the moov's bytes are at hand;
 *     3. with mvex, the top-level boxes again: each moof read whole, its
 *        truns appended to the same arrays.
 *
 * Then the arrays are packed into the one block of bb_mp4_index_t,
 * leaving out the ones whose values a constant describes.
 *
 * A top-level box:
 *
 *     +--------+--------+-----------------+---------------------------+
 *     | size 4 | type 4 | largesize 8     | body                      |
 *     +--------+--------+-----------------+---------------------------+
 *       size 1: largesize follows; size 0: to the end of the file
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_mp4.h"

#define BB_MP4_TYPE(s)                                                       \
    ((uint32_t) (uint8_t) (s)[0] << 24 | (uint32_t) (uint8_t) (s)[1] << 16  \
     | (uint32_t) (uint8_t) (s)[2] << 8 | (uint32_t) (uint8_t) (s)[3])

#define BB_MP4_MAX_TREX      32
#define BB_MP4_MAX_FRAGMENT_SAMPLES  (4 * BB_MP4_MAX_SAMPLES)   /* all
                                                             tracks */

/* tfhd flags */
#define BB_MP4_TFHD_BASE     0x000001
#define BB_MP4_TFHD_SDI      0x000002
#define BB_MP4_TFHD_DURATION 0x000008
#define BB_MP4_TFHD_SIZE     0x000010
#define BB_MP4_TFHD_FLAGS    0x000020
#define BB_MP4_TFHD_MOOF     0x020000

/* trun flags */
#define BB_MP4_TRUN_OFFSET   0x000001
#define BB_MP4_TRUN_FIRST    0x000004
#define BB_MP4_TRUN_DURATION 0x000100
#define BB_MP4_TRUN_SIZE     0x000200
#define BB_MP4_TRUN_FLAGS    0x000400
#define BB_MP4_TRUN_CTS      0x000800

/* sample flags: is_non_sync, or sample_depends_on = 1 */
#define BB_MP4_SAMPLE_NON_SYNC    0x00010000
#define BB_MP4_SAMPLE_DEPENDS     0x03000000
#define BB_MP4_SAMPLE_DEPENDS_YES 0x01000000


/* A box inside a buffer, its size checked against its parent's. */
typedef struct {
    uint32_t         type;
    const uint8_t   *body;
    uint64_t         body_size;
    uint64_t         size;
} bb_mp4_box_t;


/* A track's samples while they are gathered, one array per field. */
typedef struct {
    uint32_t         n;
    uint32_t         cap;
    uint64_t        *dts;
    uint64_t        *offset;
    uint32_t        *duration;
    uint32_t        *size;       /* with BB_MP4_KEY */
    int32_t         *cts;
    uint64_t         next_dts;   /* where the next fragment goes on */
} bb_mp4_build_t;


/* A trak of the moov while it is parsed; table pointers are into moov. */
typedef struct {
    uint32_t         id;
    uint32_t         handler;
    uint32_t         timescale;
    uint32_t         fourcc;
    bb_mp4_codec_e   codec;
    uint32_t         width;
    uint32_t         height;
    uint32_t         sample_rate;
    uint32_t         channels;
    uint32_t         object_type;       /* esds */
    const uint8_t   *config;
    size_t           config_len;

    uint32_t         edits;
    int64_t          media_start;
    uint64_t         empty_movie;       /* movie timescale */

    const uint8_t   *stts;
    uint32_t         stts_n;
    const uint8_t   *ctts;
    uint32_t         ctts_n;
    const uint8_t   *stss;
    uint32_t         stss_n;
    const uint8_t   *stsz;              /* entries, or NULL: constant */
    uint32_t         stsz_n;
    uint32_t         stsz_const;
    unsigned         stsz_bits;
    const uint8_t   *stsc;
    uint32_t         stsc_n;
    const uint8_t   *stco;
    uint32_t         stco_n;
    unsigned         stco_wide;

    unsigned         has_stts:1;
    unsigned         has_ctts:1;
    unsigned         has_stss:1;
    unsigned         has_stsz:1;
    unsigned         has_stsc:1;
    unsigned         has_stco:1;
} bb_mp4_trak_t;


/* What a chosen track keeps once the moov's bytes are gone. */
typedef struct {
    int              chosen;
    uint32_t         id;
    uint32_t         fourcc;
    bb_mp4_codec_e   codec;
    uint32_t         timescale;
    uint32_t         width;
    uint32_t         height;
    uint32_t         sample_rate;
    uint32_t         channels;
    uint8_t         *config;
    size_t           config_len;
    uint32_t         edits;
    int64_t          media_start;
    uint64_t         empty_duration;
    bb_mp4_build_t   b;
} bb_mp4_chosen_t;


typedef struct {
    uint32_t         track_id;
    uint32_t         duration;
    uint32_t         size;
    uint32_t         flags;
} bb_mp4_trex_t;


typedef struct {
    bb_mp4_read_pt   read;
    void            *ctx;
    uint64_t         file_size;
    unsigned         flags;
    char            *err;
    size_t           errlen;
    unsigned         failed:1;
    unsigned         mvex:1;
    unsigned         fragmented:1;
    unsigned         moov_first:1;

    int              depth;
    uint32_t         movie_timescale;
    uint32_t         video_fourcc;      /* an unsupported one seen */

    bb_mp4_trak_t    trak;
    bb_mp4_chosen_t  video;
    bb_mp4_chosen_t  audio;

    bb_mp4_trex_t    trex[BB_MP4_MAX_TREX];
    unsigned         ntrex;

    /* the moof being parsed */
    uint64_t         moof_offset;
    uint64_t         traf_end;          /* where the last traf's data
                                           ended: the next one's base */
    unsigned         trafs;
    uint32_t         fragment_samples;
} bb_mp4_parse_t;


/* The traf being parsed: tfhd's values over trex's. */
typedef struct {
    bb_mp4_build_t  *b;                 /* NULL: a track not indexed */
    uint64_t         base;
    uint64_t         data;              /* where the next trun's data is */
    uint32_t         duration;
    uint32_t         size;
    uint32_t         flags;
} bb_mp4_traf_t;


typedef bb_mp4_err_e (*bb_mp4_handler_pt)(bb_mp4_parse_t *p,
    bb_mp4_box_t *box);

typedef struct {
    const char         *type;
    bb_mp4_handler_pt   handler;
} bb_mp4_handler_t;


static bb_mp4_err_e bb_mp4_fail(bb_mp4_parse_t *p, bb_mp4_err_e rc,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bb_mp4_err_e bb_mp4_walk(bb_mp4_parse_t *p, bb_mp4_box_t *parent,
    const bb_mp4_handler_t *table);
static bb_mp4_err_e bb_mp4_moov(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_mvhd(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_trak(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_tkhd(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_edts(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_elst(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_mdia(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_mdhd(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_hdlr(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_minf(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_stbl(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_stsd(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_visual(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_sound(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_avcc(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_hvcc(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_esds(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_stts(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_ctts(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_stss(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_stsz(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_stz2(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_stsc(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_stco(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_co64(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_mvex(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_trex(bb_mp4_parse_t *p, bb_mp4_box_t *box);
static bb_mp4_err_e bb_mp4_traf(bb_mp4_parse_t *p, bb_mp4_box_t *box);


static const bb_mp4_handler_t  bb_mp4_moov_boxes[] = {
    { "mvhd", bb_mp4_mvhd },
    { "trak", bb_mp4_trak },
    { "mvex", bb_mp4_mvex },
    { NULL, NULL }
};

static const bb_mp4_handler_t  bb_mp4_trak_boxes[] = {
    { "tkhd", bb_mp4_tkhd },
    { "edts", bb_mp4_edts },
    { "mdia", bb_mp4_mdia },
    { NULL, NULL }
};

static const bb_mp4_handler_t  bb_mp4_edts_boxes[] = {
    { "elst", bb_mp4_elst },
    { NULL, NULL }
};

static const bb_mp4_handler_t  bb_mp4_mdia_boxes[] = {
    { "mdhd", bb_mp4_mdhd },
    { "hdlr", bb_mp4_hdlr },
    { "minf", bb_mp4_minf },
    { NULL, NULL }
};

static const bb_mp4_handler_t  bb_mp4_minf_boxes[] = {
    { "stbl", bb_mp4_stbl },
    { NULL, NULL }
};

static const bb_mp4_handler_t  bb_mp4_stbl_boxes[] = {
    { "stsd", bb_mp4_stsd },
    { "stts", bb_mp4_stts },
    { "ctts", bb_mp4_ctts },
    { "stss", bb_mp4_stss },
    { "stsz", bb_mp4_stsz },
    { "stz2", bb_mp4_stz2 },
    { "stsc", bb_mp4_stsc },
    { "stco", bb_mp4_stco },
    { "co64", bb_mp4_co64 },
    { NULL, NULL }
};

/* The first entry of stsd: the codecs we index. */
static const bb_mp4_handler_t  bb_mp4_stsd_boxes[] = {
    { "avc1", bb_mp4_visual },
    { "avc3", bb_mp4_visual },
    { "hvc1", bb_mp4_visual },
    { "hev1", bb_mp4_visual },
    { "mp4a", bb_mp4_sound },
    { NULL, NULL }
};

static const bb_mp4_handler_t  bb_mp4_entry_boxes[] = {
    { "avcC", bb_mp4_avcc },
    { "hvcC", bb_mp4_hvcc },
    { "esds", bb_mp4_esds },
    { NULL, NULL }
};

static const bb_mp4_handler_t  bb_mp4_mvex_boxes[] = {
    { "trex", bb_mp4_trex },
    { NULL, NULL }
};

static const bb_mp4_handler_t  bb_mp4_moof_boxes[] = {
    { "traf", bb_mp4_traf },
    { NULL, NULL }
};


static const char  *bb_mp4_errors[] = {
    "ok",
    "the file cannot be read",
    "out of memory",
    "empty file",
    "not an MP4 file",
    "truncated file",
    "bad box size",
    "no \"moov\" box",
    "bad sample table",
    "sample tables disagree on the sample count",
    "sample data past the end of the file",
    "no video track",
    "video codec not supported",
    "no video samples",
    "no video keyframe",
    "past a size limit"
};


/* AudioSpecificConfig's samplingFrequencyIndex. */
static const uint32_t  bb_mp4_aac_rates[] = {
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
    16000, 12000, 11025, 8000, 7350
};


const char *
bb_mp4_strerror(bb_mp4_err_e err)
{
    if ((unsigned) err >= sizeof(bb_mp4_errors) / sizeof(bb_mp4_errors[0])) {
        return "unknown error";
    }

    return bb_mp4_errors[err];
}


int
bb_mp4_mem_read(void *ctx, uint64_t offset, size_t len, const uint8_t **data)
{
    bb_mp4_mem_t  *mem = ctx;

    if (offset > mem->size || len > mem->size - offset) {
        return -1;
    }

    *data = mem->data + offset;

    return 0;
}


static uint16_t
bb_mp4_be16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}


static uint32_t
bb_mp4_be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}


static uint64_t
bb_mp4_be64(const uint8_t *p)
{
    return (uint64_t) bb_mp4_be32(p) << 32 | bb_mp4_be32(p + 4);
}


/* The type as text for messages: unprintable bytes become '?'. */
static const char *
bb_mp4_type_str(uint32_t type, char buf[5])
{
    int  i;

    for (i = 0; i < 4; i++) {
        buf[i] = (char) (type >> (24 - 8 * i));

        if (buf[i] < 0x20 || buf[i] > 0x7e || buf[i] == '"') {
            buf[i] = '?';
        }
    }

    buf[4] = '\0';

    return buf;
}


/* Keeps the first error's sentence; later ones only pass the code on. */
static bb_mp4_err_e
bb_mp4_fail(bb_mp4_parse_t *p, bb_mp4_err_e rc, const char *fmt, ...)
{
    va_list  args;

    if (!p->failed && p->err != NULL && p->errlen > 0) {
        va_start(args, fmt);
        vsnprintf(p->err, p->errlen, fmt, args);
        va_end(args);
    }

    p->failed = 1;

    return rc;
}


/*
 * The box at the start of data, avail bytes of its parent left: 0 and
 * box set, or BAD_BOX.  Inside a box, a size of 0 ("to the end of the
 * file") is refused: its end would be anyone's guess.
 */
static bb_mp4_err_e
bb_mp4_box(bb_mp4_parse_t *p, const uint8_t *data, uint64_t avail,
    uint32_t parent, bb_mp4_box_t *box)
{
    char      t[5], pt[5];
    uint64_t  size, header;

    box->type = bb_mp4_be32(data + 4);
    size = bb_mp4_be32(data);
    header = 8;

    if (size == 1) {
        if (avail < 16) {
            return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX,
                               "box \"%s\" in \"%s\" has no room for its "
                               "64-bit size", bb_mp4_type_str(box->type, t),
                               bb_mp4_type_str(parent, pt));
        }

        size = bb_mp4_be64(data + 8);
        header = 16;
    }

    if (size < header) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX,
                           "box \"%s\" in \"%s\" has a size of %llu",
                           bb_mp4_type_str(box->type, t),
                           bb_mp4_type_str(parent, pt),
                           (unsigned long long) size);
    }

    if (size > avail) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX,
                           "box \"%s\" of %llu bytes is larger than the "
                           "%llu left of its parent \"%s\"",
                           bb_mp4_type_str(box->type, t),
                           (unsigned long long) size,
                           (unsigned long long) avail,
                           bb_mp4_type_str(parent, pt));
    }

    box->body = data + header;
    box->body_size = size - header;
    box->size = size;

    return BB_MP4_OK;
}


/*
 * Calls table's handler for each child of parent it names, in order;
 * children it does not name are skipped.  Fewer than 8 bytes after the
 * last child are padding some writers leave, and ignored.
 */
static bb_mp4_err_e
bb_mp4_walk(bb_mp4_parse_t *p, bb_mp4_box_t *parent,
    const bb_mp4_handler_t *table)
{
    char                     t[5];
    uint64_t                 left;
    bb_mp4_box_t             box;
    bb_mp4_err_e             rc;
    const uint8_t           *at;
    const bb_mp4_handler_t  *h;

    if (p->depth >= BB_MP4_MAX_DEPTH) {
        return bb_mp4_fail(p, BB_MP4_ERR_TOO_BIG,
                           "boxes nest deeper than %d in \"%s\"",
                           BB_MP4_MAX_DEPTH,
                           bb_mp4_type_str(parent->type, t));
    }

    p->depth++;

    at = parent->body;
    left = parent->body_size;
    rc = BB_MP4_OK;

    while (left >= 8) {
        rc = bb_mp4_box(p, at, left, parent->type, &box);
        if (rc != BB_MP4_OK) {
            break;
        }

        for (h = table; h->type != NULL; h++) {
            if (box.type == BB_MP4_TYPE(h->type)) {
                rc = h->handler(p, &box);
                break;
            }
        }

        if (rc != BB_MP4_OK) {
            break;
        }

        at += box.size;
        left -= box.size;
    }

    p->depth--;

    return rc;
}


/* A full box: version and flags, then need bytes at least. */
static bb_mp4_err_e
bb_mp4_full(bb_mp4_parse_t *p, bb_mp4_box_t *box, uint64_t need,
    unsigned *version, uint32_t *flags)
{
    char  t[5];

    *version = 0;
    *flags = 0;

    if (box->body_size < 4 + need) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX,
                           "box \"%s\" of %llu bytes is too short for its "
                           "fields", bb_mp4_type_str(box->type, t),
                           (unsigned long long) box->size);
    }

    *version = box->body[0];
    *flags = bb_mp4_be32(box->body) & 0xffffff;

    return BB_MP4_OK;
}


/*
 * The 32-bit field of a full box (mvhd, tkhd, mdhd) that follows its
 * creation and modification times: at byte 12 of the body in version 0,
 * at byte 20 in version 1, whose times are 64-bit.  The box must hold
 * need0 bytes past version and flags in version 0, need1 in version 1;
 * *v is set only when it does.
 */
static bb_mp4_err_e
bb_mp4_after_times(bb_mp4_parse_t *p, bb_mp4_box_t *box, uint64_t need0,
    uint64_t need1, uint32_t *v)
{
    unsigned      version;
    uint32_t      flags;
    bb_mp4_err_e  rc;

    rc = bb_mp4_full(p, box, need0, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    if (version == 1) {
        rc = bb_mp4_full(p, box, need1, &version, &flags);
        if (rc != BB_MP4_OK) {
            return rc;
        }

        *v = bb_mp4_be32(box->body + 20);

    } else {
        *v = bb_mp4_be32(box->body + 12);
    }

    return BB_MP4_OK;
}


/*
 * A table of a full box: an entry count after version/flags (and skip
 * more bytes), entries of esize bytes; the count checked against them.
 */
static bb_mp4_err_e
bb_mp4_table(bb_mp4_parse_t *p, bb_mp4_box_t *box, uint64_t skip,
    uint64_t esize, const uint8_t **entries, uint32_t *n)
{
    char          t[5];
    unsigned      version;
    uint32_t      flags;
    bb_mp4_err_e  rc;

    rc = bb_mp4_full(p, box, skip + 4, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    *n = bb_mp4_be32(box->body + 4 + skip);
    *entries = box->body + 8 + skip;

    if (*n > (box->body_size - 8 - skip) / esize) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                           "box \"%s\" claims %u entries, its %llu bytes "
                           "hold %llu", bb_mp4_type_str(box->type, t), *n,
                           (unsigned long long) box->size,
                           (unsigned long long)
                               ((box->body_size - 8 - skip) / esize));
    }

    return BB_MP4_OK;
}


/* Pass 2: moov. */

static bb_mp4_err_e
bb_mp4_moov(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    return bb_mp4_walk(p, box, bb_mp4_moov_boxes);
}


static bb_mp4_err_e
bb_mp4_mvhd(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    return bb_mp4_after_times(p, box, 20, 28, &p->movie_timescale);
}


static uint64_t
bb_mp4_rescale(uint64_t v, uint32_t to, uint32_t from)
{
    unsigned __int128  r;

    r = (unsigned __int128) v * to / from;

    return r > UINT64_MAX ? UINT64_MAX : (uint64_t) r;
}


/*
 * Parses one trak, then keeps it as the video or the audio if it is the
 * first of its kind with a codec we index; its samples are expanded now,
 * while the moov's bytes are at hand.
 */
static bb_mp4_err_e bb_mp4_trak_samples(bb_mp4_parse_t *p, bb_mp4_trak_t *tk,
    bb_mp4_build_t *b);

static bb_mp4_err_e
bb_mp4_trak(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    bb_mp4_err_e      rc;
    bb_mp4_trak_t    *tk;
    bb_mp4_chosen_t  *c;

    tk = &p->trak;
    memset(tk, 0, sizeof(bb_mp4_trak_t));

    rc = bb_mp4_walk(p, box, bb_mp4_trak_boxes);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    if (tk->handler == BB_MP4_TYPE("vide")) {
        if ((tk->codec != BB_MP4_H264 && tk->codec != BB_MP4_H265)
            || tk->config == NULL)
        {
            if (p->video_fourcc == 0) {
                p->video_fourcc = tk->fourcc ? tk->fourcc : 1;
            }

            return BB_MP4_OK;
        }

        c = &p->video;

    } else if (tk->handler == BB_MP4_TYPE("soun")) {
        if (tk->codec != BB_MP4_AAC || tk->config == NULL) {
            return BB_MP4_OK;
        }

        c = &p->audio;

    } else {
        return BB_MP4_OK;
    }

    if (c->chosen) {
        return BB_MP4_OK;
    }

    if (tk->timescale == 0) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX,
                           "track %u has no \"mdhd\" timescale", tk->id);
    }

    c->chosen = 1;
    c->id = tk->id;
    c->fourcc = tk->fourcc;
    c->codec = tk->codec;
    c->timescale = tk->timescale;
    c->width = tk->width;
    c->height = tk->height;
    c->sample_rate = tk->sample_rate;
    c->channels = tk->channels;
    c->edits = tk->edits;
    c->media_start = tk->media_start;

    if (tk->empty_movie > 0) {
        if (p->movie_timescale == 0) {
            return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX,
                               "track %u has an empty edit but \"mvhd\" "
                               "no timescale", tk->id);
        }

        c->empty_duration = bb_mp4_rescale(tk->empty_movie, tk->timescale,
                                           p->movie_timescale);
    }

    c->config = malloc(tk->config_len);
    if (c->config == NULL) {
        return bb_mp4_fail(p, BB_MP4_ERR_NO_MEMORY, "out of memory");
    }

    memcpy(c->config, tk->config, tk->config_len);
    c->config_len = tk->config_len;

    return bb_mp4_trak_samples(p, tk, &c->b);
}


static bb_mp4_err_e
bb_mp4_tkhd(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    return bb_mp4_after_times(p, box, 12, 20, &p->trak.id);
}


static bb_mp4_err_e
bb_mp4_edts(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    return bb_mp4_walk(p, box, bb_mp4_edts_boxes);
}


/*
 * The edit list: empty edits (media time -1) before the first real one
 * delay the track; the first real one's media time is what is shown at
 * its start.  Later edits are only counted: our clips have one.
 */
static bb_mp4_err_e
bb_mp4_elst(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    int64_t         media;
    uint32_t        i, n;
    uint64_t        duration, esize;
    bb_mp4_err_e    rc;
    const uint8_t  *e;

    esize = (box->body_size >= 4 && box->body[0] == 1) ? 20 : 12;

    rc = bb_mp4_table(p, box, 0, esize, &e, &n);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    for (i = 0; i < n; i++, e += esize) {
        if (esize == 20) {
            duration = bb_mp4_be64(e);
            media = (int64_t) bb_mp4_be64(e + 8);

        } else {
            duration = bb_mp4_be32(e);
            media = (int32_t) bb_mp4_be32(e + 4);
        }

        if (media == -1) {
            if (p->trak.edits == 0
                && duration <= UINT64_MAX - p->trak.empty_movie)
            {
                p->trak.empty_movie += duration;
            }

            continue;
        }

        if (media < 0) {
            return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                               "\"elst\" of track %u starts at media time "
                               "%lld", p->trak.id, (long long) media);
        }

        if (p->trak.edits++ == 0) {
            p->trak.media_start = media;
        }
    }

    return BB_MP4_OK;
}


static bb_mp4_err_e
bb_mp4_mdia(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    return bb_mp4_walk(p, box, bb_mp4_mdia_boxes);
}


static bb_mp4_err_e
bb_mp4_mdhd(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    return bb_mp4_after_times(p, box, 16, 28, &p->trak.timescale);
}


static bb_mp4_err_e
bb_mp4_hdlr(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    unsigned      version;
    uint32_t      flags;
    bb_mp4_err_e  rc;

    rc = bb_mp4_full(p, box, 8, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    p->trak.handler = bb_mp4_be32(box->body + 8);

    return BB_MP4_OK;
}


static bb_mp4_err_e
bb_mp4_minf(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    return bb_mp4_walk(p, box, bb_mp4_minf_boxes);
}


static bb_mp4_err_e
bb_mp4_stbl(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    return bb_mp4_walk(p, box, bb_mp4_stbl_boxes);
}


/*
 * Only the first sample entry is read, our clips have one; its type is
 * kept even when no handler knows it, for the error.
 */
static bb_mp4_err_e
bb_mp4_stsd(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    unsigned                 version;
    uint32_t                 flags;
    bb_mp4_box_t             entry;
    bb_mp4_err_e             rc;
    const bb_mp4_handler_t  *h;

    rc = bb_mp4_full(p, box, 4, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    if (bb_mp4_be32(box->body + 4) == 0 || box->body_size - 8 < 8) {
        return BB_MP4_OK;
    }

    rc = bb_mp4_box(p, box->body + 8, box->body_size - 8, box->type,
                    &entry);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    p->trak.fourcc = entry.type;

    for (h = bb_mp4_stsd_boxes; h->type != NULL; h++) {
        if (entry.type == BB_MP4_TYPE(h->type)) {
            return h->handler(p, &entry);
        }
    }

    return BB_MP4_OK;
}


/*
 * VisualSampleEntry: 78 bytes before its children (avcC, hvcC, ...).
 *
 *     reserved 6, data_reference_index 2, pre_defined/reserved 16,
 *     width 2, height 2, resolutions 8, reserved 4, frame_count 2,
 *     compressorname 32, depth 2, pre_defined 2
 */
static bb_mp4_err_e
bb_mp4_visual(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    char          t[5];
    uint32_t      type;
    bb_mp4_box_t  children;

    if (box->body_size < 78) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX,
                           "sample entry \"%s\" of %llu bytes is too short",
                           bb_mp4_type_str(box->type, t),
                           (unsigned long long) box->size);
    }

    type = box->type;
    p->trak.codec = (type == BB_MP4_TYPE("avc1")
                     || type == BB_MP4_TYPE("avc3"))
                    ? BB_MP4_H264 : BB_MP4_H265;
    p->trak.width = bb_mp4_be16(box->body + 24);
    p->trak.height = bb_mp4_be16(box->body + 26);

    children.type = type;
    children.body = box->body + 78;
    children.body_size = box->body_size - 78;
    children.size = box->size;

    return bb_mp4_walk(p, &children, bb_mp4_entry_boxes);
}


/*
 * AudioSampleEntry: 28 bytes before its children (esds); QuickTime's
 * versions 1 and 2 have 16 and 36 more.
 *
 *     reserved 6, data_reference_index 2, version 2, reserved 6,
 *     channelcount 2, samplesize 2, pre_defined 2, reserved 2,
 *     samplerate 4 (16.16)
 */
static bb_mp4_err_e
bb_mp4_sound(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    char          t[5];
    unsigned      version;
    uint64_t      fixed;
    bb_mp4_box_t  children;

    fixed = 28;

    if (box->body_size >= 28) {
        version = bb_mp4_be16(box->body + 8);
        fixed += (version == 1) ? 16 : (version == 2) ? 36 : 0;
    }

    if (box->body_size < fixed) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX,
                           "sample entry \"%s\" of %llu bytes is too short",
                           bb_mp4_type_str(box->type, t),
                           (unsigned long long) box->size);
    }

    p->trak.codec = BB_MP4_AAC;
    p->trak.channels = bb_mp4_be16(box->body + 16);
    p->trak.sample_rate = bb_mp4_be32(box->body + 24) >> 16;

    children.type = box->type;
    children.body = box->body + fixed;
    children.body_size = box->body_size - fixed;
    children.size = box->size;

    return bb_mp4_walk(p, &children, bb_mp4_entry_boxes);
}


/* avcC and hvcC bodies are kept whole; version 1 and a minimal length. */
static bb_mp4_err_e
bb_mp4_avcc(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    if (p->trak.codec == BB_MP4_H264 && box->body_size >= 7
        && box->body[0] == 1)
    {
        p->trak.config = box->body;
        p->trak.config_len = (size_t) box->body_size;
    }

    return BB_MP4_OK;
}


static bb_mp4_err_e
bb_mp4_hvcc(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    if (p->trak.codec == BB_MP4_H265 && box->body_size >= 23
        && box->body[0] == 1)
    {
        p->trak.config = box->body;
        p->trak.config_len = (size_t) box->body_size;
    }

    return BB_MP4_OK;
}


/*
 * One MPEG-4 descriptor at *at: a tag, a length of 1 to 4 bytes of 7
 * bits, the body.  Returns the body's length, or -1 when it overruns
 * *left; *at and *left then point at the body.
 */
static int64_t
bb_mp4_descriptor(const uint8_t **at, uint64_t *left, unsigned *tag)
{
    int       i;
    uint8_t   c;
    uint64_t  len;

    if (*left < 2) {
        return -1;
    }

    *tag = **at;
    (*at)++;
    (*left)--;
    len = 0;

    for (i = 0; i < 4; i++) {
        if (*left == 0) {
            return -1;
        }

        c = **at;
        (*at)++;
        (*left)--;
        len = len << 7 | (c & 0x7f);

        if (!(c & 0x80)) {
            break;
        }
    }

    if (i == 4 || len > *left) {
        return -1;
    }

    return (int64_t) len;
}


/* The sample rate and channels an AudioSpecificConfig says, if it does. */
static void
bb_mp4_asc(bb_mp4_trak_t *tk, const uint8_t *asc, uint64_t len)
{
    uint32_t  bits, aot, index, channels, rate;

    if (len < 2) {
        return;
    }

    bits = (uint32_t) asc[0] << 24 | (uint32_t) asc[1] << 16
           | (len > 2 ? (uint32_t) asc[2] << 8 : 0)
           | (len > 3 ? asc[3] : 0);

    aot = bits >> 27;
    bits <<= 5;

    if (aot == 31) {
        if (len < 3) {
            return;
        }

        bits <<= 6;
    }

    index = bits >> 28;
    bits <<= 4;

    if (index == 15) {
        return;     /* a 24-bit rate: the sample entry's will do */
    }

    if (index >= sizeof(bb_mp4_aac_rates) / sizeof(bb_mp4_aac_rates[0])) {
        return;
    }

    rate = bb_mp4_aac_rates[index];
    channels = bits >> 28;

    tk->sample_rate = rate;

    if (channels >= 1 && channels <= 7) {
        tk->channels = (channels == 7) ? 8 : channels;
    }
}


/*
 * esds: ES_Descriptor (3) > DecoderConfigDescriptor (4) >
 * DecoderSpecificInfo (5), the AudioSpecificConfig.  Only AAC is taken
 * (objectTypeIndication 0x40, or 0x66-0x68 of MPEG-2).
 */
static bb_mp4_err_e
bb_mp4_esds(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    int64_t         len;
    uint8_t         es_flags, object;
    unsigned        tag;
    uint64_t        left, skip;
    const uint8_t  *at;

    if (p->trak.codec != BB_MP4_AAC || box->body_size < 4) {
        return BB_MP4_OK;
    }

    at = box->body + 4;
    left = box->body_size - 4;

    len = bb_mp4_descriptor(&at, &left, &tag);
    if (len < 0) {
        return BB_MP4_OK;
    }

    left = (uint64_t) len;

    if (tag == 3) {
        /* ES_ID 2, flags 1, then what the flags say */
        if (left < 3) {
            return BB_MP4_OK;
        }

        es_flags = at[2];
        at += 3;
        left -= 3;
        skip = 0;

        if (es_flags & 0x80) {
            skip += 2;
        }

        if (es_flags & 0x40) {
            if (left < skip + 1) {
                return BB_MP4_OK;
            }

            skip += 1 + (uint64_t) at[skip];
        }

        if (es_flags & 0x20) {
            skip += 2;
        }

        if (skip > left) {
            return BB_MP4_OK;
        }

        at += skip;
        left -= skip;

        len = bb_mp4_descriptor(&at, &left, &tag);
        if (len < 0) {
            return BB_MP4_OK;
        }

        left = (uint64_t) len;
    }

    /*
     * DecoderConfigDescriptor: objectTypeIndication 1, streamType 1,
     * bufferSizeDB 3, maxBitrate 4, avgBitrate 4
     */
    if (tag != 4 || left < 13) {
        return BB_MP4_OK;
    }

    object = at[0];
    at += 13;
    left -= 13;

    if (object != 0x40 && object != 0x66 && object != 0x67
        && object != 0x68)
    {
        return BB_MP4_OK;
    }

    len = bb_mp4_descriptor(&at, &left, &tag);
    if (len <= 0 || tag != 5) {
        return BB_MP4_OK;
    }

    p->trak.object_type = object;
    p->trak.config = at;
    p->trak.config_len = (size_t) len;
    bb_mp4_asc(&p->trak, at, (uint64_t) len);

    return BB_MP4_OK;
}


static bb_mp4_err_e
bb_mp4_stts(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    p->trak.has_stts = 1;

    return bb_mp4_table(p, box, 0, 8, &p->trak.stts, &p->trak.stts_n);
}


static bb_mp4_err_e
bb_mp4_ctts(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    p->trak.has_ctts = 1;

    return bb_mp4_table(p, box, 0, 8, &p->trak.ctts, &p->trak.ctts_n);
}


static bb_mp4_err_e
bb_mp4_stss(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    p->trak.has_stss = 1;

    return bb_mp4_table(p, box, 0, 4, &p->trak.stss, &p->trak.stss_n);
}


/* stsz: sample_size 4, sample_count 4, then the sizes unless constant. */
static bb_mp4_err_e
bb_mp4_stsz(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    unsigned      version;
    uint32_t      flags, n;
    bb_mp4_err_e  rc;

    rc = bb_mp4_full(p, box, 8, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    p->trak.stsz_const = bb_mp4_be32(box->body + 4);
    n = bb_mp4_be32(box->body + 8);

    /* a constant size claims no bytes here: bb_mp4_trak_samples weighs
       its count against the file */
    if (p->trak.stsz_const == 0 && n > (box->body_size - 12) / 4) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                           "\"stsz\" claims %u entries, its %llu bytes "
                           "hold %llu", n, (unsigned long long) box->size,
                           (unsigned long long) ((box->body_size - 12) / 4));
    }

    p->trak.has_stsz = 1;
    p->trak.stsz = box->body + 12;
    p->trak.stsz_n = n;
    p->trak.stsz_bits = (p->trak.stsz_const == 0) ? 32 : 0;

    return BB_MP4_OK;
}


/* stz2: reserved 3, field_size 1, sample_count 4, packed sizes. */
static bb_mp4_err_e
bb_mp4_stz2(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    unsigned      version, bits;
    uint32_t      flags, n;
    uint64_t      need;
    bb_mp4_err_e  rc;

    rc = bb_mp4_full(p, box, 8, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    bits = box->body[7];
    n = bb_mp4_be32(box->body + 8);

    if (bits != 4 && bits != 8 && bits != 16) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                           "\"stz2\" has a field size of %u", bits);
    }

    need = ((uint64_t) n * bits + 7) / 8;

    if (need > box->body_size - 12) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                           "\"stz2\" claims %u entries, its %llu bytes "
                           "hold fewer", n, (unsigned long long) box->size);
    }

    p->trak.has_stsz = 1;
    p->trak.stsz = box->body + 12;
    p->trak.stsz_n = n;
    p->trak.stsz_const = 0;
    p->trak.stsz_bits = bits;

    return BB_MP4_OK;
}


static bb_mp4_err_e
bb_mp4_stsc(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    p->trak.has_stsc = 1;

    return bb_mp4_table(p, box, 0, 12, &p->trak.stsc, &p->trak.stsc_n);
}


static bb_mp4_err_e
bb_mp4_stco(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    p->trak.has_stco = 1;
    p->trak.stco_wide = 0;

    return bb_mp4_table(p, box, 0, 4, &p->trak.stco, &p->trak.stco_n);
}


static bb_mp4_err_e
bb_mp4_co64(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    p->trak.has_stco = 1;
    p->trak.stco_wide = 1;

    return bb_mp4_table(p, box, 0, 8, &p->trak.stco, &p->trak.stco_n);
}


static bb_mp4_err_e
bb_mp4_mvex(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    p->mvex = 1;

    return bb_mp4_walk(p, box, bb_mp4_mvex_boxes);
}


/* trex: track_ID, default sample description, duration, size, flags. */
static bb_mp4_err_e
bb_mp4_trex(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    unsigned        version;
    uint32_t        flags;
    bb_mp4_err_e    rc;
    bb_mp4_trex_t  *t;

    rc = bb_mp4_full(p, box, 20, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    if (p->ntrex == BB_MP4_MAX_TREX) {
        return BB_MP4_OK;
    }

    t = &p->trex[p->ntrex++];
    t->track_id = bb_mp4_be32(box->body + 4);
    t->duration = bb_mp4_be32(box->body + 12);
    t->size = bb_mp4_be32(box->body + 16);
    t->flags = bb_mp4_be32(box->body + 20);

    return BB_MP4_OK;
}


/* The build arrays: room for n more samples, at most the limit. */
static bb_mp4_err_e
bb_mp4_build_grow(bb_mp4_parse_t *p, bb_mp4_build_t *b, uint64_t more)
{
    void      *a;
    uint64_t   cap;

    if (more > BB_MP4_MAX_SAMPLES - b->n) {
        return bb_mp4_fail(p, BB_MP4_ERR_TOO_BIG,
                           "a track has more than %u samples",
                           BB_MP4_MAX_SAMPLES);
    }

    if (b->n + more <= b->cap) {
        return BB_MP4_OK;
    }

    cap = b->cap ? b->cap : 64;

    while (cap < b->n + more) {
        cap *= 2;
    }

    if (cap > BB_MP4_MAX_SAMPLES) {
        cap = BB_MP4_MAX_SAMPLES;
    }

#define BB_MP4_GROW(field)                                                   \
    a = realloc(b->field, (size_t) cap * sizeof(*b->field));                 \
    if (a == NULL) {                                                         \
        return bb_mp4_fail(p, BB_MP4_ERR_NO_MEMORY, "out of memory");        \
    }                                                                        \
    b->field = a;

    BB_MP4_GROW(dts);
    BB_MP4_GROW(offset);
    BB_MP4_GROW(duration);
    BB_MP4_GROW(size);
    BB_MP4_GROW(cts);

#undef BB_MP4_GROW

    b->cap = (uint32_t) cap;

    return BB_MP4_OK;
}


static void
bb_mp4_build_free(bb_mp4_build_t *b)
{
    free(b->dts);
    free(b->offset);
    free(b->duration);
    free(b->size);
    free(b->cts);
}


/* The size of sample i of stsz or stz2. */
static uint32_t
bb_mp4_stsz_get(bb_mp4_trak_t *tk, uint32_t i)
{
    const uint8_t  *e;

    switch (tk->stsz_bits) {

    case 0:
        return tk->stsz_const;

    case 32:
        return bb_mp4_be32(tk->stsz + (size_t) i * 4);

    case 16:
        return bb_mp4_be16(tk->stsz + (size_t) i * 2);

    case 8:
        return tk->stsz[i];

    default:
        e = tk->stsz + i / 2;
        return (i & 1) ? (*e & 0x0f) : (*e >> 4);
    }
}


/*
 * Expands the sample tables of tk into b: the counts of stts, ctts and
 * stsc checked against stsz's, stsc's chunks against stco's, and every
 * sample against the file's end before it is stored.
 */
static bb_mp4_err_e
bb_mp4_trak_samples(bb_mp4_parse_t *p, bb_mp4_trak_t *tk, bb_mp4_build_t *b)
{
    uint32_t        i, j, k, n, count, first, next, spc, size, chunk;
    uint64_t        sum, dts, delta, off, add;
    bb_mp4_err_e    rc;
    const uint8_t  *e;

    if (!tk->has_stsz || !tk->has_stts || !tk->has_stsc || !tk->has_stco) {
        if (p->mvex && tk->stsz_n == 0 && tk->stts_n == 0 && tk->stsc_n == 0
            && tk->stco_n == 0)
        {
            return BB_MP4_OK;   /* all its samples are in fragments */
        }

        return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                           "track %u lacks one of \"stsz\", \"stts\", "
                           "\"stsc\", \"stco\"", tk->id);
    }

    n = tk->stsz_n;

    /* A constant size claims no bytes of the moov: weigh it by the file. */
    if (n > BB_MP4_MAX_SAMPLES
        || (tk->stsz_bits == 0
            && (uint64_t) n * tk->stsz_const > p->file_size))
    {
        return bb_mp4_fail(p, n > BB_MP4_MAX_SAMPLES ? BB_MP4_ERR_TOO_BIG
                                                    : BB_MP4_ERR_PAST_END,
                           "\"stsz\" of track %u claims %u samples of %u "
                           "bytes", tk->id, n, tk->stsz_const);
    }

    sum = 0;

    for (i = 0, e = tk->stts; i < tk->stts_n; i++, e += 8) {
        sum += bb_mp4_be32(e);
    }

    if (sum != n) {
        return bb_mp4_fail(p, BB_MP4_ERR_COUNT,
                           "\"stts\" of track %u describes %llu samples, "
                           "\"stsz\" %u", tk->id, (unsigned long long) sum,
                           n);
    }

    if (tk->has_ctts) {
        sum = 0;

        for (i = 0, e = tk->ctts; i < tk->ctts_n; i++, e += 8) {
            sum += bb_mp4_be32(e);
        }

        if (sum != n) {
            return bb_mp4_fail(p, BB_MP4_ERR_COUNT,
                               "\"ctts\" of track %u describes %llu "
                               "samples, \"stsz\" %u", tk->id,
                               (unsigned long long) sum, n);
        }
    }

    if (n == 0) {
        return BB_MP4_OK;
    }

    rc = bb_mp4_build_grow(p, b, n);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    /* decode times and durations */

    k = 0;
    dts = 0;

    for (i = 0, e = tk->stts; i < tk->stts_n; i++, e += 8) {
        count = bb_mp4_be32(e);
        delta = bb_mp4_be32(e + 4);

        for (j = 0; j < count; j++, k++) {
            b->dts[k] = dts;
            b->duration[k] = (uint32_t) delta;
            dts += delta;       /* at most 2^32 * 2^32: cannot wrap */
        }
    }

    b->next_dts = dts;

    /* composition offsets; version 0's unsigned ones are read signed */

    if (tk->has_ctts) {
        k = 0;

        for (i = 0, e = tk->ctts; i < tk->ctts_n; i++, e += 8) {
            count = bb_mp4_be32(e);

            for (j = 0; j < count; j++) {
                b->cts[k++] = (int32_t) bb_mp4_be32(e + 4);
            }
        }

    } else {
        memset(b->cts, 0, (size_t) n * sizeof(int32_t));
    }

    /* sizes, and keyframes: all of them without stss */

    for (i = 0; i < n; i++) {
        size = bb_mp4_stsz_get(tk, i);

        if (size > BB_MP4_MAX_SAMPLE) {
            return bb_mp4_fail(p, BB_MP4_ERR_TOO_BIG,
                               "sample %u of track %u has %u bytes", i + 1,
                               tk->id, size);
        }

        b->size[i] = size | (tk->has_stss ? 0 : BB_MP4_KEY);
    }

    for (i = 0, e = tk->stss; i < tk->stss_n; i++, e += 4) {
        k = bb_mp4_be32(e);

        if (k == 0 || k > n) {
            return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                               "\"stss\" of track %u names sample %u of %u",
                               tk->id, k, n);
        }

        b->size[k - 1] |= BB_MP4_KEY;
    }

    /* offsets: stsc's runs of chunks, each chunk's samples back to back */

    k = 0;

    for (i = 0, e = tk->stsc; i < tk->stsc_n; i++, e += 12) {
        first = bb_mp4_be32(e);
        spc = bb_mp4_be32(e + 4);
        next = (i + 1 < tk->stsc_n) ? bb_mp4_be32(e + 12)
                                    : tk->stco_n + 1;

        if (first == 0 || first > tk->stco_n || next <= first
            || next > tk->stco_n + 1)
        {
            return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                               "\"stsc\" of track %u has chunk %u, then "
                               "%u, of %u", tk->id, first, next,
                               tk->stco_n);
        }

        for (chunk = first; chunk < next; chunk++) {
            off = tk->stco_wide
                  ? bb_mp4_be64(tk->stco + (size_t) (chunk - 1) * 8)
                  : bb_mp4_be32(tk->stco + (size_t) (chunk - 1) * 4);

            for (j = 0; j < spc; j++, k++) {
                if (k == n) {
                    return bb_mp4_fail(p, BB_MP4_ERR_COUNT,
                                       "\"stsc\" of track %u describes "
                                       "more than the %u samples of "
                                       "\"stsz\"", tk->id, n);
                }

                add = b->size[k] & BB_MP4_SIZE_MASK;

                if (off > p->file_size || add > p->file_size - off) {
                    return bb_mp4_fail(p, BB_MP4_ERR_PAST_END,
                                       "sample %u of track %u at %llu, %llu "
                                       "bytes, ends past the file's %llu",
                                       k + 1, tk->id,
                                       (unsigned long long) off,
                                       (unsigned long long) add,
                                       (unsigned long long) p->file_size);
                }

                b->offset[k] = off;
                off += add;
            }
        }
    }

    if (k != n) {
        return bb_mp4_fail(p, BB_MP4_ERR_COUNT,
                           "\"stsc\" of track %u describes %u samples, "
                           "\"stsz\" %u", tk->id, k, n);
    }

    b->n = n;

    return BB_MP4_OK;
}


/* Pass 3: moof. */

static bb_mp4_trex_t *
bb_mp4_trex_find(bb_mp4_parse_t *p, uint32_t id)
{
    unsigned  i;

    for (i = 0; i < p->ntrex; i++) {
        if (p->trex[i].track_id == id) {
            return &p->trex[i];
        }
    }

    return NULL;
}


/*
 * tfhd: track_ID, then the fields its flags name, in this order:
 * base_data_offset 8, sample_description_index 4, default duration 4,
 * default size 4, default flags 4.
 */
static bb_mp4_err_e
bb_mp4_tfhd(bb_mp4_parse_t *p, bb_mp4_box_t *box, bb_mp4_traf_t *tf)
{
    unsigned        version;
    uint32_t        flags, id;
    uint64_t        need;
    bb_mp4_err_e    rc;
    bb_mp4_trex_t  *trex;
    const uint8_t  *at;

    rc = bb_mp4_full(p, box, 4, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    need = 4 + ((flags & BB_MP4_TFHD_BASE) ? 8 : 0)
           + ((flags & BB_MP4_TFHD_SDI) ? 4 : 0)
           + ((flags & BB_MP4_TFHD_DURATION) ? 4 : 0)
           + ((flags & BB_MP4_TFHD_SIZE) ? 4 : 0)
           + ((flags & BB_MP4_TFHD_FLAGS) ? 4 : 0);

    rc = bb_mp4_full(p, box, need, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    id = bb_mp4_be32(box->body + 4);
    at = box->body + 8;

    tf->b = (p->video.chosen && id == p->video.id) ? &p->video.b
            : (p->audio.chosen && id == p->audio.id) ? &p->audio.b : NULL;

    trex = bb_mp4_trex_find(p, id);

    if (trex != NULL) {
        tf->duration = trex->duration;
        tf->size = trex->size;
        tf->flags = trex->flags;
    }

    /* the first traf's default base is the moof; a later one's, where the
       traf before it ended */
    tf->base = (p->trafs == 0 || (flags & BB_MP4_TFHD_MOOF))
               ? p->moof_offset : p->traf_end;

    if (flags & BB_MP4_TFHD_BASE) {
        tf->base = bb_mp4_be64(at);
        at += 8;
    }

    if (flags & BB_MP4_TFHD_SDI) {
        at += 4;
    }

    if (flags & BB_MP4_TFHD_DURATION) {
        tf->duration = bb_mp4_be32(at);
        at += 4;
    }

    if (flags & BB_MP4_TFHD_SIZE) {
        tf->size = bb_mp4_be32(at);
        at += 4;
    }

    if (flags & BB_MP4_TFHD_FLAGS) {
        tf->flags = bb_mp4_be32(at);
    }

    tf->data = tf->base;

    return BB_MP4_OK;
}


static bb_mp4_err_e
bb_mp4_tfdt(bb_mp4_parse_t *p, bb_mp4_box_t *box, bb_mp4_traf_t *tf)
{
    unsigned      version;
    uint32_t      flags;
    bb_mp4_err_e  rc;

    rc = bb_mp4_full(p, box, 4, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    if (version == 1) {
        rc = bb_mp4_full(p, box, 8, &version, &flags);
        if (rc != BB_MP4_OK) {
            return rc;
        }
    }

    if (tf->b != NULL) {
        tf->b->next_dts = (version == 1) ? bb_mp4_be64(box->body + 4)
                                         : bb_mp4_be32(box->body + 4);
    }

    return BB_MP4_OK;
}


/*
 * trun: sample_count, data_offset and first_sample_flags if flagged, then
 * per sample the fields flagged of duration, size, flags, cts offset.
 * Samples of a track not indexed are only measured, for the next traf's
 * base.
 */
static bb_mp4_err_e
bb_mp4_trun(bb_mp4_parse_t *p, bb_mp4_box_t *box, bb_mp4_traf_t *tf)
{
    int32_t          data_offset;
    unsigned         version;
    uint32_t         flags, n, i, first_flags, sflags, size, duration;
    uint64_t         need, fields, off;
    bb_mp4_err_e     rc;
    bb_mp4_build_t  *b;
    const uint8_t   *at;

    rc = bb_mp4_full(p, box, 4, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    n = bb_mp4_be32(box->body + 4);
    need = 4 + ((flags & BB_MP4_TRUN_OFFSET) ? 4 : 0)
           + ((flags & BB_MP4_TRUN_FIRST) ? 4 : 0);
    fields = ((flags & BB_MP4_TRUN_DURATION) ? 4 : 0)
             + ((flags & BB_MP4_TRUN_SIZE) ? 4 : 0)
             + ((flags & BB_MP4_TRUN_FLAGS) ? 4 : 0)
             + ((flags & BB_MP4_TRUN_CTS) ? 4 : 0);

    rc = bb_mp4_full(p, box, need, &version, &flags);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    if (fields > 0 && n > (box->body_size - 4 - need) / fields) {
        return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                           "\"trun\" claims %u samples, its %llu bytes "
                           "hold fewer", n, (unsigned long long) box->size);
    }

    /*
     * Samples without a size field take the default's bytes of the file:
     * weigh their count by it before any memory is taken for them.  Of no
     * bytes at all, they would cost nothing to claim by the million.
     */
    if (!(flags & BB_MP4_TRUN_SIZE) && n > 0
        && (tf->size == 0 || (uint64_t) n * tf->size > p->file_size))
    {
        return bb_mp4_fail(p, tf->size == 0 ? BB_MP4_ERR_BAD_TABLE
                                            : BB_MP4_ERR_PAST_END,
                           "\"trun\" claims %u samples of %u bytes in a "
                           "file of %llu", n, tf->size,
                           (unsigned long long) p->file_size);
    }

    /* and bound the work of all of them */
    if (n > BB_MP4_MAX_FRAGMENT_SAMPLES - p->fragment_samples) {
        return bb_mp4_fail(p, BB_MP4_ERR_TOO_BIG,
                           "the fragments have more than %u samples",
                           BB_MP4_MAX_FRAGMENT_SAMPLES);
    }

    p->fragment_samples += n;

    at = box->body + 8;

    if (flags & BB_MP4_TRUN_OFFSET) {
        data_offset = (int32_t) bb_mp4_be32(at);
        at += 4;

        if ((data_offset < 0 && (uint64_t) -(int64_t) data_offset > tf->base)
            || (data_offset >= 0
                && ((uint64_t) data_offset > p->file_size
                    || tf->base > p->file_size - (uint64_t) data_offset)))
        {
            return bb_mp4_fail(p, BB_MP4_ERR_PAST_END,
                               "\"trun\" data offset %d from %llu is outside "
                               "the file", data_offset,
                               (unsigned long long) tf->base);
        }

        tf->data = tf->base + (int64_t) data_offset;
    }

    first_flags = tf->flags;

    if (flags & BB_MP4_TRUN_FIRST) {
        first_flags = bb_mp4_be32(at);
        at += 4;
    }

    b = tf->b;

    if (b != NULL) {
        rc = bb_mp4_build_grow(p, b, n);
        if (rc != BB_MP4_OK) {
            return rc;
        }
    }

    off = tf->data;

    for (i = 0; i < n; i++) {
        duration = tf->duration;
        size = tf->size;
        sflags = (i == 0) ? first_flags : tf->flags;

        if (flags & BB_MP4_TRUN_DURATION) {
            duration = bb_mp4_be32(at);
            at += 4;
        }

        if (flags & BB_MP4_TRUN_SIZE) {
            size = bb_mp4_be32(at);
            at += 4;
        }

        if (flags & BB_MP4_TRUN_FLAGS) {
            sflags = bb_mp4_be32(at);
            at += 4;
        }

        if (off > p->file_size || size > p->file_size - off) {
            return bb_mp4_fail(p, BB_MP4_ERR_PAST_END,
                               "sample %u of a \"trun\" at %llu, %u bytes, "
                               "ends past the file's %llu", i + 1,
                               (unsigned long long) off, size,
                               (unsigned long long) p->file_size);
        }

        if (b != NULL) {
            if (size > BB_MP4_MAX_SAMPLE) {
                return bb_mp4_fail(p, BB_MP4_ERR_TOO_BIG,
                                   "a \"trun\" sample has %u bytes", size);
            }

            if (b->next_dts > UINT64_MAX - duration) {
                return bb_mp4_fail(p, BB_MP4_ERR_BAD_TABLE,
                                   "\"trun\" decode times overflow");
            }

            b->dts[b->n] = b->next_dts;
            b->duration[b->n] = duration;
            b->offset[b->n] = off;
            b->cts[b->n] = (flags & BB_MP4_TRUN_CTS)
                           ? (int32_t) bb_mp4_be32(at) : 0;
            b->size[b->n] = size
                            | ((sflags & BB_MP4_SAMPLE_NON_SYNC)
                               || (sflags & BB_MP4_SAMPLE_DEPENDS)
                                  == BB_MP4_SAMPLE_DEPENDS_YES
                               ? 0 : BB_MP4_KEY);
            b->n++;
            b->next_dts += duration;
        }

        if (flags & BB_MP4_TRUN_CTS) {
            at += 4;
        }

        off += size;
    }

    tf->data = off;

    return BB_MP4_OK;
}


/*
 * traf: tfhd first, tfdt next, then the truns in order, wherever the
 * writer put them among the children.
 */
static bb_mp4_err_e
bb_mp4_traf(bb_mp4_parse_t *p, bb_mp4_box_t *box)
{
    int             pass, seen;
    uint64_t        left;
    bb_mp4_box_t    child;
    bb_mp4_err_e    rc;
    bb_mp4_traf_t   tf;
    const uint8_t  *at;

    memset(&tf, 0, sizeof(bb_mp4_traf_t));
    seen = 0;

    for (pass = 0; pass < 3; pass++) {
        at = box->body;
        left = box->body_size;

        while (left >= 8) {
            rc = bb_mp4_box(p, at, left, box->type, &child);
            if (rc != BB_MP4_OK) {
                return rc;
            }

            if (pass == 0 && child.type == BB_MP4_TYPE("tfhd") && !seen) {
                rc = bb_mp4_tfhd(p, &child, &tf);
                seen = 1;

            } else if (pass == 1 && child.type == BB_MP4_TYPE("tfdt")) {
                rc = bb_mp4_tfdt(p, &child, &tf);

            } else if (pass == 2 && child.type == BB_MP4_TYPE("trun")) {
                rc = bb_mp4_trun(p, &child, &tf);
            }

            if (rc != BB_MP4_OK) {
                return rc;
            }

            at += child.size;
            left -= child.size;
        }

        if (pass == 0 && !seen) {
            return bb_mp4_fail(p, BB_MP4_ERR_BAD_BOX, "\"traf\" has no "
                               "\"tfhd\"");
        }
    }

    p->trafs++;
    p->traf_end = tf.data;

    return BB_MP4_OK;
}


/* Pass 1 and 3: the top-level boxes, one header read each. */

typedef bb_mp4_err_e (*bb_mp4_top_pt)(bb_mp4_parse_t *p, uint32_t type,
    uint64_t offset, uint64_t header, uint64_t size, int *stop);


static int
bb_mp4_printable(uint32_t type)
{
    int      i;
    uint8_t  c;

    for (i = 0; i < 4; i++) {
        c = (uint8_t) (type >> (24 - 8 * i));

        if (c < 0x20 || c > 0x7e) {
            return 0;
        }
    }

    return 1;
}


/*
 * Calls top for each top-level box, until it sets *stop.  A box past the
 * end of the file is TRUNCATED, or ends the walk quietly with
 * BB_MP4_PARTIAL once moov is known; the first box must look like one.
 */
static bb_mp4_err_e
bb_mp4_top_walk(bb_mp4_parse_t *p, bb_mp4_top_pt top)
{
    int             stop;
    char            t[5];
    uint32_t        type;
    uint64_t        pos, left, size, header;
    bb_mp4_err_e    rc;
    const uint8_t  *h;

    stop = 0;

    for (pos = 0; pos < p->file_size && !stop; pos += size) {
        left = p->file_size - pos;

        if (left < 8) {
            if ((p->flags & BB_MP4_PARTIAL) && p->video.chosen) {
                return BB_MP4_OK;
            }

            return bb_mp4_fail(p, pos == 0 ? BB_MP4_ERR_NOT_MP4
                                           : BB_MP4_ERR_TRUNCATED,
                               "%llu stray bytes at %llu, the end of the "
                               "file", (unsigned long long) left,
                               (unsigned long long) pos);
        }

        if (p->read(p->ctx, pos, left < 16 ? (size_t) left : 16, &h) != 0) {
            return bb_mp4_fail(p, BB_MP4_ERR_READ,
                               "reading the box header at %llu failed",
                               (unsigned long long) pos);
        }

        size = bb_mp4_be32(h);
        type = bb_mp4_be32(h + 4);
        header = 8;

        if (pos == 0 && !bb_mp4_printable(type)) {
            return bb_mp4_fail(p, BB_MP4_ERR_NOT_MP4,
                               "the first box's type is not text");
        }

        if (size == 1) {
            if (left < 16) {
                return bb_mp4_fail(p, pos == 0 ? BB_MP4_ERR_NOT_MP4
                                               : BB_MP4_ERR_TRUNCATED,
                                   "box \"%s\" at %llu has no room for its "
                                   "64-bit size", bb_mp4_type_str(type, t),
                                   (unsigned long long) pos);
            }

            size = bb_mp4_be64(h + 8);
            header = 16;

        } else if (size == 0) {
            size = left;
        }

        if (size < header) {
            return bb_mp4_fail(p, pos == 0 ? BB_MP4_ERR_NOT_MP4
                                           : BB_MP4_ERR_BAD_BOX,
                               "box \"%s\" at %llu has a size of %llu",
                               bb_mp4_type_str(type, t),
                               (unsigned long long) pos,
                               (unsigned long long) size);
        }

        if (size > left) {
            if ((p->flags & BB_MP4_PARTIAL) && p->video.chosen) {
                return BB_MP4_OK;
            }

            return bb_mp4_fail(p, pos == 0 ? BB_MP4_ERR_NOT_MP4
                                           : BB_MP4_ERR_TRUNCATED,
                               "box \"%s\" at %llu claims %llu bytes, the "
                               "file has %llu more",
                               bb_mp4_type_str(type, t),
                               (unsigned long long) pos,
                               (unsigned long long) size,
                               (unsigned long long) left);
        }

        rc = top(p, type, pos, header, size, &stop);
        if (rc != BB_MP4_OK) {
            return rc;
        }
    }

    return BB_MP4_OK;
}


/* Reads a whole top-level box's body and gives it as a box. */
static bb_mp4_err_e
bb_mp4_top_read(bb_mp4_parse_t *p, uint32_t type, uint64_t offset,
    uint64_t header, uint64_t size, uint64_t limit, bb_mp4_box_t *box)
{
    char  t[5];

    if (size > limit) {
        return bb_mp4_fail(p, BB_MP4_ERR_TOO_BIG,
                           "box \"%s\" at %llu has %llu bytes, more than "
                           "%llu", bb_mp4_type_str(type, t),
                           (unsigned long long) offset,
                           (unsigned long long) size,
                           (unsigned long long) limit);
    }

    box->type = type;
    box->size = size;
    box->body_size = size - header;

    if (p->read(p->ctx, offset + header, (size_t) box->body_size, &box->body)
        != 0)
    {
        return bb_mp4_fail(p, BB_MP4_ERR_READ,
                           "reading box \"%s\" at %llu failed",
                           bb_mp4_type_str(type, t),
                           (unsigned long long) offset);
    }

    return BB_MP4_OK;
}


static bb_mp4_err_e
bb_mp4_top_moov(bb_mp4_parse_t *p, uint32_t type, uint64_t offset,
    uint64_t header, uint64_t size, int *stop)
{
    bb_mp4_box_t  box;
    bb_mp4_err_e  rc;

    if (type == BB_MP4_TYPE("mdat") && !p->video.chosen) {
        p->moov_first = 0;
    }

    if (type != BB_MP4_TYPE("moov")) {
        return BB_MP4_OK;
    }

    rc = bb_mp4_top_read(p, type, offset, header, size, BB_MP4_MAX_MOOV,
                         &box);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    rc = bb_mp4_moov(p, &box);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    if (!p->video.chosen) {
        if (p->video_fourcc != 0) {
            return bb_mp4_fail(p, BB_MP4_ERR_CODEC,
                               "the video track is not H.264 or H.265 "
                               "with its configuration");
        }

        return bb_mp4_fail(p, BB_MP4_ERR_NO_VIDEO, "no video track");
    }

    *stop = 1;

    return BB_MP4_OK;
}


static bb_mp4_err_e
bb_mp4_top_moof(bb_mp4_parse_t *p, uint32_t type, uint64_t offset,
    uint64_t header, uint64_t size, int *stop)
{
    uint32_t      vn, an;
    uint64_t      vdts, adts;
    bb_mp4_box_t  box;
    bb_mp4_err_e  rc;

    if (type != BB_MP4_TYPE("moof")) {
        return BB_MP4_OK;
    }

    rc = bb_mp4_top_read(p, type, offset, header, size, BB_MP4_MAX_MOOF,
                         &box);
    if (rc != BB_MP4_OK) {
        return rc;
    }

    p->fragmented = 1;
    p->moof_offset = offset;
    p->trafs = 0;
    p->traf_end = offset;

    vn = p->video.b.n;
    an = p->audio.b.n;
    vdts = p->video.b.next_dts;
    adts = p->audio.b.next_dts;

    rc = bb_mp4_walk(p, &box, bb_mp4_moof_boxes);

    if (rc == BB_MP4_ERR_PAST_END && (p->flags & BB_MP4_PARTIAL)) {
        /* the fragment the crash cut: drop it and what follows */
        p->video.b.n = vn;
        p->audio.b.n = an;
        p->video.b.next_dts = vdts;
        p->audio.b.next_dts = adts;
        p->failed = 0;
        *stop = 1;

        return BB_MP4_OK;
    }

    return rc;
}


/* Packing: the build arrays into the one block. */

static size_t
bb_mp4_align(size_t n)
{
    return (n + 7) & ~(size_t) 7;
}


typedef struct {
    size_t  size, offset, cts, duration, dts;   /* bytes of each array */
    int     wide;
} bb_mp4_plan_t;


/* Which arrays track c needs, and how big they are. */
static void
bb_mp4_plan(bb_mp4_chosen_t *c, bb_mp4_plan_t *pl)
{
    int              cts, dur, dts, wide;
    uint32_t         i;
    bb_mp4_build_t  *b;

    memset(pl, 0, sizeof(bb_mp4_plan_t));
    b = &c->b;

    if (b->n == 0) {
        return;
    }

    cts = 0;
    dur = 0;
    dts = 0;
    wide = 0;

    for (i = 0; i < b->n; i++) {
        cts |= (b->cts[i] != 0);
        dur |= (b->duration[i] != b->duration[0]);
        dts |= (b->dts[i] != b->dts[0] + (uint64_t) i * b->duration[0]);
        wide |= (b->offset[i] + (b->size[i] & BB_MP4_SIZE_MASK)
                 > UINT32_MAX);
    }

    pl->wide = wide;
    pl->size = bb_mp4_align((size_t) b->n * 4);
    pl->offset = bb_mp4_align((size_t) b->n * (wide ? 8 : 4));
    pl->cts = cts ? bb_mp4_align((size_t) b->n * 4) : 0;
    pl->duration = dur ? bb_mp4_align((size_t) b->n * 4) : 0;
    pl->dts = (dur || dts) ? (size_t) b->n * 8 : 0;
}


/* Fills track tr from c, its arrays from *at on in block ix. */
static void
bb_mp4_pack_track(bb_mp4_index_t *ix, bb_mp4_track_t *tr,
    bb_mp4_chosen_t *c, bb_mp4_plan_t *pl, size_t *at)
{
    uint8_t         *base, *a;
    uint32_t         i, keys;
    bb_mp4_build_t  *b;

    b = &c->b;
    base = (uint8_t *) ix;

    tr->codec = c->codec;
    tr->fourcc = c->fourcc;
    tr->track_id = c->id;
    tr->timescale = c->timescale;
    tr->count = b->n;
    tr->width = c->width;
    tr->height = c->height;
    tr->sample_rate = c->sample_rate;
    tr->channels = c->channels;
    tr->edits = c->edits;
    tr->media_start = c->media_start;
    tr->empty_duration = c->empty_duration;

    if (c->config_len > 0) {
        memcpy(base + *at, c->config, c->config_len);
    }

    tr->config_at = (uint32_t) (*at - (size_t) ((uint8_t *) tr - base));
    tr->config_len = (uint32_t) c->config_len;
    *at = bb_mp4_align(*at + c->config_len);

    if (b->n == 0) {
        return;
    }

    tr->first_dts = b->dts[0];
    tr->end_dts = b->dts[b->n - 1] + b->duration[b->n - 1];
    tr->sample_duration = b->duration[0];

#define BB_MP4_ARRAY(field, bytes)                                           \
    tr->field = (uint32_t) (*at - (size_t) ((uint8_t *) tr - base));         \
    a = base + *at;                                                          \
    *at += (bytes);

    BB_MP4_ARRAY(size_at, pl->size);
    keys = 0;

    for (i = 0; i < b->n; i++) {
        ((uint32_t *) a)[i] = b->size[i];
        keys += (b->size[i] & BB_MP4_KEY) != 0;
    }

    tr->keyframes = keys;

    BB_MP4_ARRAY(offset_at, pl->offset);
    tr->offset_wide = pl->wide;

    for (i = 0; i < b->n; i++) {
        if (pl->wide) {
            ((uint64_t *) a)[i] = b->offset[i];

        } else {
            ((uint32_t *) a)[i] = (uint32_t) b->offset[i];
        }
    }

    if (pl->cts) {
        BB_MP4_ARRAY(cts_at, pl->cts);
        memcpy(a, b->cts, (size_t) b->n * 4);
    }

    if (pl->duration) {
        BB_MP4_ARRAY(duration_at, pl->duration);
        memcpy(a, b->duration, (size_t) b->n * 4);
    }

    if (pl->dts) {
        BB_MP4_ARRAY(dts_at, pl->dts);
        memcpy(a, b->dts, (size_t) b->n * 8);
    }

#undef BB_MP4_ARRAY
}


static bb_mp4_err_e
bb_mp4_pack(bb_mp4_parse_t *p, bb_mp4_index_t **index)
{
    size_t           total, at;
    bb_mp4_plan_t    vp, ap;
    bb_mp4_index_t  *ix;

    bb_mp4_plan(&p->video, &vp);
    bb_mp4_plan(&p->audio, &ap);

    total = bb_mp4_align(sizeof(bb_mp4_index_t))
            + bb_mp4_align(p->video.config_len)
            + bb_mp4_align(p->audio.config_len)
            + vp.size + vp.offset + vp.cts + vp.duration + vp.dts
            + ap.size + ap.offset + ap.cts + ap.duration + ap.dts;

    /* offsets from a track are 32-bit: 2 x 4M samples x 28 bytes fit */
    if (total > UINT32_MAX) {
        return bb_mp4_fail(p, BB_MP4_ERR_TOO_BIG, "the index is too big");
    }

    ix = calloc(1, total);
    if (ix == NULL) {
        return bb_mp4_fail(p, BB_MP4_ERR_NO_MEMORY, "out of memory");
    }

    ix->bytes = total;
    ix->file_size = p->file_size;
    ix->movie_timescale = p->movie_timescale;
    ix->flags = (p->fragmented ? BB_MP4_FRAGMENTED : 0)
                | (p->moov_first ? BB_MP4_MOOV_FIRST : 0);

    at = bb_mp4_align(sizeof(bb_mp4_index_t));

    bb_mp4_pack_track(ix, &ix->video, &p->video, &vp, &at);

    if (p->audio.chosen) {
        bb_mp4_pack_track(ix, &ix->audio, &p->audio, &ap, &at);
    }

    *index = ix;

    return BB_MP4_OK;
}


bb_mp4_err_e
bb_mp4_index_build(bb_mp4_read_pt read, void *ctx, uint64_t file_size,
    unsigned flags, bb_mp4_index_t **index, char *err, size_t errlen)
{
    uint32_t         i;
    bb_mp4_err_e     rc;
    bb_mp4_parse_t  *p;

    *index = NULL;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }

    p = calloc(1, sizeof(bb_mp4_parse_t));
    if (p == NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "out of memory");
        }

        return BB_MP4_ERR_NO_MEMORY;
    }

    p->read = read;
    p->ctx = ctx;
    p->file_size = file_size;
    p->flags = flags;
    p->err = err;
    p->errlen = errlen;
    p->moov_first = 1;

    if (file_size == 0) {
        rc = bb_mp4_fail(p, BB_MP4_ERR_EMPTY, "the file is empty");
        goto done;
    }

    rc = bb_mp4_top_walk(p, bb_mp4_top_moov);
    if (rc != BB_MP4_OK) {
        goto done;
    }

    if (!p->video.chosen) {
        rc = bb_mp4_fail(p, BB_MP4_ERR_NO_MOOV, "the file has no \"moov\"");
        goto done;
    }

    if (p->mvex) {
        rc = bb_mp4_top_walk(p, bb_mp4_top_moof);
        if (rc != BB_MP4_OK) {
            goto done;
        }
    }

    if (p->video.b.n == 0) {
        rc = bb_mp4_fail(p, BB_MP4_ERR_NO_SAMPLES,
                         "the video track has no samples");
        goto done;
    }

    for (i = 0; i < p->video.b.n; i++) {
        if (p->video.b.size[i] & BB_MP4_KEY) {
            break;
        }
    }

    if (i == p->video.b.n) {
        rc = bb_mp4_fail(p, BB_MP4_ERR_NO_KEYFRAME,
                         "none of the %u video samples is a keyframe",
                         p->video.b.n);
        goto done;
    }

    rc = bb_mp4_pack(p, index);

done:

    bb_mp4_build_free(&p->video.b);
    bb_mp4_build_free(&p->audio.b);
    free(p->video.config);
    free(p->audio.config);
    free(p);

    return rc;
}


void
bb_mp4_index_free(bb_mp4_index_t *index)
{
    free(index);
}
