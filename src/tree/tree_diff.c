/* tree_diff: what a load changed — kernel invalidations and links made stale. */
#include "tree_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cfs_tree_changes_clear(struct cfs_tree_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int cfs_tree_changes_add(struct cfs_tree_changes *c, uint64_t parent, const char *name)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct cfs_tree_inval *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].parent = parent;
	c->v[c->n].name = name ? strdup(name) : NULL;
	if (name && !c->v[c->n].name)
		return -ENOMEM;
	c->n++;
	return 0;
}

static int cmp_triple(const void *a, const void *b)
{
	const struct cfs_tree_triple *x = a, *y = b;
	int c;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

void cfs_tree_triples_free(struct cfs_tree_triple *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

int cfs_tree_snapshot(struct cfs_tree *t, struct cfs_tree_triple **out, size_t *nout)
{
	size_t total = t->root.nnames, k = 0;
	struct cfs_tree_triple *v;

	for (size_t i = 0; i < t->n; i++)
		total += t->by_key[i]->nnames + t->by_key[i]->natts;
	v = calloc(total + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i <= t->n; i++) {
		struct cfs_node *d = i == t->n ? &t->root : t->by_key[i];
		uint64_t dino = d == &t->root ? CFS_ROOT_INO : d->key | CFS_PAGE_DIR;

		for (size_t j = 0; j < d->nnames + d->natts; j++) {
			const struct entry *e =
			    j < d->nnames ? &d->names[j] : &d->att_names[j - d->nnames];

			v[k].dir = j < d->nnames ? dino : d->key | CFS_ATT_DIR;
			v[k].ino = e->node->key | (uint64_t)e->kind;
			v[k].name = strdup(e->name);
			if (!v[k++].name) {
				cfs_tree_triples_free(v, k);
				return -ENOMEM;
			}
		}
	}
	qsort(v, k, sizeof(*v), cmp_triple);
	*out = v;
	*nout = k;
	return 0;
}

/* Entries that went away or changed, and the directories whose listing changed. */
int cfs_tree_diff(struct cfs_tree_triple *a, size_t na, struct cfs_tree_triple *b, size_t nb,
                  struct cfs_tree_changes *ch)
{
	size_t i = 0, j = 0;
	uint64_t last_dir = 0;
	int ret = 0;

	while (!ret && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : cmp_triple(&a[i], &b[j]);
		uint64_t dir;

		if (c == 0) {
			i++;
			j++;
			continue;
		}
		dir = c < 0 ? a[i].dir : b[j].dir;
		if (c < 0) {
			ret = cfs_tree_changes_add(ch, a[i].dir, a[i].name);
			i++;
		} else {
			j++;
		}
		if (!ret && dir != last_dir)
			ret = cfs_tree_changes_add(ch, dir, NULL);
		last_dir = dir;
	}
	return ret;
}

/* ---- links that a load makes stale ---- */

static int cmp_located(const void *a, const void *b)
{
	const struct cfs_tree_located *x = a, *y = b;

	if (x->title != y->title)
		return x->title < y->title ? -1 : 1;
	return x->path < y->path ? -1 : x->path > y->path;
}

static uint64_t path_key(const struct cfs_node *n)
{
	uint64_t h = 1469598103934665603ull;

	for (; n; n = n->parent) {
		for (const char *s = n->stem ? n->stem : ""; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ull;
		h = (h ^ '/') * 1099511628211ull;
	}
	return h;
}

/* Where every page and blog post of space s (or of every space:
 * CFS_TREE_ALL_SPACES) is now, sorted.  Lock held. */
int cfs_tree_locate(struct cfs_tree *t, size_t s, struct cfs_tree_located **out, size_t *nout)
{
	struct cfs_tree_located *v = malloc((t->n + 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct cfs_node *x = t->by_key[i];

		if (x->present && (s == CFS_TREE_ALL_SPACES || x->space == s) && !x->synthetic)
			v[n++] = (struct cfs_tree_located){cfs_tree_title_key(x->space, x->title),
			                                   path_key(x)};
	}
	qsort(v, n, sizeof(*v), cmp_located);
	*out = v;
	*nout = n;
	return 0;
}

static int cmp_key64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int links_hit(const struct cfs_node *x, const uint64_t *keys, size_t n)
{
	for (size_t i = 0; i < x->nlink_keys; i++)
		if (bsearch(&x->link_keys[i], keys, n, sizeof(*keys), cmp_key64))
			return 1;
	return 0;
}

/* Titles whose page appeared, went away, or moved between before and after
 * lose the Markdown of every page linking to them: the links are rendered
 * again on the next read.  Lock held. */
int cfs_tree_drop_stale_links(struct cfs_tree *t, const struct cfs_tree_located *a, size_t na,
                              const struct cfs_tree_located *b, size_t nb,
                              struct cfs_tree_changes *ch)
{
	uint64_t *keys = malloc((na + nb + 1) * sizeof(*keys));
	size_t i = 0, j = 0, n = 0;
	int ret;

	if (!keys)
		return -ENOMEM;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : cmp_located(&a[i], &b[j]);

		if (c == 0) {
			i++;
			j++;
		} else {
			keys[n++] = c < 0 ? a[i++].title : b[j++].title;
		}
	}
	ret = n ? cfs_tree_drop_linking(t, keys, n, ch) : 0;
	free(keys);
	return ret;
}

int cfs_tree_drop_linking(struct cfs_tree *t, uint64_t *keys, size_t n, struct cfs_tree_changes *ch)
{
	int ret = 0;

	qsort(keys, n, sizeof(*keys), cmp_key64);
	for (size_t k = 0; n && k < t->nall && !ret; k++) {
		struct cfs_node *x = t->all[k];

		if (!x->md || !x->nlink_keys || !links_hit(x, keys, n))
			continue;
		t->md_bytes -= x->md->len;
		cfs_blob_unref(x->md);
		x->md = NULL;
		x->md_on_disk = 0;
		if (ch && x->present)
			ret = cfs_tree_changes_add(ch, x->key | CFS_PAGE_FILE, NULL);
	}
	return ret;
}
