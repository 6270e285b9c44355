/* tree_write: what the write-back path tells the tree (a page saved from this mount) and
 * asks of it (the space a page is in). */
#include "tree_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cfs_tree_page_saved(struct cfs_tree *t, struct cfs_node *n, int64_t version,
                         struct cfs_time mtime, struct cfs_blob *md)
{
	pthread_rwlock_wrlock(&t->lock);
	if (version > n->version) {
		n->version = version;
		if (mtime.sec)
			n->mtime = mtime;
	}
	pthread_rwlock_unlock(&t->lock);
	if (md)
		cfs_tree_set_md(t, n, md, version, NULL);
}

char *cfs_tree_space_key(struct cfs_tree *t, struct cfs_node *n)
{
	char *s;

	pthread_rwlock_rdlock(&t->lock);
	s = t->spaces[n->space].key ? strdup(t->spaces[n->space].key) : NULL;
	pthread_rwlock_unlock(&t->lock);
	return s;
}

int cfs_tree_file_of(struct cfs_tree *t, struct cfs_node *n, char **name, uint64_t *dir,
                     int *writable)
{
	pthread_rwlock_rdlock(&t->lock);
	*name = n->md_name ? strdup(n->md_name) : NULL;
	*dir = n->parent ? (n->parent->key | CFS_PAGE_DIR) : CFS_ROOT_INO;
	*writable = !n->is_att && !n->synthetic && n->ctype == CFS_CT_PAGE && n->present;
	pthread_rwlock_unlock(&t->lock);
	return *name ? 0 : -ENOMEM;
}
