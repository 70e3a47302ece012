/*
 * Unit tests of bb_conf: the daemons' configuration parser, its error
 * messages and line numbers, bb_conf_get/bb_conf_get_ms, bb_conf_unknown,
 * bb_duration_ms and bb_conf_load on real files.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb_conf.h"
#include "tap.h"

#define SOURCE  "t.conf"

/* Mirrors BB_CONF_FILE_MAX in bb_conf.c, which is not exported. */
#define CONF_FILE_MAX  (1024 * 1024)


/*
 * Renders every entry as "name=value@line", joined by " | ", so that a whole
 * parse can be checked with one string comparison.
 */
static void
dump(const bb_conf_t *conf, char *out, size_t size)
{
    size_t  i, len;

    out[0] = '\0';
    len = 0;

    for (i = 0; i < conf->n && len < size; i++) {
        len += (size_t) snprintf(out + len, size - len, "%s%s=%s@%d",
                                 i ? " | " : "", conf->entries[i].name,
                                 conf->entries[i].value,
                                 conf->entries[i].line);
    }
}


static void
test_parse_good(void)
{
    static const struct {
        const char  *name;
        const char  *text;
        const char  *want;
    } cases[] = {
        { "empty text", "", "" },
        { "only blanks", " \t\r\n\n", "" },
        { "only a comment", "# nothing here\n", "" },
        { "comment without newline", "# nothing here", "" },
        { "bare value", "a b;", "a=b@1" },
        { "blanks around", "  blackbox_redis   127.0.0.1:6379 ;\n",
          "blackbox_redis=127.0.0.1:6379@1" },
        { "digits and underscores in name", "x_1 v;", "x_1=v@1" },
        { "quoted value", "a \"x y\";", "a=x y@1" },
        { "empty quoted value", "a \"\";", "a=@1" },
        { "escaped quote and backslash",
          "a \"say \\\"hi\\\" in c:\\\\dir\";",
          "a=say \"hi\" in c:\\dir@1" },
        /* Only \" and \\ are escapes: the backslash of \n stays. */
        { "other backslash kept", "a \"x\\ny\";", "a=x\\ny@1" },
        { "trailing escaped backslash", "a \"x\\\\\";", "a=x\\@1" },
        { "hash and semicolon inside quotes", "a \"x#y;z\";",
          "a=x#y;z@1" },
        { "quote right after name", "a\"x\";", "a=x@1" },
        { "comment after directive", "a b; # note\nc d;",
          "a=b@1 | c=d@2" },
        { "comment ends a bare value", "a b# note\n;", "a=b@1" },
        { "two directives on a line", "a 1; b 2;", "a=1@1 | b=2@1" },
        { "several lines", "a 1;\nb 2;\n\n# c 9;\nc 3;\n",
          "a=1@1 | b=2@2 | c=3@5" },
        { "tabs and CRLF", "a\t1;\r\nb\t\"2\";\r\n", "a=1@1 | b=2@2" },
        { "repeated name kept twice", "a 1;\na 2;", "a=1@1 | a=2@2" },
    };

    size_t     i;
    char       err[256], got[512];
    bb_conf_t  conf;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';

        if (!is_int(bb_conf_parse(&conf, cases[i].text, SOURCE, err,
                                  sizeof(err)), 0, cases[i].name))
        {
            diag("error: %s", err);
        }

        dump(&conf, got, sizeof(got));
        is_str(got, cases[i].want, cases[i].name);

        bb_conf_free(&conf);
        is_int((long long) conf.n, 0, "bb_conf_free empties the conf");
    }
}


