/* containers: learns the folders, whiteboards, databases and embeds that a page listing points to.
 */
#ifndef CFS_CONTAINERS_H
#define CFS_CONTAINERS_H

#include <stddef.h>

#include "model.h"

/* Is type one of the containers no listing lists ("folder", "whiteboard",
 * "database", "embed")?  NULL is not. */
int cfs_containers_is_type(const char *type);

/* A fetch's answer: p (the callee's to take: move what it wants, the rest is
 * cleared after the call) when err is 0; else err (-errno) and the HTTP
 * status (0 when none) with a short detail for the warning. */
typedef void (*cfs_containers_got_fn)(void *ctx, int err, long status, const char *detail,
                                      struct cfs_page *p);

struct cfs_containers_ops {
	/* A container an earlier listing learnt: copy it into *out (zeroed by
	 * the caller) and return 0; -ENOENT when unknown.  NULL: none is known. */
	int (*known)(void *arg, const char *id, struct cfs_page *out);
	/* Fetch a container of this type.  got is called exactly once, now or
	 * later.  Return 0, or -errno (then got is not called). */
	int (*fetch)(void *arg, const char *type, const char *id, cfs_containers_got_fn got,
	             void *ctx);
	/* Did an earlier listing find this id gone (404, 403)?  Then it is not
	 * asked for again, nor warned about.  NULL: never. */
	int (*gone)(void *arg, const char *id);
	/* This id answered 404 or 403 now (after the one warning).  May be NULL. */
	void (*lost)(void *arg, const char *id);
	void *arg;
};

/* fetched: containers fetched; failed: those that could not be (each logged
 * once as a warning naming its id; what hangs under it is shown at the top
 * of the space).  err: 0 or -ENOMEM. */
typedef void (*cfs_containers_cb)(void *arg, int err, size_t fetched, size_t failed);

/*
 * Complete a page listing with its containers.  Every parent id that is not
 * in pages and whose parentType is a container type is taken from known or
 * fetched, all fetches issued at once (the HTTP client's max_requests bounds
 * them), each id once; a learnt container's own parent is handled the same
 * way, until every chain reaches a listed page, the space's root, or an id
 * that cannot be learnt.  found (may be NULL) lists containers (id, type,
 * version) a search found: those are learnt too, even when nothing hangs
 * under them, and fetched again when known with an older version.  Learnt containers are appended
 * to pages.  A parent that is a page missing from the listing (archived, trashed, not visible) is
 * not fetched: a debug line names it.  pages must stay valid, and is not otherwise touched, until
 * cb.  cb is called once (possibly before this returns).  Loop thread (or any single thread that
 * answers the fetches).  Returns 0, or -ENOMEM (cb not called).
 */
int cfs_containers_learn(struct cfs_page_list *pages, const struct cfs_page_list *found,
                         const struct cfs_containers_ops *ops, cfs_containers_cb cb, void *arg);

#endif
