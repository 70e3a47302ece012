/*
 * Impact events a dashcam reports: POST /ingest/v1/devices/{id}/events.
 *
 * Recording one is a row: the database marks the clips around it
 * (sql/008_device_events.sql), whether they are stored already or arrive
 * later, and the worker tells the owner.
 */

#ifndef BB_EVENT_H
#define BB_EVENT_H

#include "bb_call.h"

/* A device's clock may run this far ahead of ours. */
#define BB_EVENT_AHEAD_MS  (5LL * 60 * 1000)

/* Above any acceleration a car and its dashcam live through. */
#define BB_EVENT_G_MAX     1000.0

/*
 * 1 when at_ms is a time a device can report an event at, at now_ms: not
 * further ahead than BB_EVENT_AHEAD_MS, not older than the footage kept
 * (keep_ms).
 */
int bb_event_time_valid(long long at_ms, long long now_ms, long long keep_ms);

/*
 * Records an impact of device_id at at_ms with g (its text, a decimal; NULL
 * when the device gave none).  Rate-limited per device: RATE_LIMITED.
 */
bb_status_e bb_event_record(bb_call_t *call, const char *device_id,
    long long at_ms, const char *g);

#endif /* BB_EVENT_H */
