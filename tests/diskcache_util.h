/* diskcache_util: the helpers the disk cache tests share. */
#ifndef CFS_TEST_DISKCACHE_UTIL_H
#define CFS_TEST_DISKCACHE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diskcache.h"

#define KIB 1024u

/* The test's temp dir, made by setup() and removed by teardown(). */
extern char tmpdir[64];
void setup(void);
void teardown(void);
/* A path under the test's temp dir (static buffer per call site is enough). */
const char *sub(char *buf, size_t n, const char *rel);
/* The bytes an attachment has at off: never 0, so a hole can't pass for data. */
unsigned char pat(unsigned seed, uint64_t off);
int put_pat(struct cfs_diskcache_entry *e, unsigned seed, uint64_t off, size_t len);
/* Does buf hold the pattern of [off, off+len)?  Fails at the first wrong byte. */
void check_pat(const unsigned char *buf, unsigned seed, uint64_t off, size_t len);
/* Read [off, off+len) and check every byte against the pattern. */
void expect_pat(struct cfs_diskcache_entry *e, unsigned seed, uint64_t off, size_t len);
/* key's entry of size bytes is complete and holds pattern seed from 0. */
void expect_whole(struct cfs_diskcache *dc, const char *key, unsigned seed, uint64_t size);
void expect_eagain(struct cfs_diskcache_entry *e, uint64_t off, size_t len);
void expect_hole(struct cfs_diskcache_entry *e, uint64_t off, uint64_t len, uint64_t hoff,
                 uint64_t hlen);
int mode_of(const char *path);
bool exists_in(const char *dir, const char *name);
/* What the directory really holds on disk, the lock file aside. */
uint64_t du(const char *dir);
struct cfs_diskcache *open_ok(const char *dir, uint64_t cap);
struct cfs_diskcache_entry *get_ok(struct cfs_diskcache *dc, const char *key, uint64_t size);
double now(void);

#endif
