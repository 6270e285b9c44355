/* test_tree_change: a confirmed write put into the tree without a listing
 * (cfs_tree_apply_change in src/tree/feed_apply.c, the change record of
 * src/tree/sync_change.c; docs/shape.md). */
#include "feed.h"
#include "sync.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct cfs_page page(const char *id, const char *title, const char *parent, int64_t version,
                            int64_t sec)
{
	struct cfs_page p;

	memset(&p, 0, sizeof(p));
	p.id = strdup(id);
	p.idnum = strtoull(id, NULL, 10);
	p.title = title ? strdup(title) : NULL;
	p.parent_id = parent ? strdup(parent) : NULL;
	p.version = version;
	p.mtime = (struct cfs_time){sec, 0};
	p.position = INT64_MAX;
	return p;
}

static uint64_t ino_of(struct cfs_tree *t, uint64_t parent, const char *name)
{
	struct cfs_tree_attr a;
	int ret = cfs_tree_lookup(t, parent, name, &a);

	ck_assert_msg(ret == 0, "lookup %s: %d", name, ret);
	return a.ino;
}

static int there(struct cfs_tree *t, uint64_t parent, const char *name)
{
	struct cfs_tree_attr a;

	return cfs_tree_lookup(t, parent, name, &a) == 0;
}

static struct cfs_tree *demo(void)
{
	struct cfs_space sp = {.id = (char *)"1", .key = (char *)"ENG"};
	struct cfs_sync_change c = {0};
	struct cfs_page p;
	struct cfs_attachment a = {0};
	struct cfs_tree *t;

	ck_assert_int_eq(cfs_tree_new("https://acme.atlassian.net/wiki", &sp, 1, 0, &t), 0);
	p = page("10", "Home", NULL, 3, 1000);
	cfs_sync_change_take_page(&c, &p);
	p = page("20", "Runbooks", "10", 2, 2000);
	cfs_sync_change_take_page(&c, &p);
	p = page("30", "FAQ", "10", 1, 1500);
	cfs_sync_change_take_page(&c, &p);
	p = page("40", "Deploy", "20", 1, 1500);
	cfs_sync_change_take_page(&c, &p);
	a.id = strdup("att50");
	a.title = strdup("diagram.png");
	a.page_id = strdup("10");
	a.version = 1;
	a.size = 42;
	ck_assert_int_eq(cfs_sync_change_take_att(&c, &a), 0);
	ck_assert_ptr_null(a.id); /* taken */
	ck_assert_int_eq(cfs_tree_load(t, 0, &c.pages, &c.atts, NULL), 0);
	cfs_sync_change_clear(&c);
	return t;
}

START_TEST(test_create_move_trash)
{
	struct cfs_tree *t = demo();
	struct cfs_sync_change c = {0}, more = {0};
	struct cfs_tree_changes ch = {0};
	struct cfs_tree_attr a;
	struct cfs_page p;
	uint64_t home, runbooks;

	/* a new page under Runbooks (as created: no type), FAQ moved under Runbooks with
	 * only its id, version and parent answered, Deploy trashed */
	p = page("60", "New page", "20", 1, 0);
	ck_assert_int_eq(cfs_sync_change_take_page(&c, &p), 0);
	p = page("30", NULL, "20", 2, 3000);
	ck_assert_int_eq(cfs_sync_change_take_page(&more, &p), 0);
	ck_assert_int_eq(cfs_sync_change_gone(&more, "40"), 0);
	ck_assert_int_eq(cfs_sync_change_move(&c, &more), 0); /* two changes, merged */
	ck_assert_uint_eq(more.pages.n, 0);
	ck_assert_uint_eq(c.pages.n, 2);
	ck_assert_uint_eq(c.ngone, 1);
	ck_assert_int_eq(cfs_tree_apply_change(t, 0, &c.pages, &c.atts, c.gone, c.ngone, &ch), 0);
	ck_assert_uint_gt(ch.n, 0); /* the kernel is told */
	home = ino_of(t, CFS_ROOT_INO, "Home");
	runbooks = ino_of(t, home, "Runbooks");
	ino_of(t, runbooks, "New page.md");
	ino_of(t, runbooks, "FAQ.md"); /* the title kept from the tree */
	ck_assert(!there(t, home, "FAQ.md"));
	ck_assert(!there(t, runbooks, "Deploy.md"));
	ck_assert_int_eq(cfs_tree_lookup(t, runbooks, "FAQ.md", &a), 0);
	/* what the change did not mention is as it was */
	ino_of(t, CFS_ROOT_INO, "Home.md");
	ino_of(t, ino_of(t, home, "_attachments"), "diagram.png");
	cfs_tree_changes_clear(&ch);
	cfs_sync_change_clear(&c);

	/* a retitle (parent not answered: kept), then a move to the top level ("") */
	p = page("60", "Renamed page", NULL, 2, 3100);
	cfs_sync_change_take_page(&c, &p);
	ck_assert_int_eq(cfs_tree_apply_change(t, 0, &c.pages, &c.atts, c.gone, c.ngone, NULL), 0);
	cfs_sync_change_clear(&c);
	ino_of(t, runbooks, "Renamed page.md");
	ck_assert(!there(t, runbooks, "New page.md"));
	p = page("60", NULL, "", 3, 3200);
	cfs_sync_change_take_page(&c, &p);
	ck_assert_int_eq(cfs_tree_apply_change(t, 0, &c.pages, &c.atts, c.gone, c.ngone, NULL), 0);
	cfs_sync_change_clear(&c);
	ino_of(t, CFS_ROOT_INO, "Renamed page.md");
	ck_assert(!there(t, runbooks, "Renamed page.md"));
	cfs_tree_free(t);
}
END_TEST

