/* http: asynchronous HTTP GETs over libcurl multi on the libuv loop, bounded and retried. */
#ifndef CFS_HTTP_H
#define CFS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct cfs_http;
struct cfs_http_req;

struct cfs_http_opts {
	int max_requests;    /* requests in flight, >= 1 */
	long timeout_s;      /* per attempt; also the longest wait between attempts */
	int retries;         /* extra attempts after the first */
	const char *user;    /* Basic auth user; NULL: Bearer token */
	const char *token;   /* NULL: no credentials */
	const char *ca_file; /* extra CA bundle; NULL: the system's */
	size_t max_body;     /* responses larger than this fail with -EFBIG */
	uint64_t calm_ms;    /* after a rate-limit warning, requests in flight go up one
	                        step per calm_ms without one (0: a second); see ratelimit.h */
};

/* Counters for the stats view and tests.  Loop thread writes; readers copy. */
struct cfs_http_stats {
	uint64_t requests; /* attempts started */
	uint64_t retries;
	uint64_t failures; /* requests that ended with err != 0 or status >= 400 */
	uint64_t bytes;    /* body bytes received */
	int in_flight, peak_in_flight, queued;
	int request_limit; /* requests in flight allowed now: max_requests, or less
	                      while the site signals it is near its rate limit */
};

enum cfs_http_prio { CFS_HTTP_USER, CFS_HTTP_BACKGROUND };

struct cfs_http_response {
	int err;     /* 0 when an HTTP answer arrived; else -ETIMEDOUT, -ECONNREFUSED,
	                -EHOSTUNREACH, -EIO, -EFBIG, -ECANCELED */
	long status; /* HTTP status when err == 0 */
	char *body;  /* NUL-terminated, or NULL when empty; the callback may take it
	                (set it to NULL and free it later) */
	size_t len;
	const char *detail; /* why err != 0, for messages; valid during the callback */
	int attempts;       /* attempts made (1 = no retry) */
};

/* Called once per request on the loop thread, also on cancellation. */
typedef void (*cfs_http_done_fn)(void *arg, struct cfs_http_response *resp);

/* Loop thread only.  opts strings are copied.  Returns 0 or -errno. */
int cfs_http_new(uv_loop_t *loop, const struct cfs_http_opts *opts, struct cfs_http **out);

/* Cancel everything (callbacks get -ECANCELED) and close all handles; the
 * memory is freed from the close callbacks, so let the loop run afterwards. */
void cfs_http_destroy(struct cfs_http *h);

/* Queue a GET of url (absolute).  It starts when a slot of max_requests is
 * free; USER requests go ahead of BACKGROUND ones.  429/5xx/timeouts/
 * connection errors are retried with exponential backoff and jitter (at least
 * Retry-After and Beta-Retry-After).  Responses near the site's rate limit
 * lower the requests in flight (ratelimit.h).  Loop thread only.  Returns the request (valid until
 * done is called), or NULL when out of memory or shutting down (done is not called). */
struct cfs_http_req *cfs_http_get(struct cfs_http *h, const char *url, enum cfs_http_prio prio,
                                  cfs_http_done_fn done, void *arg);

/* Like cfs_http_get, but method ("PUT", "POST", "DELETE"; a static string)
 * with len bytes of JSON body (copied; may be NULL).  Never retried after an
 * attempt that may have reached the server (a timeout, a reset, a 5xx): the
 * caller reads back what happened.  Only a 429 is retried. */
struct cfs_http_req *cfs_http_send(struct cfs_http *h, const char *method, const char *url,
                                   const char *body, size_t len, enum cfs_http_prio prio,
                                   cfs_http_done_fn done, void *arg);

/* Streaming data: called on the loop thread with each piece of the body as
 * it arrives (status is the final HTTP status: 200, or 206 for a range).
 * Return 0 when consumed, CFS_HTTP_PAUSE to be called again with the same
 * bytes after cfs_http_unpause(), or -errno to abort (done then gets err). */
#define CFS_HTTP_PAUSE 1
typedef int (*cfs_http_data_fn)(void *arg, long status, const char *buf, size_t len);

/* Like cfs_http_get, but the body goes to on_data instead of being kept
 * (resp->body is NULL; resp->len counts the bytes), from byte `from` on
 * (a Range request when from > 0; a server that ignores it answers 200 from
 * byte 0 — check the status).  No overall timeout: a transfer fails when
 * fewer than one byte per second arrives for timeout_s.  Not retried here:
 * the caller knows how far it got and resumes. */
struct cfs_http_req *cfs_http_stream(struct cfs_http *h, const char *url, enum cfs_http_prio prio,
                                     uint64_t from, cfs_http_data_fn on_data, cfs_http_done_fn done,
                                     void *arg);
/* Say what caused the request ("open Home/Runbooks.md"); its log span
 * ends with it.  Copied.  Loop thread. */
void cfs_http_tag(struct cfs_http_req *r, const char *tag);

/* Resume a request whose on_data returned CFS_HTTP_PAUSE.  Loop thread. */
void cfs_http_unpause(struct cfs_http_req *r);

/* Promote a queued request to USER priority (a user now waits on it). Loop thread. */
void cfs_http_promote(struct cfs_http_req *r);

/* Cancel: done is called with -ECANCELED before this returns. Loop thread. */
void cfs_http_cancel(struct cfs_http_req *r);

void cfs_http_get_stats(struct cfs_http *h, struct cfs_http_stats *out);

/* Delay before retry number attempt (1-based) in ms: exponential from base_ms,
 * capped at cap_ms, jitter in [0.5, 1.0] of the value from rnd (0..1), and at
 * least the Retry-After header (seconds or an HTTP date relative to now_s),
 * itself clamped to cap_ms.  Pure; exposed for tests. */
uint64_t cfs_http_backoff_ms(int attempt, const char *retry_after, int64_t now_s, double rnd,
                             uint64_t base_ms, uint64_t cap_ms);

#endif
