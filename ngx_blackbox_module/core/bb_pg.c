/*
 * PostgreSQL access with bounded waits: see bb_pg.h.
 */

#include <stdio.h>
#include <string.h>

#include "bb_pg.h"


static __thread PGconn  *bb_pg_cached;


static void
bb_pg_reason(char *err, size_t errlen, const char *what, PGconn *conn)
{
    size_t       n;
    const char  *msg;

    msg = conn ? PQerrorMessage(conn) : "";
    snprintf(err, errlen, "%s%s%s", what, *msg ? ": " : "", msg);

    /* libpq ends its messages with a newline; log lines must not. */
    n = strlen(err);
    while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r')) {
        err[--n] = '\0';
    }
}


void
bb_pg_conn_drop(void)
{
    if (bb_pg_cached != NULL) {
        PQfinish(bb_pg_cached);
        bb_pg_cached = NULL;
    }
}


static PGconn *
bb_pg_connect(const char *conninfo, bb_deadline_t deadline,
    char *err, size_t errlen)
{
    int                      ready;
    PGconn                  *conn;
    PostgresPollingStatusType  st;

    conn = PQconnectStart(conninfo);
    if (conn == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (PQstatus(conn) == CONNECTION_BAD) {
        bb_pg_reason(err, errlen, "cannot connect", conn);
        PQfinish(conn);
        return NULL;
    }

    /* libpq's documented start: act as if the last poll asked to write. */
    st = PGRES_POLLING_WRITING;

    while (st != PGRES_POLLING_OK) {
        if (st == PGRES_POLLING_FAILED) {
            bb_pg_reason(err, errlen, "cannot connect", conn);
            PQfinish(conn);
            return NULL;
        }

        ready = bb_wait_fd(PQsocket(conn), st == PGRES_POLLING_WRITING,
                           deadline);
        if (ready <= 0) {
            snprintf(err, errlen, ready == 0 ? "connection timed out"
                                             : "poll failed while connecting");
            PQfinish(conn);
            return NULL;
        }

        st = PQconnectPoll(conn);
    }

    if (PQsetnonblocking(conn, 1) != 0) {
        bb_pg_reason(err, errlen, "cannot set non-blocking mode", conn);
        PQfinish(conn);
        return NULL;
    }

    return conn;
}


PGconn *
bb_pg_conn(const char *conninfo, bb_deadline_t deadline,
    char *err, size_t errlen)
{
    /*
     * Data on an idle connection is, in practice, the server's "terminating
     * connection" before it hangs up (a restart, a fast shutdown).
     */
    if (bb_pg_cached != NULL
        && (PQstatus(bb_pg_cached) != CONNECTION_OK
            || bb_idle_fd_readable(PQsocket(bb_pg_cached))))
    {
        bb_pg_conn_drop();
    }

    if (bb_pg_cached == NULL) {
        bb_pg_cached = bb_pg_connect(conninfo, deadline, err, errlen);
    }

    return bb_pg_cached;
}


/* Sends the whole query buffer, waiting for the socket as needed. */
static int
bb_pg_flush(PGconn *conn, bb_deadline_t deadline)
{
    int  rc;

    while ((rc = PQflush(conn)) == 1) {
        if (bb_wait_fd(PQsocket(conn), 1, deadline) <= 0) {
            return -1;
        }
    }

    return rc;
}


/* Collects the results of the query in flight and keeps the last one. */
static PGresult *
bb_pg_collect(PGconn *conn, bb_deadline_t deadline, int *timed_out)
{
    PGresult  *res, *last;

    last = NULL;
    *timed_out = 0;

    for ( ;; ) {
        while (PQisBusy(conn)) {
            if (bb_wait_fd(PQsocket(conn), 0, deadline) <= 0) {
                *timed_out = 1;
                PQclear(last);
                return NULL;
            }

            if (!PQconsumeInput(conn)) {
                PQclear(last);
                return NULL;
            }
        }

        res = PQgetResult(conn);
        if (res == NULL) {
            return last;
        }

        PQclear(last);
        last = res;
    }
}


/* Copies a diagnostic field of res into dst, or "" when absent. */
static void
bb_pg_field(char *dst, size_t size, const PGresult *res, int field)
{
    const char  *v;

    v = PQresultErrorField(res, field);
    snprintf(dst, size, "%s", v ? v : "");
}


static PGresult *
bb_pg_run(const char *conninfo, const char *sql, int nparams,
    const char *const *params, int binary, bb_deadline_t deadline,
    bb_pg_err_t *e)
{
    int             timed_out;
    char           *err;
    size_t          errlen;
    PGconn         *conn;
    PGresult       *res;
    ExecStatusType  st;

    e->sqlstate[0] = '\0';
    e->constraint[0] = '\0';
    err = e->text;
    errlen = sizeof(e->text);

    conn = bb_pg_conn(conninfo, deadline, err, errlen);
    if (conn == NULL) {
        return NULL;
    }

    if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL,
                           binary)
        || bb_pg_flush(conn, deadline) != 0)
    {
        bb_pg_reason(err, errlen, "cannot send query", conn);
        bb_pg_conn_drop();
        return NULL;
    }

    res = bb_pg_collect(conn, deadline, &timed_out);

    if (res == NULL) {
        if (timed_out) {
            snprintf(err, errlen, "query timed out");

        } else {
            bb_pg_reason(err, errlen, "connection lost", conn);
        }

        /* The server may still answer later: never reuse this connection. */
        bb_pg_conn_drop();
        return NULL;
    }

    st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        bb_pg_field(e->sqlstate, sizeof(e->sqlstate), res, PG_DIAG_SQLSTATE);
        bb_pg_field(e->constraint, sizeof(e->constraint), res,
                    PG_DIAG_CONSTRAINT_NAME);
        snprintf(err, errlen, "query failed: %s",
                 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                 ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "?");
        PQclear(res);

        if (PQstatus(conn) != CONNECTION_OK) {
            bb_pg_conn_drop();
        }

        return NULL;
    }

    return res;
}


