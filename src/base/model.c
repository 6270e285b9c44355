/* model: Confluence JSON responses (json-c) -> plain C structs.  Pure: no I/O. */
#include "model.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One reader for Cloud v2, Cloud v1 and Data Center shapes: every field is
 * looked up along a short list of paths ("version.createdAt", then the v1
 * "version.when", ...), the first present one of the right type wins, and a
 * field of the wrong type counts as absent.  Only the required fields (ids and
 * titles, a space key) turn a response into -EBADMSG.
 */

#define MAX_DEPTH 64 /* v1 expansions nest deeper than json-c's default 32 */
#define ID_MAX    64

/* ---- JSON access ---- */

/* Parses exactly len bytes (a UTF-8 BOM allowed) into an object; caller puts it. */
static int parse_root(const char *json, size_t len, struct json_object **out)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	int ret = -EBADMSG;

	*out = NULL;
	if (!json || len > INT_MAX)
		goto out;
	if (len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0) {
		json += 3;
		len -= 3;
	}
	tok = json_tokener_new_ex(MAX_DEPTH);
	if (!tok) {
		ret = -ENOMEM;
		goto out;
	}
	/* Strict: no trailing commas, leading zeros or text after the value. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(root, json_type_object))
		goto out;
	*out = root;
	root = NULL;
	ret = 0;
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	return ret;
}

/* The member at a dotted path ("version.by.accountId"), or NULL when absent or null. */
static struct json_object *get(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");
		struct json_object *v = NULL;
		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &v))
			return NULL;
		o = v;
		path += n + (path[n] == '.');
	}
	return o; /* json-c represents null as NULL */
}

static struct json_object *get_type(struct json_object *o, const char *path, enum json_type type)
{
	struct json_object *v = get(o, path);
	return v && json_object_is_type(v, type) ? v : NULL;
}

/* The first of paths (NULL-terminated) that holds a string. */
static struct json_object *first_string(struct json_object *o, const char *const *paths)
{
	for (; *paths; paths++) {
		struct json_object *v = get_type(o, *paths, json_type_string);
		if (v)
			return v;
	}
	return NULL;
}

/*
 * A copy of a JSON string; an embedded NUL (from "\u0000") becomes U+FFFD,
 * since the result is a C string.  *out is NULL when v is NULL.
 */
static int dup_text(struct json_object *v, char **out)
{
	const char *s;
	size_t len, nul = 0, o = 0;
	char *d;

	*out = NULL;
	if (!v || !json_object_is_type(v, json_type_string))
		return 0;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	for (size_t i = 0; i < len; i++)
		nul += s[i] == '\0';
	d = malloc(len + 2 * nul + 1);
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0') {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	*out = d;
	return 0;
}

static int dup_first_text(struct json_object *o, const char *const *paths, char **out)
{
	return dup_text(first_string(o, paths), out);
}

/* Is s[0..len) a usable id: 1..64 bytes of [A-Za-z0-9_:~-], safe in URLs and file names? */
static bool id_ok(const char *s, size_t len)
{
	if (len == 0 || len > ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == ':' || c == '~' || c == '-'))
			return false;
	}
	return true;
}

/*
 * An id: a JSON string that passes id_ok(), or a JSON integer in
 * [0, INT64_MAX) -- json-c saturates larger ones, so those cannot be trusted.
 * Anything else is absent (*out NULL).
 */
static int dup_id(struct json_object *v, char **out)
{
	char buf[ID_MAX + 1];

	*out = NULL;
	if (v && json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		if (i < 0 || i == INT64_MAX)
			return 0;
		snprintf(buf, sizeof(buf), "%" PRId64, i);
		*out = strdup(buf);
	} else if (v && json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);
		if (!id_ok(s, len))
			return 0;
		*out = strndup(s, len);
	} else {
		return 0;
	}
	return *out ? 0 : -ENOMEM;
}

/* A decimal id as a number; 0 when it is not all digits or overflows. */
static uint64_t id_number(const char *id)
{
	uint64_t n = 0;

	if (!id || !*id)
		return 0;
	for (; *id; id++) {
		uint64_t d = (uint64_t)(*id - '0');
		if (*id < '0' || *id > '9' || n > (UINT64_MAX - d) / 10)
			return 0;
		n = n * 10 + d;
	}
	return n;
}

/*
 * An integer: a JSON integer (saturated at the int64 limits by json-c), or a
 * string of decimal digits ("12"; DC sends "none" for no position).  Returns
 * false, leaving *out alone, for anything else.
 */
