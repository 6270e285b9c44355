#!/usr/bin/env python3
"""test_fake_write: the write endpoints of the fake Confluence server (docs/fake-confluence.md,
"Writes"): page updates with version checks, renames, moves, creates, trash, folders,
labels, attachment uploads, the write log and faults on writes, on both flavors.

Run: python3 tests/test_fake_write.py   (standard library only)
"""

import http.client
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_fake_confluence import BASIC, PAT, FakeServer  # noqa: E402

V2 = "/wiki/api/v2"
DC = "/confluence/rest/api"
JSON = {"Content-Type": "application/json"}


def v2_put(srv, page_id, version, title, value, **extra):
    body = {"id": page_id, "status": "current", "title": title,
            "body": {"representation": "storage", "value": value},
            "version": {"number": version, "message": "edit"}}
    body.update(extra)
    return srv.request("%s/pages/%s" % (V2, page_id), method="PUT", body=body, headers=JSON)


def dc_put(srv, page_id, version, title, value, **extra):
    body = {"id": page_id, "type": "page", "title": title,
            "body": {"storage": {"value": value, "representation": "storage"}},
            "version": {"number": version}}
    body.update(extra)
    return srv.request("%s/content/%s" % (DC, page_id), method="PUT", body=body,
                       headers=JSON, auth=PAT)


