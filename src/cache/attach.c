/* attach: attachment downloads — stream into the disk cache, answer reads as their bytes land.
 *
 * DESIGN.  Loop thread only, except the work functions, which run on the uv
 * thread pool (every disk cache call that may touch the disk happens there).
 *
 * An attachment that is open has one struct att on its node's loop slot.  It
 * owns a pin of the disk cache entry, the reads waiting for bytes, and up to
 * MAX_DLS downloads.  A download (struct dl) is a streaming GET of the
 * attachment from some offset to the end: libcurl hands us bytes on the loop
 * thread, we gather them into a buffer and write the buffer out on the
 * thread pool, pausing the transfer while a full buffer waits for its write.
 * When a write lands, every waiting read whose range is now present is
 * answered (on the thread pool, where the reader's callback reads the cache).
 *
 * A read just ahead of a running download (within AHEAD bytes) waits for
 * it; a read elsewhere starts a Range download at the first missing byte of
 * its range.  A download that fails or ends short is restarted from the
 * first missing byte, up to `retries` times in a row; then the waiting reads
 * fail with EIO.  Bytes are only recorded as present once written whole, so
 * a failure never turns into a short or zero-filled file.
 */
#include "attach.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DLS  4
#define AHEAD    (4u << 20) /* a read this far past a stream's position waits for it */
#define FLUSH_AT (256u << 10)
#define BUF_MAX  (1u << 20)

struct waiter {
	uint64_t off, len;
	cfs_attach_ready_fn ready;
	void *arg;
	struct waiter *next;
};

struct att;

struct dl {
	struct att *att;
	struct cfs_http_req *req;
	uint64_t start, pos; /* pos: offset of buf[0] */
	char *buf;           /* bytes received, not yet handed to a write */
	size_t len;
	int writing; /* a write of wbuf is on the thread pool */
	char *wbuf;
	size_t wlen;
	uint64_t woff;
	int werr;
	int paused, finished, err;
	enum cfs_http_prio prio;
	long status;
	uv_work_t work;
	struct dl *next;
};

struct att {
	struct cfs_attach *a;
	struct cfs_node *node;
	struct cfs_diskcache_entry *e;
	char *url;
	uint64_t size;
	int opens;
	int failures; /* downloads failed in a row */
	int last_err;
	struct waiter *waiters;
	struct dl *dls;
	int ndls;
	uv_timer_t retry; /* restart after a failure */
	int retry_armed;
	int works;       /* work items in flight that point here */
	int prefetching; /* a background fetch keeps it alive while closed */
	int dying;
	struct att *prev, *next; /* in cfs_attach's list of open attachments */
};

struct cfs_attach {
	uv_loop_t *loop;
	struct cfs_http *http;
	struct cfs_cf *cf;
	struct cfs_diskcache *dc;
	struct cfs_tree *tree;
	int retries;
	int closing;
	int works;        /* work items in flight */
	struct att *open; /* attachments with a state */
	int live;         /* struct att not freed yet (retired ones included) */
};

/* ---- thread-pool work: answers and pin releases ---- */

struct answer {
	uv_work_t work;
	struct cfs_attach *a;
	cfs_attach_ready_fn ready;
	void *arg;
	int err;
	struct cfs_diskcache_entry *put; /* or a pin to release */
};

static void answer_work(uv_work_t *w)
{
	struct answer *x = w->data;

	if (x->ready)
		x->ready(x->arg, x->err);
	if (x->put)
		cfs_diskcache_put(x->put);
}

static void maybe_free_attach(struct cfs_attach *a)
{
	if (a->closing && !a->works && !a->live)
		free(a);
}

static void answer_done(uv_work_t *w, int status)
{
	struct answer *x = w->data;
	struct cfs_attach *a = x->a;

	a->works--;
	free(x);
	maybe_free_attach(a);
}

/* Run ready(arg, err) and/or put(pin) on the thread pool. */
static void answer(struct cfs_attach *a, cfs_attach_ready_fn ready, void *arg, int err,
                   struct cfs_diskcache_entry *put)
{
	struct answer *x = calloc(1, sizeof(*x));

