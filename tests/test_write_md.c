/* test_write_md: Markdown -> storage, one construct per case; refusals; the round trip. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write/wtest.h"

struct mcase {
	const char *md, *want;
};

#define CODE(lang, body)                                                                           \
	"<ac:structured-macro ac:name=\"code\">" lang "<ac:plain-text-body><![CDATA[" body         \
	"]]></ac:plain-text-body></ac:structured-macro>"
#define LANG(l) "<ac:parameter ac:name=\"language\">" l "</ac:parameter>"
#define MACRO(name, params, body)                                                                  \
	"<ac:structured-macro ac:name=\"" name "\">" params "<ac:rich-text-body>" body             \
	"</ac:rich-text-body></ac:structured-macro>"
#define TITLE(t) "<ac:parameter ac:name=\"title\">" t "</ac:parameter>"

static const struct mcase cases[] = {
    {"plain text", "<p>plain text</p>"},
    {"two\nlines", "<p>two lines</p>"},
    {"hard\\\nbreak", "<p>hard<br />break</p>"},
    {"hard<br>break", "<p>hard<br />break</p>"},
    {"# One\n\n###### Six", "<h1>One</h1><h6>Six</h6>"},
    {"Setext\n===", "<h1>Setext</h1>"},
    {"*em* _em_ **strong** __strong__ ~~del~~ `code`",
     "<p><em>em</em> <em>em</em> <strong>strong</strong> <strong>strong</strong> <s>del</s> "
     "<code>code</code></p>"},
    {"***both***", "<p><em><strong>both</strong></em></p>"},
    {"<em>**x**</em> H<sub>2</sub>O <u>u</u>",
     "<p><em><strong>x</strong></em> H<sub>2</sub>O <u>u</u></p>"},
    {"`a < b && c`", "<p><code>a &lt; b &amp;&amp; c</code></p>"},
    /* escaping and UTF-8 */
    {"a & b < c > d \"q\" caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
     "<p>a &amp; b &lt; c &gt; d &quot;q&quot; caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
     "\xf0\x9f\x98\x80</p>"},
    {"&amp; &lt;tag&gt; &copy; \\*not em\\*", "<p>&amp; &lt;tag&gt; \xc2\xa9 *not em*</p>"},
    {"ctl\x01here", "<p>ctlhere</p>"},
    /* code */
    {"```python\nprint(1)\nx = 2\n```", CODE(LANG("python"), "print(1)\nx = 2")},
    {"```\nplain\n```", CODE("", "plain")},
    {"~~~c title=x\nint a;\n~~~", CODE(LANG("c"), "int a;")},
    {"    indented\n    code", CODE("", "indented\ncode")},
    {"```\nend ]]> here\n```", CODE("", "end ]]]]><![CDATA[> here")},
    {"```\n<b>&amp;</b>\n```", CODE("", "<b>&amp;</b>")},
    {"```\nctl\x01\x1f here\n```", CODE("", "ctl here")},
    /* lists */
    {"- a\n- b\n  - c", "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>"},
    {"* a\n* b", "<ul><li>a</li><li>b</li></ul>"},
    {"1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"},
    {"3. three\n4. four", "<ol start=\"3\"><li>three</li><li>four</li></ol>"},
    {"- loose\n\n- items", "<ul><li><p>loose</p></li><li><p>items</p></li></ul>"},
    {"- [x] done\n- [ ] todo",
     "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status>"
     "<ac:task-body>done</ac:task-body></ac:task><ac:task><ac:task-id>2</ac:task-id>"
     "<ac:task-status>incomplete</ac:task-status><ac:task-body>todo</ac:task-body></ac:task>"
     "</ac:task-list>"},
    /* tables */
    {"| A | B |\n| --- | :-: |\n| 1 | *2* |\n| x \\| y | |",
     "<table><tbody><tr><th>A</th><th>B</th></tr><tr><td>1</td><td><em>2</em></td></tr>"
     "<tr><td>x | y</td><td></td></tr></tbody></table>"},
    /* quotes, rules, callouts */
    {"> quoted\n> more", "<blockquote><p>quoted more</p></blockquote>"},
    {"> one\n>\n> > nested", "<blockquote><p>one</p><blockquote><p>nested</p></blockquote>"
                             "</blockquote>"},
    {"---", "<hr />"},
    {"***", "<hr />"},
    {"> [!NOTE]\n> body", MACRO("info", "", "<p>body</p>")},
    {"> [!TIP]\n> body", MACRO("tip", "", "<p>body</p>")},
    {"> [!IMPORTANT]\n> body", MACRO("note", "", "<p>body</p>")},
    {"> [!WARNING]\n> body", MACRO("note", "", "<p>body</p>")},
    {"> [!CAUTION]\n> body", MACRO("warning", "", "<p>body</p>")},
    {"> [!NOTE]\n> **Heads up**\n>\n> body\n>\n> - item",
     MACRO("info", TITLE("Heads up"), "<p>body</p><ul><li>item</li></ul>")},
    {"> [!NOTE]", MACRO("info", "", "")},
    {"> [!NOTE] not a marker", "<blockquote><p>[!NOTE] not a marker</p></blockquote>"},
    {"> [!OTHER]\n> x", "<blockquote><p>[!OTHER] x</p></blockquote>"},
    /* details -> expand */
    {"<details>\n<summary>More &amp; less</summary>\n\nhidden\n\n</details>",
     MACRO("expand", TITLE("More &amp; less"), "<p>hidden</p>")},
    {"<details>\n<summary>A</summary>\n\n<details>\n<summary>B</summary>\n\ninner\n\n</details>\n"
     "\n</details>",
     MACRO("expand", TITLE("A"), MACRO("expand", TITLE("B"), "<p>inner</p>"))},
    /* links and images */
    {"[x](https://example.com/a?b=1&c=2)",
     "<p><a href=\"https://example.com/a?b=1&amp;c=2\">x</a></p>"},
    {"<https://example.com>", "<p><a href=\"https://example.com\">https://example.com</a></p>"},
    {"[mail](mailto:a@b.c)", "<p><a href=\"mailto:a@b.c\">mail</a></p>"},
    {"[Other Page](Other%20Page.md)",
     "<p><ac:link><ri:page ri:content-title=\"Other Page\" /></ac:link></p>"},
    {"[label](Other%20Page.md)",
     "<p><ac:link><ri:page ri:content-title=\"Other Page\" /><ac:plain-text-link-body>"
     "<![CDATA[label]]></ac:plain-text-link-body></ac:link></p>"},
    {"[*rich* label](Other.md)",
     "<p><ac:link><ri:page ri:content-title=\"Other\" /><ac:link-body><em>rich</em> label"
     "</ac:link-body></ac:link></p>"},
    {"[R](../OPS/Run%20books.md#Step)",
     "<p><ac:link ac:anchor=\"Step\"><ri:page ri:space-key=\"OPS\" ri:content-title=\"Run "
     "books\" /><ac:plain-text-link-body><![CDATA[R]]></ac:plain-text-link-body></ac:link></p>"},
    {"[A & B](A%20%26%20B.md)",
     "<p><ac:link><ri:page ri:content-title=\"A &amp; B\" /></ac:link></p>"},
    {"![a.png](_attachments/a.png)",
     "<p><ac:image><ri:attachment ri:filename=\"a.png\" /></ac:image></p>"},
    {"![diagram](Other/_attachments/a%20b.png)",
     "<p><ac:image ac:alt=\"diagram\"><ri:attachment ri:filename=\"a b.png\"><ri:page "
     "ri:content-title=\"Other\" /></ri:attachment></ac:image></p>"},
    {"[f.pdf](_attachments/f.pdf)",
     "<p><ac:link><ri:attachment ri:filename=\"f.pdf\" /></ac:link></p>"},
    {"![x](https://example.com/i.png)",
     "<p><ac:image ac:alt=\"x\"><ri:url ri:value=\"https://example.com/i.png\" />"
     "</ac:image></p>"},
    {"[top](#section)", "<p><a href=\"#section\">top</a></p>"},
};

