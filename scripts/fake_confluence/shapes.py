"""The JSON shapes of Cloud objects (v2 and v1): page_json, blogpost_json, space_json,
attachment_json, labels, users, and the v2/v1 error bodies.  Pure functions of the model."""

import http
import re
import time
from urllib.parse import quote, quote_plus

from .model import iso_time, tiny_link


# ---------------------------------------------------------------- JSON shapes (Cloud v2/v1)

def v2_error(status, code, title, detail=None):
    return {"errors": [{"status": status, "code": code, "title": title, "detail": detail}]}


ERROR_CODES = {400: "INVALID_REQUEST_PARAMETER", 401: "UNAUTHORIZED", 403: "FORBIDDEN",
               404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT",
               413: "REQUEST_ENTITY_TOO_LARGE", 429: "TOO_MANY_REQUESTS",
               500: "INTERNAL_SERVER_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE",
               504: "GATEWAY_TIMEOUT"}


def status_phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def page_links(space, page):
    slug = quote_plus(re.sub(r"[^\w\s-]", "", page.title).strip(), safe="")
    return {"webui": "/spaces/%s/pages/%s/%s" % (space.key, page.id, slug),
            "editui": "/pages/resumedraft.action?draftId=%s" % page.id,
            "edituiv2": "/spaces/%s/pages/edit-v2/%s" % (space.key, page.id),
            "tinyui": tiny_link(page.id)}


def version_json(number, ms, author, message="", minor=False):
    return {"number": number, "message": message, "minorEdit": minor, "authorId": author,
            "createdAt": iso_time(ms)}


def page_json(space, page, body=None):
    """A PageBulk/PageSingle.  body: None (no body-format: "body": {}) or the storage text."""
    version = version_json(page.version, page.version_ms, page.version_author,
                           page.version_message, page.minor_edit)
    version["ncsStepVersion"] = str(page.version * 3 + 1)  # real responses carry it
    return {
        "parentType": space.parent_type(page),
        "parentId": page.parent_id,
        "ownerId": page.author_id,
        "lastOwnerId": None,
        "position": page.position,
        "createdAt": iso_time(page.created_ms, drop_zero_millis=True),
        "authorId": page.author_id,
        "id": page.id,
        "version": version,
        "title": page.title,
        "status": page.status,
        "body": {} if body is None else {"storage": {"representation": "storage", "value": body}},
        "spaceId": space.id,
        "_links": page_links(space, page),
    }


def container_json(space, c):
    """FolderSingle, WhiteboardSingle, DatabaseSingle or SmartLinkSingle (an embed):
    createdAt in epoch milliseconds as real folders send it, the v2 links of the kind."""
    out = {
        "id": c.id,
        "type": c.kind,
        "status": c.status,
        "title": c.title,
        "parentId": c.parent_id,
        "parentType": space.parent_type(c),
        "position": c.position,
        "authorId": c.author_id,
        "ownerId": c.author_id,
        "createdAt": c.created_ms,
        "spaceId": space.id,
        "version": version_json(c.version, c.version_ms, c.author_id),
        "_links": {"webui": "/spaces/%s/%s/%s" % (space.key, c.kind, c.id),
                   "editui": "/pages/resumedraft.action?draftId=%s" % c.id,
                   "tinyui": tiny_link(c.id)},
    }
    if c.kind == "embed" and c.embed_url:
        out["embedUrl"] = c.embed_url
    return out