	if (!x) {
		/* Out of memory: answer inline rather than leave a reader hanging. */
		cfs_err("attachments: out of memory; answering on the loop thread");
		if (ready)
			ready(arg, err ? err : -ENOMEM);
		if (put)
			cfs_diskcache_put(put);
		return;
	}
	*x = (struct answer){.a = a, .ready = ready, .arg = arg, .err = err, .put = put};
	x->work.data = x;
	a->works++;
	if (uv_queue_work(a->loop, &x->work, answer_work, answer_done)) {
		a->works--;
		free(x);
		if (ready)
			ready(arg, -EIO);
		if (put)
			cfs_diskcache_put(put);
	}
}

/* ---- the state of one open attachment ---- */

static void att_timer_closed(uv_handle_t *h)
{
	struct att *t = h->data;
	struct cfs_attach *a = t->a;

	free(t->url);
	free(t);
	a->live--;
	maybe_free_attach(a);
}

/* Free t once nothing refers to it any more; only then is the pin released,
 * so no write can be in flight on an entry we no longer hold. */
static void att_maybe_free(struct att *t)
{
	if (!t->dying || t->works || t->dls || uv_is_closing((uv_handle_t *)&t->retry))
		return;
	if (t->e)
		answer(t->a, NULL, NULL, 0, t->e);
	t->e = NULL;
	uv_close((uv_handle_t *)&t->retry, att_timer_closed);
}

static void att_retire(struct att *t);

/* Closed and nobody waits any more: retire. */
static void check_idle(struct att *t)
{
	if (!t->dying && !t->opens && !t->waiters && !t->prefetching)
		att_retire(t);
}

static void fail_waiters(struct att *t, int err)
{
	struct waiter *w = t->waiters;

	t->waiters = NULL;
	while (w) {
		struct waiter *next = w->next;
		answer(t->a, w->ready, w->arg, err, NULL);
		free(w);
		w = next;
	}
}

/* Answer every waiter whose bytes are all present.  (Neither this nor
 * fail_waiters() retires t: callers call check_idle() where no download
 * pointer is held any more, since retiring cancels downloads.) */
static void serve_waiters(struct att *t)
{
	struct waiter **pw = &t->waiters;

	if (!t->e)
		return; /* still pinning the entry for a prefetch */

	while (*pw) {
		struct waiter *w = *pw;
		uint64_t hole_off, hole_len = 1;

		if (cfs_diskcache_missing(t->e, w->off, w->len, &hole_off, &hole_len) == 0 &&
		    hole_len == 0) {
			*pw = w->next;
			answer(t->a, w->ready, w->arg, 0, NULL);
			free(w);
		} else {
			pw = &w->next;
		}
	}
}

/* The file is closed and nobody waits: stop downloading, release the pin. */
static void att_retire(struct att *t)
{
	struct dl *d = t->dls;

	t->dying = 1;
	*cfs_tree_loop_slot(t->node) = NULL;
	if (t->prev)
		t->prev->next = t->next;
	else
		t->a->open = t->next;
	if (t->next)
		t->next->prev = t->prev;
	uv_timer_stop(&t->retry);
	fail_waiters(t, -EIO);
	while (d) {
		struct dl *next = d->next; /* cancelling may free d */

		if (d->req && !d->finished)
			cfs_http_cancel(d->req); /* its done callback finishes it */
		d = next;
	}
	att_maybe_free(t);
}

static void start_download(struct att *t, uint64_t from, enum cfs_http_prio prio);

/* Is some download going to reach off soon? */
static int covered(struct att *t, uint64_t off)
{
	/* A finished download whose last writes are still on their way
	 * covers what it received. */
	for (struct dl *d = t->dls; d; d = d->next) {
		uint64_t end = d->finished ? d->pos + d->len : d->pos + d->len + AHEAD;

		if (!d->err && d->start <= off && off < end)
			return 1;
	}
	return 0;
}

/* Make sure the bytes of every waiter are on their way. */
static void ensure_downloads(struct att *t)
{
	if (!t->e)
		return;
	for (struct waiter *w = t->waiters; w && !t->retry_armed; w = w->next) {
		uint64_t hole_off, hole_len;

		if (cfs_diskcache_missing(t->e, w->off, w->len, &hole_off, &hole_len) || !hole_len)
			continue;
		if (covered(t, hole_off) || t->ndls >= MAX_DLS)
			continue;
		start_download(t, hole_off, CFS_HTTP_USER);
	}
}

/* ---- downloads ---- */

