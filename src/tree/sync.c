/* sync: lists spaces into the tree — on first use, and again after ttl while the mount is in use.
 *
 * DESIGN.  Listing a space is four paginated listings side by side (pages,
 * blog posts, attachments, labels; one request per 250 items), merged into
 * one struct cfs_sync_listing: cfs_sync_list_space() in sync_list.c.  On Cloud the page
 * listing is completed with the folders, whiteboards, databases and embeds
 * its pages hang under or a fifth search found (containers.c; the tree
 * remembers them, so a refresh asks only for new ones).  Blog posts and labels are nice to have:
 * their failure is a warning, not a failed listing.  The mount check uses it for a single space
 * before mounting; everything else goes through the struct cfs_sync below.
 * A write's confirmed result (a page created, moved, trashed) goes into the tree
 * through cfs_sync_change() (sync_change.c), in turn with the listings.
 *
 * Each space has a wish: nothing, FEED, REFRESH or LOAD.  A LOAD comes from a
 * FUSE operation waiting to look into a space that has never been listed
 * (cfs_sync_space(), the waiters are called back when it is in the tree), or
 * from cfs_sync_begin() right after a single space was mounted, or from cfs_sync_dir()
 * at the first use of one of several (both then listed in the background, directories
 * opened meanwhile listed ahead by lazy.c); the repeating
 * ttl timer, when a FUSE operation touched the mount since the last round (the
 * activity flag), gives every loaded space a FEED (only what changed, feed.c),
 * or a REFRESH (a full listing) when its last one began full_ttl ago;
 * cfs_sync_now() asks for a REFRESH.  One space is listed at a time, LOADs
 * first and at USER priority, the others at BACKGROUND priority
 * (docs/refresh.md).  The listing is
 * loaded into the tree on the thread pool — the load takes the tree's write
 * lock, which may wait behind a long conversion, and the loop must never
 * wait — and the same work item tells the kernel what changed (pages whose
 * version changed, names that went away, directories whose listing
 * changed).  Pages whose version changed lose their rendered Markdown and
 * are fetched again when next read.  Until ttl has passed, nothing is asked
 * of the server: a warm grep or rsync costs no request.
 *
 * A write the server confirmed (cfs_sync_change, from the write path) is a
 * CHANGE job: put into the tree from the server's answer, before any other
 * job, several waiting ones merged, without a request (docs/shape.md).
 */
#include "sync.h"
#include "feed.h"
#include "lazy.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- keeping the tree's spaces listed ---- */

enum wish { NONE, FEED, REFRESH, LOAD, CHANGE /* a job only */ };

struct waiter {
	cfs_sync_space_cb cb;
	void *arg;
	struct waiter *next;
};

/* A lookup or readdir waiting for a directory of a space not listed yet (cfs_sync_dir). */
struct dir_waiter {
	uint64_t ino;
	cfs_sync_space_cb cb;
	void *arg;
	struct dir_waiter *next;
};

/* A cfs_sync_change() waiting for its turn. */
struct pending {
	struct cfs_sync_change c;
	cfs_sync_space_cb cb;
	void *arg;
	struct pending *next;
};

struct space_state {
	enum wish wish;
	struct dir_waiter *undecided; /* wait for the full listing, unless it turns out long */
	int lazy;                     /* it did (or failed): directories are listed ahead */
	int background;               /* listed behind the mount: users wait on lazy.c */
	struct pending *changes;      /* cfs_sync_change, in order */
	struct waiter *waiters;
	struct waiter *later;   /* cfs_sync_relist: woken by the next listing started */
	int fed;                /* cursor and times are set (after a listing, or on first use) */
	struct cfs_time cursor; /* the newest modification seen, by the server's clock */
	uint64_t last_full;     /* uv_now() when the last full listing began */
	uint64_t last_feed;     /* uv_now() when the last listing or feed began */
};

