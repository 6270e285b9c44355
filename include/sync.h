/* sync: lists spaces into the tree — on first use, and again after ttl while the mount is in use.
 */
#ifndef CFS_SYNC_H
#define CFS_SYNC_H

#include <stdatomic.h>
#include <uv.h>

#include "confluence.h"
#include "tree.h"

/* Everything a listing of one space brings: pages and blog posts (type
 * "blogpost") in one list, attachments, and labels (have_labels: the labels
 * listing succeeded). */
struct cfs_sync_listing {
	struct cfs_page_list pages;
	struct cfs_attachment_list atts;
	struct cfs_page_list labels;
	int have_labels;
	char **gone; /* containers that answered 404/403 (see cfs_tree_add_gone) */
	size_t ngone;
};

/* e is NULL on success (then l is the callee's to take; what is left is
 * cleared after the callback), else the first failure and what failed
 * ("listing the pages of the space").  A failed labels or blog post
 * listing is only logged (the listing then has none). */
typedef void (*cfs_sync_listing_cb)(void *arg, const struct cfs_cf_error *e, const char *what,
                                    struct cfs_sync_listing *l);

/* List a space: its pages, blog posts, attachments and labels, side by
 * side, and the containers (folders, ...) its pages hang under, appended to
 * l->pages with their type.  known (may be NULL) is a tree whose space
 * (an index) was loaded before: containers it has are not fetched again.
 * tag says what caused it (logged with every request).  Loop thread; cb is
 * called once, on the loop thread.  Returns 0 or -ENOMEM (then cb is not
 * called). */
int cfs_sync_list_space(struct cfs_cf *cf, const char *space_id, const char *space_key,
                        struct cfs_tree *known, size_t space, enum cfs_http_prio prio,
                        const char *tag, cfs_sync_listing_cb cb, void *arg);
/* The same; paged (may be NULL) is called once with arg when the page listing needs a
 * second request (the listing will take a while: docs/refresh.md). */
int cfs_sync_list_space_paged(struct cfs_cf *cf, const char *space_id, const char *space_key,
                              struct cfs_tree *known, size_t space, enum cfs_http_prio prio,
                              const char *tag, void (*paged)(void *arg), cfs_sync_listing_cb cb,
                              void *arg);
void cfs_sync_listing_clear(struct cfs_sync_listing *l);
/* Load a listing into space of the tree (cfs_tree_load, then the labels and
 * the containers found gone).
 * Any thread.  0 or -errno. */
int cfs_sync_apply(struct cfs_tree *t, size_t space, const struct cfs_sync_listing *l,
                   struct cfs_tree_changes *changes);

struct cfs_sync;

/* Tell the kernel what changed.  Called on the uv thread pool (never on the
 * loop: a kernel notification may wait on a FUSE request that waits on the
 * loop).  The callee must not keep ch. */
typedef void (*cfs_sync_inval_fn)(void *arg, const struct cfs_tree_changes *ch);

struct cfs_sync_config {
	struct cfs_cf *cf;     /* borrowed */
	struct cfs_tree *tree; /* borrowed; its spaces are the ones listed */
	uint64_t ttl_ms;       /* refresh at most this often; 0 means every second */
	uint64_t full_ttl_ms;  /* a refresh is a full listing when the last one is this old
	                          (else the change feed, include/feed.h); 0: always full */
	int64_t margin_ms;     /* the change feed's margin; 0: CFS_FEED_MARGIN_MS */
	atomic_int *activity;  /* set non-zero by FUSE on use; cleared here */
	atomic_int *paused;    /* may be NULL; while non-zero the timer lists nothing */
	cfs_sync_inval_fn inval;
	void *inval_arg;
};

/* Start the timer.  Loop thread.  Returns 0 or -errno. */
int cfs_sync_start(uv_loop_t *loop, const struct cfs_sync_config *cfg, struct cfs_sync **out);

/* List the loaded spaces again, fully, now (in the background), e.g. after a page
 * turned out to be gone. */
