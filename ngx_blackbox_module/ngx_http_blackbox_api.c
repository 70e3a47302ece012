/*
 * The REST API under /api/v1/ (owners) and /ingest/v1/ (devices): one
 * table of routes, the JSON body, and the request context the phases share.
 *
 * The access phase (ngx_http_blackbox_access.c) and the content handler
 * below look calls up in the same table, so whether a call needs a token is
 * said once, beside the call.  Bodies are JSON objects of at most 64 KiB,
 * read whole into memory and parsed with jansson on the event loop (parsing
 * 64 KiB takes well under a millisecond); a handler then validates them and
 * hands the slow part to the thread pool.
 */

#include "ngx_http_blackbox_module.h"

#define NGX_HTTP_BLACKBOX_BODY_MAX  65536


static ngx_int_t ngx_http_blackbox_api_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_blackbox_api_file(ngx_http_request_t *r);
static void ngx_http_blackbox_api_file_read(ngx_http_request_t *r);
static ngx_int_t ngx_http_blackbox_api_refuse_body(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *message);
static void ngx_http_blackbox_api_body_read(ngx_http_request_t *r);
static ngx_int_t ngx_http_blackbox_api_wrong_method(ngx_http_request_t *r);
static void ngx_http_blackbox_json_cleanup(void *data);


#define P  NGX_HTTP_BLACKBOX_PUBLIC
#define U  NGX_HTTP_BLACKBOX_USER
#define D  NGX_HTTP_BLACKBOX_DEVICE

static ngx_http_blackbox_route_t  ngx_http_blackbox_routes[] = {

    { "/api/v1/auth/signup", NGX_HTTP_POST, P, 1,
      ngx_http_blackbox_signup },
    { "/api/v1/auth/verify-email", NGX_HTTP_POST, P, 1,
      ngx_http_blackbox_verify_email },
    { "/api/v1/auth/verify-email/resend", NGX_HTTP_POST, P, 1,
      ngx_http_blackbox_resend },
    { "/api/v1/auth/login", NGX_HTTP_POST, P, 1,
      ngx_http_blackbox_login },
    { "/api/v1/auth/login/verify", NGX_HTTP_POST, P, 1,
      ngx_http_blackbox_login_verify },
    { "/api/v1/auth/refresh", NGX_HTTP_POST, P, 0,
      ngx_http_blackbox_refresh },
    { "/api/v1/auth/logout", NGX_HTTP_POST, U, 0,
      ngx_http_blackbox_logout },

    { "/api/v1/me", NGX_HTTP_GET, U, 0, ngx_http_blackbox_me },
    { "/api/v1/me", NGX_HTTP_DELETE, U, 0, ngx_http_blackbox_me_delete },
    { "/api/v1/me/password", NGX_HTTP_PUT, U, 1,
      ngx_http_blackbox_me_password },

    { "/api/v1/devices", NGX_HTTP_GET, U, 0,
      ngx_http_blackbox_devices_list },
    { "/api/v1/devices", NGX_HTTP_POST, U, 1,
      ngx_http_blackbox_devices_create },
    { "/api/v1/devices/*", NGX_HTTP_GET, U, 0,
      ngx_http_blackbox_device_get },
    { "/api/v1/devices/*", NGX_HTTP_PATCH, U, 1,
      ngx_http_blackbox_device_patch },
    { "/api/v1/devices/*", NGX_HTTP_DELETE, U, 0,
      ngx_http_blackbox_device_delete },

    { "/api/v1/devices/*/folders", NGX_HTTP_GET, U, 0,
      ngx_http_blackbox_folders },
    { "/api/v1/devices/*/folders/*", NGX_HTTP_DELETE, U, 0,
      ngx_http_blackbox_folder_delete },
    { "/api/v1/devices/*/folders/*", NGX_HTTP_PATCH, U, 0,
      ngx_http_blackbox_folder_rename },
    { "/api/v1/devices/*/folders/*", NGX_HTTP_PUT, U, 0,
      ngx_http_blackbox_folder_rename },
    { "/api/v1/devices/*/folders/*/clips", NGX_HTTP_GET, U, 0,
      ngx_http_blackbox_folder_clips },
    { "/api/v1/clips/*", NGX_HTTP_GET, U, 0, ngx_http_blackbox_clip },
    { "/api/v1/clips/*", NGX_HTTP_DELETE, U, 0,
      ngx_http_blackbox_clip_delete },
    { "/api/v1/clips/*", NGX_HTTP_PATCH, U, 0,
      ngx_http_blackbox_clip_rename },
    { "/api/v1/clips/*", NGX_HTTP_PUT, U, 0,
      ngx_http_blackbox_clip_rename },
    { "/api/v1/clips/*/download", NGX_HTTP_GET, U, 0,
      ngx_http_blackbox_clip_download },
    { "/api/v1/clips/*/thumbnail.jpg", NGX_HTTP_GET, U, 0,
      ngx_http_blackbox_clip_thumbnail },
    { "/api/v1/clips/*/playback", NGX_HTTP_GET, U, 0,
      ngx_http_blackbox_clip_playback },
    { "/api/v1/devices/*/playback", NGX_HTTP_GET, U, 0,
      ngx_http_blackbox_device_playback },

    { "/ingest/v1/devices/*/heartbeat", NGX_HTTP_POST, D, 0,
      ngx_http_blackbox_device_heartbeat },
    { "/ingest/v1/devices/*/events", NGX_HTTP_POST, D, 1,
      ngx_http_blackbox_device_event },
    { "/ingest/v1/devices/*/clips/*", NGX_HTTP_PUT, D, 2,
      ngx_http_blackbox_device_backfill },
    { "/ingest/v1/devices/*/coverage", NGX_HTTP_GET, D, 0,
      ngx_http_blackbox_device_coverage },

    { NULL, 0, 0, 0, NULL }
};

