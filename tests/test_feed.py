#!/usr/bin/env python3
"""End-to-end: mount at once and refresh by change feed (docs/refresh.md).  The mount
appears before the space's listing ends (proved from the fake's request log).  An edit on the server shows
within ttl without a full listing, an unchanged space costs at most 4 requests per ttl
(proved from the fake's request log), moves and deletions show at full_ttl, and a page
that answers 404 makes the space listed again at once."""

import errno
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import DC, Fake, Mount, sanitizer_report  # noqa: E402

# The first request of each feed (the pages), and the full listing's page request.
FEED_RE = (r"/rest/api/content/search\?cql=.*lastmodified.*expand=ancestors" if DC
           else r"^/wiki/api/v2/spaces/\d+/pages\?sort=-modified-date")
FULL_RE = (r"/rest/api/content\?spaceKey=.*type=page" if DC
           else r"^/wiki/api/v2/spaces/\d+/pages\?depth=all")
TOP_RE = (r"/rest/api/space/\w+/content/page\?depth=root" if DC
          else r"^/wiki/api/v2/spaces/\d+/pages\?depth=root")
PLAIN = "131092"  # Home/Documentation/Plain Page.md in the demo space


def wait_for(pred, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def log_paths(fake):
    return [e["path"] for e in fake.call("GET", "/_fake/log")]


class FeedBase(unittest.TestCase):
    FAKE_ARGS = ()
    OPTS = ()

    def setUp(self):
        self.fake = Fake(*self.FAKE_ARGS)
        self.m = Mount(self.fake, space=self.SPACE, opts=list(self.OPTS))

    def tearDown(self):
        err = self.m.stop()
        self.fake.stop()
        self.assertEqual(sanitizer_report(err), [])

    def use_for(self, seconds):
        """Keep the mount in use (the refresh runs only then) for this long."""
        end = time.time() + seconds
        while time.time() < end:
            os.listdir(self.m.mnt)
            time.sleep(0.2)


class Feed(FeedBase):
    SPACE = "DEMO"
    OPTS = ("ttl=1", "full_ttl=1h", "prefetch=0")  # only what a test reads is fetched

    def test_edit_is_seen_within_ttl_without_a_full_listing(self):
        path = self.m.path("Home", "Documentation", "Plain Page.md")
        self.assertNotIn(b"xyzzy", read(path))
        self.fake.reset()
        self.fake.call("POST", "/_fake/page/" + PLAIN, {"body": "<p>Rewritten: xyzzy</p>"})
        t = time.time()
        self.assertTrue(wait_for(lambda: b"xyzzy" in read(path), 10),
                        "the edit never showed")
        # within one ttl (1 s) plus the feed's round trip and the page's fetch
        self.assertLess(time.time() - t, 4.0)
        self.assertEqual(os.getxattr(path, "user.confluence.version"), b"2")
        paths = log_paths(self.fake)
        self.assertTrue(any(re.search(FEED_RE, p) for p in paths), paths)
        self.assertFalse([p for p in paths if re.search(FULL_RE, p)])

    def test_rename_and_new_page_follow_the_feed(self):
        d = self.m.path("Home", "Documentation")
        self.assertIn("Plain Page.md", os.listdir(d))
        self.fake.call("POST", "/_fake/page/" + PLAIN, {"title": "Fancy Page"})
        self.fake.call("POST", "/_fake/pages", {"parentId": PLAIN, "title": "Brand new"})
        self.assertTrue(wait_for(lambda: "Fancy Page.md" in os.listdir(d)))
        self.assertNotIn("Plain Page.md", os.listdir(d))
        self.assertTrue(wait_for(
            lambda: os.path.exists(os.path.join(d, "Fancy Page", "Brand new.md"))))

    def test_deleted_page_answering_404_lists_again(self):
        # (no stat: that fetches the page for its size; no prefetch: prefetch=0)
        path = self.m.path("Home", "Documentation", "Plain Page.md")
        self.assertIn("Plain Page.md", os.listdir(os.path.dirname(path)))
        self.fake.reset()
        self.fake.call("DELETE", "/_fake/page/" + PLAIN)
        with self.assertRaises(OSError) as cm:
            read(path)  # never read: its fetch answers 404
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertTrue(wait_for(
            lambda: "Plain Page.md" not in os.listdir(os.path.dirname(path)), 10))
        self.assertFalse(os.path.exists(path))
        self.assertTrue(any(re.search(FULL_RE, p) for p in log_paths(self.fake)))


class FullTtl(FeedBase):
    SPACE = "DEMO"
    OPTS = ("ttl=1", "full_ttl=3")

    def test_move_and_delete_are_seen_within_full_ttl(self):
        doc = self.m.path("Home", "Documentation")
        home = self.m.path("Home")
        self.assertIn("Plain Page.md", os.listdir(doc))
        gone = [f for f in os.listdir(doc) if f.endswith(".md") and f != "Plain Page.md"][0]
        gone_id = os.getxattr(os.path.join(doc, gone), "user.confluence.id").decode()
        home_id = os.getxattr(self.m.path("Home.md"), "user.confluence.id").decode()
        self.fake.reset()
        # a move that keeps the version (no change-feed entry), and a deletion
        self.fake.call("POST", "/_fake/page/" + PLAIN, {"parentId": home_id,
                                                        "bump_version": False})
        self.fake.call("DELETE", "/_fake/page/" + gone_id)
        t = time.time()
        ok = False
        while time.time() - t < 10:
            os.listdir(home)
            if "Plain Page.md" in os.listdir(home) and gone not in os.listdir(doc):
                ok = True
                break
            time.sleep(0.2)
        self.assertTrue(ok, "the move or the deletion never showed")
        self.assertLess(time.time() - t, 3 + 1 + 3)  # full_ttl, a ttl tick, the listing
        self.assertNotIn("Plain Page.md", os.listdir(doc))
        self.assertTrue(any(re.search(FULL_RE, p) for p in log_paths(self.fake)))


class Cost(FeedBase):
    SPACE = "GEN"
    FAKE_ARGS = ("--pages", "2000", "--attachments", "50", "--blogposts", "4")
    OPTS = ("ttl=1", "full_ttl=1h")

    def test_unchanged_space_costs_at_most_4_requests_per_refresh(self):
        # The first ls may answer before the listing is in (test_lazy.py): a second
        # one once it is, for the prefetch of the whole root; then let the listing,
        # the prefetch and a first refresh (if due) pass.
        for _ in range(2):
            os.listdir(self.m.mnt)
            n = -1
            while n != len(self.fake.call("GET", "/_fake/log")):
                n = len(self.fake.call("GET", "/_fake/log"))
                time.sleep(1.5)
        self.fake.reset()
        self.use_for(5)
        paths = log_paths(self.fake)
        feeds = [p for p in paths if re.search(FEED_RE, p)]
        self.assertGreaterEqual(len(feeds), 3, paths)
        self.assertFalse([p for p in paths if re.search(FULL_RE, p)])
        per = len(paths) / len(feeds)
        print("requests per refresh of an unchanged 2,000-page space: %.2f (%d refreshes)"
              % (per, len(feeds)), file=sys.stderr)
        self.assertLessEqual(per, 4.0, paths)


class MountAtOnce(unittest.TestCase):
    def test_mount_returns_before_the_listing_ends(self):
        fake = Fake("--pages", "3000")
        try:
            # the full listing's first request stalls 3 s
            fake.fault(match=FULL_RE, kind="stall", stall_s=3, count=1)
            t = time.time()
            m = Mount(fake, space="GEN", opts=["ttl=60"])
            took = time.time() - t
            try:
                # a request of our own, sent once the mount is there
                fake.api(fake.context + ("/rest/api/space/GEN" if DC else
                                         "/api/v2/spaces?keys=GEN"))
                t = time.time()
                root = os.listdir(m.mnt)  # waits for the listing
                ls_took = time.time() - t
                log = fake.call("GET", "/_fake/log")
                listing = [e for e in log if re.search(FULL_RE, e["path"])][0]
                ours = [e for e in log if re.search(r"/space(s\?keys=|/)GEN$", e["path"])][-1]
                # the mount check: what started before our request and is not part of the
                # listing (whose requests go out side by side, in any order)
                before = [e for e in log if e["start"] < ours["start"] and not re.search(
                    r"depth=all|content/search|blogposts|content\?spaceKey", e["path"])]
            finally:
                err = m.stop()
            self.assertEqual(sanitizer_report(err), [])
            self.assertLess(took, 2.5, "the mount waited for the listing")
            self.assertLess(ours["start"], listing["end"], "mounted only after the listing")
            self.assertLessEqual(len(before), 3, [e["path"] for e in before])
            self.assertIn("Home", root)
            self.assertGreater(ls_took, 1.0)  # it did wait, and answered from the listing
        finally:
            fake.stop()

    def test_a_failed_background_listing_is_eio_then_tried_again(self):
        fake = Fake("--pages", "200")
        try:
            # the listing, and the top-level listing a waiting ls makes ahead of it
            # (test_lazy.py): the root cannot be learnt
            fake.fault(match=FULL_RE + "|" + TOP_RE, kind="status", status=500, count=-1)
            m = Mount(fake, space="GEN", opts=["ttl=1", "retries=0"])
            try:
                with self.assertRaises(OSError) as cm:
                    os.listdir(m.mnt)
                self.assertEqual(cm.exception.errno, errno.EIO)
                fake.call("DELETE", "/_fake/fault")
                self.assertTrue(wait_for(lambda: "Home" in os.listdir(m.mnt), 10))
                self.assertTrue(os.path.isdir(m.path("Home")))
            finally:
                err = m.stop()
            self.assertEqual(sanitizer_report(err), [])
            self.assertIn("listing the space", err)  # one warning per attempt
        finally:
            fake.stop()


if __name__ == "__main__":
    unittest.main()
