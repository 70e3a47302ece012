/*
 * Unit tests of bb_validate: usernames, e-mail addresses, passwords and the
 * common-password list, including the real data/common-passwords.txt (the
 * tests run from the repository root).
 *
 * Inputs are mostly tables of byte strings; lengths at the limits are built
 * at run time so that the limit, not a hand count, is what is tested.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb_validate.h"
#include "tap.h"

#define COMMON_PASSWORDS  "data/common-passwords.txt"
#define HUGE_LEN          (100 * 1024)

/* Mirrors BB_WORDLIST_FILE_MAX in bb_validate.c, which is not exported. */
#define WORDLIST_FILE_MAX  (16 * 1024 * 1024)

/* The sentences, as the API shows them. */
#define USERNAME_LENGTH                                                       \
    "must be 3 to 32 characters of a-z, 0-9, '.', '_' or '-'"
#define USERNAME_CHARS                                                        \
    "may contain only a-z, 0-9, '.', '_' or '-' (no spaces, accents or "      \
    "other alphabets)"
#define EMAIL_LENGTH        "must be at most 254 characters"
#define EMAIL_SHAPE         "must be an address such as name@example.com"
#define EMAIL_ONE_AT        "must contain exactly one '@'"
#define EMAIL_LOCAL_LENGTH  "must have 1 to 64 characters before the '@'"
#define EMAIL_LOCAL_CHARS                                                     \
    "must not contain spaces, quotes, '<', '>', ',', ';', '\\' or control "   \
    "characters before the '@'"
#define EMAIL_DOMAIN                                                          \
    "must have a domain such as example.com after the '@'"
#define PASSWORD_SHORT      "must be at least 10 characters"
#define PASSWORD_LONG       "must be at most 256 characters"
#define PASSWORD_UTF8       "must be valid UTF-8"
#define PASSWORD_CONTROL    "must not contain control characters"
#define PASSWORD_COMMON                                                       \
    "is one of the most common passwords: choose another"

/* Korean "password" and a 3-byte syllable, for lengths in code points. */
#define HANGUL  "\xea\xb0\x80"                        /* U+AC00 */


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


/*
 * Checks one username: want is the normalised name, or NULL when problem
 * is expected.
 */
static void
check_username(const char *name, const char *in, const char *want,
    const char *problem)
{
    int          rc;
    char         out[BB_USERNAME_MAX + 1];
    const char  *got;

    strcpy(out, "untouched");
    got = NULL;

    rc = bb_username_normalize(in, out, sizeof(out), &got);

    if (want != NULL) {
        is_int(rc, 0, name);
        is_str(out, want, name);
        is_str(got, NULL, name);

    } else {
        is_int(rc, -1, name);
        is_str(got, problem, name);
        is_str(out, "untouched", name);
    }
}


