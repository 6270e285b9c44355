/* tree_link: links between pages as relative paths on the mount, and conversion with them. */
#include "tree_int.h"
#include "convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- links (read lock held by cfs_tree_convert) ---- */

struct link_ctx {
	struct cfs_tree *t;
	struct cfs_node *from;
};

/* Ancestors of n, root-most first, into a malloc'd array; *depth set. */
static struct cfs_node **ancestors(struct cfs_node *n, size_t *depth)
{
	size_t d = 0;
	struct cfs_node **v;

	for (struct cfs_node *p = n->parent; p; p = p->parent)
		d++;
	v = malloc((d + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*depth = d;
	for (struct cfs_node *p = n->parent; p; p = p->parent)
		v[--d] = p;
	return v;
}

/* Path from the directory holding `from`'s file to target's file, or with
 * into_dir to leaf inside target's directory (for attachments). */
static char *rel_path(struct cfs_node *from, struct cfs_node *target, int into_dir,
                      const char *leaf)
{
	size_t da, db, k = 0, len = 1;
	struct cfs_node **a = ancestors(from, &da);
	struct cfs_node **b = ancestors(target, &db);
	char *s = NULL, *p;

	if (!a || !b)
		goto out;
	while (k < da && k < db && a[k] == b[k])
		k++;
	len += (da - k) * 3;
	for (size_t i = k; i < db; i++)
		len += strlen(b[i]->stem) + 1;
	len += strlen(target->stem) + 4 + (leaf ? strlen(leaf) + 1 : 0);
	s = p = malloc(len);
	if (!s)
		goto out;
	for (size_t i = k; i < da; i++)
		p = stpcpy(p, "../");
	for (size_t i = k; i < db; i++) {
		p = stpcpy(p, b[i]->stem);
		p = stpcpy(p, "/");
	}
	if (into_dir) {
		p = stpcpy(p, target->stem);
		p = stpcpy(p, "/");
		stpcpy(p, leaf);
	} else {
		p = stpcpy(p, target->md_name);
	}
out:
	free(a);
	free(b);
	return s;
}

static char *link_page(void *arg, const char *space_key, const char *title)
{
	struct link_ctx *c = arg;
	struct cfs_node *target;

	if (space_key && *space_key && strcmp(space_key, c->t->space_key) != 0)
		return NULL;
	if (!title || !*title)
		return strdup(c->from->md_name);
	target = cfs_tree_find_title(c->t, title);
	return target ? rel_path(c->from, target, 0, NULL) : NULL;
}

/* A file attached to a page (page_title NULL: the page being converted):
 * "<page dir>/_attachments/<name>", relative to the converted page. */
static char *link_attachment(void *arg, const char *space_key, const char *page_title,
                             const char *filename)
{
	struct link_ctx *c = arg;
	struct cfs_node *page = c->from;
	char *leaf, *path;

	if (space_key && *space_key && strcmp(space_key, c->t->space_key) != 0)
		return NULL;
	if (page_title && *page_title && !(page = cfs_tree_find_title(c->t, page_title)))
		return NULL;
	if (!filename)
		return NULL;
	for (size_t i = 0; i < page->natts; i++) {
		struct cfs_node *a = page->atts[i];

		if (strcmp(a->title, filename) != 0)
			continue;
		if (asprintf(&leaf, ATTACHMENTS_DIR "/%s", a->stem) < 0)
			return NULL;
		path = rel_path(c->from, page, 1, leaf);
		free(leaf);
		return path;
	}
	return NULL;
}

int cfs_tree_convert(struct cfs_tree *t, struct cfs_node *n, const char *storage, size_t len,
                     char **out, size_t *out_len)
{
	struct link_ctx lc = {.t = t, .from = n};
	struct cfs_convert_ctx ctx = {
	    .base_url = t->base_url,
	    .space_key = t->space_key,
	    .page_path = link_page,
	    .attachment_path = link_attachment,
	    .user_name = NULL,
	    .arg = &lc,
	};
	int ret;

	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_convert(storage, len, &ctx, out, out_len);
	pthread_rwlock_unlock(&t->lock);
	return ret;
}
