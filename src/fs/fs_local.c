/* fs_local: the files of a rw mount that are not pages — editors' swap, backup and lock
 * files, temporaries of atomic saves, conflict files.  They live on local disk under
 * the cache directory (write/local/<directory inode>/<name>, 0700), are visible only
 * on this mount, and stay until unlinked (also across remounts).  The table is
 * protected by w->lock. */
#include "fs_write.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cfs_fsw_local_path(char *buf, size_t len, uint64_t parent, const char *name)
{
	if (name)
		snprintf(buf, len, "local/%016" PRIx64 "/%s", parent, name);
	else
		snprintf(buf, len, "local/%016" PRIx64, parent);
}

struct local *cfs_fsw_local_find(struct cfs_fsw *w, uint64_t parent, const char *name)
{
	for (struct local *l = w->locals; l; l = l->next)
		if (l->name && l->parent == parent && strcmp(l->name, name) == 0)
			return l;
	return NULL;
}

struct local *cfs_fsw_local_by_ino(struct cfs_fsw *w, uint64_t ino)
{
	for (struct local *l = w->locals; l; l = l->next)
		if (l->ino == ino)
			return l;
	return NULL;
}

int cfs_fsw_local_add(struct cfs_fsw *w, uint64_t parent, const char *name, struct local **out)
{
	struct local *l = calloc(1, sizeof(*l));

	if (!l || !(l->name = strdup(name))) {
		free(l);
		return -ENOMEM;
	}
	l->parent = parent;
	l->ino = CFS_LOCAL_INO(++w->next_local);
	l->next = w->locals;
	w->locals = l;
	*out = l;
	return 0;
}

void cfs_fsw_local_drop(struct cfs_fsw *w, struct local *l)
{
	for (struct local **p = &w->locals; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			free(l->name);
			free(l);
			return;
		}
}

int cfs_fsw_local_stat(struct cfs_fsw *w, const struct local *l, struct stat *st)
{
	char path[PATH_MAX];

	cfs_fsw_local_path(path, sizeof(path), l->parent, l->name);
	if (fstatat(w->dirfd, path, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	st->st_ino = l->ino;
	st->st_uid = w->fs->uid;
	st->st_gid = w->fs->gid;
	st->st_dev = 0;
	return 0;
}

/* mkdir of local/<parent> (0700). */
static int local_dir(struct cfs_fsw *w, uint64_t parent)
{
	char path[64];

	cfs_fsw_local_path(path, sizeof(path), parent, NULL);
	if (mkdirat(w->dirfd, path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int cfs_fsw_local_write(struct cfs_fsw *w, uint64_t parent, const char *name, const char *data,
                        size_t len)
{
	char path[PATH_MAX];
	struct local *l = cfs_fsw_local_find(w, parent, name);
	int fd, ret = local_dir(w, parent);

	if (ret)
		return ret;
	cfs_fsw_local_path(path, sizeof(path), parent, name);
	fd = openat(w->dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0) {
			ret = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (!ret && !l)
		ret = cfs_fsw_local_add(w, parent, name, &l);
	return ret;
}

int cfs_fsw_local_dirents(struct cfs_fsw *w, uint64_t parent, struct cfs_tree_dirent **d, size_t *n)
{
	size_t more = 0;
	struct cfs_tree_dirent *v;

	for (struct local *l = w->locals; l; l = l->next)
		more += l->name && l->parent == parent;
	if (!more)
		return 0;
	v = realloc(*d, (*n + more) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	*d = v;
	for (struct local *l = w->locals; l; l = l->next) {
		if (!l->name || l->parent != parent)
			continue;
		v[*n].name = strdup(l->name);
		if (!v[*n].name)
			return -ENOMEM;
		v[*n].ino = l->ino;
		v[*n].is_dir = 0;
		(*n)++;
	}
	return 0;
}

/* The local files a previous mount left (conflict files, a swap file of a
 * crashed editor), back in the table. */
int cfs_fsw_local_init(struct cfs_fsw *w)
{
	int fd;
	DIR *top;
	struct dirent *de;

	if (mkdirat(w->dirfd, "local", 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(w->dirfd, "local", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(top = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(top))) {
		char *end;
		uint64_t parent = strtoull(de->d_name, &end, 16);
		int dfd;
		DIR *sub;
		struct dirent *f;

		if (de->d_name[0] == '.' || *end)
			continue;
		dfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || !(sub = fdopendir(dfd))) {
			if (dfd >= 0)
				close(dfd);
			continue;
		}
		while ((f = readdir(sub))) {
			struct local *l;

			if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0)
				continue;
			if (cfs_fsw_local_add(w, parent, f->d_name, &l) == 0)
				cfs_debug(
				    "local file %s of directory %llu kept from an earlier mount",
				    f->d_name, (unsigned long long)parent);
		}
		closedir(sub);
	}
	closedir(top);
	return 0;
}
