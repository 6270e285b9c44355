/* pagestore: rendered pages in the disk cache, beside attachments (docs/state.md). */
#ifndef CFS_PAGESTORE_H
#define CFS_PAGESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskcache.h"
#include "tree.h"

#define CFS_PAGESTORE_MAGIC "CFSMDPG1"
#define CFS_PAGESTORE_HDR   48

/* The disk cache key of a page's Markdown rendered from version:
 * "md<id>-v<version>".  -EINVAL when it would not be a valid key. */
int cfs_pagestore_key(char *buf, size_t len, const char *id, int64_t version);

/* Store md (and the title keys it links to) as the entry for (id, version).
 * fp names how it was rendered (program version, front matter); sig is its
 * link signature (cfs_tree_link_sig()) when it was rendered.  *size is the entry's size
 * (for cfs_pagestore_read).  Any thread but the loop's.  0 or -errno. */
int cfs_pagestore_write(struct cfs_diskcache *dc, const char *id, int64_t version, uint64_t fp,
                        uint64_t sig, const struct cfs_blob *md, const uint64_t *links,
                        size_t nlinks, uint64_t *size);

/* Read the entry for (id, version) of size bytes, if it is whole, intact and
 * rendered the same way (fp): *md (a new blob), links (malloc'd) and the
 * link signature it was written with (*sig: the caller compares it with the
 * page's now, and calls cfs_pagestore_forget when they differ).  Else the
 * entry is dropped and -ENOENT (absent or incomplete), -EBADMSG (corrupt)
 * or -ESTALE (fp differs) returned.  Any thread but the loop's. */
int cfs_pagestore_read(struct cfs_diskcache *dc, const char *id, int64_t version, uint64_t size,
                       uint64_t fp, struct cfs_blob **md, struct cfs_tree_links *links,
                       uint64_t *sig);
/* Drop the entry for (id, version) of size bytes from the disk cache. */
void cfs_pagestore_forget(struct cfs_diskcache *dc, const char *id, int64_t version, uint64_t size);

/* Does the disk cache still hold the whole entry for (id, version) of size
 * bytes?  No I/O: the cache may have evicted what a state says it wrote. */
bool cfs_pagestore_has(struct cfs_diskcache *dc, const char *id, int64_t version, uint64_t size);

#endif
