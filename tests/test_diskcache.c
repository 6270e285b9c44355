/* test_diskcache: unit tests for the on-disk attachment store (src/cache/diskcache.c). */
#include "diskcache.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KIB 1024u

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void setup(void)
{
	umask(022);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_diskcache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path under the test's temp dir (static buffer per call site is enough). */
static const char *sub(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", tmpdir, rel);
	return buf;
}

/* The bytes an attachment has at off: never 0, so a hole can't pass for data. */
static unsigned char pat(unsigned seed, uint64_t off)
{
	uint64_t x = (off + 1) * 0x9E3779B97F4A7C15ull ^ (seed + 1) * 0xBF58476D1CE4E5B9ull;
	return (unsigned char)((x >> 56) ^ (x >> 23)) | 1;
}

static int put_pat(struct cfs_diskcache_entry *e, unsigned seed, uint64_t off, size_t len)
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
static void check_pat(const unsigned char *buf, unsigned seed, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != pat(seed, off + i))
			ck_abort_msg("byte %llu is %u, want %u", (unsigned long long)(off + i),
			             buf[i], pat(seed, off + i));
	}
}

/* Read [off, off+len) and check every byte against the pattern. */
static void expect_pat(struct cfs_diskcache_entry *e, unsigned seed, uint64_t off, size_t len)
{
	unsigned char *buf = malloc(len ? len : 1);
	size_t n = 99;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(cfs_diskcache_read(e, off, len, buf, &n), 0);
	ck_assert_uint_eq(n, len);
	check_pat(buf, seed, off, len);
	free(buf);
}

static void expect_eagain(struct cfs_diskcache_entry *e, uint64_t off, size_t len)
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

static void expect_hole(struct cfs_diskcache_entry *e, uint64_t off, uint64_t len, uint64_t hoff,
                        uint64_t hlen)
{
	uint64_t ho = 12345, hl = 12345;

	ck_assert_int_eq(cfs_diskcache_missing(e, off, len, &ho, &hl), 0);
	ck_assert_uint_eq(hl, hlen);
	if (hlen)
		ck_assert_uint_eq(ho, hoff);
}

static int mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return (int)(st.st_mode & 07777);
}

static bool exists_in(const char *dir, const char *name)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

/* What the directory really holds on disk, the lock file aside. */
static uint64_t du(const char *dir)
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

static struct cfs_diskcache *open_ok(const char *dir, uint64_t cap)
{
	struct cfs_diskcache *dc = NULL;

	ck_assert_int_eq(cfs_diskcache_open(dir, cap, &dc), 0);
	ck_assert_ptr_nonnull(dc);
	return dc;
}

static struct cfs_diskcache_entry *get_ok(struct cfs_diskcache *dc, const char *key, uint64_t size)
{
	struct cfs_diskcache_entry *e = NULL;

	ck_assert_int_eq(cfs_diskcache_get(dc, key, size, &e), 0);
	ck_assert_ptr_nonnull(e);
	return e;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- directory and files --- */

START_TEST(test_dir_and_files_private)
{
	char dir[256], p[256];
	struct cfs_diskcache *dc;
	struct cfs_diskcache_entry *e;

	dc = open_ok(sub(dir, sizeof(dir), "a/b/cache"), 1 << 20);
	ck_assert_int_eq(mode_of(sub(p, sizeof(p), "a")), 0700);
	ck_assert_int_eq(mode_of(sub(p, sizeof(p), "a/b")), 0700);
	ck_assert_int_eq(mode_of(dir), 0700);
	e = get_ok(dc, "att1-v1", 100);
	ck_assert_int_eq(put_pat(e, 1, 0, 50), 0);
	cfs_diskcache_put(e); /* saves the sidecar */
	ck_assert_int_eq(mode_of(sub(p, sizeof(p), "a/b/cache/att1-v1.data")), 0600);
	ck_assert_int_eq(mode_of(sub(p, sizeof(p), "a/b/cache/att1-v1.map")), 0600);
	ck_assert_int_eq(mode_of(sub(p, sizeof(p), "a/b/cache/lock")), 0600);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_existing_dir_permissions)
{
	char dir[256];
	struct cfs_diskcache *dc = NULL;

	/* Ours, readable by others: tightened. */
	sub(dir, sizeof(dir), "readable");
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	dc = open_ok(dir, 1 << 20);
	ck_assert_int_eq(mode_of(dir), 0700);
	cfs_diskcache_close(dc);

	/* Writable by others: refused, left as it is. */
	sub(dir, sizeof(dir), "writable");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	dc = NULL;
	ck_assert_int_eq(cfs_diskcache_open(dir, 1 << 20, &dc), -EPERM);
	ck_assert_ptr_null(dc);
	ck_assert_int_eq(mode_of(dir), 0777);

	/* Someone else's: refused (needs root to set up). */
	if (geteuid() == 0) {
		sub(dir, sizeof(dir), "foreign");
		ck_assert_int_eq(mkdir(dir, 0700), 0);
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_int_eq(cfs_diskcache_open(dir, 1 << 20, &dc), -EPERM);
	}

	/* Not a directory. */
	sub(dir, sizeof(dir), "file");
	close(open(dir, O_CREAT | O_WRONLY, 0600));
	ck_assert_int_eq(cfs_diskcache_open(dir, 1 << 20, &dc), -ENOTDIR);
	ck_assert_int_eq(cfs_diskcache_open("", 1 << 20, &dc), -EINVAL);
}
END_TEST

START_TEST(test_one_cache_per_dir)
{
	char dir[256];
	struct cfs_diskcache *a, *b = NULL;

	a = open_ok(sub(dir, sizeof(dir), "c"), 1 << 20);
	ck_assert_int_eq(cfs_diskcache_open(dir, 1 << 20, &b), -EBUSY);
	ck_assert_ptr_null(b);
	cfs_diskcache_close(a);
	b = open_ok(dir, 1 << 20);
	cfs_diskcache_close(b);
}
END_TEST

START_TEST(test_bad_keys_rejected)
{
	static const char *bad[] = {"../x", "a/b", "",       ".",           "..",  "/etc",
	                            "a b",  "a\n", "x/../y", "caf\xc3\xa9", "a:b", NULL};
	char dir[256], longkey[CFS_DISKCACHE_KEY_MAX + 2];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 1 << 20);
	struct cfs_diskcache_entry *e = NULL;
	struct cfs_diskcache_stats st;

