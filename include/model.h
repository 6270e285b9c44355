/* model: Confluence JSON responses (json-c) -> plain C structs.  Pure: no I/O. */
#ifndef CFS_MODEL_H
#define CFS_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* A point in time as the API gives it ("2026-05-27T07:13:32.034Z"). */
struct cfs_time {
	int64_t sec;
	long nsec;
};

/*
 * The parsers read Cloud v2 shapes and, where the v2 field is absent, the
 * Cloud v1 / Data Center ones (noted as "v1:").  A field of the wrong type
 * counts as absent.  Ids (page, parent, attachment, space, homepage) are kept
 * only when they are 1..64 bytes of [A-Za-z0-9_:~-] or a non-negative JSON
 * integer (then printed in decimal), so they are safe in URLs and file names.
 * Text fields are copied as sent, except that an embedded NUL ("\u0000")
 * becomes U+FFFD.
 */

/* One page from a listing or a page GET, or a folder, whiteboard, database
 * or embed from its own GET (the same fields).  Strings are malloc'd. */
struct cfs_page {
	char *id;       /* decimal, as the API sends it */
	uint64_t idnum; /* id as a number; 0 when not numeric */
	char *title;
	char *parent_id;         /* NULL for a root page; v1: the last of "ancestors" */
	char *type;              /* "page", "folder", ... ; NULL when absent (treat as page) */
	char *parent_type;       /* parentType: "page", "folder", "whiteboard", "database",
	                            "embed"; NULL when absent (v1, DC: a page) */
	char *embed_url;         /* an embed's embedUrl (its target); else NULL */
	int64_t position;        /* position, childPosition, v1: extensions.position;
	                            INT64_MAX when absent, null or "none" */
	int64_t version;         /* version.number; 0 when absent */
	struct cfs_time mtime;   /* version.createdAt, v1: version.when,
	                            history.lastUpdated.when; else createdAt;
	                            {0, 0} when none parses */
	struct cfs_time created; /* createdAt (a string, or epoch milliseconds as folders
	                            send it), v1: history.createdDate; {0, 0} when absent */
	char *author_id;         /* version.authorId, v1: version.by.accountId or
	                            .userKey; else authorId; may be NULL */
	char *body;              /* body.storage.value when requested; else NULL */
	char *labels;            /* v1 metadata.labels, comma-joined; NULL when not asked for */
	char *webui;             /* _links.webui, may be NULL */
};

struct cfs_attachment {
	char *id;         /* "att123" on Cloud v2 */
	char *title;      /* file name */
	char *page_id;    /* pageId, v1: container.id; may be NULL */
	char *media_type; /* mediaType, v1: extensions.mediaType; may be NULL */
	int64_t size;     /* fileSize, v1: extensions.fileSize; -1 when absent,
	                     negative or too large */
	int64_t version;
	struct cfs_time mtime; /* as for pages */
	char *download;        /* downloadLink / _links.download, relative; may be NULL */
};

struct cfs_space {
	char *id;
	char *key;
	char *name;              /* may be NULL */
	char *homepage_id;       /* homepageId, v1: homepage.id or the id at the end of
	                            _expandable.homepage; may be NULL */
	struct cfs_time created; /* createdAt, v1: history.createdDate; {0, 0} when absent */
};

struct cfs_user {
	char *account_id;   /* accountId, else (DC) userKey, else username; may be NULL */
	char *display_name; /* displayName, else publicName, else username; may be NULL */
	int anonymous;      /* type == "anonymous", or no account id at all */
};

/* A growable array of results plus the cursor to the next batch. */
struct cfs_page_list {
	struct cfs_page *v;
	size_t n, cap;
	char *next; /* _links.next ("/wiki/api/v2/...&cursor=..."), NULL when last */
};

struct cfs_attachment_list {
	struct cfs_attachment *v;
	size_t n, cap;
	char *next;
};

struct cfs_space_list {
	struct cfs_space *v;
	size_t n, cap;
	char *next;
};

/*
 * Parsers.  Each takes the raw response body (len bytes, need not be
 * NUL-terminated; a UTF-8 BOM is skipped).  The body must be one JSON object
 * and nothing after it but whitespace.  Return 0, -EBADMSG when the JSON is
 * malformed, is not an object, or lacks a required field (id and title for
 * pages and attachments, in every item of a listing; id and key for spaces),
 * or -ENOMEM.  On error the output holds nothing new that needs freeing
 * beyond what it held before (a list's array may have grown).  On success a
 * single-object output (page, space, user) is overwritten, not cleared first.
 * Any thread.
 */

/*
 * {"results":[page...], "_links":{"next":...}}: appends to list, replaces
 * list->next (NULL when absent: the last batch).  Reads v2 listings, v2
 * children (childPosition) and v1/DC content listings alike.
 */
int cfs_model_pages(const char *json, size_t len, struct cfs_page_list *list);
/* One page object (GET /pages/{id}?body-format=storage). */
int cfs_model_page(const char *json, size_t len, struct cfs_page *page);
/* {"results":[attachment...]}: appends, replaces list->next. */
int cfs_model_attachments(const char *json, size_t len, struct cfs_attachment_list *list);
/* {"results":[space...]} (v2 /spaces, v1 /space): appends, replaces list->next. */
int cfs_model_spaces(const char *json, size_t len, struct cfs_space_list *list);
/*
 * {"results":[space,...]} from /spaces?keys=K (the first one), or a bare
 * space object (DC /rest/api/space/KEY): -ENOENT when results is empty.
 */
int cfs_model_space(const char *json, size_t len, struct cfs_space *space);
/* /rest/api/user/current (Cloud or DC); no field is required. */
int cfs_model_user(const char *json, size_t len, struct cfs_user *user);
/* Users found by a bulk lookup (src/base/model_users.c). */
struct cfs_user_list {
	struct cfs_user *v;
	size_t n;
};
/* GET /rest/api/user/bulk (Cloud): {"results": [user...]}; results without an
 * account id are left out.  -EBADMSG when there is no "results" array. */
int cfs_model_users(const char *json, size_t len, struct cfs_user_list *l);
void cfs_model_user_list_clear(struct cfs_user_list *l);

/*
 * "2026-05-27T07:13:32.034Z", "2017-05-30T12:59:19.623-07:00" -> seconds since
 * the epoch (UTC) and nanoseconds.  The fraction is optional (any number of
 * digits, nanoseconds kept); the zone is Z, +hh:mm, +hhmm or +hh, and a time
 * without one is read as UTC.  -EINVAL for anything else (t unchanged).
 */
int cfs_model_time(const char *s, struct cfs_time *t);

/* Release what a struct holds and zero it; NULL is fine.  A cleared list is empty and reusable. */
void cfs_model_page_clear(struct cfs_page *p);
void cfs_model_page_list_clear(struct cfs_page_list *l);
void cfs_model_attachment_clear(struct cfs_attachment *a);
void cfs_model_attachment_list_clear(struct cfs_attachment_list *l);
void cfs_model_space_clear(struct cfs_space *s);
void cfs_model_space_list_clear(struct cfs_space_list *l);
void cfs_model_user_clear(struct cfs_user *u);

#endif
