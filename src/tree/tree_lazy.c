/* tree_lazy: what is known of a space before its full listing is in (docs/refresh.md,
 * "Before the listing"): which directory a waiting lookup or readdir needs, which of its
 * children still have to be asked for their own children (to know which are
 * directories), and putting what one job learnt into the tree.
 *
 * A partial listing goes through cfs_tree_load_as() like a full one, so names, sibling
 * collisions and inode numbers are worked out by the same code and a page keeps them
 * when the full listing replaces the partial knowledge.  The space's current partial
 * listing is exported, the directory's children go in front of it (the load keeps the
 * first of duplicates), and the whole is loaded as partial.  The caller (sync's lazy.c)
 * runs one at a time, so two directories learnt at once do not lose each other. */
#include "state.h"
#include "tree_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cfs_tree_dir_wanted(struct cfs_tree *t, uint64_t ino, size_t *space, char **id, char **type)
{
	struct cfs_node *n;
	enum cfs_tree_kind kind;
	int ret;

	*id = *type = NULL;
	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_tree_resolve(t, ino, &n, &kind);
	if (ret == 0 && (kind == CFS_PAGE_DIR || kind == CFS_ROOT_DIR) && cfs_tree_unloaded(t, n)) {
		ret = 1;
		*space = kind == CFS_ROOT_DIR ? 0 : n->space;
		if (n->lazy &&
		    (!(*id = strdup(n->id)) || !(*type = strdup(cfs_tree_ctype_name(n->ctype))))) {
			free(*id);
			*id = NULL;
			ret = -ENOMEM;
		}
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

int cfs_tree_unprobed(struct cfs_tree *t, size_t space, const char *dir_id,
                      struct cfs_page_list *out)
{
	struct cfs_node *dir;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (space >= t->nspaces)
		return -EINVAL;
	pthread_rwlock_rdlock(&t->lock);
	dir = dir_id ? cfs_tree_find_key(t->by_key, t->n, cfs_tree_key_of(dir_id))
	             : t->spaces[space].dir;
	if (!dir || !dir->present || !dir->listed)
		goto out;
	ret = 1;
	if (!(out->v = calloc(dir->nkids + 1, sizeof(*out->v)))) {
		ret = -ENOMEM;
		goto out;
	}
	out->cap = dir->nkids + 1;
	for (size_t i = 0; i < dir->nkids; i++) {
		struct cfs_node *k = dir->kids[i];
		struct cfs_page *p = &out->v[out->n];

		if (!k->lazy || k->listed)
			continue;
		out->n++;
		if (!(p->id = strdup(k->id)) ||
		    !(p->type = strdup(cfs_tree_ctype_name((enum cfs_tree_ctype)k->ctype)))) {
			ret = -ENOMEM;
			break;
		}
	}
out:
	pthread_rwlock_unlock(&t->lock);
	if (ret < 0)
		cfs_model_page_list_clear(out);
	return ret;
}

int cfs_tree_learn(struct cfs_tree *t, size_t space, const char *dir_id, struct cfs_page_list *kids,
                   char *const *listed, size_t nlisted)
{
	struct cfs_sync_listing known;
	struct cfs_page_list all = {0};
	uint64_t *keys = calloc(nlisted + 1, sizeof(*keys));
	struct cfs_tree_partial part = {.top = !dir_id,
	                                .dir = dir_id ? cfs_tree_key_of(dir_id) : 0,
	                                .listed = keys,
	                                .nlisted = nlisted};
	int ret = keys ? cfs_tree_export(t, space, &known) : -ENOMEM;

	if (ret) {
		free(keys);
		return ret;
	}
	for (size_t i = 0; i < nlisted; i++)
		keys[i] = cfs_tree_key_of(listed[i]);
	qsort(keys, nlisted, sizeof(*keys), cfs_tree_cmp_u64);
	all.cap = kids->n + known.pages.n + 1;
	if (!(all.v = calloc(all.cap, sizeof(*all.v)))) {
		free(keys);
		cfs_sync_listing_clear(&known);
		return -ENOMEM;
	}
	/* The children first: where the export has them too, the load keeps these. */
	if (kids->n)
		memcpy(all.v, kids->v, kids->n * sizeof(*all.v));
	all.n = kids->n;
	kids->n = 0;
	if (known.pages.n)
		memcpy(all.v + all.n, known.pages.v, known.pages.n * sizeof(*all.v));
	all.n += known.pages.n;
	known.pages.n = 0;
	ret = cfs_tree_load_as(t, space, &all, NULL, NULL, &part);
	free(keys);
	cfs_model_page_list_clear(&all);
	cfs_sync_listing_clear(&known);
	return ret;
}

void cfs_tree_learn_version(struct cfs_tree *t, struct cfs_node *n, const struct cfs_page *p)
{
	if (!n || p->version <= 0)
		return;
	pthread_rwlock_wrlock(&t->lock);
	if (n->version == 0) {
		n->version = p->version;
		n->mtime = p->mtime;
		if (!n->created.sec)
			n->created = p->created;
		if (p->author_id && !n->author_id)
			cfs_tree_set_interned(t, &n->author_id, p->author_id); /* best effort */
	}
	pthread_rwlock_unlock(&t->lock);
}
