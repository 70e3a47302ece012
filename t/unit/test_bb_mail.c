/*
 * Unit tests of bb_mail: the code mails in English and Korean, and the
 * RFC 5322 form of a message (headers one line each whatever they are given,
 * RFC 2047 subjects and base64 bodies that decode back to what went in, CRLF
 * everywhere, and the snprintf contract of the formatter).
 *
 * The decoders here are written from the RFCs, independently of bb_mail.c,
 * so that a shared mistake cannot pass.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_mail.h"
#include "tap.h"

#define FILL       0xaa
#define CANARY     0x5c
#define PAD        16

/* Thu, 26 Nov 2026 04:03:00 +0000 */
#define TEST_DATE  1795665780

#define KO_VERIFY_SUBJECT  "blackbox \xec\x9d\xb8\xec\xa6\x9d " \
                           "\xec\xbd\x94\xeb\x93\x9c"   /* 인증 코드 */


/* --- helpers ------------------------------------------------------------- */

/* 1 when text has a line (LF-ended, or the last) exactly equal to line. */
static int
has_line(const char *text, const char *line)
{
    size_t       n;
    const char  *p, *eol;

    n = strlen(line);

    for (p = text; *p; p = eol + 1) {
        eol = strchr(p, '\n');
        if (eol == NULL) {
            return strcmp(p, line) == 0;
        }

        if ((size_t) (eol - p) == n && memcmp(p, line, n) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
b64_value(int c)
{
    const char  *digits, *p;

    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
             "0123456789+/";

    p = (c != '\0') ? strchr(digits, c) : NULL;

    return p ? (int) (p - digits) : -1;
}


/*
 * Decodes n characters of base64, skipping CR and LF; appends a NUL.
 * Returns the decoded length, or -1 on a character outside the alphabet.
 */
static long
b64_decode(const char *in, size_t n, char *out, size_t size)
{
    int       v;
    size_t    i, len;
    unsigned  acc, bits;

    acc = 0;
    bits = 0;
    len = 0;

    for (i = 0; i < n; i++) {
        if (in[i] == '\r' || in[i] == '\n') {
            continue;
        }

        if (in[i] == '=') {
            break;
        }

        v = b64_value(in[i]);
        if (v < 0) {
            return -1;
        }

        acc = (acc << 6) | (unsigned) v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            if (len + 1 >= size) {
                return -1;
            }

            out[len++] = (char) ((acc >> bits) & 0xff);
        }
    }

    out[len] = '\0';

    return (long) len;
}


/* The header block of a message: up to and excluding the empty line. */
static size_t
header_len(const char *msg)
{
    const char  *end;

    end = strstr(msg, "\r\n\r\n");

    return end ? (size_t) (end - msg) + 2 : strlen(msg);
}


/*
 * The value of header name (unfolded: CRLF before a blank is dropped), or
 * NULL when there is none.
 */
static char *
header_value(const char *msg, const char *name, char *out, size_t size)
{
    size_t       n, hlen, len;
    const char  *p, *end;

    n = strlen(name);
    hlen = header_len(msg);
    end = msg + hlen;

    for (p = msg; p < end; p = strstr(p, "\r\n") + 2) {
        if (strncmp(p, name, n) == 0 && p[n] == ':') {
            break;
        }
    }

    if (p >= end) {
        return NULL;
    }

    p += n + 1;
    while (*p == ' ') {
        p++;
    }

    len = 0;

    while (p < end) {
        if (p[0] == '\r' && p[1] == '\n') {
            if (p[2] != ' ' && p[2] != '\t') {
                break;
            }

            p += 2;
            continue;
        }

        if (len + 1 < size) {
            out[len++] = *p;
        }

        p++;
    }

    out[len] = '\0';

    return out;
}


/*
 * Decodes a header value of RFC 2047 "=?UTF-8?B?...?=" words separated by
 * white space, which the decoder drops.  Each word must hold whole UTF-8
 * characters: *split is set when one does not.  Returns 0, or -1 when the
 * value is not made of such words.
 */
static int
rfc2047_decode(const char *v, char *out, size_t size, int *split)
{
    long           n;
    char           word[128];
    size_t         len;
    const char    *p, *end;
    unsigned char  first, last;
    int            i, cont;

    len = 0;
    *split = 0;

    for (p = v; *p; p = end + 2) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        if (*p == '\0') {
            break;
        }

        if (strncmp(p, "=?UTF-8?B?", 10) != 0) {
            return -1;
        }

        p += 10;
        end = strstr(p, "?=");
        if (end == NULL) {
            return -1;
        }

        n = b64_decode(p, (size_t) (end - p), word, sizeof(word));
        if (n <= 0 || len + (size_t) n >= size) {
            return -1;
        }

        /* Whole characters: starts on a lead byte, ends complete. */
        first = (unsigned char) word[0];
        if ((first & 0xc0) == 0x80) {
            *split = 1;
        }

        for (i = (int) n - 1; i >= 0; i--) {
            last = (unsigned char) word[i];
            if ((last & 0xc0) != 0x80) {
                break;
            }
        }

        if (i >= 0) {
            cont = (last >= 0xf0) ? 3 : (last >= 0xe0) ? 2
                                     : (last >= 0xc0) ? 1 : 0;
            if ((int) n - 1 - i != cont) {
                *split = 1;
            }
        }

        memcpy(out + len, word, (size_t) n);
        len += (size_t) n;
    }

    out[len] = '\0';

    return 0;
}


/* 1 when every CR is followed by LF and every LF preceded by CR. */
static int
all_crlf(const char *s)
{
    size_t  i;

    for (i = 0; s[i]; i++) {
        if (s[i] == '\r' && s[i + 1] != '\n') {
            return 0;
        }

        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) {
            return 0;
        }
    }

    return 1;
}


