/* test_tree_compact: the tree's compact node storage (docs/memory.md): the
 * string set shared by the nodes, and md_name kept in the stem's block. */
#include "intern.h"
#include "tree_int.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_intern_same_copy)
{
	struct cfs_intern in = {0};
	char buf[8];
	const char *a, *b, *c;

	a = cfs_intern(&in, "acc-1");
	strcpy(buf, "acc-1");
	b = cfs_intern(&in, buf);
	c = cfs_intern(&in, "acc-2");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b); /* equal strings: one copy */
	ck_assert_ptr_ne(a, buf);
	ck_assert_str_eq(c, "acc-2");
	ck_assert_ptr_ne(a, c);
	ck_assert_ptr_null(cfs_intern(&in, NULL));
	ck_assert_uint_eq(in.n, 2);
	cfs_intern_free(&in);
	ck_assert_uint_eq(in.n, 0);
}
END_TEST

START_TEST(test_intern_grows)
{
	struct cfs_intern in = {0};
	const char *first[1000];
	char s[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(s, sizeof(s), "user-%d", i);
		first[i] = cfs_intern(&in, s);
		ck_assert_str_eq(first[i], s);
	}
	ck_assert_uint_eq(in.n, 1000);
	ck_assert_uint_ge(in.cap, 2000); /* at most half full */
	for (int i = 0; i < 1000; i++) { /* the same copies after the set grew */
		snprintf(s, sizeof(s), "user-%d", i);
		ck_assert_ptr_eq(cfs_intern(&in, s), first[i]);
	}
	ck_assert_uint_eq(in.n, 1000);
	cfs_intern_free(&in);
}
END_TEST

static void add(struct cfs_page_list *l, const char *id, const char *title, const char *parent,
                const char *author)
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
	p->parent_type = parent ? strdup("page") : NULL;
	p->author_id = strdup(author);
	p->version = 1;
}

static struct cfs_node *node_of(struct cfs_tree *t, uint64_t id)
{
	struct cfs_tree_attr a;

	ck_assert_int_eq(cfs_tree_getattr(t, id << 2, &a), 0);
	return a.node;
}

static char *xattr(struct cfs_tree *t, uint64_t ino, const char *name)
{
	char *v = NULL, *s;
	size_t len = 0;

	ck_assert_int_eq(cfs_tree_xattr_get(t, ino, name, &v, &len), 0);
	s = strndup(v, len);
	free(v);
	return s;
}

START_TEST(test_nodes_share_strings)
{
	struct cfs_space sp = {.id = (char *)"1", .key = (char *)"ENG"};
	struct cfs_page_list l = {0};
	struct cfs_tree *t;
	struct cfs_node *a, *b, *c;
	char *v;

	add(&l, "10", "Home", NULL, "acc-1");
	add(&l, "20", "Runbooks", "10", "acc-1");
	add(&l, "30", "FAQ", "10", "acc-2");
	ck_assert_int_eq(cfs_tree_new("https://x.example/wiki", &sp, 1, 0, &t), 0);
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	a = node_of(t, 10);
	b = node_of(t, 20);
	c = node_of(t, 30);
	ck_assert_ptr_eq(a->author_id, b->author_id);
	ck_assert_ptr_ne(a->author_id, l.v[0].author_id); /* the tree's copy */
	ck_assert_str_eq(c->author_id, "acc-2");
	ck_assert_ptr_eq(b->parent_type, c->parent_type);
	ck_assert_ptr_null(a->parent_type);
	v = xattr(t, 20u << 2, "user.confluence.author_id");
	ck_assert_str_eq(v, "acc-1");
	free(v);
	/* A reload keeps pointing at the same copies; the listing is freed. */
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_ptr_eq(node_of(t, 20)->author_id, a->author_id);
	cfs_model_page_list_clear(&l);
	v = xattr(t, 30u << 2, "user.confluence.author_id");
	ck_assert_str_eq(v, "acc-2");
	free(v);
	cfs_tree_free(t);
}
END_TEST

