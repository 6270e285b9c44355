#!/usr/bin/env python3
"""End-to-end, Cloud only: the tree of a modern Cloud site (folders, whiteboards, databases,
embeds, several roots, trashed parents), rate-limit signals and the API gateway.  Data
Center has none of these; its suites run unchanged (degraded listings: test_degrade.py)."""

import hashlib
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import (MOUNT_BIN, TOKEN, USER, Fake, Mount, MountedSpace, MountError,  # noqa: E402
                     mounted, serving, walk_files)
from test_attachments import media_bytes  # noqa: E402  (seed 11)

CONTAINER_RE = r"^/wiki/api/v2/(folder|whiteboard|database|embed)s/(\d+)$"

# What --cloud-tree adds (scripts/fake_confluence/cloudtree.py), as the mount shows it.
CLOUD_TREE_FILES = [
    "Home/Guides/Deep/Deploy checklist.md",
    "Home/Sketches.md",
    "Home/Sketches/Sketch notes.md",
    "Home/Status board.md",
    "Home/Status board/Status runbook.md",
    "Home/Tracker.md",
    "Home/Tracker/Tracker how-to.md",
    "Orphaned page.md",
    "Rescued page.md",
    "Second root.md",
    "Team/Team charter.md",
]


def xattr(path, name):
    return os.getxattr(path, "user.confluence." + name).decode()


def container_requests(fake):
    """(type, id) of every single-container GET the fake saw, in order."""
    out = []
    for e in fake.call("GET", "/_fake/log"):
        m = re.match(CONTAINER_RE, e["path"])
        if m:
            out.append((m.group(1), m.group(2), e["status"]))
    return out


def sha(data):
    return hashlib.sha256(data).hexdigest()


