/* fs_save: the FUSE operations of a rw mount that end in a save or change names —
 * flush, fsync, release, setattr (truncate), rename, unlink, symlink, readlink — and
 * the write path's extended attribute (user.confluence.conflict).
 * docs/write-back-fs.md. */
#include "fs_shape.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOCAL_TTL      1.0
#define CONFLICT_XATTR "user.confluence.conflict"

static struct whandle *wh_of(const struct fuse_file_info *fi)
{
	return fi && (fi->fh & 1) ? (struct whandle *)(uintptr_t)(fi->fh & ~(uint64_t)1) : NULL;
}

static void wfile_unlink(struct cfs_fsw *w, struct wfile *f)
{
	for (struct wfile **p = &w->wfiles; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			free(f->buf);
			free(f->base);
			free(f);
			return;
		}
}

static struct pub *save_start(struct cfs_fs *fs, struct wfile *f, fuse_req_t req);

/* Loop thread: a save of a working copy is done. */
static void on_saved(struct pub *p, int err)
{
	struct cfs_fsw *w = p->fs->w;
	struct wfile *f = p->arg;
	struct waiter *ws;
	struct pub *again = NULL;

	pthread_mutex_lock(&w->lock);
	f->busy = 0;
	/* Done with these bytes either way: published, or kept as a draft or a
	 * conflict file.  Later writes make it dirty again. */
	if (f->gen == p->gen)
		f->dirty = 0;
	if (!err && !p->merged && p->new_version > p->base_version) {
		struct kept *k = cfs_fsw_kept(w, p->node, 0);
		char *b = k && k->storage ? malloc(k->len + 1) : NULL;

		if (b) {
			memcpy(b, k->storage, k->len + 1);
			free(f->base);
			f->base = b;
			f->base_len = k->len;
			f->base_version = k->version;
		}
	}
	ws = f->waiters;
	f->waiters = NULL;
	/* Written again while this save was on its way, and someone waits for
	 * it (a flush that came meanwhile) or nobody will flush again (the
	 * last handle is gone): save again; the waiters get that outcome. */
	if (f->dirty && !(f->len == 0 && !f->touched) && (ws || f->refs == 0)) {
		again = save_start(p->fs, f, NULL);
		if (again) {
			f->waiters = ws;
			ws = NULL;
		}
	}
	if (f->refs == 0 && !f->busy)
		wfile_unlink(w, f);
	pthread_mutex_unlock(&w->lock);
	if (again)
		cfs_fsw_publish(again);
	while (ws) {
		struct waiter *next = ws->next;

		fuse_reply_err(ws->req, cfs_fsw_errno(err));
		free(ws);
		ws = next;
	}
	cfs_fsw_pub_free(p);
}

/* Publish f's working copy (lock held; f not busy); req (may be NULL) gets
 * the outcome.  The publish itself starts after the lock is released. */
static struct pub *save_start(struct cfs_fs *fs, struct wfile *f, fuse_req_t req)
{
	struct pub *p = calloc(1, sizeof(*p));
	struct waiter *wt = req ? calloc(1, sizeof(*wt)) : NULL;

	if (!p || (req && !wt))
		goto nomem;
	p->md = malloc(f->len + 1);
	p->base = malloc(f->base_len + 1);
	if (!p->md || !p->base)
		goto nomem;
	memcpy(p->md, f->buf, f->len);
	p->md[f->len] = '\0';
	p->md_len = f->len;
	memcpy(p->base, f->base, f->base_len + 1);
	p->base_len = f->base_len;
	p->base_version = f->base_version;
	p->fs = fs;
	p->node = f->node;
	p->ino = f->ino;
	p->done = on_saved;
	p->arg = f;
	p->gen = f->gen; /* the generation saved, for on_saved */
	f->busy = 1;
	if (wt) {
		wt->req = req;
		wt->next = f->waiters;
		f->waiters = wt;
	}
	return p;
nomem:
	if (p) {
		free(p->md);
		free(p->base);
	}
	free(p);
	free(wt);
	if (req)
		fuse_reply_err(req, ENOMEM);
	return NULL;
}

