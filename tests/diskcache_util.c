/* diskcache_util: the helpers the disk cache tests share. */
#include "diskcache_util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void setup(void)
{
	umask(022);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_diskcache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

void teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path under the test's temp dir (static buffer per call site is enough). */
const char *sub(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", tmpdir, rel);
	return buf;
}

/* The bytes an attachment has at off: never 0, so a hole can't pass for data. */
unsigned char pat(unsigned seed, uint64_t off)
{
	uint64_t x = (off + 1) * 0x9E3779B97F4A7C15ull ^ (seed + 1) * 0xBF58476D1CE4E5B9ull;
	return (unsigned char)((x >> 56) ^ (x >> 23)) | 1;
}

int put_pat(struct cfs_diskcache_entry *e, unsigned seed, uint64_t off, size_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	int ret;

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(seed, off + i);
	ret = cfs_diskcache_write(e, off, buf, len);
	free(buf);
	return ret;
}

/* Does buf hold the pattern of [off, off+len)?  Fails at the first wrong byte. */
void check_pat(const unsigned char *buf, unsigned seed, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pat(seed, off + i))
			ck_abort_msg("byte %llu is %u, want %u", (unsigned long long)(off + i),
			             buf[i], pat(seed, off + i));
	}
}

/* Read [off, off+len) and check every byte against the pattern. */
void expect_pat(struct cfs_diskcache_entry *e, unsigned seed, uint64_t off, size_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	size_t n = 99;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(cfs_diskcache_read(e, off, len, buf, &n), 0);
	ck_assert_uint_eq(n, len);
	check_pat(buf, seed, off, len);
	free(buf);
}

void expect_whole(struct cfs_diskcache *dc, const char *key, unsigned seed, uint64_t size)
{
	struct cfs_diskcache_entry *e = get_ok(dc, key, size);

	ck_assert(cfs_diskcache_complete(e));
	expect_pat(e, seed, 0, (size_t)size);
	cfs_diskcache_put(e);
}

void expect_eagain(struct cfs_diskcache_entry *e, uint64_t off, size_t len)
{
	unsigned char buf[64];
	size_t n = 99;

	memset(buf, 0xaa, sizeof(buf));
	ck_assert_uint_le(len, sizeof(buf));
	ck_assert_int_eq(cfs_diskcache_read(e, off, len, buf, &n), -EAGAIN);
	ck_assert_uint_eq(n, 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0xaa);
}

void expect_hole(struct cfs_diskcache_entry *e, uint64_t off, uint64_t len, uint64_t hoff,
                 uint64_t hlen)
{
	uint64_t ho = 12345, hl = 12345;

	ck_assert_int_eq(cfs_diskcache_missing(e, off, len, &ho, &hl), 0);
	ck_assert_uint_eq(hl, hlen);
	if (hlen)
		ck_assert_uint_eq(ho, hoff);
}

int mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (int)(st.st_mode & 07777);
}

bool exists_in(const char *dir, const char *name)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

/* What the directory really holds on disk, the lock file aside. */
uint64_t du(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t sum = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (!strcmp(de->d_name, "lock"))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			sum += (uint64_t)st.st_blocks * 512;
	}
	closedir(d);
	return sum;
}

struct cfs_diskcache *open_ok(const char *dir, uint64_t cap)
{
	struct cfs_diskcache *dc = NULL;

	ck_assert_int_eq(cfs_diskcache_open(dir, cap, &dc), 0);
	ck_assert_ptr_nonnull(dc);
	return dc;
}

struct cfs_diskcache_entry *get_ok(struct cfs_diskcache *dc, const char *key, uint64_t size)
{
	struct cfs_diskcache_entry *e = NULL;

	ck_assert_int_eq(cfs_diskcache_get(dc, key, size, &e), 0);
	ck_assert_ptr_nonnull(e);
	return e;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
