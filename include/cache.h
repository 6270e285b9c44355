/* cache: rendered pages — fetch once, in batches, convert off the loop, hand out. */
#ifndef CFS_CACHE_H
#define CFS_CACHE_H

#include <uv.h>

#include "confluence.h"
#include "sync.h"
#include "tree.h"

struct cfs_cache;

/* md is borrowed for the duration of the call (cfs_blob_ref it to keep it);
 * NULL when err != 0.  Loop thread. */
typedef void (*cfs_cache_cb)(void *arg, int err, struct cfs_blob *md);

/* cf and tree are borrowed and must outlive the cache.  batch: pages per
 * prefetch request (1..250).  Loop thread. */
int cfs_cache_new(uv_loop_t *loop, struct cfs_cf *cf, struct cfs_tree *tree, int batch,
                  struct cfs_cache **out);

/* Links into another mounted space need that space in the tree: with sync
 * set, a page linking into a space not loaded yet waits for its listing
 * before it is converted.  Loop thread. */
void cfs_cache_set_sync(struct cfs_cache *c, struct cfs_sync *sync);

/* The write path (-o rw) keeps the storage each page was rendered from, the
 * base of a later save: fn is called on the loop thread after every
 * conversion with the page, the version of the storage, the storage (len
 * bytes, borrowed) and the Markdown rendered from it (borrowed; ref it). */
typedef void (*cfs_cache_keep_fn)(void *arg, struct cfs_node *n, int64_t version,
                                  const char *storage, size_t len, struct cfs_blob *md);
void cfs_cache_set_keep(struct cfs_cache *c, cfs_cache_keep_fn fn, void *arg);

/* Stop: later calls fail with -ESHUTDOWN; conversions still running finish
 * and are dropped; memory is released once the last one has.  Call after
 * the HTTP client has been destroyed (which fails fetches in flight).  Loop thread. */
void cfs_cache_destroy(struct cfs_cache *c);

/* Get page n's Markdown: from the tree when rendered from its current
 * version (cb runs before this returns), else fetch its body (one request
 * for all concurrent callers: single flight) and convert it on the uv thread
 * pool.  prio USER moves a queued background fetch ahead.  Loop thread.
 * why names the FUSE operation ("open", "getattr") for the log span.
 * cb is always called exactly once; returns nothing. */
void cfs_cache_page(struct cfs_cache *c, struct cfs_node *n, enum cfs_http_prio prio,
                    const char *why, cfs_cache_cb cb, void *arg);

/* Fetch in the background whatever of these pages is neither rendered nor
 * on its way, in batched requests at BACKGROUND priority.  Loop thread. */
void cfs_cache_prefetch(struct cfs_cache *c, struct cfs_node *const *nodes, size_t n);

#endif
