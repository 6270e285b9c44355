/* fs_dirs: mkdir and rmdir on a rw mount (docs/shape.md) — mkdir beside a
 * page's file shows the page's directory (no request); mkdir of a new name is
 * a folder on Cloud and an empty page on Data Center (no folders there);
 * rmdir of an empty page directory sends nothing, of an empty folder trashes
 * it.  The jobs run as fs_shape.c's. */
#include "fs_shape_int.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOLDER_TYPE "user.confluence.type"

/* ---- mkdir, rmdir ---- */

/* Show (on) or stop showing page n's directory (parent, name): the space is
 * listed again for it, no write is sent. */
static void dir_job(fuse_req_t req, struct cfs_fs *fs, struct cfs_node *n, int on, uint64_t parent,
                    const char *name)
{
	struct sjob *j = cfs_fss_job_new(req, fs, J_DIR);
	char *key;
	long sp;
	int loaded;

	if (!j)
		return;
	key = cfs_tree_space_key(fs->tree, n);
	sp = key ? cfs_tree_space_find(fs->tree, key, &loaded) : -1;
	free(key);
	j->space = sp < 0 ? 0 : (size_t)sp;
	j->keep = n;
	j->keep_on = on;
	j->parent = parent;
	j->name = strdup(name);
	if (sp < 0 || !j->name ||
	    asprintf(&j->what, "%s %s: a page's directory", on ? "mkdir" : "rmdir", name) < 0) {
		fuse_reply_err(req, sp < 0 ? EIO : ENOMEM);
		cfs_fss_job_free(j);
		return;
	}
	cfs_fss_submit(j);
}

int cfs_fss_is_folder(struct cfs_fs *fs, uint64_t ino)
{
	char *v = NULL;
	size_t n = 0;
	int f = 0;

	if (cfs_tree_xattr_get(fs->tree, ino, FOLDER_TYPE, &v, &n) == 0)
		f = n == 6 && memcmp(v, "folder", 6) == 0;
	free(v);
	return f;
}

/* Is directory ino a folder this mount made? */
static int made_folder_dir(struct cfs_fs *fs, uint64_t ino)
{
	struct cfs_tree_attr a;
	char *id = NULL;
	int64_t v;
	int blog, hit;

	if (cfs_tree_getattr(fs->tree, ino, &a) || !a.node ||
	    cfs_tree_page_ref(fs->tree, a.node, &id, &v, &blog))
		return 0;
	hit = cfs_fss_is_made_folder(id);
	free(id);
	return hit;
}

/* "mkdir X/_attachments" in a folder X this mount made (cp -r copied X/
 * before X.md): a folder has no attachments, so an empty page X takes the
 * folder's place now, as X.md would (its pages move under it, the folder
 * goes to the trash); X.md, when it comes, writes that page. */
static void promote_for_atts(fuse_req_t req, struct cfs_fs *fs, uint64_t folder)
{
	uint64_t gp = cfs_tree_parent(fs->tree, folder);
	struct cfs_tree_dirent *d = NULL;
	struct cfs_tree_place pl;
	struct cfs_tree_attr fa;
	size_t n = 0;
	struct sjob *j;

	if (cfs_tree_getattr(fs->tree, folder, &fa) || !fa.node ||
	    cfs_tree_shape_of(fs->tree, gp, &pl)) {
		fuse_reply_err(req, EIO);
		return;
	}
	if (!(j = cfs_fss_job_new(req, fs, J_CREATE))) {
		free(pl.parent_id);
		return;
	}
	j->space = pl.space;
	j->parent_id = pl.parent_id;
	j->parent = gp;
	j->att_mkdir = 1;
	if (cfs_tree_readdir(fs->tree, gp, &d, &n) == 0)
		for (size_t i = 0; i < n && !j->name; i++)
			if (d[i].ino == folder && asprintf(&j->name, "%s.md", d[i].name) < 0)
				j->name = NULL;
	cfs_tree_dirents_free(d, n);
	j->title = cfs_tree_title(fs->tree, fa.node);
	j->body = strdup("");
	if (j->name)
		cfs_fss_promote_folder(fs, j);
	if (!j->name || !j->title || !j->body || !j->folder_id ||
	    cfs_fss_space_ids(fs, j->space, &j->space_id, &j->space_key) ||
	    asprintf(&j->what, "mkdir %s/_attachments: page \"%s\" in place of the folder",
	             j->title, j->title) < 0) {
		fuse_reply_err(req, j->name && j->title && j->body ? EPERM : ENOMEM);
		cfs_fss_job_free(j);
		return;
	}
	cfs_info("%s: a folder has no attachments", j->what);
	cfs_fss_submit(j);
}

