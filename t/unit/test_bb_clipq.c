/*
 * Unit tests of bb_clipq_path_valid: the only path a clip entry may name is
 * "<device_id>/<YYYY-MM-DD>/<HHMMSS>.mp4", so that no entry on the queue
 * makes a worker open a file outside that device's folder.  Announcing
 * needs Redis and is left to the HTTP tests.
 *
 * Each case is one line: device id, path, and whether it is accepted.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_clipq.h"
#include "bb_device.h"
#include "tap.h"

#define GOOD  "cam-01/2026-11-25/122300.mp4"


static void
test_path(void)
{
    static const struct {
        const char  *name;
        const char  *device;
        const char  *path;
        int          want;
    } cases[] = {
        { "a clip of the device", "cam-01", GOOD, 1 },
        { "first second of the day", "cam-01",
          "cam-01/2026-11-25/000000.mp4", 1 },
        { "id of every class", "A.z_9-", "A.z_9-/2026-11-25/235959.mp4", 1 },
        { "id of three dots (no id starts with one)", "...",
          ".../2026-11-25/122300.mp4", 0 },
        { "the ingest's staging folder as an id", ".recording",
          ".recording/2026-11-25/122300.mp4", 0 },
        { "64-character id",
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._",
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._"
          "/2026-11-25/122300.mp4", 1 },

        /* Another device's folder. */
        { "another device", "cam-02", GOOD, 0 },
        { "id case differs", "CAM-01", GOOD, 0 },
        { "path's id longer (no slash after the prefix)", "cam-01",
          "cam-011/2026-11-25/122300.mp4", 0 },
        { "path's id shorter", "cam-011", GOOD, 0 },
        { "path's id with a suffix", "cam-01",
          "cam-01x/2026-11-25/122300.mp4", 0 },
        { "id repeated", "cam-01", "cam-01/cam-01/2026-11-25/122300.mp4", 0 },

        /* Out of the folder. */
        { "../ first", "cam-01", "../cam-01/2026-11-25/122300.mp4", 0 },
        { "../ after the id", "cam-01", "cam-01/../2026-11-25/122300.mp4",
          0 },
        { "../ after the day", "cam-01",
          "cam-01/2026-11-25/../122300.mp4", 0 },
        { "../ to another device", "cam-01",
          "cam-01/../cam-02/2026-11-25/122300.mp4", 0 },
        { "../ in the day's place", "cam-01",
          "cam-01/../../../etc/passwd", 0 },
        { ".. as the day", "cam-01", "cam-01/../122300.mp4", 0 },
        { "./ after the id", "cam-01", "cam-01/./2026-11-25/122300.mp4", 0 },
        { "absolute path", "cam-01", "/cam-01/2026-11-25/122300.mp4", 0 },
        { "absolute system path", "cam-01", "/etc/passwd", 0 },
        { "two leading slashes", "cam-01",
          "//cam-01/2026-11-25/122300.mp4", 0 },
        { "double slash after the id", "cam-01",
          "cam-01//2026-11-25/122300.mp4", 0 },
        { "double slash after the day", "cam-01",
          "cam-01/2026-11-25//122300.mp4", 0 },
        { "home directory", "cam-01", "~/cam-01/2026-11-25/122300.mp4", 0 },

        /* Missing parts. */
        { "no device", "cam-01", "2026-11-25/122300.mp4", 0 },
        { "no day", "cam-01", "cam-01/122300.mp4", 0 },
        { "no file", "cam-01", "cam-01/2026-11-25", 0 },
        { "no file, trailing slash", "cam-01", "cam-01/2026-11-25/", 0 },
        { "only the id", "cam-01", "cam-01", 0 },
        { "only the id and a slash", "cam-01", "cam-01/", 0 },
        { "no time", "cam-01", "cam-01/2026-11-25/.mp4", 0 },
        { "no extension", "cam-01", "cam-01/2026-11-25/122300", 0 },
        { "no extension, a dot", "cam-01", "cam-01/2026-11-25/122300.", 0 },
        { "no day of the month", "cam-01", "cam-01/2026-11/122300.mp4", 0 },
        { "short year", "cam-01", "cam-01/26-11-25/122300.mp4", 0 },
        { "one-digit month", "cam-01", "cam-01/2026-1-25/122300.mp4", 0 },
        { "one-digit day", "cam-01", "cam-01/2026-11-5/1223000.mp4", 0 },
        { "HHMM only", "cam-01", "cam-01/2026-11-25/1223.mp4", 0 },
        { "7-digit time", "cam-01", "cam-01/2026-11-25/1223000.mp4", 0 },
        { "5-digit year", "cam-01", "cam-01/20261-11-25/122300.mp4", 0 },

        /* Wrong separators. */
        { "slashes in the day", "cam-01", "cam-01/2026/11/25/122300.mp4",
          0 },
        { "underscores in the day", "cam-01",
          "cam-01/2026_11_25/122300.mp4", 0 },
        { "dots in the day", "cam-01", "cam-01/2026.11.25/122300.mp4", 0 },
        { "no separators in the day", "cam-01",
          "cam-01/20261125/122300.mp4", 0 },
        { "hyphen for the day's slash", "cam-01",
          "cam-01/2026-11-25-122300.mp4", 0 },
        { "backslashes", "cam-01", "cam-01\\2026-11-25\\122300.mp4", 0 },
        { "backslash after the day", "cam-01",
          "cam-01/2026-11-25\\122300.mp4", 0 },
        { "backslash after the id", "cam-01",
          "cam-01\\2026-11-25/122300.mp4", 0 },
        { "colon after the id", "cam-01", "cam-01:2026-11-25/122300.mp4", 0 },
        { "colons in the time", "cam-01", "cam-01/2026-11-25/12:23:00.mp4",
          0 },
        { "underscore for the dot", "cam-01",
          "cam-01/2026-11-25/122300_mp4", 0 },

        /* Not digits where digits go. */
        { "letter O in the year", "cam-01", "cam-01/2O26-11-25/122300.mp4",
          0 },
        { "letter in the month", "cam-01", "cam-01/2026-1a-25/122300.mp4",
          0 },
        { "letter in the day", "cam-01", "cam-01/2026-11-2x/122300.mp4", 0 },
        { "letter in the time", "cam-01", "cam-01/2026-11-25/12230a.mp4", 0 },
        { "space in the time", "cam-01", "cam-01/2026-11-25/ 22300.mp4", 0 },
        { "sign in the time", "cam-01", "cam-01/2026-11-25/+22300.mp4", 0 },
        { "hyphen in the year", "cam-01", "cam-01/-026-11-25/122300.mp4",
          0 },
        { "fullwidth digit", "cam-01",
          "cam-01/2026-11-25/12230\xef\xbc\x90.mp4", 0 },
        { "Arabic-Indic digit", "cam-01",
          "cam-01/2026-11-25/1223\xd9\xa0.mp4", 0 },

        /* Extension and suffix. */
        { ".MP4", "cam-01", "cam-01/2026-11-25/122300.MP4", 0 },
        { ".Mp4", "cam-01", "cam-01/2026-11-25/122300.Mp4", 0 },
        { ".mov", "cam-01", "cam-01/2026-11-25/122300.mov", 0 },
        { ".ts", "cam-01", "cam-01/2026-11-25/1223000.ts", 0 },
        { ".mp", "cam-01", "cam-01/2026-11-25/122300.mp", 0 },
        { ".m4v", "cam-01", "cam-01/2026-11-25/122300.m4v", 0 },
        { "extra suffix", "cam-01", "cam-01/2026-11-25/122300.mp4.tmp", 0 },
        { "partial download", "cam-01",
          "cam-01/2026-11-25/122300.mp4.part", 0 },
        { "extra letter", "cam-01", "cam-01/2026-11-25/122300.mp4x", 0 },
        { "trailing slash", "cam-01", "cam-01/2026-11-25/122300.mp4/", 0 },
        { "trailing space", "cam-01", "cam-01/2026-11-25/122300.mp4 ", 0 },
        { "trailing newline", "cam-01", "cam-01/2026-11-25/122300.mp4\n", 0 },
        { "then a path", "cam-01",
          "cam-01/2026-11-25/122300.mp4/../../../etc/passwd", 0 },
        { "hidden file", "cam-01", "cam-01/2026-11-25/.122300.mp4", 0 },

        /* Extra levels. */
        { "directory before the day", "cam-01",
          "cam-01/x/2026-11-25/122300.mp4", 0 },
        { "directory after the day", "cam-01",
          "cam-01/2026-11-25/x/122300.mp4", 0 },
        { "two days", "cam-01",
          "cam-01/2026-11-25/2026-11-25/122300.mp4", 0 },
        { "directory before the id", "cam-01",
          "x/cam-01/2026-11-25/122300.mp4", 0 },

        /* Empty strings. */
        { "empty path", "cam-01", "", 0 },
        { "empty id and path", "", "", 0 },
        { "empty id, a clip of another", "", GOOD, 0 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(bb_clipq_path_valid(cases[i].device, cases[i].path),
               cases[i].want, cases[i].name);
    }
}


