/*
 * The account calls: sign-up, e-mail verification, login with a second
 * factor, logout, and the caller's own account.
 *
 * A login also opens a session for the web app: a session token in an
 * HttpOnly, SameSite=Strict cookie scoped to /api/v1/auth, which
 * POST /api/v1/auth/refresh trades for a fresh access token.  The page's
 * script never sees it, so the access token can live in memory alone and a
 * reload does not mean a new login with a mailed code.
 *
 * Each handler checks the body's shape on the event loop (cheap and
 * immediate: 400 with every field's problem), then runs the core's account
 * function in the thread pool, where scrypt, PostgreSQL and Redis may take
 * their time, and answers from its result.
 */

#include "ngx_http_blackbox_module.h"


typedef enum {
    NGX_HTTP_BLACKBOX_SIGNUP,
    NGX_HTTP_BLACKBOX_VERIFY_EMAIL,
    NGX_HTTP_BLACKBOX_RESEND,
    NGX_HTTP_BLACKBOX_LOGIN,
    NGX_HTTP_BLACKBOX_LOGIN_VERIFY,
    NGX_HTTP_BLACKBOX_REFRESH,
    NGX_HTTP_BLACKBOX_LOGOUT,
    NGX_HTTP_BLACKBOX_ME,
    NGX_HTTP_BLACKBOX_ME_PASSWORD
} ngx_http_blackbox_op_e;


typedef struct {
    ngx_http_blackbox_op_e   op;
    bb_call_t                call;
    bb_status_e              status;
    const char              *in[4];      /* the call's fields */
    char                     username[33];
    char                     email[256];
    const char              *lang;
    time_t                   now;
    bb_token_claims_t        claims;
    char                     challenge[BB_CHALLENGE_LEN + 1];
    char                     token[BB_TOKEN_MAX + 1];
    const char              *cookie;     /* the session token sent */
    char                     session[BB_TOKEN_MAX + 1];  /* minted */
    bb_token_claims_t        session_claims;
    bb_user_t                user;
} ngx_http_blackbox_account_t;


static ngx_str_t  ngx_http_blackbox_session_name = ngx_string("bb_session");


static void ngx_http_blackbox_account_run(void *data);
static ngx_int_t ngx_http_blackbox_account_done(ngx_http_request_t *r,
    void *data);


/* Field tables: names and byte limits. */

#define ngx_http_blackbox_fields(f)  f, sizeof(f) / sizeof(f[0])

static bb_field_t  ngx_http_blackbox_signup_fields[] = {
    { "email", 254, 0 },
    { "username", 128, 0 },
    { "password", 1024, 0 },
};

static bb_field_t  ngx_http_blackbox_code_fields[] = {
    { "username", 128, 0 },
    { "code", 16, 0 },
};

static bb_field_t  ngx_http_blackbox_username_fields[] = {
    { "username", 128, 0 },
};

static bb_field_t  ngx_http_blackbox_login_fields[] = {
    { "username", 128, 0 },
    { "password", 1024, 0 },
};

static bb_field_t  ngx_http_blackbox_login_verify_fields[] = {
    { "challenge_id", 64, 0 },
    { "code", 16, 0 },
};

static bb_field_t  ngx_http_blackbox_password_fields[] = {
    { "current_password", 1024, 0 },
    { "new_password", 1024, 0 },
};


/*
 * Creates the job of op, with body's fields (n of them) in a->in and their
 * problems added to problems.  Returns NULL when memory runs out.
 */
static ngx_http_blackbox_account_t *
ngx_http_blackbox_account(ngx_http_request_t *r, ngx_http_blackbox_op_e op,
    json_t *body, bb_field_t *fields, size_t n, bb_problems_t *problems,
    ngx_http_blackbox_job_t **jobp)
{
    ngx_http_blackbox_job_t      *job;
    ngx_http_blackbox_ctx_t      *ctx;
    ngx_http_blackbox_account_t  *a;

    job = ngx_http_blackbox_job_create(r,
                                       sizeof(ngx_http_blackbox_account_t));
    if (job == NULL) {
        return NULL;
    }

    a = job->data;
    a->op = op;
    a->now = ngx_time();
    ngx_http_blackbox_call_init(r, &a->call);

    ctx = ngx_http_get_module_ctx(r, ngx_http_blackbox_module);
    a->claims = ctx->claims;

    if (n > 0) {
        bb_input_fields(body, fields, n, a->in, problems);
    }

    job->run = ngx_http_blackbox_account_run;
    job->done = ngx_http_blackbox_account_done;
    *jobp = job;

    return a;
}