static void
test_username(void)
{
    static const struct {
        const char  *name;
        const char  *in;
        const char  *want;
        const char  *problem;
    } cases[] = {
        { "plain name", "alice", "alice", NULL },
        { "upper case folded", "Alice", "alice", NULL },
        { "all upper case folded", "ALICE_99", "alice_99", NULL },
        { "dot, underscore, hyphen", "a.b_c-d", "a.b_c-d", NULL },
        { "digits only", "2024", "2024", NULL },
        { "3 characters", "abc", "abc", NULL },
        { "2 characters", "ab", NULL, USERNAME_LENGTH },
        { "1 character", "a", NULL, USERNAME_LENGTH },
        { "empty", "", NULL, USERNAME_LENGTH },
        { "32 characters", "abcdefghijklmnopqrstuvwxyz012345",
          "abcdefghijklmnopqrstuvwxyz012345", NULL },
        { "33 characters", "abcdefghijklmnopqrstuvwxyz0123456", NULL,
          USERNAME_LENGTH },
        { "32 upper case characters", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
          "abcdefghijklmnopqrstuvwxyz012345", NULL },
        { "space inside", "alice smith", NULL, USERNAME_CHARS },
        { "leading space", " alice", NULL, USERNAME_CHARS },
        { "trailing space", "alice ", NULL, USERNAME_CHARS },
        { "tab", "ali\tce", NULL, USERNAME_CHARS },
        { "newline", "alice\n", NULL, USERNAME_CHARS },
        { "at sign", "alice@example.com", NULL, USERNAME_CHARS },
        { "plus", "alice+1", NULL, USERNAME_CHARS },
        { "slash", "../etc", NULL, USERNAME_CHARS },
        { "backslash", "a\\b\\c", NULL, USERNAME_CHARS },
        { "SQL injection", "a'; drop table users;--", NULL, USERNAME_CHARS },
        { "SQL comment", "admin'--", NULL, USERNAME_CHARS },
        { "SQL or", "x' or '1'='1", NULL, USERNAME_CHARS },
        { "HTML", "<script>", NULL, USERNAME_CHARS },
        { "percent encoding", "a%00b", NULL, USERNAME_CHARS },
        { "DEL", "ali\x7f" "ce", NULL, USERNAME_CHARS },
        { "Cyrillic a homoglyph", "\xd0\xb0lice", NULL, USERNAME_CHARS },
        { "all Cyrillic", "\xd0\x90\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0", NULL,
          USERNAME_CHARS },
        { "fullwidth letters",
          "\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85",
          NULL, USERNAME_CHARS },
        { "Turkish dotless i", "adm\xc4\xb1n", NULL, USERNAME_CHARS },
        { "Turkish dotted capital I", "\xc4\xb0stanbul", NULL,
          USERNAME_CHARS },
        { "Kelvin sign for K", "\xe2\x84\xaa" "ate", NULL, USERNAME_CHARS },
        { "accented letter", "jos\xc3\xa9", NULL, USERNAME_CHARS },
        { "zero-width joiner", "ali\xe2\x80\x8d" "ce", NULL,
          USERNAME_CHARS },
        { "invalid UTF-8 byte", "ali\xff", NULL, USERNAME_CHARS },
        /* The alphabet is the more useful answer when both are wrong. */
        { "too short and a bad character", "a@", NULL, USERNAME_CHARS },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_username(cases[i].name, cases[i].in, cases[i].want,
                       cases[i].problem);
    }
}


/* Every byte value in the middle of a name: only the alphabet passes. */
static void
test_username_every_byte(void)
{
    int          c, allowed, wrong;
    char         in[6], out[BB_USERNAME_MAX + 1];
    const char  *problem;

    wrong = 0;

    for (c = 1; c < 256; c++) {
        snprintf(in, sizeof(in), "ab%ccd", c);

        allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9') || c == '.' || c == '_'
                  || c == '-';

        problem = NULL;

        if ((bb_username_normalize(in, out, sizeof(out), &problem) == 0)
            != allowed
            || (!allowed && strcmp(problem, USERNAME_CHARS) != 0))
        {
            diag("byte 0x%02x %s", c, allowed ? "refused" : "accepted");
            wrong++;
        }
    }

    is_int(wrong, 0, "bytes 0x01-0xff: only a-z A-Z 0-9 . _ - accepted");
}


static void
test_username_lengths(void)
{
    char        *huge;
    char         out[BB_USERNAME_MAX + 1], small[5];
    const char  *problem;

    huge = malloc(HUGE_LEN + 1);
    if (!ok(huge != NULL, "malloc")) {
        return;
    }

    memset(huge, 'a', HUGE_LEN);
    huge[HUGE_LEN] = '\0';
    check_username("100 KB name", huge, NULL, USERNAME_LENGTH);

    /* A bad byte far past the limit is not even looked at. */
    huge[HUGE_LEN - 1] = '@';
    check_username("100 KB name ending in @", huge, NULL, USERNAME_LENGTH);

    huge[5] = ' ';
    check_username("100 KB name with an early space", huge, NULL,
                   USERNAME_CHARS);

    free(huge);

    problem = NULL;
    strcpy(out, "x");
    is_int(bb_username_normalize("bob", out, 4, &problem), 0,
           "output of exactly the name's size");
    is_str(out, "bob", "output of exactly the name's size holds it");

    problem = NULL;
    memset(small, 'x', sizeof(small));
    is_int(bb_username_normalize("alice", small, 5, &problem), -1,
           "output too small is refused");
    is_int(small[0], 'x', "output too small is not written");
}


