/* test_tree: inodes, names, lookups, directory listings and links of the tree. */
#include "tree.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
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
	p->mtime.sec = 1700000000 + version;
}

/* Store Markdown for a page (the tree takes its own reference). */
static void set_md(struct cfs_tree *t, struct cfs_node *n, struct cfs_blob *b, int64_t version,
                   struct cfs_tree_links *links)
{
	cfs_tree_set_md(t, n, b, version, links);
	cfs_blob_unref(b);
}

/* A tree of one space with this key. */
static int new_tree(const char *key, const char *url, struct cfs_tree **t)
{
	struct cfs_space sp = {.id = (char *)"1", .key = (char *)key};

	return cfs_tree_new(url, &sp, 1, 0, t);
}

/* Home(10) -> {Runbooks(20) -> {Deploy(40)}, FAQ(30), "CI/CD"(50)} */
static struct cfs_tree *sample(struct cfs_page_list *l)
{
	struct cfs_tree *t;

	memset(l, 0, sizeof(*l));
	add(l, "10", "Home", NULL, 0, 3);
	add(l, "30", "FAQ", "10", 2, 1);
	add(l, "20", "Runbooks", "10", 1, 2);
	add(l, "40", "Deploy", "20", 0, 1);
	add(l, "50", "CI/CD", "10", 3, 1);
	ck_assert_int_eq(new_tree("ENG", "https://acme.atlassian.net/wiki", &t), 0);
	ck_assert_int_eq(cfs_tree_load(t, 0, l, NULL, NULL), 0);
	return t;
}

static uint64_t lookup_ino(struct cfs_tree *t, uint64_t parent, const char *name)
{
	struct cfs_tree_attr a;

	ck_assert_msg(cfs_tree_lookup(t, parent, name, &a) == 0, "lookup %s", name);
	return a.ino;
}

