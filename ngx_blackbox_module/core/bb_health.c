/*
 * The service health check: see bb_health.h.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "bb_health.h"
#include "bb_json.h"
#include "bb_node.h"
#include "bb_pg.h"
#include "bb_redis.h"


static const char  *bb_health_names[BB_HEALTH_NCHECKS] = {
    "postgres", "redis", "storage", "ingest", "worker"
};


const char *
bb_health_check_name(bb_health_check_e c)
{
    return bb_health_names[c];
}


static void
bb_health_fail(bb_health_check_t *c, const char *reason)
{
    c->ok = 0;
    c->reason = reason;
}


static void
bb_health_probe_postgres(const bb_health_conf_t *conf, bb_health_check_t *c)
{
    PGresult     *res;
    bb_pg_err_t   err;

    res = bb_pg_exec(conf->postgres, "SELECT 1", 0, NULL,
                     bb_deadline_in(conf->timeout_ms), &err);
    if (res == NULL) {
        snprintf(c->detail, sizeof(c->detail), "%s", err.text);
        bb_health_fail(c, strstr(err.text, "timed out") ? "timeout"
                                                        : "unreachable");
        return;
    }

    PQclear(res);
}


static void
bb_health_probe_redis(const bb_health_conf_t *conf, bb_health_check_t *c)
{
    redisReply  *reply;

    reply = bb_redis_command(conf->redis, conf->timeout_ms,
                             c->detail, sizeof(c->detail), "PING");
    if (reply == NULL) {
        bb_health_fail(c, "unreachable");
        return;
    }

    freeReplyObject(reply);
}


static void
bb_health_probe_storage(const bb_health_conf_t *conf, bb_health_check_t *c)
{
    struct stat     st;
    struct statvfs  vfs;

    if (stat(conf->storage, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(c->detail, sizeof(c->detail), "storage \"%s\" is not a "
                 "folder: %s", conf->storage, strerror(errno));
        bb_health_fail(c, "missing");
        return;
    }

    if (statvfs(conf->storage, &vfs) != 0 || (vfs.f_flag & ST_RDONLY)
        || access(conf->storage, W_OK | X_OK) != 0)
    {
        snprintf(c->detail, sizeof(c->detail), "storage \"%s\" is not "
                 "writable", conf->storage);
        bb_health_fail(c, "not_writable");
        return;
    }

    c->value = (long long) vfs.f_bavail * (long long) vfs.f_frsize;
}


/* A daemon kind is healthy when at least one of its nodes beat recently. */
static void
bb_health_probe_nodes(const bb_health_conf_t *conf, time_t now,
    const char *kind, int redis_ok, bb_health_check_t *c)
{
    long  n;

    if (!redis_ok) {
        snprintf(c->detail, sizeof(c->detail), "redis is down");
        bb_health_fail(c, "unknown");
        return;
    }

    n = bb_node_count_alive(conf->redis, conf->timeout_ms, kind, now,
                            conf->node_max_age, c->detail, sizeof(c->detail));
    if (n < 0) {
        bb_health_fail(c, "unknown");
        return;
    }

    c->value = n;

    if (n == 0) {
        snprintf(c->detail, sizeof(c->detail), "no %s beat in the last %ds",
                 kind, conf->node_max_age);
        bb_health_fail(c, "no_live_node");
    }
}


void
bb_health_probe(const bb_health_conf_t *conf, time_t now, bb_health_t *h)
{
    int  i, redis_ok;

    for (i = 0; i < BB_HEALTH_NCHECKS; i++) {
        h->check[i].ok = 1;
        h->check[i].reason = NULL;
        h->check[i].value = -1;
        h->check[i].detail[0] = '\0';
    }

    bb_health_probe_postgres(conf, &h->check[BB_HEALTH_POSTGRES]);
    bb_health_probe_redis(conf, &h->check[BB_HEALTH_REDIS]);
    bb_health_probe_storage(conf, &h->check[BB_HEALTH_STORAGE]);

    redis_ok = h->check[BB_HEALTH_REDIS].ok;

    bb_health_probe_nodes(conf, now, "ingest", redis_ok,
                          &h->check[BB_HEALTH_INGEST]);
    bb_health_probe_nodes(conf, now, "worker", redis_ok,
                          &h->check[BB_HEALTH_WORKER]);
}


int
bb_health_ok(const bb_health_t *h)
{
    int  i;

    for (i = 0; i < BB_HEALTH_NCHECKS; i++) {
        if (!h->check[i].ok) {
            return 0;
        }
    }

    return 1;
}


/* "Not available: postgres, redis." */
static void
bb_health_json_message(bb_json_t *j, const bb_health_t *h)
{
    int   i, n;
    char  msg[128];
    size_t  len;

    len = (size_t) snprintf(msg, sizeof(msg), "Not available:");

    for (i = 0, n = 0; i < BB_HEALTH_NCHECKS; i++) {
        if (!h->check[i].ok) {
            len += (size_t) snprintf(msg + len, sizeof(msg) - len, "%s %s",
                                     n++ ? "," : "", bb_health_names[i]);
        }
    }

    snprintf(msg + len, sizeof(msg) - len, ".");
    bb_json_str(j, msg);
}


size_t
bb_health_json(const bb_health_t *h, char *buf, size_t size)
{
    int                       i, ok;
    bb_json_t                 j;
    const bb_health_check_t  *c;

    ok = bb_health_ok(h);

    bb_json_init(&j, buf, size);

    bb_json_raw(&j, "{");
    bb_json_key(&j, "status", 1);
    bb_json_str(&j, ok ? "ok" : "unavailable");

    if (!ok) {
        bb_json_key(&j, "error", 0);
        bb_json_str(&j, "service_unavailable");
        bb_json_key(&j, "message", 0);
        bb_health_json_message(&j, h);
    }

    bb_json_key(&j, "checks", 0);
    bb_json_raw(&j, "{");

    for (i = 0; i < BB_HEALTH_NCHECKS; i++) {
        c = &h->check[i];

        bb_json_key(&j, bb_health_names[i], i == 0);
        bb_json_raw(&j, "{");
        bb_json_key(&j, "status", 1);
        bb_json_str(&j, c->ok ? "ok" : "down");

        if (!c->ok) {
            bb_json_key(&j, "reason", 0);
            bb_json_str(&j, c->reason);
        }

        if (c->value >= 0) {
            bb_json_key(&j, i == BB_HEALTH_STORAGE ? "free_bytes" : "nodes",
                        0);
            bb_json_int(&j, c->value);
        }

        bb_json_raw(&j, "}");
    }

    bb_json_raw(&j, "}}\n");

    return j.len;
}
