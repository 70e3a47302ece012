/*
 * Unit tests of bb_time: RFC 3339 instants in, milliseconds out, and the
 * millisecond form the API writes.
 */

#include <stdio.h>
#include <string.h>

#include "bb_time.h"
#include "tap.h"


static void
test_time_parse(void)
{
    static const struct {
        const char  *in;
        long long    ms;
    } good[] = {
        { "1970-01-01T00:00:00Z", 0 },
        { "2026-11-25T04:03:00Z", 1795579380000LL },
        { "2026-11-25t04:03:00z", 1795579380000LL },
        { "2026-11-25T13:03:00+09:00", 1795579380000LL },
        { "2026-11-24T23:03:00-05:00", 1795579380000LL },
        { "2026-11-25T04:03:00.5Z", 1795579380500LL },
        { "2026-11-25T04:03:00.123456789Z", 1795579380123LL },
        { "2024-02-29T12:00:00Z", 1709208000000LL },
        { "2000-02-29T00:00:00Z", 951782400000LL },
    };
    static const char  *bad[] = {
        "", "2026-11-25", "2026-11-25T04:03:00", "2026-11-25 04:03:00Z",
        "2026-11-25T04:03Z", "2026-11-25T24:00:00Z", "2026-11-25T04:60:00Z",
        "2026-11-25T04:03:60Z", "2026-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
        "1969-12-31T23:59:59Z", "1970-01-01T00:00:00+01:00",
        "2026-11-25T04:03:00.Z", "2026-11-25T04:03:00.1234567890Z",
        "2026-11-25T04:03:00+9:00", "2026-11-25T04:03:00+09:60",
        "2026-11-25T04:03:00+24:00", "2026-11-25T04:03:00+0900",
        "2026-11-25T04:03:00Z ", " 2026-11-25T04:03:00Z",
        "+026-11-25T04:03:00Z", "2026-1-25T04:03:00Z", "2026-11-25T04:03:00ZZ",
        "2026-11-25T04:03:00UTC",
    };
    size_t     i;
    long long  ms;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ms = -1;
        ok(bb_time_parse(good[i].in, &ms) == 0 && ms == good[i].ms,
           "\"%s\" is %lld ms (got %lld)", good[i].in, good[i].ms, ms);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ok(bb_time_parse(bad[i], &ms) == -1, "\"%s\" is refused", bad[i]);
    }
}


static void
test_time_format(void)
{
    char  buf[BB_TIME_LEN];

    ok(bb_time_format_ms(1795579380000LL, buf) != NULL
       && strcmp(buf, "2026-11-25T04:03:00.000Z") == 0,
       "whole seconds: .000Z (%s)", buf);
    ok(bb_time_format_ms(1795579439300LL, buf) != NULL
       && strcmp(buf, "2026-11-25T04:03:59.300Z") == 0,
       "milliseconds kept (%s)", buf);
    ok(bb_time_format_ms(0, buf) != NULL
       && strcmp(buf, "1970-01-01T00:00:00.000Z") == 0, "the epoch");
    ok(bb_time_format_ms(-1, buf) == NULL, "before 1970: NULL");
    ok(bb_time_format_ms(1LL << 60, buf) == NULL, "past year 9999: NULL");
}


int
main(void)
{
    test_time_parse();
    test_time_format();

    return done_testing();
}
