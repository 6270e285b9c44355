/* test_convert: storage -> Markdown, checked against goldens and against what cmark-gfm renders. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "convert.h"
#include "convert/anchor_check.h"
#include "convert/entity_probe.h"

/*
 * Cases: tests/convert/cases/NAME.xhtml (one construct each) and every
 * tests/fixtures/storage/NAME.storage.xhtml.  For each, the Markdown must equal
 * tests/convert/golden/NAME.md and the links cmark-gfm renders must equal
 * NAME.links (CFS_UPDATE_GOLDEN=1 rewrites both; review them, they are
 * assertions).  Independently of the goldens, the rendered HTML must keep the
 * input's structure: headings, code bodies byte for byte, table cells, task
 * states, all of its text in order, no ac:/ri:/CDATA markup, and no relative
 * link that the mount would not have.
 */

static const char *src_root(void)
{
	const char *s = getenv("CFS_SOURCE_ROOT");

	return s ? s : ".";
}

static const char *fixtures(void)
{
	const char *s = getenv("CFS_FIXTURES");

	return s ? s : "tests/fixtures";
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert(fwrite(s, 1, n, f) == n);
	fclose(f);
}

static int utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t l = u[i] < 0x80    ? 1
		           : u[i] >= 0xf0 ? 4
		           : u[i] >= 0xe0 ? 3
		           : u[i] >= 0xc2 ? 2
		                          : 0;

		if (!l || i + l > n)
			return 0;
		for (size_t k = 1; k < l; k++)
			if ((u[i + k] & 0xc0) != 0x80)
				return 0;
		i += l;
	}
	return 1;
}

/* --- the mount the test pretends to convert for ---------------------------- */

#define MAX_PATHS 256
static char *given[MAX_PATHS]; /* every path the callbacks handed out */
static int ngiven;
static pthread_mutex_t given_lock = PTHREAD_MUTEX_INITIALIZER;

static char *give(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);

	snprintf(p, n, "%s%s%s", a, b, c);
	pthread_mutex_lock(&given_lock);
	if (ngiven < MAX_PATHS)
		given[ngiven++] = strdup(p);
	pthread_mutex_unlock(&given_lock);
	return p;
}

static char *t_page_path(void *arg, const char *space, const char *title)
{
	static const char *const known[] = {"Runbooks",
	                                    "Page",
	                                    "Other Page",
	                                    "Page With Space",
	                                    "Odd (title) [v2]? #1 100%",
	                                    "A|B",
	                                    "Caf\xc3\xa9 & Bar"};

	(void)arg;
	if (space)
		return NULL; /* only the current space is mounted */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(title, known[i]))
			return give(!strcmp(title, "Runbooks") ? "Home/" : "", title, ".md");
	return NULL;
}

static char *t_attachment_path(void *arg, const char *space, const char *page, const char *file)
{
	(void)arg;
	if (space)
		return NULL;
	if (!page)
		return give("Home/_attachments/", "", file);
	if (!strcmp(page, "Runbooks"))
		return give("Home/Runbooks/_attachments/", "", file);
	return NULL;
}

static char *t_user_name(void *arg, const char *id)
{
	(void)arg;
	if (!strcmp(id, "557058:abc"))
		return strdup("Ada Lovelace");
	if (!strcmp(id, "8a7f"))
		return strdup("Grace Hopper");
	return NULL;
}

static const struct cfs_convert_ctx test_ctx = {
    .base_url = "https://acme.atlassian.net/wiki",
    .space_key = "ENG",
    .page_path = t_page_path,
    .attachment_path = t_attachment_path,
    .user_name = t_user_name,
    .title = "Home",
    .page_id = "42",
};

static char *convert(const char *in, size_t len, const struct cfs_convert_ctx *ctx, size_t *olen)
{
	char *out = NULL;
	size_t n = 0;
	int ret = cfs_convert(in, len, ctx, &out, &n);

	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), n);
	ck_assert_msg(utf8_valid(out, n), "output is not UTF-8");
	if (olen)
		*olen = n;
	return out;
}

static char *conv_str(const char *in, const struct cfs_convert_ctx *ctx)
{
	return convert(in, strlen(in), ctx, NULL);
}

/* --- rendering with cmark-gfm and reading the HTML back ------------------- */

