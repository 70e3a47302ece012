/*
 * Unit tests of bb_random: hex identifiers, one-time codes (shape and a
 * rough check of their spread), the keyed code hash and bb_equal_ct.
 *
 * The spread check draws 10,000 codes and wants each first digit 800 to
 * 1,200 times: a fair draw lands 1,000 +- 30, so the bounds sit more than
 * six standard deviations out (1 in 10^9 per run) and the check cannot
 * fail by bad luck, yet it catches a stuck or badly skewed generator.
 */

#include <stdio.h>
#include <string.h>

#include "bb_random.h"
#include "tap.h"

/* Mirrors BB_RANDOM_HEX_MAX in bb_random.c, which is not exported. */
#define RANDOM_HEX_MAX  64

#define CODE_DRAWS      10000
#define CODE_BUCKET_MIN 800
#define CODE_BUCKET_MAX 1200

/* A canary after every output, to see that nothing writes past it. */
#define CANARY          '#'

static const unsigned char  key_a[] = "0123456789abcdef0123456789abcdef";
static const unsigned char  key_b[] = "0123456789abcdef0123456789abcdeF";


static int
all_lower_hex(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }

    return 1;
}


static void
test_random_hex(void)
{
    static const size_t  sizes[] = { 0, 1, 2, 8, 16, 32, 63, RANDOM_HEX_MAX };

    size_t  i;
    char    a[2 * RANDOM_HEX_MAX + 2], b[2 * RANDOM_HEX_MAX + 2];
    char    name[64];

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        memset(a, CANARY, sizeof(a));
        memset(b, CANARY, sizeof(b));

        snprintf(name, sizeof(name), "random_hex %zu bytes", sizes[i]);
        is_int(bb_random_hex(a, sizes[i]), 0, name);
        is_int((long long) strlen(a), (long long) (2 * sizes[i]),
               "  length is twice the bytes");
        ok(all_lower_hex(a, 2 * sizes[i]), "  lowercase hex: %s", a);
        ok(a[2 * sizes[i] + 1] == CANARY, "  nothing written past the NUL");

        /* 8 bytes or more repeating would be a 1 in 2^64 coincidence. */
        if (sizes[i] >= 8) {
            is_int(bb_random_hex(b, sizes[i]), 0, "  second draw");
            ok(strcmp(a, b) != 0, "  two draws differ");
        }
    }

    memset(a, CANARY, sizeof(a));
    is_int(bb_random_hex(a, RANDOM_HEX_MAX + 1), -1,
           "random_hex refuses 65 bytes");
    ok(a[0] == CANARY, "  and writes nothing");
    is_int(bb_random_hex(a, (size_t) -1), -1,
           "random_hex refuses SIZE_MAX bytes");
}


static void
test_code_new(void)
{
    int     i, j, shape_ok, first[10], zero_first, canary_ok;
    char    code[BB_CODE_DIGITS + 2], name[64];

    memset(first, 0, sizeof(first));
    shape_ok = 1;
    canary_ok = 1;
    zero_first = 0;

    for (i = 0; i < CODE_DRAWS; i++) {
        memset(code, CANARY, sizeof(code));

        if (bb_code_new(code) != 0 || strlen(code) != BB_CODE_DIGITS) {
            shape_ok = 0;
            diag("draw %d: \"%.*s\"", i, (int) sizeof(code), code);
            break;
        }

        for (j = 0; j < BB_CODE_DIGITS; j++) {
            if (code[j] < '0' || code[j] > '9') {
                shape_ok = 0;
            }
        }

        if (code[BB_CODE_DIGITS + 1] != CANARY) {
            canary_ok = 0;
        }

        if (!shape_ok) {
            diag("draw %d: \"%s\"", i, code);
            break;
        }

        first[code[0] - '0']++;
        zero_first += (code[0] == '0');
    }

    ok(shape_ok, "%d codes are each %d ASCII digits", CODE_DRAWS,
       BB_CODE_DIGITS);
    ok(canary_ok, "code_new writes nothing past the NUL");

    /* A leading zero is kept as a digit: about 1,000 draws start with 0. */
    ok(zero_first > 0, "leading zeros are kept (%d codes start with 0)",
       zero_first);

    for (i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "first digit %d drawn %d times", i,
                 first[i]);

        if (!ok(first[i] >= CODE_BUCKET_MIN && first[i] <= CODE_BUCKET_MAX,
                "%s", name))
        {
            diag("want %d to %d", CODE_BUCKET_MIN, CODE_BUCKET_MAX);
        }
    }
}


static void
test_code_hash(void)
{
    static const struct {
        const char           *name;
        const unsigned char  *key;
        const char           *id;
        const char           *code;
    } other[] = {
        { "another id", key_a, "43", "012345" },
        { "another code", key_a, "42", "012346" },
        { "another key", key_b, "42", "012345" },
        /* The separator keeps "4:2" + "0..." apart from "42" + "0...". */
        { "id and code shifted", key_a, "42:0", "12345" },
        { "empty id", key_a, "", "012345" },
    };

    size_t         i;
    char           id[256];
    unsigned char  base[BB_CODE_HASH_SIZE], again[BB_CODE_HASH_SIZE];
    unsigned char  got[BB_CODE_HASH_SIZE];

    is_int(bb_code_hash(key_a, sizeof(key_a) - 1, "42", "012345", base), 0,
           "code_hash");
    is_int(bb_code_hash(key_a, sizeof(key_a) - 1, "42", "012345", again), 0,
           "code_hash again");
    ok(memcmp(base, again, sizeof(base)) == 0,
       "code_hash is deterministic");

    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        is_int(bb_code_hash(other[i].key, sizeof(key_a) - 1, other[i].id,
                            other[i].code, got), 0, other[i].name);
        ok(memcmp(base, got, sizeof(base)) != 0, "  %s gives another hash",
           other[i].name);
    }

    /* "code:" + id + ":" + code must fit 127 bytes. */
    memset(id, '7', sizeof(id));
    id[127 - 5 - 1 - 6] = '\0';
    is_int(bb_code_hash(key_a, sizeof(key_a) - 1, id, "012345", got), 0,
           "an id that just fits");

    id[127 - 5 - 1 - 6] = '7';
    id[127 - 5 - 1 - 6 + 1] = '\0';
    is_int(bb_code_hash(key_a, sizeof(key_a) - 1, id, "012345", got), -1,
           "an id one byte too long");

    id[sizeof(id) - 1] = '\0';
    is_int(bb_code_hash(key_a, sizeof(key_a) - 1, id, "012345", got), -1,
           "a 255-byte id");
}


static void
test_equal_ct(void)
{
    static const struct {
        const char  *name;
        const char  *a;
        const char  *b;
        size_t       n;
        int          want;
    } cases[] = {
        { "equal", "abcdef", "abcdef", 6, 1 },
        { "differ in first byte", "abcdef", "Xbcdef", 6, 0 },
        { "differ in last byte", "abcdef", "abcdeX", 6, 0 },
        { "differ past n", "abcdef", "abcXYZ", 3, 1 },
        { "zero bytes", "a", "b", 0, 1 },
        { "high bit", "\x80", "\x00", 1, 0 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(bb_equal_ct(cases[i].a, cases[i].b, cases[i].n), cases[i].want,
               cases[i].name);
    }
}


int
main(void)
{
    test_random_hex();
    test_code_new();
    test_code_hash();
    test_equal_ct();

    return done_testing();
}
