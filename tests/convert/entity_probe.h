/* entity_probe: is every entity reference of a markup-free input decoded in the output? */
#ifndef CFS_ENTITY_PROBE_H
#define CFS_ENTITY_PROBE_H

#include <stddef.h>

/*
 * The input with every "<" followed by a space: no markup is left, only text,
 * entity references and malformed spots (a bare "&", "a < b", "&name" without
 * ";").  malloc'd, NUL-terminated, length in *olen.
 */
char *probe_unmark(const char *in, size_t len, size_t *olen);

/*
 * For a markup-free input: 0 when the decoded text of every well-formed
 * reference ("&eacute;", "&lt;", "&#233;", "&#xE9;"; blanks and controls
 * excepted) appears in out, in input order; else -1 and why says which one.
 */
int probe_entities(const char *in, size_t len, const char *out, char *why, size_t whylen);

#endif
