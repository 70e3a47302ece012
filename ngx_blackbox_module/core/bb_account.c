/*
 * Accounts: see bb_account.h.
 *
 * Codes live in auth_codes, one per user and purpose, hashed with
 * bb_code_hash.  A try is spent by the same UPDATE that reads the code, so
 * concurrent guesses cannot share one try.  Redis holds what every server
 * must see at once: revoked token ids (until they expire), each user's
 * "tokens not before" time, and the rate limits.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_account.h"
#include "bb_mail.h"
#include "bb_password.h"
#include "bb_pg.h"
#include "bb_random.h"
#include "bb_redis.h"

#define BB_HASH_HEX_LEN  (2 + 2 * BB_CODE_HASH_SIZE)   /* "\x" + hex */


/* A fresh code with its id and hash (as PostgreSQL bytea hex input). */
typedef struct {
    char  id[BB_CHALLENGE_LEN + 1];
    char  code[BB_CODE_DIGITS + 1];
    char  hash_hex[BB_HASH_HEX_LEN + 1];
    char  subject[256];
    char  body[2048];
} bb_new_code_t;


static int
bb_account_hash_hex(bb_call_t *call, const char *id, const char *code,
    char *hex)
{
    size_t            i;
    unsigned char     hash[BB_CODE_HASH_SIZE];
    static const char digits[] = "0123456789abcdef";

    if (bb_code_hash(call->conf->secret, call->conf->secret_len, id, code,
                     hash) != 0)
    {
        return -1;
    }

    hex[0] = '\\';
    hex[1] = 'x';

    for (i = 0; i < BB_CODE_HASH_SIZE; i++) {
        hex[2 + 2 * i] = digits[hash[i] >> 4];
        hex[3 + 2 * i] = digits[hash[i] & 0xf];
    }

    hex[BB_HASH_HEX_LEN] = '\0';

    return 0;
}


static bb_status_e
bb_account_new_code(bb_call_t *call, bb_mail_kind_e kind,
    const char *username, const char *lang, bb_new_code_t *c)
{
    if (bb_random_hex(c->id, BB_CHALLENGE_LEN / 2) != 0
        || bb_code_new(c->code) != 0
        || bb_account_hash_hex(call, c->id, c->code, c->hash_hex) != 0
        || bb_mail_render(kind, lang, username, c->code, BB_CODE_TTL_S / 60,
                          c->subject, sizeof(c->subject),
                          c->body, sizeof(c->body)) != 0)
    {
        snprintf(call->log, sizeof(call->log), "cannot make a code");
        return BB_ERR_INTERNAL;
    }

    return BB_OK;
}


bb_status_e
bb_account_signup(bb_call_t *call, const char *username, const char *email,
    const char *password, const char *lang)
{
    char           hash[BB_PASSWORD_HASH_MAX], ttl[16];
    PGresult      *res;
    bb_status_e    st;
    bb_pg_err_t    err;
    bb_new_code_t  c;
    const char    *params[9];

    st = bb_call_rate(call, "signup", username);
    if (st != BB_OK) {
        return st;
    }

    if (bb_password_hash(password, hash, sizeof(hash)) != 0) {
        snprintf(call->log, sizeof(call->log), "cannot hash a password");
        return BB_ERR_INTERNAL;
    }

    st = bb_account_new_code(call, BB_MAIL_VERIFY_EMAIL, username, lang, &c);
    if (st != BB_OK) {
        return st;
    }

    snprintf(ttl, sizeof(ttl), "%d", BB_CODE_TTL_S);

    params[0] = username;
    params[1] = email;
    params[2] = hash;
    params[3] = lang;
    params[4] = c.id;
    params[5] = c.hash_hex;
    params[6] = ttl;
    params[7] = c.subject;
    params[8] = c.body;

    res = bb_call_sql(call,
        "WITH u AS ("
        "  INSERT INTO users (username, email, password_hash, language)"
        "  VALUES ($1, $2, $3, $4) RETURNING id"
        "), c AS ("
        "  INSERT INTO auth_codes (id, user_id, purpose, code_hash,"
        "                          expires_at)"
        "  SELECT $5, id, 'verify_email', $6::bytea,"
        "         now() + make_interval(secs => $7::int) FROM u"
        ") "
        "INSERT INTO outbox (to_addr, subject, body) SELECT $2, $8, $9 FROM u",
        9, params, &err);

    if (res != NULL) {
        PQclear(res);
        return BB_OK;
    }

    if (strcmp(err.sqlstate, "23505") == 0) {
        return strcmp(err.constraint, "users_email_key") == 0
               ? BB_ERR_EMAIL_TAKEN : BB_ERR_USERNAME_TAKEN;
    }

    return BB_ERR_UNAVAILABLE;
}


