/* persist: the saver thread, the index of rendered pages on disk, and the read hook.
 *
 * DESIGN.  One thread per mount writes: woken by cfs_persist_kick() (a page
 * rendered) or cfs_persist_changed() (a refresh changed the tree), it waits
 * SAVE_DELAY_S for more to happen (debounce), then writes the pages the tree
 * holds that are not on disk yet (pagestore.c) and the state file
 * (state.c: the listing exported from the tree and the index of pages on
 * disk).  The index (id, version, entry size; sorted by id) is what a FUSE
 * worker consults when a page has no Markdown in memory: a hit is read from
 * the disk cache and put in the tree, so it costs no request.  A page on
 * disk is trusted only for its own version, the same rendering (fp) and the
 * same link signature (cfs_tree_link_sig(): where its own title and every
 * title it links to lead), so its links are right.
 */
#include "persist.h"
#include "log.h"
#include "pagestore.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SAVE_DELAY_S 2

struct cfs_persist {
	char *path;
	struct cfs_diskcache *dc;
	struct cfs_tree *tree;
	uint32_t api;
	char *url;
	uint64_t fp;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	/* protected by lock */
	struct cfs_state_md *md; /* sorted by id */
	size_t nmd;
	int64_t listed_at;
	struct cfs_tree_where *where; /* where titles lead now; NULL: to compute */
	int dirty, stop, warned;
};

static int cmp_md(const void *a, const void *b)
{
	return strcmp(((const struct cfs_state_md *)a)->id, ((const struct cfs_state_md *)b)->id);
}

uint64_t cfs_persist_fp(const char *version, int front_matter)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *s = version; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ (uint64_t)(front_matter ? 2 : 1)) * 1099511628211ull;
}

/* Where titles lead now, or NULL (ENOMEM).  lock held. */
static struct cfs_tree_where *where_now(struct cfs_persist *p)
{
	if (!p->where && cfs_tree_where_new(p->tree, &p->where))
		p->where = NULL;
	return p->where;
}

static struct cfs_state_md *md_find(struct cfs_persist *p, const char *id)
{
	struct cfs_state_md k = {.id = (char *)id};

	return p->nmd ? bsearch(&k, p->md, p->nmd, sizeof(k), cmp_md) : NULL;
}

static void md_forget(struct cfs_persist *p, struct cfs_state_md *m)
{
	size_t i = (size_t)(m - p->md);

	free(m->id);
	memmove(m, m + 1, (p->nmd - i - 1) * sizeof(*m));
	p->nmd--;
}

/* Add the entries of add (ids not in p->md; sorted here) to p->md, keeping it
 * sorted: one merge, not a sort per page (a save may write 100,000 pages).
 * On ENOMEM they are left out (those pages are fetched again) and -ENOMEM
 * is returned.  lock held. */
static int md_merge(struct cfs_persist *p, struct cfs_state_md *add, size_t nadd)
{
	struct cfs_state_md *v;
	size_t i, j, k;

	if (!nadd)
		return 0;
	qsort(add, nadd, sizeof(*add), cmp_md);
	v = realloc(p->md, (p->nmd + nadd) * sizeof(*v));
	if (!v) {
		for (i = 0; i < nadd; i++)
			free(add[i].id);
		return -ENOMEM;
	}
	p->md = v;
	i = p->nmd;
	j = nadd;
	k = p->nmd + nadd;
	while (j > 0) {
		if (i > 0 && cmp_md(&v[i - 1], &add[j - 1]) > 0)
			v[--k] = v[--i];
		else
			v[--k] = add[--j];
	}
	p->nmd += nadd;
	return 0;
}

/* Let go of a rendered page's Markdown as soon as it is on disk: a save of
 * a whole space holds one page at a time, so mem_cache bounds the rendered
 * pages in memory (docs/memory.md). */
static void release(struct cfs_tree_rendered *r)
{
	cfs_blob_unref(r->md);
	r->md = NULL;
	free(r->links);
	r->links = NULL;
	r->nlinks = 0;
}

