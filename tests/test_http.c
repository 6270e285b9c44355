/* test_http: the bounded, retrying HTTP client against the fake server. */
#include "http.h"
#include "fake.h"

#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fake srv;
static uv_loop_t loop;
static struct cfs_http *http;

struct result {
	int done;
	int err;
	long status;
	int attempts;
	uint64_t at_ms; /* uv_now when done */
	int order;
	char body[256];
};

static int finished;

static void on_done(void *arg, struct cfs_http_response *resp)
{
	struct result *r = arg;

	r->done = 1;
	r->err = resp->err;
	r->status = resp->status;
	r->attempts = resp->attempts;
	r->at_ms = uv_now(&loop);
	r->order = ++finished;
	snprintf(r->body, sizeof(r->body), "%s", resp->body ? resp->body : "");
}

static void setup_with(int max_requests, int retries, size_t max_body)
{
	const char *args[] = {"--pages", "20", "--seed", "1", "--latency-ms", "30", NULL};
	struct cfs_http_opts o = {
	    .max_requests = max_requests,
	    .timeout_s = 5,
	    .retries = retries,
	    .user = "demo@example.com",
	    .token = "demo-token",
	    .max_body = max_body,
	};

	fake_start(&srv, args);
	uv_loop_init(&loop);
	finished = 0;
	ck_assert_int_eq(cfs_http_new(&loop, &o, &http), 0);
}

static void teardown_all(void)
{
	cfs_http_destroy(http);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	fake_stop(&srv);
}

static char *url(const char *path)
{
	static char u[512];

	snprintf(u, sizeof(u), "%s%s", srv.origin, path);
	return u;
}

START_TEST(test_bounded_concurrency)
{
	struct result r[40] = {{0}};
	struct cfs_http_stats st;

	setup_with(4, 0, 1 << 20);
	for (int i = 0; i < 40; i++)
		ck_assert_ptr_nonnull(cfs_http_get(http, url("/wiki/rest/api/user/current"),
		                                   CFS_HTTP_USER, on_done, &r[i]));
	uv_run(&loop, UV_RUN_DEFAULT);
	for (int i = 0; i < 40; i++) {
		ck_assert_int_eq(r[i].err, 0);
		ck_assert_int_eq(r[i].status, 200);
		ck_assert_ptr_nonnull(strstr(r[i].body, "accountId"));
	}
	cfs_http_get_stats(http, &st);
	ck_assert_int_le(st.peak_in_flight, 4);
	/* The server saw the bound held, and that requests did overlap. */
	ck_assert_int_le(fake_stat(&srv, "peak_in_flight"), 4);
	ck_assert_int_ge(fake_stat(&srv, "peak_in_flight"), 2);
	ck_assert_int_eq(fake_stat(&srv, "requests"), 40);
	teardown_all();
}
END_TEST

START_TEST(test_user_before_background)
{
	struct result bg[6] = {{0}}, user = {0};

	setup_with(1, 0, 1 << 20);
	for (int i = 0; i < 6; i++)
		cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_BACKGROUND, on_done,
		             &bg[i]);
	cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_USER, on_done, &user);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* One background request had started; the user's comes right after it. */
	ck_assert_int_eq(bg[0].order, 1);
	ck_assert_int_eq(user.order, 2);
	ck_assert_int_eq(bg[5].order, 7);
	teardown_all();
}
END_TEST

START_TEST(test_retry_5xx_then_success)
{
	struct result r = {0};
	char *s;

	setup_with(2, 3, 1 << 20);
	s = fake_call(
	    &srv, "POST", "/_fake/fault",
	    "{\"match\":\"user/current\",\"kind\":\"status\",\"status\":503,\"count\":2}");
	free(s);
	cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_USER, on_done, &r);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.attempts, 3);
	teardown_all();
}
END_TEST

/* A write (cfs_http_send) is never resent after an answer that may mean it
 * was applied; only a 429 (refused) is retried. */
START_TEST(test_send_5xx_not_retried)
{
	struct result r = {0};
	const char *body = "{\"id\":\"1\"}";
	char *s;

	setup_with(2, 3, 1 << 20);
	s = fake_call(&srv, "POST", "/_fake/fault",
	              "{\"match\":\"/pages/1$\",\"kind\":\"status\",\"status\":503,"
	              "\"count\":2,\"method\":\"PUT\"}");
	free(s);
	ck_assert_ptr_nonnull(cfs_http_send(http, "PUT", url("/wiki/api/v2/pages/1"), body,
	                                    strlen(body), CFS_HTTP_USER, on_done, &r));
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.status, 503);
	ck_assert_int_eq(r.attempts, 1);
	ck_assert_int_eq(fake_stat(&srv, "writes"), 1);
	teardown_all();
}
END_TEST

START_TEST(test_send_429_retried)
{
	struct result r = {0};
	const char *body = "{\"id\":\"1\"}";
	char *s;

	setup_with(2, 3, 1 << 20);
	s = fake_call(&srv, "POST", "/_fake/fault",
	              "{\"match\":\"/pages/1$\",\"kind\":\"retry_after\",\"status\":429,"
	              "\"retry_after\":\"0\",\"count\":1,\"method\":\"PUT\"}");
	free(s);
	ck_assert_ptr_nonnull(cfs_http_send(http, "PUT", url("/wiki/api/v2/pages/1"), body,
	                                    strlen(body), CFS_HTTP_USER, on_done, &r));
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_ne(r.status, 429);
	ck_assert_int_eq(r.attempts, 2);
	teardown_all();
}
END_TEST

