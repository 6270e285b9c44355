/* test_convert_include_toc: headings of included pages (include, excerpt-include) are in the
 * including page's table of contents, with the slugs GitHub gives them there. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#include "convert.h"

#define INCLUDE(title)                                                                             \
	"<ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ac:link>"            \
	"<ri:page ri:content-title=\"" title "\"/></ac:link></ac:parameter>"                       \
	"</ac:structured-macro>"
#define EXCERPT_INCLUDE(title)                                                                     \
	"<ac:structured-macro ac:name=\"excerpt-include\"><ac:parameter ac:name=\"\"><ac:link>"    \
	"<ri:page ri:content-title=\"" title "\"/></ac:link></ac:parameter>"                       \
	"</ac:structured-macro>"
#define TOC(params) "<ac:structured-macro ac:name=\"toc\">" params "</ac:structured-macro>"

static const struct {
	const char *title, *storage;
} pages[] = {
    {"Part", "<h2>Setup</h2><p>p</p><h3>Details &amp; more</h3>"},
    {"Notes", "<h2>Not shown</h2><ac:structured-macro ac:name=\"excerpt\"><ac:rich-text-body>"
              "<h2>Gist</h2><p>g</p></ac:rich-text-body></ac:structured-macro>"},
    {"Outer", "<h2>Outer</h2>" INCLUDE("Part")},
};

static char *include_storage(void *arg, const char *space, const char *title, size_t *len)
{
	(void)arg;
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (space && !strcmp(space, "DOC") && !strcmp(title, pages[i].title)) {
			*len = strlen(pages[i].storage);
			return strdup(pages[i].storage);
		}
	return NULL;
}

static char *convert(const char *in, int mount)
{
	struct cfs_convert_ctx ctx = {
	    .space_key = "DOC",
	    .title = "Home",
	    .include_storage = mount ? include_storage : NULL,
	};
	char *out = NULL;
	size_t len = 0;

	ck_assert_int_eq(cfs_convert(in, strlen(in), &ctx, &out, &len), 0);
	return out;
}

START_TEST(test_included_headings_in_toc)
{
	/* a repeat of the including page's heading is numbered as GitHub numbers it;
	 * excerpt-include lists only the excerpt's headings */
	char *md = convert(TOC("") "<h1>Intro</h1><h2>Setup</h2>" INCLUDE("Part")
	                       EXCERPT_INCLUDE("Notes") "<h1>End</h1>",
	                   1);

	ck_assert_str_eq(md, "- [Intro](#intro)\n"
	                     "  - [Setup](#setup)\n"
	                     "  - [Setup](#setup-1)\n"
	                     "    - [Details \\& more](#details--more)\n"
	                     "  - [Gist](#gist)\n"
	                     "- [End](#end)\n"
	                     "\n"
	                     "# Intro\n"
	                     "\n"
	                     "## Setup\n"
	                     "\n"
	                     "<!-- include: Part -->\n"
	                     "\n"
	                     "## Setup\n"
	                     "\n"
	                     "p\n"
	                     "\n"
	                     "### Details & more\n"
	                     "\n"
	                     "<!-- /include -->\n"
	                     "\n"
	                     "<!-- excerpt-include: Notes -->\n"
	                     "\n"
	                     "## Gist\n"
	                     "\n"
	                     "g\n"
	                     "\n"
	                     "<!-- /excerpt-include -->\n"
	                     "\n"
	                     "# End\n");
	free(md);
}
END_TEST

START_TEST(test_nested_include_headings_and_levels)
{
	/* a page included by an included page; maxLevel applies to them too; a
	 * toc after the include lists them as well */
	char *md = convert("<h2>Top</h2>" INCLUDE("Outer")
	                       TOC("<ac:parameter ac:name=\"maxLevel\">2</ac:parameter>"),
	                   1);

	ck_assert_str_eq(md, "## Top\n"
	                     "\n"
	                     "<!-- include: Outer -->\n"
	                     "\n"
	                     "## Outer\n"
	                     "\n"
	                     "<!-- include: Part -->\n"
	                     "\n"
	                     "## Setup\n"
	                     "\n"
	                     "p\n"
	                     "\n"
	                     "### Details & more\n"
	                     "\n"
	                     "<!-- /include -->\n"
	                     "\n"
	                     "<!-- /include -->\n"
	                     "\n"
	                     "- [Top](#top)\n"
	                     "- [Outer](#outer)\n"
	                     "- [Setup](#setup)\n");
	free(md);
}
END_TEST

START_TEST(test_without_the_mount_only_own_headings)
{
	/* nothing inlined (confluencefs-convert): nothing of the other page listed */
	char *md = convert(TOC("") "<h1>Intro</h1>" INCLUDE("Part"), 0);

	ck_assert_ptr_nonnull(strstr(md, "<!-- confluence macro: include -->"));
	ck_assert_int_eq(strncmp(md, "- [Intro](#intro)\n\n# Intro\n\n", 28), 0);
	ck_assert_ptr_null(strstr(md, "Setup"));
	free(md);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("convert-include-toc");
	TCase *t = tcase_create("toc");
	SRunner *r;
	int failed;

	xmlInitParser();
	tcase_add_test(t, test_included_headings_in_toc);
	tcase_add_test(t, test_nested_include_headings_and_levels);
	tcase_add_test(t, test_without_the_mount_only_own_headings);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	xmlCleanupParser();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