	for (int i = 0; bad[i]; i++)
		ck_assert_msg(cfs_diskcache_get(dc, bad[i], 10, &e) == -EINVAL, "key %s", bad[i]);
	ck_assert_int_eq(cfs_diskcache_get(dc, NULL, 10, &e), -EINVAL);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	ck_assert_int_eq(cfs_diskcache_get(dc, longkey, 10, &e), -EINVAL);
	ck_assert_ptr_null(e);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.entries, 0);

	/* The limits themselves are fine. */
	longkey[CFS_DISKCACHE_KEY_MAX] = '\0';
	e = get_ok(dc, longkey, 10);
	cfs_diskcache_put(e);
	e = get_ok(dc, "..x", 10);
	cfs_diskcache_put(e);
	e = get_ok(dc, "att123456-v3_A.Z", 10);
	cfs_diskcache_put(e);
	ck_assert_int_eq(cfs_diskcache_get(dc, "big", (uint64_t)INT64_MAX + 1, &e), -EFBIG);
	cfs_diskcache_close(dc);
}
END_TEST

/* --- reads and writes --- */

START_TEST(test_round_trip)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	uint64_t size = (1 << 20) + 333;
	struct cfs_diskcache_entry *e = get_ok(dc, "rt", size);

	ck_assert_uint_eq(cfs_diskcache_size(e), size);
	ck_assert(!cfs_diskcache_complete(e));
	for (uint64_t off = 0; off < size; off += 65536)
		ck_assert_int_eq(put_pat(e, 7, off, size - off < 65536 ? size - off : 65536), 0);
	ck_assert(cfs_diskcache_complete(e));
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), size);
	expect_pat(e, 7, 0, (size_t)size);
	expect_pat(e, 7, 12345, 100000);
	expect_pat(e, 7, size - 1, 1);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_holes_are_eagain_never_zeros)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 1 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "holes", 100);
	struct cfs_diskcache_stats st;
	unsigned char buf[64];
	size_t n;

	ck_assert_int_eq(put_pat(e, 3, 0, 10), 0);
	ck_assert_int_eq(put_pat(e, 3, 20, 10), 0);
	expect_eagain(e, 0, 30);  /* spans the hole */
	expect_eagain(e, 10, 1);  /* inside it */
	expect_eagain(e, 9, 2);   /* one byte in, one out */
	expect_eagain(e, 50, 10); /* never written */
	expect_pat(e, 3, 5, 5);
	expect_pat(e, 3, 20, 10);

	/* At and after EOF: 0 bytes, not an error; across EOF: cut at EOF. */
	ck_assert_int_eq(cfs_diskcache_read(e, 100, 10, buf, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(cfs_diskcache_read(e, 1000, 10, buf, &n), 0);
	ck_assert_uint_eq(n, 0);
	expect_eagain(e, 95, 50);
	ck_assert_int_eq(put_pat(e, 3, 90, 10), 0);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(cfs_diskcache_read(e, 95, 50, buf, &n), 0);
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_uint_eq(buf[i], pat(3, 95 + i));

	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.misses, 5);
	ck_assert_uint_eq(st.hits, 3); /* reads that returned bytes: two whole, one cut at EOF */
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_write_bounds)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 1 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "b", 100);
	unsigned char buf[32] = {1};

	ck_assert_int_eq(cfs_diskcache_write(e, 90, buf, 20), -EINVAL);
	ck_assert_int_eq(cfs_diskcache_write(e, 101, buf, 0), -EINVAL);
	ck_assert_int_eq(cfs_diskcache_write(e, UINT64_MAX - 5, buf, 10), -EINVAL);
	ck_assert_int_eq(cfs_diskcache_write(e, 100, buf, 0), 0);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), 0);
	cfs_diskcache_put(e);

	/* An empty attachment is complete from the start. */
	e = get_ok(dc, "empty", 0);
	ck_assert(cfs_diskcache_complete(e));
	size_t n = 9;
	ck_assert_int_eq(cfs_diskcache_read(e, 0, 10, buf, &n), 0);
	ck_assert_uint_eq(n, 0);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_out_of_order_writes_merge)
{
	static const int order[] = {9, 3, 5, 1, 0, 7, 2, 8, 6, 4};
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 1 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "ooo", 1000);

	for (int i = 0; i < 10; i++) {
		ck_assert(!cfs_diskcache_complete(e));
		ck_assert_int_eq(put_pat(e, 5, (uint64_t)order[i] * 100, 100), 0);
		ck_assert_uint_eq(cfs_diskcache_present_bytes(e), (uint64_t)(i + 1) * 100);
	}
	ck_assert(cfs_diskcache_complete(e));
	expect_hole(e, 0, 1000, 0, 0);
	expect_pat(e, 5, 0, 1000);
	/* Overlapping rewrites don't count twice. */
	ck_assert_int_eq(put_pat(e, 5, 50, 500), 0);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), 1000);
	cfs_diskcache_put(e);

	/* Overlaps that bridge several ranges at once. */
	e = get_ok(dc, "bridge", 1000);
	ck_assert_int_eq(put_pat(e, 6, 100, 10), 0);
	ck_assert_int_eq(put_pat(e, 6, 200, 10), 0);
	ck_assert_int_eq(put_pat(e, 6, 300, 10), 0);
	ck_assert_int_eq(put_pat(e, 6, 105, 200), 0); /* [105, 305) */
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), 210);
	expect_pat(e, 6, 100, 210);
	expect_hole(e, 0, 1000, 0, 100);
	expect_hole(e, 100, 900, 310, 690);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_missing_query)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 1 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "m", 100);

	expect_hole(e, 0, 100, 0, 100);
	ck_assert_int_eq(put_pat(e, 1, 10, 10), 0);
	ck_assert_int_eq(put_pat(e, 1, 30, 10), 0);
	expect_hole(e, 0, 100, 0, 10);
	expect_hole(e, 10, 100, 20, 10);
	expect_hole(e, 15, 10, 20, 5);
	expect_hole(e, 12, 5, 0, 0);
	expect_hole(e, 35, 1000, 40, 60);
	expect_hole(e, 95, 100, 95, 5);
	expect_hole(e, 100, 10, 0, 0);
	expect_hole(e, 500, 10, 0, 0);
	expect_hole(e, 0, 0, 0, 0);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
}
END_TEST

