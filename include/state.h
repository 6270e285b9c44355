/* state: the persisted state of a mount (the listing of its space and which
 * rendered pages are on disk), so a remount serves at once and an
 * unreachable site can be mounted offline.  Format and rules: docs/state.md. */
#ifndef CFS_STATE_H
#define CFS_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "sync.h"
#include "tree.h"

#define CFS_STATE_MAGIC   "CFSSTATE"
#define CFS_STATE_FORMAT  2u /* 1 (one space, before 2026-12-06) is read too */
#define CFS_STATE_HDR     24 /* magic, format, reserved, payload length */
#define CFS_STATE_NAME    "state"
#define CFS_STATE_MAX_LEN (1ull << 32) /* a larger file is not ours */

/* A rendered page kept in the disk cache (key "md<id>-v<version>"). */
struct cfs_state_md {
	char *id;
	int64_t version;
	uint64_t size; /* the disk cache entry's size */
	uint64_t loc;  /* its link signature when written (cfs_tree_link_sig) */
};

/* A mounted space and its listing. */
struct cfs_state_space {
	struct cfs_space space;
	int listed; /* list is its listing; 0: the mount never listed it (several spaces) */
	struct cfs_sync_listing list; /* pages (with containers), attachments, labels, gone */
};

struct cfs_state {
	uint32_t api;     /* enum cfs_cf_api the site spoke */
	int64_t saved_at; /* when the listing was taken (Unix seconds) */
	char *url;        /* the site, as given */
	int multi;        /* a mount of several spaces (KEY1,KEY2 or all): a directory each */
	struct cfs_state_space *spaces; /* one unless multi; in the tree's order */
	size_t nspaces;
	struct cfs_state_md *md; /* of every space: page ids are the site's */
	size_t nmd;
};

void cfs_state_clear(struct cfs_state *s);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of p, continuing from crc (0 to start). */
uint32_t cfs_state_crc32(uint32_t crc, const void *p, size_t n);

/* The file's bytes (malloc'd).  0 or -ENOMEM. */
int cfs_state_encode(const struct cfs_state *s, char **out, size_t *len);
/* The same bytes written to fd through a 64 KiB buffer (a 100,000-page state
 * is tens of MB: never all in memory, docs/memory.md).  0 or -errno. */
int cfs_state_encode_fd(const struct cfs_state *s, int fd);
/* Parse a whole file into *s (zeroed by the caller; clear it after).  0, or
 * -EPROTO (another format number), -EBADMSG (wrong magic, truncated,
 * trailing bytes, checksum), -ENOMEM; why says which, for the warning. */
int cfs_state_decode(const char *buf, size_t len, struct cfs_state *s, char *why, size_t why_len);

/* Write path atomically: a temporary file next to it (unique to this
 * process), fsync, rename.  0 or -errno. */
int cfs_state_save(const char *path, const struct cfs_state *s);
/* The same for bytes already encoded (cfs_state_encode). */
int cfs_state_write(const char *path, const char *buf, size_t len);
/* The same for bytes fill writes to fd (the temporary file; fill returns 0
 * or -errno); the fsync and rename come after fill returned. */
int cfs_state_write_with(const char *path, int (*fill)(void *arg, int fd), void *arg);
/* Remove the temporary files of path that processes no longer alive left
 * (a crash during a save).  Returns how many were removed. */
int cfs_state_sweep(const char *path);
/* Read and decode path.  -ENOENT when there is none; other errors as
 * cfs_state_decode (or the read's -errno). */
int cfs_state_load(const char *path, struct cfs_state *s, char *why, size_t why_len);

/* ---- tree_export.c: the tree as a state ---- */

/* The listing of space as the tree holds it now (what cfs_sync_apply()
 * loads back into the same tree): pages, blog posts and containers with
 * their parents, positions, versions, times and labels; attachments;
 * containers found gone.  Takes the read lock.  0 or -ENOMEM. */
int cfs_tree_export(struct cfs_tree *t, size_t space, struct cfs_sync_listing *out);
/* Every space of the tree, and the listing of each one loaded, lent to fn for
 * the length of the call (multi: the tree has a directory per space): the
 * strings are the tree's own (no copy of the whole space, docs/memory.md),
 * valid only inside fn, which runs under the read lock and must not call
 * into the tree.  Returns fn's result, or -ENOMEM.  Any thread. */
int cfs_tree_with_state(struct cfs_tree *t,
                        int (*fn)(void *arg, int multi, const struct cfs_state_space *v, size_t n),
                        void *arg);

/* A hash of where every page title of every space leads (title -> path on
 * the mount): a rendered page's links are right as long as it is unchanged.
 * Takes the read lock. */
uint64_t cfs_tree_locate_hash(struct cfs_tree *t);

/* Where every title leads now, in every space: a page may link into another
 * space of the mount (a snapshot; any thread). */
struct cfs_tree_where;
int cfs_tree_where_new(struct cfs_tree *t, struct cfs_tree_where **out);
void cfs_tree_where_free(struct cfs_tree_where *w);
/* The same as cfs_tree_locate_hash() when the snapshot was taken. */
uint64_t cfs_tree_where_hash(const struct cfs_tree_where *w);
/* A page's link signature: a hash of where its own title and each title it
 * links to (keys, sorted as the tree keeps them) lead in w, and of the
 * versions of the pages it includes (their include keys among keys).  Rendered
 * Markdown is right for as long as it is unchanged.  Takes the read lock. */
uint64_t cfs_tree_link_sig(struct cfs_tree *t, const struct cfs_tree_where *w, struct cfs_node *n,
                           const uint64_t *keys, size_t nkeys);

/* A rendered page the tree holds at its current version. */
struct cfs_tree_rendered {
	struct cfs_node *node;
	char *id;
	int64_t version;
	struct cfs_blob *md; /* NULL: the list holds no Markdown (cfs_tree_md_peek) */
	uint64_t *links;     /* the title keys it links to (malloc'd copy) */
	size_t nlinks;
};

/* Every page of the listed spaces with Markdown of its current version
 * (stubs of whiteboards and such left out; a space not listed has no state
 * to go with its pages).  The list keeps no page alive: the tree may drop a
 * page's Markdown (mem_cache) before it is written.  Takes the read lock.
 * 0 or -ENOMEM. */
int cfs_tree_rendered(struct cfs_tree *t, struct cfs_tree_rendered **out, size_t *n);
void cfs_tree_rendered_free(struct cfs_tree_rendered *v, size_t n);

/* Page n's Markdown if it is still held for exactly version and these
 * links (r's, so the two go to disk together; a new reference), else NULL.
 * Unlike cfs_tree_md(), not a use: the page's place in the
 * least-recently-used order stays.  Any thread. */
struct cfs_blob *cfs_tree_md_peek(struct cfs_tree *t, const struct cfs_tree_rendered *r);

#endif
