/*
 * The clip library as owners browse it: a device's day folders, a day's
 * clips, one clip.  Path and query values are checked here (a malformed id
 * or date names nothing: 404; a malformed limit or cursor is the caller's
 * mistake: 400); the queries run in the thread pool (core/bb_library.c).
 */

#include "ngx_http_blackbox_module.h"


typedef enum {
    NGX_HTTP_BLACKBOX_FOLDERS,
    NGX_HTTP_BLACKBOX_CLIPS,
    NGX_HTTP_BLACKBOX_CLIP,
    NGX_HTTP_BLACKBOX_DOWNLOAD
} ngx_http_blackbox_library_op_e;


typedef struct {
    ngx_http_blackbox_library_op_e   op;
    bb_call_t                        call;
    bb_status_e                      status;
    long long                        user_id;
    const char                      *args[2];
    int                              limit;
    const char                      *cursor;     /* NULL: the first page */
    char                            *json;       /* malloc'd by the core */
    size_t                           len;
    char                             path[160];  /* download: the file */
    char                             name[160];  /* and its name */
} ngx_http_blackbox_library_job_t;


static void ngx_http_blackbox_library_run(void *data);
static ngx_int_t ngx_http_blackbox_library_done(ngx_http_request_t *r,
    void *data);


/* 1 when s is 1 to max decimal digits. */
static ngx_int_t
ngx_http_blackbox_digits(const char *s, size_t max)
{
    size_t  n;

    n = ngx_strlen(s);

    return n >= 1 && n <= max && strspn(s, "0123456789") == n;
}


/* The query argument name as a C string, or NULL when absent. */
static char *
ngx_http_blackbox_query_arg(ngx_http_request_t *r, const char *name)
{
    u_char     *p;
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

    *ngx_cpymem(p, value.data, value.len) = '\0';

    return (char *) p;
}


static ngx_int_t
ngx_http_blackbox_library_call(ngx_http_request_t *r,
    ngx_http_blackbox_library_op_e op)
{
    char                             *limit;
    ngx_http_blackbox_ctx_t          *ctx;
    ngx_http_blackbox_job_t          *job;
    ngx_http_blackbox_library_job_t  *l;

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);

    job = ngx_http_blackbox_job_create(r,
                                    sizeof(ngx_http_blackbox_library_job_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    l = job->data;
    l->op = op;
    l->user_id = ctx->claims.sub;
    l->args[0] = ctx->args[0];
    l->args[1] = ctx->args[1];
    l->limit = BB_LIBRARY_LIMIT;
    ngx_http_blackbox_call_init(r, &l->call);

    if (op == NGX_HTTP_BLACKBOX_CLIP || op == NGX_HTTP_BLACKBOX_DOWNLOAD
        ? !ngx_http_blackbox_digits(l->args[0], 18)
        : !bb_device_id_valid(l->args[0])
          || (op == NGX_HTTP_BLACKBOX_CLIPS
              && !bb_library_date_valid(l->args[1])))
    {
        return ngx_http_blackbox_send_status(r, BB_ERR_NOT_FOUND, NULL, 0);
    }

    if (op == NGX_HTTP_BLACKBOX_CLIPS) {
        limit = ngx_http_blackbox_query_arg(r, "limit");
        l->cursor = ngx_http_blackbox_query_arg(r, "cursor");

        if (limit != NULL) {
            l->limit = ngx_http_blackbox_digits(limit, 4) ? atoi(limit) : 0;
        }

        if (l->limit < 1 || l->limit > BB_LIBRARY_LIMIT_MAX
            || (l->cursor != NULL && !ngx_http_blackbox_digits(l->cursor, 15)))
        {
            return ngx_http_blackbox_send_error(r, NGX_HTTP_BAD_REQUEST,
                       "invalid_query",
                       "limit is 1 to 1000; cursor is the next_cursor of "
                       "the page before.");
        }
    }

    job->run = ngx_http_blackbox_library_run;
    job->done = ngx_http_blackbox_library_done;

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_folders(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r, NGX_HTTP_BLACKBOX_FOLDERS);
}


ngx_int_t
ngx_http_blackbox_folder_clips(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r, NGX_HTTP_BLACKBOX_CLIPS);
}


ngx_int_t
ngx_http_blackbox_clip(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r, NGX_HTTP_BLACKBOX_CLIP);
}


ngx_int_t
ngx_http_blackbox_clip_download(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r, NGX_HTTP_BLACKBOX_DOWNLOAD);
}


/* In a pool thread. */
static void
ngx_http_blackbox_library_run(void *data)
{
    ngx_http_blackbox_library_job_t  *l = data;

    switch (l->op) {

    case NGX_HTTP_BLACKBOX_FOLDERS:
        l->status = bb_library_folders(&l->call, l->user_id, l->args[0],
                                       &l->json, &l->len);
        break;

    case NGX_HTTP_BLACKBOX_CLIPS:
        l->status = bb_library_clips(&l->call, l->user_id, l->args[0],
                                     l->args[1], l->limit, l->cursor,
                                     &l->json, &l->len);
        break;

    case NGX_HTTP_BLACKBOX_CLIP:
        l->status = bb_library_clip(&l->call, l->user_id, l->args[0],
                                    &l->json, &l->len);
        break;

    case NGX_HTTP_BLACKBOX_DOWNLOAD:
        l->status = bb_library_clip_file(&l->call, l->user_id, l->args[0],
                                         l->path, l->name);
        break;
    }
}


/*
 * Hands the clip to nginx itself: an internal redirect to the storage
 * location (internal, alias of the storage folder), whose static handler
 * sends the file with sendfile, byte ranges and HEAD.  The path came from
 * the clip's own row, never from the request.
 */
static ngx_int_t
ngx_http_blackbox_library_send_file(ngx_http_request_t *r,
    ngx_http_blackbox_library_job_t *l)
{
    u_char     *p, *disposition;
    size_t      len;
    ngx_str_t   uri;

    len = sizeof("/_storage/") - 1 + ngx_strlen(l->path);

    uri.data = ngx_pnalloc(r->pool, len);
    disposition = ngx_pnalloc(r->pool, sizeof("attachment; filename=\"\"")
                                       + ngx_strlen(l->name));
    if (uri.data == NULL || disposition == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    uri.len = ngx_sprintf(uri.data, "/_storage/%s", l->path) - uri.data;

    /* The name is a device id, digits, "-" and "_": nothing to quote. */
    p = ngx_sprintf(disposition, "attachment; filename=\"%s\"", l->name);
    *p = '\0';

    if (ngx_http_blackbox_add_header(r, "Content-Disposition",
                                     (char *) disposition) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ngx_http_internal_redirect(r, &uri, NULL);

    return NGX_DONE;
}


static ngx_int_t
ngx_http_blackbox_library_done(ngx_http_request_t *r, void *data)
{
    ngx_http_blackbox_library_job_t  *l = data;

    if (l->status != BB_OK) {
        return ngx_http_blackbox_send_status(r, l->status, l->call.log, 0);
    }

    if (l->op == NGX_HTTP_BLACKBOX_DOWNLOAD) {
        return ngx_http_blackbox_library_send_file(r, l);
    }

    return ngx_http_blackbox_send_core_json(r, NGX_HTTP_OK, l->json, l->len);
}
