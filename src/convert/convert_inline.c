/* convert_inline: inline content — text, emphasis, code spans, breaks, emoticons. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"

void cv_inline_children(struct cv *cv, xmlNode *n)
{
	for (xmlNode *c = n->children; c; c = c->next)
		cv_inline(cv, c);
}

/* Class of the character that will follow n in the output: 0 space/end, 1 punctuation,
 * 2 other, 3 unknown. */
static int peek_after(struct cv *cv, xmlNode *n)
{
	for (xmlNode *c = n; c && c != cv->iroot; c = c->parent) {
		for (xmlNode *s = c->next; s; s = s->next) {
			uint32_t cp;
			char u[8];
			int l;

			switch (s->type) {
			case XML_TEXT_NODE:
			case XML_CDATA_SECTION_NODE:
				if (!s->content || !s->content[0])
					continue;
				cv_utf8_dec(s->content, strlen((const char *)s->content), &cp);
				return cv_is_ws(cp) ? 0 : cv_is_punct(cp) ? 1 : 2;
			case XML_ENTITY_REF_NODE:
				l = cv_entity_utf8(s->name, u);
				if (!l)
					return 1; /* printed as "&name;" */
				cv_utf8_dec((const unsigned char *)u, (size_t)l, &cp);
				return cv_is_ws(cp) ? 0 : cv_is_punct(cp) ? 1 : 2;
			case XML_ELEMENT_NODE:
				switch (cv_kind(cv, s)) {
				case K_SKIP:
					continue;
				case K_BLOCK:
					return 0;
				default:
					return cv_tag(s) == T_BR ? 0 : 3;
				}
			default:
				continue;
			}
		}
		if (c->parent && c->parent != cv->iroot && cv_kind(cv, c->parent) == K_BLOCK)
			return 0;
	}
	return 0;
}

static int is_delim(uint32_t c)
{
	return c == '*' || c == '~' || c == '_';
}

/*
 * Strong, emphasis, strike: Markdown delimiters when CommonMark's flanking
 * rules let them open and close here, else the HTML tags (GFM renders both).
 */
static void emph(struct cv *cv, xmlNode *n, const char *md, const char *ho, const char *hc)
{
	size_t mark;

	if (cv->emph_depth >= CV_MAX_EMPH) {
		cv_inline_children(cv, n);
		return;
	}
	cv_il_flush_space(cv);
	mark = cv->il.len;
	cv->emph_depth++;
	cv_inline_children(cv, n);
	cv->emph_depth--;
	cv_emph_close(cv, n, mark, md, ho, hc);
}

/*
 * Put delimiters around what was rendered since mark: Markdown ones (md) when
 * CommonMark's flanking rules let them open and close here, else HTML tags.
 * n is the node the content came from (what follows it decides the closer).
 */
void cv_emph_close(struct cv *cv, xmlNode *n, size_t mark, const char *md, const char *ho,
                   const char *hc)
{
	struct cv_buf *b = &cv->il;
	size_t ins, end;
	uint32_t first, last, before = ' ';
	int after, ok;

	if (cv->err)
		return;
	ins = mark;
	end = b->len;
	while (ins < end && b->p[ins] == ' ')
		ins++;
	if (ins > mark && (mark == 0 || b->p[mark - 1] == ' ' || b->p[mark - 1] == '\n')) {
		/* "a <b> x</b>": the space inside joins the one before it */
		memmove(b->p + mark, b->p + ins, b->len - ins + 1);
		b->len -= ins - mark;
		for (size_t h = cv->il_holes; h < cv->nholes; h++)
			if (cv->holes[h].off >= ins)
				cv->holes[h].off -= ins - mark;
		end -= ins - mark;
		ins = mark;
	}
	for (;;) { /* trailing spaces and breaks stay outside */
		if (end > ins && b->p[end - 1] == ' ')
			end--;
		else if (end >= ins + 2 && b->p[end - 1] == '\n' && b->p[end - 2] == '\\')
			end -= 2;
		else if (end >= ins + 4 && !memcmp(b->p + end - 4, "<br>", 4))
			end -= 4;
		else
			break;
	}
	if (ins >= end)
		return;
	if (ins > 0 && b->p[ins - 1] != '\n')
		cv_utf8_prev((const unsigned char *)b->p, ins, &before);
	cv_utf8_dec((const unsigned char *)b->p + ins, end - ins, &first);
	cv_utf8_prev((const unsigned char *)b->p + ins, end - ins, &last);
	after = peek_after(cv, n);

	ok = !cv_is_ws(first) && !is_delim(first) && !is_delim(before) &&
	     (!cv_is_punct(first) || cv_is_ws(before) || cv_is_punct(before));
	ok = ok && !cv_is_ws(last) && !is_delim(last) &&
	     (!cv_is_punct(last) || after == 0 || after == 1);
	if (ok) {
		cv_il_insert(cv, end, md, strlen(md));
		cv_il_insert(cv, ins, md, strlen(md));
	} else {
		cv_il_insert(cv, end, hc, strlen(hc));
		cv_il_insert(cv, ins, ho, strlen(ho));
	}
}