static char *render(const char *md)
{
	static const char *const exts[] = {"table", "strikethrough", "tasklist", "autolink"};
	cmark_parser *p;
	cmark_node *doc;
	char *html;

	cmark_gfm_core_extensions_ensure_registered();
	p = cmark_parser_new(CMARK_OPT_UNSAFE);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension(exts[i]));
	cmark_parser_feed(p, md, strlen(md));
	doc = cmark_parser_finish(p);
	html = cmark_render_html(doc, CMARK_OPT_UNSAFE, cmark_parser_get_syntax_extensions(p));
	cmark_node_free(doc);
	cmark_parser_free(p);
	return html;
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* What a page shows, as the tests compare it. */
struct shape {
	struct sbuf heads; /* "level:text\n" per heading */
	int nheads;
	char *code[256]; /* code block bodies */
	int ncode;
	int cells;
	struct sbuf tasks; /* '1' checked, '0' open */
	struct sbuf links; /* "a URL\n" / "img URL\n" */
	struct sbuf text;  /* all text, ASCII whitespace removed */
};

static void shape_free(struct shape *s)
{
	free(s->heads.p);
	for (int i = 0; i < s->ncode; i++)
		free(s->code[i]);
	free(s->tasks.p);
	free(s->links.p);
	free(s->text.p);
}

static void add_text(struct sbuf *b, const xmlChar *s)
{
	for (; s && *s; s++)
		if (!strchr(" \t\r\n", *s))
			sb_add(b, (const char *)s, 1);
}

static int name_is(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static int heading_level(xmlNode *n)
{
	const char *s = (const char *)n->name;

	return n->type == XML_ELEMENT_NODE && s[0] == 'h' && s[1] >= '1' && s[1] <= '6' && !s[2]
	           ? s[1] - '0'
	           : 0;
}

static void collect_html(xmlNode *n, struct shape *s)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE) {
			add_text(&s->text, n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (heading_level(n)) {
			xmlChar *t = xmlNodeGetContent(n);
			char lv[8];

			snprintf(lv, sizeof(lv), "%d:", heading_level(n));
			sb_adds(&s->heads, lv);
			add_text(&s->heads, t);
			sb_adds(&s->heads, "\n");
			s->nheads++;
			xmlFree(t);
		} else if (name_is(n, "pre") && s->ncode < 256) {
			xmlChar *t = xmlNodeGetContent(n);

			s->code[s->ncode++] = strdup((const char *)t);
			xmlFree(t);
		} else if (name_is(n, "td") || name_is(n, "th")) {
			s->cells++;
		} else if (name_is(n, "input")) {
			sb_adds(&s->tasks, xmlHasProp(n, BAD_CAST "checked") ? "1" : "0");
		} else if (name_is(n, "a") || name_is(n, "img")) {
			xmlChar *h = xmlGetProp(n, BAD_CAST(name_is(n, "a") ? "href" : "src"));

			if (h) {
				sb_adds(&s->links, name_is(n, "a") ? "a " : "img ");
				sb_adds(&s->links, (const char *)h);
				sb_adds(&s->links, "\n");
				xmlFree(h);
			}
		}
		collect_html(n->children, s);
	}
}

static void shape_of_html(const char *html, struct shape *s)
{
	htmlDocPtr d = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
	                              HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	                                  HTML_PARSE_NOWARNING | HTML_PARSE_NONET);

	memset(s, 0, sizeof(*s));
	sb_adds(&s->heads, "");
	sb_adds(&s->tasks, "");
	sb_adds(&s->links, "");
	sb_adds(&s->text, "");
	if (d) {
		collect_html(xmlDocGetRootElement(d), s);
		xmlFreeDoc(d);
	}
}

/* The input's structure, read with libxml2 independently of the converter. */
static char *entity_subset;

static void build_entity_subset(void)
{
	struct sbuf b = {0};

	sb_adds(&b, "<!DOCTYPE r [");
	for (unsigned v = 1; v < 0x3000; v++) {
		const htmlEntityDesc *d = htmlEntityValueLookup(v);
		char e[128];

		if (!d || v == '&' || v == '<' || v == '>' || v == '"' || v == '\'')
			continue;
		snprintf(e, sizeof(e), "<!ENTITY %s \"&#%u;\">", d->name, v);
		sb_adds(&b, e);
	}
	sb_adds(&b, "]>");
	entity_subset = b.p;
}

static const char *macro_name(xmlNode *n)
{
	for (xmlAttr *a = n->properties; a; a = a->next)
		if (!strcmp((const char *)a->name, "name") && a->children)
			return (const char *)a->children->content;
	return "";
}

