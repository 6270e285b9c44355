/* convert_int: internals shared by the convert_*.c files (not a public interface). */
#ifndef CFS_CONVERT_INT_H
#define CFS_CONVERT_INT_H

/*
 * DESIGN (details in docs/convert.md)
 *
 * convert.c parses with libxml2's pull parser into a DOM, but the DOM never
 * holds the whole page: a SAX endElement hook renders every block that closes
 * directly in a "flow" container (the document, ac:layout*) and frees it, so
 * memory follows the largest top-level block, not the page.  Elements nested
 * deeper than CV_MAX_DOM_DEPTH are not created (their text still is), which
 * bounds every recursion below.
 *
 * Rendering is a recursive walk: cv_flow() groups inline runs into paragraphs
 * and hands block elements to cv_block().  Inline content is rendered into
 * cv->il (no line prefixes); blocks are written to cv->out through the block
 * writer (convert_out.c), which prefixes every line with the open containers
 * ("> ", list indentation) and places blank lines between blocks.
 *
 * Things that need the whole page (table of contents, links to headings that
 * come later) are written as holes and filled in by cv_finish().
 *
 * Errors are sticky: the first allocation failure sets cv->err and turns all
 * later writes into no-ops, so rendering code does not check every append.
 */

#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>

#include "convert.h"
#include "convert_blocks.h"

#define CV_NS_AC "http://www.atlassian.com/schema/confluence/4/ac/"
#define CV_NS_RI "http://www.atlassian.com/schema/confluence/4/ri/"
#define CV_NS_AT "http://www.atlassian.com/schema/confluence/4/at/"

#define CV_MAX_DOM_DEPTH 256 /* deeper elements are flattened to their text */
#define CV_MAX_FRAMES    16  /* nested containers that indent (lists, quotes) */
#define CV_MAX_EMPH      8   /* nested emphasis rendered as such */
#define CV_MAX_HTML_NEST 8   /* nested HTML tables / details */

struct cv_buf {
	char *p;
	size_t len, cap;
};

/* Kinds of blocks, for the separator between two of them. */
enum cv_blk {
	B_NONE,
	B_PARA,
	B_HEADING,
	B_LIST,
	B_CODE,
	B_QUOTE,
	B_HTML,
	B_TABLE,
	B_HR,
	B_MARKER, /* the "[!NOTE]" line of an alert */
};

/* One open container: what its lines start with. */
struct cv_frame {
	char first[24]; /* prefix of its first line (a list marker) */
	char rest[24];  /* prefix of every later line */
	unsigned char first_pending, has_content, tight, keep_empty, plain;
	unsigned char list_alt;  /* the last list here used the alternate marker */
	unsigned char list_kind; /* and was bulleted (1) or ordered (2) */
	enum cv_blk prev;
};

struct cv_heading {
	int level;
	char *text; /* plain text */
	char *slug; /* GitHub anchor, unique on the page */
	char *id;   /* the heading's id attribute, or NULL */
};

enum cv_hole_kind { H_TOC, H_ANCHOR };

/* Text decided at the end: a table of contents or an in-page anchor. */
struct cv_hole {
	size_t off; /* in cv->il while pending there, then in cv->out */
	enum cv_hole_kind kind;
	int minl, maxl;  /* H_TOC */
	size_t maxbytes; /* H_TOC: stop listing past this; H_ANCHOR: bytes back to its "[" */
	char *arg;       /* H_TOC: line prefix; H_ANCHOR: Confluence anchor name */
};

/* Inline modes (cv->imode bits). */
#define IM_CELL 0x1 /* pipe table cell: escape |, breaks become <br> */
#define IM_HEAD 0x2 /* heading: breaks become spaces */
#define IM_LINK 0x4 /* inside link text: no nested links */

/* A list being written: its next number, marker kind. */
struct cv_list {
	long num;
	int ordered, alt;
};

/* The pages being included around a conversion (convert_include.c), innermost first. */
struct cv_incl {
	const char *space, *title; /* space NULL: the converted page's */
	const struct cv_incl *up;
	int depth; /* 1: included by the converted page */
};

/*
 * Block map (cfs_convert_blocks(), include/convert_blocks.h): where each
 * top-level block ends in the input and in cv->out; cv_finish() translates
 * the Markdown ends through the holes and the front matter.
 */
