/* fs_shape: the operations that change a space's shape on a rw mount —
 * rm of a page (to the trash), a new Name.md closed with content (a new
 * page), mv of a page (retitle, move under another page or folder), mkdir
 * (a folder on Cloud), rmdir (of an empty page directory: nothing; of a
 * folder: to the trash).  Each is one request (a move: GET + PUT), then what
 * the server answered is put into the tree (cfs_sync_change: no listing) and
 * the FUSE call is answered with the outcome.
 * This file has the jobs and rm, mkdir, rmdir; fs_create.c new pages,
 * fs_move.c mv, fs_upload.c attachments.  docs/shape.md. */
#include "fs_shape_int.h"
#include "log.h"
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cfs_fss_job_free(struct sjob *j)
{
	free(j->id);
	free(j->type);
	free(j->title);
	free(j->parent_id);
	free(j->space_id);
	free(j->space_key);
	free(j->body);
	free(j->what);
	free(j->name);
	free(j->newname);
	free(j->folder_id);
	for (size_t i = 0; j->kids && j->kids[i]; i++)
		free(j->kids[i]);
	free(j->kids);
	free(j->new_id);
	free(j->top_target);
	free(j->old_title);
	cfs_sync_change_clear(&j->done);
	free(j);
}

#define MADE_MAX 64
static struct {
	pthread_mutex_t lock;
	char *ids[MADE_MAX];
	size_t next;
} made = {.lock = PTHREAD_MUTEX_INITIALIZER};

void cfs_fss_made_folder(const char *id)
{
	char *c = strdup(id);

	if (!c)
		return;
	pthread_mutex_lock(&made.lock);
	free(made.ids[made.next % MADE_MAX]);
	made.ids[made.next++ % MADE_MAX] = c;
	pthread_mutex_unlock(&made.lock);
}

int cfs_fss_is_made_folder(const char *id)
{
	int hit = 0;

	pthread_mutex_lock(&made.lock);
	for (size_t i = 0; i < MADE_MAX && !hit; i++)
		hit = made.ids[i] && strcmp(made.ids[i], id) == 0;
	pthread_mutex_unlock(&made.lock);
	return hit;
}

int cfs_fss_err(int err)
{
	switch (err) {
	case 0:
	case -EEXIST:
	case -EACCES:
	case -ENOENT:
	case -EINVAL:
	case -EPERM:
	case -ENOMEM:
	case -ENOTEMPTY:
	case -EXDEV:
		return -err;
	default:
		return EIO;
	}
}

/* ---- names ---- */

int cfs_fss_page_name(const char *name)
{
	size_t n = strlen(name);

	if (n <= 3 || strcmp(name + n - 3, ".md") != 0)
		return 0;
	if (name[0] == '.' || name[0] == '#' || name[0] == '~')
		return 0;
	if (strstr(name, " (conflict v"))
		return 0;
	return 1;
}

/* "A∕B.md" -> "A/B" (the naming rules of src/tree/names.c, reversed). */
char *cfs_fss_title_of(const char *name)
{
	size_t n = strlen(name);
	char *t = malloc(n + 1), *o = t;

	if (!t)
		return NULL;
	if (n > 3 && strcmp(name + n - 3, ".md") == 0)
		n -= 3;
	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n + 0 && (unsigned char)name[i] == 0xe2 &&
		    (unsigned char)name[i + 1] == 0x88 && (unsigned char)name[i + 2] == 0x95) {
			*o++ = '/';
			i += 2;
		} else {
			*o++ = name[i];
		}
	}
	*o = '\0';
	return t;
}

static char *stem_of(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && strcmp(name + n - 3, ".md") == 0 ? strndup(name, n - 3) : strdup(name);
}

