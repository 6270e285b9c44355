/* lazy: the directories a user opens before the space's full listing is in, listed one at
 * a time at USER priority ahead of the background walk (docs/refresh.md, "Before the
 * listing").  Owned by sync (src/tree/sync.c); loop thread only. */
#ifndef CFS_LAZY_H
#define CFS_LAZY_H

#include <stddef.h>
#include <uv.h>

#include "confluence.h"
#include "tree.h"

struct cfs_lazy;

/* cb(arg, 0) once the directory's entries are in the tree, or cb(arg, -errno) when
 * its listing failed (ECANCELED/ESHUTDOWN when stopping). */
typedef void (*cfs_lazy_cb)(void *arg, int err);

/* idle (called on the loop thread) whenever a stopping lazy has nothing in flight
 * any more; sync frees it then. */
int cfs_lazy_new(uv_loop_t *loop, struct cfs_cf *cf, struct cfs_tree *tree, void (*idle)(void *arg),
                 void *idle_arg, struct cfs_lazy **out);
/* List the children of id of type (NULL, NULL: the space's top-level pages) of space and
 * put them into the tree (cfs_tree_learn on the thread pool); a second want of the same
 * directory rides along.  id and type are taken (malloc'd, may be NULL). */
void cfs_lazy_want(struct cfs_lazy *z, size_t space, char *id, char *type, cfs_lazy_cb cb,
                   void *arg);
/* The space's full listing is in: every waiter is answered (from the full tree); a
 * listing still in flight is dropped when it arrives. */
void cfs_lazy_loaded(struct cfs_lazy *z, size_t space);
/* Answer what waits with -ESHUTDOWN; listings in flight end by being cancelled. */
void cfs_lazy_stop(struct cfs_lazy *z);
/* Nothing in flight (after stop: may be freed). */
int cfs_lazy_idle(const struct cfs_lazy *z);
void cfs_lazy_free(struct cfs_lazy *z);

#endif
