/* tree: the space as inodes and directories, names, metadata and rendered pages.
 *
 * DESIGN.  The tree is rebuilt from a full listing of the space (one or a
 * few requests of 250 pages), so every directory, name and link target is
 * known without a request per directory.  Nodes are keyed by page id and
 * never freed before the tree: a listing updates them in place, so inode
 * numbers, node pointers held by other threads and rendered pages of
 * unchanged versions all survive a refresh.
 *
 * Inode numbers are derived from the page id: (id << 2) | kind, kind 0 for
 * "<name>.md" and 1 for the directory "<name>/" (2 and 3 are reserved for
 * attachments).  They are therefore stable across remounts.  Ids too large
 * for that (never seen in practice) are hashed into the upper half.
 *
 * Lookups go through arrays sorted by key, by title, and per directory by
 * name (binary search); they are rebuilt by cfs_tree_load().
 *
 * Locking.  One rwlock: the load and cfs_tree_set_md() write, everything
 * else reads.  Conversion holds the read lock while links are resolved.
 */
#include "tree_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cfs_blob *cfs_blob_take(char *data, size_t len)
{
	struct cfs_blob *b = malloc(sizeof(*b));

	if (!b) {
		free(data);
		return NULL;
	}
	atomic_init(&b->ref, 1);
	b->len = len;
	b->data = data;
	return b;
}

struct cfs_blob *cfs_blob_ref(struct cfs_blob *b)
{
	if (b)
		atomic_fetch_add(&b->ref, 1);
	return b;
}

void cfs_blob_unref(struct cfs_blob *b)
{
	if (b && atomic_fetch_sub(&b->ref, 1) == 1) {
		free(b->data);
		free(b);
	}
}

/* The inode key of an id: (number << 2), where an attachment's "att123" counts
 * as 123; ids that are not such numbers are hashed into the upper half. */
uint64_t cfs_tree_key_of(const char *id)
{
	uint64_t h = 1469598103934665603ull;
	const char *s = strncmp(id, "att", 3) == 0 ? id + 3 : id;
	char *end;
	unsigned long long v;

	errno = 0;
	v = *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
	if (v > 0 && v < (1ull << 61) && !errno && *end == '\0')
		return (uint64_t)v << 2;
	for (s = id; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h | (1ull << 63)) & ~3ull;
}

int cfs_tree_cmp_key(const void *a, const void *b)
{
	const struct cfs_node *x = *(struct cfs_node *const *)a, *y = *(struct cfs_node *const *)b;
	return x->key < y->key ? -1 : x->key > y->key;
}

int cfs_tree_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_title(const void *a, const void *b)
{
	const struct cfs_node *x = *(struct cfs_node *const *)a, *y = *(struct cfs_node *const *)b;
	int c = strcmp(x->title, y->title);
	return c ? c : cfs_tree_cmp_key(a, b);
}

int cfs_tree_cmp_position(const void *a, const void *b)
{
	const struct cfs_node *x = *(struct cfs_node *const *)a, *y = *(struct cfs_node *const *)b;

	if (x->position != y->position)
		return x->position < y->position ? -1 : 1;
	return cmp_title(a, b);
}

int cfs_tree_cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

