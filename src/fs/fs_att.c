/* fs_att: the FUSE operations on attachments — open pins the cache entry,
 * reads come from disk or wait for the download, release unpins. */
#include "fs_int.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open attachment: its pin of the disk cache entry. */
struct att_handle {
	struct cfs_diskcache_entry *e;
	struct cfs_node *node;
	struct att_handle *prev, *next; /* fs->atts; protected by fs->att_lock */
};

static void handle_link(struct cfs_fs *fs, struct att_handle *h)
{
	pthread_mutex_lock(&fs->att_lock);
	h->prev = NULL;
	h->next = fs->atts;
	if (fs->atts)
		fs->atts->prev = h;
	fs->atts = h;
	pthread_mutex_unlock(&fs->att_lock);
}

static void handle_unlink(struct cfs_fs *fs, struct att_handle *h)
{
	pthread_mutex_lock(&fs->att_lock);
	if (h->prev)
		h->prev->next = h->next;
	else
		fs->atts = h->next;
	if (h->next)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&fs->att_lock);
}

void cfs_fs_release_all(struct cfs_fs *fs)
{
	while (fs->atts) {
		struct att_handle *h = fs->atts;

		handle_unlink(fs, h);
		cfs_diskcache_put(h->e);
		free(h);
	}
}

/* Reply to a read from the disk cache; -EAGAIN if the bytes are not there. */
static int reply_from_disk(fuse_req_t req, struct cfs_diskcache_entry *e, uint64_t off, size_t size)
{
	char *buf = malloc(size ? size : 1);
	size_t n = 0;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = cfs_diskcache_read(e, off, size, buf, &n);
	if (ret == 0)
		fuse_reply_buf(req, buf, n);
	free(buf);
	return ret;
}

/* Thread pool: the attachment bytes of a deferred read are on disk (or not). */
void cfs_fs_att_ready(void *arg, int err)
{
	struct pending *p = arg;

	if (cfs_fs_claim(p)) {
		if (!err)
			err = reply_from_disk(p->req, p->entry, p->off, p->size);
		if (err)
			fuse_reply_err(p->req, err == -EAGAIN || err == -ESTALE || err == -ESHUTDOWN
			                           ? EIO
			                           : -err);
	}
	free(p);
}

struct att_job {
	struct cfs_fs *fs;
	struct cfs_node *node;
	struct cfs_diskcache_entry *pin; /* open: handed to the attach layer */
	char *page_id, *att_id, *download;
};

static void run_att_open(void *arg, int cancelled)
{
	struct att_job *j = arg;

	if (cancelled)
		cfs_diskcache_put(j->pin); /* the loop is gone: nothing blocks now */
	else
		cfs_attach_open(j->fs->attach, j->node, j->pin, j->page_id, j->att_id, j->download);
	free(j->page_id);
	free(j->att_id);
	free(j->download);
	free(j);
}

static void run_att_release(void *arg, int cancelled)
{
	struct att_job *j = arg;

	if (!cancelled)
		cfs_attach_release(j->fs->attach, j->node);
	free(j);
}

/* Open an attachment: pin its cache entry here (disk I/O is fine on a FUSE
 * thread), and hand a second pin to the loop, which downloads into it. */
void cfs_fs_att_open(fuse_req_t req, struct fuse_file_info *fi, struct cfs_node *node)
{
	struct cfs_fs *fs = cfs_fs_of(req);
	struct att_handle *h = calloc(1, sizeof(*h));
	struct att_job *j = calloc(1, sizeof(*j));
	int64_t version, size;
	char key[CFS_DISKCACHE_KEY_MAX];
	int ret = -ENOMEM;

	if (!h || !j ||
	    cfs_tree_att_ref(fs->tree, node, &j->page_id, &j->att_id, &j->download, &version,
	                     &size))
		goto fail;
	cfs_attach_key(key, sizeof(key), j->att_id, version);
	ret = cfs_diskcache_get(fs->dc, key, (uint64_t)size, &h->e);
	if (ret)
		goto fail;
	ret = cfs_diskcache_get(fs->dc, key, (uint64_t)size, &j->pin);
	if (ret)
		goto fail_put;
	h->node = node;
	j->fs = fs;
	j->node = node;
	ret = cfs_loop_submit(fs->loop, run_att_open, j);
	if (ret) {
		cfs_diskcache_put(j->pin);
		goto fail_put;
	}
	handle_link(fs, h);
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->keep_cache = 1; /* the bytes of one version never change */
	if (fuse_reply_open(req, fi) != 0) {
		struct fuse_file_info copy = *fi;
		/* Interrupted: no release will come; undo the open ourselves. */
		cfs_fs_att_release(fs, &copy);
	}
	return;
fail_put:
	cfs_diskcache_put(h->e);
fail:
	if (j) {
		free(j->page_id);
		free(j->att_id);
		free(j->download);
	}
	free(j);
	free(h);
	cfs_err("opening an attachment: %s", strerror(-ret));
	fuse_reply_err(req, ret == -ENOMEM ? ENOMEM : EIO);
}

void cfs_fs_att_read(fuse_req_t req, struct fuse_file_info *fi, size_t size, off_t off)
{
	struct att_handle *h = (struct att_handle *)(uintptr_t)fi->fh;
	struct cfs_fs *fs = cfs_fs_of(req); /* req is gone once replied to */
	struct pending *p;
	int ret = reply_from_disk(req, h->e, (uint64_t)off, size);

	if (ret == 0) {
		atomic_fetch_add(&fs->hits, 1);
		return;
	}
	if (ret != -EAGAIN || atomic_load(&fs->offline)) { /* offline: never had it */
		fuse_reply_err(req, ret == -ESTALE || ret == -EAGAIN ? EIO : -ret);
		return;
	}
	p = cfs_fs_pending_new(req, OP_READ_ATT, h->node, 0);
	if (!p)
		return;
	p->off = (uint64_t)off;
	p->size = size;
	p->entry = h->e;
	cfs_fs_submit(p);
}

void cfs_fs_att_release(struct cfs_fs *fs, struct fuse_file_info *fi)
{
	struct att_handle *h = (struct att_handle *)(uintptr_t)fi->fh;
	struct att_job *j = calloc(1, sizeof(*j));

	if (j) {
		j->fs = fs;
		j->node = h->node;
		if (cfs_loop_submit(fs->loop, run_att_release, j))
			free(j);
	}
	handle_unlink(fs, h);
	cfs_diskcache_put(h->e);
	free(h);
}

/* How many bytes of an attachment are on local disk: a download's progress. */
int cfs_fs_att_cached(struct cfs_fs *fs, fuse_ino_t ino, char **v, size_t *len)
{
	struct cfs_tree_attr a;
	struct cfs_diskcache_entry *e;
	char *page_id = NULL, *att_id = NULL, *download = NULL, key[CFS_DISKCACHE_KEY_MAX];
	int64_t version, size;
	int ret = cfs_tree_getattr(fs->tree, ino, &a);

	if (ret == 0)
		ret = cfs_tree_att_ref(fs->tree, a.node, &page_id, &att_id, &download, &version,
		                       &size);
	if (ret)
		return ret;
	cfs_attach_key(key, sizeof(key), att_id, version);
	free(page_id);
	free(att_id);
	free(download);
	ret = cfs_diskcache_get(fs->dc, key, (uint64_t)size, &e);
	if (ret)
		return ret;
	if (asprintf(v, "%llu", (unsigned long long)cfs_diskcache_present_bytes(e)) < 0)
		ret = -ENOMEM;
	cfs_diskcache_put(e);
	*len = ret ? 0 : strlen(*v);
	return ret;
}