static ngx_int_t
ngx_http_blackbox_invalid(ngx_http_request_t *r, bb_problems_t *problems)
{
    return ngx_http_blackbox_send_problems(r, NGX_HTTP_BAD_REQUEST,
                                           "invalid_fields",
                                           "Some fields are missing or "
                                           "wrong: see \"fields\".",
                                           problems);
}


/* en or ko, from the first language of Accept-Language we speak. */
static const char *
ngx_http_blackbox_language(ngx_http_request_t *r)
{
    u_char           *p, *last;
    ngx_table_elt_t  *h;

    h = r->headers_in.accept_language;
    if (h == NULL) {
        return "en";
    }

    p = h->value.data;
    last = p + h->value.len;

    while (p < last) {
        while (p < last && (*p == ' ' || *p == ',')) {
            p++;
        }

        if (last - p >= 2) {
            if (ngx_strncasecmp(p, (u_char *) "ko", 2) == 0) {
                return "ko";
            }

            if (ngx_strncasecmp(p, (u_char *) "en", 2) == 0) {
                return "en";
            }
        }

        while (p < last && *p != ',') {
            p++;
        }
    }

    return "en";
}


/* Notes password's problem, if any, under field. */
static void
ngx_http_blackbox_password_check(ngx_http_request_t *r, const char *password,
    const char *field, bb_problems_t *problems)
{
    const char                     *problem;
    ngx_http_blackbox_main_conf_t  *bmcf;

    if (password == NULL) {
        return;
    }

    bmcf = ngx_http_get_module_main_conf(r, ngx_http_blackbox_module);

    problem = bb_password_problem(password, bmcf->common_passwords);
    if (problem != NULL) {
        bb_input_problem(problems, field, problem);
    }
}


