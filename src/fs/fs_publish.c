/* fs_publish: one save becomes one new version.  The saved bytes go into the
 * drafts area (write/drafts/<id>.draft, fsync'ed) before any request; then, on
 * the loop thread: the new storage body from the base's block map
 * (cfs_write_storage), one PUT with the base version + 1; on a 409 the
 * current page, a three-way merge and one more PUT, or a conflict file; after
 * a failure that may have reached the server, the page is read back.  The
 * draft goes when the save is done (published, nothing to publish, or kept
 * as a conflict file).  docs/write-back-fs.md. */
#include "fs_write.h"
#include "confluence.h"
#include "log.h"
#include "sync.h"
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cfs_fsw_errno(int err)
{
	switch (err) {
	case 0:
	case -EACCES:
	case -EINVAL:
	case -ENOMEM:
		return -err;
	default:
		return EIO;
	}
}

void cfs_fsw_pub_free(struct pub *p)
{
	if (!p)
		return;
	free(p->base);
	free(p->md);
	free(p->id);
	free(p->title);
	free(p->new_title);
	free(p->space_key);
	free(p->fname);
	for (size_t i = 0; p->labels_add && p->labels_add[i]; i++)
		free(p->labels_add[i]);
	for (size_t i = 0; p->labels_del && p->labels_del[i]; i++)
		free(p->labels_del[i]);
	free(p->labels_add);
	free(p->labels_del);
	free(p->body);
	free(p->conflict);
	free(p->labels_want);
	cfs_blockmap_free(p->bm);
	free(p);
}

/* ---- on the loop ---- */

static void pub_put(struct pub *p);
static void pub_compute(struct pub *p);

static void renamed_in_tree(struct pub *p);

static void finish(struct pub *p, int err)
{
	struct cfs_fsw *w = p->fs->w;

	if (err == 0 && p->new_version > p->base_version) {
		struct cfs_blob *md = NULL;
		char *copy = p->merged ? NULL : malloc(p->md_len + 1);

		if (copy) {
			memcpy(copy, p->md, p->md_len);
			copy[p->md_len] = '\0';
			md = cfs_blob_take(copy, p->md_len);
		}
		/* A merged save shows the server's merge once it is fetched again. */
		cfs_tree_page_saved(p->fs->tree, p->node, p->new_version, p->mtime, md);
		pthread_mutex_lock(&w->lock);
		struct kept *k = cfs_fsw_kept(w, p->node, 1);
		if (k) {
			cfs_fsw_kept_set(w, k, md ? p->new_version : 0, md ? p->body : NULL,
			                 p->body_len, md);
			k->written = 1;
			if (md)
				p->body = NULL;
		}
		pthread_mutex_unlock(&w->lock);
		cfs_blob_unref(md);
		cfs_info("saved %s as version %lld%s (%d request%s)", p->fname,
		         (long long)p->new_version,
		         p->merged ? ", merged with the server's changes" : "", p->requests,
		         p->requests == 1 ? "" : "s");
		if (p->fs->se)
			fuse_lowlevel_notify_inval_inode(p->fs->se, p->ino, -1, 0);
	} else if (err == 0) {
		cfs_debug("saved %s: nothing changed, nothing sent", p->fname);
	}
	if (err == 0 && p->labels_want) {
		/* The labels the server has now, for the next save's comparison. */
		struct cfs_page one = {.id = p->id, .labels = p->labels_want};
		struct cfs_page_list l = {.v = &one, .n = 1, .cap = 1};

		cfs_tree_set_labels(p->fs->tree, &l, NULL);
	}
	/* A rename: its name on the mount follows, from what was sent (no
	 * listing of the space: docs/shape.md). */
	if (err == 0 && p->renamed && p->fs->sync)
		renamed_in_tree(p);
	if (err == 0 || err == -EBUSY)
		cfs_fsw_draft_remove(w, p->id);
	p->done(p, err);
}

static void renamed_applied(void *arg, int err)
{
	if (err)
		cfs_warn("a renamed page: putting its new title into the tree: %s", strerror(-err));
	(void)arg;
}

/* The new title into the tree: a change of the page's title and version. */
static void renamed_in_tree(struct pub *p)
{
	struct cfs_sync_change c = {0};
	struct cfs_page pg = {0};
	int loaded = 0;
	long sp = p->space_key ? cfs_tree_space_find(p->fs->tree, p->space_key, &loaded) : -1;

	pg.id = strdup(p->id);
	pg.title = strdup(p->new_title);
	pg.version = p->new_version;
	pg.position = INT64_MAX;
	if (sp < 0 || !pg.id || !pg.title || cfs_sync_change_take_page(&c, &pg)) {
		cfs_model_page_clear(&pg);
		cfs_sync_now(p->fs->sync); /* list it instead */
		return;
	}
	cfs_sync_change(p->fs->sync, (size_t)sp, &c, renamed_applied, NULL);
}

