"""Confluence Data Center (--flavor dc): class `DcApi`, a subclass of the Cloud `Api` that
swaps the routes (REST v1 under a context path), shapes, start/limit pagination and auth."""

import hashlib
import re
import time
from urllib.parse import quote, quote_plus, urlencode

from .model import AUTHORS, DEFAULT_ACCOUNT, Page, tiny_link
from .shapes import content_labels, labels_json, status_phrase
from .protocol import ApiError, Response, json_response, media_response
from .feed import cql_since
from .cloud import Api, ID_RE, NOT_STORAGE_VALUE, cql_scope


# ---------------------------------------------------------------- Data Center (--flavor dc)

DC_MAX_LIMIT = 200  # what the fake's DC clamps every v1 listing's limit to
DC_ZONE_MIN = 120  # DC writes times in the server's zone; this one runs at +02:00


def dc_time(ms):
    """Milliseconds since the epoch -> DC's "2025-03-18T18:02:41.377+02:00"."""
    local = ms + DC_ZONE_MIN * 60000
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(local // 1000))
    return "%s.%03d%+03d:%02d" % (base, local % 1000, DC_ZONE_MIN // 60, DC_ZONE_MIN % 60)


def v1_error(status, message):
    return {"statusCode": status, "data": {"authorized": status != 401, "valid": True,
                                           "errors": [], "successful": False},
            "message": message, "reason": status_phrase(status)}


class V1Error(ApiError):
    def __init__(self, status, message=None):
        super().__init__(status, message)
        self.response = json_response(status, v1_error(status, message or status_phrase(status)))


def dc_user_key(account_id):
    return "8a7f8081" + hashlib.md5(account_id.encode()).hexdigest()[:24]


def dc_username(account_id, user):
    return user if account_id == DEFAULT_ACCOUNT else "user%d" % AUTHORS.index(account_id) \
        if account_id in AUTHORS else "user-" + account_id[-6:]


class DcApi(Api):
    """Confluence Data Center REST v1 under a context path; see docs/fake-confluence.md."""

    def __init__(self, space, user, token, media_secret, faults, stats, context):
        super().__init__(space, user, token, media_secret, faults, stats)
        self.context = context
        c = re.escape(context)
        self.routes = [(re.compile("^" + pattern + "$"), method, kind, fn) for
                       method, pattern, kind, fn in [
            ("GET", c + r"/rest/api/user/current", "user", self.dc_user_current),
            ("GET", c + r"/rest/api/user", "user", self.dc_user_lookup),
            ("GET", c + r"/rest/api/space", "spaces", self.dc_spaces),
            ("GET", c + r"/rest/api/space/(?P<key>[^/]+)", "space", self.dc_space),
            ("GET", c + r"/rest/api/space/(?P<key>[^/]+)/content/(?P<ctype>page|blogpost)",
             "pages_of_space", self.dc_space_content),
            ("GET", c + r"/rest/api/content", "pages_of_space", self.dc_content),
            ("GET", c + r"/rest/api/content/search", "search", self.dc_search),
            ("GET", c + r"/rest/api/content/(?P<page_id>[^/]+)", "page", self.dc_page),
            ("GET", c + r"/rest/api/content/(?P<page_id>[^/]+)/child/page", "children",
             self.dc_children),
            ("GET", c + r"/rest/api/content/(?P<page_id>[^/]+)/child/attachment",
             "attachments", self.dc_attachments),
            ("GET", c + r"/download/attachments/(?P<page_id>[^/]+)/(?P<name>[^/]+)",
             "download", self.dc_download),
        ]]

    def prepare(self, req):
        req.base = "http://%s%s" % (req.host, self.context)

    def refine_kind(self, req, kind, params):
        """Blog posts through the content endpoints count as "blogposts"/"blogpost"."""
        if kind == "pages_of_space" and req.arg("type") == "blogpost":
            return "blogposts"
        if kind == "page" and self.site.blogpost(params.get("page_id", "")) is not None:
            return "blogpost"
        return kind

    @staticmethod
    def error(status, headers=None):
        return json_response(status, v1_error(status, status_phrase(status)), headers)

    # -- auth: a PAT (Bearer) or Basic user:password (the --token doubles as the password)
    def check_auth(self, req, kind):
        state = self.credentials(req)
        if state == "ok" or self.token is None:
            return None
        if kind == "user":
            basic = req.headers.get("Authorization", "").strip().lower().startswith("basic ")
            if not (state == "bad" and basic):
                return None  # no or a bad token: answered as the anonymous user
        self.stats.add("unauthorized")
        return json_response(401, v1_error(401, "This resource requires authentication"))

    # -- shapes
    def links(self, req, extra=None):
        d = dict(extra or {})
        d.update({"base": req.base, "context": self.context})
        return d

    def position(self, page):
        """DC's extensions.position: "none" for root pages, pages never given a position,
        and (so that every space has some below the root) pages whose id ends in 0."""
        if page.position is None or page.parent_id is None or page.id.endswith("0"):
            return "none"
        return page.position

    def child_key(self, page_id):
        page = self.site.page(page_id)
        pos = self.position(page)
        return (pos == "none", 0 if pos == "none" else pos, int(page_id))

    def user_brief(self, req, account_id):
        return {"type": "known", "username": dc_username(account_id, self.user),
                "userKey": dc_user_key(account_id),
                "profilePicture": {"path": "%s/images/icons/profilepics/default.svg"
                                           % self.context, "width": 48, "height": 48,
                                   "isDefault": True},
                "displayName": "Demo User" if account_id == DEFAULT_ACCOUNT else
                               "User %s" % dc_username(account_id, self.user)[4:],
                "_links": {"self": "%s/rest/api/user?key=%s" % (req.base,
                                                               dc_user_key(account_id))},
                "_expandable": {"status": ""}}

    def page_brief(self, req, page):
        sp = page.space or self.space
        expandable = {"container": "/rest/api/space/%s" % sp.key, "metadata": "",
                      "operations": "", "children": "/rest/api/content/%s/child" % page.id,
                      "restrictions": "/rest/api/content/%s/restriction/byOperation" % page.id,
                      "history": "/rest/api/content/%s/history" % page.id, "ancestors": "",
                      "body": "", "version": "",
                      "descendants": "/rest/api/content/%s/descendant" % page.id,
                      "space": "/rest/api/space/%s" % sp.key}
        d = {"id": page.id, "type": "page", "status": page.status, "title": page.title,
             "extensions": {"position": self.position(page)},
             "_links": {"webui": "/display/%s/%s" % (sp.key, quote_plus(page.title)),
                        "edit": "/pages/resumedraft.action?draftId=%s" % page.id,
                        "tinyui": tiny_link(page.id),
                        "self": "%s/rest/api/content/%s" % (req.base, page.id)},
             "_expandable": expandable}
        if page.kind == "blogpost":  # no position; the web UI path has the posting day
            d["type"] = "blogpost"
            del d["extensions"]
            d["_links"]["webui"] = "/display/%s/%s/%s" % (
                sp.key, dc_time(page.created_ms)[:10].replace("-", "/"), quote_plus(page.title))
        return d

    def version(self, req, content_id, number, ms, author, message="", minor=False):
        return {"by": self.user_brief(req, author), "when": dc_time(ms), "message": message,
                "number": number, "minorEdit": minor, "hidden": False,
                "_links": {"self": "%s/rest/experimental/content/%s/version/%d"
                                   % (req.base, content_id, number)},
                "_expandable": {"content": "/rest/api/content/%s" % content_id}}

    def space_brief(self, req, sp=None):
        sp = sp or self.space
        return {"id": int(sp.id), "key": sp.key, "name": sp.name, "type": "global",
                "status": "current",
                "_links": {"webui": "/display/%s" % sp.key,
                           "self": "%s/rest/api/space/%s" % (req.base, sp.key)},
                "_expandable": {"metadata": "", "icon": "", "description": "",
                                "retentionPolicy": "",
                                "homepage": "/rest/api/content/%s" % sp.homepage_id}}

    def history(self, req, page):
        """expand=history: who created the page or blog post, and when (createdDate)."""
        return {"latest": True, "createdBy": self.user_brief(req, page.author_id),
                "createdDate": dc_time(page.created_ms),
                "_links": {"self": "%s/rest/api/content/%s/history" % (req.base, page.id)},
                "_expandable": {"lastUpdated": "", "previousVersion": "", "contributors": "",
                                "nextVersion": ""}}

    def page_json(self, req, page, expand, with_body=False):
        d = self.page_brief(req, page)
        if "ancestors" in expand:
            chain, cur = [], page
            sp = page.space or self.space
            while cur.parent_id is not None and cur.parent_id in sp.pages:
                cur = sp.pages[cur.parent_id]
                chain.append(self.page_brief(req, cur))
            d["ancestors"] = chain[::-1]  # root first, the parent last
            del d["_expandable"]["ancestors"]
        if "version" in expand:
            d["version"] = self.version(req, page.id, page.version, page.version_ms,
                                        page.version_author, page.version_message,
                                        page.minor_edit)
            del d["_expandable"]["version"]
        if "history" in expand:
            d["history"] = self.history(req, page)
            del d["_expandable"]["history"]
        if "space" in expand:
            d["space"] = self.space_brief(req, page.space)
            del d["_expandable"]["space"]
        if "metadata.labels" in expand:
            d["metadata"] = {"labels": labels_json(content_labels(page))}
            del d["_expandable"]["metadata"]
        if with_body:
            value = NOT_STORAGE_VALUE if req.not_storage else page.space.body_of(page)
            d["body"] = {"storage": {"value": value, "representation": "storage",
                                     "_expandable": {"content": "/rest/api/content/%s"
                                                                % page.id}},
                         "_expandable": {"editor": "", "view": "", "export_view": "",
                                         "styled_view": "", "anonymous_export_view": ""}}
            del d["_expandable"]["body"]
        return d

    def attachment_json(self, req, att, expand):
        link = "/download/attachments/%s/%s?version=%d&modificationDate=%d&api=v2" % (
            att.page_id, quote(att.title, safe=""), att.version, att.version_ms)
        d = {"id": att.id, "type": "attachment", "status": "current", "title": att.title,
             "metadata": {"mediaType": att.media_type, "comment": att.comment},
             "extensions": {"mediaType": att.media_type, "fileSize": att.size,
                            "comment": att.comment},
             "_links": {"webui": "/pages/viewpageattachments.action?pageId=%s&preview=%s" % (
                            att.page_id, quote("/%s/%s/%s" % (att.page_id, att.id[3:],
                                                              att.title), safe="")),
                        "download": link,
                        "self": "%s/rest/api/content/%s" % (req.base, att.id)},
             "_expandable": {"container": "/rest/api/content/%s" % att.page_id,
                             "operations": "", "children": "", "history": "",
                             "ancestors": "", "body": "", "version": "", "space": ""}}
        if "version" in expand:
            d["version"] = self.version(req, att.id, att.version, att.version_ms,
                                        att.author_id)
            del d["_expandable"]["version"]
        if "container" in expand:
            page = self.site.content(att.page_id)  # a page or a blog post
            if page is not None:
                d["container"] = self.page_brief(req, page)
                del d["_expandable"]["container"]
        return d

    @staticmethod
    def expand(req):
        return set(x.strip() for x in (req.arg("expand") or "").split(",") if x.strip())

    def window(self, req, items, default_limit=25):
        """start/limit paging; returns (batch, envelope-maker)."""
        try:
            start = int(req.arg("start") or 0)
            limit = int(req.arg("limit") or default_limit)
        except ValueError:
            raise V1Error(400, "start and limit must be integers")
        if start < 0 or limit < 0:
            raise V1Error(400, "start and limit must not be negative")
        limit = min(limit, DC_MAX_LIMIT)
        batch = items[start:start + limit]
        rel = req.raw_path[len(self.context):]

        def with_start(n):
            pairs = [(k, v) for k, v in req.pairs if k not in ("start", "limit")]
            pairs += [("start", str(n)), ("limit", str(limit))]
            return "%s?%s" % (rel, urlencode(pairs, safe=",()"))

        def envelope(results):
            links = {"self": req.base + rel}
            if limit and start + limit < len(items):
                links["next"] = with_start(start + limit)
            if start > 0:
                links["prev"] = with_start(max(0, start - limit))
            links.update(self.links(req))
            return {"results": results, "start": start, "limit": limit,
                    "size": len(results), "_links": links}
        return batch, envelope

    # -- endpoints
    def dc_user_current(self, req):
        if self.token is not None and self.credentials(req) != "ok":
            return json_response(200, {
                "type": "anonymous",
                "profilePicture": {"path": "%s/images/icons/profilepics/anonymous.svg"
                                           % self.context, "width": 48, "height": 48,
                                   "isDefault": True},
                "displayName": "Anonymous",
                "_links": self.links(req, {"self": "%s/rest/api/user/anonymous" % req.base}),
                "_expandable": {"operations": ""}})
        d = self.user_brief(req, DEFAULT_ACCOUNT)
        d["_links"] = self.links(req, {"self": "%s/rest/api/user?key=%s" % (
            req.base, dc_user_key(DEFAULT_ACCOUNT))})
        return json_response(200, d)

    def dc_user_lookup(self, req):
        """GET /rest/api/user?key=USERKEY (or username=NAME): a known user, else 404."""
        key, name = req.arg("key"), req.arg("username")
        if not key and not name:
            raise V1Error(400, "A key or username is required")
        for account in [DEFAULT_ACCOUNT] + AUTHORS:
            if key == dc_user_key(account) or name == dc_username(account, self.user):
                d = self.user_brief(req, account)
                d["_links"] = self.links(req, {"self": "%s/rest/api/user?key=%s" % (
                    req.base, dc_user_key(account))})
                return json_response(200, d)
        raise V1Error(404, "No user found with %s : %s" % (("key", key) if key
                                                          else ("username", name)))

    def dc_space(self, req, key):
        space = self.site.by_key(key)
        if space is None:
            raise V1Error(404, "No space found with key : %s" % key)
        d = self.dc_space_json(req, space)
        d["_links"].update(self.links(req, {"collection": "/rest/api/space"}))
        return json_response(200, d)

    def dc_space_json(self, req, space):
        d = self.space_brief(req, space)
        home = space.pages.get(space.homepage_id or "")
        if "homepage" in self.expand(req) and home is not None:
            d["homepage"] = self.page_brief(req, home)
            del d["_expandable"]["homepage"]
        if "description" in self.expand(req):
            d["description"] = {"plain": {"value": space.description or "",
                                          "representation": "plain"}}
        return d

    def dc_spaces(self, req):
        """GET /rest/api/space: every space (or those of spaceKey=, repeatable), by key."""
        keys = req.multi("spaceKey")
        found = sorted((s for s in self.site.spaces if not keys or s.key in keys),
                       key=lambda s: s.key)
        if req.arg("type") not in (None, "", "global") or \
                req.arg("status") not in (None, "", "current"):
            found = []  # every space of the fake is a current global one
        batch, envelope = self.window(req, found)
        return json_response(200, envelope([self.dc_space_json(req, s) for s in batch]))

    def dc_content(self, req):
        """GET /rest/api/content: the pages (type=page, the default) or blog posts
        (type=blogpost) of the space spaceKey (no spaceKey: of every space), by id."""
        key = req.arg("spaceKey")
        ctype = req.arg("type") or "page"
        if ctype == "blogpost" and self.blog_404:
            raise V1Error(404, "No blog posts here (--blog-404)")
        status = req.arg("status") or "current"
        spaces = [s for s in self.site.spaces if key is None or s.key == key]
        ids = self.site.ids(spaces, ctype) if spaces and ctype in ("page", "blogpost") else []
        if "current" not in status.split(","):
            ids = []
        title = req.arg("title")
        if title is not None:
            ids = [i for i in ids if self.site.content(i).title == title]
        batch, envelope = self.window(req, ids)
        expand = self.expand(req)
        with_body = "body.storage" in expand
        if with_body:
            self.stats.body_fetched(batch)
        return json_response(200, envelope([self.page_json(req, self.site.content(i), expand,
                                                           with_body) for i in batch]))

    def dc_space_content(self, req, key, ctype):
        """GET /rest/api/space/{key}/content/{page,blogpost}: the space's pages (depth=root:
        only those without a parent, the top level) or blog posts, by id."""
        space = self.site.by_key(key)
        if space is None:
            raise V1Error(404, "No space found with key : %s" % key)
        depth = req.arg("depth") or "all"
        if depth not in ("all", "root"):
            raise V1Error(400, "depth must be all or root")
        ids = self.site.ids([space], ctype)
        if depth == "root" and ctype == "page":
            ids = [i for i in ids if space.pages[i].parent_id is None]
        batch, envelope = self.window(req, ids)
        expand = self.expand(req)
        return json_response(200, envelope([self.page_json(req, self.site.content(i), expand)
                                            for i in batch]))

    def get_dc_page(self, page_id):
        """A page or a blog post of any space (DC's content endpoints take both)."""
        page = self.site.content(page_id) if ID_RE.match(page_id) else None
        if page is None:
            raise V1Error(404, "No content found with id: ContentId{id=%s}" % page_id)
        return page

    def dc_page(self, req, page_id):
        page = self.get_dc_page(page_id)
        version = req.arg("version")
        if version not in (None, "", str(page.version)):
            raise V1Error(404, "No content found with id: ContentId{id=%s}" % page_id)
        expand = self.expand(req)
        with_body = "body.storage" in expand
        if with_body:
            self.stats.body_fetched([page.id])
        d = self.page_json(req, page, expand, with_body)
        d["_links"].update(self.links(req, {"collection": "/rest/api/contents"}))
        return json_response(200, d)

    def dc_children(self, req, page_id):
        page = self.get_dc_page(page_id)
        ids = sorted(page.children, key=self.child_key)
        batch, envelope = self.window(req, ids)
        expand = self.expand(req)
        return json_response(200, envelope([self.page_json(req, page.space.pages[i], expand)
                                            for i in batch]))

    def dc_attachments(self, req, page_id):
        page = self.get_dc_page(page_id)
        atts = sorted((page.space.attachments[a] for a in page.attachments),
                      key=lambda a: (a.created_ms, a.id))
        filename = req.arg("filename")
        if filename is not None:
            atts = [a for a in atts if a.title == filename]
        batch, envelope = self.window(req, atts, default_limit=50)
        expand = self.expand(req)
        return json_response(200, envelope([self.attachment_json(req, a, expand)
                                            for a in batch]))

    CQL_ID_IN = re.compile(r'\bid\s+in\s*\(([^)]*)\)', re.I)
    CQL_ID_EQ = re.compile(r'\bid\s*=\s*"?(\d+)"?', re.I)

    def dc_search(self, req):
        """CQL content search: understands `type=T` or `type in (T,...)` (T: page, blogpost,
        attachment), `space=KEY` or `space in ("A","B")`, `id in (1,2,3)` and `id=1`
        (any type), joined by `and`.  Pages and blog posts first (by id), then attachments."""
        cql = req.arg("cql") or ""
        types, keys = cql_scope(cql)
        id_in, id_eq = self.CQL_ID_IN.search(cql), self.CQL_ID_EQ.search(cql)
        if not (types or id_in or id_eq):
            raise V1Error(400, "Could not parse cql : %s" % cql)
        if self.cql_403 and not (id_in or id_eq):
            raise V1Error(403, "Current user not permitted to use search")
        ids = None
        if id_in:
            ids = set(x.strip().strip('"') for x in id_in.group(1).split(",") if x.strip())
        elif id_eq:
            ids = {id_eq.group(1)}
        try:
            since = cql_since(cql)
        except ValueError:
            raise V1Error(400, "Could not parse cql : %s" % cql)
        items = self.site_items(types, keys, ids, since)
        batch, envelope = self.window(req, items)
        expand = self.expand(req)
        with_body = "body.storage" in expand
        if with_body:
            self.stats.body_fetched(x.id for x in batch if isinstance(x, Page))
        results = [self.page_json(req, x, expand, with_body) if isinstance(x, Page)
                   else self.attachment_json(req, x, expand) for x in batch]
        return json_response(200, envelope(results))

    def dc_download(self, req, page_id, name):
        """The bytes, from the site itself (auth required, Range supported)."""
        page = self.site.content(page_id)  # a page or a blog post
        att = None
        if page is not None:
            att = next((page.space.attachments[a] for a in page.attachments
                        if page.space.attachments[a].title == name), None)
        version = req.arg("version")
        if att is None or version not in (None, "", str(att.version)):
            return Response(404, b"<html><body>Not Found</body></html>",
                            content_type="text/html;charset=UTF-8")
        return media_response(att, req.headers.get("Range"))
