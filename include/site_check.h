/* site_check: before mounting, the site, the credentials and the space(s); one clear line on
 * failure. */
#ifndef CFS_SITE_CHECK_H
#define CFS_SITE_CHECK_H

#include <stddef.h>

#include "confluence.h"
#include "loop.h"
#include "opts.h"
#include "sync.h"
#include "tree.h"

/* A saved state (docs/state.md) the check may use instead of listing. */
struct cfs_check_saved {
	const struct cfs_sync_listing *list; /* in: the saved listing of the space ... */
	const char *space_id;                /* ... of this id: used when the site names it */
	int used;        /* out: the tree was built from list, not from a new listing */
	int unreachable; /* out: the site could not be reached (nothing printed) */
	char msg[1024];  /* out: why, when unreachable */
};

/* Check o->url, the credentials and o->space (a key, "KEY1,KEY2" or "all")
 * through cf, which lives on loop; blocks the calling thread (not the
 * loop's).  On success builds *tree (a single space listed; several spaces
 * each empty until first used), sets *api to the API the site speaks, writes
 * one line for --check into summary and returns 0.  On failure prints one line
 * on stderr and returns non-zero.  With saved (may be NULL): a site that
 * cannot be reached (connection refused, DNS, timeout) sets
 * saved->unreachable and prints nothing; and with a single space, a space
 * whose id is saved->space_id is not listed, its tree is built from
 * saved->list (several spaces are never listed here: main loads their saved
 * listings, cfs_mount_state_adopt). */
int cfs_check_site(struct cfs_loop *loop, struct cfs_cf *cf, const struct cfs_opts *o,
                   enum cfs_cf_api *api, struct cfs_tree **tree, char *summary, size_t summary_len,
                   struct cfs_check_saved *saved);

#endif
