/* sync: keeps the tree fresh — re-lists the space after ttl while the mount is in use. */
#ifndef CFS_SYNC_H
#define CFS_SYNC_H

#include <stdatomic.h>
#include <uv.h>

#include "confluence.h"
#include "tree.h"

struct cfs_sync;

/* Tell the kernel what changed.  Called on the uv thread pool (never on the
 * loop: a kernel notification may wait on a FUSE request that waits on the
 * loop).  The callee must not keep ch. */
typedef void (*cfs_sync_inval_fn)(void *arg, const struct cfs_tree_changes *ch);

struct cfs_sync_config {
	struct cfs_cf *cf;     /* borrowed */
	struct cfs_tree *tree; /* borrowed */
	const char *space_id;  /* copied */
	const char *space_key; /* copied */
	uint64_t ttl_ms;       /* re-list at most this often; 0 means every second */
	atomic_int *activity;  /* set non-zero by FUSE on use; cleared here */
	cfs_sync_inval_fn inval;
	void *inval_arg;
};

/* Start the timer.  Loop thread.  Returns 0 or -errno. */
int cfs_sync_start(uv_loop_t *loop, const struct cfs_sync_config *cfg, struct cfs_sync **out);

/* Re-list now (in the background), e.g. after a page turned out to be gone. */
void cfs_sync_now(struct cfs_sync *s);

/* Stop the timer; memory is freed once a listing or load in flight ends
 * (cancelled by destroying the HTTP client).  Loop thread. */
void cfs_sync_stop(struct cfs_sync *s);

#endif
