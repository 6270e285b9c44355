/* feed_apply: put what a change feed found into the tree (include/feed.h).
 *
 * cfs_tree_load() takes a space's whole listing, so that names, renames, moves and the
 * kernel's invalidations are worked out in one place.  A feed only has what changed, so
 * the space's current listing is exported from the tree, the feed's pages and
 * attachments replace theirs (or are added), and the result is loaded.  Most feeds find
 * nothing new (the margin makes them see the last changes again): that is checked first
 * under the read lock, and then nothing is exported or loaded.
 *
 * cfs_tree_apply_change() is the same for what the write path made happen (a page
 * created, moved or trashed, an attachment uploaded): the server's answer is merged
 * into the exported listing, what it does not say kept from the tree's, and the trashed
 * ids are left out.  No request is needed to see one's own change (docs/shape.md).
 */
#include "feed.h"
#include "tree_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	return src && !(*dst = strdup(src)) ? -ENOMEM : 0;
}

/* Is the listed page p news to the tree?  Read lock held. */
static int page_news(struct cfs_tree *t, size_t space, const struct cfs_page *p)
{
	struct cfs_node *n = cfs_tree_find_key(t->by_key, t->n, cfs_tree_key_of(p->id));

	if (cfs_tree_ctype_of(p->type) < 0)
		return 0; /* a type the tree does not show */
	if (!n || !n->present)
		return 1;
	if (n->space != space || n->synthetic)
		return 0; /* another space's: the load would skip it too */
	return n->version != p->version || !str_eq(n->title, p->title) ||
	       !str_eq(n->parent_id, p->parent_id) || n->position != p->position;
}

static int att_news(struct cfs_tree *t, const struct cfs_attachment *a)
{
	struct cfs_node *n = cfs_tree_find_key(t->att_by_key, t->natt, cfs_tree_key_of(a->id));

	if (!a->page_id)
		return 0;
	if (!n || !n->present)
		return 1;
	return n->version != a->version || !str_eq(n->title, a->title) || !n->parent ||
	       !str_eq(n->parent->id, a->page_id);
}

static int page_copy(struct cfs_page *out, const struct cfs_page *p)
{
	memset(out, 0, sizeof(*out));
	out->idnum = p->idnum;
	out->position = p->position;
	out->version = p->version;
	out->mtime = p->mtime;
	out->created = p->created;
	if (dup_str(&out->id, p->id) || dup_str(&out->title, p->title) ||
	    dup_str(&out->parent_id, p->parent_id) || dup_str(&out->type, p->type) ||
	    dup_str(&out->parent_type, p->parent_type) || dup_str(&out->embed_url, p->embed_url) ||
	    dup_str(&out->author_id, p->author_id) || dup_str(&out->webui, p->webui)) {
		cfs_model_page_clear(out);
		return -ENOMEM;
	}
	return 0;
}

static int att_copy(struct cfs_attachment *out, const struct cfs_attachment *a)
{
	memset(out, 0, sizeof(*out));
	out->size = a->size;
	out->version = a->version;
	out->mtime = a->mtime;
	if (dup_str(&out->id, a->id) || dup_str(&out->title, a->title) ||
	    dup_str(&out->page_id, a->page_id) || dup_str(&out->media_type, a->media_type) ||
	    dup_str(&out->download, a->download)) {
		cfs_model_attachment_clear(out);
		return -ENOMEM;
	}
	return 0;
}

/* The space's listing as the tree has it: pages, blog posts and containers in key order
 * (the tree's made-up directories left out), attachments in key order.  Read lock held. */