class CloudTree(MountedSpace):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--flavor", "cloud", "--cloud-tree")
        cls.listed = container_requests(cls.fake)  # nothing yet
        cls.mount = Mount(cls.fake, opts=["ttl=600", "log_level=debug"])
        cls.mnt = cls.mount.mnt
        os.listdir(cls.mnt)  # the space is listed in the background: wait for it
        cls.after_mount = container_requests(cls.fake)

    def test_find_shows_the_tree(self):
        files = walk_files(self.mnt)
        for f in CLOUD_TREE_FILES:
            self.assertIn(f, files)
        out = subprocess.run(["find", self.mnt, "-type", "d"], capture_output=True, text=True,
                             check=True).stdout
        dirs = sorted(os.path.relpath(d, self.mnt) for d in out.splitlines())
        for d in ("Home/Guides", "Home/Guides/Deep", "Team", "Home/Sketches", "Home/Tracker",
                  "Home/Status board", "Home/Guides/Empty folder"):
            self.assertIn(d, dirs)
        self.assertEqual(os.listdir(self.mount.path("Home", "Guides", "Empty folder")), [])
        # Folders have no file of their own; a folder that cannot be fetched is not shown,
        # and what is in it is at the top (never lost).
        for f in ("Home/Guides.md", "Home/Guides/Deep.md", "Team.md", "Vanished",
                  "Vanished.md", "Old parent.md"):
            self.assertFalse(os.path.exists(self.mount.path(f)), f)

    def test_folder_xattrs(self):
        p = self.mount.path("Home", "Guides")
        self.assertEqual(xattr(p, "type"), "folder")
        self.assertEqual(xattr(p, "title"), "Guides")
        self.assertRegex(xattr(p, "id"), r"^\d+$")
        self.assertTrue(xattr(p, "url").endswith("/spaces/DEMO/folder/" + xattr(p, "id")))
        self.assertEqual(xattr(self.mount.path("Home", "Sketches.md"), "type"), "whiteboard")
        self.assertEqual(xattr(self.mount.path("Home", "Tracker.md"), "type"), "database")
        self.assertEqual(xattr(self.mount.path("Home", "Status board.md"), "type"), "embed")
        self.assertEqual(xattr(self.mount.path("Home", "Guides", "Deep", "Deploy checklist.md"),
                               "type"), "page")

    def test_stubs_grep_and_rsync(self):
        out = subprocess.run(["grep", "-rl", "status.example.com", self.mnt],
                             capture_output=True, text=True).stdout.splitlines()
        self.assertEqual([os.path.relpath(p, self.mnt) for p in out], ["Home/Status board.md"])
        with open(self.mount.path("Home", "Sketches.md")) as f:
            text = f.read()
        self.assertIn("whiteboard", text)
        self.assertIn("/spaces/DEMO/whiteboard/", text)
        self.assertEqual(os.stat(self.mount.path("Home", "Sketches.md")).st_size,
                         len(text.encode()))
        with open(self.mount.path("Home", "Guides", "Deep", "Deploy checklist.md")) as f:
            self.assertIn("Deploy checklist: a page of the cloud tree", f.read())
        export = os.path.join(self.mount.dir, "export")
        subprocess.run(["rsync", "-a", self.mnt + "/", export + "/"], check=True)
        for f in CLOUD_TREE_FILES:
            self.assertTrue(os.path.isfile(os.path.join(export, f)), f)
        self.assertTrue(os.path.isdir(os.path.join(export, "Home", "Guides", "Deep")))

    def test_under_a_404_folder_and_a_trashed_parent(self):
        with open(self.mount.path("Rescued page.md")) as f:
            self.assertIn("Rescued page: a page of the cloud tree", f.read())
        with open(self.mount.path("Orphaned page.md")) as f:
            self.assertIn("Orphaned page: a page of the cloud tree", f.read())
        missing = [c for c in self.after_mount if c[2] == 404]
        self.assertEqual(len(missing), 1, self.after_mount)
        err = self.mount.stderr()
        warned = [line for line in err.splitlines() if "cannot be fetched" in line]
        self.assertEqual(len(warned), 1, err)
        self.assertIn("folder %s" % missing[0][1], warned[0])

    def test_each_container_fetched_once(self):
        self.assertEqual(self.listed, [])
        got = [(t, i) for t, i, _ in self.after_mount]
        self.assertEqual(len(got), len(set(got)), got)
        self.assertEqual(sorted(t for t, _ in got),
                         ["database", "embed", "folder", "folder", "folder", "folder",
                          "folder", "whiteboard"])
        # The trashed parent is a page: not asked for; a debug line names it.
        _, pages = self.fake.space_pages("DEMO")
        old = [p["parentId"] for p in pages if p["title"] == "Orphaned page"][0]
        self.assertFalse([e for e in self.fake.call("GET", "/_fake/log")
                          if re.search(r"/%s(\?|$)" % old, e["path"])])
        self.assertRegex(self.mount.stderr(), r"'Orphaned page' \(\d+\): its parent %s \(page\) "
                                              r"is not in the listing" % old)

    def test_inodes_stable_across_remounts(self):
        names = [("Home", "Guides"), ("Team",), ("Home", "Sketches.md"),
                 ("Home", "Guides", "Deep", "Deploy checklist.md")]
        before = [os.stat(self.mount.path(*n)).st_ino for n in names]
        with mounted(self.fake) as m:
            self.assertEqual([os.stat(m.path(*n)).st_ino for n in names], before)

    def test_check_reports_folders(self):
        env = dict(os.environ, CONFLUENCE_USER=USER, CONFLUENCE_TOKEN=TOKEN,
                   HOME=self.mount.dir, CONFLUENCEFS_CONFIG="/nonexistent")
        r = subprocess.run([MOUNT_BIN, "--check", "DEMO", "-o", "url=" + self.fake.url],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\d+ pages, 4 folders, 3 whiteboards, databases or "
                                   r"embeds, \d+ blog posts")


class Refresh(unittest.TestCase):
    def test_a_refresh_asks_only_for_what_it_does_not_know(self):
        with serving("--flavor", "cloud", "--cloud-tree") as fake, \
                mounted(fake, opts=["ttl=1", "full_ttl=1"]) as m:  # every refresh a full listing
            os.listdir(m.mnt)  # the mount lists its space in the background: wait for it
            first = container_requests(fake)
            fake.reset()
            listings = []
            deadline = time.time() + 60
            while len(listings) < 2 and time.time() < deadline:
                os.listdir(m.mnt)  # the mount is in use: it refreshes every ttl
                log = fake.call("GET", "/_fake/log")
                listings = [e["seq"] for e in log if e["kind"] == "pages_of_space"]
                time.sleep(0.2)
            self.assertEqual(len(listings), 2, "no two refreshes within a minute")
            # Between the first refresh's listing and the second's: no container is asked
            # for again (the one that answered 404 neither: it is remembered as gone).
            again = [(t, i) for e in log if listings[0] < e["seq"] < listings[1]
                     for t, i in re.findall(CONTAINER_RE, e["path"])]
            self.assertEqual(len(first), 8)
            self.assertEqual(again, [])
            self.assertEqual(m.stderr().count("cannot be fetched"), 1)
            self.assertTrue(os.path.isdir(m.path("Home", "Guides", "Deep")))
            # A renamed folder (its version goes up in the search) is fetched again.
            deep = os.getxattr(m.path("Home", "Guides", "Deep"), "user.confluence.id").decode()
            fake.call("POST", "/_fake/page/%s" % deep, {"title": "Deeper"})
            deadline = time.time() + 60
            while time.time() < deadline and not os.path.isdir(m.path("Home", "Guides",
                                                                       "Deeper")):
                os.listdir(m.path("Home", "Guides"))
                time.sleep(0.2)
            self.assertTrue(os.path.isfile(m.path("Home", "Guides", "Deeper",
                                                  "Deploy checklist.md")))
            self.assertFalse(os.path.exists(m.path("Home", "Guides", "Deep")))


