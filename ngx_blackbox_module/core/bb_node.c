/*
 * Which daemons are alive: see bb_node.h.
 */

#include <stdio.h>
#include <unistd.h>

#include "bb_node.h"
#include "bb_redis.h"

/* A node silent for this long is forgotten altogether. */
#define BB_NODE_FORGET_S  86400


void
bb_node_name(char *name, size_t size)
{
    char  host[64];

    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(host, sizeof(host), "localhost");
    }

    host[sizeof(host) - 1] = '\0';

    snprintf(name, size, "%s:%ld", host, (long) getpid());
}


int
bb_node_beat(const char *redis, int timeout_ms, const char *kind,
    const char *name, time_t now, char *err, size_t errlen)
{
    if (bb_redis_run(redis, timeout_ms, err, errlen,
                     "ZADD bb:nodes:%s %lld %s",
                     kind, (long long) now, name) != 0)
    {
        return -1;
    }

    return bb_redis_run(redis, timeout_ms, err, errlen,
                        "ZREMRANGEBYSCORE bb:nodes:%s -inf %lld",
                        kind, (long long) (now - BB_NODE_FORGET_S));
}


int
bb_node_leave(const char *redis, int timeout_ms, const char *kind,
    const char *name, char *err, size_t errlen)
{
    return bb_redis_run(redis, timeout_ms, err, errlen,
                        "ZREM bb:nodes:%s %s", kind, name);
}


long
bb_node_count_alive(const char *redis, int timeout_ms, const char *kind,
    time_t now, int max_age, char *err, size_t errlen)
{
    long         n;
    redisReply  *reply;

    reply = bb_redis_command(redis, timeout_ms, err, errlen,
                             "ZCOUNT bb:nodes:%s %lld +inf",
                             kind, (long long) (now - max_age));
    if (reply == NULL) {
        return -1;
    }

    if (reply->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "unexpected reply to ZCOUNT");
        freeReplyObject(reply);
        return -1;
    }

    n = (long) reply->integer;
    freeReplyObject(reply);

    return n;
}
