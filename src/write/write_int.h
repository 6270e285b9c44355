/* write_int: internals shared by the src/write/ files (not a public interface). */
#ifndef CFS_WRITE_INT_H
#define CFS_WRITE_INT_H

#include <stddef.h>

#include "write.h"

/* One top-level block: its storage bytes and its Markdown lines. */
struct wblock {
	size_t s_off, s_len; /* in bm->st */
	size_t l0, nl;       /* lines of the body, [l0, l0 + nl) */
};

/* A string cut into lines (each with its '\n', the last maybe without). */
struct wlines {
	const char **p;
	size_t *len;
	size_t n;
};

struct cfs_blockmap {
	char *st; /* the storage, copied */
	size_t slen;
	char *md; /* the whole Markdown, front matter included */
	size_t mlen;
	size_t body;         /* where the body starts in md */
	struct wlines lines; /* of the body */
	struct wblock *b;
	size_t n;
};

/* A growing buffer; errors are sticky (err = -ENOMEM). */
struct wbuf {
	char *p;
	size_t len, cap;
	int err;
};
void wb_add(struct wbuf *b, const char *s, size_t n);
void wb_adds(struct wbuf *b, const char *s);
/* XML text: & < > " escaped, UTF-8 as is. */
void wb_esc(struct wbuf *b, const char *s, size_t n);
char *w_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int w_lines(const char *s, size_t n, struct wlines *out);
void w_lines_free(struct wlines *l);

/*
 * Line diff (Myers): am[i] is the index in b of a's line i, or (size_t)-1
 * when it was deleted; matches increase.  Lines compare without their '\n'.
 * 0 or -ENOMEM.
 */
int w_diff(const struct wlines *a, const struct wlines *b, size_t *am);
/* The same, lines compared with their '\n' when exact (storage blocks). */
int w_diff_ex(const struct wlines *a, const struct wlines *b, size_t *am, int exact);

/*
 * n bytes of Markdown -> storage appended to out.  line0: the 1-based line
 * of md's first line in the saved file (for messages).  New tasks are
 * numbered after *task_id (the largest ac:task-id on the page), which grows.  0, -EINVAL (*err:
 * "line N: why"), -ENOMEM.
 */
int w_md2storage(const char *md, size_t n, size_t line0, const struct cfs_write_ctx *wctx,
                 long *task_id, struct wbuf *out, char **err);

/*
 * Does this storage hold something the Markdown cannot carry back (a macro
 * other than those w_md2storage writes, a layout, ...)?  Mentions come back
 * when users (the converter links them: it has a base URL).  1 and what (a
 * short name) or 0.
 */
int w_lossy(const char *st, size_t n, int users, char *what, size_t cap);

#endif
