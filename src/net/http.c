/* http: asynchronous HTTP GETs over libcurl multi on the libuv loop, bounded and retried.
 *
 * DESIGN.  The shape of curl's docs/examples/multi-uv.c: one uv_poll_t per
 * socket curl asks us to watch (CURLMOPT_SOCKETFUNCTION), one uv_timer_t for
 * curl's timeout (CURLMOPT_TIMERFUNCTION), and after every
 * curl_multi_socket_action() the finished transfers are drained with
 * curl_multi_info_read().  We never call libcurl from inside a libcurl
 * callback: the timer callback only (re)arms the uv timer.
 *
 * The semaphore.  At most max_requests easy handles are in the multi at once.
 * Requests wait in two FIFO queues, USER before BACKGROUND; a finished or
 * failed attempt frees its slot before its retry waits out its backoff on the
 * request's own timer, so a backing-off request never holds a slot.
 *
 * Ownership.  Everything here is loop-thread only.  A request is freed after
 * its done callback, from the close callback of its timer.
 */
#include "http.h"
#include "http_int.h"
#include "log.h"
#include "ratelimit.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum req_state { QUEUED, RUNNING, BACKOFF, FINISHED };

struct cfs_http_req {
	struct cfs_http *h;
	CURL *easy;
	char *url;
	enum cfs_http_prio prio;
	enum req_state state;
	uint64_t id;
	char tag[128]; /* what caused it, for the log span */
	uv_timer_t backoff;
	uint64_t start_ms;
	int attempts;
	char *body;
	size_t len, cap;
	struct cfs_ratelimit_signal sig; /* this attempt's rate-limit headers */
	unsigned rl_epoch;               /* cfs_ratelimit_epoch() when it started */
	char errbuf[CURL_ERROR_SIZE];
	cfs_http_done_fn done;
	cfs_http_data_fn on_data; /* streaming, or NULL */
	uint64_t from;            /* streaming: first byte wanted */
	int data_err;             /* on_data's -errno when it aborted */
	const char *method;       /* cfs_http_send(): "PUT", "POST", "DELETE"; NULL: GET */
	char *send;               /* its request body (JSON), or NULL */
	size_t send_len;
	struct curl_slist *headers;
	struct cfs_http_upload *up; /* cfs_http_upload(): a file streamed as multipart */
	curl_mime *mime;            /* its body, for the attempt running */
	void *arg;
	struct cfs_http_req *prev, *next; /* queue links while QUEUED */
};

struct queue {
	struct cfs_http_req *head, *tail;
};

struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	struct cfs_http *h;
};

struct cfs_http {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	struct cfs_http_opts opts;
	char *userpwd;
	struct queue q[2];                 /* waiting for a slot, indexed by enum cfs_http_prio */
	struct queue running, backing_off; /* every live request is in exactly one list */
	struct cfs_http_stats stats;
	struct cfs_ratelimit rl; /* requests in flight allowed now (<= max_requests) */
	uint64_t next_id;        /* request ids for the log */
	int closing;
};

static void queue_push(struct queue *q, struct cfs_http_req *r, int front)
{
	r->prev = r->next = NULL;
	if (!q->head) {
		q->head = q->tail = r;
	} else if (front) {
		r->next = q->head;
		q->head->prev = r;
		q->head = r;
	} else {
		r->prev = q->tail;
		q->tail->next = r;
		q->tail = r;
	}
}

static void queue_remove(struct queue *q, struct cfs_http_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		q->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		q->tail = r->prev;
	r->prev = r->next = NULL;
}

static void start_queued(struct cfs_http *h);
static void check_multi_info(struct cfs_http *h);

static void req_closed(uv_handle_t *handle)
{
	struct cfs_http_req *r = handle->data;

	free(r->body);
	free(r->url);
	free(r->send);
	curl_slist_free_all(r->headers);
	curl_mime_free(r->mime);
	cfs_http_upload_free(r->up);
	free(r);
}

