/* mountpoint: before mounting, is the mount point a place to mount on, and who
 * asked for the mount? */
#ifndef CFS_MOUNTPOINT_H
#define CFS_MOUNTPOINT_H

#include <stddef.h>

/* Refuse, with one line in err and a negative errno: a path that does not
 * exist, is not a directory, is "/", is already a confluencefs mount (mounts
 * is the mount table to look in, NULL for /proc/self/mounts), is a stale
 * FUSE mount, or is a directory that is not empty (unless nonempty).
 * Returns 0 when it is fine. */
int cfs_check_mountpoint(const char *path, int nonempty, const char *mounts, char *err,
                         size_t errlen);

/* Whether mount(8) (or mount.fuse3 on its behalf) started this process: one
 * of the first few ancestors, from pid up (0: getppid()), is named "mount",
 * "mount.fuse" or "mount.fuse3".  mount(8) passes "rw" to every helper
 * unless "ro" is given (fstab's "defaults" too), so from it "rw" is no
 * request for write-back.  Linux /proc; 0 when it cannot tell. */
int cfs_run_by_mount(int pid);

#endif