#undef P
#undef U
#undef D


/*
 * Matches the request's path against pattern, segment by segment; "*"
 * takes one non-empty segment, whose text goes to args when args is not
 * NULL.  nginx has decoded and normalised r->uri: "%2f" is a "/" by now
 * and ".." is resolved, so a segment never holds a slash.
 */
static ngx_int_t
ngx_http_blackbox_path_match(ngx_http_request_t *r, const char *pattern,
    ngx_str_t *args)
{
    u_char      *p, *last, *seg;
    ngx_uint_t   n;

    p = r->uri.data;
    last = p + r->uri.len;
    n = 0;

    while (*pattern) {
        if (*pattern == '*') {
            for (seg = p; p < last && *p != '/'; p++) { /* void */ }

            if (p == seg || n == NGX_HTTP_BLACKBOX_ARGS_MAX) {
                return 0;
            }

            if (args != NULL) {
                args[n].data = seg;
                args[n].len = p - seg;
            }

            n++;
            pattern++;
            continue;
        }

        if (p == last || *p != (u_char) *pattern) {
            return 0;
        }

        p++;
        pattern++;
    }

    return p == last;
}


/*
 * The context of this request, made on first use with its route looked up
 * (HEAD is looked up as GET) and its "*" segments copied as C strings.
 * NULL only when memory runs out.
 */
ngx_http_blackbox_ctx_t *
ngx_http_blackbox_ctx(ngx_http_request_t *r)
{
    ngx_str_t                   args[NGX_HTTP_BLACKBOX_ARGS_MAX];
    ngx_uint_t                  method, i;
    ngx_http_blackbox_ctx_t    *ctx;
    ngx_http_blackbox_route_t  *route;

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);
    if (ctx != NULL) {
        return ctx;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_blackbox_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    method = (r->method == NGX_HTTP_HEAD) ? NGX_HTTP_GET : r->method;

    for (route = ngx_http_blackbox_routes; route->path; route++) {
        ngx_memzero(args, sizeof(args));

        if (route->method == method
            && ngx_http_blackbox_path_match(r, route->path, args))
        {
            ctx->route = route;
            break;
        }
    }

    for (i = 0; ctx->route && i < NGX_HTTP_BLACKBOX_ARGS_MAX && args[i].data;
         i++)
    {
        ctx->args[i] = ngx_pnalloc(r->pool, args[i].len + 1);
        if (ctx->args[i] == NULL) {
            return NULL;
        }

        *ngx_cpymem(ctx->args[i], args[i].data, args[i].len) = '\0';
    }

    ngx_http_set_ctx(r, ctx, ngx_http_blackbox_module);

    return ctx;
}


