/* feed: the change-feed cursor and one feed of one space (include/feed.h, docs/refresh.md).
 *
 * DESIGN.  A feed is the cheap half of a refresh: Cloud lists the space's pages and blog
 * posts newest first and stops at the cursor (less the margin), and searches the
 * attachments and labels changed in the last minutes; Data Center searches pages, blog
 * posts (with their labels) and attachments by CQL.  The requests go side by side; the
 * first hard failure fails the feed (the caller keeps its cursor and tries again next
 * ttl).  Blog posts, labels and a refused attachment search are nice to have, as in a full
 * listing.  What the feed finds is applied by feed_apply.c on the thread pool.
 */
#include "feed.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the cursor ---- */

int cfs_feed_time_cmp(struct cfs_time a, struct cfs_time b)
{
	if (a.sec != b.sec)
		return a.sec < b.sec ? -1 : 1;
	if (a.nsec != b.nsec)
		return a.nsec < b.nsec ? -1 : 1;
	return 0;
}

struct cfs_time cfs_feed_cutoff(struct cfs_time cursor, int64_t margin_ms)
{
	int64_t ns;

	if (cursor.sec == 0 && cursor.nsec == 0)
		return cursor;
	ns = (int64_t)cursor.nsec - (margin_ms % 1000) * 1000000;
	cursor.sec -= margin_ms / 1000;
	if (ns < 0) {
		ns += 1000000000;
		cursor.sec--;
	}
	cursor.nsec = (long)ns;
	if (cursor.sec < 0 || (cursor.sec == 0 && cursor.nsec == 0))
		return (struct cfs_time){0, 1}; /* still "a cursor", before everything */
	return cursor;
}

int cfs_feed_more(struct cfs_time cutoff, const struct cfs_page_list *pages, size_t start)
{
	if (start >= pages->n)
		return 0; /* an empty batch: nothing more to learn */
	return cfs_feed_time_cmp(pages->v[pages->n - 1].mtime, cutoff) >= 0;
}

void cfs_feed_trim(struct cfs_page_list *pages, struct cfs_time cutoff)
{
	size_t keep = 0;

	for (size_t i = 0; i < pages->n; i++) {
		if (cfs_feed_time_cmp(pages->v[i].mtime, cutoff) >= 0)
			pages->v[keep++] = pages->v[i];
		else
			cfs_model_page_clear(&pages->v[i]);
	}
	pages->n = keep;
}

struct cfs_time cfs_feed_advance(struct cfs_time cursor, const struct cfs_page_list *pages)
{
	for (size_t i = 0; i < pages->n; i++)
		if (cfs_feed_time_cmp(pages->v[i].mtime, cursor) > 0)
			cursor = pages->v[i].mtime;
	return cursor;
}

long cfs_feed_minutes(uint64_t elapsed_ms, int64_t margin_ms)
{
	uint64_t ms = elapsed_ms + (uint64_t)(margin_ms > 0 ? margin_ms : 0);
	long m = (long)((ms + 59999) / 60000);

	return m < 1 ? 1 : m;
}

/* ---- one feed ---- */

struct feed_call {
	struct cfs_feed_result r;
	struct cfs_page_list blogs; /* appended to r.pages at the end */
	struct cfs_time cutoff;
	enum cfs_http_prio prio;
	cfs_feed_cb cb;
	void *arg;
	int left;
	struct cfs_cf_error err;
	char detail[256], path[512];
	const char *what;
};

static void feed_failed(struct feed_call *c, const struct cfs_cf_error *e, const char *what)
{
	if (c->err.err)
		return;
	c->err = *e;
	c->what = what;
	snprintf(c->detail, sizeof(c->detail), "%s", e->detail ? e->detail : strerror(-e->err));
	snprintf(c->path, sizeof(c->path), "%s", e->path ? e->path : "");
}

void cfs_feed_result_clear(struct cfs_feed_result *r)
{
	cfs_model_page_list_clear(&r->pages);
	cfs_model_attachment_list_clear(&r->atts);
	cfs_model_page_list_clear(&r->labels);
	r->have_labels = 0;
}

