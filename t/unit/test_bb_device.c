/*
 * Unit tests of the pure functions of bb_device: device ids, nicknames and
 * device keys.  The calls that need PostgreSQL or Redis are left to the
 * HTTP tests.
 *
 * Ids and nicknames are tables of byte strings, plus loops over every byte
 * value; lengths at the limits are built at run time so that the limit,
 * not a hand count, is what is tested.  Device keys are checked against one
 * value computed outside the project (openssl dgst) and against HMAC-SHA256
 * computed here with OpenSSL, independently of bb_device.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bb_device.h"
#include "tap.h"

#define HUGE_LEN  (100 * 1024)

/*
 * The longest device id and salt, together, that fit the message buffer
 * of bb_device_key (msg[160] holds "device:<id>:<salt>" and a NUL): 151.
 */
#define KEY_ID_SALT_MAX  (160 - sizeof("device:") - sizeof(":") + 1)

/* One Hangul syllable (U+AC00, 3 bytes) and one emoji (U+1F511, 4). */
#define HANGUL  "\xea\xb0\x80"
#define EMOJI   "\xf0\x9f\x94\x91"

static const unsigned char  secret[] = "unit-test device secret";

#define SECRET_LEN  (sizeof(secret) - 1)

#define SALT  "0123456789abcdef0123456789abcdef"

/*
 * HMAC-SHA256("unit-test device secret",
 *             "device:cam-01:0123456789abcdef0123456789abcdef"), first 16
 * bytes, as printed by
 *
 *     printf %s device:cam-01:0123456789abcdef0123456789abcdef \
 *         | openssl dgst -sha256 -hmac 'unit-test device secret'
 */
#define CAM01_KEY  "e55077f80755be9804c77d8791dc286f"


/* Writes n copies of unit into buf (which must be large enough). */
static char *
repeat(char *buf, const char *unit, size_t n)
{
    size_t  i, len;

    len = strlen(unit);

    for (i = 0; i < n; i++) {
        memcpy(buf + i * len, unit, len);
    }

    buf[n * len] = '\0';

    return buf;
}


