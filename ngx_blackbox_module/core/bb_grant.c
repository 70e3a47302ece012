/*
 * bb_grant.h: signed, expiring playback grants.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bb_grant.h"
#include "bb_random.h"


/* The mac of device_id and g, as BB_GRANT_MAC_LEN hex digits + NUL. */
static int
bb_grant_mac(const unsigned char *key, size_t keylen, const char *device_id,
    const bb_grant_t *g, char *hex)
{
    int            n;
    char           msg[256];
    unsigned int   i, maclen;
    unsigned char  mac[EVP_MAX_MD_SIZE];

    /* The label keeps a grant's mac apart from anything else this key
       signs (access tokens). */
    n = snprintf(msg, sizeof(msg), "blackbox playback grant\n%s\n%lld\n%lld"
                 "\n%lld\n%lld", device_id, g->user_id, g->from_ms, g->to_ms,
                 g->expires);
    if (n < 0 || (size_t) n >= sizeof(msg)) {
        return -1;
    }

    if (HMAC(EVP_sha256(), key, (int) keylen, (unsigned char *) msg,
             (size_t) n, mac, &maclen) == NULL
        || maclen < BB_GRANT_MAC_LEN / 2)
    {
        return -1;
    }

    for (i = 0; i < BB_GRANT_MAC_LEN / 2; i++) {
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    }

    return 0;
}


int
bb_grant_sign(const unsigned char *key, size_t keylen, const char *device_id,
    const bb_grant_t *g, char *out)
{
    char  mac[BB_GRANT_MAC_LEN + 1];

    if (g->user_id < 0 || g->from_ms < 0 || g->to_ms < 0 || g->expires < 0
        || bb_grant_mac(key, keylen, device_id, g, mac) != 0)
    {
        return -1;
    }

    snprintf(out, BB_GRANT_LEN, "%lld.%lld.%lld.%lld.%s", g->user_id,
             g->from_ms, g->to_ms, g->expires, mac);

    return 0;
}


/* A decimal of one spelling (no sign, no leading 0) ending at '.'. */
static const char *
bb_grant_number(const char *p, const char *last, long long *v)
{
    const char  *start;

    for (start = p, *v = 0; p < last && *p >= '0' && *p <= '9'; p++) {
        if (p - start == 18 || (p > start && *start == '0')) {
            return NULL;
        }

        *v = *v * 10 + (*p - '0');
    }

    return (p > start && p < last && *p == '.') ? p + 1 : NULL;
}


bb_grant_e
bb_grant_check(const unsigned char *key, size_t keylen,
    const char *device_id, const char *s, size_t len, time_t now,
    bb_grant_t *g)
{
    char         mac[BB_GRANT_MAC_LEN + 1];
    size_t       i;
    const char  *p, *last;

    p = s;
    last = s + len;

    if ((p = bb_grant_number(p, last, &g->user_id)) == NULL
        || (p = bb_grant_number(p, last, &g->from_ms)) == NULL
        || (p = bb_grant_number(p, last, &g->to_ms)) == NULL
        || (p = bb_grant_number(p, last, &g->expires)) == NULL
        || last - p != BB_GRANT_MAC_LEN)
    {
        return BB_GRANT_MALFORMED;
    }

    for (i = 0; i < BB_GRANT_MAC_LEN; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return BB_GRANT_MALFORMED;
        }
    }

    if (bb_grant_mac(key, keylen, device_id, g, mac) != 0
        || !bb_equal_ct(mac, p, BB_GRANT_MAC_LEN))
    {
        return BB_GRANT_FORGED;
    }

    return (long long) now < g->expires ? BB_GRANT_OK : BB_GRANT_EXPIRED;
}
