/*
 * JSON answers, in the one error shape the API contract fixes:
 * {"error": "<snake_case_code>", "message": "<human sentence>"}.
 */

#include "ngx_http_blackbox_module.h"
#include "bb_json.h"


typedef struct {
    ngx_uint_t   status;
    const char  *code;
    const char  *message;
} ngx_http_blackbox_error_t;


/* The one table from core answers to HTTP (indexed by bb_status_e). */
static ngx_http_blackbox_error_t  ngx_http_blackbox_errors[] = {
    { NGX_HTTP_OK, "ok", "OK." },
    { NGX_HTTP_CONFLICT, "username_taken",
      "That username is taken: choose another." },
    { NGX_HTTP_CONFLICT, "email_taken",
      "An account with that e-mail address exists already: log in." },
    { NGX_HTTP_BAD_REQUEST, "wrong_code",
      "That code is not right: check the latest mail we sent." },
    { 410, "code_expired",
      "That code has expired: ask for a new one." },
    { NGX_HTTP_TOO_MANY_REQUESTS, "too_many_tries",
      "Too many wrong codes: ask for a new one." },
    { NGX_HTTP_UNAUTHORIZED, "wrong_code",
      "That code is not right: check the latest mail we sent." },
    { NGX_HTTP_UNAUTHORIZED, "code_expired",
      "That code has expired: log in again." },
    { NGX_HTTP_TOO_MANY_REQUESTS, "rate_limited",
      "Too many attempts: wait a little and try again." },
    { NGX_HTTP_UNAUTHORIZED, "invalid_credentials",
      "The username or the password is wrong." },
    { NGX_HTTP_FORBIDDEN, "wrong_password",
      "The current password is not right." },
    { NGX_HTTP_FORBIDDEN, "email_not_verified",
      "Confirm your e-mail address first with the code we mailed you." },
    { NGX_HTTP_UNAUTHORIZED, "unauthorized",
      "Log in to do this: the session is missing, expired or ended." },
    { NGX_HTTP_UNAUTHORIZED, "session_expired",
      "Your session has ended: log in again." },
    { NGX_HTTP_NOT_FOUND, "not_found", "Not found." },
    { NGX_HTTP_CONFLICT, "device_taken",
      "That device is registered to an account already." },
    { NGX_HTTP_BAD_REQUEST, "invalid_fields",
      "Unknown time zone: use an IANA name such as Asia/Seoul." },
    { NGX_HTTP_UNAUTHORIZED, "invalid_device_key",
      "The device key is not right." },
    { NGX_HTTP_BAD_REQUEST, "invalid_clip",
      "The body is not a playable MP4 clip with video." },
    { NGX_HTTP_INSUFFICIENT_STORAGE, "storage_full",
      "The server cannot store the clip now: keep it and try again later." },
    { NGX_HTTP_SERVICE_UNAVAILABLE, "service_unavailable",
      "The service is unavailable for a moment: try again shortly." },
    { NGX_HTTP_INTERNAL_SERVER_ERROR, "internal_error",
      "Something went wrong on our side." },
};


/* Adds a response header; key and value must outlive the request. */
ngx_int_t
ngx_http_blackbox_add_header(ngx_http_request_t *r, const char *key,
    const char *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value.data = (u_char *) value;
    h->value.len = ngx_strlen(value);

    return NGX_OK;
}


/* 204: done, nothing to say. */
ngx_int_t
ngx_http_blackbox_send_no_content(ngx_http_request_t *r)
{
    r->header_only = 1;
    r->headers_out.status = NGX_HTTP_NO_CONTENT;
    r->headers_out.content_length_n = 0;

    return ngx_http_send_header(r);
}


/*
 * Sends the headers the caller set, then data (len bytes, kept alive by
 * the caller until the request ends) as the whole body.  Returns what
 * the caller hands on to ngx_http_finalize_request.
 */
