#!/usr/bin/env python3
"""End-to-end on Confluence Data Center: mount the real binary against `fake-confluence --flavor dc`
(REST v1 under /confluence, a personal access token) and use real tools on it."""

import calendar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import (Fake, Mount, MountedSpace, MountError, TOKEN, mounted,  # noqa: E402
                     sanitizer_report, serving, walk_files)

CTX = "/confluence"


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def dc_url(fake, context=CTX):
    return fake.origin + context


def dc_get(fake, path, context=CTX):
    """GET a DC API path (relative to the base) with the PAT; follows _links.next."""
    results, doc = [], None
    while path:
        req = urllib.request.Request(fake.origin + context + path,
                                     headers={"Authorization": "Bearer " + TOKEN})
        with urllib.request.urlopen(req, timeout=30) as r:
            doc = json.loads(r.read())
        if "results" not in doc:
            return doc
        results += doc["results"]
        path = doc["_links"].get("next")  # relative to _links.base
    return results


def dc_pages(fake, key, context=CTX):
    return dc_get(fake, "/rest/api/content?spaceKey=%s&type=page&expand=ancestors,version"
                        "&limit=200" % key, context)


def dc_time_ns(s):
    """'2025-03-18T18:02:41.377+02:00' -> nanoseconds since the epoch."""
    m = re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(?:\.(\d+))?([+-])(\d\d):(\d\d)$", s)
    y, mo, d, h, mi, se, frac, sign, zh, zm = m.groups()
    secs = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(se)))
    secs -= (1 if sign == "+" else -1) * (int(zh) * 3600 + int(zm) * 60)
    return secs * 10**9 + int((frac or "0").ljust(9, "0")[:9])


def api_paths(fake):
    return [e["path"] for e in fake.call("GET", "/_fake/log")]


