/* test_loop: the submit queue — every job runs once, on the loop thread, in order. */
#include "loop.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 8
#define JOBS    5000

static uv_thread_t loop_thread;
static atomic_int ran, cancelled_count, wrong_thread, out_of_order;
static int last_seen[THREADS];

struct job {
	int thread, seq;
};

static void on_start(uv_loop_t *loop, void *arg)
{
	loop_thread = uv_thread_self();
}

static void job_fn(void *arg, int cancelled)
{
	struct job *j = arg;

	if (cancelled) {
		atomic_fetch_add(&cancelled_count, 1);
	} else {
		uv_thread_t self = uv_thread_self();
		if (!uv_thread_equal(&self, &loop_thread))
			atomic_fetch_add(&wrong_thread, 1);
		/* Only the loop thread touches last_seen. */
		if (j->seq != last_seen[j->thread] + 1)
			atomic_fetch_add(&out_of_order, 1);
		last_seen[j->thread] = j->seq;
		atomic_fetch_add(&ran, 1);
	}
	free(j);
}

struct producer {
	struct cfs_loop *loop;
	int id;
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	for (int i = 1; i <= JOBS; i++) {
		struct job *j = malloc(sizeof(*j));
		j->thread = p->id;
		j->seq = i;
		ck_assert_int_eq(cfs_loop_submit(p->loop, job_fn, j), 0);
	}
	return NULL;
}

START_TEST(test_many_threads)
{
	struct cfs_loop *loop;
	pthread_t th[THREADS];
	struct producer p[THREADS];

	ck_assert_int_eq(cfs_loop_start(&loop, on_start, NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		p[i] = (struct producer){loop, i};
		pthread_create(&th[i], NULL, produce, &p[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	cfs_loop_stop(loop, NULL, NULL);
	/* Everything submitted before stop ran (or was cancelled), exactly once. */
	ck_assert_int_eq(atomic_load(&ran) + atomic_load(&cancelled_count), THREADS * JOBS);
	ck_assert_int_eq(atomic_load(&wrong_thread), 0);
	ck_assert_int_eq(atomic_load(&out_of_order), 0);
}
END_TEST

static void noop(void *arg, int cancelled)
{
}

static int submit_in_stop;
static int stop_on_loop_thread;

static void on_stop(uv_loop_t *uv, void *arg)
{
	uv_thread_t self = uv_thread_self();

	stop_on_loop_thread = uv_thread_equal(&self, &loop_thread);
	/* Once stopping, new work is refused rather than lost silently. */
	submit_in_stop = cfs_loop_submit(arg, noop, NULL);
}

START_TEST(test_submit_while_stopping_refused)
{
	struct cfs_loop *loop;

	ck_assert_int_eq(cfs_loop_start(&loop, on_start, NULL), 0);
	cfs_loop_stop(loop, on_stop, loop);
	ck_assert_int_eq(submit_in_stop, -ESHUTDOWN);
	ck_assert_int_eq(stop_on_loop_thread, 1);
}
END_TEST

/* A thread that outlives the loop opens files with openat(), as the state
 * saver does at unmount: the numbers of the loop's descriptors come back to
 * it.  Nothing orders it after the stop (a relaxed flag).  Under
 * ThreadSanitizer (suite loop of scripts/test --tsan) this was reported as a
 * race with the loop thread's epoll_wait (src/net/loop.c, loop_close). */
static atomic_int stopped;

static void *reuse_fds(void *arg)
{
	int *reused = arg;

	while (!atomic_load_explicit(&stopped, memory_order_relaxed))
		sched_yield();
	for (int i = 0; i < 8; i++) {
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);

		*reused += fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

START_TEST(test_descriptors_reused_after_stop)
{
	struct cfs_loop *loop;
	pthread_t t;
	int reused = 0;

	ck_assert_int_eq(cfs_loop_start(&loop, NULL, NULL), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, reuse_fds, &reused), 0);
	cfs_loop_stop(loop, NULL, NULL);
	atomic_store_explicit(&stopped, 1, memory_order_relaxed);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(reused, 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many_threads);
	tcase_add_test(tc, test_submit_while_stopping_refused);
	tcase_add_test(tc, test_descriptors_reused_after_stop);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
