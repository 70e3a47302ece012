/*
 * The fragmented MP4 (ISO BMFF, CMAF-style) writer of the playback
 * packager: from a clip's bb_mp4 index it builds the init segment
 * (ftyp + moov with mvex) and, for each bb_mp4_segment_t, the bytes that
 * go before the sample data (styp + moof + the mdat header) and the list
 * of the clip file's byte ranges that are the mdat's payload.  The nginx
 * module sends the header from memory and the ranges from the clip file
 * with sendfile: no sample byte is copied.
 *
 *     init:     ftyp | moov [ mvhd | trak (video) | trak (audio) | mvex ]
 *     segment:  styp | moof [ mfhd | traf (video) | traf (audio) ]
 *               | mdat header | <file ranges>
 *
 * Each builder takes the tracks to carry: both, muxed, for HLS; one, for
 * the single-track representations of DASH (dash.js plays no muxed
 * ones).  A single-track init or segment is the muxed one with the other
 * track's boxes and samples left out: the track keeps its ID, timescale
 * and decode times, so the video of a muxed and of a video-only segment
 * are the same samples at the same times.
 *
 * The payload keeps the clip file's order: the samples of both tracks are
 * merged by file offset, and each run of one track's samples gets a trun
 * of its own (data_offset pointing into the mdat).  Our clips hold one
 * chunk per track per GOP (bb_remux.h), so a segment of several GOPs is
 * one contiguous range of the file, not one range per track per GOP.
 *
 * Time.  Each track keeps its clip's timescale.  The caller gives, per
 * track, the clip's base: the decode time its first sample gets, so that
 * decode times run on across the clips of a day (the next clip's base is
 * this one's plus end_dts - first_dts of the track).  The edit list is
 * applied through the composition offsets (trun version 1, signed), not
 * the decode times: each sample is presented at
 *
 *     base + dts + cts + empty_duration - media_start - first_dts
 *
 * that is, at the base plus its presentation time in the clip with the
 * edit applied, so the first frame a clip shows (media time media_start)
 * is shown at its base.  Shifting the decode times instead would put the
 * first samples of a clip with B-frames or AAC priming before the base,
 * below 0 for the first clip of a stream, which tfdt cannot say; with the
 * shift in the composition offsets the decode times start at the base and
 * stay gapless, and B-frames come out with negative offsets (pts < dts),
 * as CMAF does it.  AAC priming samples are presented before the base,
 * where a player's append window drops them, as the edit list asks.
 *
 * Like the rest of the core, nothing here does I/O or allocates: every
 * builder writes into the caller's buffer and measures first (buf NULL).
 */

#ifndef BB_FMP4_H
#define BB_FMP4_H

#include <stddef.h>
#include <stdint.h>

#include "bb_mp4.h"
#include "bb_mp4_segment.h"

/* The track IDs of init and media segments, whatever the clip's were. */
#define BB_FMP4_VIDEO_ID  1
#define BB_FMP4_AUDIO_ID  2

/*
 * Which tracks an init or media segment carries.  A track the clip does
 * not have is left out: BB_FMP4_BOTH of a clip without audio is its
 * video alone.
 */
#define BB_FMP4_VIDEO     0x01
#define BB_FMP4_AUDIO     0x02
#define BB_FMP4_BOTH      (BB_FMP4_VIDEO | BB_FMP4_AUDIO)

/* Room for any string bb_fmp4_codec_string writes, NUL included. */
#define BB_FMP4_CODEC_LEN 64


/* A byte range of the clip file: part of a media segment's payload. */
typedef struct {
    uint64_t  offset;
    uint64_t  length;
} bb_fmp4_range_t;


/* Per track, the decode time of the clip's first sample (its timescale). */
typedef struct {
    uint64_t  video;
    uint64_t  audio;
} bb_fmp4_base_t;