static int export_space(struct cfs_tree *t, size_t space, struct cfs_page_list *pages,
                        struct cfs_attachment_list *atts)
{
	pages->v = calloc(t->n + 1, sizeof(*pages->v));
	atts->v = calloc(t->natt + 1, sizeof(*atts->v));
	if (!pages->v || !atts->v)
		return -ENOMEM;
	pages->cap = t->n + 1;
	atts->cap = t->natt + 1;
	for (size_t i = 0; i < t->n; i++) {
		struct cfs_node *n = t->by_key[i];
		struct cfs_page p = {0};
		char type[16];

		if (!n->present || n->synthetic || n->space != space || n == t->spaces[space].top)
			continue;
		p.id = n->id;
		p.idnum = n->idnum;
		p.title = n->title;
		p.parent_id = n->parent_id;
		snprintf(type, sizeof(type), "%s",
		         n->is_blog ? "blogpost" : cfs_tree_ctype_name(n->ctype));
		p.type = type;
		p.parent_type = (char *)n->parent_type; /* borrowed, copied below */
		p.embed_url = n->embed_url;
		p.position = n->position;
		p.version = n->version;
		p.mtime = n->mtime;
		p.created = n->created;
		p.author_id = (char *)n->author_id;
		p.webui = n->webui;
		if (page_copy(&pages->v[pages->n], &p))
			return -ENOMEM;
		pages->n++;
	}
	for (size_t i = 0; i < t->natt; i++) {
		struct cfs_node *n = t->att_by_key[i];
		struct cfs_attachment a = {0};

		if (!n->present || n->space != space || !n->parent)
			continue;
		a.id = n->id;
		a.title = n->title;
		a.page_id = n->parent->id;
		a.media_type = (char *)n->media_type;
		a.size = n->size;
		a.version = n->version;
		a.mtime = n->mtime;
		a.download = n->webui;
		if (att_copy(&atts->v[atts->n], &a))
			return -ENOMEM;
		atts->n++;
	}
	return 0;
}

static int cmp_page_key(const void *k, const void *e)
{
	uint64_t a = *(const uint64_t *)k, b = cfs_tree_key_of(((const struct cfs_page *)e)->id);

	return a < b ? -1 : a > b;
}

static int cmp_att_key(const void *k, const void *e)
{
	uint64_t a = *(const uint64_t *)k,
	         b = cfs_tree_key_of(((const struct cfs_attachment *)e)->id);

	return a < b ? -1 : a > b;
}

