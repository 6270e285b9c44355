/* sync_list: one space's listings side by side — pages, blog posts, attachments, labels
 * and (Cloud) the containers its pages hang under — merged into one struct
 * cfs_sync_listing (cfs_sync_list_space), and loaded into the tree (cfs_sync_apply).
 * See sync.c for who lists what, when. */
#include "containers.h"
#include "log.h"
#include "sync.h"

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
	void (*paged)(void *arg); /* may be NULL: told once when the pages need a 2nd request */
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

/* Before the page listing's second batch: the listing will take a while. */
static int listing_more(void *arg, const struct cfs_page_list *pages, size_t batch_start)
{
	struct listing_call *c = arg;

	(void)pages;
	(void)batch_start;
	if (c->paged) {
		c->paged(c->arg);
		c->paged = NULL;
	}
	return 1;
}

int cfs_sync_list_space_paged(struct cfs_cf *cf, const char *space_id, const char *space_key,
                              struct cfs_tree *known, size_t space, enum cfs_http_prio prio,
                              const char *tag, void (*paged)(void *arg), cfs_sync_listing_cb cb,
                              void *arg)
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
	c->paged = paged;
	cfs_cf_tag(cf, tag);
	ret = cfs_cf_space_pages_more(cf, space_id, prio, listing_more, c, on_list_pages, c);
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

int cfs_sync_list_space(struct cfs_cf *cf, const char *space_id, const char *space_key,
                        struct cfs_tree *known, size_t space, enum cfs_http_prio prio,
                        const char *tag, cfs_sync_listing_cb cb, void *arg)
{
	return cfs_sync_list_space_paged(cf, space_id, space_key, known, space, prio, tag, NULL, cb,
	                                 arg);
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