class RateLimit(unittest.TestCase):
    ARGS = ("--flavor", "cloud", "--latency-ms", "20")  # the demo space
    OPTS = ["max_requests=8", "batch=1", "ttl=600"]

    @staticmethod
    def request_limit(m):
        stats = subprocess.run(["getfattr", "--only-values", "-n", "user.confluencefs.stats",
                                m.mnt], capture_output=True, text=True).stdout
        return int(re.search(r"request_limit=(\d+)", stats).group(1))

    def grep(self, fake, m):
        """grep -r the space: the fake's peak of requests in flight during it and the
        mount's request_limit after it."""
        fake.reset()
        subprocess.run(["grep", "-rq", "cfsword-nowhere", m.mnt])
        return fake.stats()["peak_in_flight"], self.request_limit(m)

    def control(self):
        """Without signals: the peak, the limit, and the pages' paths."""
        with serving(*self.ARGS) as fake, mounted(fake, opts=self.OPTS) as m:
            peak, limit = self.grep(fake, m)
            paths = [f for f in walk_files(m.mnt) if f.endswith(".md") and "_blog" not in f]
        self.assertNotIn("rate limit", m.err)
        return peak, limit, paths

    def signalled(self, paths, *switches):
        """Read pages one after the other (one round trip each: with every answer near
        the limit, 8 -> 4 -> 2 -> 1) until the limit is 1, then grep: the peak, the
        limit, the stderr and the rate-limit warnings the grep added."""
        with serving(*self.ARGS, *switches) as fake, mounted(fake, opts=self.OPTS) as m:
            for path in paths:
                with open(m.path(path)) as f:
                    f.read()
                if self.request_limit(m) == 1:
                    break
            warned = m.stderr().count("rate limit")
            peak, limit = self.grep(fake, m)
            err = m.stderr()
        return peak, limit, err, err.count("rate limit") - warned

    def test_near_limit_lowers_requests_in_flight(self):
        peak, limit, paths = self.control()
        self.assertGreater(peak, 1)  # without signals, requests overlap
        self.assertEqual(limit, 8)
        peak, limit, err, added = self.signalled(paths, "--ratelimit-near", "1")
        self.assertEqual(peak, 1)
        self.assertEqual(limit, 1)
        self.assertEqual(added, 0, err)  # one warning per episode, none during the grep
        warned = [line for line in err.splitlines() if "rate limit" in line]
        self.assertTrue(warned, err)
        self.assertIn("confluence-quota-tenant-based", warned[-1])

    def test_remaining_under_a_fifth(self):
        _, _, paths = self.control()
        peak, limit, err, added = self.signalled(paths, "--ratelimit-remaining", "1")
        self.assertEqual(peak, 1)
        self.assertEqual(limit, 1)


class Gateway(unittest.TestCase):
    def test_scoped_token_through_the_gateway(self):
        with serving("--flavor", "cloud", "--gateway", "abc-123", "--pages", "300",
                     "--fanout", "20", "--seed", "11", "--attachments", "3",
                     "--attachment-size", "100000") as fake:
            want = fake.call("GET", "/_fake/attachments")
            for suffix in ("/ex/confluence/abc-123", "/ex/confluence/abc-123/wiki"):
                with mounted(fake, space="GEN", url=fake.origin + suffix) as m:
                    files = walk_files(m.mnt)
                    self.assertEqual(len([f for f in files if f.endswith(".md")]), 300)
                    atts = [f for f in files if "/_attachments/" in "/" + f]
                    self.assertEqual(len(atts), 3)
                    for f in atts:
                        a = [x for x in want if x["id"] == xattr(m.path(f), "id")][0]
                        with open(m.path(f), "rb") as fh:
                            self.assertEqual(sha(fh.read()),
                                             sha(media_bytes(a["id"], 0, a["fileSize"])))
            # The site's own URL does not take a scoped token; a wrong one names the scope.
            with self.assertRaises(MountError) as cm:
                Mount(fake, space="GEN", url=fake.origin + "/ex/confluence/abc-123",
                      token="wrong-token")
            self.assertIn("scopes", cm.exception.stderr)
            self.assertEqual(len(cm.exception.stderr.strip().splitlines()), 1)


if __name__ == "__main__":
    unittest.main()
