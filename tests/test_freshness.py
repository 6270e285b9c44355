#!/usr/bin/env python3
"""End-to-end: caching, freshness after ttl, prefetch order and single flight."""

import errno
import os
import re
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import (BULK_RE, PAGE_RE, Fake, Mount, mounted, sanitizer_report,  # noqa: E402
                     serving, walk_files)


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


class Freshness(unittest.TestCase):
    def setUp(self):
        self.fake = Fake()
        # deletions are found by the full listing, every full_ttl (docs/refresh.md)
        self.m = Mount(self.fake, opts=["ttl=1", "full_ttl=2"])

    def tearDown(self):
        err = self.m.stop()
        self.fake.stop()
        self.assertEqual(sanitizer_report(err), [])

    def test_changed_page_is_seen_with_its_new_size(self):
        path = self.m.path("Home", "Documentation", "Plain Page.md")
        old = read(path)
        self.fake.call("POST", "/_fake/page/131092",
                       {"body": "<p>Rewritten: xyzzy plugh</p>", "bump_version": True})

        def fresh():
            return b"xyzzy" in read(path)
        self.assertTrue(wait_for(fresh), "the new version never showed")
        new = read(path)
        self.assertNotEqual(old, new)
        self.assertEqual(os.stat(path).st_size, len(new))
        self.assertEqual(os.getxattr(path, "user.confluence.version"), b"2")

    def test_deleted_page_disappears(self):
        d = self.m.path("Home", "Documentation")
        self.assertIn("Plain Page.md", os.listdir(d))
        self.fake.call("DELETE", "/_fake/page/131092")
        self.assertTrue(wait_for(lambda: "Plain Page.md" not in os.listdir(d)))
        with self.assertRaises(OSError) as cm:
            os.stat(os.path.join(d, "Plain Page.md"))
        self.assertEqual(cm.exception.errno, errno.ENOENT)

    def test_renamed_page_moves(self):
        d = self.m.path("Home", "Documentation")
        read(os.path.join(d, "Plain Page.md"))
        # Documentation links to Plain Page by title ("the link follows" below).
        self.assertIn(b"(Documentation/Plain%20Page.md)", read(self.m.path("Home",
                                                                        "Documentation.md")))
        self.fake.call("POST", "/_fake/page/131092", {"title": "Fancy Page"})
        self.assertTrue(wait_for(lambda: "Fancy Page.md" in os.listdir(d)))
        self.assertNotIn("Plain Page.md", os.listdir(d))
        self.assertFalse(os.path.exists(os.path.join(d, "Plain Page.md")))
        self.assertIn(b"cfsword-131092", read(os.path.join(d, "Fancy Page.md")))
        # The linking page is rendered again: the old title is no longer a
        # relative path that would dangle (the body still names Plain Page,
        # which no longer exists, so it is a web link now).
        doc = read(self.m.path("Home", "Documentation.md"))
        self.assertNotIn(b"(Documentation/Plain%20Page.md)", doc)
        self.assertEqual(os.stat(self.m.path("Home", "Documentation.md")).st_size, len(doc))


class WarmCache(unittest.TestCase):
    def test_warm_reads_within_ttl_make_no_requests(self):
        with serving("--pages", "150", "--fanout", "5", "--seed", "2") as fake, \
                mounted(fake, space="GEN", opts=["ttl=600"]) as m:
            first = subprocess.run(["grep", "-rc", "cfscommon", m.mnt], capture_output=True,
                                   text=True).stdout
            fake.reset()
            second = subprocess.run(["grep", "-rc", "cfscommon", m.mnt],
                                    capture_output=True, text=True).stdout
            with_stat = subprocess.run(["rsync", "-an", "--stats", m.mnt + "/", "/tmp/x/"],
                                       capture_output=True, text=True)
            self.assertEqual(with_stat.returncode, 0, with_stat.stderr)
            self.assertEqual(first, second)
            self.assertEqual(fake.stats()["requests"], 0)

    def test_small_memory_cap_still_serves_everything(self):
        with serving("--pages", "60", "--fanout", "6", "--seed", "4") as fake, \
                mounted(fake, space="GEN", opts=["mem_cache=16k", "ttl=0"]) as m:
            files = [f for f in walk_files(m.mnt) if f.endswith(".md")]
            first = {f: read(m.path(f)) for f in files}
            again = {f: read(m.path(f)) for f in files}
            self.assertEqual(first, again)
            for f in files:
                self.assertEqual(os.stat(m.path(f)).st_size, len(first[f]))


