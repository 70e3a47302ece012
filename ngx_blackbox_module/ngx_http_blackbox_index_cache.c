/*
 * The cache of clip indexes (core/bb_mp4.h), in shared memory so that
 * every worker process reuses what any of them parsed.  A clip's index is
 * some 40 KB for a minute of video; parsing it means reading its moov,
 * so a day played through parses each clip once, not once per segment.
 *
 * Keyed by the clip file's identity (device, inode, size, mtime): a clip
 * replaced by a longer back-filled one is a new file under the same name,
 * a new key, and the old entry ages out.  Bounded by the zone's size:
 * when an entry does not fit, the least recently used ones are evicted
 * until it does.
 *
 * Called from the thread pool (the file was opened there): the zone's
 * mutex is nginx's shmtx, which is an atomic lock and safe across threads
 * as it is across processes.  A hit is copied out under the lock, so an
 * entry evicted a moment later is never read.
 */

#include "ngx_http_blackbox_module.h"


typedef struct {
    ngx_rbtree_node_t   node;       /* key: a hash of the file's identity */
    ngx_queue_t         lru;
    uint64_t            dev;
    uint64_t            ino;
    uint64_t            size;
    int64_t             mtime_ns;
    size_t              len;        /* of the index */
    uint64_t            index[1];   /* the index block, 8-byte aligned */
} ngx_http_blackbox_index_node_t;


typedef struct {
    ngx_rbtree_t        rbtree;
    ngx_rbtree_node_t   sentinel;
    ngx_queue_t         lru;        /* most recently used first */
} ngx_http_blackbox_index_sh_t;


typedef struct {
    ngx_http_blackbox_index_sh_t  *sh;
    ngx_slab_pool_t               *shpool;
} ngx_http_blackbox_index_cache_t;


static ngx_int_t ngx_http_blackbox_index_cache_init(ngx_shm_zone_t *zone,
    void *data);
static ngx_http_blackbox_index_node_t *ngx_http_blackbox_index_find(
    ngx_http_blackbox_index_cache_t *cache, const struct stat *st,
    ngx_rbtree_key_t key);


ngx_int_t
ngx_http_blackbox_index_cache_add(ngx_conf_t *cf, size_t size,
    ngx_shm_zone_t **zone)
{
    ngx_str_t                         name = ngx_string("blackbox_index");
    ngx_http_blackbox_index_cache_t  *cache;

    cache = ngx_pcalloc(cf->pool, sizeof(ngx_http_blackbox_index_cache_t));
    if (cache == NULL) {
        return NGX_ERROR;
    }

    *zone = ngx_shared_memory_add(cf, &name, size, &ngx_http_blackbox_module);
    if (*zone == NULL) {
        return NGX_ERROR;
    }

    (*zone)->init = ngx_http_blackbox_index_cache_init;
    (*zone)->data = cache;

    return NGX_OK;
}


static ngx_int_t
ngx_http_blackbox_index_cache_init(ngx_shm_zone_t *zone, void *data)
{
    ngx_http_blackbox_index_cache_t  *old = data;

    ngx_http_blackbox_index_cache_t  *cache;

    cache = zone->data;
    cache->shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (old != NULL) {
        cache->sh = old->sh;
        return NGX_OK;
    }

    if (zone->shm.exists) {
        cache->sh = cache->shpool->data;
        return NGX_OK;
    }

    cache->sh = ngx_slab_alloc(cache->shpool,
                               sizeof(ngx_http_blackbox_index_sh_t));
    if (cache->sh == NULL) {
        return NGX_ERROR;
    }

    cache->shpool->data = cache->sh;

    ngx_rbtree_init(&cache->sh->rbtree, &cache->sh->sentinel,
                    ngx_rbtree_insert_value);
    ngx_queue_init(&cache->sh->lru);

    /* Full is the normal state of a cache: no "no memory" in the log. */
    cache->shpool->log_nomem = 0;

    return NGX_OK;
}


static ngx_rbtree_key_t
ngx_http_blackbox_index_key(const struct stat *st)
{
    uint64_t  id[4];

    id[0] = (uint64_t) st->st_dev;
    id[1] = (uint64_t) st->st_ino;
    id[2] = (uint64_t) st->st_size;
    id[3] = (uint64_t) st->st_mtim.tv_sec * 1000000000
            + (uint64_t) st->st_mtim.tv_nsec;

    return ngx_crc32_short((u_char *) id, sizeof(id));
}