ngx_int_t
ngx_http_blackbox_api_handler(ngx_http_request_t *r)
{
    ngx_http_blackbox_ctx_t  *ctx;

    ctx = ngx_http_blackbox_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->route == NULL) {
        return ngx_http_blackbox_api_wrong_method(r);
    }

    switch (ctx->route->body) {

    case NGX_HTTP_BLACKBOX_BODY_NONE:
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ctx->route->handler(r, NULL);

    case NGX_HTTP_BLACKBOX_BODY_FILE:
        return ngx_http_blackbox_api_file(r);

    default:
        return ngx_http_blackbox_api_body(r);
    }
}


/* A known path with another method: 405 and Allow; else 404. */
static ngx_int_t
ngx_http_blackbox_api_wrong_method(ngx_http_request_t *r)
{
    u_char                     *allow, *p;
    ngx_http_blackbox_route_t  *route;

    allow = ngx_pnalloc(r->pool, sizeof("GET, HEAD, POST, PUT, PATCH, "
                                        "DELETE"));
    if (allow == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = allow;

    for (route = ngx_http_blackbox_routes; route->path; route++) {
        if (!ngx_http_blackbox_path_match(r, route->path, NULL)) {
            continue;
        }

        if (p != allow) {
            p = ngx_cpymem(p, ", ", 2);
        }

        switch (route->method) {
        case NGX_HTTP_GET:    p = ngx_cpymem(p, "GET, HEAD", 9); break;
        case NGX_HTTP_POST:   p = ngx_cpymem(p, "POST", 4); break;
        case NGX_HTTP_PUT:    p = ngx_cpymem(p, "PUT", 3); break;
        case NGX_HTTP_PATCH:  p = ngx_cpymem(p, "PATCH", 5); break;
        default:              p = ngx_cpymem(p, "DELETE", 6); break;
        }
    }

    *p = '\0';

    if (p == allow) {
        return ngx_http_blackbox_send_error(r, NGX_HTTP_NOT_FOUND,
                                            "not_found",
                                            "No such API endpoint.");
    }

    if (ngx_http_blackbox_add_header(r, "Allow", (char *) allow) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                        "method_not_allowed",
                                        "This endpoint does not take that "
                                        "method: see the Allow header.");
}


/* application/json, with or without parameters such as a charset. */
static ngx_int_t
ngx_http_blackbox_is_json(ngx_http_request_t *r)
{
    size_t            len;
    ngx_table_elt_t  *ct;

    ct = r->headers_in.content_type;
    len = sizeof("application/json") - 1;

    return ct != NULL && ct->value.len >= len
           && ngx_strncasecmp(ct->value.data, (u_char *) "application/json",
                              len) == 0
           && (ct->value.len == len || ct->value.data[len] == ';'
               || ct->value.data[len] == ' ');
}


static ngx_int_t
ngx_http_blackbox_api_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if (!ngx_http_blackbox_is_json(r)) {
        return ngx_http_blackbox_api_refuse_body(r,
                   NGX_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                   "Send the body as Content-Type: application/json.");
    }

    if (r->headers_in.content_length_n > NGX_HTTP_BLACKBOX_BODY_MAX) {
        return ngx_http_blackbox_api_refuse_body(r,
                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                   "The body must be at most 64 KiB.");
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_blackbox_api_body_read);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/*
 * A body kept as it is, in a temporary file that nginx removes when the
 * request ends (the handler links it into place if it keeps it: the file
 * must have a name, hence "persistent", which nginx's temporary files
 * otherwise lose at once).  Its size is bounded by the location's
 * client_max_body_size.
 */
static ngx_int_t
ngx_http_blackbox_api_file(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    r->request_body_in_file_only = 1;
    r->request_body_in_persistent_file = 1;
    r->request_body_in_clean_file = 1;
    r->request_body_file_log_level = 0;

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_blackbox_api_file_read);
    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_blackbox_api_file_read(ngx_http_request_t *r)
{
    ngx_http_blackbox_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);

    ngx_http_finalize_request(r, ctx->route->handler(r, NULL));
}


