/* confluence: the Confluence REST endpoints as asynchronous calls; HTTP -> -errno here. */
#ifndef CFS_CONFLUENCE_H
#define CFS_CONFLUENCE_H

#include "http.h"
#include "model.h"

struct cfs_cf;

/* What went wrong, for one clear message.  err is 0 or -errno:
 * -EACCES (401/403), -ENOENT (404, unknown space), -EIO (5xx after retries,
 * malformed response), -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH, -EPROTO (TLS). */
struct cfs_cf_error {
	int err;
	long status;        /* last HTTP status, 0 if none */
	const char *detail; /* curl's reason or a short description; valid during the callback */
	const char *path;   /* the request path; valid during the callback */
	int attempts;       /* HTTP attempts made for the failing request */
};

/* Which REST API the site speaks. */
enum cfs_cf_api {
	CFS_API_AUTO,  /* decide from the URL and one probe (cfs_cf_current_user) */
	CFS_API_CLOUD, /* Confluence Cloud: REST v2 (+ v1 where v2 has no equivalent) */
	CFS_API_DC,    /* Data Center / Server: REST v1 under the base's context path */
};

/* base_url: the site, e.g. "https://acme.atlassian.net/wiki" or, on Data
 * Center, the base including the context path, "https://wiki.acme.com/confluence"
 * (no trailing slash needed).  api: CFS_API_AUTO decides at once for a host
 * under .atlassian.net (Cloud), else in the first cfs_cf_current_user().
 * http is borrowed.  Loop thread.  Returns 0, -EINVAL for a URL that is not
 * http(s)://host[...], or -ENOMEM. */
int cfs_cf_new(struct cfs_http *http, const char *base_url, enum cfs_cf_api api,
               struct cfs_cf **out);

/* The API in use (AUTO until the first cfs_cf_current_user() decided). */
enum cfs_cf_api cfs_cf_api(const struct cfs_cf *cf);
void cfs_cf_free(struct cfs_cf *cf);

/* All calls: loop thread only; cb is called exactly once on the loop thread
 * (the result is the callee's to keep: take the fields you want and leave
 * the rest, it is cleared after the callback returns).  Return 0 or -ENOMEM
 * (then cb is not called). */

typedef void (*cfs_cf_user_cb)(void *arg, const struct cfs_cf_error *e, struct cfs_user *u);
/* GET /rest/api/user/current.  An anonymous answer is -EACCES (status 200):
 * that is how Data Center answers a bad personal access token.  With
 * CFS_API_AUTO still undecided, first GET {base}/api/v2/spaces?limit=1: 404
 * (or a 200 that is not JSON) means Data Center, 200/401/403 Cloud; any other
 * answer fails the call (-EIO, or the network error) and leaves AUTO.  The
 * decision is logged at info level and kept (cfs_cf_api()). */
int cfs_cf_current_user(struct cfs_cf *cf, cfs_cf_user_cb cb, void *arg);

/* A user by account id (Cloud) or user key (Data Center), for mentions. */
int cfs_cf_user_by_id(struct cfs_cf *cf, const char *id, enum cfs_http_prio prio, cfs_cf_user_cb cb,
                      void *arg);

/* Users by account id, up to CFS_CF_USERS_MAX in one request (Cloud only:
 * GET /rest/api/user/bulk?accountId=A&accountId=B; -ENOTSUP elsewhere, and
 * while the API is not known yet).  The list holds the users the site knows,
 * in any order; an id it does not know is not in it. */
#define CFS_CF_USERS_MAX 50
typedef void (*cfs_cf_users_cb)(void *arg, const struct cfs_cf_error *e, struct cfs_user_list *l);
int cfs_cf_users_by_ids(struct cfs_cf *cf, const char *const *ids, size_t n,
                        enum cfs_http_prio prio, cfs_cf_users_cb cb, void *arg);

typedef void (*cfs_cf_space_cb)(void *arg, const struct cfs_cf_error *e, struct cfs_space *s);
/* Cloud: GET /api/v2/spaces?keys=KEY; DC: GET /rest/api/space/KEY?expand=homepage.
 * Unknown key: -ENOENT with status 200 on both (Cloud's answer is an empty
 * result; DC's is a 404, reported as 200 so that "-ENOENT, 200" means "no such
 * space" whatever the API; a 404 elsewhere keeps its status).  On DC the
 * space's id is set to its key: the v1 page listing is by key, and the id is
 * only ever handed back to cfs_cf_space_pages(). */
int cfs_cf_space(struct cfs_cf *cf, const char *key, cfs_cf_space_cb cb, void *arg);

typedef void (*cfs_cf_spaces_cb)(void *arg, const struct cfs_cf_error *e,
                                 struct cfs_space_list *spaces);
