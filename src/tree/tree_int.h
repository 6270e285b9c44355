/* tree_int.h: the tree's data structures, shared by tree*.c only. */
#ifndef CFS_TREE_INT_H
#define CFS_TREE_INT_H

#include <pthread.h>

#include "intern.h"
#include "tree.h"

/* A looked-up user; name NULL when the lookup failed (do not ask again). */
struct user {
	char *id;
	char *name;
};

struct entry {
	const char *name; /* owned by the node (stem or md_name), or static */
	struct cfs_node *node;
	enum cfs_tree_kind kind;
};

#define ATTACHMENTS_DIR "_attachments"
#define BLOG_DIR        "_blog"

/* A mounted space.  Its top-level pages hang under dir: the root when the
 * tree holds one space, else the space's own directory node (then top, their
 * parent pointer; NULL with one space, as the root is nobody's node). */
struct tspace {
	char *id, *key, *name;
	struct cfs_time created; /* the space's creation, {0, 0} when unknown */
	struct cfs_node *dir;    /* &t->root, or the space's directory */
	struct cfs_node *top;    /* NULL, or the space's directory */
	int loaded;              /* its listing is in the tree */
};

/* What a node of the page tree is (pages and blog posts are CFS_CT_PAGE). */
enum cfs_tree_ctype {
	CFS_CT_PAGE = 0,
	CFS_CT_FOLDER,     /* a directory only, even when empty */
	CFS_CT_WHITEBOARD, /* the next three: a stub "<name>.md" made by the tree */
	CFS_CT_DATABASE,
	CFS_CT_EMBED,
};

/* A page, a blog post (is_blog), a container (ctype), an attachment (is_att; then stem is its
 * file name, parent its page), or a directory the tree makes up (synthetic:
 * a space, "_blog", a year or a month; only ever a CFS_PAGE_DIR). */
struct cfs_node {
	uint64_t key; /* inode number with the kind bits clear */
	/* Flags as bytes, beside ndirs (docs/memory.md): one node per page. */
	unsigned char is_att;
	unsigned char is_blog;
	unsigned char synthetic;
	unsigned char keep_dir;  /* its directory shows even when empty (mkdir, children trashed) */
	unsigned char keep_atts; /* its _attachments/ shows even when empty (mkdir) */
	unsigned char lazy;      /* learnt before its space's full listing */
	unsigned char listed; /* a lazy node (or a space's directory) whose children were listed */
	unsigned char probed; /* ... and its children's children were asked for (lazy.c) */
	unsigned char ctype;  /* enum cfs_tree_ctype */
	unsigned char present;
	unsigned char md_on_disk; /* md is also on disk (cfs_tree_md_on_disk): dropped first */
	unsigned ndirs;           /* kids that are directories */
	int64_t hide_file_v;      /* not 0: its .md is hidden while its version is this one
	                             (a page made for a mkdir: a directory only until written) */
	size_t space;             /* index into the tree's spaces */
	uint64_t idnum;           /* the numeric id, for name collisions */
	char *id;
	char *title;
	char *parent_id;
	const char *parent_type; /* as listed (interned: t->strs); NULL: a page */
	char *embed_url;         /* an embed's target */
	char *webui;
	char *stem;          /* directory name; the file is md_name */
	const char *md_name; /* stem + ".md", in stem's allocation after its NUL; or NULL */
	int64_t position;
	int64_t version;
	struct cfs_time mtime;
	struct cfs_time created;
	const char *author_id;   /* interned (t->strs) */
	char *labels;            /* comma-joined; NULL until the labels were listed */
	struct cfs_node *parent; /* NULL: at the root */
	struct cfs_node **kids;  /* position order */
	size_t nkids;
	struct entry *names; /* sorted by name */
	size_t nnames;
	struct cfs_node **atts; /* a page's attachments */
	size_t natts;
	struct entry *att_names; /* sorted by name */
	int64_t size;            /* an attachment's size */
	const char *media_type;  /* an attachment's media type (interned: t->strs) */
	struct cfs_blob *md;     /* rendered Markdown or NULL */
	uint64_t *link_keys;     /* title keys the Markdown links to, sorted */
	size_t nlink_keys;
	int64_t md_version;
	atomic_uint_fast64_t last_used; /* tick of the last cfs_tree_md() hit */
	void *loop_slot;                /* the loop thread's, see cfs_tree_loop_slot() */
};