void cfs_fss_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_tree_attr a;
	struct cfs_tree_place pl;
	char *mdname = NULL;
	struct sjob *j;
	int ret;

	(void)mode;
	if (!fs->w) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ret = cfs_tree_lookup(fs->tree, parent, name, &a);
	if (ret == 0 || ret == -EAGAIN) {
		fuse_reply_err(req, ret ? EIO : EEXIST);
		return;
	}
	if (asprintf(&mdname, "%s.md", name) < 0) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ret = cfs_tree_lookup(fs->tree, parent, mdname, &a);
	free(mdname);
	if (ret == 0) {
		/* Parent.md exists: its children directory shows (no request). */
		if (a.kind != CFS_PAGE_FILE || !a.node) {
			fuse_reply_err(req, EPERM);
			return;
		}
		dir_job(req, fs, a.node, 1, parent, name);
		return;
	}
	if (strcmp(name, "_attachments") == 0) {
		/* A page's attachments directory (cp -r of a page with its files). */
		struct cfs_tree_attr pa;

		if (cfs_tree_getattr(fs->tree, parent, &pa) == 0 && pa.kind == CFS_PAGE_DIR &&
		    pa.node && cfs_tree_space_of_dir(fs->tree, parent) < 0 &&
		    !cfs_fss_is_folder(fs, parent)) {
			dir_job(req, fs, pa.node, 2, parent, name);
			return;
		}
		if (cfs_fss_is_folder(fs, parent) && made_folder_dir(fs, parent)) {
			promote_for_atts(req, fs, parent);
			return;
		}
		fuse_reply_err(req, EPERM);
		return;
	}
	if (name[0] == '.' || strcmp(name, "_blog") == 0) {
		fuse_reply_err(req, EPERM);
		return;
	}
	ret = cfs_tree_shape_of(fs->tree, parent, &pl);
	if (ret) {
		fuse_reply_err(req, cfs_fss_err(ret == -ENOTDIR ? -EPERM : ret));
		return;
	}
	if (!(j = cfs_fss_job_new(req, fs, J_FOLDER))) {
		free(pl.parent_id);
		return;
	}
	j->as_page = cfs_cf_api(fs->cf) == CFS_API_DC;
	j->space = pl.space;
	j->parent_id = pl.parent_id;
	j->parent = parent;
	j->name = strdup(name);
	j->title = cfs_fss_title_of(name);
	if (!j->name || !j->title || cfs_fss_space_ids(fs, j->space, &j->space_id, &j->space_key) ||
	    asprintf(&j->what, "mkdir %s: create %s", name,
	             j->as_page ? "an empty page (Data Center has no folders)" : "folder") < 0) {
		fuse_reply_err(req, ENOMEM);
		cfs_fss_job_free(j);
		return;
	}
	cfs_fss_submit(j);
}

void cfs_fss_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_tree_attr a;
	struct cfs_tree_dirent *de = NULL;
	size_t n = 0;
	char *mdname = NULL, *key = NULL;
	struct sjob *j;
	int ret, loaded, stand_in;
	long sp;
	int64_t version;

	if (!fs->w) {
		fuse_reply_err(req, EROFS);
		return;
	}
	ret = cfs_tree_lookup(fs->tree, parent, name, &a);
	if (ret == -ENOENT) {
		/* The children directory of a page that has none left: nothing to do. */
		if (asprintf(&mdname, "%s.md", name) < 0) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		ret = cfs_tree_lookup(fs->tree, parent, mdname, &a) == 0 && a.kind == CFS_PAGE_FILE
		          ? 0
		          : -ENOENT;
		free(mdname);
		fuse_reply_err(req, -ret);
		return;
	}
	if (ret) {
		fuse_reply_err(req, ret == -EAGAIN ? EIO : -ret);
		return;
	}
	if (!a.is_dir) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (a.kind != CFS_PAGE_DIR || !a.node || cfs_tree_space_of_dir(fs->tree, a.ino) >= 0) {
		fuse_reply_err(req, EPERM);
		return;
	}
	ret = cfs_tree_readdir(fs->tree, a.ino, &de, &n);
	cfs_tree_dirents_free(de, n);
	if (ret || n) {
		fuse_reply_err(req, ret ? cfs_fss_err(ret) : ENOTEMPTY);
		return;
	}
	stand_in = cfs_tree_stand_in(fs->tree, a.node);
	if (!cfs_fss_is_folder(fs, a.ino) && !stand_in) {
		/* A page's children directory, empty: nothing is sent. */
		dir_job(req, fs, a.node, 0, parent, name);
		return;
	}
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
	j->type = strdup(stand_in ? "page" : "folder");
	if (!j->type || asprintf(&j->what, "rmdir %s: %s %s to the trash", name,
	                         stand_in ? "the page made for it," : "folder", j->id) < 0) {
		fuse_reply_err(req, ENOMEM);
		cfs_fss_job_free(j);
		return;
	}
	cfs_fss_submit(j);
}

char *cfs_fss_stand_in_dir(struct cfs_fs *fs, uint64_t parent, const char *stem)
{
	struct cfs_tree_attr a;
	char *id = NULL;
	int64_t version = 0;
	int blog = 0;

	if (cfs_tree_lookup(fs->tree, parent, stem, &a) || !a.is_dir || !a.node ||
	    !cfs_tree_stand_in(fs->tree, a.node) ||
	    cfs_tree_page_ref(fs->tree, a.node, &id, &version, &blog))
		return NULL;
	if (blog || !cfs_fss_is_made_folder(id)) {
		free(id);
		return NULL;
	}
	return id;
}
