/*
 * The configuration file of the ingest daemon and the worker.
 *
 * It uses the same directive names and the same syntax as the module's nginx
 * directives, so one vocabulary configures every process:
 *
 *     # comment
 *     blackbox_redis     127.0.0.1:6379;
 *     blackbox_postgres  "host=127.0.0.1 dbname=blackbox";
 *
 * Each directive takes exactly one value, bare or double-quoted.  One file
 * serves every daemon, so each daemon checks the file against the whole
 * vocabulary: a misspelt directive is an error rather than a silent default,
 * and another daemon's directive is not.
 */

#ifndef BB_CONF_H
#define BB_CONF_H

#include <stddef.h>

typedef struct {
    char  *name;
    char  *value;
    int    line;
} bb_conf_entry_t;

typedef struct {
    bb_conf_entry_t  *entries;
    size_t            n;
} bb_conf_t;

/*
 * Parses text, naming source (a file name) in errors.  Returns 0, or -1 with
 * "source:line: problem" in err.  bb_conf_free releases what was parsed even
 * after a failure.
 */
int bb_conf_parse(bb_conf_t *conf, const char *text, const char *source,
    char *err, size_t errlen);

/* Reads and parses the file at path. */
int bb_conf_load(bb_conf_t *conf, const char *path, char *err, size_t errlen);

void bb_conf_free(bb_conf_t *conf);

/* The value of name (the last one if repeated), or def. */
const char *bb_conf_get(bb_conf_t *conf, const char *name, const char *def);

/*
 * The value of name as a duration in milliseconds ("500ms", "10s", "2m", a
 * bare number being seconds as in nginx), or def_ms.  Returns 0, or -1 with
 * a reason in err.
 */
int bb_conf_get_ms(bb_conf_t *conf, const char *name, int def_ms, int *ms,
    char *err, size_t errlen);

/*
 * The value of name as a whole number with an optional decimal suffix k,
 * m or g (20m is 20,000,000), or def when absent.  Returns 0, or -1 with
 * why in err.
 */
int bb_conf_get_number(bb_conf_t *conf, const char *name, long long def,
    long long *v, char *err, size_t errlen);

/*
 * The value of name as a long duration in whole seconds ("30d", "12h",
 * "90m", "45s", a bare number being seconds), or def_s.  For spans that
 * milliseconds in an int cannot hold (retention).  Returns 0, or -1 with
 * a reason in err.
 */
int bb_conf_get_seconds(bb_conf_t *conf, const char *name, long long def_s,
    long long *s, char *err, size_t errlen);

/* Parses a duration as bb_conf_get_ms does; returns -1 if malformed. */
int bb_duration_ms(const char *s, int *ms);

/* The first directive not named in known (NULL-terminated), or NULL. */
const bb_conf_entry_t *bb_conf_unknown(const bb_conf_t *conf,
    const char *const *known);

#endif /* BB_CONF_H */
