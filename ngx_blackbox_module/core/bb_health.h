/*
 * The service health check behind GET /api/v1/health.
 *
 * bb_health_probe() does blocking I/O (PostgreSQL, Redis, the storage folder)
 * with every wait bounded by the configured timeout; nginx runs it in its
 * thread pool.  The answer names each dependency with a short public reason,
 * while the full reason (libpq's message, say) stays in `detail` for the log:
 * health is public and must not tell the world our host names.
 */

#ifndef BB_HEALTH_H
#define BB_HEALTH_H

#include <stddef.h>
#include <time.h>

typedef enum {
    BB_HEALTH_POSTGRES = 0,
    BB_HEALTH_REDIS,
    BB_HEALTH_STORAGE,
    BB_HEALTH_INGEST,
    BB_HEALTH_WORKER,
    BB_HEALTH_NCHECKS
} bb_health_check_e;

typedef struct {
    int          ok;
    const char  *reason;        /* public, snake_case; NULL when ok */
    long long    value;         /* free bytes or live nodes; -1 if none */
    char         detail[256];   /* for the log only */
} bb_health_check_t;

typedef struct {
    bb_health_check_t  check[BB_HEALTH_NCHECKS];
} bb_health_t;

typedef struct {
    const char  *postgres;      /* libpq conninfo */
    const char  *redis;         /* host:port or unix:/path */
    const char  *storage;       /* clip storage folder */
    int          timeout_ms;    /* bound on each dependency's answer */
    int          node_max_age;  /* seconds since a daemon's last beat */
} bb_health_conf_t;

/* Checks every dependency; blocks for at most a few times timeout_ms. */
void bb_health_probe(const bb_health_conf_t *conf, time_t now,
    bb_health_t *h);

/* 1 when every check passed. */
int bb_health_ok(const bb_health_t *h);

/* "postgres", "redis", ... */
const char *bb_health_check_name(bb_health_check_e c);

/*
 * Writes the JSON answer (see bb_json.h for the measure-then-write use).
 * Returns the length, which is larger than size when buf was too small.
 */
size_t bb_health_json(const bb_health_t *h, char *buf, size_t size);

#endif /* BB_HEALTH_H */
