/* state: the state file's format — encode, decode (trusting nothing), atomic save.
 *
 * Layout (docs/state.md): a 24-byte header (magic "CFSSTATE", u32 format,
 * u32 reserved, u64 payload length), the payload, and a CRC-32 of everything
 * before it.  Integers are little-endian; a string is a u32 length
 * (0xffffffff: NULL) and its bytes.  The decoder checks the length, the
 * checksum and then every field's bounds, so a truncated, corrupt or foreign
 * file is an error, never a partly loaded state.
 */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint32_t cfs_state_crc32(uint32_t crc, const void *p, size_t n)
{
	static uint32_t table[256];
	static int ready;
	const unsigned char *b = p;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c; /* the same values from any thread: a benign race */
		}
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void cfs_state_clear(struct cfs_state *s)
{
	if (!s)
		return;
	free(s->url);
	for (size_t i = 0; i < s->nspaces; i++) {
		cfs_model_space_clear(&s->spaces[i].space);
		cfs_sync_listing_clear(&s->spaces[i].list);
	}
	free(s->spaces);
	for (size_t i = 0; i < s->nmd; i++)
		free(s->md[i].id);
	free(s->md);
	memset(s, 0, sizeof(*s));
}

/* ---- encoding ---- */

struct out {
	char *p;
	size_t n, cap;
	int err;
	int count;     /* only count the bytes (the sizing pass) */
	uint64_t plen; /* the payload's length, from the sizing pass */
	/* streaming to fd (stream set): p is a buffer of cap bytes, used of
	 * them filled; crc runs over what was written */
	int stream, fd;
	size_t used;
	uint32_t crc;
};

static int write_all(int fd, const char *p, size_t n);

static void flush(struct out *o)
{
	int ret;

	if (o->err || !o->used)
		return;
	o->crc = cfs_state_crc32(o->crc, o->p, o->used);
	if ((ret = write_all(o->fd, o->p, o->used)))
		o->err = ret;
	o->used = 0;
}

static void put(struct out *o, const void *p, size_t n)
{
	if (o->err)
		return;
	if (o->count) {
		o->n += n;
		return;
	}
	if (o->stream) {
		const char *c = p;

		o->n += n;
		while (n && !o->err) {
			size_t k = o->cap - o->used < n ? o->cap - o->used : n;

			memcpy(o->p + o->used, c, k);
			o->used += k;
			c += k;
			n -= k;
			if (o->used == o->cap)
				flush(o);
		}
		return;
	}
	if (o->n + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *q;

		while (cap < o->n + n)
			cap *= 2;
		q = realloc(o->p, cap);
		if (!q) {
			o->err = -ENOMEM;
			return;
		}
		o->p = q;
		o->cap = cap;
	}
	memcpy(o->p + o->n, p, n);
	o->n += n;
}

static void put_u64(struct out *o, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(o, b, 8);
}

static void put_u32(struct out *o, uint32_t v)
{
	unsigned char b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(o, b, 4);
}

static void put_str(struct out *o, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (s && n >= 0xffffffffu) {
		o->err = -EINVAL;
		return;
	}
	put_u32(o, s ? (uint32_t)n : 0xffffffffu);
	if (s)
		put(o, s, n);
}

static void put_time(struct out *o, struct cfs_time t)
{
	put_u64(o, (uint64_t)t.sec);
	put_u64(o, (uint64_t)(int64_t)t.nsec);
}

static void put_page(struct out *o, const struct cfs_page *p)
{
	put_str(o, p->id);
	put_u64(o, p->idnum);
	put_str(o, p->title);
	put_str(o, p->parent_id);
	put_str(o, p->type);
	put_str(o, p->parent_type);
	put_str(o, p->embed_url);
	put_u64(o, (uint64_t)p->position);
	put_u64(o, (uint64_t)p->version);
	put_time(o, p->mtime);
	put_time(o, p->created);
	put_str(o, p->author_id);
	put_str(o, p->labels);
	put_str(o, p->webui);
}

static void encode(struct out *o, const struct cfs_state *s);

/* Two passes: the size, then the bytes into one block of exactly that size
 * (a 100,000-page state is tens of MB: no doubling slack, docs/memory.md). */
int cfs_state_encode(const struct cfs_state *s, char **out, size_t *len)
{
	struct out o = {.count = 1};
	uint32_t crc;

	encode(&o, s);
	if (o.err)
		return o.err;
	o = (struct out){.cap = o.n + 4, .plen = (uint64_t)(o.n - CFS_STATE_HDR)};
	if (!(o.p = malloc(o.cap)))
		return -ENOMEM;
	encode(&o, s);
	if (o.err) {
		free(o.p);
		return o.err;
	}
	crc = cfs_state_crc32(0, o.p, o.n);
	put_u32(&o, crc);
	if (o.err) {
		free(o.p);
		return o.err;
	}
	*out = o.p;
	*len = o.n;
	return 0;
}

