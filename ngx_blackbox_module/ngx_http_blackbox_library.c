/*
 * The clip library: as owners browse it (a device's day folders, a day's
 * clips, one clip, its download; deleting a clip or a day) and as a device
 * sees it (the time it has covered already).  Path and query values are
 * checked here (a malformed id or date names nothing: 404; a malformed
 * query value is the caller's mistake: 400); the queries run in the thread
 * pool (core/bb_library.c).
 */

#include "ngx_http_blackbox_module.h"


typedef enum {
    NGX_HTTP_BLACKBOX_FOLDERS,
    NGX_HTTP_BLACKBOX_CLIPS,
    NGX_HTTP_BLACKBOX_CLIP,
    NGX_HTTP_BLACKBOX_DOWNLOAD,
    NGX_HTTP_BLACKBOX_CLIP_DELETE,
    NGX_HTTP_BLACKBOX_FOLDER_DELETE,
    NGX_HTTP_BLACKBOX_CLIP_RENAME,      /* refused, once it is found */
    NGX_HTTP_BLACKBOX_FOLDER_RENAME,
    NGX_HTTP_BLACKBOX_COVERAGE
} ngx_http_blackbox_library_op_e;

/* A device asks for at most this much coverage at once: 31 days. */
#define NGX_HTTP_BLACKBOX_COVERAGE_MAX_MS  (31LL * 86400 * 1000)
#define NGX_HTTP_BLACKBOX_COVERAGE_MS      (30LL * 86400 * 1000)


typedef struct {
    ngx_http_blackbox_library_op_e   op;
    bb_call_t                        call;
    bb_status_e                      status;
    long long                        user_id;
    const char                      *args[2];
    int                              limit;
    const char                      *cursor;     /* NULL: the first page */
    long long                        from_ms;    /* coverage window */
    long long                        to_ms;
    char                            *json;       /* malloc'd by the core */
    size_t                           len;
    char                             path[160];  /* download: the file */
    char                             name[160];  /* and its name */
} ngx_http_blackbox_library_job_t;


static void ngx_http_blackbox_library_run(void *data);
static ngx_int_t ngx_http_blackbox_library_done(ngx_http_request_t *r,
    void *data);


/*
 * The coverage window from the from= and to= arguments (RFC 3339): to
 * defaults to now, from to 30 days before to.  400 when either is
 * malformed, from is not before to, or the window is over 31 days.
 */
static ngx_int_t
ngx_http_blackbox_coverage_window(ngx_http_request_t *r,
    ngx_http_blackbox_library_job_t *l)
{
    char  *from, *to;

    from = ngx_http_blackbox_query_arg(r, "from");
    to = ngx_http_blackbox_query_arg(r, "to");

    l->to_ms = (long long) ngx_time() * 1000;

    if (to != NULL && bb_time_parse(to, &l->to_ms) != 0) {
        return NGX_ERROR;
    }

    l->from_ms = l->to_ms - NGX_HTTP_BLACKBOX_COVERAGE_MS;

    if (from != NULL && bb_time_parse(from, &l->from_ms) != 0) {
        return NGX_ERROR;
    }

    if (l->from_ms >= l->to_ms
        || l->to_ms - l->from_ms > NGX_HTTP_BLACKBOX_COVERAGE_MAX_MS)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* 1 when the path's values can name something of op's kind. */
static ngx_int_t
ngx_http_blackbox_library_args_valid(ngx_http_blackbox_library_op_e op,
    const char **args)
{
    switch (op) {

    case NGX_HTTP_BLACKBOX_CLIP:
    case NGX_HTTP_BLACKBOX_DOWNLOAD:
    case NGX_HTTP_BLACKBOX_CLIP_DELETE:
    case NGX_HTTP_BLACKBOX_CLIP_RENAME:
        return ngx_http_blackbox_digits(args[0], 18);

    case NGX_HTTP_BLACKBOX_CLIPS:
    case NGX_HTTP_BLACKBOX_FOLDER_DELETE:
    case NGX_HTTP_BLACKBOX_FOLDER_RENAME:
        return bb_device_id_valid(args[0]) && bb_library_date_valid(args[1]);

    default:
        return bb_device_id_valid(args[0]);
    }
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

    if (!ngx_http_blackbox_library_args_valid(op, l->args)) {
        return ngx_http_blackbox_send_status(r, BB_ERR_NOT_FOUND, NULL, 0);
    }

    if (op == NGX_HTTP_BLACKBOX_COVERAGE
        && ngx_http_blackbox_coverage_window(r, l) != NGX_OK)
    {
        return ngx_http_blackbox_send_error(r, NGX_HTTP_BAD_REQUEST,
                   "invalid_query",
                   "from and to are RFC 3339 times, from before to, at "
                   "most 31 days apart.");
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


ngx_int_t
ngx_http_blackbox_clip_delete(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r, NGX_HTTP_BLACKBOX_CLIP_DELETE);
}


ngx_int_t
ngx_http_blackbox_folder_delete(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r,
                                          NGX_HTTP_BLACKBOX_FOLDER_DELETE);
}


/*
 * PATCH or PUT on a clip or a folder: footage keeps the name its time
 * gives it.  Someone else's clip or folder is still not found (404), so
 * that the answer says nothing about what others hold.
 */
ngx_int_t
ngx_http_blackbox_clip_rename(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r, NGX_HTTP_BLACKBOX_CLIP_RENAME);
}


