/* convert_block: flow content and block elements — paragraphs, headings, lists, quotes, code. */
#include <stdlib.h>
#include <string.h>

#include "convert_int.h"

/* Drop holes that were pending in the inline buffer (their text is gone). */
static void il_drop_holes(struct cv *cv)
{
	while (cv->nholes > cv->il_holes)
		free(cv->holes[--cv->nholes].arg);
}

void cv_il_trim(struct cv *cv)
{
	struct cv_buf *b = &cv->il;

	while (b->len) {
		if (b->p[b->len - 1] == ' ')
			b->len--;
		else if (b->len >= 2 && b->p[b->len - 1] == '\n' && b->p[b->len - 2] == '\\')
			b->len -= 2;
		else if (b->len >= 4 && !memcmp(b->p + b->len - 4, "<br>", 4) &&
		         (cv->imode & IM_CELL))
			b->len -= 4;
		else
			break;
	}
	if (b->p)
		b->p[b->len] = '\0';
	for (size_t h = cv->il_holes; h < cv->nholes; h++)
		if (cv->holes[h].off > b->len)
			cv->holes[h].off = b->len;
	cv->il_space = 0;
}

/* Write the inline buffer as a paragraph (nothing if it holds no text). */
void cv_para_flush(struct cv *cv)
{
	cv_il_trim(cv);
	if (cv->il.len == 0 && !cv->para_open) {
		il_drop_holes(cv);
		return;
	}
	if (!cv->para_open) /* else cv_il_spill() began it */
		cv_blk_begin(cv, B_PARA, 1);
	cv_il_move(cv, 0, cv->il.len);
	cv_blk_end(cv, B_PARA);
}

/*
 * Flow content up to stop, the inline run at its end left in the inline buffer:
 * convert.c renders a huge paragraph's first children this way, and frees them.
 */
void cv_flow_part(struct cv *cv, xmlNode *first, xmlNode *stop)
{
	xmlNode *iroot = cv->iroot;

	for (xmlNode *n = first; n && n != stop; n = n->next) {
		switch (cv_kind(cv, n)) {
		case K_BLOCK:
			/* a streamed paragraph: the buffer already holds its first part */
			if (!((uintptr_t)n->_private & CV_ISTREAM))
				cv_para_flush(cv);
			cv_block(cv, n);
			break;
		case K_INLINE:
			cv->iroot = n->parent;
			cv_inline(cv, n);
			break;
		default:
			break;
		}
	}
	cv->iroot = iroot;
}

void cv_flow(struct cv *cv, xmlNode *first, xmlNode *stop)
{
	cv_flow_part(cv, first, stop);
	cv_para_flush(cv);
}

/*
 * cv_flow, but text already in the inline buffer (a label, an emoji) opens the
 * first paragraph instead of standing alone: a leading <p> is entered.
 */
void cv_flow_lead(struct cv *cv, xmlNode *first, xmlNode *stop)
{
	xmlNode *n = first;

	while (n && n != stop && (cv_blank_text(n) || cv_kind(cv, n) == K_SKIP))
		n = n->next;
	if (cv->il.len && n && n != stop && n->type == XML_ELEMENT_NODE && cv_tag(n) == T_P &&
	    !CV_IS_FLAT(n)) {
		cv_flow(cv, n->children, NULL);
		first = n->next;
	}
	cv_flow(cv, first, stop);
}

static void heading(struct cv *cv, xmlNode *n)
{
	unsigned imode = cv->imode;
	xmlNode *iroot = cv->iroot;
	int level = cv_heading_level(n);
	char *text, *idf;
	const char *id;

	if (level < 1 || level > 6)
		level = 1;
	cv->imode = IM_HEAD;
	cv->iroot = n;
	cv_inline_children(cv, n);
	cv->imode = imode;
	cv->iroot = iroot;
	cv_il_trim(cv);

	/* the heading as GitHub shows it: link text, status, mentions, dates included */
	text = cv_md_plain(cv, cv->il.p ? cv->il.p : "", cv->il.len);
	id = cv_attr(cv, n, NULL, "id", &idf);
	cv_heading_add(cv, level, text ? text : "", id);
	free(text);
	free(idf);

	cv_blk_begin(cv, B_HEADING, 1);
	cv_put(cv, "######", (size_t)level);
	if (cv->il.len) {
		cv_put(cv, " ", 1);
		cv_il_move(cv, 0, cv->il.len);
	}
	cv_blk_end(cv, B_HEADING);
}

/* Alternate the list marker so that two adjacent lists stay two lists. */
int cv_list_alt(struct cv *cv, int kind)
{
	struct cv_frame *f = &cv->fr[cv->nfr];

	return cv_prev_blk(cv) == B_LIST && f->list_kind == kind && !f->list_alt;
}

void cv_list_done(struct cv *cv, int alt, int kind)
{
	cv->fr[cv->nfr].list_alt = (unsigned char)alt;
	cv->fr[cv->nfr].list_kind = (unsigned char)kind;
	cv_blk_end(cv, B_LIST);
}