struct cfs_sync {
	struct cfs_sync_config cfg;
	uv_loop_t *loop;
	uv_timer_t timer;
	uv_work_t work;
	struct space_state *spaces;
	size_t nspaces;
	size_t current;              /* the space being listed or loaded */
	struct cfs_sync_listing got; /* its listing, being loaded */
	struct cfs_tree_changes ch;  /* what it changed, told to the kernel after the waiters */
	struct cfs_feed_result fed;  /* or its feed, being applied */
	struct cfs_sync_change chg;  /* or the changes of applying, merged */
	struct pending *applying;    /* whose callbacks run after that */
	enum wish job;               /* what is in flight: LOAD, REFRESH or FEED */
	uint64_t job_start;          /* uv_now() when it began */
	int load_err;
	int busy;   /* a listing or load in flight */
	int invals; /* kernel invalidations in flight */
	int stopping;
	int timer_closed;
	int ahead;             /* cfs_sync_begin(): a space is listed in the background */
	struct cfs_lazy *lazy; /* directories listed ahead of their space's listing (lazy.c) */
	uv_timer_t retry;      /* a failed background listing is tried again after backoff */
	uint64_t backoff_ms;   /* the next retry's pause */
	int retry_closed;
};

#define LISTING_LONG 1 /* decide(): the listing needs more pages, or failed */
static void decide(struct cfs_sync *s, size_t i, int how);
/* Answer and free a list of changes. */
static void changes_done(struct pending **list, int err)
{
	struct pending *p = *list;

	*list = NULL;
	while (p) {
		struct pending *next = p->next;

		cfs_sync_change_clear(&p->c);
		p->cb(p->arg, err);
		free(p);
		p = next;
	}
}

static void maybe_free(struct cfs_sync *s)
{
	if (s->stopping && s->timer_closed && s->retry_closed && !s->busy && !s->invals &&
	    cfs_lazy_idle(s->lazy)) {
		for (size_t i = 0; i < s->nspaces; i++) {
			struct waiter *w = s->spaces[i].waiters;

			if (!w) {
				w = s->spaces[i].later;
				s->spaces[i].later = NULL;
			}
			while (w) {
				struct waiter *next = w->next;
				w->cb(w->arg, -ESHUTDOWN);
				free(w);
				w = next;
			}
			decide(s, i, -ESHUTDOWN);
			changes_done(&s->spaces[i].changes, -ESHUTDOWN);
		}
		cfs_lazy_free(s->lazy);
		free(s->spaces);
		free(s);
	}
}

static void next_job(struct cfs_sync *s);

/* The space's waiters learn how its listing went. */
static void wake(struct cfs_sync *s, size_t i, int err)
{
	struct waiter *w = s->spaces[i].waiters;

	s->spaces[i].waiters = NULL;
	while (w) {
		struct waiter *next = w->next;
		w->cb(w->arg, err);
		free(w);
		w = next;
	}
}

/* The kernel is told what a load changed after the load's waiters were
 * answered: a waiter may be a FUSE request (an unlink, a rename) that holds
 * the very directory an invalidation must lock. */
struct inval_job {
	uv_work_t work;
	struct cfs_sync *s;
	struct cfs_tree_changes ch;
};

static void inval_work(uv_work_t *w)
{
	struct inval_job *j = w->data;

	j->s->cfg.inval(j->s->cfg.inval_arg, &j->ch);
}

static void inval_done(uv_work_t *w, int status)
{
	struct inval_job *j = w->data;
	struct cfs_sync *s = j->s;

	(void)status;
	cfs_tree_changes_clear(&j->ch);
	free(j);
	s->invals--;
	maybe_free(s);
}