static void dl_flush(struct dl *d);
static void dl_finish(struct dl *d);

static void write_work(uv_work_t *w)
{
	struct dl *d = w->data;

	d->werr = cfs_diskcache_write(d->att->e, d->woff, d->wbuf, d->wlen);
}

static void write_done(uv_work_t *w, int status)
{
	struct dl *d = w->data;
	struct att *t = d->att;

	t->works--;
	d->writing = 0;
	free(d->wbuf);
	d->wbuf = NULL;
	if (status || d->werr) {
		cfs_err("writing attachment %s to the cache: %s", t->url,
		        strerror(status ? ECANCELED : -d->werr));
		if (!d->err)
			d->err = -EIO;
		if (d->req && !d->finished)
			cfs_http_cancel(d->req);
	}
	if (!t->dying)
		serve_waiters(t);
	if (d->paused && d->req && !d->finished) {
		d->paused = 0;
		cfs_http_unpause(d->req);
	}
	if (d->len >= FLUSH_AT || (d->finished && d->len))
		dl_flush(d);
	if (d->finished && !d->writing)
		dl_finish(d); /* frees d */
	else
		check_idle(t);
}

/* Hand the buffer to the thread pool for writing. */
static void dl_flush(struct dl *d)
{
	struct att *t = d->att;

	if (d->writing || !d->len || d->err || t->dying) {
		if (d->err || t->dying) {
			free(d->buf);
			d->buf = NULL;
			d->len = 0;
		}
		return;
	}
	d->wbuf = d->buf;
	d->wlen = d->len;
	d->woff = d->pos;
	d->pos += d->len;
	d->buf = NULL;
	d->len = 0;
	d->writing = 1;
	d->work.data = d;
	t->works++;
	if (uv_queue_work(t->a->loop, &d->work, write_work, write_done)) {
		t->works--;
		d->writing = 0;
		free(d->wbuf);
		d->wbuf = NULL;
		d->err = -EIO;
	}
}

static int on_data(void *arg, long status, const char *buf, size_t len)
{
	struct dl *d = arg;
	struct att *t = d->att;
	char *nb;

	if (status != 200 && status != 206)
		return 0; /* an error body; done() reports the status */
	if (status == 200 && d->start && d->pos == d->start && !d->len && !d->writing) {
		/* The server ignored our Range: the bytes start at 0. */
		d->start = d->pos = 0;
	}
	if (d->pos + d->len + len > t->size)
		return -EIO; /* more bytes than the attachment has: suspect */
	if (d->len + len > BUF_MAX) {
		dl_flush(d);
		if (d->len + len > BUF_MAX) {
			d->paused = 1;
			return CFS_HTTP_PAUSE;
		}
	}
	nb = realloc(d->buf, d->len + len);
	if (!nb)
		return -ENOMEM;
	d->buf = nb;
	memcpy(d->buf + d->len, buf, len);
	d->len += len;
	if (d->len >= FLUSH_AT)
		dl_flush(d);
	return 0;
}

static void on_dl_done(void *arg, struct cfs_http_response *resp)
{
	struct dl *d = arg;

	d->finished = 1;
	d->req = NULL;
	d->status = resp->status;
	if (!d->err)
		d->err = resp->err;
	if (!d->err && resp->status != 200 && resp->status != 206)
		d->err = resp->status == 401 || resp->status == 403 ? -EACCES
		         : resp->status == 404                      ? -ENOENT
		                                                    : -EIO;
	if (!d->err && d->pos + d->len < d->att->size)
		d->err = -EIO; /* ended short of the end: never looks complete */
	if (d->len && !d->err)
		dl_flush(d);
	if (!d->writing)
		dl_finish(d);
}

static void on_retry_timer(uv_timer_t *h)
{
	struct att *t = h->data;

	t->retry_armed = 0;
	if (!t->dying)
		ensure_downloads(t);
}

