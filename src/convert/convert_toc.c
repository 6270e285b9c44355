/* convert_toc: headings and their GitHub anchors, the table of contents, the final splice. */
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlunicode.h>

#include "convert_int.h"

/* A string -> size_t map (open addressing), for slugs and anchor ids. */
struct smap {
	char **k;
	size_t *v;
	size_t n, cap;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static size_t *smap_get(struct smap *m, const char *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->k[i])
			return NULL;
		if (!strcmp(m->k[i], k))
			return &m->v[i];
	}
}

/* Insert (k is copied); an existing key keeps its value. */
static int smap_put(struct cv *cv, struct smap *m, const char *k, size_t v)
{
	size_t i;

	if (smap_get(m, k))
		return 0;
	if ((m->n + 1) * 2 > m->cap) {
		struct smap g = {0};

		g.cap = m->cap ? m->cap * 2 : 64;
		g.k = calloc(g.cap, sizeof(*g.k));
		g.v = calloc(g.cap, sizeof(*g.v));
		if (!g.k || !g.v) {
			free(g.k);
			free(g.v);
			cv_oom(cv);
			return -1;
		}
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->k[j])
				continue;
			for (i = hash(m->k[j]) & (g.cap - 1); g.k[i]; i = (i + 1) & (g.cap - 1))
				;
			g.k[i] = m->k[j];
			g.v[i] = m->v[j];
		}
		g.n = m->n;
		free(m->k);
		free(m->v);
		*m = g;
	}
	for (i = hash(k) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		;
	m->k[i] = cv_strndup(cv, k, strlen(k));
	if (!m->k[i])
		return -1;
	m->v[i] = v;
	m->n++;
	return 0;
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->k[i]);
	free(m->k);
	free(m->v);
}

/*
 * The text GitHub sees in a heading we rendered (inline Markdown, one line):
 * escapes undone, emphasis delimiters, link destinations, images and HTML tags
 * dropped, code spans and autolinks kept as their text.
 */
char *cv_md_plain(struct cv *cv, const char *md, size_t n)
{
	struct cv_buf b = {0};

	for (size_t i = 0; i < n;) {
		char c = md[i];

		if (c == '\\' && i + 1 < n && cv_is_punct((unsigned char)md[i + 1])) {
			cv_buf_add(cv, &b, md + i + 1, 1);
			i += 2;
		} else if (c == '`') {
			size_t run = 0, s, e;

			while (i + run < n && md[i + run] == '`')
				run++;
			s = e = i + run;
			for (;;) { /* the closing run of the same length */
				size_t r = 0;

				while (e < n && md[e] != '`')
					e++;
				while (e + r < n && md[e + r] == '`')
					r++;
				if (e >= n || r == run)
					break;
				e += r;
			}
			if (e >= n) { /* no closer: literal backticks */
				cv_buf_add(cv, &b, md + i, run);
				i += run;
				continue;
			}
			if (e - s >= 2 && md[s] == ' ' && md[e - 1] == ' ') {
				s++;
				e--;
			}
			cv_buf_add(cv, &b, md + s, e - s);
			i = e + run;
		} else if (c == '*' || c == '~' || c == '[') {
			i++;
		} else if (c == ']' || (c == '!' && i + 1 < n && md[i + 1] == '[')) {
			size_t j = i + 1, depth = 0;

			if (c == '!') { /* an image: no text in the heading */
				for (j = i + 2; j < n && md[j] != ']'; j++)
					if (md[j] == '\\')
						j++;
			}
			if (j < n && md[j] == ']')
				j++;
			if (c == '!' || (j < n && md[j] == '(')) {
				for (; j < n; j++) { /* the destination */
					if (md[j] == '(')
						depth++;
					else if (md[j] == ')' && --depth == 0)
						break;
				}
				i = j < n ? j + 1 : n;
			} else {
				i++;
			}
		} else if (c == '<' && i + 1 < n &&
		           (((md[i + 1] | 0x20) >= 'a' && (md[i + 1] | 0x20) <= 'z') ||
		            md[i + 1] == '/' || md[i + 1] == '!')) {
			const char *gt = memchr(md + i, '>', n - i), *colon;

			if (!gt) {
				cv_buf_add(cv, &b, md + i, 1);
				i++;
				continue;
			}
			colon = memchr(md + i, ':', (size_t)(gt - (md + i)));
			if (colon && !memchr(md + i, ' ', (size_t)(gt - (md + i))))
				cv_buf_add(cv, &b, md + i + 1,
				           (size_t)(gt - md) - i - 1); /* <url> */
			i = (size_t)(gt - md) + 1;
		} else {
			cv_buf_add(cv, &b, md + i, 1);
			i++;
		}
	}
	if (!b.p && !cv->err)
		return cv_strndup(cv, "", 0);
	return b.p;
}

