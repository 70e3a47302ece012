/*
 * The sample index of an MP4 clip: for its video track (H.264 or H.265)
 * and its AAC audio track, if any, every sample's decode time,
 * composition offset, duration, size, file offset and keyframe flag, and
 * the codec configuration an init segment needs.  The playback packager
 * builds HLS and DASH segments from it without touching the moov again.
 *
 * Both layouts of our clips (bb_remux.h) are read: a normal MP4 (moov first or
 * last; stts, ctts, stss, stsz or stz2, stsc, stco or co64, elst) and a
 * fragmented one, the ingest's journal (moov with mvex/trex, then
 * moof/traf/tfhd/tfdt/trun + mdat per GOP).  Samples a moov lists and
 * fragments after it are both indexed, in that order.
 *
 * No I/O here: the caller's reader is asked for "len bytes at offset" and
 * hands back a pointer to them (a pread into its buffer, an mmap, a
 * memory buffer), so the same code runs in nginx's thread pool, in the
 * daemons and under the fuzzer.  A build reads the top-level box headers
 * (16 bytes each), the whole moov once, and each moof once; never mdat.
 *
 * Every size is checked before it is used: a box against its parent (and
 * the file), a table's entry count against the table's bytes, the counts
 * of stts, ctts, stsc and stsz against each other, and every sample's
 * offset + size against the file's size.  Bad input of any kind comes back
 * as one bb_mp4_err_e and a sentence naming the box; nothing is read past
 * what the reader handed over.
 *
 * The index is one malloc'd block whose arrays are found by offsets, not
 * pointers, so that a cache may copy it whole (to shared memory, say) and
 * use the copy anywhere it is 8-byte aligned; bb_mp4_index_free frees it.
 *
 * Memory per sample, kept small because a cache holds thousands of clips:
 *
 *     size and keyframe bit               4 bytes, always
 *     file offset                         4, or 8 when past 4 GiB
 *     composition offset                  4, only if one is not 0
 *     duration                            4, only if they differ
 *     decode time                         8, only if not first + i * dur
 *
 * so 12 bytes per H.264 sample with B-frames and 8 per AAC sample of a
 * constant-frame-rate clip under 4 GiB, normal or fragmented (about 44 KB
 * for a minute of 30 fps video with 48 kHz audio), 28 at most.
 */

#ifndef BB_MP4_H
#define BB_MP4_H

#include <stddef.h>
#include <stdint.h>

/* Limits: what passes them is no clip of ours. */
#define BB_MP4_MAX_MOOV      (64 * 1024 * 1024)   /* bytes */
#define BB_MP4_MAX_MOOF      (16 * 1024 * 1024)
#define BB_MP4_MAX_SAMPLES   (1u << 22)           /* per track: 38 h at 30
                                                     fps */
#define BB_MP4_MAX_SAMPLE    (1u << 30)           /* bytes in one sample */
#define BB_MP4_MAX_DEPTH     12                   /* box nesting */

/* Flags of bb_mp4_index_build. */
#define BB_MP4_PARTIAL       0x01   /* a journal being written or cut by a
                                       crash: stop at the first top-level
                                       box or fragment not wholly in the
                                       file, keeping the ones before it */

/* bb_mp4_index_t.flags */
#define BB_MP4_FRAGMENTED    0x01   /* samples came from moof boxes */
#define BB_MP4_MOOV_FIRST    0x02   /* moov before the first mdat */

/* The size word of a sample: the keyframe flag in its top bit. */
#define BB_MP4_KEY           0x80000000u
#define BB_MP4_SIZE_MASK     0x7fffffffu

