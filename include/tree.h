/* tree: the space as inodes and directories, names, metadata and rendered pages. */
#ifndef CFS_TREE_H
#define CFS_TREE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define CFS_ROOT_INO 1

/* An immutable, reference-counted byte buffer (a rendered page).  Any thread. */
struct cfs_blob {
	atomic_long ref;
	size_t len;
	char *data;
};

/* Wrap data (malloc'd; ownership moves to the blob).  NULL on ENOMEM (data is freed). */
struct cfs_blob *cfs_blob_take(char *data, size_t len);
struct cfs_blob *cfs_blob_ref(struct cfs_blob *b);
void cfs_blob_unref(struct cfs_blob *b);

struct cfs_tree;
/* A page.  The pointer stays valid for the life of the tree, even after the
 * page disappears from the space; its fields belong to the tree's lock. */
struct cfs_node;

/* What an inode is.  Inode numbers are (id << 2) | kind for the first four. */
enum cfs_tree_kind {
	CFS_PAGE_FILE = 0, /* "<name>.md" */
	CFS_PAGE_DIR = 1,  /* "<name>/", when the page has children or attachments */
	CFS_ATT_FILE = 2,  /* an attachment, in "<name>/_attachments/" */
	CFS_ATT_DIR = 3,   /* "<name>/_attachments/" */
	/* A page's kind is also used for the directories the tree makes up (a
	 * space, "_blog", a year, a month); their keys are hashes with the top
	 * bit set, so they never meet an id's. */
	CFS_ROOT_DIR = 4,
};

/* What getattr/lookup need, copied out under the lock. */
struct cfs_tree_attr {
	uint64_t ino;
	enum cfs_tree_kind kind;
	int is_dir;
	int64_t size; /* page: Markdown length, -1 when not rendered yet;
	                 attachment: its size; dir: 0 */
	struct cfs_time mtime;
	unsigned nlink;
	int64_t version;       /* page version, 0 for the root */
	struct cfs_node *node; /* the page or attachment; NULL for the root */
	int time_unknown;      /* a page (or its Name/) learnt ahead without a version or
	                          times (Cloud's direct-children): its fetch brings them */
};

struct cfs_tree_dirent {
	char *name;
	uint64_t ino;
	int is_dir;
};

/* What a new listing changed, for the kernel's caches: entries (parent, name)
 * that went away or now mean another inode, and inodes whose data or
 * attributes changed (name == NULL; parent is the inode). */
struct cfs_tree_inval {
	uint64_t parent;
	char *name;
};

struct cfs_tree_changes {
	struct cfs_tree_inval *v;
	size_t n, cap;
};

void cfs_tree_changes_clear(struct cfs_tree_changes *c);

/* The newest modification time of the pages and blog posts of space ({0, 0}: none);
 * the change feed's first cursor (feed_apply.c).  Any thread. */
struct cfs_time cfs_tree_newest(struct cfs_tree *t, size_t space);

/* A tree of n spaces (their id, key and name are copied; name may be NULL).
 * With multi, the root holds one directory per space, named by its key, and
 * each space is empty until it is loaded; else n must be 1 and the root is
 * the space.  base_url is copied.  Any thread; returns 0, -EINVAL or -ENOMEM. */
int cfs_tree_new(const char *base_url, const struct cfs_space *spaces, size_t n, int multi,
                 struct cfs_tree **out);
void cfs_tree_free(struct cfs_tree *t);

/* Replace the pages of space (an index) with a full listing of it.  Pages
 * keep their nodes (and inode numbers) by id; a page whose version changed
 * loses its rendered Markdown.  Pages whose parent is not in the listing
 * appear at the space's top.  Entries of type "blogpost" go under
 * "_blog/YYYY/MM/" by their creation time (UTC); other types than "page" are
 * left out.  atts (may be NULL: none) are the space's attachments; those of
 * pages not in the listing are left out.  The space counts as loaded
 * afterwards.  When changes is not NULL, what changed since the previous load
 * is appended to it.  Any thread (takes the write lock).  Returns 0, -EINVAL
 * (no such space) or -ENOMEM (then the tree may be partly updated; load
 * again). */
