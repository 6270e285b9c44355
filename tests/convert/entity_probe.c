/* entity_probe: shared by test_convert (fixtures with faults) and fuzz_convert (any bytes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

#include "entity_probe.h"

char *probe_unmark(const char *in, size_t len, size_t *olen)
{
	size_t n = 0;
	char *o = malloc(2 * len + 1);

	if (!o)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		o[n++] = in[i];
		if (in[i] == '<')
			o[n++] = ' ';
	}
	o[n] = '\0';
	*olen = n;
	return o;
}

/* The code point of the reference at s ("&...;"), its length in *rl; 0 if none or not text. */
static uint32_t reference(const char *s, size_t n, size_t *rl)
{
	char name[40];
	size_t i = 1, k = 0;
	uint32_t c = 0;

	if (n > 2 && s[1] == '#') {
		int hex = n > 3 && (s[2] == 'x' || s[2] == 'X');

		for (i = hex ? 3 : 2; i < n && k < 8; i++, k++) {
			char d = s[i];
			int v = d >= '0' && d <= '9' ? d - '0'
			        : hex && (d | 0x20) >= 'a' && (d | 0x20) <= 'f'
			            ? (d | 0x20) - 'a' + 10
			            : -1;

			if (v < 0)
				break;
			c = c * (hex ? 16 : 10) + (uint32_t)v;
		}
		if (k == 0 || k >= 8 || i >= n || s[i] != ';')
			return 0;
	} else {
		for (; i < n && k < sizeof(name) - 1; i++) {
			char d = s[i];

			if (!((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') ||
			      (d >= '0' && d <= '9')))
				break;
			name[k++] = d;
		}
		name[k] = '\0';
		if (k == 0 || i >= n || s[i] != ';' || !(name[0] > '9'))
			return 0;
		{
			const htmlEntityDesc *d = htmlEntityLookup((const xmlChar *)name);

			if (!d)
				return 0;
			c = d->value;
		}
	}
	*rl = i + 1;
	/* blanks collapse, controls are not XML characters: not text to look for */
	if (c <= 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c < 0xe000) || c == 0xfffe ||
	    c == 0xffff || c > 0x10ffff)
		return 0;
	return c;
}

int probe_entities(const char *in, size_t len, const char *out, char *why, size_t whylen)
{
	const char *at = out;

	for (size_t i = 0; i < len; i++) {
		size_t rl = 0;
		uint32_t c;
		xmlChar u[8];
		const char *f;

		if (in[i] != '&')
			continue;
		c = reference(in + i, len - i, &rl);
		if (!c) {
			continue;
		}
		u[xmlCopyCharMultiByte(u, (int)c)] = '\0';
		f = strstr(at, (const char *)u);
		if (!f) {
			snprintf(why, whylen, "\"%.*s\" at byte %zu not decoded in the output",
			         (int)rl, in + i, i);
			return -1;
		}
		at = f + strlen((const char *)u);
		i += rl - 1;
	}
	return 0;
}
