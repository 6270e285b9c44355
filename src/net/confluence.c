/* confluence: the Confluence REST endpoints as asynchronous calls; HTTP -> -errno here. */
/*
 * DESIGN
 *   Two dialects of one API.  Cloud (https://SITE/wiki) speaks REST v2 with
 *   cursors, plus v1 for the user check, the CQL attachment search and the
 *   download redirect.  Data Center (https://HOST[/context]) speaks only v1:
 *   start/limit pages whose _links.next is relative to _links.base (the base
 *   URL including the context path), pages carry "ancestors" instead of a
 *   parentId, and attachments are downloaded from the listing's own
 *   /download/attachments/... link on the same host.  Every public call picks
 *   its path from cf->api; the responses go through the same model parsers,
 *   which read both shapes.
 *
 *   CFS_API_AUTO is resolved once, by the first cfs_cf_current_user(): a host
 *   under .atlassian.net is Cloud without asking; any other host is probed
 *   with GET {base}/api/v2/spaces?limit=1, which Cloud answers (200, 401,
 *   403) and Data Center does not have (404).
 */
#include "confluence_int.h"
#include "log.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int status_to_errno(long status)
{
	if (status == 401 || status == 403)
		return -EACCES;
	if (status == 404)
		return -ENOENT;
	return -EIO;
}

static void call_free(struct cfs_cf_call *c)
{
	switch (c->kind) {
	case CALL_USER:
		cfs_model_user_clear(&c->u.user);
		break;
	case CALL_USERS:
		cfs_model_user_list_clear(&c->u.users);
		break;
	case CALL_SPACE:
		cfs_model_space_clear(&c->u.space);
		break;
	case CALL_SPACES:
		cfs_model_space_list_clear(&c->u.spaces);
		break;
	case CALL_PAGES:
		cfs_model_page_list_clear(&c->u.pages);
		break;
	case CALL_PAGE:
		cfs_model_page_clear(&c->u.page);
		break;
	case CALL_ATTACHMENTS:
		cfs_model_attachment_list_clear(&c->u.atts);
		break;
	}
	free(c->path);
	free(c->tag);
	free(c);
}