/* Kept by github-slugger: letters, marks, decimal and letter numbers, connectors. */
static int slug_keeps(uint32_t c)
{
	if (c < 0x80)
		return c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9');
	return xmlUCSIsCatL((int)c) || xmlUCSIsCatM((int)c) || xmlUCSIsCatNd((int)c) ||
	       xmlUCSIsCatNl((int)c) || xmlUCSIsCatPc((int)c);
}

/*
 * GitHub's slug (github-slugger): lower case, every character that is not a
 * letter, mark, digit or connector dropped (punctuation, symbols and emoji,
 * other numbers, separators), each space to "-".
 */
static char *slugify(struct cv *cv, const char *text)
{
	struct cv_buf b = {0};
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);

	for (size_t i = 0; i < n;) {
		uint32_t c;
		int l = cv_utf8_dec(s + i, n - i, &c);
		uint32_t lc = c;
		char u[4];

		/* lower case as JavaScript does, for the scripts pages mostly use */
		if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
		    (c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f))
			lc = c + 32;
		else if (c >= 0x400 && c <= 0x40f)
			lc = c + 80;
		else if (c >= 0x100 && c <= 0x17f && !(c & 1) && c != 0x130 && c != 0x138)
			lc = c + 1;
		if (c == ' ')
			cv_buf_add(cv, &b, "-", 1);
		else if (slug_keeps(c))
			cv_buf_add(cv, &b, u, cv_utf8_enc(lc, u));
		i += (size_t)l;
	}
	if (!b.p && !cv->err)
		return cv_strndup(cv, "", 0);
	return b.p;
}

static char *nospace(struct cv *cv, const char *s)
{
	struct cv_buf b = {0};

	for (; *s; s++)
		if (*s != ' ')
			cv_buf_add(cv, &b, s, 1);
	if (!b.p && !cv->err)
		return cv_strndup(cv, "", 0);
	return b.p;
}

/*
 * A Confluence anchor into another page ("Title-HeadingText" on Data Center,
 * "Heading-text" on Cloud) as the GitHub slug that page's heading gets.
 */
char *cv_anchor_slug(struct cv *cv, const char *title, const char *anchor)
{
	char *tns = title ? nospace(cv, title) : NULL;
	size_t tl = tns ? strlen(tns) : 0;
	char *r;

	if (tl && !strncmp(anchor, tns, tl) && anchor[tl] == '-' && anchor[tl + 1])
		anchor += tl + 1;
	r = slugify(cv, anchor);
	free(tns);
	return r;
}

/* <a id="name"></a> in the inline text: a target for in-page links (anchor macro, ids). */
void cv_il_anchor(struct cv *cv, const char *name)
{
	struct cv_buf e = {0};
	char *s;

	if (cv->nanchors == cv->capanchors) {
		size_t cap = cv->capanchors ? cv->capanchors * 2 : 8;
		char **p = realloc(cv->anchors, cap * sizeof(*p));

		if (!p) {
			cv_oom(cv);
			return;
		}
		cv->anchors = p;
		cv->capanchors = cap;
	}
	s = cv_strndup(cv, name, strlen(name));
	if (s)
		cv->anchors[cv->nanchors++] = s;
	cv_html_esc(cv, &e, name, strlen(name));
	cv_il_raws(cv, "<a id=\"");
	cv_il_raws(cv, e.p ? e.p : "");
	cv_il_raws(cv, "\"></a>");
	free(e.p);
}

/* An element's id attribute (a footnote's li, a sup) as such a target; 1 if it had one. */
int cv_elem_anchor(struct cv *cv, xmlNode *n)
{
	char *f;
	const char *id;
	int has;

	if (!n->properties)
		return 0;
	id = cv_attr(cv, n, NULL, "id", &f);
	has = id && *id; /* id may be f: not read after it is freed (a fuzz finding) */
	if (has)
		cv_il_anchor(cv, id);
	free(f);
	return has;
}

