#!/usr/bin/env python3
"""test_fake_write_tree: the fake's writes that shape the tree (docs/fake-confluence.md,
"Writes"): create, trash (never purge), restore, move, folders, attachment uploads (sha256 of
what downloads serve, streamed uploads), on both flavors.

Run: python3 tests/test_fake_write_tree.py   (standard library only)
"""

import hashlib
import http.client
import os
import sys
import unittest
import uuid
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_fake_confluence import BASIC, PAT, FakeServer  # noqa: E402

V2 = "/wiki/api/v2"
JSON = {"Content-Type": "application/json"}
XSRF = {"X-Atlassian-Token": "no-check"}


def multipart(files, fields=()):
    """(body, content type) of a multipart/form-data body: files are (filename, bytes, type)."""
    boundary = "----cfs%s" % uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    for filename, data, ctype in files:
        head = "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n" % (
            boundary, filename)
        if ctype:
            head += "Content-Type: %s\r\n" % ctype
        out.append(head.encode() + b"\r\n" + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=%s" % boundary


def upload(srv, path, files, auth, fields=(), xsrf=True, method="POST"):
    body, ctype = multipart(files, fields)
    headers = dict(XSRF if xsrf else {}, **{"Content-Type": ctype})
    return srv.request(path, method=method, auth=auth, headers=headers, body=body)


def cloud_bytes(srv, page_id, att_id):
    """The bytes Cloud serves for an attachment (v1 download -> 302 -> media)."""
    r = srv.request("/wiki/rest/api/content/%s/child/attachment/%s/download" % (page_id, att_id))
    assert r.status == 302, (r.status, r.body)
    loc = urlsplit(r.header("Location"))
    r = srv.request(loc.path + "?" + loc.query, auth=None, host=loc.hostname)
    assert r.status == 200, r.status
    return r.body


def dc_bytes(srv, page_id, name):
    r = srv.request("/confluence/download/attachments/%s/%s" % (page_id, name), auth=PAT)
    assert r.status == 200, r.status
    return r.body


class CloudTreeWriteTest(unittest.TestCase):
    """Create, trash, restore, move and folders on Cloud."""

    def setUp(self):
        self.srv = FakeServer("--cloud-tree")

    def tearDown(self):
        self.srv.stop()

    def create(self, **body):
        body.setdefault("spaceId", "131073")
        body.setdefault("status", "current")
        return self.srv.request("%s/pages" % V2, method="POST", body=body, headers=JSON)

    def kids(self, page_id):
        return [k["id"] for k in self.srv.walk("%s/pages/%s/children" % (V2, page_id))[0]]

    def test_create_page(self):
        r = self.create(title="Fresh notes", parentId="131080",
                        body={"representation": "storage", "value": "<p>hi</p>"})
        self.assertEqual(r.status, 200, r.body)
        page = r.json()
        self.assertEqual((page["title"], page["parentId"], page["version"]["number"],
                          page["status"], page["body"]["storage"]["value"]),
                         ("Fresh notes", "131080", 1, "current", "<p>hi</p>"))
        self.assertEqual(self.kids("131080")[-1], page["id"])
        got = self.srv.get_json("%s/pages/%s?body-format=storage" % (V2, page["id"]))
        self.assertEqual(got["body"]["storage"]["value"], "<p>hi</p>")
        ids = [int(p["id"]) for p in self.srv.walk("%s/pages?limit=250" % V2)[0]]
        self.assertEqual(int(page["id"]), max(ids))
        # no parentId: under the homepage; root-level=true: at the top
        r = self.create(title="Under home")
        self.assertEqual(r.json()["parentId"], "131074")
        r = self.srv.request("%s/pages?root-level=true" % V2, method="POST", headers=JSON,
                             body={"spaceId": "131073", "title": "Top level"})
        self.assertEqual(r.json()["parentId"], None)
        # the same title again, in any case: 400 with the real message
        r = self.create(title="FRESH NOTES", parentId="131074")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["errors"][0]["title"],
                         "A page with this title already exists: A page already exists with "
                         "the same TITLE in this space")
        for bad in ({"title": "x", "spaceId": "999"}, {"spaceId": "131073"},
                    {"title": "y", "parentId": "99999999"},
                    {"title": "z", "body": {"representation": "atlas_doc_format",
                                            "value": "{}"}}):
            r = self.create(**bad)
            self.assertIn(r.status, (400, 404), bad)
            self.assertIn("errors", r.json())
        w = self.srv.control("writes")
        self.assertEqual((w[0]["kind"], w[0]["id"], w[0]["applied"], w[0]["title"]),
                         ("page_create", page["id"], True, "Fresh notes"))

    def test_create_in_a_folder_and_folders(self):
        r = self.srv.request("%s/folders" % V2, method="POST", headers=JSON,
                             body={"spaceId": "131073", "title": "Runbook folder",
                                   "parentId": "131074"})
        self.assertEqual(r.status, 200, r.body)
        folder = r.json()
        self.assertEqual((folder["type"], folder["title"], folder["parentId"],
                          folder["parentType"], folder["status"]),
                         ("folder", "Runbook folder", "131074", "page", "current"))
        self.assertIsInstance(folder["createdAt"], int)
        got = self.srv.get_json("%s/folders/%s" % (V2, folder["id"]))
        self.assertEqual(got["title"], "Runbook folder")
        r = self.create(title="In the folder", parentId=folder["id"])
        self.assertEqual(r.status, 200, r.body)
        page = r.json()
        self.assertEqual((page["parentId"], page["parentType"]), (folder["id"], "folder"))
        found = self.srv.get_json("/wiki/rest/api/content/search?cql=type%3Dfolder&limit=250")
        self.assertIn(folder["id"], [x["id"] for x in found["results"]])
        # trash the folder: its page moves up to the folder's parent
        r = self.srv.request("%s/folders/%s" % (V2, folder["id"]), method="DELETE")
        self.assertEqual(r.status, 204)
        got = self.srv.get_json("%s/folders/%s" % (V2, folder["id"]))
        self.assertEqual((got["status"], got["parentId"]), ("trashed", None))
        moved = self.srv.get_json("%s/pages/%s" % (V2, page["id"]))
        self.assertEqual((moved["parentId"], moved["parentType"]), ("131074", "page"))
        found = self.srv.get_json("/wiki/rest/api/content/search?cql=type%3Dfolder&limit=250")
        self.assertNotIn(folder["id"], [x["id"] for x in found["results"]])
        self.assertEqual(self.srv.request("%s/folders/%s" % (V2, folder["id"]),
                                          method="DELETE").status, 404)
        self.assertEqual(self.srv.control("trash")["folders"][0]["id"], folder["id"])
        for bad in ({"spaceId": "131073"}, {"spaceId": "131073", "title": "x",
                                            "parentId": "99999999"}):
            r = self.srv.request("%s/folders" % V2, method="POST", headers=JSON, body=bad)
            self.assertIn(r.status, (400, 404), bad)

    def test_trash_restore_and_purge_is_loud(self):
        r = self.srv.request("%s/pages/131087" % V2, method="DELETE")
        self.assertEqual(r.status, 204)
        self.assertEqual(r.body, b"")
        got = self.srv.get_json("%s/pages/131087" % V2)
        self.assertEqual((got["status"], got["parentId"], got["parentType"], got["position"]),
                         ("trashed", None, None, None))
        self.assertNotIn("131087", self.kids("131080"))
        listed = [p["id"] for p in self.srv.walk("%s/pages?limit=250" % V2)[0]]
        self.assertNotIn("131087", listed)
        found = self.srv.get_json("/wiki/rest/api/content/search?cql=type%3Dpage&limit=250")
        self.assertNotIn("131087", [x["id"] for x in found["results"]])
        self.assertEqual(self.srv.request("%s/pages/131087" % V2, method="DELETE").status, 404)
        trash = self.srv.control("trash")["pages"]
        self.assertEqual([(t["id"], t["parentId"]) for t in trash], [("131087", "131080")])
        # restore by PUT status current: back under its parent
        r = self.srv.request("%s/pages/131087" % V2, method="PUT", headers=JSON, body={
            "id": "131087", "status": "current", "title": got["title"],
            "body": {"representation": "storage", "value": ""},
            "version": {"number": got["version"]["number"] + 1}})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.json()["status"], r.json()["parentId"]), ("current", "131080"))
        self.assertIn("131087", self.kids("131080"))
        # a page with children: they move up to its parent
        self.assertEqual(self.srv.request("%s/pages/131084" % V2, method="DELETE").status, 204)
        self.assertIn("131085", self.kids("131080"))
        # purge: refused on a current page, done on a trashed one, always loud
        self.assertEqual(self.srv.request("%s/pages/131085?purge=true" % V2,
                                          method="DELETE").status, 400)
        self.assertEqual(self.srv.request("%s/pages/131084?purge=true" % V2,
                                          method="DELETE").status, 204)
        self.assertEqual(self.srv.request("%s/pages/131084" % V2).status, 404)
        self.assertEqual(self.srv.control("stats")["purges"], 2)
        self.assertEqual([w.get("purge") for w in self.srv.control("writes")][-2:],
                         [True, True])
        self.srv.stderr.seek(0)
        self.assertIn(b"PURGE requested", self.srv.stderr.read())

    def test_v1_move(self):
        m = "/wiki/rest/api/content/%s/move/%s/%s"
        r = self.srv.request(m % ("131087", "append", "131090"), method="PUT")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json(), {"pageId": "131087"})
        self.assertEqual(self.kids("131090")[-1], "131087")
        r = self.srv.request(m % ("131087", "before", "131091"), method="PUT")
        self.assertEqual(r.status, 200)
        kids = self.kids("131090")
        self.assertEqual(kids.index("131087") + 1, kids.index("131091"))
        r = self.srv.request(m % ("131087", "after", "131092"), method="PUT")
        kids = self.kids("131090")
        self.assertEqual(kids.index("131092") + 1, kids.index("131087"))
        self.assertEqual(self.srv.request(m % ("131080", "append", "131083"),
                                          method="PUT").status, 400)  # under a descendant
        self.assertEqual(self.srv.request(m % ("131080", "sideways", "131083"),
                                          method="PUT").status, 400)
        self.assertEqual(self.srv.request(m % ("131080", "append", "99999999"),
                                          method="PUT").status, 404)
        self.assertEqual(self.srv.control("writes")[0]["kind"], "page_move")