class DcDemoSpace(MountedSpace):
    """The demo space served as Data Center, mounted with -o api=dc and a PAT."""

    OPTS = ["api=dc"]

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--flavor", "dc")
        cls.pages = dc_pages(cls.fake, "DEMO")
        cls.posts = dc_get(cls.fake, "/rest/api/content?spaceKey=DEMO&type=blogpost&limit=200")
        cls.atts = cls.fake.call("GET", "/_fake/attachments")
        cls.fake.reset()
        cls.mount = Mount(cls.fake, url=dc_url(cls.fake), user=None, opts=cls.OPTS)
        cls.mnt = cls.mount.mnt

    def test_only_data_center_endpoints_are_used(self):
        paths = api_paths(self.fake)
        self.assertTrue(paths)
        self.assertEqual([p for p in paths if not p.startswith(CTX + "/")], [])
        self.assertEqual([p for p in paths if "/api/v2/" in p], [])
        st = self.fake.stats()
        self.assertEqual(st["unauthorized"], 0)
        self.assertEqual(st["by_kind"]["not_found"], 0)

    def test_tree_matches_space_page_for_page(self):
        self.assertEqual(len(self.pages), 52)
        by_id = {p["id"]: p for p in self.pages}
        seen = {}
        for rel in self.md_files():
            pid = os.getxattr(os.path.join(self.mnt, rel), "user.confluence.id").decode()
            self.assertNotIn(pid, seen, "page %s appears twice" % pid)
            seen[pid] = rel
        self.assertEqual(set(seen), set(by_id))
        for pid, rel in seen.items():
            page = by_id[pid]
            parent = page["ancestors"][-1]["id"] if page["ancestors"] else None
            if parent:
                pdir = os.path.join(self.mnt, os.path.dirname(rel))
                self.assertEqual(os.getxattr(pdir, "user.confluence.id").decode(), parent, rel)
            else:
                self.assertEqual(os.path.dirname(rel), "", rel)
            path = os.path.join(self.mnt, rel)
            self.assertEqual(os.getxattr(path, "user.confluence.title").decode(), page["title"])
            self.assertEqual(os.getxattr(path, "user.confluence.version").decode(),
                             str(page["version"]["number"]))
            # version.when is in the server's zone (+02:00); mtime is the same instant.
            self.assertEqual(os.stat(path).st_mtime_ns, dc_time_ns(page["version"]["when"]), rel)
            url = os.getxattr(path, "user.confluence.url").decode()
            self.assertTrue(url.startswith(dc_url(self.fake) + "/"), url)
        self.assertIn("Home/Engineering/CI\u2215CD.md", self.md_files())

    def test_sizes_are_exact(self):
        for rel in self.md_files():
            path = os.path.join(self.mnt, rel)
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(os.stat(path).st_size, len(data), rel)
            self.assertGreater(len(data), 0, rel)

    def test_grep_finds_markers(self):
        r = run("grep", "-rl", "cfscommon", self.mnt)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), len(self.pages) + len(self.posts))
        for pid in ("131074", "131094", self.pages[-1]["id"], self.posts[0]["id"]):
            r = run("grep", "-rln", "cfsword-%s\\b" % pid, self.mnt)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(r.stdout.splitlines()), 1, r.stdout)

    def test_rsync_twice_copies_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run("rsync", "-a", self.mnt + "/", tmp + "/")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(walk_files(tmp)),
                             len(self.pages) + len(self.posts) + len(self.atts))
            r = run("rsync", "-a", "--itemize-changes", self.mnt + "/", tmp + "/")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual([x for x in r.stdout.splitlines() if x.startswith(">")], [],
                             r.stdout)

    def test_attachments_byte_identical(self):
        fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "demo",
                               "attachments")
        found = {os.path.basename(f): f for f in walk_files(self.mnt) if "/_attachments/" in f}
        self.assertEqual(sorted(found), sorted(a["title"] for a in self.atts))
        before = self.fake.stats()
        for a in self.atts:
            path = os.path.join(self.mnt, found[a["title"]])
            self.assertEqual(os.stat(path).st_size, a["fileSize"])
            with open(path, "rb") as f, open(os.path.join(fixture, a["title"]), "rb") as w:
                self.assertEqual(f.read(), w.read(), a["title"])
        after = self.fake.stats()
        # DC serves the bytes itself, from the listing's download link, with the PAT.
        downloads = [p for p in api_paths(self.fake) if "/download/attachments/" in p]
        self.assertTrue(all(p.startswith(CTX + "/download/attachments/") for p in downloads))
        self.assertEqual(after["unauthorized"], before["unauthorized"])

    def test_secrets_not_visible(self):
        with open("/proc/mounts") as f:
            self.assertNotIn(TOKEN, f.read())
        self.assertNotIn(TOKEN, self.mount.stderr())


class DcDemoSpaceAuto(DcDemoSpace):
    """The same, with -o api=auto: one probe decides Data Center."""

    OPTS = ["api=auto"]

    def test_only_data_center_endpoints_are_used(self):
        log = self.fake.call("GET", "/_fake/log")
        probes = [e for e in log if "/api/v2/" in e["path"]]
        self.assertEqual([(e["path"], e["status"]) for e in probes],
                         [(CTX + "/api/v2/spaces?limit=1", 404)])
        self.assertEqual(log[0]["path"], probes[0]["path"])  # before anything else
        self.assertEqual([e["path"] for e in log if not e["path"].startswith(CTX + "/")], [])
        self.assertEqual(self.fake.stats()["unauthorized"], 0)