/* The longest line of s, CRLF excluded. */
static size_t
longest_line(const char *s)
{
    size_t       n, max;
    const char  *p, *eol;

    max = 0;

    for (p = s; *p; p = eol + 2) {
        eol = strstr(p, "\r\n");
        if (eol == NULL) {
            n = strlen(p);
            return n > max ? n : max;
        }

        n = (size_t) (eol - p);
        if (n > max) {
            max = n;
        }
    }

    return max;
}


/* Formats into a fresh allocation (measured first); NULL on failure. */
static char *
format(const char *from, const char *to, const char *subject,
    const char *body, const char *id)
{
    char    *out;
    size_t   n, w;

    n = bb_mail_format(from, to, subject, body, TEST_DATE, id, NULL, 0);

    out = malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }

    w = bb_mail_format(from, to, subject, body, TEST_DATE, id, out, n + 1);
    if (w != n || strlen(out) != n) {
        diag("measured %zu, wrote %zu, strlen %zu", n, w, strlen(out));
        free(out);
        return NULL;
    }

    return out;
}


/* The body's canonical form: every line end CRLF. */
static void
canonical(const char *in, char *out)
{
    for ( /* void */ ; *in; in++) {
        if (*in == '\r' || *in == '\n') {
            if (in[0] == '\r' && in[1] == '\n') {
                in++;
            }

            *out++ = '\r';
            *out++ = '\n';
            continue;
        }

        *out++ = *in;
    }

    *out = '\0';
}


/* --- templates ----------------------------------------------------------- */

