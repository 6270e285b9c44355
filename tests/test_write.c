/* test_write: the block map and cfs_write_storage over every storage fixture. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_blocks.h"
#include "write/wtest.h"

/* Convert with ctx and map; check the joins; 0 mapped, 1 refused. */
static int check_map(const char *path, const struct cfs_convert_ctx *ctx)
{
	size_t len = 0, mlen, clen, slen = 0, jlen = 0, body;
	char *in = wt_read(path, &len), *conv = NULL, *why = NULL, *js, *jm;
	struct cfs_blockmap *bm = NULL;
	const char *md;
	int ret;

	ck_assert_msg(in != NULL, "%s", path);
	ck_assert_int_eq(cfs_convert(in, len, ctx, &conv, &clen), 0);
	ret = cfs_blockmap_build(in, len, ctx, &bm, &why);
	if (ret) {
		ck_assert_int_eq(ret, -EINVAL);
		ck_assert_msg(why && *why, "%s: refused without a reason", path);
		printf("%s: refused: %s\n", path, why);
		free(why);
		free(in);
		free(conv);
		return 1;
	}
	md = cfs_blockmap_markdown(bm, &mlen);
	ck_assert_uint_eq(mlen, clen);
	ck_assert_msg(!memcmp(md, conv, clen), "%s: the map's Markdown is not the served one",
	              path);
	js = malloc(len + 1);
	jm = malloc(mlen + 1);
	for (size_t i = 0; i < cfs_blockmap_count(bm); i++) {
		size_t n;
		const char *s = cfs_blockmap_block_storage(bm, i, &n);

		memcpy(js + slen, s, n);
		slen += n;
		s = cfs_blockmap_block_markdown(bm, i, &n);
		memcpy(jm + jlen, s, n);
		jlen += n;
	}
	ck_assert_msg(slen == len && !memcmp(js, in, len), "%s: storage join differs", path);
	body = mlen - jlen;
	ck_assert_msg(!memcmp(jm, conv + body, jlen), "%s: Markdown join differs", path);
	if (body)
		ck_assert_msg(!strncmp(conv, "---\n", 4), "%s: %zu bytes before the blocks", path,
		              body);
	free(js);
	free(jm);
	free(in);
	free(conv);
	cfs_blockmap_free(bm);
	return 0;
}

START_TEST(fixtures_map)
{
	char **fx = wt_fixtures();
	struct cfs_convert_ctx fm = wt_convert_ctx;
	size_t total = 0, refused = 0;

	fm.flags = CFS_CONVERT_FRONT_MATTER;
	fm.title = "A \"quoted\" title";
	fm.page_id = "123";
	for (size_t i = 0; fx[i]; i++, total++) {
		int r = check_map(fx[i], NULL);

		ck_assert_int_eq(check_map(fx[i], &wt_convert_ctx), r);
		ck_assert_int_eq(check_map(fx[i], &fm), r);
		refused += (size_t)r;
	}
	printf("block map: %zu of %zu fixtures map, %zu refused\n", total - refused, total,
	       refused);
	ck_assert_uint_gt(total, 0);
	ck_assert_uint_eq(refused, 0);
	wt_free_list(fx);
}
END_TEST

START_TEST(refused_pages)
{
	static const char *const bad[] = {
	    "<p>broken</div><p>after</p>", /* a stray end tag restarts the parse */
	    "<p>caf\xe9</p>",              /* not UTF-8 */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfs_blockmap *bm = NULL;
		char *why = NULL;

		ck_assert_int_eq(cfs_blockmap_build(bad[i], strlen(bad[i]), NULL, &bm, &why),
		                 -EINVAL);
		ck_assert_ptr_null(bm);
		ck_assert_msg(why && *why, "case %zu", i);
		free(why);
	}
}
END_TEST

static struct cfs_blockmap *map_of(const char *st)
{
	struct cfs_blockmap *bm = NULL;
	char *why = NULL;

	ck_assert_msg(cfs_blockmap_build(st, strlen(st), &wt_convert_ctx, &bm, &why) == 0, "%s",
	              why ? why : "");
	return bm;
}

