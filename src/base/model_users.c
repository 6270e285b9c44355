/* model_users: the answer to a bulk user lookup (GET /rest/api/user/bulk, Cloud). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "model.h"

/*
 * {"results": [user, ...], "start", "limit", "size", "_links"}: each result
 * is read as cfs_model_user() reads one user (same fields, same fallbacks);
 * results without an account id are skipped.
 */
int cfs_model_users(const char *json, size_t len, struct cfs_user_list *l)
{
	struct json_tokener *tok;
	struct json_object *root = NULL, *results;
	int ret = -EBADMSG;
	size_t n;

	memset(l, 0, sizeof(*l));
	if (!json || len > INT_MAX)
		return -EBADMSG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "results", &results) ||
	    !json_object_is_type(results, json_type_array))
		goto out;
	n = json_object_array_length(results);
	l->v = calloc(n ? n : 1, sizeof(*l->v));
	if (!l->v) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *el = json_object_array_get_idx(results, i);
		const char *s;
		struct cfs_user u;

		if (!json_object_is_type(el, json_type_object))
			continue;
		s = json_object_to_json_string_ext(el, JSON_C_TO_STRING_PLAIN);
		if (!s) {
			ret = -ENOMEM;
			goto out;
		}
		ret = cfs_model_user(s, strlen(s), &u);
		if (ret == -ENOMEM)
			goto out;
		if (ret < 0 || !u.account_id) {
			cfs_model_user_clear(&u);
			continue;
		}
		l->v[l->n++] = u;
	}
	ret = 0;
out:
	if (ret)
		cfs_model_user_list_clear(l);
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

void cfs_model_user_list_clear(struct cfs_user_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		cfs_model_user_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
