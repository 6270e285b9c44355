/* feed: refresh a listed space by what changed since the last refresh (docs/refresh.md).
 *
 * The cursor is the newest modification time the mount has seen in the space, by the
 * server's clock (never the local one).  A feed asks for pages and blog posts newest
 * first and stops paginating at the first one older than the cursor minus a margin
 * (late commits, replicas whose clocks differ); those equal to the cutoff are kept.  The
 * CQL searches (attachments, labels; on Data Center the pages too) ask for
 * lastmodified >= now("-Nm"), N the minutes since the last feed began plus the margin,
 * so neither the local clock nor the user's time zone matters.
 */
#ifndef CFS_FEED_H
#define CFS_FEED_H

#include <stdint.h>

#include "confluence.h"
#include "tree.h"

/* The default margin: how much older than the cursor a change may be stamped. */
#define CFS_FEED_MARGIN_MS (2 * 60 * 1000)

/* ---- the cursor (pure; tests/test_feed.c) ---- */

/* t - ms ({0, 0} stays {0, 0}: no cursor, take everything). */
struct cfs_time cfs_feed_cutoff(struct cfs_time cursor, int64_t margin_ms);
/* -1, 0, 1 as a is before, equal to, after b. */
int cfs_feed_time_cmp(struct cfs_time a, struct cfs_time b);
/* Follow the next link after the batch pages->v[start..n)?  Only when the batch is not
 * empty and its oldest item is not older than cutoff (the listing is newest first). */
int cfs_feed_more(struct cfs_time cutoff, const struct cfs_page_list *pages, size_t start);
/* Drop the items older than cutoff (the listing's tail we did not need), keeping order. */
void cfs_feed_trim(struct cfs_page_list *pages, struct cfs_time cutoff);
/* The cursor after seeing pages: the newest of it and theirs (never goes back). */
struct cfs_time cfs_feed_advance(struct cfs_time cursor, const struct cfs_page_list *pages);
/* The minutes a CQL lastmodified search must reach back: since the last feed began
 * (elapsed_ms on the local monotonic clock) plus the margin, rounded up; at least 1. */
long cfs_feed_minutes(uint64_t elapsed_ms, int64_t margin_ms);

/* ---- one feed of one space ---- */

/* What changed: pages and blog posts (type set), attachments, and the labels of the
 * pages and blog posts that changed (have_labels: that search succeeded). */
struct cfs_feed_result {
	struct cfs_page_list pages;
	struct cfs_attachment_list atts;
	struct cfs_page_list labels;
	int have_labels;
};

/* e NULL on success (then r is the callee's to take; what is left is cleared after). */
typedef void (*cfs_feed_cb)(void *arg, const struct cfs_cf_error *e, const char *what,
                            struct cfs_feed_result *r);

/* Ask what changed in a space since cursor (pages, blog posts) and in the last minutes
 * (attachments, labels): Cloud 4 requests when nothing changed, Data Center 2.  Loop
 * thread; cb once on the loop thread.  0 or -ENOMEM (cb not called). */
int cfs_feed_list(struct cfs_cf *cf, const char *space_id, const char *space_key,
                  struct cfs_time cursor, int64_t margin_ms, long minutes, enum cfs_http_prio prio,
                  const char *tag, cfs_feed_cb cb, void *arg);
void cfs_feed_result_clear(struct cfs_feed_result *r);

/* Apply a feed to space of the tree (feed_apply.c): pages and attachments that are new
 * or differ from the tree's are merged into the space's current listing and loaded
 * through cfs_tree_load (names, renames, kernel invalidations as for a full listing);
 * labels are set.  *changed: whether anything was loaded.  Any thread.  0 or -errno. */
int cfs_feed_apply(struct cfs_tree *t, size_t space, const struct cfs_feed_result *r,
                   struct cfs_tree_changes *changes, int *changed);

/* Apply a change the write path confirmed to space of the tree (feed_apply.c): pages
 * (and folders) as the server answered them, new or changed, then attachments likewise,
 * then the ids in gone (pages, folders, attachments trashed) left out; the result is
 * loaded through cfs_tree_load.  For a page or attachment the tree has, a field the
 * answer lacks (NULL, version 0, time {0, 0}, size -1, position INT64_MAX when not
 * moved) is kept from the tree's; parent_id "" means the space's top level; a parent_type
 * left NULL is the parent's type.  A new page without type is a "page", without time
 * now.  Any thread.  0 or -errno. */
int cfs_tree_apply_change(struct cfs_tree *t, size_t space, const struct cfs_page_list *pages,
                          const struct cfs_attachment_list *atts, char *const *gone, size_t ngone,
                          struct cfs_tree_changes *changes);

#endif
