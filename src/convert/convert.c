/* convert: cfs_convert() — parse storage format with libxml2 and render it block by block. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/HTMLparser.h>

#include "convert.h"
#include "convert_int.h"

/*
 * DESIGN
 *
 * Storage format is an XHTML fragment with undeclared ac:/ri: prefixes and
 * HTML named entities.  The parser reads a virtual stream: HEAD (an XML
 * declaration, an empty DOCTYPE so entities can be declared, and a root that
 * declares the namespaces), the input, then TAIL.  Nothing is copied; a read
 * callback serves the three pieces.
 *
 * - Entities: a getEntity handler declares each HTML entity on first use
 *   (htmlEntityLookup); unknown names are declared too so "&foo;" survives as
 *   text.  Entities are not substituted (XML_PARSE_NOENT would copy a node per
 *   reference, quadratic on pages full of &nbsp;); the tree walk reads the
 *   reference nodes.
 * - Depth: XML_PARSE_HUGE lifts libxml2's 256-level limit (and its 10 MB text
 *   node limit), so deep input does not stop the parse; our startElement hook
 *   instead stops creating elements below CV_MAX_DOM_DEPTH (their text lands in
 *   the deepest element), which bounds the renderer's recursion.
 * - Memory: the endElement hook renders every block that closes in a flow
 *   container (the root, ac:layout*) and frees it, so the tree never holds
 *   more than the block being closed plus its pending inline siblings.
 * - Errors: XML_PARSE_RECOVER keeps going; the error handler puts back a "<"
 *   or "&" that libxml2 drops when it is not markup.  When a stray end tag
 *   closes our root early, or libxml2 gives up, parsing restarts after that
 *   point with a fresh root, so text after the damage is not lost.
 */

