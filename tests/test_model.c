/* test_model: Confluence JSON -> structs (src/base/model.c) on the real bodies of
 * tests/fixtures/api (Cloud v2, v1, Data Center).  Edge cases: test_model_edge.c.
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

/* ---- fixtures: Cloud v2 ---- */

START_TEST(test_v2_page_get)
{
	size_t len;
	char *b = slurp("cloud-v2/page_get_body-format_storage__real_2026.json", &len);
	struct cfs_page p;

	ck_assert_int_eq(cfs_model_page(b, len, &p), 0);
	ck_assert_str_eq(p.id, "3964929");
	ck_assert_uint_eq(p.idnum, 3964929);
	ck_assert_str_eq(p.title, "aai-cli skill doc test page (updated)");
	ck_assert_str_eq(p.parent_id, "98422");
	ck_assert_ptr_null(p.type);
	ck_assert_int_eq(p.position, 2500);
	ck_assert_int_eq(p.version, 2);
	/* version.createdAt (with millis) wins over the page's createdAt (without). */
	ck_assert_int_eq(p.mtime.sec, 1779866012);
	ck_assert_int_eq(p.mtime.nsec, 34000000);
	ck_assert_str_eq(p.author_id, "712020:3fd582db-3261-4930-b192-171d1cb74d1f");
	ck_assert_str_eq(p.body, "Updated body content for skill documentation.");
	ck_assert_str_eq(p.webui, "/spaces/SD/pages/3964929/aai-cli+skill+doc+test+page+updated");
	cfs_model_page_clear(&p);
	free(b);
}
END_TEST

/* A folder from GET /folders/{id}: the page fields, createdAt in epoch ms. */
START_TEST(test_v2_folder_get)
{
	size_t len;
	char *b = slurp("cloud-v2/SYNTH_folder_get.json", &len);
	struct cfs_page p;

	ck_assert_int_eq(cfs_model_page(b, len, &p), 0);
	ck_assert_str_eq(p.id, "4653064");
	ck_assert_str_eq(p.type, "folder");
	ck_assert_str_eq(p.title, "DailyNotes");
	ck_assert_str_eq(p.parent_id, "98418");
	ck_assert_str_eq(p.parent_type, "page");
	ck_assert_int_eq(p.position, 1500);
	ck_assert_int_eq(p.version, 1);
	ck_assert_int_eq(p.created.sec, 1747335600);
	ck_assert_int_eq(p.mtime.sec, 1747335600); /* version.createdAt */
	ck_assert_str_eq(p.webui, "/spaces/testspace/folder/4653064");
	ck_assert_ptr_null(p.embed_url);
	ck_assert_ptr_null(p.body);
	cfs_model_page_clear(&p);
	free(b);
}
END_TEST

/* A page whose parent is a folder says so in parentType; an embed has its target. */
START_TEST(test_v2_parent_type_and_embed)
{
	struct cfs_page_list l = {0};
	struct cfs_page *p;
	size_t len;
	char *b = slurp(
	    "cloud-v2/page_create_under_folder__TRIMMED_by_client__arcade__real_2025.json", &len);
	char *inner = memmem(b, len, "{\"authorId\"", 11), *end = b + len;
	struct cfs_page q;

	ck_assert_ptr_nonnull(inner);
	while (end > inner && end[-1] != '}')
		end--;
	end--; /* the wrapper's closing brace */
	ck_assert_int_eq(cfs_model_page(inner, (size_t)(end - inner), &q), 0);
	ck_assert_str_eq(q.parent_id, "4653064");
	ck_assert_str_eq(q.parent_type, "folder");
	cfs_model_page_clear(&q);
	free(b);

	p = one_page("{\"id\":\"7\",\"title\":\"Status board\",\"type\":\"embed\","
	             "\"embedUrl\":\"https://status.example.com/\",\"createdAt\":1700000000123,"
	             "\"parentType\":17}",
	             &l);
	ck_assert_str_eq(p->type, "embed");
	ck_assert_str_eq(p->embed_url, "https://status.example.com/");
	ck_assert_ptr_null(p->parent_type);
	ck_assert_int_eq(p->created.sec, 1700000000);
	ck_assert_int_eq(p->created.nsec, 123000000);
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_v2_page_create_response)
{
	size_t len;
	char *b = slurp("cloud-v2/page_create_response__real_2026.json", &len);
	struct cfs_page p;

	ck_assert_int_eq(cfs_model_page(b, len, &p), 0);
	ck_assert_str_eq(p.id, "4096001");
	ck_assert_str_eq(p.parent_id, "3964929");
	ck_assert_int_eq(p.position, 621);
	ck_assert_int_eq(p.version, 1);
	ck_assert_int_eq(p.mtime.sec, 1779866573);
	ck_assert_int_eq(p.mtime.nsec, 16000000);
	ck_assert_str_eq(p.body, "Child page body.");
	cfs_model_page_clear(&p);
	free(b);
}
END_TEST

