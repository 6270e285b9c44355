/* write: Myers line diff (E. Myers, "An O(ND) Difference Algorithm", 1986). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "write_int.h"

/*
 * The trace keeps every step's furthest reach, O(D^2) ints: past this many
 * differences the middle counts as all changed (correct, only less kept).
 */
#define DIFF_MAX_D 1500

struct dd {
	const struct wlines *a, *b;
	uint64_t *ha, *hb;
	size_t pa, pb; /* offsets of the middle part */
	int exact;
};

static size_t cut(const struct wlines *l, size_t i, int exact)
{
	size_t n = l->len[i];

	if (!exact && n && l->p[i][n - 1] == '\n')
		n--;
	return n;
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int eq(const struct dd *d, size_t i, size_t j)
{
	size_t la, lb;

	if (d->ha[i] != d->hb[j])
		return 0;
	la = cut(d->a, i, d->exact);
	lb = cut(d->b, j, d->exact);
	return la == lb && memcmp(d->a->p[i], d->b->p[j], la) == 0;
}

static int myers(struct dd *d, size_t n, size_t m, size_t *am)
{
	long max = (long)(n + m), dmax = max < DIFF_MAX_D ? max : DIFF_MAX_D;
	long *v = calloc((size_t)(2 * dmax + 3), sizeof(*v)), *trace = NULL, found = -1;
	size_t tlen = 0;

	if (!v)
		return -ENOMEM;
	v += dmax + 1;
	for (long s = 0; s <= dmax && found < 0; s++) {
		long *t = realloc(trace, (tlen + (size_t)(2 * s + 1)) * sizeof(*t));

		if (!t) {
			free(trace);
			free(v - dmax - 1);
			return -ENOMEM;
		}
		trace = t;
		for (long k = -s; k <= s; k += 2) {
			long x, y;

			if (k == -s || (k != s && v[k - 1] < v[k + 1]))
				x = v[k + 1];
			else
				x = v[k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m &&
			       eq(d, d->pa + (size_t)x, d->pb + (size_t)y))
				x++, y++;
			v[k] = x;
			if (x >= (long)n && y >= (long)m && found < 0)
				found = s;
		}
		memcpy(trace + tlen, v - s, (size_t)(2 * s + 1) * sizeof(*t));
		tlen += (size_t)(2 * s + 1);
	}
	free(v - dmax - 1);
	if (found < 0) {
		free(trace); /* too different: no match in the middle */
		return 0;
	}
	{
		long x = (long)n, y = (long)m;

		for (long s = found; s >= 0; s--) {
			long k = x - y, px, py;

			if (s == 0) {
				px = py = 0;
			} else {
				long *pv =
				    trace + (size_t)((s - 1) * (s - 1)) + (s - 1); /* index 0 = k */
				long pk =
				    (k == -s || (k != s && pv[k - 1] < pv[k + 1])) ? k + 1 : k - 1;

				px = pv[pk];
				py = px - pk;
			}
			while (x > px && y > py) {
				x--, y--;
				am[d->pa + (size_t)x] = d->pb + (size_t)y;
			}
			x = px;
			y = py;
		}
	}
	free(trace);
	return 0;
}

int w_diff_ex(const struct wlines *a, const struct wlines *b, size_t *am, int exact)
{
	struct dd d = {.a = a, .b = b, .exact = exact};
	size_t na = a->n, nb = b->n, pre = 0, suf = 0;
	int ret;

	for (size_t i = 0; i < na; i++)
		am[i] = (size_t)-1;
	d.ha = malloc((na + 1) * sizeof(*d.ha));
	d.hb = malloc((nb + 1) * sizeof(*d.hb));
	if (!d.ha || !d.hb) {
		free(d.ha);
		free(d.hb);
		return -ENOMEM;
	}
	for (size_t i = 0; i < na; i++)
		d.ha[i] = hash(a->p[i], cut(a, i, exact));
	for (size_t j = 0; j < nb; j++)
		d.hb[j] = hash(b->p[j], cut(b, j, exact));
	while (pre < na && pre < nb && eq(&d, pre, pre)) {
		am[pre] = pre;
		pre++;
	}
	while (suf < na - pre && suf < nb - pre && eq(&d, na - 1 - suf, nb - 1 - suf)) {
		am[na - 1 - suf] = nb - 1 - suf;
		suf++;
	}
	d.pa = d.pb = pre;
	ret = 0;
	if (na - pre - suf > 0 && nb - pre - suf > 0)
		ret = myers(&d, na - pre - suf, nb - pre - suf, am);
	free(d.ha);
	free(d.hb);
	return ret;
}

int w_diff(const struct wlines *a, const struct wlines *b, size_t *am)
{
	return w_diff_ex(a, b, am, 0);
}

size_t cfs_write_distance(const char *a, size_t alen, const char *b, size_t blen)
{
	struct wlines la = {0}, lb = {0};
	size_t *am = NULL, kept = 0, d = (size_t)-1;

	if (w_lines(a, alen, &la) || w_lines(b, blen, &lb))
		goto out;
	am = malloc((la.n + 1) * sizeof(*am));
	if (!am || w_diff(&la, &lb, am))
		goto out;
	for (size_t i = 0; i < la.n; i++)
		kept += am[i] != (size_t)-1;
	d = (la.n - kept) + (lb.n - kept);
out:
	free(am);
	w_lines_free(&la);
	w_lines_free(&lb);
	return d;
}
