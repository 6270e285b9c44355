/* tree_shape: what the write path needs to know to create, move and trash
 * pages and folders (docs/shape.md). */
#include "tree_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cfs_tree_shape_of(struct cfs_tree *t, uint64_t dir, struct cfs_tree_place *out)
{
	struct cfs_node *n;
	enum cfs_tree_kind kind;
	long sp = cfs_tree_space_of_dir(t, dir);
	int ret = 0;

	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&t->lock);
	if (sp >= 0) {
		out->space = (size_t)sp;
		out->node = t->spaces[sp].dir;
		goto done;
	}
	ret = cfs_tree_resolve(t, dir, &n, &kind);
	if (ret == 0 && kind != CFS_PAGE_DIR)
		ret = kind == CFS_ATT_DIR ? -EACCES : -ENOTDIR;
	if (ret == 0 && (n->synthetic || !n->id || n->is_blog))
		ret = -EACCES; /* _blog/2024/, ...: nothing is created there */
	if (ret == 0) {
		out->space = n->space;
		out->node = n;
		out->folder = n->ctype == CFS_CT_FOLDER;
		if (!(out->parent_id = strdup(n->id)))
			ret = -ENOMEM;
	}
done:
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

void cfs_tree_keep_dir(struct cfs_tree *t, struct cfs_node *n, int on)
{
	pthread_rwlock_wrlock(&t->lock);
	if (!n->synthetic && !n->is_att) {
		if (on == 2) {
			n->keep_atts = 1;
		} else if (on == 3) {
			n->keep_dir = 1;
			n->hide_file_v = n->version;
		} else {
			n->keep_dir = on;
			n->hide_file_v = 0;
		}
	}
	pthread_rwlock_unlock(&t->lock);
}

uint64_t cfs_tree_att_dir(struct cfs_tree *t, struct cfs_node *att)
{
	uint64_t ino = 0;

	pthread_rwlock_rdlock(&t->lock);
	if (att->is_att && att->parent)
		ino = att->parent->key | CFS_ATT_DIR;
	pthread_rwlock_unlock(&t->lock);
	return ino;
}

int cfs_tree_top_page(struct cfs_tree *t, size_t space, const char *not_id, char **id)
{
	int ret = -ENOENT;

	*id = NULL;
	pthread_rwlock_rdlock(&t->lock);
	for (size_t i = 0; i < t->n && ret == -ENOENT; i++) {
		struct cfs_node *n = t->by_key[i];

		if (n->present && !n->synthetic && n->space == space && !n->is_blog && n->id &&
		    n->ctype == CFS_CT_PAGE && !n->parent_id && (!not_id || strcmp(n->id, not_id)))
			ret = (*id = strdup(n->id)) ? 0 : -ENOMEM;
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

int cfs_tree_stand_in(struct cfs_tree *t, struct cfs_node *n)
{
	int hit;

	pthread_rwlock_rdlock(&t->lock);
	hit = n->hide_file_v && n->version == n->hide_file_v;
	pthread_rwlock_unlock(&t->lock);
	return hit;
}
