/* convert_table: a table becomes a GFM pipe table when pipes can hold it, else an HTML table. */
#include <stdlib.h>
#include <string.h>

#include "convert_int.h"

struct rows {
	xmlNode **r;
	size_t n, cap;
};

static int is_cell(xmlNode *c);
static int blank(xmlNode *n);

static void rows_add(struct cv *cv, struct rows *rs, xmlNode *r, int *stray)
{
	for (xmlNode *c = r->children; c; c = c->next)
		if (!is_cell(c) && !blank(c) && cv_kind(cv, c) != K_SKIP)
			*stray = 1;
	if (cv->err)
		return;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		xmlNode **p = realloc(rs->r, cap * sizeof(*p));

		if (!p) {
			cv_oom(cv);
			return;
		}
		rs->r = p;
		rs->cap = cap;
	}
	rs->r[rs->n++] = r;
}

static int is_cell(xmlNode *c)
{
	return c->type == XML_ELEMENT_NODE && (cv_tag(c) == T_TH || cv_tag(c) == T_TD);
}

static int blank(xmlNode *n)
{
	return n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE || cv_blank_text(n);
}

/* Rows in document order (directly or in thead/tbody/tfoot); other content goes to *stray. */
static void collect(struct cv *cv, xmlNode *t, struct rows *rs, int *stray)
{
	for (xmlNode *c = t->children; c; c = c->next) {
		enum cv_tag tag = cv_tag(c);

		if (c->type == XML_ELEMENT_NODE && tag == T_TR) {
			rows_add(cv, rs, c, stray);
		} else if (c->type == XML_ELEMENT_NODE && tag == T_TSECT) {
			for (xmlNode *r = c->children; r; r = r->next) {
				if (r->type == XML_ELEMENT_NODE && cv_tag(r) == T_TR)
					rows_add(cv, rs, r, stray);
				else if (!blank(r) && cv_kind(cv, r) != K_SKIP)
					*stray = 1;
			}
		} else if (tag != T_CAPTION && !blank(c) && cv_kind(cv, c) != K_SKIP) {
			*stray = 1;
		}
	}
}

static int span(struct cv *cv, xmlNode *cell, const char *name)
{
	char *f;
	const char *v = cv_attr(cv, cell, NULL, name, &f);
	long n = v ? strtol(v, NULL, 10) : 1;

	free(f);
	return n < 1 ? 1 : n > 1000 ? 1000 : (int)n;
}

/* Inline content only (paragraphs of inline content count as inline). */
static int cell_inline(struct cv *cv, xmlNode *cell)
{
	for (xmlNode *c = cell->children; c; c = c->next) {
		enum cv_kind k = cv_kind(cv, c);

		if (k != K_BLOCK)
			continue;
		if (cv_tag(c) != T_P)
			return 0;
		for (xmlNode *g = c->children; g; g = g->next)
			if (cv_kind(cv, g) == K_BLOCK)
				return 0;
	}
	return 1;
}

static int pipeable(struct cv *cv, struct rows *rs, int stray)
{
	size_t ncols = 0;

	if (rs->n == 0 || stray)
		return 0;
	for (size_t i = 0; i < rs->n; i++) {
		size_t n = 0;

		for (xmlNode *c = rs->r[i]->children; c; c = c->next) {
			if (!is_cell(c)) {
				if (!blank(c) && cv_kind(cv, c) != K_SKIP)
					return 0;
				continue;
			}
			if (i == 0 && cv_tag(c) != T_TH)
				return 0; /* GFM needs a header row */
			if (span(cv, c, "colspan") != 1 || span(cv, c, "rowspan") != 1 ||
			    !cell_inline(cv, c))
				return 0;
			n++;
		}
		if (n == 0 || (i > 0 && n != ncols))
			return 0;
		ncols = n;
	}
	return 1;
}

static void pipe_table(struct cv *cv, struct rows *rs)
{
	unsigned imode = cv->imode;
	xmlNode *iroot = cv->iroot;

	cv_blk_begin(cv, B_TABLE, 1);
	for (size_t i = 0; i < rs->n; i++) {
		size_t ncols = 0;

		cv_put(cv, "|", 1);
		for (xmlNode *c = rs->r[i]->children; c; c = c->next) {
			if (!is_cell(c))
				continue;
			ncols++;
			cv->imode = IM_CELL;
			cv->iroot = c;
			cv_inline_children(cv, c);
			cv_il_trim(cv);
			if (i > 0 && cv_tag(c) == T_TH) /* a header cell below the header row */
				cv_emph_close(cv, c, 0, "**", "<strong>", "</strong>");
			cv->imode = imode;
			cv->iroot = iroot;
			cv_put(cv, " ", 1);
			cv_il_move(cv, 0, cv->il.len);
			cv_put(cv, " |", 2);
		}
		cv_nl(cv);
		if (i == 0) {
			cv_put(cv, "|", 1);
			for (size_t k = 0; k < ncols; k++)
				cv_put(cv, " --- |", 6);
			cv_nl(cv);
		}
	}
	cv_blk_end(cv, B_TABLE);
}

