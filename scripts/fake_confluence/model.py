"""The model: `Page` (and blog post), `Attachment` and its byte sources, `Space`, `Site`;
ids, times (iso_time, parse_time, tiny_link) and the sort orders of listings.

New content kinds (folders, comments, ...) and their per-space indexes go here."""

import base64
import hashlib
import threading
import time
from datetime import datetime, timezone


MEDIA_BLOCK = 65536  # generated attachment bytes come in SHAKE-256 blocks of this size
DEFAULT_ACCOUNT = "712020:3fd582db-3261-4930-b192-171d1cb74d1f"
AUTHORS = [DEFAULT_ACCOUNT, "557058:8e2a4c51-6b1f-4d0e-9a7e-2f1c3b4d5e6f",
           "5dd6b6a99def2a0ee974f8ff"]


# ---------------------------------------------------------------- time helpers

def iso_time(ms, drop_zero_millis=False):
    """Milliseconds since the epoch -> Confluence's "YYYY-MM-DDTHH:mm:ss.sssZ"."""
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))
    if drop_zero_millis and ms % 1000 == 0:
        return base + "Z"  # real Cloud drops ".000" on page createdAt
    return "%s.%03dZ" % (base, ms % 1000)


def parse_time(text):
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(round(dt.timestamp() * 1000))


def now_ms():
    return int(time.time() * 1000)


def tiny_link(page_id):
    """Confluence's /x/ short link: base64 of the little-endian id, '+/' -> '_-'."""
    n = int(page_id)
    raw = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "little")
    return "/x/" + base64.b64encode(raw).decode().rstrip("=").replace("/", "-").replace("+", "_")


# ---------------------------------------------------------------- model

class Page:
    """A page, or (kind "blogpost") a blog post: no parent, no position, no children."""
    __slots__ = ("id", "title", "parent_id", "position", "author_id", "created_ms", "version",
                 "version_ms", "version_author", "version_message", "minor_edit", "body",
                 "children", "attachments", "status", "kind", "labels", "space", "history",
                 "trashed_from")

    def __init__(self, page_id, title, parent_id=None, position=0, author_id=DEFAULT_ACCOUNT,
                 created_ms=0, version=1, version_ms=0, body=None, kind="page"):
        self.kind = kind  # "page" or "blogpost"
        self.labels = None  # a list from a fixture, or None: derived from the id
        self.space = None  # set by Space.add_page / add_blogpost
        self.id = str(page_id)
        self.title = title
        self.parent_id = parent_id
        self.position = position
        self.author_id = author_id
        self.created_ms = created_ms
        self.version = version
        self.version_ms = version_ms or created_ms
        self.version_author = author_id
        self.version_message = ""
        self.minor_edit = False
        self.body = body  # str, or None: generated on demand by Space.body_source
        self.children = []  # child ids; order by (position, id) when listed
        self.attachments = []  # attachment ids
        self.status = "current"
        self.history = []  # earlier versions, oldest first: dicts (see writes.snapshot)
        self.trashed_from = None  # (parent_id, position) while in the trash


CONTAINER_KINDS = ("folder", "whiteboard", "database", "embed")


class Container:
    """Cloud content of the page tree that the page listing does not list: a folder,
    whiteboard, database or embed (GET /{kind}s/{id}), or (kind "page") a page the
    account cannot see any more (status "trashed" or "archived"): pages may name it as
    their parent, nothing lists it.  missing: the single GET answers 404 anyway."""
    __slots__ = ("id", "kind", "title", "parent_id", "position", "author_id", "created_ms",
                 "version", "version_ms", "embed_url", "status", "missing", "space")

    def __init__(self, cid, kind, title, parent_id=None, position=None,
                 author_id=DEFAULT_ACCOUNT, created_ms=0, version=1, embed_url=None,
                 status="current", missing=False):
        if kind not in CONTAINER_KINDS + ("page",):
            raise ValueError("container %s: unknown type %r" % (cid, kind))
        self.id = str(cid)
        self.kind = kind
        self.title = title
        self.parent_id = parent_id
        self.position = position
        self.author_id = author_id
        self.created_ms = created_ms
        self.version = version
        self.version_ms = created_ms
        self.embed_url = embed_url
        self.status = status
        self.missing = missing
        self.space = None