START_TEST(construct)
{
	const struct mcase *c = &cases[_i];
	char *err = NULL, *st = wt_md2st(c->md, &err);

	ck_assert_msg(st != NULL, "%s: %s", c->md, err ? err : "");
	ck_assert_msg(!strcmp(st, c->want), "%s\n  got  %s\n  want %s", c->md, st, c->want);
	free(st);
}
END_TEST

struct rcase {
	const char *md, *err;
};

static const struct rcase refusals[] = {
    {"ok\n\n<div>raw</div>", "line 3: raw HTML"},
    {"ok\n\nsome <span>inline</span> html", "line 3: raw HTML (<span>)"},
    {"an <em>open tag", "line 1: an HTML tag without its closing tag"},
    {"a close</em> tag", "line 1: </em> without its pair"},
    {"ok\n\n<!-- macro: jira -->", "line 3: an HTML comment"},
    {"text[^1]\n\n[^1]: note", "line 1: footnotes"},
    {"ok\n\n\n[x](Missing.md)", "line 4: \"Missing.md\" is not a page on the mount"},
    {"[x](notes.txt)", "line 1: the link target \"notes.txt\" is neither"},
    {"![x](picture.png)", "line 1: an image must be an attachment"},
    {"- [x] task\n- item", "line 1: a list mixing tasks and items"},
    {"<details>\n<summary>open</summary>\n\nbody", "line 1: <details> without its </details>"},
    {"<details>\n<summary><b>x</b></summary>\n\n</details>", "line 1: raw HTML"},
};

