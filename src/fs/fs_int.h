/* fs_int.h: what the FUSE layer's files (fs.c, fs_att.c) share.  Not for other modules. */
#ifndef CFS_FS_INT_H
#define CFS_FS_INT_H

#include "fs.h"

#include <sys/stat.h>

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

/* fs.c: attributes of a tree node as stat. */
void cfs_fs_fill_stat(struct cfs_fs *fs, const struct cfs_tree_attr *a, struct stat *st);

/* Local files (rw) have inode numbers no page, attachment or made-up
 * directory has: top bit set (as made-up directories) with the attachment
 * kind (which those never have). */
#define CFS_LOCAL_INO(n)    ((1ULL << 63) | ((uint64_t)(n) << 2) | CFS_ATT_FILE)
#define CFS_IS_LOCAL_INO(i) (((i) >> 63) && ((i)&3) == CFS_ATT_FILE)

/* Write-back (-o rw): fs_write.c, fs_save.c, fs_names.c, fs_local.c,
 * fs_publish.c; docs/write-back-fs.md.  The hooks return 1 when they
 * answered the request, 0 to let the read path answer (always 0 on a ro
 * mount, where fs->w is NULL). */
/* A local inode that replaced a page (rename over it) -> the page's inode. */
uint64_t cfs_fsw_ino(struct cfs_fs *fs, uint64_t ino);
/* Is fi a handle of the write path (a page open for writing, a local file)? */
int cfs_fsw_handle(const struct fuse_file_info *fi);
void cfs_fsw_release_handle(struct cfs_fs *fs, struct fuse_file_info *fi);
int cfs_fsw_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
int cfs_fsw_getattr(fuse_req_t req, fuse_ino_t ino);
int cfs_fsw_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
int cfs_fsw_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi);
int cfs_fsw_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size);
int cfs_fsw_listxattr(struct cfs_fs *fs, fuse_ino_t ino, char **v, size_t *len);
int cfs_fsw_dirents(struct cfs_fs *fs, fuse_ino_t ino, struct cfs_tree_dirent **d, size_t *n);
void cfs_fsw_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                    struct fuse_file_info *fi);
void cfs_fsw_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi);
void cfs_fsw_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void cfs_fsw_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void cfs_fsw_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                     struct fuse_file_info *fi);
void cfs_fsw_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                    const char *newname, unsigned int flags);
void cfs_fsw_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void cfs_fsw_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name);
void cfs_fsw_readlink(fuse_req_t req, fuse_ino_t ino);

#endif