/* Content between two HTML tags (<ins>, <sub>, <sup>, <kbd>), if there is any. */
static void wrap(struct cv *cv, xmlNode *n, const char *ho, const char *hc)
{
	struct cv_buf *b = &cv->il;
	size_t ins, end;

	cv_il_flush_space(cv);
	ins = b->len;
	cv_inline_children(cv, n);
	end = b->len;
	while (ins < end && b->p[ins] == ' ')
		ins++;
	if (ins >= end || cv->err)
		return;
	cv_il_insert(cv, end, hc, strlen(hc));
	cv_il_insert(cv, ins, ho, strlen(ho));
}

/* A code span: a backtick fence longer than any run inside. */
void cv_code_span(struct cv *cv, const char *text)
{
	size_t run = 0, best = 0, n = strlen(text);
	int pad;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	pad = text[0] == '`' || text[n - 1] == '`' || text[0] == ' ' || text[n - 1] == ' ';
	cv_il_flush_space(cv);
	for (size_t i = 0; i <= best; i++)
		cv_buf_add(cv, &cv->il, "`", 1);
	if (pad)
		cv_buf_add(cv, &cv->il, " ", 1);
	for (size_t i = 0, s = 0; i <= n; i++) {
		if (i == n || (text[i] == '|' && (cv->imode & IM_CELL))) {
			cv_buf_add(cv, &cv->il, text + s, i - s);
			if (i < n)
				cv_buf_add(cv, &cv->il, "\\|", 2);
			s = i + 1;
		}
	}
	if (pad)
		cv_buf_add(cv, &cv->il, " ", 1);
	for (size_t i = 0; i <= best; i++)
		cv_buf_add(cv, &cv->il, "`", 1);
}

static void code(struct cv *cv, xmlNode *n)
{
	char *t = cv_text_of(cv, n, 1);

	if (t)
		cv_code_span(cv, t);
	free(t);
}

static const struct {
	const char *name, *emoji;
} emoticons[] = {
    {"smile", "\xF0\x9F\x99\x82"},
    {"sad", "\xF0\x9F\x99\x81"},
    {"cheeky", "\xF0\x9F\x98\x9B"},
    {"laugh", "\xF0\x9F\x98\x80"},
    {"wink", "\xF0\x9F\x98\x89"},
    {"thumbs-up", "\xF0\x9F\x91\x8D"},
    {"thumbs-down", "\xF0\x9F\x91\x8E"},
    {"information", "\xE2\x84\xB9\xEF\xB8\x8F"},
    {"tick", "\xE2\x9C\x85"},
    {"cross", "\xE2\x9D\x8C"},
    {"warning", "\xE2\x9A\xA0\xEF\xB8\x8F"},
    {"plus", "\xE2\x9E\x95"},
    {"minus", "\xE2\x9E\x96"},
    {"question", "\xE2\x9D\x93"},
    {"light-on", "\xF0\x9F\x92\xA1"},
    {"light-off", "\xF0\x9F\x92\xA1"},
    {"yellow-star", "\xE2\xAD\x90"},
    {"red-star", "\xE2\xAD\x90"},
    {"green-star", "\xE2\xAD\x90"},
    {"blue-star", "\xE2\xAD\x90"},
    {"heart", "\xE2\x9D\xA4\xEF\xB8\x8F"},
    {"broken-heart", "\xF0\x9F\x92\x94"},
};