class CloudUpdateTest(unittest.TestCase):
    """PUT /wiki/api/v2/pages/{id} and /blogposts/{id}."""

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.srv.control("reset", "POST")
        self.srv.control("fault", "DELETE")

    def page(self, page_id, query="?body-format=storage"):
        return self.srv.get_json("%s/pages/%s%s" % (V2, page_id, query))

    def test_update_publishes_a_new_version(self):
        before = self.page("131082")
        n = before["version"]["number"]
        r = v2_put(self.srv, "131082", n + 1, before["title"], "<p>new body</p>")
        self.assertEqual(r.status, 200, r.body)
        out = r.json()
        self.assertEqual(out["version"]["number"], n + 1)
        self.assertEqual(out["version"]["message"], "edit")
        self.assertEqual(out["body"]["storage"]["value"], "<p>new body</p>")
        self.assertEqual(out["parentId"], before["parentId"])
        after = self.page("131082")
        self.assertEqual(after["body"]["storage"]["value"], "<p>new body</p>")
        self.assertEqual(after["version"]["number"], n + 1)
        self.assertGreater(after["version"]["createdAt"], before["version"]["createdAt"])
        # the old version stays readable, the listing shows the new one
        old = self.page("131082", "?version=%d&body-format=storage" % n)
        self.assertEqual(old["body"]["storage"]["value"], before["body"]["storage"]["value"])
        self.assertEqual(old["version"]["number"], n)
        self.assertEqual(self.srv.request("%s/pages/131082?version=%d" % (V2, n + 5)).status,
                         404)
        rows = self.srv.walk("%s/pages?id=131082" % V2)[0]
        self.assertEqual(rows[0]["version"]["number"], n + 1)
        newest = self.srv.get_json("%s/spaces/131073/pages?sort=-modified-date&limit=1" % V2)
        self.assertEqual(newest["results"][0]["id"], "131082")
        # the write log has it, with the body
        w = self.srv.control("writes")
        self.assertEqual(len(w), 1)
        self.assertEqual((w[0]["method"], w[0]["kind"], w[0]["id"], w[0]["status"],
                          w[0]["applied"], w[0]["version"], w[0]["body"]),
                         ("PUT", "page_update", "131082", 200, True, n + 1, "<p>new body</p>"))
        self.assertEqual(w[0]["request"]["version"]["number"], n + 1)
        self.assertEqual(self.srv.control("stats")["writes"], 1)

    def test_stale_or_skipped_version_is_409(self):
        n = self.page("131083")["version"]["number"]
        for number in (n, n + 2, 1):
            r = v2_put(self.srv, "131083", number, "Anything", "<p>x</p>")
            self.assertEqual(r.status, 409)
            self.assertEqual(r.json(), {"errors": [{
                "status": "409", "code": "CONFLICT",
                "title": "Version must be incremented when updating a page. Current Version: "
                         "[%d]. Provided version: [%d]" % (n, number), "detail": None}]})
        self.assertEqual(self.page("131083")["version"]["number"], n)
        w = self.srv.control("writes")
        self.assertEqual([(x["status"], x["applied"]) for x in w], [(409, False)] * 3)

    def test_behind_the_back_edit_makes_a_conflict(self):
        p = self.page("131084")
        n = p["version"]["number"]
        self.srv.control("page/131084", "POST", {"body": "<p>theirs</p>"})
        r = v2_put(self.srv, "131084", n + 1, p["title"], "<p>mine</p>")
        self.assertEqual(r.status, 409)
        self.assertIn("Current Version: [%d]" % (n + 1), r.json()["errors"][0]["title"])
        old = self.page("131084", "?version=%d&body-format=storage" % n)
        self.assertEqual(old["body"]["storage"]["value"], p["body"]["storage"]["value"])
        self.assertEqual(self.page("131084")["body"]["storage"]["value"], "<p>theirs</p>")
        self.assertEqual(self.srv.control("writes")[0]["applied"], False)

    def test_rename_and_title_clash(self):
        p = self.page("131085")
        n = p["version"]["number"]
        other = self.page("131087")["title"]
        r = v2_put(self.srv, "131085", n + 1, other.upper(), "<p>x</p>")
        self.assertEqual(r.status, 400)
        err = r.json()["errors"][0]
        self.assertEqual((err["status"], err["code"]), (400, "INVALID_REQUEST_PARAMETER"))
        self.assertIn("already exists with the same TITLE", err["title"])
        r = v2_put(self.srv, "131085", n + 1, "Renamed page", "<p>x</p>")
        self.assertEqual(r.status, 200)
        self.assertEqual(self.page("131085", "")["title"], "Renamed page")
        found = self.srv.get_json("%s/pages?title=Renamed%%20page" % V2)["results"]
        self.assertEqual([x["id"] for x in found], ["131085"])
        self.assertEqual(self.page("131085", "?version=%d" % n)["title"], p["title"])
        # 131086 shares its title with 131085 (now renamed): keeping it is no clash
        q = self.page("131086")
        self.srv.control("page/131085", "POST", {"title": q["title"]})
        r = v2_put(self.srv, "131086", q["version"]["number"] + 1, q["title"], "<p>y</p>")
        self.assertEqual(r.status, 200, r.body)

    def test_move_by_parent_id(self):
        p = self.page("131087", "")
        n = p["version"]["number"]
        home = "131074"
        self.assertNotEqual(p["parentId"], home)
        r = v2_put(self.srv, "131087", n + 1, p["title"], "<p>moved</p>", parentId=home)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["parentId"], home)
        kids = [k["id"] for k in self.srv.walk("%s/pages/%s/children" % (V2, home))[0]]
        self.assertEqual(kids[-1], "131087")
        old_kids = [k["id"] for k in self.srv.walk("%s/pages/%s/children"
                                                   % (V2, p["parentId"]))[0]]
        self.assertNotIn("131087", old_kids)
        # under itself or a descendant: 400, nothing changes
        r = v2_put(self.srv, home, self.page(home)["version"]["number"] + 1,
                   self.page(home)["title"], "<p>x</p>", parentId="131087")
        self.assertEqual(r.status, 400)
        r = v2_put(self.srv, "131087", n + 2, p["title"], "<p>x</p>", parentId="99999999")
        self.assertEqual(r.status, 404)
        self.assertEqual(self.page("131087", "")["version"]["number"], n + 1)

    def test_bad_bodies(self):
        n = self.page("131093")["version"]["number"]
        good = {"id": "131093", "status": "current", "title": "T",
                "body": {"representation": "storage", "value": "<p>x</p>"},
                "version": {"number": n + 1}}
        cases = [dict(good, id="131094"), dict(good, status="draft"),
                 dict(good, body={"representation": "wiki", "value": "h1. x"}),
                 dict(good, version={"number": "two"}), dict(good, spaceId="1"),
                 {k: v for k, v in good.items() if k != "version"}, dict(good, title="")]
        for body in cases:
            r = self.srv.request("%s/pages/131093" % V2, method="PUT", body=body, headers=JSON)
            self.assertEqual(r.status, 400, body)
            self.assertEqual(r.json()["errors"][0]["status"], 400)
        r = self.srv.request("%s/pages/131093" % V2, method="PUT", body=b"not json",
                             headers=JSON)
        self.assertEqual(r.status, 400)
        # the nested body form is accepted too
        r = self.srv.request("%s/pages/131093" % V2, method="PUT", headers=JSON, body=dict(
            good, body={"storage": {"representation": "storage", "value": "<p>nested</p>"}}))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.page("131093")["body"]["storage"]["value"], "<p>nested</p>")
        r = v2_put(self.srv, "99999999", 2, "T", "<p>x</p>")
        self.assertEqual(r.status, 404)
        r = self.srv.request("%s/pages/131093" % V2, method="PUT", auth=None, body=good,
                             headers=JSON)
        self.assertEqual(r.status, 401)

    def test_blogpost_update(self):
        posts = self.srv.walk("%s/spaces/131073/blogposts" % V2)[0]
        post = posts[0]
        n = post["version"]["number"]
        body = {"id": post["id"], "status": "current", "title": post["title"] + " (2)",
                "body": {"representation": "storage", "value": "<p>blog</p>"},
                "version": {"number": n + 1}}
        r = self.srv.request("%s/blogposts/%s" % (V2, post["id"]), method="PUT", body=body,
                             headers=JSON)
        self.assertEqual(r.status, 200, r.body)
        got = self.srv.get_json("%s/blogposts/%s?body-format=storage" % (V2, post["id"]))
        self.assertEqual((got["title"], got["body"]["storage"]["value"]),
                         (post["title"] + " (2)", "<p>blog</p>"))
        old = self.srv.get_json("%s/blogposts/%s?version=%d" % (V2, post["id"], n))
        self.assertEqual(old["title"], post["title"])
        r = self.srv.request("%s/blogposts/%s" % (V2, post["id"]), method="PUT", body=body,
                             headers=JSON)
        self.assertEqual(r.status, 409)


