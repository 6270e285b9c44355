/* tree_load: a listing into the tree — nodes updated in place by id, named per
 * directory, indexed by key, title and name; attachments and labels the same
 * way.  The DESIGN and locking of tree.c apply. */
#include "tree_int.h"
#include "names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
int cfs_tree_index_dir(struct cfs_node *dir)
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
	return cfs_tree_load_as(t, space, pages, atts, changes, NULL);
}

int cfs_tree_load_as(struct cfs_tree *t, size_t space, const struct cfs_page_list *pages,
                     const struct cfs_attachment_list *atts, struct cfs_tree_changes *changes,
                     const struct cfs_tree_partial *partial)
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
		sdir->listed = sdir->probed = 0;
	else if (partial->top)
		sdir->listed = sdir->probed = 1;
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
			x->lazy = x->listed = x->probed = 0;
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
		if (partial && !partial->top && node->key == partial->dir)
			node->listed = node->probed = 1;
		if (partial && partial->nlisted &&
		    bsearch(&node->key, partial->listed, partial->nlisted, sizeof(*partial->listed),
		            cfs_tree_cmp_u64))
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
		qsort(l.by_key, l.n, sizeof(*l.by_key), cfs_tree_cmp_key);
	l.n = dedupe(l.by_key, l.n);
	by_title = calloc(l.n + 1, sizeof(*by_title));
	if (!by_title)
		goto fail;
	for (size_t i = 0; i < l.n; i++)
		if (!l.by_key[i]->synthetic && !l.by_key[i]->is_blog && !l.by_key[i]->ctype)
			by_title[ntitle++] = l.by_key[i];
	if (ntitle)
		qsort(by_title, ntitle, sizeof(*by_title), cfs_tree_cmp_space_title);

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
		qsort(att_by_key, na, sizeof(*att_by_key), cfs_tree_cmp_key);
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
			qsort(x->kids, x->nkids, sizeof(struct cfs_node *), cfs_tree_cmp_position);
		if ((x != sdir && index_atts(x)) || cfs_tree_index_dir(x))
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
