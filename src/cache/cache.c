/* cache: rendered pages — fetch once, in batches, convert off the loop, hand out.
 *
 * DESIGN.  Everything here runs on the loop thread except convert_work(),
 * which runs on the uv thread pool.  A page being fetched has one struct
 * pagefetch, hung on the node's loop slot; later callers for the same page
 * join its waiter list instead of sending a second request (single flight).
 *
 * Two ways in.  A user waiting on a page (cfs_cache_page) gets a USER request
 * for that page alone — unless the page is already part of a background batch,
 * which is then promoted to USER priority.  Prefetch (cfs_cache_prefetch)
 * groups pages into batches of `batch` ids (25 by default), one BACKGROUND
 * request each (GET /pages?id=...&body-format=storage), so a whole-space
 * grep costs a few requests per hundred pages and never delays a user's
 * request.  Smaller batches mean more, smaller requests in parallel; larger
 * ones fewer round trips (docs/performance.md has the measurements).
 *
 * A fetched body is converted by cfs_tree_convert() (links resolved against
 * the tree) and the Markdown is stored in the tree, where FUSE threads find it
 * without coming here again.  Before that, the users it mentions are looked up
 * (once per mount) and the mounted spaces it links into are listed (once),
 * so the Markdown is the same whatever was read first.  Blog posts travel
 * in batches of their own (the API serves them apart from pages).
 */
#include "cache.h"
#include "convert.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX    250 /* ids per request the API takes */
#define INC_MAX      16  /* included pages (nested too) and anchor targets fetched per page */
#define ANCHOR_DEPTH (CFS_CONVERT_INCLUDE_DEPTH + 1) /* inc.depth of an anchor target */
#define USER_MAX     16                              /* user lookups one page may start */

struct waiter {
	cfs_cache_cb cb;
	void *arg;
	struct waiter *next;
};

struct batch;
struct pagefetch;

/* A page that the page being converted includes (include, excerpt-include). */
struct inc {
	struct pagefetch *pf;
	char *space, *title; /* space: the including page's key when the macro names none */
	char *storage;       /* NULL until fetched, or when the fetch failed */
	int depth;           /* 1: included by the page itself; ANCHOR_DEPTH: an anchor target */
};

/* What a fetch needs once the body has arrived (allocated then: a prefetch
 * of a whole space queues one pagefetch per page, docs/memory.md). */
struct pf_conv {
	int pending; /* user lookups, space listings, includes the conversion waits for */
	int phase;   /* 0: spaces and users; 1: included pages */
	struct inc *inc[INC_MAX]; /* included pages, fetched before the conversion */
	size_t ninc;
	int lookups; /* user lookups this page started */
	uv_work_t work;
	struct cfs_page page; /* the fetched page; its body is consumed by the work */
	char *md;
	size_t md_len;
	struct cfs_tree_links links; /* titles the Markdown links to */
	int err;
};

struct pagefetch {
	struct cfs_cache *c;
	struct cfs_node *node;
	struct waiter *waiters;
	struct batch *batch;      /* the background batch carrying it, or NULL */
	struct cfs_cf_call *call; /* the request carrying it alone, or NULL */
	int64_t version;          /* the page's version when the fetch started */
	int blog;                 /* a blog post */
	char *id;
	struct pf_conv *cv; /* NULL until the body arrived */
};

struct batch {
	struct cfs_cache *c;
	struct pagefetch *pf[BATCH_MAX];
	size_t n;
	struct cfs_cf_call *call;
};

struct lookup;

struct cfs_cache {
	uv_loop_t *loop;
	struct cfs_cf *cf;
	struct cfs_tree *tree;
	size_t batch;           /* pages per prefetch request */
	struct lookup *lookups; /* user lookups in flight (or queued for a bulk request) */
	struct lookup *unsent;  /* queued by await_user(), sent by flush_users() (Cloud) */
	struct cfs_sync *sync;  /* lists spaces links point into; may be NULL */
	int closing;
	int converting;         /* uv_work in flight */
	cfs_cache_keep_fn keep; /* the write path keeps the storage a page was rendered from */
	void *keep_arg;
};