START_TEST(test_layout)
{
	struct cfs_page_list l;
	struct cfs_tree *t = sample(&l);
	struct cfs_tree_dirent *d;
	struct cfs_tree_attr a;
	size_t n;

	ck_assert_int_eq(cfs_tree_readdir(t, CFS_ROOT_INO, &d, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(d[0].name, "Home.md");
	ck_assert_str_eq(d[1].name, "Home");
	ck_assert_int_eq(d[1].is_dir, 1);
	/* Inodes are derived from ids: stable across remounts. */
	ck_assert_uint_eq(d[0].ino, 10u << 2);
	ck_assert_uint_eq(d[1].ino, (10u << 2) | 1);
	cfs_tree_dirents_free(d, n);

	/* Children in position order; a page with children is also a directory. */
	ck_assert_int_eq(cfs_tree_readdir(t, (10u << 2) | 1, &d, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(d[0].name, "Runbooks.md");
	ck_assert_str_eq(d[1].name, "Runbooks");
	ck_assert_str_eq(d[2].name, "FAQ.md");
	ck_assert_str_eq(d[3].name, "CI\xe2\x88\x95"
	                            "CD.md");
	cfs_tree_dirents_free(d, n);

	ck_assert_int_eq(cfs_tree_lookup(t, (10u << 2) | 1, "FAQ", &a), -ENOENT);
	ck_assert_int_eq(cfs_tree_lookup(t, 30u << 2, "x", &a), -ENOTDIR);
	ck_assert_int_eq(cfs_tree_lookup(t, CFS_ROOT_INO, "Home", &a), 0);
	ck_assert_int_eq(a.is_dir, 1);
	ck_assert_uint_eq(a.nlink, 3); /* ".", its entry, and Runbooks/ */
	ck_assert_int_eq(cfs_tree_lookup(t, CFS_ROOT_INO, "Home.md", &a), 0);
	ck_assert_int_eq(a.is_dir, 0);
	ck_assert_int_eq(a.size, -1); /* not rendered yet */
	ck_assert_int_eq(a.version, 3);
	ck_assert_int_eq(a.mtime.sec, 1700000003);
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_md_and_versions)
{
	struct cfs_page_list l;
	struct cfs_tree *t = sample(&l);
	struct cfs_tree_attr a;
	struct cfs_blob *b;

	ck_assert_int_eq(cfs_tree_getattr(t, 30u << 2, &a), 0);
	ck_assert_ptr_null(cfs_tree_md(t, a.node));
	b = cfs_blob_take(strdup("# FAQ\n"), 6);
	cfs_tree_set_md(t, a.node, b, 1, NULL);
	cfs_blob_unref(b);
	ck_assert_int_eq(cfs_tree_getattr(t, 30u << 2, &a), 0);
	ck_assert_int_eq(a.size, 6);

	/* The same version in a new listing keeps the rendered page ... */
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_getattr(t, 30u << 2, &a), 0);
	ck_assert_int_eq(a.size, 6);
	/* ... a new version drops it. */
	l.v[1].version = 2;
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_getattr(t, 30u << 2, &a), 0);
	ck_assert_int_eq(a.size, -1);
	ck_assert_ptr_null(cfs_tree_md(t, a.node));
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_vanished_and_moved)
{
	struct cfs_page_list l;
	struct cfs_tree *t = sample(&l);
	struct cfs_tree_attr a;
	uint64_t deploy = lookup_ino(t, (20u << 2) | 1, "Deploy.md");

	/* Deploy moves under FAQ; Runbooks loses its only child and its directory. */
	free(l.v[3].parent_id);
	l.v[3].parent_id = strdup("30");
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_getattr(t, (20u << 2) | 1, &a), -ENOENT);
	ck_assert_uint_eq(lookup_ino(t, (30u << 2) | 1, "Deploy.md"), deploy);

	/* FAQ disappears from the space. */
	cfs_model_page_clear(&l.v[1]);
	l.v[1] = l.v[--l.n];
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_getattr(t, 30u << 2, &a), -ENOENT);
	/* Its orphaned child is not lost: it shows at the root. */
	ck_assert_uint_eq(lookup_ino(t, CFS_ROOT_INO, "Deploy.md"), deploy);
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_cycle_does_not_hang)
{
	struct cfs_page_list l = {0};
	struct cfs_tree *t;
	struct cfs_tree_dirent *d;
	size_t n;

	add(&l, "1", "A", "2", 0, 1);
	add(&l, "2", "B", "1", 0, 1);
	ck_assert_int_eq(new_tree("X", "http://h/wiki", &t), 0);
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_readdir(t, CFS_ROOT_INO, &d, &n), 0);
	ck_assert_uint_ge(n, 1); /* broken parent links end at the root */
	cfs_tree_dirents_free(d, n);
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_xattrs)
{
	struct cfs_page_list l;
	struct cfs_tree *t = sample(&l);
	char *v;
	size_t len;

	ck_assert_int_eq(cfs_tree_xattr_get(t, 50u << 2, "user.confluence.title", &v, &len), 0);
	ck_assert_str_eq(v, "CI/CD");
	ck_assert_uint_eq(len, 5);
	free(v);
	ck_assert_int_eq(cfs_tree_xattr_get(t, 20u << 2, "user.confluence.version", &v, &len), 0);
	ck_assert_str_eq(v, "2");
	free(v);
	ck_assert_int_eq(cfs_tree_xattr_get(t, 20u << 2 | 1, "user.confluence.id", &v, &len), 0);
	ck_assert_str_eq(v, "20");
	free(v);
	ck_assert_int_eq(cfs_tree_xattr_get(t, 20u << 2, "user.confluence.url", &v, &len), 0);
	ck_assert_str_eq(v, "https://acme.atlassian.net/wiki/pages/viewpage.action?pageId=20");
	free(v);
	ck_assert_int_eq(cfs_tree_xattr_get(t, 20u << 2, "user.other", &v, &len), -ENODATA);
	ck_assert_int_eq(cfs_tree_xattr_list(t, 20u << 2, &v, &len), 0);
	ck_assert_str_eq(v, "user.confluence.space");
	ck_assert_ptr_nonnull(memmem(v, len, "user.confluence.title", 21));
	ck_assert_ptr_null(memmem(v, len, "media_type", 10)); /* pages have none */
	free(v);
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

/* Add a container (or a page under one): type and parent type as listed. */
static void add_typed(struct cfs_page_list *l, const char *id, const char *title,
                      const char *parent, const char *ptype, const char *type, int64_t pos)
{
	struct cfs_page *p;

	add(l, id, title, parent, pos, 1);
	p = &l->v[l->n - 1];
	p->type = type ? strdup(type) : NULL;
	p->parent_type = ptype ? strdup(ptype) : NULL;
}

/* The names in directory ino, joined by '|' in listing order. */
static void names_of(struct cfs_tree *t, uint64_t ino, char *buf, size_t len)
{
	struct cfs_tree_dirent *d;
	size_t n;

	buf[0] = '\0';
	ck_assert_int_eq(cfs_tree_readdir(t, ino, &d, &n), 0);
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? "|" : "", d[i].name);
	cfs_tree_dirents_free(d, n);
}

