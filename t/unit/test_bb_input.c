/*
 * Unit tests of bb_input: parsing a request body into a JSON object (what
 * is refused, and that the error names the line and column), and checking
 * the object against a table of fields, with every problem collected and
 * the list capped at BB_INPUT_PROBLEMS_MAX.
 *
 * Bodies are copied into buffers of their exact length, with no NUL after
 * them, as nginx hands them over: the sanitizer build then catches any read
 * past the end.  A whole field check is compared as one string,
 * "field: problem | ...", as test_bb_conf does for a parse.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_input.h"
#include "tap.h"

#define NOT_JSON    "The body is not valid JSON (line "
#define NOT_OBJECT  "The body must be a JSON object."

/* Two-, three- and four-byte UTF-8 characters. */
#define E_ACUTE     "\xc3\xa9"                    /* U+00E9 */
#define EURO        "\xe2\x82\xac"                /* U+20AC */
#define KEY         "\xf0\x9f\x94\x91"            /* U+1F511 */

/* Stands for "not touched" in values[]. */
static const char  untouched[] = "untouched";


/*
 * Parses the len bytes of text from a heap copy of exactly that size.
 * Returns the object or NULL with err filled.
 */
static json_t *
parse(const char *text, size_t len, char *err, size_t errlen)
{
    char    *body;
    json_t  *obj;

    body = malloc(len ? len : 1);
    if (body == NULL) {
        snprintf(err, errlen, "malloc failed");
        return NULL;
    }

    memcpy(body, text, len);
    obj = bb_input_parse(body, len, err, errlen);
    free(body);

    return obj;
}


static void
test_parse_good(void)
{
    static const struct {
        const char  *name;
        const char  *text;
        size_t       nkeys;
    } cases[] = {
        { "empty object", "{}", 0 },
        { "one field", "{\"a\":\"b\"}", 1 },
        { "blanks and newlines", " \r\n\t{ \"a\" : \"b\" ,\n\"c\":1 }\n ", 2 },
        { "nested values", "{\"a\":{\"b\":[1,2,{}]},\"c\":null}", 2 },
        { "unicode escapes", "{\"a\":\"\\u00e9\\ud83d\\udd11\"}", 1 },
        { "raw UTF-8", "{\"" E_ACUTE "\":\"" EURO KEY "\"}", 1 },
        { "same key in two objects", "{\"a\":{\"a\":1},\"b\":{\"a\":2}}", 2 },
    };

    size_t   i;
    char     err[256];
    json_t  *obj;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        obj = parse(cases[i].text, strlen(cases[i].text), err, sizeof(err));

        if (!ok(obj != NULL && json_is_object(obj), "%s", cases[i].name)) {
            diag("error: %s", err);
            json_decref(obj);
            continue;
        }

        is_int((long long) json_object_size(obj), (long long) cases[i].nkeys,
               "  number of keys");
        json_decref(obj);
    }
}


