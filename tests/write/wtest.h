/* wtest: helpers for the write-back tests (tests/test_write*.c). */
#ifndef CFS_WTEST_H
#define CFS_WTEST_H

#include <stddef.h>

#include "write.h"

/* A mount where pages are "Title.md" (other spaces "../KEY/Title.md") and
 * attachments "_attachments/NAME" ("Title/_attachments/NAME" of another page). */
extern const struct cfs_convert_ctx wt_convert_ctx;
extern const struct cfs_write_ctx wt_write_ctx;

char *wt_read(const char *path, size_t *len);
/* The storage fixtures (tests/fixtures/storage, the fake's spaces demo/ and macros/,
 * /work/shared/fixtures/storage; each file name once):
 * a NULL-terminated list of malloc'd paths. */
char **wt_fixtures(void);
void wt_free_list(char **l);

/* md -> storage through cfs_write_storage over an empty page: the result
 * (malloc'd), or NULL and *err. */
char *wt_md2st(const char *md, char **err);
/* storage -> Markdown with wt_convert_ctx (malloc'd). */
char *wt_st2md(const char *st);
/* How often needle occurs in hay. */
size_t wt_count(const char *hay, const char *needle);

#endif
