/* diskcache: bounded, thread-safe on-disk store of partially downloaded attachments.
 *
 * DESIGN.  One directory, one entry per key: "<key>.data" is a sparse file of
 * the entry's full size, "<key>.map" its sidecar (size, present ranges,
 * checksum).  The last suffix says what a file is, so keys may contain dots;
 * "<key>.<serial>.tmp" is a sidecar being written.  "lock" is flock()ed so
 * only one open cache uses the directory.
 *
 * The index (a hash table) and an LRU list of the unpinned entries are under
 * dc->lock.  Pinned entries are off the list, so eviction pops its tail in
 * O(1) and cannot reach a pinned entry.  File names are created and removed
 * only under dc->lock, so no key is ever being created and removed at once;
 * an entry that leaves the index while pinned (dropped, or replaced by a get
 * with another size) keeps its unlinked inode open until its last put.  Each
 * entry's present ranges are a sorted array under its own mutex; pread and
 * pwrite run with no lock held, on the fd an entry keeps open while pinned.
 *
 * Crash safety.  A range reaches the sidecar only after its pwrite completed,
 * the data file was fdatasync()ed and the new sidecar was written to a temp
 * file, fsync()ed and renamed over the old one: a sidecar never lists bytes
 * that are not on disk, and a torn one fails its checksum and counts as
 * empty.  The other hazard is an old sidecar outliving its data file: before
 * a data file is created, the directory is fsync()ed if any file was unlinked
 * since the last time, so an unlinked sidecar cannot come back next to a new
 * data file.  Sidecars are saved at the last put, when an entry completes and
 * at close — not per write — so fdatasync is paid once per save and a crash
 * loses only the progress since the last save (fetched again, never served
 * wrong).
 *
 * Accounting is by allocated blocks (st_blocks * 512, which on ext4 includes
 * delayed allocations), sampled with fstat after each write and each save.
 */
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

bool cfs_diskcache_valid_key(const char *key)
{
	size_t n = 0;

	if (!key)
		return false;
	for (const char *p = key; *p; p++, n++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok || n >= CFS_DISKCACHE_KEY_MAX)
			return false;
	}
	return n > 0 && strcmp(key, ".") != 0 && strcmp(key, "..") != 0;
}

static size_t bucket_of(const struct cfs_diskcache *dc, const char *key)
{
	return (size_t)cfs_diskcache_fnv1a((const unsigned char *)key, strlen(key)) &
	       (dc->nbuckets - 1);
}

struct cfs_diskcache_entry *cfs_diskcache_hash_find(struct cfs_diskcache *dc, const char *key)
{
	struct cfs_diskcache_entry *e = dc->buckets[bucket_of(dc, key)];

	while (e && strcmp(e->key, key) != 0)
		e = e->hnext;
	return e;
}

/* Double the table when it is full; on failure keep the longer chains. */
static void hash_grow(struct cfs_diskcache *dc)
{
	size_t n = dc->nbuckets * 2;
	struct cfs_diskcache_entry **b;

	if (dc->entries < dc->nbuckets || n > MAX_BUCKETS)
		return;
	b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < dc->nbuckets; i++) {
		struct cfs_diskcache_entry *e = dc->buckets[i], *next;
		for (; e; e = next) {
			size_t k = (size_t)cfs_diskcache_fnv1a((const unsigned char *)e->key,
			                                       strlen(e->key)) &
			           (n - 1);
			next = e->hnext;
			e->hnext = b[k];
			b[k] = e;
		}
	}
	free(dc->buckets);
	dc->buckets = b;
	dc->nbuckets = n;
}

void cfs_diskcache_hash_insert(struct cfs_diskcache *dc, struct cfs_diskcache_entry *e)
{
	size_t k;

	hash_grow(dc);
	k = bucket_of(dc, e->key);
	e->hnext = dc->buckets[k];
	dc->buckets[k] = e;
	e->indexed = true;
	dc->entries++;
}

static void hash_remove(struct cfs_diskcache *dc, struct cfs_diskcache_entry *e)
{
	struct cfs_diskcache_entry **p = &dc->buckets[bucket_of(dc, e->key)];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	e->hnext = NULL;
	e->indexed = false;
	dc->entries--;
}

static void lru_remove(struct cfs_diskcache *dc, struct cfs_diskcache_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		dc->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		dc->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
	dc->nlru--;
}

