/*
 * Unit tests of bb_token: minting and verifying HS256 tokens, and every way
 * a token is refused: expiry at the second, iat and nbf in the future with
 * the leeway, a wrong key, alg "none", HMACs other than HS256, missing or
 * malformed claims, strings that are not JWTs, a tampered payload.
 *
 * Foreign tokens are made here with libjwt itself from a JSON claim set,
 * so that each case is one line of claims and the status it must get.  The
 * clock is the fixed NOW, passed to bb_token_verify as the caller would.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "bb_token.h"
#include "tap.h"

/* 2023-11-14 22:13:20 UTC; the claims below are written relative to it. */
#define NOW      1700000000
#define TTL      900

#define LEEWAY   30

static const unsigned char  key[] = "unit-test key of 32 bytes, fixed";
static const unsigned char  other_key[] = "unit-test key of 32 bytes, fixeD";

#define KEYLEN   (sizeof(key) - 1)

/* Claims, as JSON members; the times are NOW and NOW + TTL. */
#define SUB      "\"sub\":\"42\""
#define JTI      "\"jti\":\"0123456789abcdef0123456789abcdef\""
#define IAT      "\"iat\":1700000000"
#define EXP      "\"exp\":1700000900"

#define GOOD     "{" SUB "," JTI "," IAT "," EXP "}"

#define HEX      "0123456789abcdef"


/*
 * Encodes the claims (a JSON object) with alg under k into out.  Returns 0
 * or -1.
 */
static int
make_token(jwt_alg_t alg, const unsigned char *k, size_t klen,
    const char *claims, char *out, size_t size)
{
    int     rc;
    char   *token;
    jwt_t  *jwt;

    if (jwt_new(&jwt) != 0) {
        return -1;
    }

    rc = (alg == JWT_ALG_NONE) ? jwt_set_alg(jwt, alg, NULL, 0)
                               : jwt_set_alg(jwt, alg, k, (int) klen);

    if (rc != 0 || jwt_add_grants_json(jwt, claims) != 0) {
        jwt_free(jwt);
        return -1;
    }

    token = jwt_encode_str(jwt);
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


static int
all_lower_hex(const char *s)
{
    return strlen(s) == BB_TOKEN_JTI_LEN
           && strspn(s, HEX) == BB_TOKEN_JTI_LEN;
}


static void
test_mint_verify(void)
{
    char               a[BB_TOKEN_MAX + 1], b[BB_TOKEN_MAX + 1];
    char               small[32];
    bb_token_claims_t  minted, got, other;

    memset(&minted, 0, sizeof(minted));

    if (!is_int(bb_token_mint(key, KEYLEN, BB_TOKEN_ACCESS, 42, NOW, TTL, a, sizeof(a),
                              &minted), 0, "mint"))
    {
        return;
    }

    is_int(minted.sub, 42, "  claims sub");
    ok(all_lower_hex(minted.jti), "  claims jti is 32 lowercase hex: %s",
       minted.jti);
    is_int(minted.iat, NOW, "  claims iat");
    is_int(minted.exp, NOW + TTL, "  claims exp");

    memset(&got, 0, sizeof(got));
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, a, NOW, &got), BB_TOKEN_OK,
           "verify at once");
    is_int(got.sub, 42, "  sub");
    is_str(got.jti, minted.jti, "  jti");
    is_int(got.iat, NOW, "  iat");
    is_int(got.exp, NOW + TTL, "  exp");

    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, a, NOW + TTL - 1, &got), BB_TOKEN_OK,
           "verify one second before exp");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, a, NOW + TTL, &got),
           BB_TOKEN_EXPIRED, "verify at exp: expired");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, a, NOW + TTL + 3600, &got),
           BB_TOKEN_EXPIRED, "verify an hour past exp");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, a, NOW - LEEWAY, &got), BB_TOKEN_OK,
           "verify on a clock behind by the leeway");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, a, NOW - LEEWAY - 1, &got),
           BB_TOKEN_NOT_YET_VALID, "verify on a clock behind by more");
    is_int(bb_token_verify(other_key, KEYLEN, BB_TOKEN_ACCESS, a, NOW, &got),
           BB_TOKEN_BAD_SIGNATURE, "verify with another key");
    is_int(bb_token_verify(key, KEYLEN - 1, BB_TOKEN_ACCESS, a, NOW, &got),
           BB_TOKEN_BAD_SIGNATURE, "verify with a shorter key");

    is_int(bb_token_mint(key, KEYLEN, BB_TOKEN_ACCESS, 42, NOW, TTL, b, sizeof(b), &other), 0,
           "mint again");
    ok(strcmp(minted.jti, other.jti) != 0, "  another jti");
    ok(strcmp(a, b) != 0, "  another token");

    is_int(bb_token_mint(key, KEYLEN, BB_TOKEN_ACCESS, 9007199254740993LL, NOW, TTL, b,
                         sizeof(b), &minted), 0, "mint a large user id");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, b, NOW, &got), BB_TOKEN_OK,
           "  verifies");
    is_int(got.sub, 9007199254740993LL, "  and keeps every digit");

    memset(small, '#', sizeof(small));
    is_int(bb_token_mint(key, KEYLEN, BB_TOKEN_ACCESS, 42, NOW, TTL, small,
                         sizeof(small) - 1, &minted), -1,
           "mint into a buffer too small");
    ok(small[sizeof(small) - 1] == '#', "  writes nothing past its size");
}


