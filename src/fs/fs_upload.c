/* fs_upload: attachments on a rw mount.  A file written into
 * Title/_attachments/ is a local file until close(); its flush uploads it
 * (a new attachment, or a new version of the one of that name), streamed
 * from the local file; the uploaded bytes go into the disk cache under the
 * new version, so reading it back makes no request; the space is listed
 * again and the local file gives way to the attachment.  rm of an attachment
 * moves it to the trash.  docs/shape.md. */
#include "fs_shape.h"
#include "log.h"
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ujob {
	struct cfs_fs *fs;
	fuse_req_t req;
	size_t space;
	uint64_t dir; /* the _attachments directory */
	char *name, *page_id, *att_id, *path, *what;
	uint64_t local_ino;
	/* the answer */
	char *new_id;
	int64_t version, size;
	struct cfs_sync_change done; /* the attachment as answered, for the tree */
};

static void ujob_free(struct ujob *j)
{
	free(j->name);
	free(j->page_id);
	free(j->att_id);
	free(j->path);
	free(j->what);
	free(j->new_id);
	cfs_sync_change_clear(&j->done);
	free(j);
}

/* Names in _attachments/ that are editors' and tools' temporaries stay local. */
static int upload_name(const char *name)
{
	size_t n = strlen(name);

	return n && name[0] != '.' && name[0] != '#' && name[n - 1] != '~' &&
	       strncmp(name, "sed", 3) != 0 && strcmp(name, "4913") != 0;
}

static int space_of_node(struct cfs_fs *fs, struct cfs_node *n, size_t *space)
{
	char *key = cfs_tree_space_key(fs->tree, n);
	int loaded;
	long sp = key ? cfs_tree_space_find(fs->tree, key, &loaded) : -1;

	free(key);
	if (sp < 0)
		return -EIO;
	*space = (size_t)sp;
	return 0;
}

static void finish(struct ujob *j, int err)
{
	struct cfs_fsw *w = j->fs->w;
	char path[PATH_MAX];
	struct local *l;

	if (!err) {
		/* The attachment is in the tree now: the local file gives way. */
		pthread_mutex_lock(&w->lock);
		l = cfs_fsw_local_by_ino(w, j->local_ino);
		if (l && l->name) {
			struct cfs_tree_attr a;

			cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
			unlinkat(w->dirfd, path, 0);
			if (cfs_tree_lookup(j->fs->tree, j->dir, j->name, &a) == 0) {
				free(l->name);
				l->name = NULL;
				l->parent = 0;
				l->alias = a.ino;
			} else {
				cfs_fsw_local_drop(w, l);
			}
		}
		pthread_mutex_unlock(&w->lock);
	}
	fuse_reply_err(j->req, err ? (err == -EACCES || err == -ENOENT || err == -EINVAL ||
	                                      err == -ENOMEM || err == -EEXIST
	                                  ? -err
	                                  : EIO)
	                           : 0);
	ujob_free(j);
}

static void on_relisted(void *arg, int err)
{
	struct ujob *j = arg;

	if (err)
		cfs_warn("%s: uploaded, but putting it into the tree failed: %s", j->what,
		         strerror(-err));
	finish(j, 0);
}

static void relist(void *arg, int cancelled)
{
	struct ujob *j = arg;

	if (cancelled) {
		finish(j, -EIO);
		return;
	}
	if (j->fs->sync)
		cfs_sync_change(j->fs->sync, j->space, &j->done, on_relisted, j);
	else
		finish(j, 0);
}

/* A thread of its own: the uploaded bytes into the disk cache as the new
 * version (the disk cache may block: never on the loop), then back to the
 * loop for the listing. */
static void *fill_cache(void *arg)
{
	struct ujob *j = arg;
	char key[CFS_DISKCACHE_KEY_MAX], *buf = malloc(1 << 20);
	struct cfs_diskcache_entry *e = NULL;
	int fd = open(j->path, O_RDONLY | O_CLOEXEC), ret = -ENOMEM;
	uint64_t off = 0;

	cfs_attach_key(key, sizeof(key), j->new_id, j->version);
	if (buf && fd >= 0 && j->fs->dc &&
	    (ret = cfs_diskcache_get(j->fs->dc, key, (uint64_t)j->size, &e)) == 0) {
		for (;;) {
			ssize_t n = pread(fd, buf, 1 << 20, (off_t)off);

			if (n <= 0 || off + (uint64_t)n > (uint64_t)j->size) {
				ret = n < 0 ? -errno : 0;
				break;
			}
			if ((ret = cfs_diskcache_write(e, off, buf, (size_t)n)))
				break;
			off += (uint64_t)n;
		}
		cfs_diskcache_put(e);
	}
	if (ret)
		cfs_warn("%s: keeping the uploaded bytes in the disk cache: %s", j->what,
		         strerror(-ret));
	if (fd >= 0)
		close(fd);
	free(buf);
	if (cfs_loop_submit(j->fs->loop, relist, j)) {
		fuse_reply_err(j->req, EIO);
		ujob_free(j);
	}
	return NULL;
}