static void
test_parse_errors(void)
{
    static const struct {
        const char  *name;
        const char  *text;
        size_t       len;      /* 0: strlen(text) */
        const char  *want;     /* the whole error, or its start */
        const char  *has;      /* and a part of it, or NULL */
    } cases[] = {
        { "array", "[]", 0, NOT_OBJECT, NULL },
        { "array of objects", "[{\"a\":\"b\"}]", 0, NOT_OBJECT, NULL },
        { "empty body", "", 0, NOT_JSON "1, column 0: ", "expected" },
        { "only blanks", " \n ", 0, NOT_JSON "2, column 1: ", "expected" },
        { "missing value", "{\"a\":}", 0, NOT_JSON "1, column 6: ",
          "unexpected token" },
        { "error on line 2", "{\n  \"a\": x\n}", 0, NOT_JSON "2, column 8: ",
          "invalid token" },
        { "unterminated object", "{\"a\":\"b\"", 0, NOT_JSON "1, column ",
          NULL },
        { "unterminated string", "{\"a\":\"b", 0, NOT_JSON "1, column ",
          NULL },
        { "trailing comma", "{\"a\":\"b\",}", 0, NOT_JSON "1, column ",
          NULL },
        { "two objects", "{} {}", 0, NOT_JSON "1, column 4: ",
          "end of file expected" },
        { "single quotes", "{'a':'b'}", 0, NOT_JSON "1, column ", NULL },
        { "duplicate keys", "{\"a\":\"1\",\"a\":\"2\"}", 0,
          NOT_JSON "1, column 12: ", "duplicate object key" },
        { "duplicate keys, other values", "{\"a\":1,\"b\":2,\"a\":{}}", 0,
          NOT_JSON "1, column ", "duplicate object key" },
        { "duplicate nested keys", "{\"o\":{\"a\":1,\"a\":1}}", 0,
          NOT_JSON "1, column ", "duplicate object key" },
        { "escaped NUL in a value", "{\"a\":\"x\\u0000y\"}", 0,
          NOT_JSON "1, column ", "\\u0000" },
        { "escaped NUL in a key", "{\"a\\u0000b\":\"x\"}", 0,
          NOT_JSON "1, column ", "NUL byte" },
        { "raw NUL in a value", "{\"a\":\"x\0y\"}", 11,
          NOT_JSON "1, column ", "control character" },
        { "raw NUL after the object", "{}\0", 3, NOT_JSON "1, column ",
          NULL },
        { "byte 0xff", "{\"a\":\"\xff\"}", 0, NOT_JSON "1, column ",
          "unable to decode byte 0xff" },
        { "overlong slash", "{\"a\":\"\xc0\xaf\"}", 0, NOT_JSON "1, column ",
          "unable to decode byte 0xc0" },
        { "truncated euro sign", "{\"a\":\"\xe2\x82\"}", 0,
          NOT_JSON "1, column ", NULL },
        { "UTF-16 surrogate in UTF-8", "{\"a\":\"\xed\xa0\x80\"}", 0,
          NOT_JSON "1, column ", NULL },
        { "invalid UTF-8 in a key", "{\"\xff\":\"a\"}", 0,
          NOT_JSON "1, column ", NULL },
        { "lone surrogate escape", "{\"a\":\"\\ud800\"}", 0,
          NOT_JSON "1, column ", "invalid Unicode" },
    };

    size_t   i, len;
    char     err[256];
    json_t  *obj;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        err[0] = '\0';
        obj = parse(cases[i].text, len, err, sizeof(err));

        ok(obj == NULL, "%s: refused", cases[i].name);
        json_decref(obj);

        if (strcmp(cases[i].want, NOT_OBJECT) == 0) {
            is_str(err, cases[i].want, "  error");
            continue;
        }

        if (!ok(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0
                && (cases[i].has == NULL || strstr(err, cases[i].has))
                && err[strlen(err) - 1] == '.',
                "  error names the place: %s", err))
        {
            diag("want it to start \"%s\" and hold \"%s\"", cases[i].want,
                 cases[i].has ? cases[i].has : "");
        }
    }
}


/*
 * Bodies that are JSON but not objects must be told so, not that they are
 * not JSON (jansson refuses such a top level unless JSON_DECODE_ANY).
 */
static void
test_parse_scalars(void)
{
    static const char  *cases[] = { "\"s\"", "5", "-1.5e3", "null", "true" };

    size_t   i;
    char     err[256], name[64];
    json_t  *obj;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        obj = parse(cases[i], strlen(cases[i]), err, sizeof(err));
        ok(obj == NULL, "%s: refused", cases[i]);
        json_decref(obj);

        snprintf(name, sizeof(name), "  %s: error says not an object",
                 cases[i]);
        is_str(err, NOT_OBJECT, name);
    }
}


