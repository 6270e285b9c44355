/* write: Markdown (libcmark-gfm) -> Confluence storage format for changed blocks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmark-gfm.h>

#include "md2storage_int.h"

const char *m2s_type_of(cmark_node *n)
{
	return cmark_node_get_type_string(n);
}

int m2s_is(cmark_node *n, const char *t)
{
	return n && !strcmp(m2s_type_of(n), t);
}

static size_t line_of(struct m2s *m, cmark_node *n)
{
	for (; n; n = cmark_node_parent(n))
		if (cmark_node_get_start_line(n) > 0)
			return m->line0 + (size_t)cmark_node_get_start_line(n) - 1;
	return m->line0;
}

int m2s_fail(struct m2s *m, cmark_node *n, const char *fmt, ...)
{
	va_list ap;
	char *why = NULL;

	if (m->err)
		return -EINVAL;
	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	m->err = w_fmt("line %zu: %s", line_of(m, n), why ? why : "cannot be written back");
	free(why);
	return m->err ? -EINVAL : -ENOMEM;
}

void m2s_add(struct m2s *m, const char *s)
{
	wb_adds(m->o, s);
}

void m2s_esc(struct m2s *m, const char *s)
{
	wb_esc(m->o, s, strlen(s));
}

void m2s_cdata(struct m2s *m, const char *s, size_t n)
{
	m2s_add(m, "<![CDATA[");
	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n && !memcmp(s + i, "]]>", 3)) {
			m2s_add(m, "]]]]><![CDATA[>");
			i += 2;
			continue;
		}
		if ((unsigned char)s[i] >= 0x20 || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			wb_add(m->o, s + i, 1); /* XML has no other control characters */
	}
	m2s_add(m, "]]>");
}

/* The plain text of inline nodes (titles, link bodies). */
void m2s_plain(struct wbuf *b, cmark_node *n, cmark_node *stop)
{
	for (; n && n != stop; n = cmark_node_next(n)) {
		const char *lit = cmark_node_get_literal(n);

		if (cmark_node_get_type(n) == CMARK_NODE_SOFTBREAK ||
		    cmark_node_get_type(n) == CMARK_NODE_LINEBREAK)
			wb_adds(b, " ");
		else if (lit && cmark_node_get_type(n) != CMARK_NODE_HTML_INLINE)
			wb_adds(b, lit);
		m2s_plain(b, cmark_node_first_child(n), NULL);
	}
}

static int only_text(cmark_node *n)
{
	for (n = cmark_node_first_child(n); n; n = cmark_node_next(n))
		if (cmark_node_get_type(n) != CMARK_NODE_TEXT)
			return 0;
	return 1;
}

static int has_scheme(const char *u)
{
	const char *s = u;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
	       *s == '+' || *s == '.' || *s == '-')
		s++;
	return *s == ':';
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoded copy of a relative target without its "#fragment". */
static char *decode(const char *u, char **frag)
{
	size_t n = strlen(u), o = 0;
	char *r = malloc(n + 1);
	const char *h = strchr(u, '#');

	*frag = NULL;
	if (!r)
		return NULL;
	if (h) {
		*frag = strdup(h + 1);
		n = (size_t)(h - u);
	}
	for (size_t i = 0; i < n; i++) {
		if (u[i] == '%' && i + 2 < n + 1 && hexv(u[i + 1]) >= 0 && hexv(u[i + 2]) >= 0) {
			r[o++] = (char)(hexv(u[i + 1]) * 16 + hexv(u[i + 2]));
			i += 2;
		} else {
			r[o++] = u[i];
		}
	}
	r[o] = '\0';
	return r;
}

static int is_attachment(const char *rel)
{
	return !strncmp(rel, "_attachments/", 13) || strstr(rel, "/_attachments/");
}

static void ri_attachment(struct m2s *m, const char *page, const char *file)
{
	m2s_add(m, "<ri:attachment ri:filename=\"");
	m2s_esc(m, file);
	if (page) {
		m2s_add(m, "\"><ri:page ri:content-title=\"");
		m2s_esc(m, page);
		m2s_add(m, "\" /></ri:attachment>");
	} else {
		m2s_add(m, "\" />");
	}
}

/* The body of an ac:link, unless it is the default text (same as shown). */
static int link_body(struct m2s *m, cmark_node *n, const char *dflt)
{
	struct wbuf t = {0};

	m2s_plain(&t, cmark_node_first_child(n), NULL);
	if (t.err)
		return t.err;
	if (!cmark_node_first_child(n) || (dflt && t.p && !strcmp(t.p, dflt))) {
		free(t.p);
		return 0;
	}
	if (only_text(n)) {
		m2s_add(m, "<ac:plain-text-link-body>");
		m2s_cdata(m, t.p ? t.p : "", t.len);
		m2s_add(m, "</ac:plain-text-link-body>");
		free(t.p);
		return 0;
	}
	free(t.p);
	m2s_add(m, "<ac:link-body>");
	if (m2s_inlines(m, cmark_node_first_child(n), NULL))
		return -EINVAL;
	m2s_add(m, "</ac:link-body>");
	return 0;
}