/* The spaces with these keys (n of them), or every space the account can see
 * (n == 0), paginated to the end.  Cloud: GET /api/v2/spaces?keys=A,B&limit=250;
 * DC: GET /rest/api/space?spaceKey=A&spaceKey=B&expand=homepage (ids set to
 * keys, as in cfs_cf_space()).  Unknown keys are simply absent. */
int cfs_cf_spaces(struct cfs_cf *cf, const char *const *keys, size_t n, cfs_cf_spaces_cb cb,
                  void *arg);

typedef void (*cfs_cf_pages_cb)(void *arg, const struct cfs_cf_error *e,
                                struct cfs_page_list *pages);
/* Every current page of a space with its parent, version and position.
 * Cloud: GET /api/v2/spaces/{id}/pages?depth=all, 250 at a time, cursors
 * followed to the end.  DC (space_id is the key, see cfs_cf_space()):
 * GET /rest/api/content?spaceKey=KEY&type=page&status=current
 * &expand=ancestors,version, start/limit (200 asked), _links.next followed. */
int cfs_cf_space_pages(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                       cfs_cf_pages_cb cb, void *arg);

/* A paginated page listing asks this after each batch (pages->v[batch_start..n) are the
 * batch's); nonzero: follow the next link, 0: stop and answer with what was listed. */
typedef int (*cfs_cf_more_fn)(void *arg, const struct cfs_page_list *pages, size_t batch_start);

/* The space's top-level pages (those with no parent), for a listing a user waits on
 * before the full one is in.  Cloud: GET /api/v2/spaces/{id}/pages?depth=root
 * &status=current&limit=250; DC: GET /rest/api/space/{key}/content/page?depth=root
 * &expand=ancestors,version.  Paginated to the end. */
int cfs_cf_top_pages(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                     cfs_cf_pages_cb cb, void *arg);
/* The direct children of a page (type "page" or NULL) or, on Cloud, of a container
 * ("folder", "whiteboard", "database", "embed"): Cloud GET /api/v2/{type}s/{id}
 * /direct-children?sort=id&limit=250 (items have id, title, type, childPosition: no
 * parent, version or times); DC GET /rest/api/content/{id}/child/page
 * ?expand=ancestors,version.  Paginated to the end.  -EINVAL for another type. */
int cfs_cf_direct_children(struct cfs_cf *cf, const char *type, const char *id,
                           enum cfs_http_prio prio, cfs_cf_pages_cb cb, void *arg);
/* cfs_cf_direct_children(), and more(more_arg, ...) before each further batch is asked
 * for: 0 stops there (what was listed is answered). */
int cfs_cf_direct_children_more(struct cfs_cf *cf, const char *type, const char *id,
                                enum cfs_http_prio prio, cfs_cf_more_fn more, void *more_arg,
                                cfs_cf_pages_cb cb, void *arg);

/* Every current blog post of a space (no bodies), with type set to
 * "blogpost".  Cloud: GET /api/v2/spaces/{id}/blogposts?status=current
 * &limit=250; DC: GET /rest/api/content?spaceKey=KEY&type=blogpost
 * &status=current&expand=version,history, start/limit as for pages. */
int cfs_cf_space_blogposts(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                           cfs_cf_pages_cb cb, void *arg);

typedef void (*cfs_cf_page_cb)(void *arg, const struct cfs_cf_error *e, struct cfs_page *p);
/* One page (blog: a blog post) with its storage body:
 * GET /api/v2/pages/{id}?body-format=storage (/api/v2/blogposts/{id}),
 * DC GET /rest/api/content/{id}?expand=body.storage,version (either). */
int cfs_cf_page(struct cfs_cf *cf, const char *page_id, int blog, enum cfs_http_prio prio,
                cfs_cf_page_cb cb, void *arg);

/* A container of the page tree that the page listing does not list: type
 * "folder", "whiteboard", "database" or "embed"; GET /api/v2/{type}s/{id}
 * (Cloud only; -EINVAL for another type or on Data Center).  The result
 * has no body; its type is set (to type when the answer has none). */
int cfs_cf_container(struct cfs_cf *cf, const char *type, const char *id, enum cfs_http_prio prio,
                     cfs_cf_page_cb cb, void *arg);

/* Up to 250 pages (blog: blog posts) with their bodies in one request
 * (GET /api/v2/pages?id=1,2,3&body-format=storage, or /api/v2/blogposts?...;
 * DC: the CQL search /rest/api/content/search?cql=id in (1,2,3)
 * &expand=body.storage,version&limit=n, next links followed if DC clamps the
 * limit).  Ids must be decimal digits (else -EINVAL), as must 1 <= n <= 250.
 * Pages that no longer exist are simply absent from the result.  *call (may
 * be NULL) receives a handle for cfs_cf_promote(), valid until cb runs. */
