/*
 * What the ingest daemon and the worker have in common: the command line,
 * the shared directives of the configuration file, logging, stopping on a
 * signal, and beating into Redis so that health checks see them alive.
 */

#ifndef BB_DAEMON_H
#define BB_DAEMON_H

#include <signal.h>
#include <time.h>

#include <libpq-fe.h>

#include "bb_conf.h"
#include "bb_node.h"

/* Seconds between two beats of a live daemon (see bb_node.h). */
#define BB_DAEMON_BEAT_S  2

typedef struct {
    const char  *kind;          /* "ingest" or "worker" */
    const char  *config_path;
    bb_conf_t    conf;

    const char  *postgres;      /* blackbox_postgres */
    const char  *redis;         /* blackbox_redis */
    const char  *storage;       /* blackbox_storage */
    int          timeout_ms;    /* blackbox_timeout */
    const char  *smtp_url;      /* blackbox_smtp_url (worker) */
    const char  *mail_from;     /* blackbox_mail_from (worker) */
    int          offline_alert_ms;  /* blackbox_offline_alert (worker) */
    long long    retention_s;   /* blackbox_retention (worker) */

    char         node[BB_NODE_NAME_MAX];
    time_t       last_beat;
    int          beat_failing;  /* log a Redis outage once, not every beat */
    int          outbox_failing;  /* the same for the outbox's PostgreSQL */
} bb_daemon_t;

extern volatile sig_atomic_t  bb_daemon_stopping;

void bb_log(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Parses "-c FILE", loads and checks it, and reads the shared directives.
 * Returns 0, or -1 after logging why; the caller exits non-zero.
 */
int bb_daemon_init(bb_daemon_t *d, const char *kind, int argc, char **argv);

/* Beats when due; call at least once a second. */
void bb_daemon_tick(bb_daemon_t *d);

/* Leaves the set of live nodes and releases the configuration. */
void bb_daemon_exit(bb_daemon_t *d);

/*
 * Runs one statement of a periodic pass (what: "notices", "retention") on
 * the daemon's PostgreSQL.  An outage is logged once, at its first failed
 * statement (*failing is then set; the pass clears it when it works
 * again), not at every pass.  Returns the result (PQclear it) or NULL.
 */
PGresult *bb_daemon_sql(bb_daemon_t *d, const char *what, int *failing,
    const char *sql, int n, const char *const *params);

/* The same for a statement whose result is not needed: 0 or -1. */
int bb_daemon_sql_do(bb_daemon_t *d, const char *what, int *failing,
    const char *sql, int n, const char *const *params);

#endif /* BB_DAEMON_H */
