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
#include "convert.h"
#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static uint64_t key_of(const char *id)
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

static int cmp_key(const void *a, const void *b)
{
	const struct cfs_node *x = *(struct cfs_node *const *)a, *y = *(struct cfs_node *const *)b;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_title(const void *a, const void *b)
{
	const struct cfs_node *x = *(struct cfs_node *const *)a, *y = *(struct cfs_node *const *)b;
	int c = strcmp(x->title, y->title);
	return c ? c : cmp_key(a, b);
}

static int cmp_position(const void *a, const void *b)
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

struct cfs_node *cfs_tree_find_title(struct cfs_tree *t, const char *title)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->by_title[mid]->title, title);
		if (c == 0) {
			/* Several pages may share a title; take the lowest key. */
			while (mid > 0 && strcmp(t->by_title[mid - 1]->title, title) == 0)
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

int cfs_tree_new(const char *space_key, const char *base_url, struct cfs_tree **out)
{
	struct cfs_tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->space_key = strdup(space_key);
	t->base_url = strdup(base_url);
	if (!t->space_key || !t->base_url) {
		free(t->space_key);
		free(t->base_url);
		free(t);
		return -ENOMEM;
	}
	pthread_rwlock_init(&t->lock, NULL);
	t->root.present = 1;
	*out = t;
	return 0;
}

static void node_free(struct cfs_node *n)
{
	free(n->id);
	free(n->title);
	free(n->parent_id);
	free(n->webui);
	free(n->author_id);
	free(n->labels);
	free(n->stem);
	free(n->md_name);
	free(n->kids);
	free(n->names);
	free(n->atts);
	free(n->att_names);
	free(n->media_type);
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
	free(t->root.kids);
	free(t->root.names);
	free(t->space_key);
	free(t->base_url);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

static int set_str(char **dst, const char *src)
{
	char *s = src ? strdup(src) : NULL;

	if (src && !s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* Copy a listed page into its node. */
static int node_update(struct cfs_node *n, const struct cfs_page *p)
{
	if (set_str(&n->title, p->title) || set_str(&n->parent_id, p->parent_id) ||
	    set_str(&n->webui, p->webui) || set_str(&n->author_id, p->author_id))
		return -ENOMEM;
	n->created = p->created;
	if (!n->id && set_str(&n->id, p->id))
		return -ENOMEM;
	n->idnum = p->idnum;
	n->position = p->position;
	n->version = p->version;
	n->mtime = p->mtime;
	n->present = 1;
	return 0;
}

/* Name a directory's kids and build its sorted name index. */
/* Give siblings their names (into each node's stem), by the rules of names.c. */
static int name_nodes(struct cfs_node **v, size_t n, enum cfs_names_kind kind)
{
	struct cfs_names_entry *ne = n ? calloc(n, sizeof(*ne)) : NULL;
	int ret = -ENOMEM;

	if (!n)
		return 0;
	if (!ne)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ne[i].title = v[i]->title;
		ne[i].id = v[i]->idnum;
	}
	if (cfs_names_assign(ne, n, kind) == 0) {
		for (size_t i = 0; i < n; i++) {
			free(v[i]->stem);
			v[i]->stem = ne[i].name;
		}
		ret = 0;
	}
	free(ne);
	return ret;
}

/* Name a directory's kids and build its sorted name index. */
static int index_dir(struct cfs_node *dir)
{
	size_t k = 0;

	free(dir->names);
	dir->names = NULL;
	dir->nnames = 0;
	dir->ndirs = 0;
	if (!dir->nkids && !dir->natts)
		return 0;
	dir->names = calloc(dir->nkids * 2 + 1, sizeof(*dir->names));
	if (!dir->names || name_nodes(dir->kids, dir->nkids, CFS_NAMES_PAGES))
		return -ENOMEM;
	for (size_t i = 0; i < dir->nkids; i++) {
		struct cfs_node *kid = dir->kids[i];

		free(kid->md_name);
		if (asprintf(&kid->md_name, "%s.md", kid->stem) < 0) {
			kid->md_name = NULL;
			return -ENOMEM;
		}
		dir->names[k++] = (struct entry){kid->md_name, kid, CFS_PAGE_FILE};
		if (cfs_tree_has_dir(kid)) {
			dir->names[k++] = (struct entry){kid->stem, kid, CFS_PAGE_DIR};
			dir->ndirs++;
		}
	}
	if (dir->natts)
		dir->names[k++] = (struct entry){ATTACHMENTS_DIR, dir, CFS_ATT_DIR};
	qsort(dir->names, k, sizeof(*dir->names), cfs_tree_cmp_entry);
	dir->nnames = k;
	return 0;
}

/* Is n's parent chain free of cycles?  (Bad data must not loop us forever.) */
static int chain_ok(struct cfs_node *n, size_t limit)
{
	for (struct cfs_node *p = n->parent; p; p = p->parent)
		if (p == n || limit-- == 0)
			return 0;
	return 1;
}

void cfs_tree_changes_clear(struct cfs_tree_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int changes_add(struct cfs_tree_changes *c, uint64_t parent, const char *name)
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

/* Every (directory, name) -> inode the tree has, sorted; for diffing loads. */
struct triple {
	uint64_t dir, ino;
	char *name;
};

static int cmp_triple(const void *a, const void *b)
{
	const struct triple *x = a, *y = b;
	int c;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void triples_free(struct triple *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

static int snapshot(struct cfs_tree *t, struct triple **out, size_t *nout)
{
	size_t total = t->root.nnames, k = 0;
	struct triple *v;

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
				triples_free(v, k);
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
static int diff(struct triple *a, size_t na, struct triple *b, size_t nb,
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
			ret = changes_add(ch, a[i].dir, a[i].name);
			i++;
		} else {
			j++;
		}
		if (!ret && dir != last_dir)
			ret = changes_add(ch, dir, NULL);
		last_dir = dir;
	}
	return ret;
}

/* Copy a listed attachment into its node. */
static int att_update(struct cfs_node *n, const struct cfs_attachment *a, struct cfs_node *page)
{
	if (set_str(&n->title, a->title) || set_str(&n->media_type, a->media_type) ||
	    set_str(&n->webui, a->download))
		return -ENOMEM;
	if (!n->id && set_str(&n->id, a->id))
		return -ENOMEM;
	n->is_att = 1;
	n->idnum = n->key >> 2;
	n->size = a->size < 0 ? 0 : a->size;
	n->version = a->version;
	n->mtime = a->mtime;
	n->parent = page;
	n->present = 1;
	return 0;
}

/* Name a page's attachments and build its sorted index of them. */
static int index_atts(struct cfs_node *page)
{
	free(page->att_names);
	page->att_names = NULL;
	if (!page->natts)
		return 0;
	page->att_names = calloc(page->natts, sizeof(*page->att_names));
	if (!page->att_names || name_nodes(page->atts, page->natts, CFS_NAMES_FILES))
		return -ENOMEM;
	for (size_t i = 0; i < page->natts; i++)
		page->att_names[i] =
		    (struct entry){page->atts[i]->stem, page->atts[i], CFS_ATT_FILE};
	qsort(page->att_names, page->natts, sizeof(*page->att_names), cfs_tree_cmp_entry);
	return 0;
}

/* Keep the first of each run of equal keys in a sorted array; the others
 * are marked absent.  Returns the new length. */
static size_t dedupe(struct cfs_node **v, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		if (w && v[w - 1]->key == v[i]->key)
			v[i]->present = 0;
		else
			v[w++] = v[i];
	}
	return w;
}

int cfs_tree_load(struct cfs_tree *t, const struct cfs_page_list *pages,
                  const struct cfs_attachment_list *atts, struct cfs_tree_changes *changes)
{
	static const struct cfs_attachment_list none;
	struct cfs_node **by_key = NULL, **by_title = NULL, **all = NULL, **att_by_key = NULL;
	struct triple *before = NULL, *after = NULL;
	size_t nall = t->nall, n = 0, na = 0, nbefore = 0, nafter = 0;
	int ret = -ENOMEM;

	if (!atts)
		atts = &none;
	pthread_rwlock_wrlock(&t->lock);
	if (changes && snapshot(t, &before, &nbefore))
		goto fail;
	by_key = calloc(pages->n + 1, sizeof(*by_key));
	by_title = calloc(pages->n + 1, sizeof(*by_title));
	att_by_key = calloc(atts->n + 1, sizeof(*att_by_key));
	all = malloc((t->nall + pages->n + atts->n + 1) * sizeof(*all));
	if (!by_key || !by_title || !att_by_key || !all)
		goto fail;
	if (t->nall)
		memcpy(all, t->all, t->nall * sizeof(*all));
	for (size_t i = 0; i < nall; i++) {
		all[i]->present = 0;
		all[i]->nkids = 0;
		all[i]->natts = 0;
		all[i]->parent = all[i]->is_att ? all[i]->parent : NULL;
	}

	/* Pages: an existing node is found among the previous listing's. */
	for (size_t i = 0; i < pages->n; i++) {
		const struct cfs_page *p = &pages->v[i];
		uint64_t key = key_of(p->id);
		struct cfs_node *node = cfs_tree_find_key(t->by_key, t->n, key);

		if (p->type && strcmp(p->type, "page") != 0)
			continue;
		if (node && node->present)
			continue; /* a duplicate in the listing */
		if (!node) {
			node = calloc(1, sizeof(*node));
			if (!node)
				goto fail;
			node->key = key;
			all[nall++] = node;
		} else if (changes && node->version != p->version &&
		           changes_add(changes, node->key | CFS_PAGE_FILE, NULL)) {
			goto fail;
		}
		if (node_update(node, p))
			goto fail;
		if (node->md && node->md_version < node->version) {
			t->md_bytes -= node->md->len;
			cfs_blob_unref(node->md);
			node->md = NULL;
		}
		by_key[n++] = node;
	}
	if (n)
		qsort(by_key, n, sizeof(*by_key), cmp_key);
	n = dedupe(by_key, n);
	if (n) {
		memcpy(by_title, by_key, n * sizeof(*by_title));
		qsort(by_title, n, sizeof(*by_title), cmp_title);
	}

	/* Parents; broken chains end at the root. */
	t->root.nkids = 0;
	for (size_t i = 0; i < n; i++)
		if (by_key[i]->parent_id)
			by_key[i]->parent =
			    cfs_tree_find_key(by_key, n, key_of(by_key[i]->parent_id));
	for (size_t i = 0; i < n; i++)
		if (by_key[i]->parent && !chain_ok(by_key[i], n))
			by_key[i]->parent = NULL;

	/* Attachments of the pages we have. */
	for (size_t i = 0; i < atts->n; i++) {
		const struct cfs_attachment *a = &atts->v[i];
		struct cfs_node *page, *node;
		uint64_t key;

		if (!a->page_id || !(page = cfs_tree_find_key(by_key, n, key_of(a->page_id))))
			continue;
		key = key_of(a->id);
		node = cfs_tree_find_key(t->att_by_key, t->natt, key);
		if (node && node->present)
			continue;
		if (!node) {
			node = calloc(1, sizeof(*node));
			if (!node)
				goto fail;
			node->key = key;
			all[nall++] = node;
		} else if (changes && (node->version != a->version || node->parent != page) &&
		           changes_add(changes, node->key | CFS_ATT_FILE, NULL)) {
			goto fail;
		}
		if (att_update(node, a, page))
			goto fail;
		att_by_key[na++] = node;
	}
	if (na)
		qsort(att_by_key, na, sizeof(*att_by_key), cmp_key);
	na = dedupe(att_by_key, na);
	for (size_t i = 0; i < na; i++)
		att_by_key[i]->parent->natts++;

	/* Arrays of kids and attachments, filled in order. */
	for (size_t i = 0; i < n; i++) {
		struct cfs_node *p = by_key[i]->parent ? by_key[i]->parent : &t->root;
		p->nkids++;
	}
	for (size_t i = 0; i < nall; i++) {
		struct cfs_node *x = all[i];

		free(x->kids);
		free(x->atts);
		x->kids = NULL;
		x->atts = NULL;
		if (!x->present || x->is_att) {
			free(x->names);
			free(x->att_names);
			x->names = x->att_names = NULL;
			x->nnames = x->ndirs = 0;
			continue;
		}
		if ((x->nkids && !(x->kids = calloc(x->nkids, sizeof(*x->kids)))) ||
		    (x->natts && !(x->atts = calloc(x->natts, sizeof(*x->atts)))))
			goto fail;
		x->nkids = 0;
		x->natts = 0;
	}
	free(t->root.kids);
	t->root.kids = t->root.nkids ? calloc(t->root.nkids, sizeof(*t->root.kids)) : NULL;
	if (t->root.nkids && !t->root.kids)
		goto fail;
	t->root.nkids = 0;
	t->root.mtime = (struct cfs_time){0, 0};
	for (size_t i = 0; i < n; i++) {
		struct cfs_node *c = by_key[i];
		struct cfs_node *p = c->parent ? c->parent : &t->root;

		p->kids[p->nkids++] = c;
		if (c->mtime.sec > t->root.mtime.sec)
			t->root.mtime = c->mtime;
	}
	for (size_t i = 0; i < na; i++) {
		struct cfs_node *p = att_by_key[i]->parent;
		p->atts[p->natts++] = att_by_key[i];
	}

	/* Names, children before parents is not needed: a page's entries only
	 * depend on whether its kids have kids or attachments. */
	for (size_t i = 0; i < n; i++) {
		if (by_key[i]->nkids)
			qsort(by_key[i]->kids, by_key[i]->nkids, sizeof(struct cfs_node *),
			      cmp_position);
		if (index_atts(by_key[i]) || index_dir(by_key[i]))
			goto fail;
	}
	if (t->root.nkids)
		qsort(t->root.kids, t->root.nkids, sizeof(struct cfs_node *), cmp_position);
	if (index_dir(&t->root))
		goto fail;

	free(t->all);
	free(t->by_key);
	free(t->by_title);
	free(t->att_by_key);
	t->all = all;
	t->nall = nall;
	t->by_key = by_key;
	t->by_title = by_title;
	t->n = n;
	t->att_by_key = att_by_key;
	t->natt = na;
	ret = 0;
	if (changes &&
	    (snapshot(t, &after, &nafter) || diff(before, nbefore, after, nafter, changes)))
		ret = -ENOMEM;
	pthread_rwlock_unlock(&t->lock);
	triples_free(before, nbefore);
	triples_free(after, nafter);
	return ret;
fail:
	triples_free(before, nbefore);
	/* Out of memory half-way: keep every node owned so it is freed with the
	 * tree; the tree may be partly updated.  Report the failure. */
	if (all && nall > t->nall) {
		free(t->all);
		t->all = all;
		t->nall = nall;
		all = NULL;
	}
	free(all);
	free(by_key);
	free(by_title);
	free(att_by_key);
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

int cfs_tree_set_labels(struct cfs_tree *t, const struct cfs_page_list *pages,
                        struct cfs_tree_changes *changes)
{
	int ret = 0;

	pthread_rwlock_wrlock(&t->lock);
	for (size_t i = 0; i < pages->n && !ret; i++) {
		struct cfs_node *n;

		if (!pages->v[i].labels)
			continue;
		n = cfs_tree_find_key(t->by_key, t->n, key_of(pages->v[i].id));
		if (!n || (n->labels && strcmp(n->labels, pages->v[i].labels) == 0))
			continue;
		/* With front matter the labels are part of the page's bytes. */
		if (n->labels && t->front_matter && n->md) {
			t->md_bytes -= n->md->len;
			cfs_blob_unref(n->md);
			n->md = NULL;
			if (changes)
				ret = changes_add(changes, n->key | CFS_PAGE_FILE, NULL);
		}
		if (!ret)
			ret = set_str(&n->labels, pages->v[i].labels);
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}
