/*
 * Playback as owners ask for it: GET /api/v1/devices/{id}/playback (a day
 * in the device's zone, or a from/to window) and GET /api/v1/clips/{id}/
 * playback (one clip) answer signed, expiring HLS and DASH URLs (the
 * grant, core/bb_grant.h, in their path: ngx_http_blackbox_play.c serves
 * them); GET /api/v1/clips/{id}/thumbnail.jpg answers a clip's picture,
 * made once and kept beside the clip.
 */

#include "ngx_http_blackbox_module.h"

#include "bb_grant.h"
#include "bb_playback.h"
#include "bb_thumbnail.h"


typedef enum {
    NGX_HTTP_BLACKBOX_PLAYBACK_DEVICE,
    NGX_HTTP_BLACKBOX_PLAYBACK_CLIP,
    NGX_HTTP_BLACKBOX_THUMBNAIL
} ngx_http_blackbox_playback_op_e;


typedef struct {
    ngx_http_blackbox_playback_op_e   op;
    bb_call_t                         call;
    bb_status_e                       status;
    long long                         user_id;
    const char                       *arg;          /* device or clip id */
    const char                       *date;         /* NULL: from/to */
    char                              device_id[BB_DEVICE_ID_MAX + 1];
    long long                         from_ms;
    long long                         to_ms;
    char                              path[160];    /* thumbnail */
    char                              name[160];
} ngx_http_blackbox_playback_job_t;


static void ngx_http_blackbox_playback_run(void *data);
static ngx_int_t ngx_http_blackbox_playback_done(ngx_http_request_t *r,
    void *data);


/*
 * The window of from= and to= (RFC 3339), or date= (checked in the
 * thread against the device's zone).  NGX_ERROR: a 400.
 */