/* The path with one byte replaced by each other value: all refused. */
static void
test_path_every_byte(void)
{
    int     c, wrong;
    char    path[sizeof(GOOD)];
    size_t  i;

    wrong = 0;

    for (i = 0; i < sizeof(GOOD) - 1; i++) {
        for (c = 1; c < 256; c++) {
            memcpy(path, GOOD, sizeof(GOOD));

            if (path[i] == (char) c
                || (GOOD[i] >= '0' && GOOD[i] <= '9'
                    && c >= '0' && c <= '9'
                    && i >= sizeof("cam-01")))
            {
                continue;
            }

            path[i] = (char) c;

            if (bb_clipq_path_valid("cam-01", path)) {
                diag("byte 0x%02x at %zu accepted: \"%s\"", c, i, path);
                wrong++;
            }
        }
    }

    is_int(wrong, 0, "any other byte anywhere but a date or time digit "
           "is refused");

    /* Cut short at every length. */
    wrong = 0;

    for (i = 0; i < sizeof(GOOD) - 1; i++) {
        memcpy(path, GOOD, i);
        path[i] = '\0';

        if (bb_clipq_path_valid("cam-01", path)) {
            diag("prefix \"%s\" accepted", path);
            wrong++;
        }
    }

    is_int(wrong, 0, "every proper prefix of a clip path is refused");
}


/*
 * The function compares against the device id it is given and trusts it:
 * the indexer checks the id with bb_device_id_valid first.  With that
 * check, ids that are themselves paths never get this far.
 */
static void
test_path_with_id_check(void)
{
    static const struct {
        const char  *name;
        const char  *device;
        const char  *path;
    } cases[] = {
        { "empty id, absolute path", "", "/2026-11-25/122300.mp4" },
        { "id \".\"", ".", "./2026-11-25/122300.mp4" },
        { "id \"..\"", "..", "../2026-11-25/122300.mp4" },
        { "id \"../..\"", "../..", "../../2026-11-25/122300.mp4" },
        { "id with a slash", "cam-01/x", "cam-01/x/2026-11-25/122300.mp4" },
        { "absolute id", "/etc", "/etc/2026-11-25/122300.mp4" },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(bb_device_id_valid(cases[i].device)
               && bb_clipq_path_valid(cases[i].device, cases[i].path),
               0, cases[i].name);
    }

    is_int(bb_device_id_valid("cam-01")
           && bb_clipq_path_valid("cam-01", GOOD),
           1, "valid id and its clip, as the indexer checks them");
}


int
main(void)
{
    test_path();
    test_path_every_byte();
    test_path_with_id_check();

    return done_testing();
}