static void on_uploaded(void *arg, const struct cfs_cf_error *e, struct cfs_attachment *a)
{
	struct ujob *j = arg;
	pthread_attr_t at;
	pthread_t t;

	if (e->err) {
		cfs_err("%s: %s: %s (HTTP %ld); the file stays on this mount", j->what,
		        e->path ? e->path : "", e->detail ? e->detail : strerror(-e->err),
		        e->status);
		finish(j, e->err);
		return;
	}
	cfs_info("%s: version %lld, %lld bytes", j->what, (long long)a->version,
	         (long long)a->size);
	j->new_id = a->id ? strdup(a->id) : NULL;
	j->version = a->version;
	j->size = a->size;
	if (!a->page_id)
		a->page_id = strdup(j->page_id);
	if (a->id && cfs_sync_change_take_att(&j->done, a))
		cfs_warn("%s: out of memory noting the change", j->what);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (!j->new_id || j->size < 0 || pthread_create(&t, &at, fill_cache, j))
		relist(j, 0);
	pthread_attr_destroy(&at);
}

static void run_upload(void *arg, int cancelled)
{
	struct ujob *j = arg;

	if (cancelled) {
		finish(j, -EIO);
		return;
	}
	cfs_cf_tag(j->fs->cf, j->what);
	if (cfs_cf_upload_attachment(j->fs->cf, j->page_id, j->att_id, j->path, j->name, NULL,
	                             on_uploaded, j))
		finish(j, -ENOMEM);
}

int cfs_fsu_flush(fuse_req_t req, struct cfs_fs *fs, uint64_t ino, uint64_t dir, const char *name)
{
	struct cfs_fsw *w = fs->w;
	struct cfs_tree_attr da, a;
	struct ujob *j;
	struct stat st;
	char rel[PATH_MAX];

	if (!upload_name(name))
		return 0;
	if (cfs_tree_getattr(fs->tree, dir, &da) || da.kind != CFS_ATT_DIR || !da.node)
		return 0;
	cfs_fsw_local_path(rel, sizeof(rel), dir, name);
	/* Nothing written yet (dd and sh close a duplicate first): nothing to upload. */
	if (fstatat(w->dirfd, rel, &st, 0) < 0 || st.st_size == 0)
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j) {
		fuse_reply_err(req, ENOMEM);
		return 1;
	}
	j->fs = fs;
	j->req = req;
	j->dir = dir;
	j->local_ino = ino;
	if (space_of_node(fs, da.node, &j->space) ||
	    cfs_tree_page_ref(fs->tree, da.node, &j->page_id, &(int64_t){0}, &(int){0}) ||
	    !(j->name = strdup(name)) ||
	    asprintf(&j->path, "/proc/self/fd/%d/%s", w->dirfd, rel) < 0 ||
	    asprintf(&j->what, "upload %s (%lld bytes)", name, (long long)st.st_size) < 0) {
		fuse_reply_err(req, ENOMEM);
		ujob_free(j);
		return 1;
	}
	/* A name the page has: a new version of that attachment. */
	if (cfs_tree_lookup(fs->tree, dir, name, &a) == 0 && a.kind == CFS_ATT_FILE && a.node) {
		char *pid = NULL, *dl = NULL;
		int64_t v, sz;

		if (cfs_tree_att_ref(fs->tree, a.node, &pid, &j->att_id, &dl, &v, &sz) == 0) {
			free(pid);
			free(dl);
		}
	}
	if (cfs_loop_submit(fs->loop, run_upload, j)) {
		fuse_reply_err(req, EIO);
		ujob_free(j);
	}
	return 1;
}

