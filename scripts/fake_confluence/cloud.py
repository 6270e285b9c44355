"""Confluence Cloud: class `Api`, its route table (REST v2 under /wiki/api/v2, the v1
endpoints under /wiki/rest/api) and handlers, auth, CQL search and media download.

New Cloud endpoints (read or write) are routes in `Api.__init__` plus a handler method."""

import base64
import hashlib
import hmac
import re
from urllib.parse import quote, urlencode

from .model import (AUTHORS, Attachment, BLOG_SORTS, CHILD_SORTS, DEFAULT_ACCOUNT, PAGE_SORTS,
                    SPACE_SORTS, Page, Site, iso_time)
from .shapes import (anonymous_json, attachment_json, attachment_v1_json, blogpost_json,
                     child_json, container_json, content_labels, labels_json, page_json,
                     space_json, user_json, v1_not_found)
from .feed import cql_since, modified_since
from .protocol import (ApiError, Response, error_response, json_response, list_response,
                       media_response, page_of, parse_limit)


NOT_STORAGE_VALUE = ('{"type":"doc","version":1,"content":[]} <<this is not storage>> '
                     '&bogus; <p>unclosed <ac:structured-macro ac:name="x"')


# ---------------------------------------------------------------- the API

ID_RE = re.compile(r"^\d{1,18}$")
CQL_TYPE = re.compile(r'\btype\s*=\s*"?(\w+)"?', re.I)
CQL_TYPE_IN = re.compile(r'\btype\s+in\s*\(([^)]*)\)', re.I)
CQL_SPACE = re.compile(r'\bspace\s*=\s*"?([\w~-]+)"?', re.I)
CQL_SPACE_IN = re.compile(r'\bspace\s+in\s*\(([^)]*)\)', re.I)


def cql_scope(cql):
    """(types, keys) of a CQL query: the sets named by `type=T` or `type in (T,...)` (types
    in lower case) and by `space=K` or `space in ("A","B")`; None where there is no such
    clause."""
    def names(text):
        return set(x.strip().strip("\"'") for x in text.split(",") if x.strip().strip("\"'"))
    types = keys = None
    m = CQL_TYPE_IN.search(cql)
    if m:
        types = set(t.lower() for t in names(m.group(1)))
    elif CQL_TYPE.search(cql):
        types = {CQL_TYPE.search(cql).group(1).lower()}
    m = CQL_SPACE_IN.search(cql)
    if m:
        keys = names(m.group(1))
    elif CQL_SPACE.search(cql):
        keys = {CQL_SPACE.search(cql).group(1)}
    return types, keys
BODY_FORMATS = ("storage", "atlas_doc_format", "view", "export_view", "anonymous_export_view",
                "styled_view", "editor")


