/*
 * GET /api/v1/health: is every dependency of this server reachable?
 *
 * The probe (core/bb_health.c) talks to PostgreSQL and Redis and looks at the
 * storage folder, so it runs in the thread pool: a dead or stalled database
 * makes health answer 503 after the configured timeout while the event loop
 * goes on serving everything else.
 */

#include "ngx_http_blackbox_module.h"


typedef struct {
    const bb_health_conf_t  *conf;
    time_t                   now;
    bb_health_t              health;
} ngx_http_blackbox_health_ctx_t;


static void ngx_http_blackbox_health_run(void *data);
static ngx_int_t ngx_http_blackbox_health_done(ngx_http_request_t *r,
    void *data);


ngx_int_t
ngx_http_blackbox_health_handler(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_http_blackbox_job_t         *job;
    ngx_http_blackbox_main_conf_t   *bmcf;
    ngx_http_blackbox_health_ctx_t  *ctx;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        if (ngx_http_blackbox_add_header(r, "Allow", "GET, HEAD") != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_blackbox_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                            "method_not_allowed",
                                            "Health answers GET and HEAD.");
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    job = ngx_http_blackbox_job_create(r,
                                 sizeof(ngx_http_blackbox_health_ctx_t));
    if (job == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = job->data;
    ctx->conf = &bmcf->health;
    ctx->now = ngx_time();

    job->run = ngx_http_blackbox_health_run;
    job->done = ngx_http_blackbox_health_done;

    return ngx_http_blackbox_job_post(r, job);
}


static void
ngx_http_blackbox_health_run(void *data)
{
    ngx_http_blackbox_health_ctx_t  *ctx = data;

    bb_health_probe(ctx->conf, ctx->now, &ctx->health);
}


static ngx_int_t
ngx_http_blackbox_health_done(ngx_http_request_t *r, void *data)
{
    ngx_http_blackbox_health_ctx_t  *ctx = data;

    int                  i;
    size_t               len;
    u_char              *json;
    bb_health_check_t   *c;

    for (i = 0; i < BB_HEALTH_NCHECKS; i++) {
        c = &ctx->health.check[i];

        if (!c->ok) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "health: %s is %s: %s",
                          bb_health_check_name(i), c->reason, c->detail);
        }
    }

    len = bb_health_json(&ctx->health, NULL, 0);

    json = ngx_pnalloc(r->pool, len);
    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (bb_health_json(&ctx->health, (char *) json, len) != len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "health: json length changed between passes");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_json(r, bb_health_ok(&ctx->health)
                                          ? NGX_HTTP_OK
                                          : NGX_HTTP_SERVICE_UNAVAILABLE,
                                       json, len);
}
