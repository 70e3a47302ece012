/*
 * Checking a JSON request body against the fields a call takes.
 *
 * Every call names its fields once, in a table; the body must be an object
 * with exactly those string fields, each within its length.  All problems
 * are collected, so that one answer tells the client every field to fix:
 * {"fields": {"password": "required", "nick": "unknown field"}}.
 */

#ifndef BB_INPUT_H
#define BB_INPUT_H

#include <stddef.h>

#include <jansson.h>

#define BB_INPUT_PROBLEMS_MAX  16

typedef struct {
    const char  *name;
    size_t       max;        /* bytes */
    int          optional;
} bb_field_t;

typedef struct {
    const char  *field;      /* the JSON key: borrowed from the body */
    const char  *problem;    /* a short sentence */
} bb_problem_t;

typedef struct {
    bb_problem_t  items[BB_INPUT_PROBLEMS_MAX];
    size_t        n;
} bb_problems_t;

/*
 * Parses body (len bytes) into a JSON object.  Returns it (the caller
 * json_decref()s it), or NULL with a sentence in err: not JSON, not an
 * object, duplicate keys, invalid UTF-8, a NUL inside a string.
 */
json_t *bb_input_parse(const char *body, size_t len, char *err,
    size_t errlen);

/*
 * Looks up each field of fields[0..n) in obj and stores its string value in
 * values[i] (NULL when an optional field is absent).  Records a problem for
 * a missing, non-string, empty or overlong field, and for every key of obj
 * not in fields.  Returns the number of problems.
 */
size_t bb_input_fields(json_t *obj, const bb_field_t *fields, size_t n,
    const char **values, bb_problems_t *problems);

/* Adds a problem unless the list is full. */
void bb_input_problem(bb_problems_t *problems, const char *field,
    const char *problem);

#endif /* BB_INPUT_H */
