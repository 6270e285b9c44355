/* model_util: the helpers the model tests share. */
#ifndef CFS_TEST_MODEL_UTIL_H
#define CFS_TEST_MODEL_UTIL_H

#include <stddef.h>

#include "model.h"

/* A copy of s without its NUL, in an exact-size buffer, so that ASan sees any over-read. */
char *exact(const char *s, size_t len);
/* $CFS_FIXTURES/api/<rel>, read into an exact-size buffer (not NUL-terminated). */
char *slurp(const char *rel, size_t *len);
/* The which-th JSON body in a .http transcript, as an exact-size buffer. */
char *http_body(const char *rel, int which, size_t *len);
int pages_str(const char *s, struct cfs_page_list *l);
int page_str(const char *s, struct cfs_page *p);
int atts_str(const char *s, struct cfs_attachment_list *l);
int space_str(const char *s, struct cfs_space *sp);
int user_str(const char *s, struct cfs_user *u);
/* One page wrapped in a listing: parse and return it (the caller clears the list). */
struct cfs_page *one_page(const char *item, struct cfs_page_list *l);

#endif