START_TEST(refusal)
{
	const struct rcase *c = &refusals[_i];
	char *err = NULL, *st = wt_md2st(c->md, &err);

	ck_assert_msg(st == NULL, "%s: accepted as %s", c->md, st);
	ck_assert_msg(err && !strncmp(err, c->err, strlen(c->err)), "%s: %s (want %s)", c->md,
	              err ? err : "(none)", c->err);
	free(err);
}
END_TEST

/* Without callbacks a relative link cannot be resolved: refused, never guessed. */
START_TEST(no_callbacks)
{
	struct cfs_write_ctx w = {.convert = &wt_convert_ctx};
	struct cfs_blockmap *bm = NULL;
	char *why = NULL, *out = NULL, *err = NULL;
	size_t n;
	const char *md = "[x](Page.md)\n";

	ck_assert_int_eq(cfs_blockmap_build("", 0, NULL, &bm, &why), 0);
	ck_assert_int_eq(cfs_write_storage(bm, md, strlen(md), &w, &out, &n, &err), -EINVAL);
	ck_assert_str_eq(err, "line 1: \"Page.md\" is not a page on the mount");
	free(err);
	err = NULL;
	ck_assert_int_eq(cfs_write_storage(bm, md, strlen(md), NULL, &out, &n, &err), -EINVAL);
	free(err);
	cfs_blockmap_free(bm);
}
END_TEST

/* Mentions as the converter links them (it needs a base URL) come back as ri:user. */
START_TEST(mentions)
{
	static const char *const st[] = {
	    "<p>Hi <ac:link><ri:user ri:account-id=\"557058:abc\" /></ac:link> there</p>",
	    "<p><ac:link><ri:user ri:username=\"ada\" /></ac:link></p>",
	    "<p><ac:link><ri:user ri:userkey=\"8a7f\" /></ac:link></p>"};
	struct cfs_convert_ctx c = wt_convert_ctx;
	struct cfs_write_ctx w = wt_write_ctx;

	c.base_url = "https://x.atlassian.net/wiki/";
	w.convert = &c;
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		struct cfs_blockmap *bm = NULL, *empty = NULL;
		char *why = NULL, *md = NULL, *edited = NULL, *out = NULL, *err = NULL, *p;
		size_t n, outl;

		ck_assert_int_eq(cfs_convert(st[i], strlen(st[i]), &c, &md, &n), 0);
		ck_assert_int_eq(cfs_blockmap_build("", 0, &c, &empty, &why), 0);
		ck_assert_int_eq(cfs_write_storage(empty, md, n, &w, &out, &outl, &err), 0);
		ck_assert_str_eq(out, st[i]);
		free(out);
		/* an edit next to it in the same paragraph keeps the mention */
		ck_assert_int_eq(cfs_blockmap_build(st[i], strlen(st[i]), &c, &bm, &why), 0);
		ck_assert_int_gt(asprintf(&edited, "Edited %s", md), 0);
		ck_assert_int_eq(
		    cfs_write_storage(bm, edited, strlen(edited), &w, &out, &outl, &err), 0);
		p = strstr(out, "<ac:link><ri:user ");
		ck_assert_msg(p && !strncmp(out, "<p>Edited ", 10), "%s", out);
		free(out);
		/* without a base URL the mention is only text: its block is not editable */
		c.base_url = NULL;
		ck_assert_int_eq(
		    cfs_write_storage(bm, edited, strlen(edited), &w, &out, &outl, &err), -EINVAL);
		ck_assert_msg(strstr(err, "<ri:user>") != NULL, "%s", err);
		free(err);
		c.base_url = "https://x.atlassian.net/wiki/";
		free(edited);
		free(md);
		cfs_blockmap_free(bm);
		cfs_blockmap_free(empty);
	}
}
END_TEST

/* Is this block's Markdown one of the simple kinds the round trip covers? */
static int simple_block(const char *md)
{
	while (*md == '\n')
		md++;
	if (!*md || *md == '>' || *md == '<' || *md == '!' || strstr(md, "<") || strstr(md, "]("))
		return 0; /* quotes/alerts, HTML, images, links: covered by the cases */
	return 1;
}

