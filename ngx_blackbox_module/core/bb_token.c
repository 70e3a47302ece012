/*
 * Access tokens: see bb_token.h.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "bb_random.h"
#include "bb_token.h"

/* Clocks of two servers may disagree this much. */
#define BB_TOKEN_LEEWAY_S  30


static const char  *bb_token_typ[] = { "access", "session" };


int
bb_token_mint(const unsigned char *key, size_t keylen,
    bb_token_kind_e kind, long long user_id, time_t now, int ttl, char *out,
    size_t size, bb_token_claims_t *claims)
{
    int     rc;
    char    sub[24], *token;
    jwt_t  *jwt;

    if (bb_random_hex(claims->jti, BB_TOKEN_JTI_LEN / 2) != 0) {
        return -1;
    }

    claims->sub = user_id;
    claims->iat = now;
    claims->exp = now + ttl;
    snprintf(sub, sizeof(sub), "%lld", user_id);

    if (jwt_new(&jwt) != 0) {
        return -1;
    }

    rc = jwt_set_alg(jwt, JWT_ALG_HS256, key, (int) keylen)
         || jwt_add_grant(jwt, "sub", sub)
         || jwt_add_grant(jwt, "jti", claims->jti)
         || jwt_add_grant(jwt, "typ", bb_token_typ[kind])
         || jwt_add_grant_int(jwt, "iat", (long) claims->iat)
         || jwt_add_grant_int(jwt, "exp", (long) claims->exp);

    token = rc ? NULL : jwt_encode_str(jwt);
    jwt_free(jwt);

    if (token == NULL) {
        return -1;
    }

    rc = (strlen(token) < size) ? 0 : -1;
    if (rc == 0) {
        strcpy(out, token);
    }

    free(token);

    return rc;
}


/*
 * A claim that is a non-negative JSON integer, or -1: missing, a string, a
 * fraction or negative.  libjwt's jwt_get_grant_int() reads "5" and 5.5
 * as integers, so the claim's JSON text is checked here.
 */
static long
bb_token_int(jwt_t *jwt, const char *name)
{
    long   v;
    char  *json, *end;

    json = jwt_get_grants_json(jwt, name);
    if (json == NULL) {
        return -1;
    }

    errno = 0;
    v = (json[0] >= '0' && json[0] <= '9') ? strtol(json, &end, 10) : -1;

    if (v >= 0 && (*end != '\0' || errno != 0)) {
        v = -1;
    }

    free(json);

    return v;
}


static int
bb_token_has(jwt_t *jwt, const char *name)
{
    char  *json;

    json = jwt_get_grants_json(jwt, name);
    free(json);

    return json != NULL;
}


static int
bb_token_jti_valid(const char *jti)
{
    size_t  i;

    if (jti == NULL || strlen(jti) != BB_TOKEN_JTI_LEN) {
        return 0;
    }

    for (i = 0; i < BB_TOKEN_JTI_LEN; i++) {
        if (!((jti[i] >= '0' && jti[i] <= '9')
              || (jti[i] >= 'a' && jti[i] <= 'f')))
        {
            return 0;
        }
    }

    return 1;
}


static bb_token_status_e
bb_token_claims(jwt_t *jwt, time_t now, bb_token_claims_t *claims)
{
    long         iat, exp, nbf;
    char        *end;
    const char  *sub, *jti;

    sub = jwt_get_grant(jwt, "sub");
    jti = jwt_get_grant(jwt, "jti");
    iat = bb_token_int(jwt, "iat");
    exp = bb_token_int(jwt, "exp");

    if (sub == NULL || *sub < '1' || *sub > '9' || !bb_token_jti_valid(jti)
        || iat < 0 || exp < 0)
    {
        return BB_TOKEN_BAD_CLAIMS;
    }

    errno = 0;
    claims->sub = strtoll(sub, &end, 10);
    if (*end != '\0' || errno != 0) {
        return BB_TOKEN_BAD_CLAIMS;
    }

    if (exp <= now) {
        return BB_TOKEN_EXPIRED;
    }

    /* nbf is optional: ours carry none, but a token naming one obeys it. */
    nbf = bb_token_int(jwt, "nbf");

    if (nbf < 0 && bb_token_has(jwt, "nbf")) {
        return BB_TOKEN_BAD_CLAIMS;
    }

    if (iat > now + BB_TOKEN_LEEWAY_S || nbf > now + BB_TOKEN_LEEWAY_S) {
        return BB_TOKEN_NOT_YET_VALID;
    }

    memcpy(claims->jti, jti, BB_TOKEN_JTI_LEN + 1);
    claims->iat = iat;
    claims->exp = exp;

    return BB_TOKEN_OK;
}


/*
 * Tokens minted before kinds existed carry no typ and were all access
 * tokens; a session token must say so.
 */
static bb_token_status_e
bb_token_kind(jwt_t *jwt, bb_token_kind_e kind)
{
    const char  *typ;

    typ = jwt_get_grant(jwt, "typ");

    if (typ == NULL) {
        if (bb_token_has(jwt, "typ")) {
            return BB_TOKEN_BAD_CLAIMS;
        }

        return kind == BB_TOKEN_ACCESS ? BB_TOKEN_OK : BB_TOKEN_WRONG_KIND;
    }

    return strcmp(typ, bb_token_typ[kind]) == 0 ? BB_TOKEN_OK
                                                : BB_TOKEN_WRONG_KIND;
}


bb_token_status_e
bb_token_verify(const unsigned char *key, size_t keylen,
    bb_token_kind_e kind, const char *token, time_t now,
    bb_token_claims_t *claims)
{
    size_t             len, dots;
    jwt_t             *jwt;
    const char        *p;
    bb_token_status_e  status;

    len = strlen(token);
    for (p = token, dots = 0; *p; p++) {
        dots += (*p == '.');
    }

    if (len > BB_TOKEN_MAX || dots != 2) {
        return BB_TOKEN_MALFORMED;
    }

    /* With a key given, libjwt refuses alg "none" and bad signatures. */
    if (jwt_decode(&jwt, token, key, (int) keylen) != 0) {
        return BB_TOKEN_BAD_SIGNATURE;
    }

    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        jwt_free(jwt);
        return BB_TOKEN_BAD_ALG;
    }

    status = bb_token_claims(jwt, now, claims);
    if (status == BB_TOKEN_OK) {
        status = bb_token_kind(jwt, kind);
    }

    jwt_free(jwt);

    return status;
}


const char *
bb_token_status_text(bb_token_status_e status)
{
    static const char  *text[] = {
        "valid", "malformed", "bad signature", "not HS256",
        "missing or malformed claims", "expired", "not yet valid",
        "the wrong kind of token"
    };

    return text[status];
}
