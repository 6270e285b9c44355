/* diskcache_map: the bytes present in a cache entry, as a set of ranges, and
 * the sidecar file that keeps them across remounts. */
#include "diskcache_int.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void cfs_diskcache_name_of(char *buf, const char *key, const char *suffix)
{
	snprintf(buf, NAME_LEN, "%s%s", key, suffix);
}

uint64_t cfs_diskcache_fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int cfs_diskcache_pwrite_all(int fd, const unsigned char *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, p, len, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		off += (uint64_t)w;
		len -= (size_t)w;
	}
	return 0;
}

int cfs_diskcache_pread_all(int fd, unsigned char *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t r = pread(fd, p, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the file is never shorter than its size */
		p += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	return 0;
}

/* --- the range set (entry lock held) --- */

/* The first i with r[i].end >= x. */
static size_t first_end_ge(const struct range *r, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].end >= x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The first i with r[i].start > x. */
size_t cfs_diskcache_first_start_gt(const struct range *r, size_t n, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].start > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void remove_range(struct cfs_diskcache_entry *e, size_t k)
{
	e->present -= e->r[k].end - e->r[k].start;
	memmove(&e->r[k], &e->r[k + 1], (e->nr - k - 1) * sizeof(*e->r));
	e->nr--;
}

/* Record [s, t) (s < t).  O(log n) when it touches an existing range, which a
 * streaming download always does; a new disjoint range costs a memmove of at
 * most CFS_DISKCACHE_MAX_RANGES entries.  Returns 0 or -ENOMEM. */
int cfs_diskcache_add_range(struct cfs_diskcache_entry *e, uint64_t s, uint64_t t)
{
	size_t i = first_end_ge(e->r, e->nr, s);
	size_t j = cfs_diskcache_first_start_gt(e->r, e->nr, t);
	int ret = 0;

	if (i < j) {
		uint64_t ns = e->r[i].start < s ? e->r[i].start : s;
		uint64_t nt = e->r[j - 1].end > t ? e->r[j - 1].end : t;
		for (size_t k = i; k < j; k++)
			e->present -= e->r[k].end - e->r[k].start;
		e->r[i] = (struct range){ns, nt};
		memmove(&e->r[i + 1], &e->r[j], (e->nr - j) * sizeof(*e->r));
		e->nr -= j - i - 1;
		e->present += nt - ns;
		goto out;
	}
	if (e->nr == CFS_DISKCACHE_MAX_RANGES) {
		/* Forget the smallest range: its bytes are fetched again later,
		 * and the new range (the head of a stream) keeps growing. */
		size_t k = 0;
		for (size_t m = 1; m < e->nr; m++) {
			if (e->r[m].end - e->r[m].start < e->r[k].end - e->r[k].start)
				k = m;
		}
		remove_range(e, k);
		if (k < i)
			i--;
	}
	if (e->nr == e->ar) {
		size_t na = e->ar * 2;
		struct range *nr;
		if (na > CFS_DISKCACHE_MAX_RANGES)
			na = CFS_DISKCACHE_MAX_RANGES;
		nr = realloc(e->r == &e->one ? NULL : e->r, na * sizeof(*nr));
		if (!nr) {
			ret = -ENOMEM;
			goto out;
		}
		if (e->r == &e->one)
			nr[0] = e->one;
		e->r = nr;
		e->ar = (uint32_t)na;
	}
	memmove(&e->r[i + 1], &e->r[i], (e->nr - i) * sizeof(*e->r));
	e->r[i] = (struct range){s, t};
	e->nr++;
	e->present += t - s;
out:
	return ret;
}

bool cfs_diskcache_covered(const struct cfs_diskcache_entry *e, uint64_t s, uint64_t t)
{
	size_t k = cfs_diskcache_first_start_gt(e->r, e->nr, s);

	return k > 0 && e->r[k - 1].end >= t;
}

/* --- sidecar --- */

/* Parse a sidecar for a data file of the given size.  Returns 0 and the
 * ranges (caller frees *out), or -EINVAL for anything not exactly valid. */
static int parse_map(const unsigned char *buf, size_t len, uint64_t size, struct range **out,
                     size_t *nout, uint64_t *present)
{
	struct range *r = NULL;
	uint64_t n, prev_end = 0, sum = 0;
	int ret = -EINVAL;

	if (len < MAP_HDR + 8 || len > MAP_MAX || (len - MAP_HDR - 8) % 16 != 0)
		goto out;
	if (memcmp(buf, MAP_MAGIC, 8) != 0 || get64(buf + 8) != size)
		goto out;
	n = get64(buf + 16);
	if (n != (len - MAP_HDR - 8) / 16 ||
	    get64(buf + len - 8) != cfs_diskcache_fnv1a(buf, len - 8))
		goto out;
	r = malloc(n ? n * sizeof(*r) : 1);
	if (!r) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		r[i].start = get64(buf + MAP_HDR + 16 * i);
		r[i].end = get64(buf + MAP_HDR + 16 * i + 8);
		if (r[i].start >= r[i].end || r[i].end > size || (i > 0 && r[i].start <= prev_end))
			goto out;
		prev_end = r[i].end;
		sum += r[i].end - r[i].start;
	}
	*out = r;
	*nout = (size_t)n;
	*present = sum;
	r = NULL;
	ret = 0;
out:
	free(r);
	return ret;
}