/*
 * "[@Name](BASE/people/ID)" (and DC's "/display/~USER",
 * "/users/viewuserprofile.action?userKey=KEY"), as the converter writes a
 * mention: the ri:user back.  0 done, 1 not a mention, <0 error.
 */
static int mention(struct m2s *m, cmark_node *n, const char *url)
{
	static const char *const kinds[][2] = {
	    {"/people/", "ri:account-id"},
	    {"/display/~", "ri:username"},
	    {"/users/viewuserprofile.action?userKey=", "ri:userkey"}};
	const char *b = m->w->convert ? m->w->convert->base_url : NULL;
	cmark_node *t = cmark_node_first_child(n);
	size_t bl = b ? strlen(b) : 0;

	while (bl && b[bl - 1] == '/')
		bl--;
	if (!bl || strncmp(url, b, bl) || !t || cmark_node_get_type(t) != CMARK_NODE_TEXT ||
	    cmark_node_next(t) || cmark_node_get_literal(t)[0] != '@')
		return 1;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t kl = strlen(kinds[k][0]);
		char *id, *frag;

		if (strncmp(url + bl, kinds[k][0], kl) || !url[bl + kl] ||
		    strpbrk(url + bl + kl, "/?#&"))
			continue;
		id = decode(url + bl + kl, &frag);
		free(frag);
		if (!id)
			return -ENOMEM;
		m2s_add(m, "<ac:link><ri:user ");
		m2s_add(m, kinds[k][1]);
		m2s_add(m, "=\"");
		m2s_esc(m, id);
		m2s_add(m, "\" /></ac:link>");
		free(id);
		return 0;
	}
	return 1;
}

static int link(struct m2s *m, cmark_node *n)
{
	const char *url = cmark_node_get_url(n);
	char *rel, *frag, *a = NULL, *b = NULL;
	int ret = 0;

	if (!url || !*url)
		return m2s_fail(m, n, "a link without a target");
	ret = mention(m, n, url);
	if (ret <= 0)
		return ret;
	ret = 0;
	if (has_scheme(url) || url[0] == '#' || url[0] == '/') {
		m2s_add(m, "<a href=\"");
		m2s_esc(m, url);
		m2s_add(m, "\">");
		if (m2s_inlines(m, cmark_node_first_child(n), NULL))
			return -EINVAL;
		m2s_add(m, "</a>");
		return 0;
	}
	rel = decode(url, &frag);
	if (!rel) {
		free(frag);
		return -ENOMEM;
	}
	if (is_attachment(rel)) {
		if (!m->w->attachment || m->w->attachment(m->w->arg, rel, &a, &b) != 0 || !b) {
			ret = m2s_fail(m, n, "\"%s\" is not an attachment on the mount", rel);
		} else {
			m2s_add(m, "<ac:link>");
			ri_attachment(m, a, b);
			ret = link_body(m, n, b);
			m2s_add(m, "</ac:link>");
		}
	} else if (strlen(rel) > 3 && !strcmp(rel + strlen(rel) - 3, ".md")) {
		if (!m->w->page || m->w->page(m->w->arg, rel, &a, &b) != 0 || !b) {
			ret = m2s_fail(m, n, "\"%s\" is not a page on the mount", rel);
		} else {
			m2s_add(m, "<ac:link");
			if (frag && *frag) {
				m2s_add(m, " ac:anchor=\"");
				m2s_esc(m, frag);
				m2s_add(m, "\"");
			}
			m2s_add(m, "><ri:page");
			if (a) {
				m2s_add(m, " ri:space-key=\"");
				m2s_esc(m, a);
				m2s_add(m, "\"");
			}
			m2s_add(m, " ri:content-title=\"");
			m2s_esc(m, b);
			m2s_add(m, "\" />");
			ret = link_body(m, n, b);
			m2s_add(m, "</ac:link>");
		}
	} else {
		ret = m2s_fail(m, n,
		               "the link target \"%s\" is neither a page (.md), an attachment "
		               "(_attachments/) nor an absolute URL",
		               rel);
	}
	free(a);
	free(b);
	free(rel);
	free(frag);
	return ret < 0 ? ret : 0;
}