/* A list item; its continuation lines are indented by indent (0: the marker's width). */
static void item(struct cv *cv, const char *marker, size_t indent, xmlNode *first, xmlNode *stop)
{
	char rest[24];
	size_t l = indent ? indent : strlen(marker);

	if (l >= sizeof(rest))
		l = sizeof(rest) - 1;
	memset(rest, ' ', l);
	rest[l] = '\0';
	if (cv_push(cv, marker, rest, 1, 1) < 0) {
		cv_flow(cv, first, stop);
		return;
	}
	/* a list item's id (footnotes): a target opening its text */
	if (first && first == first->parent->children && first->parent->type == XML_ELEMENT_NODE &&
	    cv_tag(first->parent) == T_LI)
		cv_elem_anchor(cv, first->parent);
	cv_flow_lead(cv, first, stop);
	cv_pop(cv);
}

/* Start list n (ul or ol): its first number and marker; the block is open. */
void cv_list_open(struct cv *cv, xmlNode *n, struct cv_list *l)
{
	l->ordered = cv_tag(n) == T_OL;
	l->num = 1;
	if (l->ordered) {
		char *f;
		const char *s = cv_attr(cv, n, NULL, "start", &f);

		if (s) {
			l->num = strtol(s, NULL, 10);
			if (l->num < 0 || l->num > 99999999)
				l->num = 1;
		}
		free(f);
	}
	l->alt = cv_list_alt(cv, l->ordered ? 2 : 1);
	cv_blk_begin(cv, B_LIST, !l->ordered || l->num == 1);
}

/* The items among first..stop (each li, or any other node standing as one). */
void cv_list_items(struct cv *cv, xmlNode *first, xmlNode *stop, struct cv_list *l)
{
	char marker[24];

	for (xmlNode *c = first; c && c != stop; c = c->next) {
		if (cv_blank_text(c) || cv_kind(cv, c) == K_SKIP)
			continue;
		if (l->ordered)
			snprintf(marker, sizeof(marker), "%ld%c ", l->num++, l->alt ? ')' : '.');
		else
			snprintf(marker, sizeof(marker), "%c ", l->alt ? '*' : '-');
		if (c->type == XML_ELEMENT_NODE && cv_tag(c) == T_LI)
			item(cv, marker, 0, c->children, NULL);
		else
			item(cv, marker, 0, c, c->next);
	}
}

static void list(struct cv *cv, xmlNode *n)
{
	struct cv_list l;

	if ((uintptr_t)n->_private & CV_LSTREAM)
		l = cv->lst; /* streamed (convert.c): its first items are out */
	else
		cv_list_open(cv, n, &l);
	cv_list_items(cv, n->children, NULL, &l);
	cv_list_done(cv, l.alt, l.ordered ? 2 : 1);
}

static int task_done(struct cv *cv, xmlNode *t)
{
	for (xmlNode *c = t->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && cv_tag(c) == T_TASK_META &&
		    !strcmp((const char *)c->name, "task-status")) {
			char *s = cv_text_of(cv, c, 1);
			int done = s && !strcmp(s, "complete");

			free(s);
			return done;
		}
	}
	return 0;
}

static void tasklist(struct cv *cv, xmlNode *n)
{
	int alt = cv_list_alt(cv, 1);
	char marker[24];

	cv_blk_begin(cv, B_LIST, 1);
	for (xmlNode *c = cv_tag(n) == T_TASK ? n : n->children; c; c = c->next) {
		int task = c->type == XML_ELEMENT_NODE && cv_tag(c) == T_TASK;

		if (cv_blank_text(c) || cv_kind(cv, c) == K_SKIP)
			continue;
		snprintf(marker, sizeof(marker), "%c %s", alt ? '*' : '-',
		         !task              ? ""
		         : task_done(cv, c) ? "[x] "
		                            : "[ ] ");
		/* "[ ] " belongs to the paragraph: content is indented past "- " only */
		if (task)
			item(cv, marker, 2, c->children, NULL);
		else
			item(cv, marker, 2, c, c->next);
		if (n == c)
			break;
	}
	cv_list_done(cv, alt, 1);
}

static void quote(struct cv *cv, xmlNode *n)
{
	cv_blk_begin(cv, B_QUOTE, 1);
	if (cv_push(cv, "> ", "> ", 0, 0) == 0) {
		cv_flow(cv, n->children, NULL);
		cv_pop(cv);
	} else {
		cv_flow(cv, n->children, NULL);
	}
	cv_blk_end(cv, B_QUOTE);
}

