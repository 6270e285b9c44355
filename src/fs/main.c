/* main: mount.confluencefs — parse options, check the site and space, mount, serve. */
#include "site_check.h"
#include "cli.h"
#include "confluence.h"
#include "fs.h"
#include "log.h"
#include "mount_state.h"
#include "mountpoint.h"
#include "offline.h"
#include "opts.h"
#include "sync.h"

#include <curl/curl.h>
#include <errno.h>
#include <libxml/parser.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The attachment cache of this site and space: cache_dir/HOST/SPACE, where
 * cache_dir defaults to $XDG_CACHE_HOME/confluencefs (~/.cache/confluencefs)
 * and SPACE is cfs_mount_cache_name's (several keys sorted), or the keys as
 * given where a directory of that name was made before that rule. */
static char *cache_path(const struct cfs_opts *o)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = cfs_opts_home();
	const char *host = strstr(o->url, "://");
	char *base = NULL, *path = NULL, *name = cfs_mount_cache_name(o->space), site[256];
	size_t i = 0;
	struct stat st;

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
	if (base && name && strcmp(name, o->space) != 0) {
		if (asprintf(&path, "%s/%s/%s", base, site, o->space) < 0)
			path = NULL;
		else if (stat(path, &st) != 0) {
			free(path);
			path = NULL;
		}
	}
	if (!path && base && name && asprintf(&path, "%s/%s/%s", base, site, name) < 0)
		path = NULL;
	free(name);
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
	struct cfs_offline *probe; /* offline: waits for the site to answer */
	int reconcile;             /* re-list at once (the saved listing is older than ttl) */
	int list_first;            /* -o rw: a space is listed whole before it is shown */
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
		    .full_ttl_ms = (uint64_t)(b->fs->full_ttl * 1000),
		    .activity = &b->fs->activity,
		    .paused = &b->fs->offline,
		    .inval = cfs_fs_inval,
		    .inval_arg = b->fs,
		};
		b->err = cfs_sync_start(loop, &sc, &b->sync);
	}
	if (b->cache && b->sync)
		cfs_cache_set_sync(b->cache, b->sync);
	if (b->sync && !b->list_first)
		cfs_sync_begin(b->sync);
	if (b->cache && b->fs && b->fs->w)
		cfs_cache_set_keep(b->cache, cfs_fsw_keep, b->fs->w);
	if (!b->err && b->fs && atomic_load(&b->fs->offline))
		b->err = cfs_offline_start(loop, b->cf, b->sync, &b->fs->offline, 1000, 30000,
		                           &b->probe);
	else if (!b->err && b->sync && b->reconcile)
		cfs_sync_feed_now(b->sync);
	if (b->fs) {
		b->fs->cache = b->cache;
		b->fs->sync = b->sync;
		b->fs->http = b->http;
		b->fs->attach = b->attach;
		b->fs->cf = b->cf;
	}
}

