/* convert_blocks: cfs_convert() that also reports where each top-level block
 * came from, for the write-back block map (docs/write-back.md). */
#ifndef CFS_CONVERT_BLOCKS_H
#define CFS_CONVERT_BLOCKS_H

#include <stddef.h>

#include "convert.h"

/* A top-level block ends here: in the storage input and in the Markdown output. */
struct cfs_convert_block {
	size_t storage_end;
	size_t md_end;
};

/*
 * As cfs_convert(), and *blocks (malloc'd, *nblocks) lists the ends of the
 * top-level blocks in order; block i spans storage [end(i-1), end(i)) and
 * Markdown [md_end(i-1), md_end(i)), block 0 starting at 0 in the storage and
 * at *body (after the front matter) in the Markdown.  The last block ends at
 * len and *out_len.  -EINVAL with *why (static text) when the offsets cannot
 * be trusted (input or output needed repair, malformed XML, a boundary inside
 * a line); then nothing is returned.  -ENOMEM.
 */
int cfs_convert_blocks(const char *in, size_t len, const struct cfs_convert_ctx *ctx, char **out,
                       size_t *out_len, size_t *body, struct cfs_convert_block **blocks,
                       size_t *nblocks, const char **why);

#endif