/* Folders are directories where parentId says; whiteboards, databases and
 * embeds are stubs with children; unknown parents put pages at the top. */
START_TEST(test_containers)
{
	struct cfs_page_list l = {0};
	struct cfs_tree *t;
	struct cfs_tree_attr a;
	struct cfs_page f = {0};
	struct cfs_blob *b;
	char buf[512], *v;
	size_t len;
	uint64_t home, guides, inner, board;

	add(&l, "10", "Home", NULL, 0, 1);
	add(&l, "11", "Second root", NULL, 1, 1);
	add_typed(&l, "100", "Guides", "10", "page", "folder", 1);
	add_typed(&l, "101", "Inner", "100", "folder", "folder", 0);
	add_typed(&l, "40", "Deploy", "101", "folder", NULL, 0);
	add_typed(&l, "102", "Top", NULL, NULL, "folder", 5);
	add_typed(&l, "41", "In top", "102", "folder", "page", 0);
	add_typed(&l, "103", "Empty", "10", "page", "folder", 2);
	add_typed(&l, "12", "Clash", "10", "page", "page", 3);
	add_typed(&l, "104", "Clash", "10", "page", "folder", 4);
	add_typed(&l, "200", "Board", "10", "page", "whiteboard", 5);
	add_typed(&l, "42", "Notes", "200", "whiteboard", NULL, 0);
	add_typed(&l, "201", "Status", "10", "page", "embed", 6);
	l.v[l.n - 1].embed_url = strdup("https://status.example.com/");
	add_typed(&l, "43", "Lost", "999", "folder", NULL, 7);
	add_typed(&l, "44", "Orphan", "998", "page", NULL, 8);
	add_typed(&l, "300", "Whatever", "10", "page", "mystery", 9);
	ck_assert_int_eq(new_tree("ENG", "https://acme.atlassian.net/wiki", &t), 0);
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);

	names_of(t, CFS_ROOT_INO, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Home.md|Home|Second root.md|Top|Lost.md|Orphan.md");
	home = lookup_ino(t, CFS_ROOT_INO, "Home");
	names_of(t, home, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Guides|Empty|Clash.md|Clash [104]|Board.md|Board|Status.md");
	guides = lookup_ino(t, home, "Guides");
	ck_assert_uint_eq(guides, 100u << 2 | 1); /* stable: from the id */
	ck_assert_int_eq(cfs_tree_lookup(t, home, "Guides.md", &a), -ENOENT);
	ck_assert_int_eq(cfs_tree_getattr(t, 100u << 2, &a), -ENOENT);
	inner = lookup_ino(t, guides, "Inner");
	ck_assert_uint_eq(lookup_ino(t, inner, "Deploy.md"), 40u << 2);
	names_of(t, lookup_ino(t, home, "Empty"), buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(cfs_tree_getattr(t, 103u << 2 | 1, &a), 0);
	ck_assert(a.is_dir);
	ck_assert_uint_eq(a.nlink, 2);
	ck_assert_uint_eq(lookup_ino(t, lookup_ino(t, CFS_ROOT_INO, "Top"), "In top.md"), 41u << 2);
	board = lookup_ino(t, home, "Board");
	ck_assert_uint_eq(lookup_ino(t, board, "Notes.md"), 42u << 2);

	/* xattrs */
	ck_assert_int_eq(cfs_tree_xattr_get(t, guides, "user.confluence.type", &v, &len), 0);
	ck_assert_str_eq(v, "folder");
	free(v);
	ck_assert_int_eq(cfs_tree_xattr_get(t, guides, "user.confluence.title", &v, &len), 0);
	ck_assert_str_eq(v, "Guides");
	free(v);
	ck_assert_int_eq(cfs_tree_xattr_get(t, guides, "user.confluence.id", &v, &len), 0);
	ck_assert_str_eq(v, "100");
	free(v);
	ck_assert_int_eq(cfs_tree_xattr_get(t, guides, "user.confluence.url", &v, &len), 0);
	ck_assert_str_eq(v, "https://acme.atlassian.net/wiki/pages/viewpage.action?pageId=100");
	free(v);
	ck_assert_int_eq(cfs_tree_xattr_get(t, 200u << 2, "user.confluence.type", &v, &len), 0);
	ck_assert_str_eq(v, "whiteboard");
	free(v);

	/* Stubs: rendered by the tree, exact size, never fetched. */
	ck_assert_int_eq(cfs_tree_lookup(t, home, "Status.md", &a), 0);
	b = cfs_tree_md(t, a.node);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(a.size, (int64_t)b->len);
	ck_assert_ptr_nonnull(memmem(b->data, b->len, "<https://status.example.com/>", 29));
	ck_assert_ptr_nonnull(memmem(b->data, b->len, "embed", 5));
	cfs_blob_unref(b);
	ck_assert_int_eq(cfs_tree_lookup(t, home, "Board.md", &a), 0);
	b = cfs_tree_md(t, a.node);
	ck_assert_ptr_nonnull(memmem(b->data, b->len, "whiteboard", 10));
	ck_assert_ptr_nonnull(
	    memmem(b->data, b->len,
	           "<https://acme.atlassian.net/wiki/pages/viewpage.action?pageId=200>", 66));
	cfs_blob_unref(b);

	/* The tree remembers containers for the next listing, pages not. */
	ck_assert_int_eq(cfs_tree_container(t, 0, "101", &f), 0);
	ck_assert_str_eq(f.title, "Inner");
	ck_assert_str_eq(f.type, "folder");
	ck_assert_str_eq(f.parent_id, "100");
	ck_assert_str_eq(f.parent_type, "folder");
	cfs_model_page_clear(&f);
	ck_assert_int_eq(cfs_tree_container(t, 0, "10", &f), -ENOENT);
	ck_assert_int_eq(cfs_tree_container(t, 0, "999", &f), -ENOENT);

	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_links)
{
	struct cfs_page_list l;
	struct cfs_tree *t = sample(&l);
	struct cfs_tree_attr a, faq;
	struct cfs_tree_links links = {0};
	struct cfs_tree_changes ch = {0};
	struct cfs_blob *md;
	char *out;
	size_t len;
	const char *in =
	    "<p><ac:link><ri:page ri:content-title=\"Runbooks\" /></ac:link> "
	    "<ac:link><ri:page ri:content-title=\"Deploy\" /></ac:link> "
	    "<ac:link><ri:page ri:content-title=\"CI/CD\" /></ac:link> "
	    "<ac:link><ri:page ri:content-title=\"Nowhere\" /></ac:link> "
	    "<ac:link><ri:page ri:space-key=\"OPS\" ri:content-title=\"Home\" /></ac:link></p>";

	/* From Deploy (in Home/Runbooks/) */
	ck_assert_int_eq(cfs_tree_getattr(t, 40u << 2, &a), 0);
	ck_assert_int_eq(cfs_tree_convert(t, a.node, in, strlen(in), &out, &len, NULL), 0);
	ck_assert_msg(strstr(out, "(../Runbooks.md)"), "%s", out);
	/* A link to the page itself: its own file, or plain text. */
	ck_assert_msg(strstr(out, "(Deploy.md)") || strstr(out, " Deploy "), "%s", out);
	ck_assert_msg(strstr(out, "(../CI%E2%88%95CD.md)") || strstr(out, "(../CI∕CD.md)"), "%s",
	              out);
	/* Unknown targets become absolute URLs, never dangling relative paths. */
	ck_assert_msg(strstr(out, "https://acme.atlassian.net/wiki"), "%s", out);
	ck_assert_msg(!strstr(out, "Nowhere.md"), "%s", out);
	ck_assert_msg(!strstr(out, "(../../Home.md)"), "OPS/Home resolved locally: %s", out);
	free(out);

	/* From Home (at the root) into its directory. */
	ck_assert_int_eq(cfs_tree_getattr(t, 10u << 2, &a), 0);
	ck_assert_int_eq(cfs_tree_convert(t, a.node, in, strlen(in), &out, &len, &links), 0);
	ck_assert_msg(strstr(out, "(Home/Runbooks.md)"), "%s", out);
	ck_assert_msg(strstr(out, "(Home/Runbooks/Deploy.md)"), "%s", out);
	ck_assert_uint_ge(links.n, 4);
	set_md(t, a.node, cfs_blob_take(out, len), a.version, &links);
	ck_assert_ptr_null(links.v);
	/* FAQ links nowhere; its Markdown survives what follows. */
	ck_assert_int_eq(cfs_tree_getattr(t, 30u << 2, &faq), 0);
	set_md(t, faq.node, cfs_blob_take(strdup("x"), 1), faq.version, NULL);

	/* Deploy moves under FAQ: Home's links to it are stale, so Home's
	 * Markdown goes (and the kernel hears of it); FAQ's stays. */
	free(l.v[3].parent_id);
	l.v[3].parent_id = strdup("30");
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, &ch), 0);
	ck_assert_ptr_null(cfs_tree_md(t, a.node));
	md = cfs_tree_md(t, faq.node);
	ck_assert_ptr_nonnull(md);
	cfs_blob_unref(md);
	{
		int found = 0;
		for (size_t i = 0; i < ch.n; i++)
			found |= ch.v[i].parent == (10u << 2) && !ch.v[i].name;
		ck_assert_int_eq(found, 1);
	}
	cfs_tree_changes_clear(&ch);
	/* Rendered again, the link follows the page. */
	ck_assert_int_eq(cfs_tree_convert(t, a.node, in, strlen(in), &out, &len, NULL), 0);
	ck_assert_msg(strstr(out, "(Home/FAQ/Deploy.md)"), "%s", out);
	free(out);
	/* A page appearing with a title that was a dead link counts too. */
	set_md(t, a.node, cfs_blob_take(strdup("y"), 1), a.version, NULL);
	ck_assert_int_eq(cfs_tree_convert(t, a.node, in, strlen(in), &out, &len, &links), 0);
	free(out);
	set_md(t, a.node, cfs_blob_take(strdup("z"), 1), a.version, &links);
	add(&l, "90", "Nowhere", NULL, 5, 1);
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_ptr_null(cfs_tree_md(t, a.node));
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_big_flat_dir)
{
	struct cfs_page_list l = {0};
	struct cfs_tree *t;
	struct cfs_tree_dirent *d;
	size_t n;
	char id[32];

	add(&l, "1", "Root", NULL, 0, 1);
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "%d", 100 + i);
		add(&l, id, i % 2 ? "Same title" : id, "1", i, 1);
	}
	ck_assert_int_eq(new_tree("X", "http://h/wiki", &t), 0);
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_readdir(t, (1u << 2) | 1, &d, &n), 0);
	ck_assert_uint_eq(n, 1000);
	for (size_t i = 0; i < n; i++) {
		struct cfs_tree_attr a;
		ck_assert_int_eq(cfs_tree_lookup(t, (1u << 2) | 1, d[i].name, &a), 0);
		ck_assert_uint_eq(a.ino, d[i].ino);
	}
	cfs_tree_dirents_free(d, n);
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

