/* pagestore: a rendered page as one disk cache entry.
 *
 * Entry layout (little-endian): magic "CFSMDPG1", fp, link signature, number of link
 * keys, Markdown length (u64 each), CRC-32 of what follows the header (u32),
 * 4 zero bytes; then the link keys (u64 each) and the Markdown.  The entry's
 * LRU and its share of cache_size are the disk cache's, like an attachment's.
 */
#include "pagestore.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfs_pagestore_key(char *buf, size_t len, const char *id, int64_t version)
{
	int n = snprintf(buf, len, "md%s-v%lld", id, (long long)version);

	if (n < 0 || (size_t)n >= len || (size_t)n > CFS_DISKCACHE_KEY_MAX)
		return -EINVAL;
	for (const char *p = buf; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_' || *p == '.'))
			return -EINVAL;
	return 0;
}

static void le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int cfs_pagestore_write(struct cfs_diskcache *dc, const char *id, int64_t version, uint64_t fp,
                        uint64_t sig, const struct cfs_blob *md, const uint64_t *links,
                        size_t nlinks, uint64_t *size)
{
	char key[CFS_DISKCACHE_KEY_MAX + 1];
	size_t body = nlinks * 8 + md->len, total = CFS_PAGESTORE_HDR + body;
	unsigned char *buf;
	struct cfs_diskcache_entry *e;
	uint32_t crc;
	int ret = cfs_pagestore_key(key, sizeof(key), id, version);

	if (ret)
		return ret;
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, CFS_PAGESTORE_MAGIC, 8);
	le64(buf + 8, fp);
	le64(buf + 16, sig);
	le64(buf + 24, nlinks);
	le64(buf + 32, md->len);
	for (size_t i = 0; i < nlinks; i++)
		le64(buf + CFS_PAGESTORE_HDR + 8 * i, links[i]);
	memcpy(buf + CFS_PAGESTORE_HDR + 8 * nlinks, md->data, md->len);
	crc = cfs_state_crc32(0, buf + CFS_PAGESTORE_HDR, body);
	for (int i = 0; i < 4; i++)
		buf[40 + i] = (unsigned char)(crc >> (8 * i));
	memset(buf + 44, 0, 4);
	ret = cfs_diskcache_get(dc, key, total, &e);
	if (ret == 0) {
		cfs_diskcache_set_nosync(e); /* the CRC above finds a torn entry */
		if (!cfs_diskcache_complete(e))
			ret = cfs_diskcache_write(e, 0, buf, total);
		cfs_diskcache_put(e);
	}
	free(buf);
	if (ret == 0)
		*size = total;
	return ret;
}

int cfs_pagestore_read(struct cfs_diskcache *dc, const char *id, int64_t version, uint64_t size,
                       uint64_t fp, struct cfs_blob **md, struct cfs_tree_links *links,
                       uint64_t *sig)
{
	char key[CFS_DISKCACHE_KEY_MAX + 1];
	struct cfs_diskcache_entry *e;
	unsigned char *buf = NULL;
	uint64_t nlinks, mdlen;
	size_t n = 0;
	char *text;
	int ret = cfs_pagestore_key(key, sizeof(key), id, version);

	if (ret)
		return ret;
	if (size < CFS_PAGESTORE_HDR || size > (1ull << 31))
		return -EBADMSG;
	ret = cfs_diskcache_get(dc, key, size, &e);
	if (ret)
		return ret;
	buf = malloc((size_t)size);
	if (!buf) {
		cfs_diskcache_put(e);
		return -ENOMEM;
	}
	ret = cfs_diskcache_read(e, 0, (size_t)size, buf, &n);
	if (ret == -EAGAIN || ret == -ESTALE || (ret == 0 && n != size)) {
		ret = -ENOENT;
		goto drop;
	}
	if (ret)
		goto out;
	nlinks = rd64(buf + 24);
	mdlen = rd64(buf + 32);
	if (memcmp(buf, CFS_PAGESTORE_MAGIC, 8) != 0 || nlinks > size / 8 ||
	    CFS_PAGESTORE_HDR + nlinks * 8 + mdlen != size ||
	    cfs_state_crc32(0, buf + CFS_PAGESTORE_HDR, (size_t)(size - CFS_PAGESTORE_HDR)) !=
	        ((uint32_t)buf[40] | (uint32_t)buf[41] << 8 | (uint32_t)buf[42] << 16 |
	         (uint32_t)buf[43] << 24)) {
		ret = -EBADMSG;
		goto drop;
	}
	if (rd64(buf + 8) != fp) {
		ret = -ESTALE;
		goto drop;
	}
	*sig = rd64(buf + 16);
	text = malloc((size_t)mdlen + 1);
	links->v = malloc((size_t)(nlinks + 1) * sizeof(*links->v));
	if (!text || !links->v) {
		free(text);
		free(links->v);
		links->v = NULL;
		ret = -ENOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < nlinks; i++)
		links->v[i] = rd64(buf + CFS_PAGESTORE_HDR + 8 * i);
	links->n = (size_t)nlinks;
	links->cap = (size_t)nlinks + 1;
	memcpy(text, buf + CFS_PAGESTORE_HDR + 8 * nlinks, (size_t)mdlen);
	text[mdlen] = '\0';
	*md = cfs_blob_take(text, (size_t)mdlen);
	if (!*md) {
		free(links->v);
		links->v = NULL;
		ret = -ENOMEM;
	}
	goto out;
drop:
	cfs_diskcache_drop(e);
out:
	cfs_diskcache_put(e);
	free(buf);
	return ret;
}

void cfs_pagestore_forget(struct cfs_diskcache *dc, const char *id, int64_t version, uint64_t size)
{
	char key[CFS_DISKCACHE_KEY_MAX + 1];
	struct cfs_diskcache_entry *e;

	if (cfs_pagestore_key(key, sizeof(key), id, version) == 0 &&
	    cfs_diskcache_get(dc, key, size, &e) == 0) {
		cfs_diskcache_drop(e);
		cfs_diskcache_put(e);
	}
}

bool cfs_pagestore_has(struct cfs_diskcache *dc, const char *id, int64_t version, uint64_t size)
{
	char key[CFS_DISKCACHE_KEY_MAX + 1];

	return cfs_pagestore_key(key, sizeof(key), id, version) == 0 &&
	       cfs_diskcache_has(dc, key, size);
}