class Api:
    """Confluence Cloud endpoints.  Handlers take (req, **path params) and return a Response."""

    def __init__(self, space, user, token, media_secret, faults, stats):
        self.space = space  # the main space
        self.site = space.site or Site([space])  # every space; look content up here
        self.user = user
        self.token = token
        self.media_secret = media_secret
        self.faults = faults
        self.stats = stats
        self.cql_403 = False  # --cql-403: the CQL search is refused
        self.blog_404 = False  # --blog-404: the blog post listing answers 404
        w = r"/wiki"
        self.routes = [(re.compile("^" + pattern + "$"), method, kind, fn) for
                       method, pattern, kind, fn in [
            ("GET", w + r"/rest/api/user/current", "user", self.user_current),
            ("GET", w + r"/rest/api/user", "user", self.user_lookup),
            ("GET", w + r"/rest/api/user/bulk", "user", self.users_bulk),
            ("GET", w + r"/api/v2/spaces", "space", self.spaces),
            ("GET", w + r"/api/v2/spaces/(?P<space_id>[^/]+)", "space", self.space_one),
            ("GET", w + r"/api/v2/spaces/(?P<space_id>[^/]+)/pages", "pages_of_space",
             self.space_pages),
            ("GET", w + r"/api/v2/pages", "pages_bulk", self.pages_bulk),
            ("GET", w + r"/api/v2/pages/(?P<page_id>[^/]+)", "page", self.page),
            ("GET", w + r"/api/v2/pages/(?P<page_id>[^/]+)/children", "children",
             lambda req, page_id: self.children(req, page_id, False)),
            ("GET", w + r"/api/v2/pages/(?P<page_id>[^/]+)/direct-children", "children",
             lambda req, page_id: self.direct_children(req, "page", page_id)),
            ("GET", w + r"/api/v2/(?P<kind>folder|whiteboard|database|embed)s/"
                        r"(?P<cid>[^/]+)/direct-children", "children",
             lambda req, kind, cid: self.direct_children(req, kind, cid)),
            ("GET", w + r"/api/v2/pages/(?P<page_id>[^/]+)/attachments", "attachments",
             self.attachments),
            ("GET", w + r"/api/v2/spaces/(?P<space_id>[^/]+)/blogposts", "blogposts",
             self.space_blogposts),
            ("GET", w + r"/api/v2/blogposts", "blogposts", self.blogposts_bulk),
            ("GET", w + r"/api/v2/blogposts/(?P<post_id>[^/]+)", "blogpost", self.blogpost),
            ("GET", w + r"/api/v2/blogposts/(?P<post_id>[^/]+)/attachments", "attachments",
             self.blogpost_attachments),
            ("GET", w + r"/api/v2/(?P<kind>folder|whiteboard|database|embed)s/"
                        r"(?P<cid>[^/]+)", "container", self.container),
            ("GET", w + r"/rest/api/content/search", "search", self.content_search),
            ("GET", w + r"/rest/api/content/(?P<page_id>[^/]+)/child/attachment/"
                        r"(?P<att_id>[^/]+)/download", "download", self.download),
            ("GET", w + r"/download/attachments/.*", "download_link", self.download_link),
            ("GET", r"/media/file/(?P<file_id>[^/]+)/binary", "media", self.media),
        ]]

    def prepare(self, req):
        """Adjust a new request to the flavor (Cloud: nothing; the base is /wiki)."""

    def refine_kind(self, req, kind, params):
        """The stats kind of a routed request, when the query or the id decides it."""
        return kind

    def route(self, method, path):
        """(kind, handler, params); handler None means 404/405.  HEAD is GET minus the body."""
        method = "GET" if method == "HEAD" else method
        allowed = False
        for regex, m, kind, fn in self.routes:
            match = regex.match(path)
            if match:
                if m == method:
                    return kind, fn, match.groupdict()
                allowed = True
        return ("method_not_allowed" if allowed else "not_found"), None, {}

    # -- auth
    def credentials(self, req):
        """'none', 'ok' or 'bad' for the request's Authorization header."""
        header = req.headers.get("Authorization")
        if not header:
            return "none"
        if self.token is None:
            return "ok"
        scheme, _, cred = header.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() == "basic":
            try:
                user, _, tok = base64.b64decode(cred, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return "bad"
            ok = hmac.compare_digest(user, self.user) and hmac.compare_digest(tok, self.token)
            return "ok" if ok else "bad"
        if scheme.lower() == "bearer" and hmac.compare_digest(cred, self.token):
            return "ok"
        return "bad"

    @staticmethod
    def unauthorized():
        return json_response(401, {"code": 401, "message": "Unauthorized; scope does not match"})

    @staticmethod
    def error(status, headers=None):
        """The error body for an unrouted path or an injected status fault."""
        return error_response(status, headers=headers)

    def check_auth(self, req, kind):
        """None if the request may proceed, else the 401 response."""
        if kind in ("media", "download_link"):
            return None  # the media host takes no credentials; downloadLink refuses them
        state = self.credentials(req)
        anonymous_ok = self.token is None or req.path.endswith("/rest/api/user/current")
        if state == "ok" or (state == "none" and anonymous_ok):
            return None
        self.stats.add("unauthorized")
        return self.unauthorized()

    # -- helpers
    def get_page(self, page_id):
        if not ID_RE.match(page_id):
            raise ApiError(400, title="Provided value {%s} for 'id' is not the correct type. "
                                      "Expected type is ContentId" % page_id)
        page = self.site.page(page_id)  # a blog post's id is no page: 404, as on Cloud
        if page is None:
            raise ApiError(404)
        return page

    def get_blogpost(self, post_id):
        if not ID_RE.match(post_id):
            raise ApiError(400, title="Provided value {%s} for 'id' is not the correct type. "
                                      "Expected type is long" % post_id)
        post = self.site.blogpost(post_id)  # a page's id is no blog post: 404
        if post is None:
            raise ApiError(404)
        return post

    def get_space(self, space_id):
        if not ID_RE.match(space_id):
            raise ApiError(400, title="Provided value {%s} for 'id' is not the correct type"
                                      % space_id)
        space = self.site.by_id(space_id)
        if space is None:
            raise ApiError(404)
        return space

    def want_body(self, req, allowed=("storage", "atlas_doc_format")):
        fmt = req.arg("body-format")
        if fmt is None or fmt == "":
            return False
        if fmt not in allowed:
            raise ApiError(400, title="Invalid value for body-format: %s" % fmt)
        if fmt != "storage":
            raise ApiError(400, title="fake-confluence serves body-format=storage only")
        return True

    def pages_json(self, req, pages, with_body):
        """PageBulk (or BlogPostBulk for blog posts) objects, each of its own space."""
        out = []
        for page in pages:
            body = None
            if with_body:
                body = NOT_STORAGE_VALUE if req.not_storage else page.space.body_of(page)
            shape = blogpost_json if page.kind == "blogpost" else page_json
            out.append(shape(page.space, page, body))
        if with_body:
            self.stats.body_fetched(p.id for p in pages)
        return out

    @staticmethod
    def sort_arg(req, allowed, default):
        sort = req.arg("sort") or default
        if sort.lstrip("-") not in allowed:
            raise ApiError(400, title="Invalid value for sort: %s" % sort)
        return sort

    @staticmethod
    def status_filter(req, pages):
        statuses = req.multi("status")
        if statuses and "current" not in statuses:
            return []
        return pages

    # -- endpoints
    def user_current(self, req):
        if self.credentials(req) == "none":
            return json_response(200, anonymous_json(req.base))
        return json_response(200, user_json(req.base, self.user, DEFAULT_ACCOUNT, "Demo User"))

    def known_users(self):
        known = {a: "User %d" % n for n, a in enumerate(AUTHORS)}
        known[DEFAULT_ACCOUNT] = "Demo User"
        for sp in self.site.spaces:  # the people a fixture names
            known.update(sp.users)
        return known

    def user_lookup(self, req):
        account = req.arg("accountId")
        if not account:
            raise ApiError(400, title="accountId is required")
        known = self.known_users()
        if account not in known:
            return json_response(404, v1_not_found("No user found with accountId " + account))
        email = self.user if account == DEFAULT_ACCOUNT else ""
        return json_response(200, user_json(req.base, email, account, known[account]))

    def users_bulk(self, req):
        """GET /wiki/rest/api/user/bulk?accountId=A&accountId=B (also A,B): the users the
        site knows, at most limit (200); unknown ids are left out (BulkUserLookupArray)."""
        accounts = req.multi("accountId")
        if not accounts:
            raise ApiError(400, title="accountId is required")
        limit = min(parse_limit(req, 200), 200)
        known = self.known_users()
        found = []
        for a in accounts[:limit]:
            if a in known and all(u["accountId"] != a for u in found):
                email = self.user if a == DEFAULT_ACCOUNT else ""
                found.append(user_json(req.base, email, a, known[a]))
        return json_response(200, {"results": found, "start": 0, "limit": limit,
                                   "size": len(found),
                                   "_links": {"base": req.base, "context": "/wiki"}})

    def spaces(self, req):
        keys, ids = req.multi("keys"), req.multi("ids")
        if len(keys) > 250 or len(ids) > 250:
            raise ApiError(400, title="At most 250 keys or ids")
        sort = self.sort_arg(req, SPACE_SORTS, "id")
        found = [s for s in self.site.spaces
                 if (not keys or s.key in keys) and (not ids or s.id in ids)]
        if req.arg("type") not in (None, "", "global") or \
                req.arg("status") not in (None, "", "current"):
            found = []  # every space of the fake is a current global one
        found.sort(key=SPACE_SORTS[sort.lstrip("-")], reverse=sort.startswith("-"))
        batch, nxt = page_of(req, "spaces", found)
        return list_response(req, [space_json(s) for s in batch], nxt)

    def space_one(self, req, space_id):
        space = self.site.by_id(space_id)
        if space is None:
            raise ApiError(404)
        return json_response(200, space_json(space))

    def space_pages(self, req, space_id):
        space = self.get_space(space_id)
        depth = req.arg("depth") or "all"
        if depth not in ("all", "root"):
            raise ApiError(400, title="Invalid value for depth: %s" % depth)
        sort = self.sort_arg(req, PAGE_SORTS, "id")
        with_body = self.want_body(req)
        ids = space.sorted_ids(sort)
        if depth == "root":
            ids = [i for i in ids if space.pages[i].parent_id is None]
        title = req.arg("title")
        if title is not None:
            ids = [i for i in ids if space.pages[i].title == title]
        ids = self.status_filter(req, ids)
        batch, nxt = page_of(req, "space-pages", ids)
        pages = [space.pages[i] for i in batch]
        return list_response(req, self.pages_json(req, pages, with_body), nxt)

    def space_blogposts(self, req, space_id):
        """GET /api/v2/spaces/{id}/blogposts: BlogPostBulk, by id unless sort= says."""
        space = self.get_space(space_id)
        if self.blog_404:
            raise ApiError(404)
        return self.blogpost_listing(req, "space-blogposts", [space], None)

    def blogposts_bulk(self, req):
        """GET /api/v2/blogposts?id=&space-id=: unknown ids (and pages' ids) are left out."""
        ids = req.multi("id")
        if len(ids) > 250:
            raise ApiError(400, title="The number of ids must not exceed 250")
        for i in ids:
            if not ID_RE.match(i):
                raise ApiError(400, title="Provided value {%s} for 'id' is not the correct "
                                          "type. Expected type is long" % i)
        space_ids = req.multi("space-id")
        spaces = [s for s in self.site.spaces if not space_ids or s.id in space_ids]
        return self.blogpost_listing(req, "blogposts", spaces, set(ids) if ids else None)

    def blogpost_listing(self, req, cursor_kind, spaces, wanted):
        sort = self.sort_arg(req, BLOG_SORTS, "id")
        with_body = self.want_body(req)
        ids = self.site.ids(spaces, "blogpost", sort)
        if wanted is not None:
            ids = [i for i in ids if i in wanted]
        title = req.arg("title")
        if title is not None:
            ids = [i for i in ids if self.site.blogpost(i).title == title]
        ids = self.status_filter(req, ids)
        batch, nxt = page_of(req, cursor_kind, ids)
        posts = [self.site.blogpost(i) for i in batch]
        return list_response(req, self.pages_json(req, posts, with_body), nxt)

    def blogpost(self, req, post_id):
        post = self.get_blogpost(post_id)
        with_body = self.want_body(req, BODY_FORMATS)
        version = req.arg("version")
        if version not in (None, "", str(post.version)):
            raise ApiError(404)  # only the current version is kept
        data = self.pages_json(req, [post], with_body)[0]
        data["_links"]["base"] = req.base
        return json_response(200, data)

    def blogpost_attachments(self, req, post_id):
        return self.attachment_listing(req, self.get_blogpost(post_id))

    def pages_bulk(self, req):
        ids = req.multi("id")
        if len(ids) > 250:
            raise ApiError(400, title="The number of ids must not exceed 250")
        for i in ids:
            if not ID_RE.match(i):
                raise ApiError(400, title="Provided value {%s} for 'id' is not the correct "
                                          "type. Expected type is ContentId" % i)
        space_ids = req.multi("space-id")
        sort = self.sort_arg(req, PAGE_SORTS, "id")
        with_body = self.want_body(req)
        spaces = [s for s in self.site.spaces if not space_ids or s.id in space_ids]
        selected = self.site.ids(spaces, "page", sort) if spaces else []
        if ids:
            wanted = set(ids)
            selected = [i for i in selected if i in wanted]
        title = req.arg("title")
        if title is not None:
            selected = [i for i in selected if self.site.page(i).title == title]
        selected = self.status_filter(req, selected)
        batch, nxt = page_of(req, "pages", selected)
        pages = [self.site.page(i) for i in batch]
        return list_response(req, self.pages_json(req, pages, with_body), nxt)

    def page(self, req, page_id):
        page = self.get_page(page_id)
        with_body = self.want_body(req, BODY_FORMATS)
        version = req.arg("version")
        if version not in (None, "", str(page.version)):
            raise ApiError(404)  # only the current version is kept
        data = self.pages_json(req, [page], with_body)[0]
        data["_links"]["base"] = req.base
        return json_response(200, data)

    def children(self, req, page_id, direct):
        page = self.get_page(page_id)
        sort = self.sort_arg(req, CHILD_SORTS, "child-position")
        space = page.space
        ids = space.sort_children(page.children, sort)
        batch, nxt = page_of(req, "direct-children" if direct else "children", ids)
        return list_response(req, [child_json(space, space.pages[i], direct)
                                   for i in batch], nxt)

    def direct_children(self, req, kind, cid):
        """GET /api/v2/{pages,folders,whiteboards,databases,embeds}/{id}/direct-children:
        the pages and the containers (folders, ...) whose parent it is, each
        {id, status, title, type, spaceId, childPosition}; sort= as for /children (by
        child position, then id, by default)."""
        if kind == "page":
            space = self.get_page(cid).space
        else:
            c = self.site.container(cid) if ID_RE.match(cid) else None
            if c is None or c.kind != kind or c.missing:
                raise ApiError(404, title="Content with id: [%s] not found" % cid)
            space = c.space
        sort = self.sort_arg(req, CHILD_SORTS, "child-position")
        kids = [p for p in space.pages.values() if p.parent_id == cid]
        kids += [c for c in space.containers.values() if c.parent_id == cid
                 and c.kind != "page" and c.status == "current"]
        if sort.lstrip("-") == "id":
            key = lambda x: int(x.id)  # noqa: E731
        else:
            key = lambda x: (x.position is None, x.position or 0, int(x.id))  # noqa: E731
        kids.sort(key=key, reverse=sort.startswith("-"))
        batch, nxt = page_of(req, "direct-children", kids)
        out = []
        for x in batch:
            if isinstance(x, Page):
                out.append(child_json(space, x, True))
            else:
                out.append({"id": x.id, "status": x.status, "title": x.title, "type": x.kind,
                            "spaceId": space.id, "childPosition": x.position})
        return list_response(req, out, nxt)

    def attachments(self, req, page_id):
        return self.attachment_listing(req, self.get_page(page_id))

    def attachment_listing(self, req, page):
        """AttachmentBulk of a page or blog post."""
        atts = [page.space.attachments[a] for a in page.attachments]
        atts.sort(key=lambda a: (a.created_ms, a.id))
        filename = req.arg("filename")
        if filename is not None:
            atts = [a for a in atts if a.title == filename]
        media_type = req.arg("mediaType")
        if media_type is not None:
            atts = [a for a in atts if a.media_type == media_type]
        batch, nxt = page_of(req, "attachments", atts, default_limit=50)
        return list_response(req, [attachment_json(a) for a in batch], nxt)

    CQL_TYPE = CQL_TYPE
    CQL_SPACE = CQL_SPACE

    def site_items(self, types, keys, ids=None, since=None):
        """What a CQL search finds: the pages and blog posts (by id) of the spaces with
        these keys (None: every space) whose type is in types (None: any type), then their
        attachments (by id); ids (a set, or None) narrows both (type-agnostic), and since
        (feed.cql_since of the query) to what was modified since then."""
        spaces = [s for s in self.site.spaces if keys is None or s.key in keys]
        content, atts = [], []
        for s in spaces:
            if types is None or "page" in types:
                content += [s.pages[i] for i in s.sorted_ids("id") if ids is None or i in ids]
            if types is None or "blogpost" in types:
                content += [s.blogposts[i] for i in s.sorted_blog_ids("id")
                            if ids is None or i in ids]
            content += [c for c in s.containers.values()  # folders, ...; not trashed ones
                        if (types is None or c.kind in types) and c.kind != "page" and
                        not c.missing and c.status == "current" and
                        (ids is None or c.id in ids)]
            if types is None or "attachment" in types:
                atts += [a for a in s.attachments.values()
                         if ids is None or a.id in ids or a.id[3:] in ids]
        if since is not None:
            content = [c for c in content if modified_since(c, since)]
            atts = [a for a in atts if modified_since(a, since)]
        content.sort(key=lambda c: int(c.id))
        atts.sort(key=lambda a: (int(a.id[3:]), a.id))
        return content + atts

    def container(self, req, kind, cid):
        """GET /api/v2/{folders,whiteboards,databases,embeds}/{id}."""
        if not ID_RE.match(cid):
            raise ApiError(400, title="Provided value {%s} for 'id' is not the correct type"
                                      % cid)
        c = self.site.container(cid)
        if c is None or c.kind != kind or c.missing:
            raise ApiError(404, title="Content with id: [%s] not found" % cid)
        return json_response(200, container_json(c.space, c))

    def content_search(self, req):
        """v1 CQL content search; understands `type=T` or `type in (T,...)` (T: page,
        blogpost, attachment, folder, whiteboard, database, embed) AND `space=KEY` or `space in ("A","B")`.  Pages and blog
        posts come first (by id), then attachments (by id).

        v1 links are relative to _links.base (which holds the /wiki context)."""
        if self.cql_403:
            return json_response(403, {"statusCode": 403, "message":
                                       "Current user not permitted to use search"})
        cql = req.arg("cql") or ""
        types, keys = cql_scope(cql)
        if types is None:
            return json_response(400, {"statusCode": 400, "message":
                                       "Could not parse cql : %s" % cql})
        try:
            since = cql_since(cql)
        except ValueError:
            return json_response(400, {"statusCode": 400, "message":
                                       "Could not parse cql : %s" % cql})
        expand = set((req.arg("expand") or "").split(","))
        items = self.site_items(types, keys, since=since)
        batch, nxt = page_of(req, "search", items)
        results = []
        for x in batch:
            if isinstance(x, Attachment):
                results.append(attachment_v1_json(x.space, x, expand))
                continue
            r = {"id": x.id, "type": x.kind, "status": x.status, "title": x.title}
            if "version" in expand and not isinstance(x, Page):  # a container's
                r["version"] = {"number": x.version, "when": iso_time(x.version_ms)}
            if "metadata.labels" in expand and isinstance(x, Page):
                r["metadata"] = {"labels": labels_json(content_labels(x))}
            results.append(r)
        links = {"base": req.base, "context": "/wiki"}
        if nxt:
            links["next"] = nxt[len("/wiki"):] if nxt.startswith("/wiki/") else nxt
        return json_response(200, {"results": results, "start": 0, "limit": len(batch),
                                   "size": len(results), "_links": links})

    def download(self, req, page_id, att_id):
        """v1 download: 302 to the media host (a different host name for this server)."""
        att = self.site.attachment(att_id)
        if att is None or att.page_id != page_id:
            return json_response(404, v1_not_found(
                "Cannot find attachment %s on content %s" % (att_id, page_id)))
        version = req.arg("version")
        if version not in (None, ""):
            if not version.isdigit() or int(version) > att.version or int(version) < 1:
                return json_response(400, {"statusCode": 400, "message": "Invalid version"})
        other = "localhost" if req.hostname == "127.0.0.1" else "127.0.0.1"
        query = urlencode({"token": self.media_token(att), "client": "fake-confluence",
                           "dl": "true", "name": att.title}, quote_via=quote)
        location = "http://%s:%d/media/file/%s/binary?%s" % (other, req.port, att.file_id, query)
        return Response(302, b"", [("Location", location)], content_type=None)

    def download_link(self, req):
        """The listing's downloadLink is for browsers: API tokens get 401, as on Cloud."""
        return self.unauthorized()

    def media_token(self, att):
        return hmac.new(self.media_secret, att.file_id.encode(), hashlib.sha256).hexdigest()[:40]

    def media(self, req, file_id):
        if req.headers.get("Authorization"):
            self.stats.add("credential_leaks")
            return error_response(400, "Authorization header sent to the media host "
                                       "(credential leak)", "Bad Request")
        att = self.site.by_file_id(file_id)
        if att is None:
            return error_response(404)
        if not hmac.compare_digest(req.arg("token", ""), self.media_token(att)):
            return json_response(401, {"error": "invalid or missing media token"})
        return media_response(att, req.headers.get("Range"))