static bool get_int(struct json_object *v, int64_t *out)
{
	const char *s;
	char *end;
	long long x;

	if (!v)
		return false;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return true;
	}
	if (!json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (*end || errno || end - s != json_object_get_string_len(v))
		return false;
	*out = x;
	return true;
}

static bool first_int(struct json_object *o, const char *const *paths, int64_t *out)
{
	for (; *paths; paths++) {
		if (get_int(get(o, *paths), out))
			return true;
	}
	return false;
}

/* The first of paths holding a valid time; {0, 0} when none does. */
static struct cfs_time first_time(struct json_object *o, const char *const *paths)
{
	for (; *paths; paths++) {
		struct json_object *v = get_type(o, *paths, json_type_string);
		struct cfs_time t;
		if (v && cfs_model_time(json_object_get_string(v), &t) == 0)
			return t;
	}
	return (struct cfs_time){0, 0};
}

/* The last element of an array member (v1 "ancestors": root first, parent last). */
static struct json_object *last_of(struct json_object *o, const char *path)
{
	struct json_object *a = get_type(o, path, json_type_array);
	size_t n = a ? json_object_array_length(a) : 0;
	return n ? json_object_array_get_idx(a, n - 1) : NULL;
}

/* ---- field lists: Cloud v2 first, then v1 / Data Center ---- */

static const char *const MTIME_PATHS[] = {"version.createdAt",        "version.when",
                                          "history.lastUpdated.when", "createdAt",
                                          "history.createdDate",      NULL};
static const char *const CREATED_PATHS[] = {"createdAt", "history.createdDate", NULL};
static const char *const AUTHOR_PATHS[] = {"version.authorId",
                                           "version.by.accountId",
                                           "version.by.userKey",
                                           "history.lastUpdated.by.accountId",
                                           "history.lastUpdated.by.userKey",
                                           "authorId",
                                           NULL};
static const char *const VERSION_PATHS[] = {"version.number", "version",
                                            "history.lastUpdated.number", NULL};
static const char *const POSITION_PATHS[] = {"position", "childPosition", "extensions.position",
                                             NULL};
static const char *const BODY_PATHS[] = {"body.storage.value", NULL};
static const char *const WEBUI_PATHS[] = {"_links.webui", NULL};
static const char *const TYPE_PATHS[] = {"type", NULL};
static const char *const PARENT_TYPE_PATHS[] = {"parentType", NULL};
static const char *const EMBED_URL_PATHS[] = {"embedUrl", NULL};
static const char *const MEDIA_PATHS[] = {"mediaType", "extensions.mediaType", "metadata.mediaType",
                                          NULL};
static const char *const SIZE_PATHS[] = {"fileSize", "extensions.fileSize", NULL};
static const char *const DOWNLOAD_PATHS[] = {"downloadLink", "_links.download", NULL};
static const char *const NAME_PATHS[] = {"name", NULL};
static const char *const ACCOUNT_PATHS[] = {"accountId", "userKey", "username", NULL};
static const char *const DISPLAY_PATHS[] = {"displayName", "publicName", "username", NULL};

/* ---- objects ---- */

/* v1 metadata.labels.results[].name, joined with commas (label names have
 * neither commas nor spaces); NULL when the page has no such field. */
static int labels_of(struct json_object *o, char **out)
{
	struct json_object *a = get_type(o, "metadata.labels.results", json_type_array);
	size_t n = a ? json_object_array_length(a) : 0, len = 0;
	char *s, *p;

	*out = NULL;
	if (!a)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *name =
		    get_type(json_object_array_get_idx(a, i), "name", json_type_string);
		len += name ? (size_t)json_object_get_string_len(name) + 1 : 0;
	}
	s = p = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	*p = '\0';
	for (size_t i = 0; i < n; i++) {
		struct json_object *name =
		    get_type(json_object_array_get_idx(a, i), "name", json_type_string);
		const char *v = name ? json_object_get_string(name) : NULL;

		if (!v || !*v || strpbrk(v, ", \t\n") ||
		    strlen(v) != (size_t)json_object_get_string_len(name))
			continue;
		if (p != s)
			*p++ = ',';
		p = stpcpy(p, v);
	}
	*out = s;
	return 0;
}