def blog_date(post):
    """The YYYY/MM/DD of a blog post's creation (UTC), as in its web UI link."""
    return time.strftime("%Y/%m/%d", time.gmtime(post.created_ms // 1000))


def blog_links(space, post):
    slug = quote_plus(re.sub(r"[^\w\s-]", "", post.title).strip(), safe="")
    return {"webui": "/spaces/%s/blog/%s/%s/%s" % (space.key, blog_date(post), post.id, slug),
            "editui": "/pages/resumedraft.action?draftId=%s" % post.id,
            "edituiv2": "/spaces/%s/blog/edit-v2/%s" % (space.key, post.id),
            "tinyui": tiny_link(post.id)}


def blogpost_json(space, post, body=None):
    """A BlogPostBulk/BlogPostSingle: a page's fields without parentId, parentType,
    position, ownerId and lastOwnerId."""
    return {
        "createdAt": iso_time(post.created_ms, drop_zero_millis=True),
        "authorId": post.author_id,
        "id": post.id,
        "version": version_json(post.version, post.version_ms, post.version_author,
                                post.version_message, post.minor_edit),
        "title": post.title,
        "status": post.status,
        "body": {} if body is None else {"storage": {"representation": "storage", "value": body}},
        "spaceId": space.id,
        "_links": blog_links(space, post),
    }


def child_json(space, page, direct):
    d = {"id": page.id, "status": page.status, "title": page.title, "spaceId": space.id,
         "childPosition": page.position}
    if direct:
        d["type"] = "page"
    return d


def space_json(space):
    return {"id": space.id, "key": space.key, "name": space.name, "type": "global",
            "status": "current", "authorId": space.author_id,
            "createdAt": iso_time(space.created_ms), "homepageId": space.homepage_id,
            "description": None, "icon": None, "_links": {"webui": "/spaces/%s" % space.key}}


def download_link(att):
    return "/download/attachments/%s/%s?version=%d&modificationDate=%d&cacheVersion=1&api=v2" % (
        att.page_id, quote(att.title, safe=""), att.version, att.version_ms)


def attachment_json(att):
    """AttachmentBulk; a blog post's attachment has blogPostId instead of pageId."""
    webui = "/pages/viewpageattachments.action?pageId=%s&preview=%s" % (
        att.page_id, quote("/%s/%s/%s" % (att.page_id, att.id[3:], att.title), safe=""))
    container = att.space.content(att.page_id) if att.space else None
    id_field = "blogPostId" if container is not None and container.kind == "blogpost" \
        else "pageId"
    return {"id": att.id, "status": "current", "title": att.title,
            "createdAt": iso_time(att.created_ms), id_field: att.page_id,
            "mediaType": att.media_type, "mediaTypeDescription": att.media_desc,
            "comment": att.comment, "fileId": att.file_id, "fileSize": att.size,
            "webuiLink": webui, "downloadLink": download_link(att),
            "version": version_json(att.version, att.version_ms, att.author_id),
            "_links": {"webui": webui, "download": download_link(att)}}


LABELS = ("runbook", "howto", "draft", "team-a", "archived")


def page_labels(page_id):
    """A page's labels: deterministic from its id (0 to 2 of LABELS)."""
    n = int(page_id)
    if n % 4 == 0:
        return []
    names = [LABELS[n % 5]]
    if n % 3 == 0 and LABELS[(n // 7) % 5] not in names:
        names.append(LABELS[(n // 7) % 5])
    return names


BLOG_LABELS = ("weekly", "news", "announcement")


def content_labels(content):
    """The labels of a page or blog post: the fixture's `labels`, else from the id
    (pages: page_labels(); blog posts: one of BLOG_LABELS by id % 3, plus "team-a"
    for even ids)."""
    if content.labels is not None:
        return list(content.labels)
    if content.kind != "blogpost":
        return page_labels(content.id)
    n = int(content.id)
    return [BLOG_LABELS[n % 3]] + (["team-a"] if n % 2 == 0 else [])


def labels_json(names):
    """metadata.labels of v1 content, as the CQL search expands it."""
    return {"results": [{"prefix": "global", "name": n, "id": str(1000 + i), "label": n}
                        for i, n in enumerate(names)],
            "start": 0, "limit": 200, "size": len(names)}


def attachment_v1_json(space, att, expand):
    """A v1 attachment as content search returns it (expand=version,container)."""
    d = {"id": att.id, "type": "attachment", "status": "current", "title": att.title,
         "extensions": {"mediaType": att.media_type, "fileSize": att.size,
                        "comment": att.comment, "mediaTypeDescription": att.media_desc,
                        "fileId": att.file_id},
         "_links": {"download": download_link(att)[len(""):].replace("&api=v2", ""),
                    "webui": "/pages/viewpageattachments.action?pageId=%s" % att.page_id,
                    "self": "/rest/api/content/%s" % att.id}}
    if "version" in expand:
        d["version"] = {"number": att.version, "when": iso_time(att.version_ms),
                        "message": "", "minorEdit": False,
                        "by": {"type": "known", "accountId": att.author_id}}
    if "container" in expand:
        page = space.content(att.page_id)
        d["container"] = {"id": att.page_id, "type": page.kind if page else "page",
                          "status": "current", "title": page.title if page else ""}
    return d


def user_json(base, email, account_id, name):
    return {"type": "known", "accountId": account_id, "accountType": "atlassian",
            "email": email, "publicName": name, "displayName": name,
            "profilePicture": {"path": "/wiki/aa-avatar/%s" % account_id, "width": 48,
                               "height": 48, "isDefault": False},
            "timeZone": "Etc/UTC", "isExternalCollaborator": False, "isGuest": False,
            "locale": "en_US", "accountStatus": "active",
            "_expandable": {"operations": "", "personalSpace": ""},
            "_links": {"self": "%s/rest/api/user?accountId=%s" % (base, account_id),
                       "base": base, "context": "/wiki"}}


def anonymous_json(base):
    return {"type": "anonymous", "displayName": "Anonymous", "operations": None,
            "isExternalCollaborator": False,
            "profilePicture": {"path": "/wiki/s/-1/_/images/icons/profilepics/anonymous.svg",
                               "width": 48, "height": 48, "isDefault": True},
            "_expandable": {"operations": ""},
            "_links": {"self": "%s/rest/api/user/anonymous" % base, "base": base,
                       "context": "/wiki"}}


def v1_not_found(message):
    return {"statusCode": 404, "data": {"authorized": True, "valid": True, "errors": [],
                                        "successful": False}, "message": message}
