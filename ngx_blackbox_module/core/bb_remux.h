/*
 * One clip of the live ingest, remuxed (never transcoded) with libavformat
 * into an MP4 that survives a kill -9 of the ingest.
 *
 * A plain MP4 has its index (moov) written last: killed mid-minute, the
 * whole minute is lost.  So while recording, the clip goes to a journal,
 * "<clip>.part", a fragmented MP4 with one fragment per GOP, handed to the
 * kernel as each GOP ends: a kill loses at most the GOP in progress.  When
 * the clip ends, the journal is rewritten as a normal MP4 under a
 * temporary name, flushed, and renamed into place; a journal left by a
 * crash is rewritten the same way from its complete fragments.
 *
 *     recording:  ftyp | moov (no samples) | moof mdat | moof mdat | ...
 *                                            GOP 1       GOP 2
 *     finished:   ftyp | moov | mdat [ V1 | A1 | V2 | A2 | ... ]
 *
 * In the finished file each GOP's video samples are one run of bytes and
 * its audio samples the next (one chunk per track per GOP, up to the mov
 * muxer's 1 MiB chunk limit), so the playback packager sends a segment as
 * a few contiguous file ranges.  Output timestamps start at 0 whatever the
 * input's (a 33-bit TS clock, negative after a demuxer's wrap correction).
 *
 * Blocking file I/O, no logging: failures come back as a sentence in err
 * for the caller to log.  libavformat's own messages go to av_log, whose
 * level is the caller's.
 */

#ifndef BB_REMUX_H
#define BB_REMUX_H

#include <stddef.h>

#include <libavformat/avformat.h>

#define BB_REMUX_JOURNAL_SUFFIX  ".part"
#define BB_REMUX_TEMP_SUFFIX     ".tmp"
#define BB_REMUX_MAX_STREAMS     4

/* Flags. */
#define BB_REMUX_FASTSTART       0x01   /* moov before the samples: costs
                                           one more copy of the clip */

typedef struct bb_remux_s  bb_remux_t;

/*
 * 1 when a stream of these parameters can go into a clip: H.264 or H.265
 * video, AAC audio whose format is known (a config, or a sample rate and
 * channels): a clip's audio track must be described before its first
 * sample, and audio the demuxer has not seen a frame of yet may send none
 * before the first GOP ends.  The caller leaves other streams out.
 */
int bb_remux_supported(const AVCodecParameters *par);

/*
 * Starts the clip whose final path is path: creates the journal
 * "<path>.part" (truncating one left there).  streams are the n input
 * streams to keep (codec parameters and time base are copied; the streams
 * need not outlive the call); exactly the first video stream among them
 * sets the GOPs.  H.264 or H.265 parameter sets missing from the
 * parameters are taken from the first keyframe, ADTS headers are stripped
 * from AAC.  Returns NULL with a reason in err.
 */
bb_remux_t *bb_remux_open(const char *path, AVStream *const *streams,
    unsigned n, int flags, char *err, size_t errlen);

/*
 * Adds one packet of streams[stream] (timestamps in that stream's time
 * base; the packet stays the caller's).  Packets before the first video
 * keyframe, empty ones, and ones whose DTS does not rise on their stream
 * are skipped.  A keyframe of the video ends the GOP before it, which then
 * goes to the journal.  Returns 0 taken, 1 skipped (why in err), or -1
 * failed (storage error, why in err): the clip can only be closed then.
 */
int bb_remux_write(bb_remux_t *rx, unsigned stream, const AVPacket *pkt,
    char *err, size_t errlen);

/*
 * Ends the clip: writes the last GOP, rewrites the journal as the MP4 at
 * path (temporary name, fsync, rename, fsync of the folder), deletes the
 * journal and frees rx.  *duration_ms is the clip's length.  Returns 0; 1
 * when not one frame was recorded (no clip, the journal deleted); or -1
 * with a reason in err, when no clip was made: the journal stays for
 * bb_remux_recover.
 */
int bb_remux_finish(bb_remux_t *rx, long long *duration_ms, char *err,
    size_t errlen);

/*
 * Drops rx without finishing, as a crash would: the journal stays on disk
 * for bb_remux_recover, or for the caller to delete.
 */
void bb_remux_close(bb_remux_t *rx);

/*
 * Makes a clip of the journal a crashed recording left ("<path>.part"):
 * the complete fragments (whole GOPs) become the MP4 at path, as
 * bb_remux_finish makes it, and the journal is deleted.  *duration_ms is
 * the clip's length, for the caller to judge.  Returns 0; 1 when the
 * journal held no complete GOP (it is deleted, no clip made); or -1 with a
 * reason in err (the journal stays).
 */
int bb_remux_recover(const char *journal, int flags, long long *duration_ms,
    char *err, size_t errlen);

#endif /* BB_REMUX_H */