class Attachment:
    __slots__ = ("id", "page_id", "title", "media_type", "media_desc", "size", "comment",
                 "file_id", "created_ms", "version", "version_ms", "author_id", "source",
                 "space")

    def __init__(self, att_id, page_id, title, media_type, size, source, created_ms,
                 version=1, version_ms=0, comment="", author_id=DEFAULT_ACCOUNT, file_id=None):
        self.id = att_id if att_id.startswith("att") else "att" + att_id
        self.page_id = page_id  # the container: a page or a blog post
        self.space = None  # set by Space.add_attachment
        self.title = title
        self.media_type = media_type
        self.media_desc = MEDIA_DESCRIPTIONS.get(media_type, "File")
        self.size = size
        self.comment = comment
        self.file_id = file_id or uuid_from("file:" + self.id)
        self.created_ms = created_ms
        self.version = version
        self.version_ms = version_ms or created_ms
        self.author_id = author_id
        self.source = source  # .chunks(start, end) yields the bytes [start, end)


MEDIA_DESCRIPTIONS = {
    "image/png": "PNG Image", "image/jpeg": "JPEG Image", "text/plain": "Text File",
    "application/pdf": "PDF Document", "text/csv": "CSV File", "application/zip": "Zip Archive",
    "application/octet-stream": "File",
}


def uuid_from(text):
    h = hashlib.sha256(text.encode()).hexdigest()
    return "%s-%s-4%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])


class FileSource:
    """Attachment bytes from a file on disk."""

    def __init__(self, path):
        self.path = path

    def chunks(self, start, end):
        with open(self.path, "rb") as f:
            f.seek(start)
            left = end - start
            while left > 0:
                data = f.read(min(MEDIA_BLOCK, left))
                if not data:
                    return
                left -= len(data)
                yield data


def media_block(seed, att_id, k):
    """Block k of a generated attachment (documented: tests recompute it)."""
    return hashlib.shake_256(("cfs-att:%s:%s:%d" % (seed, att_id, k)).encode()).digest(MEDIA_BLOCK)


class StreamSource:
    """Attachment bytes generated from (seed, attachment id); never held in memory whole."""

    def __init__(self, seed, att_id):
        self.seed = seed
        self.att_id = att_id

    def chunks(self, start, end):
        pos = start
        while pos < end:
            k, off = divmod(pos, MEDIA_BLOCK)
            block = media_block(self.seed, self.att_id, k)
            piece = block[off:min(MEDIA_BLOCK, off + end - pos)]
            pos += len(piece)
            yield piece