static void
check_email(const char *name, const char *in, const char *want,
    const char *problem)
{
    int          rc;
    char         out[BB_EMAIL_MAX + 1];
    const char  *got;

    strcpy(out, "untouched");
    got = NULL;

    rc = bb_email_normalize(in, out, sizeof(out), &got);

    if (want != NULL) {
        is_int(rc, 0, name);
        is_str(out, want, name);
        is_str(got, NULL, name);

    } else {
        is_int(rc, -1, name);
        is_str(got, problem, name);
        is_str(out, "untouched", name);
    }
}


static void
test_email(void)
{
    static const struct {
        const char  *name;
        const char  *in;
        const char  *want;
        const char  *problem;
    } cases[] = {
        { "plain address", "bob@example.com", "bob@example.com", NULL },
        { "domain lowercased, local part kept",
          "Bob.Smith+Tag@Example.COM", "Bob.Smith+Tag@example.com", NULL },
        { "shortest", "a@b.co", "a@b.co", NULL },
        { "subdomains and hyphens", "x@mail.sub-1.example.org",
          "x@mail.sub-1.example.org", NULL },
        { "punycode domain", "x@xn--bcher-kva.example",
          "x@xn--bcher-kva.example", NULL },
        { "numeric labels", "x@123.45.example", "x@123.45.example", NULL },
        { "apostrophe in local part", "o'brien@example.ie",
          "o'brien@example.ie", NULL },
        { "allowed punctuation", "a.b!#$%&*+/=?^`{|}~-@example.com",
          "a.b!#$%&*+/=?^`{|}~-@example.com", NULL },
        { "63-byte label",
          "x@abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
          "abc.com",
          "x@abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
          "abc.com", NULL },
        { "64-byte label",
          "x@abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
          "abcd.com", NULL, EMAIL_DOMAIN },
        { "empty", "", NULL, EMAIL_SHAPE },
        { "no at sign", "bob.example.com", NULL, EMAIL_SHAPE },
        { "two at signs", "a@b@example.com", NULL, EMAIL_ONE_AT },
        { "doubled at sign", "a@@example.com", NULL, EMAIL_ONE_AT },
        { "empty local part", "@example.com", NULL, EMAIL_LOCAL_LENGTH },
        { "no dot in domain", "bob@localhost", NULL, EMAIL_DOMAIN },
        { "empty domain", "bob@", NULL, EMAIL_DOMAIN },
        { "empty label", "bob@example..com", NULL, EMAIL_DOMAIN },
        { "leading dot", "bob@.example.com", NULL, EMAIL_DOMAIN },
        { "trailing dot", "bob@example.com.", NULL, EMAIL_DOMAIN },
        { "only a dot", "bob@.", NULL, EMAIL_DOMAIN },
        { "leading hyphen label", "bob@-example.com", NULL, EMAIL_DOMAIN },
        { "leading hyphen inner label", "bob@mail.-x.com", NULL,
          EMAIL_DOMAIN },
        { "trailing hyphen label", "bob@example-.com", NULL, EMAIL_DOMAIN },
        { "trailing hyphen last label", "bob@example.com-", NULL,
          EMAIL_DOMAIN },
        { "underscore in domain", "bob@ex_ample.com", NULL, EMAIL_DOMAIN },
        { "IP literal", "bob@[127.0.0.1]", NULL, EMAIL_DOMAIN },
        { "non-ASCII domain", "bob@b\xc3\xbc" "cher.example", NULL,
          EMAIL_DOMAIN },
        { "header injection after the domain", "a@b.com\r\nBcc: x", NULL,
          EMAIL_DOMAIN },
        { "header injection with a second address",
          "a@b.com\r\nBcc: x@evil.example", NULL, EMAIL_ONE_AT },
        { "header injection in local part", "a\r\nBcc: x@b.com", NULL,
          EMAIL_LOCAL_CHARS },
        { "newline in local part", "a\nb@example.com", NULL,
          EMAIL_LOCAL_CHARS },
        { "space in local part", "bob smith@example.com", NULL,
          EMAIL_LOCAL_CHARS },
        { "leading space", " bob@example.com", NULL, EMAIL_LOCAL_CHARS },
        { "trailing space", "bob@example.com ", NULL, EMAIL_DOMAIN },
        { "space in domain", "bob@exa mple.com", NULL, EMAIL_DOMAIN },
        { "tab in local part", "bob\t@example.com", NULL,
          EMAIL_LOCAL_CHARS },
        { "quoted local part", "\"bob\"@example.com", NULL,
          EMAIL_LOCAL_CHARS },
        { "angle brackets", "<bob@example.com>", NULL, EMAIL_LOCAL_CHARS },
        { "comma", "bob,eve@example.com", NULL, EMAIL_LOCAL_CHARS },
        { "semicolon", "bob;eve@example.com", NULL, EMAIL_LOCAL_CHARS },
        { "backslash", "bo\\b@example.com", NULL, EMAIL_LOCAL_CHARS },
        { "control character", "bo\x01" "b@example.com", NULL,
          EMAIL_LOCAL_CHARS },
        { "DEL", "bo\x7f" "b@example.com", NULL, EMAIL_LOCAL_CHARS },
        { "non-ASCII local part", "jos\xc3\xa9@example.com", NULL,
          EMAIL_LOCAL_CHARS },
        { "SQL metacharacters", "a'; drop table users;--@example.com", NULL,
          EMAIL_LOCAL_CHARS },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_email(cases[i].name, cases[i].in, cases[i].want,
                    cases[i].problem);
    }
}


