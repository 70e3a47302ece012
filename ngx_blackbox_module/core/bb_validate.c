/*
 * The shape of account input: see bb_validate.h.
 *
 * Every scan is bounded by the largest length that could be acceptable, so
 * a hostile 100 KB field costs no more than a valid one.  Letters are
 * classified and folded by hand rather than with <ctype.h>, whose answers
 * depend on the locale: a byte that is a letter in ISO 8859-1 must still be
 * refused in a username.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_validate.h"

#define BB_WORDLIST_FILE_MAX  (16 * 1024 * 1024)
#define BB_DNS_LABEL_MAX      63

#define BB_USERNAME_LENGTH                                                    \
    "must be 3 to 32 characters of a-z, 0-9, '.', '_' or '-'"
#define BB_USERNAME_CHARS                                                     \
    "may contain only a-z, 0-9, '.', '_' or '-' (no spaces, accents or "      \
    "other alphabets)"

#define BB_EMAIL_LENGTH       "must be at most 254 characters"
#define BB_EMAIL_SHAPE        "must be an address such as name@example.com"
#define BB_EMAIL_ONE_AT       "must contain exactly one '@'"
#define BB_EMAIL_LOCAL_LENGTH "must have 1 to 64 characters before the '@'"
#define BB_EMAIL_LOCAL_CHARS                                                  \
    "must not contain spaces, quotes, '<', '>', ',', ';', '\\' or control "   \
    "characters before the '@'"
#define BB_EMAIL_DOMAIN                                                       \
    "must have a domain such as example.com after the '@'"

#define BB_PASSWORD_SHORT     "must be at least 10 characters"
#define BB_PASSWORD_LONG      "must be at most 256 characters"
#define BB_PASSWORD_UTF8      "must be valid UTF-8"
#define BB_PASSWORD_CONTROL   "must not contain control characters"
#define BB_PASSWORD_COMMON                                                    \
    "is one of the most common passwords: choose another"


struct bb_wordlist_s {
    char    *text;      /* the file, each line ending turned into a NUL */
    char   **words;     /* into text, sorted ignoring ASCII case */
    size_t   n;
};


static unsigned char
bb_ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char) (c | 0x20) : c;
}


static int
bb_ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}


int
bb_username_normalize(const char *in, char *out, size_t size,
    const char **problem)
{
    size_t         i, len;
    unsigned char  c;

    /* One byte past the limit is enough to know the name is too long. */
    len = strnlen(in, BB_USERNAME_MAX + 1);

    /*
     * Characters first: a short Cyrillic name is refused for its alphabet,
     * the useful answer, although its bytes would also fit the length.
     */
    for (i = 0; i < len; i++) {
        c = bb_ascii_lower((unsigned char) in[i]);

        if (!bb_ascii_alnum(c) && c != '.' && c != '_' && c != '-') {
            *problem = BB_USERNAME_CHARS;
            return -1;
        }
    }

    if (len < BB_USERNAME_MIN || len > BB_USERNAME_MAX || len >= size) {
        *problem = BB_USERNAME_LENGTH;
        return -1;
    }

    for (i = 0; i < len; i++) {
        out[i] = (char) bb_ascii_lower((unsigned char) in[i]);
    }

    out[len] = '\0';

    return 0;
}


/* Checks the part before the "@": local bytes at in. */
static const char *
bb_email_local_problem(const char *in, size_t local)
{
    size_t         i;
    unsigned char  c;

    if (local == 0 || local > BB_EMAIL_LOCAL_MAX) {
        return BB_EMAIL_LOCAL_LENGTH;
    }

    for (i = 0; i < local; i++) {
        c = (unsigned char) in[i];

        /* Space and control characters are what header injection needs. */
        if (c <= ' ' || c >= 0x7f || strchr("\"<>,;\\", c) != NULL) {
            return BB_EMAIL_LOCAL_CHARS;
        }
    }

    return NULL;
}