START_TEST(test_v2_pages_list)
{
	size_t len;
	char *b = slurp("cloud-v2/pages_list__TRIMMED_by_client__real_2026.json", &len);
	struct cfs_page_list l = {0};

	ck_assert_int_eq(cfs_model_pages(b, len, &l), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_ptr_null(l.next);
	ck_assert_str_eq(l.v[0].id, "98422");
	ck_assert_str_eq(l.v[0].title, "Software Development");
	ck_assert_ptr_null(l.v[0].parent_id); /* "parentId": null */
	ck_assert_int_eq(l.v[0].position, INT64_MAX);
	ck_assert_int_eq(l.v[0].mtime.sec, 1778684128);
	ck_assert_int_eq(l.v[0].mtime.nsec, 624000000);
	ck_assert_ptr_null(l.v[0].body);
	ck_assert_str_eq(l.v[1].parent_id, "98422");
	ck_assert_str_eq(l.v[2].title, "Template - Meeting notes");
	ck_assert_int_eq(l.v[2].version, 1);
	cfs_model_page_list_clear(&l);
	free(b);
}
END_TEST

START_TEST(test_v2_children_and_direct_children)
{
	size_t len;
	char *b = http_body("cloud-v2/SYNTH_children_and_direct_children.http", 0, &len);
	struct cfs_page_list l = {0};

	ck_assert_int_eq(cfs_model_pages(b, len, &l), 0);
	free(b);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_ptr_null(l.next);
	ck_assert_int_eq(l.v[0].position, 0); /* childPosition */
	ck_assert_int_eq(l.v[1].position, 2500);

	b = http_body("cloud-v2/SYNTH_children_and_direct_children.http", 1, &len);
	ck_assert_int_eq(cfs_model_pages(b, len, &l), 0);
	free(b);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(l.v[2].type, "page");
	ck_assert_str_eq(l.v[3].type, "folder");
	ck_assert_str_eq(l.v[3].title, "Design docs");
	ck_assert_int_eq(l.v[3].position, INT64_MAX); /* "childPosition": null */
	ck_assert_str_eq(
	    l.next, "/wiki/api/v2/pages/98422/direct-children?limit=250&sort=id&cursor=OPAQUE");
	cfs_model_page_list_clear(&l);
}
END_TEST

START_TEST(test_v2_attachments)
{
	static const char *const files[] = {
	    "cloud-v2/SYNTH_attachments_full.json",
	    "cloud-v2/attachments_list__TRIMMED_by_client__real_2026.json",
	};
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *b = slurp(files[i], &len);
		struct cfs_attachment_list l = {0};
		struct cfs_attachment *a;

		ck_assert_int_eq(cfs_model_attachments(b, len, &l), 0);
		ck_assert_uint_eq(l.n, 1);
		ck_assert_ptr_null(l.next);
		a = &l.v[0];
		ck_assert_str_eq(a->id, "att3997705");
		ck_assert_str_eq(a->title, "skill_doc_test.txt");
		if (i == 0)
			ck_assert_str_eq(a->page_id, "3964929");
		else
			ck_assert_ptr_null(a->page_id); /* trimmed by the client */
		ck_assert_str_eq(a->media_type, "text/plain");
		ck_assert_int_eq(a->size, 30);
		ck_assert_int_eq(a->version, 1);
		ck_assert_int_eq(a->mtime.sec, 1779866120);
		ck_assert_int_eq(a->mtime.nsec, 913000000);
		ck_assert_str_eq(a->download,
		                 "/download/attachments/3964929/skill_doc_test.txt"
		                 "?version=1&modificationDate=1779866120913&cacheVersion=1&api=v2");
		cfs_model_attachment_list_clear(&l);
		free(b);
	}
}
END_TEST

START_TEST(test_v2_space_by_key)
{
	size_t len;
	char *b = http_body("cloud-v2/SYNTH_spaces_by_key.http", 0, &len);
	struct cfs_space s;

	ck_assert_int_eq(cfs_model_space(b, len, &s), 0);
	ck_assert_str_eq(s.id, "98309");
	ck_assert_str_eq(s.key, "ENG");
	ck_assert_str_eq(s.name, "Engineering");
	ck_assert_str_eq(s.homepage_id, "98422");
	cfs_model_space_clear(&s);
	free(b);
}
END_TEST