/* "1f642" or "1f1fa-1f1f8" -> NUL-terminated UTF-8 in out; its length, 0 if id is not that. */
int cv_emoji_hex(const char *id, char *out, size_t cap)
{
	size_t o = 0;
	const char *s = id;

	while (*s) {
		char *e;
		unsigned long cp = strtoul(s, &e, 16);

		if (e == s || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000) ||
		    e - s > 6 || o + 5 >= cap)
			return 0;
		o += cv_utf8_enc((uint32_t)cp, out + o);
		s = e;
		if (*s == '-')
			s++;
		else if (*s)
			return 0;
	}
	out[o] = '\0';
	return (int)o;
}

static void emoticon(struct cv *cv, xmlNode *n)
{
	char *f1, *f2, *f3;
	const char *fb = cv_attr(cv, n, "ac", "emoji-fallback", &f1);
	const char *id = cv_attr(cv, n, "ac", "emoji-id", &f2);
	const char *name = cv_attr(cv, n, "ac", "name", &f3);
	char hex[64];
	int l;

	if (fb && (unsigned char)fb[0] >= 0x80) {
		cv_il_text(cv, fb, strlen(fb));
		goto out;
	}
	if (id && (l = cv_emoji_hex(id, hex, sizeof(hex))) > 0) {
		cv_il_raw(cv, hex, (size_t)l);
		goto out;
	}
	if (fb && *fb) {
		/* a custom emoji: its short name (":party-parrot:"), not the generic star */
		cv_il_text(cv, fb, strlen(fb));
		goto out;
	}
	for (size_t i = 0; name && i < sizeof(emoticons) / sizeof(emoticons[0]); i++) {
		if (!strcmp(name, emoticons[i].name)) {
			cv_il_raws(cv, emoticons[i].emoji);
			goto out;
		}
	}
	if (name && *name) {
		cv_il_text(cv, ":", 1);
		cv_il_text(cv, name, strlen(name));
		cv_il_text(cv, ":", 1);
	}
out:
	free(f1);
	free(f2);
	free(f3);
}

static void entity(struct cv *cv, xmlNode *n)
{
	char u[8];
	int l = cv_entity_utf8(n->name, u);

	if (l) {
		cv_il_text(cv, u, (size_t)l);
		return;
	}
	/* unknown to HTML 4: keep it as the author typed it (escaped as a whole) */
	{
		struct cv_buf b = {0};

		cv_buf_add(cv, &b, "&", 1);
		cv_buf_adds(cv, &b, (const char *)n->name);
		cv_buf_add(cv, &b, ";", 1);
		if (b.p)
			cv_il_text(cv, b.p, b.len);
		free(b.p);
	}
}

static void time_el(struct cv *cv, xmlNode *n)
{
	char *f;
	const char *dt;

	if (n->children) {
		cv_inline_children(cv, n);
		return;
	}
	dt = cv_attr(cv, n, NULL, "datetime", &f);
	if (dt)
		cv_il_text(cv, dt, strlen(dt));
	free(f);
}

/* A block met where only inline content fits (headings, pipe cells, link text). */
static void flatten(struct cv *cv, xmlNode *n)
{
	if ((cv->imode & IM_CELL) && cv->il.len && cv_tag(n) == T_P)
		cv_il_break(cv);
	else
		cv->il_space = 1;
	switch (cv_tag(n)) {
	case T_MACRO:
		cv_macro_inline(cv, n);
		break;
	case T_PRE: {
		char *t = cv_text_of(cv, n, 1);

		if (t)
			cv_code_span(cv, t);
		free(t);
		break;
	}
	case T_TASK:
		cv_il_text(cv, "[ ] ", 4);
		cv_inline_children(cv, n);
		break;
	default:
		cv_inline_children(cv, n);
		break;
	}
	cv->il_space = 1;
}

#define DECO_STRIKE    1
#define DECO_UNDERLINE 2

static int has_word(const char *v, size_t l, const char *w)
{
	size_t wl = strlen(w);

	for (size_t i = 0; i + wl <= l; i++)
		if (!strncasecmp(v + i, w, wl))
			return 1;
	return 0;
}

