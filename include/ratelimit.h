/* ratelimit: how many requests may be in flight, from the server's rate-limit signals.  Pure. */
#ifndef CFS_RATELIMIT_H
#define CFS_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* What one response said about the rate limit, gathered header by header. */
struct cfs_ratelimit_signal {
	int near_limit;       /* X-RateLimit-NearLimit / X-Beta-RateLimit-NearLimit: true */
	int64_t limit;        /* X-RateLimit-Limit, -1 when absent */
	int64_t remaining;    /* X-RateLimit-Remaining, -1 when absent */
	char retry_after[64]; /* Retry-After, "" when absent */
	char beta_retry[64];  /* Beta-Retry-After, "" when absent */
	char reason[64];      /* RateLimit-Reason, "" when absent */
	char date[64];        /* Date: the server's clock, which a Retry-After date is on */
};

/* Before the first header of a response. */
void cfs_ratelimit_signal_init(struct cfs_ratelimit_signal *s);
/* Feed one raw header line ("Name: value\r\n", len bytes); others are ignored. */
void cfs_ratelimit_header(struct cfs_ratelimit_signal *s, const char *line, size_t len);
/* Does the response ask us to slow down: NearLimit true, Remaining under
 * 20% of Limit, or a Beta-Retry-After (this request would have been
 * refused had the limit been enforced)? */
int cfs_ratelimit_near(const struct cfs_ratelimit_signal *s);

/*
 * The state: requests in flight are halved (down to 1) when a response is
 * near the limit — once per round trip: only a response to a request started
 * after the last halving halves again (the requests of one burst say the
 * same thing) — and raised one step per calm_ms without such a signal, back
 * to max.  An episode runs from the first halving to the return to max; it
 * is logged once, at its start.
 */
struct cfs_ratelimit {
	int max, limit;
	uint64_t calm_ms;
	uint64_t last_step_ms; /* the last near signal or step up */
	unsigned epoch;        /* halvings so far */
	int episode;           /* limit < max since the last halving */
};

void cfs_ratelimit_init(struct cfs_ratelimit *r, int max, uint64_t calm_ms);
/* The epoch a request starting now belongs to (keep it for the response). */
unsigned cfs_ratelimit_epoch(const struct cfs_ratelimit *r);
/* A response to a request started in epoch arrived at now_ms.  Returns 1
 * when it starts an episode (log it, with s->reason), else 0. */
int cfs_ratelimit_response(struct cfs_ratelimit *r, const struct cfs_ratelimit_signal *s,
                           uint64_t now_ms, unsigned epoch);
/* The requests that may be in flight at now_ms (raises the limit after calm). */
int cfs_ratelimit_limit(struct cfs_ratelimit *r, uint64_t now_ms);

#endif