int cfs_cache_new(uv_loop_t *loop, struct cfs_cf *cf, struct cfs_tree *tree, int batch,
                  struct cfs_cache **out)
{
	struct cfs_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->batch = batch < 1 ? 1 : batch > BATCH_MAX ? BATCH_MAX : (size_t)batch;
	c->loop = loop;
	c->cf = cf;
	c->tree = tree;
	*out = c;
	return 0;
}

void cfs_cache_set_keep(struct cfs_cache *c, cfs_cache_keep_fn fn, void *arg)
{
	c->keep = fn;
	c->keep_arg = arg;
}

void cfs_cache_set_sync(struct cfs_cache *c, struct cfs_sync *sync)
{
	c->sync = sync;
}

void cfs_cache_destroy(struct cfs_cache *c)
{
	c->closing = 1;
	if (!c->converting)
		free(c);
}

static void pf_finish(struct pagefetch *pf, int err, struct cfs_blob *md)
{
	struct waiter *w = pf->waiters;

	*cfs_tree_loop_slot(pf->node) = NULL;
	while (w) {
		struct waiter *next = w->next;
		w->cb(w->arg, err, md);
		free(w);
		w = next;
	}
	if (pf->cv) {
		cfs_model_page_clear(&pf->cv->page);
		for (size_t i = 0; i < pf->cv->ninc; i++) {
			free(pf->cv->inc[i]->space);
			free(pf->cv->inc[i]->title);
			free(pf->cv->inc[i]->storage);
			free(pf->cv->inc[i]);
		}
		free(pf->cv->md);
		free(pf->cv->links.v);
		free(pf->cv);
	}
	free(pf->id);
	free(pf);
}

/* The converter's include_storage (on the thread pool): what was fetched. */
static char *inc_storage(void *arg, const char *space_key, const char *title, size_t *len)
{
	struct pagefetch *pf = arg;

	for (size_t i = 0; i < pf->cv->ninc; i++) {
		struct inc *x = pf->cv->inc[i];

		if (x->storage && x->space && space_key && !strcmp(x->space, space_key) &&
		    !strcmp(x->title, title)) {
			*len = strlen(x->storage);
			return strdup(x->storage);
		}
	}
	return NULL;
}

static void convert_work(uv_work_t *req)
{
	struct pagefetch *pf = req->data;
	const char *body = pf->cv->page.body ? pf->cv->page.body : "";
	struct cfs_tree_inc inc = {inc_storage, pf};

	pf->cv->err = cfs_tree_convert_inc(pf->c->tree, pf->node, body, strlen(body), &inc,
	                                   &pf->cv->md, &pf->cv->md_len, &pf->cv->links);
}

static void convert_done(uv_work_t *req, int status)
{
	struct pagefetch *pf = req->data;
	struct cfs_cache *c = pf->c;
	struct cfs_blob *md = NULL;
	int err = status ? -ECANCELED : pf->cv->err;

	c->converting--;
	if (!err && !c->closing) {
		md = cfs_blob_take(pf->cv->md, pf->cv->md_len);
		pf->cv->md = NULL;
		cfs_tree_learn_version(c->tree, pf->node, &pf->cv->page);
		if (md)
			cfs_tree_set_md(c->tree, pf->node, md,
			                pf->cv->page.version > pf->version ? pf->cv->page.version
			                                                   : pf->version,
			                &pf->cv->links);
		else
			err = -ENOMEM;
		if (md && c->keep) {
			const char *body = pf->cv->page.body ? pf->cv->page.body : "";

			c->keep(c->keep_arg, pf->node,
			        pf->cv->page.version > 0 ? pf->cv->page.version : pf->version, body,
			        strlen(body), md);
		}
	}
	if (c->closing && !err)
		err = -ESHUTDOWN;
	pf_finish(pf, err, md);
	cfs_blob_unref(md);
	if (c->closing && !c->converting)
		free(c);
}

