/*
 * What every API call of the core does alike: see bb_call.h.
 */

#include <stdio.h>

#include "bb_call.h"
#include "bb_ratelimit.h"


static PGresult *
bb_call_run(bb_call_t *call, const char *sql, int n,
    const char *const *params, int binary, bb_pg_err_t *err)
{
    PGresult       *res;
    bb_deadline_t   deadline;

    deadline = bb_deadline_in(call->conf->timeout_ms);
    res = binary ? bb_pg_exec_binary(call->conf->postgres, sql, n, params,
                                     deadline, err)
                 : bb_pg_exec(call->conf->postgres, sql, n, params, deadline,
                              err);
    if (res == NULL) {
        snprintf(call->log, sizeof(call->log), "postgres: %s", err->text);
    }

    return res;
}


PGresult *
bb_call_sql(bb_call_t *call, const char *sql, int n,
    const char *const *params, bb_pg_err_t *err)
{
    return bb_call_run(call, sql, n, params, 0, err);
}


PGresult *
bb_call_sql_binary(bb_call_t *call, const char *sql, int n,
    const char *const *params, bb_pg_err_t *err)
{
    return bb_call_run(call, sql, n, params, 1, err);
}


bb_status_e
bb_call_do(bb_call_t *call, const char *sql, int n,
    const char *const *params)
{
    PGresult     *res;
    bb_pg_err_t   err;

    res = bb_call_sql(call, sql, n, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    PQclear(res);

    return BB_OK;
}


bb_status_e
bb_call_rate(bb_call_t *call, const char *what, const char *name)
{
    int          i, rc, retry;
    char         key[160];
    const char  *who[2];

    who[0] = name;
    who[1] = call->client;

    for (i = 0; i < 2; i++) {
        snprintf(key, sizeof(key), "bb:rl:%s:%c:%s", what, "ua"[i], who[i]);

        rc = bb_ratelimit_hit(call->conf->redis, call->conf->timeout_ms,
                              key, call->conf->rate_limit, BB_RATE_WINDOW_S,
                              &retry, call->log, sizeof(call->log));
        if (rc < 0) {
            return BB_ERR_UNAVAILABLE;
        }

        if (rc == 0) {
            call->retry_after = retry;
            snprintf(call->log, sizeof(call->log), "rate limit of %s by %s",
                     what, i ? "address" : "name");
            return BB_ERR_RATE_LIMITED;
        }
    }

    return BB_OK;
}
