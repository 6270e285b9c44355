/* sync: keeps the tree fresh — re-lists the space after ttl while the mount is in use.
 *
 * DESIGN.  A repeating timer on the loop fires every ttl.  If a FUSE
 * operation touched the mount since the last round (the activity flag), the
 * whole page listing and then the attachment listing are fetched again at
 * BACKGROUND priority (one request per 250 pages or attachments).  The new listing is loaded into
 * the tree on the thread pool — the load takes the tree's write lock, which may wait behind a long
 * conversion, and the loop must never wait — and the same work item tells
 * the kernel what changed (pages whose version changed, names that went
 * away, directories whose listing changed).  Pages whose version changed
 * lose their rendered Markdown and are fetched again when next read.
 * Until ttl has passed, nothing is asked of the server: a warm grep or rsync
 * costs no request.
 */
#include "sync.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cfs_sync {
	struct cfs_sync_config cfg;
	char *space_id, *space_key;
	uv_loop_t *loop;
	uv_timer_t timer;
	uv_work_t work;
	struct cfs_page_list pages; /* the listings being loaded */
	struct cfs_attachment_list atts;
	struct cfs_page_list labels;
	int busy;  /* a listing or load in flight */
	int again; /* cfs_sync_now() while busy */
	int stopping;
	int timer_closed;
};

static void maybe_free(struct cfs_sync *s)
{
	if (s->stopping && s->timer_closed && !s->busy) {
		free(s->space_id);
		free(s->space_key);
		free(s);
	}
}

static void start_round(struct cfs_sync *s);

static void load_work(uv_work_t *w)
{
	struct cfs_sync *s = w->data;
	struct cfs_tree_changes ch = {0};

	if (cfs_tree_load(s->cfg.tree, &s->pages, &s->atts, &ch) ||
	    cfs_tree_set_labels(s->cfg.tree, &s->labels, &ch))
		cfs_err("refreshing the page tree: out of memory");
	if (ch.n && s->cfg.inval)
		s->cfg.inval(s->cfg.inval_arg, &ch);
	cfs_debug("refreshed %zu pages, %zu kernel invalidations", s->pages.n, ch.n);
	cfs_tree_changes_clear(&ch);
}

static void load_done(uv_work_t *w, int status)
{
	struct cfs_sync *s = w->data;

	cfs_model_page_list_clear(&s->pages);
	cfs_model_attachment_list_clear(&s->atts);
	cfs_model_page_list_clear(&s->labels);
	s->busy = 0;
	if (s->again && !s->stopping) {
		s->again = 0;
		start_round(s);
	}
	maybe_free(s);
}

/* A listing failed or we are stopping: end the round, keep the old tree. */
static int round_failed(struct cfs_sync *s, const struct cfs_cf_error *e)
{
	if (!e->err && !s->stopping)
		return 0;
	if (e->err && e->err != -ECANCELED)
		cfs_warn("refreshing the page tree: GET %s: %s; keeping the old one", e->path,
		         e->detail ? e->detail : strerror(-e->err));
	cfs_model_page_list_clear(&s->pages);
	s->busy = 0;
	maybe_free(s);
	return 1;
}

/* The last listing of a round (labels; a failure there only keeps the old
 * labels): load everything on the thread pool. */
static void on_labels(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct cfs_sync *s = arg;

	if (s->stopping) {
		cfs_model_attachment_list_clear(&s->atts);
		round_failed(s, e->err ? e : &(struct cfs_cf_error){.err = -ECANCELED});
		return;
	}
	if (!e->err) {
		s->labels = *pages;
		memset(pages, 0, sizeof(*pages));
	}
	s->work.data = s;
	if (uv_queue_work(s->loop, &s->work, load_work, load_done)) {
		cfs_model_page_list_clear(&s->pages);
		cfs_model_attachment_list_clear(&s->atts);
		cfs_model_page_list_clear(&s->labels);
		s->busy = 0;
	}
}

static void on_atts(void *arg, const struct cfs_cf_error *e, struct cfs_attachment_list *atts)
{
	struct cfs_sync *s = arg;
	struct cfs_cf_error nomem = {.err = -ENOMEM, .detail = "out of memory", .path = ""};

	if (round_failed(s, e))
		return;
	s->atts = *atts;
	memset(atts, 0, sizeof(*atts));
	cfs_cf_tag(s->cfg.cf, "refresh");
	if (cfs_cf_space_labels(s->cfg.cf, s->space_key, CFS_HTTP_BACKGROUND, on_labels, s)) {
		cfs_model_attachment_list_clear(&s->atts);
		round_failed(s, &nomem);
	}
}

static void on_pages(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct cfs_sync *s = arg;
	struct cfs_cf_error nomem = {.err = -ENOMEM, .detail = "out of memory", .path = ""};

	if (round_failed(s, e))
		return;
	s->pages = *pages;
	memset(pages, 0, sizeof(*pages));
	cfs_cf_tag(s->cfg.cf, "refresh");
	if (cfs_cf_space_attachments(s->cfg.cf, s->space_key, CFS_HTTP_BACKGROUND, on_atts, s))
		round_failed(s, &nomem);
}

static void start_round(struct cfs_sync *s)
{
	if (s->busy) {
		s->again = 1;
		return;
	}
	s->busy = 1;
	cfs_cf_tag(s->cfg.cf, "refresh");
	if (cfs_cf_space_pages(s->cfg.cf, s->space_id, CFS_HTTP_BACKGROUND, on_pages, s))
		s->busy = 0;
}

static void on_timer(uv_timer_t *t)
{
	struct cfs_sync *s = t->data;

	if (atomic_exchange(s->cfg.activity, 0))
		start_round(s);
}

int cfs_sync_start(uv_loop_t *loop, const struct cfs_sync_config *cfg, struct cfs_sync **out)
{
	struct cfs_sync *s = calloc(1, sizeof(*s));
	uint64_t every = cfg->ttl_ms ? cfg->ttl_ms : 1000;

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->space_id = strdup(cfg->space_id);
	s->space_key = strdup(cfg->space_key);
	if (!s->space_id || !s->space_key) {
		free(s->space_id);
		free(s->space_key);
		free(s);
		return -ENOMEM;
	}
	s->loop = loop;
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	uv_timer_start(&s->timer, on_timer, every, every);
	*out = s;
	return 0;
}

void cfs_sync_now(struct cfs_sync *s)
{
	if (!s->stopping)
		start_round(s);
}

static void timer_closed(uv_handle_t *h)
{
	struct cfs_sync *s = h->data;

	s->timer_closed = 1;
	maybe_free(s);
}

void cfs_sync_stop(struct cfs_sync *s)
{
	s->stopping = 1;
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, timer_closed);
}