static void feed_step(struct feed_call *c)
{
	if (--c->left)
		return;
	if (!c->err.err && c->blogs.n) {
		size_t n = c->r.pages.n + c->blogs.n;
		struct cfs_page *v = realloc(c->r.pages.v, (n ? n : 1) * sizeof(*v));

		if (!v) {
			feed_failed(c, &(struct cfs_cf_error){.err = -ENOMEM}, "the change feed");
		} else {
			memcpy(v + c->r.pages.n, c->blogs.v, c->blogs.n * sizeof(*v));
			c->r.pages.v = v;
			c->r.pages.n = c->r.pages.cap = n;
			c->blogs.n = 0;
		}
	}
	if (c->err.err) {
		c->err.detail = c->detail;
		c->err.path = c->path;
	}
	c->cb(c->arg, c->err.err ? &c->err : NULL, c->what, &c->r);
	cfs_feed_result_clear(&c->r);
	cfs_model_page_list_clear(&c->blogs);
	free(c);
}

static int feed_more(void *arg, const struct cfs_page_list *pages, size_t start)
{
	struct feed_call *c = arg;

	return cfs_feed_more(c->cutoff, pages, start);
}

static void on_pages(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct feed_call *c = arg;

	if (e->err) {
		feed_failed(c, e, "the change feed of the pages");
	} else {
		cfs_feed_trim(pages, c->cutoff);
		c->r.pages = *pages;
		memset(pages, 0, sizeof(*pages));
	}
	feed_step(c);
}

/* Data Center: the CQL search; the window is already in the query. */
static void on_content(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct feed_call *c = arg;

	if (e->err) {
		feed_failed(c, e, "the change feed of the pages");
	} else {
		c->r.pages = *pages;
		memset(pages, 0, sizeof(*pages));
	}
	feed_step(c);
}

static void on_blogs(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct feed_call *c = arg;

	if (e->err) {
		if (e->err != -ECANCELED)
			cfs_debug("the change feed of the blog posts failed (GET %s: %s)",
			          e->path ? e->path : "",
			          e->detail ? e->detail : strerror(-e->err));
	} else {
		cfs_feed_trim(pages, c->cutoff);
		c->blogs = *pages;
		memset(pages, 0, sizeof(*pages));
	}
	feed_step(c);
}

static void on_atts(void *arg, const struct cfs_cf_error *e, struct cfs_attachment_list *atts)
{
	struct feed_call *c = arg;

	if (e->err && (e->status == 400 || e->status == 403)) {
		/* The site refuses the search: new attachments show at the next full listing. */
		cfs_debug("the change feed of the attachments was refused (HTTP %ld)", e->status);
	} else if (e->err) {
		feed_failed(c, e, "the change feed of the attachments");
	} else {
		c->r.atts = *atts;
		memset(atts, 0, sizeof(*atts));
	}
	feed_step(c);
}

static void on_labels(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct feed_call *c = arg;

	if (e->err) {
		if (e->err != -ECANCELED)
			cfs_debug("the change feed of the labels failed (%s)",
			          e->detail ? e->detail : strerror(-e->err));
	} else {
		c->r.labels = *pages;
		c->r.have_labels = 1;
		memset(pages, 0, sizeof(*pages));
	}
	feed_step(c);
}

int cfs_feed_list(struct cfs_cf *cf, const char *space_id, const char *space_key,
                  struct cfs_time cursor, int64_t margin_ms, long minutes, enum cfs_http_prio prio,
                  const char *tag, cfs_feed_cb cb, void *arg)
{
	static const struct cfs_cf_error nomem = {.err = -ENOMEM, .detail = "out of memory"};
	struct feed_call *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->cutoff = cfs_feed_cutoff(cursor, margin_ms);
	c->prio = prio;
	c->cb = cb;
	c->arg = arg;
	c->left = 2; /* the first listing, and a hold until all are sent */
	cfs_cf_tag(cf, tag);
	if (cfs_cf_api(cf) == CFS_API_DC)
		ret = cfs_cf_changed_content(cf, space_key, minutes, prio, on_content, c);
	else
		ret = cfs_cf_space_recent(cf, space_id, 0, prio, feed_more, c, on_pages, c);
	if (ret) {
		free(c);
		return ret;
	}
	if (cfs_cf_api(cf) != CFS_API_DC) {
		c->left += 2;
		cfs_cf_tag(cf, tag);
		if (cfs_cf_space_recent(cf, space_id, 1, prio, feed_more, c, on_blogs, c))
			on_blogs(c, &nomem, NULL);
		cfs_cf_tag(cf, tag);
		if (cfs_cf_changed_labels(cf, space_key, minutes, prio, on_labels, c))
			on_labels(c, &nomem, NULL);
	}
	c->left++;
	cfs_cf_tag(cf, tag);
	if (cfs_cf_changed_attachments(cf, space_key, minutes, prio, on_atts, c))
		on_atts(c, &nomem, NULL);
	feed_step(c); /* the hold */
	return 0;
}