/* Checks the domain: len bytes at p, after the "@". */
static const char *
bb_email_domain_problem(const char *p, size_t len)
{
    size_t         i, label, dots;
    unsigned char  c;

    label = 0;
    dots = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if (c == '.') {
            if (label == 0 || p[i - 1] == '-') {
                return BB_EMAIL_DOMAIN;
            }

            dots++;
            label = 0;
            continue;
        }

        if (!bb_ascii_alnum(c) && c != '-') {
            return BB_EMAIL_DOMAIN;
        }

        if ((label == 0 && c == '-') || ++label > BB_DNS_LABEL_MAX) {
            return BB_EMAIL_DOMAIN;
        }
    }

    /* This also refuses an empty domain and a trailing dot. */
    if (label == 0 || p[len - 1] == '-' || dots == 0) {
        return BB_EMAIL_DOMAIN;
    }

    return NULL;
}


int
bb_email_normalize(const char *in, char *out, size_t size,
    const char **problem)
{
    size_t       i, len, local;
    const char  *at, *reason;

    len = strnlen(in, BB_EMAIL_MAX + 1);

    if (len > BB_EMAIL_MAX || len >= size) {
        *problem = BB_EMAIL_LENGTH;
        return -1;
    }

    at = memchr(in, '@', len);
    if (at == NULL) {
        *problem = BB_EMAIL_SHAPE;
        return -1;
    }

    local = (size_t) (at - in);

    if (memchr(at + 1, '@', len - local - 1) != NULL) {
        *problem = BB_EMAIL_ONE_AT;
        return -1;
    }

    reason = bb_email_local_problem(in, local);

    if (reason == NULL) {
        reason = bb_email_domain_problem(at + 1, len - local - 1);
    }

    if (reason != NULL) {
        *problem = reason;
        return -1;
    }

    /*
     * Only the domain is folded: RFC 5321 lets the receiving host treat
     * "Bob" and "bob" as different mailboxes, so the local part is kept.
     */
    memcpy(out, in, local + 1);

    for (i = local + 1; i < len; i++) {
        out[i] = (char) bb_ascii_lower((unsigned char) in[i]);
    }

    out[len] = '\0';

    return 0;
}


/*
 * Decodes one UTF-8 sequence at p into *cp.  Returns its length in bytes,
 * or 0 if it is not well-formed (Unicode 15, table 3-7).  The range allowed
 * for the second byte is what refuses overlong forms (E0 80..9F, F0 80..8F),
 * UTF-16 surrogates (ED A0..BF) and values past U+10FFFF (F4 90..).  The
 * terminating NUL is not a continuation byte, so a truncated sequence stops
 * on it and nothing past the string is read.
 */
static size_t
bb_utf8_decode(const unsigned char *p, uint32_t *cp)
{
    size_t         i, len;
    uint32_t       v;
    unsigned char  c, lo, hi;

    c = p[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }

    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;

    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;

        if (c == 0xe0) {
            lo = 0xa0;

        } else if (c == 0xed) {
            hi = 0x9f;
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;

        if (c == 0xf0) {
            lo = 0x90;

        } else if (c == 0xf4) {
            hi = 0x8f;
        }

    } else {
        /* A stray continuation byte, C0/C1 (always overlong), or F5..FF. */
        return 0;
    }

    if (p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        v = (v << 6) | (p[i] & 0x3f);
    }

    *cp = v;

    return len;
}


const char *
bb_password_problem(const char *password, const bb_wordlist_t *common)
{
    size_t                n, len;
    uint32_t              cp;
    const unsigned char  *p;

    n = 0;

    for (p = (const unsigned char *) password; *p != '\0'; p += len) {
        len = bb_utf8_decode(p, &cp);
        if (len == 0) {
            return BB_PASSWORD_UTF8;
        }

        /* C0, DEL and C1: invisible, and some terminals act on them. */
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
            return BB_PASSWORD_CONTROL;
        }

        /* Stop here rather than walk the rest of a huge input. */
        if (++n > BB_PASSWORD_MAX) {
            return BB_PASSWORD_LONG;
        }
    }

    if (n < BB_PASSWORD_MIN) {
        return BB_PASSWORD_SHORT;
    }

    if (bb_wordlist_has(common, password)) {
        return BB_PASSWORD_COMMON;
    }

    return NULL;
}


