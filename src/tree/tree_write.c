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

static const struct entry *find_entry(const struct entry *v, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i].name) == len && memcmp(v[i].name, name, len) == 0)
			return &v[i];
	return NULL;
}

int cfs_tree_rel_target_locked(struct cfs_tree *t, struct cfs_node *from, const char *rel, int att,
                               char **a, char **b)
{
	struct cfs_node *dir = from->parent ? from->parent : &t->root, *page = NULL;
	const struct entry *e;

	*a = *b = NULL;
	while (*rel) {
		const char *slash = strchr(rel, '/');
		size_t len = slash ? (size_t)(slash - rel) : strlen(rel);

		if (len == 0 || (len == 1 && rel[0] == '.')) {
			/* nothing */
		} else if (len == 2 && rel[0] == '.' && rel[1] == '.') {
			if (dir == &t->root || page)
				return -ENOENT;
			dir = dir->parent ? dir->parent : &t->root;
		} else if (!slash) { /* the last component */
			if (att) {
				if (!page ||
				    !(e = find_entry(page->att_names, page->natts, rel, len)))
					return -ENOENT;
				if (page->space != from->space)
					return -ENOENT;
				*a = page == from ? NULL : strdup(page->title);
				*b = strdup(e->node->title);
				return *b && (*a || page == from) ? 0 : -ENOMEM;
			}
			e = page ? NULL : find_entry(dir->names, dir->nnames, rel, len);
			if (!e || e->kind != CFS_PAGE_FILE || !e->node || e->node->synthetic)
				return -ENOENT;
			if (e->node->space != from->space &&
			    !(*a = strdup(t->spaces[e->node->space].key)))
				return -ENOMEM;
			*b = strdup(e->node->title);
			return *b ? 0 : -ENOMEM;
		} else {
			if (page || !(e = find_entry(dir->names, dir->nnames, rel, len)) ||
			    !e->node)
				return -ENOENT;
			if (e->kind == CFS_ATT_DIR)
				page = e->node;
			else if (e->kind == CFS_PAGE_DIR)
				dir = e->node;
			else
				return -ENOENT;
		}
		rel += len + (slash ? 1 : 0);
	}
	return -ENOENT;
}
