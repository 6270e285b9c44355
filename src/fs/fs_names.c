/* fs_names: the name operations of a rw mount — rename (an atomic save over a page, a
 * backup of a page, a local file moved), unlink, symlink, readlink — and the write
 * path's extended attribute, user.confluence.conflict.  docs/write-back-fs.md. */
#include "fs_write.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOCAL_TTL      1.0
#define CONFLICT_XATTR "user.confluence.conflict"

struct inval {
	struct fuse_session *se;
	uint64_t parent;
	char name[];
};

static void *inval_run(void *arg)
{
	struct inval *v = arg;

	fuse_lowlevel_notify_inval_entry(v->se, v->parent, v->name, strlen(v->name));
	free(v);
	return NULL;
}

/* After a page was renamed to a local name, the kernel has the page's inode
 * under the new name: make it look the name up again.  From a thread of its
 * own, after the reply: the kernel holds the directory until then. */
static void inval_later(struct cfs_fs *fs, uint64_t parent, const char *name)
{
	struct inval *v = malloc(sizeof(*v) + strlen(name) + 1);
	pthread_attr_t at;
	pthread_t t;

	if (!v || !fs->se) {
		free(v);
		return;
	}
	v->se = fs->se;
	v->parent = parent;
	strcpy(v->name, name);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, inval_run, v))
		free(v);
	pthread_attr_destroy(&at);
}

/* Is (parent, name) a page file one may write?  *a set when it is a name of
 * the tree at all (0 returned), else -ENOENT (or -EAGAIN). */
static int tree_name(struct cfs_fs *fs, uint64_t parent, const char *name, struct cfs_tree_attr *a,
                     int *page)
{
	int ret = cfs_tree_lookup(fs->tree, parent, name, a);
	char *fname = NULL;
	uint64_t dir;
	int writable = 0;

	*page = 0;
	if (ret)
		return ret;
	if (a->kind == CFS_PAGE_FILE && a->node &&
	    cfs_tree_file_of(fs->tree, a->node, &fname, &dir, &writable) == 0)
		*page = writable;
	free(fname);
	return 0;
}