static int
bb_ascii_casecmp(const char *a, const char *b)
{
    unsigned char  ca, cb;

    for ( ;; ) {
        ca = bb_ascii_lower((unsigned char) *a++);
        cb = bb_ascii_lower((unsigned char) *b++);

        if (ca != cb || ca == '\0') {
            return (int) ca - (int) cb;
        }
    }
}


/* For qsort and bsearch: both point to a char *. */
static int
bb_wordlist_cmp(const void *a, const void *b)
{
    return bb_ascii_casecmp(*(char *const *) a, *(char *const *) b);
}


/*
 * Reads the whole file at path into a NUL-terminated buffer.  Returns it
 * with its length in *len, or NULL with a sentence in err.
 */
static char *
bb_wordlist_read(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE    *f;
    char    *text, *small;
    size_t   n;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open \"%s\": %s", path, strerror(errno));
        return NULL;
    }

    text = malloc(BB_WORDLIST_FILE_MAX + 1);
    if (text == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory reading \"%s\"", path);
        return NULL;
    }

    /* One byte more than allowed tells a file at the limit from a bigger. */
    n = fread(text, 1, BB_WORDLIST_FILE_MAX + 1, f);

    if (ferror(f)) {
        snprintf(err, errlen, "cannot read \"%s\": %s", path, strerror(errno));
        goto failed;
    }

    if (n > BB_WORDLIST_FILE_MAX) {
        snprintf(err, errlen, "cannot read \"%s\": larger than 16 MB", path);
        goto failed;
    }

    if (memchr(text, '\0', n) != NULL) {
        snprintf(err, errlen, "cannot read \"%s\": not text (a NUL byte)",
                 path);
        goto failed;
    }

    fclose(f);
    text[n] = '\0';

    /* Give back the unused part of the 16 MB; keep it if that fails. */
    small = realloc(text, n + 1);
    if (small != NULL) {
        text = small;
    }

    *len = n;

    return text;

failed:

    fclose(f);
    free(text);

    return NULL;
}


bb_wordlist_t *
bb_wordlist_load(const char *path, char *err, size_t errlen)
{
    char           *p, *end, *eol, *text;
    size_t          len, n;
    bb_wordlist_t  *list;

    text = bb_wordlist_read(path, &len, err, errlen);
    if (text == NULL) {
        return NULL;
    }

    list = calloc(1, sizeof(bb_wordlist_t));
    if (list == NULL) {
        free(text);
        snprintf(err, errlen, "out of memory reading \"%s\"", path);
        return NULL;
    }

    list->text = text;
    end = text + len;

    /* Count first, so that the array is allocated once at its size. */
    n = 0;

    for (p = text; p < end; p = eol + 1) {
        eol = memchr(p, '\n', (size_t) (end - p));
        if (eol == NULL) {
            eol = end;
        }

        if (eol > p && !(eol - p == 1 && *p == '\r')) {
            n++;
        }
    }

    if (n == 0) {
        snprintf(err, errlen, "\"%s\" holds no words", path);
        bb_wordlist_free(list);
        return NULL;
    }

    list->words = malloc(n * sizeof(char *));
    if (list->words == NULL) {
        snprintf(err, errlen, "out of memory reading \"%s\"", path);
        bb_wordlist_free(list);
        return NULL;
    }

    for (p = text; p < end; p = eol + 1) {
        eol = memchr(p, '\n', (size_t) (end - p));
        if (eol == NULL) {
            eol = end;
        }

        *eol = '\0';

        if (eol > p && eol[-1] == '\r') {
            eol[-1] = '\0';
        }

        if (*p != '\0') {
            list->words[list->n++] = p;
        }
    }

    qsort(list->words, list->n, sizeof(char *), bb_wordlist_cmp);

    return list;
}


int
bb_wordlist_has(const bb_wordlist_t *list, const char *word)
{
    if (list == NULL) {
        return 0;
    }

    return bsearch(&word, list->words, list->n, sizeof(char *),
                   bb_wordlist_cmp) != NULL;
}


void
bb_wordlist_free(bb_wordlist_t *list)
{
    if (list == NULL) {
        return;
    }

    free(list->words);
    free(list->text);
    free(list);
}
