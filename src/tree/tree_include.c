/*
 * tree_include: pages that a page includes (include, excerpt-include).
 *
 * The cache fetches the storage of the included pages on the loop thread
 * (cfs_tree_find_page tells it which page a macro names) and hands it to
 * cfs_tree_convert_inc(); the converter asks for it through
 * cfs_tree_include_storage() below, which also remembers the included page
 * with the page's links: under its title key (moved, renamed, gone) and
 * under its include key (a new version: tree.c drops the including page's
 * Markdown on the load that sees it).
 */
#include "tree_int.h"

#include <stdlib.h>
#include <string.h>

/* The space index a key names (NULL or "": from's space), or -1.  Lock held. */
static long space_index(struct cfs_tree *t, struct cfs_node *from, const char *space_key)
{
	if (!space_key || !*space_key)
		return (long)from->space;
	return cfs_tree_space_by_key(t, space_key);
}

char *cfs_tree_include_storage(void *arg, const char *space_key, const char *title, size_t *len)
{
	struct link_ctx *c = arg;
	long space = space_index(c->t, c->from, space_key);

	if (space < 0 || !title || !c->inc || !c->inc->storage)
		return NULL;
	cfs_tree_note_link(c, space, title);
	cfs_tree_note_key(c, cfs_tree_include_key((size_t)space, title));
	return c->inc->storage(c->inc->arg, c->t->spaces[space].key, title, len);
}

struct cfs_node *cfs_tree_find_page(struct cfs_tree *t, struct cfs_node *from,
                                    const char *space_key, const char *title)
{
	struct cfs_node *n = NULL;
	long space;

	if (!title || !*title)
		return NULL;
	pthread_rwlock_rdlock(&t->lock);
	space = space_index(t, from, space_key);
	if (space >= 0 && t->spaces[space].loaded)
		n = cfs_tree_find_title(t, (size_t)space, title);
	pthread_rwlock_unlock(&t->lock);
	return n;
}
