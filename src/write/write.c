/* write: a save -> the storage body to publish, and the three-way merge (docs/write-back.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "write_int.h"

#define NONE ((size_t)-1)

/* Saved lines that replace base blocks [first, first + nrep) (or insert there). */
struct wregion {
	size_t first, nrep;
	size_t line;    /* 1-based line in the saved file */
	const char *md; /* its saved lines (in the caller's buffer) */
	size_t md_len;
	struct wbuf st;
};

struct wplan {
	int nochange;
	long task_id; /* the largest ac:task-id of the page and of the new text */
	struct wregion *r;
	size_t nr;
};

static void plan_free(struct wplan *pl)
{
	for (size_t i = 0; i < pl->nr; i++)
		free(pl->r[i].st.p);
	free(pl->r);
	memset(pl, 0, sizeof(*pl));
}

static size_t trim_end(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

static int blank(const struct wlines *l, size_t i)
{
	for (size_t k = 0; k < l->len[i]; k++)
		if (!strchr(" \t\r\n", l->p[i][k]))
			return 0;
	return 1;
}

/* The saved lines [from, to) as a region replacing base blocks [first, first + nrep). */
static int region(const struct cfs_blockmap *base, const struct wlines *sl, size_t from, size_t to,
                  size_t first, size_t nrep, size_t fm_lines, const struct cfs_write_ctx *wctx,
                  struct wplan *pl, char **err)
{
	struct wregion *r;
	size_t nb = from, md_blocks = 0, first_end = first + nrep;
	int users = wctx && wctx->convert && wctx->convert->base_url && *wctx->convert->base_url;
	int ret;

	while (nb < to && blank(sl, nb))
		nb++;
	for (size_t i = first; i < first + nrep; i++)
		md_blocks += base->b[i].nl > 0;
	if (md_blocks == 0 && nb == to)
		return 0; /* only blank lines (and blocks with no Markdown) between untouched blocks
		           */
	r = realloc(pl->r, (pl->nr + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	pl->r = r;
	r = &pl->r[pl->nr++];
	memset(r, 0, sizeof(*r));
	r->first = first;
	r->nrep = nrep;
	r->line = fm_lines + (nb < to ? nb : from) + 1;
	if (from < to) {
		r->md = sl->p[from];
		r->md_len = (size_t)(sl->p[to - 1] + sl->len[to - 1] - r->md);
	}
	/* blocks with no Markdown before the first replaced one stay, in front */
	for (; first < first_end && base->b[first].nl == 0; first++)
		wb_add(&r->st, base->st + base->b[first].s_off, base->b[first].s_len);
	if (nb == to)
		goto rest; /* a deletion */
	for (size_t i = first; i < first_end; i++) {
		char what[96];

		if (base->b[i].nl && w_lossy(base->st + base->b[i].s_off, base->b[i].s_len, users,
		                             what, sizeof(what))) {
			*err =
			    w_fmt("line %zu: this block holds %s, which its Markdown cannot carry "
			          "back: undo the change to it or edit it in the browser",
			          r->line, what);
			return *err ? -EINVAL : -ENOMEM;
		}
	}
	{
		const char *s = sl->p[from];
		const char *e = sl->p[to - 1] + sl->len[to - 1];

		ret = w_md2storage(s, (size_t)(e - s), fm_lines + from + 1, wctx, &pl->task_id,
		                   &r->st, err);
		if (ret)
			return ret;
	}
rest:
	/* and the others after the new text */
	for (size_t i = first; i < first_end; i++)
		if (base->b[i].nl == 0)
			wb_add(&r->st, base->st + base->b[i].s_off, base->b[i].s_len);
	return r->st.err;
}

/* The largest numeric <ac:task-id> in the storage. */
static long max_task_id(const char *st, size_t n)
{
	const char *p = st, *e = st + n;
	long max = 0;

	while ((p = memmem(p, (size_t)(e - p), "<ac:task-id>", 12))) {
		long v = 0;

		for (p += 12; p < e && *p >= '0' && *p <= '9' && v < 100000000; p++)
			v = v * 10 + (*p - '0');
		if (v > max)
			max = v;
	}
	return max;
}

static int plan(const struct cfs_blockmap *base, const char *md, size_t len,
                const struct cfs_write_ctx *wctx, struct wplan *pl, char **err)
{
	const char *bmd = base->md + base->body, *smd;
	size_t blen = base->mlen - base->body, slen, body = 0, fm_lines = 0, cur = 0, first = 0;
	struct wlines sl = {0};
	size_t *am = NULL, *at = NULL, *cnt = NULL;
	unsigned char *own = NULL;
	int ret;

	memset(pl, 0, sizeof(*pl));
	*err = NULL;
	if (!md)
		len = 0;
	if (base->body > 0 ||
	    (wctx && wctx->convert && (wctx->convert->flags & CFS_CONVERT_FRONT_MATTER))) {
		struct cfs_front_matter fm = {0};

		ret = cfs_write_front_matter(md, len, &fm, err);
		body = fm.body;
		cfs_front_matter_free(&fm);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < body; i++)
		fm_lines += md[i] == '\n';
	smd = md ? md + body : "";
	slen = len - body;
	if (trim_end(bmd, blen) == trim_end(smd, slen) && !memcmp(bmd, smd, trim_end(bmd, blen))) {
		pl->nochange = 1;
		return 0;
	}
	pl->task_id = max_task_id(base->st, base->slen);
	ret = w_lines(smd, slen, &sl);
	if (ret)
		return ret;
	am = malloc((base->lines.n + 1) * sizeof(*am));
	if (!am || (ret = w_diff(&base->lines, &sl, am)) < 0) {
		free(am);
		w_lines_free(&sl);
		return -ENOMEM;
	}
	at = malloc((base->n + 1) * sizeof(*at));
	cnt = malloc((base->n + 1) * sizeof(*cnt));
	own = calloc(sl.n + 1, 1);
	if (!at || !cnt || !own) {
		ret = -ENOMEM;
		goto out;
	}
	/* a block is kept when its lines survive in one piece, in order */
	for (size_t i = 0; i < base->n; i++) {
		const struct wblock *b = &base->b[i];
		size_t l0 = b->l0, l1 = b->l0 + b->nl;
		int kept;

		/* the blank lines around a block are separators: not part of the test */
		while (l0 < l1 && blank(&base->lines, l0))
			l0++;
		while (l1 > l0 && blank(&base->lines, l1 - 1))
			l1--;
		at[i] = NONE;
		cnt[i] = l1 - l0;
		if (l0 == l1)
			continue; /* no Markdown: goes with the region around it */
		kept = am[l0] != NONE && am[l0] >= cur;
		for (size_t l = l0 + 1; kept && l < l1; l++)
			kept = am[l] == am[l0] + (l - l0);
		if (kept) {
			at[i] = am[l0];
			cur = at[i] + cnt[i];
		}
	}
	/*
	 * New text right against a kept block, with no blank line between, may
	 * continue it (a paragraph's lazy line, a table row, a list item): then
	 * the block is converted again with it.
	 */
	for (int again = 1; again;) {
		again = 0;
		memset(own, 0, sl.n);
		for (size_t i = 0; i < base->n; i++)
			if (at[i] != NONE)
				memset(own + at[i], 1, cnt[i]);
		for (size_t i = 0; i < base->n; i++) {
			size_t e = at[i] + cnt[i];

			if (at[i] == NONE)
				continue;
			if ((e < sl.n && !own[e] && !blank(&sl, e)) ||
			    (at[i] > 0 && !own[at[i] - 1] && !blank(&sl, at[i] - 1))) {
				at[i] = NONE;
				again = 1;
			}
		}
	}
	cur = 0;
	for (size_t i = 0; i < base->n && !ret; i++) {
		if (at[i] == NONE)
			continue;
		ret = region(base, &sl, cur, at[i], first, i - first, fm_lines, wctx, pl, err);
		cur = at[i] + cnt[i];
		first = i + 1;
	}
	if (!ret)
		ret = region(base, &sl, cur, sl.n, first, base->n - first, fm_lines, wctx, pl, err);
	for (size_t i = 0; !ret && i < pl->nr; i++)
		ret = pl->r[i].st.err;
out:
	free(at);
	free(cnt);
	free(own);
	free(am);
	w_lines_free(&sl);
	if (ret) {
		plan_free(pl);
		if (ret != -EINVAL) {
			free(*err);
			*err = NULL;
		}
	}
	return ret;
}

static int finish(struct wbuf *o, const struct cfs_blockmap *ref, char **out, size_t *out_len)
{
	if (o->err) {
		free(o->p);
		return o->err;
	}
	if (o->len == ref->slen && (!o->len || !memcmp(o->p, ref->st, o->len))) {
		free(o->p);
		return 1; /* the same body: nothing to publish */
	}
	if (!o->p) {
		o->p = calloc(1, 1);
		if (!o->p)
			return -ENOMEM;
	}
	*out = o->p;
	*out_len = o->len;
	return 0;
}

int cfs_write_storage(const struct cfs_blockmap *base, const char *md, size_t md_len,
                      const struct cfs_write_ctx *wctx, char **out, size_t *out_len, char **err)
{
	struct wplan pl;
	struct wbuf o = {0};
	size_t r = 0;
	int ret;

	*out = NULL;
	*out_len = 0;
	ret = plan(base, md, md_len, wctx, &pl, err);
	if (ret)
		return ret;
	if (pl.nochange)
		return 1;
	for (size_t i = 0; i <= base->n; i++) {
		if (r < pl.nr && pl.r[r].first == i) {
			wb_add(&o, pl.r[r].st.p, pl.r[r].st.len);
			i += pl.r[r].nrep;
			r++;
			if (i > base->n)
				break;
		}
		if (i < base->n)
			wb_add(&o, base->st + base->b[i].s_off, base->b[i].s_len);
	}
	plan_free(&pl);
	return finish(&o, base, out, out_len);
}

/* The blocks' storage as "lines" for the diff. */
static int block_lines(const struct cfs_blockmap *bm, struct wlines *l)
{
	memset(l, 0, sizeof(*l));
	l->p = malloc((bm->n + 1) * sizeof(*l->p));
	l->len = malloc((bm->n + 1) * sizeof(*l->len));
	if (!l->p || !l->len) {
		w_lines_free(l);
		return -ENOMEM;
	}
	for (size_t i = 0; i < bm->n; i++) {
		l->p[i] = bm->st + bm->b[i].s_off;
		l->len[i] = bm->b[i].s_len;
	}
	l->n = bm->n;
	return 0;
}

static const char *trim_blank(const char *s, size_t *n)
{
	while (*n && strchr(" \t\r\n", *s))
		s++, (*n)--;
	*n = trim_end(s, *n);
	return s;
}

/*
 * Did the server make the same change?  Between the base blocks around g,
 * theirs' Markdown equals our saved lines: then theirs stays as it is.
 */
static int same_change(const struct cfs_blockmap *base, const struct cfs_blockmap *theirs,
                       const size_t *bpos, const struct wregion *g)
{
	size_t ts, te, kn = g->first + g->nrep, tl = 0, ol = g->md_len;
	const char *t = NULL, *o;

	if (g->first > 0 && bpos[g->first - 1] == NONE)
		return 0;
	if (kn < base->n && bpos[kn] == NONE)
		return 0;
	ts = g->first > 0 ? bpos[g->first - 1] + 1 : 0;
	te = kn < base->n ? bpos[kn] : theirs->n;
	if (ts > te)
		return 0;
	for (size_t j = ts; j < te; j++) {
		size_t n;
		const char *m = cfs_blockmap_block_markdown(theirs, j, &n);

		if (!t)
			t = m;
		tl = (size_t)(m + n - t);
	}
	t = trim_blank(t ? t : "", &tl);
	o = trim_blank(g->md ? g->md : "", &ol);
	return tl == ol && !memcmp(t, o, tl);
}

static int conflict(size_t line, char **err, const char *why)
{
	*err = w_fmt("line %zu: %s", line, why);
	return *err ? -EBUSY : -ENOMEM;
}

int cfs_write_merge(const struct cfs_blockmap *base, const char *md, size_t md_len,
                    const struct cfs_blockmap *theirs, const struct cfs_write_ctx *wctx, char **out,
                    size_t *out_len, char **err)
{
	struct wplan pl;
	struct wlines bl, tl;
	struct wbuf o = {0};
	size_t *bpos = NULL, *from = NULL, *to = NULL, r = 0;
	int ret;

	*out = NULL;
	*out_len = 0;
	ret = plan(base, md, md_len, wctx, &pl, err);
	if (ret)
		return ret;
	if (pl.nochange || pl.nr == 0) {
		plan_free(&pl);
		return 1;
	}
	if (block_lines(base, &bl) || block_lines(theirs, &tl)) {
		w_lines_free(&bl);
		plan_free(&pl);
		return -ENOMEM;
	}
	bpos = malloc((base->n + 1) * sizeof(*bpos));
	from = malloc(pl.nr * sizeof(*from));
	to = malloc(pl.nr * sizeof(*to));
	if (!bpos || !from || !to || w_diff_ex(&bl, &tl, bpos, 1) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	/* where each of our regions lands in theirs: blocks [from, to) */
	for (size_t i = 0; i < pl.nr && !ret; i++) {
		const struct wregion *g = &pl.r[i];

		if (same_change(base, theirs, bpos, g)) {
			from[i] = to[i] = NONE; /* theirs already says it */
			continue;
		}
		for (size_t k = g->first; k < g->first + g->nrep && !ret; k++)
			if (bpos[k] == NONE)
				ret = conflict(g->line, err, "the server changed this block too");
		if (ret)
			break;
		if (g->nrep) {
			from[i] = bpos[g->first];
			to[i] = bpos[g->first + g->nrep - 1] + 1;
			if (to[i] - from[i] != g->nrep)
				ret = conflict(g->line, err,
				               "the server added text inside this change");
			continue;
		}
		if (g->first > 0 && bpos[g->first - 1] == NONE) {
			ret = conflict(g->line, err,
			               "the server changed the block before this insertion");
			continue;
		}
		from[i] = to[i] = g->first > 0 ? bpos[g->first - 1] + 1 : 0;
		if (g->first < base->n ? bpos[g->first] != from[i] : from[i] != theirs->n)
			ret = conflict(g->line, err, "the server inserted text at the same place");
	}
	if (ret)
		goto out;
	for (size_t j = 0; j <= theirs->n; j++) {
		while (r < pl.nr && from[r] == NONE)
			r++;
		while (r < pl.nr && from[r] == j) {
			wb_add(&o, pl.r[r].st.p, pl.r[r].st.len);
			j = to[r];
			r++;
			while (r < pl.nr && from[r] == NONE)
				r++;
		}
		if (j < theirs->n)
			wb_add(&o, theirs->st + theirs->b[j].s_off, theirs->b[j].s_len);
	}
	ret = finish(&o, theirs, out, out_len);
out:
	free(bpos);
	free(from);
	free(to);
	w_lines_free(&bl);
	w_lines_free(&tl);
	plan_free(&pl);
	return ret;
}