/*
 * Builds an address of total bytes with local bytes before the "@"; the
 * domain is labels of 50 bytes and a last one that ends in ".com".
 */
static char *
make_email(char *buf, size_t local, size_t total)
{
    size_t  i, domain, label;

    memset(buf, 'l', local);
    buf[local] = '@';

    domain = total - local - 1;
    label = 0;

    for (i = 0; i < domain; i++) {
        if (i >= domain - 4) {
            buf[local + 1 + i] = ".com"[i - (domain - 4)];

        } else if (label == 50 && i < domain - 5) {
            buf[local + 1 + i] = '.';
            label = 0;

        } else {
            buf[local + 1 + i] = 'd';
            label++;
        }
    }

    buf[total] = '\0';

    return buf;
}


static void
test_email_lengths(void)
{
    char        *huge, *upper;
    char         in[512], want[512], out[BB_EMAIL_MAX + 1];
    const char  *problem;

    make_email(in, 64, 76);
    check_email("64-byte local part", in, in, NULL);

    make_email(in, 65, 77);
    check_email("65-byte local part", in, NULL, EMAIL_LOCAL_LENGTH);

    /* In upper case, to see the whole domain lowercased. */
    make_email(want, 64, 254);
    strcpy(in, want);

    for (upper = in + 65; *upper != '\0'; upper++) {
        if (*upper == 'd') {
            *upper = 'D';
        }
    }

    is_int((long long) strlen(in), 254, "254-byte address is 254 bytes");
    check_email("254-byte address", in, want, NULL);

    make_email(in, 64, 255);
    check_email("255-byte address", in, NULL, EMAIL_LENGTH);

    make_email(in, 10, 255);
    check_email("255-byte address, short local part", in, NULL,
                EMAIL_LENGTH);

    huge = malloc(HUGE_LEN + 1);
    if (!ok(huge != NULL, "malloc")) {
        return;
    }

    make_email(huge, 10, HUGE_LEN);
    check_email("100 KB address", huge, NULL, EMAIL_LENGTH);
    free(huge);

    problem = NULL;
    memset(out, 'x', sizeof(out));
    is_int(bb_email_normalize("bob@example.com", out, 15, &problem), -1,
           "output too small is refused");
    is_int(out[0], 'x', "output too small is not written");

    problem = NULL;
    is_int(bb_email_normalize("bob@example.com", out, 16, &problem), 0,
           "output of exactly the address's size");
    is_str(out, "bob@example.com", "output of exactly the size holds it");
}


