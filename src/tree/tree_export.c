/* tree_export: the tree as a listing and its rendered pages, for the state file (state.h). */
#include "state.h"
#include "tree_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int dupn(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

static int grow_pages(struct cfs_page_list *l, size_t n)
{
	l->v = calloc(n + 1, sizeof(*l->v));
	l->cap = n + 1;
	return l->v ? 0 : -ENOMEM;
}

/* *dst = src: a copy, or with !copy the tree's own string (lent). */
static int setn(char **dst, const char *src, int copy)
{
	if (!copy) {
		*dst = (char *)src;
		return 0;
	}
	return dupn(dst, src);
}

static int export_page(const struct cfs_node *n, struct cfs_page *p, int copy)
{
	const char *type = n->is_blog ? "blogpost" : cfs_tree_ctype_name(n->ctype);

	p->idnum = n->idnum;
	p->position = n->position;
	p->version = n->version;
	p->mtime = n->mtime;
	p->created = n->created;
	return setn(&p->id, n->id, copy) || setn(&p->title, n->title, copy) ||
	               setn(&p->parent_id, n->parent_id, copy) || setn(&p->type, type, copy) ||
	               setn(&p->parent_type, n->parent_type, copy) ||
	               setn(&p->embed_url, n->embed_url, copy) ||
	               setn(&p->author_id, n->author_id, copy) || setn(&p->webui, n->webui, copy)
	           ? -ENOMEM
	           : 0;
}

/* Free a listing whose strings were lent (only its arrays are its own). */
static void lent_clear(struct cfs_sync_listing *l)
{
	free(l->pages.v);
	free(l->labels.v);
	free(l->atts.v);
	free(l->gone);
	memset(l, 0, sizeof(*l));
}

/* How many nodes (pages and containers, n[2 * space]) and attachments
 * (n[2 * space + 1]) each space has: a listing's arrays are of its space's
 * size, as a mount of many spaces exports each in turn.  n has 2 * nspaces
 * zeroed entries.  Read lock held. */
static void count_spaces(struct cfs_tree *t, size_t *n)
{
	for (size_t i = 0; i < t->n; i++)
		n[2 * t->by_key[i]->space]++;
	for (size_t i = 0; i < t->natt; i++)
		n[2 * t->att_by_key[i]->space + 1]++;
}

/* The listing of space, strings copied or (!copy) lent; count as
 * count_spaces made it.  Read lock held. */
static int export_locked(struct cfs_tree *t, size_t space, const size_t *count,
                         struct cfs_sync_listing *out, int copy)
{
	size_t npages = count[2 * space], natts = count[2 * space + 1];

	memset(out, 0, sizeof(*out));
	if (grow_pages(&out->pages, npages) || grow_pages(&out->labels, npages))
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct cfs_node *n = t->by_key[i];

		if (!n->present || n->synthetic || n->space != space)
			continue;
		if (export_page(n, &out->pages.v[out->pages.n++], copy))
			return -ENOMEM;
		if (n->labels) {
			struct cfs_page *l = &out->labels.v[out->labels.n++];

			out->have_labels = 1;
			if (setn(&l->id, n->id, copy) || setn(&l->labels, n->labels, copy))
				return -ENOMEM;
		}
	}
	out->atts.v = calloc(natts + 1, sizeof(*out->atts.v));
	out->atts.cap = natts + 1;
	if (!out->atts.v)
		return -ENOMEM;
	for (size_t i = 0; i < t->natt; i++) {
		const struct cfs_node *n = t->att_by_key[i];
		struct cfs_attachment *a;

		if (!n->present || n->space != space || !n->parent)
			continue;
		a = &out->atts.v[out->atts.n++];
		a->size = n->size;
		a->version = n->version;
		a->mtime = n->mtime;
		if (setn(&a->id, n->id, copy) || setn(&a->title, n->title, copy) ||
		    setn(&a->page_id, n->parent->id, copy) ||
		    setn(&a->media_type, n->media_type, copy) || setn(&a->download, n->webui, copy))
			return -ENOMEM;
	}
	out->gone = calloc(t->ngone + 1, sizeof(*out->gone));
	if (!out->gone)
		return -ENOMEM;
	for (size_t i = 0; i < t->ngone; i++)
		if (setn(&out->gone[out->ngone++], t->gone[i], copy))
			return -ENOMEM;
	return 0;
}

