/* tree_link: links between pages as relative paths on the mount, and conversion with them. */
#include "tree_int.h"
#include "convert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- links (read lock held by cfs_tree_convert) ---- */

/* Remember that the page links to title in space (out of memory: forgotten,
 * so that link may stay stale after a rename). */
void cfs_tree_note_link(struct link_ctx *c, long space, const char *title)
{
	if (space >= 0 && title)
		cfs_tree_note_key(c, cfs_tree_title_key((size_t)space, title));
}

void cfs_tree_note_key(struct link_ctx *c, uint64_t key)
{
	struct cfs_tree_links *l = c->links;

	if (!l)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = key;
}

/* Ancestors of n, root-most first, into a malloc'd array; *depth set. */
static struct cfs_node **ancestors(struct cfs_node *n, size_t *depth)
{
	size_t d = 0;
	struct cfs_node **v;

	for (struct cfs_node *p = n->parent; p; p = p->parent)
		d++;
	v = malloc((d + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*depth = d;
	for (struct cfs_node *p = n->parent; p; p = p->parent)
		v[--d] = p;
	return v;
}

/* Path from the directory holding `from`'s file to target's file, or with
 * into_dir to leaf inside target's directory (for attachments). */
char *cfs_tree_rel_path(struct cfs_node *from, struct cfs_node *target, int into_dir,
                        const char *leaf)
{
	size_t da, db, k = 0, len = 1;
	struct cfs_node **a = ancestors(from, &da);
	struct cfs_node **b = ancestors(target, &db);
	char *s = NULL, *p;

	if (!a || !b)
		goto out;
	while (k < da && k < db && a[k] == b[k])
		k++;
	len += (da - k) * 3;
	for (size_t i = k; i < db; i++)
		len += strlen(b[i]->stem) + 1;
	len += strlen(target->stem) + 4 + (leaf ? strlen(leaf) + 1 : 0);
	s = p = malloc(len);
	if (!s)
		goto out;
	for (size_t i = k; i < da; i++)
		p = stpcpy(p, "../");
	for (size_t i = k; i < db; i++) {
		p = stpcpy(p, b[i]->stem);
		p = stpcpy(p, "/");
	}
	if (into_dir) {
		p = stpcpy(p, target->stem);
		p = stpcpy(p, "/");
		stpcpy(p, leaf);
	} else {
		p = stpcpy(p, target->md_name);
	}
out:
	free(a);
	free(b);
	return s;
}

char *cfs_tree_path(struct cfs_tree *t, struct cfs_node *n)
{
	struct cfs_node *page = n->is_att ? n->parent : n;
	struct cfs_node **up;
	size_t depth, len = 1;
	char *s = NULL, *p;

	pthread_rwlock_rdlock(&t->lock);
	up = ancestors(page, &depth);
	if (!up || !page->md_name)
		goto out;
	for (size_t i = 0; i < depth; i++)
		len += strlen(up[i]->stem) + 1;
	len += n->is_att ? strlen(page->stem) + sizeof(ATTACHMENTS_DIR) + strlen(n->stem) + 2
	                 : strlen(page->md_name);
	s = p = malloc(len);
	if (!s)
		goto out;
	*p = '\0';
	for (size_t i = 0; i < depth; i++) {
		p = stpcpy(p, up[i]->stem);
		p = stpcpy(p, "/");
	}
	if (n->is_att) {
		p = stpcpy(p, page->stem);
		p = stpcpy(p, "/" ATTACHMENTS_DIR "/");
		stpcpy(p, n->stem);
	} else {
		stpcpy(p, page->md_name);
	}
out:
	pthread_rwlock_unlock(&t->lock);
	free(up);
	return s;
}

/* The space a link points into: the converted page's own when the link
 * names none, else a mounted and loaded space with that key; -1 when the
 * target is not on the mount (the link becomes an absolute URL).  A space
 * that is mounted but not loaded yet was loaded before the conversion when
 * it could be (cache.c). */
long cfs_tree_link_space(struct link_ctx *c, const char *space_key, const char *title)
{
	long i;

	if (!space_key || !*space_key)
		i = (long)c->from->space;
	else
		i = cfs_tree_space_by_key(c->t, space_key);
	cfs_tree_note_link(c, i, title);
	return i >= 0 && c->t->spaces[i].loaded ? i : -1;
}

static char *link_page(void *arg, const char *space_key, const char *title)
{
	struct link_ctx *c = arg;
	struct cfs_node *target;
	long space = cfs_tree_link_space(c, space_key, title);

	if (space < 0)
		return NULL;
	if (!title || !*title)
		return space == (long)c->from->space ? strdup(c->from->md_name) : NULL;
	target = cfs_tree_find_title(c->t, (size_t)space, title);
	return target ? cfs_tree_rel_path(c->from, target, 0, NULL) : NULL;
}

/* The blog post of space with this title (and, when given, posting day
 * "YYYY/MM/DD" or "YYYY-MM-DD" of its creation, UTC); the lowest id wins. */
static struct cfs_node *find_blog(struct cfs_tree *t, size_t space, const char *title,
                                  const char *day)
{
	for (size_t i = 0; i < t->n; i++) {
		struct cfs_node *b = t->by_key[i];
		time_t sec;
		struct tm tm;
		char d[48];

		if (!b->is_blog || b->space != space || strcmp(b->title, title) != 0)
			continue;
		sec = (time_t)(b->created.sec ? b->created.sec : b->mtime.sec);
		if (day && strlen(day) == 10 && gmtime_r(&sec, &tm)) {
			snprintf(d, sizeof(d), "%04d%c%02d%c%02d", tm.tm_year + 1900, day[4],
			         tm.tm_mon + 1, day[7], tm.tm_mday);
			if (strcmp(d, day) != 0)
				continue;
		}
		return b;
	}
	return NULL;
}

static char *link_blog(void *arg, const char *space_key, const char *title, const char *day)
{
	struct link_ctx *c = arg;
	long space = cfs_tree_link_space(c, space_key, title);
	struct cfs_node *target;

	if (space < 0 || !title || !(target = find_blog(c->t, (size_t)space, title, day)))
		return NULL;
	return cfs_tree_rel_path(c->from, target, 0, NULL);
}

/* A file attached to a page (page_title NULL: the page being converted):
 * "<page dir>/_attachments/<name>", relative to the converted page. */
static char *link_attachment(void *arg, const char *space_key, const char *page_title,
                             const char *filename)
{
	struct link_ctx *c = arg;
	struct cfs_node *page = c->from;
	long space = cfs_tree_link_space(c, space_key, page_title);
	char *leaf, *path;

	if (space < 0)
		return NULL;
	if (page_title && *page_title &&
	    !(page = cfs_tree_find_title(c->t, (size_t)space, page_title)) &&
	    !(page = find_blog(c->t, (size_t)space, page_title, NULL)))
		return NULL;
	if (!filename)
		return NULL;
	for (size_t i = 0; i < page->natts; i++) {
		struct cfs_node *a = page->atts[i];

		if (strcmp(a->title, filename) != 0)
			continue;
		if (asprintf(&leaf, ATTACHMENTS_DIR "/%s", a->stem) < 0)
			return NULL;
		path = cfs_tree_rel_path(c->from, page, 1, leaf);
		free(leaf);
		return path;
	}
	return NULL;
}

void cfs_tree_set_front_matter(struct cfs_tree *t, int on)
{
	pthread_rwlock_wrlock(&t->lock);
	t->front_matter = on;
	pthread_rwlock_unlock(&t->lock);
}

int cfs_tree_front_matter(struct cfs_tree *t)
{
	int on;

	pthread_rwlock_rdlock(&t->lock);
	on = t->front_matter;
	pthread_rwlock_unlock(&t->lock);
	return on;
}

/* s as a YAML double-quoted scalar, appended to f. */
static void yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void yaml_time(FILE *f, const char *key, struct cfs_time t)
{
	struct tm tm;
	time_t sec = (time_t)t.sec;
	char buf[32];

	if (!t.sec || !gmtime_r(&sec, &tm))
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "%s: %s\n", key, buf);
}

/* The YAML front matter of page n (malloc'd into *out); read lock held. */
static int front_matter(struct cfs_tree *t, struct cfs_node *n, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);