static int page_from(struct json_object *o, struct cfs_page *p)
{
	struct json_object *parent;
	int64_t v;
	int ret;

	memset(p, 0, sizeof(*p));
	p->position = INT64_MAX;
	ret = dup_id(get(o, "id"), &p->id);
	if (ret == 0 && !p->id)
		ret = -EBADMSG;
	if (ret == 0)
		ret = dup_text(get_type(o, "title", json_type_string), &p->title);
	if (ret == 0 && !p->title)
		ret = -EBADMSG;
	if (ret < 0)
		goto out;
	p->idnum = id_number(p->id);
	parent = get(o, "parentId");
	if (!parent)
		parent = get(last_of(o, "ancestors"), "id");
	if ((ret = dup_id(parent, &p->parent_id)) < 0 ||
	    (ret = dup_first_text(o, TYPE_PATHS, &p->type)) < 0 ||
	    (ret = dup_first_text(o, PARENT_TYPE_PATHS, &p->parent_type)) < 0 ||
	    (ret = dup_first_text(o, EMBED_URL_PATHS, &p->embed_url)) < 0 ||
	    (ret = dup_first_text(o, AUTHOR_PATHS, &p->author_id)) < 0 ||
	    (ret = dup_first_text(o, BODY_PATHS, &p->body)) < 0 ||
	    (ret = dup_first_text(o, WEBUI_PATHS, &p->webui)) < 0)
		goto out;
	if (first_int(o, POSITION_PATHS, &v))
		p->position = v;
	if (first_int(o, VERSION_PATHS, &v))
		p->version = v;
	p->mtime = first_time(o, MTIME_PATHS);
	p->created = first_time(o, CREATED_PATHS);
	/* Folders send createdAt as epoch milliseconds. */
	if (!p->created.sec && get_type(o, "createdAt", json_type_int) &&
	    json_object_get_int64(get(o, "createdAt")) > 0) {
		int64_t ms = json_object_get_int64(get(o, "createdAt"));

		p->created = (struct cfs_time){ms / 1000, (long)(ms % 1000) * 1000000};
	}
	if (!p->mtime.sec)
		p->mtime = p->created;
	if ((ret = labels_of(o, &p->labels)) < 0)
		goto out;
out:
	if (ret < 0)
		cfs_model_page_clear(p);
	return ret;
}

static int attachment_from(struct json_object *o, struct cfs_attachment *a)
{
	struct json_object *page;
	int64_t v;
	int ret;

	memset(a, 0, sizeof(*a));
	a->size = -1;
	ret = dup_id(get(o, "id"), &a->id);
	if (ret == 0 && !a->id)
		ret = -EBADMSG;
	if (ret == 0)
		ret = dup_text(get_type(o, "title", json_type_string), &a->title);
	if (ret == 0 && !a->title)
		ret = -EBADMSG;
	if (ret < 0)
		goto out;
	page = get(o, "pageId");
	if (!page)
		page = get(o, "container.id");
	if ((ret = dup_id(page, &a->page_id)) < 0 ||
	    (ret = dup_first_text(o, MEDIA_PATHS, &a->media_type)) < 0 ||
	    (ret = dup_first_text(o, DOWNLOAD_PATHS, &a->download)) < 0)
		goto out;
	/* INT64_MAX is json-c's saturation of something absurd: unknown, like a negative size. */
	if (first_int(o, SIZE_PATHS, &v) && v >= 0 && v != INT64_MAX)
		a->size = v;
	if (first_int(o, VERSION_PATHS, &v))
		a->version = v;
	a->mtime = first_time(o, MTIME_PATHS);
out:
	if (ret < 0)
		cfs_model_attachment_clear(a);
	return ret;
}

/* The id at the end of a v1 link such as "/rest/api/content/32773"; NULL when none. */
static int id_from_link(struct json_object *v, char **out)
{
	const char *s, *last;

	*out = NULL;
	if (!v || !json_object_is_type(v, json_type_string))
		return 0;
	s = json_object_get_string(v);
	last = strrchr(s, '/');
	last = last ? last + 1 : s;
	if (!id_ok(last, strlen(last)))
		return 0;
	*out = strdup(last);
	return *out ? 0 : -ENOMEM;
}

