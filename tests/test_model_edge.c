/* test_model_edge: Confluence JSON -> structs (src/base/model.c) on hand-written edge
 * cases: odd shapes, wrong types, malformed JSON, pagination, numbers, time.
 */
#include "model.h"
#include "model_util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_position_shapes)
{
	static const struct {
		const char *field;
		int64_t want;
	} cases[] = {
	    {"\"position\":5", 5},
	    {"\"position\":null", INT64_MAX},
	    {"\"position\":\"none\"", INT64_MAX},
	    {"\"position\":\"7\"", 7},
	    {"\"position\":\"7x\"", INT64_MAX},
	    {"\"position\":1.5", INT64_MAX},
	    {"\"position\":true", INT64_MAX},
	    {"\"position\":-3", -3},
	    {"\"position\":99999999999999999999999", INT64_MAX},
	    {"\"childPosition\":12", 12},
	    {"\"childPosition\":null", INT64_MAX},
	    {"\"extensions\":{\"position\":\"none\"}", INT64_MAX},
	    {"\"extensions\":{\"position\":430931086}", 430931086},
	    {"\"position\":null,\"childPosition\":4", 4},
	    {"\"x\":1", INT64_MAX},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char item[256];
		struct cfs_page_list l = {0};
		snprintf(item, sizeof(item), "{\"id\":\"1\",\"title\":\"t\",%s}", cases[i].field);
		ck_assert_msg(one_page(item, &l)->position == cases[i].want, "%s", cases[i].field);
		cfs_model_page_list_clear(&l);
	}
}
END_TEST

START_TEST(test_ids)
{
	struct cfs_page_list l = {0};
	struct cfs_page *p;

	p = one_page("{\"id\":12345,\"title\":\"n\",\"parentId\":678}", &l);
	ck_assert_str_eq(p->id, "12345");
	ck_assert_uint_eq(p->idnum, 12345);
	ck_assert_str_eq(p->parent_id, "678");
	cfs_model_page_list_clear(&l);

	p = one_page("{\"id\":\"18446744073709551615\",\"title\":\"max\"}", &l);
	ck_assert_uint_eq(p->idnum, UINT64_MAX);
	cfs_model_page_list_clear(&l);

	p = one_page("{\"id\":\"99999999999999999999\",\"title\":\"big\",\"parentId\":{}}", &l);
	ck_assert_str_eq(p->id, "99999999999999999999");
	ck_assert_uint_eq(p->idnum, 0); /* does not fit */
	ck_assert_ptr_null(p->parent_id);
	cfs_model_page_list_clear(&l);

	p = one_page("{\"id\":\"att9\",\"title\":\"a\",\"parentId\":\"../x\"}", &l);
	ck_assert_uint_eq(p->idnum, 0);
	ck_assert_ptr_null(p->parent_id); /* unsafe id: absent */
	cfs_model_page_list_clear(&l);

	/* An unusable id is a missing id. */
	static const char *const bad[] = {
	    "{\"title\":\"t\"}",
	    "{\"id\":null,\"title\":\"t\"}",
	    "{\"id\":\"\",\"title\":\"t\"}",
	    "{\"id\":-5,\"title\":\"t\"}",
	    "{\"id\":1.0,\"title\":\"t\"}",
	    "{\"id\":true,\"title\":\"t\"}",
	    "{\"id\":123456789012345678901234567890,\"title\":\"t\"}",
	    "{\"id\":\"../../etc\",\"title\":\"t\"}",
	    "{\"id\":\"1 2\",\"title\":\"t\"}",
	    "{\"id\":\"1\\u00002\",\"title\":\"t\"}",
	    ("{\"id\":\"12345678901234567890123456789012345678901234567890123456789012345\","
	     "\"title\":\"t\"}"),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfs_page p1 = {0};
		ck_assert_msg(page_str(bad[i], &p1) == -EBADMSG, "%s", bad[i]);
	}
}
END_TEST

