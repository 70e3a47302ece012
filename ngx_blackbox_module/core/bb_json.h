/*
 * A JSON writer that measures and writes with the same calls.
 *
 * Answers are built in the four steps nginx's own JSON and playlist builders
 * use: run the builder once over a NULL buffer to learn the length, allocate
 * once, run it again to write, and check that both runs agree.  One code path
 * for both runs means the measure can never drift from the write.
 *
 *   bb_json_t  j;
 *
 *   bb_json_init(&j, NULL, 0);  build(&j);  len = j.len;
 *   buf = alloc(len);
 *   bb_json_init(&j, buf, len); build(&j);  assert j.len == len;
 */

#ifndef BB_JSON_H
#define BB_JSON_H

#include <stddef.h>

typedef struct {
    char    *buf;   /* NULL while measuring */
    size_t   size;
    size_t   len;   /* bytes written, or that would have been */
} bb_json_t;

void bb_json_init(bb_json_t *j, char *buf, size_t size);

/* Appends bytes as they are: punctuation and keys known to need no escape. */
void bb_json_raw(bb_json_t *j, const char *s);

/* Appends s as a quoted JSON string, escaping what JSON requires. */
void bb_json_str(bb_json_t *j, const char *s);

/* Appends a decimal integer. */
void bb_json_int(bb_json_t *j, long long v);

/* Appends t as an RFC 3339 UTC string, or null when t is negative. */
void bb_json_time(bb_json_t *j, long long t);

/* Appends "key": (quoted key, then a colon) after a comma if not first. */
void bb_json_key(bb_json_t *j, const char *key, int first);

#endif /* BB_JSON_H */