/*
 * Answers before reading the body, and drops it: left unread, it would be
 * taken for the next request on the connection.
 */
static ngx_int_t
ngx_http_blackbox_api_refuse_body(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_error(r, status, code, message);
}


/*
 * The body is in: check its size (a chunked body has no Content-Length),
 * parse it and run the route.  Bodies larger than client_body_buffer_size
 * are on disk, and are refused by size without being read.
 */
static void
ngx_http_blackbox_api_body_read(ngx_http_request_t *r)
{
    off_t                     size;
    u_char                   *data, *p;
    json_t                   *body;
    ngx_buf_t                *b;
    ngx_chain_t              *cl;
    ngx_pool_cleanup_t       *cln;
    ngx_http_blackbox_ctx_t  *ctx;
    char                      err[160];

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);

    size = 0;
    for (cl = r->request_body ? r->request_body->bufs : NULL; cl;
         cl = cl->next)
    {
        size += ngx_buf_size(cl->buf);
    }

    if (size > NGX_HTTP_BLACKBOX_BODY_MAX) {
        ngx_http_finalize_request(r, ngx_http_blackbox_send_error(r,
            NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, "body_too_large",
            "The body must be at most 64 KiB."));
        return;
    }

    data = ngx_pnalloc(r->pool, size + 1);
    if (data == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = data;
    for (cl = r->request_body ? r->request_body->bufs : NULL; cl;
         cl = cl->next)
    {
        b = cl->buf;

        if (b->in_file || !ngx_buf_in_memory(b)) {
            /* Only a body past 64 KiB can have reached a temp file. */
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        p = ngx_cpymem(p, b->pos, b->last - b->pos);
    }

    body = bb_input_parse((char *) data, p - data, err, sizeof(err));
    if (body == NULL) {
        ngx_http_finalize_request(r, ngx_http_blackbox_send_error(r,
            NGX_HTTP_BAD_REQUEST, "invalid_json", err));
        return;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        json_decref(body);
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    cln->handler = ngx_http_blackbox_json_cleanup;
    cln->data = body;

    ngx_http_finalize_request(r, ctx->route->handler(r, body));
}


static void
ngx_http_blackbox_json_cleanup(void *data)
{
    json_decref(data);
}


void
ngx_http_blackbox_call_init(ngx_http_request_t *r, bb_call_t *call)
{
    u_char                         *client;
    ngx_http_blackbox_main_conf_t  *bmcf;

    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    ngx_memzero(call, sizeof(bb_call_t));
    call->conf = &bmcf->account;
    call->client = "unknown";

    /* The connection keeps its address text without a NUL: copy it. */
    client = ngx_pnalloc(r->pool, r->connection->addr_text.len + 1);
    if (client != NULL) {
        *ngx_cpymem(client, r->connection->addr_text.data,
                    r->connection->addr_text.len) = '\0';
        call->client = (char *) client;
    }
}


/* 1 when s is 1 to max decimal digits. */
ngx_int_t
ngx_http_blackbox_digits(const char *s, size_t max)
{
    size_t  n;

    n = ngx_strlen(s);

    return n >= 1 && n <= max && strspn(s, "0123456789") == n;
}


/*
 * The query argument name, %-decoded, as a C string; NULL when absent.  A
 * value holding a NUL byte comes back empty, which no check accepts.
 */
char *
ngx_http_blackbox_query_arg(ngx_http_request_t *r, const char *name)
{
    u_char     *p, *src;
    ngx_str_t   value;

    if (ngx_http_arg(r, (u_char *) name, ngx_strlen(name), &value)
        != NGX_OK)
    {
        return NULL;
    }

    p = ngx_pnalloc(r->pool, value.len + 1);
    if (p == NULL) {
        return NULL;
    }

    src = value.data;
    value.data = p;
    ngx_unescape_uri(&p, &src, value.len, 0);
    *p = '\0';

    if (ngx_strlen(value.data) != (size_t) (p - value.data)) {
        value.data[0] = '\0';
    }

    return (char *) value.data;
}
