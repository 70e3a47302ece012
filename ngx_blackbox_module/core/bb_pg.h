/*
 * PostgreSQL access with bounded waits, one cached connection per thread.
 *
 * nginx runs database work in its thread pool and the worker daemon runs it
 * on its own thread; both need the same two things: a connection that is
 * reused across calls (a new one costs a fork on the server) and a query that
 * gives up after a deadline instead of hanging on a stalled server.  libpq's
 * own connect_timeout counts in whole seconds and does not bound queries, so
 * this file drives libpq's asynchronous API with poll(2) instead.
 *
 * A connection that failed or timed out is dropped, and the next call of the
 * same thread connects again.
 */

#ifndef BB_PG_H
#define BB_PG_H

#include <stddef.h>
#include <libpq-fe.h>

#include "bb_deadline.h"

/* Why a call failed: SQLSTATE and constraint are empty unless a statement
 * failed on the server (23505 with the unique index's name, say). */
typedef struct {
    char  sqlstate[6];
    char  constraint[64];
    char  text[256];
} bb_pg_err_t;

/*
 * Returns this thread's connection to conninfo, connecting if there is none
 * or the cached one is broken.  On failure returns NULL with a reason in err.
 */
PGconn *bb_pg_conn(const char *conninfo, bb_deadline_t deadline,
    char *err, size_t errlen);

/* Closes this thread's cached connection, if any. */
void bb_pg_conn_drop(void);

/*
 * Runs one parameterised statement on this thread's connection and returns
 * its result, which the caller frees with PQclear.  Returns NULL, with the
 * reason in err, when the server cannot be reached, the deadline passes, or
 * the statement fails; the connection is then dropped unless only the
 * statement failed.
 */
PGresult *bb_pg_exec(const char *conninfo, const char *sql, int nparams,
    const char *const *params, bb_deadline_t deadline, bb_pg_err_t *err);

#endif /* BB_PG_H */
