/* test_model_users: cfs_model_users() reads the answer to a bulk user lookup. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static int parse(const char *json, struct cfs_user_list *l)
{
	return cfs_model_users(json, strlen(json), l);
}

START_TEST(test_users_of_a_bulk_answer)
{
	/* as in the Cloud v1 spec (BulkUserLookupArray); a result without an
	 * account id is left out; publicName stands in for a missing displayName */
	const char *json =
	    "{\"results\":[{\"type\":\"known\",\"accountId\":\"557058:a\",\"accountType\":"
	    "\"atlassian\",\"email\":\"\",\"publicName\":\"Ada\",\"displayName\":\"Ada L\","
	    "\"profilePicture\":{},\"_expandable\":{},\"_links\":{}},"
	    "{\"type\":\"unknown\",\"displayName\":\"Nobody\"},"
	    "{\"type\":\"known\",\"accountId\":\"b\",\"publicName\":\"Bo\"}, 7],"
	    "\"start\":0,\"limit\":200,\"size\":3,\"_links\":{\"base\":\"https://x/wiki\"}}";
	struct cfs_user_list l;

	ck_assert_int_eq(parse(json, &l), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0].account_id, "557058:a");
	ck_assert_str_eq(l.v[0].display_name, "Ada L");
	ck_assert_int_eq(l.v[0].anonymous, 0);
	ck_assert_str_eq(l.v[1].account_id, "b");
	ck_assert_str_eq(l.v[1].display_name, "Bo");
	cfs_model_user_list_clear(&l);
	ck_assert_ptr_null(l.v);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(test_empty_and_bad_answers)
{
	struct cfs_user_list l;

	ck_assert_int_eq(parse("{\"results\":[],\"size\":0}", &l), 0);
	ck_assert_uint_eq(l.n, 0);
	cfs_model_user_list_clear(&l);
	ck_assert_int_eq(parse("{\"size\":0}", &l), -EBADMSG);
	ck_assert_ptr_null(l.v);
	ck_assert_int_eq(parse("{\"results\":{}}", &l), -EBADMSG);
	ck_assert_int_eq(parse("[]", &l), -EBADMSG);
	ck_assert_int_eq(parse("{\"results\":[", &l), -EBADMSG);
	ck_assert_int_eq(cfs_model_users(NULL, 0, &l), -EBADMSG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model-users");
	TCase *t = tcase_create("users");
	SRunner *r;
	int failed;

	tcase_add_test(t, test_users_of_a_bulk_answer);
	tcase_add_test(t, test_empty_and_bad_answers);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