class DcGenerated(unittest.TestCase):
    """A generated space big enough for several start/limit pages, bulk bodies and
    generated attachments, at the root context (no context path)."""

    def test_generated_space_with_pagination(self):
        fake = Fake("--flavor", "dc", "--context", "", "--pages", "450", "--fanout", "7",
                    "--seed", "11", "--attachments", "5", "--attachment-size", "300000")
        try:
            pages = dc_pages(fake, "GEN", context="")
            atts = fake.call("GET", "/_fake/attachments")
            fake.reset()
            m = Mount(fake, space="GEN", url=fake.origin, user=None, opts=["api=auto"])
            try:
                files = walk_files(m.mnt)
                md = [f for f in files if f.endswith(".md")]
                self.assertEqual(len(md), 450)
                ids = {os.getxattr(m.path(f), "user.confluence.id").decode() for f in md}
                self.assertEqual(ids, {p["id"] for p in pages})
                log = api_paths(fake)
                listing = [p for p in log if p.startswith("/rest/api/content?")]
                starts = {int(re.search(r"[?&]start=(\d+)", p).group(1)) for p in listing}
                self.assertEqual(starts, {0, 200, 400}, listing)  # 450 pages, 200 at a time
                r = run("grep", "-rl", "cfscommon", m.mnt)
                self.assertEqual(len(r.stdout.splitlines()), 450, r.stderr)
                bodies = fake.stats()["body_fetches"]
                self.assertEqual(len(bodies), 450)
                self.assertTrue(all(n == 1 for n in bodies.values()), bodies)
                got = [f for f in files if "/_attachments/" in f]
                self.assertEqual(len(got), 5)
                for f in got:
                    st = os.stat(m.path(f))
                    self.assertEqual(st.st_size, 300000)
                    with open(m.path(f), "rb") as fh:
                        self.assertEqual(len(fh.read()), 300000)
                self.assertEqual(sorted(os.path.basename(f) for f in got),
                                 sorted(a["title"] for a in atts))
            finally:
                err = m.stop()
            self.assertEqual(sanitizer_report(err), [])
        finally:
            fake.stop()

    def test_changed_page_is_seen(self):
        """The background refresh lists the space the DC way too."""
        with serving("--flavor", "dc") as fake, \
                mounted(fake, url=dc_url(fake), user=None, opts=["api=dc", "ttl=1"]) as m:
            path = m.path("Home", "Documentation", "Plain Page.md")
            with open(path, "rb") as f:
                self.assertIn(b"cfsword-131092", f.read())
            fake.call("POST", "/_fake/page/131092", {"body": "<p>Rewritten: xyzzy</p>"})
            deadline = time.time() + 15
            while time.time() < deadline:
                with open(path, "rb") as f:
                    if b"xyzzy" in f.read():
                        break
                time.sleep(0.2)
            with open(path, "rb") as f:
                self.assertIn(b"xyzzy", f.read())
            self.assertEqual(os.getxattr(path, "user.confluence.version"), b"2")


class DcStartupErrors(unittest.TestCase):
    """Each bad start ends with one clear line, a non-zero exit, and no mount."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--flavor", "dc")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def expect_failure(self, pattern, **kw):
        kw.setdefault("url", dc_url(self.fake))
        kw.setdefault("user", None)
        with self.assertRaises(MountError) as cm:
            Mount(self.fake, **kw)
        err = cm.exception.stderr
        self.assertNotEqual(cm.exception.returncode, 0)
        self.assertRegex(err, pattern)
        lines = [line for line in err.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, err)
        self.assertNotIn(TOKEN, err)
        self.assertNotIn("wrong-token", err)
        return err

    def test_bad_pat_is_anonymous_and_fails(self):
        for api in ("dc", "auto"):
            self.expect_failure(r"authentication failed at http://127\.0\.0\.1:\d+/confluence",
                                token="wrong-token", opts=["api=" + api])

    def test_bad_password_fails(self):
        self.expect_failure(r"authentication failed .*401", token="wrong-token",
                            user="demo@example.com", opts=["api=dc"])

    def test_unknown_space(self):
        for api in ("dc", "auto"):
            self.expect_failure(r"space 'NOPE' not found", space="NOPE", opts=["api=" + api])

    def test_basic_auth_works(self):
        m = Mount(self.fake, url=dc_url(self.fake), user="demo@example.com", opts=["api=dc"])
        try:
            self.assertTrue(os.path.exists(m.path("Home.md")))
        finally:
            m.stop()

    def test_wrong_context_path(self):
        self.expect_failure(r"HTTP 404", url=self.fake.origin + "/wiki", opts=["api=dc"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
