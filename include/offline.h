/* offline: a mount started from its saved state while the site could not be reached
 * probes the site with backoff and goes online when it answers (docs/state.md). */
#ifndef CFS_OFFLINE_H
#define CFS_OFFLINE_H

#include <stdatomic.h>
#include <uv.h>

#include "confluence.h"
#include "sync.h"

struct cfs_offline;

/* Probe first after first_ms, then doubling up to max_ms: each probe is
 * GET /rest/api/user/current.  When it succeeds, *offline is cleared, one
 * line logged and sync (may be NULL) asked to re-list.  A 401/403 answer
 * counts as reachable too (then the refresh shows the failure).  Loop
 * thread.  0 or -errno. */
int cfs_offline_start(uv_loop_t *loop, struct cfs_cf *cf, struct cfs_sync *sync,
                      atomic_int *offline, uint64_t first_ms, uint64_t max_ms,
                      struct cfs_offline **out);
/* Stop probing; memory freed once the timer is closed.  Loop thread. */
void cfs_offline_stop(struct cfs_offline *o);

/* Whether a failed request means the site could not be reached at all
 * (connection refused, DNS failure, timeout) rather than answered. */
int cfs_offline_unreachable(int err, long status);

#endif
