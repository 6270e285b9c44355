/* test_model: unit tests for Confluence JSON -> structs (src/base/model.c) on real and edge-case
 * bodies.
 */
#include "model.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

/* A copy of s without its NUL, in an exact-size buffer, so that ASan sees any over-read. */
static char *exact(const char *s, size_t len)
{
	char *b = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(b);
	memcpy(b, s, len);
	return b;
}

/* $CFS_FIXTURES/api/<rel>, read into an exact-size buffer (not NUL-terminated). */
static char *slurp(const char *rel, size_t *len)
{
	const char *dir = getenv("CFS_FIXTURES");
	char path[4096], *buf;
	FILE *f;
	long size;

	ck_assert_msg(dir != NULL, "CFS_FIXTURES is not set");
	snprintf(path, sizeof(path), "%s/api/%s", dir, rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	buf = malloc(size ? (size_t)size : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return buf;
}

/* The which-th JSON body ({" ... matching }) in a .http transcript, as an exact-size buffer. */
static char *http_body(const char *rel, int which, size_t *len)
{
	size_t flen, i = 0;
	char *file = slurp(rel, &flen), *body = NULL;

	for (int k = 0; i + 1 < flen && !body; i++) {
		size_t depth = 0, j = i;
		int in_str = 0;
		if (file[i] != '{' || file[i + 1] != '"')
			continue;
		for (; j < flen; j++) {
			char c = file[j];
			if (in_str) {
				if (c == '\\')
					j++;
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if ((c == '}' || c == ']') && --depth == 0) {
				break;
			}
		}
		ck_assert_uint_lt(j, flen);
		if (k++ == which) {
			*len = j + 1 - i;
			body = exact(file + i, *len);
		}
		i = j;
	}
	free(file);
	ck_assert_msg(body != NULL, "no body %d in %s", which, rel);
	return body;
}

static int pages_str(const char *s, struct cfs_page_list *l)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_pages(b, strlen(s), l);
	free(b);
	return ret;
}

static int page_str(const char *s, struct cfs_page *p)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_page(b, strlen(s), p);
	free(b);
	return ret;
}

static int atts_str(const char *s, struct cfs_attachment_list *l)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_attachments(b, strlen(s), l);
	free(b);
	return ret;
}

static int space_str(const char *s, struct cfs_space *sp)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_space(b, strlen(s), sp);
	free(b);
	return ret;
}

static int user_str(const char *s, struct cfs_user *u)
{
	char *b = exact(s, strlen(s));
	int ret = cfs_model_user(b, strlen(s), u);
	free(b);
	return ret;
}

/* One page wrapped in a listing: parse and return it (the caller clears the list). */
static struct cfs_page *one_page(const char *item, struct cfs_page_list *l)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "{\"results\":[%s]}", item);
	ck_assert_int_eq(pages_str(buf, l), 0);
	ck_assert_uint_eq(l->n, 1);
	return &l->v[0];
}

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
	Suite *s = suite_create("model");
	TCase *fx = tcase_create("fixtures");
	TCase *edge = tcase_create("edge");

	tcase_add_test(fx, test_v2_page_get);
	tcase_add_test(fx, test_v2_page_create_response);
	tcase_add_test(fx, test_v2_folder_get);
	tcase_add_test(fx, test_v2_parent_type_and_embed);
	tcase_add_test(fx, test_v2_pages_list);
	tcase_add_test(fx, test_v2_children_and_direct_children);
	tcase_add_test(fx, test_v2_attachments);
	tcase_add_test(fx, test_v2_space_by_key);
	tcase_add_test(fx, test_v1_page_expanded);
	tcase_add_test(fx, test_v1_page_ancestors_and_history);
	tcase_add_test(fx, test_v1_content_search);
	tcase_add_test(fx, test_v1_attachment);
	tcase_add_test(fx, test_v1_space_lists);
	tcase_add_test(fx, test_dc_page_get);
	tcase_add_test(fx, test_dc_content_lists);
	tcase_add_test(fx, test_every_fixture_every_parser);
	suite_add_tcase(s, fx);

	tcase_add_test(edge, test_position_shapes);
	tcase_add_test(edge, test_ids);
	tcase_add_test(edge, test_titles);
	tcase_add_test(edge, test_wrong_types_are_absent);
	tcase_add_test(edge, test_malformed_json);
	tcase_add_test(edge, test_trailing_garbage);
	tcase_add_test(edge, test_next_and_append);
	tcase_add_test(edge, test_attachment_numbers);
	tcase_add_test(edge, test_space_shapes);
	tcase_add_test(edge, test_user_current);
	tcase_add_test(edge, test_depth);
	tcase_add_test(edge, test_time);
	suite_add_tcase(s, edge);
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
