"""What the write endpoints do to the model, whatever the flavor: publish a new version
(keeping the old one in `Page.history`), rename, move, create, trash and restore pages and
blog posts, labels.  Attachments are in attach.py, the HTTP side in write_cloud.py
(REST v2), write_v1.py (REST v1, both flavors) and write_dc.py.

Callers hold the site lock.  Refusals raise `WriteError(status, message, code)`; each
flavor turns it into its own error body.  See docs/fake-confluence.md, "Writes"."""

import sys

from .model import DEFAULT_ACCOUNT, Page, now_ms


class WriteError(Exception):
    """A refused write: HTTP status, the message Confluence gives, a v2 error code."""

    def __init__(self, status, message, code=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def loud(what):
    """Say on stderr that a purge was asked for: clients of the mount must only trash."""
    sys.stderr.write("fake-confluence: WARNING: PURGE requested: %s (confluencefs must only "
                     "ever trash)\n" % what)
    sys.stderr.flush()


TITLE_TAKEN = ("A page with this title already exists: A page already exists with the same "
               "TITLE in this space")


def conflict(current, provided):
    """The 409 of a stale or skipped version number (Cloud's v2 wording)."""
    e = WriteError(409, "Version must be incremented when updating a page. Current "
                        "Version: [%d]. Provided version: [%d]" % (current, provided),
                   "CONFLICT")
    e.current, e.provided = current, provided
    return e


def snapshot(space, page):
    """The page's current version as a history entry (before it is replaced)."""
    page.history.append({"number": page.version, "title": page.title,
                         "body": space.body_of(page), "ms": page.version_ms,
                         "author": page.version_author, "message": page.version_message,
                         "minorEdit": page.minor_edit})


def publish(space, page, title=None, body=None, message="", minor=False,
            author=DEFAULT_ACCOUNT):
    """A new version of page (version + 1, now); the old one goes to its history."""
    snapshot(space, page)
    if title is not None:
        page.title = title
    if body is not None:
        page.body = body
    page.version += 1
    page.version_ms = max(now_ms(), page.version_ms + 1)
    page.version_author = author
    page.version_message = message or ""
    page.minor_edit = bool(minor)
    space.touch()


def as_of(space, page, number):
    """A detached copy of page as it was at version `number`, or None if not kept."""
    if number == page.version:
        return page
    old = next((h for h in page.history if h["number"] == number), None)
    if old is None:
        return None
    copy = Page(page.id, old["title"], page.parent_id, page.position, page.author_id,
                page.created_ms, number, old["ms"], old["body"], page.kind)
    copy.version_author = old["author"]
    copy.version_message = old["message"]
    copy.minor_edit = old["minorEdit"]
    copy.labels, copy.space, copy.status = page.labels, space, page.status
    return copy


def check_version(page, number):
    if not isinstance(number, int) or isinstance(number, bool):
        raise WriteError(400, "version.number must be an integer")
    if number != page.version + 1:
        raise conflict(page.version, number)


def title_taken(space, title, kind="page", except_id=None):
    """Is title used by another current page (or blog post) of the space?  Confluence
    compares titles without regard to case; folders reserve no title."""
    pool = space.pages if kind == "page" else space.blogposts
    low = title.lower()
    return any(p.title.lower() == low and p.id != except_id for p in pool.values())


def check_title(space, title, kind="page", except_id=None):
    """Refuse an empty, overlong or (unless it is the content's own title already) taken
    title: keeping a title that another page shares (fixtures have such) is no clash."""
    if not isinstance(title, str) or not title.strip():
        raise WriteError(400, "Title cannot be empty")
    if len(title) > 255:
        raise WriteError(400, "Title must be at most 255 characters")
    mine = space.content(except_id) if except_id else None
    if mine is not None and mine.title.lower() == title.lower():
        return
    if title_taken(space, title, kind, except_id):
        raise WriteError(400, TITLE_TAKEN if kind == "page" else
                         "A blog post with this title already exists")


def parent_kind(space, parent_id):
    """ "page", "folder" (a current folder of the space) or None if no such parent."""
    if parent_id in space.pages:
        return "page"
    c = space.containers.get(parent_id)
    if c is not None and c.kind == "folder" and c.status == "current" and not c.missing:
        return "folder"
    return None


def ancestors(space, item_id):
    """The ids above item_id (pages and containers), nearest first."""
    out, seen = [], set()
    cur = space.pages.get(item_id) or space.containers.get(item_id)
    while cur is not None and cur.parent_id is not None and cur.parent_id not in seen:
        seen.add(cur.parent_id)
        out.append(cur.parent_id)
        cur = space.pages.get(cur.parent_id) or space.containers.get(cur.parent_id)
    return out


def last_position(space, parent_id):
    if parent_id is None:
        sibs = [p for p in space.pages.values() if p.parent_id is None]
    else:
        sibs = [p for p in space.pages.values() if p.parent_id == parent_id]
    return max([p.position or 0 for p in sibs] or [0]) + 100


def move(space, page, parent_id, position=None):
    """Put page under parent_id (a page or folder of its space; None: the top level),
    after its new siblings unless position is given."""
    if parent_id is not None:
        if parent_id == page.id or page.id in ancestors(space, parent_id):
            raise WriteError(400, "Cannot move a page under itself or one of its descendants")
        if parent_kind(space, parent_id) is None:
            raise WriteError(404 if parent_id not in space.containers else 400,
                             "Cannot find a parent with id [%s] in space %s"
                             % (parent_id, space.key))
    if parent_id == page.parent_id and position is None:
        return
    old = space.pages.get(page.parent_id) if page.parent_id else None
    if old is not None and page.id in old.children:
        old.children.remove(page.id)
    page.parent_id = parent_id
    page.position = position if position is not None else last_position(space, parent_id)
    new = space.pages.get(parent_id) if parent_id else None
    if new is not None and page.id not in new.children:
        new.children.append(page.id)
    space.touch()


def move_relative(space, page, where, target):
    """v1 move: "append" under target, or "before"/"after" target among its siblings."""
    if where == "append":
        move(space, page, target.id)
        return
    if target.id == page.id:
        raise WriteError(400, "Cannot move a page relative to itself")
    parent = target.parent_id
    sibs = sorted((p for p in space.pages.values()
                   if p.parent_id == parent and p.id != page.id),
                  key=lambda p: (p.position is None, p.position or 0, int(p.id)))
    if parent is not None and (parent == page.id or page.id in ancestors(space, parent)):
        raise WriteError(400, "Cannot move a page under itself or one of its descendants")
    order = []
    for p in sibs:
        if p.id == target.id and where == "before":
            order.append(page)
        order.append(p)
        if p.id == target.id and where == "after":
            order.append(page)
    move(space, page, parent, position=0)
    for n, p in enumerate(order, 1):  # renumber the siblings: 100, 200, ...
        p.position = 100 * n
    space.touch()


def create_page(space, title, parent_id, body, kind="page", author=DEFAULT_ACCOUNT):
    """A new current page (or blog post) of version 1."""
    check_title(space, title, kind)
    if kind == "page" and parent_id is not None and parent_kind(space, parent_id) is None:
        raise WriteError(404 if parent_id not in space.containers else 400,
                         "Cannot find a parent with id [%s] in space %s" % (parent_id, space.key))
    page_id = space.next_id()
    ms = now_ms()
    page = Page(page_id, title, parent_id if kind == "page" else None,
                last_position(space, parent_id) if kind == "page" else None,
                author, ms, 1, ms, body if body is not None else "", kind)
    page.labels = []
    if kind == "blogpost":
        space.add_blogpost(page)
    else:
        space.add_page(page)
        if parent_id in space.pages:
            space.pages[parent_id].children.append(page_id)
    space.touch()
    return page


def trash_content(space, page):
    """Move a page or blog post to the trash: status "trashed", out of every listing;
    a page's children move up to its parent (as Confluence does), its attachments leave
    the listings and searches with it."""
    if page.kind == "blogpost":
        space.blogposts.pop(page.id)
    else:
        parent = space.pages.get(page.parent_id) if page.parent_id else None
        for n, child_id in enumerate(space.sort_children(page.children), 1):
            child = space.pages[child_id]
            child.parent_id = page.parent_id
            child.position = last_position(space, page.parent_id) + 100 * n
            if parent is not None:
                parent.children.append(child_id)
        page.children = []
        if parent is not None and page.id in parent.children:
            parent.children.remove(page.id)
        space.pages.pop(page.id)
        page.trashed_from = (page.parent_id, page.position)
        page.parent_id = page.position = None
        if space.homepage_id == page.id:
            roots = space.roots()
            space.homepage_id = roots[0].id if roots else None
    for att_id in page.attachments:
        att = space.attachments.pop(att_id, None)
        if att is not None:
            space.by_file_id.pop(att.file_id, None)
            space.parked_attachments[att_id] = att
    page.status = "trashed"
    space.trash[page.id] = page
    space.touch()


def restore_content(space, page):
    """Back from the trash to where it was (its old parent if that is still there)."""
    check_title(space, page.title, page.kind)
    space.trash.pop(page.id)
    page.status = "current"
    if page.kind == "blogpost":
        space.blogposts[page.id] = page
    else:
        parent, position = page.trashed_from or (None, None)
        if parent is not None and parent_kind(space, parent) is None:
            parent = None
        page.parent_id, page.position, page.trashed_from = parent, position, None
        space.pages[page.id] = page
        if parent in space.pages:
            space.pages[parent].children.append(page.id)
    for att_id in page.attachments:  # the attachments that went with it come back
        att = space.parked_attachments.pop(att_id, None)
        if att is not None:
            space.attachments[att.id] = att
            space.by_file_id[att.file_id] = att.id
    space.touch()


# ---------------------------------------------------------------- labels

LABEL_BAD = set(" \t\n:;,.?&[]()#^*@!<>\"'/\\|{}=+%$~`")


def labels_of(page):
    """The page's label list, made explicit (so that it can change)."""
    from .shapes import content_labels
    if page.labels is None:
        page.labels = content_labels(page)
    return page.labels


def check_label(name):
    if not isinstance(name, str) or not name or len(name) > 255 or \
            any(ch in LABEL_BAD for ch in name):
        raise WriteError(400, "Label name contains invalid characters or is empty: %r"
                         % (name,))
    return name.lower()


def add_labels(space, page, items):
    """items: [{"prefix": "global", "name": N}, ...] (or one such object)."""
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise WriteError(400, "Expected a label or a list of labels")
    names = []
    for it in items:
        if not isinstance(it, dict):
            raise WriteError(400, "A label is an object {prefix, name}")
        prefix = it.get("prefix", "global")
        if prefix not in ("global", "my", "team"):
            raise WriteError(400, "Invalid label prefix: %r" % (prefix,))
        names.append(check_label(it.get("name")))
    labels = labels_of(page)
    for n in names:
        if n not in labels:
            labels.append(n)
    space.touch()


def remove_label(space, page, name):
    labels = labels_of(page)
    low = (name or "").lower()
    if low not in labels:
        raise WriteError(404, "Label %s is not on content %s" % (name, page.id))
    labels.remove(low)
    space.touch()
