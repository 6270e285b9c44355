/* intern: one copy of each repeated string of the tree (see intern.h), and
 * the other helpers of compact node storage (tree_int.h).
 *
 * A 100,000-page space has a few hundred authors and two parent types; a
 * strdup per node and field cost ~70 bytes a page (docs/memory.md).  The
 * set only grows: a string no node uses any more stays until the tree is
 * freed, which bounds it by the distinct values ever listed. */
#include "intern.h"
#include "tree_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Put s (owned by the set) in a free slot of slots (cap a power of two). */
static void place(char **slots, size_t cap, char *s)
{
	size_t i = (size_t)hash(s) & (cap - 1);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = s;
}

static int grow(struct cfs_intern *in)
{
	size_t cap = in->cap ? in->cap * 2 : 64;
	char **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < in->cap; i++)
		if (in->slots[i])
			place(slots, cap, in->slots[i]);
	free(in->slots);
	in->slots = slots;
	in->cap = cap;
	return 0;
}

const char *cfs_intern(struct cfs_intern *in, const char *s)
{
	size_t i;
	char *copy;

	if (!s)
		return NULL;
	if (in->cap) {
		for (i = (size_t)hash(s) & (in->cap - 1); in->slots[i]; i = (i + 1) & (in->cap - 1))
			if (strcmp(in->slots[i], s) == 0)
				return in->slots[i];
	}
	/* Kept at most half full, so probes stay short and a free slot exists. */
	if ((in->n + 1) * 2 > in->cap && grow(in))
		return NULL;
	if (!(copy = strdup(s)))
		return NULL;
	place(in->slots, in->cap, copy);
	in->n++;
	return copy;
}

void cfs_intern_free(struct cfs_intern *in)
{
	for (size_t i = 0; i < in->cap; i++)
		free(in->slots[i]);
	free(in->slots);
	in->slots = NULL;
	in->cap = in->n = 0;
}

int cfs_tree_set_interned(struct cfs_tree *t, const char **dst, const char *src)
{
	const char *s = cfs_intern(&t->strs, src);

	if (src && !s)
		return -ENOMEM;
	*dst = s;
	return 0;
}

int cfs_tree_stem_md(struct cfs_node *n)
{
	size_t len = strlen(n->stem);
	char *s;

	if (n->md_name)
		return 0; /* made with this stem (a new stem clears it) */
	if (!(s = realloc(n->stem, 2 * len + 5)))
		return -ENOMEM;
	memcpy(s + len + 1, s, len);
	memcpy(s + 2 * len + 1, ".md", 4);
	n->stem = s;
	n->md_name = s + len + 1;
	return 0;
}