struct cfs_cf_call;
int cfs_cf_pages_by_id(struct cfs_cf *cf, const char *const *ids, size_t n, int blog,
                       enum cfs_http_prio prio, cfs_cf_pages_cb cb, void *arg,
                       struct cfs_cf_call **call);
/* A user now waits on this call: move it (and its next pages) ahead. */
void cfs_cf_promote(struct cfs_cf_call *call);

/* Requests allowed in flight now (max_requests, or less near the rate
 * limit).  Loop thread. */
int cfs_cf_request_limit(struct cfs_cf *cf);

typedef void (*cfs_cf_attachments_cb)(void *arg, const struct cfs_cf_error *e,
                                      struct cfs_attachment_list *atts);
/* Every current attachment of a space with its page, size, type and version,
 * in one paginated listing (v1 CQL content search, both APIs, 250 at a time
 * on Cloud, 200 on DC) rather than one request per page. */
int cfs_cf_space_attachments(struct cfs_cf *cf, const char *space_key, enum cfs_http_prio prio,
                             cfs_cf_attachments_cb cb, void *arg);

/* The folders, whiteboards, databases and embeds of a space (Cloud only,
 * -EINVAL on DC), in one paginated CQL search (type in (folder,whiteboard,
 * database,embed), 250 per request): id, type and title each, no parent
 * (fetch the container for that). */
int cfs_cf_space_containers(struct cfs_cf *cf, const char *space_key, enum cfs_http_prio prio,
                            cfs_cf_pages_cb cb, void *arg);

/* The attachments of one page (blog: blog post), paginated to the end, for
 * a site that refuses the CQL search: Cloud GET /api/v2/pages/{id}/attachments
 * (/blogposts/{id}/attachments), 250 at a time; DC GET
 * /rest/api/content/{id}/child/attachment?expand=version,container. */
int cfs_cf_page_attachments(struct cfs_cf *cf, const char *page_id, int blog,
                            enum cfs_http_prio prio, cfs_cf_attachments_cb cb, void *arg);

/* The labels of every page and blog post of a space, in one paginated CQL
 * search (type in (page,blogpost), expand=metadata.labels, 250 per request):
 * pages with labels set. */
int cfs_cf_space_labels(struct cfs_cf *cf, const char *space_key, enum cfs_http_prio prio,
                        cfs_cf_pages_cb cb, void *arg);

/* ---- the change feed (confluence_feed.c) ---- */

/* cfs_cf_space_pages(), and more(more_arg, ...) before each further batch is asked for:
 * 0 stops there.  Sync uses it to learn that a space's listing will take a while. */
int cfs_cf_space_pages_more(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                            cfs_cf_more_fn more, void *more_arg, cfs_cf_pages_cb cb, void *arg);

/* Cloud only: the pages (blog: blog posts) of a space, most recently modified first
 * (GET /api/v2/spaces/{id}/pages?sort=-modified-date), with their parents and versions,
 * paginated while more says so.  -EINVAL on Data Center. */
int cfs_cf_space_recent(struct cfs_cf *cf, const char *space_id, int blog, enum cfs_http_prio prio,
                        cfs_cf_more_fn more, void *more_arg, cfs_cf_pages_cb cb, void *arg);
/* CQL searches of what changed in a space in the last minutes minutes (by the server's
 * clock: lastmodified >= now("-Nm")): its attachments (as cfs_cf_space_attachments), the
 * labels of its pages and blog posts (as cfs_cf_space_labels), and, for Data Center
 * where the v2 listing does not exist, its pages and blog posts with their parents,
 * versions and labels (as the DC listings, type set). */
int cfs_cf_changed_attachments(struct cfs_cf *cf, const char *space_key, long minutes,
                               enum cfs_http_prio prio, cfs_cf_attachments_cb cb, void *arg);
int cfs_cf_changed_labels(struct cfs_cf *cf, const char *space_key, long minutes,
                          enum cfs_http_prio prio, cfs_cf_pages_cb cb, void *arg);
int cfs_cf_changed_content(struct cfs_cf *cf, const char *space_key, long minutes,
                           enum cfs_http_prio prio, cfs_cf_pages_cb cb, void *arg);

/* The absolute URL that downloads an attachment: on Cloud the v1 download
 * endpoint (a redirect to the media host, which curl follows without our
 * credentials; download is ignored); on Data Center base + download, the
 * listing's _links.download ("/download/attachments/123/f.png?version=2...",
 * relative to the base; DC serves the bytes itself, with our credentials).
 * malloc'd; NULL on ENOMEM or when no URL can be made (DC: download NULL or
 * not a path starting with a single '/'). */
char *cfs_cf_download_url(const struct cfs_cf *cf, const char *page_id, const char *att_id,
                          const char *download);

