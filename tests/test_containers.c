/* test_containers: learning the folders, whiteboards, ... a page listing points to (containers.c).
 */
#include "containers.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(struct cfs_page_list *l, const char *id, const char *parent, const char *ptype,
                const char *type)
{
	struct cfs_page *p;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	p->id = strdup(id);
	p->title = strdup(id);
	p->parent_id = parent ? strdup(parent) : NULL;
	p->parent_type = ptype ? strdup(ptype) : NULL;
	p->type = type ? strdup(type) : NULL;
}

/* A site: what GET /{type}s/{id} answers (parent, parent type), 404 when absent.
 * Fetches are answered only when the test says so, to see them in flight. */
struct site {
	struct cfs_page_list containers; /* what the server has */
	struct cfs_page_list known;      /* what the tree remembers */
	struct pending {
		cfs_containers_got_fn got;
		void *ctx;
		char id[32], type[32];
	} q[64];
	size_t nq, asked;
	char log[512]; /* "type:id " per fetch */
	int done, err;
	size_t fetched, failed;
};

static const struct cfs_page *find(const struct cfs_page_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

static void copy(const struct cfs_page *p, struct cfs_page *out)
{
	out->id = strdup(p->id);
	out->title = strdup(p->title);
	out->type = p->type ? strdup(p->type) : NULL;
	out->parent_id = p->parent_id ? strdup(p->parent_id) : NULL;
	out->parent_type = p->parent_type ? strdup(p->parent_type) : NULL;
	out->version = p->version;
}

static int known(void *arg, const char *id, struct cfs_page *out)
{
	struct site *s = arg;
	const struct cfs_page *p = find(&s->known, id);

	if (!p)
		return -ENOENT;
	copy(p, out);
	return 0;
}

static int fetch(void *arg, const char *type, const char *id, cfs_containers_got_fn got, void *ctx)
{
	struct site *s = arg;
	struct pending *q = &s->q[s->nq++];

	q->got = got;
	q->ctx = ctx;
	snprintf(q->id, sizeof(q->id), "%s", id);
	snprintf(q->type, sizeof(q->type), "%s", type);
	snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log), "%s:%s ", type, id);
	s->asked++;
	return 0;
}

/* Answer the fetches in flight now (not those they cause). */
static void answer(struct site *s)
{
	struct pending now[64];
	size_t n = s->nq;

	memcpy(now, s->q, n * sizeof(*now));
	s->nq = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cfs_page *p = find(&s->containers, now[i].id);
		struct cfs_page c = {0};

		if (!p) {
			now[i].got(now[i].ctx, -ENOENT, 404, "not found", NULL);
			continue;
		}
		copy(p, &c);
		now[i].got(now[i].ctx, 0, 200, NULL, &c);
		cfs_model_page_clear(&c);
	}
}

static void done(void *arg, int err, size_t fetched, size_t failed)
{
	struct site *s = arg;

	s->done++;
	s->err = err;
	s->fetched = fetched;
	s->failed = failed;
}

static int listed(const struct cfs_page_list *l, const char *id)
{
	return find(l, id) != NULL;
}

/* Chains are followed level by level, all of a level at once, each id once. */
START_TEST(test_chains_once_each)
{
	struct site s = {0};
	struct cfs_page_list pages = {0};
	struct cfs_containers_ops ops = {.known = known, .fetch = fetch, .arg = &s};

	add(&pages, "1", NULL, NULL, NULL);        /* Home */
	add(&pages, "2", "F1", "folder", NULL);    /* in F1, in F2, under Home */
	add(&pages, "3", "F1", "folder", NULL);    /* F1 again: asked once */
	add(&pages, "4", "W", "whiteboard", NULL); /* known from before: not asked */
	add(&pages, "5", "F404", "folder", NULL);  /* the server says 404 */
	add(&pages, "6", "P9", "page", NULL);      /* a trashed page: not asked */
	add(&pages, "7", "1", "page", NULL);       /* under Home: nothing to learn */
	add(&pages, "8", "D", "database", NULL);   /* a database at the top */
	add(&s.containers, "F1", "F2", "folder", "folder");
	add(&s.containers, "F2", "1", "page", "folder");
	add(&s.containers, "D", NULL, NULL, "database");
	add(&s.known, "W", "WF", "folder", "whiteboard");
	add(&s.known, "WF", NULL, NULL, "folder");

	ck_assert_int_eq(cfs_containers_learn(&pages, NULL, &ops, done, &s), 0);
	/* The first level is in flight at once; the known ones are already in. */
	ck_assert_str_eq(s.log, "folder:F1 folder:F404 database:D ");
	ck_assert_int_eq(s.done, 0);
	ck_assert(listed(&pages, "W") && listed(&pages, "WF"));
	answer(&s);
	ck_assert_str_eq(s.log, "folder:F1 folder:F404 database:D folder:F2 ");
	ck_assert_int_eq(s.done, 0);
	answer(&s);
	ck_assert_int_eq(s.done, 1);
	ck_assert_int_eq(s.err, 0);
	ck_assert_uint_eq(s.fetched, 3);
	ck_assert_uint_eq(s.failed, 1);
	ck_assert(listed(&pages, "F1") && listed(&pages, "F2") && listed(&pages, "D"));
	ck_assert(!listed(&pages, "F404") && !listed(&pages, "P9"));
	ck_assert_uint_eq(pages.n, 8 + 5);
	ck_assert_str_eq(find(&pages, "F1")->type, "folder");
	cfs_model_page_list_clear(&pages);
	cfs_model_page_list_clear(&s.containers);
	cfs_model_page_list_clear(&s.known);
}
END_TEST