START_TEST(test_titles)
{
	struct cfs_page_list l = {0};
	struct cfs_page p = {0};

	ck_assert_str_eq(one_page("{\"id\":\"1\",\"title\":\"\"}", &l)->title, "");
	cfs_model_page_list_clear(&l);
	ck_assert_str_eq(one_page("{\"id\":\"1\",\"title\":\"a\\u0000b\"}", &l)->title,
	                 "a\xef\xbf\xbd"
	                 "b");
	cfs_model_page_list_clear(&l);
	ck_assert_str_eq(
	    one_page("{\"id\":\"1\",\"title\":\"\\u00e9\\ud83d\\ude00/x\"}", &l)->title,
	    "\xc3\xa9\xf0\x9f\x98\x80/x");
	cfs_model_page_list_clear(&l);

	ck_assert_int_eq(page_str("{\"id\":\"1\"}", &p), -EBADMSG);
	ck_assert_int_eq(page_str("{\"id\":\"1\",\"title\":null}", &p), -EBADMSG);
	ck_assert_int_eq(page_str("{\"id\":\"1\",\"title\":42}", &p), -EBADMSG);
	ck_assert_int_eq(page_str("{\"id\":\"1\",\"title\":[\"x\"]}", &p), -EBADMSG);
	ck_assert_ptr_null(p.id);
}
END_TEST

START_TEST(test_wrong_types_are_absent)
{
	struct cfs_page_list l = {0};
	struct cfs_page *p =
	    one_page("{\"id\":\"1\",\"title\":\"t\",\"type\":7,\"version\":{\"number\":\"x\","
	             "\"createdAt\":17,\"authorId\":[]},\"createdAt\":\"2024-01-01T09:00:00Z\","
	             "\"body\":{\"storage\":{\"value\":3}},\"_links\":[],\"parentId\":false}",
	             &l);

	ck_assert_ptr_null(p->type);
	ck_assert_int_eq(p->version, 0);
	ck_assert_int_eq(p->mtime.sec, 1704099600); /* falls back to createdAt */
	ck_assert_ptr_null(p->author_id);
	ck_assert_ptr_null(p->body);
	ck_assert_ptr_null(p->webui);
	ck_assert_ptr_null(p->parent_id);
	cfs_model_page_list_clear(&l);

	/* A bad time is skipped for the next candidate, then {0, 0}. */
	p = one_page("{\"id\":\"1\",\"title\":\"t\",\"version\":{\"createdAt\":\"yesterday\"},"
	             "\"createdAt\":\"2024-01-01T09:00:00.5Z\"}",
	             &l);
	ck_assert_int_eq(p->mtime.sec, 1704099600);
	ck_assert_int_eq(p->mtime.nsec, 500000000);
	cfs_model_page_list_clear(&l);
	p = one_page("{\"id\":\"1\",\"title\":\"t\",\"createdAt\":\"never\"}", &l);
	ck_assert_int_eq(p->mtime.sec, 0);
	ck_assert_int_eq(p->mtime.nsec, 0);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_malformed_json)
{
	static const char *const bad[] = {
	    "",
	    "   ",
	    "nope",
	    "{",
	    "{\"results\":[",
	    "{\"results\":[{\"id\":\"1\",\"title\":\"t\"}]",
	    "{\"results\":}",
	    "{\"results\":[],}",
	    "{\"results\":[01]}",
	    "[]",
	    "[{\"id\":\"1\",\"title\":\"t\"}]",
	    "\"results\"",
	    "42",
	    "null",
	    "{\"results\":{}}",
	    "{\"results\":null}",
	    "{}",
	    "{\"results\":[1]}",
	    "{\"results\":[null]}",
	    "{\"results\":[[]]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cfs_page_list l = {0};
		struct cfs_attachment_list al = {0};
		ck_assert_msg(pages_str(bad[i], &l) == -EBADMSG, "pages: %s", bad[i]);
		ck_assert_msg(atts_str(bad[i], &al) == -EBADMSG, "attachments: %s", bad[i]);
		ck_assert_uint_eq(l.n, 0);
		ck_assert_ptr_null(l.next);
		cfs_model_page_list_clear(&l);
		cfs_model_attachment_list_clear(&al);
	}
	ck_assert_int_eq(cfs_model_pages(NULL, 0, &(struct cfs_page_list){0}), -EBADMSG);
}
END_TEST

