/* convert_link: links, images and mentions — where each target resolves (mount path or URL). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"

static const char *base(struct cv *cv)
{
	const char *b = cv->ctx ? cv->ctx->base_url : NULL;

	return b && *b ? b : NULL;
}

/* base_url without a trailing slash, into b. */
static void add_base(struct cv *cv, struct cv_buf *b)
{
	const char *s = base(cv);
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	cv_buf_add(cv, b, s, n);
}

static const char *cur_space(struct cv *cv)
{
	return cv->ctx && cv->ctx->space_key && *cv->ctx->space_key ? cv->ctx->space_key : NULL;
}

static int same_space(struct cv *cv, const char *space)
{
	return !space || !*space || (cur_space(cv) && !strcmp(space, cur_space(cv)));
}

static int is_current_page(struct cv *cv, const char *space, const char *title)
{
	return title && cv->ctx && cv->ctx->title && !strcmp(title, cv->ctx->title) &&
	       same_space(cv, space);
}

/* A page "title" that macros use as a relative reference. */
int cv_page_keyword(const char *title)
{
	return title && (!strcmp(title, "@self") || !strcmp(title, "@parent") ||
	                 !strcmp(title, "@home") || !strcmp(title, "@all"));
}

/* Absolute URL of a page: base/display/SPACE/Title, or NULL. */
static void page_url(struct cv *cv, struct cv_buf *b, const char *space, const char *title)
{
	if (!base(cv) || (!space && !cur_space(cv)))
		return;
	add_base(cv, b);
	cv_buf_adds(cv, b, "/display/");
	cv_url(cv, b, space ? space : cur_space(cv), 2);
	if (title) {
		cv_buf_adds(cv, b, "/");
		cv_url(cv, b, title, 2);
	}
}

static void page_dest(struct cv *cv, struct cv_buf *b, const char *space, const char *title,
                      const char *anchor)
{
	char *p = NULL;

	if (cv->ctx && cv->ctx->page_path)
		p = cv->ctx->page_path(cv->ctx->arg, same_space(cv, space) ? NULL : space, title);
	if (p) {
		cv_url(cv, b, p, 1);
		free(p);
	} else {
		page_url(cv, b, space, title);
	}
	if (b->len && anchor && *anchor) {
		cv_buf_adds(cv, b, "#");
		if (p) {
			/* on the mount: the id of the heading Confluence named, from
			 * that page's own headings when at hand, else its GitHub slug */
			char *sl = cv_anchor_in(cv, space, title, anchor);

			if (!sl)
				sl = cv_anchor_slug(cv, title, anchor);

			cv_url(cv, b, sl ? sl : "", 1);
			free(sl);
		} else {
			cv_url(cv, b, anchor, 2);
		}
	}
}

/*
 * An attachment of the current page (page_title NULL) or of another page.
 * Returns 1 when b is the file itself, 0 when it is the page that holds it
 * (no URL of the file is known) or nothing.
 */
static int attachment_dest(struct cv *cv, struct cv_buf *b, const char *space,
                           const char *page_title, const char *file)
{
	char *p = NULL;

	if (is_current_page(cv, space, page_title))
		page_title = NULL;
	if (cv->ctx && cv->ctx->attachment_path)
		p = cv->ctx->attachment_path(cv->ctx->arg, same_space(cv, space) ? NULL : space,
		                             page_title, file);
	if (p) {
		cv_url(cv, b, p, 1);
		free(p);
		return 1;
	}
	if (!base(cv))
		return 0;
	if (!page_title && cv->ctx->page_id && *cv->ctx->page_id) {
		add_base(cv, b);
		cv_buf_adds(cv, b, "/download/attachments/");
		cv_url(cv, b, cv->ctx->page_id, 2);
		cv_buf_adds(cv, b, "/");
		cv_url(cv, b, file, 2);
		return 1;
	}
	if (page_title)
		page_url(cv, b, space, page_title); /* the page that holds it */
	return 0;
}

