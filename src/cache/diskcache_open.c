/* diskcache_open: open a cache directory, index what it holds, close it
 * (the design: diskcache.c). */
#include "diskcache_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p with mode 0700; only the last component's failure counts. */
static int make_dirs(const char *dir)
{
	char path[PATH_LEN_MAX];
	size_t n = strlen(dir);

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i < n; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		mkdir(path, 0700);
		path[i] = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Ours and not writable by others (they could have planted files); merely
 * readable by others is tightened, since the directory is ours. */
static int check_dir(int dirfd)
{
	struct stat st;

	if (fstat(dirfd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	if ((st.st_mode & 07777) != 0700 && fchmod(dirfd, 0700) < 0)
		return -errno;
	return 0;
}

static bool has_suffix(const char *name, size_t len, const char *suffix)
{
	size_t s = strlen(suffix);

	return len > s && strcmp(name + len - s, suffix) == 0;
}

/* The key of file name (len bytes, ending in suffix) into key; -EINVAL if
 * it is not a valid key. */
static int key_of(char key[CFS_DISKCACHE_KEY_MAX + 1], const char *name, size_t len,
                  const char *suffix)
{
	size_t n = len - strlen(suffix);

	if (n > CFS_DISKCACHE_KEY_MAX)
		return -EINVAL;
	memcpy(key, name, n);
	key[n] = '\0';
	return cfs_diskcache_valid_key(key) ? 0 : -EINVAL;
}

struct scanned {
	struct cfs_diskcache_entry *e;
	int64_t mtime_ns;
};

static int by_mtime(const void *a, const void *b)
{
	const struct scanned *x = a, *y = b;

	return (x->mtime_ns > y->mtime_ns) - (x->mtime_ns < y->mtime_ns);
}

/* Look at one "<key>.data": index it if its sidecar is valid, else delete
 * both files.  Returns 1 with *out set, 0 when skipped, or -ENOMEM. */
static int scan_one(struct cfs_diskcache *dc, const char *key, struct scanned *out)
{
	char name[NAME_LEN];
	struct cfs_diskcache_entry *e;
	struct stat st;
	int ret;

	cfs_diskcache_name_of(name, key, DATA_SUFFIX);
	if (fstatat(dc->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	e = cfs_diskcache_new_entry(dc, key, (uint64_t)st.st_size);
	if (!e)
		return -ENOMEM;
	ret = cfs_diskcache_load_map(dc->dirfd, key, (uint64_t)st.st_size, e);
	if (ret < 0) {
		cfs_diskcache_free_entry(e);
		if (ret == -ENOMEM)
			return ret;
		cfs_diskcache_name_of(name, key, MAP_SUFFIX);
		unlinkat(dc->dirfd, name, 0);
		cfs_diskcache_name_of(name, key, DATA_SUFFIX);
		unlinkat(dc->dirfd, name, 0);
		cfs_diskcache_mark_gone(dc, key);
		return 0;
	}
	e->data_bytes = (uint64_t)st.st_blocks * 512;
	out->e = e;
	out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return 1;
}

/* Index every valid entry, oldest write at the LRU tail; delete temp files,
 * orphaned sidecars and entries without a valid sidecar.  Files without our
 * suffixes are left alone. */
static int scan(struct cfs_diskcache *dc)
{
	struct scanned *v = NULL;
	size_t n = 0, a = 0;
	struct dirent *de;
	DIR *d = NULL;
	int fd, ret = 0;

	fd = dup(dc->dirfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		goto out;
	}
	while ((de = readdir(d))) {
		char key[CFS_DISKCACHE_KEY_MAX + 1], other[NAME_LEN];
		size_t len = strlen(de->d_name);
		struct stat st;

		if (has_suffix(de->d_name, len, TMP_SUFFIX)) {
			unlinkat(dc->dirfd, de->d_name, 0);
			continue;
		}
		if (has_suffix(de->d_name, len, MAP_SUFFIX)) {
			if (key_of(key, de->d_name, len, MAP_SUFFIX) < 0)
				continue;
			cfs_diskcache_name_of(other, key, DATA_SUFFIX);
			if (fstatat(dc->dirfd, other, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
			    errno == ENOENT && unlinkat(dc->dirfd, de->d_name, 0) == 0)
				cfs_diskcache_mark_gone(dc, key);
			continue;
		}
		if (!has_suffix(de->d_name, len, DATA_SUFFIX) ||
		    key_of(key, de->d_name, len, DATA_SUFFIX) < 0)
			continue;
		if (n == a) {
			size_t na = a ? a * 2 : 64;
			struct scanned *nv = realloc(v, na * sizeof(*nv));
			if (!nv) {
				ret = -ENOMEM;
				goto out;
			}
			v = nv;
			a = na;
		}
		ret = scan_one(dc, key, &v[n]);
		if (ret < 0)
			goto out;
		n += (size_t)ret;
		ret = 0;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_mtime);
	for (size_t i = 0; i < n; i++) {
		cfs_diskcache_hash_insert(dc, v[i].e);
		cfs_diskcache_lru_add(dc, v[i].e, false);
		dc->bytes += v[i].e->data_bytes + v[i].e->map_bytes;
	}
	n = 0;
out:
	for (size_t i = 0; i < n; i++)
		cfs_diskcache_free_entry(v[i].e);
	free(v);
	if (d)
		closedir(d);
	return ret;
}

int cfs_diskcache_open(const char *dir, uint64_t cap_bytes, struct cfs_diskcache **out)
{
	struct cfs_diskcache *dc = NULL;
	struct cfs_diskcache_entry *grave = NULL;
	int ret;

	if (!dir || !out)
		return -EINVAL;
	dc = calloc(1, sizeof(*dc));
	if (!dc)
		return -ENOMEM;
	dc->dirfd = dc->lockfd = -1;
	dc->cap = cap_bytes;
	dc->max_entries = CFS_DISKCACHE_MAX_ENTRIES;
	dc->nbuckets = MIN_BUCKETS;
	pthread_mutex_init(&dc->lock, NULL);
	for (int i = 0; i < STRIPES; i++) {
		pthread_mutex_init(&dc->save_locks[i], NULL);
		pthread_mutex_init(&dc->locks[i], NULL);
	}
	dc->buckets = calloc(dc->nbuckets, sizeof(*dc->buckets));
	if (!dc->buckets) {
		ret = -ENOMEM;
		goto out;
	}
	ret = make_dirs(dir);
	if (ret < 0)
		goto out;
	dc->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dc->dirfd < 0) {
		ret = -errno;
		goto out;
	}
	ret = check_dir(dc->dirfd);
	if (ret < 0)
		goto out;
	dc->lockfd = openat(dc->dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (dc->lockfd < 0) {
		ret = -errno;
		goto out;
	}
	if (flock(dc->lockfd, LOCK_EX | LOCK_NB) < 0) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto out;
	}
	ret = scan(dc);
	if (ret < 0)
		goto out;
	pthread_mutex_lock(&dc->lock);
	cfs_diskcache_evict(dc, &grave);
	pthread_mutex_unlock(&dc->lock);
	cfs_diskcache_free_grave(grave);
	*out = dc;
	dc = NULL;
out:
	cfs_diskcache_close(dc);
	return ret;
}

void cfs_diskcache_set_max_entries(struct cfs_diskcache *dc, size_t n)
{
	struct cfs_diskcache_entry *grave = NULL;

	pthread_mutex_lock(&dc->lock);
	dc->max_entries = n;
	cfs_diskcache_evict(dc, &grave);
	pthread_mutex_unlock(&dc->lock);
	cfs_diskcache_free_grave(grave);
}

void cfs_diskcache_close(struct cfs_diskcache *dc)
{
	if (!dc)
		return;
	for (size_t i = 0; dc->buckets && i < dc->nbuckets; i++) {
		struct cfs_diskcache_entry *e = dc->buckets[i], *next;
		for (; e; e = next) {
			next = e->hnext;
			cfs_diskcache_save_map(e); /* a no-op unless a put's save failed */
			cfs_diskcache_free_entry(e);
		}
	}
	free(dc->buckets);
	if (dc->lockfd >= 0)
		close(dc->lockfd);
	if (dc->dirfd >= 0)
		close(dc->dirfd);
	pthread_mutex_destroy(&dc->lock);
	for (int i = 0; i < STRIPES; i++) {
		pthread_mutex_destroy(&dc->save_locks[i]);
		pthread_mutex_destroy(&dc->locks[i]);
	}
	free(dc);
}
