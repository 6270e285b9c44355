/* fs_drafts: the drafts area of the write path — every save's bytes on disk, synced,
 * before any request (write/drafts/<id>.draft) — and recovery: the drafts a killed
 * mount left are published at the next rw mount or by --publish-drafts.
 * docs/write-back-fs.md. */
#include "fs_write.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- drafts ---- */

static void draft_name(char *buf, size_t len, const char *id, const char *suffix)
{
	snprintf(buf, len, "drafts/%s.%s", id, suffix);
}

/* The saved bytes, with what is needed to publish them later, on disk and
 * synced before any request: write/drafts/<id>.draft. */
int cfs_fsw_draft_write(struct cfs_fsw *w, const struct pub *p)
{
	char tmp[256], name[256], *head = NULL;
	int fd, dfd, ret = 0, hl;

	if (mkdirat(w->dirfd, "drafts", 0700) < 0 && errno != EEXIST)
		return -errno;
	hl = asprintf(&head, "confluencefs draft 1\nid=%s\nversion=%lld\nblog=%d\ntitle=%s\n\n",
	              p->id, (long long)p->base_version, p->blog, p->title);
	if (hl < 0)
		return -ENOMEM;
	draft_name(tmp, sizeof(tmp), p->id, "tmp");
	draft_name(name, sizeof(name), p->id, "draft");
	fd = openat(w->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(head);
		return -errno;
	}
	if (write(fd, head, (size_t)hl) != hl)
		ret = -EIO;
	for (size_t off = 0; !ret && off < p->md_len;) {
		ssize_t n = write(fd, p->md + off, p->md_len - off);

		if (n < 0)
			ret = -errno;
		else
			off += (size_t)n;
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	free(head);
	if (!ret && renameat(w->dirfd, tmp, w->dirfd, name) < 0)
		ret = -errno;
	dfd = openat(w->dirfd, "drafts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return ret;
}

void cfs_fsw_draft_remove(struct cfs_fsw *w, const char *id)
{
	char name[256];

	draft_name(name, sizeof(name), id, "draft");
	unlinkat(w->dirfd, name, 0);
}

/* ---- recovery ---- */

static void recovered(struct pub *p, int err)
{
	struct cfs_fsw *w = p->fs->w;

	if (err && err != -EBUSY)
		cfs_warn("draft of %s not published yet (%s); it stays", p->fname, strerror(-err));
	pthread_mutex_lock(&w->lock);
	w->recovering--;
	w->recover_failed += err != 0;
	pthread_cond_broadcast(&w->recovered);
	pthread_mutex_unlock(&w->lock);
	cfs_fsw_pub_free(p);
}

int cfs_fsw_recover_wait(struct cfs_fsw *w, int timeout_s)
{
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_s;
	pthread_mutex_lock(&w->lock);
	while (w->recovering > 0 && ret == 0)
		ret = pthread_cond_timedwait(&w->recovered, &w->lock, &until);
	ret = w->recovering > 0 ? -ETIMEDOUT : w->recover_failed;
	pthread_mutex_unlock(&w->lock);
	return ret;
}

static void recover_one(struct cfs_fsw *w, const char *file)
{
	char name[300], *data = NULL, *s, *body;
	size_t len = 0, cap = 0;
	int fd;
	struct pub *p;
	struct cfs_tree_attr a;
	long long version = 0;
	char id[64] = "";

	snprintf(name, sizeof(name), "drafts/%s", file);
	fd = openat(w->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > cap) {
			char *d = realloc(data, cap = cap * 2 + 8192);

			if (!d)
				goto out;
			data = d;
		}
		n = read(fd, data + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (!data)
		goto out;
	data[len] = '\0';
	body = strstr(data, "\n\n");
	if (strncmp(data, "confluencefs draft 1\n", 21) != 0 || !body)
		goto bad;
	for (s = data; s < body; s = strchr(s, '\n') + 1) {
		if (strncmp(s, "id=", 3) == 0)
			sscanf(s + 3, "%63[0-9]", id);
		else if (strncmp(s, "version=", 8) == 0)
			version = strtoll(s + 8, NULL, 10);
	}
	body += 2;
	if (!id[0] || version <= 0 ||
	    cfs_tree_getattr(w->fs->tree, strtoull(id, NULL, 10) << 2, &a) || !a.node)
		goto bad;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out;
	p->fs = w->fs;
	p->node = a.node;
	p->ino = a.ino;
	p->base_version = version;
	p->md_len = len - (size_t)(body - data);
	p->md = malloc(p->md_len + 1);
	if (!p->md) {
		free(p);
		goto out;
	}
	memcpy(p->md, body, p->md_len + 1);
	p->no_draft = 1;
	p->recovering = 1;
	p->done = recovered;
	pthread_mutex_lock(&w->lock);
	w->recovering++;
	pthread_mutex_unlock(&w->lock);
	cfs_info("found a draft of page %s (from version %lld) left by an earlier mount; "
	         "publishing it",
	         id, version);
	cfs_fsw_publish(p);
	goto out;
bad:
	cfs_warn("draft %s of the cache directory is not usable (unknown page?); it stays", file);
out:
	if (fd >= 0)
		close(fd);
	free(data);
}

void cfs_fsw_recover(struct cfs_fsw *w)
{
	int fd = openat(w->dirfd, "drafts", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 6 && strcmp(de->d_name + n - 6, ".draft") == 0)
			recover_one(w, de->d_name);
		else if (n > 4 && strcmp(de->d_name + n - 4, ".tmp") == 0)
			unlinkat(fd, de->d_name, 0);
	}
	closedir(d);
}