static const char HEAD[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE cfs-root>"
    "<cfs-root xmlns:ac=\"" CV_NS_AC "\" xmlns:ri=\"" CV_NS_RI "\" xmlns:at=\"" CV_NS_AT "\">";
static const char TAIL[] = "</cfs-root>";
#define HEAD_LEN (sizeof(HEAD) - 1)
#define TAIL_LEN (sizeof(TAIL) - 1)
#define NOT_SET  ((size_t)-1)

#define PARSE_OPTIONS                                                                              \
	(XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOCDATA |                \
	 XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT | XML_PARSE_OLDSAX)

struct parse {
	struct cv *cv;
	const char *in;
	size_t len;
	size_t start;      /* this segment's first input byte */
	size_t pos;        /* read position in the virtual stream */
	int depth, skip;   /* elements built / elements not built below the depth cap */
	size_t root_end;   /* input offset where our root closed */
	size_t err_off;    /* input offset of the last error */
	size_t cdata_open; /* an unterminated "<![CDATA[" starts here: we close it */
	xmlNode *text;     /* the text node characters() looked for whitespace in */
	size_t text_seen;  /* its bytes already looked at, none whitespace */
};

static int src_read(void *ctx, char *buf, int len)
{
	struct parse *p = ctx;
	const char *piece[4] = {HEAD, p->in + p->start, "]]>", TAIL};
	size_t plen[4] = {HEAD_LEN, p->len - p->start, 3, TAIL_LEN};
	size_t n = 0, off = p->pos;

	if (p->cdata_open == NOT_SET || p->start > p->cdata_open)
		plen[2] = 0;
	for (int i = 0; i < 4 && n < (size_t)len; i++) {
		size_t take;

		if (off >= plen[i]) {
			off -= plen[i];
			continue;
		}
		take = plen[i] - off;
		if (take > (size_t)len - n)
			take = (size_t)len - n;
		memcpy(buf + n, piece[i] + off, take);
		n += take;
		p->pos += take;
		off = 0;
	}
	return (int)n;
}

static int src_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* The parser's position as an offset into the input. */
static size_t in_off(struct parse *p, xmlParserCtxtPtr ctxt)
{
	xmlParserInputPtr in = ctxt->inputNr > 0 ? ctxt->inputTab[0] : ctxt->input;
	size_t s;

	if (!in || !in->base || !in->cur || in->cur < in->base)
		return p->len;
	s = (size_t)in->consumed + (size_t)(in->cur - in->base);
	if (s < HEAD_LEN)
		return p->start;
	s = p->start + (s - HEAD_LEN);
	return s > p->len ? p->len : s;
}

static xmlEntityPtr get_entity(void *ctx, const xmlChar *name)
{
	xmlParserCtxtPtr ctxt = ctx;
	xmlEntityPtr e = xmlSAX2GetEntity(ctx, name);
	const htmlEntityDesc *d;
	char content[64];

	/*
	 * libxml2 2.9 drops every entity reference once its well-formed flag is
	 * cleared (xmlParseReference), i.e. after any malformed spot: we recover,
	 * so the flag is set again here, just before the reference is expanded
	 * (XML_PARSE_OLDSAX routes the predefined &lt; &amp; ... here too).
	 */
	ctxt->wellFormed = 1;
	if (e || !ctxt->myDoc || !ctxt->myDoc->intSubset || ctxt->inSubset)
		return e;
	d = htmlEntityLookup(name);
	if (d)
		snprintf(content, sizeof(content), "&#%u;", d->value);
	else
		snprintf(content, sizeof(content), "&#38;%.50s;", (const char *)name);
	return xmlAddDocEntity(ctxt->myDoc, name, XML_INTERNAL_GENERAL_ENTITY, NULL, NULL,
	                       (const xmlChar *)content);
}

/*
 * Text: libxml2 appends to the last text node, so a paragraph of one huge
 * text (no markup) would be held whole.  Once that node passes
 * 1 MB (cv_stream_text), it is rendered with what precedes it up to its last
 * whitespace, and keeps the rest (a word is not split: escaping looks at the
 * characters around).
 */
static void characters(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt->_private;
	xmlNode *par = ctxt->node, *t = par ? par->last : NULL;

	if (p && t && t->type == XML_TEXT_NODE && t->name == xmlStringText && ctxt->nodemem > 0 &&
	    (size_t)ctxt->nodelen > cv_stream_text && p->skip == 0 && t->content &&
	    t->content != (xmlChar *)&t->properties && cv_streams_inline(p->cv, par)) {
		struct cv *cv = p->cv;
		xmlChar *c = t->content, save;
		size_t k = (size_t)ctxt->nodelen, seen = p->text == t ? p->text_seen : 0;

		if (k < seen + cv_stream_text) /* a word of megabytes: looked at in steps */
			goto out;
		while (k > seen && !strchr(" \t\r\n", c[k - 1]))
			k--;
		p->text = t;
		p->text_seen = k > seen ? 0 : (size_t)ctxt->nodelen;
		if (k > seen) {
			cv_stream_begin(cv, par, CV_ISTREAM);
			save = c[k];
			c[k] = '\0';
			cv_flow_part(cv, par->children, NULL);
			c[k] = save;
			cv_free_upto(par, t);
			memmove(c, c + k, (size_t)ctxt->nodelen - k + 1);
			ctxt->nodelen -= (int)k;
			cv_il_spill(cv);
		}
	}
out:
	xmlSAX2Characters(ctx, ch, len);
}

static void start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                          const xmlChar *URI, int nb_namespaces, const xmlChar **namespaces,
                          int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt->_private;

	if (p && p->depth >= CV_MAX_DOM_DEPTH) {
		if (ctxt->node)
			ctxt->node->_private = (void *)((uintptr_t)ctxt->node->_private | CV_FLAT);
		p->skip++;
		return;
	}
	if (p)
		p->depth++;
	xmlSAX2StartElementNs(ctx, localname, prefix, URI, nb_namespaces, namespaces, nb_attributes,
	                      nb_defaulted, attributes);
}