static void
test_foreign(void)
{
    static const struct {
        const char         *name;
        jwt_alg_t           alg;
        int                 other_key;
        const char         *claims;
        bb_token_status_e   want;
    } cases[] = {
        { "good claims", JWT_ALG_HS256, 0, GOOD, BB_TOKEN_OK },
        { "extra claims ignored", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"role\":\"admin\"}",
          BB_TOKEN_OK },

        /* The key and the algorithm. */
        { "another key", JWT_ALG_HS256, 1, GOOD, BB_TOKEN_BAD_SIGNATURE },
        { "alg none", JWT_ALG_NONE, 0, GOOD, BB_TOKEN_BAD_SIGNATURE },
        { "HS384 with our key", JWT_ALG_HS384, 0, GOOD, BB_TOKEN_BAD_ALG },
        { "HS512 with our key", JWT_ALG_HS512, 0, GOOD, BB_TOKEN_BAD_ALG },
        { "HS512 with another key", JWT_ALG_HS512, 1, GOOD,
          BB_TOKEN_BAD_SIGNATURE },

        /* Time. */
        { "exp one second ahead", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT ",\"exp\":1700000001}", BB_TOKEN_OK },
        { "exp now", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT ",\"exp\":1700000000}", BB_TOKEN_EXPIRED },
        { "exp a second ago", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":1699999000,\"exp\":1699999999}",
          BB_TOKEN_EXPIRED },
        { "exp 0", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":0,\"exp\":0}", BB_TOKEN_EXPIRED },
        { "iat 0", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":0," EXP "}", BB_TOKEN_OK },
        { "iat within the leeway", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":1700000030," EXP "}", BB_TOKEN_OK },
        { "iat past the leeway", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":1700000031," EXP "}",
          BB_TOKEN_NOT_YET_VALID },
        { "iat a day ahead", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":1700086400,\"exp\":1700090000}",
          BB_TOKEN_NOT_YET_VALID },
        { "nbf past", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":1699999000}",
          BB_TOKEN_OK },
        { "nbf within the leeway", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":1700000030}",
          BB_TOKEN_OK },
        { "nbf past the leeway", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":1700000031}",
          BB_TOKEN_NOT_YET_VALID },
        { "nbf an hour ahead", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":1700003600}",
          BB_TOKEN_NOT_YET_VALID },
        /* Expiry is decided first. */
        { "expired and nbf ahead", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT ",\"exp\":1699999999,"
          "\"nbf\":1700003600}", BB_TOKEN_EXPIRED },

        /* Missing claims. */
        { "no sub", JWT_ALG_HS256, 0, "{" JTI "," IAT "," EXP "}",
          BB_TOKEN_BAD_CLAIMS },
        { "no jti", JWT_ALG_HS256, 0, "{" SUB "," IAT "," EXP "}",
          BB_TOKEN_BAD_CLAIMS },
        { "no iat", JWT_ALG_HS256, 0, "{" SUB "," JTI "," EXP "}",
          BB_TOKEN_BAD_CLAIMS },
        { "no exp", JWT_ALG_HS256, 0, "{" SUB "," JTI "," IAT "}",
          BB_TOKEN_BAD_CLAIMS },
        { "no claims", JWT_ALG_HS256, 0, "{}", BB_TOKEN_BAD_CLAIMS },
        /* Claims are checked before expiry. */
        { "no sub and expired", JWT_ALG_HS256, 0,
          "{" JTI "," IAT ",\"exp\":1}", BB_TOKEN_BAD_CLAIMS },

        /* sub: a positive decimal string, no sign, no blanks. */
        { "sub 1", JWT_ALG_HS256, 0,
          "{\"sub\":\"1\"," JTI "," IAT "," EXP "}", BB_TOKEN_OK },
        { "sub LLONG_MAX", JWT_ALG_HS256, 0,
          "{\"sub\":\"9223372036854775807\"," JTI "," IAT "," EXP "}",
          BB_TOKEN_OK },
        { "sub past LLONG_MAX", JWT_ALG_HS256, 0,
          "{\"sub\":\"9223372036854775808\"," JTI "," IAT "," EXP "}",
          BB_TOKEN_BAD_CLAIMS },
        { "sub 20 nines", JWT_ALG_HS256, 0,
          "{\"sub\":\"99999999999999999999\"," JTI "," IAT "," EXP "}",
          BB_TOKEN_BAD_CLAIMS },
        { "sub 0", JWT_ALG_HS256, 0,
          "{\"sub\":\"0\"," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub 042", JWT_ALG_HS256, 0,
          "{\"sub\":\"042\"," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub -1", JWT_ALG_HS256, 0,
          "{\"sub\":\"-1\"," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub +1", JWT_ALG_HS256, 0,
          "{\"sub\":\"+1\"," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub with a leading blank", JWT_ALG_HS256, 0,
          "{\"sub\":\" 1\"," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub with a trailing blank", JWT_ALG_HS256, 0,
          "{\"sub\":\"1 \"," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub 12a", JWT_ALG_HS256, 0,
          "{\"sub\":\"12a\"," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub empty", JWT_ALG_HS256, 0,
          "{\"sub\":\"\"," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub a JSON number", JWT_ALG_HS256, 0,
          "{\"sub\":5," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "sub null", JWT_ALG_HS256, 0,
          "{\"sub\":null," JTI "," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },

        /* jti: exactly 32 lowercase hex digits. */
        { "jti 31 digits", JWT_ALG_HS256, 0,
          "{" SUB ",\"jti\":\"0123456789abcdef0123456789abcde\"," IAT ","
          EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "jti 33 digits", JWT_ALG_HS256, 0,
          "{" SUB ",\"jti\":\"0123456789abcdef0123456789abcdef0\"," IAT ","
          EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "jti uppercase", JWT_ALG_HS256, 0,
          "{" SUB ",\"jti\":\"0123456789ABCDEF0123456789abcdef\"," IAT ","
          EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "jti with a g", JWT_ALG_HS256, 0,
          "{" SUB ",\"jti\":\"0123456789abcdeg0123456789abcdef\"," IAT ","
          EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "jti empty", JWT_ALG_HS256, 0,
          "{" SUB ",\"jti\":\"\"," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "jti a JSON number", JWT_ALG_HS256, 0,
          "{" SUB ",\"jti\":1234," IAT "," EXP "}", BB_TOKEN_BAD_CLAIMS },

        /*
         * iat, exp and nbf: JSON integers, not negative (libjwt 1.10 alone
         * would read a string, a fraction or true as 0 or as the number).
         */
        { "iat negative", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":-1," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "exp negative", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT ",\"exp\":-1}", BB_TOKEN_BAD_CLAIMS },
        { "iat a string", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":\"1700000000\"," EXP "}",
          BB_TOKEN_BAD_CLAIMS },
        { "iat a fraction", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":1700000000.5," EXP "}",
          BB_TOKEN_BAD_CLAIMS },
        { "iat null", JWT_ALG_HS256, 0,
          "{" SUB "," JTI ",\"iat\":null," EXP "}", BB_TOKEN_BAD_CLAIMS },
        { "exp a string", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT ",\"exp\":\"1700000900\"}",
          BB_TOKEN_BAD_CLAIMS },
        { "exp a fraction", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT ",\"exp\":1700000900.5}",
          BB_TOKEN_BAD_CLAIMS },
        { "exp with an exponent", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT ",\"exp\":1.7000009e9}",
          BB_TOKEN_BAD_CLAIMS },
        { "exp true", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT ",\"exp\":true}", BB_TOKEN_BAD_CLAIMS },
        { "nbf a string an hour ahead", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":\"1700003600\"}",
          BB_TOKEN_BAD_CLAIMS },
        { "nbf a string in the past", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":\"1699999000\"}",
          BB_TOKEN_BAD_CLAIMS },
        { "nbf a fraction", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":1699999000.5}",
          BB_TOKEN_BAD_CLAIMS },
        { "nbf negative", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":-1}",
          BB_TOKEN_BAD_CLAIMS },
        { "nbf null", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":null}",
          BB_TOKEN_BAD_CLAIMS },
        { "nbf 0", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"nbf\":0}", BB_TOKEN_OK },

        /* typ: absent or "access" for an access token, a string always. */
        { "typ access", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"typ\":\"access\"}",
          BB_TOKEN_OK },
        { "typ session as access", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"typ\":\"session\"}",
          BB_TOKEN_WRONG_KIND },
        { "typ Access", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"typ\":\"Access\"}",
          BB_TOKEN_WRONG_KIND },
        { "typ a JSON number", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"typ\":1}",
          BB_TOKEN_BAD_CLAIMS },
        { "typ null", JWT_ALG_HS256, 0,
          "{" SUB "," JTI "," IAT "," EXP ",\"typ\":null}",
          BB_TOKEN_BAD_CLAIMS },
    };

    size_t             i;
    char               token[BB_TOKEN_MAX + 1];
    bb_token_claims_t  got;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (!ok(make_token(cases[i].alg, cases[i].other_key ? other_key : key,
                           KEYLEN, cases[i].claims, token, sizeof(token))
                == 0, "make token: %s", cases[i].name))
        {
            continue;
        }

        memset(&got, 0, sizeof(got));

        if (!is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, token, NOW, &got),
                    cases[i].want, cases[i].name))
        {
            diag("token: %s", token);
        }
    }
}


