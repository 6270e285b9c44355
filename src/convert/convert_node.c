/* convert_node: what a storage-format node is — tag, block or inline, attributes, text. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libxml/HTMLparser.h>

#include "convert_int.h"

struct tagname {
	const char *name;
	enum cv_tag tag;
};

/* Sorted by name (bsearch). */
static const struct tagname html_tags[] = {
    {"a", T_A},
    {"address", T_DIV},
    {"article", T_DIV},
    {"aside", T_DIV},
    {"b", T_STRONG},
    {"blockquote", T_QUOTE},
    {"body", T_DIV},
    {"br", T_BR},
    {"caption", T_CAPTION},
    {"center", T_DIV},
    {"cite", T_EM},
    {"code", T_CODE},
    {"col", T_DROP},
    {"colgroup", T_DROP},
    {"dd", T_DIV},
    {"del", T_DEL},
    {"details", T_DETAILS},
    {"dfn", T_EM},
    {"div", T_DIV},
    {"dl", T_DIV},
    {"dt", T_DT},
    {"em", T_EM},
    {"figcaption", T_DIV},
    {"figure", T_DIV},
    {"footer", T_DIV},
    {"h1", T_H},
    {"h2", T_H},
    {"h3", T_H},
    {"h4", T_H},
    {"h5", T_H},
    {"h6", T_H},
    {"head", T_DROP},
    {"header", T_DIV},
    {"hr", T_HR},
    {"html", T_DIV},
    {"i", T_EM},
    {"img", T_IMG},
    {"ins", T_INS},
    {"kbd", T_KBD},
    {"li", T_LI},
    {"main", T_DIV},
    {"nav", T_DIV},
    {"ol", T_OL},
    {"p", T_P},
    {"pre", T_PRE},
    {"s", T_DEL},
    {"samp", T_CODE},
    {"script", T_DROP},
    {"section", T_DIV},
    {"strike", T_DEL},
    {"strong", T_STRONG},
    {"style", T_DROP},
    {"sub", T_SUB},
    {"summary", T_SUMMARY},
    {"sup", T_SUP},
    {"table", T_TABLE},
    {"tbody", T_TSECT},
    {"td", T_TD},
    {"tfoot", T_TSECT},
    {"th", T_TH},
    {"thead", T_TSECT},
    {"time", T_TIME},
    {"tr", T_TR},
    {"tt", T_CODE},
    {"u", T_INS},
    {"ul", T_UL},
    {"var", T_EM},
};

static const struct tagname ac_tags[] = {
    {"adf-attribute", T_DROP},
    {"adf-content", T_ADF_CONTENT},
    {"adf-extension", T_ADF_EXT},
    {"adf-fallback", T_ADF_FALLBACK},
    {"adf-node", T_ADF_NODE},
    {"caption", T_ICAPTION},
    {"default-parameter", T_PARAM},
    {"emoticon", T_EMOTICON},
    {"image", T_IMAGE},
    {"layout", T_LAYOUT},
    {"layout-cell", T_LAYOUT},
    {"layout-section", T_LAYOUT},
    {"link", T_LINK},
    {"link-body", T_LINK_BODY},
    {"macro", T_MACRO},
    {"parameter", T_PARAM},
    {"placeholder", T_PLACEHOLDER},
    {"plain-text-body", T_PTB},
    {"plain-text-link-body", T_PTLB},
    {"rich-text-body", T_RTB},
    {"structured-macro", T_MACRO},
    {"task", T_TASK},
    {"task-assignee", T_TASK_META},
    {"task-body", T_TASK_BODY},
    {"task-id", T_TASK_META},
    {"task-list", T_TASKLIST},
    {"task-status", T_TASK_META},
    {"task-uuid", T_TASK_META},
};

static const struct tagname ri_tags[] = {
    {"attachment", T_RI_ATTACHMENT},
    {"blog-post", T_RI_BLOG},
    {"content-entity", T_RI_CONTENT},
    {"page", T_RI_PAGE},
    {"space", T_RI_SPACE},
    {"url", T_RI_URL},
    {"user", T_RI_USER},
};

