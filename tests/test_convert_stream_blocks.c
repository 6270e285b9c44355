/* test_convert_stream_blocks: huge lists and paragraphs are written as they are parsed (not
 * held whole), and the Markdown is exactly what the same content gives when it is held
 * (inside a blockquote nothing streams). */
#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#include "convert.h"
#include "convert_blocks.h"

/* src/convert/convert_int.h: the streaming thresholds (0: the defaults) */
void cv_stream_thresholds(size_t items, size_t inline_children, size_t text, size_t spill);

struct sb {
	char *p;
	size_t len, cap;
};

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if (b->p && b->len + (size_t)n < b->cap)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	b->len += (size_t)n;
}

static char *convert(const char *in)
{
	char *out = NULL;
	size_t len = 0;

	ck_assert_int_eq(cfs_convert(in, strlen(in), NULL, &out, &len), 0);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

/* The Markdown of a blockquote with its "> " prefixes taken off. */
static char *unquote(const char *md)
{
	char *q, *p = q = malloc(strlen(md) + 1);

	for (const char *s = md; *s;) {
		if (!strncmp(s, "> ", 2))
			s += 2;
		else if (*s == '>' && s[1] == '\n')
			s++;
		while (*s && *s != '\n')
			*q++ = *s++;
		if (*s)
			*q++ = *s++;
	}
	*q = '\0';
	return p;
}

/*
 * body converted at the top level (streamed) must equal expected exactly, and
 * equal what it gives held whole inside a blockquote.
 */
static void check_both(const char *body, const char *expected)
{
	struct sb top = {0}, held = {0};
	char *a, *b, *u;

	sb_printf(&top, "<p>before</p>%s<p>after</p>", body);
	sb_printf(&held, "<p>before</p><blockquote>%s</blockquote><p>after</p>", body);
	a = convert(top.p);
	b = convert(held.p);
	u = unquote(b);
	ck_assert_uint_eq(strlen(a), strlen(expected));
	ck_assert_int_eq(memcmp(a, expected, strlen(expected)), 0);
	ck_assert_uint_eq(strlen(u), strlen(a));
	ck_assert_int_eq(strcmp(u, a), 0);
	free(a);
	free(b);
	free(u);
	free(top.p);
	free(held.p);
}

START_TEST(test_huge_list_streams)
{
	/* a list right after a list of the same kind takes the other marker */
	struct sb in = {0}, md = {0};
	int n = 5000;

	sb_printf(&in, "<ol><li>first</li></ol><ol start=\"7\">");
	sb_printf(&md, "before\n\n1. first\n\n");
	for (int i = 0; i < n; i++) {
		sb_printf(&in, "<li>item %d with <b>bold</b> <ul><li>sub_%d</li></ul></li>", i, i);
		sb_printf(&md, "%d) item %d with **bold**\n%*s- sub_%d\n", 7 + i, i,
		          (int)strlen("7) ") + (7 + i >= 10) + (7 + i >= 100) + (7 + i >= 1000), "",
		          i);
	}
	sb_printf(&in, "</ol>");
	sb_printf(&md, "\nafter\n");
	check_both(in.p, md.p);
	free(in.p);
	free(md.p);
}
END_TEST

START_TEST(test_huge_bullet_list_with_stray_text_streams)
{
	/* text between items is an item of its own, as when held whole */
	struct sb in = {0}, md = {0};

	sb_printf(&in, "<ul>");
	sb_printf(&md, "before\n\n");
	for (int i = 0; i < 3000; i++) {
		sb_printf(&in, "<li>a%d</li>%s", i, i % 1000 == 999 ? "loose" : "");
		sb_printf(&md, "- a%d\n%s", i, i % 1000 == 999 ? "- loose\n" : "");
	}
	sb_printf(&in, "</ul>");
	sb_printf(&md, "\nafter\n");
	check_both(in.p, md.p);
	free(in.p);
	free(md.p);
}
END_TEST

START_TEST(test_huge_paragraph_of_markup_streams)
{
	/* 20,000 inline elements in one paragraph: emphasis looks at what follows,
	 * "_" and "*" are escaped by their neighbours */
	struct sb in = {0}, md = {0};

	sb_printf(&in, "<p>");
	sb_printf(&md, "before\n\n");
	for (int i = 0; i < 20000; i++) {
		sb_printf(&in, "w_%d <b>b</b>, <i>i</i>x <a href=\"https://e.org/%d\">l*%d</a> ", i,
		          i, i);
		sb_printf(&md, "%sw_%d **b**, *i*x [l\\*%d](https://e.org/%d)", i ? " " : "", i, i,
		          i);
	}
	sb_printf(&in, "</p>");
	sb_printf(&md, "\n\nafter\n");
	check_both(in.p, md.p);
	free(in.p);
	free(md.p);
}
END_TEST

START_TEST(test_huge_plain_paragraph_streams)
{
	/* one text node of ~4 MB: rendered in parts cut at whitespace */
	struct sb in = {0}, md = {0};

	sb_printf(&in, "<p>  ");
	sb_printf(&md, "before\n\n");
	for (int i = 0; i < 200000; i++) {
		sb_printf(&in, "snake_case _%d_\n  # &lt;a ", i);
		sb_printf(&md, "%ssnake_case \\_%d\\_ # \\<a", i ? " " : "", i);
	}
	sb_printf(&in, "</p>");
	sb_printf(&md, "\n\nafter\n");
	check_both(in.p, md.p);
	free(in.p);
	free(md.p);
}
END_TEST

START_TEST(test_huge_text_at_top_level_streams)
{
	/* text and inline elements straight in the body, no <p> */
	struct sb in = {0}, md = {0};
	char *a;

	sb_printf(&in, "<h1>T</h1>");
	sb_printf(&md, "# T\n\n");
	for (int i = 0; i < 150000; i++) {
		sb_printf(&in, "plain %d <code>c</code> words ", i);
		sb_printf(&md, "%splain %d `c` words", i ? " " : "", i);
	}
	sb_printf(&in, "<h2>End</h2>");
	sb_printf(&md, "\n\n## End\n");
	a = convert(in.p);
	ck_assert_uint_eq(strlen(a), md.len);
	ck_assert_int_eq(strcmp(a, md.p), 0);
	free(a);
	free(in.p);
	free(md.p);
}
END_TEST

START_TEST(test_paragraph_with_an_id_is_held)
{
	/* its anchor opens it: not streamed, still right */
	struct sb in = {0}, md = {0};

	sb_printf(&in, "<p id=\"top\">");
	sb_printf(&md, "before\n\n<a id=\"top\"></a>");
	for (int i = 0; i < 10000; i++) {
		sb_printf(&in, "<b>b%d</b> ", i);
		sb_printf(&md, "%s**b%d**", i ? " " : "", i);
	}
	sb_printf(&in, "</p>");
	sb_printf(&md, "\n\nafter\n");
	check_both(in.p, md.p);
	free(in.p);
	free(md.p);
}
END_TEST

START_TEST(test_streamed_blocks_keep_the_block_map)
{
	/* the write path's block map: a streamed list and paragraph are one block each */
	struct sb in = {0};
	char *out;
	size_t len, body, nb;
	struct cfs_convert_block *b;
	const char *why;
	size_t list_end, para_end;

	sb_printf(&in, "<p>a</p><ul>");
	for (int i = 0; i < 3000; i++)
		sb_printf(&in, "<li>x%d</li>", i);
	sb_printf(&in, "</ul>");
	list_end = in.len;
	sb_printf(&in, "<p>");
	for (int i = 0; i < 10000; i++)
		sb_printf(&in, "<b>b</b> ");
	sb_printf(&in, "</p>");
	para_end = in.len;
	sb_printf(&in, "<p>z</p>");
	ck_assert_int_eq(cfs_convert_blocks(in.p, in.len, NULL, &out, &len, &body, &b, &nb, &why),
	                 0);
	ck_assert_ptr_null(why);
	ck_assert_uint_eq(nb, 4);
	ck_assert_uint_eq(b[0].storage_end, strlen("<p>a</p>"));
	ck_assert_uint_eq(b[0].md_end, strlen("a\n"));
	ck_assert_int_eq(strncmp(out + b[0].md_end, "\n- x0\n- x1\n", 11), 0);
	ck_assert_uint_eq(b[1].storage_end, list_end);
	ck_assert_int_eq(strncmp(out + b[1].md_end - 8, "- x2999\n\n**b** **b**", 20), 0);
	ck_assert_uint_eq(b[2].storage_end, para_end);
	ck_assert_str_eq(out + b[2].md_end - 6, "**b**\n\nz\n");
	ck_assert_uint_eq(b[3].storage_end, in.len);
	ck_assert_uint_eq(b[3].md_end, len);
	free(b);
	free(out);
	free(in.p);
}
END_TEST

START_TEST(test_text_before_a_layout_stays_before)
{
	/* cells are written as they close: what precedes their layout (text straight
	 * in the body, and in a section before a cell) is written first (it came
	 * after the cell before) */
	char *md = convert("<p>a</p>text before<ac:layout><ac:layout-section>in section"
	                   "<ac:layout-cell><p>cell</p></ac:layout-cell></ac:layout-section>"
	                   "</ac:layout>after");

	ck_assert_str_eq(md, "a\n\ntext before\n\nin section\n\ncell\n\nafter\n");
	free(md);
}
END_TEST

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

struct result {
	int ret;
	char *md;
	size_t len, body, n;
	struct cfs_convert_block *b;
	const char *why;
};

static void blocks(const char *in, size_t len, struct result *r)
{
	r->ret =
	    cfs_convert_blocks(in, len, NULL, &r->md, &r->len, &r->body, &r->b, &r->n, &r->why);
}

/* Convert every file of dir ending in ext with the usual thresholds and with
 * thresholds so low that every list and paragraph streams: the same Markdown,
 * the same block map.  Returns the number of files. */
static int same_when_streamed(const char *dir, const char *ext)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;

	ck_assert_msg(d != NULL, "no directory %s", dir);
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name), el = strlen(ext), len;
		char path[4096], *in;
		struct result a = {0}, b = {0};

		if (nl <= el || strcmp(e->d_name + nl - el, ext) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		in = slurp(path, &len);
		cv_stream_thresholds(0, 0, 0, 0);
		blocks(in, len, &a);
		cv_stream_thresholds(1, 1, 8, 1);
		blocks(in, len, &b);
		cv_stream_thresholds(0, 0, 0, 0);
		ck_assert_int_eq(a.ret, b.ret);
		if (a.ret) { /* no block map for this one: the Markdown alone */
			ck_assert_str_eq(a.why, b.why);
			ck_assert_int_eq(cfs_convert(in, len, NULL, &a.md, &a.len), 0);
			ck_assert_int_eq(cfs_convert(in, len, NULL, &b.md, &b.len), 0);
		}
		ck_assert_msg(a.len == b.len && !memcmp(a.md, b.md, a.len),
		              "%s: streamed Markdown differs:\n%s\n----\n%s", e->d_name, a.md,
		              b.md);
		ck_assert_uint_eq(a.n, b.n);
		ck_assert_uint_eq(a.body, b.body);
		for (size_t i = 0; i < a.n; i++) {
			ck_assert_uint_eq(a.b[i].storage_end, b.b[i].storage_end);
			ck_assert_uint_eq(a.b[i].md_end, b.b[i].md_end);
		}
		free(a.md);
		free(b.md);
		free(a.b);
		free(b.b);
		free(in);
		files++;
	}
	closedir(d);
	return files;
}