/* flush and fsync of a page: publish if changed, answer when done. */
static void save_or_wait(fuse_req_t req, struct cfs_fs *fs, struct whandle *h)
{
	struct cfs_fsw *w = fs->w;
	struct wfile *f = h->wf;
	struct pub *p = NULL;

	pthread_mutex_lock(&w->lock);
	if (f->busy) {
		struct waiter *wt = calloc(1, sizeof(*wt));

		if (wt) {
			wt->req = req;
			wt->next = f->waiters;
			f->waiters = wt;
		}
		pthread_mutex_unlock(&w->lock);
		if (!wt)
			fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Not dirty; or only emptied by open(O_TRUNC) with nothing written yet:
	 * "sh -c 'cat > f'" closes the descriptor it opened after dup2(), before
	 * cat writes, and an empty page must not be published on the way.  A
	 * file really left empty is published at release. */
	if (!f->dirty || (!f->touched && f->len == 0)) {
		pthread_mutex_unlock(&w->lock);
		fuse_reply_err(req, 0);
		return;
	}
	p = save_start(fs, f, req);
	pthread_mutex_unlock(&w->lock);
	if (p)
		cfs_fsw_publish(p);
}

void cfs_fsw_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct whandle *h = wh_of(fi);

	if (h && h->fd >= 0 && cfs_fss_flush(req, cfs_fs_of(req), h))
		return; /* a new page's file (fs_shape.c) */
	if (!h || h->fd >= 0)
		fuse_reply_err(req, 0);
	else
		save_or_wait(req, cfs_fs_of(req), h);
}

void cfs_fsw_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct whandle *h = wh_of(fi);

	if (!h)
		fuse_reply_err(req, 0);
	else if (h->fd >= 0)
		fuse_reply_err(req, fsync(h->fd) < 0 ? errno : 0);
	else
		save_or_wait(req, cfs_fs_of(req), h);
}

void cfs_fsw_release_handle(struct cfs_fs *fs, struct fuse_file_info *fi)
{
	struct whandle *h = wh_of(fi);
	struct cfs_fsw *w = fs->w;
	struct pub *p = NULL;

	if (!h)
		return;
	if (h->fd >= 0) {
		close(h->fd);
		free(h);
		return;
	}
	pthread_mutex_lock(&w->lock);
	h->wf->refs--;
	/* Never flushed, and the last handle: publish, nobody to tell.  While
	 * another handle is open the bytes are its to publish: a late release
	 * must not send what an open(O_TRUNC) just emptied before it writes. */
	if (h->wf->dirty && !h->wf->busy && h->wf->refs == 0)
		p = save_start(fs, h->wf, NULL);
	else if (h->wf->refs == 0 && !h->wf->busy)
		wfile_unlink(w, h->wf);
	pthread_mutex_unlock(&w->lock);
	free(h);
	if (p)
		cfs_fsw_publish(p);
}

/* ---- truncate ---- */

/* Loop thread: a truncate(2) of a page that was not open is saved. */
static void on_truncated(struct pub *p, int err)
{
	if (err)
		fuse_reply_err(p->req, cfs_fsw_errno(err));
	else {
		struct stat st;
		struct cfs_tree_attr a;

		if (cfs_tree_getattr(p->fs->tree, p->ino, &a) == 0) {
			a.size = (int64_t)p->md_len;
			cfs_fs_fill_stat(p->fs, &a, &st);
			fuse_reply_attr(p->req, &st, 0);
		} else {
			fuse_reply_err(p->req, EIO);
		}
	}
	cfs_fsw_pub_free(p);
}

static void setattr_local(fuse_req_t req, struct cfs_fsw *w, uint64_t ino, struct stat *attr,
                          int to_set, struct whandle *h)
{
	char path[PATH_MAX];
	struct local *l;
	struct stat st;
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_by_ino(w, ino);
	if (!l || !l->name) {
		ret = -ENOENT;
		goto out;
	}
	cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
	if (to_set & FUSE_SET_ATTR_SIZE) {
		int fd = h && h->fd >= 0 ? h->fd : openat(w->dirfd, path, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || ftruncate(fd, attr->st_size) < 0)
			ret = -errno;
		if (fd >= 0 && !(h && h->fd >= 0))
			close(fd);
	}
	if (!ret && (to_set & FUSE_SET_ATTR_MODE) &&
	    fchmodat(w->dirfd, path, attr->st_mode & 07777, 0) < 0)
		ret = -errno;
	if (!ret && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
		struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};

		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		if (utimensat(w->dirfd, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
			ret = -errno;
	}
	if (!ret)
		ret = cfs_fsw_local_stat(w, l, &st);
out:
	pthread_mutex_unlock(&w->lock);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, LOCAL_TTL);
}

