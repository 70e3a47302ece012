/*
 * The packaging locations: HLS and DASH of a playback grant, built on
 * request from the clip rows and the clip files, never stored.
 *
 *     /play/<device_id>/<grant>/index.m3u8          multivariant playlist
 *                               media.m3u8          media playlist
 *                               manifest.mpd        DASH
 *                               init/<clip>.mp4     HLS init (both tracks)
 *                               seg/<clip>/<n>.<o>.m4s
 *                                                   HLS segment n of a clip
 *                                                   whose run puts it at o
 *                               init/<clip>-v.mp4   DASH inits, one track
 *                               init/<clip>-a.mp4
 *                               run/<clip>/<t>-v.m4s
 *                               run/<clip>/<t>-a.m4s
 *                                                   DASH segment at time t
 *                                                   of the run <clip> starts
 *                               clips/<clip>.jpg    the clip's thumbnail
 *                               clips/<clip>.mp4    the clip itself, to save
 *
 * The last two let a web page show and save clips with plain <img src>
 * and <a href download>, which carry no Authorization header: the grant in
 * the path is their credential, as it is the players'.
 *
 * The grant (core/bb_grant.h) is checked on the event loop (one HMAC);
 * everything else runs in the thread pool: the rows, opening the clip,
 * its index (from the shared cache, or parsed and put there), and the
 * few hundred bytes of moof.  A segment then goes out as that header
 * from memory and the sample data as file buffers of the clip, sent with
 * sendfile by nginx's own output chain, which also answers byte ranges,
 * HEAD and If-None-Match.
 */

#include "ngx_http_blackbox_module.h"

#include "bb_clip_media.h"
#include "bb_dash.h"
#include "bb_fmp4.h"
#include "bb_grant.h"
#include "bb_hls.h"
#include "bb_mp4_file.h"
#include "bb_playback.h"
#include "bb_thumbnail.h"


typedef enum {
    NGX_HTTP_BLACKBOX_PLAY_MULTIVARIANT,
    NGX_HTTP_BLACKBOX_PLAY_MEDIA,
    NGX_HTTP_BLACKBOX_PLAY_MPD,
    NGX_HTTP_BLACKBOX_PLAY_INIT,        /* HLS or DASH, by tracks */
    NGX_HTTP_BLACKBOX_PLAY_SEGMENT,     /* HLS: clip, number, offset */
    NGX_HTTP_BLACKBOX_PLAY_RUN,         /* DASH: run, time */
    NGX_HTTP_BLACKBOX_PLAY_THUMBNAIL,
    NGX_HTTP_BLACKBOX_PLAY_DOWNLOAD
} ngx_http_blackbox_play_e;


typedef struct {
    ngx_http_blackbox_play_e   kind;
    bb_call_t                  call;
    bb_status_e                status;
    const char                *storage;
    ngx_shm_zone_t            *cache;
    char                       device_id[BB_DEVICE_ID_MAX + 1];
    bb_grant_t                 grant;
    long long                  now_ms;
    char                       clip_id[24];  /* or the DASH run's first */
    uint64_t                   number;       /* HLS segment */
    uint64_t                   time;         /* HLS offset, DASH $Time$ */
    unsigned                   tracks;       /* BB_FMP4_* */
    unsigned                   hit:1;        /* the index was cached */
    size_t                     index_bytes;  /* its size, for benchmarks */

    char                      *text;         /* playlist (malloc) */
    size_t                     len;
    uint8_t                   *head;         /* init, or segment header */
    size_t                     head_len;
    bb_fmp4_range_t           *ranges;       /* the segment's payload */
    size_t                     nranges;
    int                        fd;
    struct stat                st;
    char                       path[BB_PLAYBACK_PATH_LEN];  /* the clip's,
                                                               for logs */
    char                       name[160];    /* a download's file name */
} ngx_http_blackbox_play_job_t;


#define NGX_HTTP_BLACKBOX_HLS_INIT     "init/%c.mp4"
#define NGX_HTTP_BLACKBOX_HLS_MEDIA    "seg/%c/%n.%o.m4s"
#define NGX_HTTP_BLACKBOX_DASH_VINIT   "init/%c-v.mp4"
#define NGX_HTTP_BLACKBOX_DASH_VMEDIA  "run/%c/$Time$-v.m4s"
#define NGX_HTTP_BLACKBOX_DASH_AINIT   "init/%c-a.mp4"
#define NGX_HTTP_BLACKBOX_DASH_AMEDIA  "run/%c/$Time$-a.m4s"