static void
test_password(void)
{
    static const struct {
        const char  *name;
        const char  *in;
        const char  *problem;
    } cases[] = {
        { "10 ASCII characters", "zq8!xw3#pv", NULL },
        { "9 ASCII characters", "zq8!xw3#p", PASSWORD_SHORT },
        { "empty", "", PASSWORD_SHORT },
        { "spaces are allowed", "correct horse battery staple", NULL },
        { "10 Hangul syllables (30 bytes)",
          HANGUL HANGUL HANGUL HANGUL HANGUL HANGUL HANGUL HANGUL HANGUL
          HANGUL, NULL },
        { "9 Hangul syllables (27 bytes)",
          HANGUL HANGUL HANGUL HANGUL HANGUL HANGUL HANGUL HANGUL HANGUL,
          PASSWORD_SHORT },
        { "Korean words", "\xeb\xb9\x84\xeb\xb0\x80\xeb\xb2\x88\xed\x98\xb8"
          "\xeb\x8a\x94\xec\x95\x88\xec\xa0\x84\xed\x95\x98\xea\xb2\x8c"
          "\xec\xa7\x80\xed\x82\xa4\xec\x9e\x90", NULL },
        { "9 emoji (36 bytes)", "\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
          "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
          "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91",
          PASSWORD_SHORT },
        { "9 emoji and a letter", "\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
          "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
          "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91x", NULL },
        { "mixed scripts", "p\xc3\xa4ss\xce\xb1\xd0\xb4\xe4\xb8\xad"
          "\xf0\x9f\x94\x91!!", NULL },
        { "no-break space", "abcd\xc2\xa0" "efghij", NULL },
        { "last before surrogates U+D7FF", "abcdefghij\xed\x9f\xbf", NULL },
        { "first after surrogates U+E000", "abcdefghij\xee\x80\x80", NULL },
        { "last code point U+10FFFF", "abcdefghij\xf4\x8f\xbf\xbf", NULL },
        { "smallest 2-byte U+00A0", "abcdefghij\xc2\xa0", NULL },
        { "smallest 3-byte U+0800", "abcdefghij\xe0\xa0\x80", NULL },
        { "smallest 4-byte U+10000", "abcdefghij\xf0\x90\x80\x80", NULL },
        { "overlong 2-byte slash", "abcdefghij\xc0\xaf", PASSWORD_UTF8 },
        { "overlong 2-byte C1", "abcdefghij\xc1\xbf", PASSWORD_UTF8 },
        { "overlong 3-byte", "abcdefghij\xe0\x80\xaf", PASSWORD_UTF8 },
        { "overlong 3-byte high", "abcdefghij\xe0\x9f\xbf", PASSWORD_UTF8 },
        { "overlong 4-byte", "abcdefghij\xf0\x80\x80\xaf", PASSWORD_UTF8 },
        { "overlong 4-byte high", "abcdefghij\xf0\x8f\xbf\xbf",
          PASSWORD_UTF8 },
        { "high surrogate", "abcdefghij\xed\xa0\x80", PASSWORD_UTF8 },
        { "low surrogate", "abcdefghij\xed\xbf\xbf", PASSWORD_UTF8 },
        { "surrogate pair (CESU-8)", "abcdefghij\xed\xa0\xbd\xed\xb4\x91",
          PASSWORD_UTF8 },
        { "past U+10FFFF", "abcdefghij\xf4\x90\x80\x80", PASSWORD_UTF8 },
        { "F5 lead byte", "abcdefghij\xf5\x80\x80\x80", PASSWORD_UTF8 },
        { "FF byte", "abcdefghij\xff", PASSWORD_UTF8 },
        { "FE byte", "abcdefghij\xfe", PASSWORD_UTF8 },
        { "stray continuation byte", "abcdefghij\x80", PASSWORD_UTF8 },
        { "continuation byte first", "\xbf" "abcdefghij", PASSWORD_UTF8 },
        { "truncated 2-byte at end", "abcdefghij\xc3", PASSWORD_UTF8 },
        { "truncated 3-byte at end", "abcdefghij\xe2\x82", PASSWORD_UTF8 },
        { "truncated 4-byte at end", "abcdefghij\xf0\x9f\x94",
          PASSWORD_UTF8 },
        { "truncated 3-byte before ASCII", "abcdefghij\xe2\x82" "x",
          PASSWORD_UTF8 },
        { "Latin-1 instead of UTF-8", "passw\xf6rd123", PASSWORD_UTF8 },
        /* Invalid UTF-8 is named even when the length is wrong too. */
        { "short and invalid", "\xff", PASSWORD_UTF8 },
        { "tab", "abcde\tfghij", PASSWORD_CONTROL },
        { "newline", "abcdefghij\n", PASSWORD_CONTROL },
        { "carriage return", "abcdefghij\r", PASSWORD_CONTROL },
        { "escape", "\x1b[31mabcdefghij", PASSWORD_CONTROL },
        { "0x01", "\x01" "abcdefghij", PASSWORD_CONTROL },
        { "0x1f", "abcdefghij\x1f", PASSWORD_CONTROL },
        { "DEL", "abcdefghij\x7f", PASSWORD_CONTROL },
        { "C1 U+0080", "abcdefghij\xc2\x80", PASSWORD_CONTROL },
        { "C1 NEL U+0085", "abcdefghij\xc2\x85", PASSWORD_CONTROL },
        { "C1 U+009F", "abcdefghij\xc2\x9f", PASSWORD_CONTROL },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_str(bb_password_problem(cases[i].in, NULL), cases[i].problem,
               cases[i].name);
    }
}