static int has_adf_node(xmlNode *ext)
{
	for (xmlNode *c = ext ? ext->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "adf-node"))
			return 1;
	return 0;
}

static void collect_storage(xmlNode *n, struct shape *s)
{
	for (; n; n = n->next) {
		const char *name = (const char *)n->name;
		int ac = n->type == XML_ELEMENT_NODE && n->ns && n->ns->prefix &&
		         !strcmp((const char *)n->ns->prefix, "ac");

		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			add_text(&s->text, n->content);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (ac && (!strcmp(name, "parameter") || !strcmp(name, "default-parameter") ||
		           !strcmp(name, "task-id") || !strcmp(name, "placeholder") ||
		           !strcmp(name, "adf-attribute")))
			continue;
		if (ac && !strcmp(name, "adf-fallback") && has_adf_node(n->parent))
			continue; /* a copy of the node's content, shown once */
		if (ac && !strcmp(name, "task-status")) {
			xmlChar *t = xmlNodeGetContent(n);

			sb_adds(&s->tasks, t && !strcmp((const char *)t, "complete") ? "1" : "0");
			xmlFree(t);
			continue;
		}
		if (ac && !strcmp(name, "plain-text-body") && n->parent &&
		    strcmp(macro_name(n->parent), "html") != 0 && s->ncode < 256) {
			xmlChar *t = xmlNodeGetContent(n);
			size_t l = strlen((const char *)t);
			char *c = malloc(l + 2);

			memcpy(c, t, l + 1);
			if (l == 0 || c[l - 1] != '\n')
				strcat(c, "\n");
			if (l == 0)
				c[0] = '\0';
			s->code[s->ncode++] = c;
			add_text(&s->text, t);
			xmlFree(t);
			continue;
		}
		if (heading_level(n) && !n->ns) {
			xmlChar *t = xmlNodeGetContent(n);
			char lv[8];

			snprintf(lv, sizeof(lv), "%d:", heading_level(n));
			sb_adds(&s->heads, lv);
			add_text(&s->heads, t);
			sb_adds(&s->heads, "\n");
			s->nheads++;
			xmlFree(t);
		}
		if (!n->ns && (!strcmp(name, "td") || !strcmp(name, "th")))
			s->cells++;
		collect_storage(n->children, s);
	}
}

static void shape_of_storage(const char *in, size_t len, struct shape *s)
{
	struct sbuf b = {0};
	xmlDocPtr d;

	if (!entity_subset)
		build_entity_subset();
	sb_adds(&b, entity_subset);
	sb_adds(&b, "<r xmlns:ac=\"urn:ac\" xmlns:ri=\"urn:ri\" xmlns:at=\"urn:at\">");
	sb_add(&b, in, len);
	sb_adds(&b, "</r>");
	d = xmlReadMemory(b.p, (int)b.len, NULL, "UTF-8",
	                  XML_PARSE_RECOVER | XML_PARSE_NOENT | XML_PARSE_NOERROR |
	                      XML_PARSE_NOWARNING | XML_PARSE_NONET | XML_PARSE_HUGE);
	memset(s, 0, sizeof(*s));
	sb_adds(&s->heads, "");
	sb_adds(&s->tasks, "");
	sb_adds(&s->links, "");
	sb_adds(&s->text, "");
	if (d) {
		collect_storage(xmlDocGetRootElement(d), s);
		xmlFreeDoc(d);
	}
	free(b.p);
}

/* a is a subsequence of b (bytes in order, gaps allowed); returns where it failed or -1. */
static long subsequence(const char *a, const char *b)
{
	size_t i = 0;

	for (size_t j = 0; a[i] && b[j]; j++)
		if (a[i] == b[j])
			i++;
	return a[i] ? (long)i : -1;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c - 'a' + 10;
}

/* A relative link must be one of the paths the callbacks gave out. */
static void check_relative(const char *url)
{
	char dec[1024];
	size_t o = 0;
	int found = 0;

	if (!*url || url[0] == '#' || strstr(url, "://") || !strncmp(url, "mailto:", 7))
		return;
	for (size_t i = 0; url[i] && url[i] != '#' && o < sizeof(dec) - 1; i++) {
		if (url[i] == '%' && url[i + 1] && url[i + 2]) {
			dec[o++] = (char)(hexval(url[i + 1]) * 16 + hexval(url[i + 2]));
			i += 2;
		} else {
			dec[o++] = url[i];
		}
	}
	dec[o] = '\0';
	for (int i = 0; i < ngiven && !found; i++)
		found = !strcmp(given[i], dec);
	ck_assert_msg(found, "relative link %s is not a path on the mount", url);
}

