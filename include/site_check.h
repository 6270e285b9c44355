/* site_check: before mounting, the site, the credentials and the space(s); one clear line on
 * failure. */
#ifndef CFS_SITE_CHECK_H
#define CFS_SITE_CHECK_H

#include <stddef.h>

#include "confluence.h"
#include "loop.h"
#include "opts.h"
#include "tree.h"

/* Check o->url, the credentials and o->space (a key, "KEY1,KEY2" or "all")
 * through cf, which lives on loop; blocks the calling thread (not the
 * loop's).  On success builds *tree (a single space listed; several spaces
 * each empty until first used), sets *api to the API the site speaks, writes
 * one line for --check into summary and returns 0.  On failure prints one line
 * on stderr and returns non-zero. */
int cfs_check_site(struct cfs_loop *loop, struct cfs_cf *cf, const struct cfs_opts *o,
                   enum cfs_cf_api *api, struct cfs_tree **tree, char *summary, size_t summary_len);

#endif
