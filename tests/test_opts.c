/* test_opts: sizes, .netrc, and where the token may (not) come from. */
#include "opts.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

START_TEST(test_sizes)
{
	uint64_t v;

	ck_assert_int_eq(cfs_opts_parse_size("1G", &v), 0);
	ck_assert_uint_eq(v, 1ull << 30);
	ck_assert_int_eq(cfs_opts_parse_size("512M", &v), 0);
	ck_assert_uint_eq(v, 512ull << 20);
	ck_assert_int_eq(cfs_opts_parse_size("64KiB", &v), 0);
	ck_assert_uint_eq(v, 64ull << 10);
	ck_assert_int_eq(cfs_opts_parse_size("1000", &v), 0);
	ck_assert_uint_eq(v, 1000);
	ck_assert_int_eq(cfs_opts_parse_size("", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_size("-1", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_size("12Q", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_size("1GG", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_size("99999999999999999999", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_size("99999999999T", &v), -EINVAL);
}
END_TEST

START_TEST(test_netrc)
{
	const char *text = "# comment\n"
	                   "machine other.example.com login a password b\n"
	                   "machine acme.atlassian.net\n  login me@acme.com\n  password s3cret\n"
	                   "default login anon password none\n";
	char *login, *pw;

	ck_assert_int_eq(cfs_opts_netrc_lookup(text, "acme.atlassian.net", &login, &pw), 0);
	ck_assert_str_eq(login, "me@acme.com");
	ck_assert_str_eq(pw, "s3cret");
	free(login);
	free(pw);
	ck_assert_int_eq(cfs_opts_netrc_lookup(text, "elsewhere", &login, &pw), 0);
	ck_assert_str_eq(login, "anon");
	free(login);
	free(pw);
	ck_assert_int_eq(cfs_opts_netrc_lookup("machine x login y", "z", &login, &pw), -ENOENT);
	ck_assert_ptr_null(login);
	ck_assert_ptr_null(pw);
}
END_TEST

static char *write_file(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/cfs-test-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
	return path;
}

START_TEST(test_token_sources)
{
	struct cfs_opts o;
	char err[256];
	char *tf = write_file("file-token\n", 0600);
	char *loose = write_file("file-token\n", 0644);
	char *netrc = write_file("machine wiki.example.com login nu password netrc-token\n", 0600);

	setenv("NETRC", netrc, 1);
	unsetenv("CONFLUENCE_USER");
	unsetenv("CONFLUENCE_URL");

	/* The environment wins, and is cleared afterwards. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	o.token_file = strdup(tf);
	setenv("CONFLUENCE_TOKEN", "env-token", 1);
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), 0);
	ck_assert_str_eq(o.token, "env-token");
	ck_assert_ptr_null(getenv("CONFLUENCE_TOKEN"));
	cfs_opts_clear(&o);

	/* Then the token file, trailing newline removed. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	o.token_file = strdup(tf);
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), 0);
	ck_assert_str_eq(o.token, "file-token");
	cfs_opts_clear(&o);

	/* A token file others can read is refused, with the fix in the message. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	o.token_file = strdup(loose);
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_null(o.token);
	cfs_opts_clear(&o);

	/* Then .netrc, which also gives the user. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), 0);
	ck_assert_str_eq(o.token, "netrc-token");
	ck_assert_str_eq(o.user, "nu");
	cfs_opts_clear(&o);

	/* Nothing at all: a clear error. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://nowhere.example.com/wiki");
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "CONFLUENCE_TOKEN"));
	cfs_opts_clear(&o);

	unlink(tf);
	unlink(loose);
	unlink(netrc);
	free(tf);
	free(loose);
	free(netrc);
}
END_TEST

START_TEST(test_check)
{
	struct cfs_opts o;
	char err[256];

	cfs_opts_defaults(&o);
	ck_assert_int_eq(cfs_opts_check(&o, err, sizeof(err)), -EINVAL); /* no space */
	o.space = strdup("ENG");
	o.url = strdup("ftp://x");
	ck_assert_int_eq(cfs_opts_check(&o, err, sizeof(err)), -EINVAL);
	free(o.url);
	o.url = strdup("https://x/wiki");
	ck_assert_int_eq(cfs_opts_check(&o, err, sizeof(err)), 0);
	o.max_requests = 0;
	ck_assert_int_eq(cfs_opts_check(&o, err, sizeof(err)), -EINVAL);
	cfs_opts_clear(&o);
}
END_TEST

START_TEST(test_config)
{
	const char *text = "# comment\n"
	                   "[default]\n"
	                   "max_requests = 4\n"
	                   "\n"
	                   "[acme]\n"
	                   "  url = https://acme.atlassian.net/wiki  \n"
	                   "; another comment\n"
	                   "token_file = ~/.config/confluencefs/acme.token\n"
	                   "user=a,b@acme.com\n";
	char **args, err[256];
	size_t n;

	setenv("HOME", "/home/u", 1);
	ck_assert_int_eq(cfs_opts_config(text, "acme", &args, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(args[0], "-ourl=https://acme.atlassian.net/wiki");
	ck_assert_str_eq(args[1], "-otoken_file=/home/u/.config/confluencefs/acme.token");
	ck_assert_str_eq(args[2], "-ouser=a\\,b@acme.com"); /* fuse_opt's escape */
	for (size_t i = 0; i < n; i++)
		free(args[i]);
	free(args);

	ck_assert_int_eq(cfs_opts_config(text, NULL, &args, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(args[0], "-omax_requests=4");
	free(args[0]);
	free(args);

	ck_assert_int_eq(cfs_opts_config(text, "nosuch", &args, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);

	ck_assert_int_eq(cfs_opts_config("[a]\ntoken = x\n", "a", &args, &n, err, sizeof(err)),
	                 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "token_file"));
	ck_assert_int_eq(cfs_opts_config("[a\n", "a", &args, &n, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 1"));
	ck_assert_int_eq(cfs_opts_config("[a]\nnovalue\n", "a", &args, &n, err, sizeof(err)),
	                 -EINVAL);
	ck_assert_int_eq(cfs_opts_config("[a]\nBad-Key = 1\n", "a", &args, &n, err, sizeof(err)),
	                 -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("opts");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_netrc);
	tcase_add_test(tc, test_token_sources);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_config);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
