"""REST v1 writes that Cloud (under /wiki) and Data Center (under the context path) share:
`V1Writes`, a mixin of CloudWriteApi and DcWriteApi.

  GET/POST   {p}/rest/api/content/{id}/label            labels of a page or blog post
  DELETE     {p}/rest/api/content/{id}/label/{label}    (or ?name=)
  PUT        {p}/rest/api/content/{id}/move/{before|after|append}/{targetId}
  POST/PUT   {p}/rest/api/content/{id}/child/attachment  multipart upload (X-Atlassian-Token)
  POST       {p}/rest/api/content/{id}/child/attachment/{attId}/data   a new version
  DELETE     {p}/rest/api/content/{id}                  a page, blog post or attachment: trash

A flavor supplies v1_prefix, v1_content_json(req, content), v1_attachment_json(req, att)."""

import re

from .dc import V1Error
from .protocol import Response, json_response
from .shapes import content_labels, labels_json
from . import attach, writes
from .writes import WriteError


def v1_fail(e):
    """Raise the v1 error of a refused write ({statusCode, data, message, reason})."""
    message = e.message
    if e.status == 409 and getattr(e, "current", None) is not None:
        message = "Version must be incremented on update. Current version is: %d" % e.current
    raise V1Error(e.status, message)


class V1Writes:
    v1_prefix = ""
    v1_fail = staticmethod(v1_fail)

    def v1_routes(self):
        p = re.escape(self.v1_prefix) + r"/rest/api/content/(?P<page_id>[^/]+)"
        table = [
            ("GET", p + r"/label", "labels", self.v1_labels),
            ("POST", p + r"/label", "labels", self.v1_add_labels),
            ("DELETE", p + r"/label", "label_delete", self.v1_remove_label),
            ("DELETE", p + r"/label/(?P<label>[^/]+)", "label_delete", self.v1_remove_label),
            ("PUT", p + r"/move/(?P<where>[^/]+)/(?P<target>[^/]+)", "page_move", self.v1_move),
            ("POST", p + r"/child/attachment", "attachment_upload",
             lambda req, page_id: self.v1_upload(req, page_id, update=False)),
            ("PUT", p + r"/child/attachment", "attachment_upload",
             lambda req, page_id: self.v1_upload(req, page_id, update=True)),
            ("POST", p + r"/child/attachment/(?P<att_id>[^/]+)/data", "attachment_upload",
             self.v1_upload_data),
            ("DELETE", p, "page_delete", self.v1_delete),
        ]
        return [(re.compile("^" + pat + "$"), m, k, f) for m, pat, k, f in table]

    # -- helpers
    def v1_content(self, cid):
        content = self.site.content(cid) if cid.isdigit() else None
        if content is None:
            raise WriteError(404, "No content found with id: ContentId{id=%s}" % cid)
        return content

    def v1_links(self, req):
        return {"base": req.base, "context": self.v1_prefix if self.v1_prefix == "/wiki"
                else getattr(self, "context", "")}

    def v1_label_list(self, req, content):
        d = labels_json(content_labels(content))
        d["_links"] = dict(self.v1_links(req),
                           self="%s/rest/api/content/%s/label" % (req.base, content.id))
        return json_response(200, d)

    # -- labels
    def v1_labels(self, req, page_id):
        try:
            return self.v1_label_list(req, self.v1_content(page_id))
        except WriteError as e:
            self.v1_fail(e)

    def v1_add_labels(self, req, page_id):
        """POST .../label [{"prefix": "global", "name": N}, ...]: the labels afterwards."""
        try:
            content = self.v1_content(page_id)
            data = req.json_or_none()
            writes.add_labels(content.space, content, data)
            req.note(applied=True, id=page_id, labels=list(content.labels))
            return self.v1_label_list(req, content)
        except WriteError as e:
            self.v1_fail(e)

    def v1_remove_label(self, req, page_id, label=None):
        """DELETE .../label/{label} or .../label?name=: 204 (404 if it is not there)."""
        try:
            content = self.v1_content(page_id)
            name = label if label is not None else req.arg("name")
            if not name:
                raise WriteError(400, "Which label? Give .../label/{label} or ?name=")
            writes.remove_label(content.space, content, name)
            req.note(applied=True, id=page_id, label=name, labels=list(content.labels))
            return Response(204, content_type=None)
        except WriteError as e:
            self.v1_fail(e)

    # -- move
    def v1_move(self, req, page_id, where, target):
        """PUT .../move/{before|after|append}/{targetId}: {"pageId": id}."""
        try:
            if where not in ("before", "after", "append"):
                raise WriteError(400, "position must be before, after or append")
            page = self.site.page(page_id) if page_id.isdigit() else None
            dest = self.site.page(target) if target.isdigit() else None
            if page is None or dest is None:
                raise WriteError(404, "No page found with id %s" % (
                    page_id if page is None else target))
            if dest.space is not page.space:
                raise WriteError(400, "fake-confluence moves pages within their space only")
            writes.move_relative(page.space, page, where, dest)
            req.note(applied=True, id=page_id, parentId=page.parent_id, where=where,
                     target=target)
            return json_response(200, {"pageId": page_id})
        except WriteError as e:
            self.v1_fail(e)

    # -- attachments
    def check_xsrf(self, req):
        if (req.headers.get("X-Atlassian-Token") or "").lower() != "no-check":
            return Response(403, b"XSRF check failed", content_type="text/plain;charset=UTF-8")
        return None

    def v1_upload(self, req, page_id, update):
        """POST (create; an existing name is 400) or PUT (create or new version) of the
        multipart `file` parts; {"results": [attachment, ...], ...}."""
        refused = self.check_xsrf(req)
        if refused is not None:
            return refused
        try:
            content = self.v1_content(page_id)
            space = content.space
            parts = [f for f in req.files if f.name == "file"]
            if not parts:
                raise WriteError(400, "No file part named 'file' in the multipart body")
            comment = dict(req.fields).get("comment")
            if not update:
                names = [f.filename for f in parts]
                for f in parts:
                    if attach.find_by_name(space, content, f.filename) is not None or \
                            names.count(f.filename) > 1:
                        attach.add_attachment(space, content, f)  # raises the real 400
            atts = []
            for f in parts:
                old = attach.find_by_name(space, content, f.filename)
                if old is not None:
                    atts.append(attach.new_version(space, old, f, self.upload_dir, comment))
                else:
                    atts.append(attach.add_attachment(space, content, f, comment or ""))
            req.note(applied=True, id=page_id, attachments=[
                {"id": a.id, "title": a.title, "version": a.version, "size": a.size,
                 "sha256": f.sha256} for a, f in zip(atts, parts)])
            results = [self.v1_attachment_json(req, a) for a in atts]
            return json_response(200, {"results": results, "start": 0, "limit": 50,
                                       "size": len(results), "_links": self.v1_links(req)})
        except WriteError as e:
            self.v1_fail(e)

    def v1_upload_data(self, req, page_id, att_id):
        """POST .../child/attachment/{attId}/data: a new version; the bare attachment."""
        refused = self.check_xsrf(req)
        if refused is not None:
            return refused
        try:
            content = self.v1_content(page_id)
            att = self.site.attachment(att_id)
            if att is None or att.page_id != content.id:
                raise WriteError(404, "Cannot find attachment %s on content %s"
                                 % (att_id, page_id))
            parts = [f for f in req.files if f.name == "file"]
            if len(parts) != 1:
                raise WriteError(400, "Expected exactly one file part named 'file'")
            attach.new_version(content.space, att, parts[0], self.upload_dir,
                               dict(req.fields).get("comment"))
            req.note(applied=True, id=att.id, container=page_id, version=att.version,
                     size=att.size, sha256=parts[0].sha256)
            return json_response(200, self.v1_attachment_json(req, att))
        except WriteError as e:
            self.v1_fail(e)

    def trash_attachment(self, req, att_id, purge=False):
        att = self.site.attachment(att_id)
        if purge:
            self.stats.add("purges")
            writes.loud("%s %s" % (req.method, req.target))
            req.note(purge=True)
            for s in self.site.spaces:
                key = att_id if att_id.startswith("att") else "att" + att_id
                if key in s.trashed_attachments:
                    s.trashed_attachments.pop(key)
                    req.note(applied=True, id=key)
                    return
            raise WriteError(400 if att is not None else 404,
                             "Only a trashed attachment can be purged")
        if att is None:
            raise WriteError(404, "No attachment found with id %s" % att_id)
        attach.trash_attachment(att.space, att)
        req.note(applied=True, id=att.id, title=att.title, container=att.page_id)

    # -- delete
    def v1_delete(self, req, page_id):
        """DELETE /rest/api/content/{id}: a page or blog post (or an attachment) to the
        trash, 204.  ?status=trashed purges a trashed one, loudly."""
        try:
            purge = req.arg("status") == "trashed"
            if page_id.startswith("att") or self.site.attachment(page_id) is not None:
                self.trash_attachment(req, page_id, purge)
                return Response(204, content_type=None)
            if purge:
                self.stats.add("purges")
                writes.loud("%s %s" % (req.method, req.target))
                req.note(purge=True)
                for s in self.site.spaces:
                    if page_id in s.trash:
                        t = s.trash.pop(page_id)
                        for att_id in t.attachments:
                            s.parked_attachments.pop(att_id, None)
                        req.note(applied=True, id=page_id)
                        return Response(204, content_type=None)
                raise WriteError(404 if self.site.content(page_id) is None else 400,
                                 "Only trashed content can be purged")
            content = self.v1_content(page_id)
            writes.trash_content(content.space, content)
            req.note(applied=True, id=page_id, title=content.title)
            return Response(204, content_type=None)
        except WriteError as e:
            self.v1_fail(e)


__all__ = ["V1Writes", "v1_fail"]
