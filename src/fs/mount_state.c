/* mount_state: load the saved state, build a tree from it, open this mount's cache. */
#include "mount_state.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *cfs_mount_state_path(const char *dc_path)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dc_path, CFS_STATE_NAME) < 0)
		return NULL;
	return p;
}

/* Whether the state is of the spaces SPACE names: the same key, the same keys
 * (KEY1,KEY2, in any order and case), or all. */
static int same_spaces(const struct cfs_state *st, const char *want)
{
	char *copy, *tok, *save = NULL;
	size_t n = 0;
	int multi = strcmp(want, "all") == 0 || strchr(want, ',') != NULL, ok = 1;

	if (st->multi != multi)
		return 0;
	if (!multi)
		return strcasecmp(st->spaces[0].space.key, want) == 0;
	if (strcmp(want, "all") == 0)
		return 1;
	if (!(copy = strdup(want)))
		return 0;
	for (tok = strtok_r(copy, ", \t", &save); ok && tok; tok = strtok_r(NULL, ", \t", &save)) {
		size_t i = 0;

		while (i < st->nspaces && strcasecmp(st->spaces[i].space.key, tok) != 0)
			i++;
		ok = i < st->nspaces;
		n++;
	}
	free(copy);
	return ok && n == st->nspaces;
}

int cfs_mount_state_load(const char *path, const struct cfs_opts *o, struct cfs_state *st)
{
	char why[256] = "";
	int ret;

	if (cfs_state_sweep(path) > 0)
		cfs_info("removed the temporary state file of a mount that crashed while saving");
	ret = cfs_state_load(path, st, why, sizeof(why));
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		cfs_warn("discarding the saved state %s: %s", path, why[0] ? why : strerror(-ret));
		return 0;
	}
	if (!st->url || strcmp(st->url, o->url) != 0 || !same_spaces(st, o->space)) {
		cfs_warn("discarding the saved state %s: it is of %s %s%s", path,
		         st->url ? st->url : "?", st->spaces[0].space.key,
		         st->nspaces > 1 ? ",..." : "");
		cfs_state_clear(st);
		return 0;
	}
	return 1;
}

static int key_cmp(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

char *cfs_mount_cache_name(const char *space)
{
	char *copy, *tok, *save = NULL, *name, **keys;
	size_t n = 0, len = 0;

	if (strcmp(space, "all") == 0 || !strchr(space, ','))
		return strdup(space);
	copy = strdup(space);
	keys = calloc(strlen(space) / 2 + 1, sizeof(*keys));
	name = calloc(strlen(space) + 1, 1);
	if (!copy || !keys || !name) {
		free(copy);
		free(keys);
		free(name);
		return NULL;
	}
	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
		keys[n++] = tok;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i && strcasecmp(keys[i], keys[i - 1]) == 0)
			continue;
		len += (size_t)sprintf(name + len, "%s%s", len ? "," : "", keys[i]);
	}
	if (!strchr(name, ','))
		strcat(name, ","); /* "ENG," stays a mount of several spaces */
	free(keys);
	free(copy);
	return name;
}

size_t cfs_mount_state_pages(const struct cfs_state *st)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nspaces; i++)
		n += st->spaces[i].list.pages.n;
	return n;
}

int cfs_mount_state_tree(const struct cfs_state *st, const char *url, struct cfs_tree **tree)
{
	struct cfs_space *v = calloc(st->nspaces, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < st->nspaces; i++)
		v[i] = st->spaces[i].space; /* borrowed: the tree copies */
	ret = cfs_tree_new(url, v, st->nspaces, st->multi, tree);
	free(v);
	for (size_t i = 0; ret == 0 && i < st->nspaces; i++)
		if (st->spaces[i].listed)
			ret = cfs_sync_apply(*tree, i, &st->spaces[i].list, NULL);
	if (ret && *tree) {
		cfs_tree_free(*tree);
		*tree = NULL;
	}
	return ret;
}

size_t cfs_mount_state_adopt(const struct cfs_state *st, struct cfs_tree *tree)
{
	size_t used = 0;

	for (size_t i = 0; i < cfs_tree_nspaces(tree); i++) {
		char *id = NULL;
		int loaded = 0;

		if (cfs_tree_space(tree, i, &id, NULL, &loaded))
			continue;
		for (size_t k = 0; !loaded && k < st->nspaces; k++) {
			const struct cfs_state_space *sp = &st->spaces[k];

			if (sp->listed && strcmp(sp->space.id, id) == 0 &&
			    cfs_sync_apply(tree, i, &sp->list, NULL) == 0) {
				used++;
				break;
			}
		}
		free(id);
	}
	return used;
}

int cfs_mount_cache_open(const char *dc_path, uint64_t cap, struct cfs_diskcache **dc, char **used)
{
	int ret = cfs_diskcache_open(dc_path, cap, dc);

	*used = NULL;
	if (ret == 0) {
		*used = strdup(dc_path);
		if (!*used) {
			cfs_diskcache_close(*dc);
			return -ENOMEM;
		}
		return 0;
	}
	/* Another mount of the same site and space holds it: one directory per
	 * concurrent mount beside it (docs/diskcache.md, "Several mounts"). */
	for (int i = 2; ret == -EBUSY && i <= CFS_MOUNT_CACHES; i++) {
		char *p = NULL;

		if (asprintf(&p, "%s/mount-%d", dc_path, i) < 0)
			return -ENOMEM;
		ret = cfs_diskcache_open(p, cap, dc);
		if (ret == 0) {
			cfs_info("the cache %s is in use by another mount: this one uses %s",
			         dc_path, p);
			*used = p;
			return 0;
		}
		free(p);
	}
	return ret;
}
