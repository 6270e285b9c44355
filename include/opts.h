/* opts: mount options, their defaults, and where the credentials come from. */
#ifndef CFS_OPTS_H
#define CFS_OPTS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct cfs_opts {
	char *space;             /* SPACE argument */
	char *site;              /* -o site= or CONFLUENCE_SITE: a section of the config file */
	char *url;               /* -o url= or CONFLUENCE_URL */
	char *user;              /* -o user=, CONFLUENCE_USER, or the .netrc login */
	char *token_file;        /* -o token_file= */
	char *config_token_file; /* token_file of the configuration file */
	char *token; /* token_file, CONFLUENCE_TOKEN, the config's token_file, or .netrc */
	const char *token_from;    /* where the token came from, after resolving */
	const char *token_ignored; /* another source that was given too, or NULL */
	char *cache_dir;
	char *api; /* auto|cloud|dc */
	char *log_level;
	char *ca_file;
	int max_requests;
	int timeout; /* seconds per attempt */
	int retries;
	int ttl;        /* seconds metadata is trusted */
	int full_ttl;   /* seconds between full listings while in use (docs/refresh.md) */
	int list_first; /* not an option: list a single space before mounting (--check) */
	uint64_t cache_size;
	uint64_t mem_cache; /* bytes of rendered pages kept in memory */
	int prefetch;       /* directory levels fetched ahead on opendir; 0: off */
	int batch;          /* pages per prefetch request */
	int front_matter;   /* -o frontmatter: pages start with YAML front matter */
	int uid, gid;       /* owner of the files; -1: the mounting user */
	int nonempty;       /* -o nonempty: mounting over a non-empty directory is fine */
	int rw;             /* -o rw: saving a page publishes it (docs/write-back-fs.md); ro: 0 */
	int offline;        /* -o offline: start from the saved state, offline */
};

/* $HOME, or the user's home directory from the password database when it is
 * unset (mount(8) clears the environment of its helpers); NULL if neither. */
const char *cfs_opts_home(void);

/* The defaults (README's option list). */
void cfs_opts_defaults(struct cfs_opts *o);
void cfs_opts_clear(struct cfs_opts *o);

/* Fill url/user/token from the environment, the token files and ~/.netrc
 * ($NETRC overrides the path).  The token comes from, first to last:
 * -o token_file=, CONFLUENCE_TOKEN, the configuration file's token_file,
 * .netrc; token_from names the source used and token_ignored another one
 * that was given too.  A token file that is given must be good (readable,
 * private, not empty) whatever else is set.  Clears CONFLUENCE_TOKEN from
 * the environment.  On failure returns -errno and writes one line into err. */
int cfs_opts_resolve_credentials(struct cfs_opts *o, char *err, size_t errlen);

/* Validate values (url scheme, ranges).  On failure -EINVAL and a message. */
int cfs_opts_check(const struct cfs_opts *o, char *err, size_t errlen);

/* "1G", "512M", "64k", "1000" -> bytes.  -EINVAL on junk or overflow. */
int cfs_opts_parse_size(const char *s, uint64_t *out);

/* "90", "30s", "5m", "1h" -> seconds.  -EINVAL on junk or overflow. */
int cfs_opts_parse_duration(const char *s, int *out);

/* One "-o" option, "key=value" or "key", strictly: the value must have the
 * option's form and lie in its range.  Returns 0; -ENOENT when no option has
 * that name (the caller may know it); -EINVAL with one line in err naming the
 * option and the accepted form; -ENOMEM. */
int cfs_opts_set(struct cfs_opts *o, const char *arg, char *err, size_t errlen);

/* The "-o" options, one per line with their form, range and default. */
void cfs_opts_help(FILE *out);

/* The options of one site from a configuration file's contents (INI:
 * "[site]" sections of "key = value" lines, '#' or ';' comments).  site
 * NULL means the "[default]" section.  Each option comes out as one
 * "-okey=value" argument (commas escaped for fuse_opt, a leading "~/"
 * expanded to $HOME), malloc'd into *args (free each and the array).
 * A "token" key is refused: tokens belong in token_file.  Returns 0 (also
 * when the section does not exist: *n == 0), or -EINVAL with a message
 * naming the line, or -ENOMEM. */
int cfs_opts_config(const char *text, const char *site, char ***args, size_t *n, char *err,
                    size_t errlen);

/* The credentials for host from a .netrc file's contents; login/password
 * malloc'd (NULL when absent).  Returns 0 when the host (or default) matched,
 * -ENOENT otherwise. */
int cfs_opts_netrc_lookup(const char *text, const char *host, char **login, char **password);

#endif
