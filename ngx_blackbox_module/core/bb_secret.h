/*
 * Server secrets (the JWT signing key, the device secret) read from their
 * files once, at start: a missing or short one stops the process from
 * starting rather than failing requests later.
 */

#ifndef BB_SECRET_H
#define BB_SECRET_H

#include <stddef.h>

#define BB_SECRET_MIN  32     /* bytes: HMAC-SHA256 wants a full block */
#define BB_SECRET_MAX  1024

/*
 * Reads the secret in path into buf (BB_SECRET_MAX bytes) and its length
 * into *len.  *loose is set when others than the owner may read the file
 * (worth a warning).  Returns 0, or -1 with why in err, a phrase to
 * follow the file's name: "must hold at least 32 random bytes".
 */
int bb_secret_read(const char *path, unsigned char *buf, size_t *len,
    int *loose, char *err, size_t err_len);

#endif /* BB_SECRET_H */
