/* convert_table: a table becomes a GFM pipe table when pipes can hold it, else an HTML table. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"

struct rows {
	xmlNode **r;
	size_t n, cap;
};

static int is_cell(xmlNode *c);
static int blank(xmlNode *n);
static void stray_content(struct cv *cv, xmlNode *t);

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

enum pipe { P_NO, P_HEAD_ROW, P_HEAD_COL };

/*
 * A pipe table needs inline cells, no spans, equal rows, and a header row
 * (P_HEAD_ROW); a table whose header is its first column instead (page
 * properties) gets an empty header row (P_HEAD_COL).
 */
static enum pipe pipeable(struct cv *cv, struct rows *rs, int stray)
{
	size_t ncols = 0;
	int head_row = 1, head_col = 1;

	if (rs->n == 0 || stray)
		return P_NO;
	for (size_t i = 0; i < rs->n; i++) {
		size_t n = 0;

		for (xmlNode *c = rs->r[i]->children; c; c = c->next) {
			if (!is_cell(c)) {
				if (!blank(c) && cv_kind(cv, c) != K_SKIP)
					return P_NO;
				continue;
			}
			if (i == 0 && cv_tag(c) != T_TH)
				head_row = 0;
			if ((n == 0) != (cv_tag(c) == T_TH))
				head_col = 0;
			if (span(cv, c, "colspan") != 1 || span(cv, c, "rowspan") != 1 ||
			    !cell_inline(cv, c))
				return P_NO;
			n++;
		}
		if (n == 0 || (i > 0 && n != ncols))
			return P_NO;
		ncols = n;
	}
	return head_row ? P_HEAD_ROW : head_col && ncols > 1 ? P_HEAD_COL : P_NO;
}

/* A cell's alignment: style="text-align: …" or align="…" (0 none, 'l', 'c', 'r'). */
static char align_of(struct cv *cv, xmlNode *cell)
{
	char *f1, *f2;
	const char *st = cv_attr(cv, cell, NULL, "style", &f1),
	           *al = cv_attr(cv, cell, NULL, "align", &f2);
	const char *v = NULL;
	char a = 0;

	if (st && (v = strstr(st, "text-align")) != NULL) {
		v += 10;
		while (*v == ' ' || *v == ':')
			v++;
	} else {
		v = al;
	}
	if (v && !strncasecmp(v, "center", 6))
		a = 'c';
	else if (v && !strncasecmp(v, "right", 5))
		a = 'r';
	else if (v && !strncasecmp(v, "left", 4))
		a = 'l';
	free(f1);
	free(f2);
	return a;
}

/* The delimiter row: per column the first alignment any of its cells states. */
static void delimiter_row(struct cv *cv, struct rows *rs, size_t ncols)
{
	char *al = calloc(ncols ? ncols : 1, 1);

	if (!al) {
		cv_oom(cv);
		return;
	}
	for (size_t i = 0; i < rs->n; i++) {
		size_t k = 0;

		for (xmlNode *c = rs->r[i]->children; c && k < ncols; c = c->next) {
			if (!is_cell(c))
				continue;
			if (!al[k] && c->properties)
				al[k] = align_of(cv, c);
			k++;
		}
	}
	cv_put(cv, "|", 1);
	for (size_t k = 0; k < ncols; k++)
		cv_puts(cv, al[k] == 'c'   ? " :---: |"
		            : al[k] == 'r' ? " ---: |"
		            : al[k] == 'l' ? " :--- |"
		                           : " --- |");
	cv_nl(cv);
	free(al);
}

/* <th><strong>x</strong></th> (also in a <p>): the bold is the header's anyway. */
static xmlNode *sole_strong(xmlNode *cell)
{
	xmlNode *only = NULL;

	for (int pass = 0; pass < 2; pass++) {
		only = NULL;
		for (xmlNode *c = cell->children; c; c = c->next) {
			if (blank(c))
				continue;
			if (only || c->type != XML_ELEMENT_NODE)
				return NULL;
			only = c;
		}
		if (!only)
			return NULL;
		if (cv_tag(only) == T_STRONG)
			return only;
		if (cv_tag(only) != T_P)
			return NULL;
		cell = only;
	}
	return NULL;
}

