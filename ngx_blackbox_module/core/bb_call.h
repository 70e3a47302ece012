/*
 * One API call as the core sees it: the configuration every call shares,
 * who is asking, and what went wrong, for the log.
 */

#ifndef BB_CALL_H
#define BB_CALL_H

#include <stddef.h>

#include "bb_pg.h"
#include "bb_status.h"

#define BB_RATE_WINDOW_S  60

typedef struct {
    const char           *postgres;
    const char           *redis;
    int                   timeout_ms;
    const unsigned char  *secret;      /* signs tokens, keys code hashes */
    size_t                secret_len;
    int                   token_ttl;   /* seconds */
    int                   session_ttl; /* seconds: the web app's cookie */
    long                  rate_limit;  /* tries a minute, per name and
                                          per client address */
    const unsigned char  *device_secret;  /* derives device keys */
    size_t                device_secret_len;
    int                   online_window;  /* seconds since a heartbeat */
    const char           *storage;        /* the clip storage folder */
} bb_api_conf_t;

/* One call: its configuration, who asks, and what went wrong. */
typedef struct {
    const bb_api_conf_t  *conf;
    const char           *client;       /* address, for rate limits */
    int                   retry_after;  /* set with RATE_LIMITED */
    char                  log[320];     /* why, for the error log */
} bb_call_t;


/* Runs sql; on failure notes why in call->log, err tells the kind. */
PGresult *bb_call_sql(bb_call_t *call, const char *sql, int n,
    const char *const *params, bb_pg_err_t *err);

/* The same, its result in binary format (bb_pg_exec_binary). */
PGresult *bb_call_sql_binary(bb_call_t *call, const char *sql, int n,
    const char *const *params, bb_pg_err_t *err);

/* Runs sql for its effect only: BB_OK or BB_ERR_UNAVAILABLE. */
bb_status_e bb_call_do(bb_call_t *call, const char *sql, int n,
    const char *const *params);

/*
 * Counts a try of what ("login") by name and by the client's address;
 * BB_ERR_RATE_LIMITED (with call->retry_after) if either is over the
 * configured limit a minute, BB_ERR_UNAVAILABLE if Redis cannot say.
 */
bb_status_e bb_call_rate(bb_call_t *call, const char *what,
    const char *name);

#endif /* BB_CALL_H */
