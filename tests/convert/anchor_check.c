/* anchor_check: GitHub's heading ids for cmark-gfm output, and the in-page links to them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlunicode.h>

#include "anchor_check.h"

struct list {
	char **s;
	size_t n;
};

static void add(struct list *l, const char *s)
{
	l->s = realloc(l->s, (l->n + 1) * sizeof(*l->s));
	l->s[l->n++] = strdup(s);
}

static int has(const struct list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->s[i], s))
			return 1;
	return 0;
}

static void clear(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
}

/*
 * github-slugger: value.toLowerCase(), then drop what its regex drops (all but
 * letters, marks, decimal/letter numbers, connector punctuation, " " and "-"),
 * then " " -> "-".  Lower case via libxml2's tables is not JavaScript's, so
 * only ASCII, Latin-1, Greek and Cyrillic capitals are lowered here.
 */
static char *slug(const char *text)
{
	size_t n = strlen(text), o = 0;
	char *r = malloc(n + 1);

	for (size_t i = 0; i < n;) {
		int len = (int)(n - i), c = xmlGetUTF8Char((const unsigned char *)text + i, &len);

		if (c < 0 || len <= 0) {
			i++;
			continue;
		}
		if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
		    (c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f))
			c += 32;
		if (c == ' ')
			r[o++] = '-';
		else if (c == '-' || (c < 0x80 && xmlUCSIsCatPc(c)) || xmlUCSIsCatL(c) ||
		         xmlUCSIsCatM(c) || xmlUCSIsCatNd(c) || xmlUCSIsCatNl(c))
			o += (size_t)xmlCopyCharMultiByte((xmlChar *)r + o, c);
		i += (size_t)len;
	}
	r[o] = '\0';
	return r;
}

static void targets(xmlNode *n, struct list *ids, struct list *frags)
{
	for (; n; n = n->next) {
		const char *nm = (const char *)n->name;
		xmlChar *a;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (nm[0] == 'h' && nm[1] >= '1' && nm[1] <= '6' && !nm[2]) {
			xmlChar *t = xmlNodeGetContent(n);
			char *base = slug((const char *)t), *s = strdup(base);

			for (int k = 1; has(ids, s); k++) {
				free(s);
				s = malloc(strlen(base) + 16);
				sprintf(s, "%s-%d", base, k);
			}
			add(ids, s);
			free(s);
			free(base);
			xmlFree(t);
		}
		if ((a = xmlGetProp(n, BAD_CAST "id")) || (a = xmlGetProp(n, BAD_CAST "name"))) {
			add(ids, (const char *)a);
			xmlFree(a);
		}
		if (!strcmp(nm, "a") && (a = xmlGetProp(n, BAD_CAST "href"))) {
			if (a[0] == '#')
				add(frags, (const char *)a + 1);
			xmlFree(a);
		}
		targets(n->children, ids, frags);
	}
}

static void unpercent(char *s)
{
	char *o = s;

	for (; *s; s++) {
		unsigned v;

		if (s[0] == '%' && s[1] && s[2] && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

int anchor_check(const char *html, char *why, size_t whylen)
{
	htmlDocPtr d = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
	                              HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	                                  HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	struct list ids = {0}, frags = {0};
	int ret = 0;

	if (!d)
		return 0;
	targets(xmlDocGetRootElement(d), &ids, &frags);
	for (size_t i = 0; i < frags.n && !ret; i++) {
		unpercent(frags.s[i]);
		if (!has(&ids, frags.s[i])) {
			snprintf(why, whylen, "\"#%s\" is no heading or anchor on the page",
			         frags.s[i]);
			ret = -1;
		}
	}
	clear(&ids);
	clear(&frags);
	xmlFreeDoc(d);
	return ret;
}
