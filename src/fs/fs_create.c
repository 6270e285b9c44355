/* fs_create: a new page from the mount — a "Name.md" written and closed in a
 * page's directory, a folder or a space's top is created on the server at
 * its flush (close()), its body converted from Markdown by the write library
 * (every block new), its title from the file name or front matter title:.
 * docs/shape.md. */
#include "fs_shape_int.h"
#include "log.h"
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct body_job {
	const char *md;
	size_t len;
	const char *self;   /* the new page's title */
	const char *parent; /* its parent page's title; NULL at a space's top or in a folder */
	char *out, *err;
	size_t out_len;
	int ret;
};

/* Links of a new page are resolved by name, not through the tree (the pages
 * they point to may be copied in after it, cp -r): Confluence links by title,
 * and a page's title is its file name with the naming rules reversed.
 * "../Ops/Runbooks.md" -> "Runbooks" in this space. */
static char *last_title(const char *rel, size_t n)
{
	const char *s = rel + n;
	char *comp, *t;

	while (s > rel && s[-1] != '/')
		s--;
	comp = strndup(s, (size_t)(rel + n - s));
	t = comp && *comp && strcmp(comp, "..") != 0 && strcmp(comp, ".") != 0
	        ? cfs_fss_title_of(comp)
	        : NULL;
	free(comp);
	return t;
}

static int link_page(void *arg, const char *rel, char **space_key, char **title)
{
	(void)arg;
	*space_key = NULL;
	*title = last_title(rel, strlen(rel));
	return *title ? 0 : -ENOENT;
}

/* "Setup/_attachments/d.png" -> the page "Setup" (NULL: this page), "d.png";
 * "_attachments/d.png" -> the page whose directory holds the new page. */
static int link_attachment(void *arg, const char *rel, char **page_title, char **filename)
{
	struct body_job *b = arg;
	const char *a = strstr(rel, "_attachments/");
	char *t = NULL;

	if (!a || (a != rel && a[-1] != '/') || !a[13] || strchr(a + 13, '/'))
		return -ENOENT;
	if (a == rel) {
		if (!b->parent)
			return -ENOENT;
		t = strdup(b->parent);
	} else {
		t = last_title(rel, (size_t)(a - 1 - rel));
	}
	if (!t)
		return -ENOENT;
	if (strcmp(t, b->self) == 0) {
		free(t);
		t = NULL;
	}
	*page_title = t;
	*filename = strdup(a + 13);
	if (!*filename) {
		free(t);
		return -ENOMEM;
	}
	return 0;
}

static int body_cb(void *arg, const struct cfs_convert_ctx *cctx)
{
	struct body_job *b = arg;
	struct cfs_write_ctx wctx = {
	    .convert = cctx, .page = link_page, .attachment = link_attachment, .arg = b};
	struct cfs_blockmap *bm = NULL;

	b->ret = cfs_blockmap_build("", 0, cctx, &bm, &b->err);
	if (b->ret)
		return b->ret;
	b->ret = cfs_write_storage(bm, b->md, b->len, &wctx, &b->out, &b->out_len, &b->err);
	cfs_blockmap_free(bm);
	if (b->ret == 1) { /* nothing but white space: an empty page */
		b->ret = 0;
		b->out = strdup("");
		b->out_len = 0;
		if (!b->out)
			b->ret = -ENOMEM;
	}
	return b->ret;
}