struct cv_map {
	struct cfs_convert_block *b;
	size_t n, cap, mapped;
	size_t body;     /* Markdown offset after the front matter */
	const char *why; /* static: why the map cannot be trusted, or NULL */
};

struct cv {
	const struct cfs_convert_ctx *ctx;
	const struct cv_incl *incl; /* NULL: the converted page itself */
	int excerpt_only;           /* render only the first excerpt macro's body */
	int excerpt_done;
	const char *resolve; /* only find where this Confluence anchor is (cv_resolve_finish) */
	int nresolved;       /* anchors into other pages resolved by their page's headings */
	struct cv_map *map;  /* NULL unless a block map is wanted */
	int err;
	struct cv_buf out; /* Markdown, holes not yet filled */
	struct cv_buf il;  /* inline text of the paragraph being built */
	int il_space;      /* collapsed whitespace pending in il */
	int para_open;     /* the paragraph's first part is out (cv_il_spill) */
	unsigned imode;
	int emph_depth, html_nest, link_depth;
	xmlNode *iroot; /* block whose inline content is being rendered */

	struct cv_frame fr[CV_MAX_FRAMES + 1 + CV_MAX_HTML_NEST * 2];
	int nfr;     /* fr[0] is the document */
	int nindent; /* frames that add a prefix */
	int line_open;

	struct cv_heading *heads;
	size_t nheads, capheads;
	struct cv_hole *holes;
	size_t nholes, capholes, il_holes; /* holes [il_holes, nholes) live in il */
	char **anchors;
	size_t nanchors, capanchors;

	xmlNode *tbl; /* the table whose rows are being counted (convert_table.c) */
	size_t tbl_rows, tbl_cols;
	int tbl_kind;

	/* streaming of other huge top-level blocks (convert.c) */
	xmlNode *srun; /* the paragraph or flow container whose children are being counted */
	size_t srun_n;
	xmlNode *slist; /* the list whose items are being counted */
	size_t slist_n;
	struct cv_list lst; /* the list being streamed */
};

/* --- tags (convert_node.c) --- */
enum cv_tag {
	T_OTHER = 0, /* unknown: transparent */
	T_ROOT,
	T_P,
	T_H,
	T_UL,
	T_OL,
	T_LI,
	T_TABLE,
	T_TSECT, /* thead, tbody, tfoot */
	T_TR,
	T_TH,
	T_TD,
	T_CAPTION,
	T_QUOTE,
	T_PRE,
	T_HR,
	T_BR,
	T_DIV, /* transparent block */
	T_DT,
	T_STRONG,
	T_EM,
	T_DEL,
	T_INS,
	T_SUB,
	T_SUP,
	T_CODE,
	T_KBD,
	T_A,
	T_IMG,
	T_TIME,
	T_DETAILS,
	T_SUMMARY,
	T_DROP, /* head, script, style, colgroup: nothing visible */
	T_MACRO,
	T_PARAM,
	T_RTB,
	T_PTB,
	T_LINK,
	T_LINK_BODY,
	T_PTLB,
	T_IMAGE,
	T_ICAPTION,
	T_EMOTICON,
	T_LAYOUT,
	T_TASKLIST,
	T_TASK,
	T_TASK_BODY,
	T_TASK_META, /* task-id, task-status, task-uuid, ... */
	T_PLACEHOLDER,
	T_ADF_EXT,
	T_ADF_FALLBACK,
	T_ADF_NODE,
	T_ADF_CONTENT,
	T_RI_PAGE,
	T_RI_ATTACHMENT,
	T_RI_URL,
	T_RI_USER,
	T_RI_SPACE,
	T_RI_BLOG,
	T_RI_CONTENT,
	T_RI_OTHER,
};

enum cv_kind { K_INLINE, K_BLOCK, K_SKIP };

/*
 * node->_private holds cached facts (convert_node.c); CV_FLAT marks an element
 * whose descendants were not built (too deep): it renders as a plain container
 * so the text that landed in it is kept.
 */
#define CV_FLAT       ((uintptr_t)0x800)
#define CV_IS_FLAT(n) (((uintptr_t)(n)->_private & CV_FLAT) != 0)
/* bits 12-14: a table's streaming state (convert_table.c); a paragraph or list whose
 * first children were already rendered and freed (convert.c) */