static ngx_int_t
ngx_http_blackbox_playback_query(ngx_http_request_t *r,
    ngx_http_blackbox_playback_job_t *pb)
{
    char  *from, *to;

    pb->date = ngx_http_blackbox_query_arg(r, "date");
    from = ngx_http_blackbox_query_arg(r, "from");
    to = ngx_http_blackbox_query_arg(r, "to");

    if (pb->date != NULL) {
        return (from == NULL && to == NULL
                && bb_library_date_valid(pb->date)) ? NGX_OK : NGX_ERROR;
    }

    if (from == NULL || to == NULL
        || bb_time_parse(from, &pb->from_ms) != 0
        || bb_time_parse(to, &pb->to_ms) != 0
        || pb->from_ms >= pb->to_ms
        || pb->to_ms - pb->from_ms > BB_PLAYBACK_MAX_RANGE_MS)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_blackbox_playback_call(ngx_http_request_t *r,
    ngx_http_blackbox_playback_op_e op)
{
    ngx_http_blackbox_ctx_t           *ctx;
    ngx_http_blackbox_job_t           *job;
    ngx_http_blackbox_playback_job_t  *pb;

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);

    job = ngx_http_blackbox_job_create(r,
                                   sizeof(ngx_http_blackbox_playback_job_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    pb = job->data;
    pb->op = op;
    pb->user_id = ctx->claims.sub;
    pb->arg = ctx->args[0];
    ngx_http_blackbox_call_init(r, &pb->call);

    if (op == NGX_HTTP_BLACKBOX_PLAYBACK_DEVICE
        ? !bb_device_id_valid(pb->arg)
        : !ngx_http_blackbox_digits(pb->arg, 18))
    {
        return ngx_http_blackbox_send_status(r, BB_ERR_NOT_FOUND, NULL, 0);
    }

    if (op == NGX_HTTP_BLACKBOX_PLAYBACK_DEVICE
        && ngx_http_blackbox_playback_query(r, pb) != NGX_OK)
    {
        return ngx_http_blackbox_send_error(r, NGX_HTTP_BAD_REQUEST,
                   "invalid_query",
                   "Give date=YYYY-MM-DD, or from and to as RFC 3339 times, "
                   "from before to, at most 31 days apart.");
    }

    job->run = ngx_http_blackbox_playback_run;
    job->done = ngx_http_blackbox_playback_done;

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_device_playback(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_playback_call(r,
                                           NGX_HTTP_BLACKBOX_PLAYBACK_DEVICE);
}


ngx_int_t
ngx_http_blackbox_clip_playback(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_playback_call(r, NGX_HTTP_BLACKBOX_PLAYBACK_CLIP);
}


ngx_int_t
ngx_http_blackbox_clip_thumbnail(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_playback_call(r, NGX_HTTP_BLACKBOX_THUMBNAIL);
}


/* The clip's thumbnail, made now unless an earlier call made it. */
static bb_status_e
ngx_http_blackbox_thumbnail_make(ngx_http_blackbox_playback_job_t *pb)
{
    bb_status_e  st;

    st = bb_library_clip_file(&pb->call, pb->user_id, pb->arg, pb->path,
                              pb->name);
    if (st != BB_OK) {
        return st;
    }

    return bb_thumbnail_keep(pb->call.conf->storage, pb->path,
                             NGX_HTTP_BLACKBOX_THUMB_WIDTH, pb->call.log,
                             sizeof(pb->call.log));
}


/* In a pool thread. */
static void
ngx_http_blackbox_playback_run(void *data)
{
    ngx_http_blackbox_playback_job_t  *pb = data;

    switch (pb->op) {

    case NGX_HTTP_BLACKBOX_PLAYBACK_DEVICE:
        ngx_cpystrn((u_char *) pb->device_id, (u_char *) pb->arg,
                    sizeof(pb->device_id));
        pb->status = bb_playback_range(&pb->call, pb->user_id, pb->arg,
                                       pb->date, &pb->from_ms, &pb->to_ms);
        break;

    case NGX_HTTP_BLACKBOX_PLAYBACK_CLIP:
        pb->status = bb_playback_clip_range(&pb->call, pb->user_id, pb->arg,
                                            pb->device_id,
                                            sizeof(pb->device_id),
                                            &pb->from_ms, &pb->to_ms);
        break;

    case NGX_HTTP_BLACKBOX_THUMBNAIL:
        pb->status = ngx_http_blackbox_thumbnail_make(pb);
        break;
    }
}


/*
 * {"hls_url", "dash_url", "thumbnail_url", "download_url", "expires_at",
 * "from", "to"}: absolute URLs on the host the caller used, so that a
 * player needs nothing else.  The last two are templates: a page puts a
 * clip's id in place of "{clip_id}".
 */
static ngx_int_t
ngx_http_blackbox_playback_send(ngx_http_request_t *r,
    ngx_http_blackbox_playback_job_t *pb)
{
    char                            grant_text[BB_GRANT_LEN];
    char                            expires[32], from[32], to[32];
    u_char                         *json, *p, *host;
    size_t                          len, host_len;
    bb_grant_t                      grant;
    ngx_str_t                      *h;
    ngx_http_blackbox_main_conf_t  *bmcf;

    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    grant.user_id = pb->user_id;
    grant.from_ms = pb->from_ms;
    grant.to_ms = pb->to_ms;
    grant.expires = (long long) ngx_time() + bmcf->playback_ttl;

    if (bb_grant_sign(bmcf->jwt_key.data, bmcf->jwt_key.len, pb->device_id,
                      &grant, grant_text) != 0)
    {
        return ngx_http_blackbox_send_status(r, BB_ERR_INTERNAL,
                                             "cannot sign a playback grant",
                                             0);
    }

    bb_time_format_ms(grant.expires * 1000, expires);
    bb_time_format_ms(grant.from_ms, from);
    bb_time_format_ms(grant.to_ms, to);

    h = r->headers_in.host ? &r->headers_in.host->value : &r->headers_in.server;

    /* nginx checked the Host header's shape; it may still hold a quote. */
    host_len = h->len + ngx_escape_json(NULL, h->data, h->len);
    host = ngx_pnalloc(r->pool, host_len);
    if (host == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ngx_escape_json(host, h->data, h->len);

    /* Four URLs under one base: http://<host>/play/<device>/<grant>/ */
    len = sizeof("{\"hls_url\":\"index.m3u8\",\"dash_url\":\"manifest.mpd\","
                 "\"thumbnail_url\":\"clips/{clip_id}.jpg\","
                 "\"download_url\":\"clips/{clip_id}.mp4\","
                 "\"expires_at\":\"\",\"from\":\"\",\"to\":\"\"}\n")
          + 4 * (sizeof("http:///play///") + host_len
                 + ngx_strlen(pb->device_id) + BB_GRANT_LEN)
          + 3 * sizeof(expires);

    json = ngx_pnalloc(r->pool, len);
    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

#define NGX_HTTP_BLACKBOX_PLAY_BASE  "http://%*s/play/%s/%s/"
#define ngx_http_blackbox_play_base  host_len, host, pb->device_id, grant_text

    p = ngx_sprintf(json,
            "{\"hls_url\":\"" NGX_HTTP_BLACKBOX_PLAY_BASE "index.m3u8\","
            "\"dash_url\":\"" NGX_HTTP_BLACKBOX_PLAY_BASE "manifest.mpd\","
            "\"thumbnail_url\":\"" NGX_HTTP_BLACKBOX_PLAY_BASE
            "clips/{clip_id}.jpg\","
            "\"download_url\":\"" NGX_HTTP_BLACKBOX_PLAY_BASE
            "clips/{clip_id}.mp4\","
            "\"expires_at\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}\n",
            ngx_http_blackbox_play_base, ngx_http_blackbox_play_base,
            ngx_http_blackbox_play_base, ngx_http_blackbox_play_base,
            expires, from, to);

#undef NGX_HTTP_BLACKBOX_PLAY_BASE
#undef ngx_http_blackbox_play_base

    ngx_explicit_memzero(grant_text, sizeof(grant_text));

    return ngx_http_blackbox_send_json(r, NGX_HTTP_OK, json, p - json);
}


static ngx_int_t
ngx_http_blackbox_playback_done(ngx_http_request_t *r, void *data)
{
    ngx_http_blackbox_playback_job_t  *pb = data;

    if (pb->status != BB_OK) {
        return ngx_http_blackbox_send_status(r, pb->status, pb->call.log, 0);
    }

    if (pb->op == NGX_HTTP_BLACKBOX_THUMBNAIL) {
        return ngx_http_blackbox_send_stored(r, pb->path, ".jpg", NULL);
    }

    return ngx_http_blackbox_playback_send(r, pb);
}
