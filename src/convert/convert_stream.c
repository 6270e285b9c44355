/* convert_stream: writing a block while it is still open — what precedes it
 * first, then a huge list item by item, a huge paragraph or inline run in
 * steps of children, huge text at whitespace — so that memory stays bounded
 * by the part being parsed, not the block (docs/convert.md, "Memory").  The
 * parse hooks in convert.c decide when; the Markdown is the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>

#include "convert_int.h"

int cv_is_flow(struct cv *cv, xmlNode *n)
{
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
		enum cv_tag t = cv_tag(n);

		if (t == T_ROOT)
			return 1;
		if (t != T_LAYOUT)
			return 0;
	}
	(void)cv;
	return 0;
}

/* Render the children of parent up to and including last, then free them. */
void cv_render_free(struct cv *cv, xmlNode *parent, xmlNode *last)
{
	xmlNode *c, *next, *stop = last ? last->next : NULL;

	if (cv->excerpt_only)
		cv_excerpt_only(cv, parent->children, stop);
	else
		cv_flow(cv, parent->children, stop);
	for (c = parent->children; c && c != stop; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
}

/* Free the children of parent from its first up to stop (not included). */
void cv_free_upto(xmlNode *parent, xmlNode *stop)
{
	xmlNode *c, *next;

	for (c = parent->children; c && c != stop; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
}

/*
 * Before a block of a flow container is written while it is still open (a huge
 * list, paragraph, table): what precedes it, at every level up to the root
 * (a layout cell's section, its layout), is rendered and freed first.
 */
void cv_render_before(struct cv *cv, xmlNode *n)
{
	xmlNode *chain[CV_MAX_DOM_DEPTH + 1];
	int k = 0;

	for (xmlNode *a = n; a && a->type == XML_ELEMENT_NODE && k < CV_MAX_DOM_DEPTH;
	     a = a->parent)
		chain[k++] = a;
	while (k-- > 0) /* the top first */
		if (chain[k]->prev && chain[k]->parent &&
		    chain[k]->parent->type == XML_ELEMENT_NODE)
			cv_render_free(cv, chain[k]->parent, chain[k]->prev);
}

/*
 * Start writing block n while it is open: what precedes it first.  With
 * CV_ISTREAM its close, and that of the flow containers around it, does not
 * end the paragraph the inline buffer holds (also when the parse stops and
 * the open elements are rendered from the root down).
 */
void cv_stream_begin(struct cv *cv, xmlNode *n, uintptr_t flag)
{
	if ((uintptr_t)n->_private & flag)
		return;
	cv_render_before(cv, n);
	for (xmlNode *a = n; a && a->type == XML_ELEMENT_NODE;
	     a = flag == CV_ISTREAM ? a->parent : NULL)
		a->_private = (void *)((uintptr_t)a->_private | flag);
}

/*
 * A huge list in a flow container is written as its items close: past
 * CV_STREAM_ITEMS items, the list's block is opened (what precedes it first),
 * every item so far is written and freed, and then each one as it closes;
 * cv_block() writes the rest and closes it.  The Markdown is the same.
 */
#define CV_STREAM_ITEMS 1024

/* The streaming thresholds (items, inline children, text bytes); tests lower
 * them to stream every list and paragraph of the fixtures. */
static size_t stream_items = CV_STREAM_ITEMS, stream_inline_n = 4096;
size_t cv_stream_text = (size_t)1 << 20;

void cv_stream_thresholds(size_t items, size_t inline_children, size_t text, size_t spill)
{
	stream_items = items ? items : CV_STREAM_ITEMS;
	stream_inline_n = inline_children ? inline_children : 4096;
	cv_stream_text = text ? text : (size_t)1 << 20;
	cv_spill_bytes = spill ? spill : (size_t)1 << 20;
}

int cv_stream_list(struct cv *cv, xmlNode *li)
{
	xmlNode *l = li->parent;

	if (!l || l->type != XML_ELEMENT_NODE || (cv_tag(l) != T_UL && cv_tag(l) != T_OL) ||
	    CV_IS_FLAT(l) || !cv_is_flow(cv, l->parent))
		return 0;
	if (!((uintptr_t)l->_private & CV_LSTREAM)) {
		if (cv->slist != l) {
			cv->slist = l;
			cv->slist_n = 0;
		}
		if (++cv->slist_n < stream_items)
			return 0;
		cv_stream_begin(cv, l, CV_LSTREAM);
		cv_list_open(cv, l, &cv->lst);
	}
	cv_list_items(cv, l->children, li->next, &cv->lst);
	cv_free_upto(l, li->next);
	return 1;
}

/*
 * A huge paragraph (p or div) in a flow container, or a huge run of inline
 * content directly in one, is rendered into the inline buffer as it comes:
 * every 4,096 children (stream_inline_n), those before the one that just closed are
 * rendered and freed (that one stays: emphasis looks at what follows).  The
 * paragraph is written when it closes; the Markdown is the same.  A paragraph
 * with an id is not streamed (its anchor opens it).
 */
int cv_streams_inline(struct cv *cv, xmlNode *par);

void cv_stream_inline(struct cv *cv, xmlNode *n)
{
	xmlNode *par = n->parent;

	if (cv_kind(cv, n) == K_SKIP)
		return;
	if (cv->srun != par) {
		cv->srun = par;
		cv->srun_n = 0;
	}
	if (++cv->srun_n < stream_inline_n)
		return;
	cv->srun_n = 0;
	if (!cv_streams_inline(cv, par))
		return;
	cv_stream_begin(cv, par, CV_ISTREAM);
	cv_flow_part(cv, par->children, n);
	cv_free_upto(par, n);
	cv_il_spill(cv);
}

/* Is par a paragraph (or flow container) whose inline content may stream? */
int cv_streams_inline(struct cv *cv, xmlNode *par)
{
	char *f;
	const char *id;
	int has;

	if (cv->excerpt_only || cv->html_nest > 0 || cv->err || !par ||
	    par->type != XML_ELEMENT_NODE)
		return 0;
	if (cv_is_flow(cv, par))
		return 1;
	if ((cv_tag(par) != T_P && cv_tag(par) != T_DIV) || CV_IS_FLAT(par) ||
	    !cv_is_flow(cv, par->parent))
		return 0;
	if ((uintptr_t)par->_private & CV_ISTREAM)
		return 1;
	id = cv_attr(cv, par, NULL, "id", &f);
	has = id && *id; /* id may be f */
	free(f);
	return !has;
}
