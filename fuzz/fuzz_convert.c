/*
 * fuzz_convert: libFuzzer target — any bytes into cfs_convert(): no crash, leak or bad
 * output; the same Markdown when every list and paragraph is streamed (thresholds lowered);
 * and the same bytes without markup: every entity reference decoded in the output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#include "convert.h"
#include "../tests/convert/entity_probe.h"

static char *dup_path(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

static char *page_path(void *arg, const char *space, const char *title)
{
	(void)arg;
	if (space || title[0] == 'x')
		return NULL; /* "unknown": exercises the URL fallback */
	return dup_path("../", title, ".md");
}

static char *attachment_path(void *arg, const char *space, const char *page, const char *file)
{
	(void)arg;
	(void)space;
	return dup_path(page ? page : "Self", "/_attachments/", file);
}

static char *user_name(void *arg, const char *id)
{
	(void)arg;
	return id[0] == 'x' ? NULL : strdup("Ada (Lovelace) [admin]");
}

/* Listings with awkward names and levels that jump, for the mount's macros. */
static int list_pages(void *arg, const char *space, const char *title, int depth, const char *sort,
                      int reverse, void (*emit)(void *, int, const char *, const char *), void *ea)
{
	(void)arg;
	(void)space;
	(void)sort;
	(void)reverse;
	if (title && title[0] == 'x')
		return -1;
	emit(ea, 1, "A [b] *c*", "A [b].md");
	emit(ea, depth == 1 ? 1 : 3, "<x> & `y`", "dir/<x>.md");
	emit(ea, 1, "", "");
	return 0;
}

static int list_files(void *arg, const char *space, const char *title,
                      void (*emit)(void *, int, const char *, const char *), void *ea)
{
	(void)arg;
	(void)space;
	(void)title;
	emit(ea, 1, "a (1).png", "p/_attachments/a (1).png");
	emit(ea, 1, "notes|x.txt", "p/_attachments/notes|x.txt");
	return 0;
}

static int list_recent(void *arg, const char *space, const char *labels, int max,
                       void (*emit)(void *, int, const char *, const char *), void *ea)
{
	(void)arg;
	(void)space;
	(void)max;
	if (labels && labels[0] == 'x')
		return -1;
	emit(ea, 1, "Recent ]]> page", "Recent.md");
	return 0;
}

/* src/convert/convert_int.h: the streaming thresholds (0: the defaults) */
void cv_stream_thresholds(size_t items, size_t inline_children, size_t text, size_t spill);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}

/* The output must be one NUL-terminated string of valid UTF-8. */
static void check_output(const char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)out;

	if (strlen(out) != len)
		abort();
	for (size_t i = 0; i < len;) {
		size_t l = s[i] < 0x80    ? 1
		           : s[i] >= 0xf0 ? 4
		           : s[i] >= 0xe0 ? 3
		           : s[i] >= 0xc2 ? 2
		                          : 0;

		if (l == 0 || i + l > len)
			abort();
		for (size_t k = 1; k < l; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				abort();
		i += l;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfs_convert_ctx ctx = {0};
	char *out = NULL;
	size_t len = 0;

	/* The first byte picks a context, so both link paths get explored. */
	if (size > 0 && (data[0] & 1)) {
		ctx.base_url = "https://acme.atlassian.net/wiki";
		ctx.space_key = "ENG";
		ctx.title = "Home";
		ctx.page_id = "42";
		ctx.flags = CFS_CONVERT_FRONT_MATTER;
	}
	if (size > 0 && (data[0] & 2)) {
		ctx.page_path = page_path;
		ctx.attachment_path = attachment_path;
		ctx.user_name = user_name;
		ctx.list_pages = list_pages;
		ctx.list_attachments = list_files;
		ctx.list_recent = list_recent;
	}
	if (cfs_convert((const char *)data, size, &ctx, &out, &len) == 0) {
		char *s = NULL;
		size_t slen = 0;

		check_output(out, len);
		/* streamed as early as can be: not one byte different */
		cv_stream_thresholds(1, 1, 8, 1);
		if (cfs_convert((const char *)data, size, &ctx, &s, &slen) == 0 &&
		    (slen != len || memcmp(s, out, len) != 0)) {
			fprintf(stderr, "fuzz_convert: streaming changed the Markdown\n");
			abort();
		}
		cv_stream_thresholds(0, 0, 0, 0);
		free(s);
		free(out);
	}
	/* Without markup the input is text with faults: no entity may be lost after one. */
	{
		size_t ulen;
		char *un = probe_unmark((const char *)data, size, &ulen), why[200];

		if (un && cfs_convert(un, ulen, &ctx, &out, &len) == 0) {
			check_output(out, len);
			if (probe_entities(un, ulen, out, why, sizeof(why)) != 0) {
				fprintf(stderr, "fuzz_convert: %s\n", why);
				abort();
			}
			free(out);
		}
		free(un);
	}
	return 0;
}