/* Does directory (parent, stem) hold anything but _attachments? */
static int has_children(struct cfs_fs *fs, uint64_t parent, const char *stem)
{
	struct cfs_tree_attr d;
	struct cfs_tree_dirent *de = NULL;
	size_t n = 0;
	int kids = 0;

	if (cfs_tree_lookup(fs->tree, parent, stem, &d) || !d.is_dir)
		return 0;
	if (cfs_tree_readdir(fs->tree, d.ino, &de, &n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(de[i].name, "_attachments") != 0)
			kids = 1;
	cfs_tree_dirents_free(de, n);
	return kids;
}

int cfs_fss_space_ids(struct cfs_fs *fs, size_t space, char **id, char **key)
{
	int loaded;

	return cfs_tree_space(fs->tree, space, id, key, &loaded);
}

/* ---- on the loop ---- */

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

/* Forget (parent, name) in the kernel, from a thread of its own after the reply. */
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

/* Forget (parent, name) in the kernel now: from a thread of its own, waited
 * for at most ms (an invalidation locks parent, which a FUSE call waiting on
 * the loop may hold: never wait for it unbounded on the loop). */
static void inval_soon(struct cfs_fs *fs, uint64_t parent, const char *name, long ms)
{
	struct inval *v = malloc(sizeof(*v) + strlen(name) + 1);
	struct timespec until;
	pthread_t t;

	if (!v || !fs->se) {
		free(v);
		return;
	}
	v->se = fs->se;
	v->parent = parent;
	strcpy(v->name, name);
	if (pthread_create(&t, NULL, inval_run, v)) {
		free(v);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += ms * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	if (pthread_timedjoin_np(t, NULL, &until))
		pthread_detach(t);
}

/* A created page: its local file becomes the page (the kernel keeps the
 * local inode under the name; it stands for the page from now on). */
static void created(struct sjob *j)
{
	struct cfs_fsw *w = j->fs->w;
	struct cfs_tree_attr a;
	struct local *l;
	char path[PATH_MAX];
	int found =
	    cfs_tree_lookup(j->fs->tree, j->parent, j->name, &a) == 0 && a.kind == CFS_PAGE_FILE;

	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_by_ino(w, j->local_ino);
	if (l && l->name) {
		cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
		unlinkat(w->dirfd, path, 0);
		if (found) {
			free(l->name);
			l->name = NULL;
			l->parent = 0;
			l->alias = a.ino;
		} else {
			cfs_fsw_local_drop(w, l);
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (!found)
		inval_later(j->fs, j->parent, j->name);
}

static void finish(struct sjob *j, int err)
{
	if (j->kind == J_MOVE && !err)
		cfs_fss_remember_move(j);
	if (j->kind == J_CREATE && !err && !j->att_mkdir)
		created(j);
	if (j->kind == J_CREATE && j->att_mkdir && !err) {
		/* mkdir X/_attachments: the entry in the page's directory */
		struct cfs_tree_attr d, a;
		struct fuse_entry_param e;
		char *stem = strndup(j->name, strlen(j->name) - 3);

		/* The kernel still has X as the folder's inode, gone now: X is the
		 * page's directory from here on. */
		if (stem)
			inval_soon(j->fs, j->parent, stem, 200);
		if (stem && cfs_tree_lookup(j->fs->tree, j->parent, stem, &d) == 0 &&
		    cfs_tree_lookup(j->fs->tree, d.ino, "_attachments", &a) == 0) {
			memset(&e, 0, sizeof(e));
			e.ino = a.ino;
			e.generation = 1;
			e.attr_timeout = j->fs->ttl;
			e.entry_timeout = j->fs->ttl;
			cfs_fs_fill_stat(j->fs, &a, &e.attr);
			fuse_reply_entry(j->req, &e);
		} else {
			cfs_warn("%s: created, but not in the tree yet", j->what);
			fuse_reply_err(j->req, EIO);
		}
		free(stem);
		inval_later(j->fs, j->parent, j->name);
	} else if ((j->kind == J_FOLDER || (j->kind == J_DIR && j->keep_on)) && !err) {
		struct cfs_tree_attr a;
		struct fuse_entry_param e;

		if (cfs_tree_lookup(j->fs->tree, j->parent, j->name, &a) == 0) {
			memset(&e, 0, sizeof(e));
			e.ino = a.ino;
			e.generation = 1;
			e.attr_timeout = j->fs->ttl;
			e.entry_timeout = j->fs->ttl;
			cfs_fs_fill_stat(j->fs, &a, &e.attr);
			fuse_reply_entry(j->req, &e);
		} else {
			cfs_warn("%s: created, but not in the listing yet", j->what);
			fuse_reply_err(j->req, EIO);
		}
	} else {
		fuse_reply_err(j->req, cfs_fss_err(err));
	}
	cfs_fss_job_free(j);
}

static void on_relisted(void *arg, int err)
{
	struct sjob *j = arg;

	if (!err && j->kind == J_CREATE && j->att_mkdir == 1) {
		/* The page that took the folder's place is in the tree: its
		 * _attachments directory shows, from the next load. */
		struct cfs_tree_attr a;

		j->att_mkdir = 2;
		if (cfs_tree_lookup(j->fs->tree, j->parent, j->name, &a) == 0 && a.node) {
			cfs_tree_keep_dir(j->fs->tree, a.node, 2);
			cfs_tree_keep_dir(j->fs->tree, a.node, 3); /* X.md when written */
			cfs_sync_change(j->fs->sync, j->space, &j->done, on_relisted, j);
			return;
		}
	}
	if (!err && j->kind == J_FOLDER && j->as_page == 1) {
		/* The empty page made for mkdir on DC is in the tree: its directory
		 * shows (as after mkdir of a page's directory), from the next load. */
		struct cfs_tree_attr a;
		char *md = NULL;

		j->as_page = 2;
		if (asprintf(&md, "%s.md", j->name) >= 0 &&
		    cfs_tree_lookup(j->fs->tree, j->parent, md, &a) == 0 && a.node) {
			free(md);
			cfs_tree_keep_dir(j->fs->tree, a.node, 3); /* a directory only */
			cfs_sync_change(j->fs->sync, j->space, &j->done, on_relisted, j);
			return;
		}
		free(md);
	}
	if (err)
		cfs_warn("%s: done, but putting it into the tree failed: %s", j->what,
		         strerror(-err));
	finish(j, 0);
}

/* The server's answer p (taken) for the tree: where the job put it when the
 * answer does not say (DC answers without ancestors). */
static void confirm_page(struct sjob *j, struct cfs_page *p, const char *parent_id,
                         const char *type)
{
	if (!p || !p->id)
		return;
	if (!p->parent_id && parent_id)
		p->parent_id = strdup(parent_id);
	if (!p->type && type)
		p->type = strdup(type);
	free(p->body); /* the tree does not keep it */
	p->body = NULL;
	if (cfs_sync_change_take_page(&j->done, p))
		cfs_warn("%s: out of memory noting the change", j->what);
}

static void done_ok(struct sjob *j)
{
	cfs_info("%s: done", j->what);
	if (j->keep)
		cfs_tree_keep_dir(j->fs->tree, j->keep, j->kind == J_DIR ? j->keep_on : 1);
	if (j->fs->sync)
		cfs_sync_change(j->fs->sync, j->space, &j->done, on_relisted, j);
	else
		finish(j, 0);
}

/* After a failure that may have reached the server (a timeout, a reset, a
 * 5xx): the listing says whether it was applied. */
static int applied(struct sjob *j)
{
	struct cfs_tree_attr a;
	int there = j->name && cfs_tree_lookup(j->fs->tree, j->parent, j->name, &a) == 0;

	switch (j->kind) {
	case J_CREATE:
		return there && a.kind == CFS_PAGE_FILE;
	case J_FOLDER:
		if (j->as_page) {
			char md[PATH_MAX];

			snprintf(md, sizeof(md), "%s.md", j->name);
			return cfs_tree_lookup(j->fs->tree, j->parent, md, &a) == 0;
		}
		return there && a.is_dir;
	case J_TRASH:
		return j->name && !there;
	case J_MOVE:
		return !there && j->newname &&
		       cfs_tree_lookup(j->fs->tree, j->newparent, j->newname, &a) == 0;
	default:
		return 0;
	}
}

static void on_verified(void *arg, int err)
{
	struct sjob *j = arg;

	if (!err && applied(j)) {
		cfs_info("%s: the server applied it after all", j->what);
		finish(j, 0);
	} else {
		cfs_err("%s: failed%s", j->what,
		        j->kind == J_CREATE ? "; the file stays on this mount"
		                            : "; nothing changed");
		finish(j, j->uncertain);
	}
}

static void failed(struct sjob *j, const struct cfs_cf_error *e)
{
	int sure = e->err == -EEXIST || e->err == -EACCES || e->err == -ENOENT ||
	           e->err == -EINVAL || e->err == -EBUSY || e->err == -ENOMEM || e->err == -EPERM;

	if (!sure && j->fs->sync && !j->uncertain) {
		cfs_warn("%s: %s (HTTP %ld); listing the space to see whether it was applied",
		         j->what, e->detail ? e->detail : strerror(-e->err), e->status);
		j->uncertain = e->err;
		cfs_sync_relist(j->fs->sync, j->space, on_verified, j);
		return;
	}
	cfs_err("%s: %s%s%s (HTTP %ld)%s", j->what, e->path ? e->path : "", e->path ? ": " : "",
	        e->detail ? e->detail : strerror(-e->err), e->status,
	        j->kind == J_CREATE ? "; the file stays on this mount" : "");
	finish(j, e->err);
}

static void on_done(void *arg, const struct cfs_cf_error *e)
{
	struct sjob *j = arg;

	if (e->err) {
		failed(j, e);
		return;
	}
	if (cfs_sync_change_gone(&j->done, j->id))
		cfs_warn("%s: out of memory noting the change", j->what);
	done_ok(j);
}

/* ---- a folder made by cp -r becomes the new page's directory ---- */

static void promote_next(struct sjob *j);

static void on_folder_trashed(void *arg, const struct cfs_cf_error *e)
{
	struct sjob *j = arg;

	if (e->err)
		cfs_warn("%s: the folder %s stays: %s", j->what, j->folder_id,
		         e->detail ? e->detail : strerror(-e->err));
	else if (cfs_sync_change_gone(&j->done, j->folder_id))
		cfs_warn("%s: out of memory noting the change", j->what);
	done_ok(j);
}

static void on_kid_moved(void *arg, const struct cfs_cf_error *e, struct cfs_page *p)
{
	struct sjob *j = arg;

	if (e->err) {
		/* The page is created; what is left stays in the folder. */
		cfs_warn("%s: moving page %s under it: %s; the folder stays", j->what,
		         j->kids[j->kid], e->detail ? e->detail : strerror(-e->err));
		done_ok(j);
		return;
	}
	confirm_page(j, p, j->new_id, NULL);
	j->kid++;
	promote_next(j);
}

static void on_kid(void *arg, const struct cfs_cf_error *e, struct cfs_page *p)
{
	struct sjob *j = arg;
	struct cfs_cf_move m;

	if (e->err) {
		on_kid_moved(j, e, NULL);
		return;
	}
	m = (struct cfs_cf_move){.id = p->id,
	                         .title = p->title,
	                         .parent_id = j->new_id,
	                         .version = p->version + 1,
	                         .body = p->body ? p->body : "",
	                         .len = p->body ? strlen(p->body) : 0};
	cfs_cf_tag(j->fs->cf, j->what);
	if (cfs_cf_move_page(j->fs->cf, &m, on_kid_moved, j))
		done_ok(j);
}

static void promote_next(struct sjob *j)
{
	int ret;

	cfs_cf_tag(j->fs->cf, j->what);
	if (j->kids && j->kids[j->kid])
		ret = cfs_cf_page(j->fs->cf, j->kids[j->kid], 0, CFS_HTTP_USER, on_kid, j);
	else
		ret = cfs_cf_trash(j->fs->cf, j->folder_id, "folder", on_folder_trashed, j);
	if (ret)
		done_ok(j);
}

static void on_page(void *arg, const struct cfs_cf_error *e, struct cfs_page *p)
{
	struct sjob *j = arg;

	if (e->err) {
		failed(j, e);
		return;
	}
	if ((j->kind == J_FOLDER || j->att_mkdir) && p->id)
		cfs_fss_made_folder(p->id); /* a stand-in page: see cfs_fss_stand_in */
	if (j->kind == J_CREATE && j->folder_id && p->id)
		j->new_id = strdup(p->id);
	confirm_page(j, p, j->parent_id, j->kind == J_FOLDER && !j->as_page ? "folder" : NULL);
	if (j->kind == J_CREATE && j->folder_id && j->new_id) {
		cfs_info("%s: created; the folder %s of the same name becomes its directory",
		         j->what, j->folder_id);
		promote_next(j);
		return;
	}
	done_ok(j);
}

static void on_current(void *arg, const struct cfs_cf_error *e, struct cfs_page *p)
{
	struct sjob *j = arg;
	struct cfs_cf_move m;
	int ret;

	if (e->err) {
		failed(j, e);
		return;
	}
	m = (struct cfs_cf_move){.id = j->id,
	                         .title = j->title,
	                         .parent_id = j->kind == J_CREATE ? NULL : j->parent_id,
	                         .version = p->version + 1,
	                         .body = p->body ? p->body : "",
	                         .len = p->body ? strlen(p->body) : 0};
	if (j->kind == J_CREATE) { /* the page made for a mkdir gets its file's text */
		m.body = j->body ? j->body : "";
		m.len = j->len;
	}
	cfs_cf_tag(j->fs->cf, j->what);
	ret = cfs_cf_move_page(j->fs->cf, &m, on_page, j);
	if (ret)
		finish(j, ret);
}

/* Moved to the top level (v1 move "after" a top-level page); then retitled
 * when the name changed too (GET + PUT, the parent kept). */
static void on_moved_top(void *arg, const struct cfs_cf_error *e)
{
	struct sjob *j = arg;
	struct cfs_page p = {0};

	if (e->err) {
		failed(j, e);
		return;
	}
	p.id = strdup(j->id);
	p.parent_id = strdup(""); /* the top level */
	p.position = INT64_MAX;
	if (p.id && p.parent_id)
		confirm_page(j, &p, NULL, NULL);
	cfs_model_page_clear(&p);
	free(j->top_target);
	j->top_target = NULL;
	if (j->old_title && strcmp(j->old_title, j->title) == 0) {
		done_ok(j);
		return;
	}
	cfs_cf_tag(j->fs->cf, j->what);
	if (cfs_cf_page(j->fs->cf, j->id, 0, CFS_HTTP_USER, on_current, j))
		done_ok(j); /* moved; the title stays */
}

static void run(void *arg, int cancelled)
{
	struct sjob *j = arg;
	int ret;

	if (cancelled) {
		finish(j, -EIO);
		return;
	}
	cfs_cf_tag(j->fs->cf, j->what);
	switch (j->kind) {
	case J_TRASH:
		ret = cfs_cf_trash(j->fs->cf, j->id, j->type, on_done, j);
		break;
	case J_CREATE: {
		if (j->id) { /* a stand-in page: written, not created */
			ret = cfs_cf_page(j->fs->cf, j->id, 0, CFS_HTTP_USER, on_current, j);
			break;
		}
		struct cfs_cf_create cr = {.space_id = j->space_id,
		                           .space_key = j->space_key,
		                           .title = j->title,
		                           .parent_id = j->parent_id,
		                           .body = j->body,
		                           .len = j->len};

		ret = cfs_cf_create_page(j->fs->cf, &cr, on_page, j);
		break;
	}
	case J_DIR:
		done_ok(j);
		return;
	case J_MOVE:
		if (j->top_target) {
			ret = cfs_cf_move_relative(j->fs->cf, j->id, "after", j->top_target,
			                           on_moved_top, j);
			break;
		}
		ret = cfs_cf_page(j->fs->cf, j->id, 0, CFS_HTTP_USER, on_current, j);
		break;
	case J_FOLDER:
		if (j->as_page) {
			struct cfs_cf_create cr = {.space_id = j->space_id,
			                           .space_key = j->space_key,
			                           .title = j->title,
			                           .parent_id = j->parent_id,
			                           .body = "",
			                           .len = 0};

			ret = cfs_cf_create_page(j->fs->cf, &cr, on_page, j);
			break;
		}
		ret = cfs_cf_create_folder(j->fs->cf, j->space_id, j->title, j->parent_id, on_page,
		                           j);
		break;
	default:
		ret = cfs_cf_page(j->fs->cf, j->id, 0, CFS_HTTP_USER, on_current, j);
		break;
	}
	if (ret)
		finish(j, ret);
}

void cfs_fss_submit(struct sjob *j)
{
	if (cfs_loop_submit(j->fs->loop, run, j)) {
		fuse_reply_err(j->req, EIO);
		cfs_fss_job_free(j);
	}
}

struct sjob *cfs_fss_job_new(fuse_req_t req, struct cfs_fs *fs, enum jkind kind)
{
	struct sjob *j = calloc(1, sizeof(*j));

	if (!j) {
		fuse_reply_err(req, ENOMEM);
		return NULL;
	}
	j->fs = fs;
	j->req = req;
	j->kind = kind;
	return j;
}

/* ---- rm ---- */

void cfs_fss_unlink(fuse_req_t req, struct cfs_fs *fs, uint64_t parent, const char *name)
{
	struct cfs_tree_attr a;
	char *fname = NULL, *stem = NULL, *key = NULL;
	uint64_t dir;
	int writable = 0, ret, loaded;
	long sp;
	int64_t version;
	struct sjob *j;

	ret = cfs_tree_lookup(fs->tree, parent, name, &a);
	if (ret) {
		fuse_reply_err(req, ret == -EAGAIN ? EIO : -ret);
		return;
	}
	if (a.is_dir) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (a.kind == CFS_ATT_FILE && a.node) {
		cfs_fsu_unlink(req, fs, name, &a); /* fs_upload.c */
		return;
	}
	if (a.kind != CFS_PAGE_FILE || !a.node ||
	    cfs_tree_file_of(fs->tree, a.node, &fname, &dir, &writable) || !writable) {
		free(fname);
		fuse_reply_err(req, EPERM);
		return;
	}
	free(fname);
	stem = stem_of(name);
	if (stem && has_children(fs, parent, stem)) {
		free(stem);
		fuse_reply_err(req, ENOTEMPTY);
		return;
	}
	free(stem);
	if (!(j = cfs_fss_job_new(req, fs, J_TRASH)))
		return;
	key = cfs_tree_space_key(fs->tree, a.node);
	sp = key ? cfs_tree_space_find(fs->tree, key, &loaded) : -1;
	free(key);
	if (sp < 0 || cfs_tree_page_ref(fs->tree, a.node, &j->id, &version, &j->blog)) {
		fuse_reply_err(req, EIO);
		cfs_fss_job_free(j);
		return;
	}
	j->space = (size_t)sp;
	j->parent = parent;
	j->name = strdup(name); /* to check an uncertain failure */
	{
		struct cfs_tree_attr pa;

		/* Its parent's directory stays when this was the last child (rmdir it). */
		if (cfs_tree_getattr(fs->tree, parent, &pa) == 0 && pa.kind == CFS_PAGE_DIR &&
		    pa.node && cfs_tree_space_of_dir(fs->tree, parent) < 0 &&
		    !cfs_fss_is_folder(fs, parent))
			j->keep = pa.node;
	}
	j->type = strdup(j->blog ? "blogpost" : "page");
	j->what = cfs_tree_path(fs->tree, a.node);
	if (!j->what || !j->type || asprintf(&fname, "unlink %s: to the trash", j->what) < 0) {
		fuse_reply_err(req, ENOMEM);
		cfs_fss_job_free(j);
		return;
	}
	free(j->what);
	j->what = fname;
	cfs_fss_submit(j);
}
