/*
 * The daemons' configuration file: see bb_conf.h.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_conf.h"

#define BB_CONF_FILE_MAX  (1024 * 1024)


typedef struct {
    const char  *p;
    const char  *source;
    int          line;
    char        *err;
    size_t       errlen;
} bb_conf_lexer_t;


static int
bb_conf_error(bb_conf_lexer_t *lx, const char *problem)
{
    snprintf(lx->err, lx->errlen, "%s:%d: %s", lx->source, lx->line, problem);
    return -1;
}


/* Skips blanks, newlines and comments. */
static void
bb_conf_skip(bb_conf_lexer_t *lx)
{
    for ( ;; ) {
        if (*lx->p == '\n') {
            lx->line++;
            lx->p++;

        } else if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r') {
            lx->p++;

        } else if (*lx->p == '#') {
            while (*lx->p && *lx->p != '\n') {
                lx->p++;
            }

        } else {
            return;
        }
    }
}


static char *
bb_conf_name(bb_conf_lexer_t *lx)
{
    const char  *start;
    char        *name;

    start = lx->p;

    if (!islower((unsigned char) *lx->p)) {
        bb_conf_error(lx, "expected a directive name");
        return NULL;
    }

    while (islower((unsigned char) *lx->p) || isdigit((unsigned char) *lx->p)
           || *lx->p == '_')
    {
        lx->p++;
    }

    name = strndup(start, (size_t) (lx->p - start));
    if (name == NULL) {
        bb_conf_error(lx, "out of memory");
    }

    return name;
}


/* A double-quoted value; \" and \\ are the only escapes. */
static char *
bb_conf_quoted(bb_conf_lexer_t *lx)
{
    char        *value, *w;
    const char  *end;

    lx->p++;

    /* Find the end first, so the value takes no more than its own size. */
    for (end = lx->p; *end != '"'; end++) {
        if (*end == '\0' || *end == '\n') {
            bb_conf_error(lx, "unterminated quoted value");
            return NULL;
        }

        if (*end == '\\' && (end[1] == '"' || end[1] == '\\')) {
            end++;
        }
    }

    value = malloc((size_t) (end - lx->p) + 1);
    if (value == NULL) {
        bb_conf_error(lx, "out of memory");
        return NULL;
    }

    for (w = value; lx->p < end; lx->p++) {
        if (*lx->p == '\\' && (lx->p[1] == '"' || lx->p[1] == '\\')) {
            lx->p++;
        }

        *w++ = *lx->p;
    }

    lx->p++;
    *w = '\0';

    return value;
}


static char *
bb_conf_value(bb_conf_lexer_t *lx)
{
    const char  *start;
    char        *value;

    if (*lx->p == '"') {
        return bb_conf_quoted(lx);
    }

    start = lx->p;

    while (*lx->p && !isspace((unsigned char) *lx->p) && *lx->p != ';'
           && *lx->p != '#' && *lx->p != '"')
    {
        lx->p++;
    }

    if (lx->p == start) {
        bb_conf_error(lx, "expected a value");
        return NULL;
    }

    value = strndup(start, (size_t) (lx->p - start));
    if (value == NULL) {
        bb_conf_error(lx, "out of memory");
    }

    return value;
}


static int
bb_conf_add(bb_conf_t *conf, bb_conf_lexer_t *lx, char *name, char *value,
    int line)
{
    bb_conf_entry_t  *e;

    e = realloc(conf->entries, (conf->n + 1) * sizeof(bb_conf_entry_t));
    if (e == NULL) {
        free(name);
        free(value);
        return bb_conf_error(lx, "out of memory");
    }

    conf->entries = e;
    e += conf->n++;

    e->name = name;
    e->value = value;
    e->line = line;

    return 0;
}


int
bb_conf_parse(bb_conf_t *conf, const char *text, const char *source,
    char *err, size_t errlen)
{
    int               line;
    char             *name, *value;
    bb_conf_lexer_t   lx;

    conf->entries = NULL;
    conf->n = 0;

    lx.p = text;
    lx.source = source;
    lx.line = 1;
    lx.err = err;
    lx.errlen = errlen;

    for ( ;; ) {
        bb_conf_skip(&lx);

        if (*lx.p == '\0') {
            return 0;
        }

        line = lx.line;
        name = bb_conf_name(&lx);
        if (name == NULL) {
            return -1;
        }

        bb_conf_skip(&lx);

        value = bb_conf_value(&lx);
        if (value == NULL) {
            free(name);
            return -1;
        }

        bb_conf_skip(&lx);

        if (*lx.p != ';') {
            free(name);
            free(value);

            /* Name the directive's line, not the one where ";" was due. */
            lx.line = line;
            return bb_conf_error(&lx, "expected \";\" after the value "
                                      "(one value per directive)");
        }

        lx.p++;

        if (bb_conf_add(conf, &lx, name, value, line) != 0) {
            return -1;
        }
    }
}


int
bb_conf_load(bb_conf_t *conf, const char *path, char *err, size_t errlen)
{
    int     rc;
    FILE   *f;
    char   *text;
    size_t  n;

    conf->entries = NULL;
    conf->n = 0;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot open \"%s\": %s", path, strerror(errno));
        return -1;
    }

    text = malloc(BB_CONF_FILE_MAX + 1);
    if (text == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    n = fread(text, 1, BB_CONF_FILE_MAX + 1, f);

    if (ferror(f) || n > BB_CONF_FILE_MAX || memchr(text, '\0', n)) {
        snprintf(err, errlen, "cannot read \"%s\": %s", path,
                 ferror(f) ? strerror(errno) : "too large or not text");
        fclose(f);
        free(text);
        return -1;
    }

    fclose(f);
    text[n] = '\0';

    rc = bb_conf_parse(conf, text, path, err, errlen);
    free(text);

    return rc;
}


