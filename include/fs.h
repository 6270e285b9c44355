/* fs: the FUSE low-level operations; the only user of fuse_lowlevel.h. */
#ifndef CFS_FS_H
#define CFS_FS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <pthread.h>
#include <stdatomic.h>

#include "attach.h"
#include "cache.h"
#include "confluence.h"
#include "diskcache.h"
#include "persist.h"
#include "loop.h"
#include "sync.h"
#include "tree.h"

/* The filesystem's state, passed as the session's userdata.  main owns it. */
struct cfs_fsw;

struct cfs_fs {
	struct cfs_tree *tree;     /* any thread */
	struct cfs_loop *loop;     /* any thread: cfs_loop_submit() */
	struct fuse_session *se;   /* for kernel cache invalidation */
	struct cfs_cache *cache;   /* loop thread only */
	struct cfs_sync *sync;     /* loop thread only; may be NULL */
	struct cfs_http *http;     /* loop thread only: its counters for the stats view */
	struct cfs_attach *attach; /* loop thread only */
	struct cfs_diskcache *dc;  /* any thread but the loop's: attachment bytes */
	pthread_mutex_t att_lock;
	struct att_handle *atts;     /* open attachment handles; protected by att_lock */
	atomic_ulong hits, misses;   /* pages answered from memory / fetched for a request */
	atomic_int activity;         /* set by every operation; the refresh clears it */
	struct cfs_persist *persist; /* rendered pages on disk and the state file; may be NULL */
	atomic_int offline;          /* started from the saved state, the site not answering */
	double ttl;                  /* seconds the kernel may cache entries and attributes */
	double full_ttl;             /* seconds between full listings (docs/refresh.md) */
	int prefetch;                /* directory levels to prefetch on opendir; 0: off */
	uid_t uid;
	gid_t gid;
	struct cfs_cf *cf; /* loop thread only: the write path's requests */
	struct cfs_fsw *w; /* the write path (-o rw); NULL on a ro mount */
};

extern const struct fuse_lowlevel_ops cfs_fs_ops;
/* The write path (-o rw): its state, kept in cache_dir/write (0700), made
 * before mounting and freed after the loop stopped.  0 or -errno. */
int cfs_fsw_new(struct cfs_fs *fs, const char *cache_dir, int front_matter, struct cfs_fsw **out);
void cfs_fsw_free(struct cfs_fsw *w);
/* Bound the bases kept for later saves (storage and Markdown of rendered
 * pages) to cap bytes (0: none); past it the oldest are forgotten. */
void cfs_fsw_set_cap(struct cfs_fsw *w, uint64_t cap);
/* Publish the drafts a killed mount left (once mounted and the loop runs). */
void cfs_fsw_recover(struct cfs_fsw *w);
/* --publish-drafts: wait until the recovered drafts are done; the number
 * that failed (0: all published or kept as conflict files... see the log),
 * or -ETIMEDOUT. */
int cfs_fsw_recover_wait(struct cfs_fsw *w, int timeout_s);
/* A cfs_cache_keep_fn; arg is the struct cfs_fsw. */
void cfs_fsw_keep(void *arg, struct cfs_node *n, int64_t version, const char *storage, size_t len,
                  struct cfs_blob *md);

/* Add the write-back operations (-o rw) to a copy of cfs_fs_ops. */
void cfs_fs_rw_ops(struct fuse_lowlevel_ops *ops);

/* After the session loop ended: release the attachment handles the kernel
 * never released (a forced unmount), so the disk cache can be closed. */
void cfs_fs_release_all(struct cfs_fs *fs);

/* A cfs_sync_inval_fn: forward tree changes to the kernel.  arg is the
 * struct cfs_fs.  Thread pool only (it may block on the kernel). */
void cfs_fs_inval(void *arg, const struct cfs_tree_changes *ch);

#endif
