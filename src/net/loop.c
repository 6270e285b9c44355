/* loop: the libuv event-loop thread and the one thread-safe way into it.
 *
 * DESIGN.  One thread runs a private uv_loop_t.  Every uv handle and the curl
 * multi handle belong to it.  Other threads (FUSE workers, the thread pool,
 * main) reach it only through cfs_loop_submit(): the job is appended to a list
 * under a mutex and uv_async_send() wakes the loop, which moves the whole list
 * out under the lock and runs the jobs unlocked, in submission order (the
 * pattern of libuv's threadpool.c).  uv_async_send coalesces wake-ups, so the
 * drain must take everything that is queued.
 */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>

struct job {
	cfs_loop_fn fn;
	void *arg;
	struct job *next;
};

struct cfs_loop {
	uv_loop_t uv;
	uv_thread_t thread;
	uv_async_t wake;
	uv_mutex_t lock;
	struct job *head, *tail; /* protected by lock */
	int stopping;            /* protected by lock */
	void (*on_start)(uv_loop_t *, void *);
	void (*on_stop)(uv_loop_t *, void *);
	void *start_arg, *stop_arg;
	uv_sem_t started;
};

#ifdef __SANITIZE_THREAD__
void __sanitizer_syscall_pre_impl_close(long fd);
#endif

/* uv_loop_close, after the loop thread has ended.  Under ThreadSanitizer, the
 * descriptors it closes are first said closed: libuv closes them with a raw
 * close(2) that TSan does not see, and gcc 12's TSan does not record a
 * descriptor made by openat(), so when the state saver at unmount opened a
 * file that got the number of the loop's epoll descriptor and closed it, TSan
 * reported a race with the loop thread's epoll_wait on the old one
 * (test_descriptors_reused_after_stop). */
static void loop_close(uv_loop_t *uv)
{
#ifdef __SANITIZE_THREAD__
	int fds[] = {uv->backend_fd, uv->async_io_watcher.fd, uv->async_wfd, uv->signal_pipefd[0],
	             uv->signal_pipefd[1]};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			__sanitizer_syscall_pre_impl_close(fds[i]);
#endif
	uv_loop_close(uv);
}

static struct job *take_all(struct cfs_loop *l, int *stopping)
{
	struct job *list;

	uv_mutex_lock(&l->lock);
	list = l->head;
	l->head = l->tail = NULL;
	*stopping = l->stopping;
	uv_mutex_unlock(&l->lock);
	return list;
}

static void run_jobs(struct job *list, int cancelled)
{
	while (list) {
		struct job *next = list->next;
		list->fn(list->arg, cancelled);
		free(list);
		list = next;
	}
}

static void on_wake(uv_async_t *h)
{
	struct cfs_loop *l = h->data;
	int stopping;
	struct job *list = take_all(l, &stopping);

	run_jobs(list, 0);
	if (stopping) {
		if (l->on_stop)
			l->on_stop(&l->uv, l->stop_arg);
		uv_close((uv_handle_t *)&l->wake, NULL);
	}
}

static void loop_main(void *arg)
{
	struct cfs_loop *l = arg;

	if (l->on_start)
		l->on_start(&l->uv, l->start_arg);
	uv_sem_post(&l->started);
	uv_run(&l->uv, UV_RUN_DEFAULT);
}

int cfs_loop_start(struct cfs_loop **out, void (*on_start)(uv_loop_t *, void *), void *arg)
{
	struct cfs_loop *l = calloc(1, sizeof(*l));
	int ret = -ENOMEM;

	if (!l)
		goto out;
	ret = uv_loop_init(&l->uv);
	if (ret)
		goto err_free;
	ret = uv_mutex_init(&l->lock);
	if (ret)
		goto err_loop;
	ret = uv_sem_init(&l->started, 0);
	if (ret)
		goto err_mutex;
	ret = uv_async_init(&l->uv, &l->wake, on_wake);
	if (ret)
		goto err_sem;
	l->wake.data = l;
	l->on_start = on_start;
	l->start_arg = arg;
	ret = uv_thread_create(&l->thread, loop_main, l);
	if (ret)
		goto err_async;
	uv_sem_wait(&l->started);
	*out = l;
	return 0;

err_async:
	uv_close((uv_handle_t *)&l->wake, NULL);
	uv_run(&l->uv, UV_RUN_DEFAULT);
err_sem:
	uv_sem_destroy(&l->started);
err_mutex:
	uv_mutex_destroy(&l->lock);
err_loop:
	loop_close(&l->uv);
err_free:
	free(l);
out:
	return ret;
}

int cfs_loop_submit(struct cfs_loop *l, cfs_loop_fn fn, void *arg)
{
	struct job *j = malloc(sizeof(*j));
	int ret = 0;

	if (!j)
		return -ENOMEM;
	j->fn = fn;
	j->arg = arg;
	j->next = NULL;
	uv_mutex_lock(&l->lock);
	if (l->stopping) {
		ret = -ESHUTDOWN;
	} else {
		if (l->tail)
			l->tail->next = j;
		else
			l->head = j;
		l->tail = j;
	}
	uv_mutex_unlock(&l->lock);
	if (ret)
		free(j);
	else
		uv_async_send(&l->wake);
	return ret;
}

void cfs_loop_stop(struct cfs_loop *l, void (*on_stop)(uv_loop_t *, void *), void *arg)
{
	int dummy;

	uv_mutex_lock(&l->lock);
	l->on_stop = on_stop;
	l->stop_arg = arg;
	l->stopping = 1;
	uv_mutex_unlock(&l->lock);
	uv_async_send(&l->wake);
	uv_thread_join(&l->thread);
	/* Jobs submitted after the last drain but before stopping was seen. */
	run_jobs(take_all(l, &dummy), 1);
	loop_close(&l->uv);
	uv_sem_destroy(&l->started);
	uv_mutex_destroy(&l->lock);
	free(l);
}
