/* convert_macro: Confluence macros — code, panels, expand, toc, status, jira, anchor, unknown. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"

enum mk {
	M_UNKNOWN,
	M_CODE,
	M_NOFORMAT,
	M_MERMAID,
	M_PANEL,
	M_EXPAND,
	M_TOC,
	M_TOCZONE,
	M_STATUS,
	M_JIRA,
	M_ANCHOR,
	M_BODY, /* its body, nothing else: excerpt, section, column, page properties */
	M_VIEWFILE,
};

static const struct {
	const char *name;
	enum mk kind;
	const char *alert;
} macros[] = {
    /* sorted by name */
    {"anchor", M_ANCHOR, NULL},
    {"code", M_CODE, NULL},
    {"column", M_BODY, NULL},
    {"details", M_BODY, NULL},
    {"error", M_PANEL, "CAUTION"},
    {"excerpt", M_BODY, NULL},
    {"expand", M_EXPAND, NULL},
    {"info", M_PANEL, "NOTE"},
    {"jira", M_JIRA, NULL},
    {"mermaid", M_MERMAID, NULL},
    {"mermaid-cloud", M_MERMAID, NULL},
    {"mermaid-macro", M_MERMAID, NULL},
    {"multimedia", M_VIEWFILE, NULL},
    {"noformat", M_NOFORMAT, NULL},
    {"note", M_PANEL, "WARNING"},
    {"panel", M_PANEL, "NOTE"},
    {"section", M_BODY, NULL},
    {"status", M_STATUS, NULL},
    {"success", M_PANEL, "TIP"},
    {"tip", M_PANEL, "TIP"},
    {"toc", M_TOC, NULL},
    {"toc-zone", M_TOCZONE, NULL},
    {"ui-expand", M_EXPAND, NULL},
    {"view-file", M_VIEWFILE, NULL},
    {"viewdoc", M_VIEWFILE, NULL},
    {"viewpdf", M_VIEWFILE, NULL},
    {"viewppt", M_VIEWFILE, NULL},
    {"viewxls", M_VIEWFILE, NULL},
    {"warning", M_PANEL, "CAUTION"},
};

