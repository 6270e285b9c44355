/* test_convert_include: include and excerpt-include through ctx->include_storage. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#include "convert.h"

#define INCLUDE(space_attr, title)                                                                 \
	"<ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ac:link>"            \
	"<ri:page " space_attr "ri:content-title=\"" title "\"/></ac:link></ac:parameter>"         \
	"</ac:structured-macro>"
#define EXCERPT_INCLUDE(title)                                                                     \
	"<ac:structured-macro ac:name=\"excerpt-include\"><ac:parameter ac:name=\"\"><ac:link>"    \
	"<ri:page ri:content-title=\"" title "\"/></ac:link></ac:parameter>"                       \
	"<ac:parameter ac:name=\"nopanel\">true</ac:parameter></ac:structured-macro>"

/* The pages "on the mount" and the requests seen. */
static const struct {
	const char *space, *title, *storage;
} pages[] = {
    {"DOC", "Shared",
     "<h2>Shared part</h2><p>Shared <strong>text</strong>, see <ac:link>"
     "<ri:page ri:content-title=\"Other\"/></ac:link>.</p>"},
    {"DOC", "Notes",
     "<p>Before.</p><ac:structured-macro ac:name=\"excerpt\"><ac:parameter "
     "ac:name=\"hidden\">true</ac:parameter><ac:rich-text-body><p>The gist.</p>"
     "</ac:rich-text-body></ac:structured-macro><p>After.</p>"},
    {"DOC", "Loop", INCLUDE("", "Loop")},
    {"DOC", "Ping", "<p>ping</p>" INCLUDE("", "Pong")},
    {"DOC", "Pong", "<p>pong</p>" INCLUDE("", "Ping")},
    {"DOC", "L1", "<p>one</p>" INCLUDE("", "L2")},
    {"DOC", "L2", "<p>two</p>" INCLUDE("", "L3")},
    {"DOC", "L3", "<p>three</p>" INCLUDE("", "L4")},
    {"DOC", "L4", "<p>four</p>"},
    {"OPS", "Runbook", "<ul><li>step</li></ul>"},
    {"DOC", "Self", "<p>x</p>" INCLUDE("", "Home")},
    {"DOC", "Target",
     "<h1>Intro</h1><h2>Getting Started</h2><h2>Getting Started</h2><p>"
     "<ac:structured-macro ac:name=\"anchor\"><ac:parameter ac:name=\"\">MySpot</ac:parameter>"
     "</ac:structured-macro>spot</p>"},
};

static char asked[512];

static char *include_storage(void *arg, const char *space, const char *title, size_t *len)
{
	(void)arg;
	snprintf(asked + strlen(asked), sizeof(asked) - strlen(asked), "%s:%s;",
	         space ? space : "-", title);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (space && !strcmp(space, pages[i].space) && !strcmp(title, pages[i].title)) {
			*len = strlen(pages[i].storage);
			return strdup(pages[i].storage);
		}
	return NULL;
}

static char *page_path(void *arg, const char *space, const char *title)
{
	char *p;

	(void)arg;
	if (space && strcmp(space, "DOC") != 0)
		return NULL;
	return asprintf(&p, "%s.md", title) < 0 ? NULL : p;
}