static void backend_on_stop(uv_loop_t *loop, void *arg)
{
	struct backend *b = arg;

	cfs_offline_stop(b->probe); /* before the HTTP client cancels its probe */
	b->probe = NULL;
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
	sigset_t stop, old;
	int ret;

	/* The signals that end the mount must reach a FUSE thread (main or a
	 * worker): one taken by the loop thread, or a uv or curl thread it starts
	 * (they inherit its mask), sets the session's exit flag and wakes no one,
	 * and the mount stays up. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	ret = cfs_loop_start(&b->loop, backend_on_start, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

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

/* Two malloc arenas, not glibc's 8 per core: rendered pages are made on the
 * uv pool and dropped or read back on FUSE threads, and every arena kept its
 * own high-water mark (50,000 pages, mem_cache=64M: 210 -> 141 MiB peak RSS,
 * docs/memory.md).  MALLOC_ARENA_MAX still decides when set. */
static void malloc_tune(void)
{
#ifdef M_ARENA_MAX
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 2);
#endif
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
	struct fuse_lowlevel_ops ops = cfs_fs_ops;
	enum cfs_log_level level = CFS_LOG_INFO;
	char err[512] = "";
	char *mount_opts = NULL, *dc_path = NULL, *state_path = NULL, *dc_used = NULL;
	struct cfs_state st = {0};
	struct cfs_check_saved saved = {0};
	int ret = 1, have_state = 0, offline = 0;
	int64_t listed_at = (int64_t)time(NULL);

	malloc_tune();
	if (cfs_cli_parse(argc, argv, &args, &c)) {
		ret = 2;
		goto out1;
	}
	if (c.help) {
		cfs_cli_usage(argv[0]);
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
	if (c.mountpoint && !c.check &&
	    cfs_check_mountpoint(c.mountpoint, c.o.nonempty, NULL, err, sizeof(err))) {
		fprintf(stderr, "mount.confluencefs: %s\n", err);
		ret = 1;
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
	if (c.o.log_level)
		cfs_log_parse_level(c.o.log_level, &level); /* checked when set */
	if (cmd.debug)
		level = CFS_LOG_DEBUG;
	cfs_log_init(level, 0);
	if (cfs_opts_resolve_credentials(&c.o, err, sizeof(err)) ||
	    cfs_opts_check(&c.o, err, sizeof(err))) {
		fprintf(stderr, "mount.confluencefs: %s\n", err);
		ret = 2;
		goto out2;
	}
	if (c.o.token_ignored)
		cfs_info("the token of %s is used, not the one of %s", c.o.token_from,
		         c.o.token_ignored);
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
	    .calm_ms = (uint64_t)(c.o.ttl * 1000),
	    .retries = c.o.retries < 1 ? c.o.retries : 1,
	    .user = c.o.user,
	    .token = c.o.token,
	    .ca_file = c.o.ca_file,
	    .max_body = 256u << 20,
	};
	/* The saved state of an earlier mount (docs/state.md). */
	dc_path = cache_path(&c.o);
	state_path = dc_path ? cfs_mount_state_path(dc_path) : NULL;
	if (!state_path)
		goto out3;
	have_state = cfs_mount_state_load(state_path, &c.o, &st);
	if (have_state && !st.multi) { /* one space: the check lists it only if it is new */
		saved.list = &st.spaces[0].list;
		saved.space_id = st.spaces[0].space.id;
	}
	if (have_state) {
		if (b.api == CFS_API_AUTO) /* the probe that tells Cloud from DC is saved too */
			b.api = (enum cfs_cf_api)st.api;
	}
	if (c.o.offline && !have_state) {
		fprintf(stderr, "mount.confluencefs: -o offline: no saved state of %s at %s\n",
		        c.o.space, state_path);
		goto out3;
	}
	/* One line on failure: retries are not narrated during the check. */
	cfs_log_init(level == CFS_LOG_DEBUG || level < CFS_LOG_WARN ? level : CFS_LOG_WARN, 0);
	/* A read-only mount lists its space in the background (docs/refresh.md); --check
	 * prints its counts, and publishing drafts (at --publish-drafts or at an rw
	 * mount's start) needs the tree. */
	c.o.list_first = c.check || c.publish || c.o.rw;
	b.list_first = c.o.list_first;
	if (c.o.offline) {
		offline = 1;
		snprintf(saved.msg, sizeof(saved.msg), "-o offline");
		ret = -EHOSTUNREACH;
	} else {
		if (backend_start(&b)) {
			fprintf(stderr, "mount.confluencefs: cannot start: %s\n", strerror(-b.err));
			goto out3;
		}
		ret = cfs_check_site(b.loop, b.cf, &c.o, &b.api, &b.tree, err, sizeof(err),
		                     have_state ? &saved : NULL);
		backend_stop(&b);
		offline = ret && saved.unreachable;
	}
	cfs_log_init(level, 0);
	if (offline) {
		char when[64] = "?";
		time_t t = (time_t)st.saved_at;
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		b.api = (enum cfs_cf_api)st.api;
		listed_at = st.saved_at;
		if (c.publish) {
			fprintf(stderr, "mount.confluencefs: %s: drafts stay where they are\n",
			        saved.msg);
			ret = 1;
			goto out3;
		}
		if (c.check) {
			printf(
			    "OFFLINE: %s; the state saved %s (%zu pages and blog posts) would be "
			    "served\n",
			    saved.msg, when, cfs_mount_state_pages(&st));
			ret = 1;
			goto out3;
		}
		ret = cfs_mount_state_tree(&st, c.o.url, &b.tree);
		if (ret) {
			fprintf(stderr, "mount.confluencefs: %s, and the saved state: %s\n",
			        saved.msg, strerror(-ret));
			ret = 1;
			goto out3;
		}
		cfs_warn("%s: mounting offline and read-only from the state saved %s; pages and "
		         "attachments never read answer EIO until the site answers again",
		         saved.msg, when);
		if (c.o.rw) /* a save needs the site: the mount stays read-only */
			cfs_warn(
			    "-o rw is ignored offline: remount when the site answers to write");
		c.o.rw = 0;
		atomic_store(&fs.offline, 1);
	} else if (ret) {
		ret = 1;
		goto out3;
	} else if (saved.used || (have_state && st.multi && cfs_mount_state_adopt(&st, b.tree))) {
		listed_at = st.saved_at;
		/* The listing is trusted for ttl, like a refresh's. */
		b.reconcile = (double)(time(NULL) - st.saved_at) >= c.o.ttl;
	} else if (have_state) {
		cfs_warn("discarding the saved state %s: %s another id now", state_path,
		         st.multi ? "each of its spaces has" : "the space has");
		cfs_state_clear(&st);
		have_state = 0;
	}
	if (c.check && !c.publish) {
		printf("OK: %s, online\n", err);
		ret = 0;
		goto out3;
	}
	ret = 1;

	ret = cfs_mount_cache_open(dc_path, c.o.cache_size, &fs.dc, &dc_used);
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
	fs.full_ttl = c.o.full_ttl;
	fs.prefetch = c.o.prefetch;
	cfs_tree_set_md_cap(b.tree, c.o.mem_cache);
	cfs_tree_set_front_matter(b.tree, c.o.front_matter);
	fs.uid = (uid_t)c.o.uid;
	fs.gid = (gid_t)c.o.gid;
	if (c.o.rw) {
		ret = cfs_fsw_new(&fs, dc_path, c.o.front_matter, &fs.w);
		if (!ret) /* the bases of saves: bounded like rendered pages */
			cfs_fsw_set_cap(fs.w, c.o.mem_cache);
		if (ret) {
			fprintf(stderr, "mount.confluencefs: cannot keep drafts in %s/write: %s\n",
			        dc_path, strerror(-ret));
			ret = 1;
			goto out3;
		}
		ret = 1;
		cfs_fs_rw_ops(&ops);
	}
	if (c.publish) {
		/* Publish the drafts a killed rw mount left, then exit. */
		b.fs = &fs;
		b.hopts.retries = c.o.retries;
		if (!fs.w && cfs_fsw_new(&fs, dc_path, c.o.front_matter, &fs.w)) {
			fprintf(stderr, "mount.confluencefs: cannot open %s/write\n", dc_path);
			goto out3;
		}
		if (backend_start(&b)) {
			fprintf(stderr, "mount.confluencefs: cannot start: %s\n", strerror(-b.err));
			goto out3;
		}
		fs.loop = b.loop;
		cfs_fsw_recover(fs.w);
		ret = cfs_fsw_recover_wait(fs.w, 10 * 60);
		backend_stop(&b);
		if (ret < 0)
			fprintf(stderr,
			        "mount.confluencefs: drafts still being published after 10 min\n");
		else if (ret)
			fprintf(stderr,
			        "mount.confluencefs: %d draft(s) not published (see above)\n", ret);
		ret = ret ? 1 : 0;
		goto out3;
	}
	/* A comma would end the option: "A,B" shows as "A+B". */
	if (asprintf(&mount_opts,
	             "-o%s,default_permissions,subtype=confluencefs,fsname=confluencefs:%s",
	             c.o.rw ? "rw" : "ro", c.o.space) < 0)
		goto out3;
	for (char *p = strstr(mount_opts, "fsname="); *p; p++) /* fsname comes last */
		*p = *p == ',' ? '+' : *p;
	if (fuse_opt_add_arg(&args, mount_opts))
		goto out3;
	se = fuse_session_new(&args, &ops, sizeof(ops), &fs);
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
	/* After the fork: the saver is a thread.  Only the mount that holds the cache directory
	 * itself keeps the state (a second mount's pages are in its own mount-N; docs/state.md). */
	if (strcmp(dc_used, dc_path) == 0 &&
	    cfs_persist_start(state_path, fs.dc, b.tree, (uint32_t)b.api, c.o.url, listed_at,
	                      cfs_persist_fp(CFS_VERSION, c.o.front_matter),
	                      have_state ? &st : NULL, &fs.persist))
		cfs_warn("the state of this mount will not be saved: out of memory");
	b.hopts.retries = c.o.retries;
	b.fs = &fs;
	/* Backoff jitter must differ between processes (after the fork). */
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (backend_start(&b)) {
		cfs_err("cannot start the network thread: %s", strerror(-b.err));
		goto out6;
	}
	fs.loop = b.loop;
	cfs_info("mounted space %s of %s on %s%s", c.o.space, c.o.url, cmd.mountpoint,
	         fs.w ? " (rw: saving a page publishes it)" : "");
	if (c.mount_rw && !fs.w)
		cfs_info("read-only: mount(8) passes rw to every mount, so rw from it does not "
		         "turn write-back on; -o writeback does");
	if (fs.w)
		cfs_fsw_recover(fs.w);

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
	cfs_persist_stop(fs.persist); /* the last save; before the cache closes */
	fs.persist = NULL;
out6:
	fuse_session_unmount(se);
out5:
	fuse_remove_signal_handlers(se);
out4:
	fuse_session_destroy(se);
out3:
	cfs_persist_stop(fs.persist);
	cfs_fsw_free(fs.w);
	cfs_diskcache_close(fs.dc);
	free(dc_path);
	free(dc_used);
	free(state_path);
	cfs_state_clear(&st);
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
