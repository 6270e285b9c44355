/* write: the YAML front matter the converter writes (convert_toc.c), read back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "write_int.h"

void cfs_front_matter_free(struct cfs_front_matter *fm)
{
	if (!fm)
		return;
	free(fm->title);
	for (size_t i = 0; fm->labels && fm->labels[i]; i++)
		free(fm->labels[i]);
	free(fm->labels);
	memset(fm, 0, sizeof(*fm));
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

/* A scalar in [s, e): "double" (with \" \\ \xNN), 'single' ('' = '), or plain. */
static int scalar(const char *s, const char *e, char **out)
{
	struct wbuf b = {0};

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (s < e && *s == '"') {
		for (s++; s < e && *s != '"'; s++) {
			if (*s == '\\' && s + 1 < e) {
				s++;
				if (*s == 'x' && s + 2 < e && hexv(s[1]) >= 0 && hexv(s[2]) >= 0) {
					char c = (char)(hexv(s[1]) * 16 + hexv(s[2]));

					wb_add(&b, &c, 1);
					s += 2;
					continue;
				}
				if (*s == 'n') {
					wb_add(&b, "\n", 1);
					continue;
				}
				if (*s == 't') {
					wb_add(&b, "\t", 1);
					continue;
				}
			}
			wb_add(&b, s, 1);
		}
		if (s >= e) {
			free(b.p);
			return -EINVAL;
		}
	} else if (s < e && *s == '\'') {
		for (s++; s < e; s++) {
			if (*s == '\'') {
				if (s + 1 < e && s[1] == '\'')
					s++;
				else
					break;
			}
			wb_add(&b, s, 1);
		}
		if (s >= e) {
			free(b.p);
			return -EINVAL;
		}
	} else {
		const char *c = s;

		/* a plain scalar ends at " #" (a comment) */
		while (c < e && !(*c == '#' && c > s && (c[-1] == ' ' || c[-1] == '\t')))
			c++;
		while (c > s && (c[-1] == ' ' || c[-1] == '\t'))
			c--;
		wb_add(&b, s, (size_t)(c - s));
	}
	if (b.err)
		return b.err;
	*out = b.p ? b.p : strdup("");
	return *out ? 0 : -ENOMEM;
}

static int push(char ***list, size_t *n, char *s)
{
	char **l = realloc(*list, (*n + 2) * sizeof(*l));

	if (!l) {
		free(s);
		return -ENOMEM;
	}
	l[(*n)++] = s;
	l[*n] = NULL;
	*list = l;
	return 0;
}

/* "[a, b, 'c d']" */
static int flow_list(const char *s, const char *e, char ***list, size_t *n)
{
	const char *p = s + 1;

	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (e == s || e[-1] != ']')
		return -EINVAL;
	e--;
	while (p < e) {
		const char *q = p;
		char quote = 0, *v;

		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q < e && (*q == '"' || *q == '\''))
			quote = *q;
		for (const char *c = q + (quote ? 1 : 0); c <= e; c++) {
			if (c == e || (!quote && *c == ',') ||
			    (quote && *c == quote && (c + 1 == e || c[1] != quote))) {
				const char *end = quote && c < e ? c + 1 : c;

				if (scalar(q, end, &v))
					return -EINVAL;
				if (*v || end > q) {
					if (*v) {
						if (push(list, n, v))
							return -ENOMEM;
					} else {
						free(v);
					}
				}
				p = end;
				while (p < e && *p != ',')
					p++;
				p++;
				break;
			}
		}
		if (q >= e)
			break;
	}
	return 0;
}

static int bad(char **err, size_t line, const char *why)
{
	*err = w_fmt("line %zu: %s", line, why);
	return *err ? -EINVAL : -ENOMEM;
}

int cfs_write_front_matter(const char *md, size_t md_len, struct cfs_front_matter *fm, char **err)
{
	const char *p, *e = md + md_len;
	size_t line = 1, nlabels = 0;
	int in_labels = 0, ret;

	memset(fm, 0, sizeof(*fm));
	*err = NULL;
	if (!md || md_len < 4 || memcmp(md, "---", 3) || (md[3] != '\n' && md[3] != '\r'))
		return 0;
	p = memchr(md, '\n', md_len);
	if (!p)
		return 0;
	{
		/*
		 * A body may start with a rule ("---" and a blank line): front
		 * matter starts with a "key:" line right under the "---".
		 */
		const char *l = p + 1, *le = memchr(l, '\n', (size_t)(e - l)), *c;

		le = le ? le : e;
		c = memchr(l, ':', (size_t)(le - l));
		if (l >= e || !c || *l == ' ' || *l == '\t' || *l == '\r' || *l == '\n' ||
		    *l == '#')
			return 0;
	}
	for (p++; p < e;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p)), *le = nl ? nl : e, *colon;
		size_t klen;

		line++;
		if ((le - p == 3 || (le - p == 4 && p[3] == '\r')) && !memcmp(p, "---", 3)) {
			fm->body = (size_t)((nl ? nl + 1 : e) - md);
			if (fm->body < md_len && md[fm->body] == '\n')
				fm->body++; /* the blank line the converter writes */
			return 0;
		}
		if (le == p || *p == '#') {
			p = nl ? nl + 1 : e;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '-') {
			const char *q = p;

			while (q < le && (*q == ' ' || *q == '\t'))
				q++;
			if (in_labels && q < le && *q == '-') {
				char *v;

				if (scalar(q + 1, le, &v))
					goto fail_value;
				ret = *v ? push(&fm->labels, &nlabels, v) : (free(v), 0);
				if (ret)
					goto fail;
			}
			p = nl ? nl + 1 : e;
			continue;
		}
		in_labels = 0;
		colon = memchr(p, ':', (size_t)(le - p));
		if (!colon) {
			cfs_front_matter_free(fm);
			return bad(err, line, "front matter: a line without \"key:\"");
		}
		klen = (size_t)(colon - p);
		if (klen == 5 && !memcmp(p, "title", 5)) {
			free(fm->title);
			fm->title = NULL;
			if (scalar(colon + 1, le, &fm->title))
				goto fail_value;
		} else if (klen == 6 && !memcmp(p, "labels", 6)) {
			const char *v = colon + 1;

			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			if (!fm->labels && push(&fm->labels, &nlabels, NULL) == 0)
				nlabels = 0; /* present, maybe empty */
			if (!fm->labels) {
				ret = -ENOMEM;
				goto fail;
			}
			if (v < le && *v == '[') {
				ret = flow_list(v, le, &fm->labels, &nlabels);
				if (ret == -EINVAL)
					goto fail_value;
				if (ret)
					goto fail;
			} else if (v < le && *v != '#' && *v != '\r') {
				goto fail_value;
			} else {
				in_labels = 1;
			}
		}
		p = nl ? nl + 1 : e;
	}
	cfs_front_matter_free(fm);
	return bad(err, 1, "front matter without its closing \"---\"");
fail_value:
	cfs_front_matter_free(fm);
	return bad(err, line, "front matter: a value that is not valid YAML here");
fail:
	cfs_front_matter_free(fm);
	return ret;
}