void cfs_sync_now(struct cfs_sync *s);

/* Refresh the loaded spaces now as the timer would: by their change feed, or
 * fully when their last full listing is full_ttl old.  For a mount started
 * from a saved state (reconcile) and one coming back online. */
void cfs_sync_feed_now(struct cfs_sync *s);

/* cb(arg, 0) once space (an index into the tree's spaces) is in the tree —
 * at once when it is — else cb(arg, -errno) when its listing failed.  The
 * listing runs at USER priority.  Loop thread; cb runs on the loop thread. */
typedef void (*cfs_sync_space_cb)(void *arg, int err);
void cfs_sync_space(struct cfs_sync *s, size_t space, cfs_sync_space_cb cb, void *arg);

/* cb(arg, 0) once the entries of the directory ino are in the tree (at once when they
 * are), else cb(arg, -errno).  For a lookup or readdir that got -EAGAIN from the tree.
 * After cfs_sync_begin, a space not listed yet is listed in the background and, while
 * that listing is long (or failed, or waits behind another space's), just that
 * directory is listed at USER priority ahead of it (lazy.c, docs/refresh.md); without
 * it, as cfs_sync_space().  Loop thread; cb runs on the loop thread. */
void cfs_sync_dir(struct cfs_sync *s, uint64_t ino, cfs_sync_space_cb cb, void *arg);

/* List space again now, at USER priority, and cb(arg, 0 or -errno) once
 * that listing (one started after this call) is in the tree — for the
 * write path, after it created, moved or trashed something.  The kernel is
 * told what changed only after cb ran (cb may answer a FUSE request that
 * holds a directory the invalidation needs).  Loop thread. */
void cfs_sync_relist(struct cfs_sync *s, size_t space, cfs_sync_space_cb cb, void *arg);

/* What a write confirmed (a page created, moved or trashed, a folder, an
 * attachment uploaded or trashed), put into the tree without listing the
 * space: see cfs_tree_apply_change (include/feed.h) for what the fields say. */
struct cfs_sync_change {
	struct cfs_page_list pages;
	struct cfs_attachment_list atts;
	char **gone; /* ids trashed */
	size_t ngone;
};
/* Move *p (zeroed then) into c; 0 or -ENOMEM (*p untouched). */
int cfs_sync_change_take_page(struct cfs_sync_change *c, struct cfs_page *p);
int cfs_sync_change_take_att(struct cfs_sync_change *c, struct cfs_attachment *a);
/* id (copied) was trashed; 0 or -ENOMEM. */
int cfs_sync_change_gone(struct cfs_sync_change *c, const char *id);
/* Move everything of from (cleared then) to the end of to; 0 or -ENOMEM (from kept). */
int cfs_sync_change_move(struct cfs_sync_change *to, struct cfs_sync_change *from);
void cfs_sync_change_clear(struct cfs_sync_change *c);

/* Put c (taken: cleared here) into space of the tree after any listing or
 * load in flight (changes waiting are applied together), and cb(arg, 0 or
 * -errno) once it is in.  No request is sent: the cost of a write is its
 * own request(s).  The kernel is told what changed after cb (as for
 * cfs_sync_relist).  A space not loaded yet: cb(arg, 0) at once (its
 * listing will have the change).  Loop thread. */
void cfs_sync_change(struct cfs_sync *s, size_t space, struct cfs_sync_change *c,
                     cfs_sync_space_cb cb, void *arg);

/* The mount appeared before its spaces were listed (docs/refresh.md): a single space not
 * listed yet is listed at once, in the background; each of several from its first use
 * (cfs_sync_dir).  Not for -o rw, which lists a space whole before showing it.  Loop
 * thread. */
void cfs_sync_begin(struct cfs_sync *s);

/* Stop the timer; memory is freed once a listing or load in flight ends
 * (cancelled by destroying the HTTP client).  Loop thread. */
void cfs_sync_stop(struct cfs_sync *s);

#endif