static void
test_parse_short_err(void)
{
    char     err[16];
    json_t  *obj;

    memset(err, '#', sizeof(err));
    obj = parse("{", 1, err, 8);
    ok(obj == NULL, "short error buffer: refused");
    is_str(err, "The bod", "  error cut to the buffer");
    ok(err[8] == '#', "  nothing written past it");
    json_decref(obj);

    memset(err, '#', sizeof(err));
    obj = parse("[]", 2, err, 8);
    is_str(err, "The bod", "  not an object, cut too");
    json_decref(obj);
}


/*
 * The fields of every case below: username (1 to 8 bytes), password (1
 * to 16 bytes) and an optional nick (1 to 4 bytes).
 */
static const bb_field_t  fields[] = {
    { "username", 8, 0 },
    { "password", 16, 0 },
    { "nick", 4, 1 },
};

#define NFIELDS  (sizeof(fields) / sizeof(fields[0]))


/* Renders the problems as "field: problem | ...". */
static void
dump(const bb_problems_t *problems, char *out, size_t size)
{
    size_t  i, len;

    out[0] = '\0';
    len = 0;

    for (i = 0; i < problems->n && len < size; i++) {
        len += (size_t) snprintf(out + len, size - len, "%s%s: %s",
                                 i ? " | " : "", problems->items[i].field,
                                 problems->items[i].problem);
    }
}


