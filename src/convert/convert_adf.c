/* convert_adf: nodes of the Cloud editor (ac:adf-extension) — panels, decision lists, others. */
#include <stdlib.h>
#include <string.h>

#include "convert_int.h"

/*
 * <ac:adf-extension>
 *   <ac:adf-node type="panel">
 *     <ac:adf-attribute key="panel-type">note</ac:adf-attribute>
 *     <ac:adf-content>...</ac:adf-content>
 *   </ac:adf-node>
 *   <ac:adf-fallback>the same as classic HTML</ac:adf-fallback>
 * </ac:adf-extension>
 *
 * Nodes we understand render from ac:adf-node (the fallback is a copy of the
 * same text); any other node from its fallback, else its content, else a
 * comment naming its type.
 */

static int is_ac(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && n->ns &&
	       !strcmp((const char *)n->ns->href, CV_NS_AC);
}

/* The text of <ac:adf-attribute key="key">, or NULL. */
static char *adf_attr(struct cv *cv, xmlNode *node, const char *key)
{
	for (xmlNode *c = node->children; c; c = c->next) {
		char *f;
		const char *k;
		int match;

		if (!is_ac(c, "adf-attribute"))
			continue;
		k = cv_attr(cv, c, NULL, "key", &f);
		match = k && !strcmp(k, key);
		free(f);
		if (match)
			return cv_text_of(cv, c, 1);
	}
	return NULL;
}

/* The same alerts as the classic panels and Cloud panel icons (convert_macro.c). */
static const char *panel_alert(const char *type)
{
	static const struct {
		const char *type, *alert;
	} map[] = {
	    {"info", "NOTE"},   {"note", "IMPORTANT"},  {"tip", "TIP"},
	    {"success", "TIP"}, {"warning", "WARNING"}, {"error", "CAUTION"},
	};

	for (size_t i = 0; type && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(type, map[i].type))
			return map[i].alert;
	return "NOTE";
}

/* A custom panel's emoji: its text, else its id ("1f680"), else its short name (":rocket:"). */
static char *panel_emoji(struct cv *cv, xmlNode *node)
{
	char *t = adf_attr(cv, node, "panel-icon-text");
	char hex[64];

	if (t && *t)
		return t;
	free(t);
	t = adf_attr(cv, node, "panel-icon-id");
	if (t && cv_emoji_hex(t, hex, sizeof(hex)) > 0) {
		free(t);
		return cv_strndup(cv, hex, strlen(hex));
	}
	free(t);
	t = adf_attr(cv, node, "panel-icon");
	if (t && *t)
		return t;
	free(t);
	return NULL;
}

static void panel(struct cv *cv, xmlNode *node, xmlNode *content, xmlNode *fb)
{
	char *type = adf_attr(cv, node, "panel-type");
	char *emoji = type && !strcmp(type, "custom") ? panel_emoji(cv, node) : NULL;
	struct cv_buf lead = {0};

	/* the emoji is text: escape it like text (a ":rocket:" name stays as typed) */
	if (emoji)
		cv_md_esc(cv, &lead, emoji);
	cv_alert(cv, panel_alert(type), NULL, lead.p, content ? content : fb);
	free(lead.p);
	free(emoji);
	free(type);
}

/* "- **Decision:** text" per decision-item ("**Undecided:**" for an open one). */
static void decision_list(struct cv *cv, xmlNode *node)
{
	int alt = cv_list_alt(cv, 1);

	cv_blk_begin(cv, B_LIST, 1);
	for (xmlNode *c = node->children; c; c = c->next) {
		xmlNode *body;
		char *state;

		if (!is_ac(c, "adf-node"))
			continue;
		body = cv_child(c, T_ADF_CONTENT);
		state = adf_attr(cv, c, "state");
		if (cv_push(cv, alt ? "* " : "- ", "  ", 1, 1) < 0) {
			free(state);
			cv_adf(cv, c);
			continue;
		}
		cv_il_raws(cv, state && !strcmp(state, "UNDECIDED") ? "**Undecided:**"
		                                                    : "**Decision:**");
		cv->il_space = 1;
		cv_flow_lead(cv, body ? body->children : c->children, NULL);
		cv_pop(cv);
		free(state);
	}
	cv_list_done(cv, alt, 1);
}

/* A node we do not know: its fallback, else its content, else a comment. */
static void other(struct cv *cv, xmlNode *node, const char *type, xmlNode *fb)
{
	struct cv_buf c = {0};

	if (fb) {
		cv_flow(cv, fb->children, NULL);
		return;
	}
	for (xmlNode *k = node->children; k; k = k->next) {
		if (!cv_blank_text(k) && cv_kind(cv, k) != K_SKIP) {
			cv_flow(cv, node->children, NULL);
			return;
		}
	}
	cv_comment(cv, &c, "confluence adf", type && *type ? type : "");
	cv_blk_begin(cv, B_HTML, 1);
	cv_puts(cv, c.p ? c.p : "");
	cv_blk_end(cv, B_HTML);
	free(c.p);
}

static void adf_node(struct cv *cv, xmlNode *node, xmlNode *fb)
{
	char *f;
	const char *type = cv_attr(cv, node, NULL, "type", &f);

	if (type && !strcmp(type, "panel"))
		panel(cv, node, cv_child(node, T_ADF_CONTENT), fb);
	else if (type && !strcmp(type, "decision-list"))
		decision_list(cv, node);
	else
		other(cv, node, type, fb);
	free(f);
}

/* An ac:adf-extension, or an ac:adf-node met in flow content (nested in another's content). */
void cv_adf(struct cv *cv, xmlNode *n)
{
	xmlNode *fb, *node;

	if (cv_tag(n) == T_ADF_NODE) {
		adf_node(cv, n, NULL);
		return;
	}
	fb = cv_child(n, T_ADF_FALLBACK);
	node = cv_child(n, T_ADF_NODE);
	if (node)
		adf_node(cv, node, fb);
	else
		cv_flow(cv, fb ? fb->children : n->children, NULL);
}