/* The body is here and its mentions resolved: convert on the thread pool. */
static void queue_convert(struct pagefetch *pf)
{
	struct cfs_cache *c = pf->c;

	if (c->closing) {
		pf_finish(pf, -ESHUTDOWN, NULL);
		return;
	}
	pf->cv->work.data = pf;
	if (uv_queue_work(c->loop, &pf->cv->work, convert_work, convert_done)) {
		pf_finish(pf, -EIO, NULL);
		return;
	}
	c->converting++;
}

static void pf_ready(struct pagefetch *pf);

/* A user lookup in flight, shared by every page that mentions the user. */
struct lookup {
	struct cfs_cache *c;
	char *id;
	struct pagefetch **waiting;
	size_t n;
	int user_prio;              /* someone waits for the page */
	struct lookup *next;        /* in c->lookups */
	struct lookup *next_unsent; /* in c->unsent */
};

/* The answer for l (name NULL: unknown; remember 0: cancelled, not remembered). */
static void lookup_done(struct lookup *l, int remember, const char *name)
{
	struct lookup **pl = &l->c->lookups;

	/* Remember failures too (as unknown), so a page does not ask again. */
	if (remember)
		cfs_tree_set_user(l->c->tree, l->id, name);
	while (*pl != l)
		pl = &(*pl)->next;
	*pl = l->next;
	for (size_t i = 0; i < l->n; i++)
		if (--l->waiting[i]->cv->pending == 0)
			pf_ready(l->waiting[i]);
	free(l->waiting);
	free(l->id);
	free(l);
}

static void on_user(void *arg, const struct cfs_cf_error *e, struct cfs_user *u)
{
	lookup_done(arg, e->err != -ECANCELED, e->err ? NULL : u->display_name);
}

static int send_one(struct lookup *l)
{
	return cfs_cf_user_by_id(l->c->cf, l->id,
	                         l->user_prio ? CFS_HTTP_USER : CFS_HTTP_BACKGROUND, on_user, l);
}

/* The lookups of one bulk request. */
struct userbatch {
	struct lookup *l[CFS_CF_USERS_MAX];
	size_t n;
};

static void on_users(void *arg, const struct cfs_cf_error *e, struct cfs_user_list *list)
{
	struct userbatch *b = arg;

	for (size_t i = 0; i < b->n; i++) {
		const char *name = NULL;

		for (size_t k = 0; !e->err && k < list->n; k++)
			if (list->v[k].account_id && !strcmp(list->v[k].account_id, b->l[i]->id)) {
				name = list->v[k].display_name;
				break;
			}
		lookup_done(b->l[i], e->err != -ECANCELED, name);
	}
	free(b);
}

/*
 * Send the lookups await_user() queued: on Cloud one request for up to
 * CFS_CF_USERS_MAX users (GET /rest/api/user/bulk) instead of one each;
 * where that cannot be sent, one request per user.
 */
static void flush_users(struct cfs_cache *c)
{
	while (c->unsent) {
		struct userbatch *b = calloc(1, sizeof(*b));
		const char *ids[CFS_CF_USERS_MAX];
		int user_prio = 0;

		while (b && c->unsent && b->n < CFS_CF_USERS_MAX) {
			struct lookup *l = c->unsent;

			c->unsent = l->next_unsent;
			user_prio |= l->user_prio;
			ids[b->n] = l->id;
			b->l[b->n++] = l;
		}
		cfs_cf_tag(c->cf, "a mention");
		if (b && cfs_cf_users_by_ids(c->cf, ids, b->n,
		                             user_prio ? CFS_HTTP_USER : CFS_HTTP_BACKGROUND,
		                             on_users, b) == 0)
			continue;
		cfs_cf_tag(c->cf, NULL);
		for (size_t i = 0; b && i < b->n; i++) {
			cfs_cf_tag(c->cf, "a mention");
			if (send_one(b->l[i]))
				lookup_done(b->l[i], 0, NULL); /* out of memory: the id shows */
		}
		if (!b) { /* out of memory: one at a time */
			struct lookup *l = c->unsent;

			c->unsent = l->next_unsent;
			cfs_cf_tag(c->cf, "a mention");
			if (send_one(l))
				lookup_done(l, 0, NULL);
		}
		free(b);
	}
}

