/* fs_write: the FUSE operations of a rw mount (-o rw).
 *
 * A page opened for writing gets a working copy in memory (struct wfile, one
 * per page, shared by its handles), initialised with the Markdown the mount
 * served, whose storage is the base of the save.  write/setattr change the
 * working copy; flush and fsync publish it (fs_publish.c) and answer the
 * editor with the outcome; release publishes only what was never flushed.
 * A rename of a local file over a page publishes that file's bytes (an
 * atomic save) and answers the rename with the outcome.  Names that are no
 * page are local files (fs_local.c).  docs/write-back-fs.md.
 */
#include "fs_shape.h"
#include "log.h"
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOCAL_TTL 1.0

static struct whandle *wh_of(const struct fuse_file_info *fi)
{
	return fi && (fi->fh & 1) ? (struct whandle *)(uintptr_t)(fi->fh & ~(uint64_t)1) : NULL;
}

int cfs_fsw_handle(const struct fuse_file_info *fi)
{
	return wh_of(fi) != NULL;
}

uint64_t cfs_fsw_ino(struct cfs_fs *fs, uint64_t ino)
{
	struct cfs_fsw *w = fs->w;
	struct local *l;

	if (!w || !CFS_IS_LOCAL_INO(ino))
		return ino;
	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_by_ino(w, ino);
	if (l && l->alias)
		ino = l->alias;
	pthread_mutex_unlock(&w->lock);
	return ino;
}

int cfs_fsw_new(struct cfs_fs *fs, const char *cache_dir, int front_matter, struct cfs_fsw **out)
{
	struct cfs_fsw *w = calloc(1, sizeof(*w));
	char *path = NULL;
	int ret;

	if (!w || asprintf(&path, "%s/write", cache_dir) < 0) {
		free(w);
		return -ENOMEM;
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		goto fail;
	}
	w->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		ret = -errno;
		goto fail;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->recovered, NULL);
	w->fs = fs;
	w->front_matter = front_matter;
	ret = cfs_fsw_local_init(w);
	if (ret) {
		close(w->dirfd);
		goto fail;
	}
	free(path);
	*out = w;
	return 0;
fail:
	free(path);
	free(w);
	return ret;
}

void cfs_fsw_set_cap(struct cfs_fsw *w, uint64_t cap)
{
	pthread_mutex_lock(&w->lock);
	w->kept_cap = cap;
	pthread_mutex_unlock(&w->lock);
}

void cfs_fsw_free(struct cfs_fsw *w)
{
	if (!w)
		return;
	while (w->locals)
		cfs_fsw_local_drop(w, w->locals);
	for (size_t b = 0; b < KEPT_BUCKETS; b++)
		while (w->kept[b]) {
			struct kept *k = w->kept[b];

			w->kept[b] = k->next;
			free(k->storage);
			cfs_blob_unref(k->md);
			free(k->prev_storage);
			cfs_blob_unref(k->prev_md);
			free(k);
		}
	while (w->wfiles) {
		struct wfile *f = w->wfiles;

		w->wfiles = f->next;
		free(f->buf);
		free(f->base);
		free(f);
	}
	close(w->dirfd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->recovered);
	free(w);
}

/* ---- attributes ---- */

static void reply_local_entry(fuse_req_t req, const struct stat *st)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = st->st_ino;
	e.generation = 1;
	e.attr = *st;
	e.attr_timeout = LOCAL_TTL;
	e.entry_timeout = LOCAL_TTL;
	fuse_reply_entry(req, &e);
}

static struct wfile *wfile_find(struct cfs_fsw *w, struct cfs_node *n)
{
	for (struct wfile *f = w->wfiles; f; f = f->next)
		if (f->node == n)
			return f;
	return NULL;
}

/* A page's attributes, with the working copy's size while one is open. */
static int page_stat(struct cfs_fs *fs, uint64_t ino, struct stat *st, struct cfs_tree_attr *a)
{
	int ret = cfs_tree_getattr(fs->tree, ino, a);
	struct wfile *f;

	if (ret)
		return ret;
	pthread_mutex_lock(&fs->w->lock);
	f = a->kind == CFS_PAGE_FILE && a->node ? wfile_find(fs->w, a->node) : NULL;
	if (f)
		a->size = (int64_t)f->len;
	pthread_mutex_unlock(&fs->w->lock);
	cfs_fs_fill_stat(fs, a, st);
	return 0;
}

