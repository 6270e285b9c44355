/* test_lazy_tree: a space's directories learnt before its full listing (tree_lazy.c,
 * docs/refresh.md "Before the listing"): what the tree shows, which directories it still
 * wants, names and inodes kept when the full listing replaces the partial knowledge. */
#include "tree.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void add(struct cfs_page_list *l, const char *id, const char *title, const char *parent,
                int64_t pos, int64_t version)
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
	p->position = pos;
	p->version = version;
}

static struct cfs_tree *new_tree(void)
{
	struct cfs_space sp = {.id = (char *)"1", .key = (char *)"ENG"};
	struct cfs_tree *t;

	ck_assert_int_eq(cfs_tree_new("https://acme.atlassian.net/wiki", &sp, 1, 0, &t), 0);
	return t;
}

static int lookup(struct cfs_tree *t, uint64_t parent, const char *name, uint64_t *ino)
{
	struct cfs_tree_attr a;
	int ret = cfs_tree_lookup(t, parent, name, &a);

	if (ret == 0 && ino)
		*ino = a.ino;
	return ret;
}

static size_t count(struct cfs_tree *t, uint64_t ino)
{
	struct cfs_tree_dirent *d;
	size_t n;

	ck_assert_int_eq(cfs_tree_readdir(t, ino, &d, &n), 0);
	cfs_tree_dirents_free(d, n);
	return n;
}

/* Home(10) -> {Guide(20) -> {Deploy(40)}, FAQ(30), FAQ(35)}, Solo(50).  A job lists a
 * directory and asks each child for its children (lazy.c); the learn gets both. */
