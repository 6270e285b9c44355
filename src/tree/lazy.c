/* lazy: list the directories a user opens while the space's full listing is running
 * (include/lazy.h, docs/refresh.md "Before the listing").
 *
 * DESIGN.  One job per directory someone waits on (the space's top, or a page or
 * container a partial listing showed); later waiters on the same directory ride along.
 * A job lists the directory (unless an earlier job did) and then asks each child that
 * is not listed yet for its children (the first batch: a probe), so the directory is
 * shown with a Name/ only beside the pages that have children: a walk that starts
 * before the full listing meets no empty directory that vanishes later.  A probe that
 * answers everything lists its child too (opening it then only probes the next level).
 * The directory's listing goes out at once at USER priority, so the HTTP client sends
 * it ahead of the background walk's next page; the probes too, but at most one fewer
 * than the requests allowed in flight at a time (send_probes), so a wide directory
 * leaves a slot to the full listing, and those not sent when it is in are never sent.
 * When all are back, what they brought is put into the tree on the thread pool
 * (cfs_tree_learn: the write lock may wait behind a conversion, and the loop never
 * waits), one job at a time (each load exports the partial listing and loads it whole).
 * When the full listing is in, every waiter is answered and answers still in flight are
 * dropped.  A failed listing of the directory answers its waiters with the error (the
 * next use asks again); a failed probe leaves that child shown as Name.md and Name/, as
 * if it might have children.  Loop thread only, but for the work item, which touches
 * only its job's pages. */
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
	struct cfs_page_list kids; /* the directory's children and their children */
	char **listed;             /* children whose children are all in kids */
	size_t nlisted;
	struct kid *todo; /* children to probe, todo[sent..ntodo) not sent yet */
	size_t ntodo, sent;
	int out;    /* requests in flight */
	int failed; /* the directory's own listing: -errno */
	int ready;  /* kids are in, waiting for the thread pool */
	int err;    /* cfs_tree_learn's */
	struct job *next;
};

/* A child to ask for its children. */
struct kid {
	char *id, *type;
};

