/* containers: learns the folders, whiteboards, databases and embeds that a page listing points to.
 *
 * DESIGN.  Cloud's page listing (depth=all) lists pages only.  A page in a
 * folder says parentType "folder" and a parentId that no listing has; the
 * folder itself may sit in another folder, under a page, or at the top.
 * So after the listing, every unknown parent of a container type is asked
 * for by id (GET /folders/{id}, /whiteboards/{id}, ...), all at once, and
 * each answer may name one more unknown parent.  An id is asked once per
 * listing (the asked set), and not at all when an earlier listing learnt it
 * (ops->known: the tree remembers).  A container nothing hangs under (an
 * empty folder) is in no parent chain: a CQL search of the space's
 * containers, when the site allows it, names those too ("found"), with
 * their versions: a remembered container with a newer version (renamed)
 * is fetched again.  Extra
 * requests per listing: at most the number of containers not known yet;
 * none on a refresh of an unchanged space.  A container that cannot be fetched is not fatal: its
 * pages keep a parent id that is in no listing, and the tree shows them at
 * the top of the space — never lost.
 */
#include "containers.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const TYPES[] = {"folder", "whiteboard", "database", "embed"};

int cfs_containers_is_type(const char *type)
{
	for (size_t i = 0; type && i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
		if (strcmp(type, TYPES[i]) == 0)
			return 1;
	return 0;
}

struct learn {
	struct cfs_page_list *pages;
	struct cfs_containers_ops ops;
	cfs_containers_cb cb;
	void *arg;
	const char **listed; /* ids of the listing's pages, sorted (borrowed) */
	size_t nlisted;
	char **asked; /* ids asked for or learnt, sorted (owned) */
	size_t nasked, capasked;
	int left; /* fetches outstanding, plus one while issuing */
	size_t fetched, failed;
	int err;
};

struct fetch {
	struct learn *l;
	char *type, *id;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int in(const char **v, size_t n, const char *id)
{
	return n && bsearch(&id, v, n, sizeof(*v), cmp_str) != NULL;
}

/* Add id to the asked set (kept sorted); 0 or -ENOMEM. */
static int ask(struct learn *l, const char *id)
{
	size_t lo = 0, hi = l->nasked;
	char *copy = strdup(id);

	if (!copy)
		return -ENOMEM;
	if (l->nasked == l->capasked) {
		size_t cap = l->capasked ? l->capasked * 2 : 16;
		char **v = realloc(l->asked, cap * sizeof(*v));

		if (!v) {
			free(copy);
			return -ENOMEM;
		}
		l->asked = v;
		l->capasked = cap;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->asked[mid], id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(l->asked + lo + 1, l->asked + lo, (l->nasked - lo) * sizeof(*l->asked));
	l->asked[lo] = copy;
	l->nasked++;
	return 0;
}

/* Move p to the end of the listing; 0 or -ENOMEM (p is then cleared). */
static int append(struct cfs_page_list *pages, struct cfs_page *p)
{
	if (pages->n == pages->cap) {
		size_t cap = pages->cap ? pages->cap * 2 : 16;
		struct cfs_page *v = realloc(pages->v, cap * sizeof(*v));

		if (!v) {
			cfs_model_page_clear(p);
			return -ENOMEM;
		}
		pages->v = v;
		pages->cap = cap;
	}
	pages->v[pages->n++] = *p;
	memset(p, 0, sizeof(*p));
	return 0;
}

static void got(void *ctx, int err, long status, const char *detail, struct cfs_page *p);

/* Learn container id of this type unless it is listed or asked for already:
 * from what the tree remembers, unless a search says it has a newer version
 * (version > 0), else with a GET. */
static void learn_id(struct learn *l, const char *id, const char *type, int64_t version)
{
	struct cfs_page k = {0};
	struct fetch *f;
	int ret;

	if (in(l->listed, l->nlisted, id) || in((const char **)l->asked, l->nasked, id))
		return;
	if ((ret = ask(l, id)) < 0) {
		l->err = ret;
		return;
	}
	if (l->ops.known && l->ops.known(l->ops.arg, id, &k) == 0 && k.version >= version) {
		if ((ret = append(l->pages, &k)) < 0)
			l->err = ret;
		return; /* the loop over the listing reaches it next */
	}
	cfs_model_page_clear(&k);
	if (l->ops.gone && l->ops.gone(l->ops.arg, id)) {
		cfs_debug("%s %s could not be fetched before; what is in it stays at the top", type,
		          id);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->type = strdup(type)) || !(f->id = strdup(id))) {
		if (f) {
			free(f->type);
			free(f);
		}
		l->err = -ENOMEM;
		return;
	}
	f->l = l;
	l->left++;
	if ((ret = l->ops.fetch(l->ops.arg, f->type, f->id, got, f)) < 0)
		got(f, ret, 0, strerror(-ret), NULL);
}

/* The parent of the listing's item i: learn it if it is an unknown container. */
static void consider(struct learn *l, size_t i)
{
	const struct cfs_page *c = &l->pages->v[i];
	const char *pid = c->parent_id, *ptype = c->parent_type;

	if (!pid || in(l->listed, l->nlisted, pid) || in((const char **)l->asked, l->nasked, pid))
		return;
	if (!cfs_containers_is_type(ptype)) {
		cfs_debug("'%s' (%s): its parent %s (%s) is not in the listing (archived, trashed "
		          "or not visible); shown at the top of the space",
		          c->title, c->id, pid, ptype ? ptype : "page");
		return;
	}
	learn_id(l, pid, ptype, 0);
}

static void scan(struct learn *l, size_t from)
{
	for (size_t i = from; i < l->pages->n && !l->err; i++)
		consider(l, i);
}

static void finish(struct learn *l)
{
	if (--l->left)
		return;
	l->cb(l->arg, l->err, l->fetched, l->failed);
	for (size_t i = 0; i < l->nasked; i++)
		free(l->asked[i]);
	free(l->asked);
	free(l->listed);
	free(l);
}

static void got(void *ctx, int err, long status, const char *detail, struct cfs_page *p)
{
	struct fetch *f = ctx;
	struct learn *l = f->l;

	if (err) {
		l->failed++;
		if (err != -ECANCELED && err != -ESHUTDOWN) {
			char st[32] = "";

			if (status)
				snprintf(st, sizeof(st), "HTTP %ld, ", status);
			cfs_warn(
			    "%s %s cannot be fetched (%s%s); what is in it is shown at the top "
			    "of the space",
			    f->type, f->id, st, detail ? detail : strerror(-err));
		}
		if ((err == -ENOENT || err == -EACCES) && l->ops.lost)
			l->ops.lost(l->ops.arg, f->id);
	} else if (!l->err) {
		size_t at = l->pages->n;

		l->fetched++;
		if (!p->type && !(p->type = strdup(f->type)))
			l->err = -ENOMEM;
		else if (!p->id || strcmp(p->id, f->id) != 0)
			cfs_warn("%s %s: the answer is for id %s; ignored", f->type, f->id,
			         p->id ? p->id : "(none)");
		else if ((l->err = append(l->pages, p)) == 0)
			scan(l, at);
	}
	free(f->type);
	free(f->id);
	free(f);
	finish(l);
}

int cfs_containers_learn(struct cfs_page_list *pages, const struct cfs_page_list *found,
                         const struct cfs_containers_ops *ops, cfs_containers_cb cb, void *arg)
{
	struct learn *l = calloc(1, sizeof(*l));

	if (!l || !(l->listed = malloc((pages->n + 1) * sizeof(*l->listed)))) {
		free(l);
		return -ENOMEM;
	}
	l->pages = pages;
	l->ops = *ops;
	l->cb = cb;
	l->arg = arg;
	for (size_t i = 0; i < pages->n; i++)
		l->listed[l->nlisted++] = pages->v[i].id;
	if (l->nlisted)
		qsort(l->listed, l->nlisted, sizeof(*l->listed), cmp_str);
	l->left = 1; /* held while the fetches are issued */
	/* First the containers a search found, even those nothing hangs under (an
	 * empty folder), with their versions; then the parents of everything. */
	for (size_t i = 0; found && i < found->n && !l->err; i++)
		if (cfs_containers_is_type(found->v[i].type))
			learn_id(l, found->v[i].id, found->v[i].type, found->v[i].version);
	scan(l, 0);
	finish(l);
	return 0;
}
