/*
 * Rate limits in Redis, shared by every nginx worker and every server.
 *
 * A fixed window per key: the first hit starts a window of window_s
 * seconds, and hits past limit within it are refused until it ends.  One
 * EVAL per hit, so the count and its expiry are set atomically.
 */

#ifndef BB_RATELIMIT_H
#define BB_RATELIMIT_H

#include <stddef.h>

/*
 * Counts one hit on key ("bb:rl:<what>:<who>").  Returns 1 when allowed,
 * 0 when over the limit (with the seconds until the window ends in
 * retry_after), or -1 with a reason in err when Redis cannot answer.
 */
int bb_ratelimit_hit(const char *redis, int timeout_ms, const char *key,
    long limit, int window_s, int *retry_after, char *err, size_t errlen);

#endif /* BB_RATELIMIT_H */