/* Make pf wait for the lookup of id (joining one in flight); on Cloud it is
 * queued for flush_users().  -ENOMEM. */
static int await_user(struct pagefetch *pf, const char *id, size_t len, int wait)
{
	struct cfs_cache *c = pf->c;
	struct lookup *l;
	struct pagefetch **w;

	for (l = c->lookups; l; l = l->next)
		if (strlen(l->id) == len && memcmp(l->id, id, len) == 0)
			break;
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l || !(l->id = strndup(id, len))) {
			free(l);
			return -ENOMEM;
		}
		if (cfs_tree_user_known(c->tree, l->id)) {
			free(l->id);
			free(l);
			return 0;
		}
		l->c = c;
		l->user_prio = pf->waiters && wait;
		l->next = c->lookups;
		c->lookups = l;
		pf->cv->lookups++;
		if (cfs_cf_api(c->cf) == CFS_API_CLOUD) {
			l->next_unsent = c->unsent;
			c->unsent = l;
		} else {
			cfs_cf_tag(c->cf, "a mention");
			if (send_one(l)) {
				c->lookups = l->next;
				free(l->id);
				free(l);
				return -ENOMEM;
			}
		}
	} else if (pf->waiters && wait) {
		l->user_prio = 1;
	}
	if (!wait)
		return 0; /* only its name for the xattr: the Markdown does not wait */
	w = realloc(l->waiting, (l->n + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	l->waiting = w;
	l->waiting[l->n++] = pf;
	pf->cv->pending++;
	return 0;
}

/* A space a page links into is listed (or could not be: its links become URLs). */
static void on_space_listed(void *arg, int err)
{
	struct pagefetch *pf = arg;

	(void)err;
	if (--pf->cv->pending == 0)
		pf_ready(pf);
}

/* Make pf wait for the listing of the mounted space with key k (len bytes),
 * if it is not loaded yet. */
static void await_space(struct pagefetch *pf, const char *k, size_t len)
{
	char key[256];
	long space;
	int loaded;

	if (!pf->c->sync || len >= sizeof(key))
		return;
	memcpy(key, k, len);
	key[len] = '\0';
	space = cfs_tree_space_find(pf->c->tree, key, &loaded);
	if (space < 0 || loaded)
		return;
	pf->cv->pending++;
	cfs_sync_space(pf->c->sync, (size_t)space, on_space_listed, pf);
}

/* Look up the users body mentions that we do not know yet (remembered for the
 * mount; at most USER_MAX per page, the rest show their ids): flush_users()
 * then sends them, in one request on Cloud. */
static void scan_users(struct pagefetch *pf, const char *body)
{
	static const char *const attrs[] = {"ri:account-id=\"", "ri:userkey=\""};

	for (size_t k = 0; k < 2 && !pf->c->closing; k++) {
		for (const char *s = strstr(body, attrs[k]); s; s = strstr(s, attrs[k])) {
			const char *id = s + strlen(attrs[k]), *end = strchr(id, '"');

			if (!end || pf->cv->lookups >= USER_MAX)
				break;
			if (end > id && end - id < 128 && await_user(pf, id, (size_t)(end - id), 1))
				break; /* out of memory: mentions show ids */
			s = end;
		}
	}
}

static void scan_includes(struct pagefetch *pf, const char *body, const char *space, int depth);

/* An included page arrived (or could not be fetched: it stays a comment). */
static void on_inc(void *arg, const struct cfs_cf_error *e, struct cfs_page *p)
{
	struct inc *x = arg;
	struct pagefetch *pf = x->pf;

	if (!e->err && p->body) {
		x->storage = p->body;
		p->body = NULL;
		if (x->depth < ANCHOR_DEPTH) { /* included: its mentions show too */
			scan_users(pf, x->storage);
			flush_users(pf->c);
		}
		if (x->depth < CFS_CONVERT_INCLUDE_DEPTH)
			scan_includes(pf, x->storage, x->space, x->depth + 1);
	} else if (e->err != -ECANCELED) {
		cfs_warn("include of '%s' (%s): not inlined (%s)", x->title, x->space,
		         strerror(-e->err));
	}
	if (--pf->cv->pending == 0)
		pf_ready(pf);
}

struct inc_scan {
	struct pagefetch *pf;
	const char *space; /* the space of the body scanned */
	int depth;
};

/* One include macro of a body: fetch the page it names, once per page. */
static void found_include(void *arg, const char *space_key, const char *title)
{
	struct inc_scan *sc = arg;
	struct pagefetch *pf = sc->pf;
	const char *space = space_key ? space_key : sc->space;
	struct cfs_node *n;
	struct inc *x;
	char *id = NULL;
	int64_t version;
	int blog;

	if (pf->cv->ninc >= INC_MAX || !space || pf->c->closing)
		return;
	for (size_t i = 0; i < pf->cv->ninc; i++)
		if (!strcmp(pf->cv->inc[i]->space, space) && !strcmp(pf->cv->inc[i]->title, title))
			return; /* asked already */
	n = cfs_tree_find_page(pf->c->tree, pf->node, space, title);
	if (!n || n == pf->node || cfs_tree_page_ref(pf->c->tree, n, &id, &version, &blog))
		return; /* not on the mount: the macro stays a comment */
	x = calloc(1, sizeof(*x));
	if (!x || !(x->space = strdup(space)) || !(x->title = strdup(title))) {
		if (x)
			free(x->space);
		free(x);
		free(id);
		return;
	}
	x->pf = pf;
	x->depth = sc->depth;
	pf->cv->inc[pf->cv->ninc++] = x;
	pf->cv->pending++;
	cfs_cf_tag(pf->c->cf, "an include");
	if (cfs_cf_page(pf->c->cf, id, 0, pf->waiters ? CFS_HTTP_USER : CFS_HTTP_BACKGROUND, on_inc,
	                x))
		pf->cv->pending--;
	free(id);
}

/* Fetch the pages body includes (space: body's own space key). */
static void scan_includes(struct pagefetch *pf, const char *body, const char *space, int depth)
{
	struct inc_scan sc = {pf, space, depth};

	cfs_convert_scan_includes(body, strlen(body), found_include, &sc);
}

/* What the conversion waited for is here: first the spaces and users, then
 * the included pages (which need the spaces listed to be found), then convert. */
static void pf_ready(struct pagefetch *pf)
{
	if (pf->cv->phase == 0 && !pf->c->closing) {
		const char *body = pf->cv->page.body ? pf->cv->page.body : "";
		char *space = cfs_tree_space_key(pf->c->tree, pf->node);

		pf->cv->phase = 1;
		pf->cv->pending = 1; /* held until the scan is done */
		if (space && strstr(body, "include\""))
			scan_includes(pf, body, space, 1);
		if (space && strstr(body, "ac:anchor=\"")) {
			/* pages that links point into: their headings give the fragment */
			struct inc_scan sc = {pf, space, ANCHOR_DEPTH};

			cfs_convert_scan_anchor_pages(body, strlen(body), found_include, &sc);
		}
		free(space);
		if (--pf->cv->pending)
			return;
	}
	queue_convert(pf);
}

/* The body arrived: list the spaces it links into and look up the users it
 * mentions (pf_ready then fetches the pages it includes), then convert.
 * Takes the page. */
static void pf_convert(struct pagefetch *pf, struct cfs_page *p)
{
	const char *body;

	pf->batch = NULL;
	pf->call = NULL;
	if (!(pf->cv = calloc(1, sizeof(*pf->cv)))) {
		pf_finish(pf, -ENOMEM, NULL); /* p stays the caller's */
		return;
	}
	pf->cv->page = *p;
	memset(p, 0, sizeof(*p));
	body = pf->cv->page.body ? pf->cv->page.body : "";
	pf->cv->pending = 1; /* held until the scan is done */
	for (const char *s = strstr(body, "ri:space-key=\""); s && !pf->c->closing;
	     s = strstr(s, "ri:space-key=\"")) {
		const char *k = s + strlen("ri:space-key=\""), *end = strchr(k, '"');

		if (!end)
			break;
		await_space(pf, k, (size_t)(end - k));
		s = end;
	}
	{
		char *author = cfs_tree_author(pf->c->tree, pf->node);

		/* its name goes into user.confluence.author and the front matter
		 * (the conversion waits for it only then) */
		if (author && *author && strlen(author) < 128 && !pf->c->closing)
			(void)await_user(pf, author, strlen(author),
			                 cfs_tree_front_matter(pf->c->tree));
		free(author);
	}
	scan_users(pf, body);
	flush_users(pf->c);
	if (--pf->cv->pending == 0)
		pf_ready(pf);
}

/* Log a failed fetch with its context ("page 'Runbooks': GET ...: HTTP 500
 * (6 attempts)") and map it to what the reader gets. */
static int fetch_error(const struct cfs_cf_error *e, const char *what)
{
	if (e->err == -EACCES)
		cfs_err("authentication failed: %s: GET %s: HTTP %ld: the server refused the "
		        "credentials (revoked or expired token?); reads fail with EACCES until it "
		        "accepts them again",
		        what, e->path, e->status);
	else if (e->err != -ECANCELED && e->status)
		cfs_err("%s: GET %s: HTTP %ld (%d attempt%s)", what, e->path, e->status,
		        e->attempts, e->attempts == 1 ? "" : "s");
	else if (e->err != -ECANCELED)
		cfs_err("%s: GET %s: %s (%d attempt%s)", what, e->path,
		        e->detail ? e->detail : strerror(-e->err), e->attempts,
		        e->attempts == 1 ? "" : "s");
	return e->err == -ENOENT || e->err == -EACCES ? e->err : -EIO;
}

static void on_page(void *arg, const struct cfs_cf_error *e, struct cfs_page *p)
{
	struct pagefetch *pf = arg;

	if (e->err) {
		char *title = e->err == -ECANCELED ? NULL : cfs_tree_title(pf->c->tree, pf->node);
		char what[300];

		snprintf(what, sizeof(what), "page '%s' (%s)", title ? title : "?", pf->id);
		free(title);
		pf_finish(pf, fetch_error(e, what), NULL);
		return;
	}
	pf_convert(pf, p);
}

static void on_batch(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *list)
{
	struct batch *b = arg;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "prefetch of %zu pages", b->n);
	err = e->err ? fetch_error(e, what) : 0;

	for (size_t i = 0; i < b->n; i++) {
		struct pagefetch *pf = b->pf[i];
		struct cfs_page *found = NULL;

		for (size_t j = 0; !err && j < list->n && !found; j++)
			if (list->v[j].id && strcmp(list->v[j].id, pf->id) == 0 && list->v[j].body)
				found = &list->v[j];
		if (found)
			pf_convert(pf, found);
		else
			pf_finish(pf, err ? err : -ENOENT, NULL); /* the page is gone */
	}
	free(b);
}