static void
test_alg_none_signed(void)
{
    char               token[BB_TOKEN_MAX + 1], hs[BB_TOKEN_MAX + 1];
    const char        *sig;
    bb_token_claims_t  got;

    /* alg "none" with a real HS256 signature glued on still fails. */
    if (make_token(JWT_ALG_NONE, key, KEYLEN, GOOD, token, sizeof(token))
        != 0
        || make_token(JWT_ALG_HS256, key, KEYLEN, GOOD, hs, sizeof(hs)) != 0)
    {
        ok(0, "make tokens");
        return;
    }

    sig = strrchr(hs, '.') + 1;

    if (strlen(token) + strlen(sig) >= sizeof(token)) {
        ok(0, "tokens fit");
        return;
    }

    strcat(token, sig);
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, token, NOW, &got),
           BB_TOKEN_BAD_SIGNATURE, "alg none with a signature");

    /* And an HS256 token stripped of its signature. */
    hs[sig - hs] = '\0';
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, hs, NOW, &got),
           BB_TOKEN_BAD_SIGNATURE, "HS256 without a signature");
}


static void
test_malformed(void)
{
    static const struct {
        const char         *name;
        const char         *token;
        bb_token_status_e   want;
    } cases[] = {
        { "empty", "", BB_TOKEN_MALFORMED },
        { "no dots", "abc", BB_TOKEN_MALFORMED },
        { "one dot", "abc.def", BB_TOKEN_MALFORMED },
        { "three dots", "abc.def.ghi.jkl", BB_TOKEN_MALFORMED },
        { "four dots", "a.b.c.d.e", BB_TOKEN_MALFORMED },
        { "only a dot", ".", BB_TOKEN_MALFORMED },
        { "only three dots", "...", BB_TOKEN_MALFORMED },
        /*
         * Two dots pass the shape check; libjwt does not say why it then
         * fails, and bb_token reports every such failure as a bad
         * signature.
         */
        { "only two dots", "..", BB_TOKEN_BAD_SIGNATURE },
        { "garbage with two dots", "a.b.c", BB_TOKEN_BAD_SIGNATURE },
        { "header not JSON", "bm90IGpzb24.e30.c2ln",
          BB_TOKEN_BAD_SIGNATURE },
    };

    size_t             i;
    bb_token_claims_t  got;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, cases[i].token, NOW, &got),
               cases[i].want, cases[i].name);
    }
}