class WriteFaultTest(unittest.TestCase):
    """Faults on write endpoints: refused, applied-then-lost, method filters."""

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.srv.control("reset", "POST")
        self.srv.control("fault", "DELETE")

    def version(self, page_id):
        return self.srv.get_json("%s/pages/%s" % (V2, page_id))["version"]["number"]

    def arm(self, **spec):
        r = self.srv.request("/_fake/fault", method="POST", auth=None, body=spec)
        self.assertEqual(r.status, 200, r.body)

    def test_status_fault_is_not_applied(self):
        for status in (500, 403, 401, 409):
            n = self.version("131090")
            self.arm(kind="status", status=status, match=r"^/wiki/api/v2/pages/131090$",
                     method="PUT")
            self.assertEqual(self.version("131090"), n)  # a GET is not faulted
            r = v2_put(self.srv, "131090", n + 1, "Fault target", "<p>x</p>")
            self.assertEqual(r.status, status)
            self.assertEqual(r.json()["errors"][0]["status"], status)
            self.assertEqual(self.version("131090"), n)
        w = self.srv.control("writes")
        self.assertEqual([(x["status"], x["applied"], x["fault"]) for x in w],
                         [(s, False, "status") for s in (500, 403, 401, 409)])

    def test_reset_after_applying(self):
        n = self.version("131091")
        self.arm(kind="reset", match=r"^/wiki/api/v2/pages/131091$", method="PUT", apply=True)
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            v2_put(self.srv, "131091", n + 1, "Applied anyway", "<p>applied</p>")
        got = self.srv.get_json("%s/pages/131091?body-format=storage" % V2)
        self.assertEqual((got["version"]["number"], got["body"]["storage"]["value"]),
                         (n + 1, "<p>applied</p>"))
        w = self.srv.control("writes")
        self.assertEqual((w[0]["applied"], w[0]["status"], w[0]["fault"]), (True, 0, "reset"))
        # a blind retry of the same PUT is then a conflict, not a second version
        r = v2_put(self.srv, "131091", n + 1, "Applied anyway", "<p>applied</p>")
        self.assertEqual(r.status, 409)

    def test_status_after_applying_and_stall_after_applying(self):
        n = self.version("131092")
        self.arm(kind="status", status=504, match=r"/pages/131092$", method="PUT", apply=True)
        r = v2_put(self.srv, "131092", n + 1, "Gateway lost it", "<p>1</p>")
        self.assertEqual(r.status, 504)
        self.assertEqual(self.version("131092"), n + 1)
        self.arm(kind="stall", stall_s=3, match=r"/pages/131092$", method="PUT", apply=True)
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=0.5)
        with self.assertRaises(socket.timeout):
            self.srv.request("%s/pages/131092" % V2, method="PUT", headers=JSON, conn=conn,
                             body={"id": "131092", "status": "current", "title": "Timed",
                                   "body": {"representation": "storage", "value": "<p>2</p>"},
                                   "version": {"number": n + 2}})
        conn.close()
        self.assertEqual(self.version("131092"), n + 2)  # applied before the stall

    def test_bad_fault_specs(self):
        for spec in ({"kind": "truncate", "apply": True}, {"kind": "status", "method": 3}):
            r = self.srv.request("/_fake/fault", method="POST", auth=None, body=spec)
            self.assertEqual(r.status, 400, spec)


