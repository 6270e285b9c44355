/* opts: mount options, their defaults, and where the credentials come from. */
#include "opts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECRET_FILE 65536

void cfs_opts_defaults(struct cfs_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_requests = 8;
	o->timeout = 30;
	o->retries = 5;
	o->ttl = 60;
	o->full_ttl = 15 * 60;
	o->cache_size = 1ull << 30;
	o->mem_cache = 48ull << 20;
	o->prefetch = 3;
	o->batch = 25;
	o->uid = -1;
	o->gid = -1;
}

const char *cfs_opts_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && *home)
		return home;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

static void free_secret(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void cfs_opts_clear(struct cfs_opts *o)
{
	free(o->space);
	free(o->site);
	free(o->url);
	free(o->user);
	free(o->token_file);
	free(o->config_token_file);
	free_secret(&o->token);
	free(o->cache_dir);
	free(o->api);
	free(o->log_level);
	free(o->ca_file);
	memset(o, 0, sizeof(*o));
}

/* The leading digits of s (no sign, no blanks); *end after them. */
static int leading_number(const char *s, unsigned long long *v, char **end)
{
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno ? -EINVAL : 0;
}

int cfs_opts_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (leading_number(s, &v, &end))
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1ull << 10;
		break;
	case 'm':
	case 'M':
		mult = 1ull << 20;
		break;
	case 'g':
	case 'G':
		mult = 1ull << 30;
		break;
	case 't':
	case 'T':
		mult = 1ull << 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		const char *rest = end + 1; /* "G", "GB", "GiB" */

		if (*rest == 'i')
			rest++;
		if (*rest == 'B' || *rest == 'b')
			rest++;
		if (*rest)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

int cfs_opts_parse_duration(const char *s, int *out)
{
	char *end;
	unsigned long long v;
	unsigned long long mult = 1;

	if (leading_number(s, &v, &end))
		return -EINVAL;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (v > INT_MAX / mult)
		return -EINVAL;
	*out = (int)(v * mult);
	return 0;
}

enum opt_kind { OPT_STR, OPT_CHOICE, OPT_INT, OPT_DURATION, OPT_SIZE, OPT_FLAG };

/* Every -o option: its name, where it goes, its form, range and help. */
static const struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t off;
	long long min, max; /* OPT_INT, OPT_DURATION, OPT_SIZE */
	const char *form;   /* what the value looks like (OPT_CHOICE: the choices) */
	const char *help;
} opt_defs[] = {
#define F(f) offsetof(struct cfs_opts, f)
    {"url", OPT_STR, F(url), 0, 0, "URL", "the site, e.g. https://acme.atlassian.net/wiki"},
    {"user", OPT_STR, F(user), 0, 0, "EMAIL", "Basic auth user; without one: Bearer token"},
    {"token_file", OPT_STR, F(token_file), 0, 0, "PATH", "file holding the API token (mode 0600)"},
    {"site", OPT_STR, F(site), 0, 0, "NAME", "a [NAME] section of the configuration file"},
    {"api", OPT_CHOICE, F(api), 0, 0, "auto|cloud|dc", "the REST API (default auto)"},
    {"ca_file", OPT_STR, F(ca_file), 0, 0, "PATH", "extra CA certificates for TLS"},
    {"max_requests", OPT_INT, F(max_requests), 1, 256, "N", "requests in flight (8)"},
    {"timeout", OPT_DURATION, F(timeout), 1, 3600, "DURATION", "per request attempt (30s)"},
    {"retries", OPT_INT, F(retries), 0, 100, "N", "retries of 429/5xx/network errors (5)"},
    {"ttl", OPT_DURATION, F(ttl), 0, 7 * 86400, "DURATION",
     "names and attributes trusted for (60s)"},
    {"full_ttl", OPT_DURATION, F(full_ttl), 0, 7 * 86400, "DURATION",
     "full re-listing for deletions and moves (15m)"},
    {"prefetch", OPT_INT, F(prefetch), 0, 100, "N", "directory levels fetched ahead (3)"},
    {"batch", OPT_INT, F(batch), 1, 250, "N", "pages per prefetch request (25)"},
    {"frontmatter", OPT_FLAG, F(front_matter), 0, 0, NULL,
     "pages start with YAML front matter (title, id, ...)"},
    {"mem_cache", OPT_SIZE, F(mem_cache), 0, LLONG_MAX, "SIZE", "memory for rendered pages (48M)"},
    {"cache_dir", OPT_STR, F(cache_dir), 0, 0, "DIR", "attachment cache (~/.cache/confluencefs)"},
    {"cache_size", OPT_SIZE, F(cache_size), 1 << 20, LLONG_MAX, "SIZE", "its bound on disk (1G)"},
    {"uid", OPT_INT, F(uid), 0, INT_MAX, "N", "owner of the files (you)"},
    {"gid", OPT_INT, F(gid), 0, INT_MAX, "N", "group of the files (yours)"},
    {"log_level", OPT_CHOICE, F(log_level), 0, 0, "error|warn|info|debug", "what is logged (info)"},
    {"rw", OPT_FLAG, F(rw), 0, 0, NULL,
     "write: saves, new pages, mv, rm, mkdir, uploads (default ro); from mount(8), "
     "which passes rw to every mount, it takes writeback"},
    {"writeback", OPT_FLAG, F(rw), 0, 0, NULL, "rw, also through mount(8) and fstab"},
    {"nonempty", OPT_FLAG, F(nonempty), 0, 0, NULL, "allow mounting over a non-empty directory"},
    {"offline", OPT_FLAG, F(offline), 0, 0, NULL,
     "start from the saved state without contacting the site (then probe it)"},
#undef F
};