static void
test_render(void)
{
    static const struct {
        bb_mail_kind_e   kind;
        const char      *lang;
        const char      *subject;
        const char      *minutes;
        const char      *greeting;
        const char      *if_not_you;
    } cases[] = {
        { BB_MAIL_VERIFY_EMAIL, "en", "Your blackbox verification code",
          "valid for 15 minutes.", "Hello alice_01,", "ignore this mail" },
        { BB_MAIL_LOGIN_CODE, "en", "Your blackbox login code",
          "valid for 15 minutes.", "Hello alice_01,",
          "someone else knows your password" },
        { BB_MAIL_VERIFY_EMAIL, "ko", KO_VERIFY_SUBJECT,
          "15\xeb\xb6\x84 \xeb\x8f\x99\xec\x95\x88 "      /* 15분 동안 */
          "\xec\x9c\xa0\xed\x9a\xa8\xed\x95\xa9\xeb\x8b\x88\xeb\x8b\xa4.",
          "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94, "
          "alice_01\xeb\x8b\x98.",                         /* 안녕하세요, 님 */
          "\xeb\xac\xb4\xec\x8b\x9c" },                    /* 무시 */
        { BB_MAIL_LOGIN_CODE, "ko",
          "blackbox \xeb\xa1\x9c\xea\xb7\xb8\xec\x9d\xb8 "
          "\xec\xbd\x94\xeb\x93\x9c",                      /* 로그인 코드 */
          "15\xeb\xb6\x84 \xeb\x8f\x99\xec\x95\x88 "
          "\xec\x9c\xa0\xed\x9a\xa8\xed\x95\xa9\xeb\x8b\x88\xeb\x8b\xa4.",
          "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94, "
          "alice_01\xeb\x8b\x98.",
          "\xeb\xb9\x84\xeb\xb0\x80\xeb\xb2\x88\xed\x98\xb8\xeb\xa5\xbc "
          "\xeb\xb3\x80\xea\xb2\xbd" },                    /* 비밀번호를 변경 */
    };

    int     rc;
    char    name[64], subject[128], body[2048];
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "%s %s",
                 cases[i].kind == BB_MAIL_LOGIN_CODE ? "login" : "verify",
                 cases[i].lang);

        rc = bb_mail_render(cases[i].kind, cases[i].lang, "alice_01",
                            "042917", 15, subject, sizeof(subject),
                            body, sizeof(body));
        if (!is_int(rc, 0, name)) {
            continue;
        }

        is_str(subject, cases[i].subject, "subject");
        ok(strstr(subject, "042917") == NULL, "%s: no code in the subject",
           name);
        ok(has_line(body, "042917"), "%s: the code on its own line", name);
        ok(strstr(body, cases[i].greeting) != NULL,
           "%s: greets the user by name", name);
        ok(strstr(body, cases[i].minutes) != NULL, "%s: says how long",
           name);
        ok(strstr(body, cases[i].if_not_you) != NULL,
           "%s: says what to do if not asked for", name);
        ok(strchr(body, '\r') == NULL, "%s: LF line ends", name);

        if (cases[i].kind == BB_MAIL_LOGIN_CODE && cases[i].lang[0] == 'e') {
            ok(strstr(body, "change your\npassword") != NULL,
               "%s: says to change the password", name);
        }
    }
}


static void
test_render_minutes(void)
{
    char  subject[128], body[2048];

    bb_mail_render(BB_MAIL_LOGIN_CODE, "en", "bob", "000001", 1,
                   subject, sizeof(subject), body, sizeof(body));
    ok(strstr(body, "valid for 1 minute.") != NULL, "1 minute, singular");

    bb_mail_render(BB_MAIL_VERIFY_EMAIL, "en", "bob", "000001", 1440,
                   subject, sizeof(subject), body, sizeof(body));
    ok(strstr(body, "valid for 1440 minutes.") != NULL, "1440 minutes");

    bb_mail_render(BB_MAIL_VERIFY_EMAIL, "ko", "bob", "000001", 5,
                   subject, sizeof(subject), body, sizeof(body));
    ok(strstr(body, "5\xeb\xb6\x84 ") != NULL, "5 minutes in Korean");
    ok(has_line(body, "000001"), "a code of leading zeros stays whole");
}


/* Any language but "ko" is English, byte for byte. */
static void
test_render_fallback(void)
{
    static const char  *langs[] = { "fr", "", "KO", "ko-KR", "english", NULL };

    int     rc;
    char    s_en[128], b_en[2048], s[128], b[2048];
    size_t  i;

    bb_mail_render(BB_MAIL_LOGIN_CODE, "en", "carol", "123456", 10,
                   s_en, sizeof(s_en), b_en, sizeof(b_en));

    for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
        rc = bb_mail_render(BB_MAIL_LOGIN_CODE, langs[i], "carol", "123456",
                            10, s, sizeof(s), b, sizeof(b));
        ok(rc == 0 && strcmp(s, s_en) == 0 && strcmp(b, b_en) == 0,
           "language \"%s\" falls back to English",
           langs[i] ? langs[i] : "(null)");
    }
}


/*
 * The notices about a dashcam: each names the dashcam in its subject and
 * says who, which and when in its body, in either language; a buffer one
 * byte short fails.
 */
