/* names: Confluence titles -> file names that are valid, unique and stable. */
#ifndef CFS_NAMES_H
#define CFS_NAMES_H

#include <stddef.h>
#include <stdint.h>

/*
 * One sibling to be named.  The caller fills title and id; cfs_names_assign()
 * fills name (malloc'd; caller frees).
 *
 * For CFS_NAMES_PAGES the name is a stem: the page appears as "<stem>.md" and,
 * when it has children or attachments, as the directory "<stem>".  For
 * CFS_NAMES_FILES (attachments) the name is the whole file name.
 */
struct cfs_names_entry {
	const char *title; /* UTF-8, may be empty or contain anything */
	uint64_t id;       /* numeric Confluence id; decides collisions */
	char *name;        /* out */
};

enum cfs_names_kind {
	CFS_NAMES_PAGES, /* stems; "<stem>.md" <= 255 bytes; "_attachments", "_blog" reserved */
	CFS_NAMES_FILES, /* whole names <= 255 bytes */
};

/*
 * Name a set of siblings (docs/architecture.md states these rules for users):
 *  - '/' becomes U+2215; control characters (C0, DEL, C1) and each byte of
 *    invalid UTF-8 become '_'; an empty (or NULL) title becomes "_".  Nothing
 *    else changes: leading/trailing spaces, leading dots (hidden files) and
 *    all-dot titles such as "..." are kept as they are;
 *  - the entry (for pages including ".md") is at most 255 bytes, cut on a
 *    UTF-8 boundary before any suffix is added;
 *  - ".", ".." and (for pages) "_attachments" and "_blog" are reserved; a page's
 *    "<stem>" and "<stem>.md" must not equal any other sibling's names (so a
 *    page "Foo.md", directory "Foo.md", collides with page "Foo", file "Foo.md");
 *  - siblings are named in ascending (id, sanitized title, title) order, each
 *    taking the first free name of: the plain name, "<plain> [ID]",
 *    "<plain> [ID-2]", "<plain> [ID-3]", ...  So the lowest id of a colliding
 *    group keeps the plain name (unless a lower id already took it with a
 *    suffix), and a name depends only on siblings with lower (or equal) ids:
 *    a new page never renames an older one.  Equal ids (say 0 for ids
 *    that are not numeric) are ordered by title.  The plain part is cut
 *    further so that the whole entry stays within 255 bytes;
 *  - for CFS_NAMES_FILES a short extension (".png": a dot, 1..15 ASCII letters
 *    or digits, at least one letter) is kept when cutting, and the suffix goes
 *    before it: "a.png" -> "a [123].png".
 * The result depends only on the (title, id) set, not on input order.
 * O(n log n).  Every entries[i].name is overwritten, not freed.
 * Returns 0 or -ENOMEM (then no name is set).  Any thread.
 */
int cfs_names_assign(struct cfs_names_entry *entries, size_t n, enum cfs_names_kind kind);

#endif