static int find(const char *name)
{
	size_t lo = 0, hi = sizeof(macros) / sizeof(macros[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, macros[mid].name);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static enum mk mkind(struct cv *cv, xmlNode *m, char name[64], const char **alert)
{
	int i;

	cv_macro_name(cv, m, name);
	i = find(name);
	if (alert)
		*alert = i >= 0 ? macros[i].alert : NULL;
	return i >= 0 ? macros[i].kind : M_UNKNOWN;
}

/* An excerpt with hidden=true: Confluence does not show it on its page. */
static int hidden(struct cv *cv, xmlNode *m, const char *name)
{
	char *h;
	int r;

	if (strcmp(name, "excerpt") != 0)
		return 0;
	h = cv_param(cv, m, "hidden");
	r = h && !strcasecmp(h, "true");
	free(h);
	return r;
}

static int body_has_block(struct cv *cv, xmlNode *body)
{
	for (xmlNode *c = body ? body->children : NULL; c; c = c->next)
		if (cv_kind(cv, c) == K_BLOCK)
			return 1;
	return 0;
}

enum cv_kind cv_macro_kind(struct cv *cv, xmlNode *m)
{
	char name[64];

	switch (mkind(cv, m, name, NULL)) {
	case M_STATUS:
	case M_JIRA:
	case M_ANCHOR:
	case M_VIEWFILE:
		return K_INLINE;
	case M_BODY:
		return body_has_block(cv, cv_child(m, T_RTB)) ? K_BLOCK : K_INLINE;
	case M_UNKNOWN:
		if (cv_child(m, T_PTB))
			return K_BLOCK;
		return body_has_block(cv, cv_child(m, T_RTB)) ? K_BLOCK : K_INLINE;
	default:
		return K_BLOCK;
	}
}

static int body_empty(struct cv *cv, xmlNode *body)
{
	char *t;
	int empty;

	if (!body)
		return 1;
	for (xmlNode *c = body->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && cv_kind(cv, c) != K_SKIP)
			return 0;
	t = cv_text_of(cv, body, 1);
	empty = !t || !*t;
	free(t);
	return empty;
}

static void code(struct cv *cv, xmlNode *m, const char *lang)
{
	xmlNode *b = cv_child(m, T_PTB);
	char *l = lang ? NULL : cv_param(cv, m, "language");
	char *title = cv_param(cv, m, "title");
	char *t, *collapse;
	size_t before = 0;
	int opened = 0;

	if (!l && !lang)
		l = cv_param(cv, m, "");
	if (!b)
		b = cv_child(m, T_RTB);
	t = b ? cv_text_of(cv, b, 0) : NULL;
	collapse = cv_param(cv, m, "collapse");
	if (collapse && !strcasecmp(collapse, "true")) {
		/* collapsed on the page: <details>, the title its summary */
		opened = cv_details_open(cv, title && *title ? title : "Code", &before);
	} else if (title && *title) {
		/* the title as a bold caption line */
		cv_il_raws(cv, "**");
		cv_il_text(cv, title, strlen(title));
		cv_il_raws(cv, "**");
		cv_para_flush(cv);
	}
	cv_code_block(cv, lang ? lang : l, t ? t : "", t ? strlen(t) : 0);
	if (opened)
		cv_details_close(cv, before);
	free(collapse);
	free(t);
	free(l);
	free(title);
}

static const char *alert_label(const char *type)
{
	if (!strcmp(type, "TIP"))
		return "Tip:";
	if (!strcmp(type, "WARNING"))
		return "Warning:";
	if (!strcmp(type, "CAUTION"))
		return "Caution:";
	if (!strcmp(type, "IMPORTANT"))
		return "Important:";
	return "Note:";
}

/* A Cloud "panel" says what it is through its icon. */
static const char *panel_type(struct cv *cv, xmlNode *m, const char *dflt)
{
	static const struct {
		const char *word, *type;
	} icons[] = {
	    {"check", "TIP"},     {"success", "TIP"},   {"warning", "WARNING"},
	    {"error", "CAUTION"}, {"cross", "CAUTION"}, {"note", "IMPORTANT"},
	    {"info", "NOTE"},
	};
	char *icon = cv_param(cv, m, "panelIconId");
	const char *t = dflt;

	if (!icon || !*icon) {
		free(icon);
		icon = cv_param(cv, m, "panelIcon");
	}
	for (size_t i = 0; icon && i < sizeof(icons) / sizeof(icons[0]); i++) {
		if (strstr(icon, icons[i].word)) {
			t = icons[i].type;
			break;
		}
	}
	free(icon);
	return t;
}

/*
 * A GFM alert of type ("NOTE", "TIP", ...) at top level, a labelled quote when
 * nested: title as a bold first line, lead (an emoji) opening the first paragraph.
 */
void cv_alert(struct cv *cv, const char *type, const char *title, const char *lead, xmlNode *body)
{
	int nested = cv->nindent > 0 || cv->html_nest > 0;
	char marker[24];
	int pushed;

	if (body_empty(cv, body) && (!title || !*title))
		return;
	cv_blk_begin(cv, B_QUOTE, 1);
	pushed = cv_push(cv, "> ", "> ", 0, 0) == 0;
	if (!pushed) {
		nested = 1; /* too deep: label and body at this level */
	} else if (!nested) {
		snprintf(marker, sizeof(marker), "[!%s]", type);
		cv_blk_begin(cv, B_MARKER, 1);
		cv_puts(cv, marker);
		cv_blk_end(cv, B_MARKER);
	}
	if (nested || (title && *title)) {
		cv_il_raws(cv, "**");
		if (nested)
			cv_il_raws(cv, alert_label(type));
		else
			cv_il_text(cv, title, strlen(title));
		cv_il_raws(cv, "**");
		if (nested && title && *title) {
			cv->il_space = 1;
			cv_il_text(cv, title, strlen(title));
		}
		cv_para_flush(cv);
	}
	if (lead && *lead) {
		cv_il_raws(cv, lead);
		cv->il_space = 1;
	}
	if (body)
		cv_flow_lead(cv, body->children, NULL);
	if (pushed)
		cv_pop(cv);
	cv_blk_end(cv, B_QUOTE);
}

/* info/note/tip/warning/panel macros. */
static void alert(struct cv *cv, xmlNode *m, const char *name, const char *type)
{
	char *title = cv_param(cv, m, "title");

	if (!strcmp(name, "panel"))
		type = panel_type(cv, m, type);
	cv_alert(cv, type, title, NULL, cv_child(m, T_RTB));
	free(title);
}

static void toc(struct cv *cv, xmlNode *m)
{
	char *mn = cv_param(cv, m, "minLevel"), *mx = cv_param(cv, m, "maxLevel");
	int minl = mn && *mn ? atoi(mn) : 1, maxl = mx && *mx ? atoi(mx) : 6;
	char pre[512];

	free(mn);
	free(mx);
	cv_blk_begin(cv, B_LIST, 1);
	cv_put(cv, "", 0);
	cv_frame_prefix(cv, pre, sizeof(pre));
	cv_add_hole(cv, cv->out.len, H_TOC, minl < 1 ? 1 : minl, maxl > 6 ? 6 : maxl, pre);
	cv->il_holes = cv->nholes; /* a hole in the output, not in the (empty) inline buffer */
	cv_blk_end(cv, B_LIST);
}

/* "<!-- WHAT: NAME -->", with NAME safe inside a comment. */
void cv_comment(struct cv *cv, struct cv_buf *b, const char *what, const char *name)
{
	cv_buf_adds(cv, b, "<!-- ");
	cv_buf_adds(cv, b, what);
	cv_buf_adds(cv, b, ": ");
	for (const char *s = name; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("_.:", c) ||
		      (c == '-' && s[1] != '-')))
			c = '_';
		cv_buf_add(cv, b, &c, 1);
	}
	if (!*name)
		cv_buf_adds(cv, b, "(unnamed)");
	cv_buf_adds(cv, b, " -->");
}

