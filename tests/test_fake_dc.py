#!/usr/bin/env python3
"""test_fake_dc: the fake Confluence server's Data Center flavor (--flavor dc,
REST v1 under /confluence) against its contract; the Cloud flavor and the
command line are in test_fake_confluence.py, whose server harness this uses.

Run: python3 tests/test_fake_dc.py   (standard library only)
"""

import base64
import http.client
import json
import os
import sys
import unittest
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_fake_confluence import (  # noqa: E402
    BASIC, DEMO, PAT, USER, FakeServer, cql, media_bytes)


class DcFlavorTest(unittest.TestCase):
    """--flavor dc: the demo space as Data Center REST v1 under /confluence."""

    CTX = "/confluence"

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer("--flavor", "dc")
        cls.base = cls.srv.url + cls.CTX
        with open(os.path.join(DEMO, "space.json"), encoding="utf-8") as f:
            cls.fixture = {p["id"]: p for p in json.load(f)["pages"]}

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.srv.request("/_fake/fault", method="DELETE", auth=None)

    def walk(self, path, auth=PAT):
        """Follow _links.next, which DC gives relative to _links.base."""
        results, replies = [], []
        while path:
            r = self.srv.request(path, auth=auth)
            self.assertEqual(r.status, 200, (path, r.body[:300]))
            data = r.json()
            self.assertEqual(data["_links"]["base"], self.base)
            self.assertEqual(data["_links"]["context"], self.CTX)
            replies.append(data)
            results += data["results"]
            nxt = data["_links"].get("next")
            if nxt:
                self.assertTrue(nxt.startswith("/rest/api/"), nxt)
            path = self.CTX + nxt if nxt else None
        return results, replies

    def test_user_current_pat_basic_and_anonymous(self):
        known = self.srv.get_json(self.CTX + "/rest/api/user/current", auth=PAT)
        self.assertEqual(known["type"], "known")
        for field in ("username", "userKey", "displayName", "profilePicture"):
            self.assertIn(field, known)
        self.assertEqual(known["username"], USER)
        self.assertEqual(known["_links"]["base"], self.base)
        basic = self.srv.get_json(self.CTX + "/rest/api/user/current", auth=BASIC)
        self.assertEqual(basic["userKey"], known["userKey"])
        # A bad personal token is the anonymous user (200), as on real DC.
        for auth in ("Bearer nope", None):
            anon = self.srv.get_json(self.CTX + "/rest/api/user/current", auth=auth)
            self.assertEqual(anon["type"], "anonymous", auth)
        # A bad password is refused.
        r = self.srv.request(self.CTX + "/rest/api/user/current",
                             auth="Basic " + base64.b64encode(b"demo@example.com:nope").decode())
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["statusCode"], 401)

    def test_other_endpoints_need_credentials(self):
        for auth in (None, "Bearer nope"):
            r = self.srv.request(self.CTX + "/rest/api/space/DEMO", auth=auth)
            self.assertEqual(r.status, 401, auth)
            r = self.srv.request(self.CTX + "/download/attachments/131095/notes.txt", auth=auth)
            self.assertEqual(r.status, 401, auth)

    def test_no_cloud_paths(self):
        for path in ("/wiki/rest/api/user/current", "/wiki/api/v2/spaces?keys=DEMO",
                     self.CTX + "/api/v2/spaces?limit=1", self.CTX + "/rest/api/nothing"):
            r = self.srv.request(path, auth=PAT)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json()["statusCode"], 404, path)

    def test_space(self):
        sp = self.srv.get_json(self.CTX + "/rest/api/space/DEMO?expand=homepage", auth=PAT)
        self.assertEqual((sp["id"], sp["key"], sp["homepage"]["id"]), (131073, "DEMO", "131074"))
        self.assertEqual(sp["_links"]["base"], self.base)
        bare = self.srv.get_json(self.CTX + "/rest/api/space/DEMO", auth=PAT)
        self.assertEqual(bare["_expandable"]["homepage"], "/rest/api/content/131074")
        r = self.srv.request(self.CTX + "/rest/api/space/NOPE?expand=homepage", auth=PAT)
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["statusCode"], 404)
        self.assertIn("NOPE", r.json()["message"])

    def test_content_listing(self):
        path = (self.CTX + "/rest/api/content?spaceKey=DEMO&type=page&status=current"
                "&expand=ancestors,version&start=0&limit=10")
        pages, replies = self.walk(path)
        self.assertEqual([len(r["results"]) for r in replies], [10] * 5 + [2])
        self.assertEqual([r["start"] for r in replies], list(range(0, 60, 10)))
        self.assertNotIn("prev", replies[0]["_links"])
        self.assertTrue(replies[1]["_links"]["prev"].startswith("/rest/api/content?"))
        self.assertEqual({p["id"] for p in pages}, set(self.fixture))
        positions = [p["extensions"]["position"] for p in pages]
        self.assertIn("none", positions)
        self.assertTrue(any(isinstance(x, int) for x in positions))
        by_id = {p["id"]: p for p in pages}
        for p in pages:
            want = self.fixture[p["id"]]
            chain, cur = [], want
            while cur.get("parentId"):
                chain.insert(0, cur["parentId"])
                cur = self.fixture[cur["parentId"]]
            self.assertEqual([a["id"] for a in p["ancestors"]], chain, p["id"])
            self.assertEqual(p["version"]["number"], want.get("version", {}).get("number", 1))
            self.assertRegex(p["version"]["when"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
            self.assertNotIn("body", p)
            self.assertIn(p["version"]["by"]["userKey"], {u["version"]["by"]["userKey"]
                                                          for u in by_id.values()})
        # DC writes times in its own zone: the instant is the fixture's.
        home = by_id["131074"]["version"]["when"]
        self.assertEqual(home, "2025-03-18T18:02:41.377+02:00")
        # The limit is clamped to 200; other spaces and types are empty.
        big = self.srv.get_json(self.CTX + "/rest/api/content?spaceKey=DEMO&limit=1000", auth=PAT)
        self.assertEqual((big["limit"], big["size"]), (200, 52))
        self.assertNotIn("next", big["_links"])
        for q in ("spaceKey=NOPE", "type=comment", "status=trashed"):
            self.assertEqual(self.srv.get_json(self.CTX + "/rest/api/content?" + q,
                                               auth=PAT)["results"], [], q)
        self.assertEqual(self.srv.request(self.CTX + "/rest/api/content?limit=x",
                                          auth=PAT).status, 400)

    def test_page_body(self):
        p = self.srv.get_json(self.CTX + "/rest/api/content/131094?expand=body.storage,version",
                              auth=PAT)
        self.assertEqual(p["type"], "page")
        self.assertEqual(p["body"]["storage"]["representation"], "storage")
        self.assertTrue(p["body"]["storage"]["value"].startswith(
            "<p>Page marker cfsword-131094 cfscommon</p>"))
        self.assertEqual(p["version"]["number"], self.fixture["131094"]["version"]["number"])
        self.assertEqual(p["_links"]["base"], self.base)
        bare = self.srv.get_json(self.CTX + "/rest/api/content/131094", auth=PAT)
        self.assertNotIn("body", bare)
        for bad in ("1", "abc"):
            r = self.srv.request(self.CTX + "/rest/api/content/%s?expand=body.storage" % bad,
                                 auth=PAT)
            self.assertEqual(r.status, 404, bad)
            self.assertEqual(r.json()["statusCode"], 404)

    def test_children(self):
        kids, replies = self.walk(self.CTX + "/rest/api/content/131110/child/page?expand=version")
        self.assertEqual([len(r["results"]) for r in replies], [25, 5])
        self.assertEqual(len({k["id"] for k in kids}), 30)
        self.assertTrue(all("version" in k for k in kids))
        pos = [k["extensions"]["position"] for k in kids]
        numbered = [x for x in pos if x != "none"]
        self.assertEqual(numbered, sorted(numbered))
        self.assertEqual(pos[len(numbered):], ["none"] * (len(pos) - len(numbered)))
        self.assertGreater(len(numbered), 0)
        self.assertLess(len(numbered), len(pos))

    def test_attachments_and_download(self):
        atts, _ = self.walk(self.CTX + "/rest/api/content/131095/child/attachment?expand=version")
        self.assertEqual([a["title"] for a in atts], ["diagram.png", "notes.txt"])
        png = atts[0]
        with open(os.path.join(DEMO, "attachments", "diagram.png"), "rb") as f:
            want = f.read()
        self.assertEqual(png["extensions"]["fileSize"], len(want))
        self.assertEqual(png["extensions"]["mediaType"], "image/png")
        link = png["_links"]["download"]
        self.assertTrue(link.startswith("/download/attachments/131095/diagram.png?version="), link)
        before = self.srv.control("stats")
        got = self.srv.request(self.CTX + link, auth=PAT)
        self.assertEqual((got.status, got.body), (200, want))  # no redirect on DC
        self.assertEqual(got.header("Content-Type"), "image/png")
        r = self.srv.request(self.CTX + link, auth=BASIC, headers={"Range": "bytes=2-9"})
        self.assertEqual((r.status, r.body, r.header("Content-Range")),
                         (206, want[2:10], "bytes 2-9/%d" % len(want)))
        after = self.srv.control("stats")
        self.assertEqual(after["attachment_bytes"] - before["attachment_bytes"], len(want) + 8)
        self.assertEqual(after["by_kind"]["download"] - before["by_kind"]["download"], 2)
        self.assertEqual(after["credential_leaks"], 0)
        for bad in ("/download/attachments/131095/nope.png",
                    "/download/attachments/131094/diagram.png",
                    "/download/attachments/131095/diagram.png?version=99"):
            self.assertEqual(self.srv.request(self.CTX + bad, auth=PAT).status, 404, bad)

    def test_search_attachments_and_bodies(self):
        cql = 'type=attachment and space="DEMO"'
        path = (self.CTX + "/rest/api/content/search?cql=%s&expand=version,container&limit=2"
                % quote(cql))
        atts, replies = self.walk(path)
        self.assertEqual(len(replies), 2)
        self.assertTrue(replies[0]["_links"]["next"].startswith("/rest/api/content/search?"))
        self.assertEqual(sorted(a["title"] for a in atts),
                         ["diagram.png", "figure_raster.png", "notes.txt", "roadmap.csv"])
        for a in atts:
            self.assertEqual(a["type"], "attachment")
            self.assertIn(a["container"]["id"], ("131094", "131095", "131161"))  # 131161: blog
            self.assertGreaterEqual(a["version"]["number"], 1)
            self.assertIn("fileSize", a["extensions"])
        other = self.srv.get_json(self.CTX + "/rest/api/content/search?cql="
                                  + quote('type=attachment and space="NOPE"'), auth=PAT)
        self.assertEqual(other["results"], [])
        self.srv.control("reset", "POST")
        ids = ["131074", "131094", "131083", "999"]
        got, _ = self.walk(self.CTX + "/rest/api/content/search?cql=%s"
                           "&expand=body.storage,version&limit=2"
                           % quote("id in (%s)" % ",".join(ids)))
        self.assertEqual([p["id"] for p in got], ["131074", "131083", "131094"])
        for p in got:
            self.assertIn("cfsword-%s" % p["id"], p["body"]["storage"]["value"])
        st = self.srv.control("stats")
        self.assertEqual(st["body_fetches"], {"131074": 1, "131083": 1, "131094": 1})
        self.assertEqual(st["by_kind"]["search"], 2)
        r = self.srv.request(self.CTX + "/rest/api/content/search?cql=" + quote("label=x"),
                             auth=PAT)
        self.assertEqual(r.status, 400)

    def test_faults_apply(self):
        self.srv.control("fault", "POST", {"match": r"/rest/api/content/131074\b",
                                           "kind": "status", "status": 503,
                                           "retry_after": "2"})
        r = self.srv.request(self.CTX + "/rest/api/content/131074", auth=PAT)
        self.assertEqual((r.status, r.header("Retry-After")), (503, "2"))
        self.assertEqual(r.json()["statusCode"], 503)
        self.assertEqual(self.srv.request(self.CTX + "/rest/api/content/131074",
                                          auth=PAT).status, 200)
        self.srv.control("fault", "POST", {"match": "^/confluence/download/",
                                           "kind": "truncate", "after_bytes": 10})
        link = self.CTX + "/download/attachments/131095/notes.txt"
        with self.assertRaises(http.client.IncompleteRead):
            self.srv.request(link, auth=PAT)

    def test_root_context(self):
        srv = FakeServer("--flavor", "dc", "--context", "", "--pages", "30", "--fanout", "4")
        try:
            sp = srv.get_json("/rest/api/space/GEN?expand=homepage", auth=PAT)
            self.assertEqual(sp["_links"]["base"], srv.url)
            self.assertEqual(sp["_links"]["context"], "")
            data = srv.get_json("/rest/api/content?spaceKey=GEN&limit=200", auth=PAT)
            self.assertEqual(data["size"], 30)
            self.assertEqual(srv.request("/confluence/rest/api/space/GEN", auth=PAT).status, 404)
        finally:
            srv.stop()


def dc_walk(srv, path, ctx="/confluence"):
    """Follow a DC listing's _links.next (relative to _links.base); returns (results, replies)."""
    results, replies = [], []
    while path:
        r = srv.request(path, auth=PAT)
        assert r.status == 200, (path, r.status, r.body[:300])
        data = r.json()
        assert data["_links"]["base"] == srv.url + ctx, data["_links"]
        replies.append(data)
        results += data["results"]
        nxt = data["_links"].get("next")
        assert not nxt or nxt.startswith("/rest/api/"), nxt
        path = ctx + nxt if nxt else None
    return results, replies


class DcMultiSpaceTest(unittest.TestCase):
    """--flavor dc with the demo space, its blog posts and --add-space DOCS:30."""

    CTX = "/confluence"

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer("--flavor", "dc", "--add-space", "DOCS:30", "--blogposts", "5",
                             "--add-space-attachments", "2", "--attachment-size", "3000")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def get(self, path):
        return self.srv.get_json(self.CTX + path, auth=PAT)

    def test_spaces(self):
        spaces, replies = dc_walk(self.srv, self.CTX + "/rest/api/space?limit=1")
        self.assertEqual([s["key"] for s in spaces], ["DEMO", "DOCS"])
        self.assertEqual(replies[0]["_links"]["next"], "/rest/api/space?start=1&limit=1")
        self.assertEqual([r["start"] for r in replies], [0, 1])
        self.assertIsInstance(spaces[1]["id"], int)
        self.assertNotEqual(spaces[0]["id"], spaces[1]["id"])
        self.assertTrue(spaces[1]["_expandable"]["homepage"].startswith("/rest/api/content/"))
        for s in spaces:
            for field in ("id", "key", "name", "type", "status", "_links", "_expandable"):
                self.assertIn(field, s)
        only = self.get("/rest/api/space?spaceKey=DOCS&expand=homepage")["results"]
        self.assertEqual([(s["key"], s["homepage"]["title"]) for s in only], [("DOCS", "Home")])
        docs = self.get("/rest/api/space/DOCS?expand=homepage")
        self.assertEqual((docs["id"], docs["homepage"]["title"]), (spaces[1]["id"], "Home"))

    def test_pages_per_space(self):
        pages, _ = dc_walk(self.srv, self.CTX + "/rest/api/content?spaceKey=DOCS&type=page"
                           "&expand=ancestors,version,space&limit=12")
        self.assertEqual(len(pages), 30)
        self.assertEqual({p["space"]["key"] for p in pages}, {"DOCS"})
        home = next(p for p in pages if not p["ancestors"])
        self.assertEqual(home["title"], "Home")
        body = self.get("/rest/api/content/%s?expand=body.storage,space" % home["id"])
        self.assertEqual(body["space"]["key"], "DOCS")
        self.assertIn('<ri:page ri:space-key="DEMO" ri:content-title="Home"/>',
                      body["body"]["storage"]["value"])
        demo = self.get("/rest/api/content/131074?expand=space")
        self.assertEqual(demo["space"]["key"], "DEMO")
        every = self.get("/rest/api/content?type=page&limit=200")
        self.assertEqual(every["size"], 82)
        kids = self.get("/rest/api/content/%s/child/page" % home["id"])["results"]
        self.assertEqual(len(kids), 10)

    def test_blog_posts(self):
        path = (self.CTX + "/rest/api/content?spaceKey=DEMO&type=blogpost&status=current"
                "&expand=history,version,space&start=0&limit=2")
        self.srv.control("reset", "POST")
        posts, replies = dc_walk(self.srv, path)
        self.assertEqual([len(r["results"]) for r in replies], [2, 1])
        self.assertIn("type=blogpost", replies[0]["_links"]["next"])
        self.assertEqual([p["id"] for p in posts], ["131160", "131161", "131162"])
        with open(os.path.join(DEMO, "space.json"), encoding="utf-8") as f:
            fixture = {b["id"]: b for b in json.load(f)["blogposts"]}
        for p in posts:
            want = fixture[p["id"]]
            self.assertEqual((p["type"], p["title"]), ("blogpost", want["title"]))
            self.assertNotIn("extensions", p)
            self.assertEqual(p["version"]["number"], want["version"]["number"])
            self.assertRegex(p["history"]["createdDate"],
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+02:00$")
            self.assertIn("createdBy", p["history"])
            self.assertEqual(p["space"]["key"], "DEMO")
            self.assertTrue(p["_links"]["webui"].startswith("/display/DEMO/%s/"
                                                            % want["createdAt"][:10].replace("-", "/")))
        self.assertEqual(posts[0]["history"]["createdDate"], "2023-03-07T12:15:00.000+02:00")
        no_history = self.get("/rest/api/content?spaceKey=DEMO&type=blogpost&expand=version")
        self.assertNotIn("history", no_history["results"][0])
        docs = self.get("/rest/api/content?spaceKey=DOCS&type=blogpost&limit=200")
        self.assertEqual([p["title"] for p in docs["results"]],
                         ["Weekly update %d" % k for k in range(1, 5)] + ["Weekly update 5 / retro"])
        one = self.get("/rest/api/content/131161?expand=body.storage,version")
        self.assertEqual((one["type"], one["version"]["number"]), ("blogpost", 3))
        self.assertTrue(one["body"]["storage"]["value"].startswith(
            "<p>Page marker cfsword-131161 cfscommon</p>"))
        kinds = self.srv.control("stats")["by_kind"]
        self.assertEqual((kinds["blogposts"], kinds["blogpost"], kinds["pages_of_space"]),
                         (4, 1, 0))

    def test_search(self):
        base = self.CTX + "/rest/api/content/search?"
        docs_home = self.get("/rest/api/space/DOCS")["_expandable"]["homepage"].rsplit("/", 1)[1]
        got = self.get("/rest/api/content/search?" + cql(
            "id in (131162,131074,%s,999)" % docs_home, "body.storage,version"))["results"]
        self.assertEqual([(p["id"], p["type"]) for p in got],
                         [("131074", "page"), ("131162", "blogpost"), (docs_home, "page")])
        blogs, _ = dc_walk(self.srv, base + cql('type=blogpost and space="DOCS"', limit=2))
        self.assertEqual(len(blogs), 5)
        mixed, _ = dc_walk(self.srv, base + cql('type in (page,blogpost) and space="DEMO"',
                                                "metadata.labels", 100))
        self.assertEqual(len(mixed), 55)
        labels = {p["id"]: [x["name"] for x in p["metadata"]["labels"]["results"]]
                  for p in mixed if p["type"] == "blogpost"}
        self.assertEqual(labels["131161"], ["planning", "roadmap"])
        atts, _ = dc_walk(self.srv, base + cql('type=attachment and space="DOCS"',
                                               "version,container"))
        self.assertEqual(len(atts), 2)
        demo_atts, _ = dc_walk(self.srv, base + cql('type=attachment and space="DEMO"', "container"))
        roadmap = next(a for a in demo_atts if a["title"] == "roadmap.csv")
        self.assertEqual((roadmap["container"]["id"], roadmap["container"]["type"]),
                         ("131161", "blogpost"))

    def test_downloads(self):
        atts = self.get("/rest/api/content/131161/child/attachment")["results"]
        self.assertEqual([a["title"] for a in atts], ["roadmap.csv"])
        link = atts[0]["_links"]["download"]
        self.assertTrue(link.startswith("/download/attachments/131161/roadmap.csv?"), link)
        with open(os.path.join(DEMO, "attachments", "roadmap.csv"), "rb") as f:
            want = f.read()
        self.assertEqual(self.srv.request(self.CTX + link, auth=PAT).body, want)
        docs_att = next(a for a in self.srv.control("attachments") if a["spaceKey"] == "DOCS")
        r = self.srv.request(self.CTX + "/download/attachments/%s/%s" % (
            docs_att["pageId"], quote(docs_att["title"])), auth=PAT)
        self.assertEqual((r.status, r.body), (200, media_bytes("1:DOCS", docs_att["id"], 0, 3000)))



if __name__ == "__main__":
    unittest.main(verbosity=2)