static void load_work(uv_work_t *w)
{
	struct cfs_sync *s = w->data;
	int changed = 1;

	memset(&s->ch, 0, sizeof(s->ch));
	if (s->job == CHANGE) {
		s->load_err =
		    cfs_tree_apply_change(s->cfg.tree, s->current, &s->chg.pages, &s->chg.atts,
		                          s->chg.gone, s->chg.ngone, &s->ch);
		if (s->load_err)
			cfs_err("putting a change into the page tree: %s", strerror(-s->load_err));
		cfs_debug("applied a change: %zu pages, %zu attachments, %zu trashed, %zu kernel "
		          "invalidations",
		          s->chg.pages.n, s->chg.atts.n, s->chg.ngone, s->ch.n);
		return;
	}
	if (s->job == FEED)
		s->load_err = cfs_feed_apply(s->cfg.tree, s->current, &s->fed, &s->ch, &changed);
	else
		s->load_err = cfs_sync_apply(s->cfg.tree, s->current, &s->got, &s->ch);
	if (s->load_err)
		cfs_err("loading the page tree: %s", strerror(-s->load_err));
	if (s->job == FEED)
		cfs_debug("change feed: %zu pages and blog posts, %zu attachments%s, %zu kernel "
		          "invalidations",
		          s->fed.pages.n, s->fed.atts.n, changed ? "" : " (nothing new)", s->ch.n);
	else
		cfs_debug("listed %zu pages and blog posts, %zu kernel invalidations",
		          s->got.pages.n, s->ch.n);
}

static void retry_later(struct cfs_sync *s);

static void load_done(uv_work_t *w, int status)
{
	struct cfs_sync *s = w->data;
	struct inval_job *j = NULL;
	struct space_state *sp = &s->spaces[s->current];
	/* Taken before the callbacks: one may start the next job (cfs_sync_change),
	 * whose load starts a new s->ch. */
	struct cfs_tree_changes ch = s->ch;

	memset(&s->ch, 0, sizeof(s->ch));
	if (s->job == CHANGE) {
		cfs_sync_change_clear(&s->chg);
		s->busy = 0;
		changes_done(&s->applying, status ? -ECANCELED : s->load_err);
	} else if (!status && !s->load_err) {
		/* The cursor moves only once what it covers is in the tree. */
		sp->cursor =
		    cfs_feed_advance(sp->cursor, s->job == FEED ? &s->fed.pages : &s->got.pages);
		sp->last_feed = s->job_start;
		if (s->job != FEED)
			sp->last_full = s->job_start;
		sp->fed = 1;
		if (s->job != FEED) {
			s->backoff_ms = 0;
			cfs_lazy_loaded(s->lazy, s->current);
			decide(s, s->current, 0);
		}
	} else if (s->job != FEED && !s->stopping) {
		retry_later(s);
		decide(s, s->current, LISTING_LONG);
	}
	if (s->job != CHANGE) {
		cfs_sync_listing_clear(&s->got);
		cfs_feed_result_clear(&s->fed);
		s->busy = 0;
		wake(s, s->current, status ? -ECANCELED : s->load_err);
	}
	if (ch.n && s->cfg.inval && !status && (j = calloc(1, sizeof(*j)))) {
		j->s = s;
		j->ch = ch;
		j->work.data = j;
		memset(&ch, 0, sizeof(ch));
		if (uv_queue_work(s->loop, &j->work, inval_work, inval_done) == 0) {
			s->invals++;
		} else {
			cfs_tree_changes_clear(&j->ch);
			free(j);
		}
	}
	cfs_tree_changes_clear(&ch);
	if (!s->stopping)
		next_job(s);
	maybe_free(s);
}

static void on_listing(void *arg, const struct cfs_cf_error *e, const char *what,
                       struct cfs_sync_listing *l)
{
	struct cfs_sync *s = arg;

