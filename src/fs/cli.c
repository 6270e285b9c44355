/* cli: the command line of mount.confluencefs — options (-o, the
 * configuration file's section, fstab and mount(8) words), --help. */
#include "cli.h"
#include "mountpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_CHECK,
	KEY_PUBLISH,
};

static const struct fuse_opt cli_spec[] = {
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("--check", KEY_CHECK),
    FUSE_OPT_KEY("--publish-drafts", KEY_PUBLISH),
    /* mount(8) passes these to helpers; they mean nothing here. */
    FUSE_OPT_KEY("-n", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("-v", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_END,
};

/* Whether arg (one -o option) matches a word or, ending in '=' or '.', a prefix. */
static int in_list(const char *arg, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]);
		char last = list[i][len - 1];

		if (last == '=' || last == '.' ? strncmp(arg, list[i], len) == 0
		                               : strcmp(arg, list[i]) == 0)
			return 1;
	}
	return 0;
}

/* Words fstab and mount(8) pass that mean nothing to a FUSE filesystem. */
static int ignored_option(const char *arg)
{
	static const char *const words[] = {"_netdev",    "nofail",  "noauto", "auto",
	                                    "defaults",   "user",    "users",  "nouser",
	                                    "x-systemd.", "comment="};

	return in_list(arg, words, sizeof(words) / sizeof(words[0]));
}

/* Options libfuse itself takes (fuse_parse_cmdline, fuse_session_new). */
static int fuse_option(const char *arg)
{
	static const char *const words[] = {"debug",
	                                    "clone_fd",
	                                    "max_idle_threads=",
	                                    "max_threads=",
	                                    "allow_other",
	                                    "allow_root",
	                                    "auto_unmount",
	                                    "default_permissions",
	                                    "dev",
	                                    "nodev",
	                                    "suid",
	                                    "nosuid",
	                                    "exec",
	                                    "noexec",
	                                    "async",
	                                    "sync",
	                                    "atime",
	                                    "noatime",
	                                    "nodiratime",
	                                    "dirsync",
	                                    "max_read=",
	                                    "fsname=",
	                                    "subtype="};

	return in_list(arg, words, sizeof(words) / sizeof(words[0]));
}

static int cli_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct cli *c = data;

	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		if (c->positional++ == 0) {
			c->o.space = strdup(arg);
			return 0;
		}
		if (c->positional == 2) {
			c->mountpoint = arg;
			return 1; /* for fuse_parse_cmdline too */
		}
		snprintf(c->error, sizeof(c->error),
		         "unexpected argument '%s' (SPACE MOUNTPOINT come once)", arg);
		return -1;
	case FUSE_OPT_KEY_OPT:
		if (arg[0] == '-') {
			if (strcmp(arg, "-f") == 0 || strcmp(arg, "-d") == 0 ||
			    strcmp(arg, "-s") == 0)
				return 1;
			snprintf(c->error, sizeof(c->error),
			         "unknown option '%s' (--help lists the options)", arg);
			return -1;
		}
		if (ignored_option(arg))
			return 0;
		if (strcmp(arg, "ro") == 0) { /* the default; the last of ro and rw wins */
			c->o.rw = 0;
			return 0;
		}
		if (strcmp(arg, "rw") == 0 && cfs_run_by_mount(0)) {
			c->mount_rw = 1; /* write-back takes -o writeback there */
			return 0;
		}
		if (fuse_option(arg))
			return 1;
		return cfs_opts_set(&c->o, arg, c->error, sizeof(c->error)) ? -1 : 0;
	case KEY_HELP:
		c->help = 1;
		return 0;
	case KEY_VERSION:
		c->version = 1;
		return 0;
	case KEY_PUBLISH:
		c->publish = 1;
		c->check = 1; /* no mount point */
		return 0;
	case KEY_CHECK:
		c->check = 1;
		return 0;
	}
	return 1;
}

