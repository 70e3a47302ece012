/*
 * Checking a JSON request body: see bb_input.h.
 */

#include <stdio.h>
#include <string.h>

#include "bb_input.h"


json_t *
bb_input_parse(const char *body, size_t len, char *err, size_t errlen)
{
    json_t        *obj;
    json_error_t   e;

    /*
     * JSON_REJECT_DUPLICATES: {"a":1,"a":2} must not mean whichever;
     * JSON_DECODE_ANY, so that 5 is told it is not an object rather than not
     * JSON; and without JSON_ALLOW_NUL jansson refuses "\u0000", so values
     * are C strings.
     */
    obj = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
    if (obj == NULL) {
        snprintf(err, errlen, "The body is not valid JSON (line %d, column "
                 "%d: %s).", e.line, e.column, e.text);
        return NULL;
    }

    if (!json_is_object(obj)) {
        snprintf(err, errlen, "The body must be a JSON object.");
        json_decref(obj);
        return NULL;
    }

    return obj;
}


void
bb_input_problem(bb_problems_t *problems, const char *field,
    const char *problem)
{
    if (problems->n < BB_INPUT_PROBLEMS_MAX) {
        problems->items[problems->n].field = field;
        problems->items[problems->n].problem = problem;
        problems->n++;
    }
}


static const bb_field_t *
bb_input_field(const bb_field_t *fields, size_t n, const char *name)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (strcmp(fields[i].name, name) == 0) {
            return &fields[i];
        }
    }

    return NULL;
}


size_t
bb_input_fields(json_t *obj, const bb_field_t *fields, size_t n,
    const char **values, bb_problems_t *problems)
{
    size_t       i, before;
    json_t      *v;
    const char  *key;

    before = problems->n;

    for (i = 0; i < n; i++) {
        values[i] = NULL;
        v = json_object_get(obj, fields[i].name);

        if (v == NULL) {
            if (!fields[i].optional) {
                bb_input_problem(problems, fields[i].name, "required");
            }

        } else if (!json_is_string(v)) {
            bb_input_problem(problems, fields[i].name, "must be a string");

        } else if (json_string_length(v) == 0) {
            bb_input_problem(problems, fields[i].name, "must not be empty");

        } else if (json_string_length(v) > fields[i].max) {
            bb_input_problem(problems, fields[i].name, "too long");

        } else {
            values[i] = json_string_value(v);
        }
    }

    json_object_foreach(obj, key, v) {
        if (bb_input_field(fields, n, key) == NULL) {
            bb_input_problem(problems, key, "unknown field");
        }
    }

    return problems->n - before;
}
