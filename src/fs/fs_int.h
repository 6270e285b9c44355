/* fs_int.h: what the FUSE layer's files (fs.c, fs_att.c) share.  Not for other modules. */
#ifndef CFS_FS_INT_H
#define CFS_FS_INT_H

#include "fs.h"

#define CACHED_XATTR "user.confluence.cached"

enum op { OP_GETATTR, OP_OPEN, OP_READ_ATT, OP_LOOKUP, OP_OPENDIR };

/* A FUSE request waiting for a page to be rendered, an attachment's bytes,
 * or (OP_LOOKUP, OP_OPENDIR in ino) the first listing of a space.
 *
 * Interrupts (Ctrl-C on a reader) race with the loop's reply; whoever flips
 * `replied` first answers.  libfuse calls the interrupt function with the
 * request's lock held, and fuse_req_interrupt_func(req, NULL, NULL) takes
 * that lock, so once the loop has unregistered the function, no interrupt
 * can touch this struct any more.  The fetch itself goes on: other readers
 * may want the page, and a page is only ever stored whole. */
struct pending {
	struct cfs_fs *fs;
	fuse_req_t req;
	atomic_int replied;
	enum op op;
	struct cfs_node *node;
	uint64_t ino;
	struct fuse_file_info fi;
	uint64_t off, size;                /* OP_READ_ATT */
	char *name;                        /* OP_LOOKUP */
	struct cfs_diskcache_entry *entry; /* OP_READ_ATT: the handle's pin */
};

/* The filesystem of a request (and a note that the mount is in use). */
struct cfs_fs *cfs_fs_of(fuse_req_t req);
/* Claim the right to reply to p's request; 0 when an interrupt already did. */
int cfs_fs_claim(struct pending *p);
/* A pending request, or NULL after replying ENOMEM. */
struct pending *cfs_fs_pending_new(fuse_req_t req, enum op op, struct cfs_node *node, uint64_t ino);
/* Hand p to the loop; the reply comes from there (or from an interrupt). */
void cfs_fs_submit(struct pending *p);

/* Attachments (fs_att.c). */
void cfs_fs_att_open(fuse_req_t req, struct fuse_file_info *fi, struct cfs_node *node);
void cfs_fs_att_read(fuse_req_t req, struct fuse_file_info *fi, size_t size, off_t off);
void cfs_fs_att_release(struct cfs_fs *fs, struct fuse_file_info *fi);
/* Thread pool: a deferred attachment read's bytes are on disk (or not). */
void cfs_fs_att_ready(void *arg, int err);
/* user.confluence.cached of attachment ino, malloc'd into *v. */
int cfs_fs_att_cached(struct cfs_fs *fs, fuse_ino_t ino, char **v, size_t *len);

#endif
