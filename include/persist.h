/* persist: keeps the state file and the rendered pages of a mount on disk, and serves
 * them back (docs/state.md).  Owned by main; the hooks are called from fs. */
#ifndef CFS_PERSIST_H
#define CFS_PERSIST_H

#include <stdint.h>

#include "diskcache.h"
#include "state.h"
#include "tree.h"

struct cfs_persist;

/* Start keeping the state of the tree's spaces (each listed one with its
 * listing) at path (the state file), rendered pages in dc.  st (may be NULL)
 * is the state the tree was loaded from: its index of pages on disk is taken
 * over (st->md is moved out).  fp names how pages are rendered (see
 * cfs_persist_fp).  Starts the saver thread.  0 or -errno. */
int cfs_persist_start(const char *path, struct cfs_diskcache *dc, struct cfs_tree *tree,
                      uint32_t api, const char *url, int64_t listed_at, uint64_t fp,
                      struct cfs_state *st, struct cfs_persist **out);
/* Save once more (bounded: the pages rendered since the last save) and free.
 * NULL is a no-op. */
void cfs_persist_stop(struct cfs_persist *p);

/* Something worth saving happened (a page rendered): save within a few
 * seconds.  Any thread, never blocks long. */
void cfs_persist_kick(struct cfs_persist *p);
/* The tree was loaded again (a refresh changed something): the listing is
 * fresh as of now and rendered pages on disk are checked against the new
 * titles and paths.  Any thread. */
void cfs_persist_changed(struct cfs_persist *p);

/* The page's Markdown from disk, if it is there for the page's current
 * version and still right; then also stored in the tree.  A new reference
 * or NULL.  Any thread but the loop's (disk I/O). */
struct cfs_blob *cfs_persist_md(struct cfs_persist *p, struct cfs_node *n);

/* Whether the page's current version is on disk (cheap: the index only). */
int cfs_persist_on_disk(struct cfs_persist *p, struct cfs_node *n);

/* How pages are rendered: the program's version and the front matter option. */
uint64_t cfs_persist_fp(const char *version, int front_matter);

#endif
