/* fs_write.h: the write-back side of the FUSE operations (-o rw), shared by
 * fs_write.c (the operations), fs_local.c (files that are not pages) and
 * fs_publish.c (drafts, publishing on the loop, recovery).  docs/write-back-fs.md. */
#ifndef CFS_FS_WRITE_H
#define CFS_FS_WRITE_H

#include "fs_int.h"

#include <sys/stat.h>

#define KEPT_BUCKETS 1024

/* The storage a page was last rendered from on this mount: the base of its
 * next save.  The version rendered before it is kept too (prev): an editor
 * may have read that one, and a save of it must merge with the newer one,
 * not revert it (cfs_fsw_publish picks the nearer). */
struct kept {
	struct cfs_node *node;
	int64_t version;
	char *storage;
	size_t len;
	struct cfs_blob *md; /* what was served for it */
	int64_t prev_version;
	char *prev_storage;
	size_t prev_len;
	struct cfs_blob *prev_md;
	int written; /* saved from this mount: read opens drop the kernel's cache */
	struct kept *next;
};

struct waiter {
	fuse_req_t req;
	struct waiter *next;
};

/* A page open for writing: one per page, shared by its handles. */
struct wfile {
	struct cfs_node *node;
	uint64_t ino;
	int refs;
	char *buf; /* the working copy */
	size_t len, cap;
	unsigned gen; /* bumped by every change */
	int dirty;
	int touched;            /* written or resized since open(O_TRUNC) emptied it */
	int busy;               /* a publish is in flight */
	struct waiter *waiters; /* flush and fsync waiting for it */
	int64_t base_version;   /* the version the working copy started from */
	char *base;             /* its storage */
	size_t base_len;
	struct wfile *next;
};

/* A file of the mount that is no page, on local disk: local/<dir ino>/<name>.
 * After a rename over a page, its inode stands for the page (alias). */
struct local {
	uint64_t ino, parent;
	char *name;     /* NULL for an alias */
	uint64_t alias; /* the page file's inode, or 0 */
	struct local *next;
};

/* An open file of the write path: fi->fh is its address | 1. */
struct whandle {
	struct wfile *wf; /* a page, or NULL */
	int fd;           /* a local file's descriptor, or -1 */
	uint64_t ino;
	int append;
};

struct cfs_fsw {
	struct cfs_fs *fs;
	pthread_mutex_t lock; /* everything below */
	int dirfd;            /* the write directory, 0700: local/, drafts/ */
	struct local *locals;
	uint64_t next_local;
	struct wfile *wfiles;
	struct kept *kept[KEPT_BUCKETS];
	int front_matter;
	uint64_t kept_bytes, kept_cap; /* storage and Markdown kept; 0: no bound */
	size_t kept_sweep;             /* the bucket the next eviction starts at */
	pthread_cond_t recovered;      /* signalled as each recovered draft is done */
	int recovering, recover_failed;
};

/* One save to publish (fs_publish.c). */
struct pub;
typedef void (*pub_done_fn)(struct pub *p, int err);
struct pub {
	struct cfs_fs *fs;
	struct cfs_node *node;
	uint64_t ino;         /* the page's file */
	int64_t base_version; /* 0: whatever the mount last rendered (or renders now) */
	char *base;           /* base storage; NULL: take it from kept */
	size_t base_len;
	char *md; /* the saved bytes */
	size_t md_len;
	pub_done_fn done; /* loop thread, once */
	void *arg;
	fuse_req_t req;
	/* filled in on the way */
	char *id, *title, *new_title, *space_key, *fname;
	uint64_t dir;
	int blog, recovering, merged, retried, renamed, fetched;
	char **labels_add, **labels_del;
	size_t nlabel;
	char *body; /* the storage sent */
	size_t body_len;
	int64_t new_version;
	struct cfs_time mtime;
	char *conflict;          /* the conflict file made, if any */
	struct cfs_blockmap *bm; /* of base */
	size_t body_off;         /* where the Markdown body starts (after front matter) */
	int no_draft;            /* recovering: the draft is already there */
	int rendered;            /* the page was rendered for its base */
	int err;                 /* set before the loop: fail at once */
	int requests;            /* HTTP requests this save made */
	unsigned gen;            /* the working copy's generation saved */
	char *labels_want;       /* front matter labels, comma-joined, or NULL */
	int trunc;               /* truncate(2) of a page never rendered: md is its first */
	size_t trunc_len;        /* trunc_len bytes, once rendered */
};

/* fs_local.c */
int cfs_fsw_local_init(struct cfs_fsw *w);
struct local *cfs_fsw_local_find(struct cfs_fsw *w, uint64_t parent, const char *name);
struct local *cfs_fsw_local_by_ino(struct cfs_fsw *w, uint64_t ino);
void cfs_fsw_local_path(char *buf, size_t len, uint64_t parent, const char *name);
int cfs_fsw_local_stat(struct cfs_fsw *w, const struct local *l, struct stat *st);
int cfs_fsw_local_add(struct cfs_fsw *w, uint64_t parent, const char *name, struct local **out);
void cfs_fsw_local_drop(struct cfs_fsw *w, struct local *l);
/* Write a whole local file (made or replaced), e.g. a conflict file; lock
 * held.  0 or -errno. */
int cfs_fsw_local_write(struct cfs_fsw *w, uint64_t parent, const char *name, const char *data,
                        size_t len);
int cfs_fsw_local_dirents(struct cfs_fsw *w, uint64_t parent, struct cfs_tree_dirent **d,
                          size_t *n);

/* fs_write.c */
int cfs_fsw_resize(struct wfile *f, size_t len);

/* fs_publish.c */
/* Keep the draft, then publish on the loop; p->done runs there.  Takes p.
 * Any thread but the loop's. */
void cfs_fsw_publish(struct pub *p);
void cfs_fsw_pub_free(struct pub *p);

/* fs_drafts.c: write p's saved bytes (synced) before any request; remove
 * the draft of page id once the save is done. */
int cfs_fsw_draft_write(struct cfs_fsw *w, const struct pub *p);
void cfs_fsw_draft_remove(struct cfs_fsw *w, const char *id);
/* Publish the drafts a killed mount left (at mount; any thread but the loop's). */
void cfs_fsw_recover(struct cfs_fsw *w);
/* -errno of a save -> the errno an editor sees. */
int cfs_fsw_errno(int err);

/* fs_kept.c: the bases of saves (w->lock held for cfs_fsw_kept and
 * cfs_fsw_kept_set; storage is taken). */
struct kept *cfs_fsw_kept(struct cfs_fsw *w, struct cfs_node *n, int create);
void cfs_fsw_kept_set(struct cfs_fsw *w, struct kept *k, int64_t version, char *storage, size_t len,
                      struct cfs_blob *md);
/* Loop thread, after every conversion (cfs_cache_set_keep). */
void cfs_fsw_keep(void *arg, struct cfs_node *n, int64_t version, const char *storage, size_t len,
                  struct cfs_blob *md);
/* Loop thread: fetch page n's storage, render it and keep it as the base of
 * saves (when the mount has its Markdown but forgot its base: the bound). */
void cfs_fsw_fetch_base(struct cfs_fs *fs, struct cfs_node *n, void (*cb)(void *arg, int err),
                        void *arg);
/* FUSE thread, before the draft: of the kept base and the version rendered
 * before it, the one p's saved text is nearer to becomes p's base. */
void cfs_fsw_pick_base(struct pub *p);

#endif
