/* tree_synth: the directories the tree makes up — a space's, and "_blog/YYYY/MM" for blog posts.
 *
 * They are nodes with the synthetic flag, keyed by hashes of strings such as
 * "blog:ENG:2024-03" (top bit set: no id reaches them), so their inode
 * numbers are stable too; they have no ".md" and are never fetched.
 */
#include "tree_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A directory the tree makes up, keyed by a string that never looks like an
 * id; owned by all[] (*nall grows).  NULL on ENOMEM. */
struct cfs_node *cfs_tree_synthetic_new(const char *keystr, const char *title, size_t space,
                                        struct cfs_node ***all, size_t *nall)
{
	struct cfs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->key = cfs_tree_key_of(keystr);
	n->id = strdup(keystr);
	n->title = strdup(title);
	n->stem = strdup(title);
	(*all)[(*nall)++] = n;
	if (!n->id || !n->title || !n->stem)
		return NULL;
	n->synthetic = 1;
	n->space = space;
	n->present = 1;
	return n;
}

/* The directory "_blog/YYYY/MM" of the load's space for a post (made up as
 * needed; l->syn holds those made present by this load).  NULL on ENOMEM. */
static struct cfs_node *blog_dir(struct cfs_tree_load *l, const char *keystr, const char *title,
                                 struct cfs_node *parent, int64_t position)
{
	uint64_t key = cfs_tree_key_of(keystr);
	struct cfs_node *d = NULL;

	for (size_t i = 0; i < l->nsyn; i++)
		if (l->syn[i]->key == key)
			return l->syn[i];
	d = cfs_tree_find_key(l->t->by_key, l->t->n, key);
	if (d && d->synthetic && !d->present) {
		d->present = 1;
	} else {
		d = cfs_tree_synthetic_new(keystr, title, l->s, &l->all, &l->nall);
		if (!d)
			return NULL;
	}
	d->parent = parent;
	d->position = position;
	d->mtime = (struct cfs_time){0, 0};
	l->syn[l->nsyn++] = d;
	l->by_key[l->n++] = d;
	return d;
}

int cfs_tree_place_blog(struct cfs_tree_load *l, struct cfs_node *b)
{
	struct tspace *sp = &l->t->spaces[l->s];
	struct cfs_time when = b->created.sec ? b->created : b->mtime;
	time_t sec = (time_t)when.sec;
	struct cfs_node *blog, *year, *month;
	char k[600], name[16];
	struct tm tm;

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(k, sizeof(k), "blog:%s", sp->key);
	if (!(blog = blog_dir(l, k, BLOG_DIR, sp->top, INT64_MAX)))
		return -ENOMEM;
	snprintf(k, sizeof(k), "blog:%s:%04d", sp->key, tm.tm_year + 1900);
	snprintf(name, sizeof(name), "%04d", tm.tm_year + 1900);
	if (!(year = blog_dir(l, k, name, blog, tm.tm_year)))
		return -ENOMEM;
	snprintf(k, sizeof(k), "blog:%s:%04d-%02d", sp->key, tm.tm_year + 1900, tm.tm_mon + 1);
	snprintf(name, sizeof(name), "%02d", tm.tm_mon + 1);
	if (!(month = blog_dir(l, k, name, year, tm.tm_mon)))
		return -ENOMEM;
	/* Posts of a month in the order they were written. */
	b->position = (int64_t)when.sec;
	b->parent = month;
	for (struct cfs_node *d = month; d && d->synthetic && d != sp->top; d = d->parent)
		if (b->mtime.sec > d->mtime.sec)
			d->mtime = b->mtime;
	return 0;
}
