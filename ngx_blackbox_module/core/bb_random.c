/*
 * Secrets from OpenSSL's CSPRNG: see bb_random.h.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "bb_random.h"

#define BB_RANDOM_HEX_MAX  64


int
bb_random_hex(char *out, size_t nbytes)
{
    size_t                i;
    unsigned char         buf[BB_RANDOM_HEX_MAX];
    static const char     hex[] = "0123456789abcdef";

    if (nbytes > sizeof(buf) || RAND_bytes(buf, (int) nbytes) != 1) {
        return -1;
    }

    for (i = 0; i < nbytes; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 0xf];
    }

    out[2 * nbytes] = '\0';
    OPENSSL_cleanse(buf, sizeof(buf));

    return 0;
}


int
bb_code_new(char *out)
{
    uint32_t  v;

    /* 4294000000 is the largest multiple of 10^6 below 2^32. */
    do {
        if (RAND_bytes((unsigned char *) &v, sizeof(v)) != 1) {
            return -1;
        }
    } while (v >= 4294000000u);

    snprintf(out, BB_CODE_DIGITS + 1, "%06u", (unsigned) (v % 1000000));

    return 0;
}


int
bb_code_hash(const unsigned char *key, size_t keylen, const char *id,
    const char *code, unsigned char *out)
{
    char          msg[128];
    int           n;
    unsigned int  len;

    n = snprintf(msg, sizeof(msg), "code:%s:%s", id, code);
    if (n < 0 || (size_t) n >= sizeof(msg)) {
        return -1;
    }

    len = BB_CODE_HASH_SIZE;

    if (HMAC(EVP_sha256(), key, (int) keylen, (unsigned char *) msg,
             (size_t) n, out, &len) == NULL)
    {
        return -1;
    }

    OPENSSL_cleanse(msg, sizeof(msg));

    return 0;
}


int
bb_equal_ct(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
