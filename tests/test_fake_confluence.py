#!/usr/bin/env python3
"""test_fake_confluence: the fake Confluence server (scripts/fake-confluence) against its contract:
the Cloud flavor and the command line (the Data Center flavor: test_fake_dc.py).

Run: python3 tests/test_fake_confluence.py   (standard library only; about 10-20 s)
"""

import base64
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.dom.minidom
from urllib.parse import quote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "scripts", "fake-confluence")
DEMO = os.path.join(HERE, "fixtures", "demo")
USER, TOKEN = "demo@example.com", "demo-token"
BASIC = "Basic " + base64.b64encode(("%s:%s" % (USER, TOKEN)).encode()).decode()
PAT = "Bearer " + TOKEN  # a Data Center personal access token


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class FakeServer:
    """scripts/fake-confluence on a free port; stop() returns its exit status."""

    def __init__(self, *args, port_file=None):
        self.stderr = tempfile.TemporaryFile()
        cmd = [sys.executable, SCRIPT, "--port", "0", "--quiet"] + list(args)
        if port_file:
            cmd += ["--port-file", port_file]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr)
        if port_file:  # --quiet with --port-file prints nothing: the port is in the file
            deadline = time.time() + 30
            while not os.path.exists(port_file) and self.proc.poll() is None and \
                    time.time() < deadline:
                time.sleep(0.02)
            line = "http://127.0.0.1:" + open(port_file).read().strip() \
                if os.path.exists(port_file) else ""
        else:
            line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            self.stderr.seek(0)
            raise RuntimeError("server did not start: %r %s" % (line, self.stderr.read()))
        self.url = line
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(10)
        finally:
            self.proc.stdout.close()
            self.stderr.close()

    def request(self, path, method="GET", auth=BASIC, headers=None, body=None,
                host="127.0.0.1", conn=None):
        hdrs = dict(headers or {})
        if auth:
            hdrs["Authorization"] = auth
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        own = conn is None
        conn = conn or http.client.HTTPConnection(host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return Reply(resp.status, resp.getheaders(), data)
        finally:
            if own:
                conn.close()

    def get_json(self, path, **kw):
        r = self.request(path, **kw)
        assert r.status == 200, (path, r.status, r.body[:300])
        return r.json()

    def control(self, path, method="GET", body=None):
        return self.request("/_fake/" + path, method=method, auth=None, body=body).json()

    def walk(self, path):
        """Follow _links.next to the end; returns (results, replies)."""
        results, replies = [], []
        while path:
            r = self.request(path)
            assert r.status == 200, (path, r.status, r.body[:300])
            replies.append(r)
            data = r.json()
            results += data["results"]
            path = data["_links"].get("next")
        return results, replies


def media_bytes(seed, att_id, start, end):
    """Bytes [start, end) of a generated attachment, by the scheme in docs/fake-confluence.md."""
    out = bytearray()
    for k in range(start // 65536, (end - 1) // 65536 + 1):
        out += hashlib.shake_256(("cfs-att:%s:%s:%d" % (seed, att_id, k)).encode()).digest(65536)
    first = (start // 65536) * 65536
    return bytes(out[start - first:end - first])


def link_next(reply):
    header = reply.header("Link")
    if not header:
        return None
    for part in header.split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip()[1:-1]
    return None


class DemoSpaceTest(unittest.TestCase):
    """The bundled demo fixture, read-only."""

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer()
        cls.pages, _ = cls.srv.walk("/wiki/api/v2/spaces/131073/pages?limit=250")
        cls.by_title = {}
        for p in cls.pages:
            cls.by_title.setdefault(p["title"], []).append(p)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_user_current_auth(self):
        anon = self.srv.get_json("/wiki/rest/api/user/current", auth=None)
        self.assertEqual(anon["type"], "anonymous")
        known = self.srv.get_json("/wiki/rest/api/user/current")
        self.assertEqual(known["type"], "known")
        self.assertEqual(known["email"], USER)
        self.assertTrue(known["accountId"])
        bearer = self.srv.get_json("/wiki/rest/api/user/current", auth="Bearer " + TOKEN)
        self.assertEqual(bearer["type"], "known")
        for bad in ("Basic " + base64.b64encode(b"demo@example.com:nope").decode(),
                    "Basic " + base64.b64encode(b"other@example.com:demo-token").decode(),
                    "Bearer nope", "Basic !!!"):
            r = self.srv.request("/wiki/rest/api/user/current", auth=bad)
            self.assertEqual(r.status, 401, bad)
            self.assertEqual(r.json(), {"code": 401, "message": "Unauthorized; scope does not match"})

    def test_api_refuses_missing_or_wrong_auth(self):
        for auth in (None, "Bearer wrong"):
            r = self.srv.request("/wiki/api/v2/spaces?keys=DEMO", auth=auth)
            self.assertEqual(r.status, 401)
            self.assertEqual(r.json()["code"], 401)

    def test_space_by_key(self):
        data = self.srv.get_json("/wiki/api/v2/spaces?keys=DEMO")
        space = data["results"][0]
        self.assertEqual((space["id"], space["key"], space["homepageId"]), ("131073", "DEMO", "131074"))
        for field in ("name", "type", "status", "createdAt", "authorId", "_links"):
            self.assertIn(field, space)
        self.assertEqual(data["_links"]["base"], self.srv.url + "/wiki")
        self.assertEqual(self.srv.get_json("/wiki/api/v2/spaces?keys=NOPE")["results"], [])
        self.assertEqual(len(self.srv.get_json("/wiki/api/v2/spaces?keys=NOPE,DEMO")["results"]), 1)

    def test_unknown_space_pages_404(self):
        r = self.srv.request("/wiki/api/v2/spaces/999/pages")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json(), {"errors": [{"status": 404, "code": "NOT_FOUND",
                                                "title": "Not Found", "detail": None}]})

    def test_demo_tree_shape(self):
        self.assertEqual(len(self.pages), 52)
        ids = {p["id"]: p for p in self.pages}

        def depth(p):
            return 0 if p["parentId"] is None else 1 + depth(ids[p["parentId"]])
        self.assertGreaterEqual(max(depth(p) for p in self.pages), 3)
        for title in ("CI/CD", "..", "_attachments", "Überblick — 日本語", "Other Page"):
            self.assertIn(title, self.by_title)
        self.assertEqual(len(self.by_title["Database failover"]), 2)
        self.assertEqual(len({p["parentId"] for p in self.by_title["Database failover"]}), 1)
        self.assertTrue(any(len(t.encode()) == 300 for t in self.by_title))
        self.assertTrue(any(p["version"]["number"] > 10 for p in self.pages))
        counts = {}
        for p in self.pages:
            counts[p["parentId"]] = counts.get(p["parentId"], 0) + 1
        self.assertGreater(max(v for k, v in counts.items() if k), 25)
        roots = self.srv.walk("/wiki/api/v2/spaces/131073/pages?depth=root")[0]
        self.assertEqual([p["title"] for p in roots], ["Home", "Archive"])
        for p in self.pages:
            self.assertEqual(p["body"], {})
            for field in ("id", "status", "title", "spaceId", "parentId", "parentType", "position",
                          "authorId", "createdAt", "version", "_links"):
                self.assertIn(field, p)
            for field in ("number", "createdAt", "authorId", "message", "minorEdit"):
                self.assertIn(field, p["version"])
            for field in ("webui", "editui", "tinyui"):
                self.assertIn(field, p["_links"])

    def test_page_body(self):
        page = self.srv.get_json("/wiki/api/v2/pages/131094?body-format=storage")
        body = page["body"]["storage"]
        self.assertEqual(body["representation"], "storage")
        self.assertTrue(body["value"].startswith("<p>Page marker cfsword-131094 cfscommon</p>"))
        self.assertIn('ri:filename="figure_raster.png"', body["value"])
        self.assertEqual(page["_links"]["base"], self.srv.url + "/wiki")
        bare = self.srv.get_json("/wiki/api/v2/pages/131094")
        self.assertEqual(bare["body"], {})
        self.assertEqual(self.srv.request("/wiki/api/v2/pages/1").status, 404)
        self.assertEqual(self.srv.request("/wiki/api/v2/pages/abc").status, 400)
        every = self.srv.walk("/wiki/api/v2/spaces/131073/pages?limit=250&body-format=storage")[0]
        for p in every:
            xml.dom.minidom.parseString(  # every body is well-formed once namespaces exist
                '<r xmlns:ac="a" xmlns:ri="r" xmlns:at="t">%s</r>' % wrap_entities(
                    p["body"]["storage"]["value"]))

    def test_children_default_limit(self):
        results, replies = self.srv.walk("/wiki/api/v2/pages/131110/direct-children")
        self.assertEqual([len(r.json()["results"]) for r in replies], [25, 5])
        self.assertEqual(len({c["id"] for c in results}), 30)
        positions = [c["childPosition"] for c in results]
        self.assertEqual(positions, sorted(positions))
        self.assertNotEqual([c["id"] for c in results], sorted(c["id"] for c in results))
        self.assertTrue(all(c["type"] == "page" for c in results))
        old, _ = self.srv.walk("/wiki/api/v2/pages/131110/children?limit=7")
        self.assertEqual([c["id"] for c in old], [c["id"] for c in results])
        self.assertNotIn("type", old[0])
        self.assertEqual(self.srv.request("/wiki/api/v2/pages/1/children").status, 404)

    def test_attachments_download_range_and_leak(self):
        atts = self.srv.get_json("/wiki/api/v2/pages/131095/attachments")["results"]
        self.assertEqual([a["title"] for a in atts], ["diagram.png", "notes.txt"])
        for field in ("id", "title", "fileSize", "mediaType", "version", "downloadLink", "pageId",
                      "fileId", "_links", "createdAt", "status"):
            self.assertIn(field, atts[0])
        png = next(a for a in atts if a["title"] == "diagram.png")
        with open(os.path.join(DEMO, "attachments", "diagram.png"), "rb") as f:
            want = f.read()
        self.assertEqual(png["fileSize"], len(want))
        self.assertTrue(want.startswith(b"\x89PNG\r\n\x1a\n"))
        r = self.srv.request("/wiki/rest/api/content/131095/child/attachment/%s/download" % png["id"])
        self.assertEqual(r.status, 302)
        loc = urlsplit(r.header("Location"))
        self.assertEqual((loc.hostname, loc.port), ("localhost", self.srv.port))
        media = loc.path + "?" + loc.query
        before = self.srv.control("stats")
        got = self.srv.request(media, auth=None)
        self.assertEqual((got.status, got.body), (200, want))
        self.assertEqual(got.header("Content-Type"), "image/png")
        r = self.srv.request(media, auth=None, headers={"Range": "bytes=2-9"})
        self.assertEqual((r.status, r.body, r.header("Content-Range")),
                         (206, want[2:10], "bytes 2-9/%d" % len(want)))
        r = self.srv.request(media, auth=None, headers={"Range": "bytes=10-"})
        self.assertEqual((r.status, r.body), (206, want[10:]))
        r = self.srv.request(media, auth=None, headers={"Range": "bytes=-7"})
        self.assertEqual((r.status, r.body), (206, want[-7:]))
        r = self.srv.request(media, auth=None, headers={"Range": "bytes=%d-" % len(want)})
        self.assertEqual(r.status, 416)
        leak = self.srv.request(media)
        self.assertEqual(leak.status, 400)
        after = self.srv.control("stats")
        self.assertEqual(after["credential_leaks"], before["credential_leaks"] + 1)
        self.assertEqual(after["attachment_bytes"] - before["attachment_bytes"],
                         len(want) + 8 + (len(want) - 10) + 7)
        r = self.srv.request("/wiki/rest/api/content/131095/child/attachment/%s/download"
                             % png["id"], host="localhost")
        self.assertEqual(urlsplit(r.header("Location")).hostname, "127.0.0.1")
        self.assertEqual(self.srv.request("/wiki" + png["downloadLink"]).status, 401)
        r = self.srv.request("/wiki/rest/api/content/131094/child/attachment/%s/download" % png["id"])
        self.assertEqual(r.status, 404)
        self.assertEqual(self.srv.request(media.replace("token=", "token=x"), auth=None).status, 401)

    def test_bulk_pages(self):
        data = self.srv.get_json("/wiki/api/v2/pages?id=131081,131074&id=131083&body-format=storage")
        self.assertEqual([p["id"] for p in data["results"]], ["131074", "131081", "131083"])
        for p in data["results"]:
            self.assertIn("cfsword-%s" % p["id"], p["body"]["storage"]["value"])
        ids = ",".join(str(131000 + i) for i in range(251))
        self.assertEqual(self.srv.request("/wiki/api/v2/pages?id=" + ids).status, 400)

    def test_unknown_path_and_method(self):
        r = self.srv.request("/wiki/api/v2/nothing")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["errors"][0]["status"], 404)
        self.assertEqual(self.srv.request("/wiki/api/v2/pages/131074", method="POST",
                                          body={}).status, 405)
        self.assertEqual(self.srv.request("/wiki/api/v2/pages?limit=x").status, 400)
        self.assertEqual(self.srv.request("/wiki/api/v2/pages?cursor=garbage").status, 400)

    def test_keep_alive(self):
        self.srv.control("reset", "POST")
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        for _ in range(5):
            self.assertEqual(self.srv.request("/wiki/api/v2/pages/131074", conn=conn).status, 200)
        conn.close()
        stats = self.srv.control("stats")
        self.assertEqual(stats["by_kind"]["page"], 5)
        self.assertEqual(stats["connections"], 2)  # the keep-alive one + this stats request


def wrap_entities(text):
    """Storage uses HTML named entities; make them XML-safe for the well-formedness check."""
    import re
    return re.sub(r"&([a-zA-Z][a-zA-Z0-9]*);",
                  lambda m: m.group(0) if m.group(1) in ("amp", "lt", "gt", "quot", "apos")
                  else "&amp;%s;" % m.group(1), text)


class GeneratedSpaceTest(unittest.TestCase):
    """--pages 1001 --fanout 1000: the home page has exactly 1,000 children."""

    SEED = 42

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer("--pages", "1001", "--fanout", "1000", "--seed", str(cls.SEED),
                             "--attachments", "4", "--attachment-size", "200000",
                             "--body-bytes", "4096")
        cls.space = cls.srv.get_json("/wiki/api/v2/spaces?keys=GEN")["results"][0]
        cls.home = cls.space["homepageId"]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.srv.request("/_fake/fault", method="DELETE", auth=None)
        self.srv.control("latency", "POST", {"ms": 0})

    def check_pagination(self, path, batch):
        results, replies = self.srv.walk(path)
        self.assertEqual(len(results), 1000)
        self.assertEqual(len({c["id"] for c in results}), 1000)
        positions = [c["childPosition"] for c in results]
        self.assertEqual(positions, sorted(positions))
        for r in replies[:-1]:
            self.assertEqual(len(r.json()["results"]), batch)
            self.assertEqual(link_next(r), r.json()["_links"]["next"])
            self.assertTrue(r.json()["_links"]["next"].startswith("/wiki/api/v2/"))
        self.assertNotIn("next", replies[-1].json()["_links"])
        self.assertIsNone(link_next(replies[-1]))
        return results

    def test_1000_children_limit_250(self):
        a = self.check_pagination("/wiki/api/v2/pages/%s/direct-children?limit=250" % self.home, 250)
        b = self.check_pagination("/wiki/api/v2/pages/%s/children?limit=1000" % self.home, 250)
        self.assertEqual([c["id"] for c in a], [c["id"] for c in b])

    def test_1000_children_default_limit(self):
        self.check_pagination("/wiki/api/v2/pages/%s/children" % self.home, 25)

    def test_space_pages_all_and_root(self):
        pages, replies = self.srv.walk("/wiki/api/v2/spaces/%s/pages?depth=all&limit=250"
                                       % self.space["id"])
        self.assertEqual(len(pages), 1001)
        self.assertEqual(len(replies), 5)
        roots = self.srv.walk("/wiki/api/v2/spaces/%s/pages?depth=root" % self.space["id"])[0]
        self.assertEqual([p["id"] for p in roots], [self.home])

    def test_tricky_titles(self):
        kids = self.srv.walk("/wiki/api/v2/pages/%s/children?limit=250" % self.home)[0]
        titles = [c["title"] for c in kids]
        for t in ("CI/CD pipeline", "Überblick — 日本語", "..", "_attachments"):
            self.assertIn(t, titles)
        self.assertTrue(any(len(t.encode()) == 300 for t in titles))
        self.assertLess(len(set(titles)), len(titles))  # deliberate sibling collisions

    def test_bodies(self):
        kids = self.srv.walk("/wiki/api/v2/pages/%s/children?limit=250" % self.home)[0][:40]
        ids = [c["id"] for c in kids]
        self.srv.control("reset", "POST")
        data = self.srv.get_json("/wiki/api/v2/pages?limit=250&body-format=storage&id="
                                 + ",".join(ids))
        self.assertEqual(len(data["results"]), 40)
        for p in data["results"]:
            value = p["body"]["storage"]["value"]
            self.assertTrue(value.startswith("<p>Page marker cfsword-%s cfscommon</p>" % p["id"]))
            self.assertLessEqual(len(value.encode()), 4096 + 1024)
            self.assertIn("ri:content-title=", value)  # link to the parent page
        one = self.srv.get_json("/wiki/api/v2/pages/%s?body-format=storage" % ids[0])
        self.assertGreater(len(one["body"]["storage"]["value"]), 1000)
        fetches = self.srv.control("stats")["body_fetches"]
        self.assertEqual(fetches[ids[0]], 2)
        self.assertEqual(fetches[ids[1]], 1)

    def test_generated_attachment_bytes(self):
        atts = self.srv.control("attachments")
        self.assertEqual(len(atts), 4)
        att = atts[0]
        listing = self.srv.get_json("/wiki/api/v2/pages/%s/attachments" % att["pageId"])["results"]
        self.assertIn(att["id"], [a["id"] for a in listing])
        r = self.srv.request("/wiki/rest/api/content/%s/child/attachment/%s/download"
                             % (att["pageId"], att["id"]))
        loc = urlsplit(r.header("Location"))
        media = loc.path + "?" + loc.query
        whole = self.srv.request(media, auth=None, host="localhost")
        self.assertEqual(len(whole.body), 200000)
        self.assertEqual(whole.body, media_bytes(self.SEED, att["id"], 0, 200000))
        r = self.srv.request(media, auth=None, headers={"Range": "bytes=65530-65545"})
        self.assertEqual(r.body, whole.body[65530:65546])
        self.assertEqual(r.body, media_bytes(self.SEED, att["id"], 65530, 65546))
        r = self.srv.request(media, auth=None, headers={"Range": "bytes=-100"})
        self.assertEqual(r.body, whole.body[-100:])

    def test_peak_in_flight_and_log(self):
        self.srv.control("latency", "POST", {"ms": 300})
        self.srv.control("reset", "POST")
        codes = []

        def one():
            codes.append(self.srv.request("/wiki/api/v2/pages/%s" % self.home).status)
        threads = [threading.Thread(target=one) for _ in range(10)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertLess(time.monotonic() - t0, 2.5)  # served concurrently, not one by one
        stats = self.srv.control("stats")
        self.assertEqual(codes, [200] * 10)
        self.assertEqual(stats["peak_in_flight"], 10)
        self.assertEqual(stats["in_flight"], 0)
        self.assertEqual(stats["requests"], 10)
        self.srv.control("latency", "POST", {"ms": 0})
        self.srv.control("reset", "POST")
        for path in ("/wiki/api/v2/spaces?keys=GEN", "/wiki/api/v2/pages/%s" % self.home,
                     "/wiki/api/v2/pages/1"):
            self.srv.request(path)
        log = self.srv.control("log")
        self.assertEqual([e["seq"] for e in log], [1, 2, 3])
        self.assertEqual([e["status"] for e in log], [200, 200, 404])
        self.assertEqual([e["kind"] for e in log], ["space", "page", "page"])
        for a, b in zip(log, log[1:]):
            self.assertLess(a["start"], a["end"])
            self.assertLess(a["end"], b["start"])

    def test_hundreds_of_connections(self):
        self.srv.control("latency", "POST", {"ms": 200})
        self.srv.control("reset", "POST")
        codes = []
        lock = threading.Lock()

        def one():
            r = self.srv.request("/wiki/api/v2/pages/%s/attachments" % self.home)
            with lock:
                codes.append(r.status)
        threads = [threading.Thread(target=one) for _ in range(300)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(codes, [200] * 300)
        self.assertGreater(self.srv.control("stats")["peak_in_flight"], 50)

    def test_fault_status_and_retry_after(self):
        path = "/wiki/api/v2/pages/%s" % self.home
        self.srv.control("fault", "POST", {"match": "^/wiki/api/v2/pages/", "kind": "status",
                                           "status": 503, "count": 2})
        for _ in range(2):
            r = self.srv.request(path)
            self.assertEqual(r.status, 503)
            self.assertEqual(r.json()["errors"][0]["status"], 503)
        self.assertEqual(self.srv.request(path).status, 200)
        self.srv.control("fault", "POST", {"match": "pages", "kind": "retry_after",
                                           "retry_after": "2"})
        r = self.srv.request(path)
        self.assertEqual((r.status, r.header("Retry-After")), (429, "2"))
        self.assertEqual(self.srv.request(path).status, 200)
        self.srv.control("fault", "POST", {"match": "spaces", "kind": "status", "count": 1})
        self.assertEqual(self.srv.request(path).status, 200)  # does not match
        self.srv.request("/_fake/fault", method="DELETE", auth=None)
        self.assertEqual(self.srv.request("/wiki/api/v2/spaces?keys=GEN").status, 200)
        self.assertGreaterEqual(self.srv.control("stats")["faults_injected"], 3)

    def test_fault_reset(self):
        path = "/wiki/api/v2/pages/%s" % self.home
        self.srv.control("fault", "POST", {"match": "pages", "kind": "reset"})
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            self.srv.request(path)
        self.srv.control("fault", "POST", {"match": "pages", "kind": "reset", "after_bytes": 10})
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            self.srv.request(path)
        self.assertEqual(self.srv.request(path).status, 200)

    def test_fault_truncate(self):
        path = "/wiki/api/v2/pages/%s?body-format=storage" % self.home
        self.srv.control("fault", "POST", {"match": "pages", "kind": "truncate"})
        with self.assertRaises(http.client.IncompleteRead):
            self.srv.request(path)
        self.assertEqual(self.srv.request(path).status, 200)
        att = self.srv.control("attachments")[1]
        download = "/wiki/rest/api/content/%s/child/attachment/%s/download" % (
            att["pageId"], att["id"])
        self.srv.control("fault", "POST", {"match": "download$", "kind": "truncate"})
        with self.assertRaises(http.client.IncompleteRead):  # even an empty 302 is cut short
            self.srv.request(download)
        media = urlsplit(self.srv.request(download).header("Location"))
        self.srv.control("fault", "POST", {"match": "^/media/", "kind": "truncate",
                                           "after_bytes": 70000})
        self.srv.control("reset", "POST")
        with self.assertRaises(http.client.IncompleteRead) as cm:
            self.srv.request(media.path + "?" + media.query, auth=None)
        self.assertEqual(len(cm.exception.partial), 70000)
        self.assertEqual(self.srv.control("stats")["attachment_bytes"], 70000)
        head = self.srv.request(media.path + "?" + media.query, method="HEAD", auth=None)
        self.assertEqual((head.status, head.header("Content-Length"), head.body),
                         (200, "200000", b""))

    def test_fault_stall(self):
        self.srv.control("fault", "POST", {"match": "spaces", "kind": "stall", "stall_s": 0.5})
        t0 = time.monotonic()
        self.assertEqual(self.srv.request("/wiki/api/v2/spaces?keys=GEN").status, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.5)

    def test_fault_stall_released(self):
        self.srv.control("fault", "POST", {"match": "spaces", "kind": "stall", "stall_s": 60})
        got = []
        t = threading.Thread(target=lambda: got.append(
            self.srv.request("/wiki/api/v2/spaces?keys=GEN").status))
        t0 = time.monotonic()
        t.start()
        deadline = time.monotonic() + 10
        released = 0
        while not released and time.monotonic() < deadline:
            time.sleep(0.05)
            released = self.srv.control("fault/release", "POST", {})["released"]
        t.join(10)
        self.assertEqual((released, got), (1, [200]))
        self.assertLess(time.monotonic() - t0, 10)

    def test_fault_malformed_json(self):
        self.srv.control("fault", "POST", {"match": "spaces", "kind": "malformed_json"})
        r = self.srv.request("/wiki/api/v2/spaces?keys=GEN")
        self.assertEqual(r.status, 200)
        with self.assertRaises(ValueError):
            r.json()

    def test_fault_not_storage(self):
        path = "/wiki/api/v2/pages/%s?body-format=storage" % self.home
        self.srv.control("fault", "POST", {"match": "pages/", "kind": "not_storage"})
        value = self.srv.get_json(path)["body"]["storage"]["value"]
        with self.assertRaises(Exception):
            xml.dom.minidom.parseString("<r>%s</r>" % value)
        self.assertIn("cfsword", self.srv.get_json(path)["body"]["storage"]["value"])

    def test_fault_validation(self):
        r = self.srv.request("/_fake/fault", method="POST", auth=None, body={"kind": "nope"})
        self.assertEqual(r.status, 400)


class MutationTest(unittest.TestCase):
    def setUp(self):
        self.srv = FakeServer()

    def tearDown(self):
        self.srv.stop()

    def test_edit_and_delete(self):
        before = self.srv.get_json("/wiki/api/v2/pages/131081")
        edited = self.srv.control("page/131081", "POST", {"title": "CI and CD",
                                                          "body": "<p>new text</p>"})
        self.assertEqual(edited["version"]["number"], before["version"]["number"] + 1)
        after = self.srv.get_json("/wiki/api/v2/pages/131081?body-format=storage")
        self.assertEqual(after["title"], "CI and CD")
        self.assertEqual(after["body"]["storage"]["value"], "<p>new text</p>")
        self.assertGreater(after["version"]["createdAt"], before["version"]["createdAt"])
        quiet = self.srv.control("page/131081", "POST", {"title": "CI/CD", "bump_version": False})
        self.assertEqual(quiet["version"]["number"], after["version"]["number"])
        self.assertEqual(self.srv.control("page/131081", "DELETE"), {"ok": True})
        self.assertEqual(self.srv.request("/wiki/api/v2/pages/131081").status, 404)
        moved = self.srv.get_json("/wiki/api/v2/pages/131082")
        self.assertEqual(moved["parentId"], "131080")  # children move up, as in Confluence
        kids = self.srv.walk("/wiki/api/v2/pages/131080/children")[0]
        self.assertIn("131082", [k["id"] for k in kids])
        new = self.srv.control("pages", "POST", {"parentId": "131080", "title": "Fresh"})
        self.assertIn(new["id"], [k["id"] for k in self.srv.walk(
            "/wiki/api/v2/pages/131080/children")[0]])

    def test_per_space_and_blog_post_edits(self):
        srv = FakeServer("--add-space", "OPS:6")
        try:
            ops = srv.get_json("/wiki/api/v2/spaces?keys=OPS")["results"][0]
            home = ops["homepageId"]
            new = srv.control("pages", "POST", {"space": "OPS", "parentId": home, "title": "Fresh"})
            self.assertEqual(new["spaceId"], ops["id"])
            self.assertIn(new["id"], [k["id"] for k in srv.walk(
                "/wiki/api/v2/pages/%s/children" % home)[0]])
            ids = [int(p["id"]) for p in srv.walk("/wiki/api/v2/pages?limit=250")[0]]
            self.assertEqual(int(new["id"]), max(ids))  # above every id of the site
            for body in ({"space": "NOPE"}, {"space": "OPS", "parentId": "131080"},
                         {"type": "blogpost", "parentId": "131074"}, {"type": "comment"}):
                r = srv.request("/_fake/pages", method="POST", auth=None, body=body)
                self.assertEqual(r.status, 400, body)
            edited = srv.control("page/%s" % home, "POST", {"title": "Ops home"})
            self.assertEqual((edited["title"], edited["spaceId"]), ("Ops home", ops["id"]))
            self.assertEqual(srv.get_json("/wiki/api/v2/pages/%s" % home)["title"], "Ops home")
            blog = srv.control("pages", "POST", {"type": "blogpost", "space": "OPS",
                                                 "title": "Hello", "body": "<p>hi</p>"})
            self.assertNotIn("parentId", blog)
            got = srv.get_json("/wiki/api/v2/blogposts/%s?body-format=storage" % blog["id"])
            self.assertEqual((got["spaceId"], got["body"]["storage"]["value"]),
                             (ops["id"], "<p>hi</p>"))
            self.assertEqual([b["id"] for b in srv.walk("/wiki/api/v2/spaces/%s/blogposts"
                                                        % ops["id"])[0]], [blog["id"]])
            r = srv.request("/_fake/pages", method="POST", auth=None,
                            body={"type": "blogpost", "space": "OPS", "title": "Hello"})
            self.assertEqual(r.status, 400)  # blog post titles are unique in a space
            bumped = srv.control("page/131161", "POST", {"title": "Q3 and Q4 plans"})
            self.assertEqual((bumped["title"], bumped["version"]["number"]), ("Q3 and Q4 plans", 4))
            r = srv.request("/_fake/page/131161", method="POST", auth=None,
                            body={"parentId": "131074"})
            self.assertEqual(r.status, 400)
            self.assertEqual(srv.control("page/131161", "DELETE"), {"ok": True})
            self.assertEqual(srv.request("/wiki/api/v2/blogposts/131161").status, 404)
            self.assertNotIn("att131163", [a["id"] for a in srv.control("attachments")])
        finally:
            srv.stop()


def v1_walk(srv, path):
    """Follow a Cloud v1 listing's _links.next, which is relative to _links.base (/wiki)."""
    results = []
    while path:
        data = srv.get_json(path)
        results += data["results"]
        nxt = data["_links"].get("next")
        assert not nxt or nxt.startswith("/rest/api/"), nxt
        path = "/wiki" + nxt if nxt else None
    return results


def cql(query, expand="", limit=None):
    """The query string of a CQL content search."""
    q = "cql=" + quote(query)
    if expand:
        q += "&expand=" + expand
    if limit:
        q += "&limit=%d" % limit
    return q


def media_of(srv, page_id, att_id):
    """A Cloud attachment's bytes: the v1 download's 302, then the media host."""
    r = srv.request("/wiki/rest/api/content/%s/child/attachment/%s/download" % (page_id, att_id))
    assert r.status == 302, (r.status, r.body[:200])
    loc = urlsplit(r.header("Location"))
    return srv.request(loc.path + "?" + loc.query, auth=None).body


DEMO_BLOGS = {"131160": ("Welcome to the demo blog", "2023-03-07"),
              "131161": ("Q3 / Q4 plans", "2024-09-02"),
              "131162": ("Release 2.0 is out", "2024-09-20")}


class MultiSpaceTest(unittest.TestCase):
    """The demo (main) space plus two generated ones: --add-space DOCS:40 --add-space OPS:7."""

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer("--add-space", "DOCS:40", "--add-space", "OPS:7",
                             "--add-space-attachments", "3", "--blogposts", "30",
                             "--fanout", "5", "--attachment-size", "70000")
        cls.spaces = {s["key"]: s for s in cls.srv.walk("/wiki/api/v2/spaces")[0]}

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def pages(self, key):
        return self.srv.walk("/wiki/api/v2/spaces/%s/pages?limit=250" % self.spaces[key]["id"])[0]

    def blogs(self, key, extra=""):
        return self.srv.walk("/wiki/api/v2/spaces/%s/blogposts?limit=250%s"
                             % (self.spaces[key]["id"], extra))[0]

    def test_spaces_listing_filter_and_pagination(self):
        self.assertEqual(set(self.spaces), {"DEMO", "DOCS", "OPS"})
        ids = [s["id"] for s in self.srv.walk("/wiki/api/v2/spaces")[0]]
        self.assertEqual(ids, sorted(ids, key=int))  # by id, as on Cloud
        self.assertEqual(len(set(ids)), 3)
        one, replies = self.srv.walk("/wiki/api/v2/spaces?limit=1")
        self.assertEqual([s["id"] for s in one], ids)
        self.assertEqual(len(replies), 3)
        for r in replies[:-1]:
            self.assertEqual(link_next(r), r.json()["_links"]["next"])
            self.assertIn("cursor=", link_next(r))
        self.assertIsNone(link_next(replies[-1]))
        for q in ("keys=OPS,DOCS", "keys=OPS&keys=DOCS", "keys=OPS,NOPE&keys=DOCS"):
            got = self.srv.get_json("/wiki/api/v2/spaces?" + q)["results"]
            self.assertEqual(sorted(s["key"] for s in got), ["DOCS", "OPS"], q)
        paged, _ = self.srv.walk("/wiki/api/v2/spaces?keys=DEMO,OPS,DOCS&limit=2")
        self.assertEqual(len(paged), 3)
        by_id = self.srv.get_json("/wiki/api/v2/spaces?ids=%s" % self.spaces["OPS"]["id"])
        self.assertEqual([s["key"] for s in by_id["results"]], ["OPS"])
        for key, s in self.spaces.items():
            one = self.srv.get_json("/wiki/api/v2/spaces/%s" % s["id"])
            self.assertEqual((one["key"], one["homepageId"]), (key, s["homepageId"]))
        self.assertEqual(self.spaces["DOCS"]["name"], "Generated space DOCS")
        self.assertEqual(self.srv.request("/wiki/api/v2/spaces/1").status, 404)
        self.assertEqual(self.srv.request("/wiki/api/v2/spaces?limit=0").status, 400)

    def test_ids_unique_across_the_site(self):
        seen = []
        for key, s in self.spaces.items():
            for p in self.pages(key) + self.blogs(key):
                self.assertEqual(p["spaceId"], s["id"], p["id"])
                seen.append(p["id"])
        atts = self.srv.control("attachments")
        self.assertEqual(sorted(a["spaceKey"] for a in atts),
                         ["DEMO"] * 4 + ["DOCS"] * 3 + ["OPS"] * 3)
        seen += [a["id"][3:] for a in atts]
        self.assertEqual(len(seen), 52 + 3 + 40 + 30 + 7 + 30 + 10)
        self.assertEqual(len(set(seen)), len(seen))
        info = self.srv.control("info")
        self.assertEqual([s["key"] for s in info["spaces"]], ["DEMO", "DOCS", "OPS"])
        self.assertEqual([(s["pages"], s["blogposts"], s["attachments"]) for s in info["spaces"]],
                         [(52, 3, 4), (40, 30, 3), (7, 30, 3)])
        self.assertEqual((info["space"]["key"], info["pages"], info["blogposts"]), ("DEMO", 52, 3))

    def test_pages_children_and_bulk_per_space(self):
        docs, ops = self.pages("DOCS"), self.pages("OPS")
        self.assertEqual((len(docs), len(ops)), (40, 7))
        roots = self.srv.walk("/wiki/api/v2/spaces/%s/pages?depth=root" % self.spaces["DOCS"]["id"])[0]
        self.assertEqual([p["title"] for p in roots], ["Home"])  # the demo has a "Home" too
        home = self.spaces["DOCS"]["homepageId"]
        self.assertEqual(roots[0]["id"], home)
        page = self.srv.get_json("/wiki/api/v2/pages/%s" % docs[5]["id"])
        self.assertEqual(page["spaceId"], self.spaces["DOCS"]["id"])
        self.assertTrue(page["_links"]["webui"].startswith("/spaces/DOCS/pages/"))
        kids = self.srv.walk("/wiki/api/v2/pages/%s/direct-children" % home)[0]
        self.assertEqual(len(kids), 5)  # --fanout 5
        self.assertEqual({k["spaceId"] for k in kids}, {self.spaces["DOCS"]["id"]})
        both = self.srv.get_json("/wiki/api/v2/pages?id=%s,131074,%s" % (ops[0]["id"], docs[1]["id"]))
        self.assertEqual([p["id"] for p in both["results"]],
                         sorted([ops[0]["id"], "131074", docs[1]["id"]], key=int))
        self.assertEqual({p["spaceId"] for p in both["results"]},
                         {self.spaces[k]["id"] for k in ("DEMO", "DOCS", "OPS")})
        only = self.srv.walk("/wiki/api/v2/pages?limit=250&space-id=%s&space-id=%s" % (
            self.spaces["OPS"]["id"], self.spaces["DOCS"]["id"]))[0]
        self.assertEqual(len(only), 47)
        self.assertEqual(self.srv.get_json("/wiki/api/v2/pages?id=131074&space-id=%s"
                                           % self.spaces["OPS"]["id"])["results"], [])
        every = self.srv.walk("/wiki/api/v2/pages?limit=250")[0]
        self.assertEqual(len(every), 52 + 40 + 7)
        self.assertEqual([p["id"] for p in every], sorted((p["id"] for p in every), key=int))

    def test_cross_space_links(self):
        home = self.srv.get_json("/wiki/api/v2/pages/%s?body-format=storage"
                                 % self.spaces["OPS"]["homepageId"])
        body = home["body"]["storage"]["value"]
        self.assertTrue(body.startswith("<p>Page marker cfsword-%s cfscommon</p>" % home["id"]))
        self.assertIn('<ac:link><ri:page ri:space-key="DEMO" ri:content-title="Home"/></ac:link>',
                      body)
        self.assertIn('<ri:page ri:space-key="NOSUCH" ri:content-title="Elsewhere"/>', body)
        other = self.srv.get_json("/wiki/api/v2/pages/%s?body-format=storage"
                                  % self.pages("OPS")[1]["id"])["body"]["storage"]["value"]
        self.assertNotIn("NOSUCH", other)
        self.assertNotIn('ri:space-key="DEMO"', other)
        demo = self.srv.get_json("/wiki/api/v2/pages/131074?body-format=storage")
        self.assertNotIn("NOSUCH", demo["body"]["storage"]["value"])

    def test_cql_per_space(self):
        base = "/wiki/rest/api/content/search?"
        atts = v1_walk(self.srv, base + cql('type=attachment and space="DOCS"', "version,container"))
        self.assertEqual(len(atts), 3)
        docs_ids = {p["id"] for p in self.pages("DOCS")}
        self.assertTrue(all(a["container"]["id"] in docs_ids for a in atts))
        labelled = v1_walk(self.srv, base + cql('type=page and space="OPS"', "metadata.labels", 3))
        self.assertEqual(len(labelled), 7)
        self.assertTrue(all("labels" in p["metadata"] for p in labelled))
        both = v1_walk(self.srv, base + cql('type=page and space in ("OPS","DOCS")'))
        self.assertEqual(len(both), 47)
        self.assertEqual(len(v1_walk(self.srv, base + cql("type=page", limit=250))), 99)
        self.assertEqual(v1_walk(self.srv, base + cql('type=page and space="NOSUCH"')), [])

    def test_attachment_bytes_of_an_added_space(self):
        att = next(a for a in self.srv.control("attachments") if a["spaceKey"] == "DOCS")
        listing = self.srv.get_json("/wiki/api/v2/pages/%s/attachments" % att["pageId"])
        self.assertIn(att["id"], [a["id"] for a in listing["results"]])
        self.assertEqual(media_of(self.srv, att["pageId"], att["id"]),
                         media_bytes("1:DOCS", att["id"], 0, 70000))

    def test_generated_blog_posts(self):
        posts, replies = self.srv.walk("/wiki/api/v2/spaces/%s/blogposts?limit=7"
                                       % self.spaces["DOCS"]["id"])
        self.assertEqual([len(r.json()["results"]) for r in replies], [7, 7, 7, 7, 2])
        for r in replies[:-1]:
            self.assertEqual(link_next(r), r.json()["_links"]["next"])
        self.assertEqual([p["id"] for p in posts], sorted((p["id"] for p in posts), key=int))
        titles = [p["title"] for p in posts]
        self.assertEqual(titles[:4], ["Weekly update %d" % k for k in range(1, 4)] +
                         ["Weekly update 4"])
        self.assertEqual(titles[4], "Weekly update 5 / retro")
        self.assertEqual(len(set(titles)), 30)
        months = [p["createdAt"][:7] for p in posts]
        self.assertEqual(months[0], months[1])  # two posts in one month
        self.assertGreaterEqual(len(set(months)), 15)
        self.assertGreaterEqual(len({m[:4] for m in months}), 3)
        for p in posts:
            for field in ("id", "status", "title", "spaceId", "authorId", "createdAt", "version",
                          "body", "_links"):
                self.assertIn(field, p)
            for field in ("parentId", "parentType", "position"):
                self.assertNotIn(field, p)
            self.assertTrue(p["_links"]["webui"].startswith("/spaces/DOCS/blog/%s/%s/" % (
                p["createdAt"][:10].replace("-", "/"), p["id"])), p["_links"]["webui"])
            self.assertLessEqual(p["createdAt"][:19], p["version"]["createdAt"][:19])
        one = self.srv.get_json("/wiki/api/v2/blogposts/%s?body-format=storage" % posts[3]["id"])
        self.assertTrue(one["body"]["storage"]["value"].startswith(
            "<p>Page marker cfsword-%s cfscommon</p>" % posts[3]["id"]))
        ops = self.blogs("OPS")
        self.assertEqual([p["title"] for p in ops], titles)  # titles repeat across spaces
        self.assertFalse({p["id"] for p in ops} & {p["id"] for p in posts})
        sorted_posts = self.blogs("DOCS", "&sort=-created-date")
        self.assertEqual([p["createdAt"] for p in sorted_posts],
                         sorted((p["createdAt"] for p in posts), reverse=True))
        self.assertEqual(self.srv.request("/wiki/api/v2/spaces/%s/blogposts?sort=title"
                                          % self.spaces["DOCS"]["id"]).status, 400)
        everything = self.srv.walk("/wiki/api/v2/blogposts?limit=250")[0]
        self.assertEqual(len(everything), 63)
        self.assertEqual(self.srv.request("/wiki/api/v2/spaces/1/blogposts").status, 404)


class BlogPostTest(unittest.TestCase):
    """The demo space's three blog posts (tests/fixtures/demo/space.json "blogposts")."""

    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_listing_and_pagination(self):
        self.srv.control("reset", "POST")
        posts, replies = self.srv.walk("/wiki/api/v2/spaces/131073/blogposts?status=current"
                                       "&limit=2&body-format=storage")
        self.assertEqual([len(r.json()["results"]) for r in replies], [2, 1])
        nxt = replies[0].json()["_links"]["next"]
        self.assertTrue(nxt.startswith("/wiki/api/v2/spaces/131073/blogposts?"), nxt)
        self.assertEqual(link_next(replies[0]), nxt)
        self.assertEqual({p["id"]: (p["title"], p["createdAt"][:10]) for p in posts}, DEMO_BLOGS)
        self.assertEqual([p["id"] for p in posts], ["131160", "131161", "131162"])
        for p in posts:
            self.assertEqual(p["spaceId"], "131073")
            self.assertNotIn("parentId", p)
            self.assertNotIn("position", p)
            self.assertTrue(p["body"]["storage"]["value"].startswith(
                "<p>Page marker cfsword-%s cfscommon</p>" % p["id"]))
            xml.dom.minidom.parseString('<r xmlns:ac="a" xmlns:ri="r">%s</r>' % wrap_entities(
                p["body"]["storage"]["value"]))
        self.assertEqual(posts[1]["_links"]["webui"], "/spaces/DEMO/blog/2024/09/02/131161/Q3++Q4+plans")
        self.assertEqual(posts[1]["version"]["number"], 3)
        self.assertEqual(self.srv.get_json("/wiki/api/v2/spaces/131073/blogposts?status=trashed")
                         ["results"], [])
        titled = self.srv.get_json("/wiki/api/v2/spaces/131073/blogposts?title=Q3%20%2F%20Q4%20plans")
        self.assertEqual([p["id"] for p in titled["results"]], ["131161"])
        stats = self.srv.control("stats")
        self.assertEqual(stats["by_kind"]["blogposts"], 4)
        self.assertEqual(stats["body_fetches"], {"131160": 1, "131161": 1, "131162": 1})
        self.assertEqual(stats["blogposts"], 3)

    def test_single_and_404_rules(self):
        self.srv.control("reset", "POST")
        one = self.srv.get_json("/wiki/api/v2/blogposts/131161?body-format=storage")
        self.assertEqual((one["title"], one["spaceId"]), ("Q3 / Q4 plans", "131073"))
        self.assertIn('ri:filename="roadmap.csv"', one["body"]["storage"]["value"])
        self.assertEqual(one["_links"]["base"], self.srv.url + "/wiki")
        self.assertEqual(self.srv.get_json("/wiki/api/v2/blogposts/131161")["body"], {})
        v2_404 = {"errors": [{"status": 404, "code": "NOT_FOUND", "title": "Not Found",
                              "detail": None}]}
        for path in ("/wiki/api/v2/blogposts/131074", "/wiki/api/v2/blogposts/999",
                     "/wiki/api/v2/pages/131161", "/wiki/api/v2/pages/131161/children",
                     "/wiki/api/v2/pages/131161/attachments",
                     "/wiki/api/v2/blogposts/131161?version=2"):
            r = self.srv.request(path)
            self.assertEqual((r.status, r.json()), (404, v2_404), path)
        self.assertEqual(self.srv.request("/wiki/api/v2/blogposts/abc").status, 400)
        pages = self.srv.walk("/wiki/api/v2/spaces/131073/pages?limit=250")[0]
        self.assertFalse({p["id"] for p in pages} & set(DEMO_BLOGS))
        self.assertEqual(self.srv.get_json("/wiki/api/v2/pages?id=131161,131162")["results"], [])
        stats = self.srv.control("stats")["by_kind"]
        self.assertEqual((stats["blogpost"], stats["page"]), (6, 1))

    def test_bulk(self):
        data = self.srv.get_json("/wiki/api/v2/blogposts?id=131162,131160,131074,999"
                                 "&body-format=storage&limit=250")
        self.assertEqual([p["id"] for p in data["results"]], ["131160", "131162"])
        for p in data["results"]:
            self.assertIn("cfsword-%s" % p["id"], p["body"]["storage"]["value"])
        again = self.srv.get_json("/wiki/api/v2/blogposts?id=131162&id=131161&space-id=131073")
        self.assertEqual([p["id"] for p in again["results"]], ["131161", "131162"])
        self.assertEqual(self.srv.get_json("/wiki/api/v2/blogposts?id=131161&space-id=1")
                         ["results"], [])
        ids = ",".join(str(131000 + i) for i in range(251))
        self.assertEqual(self.srv.request("/wiki/api/v2/blogposts?id=" + ids).status, 400)
        self.assertEqual(self.srv.request("/wiki/api/v2/blogposts?id=x").status, 400)

    def test_attachment(self):
        base = "/wiki/rest/api/content/search?"
        atts = v1_walk(self.srv, base + cql('type=attachment and space="DEMO"', "version,container"))
        blog_att = [a for a in atts if a["container"]["type"] == "blogpost"]
        self.assertEqual([(a["id"], a["title"], a["container"]["id"]) for a in blog_att],
                         [("att131163", "roadmap.csv", "131161")])
        self.assertEqual(blog_att[0]["container"]["title"], "Q3 / Q4 plans")
        self.assertEqual(len(atts), 4)
        with open(os.path.join(DEMO, "attachments", "roadmap.csv"), "rb") as f:
            want = f.read()
        self.assertEqual(blog_att[0]["extensions"]["fileSize"], len(want))
        self.assertEqual(media_of(self.srv, "131161", "att131163"), want)
        r = self.srv.request("/wiki/rest/api/content/131160/child/attachment/att131163/download")
        self.assertEqual(r.status, 404)
        listing = self.srv.get_json("/wiki/api/v2/blogposts/131161/attachments")["results"]
        self.assertEqual([a["id"] for a in listing], ["att131163"])
        self.assertEqual(listing[0]["blogPostId"], "131161")
        self.assertNotIn("pageId", listing[0])

    def test_labels(self):
        base = "/wiki/rest/api/content/search?"
        blogs = v1_walk(self.srv, base + cql('type=blogpost and space="DEMO"', "metadata.labels"))
        self.assertEqual([b["type"] for b in blogs], ["blogpost"] * 3)
        labels = {b["id"]: [x["name"] for x in b["metadata"]["labels"]["results"]] for b in blogs}
        self.assertEqual(labels, {"131160": ["news", "welcome"], "131161": ["planning", "roadmap"],
                                  "131162": ["news", "release"]})
        mixed = v1_walk(self.srv, base + cql('type in (page,blogpost) and space="DEMO"',
                                         "metadata.labels", 50))
        self.assertEqual(len(mixed), 55)
        self.assertEqual(sum(1 for x in mixed if x["type"] == "blogpost"), 3)
        self.assertEqual([x["id"] for x in mixed], sorted((x["id"] for x in mixed), key=int))
        pages = v1_walk(self.srv, base + cql('type=page and space="DEMO"', "metadata.labels", 100))
        self.assertEqual(len(pages), 52)
        self.assertEqual({p["type"] for p in pages}, {"page"})

    def test_fault_on_blog_endpoints(self):
        self.srv.control("fault", "POST", {"match": "^/wiki/api/v2/blogposts/", "kind": "status",
                                           "status": 503})
        self.assertEqual(self.srv.request("/wiki/api/v2/blogposts/131160").status, 503)
        self.assertEqual(self.srv.request("/wiki/api/v2/blogposts/131160").status, 200)


class CommandLineTest(unittest.TestCase):
    def test_port_file_and_sigterm(self):
        with tempfile.TemporaryDirectory() as d:
            pf = os.path.join(d, "port")
            srv = FakeServer("--pages", "5", "--fanout", "2", port_file=pf)
            try:
                with open(pf) as f:
                    self.assertEqual(int(f.read()), srv.port)
                self.assertEqual(os.listdir(d), ["port"])  # no temp file left behind
                self.assertEqual(srv.get_json("/wiki/api/v2/spaces")["results"][0]["key"], "GEN")
            finally:
                self.assertEqual(srv.stop(signal.SIGTERM), 0)
        # --quiet and --port-file: nothing at all on stdout.
        with tempfile.TemporaryDirectory() as d:
            pf = os.path.join(d, "port")
            p = subprocess.Popen([sys.executable, SCRIPT, "--port", "0", "--quiet", "--port-file",
                                  pf], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            deadline = time.time() + 30
            while not os.path.exists(pf) and time.time() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)
            p.send_signal(signal.SIGTERM)
            out, _ = p.communicate(timeout=10)
            self.assertTrue(os.path.exists(pf))
            self.assertEqual(out, b"")
        srv = FakeServer()
        self.assertEqual(srv.stop(signal.SIGINT), 0)

    def test_fixture_users_have_their_names(self):
        srv = FakeServer("--fixture", os.path.join(HERE, "..", "scripts", "demo-wiki"))
        try:
            u = srv.get_json("/wiki/rest/api/user?accountId="
                             "712020:5b3f1c2e-8d4a-4f6b-9e7c-1a2b3c4d5e01")
            self.assertEqual(u["displayName"], "Priya Raman")
            self.assertEqual(u["accountId"], "712020:5b3f1c2e-8d4a-4f6b-9e7c-1a2b3c4d5e01")
        finally:
            srv.stop()

    def test_added_spaces_are_deterministic(self):
        def snapshot(seed):
            srv = FakeServer("--pages", "20", "--seed", str(seed), "--add-space", "X:15",
                             "--blogposts", "4", "--add-space-attachments", "1")
            try:
                sp = srv.get_json("/wiki/api/v2/spaces?keys=X")["results"][0]
                pages = srv.walk("/wiki/api/v2/spaces/%s/pages?limit=250&body-format=storage"
                                 % sp["id"])[0]
                blogs = srv.walk("/wiki/api/v2/spaces/%s/blogposts?body-format=storage"
                                 % sp["id"])[0]
                return json.loads(json.dumps([sp, pages, blogs, srv.control("attachments")])
                                  .replace("127.0.0.1:%d" % srv.port, "HOST"))
            finally:
                srv.stop()
        a, b, c = snapshot(3), snapshot(3), snapshot(4)
        self.assertEqual(a, b)
        self.assertNotEqual([p["title"] for p in a[1]], [p["title"] for p in c[1]])
        self.assertEqual(len(a[2]), 4)

    def test_bad_add_space_options(self):
        for args in (["--add-space", "X"], ["--add-space", "X:0"], ["--add-space", "A-B:2"],
                     ["--add-space", "A:2", "--add-space", "A:3"], ["--add-space", "DEMO:3"],
                     ["--blogposts", "-1"]):
            r = subprocess.run([sys.executable, SCRIPT, "--port", "0", "--quiet"] + args,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
            self.assertEqual((r.returncode, r.stdout), (2, b""), args)

    def test_auth_disabled(self):
        srv = FakeServer("--token", "")
        try:
            self.assertEqual(srv.request("/wiki/api/v2/spaces?keys=DEMO", auth=None).status, 200)
        finally:
            srv.stop()

    def test_large_space_starts_fast_and_small(self):
        t0 = time.monotonic()
        srv = FakeServer("--pages", "10000", "--fanout", "10", "--attachments", "100",
                         "--attachment-size", str(1 << 30))
        try:
            self.assertLess(time.monotonic() - t0, 5)
            space = srv.get_json("/wiki/api/v2/spaces?keys=GEN")["results"][0]
            page = srv.get_json("/wiki/api/v2/spaces/%s/pages?limit=250&body-format=storage"
                                % space["id"])
            self.assertEqual(len(page["results"]), 250)
            with open("/proc/%d/status" % srv.proc.pid) as f:
                rss_kb = int(next(l for l in f if l.startswith("VmRSS")).split()[1])
            self.assertLess(rss_kb, 500 * 1024)
        finally:
            srv.stop()

    def test_determinism(self):
        def snapshot(seed):
            srv = FakeServer("--pages", "300", "--fanout", "7", "--seed", str(seed),
                             "--attachments", "3", "--attachment-size", "5000")
            try:
                sid = srv.get_json("/wiki/api/v2/spaces?keys=GEN")["results"][0]["id"]
                pages = srv.walk("/wiki/api/v2/spaces/%s/pages?limit=250&body-format=storage"
                                 % sid)[0]
                atts = srv.control("attachments")
                blobs = []
                for a in atts:
                    r = srv.request("/wiki/rest/api/content/%s/child/attachment/%s/download"
                                    % (a["pageId"], a["id"]))
                    loc = urlsplit(r.header("Location"))
                    blobs.append(srv.request(loc.path + "?" + loc.query, auth=None,
                                             host="localhost").body)
                listings = [srv.get_json("/wiki/api/v2/pages/%s/attachments" % a["pageId"])
                            for a in atts]
                strip = lambda d: json.loads(json.dumps(d).replace(
                    "127.0.0.1:%d" % srv.port, "HOST"))
                return strip([sid, pages, atts, listings]), blobs
            finally:
                srv.stop()
        a, b, c = snapshot(9), snapshot(9), snapshot(10)
        self.assertEqual(a, b)
        self.assertNotEqual(a[0][1], c[0][1])
        self.assertNotEqual(a[1], c[1])


class CloudTreeTest(unittest.TestCase):
    """--cloud-tree, --folders and the switches of a modern Cloud site."""

    def test_containers_and_parent_types(self):
        srv = FakeServer("--cloud-tree")
        try:
            pages, _ = srv.walk("/wiki/api/v2/spaces/131073/pages?depth=all&limit=250")
            by_title = {p["title"]: p for p in pages}
            for t in ("Guides", "Deep", "Sketches", "Vanished", "Old parent"):
                self.assertNotIn(t, by_title)  # no listing lists them
            kid = by_title["Deploy checklist"]
            self.assertEqual(kid["parentType"], "folder")
            deep = srv.get_json("/wiki/api/v2/folders/%s" % kid["parentId"])
            self.assertEqual((deep["type"], deep["title"], deep["parentType"]),
                             ("folder", "Deep", "folder"))
            self.assertIsInstance(deep["createdAt"], int)  # epoch ms, as real folders
            guides = srv.get_json("/wiki/api/v2/folders/%s" % deep["parentId"])
            self.assertEqual((guides["parentId"], guides["parentType"]), ("131074", "page"))
            embed_kid = by_title["Status runbook"]
            self.assertEqual(embed_kid["parentType"], "embed")
            embed = srv.get_json("/wiki/api/v2/embeds/%s" % embed_kid["parentId"])
            self.assertEqual(embed["embedUrl"], "https://status.example.com/")
            # A container asked for as another type, the 404 folder, the trashed parent.
            self.assertEqual(srv.request("/wiki/api/v2/whiteboards/%s" % deep["id"]).status,
                             404)
            self.assertEqual(srv.request("/wiki/api/v2/folders/%s"
                                         % by_title["Rescued page"]["parentId"]).status, 404)
            orphan = by_title["Orphaned page"]
            self.assertEqual(orphan["parentType"], "page")
            self.assertEqual(srv.request("/wiki/api/v2/pages/%s" % orphan["parentId"]).status,
                             404)
            self.assertIsNone(by_title["Second root"]["parentId"])
        finally:
            srv.stop()

    def test_folders_switches_and_headers(self):
        srv = FakeServer("--pages", "40", "--fanout", "8", "--folders", "4", "--cql-403",
                         "--blog-404", "--ratelimit-near", "0.5")
        try:
            sid = srv.get_json("/wiki/api/v2/spaces?keys=GEN")["results"][0]["id"]
            pages, replies = srv.walk("/wiki/api/v2/spaces/%s/pages?limit=250" % sid)
            self.assertEqual(sum(p["parentType"] == "folder" for p in pages), 8)
            r = srv.request("/wiki/rest/api/content/search?cql=type%3Dattachment")
            self.assertEqual(r.status, 403)
            self.assertEqual(srv.request("/wiki/api/v2/spaces/%s/blogposts" % sid).status, 404)
            near = [srv.request("/wiki/api/v2/spaces?keys=GEN").header("X-RateLimit-NearLimit")
                    for _ in range(6)]
            self.assertEqual(near.count("true"), 3)
        finally:
            srv.stop()

    def test_gateway(self):
        srv = FakeServer("--pages", "300", "--gateway", "abc-1")
        try:
            self.assertEqual(srv.request("/wiki/api/v2/spaces?keys=GEN").status, 401)
            g = "/ex/confluence/abc-1"
            sid = srv.get_json(g + "/wiki/api/v2/spaces?keys=GEN")["results"][0]["id"]
            first = srv.get_json(g + "/wiki/api/v2/spaces/%s/pages?limit=250" % sid)
            nxt = first["_links"]["next"]
            self.assertTrue(nxt.startswith("/wiki/api/v2/"), nxt)  # rooted at /wiki
            self.assertEqual(len(srv.get_json(g + nxt)["results"]), 50)
        finally:
            srv.stop()

    def test_cloud_only(self):
        r = subprocess.run([sys.executable, SCRIPT, "--flavor", "dc", "--cloud-tree"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("Cloud only", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
