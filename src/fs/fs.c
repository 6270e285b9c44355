/* fs: the FUSE low-level operations; the only user of fuse_lowlevel.h.
 *
 * Every operation is answered from the tree on the FUSE worker thread when it
 * can be.  A page whose Markdown is not rendered yet (its size is unknown, so
 * getattr and open need it) is handed to the loop thread with
 * cfs_loop_submit(); the worker returns at once and the loop replies when the
 * cache has the page.  So is a lookup in, or an opendir of, the directory of
 * a space that was never listed (several spaces per mount): the loop replies
 * once sync has listed it.  -errno turns into fuse_reply_err() only here.
 */
#include "fs_int.h"
#include "fs_shape.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

struct cfs_fs *cfs_fs_of(fuse_req_t req)
{
	struct cfs_fs *fs = fuse_req_userdata(req);

	atomic_store_explicit(&fs->activity, 1, memory_order_relaxed);
	return fs;
}

void cfs_fs_fill_stat(struct cfs_fs *fs, const struct cfs_tree_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = a->ino;
	if (fs->w) /* rw: pages may be written, directories get local files */
		st->st_mode = a->is_dir ? S_IFDIR | 0755 : S_IFREG | 0644;
	else
		st->st_mode = a->is_dir ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->st_nlink = a->nlink;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_size = a->size > 0 ? a->size : 0;
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_mtim.tv_sec = a->mtime.sec;
	st->st_mtim.tv_nsec = a->mtime.nsec;
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
}

static void reply_entry(fuse_req_t req, const struct cfs_tree_attr *a, double attr_timeout)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = a->ino;
	e.generation = 1;
	e.attr_timeout = attr_timeout;
	e.entry_timeout = fs->ttl;
	cfs_fs_fill_stat(fs, a, &e.attr);
	fuse_reply_entry(req, &e);
}

static void reply_attr(fuse_req_t req, const struct cfs_tree_attr *a)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct stat st;

	cfs_fs_fill_stat(fs, a, &st);
	fuse_reply_attr(req, &st, fs->ttl);
}

static void reply_open(fuse_req_t req, struct fuse_file_info *fi, struct cfs_blob *md)
{
	fi->fh = (uint64_t)(uintptr_t)cfs_blob_ref(md);
	/* The kernel may keep the page cache across opens: when a page's
	 * version changes, the refresh invalidates the inode (cfs_fs_inval). */
	fi->keep_cache = 1;
	if (fuse_reply_open(req, fi) != 0)
		cfs_blob_unref(md); /* not delivered (interrupted, unmounted): no release */
}

static void on_interrupt(fuse_req_t req, void *arg)
{
	struct pending *p = arg;

	if (!atomic_exchange(&p->replied, 1))
		fuse_reply_err(req, EINTR);
}

/* Claim the right to reply; false when an interrupt already answered. */
int cfs_fs_claim(struct pending *p)
{
	if (atomic_exchange(&p->replied, 1))
		return 0;
	fuse_req_interrupt_func(p->req, NULL, NULL);
	return 1;
}

/* Loop thread: the page is rendered (or failed); finish the FUSE request. */
static void on_rendered(void *arg, int err, struct cfs_blob *md)
{
	struct pending *p = arg;
	struct cfs_tree_attr a;

	if (!cfs_fs_claim(p))
		goto out;

	if (err) {
		/* A page that vanished: the listing is stale, re-read it now. */
		if (err == -ENOENT && p->fs->sync)
			cfs_sync_now(p->fs->sync);
		/* A page's Name/ waited only for its times: it is there without them. */
		if (err != -ENOENT && p->op == OP_GETATTR &&
		    cfs_tree_getattr(p->fs->tree, p->ino, &a) == 0 && a.is_dir)
			reply_attr(p->req, &a);
		else
			fuse_reply_err(p->req, err == -ESHUTDOWN || err == -ECANCELED ? EIO : -err);
		goto out;
	}
	cfs_persist_kick(p->fs->persist); /* a page to keep on disk */
	switch (p->op) {
	case OP_GETATTR:
		err = cfs_tree_getattr(p->fs->tree, p->ino, &a);
		if (err) {
			fuse_reply_err(p->req, -err);
			break;
		}
		/* The listing may be older than the body; the size is what read returns.
		 * (A page's Name/ waited for the version and times its fetch brought.) */
		if (!a.is_dir)
			a.size = (int64_t)md->len;
		reply_attr(p->req, &a);
		break;
	case OP_OPEN:
		reply_open(p->req, &p->fi, md);
		break;
	case OP_READ_ATT: /* not pages; never come here */
	case OP_LOOKUP:
	case OP_OPENDIR:
		fuse_reply_err(p->req, EIO);
		break;
	}
out:
	free(p);
}