static void
test_id(void)
{
    static const struct {
        const char  *name;
        const char  *in;
        int          want;
    } cases[] = {
        { "plain id", "cam-01", 1 },
        { "3 characters", "abc", 1 },
        { "2 characters", "ab", 0 },
        { "1 character", "a", 0 },
        { "empty", "", 0 },
        { "every class", "AZaz09._-", 1 },
        { "upper case", "CAM01", 1 },
        { "digits only", "123", 1 },
        { "three dots", "...", 0 },
        { "a leading dot", ".cam", 0 },
        { "the ingest's staging folder", ".recording", 0 },
        { "nginx's body folder", ".incoming", 0 },
        { "dots inside", "cam.01.", 1 },
        { "three underscores", "___", 1 },
        { "three hyphens", "---", 1 },
        { "two dots", "..", 0 },
        { "one dot", ".", 0 },
        { "slash", "a/b", 0 },
        { "parent path", "../etc", 0 },
        { "leading slash", "/cam", 0 },
        { "backslash", "a\\b", 0 },
        { "colon (the key's separator)", "cam:01", 0 },
        { "space", "cam 01", 0 },
        { "trailing newline", "cam-01\n", 0 },
        { "tab", "cam\t01", 0 },
        { "percent encoding", "%2e%2e", 0 },
        { "plus", "cam+01", 0 },
        { "at sign", "cam@01", 0 },
        { "SQL quote", "cam'01", 0 },
        { "DEL", "cam\x7f" "01", 0 },
        { "accented letter", "cam\xc3\xa9ra", 0 },
        { "Hangul", HANGUL HANGUL HANGUL, 0 },
        { "fullwidth letters", "\xef\xbd\x81\xef\xbd\x82\xef\xbd\x83", 0 },
        { "Cyrillic a homoglyph", "c\xd0\xb0m", 0 },
        { "lone 0xff", "cam\xff", 0 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(bb_device_id_valid(cases[i].in), cases[i].want,
               cases[i].name);
    }
}


/* Every byte value in the middle of an id: only the alphabet passes. */
static void
test_id_every_byte(void)
{
    int   c, allowed, wrong;
    char  in[6];

    wrong = 0;

    for (c = 1; c < 256; c++) {
        snprintf(in, sizeof(in), "ab%ccd", c);

        allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9') || c == '.' || c == '_'
                  || c == '-';

        if (bb_device_id_valid(in) != allowed) {
            diag("byte 0x%02x %s", c, allowed ? "refused" : "accepted");
            wrong++;
        }
    }

    is_int(wrong, 0, "bytes 0x01-0xff: only A-Z a-z 0-9 . _ - accepted");
}


static void
test_id_lengths(void)
{
    char  *buf;

    buf = malloc(HUGE_LEN + 1);
    if (!ok(buf != NULL, "malloc")) {
        return;
    }

    is_int(bb_device_id_valid(repeat(buf, "a", 3)), 1, "3-character id");
    is_int(bb_device_id_valid(repeat(buf, "a", 63)), 1, "63-character id");
    is_int(bb_device_id_valid(repeat(buf, "a", BB_DEVICE_ID_MAX)), 1,
           "64-character id");
    is_int(bb_device_id_valid(repeat(buf, "a", BB_DEVICE_ID_MAX + 1)), 0,
           "65-character id");

    repeat(buf, "Az9._-", 10);
    strcat(buf, "abcd");
    is_int(bb_device_id_valid(buf), 1, "64 characters of every class");

    repeat(buf, "a", BB_DEVICE_ID_MAX);
    buf[BB_DEVICE_ID_MAX - 1] = '/';
    is_int(bb_device_id_valid(buf), 0, "64 characters, the last a slash");

    is_int(bb_device_id_valid(repeat(buf, "a", HUGE_LEN)), 0,
           "100 KB id, no NUL until the end");

    buf[HUGE_LEN - 1] = '/';
    is_int(bb_device_id_valid(buf), 0, "100 KB id ending in a slash");

    is_int(bb_device_id_valid(repeat(buf, HANGUL, 21)), 0,
           "21 Hangul syllables (63 bytes)");

    free(buf);
}


static void
test_nickname(void)
{
    static const struct {
        const char  *name;
        const char  *in;
        int          want;
    } cases[] = {
        { "plain nickname", "Dad's car", 1 },
        { "1 character", "x", 1 },
        { "1 space", " ", 1 },
        { "empty", "", 0 },
        { "punctuation", "<b>\"car\" & {truck}; \\ ~`!", 1 },
        { "Korean", "\xec\x95\x84\xeb\xb9\xa0 \xec\xb0\xa8", 1 },
        { "1 Hangul syllable", HANGUL, 1 },
        { "1 emoji", EMOJI, 1 },
        { "accented letters", "Voiture de Ren\xc3\xa9" "e", 1 },
        { "tab", "my\tcar", 0 },
        { "newline", "my car\n", 0 },
        { "carriage return", "my\rcar", 0 },
        { "escape", "\x1b[31mcar", 0 },
        { "0x01 first", "\x01" "car", 0 },
        { "0x1f last", "car\x1f", 0 },
        { "DEL", "my\x7f" "car", 0 },
        { "C1 U+0080", "car\xc2\x80", 0 },
        { "C1 NEL U+0085", "my\xc2\x85" "car", 0 },
        { "C1 U+009F", "\xc2\x9f" "car", 0 },
        { "C1 alone", "\xc2\x85", 0 },
        { "no-break space U+00A0", "my\xc2\xa0" "car", 1 },
        { "U+00A0 alone", "\xc2\xa0", 1 },
        { "U+00BF", "\xc2\xbf", 1 },
        { "U+00C0 (0xc3 0x80, not C1)", "\xc3\x80", 1 },
        { "U+0100 (0xc4 0x80, not C1)", "\xc4\x80", 1 },
        { "U+0880 (0xe0 0xa2 0x80, not C1)", "\xe0\xa2\x80", 1 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(bb_nickname_valid(cases[i].in), cases[i].want,
               cases[i].name);
    }
}


/* Every byte value and every C1 character in the middle of a nickname. */
static void
test_nickname_every_byte(void)
{
    int   c, allowed, wrong;
    char  in[8];

    wrong = 0;

    for (c = 1; c < 0x80; c++) {
        snprintf(in, sizeof(in), "ab%ccd", c);

        allowed = c >= 0x20 && c != 0x7f;

        if (bb_nickname_valid(in) != allowed) {
            diag("byte 0x%02x %s", c, allowed ? "refused" : "accepted");
            wrong++;
        }
    }

    is_int(wrong, 0, "bytes 0x01-0x7f: all but C0 and DEL accepted");

    wrong = 0;

    for (c = 0x80; c < 0xc0; c++) {
        snprintf(in, sizeof(in), "ab\xc2%ccd", c);

        allowed = c >= 0xa0;

        if (bb_nickname_valid(in) != allowed) {
            diag("U+%04X %s", c, allowed ? "refused" : "accepted");
            wrong++;
        }
    }

    is_int(wrong, 0, "U+0080-U+00BF: C1 (U+0080-U+009F) refused");
}


/* Lengths count code points: 64 of any width pass, 65 do not. */
static void
test_nickname_lengths(void)
{
    char  *buf;

    buf = malloc(HUGE_LEN + 1);
    if (!ok(buf != NULL, "malloc")) {
        return;
    }

    is_int(bb_nickname_valid(repeat(buf, "x", BB_NICKNAME_MAX)), 1,
           "64 ASCII characters");
    is_int(bb_nickname_valid(repeat(buf, "x", BB_NICKNAME_MAX + 1)), 0,
           "65 ASCII characters");
    is_int(bb_nickname_valid(repeat(buf, "\xc3\xa9", BB_NICKNAME_MAX)), 1,
           "64 two-byte characters (128 bytes)");
    is_int(bb_nickname_valid(repeat(buf, "\xc3\xa9", BB_NICKNAME_MAX + 1)),
           0, "65 two-byte characters");

    repeat(buf, HANGUL, BB_NICKNAME_MAX);
    is_int((long long) strlen(buf), 192, "64 Hangul syllables are 192 bytes");
    is_int(bb_nickname_valid(buf), 1, "64 Hangul syllables (192 bytes)");
    is_int(bb_nickname_valid(repeat(buf, HANGUL, BB_NICKNAME_MAX + 1)), 0,
           "65 Hangul syllables");

    is_int(bb_nickname_valid(repeat(buf, EMOJI, BB_NICKNAME_MAX)), 1,
           "64 emoji (256 bytes)");
    is_int(bb_nickname_valid(repeat(buf, EMOJI, BB_NICKNAME_MAX + 1)), 0,
           "65 emoji");

    repeat(buf, HANGUL, BB_NICKNAME_MAX - 1);
    strcat(buf, "x");
    is_int(bb_nickname_valid(buf), 1, "63 Hangul syllables and a letter");
    strcat(buf, "x");
    is_int(bb_nickname_valid(buf), 0, "63 Hangul syllables and 2 letters");

    repeat(buf, HANGUL, BB_NICKNAME_MAX - 1);
    strcat(buf, "\xc2\x85");
    is_int(bb_nickname_valid(buf), 0, "63 Hangul syllables and a C1 NEL");

    repeat(buf, "x", BB_NICKNAME_MAX);
    buf[BB_NICKNAME_MAX / 2] = '\n';
    is_int(bb_nickname_valid(buf), 0, "64 characters, one a newline");

    is_int(bb_nickname_valid(repeat(buf, "x", HUGE_LEN)), 0,
           "100 KB nickname");
    is_int(bb_nickname_valid(repeat(buf, HANGUL, HUGE_LEN / 3)), 0,
           "100 KB of Hangul");

    free(buf);
}


/*
 * The key as this test computes it, without bb_device.c: the first 16
 * bytes of HMAC-SHA256(secret, "device:<id>:<salt>") as lowercase hex.
 */
static int
ref_key(const unsigned char *s, size_t slen, const char *id,
    const char *salt, char *out)
{
    int             n;
    char           *msg;
    size_t          i, size;
    unsigned int    len;
    unsigned char   mac[EVP_MAX_MD_SIZE];

    size = strlen(id) + strlen(salt) + sizeof("device::");
    msg = malloc(size);
    if (msg == NULL) {
        return -1;
    }

    n = snprintf(msg, size, "device:%s:%s", id, salt);

    if (HMAC(EVP_sha256(), s, (int) slen, (unsigned char *) msg, (size_t) n,
             mac, &len) == NULL
        || len < BB_DEVICE_KEY_LEN / 2)
    {
        free(msg);
        return -1;
    }

    free(msg);

    for (i = 0; i < BB_DEVICE_KEY_LEN / 2; i++) {
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
    }

    return 0;
}


/* 32 lowercase hex digits and a NUL. */
static int
is_key_shape(const char *key)
{
    size_t  i;

    for (i = 0; i < BB_DEVICE_KEY_LEN; i++) {
        if (!((key[i] >= '0' && key[i] <= '9')
              || (key[i] >= 'a' && key[i] <= 'f')))
        {
            return 0;
        }
    }

    return key[BB_DEVICE_KEY_LEN] == '\0';
}


/*
 * The key into a buffer of exactly BB_DEVICE_KEY_LEN + 1 bytes on the heap,
 * so that the sanitizer sees a write past it.  Returns bb_device_key's
 * result; key holds "untouched" when it failed without writing.
 */
static int
key_of(const unsigned char *s, size_t slen, const char *id,
    const char *salt, char *key)
{
    int    rc;
    char  *out;

    key[0] = '\0';

    out = malloc(BB_DEVICE_KEY_LEN + 1);
    if (out == NULL) {
        return -2;
    }

    strcpy(out, "untouched");

    rc = bb_device_key(s, slen, id, salt, out);

    memcpy(key, out, BB_DEVICE_KEY_LEN + 1);
    free(out);

    return rc;
}


static void
test_key(void)
{
    static const unsigned char  nul_secret[] = "ab\0cd";
    static const unsigned char  long_secret[] =
        "a secret longer than SHA-256's 64-byte block, so that HMAC "
        "hashes it first: 0123456789";

    static const struct {
        const char           *name;
        const unsigned char  *secret;
        size_t                secret_len;
        const char           *id;
        const char           *salt;
    } cases[] = {
        { "plain", secret, SECRET_LEN, "cam-01", SALT },
        { "64-character id",
          secret, SECRET_LEN,
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._",
          SALT },
        { "empty salt", secret, SECRET_LEN, "cam-01", "" },
        { "secret with a NUL", nul_secret, sizeof(nul_secret) - 1,
          "cam-01", SALT },
        { "secret of 1 byte", secret, 1, "cam-01", SALT },
        { "empty secret", secret, 0, "cam-01", SALT },
        { "secret longer than a block", long_secret,
          sizeof(long_secret) - 1, "cam-01", SALT },
    };

    char    key[BB_DEVICE_KEY_LEN + 1], want[BB_DEVICE_KEY_LEN + 1];
    char    name[128];
    size_t  i;

    is_int(key_of(secret, SECRET_LEN, "cam-01", SALT, key), 0,
           "key of cam-01");
    is_str(key, CAM01_KEY, "key of cam-01: known answer from openssl dgst");

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "key, %s", cases[i].name);
        is_int(key_of(cases[i].secret, cases[i].secret_len, cases[i].id,
                      cases[i].salt, key), 0, name);
        ok(is_key_shape(key), "%s: 32 lowercase hex digits", name);

        if (!ok(ref_key(cases[i].secret, cases[i].secret_len, cases[i].id,
                        cases[i].salt, want) == 0, "%s: reference", name))
        {
            continue;
        }

        snprintf(name, sizeof(name), "key, %s: HMAC-SHA256 of "
                 "\"device:<id>:<salt>\"", cases[i].name);
        is_str(key, want, name);
    }
}


