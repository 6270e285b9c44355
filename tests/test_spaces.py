#!/usr/bin/env python3
"""End-to-end: several spaces per mount (SPACE as KEY1,KEY2 or all), on either flavor."""

import errno
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import (API_ROOT, DC, Fake, Mount, MountedSpace, MountError,  # noqa: E402
                     mounted, serving, walk_files)

# The demo space plus two generated ones; each generated root page links to
# DEMO's Home and to a space that does not exist (NOSUCH).
SITE = ("--add-space", "ENG:40", "--add-space", "OPS:12", "--blogposts", "2")


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def listed(fake, key):
    """Did the mount list the pages of space key?"""
    if DC:
        pattern = "%s/rest/api/content?spaceKey=%s&type=page" % (API_ROOT, key)
    else:
        sid = [s["id"] for s in fake.call("GET", "/_fake/info")["spaces"] if s["key"] == key][0]
        pattern = "%s/api/v2/spaces/%s/pages?" % (API_ROOT, sid)
    return any(e["path"].startswith(pattern) for e in fake.call("GET", "/_fake/log"))


class TwoSpaces(MountedSpace):
    """DEMO,ENG: one directory per space, each listed when first looked into."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake(*SITE)
        cls.mount = Mount(cls.fake, space="DEMO,ENG", opts=["prefetch=0"])
        cls.mnt = cls.mount.mnt

    def test_1_lazy_listing_and_cross_space_links(self):
        # Mounting asked for the two spaces, and listed neither.
        self.assertEqual(sorted(os.listdir(self.mnt)), ["DEMO", "ENG"])
        self.assertFalse(listed(self.fake, "DEMO"))
        self.assertFalse(listed(self.fake, "ENG"))
        self.assertEqual(sorted(os.listdir(os.path.join(self.mnt, "ENG"))),
                         ["Home", "Home.md", "_blog"])
        self.assertTrue(listed(self.fake, "ENG"))
        self.assertFalse(listed(self.fake, "DEMO"))
        # ENG's home page links into DEMO: DEMO is listed before it is rendered,
        # and the link is a relative path that resolves on the mount.
        with open(os.path.join(self.mnt, "ENG", "Home.md"), encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(listed(self.fake, "DEMO"))
        self.assertIn("](../DEMO/Home.md)", text)
        self.assertTrue(os.path.isfile(os.path.join(self.mnt, "ENG", "../DEMO/Home.md")))
        # A space that is not mounted stays a web link.
        self.assertIn("](%s/display/NOSUCH/Elsewhere)" % self.fake.url, text)

    def test_space_directories(self):
        info = {s["key"]: s for s in self.fake.call("GET", "/_fake/info")["spaces"]}
        for key in ("DEMO", "ENG"):
            path = os.path.join(self.mnt, key)
            self.assertTrue(os.path.isdir(path))
            self.assertEqual(os.getxattr(path, "user.confluence.space").decode(), key)
            want_id = key if DC else info[key]["id"]  # DC spaces are known by key
            self.assertEqual(os.getxattr(path, "user.confluence.id").decode(), want_id)
            self.assertTrue(os.getxattr(path, "user.confluence.title"))
        self.assertFalse(os.path.exists(os.path.join(self.mnt, "OPS")))
        with open("/proc/self/mountinfo") as f:
            line = [ln for ln in f if " %s " % self.mnt in ln][0]
        self.assertIn("confluencefs:DEMO+ENG", line)

    def test_same_titles_in_two_spaces(self):
        demo = os.getxattr(os.path.join(self.mnt, "DEMO", "Home.md"), "user.confluence.id")
        eng = os.getxattr(os.path.join(self.mnt, "ENG", "Home.md"), "user.confluence.id")
        self.assertNotEqual(demo, eng)
        inos = {}
        for d, dirs, files in os.walk(self.mnt):
            for n in dirs + files:
                p = os.path.join(d, n)
                self.assertNotIn(os.stat(p).st_ino, inos, p)
                inos[os.stat(p).st_ino] = p

    def test_blog_posts_per_space(self):
        for key in ("DEMO", "ENG"):
            posts = [f for f in walk_files(os.path.join(self.mnt, key))
                     if f.startswith("_blog/") and f.endswith(".md")]
            want = [s for s in self.fake.call("GET", "/_fake/info")["spaces"]
                    if s["key"] == key][0]["blogposts"]
            self.assertEqual(len(posts), want, key)


class AllSpaces(unittest.TestCase):
    def test_all_spaces_grep_and_rsync(self):
        with serving(*SITE) as fake, mounted(fake, space="all") as m:
            info = fake.call("GET", "/_fake/info")["spaces"]
            self.assertEqual(sorted(os.listdir(m.mnt)), sorted(s["key"] for s in info))
            # Every page and blog post of every space, once.
            r = run("grep", "-rl", "cfscommon", m.mnt)
            self.assertEqual(r.returncode, 0, r.stderr)
            want = sum(s["pages"] + s["blogposts"] for s in info)
            self.assertEqual(len(r.stdout.splitlines()), want)
            atts = sum(s["attachments"] for s in info)
            self.assertEqual(len(walk_files(m.mnt)), want + atts)


class Freshness(unittest.TestCase):
    def test_every_listed_space_is_refreshed(self):
        """A change in either space shows after ttl; a new blog post too."""
        with serving(*SITE) as fake, mounted(fake, space="DEMO,ENG", opts=["ttl=1"]) as m:
            eng_home = os.getxattr(m.path("ENG", "Home.md"), "user.confluence.id").decode()
            os.listdir(m.path("DEMO"))
            fake.call("POST", "/_fake/page/" + eng_home,
                      {"body": "<p>Rewritten: xyzzy</p>", "bump_version": True})
            fake.call("POST", "/_fake/page/131092", {"title": "Fancy Page"})
            fake.call("POST", "/_fake/pages", {"space": "ENG", "type": "blogpost",
                                               "title": "Fresh news"})

            def fresh():
                with open(m.path("ENG", "Home.md"), "rb") as f:
                    body = f.read()
                docs = os.listdir(m.path("DEMO", "Home", "Documentation"))
                posts = [f for f in walk_files(m.path("ENG", "_blog"))
                         if f.endswith("Fresh news.md")]
                return b"xyzzy" in body and "Fancy Page.md" in docs and posts
            deadline = time.time() + 15
            while not fresh() and time.time() < deadline:
                time.sleep(0.2)
            self.assertTrue(fresh(), "a change never showed")


class Errors(unittest.TestCase):
    def test_unknown_key_fails_the_mount(self):
        with serving(*SITE) as fake:
            with self.assertRaises(MountError) as cm:
                Mount(fake, space="DEMO,NOPE")
            self.assertIn("space 'NOPE' not found", cm.exception.stderr)

    def test_failed_listing_is_eio_then_recovers(self):
        with serving(*SITE) as fake, \
                mounted(fake, space="DEMO,OPS", opts=["retries=0", "prefetch=0"]) as m:
            # the full listing and the top level listed ahead of it (DC: /space/OPS/content)
            fake.fault(match="spaceKey=OPS|/spaces/[0-9]+/pages|space%3D%22OPS|/space/OPS/content",
                       kind="status", status=500, count=-1)
            with self.assertRaises(OSError) as cm:
                os.listdir(os.path.join(m.mnt, "OPS"))
            self.assertEqual(cm.exception.errno, errno.EIO)
            self.assertIn("listing", m.stderr())
            fake.call("DELETE", "/_fake/fault")
            self.assertIn("Home.md", os.listdir(os.path.join(m.mnt, "OPS")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