static void
test_parse_errors(void)
{
    static const struct {
        const char  *name;
        const char  *text;
        const char  *want;
    } cases[] = {
        { "missing semicolon at end", "a b",
          SOURCE ":1: expected \";\" after the value "
          "(one value per directive)" },
        /* The error names the directive's line, not the next one. */
        { "missing semicolon before next line", "a b\nc d;\n",
          SOURCE ":1: expected \";\" after the value "
          "(one value per directive)" },
        { "two values", "x 1;\na b c;\n",
          SOURCE ":2: expected \";\" after the value "
          "(one value per directive)" },
        { "quote glued to a bare value", "a b\"c\";",
          SOURCE ":1: expected \";\" after the value "
          "(one value per directive)" },
        { "text glued to a quoted value", "a \"b\"c;",
          SOURCE ":1: expected \";\" after the value "
          "(one value per directive)" },
        { "name starting with a digit", "1a b;",
          SOURCE ":1: expected a directive name" },
        { "unterminated quote at end", "a \"abc",
          SOURCE ":1: unterminated quoted value" },
        { "unterminated quote at newline", "x 1;\n\na \"abc\nd\";\n",
          SOURCE ":3: unterminated quoted value" },
        { "escaped closing quote", "a \"abc\\\";",
          SOURCE ":1: unterminated quoted value" },
        { "missing value", "a;", SOURCE ":1: expected a value" },
        { "missing value at end", "x 1;\na", SOURCE ":2: expected a value" },
        { "missing value before semicolon line", "a\n\n;",
          SOURCE ":3: expected a value" },
        { "name with uppercase", "Foo bar;",
          SOURCE ":1: expected a directive name" },
        { "name starting with a brace", "x 1;\n\n\n{ a;",
          SOURCE ":4: expected a directive name" },
        { "name starting with a quote", "\"a\" b;",
          SOURCE ":1: expected a directive name" },
        { "lone semicolon", ";", SOURCE ":1: expected a directive name" },
        { "double semicolon", "a b;;",
          SOURCE ":1: expected a directive name" },
    };

    size_t     i;
    char       err[256];
    bb_conf_t  conf;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';

        is_int(bb_conf_parse(&conf, cases[i].text, SOURCE, err, sizeof(err)),
               -1, cases[i].name);
        is_str(err, cases[i].want, cases[i].name);

        /* Entries parsed before the error must be freed too (see ASan). */
        bb_conf_free(&conf);
    }
}


static void
test_parse_err_truncated(void)
{
    char       err[8];
    bb_conf_t  conf;

    memset(err, 'x', sizeof(err));

    is_int(bb_conf_parse(&conf, "A;", SOURCE, err, sizeof(err)), -1,
           "error into a small buffer");
    is_str(err, "t.conf:", "error truncated and terminated");

    bb_conf_free(&conf);
}


static void
test_get(void)
{
    char         err[256];
    bb_conf_t    conf;
    const char  *text;

    text = "a 1;\nb 2;\na 3;\n";

    if (!is_int(bb_conf_parse(&conf, text, SOURCE, err, sizeof(err)), 0,
                "parse for bb_conf_get"))
    {
        diag("error: %s", err);
    }

    is_str(bb_conf_get(&conf, "a", "def"), "3", "last value wins");
    is_str(bb_conf_get(&conf, "b", "def"), "2", "single value");
    is_str(bb_conf_get(&conf, "c", "def"), "def", "default when absent");
    is_str(bb_conf_get(&conf, "c", NULL), NULL, "NULL default when absent");
    is_str(bb_conf_get(&conf, "", "def"), "def", "empty name is absent");

    bb_conf_free(&conf);
}


