/* test_convert_units: one construct per case, the input and the exact Markdown expected. */
#include <check.h>
#include <stdio.h>
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

/* A mount where every page of the space is a file next to this one. */
static char *page_path(void *arg, const char *space, const char *title)
{
	size_t n = strlen(title) + 4;
	char *p = malloc(n);

	(void)arg;
	if (space)
		return NULL;
	snprintf(p, n, "%s.md", title);
	return p;
}

static char *user_name(void *arg, const char *id)
{
	(void)arg;
	return !strcmp(id, "557058:abc") ? strdup("Ada Lovelace") : NULL;
}

/* The pages under a page: its arguments as the first entry, then a fixed tree. */
static int list_pages(void *arg, const char *space, const char *title, int depth, const char *sort,
                      int reverse, void (*emit)(void *, int, const char *, const char *), void *ea)
{
	char args[256];

	(void)arg;
	if (title && !strcmp(title, "Nowhere"))
		return -1;
	snprintf(args, sizeof(args), "space=%s title=%s depth=%d sort=%s reverse=%d",
	         space ? space : "-", title ? title : "-", depth, sort ? sort : "-", reverse);
	emit(ea, 1, args, "args.md");
	emit(ea, 1, "Child [A]", "Home/Child [A].md");
	if (depth == 0 || depth > 1)
		emit(ea, 2, "Grandchild", "Home/Child [A]/Grandchild.md");
	emit(ea, 1, "Child B", "Home/Child B.md");
	return 0;
}

static int list_attachments(void *arg, const char *space, const char *title,
                            void (*emit)(void *, int, const char *, const char *), void *ea)
{
	(void)arg;
	(void)space;
	if (title && strcmp(title, "@self") != 0)
		return -1;
	emit(ea, 1, "notes.txt", "Home/_attachments/notes.txt");
	emit(ea, 1, "topo (1).png", "Home/_attachments/topo (1).png");
	emit(ea, 1, "shot.JPG", "Home/_attachments/shot.JPG");
	return 0;
}

/* Pages by recency: the arguments, then two pages; labels "none": unknown. */
static int list_recent(void *arg, const char *space, const char *labels, int max,
                       void (*emit)(void *, int, const char *, const char *), void *ea)
{
	char args[256];

	(void)arg;
	if (labels && !strcmp(labels, "none"))
		return -1;
	snprintf(args, sizeof(args), "space=%s labels=%s max=%d", space ? space : "-",
	         labels ? labels : "-", max);
	emit(ea, 1, args, "args.md");
	emit(ea, 1, "Newest", "Newest.md");
	return 0;
}

