/* convert_out: the Markdown writer — buffers, container prefixes, block separators, escaping. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_int.h"

void cv_oom(struct cv *cv)
{
	if (!cv->err)
		cv->err = -ENOMEM;
}

static int buf_reserve(struct cv *cv, struct cv_buf *b, size_t add)
{
	size_t need, cap;
	char *p;

	if (cv->err)
		return -1;
	if (add > SIZE_MAX / 2 - b->len - 1) {
		cv_oom(cv);
		return -1;
	}
	need = b->len + add + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		cv_oom(cv);
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void cv_buf_add(struct cv *cv, struct cv_buf *b, const char *s, size_t n)
{
	if (n == 0 || buf_reserve(cv, b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cv_buf_adds(struct cv *cv, struct cv_buf *b, const char *s)
{
	cv_buf_add(cv, b, s, strlen(s));
}

void cv_buf_insert(struct cv *cv, struct cv_buf *b, size_t at, const char *s, size_t n)
{
	if (n == 0 || at > b->len || buf_reserve(cv, b, n))
		return;
	memmove(b->p + at + n, b->p + at, b->len - at);
	memcpy(b->p + at, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *cv_strndup(struct cv *cv, const char *s, size_t n)
{
	char *p;

	if (cv->err)
		return NULL;
	p = malloc(n + 1);
	if (!p) {
		cv_oom(cv);
		return NULL;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* --- containers and blocks --- */

static void line_start(struct cv *cv)
{
	for (int i = 1; i <= cv->nfr; i++) {
		struct cv_frame *f = &cv->fr[i];

		if (f->first_pending) {
			cv_buf_adds(cv, &cv->out, f->first);
			f->first_pending = 0;
		} else {
			cv_buf_adds(cv, &cv->out, f->rest);
		}
	}
	cv->line_open = 1;
}

/* The prefix of a continuation line, right-trimmed: the content of a blank line. */
size_t cv_frame_prefix(struct cv *cv, char *buf, size_t cap)
{
	size_t n = 0;

	for (int i = 1; i <= cv->nfr; i++) {
		size_t l = strlen(cv->fr[i].rest);

		if (n + l >= cap)
			break;
		memcpy(buf + n, cv->fr[i].rest, l);
		n += l;
	}
	buf[n] = '\0';
	return n;
}

void cv_blank(struct cv *cv)
{
	char pre[sizeof(cv->fr[0].rest) * (sizeof(cv->fr) / sizeof(cv->fr[0]))];
	size_t n;

	if (cv->line_open)
		cv_nl(cv);
	n = cv_frame_prefix(cv, pre, sizeof(pre));
	while (n > 0 && pre[n - 1] == ' ')
		n--;
	cv_buf_add(cv, &cv->out, pre, n);
	cv_buf_add(cv, &cv->out, "\n", 1);
}

void cv_put(struct cv *cv, const char *s, size_t n)
{
	if (!cv->line_open)
		line_start(cv);
	cv_buf_add(cv, &cv->out, s, n);
}

void cv_puts(struct cv *cv, const char *s)
{
	cv_put(cv, s, strlen(s));
}

void cv_nl(struct cv *cv)
{
	if (!cv->line_open) {
		cv_blank(cv);
		return;
	}
	cv_buf_add(cv, &cv->out, "\n", 1);
	cv->line_open = 0;
}

/* Lines of s, each with the container prefix (empty lines get the trimmed prefix). */
void cv_put_lines(struct cv *cv, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t l = nl ? (size_t)(nl - (s + i)) : n - i;

		if (l > 0)
			cv_put(cv, s + i, l);
		cv_nl(cv);
		i += l + 1;
	}
}

