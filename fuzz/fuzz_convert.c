/*
 * fuzz_convert: libFuzzer target — any bytes into cfs_convert(): no crash, leak or bad
 * output; and the same bytes without markup: every entity reference decoded in the output.
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
	}
	if (cfs_convert((const char *)data, size, &ctx, &out, &len) == 0) {
		check_output(out, len);
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
