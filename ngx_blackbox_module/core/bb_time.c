/*
 * RFC 3339 instants: see bb_time.h.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bb_time.h"


/* The n digits at *p as a number, or -1 when they are not all digits. */
static int
bb_time_digits(const char *p, int n)
{
    int  v;

    for (v = 0; n > 0; n--, p++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }

        v = v * 10 + (*p - '0');
    }

    return v;
}


/* 1 when y-m-d is a day of the Gregorian calendar. */
static int
bb_time_day_exists(int y, int m, int d)
{
    static const int  days[] = { 31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31 };
    int               leap;

    if (m < 1 || m > 12 || d < 1) {
        return 0;
    }

    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return d <= days[m - 1] + (m == 2 && leap);
}


int
bb_time_parse(const char *s, long long *ms)
{
    int         y, mo, d, h, mi, sec, frac, scale, off, oh, om;
    long long   t;
    struct tm   tm;
    const char  *p;

    /*  0123456789012345678
     *  YYYY-MM-DDTHH:MM:SS then [.fraction] then Z or +HH:MM  */
    if (strlen(s) < 20 || s[4] != '-' || s[7] != '-'
        || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    {
        return -1;
    }

    y = bb_time_digits(s, 4);
    mo = bb_time_digits(s + 5, 2);
    d = bb_time_digits(s + 8, 2);
    h = bb_time_digits(s + 11, 2);
    mi = bb_time_digits(s + 14, 2);
    sec = bb_time_digits(s + 17, 2);

    if (y < 1970 || !bb_time_day_exists(y, mo, d) || h < 0 || h > 23
        || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    {
        return -1;
    }

    p = s + 19;
    frac = 0;

    if (*p == '.') {
        p++;

        for (scale = 100; *p >= '0' && *p <= '9'; p++, scale /= 10) {
            if (p - s > 19 + 9) {
                return -1;
            }

            frac += (*p - '0') * scale;
        }

        if (p[-1] == '.') {
            return -1;
        }
    }

    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        off = 0;

    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        oh = bb_time_digits(p + 1, 2);
        om = bb_time_digits(p + 4, 2);

        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return -1;
        }

        off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);

    } else {
        return -1;
    }

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;

    t = (long long) timegm(&tm) - off;
    if (t < 0) {
        return -1;
    }

    *ms = t * 1000 + frac;

    return 0;
}


char *
bb_time_format_ms(long long ms, char *buf)
{
    time_t     t;
    struct tm  tm;

    if (ms < 0) {
        return NULL;
    }

    t = (time_t) (ms / 1000);

    if (gmtime_r(&t, &tm) == NULL) {
        return NULL;
    }

    if (tm.tm_year > 9999 - 1900
        || strftime(buf, BB_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
    {
        return NULL;
    }

    snprintf(buf + 19, BB_TIME_LEN - 19, ".%03dZ", (int) (ms % 1000));

    return buf;
}