struct cfs_node *cfs_tree_find_key(struct cfs_node **v, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid]->key == key)
			return v[mid];
		if (v[mid]->key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Order of by_title: space, title, key. */
int cfs_tree_cmp_space_title(const void *a, const void *b)
{
	const struct cfs_node *x = *(struct cfs_node *const *)a, *y = *(struct cfs_node *const *)b;

	if (x->space != y->space)
		return x->space < y->space ? -1 : 1;
	return cmp_title(a, b);
}

struct cfs_node *cfs_tree_find_title(struct cfs_tree *t, size_t space, const char *title)
{
	size_t lo = 0, hi = t->ntitle;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cfs_node *m = t->by_title[mid];
		int c = m->space != space ? (m->space < space ? -1 : 1) : strcmp(m->title, title);

		if (c == 0) {
			/* Several pages may share a title; take the lowest key. */
			while (mid > 0 && t->by_title[mid - 1]->space == space &&
			       strcmp(t->by_title[mid - 1]->title, title) == 0)
				mid--;
			return t->by_title[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

long cfs_tree_space_by_key(struct cfs_tree *t, const char *key)
{
	for (size_t i = 0; i < t->nspaces; i++)
		if (strcmp(t->spaces[i].key, key) == 0)
			return (long)i;
	return -1;
}

int cfs_tree_new(const char *base_url, const struct cfs_space *spaces, size_t n, int multi,
                 struct cfs_tree **out)
{
	struct cfs_tree *t = calloc(1, sizeof(*t));
	int ret = -ENOMEM;

	if (!t)
		return -ENOMEM;
	pthread_rwlock_init(&t->lock, NULL);
	t->root.present = 1;
	t->multi = multi;
	if (!n || (!multi && n != 1)) {
		ret = -EINVAL;
		goto fail;
	}
	t->base_url = strdup(base_url);
	t->spaces = calloc(n, sizeof(*t->spaces));
	t->all = calloc(n, sizeof(*t->all));
	t->by_key = calloc(n, sizeof(*t->by_key));
	t->root.kids = calloc(n, sizeof(*t->root.kids));
	if (!t->base_url || !t->spaces || !t->all || !t->by_key || !t->root.kids)
		goto fail;
	t->nspaces = n;
	for (size_t i = 0; i < n; i++) {
		struct tspace *sp = &t->spaces[i];
		char *k = NULL;

		sp->id = strdup(spaces[i].id ? spaces[i].id : spaces[i].key);
		sp->key = strdup(spaces[i].key);
		sp->name = spaces[i].name ? strdup(spaces[i].name) : NULL;
		sp->created = spaces[i].created;
		if (!sp->id || !sp->key || (spaces[i].name && !sp->name))
			goto fail;
		sp->dir = &t->root;
		if (!multi)
			continue;
		if (asprintf(&k, "space:%s", sp->key) < 0 ||
		    !(sp->top = cfs_tree_synthetic_new(k, sp->key, i, &t->all, &t->nall))) {
			free(k);
			goto fail;
		}
		free(k);
		sp->dir = sp->top;
		t->by_key[t->n++] = sp->top;
		t->root.kids[t->root.nkids++] = sp->top;
	}
	/* With several spaces, a space's directory has the space's creation time
	 * and the root the newest of those, so they are the same on every mount,
	 * listed or not.  Where the site does not say (Data Center), the time of
	 * the mount until the space is listed. */
	t->root.mtime = (struct cfs_time){(int64_t)time(NULL), 0};
	if (multi) {
		int all_known = 1;

		for (size_t i = 0; i < n; i++) {
			struct tspace *sp = &t->spaces[i];

			sp->top->mtime = sp->created.sec ? sp->created : t->root.mtime;
			all_known &= sp->created.sec != 0;
		}
		if (all_known) {
			t->root.mtime = (struct cfs_time){0, 0};
			for (size_t i = 0; i < n; i++)
				if (t->spaces[i].created.sec > t->root.mtime.sec)
					t->root.mtime = t->spaces[i].created;
		}
	}
	qsort(t->by_key, t->n, sizeof(*t->by_key), cfs_tree_cmp_key);
	if (cfs_tree_index_dir(&t->root))
		goto fail;
	*out = t;
	return 0;
fail:
	cfs_tree_free(t);
	return ret;
}

size_t cfs_tree_nspaces(struct cfs_tree *t)
{
	return t->nspaces;
}

int cfs_tree_space(struct cfs_tree *t, size_t space, char **id, char **key, int *loaded)
{
	if (space >= t->nspaces)
		return -EINVAL;
	pthread_rwlock_rdlock(&t->lock);
	*loaded = t->spaces[space].loaded;
	if (id)
		*id = strdup(t->spaces[space].id);
	if (key)
		*key = strdup(t->spaces[space].key);
	pthread_rwlock_unlock(&t->lock);
	if ((!id || *id) && (!key || *key))
		return 0;
	if (id)
		free(*id);
	if (key)
		free(*key);
	return -ENOMEM;
}

long cfs_tree_space_of_dir(struct cfs_tree *t, uint64_t ino)
{
	if (!t->multi)
		return ino == CFS_ROOT_INO ? 0 : -1;
	for (size_t i = 0; i < t->nspaces; i++)
		if ((t->spaces[i].top->key | CFS_PAGE_DIR) == ino)
			return (long)i;
	return -1;
}

long cfs_tree_space_find(struct cfs_tree *t, const char *key, int *loaded)
{
	long i;

	pthread_rwlock_rdlock(&t->lock);
	i = cfs_tree_space_by_key(t, key);
	*loaded = i >= 0 && t->spaces[i].loaded;
	pthread_rwlock_unlock(&t->lock);
	return i;
}

static void node_free(struct cfs_node *n)
{
	free(n->id);
	free(n->title);
	free(n->parent_id);
	free(n->embed_url);
	free(n->webui);
	free(n->labels);
	free(n->stem); /* and md_name, in the same allocation */
	free(n->kids);
	free(n->names);
	free(n->atts);
	free(n->att_names);
	free(n->link_keys);
	cfs_blob_unref(n->md);
	free(n);
}

void cfs_tree_free(struct cfs_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nall; i++)
		node_free(t->all[i]);
	free(t->all);
	free(t->by_key);
	free(t->by_title);
	free(t->att_by_key);
	for (size_t i = 0; i < t->nusers; i++) {
		free(t->users[i].id);
		free(t->users[i].name);
	}
	free(t->users);
	for (size_t i = 0; i < t->ngone; i++)
		free(t->gone[i]);
	free(t->gone);
	free(t->root.kids);
	free(t->root.names);
	for (size_t i = 0; t->spaces && i < t->nspaces; i++) {
		free(t->spaces[i].id);
		free(t->spaces[i].key);
		free(t->spaces[i].name);
	}
	free(t->spaces);
	free(t->base_url);
	cfs_intern_free(&t->strs);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}
