/* test_convert_units: one construct per case, the input and the exact Markdown expected. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#include "convert.h"

/* --- Cloud editor (ADF) nodes ------------------------------------------- */

#define ADF_PANEL(type, attrs, body)                                                               \
	"<ac:adf-extension><ac:adf-node type=\"panel\"><ac:adf-attribute key=\"panel-type\">" type \
	"</ac:adf-attribute>" attrs "<ac:adf-content>" body "</ac:adf-content></ac:adf-node>"      \
	"<ac:adf-fallback><div class=\"panel\">" body                                              \
	"</div></ac:adf-fallback></ac:adf-extension>"

#define DECISION(state, body)                                                                      \
	"<ac:adf-node type=\"decision-item\"><ac:adf-attribute "                                   \
	"key=\"local-id\">3b</ac:adf-attribute>"                                                   \
	"<ac:adf-attribute key=\"state\">" state "</ac:adf-attribute><ac:adf-content>" body        \
	"</ac:adf-content></ac:adf-node>"

#define DECISIONS(items)                                                                           \
	"<ac:adf-extension><ac:adf-node type=\"decision-list\"><ac:adf-attribute "                 \
	"key=\"local-id\">"                                                                        \
	"fb</ac:adf-attribute>" items "</ac:adf-node>"                                             \
	"<ac:adf-fallback><ul class=\"decision-list\"><li>fallback</li></ul></ac:adf-fallback>"    \
	"</ac:adf-extension>"

struct ucase {
	const char *name, *in, *want;
};