static void
test_length(void)
{
    char               token[BB_TOKEN_MAX + 2], *claims, *big;
    size_t             len;
    bb_token_claims_t  got;

    static const char  prefix[] = "{" SUB "," JTI "," IAT "," EXP
                                  ",\"pad\":\"";

    /* Exactly BB_TOKEN_MAX bytes is read, one more is not. */
    memset(token, 'a', sizeof(token));
    token[10] = '.';
    token[20] = '.';
    token[BB_TOKEN_MAX] = '\0';
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, token, NOW, &got),
           BB_TOKEN_BAD_SIGNATURE, "BB_TOKEN_MAX bytes reach libjwt");

    token[BB_TOKEN_MAX] = 'a';
    token[BB_TOKEN_MAX + 1] = '\0';
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, token, NOW, &got),
           BB_TOKEN_MALFORMED, "BB_TOKEN_MAX + 1 bytes: malformed");

    /* A well-signed token over the limit is refused all the same. */
    len = sizeof(prefix) - 1;
    claims = malloc(len + BB_TOKEN_MAX + sizeof("\"}"));
    big = malloc(4 * BB_TOKEN_MAX);

    if (ok(claims != NULL && big != NULL, "malloc")) {
        memcpy(claims, prefix, len);
        memset(claims + len, 'x', BB_TOKEN_MAX);
        memcpy(claims + len + BB_TOKEN_MAX, "\"}", sizeof("\"}"));

        if (ok(make_token(JWT_ALG_HS256, key, KEYLEN, claims, big,
                          4 * BB_TOKEN_MAX) == 0, "make a long token"))
        {
            ok(strlen(big) > BB_TOKEN_MAX, "  of %zu bytes", strlen(big));
            is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, big, NOW, &got),
                   BB_TOKEN_MALFORMED, "  is malformed");
        }
    }

    free(claims);
    free(big);
}