class Prefetch(unittest.TestCase):
    def test_user_read_goes_ahead_of_prefetch(self):
        # Root R with 150 children; the first child has 150 children of its own.
        fake = Fake("--pages", "301", "--fanout", "150", "--roots", "1", "--seed", "9",
                    "--latency-ms", "100")
        try:
            # Find the names on a first mount, so the measured mount starts cold.
            m = Mount(fake, space="GEN", opts=["prefetch=0"])
            root_dir = [n for n in os.listdir(m.mnt) if not n.endswith(".md")][0]
            sub = [k for k in sorted(os.listdir(m.path(root_dir))) if not k.endswith(".md")][0]
            grand = sorted(os.listdir(m.path(root_dir, sub)))[0]
            gid = os.getxattr(m.path(root_dir, sub, grand), "user.confluence.id").decode()
            m.stop()
            m = Mount(fake, space="GEN", opts=["max_requests=1", "prefetch=1"])
            try:
                # The space's listing first (2 requests): before it, the ls below
                # would list the directory ahead, one probe per child, one at a
                # time (docs/refresh.md).
                fake.settle()
                fake.reset()
                # Listing the root's directory queues 6 background batches of 25.
                os.listdir(m.path(root_dir))
                time.sleep(0.05)
                read(m.path(root_dir, sub, grand))
                log = fake.call("GET", "/_fake/log")
                bulk = [e for e in log if re.search(BULK_RE, e["path"])]
                mine = [e for e in log if re.search(PAGE_RE(gid), e["path"])]
                self.assertEqual(len(mine), 1, log)
                before = [e for e in bulk if e["start"] < mine[0]["start"]]
                # At most the batch in flight (and one starting as the read arrived).
                self.assertLessEqual(len(before), 2, [e["path"][:60] for e in log])
                self.assertTrue(wait_for(lambda: len([
                    e for e in fake.call("GET", "/_fake/log")
                    if re.search(BULK_RE, e["path"])]) >= 6, 30))
                self.assertLessEqual(fake.stats()["peak_in_flight"], 1)
            finally:
                m.stop()
        finally:
            fake.stop()

    def test_two_readers_one_request(self):
        with serving("--pages", "20", "--fanout", "5", "--seed", "6",
                     "--latency-ms", "200") as fake, \
                mounted(fake, space="GEN", opts=["prefetch=0"]) as m:
            files = [f for f in walk_files(m.mnt) if f.endswith(".md")]
            target = m.path(files[-1])
            fake.reset()
            out = []
            ts = [threading.Thread(target=lambda: out.append(read(target)))
                  for _ in range(4)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            self.assertEqual(len(out), 4)
            self.assertTrue(all(o == out[0] for o in out))
            st = fake.stats()
            # one page fetch; besides it at most the lookup of its author's name
            self.assertEqual(st["by_kind"]["page"], 1, st)
            self.assertLessEqual(st["by_kind"]["user"], 1, st)
            self.assertEqual(st["requests"], 1 + st["by_kind"]["user"], st)

    def test_prefetch_off_fetches_only_what_is_read(self):
        with serving("--pages", "40", "--fanout", "40", "--seed", "6") as fake, \
                mounted(fake, space="GEN", opts=["prefetch=0"]) as m:
            fake.settle()  # the space's listing, in the background
            fake.reset()
            for d in os.listdir(m.mnt):
                if not d.endswith(".md"):
                    os.listdir(m.path(d))
            self.assertEqual(fake.stats()["requests"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