class DcTreeWriteTest(unittest.TestCase):
    """Create, trash and move on Data Center; no folders there."""

    def setUp(self):
        self.srv = FakeServer("--flavor", "dc")

    def tearDown(self):
        self.srv.stop()

    def test_create_trash_move(self):
        c = "/confluence/rest/api/content"
        body = {"type": "page", "title": "DC fresh", "space": {"key": "DEMO"},
                "ancestors": [{"id": "131080"}],
                "body": {"storage": {"value": "<p>dc</p>", "representation": "storage"}}}
        r = self.srv.request(c, method="POST", auth=PAT, headers=JSON, body=body)
        self.assertEqual(r.status, 200, r.body)
        page = r.json()
        self.assertEqual((page["title"], page["version"]["number"], page["ancestors"][-1]["id"],
                          page["body"]["storage"]["value"]),
                         ("DC fresh", 1, "131080", "<p>dc</p>"))
        kids = self.srv.get_json("%s/131080/child/page?limit=200" % c, auth=PAT)["results"]
        self.assertIn(page["id"], [k["id"] for k in kids])
        r = self.srv.request(c, method="POST", auth=PAT, headers=JSON, body=body)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["statusCode"], 400)
        self.assertIn("already exists", r.json()["message"])
        top = dict(body, title="DC top")
        del top["ancestors"]
        r = self.srv.request(c + "?expand=ancestors", method="POST", auth=PAT, headers=JSON,
                             body=top)
        self.assertEqual(r.json()["ancestors"], [])
        r = self.srv.request("%s/%s/move/append/131090" % (c, page["id"]), method="PUT",
                             auth=PAT)
        self.assertEqual(r.status, 200, r.body)
        got = self.srv.get_json("%s/%s?expand=ancestors" % (c, page["id"]), auth=PAT)
        self.assertEqual(got["ancestors"][-1]["id"], "131090")
        r = self.srv.request("%s/%s" % (c, page["id"]), method="DELETE", auth=PAT)
        self.assertEqual(r.status, 204)
        self.assertEqual(self.srv.request("%s/%s" % (c, page["id"]), auth=PAT).status, 404)
        got = self.srv.get_json("%s/%s?status=trashed" % (c, page["id"]), auth=PAT)
        self.assertEqual(got["status"], "trashed")
        self.assertEqual(self.srv.control("stats")["purges"], 0)
        r = self.srv.request("%s/%s?status=trashed" % (c, page["id"]), method="DELETE",
                             auth=PAT)
        self.assertEqual(r.status, 204)
        self.assertEqual(self.srv.control("stats")["purges"], 1)
        # no folders on DC
        r = self.srv.request("/confluence/rest/api/folders", method="POST", auth=PAT,
                             headers=JSON, body={"title": "x"})
        self.assertEqual(r.status, 404)