static ngx_http_blackbox_index_node_t *
ngx_http_blackbox_index_find(ngx_http_blackbox_index_cache_t *cache,
    const struct stat *st, ngx_rbtree_key_t key)
{
    int64_t                          mtime_ns;
    ngx_rbtree_node_t               *node, *sentinel;
    ngx_http_blackbox_index_node_t  *in;

    mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000
               + st->st_mtim.tv_nsec;
    node = cache->sh->rbtree.root;
    sentinel = cache->sh->rbtree.sentinel;

    while (node != sentinel) {
        if (key != node->key) {
            node = (key < node->key) ? node->left : node->right;
            continue;
        }

        in = (ngx_http_blackbox_index_node_t *) node;

        if (in->ino == (uint64_t) st->st_ino
            && in->dev == (uint64_t) st->st_dev
            && in->size == (uint64_t) st->st_size
            && in->mtime_ns == mtime_ns)
        {
            return in;
        }

        /* Equal keys go right on insert (ngx_rbtree_insert_value). */
        node = node->right;
    }

    return NULL;
}


bb_mp4_index_t *
ngx_http_blackbox_index_cache_get(ngx_shm_zone_t *zone, const struct stat *st)
{
    void                             *copy;
    ngx_http_blackbox_index_node_t   *in;
    ngx_http_blackbox_index_cache_t  *cache;

    cache = zone->data;
    copy = NULL;

    ngx_shmtx_lock(&cache->shpool->mutex);

    in = ngx_http_blackbox_index_find(cache, st,
                                      ngx_http_blackbox_index_key(st));
    if (in != NULL) {
        copy = malloc(in->len);
        if (copy != NULL) {
            ngx_memcpy(copy, in->index, in->len);
        }

        ngx_queue_remove(&in->lru);
        ngx_queue_insert_head(&cache->sh->lru, &in->lru);
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return copy;
}


static void
ngx_http_blackbox_index_evict(ngx_http_blackbox_index_cache_t *cache)
{
    ngx_queue_t                     *q;
    ngx_http_blackbox_index_node_t  *in;

    q = ngx_queue_last(&cache->sh->lru);
    in = ngx_queue_data(q, ngx_http_blackbox_index_node_t, lru);

    ngx_queue_remove(q);
    ngx_rbtree_delete(&cache->sh->rbtree, &in->node);
    ngx_slab_free_locked(cache->shpool, in);
}


void
ngx_http_blackbox_index_cache_put(ngx_shm_zone_t *zone, const struct stat *st,
    const bb_mp4_index_t *ix)
{
    size_t                            size;
    ngx_rbtree_key_t                  key;
    ngx_http_blackbox_index_node_t   *in;
    ngx_http_blackbox_index_cache_t  *cache;

    cache = zone->data;
    key = ngx_http_blackbox_index_key(st);
    size = offsetof(ngx_http_blackbox_index_node_t, index) + ix->bytes;

    ngx_shmtx_lock(&cache->shpool->mutex);

    /* Another thread or worker may have parsed the same file meanwhile. */
    if (ngx_http_blackbox_index_find(cache, st, key) != NULL) {
        ngx_shmtx_unlock(&cache->shpool->mutex);
        return;
    }

    for ( ;; ) {
        in = ngx_slab_alloc_locked(cache->shpool, size);
        if (in != NULL || ngx_queue_empty(&cache->sh->lru)) {
            break;
        }

        ngx_http_blackbox_index_evict(cache);
    }

    if (in != NULL) {
        in->node.key = key;
        in->dev = (uint64_t) st->st_dev;
        in->ino = (uint64_t) st->st_ino;
        in->size = (uint64_t) st->st_size;
        in->mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000
                       + st->st_mtim.tv_nsec;
        in->len = ix->bytes;
        ngx_memcpy(in->index, ix, ix->bytes);

        ngx_rbtree_insert(&cache->sh->rbtree, &in->node);
        ngx_queue_insert_head(&cache->sh->lru, &in->lru);
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);
}