struct cfs_tree {
	pthread_rwlock_t lock;
	char *base_url;
	struct tspace *spaces;
	size_t nspaces;
	int multi;                /* the root lists one directory per space */
	struct cfs_node root;     /* key 0; only kids/names/ndirs/mtime used */
	struct cfs_node **by_key; /* present pages, blog posts, directories sorted by key */
	size_t n;
	struct cfs_node **by_title; /* present pages sorted by space, title */
	size_t ntitle;
	struct cfs_node **att_by_key; /* present attachments sorted by key */
	size_t natt;
	struct cfs_node **all; /* every node ever seen (owns them) */
	size_t nall;
	uint64_t md_bytes, md_cap; /* rendered Markdown held, and its bound (0: none) */
	atomic_uint_fast64_t tick; /* use counter for least-recently-used eviction */
	int front_matter;          /* rendered pages start with YAML front matter */
	struct user *users;        /* display names by account id, sorted by id */
	size_t nusers;
	char **gone; /* containers that answered 404/403, sorted (cfs_tree_add_gone) */
	size_t ngone;
	struct cfs_intern strs; /* the nodes' repeated strings (write lock) */
};

/* The key of a title in a space, for remembering which titles a rendered
 * page links to. */
static inline uint64_t cfs_tree_title_key(size_t space, const char *title)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)space;

	for (; *title; title++)
		h = (h ^ (unsigned char)*title) * 1099511628211ull;
	return h;
}

/* The key noted for a page that the Markdown includes (include, excerpt-include):
 * when that page gets a new version, the Markdown is rendered again. */
static inline uint64_t cfs_tree_include_key(size_t space, const char *title)
{
	return cfs_tree_title_key(space, title) ^ 0x9e3779b97f4a7c15ull;
}

/* A conversion's link callbacks' state (tree_link.c, tree_macro.c, tree_include.c). */
struct link_ctx {
	struct cfs_tree *t;
	struct cfs_node *from;
	struct cfs_tree_links *links;   /* titles linked to; may be NULL */
	const struct cfs_tree_inc *inc; /* storage of included pages; may be NULL */
};

/* The display name of a user looked up (cfs_tree_set_user), or NULL.  Lock held. */
const char *cfs_tree_user_name(struct cfs_tree *t, const char *id);

/* The converter's include_storage (tree_include.c; arg a link_ctx). */
char *cfs_tree_include_storage(void *arg, const char *space_key, const char *title, size_t *len);

/* Remember that the page links to title in space (its Markdown is stale when
 * that title changes). */
void cfs_tree_note_link(struct link_ctx *c, long space, const char *title);
void cfs_tree_note_key(struct link_ctx *c, uint64_t key);
/* The loaded space a link points into (space_key NULL: the page's own), or -1. */
long cfs_tree_link_space(struct link_ctx *c, const char *space_key, const char *title);
/* Path from the directory holding from's file to target's file, or with
 * into_dir to leaf inside target's directory (for attachments); malloc'd. */
char *cfs_tree_rel_path(struct cfs_node *from, struct cfs_node *target, int into_dir,
                        const char *leaf);
/* The converter's list_pages, list_recent and list_attachments (tree_macro.c; arg a
 * link_ctx). */
int cfs_tree_list_pages(void *arg, const char *space_key, const char *title, int depth,
                        const char *sort, int reverse,
                        void (*emit)(void *, int, const char *, const char *), void *emit_arg);
