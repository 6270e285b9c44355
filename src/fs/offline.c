/* offline: probe an unreachable site with backoff until it answers. */
#include "offline.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>

struct cfs_offline {
	uv_timer_t timer;
	struct cfs_cf *cf;
	struct cfs_sync *sync;
	atomic_int *offline;
	uint64_t next_ms, max_ms;
	int probing, stopped;
};

int cfs_offline_unreachable(int err, long status)
{
	return status == 0 && (err == -ECONNREFUSED || err == -EHOSTUNREACH || err == -ETIMEDOUT);
}

static void closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_timer(uv_timer_t *t);

static void schedule(struct cfs_offline *o)
{
	uint64_t ms = o->next_ms;

	o->next_ms = o->next_ms * 2 > o->max_ms ? o->max_ms : o->next_ms * 2;
	uv_timer_start(&o->timer, on_timer, ms, 0);
}

static void on_user(void *arg, const struct cfs_cf_error *e, struct cfs_user *u)
{
	struct cfs_offline *o = arg;

	(void)u;
	o->probing = 0;
	if (o->stopped) {
		uv_close((uv_handle_t *)&o->timer, closed);
		return;
	}
	if (e->err == -ECANCELED || e->err == -ESHUTDOWN)
		return; /* shutting down */
	if (e->err && cfs_offline_unreachable(e->err, e->status)) {
		cfs_debug("the site still cannot be reached; next probe in %llu ms",
		          (unsigned long long)o->next_ms);
		schedule(o);
		return;
	}
	atomic_store(o->offline, 0);
	cfs_warn("the site answers again: online, refreshing the listing");
	if (o->sync)
		cfs_sync_feed_now(o->sync);
}

static void on_timer(uv_timer_t *t)
{
	struct cfs_offline *o = t->data;
	int ret;

	cfs_cf_tag(o->cf, "the offline probe");
	ret = cfs_cf_current_user(o->cf, on_user, o);
	if (ret)
		schedule(o);
	else
		o->probing = 1;
}

int cfs_offline_start(uv_loop_t *loop, struct cfs_cf *cf, struct cfs_sync *sync,
                      atomic_int *offline, uint64_t first_ms, uint64_t max_ms,
                      struct cfs_offline **out)
{
	struct cfs_offline *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	o->cf = cf;
	o->sync = sync;
	o->offline = offline;
	o->next_ms = first_ms ? first_ms : 1;
	o->max_ms = max_ms < o->next_ms ? o->next_ms : max_ms;
	uv_timer_init(loop, &o->timer);
	o->timer.data = o;
	schedule(o);
	*out = o;
	return 0;
}

void cfs_offline_stop(struct cfs_offline *o)
{
	if (!o)
		return;
	o->stopped = 1;
	uv_timer_stop(&o->timer);
	if (!o->probing)
		uv_close((uv_handle_t *)&o->timer, closed);
}
