"""Confluence Data Center writes: `DcWriteApi`, the DC `DcApi` plus
PUT /rest/api/content/{id} (a new version, rename, move by ancestors, restore),
POST /rest/api/content (create, with ancestors), GET of an older version or of trashed
content, and the shared v1 endpoints of write_v1.py.  No folders on DC.

The model changes are in writes.py and attach.py; see docs/fake-confluence.md, "Writes"."""

import re

from .dc import DcApi, V1Error
from .cloud import ID_RE
from .protocol import json_response
from . import writes
from .writes import WriteError
from .write_v1 import V1Writes

ANSWER_EXPAND = {"version", "ancestors", "space", "history"}


def dc_storage(body):
    """The storage text of a v1 write body {"storage": {"value", "representation"}}."""
    storage = body.get("storage") if isinstance(body, dict) else None
    if not isinstance(storage, dict):
        raise WriteError(400, "body.storage is required")
    if storage.get("representation", "storage") != "storage":
        raise WriteError(400, "fake-confluence accepts representation storage only")
    if not isinstance(storage.get("value"), str):
        raise WriteError(400, "body.storage.value must be a string")
    return storage["value"]


def parent_from_ancestors(data):
    """The new parent named by "ancestors": [{"id": ...}, ...] (the last one), or
    (False,) when the body has none."""
    anc = data.get("ancestors")
    if anc is None:
        return (False,)
    if not isinstance(anc, list) or not all(isinstance(a, dict) and "id" in a for a in anc):
        raise WriteError(400, "ancestors must be a list of {\"id\": ...}")
    return (True, str(anc[-1]["id"]) if anc else None)