static int scheme_len(const char *s)
{
	int i = 0;

	if (!((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	while (s[i] && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
	                (s[i] >= '0' && s[i] <= '9') || strchr("+.-", s[i])))
		i++;
	return s[i] == ':' ? i : 0;
}

/* Schemes never linked: they run code or carry the content. */
static int unsafe_scheme(const char *href, int sl)
{
	return (sl == 10 && !strncasecmp(href, "javascript", 10)) ||
	       (sl == 8 && !strncasecmp(href, "vbscript", 8)) ||
	       (sl == 4 && !strncasecmp(href, "data", 4));
}

/* An href or ri:url value: absolute URLs stay, relative ones go under base_url. */
static void href_dest(struct cv *cv, struct cv_buf *b, const char *href)
{
	int sl;

	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
		href++;
	if (!*href)
		return;
	sl = scheme_len(href);
	if (sl) {
		if (unsafe_scheme(href, sl))
			return;
		cv_url(cv, b, href, 0);
	} else if (href[0] == '#') {
		cv_url(cv, b, href, 0);
	} else if (href[0] == '/' && href[1] == '/') {
		cv_buf_adds(cv, b, "https:");
		cv_url(cv, b, href, 0);
	} else if (base(cv)) {
		const char *s = base(cv), *p = strstr(s, "://");

		if (href[0] == '/') {
			/* root-relative: the site's origin */
			const char *slash = p ? strchr(p + 3, '/') : NULL;
			size_t n = slash ? (size_t)(slash - s) : strlen(s);

			cv_buf_add(cv, b, s, n);
		} else {
			add_base(cv, b);
			cv_buf_adds(cv, b, "/");
		}
		cv_url(cv, b, href, 0);
	}
}

/*
 * [text](dest): text is body's inline content, else dflt.  With no dest (and no
 * in-page anchor) only the text is written.
 */
static void write_link(struct cv *cv, xmlNode *body, const char *dflt, const char *dest,
                       const char *anchor)
{
	struct cv_buf *b = &cv->il;
	size_t mark;
	unsigned imode = cv->imode;

	if ((!dest || !*dest) && !anchor) {
		if (body)
			cv_inline_children(cv, body);
		else if (dflt)
			cv_il_text(cv, dflt, strlen(dflt));
		return;
	}
	if (cv->imode & IM_LINK) { /* no links in link text */
		if (body)
			cv_inline_children(cv, body);
		else if (dflt)
			cv_il_text(cv, dflt, strlen(dflt));
		return;
	}
	cv_il_raw(cv, "[", 1);
	mark = b->len;
	cv->imode |= IM_LINK;
	if (body)
		cv_inline_children(cv, body);
	cv->imode = imode;
	if (b->len > mark && b->p[mark] == ' ') {
		memmove(b->p + mark, b->p + mark + 1, b->len - mark);
		b->len--;
	}
	while (b->len > mark && b->p[b->len - 1] == ' ')
		b->len--;
	cv->il_space = 0;
	if (b->len == mark && dflt)
		cv_il_text(cv, dflt, strlen(dflt));
	if (b->len == mark)
		cv_il_text(cv, dest ? dest : anchor, strlen(dest ? dest : anchor));
	cv->il_space = 0;
	cv_buf_add(cv, b, "](", 2);
	if (dest && *dest)
		cv_buf_adds(cv, b, dest);
	else {
		cv_add_hole(cv, b->len, H_ANCHOR, 0, 0, anchor);
		if (cv->nholes && !cv->err)
			cv->holes[cv->nholes - 1].maxbytes = b->len - (mark - 1);
	}
	cv_buf_add(cv, b, ")", 1);
}

/*
 * A link whose text is its own URL (a smart link, a pasted URL): "<url>", when
 * the URL is one that a CommonMark autolink keeps byte for byte.  1 if written.
 */
static int autolink(struct cv *cv, xmlNode *body, const char *url)
{
	int sl;
	char *t;
	int same;

	if (!url || (cv->imode & IM_LINK))
		return 0;
	sl = scheme_len(url);
	if (sl < 2 || sl > 32 || unsafe_scheme(url, sl))
		return 0;
	for (const unsigned char *s = (const unsigned char *)url; *s; s++)
		if (*s <= ' ' || *s == 0x7f || *s == '<' || *s == '>' || *s == '|')
			return 0;
	if (!body) {
		same = 1;
	} else {
		/* an empty text is the URL too, unless it wraps an image */
		int elem = 0;

		for (xmlNode *c = body->children; c; c = c->next)
			elem |= c->type == XML_ELEMENT_NODE;
		t = cv_text_of(cv, body, 1);
		same = t && (*t ? !strcmp(t, url) : !elem);
		free(t);
	}
	if (!same)
		return 0;
	cv_il_raw(cv, "<", 1);
	cv_il_raws(cv, url);
	cv_il_raw(cv, ">", 1);
	return 1;
}

static void mention(struct cv *cv, xmlNode *ri, xmlNode *body)
{
	char *f1, *f2, *f3, *name = NULL, *btext = NULL;
	const char *acc = cv_attr(cv, ri, "ri", "account-id", &f1);
	const char *key = cv_attr(cv, ri, "ri", "userkey", &f2);
	const char *user = cv_attr(cv, ri, "ri", "username", &f3);
	const char *id = acc && *acc ? acc : key && *key ? key : user;
	struct cv_buf d = {0}, t = {0};

	if (id && *id && cv->ctx && cv->ctx->user_name)
		name = cv->ctx->user_name(cv->ctx->arg, id);
	if (!name && body)
		btext = cv_text_of(cv, body, 1);
	{
		const char *who = name              ? name
		                  : btext && *btext ? btext
		                  : user && *user   ? user
		                  : id              ? id
		                                    : "unknown user";

		if (*who != '@')
			cv_buf_adds(cv, &t, "@");
		cv_buf_adds(cv, &t, who);
	}
	if (base(cv) && id && *id) {
		add_base(cv, &d);
		if (acc && *acc) {
			cv_buf_adds(cv, &d, "/people/");
			cv_url(cv, &d, acc, 2);
		} else if (user && *user) {
			cv_buf_adds(cv, &d, "/display/~");
			cv_url(cv, &d, user, 2);
		} else {
			cv_buf_adds(cv, &d, "/users/viewuserprofile.action?userKey=");
			cv_url(cv, &d, key, 2);
		}
	}
	write_link(cv, NULL, t.p ? t.p : "@", d.p, NULL);
	free(d.p);
	free(t.p);
	free(name);
	free(btext);
	free(f1);
	free(f2);
	free(f3);
}

static xmlNode *first_ri(xmlNode *n)
{
	for (xmlNode *c = n->children; c; c = c->next) {
		enum cv_tag t = cv_tag(c);

		if (c->type == XML_ELEMENT_NODE && t >= T_RI_PAGE && t <= T_RI_CONTENT)
			return c;
	}
	return NULL;
}

void cv_ri_link(struct cv *cv, xmlNode *ri, const char *anchor, xmlNode *body)
{
	char *f1 = NULL, *f2 = NULL, *f3 = NULL;
	const char *a1, *a2, *a3, *dflt = NULL, *hole = NULL;
	struct cv_buf d = {0};

	if (anchor && !*anchor)
		anchor = NULL;
	switch (ri ? cv_tag(ri) : T_OTHER) {
	case T_RI_PAGE:
		a1 = cv_attr(cv, ri, "ri", "space-key", &f1);
		a2 = cv_attr(cv, ri, "ri", "content-title", &f2);
		dflt = a2;
		if (cv_page_keyword(a2)) {
			/* @self, @parent, @home in a macro parameter: not pages of those names */
			if (!strcmp(a2, "@self") && cv->ctx && cv->ctx->title)
				dflt = cv->ctx->title;
		} else if (!a2 || !*a2 || is_current_page(cv, a1, a2)) {
			hole = anchor;
			dflt = a2 && *a2 ? a2 : anchor;
		} else {
			page_dest(cv, &d, a1, a2, anchor);
		}
		break;
	case T_RI_BLOG:
		a1 = cv_attr(cv, ri, "ri", "space-key", &f1);
		a2 = cv_attr(cv, ri, "ri", "content-title", &f2);
		a3 = cv_attr(cv, ri, "ri", "posting-day", &f3);
		dflt = a2;
		if (a2 && *a2 && cv->ctx && cv->ctx->blog_path) {
			char *p = cv->ctx->blog_path(cv->ctx->arg, same_space(cv, a1) ? NULL : a1,
			                             a2, a3);

			if (p) {
				cv_url(cv, &d, p, 1);
				free(p);
				break;
			}
		}
		if (a2 && *a2 && a3 && strlen(a3) == 10 && base(cv) && (a1 || cur_space(cv))) {
			page_url(cv, &d, a1, NULL);
			cv_buf_adds(cv, &d, "/");
			for (const char *s = a3; *s; s++)
				cv_buf_add(cv, &d, *s == '-' ? "/" : s, 1);
			cv_buf_adds(cv, &d, "/");
			cv_url(cv, &d, a2, 2);
		}
		break;
	case T_RI_ATTACHMENT: {
		xmlNode *owner = first_ri(ri);
		const char *sp = NULL, *pt = NULL;

		a1 = cv_attr(cv, ri, "ri", "filename", &f1);
		if (owner && (cv_tag(owner) == T_RI_PAGE || cv_tag(owner) == T_RI_BLOG)) {
			sp = cv_attr(cv, owner, "ri", "space-key", &f2);
			pt = cv_attr(cv, owner, "ri", "content-title", &f3);
		}
		dflt = a1;
		if (a1 && *a1)
			attachment_dest(cv, &d, sp, pt, a1);
		break;
	}
	case T_RI_URL:
		a1 = cv_attr(cv, ri, "ri", "value", &f1);
		dflt = a1;
		if (a1 && autolink(cv, body, a1))
			goto out;
		if (a1)
			href_dest(cv, &d, a1);
		break;
	case T_RI_USER:
		mention(cv, ri, body);
		return;
	case T_RI_SPACE:
		a1 = cv_attr(cv, ri, "ri", "space-key", &f1);
		dflt = a1;
		if (a1 && *a1)
			page_url(cv, &d, a1, NULL);
		break;
	case T_RI_CONTENT:
		a1 = cv_attr(cv, ri, "ri", "content-id", &f1);
		dflt = a1;
		if (a1 && *a1 && base(cv)) {
			add_base(cv, &d);
			cv_buf_adds(cv, &d, "/pages/viewpage.action?pageId=");
			cv_url(cv, &d, a1, 2);
		}
		break;
	default:
		hole = anchor;
		dflt = anchor;
		break;
	}
	write_link(cv, body, dflt, d.p, d.p ? NULL : hole);
out:
	free(d.p);
	free(f1);
	free(f2);
	free(f3);
}

void cv_link(struct cv *cv, xmlNode *n)
{
	char *f = NULL, *f2 = NULL;
	const char *href;
	struct cv_buf d = {0};

	if (cv_tag(n) == T_A) {
		href = cv_attr(cv, n, NULL, "href", &f);
		if (!href) {
			/* <a name|id="x">: an anchor */
			const char *id = cv_attr(cv, n, NULL, "id", &f2);

			if (!id) {
				free(f2);
				id = cv_attr(cv, n, NULL, "name", &f2);
			}
			if (id && *id)
				cv_il_anchor(cv, id);
			cv_inline_children(cv, n);
			goto out;
		}
		if (href[0] == '#' && href[1]) {
			/* in-page: resolved at the end, like ac:anchor */
			write_link(cv, n, href, NULL, href + 1);
		} else if (!autolink(cv, n, href)) {
			href_dest(cv, &d, href);
			write_link(cv, n, href, d.p, NULL);
		}
		goto out;
	}
	/* ac:link */
	{
		const char *anchor = cv_attr(cv, n, "ac", "anchor", &f);
		xmlNode *body = cv_child(n, T_LINK_BODY);

		if (!body)
			body = cv_child(n, T_PTLB);
		cv_ri_link(cv, first_ri(n), anchor, body);
	}
out:
	free(d.p);
	free(f);
	free(f2);
}

void cv_image(struct cv *cv, xmlNode *n)
{
	char *f1 = NULL, *f2 = NULL, *f3 = NULL, *f4 = NULL, *cap = NULL;
	const char *alt, *file = NULL;
	xmlNode *ri, *capn = cv_child(n, T_ICAPTION);
	struct cv_buf d = {0}, a = {0};
	int is_file = 1;

	if (cv_tag(n) == T_IMG) {
		const char *src = cv_attr(cv, n, NULL, "src", &f1);

		alt = cv_attr(cv, n, NULL, "alt", &f2);
		if (src)
			href_dest(cv, &d, src);
	} else {
		alt = cv_attr(cv, n, "ac", "alt", &f2);
		ri = first_ri(n);
		if (ri && cv_tag(ri) == T_RI_ATTACHMENT) {
			xmlNode *owner = first_ri(ri);
			const char *sp = NULL, *pt = NULL;

			file = cv_attr(cv, ri, "ri", "filename", &f1);
			if (owner) {
				sp = cv_attr(cv, owner, "ri", "space-key", &f3);
				pt = cv_attr(cv, owner, "ri", "content-title", &f4);
			}
			if (file && *file)
				is_file = attachment_dest(cv, &d, sp, pt, file);
		} else if (ri && cv_tag(ri) == T_RI_URL) {
			const char *v = cv_attr(cv, ri, "ri", "value", &f1);

			if (v)
				href_dest(cv, &d, v);
		}
	}
	if (capn)
		cap = cv_text_of(cv, capn, 1);
	if (!alt || !*alt)
		alt = cap && *cap ? cap : file && *file ? file : NULL;
	if (d.p && *d.p && (is_file || !(cv->imode & IM_LINK))) {
		/* the file, or only the page holding it: then a link, not a broken image */
		cv_md_esc(cv, &a, alt ? alt : "image");
		cv_il_raws(cv, is_file ? "![" : "[");
		if (a.p)
			cv_il_raws(cv, a.p);
		cv_il_raw(cv, "](", 2);
		cv_il_raws(cv, d.p);
		cv_il_raw(cv, ")", 1);
	} else if (alt && !(cap && !strcmp(alt, cap))) {
		cv_il_text(cv, alt, strlen(alt)); /* nowhere to point: keep the text */
		cv->il_space = 1;
	}
	if (capn && cap && *cap) {
		cv_il_break(cv);
		cv_inline_children(cv, capn);
		cv->il_space = 1;
	}
	free(d.p);
	free(a.p);
	free(cap);
	free(f1);
	free(f2);
	free(f3);
	free(f4);
}
