/* diskcache: bounded, thread-safe on-disk store of partially downloaded attachments. */
#ifndef CFS_DISKCACHE_H
#define CFS_DISKCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every function here may be called from any thread, but each one may block
 * on disk I/O (pread/pwrite, fstat, and for some fdatasync): never call them
 * from the libuv loop thread.  Functions return 0 or -errno.
 *
 * Locks, in the order they nest: an entry's save mutex (held while its
 * sidecar is written), the index mutex of struct cfs_diskcache, an entry's
 * range mutex.  No lock is held across pread, pwrite or fdatasync. */

struct cfs_diskcache;
struct cfs_diskcache_entry;

/* A key is 1..CFS_DISKCACHE_KEY_MAX bytes of [A-Za-z0-9._-], not "." or "..". */
#define CFS_DISKCACHE_KEY_MAX 128
/* At most this many disjoint present ranges per entry; see cfs_diskcache_write(). */
#define CFS_DISKCACHE_MAX_RANGES 16384
/* At most this many unpinned entries are kept by default; pinned ones may
 * exceed it.  cfs_diskcache_set_max_entries() sets another bound. */
#define CFS_DISKCACHE_MAX_ENTRIES 262144

struct cfs_diskcache_stats {
	uint64_t bytes;     /* allocated (st_blocks * 512) by data files and sidecars,
	                     * dropped-but-pinned entries included */
	uint64_t cap_bytes; /* the cap given to cfs_diskcache_open() */
	uint64_t entries;   /* entries in the index */
	uint64_t pinned;    /* entries pinned now, dropped ones included */
	uint64_t evictions; /* entries evicted since open */
	uint64_t dir_syncs; /* fsyncs of the directory since open */
	uint64_t hits;      /* cfs_diskcache_read() calls that returned data */
	uint64_t misses;    /* cfs_diskcache_read() calls that returned -EAGAIN */
};

/* Open the cache in dir, creating dir and missing parents with mode 0700.
 * An existing dir must be a directory owned by the effective uid and not
 * group/world-writable (else -EPERM); group/world read/search bits are
 * removed (chmod 0700).  Takes an exclusive lock on dir/lock (-EBUSY when
 * another process or another open cache holds it), then scans dir: entries
 * with a valid sidecar come back with their ranges; stray, orphaned and
 * corrupt files are deleted.  Then evicts down to cap_bytes (oldest write
 * first).  On success the caller owns *out and frees it with
 * cfs_diskcache_close(); on failure *out is untouched. */
int cfs_diskcache_open(const char *dir, uint64_t cap_bytes, struct cfs_diskcache **out);

/* Keep at most n unpinned entries (CFS_DISKCACHE_MAX_ENTRIES from open on),
 * evicting the least recently put at once.  Any thread. */
void cfs_diskcache_set_max_entries(struct cfs_diskcache *dc, size_t n);

/* Save every dirty sidecar and free the cache.  Every entry must have been
 * put (cfs_diskcache_put) before; no other call may run concurrently.
 * NULL is a no-op. */
void cfs_diskcache_close(struct cfs_diskcache *dc);

/* Open or create the entry key of total size bytes and pin it: it is never
 * evicted while pinned.  An existing entry of another size is dropped (see
 * cfs_diskcache_drop()) and a new, empty one created.  *out stays valid until
 * the matching cfs_diskcache_put().  May run eviction.
 * Creating an entry may fsync the directory (see docs/diskcache.md) and
 * holds the index mutex meanwhile.  Fails with -EINVAL (bad key), -EFBIG
 * (size beyond off_t), -ENOMEM, or the -errno of opening or creating the
 * file, e.g. -EMFILE, -ENOSPC (then nothing is pinned). */
int cfs_diskcache_get(struct cfs_diskcache *dc, const char *key, uint64_t size,
                      struct cfs_diskcache_entry **out);

/* Unpin.  The last put of an entry saves its sidecar if ranges were added
 * since the last save (fdatasync of the data first, so may block), closes its
 * file, and makes it evictable (first in line if it alone exceeds the cap);
 * the last put of a dropped entry frees its disk space.  e is invalid after. */
void cfs_diskcache_put(struct cfs_diskcache_entry *e);

/* The entry's content checks itself (a checksum its reader verifies, and it
 * drops the entry on a mismatch), so its saves skip fdatasync and fsync: a
 * crash may leave a sidecar naming bytes that never reached the disk, and
 * the reader finds out.  For rendered pages (pagestore.c): tens of
 * thousands of syncs made saving a large space take minutes.  Before the
 * first write. */
void cfs_diskcache_set_nosync(struct cfs_diskcache_entry *e);

/* Write len bytes at off and, only once every byte is written, record
 * [off, off+len) as present.  Any thread, concurrently with reads and other
 * writes.  If recording would exceed CFS_DISKCACHE_MAX_RANGES disjoint ranges,
 * the smallest existing range is forgotten (its bytes will be fetched again;
 * never served wrong).  The write that completes the entry saves its sidecar
 * (fdatasync first).  May run eviction.  Returns 0, -EINVAL when the range
 * is outside [0, size), -ESTALE when the entry was dropped (put it, get a new
 * one), or the -errno of pwrite (nothing recorded). */
int cfs_diskcache_write(struct cfs_diskcache_entry *e, uint64_t off, const void *buf, size_t len);

/* Copy [off, min(off+len, size)) into buf when every byte of it is present;
 * *n is the number of bytes copied (0 at or after EOF).  Never returns the
 * zeros of a hole: -EAGAIN (nothing copied) when some byte is missing —
 * wait for the download and retry.  -ESTALE when dropped, or the -errno of
 * pread.  Any thread; reads of different entries never wait on each other. */
int cfs_diskcache_read(struct cfs_diskcache_entry *e, uint64_t off, size_t len, void *buf,
                       size_t *n);

/* The first missing sub-range of [off, min(off+len, size)): *hole_off and
 * *hole_len, with *hole_len == 0 when all of it is present (a download from
 * *hole_off may stop at *hole_off + *hole_len, where present bytes resume).
 * Returns 0 or -ESTALE when dropped.  Any thread. */
int cfs_diskcache_missing(struct cfs_diskcache_entry *e, uint64_t off, uint64_t len,
                          uint64_t *hole_off, uint64_t *hole_len);

/* Bytes present (0 once dropped), e.g. for a progress xattr.  Any thread. */
uint64_t cfs_diskcache_present_bytes(struct cfs_diskcache_entry *e);

/* True when every byte of the entry is present (a size-0 entry always is). */
bool cfs_diskcache_complete(struct cfs_diskcache_entry *e);

/* The entry's total size, as given to cfs_diskcache_get(). */
uint64_t cfs_diskcache_size(struct cfs_diskcache_entry *e);

/* The bytes are suspect: forget every range now and remove the entry from
 * the index and its files from the directory.  Holders of e keep a valid
 * pointer but their reads, writes and missing() return -ESTALE; the disk
 * space is freed at the last put.  A later get of the key starts empty. */
void cfs_diskcache_drop(struct cfs_diskcache_entry *e);

/* A snapshot of the counters.  Any thread. */
void cfs_diskcache_stats(struct cfs_diskcache *dc, struct cfs_diskcache_stats *st);

/* Does the cache hold key, size bytes long and whole?  No I/O (the index
 * only): an entry deleted behind the cache's back still counts until a get. */
bool cfs_diskcache_has(struct cfs_diskcache *dc, const char *key, uint64_t size);

#endif
