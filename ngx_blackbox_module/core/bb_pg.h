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
#include <stdint.h>
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

/*
 * The same, with the result in binary format: for large results of
 * numbers and arrays, which the server then sends without formatting
 * them as text and the caller reads without parsing (a day's playlist
 * rows).  Read the values with the accessors below.
 */
PGresult *bb_pg_exec_binary(const char *conninfo, const char *sql,
    int nparams, const char *const *params, bb_deadline_t deadline,
    bb_pg_err_t *err);

/* A binary int4, int8 of row i, column col (not NULL: the caller knows). */
int32_t bb_pg_int4(const PGresult *res, int i, int col);
int64_t bb_pg_int8(const PGresult *res, int i, int col);

/*
 * A binary one-dimensional int4[] without NULLs into v (at most max
 * values; v NULL only counts them).  Returns the count, or -1 for anything
 * else (a NULL array, more
 * than max values, a NULL element, another element type or shape).
 */
int bb_pg_int4_array(const PGresult *res, int i, int col, int32_t *v,
    int max);

#endif /* BB_PG_H */
