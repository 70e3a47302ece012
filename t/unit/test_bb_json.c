/*
 * Unit tests of bb_json: string escaping, integers, keys, and the
 * measure-then-write contract (a NULL buffer measures exactly what a write
 * produces; a short buffer is never overrun yet the full length is reported).
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_json.h"
#include "tap.h"

/* Unwritten bytes hold this; the writer only emits ASCII and UTF-8 input. */
#define FILL    0xaa
#define CANARY  0x5c


/* Runs one bb_json_str over a NULL buffer, then over a sized one. */
static void
check_str(const char *in, const char *want, const char *name)
{
    char       buf[128];
    bb_json_t  j;

    bb_json_init(&j, NULL, 0);
    bb_json_str(&j, in);
    is_int((long long) j.len, (long long) strlen(want), name);

    memset(buf, 0, sizeof(buf));
    bb_json_init(&j, buf, sizeof(buf) - 1);
    bb_json_str(&j, in);
    is_str(buf, want, name);
}


static void
test_str(void)
{
    static const struct {
        const char  *name;
        const char  *in;
        const char  *want;
    } cases[] = {
        { "empty string", "", "\"\"" },
        { "plain", "plain text", "\"plain text\"" },
        { "quote", "a\"b", "\"a\\\"b\"" },
        { "backslash", "a\\b", "\"a\\\\b\"" },
        { "quote and backslash", "\\\"", "\"\\\\\\\"\"" },
        { "slash is not escaped", "a/b", "\"a/b\"" },
        { "0x01", "\x01", "\"\\u0001\"" },
        { "newline as \\u", "\n", "\"\\u000a\"" },
        { "tab and CR", "\t\r", "\"\\u0009\\u000d\"" },
        { "0x1f lowercase hex", "\x1f", "\"\\u001f\"" },
        { "space is not escaped", " ", "\" \"" },
        { "tilde is not escaped", "~", "\"~\"" },
        { "DEL 0x7f", "\x7f", "\"\\u007f\"" },
        { "controls among text", "a\x1b[0mb", "\"a\\u001b[0mb\"" },
        { "UTF-8 passes through",
          "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
          "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_str(cases[i].in, cases[i].want, cases[i].name);
    }
}


/* Every control character gets the six-byte \u00xx form. */
static void
test_str_all_controls(void)
{
    int        c, bad;
    char       in[2], want[16], buf[16];
    bb_json_t  j;

    bad = 0;

    for (c = 1; c < 0x20; c++) {
        in[0] = (char) c;
        in[1] = '\0';
        snprintf(want, sizeof(want), "\"\\u%04x\"", c);

        memset(buf, 0, sizeof(buf));
        bb_json_init(&j, buf, sizeof(buf) - 1);
        bb_json_str(&j, in);

        if (strcmp(buf, want) != 0 || j.len != 8) {
            diag("0x%02x gives %s", c, buf);
            bad++;
        }
    }

    is_int(bad, 0, "all of 0x01..0x1f escaped as \\u00xx");
}


static void
test_int(void)
{
    static const struct {
        long long    v;
        const char  *want;
    } cases[] = {
        { 0, "0" },
        { 1, "1" },
        { -1, "-1" },
        { 1234567890123LL, "1234567890123" },
        { -42, "-42" },
        { LLONG_MAX, "9223372036854775807" },
        { LLONG_MIN, "-9223372036854775808" },
    };

    size_t     i;
    char       buf[32];
    bb_json_t  j;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bb_json_init(&j, NULL, 0);
        bb_json_int(&j, cases[i].v);
        is_int((long long) j.len, (long long) strlen(cases[i].want),
               cases[i].want);

        memset(buf, 0, sizeof(buf));
        bb_json_init(&j, buf, sizeof(buf) - 1);
        bb_json_int(&j, cases[i].v);
        is_str(buf, cases[i].want, cases[i].want);
    }
}


static void
test_key_and_raw(void)
{
    char       buf[128];
    bb_json_t  j;

    memset(buf, 0, sizeof(buf));
    bb_json_init(&j, buf, sizeof(buf) - 1);
    bb_json_key(&j, "a", 1);
    is_str(buf, "\"a\":", "first key has no comma");

    memset(buf, 0, sizeof(buf));
    bb_json_init(&j, buf, sizeof(buf) - 1);
    bb_json_key(&j, "a", 0);
    is_str(buf, ",\"a\":", "later key has a comma");

    memset(buf, 0, sizeof(buf));
    bb_json_init(&j, buf, sizeof(buf) - 1);
    bb_json_key(&j, "k\"1", 1);
    is_str(buf, "\"k\\\"1\":", "key is escaped");

    memset(buf, 0, sizeof(buf));
    bb_json_init(&j, buf, sizeof(buf) - 1);
    bb_json_raw(&j, "{");
    bb_json_key(&j, "a", 1);
    bb_json_int(&j, 1);
    bb_json_key(&j, "b", 0);
    bb_json_raw(&j, "[\"x\\u0001\"]");
    bb_json_raw(&j, "");
    bb_json_raw(&j, "}");
    is_str(buf, "{\"a\":1,\"b\":[\"x\\u0001\"]}",
           "object from keys, values and raw text");
    is_int((long long) j.len, (long long) strlen(buf), "len of the object");
}