START_TEST(test_partial_then_full)
{
	struct cfs_tree *t = new_tree();
	struct cfs_page_list top = {0}, kids = {0}, full = {0}, probe;
	struct cfs_tree_dirent *d;
	uint64_t home_md, home_dir, guide_md, guide_dir, faq_md, faq2_md, faq2_dir, ino;
	size_t space = 9, n;
	char *id, *type;
	char *top_listed[] = {(char *)"10", (char *)"50"};
	char *home_listed[] = {(char *)"20", (char *)"30"}; /* 35's probe failed */
	int loaded;

	/* Nothing known: the root is wanted, and lookups in it wait. */
	ck_assert_int_eq(cfs_tree_dir_wanted(t, CFS_ROOT_INO, &space, &id, &type), 1);
	ck_assert_uint_eq(space, 0);
	ck_assert_ptr_null(id);
	ck_assert_int_eq(lookup(t, CFS_ROOT_INO, "Home.md", NULL), -EAGAIN);
	ck_assert_int_eq(cfs_tree_unprobed(t, 0, NULL, &probe), 0); /* list it first */
	ck_assert_uint_eq(probe.n, 0);

	/* The top level and its pages' children: Home has some, Solo none. */
	add(&top, "10", "Home", NULL, 0, 3);
	add(&top, "50", "Solo", NULL, 1, 1);
	add(&top, "30", "FAQ", "10", 2, 0); /* as the probe of Home gave them */
	add(&top, "20", "Guide", "10", 1, 0);
	add(&top, "35", "FAQ", "10", 3, 0);
	ck_assert_int_eq(cfs_tree_learn(t, 0, NULL, &top, top_listed, 2), 0);
	ck_assert_uint_eq(top.n, 0);
	ck_assert_int_eq(cfs_tree_dir_wanted(t, CFS_ROOT_INO, &space, &id, &type), 0);
	ck_assert_int_eq(lookup(t, CFS_ROOT_INO, "Home.md", &home_md), 0);
	ck_assert_int_eq(lookup(t, CFS_ROOT_INO, "Home", &home_dir), 0);
	ck_assert_int_eq(lookup(t, CFS_ROOT_INO, "Solo.md", NULL), 0);
	ck_assert_int_eq(lookup(t, CFS_ROOT_INO, "Solo", NULL), -ENOENT); /* no empty Solo/ */
	ck_assert_uint_eq(home_md, (10ull << 2) | 0);
	ck_assert_uint_eq(home_dir, (10ull << 2) | 1);
	ck_assert_uint_eq(count(t, CFS_ROOT_INO), 3);
	cfs_tree_space(t, 0, NULL, NULL, &loaded);
	ck_assert_int_eq(loaded, 0);

	/* Home/ is wanted: its children are known, theirs are still to be asked for. */
	ck_assert_int_eq(cfs_tree_dir_wanted(t, home_dir, &space, &id, &type), 1);
	ck_assert_str_eq(id, "10");
	ck_assert_str_eq(type, "page");
	free(type);
	ck_assert_int_eq(cfs_tree_readdir(t, home_dir, &d, &n), -EAGAIN);
	ck_assert_int_eq(cfs_tree_unprobed(t, 0, id, &probe), 1);
	free(id);
	ck_assert_uint_eq(probe.n, 3);
	for (size_t i = 0; i < probe.n; i++)
		ck_assert_str_eq(probe.v[i].type, "page");
	cfs_model_page_list_clear(&probe);

	/* The probes: Guide has Deploy, FAQ has none, FAQ [35]'s failed. */
	add(&kids, "40", "Deploy", "20", 0, 0);
	ck_assert_int_eq(cfs_tree_learn(t, 0, "10", &kids, home_listed, 2), 0);
	ck_assert_int_eq(cfs_tree_dir_wanted(t, home_dir, &space, &id, &type), 0);
	ck_assert_int_eq(lookup(t, home_dir, "Guide.md", &guide_md), 0);
	ck_assert_int_eq(lookup(t, home_dir, "Guide", &guide_dir), 0);
	ck_assert_int_eq(lookup(t, home_dir, "FAQ.md", &faq_md), 0);
	ck_assert_int_eq(lookup(t, home_dir, "FAQ", NULL), -ENOENT);
	ck_assert_int_eq(lookup(t, home_dir, "FAQ [35].md", &faq2_md), 0);
	ck_assert_int_eq(lookup(t, home_dir, "FAQ [35]", &faq2_dir), 0); /* might have some */
	ck_assert_uint_eq(faq_md, (30ull << 2) | 0);
	ck_assert_uint_eq(count(t, home_dir), 5);
	/* Guide/ is listed, its Deploy still to be asked; FAQ [35]/ is to be listed. */
	ck_assert_int_eq(cfs_tree_dir_wanted(t, guide_dir, &space, &id, &type), 1);
	ck_assert_int_eq(cfs_tree_unprobed(t, 0, id, &probe), 1);
	ck_assert_uint_eq(probe.n, 1);
	ck_assert_str_eq(probe.v[0].id, "40");
	cfs_model_page_list_clear(&probe);
	free(id);
	free(type);
	ck_assert_int_eq(cfs_tree_dir_wanted(t, faq2_dir, &space, &id, &type), 1);
	ck_assert_int_eq(cfs_tree_unprobed(t, 0, id, &probe), 0);
	free(id);
	free(type);
	ck_assert_int_eq(cfs_tree_learn(t, 0, "35", &kids, NULL, 0), 0); /* none */
	ck_assert_uint_eq(count(t, faq2_dir), 0);
	ck_assert_uint_eq(count(t, home_dir), 5);

	/* The full listing: same inodes and names; FAQ [35]/ goes. */
	add(&full, "10", "Home", NULL, 0, 3);
	add(&full, "50", "Solo", NULL, 1, 1);
	add(&full, "20", "Guide", "10", 1, 2);
	add(&full, "30", "FAQ", "10", 2, 1);
	add(&full, "35", "FAQ", "10", 3, 1);
	add(&full, "40", "Deploy", "20", 0, 1);
	ck_assert_int_eq(cfs_tree_load(t, 0, &full, NULL, NULL), 0);
	ck_assert_int_eq(lookup(t, CFS_ROOT_INO, "Home.md", &ino), 0);
	ck_assert_uint_eq(ino, home_md);
	ck_assert_int_eq(lookup(t, home_dir, "Guide.md", &ino), 0);
	ck_assert_uint_eq(ino, guide_md);
	ck_assert_int_eq(lookup(t, home_dir, "FAQ.md", &ino), 0);
	ck_assert_uint_eq(ino, faq_md);
	ck_assert_int_eq(lookup(t, home_dir, "FAQ [35].md", &ino), 0);
	ck_assert_uint_eq(ino, faq2_md);
	ck_assert_int_eq(lookup(t, home_dir, "FAQ [35]", NULL), -ENOENT);
	ck_assert_int_eq(lookup(t, home_dir, "Guide", &ino), 0);
	ck_assert_uint_eq(ino, guide_dir);
	ck_assert_uint_eq(count(t, ino), 1);
	ck_assert_uint_eq(count(t, home_dir), 4);
	ck_assert_uint_eq(count(t, CFS_ROOT_INO), 3);

	/* A partial answer that comes after the full listing changes nothing. */
	add(&kids, "99", "Late", NULL, 0, 0);
	ck_assert_int_eq(cfs_tree_learn(t, 0, "10", &kids, NULL, 0), 0);
	ck_assert_int_eq(lookup(t, home_dir, "Late.md", NULL), -ENOENT);
	ck_assert_uint_eq(count(t, home_dir), 4);
	ck_assert_int_eq(cfs_tree_dir_wanted(t, home_dir, &space, &id, &type), 0);

	cfs_model_page_list_clear(&top);
	cfs_model_page_list_clear(&kids);
	cfs_model_page_list_clear(&full);
	cfs_tree_free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lazy_tree");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_partial_then_full);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
