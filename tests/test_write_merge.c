/* test_write_merge: the three-way block merge and the front matter. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write/wtest.h"

static const char BASE[] = "<p>one</p><p>two</p><p>three</p><p>four</p>";
/* its Markdown: one (line 1), two (3), three (5), four (7) */

static struct cfs_blockmap *map_of(const char *st)
{
	struct cfs_blockmap *bm = NULL;
	char *why = NULL;

	ck_assert_msg(cfs_blockmap_build(st, strlen(st), &wt_convert_ctx, &bm, &why) == 0, "%s",
	              why ? why : "");
	return bm;
}

static void merge(const char *theirs, const char *md, int want_ret, const char *want)
{
	struct cfs_blockmap *b = map_of(BASE), *t = map_of(theirs);
	char *out = NULL, *err = NULL;
	size_t n = 0;
	int ret = cfs_write_merge(b, md, strlen(md), t, &wt_write_ctx, &out, &n, &err);

	ck_assert_msg(ret == want_ret, "%s / %s: %d %s", theirs, md, ret, err ? err : "");
	if (ret == 0)
		ck_assert_str_eq(out, want);
	else if (want)
		ck_assert_msg(err && !strcmp(err, want), "%s (want %s)", err ? err : "", want);
	free(out);
	free(err);
	cfs_blockmap_free(b);
	cfs_blockmap_free(t);
}

START_TEST(merge_disjoint)
{
	merge("<p>one</p><p>two</p><p>three</p><p>FOUR</p>", "uno\n\ntwo\n\nthree\n\nfour\n", 0,
	      "<p>uno</p><p>two</p><p>three</p><p>FOUR</p>");
	/* they inserted, we changed elsewhere */
	merge("<p>one</p><p>two</p><h2>new</h2><p>three</p><p>four</p>",
	      "one\n\ntwo\n\nthree\n\ncuatro\n", 0,
	      "<p>one</p><p>two</p><h2>new</h2><p>three</p><p>cuatro</p>");
	/* they deleted a block, we inserted elsewhere */
	merge("<p>one</p><p>three</p><p>four</p>", "zero\n\none\n\ntwo\n\nthree\n\nfour\n", 0,
	      "<p>zero</p><p>one</p><p>three</p><p>four</p>");
	/* we deleted a block they did not touch, they changed another */
	merge("<p>ONE</p><p>two</p><p>three</p><p>four</p>", "one\n\ntwo\n\nfour\n", 0,
	      "<p>ONE</p><p>two</p><p>four</p>");
	/* we append, they changed the first block */
	merge("<p>ONE</p><p>two</p><p>three</p><p>four</p>",
	      "one\n\ntwo\n\nthree\n\nfour\n\nfive\n", 0,
	      "<p>ONE</p><p>two</p><p>three</p><p>four</p><p>five</p>");
	/* the same change on both sides: theirs stands (here: nothing left to publish) */
	merge("<p>one</p><p>two</p><p>3</p><p>four</p>", "one\n\ntwo\n\n3\n\nfour\n", 1, NULL);
	merge("<p>one</p><p>two</p><p>3 </p><p>four</p>", "uno\n\ntwo\n\n3\n\nfour\n", 0,
	      "<p>uno</p><p>two</p><p>3 </p><p>four</p>");
	merge("<p>one</p><p>two</p><h2>x</h2><p>three</p><p>four</p>",
	      "one\n\ntwo\n\n## x\n\nthree\n\nfour\n", 1, NULL);
	/* they changed nothing */
	merge(BASE, "one\n\n2\n\nthree\n\nfour\n", 0, "<p>one</p><p>2</p><p>three</p><p>four</p>");
}
END_TEST

START_TEST(merge_conflicts)
{
	merge("<p>ONE</p><p>two</p><p>three</p><p>four</p>", "uno\n\ntwo\n\nthree\n\nfour\n",
	      -EBUSY, "line 1: the server changed this block too");
	merge("<p>one</p><p>two</p><p>THREE</p><p>four</p>", "one\n\ntwo\n\nfour\n", -EBUSY,
	      "line 4: the server changed this block too"); /* where it was */
	merge("<p>one</p><p>two</p><h2>theirs</h2><p>three</p><p>four</p>",
	      "one\n\ntwo\n\nours\n\nthree\n\nfour\n", -EBUSY,
	      "line 5: the server inserted text at the same place");
	merge("<p>one</p><p>two</p><p>three</p><p>four</p><p>theirs</p>",
	      "one\n\ntwo\n\nthree\n\nfour\n\nours\n", -EBUSY,
	      "line 9: the server inserted text at the same place");
	/* they rewrote the block right before our insertion */
	merge("<p>one</p><p>TWO</p><p>three</p><p>four</p>",
	      "one\n\ntwo\n\nours\n\nthree\n\nfour\n", -EBUSY,
	      "line 5: the server changed the block before this insertion");
}
END_TEST

