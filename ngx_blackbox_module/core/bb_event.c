/*
 * Impact events: see bb_event.h.
 */

#include <stdio.h>

#include "bb_event.h"
#include "bb_ratelimit.h"

/*
 * Events a device may report a minute.  A real dashcam reports a handful
 * in a crash; more is a loop gone wrong, and each event may mean a mail.
 * Counted per device only: a fleet behind one address reports freely.
 */
#define BB_EVENT_RATE  10


int
bb_event_time_valid(long long at_ms, long long now_ms, long long keep_ms)
{
    return at_ms <= now_ms + BB_EVENT_AHEAD_MS && at_ms > now_ms - keep_ms;
}


bb_status_e
bb_event_record(bb_call_t *call, const char *device_id, long long at_ms,
    const char *g)
{
    int           rc;
    char          at[24], key[96];
    const char   *params[3];

    snprintf(key, sizeof(key), "bb:rl:event:%s", device_id);

    rc = bb_ratelimit_hit(call->conf->redis, call->conf->timeout_ms, key,
                          BB_EVENT_RATE, BB_RATE_WINDOW_S,
                          &call->retry_after, call->log, sizeof(call->log));
    if (rc < 0) {
        return BB_ERR_UNAVAILABLE;
    }

    if (rc == 0) {
        snprintf(call->log, sizeof(call->log), "rate limit of events");
        return BB_ERR_RATE_LIMITED;
    }

    snprintf(at, sizeof(at), "%lld", at_ms);
    params[0] = device_id;
    params[1] = at;
    params[2] = g;

    return bb_call_do(call,
        "INSERT INTO device_events (device_id, type, at, g)"
        " VALUES ($1, 'impact', to_timestamp($2::bigint / 1000.0),"
        "         $3::float8)",
        3, params);
}