/*
 * Replaces the user's code for purpose with c, its tries back at the
 * schema's default, and queues its mail, in one statement.
 */
static bb_status_e
bb_account_store_code(bb_call_t *call, const char *user_id,
    const char *purpose, const char *email, bb_new_code_t *c)
{
    char         ttl[16];
    const char  *params[8];

    snprintf(ttl, sizeof(ttl), "%d", BB_CODE_TTL_S);

    params[0] = c->id;
    params[1] = user_id;
    params[2] = purpose;
    params[3] = c->hash_hex;
    params[4] = ttl;
    params[5] = email;
    params[6] = c->subject;
    params[7] = c->body;

    return bb_call_do(call,
        "WITH c AS ("
        "  INSERT INTO auth_codes (id, user_id, purpose, code_hash,"
        "                          expires_at)"
        "  VALUES ($1, $2, $3, $4::bytea,"
        "          now() + make_interval(secs => $5::int))"
        "  ON CONFLICT (user_id, purpose) DO UPDATE"
        "  SET id = EXCLUDED.id, code_hash = EXCLUDED.code_hash,"
        "      tries_left = DEFAULT, expires_at = EXCLUDED.expires_at,"
        "      created_at = now()"
        ") "
        "INSERT INTO outbox (to_addr, subject, body) VALUES ($6, $7, $8)",
        8, params);
}


