/* confluence: the Confluence REST endpoints as asynchronous calls; HTTP -> -errno here. */
#include "confluence.h"
#include "log.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cfs_cf {
	struct cfs_http *http;
	char *base;   /* "https://host[:port]/wiki", no trailing slash */
	char *origin; /* "https://host[:port]" */
};

enum call_kind { CALL_USER, CALL_SPACE, CALL_PAGES, CALL_PAGE, CALL_ATTACHMENTS };

/* One logical call; a paginated listing issues several GETs. */
struct cfs_cf_call {
	struct cfs_cf *cf;
	enum call_kind kind;
	enum cfs_http_prio prio;
	struct cfs_http_req *req; /* the GET in flight */
	char *path;               /* of the GET in flight, for messages */
	void *cb;
	void *arg;
	union {
		struct cfs_user user;
		struct cfs_space space;
		struct cfs_page_list pages;
		struct cfs_page page;
		struct cfs_attachment_list atts;
	} u;
};

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
	case CALL_SPACE:
		cfs_model_space_clear(&c->u.space);
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
	free(c);
}

static void call_finish(struct cfs_cf_call *c, const struct cfs_cf_error *e)
{
	switch (c->kind) {
	case CALL_USER:
		((cfs_cf_user_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.user);
		break;
	case CALL_SPACE:
		((cfs_cf_space_cb)c->cb)(c->arg, e, e->err ? NULL : &c->u.space);
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
	c->req = r;
	return r ? 0 : -ENOMEM;
}

static int call_start(struct cfs_cf *cf, enum call_kind kind, enum cfs_http_prio prio, char *path,
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
	ret = call_send(c);
	if (ret)
		call_free(c);
	else if (out)
		*out = c;
	return ret;
}

static const char *base_path(const struct cfs_cf *cf);

/* Follow a "next" link.  It must be a path on our own origin, so credentials
 * never go elsewhere: v2 links are rooted ("/wiki/api/v2/..."), v1 links are
 * relative to the base ("/rest/api/..."). */
static int call_next(struct cfs_cf_call *c, const char *next)
{
	const char *bp = base_path(c->cf);
	size_t bl = strlen(bp);
	char *path;

	if (next[0] != '/' || next[1] == '/')
		return -EIO;
	if (bl && strncmp(next, bp, bl) == 0 && next[bl] == '/')
		path = strdup(next);
	else if (asprintf(&path, "%s%s", bp, next) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	free(c->path);
	c->path = path;
	return call_send(c);
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
	if (resp->status != 200) {
		e.err = status_to_errno(resp->status);
		e.detail = "unexpected HTTP status";
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
	case CALL_SPACE:
		ret = cfs_model_space(body, resp->len, &c->u.space);
		if (ret == -ENOENT) {
			e.err = -ENOENT;
			e.detail = "no such space";
			goto fail;
		}
		break;
	case CALL_PAGE:
		ret = cfs_model_page(body, resp->len, &c->u.page);
		if (ret == 0 && !c->u.page.body) {
			ret = -EBADMSG;
		}
		break;
	case CALL_PAGES:
	case CALL_ATTACHMENTS: {
		char **nextp = c->kind == CALL_PAGES ? &c->u.pages.next : &c->u.atts.next;

		ret = c->kind == CALL_PAGES ? cfs_model_pages(body, resp->len, &c->u.pages)
		                            : cfs_model_attachments(body, resp->len, &c->u.atts);
		if (ret == 0 && *nextp) {
			char *next = *nextp;

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

int cfs_cf_new(struct cfs_http *http, const char *base_url, struct cfs_cf **out)
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
	cf->base = strndup(base_url, blen);
	path = strchr(host, '/');
	cf->origin = strndup(base_url, path ? (size_t)(path - base_url) : blen);
	if (!cf->base || !cf->origin) {
		cfs_cf_free(cf);
		return -ENOMEM;
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
	free(cf);
}

const char *cfs_cf_base_url(const struct cfs_cf *cf)
{
	return cf->base;
}

/* The path part of the base ("/wiki"), to which API paths are appended. */
static const char *base_path(const struct cfs_cf *cf)
{
	return cf->base + strlen(cf->origin);
}

static char *escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *copy = e ? strdup(e) : NULL;

	curl_free(e);
	return copy;
}

static char *path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *path_printf(const char *fmt, ...)
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
	return call_start(cf, CALL_USER, CFS_HTTP_USER,
	                  path_printf("%s/rest/api/user/current", base_path(cf)), (void *)cb, arg,
	                  NULL);
}

int cfs_cf_space(struct cfs_cf *cf, const char *key, cfs_cf_space_cb cb, void *arg)
{
	char *k = escape(key);
	char *path;

	if (!k)
		return -ENOMEM;
	path = path_printf("%s/api/v2/spaces?keys=%s&limit=1", base_path(cf), k);
	free(k);
	return call_start(cf, CALL_SPACE, CFS_HTTP_USER, path, (void *)cb, arg, NULL);
}

int cfs_cf_space_pages(struct cfs_cf *cf, const char *space_id, enum cfs_http_prio prio,
                       cfs_cf_pages_cb cb, void *arg)
{
	char *id = escape(space_id);
	char *path;

	if (!id)
		return -ENOMEM;
	path = path_printf("%s/api/v2/spaces/%s/pages?depth=all&status=current&limit=250",
	                   base_path(cf), id);
	free(id);
	return call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_page(struct cfs_cf *cf, const char *page_id, enum cfs_http_prio prio, cfs_cf_page_cb cb,
                void *arg)
{
	char *id = escape(page_id);
	char *path;

	if (!id)
		return -ENOMEM;
	path = path_printf("%s/api/v2/pages/%s?body-format=storage", base_path(cf), id);
	free(id);
	return call_start(cf, CALL_PAGE, prio, path, (void *)cb, arg, NULL);
}

int cfs_cf_pages_by_id(struct cfs_cf *cf, const char *const *ids, size_t n, enum cfs_http_prio prio,
                       cfs_cf_pages_cb cb, void *arg, struct cfs_cf_call **call)
{
	size_t len = strlen(base_path(cf)) + 64;
	char *path, *p;

	if (n == 0 || n > 250)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (strspn(ids[i], "0123456789") != strlen(ids[i]))
			return -EINVAL; /* ids go into the URL unescaped */
		len += strlen(ids[i]) + 1;
	}
	path = p = malloc(len);
	if (!path)
		return -ENOMEM;
	p += sprintf(p, "%s/api/v2/pages?id=", base_path(cf));
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", ids[i]);
	sprintf(p, "&body-format=storage&limit=250");
	return call_start(cf, CALL_PAGES, prio, path, (void *)cb, arg, call);
}

void cfs_cf_promote(struct cfs_cf_call *call)
{
	call->prio = CFS_HTTP_USER;
	if (call->req)
		cfs_http_promote(call->req);
}

int cfs_cf_space_attachments(struct cfs_cf *cf, const char *space_key, enum cfs_http_prio prio,
                             cfs_cf_attachments_cb cb, void *arg)
{
	char *cql, *q, *path;

	if (asprintf(&cql, "type=attachment and space=\"%s\"", space_key) < 0)
		return -ENOMEM;
	q = escape(cql);
	free(cql);
	if (!q)
		return -ENOMEM;
	path = path_printf("%s/rest/api/content/search?cql=%s&expand=version,container&limit=250",
	                   base_path(cf), q);
	free(q);
	return call_start(cf, CALL_ATTACHMENTS, prio, path, (void *)cb, arg, NULL);
}

char *cfs_cf_download_url(const struct cfs_cf *cf, const char *page_id, const char *att_id)
{
	char *p = escape(page_id), *a = escape(att_id), *url = NULL;

	if (p && a &&
	    asprintf(&url, "%s/rest/api/content/%s/child/attachment/%s/download", cf->base, p, a) <
	        0)
		url = NULL;
	free(p);
	free(a);
	return url;
}