class AttachmentWriteTest(unittest.TestCase):
    """Upload, new version, trash: what listings and downloads serve afterwards."""

    def flavor(self, flavor, prefix, auth, fetch, listing):
        srv = FakeServer("--flavor", flavor)
        try:
            base = "%s/rest/api/content/131092/child/attachment" % prefix
            data = os.urandom(300000)
            r = upload(srv, base, [("diagram one.png", data, "image/png")], auth,
                       fields=[("comment", "first")], xsrf=False)
            self.assertEqual(r.status, 403)
            r = upload(srv, base, [("diagram one.png", data, "image/png")], auth,
                       fields=[("comment", "first")])
            self.assertEqual(r.status, 200, r.body)
            att = r.json()["results"][0]
            self.assertEqual((att["title"], att["type"], att["version"]["number"],
                              att["extensions"]["fileSize"], att["extensions"]["mediaType"],
                              att["extensions"]["comment"]),
                             ("diagram one.png", "attachment", 1, len(data), "image/png",
                              "first"))
            self.assertEqual(att["container"]["id"], "131092")
            self.assertEqual(listing(srv)[-1]["id"], att["id"])
            got = fetch(srv, "131092", att)
            self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(data).hexdigest())
            w = srv.control("writes")[-1]
            self.assertEqual(w["files"][0]["sha256"], hashlib.sha256(data).hexdigest())
            self.assertEqual(w["attachments"][0]["id"], att["id"])
            # the same name again: 400 (the real message); PUT makes a new version
            r = upload(srv, base, [("diagram one.png", b"x", None)], auth)
            self.assertEqual(r.status, 400)
            self.assertIn("Cannot add a new attachment with same file name", r.json()["message"])
            r = upload(srv, base, [("diagram one.png", b"second", None)], auth, method="PUT")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["results"][0]["version"]["number"], 2)
            # /data: a new version, the bare attachment
            v3 = os.urandom(5000)
            r = upload(srv, "%s/%s/data" % (base, att["id"]), [("ignored.bin", v3, None)], auth)
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual((r.json()["id"], r.json()["version"]["number"]), (att["id"], 3))
            self.assertNotIn("results", r.json())
            self.assertEqual(fetch(srv, "131092", r.json()), v3)
            r = upload(srv, "%s/att99999999/data" % base, [("a", b"a", None)], auth)
            self.assertEqual(r.status, 404)
            # delete: to the trash, gone from listings
            r = srv.request("%s/rest/api/content/%s" % (prefix, att["id"]), method="DELETE",
                            auth=auth)
            self.assertEqual(r.status, 204)
            self.assertNotIn(att["id"], [a["id"] for a in listing(srv)])
            self.assertEqual(srv.control("trash")["attachments"][0]["id"], att["id"])
            self.assertEqual(srv.control("stats")["purges"], 0)
        finally:
            srv.stop()

    def test_cloud(self):
        self.flavor("cloud", "/wiki", BASIC, lambda srv, pid, a: cloud_bytes(srv, pid, a["id"]),
                    lambda srv: srv.walk("%s/pages/131092/attachments" % V2)[0])

    def test_dc(self):
        self.flavor("dc", "/confluence", PAT,
                    lambda srv, pid, a: dc_bytes(srv, pid, a["title"].replace(" ", "%20")),
                    lambda srv: srv.get_json("/confluence/rest/api/content/131092/child/"
                                             "attachment", auth=PAT)["results"])

    def test_v2_delete_and_two_files(self):
        srv = FakeServer()
        try:
            base = "/wiki/rest/api/content/131092/child/attachment"
            r = upload(srv, base, [("a.txt", b"aaa", "text/plain"), ("b.csv", b"b,b", None)],
                       BASIC)
            self.assertEqual(r.status, 200, r.body)
            a, b = r.json()["results"]
            self.assertEqual(b["extensions"]["mediaType"], "text/csv")  # guessed
            self.assertEqual(srv.request("%s/attachments/%s" % (V2, a["id"]),
                                         method="DELETE").status, 204)
            names = [x["title"] for x in srv.walk("%s/pages/131092/attachments" % V2)[0]]
            self.assertNotIn("a.txt", names)
            self.assertIn("b.csv", names)
            self.assertEqual(srv.request("%s/attachments/%s?purge=true" % (V2, a["id"]),
                                         method="DELETE").status, 204)
            self.assertEqual(srv.control("stats")["purges"], 1)
        finally:
            srv.stop()

    def test_faults_on_uploads_and_creates(self):
        srv = FakeServer()
        try:
            base = "/wiki/rest/api/content/131092/child/attachment"
            srv.request("/_fake/fault", method="POST", auth=None, body={
                "kind": "status", "status": 500, "match": "/child/attachment$",
                "method": "POST"})
            r = upload(srv, base, [("f.txt", b"one", None)], BASIC)
            self.assertEqual(r.status, 500)
            self.assertNotIn("f.txt", [a["title"] for a in srv.control("attachments")])
            srv.request("/_fake/fault", method="POST", auth=None, body={
                "kind": "reset", "match": "/child/attachment$", "method": "POST",
                "apply": True})
            with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
                upload(srv, base, [("f.txt", b"one", None)], BASIC)
            self.assertIn("f.txt", [a["title"] for a in srv.control("attachments")])
            srv.request("/_fake/fault", method="POST", auth=None, body={
                "kind": "status", "status": 403, "match": "^/wiki/api/v2/pages$",
                "method": "POST", "apply": True})
            r = srv.request("%s/pages" % V2, method="POST", headers=JSON,
                            body={"spaceId": "131073", "title": "Made anyway"})
            self.assertEqual(r.status, 403)
            found = srv.get_json("%s/pages?title=Made%%20anyway" % V2)["results"]
            self.assertEqual(len(found), 1)
            w = srv.control("writes")
            self.assertEqual([(x["kind"], x["status"], x["applied"], x["fault"]) for x in w],
                             [("attachment_upload", 500, False, "status"),
                              ("attachment_upload", 0, True, "reset"),
                              ("page_create", 403, True, "status")])
        finally:
            srv.stop()

    def test_blog_posts_on_both_flavors(self):
        srv = FakeServer()
        try:
            r = srv.request("%s/blogposts" % V2, method="POST", headers=JSON, body={
                "spaceId": "131073", "title": "New post",
                "body": {"representation": "storage", "value": "<p>p</p>"}})
            self.assertEqual(r.status, 200, r.body)
            post = r.json()
            self.assertNotIn("parentId", post)
            self.assertEqual(srv.request("%s/blogposts/%s" % (V2, post["id"]),
                                         method="DELETE").status, 204)
            got = srv.get_json("%s/blogposts/%s" % (V2, post["id"]))
            self.assertEqual(got["status"], "trashed")
            self.assertNotIn(post["id"], [b["id"] for b in
                                          srv.walk("%s/spaces/131073/blogposts" % V2)[0]])
        finally:
            srv.stop()
        srv = FakeServer("--flavor", "dc")
        try:
            c = "/confluence/rest/api/content"
            r = srv.request(c, method="POST", auth=PAT, headers=JSON, body={
                "type": "blogpost", "title": "DC post", "space": {"key": "DEMO"},
                "body": {"storage": {"value": "<p>b</p>", "representation": "storage"}}})
            self.assertEqual(r.status, 200, r.body)
            post = r.json()
            self.assertEqual(post["type"], "blogpost")
            self.assertEqual(srv.request("%s/%s" % (c, post["id"]), method="DELETE",
                                         auth=PAT).status, 204)
            # PUT status current restores it (DC)
            r = srv.request("%s/%s" % (c, post["id"]), method="PUT", auth=PAT, headers=JSON,
                            body={"type": "blogpost", "title": "DC post", "status": "current",
                                  "version": {"number": 2}})
            self.assertEqual(r.status, 200, r.body)
            got = srv.get_json("%s/%s" % (c, post["id"]), auth=PAT)
            self.assertEqual(got["status"], "current")
        finally:
            srv.stop()

    def test_streamed_upload_stays_out_of_memory(self):
        """64 MiB sent chunked: stored whole (sha256), the fake's peak RSS barely moves."""
        srv = FakeServer()
        try:
            def hwm():
                with open("/proc/%d/status" % srv.proc.pid) as f:
                    return next(int(x.split()[1]) for x in f if x.startswith("VmHWM"))
            before = hwm()
            boundary = "cfsbound%s" % uuid.uuid4().hex
            digest = hashlib.sha256()
            block = os.urandom(1 << 20)
            size = 64

            def body():
                yield ("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                       "filename=\"big.bin\"\r\n\r\n" % boundary).encode()
                for _ in range(size):
                    digest.update(block)
                    yield block
                yield ("\r\n--%s--\r\n" % boundary).encode()
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
            conn.request("POST", "/wiki/rest/api/content/131092/child/attachment", body=body(),
                         headers=dict(XSRF, Authorization=BASIC, **{
                             "Content-Type": "multipart/form-data; boundary=" + boundary}),
                         encode_chunked=True)
            resp = conn.getresponse()
            out = resp.read()
            conn.close()
            self.assertEqual(resp.status, 200, out[:300])
            w = srv.control("writes")[-1]
            self.assertEqual((w["files"][0]["size"], w["files"][0]["sha256"]),
                             (size << 20, digest.hexdigest()))
            grew_mb = (hwm() - before) / 1024
            if os.environ.get("CFS_VERBOSE"):
                print("64 MiB upload: fake peak RSS grew %.1f MB" % grew_mb)
            self.assertLess(grew_mb, 24, "peak RSS grew %.1f MB" % grew_mb)
            att = srv.control("attachments")[-1]
            self.assertEqual((att["title"], att["fileSize"]), ("big.bin", size << 20))
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main(verbosity=1)