/* Replace or add the feed's pages (those in news) in the exported listing. */
static int merge_pages(struct cfs_page_list *to, const struct cfs_page_list *from, const char *news)
{
	size_t base = to->n;

	for (size_t i = 0; i < from->n; i++) {
		uint64_t key = cfs_tree_key_of(from->v[i].id);
		struct cfs_page *hit;

		if (!news[i])
			continue;
		/* the exported part is in key order; what was added after it is searched too */
		hit = bsearch(&key, to->v, base, sizeof(*to->v), cmp_page_key);
		for (size_t j = base; !hit && j < to->n; j++)
			if (strcmp(to->v[j].id, from->v[i].id) == 0)
				hit = &to->v[j];
		if (hit) {
			struct cfs_page copy;

			if (page_copy(&copy, &from->v[i]))
				return -ENOMEM;
			if (!copy.type && !(copy.type = strdup(hit->type ? hit->type : "page"))) {
				cfs_model_page_clear(&copy);
				return -ENOMEM;
			}
			cfs_model_page_clear(hit);
			*hit = copy;
			continue;
		}
		if (to->n == to->cap) {
			struct cfs_page *v = realloc(to->v, 2 * to->cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			to->v = v;
			to->cap *= 2;
		}
		if (page_copy(&to->v[to->n], &from->v[i]))
			return -ENOMEM;
		to->n++;
	}
	return 0;
}

static int merge_atts(struct cfs_attachment_list *to, const struct cfs_attachment_list *from,
                      const char *news)
{
	size_t base = to->n;

	for (size_t i = 0; i < from->n; i++) {
		uint64_t key = cfs_tree_key_of(from->v[i].id);
		struct cfs_attachment *hit;

		if (!news[i])
			continue;
		hit = bsearch(&key, to->v, base, sizeof(*to->v), cmp_att_key);
		for (size_t j = base; !hit && j < to->n; j++)
			if (strcmp(to->v[j].id, from->v[i].id) == 0)
				hit = &to->v[j];
		if (!hit) {
			if (to->n == to->cap) {
				struct cfs_attachment *v = realloc(to->v, 2 * to->cap * sizeof(*v));

				if (!v)
					return -ENOMEM;
				to->v = v;
				to->cap *= 2;
			}
			hit = &to->v[to->n++];
			memset(hit, 0, sizeof(*hit));
		}
		cfs_model_attachment_clear(hit);
		if (att_copy(hit, &from->v[i]))
			return -ENOMEM;
	}
	return 0;
}

int cfs_feed_apply(struct cfs_tree *t, size_t space, const struct cfs_feed_result *r,
                   struct cfs_tree_changes *changes, int *changed)
{
	struct cfs_page_list pages = {0};
	struct cfs_attachment_list atts = {0};
	char *pnews = calloc(r->pages.n + 1, 1), *anews = calloc(r->atts.n + 1, 1);
	size_t news = 0;
	int ret = -ENOMEM;

	*changed = 0;
	if (!pnews || !anews)
		goto out;
	if (space >= t->nspaces) {
		ret = -EINVAL;
		goto out;
	}
	pthread_rwlock_rdlock(&t->lock);
	for (size_t i = 0; i < r->pages.n; i++)
		news += (size_t)(pnews[i] = (char)page_news(t, space, &r->pages.v[i]));
	for (size_t i = 0; i < r->atts.n; i++)
		news += (size_t)(anews[i] = (char)att_news(t, &r->atts.v[i]));
	ret = news ? export_space(t, space, &pages, &atts) : 0;
	pthread_rwlock_unlock(&t->lock);
	if (ret)
		goto out;
	if (news) {
		if ((ret = merge_pages(&pages, &r->pages, pnews)) ||
		    (ret = merge_atts(&atts, &r->atts, anews)))
			goto out;
		if ((ret = cfs_tree_load(t, space, &pages, &atts, changes)))
			goto out;
		*changed = 1;
	}
	/* Data Center's feed brings the labels with the pages; Cloud's in their own search. */
	ret = cfs_tree_set_labels(t, &r->pages, changes);
	if (ret == 0 && r->have_labels)
		ret = cfs_tree_set_labels(t, &r->labels, changes);
out:
	cfs_model_page_list_clear(&pages);
	cfs_model_attachment_list_clear(&atts);
	free(pnews);
	free(anews);
	return ret;
}

struct cfs_time cfs_tree_newest(struct cfs_tree *t, size_t space)
{
	struct cfs_time newest = {0, 0};

	pthread_rwlock_rdlock(&t->lock);
	for (size_t i = 0; i < t->n; i++) {
		struct cfs_node *n = t->by_key[i];

		if (n->present && !n->synthetic && n->space == space &&
		    cfs_feed_time_cmp(n->mtime, newest) > 0)
			newest = n->mtime;
	}
	pthread_rwlock_unlock(&t->lock);
	return newest;
}

/* ---- a change the write path confirmed (cfs_tree_apply_change) ---- */

static struct cfs_page *page_by_id(struct cfs_page_list *l, const char *id)
{
	for (size_t i = 0; id && i < l->n; i++)
		if (l->v[i].id && strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

static struct cfs_attachment *att_by_id(struct cfs_attachment_list *l, const char *id)
{
	for (size_t i = 0; id && i < l->n; i++)
		if (l->v[i].id && strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

/* *dst = strdup(keep) when *dst is NULL. */
static int keep_str(char **dst, const char *keep)
{
	return !*dst && keep && !(*dst = strdup(keep)) ? -ENOMEM : 0;
}

static struct cfs_time now_utc(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (struct cfs_time){ts.tv_sec, ts.tv_nsec};
}

static int time_zero(struct cfs_time t)
{
	return t.sec == 0 && t.nsec == 0;
}

/* The page as changed: what the server answered, the rest kept from the tree's. */
static int change_page(struct cfs_page_list *pages, const struct cfs_page *from)
{
	struct cfs_page c, *hit = page_by_id(pages, from->id), *parent;
	int moved, ret;

	if (page_copy(&c, from))
		return -ENOMEM;
	if (c.parent_id && !*c.parent_id) { /* "": the space's top level */
		free(c.parent_id);
		c.parent_id = NULL;
	} else if (hit && !c.parent_id) {
		ret = keep_str(&c.parent_id, hit->parent_id);
		if (ret == 0 && !c.parent_type)
			ret = keep_str(&c.parent_type, hit->parent_type);
		if (ret)
			goto fail;
	}
	moved = !hit || !str_eq(hit->parent_id, c.parent_id);
	if (!c.parent_type && c.parent_id && (parent = page_by_id(pages, c.parent_id)) &&
	    keep_str(&c.parent_type, parent->type ? parent->type : "page"))
		goto fail;
	if (hit) {
		if (keep_str(&c.title, hit->title) || keep_str(&c.type, hit->type) ||
		    keep_str(&c.embed_url, hit->embed_url) ||
		    keep_str(&c.author_id, hit->author_id) || keep_str(&c.webui, hit->webui))
			goto fail;
		if (!c.version)
			c.version = hit->version;
		if (time_zero(c.mtime))
			c.mtime = hit->mtime;
		if (time_zero(c.created))
			c.created = hit->created;
		if (c.position == INT64_MAX && !moved)
			c.position = hit->position;
		cfs_model_page_clear(hit);
		*hit = c;
		return 0;
	}
	if (keep_str(&c.type, "page"))
		goto fail;
	if (time_zero(c.mtime))
		c.mtime = now_utc();
	if (time_zero(c.created))
		c.created = c.mtime;
	if (pages->n == pages->cap) {
		struct cfs_page *v = realloc(pages->v, 2 * (pages->cap + 1) * sizeof(*v));

		if (!v)
			goto fail;
		pages->v = v;
		pages->cap = 2 * (pages->cap + 1);
	}
	pages->v[pages->n++] = c;
	return 0;
fail:
	cfs_model_page_clear(&c);
	return -ENOMEM;
}

static int change_att(struct cfs_attachment_list *atts, const struct cfs_attachment *from)
{
	struct cfs_attachment c, *hit = att_by_id(atts, from->id);

	if (att_copy(&c, from))
		return -ENOMEM;
	if (hit) {
		if (keep_str(&c.title, hit->title) || keep_str(&c.page_id, hit->page_id) ||
		    keep_str(&c.media_type, hit->media_type) ||
		    keep_str(&c.download, hit->download)) {
			cfs_model_attachment_clear(&c);
			return -ENOMEM;
		}
		if (c.size < 0)
			c.size = hit->size;
		if (!c.version)
			c.version = hit->version;
		if (time_zero(c.mtime))
			c.mtime = hit->mtime;
		cfs_model_attachment_clear(hit);
		*hit = c;
		return 0;
	}
	if (time_zero(c.mtime))
		c.mtime = now_utc();
	if (atts->n == atts->cap) {
		struct cfs_attachment *v = realloc(atts->v, 2 * (atts->cap + 1) * sizeof(*v));

		if (!v) {
			cfs_model_attachment_clear(&c);
			return -ENOMEM;
		}
		atts->v = v;
		atts->cap = 2 * (atts->cap + 1);
	}
	atts->v[atts->n++] = c;
	return 0;
}

static int is_gone(const char *id, char *const *gone, size_t ngone)
{
	for (size_t i = 0; id && i < ngone; i++)
		if (strcmp(gone[i], id) == 0)
			return 1;
	return 0;
}

int cfs_tree_apply_change(struct cfs_tree *t, size_t space, const struct cfs_page_list *cp,
                          const struct cfs_attachment_list *ca, char *const *gone, size_t ngone,
                          struct cfs_tree_changes *changes)
{
	struct cfs_page_list pages = {0};
	struct cfs_attachment_list atts = {0};
	size_t keep;
	int ret;

	if (space >= t->nspaces)
		return -EINVAL;
	pthread_rwlock_rdlock(&t->lock);
	ret = export_space(t, space, &pages, &atts);
	pthread_rwlock_unlock(&t->lock);
	for (size_t i = 0; ret == 0 && cp && i < cp->n; i++)
		ret = change_page(&pages, &cp->v[i]);
	for (size_t i = 0; ret == 0 && ca && i < ca->n; i++)
		ret = change_att(&atts, &ca->v[i]);
	if (ret)
		goto out;
	keep = 0;
	for (size_t i = 0; i < pages.n; i++) {
		if (is_gone(pages.v[i].id, gone, ngone))
			cfs_model_page_clear(&pages.v[i]);
		else
			pages.v[keep++] = pages.v[i];
	}
	pages.n = keep;
	keep = 0;
	for (size_t i = 0; i < atts.n; i++) {
		if (is_gone(atts.v[i].id, gone, ngone))
			cfs_model_attachment_clear(&atts.v[i]);
		else
			atts.v[keep++] = atts.v[i];
	}
	atts.n = keep;
	ret = cfs_tree_load(t, space, &pages, &atts, changes);
out:
	cfs_model_page_list_clear(&pages);
	cfs_model_attachment_list_clear(&atts);
	return ret;
}