static void
test_unknown(void)
{
    static const char *const  all[] = { "a", "b", "c", NULL };
    static const char *const  ab[] = { "a", "b", NULL };
    static const char *const  none[] = { NULL };

    char                    err[256];
    bb_conf_t               conf;
    const bb_conf_entry_t  *e;

    if (!is_int(bb_conf_parse(&conf, "a 1;\nb 2;\n\nc 3;\nd 4;\n", SOURCE,
                              err, sizeof(err)), 0, "parse for unknown"))
    {
        diag("error: %s", err);
    }

    e = bb_conf_unknown(&conf, ab);

    if (ok(e != NULL, "unknown directive found")) {
        is_str(e->name, "c", "first unknown is reported");
        is_int(e->line, 4, "with its line");
    }

    e = bb_conf_unknown(&conf, none);

    if (ok(e != NULL, "empty known list")) {
        is_str(e->name, "a", "everything is unknown");
    }

    e = bb_conf_unknown(&conf, all);

    if (ok(e != NULL, "d is not in a, b, c")) {
        is_str(e->name, "d", "last entry is checked");
    }

    bb_conf_free(&conf);

    if (!is_int(bb_conf_parse(&conf, "b 1;\na 2;\n", SOURCE, err,
                              sizeof(err)), 0, "parse for known"))
    {
        diag("error: %s", err);
    }

    ok(bb_conf_unknown(&conf, ab) == NULL, "all directives known");

    bb_conf_free(&conf);

    bb_conf_parse(&conf, "", SOURCE, err, sizeof(err));
    ok(bb_conf_unknown(&conf, none) == NULL, "empty conf has no unknown");
    bb_conf_free(&conf);
}


static void
test_duration(void)
{
    static const struct {
        const char  *s;
        int          rc;
        int          ms;
    } cases[] = {
        { "500ms", 0, 500 },
        { "10s", 0, 10000 },
        { "10", 0, 10000 },
        { "2m", 0, 120000 },
        { "1h", 0, 3600000 },
        { "0", 0, 0 },
        { "0ms", 0, 0 },
        { "007s", 0, 7000 },
        { "2147483647ms", 0, INT_MAX },
        { "2147483s", 0, 2147483000 },
        { "35791m", 0, 2147460000 },
        { "596h", 0, 2145600000 },

        { "", -1, 0 },
        { "s", -1, 0 },
        { "ms", -1, 0 },
        { "-1", -1, 0 },
        { "+1", -1, 0 },
        { " 10", -1, 0 },
        { "10 ", -1, 0 },
        { "10 s", -1, 0 },
        { "10x", -1, 0 },
        { "10S", -1, 0 },
        { "10sec", -1, 0 },
        { "1.5s", -1, 0 },
        { "0x10", -1, 0 },
        { "2147483648ms", -1, 0 },
        { "2147484s", -1, 0 },
        { "35792m", -1, 0 },
        { "597h", -1, 0 },
        { "99999999999h", -1, 0 },
        { "99999999999999999999999", -1, 0 },
    };

    size_t  i;
    int     ms;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* A failed parse must leave the caller's value alone. */
        ms = -7;

        is_int(bb_duration_ms(cases[i].s, &ms), cases[i].rc, cases[i].s);
        is_int(ms, cases[i].rc == 0 ? cases[i].ms : -7, cases[i].s);
    }
}


static void
test_get_ms(void)
{
    int        ms;
    char       err[256];
    bb_conf_t  conf;

    if (!is_int(bb_conf_parse(&conf, "t 1s;\nt 2m;\nbad 10x;\n", SOURCE, err,
                              sizeof(err)), 0, "parse for get_ms"))
    {
        diag("error: %s", err);
    }

    ms = -7;
    is_int(bb_conf_get_ms(&conf, "absent", 1500, &ms, err, sizeof(err)), 0,
           "get_ms absent");
    is_int(ms, 1500, "get_ms default");

    ms = -7;
    is_int(bb_conf_get_ms(&conf, "t", 1500, &ms, err, sizeof(err)), 0,
           "get_ms present");
    is_int(ms, 120000, "get_ms takes the last value");

    ms = -7;
    err[0] = '\0';
    is_int(bb_conf_get_ms(&conf, "bad", 1500, &ms, err, sizeof(err)), -1,
           "get_ms malformed");
    is_str(err, "\"10x\" is not a duration for bad (use e.g. 500ms, 10s, 2m)",
           "get_ms error message");

    bb_conf_free(&conf);
}


/* A getter's answer for each name: want, or -1 for a refusal. */
typedef struct {
    const char  *name;
    long long    want;
} getter_case_t;

