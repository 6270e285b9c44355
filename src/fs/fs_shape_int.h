/* fs_shape_int.h: what fs_shape.c (jobs, rm, mkdir, rmdir), fs_create.c (new
 * pages) and fs_move.c (mv) share.  Not for other files. */
#ifndef CFS_FS_SHAPE_INT_H
#define CFS_FS_SHAPE_INT_H

#include "fs_shape.h"
#include "sync.h"

enum jkind { J_TRASH, J_CREATE, J_FOLDER, J_MOVE, J_DIR };

struct sjob {
	struct cfs_fs *fs;
	fuse_req_t req;
	enum jkind kind;
	size_t space;
	char *id, *type, *title, *parent_id, *space_id, *space_key, *body, *what;
	size_t len;
	uint64_t parent;    /* J_CREATE, J_FOLDER: the directory */
	char *name;         /* J_CREATE, J_FOLDER: the entry */
	uint64_t local_ino; /* J_CREATE: the local file */
	int blog;
	struct cfs_node *keep; /* J_TRASH: the parent page, whose directory stays;
	                          J_DIR: the page whose directory shows (or not) */
	int keep_on;           /* J_DIR */
	uint64_t newparent;    /* J_MOVE (parent, name: where it was) */
	int uncertain;         /* the -errno of a failure that may have been applied */
	char *newname;
	/* J_CREATE of X.md beside an empty-of-files folder X this mount made
	 * (cp -r copied the directory first): its pages move under the new
	 * page, then the folder goes to the trash. */
	char *folder_id;
	char **kids; /* page ids, NULL-terminated */
	size_t kid;  /* the one being moved */
	char *new_id;
	char *top_target; /* J_MOVE to the space's top: "after" this top-level page */
	char *old_title;  /* J_MOVE: the title before */
	/* J_FOLDER on Data Center (no folders there): an empty page; 2 once it is
	 * in the tree and its directory is to show */
	int as_page;
	/* J_CREATE for "mkdir X/_attachments" in a folder X this mount made: the
	 * page X takes the folder's place (as when X.md arrives); 2 once it is
	 * in the tree and its _attachments directory is to show */
	int att_mkdir;
	struct cfs_sync_change done; /* what the server confirmed, for the tree */
};

/* A job, or NULL after replying ENOMEM. */
struct sjob *cfs_fss_job_new(fuse_req_t req, struct cfs_fs *fs, enum jkind kind);
void cfs_fss_job_free(struct sjob *j);
/* Run j on the loop: its request, then the space listed again, then the reply. */
void cfs_fss_submit(struct sjob *j);
/* -errno of a shape operation -> the errno the FUSE call answers. */
int cfs_fss_err(int err);
int cfs_fss_space_ids(struct cfs_fs *fs, size_t space, char **id, char **key);
/* Is directory ino a folder? */
int cfs_fss_is_folder(struct cfs_fs *fs, uint64_t ino);
/* Folders this mount made (mkdir), by id. */
void cfs_fss_made_folder(const char *id);
int cfs_fss_is_made_folder(const char *id);
/* fs_create.c: j (a J_CREATE of j->name in j->parent) takes the place of a
 * folder of the same name this mount made: its pages are listed in j->kids
 * and j->folder_id is set (nothing when there is no such folder). */
void cfs_fss_promote_folder(struct cfs_fs *fs, struct sjob *j);
/* fs_dirs.c: the id (malloc'd) of the page this mount made to stand for
 * directory (parent, stem) — made by mkdir, its file hidden, unwritten —
 * else NULL.  Writing stem.md there writes that page. */
char *cfs_fss_stand_in_dir(struct cfs_fs *fs, uint64_t parent, const char *stem);
/* fs_move.c: a move done (for the other half of "mv A A.md dest/"). */
void cfs_fss_remember_move(struct sjob *j);

#endif