/* A builder exercising every call, run for both measure and write. */
static void
build(bb_json_t *j)
{
    bb_json_raw(j, "{");
    bb_json_key(j, "name", 1);
    bb_json_str(j, "say \"hi\"\\\n\x7f caf\xc3\xa9");
    bb_json_key(j, "min", 0);
    bb_json_int(j, LLONG_MIN);
    bb_json_key(j, "list", 0);
    bb_json_raw(j, "[");
    bb_json_int(j, 0);
    bb_json_raw(j, ",");
    bb_json_str(j, "");
    bb_json_raw(j, "]}\n");
}

static const char  build_want[] =
    "{\"name\":\"say \\\"hi\\\"\\\\\\u000a\\u007f caf\xc3\xa9\","
    "\"min\":-9223372036854775808,\"list\":[0,\"\"]}\n";


static void
test_measure_then_write(void)
{
    char       *buf;
    size_t      len;
    bb_json_t   j;

    bb_json_init(&j, NULL, 0);
    build(&j);
    len = j.len;

    is_int((long long) len, (long long) strlen(build_want),
           "measure gives the written length");

    buf = malloc(len + 1);
    if (!ok(buf != NULL, "allocate the measured length")) {
        return;
    }

    bb_json_init(&j, buf, len);
    build(&j);
    buf[len] = '\0';

    is_int((long long) j.len, (long long) len, "write agrees with measure");
    is_str(buf, build_want, "written text");

    free(buf);
}


/*
 * For every size from 0 to beyond the full length, the writer must stay
 * inside the buffer (the canary bytes after it survive), report the full
 * length, and leave a prefix of the full output followed by untouched bytes.
 */
static void
test_short_buffer(void)
{
    size_t          size, full, i, pad;
    unsigned char   buf[256];
    int             overrun, bad_len, bad_prefix;
    bb_json_t       j;

    full = strlen(build_want);
    pad = 16;

    if (!ok(full + pad < sizeof(buf), "test buffer is large enough")) {
        return;
    }

    overrun = 0;
    bad_len = 0;
    bad_prefix = 0;

    for (size = 0; size <= full + 1; size++) {
        memset(buf, FILL, size);
        memset(buf + size, CANARY, pad);

        bb_json_init(&j, (char *) buf, size);
        build(&j);

        for (i = size; i < size + pad; i++) {
            if (buf[i] != CANARY) {
                diag("size %zu: byte %zu past the end was written", size, i);
                overrun++;
                break;
            }
        }

        if (j.len != full) {
            diag("size %zu: len %zu, want %zu", size, j.len, full);
            bad_len++;
        }

        for (i = 0; i < size && buf[i] != FILL; i++) {
            if (buf[i] != (unsigned char) build_want[i]) {
                break;
            }
        }

        for ( /* void */ ; i < size; i++) {
            if (buf[i] != FILL) {
                diag("size %zu: byte %zu is neither output nor untouched",
                     size, i);
                bad_prefix++;
                break;
            }
        }
    }

    is_int(overrun, 0, "short buffers are never overrun");
    is_int(bad_len, 0, "short buffers still report the full length");
    is_int(bad_prefix, 0, "short buffers hold a prefix of the output");
}


/* An escape that does not fit is dropped whole, never torn in two. */
static void
test_short_buffer_escape(void)
{
    char       buf[8];
    bb_json_t  j;

    memset(buf, FILL, sizeof(buf));
    bb_json_init(&j, buf, 4);
    bb_json_str(&j, "\x1f");

    is_int((long long) j.len, 8, "escaped control measures 8 bytes");
    ok(buf[0] == '"' && (unsigned char) buf[1] == FILL
       && (unsigned char) buf[3] == FILL,
       "only the opening quote fits in 4 bytes");
    ok((unsigned char) buf[4] == FILL, "nothing past size 4");
}


int
main(void)
{
    test_str();
    test_str_all_controls();
    test_int();
    test_key_and_raw();
    test_measure_then_write();
    test_short_buffer();
    test_short_buffer_escape();

    return done_testing();
}
