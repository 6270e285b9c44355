/* confluence_write: the calls that change content — a page's new version (PUT), and
 * adding and removing labels (v1 label endpoints).  Never retried blindly: a
 * failure that may have reached the server is reported, and the caller reads
 * the page back to learn what happened (docs/write-back-fs.md). */
#include "confluence_int.h"
#include "log.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wcall {
	struct cfs_cf *cf;
	cfs_cf_page_cb cb;   /* update */
	cfs_cf_done_cb done; /* labels */
	void *arg;
	char *path;
};

/* HTTP status of a write -> -errno: 409 (and a 400 naming the version) is a
 * conflict, -EBUSY. */
static int write_errno(long status, const char *body)
{
	if (status == 401 || status == 403)
		return -EACCES;
	if (status == 404)
		return -ENOENT;
	if (status == 409)
		return -EBUSY;
	if (status == 400 && body && strstr(body, "ersion"))
		return -EBUSY;
	if (status == 400 || status == 413)
		return -EINVAL;
	return -EIO;
}

static void fill_error(struct cfs_cf_error *e, struct wcall *w, struct cfs_http_response *resp)
{
	memset(e, 0, sizeof(*e));
	e->path = w->path;
	e->attempts = resp->attempts;
	if (resp->err) {
		e->err = resp->err;
		e->detail = resp->detail;
	} else if (resp->status >= 300) {
		e->err = write_errno(resp->status, resp->body);
		e->status = resp->status;
		e->detail = resp->body ? resp->body : "";
	} else {
		e->status = resp->status;
	}
}

static void on_update(void *arg, struct cfs_http_response *resp)
{
	struct wcall *w = arg;
	struct cfs_cf_error e;
	struct cfs_page p = {0};

	fill_error(&e, w, resp);
	if (!e.err && (!resp->body || cfs_model_page(resp->body, resp->len, &p))) {
		e.err = -EIO;
		e.detail = "malformed response to an update";
	}
	w->cb(w->arg, &e, e.err ? NULL : &p);
	cfs_model_page_clear(&p);
	free(w->path);
	free(w);
}

static void on_done(void *arg, struct cfs_http_response *resp)
{
	struct wcall *w = arg;
	struct cfs_cf_error e;

	fill_error(&e, w, resp);
	w->done(w->arg, &e);
	free(w->path);
	free(w);
}

/* Send method path (on the origin) with body; 0 or -ENOMEM. */
static int send_call(struct cfs_cf *cf, const char *method, char *path, const char *body,
                     struct wcall *w)
{
	struct cfs_http_req *r;
	char *url = NULL;

	w->cf = cf;
	w->path = path;
	if (!path || asprintf(&url, "%s%s", cf->origin, path) < 0) {
		free(path);
		free(w);
		return -ENOMEM;
	}
	r = cfs_http_send(cf->http, method, url, body, body ? strlen(body) : 0, CFS_HTTP_USER,
	                  w->cb ? on_update : on_done, w);
	free(url);
	if (!r) {
		free(path);
		free(w);
		return -ENOMEM;
	}
	if (cf->next_tag) {
		cfs_http_tag(r, cf->next_tag);
		free(cf->next_tag);
		cf->next_tag = NULL;
	}
	return 0;
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

int cfs_cf_update_page(struct cfs_cf *cf, const struct cfs_cf_update *u, cfs_cf_page_cb cb,
                       void *arg)
{
	struct wcall *w;
	json_object *o = json_object_new_object(), *body = json_object_new_object();
	json_object *ver = json_object_new_object();
	char *id = cfs_cf_escape(u->id), *path;
	int ret = -ENOMEM;

	if (!o || !body || !ver || !id)
		goto fail;
	json_object_object_add(o, "id", jstr(u->id));
	json_object_object_add(o, "status", jstr("current"));
	json_object_object_add(o, "title", jstr(u->title));
	json_object_object_add(ver, "number", json_object_new_int64(u->version));
	json_object_object_add(ver, "message", jstr(u->message));
	json_object_object_add(o, "version", ver);
	ver = NULL;
	if (cf->api == CFS_API_DC) {
		json_object *st = json_object_new_object();

		json_object_object_add(o, "type", jstr(u->blog ? "blogpost" : "page"));
		json_object_object_add(st, "value",
		                       json_object_new_string_len(u->body, (int)u->len));
		json_object_object_add(st, "representation", jstr("storage"));
		json_object_object_add(body, "storage", st);
		path = cfs_cf_path_printf("%s/rest/api/content/%s", cfs_cf_base_path(cf), id);
	} else {
		json_object_object_add(body, "representation", jstr("storage"));
		json_object_object_add(body, "value",
		                       json_object_new_string_len(u->body, (int)u->len));
		path = cfs_cf_path_printf("%s/api/v2/%s/%s", cfs_cf_base_path(cf),
		                          u->blog ? "blogposts" : "pages", id);
	}
	json_object_object_add(o, "body", body);
	body = NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		free(path);
		goto fail;
	}
	w->cb = cb;
	w->arg = arg;
	ret = send_call(cf, "PUT", path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                w);
fail:
	json_object_put(o);
	json_object_put(body);
	json_object_put(ver);
	free(id);
	return ret;
}

int cfs_cf_label(struct cfs_cf *cf, const char *page_id, const char *label, int add,
                 cfs_cf_done_cb cb, void *arg)
{
	struct wcall *w = calloc(1, sizeof(*w));
	char *id = cfs_cf_escape(page_id), *name = cfs_cf_escape(label), *path = NULL;
	json_object *a = NULL;
	int ret = -ENOMEM;

	if (!w || !id || !name)
		goto fail;
	w->done = cb;
	w->arg = arg;
	if (add) {
		json_object *l = json_object_new_object();

		a = json_object_new_array();
		if (!a || !l) {
			json_object_put(l);
			goto fail;
		}
		json_object_object_add(l, "prefix", jstr("global"));
		json_object_object_add(l, "name", jstr(label));
		json_object_array_add(a, l);
		path = cfs_cf_path_printf("%s/rest/api/content/%s/label", cfs_cf_base_path(cf), id);
		ret = send_call(cf, "POST", path,
		                json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), w);
	} else {
		path = cfs_cf_path_printf("%s/rest/api/content/%s/label?name=%s",
		                          cfs_cf_base_path(cf), id, name);
		ret = send_call(cf, "DELETE", path, NULL, w);
	}
	w = NULL; /* send() took it */
fail:
	free(w);
	json_object_put(a);
	free(id);
	free(name);
	return ret;
}
