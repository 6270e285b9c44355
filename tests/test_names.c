/* test_names: unit tests for title -> file name mapping (src/tree/names.c). */
#include "names.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGES CFS_NAMES_PAGES
#define FILES CFS_NAMES_FILES
#define DIV   "\xe2\x88\x95" /* U+2215, what '/' becomes */

/* Names one sibling alone; the caller frees the result. */
static char *name1(const char *title, uint64_t id, enum cfs_names_kind kind)
{
	struct cfs_names_entry e = {.title = title, .id = id};
	ck_assert_int_eq(cfs_names_assign(&e, 1, kind), 0);
	ck_assert_ptr_nonnull(e.name);
	return e.name;
}

static void expect1(const char *title, enum cfs_names_kind kind, const char *want)
{
	char *got = name1(title, 42, kind);
	ck_assert_str_eq(got, want);
	free(got);
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
		if (*p >= 0x80 && (*p < 0xc2 || *p > 0xf4))
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
		}
		p += len;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * What a user relies on, for any result: every entry a valid name within 255
 * bytes, nothing reserved, and no two siblings' directory entries equal.
 */
static void check_invariants(const struct cfs_names_entry *e, size_t n, enum cfs_names_kind kind)
{
	size_t per = kind == PAGES ? 2 : 1, m = 0;
	char **all = calloc(n * per, sizeof(*all));
	const char *bad = NULL;

	/* Plain checks in the loops: a ck_assert per character would cost a pipe write each. */
	ck_assert_ptr_nonnull(all);
	for (size_t i = 0; i < n && !bad; i++) {
		const char *s = e[i].name;
		size_t len = s ? strlen(s) : 0;
		if (!s || len == 0 || len + (kind == PAGES ? 3 : 0) > 255 || !valid_utf8(s) ||
		    strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, "..") ||
		    (kind == PAGES && !strcmp(s, "_attachments"))) {
			bad = s ? s : "(null)";
			break;
		}
		for (const char *p = s; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				bad = s;
		}
		all[m++] = strdup(s);
		if (kind == PAGES) {
			all[m] = malloc(len + 4);
			ck_assert_ptr_nonnull(all[m]);
			sprintf(all[m++], "%s.md", s);
		}
	}
	ck_assert_msg(!bad, "bad name \"%s\"", bad);
	qsort(all, m, sizeof(*all), cmp_str);
	for (size_t i = 1; i < m && !bad; i++) {
		if (strcmp(all[i - 1], all[i]) == 0)
			bad = all[i];
	}
	ck_assert_msg(!bad, "duplicate entry \"%s\"", bad);
	for (size_t i = 0; i < m; i++)
		free(all[i]);
	free(all);
}

static void free_names(struct cfs_names_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].name);
		e[i].name = NULL;
	}
}

static const char *name_of(const struct cfs_names_entry *e, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++) {
		if (e[i].id == id)
			return e[i].name;
	}
	ck_abort_msg("no id %llu", (unsigned long long)id);
	return NULL;
}

START_TEST(test_slash_becomes_division_slash)
{
	expect1("a/b", PAGES, "a" DIV "b");
	expect1("/", FILES, "\xe2\x88\x95");
	expect1("//x//", PAGES, "\xe2\x88\x95\xe2\x88\x95x\xe2\x88\x95\xe2\x88\x95");
}
END_TEST

START_TEST(test_control_characters)
{
	expect1("a\tb\nc\rd", PAGES, "a_b_c_d");
	expect1("\x01\x1f", PAGES, "__");
	expect1("del\x7f", PAGES, "del_");
	expect1("c1\xc2\x85x\xc2\x9f", FILES, "c1_x_"); /* U+0085, U+009F: one '_' per character */
	expect1("nbsp\xc2\xa0ok", FILES, "nbsp\xc2\xa0ok");
}
END_TEST