	if (s->stopping || e) {
		if (e && e->err != -ECANCELED && !s->stopping)
			cfs_warn("%s: GET %s: %s%s", what, e->path, e->detail,
			         s->spaces[s->current].waiters ? "" : "; keeping the old listing");
		s->busy = 0;
		wake(s, s->current, s->stopping ? -ESHUTDOWN : e->err);
		if (!s->stopping)
			retry_later(s);
		if (!s->stopping)
			decide(s, s->current,
			       LISTING_LONG); /* a failed listing: learn what can be */
		if (!s->stopping)
			next_job(s);
		maybe_free(s);
		return;
	}
	s->got = *l;
	memset(l, 0, sizeof(*l));
	s->work.data = s;
	if (uv_queue_work(s->loop, &s->work, load_work, load_done)) {
		cfs_sync_listing_clear(&s->got);
		s->busy = 0;
		wake(s, s->current, -EIO);
	}
}

/* Does space i want its background listing tried again? */
static int unlisted(struct cfs_sync *s, size_t i)
{
	int loaded = 1;

	cfs_tree_space(s->cfg.tree, i, NULL, NULL, &loaded);
	return s->spaces[i].background && !loaded && !(s->busy && s->current == i);
}

static void on_retry(uv_timer_t *t)
{
	struct cfs_sync *s = t->data;

	for (size_t i = 0; i < s->nspaces && !s->stopping; i++)
		if (unlisted(s, i) && s->spaces[i].wish == NONE) {
			cfs_info("listing the space again");
			s->spaces[i].wish = LOAD;
		}
	if (!s->stopping)
		next_job(s);
}

/* The background listing of the current space failed: again after 1 s, 2 s, 4 s, ... up
 * to a minute (each of its requests was already retried by the HTTP client).  The timer
 * tries again too (every ttl while the mount is in use).  One backoff for all spaces: a
 * site that fails one listing fails the others. */
static void retry_later(struct cfs_sync *s)
{
	int loaded = 1;

	cfs_tree_space(s->cfg.tree, s->current, NULL, NULL, &loaded);
	if (!s->spaces[s->current].background || loaded)
		return;
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : 1000;
	if (s->backoff_ms > 60000)
		s->backoff_ms = 60000;
	uv_timer_start(&s->retry, on_retry, s->backoff_ms, 0);
}

static void on_feed(void *arg, const struct cfs_cf_error *e, const char *what,
                    struct cfs_feed_result *r)
{
	struct cfs_sync *s = arg;

	if (s->stopping || e) {
		if (e && e->err != -ECANCELED && !s->stopping)
			cfs_warn("%s: GET %s: %s; trying again in ttl", what, e->path, e->detail);
		s->busy = 0;
		if (!s->stopping)
			next_job(s);
		maybe_free(s);
		return;
	}
	s->fed = *r;
	memset(r, 0, sizeof(*r));
	s->work.data = s;
	if (uv_queue_work(s->loop, &s->work, load_work, load_done)) {
		cfs_feed_result_clear(&s->fed);
		s->busy = 0;
	}
}

/* The cursor of a space loaded before sync started (by the mount check): the newest
 * modification in the tree, as if its listing had just been done. */
static void first_use(struct cfs_sync *s, size_t i)
{
	struct space_state *sp = &s->spaces[i];

	if (sp->fed)
		return;
	sp->cursor = cfs_tree_newest(s->cfg.tree, i);
	sp->last_full = sp->last_feed = uv_now(s->loop);
	sp->fed = 1;
}

/* The space being listed needs more than one page of pages: a user waiting for a
 * directory has it listed ahead instead (lazy.c). */
static void on_paged(void *arg)
{
	struct cfs_sync *s = arg;
	int loaded = 1;

	cfs_tree_space(s->cfg.tree, s->current, NULL, NULL, &loaded);
	if (!loaded && !s->stopping)
		decide(s, s->current, LISTING_LONG);
}

/* Apply the changes waiting for space i, merged (those that do not fit in memory
 * wait for the next job). */