int cfs_fsw_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_fsw *w = fs->w;
	struct local *l;
	struct stat st;
	int ret = -ENOENT;

	if (!w)
		return 0;
	if (cfs_fss_lookup(req, fs, parent, name))
		return 1; /* the old name of a page just moved (fs_shape.c) */
	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_find(w, parent, name);
	if (l)
		ret = cfs_fsw_local_stat(w, l, &st);
	pthread_mutex_unlock(&w->lock);
	if (!l)
		return 0;
	if (ret)
		fuse_reply_err(req, -ret);
	else
		reply_local_entry(req, &st);
	return 1;
}

int cfs_fsw_getattr(fuse_req_t req, fuse_ino_t ino)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_fsw *w = fs->w;
	struct cfs_tree_attr a;
	struct stat st;
	int ret, have;

	if (!w)
		return 0;
	ino = cfs_fsw_ino(fs, ino);
	if (CFS_IS_LOCAL_INO(ino)) {
		struct local *l;

		pthread_mutex_lock(&w->lock);
		l = cfs_fsw_local_by_ino(w, ino);
		ret = l ? cfs_fsw_local_stat(w, l, &st) : -ENOENT;
		pthread_mutex_unlock(&w->lock);
		if (ret)
			fuse_reply_err(req, -ret);
		else
			fuse_reply_attr(req, &st, LOCAL_TTL);
		return 1;
	}
	if ((ino & 3) != CFS_PAGE_FILE || cfs_tree_getattr(fs->tree, ino, &a) || !a.node)
		return 0;
	pthread_mutex_lock(&w->lock);
	have = wfile_find(w, a.node) != NULL;
	pthread_mutex_unlock(&w->lock);
	if (!have)
		return 0;
	if (page_stat(fs, ino, &st, &a))
		return 0;
	fuse_reply_attr(req, &st, fs->ttl);
	return 1;
}

/* ---- opening ---- */

/* Open page n for writing: its working copy (made from what the mount
 * last rendered), a handle in fi.  -EAGAIN when the page was never rendered
 * on this mount (render it, then ask again).  Any thread. */
static int wfile_open(struct cfs_fs *fs, struct cfs_node *n, uint64_t ino,
                      struct fuse_file_info *fi)
{
	struct cfs_fsw *w = fs->w;
	struct whandle *h = calloc(1, sizeof(*h));
	struct wfile *f;
	struct kept *k;