void cv_heading_add(struct cv *cv, int level, const char *text, const char *id)
{
	struct cv_heading *h;

	if (cv->err)
		return;
	if (cv->nheads == cv->capheads) {
		size_t cap = cv->capheads ? cv->capheads * 2 : 16;
		struct cv_heading *p = realloc(cv->heads, cap * sizeof(*p));

		if (!p) {
			cv_oom(cv);
			return;
		}
		cv->heads = p;
		cv->capheads = cap;
	}
	h = &cv->heads[cv->nheads];
	memset(h, 0, sizeof(*h));
	h->level = level;
	h->text = cv_strndup(cv, text, strlen(text));
	h->id = id ? cv_strndup(cv, id, strlen(id)) : NULL;
	cv->nheads++;
}

/* Give every heading its unique slug, the way github-slugger numbers repeats. */
static void make_slugs(struct cv *cv)
{
	struct smap seen = {0};

	for (size_t i = 0; i < cv->nheads && !cv->err; i++) {
		struct cv_heading *h = &cv->heads[i];
		char *base = slugify(cv, h->text ? h->text : "");
		size_t *cnt;

		if (!base)
			break;
		if (!smap_get(&seen, base)) {
			h->slug = base;
			smap_put(cv, &seen, base, 0);
			continue;
		}
		for (;;) {
			size_t bl = strlen(base);
			char *cand = malloc(bl + 24);

			cnt = smap_get(&seen, base);
			if (!cand || !cnt) {
				free(cand);
				cv_oom(cv);
				break;
			}
			(*cnt)++;
			snprintf(cand, bl + 24, "%s-%zu", base, *cnt);
			if (!smap_get(&seen, cand)) {
				h->slug = cand;
				smap_put(cv, &seen, cand, 0);
				break;
			}
			free(cand);
		}
		free(base);
	}
	smap_free(&seen);
}

/*
 * Confluence names a heading's anchor after its text without spaces, or
 * "PageTitle-HeadingText"; map those (and the heading's id and slug) to slugs.
 */
static void heading_ids(struct cv *cv, struct smap *ids)
{
	const char *title = cv->ctx && cv->ctx->title ? cv->ctx->title : NULL;
	char *tns = title ? nospace(cv, title) : NULL;

	for (size_t i = 0; i < cv->nheads && !cv->err; i++) {
		struct cv_heading *h = &cv->heads[i];
		char *ns;

		if (!h->slug)
			continue;
		ns = nospace(cv, h->text ? h->text : "");
		if (!ns)
			break;
		smap_put(cv, ids, h->slug, i);
		if (h->id)
			smap_put(cv, ids, h->id, i);
		smap_put(cv, ids, ns, i);
		{
			/* and with only letters and digits left */
			size_t o = 0;

			for (size_t k = 0; ns[k]; k++)
				if ((unsigned char)ns[k] >= 0x80 ||
				    (ns[k] >= '0' && ns[k] <= '9') ||
				    ((ns[k] | 0x20) >= 'a' && (ns[k] | 0x20) <= 'z'))
					ns[o++] = ns[k];
			ns[o] = '\0';
			if (o)
				smap_put(cv, ids, ns, i);
		}
		if (tns) {
			size_t l = strlen(tns) + strlen(ns) + 2;
			char *full = malloc(l);

			if (full) {
				snprintf(full, l, "%s-%s", tns, ns);
				smap_put(cv, ids, full, i);
				free(full);
			}
		}
		free(ns);
	}
	free(tns);
}

static void toc_text(struct cv *cv, struct cv_buf *b, const struct cv_hole *h)
{
	int stack[8], sp = 0, lines = 0;

	for (size_t i = 0; i < cv->nheads && b->len < h->maxbytes; i++) {
		const struct cv_heading *hd = &cv->heads[i];

		if (hd->level < h->minl || hd->level > h->maxl || !hd->slug)
			continue;
		while (sp > 0 && stack[sp - 1] >= hd->level)
			sp--;
		if (lines++) {
			cv_buf_add(cv, b, "\n", 1);
			cv_buf_adds(cv, b, h->arg);
		}
		for (int d = 0; d < sp; d++)
			cv_buf_add(cv, b, "  ", 2);
		if (sp < 8)
			stack[sp++] = hd->level;
		cv_buf_add(cv, b, "- [", 3);
		cv_md_esc(cv, b, hd->text && *hd->text ? hd->text : "(untitled)");
		cv_buf_add(cv, b, "](#", 3);
		cv_url(cv, b, hd->slug, 1);
		cv_buf_add(cv, b, ")", 1);
	}
}

