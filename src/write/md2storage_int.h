/* md2storage_int: shared by md2storage.c (inlines) and md2storage_block.c (blocks). */
#ifndef CFS_MD2STORAGE_INT_H
#define CFS_MD2STORAGE_INT_H

#include <cmark-gfm.h>

#include "write_int.h"

#define M2S_MAX_DEPTH 64

struct m2s {
	const struct cfs_write_ctx *w;
	struct wbuf *o;
	char *err;
	size_t line0;
	int depth;
	long *tasks; /* the last task id used on the page */
};

const char *m2s_type_of(cmark_node *n);
int m2s_is(cmark_node *n, const char *t);
/* -EINVAL with m->err = "line N: why" (the first one wins). */
int m2s_fail(struct m2s *m, cmark_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void m2s_add(struct m2s *m, const char *s);
void m2s_esc(struct m2s *m, const char *s);
void m2s_cdata(struct m2s *m, const char *s, size_t n);
/* The plain text of inline nodes from n up to stop (titles, link bodies). */
void m2s_plain(struct wbuf *b, cmark_node *n, cmark_node *stop);
int m2s_inlines(struct m2s *m, cmark_node *first, cmark_node *stop);
int m2s_blocks(struct m2s *m, cmark_node *first, cmark_node *stop, int tight);

#endif