/* r's page is on disk and in the index: the tree may drop it first (its
 * Markdown is read back without a request).  Lets go of it. */
static void on_disk(struct cfs_persist *p, struct cfs_tree_rendered *r)
{
	if (r->md)
		cfs_tree_md_on_disk(p->tree, r->node, r->md);
	release(r);
}

/* The pages of a merge (md_merge's result ret) are in the index, or not. */
static void published(struct cfs_persist *p, struct cfs_tree_rendered **v, size_t n, int ret)
{
	for (size_t k = 0; k < n; k++) {
		if (ret)
			release(v[k]);
		else
			on_disk(p, v[k]);
	}
}

/* New pages on disk are published to the index in runs of this many. */
#define MD_MERGE_RUN 512

/* The state file, written to fd while the tree lends its listing. */
struct encoding {
	struct cfs_persist *p;
	struct cfs_state *st; /* all but the listing */
	int fd;
};

static int encode(void *arg, int multi, const struct cfs_state_space *v, size_t n)
{
	struct encoding *e = arg;
	int ret;

	e->st->multi = multi;
	e->st->spaces = (struct cfs_state_space *)v; /* lent: taken back before anyone frees it */
	e->st->nspaces = n;
	ret = cfs_state_encode_fd(e->st, e->fd);
	e->st->spaces = NULL;
	e->st->nspaces = 0;
	return ret;
}

/* Fill the temporary state file (cfs_state_write_with): under the tree's
 * read lock, streamed, so neither a copy of the listing nor the file's bytes
 * are ever all in memory (docs/memory.md); the fsync comes after. */
static int fill(void *arg, int fd)
{
	struct encoding *e = arg;

	e->fd = fd;
	return cfs_tree_with_state(e->p->tree, encode, e);
}

/* Whether any space of the tree has its full listing in. */
static int any_listed(struct cfs_tree *t)
{
	for (size_t i = 0; i < cfs_tree_nspaces(t); i++) {
		int loaded = 0;

		if (cfs_tree_space(t, i, NULL, NULL, &loaded) == 0 && loaded)
			return 1;
	}
	return 0;
}

