/* confluencefs-convert: one storage-format page (file or stdin) to Markdown on stdout. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#include "convert.h"

#define CFS_MAX_INPUT ((size_t)1 << 30) /* 1 GiB: far above any real page */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: confluencefs-convert [OPTIONS] [FILE]\n"
	    "\n"
	    "Convert a Confluence storage-format page (XHTML) to GitHub-flavored Markdown.\n"
	    "Reads FILE (or standard input when FILE is absent or \"-\"), writes Markdown to\n"
	    "standard output.\n"
	    "\n"
	    "  --base-url URL   site web base, e.g. https://acme.atlassian.net/wiki; links to\n"
	    "                   pages, attachments and people become absolute URLs under it\n"
	    "                   (without it: pages link to \"Title.md\" (\"../KEY/Title.md\" in\n"
	    "                   another space), attachments to their file name)\n"
	    "  --attachments-dir DIR\n"
	    "                   attachments (and images) link to DIR/NAME (default: NAME,\n"
	    "                   unless --base-url and --page-id give their URL)\n"
	    "  --space KEY      space of the page (for links to pages by title)\n"
	    "  --title T        title of the page (front matter, links to itself)\n"
	    "  --page-id ID     id of the page (absolute URLs of its attachments)\n"
	    "  --jira-url URL   Jira base URL for the jira macro\n"
	    "  --front-matter   start the output with YAML front matter\n"
	    "  -h, --help       show this help\n"
	    "  --version        show the version\n"
	    "\n"
	    "Without --base-url, links to pages and attachments are relative paths: put the\n"
	    "converted pages and their attachments side by side for them to work.\n");
}

/* Without a site: pages side by side ("Title.md", "../KEY/Title.md"). */
static char *join3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

static char *page_path(void *arg, const char *space_key, const char *title)
{
	(void)arg;
	if (space_key) {
		char *dir = join3("../", space_key, "/"), *p;

		if (!dir)
			return NULL;
		p = join3(dir, title, ".md");
		free(dir);
		return p;
	}
	return join3("", title, ".md");
}

static char *blog_path(void *arg, const char *space_key, const char *title, const char *day)
{
	(void)day;
	return page_path(arg, space_key, title);
}

/* Attachments, of this page or another: DIR/NAME, or NAME. */
static char *attachment_path(void *arg, const char *space_key, const char *page_title,
                             const char *filename)
{
	const char *dir = arg;

	(void)space_key;
	(void)page_title;
	return dir && *dir ? join3(dir, "/", filename) : join3("", "", filename);
}

/* Read all of f; returns 0 or -errno. */
static int slurp(FILE *f, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap), *q;

	if (!p)
		return -ENOMEM;
	for (;;) {
		size_t r;

		if (n == cap) {
			if (cap >= CFS_MAX_INPUT) {
				free(p);
				return -EFBIG;
			}
			q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				return -ENOMEM;
			}
			p = q;
			cap *= 2;
		}
		r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				int e = errno ? errno : EIO;

				free(p);
				return -e;
			}
			break;
		}
	}
	*buf = p;
	*len = n;
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_BASE = 256, O_SPACE, O_TITLE, O_PAGE, O_JIRA, O_FM, O_VERSION, O_ATT };
	static const struct option opts[] = {
	    {"base-url", required_argument, NULL, O_BASE},
	    {"space", required_argument, NULL, O_SPACE},
	    {"title", required_argument, NULL, O_TITLE},
	    {"page-id", required_argument, NULL, O_PAGE},
	    {"jira-url", required_argument, NULL, O_JIRA},
	    {"front-matter", no_argument, NULL, O_FM},
	    {"attachments-dir", required_argument, NULL, O_ATT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, O_VERSION},
	    {NULL, 0, NULL, 0},
	};
	struct cfs_convert_ctx ctx = {0};
	const char *path = NULL, *att_dir = NULL;
	FILE *f = stdin;
	char *in = NULL, *md = NULL;
	size_t in_len = 0, md_len = 0;
	int c, ret, status = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_BASE:
			ctx.base_url = optarg;
			break;
		case O_SPACE:
			ctx.space_key = optarg;
			break;
		case O_TITLE:
			ctx.title = optarg;
			break;
		case O_PAGE:
			ctx.page_id = optarg;
			break;
		case O_JIRA:
			ctx.jira_url = optarg;
			break;
		case O_FM:
			ctx.flags |= CFS_CONVERT_FRONT_MATTER;
			break;
		case O_ATT:
			att_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case O_VERSION:
			printf("confluencefs-convert %s\n", CFS_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* never a link reduced to text: without a site, links are relative paths */
	if (!ctx.base_url) {
		ctx.page_path = page_path;
		ctx.blog_path = blog_path;
	}
	if (!ctx.base_url || !ctx.page_id || att_dir) {
		ctx.attachment_path = attachment_path;
		ctx.arg = (void *)att_dir;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "confluencefs-convert: one FILE at most\n");
		usage(stderr);
		return 2;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		path = argv[optind];
		f = fopen(path, "rb");
		if (!f) {
			fprintf(stderr, "confluencefs-convert: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	ret = slurp(f, &in, &in_len);
	if (f != stdin)
		fclose(f);
	if (ret) {
		fprintf(stderr, "confluencefs-convert: %s: %s\n", path ? path : "standard input",
		        strerror(-ret));
		goto out;
	}
	xmlInitParser();
	ret = cfs_convert(in, in_len, &ctx, &md, &md_len);
	if (ret) {
		fprintf(stderr, "confluencefs-convert: %s\n", strerror(-ret));
		goto out;
	}
	if (fwrite(md, 1, md_len, stdout) != md_len || fflush(stdout) != 0) {
		fprintf(stderr, "confluencefs-convert: standard output: %s\n", strerror(errno));
		goto out;
	}
	status = 0;
out:
	free(in);
	free(md);
	xmlCleanupParser();
	return status;
}