static void
test_render_notice(void)
{
    static const struct {
        bb_mail_notice_e   kind;
        const char        *lang;
        const char        *subject;
        const char        *says;
    } cases[] = {
        { BB_MAIL_DEVICE_SILENT, "en",
          "Your dashcam \"Front 앞\" has gone silent", "since" },
        { BB_MAIL_DEVICE_BACK, "en",
          "Your dashcam \"Front 앞\" is back online", "heard from again" },
        { BB_MAIL_DEVICE_IMPACT, "en",
          "Your dashcam \"Front 앞\" recorded an impact", "an impact at" },
        { BB_MAIL_DEVICE_SILENT, "ko", "블랙박스 \"Front 앞\" 연결 끊김",
          "이후로 신호가 없습니다" },
        { BB_MAIL_DEVICE_BACK, "ko", "블랙박스 \"Front 앞\" 다시 연결됨",
          "다시 확인되었습니다" },
        { BB_MAIL_DEVICE_IMPACT, "ko", "블랙박스 \"Front 앞\" 충격 감지",
          "충격이 감지되었습니다" },
    };

    int     rc;
    char    s[256], b[2048];
    size_t  i, need;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc = bb_mail_render_notice(cases[i].kind, cases[i].lang, "carol",
                                   "Front 앞", "2026-11-25 13:03:17 (Asia/Seoul)",
                                   s, sizeof(s), b, sizeof(b));
        ok(rc == 0, "notice %zu (%s) renders", i, cases[i].lang);
        is_str(s, cases[i].subject, "  its subject names the dashcam");
        ok(strstr(b, "carol") != NULL && strstr(b, "\"Front 앞\"") != NULL
           && strstr(b, "2026-11-25 13:03:17 (Asia/Seoul)") != NULL
           && strstr(b, cases[i].says) != NULL,
           "  its body greets the owner, names the dashcam and the time");

        need = strlen(b) + 1;
        ok(bb_mail_render_notice(cases[i].kind, cases[i].lang, "carol",
                                 "Front 앞", "2026-11-25 13:03:17 (Asia/Seoul)",
                                 s, sizeof(s), b, need - 1) == -1,
           "  a body buffer one byte short fails");
    }
}


/*
 * Every size below the need fails, without writing past the size; the
 * exact need succeeds.
 */
static void
test_render_small(void)
{
    int            rc, bad_rc, overrun;
    char           subject[128];
    size_t         need_s, need_b, size;
    unsigned char  buf[4096];
    const char    *langs[] = { "en", "ko" };
    size_t         l;

    for (l = 0; l < 2; l++) {
        rc = bb_mail_render(BB_MAIL_VERIFY_EMAIL, langs[l], "dave", "555555",
                            15, subject, sizeof(subject), (char *) buf,
                            sizeof(buf));
        if (!is_int(rc, 0, "render into a large buffer")) {
            return;
        }

        need_s = strlen(subject) + 1;
        need_b = strlen((char *) buf) + 1;

        bad_rc = 0;
        overrun = 0;

        for (size = 0; size < need_b + 2; size++) {
            memset(buf, FILL, size);
            memset(buf + size, CANARY, PAD);

            rc = bb_mail_render(BB_MAIL_VERIFY_EMAIL, langs[l], "dave",
                                "555555", 15, subject, sizeof(subject),
                                (char *) buf, size);

            if (rc != (size < need_b ? -1 : 0)) {
                diag("%s: body size %zu gives %d", langs[l], size, rc);
                bad_rc++;
            }

            if (buf[size] != CANARY || buf[size + PAD - 1] != CANARY) {
                diag("%s: body size %zu overrun", langs[l], size);
                overrun++;
            }
        }

        for (size = 0; size < need_s + 2; size++) {
            memset(buf, CANARY, sizeof(buf));

            rc = bb_mail_render(BB_MAIL_VERIFY_EMAIL, langs[l], "dave",
                                "555555", 15, (char *) buf, size,
                                (char *) buf + 256, 2048);

            if (rc != (size < need_s ? -1 : 0)) {
                diag("%s: subject size %zu gives %d", langs[l], size, rc);
                bad_rc++;
            }

            if (buf[size] != CANARY) {
                diag("%s: subject size %zu overrun", langs[l], size);
                overrun++;
            }
        }

        is_int(bad_rc, 0, "too small a buffer returns -1, enough returns 0");
        is_int(overrun, 0, "too small a buffer is never overrun");
    }
}


