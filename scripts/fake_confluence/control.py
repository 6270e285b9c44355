"""Test control: the /_fake/ endpoints (stats, log, reset, faults, latency, page edits).
No auth, no latency, not counted.  New switches for tests go here (and in
docs/fake-confluence.md)."""

import json
import re

from .model import DEFAULT_ACCOUNT, Page, now_ms
from .writes import snapshot
from .shapes import blogpost_json, container_json, page_json
from .protocol import json_response


# ---------------------------------------------------------------- test control

class Control:
    """/_fake/ endpoints: stats, log, reset, faults, latency, page edits."""

    def __init__(self, app):
        self.app = app

    def handle(self, method, path, body):
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            return json_response(400, {"error": "body is not JSON"})
        app = self.app
        if (method, path) == ("GET", "/_fake/stats"):
            return json_response(200, app.stats.snapshot(app.info()))
        if (method, path) == ("GET", "/_fake/log"):
            return json_response(200, app.stats.log_copy())
        if (method, path) == ("GET", "/_fake/writes"):
            return json_response(200, app.stats.writes_copy())
        if (method, path) == ("GET", "/_fake/trash"):
            return self.trash()
        if (method, path) == ("GET", "/_fake/info"):
            return json_response(200, app.info())
        if (method, path) == ("GET", "/_fake/attachments"):
            with app.space.lock:
                atts = [{"id": a.id, "pageId": a.page_id, "title": a.title, "fileSize": a.size,
                         "mediaType": a.media_type, "spaceKey": s.key,
                         "containerType": s.content(a.page_id).kind}
                        for s in app.site.spaces for a in s.attachments.values()]
            return json_response(200, atts)
        if (method, path) == ("POST", "/_fake/reset"):
            app.stats.reset()
            return json_response(200, {"ok": True})
        if path == "/_fake/fault":
            return self.fault(method, data)
        if (method, path) == ("POST", "/_fake/fault/release"):
            return json_response(200, {"ok": True, "released": app.faults.release()})
        if (method, path) == ("POST", "/_fake/latency"):
            app.latency_ms = float(data.get("ms", 0))
            return json_response(200, {"ok": True, "latency_ms": app.latency_ms})
        if (method, path) == ("POST", "/_fake/pages"):
            return self.create_page(data)
        m = re.match(r"^/_fake/page/(\d+)$", path)
        if m and method in ("POST", "DELETE"):
            return self.edit_page(method, m.group(1), data)
        return json_response(404, {"error": "unknown control endpoint %s %s" % (method, path)})

    def fault(self, method, data):
        faults = self.app.faults
        if method == "DELETE":
            faults.clear()
            return json_response(200, {"ok": True})
        if method == "GET":
            return json_response(200, faults.describe())
        if method == "POST":
            try:
                fault = faults.add(data)
            except (ValueError, re.error, TypeError) as e:
                return json_response(400, {"error": str(e)})
            return json_response(200, {"ok": True, "fault": fault.describe()})
        return json_response(405, {"error": "method not allowed"})

    def edit_page(self, method, page_id, data):
        """A page or a blog post, of any space."""
        with self.app.space.lock:
            page = self.app.site.content(page_id)
            container = self.app.site.container(page_id)
            if page is None and container is not None and method == "POST":
                return self.edit_container(container, data)
            if page is None:
                return json_response(404, {"error": "no page %s" % page_id})
            space = page.space
            if method == "DELETE":
                if page.kind == "blogpost":
                    space.remove_blogpost(page_id)
                else:
                    space.remove_page(page_id)
                return json_response(200, {"ok": True})
            if page.kind == "blogpost" and (data.get("parentId") is not None or
                                            data.get("position") is not None):
                return json_response(400, {"error": "a blog post has no parent or position"})
            if data.get("bump_version", True):
                snapshot(space, page)  # the version this edit replaces stays readable
            if "title" in data:
                page.title = data["title"]
            if "body" in data:
                page.body = data["body"]
            if "labels" in data:  # the page's whole label list, names as given
                if not isinstance(data["labels"], list) or \
                        not all(isinstance(x, str) for x in data["labels"]):
                    return json_response(400, {"error": "labels must be a list of names"})
                page.labels = list(data["labels"])
            if "position" in data and page.kind == "page":
                page.position = data["position"]
            if "parentId" in data and data["parentId"] != page.parent_id:
                new_parent = data["parentId"]
                if new_parent is not None and new_parent not in space.pages:
                    return json_response(400, {"error": "no page %s" % new_parent})
                if page.parent_id:
                    space.pages[page.parent_id].children.remove(page_id)
                page.parent_id = new_parent
                if new_parent:
                    space.pages[new_parent].children.append(page_id)
            if data.get("bump_version", True):
                page.version += 1
                page.version_ms = max(now_ms(), page.version_ms + 1)
                page.version_author = DEFAULT_ACCOUNT
                page.version_message = data.get("message", "")
            space.touch()
            shape = blogpost_json if page.kind == "blogpost" else page_json
            return json_response(200, shape(space, page))

    def trash(self):
        """What the API trashed: pages and blog posts, attachments, folders."""
        with self.app.site.lock:
            out = {"pages": [], "attachments": [], "folders": []}
            for s in self.app.site.spaces:
                for t in s.trash.values():
                    parent, position = t.trashed_from or (None, None)
                    out["pages"].append({"id": t.id, "type": t.kind, "title": t.title,
                                         "spaceKey": s.key, "version": t.version,
                                         "parentId": parent})
                for a in s.trashed_attachments.values():
                    out["attachments"].append({"id": a.id, "pageId": a.page_id,
                                               "title": a.title, "fileSize": a.size,
                                               "version": a.version, "spaceKey": s.key})
                for c in s.containers.values():
                    if c.kind == "folder" and c.status == "trashed":
                        out["folders"].append({"id": c.id, "title": c.title,
                                               "spaceKey": s.key})
            return json_response(200, out)

    @staticmethod
    def edit_container(c, data):
        """A folder, whiteboard, ...: a new title (and version)."""
        if "title" in data:
            c.title = data["title"]
        c.version += 1
        c.version_ms = max(now_ms(), c.version_ms + 1)
        c.space.touch()
        return json_response(200, container_json(c.space, c))

    def create_page(self, data):
        """A page (or, with "type": "blogpost", a blog post) in the space with key
        data["space"] (default: the main space)."""
        site = self.app.site
        with site.lock:
            space = site.by_key(data["space"]) if data.get("space") else site.main
            if space is None:
                return json_response(400, {"error": "no space %s" % data["space"]})
            kind = data.get("type", "page")
            if kind not in ("page", "blogpost"):
                return json_response(400, {"error": "type must be page or blogpost"})
            parent = data.get("parentId")
            if parent is not None and (kind == "blogpost" or parent not in space.pages):
                return json_response(400, {"error": "no page %s in space %s" % (parent,
                                                                             space.key)})
            page_id = str(data.get("id") or space.next_id())
            if site.content(page_id) is not None or site.attachment(page_id) is not None:
                return json_response(400, {"error": "page %s exists" % page_id})
            if kind == "blogpost":
                title = data.get("title", "New blog post %s" % page_id)
                if any(b.title == title for b in space.blogposts.values()):
                    return json_response(400, {"error": "a blog post is titled %r" % title})
                post = Page(page_id, title, None, None, DEFAULT_ACCOUNT, now_ms(), 1, 0,
                            data.get("body", "<p>New blog post</p>"), "blogpost")
                space.add_blogpost(post)
                return json_response(200, blogpost_json(space, post))
            siblings = space.pages[parent].children if parent else \
                [p.id for p in space.roots()]
            position = data.get("position", max(
                [space.pages[s].position or 0 for s in siblings] or [0]) + 100)
            page = Page(page_id, data.get("title", "New page %s" % page_id), parent, position,
                        DEFAULT_ACCOUNT, now_ms(), 1, 0, data.get("body", "<p>New page</p>"))
            space.add_page(page)
            if parent:
                space.pages[parent].children.append(page_id)
            return json_response(200, page_json(space, page))
