/* http_int.h: what http.c, http_upload.c and http_retry.c share.  Not for other modules. */
#ifndef CFS_HTTP_INT_H
#define CFS_HTTP_INT_H

#include "http.h"

#include <curl/curl.h>

/* Set e's body to a multipart/form-data of up's file, read from disk as
 * curl sends it (never whole in memory).  *mime is the caller's to free
 * (curl_mime_free) after e is cleaned up.  0 or -errno. */
int cfs_http_mime(CURL *e, const struct cfs_http_upload *up, curl_mime **mime);

/* http_retry.c: a curl result as -errno; whether an attempt that ended with
 * err (or else HTTP status) is tried again; the short text of a retried
 * status for logs. */
int cfs_http_curl_errno(CURLcode c);
int cfs_http_retryable(int err, long status);
const char *cfs_http_status_text(long status);

#endif
