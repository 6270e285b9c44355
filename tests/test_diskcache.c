/* test_diskcache: unit tests for the on-disk attachment store (src/cache/diskcache.c). */
#include "diskcache.h"
#include "diskcache_util.h"

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

/* cfs_diskcache_has: whole entries of that size only, and not once dropped. */
START_TEST(test_has)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "h1", 1000);

	ck_assert(!cfs_diskcache_has(dc, "h1", 1000)); /* nothing written yet */
	ck_assert_int_eq(put_pat(e, 3, 0, 500), 0);
	ck_assert(!cfs_diskcache_has(dc, "h1", 1000)); /* half */
	ck_assert_int_eq(put_pat(e, 3, 500, 500), 0);
	ck_assert(cfs_diskcache_has(dc, "h1", 1000));
	ck_assert(!cfs_diskcache_has(dc, "h1", 999));
	ck_assert(!cfs_diskcache_has(dc, "h2", 1000));
	ck_assert(!cfs_diskcache_has(dc, "../h1", 1000));
	cfs_diskcache_put(e);
	ck_assert(cfs_diskcache_has(dc, "h1", 1000)); /* unpinned, still there */
	cfs_diskcache_close(dc);
	dc = open_ok(dir, 64 << 20); /* and after a remount */
	ck_assert(cfs_diskcache_has(dc, "h1", 1000));
	e = get_ok(dc, "h1", 1000);
	cfs_diskcache_drop(e);
	ck_assert(!cfs_diskcache_has(dc, "h1", 1000));
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
	expect_whole(dc, "part", 2, 200000);
	cfs_diskcache_close(dc);
}
END_TEST

/* An entry whose content checks itself is saved without syncs: the same
 * files, the same bytes after a reopen. */
START_TEST(test_nosync_entry_survives_reopen)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 << 20);
	struct cfs_diskcache_entry *e = get_ok(dc, "mdpage-v1", 50000);

	cfs_diskcache_set_nosync(e);
	ck_assert_int_eq(put_pat(e, 7, 0, 50000), 0);
	ck_assert(cfs_diskcache_complete(e));
	cfs_diskcache_put(e);
	cfs_diskcache_close(dc);
	ck_assert(exists_in(dir, "mdpage-v1.map"));

	dc = open_ok(dir, 64 << 20);
	e = get_ok(dc, "mdpage-v1", 50000);
	ck_assert(cfs_diskcache_complete(e));
	expect_pat(e, 7, 0, 50000);
	cfs_diskcache_put(e);
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
	tcase_add_test(tc, test_has);
	tcase_add_test(tc, test_holes_are_eagain_never_zeros);
	tcase_add_test(tc, test_write_bounds);
	tcase_add_test(tc, test_out_of_order_writes_merge);
	tcase_add_test(tc, test_missing_query);
	tcase_add_test(tc, test_reopen_keeps_complete_and_partial);
	tcase_add_test(tc, test_completion_saved_while_pinned);
	tcase_add_test(tc, test_nosync_entry_survives_reopen);
	tcase_add_test(tc, test_size_mismatch_discards);
	tcase_add_test(tc, test_corrupt_sidecar_is_empty);
	tcase_add_test(tc, test_stray_files_cleaned);
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