START_TEST(fixtures_noop)
{
	char **fx = wt_fixtures();

	for (size_t i = 0; fx[i]; i++) {
		size_t len, mlen, outl = 0;
		char *in = wt_read(fx[i], &len), *out = NULL, *err = NULL, *md2;
		struct cfs_blockmap *bm = map_of(in);
		const char *md = cfs_blockmap_markdown(bm, &mlen);

		ck_assert_int_eq(cfs_write_storage(bm, md, mlen, &wt_write_ctx, &out, &outl, &err),
		                 1);
		ck_assert_ptr_null(out);
		/* trailing blank lines and spaces added or dropped: still nothing */
		md2 = malloc(mlen + 8);
		memcpy(md2, md, mlen);
		memcpy(md2 + mlen, "\n\n  \n", 5);
		ck_assert_int_eq(
		    cfs_write_storage(bm, md2, mlen + 5, &wt_write_ctx, &out, &outl, &err), 1);
		ck_assert_int_eq(cfs_write_storage(bm, md2, mlen ? mlen - 1 : 0, &wt_write_ctx,
		                                   &out, &outl, &err),
		                 1);
		free(md2);
		free(in);
		cfs_blockmap_free(bm);
	}
	wt_free_list(fx);
}
END_TEST

/* The first word of 3+ ASCII letters in a plain text line of [s, s + n), or NULL. */
static const char *word_to_edit(const char *s, size_t n, size_t *wlen)
{
	const char *e = s + n, *l = s;

	while (l < e) {
		const char *le = memchr(l, '\n', (size_t)(e - l)), *p = l;

		le = le ? le : e;
		while (p < le && (*p == '>' || *p == ' ' || *p == '-' || *p == '*'))
			p++;
		if (p < le && *p != '<' && *p != '`' && *p != '~' && *p != '|' && *p != '!' &&
		    *p != '[' && *p != '#') {
			for (const char *w = p; w < le; w++) {
				size_t k = 0;

				while (w + k < le && ((w[k] >= 'a' && w[k] <= 'z') ||
				                      (w[k] >= 'A' && w[k] <= 'Z')))
					k++;
				if (k >= 3 && (w == p || w[-1] == ' ')) {
					*wlen = k;
					return w;
				}
				w += k;
			}
		}
		l = le + 1;
	}
	return NULL;
}

START_TEST(fixtures_edit_each_block)
{
	char **fx = wt_fixtures();
	size_t edited = 0, refused = 0, blocks = 0;

	for (size_t f = 0; fx[f]; f++) {
		size_t len, mlen;
		char *in = wt_read(fx[f], &len);
		struct cfs_blockmap *bm = map_of(in);
		const char *md = cfs_blockmap_markdown(bm, &mlen);

		for (size_t i = 0; i < cfs_blockmap_count(bm); i++, blocks++) {
			size_t bl, wl = 0, outl = 0, pre = 0, post = 0, line = 1;
			const char *b = cfs_blockmap_block_markdown(bm, i, &bl),
			           *w = word_to_edit(b, bl, &wl);
			char *md2, *out = NULL, *err = NULL, *back;
			int ret;

			if (!w) {
				blocks--;
				continue;
			}
			md2 = malloc(mlen + 16);
			memcpy(md2, md, (size_t)(w - md));
			memcpy(md2 + (w - md), "Edited", 6);
			memcpy(md2 + (w - md) + 6, w + wl, mlen - (size_t)(w - md) - wl);
			ret = cfs_write_storage(bm, md2, mlen - wl + 6, &wt_write_ctx, &out, &outl,
			                        &err);
			for (const char *c = md; c < b; c++)
				line += *c == '\n';
			if (ret == -EINVAL) {
				ck_assert_msg(err && !strncmp(err, "line ", 5), "%s", err);
				ck_assert_msg(strtoul(err + 5, NULL, 10) >= line,
				              "%s: %s (block at %zu)", fx[f], err, line);
				refused++;
				if (getenv("WT_VERBOSE"))
					printf("%s: %s\n", fx[f], err);
				free(err);
				free(md2);
				continue;
			}
			ck_assert_msg(ret == 0, "%s block %zu: %d %s", fx[f], i, ret,
			              err ? err : "");
			/* every other block byte for byte, in place */
			for (size_t k = 0; k < cfs_blockmap_count(bm); k++) {
				size_t n;
				const char *s = cfs_blockmap_block_storage(bm, k, &n);

				if (k < i) {
					ck_assert_msg(pre + n <= outl && !memcmp(out + pre, s, n),
					              "%s: block %zu changed by an edit of %zu",
					              fx[f], k, i);
					pre += n;
				}
			}
			for (size_t k = cfs_blockmap_count(bm); k-- > i + 1;) {
				size_t n;
				const char *s = cfs_blockmap_block_storage(bm, k, &n);

				ck_assert_msg(
				    post + n + pre <= outl && !memcmp(out + outl - post - n, s, n),
				    "%s: block %zu changed by an edit of %zu", fx[f], k, i);
				post += n;
			}
			out[outl - post] = '\0';
			back = wt_st2md(out + pre);
			ck_assert_msg(back && strstr(back, "Edited"), "%s block %zu: %s -> %s",
			              fx[f], i, out + pre, back ? back : "");
			free(back);
			free(out);
			free(md2);
			edited++;
		}
		free(in);
		cfs_blockmap_free(bm);
	}
	printf("edit one word per block: %zu blocks with a word, %zu edited, %zu refused\n", blocks,
	       edited, refused);
	ck_assert_uint_gt(edited, blocks / 2);
	wt_free_list(fx);
}
END_TEST