static int tag_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct tagname *)e)->name);
}

static enum cv_tag lookup(const struct tagname *t, size_t n, const char *name, enum cv_tag dflt)
{
	const struct tagname *r = bsearch(name, t, n, sizeof(*t), tag_cmp);

	return r ? r->tag : dflt;
}

static enum cv_tag tag_compute(xmlNode *n)
{
	const char *name = (const char *)n->name;
	const char *href = n->ns && n->ns->href ? (const char *)n->ns->href : NULL;

	/* A prefix nobody declared keeps its "ac:" in the name (libxml2 recovery). */
	if (!href && !strncmp(name, "ac:", 3)) {
		href = CV_NS_AC;
		name += 3;
	} else if (!href && !strncmp(name, "ri:", 3)) {
		href = CV_NS_RI;
		name += 3;
	}
	if (!href) {
		if (n->parent && n->parent->type == XML_DOCUMENT_NODE)
			return T_ROOT;
		return lookup(html_tags, sizeof(html_tags) / sizeof(html_tags[0]), name, T_OTHER);
	}
	if (!strcmp(href, CV_NS_AC))
		return lookup(ac_tags, sizeof(ac_tags) / sizeof(ac_tags[0]), name, T_OTHER);
	if (!strcmp(href, CV_NS_RI))
		return lookup(ri_tags, sizeof(ri_tags) / sizeof(ri_tags[0]), name, T_RI_OTHER);
	if (!strcmp(href, CV_NS_AT) && !strcmp(name, "declarations"))
		return T_DROP;
	return T_OTHER;
}

/* node->_private caches: bits 0-7 tag + 1, bit 8 kind known, bits 9-10 kind; bit 11
 * is CV_FLAT, bits 12-13 a table's streaming state (convert_table.c). */
#define MEMO(n)        ((uintptr_t)(n)->_private)
#define MEMO_SET(n, v) ((n)->_private = (void *)(uintptr_t)(v))

enum cv_tag cv_tag(xmlNode *n)
{
	uintptr_t m;

	if (!n || n->type != XML_ELEMENT_NODE)
		return T_OTHER;
	m = MEMO(n);
	if (m & 0xff)
		return (enum cv_tag)((m & 0xff) - 1);
	m |= (uintptr_t)tag_compute(n) + 1;
	MEMO_SET(n, m);
	return (enum cv_tag)((m & 0xff) - 1);
}

int cv_heading_level(xmlNode *n)
{
	return n->name[1] - '0';
}

static enum cv_kind kind_compute(struct cv *cv, xmlNode *n)
{
	switch (cv_tag(n)) {
	case T_ROOT:
	case T_P:
	case T_H:
	case T_UL:
	case T_OL:
	case T_LI:
	case T_TABLE:
	case T_TSECT:
	case T_TR:
	case T_TH:
	case T_TD:
	case T_CAPTION:
	case T_QUOTE:
	case T_PRE:
	case T_HR:
	case T_DIV:
	case T_DT:
	case T_DETAILS:
	case T_SUMMARY:
	case T_LAYOUT:
	case T_TASKLIST:
	case T_TASK:
	case T_RTB:
	case T_ADF_EXT:
	case T_ADF_NODE:
		return K_BLOCK;
	case T_DROP:
	case T_PARAM:
	case T_PLACEHOLDER:
	case T_TASK_META:
	case T_RI_OTHER:
		return K_SKIP;
	case T_MACRO:
		if (cv_macro_kind(cv, n) == K_INLINE && cv_placed_as_block(n))
			return K_BLOCK;
		return cv_macro_kind(cv, n);
	case T_IMAGE:
	case T_IMG:
		return cv_placed_as_block(n) ? K_BLOCK : K_INLINE;
	case T_BR:
	case T_CODE:
	case T_KBD:
	case T_LINK:
	case T_EMOTICON:
	case T_TIME:
	case T_RI_PAGE:
	case T_RI_ATTACHMENT:
	case T_RI_URL:
	case T_RI_USER:
	case T_RI_SPACE:
	case T_RI_BLOG:
	case T_RI_CONTENT:
		return K_INLINE;
	default:
		/* Transparent elements are blocks when they hold one. */
		for (xmlNode *c = n->children; c; c = c->next)
			if (cv_kind(cv, c) == K_BLOCK)
				return K_BLOCK;
		return K_INLINE;
	}
}