void cv_blk_begin(struct cv *cv, enum cv_blk kind, int interrupts)
{
	struct cv_frame *f = &cv->fr[cv->nfr];

	if (f->has_content) {
		int nl_only = 0;

		if (cv->line_open)
			cv_nl(cv);
		/* GitHub's alert form: the body right under "[!NOTE]" (all but a
		 * rule, which would make the marker a setext heading, can
		 * interrupt that paragraph) */
		if (f->prev == B_MARKER && kind != B_HR && (kind != B_LIST || interrupts))
			nl_only = 1;
		if (f->tight && f->prev == B_PARA && kind == B_LIST && interrupts)
			nl_only = 1;
		if (!nl_only)
			cv_blank(cv);
	}
	f->has_content = 1;
}

void cv_blk_end(struct cv *cv, enum cv_blk kind)
{
	if (cv->line_open)
		cv_nl(cv);
	cv->fr[cv->nfr].prev = kind;
}

enum cv_blk cv_prev_blk(struct cv *cv)
{
	struct cv_frame *f = &cv->fr[cv->nfr];

	return f->has_content ? f->prev : B_NONE;
}

static struct cv_frame *frame_new(struct cv *cv)
{
	struct cv_frame *f;

	if (cv->nfr + 1 >= (int)(sizeof(cv->fr) / sizeof(cv->fr[0])))
		return NULL;
	f = &cv->fr[++cv->nfr];
	memset(f, 0, sizeof(*f));
	f->prev = B_NONE;
	return f;
}

int cv_push(struct cv *cv, const char *first, const char *rest, int tight, int keep_empty)
{
	struct cv_frame *f;

	if (cv->nindent >= CV_MAX_FRAMES || !(f = frame_new(cv)))
		return -1;
	snprintf(f->first, sizeof(f->first), "%s", first);
	snprintf(f->rest, sizeof(f->rest), "%s", rest);
	f->first_pending = 1;
	f->tight = (unsigned char)tight;
	f->keep_empty = (unsigned char)keep_empty;
	cv->nindent++;
	return 0;
}

/* A container without a prefix: the content of an HTML table cell or <details>. */
int cv_push_plain(struct cv *cv)
{
	struct cv_frame *f = frame_new(cv);

	if (!f)
		return -1;
	f->plain = 1;
	return 0;
}

void cv_pop(struct cv *cv)
{
	struct cv_frame *f = &cv->fr[cv->nfr];

	if (cv->nfr == 0)
		return;
	if (f->first_pending && f->keep_empty) {
		if (cv->line_open)
			cv_nl(cv);
		line_start(cv);
		cv_nl(cv);
	}
	if (cv->line_open)
		cv_nl(cv);
	if (!f->plain)
		cv->nindent--;
	cv->nfr--;
}

/* --- inline text --- */

void cv_add_hole(struct cv *cv, size_t off, enum cv_hole_kind kind, int minl, int maxl,
                 const char *arg)
{
	struct cv_hole *h;

	if (cv->err)
		return;
	if (cv->nholes == cv->capholes) {
		size_t cap = cv->capholes ? cv->capholes * 2 : 16;
		struct cv_hole *p = realloc(cv->holes, cap * sizeof(*p));

		if (!p) {
			cv_oom(cv);
			return;
		}
		cv->holes = p;
		cv->capholes = cap;
	}
	h = &cv->holes[cv->nholes];
	h->off = off;
	h->kind = kind;
	h->minl = minl;
	h->maxl = maxl;
	h->maxbytes = 0;
	h->arg = cv_strndup(cv, arg ? arg : "", arg ? strlen(arg) : 0);
	if (h->arg)
		cv->nholes++;
}

void cv_il_hole(struct cv *cv, enum cv_hole_kind kind, const char *arg)
{
	cv_il_flush_space(cv);
	cv_add_hole(cv, cv->il.len, kind, 0, 0, arg);
}

