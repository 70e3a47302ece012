/*
 * Redis access with bounded waits, one cached connection per thread.
 *
 * Like bb_pg.h: nginx's thread pool and the daemons share it.  hiredis's
 * blocking API is used with a socket timeout on connect and on every reply,
 * so a stalled Redis costs a caller at most timeout_ms per command.
 *
 * Addresses are "host:port" or "unix:/path/to/socket".
 */

#ifndef BB_REDIS_H
#define BB_REDIS_H

#include <stddef.h>
#include <hiredis/hiredis.h>

#define BB_REDIS_HOST_MAX  256

typedef struct {
    char  host[BB_REDIS_HOST_MAX];  /* host name, or socket path when unix */
    int   port;                     /* 0 for a unix socket */
} bb_redis_addr_t;

/* Parses addr; returns 0, or -1 with a reason in err. */
int bb_redis_addr_parse(const char *addr, bb_redis_addr_t *out,
    char *err, size_t errlen);

/* Closes this thread's cached connection, if any. */
void bb_redis_conn_drop(void);

/*
 * Runs one command (hiredis format string) on this thread's connection to
 * addr and returns the reply, which the caller frees with freeReplyObject.
 * Returns NULL with a reason in err on a connection error, a timeout or an
 * error reply; the connection is dropped unless the reply was an error.
 */
redisReply *bb_redis_command(const char *addr, int timeout_ms,
    char *err, size_t errlen, const char *fmt, ...);

/* bb_redis_command with its arguments as an array (argc of them). */
redisReply *bb_redis_argv(const char *addr, int timeout_ms, char *err,
    size_t errlen, int argc, const char **argv);

/* bb_redis_command for a command whose reply only says it worked: 0 or -1. */
int bb_redis_run(const char *addr, int timeout_ms, char *err, size_t errlen,
    const char *fmt, ...);

#endif /* BB_REDIS_H */