static const char *what(const struct cfs_cf_error *e)
{
	return e->detail ? e->detail : strerror(-e->err);
}

/* Keep the user's text beside the page as "Title (conflict vN).md". */
static void conflict(struct pub *p, int64_t theirs)
{
	struct cfs_fsw *w = p->fs->w;
	size_t stem = strlen(p->fname) > 3 ? strlen(p->fname) - 3 : strlen(p->fname);
	int ret;

	if (asprintf(&p->conflict, "%.*s (conflict v%lld).md", (int)stem, p->fname,
	             (long long)theirs) < 0) {
		p->conflict = NULL;
		finish(p, -ENOMEM);
		return;
	}
	pthread_mutex_lock(&w->lock);
	ret = cfs_fsw_local_write(w, p->dir, p->conflict, p->md, p->md_len);
	pthread_mutex_unlock(&w->lock);
	if (ret) {
		cfs_err("conflict saving %s: the page changed on the server (version %lld), and "
		        "the conflict file cannot be written (%s): the draft stays",
		        p->fname, (long long)theirs, strerror(-ret));
		p->done(p, -EIO);
		return;
	}
	cfs_warn("conflict saving %s: the page changed on the server (version %lld) in the same "
	         "place; nothing was published, your text is in \"%s\"",
	         p->fname, (long long)theirs, p->conflict);
	finish(p, -EBUSY);
}

/* Links of changed blocks back to pages and attachments (the read lock is
 * held: inside cfs_tree_with_ctx). */
struct link_arg {
	struct cfs_tree *t;
	struct cfs_node *n;
};

static int link_page(void *arg, const char *rel, char **space_key, char **title)
{
	struct link_arg *l = arg;

	return cfs_tree_rel_target_locked(l->t, l->n, rel, 0, space_key, title);
}

static int link_att(void *arg, const char *rel, char **page_title, char **filename)
{
	struct link_arg *l = arg;

	return cfs_tree_rel_target_locked(l->t, l->n, rel, 1, page_title, filename);
}

struct merge_job {
	struct pub *p;
	const char *theirs;
	size_t theirs_len;
	char *err;
	int ret;
};

static int merge_cb(void *arg, const struct cfs_convert_ctx *cctx)
{
	struct merge_job *j = arg;
	struct pub *p = j->p;
	struct cfs_blockmap *bm = NULL;
	struct link_arg la = {p->fs->tree, p->node};
	struct cfs_write_ctx wctx = {
	    .convert = cctx, .page = link_page, .attachment = link_att, .arg = &la};
	char *why = NULL;

	j->ret = cfs_blockmap_build(j->theirs, j->theirs_len, cctx, &bm, &why);
	if (j->ret) {
		j->err = why;
		return j->ret;
	}
	free(p->body);
	p->body = NULL;
	j->ret = cfs_write_merge(p->bm, p->md + p->body_off, p->md_len - p->body_off, bm, &wctx,
	                         &p->body, &p->body_len, &j->err);
	cfs_blockmap_free(bm);
	return j->ret;
}

/* The server has another version: merge the user's changes into it. */
static void on_theirs(void *arg, const struct cfs_cf_error *e, struct cfs_page *page)
{
	struct pub *p = arg;
	struct merge_job j = {.p = p};

	if (e->err) {
		cfs_err(
		    "saving %s: the page changed on the server, and reading it failed (%s): the "
		    "draft stays",
		    p->fname, what(e));
		finish(p, -EIO);
		return;
	}
	j.theirs = page->body ? page->body : "";
	j.theirs_len = strlen(j.theirs);
	if (p->body && page->version == p->base_version + 1 && j.theirs_len == p->body_len &&
	    memcmp(j.theirs, p->body, p->body_len) == 0) {
		/* Our own PUT, applied before its answer was lost. */
		p->new_version = page->version;
		p->mtime = page->mtime;
		finish(p, 0);
		return;
	}
	cfs_tree_with_ctx(p->fs->tree, p->node, merge_cb, &j);
	if (j.ret == 0) {
		p->merged = 1;
		p->base_version = page->version;
		pub_put(p);
	} else if (j.ret == 1) {
		p->new_version = 0;
		finish(p, 0);
	} else if (j.ret == -EBUSY) {
		conflict(p, page->version);
	} else {
		cfs_err("saving %s: %s: the draft stays", p->fname,
		        j.err ? j.err : strerror(-j.ret));
		finish(p, j.ret == -ENOMEM ? -ENOMEM : -EINVAL);
	}
	free(j.err);
}

