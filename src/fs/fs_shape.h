/* fs_shape.h: create, move and trash pages and folders on a rw mount
 * (fs_shape.c, docs/shape.md); hooked from fs_names.c, fs_save.c and fs.c. */
#ifndef CFS_FS_SHAPE_H
#define CFS_FS_SHAPE_H

#include "fs_write.h"

/* Is name one a new page may have ("Name.md", not hidden, no editor
 * temporary, no conflict file)? */
int cfs_fss_page_name(const char *name);
/* The title a file name stands for ("A∕B.md" -> "A/B"), malloc'd. */
char *cfs_fss_title_of(const char *name);
/* rm of a page: to the trash (answers req). */
void cfs_fss_unlink(fuse_req_t req, struct cfs_fs *fs, uint64_t parent, const char *name);
/* flush of a local file: a new page's file is created on the server.
 * 1 when it answered req. */
int cfs_fss_flush(fuse_req_t req, struct cfs_fs *fs, struct whandle *h);
/* Local file ino (not empty) is a new page's file or a file in _attachments/:
 * create or upload it and answer req (1), else 0 (fs_create.c).  For a
 * flush, and for a temporary renamed to its final name (rsync, os.replace). */
int cfs_fss_publish_local(fuse_req_t req, struct cfs_fs *fs, uint64_t ino);
/* rename of a page's file (or its directory) to a new name or place. */
void cfs_fss_move(fuse_req_t req, struct cfs_fs *fs, const struct cfs_tree_attr *sa,
                  uint64_t parent, const char *name, uint64_t newparent, const char *newname);
/* The other half of "mv A A.md dest/" after the first moved the page: the
 * old name still looks up for a few seconds (1: answered) ... */
int cfs_fss_lookup(fuse_req_t req, struct cfs_fs *fs, uint64_t parent, const char *name);
/* ... and its rename to the new place is done already (1). */
int cfs_fss_moved(uint64_t parent, const char *name, uint64_t newparent, const char *newname);
void cfs_fss_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void cfs_fss_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);

/* fs_upload.c: attachments.  The flush of local file name in _attachments
 * directory dir uploads it (1: answered req). */
int cfs_fsu_flush(fuse_req_t req, struct cfs_fs *fs, uint64_t ino, uint64_t dir, const char *name);
/* open(O_TRUNC) of an attachment for writing: a local file shadows it until
 * uploaded (1: answered). */
int cfs_fsu_open(fuse_req_t req, struct cfs_fs *fs, uint64_t ino, struct fuse_file_info *fi);
/* rm of an attachment: to the trash. */
void cfs_fsu_unlink(fuse_req_t req, struct cfs_fs *fs, const char *name,
                    const struct cfs_tree_attr *a);

#endif