static const char PAGE[] = "<p>one</p><h2>two</h2>\n<ac:structured-macro ac:name=\"jira\">"
                           "<ac:parameter ac:name=\"key\">X-1</ac:parameter>"
                           "</ac:structured-macro><p>three &amp; <em>more</em></p>";

static void expect(const char *st, const char *md, int want_ret, const char *want)
{
	struct cfs_blockmap *bm = map_of(st);
	char *out = NULL, *err = NULL;
	size_t outl = 0;
	int ret = cfs_write_storage(bm, md, strlen(md), &wt_write_ctx, &out, &outl, &err);

	ck_assert_msg(ret == want_ret, "%s: %d (%s)", md, ret, err ? err : "");
	if (ret == 0) {
		ck_assert_uint_eq(strlen(out), outl);
		ck_assert_str_eq(out, want);
	} else if (ret == -EINVAL) {
		ck_assert_msg(err && strstr(err, want), "%s: %s", md, err ? err : "");
	}
	free(out);
	free(err);
	cfs_blockmap_free(bm);
}

START_TEST(insert_delete)
{
	const char *md = wt_st2md(PAGE);

	ck_assert_str_eq(md, "one\n\n## two\n\nX-1\n\nthree & *more*\n");
	free((char *)md);
	/* insert at the start, in the middle, at the end */
	expect(PAGE, "new\n\none\n\n## two\n\nX-1\n\nthree & *more*\n", 0,
	       "<p>new</p><p>one</p><h2>two</h2>\n<ac:structured-macro ac:name=\"jira\">"
	       "<ac:parameter ac:name=\"key\">X-1</ac:parameter></ac:structured-macro>"
	       "<p>three &amp; <em>more</em></p>");
	expect(PAGE, "one\n\n## two\n\nnew <span>x</span>\n\nX-1\n\nthree & *more*\n", -EINVAL,
	       "line 5: raw");
	expect(PAGE, "one\n\n## two\n\nnew &amp; 1 < 2\n\nX-1\n\nthree & *more*\n", 0,
	       "<p>one</p><h2>two</h2><p>new &amp; 1 &lt; 2</p>\n<ac:structured-macro "
	       "ac:name=\"jira\"><ac:parameter ac:name=\"key\">X-1</ac:parameter>"
	       "</ac:structured-macro><p>three &amp; <em>more</em></p>");
	expect(PAGE, "one\n\n## two\n\nX-1\n\nthree & *more*\n\n- end\n", 0,
	       "<p>one</p><h2>two</h2>\n<ac:structured-macro ac:name=\"jira\">"
	       "<ac:parameter ac:name=\"key\">X-1</ac:parameter></ac:structured-macro>"
	       "<p>three &amp; <em>more</em></p><ul><li>end</li></ul>");
	/* delete at the start, in the middle (a macro), at the end */
	expect(PAGE, "## two\n\nX-1\n\nthree & *more*\n", 0,
	       "<h2>two</h2>\n<ac:structured-macro ac:name=\"jira\">"
	       "<ac:parameter ac:name=\"key\">X-1</ac:parameter></ac:structured-macro>"
	       "<p>three &amp; <em>more</em></p>");
	expect(PAGE, "one\n\n## two\n\nthree & *more*\n", 0,
	       "<p>one</p><h2>two</h2><p>three &amp; <em>more</em></p>");
	expect(PAGE, "one\n\n## two\n\nX-1\n", 0,
	       "<p>one</p><h2>two</h2>\n<ac:structured-macro ac:name=\"jira\">"
	       "<ac:parameter ac:name=\"key\">X-1</ac:parameter></ac:structured-macro>");
	/* a changed block whose macro Markdown cannot carry: refused, with its line */
	expect(PAGE, "one\n\n## two\n\nX-2\n\nthree & *more*\n", -EINVAL,
	       "line 5: this block holds the jira macro");
	/* blank lines only: the same storage, nothing to publish */
	expect(PAGE, "one\n\n\n## two\n\nX-1\n\n\nthree & *more*\n", 1, NULL);
	/* a line right under a paragraph continues it: the paragraph is converted again */
	expect(PAGE, "one\nmore\n\n## two\n\nX-1\n\nthree & *more*\n", 0,
	       "<p>one more</p><h2>two</h2>\n<ac:structured-macro ac:name=\"jira\">"
	       "<ac:parameter ac:name=\"key\">X-1</ac:parameter></ac:structured-macro>"
	       "<p>three &amp; <em>more</em></p>");
	/* and a line right above the macro's block would change it: refused */
	expect(PAGE, "one\n\n## two\n\nabove\nX-1\n\nthree & *more*\n", -EINVAL,
	       "line 5: this block holds the jira macro");
	/* new tasks are numbered after the page's own */
	expect("<ac:task-list><ac:task><ac:task-id>7</ac:task-id><ac:task-status>incomplete"
	       "</ac:task-status><ac:task-body>a</ac:task-body></ac:task></ac:task-list>",
	       "- [ ] a\n\nnew\n\n- [x] b\n", 0,
	       "<ac:task-list><ac:task><ac:task-id>7</ac:task-id><ac:task-status>incomplete"
	       "</ac:task-status><ac:task-body>a</ac:task-body></ac:task></ac:task-list><p>new</p>"
	       "<ac:task-list><ac:task><ac:task-id>8</ac:task-id><ac:task-status>complete"
	       "</ac:task-status><ac:task-body>b</ac:task-body></ac:task></ac:task-list>");
	/* change a heading */
	expect(PAGE, "one\n\n### two, really\n\nX-1\n\nthree & *more*\n", 0,
	       "<p>one</p><h3>two, really</h3>\n<ac:structured-macro ac:name=\"jira\">"
	       "<ac:parameter ac:name=\"key\">X-1</ac:parameter></ac:structured-macro>"
	       "<p>three &amp; <em>more</em></p>");
}
END_TEST

