/* confluence_int.h: the Confluence client's internals, shared by confluence*.c only. */
#ifndef CFS_CONFLUENCE_INT_H
#define CFS_CONFLUENCE_INT_H

#include "confluence.h"

struct cfs_cf {
	struct cfs_http *http;
	char *next_tag; /* cfs_cf_tag(): for the next call */
	enum cfs_cf_api api;
	char *base;   /* "https://host[:port]/wiki" or ".../confluence", no trailing slash */
	char *origin; /* "https://host[:port]" */
};

/* Page size asked of Data Center: its v1 listings clamp "limit" (commonly to
 * 100 or 200, lower with bodies); _links.next is followed whatever it chose. */
#define DC_LIMIT 200

enum call_kind {
	CALL_USER,
	CALL_USERS,
	CALL_SPACE,
	CALL_SPACES,
	CALL_PAGES,
	CALL_PAGE,
	CALL_ATTACHMENTS
};

/* One logical call; a paginated listing issues several GETs. */
struct cfs_cf_call {
	struct cfs_cf *cf;
	enum call_kind kind;
	enum cfs_http_prio prio;
	struct cfs_http_req *req; /* the GET in flight */
	char *tag;                /* what caused the call, for log spans */
	char *path;               /* of the GET in flight, for messages */
	int probing;              /* CALL_USER: the API probe is in flight, the user GET next */
	int blog;                 /* CALL_PAGES: blog posts (listings do not say so) */
	const char *ctype;        /* CALL_PAGE of a container: its type; no body expected */
	cfs_cf_more_fn more;      /* CALL_PAGES: follow "next" only while this says so */
	void *more_arg;
	size_t batch_start; /* CALL_PAGES: where the last batch starts in u.pages */
	void *cb;
	void *arg;
	union {
		struct cfs_user user;
		struct cfs_user_list users;
		struct cfs_space space;
		struct cfs_space_list spaces;
		struct cfs_page_list pages;
		struct cfs_page page;
		struct cfs_attachment_list atts;
	} u;
};

/* Start a call: GET path (absolute on the site's origin; taken, NULL means
 * ENOMEM); cb gets the parsed result of this kind.  *out (may be NULL) is
 * the call.  0 or -ENOMEM (cb is not called). */
int cfs_cf_call_start(struct cfs_cf *cf, enum call_kind kind, enum cfs_http_prio prio, char *path,
                      void *cb, void *arg, struct cfs_cf_call **out);
/* The path part of the base ("/wiki"), to which API paths are appended. */
const char *cfs_cf_base_path(const struct cfs_cf *cf);
/* s URL-escaped, malloc'd; NULL on ENOMEM. */
char *cfs_cf_escape(const char *s);
/* A formatted path, malloc'd; NULL on ENOMEM. */
char *cfs_cf_path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