ngx_int_t
ngx_http_blackbox_folder_rename(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r,
                                          NGX_HTTP_BLACKBOX_FOLDER_RENAME);
}


/* GET /ingest/v1/devices/{device_id}/coverage: the key was checked. */
ngx_int_t
ngx_http_blackbox_device_coverage(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_library_call(r, NGX_HTTP_BLACKBOX_COVERAGE);
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

    case NGX_HTTP_BLACKBOX_CLIP_DELETE:
        l->status = bb_library_clip_delete(&l->call, l->user_id,
                                           l->args[0]);
        break;

    case NGX_HTTP_BLACKBOX_FOLDER_DELETE:
        l->status = bb_library_folder_delete(&l->call, l->user_id,
                                             l->args[0], l->args[1]);
        break;

    case NGX_HTTP_BLACKBOX_CLIP_RENAME:
        l->status = bb_library_clip_file(&l->call, l->user_id, l->args[0],
                                         l->path, l->name);
        break;

    case NGX_HTTP_BLACKBOX_FOLDER_RENAME:
        l->status = bb_library_folder_held(&l->call, l->user_id, l->args[0],
                                           l->args[1]);
        break;

    case NGX_HTTP_BLACKBOX_COVERAGE:
        l->status = bb_library_coverage(&l->call, l->args[0], l->from_ms,
                                        l->to_ms, &l->json, &l->len);
        break;
    }
}


static ngx_int_t
ngx_http_blackbox_library_done(ngx_http_request_t *r, void *data)
{
    ngx_http_blackbox_library_job_t  *l = data;

    if (l->status != BB_OK) {
        return ngx_http_blackbox_send_status(r, l->status, l->call.log, 0);
    }

    switch (l->op) {

    case NGX_HTTP_BLACKBOX_DOWNLOAD:
        return ngx_http_blackbox_send_stored(r, l->path, "", l->name);

    case NGX_HTTP_BLACKBOX_CLIP_DELETE:
    case NGX_HTTP_BLACKBOX_FOLDER_DELETE:
        return ngx_http_blackbox_send_no_content(r);

    case NGX_HTTP_BLACKBOX_CLIP_RENAME:
    case NGX_HTTP_BLACKBOX_FOLDER_RENAME:
        if (ngx_http_blackbox_add_header(r, "Allow",
                l->op == NGX_HTTP_BLACKBOX_CLIP_RENAME ? "GET, HEAD, DELETE"
                                                       : "DELETE")
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_blackbox_send_error(r, NGX_HTTP_NOT_ALLOWED,
                   "rename_not_supported",
                   "Clips and day folders are named by their recording "
                   "time and cannot be renamed.");

    default:
        break;
    }

    return ngx_http_blackbox_send_core_json(r, NGX_HTTP_OK, l->json, l->len);
}