class DcUpdateTest(unittest.TestCase):
    """PUT /confluence/rest/api/content/{id} on --flavor dc."""

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer("--flavor", "dc")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.srv.control("reset", "POST")
        self.srv.control("fault", "DELETE")

    def get(self, page_id, query="?expand=body.storage,version,ancestors"):
        return self.srv.get_json("%s/content/%s%s" % (DC, page_id, query), auth=PAT)

    def test_update_conflict_and_history(self):
        p = self.get("131082")
        n = p["version"]["number"]
        r = dc_put(self.srv, "131082", n + 1, p["title"], "<p>dc body</p>")
        self.assertEqual(r.status, 200, r.body)
        out = r.json()
        self.assertEqual(out["version"]["number"], n + 1)
        self.assertEqual(out["body"]["storage"]["value"], "<p>dc body</p>")
        self.assertEqual(self.get("131082")["body"]["storage"]["value"], "<p>dc body</p>")
        old = self.get("131082", "?version=%d&expand=body.storage,version" % n)
        self.assertEqual(old["body"]["storage"]["value"], p["body"]["storage"]["value"])
        r = dc_put(self.srv, "131082", n + 1, p["title"], "<p>again</p>")
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json(), {
            "statusCode": 409, "data": {"authorized": True, "valid": True, "errors": [],
                                        "successful": False},
            "message": "Version must be incremented on update. Current version is: %d" % (n + 1),
            "reason": "Conflict"})
        w = self.srv.control("writes")
        self.assertEqual([(x["kind"], x["status"], x["applied"]) for x in w],
                         [("page_update", 200, True), ("page_update", 409, False)])
        self.assertEqual(w[0]["body"], "<p>dc body</p>")

    def test_rename_move_and_errors(self):
        p = self.get("131083")
        n = p["version"]["number"]
        r = dc_put(self.srv, "131083", n + 1, "DC renamed", "<p>x</p>",
                   ancestors=[{"id": "131074"}])
        self.assertEqual(r.status, 200, r.body)
        got = self.get("131083")
        self.assertEqual((got["title"], got["ancestors"][-1]["id"]), ("DC renamed", "131074"))
        clash = self.get("131084")["title"]
        r = dc_put(self.srv, "131083", n + 2, clash, "<p>x</p>")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["statusCode"], 400)
        r = dc_put(self.srv, "131083", n + 2, "T", "<p>x</p>", type="blogpost")
        self.assertEqual(r.status, 400)
        r = dc_put(self.srv, "99999999", 2, "T", "<p>x</p>")
        self.assertEqual(r.status, 404)
        r = self.srv.request("%s/content/131083" % DC, method="PUT", headers=JSON, auth=None,
                             body={"id": "131083", "title": "x", "version": {"number": n + 2}})
        self.assertEqual(r.status, 401)

    def test_fault_on_dc_put(self):
        n = self.get("131085")["version"]["number"]
        r = self.srv.request("/_fake/fault", method="POST", auth=None, body={
            "kind": "status", "status": 500, "match": "/content/131085$", "method": "PUT"})
        self.assertEqual(r.status, 200)
        r = dc_put(self.srv, "131085", n + 1, self.get("131085")["title"], "<p>x</p>")
        self.assertEqual(r.status, 500)
        self.assertEqual(r.json()["statusCode"], 500)
        self.assertEqual(self.get("131085")["version"]["number"], n)


