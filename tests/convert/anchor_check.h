/* anchor_check: does every in-page "#fragment" of rendered Markdown reach a target? */
#ifndef CFS_ANCHOR_CHECK_H
#define CFS_ANCHOR_CHECK_H

#include <stddef.h>

/*
 * html is what cmark-gfm rendered.  The targets are the ids GitHub gives it:
 * each heading's text content through a github-slugger (written here, apart
 * from the converter's), "-1", "-2" for repeats, and every id/name attribute.
 * 0 when every href="#x" (percent-decoded) is one of them; else -1 and why.
 */
int anchor_check(const char *html, char *why, size_t whylen);

#endif
