/* model_util: the helpers the model tests share (exact-size buffers, fixture files). */
#include "model_util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy of s without its NUL, in an exact-size buffer, so that ASan sees any over-read. */
char *exact(const char *s, size_t len)
{
	char *b = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(b);
	memcpy(b, s, len);
	return b;
}

/* $CFS_FIXTURES/api/<rel>, read into an exact-size buffer (not NUL-terminated). */
char *slurp(const char *rel, size_t *len)
{
	const char *dir = getenv("CFS_FIXTURES");
	char path[4096], *buf;
	FILE *f;
	long size;

	ck_assert_msg(dir != NULL, "CFS_FIXTURES is not set");
	snprintf(path, sizeof(path), "%s/api/%s", dir, rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	buf = malloc(size ? (size_t)size : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return buf;
}

/* The which-th JSON body ({" ... matching }) in a .http transcript, as an exact-size buffer. */
char *http_body(const char *rel, int which, size_t *len)
{
	size_t flen, i = 0;
	char *file = slurp(rel, &flen), *body = NULL;

	for (int k = 0; i + 1 < flen && !body; i++) {
		size_t depth = 0, j = i;
		int in_str = 0;
		if (file[i] != '{' || file[i + 1] != '"')
			continue;
		for (; j < flen; j++) {
			char c = file[j];
			if (in_str) {
				if (c == '\\')
					j++;
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if ((c == '}' || c == ']') && --depth == 0) {
				break;
			}
		}
		ck_assert_uint_lt(j, flen);
		if (k++ == which) {
			*len = j + 1 - i;
			body = exact(file + i, *len);
		}
		i = j;
	}
	free(file);
	ck_assert_msg(body != NULL, "no body %d in %s", which, rel);
	return body;
}

int pages_str(const char *s, struct cfs_page_list *l)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_pages(b, strlen(s), l);
	free(b);
	return ret;
}

int page_str(const char *s, struct cfs_page *p)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_page(b, strlen(s), p);
	free(b);
	return ret;
}

int atts_str(const char *s, struct cfs_attachment_list *l)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_attachments(b, strlen(s), l);
	free(b);
	return ret;
}

int space_str(const char *s, struct cfs_space *sp)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_space(b, strlen(s), sp);
	free(b);
	return ret;
}

int user_str(const char *s, struct cfs_user *u)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_user(b, strlen(s), u);
	free(b);
	return ret;
}

/* One page wrapped in a listing: parse and return it (the caller clears the list). */
struct cfs_page *one_page(const char *item, struct cfs_page_list *l)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "{\"results\":[%s]}", item);
	ck_assert_int_eq(pages_str(buf, l), 0);
	ck_assert_uint_eq(l->n, 1);
	return &l->v[0];
}