	if (!h)
		return -ENOMEM;
	pthread_mutex_lock(&w->lock);
	f = wfile_find(w, n);
	if (!f) {
		k = cfs_fsw_kept(w, n, 0);
		if (!k || !k->storage || !k->md) {
			pthread_mutex_unlock(&w->lock);
			free(h);
			return -EAGAIN;
		}
		f = calloc(1, sizeof(*f));
		if (f) {
			f->cap = k->md->len + 1;
			f->buf = malloc(f->cap);
			f->base = malloc(k->len + 1);
		}
		if (!f || !f->buf || !f->base) {
			if (f) {
				free(f->buf);
				free(f->base);
			}
			free(f);
			pthread_mutex_unlock(&w->lock);
			free(h);
			return -ENOMEM;
		}
		memcpy(f->buf, k->md->data, k->md->len);
		f->len = k->md->len;
		memcpy(f->base, k->storage, k->len + 1);
		f->base_len = k->len;
		f->base_version = k->version;
		f->node = n;
		f->ino = ino;
		f->next = w->wfiles;
		w->wfiles = f;
	}
	f->refs++;
	if (fi->flags & O_TRUNC) {
		f->len = 0;
		f->dirty = 1;
		f->touched = 0;
		f->gen++;
	}
	pthread_mutex_unlock(&w->lock);
	h->wf = f;
	h->fd = -1;
	h->ino = ino;
	h->append = (fi->flags & O_APPEND) != 0;
	fi->fh = (uint64_t)(uintptr_t)h | 1;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

/* Waiting on the loop for a page to be rendered before it can be opened. */
struct wjob {
	struct cfs_fs *fs;
	fuse_req_t req;
	struct cfs_node *node;
	uint64_t ino;
	struct fuse_file_info fi;
	int create;
	int fetched; /* the base was fetched on its own */
	struct fuse_entry_param e;
};

static void finish_open(struct wjob *j)
{
	int ret = wfile_open(j->fs, j->node, j->ino, &j->fi);

	if (ret) {
		fuse_reply_err(j->req, ret == -EAGAIN ? EIO : -ret);
		return;
	}
	if (j->create) {
		struct stat st;
		struct cfs_tree_attr a;

		if (page_stat(j->fs, j->ino, &st, &a) == 0)
			j->e.attr = st;
		if (fuse_reply_create(j->req, &j->e, &j->fi) != 0)
			cfs_fsw_release_handle(j->fs, &j->fi);
	} else if (fuse_reply_open(j->req, &j->fi) != 0) {
		cfs_fsw_release_handle(j->fs, &j->fi);
	}
}

static void on_job_fetched(void *arg, int err);

static void on_job_rendered(void *arg, int err, struct cfs_blob *md)
{
	struct wjob *j = arg;
	struct kept *k;
	int have;

	if (!err && !j->fetched) {
		pthread_mutex_lock(&j->fs->w->lock);
		k = cfs_fsw_kept(j->fs->w, j->node, 0);
		have = k && k->storage && k->md;
		pthread_mutex_unlock(&j->fs->w->lock);
		if (!have) {
			/* Rendered, but its base was forgotten (the memory bound). */
			j->fetched = 1;
			cfs_fsw_fetch_base(j->fs, j->node, on_job_fetched, j);
			return;
		}
	}
	if (err)
		fuse_reply_err(j->req, err == -EACCES || err == -ENOENT ? -err : EIO);
	else
		finish_open(j);
	free(j);
}

static void on_job_fetched(void *arg, int err)
{
	on_job_rendered(arg, err, NULL);
}

static void run_job(void *arg, int cancelled)
{
	struct wjob *j = arg;

	if (cancelled) {
		fuse_reply_err(j->req, EIO);
		free(j);
		return;
	}
	cfs_cache_page(j->fs->cache, j->node, CFS_HTTP_USER, "open for writing", on_job_rendered,
	               j);
}

static void open_page(fuse_req_t req, struct cfs_fs *fs, struct cfs_node *n, uint64_t ino,
                      struct fuse_file_info *fi, const struct fuse_entry_param *e)
{
	struct wjob *j;
	int ret = wfile_open(fs, n, ino, fi);

	if (ret == 0) {
		struct wjob now = {.fs = fs, .req = req, .node = n, .ino = ino, .fi = *fi};

		/* Already open: reply as finish_open would, with this handle. */
		if (e) {
			struct stat st;
			struct cfs_tree_attr a;

			now.e = *e;
			if (page_stat(fs, ino, &st, &a) == 0)
				now.e.attr = st;
			if (fuse_reply_create(req, &now.e, fi) != 0)
				cfs_fsw_release_handle(fs, fi);
		} else if (fuse_reply_open(req, fi) != 0) {
			cfs_fsw_release_handle(fs, fi);
		}
		return;
	}
	if (ret != -EAGAIN) {
		fuse_reply_err(req, -ret);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	*j = (struct wjob){.fs = fs, .req = req, .node = n, .ino = ino, .fi = *fi, .create = !!e};
	if (e)
		j->e = *e;
	if (cfs_loop_submit(fs->loop, run_job, j)) {
		fuse_reply_err(req, EIO);
		free(j);
	}
}

static int open_local(fuse_req_t req, struct cfs_fsw *w, uint64_t ino, struct fuse_file_info *fi,
                      int flags_extra)
{
	struct whandle *h = calloc(1, sizeof(*h));
	struct local *l;
	char path[PATH_MAX];
	int fd = -1;

	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_by_ino(w, ino);
	if (l && l->name) {
		cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
		fd = openat(w->dirfd, path,
		            ((fi->flags | flags_extra) & ~(O_NOCTTY | O_NOFOLLOW)) | O_CLOEXEC,
		            0644);
		if (fd < 0)
			fd = -errno;
	} else {
		fd = -ENOENT;
	}
	pthread_mutex_unlock(&w->lock);
	if (fd < 0 || !h) {
		free(h);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? fd : -ENOMEM;
	}
	h->fd = fd;
	h->ino = ino;
	fi->fh = (uint64_t)(uintptr_t)h | 1;
	fi->direct_io = 1;
	return 0;
}

int cfs_fsw_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_fsw *w = fs->w;
	struct cfs_tree_attr a;
	int ret, writable;
	char *name = NULL;
	uint64_t dir;