static int space_from(struct json_object *o, struct cfs_space *s)
{
	struct json_object *key = get_type(o, "key", json_type_string);
	int ret;

	memset(s, 0, sizeof(*s));
	ret = dup_id(get(o, "id"), &s->id);
	if (ret == 0 && !s->id)
		ret = -EBADMSG;
	if (ret == 0 && (!key || json_object_get_string_len(key) == 0))
		ret = -EBADMSG;
	if (ret == 0)
		ret = dup_text(key, &s->key);
	if (ret < 0 || (ret = dup_first_text(o, NAME_PATHS, &s->name)) < 0)
		goto out;
	/* v2 homepageId; v1 ?expand=homepage; v1 unexpanded link. */
	ret = dup_id(get(o, "homepageId"), &s->homepage_id);
	if (ret == 0 && !s->homepage_id)
		ret = dup_id(get(o, "homepage.id"), &s->homepage_id);
	if (ret == 0 && !s->homepage_id)
		ret = id_from_link(get(o, "_expandable.homepage"), &s->homepage_id);
	s->created = first_time(o, CREATED_PATHS);
out:
	if (ret < 0)
		cfs_model_space_clear(s);
	return ret;
}

/* ---- lists ---- */

/* Makes room for more items in an array of size-byte elements. */
static int reserve(void **v, size_t *cap, size_t n, size_t more, size_t size)
{
	size_t want, newcap;
	void *p;

	if (more > SIZE_MAX / size - n)
		return -ENOMEM;
	want = n + more;
	if (want <= *cap)
		return 0;
	newcap = *cap < 16 ? 16 : *cap;
	while (newcap < want)
		newcap = newcap > SIZE_MAX / size / 2 ? want : newcap * 2;
	p = realloc(*v, newcap * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = newcap;
	return 0;
}

/* One listing type: its items and how to read and release one. */
struct list_ops {
	size_t size;
	int (*from)(struct json_object *o, void *item);
	void (*clear)(void *item);
};

/*
 * {"results":[...], "_links":{"next":...}} -> items appended to *v (n, cap),
 * *next replaced.  All or nothing: on error the items read so far are
 * released and n and *next are unchanged (the array may have grown).
 */
static int parse_list(const char *json, size_t len, const struct list_ops *ops, void **v, size_t *n,
                      size_t *cap, char **next)
{
	struct json_object *root = NULL, *results;
	char *newnext = NULL;
	size_t count, i = 0;
	int ret;

	if ((ret = parse_root(json, len, &root)) < 0)
		goto out;
	results = get_type(root, "results", json_type_array);
	if (!results) {
		ret = -EBADMSG;
		goto out;
	}
	count = json_object_array_length(results);
	if ((ret = reserve(v, cap, *n, count, ops->size)) < 0 ||
	    (ret = dup_text(get_type(root, "_links.next", json_type_string), &newnext)) < 0)
		goto out;
	for (i = 0; i < count; i++) {
		struct json_object *item = json_object_array_get_idx(results, i);
		void *slot = (char *)*v + (*n + i) * ops->size;
		ret =
		    json_object_is_type(item, json_type_object) ? ops->from(item, slot) : -EBADMSG;
		if (ret < 0)
			break;
	}
	if (ret < 0) {
		/* Item i failed and released itself; release the ones before it. */
		while (i > 0)
			ops->clear((char *)*v + (*n + --i) * ops->size);
		goto out;
	}
	*n += count;
	free(*next);
	*next = newnext;
	newnext = NULL;
out:
	free(newnext);
	json_object_put(root);
	return ret;
}

static int page_from_v(struct json_object *o, void *p)
{
	return page_from(o, p);
}

static void page_clear_v(void *p)
{
	cfs_model_page_clear(p);
}

static int attachment_from_v(struct json_object *o, void *a)
{
	return attachment_from(o, a);
}

static void attachment_clear_v(void *a)
{
	cfs_model_attachment_clear(a);
}

int cfs_model_pages(const char *json, size_t len, struct cfs_page_list *list)
{
	static const struct list_ops ops = {sizeof(struct cfs_page), page_from_v, page_clear_v};
	return parse_list(json, len, &ops, (void **)&list->v, &list->n, &list->cap, &list->next);
}

static int space_from_v(struct json_object *o, void *s)
{
	return space_from(o, s);
}

static void space_clear_v(void *s)
{
	cfs_model_space_clear(s);
}

int cfs_model_spaces(const char *json, size_t len, struct cfs_space_list *list)
{
	static const struct list_ops ops = {sizeof(struct cfs_space), space_from_v, space_clear_v};
	return parse_list(json, len, &ops, (void **)&list->v, &list->n, &list->cap, &list->next);
}

int cfs_model_attachments(const char *json, size_t len, struct cfs_attachment_list *list)
{
	static const struct list_ops ops = {sizeof(struct cfs_attachment), attachment_from_v,
	                                    attachment_clear_v};
	return parse_list(json, len, &ops, (void **)&list->v, &list->n, &list->cap, &list->next);
}

/* ---- single objects ---- */

int cfs_model_page(const char *json, size_t len, struct cfs_page *page)
{
	struct json_object *root = NULL;
	struct cfs_page p;
	int ret;

	if ((ret = parse_root(json, len, &root)) < 0 || (ret = page_from(root, &p)) < 0)
		goto out;
	*page = p;
out:
	json_object_put(root);
	return ret;
}

int cfs_model_space(const char *json, size_t len, struct cfs_space *space)
{
	struct json_object *root = NULL, *results, *o = NULL;
	struct cfs_space s;
	int ret;

	if ((ret = parse_root(json, len, &root)) < 0)
		goto out;
	/* v2 and v1 listings wrap the space in results; DC's /space/{key} does not. */
	results = get(root, "results");
	if (!results) {
		o = root;
	} else if (!json_object_is_type(results, json_type_array)) {
		ret = -EBADMSG;
	} else if (json_object_array_length(results) == 0) {
		ret = -ENOENT;
	} else {
		o = json_object_array_get_idx(results, 0);
		if (!o || !json_object_is_type(o, json_type_object))
			ret = -EBADMSG;
	}
	if (ret < 0 || (ret = space_from(o, &s)) < 0)
		goto out;
	*space = s;
out:
	json_object_put(root);
	return ret;
}

int cfs_model_user(const char *json, size_t len, struct cfs_user *user)
{
	struct json_object *root = NULL, *type;
	struct cfs_user u = {0};
	int ret;

	if ((ret = parse_root(json, len, &root)) < 0)
		goto out;
	/* Cloud has accountId; DC has userKey and username instead. */
	for (const char *const *p = ACCOUNT_PATHS; *p && !u.account_id; p++) {
		struct json_object *v = get_type(root, *p, json_type_string);
		if (v && json_object_get_string_len(v) > 0 &&
		    (ret = dup_text(v, &u.account_id)) < 0)
			break;
	}
	if (ret < 0 || (ret = dup_first_text(root, DISPLAY_PATHS, &u.display_name)) < 0) {
		cfs_model_user_clear(&u);
		goto out;
	}
	/* A bad DC token is answered as the anonymous user, not with 401. */
	type = get_type(root, "type", json_type_string);
	u.anonymous =
	    !u.account_id || (type && strcmp(json_object_get_string(type), "anonymous") == 0);
	*user = u;
out:
	json_object_put(root);
	return ret;
}

/* ---- release ---- */

void cfs_model_page_clear(struct cfs_page *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->title);
	free(p->parent_id);
	free(p->type);
	free(p->parent_type);
	free(p->embed_url);
	free(p->author_id);
	free(p->labels);
	free(p->body);
	free(p->webui);
	memset(p, 0, sizeof(*p));
}

