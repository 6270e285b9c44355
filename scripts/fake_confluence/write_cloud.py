"""Confluence Cloud writes: `CloudWriteApi`, the Cloud `Api` plus the REST v2 write
endpoints (update, create and trash pages and blog posts, folders, attachment trash),
GET of an older page version and of a trashed page, v2 labels, and (from write_v1.py) the
v1 label, move, attachment and delete endpoints under /wiki/rest/api.

The model changes are in writes.py and attach.py; see docs/fake-confluence.md, "Writes"."""

import re

from .cloud import Api, ID_RE
from .model import Container, now_ms
from .protocol import ApiError, Response, error_response, json_response, list_response, page_of
from .shapes import attachment_v1_json, container_json, content_labels, page_json, blogpost_json
from . import writes
from .writes import WriteError
from .write_v1 import V1Writes


def raise_v2(e):
    """Raise the Cloud v2 error of a refused write (a 409 has its status as a string, as
    seen on Cloud: page_update_409_conflict__marksync_2026.json)."""
    err = ApiError(e.status)
    if e.status == 409:
        err.response = json_response(409, {"errors": [{
            "status": "409", "code": "CONFLICT", "title": e.message, "detail": None}]})
    else:
        err.response = error_response(e.status, None, e.message)
    raise err


def storage_value(body):
    """The storage text of a v2 write body: {representation, value} or {storage: {...}}."""
    if not isinstance(body, dict):
        raise WriteError(400, "body must be an object {representation, value}")
    if "storage" in body and isinstance(body["storage"], dict):
        body = body["storage"]
    elif any(k in body for k in ("atlas_doc_format", "wiki")):
        raise WriteError(400, "fake-confluence accepts representation storage only")
    if body.get("representation") != "storage":
        raise WriteError(400, "fake-confluence accepts representation storage only, not %r"
                         % (body.get("representation"),))
    value = body.get("value")
    if not isinstance(value, str):
        raise WriteError(400, "body.value must be a string")
    return value


def json_body(req):
    data = req.json_or_none()
    if not isinstance(data, dict):
        raise WriteError(400, "The request body must be a JSON object")
    return data


