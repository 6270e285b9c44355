/* write: the block map of a page (docs/write-back.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "convert_blocks.h"
#include "write_int.h"

void cfs_blockmap_free(struct cfs_blockmap *bm)
{
	if (!bm)
		return;
	free(bm->st);
	free(bm->md);
	free(bm->b);
	w_lines_free(&bm->lines);
	free(bm);
}

const char *cfs_blockmap_markdown(const struct cfs_blockmap *bm, size_t *len)
{
	*len = bm->mlen;
	return bm->md;
}

size_t cfs_blockmap_count(const struct cfs_blockmap *bm)
{
	return bm->n;
}

/* The line of the body holding Markdown offset off (a line start). */
static size_t line_at(const struct cfs_blockmap *bm, size_t off, size_t *hint)
{
	size_t i = *hint;

	while (i < bm->lines.n && (size_t)(bm->lines.p[i] - (bm->md + bm->body)) < off - bm->body)
		i++;
	*hint = i;
	return i;
}

/* The length of the blanks and XML comments at the start of [s, s + n) when any comment. */
static size_t comments(const char *s, size_t n)
{
	size_t i = 0, last = 0;

	for (;;) {
		const char *e;

		while (i < n && strchr(" \t\r\n", s[i]))
			i++;
		if (n - i < 4 || memcmp(s + i, "<!--", 4))
			break;
		e = memmem(s + i + 4, n - i - 4, "-->", 3);
		if (!e)
			break;
		i = last = (size_t)(e - s) + 3;
	}
	return last < n ? last : 0;
}

int cfs_blockmap_build(const char *storage, size_t len, const struct cfs_convert_ctx *ctx,
                       struct cfs_blockmap **out, char **why)
{
	struct cfs_convert_block *cb = NULL;
	struct cfs_blockmap *bm;
	size_t ncb = 0, sprev = 0, mprev, hint = 0;
	const char *reason = NULL;
	int ret;

	*out = NULL;
	*why = NULL;
	bm = calloc(1, sizeof(*bm));
	if (!bm)
		return -ENOMEM;
	ret = cfs_convert_blocks(storage, len, ctx, &bm->md, &bm->mlen, &bm->body, &cb, &ncb,
	                         &reason);
	if (ret == -EINVAL) {
		*why = strdup(reason ? reason : "the page cannot be mapped to blocks");
		free(bm);
		return *why ? -EINVAL : -ENOMEM;
	}
	if (ret) {
		free(bm);
		return ret;
	}
	bm->slen = len;
	bm->st = malloc(len + 1);
	bm->b = calloc(2 * ncb + 1, sizeof(*bm->b));
	if (!bm->st || !bm->b || w_lines(bm->md + bm->body, bm->mlen - bm->body, &bm->lines) < 0) {
		free(cb);
		cfs_blockmap_free(bm);
		return -ENOMEM;
	}
	if (len)
		memcpy(bm->st, storage, len);
	bm->st[len] = '\0';
	mprev = bm->body;
	for (size_t i = 0; i < ncb; i++) {
		struct wblock *w = &bm->b[bm->n];
		size_t l0 = line_at(bm, mprev, &hint), l1;

		l1 = line_at(bm, cb[i].md_end, &hint);
		if (cb[i].storage_end == sprev && l1 == l0)
			continue; /* nothing at all */
		/* XML comments in front of a block: a block of their own, with no Markdown */
		if (l1 > l0) {
			size_t c = comments(bm->st + sprev, cb[i].storage_end - sprev);

			if (c) {
				w->s_off = sprev;
				w->s_len = c;
				w->l0 = l0;
				bm->n++;
				w++;
				sprev += c;
			}
		}
		/* a block with no Markdown stays a block of its own: always kept */
		w->s_off = sprev;
		w->s_len = cb[i].storage_end - sprev;
		w->l0 = l0;
		w->nl = l1 - l0;
		bm->n++;
		sprev = cb[i].storage_end;
		mprev = cb[i].md_end;
	}
	free(cb);
	*out = bm;
	return 0;
}

const char *cfs_blockmap_block_storage(const struct cfs_blockmap *bm, size_t i, size_t *len)
{
	*len = bm->b[i].s_len;
	return bm->st + bm->b[i].s_off;
}

const char *cfs_blockmap_block_markdown(const struct cfs_blockmap *bm, size_t i, size_t *len)
{
	const struct wblock *b = &bm->b[i];
	const char *s = b->l0 < bm->lines.n ? bm->lines.p[b->l0] : bm->md + bm->mlen;

	*len = 0;
	for (size_t l = b->l0; l < b->l0 + b->nl; l++)
		*len += bm->lines.len[l];
	return s;
}
