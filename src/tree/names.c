/* names: Confluence titles -> file names that are valid, unique and stable. */
#include "names.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * How a set of siblings is named.  Each title is first sanitized into a base
 * name (valid UTF-8, no '/', no control characters, within the length limit).
 * Then the siblings are visited in a fixed order -- ascending id, then base
 * name, then raw title -- and each one claims the first of its candidate names
 * that is still free: the base name, then "base [ID]", then "base [ID-2]",
 * "base [ID-3]", ...  Visiting in id order makes the lowest id in a group win
 * the plain name and means a sibling's name depends only on siblings with
 * lower ids: a newly created page (Confluence ids grow) never renames an old
 * one.  The claimed names live in one open-addressing hash set, so a group of
 * n siblings costs O(n log n) for the sort plus O(n) expected set operations.
 */

#define NAME_MAX_BYTES 255
#define MD_EXT         ".md"
#define MD_EXT_LEN     3
#define EXT_MAX        16 /* longest kept extension, dot included */
#define SUFFIX_MAX     48 /* " [18446744073709551615-18446744073709551615]" */

/* A claimed name: bytes name[0..len) followed by ".md" when md is set. */
struct slot {
	const char *name; /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	bool md;
};

struct set {
	struct slot *slots;
	size_t mask;
};

struct item {
	uint64_t id;
	const char *title;
	char *base; /* sanitized, cut; owned */
	size_t blen;
	size_t ext; /* bytes of the kept extension at the end of base (files only) */
	size_t index;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t fnv_name(const char *name, size_t len, bool md)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, name, len);
	return md ? fnv(h, MD_EXT, MD_EXT_LEN) : h;
}

static bool slot_equals(const struct slot *sl, const char *k, size_t klen, uint64_t h)
{
	size_t total = sl->len + (sl->md ? MD_EXT_LEN : 0);
	if (sl->hash != h || total != klen || memcmp(sl->name, k, sl->len) != 0)
		return false;
	return !sl->md || memcmp(k + sl->len, MD_EXT, MD_EXT_LEN) == 0;
}

/* Is the name k (klen bytes, or with ".md" appended when md) claimed? */
static bool set_has(const struct set *set, const char *k, size_t klen, bool md)
{
	char buf[NAME_MAX_BYTES + MD_EXT_LEN + 1];
	uint64_t h = fnv_name(k, klen, md);
	if (md) {
		memcpy(buf, k, klen);
		memcpy(buf + klen, MD_EXT, MD_EXT_LEN);
		k = buf;
		klen += MD_EXT_LEN;
	}
	for (size_t i = h & set->mask;; i = (i + 1) & set->mask) {
		const struct slot *sl = &set->slots[i];
		if (!sl->name)
			return false;
		if (slot_equals(sl, k, klen, h))
			return true;
	}
}

/* Claims a name; the set has room by construction and the name is not in it. */
static void set_add(struct set *set, const char *name, size_t len, bool md)
{
	uint64_t h = fnv_name(name, len, md);
	size_t i = h & set->mask;
	while (set->slots[i].name)
		i = (i + 1) & set->mask;
	set->slots[i] = (struct slot){.name = name, .len = len, .hash = h, .md = md};
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s starts an invalid one. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return len;
}

/* The longest prefix of s[0..len) that is at most max bytes and ends on a character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * The length of a file-name extension worth keeping at the end of s: a dot
 * that is not the first byte, followed by 1..15 ASCII letters and digits, at
 * least one a letter (".png", ".tar.gz" -> ".gz", ".mp3"; not "v1.2" or
 * "a. b").  0 when there is none.
 */