START_TEST(test_attachments)
{
	struct cfs_tree *t = demo();
	struct cfs_sync_change c = {0};
	struct cfs_attachment a = {0};
	struct cfs_tree_attr at;
	uint64_t atts;

	/* a new version of diagram.png (answered without its page or size), a new file */
	a.id = strdup("att50");
	a.version = 2;
	a.size = -1;
	cfs_sync_change_take_att(&c, &a);
	a.id = strdup("att70");
	a.title = strdup("notes.txt");
	a.page_id = strdup("10");
	a.version = 1;
	a.size = 7;
	cfs_sync_change_take_att(&c, &a);
	ck_assert_int_eq(cfs_tree_apply_change(t, 0, &c.pages, &c.atts, c.gone, c.ngone, NULL), 0);
	cfs_sync_change_clear(&c);
	atts = ino_of(t, ino_of(t, CFS_ROOT_INO, "Home"), "_attachments");
	ck_assert_int_eq(cfs_tree_lookup(t, atts, "diagram.png", &at), 0);
	ck_assert_int_eq(at.size, 42); /* kept */
	ck_assert_int_eq(cfs_tree_lookup(t, atts, "notes.txt", &at), 0);
	ck_assert_int_eq(at.size, 7);
	/* trashed */
	ck_assert_int_eq(cfs_sync_change_gone(&c, "att50"), 0);
	ck_assert_int_eq(cfs_tree_apply_change(t, 0, &c.pages, &c.atts, c.gone, c.ngone, NULL), 0);
	cfs_sync_change_clear(&c);
	ck_assert(!there(t, atts, "diagram.png"));
	ck_assert(there(t, atts, "notes.txt"));
	ck_assert_int_eq(cfs_tree_apply_change(t, 7, NULL, NULL, NULL, 0, NULL), -EINVAL);
	cfs_tree_free(t);
}
END_TEST

/* keep_dir 3: a page made for a mkdir shows as its directory only, until written. */
START_TEST(test_stand_in)
{
	struct cfs_tree *t = demo();
	struct cfs_sync_change c = {0};
	struct cfs_tree_attr a;
	struct cfs_page p;
	uint64_t home = ino_of(t, CFS_ROOT_INO, "Home");

	ck_assert_int_eq(cfs_tree_lookup(t, home, "FAQ.md", &a), 0);
	ck_assert(!cfs_tree_stand_in(t, a.node));
	cfs_tree_keep_dir(t, a.node, 3);
	ck_assert_int_eq(cfs_tree_apply_change(t, 0, NULL, NULL, NULL, 0, NULL), 0);
	ck_assert(!there(t, home, "FAQ.md"));
	ck_assert_int_eq(cfs_tree_lookup(t, home, "FAQ", &a), 0);
	ck_assert(a.is_dir);
	ck_assert(cfs_tree_stand_in(t, a.node));
	/* written: a new version, the file is back */
	p = page("30", NULL, NULL, 2, 4000);
	cfs_sync_change_take_page(&c, &p);
	ck_assert_int_eq(cfs_tree_apply_change(t, 0, &c.pages, &c.atts, c.gone, c.ngone, NULL), 0);
	cfs_sync_change_clear(&c);
	ck_assert_int_eq(cfs_tree_lookup(t, home, "FAQ.md", &a), 0);
	ck_assert(!cfs_tree_stand_in(t, a.node));
	ck_assert(there(t, home, "FAQ")); /* its directory stays (keep_dir) */
	cfs_tree_free(t);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("tree_change");
	TCase *tc = tcase_create("tree_change");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_create_move_trash);
	tcase_add_test(tc, test_attachments);
	tcase_add_test(tc, test_stand_in);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