static const char *kind_form(const struct opt_def *d)
{
	switch (d->kind) {
	case OPT_DURATION:
		return "a duration such as 90, 30s, 5m or 1h";
	case OPT_SIZE:
		return "a size such as 4096, 64K, 512M or 1G";
	case OPT_INT:
		return "a whole number";
	default:
		return d->form;
	}
}

/* A duration in its largest whole unit: "90s", "5m", "1h". */
static void duration_text(long long secs, char *buf, size_t len)
{
	if (secs && secs % 3600 == 0)
		snprintf(buf, len, "%lldh", secs / 3600);
	else if (secs && secs % 60 == 0)
		snprintf(buf, len, "%lldm", secs / 60);
	else
		snprintf(buf, len, "%llds", secs);
}

/* "1..250", "0s..168h", "1M or more": the option's range. */
static void range_text(const struct opt_def *d, char *buf, size_t len)
{
	char lo[24], hi[24];

	if (d->kind == OPT_SIZE) {
		snprintf(buf, len, "%lldM or more", d->min >> 20);
	} else if (d->kind == OPT_DURATION) {
		duration_text(d->min, lo, sizeof(lo));
		duration_text(d->max, hi, sizeof(hi));
		snprintf(buf, len, "%s..%s", lo, hi);
	} else if (d->max == INT_MAX) {
		snprintf(buf, len, "%lld or more", d->min);
	} else {
		snprintf(buf, len, "%lld..%lld", d->min, d->max);
	}
}