#define CV_ISTREAM      ((uintptr_t)0x8000)
#define CV_LSTREAM      ((uintptr_t)0x10000)
#define CV_STREAMING(n) (((uintptr_t)(n)->_private & (CV_ISTREAM | CV_LSTREAM)) != 0)

enum cv_tag cv_tag(xmlNode *n);
int cv_heading_level(xmlNode *n);
enum cv_kind cv_kind(struct cv *cv, xmlNode *n);
/* A text or CDATA node of nothing but blanks (space, tab, CR, LF)? */
int cv_blank_text(xmlNode *n);
int cv_placed_as_block(xmlNode *n);
const char *cv_attr(struct cv *cv, xmlNode *n, const char *ns_prefix, const char *name,
                    char **tofree);
xmlNode *cv_child(xmlNode *n, enum cv_tag t);
char *cv_text_of(struct cv *cv, xmlNode *n, int collapse);
void cv_macro_name(struct cv *cv, xmlNode *n, char name[64]);
char *cv_param(struct cv *cv, xmlNode *macro, const char *name);
xmlNode *cv_param_node(struct cv *cv, xmlNode *macro, const char *name);
int cv_entity_utf8(const xmlChar *name, char out[8]);

/* --- block writer and text (convert_out.c) --- */
void cv_oom(struct cv *cv);
void cv_buf_add(struct cv *cv, struct cv_buf *b, const char *s, size_t n);
void cv_buf_adds(struct cv *cv, struct cv_buf *b, const char *s);
void cv_buf_insert(struct cv *cv, struct cv_buf *b, size_t at, const char *s, size_t n);
void cv_blk_begin(struct cv *cv, enum cv_blk kind, int interrupts);
void cv_blk_end(struct cv *cv, enum cv_blk kind);
enum cv_blk cv_prev_blk(struct cv *cv);
int cv_push(struct cv *cv, const char *first, const char *rest, int tight, int keep_empty);
void cv_pop(struct cv *cv);
int cv_push_plain(struct cv *cv);
void cv_put(struct cv *cv, const char *s, size_t n);
void cv_puts(struct cv *cv, const char *s);
void cv_nl(struct cv *cv);
void cv_blank(struct cv *cv);
void cv_put_lines(struct cv *cv, const char *s, size_t n);
size_t cv_frame_prefix(struct cv *cv, char *buf, size_t cap);
void cv_il_move(struct cv *cv, size_t from, size_t to);
void cv_il_spill(struct cv *cv);
extern size_t cv_spill_bytes;
/* Streaming thresholds (0: the default), for tests: lowered, every list and
 * paragraph of a page streams, and the Markdown must not change. */
void cv_stream_thresholds(size_t items, size_t inline_children, size_t text, size_t spill);
/* convert_stream.c: the parse hooks of convert.c write open blocks with these. */
extern size_t cv_stream_text;
int cv_is_flow(struct cv *cv, xmlNode *n);
void cv_render_free(struct cv *cv, xmlNode *parent, xmlNode *last);
void cv_free_upto(xmlNode *parent, xmlNode *stop);
void cv_render_before(struct cv *cv, xmlNode *n);
void cv_stream_begin(struct cv *cv, xmlNode *n, uintptr_t flag);
int cv_stream_list(struct cv *cv, xmlNode *li);
void cv_stream_inline(struct cv *cv, xmlNode *n);
int cv_streams_inline(struct cv *cv, xmlNode *par);
void cv_il_text(struct cv *cv, const char *s, size_t n);
void cv_il_insert(struct cv *cv, size_t at, const char *s, size_t n);
void cv_il_raw(struct cv *cv, const char *s, size_t n);
void cv_il_raws(struct cv *cv, const char *s);
void cv_il_flush_space(struct cv *cv);
void cv_il_break(struct cv *cv);
void cv_il_hole(struct cv *cv, enum cv_hole_kind kind, const char *arg);
void cv_add_hole(struct cv *cv, size_t off, enum cv_hole_kind kind, int minl, int maxl,
                 const char *arg);