int cfs_tree_export(struct cfs_tree *t, size_t space, struct cfs_sync_listing *out)
{
	size_t *n;
	int ret;

	memset(out, 0, sizeof(*out));
	if (space >= t->nspaces)
		return -EINVAL;
	pthread_rwlock_rdlock(&t->lock);
	n = calloc(2 * t->nspaces, sizeof(*n));
	if (n)
		count_spaces(t, n);
	ret = n ? export_locked(t, space, n, out, 1) : -ENOMEM;
	pthread_rwlock_unlock(&t->lock);
	free(n);
	if (ret)
		cfs_sync_listing_clear(out);
	return ret;
}

int cfs_tree_with_state(struct cfs_tree *t,
                        int (*fn)(void *arg, int multi, const struct cfs_state_space *v, size_t n),
                        void *arg)
{
	struct cfs_state_space *v;
	size_t *n;
	int ret = 0;

	pthread_rwlock_rdlock(&t->lock);
	v = calloc(t->nspaces, sizeof(*v));
	n = calloc(2 * t->nspaces, sizeof(*n));
	if (!v || !n)
		ret = -ENOMEM;
	else
		count_spaces(t, n);
	for (size_t i = 0; !ret && i < t->nspaces; i++) {
		const struct tspace *sp = &t->spaces[i];

		v[i].space = (struct cfs_space){
		    .id = sp->id, .key = sp->key, .name = sp->name, .created = sp->created};
		v[i].listed = sp->loaded;
		if (sp->loaded)
			ret = export_locked(t, i, n, &v[i].list, 0);
	}
	if (!ret)
		ret = fn(arg, t->multi, v, t->nspaces);
	pthread_rwlock_unlock(&t->lock);
	for (size_t i = 0; v && i < t->nspaces; i++)
		lent_clear(&v[i].list);
	free(v);
	free(n);
	return ret;
}

struct cfs_tree_where {
	struct cfs_tree_located *v; /* sorted by title key, then path key */
	size_t n;
	struct cfs_tree_located *inc; /* (include key, version) of every page, sorted */
	size_t ninc;
	uint64_t hash;
};

static int cmp_located(const void *a, const void *b)
{
	const struct cfs_tree_located *x = a, *y = b;

	if (x->title != y->title)
		return x->title < y->title ? -1 : 1;
	return x->path < y->path ? -1 : x->path > y->path;
}

int cfs_tree_where_new(struct cfs_tree *t, struct cfs_tree_where **out)
{
	struct cfs_tree_where *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_tree_locate(t, CFS_TREE_ALL_SPACES, &w->v, &w->n);
	if (!ret && !(w->inc = malloc((t->n + 1) * sizeof(*w->inc))))
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < t->n; i++) {
		const struct cfs_node *x = t->by_key[i];

		if (x->present && !x->synthetic)
			w->inc[w->ninc++] = (struct cfs_tree_located){
			    cfs_tree_include_key(x->space, x->title), (uint64_t)x->version};
	}
	pthread_rwlock_unlock(&t->lock);
	if (ret) {
		free(w->v);
		free(w->inc);
		free(w);
		return ret;
	}
	qsort(w->inc, w->ninc, sizeof(*w->inc), cmp_located);
	w->hash = 1469598103934665603ull;
	for (size_t i = 0; i < w->n + w->ninc; i++) {
		const struct cfs_tree_located *x = i < w->n ? &w->v[i] : &w->inc[i - w->n];
		uint64_t p[2] = {x->title, x->path};
		const unsigned char *b = (const unsigned char *)p;

		for (size_t k = 0; k < sizeof(p); k++)
			w->hash = (w->hash ^ b[k]) * 1099511628211ull;
	}
	if (!w->hash)
		w->hash = 1;
	*out = w;
	return 0;
}

