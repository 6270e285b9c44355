/* test_ratelimit: requests in flight under the site's rate-limit signals (src/net/ratelimit.c). */
#include "ratelimit.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A response with these header lines ("\n"-separated). */
static struct cfs_ratelimit_signal response(const char *headers)
{
	struct cfs_ratelimit_signal s;
	char *copy = strdup(headers), *save = NULL;

	cfs_ratelimit_signal_init(&s);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char buf[256];

		snprintf(buf, sizeof(buf), "%s\r\n", line);
		cfs_ratelimit_header(&s, buf, strlen(buf));
	}
	free(copy);
	return s;
}

START_TEST(test_headers)
{
	struct cfs_ratelimit_signal s = response("HTTP/1.1 200 OK\nX-RateLimit-NearLimit: true\n"
	                                         "RateLimit-Reason: confluence-quota-tenant-based");

	ck_assert(cfs_ratelimit_near(&s));
	ck_assert_str_eq(s.reason, "confluence-quota-tenant-based");
	/* The real beta header, in its real case. */
	s = response("X-Beta-Ratelimit-Nearlimit: true");
	ck_assert(cfs_ratelimit_near(&s));
	s = response("x-ratelimit-nearlimit: false\nX-RateLimit-Limit: 1000\n"
	             "X-RateLimit-Remaining: 200");
	ck_assert(!cfs_ratelimit_near(&s)); /* 20% is not under 20% */
	s = response("X-RateLimit-Limit: 1000\nX-RateLimit-Remaining: 199");
	ck_assert(cfs_ratelimit_near(&s));
	ck_assert_int_eq(s.limit, 1000);
	ck_assert_int_eq(s.remaining, 199);
	s = response("X-RateLimit-Limit: 360000\nX-RateLimit-Remaining: nonsense");
	ck_assert(!cfs_ratelimit_near(&s));
	s = response("Retry-After: 7\nBeta-Retry-After: 12");
	ck_assert_str_eq(s.retry_after, "7");
	ck_assert_str_eq(s.beta_retry, "12");
	ck_assert(cfs_ratelimit_near(&s)); /* would have been refused */
	s = response("Retry-After: 7\nContent-Type: application/json");
	ck_assert(!cfs_ratelimit_near(&s));
	ck_assert_str_eq(s.date, "");
	s = response(
	    "Date: Sat, 05 Dec 2026 08:12:46 GMT\nRetry-After: Sat, 05 Dec 2026 08:12:49 GMT");
	ck_assert_str_eq(s.date, "Sat, 05 Dec 2026 08:12:46 GMT");
	ck_assert_str_eq(s.retry_after, "Sat, 05 Dec 2026 08:12:49 GMT");
}
END_TEST

/* Halve once per round trip down to 1, one step up per calm period, one log per episode. */
START_TEST(test_halve_and_recover)
{
	struct cfs_ratelimit r;
	struct cfs_ratelimit_signal near = response("X-RateLimit-NearLimit: true");
	struct cfs_ratelimit_signal calm =
	    response("X-RateLimit-Limit: 100\nX-RateLimit-Remaining: 90");
	uint64_t t = 1000000;
	unsigned burst;

	cfs_ratelimit_init(&r, 8, 60000);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t), 8);
	ck_assert_int_eq(cfs_ratelimit_response(&r, &calm, t, cfs_ratelimit_epoch(&r)), 0);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t), 8);
	/* Eight requests go out together; all eight answers say "near". */
	burst = cfs_ratelimit_epoch(&r);
	ck_assert_int_eq(cfs_ratelimit_response(&r, &near, t, burst), 1); /* logged */
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t), 4);
	for (int i = 0; i < 7; i++) /* the rest of the burst: no more halving, no log */
		ck_assert_int_eq(cfs_ratelimit_response(&r, &near, t + 10, burst), 0);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t + 10), 4);
	/* Requests sent after the halving halve again, once. */
	burst = cfs_ratelimit_epoch(&r);
	ck_assert_int_eq(cfs_ratelimit_response(&r, &near, t + 20, burst), 0);
	ck_assert_int_eq(cfs_ratelimit_response(&r, &near, t + 20, burst), 0);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t + 20), 2);
	cfs_ratelimit_response(&r, &near, t + 30, cfs_ratelimit_epoch(&r));
	cfs_ratelimit_response(&r, &near, t + 40, cfs_ratelimit_epoch(&r));
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t + 40), 1); /* never 0 */
	/* Calm: one step per 60 s after the last signal. */
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t + 40 + 59999), 1);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t + 40 + 60000), 2);
	ck_assert_int_eq(cfs_ratelimit_response(&r, &calm, t + 40 + 70000, cfs_ratelimit_epoch(&r)),
	                 0);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t + 40 + 120000), 3);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t + 40 + 600000), 8); /* capped at max */
	/* A new episode is logged again. */
	ck_assert_int_eq(cfs_ratelimit_response(&r, &near, t + 700000, cfs_ratelimit_epoch(&r)), 1);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, t + 700000), 4);
}
END_TEST

START_TEST(test_one_request)
{
	struct cfs_ratelimit r;
	struct cfs_ratelimit_signal near = response("X-RateLimit-NearLimit: true");

	cfs_ratelimit_init(&r, 1, 1000);
	ck_assert_int_eq(cfs_ratelimit_response(&r, &near, 5000, cfs_ratelimit_epoch(&r)), 1);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, 5000), 1);
	ck_assert_int_eq(cfs_ratelimit_limit(&r, 6000), 1);
	/* the episode had ended */
	ck_assert_int_eq(cfs_ratelimit_response(&r, &near, 7000, cfs_ratelimit_epoch(&r)), 1);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_halve_and_recover);
	tcase_add_test(tc, test_one_request);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