static void on_space_ready(void *arg, int err);

static void run_pending(void *arg, int cancelled)
{
	struct pending *p = arg;

	if (cancelled) {
		if (cfs_fs_claim(p))
			fuse_reply_err(p->req, EIO);
		free(p->name);
		free(p);
		return;
	}
	if (p->op == OP_READ_ATT) {
		cfs_attach_read(p->fs->attach, p->node, p->off, p->size, cfs_fs_att_ready, p);
	} else if (p->op == OP_LOOKUP || p->op == OP_OPENDIR) {
		if (!p->fs->sync)
			on_space_ready(p, -EIO);
		else
			cfs_sync_dir(p->fs->sync, p->ino, on_space_ready, p);
	} else
		cfs_cache_page(p->fs->cache, p->node, CFS_HTTP_USER,
		               p->op == OP_OPEN ? "open" : "getattr", on_rendered, p);
}

/* A pending request, or NULL after replying ENOMEM. */
struct pending *cfs_fs_pending_new(fuse_req_t req, enum op op, struct cfs_node *node, uint64_t ino)
{
	struct pending *p = calloc(1, sizeof(*p));

	atomic_fetch_add(&cfs_fs_of(req)->misses, 1);
	if (!p) {
		fuse_reply_err(req, ENOMEM);
		return NULL;
	}
	p->fs = cfs_fs_of(req);
	p->req = req;
	p->op = op;
	p->node = node;
	p->ino = ino;
	return p;
}

/* Hand p to the loop; the reply comes from there (or from an interrupt). */
void cfs_fs_submit(struct pending *p)
{
	int ret;

	fuse_req_interrupt_func(p->req, on_interrupt, p);
	ret = cfs_loop_submit(p->fs->loop, run_pending, p);
	if (ret) {
		if (cfs_fs_claim(p))
			fuse_reply_err(p->req, -ret == ESHUTDOWN ? EIO : -ret);
		free(p->name);
		free(p);
	}
}

/* Hand the request to the loop; it replies when the page is rendered. */
static void defer(fuse_req_t req, enum op op, struct cfs_node *node, uint64_t ino,
                  struct fuse_file_info *fi)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_blob *md = cfs_persist_md(fs->persist, node);
	struct pending *p;

	if (md) { /* kept on disk by an earlier mount or earlier in this one */
		struct cfs_tree_attr a;
		int ret;

		atomic_fetch_add(&fs->hits, 1);
		if (op == OP_OPEN) {
			reply_open(req, fi, md);
		} else if ((ret = cfs_tree_getattr(fs->tree, ino, &a))) {
			fuse_reply_err(req, -ret);
		} else {
			if (!a.is_dir)
				a.size = (int64_t)md->len;
			reply_attr(req, &a);
		}
		cfs_blob_unref(md);
		return;
	}
	if (atomic_load(&fs->offline)) { /* never had it: see docs/state.md */
		fuse_reply_err(req, EIO);
		return;
	}
	p = cfs_fs_pending_new(req, op, node, ino);
	if (!p)
		return;
	if (fi)
		p->fi = *fi;
	cfs_fs_submit(p);
}