static void
test_password_lengths(void)
{
    char  *buf;

    /* Room for 257 four-byte characters, and for 100 KB. */
    buf = malloc(HUGE_LEN + 1);
    if (!ok(buf != NULL, "malloc")) {
        return;
    }

    is_str(bb_password_problem(repeat(buf, "x", 256), NULL), NULL,
           "256 ASCII characters");
    is_str(bb_password_problem(repeat(buf, "x", 257), NULL), PASSWORD_LONG,
           "257 ASCII characters");
    is_str(bb_password_problem(repeat(buf, "\xc3\xa9", 256), NULL), NULL,
           "256 two-byte characters (512 bytes)");
    is_str(bb_password_problem(repeat(buf, "\xc3\xa9", 257), NULL),
           PASSWORD_LONG, "257 two-byte characters");
    is_str(bb_password_problem(repeat(buf, HANGUL, 256), NULL), NULL,
           "256 Hangul syllables (768 bytes)");
    is_str(bb_password_problem(repeat(buf, HANGUL, 257), NULL),
           PASSWORD_LONG, "257 Hangul syllables");
    is_str(bb_password_problem(repeat(buf, "\xf0\x9f\x94\x91", 256), NULL),
           NULL, "256 emoji (1024 bytes)");
    is_str(bb_password_problem(repeat(buf, "\xf0\x9f\x94\x91", 257), NULL),
           PASSWORD_LONG, "257 emoji");

    is_str(bb_password_problem(repeat(buf, "x", HUGE_LEN), NULL),
           PASSWORD_LONG, "100 KB password");
    is_str(bb_password_problem(repeat(buf, "\xff", HUGE_LEN), NULL),
           PASSWORD_UTF8, "100 KB of invalid UTF-8");

    /* The last of 200 four-byte characters loses its last byte. */
    repeat(buf, "\xf0\x9f\x94\x91", 200);
    buf[799] = '\0';
    is_str(bb_password_problem(buf, NULL), PASSWORD_UTF8,
           "200 emoji, the last one truncated");

    free(buf);
}


static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/*
 * The shipped list: exactly 1,000 distinct lowercase entries, no blank
 * line, at least 300 long enough to matter under the 10-character rule,
 * and every one found by bb_wordlist_has().
 */