/* Call done once and release the request. */
static void req_finish(struct cfs_http_req *r, int err, long status, const char *detail)
{
	struct cfs_http *h = r->h;
	struct cfs_http_response resp = {
	    .err = err,
	    .status = status,
	    .body = r->body,
	    .len = r->len,
	    .detail = detail,
	    .attempts = r->attempts,
	};

	r->state = FINISHED;
	if (err || status >= 400)
		h->stats.failures++;
	r->body = NULL;
	r->done(r->arg, &resp);
	free(resp.body);
	uv_close((uv_handle_t *)&r->backoff, req_closed);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct cfs_http_req *r = userp;
	size_t n = size * nmemb;

	if (r->on_data) {
		long status = 0;
		int ret;

		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		ret = r->on_data(r->arg, status, data, n);
		if (ret == CFS_HTTP_PAUSE)
			return CURL_WRITEFUNC_PAUSE;
		if (ret < 0) {
			r->data_err = ret;
			return 0;
		}
		r->len += n;
		return n;
	}
	if (r->len + n + 1 > r->h->opts.max_body)
		return 0; /* CURLE_WRITE_ERROR; reported as -EFBIG */
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 16384;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		p = realloc(r->body, cap);
		if (!p)
			return 0;
		r->body = p;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct cfs_http_req *r = userp;
	size_t n = size * nmemb;

	cfs_ratelimit_header(&r->sig, data, n);
	return n;
}

static int setup_easy(struct cfs_http_req *r)
{
	struct cfs_http *h = r->h;
	CURL *e = curl_easy_init();

	if (!e)
		return -ENOMEM;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (r->method) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
		if (r->send) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->send);
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->send_len);
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
		/* On a reused connection that dies before an answer, curl sends the
		 * request again by itself: a write must never be sent twice. */
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	}
	if (r->up) { /* http_upload.c */
		curl_mime_free(r->mime);
		r->mime = NULL;
		if (cfs_http_mime(e, r->up, &r->mime)) {
			curl_easy_cleanup(e);
			return -ENOMEM;
		}
	}
	if (r->on_data || r->up) {
		char range[32];

		/* A download may take long; it must only never stall. */
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, h->opts.timeout_s);
		if (r->from) {
			snprintf(range, sizeof(range), "%llu-", (unsigned long long)r->from);
			curl_easy_setopt(e, CURLOPT_RANGE, range);
		}
	} else {
		curl_easy_setopt(e, CURLOPT_TIMEOUT, h->opts.timeout_s);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, h->opts.timeout_s);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "confluencefs/" CFS_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Redirects are followed, but curl never sends our credentials to
	 * another host (CURLOPT_UNRESTRICTED_AUTH stays off). */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->opts.ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->opts.ca_file);
	if (h->opts.token) {
		if (h->opts.user) {
			curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
			curl_easy_setopt(e, CURLOPT_USERPWD, h->userpwd);
		} else {
			curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
			curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, h->opts.token);
		}
	}
	r->easy = e;
	return 0;
}

static void start_one(struct cfs_http_req *r)
{
	struct cfs_http *h = r->h;
	int ret;

	r->len = 0;
	if (r->body)
		r->body[0] = '\0';
	cfs_ratelimit_signal_init(&r->sig);
	r->rl_epoch = cfs_ratelimit_epoch(&h->rl);
	r->errbuf[0] = '\0';
	r->attempts++;
	ret = setup_easy(r);
	if (ret == 0 && curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		ret = -ENOMEM;
	}
	if (ret) {
		req_finish(r, ret, 0, "out of memory");
		return;
	}
	r->state = RUNNING;
	queue_push(&h->running, r, 0);
	r->start_ms = uv_now(h->loop);
	h->stats.requests++;
	h->stats.in_flight++;
	if (h->stats.in_flight > h->stats.peak_in_flight)
		h->stats.peak_in_flight = h->stats.in_flight;
}

static void start_queued(struct cfs_http *h)
{
	while (!h->closing && h->stats.in_flight < cfs_ratelimit_limit(&h->rl, uv_now(h->loop))) {
		struct queue *q =
		    h->q[CFS_HTTP_USER].head ? &h->q[CFS_HTTP_USER] : &h->q[CFS_HTTP_BACKGROUND];
		struct cfs_http_req *r = q->head;

		if (!r)
			break;
		queue_remove(q, r);
		h->stats.queued--;
		start_one(r);
	}
}

static void enqueue(struct cfs_http_req *r, int front)
{
	r->state = QUEUED;
	queue_push(&r->h->q[r->prio], r, front);
	r->h->stats.queued++;
	start_queued(r->h);
}

static void on_backoff_done(uv_timer_t *t)
{
	struct cfs_http_req *r = t->data;

	queue_remove(&r->h->backing_off, r);
	/* A retry goes ahead of requests that have not started yet. */
	enqueue(r, 1);
}

static const char *url_path(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? strchr(p + 3, '/') : NULL;
	return p ? p : url;
}