static const struct cfs_convert_ctx mount = {
    .list_recent = list_recent,
    .list_pages = list_pages,
    .list_attachments = list_attachments,
    .base_url = "https://acme.atlassian.net/wiki",
    .space_key = "ENG",
    .title = "Home",
    .page_path = page_path,
    .user_name = user_name,
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
    /* anchors: GitHub's slugs of the heading as rendered */
    {"slug keeps letters of any script, drops other numbers and variation-less symbols",
     "<ac:structured-macro ac:name=\"toc\"/><h1>Caf\xC3\xA9 \xC3\x9C"
     "ber \xD0\x9C\xD0\xB8\xD1\x80 "
     "x\xC2\xB2 "
     "\xC2\xBD snake_case</h1>",
     "- [Caf\xC3\xA9 \xC3\x9C"
     "ber \xD0\x9C\xD0\xB8\xD1\x80 x\xC2\xB2 \xC2\xBD snake\\_case]"
     "(#caf\xC3\xA9"
     "-\xC3\xBC"
     "ber-\xD0\xBC\xD0\xB8\xD1\x80-x--snake_case)\n\n"
     "# Caf\xC3\xA9 \xC3\x9C"
     "ber \xD0\x9C\xD0\xB8\xD1\x80 x\xC2\xB2 \xC2\xBD snake_case\n"},
    {"anchors: Cloud form, with spaces, DC form, plain href",
     "<h2>Getting started</h2><p><ac:link ac:anchor=\"Getting-started\"/> "
     "<ac:link ac:anchor=\"Getting started\"><ac:plain-text-link-body><![CDATA[spaces]]>"
     "</ac:plain-text-link-body></ac:link> "
     "<ac:link ac:anchor=\"Gettingstarted\"><ac:plain-text-link-body><![CDATA[dc]]>"
     "</ac:plain-text-link-body></ac:link> <a href=\"#Getting-started\">plain</a></p>",
     "## Getting started\n\n[Getting-started](#getting-started) [spaces](#getting-started) "
     "[dc](#getting-started) [plain](#getting-started)\n"},
    {"anchor macro wins, dangling anchors keep their text",
     "<h2>Spot</h2><p><ac:structured-macro ac:name=\"anchor\"><ac:parameter ac:name=\"\">Spot"
     "</ac:parameter></ac:structured-macro>here</p><p><a href=\"#Spot\">to macro</a> "
     "<a href=\"#nowhere\">dead <b>link</b></a> end</p>",
     "## Spot\n\n<a id=\"Spot\"></a>here\n\n[to macro](#Spot) dead **link** end\n"},
    {"element ids are targets (footnotes)",
     "<p>Note<sup id=\"fnref:1\"><a href=\"#fn:1\">1</a></sup></p><ol><li id=\"fn:1\">"
     "<p>The note <a href=\"#fnref:1\">back</a></p></li></ol>",
     "Note<a id=\"fnref:1\"></a><sup>[1](#fn:1)</sup>\n\n"
     "1. <a id=\"fn:1\"></a>The note [back](#fnref:1)\n"},
    /* readability */
    {"hidden excerpt is not shown",
     "<ac:structured-macro ac:name=\"excerpt\"><ac:parameter ac:name=\"hidden\">true"
     "</ac:parameter><ac:rich-text-body><p>Secret summary</p></ac:rich-text-body>"
     "</ac:structured-macro><p>Body <ac:structured-macro ac:name=\"excerpt\"><ac:parameter "
     "ac:name=\"hidden\">true</ac:parameter><ac:rich-text-body>inline</ac:rich-text-body>"
     "</ac:structured-macro>end</p><ac:structured-macro ac:name=\"excerpt\"><ac:rich-text-body>"
     "<p>Shown summary</p></ac:rich-text-body></ac:structured-macro>",
     "Body end\n\nShown summary\n"},
    {"custom emoji: its short name, not a star",
     "<p><ac:emoticon ac:name=\"blue-star\" ac:emoji-shortname=\":partyparrot:\" "
     "ac:emoji-id=\"a1b2c3-custom\" ac:emoji-fallback=\":partyparrot:\"/> <ac:emoticon "
     "ac:name=\"smile\" ac:emoji-id=\"1f642\" ac:emoji-fallback=\"\xF0\x9F\x99\x82\"/> "
     "<ac:emoticon ac:name=\"blue-star\"/></p>",
     ":partyparrot: \xF0\x9F\x99\x82 \xE2\xAD\x90\n"},
    {"header cells without forced bold, alignment",
     "<table><tbody><tr><th><p><strong>Name</strong></p></th><th style=\"text-align: "
     "center;\"><strong>Qty</strong></th><th>Price</th></tr><tr><td>a</td><td>1</td><td "
     "style=\"text-align: right;\">2</td></tr><tr><th><strong>Sum</strong></th><td>1</td>"
     "<td align=\"left\">2</td></tr></tbody></table>",
     "| Name | Qty | Price |\n| --- | :---: | ---: |\n| a | 1 | 2 |\n| **Sum** | 1 | 2 |\n"},
    {"header column: GFM with an empty header row and bold first cells",
     "<table><tbody><tr><th>Owner</th><td>Ada</td></tr><tr><th><strong>Status</strong></th>"
     "<td>Done</td></tr></tbody></table>",
     "|  |  |\n| --- | --- |\n| **Owner** | Ada |\n| **Status** | Done |\n"},
    {"table without any header stays HTML",
     "<table><tbody><tr><td>a</td><td>b</td></tr></tbody></table>",
     "<table>\n<tr>\n<td>a</td>\n<td>b</td>\n</tr>\n</table>\n"},
    {"code title as a bold caption",
     "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"title\">setup.sh"
     "</ac:parameter><ac:parameter ac:name=\"language\">bash</ac:parameter>"
     "<ac:plain-text-body><![CDATA[make]]></ac:plain-text-body></ac:structured-macro>",
     "**setup.sh**\n\n```bash\nmake\n```\n"},
    {"collapsed code in details",
     "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"title\">Log</ac:parameter>"
     "<ac:parameter ac:name=\"collapse\">true</ac:parameter><ac:plain-text-body><![CDATA[x]]>"
     "</ac:plain-text-body></ac:structured-macro><ac:structured-macro ac:name=\"code\">"
     "<ac:parameter ac:name=\"collapse\">true</ac:parameter><ac:plain-text-body><![CDATA[y]]>"
     "</ac:plain-text-body></ac:structured-macro>",
     "<details>\n<summary>Log</summary>\n\n```\nx\n```\n\n</details>\n\n<details>\n"
     "<summary>Code</summary>\n\n```\ny\n```\n\n</details>\n"},
    /* HTML's capital X in a character reference (XML has only "&#x"): decoded; a
       reference libxml2 gives up on stays as written (it lost "&#" before) */
    {"character references libxml2 rejects",
     "<p>a &#X263A; b &#X41;&#X41;; c &#12a; d &#xZZ; e &#X110000; f</p>",
     "a \u263a b AA; c \\&#12a; d \\&#xZZ; e \\&#X110000; f\n"},
};