/* --- persistence --- */

START_TEST(test_reopen_keeps_complete_and_partial)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	struct cfs_diskcache_entry *a = get_ok(dc, "full", 300000);
	struct cfs_diskcache_entry *b = get_ok(dc, "part", 200000);
	struct cfs_diskcache_stats st;

	ck_assert_int_eq(put_pat(a, 1, 0, 300000), 0);
	ck_assert_int_eq(put_pat(b, 2, 0, 1000), 0);
	ck_assert_int_eq(put_pat(b, 2, 5000, 1000), 0);
	ck_assert_int_eq(put_pat(b, 2, 100000, 50000), 0);
	cfs_diskcache_put(a);
	cfs_diskcache_put(b);
	cfs_diskcache_close(dc);

	dc = open_ok(dir, 64 << 20);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.entries, 2);
	ck_assert_uint_gt(st.bytes, 0);
	a = get_ok(dc, "full", 300000);
	b = get_ok(dc, "part", 200000);
	ck_assert(cfs_diskcache_complete(a));
	expect_pat(a, 1, 0, 300000);
	ck_assert(!cfs_diskcache_complete(b));
	ck_assert_uint_eq(cfs_diskcache_present_bytes(b), 52000);
	expect_hole(b, 0, 200000, 1000, 4000);
	expect_hole(b, 6000, 200000, 6000, 94000);
	expect_hole(b, 100000, 200000, 150000, 50000);
	expect_pat(b, 2, 0, 1000);
	expect_pat(b, 2, 5000, 1000);
	expect_pat(b, 2, 100000, 50000);
	expect_eagain(b, 999, 2);

	/* Resume the partial download where it stopped; it survives again. */
	ck_assert_int_eq(put_pat(b, 2, 1000, 4000), 0);
	ck_assert_int_eq(put_pat(b, 2, 6000, 94000), 0);
	ck_assert_int_eq(put_pat(b, 2, 150000, 50000), 0);
	ck_assert(cfs_diskcache_complete(b));
	cfs_diskcache_put(a);
	cfs_diskcache_put(b);
	cfs_diskcache_close(dc);

	dc = open_ok(dir, 64 << 20);
	b = get_ok(dc, "part", 200000);
	ck_assert(cfs_diskcache_complete(b));
	expect_pat(b, 2, 0, 200000);
	cfs_diskcache_put(b);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_completion_saved_while_pinned)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "k", 5000);
	char p[256];
	struct stat st;

	ck_assert_int_eq(put_pat(e, 1, 0, 4000), 0);
	ck_assert_int_ne(stat(sub(p, sizeof(p), "c/k.map"), &st), 0); /* not per write */
	ck_assert_int_eq(put_pat(e, 1, 4000, 1000), 0);
	ck_assert_int_eq(stat(p, &st), 0); /* the completing write saved it */
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_size_mismatch_discards)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "k", 100), *f;
	unsigned char buf[8];
	size_t n;

	ck_assert_int_eq(put_pat(e, 1, 0, 100), 0);
	cfs_diskcache_put(e);
	e = get_ok(dc, "k", 200);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), 0);
	expect_eagain(e, 0, 10);
	ck_assert_int_eq(put_pat(e, 2, 0, 50), 0);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);

	/* Across a remount too. */
	dc = open_ok(dir, 64 << 20);
	e = get_ok(dc, "k", 100);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), 0);
	expect_eagain(e, 0, 10);
	ck_assert_int_eq(put_pat(e, 3, 0, 100), 0);

	/* While another holder has it: the holder gets -ESTALE, never old bytes. */
	f = get_ok(dc, "k", 300);
	ck_assert_int_eq(cfs_diskcache_read(e, 0, 8, buf, &n), -ESTALE);
	ck_assert_int_eq(put_pat(e, 3, 0, 8), -ESTALE);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(f), 0);
	ck_assert_int_eq(put_pat(f, 4, 0, 300), 0);
	cfs_diskcache_put(e);
	expect_pat(f, 4, 0, 300);
	cfs_diskcache_put(f);
	cfs_diskcache_close(dc);

	dc = open_ok(dir, 64 << 20);
	f = get_ok(dc, "k", 300);
	ck_assert(cfs_diskcache_complete(f));
	expect_pat(f, 4, 0, 300);
	cfs_diskcache_put(f);
	cfs_diskcache_close(dc);
}
END_TEST