static void end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                        const xmlChar *URI)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt->_private;
	xmlNode *n = ctxt->node, *parent;

	if (p && p->skip > 0) {
		p->skip--;
		return;
	}
	if (p)
		p->depth--;
	xmlSAX2EndElementNs(ctx, localname, prefix, URI);
	if (!p || !n || !(parent = n->parent))
		return;
	if (parent->type == XML_DOCUMENT_NODE) {
		/* our root: at the end of the input, or closed early by a stray end tag */
		p->root_end = in_off(p, ctxt);
		cv_render_free(p->cv, n, NULL);
		return;
	}
	if (cv_is_flow(p->cv, parent) && cv_kind(p->cv, n) == K_BLOCK) {
		/* text straight in the body before a layout comes before its cells */
		cv_render_before(p->cv, parent);
		cv_render_free(p->cv, parent, n);
		if (p->cv->map && cv_tag(parent) == T_ROOT)
			cv_map_add(p->cv, in_off(p, ctxt));
		return;
	}
	if (cv_tag(n) == T_TR) {
		/* a row of a table in a flow container: a huge one is written as it comes */
		xmlNode *t = cv_tag(parent) == T_TSECT ? parent->parent : parent;

		if (t && t->type == XML_ELEMENT_NODE && cv_tag(t) == T_TABLE && !CV_IS_FLAT(t) &&
		    !p->cv->excerpt_only && cv_is_flow(p->cv, t->parent)) {
			cv_render_before(p->cv, t); /* what comes before it first */
			cv_table_rows(p->cv, t);
		}
		return;
	}
	if (p->cv->excerpt_only || p->cv->html_nest > 0 || p->cv->err)
		return;
	if (cv_tag(n) == T_LI && cv_stream_list(p->cv, n))
		return;
	cv_stream_inline(p->cv, n);
}

/*
 * A character reference libxml2 gave up on: "&#X263A;" (HTML's capital X,
 * which XML does not have) is decoded here, and the parser resumes at its
 * ";"; any other ("&#12a;", "&#xZZ;") is put back as the text it was.
 */
static void restore_charref(xmlParserCtxtPtr ctxt, xmlParserInputPtr in)
{
	const xmlChar *s, *e;
	uint32_t cp = 0;
	char u[8];

	for (s = in->cur - 1; s > in->base && in->cur - s < 16 && !(s[0] == '&' && s[1] == '#');
	     s--)
		;
	if (s[0] != '&' || s[1] != '#')
		return;
	if (s + 2 == in->cur && *in->cur == 'X') {
		for (e = in->cur + 1; e < in->end && e - in->cur <= 7 && isxdigit(*e); e++)
			cp = cp * 16 + (uint32_t)(isdigit(*e) ? *e - '0' : (*e | 0x20) - 'a' + 10);
		if (e > in->cur + 1 && e < in->end && *e == ';' && cp > 0 && cp <= 0x10ffff &&
		    !(cp >= 0xd800 && cp < 0xe000) &&
		    (cp >= 0x20 || cp == 9 || cp == 10 || cp == 13)) {
			xmlSAX2Characters(ctxt, (const xmlChar *)u, (int)cv_utf8_enc(cp, u));
			in->col += (int)(e - in->cur);
			in->cur = e; /* libxml2 takes the ";" */
			return;
		}
	}
	xmlSAX2Characters(ctxt, s, (int)(in->cur - s));
}

/* Put back text that libxml2 drops when recovering: a lone "<" or "&", "&name" without ";". */
static void restore_text(xmlParserCtxtPtr ctxt, int code)
{
	xmlParserInputPtr in = ctxt->input;
	const xmlChar *s;

	if (!in || !in->cur || !in->base || in->cur <= in->base || !ctxt->node ||
	    ctxt->inputNr != 1 || ctxt->instate != XML_PARSER_CONTENT)
		return;
	if (code == XML_ERR_NAME_REQUIRED) {
		s = in->cur - 1;
		if (*s == '<' || *s == '&')
			xmlSAX2Characters(ctxt, s, 1);
	} else if (code == XML_ERR_ENTITYREF_SEMICOL_MISSING) {
		for (s = in->cur - 1; s > in->base && in->cur - s < 128 && *s != '&'; s--)
			;
		if (*s == '&')
			xmlSAX2Characters(ctxt, s, (int)(in->cur - s));
	} else if (code == XML_ERR_INVALID_DEC_CHARREF || code == XML_ERR_INVALID_HEX_CHARREF) {
		restore_charref(ctxt, in);
	}
}

