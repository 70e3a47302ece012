/*
 * Unit tests of bb_password: hash and verify, the stored format, stored
 * strings that are malformed or ask for parameters out of bounds, and a
 * hash made here with other parameters, which must verify because a hash
 * carries the parameters it was made with.
 *
 * Each scrypt at N = 2^15 costs tens of milliseconds and 32 MiB, so the
 * cases that reach scrypt are few; malformed strings are refused before it
 * and cost nothing.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bb_password.h"
#include "tap.h"

#define PASSWORD   "correct horse battery staple"

/* A valid salt and key, for the malformed cases to take apart. */
#define SALT64     "AAECAwQFBgcICQoLDA0ODw=="
#define KEY64      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* Mirrors the lengths in bb_password.c, which are not exported. */
#define SALT_LEN   16
#define KEY_LEN    32
#define SALT64_LEN 24
#define KEY64_LEN  44

#define B64        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
                   "0123456789+/"


/* Checks the shape "scrypt$15$8$1$<24 base64>$<44 base64>". */
static int
well_formed(const char *s)
{
    size_t       len;
    const char  *salt, *key;

    if (strncmp(s, "scrypt$15$8$1$", 14) != 0) {
        return 0;
    }

    salt = s + 14;
    key = strchr(salt, '$');

    if (key == NULL || key - salt != SALT64_LEN) {
        return 0;
    }

    key++;
    len = strlen(key);

    /* 16 and 32 bytes end in "==" and "=": 22 and 43 digits before. */
    return strspn(salt, B64) == SALT64_LEN - 2
           && strncmp(salt + SALT64_LEN - 2, "==", 2) == 0
           && len == KEY64_LEN
           && strspn(key, B64) == KEY64_LEN - 1
           && key[KEY64_LEN - 1] == '=';
}


static void
test_hash_verify(void)
{
    char  a[BB_PASSWORD_HASH_MAX], b[BB_PASSWORD_HASH_MAX];
    char  small[64];

    if (!is_int(bb_password_hash(PASSWORD, a, sizeof(a)), 0, "hash")) {
        return;
    }

    ok(well_formed(a), "format scrypt$15$8$1$<salt>$<key>: %s", a);
    is_int(bb_password_verify(PASSWORD, a), 1, "verify the right password");
    is_int(bb_password_verify(PASSWORD "x", a), 0, "verify a longer one");
    is_int(bb_password_verify("Correct horse battery staple", a), 0,
           "verify another case");
    is_int(bb_password_verify("", a), 0, "verify the empty password");

    is_int(bb_password_hash(PASSWORD, b, sizeof(b)), 0, "hash again");
    ok(strcmp(a, b) != 0, "two hashes of one password differ (salt)");
    ok(strncmp(a, b, 14 + SALT64_LEN) != 0, "  in their salt");

    /* The output buffer is checked, not overrun. */
    memset(small, '#', sizeof(small));
    is_int(bb_password_hash(PASSWORD, small, sizeof(small) - 1), -1,
           "hash into a buffer too small");
    ok(small[sizeof(small) - 1] == '#', "  writes nothing past its size");
}


static void
test_unicode(void)
{
    /* "Pässwörd" precomposed (NFC) and decomposed (NFD). */
    static const char  nfc[] = "P\xc3\xa4ssw\xc3\xb6rd \xe2\x82\xac "
                               "\xf0\x9f\x94\x91";
    static const char  nfd[] = "Pa\xcc\x88sswo\xcc\x88rd \xe2\x82\xac "
                               "\xf0\x9f\x94\x91";

    char  h[BB_PASSWORD_HASH_MAX];

    if (!is_int(bb_password_hash(nfc, h, sizeof(h)), 0, "hash unicode")) {
        return;
    }

    is_int(bb_password_verify(nfc, h), 1, "verify unicode");

    /* Bytes are compared: normalisation is the caller's business. */
    is_int(bb_password_verify(nfd, h), 0,
           "the decomposed form is another password");
}


