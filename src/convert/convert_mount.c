/*
 * convert_mount: macros the mount answers — children, pagetree, attachments, gallery,
 * recently-updated, contentbylabel (include, excerpt-include: convert_include.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"

/*
 * The converter does not know the tree: it asks the callbacks list_pages,
 * list_attachments and list_recent (include/convert.h), which emit one entry at a time, and
 * writes them as a nested list of relative links (or images).  Without the
 * callbacks, or when the page is not on the mount, the caller writes the
 * macro's comment as before.
 */

struct listing {
	struct cv *cv;
	struct cv_buf md; /* the lines, without container prefixes */
	int images;       /* gallery: images of image files, others skipped */
	size_t n;
};

static int is_image(const char *name)
{
	static const char *const ext[] = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp"};
	size_t l = strlen(name);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (l > e && !strcasecmp(name + l - e, ext[i]))
			return 1;
	}
	return 0;
}

static void emit(void *arg, int level, const char *name, const char *path)
{
	struct listing *l = arg;
	struct cv *cv = l->cv;

	if (!name || !path)
		return;
	if (l->images) {
		if (!is_image(name))
			return;
		if (l->n)
			cv_buf_add(cv, &l->md, " ", 1);
		cv_buf_adds(cv, &l->md, "![");
	} else {
		if (l->n)
			cv_buf_add(cv, &l->md, "\n", 1);
		for (int i = 1; i < level && i < 64; i++)
			cv_buf_adds(cv, &l->md, "  ");
		cv_buf_adds(cv, &l->md, "- [");
	}
	cv_md_esc(cv, &l->md, name);
	cv_buf_adds(cv, &l->md, "](");
	cv_url(cv, &l->md, path, 1);
	cv_buf_adds(cv, &l->md, ")");
	l->n++;
}

/* The page a macro names: its page= / root= parameter (a link or a title), else NULL. */
char *cv_macro_target(struct cv *cv, xmlNode *m, const char *param, char **space)
{
	xmlNode *p = cv_param_node(cv, m, param);
	char *f, *t;

	*space = NULL;
	if (!p)
		return NULL;
	for (xmlNode *c = p->children; c; c = c->next) {
		xmlNode *ri = c;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (cv_tag(c) == T_LINK)
			ri = cv_child(c, T_RI_PAGE);
		if (ri && cv_tag(ri) == T_RI_PAGE) {
			const char *s = cv_attr(cv, ri, "ri", "space-key", &f);
			const char *title;

			*space = s && *s ? cv_strndup(cv, s, strlen(s)) : NULL;
			free(f);
			title = cv_attr(cv, ri, "ri", "content-title", &f);
			t = title ? cv_strndup(cv, title, strlen(title)) : NULL;
			free(f);
			return t;
		}
	}
	t = cv_text_of(cv, p, 1);
	if (t && !*t) {
		free(t);
		return NULL;
	}
	return t;
}

static int flag(struct cv *cv, xmlNode *m, const char *name)
{
	char *v = cv_param(cv, m, name);
	int on = v && !strcasecmp(v, "true");

	free(v);
	return on;
}

/* children, pagetree, attachments, gallery from the mount; 0 when it cannot (the caller
 * then writes the macro's comment). */
int cv_mount_macro(struct cv *cv, xmlNode *m, const char *name)
{
	const struct cfs_convert_ctx *c = cv->ctx;
	struct listing l = {.cv = cv};
	char *space = NULL, *title = NULL, *sort = NULL, *d = NULL;
	int ret = -1, depth = 1;

	if (!c)
		return 0;
	if (!strcmp(name, "include") || !strcmp(name, "excerpt-include"))
		return cv_include(cv, m, name[0] == 'e');
	if (!strcmp(name, "children") || !strcmp(name, "pagetree")) {
		int tree = name[0] == 'p';

		if (!c->list_pages)
			return 0;
		title = cv_macro_target(cv, m, tree ? "root" : "page", &space);
		if (tree && !title)
			title = cv_strndup(cv, "@home", 5); /* pagetree's default root */
		d = cv_param(cv, m, tree ? "startDepth" : "depth");
		if (tree || flag(cv, m, "all"))
			depth = 0;
		else if (d && *d)
			depth = atoi(d) > 0 ? atoi(d) : 1;
		if (tree && d && *d && atoi(d) > 0)
			depth = 0; /* startDepth only says how much shows unfolded */
		sort = cv_param(cv, m, "sort");
		ret = c->list_pages(c->arg, space, title, depth, sort && *sort ? sort : NULL,
		                    flag(cv, m, "reverse"), emit, &l);
	} else if (!strcmp(name, "attachments") || !strcmp(name, "gallery")) {
		if (!c->list_attachments)
			return 0;
		l.images = name[0] == 'g';
		title = cv_macro_target(cv, m, "page", &space);
		ret = c->list_attachments(c->arg, space, title, emit, &l);
	} else if (!strcmp(name, "recently-updated") || !strcmp(name, "contentbylabel")) {
		char *labels = cv_param(cv, m, "labels"), *max = cv_param(cv, m, "max");
		int rec = name[0] == 'r';

		if (!max || !*max) {
			free(max);
			max = cv_param(cv, m, "maxResults");
		}
		space = cv_param(cv, m, "spaces");
		if (!space || !*space || strchr(space, ',') || strchr(space, '@') ||
		    strchr(space, ' ')) {
			free(space); /* several spaces, @all: not what the mount lists */
			space = NULL;
		}
		/* contentbylabel without labels (a Cloud CQL query): not answerable here */
		if (c->list_recent && (rec || (labels && *labels)))
			ret = c->list_recent(c->arg, space, labels && *labels ? labels : NULL,
			                     max && atoi(max) > 0 ? atoi(max)
			                     : rec                ? 15
			                                          : 5,
			                     emit, &l);
		free(labels);
		free(max);
	} else {
		return 0;
	}
	if (ret == 0) {
		if (l.images) {
			cv_il_raws(cv, l.md.p ? l.md.p : "");
			cv_para_flush(cv);
		} else if (l.md.len) {
			cv_blk_begin(cv, B_LIST, 1);
			cv_put_lines(cv, l.md.p, l.md.len);
			cv_blk_end(cv, B_LIST);
		}
	}
	free(l.md.p);
	free(space);
	free(title);
	free(sort);
	free(d);
	return ret == 0;
}