/* A transfer ended: free its slot, then retry or finish. */
static void transfer_done(struct cfs_http_req *r, CURLcode code)
{
	struct cfs_http *h = r->h;
	long status = 0;
	int err = 0;
	uint64_t now = uv_now(h->loop);

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	queue_remove(&h->running, r);
	h->stats.in_flight--;
	h->stats.bytes += r->len;
	if (code != CURLE_OK)
		err = r->data_err ? r->data_err : cfs_http_curl_errno(code);
	if (cfs_ratelimit_response(&h->rl, &r->sig, now, r->rl_epoch))
		cfs_warn("near the site's rate limit (%s%s): at most %d requests in flight until "
		         "it calms down",
		         r->sig.reason[0] ? "RateLimit-Reason: " : "on GET ",
		         r->sig.reason[0] ? r->sig.reason : url_path(r->url), h->rl.limit);
	cfs_debug("http #%llu %s %s -> %ld %s%s%zu B %llu ms (attempt %d)%s%s",
	          (unsigned long long)r->id, r->method ? r->method : "GET", url_path(r->url),
	          status, err ? r->errbuf : "", err ? " " : "", r->len,
	          (unsigned long long)(now - r->start_ms), r->attempts, r->tag[0] ? " for " : "",
	          r->tag);

	/* A write is never retried blindly: only a 429 (refused, not applied) is. */
	if (!r->on_data && (!r->method || (!err && status == 429)) &&
	    cfs_http_retryable(err, status) && r->attempts <= h->opts.retries && !h->closing) {
		/* One wait never exceeds a request's timeout (nor a minute), however
		 * long the server asks us to wait. */
		uint64_t cap = h->opts.timeout_s * 1000 < 60000 ? h->opts.timeout_s * 1000 : 60000;
		double rnd = (double)rand() / RAND_MAX;
		/* A Retry-After date is on the server's clock: now is its Date header
		 * (the wait then neither depends on our clock's skew nor shrinks by
		 * the time the answer took to reach us), else ours. */
		time_t server = r->sig.date[0] ? curl_getdate(r->sig.date, NULL) : (time_t)-1;
		int64_t now_s = server != (time_t)-1 ? (int64_t)server : (int64_t)time(NULL);
		uint64_t ms =
		    cfs_http_backoff_ms(r->attempts, r->sig.retry_after, now_s, rnd, 250, cap);
		uint64_t beta =
		    cfs_http_backoff_ms(r->attempts, r->sig.beta_retry, now_s, rnd, 250, cap);

		if (beta > ms) /* Beta-Retry-After is a minimum wait too */
			ms = beta;
		if (status == 429)
			cfs_warn(
			    "rate limited (HTTP 429, Retry-After: %s%s%s) on GET %s; retrying in "
			    "%llu ms",
			    r->sig.retry_after[0] ? r->sig.retry_after : "none",
			    r->sig.reason[0] ? ", RateLimit-Reason: " : "", r->sig.reason,
			    url_path(r->url), (unsigned long long)ms);
		else
			cfs_info("GET %s failed (%s); retry %d in %llu ms", url_path(r->url),
			         err ? (r->errbuf[0] ? r->errbuf : curl_easy_strerror(code))
			             : cfs_http_status_text(status),
			         r->attempts, (unsigned long long)ms);
		h->stats.retries++;
		r->state = BACKOFF;
		queue_push(&h->backing_off, r, 0);
		uv_timer_start(&r->backoff, on_backoff_done, ms, 0);
	} else {
		const char *detail =
		    err ? (r->errbuf[0] ? r->errbuf : curl_easy_strerror(code)) : NULL;
		if (err == -EFBIG)
			detail = "response too large";
		req_finish(r, err, err ? 0 : status, detail);
	}
	start_queued(h);
}

static void check_multi_info(struct cfs_http *h)
{
	CURLMsg *msg;
	int pending;

	while ((msg = curl_multi_info_read(h->multi, &pending))) {
		if (msg->msg == CURLMSG_DONE) {
			struct cfs_http_req *r;
			CURLcode code = msg->data.result;

			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			transfer_done(r, code);
		}
	}
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	struct sock_ctx *s = p->data;
	int flags = 0;
	int running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (!status && (events & UV_READABLE))
		flags |= CURL_CSELECT_IN;
	if (!status && (events & UV_WRITABLE))
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(s->h->multi, s->fd, flags, &running);
	check_multi_info(s->h);
}

static void on_timeout(uv_timer_t *t)
{
	struct cfs_http *h = t->data;
	int running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_multi_info(h);
}