PGresult *
bb_pg_exec(const char *conninfo, const char *sql, int nparams,
    const char *const *params, bb_deadline_t deadline, bb_pg_err_t *err)
{
    return bb_pg_run(conninfo, sql, nparams, params, 0, deadline, err);
}


PGresult *
bb_pg_exec_binary(const char *conninfo, const char *sql, int nparams,
    const char *const *params, bb_deadline_t deadline, bb_pg_err_t *err)
{
    return bb_pg_run(conninfo, sql, nparams, params, 1, deadline, err);
}


/* Network byte order, from any alignment. */
static uint32_t
bb_pg_be32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}


int32_t
bb_pg_int4(const PGresult *res, int i, int col)
{
    if (PQgetlength(res, i, col) != 4) {
        return 0;
    }

    return (int32_t) bb_pg_be32((unsigned char *) PQgetvalue(res, i, col));
}


int64_t
bb_pg_int8(const PGresult *res, int i, int col)
{
    const unsigned char  *p;

    if (PQgetlength(res, i, col) != 8) {
        return 0;
    }

    p = (unsigned char *) PQgetvalue(res, i, col);

    return (int64_t) ((uint64_t) bb_pg_be32(p) << 32 | bb_pg_be32(p + 4));
}


/*
 * The binary array, as array_send writes it:
 *
 *     ndim | has nulls | element oid | (size | lower bound) x ndim |
 *     (length | bytes) x size                   all int32, big-endian
 */
int
bb_pg_int4_array(const PGresult *res, int i, int col, int32_t *v, int max)
{
    int                   len, n, k;
    uint32_t              size;
    const unsigned char  *p;

    if (PQgetisnull(res, i, col)) {
        return -1;
    }

    p = (unsigned char *) PQgetvalue(res, i, col);
    len = PQgetlength(res, i, col);

    /* An empty array has no dimensions. */
    if (len >= 12 && bb_pg_be32(p) == 0) {
        return 0;
    }

    /* 23: int4's oid */
    if (len < 20 || bb_pg_be32(p) != 1 || bb_pg_be32(p + 4) != 0
        || bb_pg_be32(p + 8) != 23)
    {
        return -1;
    }

    size = bb_pg_be32(p + 12);
    if (size > (uint32_t) max || (size_t) len != 20 + (size_t) size * 8) {
        return -1;
    }

    n = (int) size;
    p += 20;

    for (k = 0; k < n; k++, p += 8) {
        if (bb_pg_be32(p) != 4) {
            return -1;
        }

        if (v != NULL) {
            v[k] = (int32_t) bb_pg_be32(p + 4);
        }
    }

    return n;
}