void cfs_diskcache_lru_add(struct cfs_diskcache *dc, struct cfs_diskcache_entry *e, bool at_tail)
{
	if (at_tail) {
		e->lru_prev = dc->lru_tail;
		e->lru_next = NULL;
		if (dc->lru_tail)
			dc->lru_tail->lru_next = e;
		else
			dc->lru_head = e;
		dc->lru_tail = e;
	} else {
		e->lru_next = dc->lru_head;
		e->lru_prev = NULL;
		if (dc->lru_head)
			dc->lru_head->lru_prev = e;
		else
			dc->lru_tail = e;
		dc->lru_head = e;
	}
	dc->nlru++;
}

/* key's files were unlinked (dc->lock held, or at open). */
void cfs_diskcache_mark_gone(struct cfs_diskcache *dc, const char *key)
{
	uint64_t h = cfs_diskcache_fnv1a((const unsigned char *)key, strlen(key)) % GONE_BITS;

	dc->gone[h / 8] |= (uint8_t)(1u << (h % 8));
}

static bool was_gone(const struct cfs_diskcache *dc, const char *key)
{
	uint64_t h = cfs_diskcache_fnv1a((const unsigned char *)key, strlen(key)) % GONE_BITS;

	return dc->gone[h / 8] & (1u << (h % 8));
}

/* Take e out of the index and unlink its files.  An unpinned e is moved to
 * *grave (freed by cfs_diskcache_free_grave() after the unlock); to keep the freeing of
 * its blocks out of the lock, it is opened before the unlink so the final
 * close happens there.  A pinned e lives on until its last put. */
static void unindex(struct cfs_diskcache *dc, struct cfs_diskcache_entry *e,
                    struct cfs_diskcache_entry **grave)
{
	char name[NAME_LEN];

