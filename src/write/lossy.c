/* write: does a block's storage hold what its Markdown cannot carry back? */
#include <string.h>
#include <stdio.h>

#include "write_int.h"

/* Elements w_md2storage() writes, or that Markdown shows without loss. */
static const char *const kept_tags[] = {"p",
                                        "h1",
                                        "h2",
                                        "h3",
                                        "h4",
                                        "h5",
                                        "h6",
                                        "strong",
                                        "b",
                                        "em",
                                        "i",
                                        "s",
                                        "del",
                                        "strike",
                                        "code",
                                        "pre",
                                        "ul",
                                        "ol",
                                        "li",
                                        "table",
                                        "thead",
                                        "tbody",
                                        "tfoot",
                                        "tr",
                                        "th",
                                        "td",
                                        "colgroup",
                                        "col",
                                        "blockquote",
                                        "hr",
                                        "br",
                                        "a",
                                        "ac:link",
                                        "ri:page",
                                        "ri:attachment",
                                        "ac:image",
                                        "ri:url",
                                        "ac:plain-text-link-body",
                                        "ac:link-body",
                                        "ac:structured-macro",
                                        "ac:parameter",
                                        "ac:plain-text-body",
                                        "ac:rich-text-body",
                                        "ac:task-list",
                                        "ac:task",
                                        "ac:task-id",
                                        "ac:task-status",
                                        "ac:task-body",
                                        "ac:task-uuid"};
static const char *const kept_macros[] = {"code", "info", "note", "tip", "warning", "expand"};

/* Parameters at their default value: dropping them changes nothing. */
static const char *const default_params[][2] = {
    {"collapse", "false"}, {"linenumbers", "false"}, {"icon", "true"}};

static int is_default(const char *name, size_t nl, const char *v, const char *e)
{
	for (size_t i = 0; i < sizeof(default_params) / sizeof(default_params[0]); i++) {
		size_t k = strlen(default_params[i][0]), vl = strlen(default_params[i][1]);

		if (nl == k && !strncmp(name, default_params[i][0], k) && (size_t)(e - v) > vl &&
		    !strncmp(v, default_params[i][1], vl) && v[vl] == '<')
			return 1;
	}
	return 0;
}

static int in(const char *const *set, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(set[i]) == len && !strncmp(set[i], s, len))
			return 1;
	return 0;
}

/* The value of attr="..." in the tag [s, e), or NULL. */
static const char *attr(const char *s, const char *e, const char *name, size_t *len)
{
	size_t nl = strlen(name);

	for (const char *p = s; p + nl + 2 < e; p++) {
		if ((p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') && !strncmp(p, name, nl) &&
		    p[nl] == '=' && (p[nl + 1] == '"' || p[nl + 1] == '\'')) {
			const char *v = p + nl + 2, *q = memchr(v, p[nl + 1], (size_t)(e - v));

			if (!q)
				return NULL;
			*len = (size_t)(q - v);
			return v;
		}
	}
	return NULL;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int w_lossy(const char *st, size_t n, int users, char *what, size_t cap)
{
	const char *p = st, *e = st + n;
	int code = 0; /* the last macro opened is code: language only; the others: title only */

	while ((p = memchr(p, '<', (size_t)(e - p)))) {
		const char *name = p + 1, *end, *q;
		size_t nl = 0, vl = 0;

		if (e - p >= 9 && !memcmp(p, "<![CDATA[", 9)) {
			q = memmem(p, (size_t)(e - p), "]]>", 3);
			p = q ? q + 3 : e;
			continue;
		}
		if (e - p >= 4 && !memcmp(p, "<!--", 4)) {
			snprintf(what, cap, "a comment");
			return 1;
		}
		if (name < e && (*name == '/' || *name == '!' || *name == '?')) {
			p++;
			continue;
		}
		while (name + nl < e && (name[nl] == ':' || name[nl] == '-' || name[nl] == '_' ||
		                         (name[nl] >= 'a' && name[nl] <= 'z') ||
		                         (name[nl] >= 'A' && name[nl] <= 'Z') ||
		                         (name[nl] >= '0' && name[nl] <= '9')))
			nl++;
		end = memchr(name, '>', (size_t)(e - name));
		if (!end)
			end = e;
		if (!in(kept_tags, COUNT(kept_tags), name, nl) &&
		    !(users && nl == 7 && !strncmp(name, "ri:user", 7))) {
			snprintf(what, cap, "<%.*s>", (int)(nl > 40 ? 40 : nl), name);
			return 1;
		}
		if (attr(name, end, "style", &vl) && vl > 0) {
			snprintf(what, cap, "a style on <%.*s> (alignment, colour, ...)",
			         (int)(nl > 40 ? 40 : nl), name);
			return 1;
		}
		if (nl == 19 && !strncmp(name, "ac:structured-macro", nl)) {
			q = attr(name, end, "ac:name", &vl);
			if (!q || !in(kept_macros, COUNT(kept_macros), q, vl)) {
				snprintf(what, cap, "the %.*s macro", (int)(vl > 40 ? 40 : vl),
				         q ? q : "");
				return 1;
			}
			code = vl == 4 && !strncmp(q, "code", 4);
		} else if (nl == 12 && !strncmp(name, "ac:parameter", nl)) {
			q = attr(name, end, "ac:name", &vl);
			if (!q || !((vl == (code ? 8u : 5u) &&
			             !strncmp(q, code ? "language" : "title", vl)) ||
			            (end < e && is_default(q, vl, end + 1, e)))) {
				snprintf(what, cap, "the macro parameter %.*s",
				         (int)(vl > 40 ? 40 : vl), q ? q : "");
				return 1;
			}
		}
		p = end;
	}
	return 0;
}