/* Read a whole local file (a temporary saved over a page). */
static int read_local(struct cfs_fsw *w, const struct local *l, char **out, size_t *len)
{
	char path[PATH_MAX], *buf = NULL;
	size_t n = 0, cap = 0;
	int fd;

	cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
	fd = openat(w->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (n + 4097 > cap) {
			char *b = realloc(buf, cap = cap * 2 + 8192);

			if (!b) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = b;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			free(buf);
			close(fd);
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > (64u << 20)) {
			free(buf);
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Loop thread: the file renamed over a page is published (or not). */
static void on_renamed(struct pub *p, int err)
{
	struct cfs_fsw *w = p->fs->w;
	struct local *l;

	if (!err) {
		char path[PATH_MAX];

		pthread_mutex_lock(&w->lock);
		l = cfs_fsw_local_by_ino(w, (uint64_t)(uintptr_t)p->arg);
		if (l && l->name) {
			/* The kernel now has the temporary's inode under the page's
			 * name: that inode stands for the page from now on. */
			cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
			unlinkat(w->dirfd, path, 0);
			free(l->name);
			l->name = NULL;
			l->parent = 0;
			l->alias = p->ino;
		}
		pthread_mutex_unlock(&w->lock);
	}
	fuse_reply_err(p->req, cfs_fsw_errno(err));
	cfs_fsw_pub_free(p);
}

/* A local file renamed over page (a.ino): publish its bytes. */
static void save_over(fuse_req_t req, struct cfs_fs *fs, struct local *l,
                      const struct cfs_tree_attr *a)
{
	struct cfs_fsw *w = fs->w;
	struct pub *p = calloc(1, sizeof(*p));
	int ret;

	if (!p) {
		pthread_mutex_unlock(&w->lock);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ret = read_local(w, l, &p->md, &p->md_len);
	p->arg = (void *)(uintptr_t)l->ino;
	pthread_mutex_unlock(&w->lock);
	if (ret) {
		free(p);
		fuse_reply_err(req, -ret);
		return;
	}
	p->fs = fs;
	p->node = a->node;
	p->ino = a->ino;
	p->req = req;
	p->done = on_renamed;
	/* base_version 0: the version the mount last rendered (what the editor read). */
	cfs_fsw_publish(p);
}

void cfs_fsw_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                    const char *newname, unsigned int flags)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_fsw *w = fs->w;
	struct cfs_tree_attr sa, da;
	struct local *ls, *ld;
	int sret, dret, spage, dpage, ret = 0;
	char from[PATH_MAX], to[PATH_MAX];

	if (!w) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (flags & RENAME_EXCHANGE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	sret = tree_name(fs, parent, name, &sa, &spage);
	dret = tree_name(fs, newparent, newname, &da, &dpage);
	pthread_mutex_lock(&w->lock);
	ls = cfs_fsw_local_find(w, parent, name);
	ld = cfs_fsw_local_find(w, newparent, newname);
	if (ls && dret == 0) {
		if (!dpage) {
			ret = da.is_dir ? -EISDIR : -EACCES;
		} else if (flags & RENAME_NOREPLACE) {
			ret = -EEXIST;
		} else {
			save_over(req, fs, ls, &da); /* unlocks */
			return;
		}
	} else if (ls) {
		/* A local file moves (or replaces another). */
		if (ld && (flags & RENAME_NOREPLACE)) {
			ret = -EEXIST;
		} else {
			char *nn = strdup(newname);

			snprintf(to, sizeof(to), "local/%016llx", (unsigned long long)newparent);
			mkdirat(w->dirfd, to, 0700);
			cfs_fsw_local_path(from, sizeof(from), parent, name);
			cfs_fsw_local_path(to, sizeof(to), newparent, newname);
			if (!nn)
				ret = -ENOMEM;
			else if (renameat(w->dirfd, from, w->dirfd, to) < 0)
				ret = -errno;
			if (!ret) {
				if (ld && ld != ls)
					cfs_fsw_local_drop(w, ld);
				free(ls->name);
				ls->name = nn;
				ls->parent = newparent;
				nn = NULL;
			}
			free(nn);
		}
	} else if (sret == 0 && spage && dret == -ENOENT) {
		/* A page renamed to a name that is no page (an editor's backup):
		 * the backup gets the page's bytes; the page stays where it is. */
		struct wfile *f = NULL;
		struct kept *k = cfs_fsw_kept(w, sa.node, 0);
		struct cfs_blob *md = NULL;

		for (f = w->wfiles; f && f->node != sa.node; f = f->next)
			;
		if (ld && (flags & RENAME_NOREPLACE)) {
			ret = -EEXIST;
		} else if (f) {
			ret = cfs_fsw_local_write(w, newparent, newname, f->buf, f->len);
		} else {
			md = k && k->md ? cfs_blob_ref(k->md) : cfs_tree_md(fs->tree, sa.node);
			ret = md ? cfs_fsw_local_write(w, newparent, newname, md->data, md->len)
			         : -EIO;
			cfs_blob_unref(md);
		}
	} else if (sret == 0 && dret == 0 && sa.ino == da.ino) {
		ret = 0;
	} else if (sret == 0) {
		ret = sa.is_dir ? -EXDEV : -EACCES; /* pages are renamed by front matter title: */
	} else {
		ret = sret == -EAGAIN ? -EIO : sret;
	}
	pthread_mutex_unlock(&w->lock);
	fuse_reply_err(req, -ret);
	if (!ret && !ls && sret == 0 && spage)
		inval_later(fs, newparent, newname);
}

void cfs_fsw_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_fsw *w = fs->w;
	struct local *l;
	char path[PATH_MAX];
	int ret = -ENOENT;

	if (!w) {
		fuse_reply_err(req, EROFS);
		return;
	}
	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_find(w, parent, name);
	if (l) {
		cfs_fsw_local_path(path, sizeof(path), parent, name);
		ret = unlinkat(w->dirfd, path, 0) < 0 && errno != ENOENT ? -errno : 0;
		if (!ret)
			cfs_fsw_local_drop(w, l);
	}
	pthread_mutex_unlock(&w->lock);
	if (!l) {
		struct cfs_tree_attr a;

		/* Pages are not deleted from the mount. */
		ret = cfs_tree_lookup(fs->tree, parent, name, &a) == 0 ? -EPERM : -ENOENT;
	}
	fuse_reply_err(req, -ret);
}

void cfs_fsw_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_fsw *w = fs->w;
	struct cfs_tree_attr a;
	struct local *l = NULL;
	struct stat st;
	char path[PATH_MAX];
	int ret;

	if (!w) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ret = cfs_tree_lookup(fs->tree, parent, name, &a);
	if (ret == 0) {
		fuse_reply_err(req, EEXIST);
		return;
	}
	pthread_mutex_lock(&w->lock);
	if (cfs_fsw_local_find(w, parent, name)) {
		ret = -EEXIST;
	} else {
		snprintf(path, sizeof(path), "local/%016llx", (unsigned long long)parent);
		mkdirat(w->dirfd, path, 0700);
		cfs_fsw_local_path(path, sizeof(path), parent, name);
		ret = symlinkat(link, w->dirfd, path) < 0 ? -errno : 0;
		if (!ret && (ret = cfs_fsw_local_add(w, parent, name, &l)))
			unlinkat(w->dirfd, path, 0);
		if (!ret)
			ret = cfs_fsw_local_stat(w, l, &st);
	}
	pthread_mutex_unlock(&w->lock);
	if (ret) {
		fuse_reply_err(req, -ret);
	} else {
		struct fuse_entry_param e;

		memset(&e, 0, sizeof(e));
		e.ino = st.st_ino;
		e.generation = 1;
		e.attr = st;
		e.attr_timeout = LOCAL_TTL;
		e.entry_timeout = LOCAL_TTL;
		fuse_reply_entry(req, &e);
	}
}

void cfs_fsw_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct cfs_fsw *w = cfs_fs_of(req)->w;
	struct local *l;
	char path[PATH_MAX], buf[PATH_MAX];
	ssize_t n = -1;
	int err = EINVAL;

	if (w) {
		pthread_mutex_lock(&w->lock);
		l = cfs_fsw_local_by_ino(w, ino);
		if (l && l->name) {
			cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
			n = readlinkat(w->dirfd, path, buf, sizeof(buf) - 1);
			err = n < 0 ? errno : 0;
		}
		pthread_mutex_unlock(&w->lock);
	}
	if (n < 0) {
		fuse_reply_err(req, err);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

/* ---- extended attributes and listings ---- */

/* The name of page n's conflict file: a local file "<stem> (conflict vN).md"
 * beside it (the one of the highest N), found among the local files, so it
 * is known across remounts as the file is.  malloc'd, or NULL. */
static char *conflict_of(struct cfs_fs *fs, struct cfs_node *n)
{
	struct cfs_fsw *w = fs->w;
	char *fname = NULL, *best = NULL;
	uint64_t dir;
	int writable;
	long long top = -1;
	size_t stem;

	if (cfs_tree_file_of(fs->tree, n, &fname, &dir, &writable) || strlen(fname) < 3) {
		free(fname);
		return NULL;
	}
	stem = strlen(fname) - 3;
	pthread_mutex_lock(&w->lock);
	for (struct local *l = w->locals; l; l = l->next) {
		const char *rest;
		char *end;
		long long v;

		if (!l->name || l->parent != dir || strncmp(l->name, fname, stem) != 0)
			continue;
		rest = l->name + stem;
		if (strncmp(rest, " (conflict v", 12) != 0)
			continue;
		v = strtoll(rest + 12, &end, 10);
		if (end == rest + 12 || strcmp(end, ").md") != 0 || v <= top)
			continue;
		top = v;
		free(best);
		best = strdup(l->name);
	}
	pthread_mutex_unlock(&w->lock);
	free(fname);
	return best;
}

int cfs_fsw_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_tree_attr a;
	char *v = NULL;
	size_t len = 0;

	if (!fs->w)
		return 0;
	ino = cfs_fsw_ino(fs, ino);
	if (CFS_IS_LOCAL_INO(ino)) {
		fuse_reply_err(req, ENODATA);
		return 1;
	}
	if (strcmp(name, CONFLICT_XATTR) != 0)
		return 0;
	if (cfs_tree_getattr(fs->tree, ino, &a) == 0 && a.node && a.kind == CFS_PAGE_FILE &&
	    (v = conflict_of(fs, a.node)))
		len = strlen(v);
	if (!v)
		fuse_reply_err(req, ENODATA);
	else if (size == 0)
		fuse_reply_xattr(req, len);
	else if (size < len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, v, len);
	free(v);
	return 1;
}

/* The conflict attribute's name, when the page has one: appended to a
 * listxattr answer (returns 1 when v grew). */
int cfs_fsw_listxattr(struct cfs_fs *fs, fuse_ino_t ino, char **v, size_t *len)
{
	struct cfs_tree_attr a;
	char *c;

	if (!fs->w || cfs_tree_getattr(fs->tree, ino, &a) || !a.node || a.kind != CFS_PAGE_FILE)
		return 0;
	c = conflict_of(fs, a.node);
	if (c) {
		char *more = realloc(*v, *len + sizeof(CONFLICT_XATTR));

		free(c);
		if (!more)
			return 0;
		*v = more;
		memcpy(*v + *len, CONFLICT_XATTR, sizeof(CONFLICT_XATTR));
		*len += sizeof(CONFLICT_XATTR);
		return 1;
	}
	return 0;
}

int cfs_fsw_dirents(struct cfs_fs *fs, fuse_ino_t ino, struct cfs_tree_dirent **d, size_t *n)
{
	struct cfs_fsw *w = fs->w;
	int ret;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	ret = cfs_fsw_local_dirents(w, ino, d, n);
	pthread_mutex_unlock(&w->lock);
	return ret;
}
