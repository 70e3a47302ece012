/*
 * What a clip file holds: see bb_probe.h.
 */

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libavformat/avformat.h>
#include <libavutil/log.h>

#include "bb_probe.h"


static int
bb_probe_fail(char *err, size_t errlen, const char *why, int averr)
{
    char  text[AV_ERROR_MAX_STRING_SIZE];

    if (averr != 0) {
        av_strerror(averr, text, sizeof(text));
        snprintf(err, errlen, "%s: %s", why, text);

    } else {
        snprintf(err, errlen, "%s", why);
    }

    return -1;
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
        return bb_probe_fail(err, errlen, "no such file, or empty", 0);
    }

    /* Clips are ours to describe, not libav's to chatter about. */
    av_log_set_level(AV_LOG_QUIET);

    /* Only MP4: a file of another format is not a clip, whatever it is. */
    mp4 = av_find_input_format("mp4");
    fmt = NULL;

    rc = avformat_open_input(&fmt, path, mp4, NULL);
    if (rc < 0) {
        return bb_probe_fail(err, errlen, "not a readable MP4", rc);
    }

    rc = avformat_find_stream_info(fmt, NULL);
    if (rc < 0) {
        avformat_close_input(&fmt);
        return bb_probe_fail(err, errlen, "unreadable streams", rc);
    }

    video = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    audio = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);

    if (video < 0) {
        avformat_close_input(&fmt);
        return bb_probe_fail(err, errlen, "no video track", 0);
    }

    v = fmt->streams[video]->codecpar;

    if (fmt->duration <= 0 || v->width <= 0 || v->height <= 0
        || fmt->streams[video]->nb_frames == 0)
    {
        avformat_close_input(&fmt);
        return bb_probe_fail(err, errlen, "no frames or no duration", 0);
    }

    if (bb_probe_data_end(fmt) > (int64_t) st.st_size) {
        avformat_close_input(&fmt);
        return bb_probe_fail(err, errlen, "truncated: samples lie past the "
                             "end of the file", 0);
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
