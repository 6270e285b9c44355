/* http_retry: what a failed attempt means — its errno, whether it is tried
 * again, and after how long (exponential backoff with jitter, at least what
 * Retry-After asks).  Pure functions; docs/faults.md. */
#include "http.h"
#include "http_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

static uint64_t jittered(uint64_t ms, double rnd)
{
	return ms / 2 + (uint64_t)((double)(ms / 2) * rnd);
}

uint64_t cfs_http_backoff_ms(int attempt, const char *retry_after, int64_t now_s, double rnd,
                             uint64_t base_ms, uint64_t cap_ms)
{
	uint64_t ms = base_ms;
	uint64_t floor_ms = 0;

	for (int i = 1; i < attempt && ms < cap_ms; i++)
		ms *= 2;
	if (ms > cap_ms)
		ms = cap_ms;
	ms = jittered(ms, rnd);
	if (retry_after && *retry_after) {
		char *end;
		unsigned long long secs;

		errno = 0;
		secs = strtoull(retry_after, &end, 10);
		if (end != retry_after && *end == '\0') {
			/* Absurd values (even 2^63-1) are clamped, not overflowed. */
			floor_ms = (errno == ERANGE || secs > cap_ms / 1000) ? cap_ms : secs * 1000;
		} else {
			time_t when = curl_getdate(retry_after, NULL);
			if (when != (time_t)-1 && when > now_s) {
				uint64_t d = (uint64_t)(when - now_s);
				floor_ms = d > cap_ms / 1000 ? cap_ms : d * 1000;
			}
		}
	}
	return ms > floor_ms ? ms : floor_ms;
}

int cfs_http_curl_errno(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
		return -EPROTO;
	default:
		return -EIO;
	}
}

int cfs_http_retryable(int err, long status)
{
	if (err)
		return err == -ETIMEDOUT || err == -ECONNREFUSED || err == -EIO;
	return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

const char *cfs_http_status_text(long status)
{
	switch (status) {
	case 500:
		return "HTTP 500";
	case 502:
		return "HTTP 502";
	case 503:
		return "HTTP 503";
	case 504:
		return "HTTP 504";
	default:
		return "HTTP error";
	}
}