START_TEST(merge_noop_and_refusal)
{
	merge("<p>x</p>", "one\n\ntwo\n\nthree\n\nfour\n\n", 1, NULL);
	merge("<p>x</p>", "one\n\n<div>x</div>\n\nthree\n\nfour\n", -EINVAL, NULL);
}
END_TEST

START_TEST(front_matter_parse)
{
	const char *md = "---\ntitle: \"A \\\"q\\\" \\\\ \\x41\"\nspace: \"DOC\"\nid: \"12\"\n"
	                 "labels:\n  - one\n  - \"two words\"\nother: [x]\n---\n\nbody\n";
	struct cfs_front_matter fm;
	char *err = NULL;

	ck_assert_int_eq(cfs_write_front_matter(md, strlen(md), &fm, &err), 0);
	ck_assert_str_eq(fm.title, "A \"q\" \\ A");
	ck_assert_ptr_nonnull(fm.labels);
	ck_assert_str_eq(fm.labels[0], "one");
	ck_assert_str_eq(fm.labels[1], "two words");
	ck_assert_ptr_null(fm.labels[2]);
	ck_assert_str_eq(md + fm.body, "body\n");
	cfs_front_matter_free(&fm);

	md = "---\ntitle: Plain title   # a comment\nlabels: [a, 'b c', \"d\"]\n---\nbody";
	ck_assert_int_eq(cfs_write_front_matter(md, strlen(md), &fm, &err), 0);
	ck_assert_str_eq(fm.title, "Plain title");
	ck_assert_str_eq(fm.labels[0], "a");
	ck_assert_str_eq(fm.labels[1], "b c");
	ck_assert_str_eq(fm.labels[2], "d");
	ck_assert_ptr_null(fm.labels[3]);
	ck_assert_str_eq(md + fm.body, "body");
	cfs_front_matter_free(&fm);

	md = "---\ntitle: 'it''s'\nlabels: []\n---\n";
	ck_assert_int_eq(cfs_write_front_matter(md, strlen(md), &fm, &err), 0);
	ck_assert_str_eq(fm.title, "it's");
	ck_assert_ptr_nonnull(fm.labels);
	ck_assert_ptr_null(fm.labels[0]);
	ck_assert_uint_eq(fm.body, strlen(md));
	cfs_front_matter_free(&fm);

	md = "no front matter\n---\n";
	ck_assert_int_eq(cfs_write_front_matter(md, strlen(md), &fm, &err), 0);
	ck_assert_ptr_null(fm.title);
	ck_assert_ptr_null(fm.labels);
	ck_assert_uint_eq(fm.body, 0);

	/* a body that starts with a rule is no front matter */
	md = "---\n\ntext\n\n---\n";
	ck_assert_int_eq(cfs_write_front_matter(md, strlen(md), &fm, &err), 0);
	ck_assert_uint_eq(fm.body, 0);
	md = "---\ntitle: x\n";
	ck_assert_int_eq(cfs_write_front_matter(md, strlen(md), &fm, &err), -EINVAL);
	ck_assert_str_eq(err, "line 1: front matter without its closing \"---\"");
	free(err);
	md = "---\ntitle: x\njust text\n---\n";
	ck_assert_int_eq(cfs_write_front_matter(md, strlen(md), &fm, &err), -EINVAL);
	ck_assert_str_eq(err, "line 3: front matter: a line without \"key:\"");
	free(err);
	md = "---\ntitle: \"open\n---\n";
	ck_assert_int_eq(cfs_write_front_matter(md, strlen(md), &fm, &err), -EINVAL);
	ck_assert_str_eq(err, "line 2: front matter: a value that is not valid YAML here");
	free(err);
}
END_TEST