int cfs_state_encode_fd(const struct cfs_state *s, int fd)
{
	struct out o = {.count = 1};
	unsigned char b[4];
	int ret;

	encode(&o, s);
	if (o.err)
		return o.err;
	o = (struct out){
	    .cap = 1 << 16, .plen = (uint64_t)(o.n - CFS_STATE_HDR), .stream = 1, .fd = fd};
	if (!(o.p = malloc(o.cap)))
		return -ENOMEM;
	encode(&o, s);
	flush(&o);
	free(o.p);
	if (o.err)
		return o.err;
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(o.crc >> (8 * i));
	ret = write_all(fd, (const char *)b, 4);
	return ret;
}

/* A space and, when listed, its listing. */
static void put_space(struct out *o, const struct cfs_state_space *sp)
{
	const struct cfs_sync_listing *l = &sp->list;

	put_str(o, sp->space.id);
	put_str(o, sp->space.key);
	put_str(o, sp->space.name);
	put_str(o, sp->space.homepage_id);
	put_time(o, sp->space.created);
	put_u32(o, sp->listed ? 1 : 0);
	if (!sp->listed)
		return;
	put_u64(o, l->pages.n);
	for (size_t i = 0; i < l->pages.n; i++)
		put_page(o, &l->pages.v[i]);
	put_u64(o, l->atts.n);
	for (size_t i = 0; i < l->atts.n; i++) {
		const struct cfs_attachment *a = &l->atts.v[i];

		put_str(o, a->id);
		put_str(o, a->title);
		put_str(o, a->page_id);
		put_str(o, a->media_type);
		put_u64(o, (uint64_t)a->size);
		put_u64(o, (uint64_t)a->version);
		put_time(o, a->mtime);
		put_str(o, a->download);
	}
	put_u32(o, l->have_labels ? 1 : 0);
	put_u64(o, l->labels.n);
	for (size_t i = 0; i < l->labels.n; i++)
		put_page(o, &l->labels.v[i]);
	put_u64(o, l->ngone);
	for (size_t i = 0; i < l->ngone; i++)
		put_str(o, l->gone[i]);
}

/* Everything but the trailing checksum (the payload's length is o->plen). */
static void encode(struct out *o, const struct cfs_state *s)
{
	put(o, CFS_STATE_MAGIC, 8);
	put_u32(o, CFS_STATE_FORMAT);
	put_u32(o, 0);
	put_u64(o, o->plen); /* the payload's length (the sizing pass's) */
	put_u32(o, s->api);
	put_u64(o, (uint64_t)s->saved_at);
	put_str(o, s->url);
	put_u32(o, s->multi ? 1 : 0);
	put_u64(o, s->nspaces);
	for (size_t i = 0; i < s->nspaces; i++)
		put_space(o, &s->spaces[i]);
	put_u64(o, s->nmd);
	for (size_t i = 0; i < s->nmd; i++) {
		put_str(o, s->md[i].id);
		put_u64(o, (uint64_t)s->md[i].version);
		put_u64(o, s->md[i].size);
		put_u64(o, s->md[i].loc);
	}
}

/* ---- decoding ---- */

struct in {
	const unsigned char *p;
	size_t n, at;
	int bad; /* ran past the end or a field out of bounds */
	int nomem;
};

static uint64_t get_u64(struct in *i)
{
	uint64_t v = 0;

	if (i->bad || i->n - i->at < 8) {
		i->bad = 1;
		return 0;
	}
	for (int k = 0; k < 8; k++)
		v |= (uint64_t)i->p[i->at + (size_t)k] << (8 * k);
	i->at += 8;
	return v;
}

static uint32_t get_u32(struct in *i)
{
	uint32_t v = 0;

	if (i->bad || i->n - i->at < 4) {
		i->bad = 1;
		return 0;
	}
	for (int k = 0; k < 4; k++)
		v |= (uint32_t)i->p[i->at + (size_t)k] << (8 * k);
	i->at += 4;
	return v;
}

