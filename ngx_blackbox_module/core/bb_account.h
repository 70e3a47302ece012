/*
 * Accounts: sign-up with an e-mailed code, login with a second factor,
 * revocable tokens, password changes.
 *
 * Each function is one API call's work, blocking on PostgreSQL, Redis and
 * scrypt: nginx runs it in its thread pool.  Inputs arrive already checked
 * for shape (bb_validate.h); these functions decide everything that needs
 * the database.  Every mail is written to the outbox in the same statement
 * as the code it carries, so a code is never issued without its mail.
 */

#ifndef BB_ACCOUNT_H
#define BB_ACCOUNT_H

#include <stddef.h>
#include <time.h>

#include "bb_call.h"
#include "bb_token.h"

#define BB_CHALLENGE_LEN  32          /* 128 random bits in hex */
#define BB_CODE_TTL_S     600         /* tries: auth_codes' default */

typedef struct {
    char  username[33];
    char  email[256];
    char  created_at[32];               /* RFC 3339, UTC */
} bb_user_t;

bb_status_e bb_account_signup(bb_call_t *call, const char *username,
    const char *email, const char *password, const char *lang);

bb_status_e bb_account_resend_verification(bb_call_t *call,
    const char *username);

bb_status_e bb_account_verify_email(bb_call_t *call, const char *username,
    const char *code);

/* On success writes the challenge id (BB_CHALLENGE_LEN + 1 bytes). */
bb_status_e bb_account_login(bb_call_t *call, const char *username,
    const char *password, char *challenge);

/* On success writes the token (BB_TOKEN_MAX + 1 bytes) and its claims. */
bb_status_e bb_account_login_verify(bb_call_t *call, const char *challenge,
    const char *code, char *token, bb_token_claims_t *claims);

/*
 * The web app's session: a session token (BB_TOKEN_MAX + 1 bytes) for
 * user_id issued at now (the login's own access token's iat), which the
 * module keeps in an HttpOnly cookie.  It can do
 * nothing but fetch access tokens, and is revoked as they are (logout,
 * password change).
 */
bb_status_e bb_account_session_open(bb_call_t *call, long long user_id,
    time_t now, char *session, bb_token_claims_t *claims);

/*
 * A fresh access token (BB_TOKEN_MAX + 1 bytes) for a session token still
 * honoured; BB_ERR_SESSION_ENDED when it is not one, or is no longer.
 */
bb_status_e bb_account_refresh(bb_call_t *call, const char *session,
    time_t now, char *token, bb_token_claims_t *claims);

/* Ends the session of session, when it is a good one of user_id. */
bb_status_e bb_account_session_close(bb_call_t *call, const char *session,
    long long user_id, time_t now);

/* Is this verified token still honoured (not logged out, not older than
 * the user's last password change)? */
bb_status_e bb_account_token_check(bb_call_t *call,
    const bb_token_claims_t *claims);

bb_status_e bb_account_logout(bb_call_t *call,
    const bb_token_claims_t *claims, time_t now);

bb_status_e bb_account_me(bb_call_t *call, long long user_id,
    bb_user_t *user);

bb_status_e bb_account_change_password(bb_call_t *call, long long user_id,
    const char *current, const char *new_password);

#endif /* BB_ACCOUNT_H */
