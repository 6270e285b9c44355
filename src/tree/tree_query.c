/* tree_query: answers from the tree — lookups, attributes, listings, xattrs, rendered pages. */
#include "tree_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int is_dir_kind(enum cfs_tree_kind k)
{
	return k == CFS_PAGE_DIR || k == CFS_ATT_DIR || k == CFS_ROOT_DIR;
}

int cfs_tree_resolve(struct cfs_tree *t, uint64_t ino, struct cfs_node **node,
                     enum cfs_tree_kind *kind)
{
	enum cfs_tree_kind k = (enum cfs_tree_kind)(ino & 3);
	struct cfs_node *n;

	if (ino == CFS_ROOT_INO) {
		*node = &t->root;
		*kind = CFS_ROOT_DIR;
		return 0;
	}
	if (k == CFS_ATT_FILE)
		n = cfs_tree_find_key(t->att_by_key, t->natt, ino & ~3ull);
	else
		n = cfs_tree_find_key(t->by_key, t->n, ino & ~3ull);
	if (!n || !n->present)
		return -ENOENT;
	if ((k == CFS_PAGE_DIR && !cfs_tree_has_dir(n)) ||
	    (k == CFS_ATT_DIR && !n->natts && !n->keep_atts) ||
	    (k == CFS_PAGE_FILE && (n->synthetic || n->ctype == CFS_CT_FOLDER)))
		return -ENOENT;
	*node = n;
	*kind = k;
	return 0;
}

static struct cfs_time newest_att(const struct cfs_node *page)
{
	struct cfs_time m = {0, 0};

	for (size_t i = 0; i < page->natts; i++)
		if (page->atts[i]->mtime.sec > m.sec)
			m = page->atts[i]->mtime;
	return m;
}

static void fill_attr(struct cfs_tree *t, struct cfs_node *n, enum cfs_tree_kind kind,
                      struct cfs_tree_attr *a)
{
	a->kind = kind;
	a->is_dir = is_dir_kind(kind);
	a->ino = kind == CFS_ROOT_DIR ? CFS_ROOT_INO : n->key | (uint64_t)kind;
	a->mtime = n->mtime;
	a->version = kind == CFS_ROOT_DIR ? 0 : n->version;
	a->node = kind == CFS_ROOT_DIR ? NULL : n;
	a->nlink = 1;
	a->size = 0;
	switch (kind) {
	case CFS_PAGE_FILE:
		a->size = n->md && n->md_version >= n->version ? (int64_t)n->md->len : -1;
		break;
	case CFS_ATT_FILE:
		a->size = n->size;
		break;
	case CFS_ATT_DIR:
		a->nlink = 2;
		a->mtime = newest_att(n);
		break;
	case CFS_PAGE_DIR:
	case CFS_ROOT_DIR:
		a->nlink = 2 + n->ndirs + (n->natts || n->keep_atts ? 1 : 0);
		break;
	}
	if (cfs_tree_unloaded(t, n))
		a->nlink = 1; /* not known yet; 1 tells find(1) not to count on it */
	if (n->synthetic)
		a->version = 0;
	a->time_unknown = (kind == CFS_PAGE_FILE || kind == CFS_PAGE_DIR) && !n->synthetic &&
	                  n->ctype == CFS_CT_PAGE && n->version == 0;
}

static struct entry *find_entry(struct entry *v, size_t n, const char *name)
{
	struct entry key = {.name = name};

	return n ? bsearch(&key, v, n, sizeof(*v), cfs_tree_cmp_entry) : NULL;
}

