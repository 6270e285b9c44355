/* fake: start and steer scripts/fake-confluence from C tests. */
#ifndef CFS_TEST_FAKE_H
#define CFS_TEST_FAKE_H

#include <sys/types.h>

struct fake {
	pid_t pid;
	int port;
	char origin[64]; /* "http://127.0.0.1:PORT" */
	char base[80];   /* origin + "/wiki" */
	char dir[64];
};

/* Start the server with extra arguments (NULL-terminated); aborts the test on failure. */
void fake_start(struct fake *f, const char *const *args);
void fake_stop(struct fake *f);
/* POST/DELETE/GET a control path ("/_fake/..."); returns the body (malloc'd). */
char *fake_call(struct fake *f, const char *method, const char *path, const char *json);
/* A number from /_fake/stats, e.g. "peak_in_flight" or "requests". */
long long fake_stat(struct fake *f, const char *key);

#endif