/* Answer a lookup from the tree (ret and a as cfs_tree_lookup gave them). */
static void answer_lookup(fuse_req_t req, struct cfs_fs *fs, int ret, const struct cfs_tree_attr *a)
{
	if (ret == -ENOENT) {
		/* A negative entry: the kernel remembers the miss for ttl. */
		struct fuse_entry_param e;

		memset(&e, 0, sizeof(e));
		/* rw: a save may rename a page (front matter), and the listing
		 * then brings a name nobody invalidates: no negative entries. */
		e.entry_timeout = fs->w ? 0 : fs->ttl;
		fuse_reply_entry(req, &e);
	} else if (ret) {
		fuse_reply_err(req, ret == -EAGAIN ? EIO : -ret);
	} else if (a->size < 0 || a->nlink == 1 || a->time_unknown) {
		/* The size is not known before the page is rendered, but a lookup
		 * must not wait for the network: the kernel holds the directory's
		 * lock during it, so one slow page would block its siblings.  The
		 * entry goes out now with attributes that expire at once; the
		 * kernel asks getattr (which waits without that lock) before it
		 * trusts the size, and a read past the placeholder size of 0
		 * refreshes it too.  (nlink 1: a space not listed yet; time_unknown:
		 * a page's Name/ whose getattr waits for the page's times.) */
		reply_entry(req, a, 0);
	} else {
		reply_entry(req, a, fs->ttl);
	}
}

/* Wait on the loop for the listing of the space whose directory is ino. */
static void defer_space(fuse_req_t req, enum op op, uint64_t ino, const char *name,
                        struct fuse_file_info *fi)
{
	struct pending *p = cfs_fs_pending_new(req, op, NULL, ino);

	if (!p)
		return;
	if (fi)
		p->fi = *fi;
	if (name && !(p->name = strdup(name))) {
		fuse_reply_err(req, ENOMEM);
		free(p);
		return;
	}
	cfs_fs_submit(p);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_tree_attr a;
	int ret;

	if (cfs_fsw_lookup(req, parent, name))
		return;
	ret = cfs_tree_lookup(fs->tree, parent, name, &a);
	if (ret == -EAGAIN)
		defer_space(req, OP_LOOKUP, parent, name, NULL);
	else
		answer_lookup(req, fs, ret, &a);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_tree_attr a;
	int ret;

	if (cfs_fsw_getattr(req, ino))
		return;
	ino = cfs_fsw_ino(fs, ino);
	ret = cfs_tree_getattr(fs->tree, ino, &a);
	if (ret)
		fuse_reply_err(req, -ret);
	else if (a.size < 0)
		defer(req, OP_GETATTR, a.node, a.ino, NULL);
	else if (a.is_dir && a.time_unknown && !atomic_load(&fs->offline))
		/* Learnt ahead on Cloud: its fetch brings the times (a Name.md
		 * next to it waits for the same fetch; docs/refresh.md). */
		defer(req, OP_GETATTR, a.node, a.ino, NULL);
	else
		reply_attr(req, &a);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct cfs_tree_attr a;
	struct cfs_blob *md;
	int ret;