void cfs_cli_usage(const char *prog)
{
	printf("usage: %s SPACE MOUNTPOINT [-f] [-d] [-o opt[,opt...]]\n"
	       "       %s --check SPACE [-o opt[,opt...]]   check site, credentials and space\n"
	       "       %s --publish-drafts SPACE [-o opt[,opt...]]   publish the saves a killed\n"
	       "                          rw mount left in the cache directory, then exit\n"
	       "\n"
	       "Mount the Confluence space SPACE at MOUNTPOINT: pages are Markdown files, page\n"
	       "trees are directories, blog posts are in _blog/YYYY/MM/.  SPACE may also be\n"
	       "KEY1,KEY2 or all: then one directory per space.\n"
	       "\n"
	       "Read-only unless -o rw (-o writeback through mount(8) and fstab, which pass\n"
	       "rw to every mount).  With it, saving a page publishes a new version; a new\n"
	       "Name.md closed with text is a new page; mv retitles or moves a page (EXDEV\n"
	       "across spaces); rm sends a page or attachment to the trash (never purged;\n"
	       "ENOTEMPTY with child pages); mkdir makes a folder (Cloud) or an empty page\n"
	       "(Data Center); rmdir of an empty folder trashes it; a file closed in\n"
	       "Page/_attachments/ is uploaded.\n"
	       "\n"
	       "The token: -o token_file=PATH, else CONFLUENCE_TOKEN, else the configuration\n"
	       "file's token_file, else ~/.netrc.  CONFLUENCE_URL and CONFLUENCE_USER stand\n"
	       "for url= and user=.  The configuration file: $CONFLUENCEFS_CONFIG or\n"
	       "~/.config/confluencefs/config.\n"
	       "\n"
	       "Options:\n",
	       prog, prog, prog);
	cfs_opts_help(stdout);
	printf("    -f                     stay in the foreground, log to stderr\n"
	       "    -d                     debug: foreground, FUSE and HTTP tracing\n"
	       "    --check                check the site, credentials and space, then exit\n"
	       "    fstab words (_netdev, nofail, noauto, x-systemd.*) are accepted and ignored\n"
	       "\n");
}

/* The configuration file: $CONFLUENCEFS_CONFIG, else
 * $XDG_CONFIG_HOME/confluencefs/config, else ~/.config/confluencefs/config. */
static char *config_path(void)
{
	const char *env = getenv("CONFLUENCEFS_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = cfs_opts_home();
	char *p = NULL;

	if (env && *env)
		return strdup(env);
	if (xdg && *xdg) {
		if (asprintf(&p, "%s/confluencefs/config", xdg) < 0)
			p = NULL;
	} else if (home && asprintf(&p, "%s/.config/confluencefs/config", home) < 0) {
		p = NULL;
	}
	return p;
}

/* Parse the command line, with the options of the configuration file's
 * section for the site (-o site=, CONFLUENCE_SITE, or [default]) parsed
 * first so the command line wins; the file's token_file is kept apart (it
 * comes after CONFLUENCE_TOKEN).  Returns 0, or 2 after one line. */
int cfs_cli_parse(int argc, char *argv[], struct fuse_args *args, struct cli *c)
{
	char *path = config_path(), *text = NULL, **cargs = NULL, err[512];
	const char *site;
	size_t n = 0, len = 0;
	FILE *f;
	int ret = 2;
	struct fuse_args fargs = FUSE_ARGS_INIT(0, NULL);

	*args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
	cfs_opts_defaults(&c->o);
	if (fuse_opt_parse(args, c, cli_spec, cli_proc) == -1) {
		fprintf(stderr, "mount.confluencefs: %s\n", c->error[0] ? c->error : "bad options");
		goto out;
	}
	if (c->help || c->version) {
		ret = 0;
		goto out;
	}
	site = c->o.site ? c->o.site : getenv("CONFLUENCE_SITE");
	f = path ? fopen(path, "r") : NULL;
	if (!f) {
		if (site && *site) {
			fprintf(
			    stderr,
			    "mount.confluencefs: site '%s' given but no configuration file %s\n",
			    site, path ? path : "");
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	if (!text || cfs_opts_config(text, site, &cargs, &n, err, sizeof(err))) {
		fprintf(stderr, "mount.confluencefs: %s: %s\n", path, text ? err : "out of memory");
		goto out;
	}
	if (site && *site && n == 0) {
		fprintf(stderr, "mount.confluencefs: %s has no [%s] section\n", path, site);
		goto out;
	}
	if (n) {
		/* The file's options, then the command line's over them. */
		struct cli fc = {0};

		cfs_opts_defaults(&fc.o);
		if (fuse_opt_add_arg(&fargs, argv[0]))
			goto out;
		for (size_t i = 0; i < n; i++)
			if (fuse_opt_add_arg(&fargs, cargs[i]))
				goto out;
		if (fuse_opt_parse(&fargs, &fc, cli_spec, cli_proc) == -1) {
			fprintf(stderr, "mount.confluencefs: %s: %s\n", path, fc.error);
			cfs_opts_clear(&fc.o);
			goto out;
		}
		fc.o.config_token_file = fc.o.token_file;
		fc.o.token_file = NULL;
		fuse_opt_free_args(args);
		*args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
		if (fuse_opt_parse(args, &fc, cli_spec, cli_proc) == -1) {
			fprintf(stderr, "mount.confluencefs: %s\n", fc.error);
			cfs_opts_clear(&fc.o);
			goto out;
		}
		/* libfuse's own options from the file. */
		for (int i = 1; i < fargs.argc; i++)
			if (fuse_opt_add_arg(args, fargs.argv[i])) {
				cfs_opts_clear(&fc.o);
				goto out;
			}
		cfs_opts_clear(&c->o);
		*c = fc;
	}
	ret = 0;
out:
	fuse_opt_free_args(&fargs);
	for (size_t i = 0; i < n; i++)
		free(cargs[i]);
	free(cargs);
	free(text);
	free(path);
	return ret;
}