void cv_code_block(struct cv *cv, const char *lang, const char *text, size_t len)
{
	size_t run = 0, best = 0, fl;
	char fence[64], info[64];
	size_t il = 0;

	for (size_t i = 0; i < len; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	fl = best + 1 < 3 ? 3 : best + 1;
	if (fl >= sizeof(fence))
		fl = sizeof(fence) - 1; /* a 63-backtick run: not in real pages */
	memset(fence, '`', fl);
	fence[fl] = '\0';
	while (lang && (*lang == ' ' || *lang == '\t'))
		lang++;
	for (size_t i = 0; lang && lang[i] && lang[i] != ' ' && il < sizeof(info) - 1; i++) {
		char c = lang[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("+-_.#", c))
			info[il++] = c;
	}
	info[il] = '\0';
	if (!strcmp(info, "none"))
		info[0] = '\0';

	cv_blk_begin(cv, B_CODE, 1);
	cv_puts(cv, fence);
	cv_puts(cv, info);
	cv_nl(cv);
	cv_put_lines(cv, text, len);
	cv_puts(cv, fence);
	cv_blk_end(cv, B_CODE);
}

static void pre(struct cv *cv, xmlNode *n)
{
	char *t = cv_text_of(cv, n, 0);
	const char *s = t ? t : "";

	if (*s == '\n')
		s++;
	cv_code_block(cv, NULL, s, strlen(s));
	free(t);
}

static void hr(struct cv *cv)
{
	int first_line = cv->nfr > 0 && cv->fr[cv->nfr].first_pending;

	cv_blk_begin(cv, B_HR, 1);
	cv_puts(cv, first_line ? "___" : "---");
	cv_blk_end(cv, B_HR);
}

/*
 * "<details><summary>title</summary>" and a plain container for the Markdown
 * inside; 0 when too deeply nested for more HTML (then the title is a
 * paragraph and the body follows at this level, without cv_details_close).
 */
int cv_details_open(struct cv *cv, const char *title, size_t *before)
{
	struct cv_buf t = {0};

	if (cv->html_nest >= CV_MAX_HTML_NEST) {
		cv_il_text(cv, title, strlen(title));
		cv_para_flush(cv);
		return 0;
	}
	cv_blk_begin(cv, B_HTML, 1);
	cv_puts(cv, "<details>");
	cv_nl(cv);
	cv_html_esc(cv, &t, title, strlen(title));
	cv_puts(cv, "<summary>");
	if (t.p)
		cv_puts(cv, t.p);
	cv_puts(cv, "</summary>");
	cv_nl(cv);
	free(t.p);
	cv_blank(cv);
	*before = cv->out.len;
	cv_push_plain(cv);
	cv->html_nest++;
	return 1;
}

void cv_details_close(struct cv *cv, size_t before)
{
	cv->html_nest--;
	cv_pop(cv);
	if (cv->out.len != before)
		cv_blank(cv);
	cv_puts(cv, "</details>");
	cv_blk_end(cv, B_HTML);
}

/* <details><summary>title</summary> with Markdown inside (expand, HTML details). */
void cv_details(struct cv *cv, const char *title, xmlNode *first, xmlNode *stop, xmlNode *skip)
{
	size_t before;
	int open = cv_details_open(cv, title, &before);

	cv_flow(cv, first, skip ? skip : stop);
	if (skip)
		cv_flow(cv, skip->next, stop);
	if (open)
		cv_details_close(cv, before);
}

static void details(struct cv *cv, xmlNode *n)
{
	xmlNode *s = cv_child(n, T_SUMMARY);
	char *title = s ? cv_text_of(cv, s, 1) : NULL;

	cv_details(cv, title && *title ? title : "Details", n->children, NULL, s);
	free(title);
}

void cv_block(struct cv *cv, xmlNode *n)
{
	if (CV_IS_FLAT(n)) {
		cv_flow(cv, n->children, NULL);
		return;
	}
	switch (cv_tag(n)) {
	case T_H:
		heading(cv, n);
		break;
	case T_UL:
	case T_OL:
		list(cv, n);
		break;
	case T_LI: {
		int alt = cv_list_alt(cv, 1);

		cv_blk_begin(cv, B_LIST, 1);
		item(cv, alt ? "* " : "- ", 0, n->children, NULL);
		cv_list_done(cv, alt, 1);
		break;
	}
	case T_IMAGE:
	case T_IMG:
	case T_MACRO:
		if (cv_tag(n) != T_MACRO || cv_macro_kind(cv, n) == K_INLINE) {
			/* inline content standing alone between blocks: its own paragraph */
			cv->iroot = n->parent;
			cv_inline(cv, n);
			cv_para_flush(cv);
		} else {
			cv_macro_block(cv, n);
		}
		break;
	case T_TABLE:
		cv_table(cv, n);
		break;
	case T_QUOTE:
		quote(cv, n);
		break;
	case T_PRE:
		pre(cv, n);
		break;
	case T_HR:
		hr(cv);
		break;
	case T_DETAILS:
		details(cv, n);
		break;
	case T_TASKLIST:
	case T_TASK:
		tasklist(cv, n);
		break;
	case T_ADF_EXT:
	case T_ADF_NODE:
		cv_adf(cv, n);
		break;
	default:
		/* p, div, layouts, rich-text bodies, stray table parts: their content */
		if ((cv_tag(n) == T_P || cv_tag(n) == T_DIV) && cv_elem_anchor(cv, n))
			cv_flow_lead(cv, n->children, NULL);
		else
			cv_flow(cv, n->children, NULL);
		break;
	}
}