/* ---- fixtures: Cloud v1 ---- */

START_TEST(test_v1_page_expanded)
{
	size_t len;
	char *b = slurp("cloud-v1/content_get_expanded__mcp-atlassian.json", &len);
	struct cfs_page p;

	ck_assert_int_eq(cfs_model_page(b, len, &p), 0);
	ck_assert_str_eq(p.id, "987654321");
	ck_assert_str_eq(p.title, "Example Meeting Notes");
	ck_assert_str_eq(p.type, "page");
	ck_assert_ptr_null(p.parent_id);
	ck_assert_int_eq(p.position, 123456789);
	ck_assert_int_eq(p.version, 1);
	ck_assert_int_eq(p.mtime.sec, 1704099600); /* version.when */
	ck_assert_str_eq(p.author_id, "user123");  /* version.by.accountId */
	ck_assert_ptr_nonnull(strstr(p.body, "<ri:user ri:account-id=\"user123\" />"));
	ck_assert_str_eq(p.webui, "/spaces/PROJ/pages/987654321/Example+Meeting+Notes");
	cfs_model_page_clear(&p);
	free(b);
}
END_TEST

START_TEST(test_v1_page_ancestors_and_history)
{
	size_t len;
	char *b = slurp(
	    "cloud-v1/content_get_expanded_ancestors_children__2017__connectors-ruby.json", &len);
	struct cfs_page p;

	ck_assert_int_eq(cfs_model_page(b, len, &p), 0);
	ck_assert_str_eq(p.id, "10551886");
	ck_assert_str_eq(p.parent_id, "9609198"); /* the last ancestor */
	ck_assert_int_eq(p.position, INT64_MAX);  /* "none" */
	ck_assert_int_eq(p.version, 14);          /* history.lastUpdated.number */
	/* history.lastUpdated.when = 2017-05-30T12:59:19.623-07:00 */
	ck_assert_int_eq(p.mtime.sec, 1496174359);
	ck_assert_int_eq(p.mtime.nsec, 623000000);
	ck_assert_str_eq(p.author_id, "ff80808158ad128e0158ad12b4530002"); /* userKey */
	ck_assert_ptr_null(p.body); /* only export_view was expanded */
	cfs_model_page_clear(&p);
	free(b);

	b = slurp("cloud-v1/content_get_expanded_restrictions__2022__connectors-ruby.json", &len);
	ck_assert_int_eq(cfs_model_page(b, len, &p), 0);
	ck_assert_str_eq(p.id, "1952186369");
	ck_assert_str_eq(p.parent_id, "1952055429");
	ck_assert_int_eq(p.position, 222367857);
	ck_assert_int_eq(p.version, 2);
	ck_assert_int_eq(p.mtime.sec, 1641308326);
	ck_assert_str_eq(p.author_id, "5dd6bd2ab5933d0eefaf6fdb");
	cfs_model_page_clear(&p);
	free(b);
}
END_TEST

START_TEST(test_v1_content_search)
{
	size_t len;
	char *b = slurp("cloud-v1/content_search_cql__2017__connectors-ruby.json", &len);
	struct cfs_page_list l = {0};

	ck_assert_int_eq(cfs_model_pages(b, len, &l), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].title, "Backups Playbook");
	ck_assert_int_eq(l.v[0].position, INT64_MAX);
	ck_assert_ptr_null(l.next);
	cfs_model_page_list_clear(&l);
	free(b);

	/* /rest/api/search wraps items in "content": not a page listing. */
	b = slurp("cloud-v1/search_cql__rest_api_search__mcp-atlassian.json", &len);
	ck_assert_int_eq(cfs_model_pages(b, len, &l), -EBADMSG);
	ck_assert_uint_eq(l.n, 0);
	cfs_model_page_list_clear(&l);
	free(b);
}
END_TEST