static int set_value(struct cfs_opts *o, const struct opt_def *d, const char *v, char *err,
                     size_t errlen)
{
	char *field = (char *)o + d->off, range[64];
	long long n = 0;

	if (d->kind == OPT_FLAG) {
		if (v) {
			snprintf(err, errlen, "%s takes no value (got '%s=%s')", d->name, d->name,
			         v);
			return -EINVAL;
		}
		*(int *)field = 1;
		return 0;
	}
	if (!v || !*v) {
		snprintf(err, errlen, "%s needs a value: %s=%s", d->name, d->name, d->form);
		return -EINVAL;
	}
	if (d->kind == OPT_CHOICE) {
		size_t len = strlen(v);
		const char *c = d->form;

		while ((c = strstr(c, v)) &&
		       !((c == d->form || c[-1] == '|') && (c[len] == '|' || c[len] == '\0')))
			c++;
		if (!c || strchr(v, '|')) {
			snprintf(err, errlen, "%s must be one of %s (got '%s')", d->name, d->form,
			         v);
			return -EINVAL;
		}
	}
	if (d->kind == OPT_STR || d->kind == OPT_CHOICE) {
		char *copy = strdup(v);

		if (!copy)
			return -ENOMEM;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	if (d->kind == OPT_INT) {
		char *end;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || *end || end == v || *v == ' ' || *v == '+') {
			snprintf(err, errlen, "%s=%s: expected %s", d->name, v, kind_form(d));
			return -EINVAL;
		}
	} else if (d->kind == OPT_DURATION) {
		int secs;

		if (cfs_opts_parse_duration(v, &secs)) {
			snprintf(err, errlen, "%s=%s: expected %s", d->name, v, kind_form(d));
			return -EINVAL;
		}
		n = secs;
	} else {
		uint64_t bytes;

		if (cfs_opts_parse_size(v, &bytes) || bytes > (uint64_t)LLONG_MAX) {
			snprintf(err, errlen, "%s=%s: expected %s", d->name, v, kind_form(d));
			return -EINVAL;
		}
		n = (long long)bytes;
	}
	if (n < d->min || n > d->max) {
		range_text(d, range, sizeof(range));
		snprintf(err, errlen, "%s=%s: must be %s", d->name, v, range);
		return -EINVAL;
	}
	if (d->kind == OPT_SIZE)
		*(uint64_t *)field = (uint64_t)n;
	else
		*(int *)field = (int)n;
	return 0;
}

int cfs_opts_set(struct cfs_opts *o, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	if (len == 5 && strncmp(arg, "token", 5) == 0) {
		snprintf(err, errlen,
		         "the token cannot be a mount option (it would show in ps and "
		         "/proc/mounts): use -o token_file=PATH, CONFLUENCE_TOKEN or ~/.netrc");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
		if (strlen(opt_defs[i].name) == len && strncmp(opt_defs[i].name, arg, len) == 0)
			return set_value(o, &opt_defs[i], eq ? eq + 1 : NULL, err, errlen);
	snprintf(err, errlen, "unknown option '%.*s' (--help lists the options)", (int)len, arg);
	return -ENOENT;
}

void cfs_opts_help(FILE *out)
{
	char range[64];

	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++) {
		const struct opt_def *d = &opt_defs[i];
		char left[64];

		snprintf(left, sizeof(left), "-o %s%s%s", d->name, d->form ? "=" : "",
		         d->form ? d->form : "");
		fprintf(out, "    %-22s%s%s", left, strlen(left) > 21 ? "\n" : "",
		        strlen(left) > 21 ? "                           " : " ");
		fprintf(out, "%s", d->help);
		if ((d->kind == OPT_INT || d->kind == OPT_DURATION) && d->max < INT_MAX) {
			range_text(d, range, sizeof(range));
			fprintf(out, ", %s", range);
		}
		fputc('\n', out);
	}
	fprintf(out, "    DURATION: seconds, or 30s, 5m, 1h; SIZE: bytes, or 64K, 512M, 1G\n");
}

/* Read a small secret file whole; refuse files others can read. */
static int read_secret_file(const char *path, int must_be_private, char **out, char *err,
                            size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s is not a regular file", path);
		goto out;
	}
	if (must_be_private && (st.st_mode & 077)) {
		ret = -EPERM;
		snprintf(err, errlen,
		         "%s is readable by group or others (mode %03o); run: chmod 600 %s", path,
		         (unsigned)(st.st_mode & 0777), path);
		goto out;
	}
	if (st.st_size > MAX_SECRET_FILE) {
		ret = -EFBIG;
		snprintf(err, errlen, "%s is too large", path);
		goto out;
	}
	buf = calloc(1, (size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		free_secret(&buf);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	ret = 0;
out:
	close(fd);
	return ret;
}

/* Next whitespace-separated token of a .netrc; NULL at the end. */
static const char *netrc_token(const char **p, size_t *len)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '#') {
		if (*s == '#')
			while (*s && *s != '\n')
				s++;
		else
			s++;
	}
	if (!*s)
		return NULL;
	*p = s;
	while (**p && **p != ' ' && **p != '\t' && **p != '\n' && **p != '\r')
		(*p)++;
	*len = (size_t)(*p - s);
	return s;
}

static int tok_is(const char *t, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(t, word, len) == 0;
}