/* The same, converted for a page on a mount (links resolve, names are known). */
static const struct ucase mount_cases[] = {
    {"recently-updated: newest first, 15 by default",
     "<ac:structured-macro ac:name=\"recently-updated\"/>",
     "- [space=- labels=- max=15](args.md)\n- [Newest](Newest.md)\n"},
    {"recently-updated of a space, with labels and max",
     "<ac:structured-macro ac:name=\"recently-updated\"><ac:parameter ac:name=\"spaces\">OPS"
     "</ac:parameter><ac:parameter ac:name=\"labels\">howto</ac:parameter><ac:parameter "
     "ac:name=\"max\">3</ac:parameter></ac:structured-macro>",
     "- [space=OPS labels=howto max=3](args.md)\n- [Newest](Newest.md)\n"},
    {"contentbylabel: by label, 5 by default",
     "<ac:structured-macro ac:name=\"contentbylabel\"><ac:parameter ac:name=\"labels\">a, b"
     "</ac:parameter></ac:structured-macro>",
     "- [space=- labels=a, b max=5](args.md)\n- [Newest](Newest.md)\n"},
    {"contentbylabel by CQL only, or labels the mount does not know: the comment",
     "<ac:structured-macro ac:name=\"contentbylabel\"><ac:parameter ac:name=\"cql\">label = "
     "\"a\"</ac:parameter></ac:structured-macro><ac:structured-macro ac:name=\"contentbylabel\">"
     "<ac:parameter ac:name=\"labels\">none</ac:parameter></ac:structured-macro>",
     "<!-- confluence macro: contentbylabel -->\n\n<!-- confluence macro: contentbylabel -->\n"},
    {"children: this page's children, one level", "<ac:structured-macro ac:name=\"children\"/>",
     "- [space=- title=- depth=1 sort=- reverse=0](args.md)\n"
     "- [Child \\[A\\]](Home/Child%20%5BA%5D.md)\n- [Child B](Home/Child%20B.md)\n"},
    {"children: all levels, sorted, of another page",
     "<ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"all\">true"
     "</ac:parameter><ac:parameter ac:name=\"sort\">title</ac:parameter><ac:parameter "
     "ac:name=\"reverse\">true</ac:parameter><ac:parameter ac:name=\"page\"><ac:link><ri:page "
     "ri:space-key=\"OPS\" ri:content-title=\"Runbooks\"/></ac:link></ac:parameter>"
     "</ac:structured-macro>",
     "- [space=OPS title=Runbooks depth=0 sort=title reverse=1](args.md)\n"
     "- [Child \\[A\\]](Home/Child%20%5BA%5D.md)\n"
     "  - [Grandchild](Home/Child%20%5BA%5D/Grandchild.md)\n- [Child B](Home/Child%20B.md)\n"},
    {"children: depth 2 inside a panel",
     "<ac:structured-macro ac:name=\"info\"><ac:rich-text-body><ac:structured-macro "
     "ac:name=\"children\"><ac:parameter ac:name=\"depth\">2</ac:parameter>"
     "</ac:structured-macro></ac:rich-text-body></ac:structured-macro>",
     "> [!NOTE]\n> - [space=- title=- depth=2 sort=- reverse=0](args.md)\n"
     "> - [Child \\[A\\]](Home/Child%20%5BA%5D.md)\n"
     ">   - [Grandchild](Home/Child%20%5BA%5D/Grandchild.md)\n> - [Child B](Home/Child%20B.md)\n"},
    {"pagetree: from @self, all levels",
     "<ac:structured-macro ac:name=\"pagetree\"><ac:parameter ac:name=\"root\"><ac:link>"
     "<ri:page ri:content-title=\"@self\"/></ac:link></ac:parameter></ac:structured-macro>",
     "- [space=- title=@self depth=0 sort=- reverse=0](args.md)\n"
     "- [Child \\[A\\]](Home/Child%20%5BA%5D.md)\n"
     "  - [Grandchild](Home/Child%20%5BA%5D/Grandchild.md)\n- [Child B](Home/Child%20B.md)\n"},
    {"pagetree without root: the space from its home",
     "<ac:structured-macro ac:name=\"pagetree\"/>",
     "- [space=- title=@home depth=0 sort=- reverse=0](args.md)\n"
     "- [Child \\[A\\]](Home/Child%20%5BA%5D.md)\n"
     "  - [Grandchild](Home/Child%20%5BA%5D/Grandchild.md)\n- [Child B](Home/Child%20B.md)\n"},
    {"children of a page not on the mount: the comment",
     "<ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"page\"><ac:link>"
     "<ri:page ri:content-title=\"Nowhere\"/></ac:link></ac:parameter></ac:structured-macro>",
     "<!-- confluence macro: children -->\n\n[Nowhere](Nowhere.md)\n"},
    {"attachments: links to the files", "<ac:structured-macro ac:name=\"attachments\"/>",
     "- [notes.txt](Home/_attachments/notes.txt)\n"
     "- [topo (1).png](Home/_attachments/topo%20%281%29.png)\n"
     "- [shot.JPG](Home/_attachments/shot.JPG)\n"},
    {"gallery: the images", "<ac:structured-macro ac:name=\"gallery\"/>",
     "![topo (1).png](Home/_attachments/topo%20%281%29.png) "
     "![shot.JPG](Home/_attachments/shot.JPG)\n"},
    {"jira by jql",
     "<p><ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"jql\">project = ENG"
     "</ac:parameter></ac:structured-macro></p>",
     "[Jira: project = ENG](https://acme.atlassian.net/issues/?jql=project%20=%20ENG)\n"},
    {"@self and @parent are no pages",
     "<ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ac:link>"
     "<ri:page ri:content-title=\"@self\"/></ac:link></ac:parameter></ac:structured-macro>"
     "<p><ac:link><ri:page ri:content-title=\"@self\"/></ac:link> and <ac:link><ri:page "
     "ri:content-title=\"@parent\"/></ac:link></p>",
     "<!-- confluence macro: include -->\n\nHome and @parent\n"},
    {"image of another page's attachment, only the page known: a link to the page",
     "<p><ac:image ac:alt=\"x\"><ri:attachment ri:filename=\"o.png\"><ri:page "
     "ri:content-title=\"Other\"/></ri:attachment></ac:image></p>",
     "[x](https://acme.atlassian.net/wiki/display/ENG/Other)\n"},
    {"slugs of symbols, emoji, links, status, mention, jira, date",
     "<ac:structured-macro ac:name=\"toc\"/><h2>\xF0\x9F\x9A\x80 Launch</h2>"
     "<h2>Price \xE2\x82\xAC \xC2\xA9 \xE2\x9C\x85</h2>"
     "<h2>See <ac:link><ri:page ri:content-title=\"Linked page\"/></ac:link> first</h2>"
     "<h2>Status <ac:structured-macro ac:name=\"status\"><ac:parameter ac:name=\"title\">Done"
     "</ac:parameter></ac:structured-macro> <time datetime=\"2024-01-02\"/></h2>"
     "<h2>Ask <ac:link><ri:user ri:account-id=\"557058:abc\"/></ac:link></h2>"
     "<h2>Fix <ac:structured-macro ac:name=\"jira\"><ac:parameter ac:name=\"key\">ENG-12"
     "</ac:parameter></ac:structured-macro></h2>"
     "<h2>A \xE2\x86\x92 B</h2><h2>A \xE2\x86\x92 B</h2>",
     "- [\xF0\x9F\x9A\x80 Launch](#-launch)\n"
     "- [Price \xE2\x82\xAC \xC2\xA9 \xE2\x9C\x85](#price---)\n"
     "- [See Linked page first](#see-linked-page-first)\n"
     "- [Status Done 2024-01-02](#status-done-2024-01-02)\n"
     "- [Ask @Ada Lovelace](#ask-ada-lovelace)\n"
     "- [Fix ENG-12](#fix-eng-12)\n"
     "- [A \xE2\x86\x92 B](#a--b)\n"
     "- [A \xE2\x86\x92 B](#a--b-1)\n\n"
     "## \xF0\x9F\x9A\x80 Launch\n\n"
     "## Price \xE2\x82\xAC \xC2\xA9 \xE2\x9C\x85\n\n"
     "## See [Linked page](Linked%20page.md) first\n\n"
     "## Status **`Done`** 2024-01-02\n\n"
     "## Ask [@Ada Lovelace](https://acme.atlassian.net/wiki/people/557058:abc)\n\n"
     "## Fix [ENG-12](https://acme.atlassian.net/browse/ENG-12)\n\n"
     "## A \xE2\x86\x92 B\n\n"
     "## A \xE2\x86\x92 B\n"},
    {"anchor into another page on the mount: its GitHub slug",
     "<p><ac:link ac:anchor=\"Runbooks-GettingStarted\"><ri:page ri:content-title=\"Runbooks\"/>"
     "</ac:link> <ac:link ac:anchor=\"Getting-started\"><ri:page ri:content-title=\"Runbooks\"/>"
     "<ac:plain-text-link-body><![CDATA[cloud]]></ac:plain-text-link-body></ac:link></p>",
     "[Runbooks](Runbooks.md#gettingstarted) [cloud](Runbooks.md#getting-started)\n"},
};

static void check_case(const struct ucase *c, const struct cfs_convert_ctx *ctx)
{
	char *out = NULL;
	size_t n = 0;

	ck_assert_int_eq(cfs_convert(c->in, strlen(c->in), ctx, &out, &n), 0);
	ck_assert_msg(!strcmp(out, c->want), "%s\n--- input\n%s\n--- got\n%s--- want\n%s", c->name,
	              c->in, out, c->want);
	free(out);
}

START_TEST(test_case)
{
	check_case(&cases[_i], NULL);
}
END_TEST

START_TEST(test_mount_case)
{
	check_case(&mount_cases[_i], &mount);
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
	tcase_add_loop_test(t, test_mount_case, 0,
	                    (int)(sizeof(mount_cases) / sizeof(mount_cases[0])));
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