int cfs_tree_load(struct cfs_tree *t, size_t space, const struct cfs_page_list *pages,
                  const struct cfs_attachment_list *atts, struct cfs_tree_changes *changes);

/* Before a space's full listing is in (docs/refresh.md, "Before the listing"): the
 * directory ino's entries are not known yet.  Returns 1 with *space and, for a page or
 * container seen by a partial listing, its id and type ("page", "folder", ...;
 * malloc'd; both NULL for the space's own directory); 0 when its entries are known;
 * -ENOENT, -ENOMEM.  Any thread (read lock). */
int cfs_tree_dir_wanted(struct cfs_tree *t, uint64_t ino, size_t *space, char **id, char **type);
/* The children of dir_id (NULL: the space's top) whose own children are not known yet,
 * as pages with id and type set (out is the caller's to clear).  1 when dir's children
 * are known (*out may then be empty), 0 when dir itself is not listed yet (*out empty),
 * -EINVAL, -ENOMEM.  Any thread (read lock). */
int cfs_tree_unprobed(struct cfs_tree *t, size_t space, const char *dir_id,
                      struct cfs_page_list *out);
/* Put what one job learnt of a directory into a space that is not loaded: kids (taken:
 * emptied, each with its parent set) are the children of dir_id (NULL: the space's
 * top-level pages) and the children of those children that were asked for.  The nlisted ids in
 * listed name the children whose own children are all in kids: they show as a directory only when
 * they have some.  Children not among them show as Name.md and Name/ until the full listing (or
 * their own listing) tells. dir is then listed.  Nothing happens once the space is loaded.  Any
 * thread (takes the write lock); callers run one at a time.  0 or -ENOMEM. */
int cfs_tree_learn(struct cfs_tree *t, size_t space, const char *dir_id, struct cfs_page_list *kids,
                   char *const *listed, size_t nlisted);
/* A page learnt before the full listing from Cloud's direct-children, which carry no
 * version or times: its fetch (p, a page GET) gives them, so its stat is right from its
 * first read (the full listing then says the same).  Only where n's version is not known
 * (0).  Any thread (takes the write lock). */
void cfs_tree_learn_version(struct cfs_tree *t, struct cfs_node *n, const struct cfs_page *p);

/* A folder, whiteboard, database or embed of space that the last load
 * placed (the containers.c "known" hook: a refresh does not fetch it
 * again): copied into *out (zeroed by the caller; clear it with
 * cfs_model_page_clear).  Any thread (read lock).  0, -ENOENT or -ENOMEM. */
int cfs_tree_container(struct cfs_tree *t, size_t space, const char *id, struct cfs_page *out);

/* Containers that answered 404 or 403: remember ids (copied), and ask
 * whether one is among them (then it is not fetched, nor warned about,
 * again).  Any thread.  cfs_tree_add_gone returns 0 or -ENOMEM. */
int cfs_tree_add_gone(struct cfs_tree *t, char *const *ids, size_t n);
int cfs_tree_gone(struct cfs_tree *t, const char *id);

/* The spaces: how many, and for one of them whether it is loaded and its
 * id and key (copies, malloc'd, unless id or key is NULL).  Any thread.
 * Returns 0, -EINVAL or -ENOMEM. */
size_t cfs_tree_nspaces(struct cfs_tree *t);
int cfs_tree_space(struct cfs_tree *t, size_t space, char **id, char **key, int *loaded);
/* The space whose directory is ino, or -1 when ino is no space's directory
 * (with one space: the root is its directory).  Any thread. */