/* Write a partial entry, close, damage its sidecar with fn, reopen: empty. */
static void corrupt_case(const char *dir, void (*fn)(const char *map, const char *data))
{
	char map[512], data[512];
	struct cfs_diskcache *dc = open_ok(dir, 64 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "k", 10000);

	ck_assert_int_eq(put_pat(e, 1, 0, 3000), 0);
	ck_assert_int_eq(put_pat(e, 1, 5000, 3000), 0);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
	snprintf(map, sizeof(map), "%s/k.map", dir);
	snprintf(data, sizeof(data), "%s/k.data", dir);
	fn(map, data);

	dc = open_ok(dir, 64 << 20);
	e = get_ok(dc, "k", 10000);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), 0);
	expect_eagain(e, 0, 10);
	expect_eagain(e, 5000, 10);
	expect_hole(e, 0, 10000, 0, 10000);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
}

static void flip_byte(const char *map, const char *data)
{
	int fd = open(map, O_RDWR);
	unsigned char c;

	(void)data;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, 30), 1);
	c ^= 0x40;
	ck_assert_int_eq(pwrite(fd, &c, 1, 30), 1);
	close(fd);
}

static void torn(const char *map, const char *data)
{
	(void)data;
	ck_assert_int_eq(truncate(map, 20), 0);
}

static void emptied(const char *map, const char *data)
{
	(void)data;
	ck_assert_int_eq(truncate(map, 0), 0);
}

static void garbage(const char *map, const char *data)
{
	FILE *f = fopen(map, "w");

	(void)data;
	for (int i = 0; i < 1000; i++)
		fputc(i * 7, f);
	fclose(f);
}

static void removed(const char *map, const char *data)
{
	(void)data;
	ck_assert_int_eq(unlink(map), 0);
}

static void data_resized(const char *map, const char *data)
{
	(void)map;
	ck_assert_int_eq(truncate(data, 20000), 0);
}

START_TEST(test_corrupt_sidecar_is_empty)
{
	void (*fns[])(const char *, const char *) = {flip_byte, torn,    emptied,
	                                             garbage,   removed, data_resized};
	char dir[256];

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "c%zu", i);
		corrupt_case(sub(dir, sizeof(dir), name), fns[i]);
	}
}
END_TEST

