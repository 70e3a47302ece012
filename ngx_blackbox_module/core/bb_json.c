/*
 * A JSON writer that measures and writes with the same calls: see bb_json.h.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bb_json.h"


void
bb_json_init(bb_json_t *j, char *buf, size_t size)
{
    j->buf = buf;
    j->size = size;
    j->len = 0;
}


static void
bb_json_put(bb_json_t *j, const char *p, size_t n)
{
    if (j->buf != NULL && j->len + n <= j->size) {
        memcpy(j->buf + j->len, p, n);
    }

    j->len += n;
}


void
bb_json_raw(bb_json_t *j, const char *s)
{
    bb_json_put(j, s, strlen(s));
}


void
bb_json_str(bb_json_t *j, const char *s)
{
    char                  esc[8];
    unsigned char         c;
    static const char     hex[] = "0123456789abcdef";

    bb_json_put(j, "\"", 1);

    for ( /* void */ ; *s; s++) {
        c = (unsigned char) *s;

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) c;
            bb_json_put(j, esc, 2);

        } else if (c < 0x20 || c == 0x7f) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            bb_json_put(j, esc, 6);

        } else {
            bb_json_put(j, (const char *) &c, 1);
        }
    }

    bb_json_put(j, "\"", 1);
}


void
bb_json_int(bb_json_t *j, long long v)
{
    char  num[24];
    int   n;

    n = snprintf(num, sizeof(num), "%lld", v);
    bb_json_put(j, num, (size_t) n);
}


void
bb_json_key(bb_json_t *j, const char *key, int first)
{
    if (!first) {
        bb_json_put(j, ",", 1);
    }

    bb_json_str(j, key);
    bb_json_put(j, ":", 1);
}


void
bb_json_time(bb_json_t *j, long long t)
{
    char       stamp[32];
    time_t     tt;
    struct tm  tm;

    tt = (time_t) t;

    if (t < 0 || gmtime_r(&tt, &tm) == NULL) {
        bb_json_raw(j, "null");
        return;
    }

    strftime(stamp, sizeof(stamp), "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
    bb_json_raw(j, stamp);
}
