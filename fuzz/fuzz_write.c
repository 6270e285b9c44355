/*
 * fuzz_write: libFuzzer target — bytes "STORAGE\0MARKDOWN" into the write-back
 * library: the block map of STORAGE, MARKDOWN saved over it (cfs_write_storage),
 * merged against the map of the saved result, and its front matter: no crash,
 * leak or out-of-contract result; a written body converts again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "write.h"
#include "../tests/write/wtest.h"

static void check_err(int ret, char *err)
{
	if (ret == -EINVAL || ret == -EBUSY) {
		if (!err || strncmp(err, "line ", 5))
			abort();
	}
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *sep = memchr(in, '\0', size);
	size_t slen = sep ? (size_t)(sep - in) : size / 2, mlen = size - slen - (sep ? 1 : 0);
	const char *md = in + slen + (sep ? 1 : 0);
	struct cfs_blockmap *bm = NULL, *theirs = NULL;
	struct cfs_front_matter fm;
	char *why = NULL, *out = NULL, *out2 = NULL, *err = NULL, *back = NULL;
	size_t outl = 0, out2l = 0, bl = 0;
	int ret;

	ret = cfs_write_front_matter(md, mlen, &fm, &err);
	if (ret == 0 && fm.body > mlen)
		abort();
	cfs_front_matter_free(&fm);
	check_err(ret, err);
	err = NULL;
	if (cfs_blockmap_build(in, slen, &wt_convert_ctx, &bm, &why)) {
		free(why);
		return 0;
	}
	ret = cfs_write_storage(bm, md, mlen, &wt_write_ctx, &out, &outl, &err);
	if (ret != 0 && ret != 1 && ret != -EINVAL && ret != -ENOMEM)
		abort();
	check_err(ret, err);
	err = NULL;
	if (ret == 0) {
		if (strlen(out) != outl || cfs_convert(out, outl, NULL, &back, &bl) != 0)
			abort();
		free(back);
		if (cfs_blockmap_build(out, outl, &wt_convert_ctx, &theirs, &why) == 0) {
			ret = cfs_write_merge(bm, md, mlen, theirs, &wt_write_ctx, &out2, &out2l,
			                      &err);
			if (ret != 0 && ret != 1 && ret != -EBUSY && ret != -EINVAL &&
			    ret != -ENOMEM)
				abort();
			check_err(ret, err);
			free(out2);
			cfs_blockmap_free(theirs);
		} else {
			free(why);
		}
	}
	free(out);
	cfs_blockmap_free(bm);
	return 0;
}
