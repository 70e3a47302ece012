/*
 * JSON answers, in the one error shape the API contract fixes:
 * {"error": "<snake_case_code>", "message": "<human sentence>"}.
 */

#include "ngx_http_blackbox_module.h"
#include "bb_json.h"


/*
 * Sends json as the whole answer.  Returns what the caller hands on to
 * ngx_http_finalize_request.  Answers are about the caller's own state, so
 * no cache may keep them.
 */
ngx_int_t
ngx_http_blackbox_send_json(ngx_http_request_t *r, ngx_uint_t status,
    u_char *json, size_t len)
{
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *cc;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    cc = ngx_list_push(&r->headers_out.headers);
    if (cc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cc->hash = 1;
    ngx_str_set(&cc->key, "Cache-Control");
    ngx_str_set(&cc->value, "no-store");

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


ngx_int_t
ngx_http_blackbox_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    size_t      len;
    u_char     *json;
    bb_json_t   j;
    int         pass;

    json = NULL;
    len = 0;

    for (pass = 0; pass < 2; pass++) {
        bb_json_init(&j, (char *) json, len);
        bb_json_raw(&j, "{");
        bb_json_key(&j, "error", 1);
        bb_json_str(&j, code);
        bb_json_key(&j, "message", 0);
        bb_json_str(&j, message);
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
                      "error json for \"%s\" wrote %uz of %uz bytes",
                      code, j.len, len);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_blackbox_send_json(r, status, json, len);
}
