/* write: a saved Markdown file -> the storage body to publish, keeping every
 * block the user did not touch byte for byte.  Pure: no I/O, no threads of
 * its own (docs/write-back.md). */
#ifndef CFS_WRITE_H
#define CFS_WRITE_H

#include <stddef.h>

#include "convert.h"

/*
 * A page's storage body split into its top-level blocks, each with the exact
 * Markdown the converter renders for it, so that the concatenation of the
 * blocks' Markdown is byte for byte the Markdown the mount serves for that
 * body and ctx.  Immutable once built; any thread.
 */
struct cfs_blockmap;

/*
 * Build the block map of len bytes of storage at storage, converted with ctx
 * (the same ctx the mount renders the page with).  0 and *out, or -EINVAL
 * and *why (malloc'd, one line) when the page cannot be mapped safely (then
 * it must not be written), -ENOMEM.
 */
int cfs_blockmap_build(const char *storage, size_t len, const struct cfs_convert_ctx *ctx,
                       struct cfs_blockmap **out, char **why);
void cfs_blockmap_free(struct cfs_blockmap *bm);
/* The whole Markdown (what the mount serves); borrowed. */
const char *cfs_blockmap_markdown(const struct cfs_blockmap *bm, size_t *len);
size_t cfs_blockmap_count(const struct cfs_blockmap *bm);
/* Block i (< count): its storage bytes and its Markdown (whole lines, the
 * blank line before it included), both borrowed; joined in order they give
 * the storage and the Markdown after the front matter. */
const char *cfs_blockmap_block_storage(const struct cfs_blockmap *bm, size_t i, size_t *len);
const char *cfs_blockmap_block_markdown(const struct cfs_blockmap *bm, size_t i, size_t *len);

/*
 * Markdown -> storage for blocks the user changed or added.  Links and
 * images are resolved back to pages and attachments through these callbacks
 * (may be NULL: then a relative link that would need one is refused).  Each
 * returns 0 and malloc'd strings, or -ENOENT.
 *
 * page: a link target relative to the page's directory ("../Ops/Runbooks.md")
 *   -> the space key (NULL: this space) and the title of the page.
 * attachment: an image or link target ("Runbooks/_attachments/a.png") -> the
 *   title of the page holding it (NULL: this page) and the file name.
 */
struct cfs_write_ctx {
	const struct cfs_convert_ctx *convert; /* how the base was rendered */
	int (*page)(void *arg, const char *rel_path, char **space_key, char **title);
	int (*attachment)(void *arg, const char *rel_path, char **page_title, char **filename);
	void *arg;
};

/*
 * The storage body to publish when md (md_len bytes, the whole saved file)
 * replaces the Markdown of base.  Blocks whose Markdown is unchanged keep
 * their storage bytes exactly; changed and new blocks are converted from
 * Markdown.  Returns
 *   0        *out (malloc'd, *out_len bytes) is the new body;
 *   1        nothing to publish: md differs from base only where the converter
 *            normalises (trailing blank lines / whitespace at the end), or
 *            the new body would be the base's bytes exactly (blank lines
 *            added between blocks);
 *   -EINVAL  a changed block cannot be expressed safely: *err (malloc'd) says
 *            "line N: why" with N the 1-based line in md;
 *   -ENOMEM.
 * Front matter at the start of md (when ctx->convert has CFS_CONVERT_FRONT_MATTER)
 * is not part of the body: see cfs_write_front_matter().
 */
int cfs_write_storage(const struct cfs_blockmap *base, const char *md, size_t md_len,
                      const struct cfs_write_ctx *wctx, char **out, size_t *out_len, char **err);

/*
 * Three-way merge: the user saved md over base, while the server moved on to
 * theirs.  When the user's changes and the server's touch different blocks of
 * base, *out is theirs with the user's changes applied (0).  When they touch
 * the same block (or insert at the same place): -EBUSY, *err names the first
 * such line of md, unless the server made the same change (same Markdown
 * there): then theirs stands.  -EINVAL / -ENOMEM as cfs_write_storage().
 * Returns 1 when the user's md changes nothing relative to base, or the
 * merge is theirs byte for byte (the server already has the user's changes).
 */
int cfs_write_merge(const struct cfs_blockmap *base, const char *md, size_t md_len,
                    const struct cfs_blockmap *theirs, const struct cfs_write_ctx *wctx, char **out,
                    size_t *out_len, char **err);

/*
 * How far apart two Markdown texts are: the lines (compared without their
 * '\n') that one has and the other lacks, after a line diff.  0 for equal
 * texts; (size_t)-1 when out of memory.  For the write path: which of two
 * rendered versions a saved file was edited from (the nearer one).
 */
size_t cfs_write_distance(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Front matter of a saved file: *body is the offset where the Markdown body
 * starts (0 when there is none).  title and labels (NULL-terminated array,
 * malloc'd; NULL when the key is absent) are what the user wants; keys the
 * write path does not change are ignored.  0, -EINVAL (*err: "line N: why"),
 * -ENOMEM.
 */
struct cfs_front_matter {
	char *title;
	char **labels;
	size_t body;
};
int cfs_write_front_matter(const char *md, size_t md_len, struct cfs_front_matter *fm, char **err);
void cfs_front_matter_free(struct cfs_front_matter *fm);

#endif