void cfs_tree_where_free(struct cfs_tree_where *w)
{
	if (w) {
		free(w->v);
		free(w->inc);
	}
	free(w);
}

uint64_t cfs_tree_where_hash(const struct cfs_tree_where *w)
{
	return w->hash;
}

/* The second half of the (first) pair of v whose first is key, or 0: the
 * path of a title, the version of an included page. */
static uint64_t second_of(const struct cfs_tree_located *v, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].title < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].title == key ? v[lo].path : 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		h = (h ^ ((v >> (8 * k)) & 0xff)) * 1099511628211ull;
	return h;
}

uint64_t cfs_tree_link_sig(struct cfs_tree *t, const struct cfs_tree_where *w, struct cfs_node *n,
                           const uint64_t *keys, size_t nkeys)
{
	uint64_t h = 1469598103934665603ull, self;

	pthread_rwlock_rdlock(&t->lock);
	self = cfs_tree_title_key(n->space, n->title);
	pthread_rwlock_unlock(&t->lock);
	h = mix(mix(h, self), second_of(w->v, w->n, self));
	/* A key is a title linked to (where it leads) or a page included (its version). */
	for (size_t i = 0; i < nkeys; i++)
		h = mix(mix(mix(h, keys[i]), second_of(w->v, w->n, keys[i])),
		        second_of(w->inc, w->ninc, keys[i]));
	return h ? h : 1;
}

uint64_t cfs_tree_locate_hash(struct cfs_tree *t)
{
	struct cfs_tree_where *w;
	uint64_t h;

	if (cfs_tree_where_new(t, &w))
		return 0; /* matches no stored hash: nothing is trusted */
	h = w->hash;
	cfs_tree_where_free(w);
	return h;
}

int cfs_tree_rendered(struct cfs_tree *t, struct cfs_tree_rendered **out, size_t *nout)
{
	struct cfs_tree_rendered *v;
	size_t n = 0;
	int ret = 0;

	pthread_rwlock_rdlock(&t->lock);
	v = calloc(t->n + 1, sizeof(*v));
	if (!v) {
		pthread_rwlock_unlock(&t->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n && !ret; i++) {
		struct cfs_node *x = t->by_key[i];
		struct cfs_tree_rendered *r = &v[n];

		if (!x->present || x->synthetic || !t->spaces[x->space].loaded ||
		    x->ctype != CFS_CT_PAGE || !x->md || x->md_version != x->version)
			continue;
		r->node = x;
		r->version = x->md_version;
		r->id = strdup(x->id);
		r->links = malloc((x->nlink_keys + 1) * sizeof(*r->links));
		if (!r->id || !r->links) {
			free(r->id);
			free(r->links);
			ret = -ENOMEM;
			break;
		}
		if (x->nlink_keys)
			memcpy(r->links, x->link_keys, x->nlink_keys * sizeof(*r->links));
		r->nlinks = x->nlink_keys;
		n++;
	}
	pthread_rwlock_unlock(&t->lock);
	if (ret) {
		cfs_tree_rendered_free(v, n);
		return ret;
	}
	*out = v;
	*nout = n;
	return 0;
}

struct cfs_blob *cfs_tree_md_peek(struct cfs_tree *t, const struct cfs_tree_rendered *r)
{
	struct cfs_node *n = r->node;
	struct cfs_blob *b = NULL;

	pthread_rwlock_rdlock(&t->lock);
	if (n->md && n->md_version == r->version && n->nlink_keys == r->nlinks &&
	    (!r->nlinks || memcmp(n->link_keys, r->links, r->nlinks * sizeof(*r->links)) == 0))
		b = cfs_blob_ref(n->md);
	pthread_rwlock_unlock(&t->lock);
	return b;
}

void cfs_tree_rendered_free(struct cfs_tree_rendered *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].links);
		cfs_blob_unref(v[i].md);
	}
	free(v);
}
