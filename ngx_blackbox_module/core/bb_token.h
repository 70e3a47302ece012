/*
 * Tokens: HS256 JSON Web Tokens through libjwt, of two kinds.  An access
 * token (minutes) authorises API calls in a Bearer header; a session token
 * (hours) lives only in the web app's HttpOnly cookie and can do nothing
 * but fetch a fresh access token.  The "typ" claim tells them apart, so
 * neither can stand in for the other.
 *
 * libjwt 1.10 verifies the signature with any HMAC algorithm the header
 * names and checks no claim at all, so everything that makes a token valid
 * is decided here: the algorithm is pinned to HS256, and exp, nbf, iat, sub
 * and jti are required and checked against the caller's clock.  Revocation
 * (logout, password change) is the caller's business: see the jti and iat
 * returned in the claims.
 */

#ifndef BB_TOKEN_H
#define BB_TOKEN_H

#include <stddef.h>
#include <time.h>

/* No token of ours comes near this; longer input is refused unparsed. */
#define BB_TOKEN_MAX      1024
#define BB_TOKEN_JTI_LEN  32     /* 128 random bits in hex */

typedef enum {
    BB_TOKEN_ACCESS = 0,        /* "typ":"access"; also a token with no typ */
    BB_TOKEN_SESSION            /* "typ":"session" */
} bb_token_kind_e;

typedef struct {
    long long  sub;                        /* user id */
    char       jti[BB_TOKEN_JTI_LEN + 1];
    time_t     iat;
    time_t     exp;
} bb_token_claims_t;

typedef enum {
    BB_TOKEN_OK = 0,
    BB_TOKEN_MALFORMED,         /* not a JWT, or too long */
    BB_TOKEN_BAD_SIGNATURE,     /* or alg "none" */
    BB_TOKEN_BAD_ALG,           /* signed, but not with HS256 */
    BB_TOKEN_BAD_CLAIMS,        /* sub, jti, iat or exp missing or wrong */
    BB_TOKEN_EXPIRED,
    BB_TOKEN_NOT_YET_VALID,     /* nbf or iat in the future */
    BB_TOKEN_WRONG_KIND         /* valid, but not the kind asked for */
} bb_token_status_e;

/*
 * Mints a token of the kind for user_id valid for ttl seconds from now,
 * with a fresh jti, into out (NUL-terminated).  Fills claims.  Returns 0
 * or -1.
 */
int bb_token_mint(const unsigned char *key, size_t keylen,
    bb_token_kind_e kind, long long user_id, time_t now, int ttl, char *out,
    size_t size, bb_token_claims_t *claims);

/* Checks token as one of kind at time now; fills claims when BB_TOKEN_OK. */
bb_token_status_e bb_token_verify(const unsigned char *key, size_t keylen,
    bb_token_kind_e kind, const char *token, time_t now,
    bb_token_claims_t *claims);

/* A short lowercase reason for the log: "expired", "bad signature", ... */
const char *bb_token_status_text(bb_token_status_e status);

#endif /* BB_TOKEN_H */