START_TEST(test_md_name_in_stem)
{
	struct cfs_space sp = {.id = (char *)"1", .key = (char *)"ENG"};
	struct cfs_page_list l = {0};
	struct cfs_tree_attr at;
	struct cfs_tree *t;
	struct cfs_node *n;

	add(&l, "10", "Home", NULL, "acc-1");
	add(&l, "20", "Runbooks", "10", "acc-1");
	ck_assert_int_eq(cfs_tree_new("https://x.example/wiki", &sp, 1, 0, &t), 0);
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	n = node_of(t, 20);
	ck_assert_str_eq(n->stem, "Runbooks");
	ck_assert_str_eq(n->md_name, "Runbooks.md");
	ck_assert_ptr_eq(n->md_name, n->stem + strlen(n->stem) + 1);
	/* Renamed: the new name everywhere, the old one nowhere. */
	free(l.v[1].title);
	l.v[1].title = strdup("Operations handbook");
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_str_eq(n->md_name, "Operations handbook.md");
	ck_assert_ptr_eq(n->md_name, n->stem + strlen(n->stem) + 1);
	ck_assert_int_eq(cfs_tree_lookup(t, 10u << 2 | 1, "Operations handbook.md", &at), 0);
	ck_assert_uint_eq(at.ino, 20u << 2);
	ck_assert_int_ne(cfs_tree_lookup(t, 10u << 2 | 1, "Runbooks.md", &at), 0);
	cfs_model_page_list_clear(&l);
	cfs_tree_free(t);
}
END_TEST

static struct cfs_blob *blob_of(size_t len)
{
	char *d = malloc(len + 1);

	memset(d, 'x', len);
	d[len] = '\0';
	return cfs_blob_take(d, len);
}

/* Over mem_cache, pages also kept on disk go first, then the least recently
 * used; the mark belongs to the bytes it was given for. */
START_TEST(test_evict_on_disk_first)
{
	struct cfs_space sp = {.id = (char *)"1", .key = (char *)"ENG"};
	struct cfs_page_list l = {0};
	struct cfs_tree *t;
	struct cfs_node *a, *b, *c;
	struct cfs_blob *ba = blob_of(40), *bb = blob_of(40), *bc = blob_of(40), *old = blob_of(40);
	struct cfs_blob *got;

	add(&l, "10", "Home", NULL, "acc-1");
	add(&l, "20", "A", "10", "acc-1");
	add(&l, "30", "B", "10", "acc-1");
	add(&l, "40", "C", "10", "acc-1");
	ck_assert_int_eq(cfs_tree_new("https://x.example/wiki", &sp, 1, 0, &t), 0);
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	cfs_tree_set_md_cap(t, 100);
	a = node_of(t, 20);
	b = node_of(t, 30);
	c = node_of(t, 40);
	cfs_tree_set_md(t, a, ba, 1, NULL); /* a: least recently used */
	cfs_tree_set_md(t, b, bb, 1, NULL);
	cfs_tree_md_on_disk(t, b, old); /* other bytes: no mark */
	ck_assert_int_eq(b->md_on_disk, 0);
	cfs_tree_md_on_disk(t, b, bb);
	ck_assert_int_eq(b->md_on_disk, 1);
	cfs_tree_set_md(t, c, bc, 1, NULL); /* 120 bytes > 100: down to 90 */
	ck_assert_uint_eq(cfs_tree_md_bytes(t), 80);
	ck_assert_ptr_null(cfs_tree_md(t, b)); /* on disk: dropped although used later */
	got = cfs_tree_md(t, a);
	ck_assert_ptr_eq(got, ba);
	cfs_blob_unref(got);
	/* New bytes for a page clear its mark; without marks, LRU decides. */
	cfs_tree_md_on_disk(t, c, bc);
	cfs_tree_set_md(t, c, bc, 1, NULL);
	ck_assert_int_eq(c->md_on_disk, 0);
	cfs_tree_set_md(t, b, bb, 1, NULL); /* 120 again: a is the oldest, c unmarked */
	ck_assert_ptr_null(cfs_tree_md(t, a));
	got = cfs_tree_md(t, c);
	ck_assert_ptr_eq(got, bc);
	cfs_blob_unref(got);
	ck_assert_uint_eq(cfs_tree_md_bytes(t), 80);
	cfs_blob_unref(ba);
	cfs_blob_unref(bb);
	cfs_blob_unref(bc);
	cfs_blob_unref(old);
	cfs_model_page_list_clear(&l);
	cfs_tree_free(t);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("tree_compact");
	TCase *tc = tcase_create("tree_compact");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_intern_same_copy);
	tcase_add_test(tc, test_intern_grows);
	tcase_add_test(tc, test_nodes_share_strings);
	tcase_add_test(tc, test_md_name_in_stem);
	tcase_add_test(tc, test_evict_on_disk_first);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