#define CODE_Y                                                                                     \
	"<ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[y]]>"                  \
	"</ac:plain-text-body></ac:structured-macro>"

/* The comment the converter writes for a macro it cannot show: kept while untouched. */
START_TEST(macro_comments)
{
	static const char page[] =
	    "<p>a</p><ac:structured-macro ac:name=\"foo-bar\"><ac:parameter ac:name=\"x\">1"
	    "</ac:parameter></ac:structured-macro><p>b <ac:structured-macro ac:name=\"status\">"
	    "<ac:parameter ac:name=\"title\">OK</ac:parameter></ac:structured-macro></p>";
	char *md = wt_st2md(page);

	ck_assert_str_eq(md, "a\n\n<!-- confluence macro: foo-bar -->\n\nb **`OK`**\n");
	free(md);
	/* edits around it: the macro's bytes stay */
	expect(page, "A\n\n<!-- confluence macro: foo-bar -->\n\nb **`OK`**\n", 0,
	       "<p>A</p><ac:structured-macro ac:name=\"foo-bar\"><ac:parameter ac:name=\"x\">1"
	       "</ac:parameter></ac:structured-macro><p>b <ac:structured-macro ac:name=\"status\">"
	       "<ac:parameter ac:name=\"title\">OK</ac:parameter></ac:structured-macro></p>");
	expect(page, "<!-- confluence macro: foo-bar -->\n\nb **`OK`**\n", 0,
	       "<ac:structured-macro ac:name=\"foo-bar\"><ac:parameter ac:name=\"x\">1"
	       "</ac:parameter></ac:structured-macro><p>b <ac:structured-macro ac:name=\"status\">"
	       "<ac:parameter ac:name=\"title\">OK</ac:parameter></ac:structured-macro></p>");
	/* deleting it deletes the macro */
	expect(page, "a\n\nb **`OK`**\n", 0,
	       "<p>a</p><p>b <ac:structured-macro ac:name=\"status\">"
	       "<ac:parameter ac:name=\"title\">OK</ac:parameter></ac:structured-macro></p>");
	/* changing the comment, or the paragraph holding the status macro: refused */
	expect(page, "a\n\n<!-- confluence macro: foo -->\n\nb **`OK`**\n", -EINVAL,
	       "line 3: this block holds the foo-bar macro");
	expect(page, "a\n\n<!-- confluence macro: foo-bar -->\n\nbe **`OK`**\n", -EINVAL,
	       "line 5: this block holds the status macro");
	/* a code block's title is a macro parameter Markdown shows as a bold line: refused */
	expect("<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"title\">T"
	       "</ac:parameter><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body>"
	       "</ac:structured-macro>",
	       "**T**\n\n```\ny\n```\n", -EINVAL,
	       "line 1: this block holds the macro parameter title");
	/* a style Markdown cannot show (alignment) is no silent loss either */
	expect("<p style=\"text-align: center;\">x</p>", "y\n", -EINVAL,
	       "line 1: this block holds a style on <p>");
	/* a parameter at its default value is no loss */
	expect("<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"collapse\">false"
	       "</ac:parameter><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body>"
	       "</ac:structured-macro>",
	       "```\ny\n```\n", 0, CODE_Y);
	expect("<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"collapse\">true"
	       "</ac:parameter><ac:plain-text-body><![CDATA[x]]></ac:plain-text-body>"
	       "</ac:structured-macro>",
	       "<details>\n<summary>Code</summary>\n\n```\ny\n```\n\n</details>\n", -EINVAL,
	       "line 1: this block holds the macro parameter collapse");
	/* while an alert's title comes back */
	expect(
	    "<ac:structured-macro ac:name=\"info\"><ac:parameter ac:name=\"title\">T"
	    "</ac:parameter><ac:rich-text-body><p>x</p></ac:rich-text-body></ac:structured-macro>",
	    "> [!NOTE]\n> **T**\n>\n> y\n", 0,
	    "<ac:structured-macro ac:name=\"info\"><ac:parameter ac:name=\"title\">T"
	    "</ac:parameter><ac:rich-text-body><p>y</p></ac:rich-text-body></ac:structured-macro>");
	/* a copy of the comment elsewhere cannot be made a macro */
	expect(page,
	       "a\n\n<!-- confluence macro: foo-bar -->\n\nb **`OK`**\n\n"
	       "<!-- confluence macro: foo-bar -->\n",
	       -EINVAL, "line 7: an HTML comment");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("write");
	TCase *t = tcase_create("blocks");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, fixtures_map);
	tcase_add_test(t, refused_pages);
	tcase_add_test(t, fixtures_noop);
	tcase_add_test(t, fixtures_edit_each_block);
	tcase_add_test(t, insert_delete);
	tcase_add_test(t, macro_comments);
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