static int hole_cmp(const void *a, const void *b)
{
	const struct cv_hole *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off ? 1 : (x < y ? -1 : x > y);
}

static void yaml(struct cv *cv, struct cv_buf *b, const char *key, const char *v)
{
	if (!v)
		return;
	cv_buf_adds(cv, b, key);
	cv_buf_adds(cv, b, ": \"");
	for (; *v; v++) {
		char e[8];

		if (*v == '"' || *v == '\\') {
			e[0] = '\\';
			e[1] = *v;
			cv_buf_add(cv, b, e, 2);
		} else if ((unsigned char)*v < 0x20) {
			snprintf(e, sizeof(e), "\\x%02x", (unsigned char)*v);
			cv_buf_adds(cv, b, e);
		} else {
			cv_buf_add(cv, b, v, 1);
		}
	}
	cv_buf_adds(cv, b, "\"\n");
}

/* Block map: the ends in [pos, off] of cv->out land at rlen + (end - pos) of the result. */
static void map_chunk(struct cv *cv, size_t pos, size_t off, size_t rlen)
{
	struct cv_map *m = cv->map;

	if (!m)
		return;
	for (; m->mapped < m->n && m->b[m->mapped].md_end <= off; m->mapped++) {
		size_t e = m->b[m->mapped].md_end;

		m->b[m->mapped].md_end = rlen + (e >= pos ? e - pos : 0);
	}
}

