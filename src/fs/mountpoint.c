/* mountpoint: before mounting, is the mount point a place to mount on? */
#include "mountpoint.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Whether a confluencefs mount is at the (canonical) path. */
static int confluencefs_mounted_at(const char *path, const char *mounts)
{
	FILE *f = setmntent(mounts ? mounts : "/proc/self/mounts", "r");
	struct mntent *m;
	int found = 0;

	if (!f)
		return 0;
	while (!found && (m = getmntent(f)))
		found =
		    strcmp(m->mnt_dir, path) == 0 && strcmp(m->mnt_type, "fuse.confluencefs") == 0;
	endmntent(f);
	return found;
}

static int is_empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 1; /* the mount itself will say why */
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

int cfs_check_mountpoint(const char *path, int nonempty, const char *mounts, char *err,
                         size_t errlen)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(path, real) || stat(real, &st) < 0) {
		int e = errno;

		if (e == ENOTCONN)
			snprintf(err, errlen,
			         "%s is a mount whose filesystem has gone: run fusermount3 -u %s",
			         path, path);
		else if (e == ENOENT)
			snprintf(err, errlen, "mount point %s does not exist (mkdir it first)",
			         path);
		else
			snprintf(err, errlen, "mount point %s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "mount point %s is not a directory", path);
		return -ENOTDIR;
	}
	if (strcmp(real, "/") == 0) {
		snprintf(err, errlen, "refusing to mount on /");
		return -EINVAL;
	}
	if (confluencefs_mounted_at(real, mounts)) {
		snprintf(err, errlen,
		         "%s is already mounted (a confluencefs mount is there; fusermount3 -u %s "
		         "first)",
		         path, path);
		return -EBUSY;
	}
	if (!nonempty && !is_empty_dir(real)) {
		snprintf(err, errlen,
		         "mount point %s is not empty (-o nonempty mounts over it anyway)", path);
		return -ENOTEMPTY;
	}
	return 0;
}