/* The converter's own front matter parses back to its title. */
START_TEST(front_matter_round_trip)
{
	struct cfs_convert_ctx c = wt_convert_ctx;
	struct cfs_write_ctx w = wt_write_ctx;
	struct cfs_front_matter fm;
	struct cfs_blockmap *bm = NULL;
	char *md = NULL, *err = NULL, *why = NULL, *out = NULL, *edited;
	size_t n, mlen;
	const char *st = "<p>one</p><p>two</p>", *m;

	c.flags = CFS_CONVERT_FRONT_MATTER;
	c.title = "Tabs\tand \"quotes\" & caf\xc3\xa9";
	c.page_id = "42";
	w.convert = &c;
	ck_assert_int_eq(cfs_convert(st, strlen(st), &c, &md, &n), 0);
	ck_assert_int_eq(cfs_write_front_matter(md, n, &fm, &err), 0);
	ck_assert_str_eq(fm.title, c.title);
	ck_assert_ptr_null(fm.labels);
	ck_assert_str_eq(md + fm.body, "one\n\ntwo\n");
	cfs_front_matter_free(&fm);
	free(md);

	ck_assert_int_eq(cfs_blockmap_build(st, strlen(st), &c, &bm, &why), 0);
	m = cfs_blockmap_markdown(bm, &mlen);
	ck_assert_int_eq(cfs_write_storage(bm, m, mlen, &w, &out, &n, &err), 1);
	/* a new title alone changes no body */
	ck_assert_int_gt(asprintf(&edited, "---\ntitle: \"New\"\n---\n\none\n\ntwo\n"), 0);
	ck_assert_int_eq(cfs_write_storage(bm, edited, strlen(edited), &w, &out, &n, &err), 1);
	free(edited);
	/* lines count from the top of the file */
	ck_assert_int_gt(asprintf(&edited, "%.*s<div>x</div>\n", (int)mlen - 4, m), 0);
	ck_assert_int_eq(cfs_write_storage(bm, edited, strlen(edited), &w, &out, &n, &err),
	                 -EINVAL);
	ck_assert_msg(!strncmp(err, "line 9: raw HTML", 16), "%s", err);
	free(err);
	free(edited);
	cfs_blockmap_free(bm);

	/* the caller may pass the body alone, even one starting with a rule */
	st = "<hr /><p>one</p><hr /><p>two</p>";
	ck_assert_int_eq(cfs_blockmap_build(st, strlen(st), &c, &bm, &why), 0);
	m = "---\n\none\n\n---\n\ntwo\n";
	ck_assert_int_eq(cfs_write_storage(bm, m, strlen(m), &w, &out, &n, &err), 1);
	m = "---\n\nuno\n\n---\n\ntwo\n";
	ck_assert_int_eq(cfs_write_storage(bm, m, strlen(m), &w, &out, &n, &err), 0);
	ck_assert_str_eq(out, "<hr /><p>uno</p><hr /><p>two</p>");
	free(out);
	cfs_blockmap_free(bm);
}
END_TEST

/* Which of two rendered versions a saved text was edited from: the nearer. */
START_TEST(distance_picks_the_version_edited)
{
	const char *v5 = "# T\n\nalpha\n\nbeta\n\ngamma\n";
	const char *v6 = "# T\n\nalpha\n\nBETA by a colleague\n\ngamma\n";
	const char *from5 = "# T\n\nalpha mine\n\nbeta\n\ngamma\n";
	const char *from6 = "# T\n\nalpha mine\n\nBETA by a colleague\n\ngamma\n";

	ck_assert_uint_eq(cfs_write_distance(v5, strlen(v5), v5, strlen(v5)), 0);
	ck_assert_uint_eq(cfs_write_distance(v5, strlen(v5), v6, strlen(v6)), 2);
	ck_assert_uint_eq(cfs_write_distance(from5, strlen(from5), v5, strlen(v5)), 2);
	ck_assert_uint_eq(cfs_write_distance(from5, strlen(from5), v6, strlen(v6)), 4);
	ck_assert_uint_lt(cfs_write_distance(from6, strlen(from6), v6, strlen(v6)),
	                  cfs_write_distance(from6, strlen(from6), v5, strlen(v5)));
	/* lines compare without their newline; an empty text has no line */
	ck_assert_uint_eq(cfs_write_distance("a\nb", 3, "a\nb\n", 4), 0);
	ck_assert_uint_eq(cfs_write_distance("", 0, "a\n", 2), 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("write");
	TCase *t = tcase_create("merge");

	tcase_add_test(t, merge_disjoint);
	tcase_add_test(t, merge_conflicts);
	tcase_add_test(t, merge_noop_and_refusal);
	tcase_add_test(t, front_matter_parse);
	tcase_add_test(t, front_matter_round_trip);
	tcase_add_test(t, distance_picks_the_version_edited);
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
