/*
 * Unit tests of bb_streamid_parse: which SRT stream ids let a caller
 * publish as a device, and why the others are refused in the handshake.
 *
 * Each case is one line: the bytes (NULs included, so with their length),
 * the answer, and the device id on success.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_device.h"
#include "bb_streamid.h"
#include "tap.h"

#define S(s)  s, sizeof(s) - 1

#define ID64  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._"


static void
test_cases(void)
{
    static const struct {
        const char     *name;
        const char     *sid;
        size_t          len;
        bb_streamid_e   want;
        const char     *device;
    } cases[] = {
        { "access control, u then m", S("#!::u=cam-01,m=publish"),
          BB_STREAMID_OK, "cam-01" },
        { "access control, m then u", S("#!::m=publish,u=cam-01"),
          BB_STREAMID_OK, "cam-01" },
        { "standard keys ignored", S("#!::r=live,u=cam-01,s=a1b2,t=stream,"
                                     "h=example.com,m=publish"),
          BB_STREAMID_OK, "cam-01" },
        { "caller's own key ignored", S("#!::u=cam-01,x-firmware=2.1,"
                                        "m=publish"),
          BB_STREAMID_OK, "cam-01" },
        { "r value with = in it", S("#!::u=cam-01,r=a=b,m=publish"),
          BB_STREAMID_OK, "cam-01" },
        { "no m: publish", S("#!::u=cam-01"), BB_STREAMID_OK, "cam-01" },
        { "bare device id", S("cam-01"), BB_STREAMID_OK, "cam-01" },
        { "bare id of every class", S("A.z_9-"), BB_STREAMID_OK, "A.z_9-" },
        { "bare id, 3 characters", S("abc"), BB_STREAMID_OK, "abc" },
        { "bare id, 64 characters", S(ID64), BB_STREAMID_OK, ID64 },
        { "u of 64 characters", S("#!::u=" ID64 ",m=publish"),
          BB_STREAMID_OK, ID64 },

        { "empty", S(""), BB_STREAMID_EMPTY, "" },
        { "NUL inside a bare id", S("cam\0-01"), BB_STREAMID_NUL, "" },
        { "NUL after the id (C string would stop)", S("cam-01\0"),
          BB_STREAMID_NUL, "" },
        { "NUL inside a value", S("#!::u=cam-01,m=publish\0x"),
          BB_STREAMID_NUL, "" },
        { "NUL alone", S("\0"), BB_STREAMID_NUL, "" },

        { "prefix only", S("#!::"), BB_STREAMID_MALFORMED, "" },
        { "#!: without the second colon", S("#!:u=cam-01"),
          BB_STREAMID_MALFORMED, "" },
        { "#!: alone", S("#!:"), BB_STREAMID_MALFORMED, "" },
        { "nested syntax #!:{", S("#!:{u=cam-01}"), BB_STREAMID_MALFORMED,
          "" },
        { "empty value", S("#!::u=,m=publish"), BB_STREAMID_MALFORMED, "" },
        { "empty key", S("#!::=cam-01,m=publish"), BB_STREAMID_MALFORMED,
          "" },
        { "no =", S("#!::u,m=publish"), BB_STREAMID_MALFORMED, "" },
        { "key alone", S("#!::cam-01"), BB_STREAMID_MALFORMED, "" },
        { "empty pair in the middle", S("#!::u=cam-01,,m=publish"),
          BB_STREAMID_MALFORMED, "" },
        { "trailing comma", S("#!::u=cam-01,m=publish,"),
          BB_STREAMID_MALFORMED, "" },
        { "leading comma", S("#!::,u=cam-01"), BB_STREAMID_MALFORMED, "" },
        { "empty value of an ignored key", S("#!::u=cam-01,r="),
          BB_STREAMID_MALFORMED, "" },
        { "= alone", S("#!::="), BB_STREAMID_MALFORMED, "" },

        { "no u", S("#!::m=publish,r=cam-01"), BB_STREAMID_NO_DEVICE, "" },
        { "U is not u", S("#!::U=cam-01,m=publish"), BB_STREAMID_NO_DEVICE,
          "" },
        { "user is not u", S("#!::user=cam-01"), BB_STREAMID_NO_DEVICE, "" },
        { "u with a space before it", S("#!:: u=cam-01"),
          BB_STREAMID_NO_DEVICE, "" },
        { "u twice", S("#!::u=cam-01,m=publish,u=cam-02"),
          BB_STREAMID_DUPLICATE, "" },
        { "u twice, same value", S("#!::u=cam-01,u=cam-01"),
          BB_STREAMID_DUPLICATE, "" },
        { "m twice", S("#!::u=cam-01,m=publish,m=request"),
          BB_STREAMID_DUPLICATE, "" },

        { "m=request (play)", S("#!::u=cam-01,m=request"),
          BB_STREAMID_NOT_PUBLISH, "" },
        { "m=bidirectional", S("#!::u=cam-01,m=bidirectional"),
          BB_STREAMID_NOT_PUBLISH, "" },
        { "m=PUBLISH", S("#!::u=cam-01,m=PUBLISH"), BB_STREAMID_NOT_PUBLISH,
          "" },
        { "m=publishing", S("#!::u=cam-01,m=publishing"),
          BB_STREAMID_NOT_PUBLISH, "" },
        { "m=publis", S("#!::u=cam-01,m=publis"), BB_STREAMID_NOT_PUBLISH,
          "" },

        { "u too short", S("#!::u=ab,m=publish"), BB_STREAMID_BAD_DEVICE,
          "" },
        { "u of 65 characters", S("#!::u=" ID64 "x,m=publish"),
          BB_STREAMID_BAD_DEVICE, "" },
        { "u with a slash", S("#!::u=../etc,m=publish"),
          BB_STREAMID_BAD_DEVICE, "" },
        { "u with a space", S("#!::u=cam 01,m=publish"),
          BB_STREAMID_BAD_DEVICE, "" },
        { "u percent-encoded", S("#!::u=cam%2D01"), BB_STREAMID_BAD_DEVICE,
          "" },
        { "u with UTF-8", S("#!::u=cam-\xc3\xa9t\xc3\xa9"),
          BB_STREAMID_BAD_DEVICE, "" },
        { "bare id too short", S("ab"), BB_STREAMID_BAD_DEVICE, "" },
        { "bare id of 65 characters", S(ID64 "x"), BB_STREAMID_BAD_DEVICE,
          "" },
        { "bare id with a colon", S("cam:01"), BB_STREAMID_BAD_DEVICE, "" },
        { "bare id, # prefix only", S("#cam-01"), BB_STREAMID_BAD_DEVICE,
          "" },
        { "bare id that looks like pairs", S("u=cam-01,m=publish"),
          BB_STREAMID_BAD_DEVICE, "" },
        { "URL-encoded access control", S("%23%21%3A%3Au%3Dcam-01"),
          BB_STREAMID_BAD_DEVICE, "" },
        { "control character", S("cam\n01"), BB_STREAMID_BAD_DEVICE, "" },
    };

    char            device[BB_DEVICE_ID_MAX + 1], label[160];
    size_t          i;
    bb_streamid_e   rc;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(device, 'x', sizeof(device));

        rc = bb_streamid_parse(cases[i].sid, cases[i].len, device);

        snprintf(label, sizeof(label), "%s: %s", cases[i].name,
                 bb_streamid_reason(cases[i].want));
        if (!is_int(rc, cases[i].want, label)) {
            diag("reason: %s", bb_streamid_reason(rc));
        }

        snprintf(label, sizeof(label), "%s: device id", cases[i].name);
        is_str(device, cases[i].device, label);
    }
}


/*
 * Lengths around the limit, each from a buffer of exactly that many bytes
 * (not terminated, so that ASan sees any read past it).
 */
