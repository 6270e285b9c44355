/* convert: Confluence storage format (XHTML) -> GitHub-flavored Markdown.  Pure: no I/O. */
#ifndef CFS_CONVERT_H
#define CFS_CONVERT_H

#include <stddef.h>

/*
 * How links leave the page.  Every callback may be NULL, and may return NULL
 * for "unknown"; a non-NULL result is malloc'd and freed by the converter.
 * Callbacks are called on the converting thread; they must be thread-safe if
 * conversions run in parallel.
 *
 * page_path: a page by title (space_key NULL = the current space) -> a path
 *   relative to the converted page's directory, e.g. "../Ops/Runbooks.md".
 * attachment_path: a file attached to a page (page_title NULL = the current
 *   page) -> relative path, e.g. "Runbooks/_attachments/topology.png".
 * user_name: an account id (Cloud) or user key (DC) -> display name.
 *
 * Paths are returned raw; the converter percent-encodes them for Markdown.
 * A target that resolves to NULL becomes an absolute URL under base_url
 * (e.g. base_url "/display/SPACE/Title"), never a relative path that does
 * not exist.
 */
struct cfs_convert_ctx {
	const char
	    *base_url; /* site web base, e.g. "https://acme.atlassian.net/wiki"; may be NULL */
	const char *space_key; /* space of the converted page; may be NULL */
	char *(*page_path)(void *arg, const char *space_key, const char *title);
	char *(*attachment_path)(void *arg, const char *space_key, const char *page_title,
	                         const char *filename);
	char *(*user_name)(void *arg, const char *account_id);
	void *arg;

	/* Added with the converter; all may be NULL / 0. */
	const char *title;    /* the converted page's title: front matter, links to itself */
	const char *page_id;  /* its id: absolute URLs of its attachments when unresolved */
	const char *jira_url; /* Jira base for the jira macro; NULL derives it from a Cloud
	                         base_url (".../wiki" -> "..."), else issue keys stay text */
	unsigned flags;       /* CFS_CONVERT_* */
	/* A blog post by title and posting day ("2024/09/02", may be NULL) ->
	 * relative path, like page_path. */
	char *(*blog_path)(void *arg, const char *space_key, const char *title,
	                   const char *posting_day);

	/*
	 * Macros the mount answers (children, pagetree, attachments, gallery);
	 * NULL: they stay a comment.  title names a page of space_key (NULL =
	 * the current space) or is NULL / "@self" (the converted page),
	 * "@parent", "@home" (the space's home page: its top level).  Each calls
	 * emit(emit_arg, level, name, path) per entry in order, path relative as
	 * page_path's (raw, not encoded), and returns 0, or -1 when the page is
	 * not on the mount.
	 *
	 * list_pages: the pages under that page, level 1 its children, down to
	 *   depth levels (0: all); sort "title", "creation", "modified" or NULL
	 *   (the tree's order), reversed when reverse.
	 * list_attachments: its files (level 1), by name.
	 */
	int (*list_pages)(void *arg, const char *space_key, const char *title, int depth,
	                  const char *sort, int reverse,
	                  void (*emit)(void *emit_arg, int level, const char *name,
	                               const char *path),
	                  void *emit_arg);
	int (*list_attachments)(void *arg, const char *space_key, const char *title,
	                        void (*emit)(void *emit_arg, int level, const char *name,
	                                     const char *path),
	                        void *emit_arg);
	/*
	 * recently-updated, contentbylabel: the pages of a space (space_key NULL:
	 * the current one) carrying every label of the comma-separated labels
	 * (NULL: any page), newest update first, at most max (level 1).  -1 when
	 * the mount cannot tell (labels not known, space not mounted).
	 */
	int (*list_recent)(void *arg, const char *space_key, const char *labels, int max,
	                   void (*emit)(void *emit_arg, int level, const char *name,
	                                const char *path),
	                   void *emit_arg);

	/*
	 * include, excerpt-include: the storage format of the page titled title
	 * in space_key (NULL = the current space), malloc'd with its length in
	 * *len, or NULL when it is not at hand (the macro then stays a comment).
	 * The converter converts it with this same ctx (links stay relative to
	 * the converted page) and inlines it between "<!-- include: Title -->"
	 * and "<!-- /include -->" (excerpt-include: only its first excerpt
	 * macro's body, hidden or not), at most CFS_CONVERT_INCLUDE_DEPTH
	 * levels deep; a page that includes itself (directly or not) is not
	 * inlined again.  No I/O here: the caller fetched the storage before.
	 */
	char *(*include_storage)(void *arg, const char *space_key, const char *title, size_t *len);
};

/* How deep includes nest (an include in an included page is level 2). */
#define CFS_CONVERT_INCLUDE_DEPTH 3

/*
 * The pages the include and excerpt-include macros of a storage body name,
 * in order: found(arg, space_key or NULL for the body's own space, title),
 * entities decoded.  A scan, not a parse (for the mount, which fetches them
 * before converting).  Returns how many were found.
 */
size_t cfs_convert_scan_includes(const char *body, size_t len,
                                 void (*found)(void *arg, const char *space_key, const char *title),
                                 void *arg);
/* The same for the pages that links with an anchor (ac:link ac:anchor=...
 * with an ri:page) point into: include_storage is asked for them too (at
 * most 16 per page), and that page is converted for its headings only, so
 * the fragment is the id its heading or anchor has there. */
size_t cfs_convert_scan_anchor_pages(const char *body, size_t len,
                                     void (*found)(void *arg, const char *space_key,
                                                   const char *title),
                                     void *arg);

/* Start the Markdown with YAML front matter (title, space, id) when any is known. */
#define CFS_CONVERT_FRONT_MATTER 0x1u

/*
 * Convert len bytes of storage format at in (need not be NUL-terminated) into
 * Markdown.  On success *out is a malloc'd NUL-terminated buffer the caller
 * frees, *out_len its length, and 0 is returned.  Malformed input gives
 * best-effort output, never an error; returns -ENOMEM on allocation failure
 * (then *out is NULL).  ctx may be NULL.  Thread-safe (libxml2 must have been
 * initialised once with xmlInitParser() before concurrent use).
 */
int cfs_convert(const char *in, size_t len, const struct cfs_convert_ctx *ctx, char **out,
                size_t *out_len);

#endif