/* A new fetch of page n, hung on its slot; NULL when out of memory. */
static struct pagefetch *pf_new(struct cfs_cache *c, struct cfs_node *n)
{
	struct pagefetch *pf = calloc(1, sizeof(*pf));

	if (!pf)
		return NULL;
	if (cfs_tree_page_ref(c->tree, n, &pf->id, &pf->version, &pf->blog)) {
		free(pf);
		return NULL;
	}
	pf->c = c;
	pf->node = n;
	*cfs_tree_loop_slot(n) = pf;
	return pf;
}

void cfs_cache_page(struct cfs_cache *c, struct cfs_node *n, enum cfs_http_prio prio,
                    const char *why, cfs_cache_cb cb, void *arg)
{
	struct cfs_blob *md;
	struct pagefetch *pf;
	struct waiter *w;
	int ret;

	if (c->closing) {
		cb(arg, -ESHUTDOWN, NULL);
		return;
	}
	md = cfs_tree_md(c->tree, n);
	if (md) {
		cb(arg, 0, md);
		cfs_blob_unref(md);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		cb(arg, -ENOMEM, NULL);
		return;
	}
	w->cb = cb;
	w->arg = arg;
	pf = *cfs_tree_loop_slot(n);
	if (pf) {
		w->next = pf->waiters;
		pf->waiters = w;
		if (prio == CFS_HTTP_USER && pf->batch)
			cfs_cf_promote(pf->batch->call);
		else if (prio == CFS_HTTP_USER && pf->call)
			cfs_cf_promote(pf->call);
		return;
	}
	pf = pf_new(c, n);
	if (!pf) {
		free(w);
		cb(arg, -ENOMEM, NULL);
		return;
	}
	pf->waiters = w;
	{
		char *path = cfs_tree_path(c->tree, n), tag[300];

		snprintf(tag, sizeof(tag), "%s %s", why, path ? path : pf->id);
		free(path);
		cfs_cf_tag(c->cf, tag);
	}
	ret = cfs_cf_page(c->cf, pf->id, pf->blog, prio, on_page, pf);
	if (ret)
		pf_finish(pf, ret, NULL);
}