static ngx_int_t ngx_http_blackbox_play_parse(ngx_http_request_t *r,
    ngx_http_blackbox_play_job_t *p, ngx_str_t *grant);
static ngx_int_t ngx_http_blackbox_play_name(ngx_http_blackbox_play_job_t *p,
    u_char *s, u_char *last);
static void ngx_http_blackbox_play_cleanup(void *data);
static void ngx_http_blackbox_play_run(void *data);
static void ngx_http_blackbox_play_playlist(ngx_http_blackbox_play_job_t *p);
static void ngx_http_blackbox_play_media(ngx_http_blackbox_play_job_t *p);
static void ngx_http_blackbox_play_stored(ngx_http_blackbox_play_job_t *p);
static ngx_int_t ngx_http_blackbox_play_cached(
    ngx_http_blackbox_play_job_t *p, bb_playback_clip_t *clip,
    bb_mp4_index_t **ix);
static bb_status_e ngx_http_blackbox_play_index(
    ngx_http_blackbox_play_job_t *p, const bb_playback_clip_t *clip,
    bb_mp4_index_t **ix);
static bb_status_e ngx_http_blackbox_play_segment(
    ngx_http_blackbox_play_job_t *p, const bb_playback_clip_t *clip,
    const bb_mp4_index_t *ix);
static ngx_int_t ngx_http_blackbox_play_done(ngx_http_request_t *r,
    void *data);
static ngx_int_t ngx_http_blackbox_play_send_text(ngx_http_request_t *r,
    ngx_http_blackbox_play_job_t *p);
static ngx_int_t ngx_http_blackbox_play_send_media(ngx_http_request_t *r,
    ngx_http_blackbox_play_job_t *p);


