/* fs_kept: the bases of saves (-o rw).  After every conversion the cache
 * hands the storage a page was rendered from to cfs_fsw_keep(); that storage
 * and its Markdown are the base of the page's next save, with the version
 * rendered before it (an editor may hold that one: cfs_fsw_pick_base()).
 * Bounded by mem_cache (oldest buckets forgotten first); a forgotten base is
 * fetched again (cfs_fsw_fetch_base).  All under w->lock.
 * docs/write-back-fs.md. */
#include "fs_write.h"
#include "confluence.h"
#include "log.h"
#include "write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the kept storage of rendered pages (w->lock) ---- */

struct kept *cfs_fsw_kept(struct cfs_fsw *w, struct cfs_node *n, int create)
{
	size_t b = ((uintptr_t)n >> 4) % KEPT_BUCKETS;
	struct kept *k;

	for (k = w->kept[b]; k; k = k->next)
		if (k->node == n)
			return k;
	if (!create || !(k = calloc(1, sizeof(*k))))
		return NULL;
	k->node = n;
	k->next = w->kept[b];
	w->kept[b] = k;
	return k;
}

static uint64_t kept_size(const struct kept *k)
{
	return (k->storage ? k->len : 0) + (k->md ? k->md->len : 0) +
	       (k->prev_storage ? k->prev_len : 0) + (k->prev_md ? k->prev_md->len : 0);
}

static void kept_drop_prev(struct kept *k)
{
	free(k->prev_storage);
	k->prev_storage = NULL;
	k->prev_len = 0;
	cfs_blob_unref(k->prev_md);
	k->prev_md = NULL;
	k->prev_version = 0;
}

/* Over the bound: forget bases (lock held), the oldest buckets first; a
 * page whose base is forgotten is rendered again when opened for writing
 * (its base is then the current version).  Conflict names stay. */
static void kept_evict(struct cfs_fsw *w, struct kept *keep)
{
	size_t n = 0;

	for (size_t i = 0; i < KEPT_BUCKETS && w->kept_bytes > w->kept_cap / 10 * 9; i++) {
		size_t b = (w->kept_sweep + i) % KEPT_BUCKETS;

		for (struct kept *k = w->kept[b]; k; k = k->next) {
			if (k == keep || !k->storage)
				continue;
			w->kept_bytes -= kept_size(k);
			free(k->storage);
			k->storage = NULL;
			k->len = 0;
			cfs_blob_unref(k->md);
			k->md = NULL;
			k->version = 0;
			kept_drop_prev(k);
			n++;
		}
		w->kept_sweep = (b + 1) % KEPT_BUCKETS;
	}
	cfs_debug("write path: forgot the bases of %zu pages (over the memory bound)", n);
}

/* Replace k's base (lock held); storage is taken. */
void cfs_fsw_kept_set(struct cfs_fsw *w, struct kept *k, int64_t version, char *storage, size_t len,
                      struct cfs_blob *md)
{
	w->kept_bytes -= kept_size(k);
	if (k->storage && k->md && k->version > 0 && version > k->version) {
		/* a newer version rendered: the one before may be what an editor holds */
		kept_drop_prev(k);
		k->prev_version = k->version;
		k->prev_storage = k->storage;
		k->prev_len = k->len;
		k->prev_md = k->md;
	} else {
		free(k->storage);
		cfs_blob_unref(k->md);
		if (version <= 0 || version <= k->prev_version)
			kept_drop_prev(k);
	}
	k->storage = storage;
	k->len = storage ? len : 0;
	k->version = version;
	k->md = md ? cfs_blob_ref(md) : NULL;
	w->kept_bytes += kept_size(k);
	if (w->kept_cap && w->kept_bytes > w->kept_cap)
		kept_evict(w, k);
}

/* ---- a base fetched for the write path ---- */

