/*
 * Password hashing with scrypt: see bb_password.h.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bb_password.h"
#include "bb_random.h"

/* N = 2^15, r = 8, p = 1: the floor, about 32 MiB per hash. */
#define BB_SCRYPT_LOG2N     15
#define BB_SCRYPT_R         8
#define BB_SCRYPT_P         1

#define BB_SCRYPT_SALT      16
#define BB_SCRYPT_KEY       32

/* Bounds on what a stored hash may ask for, against a tampered row. */
#define BB_SCRYPT_LOG2N_MAX 20
#define BB_SCRYPT_R_MAX     32
#define BB_SCRYPT_P_MAX     16
#define BB_SCRYPT_MAXMEM    (1024UL * 1024 * 1024)

/* Base64 of 16 and 32 bytes, with padding. */
#define BB_B64_SALT_LEN     24
#define BB_B64_KEY_LEN      44


static int
bb_scrypt(const char *password, const unsigned char *salt, int log2n, int r,
    int p, unsigned char *key)
{
    return EVP_PBE_scrypt(password, strlen(password), salt, BB_SCRYPT_SALT,
                          (uint64_t) 1 << log2n, (uint64_t) r, (uint64_t) p,
                          BB_SCRYPT_MAXMEM, key, BB_SCRYPT_KEY) == 1 ? 0 : -1;
}


int
bb_password_hash(const char *password, char *out, size_t size)
{
    int            n;
    unsigned char  salt[BB_SCRYPT_SALT], key[BB_SCRYPT_KEY];
    char           salt64[BB_B64_SALT_LEN + 1], key64[BB_B64_KEY_LEN + 1];

    if (RAND_bytes(salt, sizeof(salt)) != 1
        || bb_scrypt(password, salt, BB_SCRYPT_LOG2N, BB_SCRYPT_R,
                     BB_SCRYPT_P, key) != 0)
    {
        return -1;
    }

    EVP_EncodeBlock((unsigned char *) salt64, salt, sizeof(salt));
    EVP_EncodeBlock((unsigned char *) key64, key, sizeof(key));
    OPENSSL_cleanse(key, sizeof(key));

    n = snprintf(out, size, "scrypt$%d$%d$%d$%s$%s", BB_SCRYPT_LOG2N,
                 BB_SCRYPT_R, BB_SCRYPT_P, salt64, key64);

    return (n > 0 && (size_t) n < size) ? 0 : -1;
}


/*
 * Reads "<digits>$" at *p as a number from 1 to max, strictly (no sign,
 * blank or overflow: a stored hash is data, not input to be forgiving
 * about), and moves *p past it.
 */
static int
bb_scrypt_param(const char **p, int max, int *value)
{
    int          v;
    const char  *s;

    v = 0;

    for (s = *p; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');

        if (v > max) {
            return -1;
        }
    }

    if (s == *p || *s != '$' || v < 1) {
        return -1;
    }

    *value = v;
    *p = s + 1;

    return 0;
}


/* Decodes exactly want bytes of base64 from the len characters at s. */
static int
bb_b64_decode(const char *s, size_t len, unsigned char *out, size_t want)
{
    unsigned char  buf[64];

    if (len != 4 * ((want + 2) / 3) || len > 4 * sizeof(buf) / 3) {
        return -1;
    }

    if (EVP_DecodeBlock(buf, (const unsigned char *) s, (int) len) < 0) {
        return -1;
    }

    memcpy(out, buf, want);

    return 0;
}


int
bb_password_verify(const char *password, const char *stored)
{
    int            log2n, r, p, rc;
    const char    *salt64, *key64;
    unsigned char  salt[BB_SCRYPT_SALT], want[BB_SCRYPT_KEY];
    unsigned char  got[BB_SCRYPT_KEY];

    if (strncmp(stored, "scrypt$", 7) != 0) {
        return -1;
    }

    salt64 = stored + 7;

    if (bb_scrypt_param(&salt64, BB_SCRYPT_LOG2N_MAX, &log2n) != 0
        || bb_scrypt_param(&salt64, BB_SCRYPT_R_MAX, &r) != 0
        || bb_scrypt_param(&salt64, BB_SCRYPT_P_MAX, &p) != 0)
    {
        return -1;
    }

    key64 = strchr(salt64, '$');

    if (key64 == NULL
        || bb_b64_decode(salt64, (size_t) (key64 - salt64), salt,
                         sizeof(salt)) != 0
        || bb_b64_decode(key64 + 1, strlen(key64 + 1), want,
                         sizeof(want)) != 0)
    {
        return -1;
    }

    if (bb_scrypt(password, salt, log2n, r, p, got) != 0) {
        return -1;
    }

    rc = bb_equal_ct(got, want, sizeof(got));
    OPENSSL_cleanse(got, sizeof(got));

    return rc;
}


void
bb_password_verify_nobody(const char *password)
{
    static const char  nobody[] =
        "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA=="
        "$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    (void) bb_password_verify(password, nobody);
}
