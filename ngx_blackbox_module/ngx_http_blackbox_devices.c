/*
 * Dashcams: an owner's devices, and the heartbeat a device sends.
 *
 * As for accounts, the body's shape is checked here and the work is done
 * by the core (core/bb_device.c) in the thread pool.  A device id in the
 * path that is not well formed is simply not found: it can name no row,
 * and it never reaches a file name.
 */

#include "ngx_http_blackbox_module.h"


typedef enum {
    NGX_HTTP_BLACKBOX_DEVICES_LIST,
    NGX_HTTP_BLACKBOX_DEVICE_CREATE,
    NGX_HTTP_BLACKBOX_DEVICE_GET,
    NGX_HTTP_BLACKBOX_DEVICE_PATCH,
    NGX_HTTP_BLACKBOX_DEVICE_DELETE,
    NGX_HTTP_BLACKBOX_DEVICE_HEARTBEAT,
    NGX_HTTP_BLACKBOX_DEVICE_BACKFILL
} ngx_http_blackbox_device_op_e;


typedef struct {
    ngx_http_blackbox_device_op_e   op;
    bb_call_t                       call;
    bb_status_e                     status;
    long long                       user_id;
    time_t                          now;
    const char                     *device_id;
    const char                     *in[2];
    char                            key[BB_DEVICE_KEY_LEN + 1];
    char                           *json;       /* malloc'd by the core */
    size_t                          len;
    const char                     *storage;    /* back-fill: */
    const char                     *body_path;  /* the spooled body */
    long long                       recorded_ms;
    int                             created;
} ngx_http_blackbox_device_job_t;


static bb_field_t  ngx_http_blackbox_device_create_fields[] = {
    { "device_id", 256, 0 },
    { "nickname", 4 * BB_NICKNAME_MAX, 0 },
};

static bb_field_t  ngx_http_blackbox_device_patch_fields[] = {
    { "nickname", 4 * BB_NICKNAME_MAX, 1 },
    { "time_zone", 64, 1 },
};


static void ngx_http_blackbox_device_run(void *data);
static ngx_int_t ngx_http_blackbox_device_done(ngx_http_request_t *r,
    void *data);


/* Creates the job of op, for the device named in the path (if any). */
static ngx_http_blackbox_device_job_t *
ngx_http_blackbox_device_job(ngx_http_request_t *r,
    ngx_http_blackbox_device_op_e op, ngx_http_blackbox_job_t **jobp)
{
    ngx_http_blackbox_job_t         *job;
    ngx_http_blackbox_ctx_t         *ctx;
    ngx_http_blackbox_device_job_t  *d;

    job = ngx_http_blackbox_job_create(r,
                                     sizeof(ngx_http_blackbox_device_job_t));
    if (job == NULL) {
        return NULL;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);

    d = job->data;
    d->op = op;
    d->now = ngx_time();
    d->user_id = ctx->claims.sub;
    d->device_id = ctx->args[0];
    ngx_http_blackbox_call_init(r, &d->call);

    job->run = ngx_http_blackbox_device_run;
    job->done = ngx_http_blackbox_device_done;
    *jobp = job;

    return d;
}


