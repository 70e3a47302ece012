/*
 * Unit tests of core/bb_backfill.c's time parsing and core/bb_clipq.c's
 * path building: the two ends of a back-filled clip's name, which must
 * agree to the second and never name anything but a well-formed time.
 */

#include <string.h>

#include "bb_backfill.h"
#include "bb_clipq.h"
#include "tap.h"


static void
test_time(void)
{
    static const struct {
        const char  *segment;
        long long    ms;        /* -1: refused */
    } cases[] = {
        { "2026-11-25T04:03:00Z.mp4", 1795579380000LL },
        { "1970-01-01T00:00:00Z.mp4", 0 },
        { "2024-02-29T23:59:59Z.mp4", 1709251199000LL },
        { "2026-02-29T00:00:00Z.mp4", -1 },     /* not a leap year */
        { "2026-02-30T00:00:00Z.mp4", -1 },
        { "2026-13-01T00:00:00Z.mp4", -1 },
        { "2026-00-01T00:00:00Z.mp4", -1 },
        { "2026-11-25T24:00:00Z.mp4", -1 },
        { "2026-11-25T23:60:00Z.mp4", -1 },
        { "2026-11-25T23:59:60Z.mp4", -1 },
        { "2026-11-25T04:03:00Z.mov", -1 },
        { "2026-11-25T04:03:00Z", -1 },
        { "2026-11-25T04:03:00.mp4", -1 },
        { "2026-11-25 04:03:00Z.mp4", -1 },
        { "+026-11-25T04:03:00Z.mp4", -1 },
        { "2026-1-25T04:03:00Z.mp4x", -1 },
        { "2026-11-25T04:03:00Z.mp4.mp4", -1 },
        { "../../etc/passwd", -1 },
        { "now.mp4", -1 },
        { "", -1 },
    };

    size_t     i;
    long long  ms;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ms = -1;

        if (cases[i].ms < 0) {
            ok(bb_backfill_time(cases[i].segment, &ms) == -1,
               "\"%s\" refused", cases[i].segment);

        } else {
            ok(bb_backfill_time(cases[i].segment, &ms) == 0
               && ms == cases[i].ms, "\"%s\" is %lld ms", cases[i].segment,
               cases[i].ms);
        }
    }
}


static void
test_path(void)
{
    char  path[160], small[20];

    ok(bb_clipq_path("cam-01", 1795579380000LL, path, sizeof(path)) == 0,
       "a path for cam-01");
    is_str(path, "cam-01/2026-11-25/040300.mp4", "in UTC, to the second");
    ok(bb_clipq_path_valid("cam-01", path), "which the indexer accepts");

    ok(bb_clipq_path("cam-01", 1795579380999LL, path, sizeof(path)) == 0
       && strcmp(path, "cam-01/2026-11-25/040300.mp4") == 0,
       "milliseconds do not change the second");
    ok(bb_clipq_path("..", 0, path, sizeof(path)) == -1,
       "a malformed device id has no path");
    ok(bb_clipq_path("cam-01", -1, path, sizeof(path)) == -1,
       "nor a time before 1970");
    ok(bb_clipq_path("cam-01", 0, small, sizeof(small)) == -1,
       "a buffer too small is refused");
}


int
main(void)
{
    test_time();
    test_path();

    return done_testing();
}
