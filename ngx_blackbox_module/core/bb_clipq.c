/*
 * The clip queue: see bb_clipq.h.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bb_clipq.h"
#include "bb_device.h"
#include "bb_redis.h"


int
bb_clipq_announce(const char *redis, int timeout_ms, const char *device_id,
    long long recorded_at_ms, const char *path, char *err, size_t errlen)
{
    return bb_redis_run(redis, timeout_ms, err, errlen,
                        "XADD " BB_CLIPQ_STREAM " * device_id %s"
                        " recorded_at %lld path %s",
                        device_id, recorded_at_ms, path);
}


/* n decimal digits at p. */
static int
bb_clipq_digits(const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }

    return 1;
}


int
bb_clipq_path_valid(const char *device_id, const char *path)
{
    size_t       n;
    const char  *p;

    if (!bb_device_id_valid(device_id)) {
        return 0;
    }

    n = strlen(device_id);

    if (strncmp(path, device_id, n) != 0 || path[n] != '/') {
        return 0;
    }

    /* "YYYY-MM-DD/HHMMSS.mp4" */
    p = path + n + 1;

    return strlen(p) == 21
           && bb_clipq_digits(p, 4) && p[4] == '-'
           && bb_clipq_digits(p + 5, 2) && p[7] == '-'
           && bb_clipq_digits(p + 8, 2) && p[10] == '/'
           && bb_clipq_digits(p + 11, 6)
           && strcmp(p + 17, ".mp4") == 0;
}


int
bb_clipq_path(const char *device_id, long long ms, char *out, size_t size)
{
    int        n;
    time_t     t;
    struct tm  tm;

    t = (time_t) (ms / 1000);

    if (!bb_device_id_valid(device_id) || ms < 0 || gmtime_r(&t, &tm) == NULL)
    {
        return -1;
    }

    n = snprintf(out, size, "%s/%04d-%02d-%02d/%02d%02d%02d.mp4", device_id,
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);

    return (n > 0 && (size_t) n < size) ? 0 : -1;
}
