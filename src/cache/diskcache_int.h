/* diskcache_int.h: the disk cache's structures, shared by diskcache*.c only. */
#ifndef CFS_DISKCACHE_INT_H
#define CFS_DISKCACHE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "diskcache.h"

#define DATA_SUFFIX  ".data"
#define MAP_SUFFIX   ".map"
#define TMP_SUFFIX   ".tmp"
#define LOCK_NAME    "lock"
#define NAME_LEN     (CFS_DISKCACHE_KEY_MAX + 48)
#define MAP_MAGIC    "CFSDMAP1"
#define MAP_HDR      24 /* magic, size, count, reserved */
#define MAP_MAX      (MAP_HDR + 16 * (size_t)CFS_DISKCACHE_MAX_RANGES + 8)
#define MIN_BUCKETS  64
#define MAX_BUCKETS  (1u << 18)
#define STRIPES      64
#define GONE_BITS    65536 /* keys unlinked since the directory's last fsync, hashed */
#define PATH_LEN_MAX 4096

struct range {
	uint64_t start, end; /* [start, end) */
};

struct cfs_diskcache_entry {
	struct cfs_diskcache *dc;
	uint64_t size;
	uint64_t serial; /* names this entry's sidecar temp file */

	/* protected by dc->lock */
	struct cfs_diskcache_entry *hnext; /* hash chain; the free list once out */
	struct cfs_diskcache_entry *lru_prev, *lru_next;
	uint64_t data_bytes, map_bytes; /* charged to dc->bytes */
	unsigned refs;
	/* Opened and closed under dc->lock on the 0 <-> 1 transitions of refs;
	 * holders (refs > 0) use it without a lock. */
	int fd;
	bool indexed;

	uint8_t stripe; /* its save and range mutexes: dc->save_locks[stripe], dc->locks[stripe] */
	/* protected by the range mutex (cfs_diskcache_lock) */
	bool dirty; /* ranges added since the last save */
	bool dropped;
	bool nosync;      /* cfs_diskcache_set_nosync(): saves skip fdatasync and fsync */
	uint32_t nr, ar;  /* ranges used, allocated */
	struct range *r;  /* sorted, disjoint, never adjacent; &one or allocated */
	struct range one; /* most entries are complete: one range, no allocation */
	uint64_t present;

	char key[]; /* NUL-terminated, at most CFS_DISKCACHE_KEY_MAX bytes: sized to it, as a
	               100,000-page mount holds one entry per page (docs/memory.md) */
};

struct cfs_diskcache {
	int dirfd;
	int lockfd;
	uint64_t cap;
	atomic_uint_fast64_t hits, misses;

	pthread_mutex_t lock;
	/* An entry's mutexes, shared by the entries of a stripe: two mutexes in
	 * each of 100,000 entries were 80 of their ~270 bytes.  No thread holds
	 * two entries' range (or save) mutexes at once, so sharing never
	 * deadlocks. */
	pthread_mutex_t save_locks[STRIPES], locks[STRIPES];
	/* protected by lock */
	struct cfs_diskcache_entry **buckets;
	size_t nbuckets;
	struct cfs_diskcache_entry *lru_head, *lru_tail; /* head: most recently put */
	size_t nlru, max_entries; /* unpinned entries in the LRU, and their bound */
	uint64_t entries, pinned, evictions, bytes, next_serial;
	/* The keys whose files were unlinked since the last fsync of dirfd (a bit
	 * per hash: a false hit costs one fsync too many, never a missing one).
	 * Creating a key among them fsyncs the directory first. */
	uint8_t gone[GONE_BITS / 8];
	uint64_t dir_syncs;
};

/* An entry's range mutex and its save mutex (the order: diskcache.h). */
static inline pthread_mutex_t *cfs_diskcache_lock(const struct cfs_diskcache_entry *e)
{
	return &e->dc->locks[e->stripe];
}

static inline pthread_mutex_t *cfs_diskcache_save_lock(const struct cfs_diskcache_entry *e)
{
	return &e->dc->save_locks[e->stripe];
}

/* --- keys, names, small I/O helpers --- */

/* diskcache.c: is key one (1..KEY_MAX bytes of [A-Za-z0-9._-], not . or ..);
 * key's entry in the index (dc->lock held) or NULL. */
bool cfs_diskcache_valid_key(const char *key);
struct cfs_diskcache_entry *cfs_diskcache_hash_find(struct cfs_diskcache *dc, const char *key);

/* diskcache.c, for diskcache_open.c: the index, the LRU list and eviction,
 * all under dc->lock; entries evicted go to *grave, freed after unlocking. */
void cfs_diskcache_hash_insert(struct cfs_diskcache *dc, struct cfs_diskcache_entry *e);
void cfs_diskcache_lru_add(struct cfs_diskcache *dc, struct cfs_diskcache_entry *e, bool at_tail);
void cfs_diskcache_mark_gone(struct cfs_diskcache *dc, const char *key);
void cfs_diskcache_evict(struct cfs_diskcache *dc, struct cfs_diskcache_entry **grave);
void cfs_diskcache_free_entry(struct cfs_diskcache_entry *e);
void cfs_diskcache_free_grave(struct cfs_diskcache_entry *grave);
struct cfs_diskcache_entry *cfs_diskcache_new_entry(struct cfs_diskcache *dc, const char *key,
                                                    uint64_t size);

/* diskcache_map.c: present ranges (sorted, merged) and their sidecar file.
 * The entry's range lock is held by the caller where a function touches e->r. */
void cfs_diskcache_name_of(char *buf, const char *key, const char *suffix);
uint64_t cfs_diskcache_fnv1a(const unsigned char *p, size_t n);
int cfs_diskcache_pwrite_all(int fd, const unsigned char *p, size_t len, uint64_t off);
int cfs_diskcache_pread_all(int fd, unsigned char *p, size_t len, uint64_t off);
size_t cfs_diskcache_first_start_gt(const struct range *r, size_t n, uint64_t x);
int cfs_diskcache_add_range(struct cfs_diskcache_entry *e, uint64_t s, uint64_t t);
bool cfs_diskcache_covered(const struct cfs_diskcache_entry *e, uint64_t s, uint64_t t);
int cfs_diskcache_load_map(int dirfd, const char *key, uint64_t size,
                           struct cfs_diskcache_entry *e);
int cfs_diskcache_save_map(struct cfs_diskcache_entry *e);

#endif