/* Move all of cv->il into the output at the current position, line by line. */
void cv_il_move(struct cv *cv, size_t from, size_t to)
{
	size_t i = from, h = cv->il_holes;

	cv->para_open = 0;
	while (i < to) {
		const char *s = cv->il.p + i;
		const char *nl = memchr(s, '\n', to - i);
		size_t l = nl ? (size_t)(nl - s) : to - i, base;

		if (!cv->line_open)
			line_start(cv);
		base = cv->out.len;
		cv_buf_add(cv, &cv->out, s, l);
		for (; h < cv->nholes && cv->holes[h].off <= i + l; h++)
			cv->holes[h].off = base + (cv->holes[h].off - i);
		if (nl)
			cv_nl(cv);
		i += l + (nl ? 1 : 0);
	}
	for (; h < cv->nholes; h++)
		cv->holes[h].off = cv->out.len;
	cv->il_holes = cv->nholes;
	cv->il.len = 0;
	if (cv->il.cap > ((size_t)1 << 20)) {
		/* a huge paragraph was here: give the memory back */
		free(cv->il.p);
		memset(&cv->il, 0, sizeof(cv->il));
	}
	if (cv->il.p)
		cv->il.p[0] = '\0';
	cv->il_space = 0;
}

/*
 * A paragraph too big to hold twice (convert.c streams it): once the inline
 * buffer passes cv_spill_bytes (1 MB), its paragraph is opened and all but the last
 * part written out.  What stays ends after a letter or digit, so the trim at
 * the paragraph's end cannot reach back, and keeps the characters emphasis
 * looks at before it.  Not with holes pending in the buffer.
 */
size_t cv_spill_bytes = (size_t)1 << 20; /* lowered by tests (cv_stream_thresholds) */
#define CV_SPILL_KEEP 64

void cv_il_spill(struct cv *cv)
{
	size_t k, i = 0;

	if (cv->il.len < cv_spill_bytes || cv->il.len <= CV_SPILL_KEEP ||
	    cv->nholes > cv->il_holes || cv->err)
		return;
	for (k = cv->il.len - CV_SPILL_KEEP; k > 0; k--) {
		unsigned char c = (unsigned char)cv->il.p[k - 1];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			break;
	}
	if (k == 0 || k < cv_spill_bytes / 2)
		return;
	if (!cv->para_open)
		cv_blk_begin(cv, B_PARA, 1);
	cv->para_open = 1;
	while (i < k) {
		const char *s = cv->il.p + i;
		const char *nl = memchr(s, '\n', k - i);
		size_t l = nl ? (size_t)(nl - s) : k - i;

		if (!cv->line_open)
			line_start(cv);
		cv_buf_add(cv, &cv->out, s, l);
		if (nl)
			cv_nl(cv);
		i += l + (nl ? 1 : 0);
	}
	memmove(cv->il.p, cv->il.p + k, cv->il.len - k + 1);
	cv->il.len -= k;
}

static int il_at_line_start(struct cv *cv)
{
	return cv->il.len == 0 || cv->il.p[cv->il.len - 1] == '\n';
}

void cv_il_flush_space(struct cv *cv)
{
	if (cv->il_space && !il_at_line_start(cv) && cv->il.p[cv->il.len - 1] != ' ')
		cv_buf_add(cv, &cv->il, " ", 1);
	cv->il_space = 0;
}

void cv_il_raw(struct cv *cv, const char *s, size_t n)
{
	cv_il_flush_space(cv);
	cv_buf_add(cv, &cv->il, s, n);
}

void cv_il_raws(struct cv *cv, const char *s)
{
	cv_il_raw(cv, s, strlen(s));
}

void cv_il_break(struct cv *cv)
{
	if (cv->imode & IM_HEAD) {
		cv->il_space = 1;
		return;
	}
	if (cv->imode & IM_CELL) {
		cv->il_space = 0;
		cv_buf_add(cv, &cv->il, "<br>", 4);
		return;
	}
	cv->il_space = 0;
	if (cv->il.len == 0)
		return;
	cv_buf_add(cv, &cv->il, "\\\n", 2);
}

/* Bytes that end a run of plain text: whitespace and possible Markdown syntax. */
static const unsigned char special[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
    ['\\'] = 1, ['`'] = 1,  ['*'] = 1,  ['['] = 1,  [']'] = 1,  ['~'] = 1,
    ['_'] = 1,  ['<'] = 1,  ['&'] = 1,  ['|'] = 1,  ['#'] = 1,
};

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_word(unsigned char c)
{
	return is_alnum(c) || c >= 0x80;
}