/* Fill the holes, add front matter, trim blank lines at the end. */
void cv_finish(struct cv *cv, char **out, size_t *out_len)
{
	struct cv_buf r = {0};
	struct smap ids = {0}, anchors = {0};
	const struct cfs_convert_ctx *c = cv->ctx;
	const char *o = cv->out.p ? cv->out.p : "";
	size_t pos = 0, n, toc_budget = cv->out.len + 65536;

	make_slugs(cv);
	if (cv->nholes) {
		heading_ids(cv, &ids);
		for (size_t a = 0; a < cv->nanchors; a++)
			smap_put(cv, &anchors, cv->anchors[a], 0);
	}
	if (c && (c->flags & CFS_CONVERT_FRONT_MATTER) &&
	    (c->title || c->space_key || c->page_id)) {
		cv_buf_adds(cv, &r, "---\n");
		yaml(cv, &r, "title", c->title);
		yaml(cv, &r, "space", c->space_key);
		yaml(cv, &r, "id", c->page_id);
		cv_buf_adds(cv, &r, "---\n\n");
	}
	if (cv->map)
		cv->map->body = r.len;
	if (!cv->nholes && !cv->err) {
		/* nothing to fill: the Markdown is handed over, not copied (a 50 MB page) */
		map_chunk(cv, 0, cv->out.len, r.len);
		cv_buf_insert(cv, &cv->out, 0, r.p ? r.p : "", r.len);
		free(r.p);
		r = cv->out;
		memset(&cv->out, 0, sizeof(cv->out));
	}
	if (cv->nholes > 1)
		qsort(cv->holes, cv->nholes, sizeof(*cv->holes), hole_cmp);
	for (size_t i = 0; i < cv->nholes && !cv->err; i++) {
		struct cv_hole *h = &cv->holes[i];
		size_t off = h->off > cv->out.len ? cv->out.len : h->off;

		map_chunk(cv, pos, off, r.len);
		cv_buf_add(cv, &r, o + pos, off - pos);
		pos = off;
		if (h->kind == H_TOC) {
			struct cv_buf t = {0};

			/*
			 * Every toc lists every heading, so a page of tocs and
			 * headings would grow quadratically: all tocs together
			 * get a budget of the page's own size.
			 */
			h->maxbytes = toc_budget;
			toc_text(cv, &t, h);
			toc_budget -= t.len < toc_budget ? t.len : toc_budget;
			if (!t.len && toc_budget == 0)
				cv_buf_adds(cv, &t,
				            "<!-- table of contents omitted: see above -->");
			if (t.len) {
				cv_buf_add(cv, &r, t.p, t.len);
			} else {
				/* no headings: drop the line and the blank line before it */
				while (r.len && r.p[r.len - 1] != '\n')
					r.len--;
				if (pos < cv->out.len && o[pos] == '\n')
					pos++;
				if (r.len >= 2 && r.p[r.len - 2] == '\n')
					r.len--;
			}
			free(t.p);
			continue;
		}
		{
			/* an anchor of that name wins over a heading */
			int named = smap_get(&anchors, h->arg) != NULL;
			size_t *v = named ? NULL : smap_get(&ids, h->arg), d = h->maxbytes;

			if (!v && !named) {
				/* Cloud's "Getting-started", "Getting started": the slug of it */
				char *sl = slugify(cv, h->arg);

				v = sl ? smap_get(&ids, sl) : NULL;
				free(sl);
			}
			if (v || named) {
				cv_buf_add(cv, &r, "#", 1);
				if (v)
					cv_url(cv, &r, cv->heads[*v].slug, 1);
				else
					cv_url(cv, &r, h->arg, 2);
			} else if (d >= 3 && r.len >= d && r.p[r.len - d] == '[' &&
			           r.p[r.len - 1] == '(' && r.p[r.len - 2] == ']' &&
			           pos < cv->out.len && o[pos] == ')') {
				/* nothing on the page has that name: the text, not a dead link */
				memmove(r.p + r.len - d, r.p + r.len - d + 1, d - 1);
				r.len -= 3;
				pos++;
			} else {
				cv_buf_add(cv, &r, "#", 1);
				cv_url(cv, &r, h->arg, 2);
			}
		}
	}
	if (cv->nholes) {
		map_chunk(cv, pos, cv->out.len, r.len);
		cv_buf_add(cv, &r, o + pos, cv->out.len - pos);
	}
	smap_free(&ids);
	smap_free(&anchors);
	if (r.len && r.p[r.len - 1] != '\n')
		cv_buf_add(cv, &r, "\n", 1); /* room for the final newline and NUL */
	n = r.len;
	while (n > 0 && r.p[n - 1] == '\n')
		n--;
	if (cv->err) {
		free(r.p);
		*out = NULL;
		*out_len = 0;
		return;
	}
	if (!r.p) {
		*out = calloc(1, 1);
		if (!*out)
			cv_oom(cv);
		*out_len = 0;
		return;
	}
	if (n > 0)
		r.p[n++] = '\n';
	r.p[n] = '\0';
	for (size_t i = 0; cv->map && i < cv->map->n; i++)
		if (cv->map->b[i].md_end > n)
			cv->map->b[i].md_end = n;
	/* The buffer grew by doubling: give back the slack, as the Markdown may
	 * be kept in memory for long (docs/memory.md). */
	if (r.cap > n + 1) {
		char *fit = realloc(r.p, n + 1);

		if (fit)
			r.p = fit;
	}
	*out = r.p;
	*out_len = n;
}

/*
 * The anchor cv->resolve, looked up as an in-page link to it would be (an
 * anchor of that name, a heading's id, its Confluence forms, its slug):
 * *out is the fragment (malloc'd) or NULL when nothing on the page has it.
 */
void cv_resolve_finish(struct cv *cv, char **out, size_t *out_len)
{
	struct smap ids = {0};
	const char *a = cv->resolve, *frag = NULL;
	size_t *v;
	char *sl = NULL;

	*out = NULL;
	*out_len = 0;
	make_slugs(cv);
	heading_ids(cv, &ids);
	for (size_t i = 0; i < cv->nanchors && !frag; i++)
		if (!strcmp(cv->anchors[i], a))
			frag = a;
	if (!frag && (v = smap_get(&ids, a)))
		frag = cv->heads[*v].slug;
	if (!frag && (sl = slugify(cv, a)) && (v = smap_get(&ids, sl)))
		frag = cv->heads[*v].slug;
	if (frag && !cv->err) {
		*out = strdup(frag);
		if (!*out)
			cv_oom(cv);
		else
			*out_len = strlen(*out);
	}
	free(sl);
	smap_free(&ids);
}