/* Nothing unknown: no request, the callback at once.  A cycle ends. */
START_TEST(test_nothing_to_learn_and_cycles)
{
	struct site s = {0};
	struct cfs_page_list pages = {0};
	struct cfs_containers_ops ops = {.fetch = fetch, .arg = &s};

	add(&pages, "1", NULL, NULL, NULL);
	add(&pages, "2", "1", "page", NULL);
	ck_assert_int_eq(cfs_containers_learn(&pages, NULL, &ops, done, &s), 0);
	ck_assert_int_eq(s.done, 1);
	ck_assert_uint_eq(s.asked, 0);

	s.done = 0;
	add(&pages, "3", "A", "folder", NULL);
	add(&s.containers, "A", "B", "folder", "folder");
	add(&s.containers, "B", "A", "folder", "folder");
	ck_assert_int_eq(cfs_containers_learn(&pages, NULL, &ops, done, &s), 0);
	for (int i = 0; i < 5 && !s.done; i++)
		answer(&s);
	ck_assert_int_eq(s.done, 1);
	ck_assert_uint_eq(s.asked, 2);
	ck_assert_uint_eq(s.fetched, 2);
	cfs_model_page_list_clear(&pages);
	cfs_model_page_list_clear(&s.containers);
}
END_TEST

/* A search names containers nothing hangs under: they are learnt too, with their parents. */
START_TEST(test_found_by_search)
{
	struct site s = {0};
	struct cfs_page_list pages = {0}, found = {0};
	struct cfs_containers_ops ops = {.known = known, .fetch = fetch, .arg = &s};

	add(&pages, "1", NULL, NULL, NULL);
	add(&found, "E", NULL, NULL, "folder"); /* an empty folder in F */
	add(&found, "K", NULL, NULL, "folder"); /* known: not fetched */
	add(&found, "R", NULL, NULL, "folder"); /* known, but renamed since: fetched */
	found.v[found.n - 1].version = 2;
	add(&found, "1", NULL, NULL, "page"); /* not a container: ignored */
	add(&s.containers, "E", "F", "folder", "folder");
	add(&s.containers, "F", "1", "page", "folder");
	add(&s.containers, "R", "1", "page", "folder");
	add(&s.known, "K", "1", "page", "folder");
	add(&s.known, "R", "1", "page", "folder");
	s.known.v[s.known.n - 1].version = 1;
	ck_assert_int_eq(cfs_containers_learn(&pages, &found, &ops, done, &s), 0);
	ck_assert_str_eq(s.log, "folder:E folder:R ");
	answer(&s);
	ck_assert_str_eq(s.log, "folder:E folder:R folder:F ");
	answer(&s);
	ck_assert_int_eq(s.done, 1);
	ck_assert(listed(&pages, "E") && listed(&pages, "F") && listed(&pages, "K") &&
	          listed(&pages, "R"));
	ck_assert_uint_eq(pages.n, 5);
	cfs_model_page_list_clear(&pages);
	cfs_model_page_list_clear(&found);
	cfs_model_page_list_clear(&s.containers);
	cfs_model_page_list_clear(&s.known);
}
END_TEST

/* An id found gone before is not asked for; one gone now is reported. */
static char lost_ids[64];

static int gone(void *arg, const char *id)
{
	return strcmp(id, "G") == 0;
}

static void lost(void *arg, const char *id)
{
	snprintf(lost_ids + strlen(lost_ids), sizeof(lost_ids) - strlen(lost_ids), "%s ", id);
}

START_TEST(test_gone_and_lost)
{
	struct site s = {0};
	struct cfs_page_list pages = {0};
	struct cfs_containers_ops ops = {
	    .known = known, .fetch = fetch, .gone = gone, .lost = lost, .arg = &s};

	add(&pages, "2", "G", "folder", NULL);
	add(&pages, "3", "N", "folder", NULL);
	ck_assert_int_eq(cfs_containers_learn(&pages, NULL, &ops, done, &s), 0);
	ck_assert_str_eq(s.log, "folder:N ");
	answer(&s); /* N: 404 */
	ck_assert_int_eq(s.done, 1);
	ck_assert_uint_eq(s.failed, 1);
	ck_assert_str_eq(lost_ids, "N ");
	ck_assert_uint_eq(pages.n, 2);
	cfs_model_page_list_clear(&pages);
}
END_TEST

/* A fetch that cannot even start counts as failed; the pages stay. */
static int fetch_fails(void *arg, const char *type, const char *id, cfs_containers_got_fn got,
                       void *ctx)
{
	return -ENOMEM;
}

START_TEST(test_fetch_refused)
{
	struct site s = {0};
	struct cfs_page_list pages = {0};
	struct cfs_containers_ops ops = {.fetch = fetch_fails, .arg = &s};

	add(&pages, "2", "F", "folder", NULL);
	ck_assert_int_eq(cfs_containers_learn(&pages, NULL, &ops, done, &s), 0);
	ck_assert_int_eq(s.done, 1);
	ck_assert_uint_eq(s.failed, 1);
	ck_assert_uint_eq(pages.n, 1);
	cfs_model_page_list_clear(&pages);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("containers");
	TCase *tc = tcase_create("learn");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_chains_once_each);
	tcase_add_test(tc, test_nothing_to_learn_and_cycles);
	tcase_add_test(tc, test_fetch_refused);
	tcase_add_test(tc, test_found_by_search);
	tcase_add_test(tc, test_gone_and_lost);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