/* Posts a job on the device named in the path; 404 for a malformed id. */
static ngx_int_t
ngx_http_blackbox_device_call(ngx_http_request_t *r,
    ngx_http_blackbox_device_op_e op)
{
    ngx_http_blackbox_job_t         *job;
    ngx_http_blackbox_device_job_t  *d;

    d = ngx_http_blackbox_device_job(r, op, &job);
    if (d == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (d->device_id != NULL && !bb_device_id_valid(d->device_id)) {
        return ngx_http_blackbox_send_status(r, BB_ERR_NOT_FOUND, NULL, 0);
    }

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_devices_list(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_device_call(r, NGX_HTTP_BLACKBOX_DEVICES_LIST);
}


ngx_int_t
ngx_http_blackbox_device_get(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_device_call(r, NGX_HTTP_BLACKBOX_DEVICE_GET);
}


ngx_int_t
ngx_http_blackbox_device_delete(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_device_call(r, NGX_HTTP_BLACKBOX_DEVICE_DELETE);
}


ngx_int_t
ngx_http_blackbox_device_heartbeat(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_device_call(r,
                                         NGX_HTTP_BLACKBOX_DEVICE_HEARTBEAT);
}


/*
 * PUT /ingest/v1/devices/{device_id}/clips/{recorded_at}.mp4: the body is
 * in a temporary file by now (the route says so), and the device's key
 * was checked in the access phase.
 */
ngx_int_t
ngx_http_blackbox_device_backfill(ngx_http_request_t *r, json_t *body)
{
    ngx_http_blackbox_ctx_t         *ctx;
    ngx_http_blackbox_job_t         *job;
    ngx_http_blackbox_main_conf_t   *bmcf;
    ngx_http_blackbox_device_job_t  *d;

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);
    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    d = ngx_http_blackbox_device_job(r, NGX_HTTP_BLACKBOX_DEVICE_BACKFILL,
                                     &job);
    if (d == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (bb_backfill_time(ctx->args[1], &d->recorded_ms) != 0) {
        return ngx_http_blackbox_send_error(r, NGX_HTTP_BAD_REQUEST,
                   "invalid_recorded_at",
                   "Name the clip by its start time in UTC: "
                   "/clips/2026-11-25T04:03:00Z.mp4.");
    }

    if (r->request_body == NULL || r->request_body->temp_file == NULL) {
        return ngx_http_blackbox_send_status(r, BB_ERR_NOT_A_CLIP,
                                             "empty body", 0);
    }

    d->storage = bmcf->health.storage;
    d->body_path = (char *) r->request_body->temp_file->file.name.data;

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_devices_create(ngx_http_request_t *r, json_t *body)
{
    bb_problems_t                    problems;
    ngx_http_blackbox_job_t         *job;
    ngx_http_blackbox_device_job_t  *d;

    d = ngx_http_blackbox_device_job(r, NGX_HTTP_BLACKBOX_DEVICE_CREATE,
                                     &job);
    if (d == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    problems.n = 0;
    bb_input_fields(body, ngx_http_blackbox_device_create_fields, 2, d->in,
                    &problems);

    if (d->in[0] != NULL && !bb_device_id_valid(d->in[0])) {
        bb_input_problem(&problems, "device_id",
                         "must be 3 to 64 characters of A-Z, a-z, 0-9, "
                         "'.', '_' or '-'");
    }

    if (d->in[1] != NULL && !bb_nickname_valid(d->in[1])) {
        bb_input_problem(&problems, "nickname",
                         "must be 1 to 64 characters, without control "
                         "characters");
    }

    if (problems.n > 0) {
        return ngx_http_blackbox_send_problems(r, NGX_HTTP_BAD_REQUEST,
                                               "invalid_fields",
                                               "Some fields are missing or "
                                               "wrong: see \"fields\".",
                                               &problems);
    }

    d->device_id = d->in[0];

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_device_patch(ngx_http_request_t *r, json_t *body)
{
    bb_problems_t                    problems;
    ngx_http_blackbox_job_t         *job;
    ngx_http_blackbox_device_job_t  *d;

    d = ngx_http_blackbox_device_job(r, NGX_HTTP_BLACKBOX_DEVICE_PATCH, &job);
    if (d == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!bb_device_id_valid(d->device_id)) {
        return ngx_http_blackbox_send_status(r, BB_ERR_NOT_FOUND, NULL, 0);
    }

    problems.n = 0;
    bb_input_fields(body, ngx_http_blackbox_device_patch_fields, 2, d->in,
                    &problems);

    if (d->in[0] != NULL && !bb_nickname_valid(d->in[0])) {
        bb_input_problem(&problems, "nickname",
                         "must be 1 to 64 characters, without control "
                         "characters");
    }

    if (problems.n == 0 && d->in[0] == NULL && d->in[1] == NULL) {
        bb_input_problem(&problems, "nickname",
                         "give a nickname, a time_zone or both");
    }

    if (problems.n > 0) {
        return ngx_http_blackbox_send_problems(r, NGX_HTTP_BAD_REQUEST,
                                               "invalid_fields",
                                               "Some fields are missing or "
                                               "wrong: see \"fields\".",
                                               &problems);
    }

    return ngx_http_blackbox_job_post(r, job);
}


/* In a pool thread. */
static void
ngx_http_blackbox_device_run(void *data)
{
    ngx_http_blackbox_device_job_t  *d = data;

    bb_call_t  *call = &d->call;

    switch (d->op) {

    case NGX_HTTP_BLACKBOX_DEVICES_LIST:
        d->status = bb_device_list(call, d->user_id, d->now, &d->json,
                                   &d->len);
        break;

    case NGX_HTTP_BLACKBOX_DEVICE_CREATE:
        d->status = bb_device_register(call, d->user_id, d->device_id,
                                       d->in[1], d->now, d->key, &d->json,
                                       &d->len);
        break;

    case NGX_HTTP_BLACKBOX_DEVICE_GET:
        d->status = bb_device_get(call, d->user_id, d->device_id, d->now,
                                  &d->json, &d->len);
        break;

    case NGX_HTTP_BLACKBOX_DEVICE_PATCH:
        d->status = bb_device_update(call, d->user_id, d->device_id,
                                     d->in[0], d->in[1], d->now, &d->json,
                                     &d->len);
        break;

    case NGX_HTTP_BLACKBOX_DEVICE_DELETE:
        d->status = bb_device_delete(call, d->user_id, d->device_id);
        break;

    case NGX_HTTP_BLACKBOX_DEVICE_HEARTBEAT:
        d->status = bb_device_heartbeat(call, d->device_id, d->now);
        break;

    case NGX_HTTP_BLACKBOX_DEVICE_BACKFILL:
        d->status = bb_backfill_store(call, d->storage, d->device_id,
                                      d->recorded_ms, d->body_path,
                                      &d->created);
        break;
    }
}


/*
 * The registered device's answer: its JSON object with the key added, the
 * one time the key is ever shown, and the SRT URL that carries it, as the
 * dashcam (or ffmpeg, to try) calls it.
 */
static u_char *
ngx_http_blackbox_device_with_key(ngx_http_request_t *r,
    ngx_http_blackbox_device_job_t *d, size_t *len)
{
    size_t                          addr_len;
    u_char                         *json, *p;
    ngx_str_t                      *addr;
    ngx_http_blackbox_main_conf_t  *bmcf;

    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);
    addr = &bmcf->srt_address;
    addr_len = addr->len + ngx_escape_json(NULL, addr->data, addr->len);

    /* d->json is "{...}\n": insert the key and the URL after the brace. */
    json = ngx_pnalloc(r->pool, d->len
                       + sizeof("\"device_key\":\"\",\"srt_url\":\"srt://"
                                "?streamid=#!::u=,m=publish&passphrase=\",")
                       + 2 * BB_DEVICE_KEY_LEN + addr_len
                       + BB_DEVICE_ID_MAX);
    if (json == NULL) {
        return NULL;
    }

    /* The id was validated and the key is hex: neither needs escaping. */
    p = ngx_sprintf(json, "{\"device_key\":\"%s\",\"srt_url\":\"srt://",
                    d->key);
    p = (u_char *) ngx_escape_json(p, addr->data, addr->len);
    p = ngx_sprintf(p, "?streamid=#!::u=%s,m=publish&passphrase=%s\",",
                    d->device_id, d->key);
    p = ngx_cpymem(p, d->json + 1, d->len - 1);
    *len = p - json;

    return json;
}


static ngx_int_t
ngx_http_blackbox_device_done(ngx_http_request_t *r, void *data)
{
    ngx_http_blackbox_device_job_t  *d = data;

    size_t   len;
    u_char  *json;

    if (d->status != BB_OK) {
        free(d->json);
        return ngx_http_blackbox_send_status(r, d->status, d->call.log,
                                             d->call.retry_after);
    }

    if (d->op == NGX_HTTP_BLACKBOX_DEVICE_DELETE
        || d->op == NGX_HTTP_BLACKBOX_DEVICE_HEARTBEAT)
    {
        return ngx_http_blackbox_send_no_content(r);
    }

    if (d->op == NGX_HTTP_BLACKBOX_DEVICE_BACKFILL) {
        len = sizeof("{\"device_id\":\"\",\"recorded_at\":\"\","
                     "\"stored\":false}\n") + BB_DEVICE_ID_MAX + 32;
        json = ngx_pnalloc(r->pool, len);
        if (json == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /*
         * The id was validated (no quote), and the time too: its first 20
         * characters, before ".mp4".
         */
        len = ngx_sprintf(json, "{\"device_id\":\"%s\",\"recorded_at\":"
                          "\"%*s\",\"stored\":%s}\n", d->device_id,
                          (size_t) 20, ngx_http_blackbox_ctx(r)->args[1],
                          d->created ? "true" : "false") - json;

        return ngx_http_blackbox_send_json(r, d->created ? NGX_HTTP_CREATED
                                                         : NGX_HTTP_OK,
                                           json, len);
    }

    if (d->op != NGX_HTTP_BLACKBOX_DEVICE_CREATE) {
        return ngx_http_blackbox_send_core_json(r, NGX_HTTP_OK, d->json,
                                                d->len);
    }

    json = ngx_http_blackbox_device_with_key(r, d, &len);
    free(d->json);

    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_json(r, NGX_HTTP_CREATED, json, len);
}