static void add_att(struct cfs_attachment_list *l, const char *id, const char *title,
                    const char *page, int64_t size, int64_t version)
{
	struct cfs_attachment *a;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	a = &l->v[l->n++];
	memset(a, 0, sizeof(*a));
	a->id = strdup(id);
	a->title = strdup(title);
	a->page_id = strdup(page);
	a->media_type = strdup("image/png");
	a->size = size;
	a->version = version;
	a->mtime.sec = 1700000100;
}

START_TEST(test_attachments)
{
	struct cfs_page_list l;
	struct cfs_attachment_list atts = {0};
	struct cfs_tree *t = sample(&l);
	struct cfs_tree_changes ch = {0};
	struct cfs_tree_attr a;
	struct cfs_tree_dirent *d;
	size_t n;
	char *v;

	/* FAQ (30) has no children: its attachments make it a directory. */
	add_att(&atts, "att7", "diagram.png", "30", 1234, 1);
	add_att(&atts, "att8", "a/b.png", "30", 10, 2);
	add_att(&atts, "att9", "orphan.png", "999", 10, 1); /* page not in the space */
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, &atts, &ch), 0);
	ck_assert_int_eq(cfs_tree_lookup(t, (10u << 2) | 1, "FAQ", &a), 0);
	ck_assert_int_eq(a.kind, CFS_PAGE_DIR);
	ck_assert_int_eq(cfs_tree_readdir(t, (30u << 2) | 1, &d, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(d[0].name, "_attachments");
	ck_assert_uint_eq(d[0].ino, (30u << 2) | 3);
	cfs_tree_dirents_free(d, n);
	ck_assert_int_eq(cfs_tree_readdir(t, (30u << 2) | 3, &d, &n), 0);
	ck_assert_uint_eq(n, 2);
	cfs_tree_dirents_free(d, n);
	ck_assert_int_eq(cfs_tree_lookup(t, (30u << 2) | 3,
	                                 "a\xe2\x88\x95"
	                                 "b.png",
	                                 &a),
	                 0);
	ck_assert_int_eq(a.kind, CFS_ATT_FILE);
	ck_assert_uint_eq(a.ino, (8u << 2) | 2);
	ck_assert_int_eq(a.size, 10);
	ck_assert_int_eq(cfs_tree_lookup(t, (30u << 2) | 3, "diagram.png", &a), 0);
	ck_assert_int_eq(a.size, 1234);
	ck_assert_int_eq(cfs_tree_getattr(t, (30u << 2) | 3, &a), 0);
	ck_assert_int_eq(a.mtime.sec, 1700000100);
	ck_assert_int_eq(cfs_tree_xattr_get(t, (7u << 2) | 2, "user.confluence.media_type", &v, &n),
	                 0);
	ck_assert_str_eq(v, "image/png");
	free(v);
	/* The kernel is told FAQ's directory listing (and the root's) changed. */
	ck_assert_uint_ge(ch.n, 1);
	cfs_tree_changes_clear(&ch);

	/* A new version of an attachment is an inode to invalidate. */
	atts.v[0].version = 2;
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, &atts, &ch), 0);
	{
		int found = 0;
		for (size_t i = 0; i < ch.n; i++)
			found |= ch.v[i].parent == ((7u << 2) | 2) && !ch.v[i].name;
		ck_assert_int_eq(found, 1);
	}
	cfs_tree_changes_clear(&ch);

	/* Attachments gone: the directory goes too, and its entry is invalidated. */
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, &ch), 0);
	ck_assert_int_eq(cfs_tree_getattr(t, (30u << 2) | 1, &a), -ENOENT);
	{
		int found = 0;
		for (size_t i = 0; i < ch.n; i++)
			found |= ch.v[i].name && strcmp(ch.v[i].name, "FAQ") == 0;
		ck_assert_int_eq(found, 1);
	}
	cfs_tree_changes_clear(&ch);
	cfs_model_attachment_list_clear(&atts);
	cfs_tree_free(t);
	cfs_model_page_list_clear(&l);
}
END_TEST