START_TEST(test_invalid_utf8)
{
	expect1("a\xff"
	        "b",
	        PAGES, "a_b");
	expect1("\xc3", PAGES, "_");                  /* truncated sequence */
	expect1("\xc3(", PAGES, "_(");                /* bad continuation */
	expect1("\xc0\xaf", PAGES, "__");             /* overlong '/' */
	expect1("\xe0\x80\xaf", PAGES, "___");        /* overlong */
	expect1("\xed\xa0\x80", PAGES, "___");        /* surrogate */
	expect1("\xf4\x90\x80\x80", PAGES, "____");   /* above U+10FFFF */
	expect1("\x80x", PAGES, "_x");                /* lone continuation */
	expect1("caf\xc3\xa9", PAGES, "caf\xc3\xa9"); /* valid stays */
	expect1("\xe2\x82\xac \xf0\x9f\x98\x80", PAGES, "\xe2\x82\xac \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_empty_title)
{
	expect1("", PAGES, "_");
	expect1("", FILES, "_");
	expect1(NULL, PAGES, "_");
}
END_TEST

START_TEST(test_spaces_and_dots_kept)
{
	expect1("  padded  ", PAGES, "  padded  ");
	expect1(" ", PAGES, " ");
	expect1("...", PAGES, "...");
	expect1("...", FILES, "...");
	expect1(".hidden", PAGES, ".hidden");
	expect1(".md", PAGES, ".md");
	expect1("Foo.md", PAGES, "Foo.md");
}
END_TEST

START_TEST(test_reserved_names)
{
	expect1(".", PAGES, ". [42]");
	expect1("..", PAGES, ".. [42]");
	expect1("_attachments", PAGES, "_attachments [42]");
	expect1(".", FILES, ". [42]");
	expect1("..", FILES, ".. [42]");
	expect1("_attachments", FILES, "_attachments"); /* only page directories are reserved */
	expect1("_Attachments", PAGES, "_Attachments");
	expect1("_attachments.md", PAGES, "_attachments.md");
}
END_TEST

START_TEST(test_collision_lowest_id_wins)
{
	struct cfs_names_entry e[] = {
	    {.title = "Foo", .id = 300},
	    {.title = "Foo", .id = 20},
	    {.title = "Foo", .id = 1000},
	};
	ck_assert_int_eq(cfs_names_assign(e, 3, PAGES), 0);
	ck_assert_str_eq(name_of(e, 3, 20), "Foo");
	ck_assert_str_eq(name_of(e, 3, 300), "Foo [300]");
	ck_assert_str_eq(name_of(e, 3, 1000), "Foo [1000]");
	check_invariants(e, 3, PAGES);
	free_names(e, 3);
}
END_TEST

START_TEST(test_collision_after_sanitizing)
{
	/* "a/b" and "a∕b" both become "a∕b"; a tab and a newline both become '_'. */
	struct cfs_names_entry e[] = {
	    {.title = "a/b", .id = 2},
	    {.title = "a" DIV "b", .id = 1},
	    {.title = "x\ty", .id = 4},
	    {.title = "x\ny", .id = 3},
	};
	ck_assert_int_eq(cfs_names_assign(e, 4, FILES), 0);
	ck_assert_str_eq(name_of(e, 4, 1), "a" DIV "b");
	ck_assert_str_eq(name_of(e, 4, 2), "a" DIV "b [2]");
	ck_assert_str_eq(name_of(e, 4, 3), "x_y");
	ck_assert_str_eq(name_of(e, 4, 4), "x_y [4]");
	free_names(e, 4);
}
END_TEST

START_TEST(test_page_md_collides_with_directory)
{
	/* Page "Foo.md" has directory "Foo.md" = page "Foo"'s file "Foo.md". */
	struct cfs_names_entry a[] = {{.title = "Foo", .id = 10}, {.title = "Foo.md", .id = 20}};
	struct cfs_names_entry b[] = {{.title = "Foo", .id = 20}, {.title = "Foo.md", .id = 10}};
	struct cfs_names_entry c[] = {{.title = "Foo", .id = 20}, {.title = "Foo.md", .id = 10}};

	ck_assert_int_eq(cfs_names_assign(a, 2, PAGES), 0);
	ck_assert_str_eq(a[0].name, "Foo");
	ck_assert_str_eq(a[1].name, "Foo.md [20]");
	check_invariants(a, 2, PAGES);
	ck_assert_int_eq(cfs_names_assign(b, 2, PAGES), 0);
	ck_assert_str_eq(b[1].name, "Foo.md");
	ck_assert_str_eq(b[0].name, "Foo [20]");
	check_invariants(b, 2, PAGES);
	/* Attachments have no ".md" twin: both keep their names. */
	ck_assert_int_eq(cfs_names_assign(c, 2, FILES), 0);
	ck_assert_str_eq(c[0].name, "Foo");
	ck_assert_str_eq(c[1].name, "Foo.md");
	free_names(a, 2);
	free_names(b, 2);
	free_names(c, 2);
}
END_TEST

START_TEST(test_suffix_collides_with_plain_name)
{
	struct cfs_names_entry e[] = {
	    {.title = "Foo", .id = 1},     {.title = "Foo", .id = 2},
	    {.title = "Foo [2]", .id = 3}, /* its plain name is taken by id 2's suffixed one */
	    {.title = "Bar [7]", .id = 5}, {.title = "Bar", .id = 6},
	    {.title = "Bar", .id = 7}, /* "Bar [7]" belongs to id 5 */
	};
	ck_assert_int_eq(cfs_names_assign(e, 6, PAGES), 0);
	ck_assert_str_eq(name_of(e, 6, 1), "Foo");
	ck_assert_str_eq(name_of(e, 6, 2), "Foo [2]");
	ck_assert_str_eq(name_of(e, 6, 3), "Foo [2] [3]");
	ck_assert_str_eq(name_of(e, 6, 5), "Bar [7]");
	ck_assert_str_eq(name_of(e, 6, 6), "Bar");
	ck_assert_str_eq(name_of(e, 6, 7), "Bar [7-2]");
	check_invariants(e, 6, PAGES);
	free_names(e, 6);
}
END_TEST

START_TEST(test_suffix_collides_with_md_twin)
{
	/* id 2's suffixed stem "Foo [2]" is free, but a page titled "Foo [2].md" owns that
	 * directory. */
	struct cfs_names_entry e[] = {
	    {.title = "Foo", .id = 1},
	    {.title = "Foo [2].md", .id = 0},
	    {.title = "Foo", .id = 2},
	};
	ck_assert_int_eq(cfs_names_assign(e, 3, PAGES), 0);
	ck_assert_str_eq(name_of(e, 3, 0), "Foo [2].md");
	ck_assert_str_eq(name_of(e, 3, 1), "Foo");
	ck_assert_str_eq(name_of(e, 3, 2), "Foo [2-2]");
	check_invariants(e, 3, PAGES);
	free_names(e, 3);
}
END_TEST

/* Every permutation of a colliding group gives each (title, id) the same name. */
START_TEST(test_input_order_independent)
{
	static const struct {
		const char *title;
		uint64_t id;
	} in[] = {
	    {"Foo", 50}, {"Foo.md", 7}, {"Foo [50]", 3}, {"Foo", 12}, {"a/b", 9}, {"a" DIV "b", 8},
	};
	enum { N = sizeof(in) / sizeof(in[0]) };
	char *want[N];
	size_t perm[N];
	unsigned count = 0;

	for (int kind = PAGES; kind <= FILES; kind++) {
		struct cfs_names_entry e[N];
		for (size_t i = 0; i < N; i++) {
			e[i] = (struct cfs_names_entry){.title = in[i].title, .id = in[i].id};
			perm[i] = i;
		}
		ck_assert_int_eq(cfs_names_assign(e, N, kind), 0);
		check_invariants(e, N, kind);
		for (size_t i = 0; i < N; i++)
			want[i] = e[i].name;
		/* Heap's algorithm over all 720 orders. */
		size_t c[N] = {0};
		for (size_t k = 1; k < N;) {
			if (c[k] < k) {
				size_t j = k % 2 ? c[k] : 0, t = perm[j];
				perm[j] = perm[k];
				perm[k] = t;
				for (size_t i = 0; i < N; i++)
					e[i] = (struct cfs_names_entry){.title = in[perm[i]].title,
					                                .id = in[perm[i]].id};
				ck_assert_int_eq(cfs_names_assign(e, N, kind), 0);
				for (size_t i = 0; i < N; i++)
					ck_assert_str_eq(e[i].name, want[perm[i]]);
				free_names(e, N);
				count++;
				c[k]++;
				k = 1;
			} else {
				c[k++] = 0;
			}
		}
		for (size_t i = 0; i < N; i++)
			free(want[i]);
	}
	ck_assert_uint_eq(count, 2 * (720 - 1));
}
END_TEST

static char *repeat(const char *unit, size_t times, const char *prefix)
{
	size_t ul = strlen(unit), pl = strlen(prefix);
	char *s = malloc(pl + ul * times + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, pl);
	for (size_t i = 0; i < times; i++)
		memcpy(s + pl + i * ul, unit, ul);
	s[pl + ul * times] = '\0';
	return s;
}

/* A long title is cut to the longest valid prefix that fits. */
START_TEST(test_long_titles_cut_on_utf8_boundary)
{
	static const char *const units[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
	static const char *const prefixes[] = {"", "x", "xx", "xxx"};

	for (size_t u = 0; u < 4; u++) {
		for (size_t p = 0; p < 4; p++) {
			size_t ul = strlen(units[u]);
			char *title = repeat(units[u], 300 / ul + 1, prefixes[p]);
			for (int kind = PAGES; kind <= FILES; kind++) {
				size_t limit = kind == PAGES ? 252 : 255;
				char *got = name1(title, 1, kind);
				size_t len = strlen(got);
				ck_assert_uint_le(len, limit);
				ck_assert_uint_gt(len, limit - ul); /* nothing more would fit */
				ck_assert(valid_utf8(got));
				ck_assert(strncmp(got, title, len) == 0);
				free(got);
			}
			free(title);
		}
	}
}
END_TEST

START_TEST(test_long_title_exactly_at_limit)
{
	char *t252 = repeat("b", 252, ""), *t253 = repeat("b", 253, "");
	char *t255 = repeat("b", 255, ""), *t256 = repeat("b", 256, "");
	char *got;

	got = name1(t252, 1, PAGES);
	ck_assert_str_eq(got, t252); /* 252 + ".md" = 255 */
	free(got);
	got = name1(t253, 1, PAGES);
	ck_assert_str_eq(got, t252);
	free(got);
	got = name1(t255, 1, FILES);
	ck_assert_str_eq(got, t255);
	free(got);
	got = name1(t256, 1, FILES);
	ck_assert_str_eq(got, t255);
	free(got);
	free(t252);
	free(t253);
	free(t255);
	free(t256);
}
END_TEST

START_TEST(test_long_titles_colliding_after_cut)
{
	/* Two 300-byte titles that differ only after byte 252 share a base; the suffix still fits.
	 */
	char *a = repeat("\xe2\x82\xac", 100, ""), *b = repeat("\xe2\x82\xac", 99, "");
	b = realloc(b, 300 + 1);
	memcpy(b + 297, "zzz", 4);
	struct cfs_names_entry e[] = {{.title = a, .id = 99999999999ULL}, {.title = b, .id = 5}};

	ck_assert_int_eq(cfs_names_assign(e, 2, PAGES), 0);
	check_invariants(e, 2, PAGES);
	ck_assert_uint_eq(strlen(e[1].name), 252);
	ck_assert(strncmp(e[1].name, a, 252) == 0);
	ck_assert_uint_le(strlen(e[0].name), 252);
	ck_assert_uint_gt(strlen(e[0].name), 252 - 3);
	ck_assert_ptr_nonnull(strstr(e[0].name, " [99999999999]"));
	ck_assert(strcmp(e[0].name + strlen(e[0].name) - 14, " [99999999999]") == 0);
	free_names(e, 2);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_file_extension_kept)
{
	char *title = repeat("\xc3\xa9", 150, "");
	char *got;
	struct cfs_names_entry e[] = {
	    {.title = "topology.png", .id = 8},   {.title = "topology.png", .id = 3},
	    {.title = "archive.tar.gz", .id = 1}, {.title = "archive.tar.gz", .id = 2},
	    {.title = "notes v1.2", .id = 1},     {.title = "notes v1.2", .id = 2},
	};

	title = realloc(title, 300 + 5);
	memcpy(title + 300, ".png", 5);
	got = name1(title, 1, FILES);
	ck_assert_uint_le(strlen(got), 255);
	ck_assert_str_eq(got + strlen(got) - 4, ".png");
	ck_assert(valid_utf8(got));
	free(got);
	/* Pages have no extension: the cut keeps the front. */
	got = name1(title, 1, PAGES);
	ck_assert_uint_eq(strlen(got), 252);
	free(got);

	ck_assert_int_eq(cfs_names_assign(e, 6, FILES), 0);
	ck_assert_str_eq(e[1].name, "topology.png");
	ck_assert_str_eq(e[0].name, "topology [8].png");
	ck_assert_str_eq(e[2].name, "archive.tar.gz");
	ck_assert_str_eq(e[3].name, "archive.tar [2].gz");
	ck_assert_str_eq(e[4].name, "notes v1.2");
	ck_assert_str_eq(e[5].name, "notes v1.2 [2]");
	check_invariants(e, 6, FILES);
	free_names(e, 6);
	free(title);
}
END_TEST

START_TEST(test_many_siblings_same_title)
{
	enum { N = 10000 };
	struct cfs_names_entry *e = calloc(N, sizeof(*e));
	char *title = repeat("\xe2\x82\xac", 100, ""); /* 300 bytes */

	ck_assert_ptr_nonnull(e);
	for (int kind = PAGES; kind <= FILES; kind++) {
		for (size_t i = 0; i < N; i++) {
			e[i].title = title;
			e[i].id =
			    1000000000000ULL - i * 7919; /* descending, so the winner is last */
		}
		ck_assert_int_eq(cfs_names_assign(e, N, kind), 0);
		check_invariants(e, N, kind);
		ck_assert_uint_eq(strlen(e[N - 1].name), kind == PAGES ? 252 : 255);
		free_names(e, N);
	}
	free(title);
	free(e);
}
END_TEST

START_TEST(test_many_siblings_same_id)
{
	/* Ids that are not numeric come as 0: still unique, still fast. */
	enum { N = 10000 };
	struct cfs_names_entry *e = calloc(N, sizeof(*e));

	ck_assert_ptr_nonnull(e);
	for (size_t i = 0; i < N; i++)
		e[i].title = i % 2 ? "Same" : "Same.md";
	ck_assert_int_eq(cfs_names_assign(e, N, PAGES), 0);
	check_invariants(e, N, PAGES);
	free_names(e, N);
	free(e);
}
END_TEST

/* Random siblings from a tiny alphabet of troublesome titles, in random orders. */
START_TEST(test_random_groups)
{
	static const char *const pool[] = {
	    "Foo",       "Foo.md", "Foo [1]",      "Foo [2].md", "Foo [3]", "Foo [3-2]",
	    ".",         "..",     "_attachments", "",           "a/b",     "a" DIV "b",
	    "Foo.md.md", "x.png",  "x [2].png",    "\x01",       "_",
	};
	enum { POOL = sizeof(pool) / sizeof(pool[0]), N = 40 };
	unsigned seed = 12345;

	for (int round = 0; round < 300; round++) {
		struct cfs_names_entry e[N], f[N];
		size_t n = 1 + (size_t)rand_r(&seed) % N;
		int kind = round % 2 ? FILES : PAGES;
		for (size_t i = 0; i < n; i++)
			e[i] = (struct cfs_names_entry){.title = pool[rand_r(&seed) % POOL],
			                                .id = (uint64_t)(rand_r(&seed) % 8)};
		memcpy(f, e, sizeof(e));
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)rand_r(&seed) % (i + 1);
			struct cfs_names_entry t = f[i];
			f[i] = f[j];
			f[j] = t;
		}
		ck_assert_int_eq(cfs_names_assign(e, n, kind), 0);
		ck_assert_int_eq(cfs_names_assign(f, n, kind), 0);
		check_invariants(e, n, kind);
		/* Same multiset of (title, id, name): each e[i] has a match in f. */
		bool used[N] = {false};
		for (size_t i = 0; i < n; i++) {
			size_t j;
			for (j = 0; j < n; j++) {
				if (!used[j] && f[j].id == e[i].id &&
				    strcmp(f[j].title, e[i].title) == 0 &&
				    strcmp(f[j].name, e[i].name) == 0)
					break;
			}
			ck_assert_msg(j < n, "order changed the name of %s", e[i].name);
			used[j] = true;
		}
		free_names(e, n);
		free_names(f, n);
	}
}
END_TEST

START_TEST(test_zero_entries)
{
	ck_assert_int_eq(cfs_names_assign(NULL, 0, PAGES), 0);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_slash_becomes_division_slash);
	tcase_add_test(tc, test_control_characters);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_empty_title);
	tcase_add_test(tc, test_spaces_and_dots_kept);
	tcase_add_test(tc, test_reserved_names);
	tcase_add_test(tc, test_collision_lowest_id_wins);
	tcase_add_test(tc, test_collision_after_sanitizing);
	tcase_add_test(tc, test_page_md_collides_with_directory);
	tcase_add_test(tc, test_suffix_collides_with_plain_name);
	tcase_add_test(tc, test_suffix_collides_with_md_twin);
	tcase_add_test(tc, test_input_order_independent);
	tcase_add_test(tc, test_long_titles_cut_on_utf8_boundary);
	tcase_add_test(tc, test_long_title_exactly_at_limit);
	tcase_add_test(tc, test_long_titles_colliding_after_cut);
	tcase_add_test(tc, test_file_extension_kept);
	tcase_add_test(tc, test_many_siblings_same_title);
	tcase_add_test(tc, test_many_siblings_same_id);
	tcase_add_test(tc, test_random_groups);
	tcase_add_test(tc, test_zero_entries);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(names_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