static void
test_malformed(void)
{
    static const struct {
        const char  *name;
        const char  *stored;
    } cases[] = {
        { "empty", "" },
        { "only the prefix", "scrypt$" },
        { "wrong prefix", "bcrypt$15$8$1$" SALT64 "$" KEY64 },
        { "uppercase prefix", "SCRYPT$15$8$1$" SALT64 "$" KEY64 },
        { "no prefix", "15$8$1$" SALT64 "$" KEY64 },
        { "parameters only", "scrypt$15$8$1" },
        { "parameters and dollar", "scrypt$15$8$1$" },
        { "missing p", "scrypt$15$8$" SALT64 "$" KEY64 },
        { "missing key", "scrypt$15$8$1$" SALT64 },
        { "missing key after dollar", "scrypt$15$8$1$" SALT64 "$" },
        { "missing salt", "scrypt$15$8$1$$" KEY64 },
        { "log2N 0", "scrypt$0$8$1$" SALT64 "$" KEY64 },
        { "log2N 21", "scrypt$21$8$1$" SALT64 "$" KEY64 },
        { "log2N 64", "scrypt$64$8$1$" SALT64 "$" KEY64 },
        { "log2N negative", "scrypt$-15$8$1$" SALT64 "$" KEY64 },
        { "log2N not a number", "scrypt$x$8$1$" SALT64 "$" KEY64 },
        { "log2N with letters", "scrypt$15x$8$1$" SALT64 "$" KEY64 },
        { "r 0", "scrypt$15$0$1$" SALT64 "$" KEY64 },
        { "r 33", "scrypt$15$33$1$" SALT64 "$" KEY64 },
        { "r negative", "scrypt$15$-8$1$" SALT64 "$" KEY64 },
        { "p 0", "scrypt$15$8$0$" SALT64 "$" KEY64 },
        { "p 17", "scrypt$15$8$17$" SALT64 "$" KEY64 },
        { "p negative", "scrypt$15$8$-1$" SALT64 "$" KEY64 },
        /* N = 2^20 with r = 8 needs 1 GiB and more: over the memory cap. */
        { "N and r over the memory cap",
          "scrypt$20$8$1$" SALT64 "$" KEY64 },
        { "salt one short", "scrypt$15$8$1$" "AAECAwQFBgcICQoLDA0ODw="
          "$" KEY64 },
        { "salt one long", "scrypt$15$8$1$" SALT64 "A$" KEY64 },
        { "salt of a 32-byte key", "scrypt$15$8$1$" KEY64 "$" KEY64 },
        { "key one short", "scrypt$15$8$1$" SALT64 "$"
          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" },
        { "key one long", "scrypt$15$8$1$" SALT64 "$" KEY64 "A" },
        { "key of a 16-byte salt", "scrypt$15$8$1$" SALT64 "$" SALT64 },
        { "key very long", "scrypt$15$8$1$" SALT64 "$" KEY64 KEY64 KEY64
          KEY64 KEY64 KEY64 KEY64 KEY64 },
        { "salt not base64", "scrypt$15$8$1$" "AAECAwQFBgcICQoLDA0OD!=="
          "$" KEY64 },
        { "key not base64", "scrypt$15$8$1$" SALT64 "$"
          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG*wdHh8=" },
        { "extra dollar at end", "scrypt$15$8$1$" SALT64 "$" KEY64 "$" },
        { "extra field", "scrypt$15$8$1$" SALT64 "$" KEY64 "$" KEY64 },
        { "extra dollar in salt", "scrypt$15$8$1$$" SALT64 "$" KEY64 },
        { "extra dollar in parameters", "scrypt$15$$8$1$" SALT64 "$" KEY64 },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(bb_password_verify(PASSWORD, cases[i].stored), -1,
               cases[i].name);
    }
}


/*
 * Builds "scrypt$<log2n>$<r>$<p>$<salt>$<key>" for password as another
 * version of bb_password might have stored it.
 */
static int
foreign_hash(const char *password, int log2n, int r, int p, char *out,
    size_t size)
{
    int            n;
    unsigned char  salt[SALT_LEN], key[KEY_LEN];
    char           salt64[SALT64_LEN + 1], key64[KEY64_LEN + 1];

    if (RAND_bytes(salt, sizeof(salt)) != 1
        || EVP_PBE_scrypt(password, strlen(password), salt, sizeof(salt),
                          (uint64_t) 1 << log2n, (uint64_t) r, (uint64_t) p,
                          0, key, sizeof(key)) != 1)
    {
        return -1;
    }

    if (EVP_EncodeBlock((unsigned char *) salt64, salt, sizeof(salt))
        != SALT64_LEN
        || EVP_EncodeBlock((unsigned char *) key64, key, sizeof(key))
           != KEY64_LEN)
    {
        return -1;
    }

    n = snprintf(out, size, "scrypt$%d$%d$%d$%s$%s", log2n, r, p, salt64,
                 key64);

    return (n > 0 && (size_t) n < size) ? 0 : -1;
}


static void
test_parameters_travel(void)
{
    static const struct {
        const char  *name;
        int          log2n;
        int          r;
        int          p;
    } cases[] = {
        { "log2N 10, r 8, p 1", 10, 8, 1 },
        { "log2N 1, r 1, p 1 (lowest bounds)", 1, 1, 1 },
        { "log2N 4, r 32, p 16 (highest r and p)", 4, 32, 16 },
    };

    size_t  i;
    char    h[BB_PASSWORD_HASH_MAX], name[128];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "foreign hash %s", cases[i].name);

        if (!is_int(foreign_hash(PASSWORD, cases[i].log2n, cases[i].r,
                                 cases[i].p, h, sizeof(h)), 0, name))
        {
            continue;
        }

        is_int(bb_password_verify(PASSWORD, h), 1, "  verifies");
        is_int(bb_password_verify(PASSWORD "!", h), 0,
               "  a wrong password does not");
    }

    /*
     * The same salt and key read under other parameters is another hash:
     * proof that verify takes them from the string, not from its defaults.
     */
    if (foreign_hash(PASSWORD, 11, 8, 1, h, sizeof(h)) == 0) {
        h[8] = '0';
        is_int(bb_password_verify(PASSWORD, h), 0,
               "log2N changed from 11 to 10 no longer verifies");
    }
}