static void
test_lengths(void)
{
    static const size_t  lens[] = { 511, 512, 513, 600, 4096 };

    char           device[BB_DEVICE_ID_MAX + 1], label[80], *sid;
    size_t         i, len;
    bb_streamid_e  want;

    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        len = lens[i];

        sid = malloc(len);
        if (!ok(sid != NULL, "malloc %zu", len)) {
            continue;
        }

        /* "#!::u=cam-01,m=publish,r=xxxx...": valid but for its length. */
        memset(sid, 'x', len);
        memcpy(sid, "#!::u=cam-01,m=publish,r=", 25);

        want = (len <= BB_STREAMID_MAX) ? BB_STREAMID_OK
                                        : BB_STREAMID_TOO_LONG;

        snprintf(label, sizeof(label), "%zu bytes: %s", len,
                 bb_streamid_reason(want));
        is_int(bb_streamid_parse(sid, len, device), want, label);

        snprintf(label, sizeof(label), "%zu bytes: device id", len);
        is_str(device, want == BB_STREAMID_OK ? "cam-01" : "", label);

        free(sid);
    }
}


/* Only the len bytes count: what follows them is not read. */
static void
test_prefix_of_buffer(void)
{
    char  device[BB_DEVICE_ID_MAX + 1];

    is_int(bb_streamid_parse("#!::u=cam-01,m=publishXYZ", 22, device),
           BB_STREAMID_OK, "length stops before trailing bytes");
    is_str(device, "cam-01", "length stops before trailing bytes: device");

    is_int(bb_streamid_parse("cam-01,m=request", 6, device), BB_STREAMID_OK,
           "bare id cut by length");
    is_str(device, "cam-01", "bare id cut by length: device");

    is_int(bb_streamid_parse("#!::u=cam-01,m=publish", 12, device),
           BB_STREAMID_OK, "length ends inside the pairs");

    is_int(bb_streamid_parse("#!::u=cam-01,m=publish", 13, device),
           BB_STREAMID_MALFORMED, "length ends on a comma");
}


static void
test_reasons(void)
{
    int  rc;

    for (rc = BB_STREAMID_OK; rc <= BB_STREAMID_NOT_PUBLISH; rc++) {
        ok(strcmp(bb_streamid_reason((bb_streamid_e) rc),
                  "unknown stream id error") != 0,
           "reason %d has its own words: %s", rc,
           bb_streamid_reason((bb_streamid_e) rc));
    }

    is_str(bb_streamid_reason((bb_streamid_e) 99), "unknown stream id error",
           "reason out of range");
}


int
main(void)
{
    test_cases();
    test_lengths();
    test_prefix_of_buffer();
    test_reasons();

    return done_testing();
}