/* Same inputs, same key; any input changed, another key. */
static void
test_key_inputs(void)
{
    static const unsigned char  other[] = "unit-test device secreT";

    char  key[BB_DEVICE_KEY_LEN + 1], again[BB_DEVICE_KEY_LEN + 1];
    char  alt[BB_DEVICE_KEY_LEN + 1];

    key_of(secret, SECRET_LEN, "cam-01", SALT, key);
    key_of(secret, SECRET_LEN, "cam-01", SALT, again);
    is_str(again, key, "same inputs, same key");

    key_of(other, SECRET_LEN, "cam-01", SALT, alt);
    ok(strcmp(alt, key) != 0, "last byte of the secret changed");

    key_of(secret, SECRET_LEN - 1, "cam-01", SALT, alt);
    ok(strcmp(alt, key) != 0, "secret one byte shorter");

    key_of(secret, SECRET_LEN, "cam-02", SALT, alt);
    ok(strcmp(alt, key) != 0, "device id changed");

    key_of(secret, SECRET_LEN, "CAM-01", SALT, alt);
    ok(strcmp(alt, key) != 0, "device id in upper case");

    key_of(secret, SECRET_LEN, "cam-01", "0123456789abcdef0123456789abcdee",
           alt);
    ok(strcmp(alt, key) != 0, "last digit of the salt changed");

    key_of(secret, SECRET_LEN, "cam-01", "", alt);
    ok(strcmp(alt, key) != 0, "empty salt");

    /* The separator keeps "id:salt" pairs apart where they could meet. */
    key_of(secret, SECRET_LEN, "cam-01a", "bc", key);
    key_of(secret, SECRET_LEN, "cam-01", "abc", alt);
    ok(strcmp(alt, key) != 0, "byte moved from the id to the salt");
}