static struct wfile *wfile_of_node(struct cfs_fsw *w, struct cfs_node *n)
{
	for (struct wfile *f = w->wfiles; f; f = f->next)
		if (f->node == n)
			return f;
	return NULL;
}

void cfs_fsw_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                     struct fuse_file_info *fi)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_fsw *w = fs->w;
	struct whandle *h = wh_of(fi);
	struct cfs_tree_attr a;
	struct stat st;
	struct wfile *f;
	struct pub *p = NULL;
	int ret = 0;

	if (!w) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ino = cfs_fsw_ino(fs, ino);
	if (CFS_IS_LOCAL_INO(ino)) {
		setattr_local(req, w, ino, attr, to_set, h);
		return;
	}
	ret = cfs_tree_getattr(fs->tree, ino, &a);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	if (!(to_set & FUSE_SET_ATTR_SIZE) || a.kind != CFS_PAGE_FILE || !a.node) {
		/* Modes, owners and times of pages are Confluence's: accepted, unchanged. */
		if (to_set & FUSE_SET_ATTR_SIZE) {
			fuse_reply_err(req, a.is_dir ? EISDIR : EACCES);
			return;
		}
		pthread_mutex_lock(&w->lock);
		f = a.node ? wfile_of_node(w, a.node) : NULL;
		if (f)
			a.size = (int64_t)f->len;
		pthread_mutex_unlock(&w->lock);
		cfs_fs_fill_stat(fs, &a, &st);
		fuse_reply_attr(req, &st, a.size < 0 ? 0 : fs->ttl);
		return;
	}
	pthread_mutex_lock(&w->lock);
	f = h && h->wf ? h->wf : wfile_of_node(w, a.node);
	if (f) {
		if ((size_t)attr->st_size != f->len || !f->dirty)
			ret = attr->st_size > (64 << 20) ? -EFBIG
			                                 : cfs_fsw_resize(f, (size_t)attr->st_size);
		f->touched = 1;
		a.size = (int64_t)f->len;
	} else {
		/* truncate(2) of a page nobody has open: a save of its own. */
		struct kept *k = cfs_fsw_kept(w, a.node, 0);

		if (attr->st_size > (64 << 20)) {
			ret = -EFBIG;
		} else if (!k || !k->md || !k->storage) {
			/* Never rendered here: render it first, on the loop. */
			if (!(p = calloc(1, sizeof(*p))))
				ret = -ENOMEM;
			else
				p->trunc = 1, p->trunc_len = (size_t)attr->st_size;
		} else if (!(p = calloc(1, sizeof(*p)))) {
			ret = -ENOMEM;
		} else {
			size_t len = (size_t)attr->st_size;

			p->md = calloc(1, len + 1);
			p->base = malloc(k->len + 1);
			if (!p->md || !p->base || attr->st_size > (64 << 20)) {
				ret = -ENOMEM;
			} else {
				memcpy(p->md, k->md->data, len < k->md->len ? len : k->md->len);
				p->md_len = len;
				memcpy(p->base, k->storage, k->len + 1);
				p->base_len = k->len;
				p->base_version = k->version;
			}
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (ret) {
		cfs_fsw_pub_free(p);
		fuse_reply_err(req, -ret);
		return;
	}
	if (p) {
		p->fs = fs;
		p->node = a.node;
		p->ino = ino;
		p->req = req;
		p->done = on_truncated;
		cfs_fsw_publish(p);
		return;
	}
	cfs_fs_fill_stat(fs, &a, &st);
	fuse_reply_attr(req, &st, 0);
}