	if (!w)
		return 0;
	ino = cfs_fsw_ino(fs, ino);
	if (CFS_IS_LOCAL_INO(ino)) {
		ret = open_local(req, w, ino, fi, 0);
		if (ret)
			fuse_reply_err(req, -ret);
		else if (fuse_reply_open(req, fi) != 0)
			cfs_fsw_release_handle(fs, fi);
		return 1;
	}
	if (cfs_fsu_open(req, fs, ino, fi))
		return 1; /* an attachment replaced (fs_upload.c) */
	if (cfs_tree_getattr(fs->tree, ino, &a) || a.kind != CFS_PAGE_FILE || !a.node)
		return 0;
	if ((fi->flags & O_ACCMODE) == O_RDONLY) {
		struct wfile *f;
		struct kept *k;
		struct cfs_blob *b = NULL;
		int written;

		/* While the page is open for writing, readers see the working copy. */
		pthread_mutex_lock(&w->lock);
		f = wfile_find(w, a.node);
		if (f) {
			char *copy = malloc(f->len + 1);

			if (copy) {
				memcpy(copy, f->buf, f->len);
				b = cfs_blob_take(copy, f->len);
			}
		}
		k = cfs_fsw_kept(w, a.node, 0);
		written = k && k->written;
		pthread_mutex_unlock(&w->lock);
		if (!b && written)
			b = cfs_tree_md(fs->tree, a.node);
		if (!b)
			return 0;
		/* Saved from this mount: the kernel's cache may hold the old bytes. */
		fi->fh = (uint64_t)(uintptr_t)b;
		fi->keep_cache = 0;
		if (fuse_reply_open(req, fi) != 0)
			cfs_blob_unref(b);
		return 1;
	}
	ret = cfs_tree_file_of(fs->tree, a.node, &name, &dir, &writable);
	free(name);
	if (ret || !writable) {
		fuse_reply_err(req, ret ? -ret : EACCES);
		return 1;
	}
	open_page(req, fs, a.node, ino, fi, NULL);
	return 1;
}

void cfs_fsw_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                    struct fuse_file_info *fi)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_fsw *w = fs->w;
	struct cfs_tree_attr a, pa;
	struct local *l;
	struct stat st;
	char path[PATH_MAX];
	int ret, fd;
	struct whandle *h;

	if (!w) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ret = cfs_tree_lookup(fs->tree, parent, name, &a);
	if (ret == 0) {
		struct fuse_entry_param e;
		char *fname = NULL;
		uint64_t dir;
		int writable = 0;

		if (fi->flags & O_EXCL) {
			fuse_reply_err(req, EEXIST);
			return;
		}
		if (a.kind != CFS_PAGE_FILE || !a.node ||
		    cfs_tree_file_of(fs->tree, a.node, &fname, &dir, &writable) || !writable) {
			free(fname);
			fuse_reply_err(req, a.is_dir ? EISDIR : EACCES);
			return;
		}
		free(fname);
		memset(&e, 0, sizeof(e));
		e.ino = a.ino;
		e.generation = 1;
		e.attr_timeout = 0;
		e.entry_timeout = fs->ttl;
		cfs_fs_fill_stat(fs, &a, &e.attr);
		open_page(req, fs, a.node, a.ino, fi, &e);
		return;
	}
	if (ret != -ENOENT) {
		fuse_reply_err(req, ret == -EAGAIN ? EIO : -ret);
		return;
	}
	if (cfs_tree_getattr(fs->tree, parent, &pa) || !pa.is_dir) {
		fuse_reply_err(req, EACCES);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_find(w, parent, name);
	if (l && (fi->flags & O_EXCL)) {
		ret = -EEXIST;
	} else {
		snprintf(path, sizeof(path), "local/%016llx", (unsigned long long)parent);
		mkdirat(w->dirfd, path, 0700);
		cfs_fsw_local_path(path, sizeof(path), parent, name);
		fd = openat(w->dirfd, path,
		            (fi->flags & ~(O_NOCTTY | O_NOFOLLOW)) | O_CREAT | O_CLOEXEC,
		            mode & 07777);
		ret = fd < 0 ? -errno : 0;
		if (!ret && !l && (ret = cfs_fsw_local_add(w, parent, name, &l))) {
			close(fd);
			unlinkat(w->dirfd, path, 0);
		}
		if (!ret)
			ret = cfs_fsw_local_stat(w, l, &st);
		if (!ret)
			h->fd = fd, h->ino = l->ino;
	}
	pthread_mutex_unlock(&w->lock);
	if (ret) {
		free(h);
		fuse_reply_err(req, -ret);
		return;
	}
	{
		struct fuse_entry_param e;

		memset(&e, 0, sizeof(e));
		e.ino = st.st_ino;
		e.generation = 1;
		e.attr = st;
		e.attr_timeout = LOCAL_TTL;
		e.entry_timeout = LOCAL_TTL;
		fi->fh = (uint64_t)(uintptr_t)h | 1;
		fi->direct_io = 1;
		if (fuse_reply_create(req, &e, fi) != 0)
			cfs_fsw_release_handle(fs, fi);
	}
}