int cfs_fsu_open(fuse_req_t req, struct cfs_fs *fs, uint64_t ino, struct fuse_file_info *fi)
{
	struct cfs_fsw *w = fs->w;
	struct cfs_tree_attr a;
	struct whandle *h;
	struct local *l;
	char *name = NULL, *pid = NULL, *aid = NULL, *dl = NULL, path[PATH_MAX];
	uint64_t dir;
	int64_t v, sz;
	int fd = -1, ret = 0;

	if ((fi->flags & O_ACCMODE) == O_RDONLY || cfs_tree_getattr(fs->tree, ino, &a) ||
	    a.kind != CFS_ATT_FILE || !a.node)
		return 0;
	if (!(fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EACCES); /* attachments are replaced whole (cp, >) */
		return 1;
	}
	dir = cfs_tree_att_dir(fs->tree, a.node);
	if (!dir || cfs_tree_att_ref(fs->tree, a.node, &pid, &aid, &dl, &v, &sz)) {
		fuse_reply_err(req, EIO);
		return 1;
	}
	free(pid);
	free(dl);
	free(aid);
	/* The attachment's name (its file name in the directory). */
	{
		struct cfs_tree_dirent *d = NULL;
		size_t n = 0;

		if (cfs_tree_readdir(fs->tree, dir, &d, &n) == 0)
			for (size_t i = 0; i < n && !name; i++)
				if (d[i].ino == ino)
					name = strdup(d[i].name);
		cfs_tree_dirents_free(d, n);
	}
	h = calloc(1, sizeof(*h));
	if (!name || !h) {
		free(name);
		free(h);
		fuse_reply_err(req, name ? ENOMEM : EIO);
		return 1;
	}
	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_find(w, dir, name);
	snprintf(path, sizeof(path), "local/%016llx", (unsigned long long)dir);
	mkdirat(w->dirfd, path, 0700);
	cfs_fsw_local_path(path, sizeof(path), dir, name);
	fd = openat(w->dirfd, path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		ret = -errno;
	else if (!l && (ret = cfs_fsw_local_add(w, dir, name, &l)))
		close(fd);
	if (!ret) {
		h->fd = fd;
		h->ino = l->ino;
	}
	pthread_mutex_unlock(&w->lock);
	free(name);
	if (ret) {
		free(h);
		fuse_reply_err(req, -ret);
		return 1;
	}
	fi->fh = (uint64_t)(uintptr_t)h | 1;
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) != 0)
		cfs_fsw_release_handle(fs, fi);
	return 1;
}

/* ---- rm ---- */

struct tjob {
	struct cfs_fs *fs;
	fuse_req_t req;
	size_t space;
	char *id, *what;
	struct cfs_sync_change done;
};

static void tjob_done(struct tjob *j, int err)
{
	fuse_reply_err(j->req, err == 0 || err == -EACCES || err == -ENOENT ? -err : EIO);
	cfs_sync_change_clear(&j->done);
	free(j->id);
	free(j->what);
	free(j);
}

static void on_trash_relisted(void *arg, int err)
{
	(void)err;
	tjob_done(arg, 0);
}

static void on_trashed(void *arg, const struct cfs_cf_error *e)
{
	struct tjob *j = arg;

	if (e->err) {
		cfs_err("%s: %s: %s (HTTP %ld)", j->what, e->path ? e->path : "",
		        e->detail ? e->detail : strerror(-e->err), e->status);
		tjob_done(j, e->err);
		return;
	}
	cfs_info("%s: done", j->what);
	if (j->fs->sync && cfs_sync_change_gone(&j->done, j->id) == 0)
		cfs_sync_change(j->fs->sync, j->space, &j->done, on_trash_relisted, j);
	else if (j->fs->sync)
		cfs_sync_relist(j->fs->sync, j->space, on_trash_relisted, j);
	else
		tjob_done(j, 0);
}

static void run_trash(void *arg, int cancelled)
{
	struct tjob *j = arg;

	if (cancelled) {
		tjob_done(j, -EIO);
		return;
	}
	cfs_cf_tag(j->fs->cf, j->what);
	if (cfs_cf_trash(j->fs->cf, j->id, "attachment", on_trashed, j))
		tjob_done(j, -ENOMEM);
}

void cfs_fsu_unlink(fuse_req_t req, struct cfs_fs *fs, const char *name,
                    const struct cfs_tree_attr *a)
{
	struct tjob *j = calloc(1, sizeof(*j));
	char *pid = NULL, *dl = NULL;
	int64_t v, sz;

	if (!j || space_of_node(fs, a->node, &j->space) ||
	    cfs_tree_att_ref(fs->tree, a->node, &pid, &j->id, &dl, &v, &sz) ||
	    asprintf(&j->what, "unlink %s: attachment %s to the trash", name, j->id) < 0) {
		fuse_reply_err(req, j ? EIO : ENOMEM);
		if (j) {
			free(j->id);
			free(j);
		}
		free(pid);
		free(dl);
		return;
	}
	free(pid);
	free(dl);
	j->fs = fs;
	j->req = req;
	if (cfs_loop_submit(fs->loop, run_trash, j)) {
		fuse_reply_err(req, EIO);
		free(j->id);
		free(j->what);
		free(j);
	}
}