class Space:
    """One space: pages, blog posts, attachments and the lock that guards them (once the
    space is part of a `Site`, the site's lock)."""

    def __init__(self, space_id, key, name, created_ms, author_id=DEFAULT_ACCOUNT,
                 description=None, homepage_id=None):
        self.id = str(space_id)
        self.key = key
        self.name = name
        self.created_ms = created_ms
        self.author_id = author_id
        self.description = description
        self.homepage_id = homepage_id
        self.users = {}  # account id -> display name, from a fixture's "users"
        self.pages = {}
        self.blogposts = {}  # id -> Page of kind "blogpost"
        self.containers = {}  # id -> Container (Cloud: folders, whiteboards, ...)
        self.attachments = {}
        self.by_file_id = {}
        self.body_source = None  # callable(page) -> str for pages whose body is None
        self.trash = {}  # id -> Page (or blog post) of status "trashed" (writes.trash_content)
        self.trashed_attachments = {}  # id -> Attachment deleted through the API
        self.parked_attachments = {}  # id -> Attachment of a page in the trash
        self.lock = threading.RLock()
        self.site = None  # set by Site.add_space
        self._sorted_cache = {}

    # -- building and editing (callers hold self.lock once the server runs)
    def add_page(self, page):
        if page.id in self.pages or page.id in self.blogposts:
            raise ValueError("duplicate page id %s" % page.id)
        page.space = self
        self.pages[page.id] = page
        self._sorted_cache.clear()

    def add_blogpost(self, post):
        if post.id in self.pages or post.id in self.blogposts:
            raise ValueError("duplicate content id %s" % post.id)
        if any(b.title == post.title for b in self.blogposts.values()):
            raise ValueError("duplicate blog post title %r" % post.title)
        post.kind, post.parent_id, post.position, post.space = "blogpost", None, None, self
        self.blogposts[post.id] = post
        self._sorted_cache.clear()

    def add_container(self, c):
        if c.id in self.pages or c.id in self.blogposts or c.id in self.containers:
            raise ValueError("duplicate content id %s" % c.id)
        c.space = self
        self.containers[c.id] = c

    def parent_type(self, item):
        """The parentType of a page or container: "page", a container's kind, or None."""
        if item.parent_id is None:
            return None
        c = self.containers.get(item.parent_id)
        return c.kind if c is not None else "page"

    def remove_blogpost(self, post_id):
        post = self.blogposts.pop(post_id)
        for att_id in post.attachments:
            att = self.attachments.pop(att_id)
            self.by_file_id.pop(att.file_id, None)
        self._sorted_cache.clear()

    def content(self, content_id):
        """A page or a blog post of this space, or None."""
        return self.pages.get(content_id) or self.blogposts.get(content_id)

    def link_children(self):
        for page in self.pages.values():
            page.children = []
        for page in self.pages.values():
            if page.parent_id is not None:
                if page.parent_id in self.containers:
                    continue  # in a folder, ...: no listing shows that relation
                if page.parent_id not in self.pages:
                    raise ValueError("page %s: unknown parentId %s" % (page.id, page.parent_id))
                self.pages[page.parent_id].children.append(page.id)
        for c in self.containers.values():
            if c.parent_id is not None and c.parent_id not in self.pages and \
                    c.parent_id not in self.containers:
                raise ValueError("%s %s: unknown parentId %s" % (c.kind, c.id, c.parent_id))
        if self.homepage_id is None:
            roots = self.roots()
            self.homepage_id = roots[0].id if roots else None

    def add_attachment(self, att):
        if att.id in self.attachments:
            raise ValueError("duplicate attachment id %s" % att.id)
        container = self.content(att.page_id)
        if container is None:
            raise ValueError("attachment %s: unknown container %s" % (att.id, att.page_id))
        att.space = self
        self.attachments[att.id] = att
        self.by_file_id[att.file_id] = att.id
        container.attachments.append(att.id)

    def remove_page(self, page_id):
        """Delete a page the way Confluence does: its children move up to its parent."""
        page = self.pages.pop(page_id)
        parent = self.pages.get(page.parent_id) if page.parent_id else None
        if parent is not None:
            parent.children.remove(page_id)
        last = max([self.pages[c].position or 0 for c in parent.children] or [0]) if parent else 0
        for n, child_id in enumerate(self.sort_children(page.children), 1):
            child = self.pages[child_id]
            child.parent_id = page.parent_id
            child.position = last + 100 * n
            if parent is not None:
                parent.children.append(child_id)
        for att_id in page.attachments:
            att = self.attachments.pop(att_id)
            self.by_file_id.pop(att.file_id, None)
        if self.homepage_id == page_id:
            roots = self.roots()
            self.homepage_id = roots[0].id if roots else None
        self._sorted_cache.clear()

    def touch(self):
        self._sorted_cache.clear()

    def max_id(self):
        ids = [int(p) for p in self.pages] + [int(b) for b in self.blogposts] + \
            [int(a[3:]) for a in self.attachments] + [int(c) for c in self.containers] + \
            [int(t) for t in self.trash] + \
            [int(a[3:]) for a in list(self.trashed_attachments) + list(self.parked_attachments)]
        return max(ids or [100000])

    def next_id(self):
        """Content ids are site-wide: one above the highest id of the whole site."""
        return str((self.site.max_id() if self.site else self.max_id()) + 1)

    # -- queries
    def body_of(self, page):
        return page.body if page.body is not None else self.body_source(page)

    def roots(self):
        return [self.pages[i] for i in self.sorted_ids("id") if self.pages[i].parent_id is None]

    def sorted_ids(self, sort):
        ids = self._sorted_cache.get(sort)
        if ids is None:
            ids = sorted(self.pages, key=PAGE_SORTS[sort.lstrip("-")](self),
                         reverse=sort.startswith("-"))
            self._sorted_cache[sort] = ids
        return ids

    def sort_children(self, child_ids, sort="child-position"):
        key = CHILD_SORTS[sort.lstrip("-")](self)
        return sorted(child_ids, key=key, reverse=sort.startswith("-"))

    def sorted_blog_ids(self, sort):
        ids = self._sorted_cache.get(("blog", sort))
        if ids is None:
            key = CONTENT_SORTS[sort.lstrip("-")]
            ids = sorted(self.blogposts, key=lambda i: key(self.blogposts[i]),
                         reverse=sort.startswith("-"))
            self._sorted_cache[("blog", sort)] = ids
        return ids


