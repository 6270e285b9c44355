/* loop: the libuv event-loop thread and the one thread-safe way into it. */
#ifndef CFS_LOOP_H
#define CFS_LOOP_H

#include <uv.h>

struct cfs_loop;

/* A job to run on the loop thread.  Called exactly once, with cancelled != 0
 * when the loop is shutting down (the job must then only release its argument). */
typedef void (*cfs_loop_fn)(void *arg, int cancelled);

/* Start the loop thread.  on_start runs first on the loop thread (e.g. to
 * create the HTTP client); it may be NULL.  Returns 0 or -errno. */
int cfs_loop_start(struct cfs_loop **out, void (*on_start)(uv_loop_t *loop, void *arg), void *arg);

/* Queue fn(arg) to run on the loop thread.  Any thread.  Never blocks on I/O.
 * Returns 0, or -ESHUTDOWN when the loop is stopping (fn is then not called). */
int cfs_loop_submit(struct cfs_loop *loop, cfs_loop_fn fn, void *arg);

/* Stop: on_stop runs on the loop thread (close handles there), queued jobs
 * are called with cancelled=1, the loop runs until every handle is closed,
 * then the thread is joined and everything freed.  Call from any thread but
 * the loop's, once. */
void cfs_loop_stop(struct cfs_loop *loop, void (*on_stop)(uv_loop_t *loop, void *arg), void *arg);

#endif
