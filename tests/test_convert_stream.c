/* test_convert_stream: huge tables are written row by row, and the Markdown is the same as
 * when the table is held whole. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libxml/parser.h>

#include "convert.h"

static char *convert(const char *in)
{
	char *out = NULL;
	size_t len = 0;

	ck_assert_int_eq(cfs_convert(in, strlen(in), NULL, &out, &len), 0);
	return out;
}

/* A table of n rows (a colspan in each: not a pipe table), wrapped in before/after. */
static char *html_table(int n, const char *before, const char *after)
{
	size_t cap = (size_t)n * 128 + 256, len = 0;
	char *s = malloc(cap);

	len += (size_t)sprintf(s + len, "%s<table><caption>Big</caption><tbody>", before);
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(s + len,
		                       "<tr><td colspan=\"2\">c%d</td><td><p>v <b>%d</b></p>"
		                       "<ul><li>x</li></ul></td></tr>",
		                       i, i);
	sprintf(s + len, "stray text</tbody></table>%s", after);
	return s;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

START_TEST(test_streamed_html_table_matches_the_whole_one)
{
	/* at the top level the table streams (past 1024 rows); inside a
	 * blockquote it is held whole: the same rows must come out */
	char *top = html_table(3000, "<p>before</p>", "<p>after</p>");
	char *held = html_table(3000, "<p>before</p><blockquote>", "</blockquote><p>after</p>");
	char *a = convert(top), *b = convert(held), *q, *p;
	size_t la;

	ck_assert_uint_eq(count(a, "<tr>"), 3000);
	ck_assert_uint_eq(count(a, "<table>"), 1);
	ck_assert_uint_eq(count(a, "</table>"), 1);
	ck_assert_ptr_nonnull(strstr(a,
	                             "before\n\n<table>\n<caption>Big</caption>\n<tr>\n"
	                             "<td colspan=\"2\">c0</td>\n<td>\n\nv **0**\n\n- x\n\n</td>\n"
	                             "</tr>\n"));
	ck_assert_ptr_nonnull(strstr(a, "<td colspan=\"2\">c2999</td>"));
	ck_assert_ptr_nonnull(strstr(a, "</table>\n\nstray text\n\nafter\n"));
	/* the blockquote's copy, with its "> " prefixes taken off */
	q = p = malloc(strlen(b) + 1);
	for (const char *s = b; *s;) {
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
	la = strlen(a);
	ck_assert_uint_eq(la, strlen(p));
	ck_assert_str_eq(a, p);
	free(p);
	free(a);
	free(b);
	free(top);
	free(held);
}
END_TEST

/* Peak RSS in MB that converting a ~20 MB HTML table adds, measured in a child. */
static long table_peak_mb(void)
{
	int fds[2], status;
	long mb = -1;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *in = html_table(180000, "", ""), *out = NULL;
		size_t len;
		struct rusage ru;
		long before, after;

		getrusage(RUSAGE_SELF, &ru);
		before = ru.ru_maxrss;
		if (cfs_convert(in, strlen(in), NULL, &out, &len))
			_exit(1);
		getrusage(RUSAGE_SELF, &ru);
		after = (ru.ru_maxrss - before) / 1024;
		if (write(fds[1], &after, sizeof(after)) != sizeof(after))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &mb, sizeof(mb)) != sizeof(mb))
		mb = -1;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return mb;
}

START_TEST(test_huge_html_table_memory_is_bounded)
{
	/* the input (~20 MB) and the output (~25 MB) are held; the table is not:
	 * held whole it took ~350 MB */
	long mb = table_peak_mb();

	ck_assert_int_ge(mb, 0);
	ck_assert_msg(mb < 100, "converting a 20 MB HTML table added %ld MB of peak RSS", mb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("convert-stream");
	TCase *t = tcase_create("stream");
	SRunner *r;
	int failed;

	xmlInitParser();
	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_streamed_html_table_matches_the_whole_one);
	/* sanitizers shadow every allocation: the figure means nothing there */
#if !defined(__SANITIZE_ADDRESS__)
	tcase_add_test(t, test_huge_html_table_memory_is_bounded);
#endif
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