static void
test_tampered(void)
{
    size_t             i, start, end, n;
    char               token[BB_TOKEN_MAX + 1], copy[BB_TOKEN_MAX + 1];
    char               *dot1, *dot2;
    bb_token_claims_t  minted, got;

    if (!is_int(bb_token_mint(key, KEYLEN, BB_TOKEN_ACCESS, 42, NOW, TTL, token,
                              sizeof(token), &minted), 0, "mint"))
    {
        return;
    }

    dot1 = strchr(token, '.');
    dot2 = strchr(dot1 + 1, '.');
    start = (size_t) (dot1 + 1 - token);
    end = (size_t) (dot2 - token);

    /*
     * Every payload character in turn, to another base64url digit: the
     * last one too, whose low bits may not reach the decoded JSON, since
     * the signature covers the text.
     */
    n = 0;

    for (i = start; i < end; i++) {
        strcpy(copy, token);
        copy[i] = (copy[i] == 'A') ? 'B' : 'A';

        if (bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, copy, NOW, &got)
            == BB_TOKEN_BAD_SIGNATURE)
        {
            n++;

        } else {
            diag("payload byte %zu changed: %s", i - start, copy);
        }
    }

    is_int((long long) n, (long long) (end - start),
           "each payload character changed: bad signature");

    /* The same for the header and the signature. */
    strcpy(copy, token);
    copy[1] = (copy[1] == 'A') ? 'B' : 'A';
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, copy, NOW, &got),
           BB_TOKEN_BAD_SIGNATURE, "header changed");

    strcpy(copy, token);
    copy[end + 1] = (copy[end + 1] == 'A') ? 'B' : 'A';
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, copy, NOW, &got),
           BB_TOKEN_BAD_SIGNATURE, "signature changed");
}