START_TEST(test_retries_exhausted)
{
	struct result r = {0};
	char *s;

	setup_with(2, 2, 1 << 20);
	s = fake_call(
	    &srv, "POST", "/_fake/fault",
	    "{\"match\":\"user/current\",\"kind\":\"status\",\"status\":500,\"count\":10}");
	free(s);
	cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_USER, on_done, &r);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.err, 0);
	ck_assert_int_eq(r.status, 500);
	ck_assert_int_eq(r.attempts, 3);
	teardown_all();
}
END_TEST

START_TEST(test_retry_after_is_honoured)
{
	struct result r = {0};
	uint64_t start;
	char *s;

	setup_with(2, 2, 1 << 20);
	s = fake_call(&srv, "POST", "/_fake/fault",
	              "{\"match\":\"user/"
	              "current\",\"kind\":\"retry_after\",\"retry_after\":\"1\",\"count\":1}");
	free(s);
	uv_update_time(&loop);
	start = uv_now(&loop);
	cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_USER, on_done, &r);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.attempts, 2);
	/* A lower bound only: it waited at least what the server asked. */
	ck_assert_uint_ge(r.at_ms - start, 1000);
	teardown_all();
}
END_TEST

START_TEST(test_truncated_body_is_an_error)
{
	struct result r = {0};
	char *s;

	setup_with(2, 1, 1 << 20);
	s = fake_call(&srv, "POST", "/_fake/fault",
	              "{\"match\":\"user/current\",\"kind\":\"truncate\",\"count\":5}");
	free(s);
	cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_USER, on_done, &r);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.err, -EIO);
	ck_assert_int_eq(r.attempts, 2);
	teardown_all();
}
END_TEST

START_TEST(test_body_cap)
{
	struct result r = {0};

	setup_with(2, 0, 64);
	cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_USER, on_done, &r);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.err, -EFBIG);
	teardown_all();
}
END_TEST

START_TEST(test_connection_refused)
{
	struct result r = {0};

	setup_with(2, 0, 1 << 20);
	/* Port 1 on loopback: nobody listens there. */
	cfs_http_get(http, "http://127.0.0.1:1/wiki", CFS_HTTP_USER, on_done, &r);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(r.err, -ECONNREFUSED);
	teardown_all();
}
END_TEST

START_TEST(test_cancel_queued)
{
	struct result a = {0}, b = {0};
	struct cfs_http_req *rb;

	setup_with(1, 0, 1 << 20);
	cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_USER, on_done, &a);
	rb = cfs_http_get(http, url("/wiki/rest/api/user/current"), CFS_HTTP_USER, on_done, &b);
	cfs_http_cancel(rb);
	ck_assert_int_eq(b.done, 1);
	ck_assert_int_eq(b.err, -ECANCELED);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(a.status, 200);
	ck_assert_int_eq(fake_stat(&srv, "requests"), 1);
	teardown_all();
}
END_TEST

START_TEST(test_backoff_math)
{
	/* Exponential, capped, jittered into [half, full]. */
	ck_assert_uint_eq(cfs_http_backoff_ms(1, NULL, 0, 1.0, 250, 60000), 250);
	ck_assert_uint_eq(cfs_http_backoff_ms(1, NULL, 0, 0.0, 250, 60000), 125);
	ck_assert_uint_eq(cfs_http_backoff_ms(3, NULL, 0, 1.0, 250, 60000), 1000);
	ck_assert_uint_eq(cfs_http_backoff_ms(30, NULL, 0, 1.0, 250, 60000), 60000);
	/* Retry-After in seconds is a floor ... */
	ck_assert_uint_eq(cfs_http_backoff_ms(1, "7", 0, 0.0, 250, 60000), 7000);
	/* ... absurd values are clamped, not overflowed ... */
	ck_assert_uint_eq(cfs_http_backoff_ms(1, "9223372036854775807", 0, 0.0, 250, 60000), 60000);
	ck_assert_uint_eq(cfs_http_backoff_ms(1, "99999999999999999999999", 0, 0.0, 250, 60000),
	                  60000);
	/* ... an HTTP date counts from now ... */
	ck_assert_uint_eq(
	    cfs_http_backoff_ms(1, "Wed, 21 Oct 2015 07:28:10 GMT", 1445412480, 0.0, 250, 60000),
	    10000);
	/* ... a date in the past or garbage adds nothing. */
	ck_assert_uint_eq(
	    cfs_http_backoff_ms(1, "Wed, 21 Oct 2015 07:28:00 GMT", 1445412490, 1.0, 250, 60000),
	    250);
	ck_assert_uint_eq(cfs_http_backoff_ms(1, "soon", 0, 1.0, 250, 60000), 250);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_backoff_math);
	tcase_add_test(tc, test_bounded_concurrency);
	tcase_add_test(tc, test_user_before_background);
	tcase_add_test(tc, test_retry_5xx_then_success);
	tcase_add_test(tc, test_retries_exhausted);
	tcase_add_test(tc, test_send_5xx_not_retried);
	tcase_add_test(tc, test_send_429_retried);
	tcase_add_test(tc, test_retry_after_is_honoured);
	tcase_add_test(tc, test_truncated_body_is_an_error);
	tcase_add_test(tc, test_body_cap);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_cancel_queued);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? 1 : 0;
}
