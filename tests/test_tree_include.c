/* test_tree_include: includes and authors in the tree — what an included page's new version
 * drops, and authors by display name in front matter and xattrs. */
#include "tree.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(struct cfs_page_list *l, const char *id, const char *title, const char *parent,
                int64_t version, const char *author)
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
	p->position = (int64_t)l->n;
	p->version = version;
	p->mtime.sec = 1700000000 + version;
	p->author_id = author ? strdup(author) : NULL;
}

/* Home(10) -> {Shared(20), Other(30)} in space ENG. */
static struct cfs_tree *sample(struct cfs_page_list *l)
{
	struct cfs_space sp = {.id = (char *)"1", .key = (char *)"ENG"};
	struct cfs_tree *t;

	memset(l, 0, sizeof(*l));
	add(l, "10", "Home", NULL, 1, "acc-1");
	add(l, "20", "Shared", "10", 1, "acc-2");
	add(l, "30", "Other", "10", 1, NULL);
	ck_assert_int_eq(cfs_tree_new("https://acme.atlassian.net/wiki", &sp, 1, 0, &t), 0);
	ck_assert_int_eq(cfs_tree_load(t, 0, l, NULL, NULL), 0);
	return t;
}

static char asked[256];

static char *storage(void *arg, const char *space, const char *title, size_t *len)
{
	(void)arg;
	snprintf(asked + strlen(asked), sizeof(asked) - strlen(asked), "%s:%s;", space, title);
	if (strcmp(title, "Shared") != 0)
		return NULL;
	*len =
	    strlen("<p>shared text <ac:link><ri:page ri:content-title=\"Other\"/></ac:link></p>");
	return strdup(
	    "<p>shared text <ac:link><ri:page ri:content-title=\"Other\"/></ac:link></p>");
}

static struct cfs_node *node(struct cfs_tree *t, uint64_t id)
{
	struct cfs_tree_attr a;

	ck_assert_int_eq(cfs_tree_getattr(t, id << 2, &a), 0);
	return a.node;
}

#define INCLUDE(title)                                                                             \
	"<ac:structured-macro ac:name=\"include\"><ac:parameter ac:name=\"\"><ac:link>"            \
	"<ri:page ri:content-title=\"" title "\"/></ac:link></ac:parameter></ac:structured-macro>"

START_TEST(test_include_resolves_and_a_new_version_drops_the_includer)
{
	struct cfs_page_list l;
	struct cfs_tree *t = sample(&l);
	struct cfs_tree_inc inc = {storage, NULL};
	struct cfs_tree_links links = {0};
	struct cfs_blob *md;
	const char *in = INCLUDE("Shared");
	char *out;
	size_t len;

	ck_assert_ptr_eq(cfs_tree_find_page(t, node(t, 10), NULL, "Shared"), node(t, 20));
	ck_assert_ptr_eq(cfs_tree_find_page(t, node(t, 10), "ENG", "Shared"), node(t, 20));
	ck_assert_ptr_null(cfs_tree_find_page(t, node(t, 10), "OPS", "Shared"));
	ck_assert_ptr_null(cfs_tree_find_page(t, node(t, 10), NULL, "Nope"));

	asked[0] = '\0';
	ck_assert_int_eq(
	    cfs_tree_convert_inc(t, node(t, 10), in, strlen(in), &inc, &out, &len, &links), 0);
	ck_assert_str_eq(asked, "ENG:Shared;");
	/* the included page's link is relative to Home, the including page */
	ck_assert_str_eq(out, "<!-- include: Shared -->\n\nshared text [Other](Home/Other.md)\n\n"
	                      "<!-- /include -->\n");
	cfs_tree_set_md(t, node(t, 10), md = cfs_blob_take(out, len), 1, &links);
	cfs_blob_unref(md);

	/* a new version of Other (only linked from the included text): Home stays */
	l.v[2].version = 2;
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	md = cfs_tree_md(t, node(t, 10));
	ck_assert_ptr_nonnull(md);
	cfs_blob_unref(md);
	/* a new version of Shared: Home is rendered again */
	l.v[1].version = 2;
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_ptr_null(cfs_tree_md(t, node(t, 10)));

	/* without the storage callback the macro stays a comment */
	ck_assert_int_eq(cfs_tree_convert(t, node(t, 10), in, strlen(in), &out, &len, NULL), 0);
	ck_assert_msg(strstr(out, "<!-- confluence macro: include -->"), "%s", out);
	free(out);
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

static char *xattr(struct cfs_tree *t, uint64_t id, const char *name)
{
	char *v = NULL, *s;
	size_t len;

	if (cfs_tree_xattr_get(t, id << 2, name, &v, &len))
		return NULL;
	s = strndup(v, len);
	free(v);
	return s;
}

START_TEST(test_author_by_display_name)
{
	struct cfs_page_list l;
	struct cfs_tree *t = sample(&l);
	char *out, *v, *names;
	size_t len, nlen;
	int found = 0;

	cfs_tree_set_front_matter(t, 1);
	/* not looked up yet: the id */
	v = xattr(t, 10, "user.confluence.author");
	ck_assert_str_eq(v, "acc-1");
	free(v);
	ck_assert_int_eq(cfs_tree_author(t, node(t, 10)) != NULL, 1);
	v = cfs_tree_author(t, node(t, 10));
	ck_assert_str_eq(v, "acc-1");
	free(v);
	ck_assert_ptr_null(cfs_tree_author(t, node(t, 30)));

	cfs_tree_set_user(t, "acc-1", "Grace Hopper");
	cfs_tree_set_user(t, "acc-2", NULL); /* the lookup failed */
	ck_assert_int_eq(cfs_tree_convert(t, node(t, 10), "<p>x</p>", 8, &out, &len, NULL), 0);
	ck_assert_msg(strstr(out, "\nauthor: \"Grace Hopper\"\n"), "%s", out);
	free(out);
	ck_assert_int_eq(cfs_tree_convert(t, node(t, 20), "<p>x</p>", 8, &out, &len, NULL), 0);
	ck_assert_msg(strstr(out, "\nauthor: \"acc-2\"\n"), "%s", out);
	free(out);
	v = xattr(t, 10, "user.confluence.author");
	ck_assert_str_eq(v, "Grace Hopper");
	free(v);
	v = xattr(t, 10, "user.confluence.author_id");
	ck_assert_str_eq(v, "acc-1");
	free(v);
	v = xattr(t, 20, "user.confluence.author");
	ck_assert_str_eq(v, "acc-2");
	free(v);
	ck_assert_ptr_null(xattr(t, 30, "user.confluence.author_id"));
	ck_assert_int_eq(cfs_tree_xattr_list(t, 10u << 2, &names, &nlen), 0);
	for (size_t i = 0; i < nlen; i += strlen(names + i) + 1)
		found |= !strcmp(names + i, "user.confluence.author_id");
	ck_assert_int_eq(found, 1);
	free(names);
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tree-include");
	TCase *tc = tcase_create("include");
	SRunner *r;
	int failed;

	tcase_add_test(tc, test_include_resolves_and_a_new_version_drops_the_includer);
	tcase_add_test(tc, test_author_by_display_name);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
