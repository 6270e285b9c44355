#!/usr/bin/env python3
"""Shaping the tree on a rw mount, part 2 (docs/shape.md): what a create, move or rm
costs in requests (its own only: the server's answer goes into the tree, the space is
not listed again), moves to a space's top level (v1 move "after" a top-level page),
and `cp -r` of a small tree in one command (pages parents-first, links between the
copied files as page links, an image under _attachments/), read back through the
mount.  CFS_FLAVOR=dc runs the same against Data Center (suite shape-e2e-dc)."""

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import DC, Fake, Mount, MountedSpace  # noqa: E402

MEETINGS = "Home/Meeting notes"
# what a listing of the space (full or by the change feed) asks for
LISTING_KINDS = {"pages_of_space", "search", "blogposts", "children", "attachments",
                 "folders", "pages_bulk"}


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class TreeBase(MountedSpace):
    # a long ttl: no refresh of our own during a test (what is counted is the operation's)
    opts = ["rw", "log_level=debug", "timeout=2", "ttl=3600"]

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.cache = tempfile.mkdtemp(prefix="cfs-stcache-")
        cls.mount = Mount(cls.fake, opts=cls.opts, cache_dir=cls.cache)
        cls.mnt = cls.mount.mnt
        cls.space, pages = cls.fake.space_pages("DEMO")
        cls.ids = {p["title"]: p["id"] for p in pages}
        cls.free = sorted((p["title"], p["id"]) for p in pages
                          if p["title"].endswith("Weekly sync"))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.cache, ignore_errors=True)

    def setUp(self):
        self.fake.call("DELETE", "/_fake/fault")
        self.mark = len(self.fake.call("GET", "/_fake/writes"))

    def p(self, *parts):
        return os.path.join(self.mnt, *parts)

    def take(self):
        title, pid = self.free.pop(0)
        return self.p(MEETINGS, title + ".md"), pid

    def writes(self):
        return self.fake.call("GET", "/_fake/writes")[self.mark:]

    def current(self):
        _, pages = self.fake.space_pages("DEMO")
        return {p["title"]: p for p in pages}

    def body(self, pid):
        if DC:
            p = self.fake.api("%s/rest/api/content/%s?expand=body.storage"
                              % (self.fake.context, pid))
        else:
            p = self.fake.api("/wiki/api/v2/pages/%s?body-format=storage" % pid)
        return p["body"]["storage"]["value"]

    def settle(self):
        """Wait until the mount sends nothing more (prefetches of what a test read)."""
        n = -1
        for _ in range(50):
            m = len(self.fake.call("GET", "/_fake/log"))
            if m == n:
                return m
            n = m
            time.sleep(0.3)
        return n

    def requests_of(self, fn):
        """The requests the mount sends while fn runs (after settling)."""
        before = self.settle()
        fn()
        return self.fake.call("GET", "/_fake/log")[before:]


class Cost(TreeBase):
    """Each operation costs its own requests: no listing of the space after it."""

    def kinds(self, log):
        return sorted(e["kind"] for e in log)

    def test_rm_is_one_request(self):
        path, pid = self.take()
        os.listdir(os.path.dirname(path))
        log = self.requests_of(lambda: os.remove(path))
        self.assertEqual(self.kinds(log), ["page_delete"], log)
        self.assertFalse(os.path.exists(path))
        self.assertNotIn(os.path.basename(path), os.listdir(os.path.dirname(path)))

    def test_create_is_one_request(self):
        d = self.p("Home", "Documentation")
        os.listdir(d)
        log = self.requests_of(lambda: write(os.path.join(d, "Costed page.md"), "Hi.\n"))
        self.assertEqual(self.kinds(log), ["page_create"], log)
        self.assertIn("Costed page.md", os.listdir(d))
        self.assertEqual(self.current()["Costed page"]["parentId"], self.ids["Documentation"])
        # its Markdown is what was written (read back without a listing)
        self.assertIn("Hi.", read(os.path.join(d, "Costed page.md")))

    def test_mv_is_a_get_and_a_put(self):
        path, pid = self.take()
        dest = self.p("Home", "Documentation", "Costed move.md")
        os.listdir(os.path.dirname(dest))
        log = self.requests_of(lambda: os.rename(path, dest))
        kinds = self.kinds(log)
        self.assertEqual([k for k in kinds if k in LISTING_KINDS], [], log)
        self.assertIn("page_update", kinds)
        self.assertLessEqual(len(log), 2, log)
        self.assertTrue(os.path.exists(dest))
        self.assertFalse(os.path.exists(path))
        self.assertEqual(self.current()["Costed move"]["parentId"], self.ids["Documentation"])

    def test_mkdir_and_upload_without_a_listing(self):
        d = self.p("Home", "Documentation")
        os.listdir(d)
        data = os.urandom(3000)
        target = os.path.join(d, "_attachments", "costed.bin")
        os.makedirs(os.path.dirname(target), exist_ok=True)

        def upload():
            with open(target, "wb") as f:
                f.write(data)
        log = self.requests_of(upload)
        self.assertEqual(self.kinds(log), ["attachment_upload"], log)
        self.assertIn("costed.bin", os.listdir(os.path.dirname(target)))
        with open(target, "rb") as f:
            self.assertEqual(f.read(), data)
        log = self.requests_of(lambda: os.remove(target))
        self.assertEqual([k for k in self.kinds(log) if k in LISTING_KINDS], [], log)
        self.assertNotIn("costed.bin", os.listdir(os.path.dirname(target)))