/* A download is over and its bytes are written: retry, or answer. */
static void dl_finish(struct dl *d)
{
	struct att *t = d->att;
	struct dl **pd = &t->dls;
	int err = d->err;

	while (*pd != d)
		pd = &(*pd)->next;
	*pd = d->next;
	t->ndls--;
	free(d->buf);
	free(d);
	if (t->dying) {
		att_maybe_free(t);
		return;
	}
	if (err == -ECANCELED && t->a->closing)
		err = -ESHUTDOWN;
	if (!t->dls)
		t->prefetching = 0; /* a background fetch is done, one way or another */
	if (!err) {
		t->failures = 0;
		serve_waiters(t);
		ensure_downloads(t);
		check_idle(t);
		return;
	}
	t->last_err = err;
	if (err == -ESHUTDOWN || err == -EACCES || err == -ENOENT || err == -ECANCELED ||
	    ++t->failures > t->a->retries || !t->waiters) {
		if (err != -ECANCELED)
			cfs_err("download of attachment %s failed: %s (%d attempt%s)", t->url,
			        strerror(-err), t->failures, t->failures == 1 ? "" : "s");
		t->failures = 0;
		fail_waiters(t, err == -EACCES || err == -ENOENT || err == -ESHUTDOWN ? err : -EIO);
		check_idle(t);
		return;
	}
	/* Resume from the first missing byte after a backoff. */
	cfs_info("download of attachment %s failed (%s); retry %d", t->url, strerror(-err),
	         t->failures);
	if (!t->retry_armed && !t->dls) {
		t->retry_armed = 1;
		uv_timer_start(&t->retry, on_retry_timer,
		               cfs_http_backoff_ms(t->failures, NULL, 0, (double)rand() / RAND_MAX,
		                                   250, 10000),
		               0);
	}
}

static void start_download(struct att *t, uint64_t from, enum cfs_http_prio prio)
{
	struct dl *d = calloc(1, sizeof(*d));

	if (!d) {
		fail_waiters(t, -ENOMEM);
		return;
	}
	d->att = t;
	d->start = d->pos = from;
	d->next = t->dls;
	t->dls = d;
	t->ndls++;
	d->prio = prio;
	d->req = cfs_http_stream(t->a->http, t->url, prio, from, on_data, on_dl_done, d);
	if (d->req) {
		char *path = cfs_tree_path(t->a->tree, t->node), tag[300];

		snprintf(tag, sizeof(tag), "%s %s", prio == CFS_HTTP_USER ? "read" : "prefetch",
		         path ? path : "an attachment");
		free(path);
		cfs_http_tag(d->req, tag);
	}
	if (!d->req) {
		t->dls = d->next;
		t->ndls--;
		free(d);
		fail_waiters(t, t->a->closing ? -ESHUTDOWN : -ENOMEM);
		return;
	}
	cfs_debug("download %s from byte %llu", t->url, (unsigned long long)from);
}

/* ---- the interface ---- */

int cfs_attach_new(uv_loop_t *loop, struct cfs_http *http, struct cfs_cf *cf,
                   struct cfs_diskcache *dc, struct cfs_tree *tree, int retries,
                   struct cfs_attach **out)
{
	struct cfs_attach *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->dc = dc;
	a->tree = tree;
	a->loop = loop;
	a->http = http;
	a->cf = cf;
	a->retries = retries;
	*out = a;
	return 0;
}

void cfs_attach_destroy(struct cfs_attach *a)
{
	a->closing = 1;
	while (a->open)
		att_retire(a->open);
	maybe_free_attach(a);
}

/* A new open attachment of node n (size bytes), hung on its loop slot and
 * on the list of open ones; NULL when out of memory or no download URL can
 * be made. */
static struct att *att_new(struct cfs_attach *a, struct cfs_node *n, const char *page_id,
                           const char *att_id, const char *download, uint64_t size)
{
	struct att *t = calloc(1, sizeof(*t));

	if (!t || !(t->url = cfs_cf_download_url(a->cf, page_id, att_id, download))) {
		free(t);
		return NULL;
	}
	t->a = a;
	t->node = n;
	t->size = size;
	uv_timer_init(a->loop, &t->retry);
	t->retry.data = t;
	a->live++;
	*cfs_tree_loop_slot(n) = t;
	t->next = a->open;
	if (a->open)
		a->open->prev = t;
	a->open = t;
	return t;
}