int cv_blank_text(xmlNode *n)
{
	if (n->type != XML_TEXT_NODE && n->type != XML_CDATA_SECTION_NODE)
		return 0;
	for (const xmlChar *s = n->content; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

enum cv_kind cv_kind(struct cv *cv, xmlNode *n)
{
	uintptr_t m;
	enum cv_kind k;

	switch (n->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
	case XML_ENTITY_REF_NODE:
		return K_INLINE;
	case XML_ELEMENT_NODE:
		break;
	default:
		return K_SKIP;
	}
	if (CV_IS_FLAT(n))
		return K_BLOCK;
	cv_tag(n);
	m = MEMO(n);
	if (m & 0x100)
		return (enum cv_kind)((m >> 9) & 3);
	k = kind_compute(cv, n);
	MEMO_SET(n, MEMO(n) | 0x100 | ((uintptr_t)k << 9));
	return k;
}

/*
 * Confluence writes block macros and block images directly in the body, and
 * inline ones inside a paragraph: where an element sits says how it renders.
 */
int cv_placed_as_block(xmlNode *n)
{
	switch (cv_tag(n->parent)) {
	case T_ROOT:
	case T_LAYOUT:
	case T_RTB:
	case T_DIV:
	case T_QUOTE:
	case T_ADF_EXT:
	case T_ADF_FALLBACK:
	case T_ADF_CONTENT:
		return n->parent->type == XML_ELEMENT_NODE;
	default:
		return 0;
	}
}

int cv_entity_utf8(const xmlChar *name, char out[8])
{
	const htmlEntityDesc *d = htmlEntityLookup(name);

	if (!d)
		return 0;
	return (int)cv_utf8_enc(d->value, out);
}

/* Text of a node list as one malloc'd string (text and entity references). */
static char *join_text(struct cv *cv, xmlNode *list)
{
	struct cv_buf b = {0};

	for (xmlNode *c = list; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content)
				cv_buf_adds(cv, &b, (const char *)c->content);
		} else if (c->type == XML_ENTITY_REF_NODE) {
			char u[8];
			int l = cv_entity_utf8(c->name, u);

			if (l) {
				cv_buf_add(cv, &b, u, (size_t)l);
			} else {
				cv_buf_add(cv, &b, "&", 1);
				cv_buf_adds(cv, &b, (const char *)c->name);
				cv_buf_add(cv, &b, ";", 1);
			}
		}
	}
	if (!b.p && !cv->err)
		return cv_strndup(cv, "", 0);
	return b.p;
}

const char *cv_attr(struct cv *cv, xmlNode *n, const char *prefix, const char *name, char **tofree)
{
	const char *want = !prefix ? NULL : !strcmp(prefix, "ac") ? CV_NS_AC : CV_NS_RI;
	size_t pl = prefix ? strlen(prefix) : 0;

	*tofree = NULL;
	if (!n || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (xmlAttr *a = n->properties; a; a = a->next) {
		const char *an = (const char *)a->name;
		int match;

		if (a->ns && a->ns->href)
			match =
			    want && !strcmp((const char *)a->ns->href, want) && !strcmp(an, name);
		else if (!prefix)
			match = !strcmp(an, name);
		else
			match =
			    !strncmp(an, prefix, pl) && an[pl] == ':' && !strcmp(an + pl + 1, name);
		if (!match)
			continue;
		if (!a->children)
			return "";
		if (!a->children->next && a->children->type == XML_TEXT_NODE)
			return a->children->content ? (const char *)a->children->content : "";
		*tofree = join_text(cv, a->children);
		return *tofree;
	}
	return NULL;
}

xmlNode *cv_child(xmlNode *n, enum cv_tag t)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && cv_tag(c) == t)
			return c;
	return NULL;
}