/* style="text-decoration: line-through" (how DC and older pages strike), "underline". */
static int decoration(struct cv *cv, xmlNode *n)
{
	char *f;
	const char *st = cv_attr(cv, n, NULL, "style", &f), *v;
	int d = 0;

	for (v = st; v && (v = strcasestr(v, "text-decoration"));) {
		const char *e = strchr(v, ';');
		size_t l = e ? (size_t)(e - v) : strlen(v);

		if (has_word(v, l, "line-through"))
			d |= DECO_STRIKE;
		if (has_word(v, l, "underline"))
			d |= DECO_UNDERLINE;
		v += l;
	}
	free(f);
	return d;
}

/* A span struck through and/or underlined: "~~text~~", "<ins>text</ins>". */
static void decorated(struct cv *cv, xmlNode *n, int deco)
{
	size_t mark;

	if (!(deco & DECO_STRIKE)) {
		wrap(cv, n, "<ins>", "</ins>");
		return;
	}
	if (!(deco & DECO_UNDERLINE)) {
		emph(cv, n, "~~", "<del>", "</del>");
		return;
	}
	if (cv->emph_depth >= CV_MAX_EMPH) {
		wrap(cv, n, "<ins>", "</ins>");
		return;
	}
	cv_il_flush_space(cv);
	mark = cv->il.len;
	cv->emph_depth++;
	wrap(cv, n, "<ins>", "</ins>");
	cv->emph_depth--;
	cv_emph_close(cv, n, mark, "~~", "<del>", "</del>");
}

void cv_inline(struct cv *cv, xmlNode *n)
{
	int deco;

	switch (n->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content)
			cv_il_text(cv, (const char *)n->content, strlen((const char *)n->content));
		return;
	case XML_ENTITY_REF_NODE:
		entity(cv, n);
		return;
	case XML_ELEMENT_NODE:
		break;
	default:
		return;
	}
	if (CV_IS_FLAT(n)) {
		cv->il_space = 1;
		cv_inline_children(cv, n);
		cv->il_space = 1;
		return;
	}
	switch (cv_tag(n)) {
	case T_A:
	case T_LINK:
	case T_MACRO:
	case T_H:
		break;
	default:
		cv_elem_anchor(cv, n); /* <sup id="fnref:1">: a link target */
		break;
	}
	switch (cv_tag(n)) {
	case T_BR:
		cv_il_break(cv);
		return;
	case T_STRONG:
		emph(cv, n, "**", "<strong>", "</strong>");
		return;
	case T_EM:
		emph(cv, n, "*", "<em>", "</em>");
		return;
	case T_DEL:
		emph(cv, n, "~~", "<del>", "</del>");
		return;
	case T_INS:
		wrap(cv, n, "<ins>", "</ins>");
		return;
	case T_SUB:
		wrap(cv, n, "<sub>", "</sub>");
		return;
	case T_SUP:
		wrap(cv, n, "<sup>", "</sup>");
		return;
	case T_KBD:
		wrap(cv, n, "<kbd>", "</kbd>");
		return;
	case T_CODE:
		code(cv, n);
		return;
	case T_A:
	case T_LINK:
		cv_link(cv, n);
		return;
	case T_IMAGE:
	case T_IMG:
		cv_image(cv, n);
		return;
	case T_EMOTICON:
		emoticon(cv, n);
		return;
	case T_TIME:
		time_el(cv, n);
		return;
	case T_RI_PAGE:
	case T_RI_ATTACHMENT:
	case T_RI_URL:
	case T_RI_USER:
	case T_RI_SPACE:
	case T_RI_BLOG:
	case T_RI_CONTENT:
		cv_ri_link(cv, n, NULL, NULL);
		return;
	case T_MACRO:
		if (cv_kind(cv, n) == K_BLOCK)
			flatten(cv, n);
		else
			cv_macro_inline(cv, n);
		return;
	default:
		break;
	}
	switch (cv_kind(cv, n)) {
	case K_SKIP:
		return;
	case K_BLOCK:
		flatten(cv, n);
		return;
	default:
		if (n->properties && (deco = decoration(cv, n)) != 0)
			decorated(cv, n, deco);
		else
			cv_inline_children(cv, n);
		return;
	}
}
