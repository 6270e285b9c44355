/* sync: lists spaces into the tree — on first use, and again after ttl while the mount is in use.
 *
 * DESIGN.  Listing a space is four paginated listings side by side (pages,
 * blog posts, attachments, labels; one request per 250 items), merged into
 * one struct cfs_sync_listing: cfs_sync_list_space().  On Cloud the page
 * listing is completed with the folders, whiteboards, databases and embeds
 * its pages hang under or a fifth search found (containers.c; the tree
 * remembers them, so a refresh asks only for new ones).  Blog posts and labels are nice to have:
 * their failure is a warning, not a failed listing.  The mount check uses it for a single space
 * before mounting; everything else goes through the struct cfs_sync below.
 *
 * Each space has a wish: nothing, FEED, REFRESH or LOAD.  A LOAD comes from a
 * FUSE operation waiting to look into a space that has never been listed
 * (cfs_sync_space(), the waiters are called back when it is in the tree), or
 * from cfs_sync_begin() right after a single space was mounted; the repeating
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
 */
#include "sync.h"
#include "containers.h"
#include "feed.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- one space's listings, side by side ---- */

struct listing_call {
	struct cfs_sync_listing l;
	struct cfs_page_list content, blogs; /* merged into l.pages at the end */
	struct cfs_page_list found;          /* the containers a search found (Cloud) */
	int learn_wait;                      /* listings the learning waits for */
	struct cfs_cf *cf;
	struct cfs_tree *known; /* remembers containers; may be NULL */
	size_t space;
	enum cfs_http_prio prio;
	char *tag;
	cfs_sync_listing_cb cb;
	void *arg;
	int left;          /* listings still running */
	int atts_per_page; /* the CQL search was refused: list each page's attachments */
	struct cfs_cf_error err;
	char detail[256], path[512];
	const char *what;
};

