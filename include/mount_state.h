/* mount_state: what main does with the saved state and the cache directory at start-up
 * (docs/state.md). */
#ifndef CFS_MOUNT_STATE_H
#define CFS_MOUNT_STATE_H

#include "diskcache.h"
#include "opts.h"
#include "state.h"
#include "tree.h"

/* The state file of the cache directory dc_path, malloc'd. */
char *cfs_mount_state_path(const char *dc_path);

/* Load the saved state at path for a mount of o (o->space of o->url: one
 * key, KEY1,KEY2 or all).  1: loaded into *st; 0: none (absent, or
 * discarded with one warning line: corrupt, truncated, another format,
 * another site or other spaces). */
int cfs_mount_state_load(const char *path, const struct cfs_opts *o, struct cfs_state *st);

/* The pages, blog posts and containers the state lists, in all its spaces. */
size_t cfs_mount_state_pages(const struct cfs_state *st);

/* The tree as the state saved it (offline: no request).  0 or -errno. */
int cfs_mount_state_tree(const struct cfs_state *st, const char *url, struct cfs_tree **tree);

/* Load the saved listing of each space of tree (of several spaces, built by
 * the mount check) that the state has listed under the same id.  Returns how
 * many spaces it loaded. */
size_t cfs_mount_state_adopt(const struct cfs_state *st, struct cfs_tree *tree);

/* The name of a mount's cache directory for SPACE: one key as given, "all",
 * or several keys sorted and without repeats ("ENG, DEMO,ENG" -> "DEMO,ENG"),
 * so the same spaces given in another order find the same cache.  malloc'd. */
char *cfs_mount_cache_name(const char *space);

/* Open the disk cache of dc_path; when another mount holds it (-EBUSY),
 * the first free dc_path/mount-N (N = 2..CFS_MOUNT_CACHES).  *used is the
 * directory opened (malloc'd).  0 or -errno. */
#define CFS_MOUNT_CACHES 8
int cfs_mount_cache_open(const char *dc_path, uint64_t cap, struct cfs_diskcache **dc, char **used);

#endif
