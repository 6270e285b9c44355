/*
 * convert_include: include and excerpt-include — another page's body inlined.
 *
 * The converter does no I/O: ctx->include_storage hands over the storage
 * format of the included page (the mount fetched it before the conversion,
 * src/cache/cache.c).  It is converted here with the same callbacks, so its
 * links stay relative to the converted page, and written between marker
 * comments:
 *
 *   <!-- include: Title -->
 *
 *   ...the included page's Markdown...
 *
 *   <!-- /include -->
 *
 * excerpt-include renders only the included page's first excerpt macro
 * (hidden or not: hidden only hides it on its own page).  The chain of pages
 * being included (struct cv_incl, on the stack) stops cycles and bounds the
 * depth; a page that cannot be inlined keeps the macro's comment and link.
 */
#include <stdlib.h>
#include <string.h>

#include "convert_int.h"

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The space of the page being converted (an included one's, inside an include). */
static const char *space_of(struct cv *cv)
{
	return cv->incl ? cv->incl->space : cv->ctx->space_key;
}

/* Is (space, title) a page of the chain: the converted page or one including this one? */
static int in_chain(const struct cv_incl *i, const char *space, const char *title)
{
	for (; i; i = i->up)
		if (same(i->space, space) && !strcmp(i->title, title))
			return 1;
	return 0;
}

/* "<!-- WHAT: Title -->" with Title kept on one line and unable to end the comment. */
static void marker(struct cv *cv, struct cv_buf *b, const char *what, const char *title)
{
	cv_buf_adds(cv, b, "<!-- ");
	cv_buf_adds(cv, b, what);
	if (title) {
		cv_buf_adds(cv, b, ": ");
		for (const char *s = title; *s; s++) {
			char c = (unsigned char)*s < 0x20 ? ' ' : *s;

			cv_buf_add(cv, b, &c, 1);
			if (c == '-' && s[1] == '-')
				cv_buf_add(cv, b, " ", 1);
		}
	}
	cv_buf_adds(cv, b, " -->");
}

static void html_line(struct cv *cv, const char *s)
{
	cv_blk_begin(cv, B_HTML, 1);
	cv_puts(cv, s ? s : "");
	cv_blk_end(cv, B_HTML);
}

/* The page an include names: the default parameter (a link, or "KEY:Title" text). */
static char *include_target(struct cv *cv, xmlNode *m, char **space)
{
	char *t = cv_macro_target(cv, m, "", space), *colon;

	if (!t)
		return NULL;
	if (!*space && (colon = strchr(t, ':')) && colon > t && !strchr(colon + 1, ':')) {
		/* a Data Center default parameter written as text: "KEY:Title" */
		*space = cv_strndup(cv, t, (size_t)(colon - t));
		memmove(t, colon + 1, strlen(colon + 1) + 1);
	}
	return t;
}

int cv_include(struct cv *cv, xmlNode *m, int excerpt)
{
	const struct cfs_convert_ctx *c = cv->ctx;
	struct cfs_convert_ctx sub;
	struct cv_incl link, top;
	struct cv_buf b = {0};
	char *space = NULL, *title, *storage = NULL, *md = NULL;
	size_t len = 0, mdlen = 0;
	const char *where;
	int depth = cv->incl ? cv->incl->depth + 1 : 1, ok = 0;

	if (!c->include_storage || depth > CFS_CONVERT_INCLUDE_DEPTH)
		return 0;
	title = include_target(cv, m, &space);
	if (!title || !*title || cv_page_keyword(title))
		goto out;
	where = space && *space ? space : space_of(cv);
	/* the chain starts at the converted page itself */
	top = (struct cv_incl){.space = c->space_key, .title = c->title ? c->title : ""};
	if (in_chain(cv->incl ? cv->incl : &top, where, title))
		goto out;
	storage = c->include_storage(c->arg, where, title, &len);
	if (!storage)
		goto out;
	sub = *c;
	sub.flags &= ~CFS_CONVERT_FRONT_MATTER;
	sub.title = title;
	sub.space_key = where;
	link = (struct cv_incl){
	    .space = where, .title = title, .up = cv->incl ? cv->incl : &top, .depth = depth};
	/* its headings join this page's, after those before the include: a table
	 * of contents lists them, numbered as GitHub numbers repeats */
	if (cv_convert(storage, len, &sub, &link, excerpt, NULL, cv, &md, &mdlen)) {
		cv_oom(cv);
		goto out;
	}
	while (mdlen && md[mdlen - 1] == '\n')
		mdlen--;
	marker(cv, &b, excerpt ? "excerpt-include" : "include", title);
	html_line(cv, b.p);
	if (mdlen) {
		cv_blk_begin(cv, B_PARA, 1);
		cv_put_lines(cv, md, mdlen);
		cv_blk_end(cv, B_PARA);
	}
	html_line(cv, excerpt ? "<!-- /excerpt-include -->" : "<!-- /include -->");
	ok = 1;
out:
	free(b.p);
	free(md);
	free(storage);
	free(space);
	free(title);
	return ok;
}

/* Render the body of the first excerpt macro among first..stop (and their
 * descendants); everything else of the included page is left out. */
static int find_excerpt(struct cv *cv, xmlNode *first, xmlNode *stop)
{
	for (xmlNode *n = first; n && n != stop; n = n->next) {
		char name[64];

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (cv_tag(n) == T_MACRO) {
			cv_macro_name(cv, n, name);
			if (!strcmp(name, "excerpt")) {
				xmlNode *body = cv_child(n, T_RTB);

				if (body)
					cv_flow(cv, body->children, NULL);
				return 1;
			}
		}
		if (find_excerpt(cv, n->children, NULL))
			return 1;
	}
	return 0;
}

void cv_excerpt_only(struct cv *cv, xmlNode *first, xmlNode *stop)
{
	if (!cv->excerpt_done)
		cv->excerpt_done = find_excerpt(cv, first, stop);
}

/* ---- scanning a body for the pages it includes (no parse) ---- */

/* The value of attribute name="..." inside the tag [s, end), entities
 * decoded, malloc'd; NULL when absent. */
static char *tag_attr(const char *s, const char *end, const char *name)
{
	size_t nl = strlen(name);
	const char *v = NULL, *q;
	char *out, *o;

	for (const char *p = s; p + nl + 2 < end; p++)
		if (!memcmp(p, name, nl) && p[nl] == '=' && p[nl + 1] == '"' &&
		    (p == s || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n')) {
			v = p + nl + 2;
			break;
		}
	if (!v || !(q = memchr(v, '"', (size_t)(end - v))))
		return NULL;
	out = o = malloc((size_t)(q - v) + 1);
	if (!out)
		return NULL;
	while (v < q) {
		static const struct {
			const char *e;
			char c;
		} ents[] = {{"&amp;", '&'},
		            {"&lt;", '<'},
		            {"&gt;", '>'},
		            {"&quot;", '"'},
		            {"&apos;", '\''}};
		size_t k;

		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if ((size_t)(q - v) >= strlen(ents[k].e) &&
			    !memcmp(v, ents[k].e, strlen(ents[k].e)))
				break;
		if (k < sizeof(ents) / sizeof(ents[0])) {
			*o++ = ents[k].c;
			v += strlen(ents[k].e);
		} else if (v[0] == '&' && v[1] == '#') {
			char *e;
			unsigned long cp =
			    v[2] == 'x' ? strtoul(v + 3, &e, 16) : strtoul(v + 2, &e, 10);
			char u[8];
			size_t ul;

			/* the UTF-8 is never longer than "&#N;" */
			if (e < q && *e == ';' && cp > 0 && cp <= 0x10ffff &&
			    (ul = cv_utf8_enc((uint32_t)cp, u)) > 0) {
				memcpy(o, u, ul);
				o += ul;
				v = e + 1;
			} else {
				*o++ = *v++;
			}
		} else {
			*o++ = *v++;
		}
	}
	*o = '\0';
	return out;
}

size_t cfs_convert_scan_includes(const char *body, size_t len,
                                 void (*found)(void *arg, const char *space_key, const char *title),
                                 void *arg)
{
	static const char *const names[] = {"ac:name=\"include\"", "ac:name=\"excerpt-include\""};
	const char *end = body + len, *s = body;
	size_t n = 0;

	while (s < end) {
		const char *hit = NULL, *stop, *ri, *tag_end;
		char *title, *space;

		for (size_t k = 0; k < 2; k++) {
			const char *h = memmem(s, (size_t)(end - s), names[k], strlen(names[k]));

			if (h && (!hit || h < hit))
				hit = h;
		}
		if (!hit)
			break;
		s = hit + 1;
		stop = memmem(s, (size_t)(end - s), "</ac:structured-macro>", 22);
		if (!stop)
			stop = end;
		ri = memmem(s, (size_t)(stop - s), "<ri:page", 8);
		if (!ri || !(tag_end = memchr(ri, '>', (size_t)(stop - ri))))
			continue;
		title = tag_attr(ri, tag_end, "ri:content-title");
		space = tag_attr(ri, tag_end, "ri:space-key");
		if (title && *title) {
			found(arg, space && *space ? space : NULL, title);
			n++;
		}
		free(title);
		free(space);
		s = tag_end;
	}
	return n;
}

/* ---- anchors into another page, by that page's own headings ---- */

size_t cfs_convert_scan_anchor_pages(const char *body, size_t len,
                                     void (*found)(void *arg, const char *space_key,
                                                   const char *title),
                                     void *arg)
{
	const char *end = body + len, *s = body;
	size_t n = 0;

	while (s < end) {
		const char *l = memmem(s, (size_t)(end - s), "<ac:link ", 9), *tag_end, *stop, *ri,
		           *ri_end;
		char *anchor, *title, *space;

		if (!l || !(tag_end = memchr(l, '>', (size_t)(end - l))))
			break;
		s = tag_end;
		anchor = tag_attr(l, tag_end, "ac:anchor");
		if (!anchor)
			continue;
		free(anchor);
		stop = memmem(tag_end, (size_t)(end - tag_end), "</ac:link>", 10);
		if (!stop)
			stop = end;
		ri = memmem(tag_end, (size_t)(stop - tag_end), "<ri:page", 8);
		if (!ri || !(ri_end = memchr(ri, '>', (size_t)(stop - ri))))
			continue;
		title = tag_attr(ri, ri_end, "ri:content-title");
		space = tag_attr(ri, ri_end, "ri:space-key");
		if (title && *title) {
			found(arg, space && *space ? space : NULL, title);
			n++;
		}
		free(title);
		free(space);
		s = ri_end;
	}
	return n;
}

#define CV_MAX_RESOLVE 16 /* target pages converted per page for their headings */

/*
 * The fragment an ac:anchor into page (space, title) has there: that page's
 * storage (include_storage: the mount fetched it before) is converted for
 * its headings and anchors only, and the anchor looked up as an in-page link
 * to it would be.  NULL when the page is not at hand or has no such anchor
 * (the caller then slugs the name blind).
 */
char *cv_anchor_in(struct cv *cv, const char *space, const char *title, const char *anchor)
{
	const struct cfs_convert_ctx *c = cv->ctx;
	struct cfs_convert_ctx sub;
	const char *where = space && *space ? space : space_of(cv);
	char *storage, *frag = NULL;
	size_t len = 0, flen = 0;

	if (!c->include_storage || cv->resolve || cv->nresolved >= CV_MAX_RESOLVE || !title ||
	    !anchor || !*anchor)
		return NULL;
	storage = c->include_storage(c->arg, where, title, &len);
	if (!storage)
		return NULL;
	cv->nresolved++;
	sub = *c;
	sub.flags &= ~CFS_CONVERT_FRONT_MATTER;
	sub.title = title;
	sub.space_key = where;
	sub.include_storage = NULL; /* its own includes and anchors: not followed */
	if (cv_convert(storage, len, &sub, cv->incl, 0, anchor, NULL, &frag, &flen))
		cv_oom(cv);
	free(storage);
	return frag;
}