START_TEST(test_trailing_garbage)
{
	static const char body[] = "{\"results\":[]}";
	struct cfs_page_list l = {0};
	char buf[64];

	ck_assert_int_eq(pages_str("{\"results\":[]} x", &l), -EBADMSG);
	ck_assert_int_eq(pages_str("{\"results\":[]}{}", &l), -EBADMSG);
	ck_assert_int_eq(pages_str("{\"results\":[]}]", &l), -EBADMSG);
	/* A NUL inside len is garbage too. */
	memcpy(buf, body, sizeof(body)); /* includes the NUL */
	ck_assert_int_eq(cfs_model_pages(buf, sizeof(body), &l), -EBADMSG);
	/* Whitespace and a BOM are fine; bytes past len are not looked at. */
	ck_assert_int_eq(pages_str("\n{\"results\":[]}\r\n\t ", &l), 0);
	ck_assert_int_eq(pages_str("\xef\xbb\xbf{\"results\":[]}", &l), 0);
	snprintf(buf, sizeof(buf), "%sGARBAGE", body);
	ck_assert_int_eq(cfs_model_pages(buf, strlen(body), &l), 0);
	ck_assert_uint_eq(l.n, 0);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_next_and_append)
{
	struct cfs_page_list l = {0};

	ck_assert_int_eq(pages_str("{\"results\":[],\"_links\":{\"base\":\"https://x/wiki\"}}", &l),
	                 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.next);

	ck_assert_int_eq(pages_str("{\"results\":[{\"id\":\"1\",\"title\":\"a\"}],\"_links\":"
	                           "{\"next\":\"/wiki/api/v2/spaces/9/pages?cursor=A\"}}",
	                           &l),
	                 0);
	ck_assert_str_eq(l.next, "/wiki/api/v2/spaces/9/pages?cursor=A");

	/* A failing batch leaves the list as it was. */
	ck_assert_int_eq(pages_str("{\"results\":[{\"id\":\"2\",\"title\":\"b\"},{\"id\":\"3\"}],"
	                           "\"_links\":{\"next\":\"/B\"}}",
	                           &l),
	                 -EBADMSG);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].title, "a");
	ck_assert_str_eq(l.next, "/wiki/api/v2/spaces/9/pages?cursor=A");

	/* Many items at once grow the array. */
	{
		char *big = malloc(64 * 1000 + 64);
		size_t o;
		ck_assert_ptr_nonnull(big);
		o = (size_t)sprintf(big, "{\"results\":[");
		for (int i = 0; i < 1000; i++)
			o += (size_t)sprintf(big + o, "%s{\"id\":%d,\"title\":\"p%d\"}",
			                     i ? "," : "", i + 10, i);
		o += (size_t)sprintf(big + o, "],\"_links\":{\"next\":\"/C\"}}");
		ck_assert_int_eq(cfs_model_pages(big, o, &l), 0);
		free(big);
	}
	ck_assert_uint_eq(l.n, 1001);
	ck_assert_str_eq(l.v[1000].title, "p999");
	ck_assert_str_eq(l.next, "/C");

	/* The last batch has no next: the cursor is dropped. */
	ck_assert_int_eq(pages_str("{\"results\":[{\"id\":\"4\",\"title\":\"d\"}],"
	                           "\"_links\":{\"next\":null}}",
	                           &l),
	                 0);
	ck_assert_uint_eq(l.n, 1002);
	ck_assert_ptr_null(l.next);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_attachment_numbers)
{
	static const struct {
		const char *size;
		int64_t want;
	} cases[] = {
	    {"30", 30},
	    {"0", 0},
	    {"9007199254740993", 9007199254740993LL},
	    {"9223372036854775806", INT64_MAX - 1},
	    {"123456789012345678901234567890", -1},
	    {"-5", -1},
	    {"\"2048\"", 2048},
	    {"30.0", -1},
	    {"null", -1},
	    {"\"big\"", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char json[256];
		struct cfs_attachment_list l = {0};
		snprintf(json, sizeof(json),
		         "{\"results\":[{\"id\":\"att1\",\"title\":\"f.png\",\"fileSize\":%s,"
		         "\"version\":{\"number\":99999999999999999999}}]}",
		         cases[i].size);
		ck_assert_int_eq(atts_str(json, &l), 0);
		ck_assert_msg(l.v[0].size == cases[i].want, "fileSize %s", cases[i].size);
		ck_assert_int_eq(l.v[0].version, INT64_MAX);
		cfs_model_attachment_list_clear(&l);
	}
	{
		struct cfs_attachment_list l = {0};
		ck_assert_int_eq(atts_str("{\"results\":[{\"id\":\"att1\"}]}", &l), -EBADMSG);
		ck_assert_int_eq(atts_str("{\"results\":[{\"title\":\"x\"}]}", &l), -EBADMSG);
		ck_assert_int_eq(atts_str("{\"results\":[{\"id\":\"att1\",\"title\":\"x\","
		                          "\"extensions\":{\"fileSize\":7,\"mediaType\":\"a/b\"},"
		                          "\"metadata\":{\"mediaType\":\"c/d\"}}]}",
		                          &l),
		                 0);
		ck_assert_int_eq(l.v[0].size, 7);
		ck_assert_str_eq(l.v[0].media_type, "a/b");
		ck_assert_ptr_null(l.v[0].download);
		cfs_model_attachment_list_clear(&l);
	}
}
END_TEST

START_TEST(test_space_shapes)
{
	struct cfs_space s = {0};

	ck_assert_int_eq(space_str("{\"results\":[]}", &s), -ENOENT);
	ck_assert_int_eq(space_str("{\"results\":[],\"_links\":{}}", &s), -ENOENT);
	ck_assert_int_eq(space_str("{\"results\":[{\"id\":\"1\"}]}", &s), -EBADMSG);
	ck_assert_int_eq(space_str("{\"results\":[{\"key\":\"K\"}]}", &s), -EBADMSG);
	ck_assert_int_eq(space_str("{\"results\":[{\"id\":\"1\",\"key\":\"\"}]}", &s), -EBADMSG);
	ck_assert_int_eq(space_str("{\"results\":[7]}", &s), -EBADMSG);
	ck_assert_int_eq(space_str("{\"results\":\"x\"}", &s), -EBADMSG);
	ck_assert_int_eq(space_str("{\"statusCode\":404,\"message\":\"No space\"}", &s), -EBADMSG);
	ck_assert_ptr_null(s.id);

	/* Data Center: /rest/api/space/KEY?expand=homepage, a bare object. */
	ck_assert_int_eq(space_str("{\"id\":98306,\"key\":\"TS\",\"name\":\"Test\","
	                           "\"homepage\":{\"id\":\"98307\",\"type\":\"page\"}}",
	                           &s),
	                 0);
	ck_assert_str_eq(s.id, "98306");
	ck_assert_str_eq(s.key, "TS");
	ck_assert_str_eq(s.homepage_id, "98307");
	cfs_model_space_clear(&s);

	ck_assert_int_eq(
	    space_str("{\"results\":[{\"id\":\"5\",\"key\":\"A\",\"homepageId\":null}]}", &s), 0);
	ck_assert_ptr_null(s.homepage_id);
	ck_assert_ptr_null(s.name);
	cfs_model_space_clear(&s);
}
END_TEST

START_TEST(test_user_current)
{
	static const struct {
		const char *json;
		const char *account;
		int anonymous;
	} cases[] = {
	    /* Cloud */
	    {"{\"type\":\"known\",\"accountId\":\"5dd6\",\"displayName\":\"Sean\"}", "5dd6", 0},
	    {"{\"type\":\"anonymous\",\"displayName\":\"Anonymous\"}", NULL, 1},
	    {"{\"type\":\"anonymous\",\"accountId\":\"x\"}", "x", 1},
	    {"{\"type\":\"known\",\"displayName\":\"No id\"}", NULL, 1},
	    {"{\"accountId\":\"\",\"displayName\":\"Empty\"}", NULL, 1},
	    {"{\"accountId\":null,\"userKey\":\"ff80\"}", "ff80", 0},
	    {"{}", NULL, 1},
	    /* Data Center */
	    {"{\"type\":\"known\",\"username\":\"admin\",\"userKey\":\"ff8080\","
	     "\"displayName\":\"Admin\"}",
	     "ff8080", 0},
	    {"{\"type\":\"known\",\"username\":\"admin\"}", "admin", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfs_user u;
		ck_assert_int_eq(user_str(cases[i].json, &u), 0);
		ck_assert_msg(u.anonymous == cases[i].anonymous, "%s", cases[i].json);
		if (cases[i].account)
			ck_assert_str_eq(u.account_id, cases[i].account);
		else
			ck_assert_ptr_null(u.account_id);
		cfs_model_user_clear(&u);
	}
	{
		struct cfs_user u;
		ck_assert_int_eq(user_str("{\"publicName\":\"P\",\"accountId\":\"a\"}", &u), 0);
		ck_assert_str_eq(u.display_name, "P");
		cfs_model_user_clear(&u);
		ck_assert_int_eq(user_str("[]", &u), -EBADMSG);
		ck_assert_int_eq(user_str("<html>Unauthorized</html>", &u), -EBADMSG);
	}
}
END_TEST

START_TEST(test_depth)
{
	char buf[512];
	size_t o;
	struct cfs_page p;

	/* v1 expansions nest deeply; 40 levels inside an unused field are fine. */
	o = (size_t)sprintf(buf, "{\"id\":\"1\",\"title\":\"t\",\"x\":");
	for (int i = 0; i < 40; i++)
		buf[o++] = '[';
	for (int i = 0; i < 40; i++)
		buf[o++] = ']';
	buf[o++] = '}';
	buf[o] = '\0';
	ck_assert_int_eq(page_str(buf, &p), 0);
	cfs_model_page_clear(&p);

	o = (size_t)sprintf(buf, "{\"x\":");
	for (int i = 0; i < 200; i++)
		buf[o++] = '[';
	for (int i = 0; i < 200; i++)
		buf[o++] = ']';
	buf[o++] = '}';
	buf[o] = '\0';
	ck_assert_int_eq(page_str(buf, &p), -EBADMSG);
}
END_TEST

START_TEST(test_time)
{
	static const struct {
		const char *s;
		int64_t sec;
		long nsec;
	} good[] = {
	    {"2026-05-27T07:13:32.034Z", 1779866012, 34000000},
	    {"2026-05-27T07:09:12Z", 1779865752, 0},
	    {"2017-05-30T12:59:19.623-07:00", 1496174359, 623000000},
	    {"2024-02-29T12:00:00+05:30", 1709188200, 0},
	    {"2024-02-29T12:00:00+0530", 1709188200, 0},
	    {"2024-02-29T17:00:00+05", 1709208000, 0},
	    {"2024-02-29T12:00:00.1z", 1709208000, 100000000},
	    {"2024-02-29t12:00:00,25Z", 1709208000, 250000000},
	    {"2024-02-29 12:00:00Z", 1709208000, 0},
	    {"2024-02-29T12:00:00", 1709208000, 0}, /* no zone: UTC */
	    {"2024-02-29T12:00:00.123456789123Z", 1709208000, 123456789},
	    {"1970-01-01T00:00:00Z", 0, 0},
	    {"1969-12-31T23:59:59Z", -1, 0},
	    {"1970-01-01T00:00:00+14:00", -14 * 3600, 0},
	    {"9999-12-31T23:59:59Z", 253402300799LL, 0},
	    {"2016-12-31T23:59:60Z", 1483228800, 0}, /* leap second */
	};
	static const char *const bad[] = {
	    "",
	    "garbage",
	    "2026-05-27",
	    "2026-05-27T07:13",
	    "2026-13-01T00:00:00Z",
	    "2026-00-01T00:00:00Z",
	    "2023-02-29T00:00:00Z",
	    "2026-04-31T00:00:00Z",
	    "2026-05-27T24:00:00Z",
	    "2026-05-27T07:60:00Z",
	    "2026-05-27T07:13:61Z",
	    "2026-05-27T07:13:32.Z",
	    "2026-05-27T07:13:32Zjunk",
	    "2026-05-27T07:13:32+05:",
	    "2026-05-27T07:13:32+5:00",
	    "2026-05-27T07:13:32+24:00",
	    "2026-05-27T07:13:32+05:60",
	    "2026-05-27T07:13:32 ",
	    "2026/05/27T07:13:32Z",
	    "+026-05-27T07:13:32Z",
	    "2026-05-27X07:13:32Z",
	};
	struct cfs_time t;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(cfs_model_time(good[i].s, &t) == 0, "%s", good[i].s);
		ck_assert_msg(t.sec == good[i].sec && t.nsec == good[i].nsec, "%s -> %lld.%09ld",
		              good[i].s, (long long)t.sec, t.nsec);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.sec = 42;
		t.nsec = 7;
		ck_assert_msg(cfs_model_time(bad[i], &t) == -EINVAL, "%s", bad[i]);
		ck_assert(t.sec == 42 && t.nsec == 7);
	}
	ck_assert_int_eq(cfs_model_time(NULL, &t), -EINVAL);
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model-edge");
	TCase *tc = tcase_create("edge");

	tcase_add_test(tc, test_position_shapes);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_titles);
	tcase_add_test(tc, test_wrong_types_are_absent);
	tcase_add_test(tc, test_malformed_json);
	tcase_add_test(tc, test_trailing_garbage);
	tcase_add_test(tc, test_next_and_append);
	tcase_add_test(tc, test_attachment_numbers);
	tcase_add_test(tc, test_space_shapes);
	tcase_add_test(tc, test_user_current);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_time);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(model_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