void cfs_attach_open(struct cfs_attach *a, struct cfs_node *n, struct cfs_diskcache_entry *pin,
                     const char *page_id, const char *att_id, const char *download)
{
	struct att *t = *cfs_tree_loop_slot(n);

	if (t) {
		t->opens++;
		if (!t->e)
			t->e = pin; /* a prefetch is still pinning: use this one */
		else
			answer(a, NULL, NULL, 0, pin); /* we hold one pin already */
		return;
	}
	t = att_new(a, n, page_id, att_id, download, cfs_diskcache_size(pin));
	if (!t) {
		answer(a, NULL, NULL, 0, pin);
		return; /* reads will find no state and fail with ENOMEM */
	}
	t->e = pin;
	t->opens = 1;
}

void cfs_attach_release(struct cfs_attach *a, struct cfs_node *n)
{
	struct att *t = *cfs_tree_loop_slot(n);

	if (!t)
		return;
	t->opens--;
	check_idle(t);
}

void cfs_attach_read(struct cfs_attach *a, struct cfs_node *n, uint64_t off, uint64_t len,
                     cfs_attach_ready_fn ready, void *arg)
{
	struct att *t = *cfs_tree_loop_slot(n);
	struct waiter *w;

	if (a->closing || !t) {
		answer(a, ready, arg, a->closing ? -ESHUTDOWN : -ENOMEM, NULL);
		return;
	}
	if (off >= t->size) {
		answer(a, ready, arg, 0, NULL);
		return;
	}
	if (len > t->size - off)
		len = t->size - off;
	w = calloc(1, sizeof(*w));
	if (!w) {
		answer(a, ready, arg, -ENOMEM, NULL);
		return;
	}
	*w =
	    (struct waiter){.off = off, .len = len, .ready = ready, .arg = arg, .next = t->waiters};
	t->waiters = w;
	/* A reader now waits on what a prefetch started. */
	for (struct dl *d = t->dls; d; d = d->next) {
		if (d->prio == CFS_HTTP_BACKGROUND && d->req && !d->finished) {
			d->prio = CFS_HTTP_USER;
			cfs_http_promote(d->req);
		}
	}
	serve_waiters(t); /* the bytes may have landed since the FUSE thread looked */
	ensure_downloads(t);
}

void cfs_attach_key(char *buf, size_t len, const char *att_id, int64_t version)
{
	snprintf(buf, len, "%s-v%lld", att_id, (long long)version);
}

struct pin_job {
	uv_work_t work;
	struct att *t;
	char key[CFS_DISKCACHE_KEY_MAX];
	struct cfs_diskcache_entry *e;
	int err;
};

static void pin_work(uv_work_t *w)
{
	struct pin_job *j = w->data;

	j->err = cfs_diskcache_get(j->t->a->dc, j->key, j->t->size, &j->e);
}

static void pin_done(uv_work_t *w, int status)
{
	struct pin_job *j = w->data;
	struct att *t = j->t;
	uint64_t hole_off = 0, hole_len = 0;

	t->works--;
	if (status || j->err) {
		t->prefetching = 0;
	} else if (t->dying || t->e) {
		answer(t->a, NULL, NULL, 0, j->e); /* gone, or an open brought a pin */
		t->prefetching = t->dying ? 0 : t->prefetching;
	} else {
		t->e = j->e;
	}
	free(j);
	if (t->dying) {
		att_maybe_free(t);
		return;
	}
	if (t->prefetching && t->e &&
	    cfs_diskcache_missing(t->e, 0, t->size, &hole_off, &hole_len) == 0 && hole_len &&
	    !covered(t, hole_off))
		start_download(t, hole_off, CFS_HTTP_BACKGROUND);
	else if (!t->dls)
		t->prefetching = 0;
	serve_waiters(t);
	check_idle(t);
}

void cfs_attach_prefetch(struct cfs_attach *a, struct cfs_node *n, const char *page_id,
                         const char *att_id, const char *download, int64_t version, int64_t size)
{
	struct att *t;
	struct pin_job *j;

	if (a->closing || *cfs_tree_loop_slot(n))
		return; /* open or on its way already */
	j = calloc(1, sizeof(*j));
	t = j ? att_new(a, n, page_id, att_id, download, (uint64_t)size) : NULL;
	if (!t) {
		free(j);
		return;
	}
	t->prefetching = 1;
	j->t = t;
	cfs_attach_key(j->key, sizeof(j->key), att_id, version);
	j->work.data = j;
	t->works++;
	if (uv_queue_work(a->loop, &j->work, pin_work, pin_done)) {
		t->works--;
		free(j);
		t->prefetching = 0;
		check_idle(t);
	}
}