long cfs_tree_space_of_dir(struct cfs_tree *t, uint64_t ino);
/* The index of the mounted space with this key, or -1; *loaded set.  Any thread. */
long cfs_tree_space_find(struct cfs_tree *t, const char *key, int *loaded);

/* The following take the read lock; any thread.  Return 0 or -ENOENT/-ENOTDIR;
 * lookup and readdir return -EAGAIN for the directory of a space that is not
 * loaded yet (load it, then ask again). */
int cfs_tree_lookup(struct cfs_tree *t, uint64_t parent, const char *name,
                    struct cfs_tree_attr *out);
int cfs_tree_getattr(struct cfs_tree *t, uint64_t ino, struct cfs_tree_attr *out);
/* A snapshot of a directory, "." and ".." excluded; free with cfs_tree_dirents_free. */
int cfs_tree_readdir(struct cfs_tree *t, uint64_t ino, struct cfs_tree_dirent **out, size_t *n);
void cfs_tree_dirents_free(struct cfs_tree_dirent *d, size_t n);
/* The inode of the directory that holds directory ino (its ".."): the root
 * for the root and for what is not (or no longer) in the tree. */
uint64_t cfs_tree_parent(struct cfs_tree *t, uint64_t ino);
/* Extended attribute names as a NUL-separated list (listxattr), malloc'd. */
int cfs_tree_xattr_list(struct cfs_tree *t, uint64_t ino, char **out, size_t *len);
/* One attribute's value, malloc'd (not NUL-counted in len).  -ENODATA when absent. */
int cfs_tree_xattr_get(struct cfs_tree *t, uint64_t ino, const char *name, char **out, size_t *len);

/* The rendered Markdown of a page if it was rendered from the page's current
 * version or a newer one (a new reference; unref it), else NULL. */
struct cfs_blob *cfs_tree_md(struct cfs_tree *t, struct cfs_node *n);
/* The page titles a rendered page links to (as keys: see cfs_tree_convert). */
struct cfs_tree_links {
	uint64_t *v;
	size_t n, cap;
};

/* Store the Markdown rendered from version of the page (takes a reference),
 * and the titles it links to (links may be NULL; its array moves into the
 * tree): when a later load moves, renames, adds or removes a page with one of
 * those titles, the Markdown is dropped so the links are rendered again. */
void cfs_tree_set_md(struct cfs_tree *t, struct cfs_node *n, struct cfs_blob *md, int64_t version,
                     struct cfs_tree_links *links);
/* An attachment's page id, id, download link as listed (copies, malloc'd;
 * the link may be NULL), version and size. */
int cfs_tree_att_ref(struct cfs_tree *t, struct cfs_node *n, char **page_id, char **att_id,
                     char **download, int64_t *version, int64_t *size);

/* The path of a page's file or an attachment on the mount
 * ("Home/Runbooks.md"), malloc'd, for messages; NULL on ENOMEM. */
char *cfs_tree_path(struct cfs_tree *t, struct cfs_node *n);

/* The page's title (a copy, malloc'd; NULL on ENOMEM), for messages. */
char *cfs_tree_title(struct cfs_tree *t, struct cfs_node *n);

/* The page's id (a copy, malloc'd), current version and whether it is a
 * blog post, for fetching. */
int cfs_tree_page_ref(struct cfs_tree *t, struct cfs_node *n, char **id, int64_t *version,
                      int *blog);

/* What to fetch ahead when directory ino is listed: the pages under it,
 * down to depth levels (1: the directory's own pages), that have no rendered
 * Markdown, in breadth-first order; and the attachments of at most att_max
 * bytes of those pages (and of the directory's own page).  Both malloc'd
 * arrays (may be empty).  Returns 0, -ENOENT, -ENOTDIR or -ENOMEM.  Any
 * thread. */
int cfs_tree_prefetch_set(struct cfs_tree *t, uint64_t ino, int depth, uint64_t att_max,
                          struct cfs_node ***pages, size_t *np, struct cfs_node ***atts,
                          size_t *na);