typedef enum {
    BB_MP4_OK = 0,
    BB_MP4_ERR_READ,            /* the reader failed */
    BB_MP4_ERR_NO_MEMORY,
    BB_MP4_ERR_EMPTY,           /* a zero-length file */
    BB_MP4_ERR_NOT_MP4,         /* the first box is no box */
    BB_MP4_ERR_TRUNCATED,       /* a top-level box runs past the end */
    BB_MP4_ERR_BAD_BOX,         /* a size below its header, past its
                                   parent, or a box too short for its
                                   fields */
    BB_MP4_ERR_NO_MOOV,
    BB_MP4_ERR_BAD_TABLE,       /* a sample table contradicts itself */
    BB_MP4_ERR_COUNT,           /* sample tables disagree on the count */
    BB_MP4_ERR_PAST_END,        /* a sample lies (partly) past the end */
    BB_MP4_ERR_NO_VIDEO,
    BB_MP4_ERR_CODEC,           /* video not H.264/H.265, or no config */
    BB_MP4_ERR_NO_SAMPLES,      /* the video track has none */
    BB_MP4_ERR_NO_KEYFRAME,     /* the video track has no keyframe */
    BB_MP4_ERR_TOO_BIG,         /* past one of the limits above */
    BB_MP4_ERR_LAST
} bb_mp4_err_e;

typedef enum {
    BB_MP4_NONE = 0,
    BB_MP4_H264,                /* avc1, avc3: config is the avcC body */
    BB_MP4_H265,                /* hvc1, hev1: config is the hvcC body */
    BB_MP4_AAC                  /* mp4a: config is AudioSpecificConfig */
} bb_mp4_codec_e;

/*
 * One track.  The *_at fields are byte offsets of arrays from this
 * struct itself (0: no array, the value is constant); use the accessors
 * below rather than them.
 */
typedef struct {
    bb_mp4_codec_e  codec;            /* BB_MP4_NONE: no such track */
    uint32_t        fourcc;           /* "avc1", "hev1", "mp4a", ... */
    uint32_t        track_id;
    uint32_t        timescale;        /* ticks per second */
    uint32_t        count;            /* samples */
    uint32_t        keyframes;
    uint32_t        width;            /* video, from the sample entry */
    uint32_t        height;
    uint32_t        sample_rate;      /* audio, from the AudioSpecific- */
    uint32_t        channels;         /* Config when it says */
    uint32_t        edits;            /* non-empty elst entries; only the
                                         first is described here */
    uint32_t        sample_duration;  /* without a duration array */
    int64_t         media_start;      /* elst: media time shown first, to
                                         subtract from dts + cts (the
                                         encoder delay, AAC priming) */
    uint64_t        empty_duration;   /* elst: empty edits before it, in
                                         this track's timescale */
    uint64_t        first_dts;
    uint64_t        end_dts;          /* the last sample's dts + duration */
    uint32_t        config_len;
    uint32_t        config_at;
    uint32_t        size_at;
    uint32_t        offset_at;
    uint32_t        offset_wide;      /* offsets are uint64_t, else
                                         uint32_t */
    uint32_t        cts_at;
    uint32_t        duration_at;
    uint32_t        dts_at;
} bb_mp4_track_t;

typedef struct {
    uint64_t        bytes;            /* the whole block, this included */
    uint64_t        file_size;
    uint32_t        movie_timescale;
    uint32_t        flags;            /* BB_MP4_FRAGMENTED, ... */
    bb_mp4_track_t  video;
    bb_mp4_track_t  audio;            /* codec BB_MP4_NONE: no audio */
} bb_mp4_index_t;

/* One sample, as bb_mp4_sample() gathers it. */
typedef struct {
    uint64_t        dts;
    int32_t         cts;              /* pts = dts + cts */
    uint32_t        duration;
    uint64_t        offset;
    uint32_t        size;
    uint32_t        key;
} bb_mp4_sample_t;

/*
 * The reader: sets *data to the len bytes of the file at offset and
 * returns 0, or returns -1.  The bytes need stay valid only until the next
 * call.  bb_mp4 never asks past the file_size it was given, nor for more
 * than BB_MP4_MAX_MOOV bytes at once.
 */
typedef int (*bb_mp4_read_pt)(void *ctx, uint64_t offset, size_t len,
    const uint8_t **data);