typedef int (*getter_pt)(bb_conf_t *conf, const char *name, long long def,
    long long *v, char *err, size_t errlen);


/* Asks get for each case, with 42 as the default; refusals say `refusal`. */
static void
check_getter(bb_conf_t *conf, getter_pt get, const char *label,
    const char *refusal, const getter_case_t *cases, size_t n)
{
    char        err[256];
    size_t      i;
    long long   v;

    for (i = 0; i < n; i++) {
        v = -7;
        err[0] = '\0';

        if (cases[i].want < 0) {
            ok(get(conf, cases[i].name, 42, &v, err, sizeof(err)) == -1
               && strstr(err, refusal) != NULL,
               "%s refuses %s (%s)", label, cases[i].name, err);

        } else {
            ok(get(conf, cases[i].name, 42, &v, err, sizeof(err)) == 0
               && v == cases[i].want,
               "%s %s is %lld (%lld)", label, cases[i].name, cases[i].want,
               v);
        }
    }
}


static void
test_get_number(void)
{
    char        err[256];
    bb_conf_t   conf;
    static const getter_case_t  cases[] = {
        { "plain", 500 }, { "kilo", 64000 }, { "mega", 20000000 },
        { "giga", 1000000000 }, { "zero", 0 }, { "neg", -1 },
        { "plus", -1 }, { "unit", -1 }, { "empty", -1 }, { "huge", -1 },
        { "twice", -1 }, { "absent", 42 },
    };

    if (!is_int(bb_conf_parse(&conf, "plain 500;\nkilo 64k;\nmega 20m;\n"
                              "giga 1g;\nzero 0;\nneg -5;\nplus +5;\n"
                              "unit 5x;\nempty \"\";\n"
                              "huge 99999999999999g;\ntwice 5mm;\n",
                              SOURCE, err, sizeof(err)), 0,
                "parse for get_number"))
    {
        diag("error: %s", err);
        return;
    }

    check_getter(&conf, bb_conf_get_number, "get_number", "is not a number",
                 cases, sizeof(cases) / sizeof(cases[0]));

    bb_conf_free(&conf);
}


static void
test_get_seconds(void)
{
    char        err[256];
    bb_conf_t   conf;
    static const getter_case_t  cases[] = {
        { "days", 30LL * 86400 }, { "hours", 12 * 3600 }, { "mins", 5400 },
        { "secs", 45 }, { "bare", 7 }, { "zero", 0 }, { "neg", -1 },
        { "unit", -1 }, { "ms", -1 }, { "empty", -1 }, { "huge", -1 },
        { "absent", 42 },
    };

    if (!is_int(bb_conf_parse(&conf, "days 30d;\nhours 12h;\nmins 90m;\n"
                              "secs 45s;\nbare 7;\nzero 0;\nneg -1d;\n"
                              "unit 3w;\nms 500ms;\nempty \"\";\n"
                              "huge 999999999999999999d;\n",
                              SOURCE, err, sizeof(err)), 0,
                "parse for get_seconds"))
    {
        diag("error: %s", err);
        return;
    }

    check_getter(&conf, bb_conf_get_seconds, "get_seconds",
                 "is not a duration", cases,
                 sizeof(cases) / sizeof(cases[0]));

    bb_conf_free(&conf);
}


static void
test_load_missing(void)
{
    char       dir[] = "/tmp/bb-unit-conf-XXXXXX";
    char       path[128], want[512], err[512];
    bb_conf_t  conf;

    /* A fresh empty folder makes sure the file really does not exist. */
    if (!ok(mkdtemp(dir) != NULL, "mkdtemp")) {
        return;
    }

    snprintf(path, sizeof(path), "%s/missing.conf", dir);
    snprintf(want, sizeof(want), "cannot open \"%s\": %s", path,
             strerror(ENOENT));

    err[0] = '\0';
    is_int(bb_conf_load(&conf, path, err, sizeof(err)), -1, "missing file");
    is_str(err, want, "missing file error names the path");
    is_int((long long) conf.n, 0, "missing file leaves the conf empty");
    bb_conf_free(&conf);

    rmdir(dir);
}