static int read_fd(int fd, char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		ssize_t r;

		if (n + 4097 > cap) {
			char *b = realloc(buf, cap = cap * 2 + 8192);

			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
		}
		r = pread(fd, buf + n, cap - n - 1, (off_t)n);
		if (r < 0) {
			free(buf);
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > (64u << 20)) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* "X.md" beside a folder "X" this mount made, holding only pages (cp -r
 * copied the directory before the file): the folder's pages move under the
 * new page and the folder goes to the trash, so X/ is the page's directory. */
void cfs_fss_promote_folder(struct cfs_fs *fs, struct sjob *j)
{
	struct cfs_tree_attr a;
	struct cfs_tree_dirent *d = NULL;
	size_t n = 0, k = 0;
	char *stem = strndup(j->name, strlen(j->name) - 3), *pid = NULL;
	int64_t v;
	int blog;

	if (!stem || cfs_tree_lookup(fs->tree, j->parent, stem, &a) || !a.is_dir || !a.node ||
	    !cfs_fss_is_folder(fs, a.ino) || cfs_tree_page_ref(fs->tree, a.node, &pid, &v, &blog) ||
	    !cfs_fss_is_made_folder(pid) || cfs_tree_readdir(fs->tree, a.ino, &d, &n))
		goto out;
	j->kids = calloc(n + 1, sizeof(*j->kids));
	for (size_t i = 0; j->kids && i < n; i++) {
		struct cfs_tree_attr c;
		char *id = NULL;

		if (d[i].is_dir)
			continue; /* a page's directory moves with it; a folder is left */
		if (cfs_tree_getattr(fs->tree, d[i].ino, &c) || c.kind != CFS_PAGE_FILE ||
		    !c.node || cfs_tree_page_ref(fs->tree, c.node, &id, &v, &blog))
			continue;
		j->kids[k++] = id;
	}
	if (j->kids) {
		j->folder_id = pid;
		pid = NULL;
	}
out:
	cfs_tree_dirents_free(d, n);
	free(pid);
	free(stem);
}

int cfs_fss_flush(fuse_req_t req, struct cfs_fs *fs, struct whandle *h)
{
	int fl = fcntl(h->fd, F_GETFL);

	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return 0; /* a reader's close */
	return cfs_fss_publish_local(req, fs, h->ino);
}

int cfs_fss_publish_local(fuse_req_t req, struct cfs_fs *fs, uint64_t ino)
{
	struct cfs_fsw *w = fs->w;
	struct cfs_tree_place pl;
	struct cfs_front_matter fm = {0};
	struct body_job b = {0};
	struct local *l;
	struct stat st;
	uint64_t parent = 0;
	char *name = NULL, *md = NULL, *err = NULL, *self = NULL, *ptitle = NULL;
	size_t len = 0;
	struct sjob *j;
	int ret, rfd = -1;

	pthread_mutex_lock(&w->lock);
	l = cfs_fsw_local_by_ino(w, ino);
	if (l && l->name && (l->parent & 3) == CFS_ATT_DIR) {
		uint64_t dir = l->parent;
		char *an = strdup(l->name);

		pthread_mutex_unlock(&w->lock);
		ret = an ? cfs_fsu_flush(req, fs, ino, dir, an) : 0; /* fs_upload.c */
		free(an);
		return ret;
	}
	if (l && l->name && cfs_fss_page_name(l->name)) {
		char path[PATH_MAX];

		parent = l->parent;
		name = strdup(l->name);
		cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
		rfd = openat(w->dirfd, path, O_RDONLY | O_CLOEXEC);
	}
	pthread_mutex_unlock(&w->lock);
	if (!name || rfd < 0) {
		free(name);
		if (rfd >= 0)
			close(rfd);
		return 0;
	}
	/* Nothing written (yet): no page.  "sh -c 'cat > f'" closes one descriptor early. */
	if (fstat(rfd, &st) < 0 || st.st_size == 0 || cfs_tree_shape_of(fs->tree, parent, &pl)) {
		close(rfd);
		free(name);
		return 0;
	}
	ret = read_fd(rfd, &md, &len);
	close(rfd);
	if (ret)
		goto fail;
	if (len >= 4 && memcmp(md, "---\n", 4) == 0) {
		ret = cfs_write_front_matter(md, len, &fm, &err);
		if (ret) {
			cfs_err("creating %s: %s: the file stays on this mount", name,
			        err ? err : strerror(-ret));
			goto fail;
		}
	}
	b.md = md + fm.body;
	b.len = len - fm.body;
	self = fm.title ? strdup(fm.title) : cfs_fss_title_of(name);
	ptitle = pl.parent_id && !pl.folder ? cfs_tree_title(fs->tree, pl.node) : NULL;
	if (!self) {
		ret = -ENOMEM;
		goto fail;
	}
	b.self = self;
	b.parent = ptitle;
	cfs_tree_with_ctx(fs->tree, pl.node, body_cb, &b);
	if (b.ret) {
		cfs_err("creating %s: %s: the file stays on this mount", name,
		        b.err ? b.err : strerror(-b.ret));
		ret = b.ret;
		goto fail;
	}
	if (!(j = cfs_fss_job_new(req, fs, J_CREATE))) {
		ret = 1;
		goto out;
	}
	j->space = pl.space;
	j->parent_id = pl.parent_id;
	pl.parent_id = NULL;
	j->body = b.out;
	j->len = b.out_len;
	b.out = NULL;
	j->title = fm.title ? fm.title : cfs_fss_title_of(name);
	fm.title = NULL;
	j->parent = parent;
	j->name = name;
	name = NULL;
	j->local_ino = ino;
	cfs_fss_promote_folder(fs, j);
	if (!j->folder_id) {
		/* "mkdir X" made a page X to stand for the directory: X.md writes it */
		char *stem = strndup(j->name, strlen(j->name) - 3);

		j->id = stem ? cfs_fss_stand_in_dir(fs, parent, stem) : NULL;
		free(stem);
	}
	if (!j->title || cfs_fss_space_ids(fs, j->space, &j->space_id, &j->space_key) ||
	    asprintf(&j->what, "create page \"%s\"", j->title) < 0) {
		fuse_reply_err(req, ENOMEM);
		cfs_fss_job_free(j);
		ret = 1;
		goto out;
	}
	cfs_fss_submit(j);
	ret = 1;
	goto out;
fail:
	fuse_reply_err(req, cfs_fss_err(ret));
	ret = 1;
out:
	free(pl.parent_id);
	free(name);
	free(md);
	free(err);
	free(b.out);
	free(b.err);
	free(self);
	free(ptitle);
	cfs_front_matter_free(&fm);
	return ret;
}