static void
test_fields(void)
{
    static const struct {
        const char  *name;
        const char  *text;
        const char  *values[NFIELDS];
        const char  *want;
    } cases[] = {
        { "all fields", "{\"username\":\"ann\",\"password\":\"pw\","
          "\"nick\":\"a\"}", { "ann", "pw", "a" }, "" },
        { "optional absent", "{\"username\":\"ann\",\"password\":\"pw\"}",
          { "ann", "pw", NULL }, "" },
        { "any order", "{\"nick\":\"a\",\"password\":\"pw\","
          "\"username\":\"ann\"}", { "ann", "pw", "a" }, "" },
        { "required missing", "{\"password\":\"pw\"}",
          { NULL, "pw", NULL }, "username: required" },
        { "nothing given", "{}", { NULL, NULL, NULL },
          "username: required | password: required" },

        /* Types. */
        { "a number", "{\"username\":5,\"password\":\"pw\"}",
          { NULL, "pw", NULL }, "username: must be a string" },
        { "a number as text is fine", "{\"username\":\"5\","
          "\"password\":\"pw\"}", { "5", "pw", NULL }, "" },
        { "true", "{\"username\":true,\"password\":\"pw\"}",
          { NULL, "pw", NULL }, "username: must be a string" },
        { "false", "{\"username\":false,\"password\":\"pw\"}",
          { NULL, "pw", NULL }, "username: must be a string" },
        { "null", "{\"username\":null,\"password\":\"pw\"}",
          { NULL, "pw", NULL }, "username: must be a string" },
        { "an object", "{\"username\":{\"a\":\"b\"},\"password\":\"pw\"}",
          { NULL, "pw", NULL }, "username: must be a string" },
        { "an array", "{\"username\":[\"ann\"],\"password\":\"pw\"}",
          { NULL, "pw", NULL }, "username: must be a string" },
        { "optional null", "{\"username\":\"ann\",\"password\":\"pw\","
          "\"nick\":null}", { "ann", "pw", NULL },
          "nick: must be a string" },

        /* Lengths, in bytes. */
        { "empty", "{\"username\":\"\",\"password\":\"pw\"}",
          { NULL, "pw", NULL }, "username: must not be empty" },
        { "optional empty", "{\"username\":\"ann\",\"password\":\"pw\","
          "\"nick\":\"\"}", { "ann", "pw", NULL },
          "nick: must not be empty" },
        { "a blank is not empty", "{\"username\":\" \",\"password\":\"pw\"}",
          { " ", "pw", NULL }, "" },
        { "8 ASCII bytes", "{\"username\":\"abcdefgh\",\"password\":\"p\"}",
          { "abcdefgh", "p", NULL }, "" },
        { "9 ASCII bytes", "{\"username\":\"abcdefghi\",\"password\":\"p\"}",
          { NULL, "p", NULL }, "username: too long" },
        { "4 two-byte characters: 8 bytes",
          "{\"username\":\"" E_ACUTE E_ACUTE E_ACUTE E_ACUTE "\","
          "\"password\":\"p\"}",
          { E_ACUTE E_ACUTE E_ACUTE E_ACUTE, "p", NULL }, "" },
        { "5 characters, 9 bytes",
          "{\"username\":\"" E_ACUTE E_ACUTE E_ACUTE E_ACUTE "a\","
          "\"password\":\"p\"}", { NULL, "p", NULL }, "username: too long" },
        { "escaped: 4 characters, 8 bytes",
          "{\"username\":\"\\u00e9\\u00e9\\u00e9\\u00e9\","
          "\"password\":\"p\"}",
          { E_ACUTE E_ACUTE E_ACUTE E_ACUTE, "p", NULL }, "" },
        { "escaped: 5 characters, 10 bytes",
          "{\"username\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\","
          "\"password\":\"p\"}", { NULL, "p", NULL }, "username: too long" },
        { "one four-byte character in 4",
          "{\"username\":\"a\",\"password\":\"p\",\"nick\":\"" KEY "\"}",
          { "a", "p", KEY }, "" },
        { "one character, 5 bytes, in 4",
          "{\"username\":\"a\",\"password\":\"p\",\"nick\":\"" KEY "a\"}",
          { "a", "p", NULL }, "nick: too long" },
        { "euro and a letter in 4",
          "{\"username\":\"a\",\"password\":\"p\",\"nick\":\"" EURO "a\"}",
          { "a", "p", EURO "a" }, "" },
        { "two euros in 4",
          "{\"username\":\"a\",\"password\":\"p\",\"nick\":\"" EURO EURO
          "\"}", { "a", "p", NULL }, "nick: too long" },

        /* Unknown fields, named by their key. */
        { "unknown field", "{\"username\":\"a\",\"password\":\"p\","
          "\"admin\":\"yes\"}", { "a", "p", NULL }, "admin: unknown field" },
        { "unknown non-string", "{\"username\":\"a\",\"password\":\"p\","
          "\"admin\":true}", { "a", "p", NULL }, "admin: unknown field" },
        { "names are case-sensitive", "{\"Username\":\"a\","
          "\"password\":\"p\"}", { NULL, "p", NULL },
          "username: required | Username: unknown field" },
        { "unknown unicode key", "{\"username\":\"a\",\"password\":\"p\","
          "\"" E_ACUTE "\":\"x\"}", { "a", "p", NULL },
          E_ACUTE ": unknown field" },
        { "unknown empty key", "{\"username\":\"a\",\"password\":\"p\","
          "\"\":\"x\"}", { "a", "p", NULL }, ": unknown field" },

        /* Everything at once, in field order then key order. */
        { "several problems",
          "{\"x\":1,\"password\":\"\",\"nick\":\"toolong\",\"y\":\"2\"}",
          { NULL, NULL, NULL },
          "username: required | password: must not be empty | "
          "nick: too long | x: unknown field | y: unknown field" },
    };

    size_t         i, j, n;
    char           err[256], got[512], name[128];
    json_t        *obj;
    const char    *values[NFIELDS];
    bb_problems_t  problems;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = '\0';
        obj = parse(cases[i].text, strlen(cases[i].text), err, sizeof(err));

        if (!ok(obj != NULL, "parse: %s", cases[i].name)) {
            diag("error: %s", err);
            continue;
        }

        for (j = 0; j < NFIELDS; j++) {
            values[j] = untouched;
        }

        problems.n = 0;
        n = bb_input_fields(obj, fields, NFIELDS, values, &problems);

        dump(&problems, got, sizeof(got));
        is_str(got, cases[i].want, cases[i].name);
        is_int((long long) n, (long long) problems.n,
               "  returns the number of problems");

        for (j = 0; j < NFIELDS; j++) {
            snprintf(name, sizeof(name), "  value of %s", fields[j].name);
            is_str(values[j], cases[i].values[j], name);
        }

        json_decref(obj);
    }
}