/*
 * A session token (the web app's cookie) and an access token are never
 * taken for one another, and a token from before kinds (no typ) is an
 * access token only.
 */
static void
test_kinds(void)
{
    char               access[BB_TOKEN_MAX + 1], session[BB_TOKEN_MAX + 1];
    char               legacy[BB_TOKEN_MAX + 1];
    bb_token_claims_t  a, s, got;

    if (!is_int(bb_token_mint(key, KEYLEN, BB_TOKEN_ACCESS, 7, NOW, TTL,
                              access, sizeof(access), &a), 0,
                "mint an access token")
        || !is_int(bb_token_mint(key, KEYLEN, BB_TOKEN_SESSION, 7, NOW,
                                 43200, session, sizeof(session), &s), 0,
                   "mint a session token")
        || !is_int(make_token(JWT_ALG_HS256, key, KEYLEN, GOOD, legacy,
                              sizeof(legacy)), 0, "make a token with no typ"))
    {
        return;
    }

    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_SESSION, session, NOW, &got),
           BB_TOKEN_OK, "a session token is a session token");
    ok(got.sub == 7 && got.exp == NOW + 43200
       && strcmp(got.jti, s.jti) == 0, "  with its claims");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_ACCESS, session, NOW, &got),
           BB_TOKEN_WRONG_KIND, "a session token is no access token");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_SESSION, access, NOW, &got),
           BB_TOKEN_WRONG_KIND, "an access token is no session token");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_SESSION, legacy, NOW, &got),
           BB_TOKEN_WRONG_KIND, "a token with no typ is no session token");
    is_int(bb_token_verify(key, KEYLEN, BB_TOKEN_SESSION, session,
                           NOW + 43200, &got),
           BB_TOKEN_EXPIRED, "a session token expires too");
}


static void
test_status_text(void)
{
    static const struct {
        bb_token_status_e   status;
        const char         *want;
    } cases[] = {
        { BB_TOKEN_OK, "valid" },
        { BB_TOKEN_MALFORMED, "malformed" },
        { BB_TOKEN_BAD_SIGNATURE, "bad signature" },
        { BB_TOKEN_BAD_ALG, "not HS256" },
        { BB_TOKEN_BAD_CLAIMS, "missing or malformed claims" },
        { BB_TOKEN_EXPIRED, "expired" },
        { BB_TOKEN_NOT_YET_VALID, "not yet valid" },
        { BB_TOKEN_WRONG_KIND, "the wrong kind of token" },
    };

    size_t  i;
    char    name[64];

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "status text %d",
                 (int) cases[i].status);
        is_str(bb_token_status_text(cases[i].status), cases[i].want, name);
    }
}


int
main(void)
{
    test_mint_verify();
    test_foreign();
    test_alg_none_signed();
    test_malformed();
    test_length();
    test_tampered();
    test_kinds();
    test_status_text();

    return done_testing();
}
