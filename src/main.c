/* main: mount.confluencefs — parse options, check the site and space, mount, serve. */
#include "confluence.h"
#include "fs.h"
#include "log.h"
#include "opts.h"
#include "sync.h"

#include <curl/curl.h>
#include <errno.h>
#include <libxml/parser.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_TOKEN,
	KEY_CACHE_SIZE,
	KEY_MEM_CACHE,
	KEY_CHECK,
};

struct cli {
	struct cfs_opts o;
	int positional;
	int help, version, check;
	const char *error;
};

#define CFS_OPT(t, f)                                                                              \
	{                                                                                          \
		t, offsetof(struct cli, o.f), 1                                                    \
	}

static const struct fuse_opt cli_spec[] = {
    CFS_OPT("url=%s", url),
    CFS_OPT("site=%s", site),
    CFS_OPT("user=%s", user),
    CFS_OPT("token_file=%s", token_file),
    CFS_OPT("cache_dir=%s", cache_dir),
    CFS_OPT("api=%s", api),
    CFS_OPT("log_level=%s", log_level),
    CFS_OPT("ca_file=%s", ca_file),
    CFS_OPT("max_requests=%d", max_requests),
    CFS_OPT("timeout=%d", timeout),
    CFS_OPT("retries=%d", retries),
    CFS_OPT("ttl=%d", ttl),
    CFS_OPT("uid=%d", uid),
    CFS_OPT("gid=%d", gid),
    CFS_OPT("prefetch=%d", prefetch),
    CFS_OPT("batch=%d", batch),
    CFS_OPT("frontmatter", front_matter),
    FUSE_OPT_KEY("token=", KEY_TOKEN),
    FUSE_OPT_KEY("cache_size=", KEY_CACHE_SIZE),
    FUSE_OPT_KEY("mem_cache=", KEY_MEM_CACHE),
    FUSE_OPT_KEY("-h", KEY_HELP),
    FUSE_OPT_KEY("--help", KEY_HELP),
    FUSE_OPT_KEY("-V", KEY_VERSION),
    FUSE_OPT_KEY("--version", KEY_VERSION),
    FUSE_OPT_KEY("--check", KEY_CHECK),
    /* mount(8) passes these to helpers; they mean nothing here. */
    FUSE_OPT_KEY("-n", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("-v", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_END,
};

/* Words fstab and mount(8) pass that mean nothing to a FUSE filesystem. */
static int ignored_option(const char *arg)
{
	static const char *const words[] = {"_netdev", "nofail", "noauto", "auto", "defaults",
	                                    "user",    "users",  "nouser", "ro",   "rw"};
	static const char *const prefixes[] = {"x-systemd.", "comment="};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(arg, words[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(arg, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
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
		return 1; /* the mountpoint, for fuse_parse_cmdline */
	case FUSE_OPT_KEY_OPT:
		return ignored_option(arg) ? 0 : 1;
	case KEY_TOKEN:
		c->error = "the token cannot be a mount option (it would show in ps and "
		           "/proc/mounts): use CONFLUENCE_TOKEN, -o token_file=PATH or ~/.netrc";
		return -1;
	case KEY_CACHE_SIZE:
	case KEY_MEM_CACHE:
		if (cfs_opts_parse_size(strchr(arg, '=') + 1, key == KEY_CACHE_SIZE
		                                                  ? &c->o.cache_size
		                                                  : &c->o.mem_cache)) {
			c->error = "cache_size and mem_cache take a size such as 512M or 1G";
			return -1;
		}
		return 0;
	case KEY_HELP:
		c->help = 1;
		return 0;
	case KEY_VERSION:
		c->version = 1;
		return 0;
	case KEY_CHECK:
		c->check = 1;
		return 0;
	}
	return 1;
}

static void usage(const char *prog)
{
	printf("usage: %s SPACE MOUNTPOINT [-f] [-d] [-o opt[,opt...]]\n"
	       "       %s --check SPACE [-o opt[,opt...]]   check site, credentials and space\n"
	       "\n"
	       "Mount the Confluence space SPACE read-only at MOUNTPOINT: pages are Markdown\n"
	       "files, page trees are directories, blog posts are in _blog/YYYY/MM/.  SPACE\n"
	       "may also be KEY1,KEY2 or all: then one directory per space.\n"
	       "\n"
	       "Site and credentials:\n"
	       "    -o url=URL             site, e.g. https://acme.atlassian.net/wiki (or "
	       "CONFLUENCE_URL)\n"
	       "    -o user=EMAIL          Basic auth user (or CONFLUENCE_USER); without: Bearer "
	       "token\n"
	       "    -o token_file=PATH     file holding the API token (mode 0600)\n"
	       "                           else CONFLUENCE_TOKEN, else ~/.netrc\n"
	       "    -o ca_file=PATH        extra CA certificates for TLS\n"
	       "Behaviour:\n"
	       "    -o max_requests=N      HTTP requests in flight (default 8)\n"
	       "    -o timeout=SECONDS     per request attempt (default 30)\n"
	       "    -o retries=N           retries of 429/5xx/network errors (default 5)\n"
	       "    -o ttl=SECONDS         how long metadata is trusted (default 60)\n"
	       "    -o prefetch=N          directory levels fetched ahead on listing (default 3;\n"
	       "                           0 turns prefetch off)\n"
	       "    -o batch=N             pages per prefetch request, 1..250 (default 25)\n"
	       "    -o frontmatter         pages start with YAML front matter (title, id, ...)\n"
	       "    -o mem_cache=SIZE      memory for rendered pages (default 256M)\n"
	       "    -o cache_dir=DIR       attachment cache (default ~/.cache/confluencefs)\n"
	       "    -o cache_size=SIZE     its bound on disk (default 1G)\n"
	       "    -o uid=N,gid=N         owner of the files (default: you)\n"
	       "    -o log_level=LEVEL     error, warn, info (default), debug\n"
	       "    -f                     stay in the foreground, log to stderr\n"
	       "    -d                     debug: foreground, FUSE and HTTP tracing\n"
	       "\n",
	       prog, prog);
}

/* The attachment cache of this site and space: cache_dir/HOST/SPACE, where
 * cache_dir defaults to $XDG_CACHE_HOME/confluencefs (~/.cache/confluencefs). */
static char *cache_path(const struct cfs_opts *o)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *host = strstr(o->url, "://");
	char *base = NULL, *path = NULL, site[256];
	size_t i = 0;

	host = host ? host + 3 : o->url;
	for (; host[i] && host[i] != '/' && i < sizeof(site) - 1; i++)
		site[i] = host[i] == ':' ? '_' : host[i];
	site[i] = '\0';
	if (o->cache_dir)
		base = strdup(o->cache_dir);
	else if (xdg && *xdg && asprintf(&base, "%s/confluencefs", xdg) < 0)
		base = NULL;
	else if (!base && home && asprintf(&base, "%s/.cache/confluencefs", home) < 0)
		base = NULL;
	if (base && asprintf(&path, "%s/%s/%s", base, site, o->space) < 0)
		path = NULL;
	free(base);
	return path;
}

/* ---- the backend: loop thread, HTTP client, Confluence client, cache ---- */

struct backend {
	struct cfs_loop *loop;
	struct cfs_http *http;
	struct cfs_cf *cf;
	struct cfs_cache *cache;
	struct cfs_sync *sync;
	struct cfs_attach *attach;
	struct cfs_tree *tree;
	struct cfs_fs *fs; /* set once mounted: the cache and refresh serve it */
	int batch;
	enum cfs_cf_api api;
	struct cfs_http_opts hopts;
	const char *url;
	int err;
};

static void backend_on_start(uv_loop_t *loop, void *arg)
{
	struct backend *b = arg;

	b->err = cfs_http_new(loop, &b->hopts, &b->http);
	if (!b->err)
		b->err = cfs_cf_new(b->http, b->url, b->api, &b->cf);
	if (!b->err && b->fs)
		b->err = cfs_cache_new(loop, b->cf, b->tree, b->batch, &b->cache);
	if (!b->err && b->fs)
		b->err = cfs_attach_new(loop, b->http, b->cf, b->fs->dc, b->tree, b->hopts.retries,
		                        &b->attach);
	if (!b->err && b->fs) {
		struct cfs_sync_config sc = {
		    .cf = b->cf,
		    .tree = b->tree,
		    .ttl_ms = (uint64_t)(b->fs->ttl * 1000),
		    .activity = &b->fs->activity,
		    .inval = cfs_fs_inval,
		    .inval_arg = b->fs,
		};
		b->err = cfs_sync_start(loop, &sc, &b->sync);
	}
	if (b->cache && b->sync)
		cfs_cache_set_sync(b->cache, b->sync);
	if (b->fs) {
		b->fs->cache = b->cache;
		b->fs->sync = b->sync;
		b->fs->http = b->http;
		b->fs->attach = b->attach;
	}
}

static void backend_on_stop(uv_loop_t *loop, void *arg)
{
	struct backend *b = arg;

	if (b->http)
		cfs_http_destroy(b->http);
	if (b->sync)
		cfs_sync_stop(b->sync);
	if (b->attach)
		cfs_attach_destroy(b->attach);
	if (b->cache)
		cfs_cache_destroy(b->cache);
	cfs_cf_free(b->cf);
	b->http = NULL;
	b->sync = NULL;
	b->attach = NULL;
	b->cache = NULL;
	b->cf = NULL;
}

static int backend_start(struct backend *b)
{
	int ret = cfs_loop_start(&b->loop, backend_on_start, b);

	if (ret == 0 && b->err) {
		ret = b->err;
		cfs_loop_stop(b->loop, backend_on_stop, b);
		b->loop = NULL;
	}
	return ret;
}

static void backend_stop(struct backend *b)
{
	if (b->loop)
		cfs_loop_stop(b->loop, backend_on_stop, b);
	b->loop = NULL;
}

/* ---- the start-up check: user, then the space and its listing (or the spaces) ---- */

struct check {
	struct backend *b;
	const struct cfs_opts *o;
	char **keys; /* several spaces: the keys asked for (none: all) */
	size_t nkeys;
	int multi;
	uv_mutex_t mu;
	uv_cond_t cv;
	int done;                     /* protected by mu */
	char msg[1024];               /* the one line for the user; empty on success */
	struct cfs_space space;       /* one space */
	struct cfs_sync_listing list; /* its listing */
	struct cfs_space_list spaces; /* several spaces */
	char who[256];                /* the signed-in user's display name */
};

static void check_done(struct check *c)
{
	uv_mutex_lock(&c->mu);
	c->done = 1;
	uv_cond_signal(&c->cv);
	uv_mutex_unlock(&c->mu);
}

/* One clear line for a failed request to the site. */
static void describe(struct check *c, const char *what, const struct cfs_cf_error *e)
{
	const char *url = c->o->url;

	switch (e->err) {
	case -EACCES:
		if (e->status == 401 || e->status == 403)
			snprintf(c->msg, sizeof(c->msg),
			         "authentication failed at %s (HTTP %ld): check the user and API "
			         "token",
			         url, e->status);
		else /* e.g. Data Center answers a bad personal token as anonymous */
			snprintf(c->msg, sizeof(c->msg),
			         "authentication failed at %s: %s; check the user and API token "
			         "(or the personal access token)",
			         url, e->detail ? e->detail : "access denied");
		break;
	case -ECONNREFUSED:
	case -EHOSTUNREACH:
	case -ETIMEDOUT:
	case -EPROTO:
		snprintf(c->msg, sizeof(c->msg), "cannot reach %s: %s", url,
		         e->detail ? e->detail : strerror(-e->err));
		break;
	default:
		if (e->status)
			snprintf(c->msg, sizeof(c->msg), "%s failed: HTTP %ld from %s%s", what,
			         e->status, e->path,
			         e->status == 404 ? " (is the URL right? it ends in /wiki for "
			                            "Confluence Cloud, in the context path such "
			                            "as /confluence for Data Center)"
			                          : "");
		else
			snprintf(c->msg, sizeof(c->msg), "%s failed: %s", what,
			         e->detail ? e->detail : strerror(-e->err));
	}
}

static void on_listing(void *arg, const struct cfs_cf_error *e, const char *what,
                       struct cfs_sync_listing *l)
{
	struct check *c = arg;

	if (e) {
		describe(c, what, e);
	} else {
		c->list = *l;
		memset(l, 0, sizeof(*l));
	}
	check_done(c);
}

static void on_space(void *arg, const struct cfs_cf_error *e, struct cfs_space *s)
{
	struct check *c = arg;
	int ret;

	if (e->err == -ENOENT && e->status == 200) { /* an empty result, not a 404 */
		snprintf(c->msg, sizeof(c->msg),
		         "space '%s' not found at %s (or this account cannot see it)", c->o->space,
		         c->o->url);
		goto done;
	}
	if (e->err) {
		describe(c, "looking up the space", e);
		goto done;
	}
	c->space = *s;
	memset(s, 0, sizeof(*s));
	ret = cfs_sync_list_space(c->b->cf, c->space.id, c->space.key, CFS_HTTP_USER,
	                          "the mount check", on_listing, c);
	if (ret == 0)
		return;
	snprintf(c->msg, sizeof(c->msg), "%s", strerror(-ret));
done:
	check_done(c);
}

/* Several spaces: every key asked for must be there (in the server's case). */
static void on_spaces(void *arg, const struct cfs_cf_error *e, struct cfs_space_list *l)
{
	struct check *c = arg;

	if (e->err) {
		describe(c, "listing the spaces", e);
		goto done;
	}
	c->spaces = *l;
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < c->nkeys; i++) {
		size_t j = 0;

		while (j < c->spaces.n && strcasecmp(c->spaces.v[j].key, c->keys[i]) != 0)
			j++;
		if (j == c->spaces.n) {
			snprintf(c->msg, sizeof(c->msg),
			         "space '%s' not found at %s (or this account cannot see it)",
			         c->keys[i], c->o->url);
			goto done;
		}
	}
	if (c->spaces.n == 0)
		snprintf(c->msg, sizeof(c->msg), "this account sees no space at %s", c->o->url);
done:
	check_done(c);
}

static void on_user(void *arg, const struct cfs_cf_error *e, struct cfs_user *u)
{
	struct check *c = arg;
	int ret;

	if (e->err) {
		describe(c, "checking the credentials", e);
		goto done;
	}
	c->b->api = cfs_cf_api(c->b->cf); /* as detected: the mount uses the same */
	snprintf(c->who, sizeof(c->who), "%s", u->display_name ? u->display_name : "?");
	cfs_debug("signed in to %s as %s", c->o->url, c->who);
	cfs_cf_tag(c->b->cf, "the mount check");
	if (c->multi)
		ret = cfs_cf_spaces(c->b->cf, (const char *const *)c->keys, c->nkeys, on_spaces, c);
	else
		ret = cfs_cf_space(c->b->cf, c->o->space, on_space, c);
	if (ret == 0)
		return;
	snprintf(c->msg, sizeof(c->msg), "%s", strerror(-ret));
done:
	check_done(c);
}

static void check_start(void *arg, int cancelled)
{
	struct check *c = arg;
	int ret;

	if (cancelled) {
		snprintf(c->msg, sizeof(c->msg), "shutting down");
		check_done(c);
		return;
	}
	cfs_cf_tag(c->b->cf, "the mount check");
	ret = cfs_cf_current_user(c->b->cf, on_user, c);
	if (ret) {
		snprintf(c->msg, sizeof(c->msg), "%s", strerror(-ret));
		check_done(c);
	}
}

/* SPACE as the check wants it: "all", "A,B" (several) or one key. */
static int parse_spaces(struct check *c, const char *arg)
{
	char *copy, *tok, *save = NULL;

	c->multi = strcmp(arg, "all") == 0 || strchr(arg, ',') != NULL;
	if (!c->multi || strcmp(arg, "all") == 0)
		return 0;
	copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char **v = realloc(c->keys, (c->nkeys + 1) * sizeof(*v));

		if (!v || !(v[c->nkeys] = strdup(tok))) {
			c->keys = v ? v : c->keys;
			free(copy);
			return -ENOMEM;
		}
		c->keys = v;
		c->nkeys++;
	}
	free(copy);
	return c->nkeys ? 0 : -EINVAL;
}

/* Build the tree from what the check found; one line in summary. */
static int check_tree(struct check *c, struct cfs_tree **tree, char *summary, size_t len)
{
	const char *api = c->b->api == CFS_API_DC ? "Data Center" : "Cloud";
	size_t blogs = 0;
	int ret;

	if (c->multi) {
		size_t k = 0;

		ret = cfs_tree_new(c->o->url, c->spaces.v, c->spaces.n, 1, tree);
		k = (size_t)snprintf(summary, len, "%s as %s: %zu space%s (", c->o->url, c->who,
		                     c->spaces.n, c->spaces.n == 1 ? "" : "s");
		for (size_t i = 0; i < c->spaces.n && k < len; i++)
			k += (size_t)snprintf(summary + k, len - k, "%s%s", i ? ", " : "",
			                      c->spaces.v[i].key);
		if (k < len)
			snprintf(summary + k, len - k, "), %s API", api);
		if (ret == 0)
			cfs_info("%zu spaces, each listed when first used", c->spaces.n);
		return ret;
	}
	ret = cfs_tree_new(c->o->url, &c->space, 1, 0, tree);
	if (ret == 0)
		ret = cfs_sync_apply(*tree, 0, &c->list, NULL);
	for (size_t i = 0; i < c->list.pages.n; i++)
		blogs +=
		    c->list.pages.v[i].type && strcmp(c->list.pages.v[i].type, "blogpost") == 0;
	snprintf(summary, len,
	         "%s as %s: space %s (%s), %zu pages, %zu blog posts, %zu attachments, %s API",
	         c->o->url, c->who, c->space.key, c->space.name ? c->space.name : "",
	         c->list.pages.n - blogs, blogs, c->list.atts.n, api);
	if (ret == 0)
		cfs_info("space %s (%s): %zu pages, %zu blog posts, %zu attachments", c->space.key,
		         c->space.name ? c->space.name : "", c->list.pages.n - blogs, blogs,
		         c->list.atts.n);
	return ret;
}

/* Check credentials and space(s), and list a single space, blocking.  On
 * failure prints one line and returns non-zero. */
static int check_site(struct backend *b, const struct cfs_opts *o, struct cfs_tree **tree,
                      char *summary, size_t summary_len)
{
	struct check c = {.b = b, .o = o};
	int ret;

	uv_mutex_init(&c.mu);
	uv_cond_init(&c.cv);
	ret = parse_spaces(&c, o->space);
	if (ret)
		snprintf(c.msg, sizeof(c.msg), "bad SPACE '%s': give a key, KEY1,KEY2 or all",
		         o->space);
	else
		ret = cfs_loop_submit(b->loop, check_start, &c);
	if (ret == 0) {
		uv_mutex_lock(&c.mu);
		while (!c.done)
			uv_cond_wait(&c.cv, &c.mu);
		uv_mutex_unlock(&c.mu);
	} else if (!c.msg[0]) {
		snprintf(c.msg, sizeof(c.msg), "%s", strerror(-ret));
	}
	if (!c.msg[0]) {
		ret = check_tree(&c, tree, summary, summary_len);
		if (ret)
			snprintf(c.msg, sizeof(c.msg), "building the tree: %s", strerror(-ret));
	}
	if (c.msg[0]) {
		fprintf(stderr, "mount.confluencefs: %s\n", c.msg);
		ret = -EIO;
	}
	for (size_t i = 0; i < c.nkeys; i++)
		free(c.keys[i]);
	free(c.keys);
	cfs_model_space_clear(&c.space);
	cfs_model_space_list_clear(&c.spaces);
	cfs_sync_listing_clear(&c.list);
	uv_cond_destroy(&c.cv);
	uv_mutex_destroy(&c.mu);
	return ret;
}

/* The configuration file: $CONFLUENCEFS_CONFIG, else
 * $XDG_CONFIG_HOME/confluencefs/config, else ~/.config/confluencefs/config. */
static char *config_path(void)
{
	const char *env = getenv("CONFLUENCEFS_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
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
 * section for the site (-o site=, CONFLUENCE_SITE, or [default]) placed
 * before it so the command line wins.  Returns 0, or 2 after a message. */
static int parse_cli(int argc, char *argv[], struct fuse_args *args, struct cli *c)
{
	char *path = config_path(), *text = NULL, **cargs = NULL, err[512];
	const char *site;
	size_t n = 0, len = 0;
	FILE *f;
	int ret = 2;

	*args = (struct fuse_args)FUSE_ARGS_INIT(argc, argv);
	cfs_opts_defaults(&c->o);
	if (fuse_opt_parse(args, c, cli_spec, cli_proc) == -1)
		goto bad;
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
		/* Again from the start: argv[0], the file's options, the rest. */
		fuse_opt_free_args(args);
		cfs_opts_clear(&c->o);
		memset(c, 0, sizeof(*c));
		cfs_opts_defaults(&c->o);
		*args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
		if (fuse_opt_add_arg(args, argv[0]))
			goto out;
		for (size_t i = 0; i < n; i++)
			if (fuse_opt_add_arg(args, cargs[i]))
				goto out;
		for (int i = 1; i < argc; i++)
			if (fuse_opt_add_arg(args, argv[i]))
				goto out;
		{
			struct fuse_args in = *args;

			*args = (struct fuse_args)FUSE_ARGS_INIT(0, NULL);
			ret = fuse_opt_parse(&in, c, cli_spec, cli_proc);
			*args = in;
			if (ret == -1) {
				ret = 2;
				goto bad;
			}
		}
	}
	ret = 0;
	goto out;
bad:
	fprintf(stderr, "mount.confluencefs: %s\n", c->error ? c->error : "bad options");
out:
	for (size_t i = 0; i < n; i++)
		free(cargs[i]);
	free(cargs);
	free(text);
	free(path);
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args;
	struct fuse_cmdline_opts cmd = {0};
	struct fuse_loop_config *lcfg = NULL;
	struct fuse_session *se = NULL;
	struct cli c = {0};
	struct backend b = {0};
	struct cfs_fs fs = {0};
	enum cfs_log_level level = CFS_LOG_INFO;
	char err[512] = "";
	char *mount_opts = NULL, *dc_path = NULL;
	int ret = 1;

	if (parse_cli(argc, argv, &args, &c)) {
		ret = 2;
		goto out1;
	}
	if (c.help) {
		usage(argv[0]);
		fuse_lowlevel_help();
		ret = 0;
		goto out1;
	}
	if (c.version) {
		printf("confluencefs %s (libfuse %s, %s)\n", CFS_VERSION, fuse_pkgversion(),
		       curl_version());
		ret = 0;
		goto out1;
	}
	if (fuse_parse_cmdline(&args, &cmd) != 0) {
		ret = 2;
		goto out1;
	}
	if (!c.o.space || (!cmd.mountpoint && !c.check)) {
		fprintf(stderr,
		        "usage: %s SPACE MOUNTPOINT [-f] [-d] [-o opt,...] (--help for more)\n",
		        argv[0]);
		ret = 2;
		goto out2;
	}
	if (c.o.log_level && cfs_log_parse_level(c.o.log_level, &level)) {
		fprintf(stderr,
		        "mount.confluencefs: log_level must be error, warn, info or debug\n");
		ret = 2;
		goto out2;
	}
	if (cmd.debug)
		level = CFS_LOG_DEBUG;
	cfs_log_init(level, 0);
	if (cfs_opts_resolve_credentials(&c.o, err, sizeof(err)) ||
	    cfs_opts_check(&c.o, err, sizeof(err))) {
		fprintf(stderr, "mount.confluencefs: %s\n", err);
		ret = 2;
		goto out2;
	}
	if (c.o.uid < 0)
		c.o.uid = (int)getuid();
	if (c.o.gid < 0)
		c.o.gid = (int)getgid();

	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();

	/* Check before mounting: a bad token, URL or space must fail here. */
	b.url = c.o.url;
	b.batch = c.o.batch;
	b.api = !c.o.api || strcmp(c.o.api, "auto") == 0 ? CFS_API_AUTO
	        : strcmp(c.o.api, "dc") == 0             ? CFS_API_DC
	                                                 : CFS_API_CLOUD;
	b.hopts = (struct cfs_http_opts){
	    .max_requests = c.o.max_requests,
	    .timeout_s = c.o.timeout,
	    .retries = c.o.retries < 1 ? c.o.retries : 1,
	    .user = c.o.user,
	    .token = c.o.token,
	    .ca_file = c.o.ca_file,
	    .max_body = 256u << 20,
	};
	/* One line on failure: retries are not narrated during the check. */
	cfs_log_init(level == CFS_LOG_DEBUG || level < CFS_LOG_WARN ? level : CFS_LOG_WARN, 0);
	if (backend_start(&b)) {
		fprintf(stderr, "mount.confluencefs: cannot start: %s\n", strerror(-b.err));
		goto out3;
	}
	ret = check_site(&b, &c.o, &b.tree, err, sizeof(err));
	backend_stop(&b);
	cfs_log_init(level, 0);
	if (ret) {
		ret = 1;
		goto out3;
	}
	if (c.check) {
		printf("OK: %s\n", err);
		ret = 0;
		goto out3;
	}
	ret = 1;

	dc_path = cache_path(&c.o);
	ret = dc_path ? cfs_diskcache_open(dc_path, c.o.cache_size, &fs.dc) : -ENOMEM;
	if (ret) {
		fprintf(stderr, "mount.confluencefs: cannot use the cache directory %s: %s%s\n",
		        dc_path ? dc_path : "", strerror(-ret),
		        ret == -EBUSY ? " (another mount uses it; give this one -o cache_dir=)"
		                      : "");
		ret = 1;
		goto out3;
	}
	ret = 1;
	pthread_mutex_init(&fs.att_lock, NULL);
	fs.tree = b.tree;
	fs.ttl = c.o.ttl;
	fs.prefetch = c.o.prefetch;
	cfs_tree_set_md_cap(b.tree, c.o.mem_cache);
	cfs_tree_set_front_matter(b.tree, c.o.front_matter);
	fs.uid = (uid_t)c.o.uid;
	fs.gid = (gid_t)c.o.gid;
	/* A comma would end the option: "A,B" shows as "A+B". */
	if (asprintf(&mount_opts,
	             "-oro,default_permissions,fsname=confluencefs:%s,subtype=confluencefs",
	             c.o.space) < 0)
		goto out3;
	for (char *p = strchr(mount_opts, ':'); p && *p; p++)
		if (*p == ',' && strncmp(p, ",subtype=", 9) == 0)
			break;
		else if (*p == ',')
			*p = '+';
	if (fuse_opt_add_arg(&args, mount_opts))
		goto out3;
	se = fuse_session_new(&args, &cfs_fs_ops, sizeof(cfs_fs_ops), &fs);
	if (!se)
		goto out3;
	fs.se = se;
	if (fuse_set_signal_handlers(se))
		goto out4;
	if (fuse_session_mount(se, cmd.mountpoint)) {
		fprintf(stderr, "mount.confluencefs: cannot mount on %s\n", cmd.mountpoint);
		goto out5;
	}
	/* Threads do not survive fork: the backend starts after daemonizing. */
	fuse_daemonize(cmd.foreground);
	if (!cmd.foreground)
		cfs_log_init(level, 1);
	b.hopts.retries = c.o.retries;
	b.fs = &fs;
	/* Backoff jitter must differ between processes (after the fork). */
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (backend_start(&b)) {
		cfs_err("cannot start the network thread: %s", strerror(-b.err));
		goto out6;
	}
	fs.loop = b.loop;
	cfs_info("mounted space %s of %s on %s", c.o.space, c.o.url, cmd.mountpoint);

	lcfg = fuse_loop_cfg_create();
	if (!lcfg)
		goto out7;
	fuse_loop_cfg_set_clone_fd(lcfg, cmd.clone_fd);
	if (cmd.max_threads > 0 && cmd.max_threads <= 100000)
		fuse_loop_cfg_set_max_threads(lcfg, cmd.max_threads);
	if (cmd.max_idle_threads <= 100000)
		fuse_loop_cfg_set_idle_threads(lcfg, cmd.max_idle_threads);
	if (cmd.singlethread)
		ret = fuse_session_loop(se);
	else
		ret = fuse_session_loop_mt(se, lcfg);
	/* A signal ends the loop with its (positive) number: a clean exit. */
	ret = ret < 0 ? 1 : 0;
	fuse_loop_cfg_destroy(lcfg);
out7:
	backend_stop(&b);
	cfs_fs_release_all(&fs);
out6:
	fuse_session_unmount(se);
out5:
	fuse_remove_signal_handlers(se);
out4:
	fuse_session_destroy(se);
out3:
	cfs_diskcache_close(fs.dc);
	free(dc_path);
	cfs_tree_free(b.tree);
	free(mount_opts);
	xmlCleanupParser();
	curl_global_cleanup();
out2:
	free(cmd.mountpoint);
out1:
	fuse_opt_free_args(&args);
	cfs_opts_clear(&c.o);
	return ret;
}
