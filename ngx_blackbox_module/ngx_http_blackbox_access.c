/*
 * Bearer tokens, checked in nginx's access phase for every API call whose
 * route says it needs one: an owner's access token, or a device's key.
 *
 * An access token's signature and claims are checked on the event loop (an
 * HMAC: a few microseconds); whether it was revoked is asked of Redis,
 * which every nginx worker and server shares, from the thread pool.  A
 * device key is checked against the device's row, from the thread pool
 * too.  The phase then resumes and lets the request on, or answers 401
 * (bad token or key), 404 (no such device) or 503 (Redis or PostgreSQL
 * cannot say: fail closed, never open).
 */

#include "ngx_http_blackbox_module.h"


typedef struct {
    bb_call_t                 call;
    ngx_http_blackbox_ctx_t  *ctx;
    const char               *device_key;   /* for device calls */
    const char               *storage;      /* for a file body: is */
    long long                 body_bytes;   /* there room for it? */
} ngx_http_blackbox_access_job_t;


static ngx_int_t ngx_http_blackbox_access_handler(ngx_http_request_t *r);
static void ngx_http_blackbox_access_run(void *data);
static ngx_int_t ngx_http_blackbox_access_refuse(ngx_http_request_t *r,
    bb_status_e st, const char *why);


ngx_int_t
ngx_http_blackbox_access_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_blackbox_access_handler;

    return NGX_OK;
}


/* The token of "Authorization: Bearer <token>", NUL-terminated, or NULL. */
static char *
ngx_http_blackbox_bearer(ngx_http_request_t *r)
{
    size_t            len;
    u_char           *token;
    ngx_str_t        *v;
    static ngx_str_t  scheme = ngx_string("Bearer ");

    if (r->headers_in.authorization == NULL) {
        return NULL;
    }

    v = &r->headers_in.authorization->value;

    if (v->len <= scheme.len || v->len - scheme.len > BB_TOKEN_MAX
        || ngx_strncasecmp(v->data, scheme.data, scheme.len) != 0)
    {
        return NULL;
    }

    len = v->len - scheme.len;

    token = ngx_pnalloc(r->pool, len + 1);
    if (token == NULL) {
        return NULL;
    }

    *ngx_cpymem(token, v->data + scheme.len, len) = '\0';

    return (char *) token;
}


static ngx_int_t
ngx_http_blackbox_access_handler(ngx_http_request_t *r)
{
    char                            *token;
    bb_token_status_e                ts;
    ngx_http_blackbox_ctx_t         *ctx;
    ngx_http_blackbox_job_t         *job;
    ngx_http_blackbox_loc_conf_t    *blcf;
    ngx_http_blackbox_main_conf_t   *bmcf;
    ngx_http_blackbox_access_job_t  *aj;

    blcf = ngx_http_get_module_loc_conf(r, ngx_http_blackbox_module);
    if (!blcf->api || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_blackbox_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->route == NULL || ctx->route->auth == NGX_HTTP_BLACKBOX_PUBLIC) {
        return NGX_DECLINED;
    }

    if (ctx->checked) {
        return ctx->access == BB_OK
               ? NGX_OK
               : ngx_http_blackbox_access_refuse(r, ctx->access, ctx->why);
    }

    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    token = ngx_http_blackbox_bearer(r);
    if (token == NULL) {
        return ngx_http_blackbox_access_refuse(r,
                   ctx->route->auth == NGX_HTTP_BLACKBOX_DEVICE
                   ? BB_ERR_DEVICE_KEY : BB_ERR_UNAUTHORIZED,
                   "no bearer token");
    }

    if (ctx->route->auth == NGX_HTTP_BLACKBOX_DEVICE) {
        if (!bb_device_id_valid(ctx->args[0])) {
            return ngx_http_blackbox_access_refuse(r, BB_ERR_NOT_FOUND,
                                                   NULL);
        }

    } else {
        ts = bb_token_verify(bmcf->jwt_key.data, bmcf->jwt_key.len,
                             BB_TOKEN_ACCESS, token, ngx_time(),
                             &ctx->claims);
        if (ts != BB_TOKEN_OK) {
            return ngx_http_blackbox_access_refuse(r, BB_ERR_UNAUTHORIZED,
                                                   bb_token_status_text(ts));
        }
    }

    job = ngx_http_blackbox_job_create(r,
                                     sizeof(ngx_http_blackbox_access_job_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    aj = job->data;
    aj->ctx = ctx;
    aj->device_key = token;
    aj->storage = (char *) bmcf->health.storage;
    aj->body_bytes = r->headers_in.content_length_n > 0
                     ? r->headers_in.content_length_n : 0;
    ngx_http_blackbox_call_init(r, &aj->call);

    job->run = ngx_http_blackbox_access_run;
    job->done = NULL;

    if (ngx_http_blackbox_job_queue(r, job) != NGX_OK) {
        return ngx_http_blackbox_access_refuse(r, BB_ERR_UNAVAILABLE,
                                               "the thread pool queue is "
                                               "full");
    }

    return NGX_DONE;
}


/*
 * In a pool thread: is the token revoked, is the device's key right?  And
 * before a device's file is read in, is there room for it?
 */
static void
ngx_http_blackbox_access_run(void *data)
{
    ngx_http_blackbox_access_job_t  *aj = data;

    aj->ctx->access = (aj->ctx->route->auth == NGX_HTTP_BLACKBOX_DEVICE)
                      ? bb_device_auth(&aj->call, aj->ctx->args[0],
                                       aj->device_key)
                      : bb_account_token_check(&aj->call, &aj->ctx->claims);

    if (aj->ctx->access == BB_OK
        && aj->ctx->route->body == NGX_HTTP_BLACKBOX_BODY_FILE
        && !bb_storage_room(aj->storage, aj->body_bytes, aj->call.log,
                            sizeof(aj->call.log)))
    {
        aj->ctx->access = BB_ERR_STORAGE;
    }

    aj->ctx->why = aj->call.log;
    aj->ctx->checked = 1;
}


/*
 * Answers the request from the access phase (in JSON, as every API error)
 * and ends it; the phase engine stops on NGX_DONE.
 */
static ngx_int_t
ngx_http_blackbox_access_refuse(ngx_http_request_t *r, bb_status_e st,
    const char *why)
{
    if ((st == BB_ERR_UNAUTHORIZED || st == BB_ERR_DEVICE_KEY)
        && ngx_http_blackbox_add_header(r, "WWW-Authenticate",
                                        "Bearer realm=\"blackbox\"")
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_finalize_request(r, ngx_http_blackbox_send_status(r, st, why, 0));

    return NGX_DONE;
}