/* <ri:page ri:content-title="@self"/> (or in an ac:link): a relative reference, no page. */
static int keyword_page(struct cv *cv, xmlNode *c)
{
	char *f;
	int k;

	if (cv_tag(c) == T_LINK)
		c = cv_child(c, T_RI_PAGE);
	if (!c || cv_tag(c) != T_RI_PAGE)
		return 0;
	k = cv_page_keyword(cv_attr(cv, c, "ri", "content-title", &f));
	free(f);
	return k;
}

/* Parameters that hold links (include, excerpt-include, ...): keep them as links. */
static void link_params(struct cv *cv, xmlNode *m)
{
	for (xmlNode *p = m->children; p; p = p->next) {
		if (p->type != XML_ELEMENT_NODE || cv_tag(p) != T_PARAM)
			continue;
		for (xmlNode *c = p->children; c; c = c->next) {
			enum cv_tag t = cv_tag(c);

			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (keyword_page(cv, c))
				continue;
			if (t == T_LINK || (t >= T_RI_PAGE && t <= T_RI_CONTENT)) {
				cv->il_space = 1;
				cv_inline(cv, c);
				cv->il_space = 1;
			}
		}
	}
}

static void unknown_block(struct cv *cv, xmlNode *m, const char *name)
{
	struct cv_buf c = {0};
	xmlNode *ptb = cv_child(m, T_PTB), *rtb = cv_child(m, T_RTB);

	if (cv_mount_macro(cv, m, name))
		return; /* children, attachments, include, ...: what the mount knows */
	cv_comment(cv, &c, "confluence macro", name);
	cv_blk_begin(cv, B_HTML, 1);
	cv_puts(cv, c.p ? c.p : "");
	cv_blk_end(cv, B_HTML);
	free(c.p);
	link_params(cv, m);
	cv_para_flush(cv);
	if (ptb) {
		char *t = cv_text_of(cv, ptb, 0);

		cv_code_block(cv, name, t ? t : "", t ? strlen(t) : 0);
		free(t);
	}
	if (rtb)
		cv_flow(cv, rtb->children, NULL);
}

void cv_macro_block(struct cv *cv, xmlNode *m)
{
	char name[64];
	const char *alert_type;
	xmlNode *body = cv_child(m, T_RTB);

	switch (mkind(cv, m, name, &alert_type)) {
	case M_CODE:
		code(cv, m, NULL);
		break;
	case M_NOFORMAT:
		code(cv, m, "");
		break;
	case M_MERMAID:
		code(cv, m, "mermaid");
		break;
	case M_PANEL:
		alert(cv, m, name, alert_type);
		break;
	case M_EXPAND: {
		char *t = cv_param(cv, m, "title");

		cv_details(cv, t && *t ? t : "Click here to expand...",
		           body ? body->children : NULL, NULL, NULL);
		free(t);
		break;
	}
	case M_TOCZONE:
		toc(cv, m);
		if (body)
			cv_flow(cv, body->children, NULL);
		break;
	case M_TOC:
		toc(cv, m);
		break;
	case M_UNKNOWN:
		unknown_block(cv, m, name);
		break;
	default:
		if (hidden(cv, m, name))
			break;
		if (body)
			cv_flow(cv, body->children, NULL);
		else
			cv_macro_inline(cv, m);
		break;
	}
}

static void status(struct cv *cv, xmlNode *m)
{
	char *t = cv_param(cv, m, "title");
	size_t mark;

	if (!t || !*t) {
		free(t);
		t = cv_param(cv, m, "colour");
	}
	if (t && *t) {
		cv_il_flush_space(cv);
		mark = cv->il.len;
		cv_code_span(cv, t);
		cv_emph_close(cv, m, mark, "**", "<strong>", "</strong>");
	}
	free(t);
}

