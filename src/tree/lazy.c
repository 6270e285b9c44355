/* lazy: list the directories a user opens while the space's full listing is running
 * (include/lazy.h, docs/refresh.md "Before the listing").
 *
 * DESIGN.  One job per directory someone waits on (the space's top, or a page or
 * container a partial listing showed); later waiters on the same directory ride along.
 * A job's request goes out at once at USER priority, so the HTTP client sends it ahead
 * of the background walk's next page.  Its answer is put into the tree on the thread
 * pool (cfs_tree_learn: the write lock may wait behind a conversion, and the loop never
 * waits), one job at a time (each load exports the partial listing and loads it whole).
 * When the full listing is in, every waiter is answered and answers still in flight are
 * dropped.  A failed job answers its waiters with the error; the next use asks again.
 * Loop thread only, but for the work item, which touches only its job's pages. */
#include "lazy.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lwaiter {
	cfs_lazy_cb cb;
	void *arg;
	struct lwaiter *next;
};

struct job {
	struct cfs_lazy *z;
	size_t space;
	char *id, *type; /* NULL: the space's top */
	struct lwaiter *waiters;
	struct cfs_page_list kids;
	int ready; /* kids are in, waiting for the thread pool */
	int err;   /* cfs_tree_learn's */
	struct job *next;
};

struct cfs_lazy {
	uv_loop_t *loop;
	struct cfs_cf *cf;
	struct cfs_tree *tree;
	void (*idle)(void *arg);
	void *idle_arg;
	struct job *jobs;
	struct job *applying; /* on the thread pool */
	uv_work_t work;
	int inflight; /* requests out */
	int stopping;
};

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void wake_all(struct job *j, int err)
{
	struct lwaiter *w = j->waiters;

	j->waiters = NULL;
	while (w) {
		struct lwaiter *next = w->next;

		w->cb(w->arg, err);
		free(w);
		w = next;
	}
}

static void check_idle(struct cfs_lazy *z)
{
	if (z->stopping && cfs_lazy_idle(z) && z->idle)
		z->idle(z->idle_arg);
}

/* The job is over: out of the list, its waiters answered, freed. */
static void finish(struct job *j, int err)
{
	struct cfs_lazy *z = j->z;
	struct job **p = &z->jobs;

	while (*p && *p != j)
		p = &(*p)->next;
	if (*p)
		*p = j->next;
	wake_all(j, err);
	cfs_model_page_list_clear(&j->kids);
	free(j->id);
	free(j->type);
	free(j);
}

static void pump(struct cfs_lazy *z);

static void learn_work(uv_work_t *w)
{
	struct job *j = w->data;

	j->err = cfs_tree_learn(j->z->tree, j->space, j->id, j->type, &j->kids);
}

static void learn_done(uv_work_t *w, int status)
{
	struct job *j = w->data;
	struct cfs_lazy *z = j->z;

	z->applying = NULL;
	if (j->err)
		cfs_warn("putting a directory's listing into the tree: %s", strerror(-j->err));
	finish(j, status ? -ECANCELED : j->err);
	pump(z);
	check_idle(z);
}

/* Start the next job whose children are in. */
static void pump(struct cfs_lazy *z)
{
	struct job *j = z->jobs;

	if (z->applying || z->stopping)
		return;
	while (j && !j->ready)
		j = j->next;
	if (!j)
		return;
	z->applying = j;
	z->work.data = j;
	if (uv_queue_work(z->loop, &z->work, learn_work, learn_done)) {
		z->applying = NULL;
		finish(j, -EIO);
	}
}

static int space_loaded(struct cfs_lazy *z, size_t space)
{
	int loaded = 0;

	cfs_tree_space(z->tree, space, NULL, NULL, &loaded);
	return loaded;
}

static void on_kids(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct job *j = arg;
	struct cfs_lazy *z = j->z;

	z->inflight--;
	if (z->stopping) {
		finish(j, -ESHUTDOWN);
	} else if (e->err) {
		if (e->err != -ECANCELED)
			cfs_warn("listing a directory ahead of the space's listing failed (GET %s: "
			         "%s)",
			         e->path ? e->path : "", e->detail ? e->detail : strerror(-e->err));
		finish(j, e->err);
	} else if (space_loaded(z, j->space)) {
		finish(j, 0); /* the full listing came first: it answers */
	} else {
		cfs_debug("listed %zu entries of %s %s ahead of the space's listing", pages->n,
		          j->id ? j->type : "the space's", j->id ? j->id : "top");
		j->kids = *pages;
		memset(pages, 0, sizeof(*pages));
		j->ready = 1;
		pump(z);
	}
	check_idle(z);
}

int cfs_lazy_new(uv_loop_t *loop, struct cfs_cf *cf, struct cfs_tree *tree, void (*idle)(void *arg),
                 void *idle_arg, struct cfs_lazy **out)
{
	struct cfs_lazy *z = calloc(1, sizeof(*z));

	if (!z)
		return -ENOMEM;
	z->loop = loop;
	z->cf = cf;
	z->tree = tree;
	z->idle = idle;
	z->idle_arg = idle_arg;
	*out = z;
	return 0;
}

void cfs_lazy_want(struct cfs_lazy *z, size_t space, char *id, char *type, cfs_lazy_cb cb,
                   void *arg)
{
	struct lwaiter *w = calloc(1, sizeof(*w));
	struct job *j;
	char *sid = NULL;
	int ret, loaded;

	if (!w || z->stopping) {
		free(w);
		free(id);
		free(type);
		cb(arg, z->stopping ? -ESHUTDOWN : -ENOMEM);
		return;
	}
	w->cb = cb;
	w->arg = arg;
	for (j = z->jobs; j; j = j->next)
		if (j->space == space && str_eq(j->id, id))
			break;
	if (j) { /* already asked for: ride along */
		w->next = j->waiters;
		j->waiters = w;
		free(id);
		free(type);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		free(w);
		free(id);
		free(type);
		cb(arg, -ENOMEM);
		return;
	}
	j->z = z;
	j->space = space;
	j->id = id;
	j->type = type;
	j->waiters = w;
	j->next = z->jobs;
	z->jobs = j;
	cfs_cf_tag(z->cf, "listing a directory");
	if (id)
		ret = cfs_cf_direct_children(z->cf, type, id, CFS_HTTP_USER, on_kids, j);
	else if ((ret = cfs_tree_space(z->tree, space, &sid, NULL, &loaded)) == 0)
		ret = cfs_cf_top_pages(z->cf, sid, CFS_HTTP_USER, on_kids, j);
	free(sid);
	if (ret)
		finish(j, ret);
	else
		z->inflight++;
}

void cfs_lazy_loaded(struct cfs_lazy *z, size_t space)
{
	struct job *j = z->jobs, *next;

	for (; j; j = next) {
		next = j->next;
		if (j->space != space || j == z->applying)
			continue;
		if (j->ready)
			finish(j, 0);
		else
			wake_all(j, 0); /* its answer is dropped when it comes (on_kids) */
	}
}

void cfs_lazy_stop(struct cfs_lazy *z)
{
	struct job *j = z->jobs, *next;

	z->stopping = 1;
	for (; j; j = next) {
		next = j->next;
		if (j == z->applying)
			continue;
		if (j->ready)
			finish(j, -ESHUTDOWN);
		else
			wake_all(j, -ESHUTDOWN);
	}
}

int cfs_lazy_idle(const struct cfs_lazy *z)
{
	return !z->inflight && !z->applying;
}

void cfs_lazy_free(struct cfs_lazy *z)
{
	while (z && z->jobs)
		finish(z->jobs, -ESHUTDOWN);
	free(z);
}