static void
test_common_file(bb_wordlist_t *common)
{
    FILE    *f;
    char     line[512], *words[1100];
    size_t   i, n, len, blank, bad, missing, dup, longer;

    f = fopen(COMMON_PASSWORDS, "r");
    if (!ok(f != NULL, "open %s", COMMON_PASSWORDS)) {
        return;
    }

    n = 0;
    blank = 0;
    bad = 0;
    missing = 0;
    longer = 0;

    while (n < sizeof(words) / sizeof(words[0])
           && fgets(line, sizeof(line), f) != NULL)
    {
        len = strcspn(line, "\n");

        if (line[len] != '\n') {
            diag("line %zu has no newline or is too long", n + 1);
            bad++;
        }

        line[len] = '\0';

        if (len == 0) {
            blank++;
        }

        if (strpbrk(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ \t\r") != NULL) {
            diag("line %zu \"%s\" has upper case or blanks", n + 1, line);
            bad++;
        }

        if (len >= 10) {
            longer++;
        }

        if (!bb_wordlist_has(common, line)) {
            diag("line %zu \"%s\" is not found", n + 1, line);
            missing++;
        }

        words[n] = strdup(line);
        if (words[n] == NULL) {
            break;
        }

        n++;
    }

    fclose(f);

    qsort(words, n, sizeof(char *), cmp_str);

    dup = 0;

    for (i = 1; i < n; i++) {
        if (strcmp(words[i - 1], words[i]) == 0) {
            diag("\"%s\" is listed twice", words[i]);
            dup++;
        }
    }

    for (i = 0; i < n; i++) {
        free(words[i]);
    }

    is_int((long long) n, 1000, "the list has 1000 entries");
    is_int((long long) blank, 0, "the list has no blank line");
    is_int((long long) bad, 0, "the list is lowercase, one word a line");
    is_int((long long) dup, 0, "the list has no duplicate");
    is_int((long long) missing, 0, "every entry is found in the list");
    ok(longer >= 300, "%zu entries are 10 characters or longer", longer);
}


static void
test_common_passwords(void)
{
    static const struct {
        const char  *in;
        const char  *problem;
    } cases[] = {
        { "password123", PASSWORD_COMMON },
        { "PASSWORD123", PASSWORD_COMMON },
        { "PassWord123", PASSWORD_COMMON },
        { "1234567890", PASSWORD_COMMON },
        { "qwertyuiop", PASSWORD_COMMON },
        { "QwertyUiop", PASSWORD_COMMON },
        { "1q2w3e4r5t", PASSWORD_COMMON },
        { "1QAZ2WSX3EDC", PASSWORD_COMMON },
        { "iloveyou12", PASSWORD_COMMON },
        { "Qwerty12345", PASSWORD_COMMON },
        { "0987654321", PASSWORD_COMMON },
        { "1111111111", PASSWORD_COMMON },
        { "Welcome123", PASSWORD_COMMON },
        { "Sunshine123", PASSWORD_COMMON },
        /* Short ones are refused for their length first. */
        { "password", PASSWORD_SHORT },
        { "123456", PASSWORD_SHORT },
        { "password1234x", NULL },
        { "xpassword123", NULL },
        { "password12 ", NULL },
        { "zq8!xw3#pv", NULL },
        { "correct horse battery staple", NULL },
    };

    size_t          i;
    char            err[512];
    bb_wordlist_t  *common;

    err[0] = '\0';
    common = bb_wordlist_load(COMMON_PASSWORDS, err, sizeof(err));

    if (!ok(common != NULL, "load %s", COMMON_PASSWORDS)) {
        diag("error: %s", err);
        return;
    }

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (!is_str(bb_password_problem(cases[i].in, common),
                    cases[i].problem, cases[i].in))
        {
            diag("password: \"%s\"", cases[i].in);
        }
    }

    ok(bb_wordlist_has(common, "DRAGON"), "has DRAGON");
    ok(bb_wordlist_has(common, "Trustno1"), "has Trustno1");
    ok(!bb_wordlist_has(common, ""), "has not the empty string");
    ok(!bb_wordlist_has(common, "dragon\xc3\xa9"), "has not dragon\\xc3\\xa9");

    test_common_file(common);

    bb_wordlist_free(common);
}


static void
test_wordlist_temp(void)
{
    static const struct {
        const char  *word;
        int          has;
    } cases[] = {
        { "hello", 1 },
        { "HELLO", 1 },
        { "world", 1 },
        { "World", 1 },
        { "CorrectHorseBattery", 1 },
        { "correcthorsebattery", 1 },
        { "last", 1 },
        { "zebra", 1 },
        { "aardvark", 1 },
        { "", 0 },
        { "hell", 0 },
        { "hello\r", 0 },
        { "hello world", 0 },
        { "lastx", 0 },
        { "\r", 0 },
    };

    size_t          i;
    char           *path, err[512];
    bb_wordlist_t  *list;
    const char     *text;

    /* CRLF, LF, blank lines of both kinds, unsorted, no final newline. */
    text = "Zebra\r\nHello\r\nWORLD\n\n\r\ncorrecthorsebattery\naardvark\n"
           "last";

    path = tap_temp_file(text, strlen(text));
    if (!ok(path != NULL, "temporary list")) {
        return;
    }

    err[0] = '\0';
    list = bb_wordlist_load(path, err, sizeof(err));

    if (ok(list != NULL, "load a temporary list")) {
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            is_int(bb_wordlist_has(list, cases[i].word), cases[i].has,
                   cases[i].word[0] ? cases[i].word : "(empty)");
        }

        is_str(bb_password_problem("CORRECTHORSEBATTERY", list),
               PASSWORD_COMMON, "password in a temporary list");
        is_str(bb_password_problem("correcthorsebatteries", list), NULL,
               "password not in a temporary list");

        bb_wordlist_free(list);

    } else {
        diag("error: %s", err);
    }

    unlink(path);
    free(path);

    ok(!bb_wordlist_has(NULL, "hello"), "a NULL list has nothing");
    is_str(bb_password_problem("password123", NULL), NULL,
           "a NULL list skips the common check");
    bb_wordlist_free(NULL);
}


