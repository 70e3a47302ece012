/*
 * Redis access with bounded waits: see bb_redis.h.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "bb_deadline.h"
#include "bb_redis.h"


static __thread redisContext  *bb_redis_cached;


int
bb_redis_addr_parse(const char *addr, bb_redis_addr_t *out,
    char *err, size_t errlen)
{
    long         port;
    size_t       hostlen;
    char        *end;
    const char  *colon, *host;

    memset(out, 0, sizeof(bb_redis_addr_t));

    if (strncmp(addr, "unix:", 5) == 0) {
        if (addr[5] != '/' || strlen(addr + 5) >= BB_REDIS_HOST_MAX) {
            snprintf(err, errlen, "redis address \"%s\" needs an absolute "
                     "socket path after \"unix:\"", addr);
            return -1;
        }

        strcpy(out->host, addr + 5);
        return 0;
    }

    colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr) {
        goto invalid;
    }

    host = addr;
    hostlen = (size_t) (colon - addr);

    /* "[::1]:6379": the brackets only delimit the IPv6 address. */
    if (host[0] == '[') {
        if (hostlen < 3 || host[hostlen - 1] != ']') {
            goto invalid;
        }

        host++;
        hostlen -= 2;
    }

    port = isdigit((unsigned char) colon[1]) ? strtol(colon + 1, &end, 10)
                                             : 0;

    if (port < 1 || port > 65535 || *end != '\0'
        || hostlen >= BB_REDIS_HOST_MAX)
    {
        goto invalid;
    }

    memcpy(out->host, host, hostlen);
    out->port = (int) port;

    return 0;

invalid:

    snprintf(err, errlen, "redis address \"%s\" is not host:port", addr);
    return -1;
}


void
bb_redis_conn_drop(void)
{
    if (bb_redis_cached != NULL) {
        redisFree(bb_redis_cached);
        bb_redis_cached = NULL;
    }
}


static redisContext *
bb_redis_conn(const char *addr, int timeout_ms, char *err, size_t errlen)
{
    redisContext     *c;
    struct timeval    tv;
    bb_redis_addr_t   a;

    if (bb_redis_cached != NULL) {
        if (!bb_idle_fd_readable(bb_redis_cached->fd)) {
            return bb_redis_cached;
        }

        /* Redis never speaks unasked: the server closed this connection. */
        bb_redis_conn_drop();
    }

    if (bb_redis_addr_parse(addr, &a, err, errlen) != 0) {
        return NULL;
    }

    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;

    c = a.port ? redisConnectWithTimeout(a.host, a.port, tv)
               : redisConnectUnixWithTimeout(a.host, tv);

    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (c->err || redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(err, errlen, "cannot connect: %s", c->errstr);
        redisFree(c);
        return NULL;
    }

    bb_redis_cached = c;

    return c;
}


/* A reply, or NULL with err set: connection errors drop the connection. */
static redisReply *
bb_redis_check(redisContext *c, redisReply *reply, char *err, size_t errlen)
{
    if (reply == NULL) {
        snprintf(err, errlen, "connection lost: %s", c->errstr);
        bb_redis_conn_drop();
        return NULL;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "redis error: %s", reply->str);
        freeReplyObject(reply);
        return NULL;
    }

    return reply;
}


redisReply *
bb_redis_argv(const char *addr, int timeout_ms, char *err, size_t errlen,
    int argc, const char **argv)
{
    redisContext  *c;

    c = bb_redis_conn(addr, timeout_ms, err, errlen);
    if (c == NULL) {
        return NULL;
    }

    return bb_redis_check(c, redisCommandArgv(c, argc, argv, NULL), err,
                          errlen);
}


static redisReply *
bb_redis_vcommand(const char *addr, int timeout_ms, char *err, size_t errlen,
    const char *fmt, va_list args)
{
    redisReply    *reply;
    redisContext  *c;

    c = bb_redis_conn(addr, timeout_ms, err, errlen);
    if (c == NULL) {
        return NULL;
    }

    reply = redisvCommand(c, fmt, args);

    return bb_redis_check(c, reply, err, errlen);
}


redisReply *
bb_redis_command(const char *addr, int timeout_ms, char *err, size_t errlen,
    const char *fmt, ...)
{
    va_list      args;
    redisReply  *reply;

    va_start(args, fmt);
    reply = bb_redis_vcommand(addr, timeout_ms, err, errlen, fmt, args);
    va_end(args);

    return reply;
}


int
bb_redis_run(const char *addr, int timeout_ms, char *err, size_t errlen,
    const char *fmt, ...)
{
    va_list      args;
    redisReply  *reply;

    va_start(args, fmt);
    reply = bb_redis_vcommand(addr, timeout_ms, err, errlen, fmt, args);
    va_end(args);

    if (reply == NULL) {
        return -1;
    }

    freeReplyObject(reply);

    return 0;
}