class TopLevel(TreeBase):
    """mv to the space's top level: v1 PUT .../move/after/{a top-level page}."""

    def test_mv_to_the_top(self):
        path, pid = self.take()
        name = os.path.basename(path)
        os.rename(path, self.p(name))
        self.assertIn(name, os.listdir(self.mnt))
        self.assertFalse(os.path.exists(path))
        moves = [w for w in self.writes() if "/move/" in w["path"]]
        self.assertEqual(len(moves), 1, self.writes())
        self.assertRegex(moves[0]["path"], r"/rest/api/content/%s/move/after/\d+$" % pid)
        self.assertIsNone(self.current()[name[:-3]]["parentId"])
        # and back under a page
        os.rename(self.p(name), self.p("Home", "Documentation", name))
        self.assertEqual(self.current()[name[:-3]]["parentId"], self.ids["Documentation"])

    def test_mv_to_the_top_with_a_new_title(self):
        path, pid = self.take()
        os.rename(path, self.p("Top and renamed.md"))
        cur = self.current()
        self.assertIn("Top and renamed", cur)
        self.assertEqual(cur["Top and renamed"]["id"], pid)
        self.assertIsNone(cur["Top and renamed"]["parentId"])
        self.assertIn("Top and renamed.md", os.listdir(self.mnt))

    def test_mv_to_the_top_refused(self):
        path, pid = self.take()
        self.fake.fault(kind="status", status=403, match="/move/", method="PUT")
        with self.assertRaises(OSError) as cm:
            os.rename(path, self.p(os.path.basename(path)))
        self.assertEqual(cm.exception.errno, errno.EACCES)
        self.assertTrue(os.path.exists(path))
        self.assertFalse(os.path.exists(self.p(os.path.basename(path))))
        self.assertIsNotNone(self.current()[os.path.basename(path)[:-3]]["parentId"])



def links_of(md):
    """The relative targets of the Markdown links and images in md (unquoted)."""
    import re
    import urllib.parse
    return [urllib.parse.unquote(t.split("#")[0]) for t in re.findall(r"\]\(([^)\s]+)\)", md)
            if "://" not in t and not t.startswith("#")]