int cfs_tree_list_recent(void *arg, const char *space_key, const char *labels, int max,
                         void (*emit)(void *, int, const char *, const char *), void *emit_arg);
int cfs_tree_list_attachments(void *arg, const char *space_key, const char *title,
                              void (*emit)(void *, int, const char *, const char *),
                              void *emit_arg);

/* Binary searches over sorted node arrays.  Lock held by the caller. */
struct cfs_node *cfs_tree_find_key(struct cfs_node **v, size_t n, uint64_t key);
struct cfs_node *cfs_tree_find_title(struct cfs_tree *t, size_t space, const char *title);
/* The index of the space with this key, or -1.  Lock held. */
long cfs_tree_space_by_key(struct cfs_tree *t, const char *key);
/* Order of struct entry by name. */
int cfs_tree_cmp_entry(const void *a, const void *b);
/* Orders of node arrays: by key; by position, title, key (a directory's
 * children); by space, title, key (by_title). */
int cfs_tree_cmp_key(const void *a, const void *b);
int cfs_tree_cmp_u64(const void *a, const void *b); /* uint64_t */
int cfs_tree_cmp_position(const void *a, const void *b);
int cfs_tree_cmp_space_title(const void *a, const void *b);
/* Name dir's children and sort its entries (tree_load.c). */
int cfs_tree_index_dir(struct cfs_node *dir);
/* An inode -> (node, kind); the root is (&t->root, CFS_ROOT_DIR).  Read lock held. */
int cfs_tree_resolve(struct cfs_tree *t, uint64_t ino, struct cfs_node **node,
                     enum cfs_tree_kind *kind);
/* Does page n show as a directory?  Before the full listing (lazy), a page also does
 * when whether it has children is not known, and when it was shown as one and opened
 * (probed): it stays until the full listing tells. */
static inline int cfs_tree_has_dir(const struct cfs_node *n)
{
	return n->synthetic || n->ctype == CFS_CT_FOLDER || n->nkids || n->natts || n->keep_dir ||
	       n->keep_atts || (n->lazy && (!n->listed || n->probed));
}

/* Is dir a directory whose entries are not known yet: a space's directory before its
 * first listing, or a page a partial listing showed whose children were not listed, or
 * whose children's children were not asked for (so which of them are directories is not
 * known; docs/refresh.md)?  Lock held. */
static inline int cfs_tree_unloaded(const struct cfs_tree *t, const struct cfs_node *dir)
{
	if (dir->lazy)
		return !dir->listed || !dir->probed;
	if (!t->multi) /* one space, listed after the mount appeared */
		return dir == &t->root && !t->spaces[0].loaded && !(dir->listed && dir->probed);
	return dir->synthetic && dir->parent == NULL && dir != &t->root &&
	       !t->spaces[dir->space].loaded && !(dir->listed && dir->probed);
}

/* What a partial load learnt (tree_lazy.c): the directory dir (top: the space's own)
 * is listed and probed, and the pages whose keys are in listed (sorted) have all their
 * children in the load. */
struct cfs_tree_partial {
	int top;
	uint64_t dir;
	const uint64_t *listed;
	size_t nlisted;
};

/* cfs_tree_load(); with partial, pages are what is known of a space whose full listing
 * is not in yet: every page is lazy, the space stays not loaded, and what partial says
 * was listed is marked so.  A partial load of a space that is loaded does nothing (the
 * full listing won the race). */
int cfs_tree_load_as(struct cfs_tree *t, size_t space, const struct cfs_page_list *pages,
                     const struct cfs_attachment_list *atts, struct cfs_tree_changes *changes,
                     const struct cfs_tree_partial *partial);

/* ---- intern.c: compact node storage (docs/memory.md) ---- */

/* Point *dst at the tree's copy of src (NULL stays NULL).  Write lock held.
 * 0 or -ENOMEM. */