ngx_int_t
ngx_http_blackbox_signup(ngx_http_request_t *r, json_t *body)
{
    const char                   *problem;
    bb_problems_t                 problems;
    ngx_http_blackbox_job_t      *job;
    ngx_http_blackbox_account_t  *a;

    problems.n = 0;

    a = ngx_http_blackbox_account(r, NGX_HTTP_BLACKBOX_SIGNUP, body,
               ngx_http_blackbox_fields(ngx_http_blackbox_signup_fields),
               &problems, &job);
    if (a == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (a->in[0] != NULL
        && bb_email_normalize(a->in[0], a->email, sizeof(a->email),
                              &problem) != 0)
    {
        bb_input_problem(&problems, "email", problem);
    }

    if (a->in[1] != NULL
        && bb_username_normalize(a->in[1], a->username, sizeof(a->username),
                                 &problem) != 0)
    {
        bb_input_problem(&problems, "username", problem);
    }

    ngx_http_blackbox_password_check(r, a->in[2], "password", &problems);

    if (problems.n > 0) {
        return ngx_http_blackbox_invalid(r, &problems);
    }

    a->lang = ngx_http_blackbox_language(r);

    return ngx_http_blackbox_job_post(r, job);
}


/*
 * The calls that name a user and take a code or password: the username is
 * normalised as at sign-up, so "Alice" finds "alice".
 */
static ngx_int_t
ngx_http_blackbox_by_username(ngx_http_request_t *r, json_t *body,
    ngx_http_blackbox_op_e op, bb_field_t *fields, size_t n)
{
    const char                   *problem;
    bb_problems_t                 problems;
    ngx_http_blackbox_job_t      *job;
    ngx_http_blackbox_account_t  *a;

    problems.n = 0;

    a = ngx_http_blackbox_account(r, op, body, fields, n, &problems, &job);
    if (a == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (a->in[0] != NULL
        && bb_username_normalize(a->in[0], a->username, sizeof(a->username),
                                 &problem) != 0)
    {
        bb_input_problem(&problems, "username", problem);
    }

    if (problems.n > 0) {
        return ngx_http_blackbox_invalid(r, &problems);
    }

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_verify_email(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_by_username(r, body,
               NGX_HTTP_BLACKBOX_VERIFY_EMAIL,
               ngx_http_blackbox_fields(ngx_http_blackbox_code_fields));
}


ngx_int_t
ngx_http_blackbox_resend(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_by_username(r, body, NGX_HTTP_BLACKBOX_RESEND,
               ngx_http_blackbox_fields(ngx_http_blackbox_username_fields));
}


ngx_int_t
ngx_http_blackbox_login(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_by_username(r, body, NGX_HTTP_BLACKBOX_LOGIN,
               ngx_http_blackbox_fields(ngx_http_blackbox_login_fields));
}


/* Calls whose fields need no more than their shape checked. */
static ngx_int_t
ngx_http_blackbox_plain(ngx_http_request_t *r, json_t *body,
    ngx_http_blackbox_op_e op, bb_field_t *fields, size_t n)
{
    bb_problems_t                 problems;
    ngx_http_blackbox_job_t      *job;
    ngx_http_blackbox_account_t  *a;

    problems.n = 0;

    a = ngx_http_blackbox_account(r, op, body, fields, n, &problems, &job);
    if (a == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (problems.n > 0) {
        return ngx_http_blackbox_invalid(r, &problems);
    }

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_login_verify(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_plain(r, body, NGX_HTTP_BLACKBOX_LOGIN_VERIFY,
               ngx_http_blackbox_fields(ngx_http_blackbox_login_verify_fields));
}


/* The session cookie's token, NUL-terminated, or NULL. */
static const char *
ngx_http_blackbox_session_cookie(ngx_http_request_t *r)
{
    u_char     *token;
    ngx_str_t   value;

    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies,
                                          &ngx_http_blackbox_session_name,
                                          &value) == NGX_DECLINED
        || value.len == 0 || value.len > BB_TOKEN_MAX)
    {
        return NULL;
    }

    token = ngx_pnalloc(r->pool, value.len + 1);
    if (token == NULL) {
        return NULL;
    }

    *ngx_cpymem(token, value.data, value.len) = '\0';

    return (char *) token;
}


/*
 * Sets the session cookie to token for max_age seconds; "" ends it.  A
 * second cookie, bb_signed_in=1 for the same time, tells the page's script
 * (which cannot read the HttpOnly one) that a session may be there to
 * refresh, so that a signed-out page does not ask and get a 401 each load.
 * It holds nothing secret.
 */
static ngx_int_t
ngx_http_blackbox_session_set(ngx_http_request_t *r, const char *token,
    time_t max_age)
{
    u_char      *cookie, *marker;
    size_t       len;
    const char  *secure;

    secure = "";
#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        secure = "; Secure";
    }
#endif

    len = sizeof("=; Path=/api/v1/auth; Max-Age=; HttpOnly; "
                 "SameSite=Strict; Secure")
          + ngx_http_blackbox_session_name.len + ngx_strlen(token)
          + NGX_TIME_T_LEN;

    cookie = ngx_pnalloc(r->pool, len);
    marker = ngx_pnalloc(r->pool, sizeof("bb_signed_in=1; Path=/; Max-Age=; "
                                         "SameSite=Strict; Secure")
                                  + NGX_TIME_T_LEN);
    if (cookie == NULL || marker == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(cookie, "%V=%s; Path=/api/v1/auth; Max-Age=%T; HttpOnly; "
                "SameSite=Strict%s%Z", &ngx_http_blackbox_session_name,
                token, max_age, secure);
    ngx_sprintf(marker, "bb_signed_in=%s; Path=/; Max-Age=%T; "
                "SameSite=Strict%s%Z", token[0] ? "1" : "", max_age, secure);

    if (ngx_http_blackbox_add_header(r, "Set-Cookie", (char *) cookie)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_blackbox_add_header(r, "Set-Cookie", (char *) marker);
}


/*
 * The calls that carry the session cookie: refresh, which needs it, and
 * logout, which ends its session too when it comes.
 */
static ngx_int_t
ngx_http_blackbox_session_call(ngx_http_request_t *r, json_t *body,
    ngx_http_blackbox_op_e op)
{
    bb_problems_t                 problems;
    ngx_http_blackbox_job_t      *job;
    ngx_http_blackbox_account_t  *a;

    problems.n = 0;

    a = ngx_http_blackbox_account(r, op, body, NULL, 0, &problems, &job);
    if (a == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    a->cookie = ngx_http_blackbox_session_cookie(r);

    if (a->cookie == NULL && op == NGX_HTTP_BLACKBOX_REFRESH) {
        return ngx_http_blackbox_send_status(r, BB_ERR_SESSION_ENDED,
                                             NULL, 0);
    }

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_refresh(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_session_call(r, body, NGX_HTTP_BLACKBOX_REFRESH);
}


ngx_int_t
ngx_http_blackbox_logout(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_session_call(r, body, NGX_HTTP_BLACKBOX_LOGOUT);
}


ngx_int_t
ngx_http_blackbox_me(ngx_http_request_t *r, json_t *body)
{
    return ngx_http_blackbox_plain(r, body, NGX_HTTP_BLACKBOX_ME, NULL, 0);
}


ngx_int_t
ngx_http_blackbox_me_password(ngx_http_request_t *r, json_t *body)
{
    bb_problems_t                 problems;
    ngx_http_blackbox_job_t      *job;
    ngx_http_blackbox_account_t  *a;

    problems.n = 0;

    a = ngx_http_blackbox_account(r, NGX_HTTP_BLACKBOX_ME_PASSWORD, body,
               ngx_http_blackbox_fields(ngx_http_blackbox_password_fields),
               &problems, &job);
    if (a == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_blackbox_password_check(r, a->in[1], "new_password", &problems);

    if (problems.n > 0) {
        return ngx_http_blackbox_invalid(r, &problems);
    }

    return ngx_http_blackbox_job_post(r, job);
}


ngx_int_t
ngx_http_blackbox_me_delete(ngx_http_request_t *r, json_t *body)
{
    if (ngx_http_blackbox_add_header(r, "Allow", "GET, HEAD") != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                        "account_deletion_not_supported",
                                        "Accounts are never deleted.");
}


/* In a pool thread: the call's slow part. */
static void
ngx_http_blackbox_account_run(void *data)
{
    ngx_http_blackbox_account_t  *a = data;

    bb_call_t  *call = &a->call;

    switch (a->op) {

    case NGX_HTTP_BLACKBOX_SIGNUP:
        a->status = bb_account_signup(call, a->username, a->email, a->in[2],
                                      a->lang);
        break;

    case NGX_HTTP_BLACKBOX_VERIFY_EMAIL:
        a->status = bb_account_verify_email(call, a->username, a->in[1]);
        break;

    case NGX_HTTP_BLACKBOX_RESEND:
        a->status = bb_account_resend_verification(call, a->username);
        break;

    case NGX_HTTP_BLACKBOX_LOGIN:
        a->status = bb_account_login(call, a->username, a->in[1],
                                     a->challenge);
        break;

    case NGX_HTTP_BLACKBOX_LOGIN_VERIFY:
        a->status = bb_account_login_verify(call, a->in[0], a->in[1],
                                            a->token, &a->claims);
        if (a->status == BB_OK) {
            a->status = bb_account_session_open(call, a->claims.sub,
                                                a->claims.iat, a->session,
                                                &a->session_claims);
        }
        break;

    case NGX_HTTP_BLACKBOX_REFRESH:
        a->status = bb_account_refresh(call, a->cookie, a->now, a->token,
                                       &a->claims);
        break;

    case NGX_HTTP_BLACKBOX_LOGOUT:
        a->status = bb_account_logout(call, &a->claims, a->now);
        if (a->status == BB_OK && a->cookie != NULL) {
            a->status = bb_account_session_close(call, a->cookie,
                                                 a->claims.sub, a->now);
        }
        break;

    case NGX_HTTP_BLACKBOX_ME:
        a->status = bb_account_me(call, a->claims.sub, &a->user);
        break;

    case NGX_HTTP_BLACKBOX_ME_PASSWORD:
        a->status = bb_account_change_password(call, a->claims.sub,
                                               a->in[0], a->in[1]);
        break;
    }
}


/* Sends what the JSON builder build() writes, measured then written. */
static ngx_int_t
ngx_http_blackbox_account_json(ngx_http_request_t *r, ngx_uint_t status,
    ngx_http_blackbox_account_t *a)
{
    int        pass;
    size_t     len;
    u_char    *json;
    bb_json_t  j;

    json = NULL;
    len = 0;

    for (pass = 0; pass < 2; pass++) {
        bb_json_init(&j, (char *) json, len);
        bb_json_raw(&j, "{");

        switch (a->op) {

        case NGX_HTTP_BLACKBOX_LOGIN:
            bb_json_key(&j, "challenge_id", 1);
            bb_json_str(&j, a->challenge);
            bb_json_key(&j, "expires_in", 0);
            bb_json_int(&j, BB_CODE_TTL_S);
            break;

        case NGX_HTTP_BLACKBOX_LOGIN_VERIFY:
        case NGX_HTTP_BLACKBOX_REFRESH:
            bb_json_key(&j, "access_token", 1);
            bb_json_str(&j, a->token);
            bb_json_key(&j, "token_type", 0);
            bb_json_str(&j, "Bearer");
            bb_json_key(&j, "expires_in", 0);
            bb_json_int(&j, a->claims.exp - a->claims.iat);
            break;

        case NGX_HTTP_BLACKBOX_ME:
            bb_json_key(&j, "username", 1);
            bb_json_str(&j, a->user.username);
            bb_json_key(&j, "email", 0);
            bb_json_str(&j, a->user.email);
            bb_json_key(&j, "created_at", 0);
            bb_json_str(&j, a->user.created_at);
            break;

        default:
            bb_json_key(&j, "status", 1);
            bb_json_str(&j, "ok");
            break;
        }

        bb_json_raw(&j, "}\n");

        if (pass == 0) {
            len = j.len;
            json = ngx_pnalloc(r->pool, len);
            if (json == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }
    }

    if (j.len != len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "account json changed length between passes");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_json(r, status, json, len);
}


static ngx_int_t
ngx_http_blackbox_account_done(ngx_http_request_t *r, void *data)
{
    ngx_http_blackbox_account_t  *a = data;

    /* A session that ended takes its cookie with it. */
    if ((a->status == BB_ERR_SESSION_ENDED
         || (a->status == BB_OK && a->op == NGX_HTTP_BLACKBOX_LOGOUT))
        && ngx_http_blackbox_session_set(r, "", 0) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (a->status != BB_OK) {
        return ngx_http_blackbox_send_status(r, a->status, a->call.log,
                                             a->call.retry_after);
    }

    switch (a->op) {

    case NGX_HTTP_BLACKBOX_SIGNUP:
    case NGX_HTTP_BLACKBOX_RESEND:
        return ngx_http_blackbox_account_json(r, NGX_HTTP_ACCEPTED, a);

    case NGX_HTTP_BLACKBOX_LOGIN_VERIFY:
        if (ngx_http_blackbox_session_set(r, a->session,
                a->session_claims.exp - a->session_claims.iat) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_blackbox_account_json(r, NGX_HTTP_OK, a);

    case NGX_HTTP_BLACKBOX_LOGOUT:
    case NGX_HTTP_BLACKBOX_ME_PASSWORD:
        return ngx_http_blackbox_send_no_content(r);

    default:
        return ngx_http_blackbox_account_json(r, NGX_HTTP_OK, a);
    }
}
