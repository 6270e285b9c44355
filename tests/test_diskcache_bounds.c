/* test_diskcache_bounds: the disk cache's bound, eviction order and threads
 * (src/cache/diskcache.c); test_diskcache.c holds files, reads and persistence. */
#include "diskcache.h"
#include "diskcache_util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

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

/* A full cache evicts an entry for each new one: that is no reason to fsync
 * the directory, but a key whose files were unlinked and is made again is. */
START_TEST(test_dir_fsync_only_for_a_key_made_again)
{
	char dir[256];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 64 * KIB);
	struct cfs_diskcache_stats st;
	struct cfs_diskcache_entry *e;
	uint64_t syncs;

	for (int i = 0; i < 400; i++) {
		char key[32];

		snprintf(key, sizeof(key), "k%d", i);
		e = get_ok(dc, key, 100);
		ck_assert_int_eq(put_pat(e, (unsigned)i, 0, 100), 0);
		cfs_diskcache_put(e);
	}
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_gt(st.evictions, 350);
	/* Every bit of the key set is a possible false hit: a few, not one per entry. */
	ck_assert_uint_lt(st.dir_syncs, 20);

	/* k0 was evicted long ago: made again, its old files' unlinks go to disk first. */
	syncs = st.dir_syncs;
	e = get_ok(dc, "k0", 100);
	cfs_diskcache_put(e);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.dir_syncs, syncs + 1);
	/* Dropped and made again at once, with another size: the same. */
	e = get_ok(dc, "k0", 100);
	cfs_diskcache_drop(e);
	cfs_diskcache_put(e);
	e = get_ok(dc, "k0", 200);
	cfs_diskcache_put(e);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.dir_syncs, syncs + 2);
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

/* The bound on entries (a 100,000-page mount keeps one entry per page): the
 * entry after the last one allowed evicts the least recently put; a lower
 * bound evicts at once, and a reopened cache keeps it.  With a bound of 1,000,
 * not CFS_DISKCACHE_MAX_ENTRIES: 262,145 entries took 36 s of file creation. */
START_TEST(test_entry_count_bound)
{
	char dir[256], key[32];
	struct cfs_diskcache *dc = open_ok(sub(dir, sizeof(dir), "c"), 1ull << 40);
	struct cfs_diskcache_entry *e;
	struct cfs_diskcache_stats st;
	unsigned n = 1000;

	cfs_diskcache_set_max_entries(dc, n);
	for (unsigned i = 0; i <= n; i++) {
		snprintf(key, sizeof(key), "k%u", i);
		e = get_ok(dc, key, 1);
		cfs_diskcache_set_nosync(e);
		ck_assert_int_eq(put_pat(e, i, 0, 1), 0);
		cfs_diskcache_put(e);
		if (i == n - 1) {
			cfs_diskcache_stats(dc, &st);
			ck_assert_uint_eq(st.entries, n);
			ck_assert_uint_eq(st.evictions, 0);
		}
	}
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.entries, n);
	ck_assert_uint_eq(st.evictions, 1);
	ck_assert(!exists_in(dir, "k0.data"));
	ck_assert(exists_in(dir, "k1.data"));
	/* A pinned entry does not count against the bound, nor is it evicted. */
	e = get_ok(dc, "k1", 1);
	cfs_diskcache_set_max_entries(dc, 10);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.entries, 11);
	ck_assert(cfs_diskcache_complete(e));
	expect_pat(e, 1, 0, 1);
	cfs_diskcache_put(e);
	ck_assert(exists_in(dir, "k1000.data"));
	ck_assert(exists_in(dir, "k1.data"));
	ck_assert(!exists_in(dir, "k991.data"));
	ck_assert(!exists_in(dir, "k2.data"));
	cfs_diskcache_close(dc);

	dc = open_ok(dir, 1ull << 40);
	cfs_diskcache_stats(dc, &st);
	ck_assert_uint_eq(st.entries, 10); /* k1's put evicted the oldest */
	expect_whole(dc, "k1000", 1000, 1);
	cfs_diskcache_close(dc);
}
END_TEST

static Suite *diskcache_suite(void)
{
	Suite *s = suite_create("diskcache-bounds");
	TCase *tc = tcase_create("bounds");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cap_respected_across_entries);
	tcase_add_test(tc, test_dir_fsync_only_for_a_key_made_again);
	tcase_add_test(tc, test_pinned_never_evicted);
	tcase_add_test(tc, test_lru_order);
	tcase_add_test(tc, test_drop);
	tcase_add_test(tc, test_many_small_intervals);
	tcase_add_test(tc, test_range_limit);
	tcase_add_test(tc, test_concurrent_writers_readers);
	tcase_add_test(tc, test_concurrent_churn_under_cap);
	tcase_add_test(tc, test_entry_count_bound);
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