/* Move the items of from to the end of to (both page lists). */
static int append_pages(struct cfs_page_list *to, struct cfs_page_list *from)
{
	if (to->n + from->n > to->cap) {
		size_t cap = to->n + from->n;
		struct cfs_page *v = realloc(to->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		to->v = v;
		to->cap = cap;
	}
	if (from->n)
		memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
	to->n += from->n;
	from->n = 0;
	cfs_model_page_list_clear(from);
	return 0;
}

/* Keep the first failure, with copies of its strings. */
static void listing_failed(struct listing_call *c, const struct cfs_cf_error *e, const char *what)
{
	if (c->err.err)
		return;
	c->err = *e;
	c->what = what;
	snprintf(c->detail, sizeof(c->detail), "%s", e->detail ? e->detail : strerror(-e->err));
	snprintf(c->path, sizeof(c->path), "%s", e->path ? e->path : "");
}

static int atts_per_page(struct listing_call *c);

static void listing_step(struct listing_call *c)
{
	if (--c->left)
		return;
	if (c->atts_per_page && !c->err.err && atts_per_page(c))
		return; /* the last page's attachments finish it */
	if (!c->err.err &&
	    (append_pages(&c->l.pages, &c->content) || append_pages(&c->l.pages, &c->blogs)))
		listing_failed(c, &(struct cfs_cf_error){.err = -ENOMEM}, "listing the space");
	if (c->err.err) {
		c->err.detail = c->detail;
		c->err.path = c->path;
	}
	c->cb(c->arg, c->err.err ? &c->err : NULL, c->what, &c->l);
	cfs_sync_listing_clear(&c->l);
	cfs_model_page_list_clear(&c->content);
	cfs_model_page_list_clear(&c->blogs);
	cfs_model_page_list_clear(&c->found);
	free(c->tag);
	free(c);
}

/* ---- the containers of the page listing (containers.c, over the Confluence client) ---- */

struct container_fetch {
	cfs_containers_got_fn got;
	void *ctx;
};

static void on_container(void *arg, const struct cfs_cf_error *e, struct cfs_page *p)
{
	struct container_fetch *f = arg;

	f->got(f->ctx, e->err, e->status, e->detail, p);
	free(f);
}

static int container_fetch(void *arg, const char *type, const char *id, cfs_containers_got_fn got,
                           void *ctx)
{
	struct listing_call *c = arg;
	struct container_fetch *f = malloc(sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	f->got = got;
	f->ctx = ctx;
	cfs_cf_tag(c->cf, c->tag);
	ret = cfs_cf_container(c->cf, type, id, c->prio, on_container, f);
	if (ret)
		free(f);
	return ret;
}

static int container_known(void *arg, const char *id, struct cfs_page *out)
{
	struct listing_call *c = arg;

	return c->known ? cfs_tree_container(c->known, c->space, id, out) : -ENOENT;
}

static int container_gone(void *arg, const char *id)
{
	struct listing_call *c = arg;

	return c->known ? cfs_tree_gone(c->known, id) : 0;
}

static void container_lost(void *arg, const char *id)
{
	struct listing_call *c = arg;
	char **v = realloc(c->l.gone, (c->l.ngone + 1) * sizeof(*v));

	if (!v)
		return; /* only the memory of it is lost: it is asked for again next time */
	c->l.gone = v;
	if ((v[c->l.ngone] = strdup(id)))
		c->l.ngone++;
}

static void on_learnt(void *arg, int err, size_t fetched, size_t failed)
{
	struct listing_call *c = arg;

	if (err)
		listing_failed(c, &(struct cfs_cf_error){.err = err}, "learning the folders");
	if (fetched || failed)
		cfs_info("learnt %zu folders, whiteboards, databases or embeds (%zu could not be "
		         "fetched)",
		         fetched, failed);
	listing_step(c);
}

/* The page listing and the container search are in: learn the containers. */
static void learn_ready(struct listing_call *c)
{
	struct cfs_containers_ops ops = {.known = container_known,
	                                 .fetch = container_fetch,
	                                 .gone = container_gone,
	                                 .lost = container_lost,
	                                 .arg = c};

	if (--c->learn_wait || c->err.err)
		return;
	c->left++;
	if (cfs_containers_learn(&c->content, &c->found, &ops, on_learnt, c))
		on_learnt(c, -ENOMEM, 0, 0);
}

static void on_list_pages(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct listing_call *c = arg;

	if (e->err) {
		listing_failed(c, e, "listing the space");
	} else {
		c->content = *pages;
		memset(pages, 0, sizeof(*pages));
	}
	learn_ready(c);
	listing_step(c);
}

/* The space's containers (Cloud): nice to have, as they only add empty folders
 * (and the like) to what the pages' parents tell. */
static void on_list_containers(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *found)
{
	struct listing_call *c = arg;

	if (e->err) {
		cfs_debug("searching the space's folders failed (GET %s: %s); only those with "
		          "pages in them are shown",
		          e->path ? e->path : "", e->detail ? e->detail : strerror(-e->err));
	} else {
		c->found = *found;
		memset(found, 0, sizeof(*found));
	}
	learn_ready(c);
	listing_step(c);
}

/* Blog posts are nice to have: a failure is logged, the space is shown without _blog/. */
static void on_list_blogs(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct listing_call *c = arg;

	if (e->err) {
		if (e->err != -ECANCELED)
			cfs_warn(
			    "listing the blog posts of the space failed (GET %s: %s); going on "
			    "without _blog",
			    e->path ? e->path : "", e->detail ? e->detail : strerror(-e->err));
	} else {
		c->blogs = *pages;
		memset(pages, 0, sizeof(*pages));
	}
	listing_step(c);
}

/* Move the items of from to the end of to (attachment lists). */
static int append_atts(struct cfs_attachment_list *to, struct cfs_attachment_list *from)
{
	if (to->n + from->n > to->cap) {
		size_t cap = (to->n + from->n) * 2;
		struct cfs_attachment *v = realloc(to->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		to->v = v;
		to->cap = cap;
	}
	if (from->n)
		memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
	to->n += from->n;
	from->n = 0;
	cfs_model_attachment_list_clear(from);
	return 0;
}

struct page_atts {
	struct listing_call *c;
	char *page_id;
};

static void on_page_atts(void *arg, const struct cfs_cf_error *e, struct cfs_attachment_list *atts)
{
	struct page_atts *pa = arg;
	struct listing_call *c = pa->c;
	int ret = e->err == -ENOENT ? 0 : e->err; /* a page deleted meanwhile has none */

	/* A v2 blog post's attachments name their post as blogPostId. */
	for (size_t i = 0; !e->err && i < atts->n; i++)
		if (!atts->v[i].page_id && !(atts->v[i].page_id = strdup(pa->page_id)))
			ret = -ENOMEM;
	if (!e->err && !ret)
		ret = append_atts(&c->l.atts, atts);
	if (e->err && ret)
		listing_failed(c, e, "listing the attachments of a page");
	else if (ret)
		listing_failed(c, &(struct cfs_cf_error){.err = ret}, "listing attachments");
	free(pa->page_id);
	free(pa);
	listing_step(c);
}

/* The search for the space's attachments was refused: ask every page and
 * blog post for its own (slower: one request per page, behind the same
 * semaphore).  Returns 1 when requests are out (left counts them). */
static int atts_per_page(struct listing_call *c)
{
	static const struct cfs_cf_error nomem = {.err = -ENOMEM, .detail = "out of memory"};
	struct cfs_page_list *lists[] = {&c->content, &c->blogs};

	c->atts_per_page = 0;
	c->left = 1;
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < lists[k]->n; i++) {
			const struct cfs_page *p = &lists[k]->v[i];
			struct page_atts *pa;

			if (p->type && strcmp(p->type, "page") != 0 &&
			    strcmp(p->type, "blogpost") != 0)
				continue;
			pa = calloc(1, sizeof(*pa));
			if (!pa || !(pa->page_id = strdup(p->id))) {
				free(pa);
				listing_failed(c, &nomem, "listing attachments");
				break;
			}
			pa->c = c;
			c->left++;
			cfs_cf_tag(c->cf, c->tag);
			if (cfs_cf_page_attachments(c->cf, p->id, k == 1, c->prio, on_page_atts,
			                            pa)) {
				struct cfs_attachment_list none = {0};

				on_page_atts(pa, &nomem, &none);
			}
		}
	}
	return --c->left > 0;
}

static void on_list_atts(void *arg, const struct cfs_cf_error *e, struct cfs_attachment_list *atts)
{
	struct listing_call *c = arg;

	if (e->err && (e->status == 400 || e->status == 403)) {
		cfs_warn("the search for the space's attachments was refused (HTTP %ld, GET %s); "
		         "listing them page by page",
		         e->status, e->path ? e->path : "");
		c->atts_per_page = 1;
	} else if (e->err) {
		listing_failed(c, e, "listing the attachments of the space");
	} else {
		c->l.atts = *atts;
		memset(atts, 0, sizeof(*atts));
	}
	listing_step(c);
}

/* Labels are nice to have: a failure is logged, not fatal. */
static void on_list_labels(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct listing_call *c = arg;

	if (e->err) {
		cfs_warn("listing the labels of the space failed (%s); going on without labels",
		         e->detail ? e->detail : strerror(-e->err));
	} else {
		c->l.labels = *pages;
		c->l.have_labels = 1;
		memset(pages, 0, sizeof(*pages));
	}
	listing_step(c);
}

int cfs_sync_list_space(struct cfs_cf *cf, const char *space_id, const char *space_key,
                        struct cfs_tree *known, size_t space, enum cfs_http_prio prio,
                        const char *tag, cfs_sync_listing_cb cb, void *arg)
{
	static const struct cfs_cf_error nomem = {.err = -ENOMEM, .detail = "out of memory"};
	struct listing_call *c = calloc(1, sizeof(*c));
	int ret;

	if (!c || (tag && !(c->tag = strdup(tag)))) {
		free(c);
		return -ENOMEM;
	}
	c->cf = cf;
	c->known = known;
	c->space = space;
	c->prio = prio;
	c->cb = cb;
	c->arg = arg;
	c->left = 2; /* the page listing, and a hold until all are sent */
	c->learn_wait = 1;
	cfs_cf_tag(cf, tag);
	ret = cfs_cf_space_pages(cf, space_id, prio, on_list_pages, c);
	if (ret) {
		free(c->tag);
		free(c);
		return ret;
	}
	if (cfs_cf_api(cf) != CFS_API_DC) {
		c->left++;
		c->learn_wait++;
		cfs_cf_tag(cf, tag);
		if (cfs_cf_space_containers(cf, space_key, prio, on_list_containers, c))
			on_list_containers(c, &nomem, NULL);
	}
	c->left++;
	cfs_cf_tag(cf, tag);
	if (cfs_cf_space_blogposts(cf, space_id, prio, on_list_blogs, c))
		on_list_blogs(c, &nomem, NULL);
	c->left++;
	cfs_cf_tag(cf, tag);
	if (cfs_cf_space_attachments(cf, space_key, prio, on_list_atts, c))
		on_list_atts(c, &nomem, NULL);
	c->left++;
	cfs_cf_tag(cf, tag);
	if (cfs_cf_space_labels(cf, space_key, prio, on_list_labels, c))
		on_list_labels(c, &nomem, NULL);
	listing_step(c); /* the hold: the last listing's callback finishes it */
	return 0;
}

void cfs_sync_listing_clear(struct cfs_sync_listing *l)
{
	cfs_model_page_list_clear(&l->pages);
	cfs_model_attachment_list_clear(&l->atts);
	cfs_model_page_list_clear(&l->labels);
	l->have_labels = 0;
	for (size_t i = 0; i < l->ngone; i++)
		free(l->gone[i]);
	free(l->gone);
	l->gone = NULL;
	l->ngone = 0;
}

int cfs_sync_apply(struct cfs_tree *t, size_t space, const struct cfs_sync_listing *l,
                   struct cfs_tree_changes *changes)
{
	int ret = cfs_tree_load(t, space, &l->pages, &l->atts, changes);

	if (ret == 0 && l->have_labels)
		ret = cfs_tree_set_labels(t, &l->labels, changes);
	if (ret == 0)
		ret = cfs_tree_add_gone(t, l->gone, l->ngone);
	return ret;
}

/* ---- keeping the tree's spaces listed ---- */

enum wish { NONE, FEED, REFRESH, LOAD };

struct waiter {
	cfs_sync_space_cb cb;
	void *arg;
	struct waiter *next;
};

struct space_state {
	enum wish wish;
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
	enum wish job;               /* what is in flight: LOAD, REFRESH or FEED */
	uint64_t job_start;          /* uv_now() when it began */
	int load_err;
	int busy;   /* a listing or load in flight */
	int invals; /* kernel invalidations in flight */
	int stopping;
	int timer_closed;
	int background; /* cfs_sync_begin(): an unlisted space is tried again every ttl */
};

static void maybe_free(struct cfs_sync *s)
{
	if (s->stopping && s->timer_closed && !s->busy && !s->invals) {
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
		}
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

static void load_done(uv_work_t *w, int status)
{
	struct cfs_sync *s = w->data;
	struct inval_job *j = NULL;
	struct space_state *sp = &s->spaces[s->current];

	if (!status && !s->load_err) {
		/* The cursor moves only once what it covers is in the tree. */
		sp->cursor =
		    cfs_feed_advance(sp->cursor, s->job == FEED ? &s->fed.pages : &s->got.pages);
		sp->last_feed = s->job_start;
		if (s->job != FEED)
			sp->last_full = s->job_start;
		sp->fed = 1;
	}
	cfs_sync_listing_clear(&s->got);
	cfs_feed_result_clear(&s->fed);
	s->busy = 0;
	wake(s, s->current, status ? -ECANCELED : s->load_err);
	if (s->ch.n && s->cfg.inval && !status && (j = calloc(1, sizeof(*j)))) {
		j->s = s;
		j->ch = s->ch;
		j->work.data = j;
		memset(&s->ch, 0, sizeof(s->ch));
		if (uv_queue_work(s->loop, &j->work, inval_work, inval_done) == 0) {
			s->invals++;
		} else {
			cfs_tree_changes_clear(&j->ch);
			free(j);
		}
	}
	cfs_tree_changes_clear(&s->ch);
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

/* List the next space that wants it: a LOAD before any REFRESH or FEED. */
static void next_job(struct cfs_sync *s)
{
	size_t pick = s->nspaces;
	char *id = NULL, *key = NULL;
	int loaded, ret;

	if (s->busy)
		return;
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
	ret = cfs_sync_list_space(
	    s->cfg.cf, id, key, s->cfg.tree, pick,
	    s->spaces[pick].wish == LOAD ? CFS_HTTP_USER : CFS_HTTP_BACKGROUND,
	    s->spaces[pick].wish == LOAD ? "listing the space" : "refresh", on_listing, s);
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
		if (!loaded && s->background && sp->wish == NONE && !(s->busy && s->current == i))
			sp->wish =
			    LOAD; /* the background listing failed: again, with the ttl's pause */
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

static void begun(void *arg, int err)
{
	(void)arg;
	(void)err; /* on_listing said it; the next use or ttl tries again */
}

void cfs_sync_begin(struct cfs_sync *s)
{
	int loaded = 1;

	if (s->nspaces != 1)
		return;
	cfs_tree_space(s->cfg.tree, 0, NULL, NULL, &loaded);
	if (!loaded) {
		s->background = 1;
		cfs_sync_space(s, 0, begun, NULL);
	}
}