/*
 * The init segment of the tracks of ix that tracks selects: ftyp, and a
 * moov with one trak per track (the video, the AAC audio if ix has one),
 * each with its sample entry (avc1/avc3 + avcC, hvc1/hev1 + hvcC, mp4a +
 * esds, the config bytes of the index) and empty sample tables, and mvex
 * with a trex per track.  An audio-only init has the audio trak alone,
 * still with track ID BB_FMP4_AUDIO_ID.
 *
 * With buf NULL returns the size it needs.  Otherwise writes it to buf
 * and returns that size, or returns 0 when it exceeds size.  Returns 0
 * also for an index it cannot describe (no video, a config too large,
 * even when only the audio is asked for) and when tracks selects no
 * track ix has (BB_FMP4_AUDIO of a clip without audio).
 */
size_t bb_fmp4_init_build(const bb_mp4_index_t *ix, unsigned tracks,
    uint8_t *buf, size_t size);

/*
 * 1 when a and b have the same muxed (BB_FMP4_BOTH) init segment: the
 * same codecs, codec configurations (parameter sets), timescales, picture
 * size and audio format, so that the media segments of both can follow
 * one init segment; 0 when a playlist must change its map (EXT-X-MAP, a
 * DASH period) between them.  With 1 the single-track inits are the same
 * too; with 0 they may still be (a clip with audio and one without share
 * the video-only init).
 */
int bb_fmp4_init_same(const bb_mp4_index_t *a, const bb_mp4_index_t *b);

/*
 * The header of the media segment seg of ix with the tracks that tracks
 * selects: styp, the moof (mfhd with sequence; a traf per selected track
 * with samples in seg, each with tfhd (default-base-is-moof), tfdt, and a
 * trun per run of the track's samples in the payload) and the header of
 * the mdat whose payload is what bb_fmp4_segment_ranges lists: the
 * selected tracks' samples only.  The base and the decode times do not
 * depend on the selection.
 *
 * A segment with no sample of an audio-only selection (the clip's audio
 * ended before it) is a moof with no traf and an empty mdat: it still
 * exists, for a playlist that lists the audio with the video's segments.
 *
 * With buf NULL returns the size it needs; otherwise writes it and
 * returns it, or 0 when it exceeds size.  Returns 0 also when tracks
 * selects no track ix has, when seg is not a segment of ix (no video
 * sample, samples past the track's end), when a composition offset or a
 * data offset does not fit in 32 bits, or when a base plus the decode
 * times overflows.
 */
size_t bb_fmp4_segment_header(const bb_mp4_index_t *ix,
    const bb_mp4_segment_t *seg, unsigned tracks, uint32_t sequence,
    const bb_fmp4_base_t *base, uint8_t *buf, size_t size);

/*
 * The payload of the mdat of seg with the tracks that tracks selects, as
 * byte ranges of the clip file in the order they are to be sent,
 * contiguous ones merged.  Writes the first n to ranges (NULL when n is
 * 0) and returns how many there are: call with 0 to size the array.
 * Returns 0 when tracks selects no track ix has or seg is not a segment
 * of ix, and for an empty payload (an audio-only selection of a segment
 * with no audio), which bb_fmp4_segment_header tells apart: it succeeds.
 */
size_t bb_fmp4_segment_ranges(const bb_mp4_index_t *ix,
    const bb_mp4_segment_t *seg, unsigned tracks, bb_fmp4_range_t *ranges,
    size_t n);

/*
 * The RFC 6381 codecs parameter of track tr (an HLS CODECS attribute, a
 * DASH codecs attribute) from its config bytes:
 *
 *     H.264  avc1.PPCCLL   profile, constraint flags, level of the avcC
 *     H.265  hvc1.[A-C]P.C.TL.B...   ISO/IEC 14496-15 Annex E, from hvcC
 *     AAC    mp4a.40.A     A the AudioSpecificConfig's object type
 *
 * with the sample entry's four-character code as prefix (avc3, hev1).
 * Like snprintf: writes at most size bytes, NUL included, and returns the
 * string's length (it was written whole if that is below size).  Returns
 * 0, with "" in buf if size allows, for no track or a config too short.
 */
size_t bb_fmp4_codec_string(const bb_mp4_track_t *tr, char *buf,
    size_t size);

#endif /* BB_FMP4_H */