static void batch_send(struct batch *b)
{
	const char *ids[BATCH_MAX];
	int ret;

	for (size_t i = 0; i < b->n; i++)
		ids[i] = b->pf[i]->id;
	cfs_cf_tag(b->c->cf, "prefetch");
	ret = cfs_cf_pages_by_id(b->c->cf, ids, b->n, b->pf[0]->blog, CFS_HTTP_BACKGROUND, on_batch,
	                         b, &b->call);
	if (ret) {
		for (size_t i = 0; i < b->n; i++)
			pf_finish(b->pf[i], ret, NULL);
		free(b);
	}
}

void cfs_cache_prefetch(struct cfs_cache *c, struct cfs_node *const *nodes, size_t n)
{
	struct batch *open[2] = {NULL, NULL}; /* pages, blog posts */

	if (c->closing)
		return;
	for (size_t i = 0; i < n; i++) {
		struct pagefetch *pf;
		struct cfs_blob *md;
		struct batch **b;

		if (*cfs_tree_loop_slot(nodes[i]))
			continue; /* already on its way */
		md = cfs_tree_md(c->tree, nodes[i]);
		if (md) {
			cfs_blob_unref(md);
			continue;
		}
		pf = pf_new(c, nodes[i]);
		if (!pf)
			break;
		b = &open[pf->blog ? 1 : 0];
		if (!*b && !(*b = calloc(1, sizeof(**b)))) {
			pf_finish(pf, -ENOMEM, NULL);
			break;
		}
		(*b)->c = c;
		pf->batch = *b;
		(*b)->pf[(*b)->n++] = pf;
		if ((*b)->n == c->batch) {
			batch_send(*b);
			*b = NULL;
		}
	}
	for (int k = 0; k < 2; k++)
		if (open[k])
			batch_send(open[k]);
}