	hash_remove(dc, e);
	cfs_diskcache_name_of(name, e->key, DATA_SUFFIX);
	if (e->refs == 0) {
		lru_remove(dc, e);
		e->fd = openat(dc->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	unlinkat(dc->dirfd, name, 0);
	cfs_diskcache_name_of(name, e->key, MAP_SUFFIX);
	unlinkat(dc->dirfd, name, 0);
	cfs_diskcache_mark_gone(dc, e->key);
	if (e->refs == 0) {
		dc->bytes -= e->data_bytes + e->map_bytes;
		e->hnext = *grave;
		*grave = e;
	}
}

/* Forget e's ranges now and take it out of the index. */
static void doom(struct cfs_diskcache *dc, struct cfs_diskcache_entry *e,
                 struct cfs_diskcache_entry **grave)
{
	pthread_mutex_lock(cfs_diskcache_lock(e));
	e->dropped = true;
	e->dirty = false;
	e->nr = 0;
	e->present = 0;
	pthread_mutex_unlock(cfs_diskcache_lock(e));
	if (e->indexed)
		unindex(dc, e, grave);
}

void cfs_diskcache_evict(struct cfs_diskcache *dc, struct cfs_diskcache_entry **grave)
{
	while (dc->lru_tail && (dc->bytes > dc->cap || dc->nlru > dc->max_entries)) {
		unindex(dc, dc->lru_tail, grave);
		dc->evictions++;
	}
}

void cfs_diskcache_free_entry(struct cfs_diskcache_entry *e)
{
	if (e->fd >= 0)
		close(e->fd);
	if (e->r != &e->one)
		free(e->r);
	free(e);
}

void cfs_diskcache_free_grave(struct cfs_diskcache_entry *grave)
{
	while (grave) {
		struct cfs_diskcache_entry *next = grave->hnext;
		cfs_diskcache_free_entry(grave);
		grave = next;
	}
}

struct cfs_diskcache_entry *cfs_diskcache_new_entry(struct cfs_diskcache *dc, const char *key,
                                                    uint64_t size)
{
	size_t len = strnlen(key, CFS_DISKCACHE_KEY_MAX);
	struct cfs_diskcache_entry *e = calloc(1, sizeof(*e) + len + 1);

	if (!e)
		return NULL;
	e->dc = dc;
	e->size = size;
	e->fd = -1;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->stripe = (uint8_t)(cfs_diskcache_fnv1a((const unsigned char *)key, len) % STRIPES);
	e->r = &e->one;
	e->ar = 1;
	return e;
}

/* Create "<key>.data" for a new entry (dc->lock held).  Returns the fd or -errno. */
static int create_data(struct cfs_diskcache *dc, const char *key, uint64_t size)
{
	char name[NAME_LEN];
	int fd;

	/* Nothing of the key may be left, and its unlinks must be durable
	 * before the new data file can be (see DESIGN): else a crash could pair
	 * an old sidecar with the new data.  Other keys' unlinks (an eviction
	 * per new entry when the cache is full) need no fsync: one per new
	 * entry made a full cache's puts 4x slower (docs/diskcache.md). */
	cfs_diskcache_name_of(name, key, MAP_SUFFIX);
	if (unlinkat(dc->dirfd, name, 0) == 0)
		cfs_diskcache_mark_gone(dc, key);
	cfs_diskcache_name_of(name, key, DATA_SUFFIX);
	if (unlinkat(dc->dirfd, name, 0) == 0)
		cfs_diskcache_mark_gone(dc, key);
	if (was_gone(dc, key)) {
		if (fsync(dc->dirfd) < 0)
			return -errno;
		memset(dc->gone, 0, sizeof(dc->gone));
		dc->dir_syncs++;
	}
	fd = openat(dc->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		int ret = -errno;
		close(fd);
		unlinkat(dc->dirfd, name, 0);
		return ret;
	}
	return fd;
}

/* --- entries --- */

int cfs_diskcache_get(struct cfs_diskcache *dc, const char *key, uint64_t size,
                      struct cfs_diskcache_entry **out)
{
	struct cfs_diskcache_entry *e, *grave = NULL;
	char name[NAME_LEN];
	int ret = 0;

	if (!cfs_diskcache_valid_key(key))
		return -EINVAL;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	pthread_mutex_lock(&dc->lock);
	e = cfs_diskcache_hash_find(dc, key);
	if (e && e->size != size) {
		doom(dc, e, &grave);
		e = NULL;
	}
	if (e && e->refs == 0) {
		cfs_diskcache_name_of(name, key, DATA_SUFFIX);
		e->fd = openat(dc->dirfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (e->fd >= 0) {
			lru_remove(dc, e);
		} else if (errno == ENOENT) {
			/* Deleted behind our back: start over. */
			doom(dc, e, &grave);
			e = NULL;
		} else {
			ret = -errno; /* e.g. -EMFILE: keep the entry for later */
			goto out;
		}
	}
	if (!e) {
		int fd;
		e = cfs_diskcache_new_entry(dc, key, size);
		if (!e) {
			ret = -ENOMEM;
			goto out;
		}
		fd = create_data(dc, key, size);
		if (fd < 0) {
			ret = fd;
			cfs_diskcache_free_entry(e);
			goto out;
		}
		e->fd = fd;
		e->serial = dc->next_serial++;
		cfs_diskcache_hash_insert(dc, e);
	}
	if (e->refs++ == 0)
		dc->pinned++;
	cfs_diskcache_evict(dc, &grave);
	*out = e;
out:
	pthread_mutex_unlock(&dc->lock);
	cfs_diskcache_free_grave(grave);
	return ret;
}

void cfs_diskcache_put(struct cfs_diskcache_entry *e)
{
	struct cfs_diskcache *dc;
	struct cfs_diskcache_entry *grave = NULL;
	bool tried = false;
	int fd = -1;

	if (!e)
		return;
	dc = e->dc;
	for (;;) {
		bool dirty;
		pthread_mutex_lock(&dc->lock);
		if (e->refs > 1 || !e->indexed || tried)
			break;
		pthread_mutex_lock(cfs_diskcache_lock(e));
		dirty = e->dirty;
		pthread_mutex_unlock(cfs_diskcache_lock(e));
		if (!dirty)
			break;
		/* Last holder: save outside the index lock, still pinned. */
		pthread_mutex_unlock(&dc->lock);
		cfs_diskcache_save_map(e);
		tried = true;
	}
	if (--e->refs == 0) {
		dc->pinned--;
		if (e->indexed) {
			struct stat st;
			fd = e->fd;
			e->fd = -1;
			/* Exact now that no writer is left: the save's fdatasync
			 * may have allocated extent blocks no write saw. */
			if (fstat(fd, &st) == 0) {
				dc->bytes =
				    dc->bytes - e->data_bytes + (uint64_t)st.st_blocks * 512;
				e->data_bytes = (uint64_t)st.st_blocks * 512;
			}
			cfs_diskcache_lru_add(dc, e, e->data_bytes + e->map_bytes > dc->cap);
			cfs_diskcache_evict(dc, &grave);
		} else {
			dc->bytes -= e->data_bytes + e->map_bytes;
			e->hnext = grave;
			grave = e;
		}
	}
	pthread_mutex_unlock(&dc->lock);
	if (fd >= 0)
		close(fd);
	cfs_diskcache_free_grave(grave);
}

int cfs_diskcache_write(struct cfs_diskcache_entry *e, uint64_t off, const void *buf, size_t len)
{
	struct cfs_diskcache *dc = e->dc;
	struct cfs_diskcache_entry *grave = NULL;
	bool completed = false;
	struct stat st;
	int ret = 0;

	if (off > e->size || len > e->size - off)
		return -EINVAL;
	if (len == 0)
		return 0;
	ret = cfs_diskcache_pwrite_all(e->fd, buf, len, off);
	if (ret < 0)
		goto out;
	pthread_mutex_lock(cfs_diskcache_lock(e));
	if (e->dropped) {
		ret = -ESTALE;
	} else {
		bool was = e->present == e->size;
		ret = cfs_diskcache_add_range(e, off, off + len);
		if (ret == 0) {
			e->dirty = true;
			completed = !was && e->present == e->size;
		}
	}
	pthread_mutex_unlock(cfs_diskcache_lock(e));
	if (ret < 0)
		goto out;
	if (fstat(e->fd, &st) == 0) {
		uint64_t b = (uint64_t)st.st_blocks * 512;
		pthread_mutex_lock(&dc->lock);
		/* Blocks only grow; a stale sample from a racing writer must not shrink them. */
		if (e->indexed && b > e->data_bytes) {
			dc->bytes += b - e->data_bytes;
			e->data_bytes = b;
		}
		cfs_diskcache_evict(dc, &grave);
		pthread_mutex_unlock(&dc->lock);
	}
	cfs_diskcache_free_grave(grave);
	if (completed)
		cfs_diskcache_save_map(e); /* best effort: put tries again */
out:
	return ret;
}

int cfs_diskcache_read(struct cfs_diskcache_entry *e, uint64_t off, size_t len, void *buf,
                       size_t *n)
{
	uint64_t end = off;
	int ret = 0;

	*n = 0;
	pthread_mutex_lock(cfs_diskcache_lock(e));
	if (e->dropped) {
		ret = -ESTALE;
	} else if (off < e->size && len > 0) {
		end = len < e->size - off ? off + len : e->size;
		if (!cfs_diskcache_covered(e, off, end))
			ret = -EAGAIN;
	}
	pthread_mutex_unlock(cfs_diskcache_lock(e));
	if (ret == -EAGAIN)
		atomic_fetch_add_explicit(&e->dc->misses, 1, memory_order_relaxed);
	if (ret < 0 || end <= off)
		goto out;
	ret = cfs_diskcache_pread_all(e->fd, buf, (size_t)(end - off), off);
	if (ret < 0)
		goto out;
	*n = (size_t)(end - off);
	atomic_fetch_add_explicit(&e->dc->hits, 1, memory_order_relaxed);
out:
	return ret;
}

int cfs_diskcache_missing(struct cfs_diskcache_entry *e, uint64_t off, uint64_t len,
                          uint64_t *hole_off, uint64_t *hole_len)
{
	uint64_t s = off, t;
	int ret = 0;

	pthread_mutex_lock(cfs_diskcache_lock(e));
	if (e->dropped) {
		ret = -ESTALE;
		goto out;
	}
	if (s > e->size)
		s = e->size;
	t = len < e->size - s ? s + len : e->size;
	*hole_off = t;
	*hole_len = 0;
	if (s < t) {
		size_t k = cfs_diskcache_first_start_gt(e->r, e->nr, s);
		if (k > 0 && e->r[k - 1].end > s)
			s = e->r[k - 1].end;
		if (s < t) {
			*hole_off = s;
			*hole_len = (k < e->nr && e->r[k].start < t ? e->r[k].start : t) - s;
		}
	}
out:
	pthread_mutex_unlock(cfs_diskcache_lock(e));
	return ret;
}

void cfs_diskcache_drop(struct cfs_diskcache_entry *e)
{
	struct cfs_diskcache_entry *grave = NULL;

	pthread_mutex_lock(&e->dc->lock);
	doom(e->dc, e, &grave); /* pinned by the caller: grave stays empty */
	pthread_mutex_unlock(&e->dc->lock);
	cfs_diskcache_free_grave(grave);
}
