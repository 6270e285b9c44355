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

/* Order of by_title: space, title, key. */
static int cmp_space_title(const void *a, const void *b)
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

static int index_dir(struct cfs_node *dir);

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
	qsort(t->by_key, t->n, sizeof(*t->by_key), cmp_key);
	if (index_dir(&t->root))
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
static int node_update(struct cfs_tree *t, struct cfs_node *n, const struct cfs_page *p)
{
	if (set_str(&n->title, p->title) || set_str(&n->parent_id, p->parent_id) ||
	    cfs_tree_set_interned(t, &n->parent_type, p->parent_type) ||
	    set_str(&n->embed_url, p->embed_url) || set_str(&n->webui, p->webui) ||
	    cfs_tree_set_interned(t, &n->author_id, p->author_id))
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
			v[i]->md_name = NULL; /* it was in the old stem's allocation */
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
	if (!dir->nkids && !dir->natts && !dir->keep_atts)
		return 0;
	dir->names = calloc(dir->nkids * 2 + 1, sizeof(*dir->names));
	if (!dir->names || name_nodes(dir->kids, dir->nkids, CFS_NAMES_PAGES))
		return -ENOMEM;
	for (size_t i = 0; i < dir->nkids; i++) {
		struct cfs_node *kid = dir->kids[i];

		if (kid->synthetic || kid->ctype == CFS_CT_FOLDER) {
			/* A made-up directory keeps its name; a folder has no file. */
			if (kid->synthetic) {
				free(kid->stem);
				kid->md_name = NULL;
				if (!(kid->stem = strdup(kid->title)))
					return -ENOMEM;
			}
			dir->names[k++] = (struct entry){kid->stem, kid, CFS_PAGE_DIR};
			dir->ndirs++;
			continue;
		}
		if (cfs_tree_stem_md(kid))
			return -ENOMEM;
		if (!kid->hide_file_v || kid->version != kid->hide_file_v)
			dir->names[k++] = (struct entry){kid->md_name, kid, CFS_PAGE_FILE};
		if (cfs_tree_has_dir(kid)) {
			dir->names[k++] = (struct entry){kid->stem, kid, CFS_PAGE_DIR};
			dir->ndirs++;
		}
	}
	if (dir->natts || dir->keep_atts)
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

/* Copy a listed attachment into its node. */
static int att_update(struct cfs_tree *t, struct cfs_node *n, const struct cfs_attachment *a,
                      struct cfs_node *page)
{
	if (set_str(&n->title, a->title) ||
	    cfs_tree_set_interned(t, &n->media_type, a->media_type) ||
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

/* A new node with this key, owned by l->all; NULL on ENOMEM. */
static struct cfs_node *node_new(struct cfs_tree_load *l, uint64_t key)
{
	struct cfs_node *n = calloc(1, sizeof(*n));

	if (n) {
		n->key = key;
		l->all[l->nall++] = n;
	}
	return n;
}

/* Does node x belong to the part of the tree a load of space s rebuilds? */
static int in_load(const struct cfs_tree *t, size_t s, const struct cfs_node *x)
{
	return x->space == s && x != t->spaces[s].top;
}

int cfs_tree_load(struct cfs_tree *t, size_t space, const struct cfs_page_list *pages,
                  const struct cfs_attachment_list *atts, struct cfs_tree_changes *changes)
{
	return cfs_tree_load_as(t, space, pages, atts, changes, 0, 0);
}

int cfs_tree_load_as(struct cfs_tree *t, size_t space, const struct cfs_page_list *pages,
                     const struct cfs_attachment_list *atts, struct cfs_tree_changes *changes,
                     int partial, uint64_t listed)
{
	static const struct cfs_attachment_list none;
	struct cfs_tree_load l = {.t = t, .s = space};
	struct cfs_node **by_title = NULL, **att_by_key = NULL, *sdir;
	int keep_time;
	struct cfs_tree_triple *before = NULL, *after = NULL;
	struct cfs_tree_located *was = NULL, *now = NULL;
	uint64_t *bumped = NULL; /* include keys of pages with a new version */
	size_t nbumped = 0, nkeep, na = 0, ntitle = 0, nbefore = 0, nafter = 0, nblog = 0, nwas = 0,
	       nnow = 0;
	int ret = -ENOMEM;

	if (!atts)
		atts = &none;
	if (space >= t->nspaces)
		return -EINVAL;
	pthread_rwlock_wrlock(&t->lock);
	sdir = t->spaces[space].dir;
	if (partial && t->spaces[space].loaded) {
		pthread_rwlock_unlock(&t->lock);
		return 0;
	}
	if (!partial)
		sdir->listed = 0;
	else if (!listed)
		sdir->listed = 1;
	if (changes && cfs_tree_snapshot(t, &before, &nbefore))
		goto fail;
	if (t->md_bytes && cfs_tree_locate(t, space, &was, &nwas))
		goto fail;
	l.by_key = calloc(t->n + 3 * pages->n + 2, sizeof(*l.by_key));
	l.syn = calloc(2 * pages->n + 2, sizeof(*l.syn));
	att_by_key = calloc(t->natt + atts->n + 1, sizeof(*att_by_key));
	l.all = malloc((t->nall + 3 * pages->n + atts->n + 2) * sizeof(*l.all));
	bumped = malloc((pages->n + 1) * sizeof(*bumped));
	if (!l.by_key || !l.syn || !att_by_key || !l.all || !bumped)
		goto fail;
	if (t->nall)
		memcpy(l.all, t->all, t->nall * sizeof(*l.all));
	l.nall = t->nall;
	for (size_t i = 0; i < l.nall; i++) {
		struct cfs_node *x = l.all[i];

		if (!in_load(t, space, x))
			continue;
		x->present = 0;
		if (!partial)
			x->lazy = x->listed = 0;
		x->nkids = 0;
		x->natts = 0;
		x->parent = x->is_att ? x->parent : NULL;
	}
	sdir->nkids = 0;
	/* What the other spaces have stays. */
	for (size_t i = 0; i < t->n; i++)
		if (t->by_key[i]->present)
			l.by_key[l.n++] = t->by_key[i];
	for (size_t i = 0; i < t->natt; i++)
		if (t->att_by_key[i]->present)
			att_by_key[na++] = t->att_by_key[i];
	nkeep = l.n;

	/* Pages and blog posts: an existing node is found among the previous listing's. */
	for (size_t i = 0; i < pages->n; i++) {
		const struct cfs_page *p = &pages->v[i];
		uint64_t key = cfs_tree_key_of(p->id);
		struct cfs_node *node = cfs_tree_find_key(t->by_key, t->n, key);
		int blog = p->type && strcmp(p->type, "blogpost") == 0;
		int ctype = cfs_tree_ctype_of(p->type);

		if (ctype < 0)
			continue;
		if (node && (node->present || node->synthetic))
			continue; /* a duplicate in the listing, or in another space */
		if (!node) {
			if (!(node = node_new(&l, key)))
				goto fail;
		} else if (changes && node->version != p->version &&
		           cfs_tree_changes_add(changes, node->key | CFS_PAGE_FILE, NULL)) {
			goto fail;
		}
		if (node->version && node->version != p->version && p->title)
			bumped[nbumped++] = cfs_tree_include_key(space, p->title);
		if (node_update(t, node, p))
			goto fail;
		node->space = space;
		node->is_blog = blog;
		node->ctype = (enum cfs_tree_ctype)ctype;
		node->lazy = partial && !blog;
		if (partial && listed && node->key == listed)
			node->listed = 1;
		nblog += (size_t)blog;
		if (node->md && node->md_version < node->version) {
			t->md_bytes -= node->md->len;
			cfs_blob_unref(node->md);
			node->md = NULL;
			node->md_on_disk = 0;
		}
		if (cfs_tree_stub_render(t, node))
			goto fail;
		l.by_key[l.n++] = node;
	}
	for (size_t i = nkeep, end = l.n; nblog && i < end; i++)
		if (l.by_key[i]->is_blog && cfs_tree_place_blog(&l, l.by_key[i]))
			goto fail;
	if (l.n)
		qsort(l.by_key, l.n, sizeof(*l.by_key), cmp_key);
	l.n = dedupe(l.by_key, l.n);
	by_title = calloc(l.n + 1, sizeof(*by_title));
	if (!by_title)
		goto fail;
	for (size_t i = 0; i < l.n; i++)
		if (!l.by_key[i]->synthetic && !l.by_key[i]->is_blog && !l.by_key[i]->ctype)
			by_title[ntitle++] = l.by_key[i];
	if (ntitle)
		qsort(by_title, ntitle, sizeof(*by_title), cmp_space_title);

	/* Parents (in the same space); broken chains end at the space's top. */
	for (size_t i = 0; i < l.n; i++) {
		struct cfs_node *x = l.by_key[i], *p;

		if (!in_load(t, space, x) || x->synthetic || x->is_blog)
			continue;
		p = x->parent_id ? cfs_tree_find_key(l.by_key, l.n, cfs_tree_key_of(x->parent_id))
		                 : NULL;
		x->parent = p && p->space == space && !p->synthetic && !p->is_blog
		                ? p
		                : t->spaces[space].top;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct cfs_node *x = l.by_key[i];

		if (in_load(t, space, x) && !x->synthetic && !x->is_blog && x->parent &&
		    !chain_ok(x, l.n + 1))
			x->parent = t->spaces[space].top;
	}

	/* Attachments of the pages and blog posts we have. */
	nkeep = na;
	for (size_t i = 0; i < atts->n; i++) {
		const struct cfs_attachment *a = &atts->v[i];
		struct cfs_node *page, *node;
		uint64_t key;

		if (!a->page_id ||
		    !(page = cfs_tree_find_key(l.by_key, l.n, cfs_tree_key_of(a->page_id))) ||
		    page->space != space || page->synthetic || page->ctype ||
		    page == t->spaces[space].top)
			continue;
		key = cfs_tree_key_of(a->id);
		node = cfs_tree_find_key(t->att_by_key, t->natt, key);
		if (node && node->present)
			continue;
		if (!node) {
			if (!(node = node_new(&l, key)))
				goto fail;
		} else if (changes && (node->version != a->version || node->parent != page) &&
		           cfs_tree_changes_add(changes, node->key | CFS_ATT_FILE, NULL)) {
			goto fail;
		}
		if (att_update(t, node, a, page))
			goto fail;
		node->space = space;
		att_by_key[na++] = node;
	}
	if (na)
		qsort(att_by_key, na, sizeof(*att_by_key), cmp_key);
	na = dedupe(att_by_key, na);
	for (size_t i = 0; i < na; i++)
		if (att_by_key[i]->space == space)
			att_by_key[i]->parent->natts++;

	/* Arrays of kids and attachments, filled in order. */
	for (size_t i = 0; i < l.n; i++) {
		struct cfs_node *x = l.by_key[i];

		if (in_load(t, space, x))
			(x->parent ? x->parent : sdir)->nkids++;
	}
	for (size_t i = 0; i <= l.nall; i++) {
		struct cfs_node *x = i == l.nall ? sdir : l.all[i];

		if ((x == sdir) != (i == l.nall) || (x != sdir && !in_load(t, space, x)))
			continue;
		free(x->kids);
		x->kids = NULL;
		if (x != sdir) {
			free(x->atts);
			x->atts = NULL;
		}
		if (!x->present || x->is_att) {
			free(x->names);
			free(x->att_names);
			x->names = x->att_names = NULL;
			x->nnames = x->ndirs = 0;
			continue;
		}
		if ((x->nkids && !(x->kids = calloc(x->nkids, sizeof(*x->kids)))) ||
		    (x != sdir && x->natts && !(x->atts = calloc(x->natts, sizeof(*x->atts)))))
			goto fail;
		x->nkids = 0;
		if (x != sdir)
			x->natts = 0;
	}
	/* A space directory whose space has a creation time keeps it (see
	 * cfs_tree_new); otherwise it is as new as its newest top-level entry. */
	keep_time = t->multi && t->spaces[space].created.sec;
	if (!keep_time)
		sdir->mtime = (struct cfs_time){0, 0};
	for (size_t i = 0; i < l.n; i++) {
		struct cfs_node *c = l.by_key[i];
		struct cfs_node *p = c->parent ? c->parent : sdir;

		if (!in_load(t, space, c))
			continue;
		p->kids[p->nkids++] = c;
		if (p == sdir && !keep_time && c->mtime.sec > sdir->mtime.sec)
			sdir->mtime = c->mtime;
	}
	for (size_t i = 0; i < na; i++) {
		struct cfs_node *p = att_by_key[i]->parent;

		if (att_by_key[i]->space == space)
			p->atts[p->natts++] = att_by_key[i];
	}
	/* With several spaces, the root is as new as the newest space. */
	for (size_t i = 0; t->multi && i < t->nspaces; i++)
		if (t->spaces[i].top->mtime.sec > t->root.mtime.sec)
			t->root.mtime = t->spaces[i].top->mtime;

	/* Names: a page's entries only depend on whether its kids have kids or
	 * attachments, so the order does not matter. */
	for (size_t i = 0; i <= l.n; i++) {
		struct cfs_node *x = i == l.n ? sdir : l.by_key[i];

		if ((x == sdir) != (i == l.n) || (x != sdir && !in_load(t, space, x)))
			continue;
		if (x->nkids)
			qsort(x->kids, x->nkids, sizeof(struct cfs_node *), cmp_position);
		if ((x != sdir && index_atts(x)) || index_dir(x))
			goto fail;
	}

	free(t->all);
	free(t->by_key);
	free(t->by_title);
	free(t->att_by_key);
	t->all = l.all;
	t->nall = l.nall;
	t->by_key = l.by_key;
	t->n = l.n;
	t->by_title = by_title;
	t->ntitle = ntitle;
	t->att_by_key = att_by_key;
	t->natt = na;
	if (!partial)
		t->spaces[space].loaded = 1;
	free(l.syn);
	ret = 0;
	if (was && (cfs_tree_locate(t, space, &now, &nnow) ||
	            cfs_tree_drop_stale_links(t, was, nwas, now, nnow, changes)))
		ret = -ENOMEM;
	if (ret == 0 && nbumped && cfs_tree_drop_linking(t, bumped, nbumped, changes))
		ret = -ENOMEM; /* pages including a page that changed are rendered again */
	free(bumped);
	free(was);
	free(now);
	if (ret == 0 && changes &&
	    (cfs_tree_snapshot(t, &after, &nafter) ||
	     cfs_tree_diff(before, nbefore, after, nafter, changes)))
		ret = -ENOMEM;
	pthread_rwlock_unlock(&t->lock);
	cfs_tree_triples_free(before, nbefore);
	cfs_tree_triples_free(after, nafter);
	return ret;
fail:
	cfs_tree_triples_free(before, nbefore);
	free(was);
	free(bumped);
	/* Out of memory half-way: keep every node owned so it is freed with the
	 * tree; the tree may be partly updated.  Report the failure. */
	if (l.all && l.nall > t->nall) {
		free(t->all);
		t->all = l.all;
		t->nall = l.nall;
		l.all = NULL;
	}
	free(l.all);
	free(l.by_key);
	free(l.syn);
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
		n = cfs_tree_find_key(t->by_key, t->n, cfs_tree_key_of(pages->v[i].id));
		if (!n || n->synthetic || (n->labels && strcmp(n->labels, pages->v[i].labels) == 0))
			continue;
		/* With front matter the labels are part of the page's bytes. */
		if (n->labels && t->front_matter && n->md) {
			t->md_bytes -= n->md->len;
			cfs_blob_unref(n->md);
			n->md = NULL;
			n->md_on_disk = 0;
			if (changes)
				ret = cfs_tree_changes_add(changes, n->key | CFS_PAGE_FILE, NULL);
		}
		if (!ret)
			ret = set_str(&n->labels, pages->v[i].labels);
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}
