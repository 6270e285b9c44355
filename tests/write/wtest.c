/* wtest: helpers for the write-back tests. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wtest.h"

static char *page_path(void *arg, const char *space, const char *title)
{
	char *p = NULL;

	(void)arg;
	if (asprintf(&p, "%s%s%s%s.md", space ? "../" : "", space ? space : "", space ? "/" : "",
	             title) < 0)
		return NULL;
	return p;
}

static char *attachment_path(void *arg, const char *space, const char *page, const char *file)
{
	char *p = NULL;

	(void)arg;
	(void)space;
	if (asprintf(&p, "%s%s_attachments/%s", page ? page : "", page ? "/" : "", file) < 0)
		return NULL;
	return p;
}

const struct cfs_convert_ctx wt_convert_ctx = {
    .space_key = "DOC",
    .page_path = page_path,
    .attachment_path = attachment_path,
};

static int w_page(void *arg, const char *rel, char **space, char **title)
{
	const char *t = rel;
	size_t n;

	(void)arg;
	*space = NULL;
	if (!strncmp(rel, "../", 3)) {
		const char *sl = strchr(rel + 3, '/');

		if (!sl)
			return -ENOENT;
		*space = strndup(rel + 3, (size_t)(sl - rel - 3));
		t = sl + 1;
	}
	n = strlen(t);
	if (n < 4 || strcmp(t + n - 3, ".md") || !strcmp(t, "Missing.md")) {
		free(*space);
		*space = NULL;
		return -ENOENT;
	}
	*title = strndup(t, n - 3);
	return 0;
}

static int w_attachment(void *arg, const char *rel, char **page, char **file)
{
	const char *a = strstr(rel, "_attachments/");

	(void)arg;
	if (!a || (a != rel && a[-1] != '/'))
		return -ENOENT;
	*page = a == rel ? NULL : strndup(rel, (size_t)(a - rel - 1));
	*file = strdup(a + 13);
	return 0;
}

const struct cfs_write_ctx wt_write_ctx = {
    .convert = &wt_convert_ctx,
    .page = w_page,
    .attachment = w_attachment,
};

char *wt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static void add_dir(char ***l, size_t *n, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char *p = NULL;

		int seen = 0;

		if (len < 14 || strcmp(e->d_name + len - 14, ".storage.xhtml"))
			continue;
		for (size_t i = 0; i < *n && !seen; i++) {
			const char *b = strrchr((*l)[i], '/');

			seen = !strcmp(b ? b + 1 : (*l)[i], e->d_name);
		}
		if (seen)
			continue; /* the same page in another folder */
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			continue;
		*l = realloc(*l, (*n + 2) * sizeof(**l));
		(*l)[(*n)++] = p;
		(*l)[*n] = NULL;
	}
	closedir(d);
}

char **wt_fixtures(void)
{
	const char *fx = getenv("CFS_FIXTURES");
	char **l = calloc(1, sizeof(*l)), *dir = NULL;
	size_t n = 0;

	/* the storage fixtures, then the pages of the fake server's spaces */
	static const char *const sub[] = {"storage", "demo/storage", "macros/storage"};

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (asprintf(&dir, "%s/%s", fx ? fx : "tests/fixtures", sub[i]) >= 0)
			add_dir(&l, &n, dir);
		free(dir);
		dir = NULL;
	}
	add_dir(&l, &n, "/work/shared/fixtures/storage");
	return l;
}

void wt_free_list(char **l)
{
	for (size_t i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

char *wt_md2st(const char *md, char **err)
{
	struct cfs_blockmap *bm = NULL;
	char *why = NULL, *out = NULL;
	size_t out_len = 0;
	int ret;

	*err = NULL;
	if (cfs_blockmap_build("", 0, &wt_convert_ctx, &bm, &why)) {
		*err = why;
		return NULL;
	}
	ret = cfs_write_storage(bm, md, strlen(md), &wt_write_ctx, &out, &out_len, err);
	cfs_blockmap_free(bm);
	if (ret == 1)
		return strdup("");
	return ret == 0 ? out : NULL;
}

char *wt_st2md(const char *st)
{
	char *out = NULL;
	size_t len;

	if (cfs_convert(st, strlen(st), &wt_convert_ctx, &out, &len))
		return NULL;
	return out;
}

size_t wt_count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}