class CloudWriteApi(V1Writes, Api):
    """Confluence Cloud with the write endpoints."""

    v1_prefix = "/wiki"

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        w = r"/wiki/api/v2"
        page, post = r"(?P<page_id>[^/]+)", r"(?P<post_id>[^/]+)"
        extra = [
            ("PUT", w + r"/pages/" + page, "page_update",
             lambda req, page_id: self.v2_update(req, page_id, "page")),
            ("PUT", w + r"/blogposts/" + post, "page_update",
             lambda req, post_id: self.v2_update(req, post_id, "blogpost")),
            ("POST", w + r"/pages", "page_create", lambda req: self.v2_create(req, "page")),
            ("POST", w + r"/blogposts", "page_create",
             lambda req: self.v2_create(req, "blogpost")),
            ("DELETE", w + r"/pages/" + page, "page_delete",
             lambda req, page_id: self.v2_delete(req, page_id, "page")),
            ("DELETE", w + r"/blogposts/" + post, "page_delete",
             lambda req, post_id: self.v2_delete(req, post_id, "blogpost")),
            ("POST", w + r"/folders", "folder_create", self.v2_folder_create),
            ("DELETE", w + r"/folders/(?P<cid>[^/]+)", "folder_delete", self.v2_folder_delete),
            ("DELETE", w + r"/attachments/(?P<att_id>[^/]+)", "attachment_delete",
             self.v2_attachment_delete),
            ("GET", w + r"/pages/" + page + r"/labels", "labels",
             lambda req, page_id: self.v2_labels(req, self.get_page(page_id))),
            ("GET", w + r"/blogposts/" + post + r"/labels", "labels",
             lambda req, post_id: self.v2_labels(req, self.get_blogpost(post_id))),
        ]
        self.routes += [(re.compile("^" + p + "$"), m, k, f) for m, p, k, f in extra]
        self.routes += self.v1_routes()

    # -- v1 hooks (write_v1.py)
    def v1_content_json(self, req, content):
        shape = blogpost_json if content.kind == "blogpost" else page_json
        return shape(content.space, content)

    def v1_attachment_json(self, req, att):
        return attachment_v1_json(att.space, att, {"version", "container"})

    # -- reads that writes change: old versions and trashed content
    def trashed(self, cid, kind):
        for s in self.site.spaces:
            t = s.trash.get(cid)
            if t is not None and t.kind == kind:
                return t
        return None

    def page(self, req, page_id):
        return self.v2_get(req, page_id, "page")

    def blogpost(self, req, post_id):
        return self.v2_get(req, post_id, "blogpost")

    def v2_get(self, req, cid, kind):
        """GET /pages/{id} (/blogposts/{id}): ?version=N of a kept version; a trashed one
        answers with status "trashed" (parentId, parentType and position null)."""
        try:
            content = self.get_page(cid) if kind == "page" else self.get_blogpost(cid)
        except ApiError:
            content = self.trashed(cid, kind) if ID_RE.match(cid) else None
            if content is None:
                raise
        with_body = self.want_body(req, ("storage", "atlas_doc_format", "view", "export_view",
                                         "anonymous_export_view", "styled_view", "editor"))
        version = req.arg("version")
        if version not in (None, ""):
            old = writes.as_of(content.space, content, int(version)) \
                if version.isdigit() else None
            if old is None:
                raise ApiError(404)
            content = old
        data = self.pages_json(req, [content], with_body)[0]
        data["_links"]["base"] = req.base
        return json_response(200, data)

    # -- pages and blog posts
    def lookup(self, cid, kind):
        if not ID_RE.match(cid):
            raise WriteError(400, "Provided value {%s} for 'id' is not the correct type. "
                                  "Expected type is ContentId" % cid)
        content = self.site.page(cid) if kind == "page" else self.site.blogpost(cid)
        if content is None:
            content = self.trashed(cid, kind)
        if content is None:
            raise WriteError(404, "Cannot find a %s with id [%s]"
                             % ("page" if kind == "page" else "blog post", cid))
        return content

    def v2_update(self, req, cid, kind):
        """PUT /pages/{id} (/blogposts/{id}): a new version (number = current + 1), a new
        title, a new parent (pages); status "current" on a trashed one restores it."""
        try:
            content = self.lookup(cid, kind)
            data = json_body(req)
            for field in ("id", "status", "title", "body", "version"):
                if field not in data:
                    raise WriteError(400, "%s is required" % field)
            if str(data["id"]) != cid:
                raise WriteError(400, "The id in the body (%s) is not the id of the path (%s)"
                                 % (data["id"], cid))
            if data["status"] != "current":
                raise WriteError(400, "fake-confluence has no drafts: status must be current")
            space = content.space
            if content.status == "trashed":
                writes.restore_content(space, content)
                req.note(applied=True, id=cid, restored=True, version=content.version)
                return self.v2_answer(req, content)
            version = data["version"]
            if not isinstance(version, dict):
                raise WriteError(400, "version must be an object {number, message}")
            writes.check_version(content, version.get("number"))
            if data.get("spaceId") not in (None, space.id):
                raise WriteError(400, "Moving a page to a different space is not supported")
            title = data["title"]
            writes.check_title(space, title, kind, except_id=cid)
            value = storage_value(data["body"])
            if kind == "page" and "parentId" in data and data["parentId"] is not None and \
                    str(data["parentId"]) != content.parent_id:
                writes.move(space, content, str(data["parentId"]))
            elif kind == "blogpost" and data.get("parentId") is not None:
                raise WriteError(400, "A blog post has no parent")
            message = version.get("message") or ""
            if not isinstance(message, str):
                raise WriteError(400, "version.message must be a string")
            writes.publish(space, content, title, value, message)
            req.note(applied=True, id=cid, version=content.version, title=content.title,
                     body=value, parentId=content.parent_id, message=message)
            return self.v2_answer(req, content)
        except WriteError as e:
            raise_v2(e)

    def v2_answer(self, req, content):
        shape = blogpost_json if content.kind == "blogpost" else page_json
        data = shape(content.space, content, content.space.body_of(content))
        data["_links"]["base"] = req.base
        return json_response(200, data)

    def v2_create(self, req, kind):
        """POST /pages (/blogposts): {spaceId, status, title, parentId, body}; without
        parentId a page goes under the space's homepage (unless ?root-level=true)."""
        try:
            data = json_body(req)
            space = self.site.by_id(str(data.get("spaceId", "")))
            if space is None:
                raise WriteError(404 if data.get("spaceId") else 400,
                                 "Cannot find a space with id [%s]" % data.get("spaceId"))
            if data.get("status", "current") != "current":
                raise WriteError(400, "fake-confluence has no drafts: status must be current")
            if "title" not in data:
                raise WriteError(400, "Title is required for a page that is not a draft")
            parent = data.get("parentId")
            if kind == "page":
                root = req.arg("root-level") == "true"
                if root and parent is not None:
                    raise WriteError(400, "parentId may not be given with root-level=true")
                if parent is None and not root:
                    parent = space.homepage_id
            elif parent is not None:
                raise WriteError(400, "A blog post has no parent")
            value = storage_value(data["body"]) if data.get("body") is not None else ""
            content = writes.create_page(space, data["title"],
                                         str(parent) if parent is not None else None,
                                         value, kind)
            req.note(applied=True, id=content.id, version=1, title=content.title, body=value,
                     parentId=content.parent_id, spaceId=space.id)
            return self.v2_answer(req, content)
        except WriteError as e:
            raise_v2(e)

    def v2_delete(self, req, cid, kind):
        """DELETE /pages/{id}: to the trash (204).  ?purge=true deletes a trashed one for
        good, loudly: the mount must never ask for it."""
        try:
            purge = req.arg("purge") == "true"
            if req.arg("draft") == "true":
                raise WriteError(400, "fake-confluence has no drafts")
            content = self.lookup(cid, kind)
            space = content.space
            if purge:
                self.stats.add("purges")
                writes.loud("DELETE %s" % req.target)
                req.note(purge=True)
                if content.status != "trashed":
                    raise WriteError(400, "Only a trashed %s can be purged" % kind)
                space.trash.pop(cid)
                for att_id in content.attachments:
                    space.parked_attachments.pop(att_id, None)
                req.note(applied=True, id=cid)
                return Response(204, content_type=None)
            if content.status == "trashed":
                raise WriteError(404, "Cannot find a %s with id [%s]" % (kind, cid))
            writes.trash_content(space, content)
            req.note(applied=True, id=cid, title=content.title)
            return Response(204, content_type=None)
        except WriteError as e:
            raise_v2(e)

    # -- folders
    def v2_folder_create(self, req):
        """POST /folders {spaceId, title, parentId}: a folder (no parentId: the top)."""
        try:
            data = json_body(req)
            space = self.site.by_id(str(data.get("spaceId", "")))
            if space is None:
                raise WriteError(404 if data.get("spaceId") else 400,
                                 "Cannot find a space with id [%s]" % data.get("spaceId"))
            title = data.get("title")
            if not isinstance(title, str) or not title.strip():
                raise WriteError(400, "A folder needs a title")
            parent = data.get("parentId")
            parent = str(parent) if parent is not None else None
            if parent is not None and writes.parent_kind(space, parent) is None:
                raise WriteError(404, "Cannot find a parent with id [%s] in space %s"
                                 % (parent, space.key))
            ms = now_ms()
            c = Container(space.next_id(), "folder", title, parent,
                          writes.last_position(space, parent), created_ms=ms)
            space.add_container(c)
            space.touch()
            req.note(applied=True, id=c.id, title=title, parentId=parent, spaceId=space.id)
            return json_response(200, container_json(space, c))
        except WriteError as e:
            raise_v2(e)

    def v2_folder_delete(self, req, cid):
        """DELETE /folders/{id}: status "trashed" (the single GET still answers); what it
        held moves up to its parent."""
        try:
            c = self.site.container(cid) if ID_RE.match(cid) else None
            if c is None or c.kind != "folder" or c.status != "current" or c.missing:
                raise WriteError(404, "Content with id: [%s] not found" % cid)
            space = c.space
            for page in space.pages.values():
                if page.parent_id == cid:
                    page.parent_id = c.parent_id
                    if c.parent_id in space.pages:
                        space.pages[c.parent_id].children.append(page.id)
            for other in space.containers.values():
                if other.parent_id == cid:
                    other.parent_id = c.parent_id
            c.status, c.parent_id, c.position = "trashed", None, None
            space.touch()
            req.note(applied=True, id=cid, title=c.title)
            return Response(204, content_type=None)
        except WriteError as e:
            raise_v2(e)

    def v2_attachment_delete(self, req, att_id):
        """DELETE /attachments/{id}: to the trash (204); ?purge=true is loud."""
        try:
            self.trash_attachment(req, att_id, purge=req.arg("purge") == "true")
            return Response(204, content_type=None)
        except WriteError as e:
            raise_v2(e)

    def v2_labels(self, req, content):
        """GET /pages/{id}/labels: {id, name, prefix} of each label."""
        names = content_labels(content)
        rows = [{"id": str(1000 + i), "name": n, "prefix": "global"}
                for i, n in enumerate(names)]
        batch, nxt = page_of(req, "labels", rows)
        return list_response(req, batch, nxt)