static void on_error(void *ctx, xmlErrorPtr err)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse *p = ctxt ? ctxt->_private : NULL;

	if (!p || !err)
		return;
	if (err->level >= XML_ERR_ERROR) {
		p->err_off = in_off(p, ctxt);
		if (p->cv->map && !p->cv->map->why)
			p->cv->map->why = "the storage is not well-formed XML";
	}
	restore_text(ctxt, err->code);
}

/* Parse and render input from start; returns where the next segment starts. */
static size_t segment(struct parse *p, xmlParserCtxtPtr ctxt, size_t start)
{
	xmlParserInputBufferPtr buf;
	xmlParserInputPtr stream;
	xmlDocPtr doc;
	xmlNode *root;
	int halted;

	p->start = start;
	p->pos = 0;
	p->depth = p->skip = 0;
	p->root_end = p->err_off = NOT_SET;
	p->text = NULL;
	p->text_seen = 0;

	xmlCtxtReset(ctxt);
	xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);
	ctxt->loadsubset |= XML_SKIP_IDS;
	buf = xmlParserInputBufferCreateIO(src_read, src_close, p, XML_CHAR_ENCODING_NONE);
	if (!buf) {
		cv_oom(p->cv);
		return p->len;
	}
	stream = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
	if (!stream) {
		xmlFreeParserInputBuffer(buf);
		cv_oom(p->cv);
		return p->len;
	}
	inputPush(ctxt, stream);
	xmlParseDocument(ctxt);
	halted = ctxt->disableSAX != 0;

	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root && p->root_end == NOT_SET)
		cv_render_free(p->cv, root, NULL); /* what was open when the parser stopped */
	if (doc)
		xmlFreeDoc(doc);

	if (p->root_end != NOT_SET)
		return p->root_end < p->len && p->root_end > start ? p->root_end : p->len;
	if (halted && p->err_off != NOT_SET && p->err_off < p->len) {
		size_t next = p->err_off > start ? p->err_off : start + 1;

		while (next < p->len && ((unsigned char)p->in[next] & 0xc0) == 0x80)
			next++;
		return next;
	}
	return p->len;
}

/*
 * Valid UTF-8 without the control characters XML forbids, or NULL when the
 * input already is (the usual case: no copy).  Bad bytes become U+FFFD.
 */
static int sanitize(const char *in, size_t len, char **clean, size_t *clen)
{
	const unsigned char *s = (const unsigned char *)in;
	struct cv_buf b = {0};
	struct cv tmp = {0};
	size_t i = 0, ok = 0;

	*clean = NULL;
	while (i < len) {
		unsigned char c = s[i];
		size_t l = 0;

		if (c >= 0x20 && c < 0x80)
			l = 1;
		else if (c == '\t' || c == '\n' || c == '\r')
			l = 1;
		else if (c >= 0xc2 && c <= 0xdf && i + 1 < len && (s[i + 1] & 0xc0) == 0x80)
			l = 2;
		else if (c >= 0xe0 && c <= 0xef && i + 2 < len && (s[i + 1] & 0xc0) == 0x80 &&
		         (s[i + 2] & 0xc0) == 0x80) {
			uint32_t cp =
			    ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);

			if (cp >= 0x800 && !(cp >= 0xd800 && cp < 0xe000) && cp != 0xfffe &&
			    cp != 0xffff)
				l = 3;
		} else if (c >= 0xf0 && c <= 0xf4 && i + 3 < len && (s[i + 1] & 0xc0) == 0x80 &&
		           (s[i + 2] & 0xc0) == 0x80 && (s[i + 3] & 0xc0) == 0x80) {
			uint32_t cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3fu) << 12) |
			              ((s[i + 2] & 0x3fu) << 6) | (s[i + 3] & 0x3fu);

			if (cp >= 0x10000 && cp <= 0x10ffff)
				l = 4;
		}
		if (l) {
			i += l;
			continue;
		}
		cv_buf_add(&tmp, &b, in + ok, i - ok);
		cv_buf_add(&tmp, &b, "\xEF\xBF\xBD", 3);
		i++;
		ok = i;
	}
	if (ok == 0 && !b.p)
		return 0;
	cv_buf_add(&tmp, &b, in + ok, len - ok);
	if (tmp.err) {
		free(b.p);
		return -ENOMEM;
	}
	*clean = b.p;
	*clen = b.len;
	return 0;
}