static void jira(struct cv *cv, xmlNode *m)
{
	char *key = cv_param(cv, m, "key"), *jql = NULL;
	const char *ju = cv->ctx ? cv->ctx->jira_url : NULL;
	const char *bu = cv->ctx ? cv->ctx->base_url : NULL;
	struct cv_buf d = {0}, t = {0};

	if (!key || !*key)
		jql = cv_param(cv, m, "jqlQuery");
	if ((!key || !*key) && (!jql || !*jql)) {
		free(jql);
		jql = cv_param(cv, m, "jql");
	}
	if (ju && *ju) {
		size_t n = strlen(ju);

		while (n > 0 && ju[n - 1] == '/')
			n--;
		cv_buf_add(cv, &d, ju, n);
	} else if (bu) {
		/* Cloud: Jira lives on the same site, Confluence under /wiki */
		size_t n = strlen(bu);

		while (n > 0 && bu[n - 1] == '/')
			n--;
		if (n >= 5 && !memcmp(bu + n - 5, "/wiki", 5))
			cv_buf_add(cv, &d, bu, n - 5);
	}
	if (key && *key) {
		cv_buf_adds(cv, &t, key);
		if (d.len) {
			cv_buf_adds(cv, &d, "/browse/");
			cv_url(cv, &d, key, 2);
		}
	} else if (jql && *jql) {
		cv_buf_adds(cv, &t, "Jira: ");
		cv_buf_adds(cv, &t, jql);
		if (d.len) {
			cv_buf_adds(cv, &d, "/issues/?jql=");
			cv_url(cv, &d, jql, 2);
		}
	}
	if (t.p) {
		/* through an ri:url-like path so the link is written like all others */
		struct cv_buf md = {0};

		if (d.len && !(cv->imode & IM_LINK)) {
			cv_md_esc(cv, &md, t.p);
			cv_il_raw(cv, "[", 1);
			cv_il_raws(cv, md.p ? md.p : "");
			cv_il_raw(cv, "](", 2);
			cv_il_raws(cv, d.p);
			cv_il_raw(cv, ")", 1);
		} else {
			cv_il_text(cv, t.p, t.len);
		}
		free(md.p);
	}
	free(d.p);
	free(t.p);
	free(key);
	free(jql);
}

static void anchor(struct cv *cv, xmlNode *m)
{
	char *a = cv_param(cv, m, "");

	if (a && *a)
		cv_il_anchor(cv, a);
	free(a);
}

static void viewfile(struct cv *cv, xmlNode *m)
{
	xmlNode *p = cv_param_node(cv, m, "name");
	xmlNode *ri = NULL;

	for (xmlNode *c = p ? p->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && cv_tag(c) == T_RI_ATTACHMENT)
			ri = c;
	if (ri)
		cv_ri_link(cv, ri, NULL, NULL);
	else if (p)
		cv_inline_children(cv, p);
}

static void unknown_inline(struct cv *cv, xmlNode *m, const char *name)
{
	struct cv_buf c = {0};
	xmlNode *body = cv_child(m, T_RTB);

	if (cv->imode == 0 && cv->il.len == 0 &&
	    (cv_placed_as_block(m) || strstr(name, "include")) && cv_mount_macro(cv, m, name))
		return; /* a bodiless block macro (children, attachments, ...) the mount answers */
	cv_comment(cv, &c, "confluence macro", name);
	if (cv->imode == 0 && cv->il.len == 0) {
		/* at the start of a paragraph a comment would swallow the line as HTML */
		cv_blk_begin(cv, B_HTML, 1);
		cv_puts(cv, c.p ? c.p : "");
		cv_blk_end(cv, B_HTML);
	} else {
		cv_il_raws(cv, c.p ? c.p : "");
	}
	free(c.p);
	link_params(cv, m);
	if (body)
		cv_inline_children(cv, body);
}

void cv_macro_inline(struct cv *cv, xmlNode *m)
{
	char name[64];
	xmlNode *body = cv_child(m, T_RTB);

	switch (mkind(cv, m, name, NULL)) {
	case M_STATUS:
		status(cv, m);
		break;
	case M_JIRA:
		jira(cv, m);
		break;
	case M_ANCHOR:
		anchor(cv, m);
		break;
	case M_VIEWFILE:
		viewfile(cv, m);
		break;
	case M_UNKNOWN:
		unknown_inline(cv, m, name);
		break;
	case M_CODE:
	case M_NOFORMAT:
	case M_MERMAID: {
		xmlNode *b = cv_child(m, T_PTB);
		char *t = b ? cv_text_of(cv, b, 1) : NULL;

		if (t)
			cv_code_span(cv, t);
		free(t);
		break;
	}
	default: /* a block macro where only inline content fits: its text */
		if (body && !hidden(cv, m, name))
			cv_inline_children(cv, body);
		break;
	}
}