/* After a failure that may have reached the server: did it apply our PUT? */
static void on_check(void *arg, const struct cfs_cf_error *e, struct cfs_page *page)
{
	struct pub *p = arg;

	if (!e->err && page->version == p->base_version + 1 && page->body &&
	    strlen(page->body) == p->body_len && memcmp(page->body, p->body, p->body_len) == 0) {
		cfs_info("saving %s: the server had applied it before the answer was lost",
		         p->fname);
		p->new_version = page->version;
		p->mtime = page->mtime;
		finish(p, 0);
		return;
	}
	finish(p, -EIO);
}

static void next_label(struct pub *p);

static void on_label(void *arg, const struct cfs_cf_error *e)
{
	struct pub *p = arg;

	if (e->err)
		cfs_warn("saving %s: changing a label failed (%s)", p->fname, what(e));
	next_label(p);
}

/* Front matter: the labels to add, then to remove, one request each. */
static void next_label(struct pub *p)
{
	for (;;) {
		char *l = NULL;
		int add = 0;

		if (p->labels_add && p->labels_add[0]) {
			size_t n = 0;

			l = p->labels_add[0];
			add = 1;
			while (p->labels_add[n + 1])
				n++;
			memmove(p->labels_add, p->labels_add + 1, (n + 1) * sizeof(char *));
		} else if (p->labels_del && p->labels_del[0]) {
			size_t n = 0;

			l = p->labels_del[0];
			while (p->labels_del[n + 1])
				n++;
			memmove(p->labels_del, p->labels_del + 1, (n + 1) * sizeof(char *));
		} else {
			finish(p, 0);
			return;
		}
		p->requests++;
		cfs_cf_tag(p->fs->cf, "save");
		int ret = cfs_cf_label(p->fs->cf, p->id, l, add, on_label, p);

		free(l);
		if (ret == 0)
			return;
	}
}

static void on_put(void *arg, const struct cfs_cf_error *e, struct cfs_page *page)
{
	struct pub *p = arg;

	if (!e->err) {
		p->new_version =
		    page->version > p->base_version ? page->version : p->base_version + 1;
		p->mtime = page->mtime;
		if (p->new_title && p->title && strcmp(p->new_title, p->title) != 0) {
			cfs_info("renamed page \"%s\" to \"%s\"", p->title, p->new_title);
			p->renamed = 1;
		}
		next_label(p);
		return;
	}
	if (e->err == -EBUSY && !p->retried) {
		p->retried = 1;
		p->requests++;
		cfs_cf_tag(p->fs->cf, "save: read the server's version");
		if (cfs_cf_page(p->fs->cf, p->id, p->blog, CFS_HTTP_USER, on_theirs, p))
			finish(p, -ENOMEM);
		return;
	}
	if (e->err == -EBUSY) {
		cfs_warn("saving %s: the page changed again while merging: the draft stays",
		         p->fname);
		finish(p, -EIO);
		return;
	}
	if (e->err == -EACCES) {
		cfs_err("saving %s: refused (HTTP %ld): no permission to edit it; the draft stays",
		        p->fname, e->status);
		finish(p, -EACCES);
		return;
	}
	if (e->err == -EINVAL) {
		cfs_err("saving %s: the server refused the new body (HTTP %ld: %.200s); the draft "
		        "stays",
		        p->fname, e->status, what(e));
		finish(p, -EINVAL);
		return;
	}
	/* A timeout, a reset, a 5xx: it may have been applied.  Never PUT again
	 * blindly: read the page back. */
	cfs_warn("saving %s failed (%s%s%.0ld); reading the page back", p->fname, what(e),
	         e->status ? ", HTTP " : "", e->status);
	p->requests++;
	cfs_cf_tag(p->fs->cf, "save: check");
	if (cfs_cf_page(p->fs->cf, p->id, p->blog, CFS_HTTP_USER, on_check, p))
		finish(p, -EIO);
}