static int cell_empty(struct cv *cv, xmlNode *cell)
{
	for (xmlNode *c = cell->children; c; c = c->next)
		if (!blank(c) && cv_kind(cv, c) != K_SKIP)
			return 0;
	return 1;
}

/* Only text (in at most one paragraph): fits on the <td> line as escaped HTML. */
static int cell_plain(xmlNode *cell)
{
	int paras = 0;

	for (xmlNode *c = cell->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (cv_tag(c) != T_P || paras++)
			return 0;
		for (xmlNode *t = c->children; t; t = t->next)
			if (t->type == XML_ELEMENT_NODE)
				return 0;
	}
	return 1;
}

static void html_line(struct cv *cv, const char *s)
{
	cv_puts(cv, s);
	cv_nl(cv);
}

static void html_table(struct cv *cv, xmlNode *t, struct rows *rs)
{
	xmlNode *cap = cv_child(t, T_CAPTION);

	cv_blk_begin(cv, B_HTML, 1);
	html_line(cv, "<table>");
	if (cap) {
		char *s = cv_text_of(cv, cap, 1);
		struct cv_buf e = {0};

		if (s && *s) {
			cv_html_esc(cv, &e, s, strlen(s));
			cv_puts(cv, "<caption>");
			cv_puts(cv, e.p ? e.p : "");
			html_line(cv, "</caption>");
		}
		free(e.p);
		free(s);
	}
	for (size_t i = 0; i < rs->n; i++) {
		html_line(cv, "<tr>");
		for (xmlNode *c = rs->r[i]->children; c; c = c->next) {
			const char *tag = cv_tag(c) == T_TH ? "th" : "td";
			char open[64];
			int cs, rsp;

			if (!is_cell(c))
				continue;
			cs = span(cv, c, "colspan");
			rsp = span(cv, c, "rowspan");
			snprintf(open, sizeof(open), "<%s", tag);
			cv_puts(cv, open);
			if (cs > 1) {
				snprintf(open, sizeof(open), " colspan=\"%d\"", cs);
				cv_puts(cv, open);
			}
			if (rsp > 1) {
				snprintf(open, sizeof(open), " rowspan=\"%d\"", rsp);
				cv_puts(cv, open);
			}
			cv_puts(cv, ">");
			snprintf(open, sizeof(open), "</%s>", tag);
			if (cell_empty(cv, c)) {
				html_line(cv, open);
				continue;
			}
			if (cell_plain(c)) {
				char *txt = cv_text_of(cv, c, 1);
				struct cv_buf e = {0};

				cv_html_esc(cv, &e, txt ? txt : "", txt ? strlen(txt) : 0);
				if (e.p)
					cv_puts(cv, e.p);
				html_line(cv, open);
				free(e.p);
				free(txt);
				continue;
			}
			cv_nl(cv);
			cv_blank(cv);
			if (cv_push_plain(cv) == 0) {
				cv->html_nest++;
				cv_flow(cv, c->children, NULL);
				cv->html_nest--;
				cv_pop(cv);
			}
			cv_blank(cv);
			html_line(cv, open);
		}
		html_line(cv, "</tr>");
	}
	cv_puts(cv, "</table>");
	cv_blk_end(cv, B_HTML);
}

/* Text sitting in the table outside any cell: after the table, in order. */
static void stray_content(struct cv *cv, xmlNode *t)
{
	for (xmlNode *c = t->children; c; c = c->next) {
		enum cv_tag tag = cv_tag(c);

		if (c->type == XML_ELEMENT_NODE && tag == T_CAPTION)
			continue;
		if (c->type == XML_ELEMENT_NODE && (tag == T_TSECT || tag == T_TR)) {
			stray_content(cv, c);
			continue;
		}
		if (!is_cell(c))
			cv_flow(cv, c, c->next);
	}
}

void cv_table(struct cv *cv, xmlNode *t)
{
	struct rows rs = {0};
	int stray = 0;

	collect(cv, t, &rs, &stray);
	if (cv->html_nest >= CV_MAX_HTML_NEST) {
		/* too deeply nested for more HTML: keep the text, in reading order */
		cv_flow(cv, t->children, NULL);
	} else if (pipeable(cv, &rs, stray)) {
		xmlNode *cap = cv_child(t, T_CAPTION);

		if (cap)
			cv_flow(cv, cap->children, NULL);
		pipe_table(cv, &rs);
	} else if (rs.n > 0) {
		html_table(cv, t, &rs);
	}
	if (stray && cv->html_nest < CV_MAX_HTML_NEST)
		stray_content(cv, t);
	free(rs.r);
}