START_TEST(test_stray_files_cleaned)
{
	char dir[256], p[512];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);

	cfs_diskcache_close(dc);
	snprintf(p, sizeof(p), "%s/x.7.tmp", dir);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	snprintf(p, sizeof(p), "%s/orphan.map", dir);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	dc = open_ok(dir, 64 << 20);
	ck_assert(!exists_in(dir, "x.7.tmp"));
	ck_assert(!exists_in(dir, "orphan.map"));
	ck_assert(exists_in(dir, "notes.txt")); /* not ours: left alone */
	cfs_diskcache_close(dc);
}
END_TEST

/* --- bounds and eviction --- */

START_TEST(test_cap_respected_across_entries)
{
	char dir[256];
	uint64_t cap = 256 * KIB;
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), cap);
	struct cfs_diskcache_stats st;

	for (int i = 0; i < 16; i++) {
		char key[32];
		struct cfs_diskcache_entry *e;
		snprintf(key, sizeof(key), "e%d", i);
		e = get_ok(dc, key, 64 * KIB);
		for (uint64_t off = 0; off < 64 * KIB; off += 4 * KIB) {
			ck_assert_int_eq(put_pat(e, (unsigned)i, off, 4 * KIB), 0);
			cfs_diskcache_stats(dc, &st);
			ck_assert_uint_le(st.bytes, cap);
		}
		cfs_diskcache_put(e);
		cfs_diskcache_stats(dc, &st);
		ck_assert_uint_le(st.bytes, cap);
		ck_assert_uint_le(du(dir), cap);
	}
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_gt(st.evictions, 8);
	ck_assert_uint_le(st.entries, 4);
	ck_assert_uint_eq(st.bytes, du(dir));
	/* The newest survive, whole. */
	struct cfs_diskcache_entry *e = get_ok(dc, "e15", 64 * KIB);
	ck_assert(cfs_diskcache_complete(e));
	expect_pat(e, 15, 0, 64 * KIB);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);

	/* A smaller cap at the next mount evicts at open. */
	dc = open_ok(dir, 100 * KIB);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_le(st.bytes, 100 * KIB);
	ck_assert_uint_le(du(dir), 100 * KIB);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_pinned_never_evicted)
{
	char dir[256];
	uint64_t cap = 128 * KIB;
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), cap);
	struct cfs_diskcache_entry *big = get_ok(dc, "big", 400 * KIB);
	struct cfs_diskcache_entry *small = get_ok(dc, "small", 16 * KIB);
	struct cfs_diskcache_stats st;

	/* Larger than the cap on its own, yet usable while pinned. */
	ck_assert_int_eq(put_pat(big, 1, 0, 400 * KIB), 0);
	ck_assert_int_eq(put_pat(small, 2, 0, 16 * KIB), 0);
	for (int i = 0; i < 20; i++) {
		char key[32];
		struct cfs_diskcache_entry *e;
		snprintf(key, sizeof(key), "churn%d", i);
		e = get_ok(dc, key, 32 * KIB);
		ck_assert_int_eq(put_pat(e, 3, 0, 32 * KIB), 0);
		cfs_diskcache_put(e);
	}
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_gt(st.bytes, cap); /* over the cap while all that's left is pinned */
	ck_assert_uint_eq(st.pinned, 2);
	ck_assert_uint_eq(st.entries, 2);
	expect_pat(big, 1, 0, 400 * KIB);
	expect_pat(small, 2, 0, 16 * KIB);

	/* Once unpinned, the oversized entry goes first, and only it. */
	cfs_diskcache_put(big);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_le(st.bytes, cap);
	ck_assert_uint_eq(st.entries, 1);
	ck_assert(!exists_in(dir, "big.data"));
	ck_assert(exists_in(dir, "small.data"));
	cfs_diskcache_put(small);
	cfs_diskcache_close(dc);
}
END_TEST