/* A file in memory, for bb_mp4_mem_read. */
typedef struct {
    const uint8_t  *data;
    size_t          size;
} bb_mp4_mem_t;

int bb_mp4_mem_read(void *ctx, uint64_t offset, size_t len,
    const uint8_t **data);

/*
 * Indexes the MP4 of file_size bytes that read (with ctx) reads.  On
 * success returns BB_MP4_OK with *index set (free it with
 * bb_mp4_index_free).  Otherwise returns the error, *index NULL, and a
 * sentence naming the box and the numbers at fault in err (errlen bytes,
 * NUL-terminated; err may be NULL).  Fails on a file with no video track
 * (an unsupported video codec is BB_MP4_ERR_CODEC), none of whose video
 * samples is a keyframe, or a sample of which lies past the file's end,
 * and on broken sample tables of the tracks it indexes; an audio track of
 * another codec, or without a usable esds, is left out: not an error.
 */
bb_mp4_err_e bb_mp4_index_build(bb_mp4_read_pt read, void *ctx,
    uint64_t file_size, unsigned flags, bb_mp4_index_t **index, char *err,
    size_t errlen);

void bb_mp4_index_free(bb_mp4_index_t *index);

/* "truncated file", ... for each error; never NULL. */
const char *bb_mp4_strerror(bb_mp4_err_e err);


static inline const void *
bb_mp4_track_array(const bb_mp4_track_t *tr, uint32_t at)
{
    return (const uint8_t *) tr + at;
}


static inline const uint8_t *
bb_mp4_config(const bb_mp4_track_t *tr)
{
    return (const uint8_t *) bb_mp4_track_array(tr, tr->config_at);
}


/* The accessors take i < tr->count, unchecked. */

static inline uint32_t
bb_mp4_size(const bb_mp4_track_t *tr, uint32_t i)
{
    return ((const uint32_t *) bb_mp4_track_array(tr, tr->size_at))[i]
           & BB_MP4_SIZE_MASK;
}


static inline uint32_t
bb_mp4_key(const bb_mp4_track_t *tr, uint32_t i)
{
    return (((const uint32_t *) bb_mp4_track_array(tr, tr->size_at))[i]
            & BB_MP4_KEY) != 0;
}


static inline uint64_t
bb_mp4_offset(const bb_mp4_track_t *tr, uint32_t i)
{
    if (tr->offset_wide) {
        return ((const uint64_t *) bb_mp4_track_array(tr, tr->offset_at))[i];
    }

    return ((const uint32_t *) bb_mp4_track_array(tr, tr->offset_at))[i];
}


static inline int32_t
bb_mp4_cts(const bb_mp4_track_t *tr, uint32_t i)
{
    if (tr->cts_at == 0) {
        return 0;
    }

    return ((const int32_t *) bb_mp4_track_array(tr, tr->cts_at))[i];
}


static inline uint32_t
bb_mp4_duration(const bb_mp4_track_t *tr, uint32_t i)
{
    if (tr->duration_at == 0) {
        return tr->sample_duration;
    }

    return ((const uint32_t *) bb_mp4_track_array(tr, tr->duration_at))[i];
}


static inline uint64_t
bb_mp4_dts(const bb_mp4_track_t *tr, uint32_t i)
{
    if (tr->dts_at == 0) {
        return tr->first_dts + (uint64_t) i * tr->sample_duration;
    }

    return ((const uint64_t *) bb_mp4_track_array(tr, tr->dts_at))[i];
}


static inline void
bb_mp4_sample(const bb_mp4_track_t *tr, uint32_t i, bb_mp4_sample_t *s)
{
    s->dts = bb_mp4_dts(tr, i);
    s->cts = bb_mp4_cts(tr, i);
    s->duration = bb_mp4_duration(tr, i);
    s->offset = bb_mp4_offset(tr, i);
    s->size = bb_mp4_size(tr, i);
    s->key = bb_mp4_key(tr, i);
}

#endif /* BB_MP4_H */