/* A blog post created at sec (UTC). */
static void add_blog(struct cfs_page_list *l, const char *id, const char *title, int64_t sec)
{
	add(l, id, title, NULL, 0, 1);
	l->v[l->n - 1].type = strdup("blogpost");
	l->v[l->n - 1].created.sec = sec;
}

static char *xattr(struct cfs_tree *t, uint64_t ino, const char *name)
{
	char *v = NULL;
	size_t n;

	return cfs_tree_xattr_get(t, ino, name, &v, &n) == 0 ? v : NULL;
}

START_TEST(test_blog_posts)
{
	struct cfs_page_list l;
	struct cfs_tree *t = sample(&l);
	struct cfs_tree_attr blog, year, month, post;
	struct cfs_tree_dirent *d;
	char *v;
	size_t n;

	add_blog(&l, "60", "Weekly 1", 1709629200); /* 2024-03-05 09:00 UTC */
	add_blog(&l, "61", "Weekly 2", 1710838800); /* 2024-03-19 */
	add_blog(&l, "62", "Yearly", 1701388800);   /* 2023-12-01 */
	add(&l, "70", "_blog", NULL, 9, 1);         /* a page cannot take the name */
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);

	ck_assert_int_eq(cfs_tree_readdir(t, CFS_ROOT_INO, &d, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(d[2].name, "_blog [70].md");
	ck_assert_str_eq(d[3].name, "_blog");
	ck_assert_int_eq(d[3].is_dir, 1);
	cfs_tree_dirents_free(d, n);
	ck_assert_int_eq(cfs_tree_lookup(t, CFS_ROOT_INO, "_blog", &blog), 0);
	ck_assert_int_eq(blog.is_dir, 1);
	ck_assert_uint_eq(blog.nlink, 4);
	ck_assert_int_eq(cfs_tree_lookup(t, CFS_ROOT_INO, "_blog.md", &post), -ENOENT);
	/* Made-up directories have no file, and keys that no id can have. */
	ck_assert_int_eq(cfs_tree_getattr(t, blog.ino & ~3ull, &post), -ENOENT);
	ck_assert_uint_ge(blog.ino, 1ull << 63);

	ck_assert_int_eq(cfs_tree_readdir(t, blog.ino, &d, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(d[0].name, "2023");
	ck_assert_str_eq(d[1].name, "2024");
	cfs_tree_dirents_free(d, n);
	ck_assert_int_eq(cfs_tree_lookup(t, blog.ino, "2024", &year), 0);
	ck_assert_int_eq(cfs_tree_lookup(t, year.ino, "03", &month), 0);
	ck_assert_int_eq(cfs_tree_readdir(t, month.ino, &d, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(d[0].name, "Weekly 1.md"); /* in the order they were written */
	ck_assert_str_eq(d[1].name, "Weekly 2.md");
	cfs_tree_dirents_free(d, n);
	ck_assert_int_eq(cfs_tree_lookup(t, month.ino, "Weekly 2.md", &post), 0);
	ck_assert_uint_eq(post.ino, 61u << 2);
	ck_assert_int_eq(month.mtime.sec, post.mtime.sec);
	v = xattr(t, post.ino, "user.confluence.type");
	ck_assert_str_eq(v, "blogpost");
	free(v);
	v = xattr(t, (20u << 2), "user.confluence.type");
	ck_assert_str_eq(v, "page");
	free(v);
	v = cfs_tree_path(t, post.node);
	ck_assert_str_eq(v, "_blog/2024/03/Weekly 2.md");
	free(v);
	v = xattr(t, month.ino, "user.confluence.space");
	ck_assert_str_eq(v, "ENG");
	free(v);
	ck_assert_ptr_null(xattr(t, month.ino, "user.confluence.id"));

	/* Posts gone: the directories go too; the same inodes come back with them. */
	l.n -= 4;
	ck_assert_int_eq(cfs_tree_load(t, 0, &l, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_lookup(t, CFS_ROOT_INO, "_blog", &post), -ENOENT);
	ck_assert_int_eq(cfs_tree_getattr(t, year.ino, &post), -ENOENT);
	cfs_tree_free(t);
	l.n += 4;
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_several_spaces)
{
	struct cfs_space sp[2] = {{.id = (char *)"11", .key = (char *)"ENG", .name = (char *)"Eng"},
	                          {.id = (char *)"12", .key = (char *)"OPS"}};
	struct cfs_page_list a = {0}, b = {0};
	struct cfs_tree_attr eng, ops, x;
	struct cfs_tree_dirent *d;
	struct cfs_tree *t;
	char *md, *v;
	size_t n, len;
	int loaded;

	add(&a, "10", "Home", NULL, 0, 1);
	add(&a, "20", "Runbooks", "10", 0, 1);
	add(&b, "30", "Home", NULL, 0, 1); /* the same title in another space */
	add(&b, "40", "Pager", "30", 0, 1);
	add(&b, "50", "Stray", "20", 0, 1); /* a parent in another space: at the top */
	ck_assert_int_eq(cfs_tree_new("https://acme.atlassian.net/wiki", sp, 2, 1, &t), 0);
	ck_assert_int_eq(cfs_tree_readdir(t, CFS_ROOT_INO, &d, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(d[0].name, "ENG");
	ck_assert_str_eq(d[1].name, "OPS");
	cfs_tree_dirents_free(d, n);
	ck_assert_int_eq(cfs_tree_lookup(t, CFS_ROOT_INO, "ENG", &eng), 0);
	ck_assert_int_eq(cfs_tree_lookup(t, CFS_ROOT_INO, "OPS", &ops), 0);
	ck_assert_uint_eq(eng.nlink, 1); /* not listed yet: unknown */
	v = xattr(t, eng.ino, "user.confluence.title");
	ck_assert_str_eq(v, "Eng");
	free(v);
	v = xattr(t, eng.ino, "user.confluence.id");
	ck_assert_str_eq(v, "11");
	free(v);
	ck_assert_int_eq(cfs_tree_space_of_dir(t, ops.ino), 1);
	ck_assert_int_eq(cfs_tree_space_of_dir(t, CFS_ROOT_INO), -1);
	ck_assert_int_eq(cfs_tree_space_find(t, "OPS", &loaded), 1);
	ck_assert_int_eq(loaded, 0);
	ck_assert_int_eq(cfs_tree_space_find(t, "NOPE", &loaded), -1);

	/* Looking into a space that was never listed: come back after loading it. */
	ck_assert_int_eq(cfs_tree_lookup(t, eng.ino, "Home.md", &x), -EAGAIN);
	ck_assert_int_eq(cfs_tree_readdir(t, eng.ino, &d, &n), -EAGAIN);
	ck_assert_int_eq(cfs_tree_load(t, 0, &a, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_lookup(t, eng.ino, "Home.md", &x), 0);
	ck_assert_uint_eq(x.ino, 10u << 2);
	ck_assert_int_eq(cfs_tree_lookup(t, ops.ino, "Home.md", &x), -EAGAIN);
	ck_assert_int_eq(cfs_tree_load(t, 1, &b, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_lookup(t, ops.ino, "Stray.md", &x), 0);
	v = cfs_tree_path(t, x.node);
	ck_assert_str_eq(v, "OPS/Stray.md");
	free(v);
	/* Loading one space again leaves the other alone. */
	ck_assert_int_eq(cfs_tree_load(t, 0, &a, NULL, NULL), 0);
	ck_assert_int_eq(cfs_tree_lookup(t, ops.ino, "Home.md", &x), 0);
	ck_assert_uint_eq(x.ino, 30u << 2);
	ck_assert_int_eq(cfs_tree_getattr(t, ops.ino, &x), 0);
	ck_assert_uint_eq(x.nlink, 3);

	/* Links: the page's own space by default, another mounted space by key. */
	{
		static const char body[] =
		    "<p><ac:link><ri:page ri:content-title=\"Home\"/></ac:link> "
		    "<ac:link><ri:page ri:space-key=\"ENG\" ri:content-title=\"Runbooks\"/>"
		    "</ac:link> <ac:link><ri:page ri:space-key=\"HR\" "
		    "ri:content-title=\"Leave\"/></ac:link></p>";
		struct cfs_tree_attr pager;

		ck_assert_int_eq(cfs_tree_lookup(t, ops.ino, "Home", &x), 0);
		ck_assert_int_eq(cfs_tree_lookup(t, x.ino, "Pager.md", &pager), 0);
		ck_assert_int_eq(
		    cfs_tree_convert(t, pager.node, body, strlen(body), &md, &len, NULL), 0);
		ck_assert_msg(strstr(md, "](../Home.md)"), "%s", md);
		ck_assert_msg(strstr(md, "](../../ENG/Home/Runbooks.md)"), "%s", md);
		ck_assert_msg(strstr(md, "](https://acme.atlassian.net/wiki/display/HR/Leave)"),
		              "%s", md);
		free(md);
	}
	cfs_tree_free(t);
	cfs_model_page_list_clear(&a);
	cfs_model_page_list_clear(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = tcase_create("tree");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_md_and_versions);
	tcase_add_test(tc, test_vanished_and_moved);
	tcase_add_test(tc, test_cycle_does_not_hang);
	tcase_add_test(tc, test_xattrs);
	tcase_add_test(tc, test_links);
	tcase_add_test(tc, test_containers);
	tcase_add_test(tc, test_big_flat_dir);
	tcase_add_test(tc, test_attachments);
	tcase_add_test(tc, test_blog_posts);
	tcase_add_test(tc, test_several_spaces);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