static void start_change(struct cfs_sync *s, size_t i)
{
	struct pending **end = &s->applying;

	while (s->spaces[i].changes &&
	       (!s->applying || cfs_sync_change_move(&s->chg, &s->spaces[i].changes->c) == 0)) {
		struct pending *p = s->spaces[i].changes;

		if (!s->applying) {
			s->chg = p->c;
			memset(&p->c, 0, sizeof(p->c));
		}
		s->spaces[i].changes = p->next;
		p->next = NULL;
		*end = p;
		end = &p->next;
	}
	s->current = i;
	s->busy = 1;
	s->job = CHANGE;
	s->job_start = uv_now(s->loop);
	s->work.data = s;
	if (uv_queue_work(s->loop, &s->work, load_work, load_done)) {
		cfs_sync_change_clear(&s->chg);
		s->busy = 0;
		changes_done(&s->applying, -EIO);
	}
}

/* List the next space that wants it: a LOAD before any REFRESH or FEED. */
static void next_job(struct cfs_sync *s)
{
	size_t pick = s->nspaces;
	char *id = NULL, *key = NULL;
	int loaded, ret;

	if (s->busy)
		return;
	for (size_t i = 0; i < s->nspaces; i++)
		if (s->spaces[i].changes) {
			start_change(s, i);
			return;
		}
	for (size_t i = 0; i < s->nspaces; i++)
		if (s->spaces[i].wish == LOAD || (s->spaces[i].wish && pick == s->nspaces))
			pick = i;
	if (pick == s->nspaces)
		return;
	if (cfs_tree_space(s->cfg.tree, pick, &id, &key, &loaded)) {
		wake(s, pick, -ENOMEM);
		return;
	}
	s->current = pick;
	s->busy = 1;
	if (s->spaces[pick].later) {
		struct waiter **end = &s->spaces[pick].waiters;

		while (*end)
			end = &(*end)->next;
		*end = s->spaces[pick].later;
		s->spaces[pick].later = NULL;
	}
	s->job = s->spaces[pick].wish;
	s->job_start = uv_now(s->loop);
	if (s->job == FEED) {
		struct space_state *sp = &s->spaces[pick];

		sp->wish = NONE;
		ret =
		    cfs_feed_list(s->cfg.cf, id, key, sp->cursor, s->cfg.margin_ms,
		                  cfs_feed_minutes(s->job_start - sp->last_feed, s->cfg.margin_ms),
		                  CFS_HTTP_BACKGROUND, "change feed", on_feed, s);
		if (ret)
			s->busy = 0;
		free(id);
		free(key);
		return;
	}
	/* A space listed in the background: users wait on lazy.c. */
	ret = cfs_sync_list_space_paged(
	    s->cfg.cf, id, key, s->cfg.tree, pick,
	    s->spaces[pick].wish == LOAD && !s->spaces[pick].background ? CFS_HTTP_USER
	                                                                : CFS_HTTP_BACKGROUND,
	    s->spaces[pick].wish == LOAD ? "listing the space" : "refresh",
	    s->spaces[pick].background ? on_paged : NULL, on_listing, s);
	s->spaces[pick].wish = NONE;
	if (ret) {
		s->busy = 0;
		wake(s, pick, ret);
	}
	free(id);
	free(key);
}

/* Every loaded space is refreshed: by its change feed, or listed again when full
 * (asked for, or full_ttl has passed since its last full listing). */
static void want_refresh(struct cfs_sync *s, int full)
{
	uint64_t now = uv_now(s->loop);

	for (size_t i = 0; i < s->nspaces; i++) {
		struct space_state *sp = &s->spaces[i];
		int loaded = 0;

		cfs_tree_space(s->cfg.tree, i, NULL, NULL, &loaded);
		/* A failed background listing: again, at the ttl's pace. */
		if (unlisted(s, i) && sp->wish == NONE)
			sp->wish = LOAD;
		if (!loaded)
			continue;
		first_use(s, i);
		if (full || now - sp->last_full >= s->cfg.full_ttl_ms) {
			if (sp->wish < REFRESH)
				sp->wish = REFRESH;
		} else if (sp->wish == NONE) {
			sp->wish = FEED;
		}
	}
	next_job(s);
}