/* One row of a pipe table; body: th cells are bold.  Returns its number of cells. */
static size_t pipe_row(struct cv *cv, xmlNode *row, int body)
{
	unsigned imode = cv->imode;
	xmlNode *iroot = cv->iroot;
	size_t ncols = 0;

	cv_put(cv, "|", 1);
	for (xmlNode *c = row->children; c; c = c->next) {
		xmlNode *strong;

		if (!is_cell(c))
			continue;
		ncols++;
		cv->imode = IM_CELL;
		cv->iroot = c;
		strong = cv_tag(c) == T_TH ? sole_strong(c) : NULL;
		cv_inline_children(cv, strong ? strong : c);
		cv_il_trim(cv);
		if (body && cv_tag(c) == T_TH) /* a header cell in the body */
			cv_emph_close(cv, c, 0, "**", "<strong>", "</strong>");
		cv->imode = imode;
		cv->iroot = iroot;
		cv_put(cv, " ", 1);
		cv_il_move(cv, 0, cv->il.len);
		cv_put(cv, " |", 2);
	}
	cv_nl(cv);
	return ncols;
}

/* The block, the header and delimiter rows, and the rows (the block left open). */
static void pipe_open(struct cv *cv, struct rows *rs, enum pipe kind)
{
	cv_blk_begin(cv, B_TABLE, 1);
	if (kind == P_HEAD_COL) {
		/* GFM needs a header row: an empty one */
		size_t ncols = 0;

		for (xmlNode *c = rs->r[0]->children; c; c = c->next)
			ncols += is_cell(c);
		cv_put(cv, "|", 1);
		for (size_t k = 0; k < ncols; k++)
			cv_put(cv, "  |", 3);
		cv_nl(cv);
		delimiter_row(cv, rs, ncols);
	}
	for (size_t i = 0; i < rs->n; i++) {
		size_t ncols = pipe_row(cv, rs->r[i], kind == P_HEAD_COL || i > 0);

		if (i == 0 && kind == P_HEAD_ROW)
			delimiter_row(cv, rs, ncols);
	}
}

static void pipe_table(struct cv *cv, struct rows *rs, enum pipe kind)
{
	pipe_open(cv, rs, kind);
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

/* "<table>" and the caption: the start of an HTML table's block. */
static void html_open(struct cv *cv, xmlNode *t)
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
}