/* --- formatting ---------------------------------------------------------- */

static void
test_format_exact(void)
{
    char  *msg;

    msg = format("blackbox@localhost", "a@example.com", "Hello there",
                 "Hi\n", "1795665780.42.outbox");
    if (!ok(msg != NULL, "format a plain message")) {
        return;
    }

    is_str(msg,
           "From: blackbox@localhost\r\n"
           "To: a@example.com\r\n"
           "Subject: Hello there\r\n"
           "Date: Thu, 26 Nov 2026 04:03:00 +0000\r\n"
           "Message-ID: <1795665780.42.outbox@localhost>\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=UTF-8\r\n"
           "Content-Transfer-Encoding: base64\r\n"
           "\r\n"
           "SGkNCg==\r\n",
           "the whole plain message");

    free(msg);

    msg = format("x@y", "a@b", "", "", "1");
    if (ok(msg != NULL, "format an empty message")) {
        ok(strstr(msg, "Subject: \r\n") != NULL, "empty subject");
        ok(strlen(msg) >= 4 && strcmp(msg + strlen(msg) - 4, "\r\n\r\n") == 0,
           "empty body: the message ends after the blank line");
        free(msg);
    }
}


static void
test_format_date(void)
{
    char    out[1024], v[128];

    bb_mail_format("a@b", "c@d", "s", "b", 0, "1", out, sizeof(out));
    is_str(header_value(out, "Date", v, sizeof(v)),
           "Thu, 01 Jan 1970 00:00:00 +0000", "the epoch");

    bb_mail_format("a@b", "c@d", "s", "b", 951782400 + 86399, "1", out,
                   sizeof(out));
    is_str(header_value(out, "Date", v, sizeof(v)),
           "Tue, 29 Feb 2000 23:59:59 +0000", "a leap day");

    bb_mail_format("a@b", "c@d", "s", "b", -1, "1", out, sizeof(out));
    is_str(header_value(out, "Date", v, sizeof(v)),
           "Thu, 01 Jan 1970 00:00:00 +0000", "a negative time: the epoch");
}


static void
test_format_message_id(void)
{
    static const struct {
        const char  *from;
        const char  *id;
        const char  *want;
    } cases[] = {
        { "blackbox@mail.example.org", "7.1", "<7.1@mail.example.org>" },
        { "blackbox <noreply@example.org>", "7", "<7@example.org>" },
        { "nobody", "7", "<7@localhost>" },
        { "a@", "7", "<7@localhost>" },
        { "a@b", "", "<_@b>" },
        { "a@b", "x y<z>@w", "<x_y_z__w@b>" },
        { "a@b c\r\n", "1", "<1@b_c__>" },
    };

    char    out[1024], v[128];
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bb_mail_format(cases[i].from, "c@d", "s", "b", 0, cases[i].id,
                       out, sizeof(out));
        is_str(header_value(out, "Message-ID", v, sizeof(v)), cases[i].want,
               cases[i].want);
    }
}


static void
test_format_subject(void)
{
    static const char  *subjects[] = {
        KO_VERIFY_SUBJECT,
        "caf\xc3\xa9",
        "plain but with =?UTF-8?B?eA==?= inside",
        "a plain subject that is far too long to stay on one line of the "
        "header block",
        /* 40 x 가 (3 bytes each): words must not cut a character */
        "\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80"
        "\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80"
        "\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80"
        "\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80"
        "\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80"
        "\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80"
        "\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80"
        "\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80",
        /* a 4-byte character across the first 39-byte boundary */
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xf0\x9f\x98\x80 tail",
    };

    int      split;
    char    *msg, v[1024], dec[1024];
    size_t   i;

    for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
        msg = format("a@b", "c@d", subjects[i], "x", "1");
        if (!ok(msg != NULL, "format with subject %zu", i)) {
            continue;
        }

        ok(header_value(msg, "Subject", v, sizeof(v)) != NULL
           && strncmp(v, "=?UTF-8?B?", 10) == 0,
           "subject %zu is B-encoded", i);

        ok(rfc2047_decode(v, dec, sizeof(dec), &split) == 0
           && strcmp(dec, subjects[i]) == 0,
           "subject %zu decodes back", i);
        ok(!split, "subject %zu: each word holds whole characters", i);
        ok(longest_line(msg) <= 78, "subject %zu: lines within 78 columns",
           i);

        free(msg);
    }

    msg = format("a@b", "c@d", KO_VERIFY_SUBJECT, "x", "1");
    if (msg != NULL) {
        ok(strstr(msg, "Subject: =?UTF-8?B?YmxhY2tib3gg7J247KadIOy9lOuTnA==?="
                       "\r\n") != NULL,
           "Korean subject: the expected single word");
        free(msg);
    }
}


