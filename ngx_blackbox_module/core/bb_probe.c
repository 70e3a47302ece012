/*
 * What a clip file holds: see bb_probe.h.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "bb_av_error.h"
#include "bb_probe.h"


/*
 * 1 when the file's top-level boxes tile it exactly, each within the file:
 *
 *   +------+------+------- ... -+------+---
 *   | size | type | payload     | size | type ...      size 1: a 64-bit
 *   +------+------+------- ... -+------+---           size follows the type;
 *    4 B    4 B                                        size 0: to the end
 *
 * A file cut anywhere, even by one byte of a trailing box, fails.
 */
static int
bb_probe_boxes_fit(FILE *f, uint64_t file_size)
{
    uint64_t       off, size;
    unsigned char  h[16];

    for (off = 0; off < file_size; off += size) {
        if (file_size - off < 8 || fseeko(f, (off_t) off, SEEK_SET) != 0
            || fread(h, 1, 8, f) != 8)
        {
            return 0;
        }

        size = (uint64_t) h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];

        if (size == 1) {
            if (file_size - off < 16 || fread(h + 8, 1, 8, f) != 8) {
                return 0;
            }

            size = (uint64_t) h[8] << 56 | (uint64_t) h[9] << 48
                   | (uint64_t) h[10] << 40 | (uint64_t) h[11] << 32
                   | (uint64_t) h[12] << 24 | (uint64_t) h[13] << 16
                   | (uint64_t) h[14] << 8 | (uint64_t) h[15];

            if (size < 16) {
                return 0;
            }

        } else if (size == 0) {
            size = file_size - off;

        } else if (size < 8) {
            return 0;
        }

        if (size > file_size - off) {
            return 0;
        }
    }

    return 1;
}


static int
bb_probe_file_fits(const char *path, uint64_t file_size)
{
    int    ok;
    FILE  *f;

    f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }

    ok = bb_probe_boxes_fit(f, file_size);
    fclose(f);

    return ok;
}


/*
 * The end of the last sample of any stream, from the index the moov box
 * gave: past the file's size, the file was cut short after its header.
 */
static int64_t
bb_probe_data_end(AVFormatContext *fmt)
{
    int                  n;
    unsigned             i;
    int64_t              end;
    const AVIndexEntry  *e;

    end = 0;

    for (i = 0; i < fmt->nb_streams; i++) {
        n = avformat_index_get_entries_count(fmt->streams[i]);

        while (n-- > 0) {
            e = avformat_index_get_entry(fmt->streams[i], n);
            if (e != NULL && e->pos + e->size > end) {
                end = e->pos + e->size;
            }
        }
    }

    return end;
}


int
bb_probe_clip(const char *path, bb_probe_t *probe, char *err, size_t errlen)
{
    int                 rc, video, audio;
    struct stat         st;
    AVFormatContext    *fmt;
    AVCodecParameters  *v, *a;
    const AVInputFormat *mp4;

    memset(probe, 0, sizeof(bb_probe_t));

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        return bb_av_fail(err, errlen, 0, "no such file, or empty");
    }

    /* Clips are ours to describe, not libav's to chatter about. */
    av_log_set_level(AV_LOG_QUIET);

    /* Only MP4: a file of another format is not a clip, whatever it is. */
    mp4 = av_find_input_format("mp4");
    fmt = NULL;

    rc = avformat_open_input(&fmt, path, mp4, NULL);
    if (rc < 0) {
        return bb_av_fail(err, errlen, rc, "not a readable MP4");
    }

    if (!bb_probe_file_fits(path, (uint64_t) st.st_size)) {
        avformat_close_input(&fmt);
        return bb_av_fail(err, errlen, 0, "truncated: a box runs past the "
                             "end of the file");
    }

    rc = avformat_find_stream_info(fmt, NULL);
    if (rc < 0) {
        avformat_close_input(&fmt);
        return bb_av_fail(err, errlen, rc, "unreadable streams");
    }

    video = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    audio = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);

    if (video < 0) {
        avformat_close_input(&fmt);
        return bb_av_fail(err, errlen, 0, "no video track");
    }

    v = fmt->streams[video]->codecpar;

    if (fmt->duration <= 0 || v->width <= 0 || v->height <= 0
        || fmt->streams[video]->nb_frames == 0)
    {
        avformat_close_input(&fmt);
        return bb_av_fail(err, errlen, 0, "no frames or no duration");
    }

    /*
     * A file cut inside its moov box has no sample index past the cut
     * (libavformat then indexes fewer samples than the header counts);
     * one cut inside mdat has samples past its end.
     */
    if (avformat_index_get_entries_count(fmt->streams[video])
            < fmt->streams[video]->nb_frames
        || bb_probe_data_end(fmt) == 0
        || bb_probe_data_end(fmt) > (int64_t) st.st_size)
    {
        avformat_close_input(&fmt);
        return bb_av_fail(err, errlen, 0, "truncated: samples lie past the "
                             "end of the file");
    }

    probe->duration_ms = fmt->duration / (AV_TIME_BASE / 1000);
    probe->size_bytes = (long long) st.st_size;
    probe->width = v->width;
    probe->height = v->height;
    snprintf(probe->video_codec, sizeof(probe->video_codec), "%s",
             avcodec_get_name(v->codec_id));

    if (audio >= 0) {
        a = fmt->streams[audio]->codecpar;
        snprintf(probe->audio_codec, sizeof(probe->audio_codec), "%s",
                 avcodec_get_name(a->codec_id));
    }

    avformat_close_input(&fmt);

    return 0;
}