/* Bound the memory of rendered pages to cap bytes: past it, pages are
 * dropped, those marked as kept on disk first, else the least recently used
 * (and read back or fetched again when next needed).  0: no bound.  Any
 * thread. */
void cfs_tree_set_md_cap(struct cfs_tree *t, uint64_t cap);
/* The page's Markdown md (the bytes it holds now, else nothing happens) is
 * also kept on disk: it is dropped before pages that are not.  Any thread. */
void cfs_tree_md_on_disk(struct cfs_tree *t, struct cfs_node *n, const struct cfs_blob *md);
/* Bytes of rendered Markdown held now. */
uint64_t cfs_tree_md_bytes(struct cfs_tree *t);

/* Set the labels of the pages in a labels listing (cfs_cf_space_labels).
 * With front matter on, a page whose labels changed loses its rendered
 * Markdown and is added to changes (may be NULL).  Any thread.  Returns 0 or
 * -ENOMEM. */
int cfs_tree_set_labels(struct cfs_tree *t, const struct cfs_page_list *pages,
                        struct cfs_tree_changes *changes);

/* Display names for mentions.  cfs_tree_user_known: was id looked up
 * (successfully or not)?  cfs_tree_set_user: remember the answer (name NULL:
 * the lookup failed; mentions then show the id).  Any thread. */
int cfs_tree_user_known(struct cfs_tree *t, const char *id);
/* The account id (Cloud) or user key (DC) of page n's author, malloc'd, or
 * NULL; looked up before the page is converted, so that its front matter
 * and user.confluence.author show the display name (user.confluence.author_id
 * keeps the id). */
char *cfs_tree_author(struct cfs_tree *t, struct cfs_node *n);
void cfs_tree_set_user(struct cfs_tree *t, const char *id, const char *name);

/* Start every rendered page with YAML front matter (title, id, "type:
 * blogpost" for a blog post, space,
 * version, author, created, updated, url), for static site generators.
 * Set before pages are rendered.  Any thread. */
void cfs_tree_set_front_matter(struct cfs_tree *t, int on);
int cfs_tree_front_matter(struct cfs_tree *t);

/* A slot the loop thread may use for its own bookkeeping of the page (the
 * cache's fetch in progress).  The tree never reads or writes it. */
void **cfs_tree_loop_slot(struct cfs_node *n);

/* Convert a page body to Markdown with links resolved against the tree
 * (relative paths to pages of the mounted spaces; everything else absolute
 * URLs).  The titles it links to are added to links (may be NULL), for
 * cfs_tree_set_md().  Takes the read lock for the duration.  Any thread (the
 * uv thread pool).  Returns 0 or -ENOMEM; *out is malloc'd. */
int cfs_tree_convert(struct cfs_tree *t, struct cfs_node *n, const char *storage, size_t len,
                     char **out, size_t *out_len, struct cfs_tree_links *links);

/* Call fn with the convert ctx page n is rendered with (cfs_tree_convert's),
 * under the read lock: fn must not call back into the tree.  For the write
 * path's block maps.  Returns fn's result.  Any thread. */
struct cfs_convert_ctx;
int cfs_tree_with_ctx(struct cfs_tree *t, struct cfs_node *n,
                      int (*fn)(void *arg, const struct cfs_convert_ctx *ctx), void *arg);

/* A page was saved from this mount: it is at version now, changed at mtime,
 * and md (a reference is taken; may be NULL) is what its file shows.  Any
 * thread (write lock). */
void cfs_tree_page_saved(struct cfs_tree *t, struct cfs_node *n, int64_t version,
                         struct cfs_time mtime, struct cfs_blob *md);

/* Page n's file name ("Title.md", malloc'd), the inode of the directory
 * holding it, and whether it is a page or blog post one may write (not a
 * folder, stub, attachment or a page gone from the listing).  0 or -ENOMEM. */
