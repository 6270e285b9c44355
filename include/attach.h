/* attach: attachment downloads — stream into the disk cache, answer reads as their bytes land. */
#ifndef CFS_ATTACH_H
#define CFS_ATTACH_H

#include <stdint.h>
#include <uv.h>

#include "confluence.h"
#include "diskcache.h"
#include "tree.h"

struct cfs_attach;

/* A read can be answered: its bytes are in the disk cache (err == 0), or it
 * cannot be (-EIO, -EACCES, -ENOENT, -ESHUTDOWN).  Called on the uv thread
 * pool, never on the loop, so the callee may read the disk cache there. */
typedef void (*cfs_attach_ready_fn)(void *arg, int err);

/* http, cf, dc and tree (for paths in log spans) are borrowed.  retries: attempts after the first
 * for a download that fails or ends short.  Loop thread. */
int cfs_attach_new(uv_loop_t *loop, struct cfs_http *http, struct cfs_cf *cf,
                   struct cfs_diskcache *dc, struct cfs_tree *tree, int retries,
                   struct cfs_attach **out);

/* The disk cache key of an attachment version ("att123-v4") into buf. */
void cfs_attach_key(char *buf, size_t len, const char *att_id, int64_t version);

/* Fetch attachment n into the disk cache in the background (BACKGROUND
 * priority), unless it is open, on its way or cached already; a reader who
 * comes while it downloads waits for it and promotes it.  Loop thread. */
void cfs_attach_prefetch(struct cfs_attach *a, struct cfs_node *n, const char *page_id,
                         const char *att_id, const char *download, int64_t version, int64_t size);

/* Stop: waiting reads fail, downloads are dropped (call after the HTTP client
 * is destroyed, which ends them), pins are released on the thread pool, and
 * memory is freed once that work is done.  Loop thread. */
void cfs_attach_destroy(struct cfs_attach *a);

/* A file handle on attachment n was opened.  pin is a cfs_diskcache_get()
 * reference to n's entry that the attach layer now owns (it puts it on the
 * thread pool).  Loop thread. */
void cfs_attach_open(struct cfs_attach *a, struct cfs_node *n, struct cfs_diskcache_entry *pin,
                     const char *page_id, const char *att_id, const char *download);

/* A file handle on n was released.  The rule: a download runs while the
 * file is open or a read waits on it; after the last release it is
 * cancelled, the bytes already received stay cached, and a later read
 * resumes from the first missing byte.  Loop thread. */
void cfs_attach_release(struct cfs_attach *a, struct cfs_node *n);

/* Wait until [off, off+len) of n (cut at its size) is on disk, downloading it
 * if needed: the stream in progress serves reads just ahead of it; a read far
 * ahead gets its own Range request.  n must be open.  ready is called
 * exactly once.  Loop thread. */
void cfs_attach_read(struct cfs_attach *a, struct cfs_node *n, uint64_t off, uint64_t len,
                     cfs_attach_ready_fn ready, void *arg);

#endif