ngx_int_t
ngx_http_blackbox_play_handler(ngx_http_request_t *r)
{
    ngx_str_t                        grant;
    ngx_pool_cleanup_t              *cln;
    ngx_http_blackbox_job_t         *job;
    ngx_http_blackbox_main_conf_t   *bmcf;
    ngx_http_blackbox_play_job_t    *p;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    job = ngx_http_blackbox_job_create(r,
                                       sizeof(ngx_http_blackbox_play_job_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (job == NULL || cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = job->data;
    p->fd = -1;
    p->storage = bmcf->health.storage;
    p->cache = bmcf->index_cache;
    p->now_ms = (long long) ngx_time() * 1000;
    ngx_http_blackbox_call_init(r, &p->call);

    cln->handler = ngx_http_blackbox_play_cleanup;
    cln->data = p;

    if (ngx_http_blackbox_play_parse(r, p, &grant) != NGX_OK) {
        return ngx_http_blackbox_send_status(r, BB_ERR_NOT_FOUND, NULL, 0);
    }

    switch (bb_grant_check(bmcf->jwt_key.data, bmcf->jwt_key.len,
                           p->device_id, (char *) grant.data, grant.len,
                           ngx_time(), &p->grant))
    {
    case BB_GRANT_OK:
        break;

    case BB_GRANT_EXPIRED:
        return ngx_http_blackbox_send_error(r, NGX_HTTP_FORBIDDEN,
                   "playback_expired",
                   "This playback link has expired: ask for a new one.");

    default:
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "playback grant for device \"%s\" refused: not ours",
                      p->device_id);
        return ngx_http_blackbox_send_error(r, NGX_HTTP_FORBIDDEN,
                   "playback_forbidden", "This playback link is not valid.");
    }

    job->run = ngx_http_blackbox_play_run;
    job->done = ngx_http_blackbox_play_done;

    return ngx_http_blackbox_job_post(r, job);
}


/*
 * Splits /play/<device_id>/<grant>/<name> and reads the name.  NGX_ERROR
 * for anything that names nothing we serve (404).
 */
static ngx_int_t
ngx_http_blackbox_play_parse(ngx_http_request_t *r,
    ngx_http_blackbox_play_job_t *p, ngx_str_t *grant)
{
    u_char  *s, *last, *slash;

    s = r->uri.data;
    last = s + r->uri.len;

    if (r->uri.len < sizeof("/play/") - 1
        || ngx_strncmp(s, "/play/", sizeof("/play/") - 1) != 0)
    {
        return NGX_ERROR;
    }

    s += sizeof("/play/") - 1;

    slash = ngx_strlchr(s, last, '/');
    if (slash == NULL || (size_t) (slash - s) > BB_DEVICE_ID_MAX) {
        return NGX_ERROR;
    }

    ngx_memcpy(p->device_id, s, slash - s);
    p->device_id[slash - s] = '\0';

    if (!bb_device_id_valid(p->device_id)) {
        return NGX_ERROR;
    }

    s = slash + 1;

    slash = ngx_strlchr(s, last, '/');
    if (slash == NULL) {
        return NGX_ERROR;
    }

    grant->data = s;
    grant->len = slash - s;

    return ngx_http_blackbox_play_name(p, slash + 1, last);
}


/* A decimal of 1 to max digits at *s, ending before last or at stop. */
static ngx_int_t
ngx_http_blackbox_play_number(u_char **s, u_char *last, u_char stop,
    size_t max, uint64_t *v, char *text)
{
    u_char  *start;

    for (start = *s, *v = 0; *s < last && **s >= '0' && **s <= '9'; (*s)++) {
        if ((size_t) (*s - start) == max) {
            return NGX_ERROR;
        }

        *v = *v * 10 + (**s - '0');
    }

    if (*s == start || *s == last || **s != stop) {
        return NGX_ERROR;
    }

    if (text != NULL) {
        ngx_memcpy(text, start, *s - start);
        text[*s - start] = '\0';
    }

    (*s)++;

    return NGX_OK;
}


static ngx_int_t
ngx_http_blackbox_play_name(ngx_http_blackbox_play_job_t *p, u_char *s,
    u_char *last)
{
    size_t    n;
    uint64_t  id;

    n = last - s;

#define ngx_http_blackbox_is(name)                                          \
    (n == sizeof(name) - 1 && ngx_strncmp(s, name, n) == 0)

    if (ngx_http_blackbox_is("index.m3u8")) {
        p->kind = NGX_HTTP_BLACKBOX_PLAY_MULTIVARIANT;
        return NGX_OK;
    }

    if (ngx_http_blackbox_is("media.m3u8")) {
        p->kind = NGX_HTTP_BLACKBOX_PLAY_MEDIA;
        return NGX_OK;
    }

    if (ngx_http_blackbox_is("manifest.mpd")) {
        p->kind = NGX_HTTP_BLACKBOX_PLAY_MPD;
        return NGX_OK;
    }

#undef ngx_http_blackbox_is

    /* init/<clip>.mp4, init/<clip>-v.mp4, init/<clip>-a.mp4 */
    if (n > 5 && ngx_strncmp(s, "init/", 5) == 0) {
        s += 5;
        p->kind = NGX_HTTP_BLACKBOX_PLAY_INIT;
        p->tracks = BB_FMP4_BOTH;

        if (n > 7 && ngx_strncmp(last - 6, "-v.mp4", 6) == 0) {
            p->tracks = BB_FMP4_VIDEO;

        } else if (n > 7 && ngx_strncmp(last - 6, "-a.mp4", 6) == 0) {
            p->tracks = BB_FMP4_AUDIO;

        } else if (ngx_strncmp(last - 4, ".mp4", 4) != 0) {
            return NGX_ERROR;
        }

        return (ngx_http_blackbox_play_number(&s, last,
                    p->tracks == BB_FMP4_BOTH ? '.' : '-', 18, &id,
                    p->clip_id) == NGX_OK
                && last - s == (p->tracks == BB_FMP4_BOTH ? 3 : 5))
               ? NGX_OK : NGX_ERROR;
    }

    /* seg/<clip>/<n>.<o>.m4s */
    if (n > 4 && ngx_strncmp(s, "seg/", 4) == 0) {
        s += 4;
        p->kind = NGX_HTTP_BLACKBOX_PLAY_SEGMENT;
        p->tracks = BB_FMP4_BOTH;

        if (ngx_strncmp(last - 4, ".m4s", 4) != 0) {
            return NGX_ERROR;
        }

        return (ngx_http_blackbox_play_number(&s, last, '/', 18, &id,
                                              p->clip_id) == NGX_OK
                && ngx_http_blackbox_play_number(&s, last, '.', 6,
                                                 &p->number, NULL) == NGX_OK
                && ngx_http_blackbox_play_number(&s, last, '.', 15,
                                                 &p->time, NULL) == NGX_OK
                && last - s == 3) ? NGX_OK : NGX_ERROR;
    }

    /* run/<clip>/<t>-v.m4s, run/<clip>/<t>-a.m4s */
    if (n > 4 && ngx_strncmp(s, "run/", 4) == 0) {
        s += 4;
        p->kind = NGX_HTTP_BLACKBOX_PLAY_RUN;

        if (ngx_strncmp(last - 6, "-v.m4s", 6) == 0) {
            p->tracks = BB_FMP4_VIDEO;

        } else if (ngx_strncmp(last - 6, "-a.m4s", 6) == 0) {
            p->tracks = BB_FMP4_AUDIO;

        } else {
            return NGX_ERROR;
        }

        return (ngx_http_blackbox_play_number(&s, last, '/', 18, &id,
                                              p->clip_id) == NGX_OK
                && ngx_http_blackbox_play_number(&s, last, '-', 15,
                                                 &p->time, NULL) == NGX_OK
                && last - s == 5) ? NGX_OK : NGX_ERROR;
    }

    /* clips/<clip>.jpg, clips/<clip>.mp4 */
    if (n > 6 && ngx_strncmp(s, "clips/", 6) == 0) {
        s += 6;

        if (ngx_strncmp(last - 4, ".jpg", 4) == 0) {
            p->kind = NGX_HTTP_BLACKBOX_PLAY_THUMBNAIL;

        } else if (ngx_strncmp(last - 4, ".mp4", 4) == 0) {
            p->kind = NGX_HTTP_BLACKBOX_PLAY_DOWNLOAD;

        } else {
            return NGX_ERROR;
        }

        return (ngx_http_blackbox_play_number(&s, last, '.', 18, &id,
                                              p->clip_id) == NGX_OK
                && last - s == 3) ? NGX_OK : NGX_ERROR;
    }

    return NGX_ERROR;
}


/* At the request's end: what the thread left for the event loop. */
static void
ngx_http_blackbox_play_cleanup(void *data)
{
    ngx_http_blackbox_play_job_t  *p = data;

    free(p->text);
    free(p->head);
    free(p->ranges);

    if (p->fd != -1) {
        (void) close(p->fd);
    }
}


/* In a pool thread. */
static void
ngx_http_blackbox_play_run(void *data)
{
    ngx_http_blackbox_play_job_t  *p = data;

    switch (p->kind) {

    case NGX_HTTP_BLACKBOX_PLAY_MULTIVARIANT:
    case NGX_HTTP_BLACKBOX_PLAY_MEDIA:
    case NGX_HTTP_BLACKBOX_PLAY_MPD:
        ngx_http_blackbox_play_playlist(p);
        break;

    case NGX_HTTP_BLACKBOX_PLAY_THUMBNAIL:
    case NGX_HTTP_BLACKBOX_PLAY_DOWNLOAD:
        ngx_http_blackbox_play_stored(p);
        break;

    default:
        ngx_http_blackbox_play_media(p);
        break;
    }
}


static void
ngx_http_blackbox_play_playlist(ngx_http_blackbox_play_job_t *p)
{
    bb_dash_opts_t      dash;
    bb_hls_opts_t       hls;
    bb_playback_list_t  list;

    p->status = bb_playback_list(&p->call, p->grant.user_id, p->device_id,
                                 p->grant.from_ms, p->grant.to_ms, &list);
    if (p->status != BB_OK) {
        bb_playback_list_free(&list);
        return;
    }

    /* Still being recorded: players reload it, and no end is written. */
    if (p->grant.to_ms > p->now_ms) {
        list.playlist.flags |= BB_PLAYLIST_GROWING;
    }

    if (bb_playlist_check(&list.playlist, p->call.log, sizeof(p->call.log))
        != 0)
    {
        p->status = BB_ERR_INTERNAL;
        bb_playback_list_free(&list);
        return;
    }

    ngx_memzero(&hls, sizeof(bb_hls_opts_t));
    hls.init = NGX_HTTP_BLACKBOX_HLS_INIT;
    hls.media = NGX_HTTP_BLACKBOX_HLS_MEDIA;
    hls.playlist = "media.m3u8";

    switch (p->kind) {

    case NGX_HTTP_BLACKBOX_PLAY_MULTIVARIANT:
        p->text = bb_hls_multivariant_alloc(&list.playlist, &hls, &p->len);
        break;

    case NGX_HTTP_BLACKBOX_PLAY_MEDIA:
        p->text = bb_hls_media_playlist_alloc(&list.playlist, &hls, &p->len);
        break;

    default:
        ngx_memzero(&dash, sizeof(bb_dash_opts_t));
        dash.video_init = NGX_HTTP_BLACKBOX_DASH_VINIT;
        dash.video_media = NGX_HTTP_BLACKBOX_DASH_VMEDIA;
        dash.audio_init = NGX_HTTP_BLACKBOX_DASH_AINIT;
        dash.audio_media = NGX_HTTP_BLACKBOX_DASH_AMEDIA;
        p->text = bb_dash_mpd_alloc(&list.playlist, &dash, &p->len);
        break;
    }

    if (p->text == NULL) {
        ngx_cpystrn((u_char *) p->call.log,
                    (u_char *) "out of memory building a playlist",
                    sizeof(p->call.log));
        p->status = BB_ERR_INTERNAL;
    }

    bb_playback_list_free(&list);
}


static void
ngx_http_blackbox_play_media(ngx_http_blackbox_play_job_t *p)
{
    bb_mp4_index_t      *ix;
    bb_playback_clip_t   clip;

    ix = NULL;

    if (p->kind == NGX_HTTP_BLACKBOX_PLAY_RUN) {
        p->status = bb_playback_run_clip(&p->call, p->grant.user_id,
                                         p->device_id, p->grant.from_ms,
                                         p->grant.to_ms, p->clip_id, p->time,
                                         BB_PLAYLIST_JOIN_MS, &clip);

    } else if (ngx_http_blackbox_play_cached(p, &clip, &ix)) {
        p->status = BB_OK;

    } else {
        p->status = bb_playback_clip(&p->call, p->grant.user_id,
                                     p->device_id, p->grant.from_ms,
                                     p->grant.to_ms, p->clip_id, &clip);
    }

    if (p->status == BB_OK && ix == NULL) {
        p->status = ngx_http_blackbox_play_index(p, &clip, &ix);
    }

    if (p->status != BB_OK) {
        return;
    }

    p->index_bytes = ix->bytes;

    if (p->kind == NGX_HTTP_BLACKBOX_PLAY_INIT) {
        p->head_len = bb_fmp4_init_build(ix, p->tracks, NULL, 0);
        p->head = p->head_len ? malloc(p->head_len) : NULL;

        if (p->head == NULL
            || bb_fmp4_init_build(ix, p->tracks, p->head, p->head_len)
               != p->head_len)
        {
            /* An audio init of a clip without audio, mostly. */
            p->status = BB_ERR_NOT_FOUND;
        }

    } else {
        p->status = ngx_http_blackbox_play_segment(p, &clip, ix);
    }

    free(ix);
}


/*
 * A clip of the grant as it is stored, for nginx's static handler to send:
 * the clip itself with the name a download takes, or its thumbnail, made
 * now if no one asked for it before.
 */
static void
ngx_http_blackbox_play_stored(ngx_http_blackbox_play_job_t *p)
{
    bb_playback_clip_t  clip;

    p->status = bb_playback_clip(&p->call, p->grant.user_id, p->device_id,
                                 p->grant.from_ms, p->grant.to_ms,
                                 p->clip_id, &clip);
    if (p->status != BB_OK) {
        return;
    }

    if (p->kind == NGX_HTTP_BLACKBOX_PLAY_DOWNLOAD) {
        p->status = bb_library_clip_file(&p->call, p->grant.user_id,
                                         p->clip_id, p->path, p->name);
        return;
    }

    ngx_cpystrn((u_char *) p->path, (u_char *) clip.path, sizeof(p->path));

    p->status = bb_thumbnail_keep(p->storage, p->path,
                                  NGX_HTTP_BLACKBOX_THUMB_WIDTH, p->call.log,
                                  sizeof(p->call.log));
}


/* Opens the clip file at path (relative to the storage) as p->fd. */
static bb_status_e
ngx_http_blackbox_play_open(ngx_http_blackbox_play_job_t *p,
    const char *clip_id, const char *path)
{
    char  file[4200];

    if (p->fd != -1) {
        (void) close(p->fd);
    }

    snprintf(file, sizeof(file), "%s/%s", p->storage, path);
    ngx_cpystrn((u_char *) p->path, (u_char *) path, sizeof(p->path));

    p->fd = open(file, O_RDONLY | O_CLOEXEC);
    if (p->fd == -1 || fstat(p->fd, &p->st) == -1) {
        snprintf(p->call.log, sizeof(p->call.log), "clip %s \"%.100s\": %s",
                 clip_id, path, strerror(errno));
        return errno == ENOENT ? BB_ERR_NOT_FOUND : BB_ERR_INTERNAL;
    }

    return BB_OK;
}


/* Sets file's identity to the open file's. */
static void
ngx_http_blackbox_play_identify(ngx_http_blackbox_play_job_t *p,
    ngx_http_blackbox_clip_file_t *file)
{
    file->dev = (uint64_t) p->st.st_dev;
    file->ino = (uint64_t) p->st.st_ino;
    file->size = (uint64_t) p->st.st_size;
    file->mtime_ns = (int64_t) p->st.st_mtim.tv_sec * 1000000000
                     + p->st.st_mtim.tv_nsec;
}


/* 1 when the open file is the one the cached entry was made from. */
static ngx_int_t
ngx_http_blackbox_play_same_file(ngx_http_blackbox_play_job_t *p,
    const ngx_http_blackbox_clip_file_t *file)
{
    ngx_http_blackbox_clip_file_t  open;

    ngx_http_blackbox_play_identify(p, &open);

    return file->ino == open.ino && file->dev == open.dev
           && file->size == open.size && file->mtime_ns == open.mtime_ns;
}


/*
 * A clip named by id, from the cache alone: no query, when the cached
 * clip is of the grant's device and range and its file is still the one
 * the entry was made from.  0 otherwise (the row decides, then).
 */
static ngx_int_t
ngx_http_blackbox_play_cached(ngx_http_blackbox_play_job_t *p,
    bb_playback_clip_t *clip, bb_mp4_index_t **ix)
{
    ngx_http_blackbox_clip_file_t  file;

    *ix = ngx_http_blackbox_index_cache_get(p->cache,
                                            strtoull(p->clip_id, NULL, 10),
                                            &file);
    if (*ix == NULL) {
        return 0;
    }

    if (ngx_strcmp(file.device_id, p->device_id) == 0
        && file.recorded_at >= p->grant.from_ms
        && file.recorded_at < p->grant.to_ms
        && ngx_http_blackbox_play_open(p, p->clip_id, file.path) == BB_OK
        && ngx_http_blackbox_play_same_file(p, &file))
    {
        ngx_cpystrn((u_char *) clip->clip_id, (u_char *) p->clip_id,
                    sizeof(clip->clip_id));
        ngx_cpystrn((u_char *) clip->path, (u_char *) file.path,
                    sizeof(clip->path));
        clip->recorded_at = file.recorded_at;
        clip->run_start = file.recorded_at;
        p->hit = 1;
        return 1;
    }

    free(*ix);
    *ix = NULL;

    return 0;
}


/*
 * Opens the clip its row names and finds its index: from the shared
 * cache if made from this very file, or parsed and put there.  A clip
 * gone meanwhile is NOT_FOUND; a file that is no clip of ours
 * (truncated, garbage) INTERNAL, with the reason logged.
 */
static bb_status_e
ngx_http_blackbox_play_index(ngx_http_blackbox_play_job_t *p,
    const bb_playback_clip_t *clip, bb_mp4_index_t **ix)
{
    char                           why[128];
    uint64_t                       id;
    bb_status_e                    st;
    bb_mp4_err_e                   rc;
    ngx_http_blackbox_clip_file_t  file;

    st = ngx_http_blackbox_play_open(p, clip->clip_id, clip->path);
    if (st != BB_OK) {
        return st;
    }

    id = strtoull(clip->clip_id, NULL, 10);

    *ix = ngx_http_blackbox_index_cache_get(p->cache, id, &file);
    if (*ix != NULL && ngx_http_blackbox_play_same_file(p, &file)) {
        p->hit = 1;
        return BB_OK;
    }

    free(*ix);

    rc = bb_mp4_file_index(p->fd, (uint64_t) p->st.st_size, 0, ix, why,
                           sizeof(why));
    if (rc != BB_MP4_OK) {
        snprintf(p->call.log, sizeof(p->call.log),
                 "clip %s \"%.100s\" cannot be played: %s", clip->clip_id,
                 clip->path, why);
        return BB_ERR_INTERNAL;
    }

    ngx_memzero(&file, sizeof(file));
    ngx_cpystrn((u_char *) file.device_id, (u_char *) p->device_id,
                sizeof(file.device_id));
    ngx_cpystrn((u_char *) file.path, (u_char *) clip->path,
                sizeof(file.path));
    file.recorded_at = clip->recorded_at;
    ngx_http_blackbox_play_identify(p, &file);

    ngx_http_blackbox_index_cache_put(p->cache, id, &file, *ix);

    return BB_OK;
}


/* round(v * to / from) */
static uint64_t
ngx_http_blackbox_play_rescale(uint64_t v, uint32_t from, uint32_t to)
{
    return (uint64_t) (((unsigned __int128) v * to + from / 2) / from);
}


/*
 * Which segment of the clip is asked for, and at what decode time the
 * clip starts (its base).  HLS names the segment by number and the base
 * in the URL (the run offset the playlist gave the clip).  DASH names the
 * segment by its decode time t in the run: the segment whose start in
 * the clip lies nearest t less where the clip's recording time puts the
 * clip in the run; the two differ by less than the join (bb_playlist.h),
 * and segments are seconds apart.
 */
static bb_status_e
ngx_http_blackbox_play_pick(ngx_http_blackbox_play_job_t *p,
    const bb_playback_clip_t *clip, const bb_mp4_index_t *ix,
    const bb_mp4_segment_t *segs, size_t n, size_t *pick, uint64_t *base)
{
    size_t    i;
    int64_t   at, d, best;
    uint32_t  ts;

    if (p->kind == NGX_HTTP_BLACKBOX_PLAY_SEGMENT) {
        if (p->number >= n) {
            return BB_ERR_NOT_FOUND;
        }

        *pick = (size_t) p->number;
        *base = p->time;

        return BB_OK;
    }

    ts = ix->video.timescale;
    at = (int64_t) p->time
         - (clip->recorded_at - clip->run_start) * (int64_t) ts / 1000;
    best = INT64_MAX;

    for (i = 0; i < n; i++) {
        d = (int64_t) (segs[i].start_dts - ix->video.first_dts) - at;
        d = d < 0 ? -d : d;

        if (d < best) {
            best = d;
            *pick = i;
        }
    }

    if (best > (int64_t) ts * BB_PLAYLIST_JOIN_MS / 1000
        || p->time < segs[*pick].start_dts - ix->video.first_dts)
    {
        return BB_ERR_NOT_FOUND;
    }

    *base = p->time - (segs[*pick].start_dts - ix->video.first_dts);

    return BB_OK;
}


static bb_status_e
ngx_http_blackbox_play_segment(ngx_http_blackbox_play_job_t *p,
    const bb_playback_clip_t *clip, const bb_mp4_index_t *ix)
{
    size_t             n, pick;
    uint64_t           base_ticks;
    bb_status_e        st;
    bb_fmp4_base_t     base;
    bb_mp4_segment_t  *segs;

    n = bb_mp4_segments(ix, BB_CLIP_MEDIA_TARGET_MS, NULL, 0);
    segs = calloc(n, sizeof(bb_mp4_segment_t));
    if (segs == NULL) {
        return BB_ERR_INTERNAL;
    }

    bb_mp4_segments(ix, BB_CLIP_MEDIA_TARGET_MS, segs, n);

    st = ngx_http_blackbox_play_pick(p, clip, ix, segs, n, &pick,
                                     &base_ticks);
    if (st != BB_OK) {
        free(segs);
        return st;
    }

    base.video = base_ticks;
    base.audio = ix->audio.codec == BB_MP4_NONE ? 0
                 : ngx_http_blackbox_play_rescale(base_ticks,
                                                  ix->video.timescale,
                                                  ix->audio.timescale);

    p->head_len = bb_fmp4_segment_header(ix, &segs[pick], p->tracks,
                                         (uint32_t) pick + 1, &base, NULL, 0);
    p->nranges = bb_fmp4_segment_ranges(ix, &segs[pick], p->tracks, NULL, 0);

    p->head = p->head_len ? malloc(p->head_len) : NULL;
    p->ranges = p->nranges ? calloc(p->nranges, sizeof(bb_fmp4_range_t))
                           : NULL;

    /* No ranges is an audio segment of a stretch without audio: a moof
       and an empty mdat, as the MPD lists it. */
    if (p->head == NULL || (p->nranges > 0 && p->ranges == NULL)
        || bb_fmp4_segment_header(ix, &segs[pick], p->tracks,
                                  (uint32_t) pick + 1, &base, p->head,
                                  p->head_len) != p->head_len
        || bb_fmp4_segment_ranges(ix, &segs[pick], p->tracks, p->ranges,
                                  p->nranges) != p->nranges)
    {
        /* No such track in this clip, or a base that does not fit. */
        st = BB_ERR_NOT_FOUND;
    }

    free(segs);

    return st;
}


static ngx_int_t
ngx_http_blackbox_play_done(ngx_http_request_t *r, void *data)
{
    ngx_http_blackbox_play_job_t  *p = data;

    if (p->status != BB_OK) {
        return ngx_http_blackbox_send_status(r, p->status, p->call.log, 0);
    }

    switch (p->kind) {

    case NGX_HTTP_BLACKBOX_PLAY_THUMBNAIL:
        return ngx_http_blackbox_send_stored(r, p->path, ".jpg", NULL);

    case NGX_HTTP_BLACKBOX_PLAY_DOWNLOAD:
        return ngx_http_blackbox_send_stored(r, p->path, "", p->name);

    default:
        break;
    }

    if (p->text != NULL) {
        return ngx_http_blackbox_play_send_text(r, p);
    }

    return ngx_http_blackbox_play_send_media(r, p);
}


static ngx_int_t
ngx_http_blackbox_play_send_text(ngx_http_request_t *r,
    ngx_http_blackbox_play_job_t *p)
{
    if (p->kind == NGX_HTTP_BLACKBOX_PLAY_MPD) {
        ngx_str_set(&r->headers_out.content_type, "application/dash+xml");
    } else {
        ngx_str_set(&r->headers_out.content_type,
                    "application/vnd.apple.mpegurl");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.status = NGX_HTTP_OK;

    /* A range still recorded grows; one in the past changes only when
       footage is deleted. */
    if (ngx_http_blackbox_add_header(r, "Cache-Control",
            p->grant.to_ms > p->now_ms ? "private, max-age=2"
                                       : "private, max-age=30")
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* p->text is freed by the cleanup, once the request is done. */
    return ngx_http_blackbox_send_body(r, (u_char *) p->text, p->len);
}


static ngx_int_t
ngx_http_blackbox_play_send_media(ngx_http_request_t *r,
    ngx_http_blackbox_play_job_t *p)
{
    u_char        *cc, *xc;
    size_t         i;
    off_t          len;
    ngx_int_t      rc;
    ngx_buf_t     *b;
    ngx_file_t    *file;
    ngx_chain_t   *out, **ll, *cl;

    for (len = p->head_len, i = 0; i < p->nranges; i++) {
        len += p->ranges[i].length;
    }

    if (p->tracks == BB_FMP4_AUDIO) {
        ngx_str_set(&r->headers_out.content_type, "audio/mp4");
    } else {
        ngx_str_set(&r->headers_out.content_type, "video/mp4");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = len;
    r->headers_out.last_modified_time = p->st.st_mtime;
    r->allow_ranges = 1;

    /* The URL holds the grant, so it is this viewer's and lives as long. */
    cc = ngx_pnalloc(r->pool, sizeof("private, max-age=, immutable")
                              + NGX_TIME_T_LEN);
    xc = ngx_pnalloc(r->pool, sizeof("miss, index  bytes") + NGX_SIZE_T_LEN);
    if (cc == NULL || xc == NULL || ngx_http_set_etag(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_sprintf(cc, "private, max-age=%T, immutable",
                 (time_t) ngx_max(p->grant.expires - ngx_time(), 0)) = '\0';

    /* How the index was found and what it holds: tests and benchmarks
       watch the cache through it. */
    *ngx_sprintf(xc, "%s, index %uz bytes", p->hit ? "hit" : "miss",
                 p->index_bytes) = '\0';

    if (ngx_http_blackbox_add_header(r, "Cache-Control", (char *) cc)
        != NGX_OK
        || ngx_http_blackbox_add_header(r, "X-Index-Cache", (char *) xc)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    file = ngx_pcalloc(r->pool, sizeof(ngx_file_t));
    if (file == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    file->fd = p->fd;
    file->log = r->connection->log;
    file->name.data = (u_char *) p->path;
    file->name.len = ngx_strlen(p->path);

    out = NULL;
    ll = &out;

    for (i = 0; i <= p->nranges; i++) {
        b = ngx_calloc_buf(r->pool);
        cl = ngx_alloc_chain_link(r->pool);
        if (b == NULL || cl == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (i == 0) {
            b->pos = p->head;           /* freed by the cleanup */
            b->last = p->head + p->head_len;
            b->memory = 1;

        } else {
            b->in_file = 1;
            b->file = file;
            b->file_pos = (off_t) p->ranges[i - 1].offset;
            b->file_last = b->file_pos + (off_t) p->ranges[i - 1].length;
        }

        cl->buf = b;
        *ll = cl;
        ll = &cl->next;
    }

    *ll = NULL;
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    return ngx_http_output_filter(r, out);
}