static char *convert(const char *in, int with_cb)
{
	struct cfs_convert_ctx ctx = {
	    .space_key = "DOC",
	    .title = "Home",
	    .page_path = page_path,
	    .include_storage = with_cb ? include_storage : NULL,
	};
	char *out = NULL;
	size_t len = 0;

	asked[0] = '\0';
	ck_assert_int_eq(cfs_convert(in, strlen(in), &ctx, &out, &len), 0);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

START_TEST(test_include_inlines_the_page)
{
	char *md = convert("<p>Top.</p>" INCLUDE("", "Shared") "<p>End.</p>", 1);

	ck_assert_str_eq(md, "Top.\n\n<!-- include: Shared -->\n\n## Shared part\n\n"
	                     "Shared **text**, see [Other](Other.md).\n\n<!-- /include -->\n\n"
	                     "End.\n");
	ck_assert_str_eq(asked, "DOC:Shared;");
	free(md);
}
END_TEST

START_TEST(test_include_inside_a_list_item_keeps_the_indent)
{
	char *md = convert(
	    "<ul><li><p>item</p>" INCLUDE("ri:space-key=\"OPS\" ", "Runbook") "</li></ul>", 1);

	ck_assert_str_eq(md, "- item\n\n  <!-- include: Runbook -->\n\n  - step\n\n"
	                     "  <!-- /include -->\n");
	ck_assert_str_eq(asked, "OPS:Runbook;");
	free(md);
}
END_TEST

START_TEST(test_excerpt_include_takes_the_hidden_excerpt)
{
	char *md = convert(EXCERPT_INCLUDE("Notes"), 1);

	ck_assert_str_eq(md, "<!-- excerpt-include: Notes -->\n\nThe gist.\n\n"
	                     "<!-- /excerpt-include -->\n");
	free(md);
	/* on its own page a hidden excerpt stays hidden */
	md = convert(pages[1].storage, 1);
	ck_assert_str_eq(md, "Before.\n\nAfter.\n");
	free(md);
}
END_TEST

START_TEST(test_excerpt_include_of_a_page_without_excerpt_is_empty)
{
	char *md = convert(EXCERPT_INCLUDE("Shared"), 1);

	ck_assert_str_eq(md, "<!-- excerpt-include: Shared -->\n\n<!-- /excerpt-include -->\n");
	free(md);
}
END_TEST

START_TEST(test_include_cycles_stop)
{
	/* a page including itself: the comment and the link, once */
	char *md = convert(INCLUDE("", "Home"), 1);

	ck_assert_str_eq(md, "<!-- confluence macro: include -->\n\nHome\n");
	ck_assert_str_eq(asked, "");
	free(md);
	/* Ping includes Pong includes Ping: Ping is not inlined inside itself */
	md = convert(INCLUDE("", "Ping"), 1);
	ck_assert_str_eq(md, "<!-- include: Ping -->\n\nping\n\n<!-- include: Pong -->\n\npong\n\n"
	                     "<!-- confluence macro: include -->\n\n[Ping](Ping.md)\n\n"
	                     "<!-- /include -->\n\n<!-- /include -->\n");
	ck_assert_str_eq(asked, "DOC:Ping;DOC:Pong;");
	free(md);
	/* a page including the converted one */
	md = convert(INCLUDE("", "Self"), 1);
	ck_assert_ptr_nonnull(
	    strstr(md, "x\n\n<!-- confluence macro: include -->\n\n[Home](Home.md)\n"));
	free(md);
	md = convert(INCLUDE("", "Loop"), 1);
	ck_assert_str_eq(md, "<!-- include: Loop -->\n\n<!-- confluence macro: include -->\n\n"
	                     "Loop\n\n<!-- /include -->\n"); /* a link to itself: its title */
	free(md);
}
END_TEST

START_TEST(test_include_depth_is_bounded)
{
	char *md = convert(INCLUDE("", "L1"), 1);

	ck_assert_int_eq(CFS_CONVERT_INCLUDE_DEPTH, 3);
	ck_assert_ptr_nonnull(strstr(md, "one"));
	ck_assert_ptr_nonnull(strstr(md, "two"));
	ck_assert_ptr_nonnull(strstr(md, "three"));
	ck_assert_ptr_null(strstr(md, "four"));
	ck_assert_ptr_nonnull(strstr(md, "<!-- confluence macro: include -->\n\n[L4](L4.md)"));
	ck_assert_str_eq(asked, "DOC:L1;DOC:L2;DOC:L3;");
	free(md);
}
END_TEST

START_TEST(test_include_without_storage_stays_a_comment)
{
	/* no callback (confluencefs-convert), or a page that is not at hand */
	const char *want = "<!-- confluence macro: include -->\n\n[Shared](Shared.md)\n";
	char *md = convert(INCLUDE("", "Shared"), 0);

	ck_assert_str_eq(md, want);
	free(md);
	md = convert(INCLUDE("", "Missing"), 1);
	ck_assert_str_eq(md, "<!-- confluence macro: include -->\n\n[Missing](Missing.md)\n");
	ck_assert_str_eq(asked, "DOC:Missing;");
	free(md);
}
END_TEST

START_TEST(test_include_marker_cannot_end_the_comment)
{
	static const char *const titles[] = {"a-->b", "a--b"};

	for (int i = 0; i < 2; i++) {
		char in[512], *md;
		const char *s;

		snprintf(in, sizeof(in),
		         "<ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\">"
		         "<ac:link><ri:page ri:content-title=\"%s\"/></ac:link></ac:parameter>"
		         "</ac:structured-macro>",
		         i == 0 ? "a--&gt;b" : titles[1]);
		md = convert(in, 1);
		s = strstr(md, "<!--");
		ck_assert_ptr_nonnull(s);
		/* the first comment ends where it should, after the title */
		ck_assert_ptr_eq(strstr(s, "-->"), strstr(s, " -->") + 1);
		free(md);
	}
}
END_TEST

#define ANCHOR_LINK(anchor)                                                                        \
	"<ac:link ac:anchor=\"" anchor "\"><ri:page ri:content-title=\"Target\"/>"                 \
	"<ac:plain-text-link-body><![CDATA[go]]></ac:plain-text-link-body></ac:link> "

START_TEST(test_anchor_into_another_page_uses_its_headings)
{
	char *md = convert("<p>" ANCHOR_LINK("Target-GettingStarted") ANCHOR_LINK("MySpot")
	                       ANCHOR_LINK("Getting-Started") ANCHOR_LINK("Nope") "</p>",
	                   1);

	/* blind, "Target-GettingStarted" would be #gettingstarted and MySpot #myspot */
	ck_assert_str_eq(md, "[go](Target.md#getting-started) [go](Target.md#MySpot) "
	                     "[go](Target.md#getting-started) [go](Target.md#nope)\n");
	ck_assert_str_eq(asked, "DOC:Target;DOC:Target;DOC:Target;DOC:Target;");
	free(md);
	/* without the page at hand: the slug of the name */
	md = convert("<p>" ANCHOR_LINK("Target-GettingStarted") ANCHOR_LINK("MySpot") "</p>", 0);
	ck_assert_str_eq(md, "[go](Target.md#gettingstarted) [go](Target.md#myspot)\n");
	free(md);
}
END_TEST

static void collect(void *arg, const char *space, const char *title)
{
	char *b = arg;

	snprintf(b + strlen(b), 256 - strlen(b), "%s:%s;", space ? space : "-", title);
}

START_TEST(test_scan_finds_the_included_pages)
{
	const char *body = "<p>x</p>" INCLUDE(
	    "ri:space-key=\"OPS\" ",
	    "Run &amp; book") "<p>ri:page</p>" EXCERPT_INCLUDE("Notes &#8212; &#x263A;") "<ac:"
	                                                                                 "structure"
	                                                                                 "d-macro "
	                                                                                 "ac:name="
	                                                                                 "\"childre"
	                                                                                 "n\"><ac:"
	                                                                                 "parameter"
	                                                                                 " ac:name="
	                                                                                 "\"page\">"
	                                                                                 "<ac:link>"
	                                                                                 "<ri:page "
	                                                                                 "ri:"
	                                                                                 "content-"
	                                                                                 "title="
	                                                                                 "\"Not "
	                                                                                 "me\"/></"
	                                                                                 "ac:link><"
	                                                                                 "/ac:"
	                                                                                 "parameter"
	                                                                                 "></"
	                                                                                 "ac:"
	                                                                                 "structure"
	                                                                                 "d-macro>"
	                                                                                 "<ac:link>"
	                                                                                 "<ri:page "
	                                                                                 "ri:"
	                                                                                 "content-"
	                                                                                 "title="
	                                                                                 "\"Nor "
	                                                                                 "me\"/></"
	                                                                                 "ac:link>"
	                                                                                 "<ac:"
	                                                                                 "structure"
	                                                                                 "d-macro "
	                                                                                 "ac:name="
	                                                                                 "\"include"
	                                                                                 "\"><ac:"
	                                                                                 "parameter"
	                                                                                 " ac:name="
	                                                                                 "\"\">"
	                                                                                 "</"
	                                                                                 "ac:"
	                                                                                 "parameter"
	                                                                                 "></"
	                                                                                 "ac:"
	                                                                                 "structure"
	                                                                                 "d-macro>";
	const char *links =
	    "<p><ac:link><ri:page ri:content-title=\"Plain\"/></ac:link>"
	    "<ac:link ac:anchor=\"Top\"><ri:page ri:space-key=\"OPS\" "
	    "ri:content-title=\"A &amp; B\"/></ac:link>"
	    "<ac:link ac:anchor=\"here\"><ac:plain-text-link-body>x</ac:plain-text-link-body>"
	    "</ac:link><ac:link ac:anchor=\"x\"><ri:page ri:content-title=\"T\"/></ac:link></p>";
	char got[256] = "";

	ck_assert_uint_eq(cfs_convert_scan_includes(body, strlen(body), collect, got), 2);
	ck_assert_str_eq(got, "OPS:Run & book;-:Notes \u2014 \u263A;");
	got[0] = '\0';
	ck_assert_uint_eq(cfs_convert_scan_anchor_pages(links, strlen(links), collect, got), 2);
	ck_assert_str_eq(got, "OPS:A & B;-:T;");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("convert-include");
	TCase *t = tcase_create("include");
	SRunner *r;
	int failed;

	xmlInitParser();
	tcase_add_test(t, test_include_inlines_the_page);
	tcase_add_test(t, test_include_inside_a_list_item_keeps_the_indent);
	tcase_add_test(t, test_excerpt_include_takes_the_hidden_excerpt);
	tcase_add_test(t, test_excerpt_include_of_a_page_without_excerpt_is_empty);
	tcase_add_test(t, test_include_cycles_stop);
	tcase_add_test(t, test_include_depth_is_bounded);
	tcase_add_test(t, test_include_without_storage_stays_a_comment);
	tcase_add_test(t, test_include_marker_cannot_end_the_comment);
	tcase_add_test(t, test_scan_finds_the_included_pages);
	tcase_add_test(t, test_anchor_into_another_page_uses_its_headings);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
