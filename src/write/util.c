/* write: buffers, escaping and lines for the write-back library. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write_int.h"

void wb_add(struct wbuf *b, const char *s, size_t n)
{
	if (b->err || n == 0)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void wb_adds(struct wbuf *b, const char *s)
{
	wb_add(b, s, strlen(s));
}

void wb_esc(struct wbuf *b, const char *s, size_t n)
{
	size_t ok = 0;

	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;

		switch (s[i]) {
		case '&':
			e = "&amp;";
			break;
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = "&gt;";
			break;
		case '"':
			e = "&quot;";
			break;
		default:
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' &&
			    s[i] != '\r')
				e = ""; /* not allowed in XML */
			else
				continue;
		}
		wb_add(b, s + ok, i - ok);
		wb_adds(b, e);
		ok = i + 1;
	}
	wb_add(b, s + ok, n - ok);
}

char *w_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

int w_lines(const char *s, size_t n, struct wlines *out)
{
	size_t cnt = 0, i = 0;

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < n; k++)
		if (s[k] == '\n')
			cnt++;
	cnt++;
	out->p = malloc(cnt * sizeof(*out->p));
	out->len = malloc(cnt * sizeof(*out->len));
	if (!out->p || !out->len) {
		w_lines_free(out);
		return -ENOMEM;
	}
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) + 1 : n;

		out->p[out->n] = s + i;
		out->len[out->n] = e - i;
		out->n++;
		i = e;
	}
	return 0;
}

void w_lines_free(struct wlines *l)
{
	free(l->p);
	free(l->len);
	memset(l, 0, sizeof(*l));
}