static int image(struct m2s *m, cmark_node *n)
{
	const char *url = cmark_node_get_url(n);
	struct wbuf alt = {0};
	char *rel = NULL, *frag = NULL, *a = NULL, *b = NULL;
	int ret = 0;

	m2s_plain(&alt, cmark_node_first_child(n), NULL);
	if (alt.err)
		return alt.err;
	if (url && has_scheme(url)) {
		m2s_add(m, "<ac:image");
		if (alt.len) {
			m2s_add(m, " ac:alt=\"");
			m2s_esc(m, alt.p);
			m2s_add(m, "\"");
		}
		m2s_add(m, "><ri:url ri:value=\"");
		m2s_esc(m, url);
		m2s_add(m, "\" /></ac:image>");
		free(alt.p);
		return 0;
	}
	rel = url ? decode(url, &frag) : NULL;
	if (!rel || !is_attachment(rel)) {
		ret = m2s_fail(m, n,
		               "an image must be an attachment (_attachments/) or an absolute URL");
	} else if (!m->w->attachment || m->w->attachment(m->w->arg, rel, &a, &b) != 0 || !b) {
		ret = m2s_fail(m, n, "\"%s\" is not an attachment on the mount", rel);
	} else {
		m2s_add(m, "<ac:image");
		if (alt.len && strcmp(alt.p, b)) {
			m2s_add(m, " ac:alt=\"");
			m2s_esc(m, alt.p);
			m2s_add(m, "\"");
		}
		m2s_add(m, ">");
		ri_attachment(m, a, b);
		m2s_add(m, "</ac:image>");
	}
	free(alt.p);
	free(rel);
	free(frag);
	free(a);
	free(b);
	return ret;
}

static int is_br(const char *h)
{
	return !strcmp(h, "<br>") || !strcmp(h, "<br/>") || !strcmp(h, "<br />");
}

/*
 * Inline HTML the converter writes where Markdown cannot nest (<em>**x**</em>,
 * <sub>, <u>, ...): "<tag>" or "</tag>" of these only.  The tag's index, or -1.
 */
static int html_tag(const char *h, int *closing)
{
	static const char *const ok[] = {"em",  "strong", "b",   "i",   "u",   "s",
	                                 "del", "ins",    "sub", "sup", "kbd", "code"};
	size_t n;

	*closing = h[0] == '<' && h[1] == '/';
	h += 1 + *closing;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = strlen(ok[i]);
		if (!strncmp(h, ok[i], n) && h[n] == '>' && h[n + 1] == '\0')
			return (int)i;
	}
	return -1;
}

int m2s_inlines(struct m2s *m, cmark_node *n, cmark_node *stop)
{
	int open[16], nopen = 0, closing, t;
	cmark_node *first = n;

	for (; n && n != stop; n = cmark_node_next(n)) {
		const char *lit = cmark_node_get_literal(n);
		const char *tag = NULL;

		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
			m2s_esc(m, lit ? lit : "");
			continue;
		case CMARK_NODE_SOFTBREAK:
			m2s_add(m, " ");
			continue;
		case CMARK_NODE_LINEBREAK:
			m2s_add(m, "<br />");
			continue;
		case CMARK_NODE_CODE:
			m2s_add(m, "<code>");
			m2s_esc(m, lit ? lit : "");
			m2s_add(m, "</code>");
			continue;
		case CMARK_NODE_EMPH:
			tag = "em";
			break;
		case CMARK_NODE_STRONG:
			tag = "strong";
			break;
		case CMARK_NODE_LINK:
			if (link(m, n))
				return -EINVAL;
			continue;
		case CMARK_NODE_IMAGE:
			if (image(m, n))
				return -EINVAL;
			continue;
		case CMARK_NODE_HTML_INLINE:
			if (lit && is_br(lit)) {
				m2s_add(m, "<br />");
				continue;
			}
			if (lit && (t = html_tag(lit, &closing)) >= 0) {
				if (!closing && nopen < 16) {
					open[nopen++] = t;
					m2s_add(m, lit);
					continue;
				}
				if (closing && nopen > 0 && open[nopen - 1] == t) {
					nopen--;
					m2s_add(m, lit);
					continue;
				}
				return m2s_fail(m, n, "%s without its pair", lit);
			}
			if (lit && !strncmp(lit, "<!--", 4))
				return m2s_fail(m, n,
				                "an HTML comment (a macro the mount cannot show) "
				                "cannot be written back: undo the change to its "
				                "block or edit it in the browser");
			return m2s_fail(m, n, "raw HTML (%.40s) cannot be written back",
			                lit ? lit : "");
		case CMARK_NODE_FOOTNOTE_REFERENCE:
			return m2s_fail(m, n, "footnotes cannot be written back");
		default:
			if (m2s_is(n, "strikethrough")) {
				tag = "s";
				break;
			}
			return m2s_fail(m, n, "%s cannot be written back", m2s_type_of(n));
		}
		wb_adds(m->o, "<");
		wb_adds(m->o, tag);
		wb_adds(m->o, ">");
		if (++m->depth > M2S_MAX_DEPTH)
			return m2s_fail(m, n, "nested too deep");
		if (m2s_inlines(m, cmark_node_first_child(n), NULL))
			return -EINVAL;
		m->depth--;
		wb_adds(m->o, "</");
		wb_adds(m->o, tag);
		wb_adds(m->o, ">");
	}
	if (nopen)
		return m2s_fail(m, first, "an HTML tag without its closing tag");
	return 0;
}