/* CURLMOPT_TIMERFUNCTION: only arm the uv timer, never call libcurl here. */
static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct cfs_http *h = userp;

	if (timeout_ms < 0)
		uv_timer_stop(&h->timer);
	else
		uv_timer_start(&h->timer, on_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

static void sock_closed(uv_handle_t *handle)
{
	free(handle->data);
}

/* CURLMOPT_SOCKETFUNCTION: watch or forget a socket. */
static int curl_socket_cb(CURL *easy, curl_socket_t fd, int action, void *userp, void *socketp)
{
	struct cfs_http *h = userp;
	struct sock_ctx *s = socketp;
	int events = 0;

	switch (action) {
	case CURL_POLL_IN:
	case CURL_POLL_OUT:
	case CURL_POLL_INOUT:
		if (!s) {
			s = calloc(1, sizeof(*s));
			if (!s)
				return -1;
			s->fd = fd;
			s->h = h;
			if (uv_poll_init_socket(h->loop, &s->poll, fd)) {
				free(s);
				return -1;
			}
			s->poll.data = s;
			curl_multi_assign(h->multi, fd, s);
		}
		if (action != CURL_POLL_IN)
			events |= UV_WRITABLE;
		if (action != CURL_POLL_OUT)
			events |= UV_READABLE;
		uv_poll_start(&s->poll, events, on_poll);
		break;
	case CURL_POLL_REMOVE:
		if (s) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_closed);
			curl_multi_assign(h->multi, fd, NULL);
		}
		break;
	default:
		break;
	}
	return 0;
}

int cfs_http_new(uv_loop_t *loop, const struct cfs_http_opts *opts, struct cfs_http **out)
{
	struct cfs_http *h = calloc(1, sizeof(*h));
	int ret = -ENOMEM;

	if (!h)
		goto out;
	h->loop = loop;
	h->opts = *opts;
	h->opts.user = opts->user ? strdup(opts->user) : NULL;
	h->opts.token = opts->token ? strdup(opts->token) : NULL;
	h->opts.ca_file = opts->ca_file ? strdup(opts->ca_file) : NULL;
	if ((opts->user && !h->opts.user) || (opts->token && !h->opts.token) ||
	    (opts->ca_file && !h->opts.ca_file))
		goto err;
	if (h->opts.user && h->opts.token &&
	    asprintf(&h->userpwd, "%s:%s", h->opts.user, h->opts.token) < 0) {
		h->userpwd = NULL;
		goto err;
	}
	if (h->opts.max_requests < 1)
		h->opts.max_requests = 1;
	cfs_ratelimit_init(&h->rl, h->opts.max_requests, h->opts.calm_ms);
	h->multi = curl_multi_init();
	if (!h->multi)
		goto err;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)h->opts.max_requests);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->opts.max_requests);
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	*out = h;
	return 0;
err:
	if (h->userpwd) {
		explicit_bzero(h->userpwd, strlen(h->userpwd));
		free(h->userpwd);
	}
	free((char *)h->opts.user);
	free((char *)h->opts.token);
	free((char *)h->opts.ca_file);
	free(h);
out:
	return ret;
}

static void http_closed(uv_handle_t *handle)
{
	struct cfs_http *h = handle->data;

	if (h->userpwd) {
		explicit_bzero(h->userpwd, strlen(h->userpwd));
		free(h->userpwd);
	}
	if (h->opts.token)
		explicit_bzero((char *)h->opts.token, strlen(h->opts.token));
	free((char *)h->opts.user);
	free((char *)h->opts.token);
	free((char *)h->opts.ca_file);
	free(h);
}

void cfs_http_cancel(struct cfs_http_req *r)
{
	struct cfs_http *h = r->h;

	switch (r->state) {
	case QUEUED:
		queue_remove(&h->q[r->prio], r);
		h->stats.queued--;
		break;
	case RUNNING:
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		queue_remove(&h->running, r);
		h->stats.in_flight--;
		break;
	case BACKOFF:
		uv_timer_stop(&r->backoff);
		queue_remove(&h->backing_off, r);
		break;
	case FINISHED:
		return;
	}
	req_finish(r, -ECANCELED, 0, "cancelled");
	start_queued(h);
}

void cfs_http_destroy(struct cfs_http *h)
{
	struct queue *lists[] = {&h->q[0], &h->q[1], &h->running, &h->backing_off};

	h->closing = 1;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		while (lists[i]->head)
			cfs_http_cancel(lists[i]->head);
	curl_multi_cleanup(h->multi);
	uv_timer_stop(&h->timer);
	uv_close((uv_handle_t *)&h->timer, http_closed);
}

