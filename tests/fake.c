/* fake: start and steer scripts/fake-confluence from C tests. */
#include "fake.h"

#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void fake_start(struct fake *f, const char *const *args)
{
	const char *root = getenv("CFS_SOURCE_ROOT");
	char script[4096], portfile[128];
	const char *argv[64];
	int n = 0;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/cfs-fake-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(portfile, sizeof(portfile), "%s/port", f->dir);
	snprintf(script, sizeof(script), "%s/scripts/fake-confluence", root ? root : ".");
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--quiet";
	for (int i = 0; args && args[i] && n < 62; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	f->pid = fork();
	ck_assert_int_ge(f->pid, 0);
	if (f->pid == 0) {
		int devnull = open("/dev/null", 1);
		dup2(devnull, 1);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && !f->port; i++) {
		FILE *fp = fopen(portfile, "r");
		if (fp) {
			if (fscanf(fp, "%d", &f->port) != 1)
				f->port = 0;
			fclose(fp);
		}
		if (!f->port)
			usleep(50000);
	}
	ck_assert_msg(f->port > 0, "fake server did not start");
	snprintf(f->origin, sizeof(f->origin), "http://127.0.0.1:%d", f->port);
	snprintf(f->base, sizeof(f->base), "%s/wiki", f->origin);
}

void fake_stop(struct fake *f)
{
	char path[128];

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
	}
	snprintf(path, sizeof(path), "%s/port", f->dir);
	unlink(path);
	rmdir(f->dir);
}

struct buf {
	char *p;
	size_t n;
};

static size_t sink(char *d, size_t s, size_t n, void *u)
{
	struct buf *b = u;

	b->p = realloc(b->p, b->n + s * n + 1);
	memcpy(b->p + b->n, d, s * n);
	b->n += s * n;
	b->p[b->n] = '\0';
	return s * n;
}

char *fake_call(struct fake *f, const char *method, const char *path, const char *json)
{
	CURL *c = curl_easy_init();
	struct buf b = {calloc(1, 1), 0};
	char url[512];
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");

	snprintf(url, sizeof(url), "%s%s", f->origin, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (json)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return b.p;
}

long long fake_stat(struct fake *f, const char *key)
{
	char *body = fake_call(f, "GET", "/_fake/stats", NULL);
	json_object *o = json_tokener_parse(body), *v;
	long long r = -1;

	if (o && json_object_object_get_ex(o, key, &v))
		r = json_object_get_int64(v);
	json_object_put(o);
	free(body);
	return r;
}