int cfs_opts_netrc_lookup(const char *text, const char *host, char **login, char **password)
{
	const char *p = text, *t;
	size_t len;
	int in_match = 0, matched = 0;

	*login = *password = NULL;
	while ((t = netrc_token(&p, &len))) {
		if (tok_is(t, len, "machine") || tok_is(t, len, "default")) {
			if (matched)
				break; /* the first matching entry wins */
			if (tok_is(t, len, "default")) {
				in_match = 1;
			} else {
				t = netrc_token(&p, &len);
				in_match = t && tok_is(t, len, host);
			}
			matched = in_match;
		} else if (tok_is(t, len, "login") || tok_is(t, len, "password") ||
		           tok_is(t, len, "account")) {
			char **dst = tok_is(t, len, "login")      ? login
			             : tok_is(t, len, "password") ? password
			                                          : NULL;
			t = netrc_token(&p, &len);
			if (t && in_match && dst && !*dst) {
				*dst = strndup(t, len);
				if (!*dst)
					goto nomem;
			}
		} else if (tok_is(t, len, "macdef")) {
			/* A macro runs to the next blank line. */
			const char *end = strstr(p, "\n\n");
			p = end ? end + 2 : p + strlen(p);
		}
	}
	return matched ? 0 : -ENOENT;
nomem:
	free(*login);
	free_secret(password);
	*login = NULL;
	return -ENOMEM;
}

/* The host part of an http(s) URL, malloc'd. */
static char *url_host(const char *url)
{
	const char *h = strstr(url, "://");
	size_t n;

	if (!h)
		return NULL;
	h += 3;
	n = strcspn(h, ":/?#");
	return strndup(h, n);
}

