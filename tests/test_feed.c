/* test_feed: the change feed's cursor (clock skew, equal timestamps, pagination, an empty
 * feed) and applying a feed to the tree (src/tree/feed.c, feed_apply.c). */
#include "feed.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct cfs_time at(int64_t sec, long nsec)
{
	return (struct cfs_time){sec, nsec};
}

static struct cfs_page *add(struct cfs_page_list *l, const char *id, const char *title,
                            const char *parent, int64_t version, struct cfs_time mtime)
{
	struct cfs_page *p;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	p->id = strdup(id);
	p->idnum = strtoull(id, NULL, 10);
	p->title = strdup(title);
	p->parent_id = parent ? strdup(parent) : NULL;
	p->version = version;
	p->mtime = mtime;
	return p;
}

START_TEST(test_cutoff_clock_skew)
{
	struct cfs_time c;

	/* the margin reaches back from the server's own newest stamp, borrowing nanoseconds */
	c = cfs_feed_cutoff(at(1700000000, 100000000), 2500);
	ck_assert_int_eq(c.sec, 1699999997);
	ck_assert_int_eq(c.nsec, 600000000);
	c = cfs_feed_cutoff(at(1700000000, 0), CFS_FEED_MARGIN_MS);
	ck_assert_int_eq(c.sec, 1700000000 - 120);
	ck_assert_int_eq(c.nsec, 0);
	/* no cursor yet: everything */
	c = cfs_feed_cutoff(at(0, 0), CFS_FEED_MARGIN_MS);
	ck_assert_int_eq(c.sec, 0);
	ck_assert_int_eq(c.nsec, 0);
	/* a cursor closer to the epoch than the margin still is one */
	c = cfs_feed_cutoff(at(10, 0), CFS_FEED_MARGIN_MS);
	ck_assert(c.sec == 0 && c.nsec == 1);
	/* a change stamped within the margin before the cursor (another node's clock behind)
	 * is still asked for */
	ck_assert_int_ge(cfs_feed_time_cmp(at(1700000000 - 119, 999999999),
	                                   cfs_feed_cutoff(at(1700000000, 0), CFS_FEED_MARGIN_MS)),
	                 0);
	/* the CQL window comes from elapsed time (monotonic), never from the local date */
	ck_assert_int_eq(cfs_feed_minutes(0, CFS_FEED_MARGIN_MS), 2);
	ck_assert_int_eq(cfs_feed_minutes(60000, CFS_FEED_MARGIN_MS), 3);
	ck_assert_int_eq(cfs_feed_minutes(60001, CFS_FEED_MARGIN_MS), 4);
	ck_assert_int_eq(cfs_feed_minutes(0, 0), 1);
}
END_TEST

START_TEST(test_equal_timestamps)
{
	struct cfs_page_list l = {0};
	struct cfs_time cut = at(1000, 0);

	/* newest first; three share the cutoff's stamp exactly */
	add(&l, "1", "a", NULL, 2, at(1005, 0));
	add(&l, "2", "b", NULL, 2, at(1000, 0));
	add(&l, "3", "c", NULL, 2, at(1000, 0));
	ck_assert_int_eq(cfs_feed_more(cut, &l, 0), 1); /* the next batch may hold more at 1000 */
	add(&l, "4", "d", NULL, 2, at(1000, 0));
	add(&l, "5", "e", NULL, 2, at(999, 999999999));
	ck_assert_int_eq(cfs_feed_more(cut, &l, 3), 0);
	cfs_feed_trim(&l, cut);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(l.v[3].id, "4");
	/* the cursor is the newest stamp; equal stamps do not move it */
	ck_assert_int_eq(cfs_feed_advance(at(1005, 0), &l).sec, 1005);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_pagination_stop)
{
	struct cfs_page_list l = {0};
	struct cfs_time cut = at(5000, 0);

	for (int i = 0; i < 50; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%d", 100 + i);
		add(&l, id, id, NULL, 1, at(9000 - 10 * i, 0));
	}
	ck_assert_int_eq(cfs_feed_more(cut, &l, 0), 1); /* all newer: follow "next" */
	for (int i = 0; i < 50; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%d", 200 + i);
		add(&l, id, id, NULL, 1, at(5200 - 10 * i, 0)); /* crosses 5000 at i = 20 */
	}
	ck_assert_int_eq(cfs_feed_more(cut, &l, 50), 0); /* stop: the rest is older */
	cfs_feed_trim(&l, cut);
	ck_assert_uint_eq(l.n, 71);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_empty_feed)
{
	struct cfs_page_list l = {0};
	struct cfs_time c = at(1234, 5);

	ck_assert_int_eq(cfs_feed_more(c, &l, 0), 0);
	cfs_feed_trim(&l, c);
	ck_assert_uint_eq(l.n, 0);
	c = cfs_feed_advance(c, &l);
	ck_assert(c.sec == 1234 && c.nsec == 5);
	/* an older page (a late commit) never moves the cursor back */
	add(&l, "9", "x", NULL, 1, at(1200, 0));
	c = cfs_feed_advance(c, &l);
	ck_assert(c.sec == 1234 && c.nsec == 5);
	cfs_model_page_list_clear(&l);
}
END_TEST

