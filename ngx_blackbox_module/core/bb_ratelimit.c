/*
 * Rate limits in Redis: see bb_ratelimit.h.
 */

#include <stdio.h>

#include "bb_ratelimit.h"
#include "bb_redis.h"


static const char  bb_ratelimit_script[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return {n, redis.call('TTL', KEYS[1])}";


int
bb_ratelimit_hit(const char *redis, int timeout_ms, const char *key,
    long limit, int window_s, int *retry_after, char *err, size_t errlen)
{
    long long    hits, ttl;
    redisReply  *reply;

    reply = bb_redis_command(redis, timeout_ms, err, errlen,
                             "EVAL %s 1 %s %d", bb_ratelimit_script, key,
                             window_s);
    if (reply == NULL) {
        return -1;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_INTEGER
        || reply->element[1]->type != REDIS_REPLY_INTEGER)
    {
        snprintf(err, errlen, "unexpected reply to the rate limit script");
        freeReplyObject(reply);
        return -1;
    }

    hits = reply->element[0]->integer;
    ttl = reply->element[1]->integer;
    freeReplyObject(reply);

    *retry_after = ttl > 0 ? (int) ttl : window_s;

    return hits <= limit;
}