START_TEST(test_fixtures_streamed_to_the_same_markdown)
{
	const char *fx = getenv("CFS_FIXTURES"), *src = getenv("CFS_SOURCE_ROOT");
	char dir[4096];

	ck_assert_ptr_nonnull(fx);
	ck_assert_ptr_nonnull(src);
	snprintf(dir, sizeof(dir), "%s/storage", fx);
	ck_assert_int_ge(same_when_streamed(dir, ".storage.xhtml"), 18);
	snprintf(dir, sizeof(dir), "%s/tests/convert/cases", src);
	ck_assert_int_ge(same_when_streamed(dir, ".xhtml"), 15);
	/* the fuzzer's finds (fuzz_convert checks the same property) */
	snprintf(dir, sizeof(dir), "%s/tests/convert/fuzz", src);
	ck_assert_int_ge(same_when_streamed(dir, ".bin"), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("convert-stream-blocks");
	TCase *t = tcase_create("stream");
	SRunner *r;
	int failed;

	xmlInitParser();
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_huge_list_streams);
	tcase_add_test(t, test_huge_bullet_list_with_stray_text_streams);
	tcase_add_test(t, test_huge_paragraph_of_markup_streams);
	tcase_add_test(t, test_huge_plain_paragraph_streams);
	tcase_add_test(t, test_huge_text_at_top_level_streams);
	tcase_add_test(t, test_paragraph_with_an_id_is_held);
	tcase_add_test(t, test_streamed_blocks_keep_the_block_map);
	tcase_add_test(t, test_fixtures_streamed_to_the_same_markdown);
	tcase_add_test(t, test_text_before_a_layout_stays_before);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	xmlCleanupParser();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