static void html_row(struct cv *cv, xmlNode *row)
{
	html_line(cv, "<tr>");
	for (xmlNode *c = row->children; c; c = c->next) {
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

static void html_close(struct cv *cv)
{
	cv_puts(cv, "</table>");
	cv_blk_end(cv, B_HTML);
}

static void html_table(struct cv *cv, xmlNode *t, struct rows *rs)
{
	html_open(cv, t);
	for (size_t i = 0; i < rs->n; i++)
		html_row(cv, rs->r[i]);
	html_close(cv);
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

/*
 * A huge table is written as its rows arrive (convert.c calls cv_table_rows()
 * whenever a row of a table in a flow container closes) so that memory does
 * not hold it whole: once CV_STREAM_ROWS rows are in and they make a pipe
 * table, they are written and freed, and so is every later row that fits the
 * same pipe table.  A later row that does not fit (a span, a block, another
 * number of cells) ends the pipe table there; the rest becomes a table of its
 * own when the table closes.  Alignment comes from the rows seen by then.
 *
 * A table that is not a pipe table (spans, blocks in cells, ...) is streamed
 * the same way as an HTML table: once CV_STREAM_ROWS rows are in, "<table>"
 * and those rows are written and freed, then every row as it closes; the
 * table's close writes "</table>".  Only the text outside any cell (written
 * after the table) is held.
 */
#define CV_STREAM_ROWS 1024
#define CV_STREAMED    ((uintptr_t)0x1000) /* rows written, the pipe table's block open */
#define CV_NOSTREAM    ((uintptr_t)0x2000) /* not a pipe table */
#define CV_HTMLSTREAM  ((uintptr_t)0x4000) /* rows written, the HTML table's block open */

static void free_rows(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		xmlUnlinkNode(rs->r[i]);
		xmlFreeNode(rs->r[i]);
	}
}

/* A row that continues the pipe table being streamed. */
static int row_fits(struct cv *cv, xmlNode *row)
{
	size_t n = 0;

	for (xmlNode *c = row->children; c; c = c->next) {
		if (!is_cell(c)) {
			if (!blank(c) && cv_kind(cv, c) != K_SKIP)
				return 0;
			continue;
		}
		if (span(cv, c, "colspan") != 1 || span(cv, c, "rowspan") != 1 ||
		    !cell_inline(cv, c))
			return 0;
		if (cv->tbl_kind == P_HEAD_COL && (n == 0) != (cv_tag(c) == T_TH))
			return 0;
		n++;
	}
	return n == cv->tbl_cols;
}

/* Stream the rows of a table that is not a pipe table as HTML (see above). */
static int html_rows(struct cv *cv, xmlNode *t)
{
	uintptr_t m = (uintptr_t)t->_private;
	struct rows rs = {0};
	int stray = 0;

	if (!(m & CV_HTMLSTREAM)) {
		if (cv->tbl != t) {
			cv->tbl = t;
			cv->tbl_rows = 0;
		}
		if (++cv->tbl_rows < CV_STREAM_ROWS || cv->html_nest >= CV_MAX_HTML_NEST)
			return 0;
		html_open(cv, t);
		t->_private = (void *)(m | CV_HTMLSTREAM);
	}
	collect(cv, t, &rs, &stray);
	for (size_t i = 0; i < rs.n; i++)
		html_row(cv, rs.r[i]);
	free_rows(&rs);
	free(rs.r);
	return 1;
}

int cv_table_rows(struct cv *cv, xmlNode *t)
{
	uintptr_t m = (uintptr_t)t->_private;
	struct rows rs = {0};
	int stray = 0;
	enum pipe kind;

	if (cv->html_nest > 0 || cv->err)
		return 0;
	if (m & CV_NOSTREAM)
		return html_rows(cv, t);
	if (!(m & CV_STREAMED)) {
		if (cv->tbl != t) {
			cv->tbl = t;
			cv->tbl_rows = 0;
		}
		if (++cv->tbl_rows < CV_STREAM_ROWS)
			return 0;
		collect(cv, t, &rs, &stray);
		kind = pipeable(cv, &rs, stray);
		if (kind == P_NO) {
			t->_private = (void *)(m | CV_NOSTREAM);
			free(rs.r);
			return html_rows(cv, t);
		}
		return cv_table_stream_start(cv, t, &rs, kind);
	}
	collect(cv, t, &rs, &stray);
	for (size_t i = 0; i < rs.n; i++) {
		if (!row_fits(cv, rs.r[i])) {
			/* the pipe table ends here; the rest is a table of its own */
			cv_blk_end(cv, B_TABLE);
			t->_private = (void *)((m & ~CV_STREAMED) | CV_NOSTREAM);
			cv->tbl_rows = rs.n - i;
			rs.n = i;
			break;
		}
		pipe_row(cv, rs.r[i], 1);
	}
	free_rows(&rs);
	free(rs.r);
	return 1;
}

int cv_table_stream_start(struct cv *cv, xmlNode *t, void *rows, int kind)
{
	struct rows *rs = rows;
	xmlNode *cap = cv_child(t, T_CAPTION);

	if (cap) {
		cv_flow(cv, cap->children, NULL);
		xmlUnlinkNode(cap);
		xmlFreeNode(cap);
	}
	pipe_open(cv, rs, (enum pipe)kind);
	cv->tbl_kind = kind;
	cv->tbl_cols = 0;
	for (xmlNode *c = rs->r[rs->n - 1]->children; c; c = c->next)
		cv->tbl_cols += is_cell(c);
	t->_private = (void *)((uintptr_t)t->_private | CV_STREAMED);
	free_rows(rs);
	free(rs->r);
	return 1;
}

void cv_table(struct cv *cv, xmlNode *t)
{
	struct rows rs = {0};
	int stray = 0;
	enum pipe kind;

	if ((uintptr_t)t->_private & CV_STREAMED) {
		/* streamed: every row is out, only the block is open */
		cv_blk_end(cv, B_TABLE);
		stray_content(cv, t);
		return;
	}
	if ((uintptr_t)t->_private & CV_HTMLSTREAM) {
		/* streamed as HTML: the rows since the last one written, then the end */
		collect(cv, t, &rs, &stray);
		for (size_t i = 0; i < rs.n; i++)
			html_row(cv, rs.r[i]);
		html_close(cv);
		if (stray)
			stray_content(cv, t);
		free(rs.r);
		return;
	}

	collect(cv, t, &rs, &stray);
	if (cv->html_nest >= CV_MAX_HTML_NEST) {
		/* too deeply nested for more HTML: keep the text, in reading order */
		cv_flow(cv, t->children, NULL);
	} else if ((kind = pipeable(cv, &rs, stray)) != P_NO) {
		xmlNode *cap = cv_child(t, T_CAPTION);

		if (cap)
			cv_flow(cv, cap->children, NULL);
		pipe_table(cv, &rs, kind);
	} else if (rs.n > 0) {
		html_table(cv, t, &rs);
	}
	if (stray && cv->html_nest < CV_MAX_HTML_NEST)
		stray_content(cv, t);
	free(rs.r);
}