/* Make dir/name look last written secs_ago seconds ago. */
static void set_mtime(const char *dir, const char *name, int secs_ago)
{
	char p[512];
	struct timespec ts[2];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= secs_ago;
	ts[1] = ts[0];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static uint64_t footprint(struct cfs_diskcache *dc, const char *key, unsigned seed)
{
	struct cfs_diskcache_entry *e = get_ok(dc, key, 64 * KIB);
	struct cfs_diskcache_stats a, b;

	cfs_diskcache_stats(dc, &a);
	ck_assert_int_eq(put_pat(e, seed, 0, 64 * KIB), 0);
	cfs_diskcache_put(e);
	cfs_diskcache_stats(dc, &b);
	return b.bytes - a.bytes;
}

START_TEST(test_lru_order)
{
	char dir[256];
	struct cfs_diskcache *dc;
	struct cfs_diskcache_entry *e;
	struct cfs_diskcache_stats st;
	uint64_t fp;

	/* Learn what one entry costs on this filesystem, then fit three. */
	dc = open_ok(sub(dir, sizeof(dir), "probe"), 64 << 20);
	fp = footprint(dc, "p", 0);
	cfs_diskcache_close(dc);

	dc = open_ok(sub(dir, sizeof(dir), "c"), 3 * fp + fp / 2);
	footprint(dc, "A", 1);
	footprint(dc, "B", 2);
	footprint(dc, "C", 3);
	e = get_ok(dc, "A", 64 * KIB); /* A is now the most recently used */
	cfs_diskcache_put(e);
	footprint(dc, "D", 4);
	ck_assert(exists_in(dir, "A.data"));
	ck_assert(!exists_in(dir, "B.data"));
	ck_assert(!exists_in(dir, "B.map"));
	ck_assert(exists_in(dir, "C.data"));
	ck_assert(exists_in(dir, "D.data"));
	footprint(dc, "E", 5);
	ck_assert(!exists_in(dir, "C.data"));
	ck_assert(exists_in(dir, "A.data"));
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.evictions, 2);
	ck_assert_uint_eq(st.entries, 3);
	cfs_diskcache_close(dc);

	/* After a remount the order is by last write (data file mtime). */
	set_mtime(dir, "A.data", 300);
	set_mtime(dir, "D.data", 200);
	set_mtime(dir, "E.data", 100);
	dc = open_ok(dir, 3 * fp + fp / 2);
	footprint(dc, "F", 6);
	ck_assert(!exists_in(dir, "A.data"));
	ck_assert(exists_in(dir, "D.data"));
	ck_assert(exists_in(dir, "E.data"));
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_drop)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "k", 10000), *again, *f;
	struct cfs_diskcache_stats st;
	uint64_t ho, hl;
	unsigned char buf[16];
	size_t n;

	ck_assert_int_eq(put_pat(e, 1, 0, 5000), 0);
	again = get_ok(dc, "k", 10000); /* a second holder of the same entry */
	ck_assert_ptr_eq(again, e);
	cfs_diskcache_drop(e);
	ck_assert_int_eq(cfs_diskcache_read(e, 0, 16, buf, &n), -ESTALE);
	ck_assert_int_eq(cfs_diskcache_read(again, 0, 16, buf, &n), -ESTALE);
	ck_assert_int_eq(put_pat(e, 1, 5000, 10), -ESTALE);
	ck_assert_int_eq(cfs_diskcache_missing(e, 0, 100, &ho, &hl), -ESTALE);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), 0);
	ck_assert(!cfs_diskcache_complete(e));
	ck_assert(!exists_in(dir, "k.data"));

	/* A new get starts empty, next to the dropped entry still pinned. */
	f = get_ok(dc, "k", 10000);
	ck_assert_ptr_ne(f, e);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(f), 0);
	ck_assert_int_eq(put_pat(f, 2, 0, 10000), 0);
	cfs_diskcache_put(e);
	cfs_diskcache_put(again);
	expect_pat(f, 2, 0, 10000);
	cfs_diskcache_put(f);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.entries, 1);
	ck_assert_uint_eq(st.pinned, 0);
	ck_assert_uint_eq(st.bytes, du(dir));
	cfs_diskcache_close(dc);

	/* The dropped entry's last put did not touch the new one's files. */
	dc = open_ok(dir, 64 << 20);
	f = get_ok(dc, "k", 10000);
	ck_assert(cfs_diskcache_complete(f));
	expect_pat(f, 2, 0, 10000);
	cfs_diskcache_drop(f);
	cfs_diskcache_put(f);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.bytes, 0);
	cfs_diskcache_close(dc);
}
END_TEST

START_TEST(test_many_small_intervals)
{
	enum { N = 10000 };
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "frag", 2 * N);
	double t0 = now();

	/* Every even byte, in a scrambled order (7919 is prime, coprime to N). */
	for (uint64_t i = 0; i < N; i++)
		ck_assert_int_eq(put_pat(e, 1, ((i * 7919) % N) * 2, 1), 0);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), N);
	expect_hole(e, 0, 2 * N, 1, 1);
	expect_hole(e, 2 * N - 2, 2, 2 * N - 1, 1);
	expect_eagain(e, 0, 2);
	expect_pat(e, 1, 4000, 1);
	cfs_diskcache_put(e); /* saves 10,000 ranges */
	cfs_diskcache_close(dc);

	dc = open_ok(dir, 64 << 20);
	e = get_ok(dc, "frag", 2 * N);
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), N);
	for (uint64_t i = N; i-- > 0;)
		ck_assert_int_eq(put_pat(e, 1, i * 2 + 1, 1), 0);
	ck_assert(cfs_diskcache_complete(e));
	expect_pat(e, 1, 0, 2 * N);
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
	ck_assert_msg(now() - t0 < 10.0, "took %.2fs", now() - t0);
}
END_TEST