class DcWriteApi(V1Writes, DcApi):
    """Confluence Data Center with the write endpoints."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.v1_prefix = self.context
        c = re.escape(self.context)
        extra = [
            ("PUT", c + r"/rest/api/content/(?P<page_id>[^/]+)", "page_update", self.dc_update),
            ("POST", c + r"/rest/api/content/?", "page_create", self.dc_create),
        ]
        self.routes += [(re.compile("^" + p + "$"), m, k, f) for m, p, k, f in extra]
        self.routes += self.v1_routes()

    def refine_kind(self, req, kind, params):
        return kind if req.method != "GET" else super().refine_kind(req, kind, params)

    # -- v1 hooks (write_v1.py)
    def v1_content_json(self, req, content):
        return self.page_json(req, content, ANSWER_EXPAND, True)

    def v1_attachment_json(self, req, att):
        return self.attachment_json(req, att, {"version", "container"})

    # -- reads that writes change
    def dc_page(self, req, page_id):
        """?version=N of a kept version; ?status=trashed (or any) finds trashed content."""
        version = req.arg("version")
        status = req.arg("status") or ""
        content = self.site.content(page_id) if ID_RE.match(page_id) else None
        if content is None and ("trashed" in status.split(",") or status == "any"):
            content = next((s.trash[page_id] for s in self.site.spaces
                            if page_id in s.trash), None)
        if content is None:
            raise V1Error(404, "No content found with id: ContentId{id=%s}" % page_id)
        if version not in (None, ""):
            old = writes.as_of(content.space, content, int(version)) \
                if version.isdigit() else None
            if old is None:
                raise V1Error(404, "No content found with id: ContentId{id=%s}" % page_id)
            content = old
        expand = self.expand(req)
        with_body = "body.storage" in expand
        if with_body:
            self.stats.body_fetched([content.id])
        d = self.page_json(req, content, expand, with_body)
        d["_links"].update(self.links(req, {"collection": "/rest/api/contents"}))
        return json_response(200, d)

    def dc_answer(self, content, req):
        d = self.page_json(req, content, ANSWER_EXPAND, True)
        d["_links"].update(self.links(req, {"collection": "/rest/api/contents"}))
        return json_response(200, d)

    # -- writes
    def dc_update(self, req, page_id):
        """PUT /rest/api/content/{id} {version: {number}, title, type, body: {storage},
        ancestors?, status?}: number must be current + 1 (else 409)."""
        try:
            content = self.site.content(page_id) if ID_RE.match(page_id) else None
            trashed = None
            if content is None:
                trashed = next((s.trash[page_id] for s in self.site.spaces
                                if page_id in s.trash), None)
            if content is None and trashed is None:
                raise WriteError(404, "No content found with id: ContentId{id=%s}" % page_id)
            data = req.json_or_none()
            if not isinstance(data, dict):
                raise WriteError(400, "The request body must be a JSON object")
            if trashed is not None:
                if data.get("status") != "current":
                    raise WriteError(404, "No content found with id: ContentId{id=%s}"
                                     % page_id)
                writes.restore_content(trashed.space, trashed)
                req.note(applied=True, id=page_id, restored=True, version=trashed.version)
                return self.dc_answer(trashed, req)
            version = data.get("version")
            if not isinstance(version, dict) or "number" not in version:
                raise WriteError(400, "version is required for an update")
            kind = data.get("type") or content.kind
            if kind != content.kind:
                raise WriteError(400, "Cannot change the type of content %s from %s to %s"
                                 % (page_id, content.kind, kind))
            if "title" not in data:
                raise WriteError(400, "A title is required")
            space = content.space
            key = (data.get("space") or {}).get("key") if isinstance(data.get("space"),
                                                                       dict) else None
            if key not in (None, space.key):
                raise WriteError(400, "fake-confluence moves content within its space only")
            writes.check_version(content, version["number"])
            writes.check_title(space, data["title"], content.kind, except_id=page_id)
            value = dc_storage(data["body"]) if "body" in data else None
            moved = parent_from_ancestors(data)
            if moved[0] and content.kind == "page" and moved[1] != content.parent_id:
                writes.move(space, content, moved[1])
            message = version.get("message") or ""
            writes.publish(space, content, data["title"], value, message,
                           bool(version.get("minorEdit")))
            req.note(applied=True, id=page_id, version=content.version, title=content.title,
                     body=space.body_of(content), parentId=content.parent_id, message=message)
            return self.dc_answer(content, req)
        except WriteError as e:
            self.v1_fail(e)

    def dc_create(self, req):
        """POST /rest/api/content {type, title, space: {key}, ancestors?, body: {storage}}:
        a page (no ancestors: at the top of the space) or a blog post."""
        try:
            data = req.json_or_none()
            if not isinstance(data, dict):
                raise WriteError(400, "The request body must be a JSON object")
            kind = data.get("type", "page")
            if kind not in ("page", "blogpost"):
                raise WriteError(400, "fake-confluence creates pages and blog posts only")
            key = data.get("space", {}).get("key") if isinstance(data.get("space"), dict) \
                else None
            space = self.site.by_key(key) if key else None
            if space is None:
                raise WriteError(400 if not key else 404, "No space with key : %s" % key)
            if data.get("status", "current") != "current":
                raise WriteError(400, "fake-confluence has no drafts: status must be current")
            if "title" not in data:
                raise WriteError(400, "A title is required")
            moved = parent_from_ancestors(data)
            parent = moved[1] if moved[0] else None
            if kind == "blogpost" and parent is not None:
                raise WriteError(400, "A blog post has no ancestors")
            if parent is not None and parent not in space.pages:
                raise WriteError(404 if self.site.content(parent) is None else 400,
                                 "No parent page %s in space %s" % (parent, space.key))
            value = dc_storage(data["body"]) if "body" in data else ""
            content = writes.create_page(space, data["title"], parent, value, kind)
            req.note(applied=True, id=content.id, version=1, title=content.title, body=value,
                     parentId=parent, spaceKey=space.key)
            return self.dc_answer(content, req)
        except WriteError as e:
            self.v1_fail(e)