static void
test_load_file(void)
{
    char        *path, want[512], err[512];
    bb_conf_t    conf;
    const char  *text;

    text = "# daemon configuration\n"
           "blackbox_redis     127.0.0.1:6379;\n"
           "blackbox_postgres  \"host=127.0.0.1 dbname=blackbox\";\n";

    path = tap_temp_file(text, strlen(text));

    if (ok(path != NULL, "temporary config file")) {
        err[0] = '\0';

        if (!is_int(bb_conf_load(&conf, path, err, sizeof(err)), 0,
                    "load a good file"))
        {
            diag("error: %s", err);
        }

        is_int((long long) conf.n, 2, "two directives loaded");
        is_str(bb_conf_get(&conf, "blackbox_redis", NULL), "127.0.0.1:6379",
               "bare value from file");
        is_str(bb_conf_get(&conf, "blackbox_postgres", NULL),
               "host=127.0.0.1 dbname=blackbox", "quoted value from file");

        bb_conf_free(&conf);
        unlink(path);
        free(path);
    }

    text = "a 1;\n\nbad;\n";
    path = tap_temp_file(text, strlen(text));

    if (ok(path != NULL, "temporary bad config file")) {
        snprintf(want, sizeof(want), "%s:3: expected a value", path);

        err[0] = '\0';
        is_int(bb_conf_load(&conf, path, err, sizeof(err)), -1,
               "load a bad file");
        is_str(err, want, "parse error names the file and line");

        bb_conf_free(&conf);
        unlink(path);
        free(path);
    }

    path = tap_temp_file("a 1;\0b 2;\n", 10);

    if (ok(path != NULL, "temporary binary file")) {
        snprintf(want, sizeof(want), "cannot read \"%s\": too large or not "
                 "text", path);

        err[0] = '\0';
        is_int(bb_conf_load(&conf, path, err, sizeof(err)), -1,
               "file with a NUL byte");
        is_str(err, want, "NUL byte is refused");

        bb_conf_free(&conf);
        unlink(path);
        free(path);
    }
}


/* Files of exactly the size limit load; one byte more is refused. */
static void
test_load_size_limit(void)
{
    char       *text, *path, want[512], err[512];
    bb_conf_t   conf;

    text = malloc(CONF_FILE_MAX + 1);
    if (!ok(text != NULL, "allocate a large text")) {
        return;
    }

    memset(text, '\n', CONF_FILE_MAX + 1);
    memcpy(text, "a 1;", 4);

    path = tap_temp_file(text, CONF_FILE_MAX);

    if (ok(path != NULL, "temporary file at the limit")) {
        err[0] = '\0';

        if (!is_int(bb_conf_load(&conf, path, err, sizeof(err)), 0,
                    "file at the size limit loads"))
        {
            diag("error: %s", err);
        }

        is_str(bb_conf_get(&conf, "a", NULL), "1", "value of a large file");

        bb_conf_free(&conf);
        unlink(path);
        free(path);
    }

    path = tap_temp_file(text, CONF_FILE_MAX + 1);

    if (ok(path != NULL, "temporary file over the limit")) {
        snprintf(want, sizeof(want), "cannot read \"%s\": too large or not "
                 "text", path);

        err[0] = '\0';
        is_int(bb_conf_load(&conf, path, err, sizeof(err)), -1,
               "file over the size limit");
        is_str(err, want, "oversized file is refused");

        bb_conf_free(&conf);
        unlink(path);
        free(path);
    }

    free(text);
}


int
main(void)
{
    test_parse_good();
    test_parse_errors();
    test_parse_err_truncated();
    test_get();
    test_unknown();
    test_duration();
    test_get_ms();
    test_get_number();
    test_get_seconds();
    test_load_missing();
    test_load_file();
    test_load_size_limit();

    return done_testing();
}