START_TEST(test_range_limit)
{
	enum { M = CFS_DISKCACHE_MAX_RANGES, EXTRA = 100 };
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "lim", 2 * (M + EXTRA));

	for (uint64_t i = 0; i < M + EXTRA; i++)
		ck_assert_int_eq(put_pat(e, 1, i * 2, 1), 0);
	/* Past the limit the smallest (here: the oldest) ranges are forgotten. */
	ck_assert_uint_eq(cfs_diskcache_present_bytes(e), M);
	expect_eagain(e, 0, 1);
	expect_pat(e, 1, 2 * (M + EXTRA - 1), 1);
	/* Those bytes are fetched again; a stream from 0 closes every gap. */
	ck_assert_int_eq(put_pat(e, 1, 0, 2 * (M + EXTRA)), 0);
	ck_assert(cfs_diskcache_complete(e));
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
}
END_TEST

/* --- threads --- */

#define T_ENTRIES 4
#define T_SIZE    (768 * KIB + 77)
#define T_CHUNK   3001

struct tjob {
	struct cfs_diskcache *dc;
	int entry;
	int part, parts;
};

static void *writer(void *arg)
{
	struct tjob *j = arg;
	char key[32];
	struct cfs_diskcache_entry *e;
	uint64_t nchunks = (T_SIZE + T_CHUNK - 1) / T_CHUNK;

	snprintf(key, sizeof(key), "t%d", j->entry);
	ck_assert_int_eq(cfs_diskcache_get(j->dc, key, T_SIZE, &e), 0);
	/* This writer's chunks, back to front, so ranges stay disjoint for a while. */
	for (uint64_t c = nchunks; c-- > 0;) {
		uint64_t off = c * T_CHUNK;
		if ((int)(c % (uint64_t)j->parts) != j->part)
			continue;
		ck_assert_int_eq(put_pat(e, (unsigned)j->entry, off,
		                         T_SIZE - off < T_CHUNK ? T_SIZE - off : T_CHUNK),
		                 0);
	}
	cfs_diskcache_put(e);
	return NULL;
}

static void *reader(void *arg)
{
	struct tjob *j = arg;
	char key[32];
	struct cfs_diskcache_entry *e;
	unsigned char *buf = malloc(64 * KIB);
	unsigned seed = (unsigned)(j->entry * 31 + j->part);
	uint64_t got = 0;

	ck_assert_ptr_nonnull(buf);
	snprintf(key, sizeof(key), "t%d", j->entry);
	ck_assert_int_eq(cfs_diskcache_get(j->dc, key, T_SIZE, &e), 0);
	for (;;) {
		bool done = cfs_diskcache_complete(e);
		uint64_t off = (uint64_t)rand_r(&seed) % T_SIZE, ho, hl;
		size_t len = (size_t)rand_r(&seed) % (64 * KIB), n;
		int ret = cfs_diskcache_read(e, off, len, buf, &n);
		if (ret == 0) {
			check_pat(buf, (unsigned)j->entry, off, n);
			got += n;
		} else {
			ck_assert_int_eq(ret, -EAGAIN);
			ck_assert_int_eq(cfs_diskcache_missing(e, off, len, &ho, &hl), 0);
			ck_assert_uint_ge(ho, off);
		}
		ck_assert_uint_le(cfs_diskcache_present_bytes(e), T_SIZE);
		if (done)
			break;
	}
	cfs_diskcache_put(e);
	free(buf);
	(void)got;
	return NULL;
}

START_TEST(test_concurrent_writers_readers)
{
	enum { WRITERS = 2, READERS = 2 };
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	pthread_t th[T_ENTRIES * (WRITERS + READERS)];
	struct tjob jobs[T_ENTRIES * (WRITERS + READERS)];
	struct cfs_diskcache_stats st;
	int n = 0;

	for (int en = 0; en < T_ENTRIES; en++) {
		for (int r = 0; r < READERS; r++) {
			jobs[n] = (struct tjob){dc, en, r, READERS};
			ck_assert_int_eq(pthread_create(&th[n], NULL, reader, &jobs[n]), 0);
			n++;
		}
		for (int w = 0; w < WRITERS; w++) {
			jobs[n] = (struct tjob){dc, en, w, WRITERS};
			ck_assert_int_eq(pthread_create(&th[n], NULL, writer, &jobs[n]), 0);
			n++;
		}
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.entries, T_ENTRIES);
	ck_assert_uint_eq(st.pinned, 0);
	for (int en = 0; en < T_ENTRIES; en++) {
		char key[32];
		struct cfs_diskcache_entry *e;
		snprintf(key, sizeof(key), "t%d", en);
		e = get_ok(dc, key, T_SIZE);
		ck_assert(cfs_diskcache_complete(e));
		expect_pat(e, (unsigned)en, 0, T_SIZE);
		cfs_diskcache_put(e);
	}
	cfs_diskcache_close(dc);
}
END_TEST