/*
 * libxml2 drops an unterminated CDATA section with everything after it (our
 * closing root included); the last "<![CDATA[" without a "]]>" after it gets
 * one at the end of the input instead.
 */
static size_t unterminated_cdata(const char *in, size_t len)
{
	const char *last = NULL, *s = in, *e = in + len;

	while ((s = memmem(s, (size_t)(e - s), "<![CDATA[", 9))) {
		last = s;
		s += 9;
	}
	if (!last || memmem(last + 9, (size_t)(e - last - 9), "]]>", 3))
		return NOT_SET;
	return (size_t)(last - in);
}

static void cv_free(struct cv *cv)
{
	free(cv->out.p);
	free(cv->il.p);
	for (size_t i = 0; i < cv->nheads; i++) {
		free(cv->heads[i].text);
		free(cv->heads[i].slug);
		free(cv->heads[i].id);
	}
	free(cv->heads);
	for (size_t i = 0; i < cv->nholes; i++)
		free(cv->holes[i].arg);
	free(cv->holes);
	for (size_t i = 0; i < cv->nanchors; i++)
		free(cv->anchors[i]);
	free(cv->anchors);
}

void cv_map_add(struct cv *cv, size_t storage_end)
{
	struct cv_map *m = cv->map;
	struct cfs_convert_block *b;

	if (m->n && m->b[m->n - 1].storage_end == storage_end) {
		m->b[m->n - 1].md_end = cv->out.len;
		return;
	}
	if (m->n && storage_end < m->b[m->n - 1].storage_end) {
		m->why = "the parser went backwards in the input";
		return;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;

		b = realloc(m->b, cap * sizeof(*b));
		if (!b) {
			cv_oom(cv);
			return;
		}
		m->b = b;
		m->cap = cap;
	}
	m->b[m->n].storage_end = storage_end;
	m->b[m->n].md_end = cv->out.len;
	m->n++;
}

/* A conversion: of a page (incl NULL), an included page (excerpt_only: its
 * first excerpt; its headings are added to those of `into`, the including
 * conversion), or only to find where anchor `resolve` is; map: see
 * cfs_convert_blocks(). */