class CopyIn(TreeBase):
    """cp -r notes/ dest/ in one command: notes/ itself is a bare directory (Cloud: a
    folder; DC: an empty page), the pages are created parents-first (cp copies in the
    source's inode order, which ext4 gives either way: a page's file before its
    directory, or the directory first, which on Cloud makes a folder that gives way to
    the page and goes to the trash), links between them become page links, the image
    under _attachments/ is uploaded."""

    def make_notes(self, png):
        src = os.path.join(tempfile.mkdtemp(prefix="cfs-cpr-"), "notes")
        self.addCleanup(shutil.rmtree, os.path.dirname(src), True)
        os.mkdir(src)
        write(os.path.join(src, "Guide.md"), "The guide. See [the setup](Guide/Setup.md).\n")
        os.mkdir(os.path.join(src, "Guide"))
        write(os.path.join(src, "Guide", "Setup.md"),
              "Steps.\n\n![diagram](Setup/_attachments/d.png)\n\n"
              "Back to [the guide](../Guide.md).\n")
        os.makedirs(os.path.join(src, "Guide", "Setup", "_attachments"))
        with open(os.path.join(src, "Guide", "Setup", "_attachments", "d.png"), "wb") as f:
            f.write(png)
        return src

    def test_cp_r_a_tree(self):
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
        for _ in range(20):
            src = self.make_notes(png)

            def ino(*p):
                return os.stat(os.path.join(src, *p)).st_ino
            if ino("Guide.md") < ino("Guide") and ino("Guide", "Setup.md") < ino("Guide", "Setup"):
                break  # cp -r copies by inode number: each page's file before its directory
        dest = self.p("Home", "Documentation")
        cp = subprocess.run(["cp", "-r", src, dest + "/"], capture_output=True, text=True)
        self.assertEqual(cp.returncode, 0, cp.stderr + self.mount.stderr()[-3000:])

        cur = self.current()
        guide, setup = cur["Guide"], cur["Setup"]
        notes = guide["parentId"]
        self.assertNotEqual(notes, self.ids["Documentation"])
        self.assertEqual(setup["parentId"], guide["id"])
        w = self.writes()
        creates = [x for x in w if x["method"] == "POST" and not x.get("files")]
        self.assertEqual(creates[0]["path"], "/confluence/rest/api/content" if DC
                         else "/wiki/api/v2/folders")  # notes/ first
        order = [x.get("title") for x in creates]
        self.assertLess(order.index("Guide"), order.index("Setup"), order)
        ups = [x for x in w if x.get("files")]
        self.assertEqual(len(ups), 1, ups)
        self.assertTrue(ups[0]["path"].endswith("/content/%s/child/attachment" % setup["id"]))
        self.assertEqual(ups[0]["files"][0]["sha256"], hashlib.sha256(png).hexdigest())
        self.assertIn('ri:content-title="Setup"', self.body(guide["id"]))
        self.assertIn('ri:content-title="Guide"', self.body(setup["id"]))
        self.assertIn('ri:filename="d.png"', self.body(setup["id"]))

        # read back through the mount: the links resolve to the copied files
        there = os.path.join(dest, "notes")
        for rel in ("Guide.md", os.path.join("Guide", "Setup.md")):
            path = os.path.join(there, rel)
            md = read(path)
            targets = links_of(md)
            self.assertTrue(targets, md)
            for t in targets:
                self.assertTrue(os.path.exists(os.path.join(os.path.dirname(path), t)),
                                "%s: link %s does not resolve\n%s" % (rel, t, md))
        with open(os.path.join(there, "Guide", "Setup", "_attachments", "d.png"), "rb") as f:
            self.assertEqual(f.read(), png)


    def test_directory_first_as_cp_does(self):
        """The other order cp -r may take: X/ (with X/_attachments/) before X.md,
        which cp then opens with O_EXCL (it made the directory itself).  Cloud: the
        folder X gives way to an empty page X at mkdir X/_attachments; DC: mkdir X
        made the empty page.  Either way X.md writes that page."""
        dest = self.p("Home", "Documentation")
        png = os.urandom(1500)
        # (test_cp_r_a_tree may have trashed folders too: cp's order is readdir's)
        trashed = len(self.fake.call("GET", "/_fake/trash")["folders"])
        x = os.path.join(dest, "Dir then file")
        os.mkdir(x)
        os.mkdir(os.path.join(x, "_attachments"))
        with open(os.path.join(x, "_attachments", "pic.png"), "wb") as f:
            f.write(png)
        write(os.path.join(x, "Child.md"), "A child.\n")
        fd = os.open(x + ".md", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, b"The page. ![pic](Dir%20then%20file/_attachments/pic.png)\n")
        os.close(fd)
        cur = self.current()
        page = cur["Dir then file"]
        self.assertEqual(page["parentId"], self.ids["Documentation"])
        self.assertEqual(cur["Child"]["parentId"], page["id"])
        self.assertIn("The page.", self.body(page["id"]))
        self.assertIn('ri:filename="pic.png"', self.body(page["id"]))
        ups = [w for w in self.writes() if w.get("files")]
        self.assertEqual(len(ups), 1, ups)
        self.assertTrue(ups[0]["path"].endswith("/content/%s/child/attachment" % page["id"]))
        if not DC:
            self.assertEqual(len(self.fake.call("GET", "/_fake/trash")["folders"]), trashed + 1)
        self.assertEqual(sorted(os.listdir(x)), ["Child.md", "_attachments"])
        with open(os.path.join(x, "_attachments", "pic.png"), "rb") as f:
            self.assertEqual(f.read(), png)
        # the stand-in is written once: a second O_EXCL open is EEXIST again
        with self.assertRaises(FileExistsError):
            os.open(x + ".md", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)


    def test_rmdir_of_a_directory_made_and_left_empty(self):
        """mkdir then rmdir: the folder (Cloud) or the stand-in page (DC) goes to the
        trash; nothing is left on the mount or the server."""
        d = os.path.join(self.p("Home", "Documentation"), "Made and gone")
        os.mkdir(d)
        made = self.writes()[-1]
        os.rmdir(d)
        self.assertFalse(os.path.exists(d))
        self.assertFalse(os.path.exists(d + ".md"))
        trash = self.fake.call("GET", "/_fake/trash")
        self.assertIn(made["id"], [x["id"] for x in trash["pages" if DC else "folders"]])
        self.assertNotIn("Made and gone", self.current())


if __name__ == "__main__":
    unittest.main(verbosity=2)