	if (!f)
		return -ENOMEM;
	fputs("---\ntitle: ", f);
	yaml_str(f, n->title);
	fputs("\nid: ", f);
	yaml_str(f, n->id);
	if (n->is_blog)
		fputs("\ntype: blogpost", f);
	fputs("\nspace: ", f);
	yaml_str(f, t->spaces[n->space].key);
	fprintf(f, "\nversion: %lld\n", (long long)n->version);
	if (n->author_id) {
		const char *name = cfs_tree_user_name(t, n->author_id);

		fputs("author: ", f);
		yaml_str(f, name ? name : n->author_id);
		fputc('\n', f);
	}
	if (n->labels) {
		const char *p = n->labels;

		fputs("labels: [", f);
		while (*p) {
			size_t l = strcspn(p, ",");
			char *one = strndup(p, l);

			if (p != n->labels)
				fputs(", ", f);
			yaml_str(f, one ? one : "");
			free(one);
			p += l + (p[l] == ',');
		}
		fputs("]\n", f);
	}
	yaml_time(f, "created", n->created.sec ? n->created : n->mtime);
	yaml_time(f, "updated", n->mtime);
	fputs("url: ", f);
	if (n->webui)
		fprintf(f, "\"%s%s\"", t->base_url, n->webui);
	else
		fprintf(f, "\"%s/pages/viewpage.action?pageId=%s\"", t->base_url, n->id);
	fputs("\n---\n\n", f);
	return fclose(f) ? -ENOMEM : 0;
}

