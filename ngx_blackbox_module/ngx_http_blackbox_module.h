/*
 * What the blackbox module's files share: its configuration and the entry
 * points of each concern (one file each).
 */

#ifndef NGX_HTTP_BLACKBOX_MODULE_H
#define NGX_HTTP_BLACKBOX_MODULE_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "bb_account.h"
#include "bb_backfill.h"
#include "bb_device.h"
#include "bb_library.h"
#include "bb_health.h"
#include "bb_input.h"
#include "bb_json.h"
#include "bb_mp4.h"
#include "bb_secret.h"
#include "bb_status.h"
#include "bb_storage.h"
#include "bb_time.h"
#include "bb_validate.h"

#if !(NGX_THREADS)
#error blackbox needs nginx built --with-threads
#endif

/* HS256 wants a key of at least its own 256 bits. */

/* Clip thumbnails are this many pixels wide. */
#define NGX_HTTP_BLACKBOX_THUMB_WIDTH  320


typedef struct {
    ngx_str_t            postgres;       /* libpq conninfo */
    ngx_str_t            common_passwords_file;
    bb_wordlist_t       *common_passwords;
    time_t               token_ttl;
    time_t               session_ttl;    /* the web app's cookie */
    ngx_uint_t           auth_rate;      /* tries a minute */
    ngx_str_t            redis;          /* host:port or unix:/path */
    ngx_str_t            storage;        /* clip storage folder */
    ngx_str_t            jwt_key_file;
    ngx_str_t            jwt_key;        /* the file's bytes */
    ngx_str_t            device_secret_file;
    ngx_str_t            device_secret;  /* derives device keys */
    time_t               online_window;
    ngx_str_t            thread_pool_name;
    ngx_msec_t           timeout;        /* bound on each DB/Redis call */
    time_t               node_timeout;   /* a daemon silent longer is down */
    time_t               playback_ttl;   /* life of a playback URL */
    time_t               retention;      /* how long clips are kept */
    ngx_str_t            srt_address;    /* host:port dashcams call */
    size_t               index_cache_size;
    ngx_shm_zone_t      *index_cache;    /* parsed clip indexes */

    ngx_thread_pool_t   *thread_pool;
    bb_health_conf_t     health;         /* the above, as the core wants it */
    bb_api_conf_t    account;
} ngx_http_blackbox_main_conf_t;


typedef struct {
    ngx_flag_t           api;            /* blackbox_api here */
} ngx_http_blackbox_loc_conf_t;


/* ngx_http_blackbox_api.c: the API's routes. */

typedef ngx_int_t (*ngx_http_blackbox_route_pt)(ngx_http_request_t *r,
    json_t *body);

/* Who may make a call. */
#define NGX_HTTP_BLACKBOX_PUBLIC   0
#define NGX_HTTP_BLACKBOX_USER     1    /* an owner's access token */
#define NGX_HTTP_BLACKBOX_DEVICE   2    /* the key of the path's device */

#define NGX_HTTP_BLACKBOX_ARGS_MAX  3

/* What a call's body is. */
#define NGX_HTTP_BLACKBOX_BODY_NONE  0
#define NGX_HTTP_BLACKBOX_BODY_JSON  1   /* an object of at most 64 KiB */
#define NGX_HTTP_BLACKBOX_BODY_FILE  2   /* spooled to a file as it is */

typedef struct {
    const char                  *path;     /* "*" matches one segment */
    ngx_uint_t                   method;   /* NGX_HTTP_GET, ... */
    ngx_uint_t                   auth;     /* NGX_HTTP_BLACKBOX_PUBLIC... */
    unsigned                     body:2;   /* NGX_HTTP_BLACKBOX_BODY_* */
    ngx_http_blackbox_route_pt   handler;
} ngx_http_blackbox_route_t;

/* What the phases of one API request learn. */
typedef struct {
    const ngx_http_blackbox_route_t  *route;     /* NULL: no such call */
    char                             *args[NGX_HTTP_BLACKBOX_ARGS_MAX];
                                                 /* the "*" segments */
    bb_token_claims_t                 claims;    /* when authenticated */
    bb_status_e                       access;    /* the token's verdict */
    const char                       *why;       /* and its reason */
    unsigned                          checked:1; /* access decided */
} ngx_http_blackbox_ctx_t;

ngx_http_blackbox_ctx_t *ngx_http_blackbox_ctx(ngx_http_request_t *r);
ngx_int_t ngx_http_blackbox_api_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_blackbox_digits(const char *s, size_t max);
char *ngx_http_blackbox_query_arg(ngx_http_request_t *r, const char *name);

/* ngx_http_blackbox_access.c: tokens, checked in the access phase. */

ngx_int_t ngx_http_blackbox_access_init(ngx_conf_t *cf);

/* ngx_http_blackbox_accounts.c: the account calls. */

