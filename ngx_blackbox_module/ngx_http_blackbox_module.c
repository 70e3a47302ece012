/*
 * ngx_http_blackbox_module: the blackbox REST API, web app glue and media
 * packaging inside nginx.
 *
 * This file holds only the directives, the configuration and the module
 * struct; each concern lives in its own ngx_http_blackbox_<concern>.c, and
 * everything that does not need nginx lives in core/.
 */

#include "ngx_http_blackbox_module.h"


static char *ngx_http_blackbox_health(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_blackbox_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_blackbox_play(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_blackbox_wordlist_load(ngx_conf_t *cf,
    ngx_http_blackbox_main_conf_t *bmcf);
static void ngx_http_blackbox_wordlist_cleanup(void *data);
static ngx_int_t ngx_http_blackbox_init(ngx_conf_t *cf);
static void *ngx_http_blackbox_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_blackbox_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_blackbox_secret_load(ngx_conf_t *cf,
    const char *directive, ngx_str_t *file, ngx_str_t *secret);
static u_char *ngx_http_blackbox_cstr(ngx_conf_t *cf, ngx_str_t *s);
static void *ngx_http_blackbox_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_blackbox_init_main_conf(ngx_conf_t *cf, void *conf);


static ngx_command_t  ngx_http_blackbox_commands[] = {

    { ngx_string("blackbox_postgres"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, postgres),
      NULL },

    { ngx_string("blackbox_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, redis),
      NULL },

    { ngx_string("blackbox_storage"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, storage),
      NULL },

    { ngx_string("blackbox_jwt_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, jwt_key_file),
      NULL },

    { ngx_string("blackbox_device_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, device_secret_file),
      NULL },

    { ngx_string("blackbox_online_window"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, online_window),
      NULL },

    { ngx_string("blackbox_thread_pool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, thread_pool_name),
      NULL },

    { ngx_string("blackbox_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, timeout),
      NULL },

    { ngx_string("blackbox_node_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, node_timeout),
      NULL },

    { ngx_string("blackbox_token_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, token_ttl),
      NULL },

    { ngx_string("blackbox_session_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, session_ttl),
      NULL },

    { ngx_string("blackbox_srt_address"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, srt_address),
      NULL },

    { ngx_string("blackbox_retention"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, retention),
      NULL },

    { ngx_string("blackbox_playback_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, playback_ttl),
      NULL },

    { ngx_string("blackbox_index_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, index_cache_size),
      NULL },

    { ngx_string("blackbox_auth_rate"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, auth_rate),
      NULL },

    { ngx_string("blackbox_common_passwords"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_blackbox_main_conf_t, common_passwords_file),
      NULL },

    { ngx_string("blackbox_health"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_blackbox_health,
      0,
      0,
      NULL },

    { ngx_string("blackbox_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_blackbox_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("blackbox_play"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_blackbox_play,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_blackbox_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_blackbox_init,                /* postconfiguration */

    ngx_http_blackbox_create_main_conf,    /* create main configuration */
    ngx_http_blackbox_init_main_conf,      /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_blackbox_create_loc_conf,     /* create location configuration */
    ngx_http_blackbox_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_blackbox_module = {
    NGX_MODULE_V1,
    &ngx_http_blackbox_module_ctx,         /* module context */
    ngx_http_blackbox_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static char *
ngx_http_blackbox_health(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_blackbox_health_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_blackbox_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_blackbox_loc_conf_t  *blcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    blcf->api = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_blackbox_api_handler;

    return NGX_CONF_OK;
}


static char *
ngx_http_blackbox_play(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_blackbox_play_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_blackbox_init(ngx_conf_t *cf)
{
    return ngx_http_blackbox_access_init(cf);
}


/* Loads the list of passwords too common to accept, once. */
static ngx_int_t
ngx_http_blackbox_wordlist_load(ngx_conf_t *cf,
    ngx_http_blackbox_main_conf_t *bmcf)
{
    char                 err[256];
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    bmcf->common_passwords = bb_wordlist_load(
                           (char *) bmcf->common_passwords_file.data,
                           err, sizeof(err));
    if (bmcf->common_passwords == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "blackbox_common_passwords: %s", err);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_blackbox_wordlist_cleanup;
    cln->data = bmcf->common_passwords;

    return NGX_OK;
}


static void
ngx_http_blackbox_wordlist_cleanup(void *data)
{
    bb_wordlist_free(data);
}


/*
 * Reads a secret (the JWT signing key, the device secret) once, at
 * configuration time, so that a missing or weak one stops nginx from
 * starting rather than failing requests later.
 */
static ngx_int_t
ngx_http_blackbox_secret_load(ngx_conf_t *cf, const char *directive,
    ngx_str_t *file, ngx_str_t *secret)
{
    int     loose;
    char    err[320];
    size_t  n;
    u_char  key[BB_SECRET_MAX];

    if (ngx_conf_full_name(cf->cycle, file, 1) != NGX_OK) {
        return NGX_ERROR;
    }

    file->data = ngx_http_blackbox_cstr(cf, file);
    if (file->data == NULL) {
        return NGX_ERROR;
    }

    if (bb_secret_read((char *) file->data, key, &n, &loose, err,
                       sizeof(err)) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s \"%s\" %s", directive,
                           file->data, err);
        return NGX_ERROR;
    }

    if (loose) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "%s \"%s\" is readable by other users: make it "
                           "mode 0600", directive, file->data);
    }

    secret->data = ngx_pnalloc(cf->pool, n);
    if (secret->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(secret->data, key, n);
    secret->len = n;
    ngx_explicit_memzero(key, sizeof(key));

    return NGX_OK;
}


/* A NUL-terminated copy of s, for the core's plain C interfaces. */
static u_char *
ngx_http_blackbox_cstr(ngx_conf_t *cf, ngx_str_t *s)
{
    u_char  *p;

    p = ngx_pnalloc(cf->pool, s->len + 1);
    if (p == NULL) {
        return NULL;
    }

    *ngx_cpymem(p, s->data, s->len) = '\0';

    return p;
}


static void *
ngx_http_blackbox_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_blackbox_main_conf_t  *bmcf;

    bmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_blackbox_main_conf_t));
    if (bmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     bmcf->postgres = { 0, NULL };
     *     bmcf->redis = { 0, NULL };
     *     bmcf->storage = { 0, NULL };
     *     bmcf->jwt_key_file = { 0, NULL };
     *     bmcf->jwt_key = { 0, NULL };
     *     bmcf->device_secret_file = { 0, NULL };
     *     bmcf->device_secret = { 0, NULL };
     *     bmcf->thread_pool_name = { 0, NULL };
     *     bmcf->srt_address = { 0, NULL };
     *     bmcf->thread_pool = NULL;
     */

    bmcf->timeout = NGX_CONF_UNSET_MSEC;
    bmcf->node_timeout = NGX_CONF_UNSET;
    bmcf->token_ttl = NGX_CONF_UNSET;
    bmcf->session_ttl = NGX_CONF_UNSET;
    bmcf->playback_ttl = NGX_CONF_UNSET;
    bmcf->retention = NGX_CONF_UNSET;
    bmcf->index_cache_size = NGX_CONF_UNSET_SIZE;
    bmcf->online_window = NGX_CONF_UNSET;
    bmcf->auth_rate = NGX_CONF_UNSET_UINT;

    return bmcf;
}


static char *
ngx_http_blackbox_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_blackbox_main_conf_t  *bmcf = conf;

    ngx_conf_init_msec_value(bmcf->timeout, 2000);
    ngx_conf_init_value(bmcf->node_timeout, 10);
    ngx_conf_init_value(bmcf->token_ttl, 900);
    ngx_conf_init_value(bmcf->session_ttl, 12 * 3600);
    ngx_conf_init_value(bmcf->playback_ttl, 1800);
    ngx_conf_init_value(bmcf->retention, 30 * 86400);
    ngx_conf_init_size_value(bmcf->index_cache_size, 64 * 1024 * 1024);
    ngx_conf_init_value(bmcf->online_window, 90);
    ngx_conf_init_uint_value(bmcf->auth_rate, 10);

    if (bmcf->postgres.data == NULL) {
        ngx_str_set(&bmcf->postgres, "host=127.0.0.1 dbname=blackbox");
    }

    if (bmcf->srt_address.data == NULL) {
        ngx_str_set(&bmcf->srt_address, "127.0.0.1:9000");
    }

    if (bmcf->redis.data == NULL) {
        ngx_str_set(&bmcf->redis, "127.0.0.1:6379");
    }

    if (bmcf->storage.data == NULL) {
        ngx_str_set(&bmcf->storage, "/var/lib/blackbox/storage");
    }

    if (bmcf->jwt_key_file.data == NULL) {
        ngx_str_set(&bmcf->jwt_key_file, "jwt.key");
    }

    if (bmcf->device_secret_file.data == NULL) {
        ngx_str_set(&bmcf->device_secret_file, "device.key");
    }

    if (bmcf->thread_pool_name.data == NULL) {
        ngx_str_set(&bmcf->thread_pool_name, "blackbox");
    }

    if (bmcf->common_passwords_file.data == NULL) {
        ngx_str_set(&bmcf->common_passwords_file, "common-passwords.txt");
    }

    if (ngx_conf_full_name(cf->cycle, &bmcf->common_passwords_file, 1)
           != NGX_OK
        || ngx_http_blackbox_wordlist_load(cf, bmcf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &bmcf->storage, 0) != NGX_OK
        || ngx_http_blackbox_secret_load(cf, "blackbox_jwt_key_file",
                                         &bmcf->jwt_key_file,
                                         &bmcf->jwt_key) != NGX_OK
        || ngx_http_blackbox_secret_load(cf, "blackbox_device_secret_file",
                                         &bmcf->device_secret_file,
                                         &bmcf->device_secret) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_blackbox_index_cache_add(cf, bmcf->index_cache_size,
                                          &bmcf->index_cache) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* Created with nginx's defaults unless a thread_pool directive sizes it. */
    bmcf->thread_pool = ngx_thread_pool_add(cf, &bmcf->thread_pool_name);
    if (bmcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }

    bmcf->health.postgres = (char *) ngx_http_blackbox_cstr(cf,
                                                            &bmcf->postgres);
    bmcf->health.redis = (char *) ngx_http_blackbox_cstr(cf, &bmcf->redis);
    bmcf->health.storage = (char *) ngx_http_blackbox_cstr(cf,
                                                           &bmcf->storage);
    bmcf->health.timeout_ms = (int) bmcf->timeout;
    bmcf->health.node_max_age = (int) bmcf->node_timeout;

    if (bmcf->health.postgres == NULL || bmcf->health.redis == NULL
        || bmcf->health.storage == NULL)
    {
        return NGX_CONF_ERROR;
    }

    bmcf->account.postgres = bmcf->health.postgres;
    bmcf->account.redis = bmcf->health.redis;
    bmcf->account.timeout_ms = (int) bmcf->timeout;
    bmcf->account.secret = bmcf->jwt_key.data;
    bmcf->account.secret_len = bmcf->jwt_key.len;
    bmcf->account.token_ttl = (int) bmcf->token_ttl;
    bmcf->account.session_ttl = (int) bmcf->session_ttl;
    bmcf->account.rate_limit = (long) bmcf->auth_rate;
    bmcf->account.device_secret = bmcf->device_secret.data;
    bmcf->account.device_secret_len = bmcf->device_secret.len;
    bmcf->account.online_window = (int) bmcf->online_window;
    bmcf->account.storage = bmcf->health.storage;

    return NGX_CONF_OK;
}


static void *
ngx_http_blackbox_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_blackbox_loc_conf_t  *blcf;

    blcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_blackbox_loc_conf_t));
    if (blcf == NULL) {
        return NULL;
    }

    blcf->api = NGX_CONF_UNSET;

    return blcf;
}


static char *
ngx_http_blackbox_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_blackbox_loc_conf_t  *conf = child;

    /* Not inherited: a nested location serves the API only if it says so. */
    ngx_conf_init_value(conf->api, 0);

    return NGX_CONF_OK;
}