ngx_int_t
ngx_http_blackbox_send_body(ngx_http_request_t *r, u_char *data, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.content_length_n = len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = data;
    b->last = data + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * Sends json as the whole answer.  Answers are about the caller's own
 * state, so no cache may keep them.
 */
ngx_int_t
ngx_http_blackbox_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *json, size_t len)
{
    r->headers_out.status = status;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    if (ngx_http_blackbox_add_header(r, "Cache-Control", "no-store")
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_body(r, json, len);
}


static void
ngx_http_blackbox_error_json(bb_json_t *j, const char *code,
    const char *message, const bb_problems_t *problems)
{
    size_t  i;

    bb_json_raw(j, "{");
    bb_json_key(j, "error", 1);
    bb_json_str(j, code);
    bb_json_key(j, "message", 0);
    bb_json_str(j, message);

    if (problems != NULL && problems->n > 0) {
        bb_json_key(j, "fields", 0);
        bb_json_raw(j, "{");

        for (i = 0; i < problems->n; i++) {
            bb_json_key(j, problems->items[i].field, i == 0);
            bb_json_str(j, problems->items[i].problem);
        }

        bb_json_raw(j, "}");
    }

    bb_json_raw(j, "}\n");
}


/*
 * Sends JSON the core built with malloc(): copied into the request's pool
 * (the buffer must outlive this call, as output may wait on the client)
 * and freed here, whatever happens.
 */
ngx_int_t
ngx_http_blackbox_send_core_json(ngx_http_request_t *r, ngx_uint_t status,
    char *json, size_t len)
{
    u_char  *copy;

    copy = ngx_pnalloc(r->pool, len);
    if (copy != NULL) {
        ngx_memcpy(copy, json, len);
    }

    free(json);

    if (copy == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_json(r, status, copy, len);
}


ngx_int_t
ngx_http_blackbox_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    return ngx_http_blackbox_send_problems(r, status, code, message, NULL);
}


/*
 * Sends an error; problems, when not NULL, become the "fields" object
 * naming each field's problem.
 */
ngx_int_t
ngx_http_blackbox_send_problems(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message, const bb_problems_t *problems)
{
    size_t      len;
    u_char     *json;
    bb_json_t   j;

    bb_json_init(&j, NULL, 0);
    ngx_http_blackbox_error_json(&j, code, message, problems);
    len = j.len;

    json = ngx_pnalloc(r->pool, len);
    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    bb_json_init(&j, (char *) json, len);
    ngx_http_blackbox_error_json(&j, code, message, problems);

    if (j.len != len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "error json for \"%s\" wrote %uz of %uz bytes",
                      code, j.len, len);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_json(r, status, json, len);
}


/*
 * Answers a core call's failure from the table; logs the reason the core
 * gave, at a level fitting who is at fault.
 */
ngx_int_t
ngx_http_blackbox_send_status(ngx_http_request_t *r, bb_status_e st,
    const char *why, int retry_after)
{
    u_char                     *value;
    ngx_uint_t                  level;
    ngx_http_blackbox_error_t  *e;

    e = &ngx_http_blackbox_errors[st < BB_STATUS_COUNT ? st
                                                       : BB_ERR_INTERNAL];

    level = e->status >= NGX_HTTP_INTERNAL_SERVER_ERROR ? NGX_LOG_ERR
                                                        : NGX_LOG_INFO;

    if (why != NULL && why[0] != '\0') {
        ngx_log_error(level, r->connection->log, 0, "%s: %s", e->code, why);
    }

    if (st == BB_ERR_RATE_LIMITED) {
        value = ngx_pnalloc(r->pool, NGX_INT_T_LEN + 1);
        if (value == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *ngx_sprintf(value, "%d", retry_after > 0 ? retry_after : 1) = '\0';

        if (ngx_http_blackbox_add_header(r, "Retry-After", (char *) value)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_blackbox_send_error(r, e->status, e->code, e->message);
}


/*
 * Hands a stored file to nginx itself: an internal redirect to the storage
 * location (internal, alias of the storage folder), whose static handler
 * sends it with sendfile, byte ranges and HEAD.  path (relative to the
 * storage, plus suffix) came from the clip's own row, never from the
 * request.  With a name, the browser is told to save it under that name.
 */
ngx_int_t
ngx_http_blackbox_send_stored(ngx_http_request_t *r, const char *path,
    const char *suffix, const char *name)
{
    u_char     *disposition;
    ngx_str_t   uri;

    uri.data = ngx_pnalloc(r->pool, sizeof("/_storage/") + ngx_strlen(path)
                                    + ngx_strlen(suffix));
    if (uri.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    uri.len = ngx_sprintf(uri.data, "/_storage/%s%s", path, suffix)
              - uri.data;

    if (name != NULL) {
        disposition = ngx_pnalloc(r->pool, sizeof("attachment; filename=\"\"")
                                           + ngx_strlen(name));
        if (disposition == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* The name is a device id, digits, "-" and "_": nothing to quote. */
        ngx_sprintf(disposition, "attachment; filename=\"%s\"%Z", name);

        if (ngx_http_blackbox_add_header(r, "Content-Disposition",
                                         (char *) disposition) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    (void) ngx_http_internal_redirect(r, &uri, NULL);

    return NGX_DONE;
}