static uint64_t ino_of(struct cfs_tree *t, uint64_t parent, const char *name)
{
	struct cfs_tree_attr a;
	int ret = cfs_tree_lookup(t, parent, name, &a);

	ck_assert_msg(ret == 0, "lookup %s: %d", name, ret);
	return a.ino;
}

START_TEST(test_apply)
{
	struct cfs_space sp = {.id = (char *)"1", .key = (char *)"ENG"};
	struct cfs_page_list l = {0};
	struct cfs_feed_result r = {0};
	struct cfs_tree_changes ch = {0};
	struct cfs_tree_attr a;
	struct cfs_tree *t;
	struct cfs_attachment *att;
	uint64_t home, runbooks;
	int changed = -1;

	ck_assert_int_eq(cfs_tree_new("https://acme.atlassian.net/wiki", &sp, 1, 0, &t), 0);
	add(&l, "10", "Home", NULL, 3, at(1000, 0));
	add(&l, "20", "Runbooks", "10", 2, at(2000, 0));
	add(&l, "30", "FAQ", "10", 1, at(1500, 0));
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_newest(t, 0).sec, 2000);

	/* the margin shows the last change again: nothing new, nothing loaded */
	add(&r.pages, "20", "Runbooks", "10", 2, at(2000, 0));
	ck_assert_int_eq(cfs_feed_apply(t, 0, &r, &ch, &changed), 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_uint_eq(ch.n, 0);
	cfs_feed_result_clear(&r);

	/* an edit that renames FAQ, a new page under Runbooks, a new attachment */
	add(&r.pages, "30", "FAQ renamed", "10", 2, at(3000, 0));
	add(&r.pages, "40", "New page", "20", 1, at(3001, 0));
	r.atts.v = calloc(1, sizeof(*r.atts.v));
	r.atts.n = r.atts.cap = 1;
	att = &r.atts.v[0];
	att->id = strdup("att50");
	att->title = strdup("diagram.png");
	att->page_id = strdup("10");
	att->version = 1;
	att->size = 42;
	ck_assert_int_eq(cfs_feed_apply(t, 0, &r, &ch, &changed), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_uint_gt(ch.n, 0); /* the kernel is told */
	home = ino_of(t, CFS_ROOT_INO, "Home");
	ino_of(t, home, "FAQ renamed.md");
	ck_assert_int_eq(cfs_tree_lookup(t, home, "FAQ.md", &a), -ENOENT);
	runbooks = ino_of(t, home, "Runbooks");
	ino_of(t, runbooks, "New page.md");
	ino_of(t, ino_of(t, home, "_attachments"), "diagram.png");
	/* what the feed did not mention is still there, as it was */
	ino_of(t, CFS_ROOT_INO, "Home.md");
	ino_of(t, home, "Runbooks.md");
	ck_assert_int_eq(cfs_tree_newest(t, 0).sec, 3001);
	cfs_feed_result_clear(&r);
	cfs_tree_changes_clear(&ch);
	cfs_model_page_list_clear(&l);
	cfs_tree_free(t);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("feed");
	TCase *tc = tcase_create("feed");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_cutoff_clock_skew);
	tcase_add_test(tc, test_equal_timestamps);
	tcase_add_test(tc, test_pagination_stop);
	tcase_add_test(tc, test_empty_feed);
	tcase_add_test(tc, test_apply);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
