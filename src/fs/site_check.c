/* site_check: before mounting, the site, the credentials and the space(s); one clear line on
 * failure.
 *
 * DESIGN.  The main thread submits check_start() to the loop and waits on a
 * condition variable; on the loop, one call leads to the next: the signed-in
 * user (which also settles Cloud vs Data Center), then either the space and
 * its listing (cfs_sync_list_space(), so a single space is in the tree when
 * the mount appears) or, for several spaces, only the list of spaces (each is
 * listed on first use).  The first failure becomes the one line the user
 * sees.
 */
#include "site_check.h"
#include "log.h"
#include "containers.h"
#include "sync.h"
#include "offline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

struct check {
	struct cfs_loop *loop;
	struct cfs_cf *cf;
	enum cfs_cf_api api; /* as detected by the user check */
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
	struct cfs_check_saved *saved;
	int unreachable; /* the first failure: the site did not answer */
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
		if (e->status == 401 && e->detail && strstr(e->detail, "scopes"))
			snprintf(c->msg, sizeof(c->msg),
			         "authentication failed at %s (HTTP 401): %s", url, e->detail);
		else if (e->status == 401 || e->status == 403)
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
		c->unreachable = cfs_offline_unreachable(e->err, e->status);
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
	if (c->saved && c->saved->space_id && strcmp(c->saved->space_id, c->space.id) == 0) {
		c->saved->used = 1; /* the saved listing stands in; the mount reconciles */
		goto done;
	}
	if (!c->o->list_first) {
		/* Mount at once: the space is listed in the background (docs/refresh.md). */
		check_done(c);
		return;
	}
	ret = cfs_sync_list_space(c->cf, c->space.id, c->space.key, NULL, 0, CFS_HTTP_USER,
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
	c->api = cfs_cf_api(c->cf); /* as detected: the mount uses the same */
	snprintf(c->who, sizeof(c->who), "%s", u->display_name ? u->display_name : "?");
	cfs_debug("signed in to %s as %s", c->o->url, c->who);
	cfs_cf_tag(c->cf, "the mount check");
	if (c->multi)
		ret = cfs_cf_spaces(c->cf, (const char *const *)c->keys, c->nkeys, on_spaces, c);
	else
		ret = cfs_cf_space(c->cf, c->o->space, on_space, c);
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
	cfs_cf_tag(c->cf, "the mount check");
	ret = cfs_cf_current_user(c->cf, on_user, c);
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
	/* strtok_r skips empty keys; blanks around a key ("ENG, OPS") go too. */
	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
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
	const char *api = c->api == CFS_API_DC ? "Data Center" : "Cloud";
	size_t blogs = 0, folders = 0, others = 0, pages, n;
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
	const struct cfs_sync_listing *list =
	    c->saved && c->saved->used ? c->saved->list : &c->list;

	ret = cfs_tree_new(c->o->url, &c->space, 1, 0, tree);
	if (!c->o->list_first && !(c->saved && c->saved->used)) {
		snprintf(summary, len, "%s as %s: space %s (%s), listed in the background, %s API",
		         c->o->url, c->who, c->space.key, c->space.name ? c->space.name : "", api);
		return ret;
	}
	if (ret == 0)
		ret = cfs_sync_apply(*tree, 0, list, NULL);
	for (size_t i = 0; i < list->pages.n; i++) {
		const char *type = list->pages.v[i].type;

		blogs += type && strcmp(type, "blogpost") == 0;
		folders += type && strcmp(type, "folder") == 0;
		others += type && strcmp(type, "folder") != 0 && cfs_containers_is_type(type);
	}
	pages = list->pages.n - blogs - folders - others;
	n = (size_t)snprintf(summary, len, "%s as %s: space %s (%s), %zu pages, ", c->o->url,
	                     c->who, c->space.key, c->space.name ? c->space.name : "", pages);
	if (c->api != CFS_API_DC && n < len) /* Data Center has no folders */
		n += (size_t)snprintf(summary + n, len - n, "%zu folders, ", folders);
	if (others && n < len)
		n += (size_t)snprintf(summary + n, len - n,
		                      "%zu whiteboards, databases or embeds, ", others);
	if (n < len)
		snprintf(summary + n, len - n, "%zu blog posts, %zu attachments, %s API", blogs,
		         list->atts.n, api);
	if (ret == 0)
		cfs_info("space %s (%s): %zu pages, %zu folders, %zu blog posts, %zu attachments",
		         c->space.key, c->space.name ? c->space.name : "", pages, folders, blogs,
		         list->atts.n);
	return ret;
}

int cfs_check_site(struct cfs_loop *loop, struct cfs_cf *cf, const struct cfs_opts *o,
                   enum cfs_cf_api *api, struct cfs_tree **tree, char *summary, size_t summary_len,
                   struct cfs_check_saved *saved)
{
	struct check c = {.loop = loop, .cf = cf, .o = o, .saved = saved};
	int ret;

	uv_mutex_init(&c.mu);
	uv_cond_init(&c.cv);
	ret = parse_spaces(&c, o->space);
	if (ret)
		snprintf(c.msg, sizeof(c.msg), "bad SPACE '%s': give a key, KEY1,KEY2 or all",
		         o->space);
	else
		ret = cfs_loop_submit(loop, check_start, &c);
	if (ret == 0) {
		uv_mutex_lock(&c.mu);
		while (!c.done)
			uv_cond_wait(&c.cv, &c.mu);
		uv_mutex_unlock(&c.mu);
	} else if (!c.msg[0]) {
		snprintf(c.msg, sizeof(c.msg), "%s", strerror(-ret));
	}
	*api = c.api;
	if (!c.msg[0]) {
		ret = check_tree(&c, tree, summary, summary_len);
		if (ret)
			snprintf(c.msg, sizeof(c.msg), "building the tree: %s", strerror(-ret));
	}
	if (c.msg[0] && saved && c.unreachable) {
		saved->unreachable = 1;
		snprintf(saved->msg, sizeof(saved->msg), "%s", c.msg);
		ret = -EHOSTUNREACH;
	} else if (c.msg[0]) {
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
