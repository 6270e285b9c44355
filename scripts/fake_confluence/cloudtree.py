"""The tree of a modern Cloud site beyond pages (Cloud flavor only):

- `add_cloud_tree(space)` (--cloud-tree): folders (at the top, under the homepage,
  nested, one that answers 404), a whiteboard, a database and an embed each with a child
  page, a second root page, and a page whose parent is a trashed page;
- `add_folders(space, n)` (--folders N): n folders, each holding a share of a generated
  space's root-level pages (for scripts/bench).

No listing lists the containers: the page listing names them as parentId/parentType, and
GET /folders/{id} (/whiteboards, /databases, /embeds) answers for one."""

from .model import Container, Page

# What --cloud-tree adds, ids from the space's next free id on:
#   Home (the homepage)
#   ├── Guides/            folder under a page
#   │   ├── Deep/          folder in a folder
#   │   │   └── Deploy checklist   page in a folder in a folder
#   │   └── Empty folder/  a folder with nothing in it (only a CQL search finds it)
#   ├── Sketches           whiteboard ── Sketch notes (page)
#   ├── Tracker            database ── Tracker how-to (page)
#   └── Status board       embed (https://status.example.com/) ── Status runbook (page)
#   Team/                  folder at the top ── Team charter (page)
#   Vanished/              folder that answers 404 ── Rescued page (page: shown at the top)
#   Second root            a root page that is not the homepage
#   (Old parent)           a trashed page ── Orphaned page (shown at the top)
CLOUD_TREE = [
    # (name, kind, title, parent name or None for the homepage / "" for the top, extra)
    ("guides", "folder", "Guides", None, {}),
    ("deep", "folder", "Deep", "guides", {}),
    ("deploy", "page", "Deploy checklist", "deep", {}),
    ("empty", "folder", "Empty folder", "guides", {}),
    ("board", "whiteboard", "Sketches", None, {}),
    ("board_kid", "page", "Sketch notes", "board", {}),
    ("db", "database", "Tracker", None, {}),
    ("db_kid", "page", "Tracker how-to", "db", {}),
    ("embed", "embed", "Status board", None, {"embed_url": "https://status.example.com/"}),
    ("embed_kid", "page", "Status runbook", "embed", {}),
    ("team", "folder", "Team", "", {}),
    ("charter", "page", "Team charter", "team", {}),
    ("vanished", "folder", "Vanished", "", {"missing": True}),
    ("rescued", "page", "Rescued page", "vanished", {}),
    ("second", "page", "Second root", "", {}),
    ("old", "trashed", "Old parent", "", {}),
    ("orphan", "page", "Orphaned page", "old", {}),
]


def add_cloud_tree(space):
    """Add CLOUD_TREE to space; returns {name: id} (documented in docs/fake-confluence.md)."""
    ids = {}
    base = int(space.next_id())
    created = max([p.created_ms for p in space.pages.values()] or [1700000000000])
    for n, (name, kind, title, parent, extra) in enumerate(CLOUD_TREE):
        cid = str(base + n)
        ids[name] = cid
        parent_id = space.homepage_id if parent is None else (ids[parent] if parent else None)
        position = 10000 + 100 * n
        if kind == "page":
            body = '<p>%s: a page of the cloud tree (id %s).</p>' % (title, cid)
            space.add_page(Page(cid, title, parent_id, position, created_ms=created + n,
                                body=body))
        elif kind == "trashed":
            space.add_container(Container(cid, "page", title, parent_id, position,
                                          created_ms=created, status="trashed", missing=True))
        else:
            space.add_container(Container(cid, kind, title, parent_id, position,
                                          created_ms=created + n, **extra))
    space.link_children()
    space.touch()
    return ids


def add_folders(space, n):
    """n folders under the homepage of a generated space, holding its children in turn."""
    if n < 1:
        return
    home = space.pages.get(space.homepage_id or "")
    kids = [space.pages[c] for c in home.children] if home else []
    base = int(space.next_id())
    created = min([p.created_ms for p in space.pages.values()] or [1700000000000])
    folders = []
    for k in range(n):
        c = Container(str(base + k), "folder", "Folder %03d" % k,
                      home.id if home else None, 100 * k, created_ms=created)
        space.add_container(c)
        folders.append(c)
    for i, page in enumerate(kids):
        page.parent_id = folders[i % n].id
    space.link_children()
    space.touch()
