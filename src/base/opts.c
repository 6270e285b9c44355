/* opts: mount options, their defaults, and where the credentials come from. */
#include "opts.h"

#include <errno.h>
#include <fcntl.h>
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
	o->cache_size = 1ull << 30;
	o->mem_cache = 256ull << 20;
	o->prefetch = 3;
	o->batch = 25;
	o->uid = -1;
	o->gid = -1;
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
	free_secret(&o->token);
	free(o->cache_dir);
	free(o->api);
	free(o->log_level);
	free(o->ca_file);
	memset(o, 0, sizeof(*o));
}

int cfs_opts_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
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

int cfs_opts_resolve_credentials(struct cfs_opts *o, char *err, size_t errlen)
{
	const char *env;
	int ret = 0;

	if (!o->url && (env = getenv("CONFLUENCE_URL")) && *env && set_dup(&o->url, env))
		return -ENOMEM;
	if (!o->user && (env = getenv("CONFLUENCE_USER")) && *env && set_dup(&o->user, env))
		return -ENOMEM;
	if ((env = getenv("CONFLUENCE_TOKEN")) && *env) {
		ret = set_dup(&o->token, env);
		/* Keep the secret out of anything we might start. */
		unsetenv("CONFLUENCE_TOKEN");
		if (ret)
			return ret;
	}
	if (!o->url) {
		snprintf(err, errlen,
		         "no site given: use -o url=https://SITE/wiki or CONFLUENCE_URL");
		return -EINVAL;
	}
	if (!o->token && o->token_file) {
		char *text = NULL;
		size_t n;

		ret = read_secret_file(o->token_file, 1, &text, err, errlen);
		if (ret)
			return ret;
		n = strlen(text);
		while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
			text[--n] = '\0';
		if (!n) {
			free_secret(&text);
			snprintf(err, errlen, "token file %s is empty", o->token_file);
			return -EINVAL;
		}
		o->token = text;
	}
	if (!o->token) {
		char *path = NULL, *text = NULL, *login = NULL, *host;
		const char *home = getenv("HOME");
		char nerr[256];

		if ((env = getenv("NETRC")) && *env)
			path = strdup(env);
		else if (home && asprintf(&path, "%s/.netrc", home) < 0)
			path = NULL;
		host = url_host(o->url);
		if (path && host && access(path, F_OK) == 0 &&
		    read_secret_file(path, 0, &text, nerr, sizeof(nerr)) == 0 &&
		    cfs_opts_netrc_lookup(text, host, &login, &o->token) == 0) {
			if (!o->user && login)
				o->user = login, login = NULL;
		}
		free(login);
		free_secret(&text);
		free(path);
		free(host);
	}
	if (!o->token) {
		snprintf(err, errlen,
		         "no API token: set CONFLUENCE_TOKEN, use -o token_file=PATH, or add the "
		         "site to ~/.netrc");
		return -EINVAL;
	}
	return 0;
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
	if (o->max_requests < 1 || o->max_requests > 256) {
		snprintf(err, errlen, "max_requests must be between 1 and 256");
		return -EINVAL;
	}
	if (o->timeout < 1 || o->retries < 0 || o->retries > 100 || o->ttl < 0 || o->prefetch < 0 ||
	    o->prefetch > 100) {
		snprintf(err, errlen,
		         "timeout must be >= 1, retries 0..100, ttl >= 0, prefetch 0..100");
		return -EINVAL;
	}
	if (o->api && strcmp(o->api, "auto") && strcmp(o->api, "cloud") && strcmp(o->api, "dc")) {
		snprintf(err, errlen, "api must be auto, cloud or dc (got '%s')", o->api);
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
	const char *home = getenv("HOME");
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
