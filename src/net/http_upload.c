/* http_upload: a file as a multipart/form-data body, streamed from disk
 * (curl_mime_data_cb): an upload of any size costs a read buffer of curl's,
 * not the file's size in memory.  The file is opened again for each attempt
 * (curl may rewind it, through the seek callback, after a redirect or a
 * 401 challenge).  docs/shape.md. */
#include "http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct src {
	int fd;
};

static size_t src_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct src *s = arg;
	ssize_t n = read(s->fd, buf, size * nitems);

	return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static int src_seek(void *arg, curl_off_t off, int origin)
{
	struct src *s = arg;

	return lseek(s->fd, (off_t)off, origin) < 0 ? CURL_SEEKFUNC_FAIL : CURL_SEEKFUNC_OK;
}

static void src_free(void *arg)
{
	struct src *s = arg;

	close(s->fd);
	free(s);
}

int cfs_http_mime(CURL *e, const struct cfs_http_upload *up, curl_mime **out)
{
	struct src *s = calloc(1, sizeof(*s));
	curl_mime *m = NULL;
	curl_mimepart *part;
	struct stat st;

	if (!s)
		return -ENOMEM;
	s->fd = open(up->path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0 || fstat(s->fd, &st) < 0) {
		int err = -errno;

		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return err;
	}
	m = curl_mime_init(e);
	part = m ? curl_mime_addpart(m) : NULL;
	if (!part || curl_mime_name(part, "file") != CURLE_OK ||
	    curl_mime_filename(part, up->filename) != CURLE_OK ||
	    (up->type && curl_mime_type(part, up->type) != CURLE_OK) ||
	    curl_mime_data_cb(part, (curl_off_t)st.st_size, src_read, src_seek, src_free, s) !=
	        CURLE_OK) {
		src_free(s);
		curl_mime_free(m);
		return -ENOMEM;
	}
	/* From here s belongs to the part. */
	part = curl_mime_addpart(m);
	if (!part || curl_mime_name(part, "minorEdit") != CURLE_OK ||
	    curl_mime_data(part, "true", CURL_ZERO_TERMINATED) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_MIMEPOST, m) != CURLE_OK) {
		curl_mime_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

struct cfs_http_upload *cfs_http_upload_new(const char *path, const char *filename,
                                            const char *type)
{
	struct cfs_http_upload *up = calloc(1, sizeof(*up));

	if (!up)
		return NULL;
	up->path = strdup(path);
	up->filename = strdup(filename);
	up->type = type ? strdup(type) : NULL;
	if (!up->path || !up->filename || (type && !up->type)) {
		cfs_http_upload_free(up);
		return NULL;
	}
	return up;
}

void cfs_http_upload_free(struct cfs_http_upload *up)
{
	if (!up)
		return;
	free(up->path);
	free(up->filename);
	free(up->type);
	free(up);
}
