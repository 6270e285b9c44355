/* tree_kinds: the containers of a Cloud page tree — folders, whiteboards, databases, embeds.
 *
 * No listing lists them (see containers.c for how they are learnt); the
 * load places them by parentId like pages.  A folder is a directory and
 * nothing else.  A whiteboard, database or embed is a small "<name>.md"
 * that says what it is and links to it on the web (an embed also to its
 * target): the REST API does not expose their content, so nothing is ever
 * fetched for them, and their children are placed under them as under a
 * page.
 */
#include "tree_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const NAMES[] = {"page", "folder", "whiteboard", "database", "embed"};

int cfs_tree_ctype_of(const char *type)
{
	if (!type || strcmp(type, "blogpost") == 0)
		return CFS_CT_PAGE;
	for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
		if (strcmp(type, NAMES[i]) == 0)
			return (int)i;
	return -1;
}

const char *cfs_tree_ctype_name(enum cfs_tree_ctype c)
{
	return NAMES[c];
}

int cfs_tree_stub_render(struct cfs_tree *t, struct cfs_node *n)
{
	const char *what = n->ctype == CFS_CT_WHITEBOARD ? "whiteboard"
	                   : n->ctype == CFS_CT_DATABASE ? "database"
	                                                 : "embed (smart link)";
	char *web = NULL, *target = NULL, *md = NULL;
	struct cfs_blob *b;
	int len = -1;

	if (n->ctype < CFS_CT_WHITEBOARD || (n->md && n->md_version >= n->version))
		return 0;
	if (n->webui)
		len = asprintf(&web, "%s%s", t->base_url, n->webui);
	else
		len = asprintf(&web, "%s/pages/viewpage.action?pageId=%s", t->base_url, n->id);
	if (len < 0)
		return -ENOMEM;
	if (n->ctype == CFS_CT_EMBED && n->embed_url)
		len = asprintf(&target, " to <%s>", n->embed_url);
	else
		len = (target = strdup("")) ? 0 : -1;
	if (len < 0)
		target = NULL;
	else
		len = asprintf(&md,
		               "# %s\n\nA Confluence %s%s.  Its content is not available as text; "
		               "open it on the web:\n<%s>\n",
		               n->title, what, target, web);
	free(web);
	free(target);
	if (len < 0 || !(b = cfs_blob_take(md, (size_t)len)))
		return -ENOMEM;
	if (n->md)
		t->md_bytes -= n->md->len;
	cfs_blob_unref(n->md);
	n->md = b;
	n->md_on_disk = 0;
	n->md_version = n->version;
	t->md_bytes += b->len;
	return 0;
}

static int dup_or_null(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

int cfs_tree_container(struct cfs_tree *t, size_t space, const char *id, struct cfs_page *out)
{
	struct cfs_node *n;
	int ret = -ENOENT;

	pthread_rwlock_rdlock(&t->lock);
	n = cfs_tree_find_key(t->by_key, t->n, cfs_tree_key_of(id));
	if (n && n->present && n->ctype != CFS_CT_PAGE && n->space == space &&
	    strcmp(n->id, id) == 0) {
		ret = 0;
		if (dup_or_null(&out->id, n->id) || dup_or_null(&out->title, n->title) ||
		    dup_or_null(&out->type, cfs_tree_ctype_name(n->ctype)) ||
		    dup_or_null(&out->parent_id, n->parent_id) ||
		    dup_or_null(&out->parent_type, n->parent_type) ||
		    dup_or_null(&out->embed_url, n->embed_url) ||
		    dup_or_null(&out->webui, n->webui) ||
		    dup_or_null(&out->author_id, n->author_id))
			ret = -ENOMEM;
		out->idnum = n->idnum;
		out->position = n->position;
		out->version = n->version;
		out->mtime = n->mtime;
		out->created = n->created;
	}
	pthread_rwlock_unlock(&t->lock);
	if (ret == -ENOMEM)
		cfs_model_page_clear(out);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cfs_tree_gone(struct cfs_tree *t, const char *id)
{
	int found;

	pthread_rwlock_rdlock(&t->lock);
	found = t->ngone && bsearch(&id, t->gone, t->ngone, sizeof(*t->gone), cmp_str) != NULL;
	pthread_rwlock_unlock(&t->lock);
	return found;
}

int cfs_tree_add_gone(struct cfs_tree *t, char *const *ids, size_t n)
{
	char **v;
	int ret = 0;

	if (!n)
		return 0;
	pthread_rwlock_wrlock(&t->lock);
	v = realloc(t->gone, (t->ngone + n) * sizeof(*v));
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	t->gone = v;
	for (size_t i = 0; i < n; i++) {
		const char *id = ids[i];

		if (t->ngone && bsearch(&id, t->gone, t->ngone, sizeof(*t->gone), cmp_str))
			continue;
		if (!(t->gone[t->ngone] = strdup(id))) {
			ret = -ENOMEM;
			break;
		}
		t->ngone++;
		qsort(t->gone, t->ngone, sizeof(*t->gone), cmp_str);
	}
out:
	pthread_rwlock_unlock(&t->lock);
	return ret;
}