static int cmp_user(const void *a, const void *b)
{
	return strcmp(((const struct user *)a)->id, ((const struct user *)b)->id);
}

/* Read lock held. */
static struct user *find_user(struct cfs_tree *t, const char *id)
{
	struct user key = {.id = (char *)id};

	return t->nusers ? bsearch(&key, t->users, t->nusers, sizeof(key), cmp_user) : NULL;
}

const char *cfs_tree_user_name(struct cfs_tree *t, const char *id)
{
	struct user *u = find_user(t, id);

	return u ? u->name : NULL;
}

char *cfs_tree_author(struct cfs_tree *t, struct cfs_node *n)
{
	char *a;

	pthread_rwlock_rdlock(&t->lock);
	a = n->author_id ? strdup(n->author_id) : NULL;
	pthread_rwlock_unlock(&t->lock);
	return a;
}

int cfs_tree_user_known(struct cfs_tree *t, const char *id)
{
	int known;

	pthread_rwlock_rdlock(&t->lock);
	known = find_user(t, id) != NULL;
	pthread_rwlock_unlock(&t->lock);
	return known;
}

void cfs_tree_set_user(struct cfs_tree *t, const char *id, const char *name)
{
	struct user u = {strdup(id), name ? strdup(name) : NULL}, *v;

	if (!u.id || (name && !u.name))
		goto fail;
	pthread_rwlock_wrlock(&t->lock);
	if (find_user(t, id) || !(v = realloc(t->users, (t->nusers + 1) * sizeof(*v)))) {
		pthread_rwlock_unlock(&t->lock);
		goto fail;
	}
	t->users = v;
	t->users[t->nusers++] = u;
	qsort(t->users, t->nusers, sizeof(u), cmp_user);
	pthread_rwlock_unlock(&t->lock);
	return;
fail:
	free(u.id);
	free(u.name);
}

static char *link_user(void *arg, const char *account_id)
{
	struct link_ctx *c = arg;
	struct user *u = find_user(c->t, account_id);

	return u && u->name ? strdup(u->name) : NULL;
}

int cfs_tree_convert(struct cfs_tree *t, struct cfs_node *n, const char *storage, size_t len,
                     char **out, size_t *out_len, struct cfs_tree_links *links)
{
	return cfs_tree_convert_inc(t, n, storage, len, NULL, out, out_len, links);
}

int cfs_tree_convert_inc(struct cfs_tree *t, struct cfs_node *n, const char *storage, size_t len,
                         const struct cfs_tree_inc *inc, char **out, size_t *out_len,
                         struct cfs_tree_links *links)
{
	struct link_ctx lc = {.t = t, .from = n, .links = links, .inc = inc};
	struct cfs_convert_ctx ctx = {
	    .base_url = t->base_url,
	    .space_key = t->spaces[n->space].key,
	    .page_path = link_page,
	    .attachment_path = link_attachment,
	    .user_name = link_user,
	    .blog_path = link_blog,
	    .list_pages = cfs_tree_list_pages,
	    .list_attachments = cfs_tree_list_attachments,
	    .list_recent = cfs_tree_list_recent,
	    .include_storage = inc ? cfs_tree_include_storage : NULL,
	    .arg = &lc,
	    .title = n->title,
	    .page_id = n->id,
	};
	int ret;

	pthread_rwlock_rdlock(&t->lock);
	ret = cfs_convert(storage, len, &ctx, out, out_len);
	if (ret == 0 && t->front_matter) {
		char *fm = NULL, *both;
		size_t fl = 0;

		ret = front_matter(t, n, &fm, &fl);
		both = ret ? NULL : malloc(fl + *out_len + 1);
		if (both) {
			memcpy(both, fm, fl);
			memcpy(both + fl, *out, *out_len + 1);
			free(*out);
			*out = both;
			*out_len += fl;
		} else {
			free(*out);
			*out = NULL;
			ret = -ENOMEM;
		}
		free(fm);
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

int cfs_tree_with_ctx(struct cfs_tree *t, struct cfs_node *n,
                      int (*fn)(void *arg, const struct cfs_convert_ctx *ctx), void *arg)
{
	struct link_ctx lc = {.t = t, .from = n, .links = NULL};
	struct cfs_convert_ctx ctx = {
	    .base_url = t->base_url,
	    .space_key = t->spaces[n->space].key,
	    .page_path = link_page,
	    .attachment_path = link_attachment,
	    .user_name = link_user,
	    .blog_path = link_blog,
	    .list_pages = cfs_tree_list_pages,
	    .list_attachments = cfs_tree_list_attachments,
	    .list_recent = cfs_tree_list_recent,
	    .arg = &lc,
	    .title = n->title,
	    .page_id = n->id,
	};
	int ret;

	pthread_rwlock_rdlock(&t->lock);
	ret = fn(arg, &ctx);
	pthread_rwlock_unlock(&t->lock);
	return ret;
}
