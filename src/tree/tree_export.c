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

static int export_page(const struct cfs_node *n, struct cfs_page *p)
{
	const char *type = n->is_blog ? "blogpost" : cfs_tree_ctype_name(n->ctype);

	p->idnum = n->idnum;
	p->position = n->position;
	p->version = n->version;
	p->mtime = n->mtime;
	p->created = n->created;
	return dupn(&p->id, n->id) || dupn(&p->title, n->title) ||
	               dupn(&p->parent_id, n->parent_id) || dupn(&p->type, type) ||
	               dupn(&p->parent_type, n->parent_type) || dupn(&p->embed_url, n->embed_url) ||
	               dupn(&p->author_id, n->author_id) || dupn(&p->webui, n->webui)
	           ? -ENOMEM
	           : 0;
}

int cfs_tree_export(struct cfs_tree *t, size_t space, struct cfs_sync_listing *out)
{
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	pthread_rwlock_rdlock(&t->lock);
	if (space >= t->nspaces) {
		ret = -EINVAL;
		goto out;
	}
	if (grow_pages(&out->pages, t->n) || grow_pages(&out->labels, t->n))
		goto out;
	for (size_t i = 0; i < t->n; i++) {
		const struct cfs_node *n = t->by_key[i];

		if (!n->present || n->synthetic || n->space != space)
			continue;
		if (export_page(n, &out->pages.v[out->pages.n++]))
			goto out;
		if (n->labels) {
			struct cfs_page *l = &out->labels.v[out->labels.n++];

			out->have_labels = 1;
			if (dupn(&l->id, n->id) || dupn(&l->labels, n->labels))
				goto out;
		}
	}
	out->atts.v = calloc(t->natt + 1, sizeof(*out->atts.v));
	out->atts.cap = t->natt + 1;
	if (!out->atts.v)
		goto out;
	for (size_t i = 0; i < t->natt; i++) {
		const struct cfs_node *n = t->att_by_key[i];
		struct cfs_attachment *a;

		if (!n->present || n->space != space || !n->parent)
			continue;
		a = &out->atts.v[out->atts.n++];
		a->size = n->size;
		a->version = n->version;
		a->mtime = n->mtime;
		if (dupn(&a->id, n->id) || dupn(&a->title, n->title) ||
		    dupn(&a->page_id, n->parent->id) || dupn(&a->media_type, n->media_type) ||
		    dupn(&a->download, n->webui))
			goto out;
	}
	out->gone = calloc(t->ngone + 1, sizeof(*out->gone));
	if (!out->gone)
		goto out;
	for (size_t i = 0; i < t->ngone; i++)
		if (dupn(&out->gone[out->ngone++], t->gone[i]))
			goto out;
	ret = 0;
out:
	pthread_rwlock_unlock(&t->lock);
	if (ret)
		cfs_sync_listing_clear(out);
	return ret;
}

uint64_t cfs_tree_locate_hash(struct cfs_tree *t, size_t space)
{
	struct cfs_tree_located *v = NULL;
	size_t n = 0;
	uint64_t h = 1469598103934665603ull;

	pthread_rwlock_rdlock(&t->lock);
	if (cfs_tree_locate(t, space, &v, &n))
		n = 0, h = 0; /* 0 matches no stored hash: nothing is trusted */
	pthread_rwlock_unlock(&t->lock);
	for (size_t i = 0; i < n; i++) {
		uint64_t w[2] = {v[i].title, v[i].path};
		const unsigned char *b = (const unsigned char *)w;

		for (size_t k = 0; k < sizeof(w); k++)
			h = (h ^ b[k]) * 1099511628211ull;
	}
	free(v);
	return h ? h : 1;
}

int cfs_tree_rendered(struct cfs_tree *t, size_t space, struct cfs_tree_rendered **out,
                      size_t *nout)
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

		if (!x->present || x->synthetic || x->space != space || x->ctype != CFS_CT_PAGE ||
		    !x->md || x->md_version != x->version)
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
		r->md = cfs_blob_ref(x->md);
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

void cfs_tree_rendered_free(struct cfs_tree_rendered *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].links);
		cfs_blob_unref(v[i].md);
	}
	free(v);
}