struct base_fetch {
	struct cfs_fs *fs;
	struct cfs_node *node;
	void (*cb)(void *arg, int err);
	void *arg;
};

static void on_base_page(void *arg, const struct cfs_cf_error *e, struct cfs_page *page)
{
	struct base_fetch *b = arg;
	char *md = NULL;
	size_t len = 0;
	int err = e->err;

	if (!err) {
		const char *body = page->body ? page->body : "";
		struct cfs_blob *blob;

		err = cfs_tree_convert(b->fs->tree, b->node, body, strlen(body), &md, &len, NULL);
		blob = err ? NULL : cfs_blob_take(md, len);
		if (blob)
			cfs_fsw_keep(b->fs->w, b->node, page->version, body, strlen(body), blob);
		else if (!err)
			err = -ENOMEM;
		cfs_blob_unref(blob);
	}
	b->cb(b->arg, err);
	free(b);
}

void cfs_fsw_fetch_base(struct cfs_fs *fs, struct cfs_node *n, void (*cb)(void *arg, int err),
                        void *arg)
{
	struct base_fetch *b = calloc(1, sizeof(*b));
	char *id = NULL;
	int64_t version;
	int blog = 0, ret = b ? cfs_tree_page_ref(fs->tree, n, &id, &version, &blog) : -ENOMEM;

	if (!ret) {
		*b = (struct base_fetch){fs, n, cb, arg};
		cfs_cf_tag(fs->cf, "base of a save");
		ret = cfs_cf_page(fs->cf, id, blog, CFS_HTTP_USER, on_base_page, b);
	}
	free(id);
	if (ret) {
		free(b);
		cb(arg, ret);
	}
}

/* Loop thread, after every conversion (cfs_cache_set_keep). */
void cfs_fsw_keep(void *arg, struct cfs_node *n, int64_t version, const char *storage, size_t len,
                  struct cfs_blob *md)
{
	struct cfs_fsw *w = arg;
	char *copy = malloc(len + 1);
	struct kept *k;

	if (!copy)
		return;
	memcpy(copy, storage, len);
	copy[len] = '\0';
	pthread_mutex_lock(&w->lock);
	k = cfs_fsw_kept(w, n, 1);
	if (k) {
		cfs_fsw_kept_set(w, k, version, copy, len, md);
		copy = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	free(copy);
}

/*
 * The mount rendered a newer version since the base was taken from it, and
 * the editor may hold the older one (vim reads once, a refresh re-renders
 * the page when anything reads it).  Saving that text over the newer base
 * would revert the server's change, so the base is the one of the two the
 * saved text is nearer to; an older base then merges with the server's
 * version (a 409, on_theirs).  FUSE thread, before the draft is written.
 */
void cfs_fsw_pick_base(struct pub *p)
{
	struct cfs_fsw *w = p->fs->w;
	struct kept *k;
	char *base = NULL;
	int64_t version = 0;

	if (!p->base || !p->md || p->recovering)
		return;
	pthread_mutex_lock(&w->lock);
	k = cfs_fsw_kept(w, p->node, 0);
	if (k && k->md && k->prev_md && k->prev_storage && k->version == p->base_version &&
	    cfs_write_distance(p->md, p->md_len, k->prev_md->data, k->prev_md->len) <
	        cfs_write_distance(p->md, p->md_len, k->md->data, k->md->len) &&
	    (base = malloc(k->prev_len + 1))) {
		memcpy(base, k->prev_storage, k->prev_len);
		base[k->prev_len] = '\0';
		version = k->prev_version;
		free(p->base);
		p->base = base;
		p->base_len = k->prev_len;
	}
	pthread_mutex_unlock(&w->lock);
	if (base) {
		cfs_info("saving %s: it was edited from version %lld (the mount has read version "
		         "%lld since): the changes are merged into the newer one",
		         p->fname ? p->fname : "?", (long long)version, (long long)p->base_version);
		p->base_version = version;
	}
}