void cfs_model_page_list_clear(struct cfs_page_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		cfs_model_page_clear(&l->v[i]);
	free(l->v);
	free(l->next);
	memset(l, 0, sizeof(*l));
}

void cfs_model_attachment_clear(struct cfs_attachment *a)
{
	if (!a)
		return;
	free(a->id);
	free(a->title);
	free(a->page_id);
	free(a->media_type);
	free(a->download);
	memset(a, 0, sizeof(*a));
}

void cfs_model_attachment_list_clear(struct cfs_attachment_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		cfs_model_attachment_clear(&l->v[i]);
	free(l->v);
	free(l->next);
	memset(l, 0, sizeof(*l));
}

void cfs_model_space_clear(struct cfs_space *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->key);
	free(s->name);
	free(s->homepage_id);
	memset(s, 0, sizeof(*s));
}

void cfs_model_space_list_clear(struct cfs_space_list *l)
{
	for (size_t i = 0; l && i < l->n; i++)
		cfs_model_space_clear(&l->v[i]);
	if (l) {
		free(l->v);
		free(l->next);
		memset(l, 0, sizeof(*l));
	}
}

void cfs_model_user_clear(struct cfs_user *u)
{
	if (!u)
		return;
	free(u->account_id);
	free(u->display_name);
	memset(u, 0, sizeof(*u));
}