static int convert_core(const char *in, size_t len, const struct cfs_convert_ctx *ctx,
                        const struct cv_incl *incl, int excerpt_only, const char *resolve,
                        struct cv *into, struct cv_map *map, char **out, size_t *out_len)
{
	static const struct cfs_convert_ctx none;
	struct cv cv = {.map = map, .incl = incl, .excerpt_only = excerpt_only, .resolve = resolve};
	int segments = 0;
	struct parse p = {0};
	xmlParserCtxtPtr ctxt = NULL;
	char *clean = NULL;
	size_t clen = 0;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (!in)
		len = 0;
	xmlInitParser();
	cv.ctx = ctx ? ctx : &none;
	ret = sanitize(in, len, &clean, &clen);
	if (ret)
		goto out;
	if (map && clean)
		map->why = "the storage is not valid UTF-8 (or holds control characters)";
	p.cv = &cv;
	p.in = clean ? clean : in;
	p.len = clean ? clen : len;
	p.cdata_open = p.len ? unterminated_cdata(p.in, p.len) : NOT_SET;
	if (p.len > 0) {
		ctxt = xmlNewParserCtxt();
		if (!ctxt) {
			ret = -ENOMEM;
			goto out;
		}
		ctxt->_private = &p;
		ctxt->sax->startElementNs = start_element;
		ctxt->sax->endElementNs = end_element;
		ctxt->sax->getEntity = get_entity;
		ctxt->sax->characters = characters;
		ctxt->sax->serror = on_error;
		for (size_t start = 0; start < p.len && !cv.err; segments++)
			start = segment(&p, ctxt, start);
	}
	if (map) {
		if (segments > 1 && !map->why)
			map->why = "the storage is not well-formed XML (the parse restarted)";
		cv_map_add(&cv, p.len);
	}
	if (resolve) {
		cv_resolve_finish(&cv, out, out_len);
		ret = cv.err;
		goto out;
	}
	cv_finish(&cv, out, out_len);
	ret = cv.err;
	for (size_t i = 0; into && !ret && i < cv.nheads; i++)
		cv_heading_add(into, cv.heads[i].level, cv.heads[i].text ? cv.heads[i].text : "",
		               cv.heads[i].id);
	if (!ret) {
		/*
		 * libxml2 2.9 can resume mid-character after a malformed end
		 * tag (fuzz finding); whatever it hands out, we emit UTF-8.
		 */
		char *fixed;
		size_t flen;

		ret = sanitize(*out, *out_len, &fixed, &flen);
		if (!ret && fixed) {
			if (map && !map->why)
				map->why = "the Markdown needed UTF-8 repair";
			free(*out);
			*out = fixed;
			*out_len = flen;
		}
	}
	if (ret) {
		free(*out);
		*out = NULL;
		*out_len = 0;
	}
out:
	if (ctxt) {
		ctxt->_private = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	free(clean);
	cv_free(&cv);
	return ret;
}

static int convert(const char *in, size_t len, const struct cfs_convert_ctx *ctx, char **out,
                   size_t *out_len, struct cv_map *map)
{
	return convert_core(in, len, ctx, NULL, 0, NULL, NULL, map, out, out_len);
}

int cv_convert(const char *in, size_t len, const struct cfs_convert_ctx *ctx,
               const struct cv_incl *incl, int excerpt_only, const char *resolve, struct cv *into,
               char **out, size_t *out_len)
{
	return convert_core(in, len, ctx, incl, excerpt_only, resolve, into, NULL, out, out_len);
}

int cfs_convert(const char *in, size_t len, const struct cfs_convert_ctx *ctx, char **out,
                size_t *out_len)
{
	return convert(in, len, ctx, out, out_len, NULL);
}

int cfs_convert_blocks(const char *in, size_t len, const struct cfs_convert_ctx *ctx, char **out,
                       size_t *out_len, size_t *body, struct cfs_convert_block **blocks,
                       size_t *nblocks, const char **why)
{
	struct cv_map map = {0};
	int ret = convert(in, len, ctx, out, out_len, &map);
	size_t prev;

	*blocks = NULL;
	*nblocks = 0;
	*body = 0;
	*why = NULL;
	if (ret) {
		free(map.b);
		return ret;
	}
	prev = map.body;
	for (size_t i = 0; i < map.n && !map.why; i++) {
		size_t e = map.b[i].md_end;

		if (e < prev)
			map.why = "a block's Markdown ends before the previous one";
		else if (e > *out_len)
			map.why = "a block's Markdown ends past the output";
		else if (e > map.body && e < *out_len && (*out)[e - 1] != '\n')
			map.why = "a block boundary falls inside a line of the Markdown";
		prev = e;
	}
	if (!map.why && map.n &&
	    (map.b[map.n - 1].storage_end != (in ? len : 0) || map.b[map.n - 1].md_end != *out_len))
		map.why = "the blocks do not cover the whole page";
	if (map.why) {
		*why = map.why;
		free(map.b);
		free(*out);
		*out = NULL;
		*out_len = 0;
		return -EINVAL;
	}
	*body = map.body;
	*blocks = map.b;
	*nblocks = map.n;
	return 0;
}