static int text_skip(xmlNode *n)
{
	switch (cv_tag(n)) {
	case T_PARAM:
	case T_DROP:
	case T_TASK_META:
	case T_PLACEHOLDER:
		return 1;
	default:
		return 0;
	}
}

/*
 * All text below n, iteratively.  collapse: whitespace runs become one space
 * and the ends are trimmed; otherwise text is kept as is and <br> is "\n".
 */
char *cv_text_of(struct cv *cv, xmlNode *n, int collapse)
{
	struct cv_buf b = {0};
	xmlNode *c = n ? n->children : NULL;
	int space = 0;

	while (c && c != n) {
		const char *s = NULL;
		char u[8];
		size_t l = 0;

		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			s = (const char *)c->content;
			l = s ? strlen(s) : 0;
		} else if (c->type == XML_ENTITY_REF_NODE) {
			l = (size_t)cv_entity_utf8(c->name, u);
			s = u;
			if (!l) { /* unknown: as typed */
				cv_buf_add(cv, &b, "&", 1);
				cv_buf_adds(cv, &b, (const char *)c->name);
				s = ";";
				l = 1;
			}
		} else if (c->type == XML_ELEMENT_NODE && cv_tag(c) == T_BR) {
			s = collapse ? " " : "\n";
			l = 1;
		}
		if (collapse) {
			for (size_t i = 0, j; i < l; i = j) {
				if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
					space = 1;
					j = i + 1;
					continue;
				}
				if (space && b.len)
					cv_buf_add(cv, &b, " ", 1);
				space = 0;
				for (j = i + 1;
				     j < l && s[j] != ' ' && !(s[j] >= '\t' && s[j] <= '\r'); j++)
					;
				cv_buf_add(cv, &b, s + i, j - i); /* a run without whitespace */
			}
		} else {
			cv_buf_add(cv, &b, s, l);
		}
		if (c->type == XML_ELEMENT_NODE && c->children && !text_skip(c)) {
			c = c->children;
			continue;
		}
		while (c != n && !c->next)
			c = c->parent;
		if (c != n)
			c = c->next;
	}
	if (!b.p && !cv->err)
		return cv_strndup(cv, "", 0);
	return b.p;
}

void cv_macro_name(struct cv *cv, xmlNode *n, char name[64])
{
	char *f;
	const char *v = cv_attr(cv, n, "ac", "name", &f);
	size_t i;

	for (i = 0; v && v[i] && i < 63; i++)
		name[i] = (char)((v[i] >= 'A' && v[i] <= 'Z') ? v[i] + 32 : v[i]);
	name[i] = '\0';
	free(f);
}

xmlNode *cv_param_node(struct cv *cv, xmlNode *macro, const char *name)
{
	for (xmlNode *c = macro->children; c; c = c->next) {
		char *f;
		const char *pn;
		int match;

		if (c->type != XML_ELEMENT_NODE || cv_tag(c) != T_PARAM)
			continue;
		if (!strcmp((const char *)c->name, "default-parameter"))
			match = !*name;
		else {
			pn = cv_attr(cv, c, "ac", "name", &f);
			match = pn ? !strcasecmp(pn, name) : !*name;
			free(f);
		}
		if (match)
			return c;
	}
	return NULL;
}

char *cv_param(struct cv *cv, xmlNode *macro, const char *name)
{
	xmlNode *p = cv_param_node(cv, macro, name);

	return p ? cv_text_of(cv, p, 1) : NULL;
}