int cfs_tree_file_of(struct cfs_tree *t, struct cfs_node *n, char **name, uint64_t *dir,
                     int *writable);

/* Only inside cfs_tree_with_ctx's fn (the read lock held): a link target
 * relative to page from's directory (percent-decoded) -> with att 0, the
 * page: *a its space key (NULL: from's space), *b its title; with att 1, an
 * attachment ("Page/_attachments/f.png"): *a the title of its page (NULL:
 * from itself), *b the file name.  0, -ENOENT or -ENOMEM (malloc'd). */
int cfs_tree_rel_target_locked(struct cfs_tree *t, struct cfs_node *from, const char *rel, int att,
                               char **a, char **b);

/* The key of page n's space (NULL: none), malloc'd: for cfs_tree_inc and the
 * write path.  Any thread. */
char *cfs_tree_space_key(struct cfs_tree *t, struct cfs_node *n);

/* Where a new page or folder in directory dir would go (tree_shape.c): the
 * space (an index), the node whose convert ctx renders it (the space's
 * directory, or the parent), the parent's id (malloc'd; NULL at a space's
 * top) and whether the parent is a folder.  -EACCES for a directory nothing
 * is created in (_blog/..., _attachments), -ENOENT, -ENOTDIR, -ENOMEM.  Any
 * thread. */
struct cfs_tree_place {
	size_t space;
	struct cfs_node *node;
	char *parent_id;
	int folder;
};
int cfs_tree_shape_of(struct cfs_tree *t, uint64_t dir, struct cfs_tree_place *out);
/* Show page n's directory even with no children (on 1: mkdir of it, or its
 * last child trashed) or no longer (0: rmdir); 2: show its _attachments/
 * even with none (mkdir _attachments); 3: show its directory and hide its
 * .md file until its version changes (a page made to stand for a mkdir'd
 * directory: written when "Name.md" is).  From the next load on.  Any
 * thread. */
void cfs_tree_keep_dir(struct cfs_tree *t, struct cfs_node *n, int on);
/* A page at the top level of space (no parent) other than page not_id, for
 * a move to the top level ("after" it): its id, malloc'd.  -ENOENT when
 * there is none, -ENOMEM.  Any thread. */
int cfs_tree_top_page(struct cfs_tree *t, size_t space, const char *not_id, char **id);
/* Is page n's file hidden (keep_dir 3) and n unchanged since?  Any thread. */
int cfs_tree_stand_in(struct cfs_tree *t, struct cfs_node *n);
/* The inode of the _attachments directory holding attachment att (0: none). */
uint64_t cfs_tree_att_dir(struct cfs_tree *t, struct cfs_node *att);

/*
 * Included pages (include, excerpt-include; src/tree/tree_include.c).  The
 * caller fetched their storage format before converting (no I/O during a
 * conversion): storage() returns a malloc'd copy of the storage of the page
 * titled title in the mounted space with key space_key, or NULL.  Any thread.
 */
struct cfs_tree_inc {
	char *(*storage)(void *arg, const char *space_key, const char *title, size_t *len);
	void *arg;
};

/* cfs_tree_convert() with includes inlined from inc (NULL: none, they stay
 * comments).  The pages included are remembered with the links: when one
 * gets a new version (or moves, or goes), the Markdown is dropped and
 * rendered again on the next read. */
int cfs_tree_convert_inc(struct cfs_tree *t, struct cfs_node *n, const char *storage, size_t len,
                         const struct cfs_tree_inc *inc, char **out, size_t *out_len,
                         struct cfs_tree_links *links);

/* The page titled title in the loaded, mounted space with key space_key (NULL:
 * from's space), or NULL: what an include macro of page from names, for
 * fetching its storage before the conversion.  Any thread (read lock). */
struct cfs_node *cfs_tree_find_page(struct cfs_tree *t, struct cfs_node *from,
                                    const char *space_key, const char *title);

#endif