def cql_labels(srv, page_id, prefix, auth):
    """The labels a CQL search (expand=metadata.labels) shows for one page."""
    path = "%s/rest/api/content/search?cql=%s&expand=metadata.labels&limit=250" % (
        prefix, "type%3Dpage")
    found = []
    while path:
        data = srv.get_json(path, auth=auth)
        found += [r for r in data["results"] if r["id"] == page_id]
        nxt = data["_links"].get("next")
        path = (prefix + nxt) if nxt and not nxt.startswith(prefix) else nxt
    return [x["name"] for x in found[0]["metadata"]["labels"]["results"]]


class LabelTest(unittest.TestCase):
    """v1 labels on both flavors, and what the searches then show."""

    def run_flavor(self, flavor, prefix, auth):
        srv = FakeServer("--flavor", flavor)
        try:
            base = "%s/rest/api/content/131082/label" % prefix
            before = [x["name"] for x in srv.get_json(base, auth=auth)["results"]]
            r = srv.request(base, method="POST", auth=auth, headers=JSON,
                            body=[{"prefix": "global", "name": "Release-Notes"},
                                  {"prefix": "global", "name": "ops"}])
            self.assertEqual(r.status, 200, r.body)
            names = [x["name"] for x in r.json()["results"]]
            self.assertEqual(names, before + ["release-notes", "ops"])
            self.assertEqual(r.json()["results"][0]["prefix"], "global")
            self.assertEqual(cql_labels(srv, "131082", prefix, auth), names)
            r = srv.request(base + "/ops", method="DELETE", auth=auth)
            self.assertEqual(r.status, 204)
            r = srv.request(base + "?name=release-notes", method="DELETE", auth=auth)
            self.assertEqual(r.status, 204)
            self.assertEqual([x["name"] for x in srv.get_json(base, auth=auth)["results"]],
                             before)
            self.assertEqual(cql_labels(srv, "131082", prefix, auth), before)
            r = srv.request(base + "/ops", method="DELETE", auth=auth)
            self.assertEqual(r.status, 404)
            self.assertEqual(r.json()["statusCode"], 404)
            for bad in ([{"prefix": "global", "name": "two words"}], [], {"name": ""},
                        [{"prefix": "bogus", "name": "x"}]):
                r = srv.request(base, method="POST", auth=auth, headers=JSON, body=bad)
                self.assertEqual(r.status, 400, bad)
                self.assertEqual(r.json()["statusCode"], 400)
            r = srv.request(base, method="POST", auth=auth, headers=JSON,
                            body={"prefix": "global", "name": "single"})
            self.assertEqual(r.status, 200)
            r = srv.request("%s/rest/api/content/99999999/label" % prefix, method="POST",
                            auth=auth, headers=JSON, body=[{"name": "x"}])
            self.assertEqual(r.status, 404)
            w = srv.control("writes")
            self.assertEqual([(x["kind"], x["status"]) for x in w[:3]],
                             [("labels", 200), ("label_delete", 204), ("label_delete", 204)])
            self.assertEqual(w[0]["labels"], names)
            return srv.control("stats")["by_kind"]
        finally:
            srv.stop()

    def test_cloud(self):
        kinds = self.run_flavor("cloud", "/wiki", BASIC)
        self.assertEqual(kinds["label_delete"], 3)

    def test_labels_changed_behind_the_back(self):
        srv = FakeServer()
        try:
            srv.control("page/131084", "POST", {"labels": ["theirs"], "bump_version": False})
            got = srv.get_json("/wiki/rest/api/content/131084/label")["results"]
            self.assertEqual([x["name"] for x in got], ["theirs"])
            self.assertEqual(cql_labels(srv, "131084", "/wiki", BASIC), ["theirs"])
            r = srv.request("/_fake/page/131084", method="POST", auth=None,
                            body={"labels": "theirs"})
            self.assertEqual(r.status, 400)
        finally:
            srv.stop()

    def test_cloud_v2_listing(self):
        srv = FakeServer()
        try:
            srv.request("/wiki/rest/api/content/131083/label", method="POST", headers=JSON,
                        body=[{"prefix": "global", "name": "fresh"}])
            rows = srv.get_json("%s/pages/131083/labels" % V2)["results"]
            self.assertIn({"id": rows[-1]["id"], "name": "fresh", "prefix": "global"}, rows)
        finally:
            srv.stop()

    def test_dc(self):
        self.run_flavor("dc", "/confluence", PAT)


if __name__ == "__main__":
    unittest.main(verbosity=1)
