/* Unit tests of the state file (state.c), the tree's export (tree_export.c) and
 * rendered pages on disk (pagestore.c). */
#include "pagestore.h"
#include "state.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void add_page(struct cfs_page_list *l, const char *id, const char *title, const char *parent,
                     const char *type, int64_t version)
{
	struct cfs_page *p;

	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->cap = l->n + 1;
	p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	p->id = xstrdup(id);
	p->idnum = strtoull(id, NULL, 10);
	p->title = xstrdup(title);
	p->parent_id = xstrdup(parent);
	p->type = xstrdup(type);
	p->position = l->n;
	p->version = version;
	p->mtime = (struct cfs_time){1700000000 + version, 5};
	p->created = (struct cfs_time){1690000000, 0};
	p->author_id = xstrdup("u1");
	p->webui = xstrdup("/spaces/X/pages/1");
}

/* A small state: two pages, a blog post, an attachment, labels, a rendered page. */
static void sample(struct cfs_state *s)
{
	struct cfs_attachment *a;

	memset(s, 0, sizeof(*s));
	s->api = 1;
	s->saved_at = 1733000000;
	s->url = xstrdup("http://127.0.0.1:1/wiki");
	s->spaces = calloc(1, sizeof(*s->spaces));
	s->nspaces = 1;
	s->spaces[0].listed = 1;
	s->spaces[0].space.id = xstrdup("42");
	s->spaces[0].space.key = xstrdup("DEMO");
	s->spaces[0].space.name = xstrdup("Demo ✓");
	s->spaces[0].space.created = (struct cfs_time){1600000000, 0};
	add_page(&s->spaces[0].list.pages, "100", "Home", NULL, "page", 3);
	add_page(&s->spaces[0].list.pages, "101", "Child", "100", "page", 1);
	add_page(&s->spaces[0].list.pages, "200", "A post", NULL, "blogpost", 2);
	s->spaces[0].list.atts.v = calloc(1, sizeof(*s->spaces[0].list.atts.v));
	s->spaces[0].list.atts.n = s->spaces[0].list.atts.cap = 1;
	a = &s->spaces[0].list.atts.v[0];
	a->id = xstrdup("att7");
	a->title = xstrdup("pic.png");
	a->page_id = xstrdup("101");
	a->media_type = xstrdup("image/png");
	a->size = 1234;
	a->version = 2;
	a->download = xstrdup("/download/attachments/101/pic.png");
	s->spaces[0].list.have_labels = 1;
	add_page(&s->spaces[0].list.labels, "101", NULL, NULL, NULL, 0);
	s->spaces[0].list.labels.v[0].labels = xstrdup("ops,runbook");
	s->spaces[0].list.gone = calloc(1, sizeof(char *));
	s->spaces[0].list.gone[0] = xstrdup("999");
	s->spaces[0].list.ngone = 1;
	s->md = calloc(1, sizeof(*s->md));
	s->md[0] = (struct cfs_state_md){xstrdup("101"), 1, 77, 0x1234};
	s->nmd = 1;
}

static void encode(const struct cfs_state *s, char **buf, size_t *len)
{
	ck_assert_int_eq(cfs_state_encode(s, buf, len), 0);
}