/* One child asked for its children. */
struct probe {
	struct job *j;
	char *id, *type;
	int more; /* it has more than the first batch */
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

static void drop_todo(struct job *j)
{
	for (size_t i = j->sent; i < j->ntodo; i++) {
		free(j->todo[i].id);
		free(j->todo[i].type);
	}
	free(j->todo);
	j->todo = NULL;
	j->ntodo = j->sent = 0;
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
	drop_todo(j);
	cfs_model_page_list_clear(&j->kids);
	for (size_t i = 0; i < j->nlisted; i++)
		free(j->listed[i]);
	free(j->listed);
	free(j->id);
	free(j->type);
	free(j);
}

static void pump(struct cfs_lazy *z);

static void learn_work(uv_work_t *w)
{
	struct job *j = w->data;

	j->err = cfs_tree_learn(j->z->tree, j->space, j->id, &j->kids, j->listed, j->nlisted);
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

static void send_probes(struct cfs_lazy *z);

/* A request of j's is back: once all are, and its probes are sent, the job is
 * learnt, or over. */
static void settle(struct job *j)
{
	struct cfs_lazy *z = j->z;

	j->out--;
	send_probes(z);
	if (j->out > 0 || (j->sent < j->ntodo && !z->stopping))
		return;
	if (z->stopping)
		finish(j, -ESHUTDOWN);
	else if (j->failed)
		finish(j, j->failed);
	else if (space_loaded(z, j->space))
		finish(j, 0); /* the full listing came first: it answers */
	else {
		j->ready = 1;
		pump(z);
	}
	check_idle(z);
}

/* Move pages' entries to the end of j's kids (their parent, where the answer names none,
 * is parent_id of parent_type); on -ENOMEM pages keep them. */
static int take(struct job *j, struct cfs_page_list *pages, const char *parent_id,
                const char *parent_type)
{
	size_t need = j->kids.n + pages->n;

	if (need > j->kids.cap) {
		size_t cap = need > 2 * j->kids.cap ? need : 2 * j->kids.cap;
		struct cfs_page *v = realloc(j->kids.v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		j->kids.v = v;
		j->kids.cap = cap;
	}
	for (size_t i = 0; i < pages->n; i++) {
		struct cfs_page *p = &pages->v[i];

		if (parent_id && !p->parent_id &&
		    (!(p->parent_id = strdup(parent_id)) ||
		     (parent_type && strcmp(parent_type, "page") != 0 &&
		      !(p->parent_type = strdup(parent_type)))))
			return -ENOMEM; /* pages stay the caller's */
	}
	if (pages->n)
		memcpy(j->kids.v + j->kids.n, pages->v, pages->n * sizeof(*pages->v));
	j->kids.n += pages->n;
	free(pages->v);
	memset(pages, 0, sizeof(*pages));
	return 0;
}

static int probe_more(void *arg, const struct cfs_page_list *pages, size_t batch_start)
{
	struct probe *p = arg;

	(void)pages;
	(void)batch_start;
	p->more = 1;
	return 0; /* the first batch says enough: it has children */
}

static void on_probe(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct probe *p = arg;
	struct job *j = p->j;
	char **listed;

	j->z->inflight--;
	if (e->err) {
		if (e->err != -ECANCELED)
			cfs_debug("asking %s %s for its children ahead of the listing failed (%s)",
			          p->type, p->id, strerror(-e->err));
	} else if (!j->z->stopping && take(j, pages, p->id, p->type) == 0 && !p->more &&
	           (listed = realloc(j->listed, (j->nlisted + 1) * sizeof(*listed)))) {
		j->listed = listed;
		j->listed[j->nlisted++] = p->id; /* all its children are in: it is listed */
		p->id = NULL;
	}
	free(p->id);
	free(p->type);
	free(p);
	settle(j);
}

/* Ask kid for its first batch of children; kid's strings are taken. */
static void send_probe(struct job *j, struct kid *kid)
{
	struct cfs_lazy *z = j->z;
	struct probe *p = calloc(1, sizeof(*p));

	if (p) {
		p->j = j;
		p->id = kid->id;
		p->type = kid->type;
		if (cfs_cf_direct_children_more(z->cf, p->type, p->id, CFS_HTTP_USER, probe_more, p,
		                                on_probe, p) == 0) {
			j->out++;
			z->inflight++;
			return;
		}
	}
	free(kid->id); /* shown as it might have children */
	free(kid->type);
	free(p);
}

/* Send the probes waiting, while fewer than the request limit minus one of
 * ours are out: the last slot is the full listing's.  None once the space is
 * loaded. */
static void send_probes(struct cfs_lazy *z)
{
	int window = cfs_cf_request_limit(z->cf) - 1;

	if (window < 1)
		window = 1;
	for (struct job *j = z->jobs; j && !z->stopping; j = j->next) {
		if (j->sent < j->ntodo && space_loaded(z, j->space))
			drop_todo(j);
		while (j->sent < j->ntodo && z->inflight < window)
			send_probe(j, &j->todo[j->sent++]);
	}
}

/* Ask each of kids (id and type) for its first batch of children, as
 * send_probes lets them go. */
static void probe_all(struct job *j, const struct cfs_page_list *kids)
{
	struct kid *v = kids->n ? calloc(kids->n, sizeof(*v)) : NULL;
	size_t n = 0;

	for (size_t i = 0; v && i < kids->n; i++) {
		const struct cfs_page *k = &kids->v[i];

		if (!(v[n].id = strdup(k->id)) || (k->type && !(v[n].type = strdup(k->type)))) {
			free(v[n].id);
			v[n].id = NULL;
			continue; /* shown as it might have children */
		}
		n++;
	}
	drop_todo(j);
	j->todo = v;
	j->ntodo = n;
}

static void on_kids(void *arg, const struct cfs_cf_error *e, struct cfs_page_list *pages)
{
	struct job *j = arg;
	struct cfs_lazy *z = j->z;

	z->inflight--;
	if (e->err) {
		if (e->err != -ECANCELED && !z->stopping)
			cfs_warn("listing a directory ahead of the space's listing failed (GET %s: "
			         "%s)",
			         e->path ? e->path : "", e->detail ? e->detail : strerror(-e->err));
		j->failed = e->err;
	} else if (!z->stopping && !space_loaded(z, j->space)) {
		cfs_debug("listed %zu entries of %s %s ahead of the space's listing", pages->n,
		          j->id ? j->type : "the space's", j->id ? j->id : "top");
		probe_all(j, pages);
		if ((j->failed = take(j, pages, j->id, j->type)) != 0)
			cfs_warn("listing a directory ahead of the space's listing: %s",
			         strerror(-j->failed));
	}
	settle(j);
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
	struct cfs_page_list known = {0};
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
	j->out = 1; /* held while the requests go out */
	ret = cfs_tree_unprobed(z->tree, space, id, &known);
	if (ret == 1) { /* listed by an earlier job: only its children's children */
		probe_all(j, &known);
		ret = 0;
	} else if (ret == 0) { /* the directory first */
		if (id)
			ret = cfs_cf_direct_children(z->cf, type, id, CFS_HTTP_USER, on_kids, j);
		else if ((ret = cfs_tree_space(z->tree, space, &sid, NULL, &loaded)) == 0)
			ret = cfs_cf_top_pages(z->cf, sid, CFS_HTTP_USER, on_kids, j);
		if (ret == 0) {
			j->out++;
			z->inflight++;
		}
	}
	cfs_model_page_list_clear(&known);
	free(sid);
	if (ret)
		j->failed = ret;
	settle(j);
}

void cfs_lazy_loaded(struct cfs_lazy *z, size_t space)
{
	struct job *j = z->jobs, *next;

	for (; j; j = next) {
		next = j->next;
		if (j->space != space || j == z->applying)
			continue;
		drop_todo(j);
		if (j->ready || j->out == 0)
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