static int set_dup(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* The token of a token file: private, not empty, trailing blanks removed. */
static int read_token_file(const char *path, char **out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t n;
	int ret = read_secret_file(path, 1, &text, err, errlen);

	if (ret)
		return ret;
	n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		text[--n] = '\0';
	if (!n) {
		free_secret(&text);
		snprintf(err, errlen, "token file %s is empty", path);
		return -EINVAL;
	}
	*out = text;
	return 0;
}

/* The token and login of url's host in .netrc ($NETRC), if any. */
static void netrc_token_of(const char *url, char **token, char **login)
{
	char *path = NULL, *text = NULL, *host = url_host(url);
	const char *home = cfs_opts_home(), *env = getenv("NETRC");
	char nerr[256];

	if (env && *env)
		path = strdup(env);
	else if (home && asprintf(&path, "%s/.netrc", home) < 0)
		path = NULL;
	if (path && host && access(path, F_OK) == 0 &&
	    read_secret_file(path, 0, &text, nerr, sizeof(nerr)) == 0 &&
	    cfs_opts_netrc_lookup(text, host, login, token) != 0) {
		*token = NULL;
		*login = NULL;
	}
	free_secret(&text);
	free(path);
	free(host);
}

int cfs_opts_resolve_credentials(struct cfs_opts *o, char *err, size_t errlen)
{
	const char *env;
	char *env_token = NULL, *file_token = NULL, *config_token = NULL;
	int ret = 0;

	if (!o->url && (env = getenv("CONFLUENCE_URL")) && *env && set_dup(&o->url, env))
		return -ENOMEM;
	if (!o->user && (env = getenv("CONFLUENCE_USER")) && *env && set_dup(&o->user, env))
		return -ENOMEM;
	if ((env = getenv("CONFLUENCE_TOKEN")) && *env) {
		env_token = strdup(env);
		/* Keep the secret out of anything we might start. */
		unsetenv("CONFLUENCE_TOKEN");
		if (!env_token)
			return -ENOMEM;
	}
	if (!o->url) {
		snprintf(err, errlen,
		         "no site given: use -o url=https://SITE/wiki or CONFLUENCE_URL");
		ret = -EINVAL;
		goto out;
	}
	/* A token file that is named must be good, used or not. */
	if (o->token_file && (ret = read_token_file(o->token_file, &file_token, err, errlen)))
		goto out;
	if (o->config_token_file &&
	    (ret = read_token_file(o->config_token_file, &config_token, err, errlen)))
		goto out;
	free_secret(&o->token);
	o->token_from = o->token_ignored = NULL;
	{
		char **tokens[] = {&file_token, &env_token, &config_token};
		const char *names[] = {"-o token_file", "CONFLUENCE_TOKEN",
		                       "the configuration file's token_file"};

		for (size_t i = 0; i < 3; i++) {
			if (!*tokens[i])
				continue;
			if (!o->token) {
				o->token = *tokens[i];
				*tokens[i] = NULL;
				o->token_from = names[i];
			} else if (!o->token_ignored) {
				o->token_ignored = names[i];
			}
		}
	}
	if (!o->token) {
		char *login = NULL;

		netrc_token_of(o->url, &o->token, &login);
		if (o->token)
			o->token_from = "~/.netrc";
		if (o->token && !o->user && login)
			o->user = login, login = NULL;
		free(login);
	}
	if (!o->token) {
		snprintf(err, errlen,
		         "no API token: use -o token_file=PATH, set CONFLUENCE_TOKEN, or add the "
		         "site to ~/.netrc");
		ret = -EINVAL;
	}
out:
	free_secret(&env_token);
	free_secret(&file_token);
	free_secret(&config_token);
	return ret;
}

int cfs_opts_check(const struct cfs_opts *o, char *err, size_t errlen)
{
	if (!o->space || !*o->space) {
		snprintf(err, errlen, "no space key given");
		return -EINVAL;
	}
	if (o->url && strncmp(o->url, "https://", 8) != 0 && strncmp(o->url, "http://", 7) != 0) {
		snprintf(err, errlen, "url must start with https:// (got '%s')", o->url);
		return -EINVAL;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "-okey=value" with fuse_opt's commas escaped and "~/" expanded. */
static char *config_arg(const char *key, const char *value)
{
	const char *home = cfs_opts_home();
	size_t len = strlen(key) + 2 * strlen(value) + (home ? strlen(home) : 0) + 8;
	char *out = malloc(len), *p;

	if (!out)
		return NULL;
	p = out + sprintf(out, "-o%s=", key);
	if (value[0] == '~' && value[1] == '/' && home) {
		p = stpcpy(p, home);
		value++;
	}
	for (; *value; value++) {
		if (*value == ',' || *value == '\\')
			*p++ = '\\';
		*p++ = *value;
	}
	*p = '\0';
	return out;
}

int cfs_opts_config(const char *text, const char *site, char ***args, size_t *n, char *err,
                    size_t errlen)
{
	char *copy = strdup(text), *line, *save = NULL;
	char **v = NULL;
	size_t count = 0, lineno = 0;
	int in_section = 0, ret = 0;

	*args = NULL;
	*n = 0;
	if (!copy)
		return -ENOMEM;
	if (!site)
		site = "default";
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s = trim(line), *eq, *key, *value, *arg, **nv;

		lineno++;
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end) {
				snprintf(err, errlen, "line %zu: a section needs a closing ]",
				         lineno);
				ret = -EINVAL;
				break;
			}
			*end = '\0';
			in_section = strcmp(trim(s + 1), site) == 0;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "line %zu: expected key = value", lineno);
			ret = -EINVAL;
			break;
		}
		if (!in_section)
			continue;
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (strcmp(key, "token") == 0) {
			snprintf(err, errlen,
			         "line %zu: a token does not belong in the configuration file; "
			         "use token_file = PATH (mode 0600)",
			         lineno);
			ret = -EINVAL;
			break;
		}
		if (!*key || strspn(key, "abcdefghijklmnopqrstuvwxyz_") != strlen(key)) {
			snprintf(err, errlen, "line %zu: bad option name '%s'", lineno, key);
			ret = -EINVAL;
			break;
		}
		arg = config_arg(key, value);
		nv = arg ? realloc(v, (count + 1) * sizeof(*v)) : NULL;
		if (!nv) {
			free(arg);
			ret = -ENOMEM;
			break;
		}
		v = nv;
		v[count++] = arg;
	}
	free(copy);
	if (ret) {
		for (size_t i = 0; i < count; i++)
			free(v[i]);
		free(v);
		return ret;
	}
	*args = v;
	*n = count;
	return 0;
}
