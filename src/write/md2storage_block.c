/* write: Markdown blocks (libcmark-gfm) -> storage: code, callouts, lists, tables, details. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "md2storage_int.h"

static void code_block(struct m2s *m, cmark_node *n)
{
	const char *info = cmark_node_get_fence_info(n), *lit = cmark_node_get_literal(n);
	size_t ll = lit ? strlen(lit) : 0, il = 0;

	if (ll && lit[ll - 1] == '\n')
		ll--;
	while (info && info[il] && info[il] != ' ' && info[il] != '\t')
		il++;
	m2s_add(m, "<ac:structured-macro ac:name=\"code\">");
	if (il) {
		m2s_add(m, "<ac:parameter ac:name=\"language\">");
		wb_esc(m->o, info, il);
		m2s_add(m, "</ac:parameter>");
	}
	m2s_add(m, "<ac:plain-text-body>");
	m2s_cdata(m, lit ? lit : "", ll);
	m2s_add(m, "</ac:plain-text-body></ac:structured-macro>");
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

	if (m2s_is(p, "paragraph") && t && cmark_node_get_type(t) == CMARK_NODE_TEXT)
		macro = alert_macro(cmark_node_get_literal(t));
	if (macro) {
		after = cmark_node_next(t);
		if (after && cmark_node_get_type(after) != CMARK_NODE_SOFTBREAK)
			macro = NULL;
		else
			rest = after ? cmark_node_next(after) : NULL;
	}
	if (!macro) {
		m2s_add(m, "<blockquote>");
		if (m2s_blocks(m, p, NULL, 0))
			return -EINVAL;
		m2s_add(m, "</blockquote>");
		return 0;
	}
	m2s_add(m, "<ac:structured-macro ac:name=\"");
	m2s_add(m, macro);
	m2s_add(m, "\">");
	if (rest && cmark_node_get_type(rest) == CMARK_NODE_STRONG && !cmark_node_next(rest)) {
		struct wbuf title = {0};

		m2s_plain(&title, cmark_node_first_child(rest), NULL);
		if (title.err)
			return title.err;
		m2s_add(m, "<ac:parameter ac:name=\"title\">");
		wb_esc(m->o, title.p ? title.p : "", title.len);
		m2s_add(m, "</ac:parameter>");
		free(title.p);
		rest = NULL;
	}
	m2s_add(m, "<ac:rich-text-body>");
	if (rest) {
		m2s_add(m, "<p>");
		if (m2s_inlines(m, rest, NULL))
			return -EINVAL;
		m2s_add(m, "</p>");
	}
	if (m2s_blocks(m, cmark_node_next(p), NULL, 0))
		return -EINVAL;
	m2s_add(m, "</ac:rich-text-body></ac:structured-macro>");
	return 0;
}

static int list(struct m2s *m, cmark_node *n)
{
	int ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
	int tight = cmark_node_get_list_tight(n), ntask = 0, nitem = 0;
	char num[32];

	for (cmark_node *i = cmark_node_first_child(n); i; i = cmark_node_next(i), nitem++)
		ntask += m2s_is(i, "tasklist");
	if (ntask && (ntask != nitem || ordered))
		return m2s_fail(m, n, "a list mixing tasks and items cannot be written back");
	if (ntask) {
		m2s_add(m, "<ac:task-list>");
		for (cmark_node *i = cmark_node_first_child(n); i; i = cmark_node_next(i)) {
			snprintf(num, sizeof(num), "%ld", ++*m->tasks);
			m2s_add(m, "<ac:task><ac:task-id>");
			m2s_add(m, num);
			m2s_add(m, "</ac:task-id><ac:task-status>");
			m2s_add(m, cmark_gfm_extensions_get_tasklist_item_checked(i)
			               ? "complete"
			               : "incomplete");
			m2s_add(m, "</ac:task-status><ac:task-body>");
			if (m2s_blocks(m, cmark_node_first_child(i), NULL, 1))
				return -EINVAL;
			m2s_add(m, "</ac:task-body></ac:task>");
		}
		m2s_add(m, "</ac:task-list>");
		return 0;
	}
	if (ordered && cmark_node_get_list_start(n) != 1) {
		snprintf(num, sizeof(num), "<ol start=\"%d\">", cmark_node_get_list_start(n));
		m2s_add(m, num);
	} else {
		m2s_add(m, ordered ? "<ol>" : "<ul>");
	}
	for (cmark_node *i = cmark_node_first_child(n); i; i = cmark_node_next(i)) {
		m2s_add(m, "<li>");
		if (m2s_blocks(m, cmark_node_first_child(i), NULL, tight))
			return -EINVAL;
		m2s_add(m, "</li>");
	}
	m2s_add(m, ordered ? "</ol>" : "</ul>");
	return 0;
}

static int table(struct m2s *m, cmark_node *n)
{
	m2s_add(m, "<table><tbody>");
	for (cmark_node *r = cmark_node_first_child(n); r; r = cmark_node_next(r)) {
		int head = cmark_gfm_extensions_get_table_row_is_header(r);

		m2s_add(m, "<tr>");
		for (cmark_node *c = cmark_node_first_child(r); c; c = cmark_node_next(c)) {
			m2s_add(m, head ? "<th>" : "<td>");
			if (m2s_inlines(m, cmark_node_first_child(c), NULL))
				return -EINVAL;
			m2s_add(m, head ? "</th>" : "</td>");
		}
		m2s_add(m, "</tr>");
	}
	m2s_add(m, "</tbody></table>");
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

int m2s_blocks(struct m2s *m, cmark_node *n, cmark_node *stop, int tight)
{
	if (++m->depth > M2S_MAX_DEPTH)
		return m2s_fail(m, n, "nested too deep");
	for (; n && n != stop; n = cmark_node_next(n)) {
		struct wbuf title = {0};
		int ret = 0;

		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_PARAGRAPH:
			if (!tight)
				m2s_add(m, "<p>");
			ret = m2s_inlines(m, cmark_node_first_child(n), NULL);
			if (!tight)
				m2s_add(m, "</p>");
			break;
		case CMARK_NODE_HEADING: {
			char h[8];

			snprintf(h, sizeof(h), "<h%d>", cmark_node_get_heading_level(n));
			m2s_add(m, h);
			ret = m2s_inlines(m, cmark_node_first_child(n), NULL);
			snprintf(h, sizeof(h), "</h%d>", cmark_node_get_heading_level(n));
			m2s_add(m, h);
			break;
		}
		case CMARK_NODE_THEMATIC_BREAK:
			m2s_add(m, "<hr />");
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
					return m2s_fail(
					    m, n,
					    "an HTML comment (a macro the mount cannot "
					    "show) cannot be written back: undo the change "
					    "to its block or edit it in the browser");
				return m2s_fail(m, n,
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
				return m2s_fail(m, n, "<details> without its </details>");
			}
			m2s_add(m, "<ac:structured-macro ac:name=\"expand\">");
			if (title.len) {
				m2s_add(m, "<ac:parameter ac:name=\"title\">");
				wb_esc(m->o, title.p, title.len);
				m2s_add(m, "</ac:parameter>");
			}
			free(title.p);
			m2s_add(m, "<ac:rich-text-body>");
			ret = m2s_blocks(m, cmark_node_next(n), end, 0);
			m2s_add(m, "</ac:rich-text-body></ac:structured-macro>");
			n = end;
			break;
		}
		case CMARK_NODE_FOOTNOTE_DEFINITION:
			return m2s_fail(m, n, "footnotes cannot be written back");
		default:
			if (m2s_is(n, "table"))
				ret = table(m, n);
			else
				return m2s_fail(m, n, "%s cannot be written back", m2s_type_of(n));
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
                 long *task_id, struct wbuf *out, char **err)
{
	static const char *const exts[] = {"table", "strikethrough", "tasklist"};
	static const struct cfs_write_ctx none;
	struct m2s m = {.w = wctx ? wctx : &none, .o = out, .line0 = line0, .tasks = task_id};
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
	ret = m2s_blocks(&m, cmark_node_first_child(doc), NULL, 0);
	cmark_node_free(doc);
	cmark_parser_free(p);
	if (ret) {
		*err = m.err;
		return m.err ? -EINVAL : -ENOMEM;
	}
	return out->err;
}