static void on_timer(uv_timer_t *t)
{
	struct cfs_sync *s = t->data;

	if (s->cfg.paused && atomic_load(s->cfg.paused))
		return; /* offline: the probe asks for a refresh when the site answers */
	if (atomic_exchange(s->cfg.activity, 0))
		want_refresh(s, 0);
}

static void lazy_idle(void *arg)
{
	maybe_free(arg);
}

int cfs_sync_start(uv_loop_t *loop, const struct cfs_sync_config *cfg, struct cfs_sync **out)
{
	struct cfs_sync *s = calloc(1, sizeof(*s));
	uint64_t every = cfg->ttl_ms ? cfg->ttl_ms : 1000;

	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	if (!s->cfg.margin_ms)
		s->cfg.margin_ms = CFS_FEED_MARGIN_MS;
	s->nspaces = cfs_tree_nspaces(cfg->tree);
	s->spaces = calloc(s->nspaces, sizeof(*s->spaces));
	if (!s->spaces) {
		free(s);
		return -ENOMEM;
	}
	s->loop = loop;
	if (cfs_lazy_new(loop, cfg->cf, cfg->tree, lazy_idle, s, &s->lazy)) {
		free(s->spaces);
		free(s);
		return -ENOMEM;
	}
	uv_timer_init(loop, &s->retry);
	s->retry.data = s;
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	uv_timer_start(&s->timer, on_timer, every, every);
	*out = s;
	return 0;
}

void cfs_sync_now(struct cfs_sync *s)
{
	if (!s->stopping)
		want_refresh(s, 1);
}

void cfs_sync_feed_now(struct cfs_sync *s)
{
	if (!s->stopping)
		want_refresh(s, 0);
}

void cfs_sync_space(struct cfs_sync *s, size_t space, cfs_sync_space_cb cb, void *arg)
{
	int loaded = 0;
	struct waiter *w;

	if (s->stopping || space >= s->nspaces) {
		cb(arg, s->stopping ? -ESHUTDOWN : -EINVAL);
		return;
	}
	cfs_tree_space(s->cfg.tree, space, NULL, NULL, &loaded);
	if (loaded) {
		cb(arg, 0);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		cb(arg, -ENOMEM);
		return;
	}
	w->cb = cb;
	w->arg = arg;
	w->next = s->spaces[space].waiters;
	s->spaces[space].waiters = w;
	/* Already being listed: the waiter rides along. */
	if (!(s->busy && s->current == space))
		s->spaces[space].wish = LOAD;
	next_job(s);
}

void cfs_sync_relist(struct cfs_sync *s, size_t space, cfs_sync_space_cb cb, void *arg)
{
	struct waiter *w;

	if (s->stopping || space >= s->nspaces) {
		cb(arg, s->stopping ? -ESHUTDOWN : -EINVAL);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		cb(arg, -ENOMEM);
		return;
	}
	w->cb = cb;
	w->arg = arg;
	w->next = s->spaces[space].later;
	s->spaces[space].later = w;
	/* A listing in flight may predate the change: the waiter waits for the next. */
	s->spaces[space].wish = LOAD;
	next_job(s);
}

void cfs_sync_change(struct cfs_sync *s, size_t space, struct cfs_sync_change *c,
                     cfs_sync_space_cb cb, void *arg)
{
	struct pending *p, **end;
	int loaded = 0;

	if (s->stopping || space >= s->nspaces) {
		cfs_sync_change_clear(c);
		cb(arg, s->stopping ? -ESHUTDOWN : -EINVAL);
		return;
	}
	cfs_tree_space(s->cfg.tree, space, NULL, NULL, &loaded);
	if (!loaded || !(p = calloc(1, sizeof(*p)))) {
		cfs_sync_change_clear(c);
		cb(arg, loaded ? -ENOMEM : 0);
		return;
	}
	p->c = *c;
	memset(c, 0, sizeof(*c));
	p->cb = cb;
	p->arg = arg;
	for (end = &s->spaces[space].changes; *end; end = &(*end)->next)
		;
	*end = p;
	next_job(s);
}

