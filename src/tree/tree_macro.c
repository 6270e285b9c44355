/* tree_macro: what the children/pagetree/attachments/gallery macros list, from the tree. */
#include "tree_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The converter's list_pages and list_attachments callbacks (include/convert.h),
 * called during cfs_tree_convert() with the tree's read lock held.  Every page
 * listed is noted as a link target, so a rename re-renders the listing page.
 */

/* The page a macro names; *top set instead for "@home" (the space's top level). */
static struct cfs_node *macro_page(struct link_ctx *c, const char *space_key, const char *title,
                                   struct cfs_node **top)
{
	struct cfs_node *n = c->from;
	long space;

	*top = NULL;
	if (!title || !*title || !strcmp(title, "@self"))
		return n;
	if (!strcmp(title, "@parent")) {
		if (n->parent && !n->parent->synthetic)
			return n->parent;
		title = "@home"; /* a top-level page's parent: the space */
	}
	if (!strcmp(title, "@home")) {
		*top = c->t->spaces[n->space].dir;
		return NULL;
	}
	space = cfs_tree_link_space(c, space_key, title);
	return space < 0 ? NULL : cfs_tree_find_title(c->t, (size_t)space, title);
}

enum order { O_TREE, O_TITLE, O_CREATED, O_MODIFIED };

static int cmp_kid(const void *a, const void *b, void *arg)
{
	const struct cfs_node *x = *(struct cfs_node *const *)a, *y = *(struct cfs_node *const *)b;
	enum order o = *(enum order *)arg;
	int64_t dx, dy;

	switch (o) {
	case O_TITLE:
		return strcmp(x->title, y->title);
	case O_CREATED:
		dx = x->created.sec ? x->created.sec : x->mtime.sec;
		dy = y->created.sec ? y->created.sec : y->mtime.sec;
		break;
	case O_MODIFIED:
		dx = x->mtime.sec;
		dy = y->mtime.sec;
		break;
	default:
		return 0;
	}
	return dx < dy ? -1 : dx > dy;
}

struct walk {
	struct link_ctx *c;
	enum order order;
	int reverse, depth;
	void (*emit)(void *, int, const char *, const char *);
	void *emit_arg;
};

static int walk(struct walk *w, struct cfs_node *parent, int level)
{
	struct cfs_node **kids;
	size_t n = 0;

	if (w->depth && level > w->depth)
		return 0;
	kids = malloc((parent->nkids ? parent->nkids : 1) * sizeof(*kids));
	if (!kids)
		return -1;
	for (size_t i = 0; i < parent->nkids; i++) {
		struct cfs_node *k = parent->kids[i];

		if (k->present && !k->synthetic && !k->is_blog && !k->is_att && k->md_name)
			kids[n++] = k;
	}
	if (w->order != O_TREE)
		qsort_r(kids, n, sizeof(*kids), cmp_kid, &w->order);
	for (size_t j = 0; j < n; j++) {
		struct cfs_node *k = kids[w->reverse ? n - 1 - j : j];
		char *path = cfs_tree_rel_path(w->c->from, k, 0, NULL);

		if (path) {
			cfs_tree_note_link(w->c, (long)k->space, k->title);
			w->emit(w->emit_arg, level, k->title, path);
			free(path);
		}
		if (walk(w, k, level + 1) < 0) {
			free(kids);
			return -1;
		}
	}
	free(kids);
	return 0;
}

int cfs_tree_list_pages(void *arg, const char *space_key, const char *title, int depth,
                        const char *sort, int reverse,
                        void (*emit)(void *, int, const char *, const char *), void *emit_arg)
{
	struct link_ctx *c = arg;
	struct cfs_node *top, *page = macro_page(c, space_key, title, &top);
	struct walk w = {
	    .c = c, .reverse = reverse, .depth = depth, .emit = emit, .emit_arg = emit_arg};

	if (!page && !top)
		return -1;
	if (sort && !strcmp(sort, "title"))
		w.order = O_TITLE;
	else if (sort && !strcmp(sort, "creation"))
		w.order = O_CREATED;
	else if (sort && !strcmp(sort, "modified"))
		w.order = O_MODIFIED;
	return walk(&w, page ? page : top, 1) < 0 ? -1 : 0;
}

int cfs_tree_list_attachments(void *arg, const char *space_key, const char *title,
                              void (*emit)(void *, int, const char *, const char *), void *emit_arg)
{
	struct link_ctx *c = arg;
	struct cfs_node *top, *page = macro_page(c, space_key, title, &top);

	if (!page)
		return -1;
	/* att_names is sorted by file name */
	for (size_t i = 0; i < page->natts; i++) {
		struct cfs_node *a = page->att_names ? page->att_names[i].node : page->atts[i];
		char *leaf, *path;

		if (!a->present)
			continue;
		if (asprintf(&leaf, ATTACHMENTS_DIR "/%s", a->stem) < 0)
			return -1;
		path = cfs_tree_rel_path(c->from, page, 1, leaf);
		free(leaf);
		if (path)
			emit(emit_arg, 1, a->title, path);
		free(path);
	}
	return 0;
}