static void check_structure(const char *name, const char *in, size_t len, const char *md,
                            const char *html)
{
	struct shape want, got;
	static const char *const leaks[] = {
	    "<ac:",        "</ac:",    "<ri:",  "&lt;ac:", "&lt;ri:", "ac:name", "ri:content-title",
	    "ri:filename", "ri:value", "CDATA["};
	long at;
	int k = 0;

	shape_of_storage(in, len, &want);
	shape_of_html(html, &got);

	ck_assert_msg(want.nheads == got.nheads, "%s: %d headings in, %d rendered:\n%s---\n%s",
	              name, want.nheads, got.nheads, want.heads.p, got.heads.p);
	/* same levels, and each input heading's text inside the rendered one */
	for (char *a = want.heads.p, *b = got.heads.p; *a && *b;) {
		char *ae = strchr(a, '\n'), *be = strchr(b, '\n');

		*ae = *be = '\0';
		ck_assert_msg(a[0] == b[0], "%s: heading level %c rendered as %c", name, a[0],
		              b[0]);
		ck_assert_msg(subsequence(a, b) < 0, "%s: heading \"%s\" rendered as \"%s\"", name,
		              a, b);
		*ae = *be = '\n';
		a = ae + 1;
		b = be + 1;
	}
	/* every code body, byte for byte, in order */
	for (int i = 0; i < want.ncode; i++) {
		while (k < got.ncode && strcmp(want.code[i], got.code[k]) != 0)
			k++;
		ck_assert_msg(k < got.ncode, "%s: code block %d not rendered byte for byte:\n%s",
		              name, i, want.code[i]);
		k++;
	}
	ck_assert_msg(want.cells == got.cells, "%s: %d table cells in, %d rendered", name,
	              want.cells, got.cells);
	ck_assert_msg(!strcmp(want.tasks.p, got.tasks.p), "%s: tasks %s rendered as %s", name,
	              want.tasks.p, got.tasks.p);
	at = subsequence(want.text.p, got.text.p);
	ck_assert_msg(at < 0, "%s: text lost near \"%.60s\"", name, at < 0 ? "" : want.text.p + at);
	for (size_t i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++)
		ck_assert_msg(!strstr(html, leaks[i]), "%s: \"%s\" in the rendered HTML", name,
		              leaks[i]);
	for (char *l = got.links.p; *l;) {
		char *e = strchr(l, '\n');

		*e = '\0';
		check_relative(strchr(l, ' ') + 1);
		*e = '\n';
		l = e + 1;
	}
	{
		char why[300];

		ck_assert_msg(anchor_check(html, why, sizeof(why)) == 0, "%s: %s", name, why);
	}
	(void)md;
	shape_free(&want);
	shape_free(&got);
}

/* --- golden cases ----------------------------------------------------------- */

struct gcase {
	char in[512];
	char golden[512];
	char name[256];
};

static struct gcase cases[256];
static int ncases;

static int cmp_case(const void *a, const void *b)
{
	return strcmp(((const struct gcase *)a)->name, ((const struct gcase *)b)->name);
}

static void add_dir(const char *dir, const char *suffix, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t sl = strlen(suffix);

	if (!d)
		return;
	while ((e = readdir(d)) && ncases < 256) {
		size_t l = strlen(e->d_name);
		struct gcase *c = &cases[ncases];

		if (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0)
			continue;
		snprintf(c->name, sizeof(c->name), "%s%.*s", prefix, (int)(l - sl), e->d_name);
		snprintf(c->in, sizeof(c->in), "%s/%s", dir, e->d_name);
		snprintf(c->golden, sizeof(c->golden), "%s/tests/convert/golden/%.200s", src_root(),
		         e->d_name);
		c->golden[strlen(c->golden) - sl] = '\0'; /* the suffix off */
		if (*prefix) {                            /* fixture-NAME */
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "%s/tests/convert/golden/%s", src_root(),
			         c->name);
			memcpy(c->golden, tmp, sizeof(c->golden));
		}
		ncases++;
	}
	closedir(d);
}

static void find_cases(void)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/tests/convert/cases", src_root());
	add_dir(dir, ".xhtml", "");
	snprintf(dir, sizeof(dir), "%s/storage", fixtures());
	add_dir(dir, ".storage.xhtml", "fixture-");
	qsort(cases, (size_t)ncases, sizeof(cases[0]), cmp_case);
}

