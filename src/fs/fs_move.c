/* fs_move: mv of a page on a rw mount — a new title, a new parent (a page or
 * folder of the same space; its directory follows), EXDEV across spaces —
 * as one GET of the page and one PUT of a new version with the same body;
 * and the other half of "mv A A.md dest/".  docs/shape.md. */
#include "fs_shape_int.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The last move, for the other half of "mv A A.md dest/": the page's file
 * and directory move in one request, so the second rename finds its source
 * gone.  For a few seconds, the old name still looks up (as an inode of its
 * own: mv must not see source and target as one file) and renames to the new
 * one as a no-op. */
#define MOVED_SECONDS 10
static struct {
	pthread_mutex_t lock;
	uint64_t parent, newparent;
	char stem[PATH_MAX], newstem[PATH_MAX];
	int md; /* the page's file moved (else its directory) */
	time_t when;
	uint64_t serial;
} moved = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void strip_md(char *dst, const char *name)
{
	size_t n = strlen(name);

	if (n >= PATH_MAX)
		n = PATH_MAX - 1;
	if (n > 3 && strcmp(name + n - 3, ".md") == 0)
		n -= 3;
	memcpy(dst, name, n);
	dst[n] = '\0';
}

void cfs_fss_remember_move(struct sjob *j)
{
	pthread_mutex_lock(&moved.lock);
	moved.parent = j->parent;
	moved.newparent = j->newparent;
	strip_md(moved.stem, j->name);
	strip_md(moved.newstem, j->newname);
	moved.md = strlen(j->name) > 3 && strcmp(j->name + strlen(j->name) - 3, ".md") == 0;
	moved.when = time(NULL);
	pthread_mutex_unlock(&moved.lock);
}

/* Is (parent, name) the old name of the last move?  Then *newname (a buffer of
 * PATH_MAX) is its new name, the same kind (file or directory). */
static int was_moved(uint64_t parent, const char *name, uint64_t *newparent, char *newname)
{
	char stem[PATH_MAX];
	int hit;
	size_t n = strlen(name);
	int md = n > 3 && strcmp(name + n - 3, ".md") == 0;

	strip_md(stem, name);
	pthread_mutex_lock(&moved.lock);
	hit = moved.when && time(NULL) - moved.when < MOVED_SECONDS && moved.parent == parent &&
	      strcmp(moved.stem, stem) == 0 && moved.md != md;
	if (hit) {
		*newparent = moved.newparent;
		size_t k = strlen(moved.newstem);

		if (k + 4 > PATH_MAX)
			k = PATH_MAX - 4;
		memcpy(newname, moved.newstem, k);
		strcpy(newname + k, md ? ".md" : "");
	}
	pthread_mutex_unlock(&moved.lock);
	return hit;
}

int cfs_fss_lookup(fuse_req_t req, struct cfs_fs *fs, uint64_t parent, const char *name)
{
	char newname[PATH_MAX];
	uint64_t np;
	struct cfs_tree_attr a;
	struct fuse_entry_param e;

	if (!was_moved(parent, name, &np, newname) ||
	    cfs_tree_lookup(fs->tree, parent, name, &a) == 0 ||
	    cfs_tree_lookup(fs->tree, np, newname, &a))
		return 0;
	memset(&e, 0, sizeof(e));
	cfs_fs_fill_stat(fs, &a, &e.attr);
	pthread_mutex_lock(&moved.lock);
	e.ino = CFS_LOCAL_INO((1ULL << 52) + ++moved.serial);
	pthread_mutex_unlock(&moved.lock);
	e.attr.st_ino = e.ino;
	e.generation = 1;
	e.attr_timeout = 1.0;
	e.entry_timeout = 0;
	fuse_reply_entry(req, &e);
	return 1;
}

int cfs_fss_moved(uint64_t parent, const char *name, uint64_t newparent, const char *newname)
{
	char want[PATH_MAX];
	uint64_t np;

	if (!was_moved(parent, name, &np, want) || np != newparent || strcmp(want, newname) != 0)
		return 0;
	pthread_mutex_lock(&moved.lock);
	moved.when = 0; /* both halves moved */
	pthread_mutex_unlock(&moved.lock);
	return 1;
}

void cfs_fss_move(fuse_req_t req, struct cfs_fs *fs, const struct cfs_tree_attr *sa,
                  uint64_t parent, const char *name, uint64_t newparent, const char *newname)
{
	struct cfs_tree_place pl;
	char *key = NULL, *title = NULL;
	int ret, loaded;
	long sp;
	int64_t version;
	struct sjob *j;

	if (!sa->is_dir && !cfs_fss_page_name(newname)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (sa->is_dir && cfs_fss_is_folder(fs, sa->ino)) {
		fuse_reply_err(req, EPERM); /* folders are not renamed from the mount */
		return;
	}
	ret = cfs_tree_shape_of(fs->tree, newparent, &pl);
	if (ret) {
		fuse_reply_err(req, cfs_fss_err(ret == -ENOTDIR ? -EPERM : ret));
		return;
	}
	key = cfs_tree_space_key(fs->tree, sa->node);
	sp = key ? cfs_tree_space_find(fs->tree, key, &loaded) : -1;
	free(key);
	if (sp < 0 || (size_t)sp != pl.space) {
		free(pl.parent_id);
		fuse_reply_err(req, sp < 0 ? EIO : EXDEV);
		return;
	}
	if (!(j = cfs_fss_job_new(req, fs, J_MOVE))) {
		free(pl.parent_id);
		return;
	}
	if (!pl.parent_id && parent != newparent) {
		/* To the space's top: a PUT cannot say "no parent"; the v1 move
		 * "after" a top-level page can. */
		char *pid = NULL;
		int64_t v;
		int blog;

		if (cfs_tree_page_ref(fs->tree, sa->node, &pid, &v, &blog) == 0)
			ret = cfs_tree_top_page(fs->tree, pl.space, pid, &j->top_target);
		else
			ret = -EIO;
		free(pid);
		if (ret) {
			cfs_warn("mv %s to the top of the space: no top-level page to put it "
			         "beside",
			         name);
			fuse_reply_err(req, ret == -ENOMEM ? ENOMEM : EPERM);
			cfs_fss_job_free(j);
			return;
		}
	}
	j->space = pl.space;
	j->parent = parent;
	j->newparent = newparent;
	j->name = strdup(name);
	j->newname = strdup(newname);
	j->parent_id = parent != newparent ? pl.parent_id : NULL;
	if (parent == newparent)
		free(pl.parent_id);
	j->title = title = cfs_fss_title_of(newname);
	j->old_title = cfs_tree_title(fs->tree, sa->node);
	if (!title || cfs_tree_page_ref(fs->tree, sa->node, &j->id, &version, &j->blog) ||
	    asprintf(&j->what, "rename to %s: retitle/move page", newname) < 0) {
		fuse_reply_err(req, ENOMEM);
		cfs_fss_job_free(j);
		return;
	}
	if (j->blog) {
		fuse_reply_err(req, EPERM);
		cfs_fss_job_free(j);
		return;
	}
	cfs_fss_submit(j);
}
