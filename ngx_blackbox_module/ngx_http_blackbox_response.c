/*
 * JSON answers, in the one error shape the API contract fixes:
 * {"error": "<snake_case_code>", "message": "<human sentence>"}.
 */

#include "ngx_http_blackbox_module.h"
#include "bb_json.h"


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


/*
 * Sends json as the whole answer.  Returns what the caller hands on to
 * ngx_http_finalize_request.  Answers are about the caller's own state, so
 * no cache may keep them.
 */
ngx_int_t
ngx_http_blackbox_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *json, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    if (ngx_http_blackbox_add_header(r, "Cache-Control", "no-store")
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = json;
    b->last = json + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static void
ngx_http_blackbox_error_json(bb_json_t *j, const char *code,
    const char *message)
{
    bb_json_raw(j, "{");
    bb_json_key(j, "error", 1);
    bb_json_str(j, code);
    bb_json_key(j, "message", 0);
    bb_json_str(j, message);
    bb_json_raw(j, "}\n");
}


ngx_int_t
ngx_http_blackbox_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    size_t      len;
    u_char     *json;
    bb_json_t   j;

    bb_json_init(&j, NULL, 0);
    ngx_http_blackbox_error_json(&j, code, message);
    len = j.len;

    json = ngx_pnalloc(r->pool, len);
    if (json == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    bb_json_init(&j, (char *) json, len);
    ngx_http_blackbox_error_json(&j, code, message);

    if (j.len != len) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "error json for \"%s\" wrote %uz of %uz bytes",
                      code, j.len, len);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_json(r, status, json, len);
}
