/* write: Markdown (libcmark-gfm) -> Confluence storage format for changed blocks. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "write_int.h"

#define M2S_MAX_DEPTH 64

struct m2s {
	const struct cfs_write_ctx *w;
	struct wbuf *o;
	char *err;
	size_t line0;
	int depth, tasks;
};

static const char *type_of(cmark_node *n)
{
	return cmark_node_get_type_string(n);
}

static int is(cmark_node *n, const char *t)
{
	return n && !strcmp(type_of(n), t);
}

static size_t line_of(struct m2s *m, cmark_node *n)
{
	for (; n; n = cmark_node_parent(n))
		if (cmark_node_get_start_line(n) > 0)
			return m->line0 + (size_t)cmark_node_get_start_line(n) - 1;
	return m->line0;
}

static int fail(struct m2s *m, cmark_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct m2s *m, cmark_node *n, const char *fmt, ...)
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

static void add(struct m2s *m, const char *s)
{
	wb_adds(m->o, s);
}

static void esc(struct m2s *m, const char *s)
{
	wb_esc(m->o, s, strlen(s));
}

static void cdata(struct m2s *m, const char *s, size_t n)
{
	add(m, "<![CDATA[");
	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n && !memcmp(s + i, "]]>", 3)) {
			add(m, "]]]]><![CDATA[>");
			i += 2;
			continue;
		}
		wb_add(m->o, s + i, 1);
	}
	add(m, "]]>");
}

static int blocks(struct m2s *m, cmark_node *first, cmark_node *stop, int tight);
static int inlines(struct m2s *m, cmark_node *first, cmark_node *stop);

/* The plain text of inline nodes (titles, link bodies). */
static void plain(struct wbuf *b, cmark_node *n, cmark_node *stop)
{
	for (; n && n != stop; n = cmark_node_next(n)) {
		const char *lit = cmark_node_get_literal(n);

		if (cmark_node_get_type(n) == CMARK_NODE_SOFTBREAK ||
		    cmark_node_get_type(n) == CMARK_NODE_LINEBREAK)
			wb_adds(b, " ");
		else if (lit && cmark_node_get_type(n) != CMARK_NODE_HTML_INLINE)
			wb_adds(b, lit);
		plain(b, cmark_node_first_child(n), NULL);
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
	add(m, "<ri:attachment ri:filename=\"");
	esc(m, file);
	if (page) {
		add(m, "\"><ri:page ri:content-title=\"");
		esc(m, page);
		add(m, "\" /></ri:attachment>");
	} else {
		add(m, "\" />");
	}
}

/* The body of an ac:link, unless it is the default text (same as shown). */
static int link_body(struct m2s *m, cmark_node *n, const char *dflt)
{
	struct wbuf t = {0};

	plain(&t, cmark_node_first_child(n), NULL);
	if (t.err)
		return t.err;
	if (!cmark_node_first_child(n) || (dflt && t.p && !strcmp(t.p, dflt))) {
		free(t.p);
		return 0;
	}
	if (only_text(n)) {
		add(m, "<ac:plain-text-link-body>");
		cdata(m, t.p ? t.p : "", t.len);
		add(m, "</ac:plain-text-link-body>");
		free(t.p);
		return 0;
	}
	free(t.p);
	add(m, "<ac:link-body>");
	if (inlines(m, cmark_node_first_child(n), NULL))
		return -EINVAL;
	add(m, "</ac:link-body>");
	return 0;
}

static int link(struct m2s *m, cmark_node *n)
{
	const char *url = cmark_node_get_url(n);
	char *rel, *frag, *a = NULL, *b = NULL;
	int ret = 0;

	if (!url || !*url)
		return fail(m, n, "a link without a target");
	if (has_scheme(url) || url[0] == '#' || url[0] == '/') {
		add(m, "<a href=\"");
		esc(m, url);
		add(m, "\">");
		if (inlines(m, cmark_node_first_child(n), NULL))
			return -EINVAL;
		add(m, "</a>");
		return 0;
	}
	rel = decode(url, &frag);
	if (!rel) {
		free(frag);
		return -ENOMEM;
	}
	if (is_attachment(rel)) {
		if (!m->w->attachment || m->w->attachment(m->w->arg, rel, &a, &b) != 0 || !b) {
			ret = fail(m, n, "\"%s\" is not an attachment on the mount", rel);
		} else {
			add(m, "<ac:link>");
			ri_attachment(m, a, b);
			ret = link_body(m, n, b);
			add(m, "</ac:link>");
		}
	} else if (strlen(rel) > 3 && !strcmp(rel + strlen(rel) - 3, ".md")) {
		if (!m->w->page || m->w->page(m->w->arg, rel, &a, &b) != 0 || !b) {
			ret = fail(m, n, "\"%s\" is not a page on the mount", rel);
		} else {
			add(m, "<ac:link");
			if (frag && *frag) {
				add(m, " ac:anchor=\"");
				esc(m, frag);
				add(m, "\"");
			}
			add(m, "><ri:page");
			if (a) {
				add(m, " ri:space-key=\"");
				esc(m, a);
				add(m, "\"");
			}
			add(m, " ri:content-title=\"");
			esc(m, b);
			add(m, "\" />");
			ret = link_body(m, n, b);
			add(m, "</ac:link>");
		}
	} else {
		ret = fail(m, n,
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

	plain(&alt, cmark_node_first_child(n), NULL);
	if (alt.err)
		return alt.err;
	if (url && has_scheme(url)) {
		add(m, "<ac:image");
		if (alt.len) {
			add(m, " ac:alt=\"");
			esc(m, alt.p);
			add(m, "\"");
		}
		add(m, "><ri:url ri:value=\"");
		esc(m, url);
		add(m, "\" /></ac:image>");
		free(alt.p);
		return 0;
	}
	rel = url ? decode(url, &frag) : NULL;
	if (!rel || !is_attachment(rel)) {
		ret =
		    fail(m, n, "an image must be an attachment (_attachments/) or an absolute URL");
	} else if (!m->w->attachment || m->w->attachment(m->w->arg, rel, &a, &b) != 0 || !b) {
		ret = fail(m, n, "\"%s\" is not an attachment on the mount", rel);
	} else {
		add(m, "<ac:image");
		if (alt.len && strcmp(alt.p, b)) {
			add(m, " ac:alt=\"");
			esc(m, alt.p);
			add(m, "\"");
		}
		add(m, ">");
		ri_attachment(m, a, b);
		add(m, "</ac:image>");
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

static int inlines(struct m2s *m, cmark_node *n, cmark_node *stop)
{
	int open[16], nopen = 0, closing, t;
	cmark_node *first = n;

	for (; n && n != stop; n = cmark_node_next(n)) {
		const char *lit = cmark_node_get_literal(n);
		const char *tag = NULL;

		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
			esc(m, lit ? lit : "");
			continue;
		case CMARK_NODE_SOFTBREAK:
			add(m, " ");
			continue;
		case CMARK_NODE_LINEBREAK:
			add(m, "<br />");
			continue;
		case CMARK_NODE_CODE:
			add(m, "<code>");
			esc(m, lit ? lit : "");
			add(m, "</code>");
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
				add(m, "<br />");
				continue;
			}
			if (lit && (t = html_tag(lit, &closing)) >= 0) {
				if (!closing && nopen < 16) {
					open[nopen++] = t;
					add(m, lit);
					continue;
				}
				if (closing && nopen > 0 && open[nopen - 1] == t) {
					nopen--;
					add(m, lit);
					continue;
				}
				return fail(m, n, "%s without its pair", lit);
			}
			if (lit && !strncmp(lit, "<!--", 4))
				return fail(m, n,
				            "an HTML comment (a macro the mount cannot show) "
				            "cannot be written back: undo the change to its "
				            "block or edit it in the browser");
			return fail(m, n, "raw HTML (%.40s) cannot be written back",
			            lit ? lit : "");
		case CMARK_NODE_FOOTNOTE_REFERENCE:
			return fail(m, n, "footnotes cannot be written back");
		default:
			if (is(n, "strikethrough")) {
				tag = "s";
				break;
			}
			return fail(m, n, "%s cannot be written back", type_of(n));
		}
		wb_adds(m->o, "<");
		wb_adds(m->o, tag);
		wb_adds(m->o, ">");
		if (++m->depth > M2S_MAX_DEPTH)
			return fail(m, n, "nested too deep");
		if (inlines(m, cmark_node_first_child(n), NULL))
			return -EINVAL;
		m->depth--;
		wb_adds(m->o, "</");
		wb_adds(m->o, tag);
		wb_adds(m->o, ">");
	}
	if (nopen)
		return fail(m, first, "an HTML tag without its closing tag");
	return 0;
}

static void code_block(struct m2s *m, cmark_node *n)
{
	const char *info = cmark_node_get_fence_info(n), *lit = cmark_node_get_literal(n);
	size_t ll = lit ? strlen(lit) : 0, il = 0;

	if (ll && lit[ll - 1] == '\n')
		ll--;
	while (info && info[il] && info[il] != ' ' && info[il] != '\t')
		il++;
	add(m, "<ac:structured-macro ac:name=\"code\">");
	if (il) {
		add(m, "<ac:parameter ac:name=\"language\">");
		wb_esc(m->o, info, il);
		add(m, "</ac:parameter>");
	}
	add(m, "<ac:plain-text-body>");
	cdata(m, lit ? lit : "", ll);
	add(m, "</ac:plain-text-body></ac:structured-macro>");
}

/* GFM alert types -> the macros the converter shows as them (convert_macro.c). */
static const char *alert_macro(const char *t)
{
	static const char *const map[][2] = {{"[!NOTE]", "info"},
	                                     {"[!TIP]", "tip"},
	                                     {"[!IMPORTANT]", "note"},
	                                     {"[!WARNING]", "note"},
	                                     {"[!CAUTION]", "warning"}};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (t && !strcmp(t, map[i][0]))
			return map[i][1];
	return NULL;
}

static int quote(struct m2s *m, cmark_node *n)
{
	cmark_node *p = cmark_node_first_child(n), *t = p ? cmark_node_first_child(p) : NULL;
	const char *macro = NULL;
	cmark_node *rest = NULL, *after;

	if (is(p, "paragraph") && t && cmark_node_get_type(t) == CMARK_NODE_TEXT)
		macro = alert_macro(cmark_node_get_literal(t));
	if (macro) {
		after = cmark_node_next(t);
		if (after && cmark_node_get_type(after) != CMARK_NODE_SOFTBREAK)
			macro = NULL;
		else
			rest = after ? cmark_node_next(after) : NULL;
	}
	if (!macro) {
		add(m, "<blockquote>");
		if (blocks(m, p, NULL, 0))
			return -EINVAL;
		add(m, "</blockquote>");
		return 0;
	}
	add(m, "<ac:structured-macro ac:name=\"");
	add(m, macro);
	add(m, "\">");
	if (rest && cmark_node_get_type(rest) == CMARK_NODE_STRONG && !cmark_node_next(rest)) {
		struct wbuf title = {0};

		plain(&title, cmark_node_first_child(rest), NULL);
		if (title.err)
			return title.err;
		add(m, "<ac:parameter ac:name=\"title\">");
		wb_esc(m->o, title.p ? title.p : "", title.len);
		add(m, "</ac:parameter>");
		free(title.p);
		rest = NULL;
	}
	add(m, "<ac:rich-text-body>");
	if (rest) {
		add(m, "<p>");
		if (inlines(m, rest, NULL))
			return -EINVAL;
		add(m, "</p>");
	}
	if (blocks(m, cmark_node_next(p), NULL, 0))
		return -EINVAL;
	add(m, "</ac:rich-text-body></ac:structured-macro>");
	return 0;
}

static int list(struct m2s *m, cmark_node *n)
{
	int ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
	int tight = cmark_node_get_list_tight(n), ntask = 0, nitem = 0;
	char num[32];

	for (cmark_node *i = cmark_node_first_child(n); i; i = cmark_node_next(i), nitem++)
		ntask += is(i, "tasklist");
	if (ntask && (ntask != nitem || ordered))
		return fail(m, n, "a list mixing tasks and items cannot be written back");
	if (ntask) {
		add(m, "<ac:task-list>");
		for (cmark_node *i = cmark_node_first_child(n); i; i = cmark_node_next(i)) {
			snprintf(num, sizeof(num), "%d", ++m->tasks);
			add(m, "<ac:task><ac:task-id>");
			add(m, num);
			add(m, "</ac:task-id><ac:task-status>");
			add(m, cmark_gfm_extensions_get_tasklist_item_checked(i) ? "complete"
			                                                         : "incomplete");
			add(m, "</ac:task-status><ac:task-body>");
			if (blocks(m, cmark_node_first_child(i), NULL, 1))
				return -EINVAL;
			add(m, "</ac:task-body></ac:task>");
		}
		add(m, "</ac:task-list>");
		return 0;
	}
	if (ordered && cmark_node_get_list_start(n) != 1) {
		snprintf(num, sizeof(num), "<ol start=\"%d\">", cmark_node_get_list_start(n));
		add(m, num);
	} else {
		add(m, ordered ? "<ol>" : "<ul>");
	}
	for (cmark_node *i = cmark_node_first_child(n); i; i = cmark_node_next(i)) {
		add(m, "<li>");
		if (blocks(m, cmark_node_first_child(i), NULL, tight))
			return -EINVAL;
		add(m, "</li>");
	}
	add(m, ordered ? "</ol>" : "</ul>");
	return 0;
}

static int table(struct m2s *m, cmark_node *n)
{
	add(m, "<table><tbody>");
	for (cmark_node *r = cmark_node_first_child(n); r; r = cmark_node_next(r)) {
		int head = cmark_gfm_extensions_get_table_row_is_header(r);

		add(m, "<tr>");
		for (cmark_node *c = cmark_node_first_child(r); c; c = cmark_node_next(c)) {
			add(m, head ? "<th>" : "<td>");
			if (inlines(m, cmark_node_first_child(c), NULL))
				return -EINVAL;
			add(m, head ? "</th>" : "</td>");
		}
		add(m, "</tr>");
	}
	add(m, "</tbody></table>");
	return 0;
}

/* Trim blanks at both ends of [s, s + *n). */
static const char *trim(const char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++, (*n)--;
	while (*n &&
	       (s[*n - 1] == ' ' || s[*n - 1] == '\t' || s[*n - 1] == '\n' || s[*n - 1] == '\r'))
		(*n)--;
	return s;
}

static int html_is(cmark_node *n, const char *what)
{
	const char *lit = cmark_node_get_literal(n);
	size_t len = lit ? strlen(lit) : 0;

	lit = trim(lit ? lit : "", &len);
	return cmark_node_get_type(n) == CMARK_NODE_HTML_BLOCK && len == strlen(what) &&
	       !memcmp(lit, what, len);
}

/*
 * "<details>\n<summary>T</summary>" ... "</details>" (as the converter writes
 * an expand macro): the title, or -1 when the block is not exactly that.
 */
static int details_title(cmark_node *n, struct wbuf *title)
{
	const char *lit = cmark_node_get_literal(n), *s, *e;
	size_t len = lit ? strlen(lit) : 0;

	if (cmark_node_get_type(n) != CMARK_NODE_HTML_BLOCK)
		return -1;
	lit = trim(lit ? lit : "", &len);
	if (len < 9 || memcmp(lit, "<details>", 9))
		return -1;
	s = trim(lit + 9, &(size_t){len - 9});
	len -= (size_t)(s - lit);
	if (len == 0)
		return 0;
	if (len < 19 || memcmp(s, "<summary>", 9) || memcmp(s + len - 10, "</summary>", 10))
		return -1;
	e = s + len - 10;
	for (const char *c = s + 9; c < e; c++) {
		if (*c == '<')
			return -1;
		if (*c == '&') {
			static const char *const ents[][2] = {{"&amp;", "&"},
			                                      {"&lt;", "<"},
			                                      {"&gt;", ">"},
			                                      {"&quot;", "\""},
			                                      {"&#39;", "'"}};
			size_t k;

			for (k = 0; k < 5; k++)
				if (!strncmp(c, ents[k][0], strlen(ents[k][0])))
					break;
			if (k == 5)
				return -1;
			wb_adds(title, ents[k][1]);
			c += strlen(ents[k][0]) - 1;
			continue;
		}
		wb_add(title, c, 1);
	}
	return 0;
}

static int blocks(struct m2s *m, cmark_node *n, cmark_node *stop, int tight)
{
	if (++m->depth > M2S_MAX_DEPTH)
		return fail(m, n, "nested too deep");
	for (; n && n != stop; n = cmark_node_next(n)) {
		struct wbuf title = {0};
		int ret = 0;

		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_PARAGRAPH:
			if (!tight)
				add(m, "<p>");
			ret = inlines(m, cmark_node_first_child(n), NULL);
			if (!tight)
				add(m, "</p>");
			break;
		case CMARK_NODE_HEADING: {
			char h[8];

			snprintf(h, sizeof(h), "<h%d>", cmark_node_get_heading_level(n));
			add(m, h);
			ret = inlines(m, cmark_node_first_child(n), NULL);
			snprintf(h, sizeof(h), "</h%d>", cmark_node_get_heading_level(n));
			add(m, h);
			break;
		}
		case CMARK_NODE_THEMATIC_BREAK:
			add(m, "<hr />");
			break;
		case CMARK_NODE_CODE_BLOCK:
			code_block(m, n);
			break;
		case CMARK_NODE_BLOCK_QUOTE:
			ret = quote(m, n);
			break;
		case CMARK_NODE_LIST:
			ret = list(m, n);
			break;
		case CMARK_NODE_HTML_BLOCK: {
			cmark_node *end = cmark_node_next(n);
			int open = 1;

			if (details_title(n, &title) < 0) {
				const char *lit = cmark_node_get_literal(n);

				free(title.p);
				if (lit && !strncmp(lit, "<!--", 4))
					return fail(m, n,
					            "an HTML comment (a macro the mount cannot "
					            "show) cannot be written back: undo the change "
					            "to its block or edit it in the browser");
				return fail(m, n,
				            "raw HTML cannot be written back (only <details> "
				            "with a <summary>)");
			}
			for (; end; end = cmark_node_next(end)) {
				struct wbuf t = {0};

				open += details_title(end, &t) == 0;
				free(t.p);
				if (html_is(end, "</details>") && --open == 0)
					break;
			}
			if (!end) {
				free(title.p);
				return fail(m, n, "<details> without its </details>");
			}
			add(m, "<ac:structured-macro ac:name=\"expand\">");
			if (title.len) {
				add(m, "<ac:parameter ac:name=\"title\">");
				wb_esc(m->o, title.p, title.len);
				add(m, "</ac:parameter>");
			}
			free(title.p);
			add(m, "<ac:rich-text-body>");
			ret = blocks(m, cmark_node_next(n), end, 0);
			add(m, "</ac:rich-text-body></ac:structured-macro>");
			n = end;
			break;
		}
		case CMARK_NODE_FOOTNOTE_DEFINITION:
			return fail(m, n, "footnotes cannot be written back");
		default:
			if (is(n, "table"))
				ret = table(m, n);
			else
				return fail(m, n, "%s cannot be written back", type_of(n));
		}
		if (ret)
			return -EINVAL;
	}
	m->depth--;
	return 0;
}

static pthread_once_t ext_once = PTHREAD_ONCE_INIT;

static void ext_init(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

int w_md2storage(const char *md, size_t n, size_t line0, const struct cfs_write_ctx *wctx,
                 struct wbuf *out, char **err)
{
	static const char *const exts[] = {"table", "strikethrough", "tasklist"};
	static const struct cfs_write_ctx none;
	struct m2s m = {.w = wctx ? wctx : &none, .o = out, .line0 = line0};
	cmark_parser *p;
	cmark_node *doc;
	int ret;

	*err = NULL;
	pthread_once(&ext_once, ext_init);
	p = cmark_parser_new(CMARK_OPT_FOOTNOTES);
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);

		if (e)
			cmark_parser_attach_syntax_extension(p, e);
	}
	cmark_parser_feed(p, md, n);
	doc = cmark_parser_finish(p);
	if (!doc) {
		cmark_parser_free(p);
		return -ENOMEM;
	}
	ret = blocks(&m, cmark_node_first_child(doc), NULL, 0);
	cmark_node_free(doc);
	cmark_parser_free(p);
	if (ret) {
		*err = m.err;
		return m.err ? -EINVAL : -ENOMEM;
	}
	return out->err;
}