int cfs_tree_set_interned(struct cfs_tree *t, const char **dst, const char *src);
/* Give n its md_name, "<stem>.md", in the stem's own allocation
 * ("<stem>\0<stem>.md\0"): one block per page instead of two.  Whoever gives
 * n a new stem sets md_name to NULL.  0 or -ENOMEM. */
int cfs_tree_stem_md(struct cfs_node *n);

/* The inode key of an id (see tree.c). */
uint64_t cfs_tree_key_of(const char *id);

/* ---- tree_kinds.c: folders, whiteboards, databases, embeds ---- */

/* The ctype of a listed type, or -1 when the tree does not show it
 * ("page", "blogpost" and NULL are CFS_CT_PAGE). */
int cfs_tree_ctype_of(const char *type);
/* "page", "folder", "whiteboard", "database", "embed". */
const char *cfs_tree_ctype_name(enum cfs_tree_ctype c);
/* Give a whiteboard, database or embed its stub Markdown (what it is, and
 * links to it on the web) unless it has a current one.  Write lock held.
 * 0 or -ENOMEM. */
int cfs_tree_stub_render(struct cfs_tree *t, struct cfs_node *n);

/* ---- tree_synth.c: the directories the tree makes up ---- */

/* The bookkeeping of one cfs_tree_load() of space s: every node (all owns
 * them), the new by_key array, and the made-up directories it made present. */
struct cfs_tree_load {
	struct cfs_tree *t;
	size_t s;
	struct cfs_node **all, **by_key, **syn;
	size_t nall, n, nsyn;
};

/* A directory the tree makes up, keyed by a string that never looks like an
 * id; owned by all[] (*nall grows).  NULL on ENOMEM. */
struct cfs_node *cfs_tree_synthetic_new(const char *keystr, const char *title, size_t space,
                                        struct cfs_node ***all, size_t *nall);
/* Put blog post b under "_blog/YYYY/MM" of the load's space by its creation
 * time (UTC), in the order posts were written.  0 or -ENOMEM. */
int cfs_tree_place_blog(struct cfs_tree_load *l, struct cfs_node *b);

/* ---- tree_diff.c: what a load changed.  Write lock held. ---- */

/* Every (directory, name) -> inode the tree has, sorted; for diffing loads. */
struct cfs_tree_triple {
	uint64_t dir, ino;
	char *name;
};

/* Where a title is: the keys of a page's title and of its path on the mount. */
struct cfs_tree_located {
	uint64_t title, path;
};

int cfs_tree_changes_add(struct cfs_tree_changes *c, uint64_t parent, const char *name);
int cfs_tree_snapshot(struct cfs_tree *t, struct cfs_tree_triple **out, size_t *nout);
void cfs_tree_triples_free(struct cfs_tree_triple *v, size_t n);
/* Entries that went away or changed, and the directories whose listing changed. */
int cfs_tree_diff(struct cfs_tree_triple *a, size_t na, struct cfs_tree_triple *b, size_t nb,
                  struct cfs_tree_changes *ch);
#define CFS_TREE_ALL_SPACES ((size_t)-1) /* cfs_tree_locate: every space */
/* Where every page and blog post of space s (or every space) is now, sorted. */
int cfs_tree_locate(struct cfs_tree *t, size_t s, struct cfs_tree_located **out, size_t *nout);
/* Titles whose page appeared, went away, or moved between a and b lose the
 * Markdown of every page linking to them. */
/* Pages whose links hit one of keys (sorted here) lose their Markdown. */
int cfs_tree_drop_linking(struct cfs_tree *t, uint64_t *keys, size_t n,
                          struct cfs_tree_changes *ch);
int cfs_tree_drop_stale_links(struct cfs_tree *t, const struct cfs_tree_located *a, size_t na,
                              const struct cfs_tree_located *b, size_t nb,
                              struct cfs_tree_changes *ch);

#endif
