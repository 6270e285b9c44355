/* sync_change: the record of a confirmed write that cfs_sync_change() puts into the tree
 * (include/sync.h; applied by cfs_tree_apply_change in feed_apply.c). */
#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int grow(void **v, size_t *cap, size_t n, size_t more, size_t size)
{
	size_t want = n + more, c = *cap ? *cap : 4;
	void *p;

	if (want <= *cap)
		return 0;
	while (c < want)
		c *= 2;
	if (!(p = realloc(*v, c * size)))
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

int cfs_sync_change_take_page(struct cfs_sync_change *c, struct cfs_page *p)
{
	if (grow((void **)&c->pages.v, &c->pages.cap, c->pages.n, 1, sizeof(*p)))
		return -ENOMEM;
	c->pages.v[c->pages.n++] = *p;
	memset(p, 0, sizeof(*p));
	return 0;
}

int cfs_sync_change_take_att(struct cfs_sync_change *c, struct cfs_attachment *a)
{
	if (grow((void **)&c->atts.v, &c->atts.cap, c->atts.n, 1, sizeof(*a)))
		return -ENOMEM;
	c->atts.v[c->atts.n++] = *a;
	memset(a, 0, sizeof(*a));
	return 0;
}

int cfs_sync_change_gone(struct cfs_sync_change *c, const char *id)
{
	char **v = realloc(c->gone, (c->ngone + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	c->gone = v;
	if (!(v[c->ngone] = strdup(id)))
		return -ENOMEM;
	c->ngone++;
	return 0;
}

int cfs_sync_change_move(struct cfs_sync_change *to, struct cfs_sync_change *from)
{
	char **g;

	if (grow((void **)&to->pages.v, &to->pages.cap, to->pages.n, from->pages.n,
	         sizeof(*to->pages.v)) ||
	    grow((void **)&to->atts.v, &to->atts.cap, to->atts.n, from->atts.n,
	         sizeof(*to->atts.v)))
		return -ENOMEM;
	if (from->ngone) {
		if (!(g = realloc(to->gone, (to->ngone + from->ngone) * sizeof(*g))))
			return -ENOMEM;
		to->gone = g;
		memcpy(g + to->ngone, from->gone, from->ngone * sizeof(*g));
		to->ngone += from->ngone;
		free(from->gone);
		from->gone = NULL;
		from->ngone = 0;
	}
	if (from->pages.n)
		memcpy(to->pages.v + to->pages.n, from->pages.v,
		       from->pages.n * sizeof(*from->pages.v));
	to->pages.n += from->pages.n;
	from->pages.n = 0;
	if (from->atts.n)
		memcpy(to->atts.v + to->atts.n, from->atts.v, from->atts.n * sizeof(*from->atts.v));
	to->atts.n += from->atts.n;
	from->atts.n = 0;
	cfs_sync_change_clear(from);
	return 0;
}

void cfs_sync_change_clear(struct cfs_sync_change *c)
{
	cfs_model_page_list_clear(&c->pages);
	cfs_model_attachment_list_clear(&c->atts);
	for (size_t i = 0; i < c->ngone; i++)
		free(c->gone[i]);
	free(c->gone);
	c->gone = NULL;
	c->ngone = 0;
}