/*
 * Parameters written other than as plain decimal digits: a lenient parser
 * (sscanf's %d skips blanks, takes a sign, and wraps 2^32 + 10 to 10 on
 * glibc) would read each as log2N 10 and verify it.  All must be refused.
 */
static void
test_lenient_parameters(void)
{
    static const struct {
        const char  *name;
        const char  *prefix;
    } cases[] = {
        { "log2N with a plus sign", "scrypt$+10$8$1$" },
        { "log2N after a blank", "scrypt$ 10$8$1$" },
        { "log2N past INT_MAX (2^32 + 10)", "scrypt$4294967306$8$1$" },
    };

    size_t  i;
    char    h[BB_PASSWORD_HASH_MAX], s[2 * BB_PASSWORD_HASH_MAX];

    if (!is_int(foreign_hash(PASSWORD, 10, 8, 1, h, sizeof(h)), 0,
                "foreign hash log2N 10"))
    {
        return;
    }

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* h starts "scrypt$10$8$1$": keep what follows. */
        snprintf(s, sizeof(s), "%s%s", cases[i].prefix, h + 14);
        is_int(bb_password_verify(PASSWORD, s), -1, cases[i].name);
    }
}


static void
test_verify_nobody(void)
{
    bb_password_verify_nobody(PASSWORD);
    bb_password_verify_nobody("");
    ok(1, "verify_nobody returns");
}


int
main(void)
{
    test_hash_verify();
    test_unicode();
    test_malformed();
    test_parameters_travel();
    test_lenient_parameters();
    test_verify_nobody();

    return done_testing();
}