START_TEST(round_trip_fixtures)
{
	char **fx = wt_fixtures();
	size_t tried = 0, same = 0;

	for (size_t f = 0; fx[f]; f++) {
		size_t len;
		char *in = wt_read(fx[f], &len), *why = NULL;
		struct cfs_blockmap *bm = NULL;

		ck_assert_int_eq(cfs_blockmap_build(in, len, &wt_convert_ctx, &bm, &why), 0);
		for (size_t i = 0; i < cfs_blockmap_count(bm); i++) {
			size_t n;
			const char *b = cfs_blockmap_block_markdown(bm, i, &n);
			char *md = strndup(b, n), *err = NULL, *st, *back, *p = md;

			while (*p == '\n')
				p++;
			if (!simple_block(p)) {
				free(md);
				continue;
			}
			tried++;
			st = wt_md2st(p, &err);
			ck_assert_msg(st != NULL, "%s: %s: %s", fx[f], p, err ? err : "");
			back = wt_st2md(st);
			ck_assert_msg(back && !strcmp(back, p), "%s:\n%s\n-> %s\n-> %s", fx[f], p,
			              st, back ? back : "");
			same++;
			free(back);
			free(st);
			free(md);
		}
		cfs_blockmap_free(bm);
		free(in);
	}
	printf("round trip: %zu simple blocks of the fixtures, %zu identical\n", tried, same);
	ck_assert_uint_gt(tried, 50);
	wt_free_list(fx);
}
END_TEST

/* Each construct case, converted back: the converter's Markdown is stable. */
START_TEST(round_trip_converter_output)
{
	const struct mcase *c = &cases[_i];
	char *err = NULL, *md = wt_st2md(c->want), *st, *md2;

	st = wt_md2st(md, &err);
	ck_assert_msg(st != NULL, "%s: %s", md, err ? err : "");
	md2 = wt_st2md(st);
	ck_assert_msg(!strcmp(md, md2), "%s\n-> %s\n-> %s", md, st, md2);
	free(md);
	free(md2);
	free(st);
}
END_TEST

/* Arbitrary bytes never crash: mutated fixtures' Markdown over their own map. */
START_TEST(mutations)
{
	static const char junk[] = "<>&[]()!*_`~#|>-\n\\\"'\x80\xff\xc3";
	char **fx = wt_fixtures();
	unsigned seed = 12345;
	size_t runs = 0, ok = 0, refused = 0;

	for (size_t f = 0; fx[f]; f++) {
		size_t len, mlen;
		char *in = wt_read(fx[f], &len), *why = NULL;
		struct cfs_blockmap *bm = NULL;
		const char *md;

		ck_assert_int_eq(cfs_blockmap_build(in, len, &wt_convert_ctx, &bm, &why), 0);
		md = cfs_blockmap_markdown(bm, &mlen);
		for (int k = 0; k < 40; k++, runs++) {
			char *m = malloc(mlen + 64), *out = NULL, *err = NULL;
			size_t ml = mlen, outl = 0;
			int ret;

			memcpy(m, md, mlen);
			for (int e = 0; e < 1 + k % 6 && ml; e++) {
				size_t at;

				seed = seed * 1103515245u + 12345u;
				at = (seed >> 8) % ml;
				seed = seed * 1103515245u + 12345u;
				if (seed % 3 == 0) {
					memmove(m + at, m + at + 1, ml - at - 1);
					ml--;
				} else if (seed % 3 == 1) {
					memmove(m + at + 1, m + at, ml - at);
					m[at] = junk[(seed >> 4) % (sizeof(junk) - 1)];
					ml++;
				} else {
					m[at] = junk[(seed >> 4) % (sizeof(junk) - 1)];
				}
			}
			ret = cfs_write_storage(bm, m, ml, &wt_write_ctx, &out, &outl, &err);
			ck_assert_msg(ret == 0 || ret == 1 || ret == -EINVAL, "%d", ret);
			if (ret == -EINVAL)
				ck_assert_msg(err && !strncmp(err, "line ", 5), "%s",
				              err ? err : "");
			if (ret == 0) {
				char *back = NULL;
				size_t bl;

				ck_assert_uint_eq(strlen(out), outl);
				ck_assert_int_eq(cfs_convert(out, outl, NULL, &back, &bl), 0);
				free(back);
			}
			ok += ret >= 0;
			refused += ret < 0;
			free(out);
			free(err);
			free(m);
		}
		cfs_blockmap_free(bm);
		free(in);
	}
	printf("mutations: %zu runs, %zu written, %zu refused\n", runs, ok, refused);
	wt_free_list(fx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("write");
	TCase *t = tcase_create("md2storage");

	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, construct, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(t, refusal, 0, sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(t, no_callbacks);
	tcase_add_test(t, mentions);
	tcase_add_test(t, round_trip_fixtures);
	tcase_add_loop_test(t, round_trip_converter_output, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(t, mutations);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