/* Write the pages the tree holds that are not on disk, then the state file. */
static void save(struct cfs_persist *p)
{
	struct cfs_tree_rendered *r = NULL;
	struct cfs_tree_where *w = NULL;
	struct cfs_state st = {0};
	struct encoding enc = {p, &st, -1};
	struct cfs_state_md add[MD_MERGE_RUN];
	struct cfs_tree_rendered *pend[MD_MERGE_RUN]; /* add's pages, marked once indexed */
	size_t nr = 0, nnew = 0, nadd = 0;
	uint64_t loc;
	int ret;

	/* Before its full listing a space has only what partial listings brought
	 * (docs/refresh.md): it is saved as not listed, and nothing is saved
	 * before a space is.  A full listing's load calls cfs_persist_changed(). */
	if (!any_listed(p->tree))
		return;
	loc = cfs_tree_locate_hash(p->tree);
	if (cfs_tree_rendered(p->tree, &r, &nr))
		nr = 0;
	/* A load between the two would make the rendered pages' links newer
	 * than w: then they are written on the next save. */
	if (cfs_tree_where_new(p->tree, &w) || cfs_tree_where_hash(w) != loc) {
		cfs_tree_rendered_free(r, nr);
		r = NULL;
		nr = 0;
	}
	for (size_t i = 0; i < nr; i++) {
		struct cfs_state_md *m;
		char *id;
		uint64_t size,
		    sig = cfs_tree_link_sig(p->tree, w, r[i].node, r[i].links, r[i].nlinks);

		pthread_mutex_lock(&p->lock);
		m = md_find(p, r[i].id);
		if (m && m->version == r[i].version && m->loc == sig) {
			pthread_mutex_unlock(&p->lock);
			r[i].md = cfs_tree_md_peek(p->tree, &r[i]);
			on_disk(p, &r[i]);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		r[i].md = cfs_tree_md_peek(p->tree, &r[i]);
		if (!r[i].md) {
			release(&r[i]); /* dropped from memory since: fetched again if needed */
			continue;
		}
		ret = cfs_pagestore_write(p->dc, r[i].id, r[i].version, p->fp, sig, r[i].md,
		                          r[i].links, r[i].nlinks, &size);
		if (ret) {
			release(&r[i]);
			if (!p->warned++)
				cfs_warn("cannot keep rendered pages on disk: %s", strerror(-ret));
			continue;
		}
		nnew++;
		pthread_mutex_lock(&p->lock);
		m = md_find(p, r[i].id);
		if (m) {
			m->version = r[i].version;
			m->size = size;
			m->loc = sig;
			pthread_mutex_unlock(&p->lock);
			on_disk(p, &r[i]);
			continue;
		}
		if (!(id = strdup(r[i].id))) {
			pthread_mutex_unlock(&p->lock);
			release(&r[i]); /* ENOMEM: left out of the index */
			continue;
		}
		/* r holds each id once, so add does too */
		add[nadd] = (struct cfs_state_md){id, r[i].version, size, sig};
		pend[nadd++] = &r[i];
		if (nadd < MD_MERGE_RUN) {
			pthread_mutex_unlock(&p->lock);
			continue;
		}
		ret = md_merge(p, add, nadd);
		pthread_mutex_unlock(&p->lock);
		published(p, pend, nadd, ret);
		nadd = 0;
	}
	pthread_mutex_lock(&p->lock);
	ret = md_merge(p, add, nadd);
	pthread_mutex_unlock(&p->lock);
	published(p, pend, nadd, ret);
	cfs_tree_rendered_free(r, nr);
	cfs_tree_where_free(w);

	ret = 0;
	pthread_mutex_lock(&p->lock);
	st.md = calloc(p->nmd + 1, sizeof(*st.md));
	if (!st.md)
		ret = -ENOMEM;
	for (size_t i = 0; !ret && i < p->nmd; i++) {
		st.md[i] = p->md[i];
		if (!(st.md[i].id = strdup(p->md[i].id)))
			ret = -ENOMEM;
		else
			st.nmd++;
	}
	st.saved_at = p->listed_at;
	pthread_mutex_unlock(&p->lock);
	st.api = p->api;
	st.url = p->url; /* borrowed: not cleared below */
	/* Encoded from the tree's own strings: a copy of a 100,000-page listing
	 * is ~45 MB (docs/memory.md). */
	if (!ret)
		ret = cfs_state_write_with(p->path, fill, &enc);
	st.url = NULL;
	cfs_state_clear(&st);
	if (ret && !p->warned++)
		cfs_warn("cannot save the state to %s: %s", p->path, strerror(-ret));
	else if (!ret)
		cfs_debug("state saved to %s (%zu pages newly on disk)", p->path, nnew);
}

static void *saver(void *arg)
{
	struct cfs_persist *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->dirty && !p->stop)
			pthread_cond_wait(&p->cv, &p->lock);
		if (p->stop)
			break;
		/* Debounce: more renders in the next seconds join this save. */
		{
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += SAVE_DELAY_S;
			while (!p->stop && pthread_cond_timedwait(&p->cv, &p->lock, &until) == 0)
				;
		}
		p->dirty = 0;
		pthread_mutex_unlock(&p->lock);
		save(p);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int cfs_persist_start(const char *path, struct cfs_diskcache *dc, struct cfs_tree *tree,
                      uint32_t api, const char *url, int64_t listed_at, uint64_t fp,
                      struct cfs_state *st, struct cfs_persist **out)
{
	struct cfs_persist *p = calloc(1, sizeof(*p));
	sigset_t stop, old;
	int ret;

	if (!p)
		return -ENOMEM;
	p->path = strdup(path);
	p->url = strdup(url);
	if (!p->path || !p->url) {
		free(p->path);
		free(p->url);
		free(p);
		return -ENOMEM;
	}
	p->dc = dc;
	p->tree = tree;
	p->api = api;
	p->fp = fp;
	p->listed_at = listed_at;
	if (st) {
		p->md = st->md;
		p->nmd = st->nmd;
		st->md = NULL;
		st->nmd = 0;
		qsort(p->md, p->nmd, sizeof(*p->md), cmp_md);
	}
	/* A new listing is saved at once (debounced); a loaded one when something changes. */
	p->dirty = !st;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* The signals that end the mount must reach a FUSE thread (see
	 * backend_start in main.c): the saver never takes them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	ret = pthread_create(&p->thread, NULL, saver, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		p->stop = 1;
		cfs_persist_stop(p);
		return -EAGAIN;
	}
	*out = p;
	return 0;
}

void cfs_persist_stop(struct cfs_persist *p)
{
	int started;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	started = !p->stop;
	p->stop = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->lock);
	if (started) {
		pthread_join(p->thread, NULL);
		save(p);
	}
	for (size_t i = 0; i < p->nmd; i++)
		free(p->md[i].id);
	free(p->md);
	cfs_tree_where_free(p->where);
	free(p->path);
	free(p->url);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void cfs_persist_kick(struct cfs_persist *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (!p->dirty) {
		p->dirty = 1;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->lock);
}

void cfs_persist_changed(struct cfs_persist *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	cfs_tree_where_free(p->where);
	p->where = NULL;
	p->listed_at = (int64_t)time(NULL);
	p->dirty = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->lock);
}