void cv_html_esc(struct cv *cv, struct cv_buf *b, const char *s, size_t n);
void cv_md_esc(struct cv *cv, struct cv_buf *b, const char *s);
void cv_url(struct cv *cv, struct cv_buf *b, const char *s, int strict);
int cv_utf8_dec(const unsigned char *s, size_t n, uint32_t *cp);
int cv_utf8_prev(const unsigned char *s, size_t n, uint32_t *cp);
int cv_is_ws(uint32_t c);
int cv_is_punct(uint32_t c);
size_t cv_utf8_enc(uint32_t c, char *out);
char *cv_strndup(struct cv *cv, const char *s, size_t n);

/* --- rendering (convert_block.c, convert_inline.c, convert_table.c, convert_macro.c,
 *     convert_adf.c, convert_mount.c) --- */
void cv_flow(struct cv *cv, xmlNode *first, xmlNode *stop);
void cv_flow_part(struct cv *cv, xmlNode *first, xmlNode *stop);
void cv_list_open(struct cv *cv, xmlNode *n, struct cv_list *l);
void cv_list_items(struct cv *cv, xmlNode *first, xmlNode *stop, struct cv_list *l);
void cv_flow_lead(struct cv *cv, xmlNode *first, xmlNode *stop);
int cv_list_alt(struct cv *cv, int kind);
void cv_list_done(struct cv *cv, int alt, int kind);
void cv_para_flush(struct cv *cv);
void cv_il_trim(struct cv *cv);
void cv_block(struct cv *cv, xmlNode *n);
void cv_inline(struct cv *cv, xmlNode *n);
void cv_inline_children(struct cv *cv, xmlNode *n);
void cv_code_span(struct cv *cv, const char *text);
void cv_emph_close(struct cv *cv, xmlNode *n, size_t mark, const char *md, const char *ho,
                   const char *hc);
void cv_code_block(struct cv *cv, const char *lang, const char *text, size_t len);
void cv_details(struct cv *cv, const char *title, xmlNode *first, xmlNode *stop, xmlNode *skip);
int cv_details_open(struct cv *cv, const char *title, size_t *before);
void cv_details_close(struct cv *cv, size_t before);
void cv_table(struct cv *cv, xmlNode *table);
int cv_table_rows(struct cv *cv, xmlNode *table);
int cv_table_stream_start(struct cv *cv, xmlNode *t, void *rows, int kind);
enum cv_kind cv_macro_kind(struct cv *cv, xmlNode *macro);
void cv_macro_block(struct cv *cv, xmlNode *macro);
void cv_macro_inline(struct cv *cv, xmlNode *macro);
void cv_alert(struct cv *cv, const char *type, const char *title, const char *lead, xmlNode *body);
void cv_adf(struct cv *cv, xmlNode *n);
int cv_mount_macro(struct cv *cv, xmlNode *m, const char *name);
int cv_emoji_hex(const char *id, char *out, size_t cap);
void cv_comment(struct cv *cv, struct cv_buf *b, const char *what, const char *name);
void cv_heading_add(struct cv *cv, int level, const char *text, const char *id);
char *cv_md_plain(struct cv *cv, const char *md, size_t n);
void cv_il_anchor(struct cv *cv, const char *name);
int cv_elem_anchor(struct cv *cv, xmlNode *n);
char *cv_anchor_slug(struct cv *cv, const char *title, const char *anchor);
void cv_link(struct cv *cv, xmlNode *link);
int cv_page_keyword(const char *title);
void cv_image(struct cv *cv, xmlNode *img);
void cv_ri_link(struct cv *cv, xmlNode *ri, const char *anchor, xmlNode *body);
void cv_finish(struct cv *cv, char **out, size_t *out_len);
void cv_map_add(struct cv *cv, size_t storage_end);

/* --- include, excerpt-include (convert_include.c) --- */
int cv_convert(const char *in, size_t len, const struct cfs_convert_ctx *ctx,
               const struct cv_incl *incl, int excerpt_only, const char *resolve, struct cv *into,
               char **out, size_t *out_len);
void cv_resolve_finish(struct cv *cv, char **out, size_t *out_len);
char *cv_anchor_in(struct cv *cv, const char *space, const char *title, const char *anchor);
char *cv_macro_target(struct cv *cv, xmlNode *m, const char *param, char **space);
int cv_include(struct cv *cv, xmlNode *m, int excerpt);
void cv_excerpt_only(struct cv *cv, xmlNode *first, xmlNode *stop);

#endif
