/* test_opts: sizes, durations, strict options, .netrc, and where the token may
 * (not) come from. */
#include "opts.h"

#include <check.h>
#include <errno.h>
#include <pwd.h>
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

	/* -o token_file wins over the environment, which is cleared anyway; the
	 * other source is named. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	o.token_file = strdup(tf);
	setenv("CONFLUENCE_TOKEN", "env-token", 1);
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), 0);
	ck_assert_str_eq(o.token, "file-token");
	ck_assert_str_eq(o.token_from, "-o token_file");
	ck_assert_str_eq(o.token_ignored, "CONFLUENCE_TOKEN");
	ck_assert_ptr_null(getenv("CONFLUENCE_TOKEN"));
	cfs_opts_clear(&o);

	/* The environment wins over the configuration file's token_file. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	o.config_token_file = strdup(tf);
	setenv("CONFLUENCE_TOKEN", "env-token", 1);
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), 0);
	ck_assert_str_eq(o.token, "env-token");
	ck_assert_str_eq(o.token_ignored, "the configuration file's token_file");
	cfs_opts_clear(&o);

	/* The configuration file's token_file, trailing newline removed. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	o.config_token_file = strdup(tf);
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), 0);
	ck_assert_str_eq(o.token, "file-token");
	ck_assert_ptr_null(o.token_ignored);
	cfs_opts_clear(&o);

	/* A token file others can read is refused, with the fix in the message,
	 * even when the environment has a token. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	o.token_file = strdup(loose);
	setenv("CONFLUENCE_TOKEN", "env-token", 1);
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_null(o.token);
	cfs_opts_clear(&o);

	/* So is a missing one. */
	cfs_opts_defaults(&o);
	o.url = strdup("https://wiki.example.com/confluence");
	o.token_file = strdup("/nonexistent/token");
	setenv("CONFLUENCE_TOKEN", "env-token", 1);
	ck_assert_int_eq(cfs_opts_resolve_credentials(&o, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/token"));
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
	cfs_opts_clear(&o);
}
END_TEST

START_TEST(test_home_without_env)
{
	struct passwd *pw = getpwuid(getuid());

	setenv("HOME", "/home/given", 1);
	ck_assert_str_eq(cfs_opts_home(), "/home/given");
	unsetenv("HOME"); /* as mount(8) runs its helpers */
	ck_assert_ptr_nonnull(pw);
	ck_assert_str_eq(cfs_opts_home(), pw->pw_dir);
}
END_TEST

START_TEST(test_durations)
{
	int v;

	ck_assert_int_eq(cfs_opts_parse_duration("90", &v), 0);
	ck_assert_int_eq(v, 90);
	ck_assert_int_eq(cfs_opts_parse_duration("30s", &v), 0);
	ck_assert_int_eq(v, 30);
	ck_assert_int_eq(cfs_opts_parse_duration("5m", &v), 0);
	ck_assert_int_eq(v, 300);
	ck_assert_int_eq(cfs_opts_parse_duration("1h", &v), 0);
	ck_assert_int_eq(v, 3600);
	ck_assert_int_eq(cfs_opts_parse_duration("1hh", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_duration("1d", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_duration("-1", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_duration("", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_duration("h", &v), -EINVAL);
	ck_assert_int_eq(cfs_opts_parse_duration("99999999999h", &v), -EINVAL);
}
END_TEST

/* Set one option; on -EINVAL the message must name the option. */
static int set(struct cfs_opts *o, const char *arg, char *err)
{
	int ret;

	err[0] = '\0';
	ret = cfs_opts_set(o, arg, err, 256);
	if (ret == -EINVAL) {
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
		ck_assert_msg(strstr(err, name), "'%s' does not name %s", err, name);
		ck_assert_ptr_null(strchr(err, '\n'));
	}
	return ret;
}

START_TEST(test_set_strict)
{
	struct cfs_opts o;
	char err[256];

	cfs_opts_defaults(&o);
	ck_assert_int_eq(set(&o, "ttl=1h", err), 0);
	ck_assert_int_eq(o.ttl, 3600);
	ck_assert_int_eq(set(&o, "timeout=2m", err), 0);
	ck_assert_int_eq(o.timeout, 120);
	ck_assert_int_eq(set(&o, "max_requests=4", err), 0);
	ck_assert_int_eq(o.max_requests, 4);
	ck_assert_int_eq(set(&o, "mem_cache=16k", err), 0);
	ck_assert_uint_eq(o.mem_cache, 16ull << 10);
	ck_assert_int_eq(set(&o, "cache_size=2G", err), 0);
	ck_assert_uint_eq(o.cache_size, 2ull << 30);
	ck_assert_int_eq(set(&o, "batch=250", err), 0);
	ck_assert_int_eq(set(&o, "frontmatter", err), 0);
	ck_assert_int_eq(o.front_matter, 1);
	ck_assert_int_eq(set(&o, "nonempty", err), 0);
	ck_assert_int_eq(o.nonempty, 1);
	ck_assert_int_eq(set(&o, "api=dc", err), 0);
	ck_assert_str_eq(o.api, "dc");
	ck_assert_int_eq(set(&o, "url=https://x/wiki", err), 0);
	ck_assert_str_eq(o.url, "https://x/wiki");

	/* Junk, suffixes that are not ours, ranges. */
	ck_assert_int_eq(set(&o, "ttl=1x", err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "30s"));
	ck_assert_int_eq(set(&o, "ttl=-1", err), -EINVAL);
	ck_assert_int_eq(set(&o, "max_requests=4abc", err), -EINVAL);
	ck_assert_int_eq(set(&o, "max_requests=0", err), -EINVAL);
	ck_assert_int_eq(set(&o, "max_requests=", err), -EINVAL);
	ck_assert_int_eq(set(&o, "max_requests", err), -EINVAL);
	ck_assert_int_eq(set(&o, "batch=0", err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "1..250"));
	ck_assert_int_eq(set(&o, "batch=251", err), -EINVAL);
	ck_assert_int_eq(set(&o, "retries=101", err), -EINVAL);
	ck_assert_int_eq(set(&o, "timeout=0", err), -EINVAL);
	ck_assert_int_eq(set(&o, "ttl=169h", err), -EINVAL);
	ck_assert_int_eq(set(&o, "uid=-5", err), -EINVAL);
	ck_assert_int_eq(set(&o, "cache_size=1k", err), -EINVAL);
	ck_assert_int_eq(set(&o, "mem_cache=lots", err), -EINVAL);
	ck_assert_int_eq(set(&o, "api=server", err), -EINVAL);
	ck_assert_int_eq(set(&o, "api=auto|dc", err), -EINVAL);
	ck_assert_int_eq(set(&o, "api=clou", err), -EINVAL);
	ck_assert_int_eq(set(&o, "log_level=loud", err), -EINVAL);
	ck_assert_int_eq(set(&o, "frontmatter=yes", err), -EINVAL);
	ck_assert_int_eq(set(&o, "token=s3cret", err), -EINVAL);
	ck_assert_ptr_null(strstr(err, "s3cret"));
	ck_assert_ptr_nonnull(strstr(err, "token_file"));
	/* Nothing changed by the refusals. */
	ck_assert_int_eq(o.ttl, 3600);
	ck_assert_int_eq(o.max_requests, 4);
	ck_assert_int_eq(o.batch, 250);
	ck_assert_str_eq(o.api, "dc");

	ck_assert_int_eq(set(&o, "ttls=1", err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "unknown option 'ttls'"));
	ck_assert_int_eq(set(&o, "allow_other", err), -ENOENT);
	cfs_opts_clear(&o);
}
END_TEST

START_TEST(test_help_lists_every_option)
{
	static const char *const names[] = {
	    "url=",        "user=",         "token_file=", "site=",      "api=",
	    "ca_file=",    "max_requests=", "timeout=",    "retries=",   "ttl=",
	    "prefetch=",   "batch=",        "frontmatter", "mem_cache=", "cache_dir=",
	    "cache_size=", "uid=",          "gid=",        "log_level=", "nonempty"};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct cfs_opts o;
	char err[256];

	cfs_opts_help(f);
	fclose(f);
	cfs_opts_defaults(&o);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "-o %s", names[i]);
		ck_assert_msg(strstr(text, line), "--help lacks %s", line);
		/* and each one listed is accepted (not unknown) */
		ck_assert_int_ne(cfs_opts_set(&o, names[i], err, sizeof(err)), -ENOENT);
	}
	cfs_opts_clear(&o);
	free(text);
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
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_home_without_env);
	tcase_add_test(tc, test_set_strict);
	tcase_add_test(tc, test_help_lists_every_option);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