/* Loads path and expects it to fail with want. */
static void
check_load_error(const char *name, const char *path, const char *want)
{
    char            err[512];
    bb_wordlist_t  *list;

    err[0] = '\0';
    list = bb_wordlist_load(path, err, sizeof(err));

    ok(list == NULL, "%s is refused", name);
    is_str(err, want, name);

    bb_wordlist_free(list);
}


static void
test_wordlist_errors(void)
{
    char           *path, *text, err[512];
    char            dir[] = "/tmp/bb-unit-validate-XXXXXX";
    char            missing[128], want[512];
    bb_wordlist_t  *list;

    /* A fresh empty folder makes sure the file really does not exist. */
    if (!ok(mkdtemp(dir) != NULL, "mkdtemp")) {
        return;
    }

    snprintf(missing, sizeof(missing), "%s/missing.txt", dir);
    snprintf(want, sizeof(want), "cannot open \"%s\": %s", missing,
             strerror(ENOENT));
    check_load_error("missing file", missing, want);

    snprintf(want, sizeof(want), "cannot read \"%s\": %s", dir,
             strerror(EISDIR));
    check_load_error("a directory", dir, want);

    rmdir(dir);

    path = tap_temp_file("\n\r\n\n", 4);
    if (ok(path != NULL, "temporary file of blank lines")) {
        snprintf(want, sizeof(want), "\"%s\" holds no words", path);
        check_load_error("only blank lines", path, want);
        unlink(path);
        free(path);
    }

    path = tap_temp_file("", 0);
    if (ok(path != NULL, "temporary empty file")) {
        snprintf(want, sizeof(want), "\"%s\" holds no words", path);
        check_load_error("empty file", path, want);
        unlink(path);
        free(path);
    }

    path = tap_temp_file("abc\ndef\0ghi\n", 12);
    if (ok(path != NULL, "temporary file with a NUL")) {
        snprintf(want, sizeof(want), "cannot read \"%s\": not text (a NUL "
                 "byte)", path);
        check_load_error("NUL byte", path, want);
        unlink(path);
        free(path);
    }

    text = malloc(WORDLIST_FILE_MAX + 1);
    if (!ok(text != NULL, "malloc")) {
        return;
    }

    memset(text, '\n', WORDLIST_FILE_MAX + 1);
    memcpy(text, "first", 5);
    memcpy(text + WORDLIST_FILE_MAX - 5, "last", 4);

    path = tap_temp_file(text, WORDLIST_FILE_MAX);
    if (ok(path != NULL, "temporary file at the limit")) {
        err[0] = '\0';
        list = bb_wordlist_load(path, err, sizeof(err));

        if (!ok(list != NULL, "file at the size limit loads")) {
            diag("error: %s", err);
        }

        ok(bb_wordlist_has(list, "first") && bb_wordlist_has(list, "last"),
           "file at the size limit is read whole");

        bb_wordlist_free(list);
        unlink(path);
        free(path);
    }

    path = tap_temp_file(text, WORDLIST_FILE_MAX + 1);
    if (ok(path != NULL, "temporary file over the limit")) {
        snprintf(want, sizeof(want), "cannot read \"%s\": larger than 16 MB",
                 path);
        check_load_error("file over the size limit", path, want);
        unlink(path);
        free(path);
    }

    free(text);

    /* A small buffer gets a truncated, terminated message. */
    err[0] = '\0';
    memset(err, 'x', 12);
    list = bb_wordlist_load(missing, err, 12);
    ok(list == NULL, "missing file, small error buffer");
    is_str(err, "cannot open", "error truncated and terminated");
}


int
main(void)
{
    test_username();
    test_username_every_byte();
    test_username_lengths();
    test_email();
    test_email_lengths();
    test_password();
    test_password_lengths();
    test_common_passwords();
    test_wordlist_temp();
    test_wordlist_errors();

    return done_testing();
}
