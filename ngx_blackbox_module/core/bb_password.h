/*
 * Password hashing with scrypt (OpenSSL's EVP_PBE_scrypt).
 *
 * Stored as "scrypt$<log2 N>$<r>$<p>$<salt>$<key>" (base64 salt and key),
 * so that the cost can be raised later: a hash carries the parameters it was
 * made with, and bb_password_verify uses those.  One hash costs about 32 MiB
 * and tens of milliseconds: it runs in the thread pool, never on an event
 * loop.
 */

#ifndef BB_PASSWORD_H
#define BB_PASSWORD_H

#include <stddef.h>

#define BB_PASSWORD_HASH_MAX  128

/* Hashes password with a fresh salt into out.  Returns 0 or -1. */
int bb_password_hash(const char *password, char *out, size_t size);

/*
 * 1 when password matches stored, 0 when it does not, -1 when stored is
 * malformed or asks for parameters out of bounds.  The comparison is in
 * constant time.
 */
int bb_password_verify(const char *password, const char *stored);

/*
 * Spends the time of one verification without a stored hash, so that an
 * unknown user and a wrong password cannot be told apart by time.
 */
void bb_password_verify_nobody(const char *password);

#endif /* BB_PASSWORD_H */