/* Too long a message for the key's buffer is refused, not cut short. */
static void
test_key_lengths(void)
{
    char  id[BB_DEVICE_ID_MAX + 1], salt[512];
    char  key[BB_DEVICE_KEY_LEN + 1], want[BB_DEVICE_KEY_LEN + 1];

    repeat(id, "d", BB_DEVICE_ID_MAX);

    /* The longest there is in use: a 64-character id, a 32-digit salt. */
    is_int(key_of(secret, SECRET_LEN, id, SALT, key), 0,
           "64-character id and 32-digit salt");

    repeat(salt, "s", KEY_ID_SALT_MAX - BB_DEVICE_ID_MAX);
    is_int(key_of(secret, SECRET_LEN, id, salt, key), 0,
           "id and salt of 151 bytes together");

    if (ok(ref_key(secret, SECRET_LEN, id, salt, want) == 0,
           "reference for 151 bytes"))
    {
        is_str(key, want, "id and salt of 151 bytes: HMAC-SHA256");
    }

    repeat(salt, "s", KEY_ID_SALT_MAX - BB_DEVICE_ID_MAX + 1);
    is_int(key_of(secret, SECRET_LEN, id, salt, key), -1,
           "id and salt of 152 bytes refused");
    is_str(key, "untouched", "id and salt of 152 bytes: key not written");

    repeat(salt, "s", sizeof(salt) - 1);
    is_int(key_of(secret, SECRET_LEN, id, salt, key), -1,
           "511-byte salt refused");
    is_str(key, "untouched", "511-byte salt: key not written");

    repeat(salt, "s", KEY_ID_SALT_MAX + 1);
    is_int(key_of(secret, SECRET_LEN, "", salt, key), -1,
           "empty id and a 152-byte salt refused");
}


int
main(void)
{
    test_id();
    test_id_every_byte();
    test_id_lengths();
    test_nickname();
    test_nickname_every_byte();
    test_nickname_lengths();
    test_key();
    test_key_inputs();
    test_key_lengths();

    return done_testing();
}