#define CHURN_KEYS 12

struct churn {
	struct cfs_diskcache *dc;
	unsigned seed;
};

/* get / write / read / sometimes drop / put on a few keys under a small cap:
 * eviction, replacement and drop race with readers, and every byte read must
 * still be the right one. */
static void *churner(void *arg)
{
	struct churn *c = arg;
	unsigned char buf[8192];

	for (int it = 0; it < 600; it++) {
		unsigned k = (unsigned)rand_r(&c->seed) % CHURN_KEYS;
		uint64_t size = (rand_r(&c->seed) % 8 == 0 ? 48 : 32) * KIB;
		struct cfs_diskcache_entry *e;
		char key[32];
		uint64_t off;
		size_t n, len;
		int ret;

		snprintf(key, sizeof(key), "c%u", k);
		ck_assert_int_eq(cfs_diskcache_get(c->dc, key, size, &e), 0);
		off = (uint64_t)rand_r(&c->seed) % size;
		len = (size_t)rand_r(&c->seed) % sizeof(buf);
		if (len > size - off)
			len = (size_t)(size - off);
		ret = put_pat(e, k, off, len);
		ck_assert(ret == 0 || ret == -ESTALE);
		off = (uint64_t)rand_r(&c->seed) % size;
		ret = cfs_diskcache_read(e, off, sizeof(buf), buf, &n);
		if (ret == 0) {
			check_pat(buf, k, off, n);
		} else {
			ck_assert(ret == -EAGAIN || ret == -ESTALE);
		}
		if (rand_r(&c->seed) % 50 == 0)
			cfs_diskcache_drop(e);
		cfs_diskcache_put(e);
	}
	return NULL;
}

START_TEST(test_concurrent_churn_under_cap)
{
	enum { THREADS = 4 };
	char dir[256];
	uint64_t cap = 160 * KIB;
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), cap);
	pthread_t th[THREADS];
	struct churn c[THREADS];
	struct cfs_diskcache_stats st;

	for (int i = 0; i < THREADS; i++) {
		c[i] = (struct churn){dc, (unsigned)i * 7 + 1};
		ck_assert_int_eq(pthread_create(&th[i], NULL, churner, &c[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.pinned, 0);
	ck_assert_uint_le(st.bytes, cap);
	ck_assert_uint_gt(st.evictions, 0);
	ck_assert_uint_eq(st.bytes, du(dir));
	cfs_diskcache_close(dc);

	/* Whatever survived is still consistent after a remount. */
	dc = open_ok(dir, cap);
	for (unsigned k = 0; k < CHURN_KEYS; k++) {
		char key[32];
		struct cfs_diskcache_entry *e;
		uint64_t present, off = 0;
		snprintf(key, sizeof(key), "c%u", k);
		e = get_ok(dc, key, 32 * KIB);
		present = cfs_diskcache_present_bytes(e);
		while (off < 32 * KIB) {
			uint64_t ho, hl;
			ck_assert_int_eq(cfs_diskcache_missing(e, off, 32 * KIB, &ho, &hl), 0);
			if (hl == 0)
				ho = 32 * KIB;
			if (ho > off) {
				expect_pat(e, k, off, (size_t)(ho - off));
				present -= ho - off;
			}
			off = ho + hl;
		}
		ck_assert_uint_eq(present, 0);
		cfs_diskcache_put(e);
	}
	cfs_diskcache_close(dc);
}
END_TEST

static Suite *diskcache_suite(void)
{
	Suite *s = suite_create("diskcache");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_dir_and_files_private);
	tcase_add_test(tc, test_existing_dir_permissions);
	tcase_add_test(tc, test_one_cache_per_dir);
	tcase_add_test(tc, test_bad_keys_rejected);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_holes_are_eagain_never_zeros);
	tcase_add_test(tc, test_write_bounds);
	tcase_add_test(tc, test_out_of_order_writes_merge);
	tcase_add_test(tc, test_missing_query);
	tcase_add_test(tc, test_reopen_keeps_complete_and_partial);
	tcase_add_test(tc, test_completion_saved_while_pinned);
	tcase_add_test(tc, test_size_mismatch_discards);
	tcase_add_test(tc, test_corrupt_sidecar_is_empty);
	tcase_add_test(tc, test_stray_files_cleaned);
	tcase_add_test(tc, test_cap_respected_across_entries);
	tcase_add_test(tc, test_pinned_never_evicted);
	tcase_add_test(tc, test_lru_order);
	tcase_add_test(tc, test_drop);
	tcase_add_test(tc, test_many_small_intervals);
	tcase_add_test(tc, test_range_limit);
	tcase_add_test(tc, test_concurrent_writers_readers);
	tcase_add_test(tc, test_concurrent_churn_under_cap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(diskcache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
