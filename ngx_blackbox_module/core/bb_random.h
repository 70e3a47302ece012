/*
 * Secrets from OpenSSL's CSPRNG: identifiers, one-time codes, and the keyed
 * hash under which codes are stored.
 */

#ifndef BB_RANDOM_H
#define BB_RANDOM_H

#include <stddef.h>

#define BB_CODE_DIGITS     6
#define BB_CODE_HASH_SIZE  32    /* HMAC-SHA256 */

/* nbytes random bytes as 2 * nbytes lowercase hex digits and a NUL. */
int bb_random_hex(char *out, size_t nbytes);

/*
 * A uniformly drawn code of BB_CODE_DIGITS decimal digits and a NUL (no
 * modulo bias: draws past the largest multiple of 10^6 are thrown back).
 */
int bb_code_new(char *out);

/*
 * HMAC-SHA256 under key of "code:<id>:<code>": binding the code to its id
 * means a stored hash is worth nothing for any other code row.
 */
int bb_code_hash(const unsigned char *key, size_t keylen, const char *id,
    const char *code, unsigned char *out);

/* 1 when the n bytes are equal; takes the same time wherever they differ. */
int bb_equal_ct(const void *a, const void *b, size_t n);

#endif /* BB_RANDOM_H */