/* A new request, queued; NULL when out of memory or shutting down. */
static struct cfs_http_req *req_start_up(struct cfs_http *h, const char *url,
                                         enum cfs_http_prio prio, cfs_http_data_fn on_data,
                                         uint64_t from, cfs_http_done_fn done, void *arg,
                                         const char *method, char *send, size_t send_len,
                                         struct curl_slist *headers, struct cfs_http_upload *up)
{
	struct cfs_http_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->up = up;
	r->method = method;
	r->send = send;
	r->send_len = send_len;
	r->headers = headers;
	r->url = strdup(url);
	if (!r->url) {
		free(r);
		return NULL;
	}
	r->h = h;
	r->id = ++h->next_id;
	r->prio = prio;
	r->done = done;
	r->on_data = on_data;
	r->from = from;
	r->arg = arg;
	uv_timer_init(h->loop, &r->backoff);
	r->backoff.data = r;
	if (h->closing) {
		r->send = NULL; /* the caller's to free */
		r->headers = NULL;
		r->up = NULL;
		uv_close((uv_handle_t *)&r->backoff, req_closed);
		return NULL;
	}
	enqueue(r, 0);
	return r;
}

static struct cfs_http_req *req_start(struct cfs_http *h, const char *url, enum cfs_http_prio prio,
                                      cfs_http_data_fn on_data, uint64_t from,
                                      cfs_http_done_fn done, void *arg, const char *method,
                                      char *send, size_t send_len, struct curl_slist *headers)
{
	return req_start_up(h, url, prio, on_data, from, done, arg, method, send, send_len, headers,
	                    NULL);
}

struct cfs_http_req *cfs_http_get(struct cfs_http *h, const char *url, enum cfs_http_prio prio,
                                  cfs_http_done_fn done, void *arg)
{
	return req_start(h, url, prio, NULL, 0, done, arg, NULL, NULL, 0, NULL);
}

struct cfs_http_req *cfs_http_send(struct cfs_http *h, const char *method, const char *url,
                                   const char *body, size_t len, enum cfs_http_prio prio,
                                   cfs_http_done_fn done, void *arg)
{
	struct cfs_http_req *r;
	char *copy = body ? malloc(len + 1) : NULL;
	struct curl_slist *hd = NULL, *hd2;

	if (body && !copy)
		return NULL;
	if (copy) {
		memcpy(copy, body, len);
		copy[len] = '\0';
	}
	hd = curl_slist_append(NULL, "Content-Type: application/json");
	hd2 = hd ? curl_slist_append(hd, "Accept: application/json") : NULL;
	if (!hd2) {
		curl_slist_free_all(hd);
		free(copy);
		return NULL;
	}
	r = req_start(h, url, prio, NULL, 0, done, arg, method, copy, len, hd2);
	if (!r) {
		curl_slist_free_all(hd2);
		free(copy);
	}
	return r;
}

struct cfs_http_req *cfs_http_upload(struct cfs_http *h, const char *url,
                                     struct cfs_http_upload *up, enum cfs_http_prio prio,
                                     cfs_http_done_fn done, void *arg)
{
	struct curl_slist *hd = curl_slist_append(NULL, "Accept: application/json"), *hd2;
	struct cfs_http_req *r;

	hd2 = hd ? curl_slist_append(hd, "X-Atlassian-Token: no-check") : NULL;
	if (!hd2) {
		curl_slist_free_all(hd);
		cfs_http_upload_free(up);
		return NULL;
	}
	r = req_start_up(h, url, prio, NULL, 0, done, arg, "POST", NULL, 0, hd2, up);
	if (!r) {
		curl_slist_free_all(hd2);
		cfs_http_upload_free(up);
	}
	return r;
}

struct cfs_http_req *cfs_http_stream(struct cfs_http *h, const char *url, enum cfs_http_prio prio,
                                     uint64_t from, cfs_http_data_fn on_data, cfs_http_done_fn done,
                                     void *arg)
{
	return req_start(h, url, prio, on_data, from, done, arg, NULL, NULL, 0, NULL);
}

void cfs_http_tag(struct cfs_http_req *r, const char *tag)
{
	snprintf(r->tag, sizeof(r->tag), "%s", tag ? tag : "");
}

void cfs_http_unpause(struct cfs_http_req *r)
{
	if (r->state == RUNNING && r->easy)
		curl_easy_pause(r->easy, CURLPAUSE_CONT);
}

void cfs_http_promote(struct cfs_http_req *r)
{
	if (r->prio == CFS_HTTP_USER)
		return;
	if (r->state == QUEUED) {
		queue_remove(&r->h->q[r->prio], r);
		r->prio = CFS_HTTP_USER;
		queue_push(&r->h->q[r->prio], r, 0);
	} else {
		r->prio = CFS_HTTP_USER;
	}
}

void cfs_http_get_stats(struct cfs_http *h, struct cfs_http_stats *out)
{
	*out = h->stats;
	out->request_limit = cfs_ratelimit_limit(&h->rl, uv_now(h->loop));
}
