/* mount_state: load the saved state, build a tree from it, open this mount's cache. */
#include "mount_state.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cfs_mount_state_path(const char *dc_path)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dc_path, CFS_STATE_NAME) < 0)
		return NULL;
	return p;
}

int cfs_mount_state_load(const char *path, const struct cfs_opts *o, struct cfs_state *st)
{
	char why[256] = "";
	int ret;

	if (strcmp(o->space, "all") == 0 || strchr(o->space, ','))
		return 0; /* several spaces: not kept (docs/state.md) */
	if (cfs_state_sweep(path) > 0)
		cfs_info("removed the temporary state file of a mount that crashed while saving");
	ret = cfs_state_load(path, st, why, sizeof(why));
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		cfs_warn("discarding the saved state %s: %s", path, why[0] ? why : strerror(-ret));
		return 0;
	}
	if (!st->url || strcmp(st->url, o->url) != 0 || strcasecmp(st->space.key, o->space) != 0) {
		cfs_warn("discarding the saved state %s: it is of %s %s", path,
		         st->url ? st->url : "?", st->space.key);
		cfs_state_clear(st);
		return 0;
	}
	return 1;
}

int cfs_mount_state_tree(const struct cfs_state *st, const char *url, struct cfs_tree **tree)
{
	int ret = cfs_tree_new(url, &st->space, 1, 0, tree);

	if (ret == 0 && (ret = cfs_sync_apply(*tree, 0, &st->list, NULL))) {
		cfs_tree_free(*tree);
		*tree = NULL;
	}
	return ret;
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