	if (cfs_fsw_open(req, ino, fi))
		return;
	ino =
	    cfs_fsw_ino(fs, ino); /* a local file that became a page (rename over it, a new page) */
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, fs->w ? EACCES : EROFS);
		return;
	}
	ret = cfs_tree_getattr(fs->tree, ino, &a);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	if (a.is_dir) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (a.kind == CFS_ATT_FILE) {
		cfs_fs_att_open(req, fi, a.node);
		return;
	}
	md = cfs_tree_md(fs->tree, a.node);
	if (!md) {
		defer(req, OP_OPEN, a.node, ino, fi);
		return;
	}
	atomic_fetch_add(&fs->hits, 1);
	reply_open(req, fi, md);
	cfs_blob_unref(md);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	struct cfs_blob *md = (struct cfs_blob *)(uintptr_t)fi->fh;

	if (cfs_fsw_read(req, size, off, fi))
		return;
	ino = cfs_fsw_ino(cfs_fs_of(req), ino); /* a local file now an attachment (fs_upload.c) */
	if ((ino & 3) == CFS_ATT_FILE && !CFS_IS_LOCAL_INO(ino)) {
		cfs_fs_att_read(req, fi, size, off);
		return;
	}
	if (off < 0 || (uint64_t)off >= md->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, md->data + off,
		               size < md->len - (size_t)off ? size : md->len - (size_t)off);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (!cfs_fsw_handle(fi))
		ino = cfs_fsw_ino(cfs_fs_of(req), ino);
	if (cfs_fsw_handle(fi))
		cfs_fsw_release_handle(cfs_fs_of(req), fi);
	else if ((ino & 3) == CFS_ATT_FILE && !CFS_IS_LOCAL_INO(ino))
		cfs_fs_att_release(cfs_fs_of(req), fi);
	else
		cfs_blob_unref((struct cfs_blob *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* An open directory: a snapshot, so offsets stay meaningful across calls. */
struct dir_handle {
	struct cfs_tree_dirent *d;
	size_t n;
	uint64_t ino;
	uint64_t parent; /* the inode ".." shows */
};

/* Attachments up to this size are fetched ahead with their pages. */
#define PREFETCH_ATT_MAX (1u << 20)

struct prefetch_job {
	struct cfs_fs *fs;
	struct cfs_node **pages, **atts;
	size_t np, na;
};

static void run_prefetch(void *arg, int cancelled)
{
	struct prefetch_job *j = arg;

	if (!cancelled) {
		cfs_cache_prefetch(j->fs->cache, j->pages, j->np);
		for (size_t i = 0; i < j->na; i++) {
			char *page_id, *att_id, *download;
			int64_t version, size;

			if (cfs_tree_att_ref(j->fs->tree, j->atts[i], &page_id, &att_id, &download,
			                     &version, &size))
				break;
			cfs_attach_prefetch(j->fs->attach, j->atts[i], page_id, att_id, download,
			                    version, size);
			free(page_id);
			free(att_id);
			free(download);
		}
	}
	free(j->pages);
	free(j->atts);
	free(j);
}

/* A listed directory is about to be read: fetch its pages (and their
 * children, prefetch levels deep) and their small attachments in the
 * background. */
static void prefetch(struct cfs_fs *fs, fuse_ino_t ino)
{
	struct prefetch_job *j = calloc(1, sizeof(*j));

	if (!j)
		return;
	j->fs = fs;
	if (cfs_tree_prefetch_set(fs->tree, ino, fs->prefetch, PREFETCH_ATT_MAX, &j->pages, &j->np,
	                          &j->atts, &j->na) == 0) {
		size_t n = 0;

		/* Offline nothing is fetched; pages kept on disk are read from there. */
		if (atomic_load(&fs->offline))
			j->np = j->na = 0;
		for (size_t i = 0; i < j->np; i++)
			if (!cfs_persist_on_disk(fs->persist, j->pages[i]))
				j->pages[n++] = j->pages[i];
		j->np = n;
	}
	if ((!j->np && !j->na) || cfs_loop_submit(fs->loop, run_prefetch, j)) {
		free(j->pages);
		free(j->atts);
		free(j);
	}
}

/* Answer an opendir from the tree: a snapshot of the listing, and prefetch. */
static void answer_opendir(fuse_req_t req, struct cfs_fs *fs, fuse_ino_t ino,
                           struct fuse_file_info *fi)
{
	struct dir_handle *h = calloc(1, sizeof(*h));
	int ret;

	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ret = cfs_tree_readdir(fs->tree, ino, &h->d, &h->n);
	if (!ret && (ret = cfs_fsw_dirents(fs, ino, &h->d, &h->n)))
		cfs_tree_dirents_free(h->d, h->n);
	if (ret) {
		free(h);
		if (ret == -EAGAIN)
			defer_space(req, OP_OPENDIR, ino, NULL, fi);
		else
			fuse_reply_err(req, -ret);
		return;
	}
	h->ino = ino;
	h->parent = cfs_tree_parent(fs->tree, ino);
	fi->fh = (uint64_t)(uintptr_t)h;
	/* rw: local files come and go in any directory. */
	fi->cache_readdir = !fs->w;
	fi->keep_cache = !fs->w;
	if (fuse_reply_open(req, fi) != 0) {
		cfs_tree_dirents_free(h->d, h->n);
		free(h);
		return;
	}
	if (fs->prefetch > 0)
		prefetch(fs, ino);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	answer_opendir(req, cfs_fs_of(req), ino, fi);
}

/* Loop thread: the space is listed (or not); finish the lookup or opendir. */
static void on_space_ready(void *arg, int err)
{
	struct pending *p = arg;

	if (!cfs_fs_claim(p))
		goto out;
	if (err) {
		fuse_reply_err(p->req, err == -EACCES || err == -ENOENT ? -err : EIO);
	} else if (p->op == OP_LOOKUP) {
		struct cfs_tree_attr a;
		int ret = cfs_tree_lookup(p->fs->tree, p->ino, p->name, &a);

		answer_lookup(p->req, p->fs, ret, &a);
	} else {
		answer_opendir(p->req, p->fs, p->ino, &p->fi);
	}
out:
	free(p->name);
	free(p);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
	struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	size_t used = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Offsets: 0 ".", 1 "..", 2 + i the i-th entry; the next offset is
	 * stored with each entry. */
	for (off_t i = off; (size_t)i < h->n + 2; i++) {
		struct stat st;
		const char *name;
		size_t len;

		memset(&st, 0, sizeof(st));
		if (i == 0) {
			name = ".";
			st.st_ino = h->ino;
			st.st_mode = S_IFDIR;
		} else if (i == 1) {
			name = ".."; /* an inode of 0 would make glibc drop it */
			st.st_ino = h->parent;
			st.st_mode = S_IFDIR;
		} else {
			name = h->d[i - 2].name;
			st.st_ino = h->d[i - 2].ino;
			st.st_mode = h->d[i - 2].is_dir ? S_IFDIR : S_IFREG;
		}
		len = fuse_add_direntry(req, buf + used, size - used, name, &st, i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;

	cfs_tree_dirents_free(h->d, h->n);
	free(h);
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;
	int rw = cfs_fs_of(req)->w != NULL;

	memset(&st, 0, sizeof(st));
	st.f_bsize = 4096;
	st.f_frsize = 4096;
	st.f_namemax = 255;
	st.f_flag = rw ? 0 : ST_RDONLY;
	fuse_reply_statfs(req, &st);
}

static void reply_xattr(fuse_req_t req, size_t size, const char *v, size_t len)
{
	if (size == 0)
		fuse_reply_xattr(req, len);
	else if (size < len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, v, len);
}

#define STATS_XATTR "user.confluencefs.stats"

struct stats_job {
	struct cfs_fs *fs;
	fuse_req_t req;
	size_t size;
};

/* Loop thread: the HTTP counters live here. */
static void run_stats(void *arg, int cancelled)
{
	struct stats_job *j = arg;
	struct cfs_http_stats h = {0};
	char buf[1024];
	int len;

	if (cancelled) {
		fuse_reply_err(j->req, EIO);
		free(j);
		return;
	}
	if (j->fs->http)
		cfs_http_get_stats(j->fs->http, &h);
	len = snprintf(buf, sizeof(buf),
	               "requests=%llu\nretries=%llu\nfailures=%llu\nin_flight=%d\n"
	               "peak_in_flight=%d\nrequest_limit=%d\nqueued=%d\nbytes_received=%llu\n"
	               "page_hits=%lu\npage_misses=%lu\nrendered_bytes=%llu\nonline=%d\n",
	               (unsigned long long)h.requests, (unsigned long long)h.retries,
	               (unsigned long long)h.failures, h.in_flight, h.peak_in_flight,
	               h.request_limit, h.queued, (unsigned long long)h.bytes,
	               atomic_load(&j->fs->hits), atomic_load(&j->fs->misses),
	               (unsigned long long)cfs_tree_md_bytes(j->fs->tree),
	               !atomic_load(&j->fs->offline));
	reply_xattr(j->req, j->size, buf, (size_t)len);
	free(j);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	char *v;
	size_t len;
	int ret;

	if (ino == CFS_ROOT_INO && strcmp(name, STATS_XATTR) == 0) {
		struct stats_job *j = calloc(1, sizeof(*j));

		if (!j) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		*j = (struct stats_job){cfs_fs_of(req), req, size};
		ret = cfs_loop_submit(j->fs->loop, run_stats, j);
		if (ret) {
			free(j);
			fuse_reply_err(req, EIO);
		}
		return;
	}
	if (cfs_fsw_getxattr(req, ino, name, size))
		return;
	ino = cfs_fsw_ino(cfs_fs_of(req), ino);
	if ((ino & 3) == CFS_ATT_FILE && strcmp(name, CACHED_XATTR) == 0) {
		ret = cfs_fs_att_cached(cfs_fs_of(req), ino, &v, &len);
		if (ret) {
			fuse_reply_err(req, -ret);
			return;
		}
		reply_xattr(req, size, v, len);
		free(v);
		return;
	}
	ret = cfs_tree_xattr_get(cfs_fs_of(req)->tree, ino, name, &v, &len);

	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	reply_xattr(req, size, v, len);
	free(v);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char *v;
	size_t len;
	int ret;

	ino = cfs_fsw_ino(cfs_fs_of(req), ino);
	if (CFS_IS_LOCAL_INO(ino) && cfs_fs_of(req)->w) {
		reply_xattr(req, size, "", 0);
		return;
	}
	ret = cfs_tree_xattr_list(cfs_fs_of(req)->tree, ino, &v, &len);
	if (!ret)
		cfs_fsw_listxattr(cfs_fs_of(req), ino, &v, &len);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	if ((ino & 3) == CFS_ATT_FILE) {
		char *more = realloc(v, len + sizeof(CACHED_XATTR));

		if (!more) {
			free(v);
			fuse_reply_err(req, ENOMEM);
			return;
		}
		v = more;
		memcpy(v + len, CACHED_XATTR, sizeof(CACHED_XATTR));
		len += sizeof(CACHED_XATTR);
	}
	reply_xattr(req, size, v, len);
	free(v);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	/* Nodes live as long as the tree; nothing to release per lookup. */
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	fuse_reply_none(req);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	/* Plain readdir: listing a directory must not render every page in it. */
	conn->want &= ~FUSE_CAP_READDIRPLUS;
	/* rw: open(O_TRUNC) truncates in open, not in a setattr after it. */
	if (((struct cfs_fs *)userdata)->w && (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC))
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

const struct fuse_lowlevel_ops cfs_fs_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .open = op_open,
    .read = op_read,
    .release = op_release,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .statfs = op_statfs,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
};

void cfs_fs_rw_ops(struct fuse_lowlevel_ops *ops)
{
	/* Write-back (-o rw); a ro mount has none of these (the kernel refuses
	 * writes before they reach us, and close sends no flush). */
	ops->create = cfs_fsw_create;
	ops->write = cfs_fsw_write;
	ops->flush = cfs_fsw_flush;
	ops->fsync = cfs_fsw_fsync;
	ops->setattr = cfs_fsw_setattr;
	ops->rename = cfs_fsw_rename;
	ops->unlink = cfs_fsw_unlink;
	ops->symlink = cfs_fsw_symlink;
	ops->readlink = cfs_fsw_readlink;
	ops->mkdir = cfs_fss_mkdir; /* fs_shape.c */
	ops->rmdir = cfs_fss_rmdir;
}

void cfs_fs_inval(void *arg, const struct cfs_tree_changes *ch)
{
	struct cfs_fs *fs = arg;

	cfs_persist_changed(fs->persist);
	/* --publish-drafts: no kernel to tell.  After the FUSE loop ended nobody
	 * answers the kernel, and a notification that has to wait for a request in
	 * that directory would hold up the unmount: the kernel forgets it all anyway. */
	if (!fs->se || fuse_session_exited(fs->se))
		return;
	for (size_t i = 0; i < ch->n; i++) {
		const struct cfs_tree_inval *v = &ch->v[i];
		int ret;

		if (v->name)
			ret = fuse_lowlevel_notify_inval_entry(fs->se, v->parent, v->name,
			                                       strlen(v->name));
		else
			ret = fuse_lowlevel_notify_inval_inode(fs->se, v->parent, 0, 0);
		/* -ENOENT: the kernel did not know it; nothing to drop. */
		if (ret && ret != -ENOENT)
			cfs_debug("kernel invalidation of %llu%s%s: %s",
			          (unsigned long long)v->parent, v->name ? "/" : "",
			          v->name ? v->name : "", strerror(-ret));
	}
}