START_TEST(test_v1_attachment)
{
	size_t len, blen;
	char *file = slurp("cloud-v1/attachment_get_expanded__2019__connectors-ruby.json", &len);
	char *b = malloc(len + 32);
	struct cfs_attachment_list l = {0};
	struct cfs_attachment *a;

	/* A single v1 attachment, wrapped as a child/attachment listing. */
	ck_assert_ptr_nonnull(b);
	blen = (size_t)sprintf(b, "{\"results\":[%.*s]}", (int)len, file);
	ck_assert_int_eq(cfs_model_attachments(b, blen, &l), 0);
	a = &l.v[0];
	ck_assert_str_eq(a->id, "att33012");
	ck_assert_str_eq(a->title, "cake.jpg");
	ck_assert_str_eq(a->page_id, "32989"); /* container.id */
	ck_assert_str_eq(a->media_type, "image/jpeg");
	ck_assert_int_eq(a->size, 14638);
	ck_assert_int_eq(a->version, 1);
	ck_assert_int_eq(a->mtime.sec, 1574352644);
	ck_assert_int_eq(a->mtime.nsec, 170000000);
	ck_assert_str_eq(a->download, "/download/attachments/32989/cake.jpg?version=1&"
	                              "modificationDate=1574352644170&cacheVersion=1&api=v2");
	cfs_model_attachment_list_clear(&l);
	free(b);
	free(file);
}
END_TEST

START_TEST(test_v1_space_lists)
{
	size_t len;
	char *b = slurp("cloud-v1/space_list__connectors-ruby.json", &len);
	struct cfs_space s;

	ck_assert_int_eq(cfs_model_space(b, len, &s), 0);
	ck_assert_str_eq(s.id, "655361"); /* a JSON number */
	ck_assert_str_eq(s.key, "SWPRJ");
	ck_assert_str_eq(s.name, "Demo Project Home");
	ck_assert_str_eq(s.homepage_id, "32773"); /* from _expandable.homepage */
	cfs_model_space_clear(&s);
	free(b);

	b = slurp("cloud-v1/space_list__mcp-atlassian.json", &len);
	ck_assert_int_eq(cfs_model_space(b, len, &s), 0);
	ck_assert_str_eq(s.id, "11111111");
	ck_assert_str_eq(s.key, "~user1");
	ck_assert_str_eq(s.homepage_id, "11111112");
	cfs_model_space_clear(&s);

	/* The whole list (several spaces per mount), appended, with its next link. */
	{
		struct cfs_space_list l = {0};

		ck_assert_int_eq(cfs_model_spaces(b, len, &l), 0);
		ck_assert_uint_eq(l.n, 2);
		ck_assert_str_eq(l.v[0].key, "~user1");
		ck_assert_str_eq(l.v[1].key, "PROJ");
		ck_assert_str_eq(l.next, "/rest/api/space?next=true&limit=5&start=5");
		free(b);
		b = slurp("cloud-v1/space_list__connectors-ruby.json", &len);
		ck_assert_int_eq(cfs_model_spaces(b, len, &l), 0);
		ck_assert_uint_eq(l.n, 3);
		ck_assert_str_eq(l.v[2].key, "SWPRJ");
		ck_assert_ptr_null(l.next);
		ck_assert_int_eq(cfs_model_spaces("{\"results\":[{\"key\":\"X\"}]}", 25, &l),
		                 -EBADMSG); /* no id */
		ck_assert_uint_eq(l.n, 3);
		cfs_model_space_list_clear(&l);
		ck_assert_uint_eq(l.n, 0);
	}
	free(b);
}
END_TEST

/* ---- fixtures: Data Center ---- */

START_TEST(test_dc_page_get)
{
	size_t len;
	char *b = slurp("dc/content_get__expand_body.storage.json", &len);
	struct cfs_page p;

	ck_assert_int_eq(cfs_model_page(b, len, &p), 0);
	ck_assert_str_eq(p.id, "3965072");
	ck_assert_str_eq(p.title, "Test Page");
	ck_assert_str_eq(p.type, "page");
	ck_assert_str_eq(p.body, "<p>blah blah</p>");
	ck_assert_str_eq(p.webui, "/display/TST/Test+Page");
	ck_assert_int_eq(p.version, 0);
	ck_assert_int_eq(p.mtime.sec, 0);
	ck_assert_ptr_null(p.author_id);
	cfs_model_page_clear(&p);
	free(b);
}
END_TEST