static void pub_put(struct pub *p)
{
	struct cfs_cf_update u = {
	    .id = p->id,
	    .title = p->new_title ? p->new_title : p->title,
	    .blog = p->blog,
	    .version = p->base_version + 1,
	    .body = p->body,
	    .len = p->body_len,
	};

	p->requests++;
	cfs_cf_tag(p->fs->cf, "save");
	if (cfs_cf_update_page(p->fs->cf, &u, on_put, p))
		finish(p, -ENOMEM);
}

/* Labels of the page now vs wanted (NULL: not in the front matter). */
static void label_diff(struct pub *p, char **want)
{
	char *have = NULL, *save = NULL;
	size_t len = 0, nw = 0, nh = 0;
	char **hv = NULL;

	if (!want)
		return;
	if (cfs_tree_xattr_get(p->fs->tree, p->ino, "user.confluence.labels", &have, &len) == 0) {
		char *s = realloc(have, len + 1);

		if (s) {
			have = s;
			have[len] = '\0';
			for (char *t = strtok_r(have, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				char **v = realloc(hv, (nh + 2) * sizeof(*v));

				if (!v)
					break;
				hv = v;
				hv[nh++] = t;
			}
		}
	}
	while (want[nw])
		nw++;
	{
		size_t jl = 1;

		for (size_t i = 0; i < nw; i++)
			jl += strlen(want[i]) + 1;
		p->labels_want = calloc(1, jl);
		for (size_t i = 0; p->labels_want && i < nw; i++) {
			if (i)
				strcat(p->labels_want, ",");
			strcat(p->labels_want, want[i]);
		}
	}
	p->labels_add = calloc(nw + 1, sizeof(char *));
	p->labels_del = calloc(nh + 1, sizeof(char *));
	if (p->labels_add && p->labels_del) {
		size_t a = 0, d = 0;

		for (size_t i = 0; i < nw; i++) {
			int found = 0;

			for (size_t k = 0; k < nh; k++)
				found |= strcmp(want[i], hv[k]) == 0;
			if (!found)
				p->labels_add[a++] = strdup(want[i]);
		}
		for (size_t k = 0; k < nh; k++) {
			int found = 0;

			for (size_t i = 0; i < nw; i++)
				found |= strcmp(want[i], hv[k]) == 0;
			if (!found)
				p->labels_del[d++] = strdup(hv[k]);
		}
	}
	free(hv);
	free(have);
}

struct compute_job {
	struct pub *p;
	char *err;
	int ret;
};

static int compute_cb(void *arg, const struct cfs_convert_ctx *cctx)
{
	struct compute_job *j = arg;
	struct pub *p = j->p;
	struct link_arg la = {p->fs->tree, p->node};
	struct cfs_write_ctx wctx = {
	    .convert = cctx, .page = link_page, .attachment = link_att, .arg = &la};

	j->ret = cfs_blockmap_build(p->base, p->base_len, cctx, &p->bm, &j->err);
	if (j->ret)
		return j->ret;
	j->ret = cfs_write_storage(p->bm, p->md + p->body_off, p->md_len - p->body_off, &wctx,
	                           &p->body, &p->body_len, &j->err);
	return j->ret;
}

/* The base is known: the new body, and whether anything is to be sent. */
static void pub_compute(struct pub *p)
{
	struct compute_job j = {.p = p};
	struct cfs_front_matter fm = {0};
	int meta = 0;

	if (p->fs->w->front_matter) {
		char *err = NULL;
		int ret = cfs_write_front_matter(p->md, p->md_len, &fm, &err);

		if (ret) {
			cfs_err("saving %s: %s: the draft stays", p->fname,
			        err ? err : strerror(-ret));
			free(err);
			finish(p, ret == -ENOMEM ? -ENOMEM : -EINVAL);
			return;
		}
		p->body_off = fm.body;
		if (fm.title && p->title && strcmp(fm.title, p->title) != 0) {
			p->new_title = fm.title;
			fm.title = NULL;
			meta = 1;
		}
		label_diff(p, fm.labels);
		if ((p->labels_add && p->labels_add[0]) || (p->labels_del && p->labels_del[0]))
			meta = 1;
		cfs_front_matter_free(&fm);
	}
	cfs_tree_with_ctx(p->fs->tree, p->node, compute_cb, &j);
	if (j.ret == 1 && !meta) {
		p->new_version = 0;
		finish(p, 0);
	} else if (j.ret == 1 || j.ret == 0) {
		if (j.ret == 1) { /* only the title or labels: the body as it is */
			free(p->body);
			p->body = malloc(p->base_len + 1);
			if (!p->body) {
				finish(p, -ENOMEM);
				goto out;
			}
			memcpy(p->body, p->base, p->base_len + 1);
			p->body_len = p->base_len;
		}
		if (p->new_title || j.ret == 0)
			pub_put(p);
		else {
			p->new_version = 0;
			next_label(p);
		}
	} else {
		cfs_err("saving %s: %s; nothing was published, the draft stays", p->fname,
		        j.err ? j.err : strerror(-j.ret));
		finish(p, j.ret == -ENOMEM ? -ENOMEM : -EINVAL);
	}
out:
	free(j.err);
}

static void on_base_fetched(void *arg, int err);

static void on_rendered(void *arg, int err, struct cfs_blob *md)
{
	struct pub *p = arg;
	struct cfs_fsw *w = p->fs->w;
	struct kept *k;
	int64_t have = 0;

	pthread_mutex_lock(&w->lock);
	k = cfs_fsw_kept(w, p->node, 0);
	if (!err && k && k->storage && (p->base_version == 0 || k->version == p->base_version)) {
		p->base = malloc(k->len + 1);
		if (p->base) {
			memcpy(p->base, k->storage, k->len + 1);
			p->base_len = k->len;
			p->base_version = k->version;
		}
		if (p->base && p->trunc && k->md) {
			free(p->md);
			p->md = calloc(1, p->trunc_len + 1);
			if (p->md) {
				memcpy(p->md, k->md->data,
				       p->trunc_len < k->md->len ? p->trunc_len : k->md->len);
				p->md_len = p->trunc_len;
			}
		}
	}
	have = k ? k->version : 0;
	pthread_mutex_unlock(&w->lock);
	if (err) {
		cfs_err("saving %s: reading the page failed (%s): the draft stays", p->fname,
		        strerror(-err));
		finish(p, -EIO);
	} else if (!p->base && have && have != p->base_version) {
		/* A draft of an older version: the server moved on. */
		conflict(p, have);
	} else if (!p->base && !have && !p->fetched) {
		/* Rendered, but its base was forgotten (the memory bound). */
		p->fetched = 1;
		cfs_fsw_fetch_base(p->fs, p->node, on_base_fetched, p);
	} else if (!p->base || !p->md) {
		finish(p, -EIO);
	} else if (p->trunc && (err = cfs_fsw_draft_write(w, p))) {
		cfs_err("saving %s: cannot keep a draft (%s): nothing published", p->fname,
		        strerror(-err));
		p->done(p, -EIO);
	} else {
		pub_compute(p);
	}
}

static void on_base_fetched(void *arg, int err)
{
	on_rendered(arg, err, NULL);
}

static void pub_run(void *arg, int cancelled)
{
	struct pub *p = arg;

	if (cancelled) {
		p->done(p, -EIO);
		return;
	}
	if (p->err) {
		finish(p, p->err);
		return;
	}
	if (p->base) {
		pub_compute(p);
		return;
	}
	pthread_mutex_lock(&p->fs->w->lock);
	struct kept *k = cfs_fsw_kept(p->fs->w, p->node, 0);
	int have = k && k->storage && (p->base_version == 0 || k->version == p->base_version);
	pthread_mutex_unlock(&p->fs->w->lock);
	if (have) {
		on_rendered(p, 0, NULL);
		return;
	}
	if (p->rendered) {
		on_rendered(p, 0, NULL);
		return;
	}
	p->rendered = 1;
	/* The base is the version the mount renders now. */
	cfs_cache_page(p->fs->cache, p->node, CFS_HTTP_USER, "save", on_rendered, p);
}

void cfs_fsw_publish(struct pub *p)
{
	struct cfs_fsw *w = p->fs->w;
	int64_t cur = 0;
	int writable = 0, ret;

	ret = cfs_tree_page_ref(p->fs->tree, p->node, &p->id, &cur, &p->blog);
	if (!ret && !(p->title = cfs_tree_title(p->fs->tree, p->node)))
		ret = -ENOMEM;
	if (!ret)
		ret = cfs_tree_file_of(p->fs->tree, p->node, &p->fname, &p->dir, &writable);
	if (!ret && !writable)
		ret = -EACCES;
	if (!ret)
		cfs_fsw_pick_base(p);
	if (!ret && !p->no_draft && !p->trunc) {
		ret = cfs_fsw_draft_write(w, p);
		if (ret)
			cfs_err("saving %s: cannot keep a draft (%s): nothing published", p->fname,
			        strerror(-ret));
	}
	p->err = ret;
	if (!p->fname)
		p->fname = strdup("?");
	if (cfs_loop_submit(p->fs->loop, pub_run, p))
		pub_run(p, 1);
}