static void golden_compare(const char *path, const char *got, const char *what)
{
	size_t n;
	char *want;

	if (getenv("CFS_UPDATE_GOLDEN")) {
		write_file(path, got, strlen(got));
		return;
	}
	want = read_file(path, &n);
	ck_assert_msg(want != NULL, "missing golden %s (CFS_UPDATE_GOLDEN=1 writes it)", path);
	if (strcmp(want, got) != 0) {
		size_t i = 0;

		while (want[i] && want[i] == got[i])
			i++;
		ck_abort_msg(
		    "%s differs from %s at byte %zu:\n--- want ---\n%.300s\n--- got ---\n%.300s",
		    what, path, i, want + (i > 80 ? i - 80 : 0), got + (i > 80 ? i - 80 : 0));
	}
	free(want);
}

START_TEST(test_golden)
{
	struct gcase *c = &cases[_i];
	char path[600];
	size_t len;
	char *in = read_file(c->in, &len), *md, *html;
	struct shape got;

	ck_assert_msg(in != NULL, "cannot read %s", c->in);
	md = convert(in, len, &test_ctx, NULL);
	snprintf(path, sizeof(path), "%s.md", c->golden);
	golden_compare(path, md, c->name);

	html = render(md);
	shape_of_html(html, &got);
	snprintf(path, sizeof(path), "%s.links", c->golden);
	golden_compare(path, got.links.p, "rendered links");
	shape_free(&got);
	check_structure(c->name, in, len, md, html);

	free(html);
	free(md);
	free(in);
}
END_TEST

/*
 * Entities after malformed spots (libxml2 2.9 stops expanding them once its
 * well-formed flag is cleared): (1) the fixture with its markup taken away is
 * text full of faults ("a < b"), and every reference in it must come out
 * decoded; (2) a fault before the page changes nothing of the page after it.
 */
START_TEST(test_entity_faults)
{
	static const struct {
		const char *in, *md;
	} faults[] = {
	    {"<p>AT&T</p>", "AT&T\n\n"},
	    {"<p>a < b</p>", "a < b\n\n"},
	    {"<!-- a -- b -->", ""},
	    {"<p>&bogus</p>", "\\&bogus\n\n"},
	    {"<p>x &amp y</p>", "x &amp y\n\n"},
	};
	struct gcase *c = &cases[_i];
	size_t len, ulen;
	char *in = read_file(c->in, &len), *un, *out, *clean, why[200];

	ck_assert_msg(in != NULL, "cannot read %s", c->in);
	un = probe_unmark(in, len, &ulen);
	out = convert(un, ulen, &test_ctx, NULL);
	ck_assert_msg(probe_entities(un, ulen, out, why, sizeof(why)) == 0, "%s unmarked: %s",
	              c->name, why);
	free(out);
	free(un);

	clean = convert(in, len, &test_ctx, NULL);
	for (size_t f = 0; f < sizeof(faults) / sizeof(faults[0]); f++) {
		size_t fl = strlen(faults[f].in);
		char *both = malloc(fl + len + 1), *want;

		memcpy(both, faults[f].in, fl);
		memcpy(both + fl, in, len);
		out = convert(both, fl + len, &test_ctx, NULL);
		want = malloc(strlen(faults[f].md) + strlen(clean) + 1);
		strcpy(want, faults[f].md);
		strcat(want, clean);
		ck_assert_msg(!strcmp(out, want), "%s after \"%s\": the page changed:\n%.600s",
		              c->name, faults[f].in, out);
		free(want);
		free(out);
		free(both);
	}
	free(clean);
	free(in);
}
END_TEST

/* --- behaviour --------------------------------------------------------------- */

static void assert_has(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL, "\"%s\" not in:\n%.400s", needle, hay);
}

/* A table of n rows after "<p>Before</p>", cell text from the row number; wrap in
 * a <div> (not a flow container) to convert it whole instead of row by row. */
static char *big_table(size_t n, int div, size_t odd_row, size_t *len)
{
	struct sbuf b = {0};
	char row[160];

	sb_adds(&b, div ? "<div>" : "");
	sb_adds(&b, "<p>Before</p><table><tbody><tr><th>A</th><th style=\"text-align: right\">B"
	            "</th></tr>");
	for (size_t i = 0; i < n; i++) {
		if (i == odd_row)
			snprintf(row, sizeof(row), "<tr><td colspan=\"2\">odd %zu</td></tr>", i);
		else
			snprintf(row, sizeof(row),
			         "<tr><td>r%zu <b>x</b></td><td>%zu &amp; y</td></tr>", i, i);
		sb_adds(&b, row);
	}
	sb_adds(&b, "</tbody></table><p>After</p>");
	sb_adds(&b, div ? "</div>" : "");
	*len = b.len;
	return b.p;
}