static char *get_str(struct in *i)
{
	uint32_t n = get_u32(i);
	char *s;

	if (i->bad || n == 0xffffffffu)
		return NULL;
	if (i->n - i->at < n || memchr(i->p + i->at, '\0', n)) {
		i->bad = 1;
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (!s) {
		i->nomem = i->bad = 1;
		return NULL;
	}
	memcpy(s, i->p + i->at, n);
	s[n] = '\0';
	i->at += n;
	return s;
}

/* A string that must be there. */
static char *get_req(struct in *i)
{
	char *s = get_str(i);

	if (!s)
		i->bad = 1;
	return s;
}

static struct cfs_time get_time(struct in *i)
{
	struct cfs_time t;

	t.sec = (int64_t)get_u64(i);
	t.nsec = (long)(int64_t)get_u64(i);
	if (t.nsec < 0 || t.nsec >= 1000000000L)
		i->bad = 1;
	return t;
}

/* A count of items each at least min bytes long: never more than what is left. */
static size_t get_count(struct in *i, size_t min)
{
	uint64_t n = get_u64(i);

	if (i->bad || n > (i->n - i->at) / min) {
		i->bad = 1;
		return 0;
	}
	return (size_t)n;
}

static void get_page(struct in *i, struct cfs_page *p)
{
	p->id = get_req(i);
	p->idnum = get_u64(i);
	p->title = get_str(i);
	p->parent_id = get_str(i);
	p->type = get_str(i);
	p->parent_type = get_str(i);
	p->embed_url = get_str(i);
	p->position = (int64_t)get_u64(i);
	p->version = (int64_t)get_u64(i);
	p->mtime = get_time(i);
	p->created = get_time(i);
	p->author_id = get_str(i);
	p->labels = get_str(i);
	p->webui = get_str(i);
}

#define MIN_PAGE 90 /* bytes of a page with every string NULL */

static int get_pages(struct in *i, struct cfs_page_list *l)
{
	size_t n = get_count(i, MIN_PAGE);

	if (i->bad)
		return -1;
	l->v = calloc(n + 1, sizeof(*l->v));
	if (!l->v) {
		i->nomem = i->bad = 1;
		return -1;
	}
	l->cap = n + 1;
	for (; l->n < n && !i->bad; l->n++)
		get_page(i, &l->v[l->n]);
	return i->bad ? -1 : 0;
}

#define MIN_SPACE 36 /* bytes of a space not listed: empty id and key, NULL name and homepage */

/* A space (and its listing when listed: always in format 1). */
static void get_space(struct in *i, struct cfs_state_space *sp, uint32_t format)
{
	struct cfs_sync_listing *l = &sp->list;

	sp->space.id = get_req(i);
	sp->space.key = get_req(i);
	sp->space.name = get_str(i);
	sp->space.homepage_id = get_str(i);
	sp->space.created = get_time(i);
	sp->listed = 1;
	if (format >= 2) {
		uint32_t listed = get_u32(i);

		if (listed > 1)
			i->bad = 1;
		sp->listed = (int)listed;
	}
	if (i->bad || !sp->listed)
		return;
	if (get_pages(i, &l->pages) == 0) {
		size_t n = get_count(i, 52);

		if (!i->bad && !(l->atts.v = calloc(n + 1, sizeof(*l->atts.v))))
			i->nomem = i->bad = 1;
		l->atts.cap = n + 1;
		for (; !i->bad && l->atts.n < n; l->atts.n++) {
			struct cfs_attachment *a = &l->atts.v[l->atts.n];

			a->id = get_req(i);
			a->title = get_req(i);
			a->page_id = get_str(i);
			a->media_type = get_str(i);
			a->size = (int64_t)get_u64(i);
			a->version = (int64_t)get_u64(i);
			a->mtime = get_time(i);
			a->download = get_str(i);
		}
	}
	if (!i->bad) {
		uint32_t hl = get_u32(i);

		if (hl > 1)
			i->bad = 1;
		l->have_labels = (int)hl;
	}
	if (!i->bad && get_pages(i, &l->labels) == 0) {
		size_t n = get_count(i, 4);

		if (!i->bad && !(l->gone = calloc(n + 1, sizeof(*l->gone))))
			i->nomem = i->bad = 1;
		for (; !i->bad && l->ngone < n; l->ngone++)
			l->gone[l->ngone] = get_req(i);
	}
}

static void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

int cfs_state_decode(const char *buf, size_t len, struct cfs_state *s, char *why, size_t why_len)
{
	struct in i = {(const unsigned char *)buf, len, 0, 0, 0};
	uint32_t format, crc;
	uint64_t plen;
	size_t nspaces = 0;

	if (len < CFS_STATE_HDR + 4 || memcmp(buf, CFS_STATE_MAGIC, 8) != 0) {
		why_set(why, why_len, "not a state file (%zu bytes)", len);
		return -EBADMSG;
	}
	i.at = 8;
	format = get_u32(&i);
	if (format != CFS_STATE_FORMAT && format != 1) {
		why_set(why, why_len, "format %u, this version reads 1 and %u", format,
		        CFS_STATE_FORMAT);
		return -EPROTO;
	}
	(void)get_u32(&i);
	plen = get_u64(&i);
	if (plen != len - CFS_STATE_HDR - 4) {
		why_set(why, why_len, "truncated or padded (%zu bytes, the header says %llu)", len,
		        (unsigned long long)(plen + CFS_STATE_HDR + 4));
		return -EBADMSG;
	}
	i.at = len - 4;
	crc = get_u32(&i);
	if (crc != cfs_state_crc32(0, buf, len - 4)) {
		why_set(why, why_len, "checksum mismatch");
		return -EBADMSG;
	}
	i.n = len - 4;
	i.at = CFS_STATE_HDR;

	s->api = get_u32(&i);
	s->saved_at = (int64_t)get_u64(&i);
	s->url = get_str(&i);
	if (format == 1) { /* one space, listed */
		nspaces = 1;
	} else {
		uint32_t multi = get_u32(&i);

		if (multi > 1)
			i.bad = 1;
		s->multi = (int)multi;
		nspaces = get_count(&i, MIN_SPACE);
		/* One space, or a directory per space of several. */
		if (!nspaces || (!s->multi && nspaces != 1))
			i.bad = 1;
	}
	if (!i.bad && !(s->spaces = calloc(nspaces + 1, sizeof(*s->spaces))))
		i.nomem = i.bad = 1;
	for (; !i.bad && s->nspaces < nspaces; s->nspaces++)
		get_space(&i, &s->spaces[s->nspaces], format);
	if (!i.bad) {
		size_t n = get_count(&i, 28);

		if (!i.bad && !(s->md = calloc(n + 1, sizeof(*s->md))))
			i.nomem = i.bad = 1;
		for (; !i.bad && s->nmd < n; s->nmd++) {
			s->md[s->nmd].id = get_req(&i);
			s->md[s->nmd].version = (int64_t)get_u64(&i);
			s->md[s->nmd].size = get_u64(&i);
			s->md[s->nmd].loc = get_u64(&i);
		}
	}
	if (!i.bad && i.at != i.n)
		i.bad = 1;
	if (i.bad) {
		int nomem = i.nomem;

		cfs_state_clear(s);
		why_set(why, why_len, nomem ? "out of memory" : "malformed payload");
		return nomem ? -ENOMEM : -EBADMSG;
	}
	return 0;
}

/* ---- files ---- */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int cfs_state_save(const char *path, const struct cfs_state *s)
{
	char *buf = NULL;
	size_t len;
	int ret = cfs_state_encode(s, &buf, &len);

	if (ret)
		return ret;
	ret = cfs_state_write(path, buf, len);
	free(buf);
	return ret;
}

struct bytes {
	const char *buf;
	size_t len;
};

static int fill_bytes(void *arg, int fd)
{
	const struct bytes *b = arg;

	return write_all(fd, b->buf, b->len);
}

int cfs_state_write(const char *path, const char *buf, size_t len)
{
	struct bytes b = {buf, len};

	return cfs_state_write_with(path, fill_bytes, &b);
}

int cfs_state_write_with(const char *path, int (*fill)(void *arg, int fd), void *arg)
{
	char *tmp = NULL;
	int fd, ret;

	/* Unique per process and not a disk cache suffix (".tmp" files are
	 * removed by the cache's open, which may be another mount's). */
	if (asprintf(&tmp, "%s.%ld.new", path, (long)getpid()) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = fill(arg, fd);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
out:
	free(tmp);
	return ret;
}

int cfs_state_sweep(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	struct dirent *e;
	int n = 0, dfd;
	DIR *d;

	if (!dir)
		return 0;
	d = opendir(*dir ? dir : "/");
	free(dir);
	if (!d)
		return 0;
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		char *end;
		long pid;

		/* "<base>.<pid>.new", pid a process that is gone */
		if (strncmp(e->d_name, base, blen) != 0 || e->d_name[blen] != '.')
			continue;
		pid = strtol(e->d_name + blen + 1, &end, 10);
		if (end == e->d_name + blen + 1 || strcmp(end, ".new") != 0 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive (maybe another mount saving), or not ours to ask */
		if (unlinkat(dfd, e->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int cfs_state_load(const char *path, struct cfs_state *s, char *why, size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf;
	size_t got = 0;
	int ret;

	if (fd < 0) {
		ret = -errno;
		why_set(why, why_len, "%s", strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > CFS_STATE_MAX_LEN) {
		close(fd);
		why_set(why, why_len, "not a regular file of a sane size");
		return -EBADMSG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	ret = cfs_state_decode(buf, got, s, why, why_len);
	free(buf);
	return ret;
}