static void
test_format_body(void)
{
    static const char  *bodies[] = {
        "Hi\n",
        "one\ntwo\r\nthree\rfour\n\n\r\r\n",
        "no line end",
        "x",
        "xy",
        "xyz",
        "\n",
        "",
    };

    int      bad_lines;
    long     n;
    char    *msg, *b64, *p, *eol, want[4096], dec[4096], big[3000];
    size_t   i, len;

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]) + 2; i++) {
        const char  *body;

        if (i < sizeof(bodies) / sizeof(bodies[0])) {
            body = bodies[i];

        } else {
            /* long Korean mail text: many base64 lines */
            bb_mail_render(i % 2 ? BB_MAIL_LOGIN_CODE : BB_MAIL_VERIFY_EMAIL,
                           "ko", "erin", "987654", 15, dec, 128,
                           big, sizeof(big));
            body = big;
        }

        msg = format("a@b", "c@d", "s", body, "1");
        if (!ok(msg != NULL, "format body %zu", i)) {
            continue;
        }

        b64 = msg + header_len(msg) + 2;
        len = strlen(b64);

        n = b64_decode(b64, len, dec, sizeof(dec));
        canonical(body, want);
        ok(n >= 0 && strcmp(dec, want) == 0,
           "body %zu decodes back, with CRLF line ends", i);

        bad_lines = 0;

        for (p = b64; *p; p = eol + 2) {
            eol = strstr(p, "\r\n");
            if (eol == NULL) {
                bad_lines++;
                break;
            }

            /* 76 a line, but for the last */
            if ((eol - p != 76 && eol[2] != '\0') || eol - p > 76
                || eol == p)
            {
                bad_lines++;
            }
        }

        is_int(bad_lines, 0, "base64 lines of 76, the last CRLF-ended too");
        ok(all_crlf(msg), "body %zu: CRLF line ends everywhere", i);

        free(msg);
    }
}


/*
 * Header injection: whatever the values hold, the header block has exactly
 * our eight headers, in order, each on one line.
 */
static void
test_format_injection(void)
{
    static const char  *names[] = {
        "From:", "To:", "Subject:", "Date:", "Message-ID:", "MIME-Version:",
        "Content-Type:", "Content-Transfer-Encoding:"
    };

    static const struct {
        const char  *from;
        const char  *to;
        const char  *subject;
        const char  *id;
    } cases[] = {
        { "a@b", "x@example.com\r\nBcc: x", "s", "1" },
        { "a@b", "x@example.com\nBcc: x", "s", "1" },
        { "a@b", "x@example.com\rBcc: x", "s", "1" },
        { "a@b", "c@d", "hi\r\nBcc: x", "1" },
        { "a@b", "c@d", "hi\r\n\r\ninjected body", "1" },
        { "a@b\r\nBcc: x", "c@d", "s", "1" },
        { "a@b", "c@d", "s", "1>\r\nBcc: x" },
        { "a@b", "c@d", KO_VERIFY_SUBJECT "\r\nBcc: x", "1" },
        { "a@b", "c@d\r\n", "s\r\n", "1" },
        { "a@b", "c@d\x0b\x0c\x1b\x7f", "s\t", "1" },
    };

    int          bad, split;
    char        *msg, v[512], dec[512];
    size_t       i, k, hlen;
    const char  *p;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        msg = format(cases[i].from, cases[i].to, cases[i].subject,
                     "body\n", cases[i].id);
        if (!ok(msg != NULL, "format injection case %zu", i)) {
            continue;
        }

        hlen = header_len(msg);
        bad = 0;
        k = 0;

        for (p = msg; p < msg + hlen; p = strstr(p, "\r\n") + 2) {
            if (*p == ' ') {
                continue;       /* a folded subject */
            }

            if (k >= 8 || strncmp(p, names[k], strlen(names[k])) != 0) {
                diag("case %zu: unexpected header line \"%.20s\"", i, p);
                bad++;
                break;
            }

            k++;
        }

        ok(bad == 0 && k == 8, "case %zu: exactly our 8 headers", i);
        ok(strstr(msg, "\r\nBcc") == NULL, "case %zu: no Bcc header", i);
        ok(all_crlf(msg), "case %zu: no bare CR or LF", i);

        for (p = msg; p < msg + hlen; p++) {
            if ((unsigned char) *p < 0x20 && *p != '\r' && *p != '\n') {
                break;
            }
        }

        ok(p == msg + hlen, "case %zu: no other control in the headers", i);

        if (header_value(msg, "Subject", v, sizeof(v)) != NULL
            && strncmp(v, "=?", 2) == 0)
        {
            ok(rfc2047_decode(v, dec, sizeof(dec), &split) == 0
               && strchr(dec, '\r') == NULL && strchr(dec, '\n') == NULL,
               "case %zu: no CR or LF in the decoded subject", i);
        }

        free(msg);
    }

    msg = format("a@b", "x@example.com\r\nBcc: x", "s", "b", "1");
    if (msg != NULL) {
        is_str(header_value(msg, "To", v, sizeof(v)),
               "x@example.com  Bcc: x", "CR and LF become spaces in To");
        free(msg);
    }
}