void
bb_conf_free(bb_conf_t *conf)
{
    size_t  i;

    for (i = 0; i < conf->n; i++) {
        free(conf->entries[i].name);
        free(conf->entries[i].value);
    }

    free(conf->entries);
    conf->entries = NULL;
    conf->n = 0;
}


const char *
bb_conf_get(bb_conf_t *conf, const char *name, const char *def)
{
    size_t       i;
    const char  *value;

    value = def;

    for (i = 0; i < conf->n; i++) {
        if (strcmp(conf->entries[i].name, name) == 0) {
            value = conf->entries[i].value;
        }
    }

    return value;
}


int
bb_duration_ms(const char *s, int *ms)
{
    long   n, unit;
    char  *end;

    if (!isdigit((unsigned char) *s)) {
        return -1;
    }

    errno = 0;
    n = strtol(s, &end, 10);

    if (errno != 0) {
        return -1;
    }

    if (strcmp(end, "ms") == 0) {
        unit = 1;

    } else if (strcmp(end, "s") == 0 || *end == '\0') {
        unit = 1000;

    } else if (strcmp(end, "m") == 0) {
        unit = 60 * 1000;

    } else if (strcmp(end, "h") == 0) {
        unit = 3600 * 1000;

    } else {
        return -1;
    }

    if (n > INT_MAX / unit) {
        return -1;
    }

    *ms = (int) (n * unit);

    return 0;
}


/* A value parser: 0 with *v set, or -1 if the text is not its kind. */
typedef int (*bb_conf_parse_pt)(const char *value, long long *v);


/*
 * The value of name read by parse, or def when absent; a value parse
 * refuses is explained in err as not being `what`, with examples.
 */
static int
bb_conf_get_parsed(bb_conf_t *conf, const char *name, long long def,
    long long *v, bb_conf_parse_pt parse, const char *what,
    const char *examples, char *err, size_t errlen)
{
    const char  *value;

    value = bb_conf_get(conf, name, NULL);

    if (value == NULL) {
        *v = def;
        return 0;
    }

    if (parse(value, v) != 0) {
        snprintf(err, errlen, "\"%s\" is not %s for %s (use e.g. %s)",
                 value, what, name, examples);
        return -1;
    }

    return 0;
}


static int
bb_conf_parse_ms(const char *value, long long *v)
{
    int  ms;

    if (bb_duration_ms(value, &ms) != 0) {
        return -1;
    }

    *v = ms;

    return 0;
}


/* A whole number with an optional decimal suffix k, m or g. */
static int
bb_conf_parse_number(const char *value, long long *v)
{
    char       *end;
    long long   n, scale;

    n = strtoll(value, &end, 10);
    scale = *end == 'k' ? 1000 : *end == 'm' ? 1000000
            : *end == 'g' ? 1000000000 : 1;

    if (scale != 1) {
        end++;
    }

    if (end == value || *end != '\0' || n < 0 || n > LLONG_MAX / scale
        || value[0] == '-' || value[0] == '+' || value[0] == ' ')
    {
        return -1;
    }

    *v = n * scale;

    return 0;
}


/* Whole seconds with an optional unit s, m, h or d. */
static int
bb_conf_parse_seconds(const char *value, long long *v)
{
    char       *end;
    long long   n, unit;

    errno = 0;
    n = isdigit((unsigned char) value[0]) ? strtoll(value, &end, 10) : -1;

    unit = n < 0 || errno != 0 ? 0
           : (*end == '\0' || strcmp(end, "s") == 0) ? 1
           : strcmp(end, "m") == 0 ? 60
           : strcmp(end, "h") == 0 ? 3600
           : strcmp(end, "d") == 0 ? 86400 : 0;

    if (unit == 0 || n > LLONG_MAX / unit) {
        return -1;
    }

    *v = n * unit;

    return 0;
}


int
bb_conf_get_ms(bb_conf_t *conf, const char *name, int def_ms, int *ms,
    char *err, size_t errlen)
{
    long long  v;

    if (bb_conf_get_parsed(conf, name, def_ms, &v, bb_conf_parse_ms,
                           "a duration", "500ms, 10s, 2m", err, errlen)
        != 0)
    {
        return -1;
    }

    *ms = (int) v;

    return 0;
}


int
bb_conf_get_number(bb_conf_t *conf, const char *name, long long def,
    long long *v, char *err, size_t errlen)
{
    return bb_conf_get_parsed(conf, name, def, v, bb_conf_parse_number,
                              "a number", "500, 20m", err, errlen);
}


int
bb_conf_get_seconds(bb_conf_t *conf, const char *name, long long def_s,
    long long *s, char *err, size_t errlen)
{
    return bb_conf_get_parsed(conf, name, def_s, s, bb_conf_parse_seconds,
                              "a duration", "30d, 12h, 90m", err, errlen);
}


const bb_conf_entry_t *
bb_conf_unknown(const bb_conf_t *conf, const char *const *known)
{
    size_t              i;
    const char *const  *k;

    for (i = 0; i < conf->n; i++) {
        for (k = known; *k != NULL; k++) {
            if (strcmp(conf->entries[i].name, *k) == 0) {
                break;
            }
        }

        if (*k == NULL) {
            return &conf->entries[i];
        }
    }

    return NULL;
}