int cfs_tree_lookup(struct cfs_tree *t, uint64_t parent, const char *name,
                    struct cfs_tree_attr *out)
{
	struct cfs_node *dir;
	enum cfs_tree_kind kind;
	struct entry *e = NULL;
	int ret;

	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_tree_resolve(t, parent, &dir, &kind);
	if (ret == 0 && !is_dir_kind(kind))
		ret = -ENOTDIR;
	if (ret == 0 && cfs_tree_unloaded(t, dir))
		ret = -EAGAIN;
	if (ret == 0) {
		if (kind == CFS_ATT_DIR)
			e = find_entry(dir->att_names, dir->natts, name);
		else
			e = find_entry(dir->names, dir->nnames, name);
		if (e)
			fill_attr(t, e->node, e->kind, out);
		else
			ret = -ENOENT;
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

int cfs_tree_getattr(struct cfs_tree *t, uint64_t ino, struct cfs_tree_attr *out)
{
	struct cfs_node *n;
	enum cfs_tree_kind kind;
	int ret;

	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_tree_resolve(t, ino, &n, &kind);
	if (ret == 0)
		fill_attr(t, n, kind, out);
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

void cfs_tree_dirents_free(struct cfs_tree_dirent *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		free(d[i].name);
	free(d);
}

static int add_dirent(struct cfs_tree_dirent *d, size_t *k, const char *name, uint64_t ino,
                      int is_dir)
{
	d[*k].name = strdup(name);
	d[*k].ino = ino;
	d[*k].is_dir = is_dir;
	return d[(*k)++].name ? 0 : -ENOMEM;
}

int cfs_tree_readdir(struct cfs_tree *t, uint64_t ino, struct cfs_tree_dirent **out, size_t *nout)
{
	struct cfs_node *dir;
	struct cfs_tree_dirent *d = NULL;
	enum cfs_tree_kind kind;
	size_t k = 0;
	int ret;

	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_tree_resolve(t, ino, &dir, &kind);
	if (ret == 0 && !is_dir_kind(kind))
		ret = -ENOTDIR;
	if (ret == 0 && cfs_tree_unloaded(t, dir))
		ret = -EAGAIN;
	if (ret)
		goto out;
	d = calloc(dir->nkids * 2 + dir->natts + 1, sizeof(*d));
	if (!d) {
		ret = -ENOMEM;
		goto out;
	}
	if (kind == CFS_ATT_DIR) {
		for (size_t i = 0; i < dir->natts && !ret; i++)
			ret = add_dirent(d, &k, dir->atts[i]->stem,
			                 dir->atts[i]->key | CFS_ATT_FILE, 0);
		goto done;
	}
	/* Position order, each page's file before its directory. */
	for (size_t i = 0; i < dir->nkids && !ret; i++) {
		struct cfs_node *kid = dir->kids[i];

		if (!kid->synthetic && kid->ctype != CFS_CT_FOLDER)
			ret = add_dirent(d, &k, kid->md_name, kid->key | CFS_PAGE_FILE, 0);
		if (!ret && cfs_tree_has_dir(kid))
			ret = add_dirent(d, &k, kid->stem, kid->key | CFS_PAGE_DIR, 1);
	}
	if (!ret && (dir->natts || dir->keep_atts))
		ret = add_dirent(d, &k, ATTACHMENTS_DIR, dir->key | CFS_ATT_DIR, 1);
done:
	if (ret) {
		cfs_tree_dirents_free(d, k);
		d = NULL;
		k = 0;
	}
out:
	pthread_rwlock_unlock(&t->lock);
	*out = d;
	*nout = k;
	return ret;
}

uint64_t cfs_tree_parent(struct cfs_tree *t, uint64_t ino)
{
	struct cfs_node *n;
	enum cfs_tree_kind kind;
	uint64_t parent = CFS_ROOT_INO;

	pthread_rwlock_rdlock(&t->lock);
	if (cfs_tree_resolve(t, ino, &n, &kind) == 0) {
		if (kind == CFS_ATT_DIR)
			parent = n->key | CFS_PAGE_DIR;
		else if (kind == CFS_PAGE_DIR && n->parent)
			parent = n->parent->key | CFS_PAGE_DIR;
	}
	pthread_rwlock_unlock(&t->lock);
	return parent;
}

/* Extended attributes: what a file name cannot carry. */
enum {
	X_SPACE,
	X_ID,
	X_TITLE,
	X_TYPE,
	X_VERSION,
	X_MEDIA_TYPE,
	X_URL,
	X_AUTHOR,
	X_CREATED,
	X_UPDATED,
	X_LABELS,
	X_AUTHOR_ID,
	X_COUNT
};
static const char *const xattr_names[X_COUNT] = {
    "user.confluence.space",   "user.confluence.id",      "user.confluence.title",
    "user.confluence.type",    "user.confluence.version", "user.confluence.media_type",
    "user.confluence.url",     "user.confluence.author",  "user.confluence.created",
    "user.confluence.updated", "user.confluence.labels",  "user.confluence.author_id",
};

/* "2024-01-08T10:00:00Z", malloc'd; NULL for an unknown time. */
static char *iso_time(struct cfs_time t)
{
	struct tm tm;
	time_t sec = (time_t)t.sec;
	char buf[32];

	if (!t.sec || !gmtime_r(&sec, &tm))
		return NULL;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strdup(buf);
}

static char *url_of(struct cfs_tree *t, struct cfs_node *n, enum cfs_tree_kind kind)
{
	const struct tspace *sp = &t->spaces[n->space];
	char *s = NULL;
	int r;

	if (kind == CFS_ROOT_DIR && t->multi)
		r = asprintf(&s, "%s/", t->base_url);
	else if (kind == CFS_ROOT_DIR || n->synthetic)
		r = asprintf(&s, "%s/display/%s", t->base_url, sp->key);
	else if (n->is_att)
		r = asprintf(&s, "%s/pages/viewpageattachments.action?pageId=%s", t->base_url,
		             n->parent->id);
	else if (n->webui)
		r = asprintf(&s, "%s%s", t->base_url, n->webui);
	else
		r = asprintf(&s, "%s/pages/viewpage.action?pageId=%s", t->base_url, n->id);
	return r < 0 ? NULL : s;
}

/* The value of attribute x (malloc'd), or NULL when n does not have it.
 * *nomem is set when NULL means out of memory.  Read lock held.  The root
 * and the directories the tree makes up have the space and URL; a space's
 * own directory also its id and name (as the title). */
static char *xattr_value(struct cfs_tree *t, struct cfs_node *n, enum cfs_tree_kind kind, int x,
                         int *nomem)
{
	const struct tspace *sp = &t->spaces[n->space];
	/* a space's directory: the root of a single-space mount, or sp->top */
	int space_dir = (n->synthetic && n == sp->top) || (kind == CFS_ROOT_DIR && !t->multi);
	char *v = NULL;
	const char *s = NULL;

	if (kind == CFS_ROOT_DIR && t->multi && x != X_URL)
		return NULL;
	if ((kind == CFS_ROOT_DIR || n->synthetic) && x != X_SPACE && x != X_URL &&
	    !(space_dir && (x == X_ID || x == X_TITLE)))
		return NULL;
	switch (x) {
	case X_SPACE:
		s = sp->key;
		break;
	case X_ID:
		s = space_dir ? sp->id : n->id;
		break;
	case X_TITLE:
		s = space_dir ? sp->name : n->title;
		break;
	case X_TYPE:
		s = n->is_att    ? "attachment"
		    : n->is_blog ? "blogpost"
		                 : cfs_tree_ctype_name(n->ctype);
		break;
	case X_VERSION:
		if (asprintf(&v, "%lld", (long long)n->version) < 0)
			v = NULL;
		*nomem = !v;
		return v;
	case X_MEDIA_TYPE:
		s = n->is_att ? n->media_type : NULL;
		break;
	case X_URL:
		v = url_of(t, n, kind);
		*nomem = !v;
		return v;
	case X_AUTHOR: /* the display name once looked up (cache.c), else the id */
		s = n->is_att || !n->author_id ? NULL : cfs_tree_user_name(t, n->author_id);
		if (!s)
			s = n->is_att ? NULL : n->author_id;
		break;
	case X_AUTHOR_ID:
		s = n->is_att ? NULL : n->author_id;
		break;
	case X_LABELS:
		s = n->is_att ? NULL : n->labels;
		break;
	case X_CREATED:
	case X_UPDATED:
		if (n->is_att)
			return NULL;
		v = iso_time(x == X_UPDATED || !n->created.sec ? n->mtime : n->created);
		return v;
	}
	if (!s)
		return NULL;
	v = strdup(s);
	*nomem = !v;
	return v;
}

int cfs_tree_xattr_list(struct cfs_tree *t, uint64_t ino, char **out, size_t *len)
{
	struct cfs_node *n;
	enum cfs_tree_kind kind;
	char buf[512], *p = buf;
	int ret, nomem = 0;

	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_tree_resolve(t, ino, &n, &kind);
	for (int x = 0; ret == 0 && x < X_COUNT; x++) {
		char *v = xattr_value(t, n, kind, x, &nomem);

		if (v)
			p = stpcpy(p, xattr_names[x]) + 1;
		free(v);
		if (nomem)
			ret = -ENOMEM;
	}
	pthread_rwlock_unlock(&t->lock);
	*out = NULL;
	*len = 0;
	if (ret)
		return ret;
	*len = (size_t)(p - buf);
	*out = malloc(*len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, buf, *len);
	return 0;
}

int cfs_tree_xattr_get(struct cfs_tree *t, uint64_t ino, const char *name, char **out, size_t *len)
{
	struct cfs_node *n;
	enum cfs_tree_kind kind;
	char *v = NULL;
	int ret, nomem = 0;

	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_tree_resolve(t, ino, &n, &kind);
	if (ret == 0) {
		ret = -ENODATA;
		for (int x = 0; x < X_COUNT; x++) {
			if (strcmp(name, xattr_names[x]) == 0) {
				v = xattr_value(t, n, kind, x, &nomem);
				ret = v ? 0 : nomem ? -ENOMEM : -ENODATA;
				break;
			}
		}
	}
	pthread_rwlock_unlock(&t->lock);
	*out = v;
	*len = v ? strlen(v) : 0;
	return ret;
}

void **cfs_tree_loop_slot(struct cfs_node *n)
{
	return &n->loop_slot;
}

struct cfs_blob *cfs_tree_md(struct cfs_tree *t, struct cfs_node *n)
{
	struct cfs_blob *b = NULL;

	pthread_rwlock_rdlock(&t->lock);
	if (n->md && n->md_version >= n->version) {
		b = cfs_blob_ref(n->md);
		atomic_store(&n->last_used, atomic_fetch_add(&t->tick, 1));
	}
	pthread_rwlock_unlock(&t->lock);
	return b;
}

/* Eviction order: pages also kept on disk first (read back without a
 * request), then the least recently used. */
static int cmp_evict(const void *a, const void *b)
{
	const struct cfs_node *n = *(struct cfs_node *const *)a, *m = *(struct cfs_node *const *)b;
	uint64_t x = atomic_load(&n->last_used), y = atomic_load(&m->last_used);

	if (n->md_on_disk != m->md_on_disk)
		return n->md_on_disk ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Over the bound: drop pages down to 90% of it, those kept on disk first
 * (docs/memory.md), else the least recently used.  Write lock held.  Open
 * files keep their own reference to the bytes. */
static void evict(struct cfs_tree *t, struct cfs_node *keep)
{
	struct cfs_node **v = malloc(t->nall * sizeof(*v));
	size_t n = 0;

	if (!v)
		return;
	for (size_t i = 0; i < t->nall; i++)
		if (t->all[i]->md && t->all[i] != keep && !t->all[i]->ctype) /* stubs stay */
			v[n++] = t->all[i];
	if (n)
		qsort(v, n, sizeof(*v), cmp_evict);
	for (size_t i = 0; i < n && t->md_bytes > t->md_cap / 10 * 9; i++) {
		t->md_bytes -= v[i]->md->len;
		cfs_blob_unref(v[i]->md);
		v[i]->md = NULL;
		v[i]->md_on_disk = 0;
	}
	free(v);
}

void cfs_tree_set_md_cap(struct cfs_tree *t, uint64_t cap)
{
	pthread_rwlock_wrlock(&t->lock);
	t->md_cap = cap;
	if (cap && t->md_bytes > cap)
		evict(t, NULL);
	pthread_rwlock_unlock(&t->lock);
}

uint64_t cfs_tree_md_bytes(struct cfs_tree *t)
{
	uint64_t b;

	pthread_rwlock_rdlock(&t->lock);
	b = t->md_bytes;
	pthread_rwlock_unlock(&t->lock);
	return b;
}

/* Append x to a growable array; -ENOMEM. */
static int push(struct cfs_node ***v, size_t *n, size_t *cap, struct cfs_node *x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct cfs_node **nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

int cfs_tree_prefetch_set(struct cfs_tree *t, uint64_t ino, int depth, uint64_t att_max,
                          struct cfs_node ***pages, size_t *np, struct cfs_node ***atts, size_t *na)
{
	struct cfs_node *dir, **v = NULL, **a = NULL;
	enum cfs_tree_kind kind;
	size_t n = 0, cap = 0, acount = 0, acap = 0, lo, hi;
	int ret;

	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_tree_resolve(t, ino, &dir, &kind);
	if (ret || (kind != CFS_PAGE_DIR && kind != CFS_ROOT_DIR)) {
		ret = ret ? ret : -ENOTDIR;
		goto out;
	}
	/* Breadth first over the sequence [dir, v[0], v[1], ...]: positions
	 * lo..hi-1 are the level being expanded. */
	lo = 0;
	hi = 1;
	for (int d = 0; d < depth && lo < hi && !ret; d++) {
		size_t next_hi = hi;

		for (size_t i = lo; i < hi && !ret; i++) {
			struct cfs_node *p = i == 0 && d == 0 ? dir : v[i - 1];

			for (size_t k = 0; k < p->nkids && !ret; k++, next_hi++)
				ret = push(&v, &n, &cap, p->kids[k]);
		}
		lo = hi;
		hi = next_hi;
	}
	/* Small attachments of the directory's page and of those pages. */
	for (size_t i = 0; i <= n && !ret; i++) {
		struct cfs_node *p = i == n ? dir : v[i];

		for (size_t k = 0; k < p->natts && !ret; k++)
			if ((uint64_t)p->atts[k]->size <= att_max)
				ret = push(&a, &acount, &acap, p->atts[k]);
	}
	/* Only the pages without Markdown. */
	{
		size_t w = 0;
		for (size_t i = 0; i < n; i++)
			if (!v[i]->synthetic && !v[i]->ctype &&
			    !(v[i]->md && v[i]->md_version >= v[i]->version))
				v[w++] = v[i];
		n = w;
	}
out:
	pthread_rwlock_unlock(&t->lock);
	if (ret) {
		free(v);
		free(a);
		v = a = NULL;
		n = acount = 0;
	}
	*pages = v;
	*np = n;
	*atts = a;
	*na = acount;
	return ret;
}

void cfs_tree_set_md(struct cfs_tree *t, struct cfs_node *n, struct cfs_blob *md, int64_t version,
                     struct cfs_tree_links *links)
{
	struct cfs_blob *old;
	uint64_t *old_keys;

	if (links && links->n)
		qsort(links->v, links->n, sizeof(*links->v), cfs_tree_cmp_u64);
	pthread_rwlock_wrlock(&t->lock);
	old = n->md;
	old_keys = n->link_keys;
	if (old)
		t->md_bytes -= old->len;
	n->md = cfs_blob_ref(md);
	n->md_on_disk = 0;
	n->md_version = version;
	n->link_keys = links ? links->v : NULL;
	n->nlink_keys = links ? links->n : 0;
	t->md_bytes += md->len;
	atomic_store(&n->last_used, atomic_fetch_add(&t->tick, 1));
	if (t->md_cap && t->md_bytes > t->md_cap)
		evict(t, n);
	pthread_rwlock_unlock(&t->lock);
	if (links)
		memset(links, 0, sizeof(*links));
	free(old_keys);
	cfs_blob_unref(old);
}

void cfs_tree_md_on_disk(struct cfs_tree *t, struct cfs_node *n, const struct cfs_blob *md)
{
	pthread_rwlock_wrlock(&t->lock);
	if (n->md && n->md == md)
		n->md_on_disk = 1;
	pthread_rwlock_unlock(&t->lock);
}

int cfs_tree_att_ref(struct cfs_tree *t, struct cfs_node *n, char **page_id, char **att_id,
                     char **download, int64_t *version, int64_t *size)
{
	pthread_rwlock_rdlock(&t->lock);
	*page_id = strdup(n->parent->id);
	*att_id = strdup(n->id);
	*download = n->webui ? strdup(n->webui) : NULL;
	*version = n->version;
	*size = n->size;
	pthread_rwlock_unlock(&t->lock);
	if (*page_id && *att_id && (*download || !n->webui))
		return 0;
	free(*page_id);
	free(*att_id);
	free(*download);
	return -ENOMEM;
}

char *cfs_tree_title(struct cfs_tree *t, struct cfs_node *n)
{
	char *s;

	pthread_rwlock_rdlock(&t->lock);
	s = strdup(n->title);
	pthread_rwlock_unlock(&t->lock);
	return s;
}

int cfs_tree_page_ref(struct cfs_tree *t, struct cfs_node *n, char **id, int64_t *version,
                      int *blog)
{
	pthread_rwlock_rdlock(&t->lock);
	*id = strdup(n->id);
	*version = n->version;
	*blog = n->is_blog;
	pthread_rwlock_unlock(&t->lock);
	return *id ? 0 : -ENOMEM;
}

char *cfs_tree_space_key(struct cfs_tree *t, struct cfs_node *n)
{
	char *s;

	pthread_rwlock_rdlock(&t->lock);
	s = t->spaces[n->space].key ? strdup(t->spaces[n->space].key) : NULL;
	pthread_rwlock_unlock(&t->lock);
	return s;
}
