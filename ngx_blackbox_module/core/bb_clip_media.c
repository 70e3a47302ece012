/*
 * bb_clip_media.h: a clip's playlist entry, worked out from its index.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb_clip_media.h"
#include "bb_mp4_file.h"
#include "bb_mp4_segment.h"


static uint64_t
bb_clip_media_hash(uint64_t h, const void *data, size_t len)
{
    size_t          i;
    const uint8_t  *p = data;

    /* FNV-1a, 64 bits: fast, and no adversary picks our parameter sets
       to collide with another clip of the same device. */
    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


static uint64_t
bb_clip_media_hash_track(uint64_t h, const bb_mp4_track_t *tr)
{
    uint32_t  fields[8];

    fields[0] = (uint32_t) tr->codec;
    fields[1] = tr->fourcc;
    fields[2] = tr->timescale;
    fields[3] = tr->width;
    fields[4] = tr->height;
    fields[5] = tr->sample_rate;
    fields[6] = tr->channels;
    fields[7] = tr->config_len;

    h = bb_clip_media_hash(h, fields, sizeof(fields));

    if (tr->codec != BB_MP4_NONE) {
        h = bb_clip_media_hash(h, bb_mp4_config(tr), tr->config_len);
    }

    return h;
}


int64_t
bb_clip_media_init_id(const bb_mp4_index_t *ix)
{
    uint64_t  h;

    h = 0xcbf29ce484222325ULL;
    h = bb_clip_media_hash_track(h, &ix->video);
    h = bb_clip_media_hash_track(h, &ix->audio);

    return (int64_t) (h >> 1);
}


static uint32_t
bb_clip_media_bytes(const bb_mp4_track_t *tr, uint32_t from, uint32_t to)
{
    uint64_t  n;

    for (n = 0; from < to; from++) {
        n += bb_mp4_size(tr, from);
    }

    return n > UINT32_MAX ? UINT32_MAX : (uint32_t) n;
}


int
bb_clip_media_describe(const bb_mp4_index_t *ix, unsigned target_ms,
    bb_clip_media_t *m)
{
    size_t             n, i;
    bb_mp4_segment_t  *segs;

    memset(m, 0, sizeof(*m));

    n = bb_mp4_segments(ix, target_ms, NULL, 0);
    segs = calloc(n, sizeof(bb_mp4_segment_t));
    m->durations = calloc(n, sizeof(uint32_t));
    m->sizes = calloc(n, sizeof(uint32_t));

    if (n == 0 || segs == NULL || m->durations == NULL || m->sizes == NULL) {
        free(segs);
        return -1;
    }

    bb_mp4_segments(ix, target_ms, segs, n);

    for (i = 0; i < n; i++) {
        m->durations[i] = segs[i].duration > UINT32_MAX
                          ? UINT32_MAX : (uint32_t) segs[i].duration;
        m->sizes[i] = bb_clip_media_bytes(&ix->video, segs[i].video_start,
                                          segs[i].video_end);

        if (ix->audio.codec != BB_MP4_NONE) {
            uint64_t  s = (uint64_t) m->sizes[i]
                          + bb_clip_media_bytes(&ix->audio,
                                                segs[i].audio_start,
                                                segs[i].audio_end);

            m->sizes[i] = s > UINT32_MAX ? UINT32_MAX : (uint32_t) s;
        }
    }

    free(segs);

    m->nsegments = (uint32_t) n;
    m->timescale = ix->video.timescale;
    m->sample_rate = ix->audio.codec == BB_MP4_NONE
                     ? 0 : ix->audio.sample_rate;
    m->init_id = bb_clip_media_init_id(ix);

    if (ix->audio.codec != BB_MP4_NONE) {
        bb_fmp4_codec_string(&ix->audio, m->audio_codecs,
                             sizeof(m->audio_codecs));
    }

    return bb_fmp4_codec_string(&ix->video, m->video_codecs,
                                sizeof(m->video_codecs)) > 0 ? 0 : -1;
}


int
bb_clip_media_read(const char *path, unsigned target_ms, bb_clip_media_t *m,
    char *err, size_t errlen)
{
    int              fd, rc;
    struct stat      st;
    bb_mp4_err_e     ix_rc;
    bb_mp4_index_t  *ix;

    memset(m, 0, sizeof(*m));

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1 || fstat(fd, &st) == -1) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        if (fd != -1) {
            close(fd);
        }
        return -1;
    }

    ix_rc = bb_mp4_file_index(fd, (uint64_t) st.st_size, 0, &ix, err,
                              errlen);
    close(fd);

    if (ix_rc != BB_MP4_OK) {
        return -1;
    }

    rc = bb_clip_media_describe(ix, target_ms, m);
    bb_mp4_index_free(ix);

    if (rc != 0) {
        snprintf(err, errlen, "cannot describe its segments or codecs");
    }

    return rc;
}


void
bb_clip_media_free(bb_clip_media_t *m)
{
    free(m->durations);
    free(m->sizes);
    m->durations = NULL;
    m->sizes = NULL;
}


int
bb_clip_media_array(const uint32_t *v, uint32_t n, char *buf, size_t size)
{
    int       w;
    size_t    len;
    uint32_t  i;

    if (size < 3) {
        return -1;
    }

    buf[0] = '{';
    len = 1;

    for (i = 0; i < n; i++) {
        w = snprintf(buf + len, size - len, i ? ",%u" : "%u", v[i]);
        if (w < 0 || (size_t) w >= size - len) {
            return -1;
        }

        len += (size_t) w;
    }

    if (len + 2 > size) {
        return -1;
    }

    buf[len++] = '}';
    buf[len] = '\0';

    return (int) len;
}