static void
test_problems_cap(void)
{
    size_t         i, n, all_set;
    char           text[2048], err[256], *p;
    json_t        *obj;
    const char    *values[NFIELDS];

    /* A canary right after the list, to see it is never written. */
    struct {
        bb_problems_t  problems;
        char           canary[64];
    } guarded;

    /* 40 unknown keys, and both required fields missing: 42 problems. */
    p = text;
    p += sprintf(p, "{");

    for (i = 0; i < 40; i++) {
        p += sprintf(p, "%s\"unknown%02zu\":\"v\"", i ? "," : "", i);
    }

    sprintf(p, "}");

    obj = parse(text, strlen(text), err, sizeof(err));
    if (!ok(obj != NULL, "parse 40 unknown keys")) {
        diag("error: %s", err);
        return;
    }

    memset(guarded.canary, '#', sizeof(guarded.canary));
    guarded.problems.n = 0;
    n = bb_input_fields(obj, fields, NFIELDS, values, &guarded.problems);

    is_int((long long) guarded.problems.n, BB_INPUT_PROBLEMS_MAX,
           "the list is capped at BB_INPUT_PROBLEMS_MAX");
    is_int((long long) n, BB_INPUT_PROBLEMS_MAX, "  and so is the count");
    is_str(guarded.problems.items[0].field, "username", "  first: username");
    is_str(guarded.problems.items[2].field, "unknown00",
           "  then the first unknown key");
    is_str(guarded.problems.items[BB_INPUT_PROBLEMS_MAX - 1].field,
           "unknown13", "  last kept: unknown13");

    all_set = 1;
    for (i = 0; i < BB_INPUT_PROBLEMS_MAX; i++) {
        if (guarded.problems.items[i].field == NULL
            || guarded.problems.items[i].problem == NULL)
        {
            all_set = 0;
        }
    }

    ok(all_set, "  every kept problem has a field and a sentence");
    ok(guarded.canary[0] == '#'
       && memcmp(guarded.canary, guarded.canary + 1,
                 sizeof(guarded.canary) - 1) == 0,
       "  nothing written past the list");

    /* A list already full takes nothing more and counts nothing. */
    n = bb_input_fields(obj, fields, NFIELDS, values, &guarded.problems);
    is_int((long long) n, 0, "a full list: no more problems counted");
    is_int((long long) guarded.problems.n, BB_INPUT_PROBLEMS_MAX,
           "  still capped");

    /* A list with room for one takes one. */
    guarded.problems.n = BB_INPUT_PROBLEMS_MAX - 1;
    n = bb_input_fields(obj, fields, NFIELDS, values, &guarded.problems);
    is_int((long long) n, 1, "a list with room for one takes one");
    is_str(guarded.problems.items[BB_INPUT_PROBLEMS_MAX - 1].field,
           "username", "  the first problem");

    json_decref(obj);

    /* bb_input_problem alone. */
    guarded.problems.n = 0;
    for (i = 0; i < 2 * BB_INPUT_PROBLEMS_MAX; i++) {
        bb_input_problem(&guarded.problems, "f", "p");
    }

    is_int((long long) guarded.problems.n, BB_INPUT_PROBLEMS_MAX,
           "bb_input_problem stops at BB_INPUT_PROBLEMS_MAX");
    ok(guarded.canary[0] == '#'
       && memcmp(guarded.canary, guarded.canary + 1,
                 sizeof(guarded.canary) - 1) == 0,
       "  nothing written past the list");
}


int
main(void)
{
    test_parse_good();
    test_parse_errors();
    test_parse_scalars();
    test_parse_short_err();
    test_fields();
    test_problems_cap();

    return done_testing();
}