/* ---- reading and writing ---- */

int cfs_fsw_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct whandle *h = wh_of(fi);
	struct cfs_fsw *w;

	if (!h)
		return 0;
	if (h->fd >= 0) {
		char *buf = malloc(size ? size : 1);
		ssize_t n = buf ? pread(h->fd, buf, size, off) : -1;

		if (n < 0)
			fuse_reply_err(req, buf ? errno : ENOMEM);
		else
			fuse_reply_buf(req, buf, (size_t)n);
		free(buf);
		return 1;
	}
	w = cfs_fs_of(req)->w;
	pthread_mutex_lock(&w->lock);
	if (off < 0 || (size_t)off >= h->wf->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, h->wf->buf + off,
		               size < h->wf->len - (size_t)off ? size : h->wf->len - (size_t)off);
	pthread_mutex_unlock(&w->lock);
	return 1;
}

/* Resize a working copy (lock held); new bytes are zeros. */
int cfs_fsw_resize(struct wfile *f, size_t len)
{
	if (len + 1 > f->cap) {
		size_t cap = f->cap * 2 > len + 1 ? f->cap * 2 : len + 1;
		char *b = realloc(f->buf, cap);

		if (!b)
			return -ENOMEM;
		f->buf = b;
		f->cap = cap;
	}
	if (len > f->len)
		memset(f->buf + f->len, 0, len - f->len);
	f->len = len;
	f->dirty = 1;
	f->gen++;
	return 0;
}

void cfs_fsw_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
	struct whandle *h = wh_of(fi);
	struct cfs_fsw *w = cfs_fs_of(req)->w;
	struct wfile *f;
	int ret = 0;

	if (!h || !w) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (h->fd >= 0) {
		ssize_t n = pwrite(h->fd, buf, size, off);

		if (n < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_write(req, (size_t)n);
		return;
	}
	f = h->wf;
	pthread_mutex_lock(&w->lock);
	if (h->append)
		off = (off_t)f->len;
	if (off < 0 || (uint64_t)off + size > (64u << 20))
		ret = -EFBIG;
	else if ((size_t)off + size > f->len)
		ret = cfs_fsw_resize(f, (size_t)off + size);
	if (!ret) {
		memcpy(f->buf + off, buf, size);
		f->dirty = 1;
		f->touched = 1;
		f->gen++;
	}
	pthread_mutex_unlock(&w->lock);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_write(req, size);
}
