/*
 * POST /ingest/v1/devices/{device_id}/events: a dashcam reports an impact,
 * {"type": "impact", "at": "<RFC 3339>", "g": <number, optional>}.  The
 * device's key was checked in the access phase; the body is checked here
 * on the event loop, and the row written in the thread pool (core/
 * bb_event.h).  202: the clips around it are marked and the owner will be
 * told, by the database and the worker, not by this request.
 */

#include <math.h>

#include "ngx_http_blackbox_module.h"
#include "bb_event.h"


typedef struct {
    bb_call_t     call;
    bb_status_e   status;
    const char   *device_id;
    long long     at_ms;
    char          g[32];        /* empty: none given */
} ngx_http_blackbox_event_job_t;


static bb_field_t  ngx_http_blackbox_event_fields[] = {
    { "type", 16, 0 },
    { "at", 40, 0 },
};


static void ngx_http_blackbox_event_run(void *data);
static ngx_int_t ngx_http_blackbox_event_done(ngx_http_request_t *r,
    void *data);


/*
 * Takes "g" out of body (the field table knows strings only) and writes it
 * as decimal text into e->g; notes a problem when it is not a number in
 * [0, BB_EVENT_G_MAX].
 */
static void
ngx_http_blackbox_event_g(json_t *body, ngx_http_blackbox_event_job_t *e,
    bb_problems_t *problems)
{
    double   g;
    json_t  *v;

    v = json_object_get(body, "g");
    if (v == NULL) {
        return;
    }

    g = json_is_number(v) ? json_number_value(v) : NAN;

    if (!(g >= 0 && g <= BB_EVENT_G_MAX)) {
        bb_input_problem(problems, "g", "must be a number from 0 to 1000");

    } else {
        snprintf(e->g, sizeof(e->g), "%.6g", g);
    }

    (void) json_object_del(body, "g");
}


ngx_int_t
ngx_http_blackbox_device_event(ngx_http_request_t *r, json_t *body)
{
    const char                     *in[2];
    bb_problems_t                   problems;
    ngx_http_blackbox_ctx_t        *ctx;
    ngx_http_blackbox_job_t        *job;
    ngx_http_blackbox_main_conf_t  *bmcf;
    ngx_http_blackbox_event_job_t  *e;

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);
    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    job = ngx_http_blackbox_job_create(r,
                                      sizeof(ngx_http_blackbox_event_job_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    e = job->data;
    e->device_id = ctx->args[0];
    ngx_http_blackbox_call_init(r, &e->call);

    problems.n = 0;

    ngx_http_blackbox_event_g(body, e, &problems);
    (void) bb_input_fields(body, ngx_http_blackbox_event_fields,
                           sizeof(ngx_http_blackbox_event_fields)
                           / sizeof(ngx_http_blackbox_event_fields[0]),
                           in, &problems);

    if (in[0] != NULL && ngx_strcmp(in[0], "impact") != 0) {
        bb_input_problem(&problems, "type", "must be \"impact\"");
    }

    if (in[1] != NULL && bb_time_parse(in[1], &e->at_ms) != 0) {
        bb_input_problem(&problems, "at", "must be an RFC 3339 time");
        in[1] = NULL;
    }

    if (problems.n > 0) {
        return ngx_http_blackbox_send_problems(r, NGX_HTTP_BAD_REQUEST,
                   "invalid_fields",
                   "Some fields are missing or wrong: see \"fields\".",
                   &problems);
    }

    if (!bb_event_time_valid(e->at_ms, (long long) ngx_time() * 1000,
                             (long long) bmcf->retention * 1000))
    {
        return ngx_http_blackbox_send_error(r, NGX_HTTP_BAD_REQUEST,
                   "invalid_event_time",
                   "The event's time is too far from now: check the "
                   "dashcam's clock.");
    }

    job->run = ngx_http_blackbox_event_run;
    job->done = ngx_http_blackbox_event_done;

    return ngx_http_blackbox_job_post(r, job);
}


/* In a pool thread. */
static void
ngx_http_blackbox_event_run(void *data)
{
    ngx_http_blackbox_event_job_t  *e = data;

    e->status = bb_event_record(&e->call, e->device_id, e->at_ms,
                                e->g[0] ? e->g : NULL);
}


static ngx_int_t
ngx_http_blackbox_event_done(ngx_http_request_t *r, void *data)
{
    ngx_http_blackbox_event_job_t  *e = data;

    char     at[32];
    u_char  *json, *p;

    if (e->status != BB_OK) {
        return ngx_http_blackbox_send_status(r, e->status, e->call.log,
                                             e->call.retry_after);
    }

    json = ngx_pnalloc(r->pool, sizeof("{\"device_id\":\"\",\"type\":\"impact\","
                                       "\"at\":\"\",\"g\":}\n")
                                + BB_DEVICE_ID_MAX + sizeof(at)
                                + sizeof(e->g) + sizeof("null"));
    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    bb_time_format_ms(e->at_ms, at);

    /* The id was validated: nothing to escape; g is our own decimal. */
    p = ngx_sprintf(json, "{\"device_id\":\"%s\",\"type\":\"impact\","
                    "\"at\":\"%s\",\"g\":%s}\n", e->device_id, at,
                    e->g[0] ? e->g : "null");

    return ngx_http_blackbox_send_json(r, NGX_HTTP_ACCEPTED, json, p - json);
}