static size_t ext_len(const char *s, size_t len)
{
	const char *dot = memrchr(s, '.', len);
	size_t e;
	bool alpha = false;

	if (!dot || dot == s)
		return 0;
	e = len - (size_t)(dot - s);
	if (e < 2 || e > EXT_MAX)
		return 0;
	for (size_t i = 1; i < e; i++) {
		char c = dot[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			alpha = true;
		else if (c < '0' || c > '9')
			return 0;
	}
	return alpha ? e : 0;
}

/*
 * Title -> base name: valid UTF-8 with '/' as U+2215, control characters
 * (C0, DEL, C1) and each byte of an invalid sequence as '_', "_" for an empty
 * title, at most limit bytes.  Files keep their extension when cut.
 */
static int sanitize(struct item *it, enum cfs_names_kind kind, size_t limit)
{
	const unsigned char *s = (const unsigned char *)(it->title ? it->title : "");
	size_t n = strlen((const char *)s), o = 0, i = 0;
	char *out = malloc(3 * n + 2);

	if (!out)
		return -ENOMEM;
	while (i < n) {
		uint32_t cp;
		size_t k = utf8_seq(s + i, n - i, &cp);
		if (k == 0) {
			out[o++] = '_';
			i++;
			continue;
		}
		if (cp == '/') {
			memcpy(out + o, "\xe2\x88\x95", 3);
			o += 3;
		} else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			out[o++] = '_';
		} else {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	if (o == 0)
		out[o++] = '_';
	it->ext = kind == CFS_NAMES_FILES ? ext_len(out, o) : 0;
	if (o > limit) {
		size_t keep = utf8_cut(out, o - it->ext, limit - it->ext);
		memmove(out + keep, out + o - it->ext, it->ext);
		o = keep + it->ext;
	}
	out[o] = '\0';
	it->base = out;
	it->blen = o;
	return 0;
}

/* base with " [ID]" (try 1) or " [ID-try]" inserted before the extension, within limit. */
static char *suffixed(const struct item *it, uint64_t try, size_t limit)
{
	char suffix[SUFFIX_MAX];
	size_t slen, stem, keep;
	char *out;

	if (try == 1)
		slen = (size_t)snprintf(suffix, sizeof(suffix), " [%" PRIu64 "]", it->id);
	else
		slen = (size_t)snprintf(suffix, sizeof(suffix), " [%" PRIu64 "-%" PRIu64 "]",
		                        it->id, try);
	stem = it->blen - it->ext;
	keep = utf8_cut(it->base, stem, limit - slen - it->ext);
	out = malloc(keep + slen + it->ext + 1);
	if (!out)
		return NULL;
	memcpy(out, it->base, keep);
	memcpy(out + keep, suffix, slen);
	memcpy(out + keep + slen, it->base + stem, it->ext);
	out[keep + slen + it->ext] = '\0';
	return out;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	c = strcmp(x->base, y->base);
	if (c == 0)
		c = strcmp(x->title ? x->title : "", y->title ? y->title : "");
	if (c == 0)
		c = x->index < y->index ? -1 : x->index > y->index;
	return c;
}

static bool is_free(const struct set *set, const char *name, enum cfs_names_kind kind)
{
	size_t len = strlen(name);
	if (set_has(set, name, len, false))
		return false;
	return kind != CFS_NAMES_PAGES || !set_has(set, name, len, true);
}

static void claim(struct set *set, const char *name, enum cfs_names_kind kind)
{
	size_t len = strlen(name);
	set_add(set, name, len, false);
	if (kind == CFS_NAMES_PAGES)
		set_add(set, name, len, true);
}

int cfs_names_assign(struct cfs_names_entry *entries, size_t n, enum cfs_names_kind kind)
{
	static const char *const reserved[] = {".", "..", "_attachments", "_blog"};
	size_t limit = kind == CFS_NAMES_PAGES ? NAME_MAX_BYTES - MD_EXT_LEN : NAME_MAX_BYTES;
	size_t nreserved = kind == CFS_NAMES_PAGES ? 4 : 2;
	struct item *items = NULL;
	char **names = NULL;
	struct set set = {0};
	size_t cap = 16, i;
	uint64_t last_try = 0;
	int ret = -ENOMEM;

	if (n == 0)
		return 0;
	if (n > SIZE_MAX / 8)
		goto out;
	while (cap < 2 * (2 * n + nreserved))
		cap *= 2;
	items = calloc(n, sizeof(*items));
	names = calloc(n, sizeof(*names));
	set.slots = calloc(cap, sizeof(*set.slots));
	set.mask = cap - 1;
	if (!items || !names || !set.slots)
		goto out;
	for (i = 0; i < n; i++) {
		items[i].id = entries[i].id;
		items[i].title = entries[i].title;
		items[i].index = i;
		if (sanitize(&items[i], kind, limit) < 0)
			goto out;
	}
	qsort(items, n, sizeof(*items), item_cmp);
	for (i = 0; i < nreserved; i++)
		set_add(&set, reserved[i], strlen(reserved[i]), false);

	for (i = 0; i < n; i++) {
		const struct item *it = &items[i];
		uint64_t try = 0;
		char *name;

		/* After a sibling with the same id and base, its tries so far are all taken. */
		if (i > 0 && it->id == items[i - 1].id && strcmp(it->base, items[i - 1].base) == 0)
			try = last_try + 1;
		for (;; try++) {
			name = try == 0 ? strdup(it->base) : suffixed(it, try, limit);
			if (!name)
				goto out;
			if (is_free(&set, name, kind))
				break;
			free(name);
		}
		claim(&set, name, kind);
		names[it->index] = name;
		last_try = try;
	}
	for (i = 0; i < n; i++) {
		entries[i].name = names[i];
		names[i] = NULL;
	}
	ret = 0;
out:
	if (names) {
		for (i = 0; i < n; i++)
			free(names[i]);
	}
	if (items) {
		for (i = 0; i < n; i++)
			free(items[i].base);
	}
	free(set.slots);
	free(names);
	free(items);
	return ret;
}
