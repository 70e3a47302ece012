/*
 * The cache of clips as the packager needs them: each clip's index
 * (core/bb_mp4.h) with its row's device, recording time and file, in
 * shared memory so that every worker process reuses what any of them
 * found.  A clip's index is some 65 KB for a 1080p minute with audio;
 * finding it means a query and reading the clip's moov, so a day played
 * through costs that once per clip, not once per segment.
 *
 * Keyed by clip id.  An entry is only as good as the file it was made
 * from: it keeps the file's identity (device, inode, size, mtime), and the
 * packager opens the file and compares before it uses the entry.  A clip
 * deleted is a file gone (404); a clip replaced by a longer back-filled
 * one, or a path reused by a device registered again, is another file,
 * and the entry is made again from the clip's row.  Bounded by the zone's
 * size: when an entry does not fit, the least recently used ones are
 * evicted until it does.
 *
 * Called from the thread pool (the file is opened there): the zone's
 * mutex is nginx's shmtx, an atomic lock that is as safe across threads as
 * across processes.  A hit is copied out under the lock, so an entry
 * evicted a moment later is never read.
 */

#include "ngx_http_blackbox_module.h"


typedef struct {
    ngx_rbtree_node_t   node;       /* key: the clip id */
    ngx_queue_t         lru;
    ngx_http_blackbox_clip_file_t  file;
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


static ngx_http_blackbox_index_node_t *
ngx_http_blackbox_index_find(ngx_http_blackbox_index_cache_t *cache,
    ngx_rbtree_key_t key)
{
    ngx_rbtree_node_t  *node, *sentinel;

    node = cache->sh->rbtree.root;
    sentinel = cache->sh->rbtree.sentinel;

    while (node != sentinel) {
        if (key == node->key) {
            return (ngx_http_blackbox_index_node_t *) node;
        }

        node = (key < node->key) ? node->left : node->right;
    }

    return NULL;
}


bb_mp4_index_t *
ngx_http_blackbox_index_cache_get(ngx_shm_zone_t *zone, uint64_t clip_id,
    ngx_http_blackbox_clip_file_t *file)
{
    void                             *copy;
    ngx_http_blackbox_index_node_t   *in;
    ngx_http_blackbox_index_cache_t  *cache;

    cache = zone->data;
    copy = NULL;

    ngx_shmtx_lock(&cache->shpool->mutex);

    in = ngx_http_blackbox_index_find(cache, (ngx_rbtree_key_t) clip_id);
    if (in != NULL) {
        copy = malloc(in->len);
        if (copy != NULL) {
            ngx_memcpy(copy, in->index, in->len);
            *file = in->file;
        }

        ngx_queue_remove(&in->lru);
        ngx_queue_insert_head(&cache->sh->lru, &in->lru);
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);

    return copy;
}


static void
ngx_http_blackbox_index_remove(ngx_http_blackbox_index_cache_t *cache,
    ngx_http_blackbox_index_node_t *in)
{
    ngx_queue_remove(&in->lru);
    ngx_rbtree_delete(&cache->sh->rbtree, &in->node);
    ngx_slab_free_locked(cache->shpool, in);
}


void
ngx_http_blackbox_index_cache_put(ngx_shm_zone_t *zone, uint64_t clip_id,
    const ngx_http_blackbox_clip_file_t *file, const bb_mp4_index_t *ix)
{
    size_t                            size;
    ngx_queue_t                      *q;
    ngx_http_blackbox_index_node_t   *in;
    ngx_http_blackbox_index_cache_t  *cache;

    cache = zone->data;
    size = offsetof(ngx_http_blackbox_index_node_t, index) + ix->bytes;

    ngx_shmtx_lock(&cache->shpool->mutex);

    /* What was made from an older file of the clip, or by another thread
       or worker a moment ago: this one is as new as any. */
    in = ngx_http_blackbox_index_find(cache, (ngx_rbtree_key_t) clip_id);
    if (in != NULL) {
        ngx_http_blackbox_index_remove(cache, in);
    }

    for ( ;; ) {
        in = ngx_slab_alloc_locked(cache->shpool, size);
        if (in != NULL || ngx_queue_empty(&cache->sh->lru)) {
            break;
        }

        q = ngx_queue_last(&cache->sh->lru);
        ngx_http_blackbox_index_remove(cache,
            ngx_queue_data(q, ngx_http_blackbox_index_node_t, lru));
    }

    if (in != NULL) {
        in->node.key = (ngx_rbtree_key_t) clip_id;
        in->file = *file;
        in->len = ix->bytes;
        ngx_memcpy(in->index, ix, ix->bytes);

        ngx_rbtree_insert(&cache->sh->rbtree, &in->node);
        ngx_queue_insert_head(&cache->sh->lru, &in->lru);
    }

    ngx_shmtx_unlock(&cache->shpool->mutex);
}