static void call_finish(struct cfs_cf_call *c, const struct cfs_cf_error *e)
{
	switch (c->kind) {
	case CALL_USER:
		((cfs_cf_user_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.user);
		break;
	case CALL_USERS:
		((cfs_cf_users_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.users);
		break;
	case CALL_SPACE:
		((cfs_cf_space_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.space);
		break;
	case CALL_SPACES:
		((cfs_cf_spaces_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.spaces);
		break;
	case CALL_PAGES:
		((cfs_cf_pages_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.pages);
		break;
	case CALL_PAGE:
		((cfs_cf_page_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.page);
		break;
	case CALL_ATTACHMENTS:
		((cfs_cf_attachments_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.atts);
		break;
	}
	call_free(c);
}

static void on_response(void *arg, struct cfs_http_response *resp);

/* Issue the GET for c->path (absolute path on the origin). */
static int call_send(struct cfs_cf_call *c)
{
	char *url;
	struct cfs_http_req *r;

	if (asprintf(&url, "%s%s", c->cf->origin, c->path) < 0)
		return -ENOMEM;
	r = cfs_http_get(c->cf->http, url, c->prio, on_response, c);
	free(url);
	if (r && c->tag)
		cfs_http_tag(r, c->tag);
	c->req = r;
	return r ? 0 : -ENOMEM;
}

int cfs_cf_call_start(struct cfs_cf *cf, enum call_kind kind, enum cfs_http_prio prio, char *path,
                      void *cb, void *arg, struct cfs_cf_call **out)
{
	struct cfs_cf_call *c;
	int ret;

	if (!path)
		return -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c) {
		free(path);
		return -ENOMEM;
	}
	c->cf = cf;
	c->kind = kind;
	c->prio = prio;
	c->path = path;
	c->cb = cb;
	c->arg = arg;
	c->tag = cf->next_tag; /* may be NULL */
	cf->next_tag = NULL;
	ret = call_send(c);
	if (ret)
		call_free(c);
	else if (out)
		*out = c;
	return ret;
}

/* Is the base path the API gateway's "/ex/confluence/CLOUDID/wiki"? */
static int gateway_wiki(const char *bp, size_t bl)
{
	return bl > 5 && strncmp(bp, "/ex/confluence/", 15) == 0 &&
	       strcmp(bp + bl - 5, "/wiki") == 0;
}

/* Follow a "next" link.  It must be a path on our own origin, so credentials
 * never go elsewhere: v2 links are rooted ("/wiki/api/v2/..."), v1 links are
 * relative to the base ("/rest/api/...").  On Data Center every link is v1,
 * so the base path is always prepended (a context path such as "/rest" must
 * not be mistaken for a rooted link). */
static int call_next(struct cfs_cf_call *c, const char *next)
{
	const char *bp = cfs_cf_base_path(c->cf);
	size_t bl = strlen(bp);
	char *path;

	if (next[0] != '/' || next[1] == '/')
		return -EIO;
	if (c->cf->api != CFS_API_DC && bl && strncmp(next, bp, bl) == 0 && next[bl] == '/')
		path = strdup(next);
	/* Through the API gateway (/ex/confluence/ID/wiki) v2 links still come
	 * back rooted at the site's /wiki. */
	else if (c->cf->api != CFS_API_DC && gateway_wiki(bp, bl) &&
	         strncmp(next, "/wiki/", 6) == 0) {
		if (asprintf(&path, "%.*s%s", (int)(bl - 5), bp, next) < 0)
			path = NULL;
	} else if (asprintf(&path, "%s%s", bp, next) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	free(c->path);
	c->path = path;
	return call_send(c);
}

static const char *api_name(enum cfs_cf_api api)
{
	return api == CFS_API_DC ? "Data Center" : "Cloud";
}

static char *user_path(const struct cfs_cf *cf)
{
	char *p;

	return asprintf(&p, "%s/rest/api/user/current", cfs_cf_base_path(cf)) < 0 ? NULL : p;
}

/* The answer to GET {base}/api/v2/spaces?limit=1 decides the API: Cloud has
 * the endpoint (200 with JSON, or 401/403 for bad credentials), Data Center
 * does not (404, or a 200 HTML page from a proxy or login redirect).  Then
 * the user GET is sent on the same call.  Returns 0, -EIO for an answer that
 * decides nothing (5xx after retries, ...), or -ENOMEM. */
static int probe_done(struct cfs_cf_call *c, struct cfs_http_response *resp)
{
	struct cfs_cf *cf = c->cf;
	const char *b = resp->body ? resp->body : "";
	size_t i = 0;
	char *path;

	while (i < resp->len && b[i] && strchr(" \t\r\n", b[i]))
		i++;
	if (resp->status == 404 || resp->status == 410 ||
	    (resp->status == 200 && (i >= resp->len || b[i] != '{')))
		cf->api = CFS_API_DC;
	else if (resp->status == 200 || resp->status == 401 || resp->status == 403)
		cf->api = CFS_API_CLOUD;
	else
		return -EIO;
	cfs_info("%s: detected Confluence %s (GET %s: HTTP %ld)", cf->base, api_name(cf->api),
	         c->path, resp->status);
	path = user_path(cf);
	if (!path)
		return -ENOMEM;
	free(c->path);
	c->path = path;
	c->probing = 0;
	return call_send(c);
}

/* On Data Center the v1 page listing is by space key, not id: hand the key
 * out as the space's id, so that what callers pass to cfs_cf_space_pages()
 * is what it needs (the numeric id is used nowhere else on DC). */
static int space_id_is_key(struct cfs_space *s)
{
	char *key = strdup(s->key);

	if (!key)
		return -ENOMEM;
	free(s->id);
	s->id = key;
	return 0;
}

static void on_response(void *arg, struct cfs_http_response *resp)
{
	struct cfs_cf_call *c = arg;
	const char *body = resp->body ? resp->body : "";
	struct cfs_cf_error e = {.err = resp->err,
	                         .status = resp->status,
	                         .detail = resp->detail,
	                         .path = c->path,
	                         .attempts = resp->attempts};
	int ret = 0;

	c->req = NULL; /* finished; call_next() may set a new one */
	if (resp->err)
		goto fail;
	if (c->probing) {
		ret = probe_done(c, resp);
		if (ret == 0)
			return; /* the user GET continues this call */
		e.err = ret;
		e.detail = ret == -ENOMEM ? "out of memory"
		                          : "cannot tell Confluence Cloud from Data Center";
		goto fail;
	}
	if (resp->status == 404 && c->kind == CALL_SPACE && c->cf->api == CFS_API_DC) {
		/* DC answers an unknown (or invisible) space with 404; report it
		 * as Cloud's empty result is reported: -ENOENT with status 200. */
		e.err = -ENOENT;
		e.status = 200;
		e.detail = "no such space";
		goto fail;
	}
	if (resp->status != 200) {
		e.err = status_to_errno(resp->status);
		e.detail = "unexpected HTTP status";
		if (resp->status == 401 && strstr(body, "scope does not match"))
			e.detail =
			    "the API token's scopes do not allow this request (a scoped token "
			    "needs the read scopes of Confluence, and the api.atlassian.com "
			    "gateway URL)";
		goto fail;
	}
	switch (c->kind) {
	case CALL_USER:
		ret = cfs_model_user(body, resp->len, &c->u.user);
		if (ret == 0 && c->u.user.anonymous) {
			e.err = -EACCES;
			e.detail = "the server answered as the anonymous user";
			goto fail;
		}
		break;
	case CALL_USERS:
		ret = cfs_model_users(body, resp->len, &c->u.users);
		break;
	case CALL_SPACE:
		ret = cfs_model_space(body, resp->len, &c->u.space);
		if (ret == -ENOENT) {
			e.err = -ENOENT;
			e.detail = "no such space";
			goto fail;
		}
		if (ret == 0 && c->cf->api == CFS_API_DC)
			ret = space_id_is_key(&c->u.space);
		break;
	case CALL_PAGE:
		ret = cfs_model_page(body, resp->len, &c->u.page);
		if (ret == 0 && !c->ctype && !c->u.page.body)
			ret = -EBADMSG;
		if (ret == 0 && c->ctype && !c->u.page.type && !(c->u.page.type = strdup(c->ctype)))
			ret = -ENOMEM;
		break;
	case CALL_SPACES:
	case CALL_PAGES:
	case CALL_ATTACHMENTS: {
		char **nextp = c->kind == CALL_PAGES    ? &c->u.pages.next
		               : c->kind == CALL_SPACES ? &c->u.spaces.next
		                                        : &c->u.atts.next;

		ret = c->kind == CALL_PAGES    ? cfs_model_pages(body, resp->len, &c->u.pages)
		      : c->kind == CALL_SPACES ? cfs_model_spaces(body, resp->len, &c->u.spaces)
		                               : cfs_model_attachments(body, resp->len, &c->u.atts);
		if (ret == 0 && *nextp && c->kind == CALL_PAGES && c->more &&
		    !c->more(c->more_arg, &c->u.pages, c->batch_start)) {
			free(*nextp); /* the caller has what it needs: stop paginating */
			*nextp = NULL;
		}
		if (ret == 0 && *nextp) {
			char *next = *nextp;

			if (c->kind == CALL_PAGES)
				c->batch_start = c->u.pages.n;
			*nextp = NULL;
			ret = call_next(c, next);
			free(next);
			if (ret == 0)
				return; /* the next batch continues this call */
			e.err = ret;
			e.detail =
			    ret == -EIO ? "pagination link leaves the site" : "out of memory";
			goto fail;
		}
		if (ret == 0 && c->kind == CALL_SPACES && c->cf->api == CFS_API_DC)
			for (size_t i = 0; i < c->u.spaces.n && !ret; i++)
				ret = space_id_is_key(&c->u.spaces.v[i]);
		for (size_t i = 0; ret == 0 && c->blog && i < c->u.pages.n; i++)
			if (!c->u.pages.v[i].type && !(c->u.pages.v[i].type = strdup("blogpost")))
				ret = -ENOMEM;
		break;
	}
	}
	if (ret) {
		e.err = ret == -ENOMEM ? -ENOMEM : -EIO;
		e.detail = ret == -ENOMEM ? "out of memory" : "malformed response";
		goto fail;
	}
	call_finish(c, &e);
	return;
fail:
	if (e.err != -ECANCELED)
		cfs_debug("GET %s: %s (HTTP %ld): %s", c->path, strerror(-e.err), e.status,
		          e.detail ? e.detail : "");
	call_finish(c, &e);
}

/* host: "name[:port][/path]" (after the scheme).  Atlassian's Cloud sites
 * live under atlassian.net; no Data Center does. */
static int is_atlassian_cloud(const char *host)
{
	static const char suffix[] = ".atlassian.net";
	size_t n = strcspn(host, "/?#");
	const char *at = memchr(host, '@', n);
	const char *colon;

	if (at) { /* user@host: the host is after it */
		n -= (size_t)(at + 1 - host);
		host = at + 1;
	}
	colon = memchr(host, ':', n);
	if (colon)
		n = (size_t)(colon - host);
	while (n && host[n - 1] == '.') /* a fully qualified "acme.atlassian.net." */
		n--;
	if (n == 17 && strncasecmp(host, "api.atlassian.com", 17) == 0)
		return 1; /* the API gateway, for scoped tokens */
	return n > sizeof(suffix) - 1 &&
	       strncasecmp(host + n - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) == 0;
}

enum cfs_cf_api cfs_cf_api(const struct cfs_cf *cf)
{
	return cf->api;
}

int cfs_cf_new(struct cfs_http *http, const char *base_url, enum cfs_cf_api api,
               struct cfs_cf **out)
{
	struct cfs_cf *cf;
	const char *host, *path;
	size_t blen = strlen(base_url);

	if (strncmp(base_url, "https://", 8) == 0)
		host = base_url + 8;
	else if (strncmp(base_url, "http://", 7) == 0)
		host = base_url + 7;
	else
		return -EINVAL;
	if (!*host || *host == '/')
		return -EINVAL;
	while (blen && base_url[blen - 1] == '/')
		blen--;
	cf = calloc(1, sizeof(*cf));
	if (!cf)
		return -ENOMEM;
	cf->http = http;
	cf->api = api;
	path = strchr(host, '/');
	/* The gateway without "/wiki" (…/ex/confluence/CLOUDID): the REST paths
	 * are under /wiki there too. */
	if (path && base_url + blen > path + 15 && strncmp(path, "/ex/confluence/", 15) == 0 &&
	    !memchr(path + 15, '/', blen - (size_t)(path + 15 - base_url))) {
		if (asprintf(&cf->base, "%.*s/wiki", (int)blen, base_url) < 0)
			cf->base = NULL;
	} else {
		cf->base = strndup(base_url, blen);
	}
	cf->origin = strndup(base_url, path ? (size_t)(path - base_url) : blen);
	if (!cf->base || !cf->origin) {
		cfs_cf_free(cf);
		return -ENOMEM;
	}
	if (api == CFS_API_AUTO && is_atlassian_cloud(host)) {
		cf->api = CFS_API_CLOUD;
		cfs_info("%s: detected Confluence Cloud (an atlassian.net site)", cf->base);
	}
	*out = cf;
	return 0;
}

void cfs_cf_free(struct cfs_cf *cf)
{
	if (!cf)
		return;
	free(cf->base);
	free(cf->origin);
	free(cf->next_tag);
	free(cf);
}

const char *cfs_cf_base_url(const struct cfs_cf *cf)
{
	return cf->base;
}

/* The path part of the base ("/wiki"), to which API paths are appended. */
const char *cfs_cf_base_path(const struct cfs_cf *cf)
{
	return cf->base + strlen(cf->origin);
}

char *cfs_cf_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *copy = e ? strdup(e) : NULL;

	curl_free(e);
	return copy;
}

char *cfs_cf_path_printf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : p;
}

int cfs_cf_current_user(struct cfs_cf *cf, cfs_cf_user_cb cb, void *arg)
{
	struct cfs_cf_call *c;
	int ret;

	if (cf->api != CFS_API_AUTO)
		return cfs_cf_call_start(cf, CALL_USER, CFS_HTTP_USER, user_path(cf), (void *)cb,
		                         arg, NULL);
	/* Probe first (probe_done() then sends the user GET on the same call). */
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cf = cf;
	c->kind = CALL_USER;
	c->prio = CFS_HTTP_USER;
	c->cb = (void *)cb;
	c->arg = arg;
	c->probing = 1;
	c->path = cfs_cf_path_printf("%s/api/v2/spaces?limit=1", cfs_cf_base_path(cf));
	ret = c->path ? call_send(c) : -ENOMEM;
	if (ret)
		call_free(c);
	return ret;
}

int cfs_cf_space(struct cfs_cf *cf, const char *key, cfs_cf_space_cb cb, void *arg)
{
	char *k = cfs_cf_escape(key);
	char *path;

	if (!k)
		return -ENOMEM;
	if (cf->api == CFS_API_DC)
		path = cfs_cf_path_printf("%s/rest/api/space/%s?expand=homepage",
		                          cfs_cf_base_path(cf), k);
	else
		path =
		    cfs_cf_path_printf("%s/api/v2/spaces?keys=%s&limit=1", cfs_cf_base_path(cf), k);
	free(k);
	return cfs_cf_call_start(cf, CALL_SPACE, CFS_HTTP_USER, path, (void *)cb, arg, NULL);
}

/* Every current page (blog: blog post) of a space, paginated to the end. */
static int space_content(struct cfs_cf *cf, const char *space_id, int blog, enum cfs_http_prio prio,
                         cfs_cf_more_fn more, void *more_arg, cfs_cf_pages_cb cb, void *arg)
{
	struct cfs_cf_call *c = NULL;
	char *id = cfs_cf_escape(space_id);
	char *path;
	int ret;

	if (!id)
		return -ENOMEM;
	if (cf->api == CFS_API_DC)
		path = cfs_cf_path_printf("%s/rest/api/content?spaceKey=%s&type=%s&status=current"
		                          "&expand=%s&start=0&limit=%d",
		                          cfs_cf_base_path(cf), id, blog ? "blogpost" : "page",
		                          blog ? "version,history" : "ancestors,version", DC_LIMIT);
	else
		path = cfs_cf_path_printf(
		    "%s/api/v2/spaces/%s/%s&limit=250", cfs_cf_base_path(cf), id,
		    blog ? "blogposts?status=current" : "pages?depth=all&status=current");
	free(id);
	ret = cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, &c);
	if (ret == 0) { /* set before the loop can answer: we are on it */
		c->blog = blog;
		c->more = more;
		c->more_arg = more_arg;
	}
	return ret;
}

int cfs_cf_space_pages(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                       cfs_cf_pages_cb cb, void *arg)
{
	return space_content(cf, space_id, 0, prio, NULL, NULL, cb, arg);
}

int cfs_cf_space_pages_more(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                            cfs_cf_more_fn more, void *more_arg, cfs_cf_pages_cb cb, void *arg)
{
	return space_content(cf, space_id, 0, prio, more, more_arg, cb, arg);
}

int cfs_cf_page(struct cfs_cf *cf, const char *page_id, int blog, enum cfs_http_prio prio,
                cfs_cf_page_cb cb, void *arg)
{
	char *id = cfs_cf_escape(page_id);
	char *path;

	if (!id)
		return -ENOMEM;
	if (cf->api == CFS_API_DC)
		path = cfs_cf_path_printf("%s/rest/api/content/%s?expand=body.storage,version",
		                          cfs_cf_base_path(cf), id);
	else
		path = cfs_cf_path_printf("%s/api/v2/%s/%s?body-format=storage",
		                          cfs_cf_base_path(cf), blog ? "blogposts" : "pages", id);
	free(id);
	return cfs_cf_call_start(cf, CALL_PAGE, prio, path, (void *)cb, arg, NULL);
}

/* "1,2,3" for Cloud's id=, or "id in (1,2,3)" URL-escaped for DC's CQL;
 * ids are digits only, so nothing else needs escaping. */
static char *id_list(const char *const *ids, size_t n, const char *open, const char *sep,
                     const char *close)
{
	size_t len = strlen(open) + strlen(close) + 1;
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(ids[i]) + strlen(sep);
	out = p = malloc(len);
	if (!out)
		return NULL;
	p += sprintf(p, "%s", open);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? sep : "", ids[i]);
	sprintf(p, "%s", close);
	return out;
}

int cfs_cf_pages_by_id(struct cfs_cf *cf, const char *const *ids, size_t n, int blog,
                       enum cfs_http_prio prio, cfs_cf_pages_cb cb, void *arg,
                       struct cfs_cf_call **call)
{
	char *list, *path;

	if (n == 0 || n > 250)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!ids[i][0] || strspn(ids[i], "0123456789") != strlen(ids[i]))
			return -EINVAL; /* ids go into the URL unescaped */
	if (cf->api == CFS_API_DC) {
		/* CQL: id in (1,2,3), escaped: "id%20in%20(1%2C2%2C3)". */
		list = id_list(ids, n, "id%20in%20(", "%2C", ")");
		path = list ? cfs_cf_path_printf("%s/rest/api/content/search?cql=%s"
		                                 "&expand=body.storage,version&limit=%zu",
		                                 cfs_cf_base_path(cf), list, n)
		            : NULL;
	} else {
		list = id_list(ids, n, "", ",", "");
		path = list ? cfs_cf_path_printf("%s/api/v2/%s?id=%s&body-format=storage&limit=250",
		                                 cfs_cf_base_path(cf), blog ? "blogposts" : "pages",
		                                 list)
		            : NULL;
	}
	free(list);
	return cfs_cf_call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, call);
}

int cfs_cf_space_blogposts(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                           cfs_cf_pages_cb cb, void *arg)
{
	return space_content(cf, space_id, 1, prio, NULL, NULL, cb, arg);
}

int cfs_cf_spaces(struct cfs_cf *cf, const char *const *keys, size_t n, cfs_cf_spaces_cb cb,
                  void *arg)
{
	char *path = NULL, *list = NULL;
	size_t len = 1;

	for (size_t i = 0; i < n; i++)
		len += strlen(keys[i]) * 3 + 16;
	if (n && !(list = calloc(1, len)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *k = cfs_cf_escape(keys[i]);

		if (!k) {
			free(list);
			return -ENOMEM;
		}
		/* Cloud: keys=A,B; DC: spaceKey=A&spaceKey=B. */
		if (cf->api == CFS_API_DC)
			sprintf(list + strlen(list), "%sspaceKey=%s", i ? "&" : "", k);
		else
			sprintf(list + strlen(list), "%s%s", i ? "%2C" : "keys=", k);
		free(k);
	}
	if (cf->api == CFS_API_DC)
		path =
		    cfs_cf_path_printf("%s/rest/api/space?%s%sexpand=homepage&start=0&limit=%d",
		                       cfs_cf_base_path(cf), n ? list : "", n ? "&" : "", DC_LIMIT);
	else
		path = cfs_cf_path_printf("%s/api/v2/spaces?%s%slimit=250", cfs_cf_base_path(cf),
		                          n ? list : "", n ? "&" : "");
	free(list);
	return cfs_cf_call_start(cf, CALL_SPACES, CFS_HTTP_USER, path, (void *)cb, arg, NULL);
}

void cfs_cf_promote(struct cfs_cf_call *call)
{
	call->prio = CFS_HTTP_USER;
	if (call->req)
		cfs_http_promote(call->req);
}

int cfs_cf_request_limit(struct cfs_cf *cf)
{
	struct cfs_http_stats st;

	cfs_http_get_stats(cf->http, &st);
	return st.request_limit;
}

char *cfs_cf_download_url(const struct cfs_cf *cf, const char *page_id, const char *att_id,
                          const char *download)
{
	char *p = NULL, *a = NULL, *url = NULL;

	if (cf->api == CFS_API_DC) {
		/* The listing's link, relative to the base and on the same host, so
		 * the credentials go with it.  Anything else is refused. */
		if (download && download[0] == '/' && download[1] != '/' &&
		    !strpbrk(download, " \t\r\n") && asprintf(&url, "%s%s", cf->base, download) < 0)
			url = NULL;
		goto out;
	}
	p = cfs_cf_escape(page_id);
	a = cfs_cf_escape(att_id);
	if (p && a &&
	    asprintf(&url, "%s/rest/api/content/%s/child/attachment/%s/download", cf->base, p, a) <
	        0)
		url = NULL;
out:
	free(p);
	free(a);
	return url;
}

int cfs_cf_user_by_id(struct cfs_cf *cf, const char *id, enum cfs_http_prio prio, cfs_cf_user_cb cb,
                      void *arg)
{
	char *e = cfs_cf_escape(id);
	char *path;

	if (!e)
		return -ENOMEM;
	path = cfs_cf_path_printf("%s/rest/api/user?%s=%s", cfs_cf_base_path(cf),
	                          cf->api == CFS_API_DC ? "key" : "accountId", e);
	free(e);
	return cfs_cf_call_start(cf, CALL_USER, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_users_by_ids(struct cfs_cf *cf, const char *const *ids, size_t n,
                        enum cfs_http_prio prio, cfs_cf_users_cb cb, void *arg)
{
	char *esc[CFS_CF_USERS_MAX], *q, *path;
	size_t len = 0;
	int ret = -ENOMEM;

	if (cf->api != CFS_API_CLOUD)
		return -ENOTSUP;
	if (n == 0 || n > CFS_CF_USERS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		esc[i] = cfs_cf_escape(ids[i]);
		len += strlen("&accountId=") + (esc[i] ? strlen(esc[i]) : 0);
	}
	q = malloc(len + 1);
	if (q) {
		len = 0;
		for (size_t i = 0; i < n && q; i++) {
			if (!esc[i]) {
				free(q);
				q = NULL;
				break;
			}
			len += (size_t)sprintf(q + len, "%saccountId=%s", i ? "&" : "", esc[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(esc[i]);
	if (!q)
		return -ENOMEM;
	/* GET /wiki/rest/api/user/bulk?accountId=A&accountId=B (CONFCLOUD-76894) */
	path = cfs_cf_path_printf("%s/rest/api/user/bulk?%s&limit=%zu", cfs_cf_base_path(cf), q, n);
	free(q);
	if (path)
		ret = cfs_cf_call_start(cf, CALL_USERS, prio, path, (void *)cb, arg, NULL);
	return ret;
}

void cfs_cf_tag(struct cfs_cf *cf, const char *tag)
{
	free(cf->next_tag);
	cf->next_tag = tag ? strdup(tag) : NULL;
}