int cfs_diskcache_load_map(int dirfd, const char *key, uint64_t size, struct cfs_diskcache_entry *e)
{
	char name[NAME_LEN];
	unsigned char *buf = NULL;
	struct range *r = NULL;
	size_t n = 0;
	struct stat st;
	int fd, ret;

	cfs_diskcache_name_of(name, key, MAP_SUFFIX);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	ret = -EINVAL;
	if (!S_ISREG(st.st_mode) || st.st_size < MAP_HDR + 8 || (uint64_t)st.st_size > MAP_MAX)
		goto out;
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = cfs_diskcache_pread_all(fd, buf, (size_t)st.st_size, 0);
	if (ret < 0)
		goto out;
	ret = parse_map(buf, (size_t)st.st_size, size, &r, &n, &e->present);
	if (ret == 0) {
		if (e->r != &e->one)
			free(e->r);
		if (n <= 1) { /* kept in the entry */
			e->one = n ? r[0] : (struct range){0, 0};
			e->r = &e->one;
			free(r);
		} else {
			e->r = r;
		}
		e->nr = e->ar = (uint32_t)n;
		if (e->ar == 0)
			e->ar = 1;
		e->map_bytes = (uint64_t)st.st_blocks * 512;
	}
out:
	free(buf);
	close(fd);
	return ret;
}

/* Persist the entry's ranges if they changed since the last save: fdatasync
 * the data, write a temp sidecar, fsync it, rename it into place — the
 * rename only while the entry still owns its name.  Caller holds a pin (or
 * is cfs_diskcache_close).  On failure the old sidecar stays (a subset of
 * the truth) and the entry stays dirty. */
int cfs_diskcache_save_map(struct cfs_diskcache_entry *e)
{
	struct cfs_diskcache *dc = e->dc;
	char tmp[NAME_LEN], map[NAME_LEN];
	unsigned char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd = -1, ret = 0;
	bool nosync;

	pthread_mutex_lock(cfs_diskcache_save_lock(e));
	pthread_mutex_lock(cfs_diskcache_lock(e));
	if (!e->dirty || e->dropped || e->fd < 0) {
		pthread_mutex_unlock(cfs_diskcache_lock(e));
		goto out;
	}
	len = MAP_HDR + 16 * e->nr + 8;
	buf = malloc(len);
	if (!buf) {
		pthread_mutex_unlock(cfs_diskcache_lock(e));
		ret = -ENOMEM;
		goto out;
	}
	memcpy(buf, MAP_MAGIC, 8);
	put64(buf + 8, e->size);
	put64(buf + 16, e->nr);
	for (size_t i = 0; i < e->nr; i++) {
		put64(buf + MAP_HDR + 16 * i, e->r[i].start);
		put64(buf + MAP_HDR + 16 * i + 8, e->r[i].end);
	}
	e->dirty = false;
	nosync = e->nosync;
	pthread_mutex_unlock(cfs_diskcache_lock(e));
	put64(buf + len - 8, cfs_diskcache_fnv1a(buf, len - 8));

	/* Every range in buf was pwritten before it was recorded. */
	if (!nosync && fdatasync(e->fd) < 0) {
		ret = -errno;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.%llu%s", e->key, (unsigned long long)e->serial, TMP_SUFFIX);
	cfs_diskcache_name_of(map, e->key, MAP_SUFFIX);
	fd = openat(dc->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = cfs_diskcache_pwrite_all(fd, buf, len, 0);
	if (ret == 0 && !nosync && fsync(fd) < 0)
		ret = -errno;
	if (ret == 0 && fstat(fd, &st) < 0)
		ret = -errno;
	pthread_mutex_lock(&dc->lock);
	if (ret == 0 && e->indexed) {
		if (renameat(dc->dirfd, tmp, dc->dirfd, map) < 0) {
			ret = -errno;
		} else {
			uint64_t b = (uint64_t)st.st_blocks * 512;
			dc->bytes = dc->bytes - e->map_bytes + b;
			e->map_bytes = b;
		}
	}
	if (ret < 0 || !e->indexed)
		unlinkat(dc->dirfd, tmp, 0);
	pthread_mutex_unlock(&dc->lock);
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		pthread_mutex_lock(cfs_diskcache_lock(e));
		e->dirty = true;
		pthread_mutex_unlock(cfs_diskcache_lock(e));
	}
	pthread_mutex_unlock(cfs_diskcache_save_lock(e));
	free(buf);
	return ret;
}

/* --- index, LRU, eviction (dc->lock held) --- */

void cfs_diskcache_set_nosync(struct cfs_diskcache_entry *e)
{
	pthread_mutex_lock(cfs_diskcache_lock(e));
	e->nosync = true;
	pthread_mutex_unlock(cfs_diskcache_lock(e));
}