/* "&name;", "&#123;" or "&#x1F;" starts at s[0] (which is '&'). */
static int entity_like(const char *s, size_t n)
{
	size_t i = 1;

	if (i < n && s[i] == '#') {
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X'))
			i++;
	}
	if (i >= n || !is_alnum((unsigned char)s[i]))
		return 0;
	while (i < n && is_alnum((unsigned char)s[i]))
		i++;
	return i < n && s[i] == ';';
}

static void esc1(struct cv *cv, char c)
{
	char e[2] = {'\\', c};

	cv_buf_add(cv, &cv->il, e, 2);
}

/* Append text, collapsing whitespace as HTML does and escaping Markdown syntax. */
void cv_il_text(struct cv *cv, const char *s, size_t n)
{
	struct cv_buf *b = &cv->il;
	size_t i = 0;

	while (i < n && !cv->err) {
		unsigned char c = (unsigned char)s[i];
		unsigned char prev, next;
		size_t j;

		if (is_space(c)) {
			cv->il_space = 1;
			i++;
			continue;
		}
		cv_il_flush_space(cv);
		if (il_at_line_start(cv)) {
			if (c >= '0' && c <= '9') {
				for (j = i; j < n && j - i < 9 && s[j] >= '0' && s[j] <= '9'; j++)
					;
				cv_buf_add(cv, b, s + i, j - i);
				if (j < n && (s[j] == '.' || s[j] == ')')) {
					esc1(cv, s[j]);
					j++;
				}
				i = j;
				continue;
			}
			if (strchr("#-+=>|*~_`[]\\<&", c) && c != '\0') {
				esc1(cv, (char)c);
				i++;
				continue;
			}
		}
		if (!special[c]) {
			for (j = i + 1; j < n && !special[(unsigned char)s[j]]; j++)
				;
			cv_buf_add(cv, b, s + i, j - i);
			i = j;
			continue;
		}
		prev = b->len ? (unsigned char)b->p[b->len - 1] : 0;
		next = i + 1 < n ? (unsigned char)s[i + 1] : 0;
		switch (c) {
		case '_':
			if (is_word(prev) && is_word(next))
				cv_buf_add(cv, b, "_", 1);
			else
				esc1(cv, '_');
			break;
		case '<':
			if (next == 0 || next == '/' || next == '!' || next == '?' ||
			    ((next | 0x20) >= 'a' && (next | 0x20) <= 'z'))
				esc1(cv, '<');
			else
				cv_buf_add(cv, b, "<", 1);
			break;
		case '&':
			if (entity_like(s + i, n - i))
				esc1(cv, '&');
			else
				cv_buf_add(cv, b, "&", 1);
			break;
		case '|':
			if (cv->imode & IM_CELL)
				esc1(cv, '|');
			else
				cv_buf_add(cv, b, "|", 1);
			break;
		case '#':
			if ((cv->imode & IM_HEAD) && prev == ' ')
				esc1(cv, '#');
			else
				cv_buf_add(cv, b, "#", 1);
			break;
		default:
			esc1(cv, (char)c);
			break;
		}
		i++;
	}
}

/* Escape for text outside the inline buffer (generated link text, alt text). */
void cv_md_esc(struct cv *cv, struct cv_buf *b, const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_space(c)) {
			if (b->len && b->p[b->len - 1] != ' ')
				cv_buf_add(cv, b, " ", 1);
			continue;
		}
		if (strchr("\\`*_[]<>&~|#", c) || (i == 0 && strchr("-+=!", c)))
			cv_buf_add(cv, b, "\\", 1);
		cv_buf_add(cv, b, s + i, 1);
	}
}