/* A page's new version (confluence_write.c).  id, title (the page's, or a
 * new one to rename it), version (the new number: the base's + 1), len bytes
 * of storage at body; message may be NULL.  Cloud: PUT /api/v2/pages/{id}
 * (blogposts/{id}) with version.number and body.representation "storage";
 * DC: PUT /rest/api/content/{id} with type, title, version.number and
 * body.storage.  cb gets the page as the server answered (its version), or
 * -EBUSY (409: the version is not the next one: a conflict), -EACCES,
 * -ENOENT, -EINVAL (400), -EIO (5xx), or a network error.  Never retried
 * after an attempt that may have reached the server. */
struct cfs_cf_update {
	const char *id;
	const char *title;
	int blog;
	int64_t version;
	const char *body;
	size_t len;
	const char *message;
};
int cfs_cf_update_page(struct cfs_cf *cf, const struct cfs_cf_update *u, cfs_cf_page_cb cb,
                       void *arg);

typedef void (*cfs_cf_done_cb)(void *arg, const struct cfs_cf_error *e);
/* Add (POST /rest/api/content/{id}/label, prefix global) or remove (DELETE
 * /rest/api/content/{id}/label?name=) one label; v1 on both APIs. */
int cfs_cf_label(struct cfs_cf *cf, const char *page_id, const char *label, int add,
                 cfs_cf_done_cb cb, void *arg);

/* The shape of a space (confluence_shape.c, docs/shape.md).  Errors as for
 * cfs_cf_update_page, and -EEXIST for a 400 that says the title is taken. */

/* A new page: Cloud POST /api/v2/pages {spaceId, status, title, parentId?,
 * body{representation storage}}; DC POST /rest/api/content {type page,
 * title, space{key}, ancestors[{id}]?, body.storage}.  cb gets the page
 * as created (its id). */
struct cfs_cf_create {
	const char *space_id;  /* Cloud */
	const char *space_key; /* DC */
	const char *title;
	const char *parent_id; /* NULL: the space's top level */
	const char *body;
	size_t len;
};
int cfs_cf_create_page(struct cfs_cf *cf, const struct cfs_cf_create *cr, cfs_cf_page_cb cb,
                       void *arg);
/* A folder (Cloud POST /api/v2/folders {spaceId, title, parentId?}); -EPERM
 * on DC, which has none (cb not called). */
int cfs_cf_create_folder(struct cfs_cf *cf, const char *space_id, const char *title,
                         const char *parent_id, cfs_cf_page_cb cb, void *arg);
/* To the trash, never purged: Cloud DELETE /api/v2/pages/{id} (type
 * "blogpost": blogposts, "folder": folders, "attachment": attachments); DC
 * DELETE /rest/api/content/{id} (pages, blog posts, attachments)
 * (a folder: -EPERM, cb not called). */
int cfs_cf_trash(struct cfs_cf *cf, const char *id, const char *type, cfs_cf_done_cb cb, void *arg);
/* Retitle and/or move a page: a new version (version: base + 1) with the
 * same body, title and parent given: Cloud PUT /api/v2/pages/{id} with
 * parentId; DC PUT /rest/api/content/{id} with ancestors. */
struct cfs_cf_move {
	const char *id;
	const char *title;
	const char *parent_id; /* NULL: unchanged */
	int64_t version;
	const char *body;
	size_t len;
};
int cfs_cf_move_page(struct cfs_cf *cf, const struct cfs_cf_move *m, cfs_cf_page_cb cb, void *arg);
/* Move page id next to (where "before", "after") or under ("append") page
 * target_id, keeping its title, body and version: v1 PUT
 * /rest/api/content/{id}/move/{where}/{target_id} (both APIs).  "after" a
 * top-level page is the only way to a space's top level. */
int cfs_cf_move_relative(struct cfs_cf *cf, const char *id, const char *where,
                         const char *target_id, cfs_cf_done_cb cb, void *arg);

/* Upload file (a path on local disk, streamed, never read whole into
 * memory) as attachment filename of page page_id: v1 POST
 * /rest/api/content/{page_id}/child/attachment (multipart, X-Atlassian-Token:
 * no-check) for a new one, POST .../child/attachment/{att_id}/data for a new
 * version of att_id.  Both APIs.  cb gets the attachment as answered (id,
 * version, size). */
typedef void (*cfs_cf_att_cb)(void *arg, const struct cfs_cf_error *e, struct cfs_attachment *a);
int cfs_cf_upload_attachment(struct cfs_cf *cf, const char *page_id, const char *att_id,
                             const char *file, const char *filename, const char *type,
                             cfs_cf_att_cb cb, void *arg);

/* Say what causes the next call (a FUSE operation and path, "prefetch",
 * "refresh"); every request of that call logs it.  Copied.  Loop thread. */
void cfs_cf_tag(struct cfs_cf *cf, const char *tag);

/* The site's base URL as given (no trailing slash), for web links. */
const char *cfs_cf_base_url(const struct cfs_cf *cf);

#endif
