/* ratelimit: how many requests may be in flight, from the server's rate-limit signals.  Pure.
 *
 * Confluence Cloud warns before it refuses: X-RateLimit-NearLimit: true
 * (X-Beta-RateLimit-NearLimit while the points quota is in beta),
 * X-RateLimit-Remaining/-Limit, and Beta-Retry-After on a response that an
 * enforced limit would have refused.  The HTTP client feeds every response's
 * headers here and asks for the current limit before starting a request;
 * time is passed in, so the unit tests drive it without waiting.
 */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cfs_ratelimit_signal_init(struct cfs_ratelimit_signal *s)
{
	memset(s, 0, sizeof(*s));
	s->limit = s->remaining = -1;
}

/* The value of header name in line (trimmed, into buf), or 0 when it is another header. */
static int value_of(const char *line, size_t len, const char *name, char *buf, size_t cap)
{
	size_t nl = strlen(name), vl;
	const char *v;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	v = line + nl + 1;
	vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= cap)
		vl = cap - 1;
	memcpy(buf, v, vl);
	buf[vl] = '\0';
	return 1;
}

static int64_t number(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return *s && !*end && v >= 0 ? v : -1;
}

void cfs_ratelimit_header(struct cfs_ratelimit_signal *s, const char *line, size_t len)
{
	char v[64];

	if (value_of(line, len, "x-ratelimit-nearlimit", v, sizeof(v)) ||
	    value_of(line, len, "x-beta-ratelimit-nearlimit", v, sizeof(v)))
		s->near_limit |= strcasecmp(v, "true") == 0;
	else if (value_of(line, len, "x-ratelimit-limit", v, sizeof(v)))
		s->limit = number(v);
	else if (value_of(line, len, "x-ratelimit-remaining", v, sizeof(v)))
		s->remaining = number(v);
	else if (value_of(line, len, "retry-after", v, sizeof(v)))
		memcpy(s->retry_after, v, sizeof(s->retry_after));
	else if (value_of(line, len, "beta-retry-after", v, sizeof(v)))
		memcpy(s->beta_retry, v, sizeof(s->beta_retry));
	else if (value_of(line, len, "ratelimit-reason", v, sizeof(v)))
		memcpy(s->reason, v, sizeof(s->reason));
	else if (value_of(line, len, "date", v, sizeof(v)))
		memcpy(s->date, v, sizeof(s->date));
}

int cfs_ratelimit_near(const struct cfs_ratelimit_signal *s)
{
	return s->near_limit || s->beta_retry[0] ||
	       (s->limit > 0 && s->remaining >= 0 && s->remaining * 5 < s->limit);
}

void cfs_ratelimit_init(struct cfs_ratelimit *r, int max, uint64_t calm_ms)
{
	memset(r, 0, sizeof(*r));
	r->max = r->limit = max < 1 ? 1 : max;
	r->calm_ms = calm_ms ? calm_ms : 1000;
}

unsigned cfs_ratelimit_epoch(const struct cfs_ratelimit *r)
{
	return r->epoch;
}

int cfs_ratelimit_response(struct cfs_ratelimit *r, const struct cfs_ratelimit_signal *s,
                           uint64_t now_ms, unsigned epoch)
{
	int start;

	if (!cfs_ratelimit_near(s))
		return 0;
	r->last_step_ms = now_ms;
	if (epoch != r->epoch)
		return 0; /* sent before the last halving: the same burst */
	start = !r->episode;
	r->episode = 1;
	r->epoch++;
	r->limit = r->limit / 2 ? r->limit / 2 : 1;
	return start;
}

int cfs_ratelimit_limit(struct cfs_ratelimit *r, uint64_t now_ms)
{
	while (r->episode && now_ms - r->last_step_ms >= r->calm_ms) {
		r->last_step_ms += r->calm_ms;
		if (++r->limit >= r->max) {
			r->limit = r->max;
			r->episode = 0;
		}
	}
	return r->limit;
}
