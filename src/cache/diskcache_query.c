/* diskcache_query: what the cache holds, without I/O — an entry's presence,
 * its bytes, the counters.  Locks as diskcache.h says. */
#include "diskcache_int.h"

#include <pthread.h>
#include <stdatomic.h>

bool cfs_diskcache_has(struct cfs_diskcache *dc, const char *key, uint64_t size)
{
	struct cfs_diskcache_entry *e;
	bool yes = false;

	if (!cfs_diskcache_valid_key(key))
		return false;
	pthread_mutex_lock(&dc->lock);
	e = cfs_diskcache_hash_find(dc, key);
	if (e && e->size == size) {
		pthread_mutex_lock(
		    cfs_diskcache_lock(e)); /* the index's, then the entry's: diskcache.h */
		yes = !e->dropped && e->present == e->size;
		pthread_mutex_unlock(cfs_diskcache_lock(e));
	}
	pthread_mutex_unlock(&dc->lock);
	return yes;
}

uint64_t cfs_diskcache_present_bytes(struct cfs_diskcache_entry *e)
{
	uint64_t p;

	pthread_mutex_lock(cfs_diskcache_lock(e));
	p = e->present;
	pthread_mutex_unlock(cfs_diskcache_lock(e));
	return p;
}

bool cfs_diskcache_complete(struct cfs_diskcache_entry *e)
{
	bool c;

	pthread_mutex_lock(cfs_diskcache_lock(e));
	c = !e->dropped && e->present == e->size;
	pthread_mutex_unlock(cfs_diskcache_lock(e));
	return c;
}

uint64_t cfs_diskcache_size(struct cfs_diskcache_entry *e)
{
	return e->size;
}

void cfs_diskcache_stats(struct cfs_diskcache *dc, struct cfs_diskcache_stats *st)
{
	pthread_mutex_lock(&dc->lock);
	st->bytes = dc->bytes;
	st->cap_bytes = dc->cap;
	st->entries = dc->entries;
	st->pinned = dc->pinned;
	st->evictions = dc->evictions;
	st->dir_syncs = dc->dir_syncs;
	pthread_mutex_unlock(&dc->lock);
	st->hits = atomic_load_explicit(&dc->hits, memory_order_relaxed);
	st->misses = atomic_load_explicit(&dc->misses, memory_order_relaxed);
}