bb_status_e
bb_account_resend_verification(bb_call_t *call, const char *username)
{
    PGresult       *res;
    bb_status_e     st;
    bb_pg_err_t     err;
    bb_new_code_t   c;
    const char     *params[1];

    st = bb_call_rate(call, "code", username);
    if (st != BB_OK) {
        return st;
    }

    params[0] = username;

    res = bb_call_sql(call,
        "SELECT id, email, language FROM users"
        " WHERE username = $1 AND email_verified_at IS NULL",
        1, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    /* Unknown and verified users answer alike: nothing is revealed. */
    st = BB_OK;

    if (PQntuples(res) == 1) {
        st = bb_account_new_code(call, BB_MAIL_VERIFY_EMAIL, username,
                                 PQgetvalue(res, 0, 2), &c);
        if (st == BB_OK) {
            st = bb_account_store_code(call, PQgetvalue(res, 0, 0),
                                       "verify_email",
                                       PQgetvalue(res, 0, 1), &c);
        }
    }

    PQclear(res);

    return st;
}


/*
 * Spends one try of a code found by sql (one parameter) and checks code
 * against it.  On success writes the code's id and user id.
 */
static bb_status_e
bb_account_try_code(bb_call_t *call, const char *sql, const char *key,
    const char *code, const char *tries_sql, bb_status_e expired_status,
    bb_status_e wrong_status, char *id, long long *user_id)
{
    int           expired, exhausted;
    char          want[BB_HASH_HEX_LEN + 1], got[BB_HASH_HEX_LEN + 1];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[1];

    params[0] = key;

    res = bb_call_sql(call, sql, 1, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    if (PQntuples(res) != 1) {
        PQclear(res);

        /* No try left, or no code at all? */
        res = bb_call_sql(call, tries_sql, 1, params, &err);
        if (res == NULL) {
            return BB_ERR_UNAVAILABLE;
        }

        exhausted = PQntuples(res) == 1;
        PQclear(res);

        return exhausted ? BB_ERR_CODE_TRIES : wrong_status;
    }

    snprintf(id, BB_CHALLENGE_LEN + 1, "%s", PQgetvalue(res, 0, 0));
    *user_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    snprintf(want, sizeof(want), "\\x%s", PQgetvalue(res, 0, 2));
    expired = PQgetvalue(res, 0, 3)[0] == 't';
    PQclear(res);

    if (expired) {
        return expired_status;
    }

    if (strlen(code) != BB_CODE_DIGITS
        || bb_account_hash_hex(call, id, code, got) != 0
        || strlen(want) != BB_HASH_HEX_LEN
        || !bb_equal_ct(got, want, BB_HASH_HEX_LEN))
    {
        return wrong_status;
    }

    return BB_OK;
}


bb_status_e
bb_account_verify_email(bb_call_t *call, const char *username,
    const char *code)
{
    char         id[BB_CHALLENGE_LEN + 1];
    long long    user_id;
    bb_status_e  st;
    const char  *params[1];

    st = bb_call_rate(call, "code", username);
    if (st != BB_OK) {
        return st;
    }

    st = bb_account_try_code(call,
        "UPDATE auth_codes c SET tries_left = c.tries_left - 1 FROM users u"
        " WHERE u.id = c.user_id AND u.username = $1"
        "   AND c.purpose = 'verify_email' AND c.tries_left > 0"
        " RETURNING c.id, c.user_id, encode(c.code_hash, 'hex'),"
        "           c.expires_at <= now()",
        username, code,
        "SELECT 1 FROM auth_codes c JOIN users u ON u.id = c.user_id"
        " WHERE u.username = $1 AND c.purpose = 'verify_email'",
        BB_ERR_CODE_EXPIRED, BB_ERR_CODE_WRONG, id, &user_id);

    if (st != BB_OK) {
        return st;
    }

    params[0] = id;

    return bb_call_do(call,
        "WITH d AS (DELETE FROM auth_codes WHERE id = $1 RETURNING user_id) "
        "UPDATE users SET email_verified_at = now()"
        " WHERE id = (SELECT user_id FROM d)",
        1, params);
}


bb_status_e
bb_account_login(bb_call_t *call, const char *username, const char *password,
    char *challenge)
{
    int             ok;
    PGresult       *res;
    bb_status_e     st;
    bb_pg_err_t     err;
    bb_new_code_t   c;
    const char     *params[1];

    st = bb_call_rate(call, "login", username);
    if (st != BB_OK) {
        return st;
    }

    params[0] = username;

    res = bb_call_sql(call,
        "SELECT id, password_hash, email, language,"
        "       email_verified_at IS NOT NULL"
        " FROM users WHERE username = $1",
        1, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    if (PQntuples(res) != 1) {
        PQclear(res);
        bb_password_verify_nobody(password);
        return BB_ERR_INVALID_CREDENTIALS;
    }

    ok = bb_password_verify(password, PQgetvalue(res, 0, 1));

    if (ok != 1) {
        if (ok < 0) {
            snprintf(call->log, sizeof(call->log), "user \"%s\" has a "
                     "malformed password hash", username);
        }

        PQclear(res);
        return BB_ERR_INVALID_CREDENTIALS;
    }

    /* Told only to whoever knows the password. */
    if (PQgetvalue(res, 0, 4)[0] != 't') {
        PQclear(res);
        return BB_ERR_EMAIL_NOT_VERIFIED;
    }

    st = bb_account_new_code(call, BB_MAIL_LOGIN_CODE, username,
                             PQgetvalue(res, 0, 3), &c);
    if (st == BB_OK) {
        st = bb_account_store_code(call, PQgetvalue(res, 0, 0), "login",
                                   PQgetvalue(res, 0, 2), &c);
    }

    PQclear(res);

    if (st == BB_OK) {
        memcpy(challenge, c.id, BB_CHALLENGE_LEN + 1);
    }

    return st;
}


/*
 * The issue time of a token minted now for user_id.  A password change
 * refuses every token issued up to the second after it (bb:user:<id>:nbf),
 * which would also refuse a login made in that same second: such a token
 * is dated at the first second it can be valid, within the clocks'
 * leeway.
 */
static bb_status_e
bb_account_mint_time(bb_call_t *call, long long user_id, time_t *t)
{
    long long    nbf;
    redisReply  *reply;

    reply = bb_redis_command(call->conf->redis, call->conf->timeout_ms,
                             call->log, sizeof(call->log),
                             "GET bb:user:%lld:nbf", user_id);
    if (reply == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    nbf = reply->type == REDIS_REPLY_STRING ? strtoll(reply->str, NULL, 10)
                                            : 0;
    freeReplyObject(reply);

    *t = time(NULL);
    if (nbf > *t) {
        *t = (time_t) nbf;
    }

    return BB_OK;
}


bb_status_e
bb_account_login_verify(bb_call_t *call, const char *challenge,
    const char *code, char *token, bb_token_claims_t *claims)
{
    char         id[BB_CHALLENGE_LEN + 1];
    time_t       now;
    long long    user_id;
    bb_status_e  st;
    const char  *params[1];

    st = bb_call_rate(call, "code", challenge);
    if (st != BB_OK) {
        return st;
    }

    st = bb_account_try_code(call,
        "UPDATE auth_codes SET tries_left = tries_left - 1"
        " WHERE id = $1 AND purpose = 'login' AND tries_left > 0"
        " RETURNING id, user_id, encode(code_hash, 'hex'),"
        "           expires_at <= now()",
        challenge, code,
        "SELECT 1 FROM auth_codes WHERE id = $1 AND purpose = 'login'",
        BB_ERR_CHALLENGE_EXPIRED, BB_ERR_CHALLENGE_WRONG, id, &user_id);

    if (st != BB_OK) {
        return st;
    }

    params[0] = id;

    st = bb_call_do(call, "DELETE FROM auth_codes WHERE id = $1",
                       1, params);
    if (st != BB_OK) {
        return st;
    }

    st = bb_account_mint_time(call, user_id, &now);
    if (st != BB_OK) {
        return st;
    }

    if (bb_token_mint(call->conf->secret, call->conf->secret_len,
                      BB_TOKEN_ACCESS, user_id, now,
                      call->conf->token_ttl, token,
                      BB_TOKEN_MAX + 1, claims) != 0)
    {
        snprintf(call->log, sizeof(call->log), "cannot mint a token");
        return BB_ERR_INTERNAL;
    }

    return BB_OK;
}


bb_status_e
bb_account_token_check(bb_call_t *call, const bb_token_claims_t *claims)
{
    long long    nbf;
    redisReply  *reply, *revoked, *since;

    reply = bb_redis_command(call->conf->redis, call->conf->timeout_ms,
                             call->log, sizeof(call->log),
                             "MGET bb:revoked:%s bb:user:%lld:nbf",
                             claims->jti, claims->sub);
    if (reply == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        freeReplyObject(reply);
        snprintf(call->log, sizeof(call->log), "unexpected reply to MGET");
        return BB_ERR_UNAVAILABLE;
    }

    revoked = reply->element[0];
    since = reply->element[1];
    nbf = since->type == REDIS_REPLY_STRING ? strtoll(since->str, NULL, 10)
                                            : 0;

    if (revoked->type != REDIS_REPLY_NIL) {
        snprintf(call->log, sizeof(call->log), "token was logged out");
        freeReplyObject(reply);
        return BB_ERR_UNAUTHORIZED;
    }

    freeReplyObject(reply);

    if (claims->iat < nbf) {
        snprintf(call->log, sizeof(call->log), "token predates the user's "
                 "last password change");
        return BB_ERR_UNAUTHORIZED;
    }

    return BB_OK;
}


bb_status_e
bb_account_session_open(bb_call_t *call, long long user_id, time_t now,
    char *session, bb_token_claims_t *claims)
{
    if (bb_token_mint(call->conf->secret, call->conf->secret_len,
                      BB_TOKEN_SESSION, user_id, now,
                      call->conf->session_ttl, session, BB_TOKEN_MAX + 1,
                      claims) != 0)
    {
        snprintf(call->log, sizeof(call->log), "cannot mint a session");
        return BB_ERR_INTERNAL;
    }

    return BB_OK;
}


/* The claims of a session token, checked but not yet for revocation. */
static bb_status_e
bb_account_session_claims(bb_call_t *call, const char *session, time_t now,
    bb_token_claims_t *claims)
{
    bb_token_status_e  ts;

    ts = bb_token_verify(call->conf->secret, call->conf->secret_len,
                         BB_TOKEN_SESSION, session, now, claims);
    if (ts != BB_TOKEN_OK) {
        snprintf(call->log, sizeof(call->log), "session token: %s",
                 bb_token_status_text(ts));
        return BB_ERR_SESSION_ENDED;
    }

    return BB_OK;
}


bb_status_e
bb_account_refresh(bb_call_t *call, const char *session, time_t now,
    char *token, bb_token_claims_t *claims)
{
    bb_status_e        st;
    bb_token_claims_t  sc;

    st = bb_account_session_claims(call, session, now, &sc);
    if (st != BB_OK) {
        return st;
    }

    st = bb_account_token_check(call, &sc);
    if (st != BB_OK) {
        return st == BB_ERR_UNAUTHORIZED ? BB_ERR_SESSION_ENDED : st;
    }

    if (bb_token_mint(call->conf->secret, call->conf->secret_len,
                      BB_TOKEN_ACCESS, sc.sub, now, call->conf->token_ttl,
                      token, BB_TOKEN_MAX + 1, claims) != 0)
    {
        snprintf(call->log, sizeof(call->log), "cannot mint a token");
        return BB_ERR_INTERNAL;
    }

    return BB_OK;
}


bb_status_e
bb_account_session_close(bb_call_t *call, const char *session,
    long long user_id, time_t now)
{
    bb_token_claims_t  sc;

    /* Someone else's or a forged cookie is simply not ours to end. */
    if (bb_account_session_claims(call, session, now, &sc) != BB_OK
        || sc.sub != user_id)
    {
        return BB_OK;
    }

    return bb_account_logout(call, &sc, now);
}


bb_status_e
bb_account_logout(bb_call_t *call, const bb_token_claims_t *claims,
    time_t now)
{
    long  ttl;

    /* Remembered exactly as long as the token would have lived. */
    ttl = (long) (claims->exp - now);
    if (ttl < 1) {
        ttl = 1;
    }

    if (bb_redis_run(call->conf->redis, call->conf->timeout_ms,
                     call->log, sizeof(call->log),
                     "SET bb:revoked:%s 1 EX %ld", claims->jti, ttl) != 0)
    {
        return BB_ERR_UNAVAILABLE;
    }

    return BB_OK;
}


bb_status_e
bb_account_me(bb_call_t *call, long long user_id, bb_user_t *user)
{
    char          id[24];
    PGresult     *res;
    bb_pg_err_t   err;
    const char   *params[1];

    snprintf(id, sizeof(id), "%lld", user_id);
    params[0] = id;

    res = bb_call_sql(call,
        "SELECT username, email,"
        "       to_char(created_at AT TIME ZONE 'UTC',"
        "               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        " FROM users WHERE id = $1",
        1, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    if (PQntuples(res) != 1) {
        PQclear(res);
        return BB_ERR_UNAUTHORIZED;
    }

    snprintf(user->username, sizeof(user->username), "%s",
             PQgetvalue(res, 0, 0));
    snprintf(user->email, sizeof(user->email), "%s", PQgetvalue(res, 0, 1));
    snprintf(user->created_at, sizeof(user->created_at), "%s",
             PQgetvalue(res, 0, 2));
    PQclear(res);

    return BB_OK;
}


bb_status_e
bb_account_change_password(bb_call_t *call, long long user_id,
    const char *current, const char *new_password)
{
    int           ok;
    char          id[24], hash[BB_PASSWORD_HASH_MAX], nbf[24];
    time_t        now;
    PGresult     *res;
    bb_status_e   st;
    bb_pg_err_t   err;
    const char   *params[3];

    snprintf(id, sizeof(id), "%lld", user_id);
    params[0] = id;

    /* A stolen token must not buy unlimited guesses at the password. */
    st = bb_call_rate(call, "password", id);
    if (st != BB_OK) {
        return st;
    }

    res = bb_call_sql(call, "SELECT password_hash FROM users WHERE id = $1",
                         1, params, &err);
    if (res == NULL) {
        return BB_ERR_UNAVAILABLE;
    }

    ok = PQntuples(res) == 1
         && bb_password_verify(current, PQgetvalue(res, 0, 0)) == 1;
    PQclear(res);

    if (!ok) {
        return BB_ERR_WRONG_PASSWORD;
    }

    if (bb_password_hash(new_password, hash, sizeof(hash)) != 0) {
        snprintf(call->log, sizeof(call->log), "cannot hash a password");
        return BB_ERR_INTERNAL;
    }

    /*
     * Tokens issued up to this second are refused from now on.  Redis is
     * told first: if the database then fails, the user has lost sessions,
     * never kept a stolen one.
     */
    now = time(NULL);
    snprintf(nbf, sizeof(nbf), "%lld", (long long) now + 1);

    if (bb_redis_run(call->conf->redis, call->conf->timeout_ms,
                     call->log, sizeof(call->log),
                     "SET bb:user:%lld:nbf %s EX %d", user_id, nbf,
                     (call->conf->session_ttl > call->conf->token_ttl
                      ? call->conf->session_ttl : call->conf->token_ttl)
                     + 3600) != 0)
    {
        return BB_ERR_UNAVAILABLE;
    }

    params[1] = hash;
    params[2] = nbf;

    return bb_call_do(call,
        "UPDATE users SET password_hash = $2,"
        "                 tokens_not_before = to_timestamp($3::bigint)"
        " WHERE id = $1",
        3, params);
}