void cv_html_esc(struct cv *cv, struct cv_buf *b, const char *s, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		const char *r = NULL;

		switch (s[i]) {
		case '&':
			r = "&amp;";
			break;
		case '<':
			r = "&lt;";
			break;
		case '>':
			r = "&gt;";
			break;
		case '"':
			r = "&quot;";
			break;
		case '\n':
			r = " ";
			break;
		default:
			continue;
		}
		cv_buf_add(cv, b, s + start, i - start);
		cv_buf_adds(cv, b, r);
		start = i + 1;
	}
	cv_buf_add(cv, b, s + start, i - start);
}

/* Bytes cv_url() always encodes, and those it encodes in strict mode (paths). */
static const unsigned char url_always[128] = {
    ['<'] = 1, ['>'] = 1, ['('] = 1, [')'] = 1, ['|'] = 1, ['\\'] = 1, ['"'] = 1, ['`'] = 1,
};
static const unsigned char url_strict[128] = {
    ['?'] = 1, ['#'] = 1, ['%'] = 1, ['['] = 1, [']'] = 1,
    ['{'] = 1, ['}'] = 1, ['^'] = 1, ['&'] = 1,
};

/*
 * Percent-encode a link destination.  strict 0: an external URL (only what
 * breaks Markdown is encoded); 1: a path (also ? # % and friends); 2: one path
 * segment (also / and +).
 */
void cv_url(struct cv *cv, struct cv_buf *b, const char *s, int strict)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		int enc;

		if (c >= 0x80)
			enc = 0;
		else if (c <= 0x20 || c == 0x7f || url_always[c])
			enc = 1;
		else if (strict && url_strict[c])
			enc = 1;
		else if (strict == 2 && (c == '/' || c == '+'))
			enc = 1;
		else
			enc = 0;
		if (!enc && c == '&' && entity_like(s + i, strlen(s + i))) {
			cv_buf_add(cv, b, "\\&", 2);
			continue;
		}
		if (enc) {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			cv_buf_add(cv, b, e, 3);
		} else {
			cv_buf_add(cv, b, s + i, 1);
		}
	}
}

/* --- UTF-8 and character classes (as CommonMark's flanking rules see them) --- */

int cv_utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	int len;
	uint32_t c;

	if (n == 0) {
		*cp = 0;
		return 0;
	}
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
	if ((size_t)len > n || len == 1) {
		*cp = 0xfffd;
		return 1;
	}
	c = s[0] & (0x3f >> (len - 1));
	for (int i = 1; i < len; i++)
		c = (c << 6) | (s[i] & 0x3f);
	*cp = c;
	return len;
}

int cv_utf8_prev(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t i = n;

	if (n == 0) {
		*cp = 0;
		return 0;
	}
	while (i > 0 && n - i < 4 && (s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0)
		i--;
	cv_utf8_dec(s + i, n - i, cp);
	return (int)(n - i);
}

size_t cv_utf8_enc(uint32_t c, char *o)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

int cv_is_ws(uint32_t c)
{
	return c == 0 || (c < 0x80 && is_space((unsigned char)c)) || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f || c == 0x3000;
}

int cv_is_punct(uint32_t c)
{
	if (c < 0x80)
		return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
		       (c >= '{' && c <= '~');
	return c == 0xa1 || c == 0xa7 || c == 0xab || c == 0xb6 || c == 0xb7 || c == 0xbb ||
	       c == 0xbf || (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205e) ||
	       (c >= 0x3001 && c <= 0x3003) || (c >= 0x3008 && c <= 0x3011) ||
	       (c >= 0x3014 && c <= 0x301f) || (c >= 0xff01 && c <= 0xff0f) ||
	       (c >= 0xff1a && c <= 0xff20) || (c >= 0xff3b && c <= 0xff40) ||
	       (c >= 0xff5b && c <= 0xff65);
}

/* Insert into the inline buffer, keeping the holes that live there in place. */
void cv_il_insert(struct cv *cv, size_t at, const char *s, size_t n)
{
	cv_buf_insert(cv, &cv->il, at, s, n);
	if (cv->err)
		return;
	for (size_t h = cv->il_holes; h < cv->nholes; h++)
		if (cv->holes[h].off >= at)
			cv->holes[h].off += n;
}
