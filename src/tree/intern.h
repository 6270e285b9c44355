/* intern: one copy of each repeated string of the tree (author ids, parent
 * types, media types), shared by the nodes; freed with the tree. */
#ifndef CFS_TREE_INTERN_H
#define CFS_TREE_INTERN_H

#include <stddef.h>

/* An open-addressing hash set of strings; zero-initialised is empty. */
struct cfs_intern {
	char **slots;
	size_t cap, n;
};

/* The set's copy of s (added when new), NULL when s is NULL or on ENOMEM.
 * Not thread-safe: the tree's write lock is held. */
const char *cfs_intern(struct cfs_intern *in, const char *s);
void cfs_intern_free(struct cfs_intern *in);

#endif