START_TEST(test_dc_content_lists)
{
	static const struct {
		const char *file;
		const char *next;
		int64_t pos1;
	} cases[] = {
	    {"dc/content_list_start0__GET_rest_api_content_limit2.json",
	     "/rest/api/content?limit=2&start=2", 0},
	    {"dc/content_list_start2__prev_next__position_none.json",
	     "/rest/api/content?limit=2&start=4", INT64_MAX},
	    {"dc/content_scan_page1__GET_rest_api_content_scan_limit2.json",
	     "/rest/api/content/scan?cursor=content:false:393229&limit=2", 0},
	    {"dc/content_scan_page2__cursor.json",
	     "/rest/api/content/scan?cursor=content:false:393244&limit=2", INT64_MAX},
	};
	struct cfs_page_list l = {0};

	/* Appending batch after batch, as pagination does. */
	for (size_t i = 0; i < 4; i++) {
		size_t len;
		char *b = slurp(cases[i].file, &len);
		ck_assert_int_eq(cfs_model_pages(b, len, &l), 0);
		ck_assert_uint_eq(l.n, 2 * (i + 1));
		ck_assert_str_eq(l.next, cases[i].next);
		ck_assert_int_eq(l.v[2 * i + 1].position, cases[i].pos1);
		ck_assert_str_eq(l.v[2 * i].type, "page");
		free(b);
	}
	ck_assert_str_eq(l.v[2].title, "Page 3");
	ck_assert_int_eq(l.v[2].position, 2);
	ck_assert_str_eq(l.v[3].id, "393244");
	ck_assert_str_eq(l.v[3].webui, "/display/SS/Second+space+Home");
	cfs_model_page_list_clear(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.next);
}
END_TEST

/* Every sample goes through every parser: no crash, no leak, only documented errors. */
START_TEST(test_every_fixture_every_parser)
{
	static const char *const dirs[] = {"cloud-v1", "cloud-v2", "dc"};
	const char *root = getenv("CFS_FIXTURES");
	int files = 0;

	ck_assert_ptr_nonnull(root);
	for (int d = 0; d < 3; d++) {
		char path[4096];
		DIR *dir;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/api/%s", root, dirs[d]);
		dir = opendir(path);
		ck_assert_msg(dir != NULL, "cannot open %s", path);
		while ((de = readdir(dir))) {
			size_t nl = strlen(de->d_name), len;
			char rel[600], *b;
			struct cfs_page_list pl = {0};
			struct cfs_page p;
			struct cfs_attachment_list al = {0};
			struct cfs_space_list sl = {0};
			struct cfs_space s;
			struct cfs_user u;
			int r;

			if (nl < 5 || strcmp(de->d_name + nl - 5, ".json") != 0)
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
			b = slurp(rel, &len);
			r = cfs_model_pages(b, len, &pl);
			ck_assert_msg(r == 0 || r == -EBADMSG, "%s: pages %d", rel, r);
			cfs_model_page_list_clear(&pl);
			r = cfs_model_page(b, len, &p);
			ck_assert_msg(r == 0 || r == -EBADMSG, "%s: page %d", rel, r);
			if (r == 0)
				cfs_model_page_clear(&p);
			r = cfs_model_attachments(b, len, &al);
			ck_assert_msg(r == 0 || r == -EBADMSG, "%s: attachments %d", rel, r);
			cfs_model_attachment_list_clear(&al);
			r = cfs_model_spaces(b, len, &sl);
			ck_assert_msg(r == 0 || r == -EBADMSG, "%s: spaces %d", rel, r);
			cfs_model_space_list_clear(&sl);
			r = cfs_model_space(b, len, &s);
			ck_assert_msg(r == 0 || r == -EBADMSG || r == -ENOENT, "%s: space %d", rel,
			              r);
			if (r == 0)
				cfs_model_space_clear(&s);
			ck_assert_int_eq(cfs_model_user(b, len, &u), 0);
			cfs_model_user_clear(&u);
			free(b);
			files++;
		}
		closedir(dir);
	}
	ck_assert_int_ge(files, 15);
}
END_TEST

/* ---- hand-written edge cases ---- */

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("fixtures");

	tcase_add_test(tc, test_v2_page_get);
	tcase_add_test(tc, test_v2_page_create_response);
	tcase_add_test(tc, test_v2_folder_get);
	tcase_add_test(tc, test_v2_parent_type_and_embed);
	tcase_add_test(tc, test_v2_pages_list);
	tcase_add_test(tc, test_v2_children_and_direct_children);
	tcase_add_test(tc, test_v2_attachments);
	tcase_add_test(tc, test_v2_space_by_key);
	tcase_add_test(tc, test_v1_page_expanded);
	tcase_add_test(tc, test_v1_page_ancestors_and_history);
	tcase_add_test(tc, test_v1_content_search);
	tcase_add_test(tc, test_v1_attachment);
	tcase_add_test(tc, test_v1_space_lists);
	tcase_add_test(tc, test_dc_page_get);
	tcase_add_test(tc, test_dc_content_lists);
	tcase_add_test(tc, test_every_fixture_every_parser);
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