START_TEST(round_trip)
{
	struct cfs_state s, d = {0};
	char *buf, *buf2, why[128];
	size_t len, len2;

	sample(&s);
	encode(&s, &buf, &len);
	ck_assert_int_eq(cfs_state_decode(buf, len, &d, why, sizeof(why)), 0);
	ck_assert_str_eq(d.url, s.url);
	ck_assert_str_eq(d.spaces[0].space.name, "Demo ✓");
	ck_assert_uint_eq(d.spaces[0].list.pages.n, 3);
	ck_assert_str_eq(d.spaces[0].list.pages.v[1].parent_id, "100");
	ck_assert_ptr_null(d.spaces[0].list.pages.v[0].parent_id);
	ck_assert_str_eq(d.spaces[0].list.pages.v[2].type, "blogpost");
	ck_assert_int_eq(d.spaces[0].list.pages.v[2].mtime.sec, 1700000002);
	ck_assert_int_eq(d.spaces[0].list.pages.v[2].mtime.nsec, 5);
	ck_assert_uint_eq(d.spaces[0].list.atts.n, 1);
	ck_assert_int_eq(d.spaces[0].list.atts.v[0].size, 1234);
	ck_assert_str_eq(d.spaces[0].list.labels.v[0].labels, "ops,runbook");
	ck_assert_str_eq(d.spaces[0].list.gone[0], "999");
	ck_assert_uint_eq(d.nmd, 1);
	ck_assert_uint_eq(d.md[0].loc, 0x1234);
	/* Encoding what was decoded gives the same bytes. */
	encode(&d, &buf2, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_int_eq(memcmp(buf, buf2, len), 0);
	free(buf);
	free(buf2);
	cfs_state_clear(&s);
	cfs_state_clear(&d);
}
END_TEST

START_TEST(every_truncation_fails)
{
	struct cfs_state s;
	char *buf, why[128];
	size_t len;

	sample(&s);
	encode(&s, &buf, &len);
	for (size_t n = 0; n < len; n++) {
		struct cfs_state d = {0};
		int ret = cfs_state_decode(buf, n, &d, why, sizeof(why));

		ck_assert_msg(ret == -EBADMSG, "length %zu of %zu: %d", n, len, ret);
		ck_assert_ptr_null(d.spaces); /* nothing half-loaded */
	}
	free(buf);
	cfs_state_clear(&s);
}
END_TEST

START_TEST(every_flipped_byte_fails)
{
	struct cfs_state s;
	char *buf, why[128];
	size_t len;

	sample(&s);
	encode(&s, &buf, &len);
	for (size_t i = 0; i < len; i++) {
		struct cfs_state d = {0};
		int ret;

		buf[i] ^= 0x20;
		ret = cfs_state_decode(buf, len, &d, why, sizeof(why));
		ck_assert_msg(ret == -EBADMSG || ret == -EPROTO, "byte %zu: %d", i, ret);
		if (i >= CFS_STATE_HDR && i < len - 4)
			ck_assert_str_eq(why, "checksum mismatch");
		buf[i] ^= 0x20;
	}
	free(buf);
	cfs_state_clear(&s);
}
END_TEST

START_TEST(wrong_version)
{
	struct cfs_state s, d = {0};
	char *buf, why[128];
	size_t len;
	uint32_t crc;

	sample(&s);
	encode(&s, &buf, &len);
	buf[8] = (char)(CFS_STATE_FORMAT + 1);
	/* Even with a valid checksum, another format is refused. */
	crc = cfs_state_crc32(0, buf, len - 4);
	for (int i = 0; i < 4; i++)
		buf[len - 4 + (size_t)i] = (char)(crc >> (8 * i));
	ck_assert_int_eq(cfs_state_decode(buf, len, &d, why, sizeof(why)), -EPROTO);
	ck_assert_ptr_nonnull(strstr(why, "format 3"));
	free(buf);
	cfs_state_clear(&s);
}
END_TEST

START_TEST(crc32_known_value)
{
	/* The standard check value of CRC-32/ISO-HDLC. */
	ck_assert_uint_eq(cfs_state_crc32(0, "123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(cfs_state_crc32(cfs_state_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}
END_TEST

START_TEST(save_and_load_file)
{
	char dir[] = "/tmp/cfs-state-XXXXXX", path[256], why[128];
	struct cfs_state s, d = {0};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	ck_assert_int_eq(cfs_state_load(path, &d, why, sizeof(why)), -ENOENT);
	sample(&s);
	ck_assert_int_eq(cfs_state_save(path, &s), 0);
	ck_assert_int_eq(cfs_state_load(path, &d, why, sizeof(why)), 0);
	ck_assert_uint_eq(d.spaces[0].list.pages.n, 3);
	/* Only the file itself is left: the temporary was renamed. */
	{
		char tmp[300];

		snprintf(tmp, sizeof(tmp), "%s.%ld.new", path, (long)getpid());
		ck_assert_int_ne(access(tmp, F_OK), 0);
	}
	/* Truncated on disk: refused. */
	ck_assert_int_eq(truncate(path, 100), 0);
	cfs_state_clear(&d);
	ck_assert_int_eq(cfs_state_load(path, &d, why, sizeof(why)), -EBADMSG);
	unlink(path);
	rmdir(dir);
	cfs_state_clear(&s);
	cfs_state_clear(&d);
}
END_TEST

/* A crash during a save leaves "state.<pid>.new": removed when that process
 * is gone, kept while it lives (another mount may be saving). */
START_TEST(sweep_removes_only_dead_temporaries)
{
	char dir[] = "/tmp/cfs-state-XXXXXX", path[256], dead[300], alive[300], other[300];
	pid_t child;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(child, NULL, 0), child); /* reaped: its pid is free */
	snprintf(dead, sizeof(dead), "%s.%ld.new", path, (long)child);
	snprintf(alive, sizeof(alive), "%s.%ld.new", path, (long)getpid());
	snprintf(other, sizeof(other), "%s/statex.%ld.new", dir, (long)child);
	for (const char *f = dead; f; f = f == dead ? alive : f == alive ? other : NULL) {
		fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	ck_assert_int_eq(cfs_state_sweep(path), 1);
	ck_assert_int_ne(access(dead, F_OK), 0);
	ck_assert_int_eq(access(alive, F_OK), 0);
	ck_assert_int_eq(access(other, F_OK), 0);
	ck_assert_int_eq(cfs_state_sweep(path), 0);
	unlink(alive);
	unlink(other);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static int fill_stream(void *arg, int fd)
{
	return cfs_state_encode_fd(arg, fd);
}

/* The streamed encoding (the saver's) is byte for byte the in-memory one,
 * also past the 64 KiB buffer, and loads back. */
START_TEST(stream_same_bytes)
{
	char dir[] = "/tmp/cfs-state-XXXXXX", path[256], why[128], title[32];
	struct cfs_state s, d = {0};
	char *buf, *got;
	size_t len;
	FILE *f;

	sample(&s);
	for (int i = 0; i < 2000; i++) { /* ~100 KiB: the buffer is flushed */
		char id[16];

		snprintf(id, sizeof(id), "%d", 1000 + i);
		snprintf(title, sizeof(title), "Page number %d", i);
		add_page(&s.spaces[0].list.pages, id, title, "100", "page", 1);
	}
	encode(&s, &buf, &len);
	ck_assert_uint_gt(len, 1 << 16);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	ck_assert_int_eq(cfs_state_write_with(path, fill_stream, &s), 0);
	got = malloc(len + 1);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(got, 1, len + 1, f), len);
	fclose(f);
	ck_assert_int_eq(memcmp(got, buf, len), 0);
	ck_assert_int_eq(cfs_state_load(path, &d, why, sizeof(why)), 0);
	ck_assert_uint_eq(d.spaces[0].list.pages.n, 2003);
	ck_assert_str_eq(d.spaces[0].list.pages.v[2002].title, "Page number 1999");
	free(got);
	free(buf);
	unlink(path);
	rmdir(dir);
	cfs_state_clear(&s);
	cfs_state_clear(&d);
}
END_TEST

/* A state of one listed space holding l (moved in). */
static void one_space(struct cfs_state *st, struct cfs_sync_listing *l)
{
	memset(st, 0, sizeof(*st));
	st->spaces = calloc(1, sizeof(*st->spaces));
	st->nspaces = 1;
	st->spaces[0].listed = 1;
	st->spaces[0].space.id = xstrdup("42");
	st->spaces[0].space.key = xstrdup("DEMO");
	st->spaces[0].list = *l;
	memset(l, 0, sizeof(*l));
}

/* The tree exports what it loaded; loading the export gives the same export. */
START_TEST(tree_export_round_trip)
{
	struct cfs_state s;
	struct cfs_tree *t, *t2;
	struct cfs_sync_listing a, b;
	char *ba, *bb;
	size_t la, lb;
	struct cfs_state sa, sb;

	sample(&s);
	ck_assert_int_eq(cfs_tree_new(s.url, &s.spaces[0].space, 1, 0, &t), 0);
	ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
	ck_assert_int_eq(cfs_tree_export(t, 0, &a), 0);
	ck_assert_uint_eq(a.pages.n, 3);
	ck_assert_uint_eq(a.atts.n, 1);
	ck_assert_int_eq(a.have_labels, 1);
	ck_assert_uint_eq(a.ngone, 1);
	ck_assert_int_eq(cfs_tree_new(s.url, &s.spaces[0].space, 1, 0, &t2), 0);
	ck_assert_int_eq(cfs_sync_apply(t2, 0, &a, NULL), 0);
	ck_assert_int_eq(cfs_tree_export(t2, 0, &b), 0);
	one_space(&sa, &a);
	one_space(&sb, &b);
	encode(&sa, &ba, &la);
	encode(&sb, &bb, &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert_int_eq(memcmp(ba, bb, la), 0);
	ck_assert_uint_eq(cfs_tree_locate_hash(t), cfs_tree_locate_hash(t2));
	free(ba);
	free(bb);
	cfs_state_clear(&sa);
	cfs_state_clear(&sb);
	cfs_tree_free(t);
	cfs_tree_free(t2);
	cfs_state_clear(&s);
}
END_TEST

struct lent_bytes {
	struct cfs_state st; /* all but the spaces: empty here */
	char *buf;
	size_t len;
};

static int encode_lent(void *arg, int multi, const struct cfs_state_space *v, size_t n)
{
	struct lent_bytes *e = arg;
	int ret;

	e->st.multi = multi;
	e->st.spaces = (struct cfs_state_space *)v; /* lent: handed back below */
	e->st.nspaces = n;
	ret = cfs_state_encode(&e->st, &e->buf, &e->len);
	e->st.spaces = NULL;
	e->st.nspaces = 0;
	return ret;
}

/* The lent listing (the saver's, docs/memory.md) encodes to the same bytes
 * as a copy of it. */
START_TEST(tree_with_state_same_bytes)
{
	struct cfs_state s, copied;
	struct cfs_sync_listing l;
	struct lent_bytes lent = {0};
	struct cfs_tree *t;
	char *bc;
	size_t lc;

	sample(&s);
	ck_assert_int_eq(cfs_tree_new(s.url, &s.spaces[0].space, 1, 0, &t), 0);
	ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
	ck_assert_int_eq(cfs_tree_export(t, 0, &l), 0);
	ck_assert_uint_eq(l.pages.n, 3);
	one_space(&copied, &l);
	free(copied.spaces[0].space.name);
	copied.spaces[0].space.name = xstrdup("Demo ✓");
	copied.spaces[0].space.created = s.spaces[0].space.created;
	encode(&copied, &bc, &lc);
	ck_assert_int_eq(cfs_tree_with_state(t, encode_lent, &lent), 0);
	ck_assert_ptr_nonnull(lent.buf);
	ck_assert_uint_eq(lent.len, lc);
	ck_assert_int_eq(memcmp(lent.buf, bc, lc), 0);
	free(bc);
	free(lent.buf);
	cfs_state_clear(&copied);
	cfs_tree_free(t);
	cfs_state_clear(&s);
}
END_TEST

/* A mount of several spaces: each listed space with its listing, a space
 * never listed by its name only; decoded and built into a tree again, the
 * listed space is loaded and the other is not. */
START_TEST(several_spaces_round_trip)
{
	struct cfs_state s, d = {0};
	struct cfs_space v[2] = {
	    {.id = (char *)"42", .key = (char *)"DEMO", .name = (char *)"Demo ✓"},
	    {.id = (char *)"43", .key = (char *)"OPS", .name = (char *)"Ops"}};
	struct lent_bytes lent = {0};
	struct cfs_tree *t, *t2;
	char why[128];
	int loaded = -1;

	sample(&s);
	ck_assert_int_eq(cfs_tree_new(s.url, v, 2, 1, &t), 0);
	ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
	ck_assert_int_eq(cfs_tree_with_state(t, encode_lent, &lent), 0);
	ck_assert_int_eq(cfs_state_decode(lent.buf, lent.len, &d, why, sizeof(why)), 0);
	ck_assert_int_eq(d.multi, 1);
	ck_assert_uint_eq(d.nspaces, 2);
	ck_assert_int_eq(d.spaces[0].listed, 1);
	ck_assert_uint_eq(d.spaces[0].list.pages.n, 3);
	ck_assert_str_eq(d.spaces[1].space.key, "OPS");
	ck_assert_str_eq(d.spaces[1].space.name, "Ops");
	ck_assert_int_eq(d.spaces[1].listed, 0);
	ck_assert_uint_eq(d.spaces[1].list.pages.n, 0);
	/* The same tree from the decoded state: the same where, the same state. */
	v[0] = d.spaces[0].space;
	v[1] = d.spaces[1].space;
	ck_assert_int_eq(cfs_tree_new(s.url, v, 2, 1, &t2), 0);
	ck_assert_int_eq(cfs_sync_apply(t2, 0, &d.spaces[0].list, NULL), 0);
	ck_assert_int_eq(cfs_tree_space(t2, 1, NULL, NULL, &loaded), 0);
	ck_assert_int_eq(loaded, 0);
	ck_assert_uint_eq(cfs_tree_locate_hash(t), cfs_tree_locate_hash(t2));
	{
		struct lent_bytes again = {0};

		ck_assert_int_eq(cfs_tree_with_state(t2, encode_lent, &again), 0);
		ck_assert_uint_eq(again.len, lent.len);
		ck_assert_int_eq(memcmp(again.buf, lent.buf, lent.len), 0);
		free(again.buf);
	}
	/* A state of one space that claims two, or of several that claims none, is refused. */
	{
		struct cfs_state bad = {0};
		char *buf;
		size_t len;

		d.multi = 0;
		encode(&d, &buf, &len);
		ck_assert_int_eq(cfs_state_decode(buf, len, &bad, why, sizeof(why)), -EBADMSG);
		free(buf);
		d.multi = 1;
		d.nspaces = 0;
		encode(&d, &buf, &len);
		ck_assert_int_eq(cfs_state_decode(buf, len, &bad, why, sizeof(why)), -EBADMSG);
		free(buf);
		d.nspaces = 2;
	}
	free(lent.buf);
	cfs_tree_free(t);
	cfs_tree_free(t2);
	cfs_state_clear(&d);
	cfs_state_clear(&s);
}
END_TEST

/* A state written by the version before several spaces were kept (format 1,
 * one space; tests/fixtures/state/format1.state is sample() as that version
 * encoded it) is read, not discarded, and written again as format 2. */
START_TEST(format1_is_read)
{
	char path[512], why[128];
	const char *fx = getenv("CFS_FIXTURES");
	struct cfs_state d = {0}, s;
	char *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/state/format1.state", fx ? fx : "tests/fixtures");
	ck_assert_int_eq(cfs_state_load(path, &d, why, sizeof(why)), 0);
	ck_assert_int_eq(d.multi, 0);
	ck_assert_uint_eq(d.nspaces, 1);
	ck_assert_int_eq(d.spaces[0].listed, 1);
	ck_assert_str_eq(d.spaces[0].space.name, "Demo ✓");
	ck_assert_uint_eq(d.spaces[0].list.pages.n, 3);
	ck_assert_str_eq(d.spaces[0].list.gone[0], "999");
	ck_assert_uint_eq(d.nmd, 1);
	ck_assert_uint_eq(d.md[0].loc, 0x1234);
	/* Written again: format 2, the same as the sample encodes today. */
	encode(&d, &buf, &len);
	ck_assert_uint_eq(buf[8], 2);
	{
		char *b2;
		size_t l2;

		sample(&s);
		encode(&s, &b2, &l2);
		ck_assert_uint_eq(l2, len);
		ck_assert_int_eq(memcmp(b2, buf, len), 0);
		free(b2);
		cfs_state_clear(&s);
	}
	free(buf);
	cfs_state_clear(&d);
}
END_TEST

/* The key of a title in space 0, as tree_int.h computes it. */
static uint64_t title_key(const char *title)
{
	uint64_t h = 1469598103934665603ull;

	for (; *title; title++)
		h = (h ^ (unsigned char)*title) * 1099511628211ull;
	return h;
}

static uint64_t sig_of(struct cfs_tree *t, const char *file, const uint64_t *keys, size_t n)
{
	struct cfs_tree_where *w;
	struct cfs_tree_attr a;
	uint64_t sig;

	ck_assert_int_eq(cfs_tree_lookup(t, CFS_ROOT_INO, file, &a), 0);
	ck_assert_int_eq(cfs_tree_where_new(t, &w), 0);
	sig = cfs_tree_link_sig(t, w, a.node, keys, n);
	cfs_tree_where_free(w);
	return sig;
}

/* A page's link signature changes when a title it links to (or its own)
 * moves, appears or goes, and only then. */
START_TEST(link_signature)
{
	struct cfs_state s;
	struct cfs_tree *t;
	uint64_t keys[1] = {title_key("Child")}, base, other;

	sample(&s);
	ck_assert_int_eq(cfs_tree_new(s.url, &s.spaces[0].space, 1, 0, &t), 0);
	add_page(&s.spaces[0].list.pages, "300", "Other", NULL, "page", 1);
	ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
	base = sig_of(t, "Home.md", keys, 1);
	other = sig_of(t, "Other.md", keys, 1);
	ck_assert_uint_ne(base, other); /* its own place counts */
	/* An unrelated page renamed: unchanged. */
	free(s.spaces[0].list.pages.v[3].title);
	s.spaces[0].list.pages.v[3].title = strdup("Renamed");
	ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
	ck_assert_uint_eq(sig_of(t, "Home.md", keys, 1), base);
	/* The linked page moved to the top: changed. */
	free(s.spaces[0].list.pages.v[1].parent_id);
	s.spaces[0].list.pages.v[1].parent_id = NULL;
	ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
	ck_assert_uint_ne(sig_of(t, "Home.md", keys, 1), base);
	/* Back where it was: the same again. */
	s.spaces[0].list.pages.v[1].parent_id = strdup("100");
	ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
	ck_assert_uint_eq(sig_of(t, "Home.md", keys, 1), base);
	/* An included page (its include key, as tree_int.h makes it): a new
	 * version of it changes the signature, of another page not. */
	{
		uint64_t inc[1] = {title_key("Child") ^ 0x9e3779b97f4a7c15ull}, before;

		before = sig_of(t, "Home.md", inc, 1);
		s.spaces[0].list.pages.v[3].version++;
		ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
		ck_assert_uint_eq(sig_of(t, "Home.md", inc, 1), before);
		s.spaces[0].list.pages.v[1].version++;
		ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
		ck_assert_uint_ne(sig_of(t, "Home.md", inc, 1), before);
		ck_assert_uint_eq(sig_of(t, "Home.md", keys, 1), base); /* a link only: unchanged */
	}
	/* The linked title gone: changed. */
	free(s.spaces[0].list.pages.v[1].title);
	s.spaces[0].list.pages.v[1].title = strdup("Child 2");
	ck_assert_int_eq(cfs_sync_apply(t, 0, &s.spaces[0].list, NULL), 0);
	ck_assert_uint_ne(sig_of(t, "Home.md", keys, 1), base);
	cfs_tree_free(t);
	cfs_state_clear(&s);
}
END_TEST

/* Pages are written without fsyncs (cfs_diskcache_no_sync): after a crash
 * the sidecar may list bytes the data file never got.  Such a page (here
 * zeroed, as an unwritten file reads) is refused by its checksum, not
 * served. */
START_TEST(pagestore_torn_page_refused)
{
	char dir[] = "/tmp/cfs-pages-XXXXXX", path[256];
	struct cfs_diskcache *dc;
	struct cfs_blob *md = cfs_blob_take(strdup("# Hello\n"), 8), *got = NULL;
	uint64_t links[1] = {5}, size, sig = 0;
	struct cfs_tree_links l = {0};
	char *zeros;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(cfs_diskcache_open(dir, 1 << 20, &dc), 0);
	ck_assert_int_eq(cfs_pagestore_write(dc, "101", 4, 11, 22, md, links, 1, &size), 0);
	cfs_diskcache_close(dc);
	snprintf(path, sizeof(path), "%s/md101-v4.data", dir);
	zeros = calloc(1, size);
	f = fopen(path, "r+");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(zeros, 1, size, f), size);
	fclose(f);
	free(zeros);
	ck_assert_int_eq(cfs_diskcache_open(dir, 1 << 20, &dc), 0);
	ck_assert_int_eq(cfs_pagestore_read(dc, "101", 4, size, 11, &got, &l, &sig), -EBADMSG);
	ck_assert_ptr_null(got);
	cfs_diskcache_close(dc);
	cfs_blob_unref(md);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

START_TEST(pagestore_round_trip)
{
	char dir[] = "/tmp/cfs-pages-XXXXXX";
	struct cfs_diskcache *dc;
	struct cfs_blob *md = cfs_blob_take(strdup("# Hello\n"), 8), *got = NULL;
	uint64_t links[2] = {5, 9}, size;
	struct cfs_tree_links l = {0};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(cfs_diskcache_open(dir, 1 << 20, &dc), 0);
	ck_assert_int_eq(cfs_pagestore_write(dc, "101", 4, 11, 22, md, links, 2, &size), 0);
	ck_assert_uint_eq(size, CFS_PAGESTORE_HDR + 16 + 8);
	{
		uint64_t sig = 0;

		/* Another rendering: not used, and dropped. */
		ck_assert_int_eq(cfs_pagestore_read(dc, "101", 4, size, 12, &got, &l, &sig),
		                 -ESTALE);
		ck_assert_int_eq(cfs_pagestore_read(dc, "101", 4, size, 11, &got, &l, &sig),
		                 -ENOENT);
		ck_assert_int_eq(cfs_pagestore_write(dc, "101", 4, 11, 22, md, links, 2, &size), 0);
		/* A size that is not the entry's: not there. */
		ck_assert_int_eq(cfs_pagestore_read(dc, "101", 4, size + 1, 11, &got, &l, &sig),
		                 -ENOENT);
		ck_assert_int_eq(cfs_pagestore_write(dc, "101", 4, 11, 22, md, links, 2, &size), 0);
		ck_assert_int_eq(cfs_pagestore_read(dc, "101", 4, size, 11, &got, &l, &sig), 0);
		ck_assert_uint_eq(sig, 22);
	}
	ck_assert_uint_eq(got->len, 8);
	ck_assert_int_eq(memcmp(got->data, "# Hello\n", 8), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_uint_eq(l.v[1], 9);
	cfs_blob_unref(got);
	free(l.v);
	l = (struct cfs_tree_links){0};
	/* Forgotten: gone from the disk cache. */
	cfs_pagestore_forget(dc, "101", 4, size);
	{
		uint64_t sig;

		ck_assert_int_eq(cfs_pagestore_read(dc, "101", 4, size, 11, &got, &l, &sig),
		                 -ENOENT);
	}
	cfs_blob_unref(md);
	cfs_diskcache_close(dc);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, every_truncation_fails);
	tcase_add_test(tc, every_flipped_byte_fails);
	tcase_add_test(tc, wrong_version);
	tcase_add_test(tc, crc32_known_value);
	tcase_add_test(tc, save_and_load_file);
	tcase_add_test(tc, sweep_removes_only_dead_temporaries);
	tcase_add_test(tc, tree_export_round_trip);
	tcase_add_test(tc, stream_same_bytes);
	tcase_add_test(tc, tree_with_state_same_bytes);
	tcase_add_test(tc, several_spaces_round_trip);
	tcase_add_test(tc, format1_is_read);
	tcase_add_test(tc, link_signature);
	tcase_add_test(tc, pagestore_round_trip);
	tcase_add_test(tc, pagestore_torn_page_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