class Site:
    """The spaces of the site (the first one is the main space) and their shared lock.
    Content ids (pages, blog posts) and attachment ids are unique across the site."""

    def __init__(self, spaces=()):
        self.spaces = []
        self.lock = threading.RLock()
        self._merged = {}  # Site.ids of several spaces: (the spaces' lists, the merged list)
        for space in spaces:
            self.add_space(space)

    @property
    def main(self):
        return self.spaces[0]

    def add_space(self, space):
        if self.by_key(space.key) or self.by_id(space.id):
            raise ValueError("duplicate space key %s or id %s" % (space.key, space.id))
        for other in self.spaces:
            clash = (set(space.pages) | set(space.blogposts) | set(space.attachments)) & \
                (set(other.pages) | set(other.blogposts) | set(other.attachments))
            if clash:
                raise ValueError("spaces %s and %s share ids: %s" % (
                    other.key, space.key, ", ".join(sorted(clash)[:5])))
        space.lock, space.site = self.lock, self
        self.spaces.append(space)

    def by_key(self, key):
        return next((s for s in self.spaces if s.key == key), None)

    def by_id(self, space_id):
        return next((s for s in self.spaces if s.id == space_id), None)

    def page(self, page_id):
        for s in self.spaces:
            if page_id in s.pages:
                return s.pages[page_id]
        return None

    def container(self, cid):
        for s in self.spaces:
            if cid in s.containers:
                return s.containers[cid]
        return None

    def blogpost(self, post_id):
        for s in self.spaces:
            if post_id in s.blogposts:
                return s.blogposts[post_id]
        return None

    def content(self, content_id):
        """A page or a blog post of any space, or None."""
        for s in self.spaces:
            found = s.content(content_id)
            if found is not None:
                return found
        return None

    def attachment(self, att_id):
        att_id = att_id if att_id.startswith("att") else "att" + att_id
        for s in self.spaces:
            if att_id in s.attachments:
                return s.attachments[att_id]
        return None

    def by_file_id(self, file_id):
        for s in self.spaces:
            if file_id in s.by_file_id:
                return s.attachments[s.by_file_id[file_id]]
        return None

    def max_id(self):
        return max(s.max_id() for s in self.spaces)

    def ids(self, spaces, kind="page", sort="id"):
        """Ids of the pages (or blog posts) of these spaces, sorted; one space's list is
        its cached one (do not modify it)."""
        one = (lambda s: s.sorted_ids(sort)) if kind == "page" else \
            (lambda s: s.sorted_blog_ids(sort))
        if len(spaces) == 1:
            return one(spaces[0])
        lists = [one(s) for s in spaces]  # a space's list is new whenever it changed
        cache_key = (kind, sort, tuple(s.key for s in spaces))
        hit = self._merged.get(cache_key)
        if hit and len(hit[0]) == len(lists) and all(a is b for a, b in zip(hit[0], lists)):
            return hit[1]
        key = CONTENT_SORTS[sort.lstrip("-")]
        pool = {}
        for s in spaces:
            pool.update(s.pages if kind == "page" else s.blogposts)
        merged = sorted((i for ids in lists for i in ids), key=lambda i: key(pool[i]),
                        reverse=sort.startswith("-"))
        self._merged[cache_key] = (lists, merged)
        return merged


PAGE_SORTS = {
    "id": lambda sp: lambda i: int(i),
    "created-date": lambda sp: lambda i: (sp.pages[i].created_ms, int(i)),
    "modified-date": lambda sp: lambda i: (sp.pages[i].version_ms, int(i)),
    "title": lambda sp: lambda i: (sp.pages[i].title, int(i)),
}
CONTENT_SORTS = {  # the same orders as PAGE_SORTS, on the objects (any space, blog posts)
    "id": lambda c: int(c.id),
    "created-date": lambda c: (c.created_ms, int(c.id)),
    "modified-date": lambda c: (c.version_ms, int(c.id)),
    "title": lambda c: (c.title, int(c.id)),
}
BLOG_SORTS = ("id", "created-date", "modified-date")  # v2 BlogPostSortOrder
SPACE_SORTS = {"id": lambda s: int(s.id), "key": lambda s: s.key,
               "name": lambda s: (s.name, int(s.id))}
CHILD_SORTS = dict(PAGE_SORTS)
CHILD_SORTS["child-position"] = lambda sp: lambda i: (
    sp.pages[i].position is None, sp.pages[i].position or 0, int(i))