/*
 * The snprintf contract: for every size, the result is the full length,
 * nothing past size is written, what is written is a prefix of the message
 * and a NUL at the end of it.
 */
static void
test_format_small(void)
{
    int            overrun, bad_len, bad_text;
    char          *full;
    size_t         n, size, w, end;
    unsigned char  buf[2048];

    full = format("blackbox@localhost", "a@example.com", KO_VERIFY_SUBJECT,
                  "Hello\nthere, this is a body.\n", "5.5");
    if (!ok(full != NULL, "format the full message")) {
        return;
    }

    n = strlen(full);
    if (!ok(n + PAD < sizeof(buf), "test buffer is large enough")) {
        free(full);
        return;
    }

    is_int((long long) bb_mail_format("blackbox@localhost", "a@example.com",
                                      KO_VERIFY_SUBJECT,
                                      "Hello\nthere, this is a body.\n",
                                      TEST_DATE, "5.5", NULL, 0),
           (long long) n, "measuring with NULL gives the written length");

    overrun = 0;
    bad_len = 0;
    bad_text = 0;

    for (size = 0; size <= n + 2; size++) {
        memset(buf, FILL, size);
        memset(buf + size, CANARY, PAD);

        w = bb_mail_format("blackbox@localhost", "a@example.com",
                           KO_VERIFY_SUBJECT,
                           "Hello\nthere, this is a body.\n", TEST_DATE,
                           "5.5", (char *) buf, size);

        if (w != n) {
            diag("size %zu: returned %zu, want %zu", size, w, n);
            bad_len++;
        }

        if (memchr(buf + size, FILL, PAD) != NULL
            || buf[size] != CANARY || buf[size + PAD - 1] != CANARY)
        {
            diag("size %zu: written past the end", size);
            overrun++;
        }

        if (size == 0) {
            continue;
        }

        end = (n < size) ? n : size - 1;

        if (memcmp(buf, full, end) != 0 || buf[end] != '\0') {
            diag("size %zu: not a NUL-terminated prefix", size);
            bad_text++;
        }
    }

    is_int(overrun, 0, "short buffers are never overrun (canary)");
    is_int(bad_len, 0, "short buffers still report the full length");
    is_int(bad_text, 0, "short buffers hold a NUL-terminated prefix");

    memset(buf, CANARY, sizeof(buf));
    w = bb_mail_format("a@b", "c@d", "s", "b", 0, "1", NULL, 100);
    ok(w > 0, "NULL out with a size measures too");

    free(full);
}


int
main(void)
{
    test_render();
    test_render_minutes();
    test_render_fallback();
    test_render_notice();
    test_render_small();
    test_format_exact();
    test_format_date();
    test_format_message_id();
    test_format_subject();
    test_format_body();
    test_format_injection();
    test_format_small();

    return done_testing();
}