int cfs_persist_on_disk(struct cfs_persist *p, struct cfs_node *n)
{
	struct cfs_state_md *m;
	char *id = NULL;
	int64_t version;
	uint64_t size;
	int blog, yes;

	if (!p || cfs_tree_page_ref(p->tree, n, &id, &version, &blog))
		return 0;
	pthread_mutex_lock(&p->lock);
	m = md_find(p, id);
	yes = m && m->version == version;
	size = yes ? m->size : 0;
	pthread_mutex_unlock(&p->lock);
	/* The cache evicts on its own (cache_size, its entry bound): a page the
	 * state lists may be gone, and then it is to be fetched like any other. */
	yes = yes && cfs_pagestore_has(p->dc, id, version, size);
	free(id);
	return yes;
}

struct cfs_blob *cfs_persist_md(struct cfs_persist *p, struct cfs_node *n)
{
	struct cfs_tree_links links = {0};
	struct cfs_tree_where *w;
	struct cfs_state_md *m;
	struct cfs_blob *md = NULL;
	char *id = NULL;
	int64_t version, want;
	uint64_t size, sig = 0, now = 0;
	int blog, ret;

	if (!p || cfs_tree_page_ref(p->tree, n, &id, &version, &blog))
		return NULL;
	pthread_mutex_lock(&p->lock);
	m = md_find(p, id);
	want = m ? m->version : -1;
	size = m ? m->size : 0;
	pthread_mutex_unlock(&p->lock);
	if (want != version) {
		free(id);
		return NULL;
	}
	ret = cfs_pagestore_read(p->dc, id, version, size, p->fp, &md, &links, &sig);
	if (ret == 0) {
		/* Its links must lead where they led when it was rendered. */
		pthread_mutex_lock(&p->lock);
		w = where_now(p);
		if (w)
			now = cfs_tree_link_sig(p->tree, w, n, links.v, links.n);
		pthread_mutex_unlock(&p->lock);
		if (now != sig) {
			cfs_pagestore_forget(p->dc, id, version, size);
			cfs_blob_unref(md);
			free(links.v);
			md = NULL;
			ret = -ESTALE;
		}
	}
	if (ret) {
		if (ret != -ENOMEM) {
			pthread_mutex_lock(&p->lock);
			m = md_find(p, id);
			if (m && m->version == version)
				md_forget(p, m);
			pthread_mutex_unlock(&p->lock);
			cfs_debug("page %s v%lld on disk not used: %s", id, (long long)version,
			          strerror(-ret));
		}
		free(id);
		return NULL;
	}
	free(id);
	cfs_tree_set_md(p->tree, n, md, version, &links); /* takes its own reference */
	cfs_tree_md_on_disk(p->tree, n, md);
	free(links.v);
	return md;
}
