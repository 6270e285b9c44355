/* mountpoint: before mounting, is the mount point a place to mount on, and who
 * asked for the mount? */
#include "mountpoint.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The name and parent of process pid from /proc/PID/stat ("pid (comm) S ppid ..."). */
static int proc_parent(int pid, char *comm, size_t len, int *ppid)
{
	char path[64], buf[512];
	FILE *f;
	size_t n;
	char *open, *close;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	open = strchr(buf, '(');
	close = strrchr(buf, ')'); /* a name may hold ')' */
	if (!open || !close || close < open || sscanf(close + 1, " %*c %d", ppid) != 1)
		return -1;
	snprintf(comm, len, "%.*s", (int)(close - open - 1), open + 1);
	return 0;
}

int cfs_run_by_mount(int pid)
{
	if (pid <= 0)
		pid = (int)getppid();
	/* mount(8) -> mount.fuse3 -> /bin/sh -> confluencefs is the longest chain */
	for (int depth = 0; depth < 4 && pid > 1; depth++) {
		char comm[64];
		int ppid;

		if (proc_parent(pid, comm, sizeof(comm), &ppid))
			return 0;
		if (!strcmp(comm, "mount") || !strcmp(comm, "mount.fuse") ||
		    !strcmp(comm, "mount.fuse3"))
			return 1;
		pid = ppid;
	}
	return 0;
}