ngx_int_t ngx_http_blackbox_signup(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_verify_email(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_resend(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_login(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_login_verify(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_refresh(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_device_event(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_logout(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_me(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_me_password(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_me_delete(ngx_http_request_t *r, json_t *body);

/* ngx_http_blackbox_devices.c: dashcams. */

ngx_int_t ngx_http_blackbox_devices_list(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_devices_create(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_device_get(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_device_patch(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_device_delete(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_device_heartbeat(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_device_backfill(ngx_http_request_t *r,
    json_t *body);

/* ngx_http_blackbox_library.c: folders and clips. */

ngx_int_t ngx_http_blackbox_folders(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_folder_clips(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_clip(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_clip_delete(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_clip_rename(ngx_http_request_t *r, json_t *body);
ngx_int_t ngx_http_blackbox_folder_delete(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_folder_rename(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_device_coverage(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_clip_download(ngx_http_request_t *r,
    json_t *body);


/* ngx_http_blackbox_playback.c: minting playback URLs. */

ngx_int_t ngx_http_blackbox_device_playback(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_clip_playback(ngx_http_request_t *r,
    json_t *body);
ngx_int_t ngx_http_blackbox_clip_thumbnail(ngx_http_request_t *r,
    json_t *body);


/* ngx_http_blackbox_play.c: the packaging locations under /play/. */

ngx_int_t ngx_http_blackbox_play_handler(ngx_http_request_t *r);


/* ngx_http_blackbox_index_cache.c: parsed clip indexes, shared. */

/* A clip as a segment request needs it: its row's facts and its file's
   identity, which a cached index is good for. */
typedef struct {
    char                 device_id[BB_DEVICE_ID_MAX + 1];
    long long            recorded_at;    /* Unix ms */
    char                 path[160];      /* relative to the storage */
    uint64_t             dev;
    uint64_t             ino;
    uint64_t             size;
    int64_t              mtime_ns;
} ngx_http_blackbox_clip_file_t;

ngx_int_t ngx_http_blackbox_index_cache_add(ngx_conf_t *cf, size_t size,
    ngx_shm_zone_t **zone);
bb_mp4_index_t *ngx_http_blackbox_index_cache_get(ngx_shm_zone_t *zone,
    uint64_t clip_id, ngx_http_blackbox_clip_file_t *file);
void ngx_http_blackbox_index_cache_put(ngx_shm_zone_t *zone,
    uint64_t clip_id, const ngx_http_blackbox_clip_file_t *file,
    const bb_mp4_index_t *ix);


/* ngx_http_blackbox_thread.c: running blocking work in the thread pool. */

typedef struct ngx_http_blackbox_job_s  ngx_http_blackbox_job_t;

/* Runs in a pool thread: blocking I/O allowed, the request is not. */
typedef void (*ngx_http_blackbox_job_run_pt)(void *data);

/* Runs back on the event loop; returns what finalizes the request. */
typedef ngx_int_t (*ngx_http_blackbox_job_done_pt)(ngx_http_request_t *r,
    void *data);

struct ngx_http_blackbox_job_s {
    ngx_http_blackbox_job_run_pt    run;
    ngx_http_blackbox_job_done_pt   done;     /* NULL: resume the phases */
    ngx_http_request_t             *request;
    ngx_thread_task_t              *task;
    void                           *data;   /* size bytes, zeroed */
};

ngx_http_blackbox_job_t *ngx_http_blackbox_job_create(ngx_http_request_t *r,
    size_t size);
ngx_int_t ngx_http_blackbox_job_queue(ngx_http_request_t *r,
    ngx_http_blackbox_job_t *job);
ngx_int_t ngx_http_blackbox_job_post(ngx_http_request_t *r,
    ngx_http_blackbox_job_t *job);

/* Builds a call for the core's account functions. */
void ngx_http_blackbox_call_init(ngx_http_request_t *r, bb_call_t *call);


/* ngx_http_blackbox_response.c: JSON answers. */

ngx_int_t ngx_http_blackbox_add_header(ngx_http_request_t *r,
    const char *key, const char *value);
ngx_int_t ngx_http_blackbox_send_body(ngx_http_request_t *r, u_char *data,
    size_t len);
ngx_int_t ngx_http_blackbox_send_json(ngx_http_request_t *r,
    ngx_uint_t status, u_char *json, size_t len);
ngx_int_t ngx_http_blackbox_send_no_content(ngx_http_request_t *r);
ngx_int_t ngx_http_blackbox_send_core_json(ngx_http_request_t *r,
    ngx_uint_t status, char *json, size_t len);
ngx_int_t ngx_http_blackbox_send_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *message);
ngx_int_t ngx_http_blackbox_send_problems(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *message,
    const bb_problems_t *problems);
ngx_int_t ngx_http_blackbox_send_status(ngx_http_request_t *r,
    bb_status_e st, const char *why, int retry_after);
ngx_int_t ngx_http_blackbox_send_stored(ngx_http_request_t *r,
    const char *path, const char *suffix, const char *name);


/* ngx_http_blackbox_health.c: GET /api/v1/health. */

ngx_int_t ngx_http_blackbox_health_handler(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_blackbox_module;

#endif /* NGX_HTTP_BLACKBOX_MODULE_H */
