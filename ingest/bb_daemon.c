/*
 * What the ingest daemon and the worker have in common: see bb_daemon.h.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bb_daemon.h"
#include "bb_pg.h"
#include "bb_redis.h"

#define BB_DAEMON_TIMEOUT_MS        2000
#define BB_DAEMON_OFFLINE_ALERT_MS  (10 * 3600 * 1000)
#define BB_DAEMON_RETENTION_S       (30LL * 86400)


volatile sig_atomic_t  bb_daemon_stopping;


/* Every directive of the daemons' file, whichever daemon reads it. */
static const char  *bb_daemon_directives[] = {
    "blackbox_postgres",
    "blackbox_redis",
    "blackbox_storage",
    "blackbox_timeout",
    "blackbox_srt_listen",
    "blackbox_device_secret_file",
    "blackbox_srt_idle_timeout",
    "blackbox_srt_max_connections",
    "blackbox_srt_max_bitrate",
    "blackbox_smtp_url",
    "blackbox_mail_from",
    "blackbox_offline_alert",
    "blackbox_retention",
    NULL
};


/* "2026-11-25T04:03:00Z [info] ingest: listening ..." on stderr. */
void
bb_log(const char *level, const char *fmt, ...)
{
    char       stamp[32];
    time_t     now;
    va_list    args;
    struct tm  tm;

    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);

    fprintf(stderr, "%s [%s] ", stamp, level);

    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);

    fputc('\n', stderr);
    fflush(stderr);
}


static void
bb_daemon_on_signal(int signo)
{
    (void) signo;
    bb_daemon_stopping = 1;
}


static void
bb_daemon_signals(void)
{
    struct sigaction  sa;

    memset(&sa, 0, sizeof(sa));

    /* No SA_RESTART: a signal must cut a wait short so that we stop. */
    sa.sa_handler = bb_daemon_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}


int
bb_daemon_init(bb_daemon_t *d, const char *kind, int argc, char **argv)
{
    int                     opt;
    char                    err[512];
    const bb_conf_entry_t  *e;

    memset(d, 0, sizeof(bb_daemon_t));
    d->kind = kind;

    while ((opt = getopt(argc, argv, "c:")) != -1) {
        if (opt != 'c') {
            fprintf(stderr, "usage: %s -c CONFIG_FILE\n", argv[0]);
            return -1;
        }

        d->config_path = optarg;
    }

    if (d->config_path == NULL || optind != argc) {
        fprintf(stderr, "usage: %s -c CONFIG_FILE\n", argv[0]);
        return -1;
    }

    if (bb_conf_load(&d->conf, d->config_path, err, sizeof(err)) != 0) {
        bb_log("emerg", "%s: %s", kind, err);
        return -1;
    }

    e = bb_conf_unknown(&d->conf, bb_daemon_directives);
    if (e != NULL) {
        bb_log("emerg", "%s: unknown directive \"%s\" in %s:%d", kind,
               e->name, d->config_path, e->line);
        return -1;
    }

    d->postgres = bb_conf_get(&d->conf, "blackbox_postgres",
                              "host=127.0.0.1 dbname=blackbox");
    d->redis = bb_conf_get(&d->conf, "blackbox_redis", "127.0.0.1:6379");
    d->storage = bb_conf_get(&d->conf, "blackbox_storage",
                             "/var/lib/blackbox/storage");
    d->smtp_url = bb_conf_get(&d->conf, "blackbox_smtp_url",
                              "smtp://127.0.0.1:25");
    d->mail_from = bb_conf_get(&d->conf, "blackbox_mail_from",
                               "blackbox@localhost");

    if (bb_conf_get_ms(&d->conf, "blackbox_timeout", BB_DAEMON_TIMEOUT_MS,
                       &d->timeout_ms, err, sizeof(err)) != 0)
    {
        bb_log("emerg", "%s: %s in \"%s\"", kind, err, d->config_path);
        return -1;
    }

    if (bb_conf_get_ms(&d->conf, "blackbox_offline_alert",
                       BB_DAEMON_OFFLINE_ALERT_MS, &d->offline_alert_ms,
                       err, sizeof(err)) != 0)
    {
        bb_log("emerg", "%s: %s in \"%s\"", kind, err, d->config_path);
        return -1;
    }

    if (bb_conf_get_seconds(&d->conf, "blackbox_retention",
                            BB_DAEMON_RETENTION_S, &d->retention_s,
                            err, sizeof(err)) != 0)
    {
        bb_log("emerg", "%s: %s in \"%s\"", kind, err, d->config_path);
        return -1;
    }

    bb_node_name(d->node, sizeof(d->node));
    bb_daemon_signals();

    return 0;
}


void
bb_daemon_tick(bb_daemon_t *d)
{
    char    err[256];
    time_t  now;

    now = time(NULL);
    if (now - d->last_beat < BB_DAEMON_BEAT_S) {
        return;
    }

    d->last_beat = now;

    if (bb_node_beat(d->redis, d->timeout_ms, d->kind, d->node, now,
                     err, sizeof(err)) != 0)
    {
        if (!d->beat_failing) {
            bb_log("error", "%s: cannot beat into redis \"%s\": %s",
                   d->kind, d->redis, err);
            d->beat_failing = 1;
        }

        return;
    }

    if (d->beat_failing) {
        bb_log("notice", "%s: redis \"%s\" is back", d->kind, d->redis);
        d->beat_failing = 0;
    }
}


void
bb_daemon_exit(bb_daemon_t *d)
{
    char  err[256];

    if (bb_node_leave(d->redis, d->timeout_ms, d->kind, d->node,
                      err, sizeof(err)) != 0)
    {
        bb_log("warn", "%s: cannot leave the live set: %s", d->kind, err);
    }

    bb_log("notice", "%s: stopped", d->kind);
    bb_redis_conn_drop();
    bb_pg_conn_drop();
    bb_conf_free(&d->conf);
}


PGresult *
bb_daemon_sql(bb_daemon_t *d, const char *what, int *failing,
    const char *sql, int n, const char *const *params)
{
    PGresult     *res;
    bb_pg_err_t   err;

    res = bb_pg_exec(d->postgres, sql, n, params,
                     bb_deadline_in(d->timeout_ms), &err);
    if (res == NULL && !*failing) {
        bb_log("error", "%s: %s wait: %s", d->kind, what, err.text);
        *failing = 1;
    }

    return res;
}


int
bb_daemon_sql_do(bb_daemon_t *d, const char *what, int *failing,
    const char *sql, int n, const char *const *params)
{
    PGresult  *res;

    res = bb_daemon_sql(d, what, failing, sql, n, params);
    PQclear(res);

    return res ? 0 : -1;
}