static const struct ucase cases[] = {
    /* every panel type: the same alerts as the classic macros and Cloud panel icons,
       the body once (not again from the fallback) */
    {"adf panel info", ADF_PANEL("info", "", "<p>Read this.</p>"), "> [!NOTE]\n> Read this.\n"},
    {"adf panel note", ADF_PANEL("note", "", "<p>Read this.</p>"),
     "> [!IMPORTANT]\n> Read this.\n"},
    {"adf panel tip", ADF_PANEL("tip", "", "<p>Read this.</p>"), "> [!TIP]\n> Read this.\n"},
    {"adf panel success", ADF_PANEL("success", "", "<p>Read this.</p>"),
     "> [!TIP]\n> Read this.\n"},
    {"adf panel warning", ADF_PANEL("warning", "", "<p>Read this.</p>"),
     "> [!WARNING]\n> Read this.\n"},
    {"adf panel error", ADF_PANEL("error", "", "<p>Read this.</p>"),
     "> [!CAUTION]\n> Read this.\n"},
    {"adf panel of an unknown type", ADF_PANEL("sparkly", "", "<p>Read this.</p>"),
     "> [!NOTE]\n> Read this.\n"},
    {"adf panel custom, emoji text",
     ADF_PANEL("custom",
               "<ac:adf-attribute key=\"panel-icon\">:rocket:</ac:adf-attribute>"
               "<ac:adf-attribute key=\"panel-icon-id\">1f680</ac:adf-attribute>"
               "<ac:adf-attribute key=\"panel-icon-text\">\xF0\x9F\x9A\x80</ac:adf-attribute>"
               "<ac:adf-attribute key=\"panel-color\">#E3FCEF</ac:adf-attribute>",
               "<p>Launch day.</p>"),
     "> [!NOTE]\n> \xF0\x9F\x9A\x80 Launch day.\n"},
    {"adf panel custom, emoji id sequence",
     ADF_PANEL("custom",
               "<ac:adf-attribute key=\"panel-icon-id\">1f469-200d-1f4bb</ac:adf-attribute>",
               "<p>Coder.</p>"),
     "> [!NOTE]\n> \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB Coder.\n"},
    {"adf panel custom, short name only",
     ADF_PANEL("custom",
               "<ac:adf-attribute key=\"panel-icon\">:check_mark:</ac:adf-attribute>"
               "<ac:adf-attribute key=\"panel-icon-id\">atlassian-check_mark</ac:adf-attribute>",
               "<p>Checked.</p>"),
     "> [!NOTE]\n> :check\\_mark: Checked.\n"},
    {"adf panel custom, no icon", ADF_PANEL("custom", "", "<p>Plain.</p>"),
     "> [!NOTE]\n> Plain.\n"},
    {"adf panel with blocks", ADF_PANEL("info", "", "<p>Multi</p><ul><li>one</li></ul><p>end</p>"),
     "> [!NOTE]\n> Multi\n>\n> - one\n>\n> end\n"},
    {"adf panel with only a fallback",
     "<ac:adf-extension><ac:adf-node type=\"panel\"><ac:adf-attribute key=\"panel-type\">success"
     "</ac:adf-attribute></ac:adf-node><ac:adf-fallback><div class=\"panel\"><p>From fallback."
     "</p></div></ac:adf-fallback></ac:adf-extension>",
     "> [!TIP]\n> From fallback.\n"},
    {"adf panel without a fallback",
     "<ac:adf-extension><ac:adf-node type=\"panel\"><ac:adf-attribute key=\"panel-type\">error"
     "</ac:adf-attribute><ac:adf-content><p>Stop.</p></ac:adf-content></ac:adf-node>"
     "</ac:adf-extension>",
     "> [!CAUTION]\n> Stop.\n"},
    {"adf panel empty", ADF_PANEL("info", "", ""), ""},
    /* nested: GitHub shows alerts only at top level, so a labelled quote, as classic panels */
    {"adf panel in an expand",
     "<ac:structured-macro ac:name=\"expand\"><ac:parameter ac:name=\"title\">More"
     "</ac:parameter><ac:rich-text-body>" ADF_PANEL(
         "warning", "", "<p>Careful.</p>") "</ac:rich-text-body></ac:structured-macro>",
     "<details>\n<summary>More</summary>\n\n> **Warning:**\n>\n> Careful.\n\n</details>\n"},
    {"adf panel in a list",
     "<ul><li><p>Step one</p>" ADF_PANEL("tip", "", "<p>Hint.</p>") "</li></ul>",
     "- Step one\n\n  > **Tip:**\n  >\n  > Hint.\n"},
    {"adf panel in a panel",
     "<ac:adf-extension><ac:adf-node type=\"panel\"><ac:adf-attribute key=\"panel-type\">info"
     "</ac:adf-attribute><ac:adf-content><p>Outer.</p>" ADF_PANEL(
         "error", "", "<p>Inner.</p>") "</ac:adf-content></ac:adf-node></ac:adf-extension>",
     "> [!NOTE]\n> Outer.\n>\n> > **Caution:**\n> >\n> > Inner.\n"},
    {"classic panel in an expand (the same)",
     "<ac:structured-macro ac:name=\"expand\"><ac:parameter ac:name=\"title\">More"
     "</ac:parameter><ac:rich-text-body><ac:structured-macro ac:name=\"note\"><ac:rich-text-body>"
     "<p>Careful.</p></ac:rich-text-body></ac:structured-macro></ac:rich-text-body>"
     "</ac:structured-macro>",
     "<details>\n<summary>More</summary>\n\n> **Warning:**\n>\n> Careful.\n\n</details>\n"},
    /* decision lists */
    {"adf decision list",
     DECISIONS(DECISION("DECIDED", "We ship on <strong>Tuesdays</strong>")
                   DECISION("UNDECIDED", "<p>Whether to add images</p>")),
     "- **Decision:** We ship on **Tuesdays**\n- **Undecided:** Whether to add images\n"},
    {"adf decision list after a list",
     "<ul><li>a</li></ul>" DECISIONS(DECISION("DECIDED", "- not a list")),
     "- a\n\n* **Decision:** - not a list\n"},
    {"adf decision list in a panel", ADF_PANEL("info", "", DECISIONS(DECISION("DECIDED", "Yes"))),
     "> [!NOTE]\n> - **Decision:** Yes\n"},
    {"adf decision list as a bare node in a panel",
     "<ac:adf-extension><ac:adf-node type=\"panel\"><ac:adf-attribute key=\"panel-type\">info"
     "</ac:adf-attribute><ac:adf-content><ac:adf-node type=\"decision-list\">" DECISION(
         "DECIDED", "Yes") "</ac:adf-node></ac:adf-content></ac:adf-node></ac:adf-extension>",
     "> [!NOTE]\n> - **Decision:** Yes\n"},
    {"adf decision list in a list item",
     "<ol><li>x" DECISIONS(DECISION("DECIDED", "Yes")) "</li></ol>",
     "1. x\n   - **Decision:** Yes\n"},
    /* other nodes: fallback, else content, else a comment naming the type */
    {"adf other node: its fallback",
     "<ac:adf-extension><ac:adf-node type=\"bodied-extension\"><ac:adf-attribute key=\""
     "extension-key\">x</ac:adf-attribute><ac:adf-content><p>content</p></ac:adf-content>"
     "</ac:adf-node><ac:adf-fallback><p>From <em>fallback</em>.</p></ac:adf-fallback>"
     "</ac:adf-extension>",
     "From *fallback*.\n"},
    {"adf other node: its content",
     "<ac:adf-extension><ac:adf-node type=\"bodied-sync-block\"><ac:adf-attribute key=\""
     "resource-id\">fe</ac:adf-attribute><ac:adf-content><h2>Synced</h2><p>Shared text.</p>"
     "</ac:adf-content></ac:adf-node></ac:adf-extension>",
     "## Synced\n\nShared text.\n"},
    {"adf other node: neither",
     "<p>Before</p><ac:adf-extension><ac:adf-node type=\"extension\"><ac:adf-attribute key=\""
     "extension-key\">app/static/x</ac:adf-attribute><ac:adf-attribute key=\"parameters\">"
     "<ac:adf-parameter key=\"local-id\">1</ac:adf-parameter></ac:adf-attribute></ac:adf-node>"
     "</ac:adf-extension><p>After</p>",
     "Before\n\n<!-- confluence adf: extension -->\n\nAfter\n"},
    {"adf other node: no type, a type unsafe in a comment",
     "<ac:adf-extension><ac:adf-node/></ac:adf-extension><ac:adf-extension><ac:adf-node type=\""
     "a--b&gt;c\"/></ac:adf-extension>",
     "<!-- confluence adf: (unnamed) -->\n\n<!-- confluence adf: a_-b_c -->\n"},
    {"adf extension without a node: its fallback",
     "<ac:adf-extension><ac:adf-fallback><p>Only this.</p></ac:adf-fallback></ac:adf-extension>",
     "Only this.\n"},
    /* a link whose text is its URL */
    {"smart link",
     "<p><a href=\"https://x.org/a_b*c\" data-card-appearance=\"inline\">"
     "https://x.org/a_b*c</a></p>",
     "<https://x.org/a_b*c>\n"},
    {"url link without a body", "<p><ac:link><ri:url ri:value=\"https://y.com/\"/></ac:link></p>",
     "<https://y.com/>\n"},
    {"link with other text", "<p><a href=\"https://z.com/\">other</a></p>",
     "[other](https://z.com/)\n"},
    {"linked image",
     "<p><a href=\"https://q.com/\"><img src=\"https://q.com/i.png\" alt=\"i\"/></a></p>",
     "[![i](https://q.com/i.png)](https://q.com/)\n"},
    {"url with a space is no autolink",
     "<p><a href=\"https://e.com/a b\">https://e.com/a b</a></p>",
     "[https://e.com/a b](https://e.com/a%20b)\n"},
    {"javascript stays text", "<p><a href=\"javascript:x()\">javascript:x()</a></p>",
     "javascript:x()\n"},
    {"autolink in a table cell",
     "<table><tbody><tr><th>h</th></tr><tr><td><a href=\"https://t.com/?a|b\">https://t.com/?a|b"
     "</a> <a href=\"https://t.com/\">https://t.com/</a></td></tr></tbody></table>",
     "| h |\n| --- |\n| [https://t.com/?a\\|b](https://t.com/?a%7Cb) <https://t.com/> |\n"},
    /* styles */
    {"struck span",
     "<ul><li><span style=\"text-decoration: line-through;\">Old item</span></li></ul>",
     "- ~~Old item~~\n"},
    {"struck span, any case", "<p><span style=\"TEXT-DECORATION:LINE-THROUGH\">caps</span> x</p>",
     "~~caps~~ x\n"},
    {"underlined span, colour dropped",
     "<p>New <span style=\"color: rgb(255,0,0);text-decoration: underline;\">red</span> one</p>",
     "New <ins>red</ins> one\n"},
    {"struck and underlined inside a word",
     "<p>x<span style=\"text-decoration: underline line-through;\">both</span>y</p>",
     "x<del><ins>both</ins></del>y\n"},
    {"colour only", "<p><span style=\"color: #f00\">red</span> text</p>", "red text\n"},
    {"emphasis around blocks keeps the text",
     "<p><strong><p>Block in bold</p></strong> <a href=\"https://x.com/\"><p>block "
     "link</p></a></p>",
     "Block in bold\n\nblock link\n"},
};

START_TEST(test_case)
{
	const struct ucase *c = &cases[_i];
	char *out = NULL;
	size_t n = 0;

	ck_assert_int_eq(cfs_convert(c->in, strlen(c->in), NULL, &out, &n), 0);
	ck_assert_msg(!strcmp(out, c->want), "%s\n--- input\n%s\n--- got\n%s--- want\n%s", c->name,
	              c->in, out, c->want);
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("convert-units");
	TCase *t = tcase_create("cases");
	SRunner *sr;
	int failed;

	xmlInitParser();
	tcase_add_loop_test(t, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
