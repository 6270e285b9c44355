/* confluence_shape: the calls that change a space's shape — create a page or a
 * folder, move a page, move a page or folder to the trash.  Like
 * confluence_write.c they are never retried blindly (cfs_http_send) and map
 * the HTTP status to -errno; a duplicate title (400 naming the title) is
 * -EEXIST.  docs/shape.md. */
#include "confluence_int.h"
#include "log.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scall {
	cfs_cf_page_cb page_cb; /* create, move: the page as answered */
	cfs_cf_done_cb done;    /* trash */
	void *arg;
	char *path;
};

static int shape_errno(long status, const char *body)
{
	if (status == 401 || status == 403)
		return -EACCES;
	if (status == 404)
		return -ENOENT;
	if (status == 409)
		return -EBUSY;
	if (status == 400 && body &&
	    (strstr(body, "already exists") || strstr(body, "same title") ||
	     strstr(body, "ALREADY_EXISTS") || strstr(body, "duplicate")))
		return -EEXIST;
	if (status == 400 || status == 413)
		return -EINVAL;
	return -EIO;
}

static void fill_error(struct cfs_cf_error *e, struct scall *c, struct cfs_http_response *resp)
{
	memset(e, 0, sizeof(*e));
	e->path = c->path;
	e->attempts = resp->attempts;
	e->status = resp->status;
	if (resp->err) {
		e->err = resp->err;
		e->detail = resp->detail;
	} else if (resp->status >= 300) {
		e->err = shape_errno(resp->status, resp->body);
		e->detail = resp->body ? resp->body : "";
	}
}

static void on_answer(void *arg, struct cfs_http_response *resp)
{
	struct scall *c = arg;
	struct cfs_cf_error e;

	fill_error(&e, c, resp);
	if (c->page_cb) {
		struct cfs_page p = {0};

		if (!e.err && (!resp->body || cfs_model_page(resp->body, resp->len, &p))) {
			e.err = -EIO;
			e.detail = "malformed response";
		}
		c->page_cb(c->arg, &e, e.err ? NULL : &p);
		cfs_model_page_clear(&p);
	} else {
		c->done(c->arg, &e);
	}
	free(c->path);
	free(c);
}