static void timer_closed(uv_handle_t *h)
{
	struct cfs_sync *s = h->data;

	if (h == (uv_handle_t *)&s->retry)
		s->retry_closed = 1;
	else
		s->timer_closed = 1;
	maybe_free(s);
}

void cfs_sync_stop(struct cfs_sync *s)
{
	s->stopping = 1;
	cfs_lazy_stop(s->lazy);
	uv_timer_stop(&s->timer);
	uv_timer_stop(&s->retry);
	uv_close((uv_handle_t *)&s->timer, timer_closed);
	uv_close((uv_handle_t *)&s->retry, timer_closed);
}

static void begun(void *arg, int err)
{
	(void)arg;
	(void)err; /* on_listing said it; the next use or ttl tries again */
}

void cfs_sync_begin(struct cfs_sync *s)
{
	int loaded = 1;

	s->ahead = 1;
	if (s->nspaces != 1)
		return; /* several: each listed in the background once used (cfs_sync_dir) */
	cfs_tree_space(s->cfg.tree, 0, NULL, NULL, &loaded);
	if (!loaded) {
		s->spaces[0].background = 1;
		cfs_sync_space(s, 0, begun, NULL);
	}
}

void cfs_sync_dir(struct cfs_sync *s, uint64_t ino, cfs_sync_space_cb cb, void *arg)
{
	size_t space = 0;
	char *id = NULL, *type = NULL;
	struct dir_waiter *w;
	int ret;

	if (s->stopping) {
		cb(arg, -ESHUTDOWN);
		return;
	}
	ret = cfs_tree_dir_wanted(s->cfg.tree, ino, &space, &id, &type);
	if (ret <= 0) {
		cb(arg, ret);
		return;
	}
	if (s->ahead && !s->spaces[space].background) { /* one of several, first used */
		s->spaces[space].background = 1;
		if (s->busy && s->current != space)
			s->spaces[space].lazy = 1; /* its listing waits behind another's */
	}
	if (!s->spaces[space].background) { /* listed before mounting (-o rw) */
		free(id);
		free(type);
		cfs_sync_space(s, space, cb, arg);
		return;
	}
	/* The full listing goes on (or again, if it failed and no backoff is pending). */
	if (!(s->busy && s->current == space) && s->spaces[space].wish == NONE &&
	    !uv_is_active((uv_handle_t *)&s->retry)) {
		s->spaces[space].wish = LOAD;
		next_job(s);
	}
	if (s->spaces[space].lazy) { /* a long (or failed) listing: this directory first */
		cfs_lazy_want(s->lazy, space, id, type, cb, arg);
		return;
	}
	free(id);
	free(type);
	/* Until the listing's first page tells whether it is short, wait for it. */
	w = calloc(1, sizeof(*w));
	if (!w) {
		cb(arg, -ENOMEM);
		return;
	}
	w->ino = ino;
	w->cb = cb;
	w->arg = arg;
	w->next = s->spaces[space].undecided;
	s->spaces[space].undecided = w;
}

/* What became of the space's listing for the requests waiting to learn whether it is long
 * (cfs_sync_dir): LISTING_LONG, it needs more pages or failed, so each lists its own directory
 * ahead, as later ones will; else it is in (0) or the mount stops (-ESHUTDOWN), which
 * they are told. */
static void decide(struct cfs_sync *s, size_t i, int how)
{
	struct dir_waiter *w = s->spaces[i].undecided;

	s->spaces[i].undecided = NULL;
	s->spaces[i].lazy = how == LISTING_LONG;
	while (w) {
		struct dir_waiter *next = w->next;

		if (how == LISTING_LONG)
			cfs_sync_dir(s, w->ino, w->cb, w->arg);
		else
			w->cb(w->arg, how);
		free(w);
		w = next;
	}
}