/* A huge table is written row by row: the same Markdown as converting it whole. */
START_TEST(test_table_streaming)
{
	size_t l1, l2;
	char *a = big_table(5000, 0, (size_t)-1, &l1), *b = big_table(5000, 1, (size_t)-1, &l2);
	char *ma = convert(a, l1, NULL, NULL), *mb = convert(b, l2, NULL, NULL);

	ck_assert_str_eq(ma, mb);
	assert_has(ma, "Before\n\n| A | B |\n| --- | ---: |\n| r0 **x** | 0 & y |\n");
	assert_has(ma, "| r4999 **x** | 4999 & y |\n\nAfter\n");
	free(ma);
	free(mb);
	free(a);
	free(b);

	/* a row that does not fit after streaming began: the pipe table ends there */
	a = big_table(3000, 0, 2000, &l1);
	ma = convert(a, l1, NULL, NULL);
	assert_has(ma,
	           "| r1999 **x** | 1999 & y |\n\n<table>\n<tr>\n<td colspan=\"2\">odd 2000</td>");
	assert_has(ma, "<td>2999 &amp; y</td>\n</tr>\n</table>\n\nAfter\n");
	free(ma);
	free(a);
}
END_TEST

START_TEST(test_empty)
{
	char *out = (char *)1;
	size_t n = 7;

	ck_assert_int_eq(cfs_convert("", 0, NULL, &out, &n), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(n, 0);
	free(out);
	ck_assert_int_eq(cfs_convert(NULL, 0, NULL, &out, &n), 0);
	free(out);
	out = conv_str("   \n\t  ", NULL);
	ck_assert_str_eq(out, "");
	free(out);
	out = conv_str("<!-- only a comment -->", NULL);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(test_not_nul_terminated)
{
	const char in[] = "<p>abc</p><p>NOT THIS</p>";
	char *out = convert(in, 10, NULL, NULL);

	ck_assert_str_eq(out, "abc\n");
	free(out);
}
END_TEST

START_TEST(test_no_base_url)
{
	char *out = conv_str("<p><ac:link><ri:page ri:content-title=\"Runbooks\"/></ac:link> "
	                     "<ac:link><ri:attachment ri:filename=\"a.png\"/></ac:link> "
	                     "<ac:image><ri:attachment ri:filename=\"b.png\"/></ac:image> "
	                     "<a href=\"/x\">rel</a> <a href=\"https://e.com/\">abs</a></p>",
	                     NULL);

	ck_assert_str_eq(out, "Runbooks a.png b.png rel [abs](https://e.com/)\n");
	free(out);
}
END_TEST

START_TEST(test_callbacks_and_encoding)
{
	char *out = conv_str(
	    "<p><ac:link><ri:page ri:content-title=\"Odd (title) [v2]? #1 100%\"/></ac:link></p>"
	    "<p><ac:link><ri:page ri:content-title=\"Missing\"/></ac:link></p>"
	    "<p><ac:link><ri:page ri:space-key=\"OPS\" "
	    "ri:content-title=\"Runbooks\"/></ac:link></p>"
	    "<p><ac:image><ri:attachment ri:filename=\"a b.png\"/></ac:image></p>",
	    &test_ctx);

	assert_has(
	    out,
	    "[Odd (title) \\[v2\\]? #1 100%](Odd%20%28title%29%20%5Bv2%5D%3F%20%231%20100%25.md)");
	assert_has(out, "[Missing](https://acme.atlassian.net/wiki/display/ENG/Missing)");
	assert_has(out, "[Runbooks](https://acme.atlassian.net/wiki/display/OPS/Runbooks)");
	assert_has(out, "![a b.png](Home/_attachments/a%20b.png)");
	free(out);
}
END_TEST

START_TEST(test_front_matter)
{
	struct cfs_convert_ctx c = {
	    .title = "Say \"hi\"", .space_key = "ENG", .flags = CFS_CONVERT_FRONT_MATTER};
	char *out = conv_str("<p>x</p>", &c);

	ck_assert_str_eq(out, "---\ntitle: \"Say \\\"hi\\\"\"\nspace: \"ENG\"\n---\n\nx\n");
	free(out);
}
END_TEST

START_TEST(test_malformed)
{
	static const struct {
		const char *in, *must;
	} t[] = {
	    {"<p>a < b</p>", "a < b"},
	    {"<p>x</div>after</p>", "after"},
	    {"<p>1 & 2</p>", "1 & 2"},
	    {"<p>AT&T rocks</p>", "AT&T rocks"},
	    {"<p>unclosed <b>bold", "unclosed"},
	    {"<p>x</p><![CDATA[unterminated cdata", "unterminated cdata"},
	    {"<p>x</p><!-- unterminated comment", "x"},
	    {"<p>bad \xff\xfe utf8</p>", "bad \xef\xbf\xbd\xef\xbf\xbd utf8"},
	    {"<p>nul \x01 ctl</p>", "nul \xef\xbf\xbd ctl"},
	    {"</a></b></c>tail", "tail"},
	    {"<?xml version=\"1.0\"?><p>decl</p>", "decl"},
	    {"<!DOCTYPE html><p>doctype</p>", "doctype"},
	    {"<foo:bar>unbound prefix</foo:bar>", "unbound prefix"},
	    {"<p attr=\"<\">attr</p>", "attr"},
	    {"<ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[never closed",
	     "never closed"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *out = conv_str(t[i].in, NULL);
		char *html = render(out);
		struct shape s;

		shape_of_html(html, &s);
		ck_assert_msg(strstr(out, t[i].must) || strstr(html, t[i].must) ||
		                  subsequence(t[i].must, out) < 0,
		              "case %zu: \"%s\" lost:\n%.400s", i, t[i].must, out);
		shape_free(&s);
		free(html);
		free(out);
	}
}
END_TEST

static char *repeat(const char *open, const char *mid, const char *close, int n, size_t *len)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
	char *s = malloc(lo * n + lm + lc * n + 1), *p = s;

	for (int i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, mid, lm);
	p += lm;
	for (int i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

START_TEST(test_deep_nesting)
{
	static const char *const opens[][2] = {
	    {"<ul><li>", "</li></ul>"},
	    {"<blockquote>", "</blockquote>"},
	    {"<div>", "</div>"},
	    {"<strong><em>", "</em></strong>"},
	    {"<table><tr><td>", "</td></tr></table>"},
	    {"<ac:structured-macro ac:name=\"info\"><ac:rich-text-body>",
	     "</ac:rich-text-body></ac:structured-macro>"},
	    {"<ac:structured-macro ac:name=\"expand\"><ac:rich-text-body>",
	     "</ac:rich-text-body></ac:structured-macro>"},
	    {"<ac:layout><ac:layout-section><ac:layout-cell>",
	     "</ac:layout-cell></ac:layout-section></ac:layout>"},
	    {"<p>", ""}, /* never closed */
	};

	for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		size_t len, olen;
		char *in = repeat(opens[i][0], "<p>deep text</p>", opens[i][1], 10000, &len);
		char *out = convert(in, len, NULL, &olen);

		assert_has(out, "deep text");
		/* output stays proportional to the input */
		ck_assert_msg(olen < 4 * len + 1000, "case %zu: %zu bytes out of %zu", i, olen,
		              len);
		free(out);
		free(in);
	}
}
END_TEST

/* CPU time of this thread: other processes on a busy machine do not count. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The fixture corpus repeated to at least min bytes: one big page. */
static char *corpus(size_t min, size_t *len)
{
	char dir[512];
	struct sbuf one = {0}, all = {0};
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s/storage", fixtures());
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), n;
		char path[800], *s;

		if (l < 14 || strcmp(e->d_name + l - 14, ".storage.xhtml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		s = read_file(path, &n);
		sb_add(&one, s, n);
		free(s);
	}
	closedir(d);
	while (all.len < min)
		sb_add(&all, one.p, one.len);
	free(one.p);
	*len = all.len;
	return all.p;
}

START_TEST(test_big_page)
{
	size_t small_len, big_len, olen;
	char *small = corpus(5u << 20, &small_len), *big = corpus(50u << 20, &big_len), *out;
	double t0, t_small, t_big;

	t0 = now();
	out = convert(small, small_len, &test_ctx, &olen);
	t_small = now() - t0;
	free(out);
	t0 = now();
	out = convert(big, big_len, &test_ctx, &olen);
	t_big = now() - t0;
	assert_has(out, "Main Heading");
	ck_assert_uint_gt(olen, big_len / 4);
	printf("big page: %.1f MB in %.2f s (%.1f MB/s); 5 MB in %.2f s\n", big_len / 1048576.0,
	       t_big, big_len / 1048576.0 / t_big, t_small);
	/* linear: ten times the input, not a hundred times the time (loose on purpose) */
	ck_assert_msg(t_big < 60 * t_small + 1.0, "50 MB took %.2f s, 5 MB %.2f s", t_big, t_small);
	free(out);
	free(small);
	free(big);
}
END_TEST

START_TEST(test_pathological_linear)
{
	static const char *const units[] = {
	    "&nbsp;",
	    "a < b ",
	    "</x>",
	    "<b>x</b>",
	    "<br/>",
	    "`*_[",
	    "<p>&ldquo;q&rdquo;</p>",
	    "<ac:structured-macro ac:name=\"toc\"/><h2>h</h2>",
	    "<ac:link ac:anchor=\"h\"/>",
	};

	/*
	 * meson sets MALLOC_PERTURB_, with which glibc turns the 4 MB "a < b "
	 * case from 0.2 s into 6 s of CPU in this process (not in a standalone
	 * one; cause not found, the same before the converter changes of issue
	 * 12): this test is about the converter's complexity, not the allocator's.
	 */
	mallopt(M_PERTURB, 0);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double t[2];

		for (int k = 0; k < 2; k++) {
			size_t n = (k ? 4u : 1u) << 20, ul = strlen(units[i]), len = 0, olen;
			char *in = malloc(n + ul), *out;
			double t0;

			while (len < n) {
				memcpy(in + len, units[i], ul);
				len += ul;
			}
			t0 = now();
			out = convert(in, len, NULL, &olen);
			t[k] = now() - t0;
			free(out);
			free(in);
		}
		ck_assert_msg(t[1] < 12 * t[0] + 1.0, "\"%s\": 1 MB %.3f s, 4 MB %.3f s", units[i],
		              t[0], t[1]);
	}
}
END_TEST

START_TEST(test_fuzz_regressions)
{
	char dir[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/tests/convert/fuzz", src_root());
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), len;
		char path[800], *in, *out;

		if (l < 5 || strcmp(e->d_name + l - 4, ".bin") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		in = read_file(path, &len);
		ck_assert_ptr_nonnull(in);
		out = convert(in, len, &test_ctx, NULL); /* asserts UTF-8, no crash */
		free(out);
		out = convert(in, len, NULL, NULL);
		free(out);
		free(in);
		n++;
	}
	closedir(d);
	ck_assert_int_gt(n, 0);
}
END_TEST

static void *thread_main(void *arg)
{
	const char *in = arg;

	for (int i = 0; i < 50; i++) {
		char *out = NULL;
		size_t n;

		if (cfs_convert(in, strlen(in), &test_ctx, &out, &n) != 0 || !strstr(out, "Main"))
			return (void *)1;
		free(out);
	}
	return NULL;
}

START_TEST(test_threads)
{
	char path[600];
	size_t len;
	char *in;
	pthread_t th[4];

	snprintf(path, sizeof(path), "%s/storage/mark-md2storage-admonitions.storage.xhtml",
	         fixtures());
	in = read_file(path, &len);
	ck_assert_ptr_nonnull(in);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, thread_main, in), 0);
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(th[i], &r);
		ck_assert_ptr_null(r);
	}
	free(in);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("convert");
	TCase *g = tcase_create("golden"), *b = tcase_create("behaviour"),
	      *p = tcase_create("scale");

	find_cases();
	tcase_set_timeout(g, 60); /* generous: sanitizer builds are slow */
	tcase_set_timeout(b, 120);
	tcase_add_loop_test(g, test_golden, 0, ncases);
	tcase_add_loop_test(g, test_entity_faults, 0, ncases);
	suite_add_tcase(s, g);
	tcase_add_test(b, test_empty);
	tcase_add_test(b, test_not_nul_terminated);
	tcase_add_test(b, test_no_base_url);
	tcase_add_test(b, test_callbacks_and_encoding);
	tcase_add_test(b, test_front_matter);
	tcase_add_test(b, test_malformed);
	tcase_add_test(b, test_fuzz_regressions);
	tcase_add_test(b, test_threads);
	tcase_add_test(b, test_table_streaming);
	suite_add_tcase(s, b);
	tcase_set_timeout(p, 240);
	tcase_add_test(p, test_deep_nesting);
	tcase_add_test(p, test_big_page);
	tcase_add_test(p, test_pathological_linear);
	suite_add_tcase(s, p);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	xmlInitParser();
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