/* Send method path with body (may be NULL); takes path.  0 or -ENOMEM. */
static int shape_send(struct cfs_cf *cf, const char *method, char *path, json_object *body,
                      cfs_cf_page_cb page_cb, cfs_cf_done_cb done, void *arg)
{
	struct scall *c = calloc(1, sizeof(*c));
	const char *js = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
	struct cfs_http_req *r;
	char *url = NULL;

	if (!c || !path || asprintf(&url, "%s%s", cf->origin, path) < 0) {
		free(c);
		free(path);
		return -ENOMEM;
	}
	c->page_cb = page_cb;
	c->done = done;
	c->arg = arg;
	c->path = path;
	r = cfs_http_send(cf->http, method, url, js, js ? strlen(js) : 0, CFS_HTTP_USER, on_answer,
	                  c);
	free(url);
	if (!r) {
		free(path);
		free(c);
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

int cfs_cf_create_page(struct cfs_cf *cf, const struct cfs_cf_create *cr, cfs_cf_page_cb cb,
                       void *arg)
{
	json_object *o = json_object_new_object(), *body = json_object_new_object();
	char *path;
	int ret;

	if (!o || !body) {
		json_object_put(o);
		json_object_put(body);
		return -ENOMEM;
	}
	json_object_object_add(o, "title", jstr(cr->title));
	if (cf->api == CFS_API_DC) {
		json_object *space = json_object_new_object(), *st = json_object_new_object();

		json_object_object_add(o, "type", jstr("page"));
		json_object_object_add(space, "key", jstr(cr->space_key));
		json_object_object_add(o, "space", space);
		if (cr->parent_id) {
			json_object *anc = json_object_new_array(), *p = json_object_new_object();

			json_object_object_add(p, "id", jstr(cr->parent_id));
			json_object_array_add(anc, p);
			json_object_object_add(o, "ancestors", anc);
		}
		json_object_object_add(st, "value",
		                       json_object_new_string_len(cr->body, (int)cr->len));
		json_object_object_add(st, "representation", jstr("storage"));
		json_object_object_add(body, "storage", st);
		path = cfs_cf_path_printf("%s/rest/api/content", cfs_cf_base_path(cf));
	} else {
		json_object_object_add(o, "spaceId", jstr(cr->space_id));
		json_object_object_add(o, "status", jstr("current"));
		if (cr->parent_id)
			json_object_object_add(o, "parentId", jstr(cr->parent_id));
		json_object_object_add(body, "representation", jstr("storage"));
		json_object_object_add(body, "value",
		                       json_object_new_string_len(cr->body, (int)cr->len));
		/* No parent: the top of the space (else Cloud puts it under the homepage). */
		path = cfs_cf_path_printf("%s/api/v2/pages%s", cfs_cf_base_path(cf),
		                          cr->parent_id ? "" : "?root-level=true");
	}
	json_object_object_add(o, "body", body);
	ret = shape_send(cf, "POST", path, o, cb, NULL, arg);
	json_object_put(o);
	return ret;
}

int cfs_cf_create_folder(struct cfs_cf *cf, const char *space_id, const char *title,
                         const char *parent_id, cfs_cf_page_cb cb, void *arg)
{
	json_object *o;
	int ret;

	if (cf->api == CFS_API_DC)
		return -EPERM;
	if (!(o = json_object_new_object()))
		return -ENOMEM;
	json_object_object_add(o, "spaceId", jstr(space_id));
	json_object_object_add(o, "title", jstr(title));
	if (parent_id)
		json_object_object_add(o, "parentId", jstr(parent_id));
	ret = shape_send(cf, "POST", cfs_cf_path_printf("%s/api/v2/folders", cfs_cf_base_path(cf)),
	                 o, cb, NULL, arg);
	json_object_put(o);
	return ret;
}

int cfs_cf_trash(struct cfs_cf *cf, const char *id, const char *type, cfs_cf_done_cb cb, void *arg)
{
	char *eid = cfs_cf_escape(id), *path;
	int folder = type && strcmp(type, "folder") == 0;

	if (!eid)
		return -ENOMEM;
	if (type && strcmp(type, "attachment") == 0)
		path =
		    cf->api == CFS_API_DC
		        ? cfs_cf_path_printf("%s/rest/api/content/%s", cfs_cf_base_path(cf), eid)
		        : cfs_cf_path_printf("%s/api/v2/attachments/%s", cfs_cf_base_path(cf), eid);
	else if (cf->api == CFS_API_DC)
		path = folder ? NULL
		              : cfs_cf_path_printf("%s/rest/api/content/%s", cfs_cf_base_path(cf),
		                                   eid);
	else
		path = cfs_cf_path_printf("%s/api/v2/%s/%s", cfs_cf_base_path(cf),
		                          folder                                  ? "folders"
		                          : type && strcmp(type, "blogpost") == 0 ? "blogposts"
		                                                                  : "pages",
		                          eid);
	free(eid);
	if (cf->api == CFS_API_DC && folder)
		return -EPERM;
	return shape_send(cf, "DELETE", path, NULL, NULL, cb, arg);
}

int cfs_cf_move_relative(struct cfs_cf *cf, const char *id, const char *where,
                         const char *target_id, cfs_cf_done_cb cb, void *arg)
{
	char *eid = cfs_cf_escape(id), *etarget = cfs_cf_escape(target_id), *path = NULL;

	if (eid && etarget)
		path = cfs_cf_path_printf("%s/rest/api/content/%s/move/%s/%s", cfs_cf_base_path(cf),
		                          eid, where, etarget);
	free(eid);
	free(etarget);
	return shape_send(cf, "PUT", path, NULL, NULL, cb, arg);
}

int cfs_cf_move_page(struct cfs_cf *cf, const struct cfs_cf_move *m, cfs_cf_page_cb cb, void *arg)
{
	json_object *o = json_object_new_object(), *ver = json_object_new_object();
	json_object *body = json_object_new_object();
	char *id = cfs_cf_escape(m->id), *path;
	int ret = -ENOMEM;

	if (!o || !ver || !body || !id) {
		json_object_put(o);
		json_object_put(ver);
		json_object_put(body);
		free(id);
		return ret;
	}
	json_object_object_add(o, "id", jstr(m->id));
	json_object_object_add(o, "status", jstr("current"));
	json_object_object_add(o, "title", jstr(m->title));
	json_object_object_add(ver, "number", json_object_new_int64(m->version));
	json_object_object_add(o, "version", ver);
	if (cf->api == CFS_API_DC) {
		json_object *st = json_object_new_object();

		json_object_object_add(o, "type", jstr("page"));
		if (m->parent_id) {
			json_object *anc = json_object_new_array(), *p = json_object_new_object();

			json_object_object_add(p, "id", jstr(m->parent_id));
			json_object_array_add(anc, p);
			json_object_object_add(o, "ancestors", anc);
		}
		json_object_object_add(st, "value",
		                       json_object_new_string_len(m->body, (int)m->len));
		json_object_object_add(st, "representation", jstr("storage"));
		json_object_object_add(body, "storage", st);
		path = cfs_cf_path_printf("%s/rest/api/content/%s", cfs_cf_base_path(cf), id);
	} else {
		if (m->parent_id)
			json_object_object_add(o, "parentId", jstr(m->parent_id));
		json_object_object_add(body, "representation", jstr("storage"));
		json_object_object_add(body, "value",
		                       json_object_new_string_len(m->body, (int)m->len));
		path = cfs_cf_path_printf("%s/api/v2/pages/%s", cfs_cf_base_path(cf), id);
	}
	json_object_object_add(o, "body", body);
	ret = shape_send(cf, "PUT", path, o, cb, NULL, arg);
	json_object_put(o);
	free(id);
	return ret;
}

/* ---- attachments ---- */

struct ucall {
	cfs_cf_att_cb cb;
	void *arg;
	char *path;
	int bare; /* /data answers the attachment itself, not {"results": [...]} */
};

static void on_uploaded(void *arg, struct cfs_http_response *resp)
{
	struct ucall *u = arg;
	struct cfs_cf_error e;
	struct cfs_attachment_list l = {0};
	struct scall c = {.path = u->path};

	fill_error(&e, &c, resp);
	if (!e.err) {
		char *doc = NULL;
		int bad = !resp->body;

		if (!bad && u->bare)
			bad = asprintf(&doc, "{\"results\":[%s]}", resp->body) < 0;
		if (!bad)
			bad = cfs_model_attachments(doc ? doc : resp->body,
			                            doc ? strlen(doc) : resp->len, &l) ||
			      l.n < 1;
		free(doc);
		if (bad) {
			e.err = -EIO;
			e.detail = "malformed response to an upload";
		}
	}
	u->cb(u->arg, &e, e.err ? NULL : &l.v[0]);
	cfs_model_attachment_list_clear(&l);
	free(u->path);
	free(u);
}

int cfs_cf_upload_attachment(struct cfs_cf *cf, const char *page_id, const char *att_id,
                             const char *file, const char *filename, const char *type,
                             cfs_cf_att_cb cb, void *arg)
{
	struct ucall *u = calloc(1, sizeof(*u));
	char *pid = cfs_cf_escape(page_id), *aid = att_id ? cfs_cf_escape(att_id) : NULL;
	char *url = NULL;
	struct cfs_http_upload *up = cfs_http_upload_new(file, filename, type);
	struct cfs_http_req *r;

	if (!u || !pid || (att_id && !aid) || !up)
		goto fail;
	u->cb = cb;
	u->arg = arg;
	u->bare = att_id != NULL;
	u->path = att_id ? cfs_cf_path_printf("%s/rest/api/content/%s/child/attachment/%s/data",
	                                      cfs_cf_base_path(cf), pid, aid)
	                 : cfs_cf_path_printf("%s/rest/api/content/%s/child/attachment",
	                                      cfs_cf_base_path(cf), pid);
	if (!u->path || asprintf(&url, "%s%s", cf->origin, u->path) < 0)
		goto fail;
	r = cfs_http_upload(cf->http, url, up, CFS_HTTP_USER, on_uploaded, u);
	up = NULL; /* taken */
	free(url);
	url = NULL;
	if (!r)
		goto fail;
	if (cf->next_tag) {
		cfs_http_tag(r, cf->next_tag);
		free(cf->next_tag);
		cf->next_tag = NULL;
	}
	free(pid);
	free(aid);
	return 0;
fail:
	if (u)
		free(u->path);
	free(u);
	free(pid);
	free(aid);
	free(url);
	cfs_http_upload_free(up);
	return -ENOMEM;
}
