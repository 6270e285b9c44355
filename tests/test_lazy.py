#!/usr/bin/env python3
"""End-to-end: before a space's full listing is in, the first `ls` of the root and of a
directory a user opens list just that directory (and ask its pages for their children, so
only pages with children show a Name/), ahead of the full listing (docs/refresh.md,
"Before the listing").  The fake stalls the full listing's second page; the request log
proves the listings of the root and of Home were answered, and `ls` returned, while the
full listing was still running.  Once it is in, the same pages have the same names and
inodes.  A failing full listing gives EIO only for the directories that could not be
learnt either, and is tried again with backoff.  Cloud and Data Center (CFS_FLAVOR)."""

import errno
import os
import re
import subprocess
import sys
import time
import unittest
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import DC, Fake, Mount, sanitizer_report  # noqa: E402

FULL_RE = (r"/rest/api/content\?spaceKey=GEN&type=page" if DC
           else r"^/wiki/api/v2/spaces/\d+/pages\?depth=all")
# the full listing's second page (its first one says the listing is long)
SECOND_RE = FULL_RE + (r".*start=200" if DC else r".*cursor=")
TOP_RE = (r"/rest/api/space/GEN/content/page\?depth=root" if DC
          else r"^/wiki/api/v2/spaces/\d+/pages\?depth=root")


def KIDS_RE(page_id):  # noqa: N802 -- one directory's listing
    return (r"/rest/api/content/%s/child/page\?" % page_id if DC
            else r"^/wiki/api/v2/pages/%s/direct-children\?" % page_id)


def wait_for(pred, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


def listing(path):
    """{name: inode} of a directory, as readdir gives them."""
    with os.scandir(path) as it:
        return {e.name: e.inode() for e in it}


def entry_of(log, regex):
    found = [e for e in log if re.search(regex, e["path"])]
    return found[0] if found else None


class LazyBase(unittest.TestCase):
    FAKE_ARGS = ("--pages", "3000")

    def setUp(self):
        self.fake = Fake(*self.FAKE_ARGS)
        _, self.pages = self.fake.space_pages("GEN")
        self.by_id = {p["id"]: p for p in self.pages}
        atts = self.fake.call("GET", "/_fake/attachments")
        self.parents = {p["parentId"] for p in self.pages} | {a["pageId"] for a in atts}
        self.parents.discard(None)
        # the pages with children, known before the full listing (attachments are not)
        self.page_parents = {p["parentId"] for p in self.pages} - {None}
        self.fake.reset()  # the log starts with the mount's requests
        self.m = None

    def tearDown(self):
        if self.m:
            err = self.m.stop()
            self.assertEqual(sanitizer_report(err), [])
        self.fake.stop()

    def release(self):
        """End the stall of the full listing now (it holds back up to stall_s, a
        margin for slow machines, not a wait)."""
        self.fake.call("POST", "/_fake/fault/release")

    def kids_of(self, parent_id):
        return [p for p in self.pages if p.get("parentId") == parent_id]

    def ids_of(self, d, names):
        """The page ids behind the .md files of directory d."""
        return {os.getxattr(os.path.join(d, n), "user.confluence.id").decode()
                for n in names if n.endswith(".md")}


class Lazy(LazyBase):
    def test_root_and_an_opened_directory_before_the_full_listing(self):
        self.fake.fault(match=SECOND_RE, kind="stall", stall_s=60, count=1)
        self.m = Mount(self.fake, space="GEN", opts=["ttl=60", "prefetch=0"])
        root = listing(self.m.mnt)
        home = listing(self.m.path("Home"))
        home_ids = self.ids_of(self.m.path("Home"), home)
        log = self.fake.call("GET", "/_fake/log")
        second = entry_of(log, SECOND_RE)
        top = entry_of(log, TOP_RE)
        home_id = [p["id"] for p in self.pages if p.get("parentId") is None][0]
        kids = entry_of(log, KIDS_RE(home_id))
        # Both were listed ahead, and ls returned, while the full listing still ran.
        self.assertIsNotNone(second, [e["path"] for e in log])
        self.assertIsNone(second["end"], "the full listing ended before ls returned")
        self.assertIsNotNone(top["end"])
        self.assertIsNotNone(kids["end"])
        self.assertLess(top["start"], second["end"] or float("inf"))
        # The right entries: the top-level pages, and Home's children, each page as
        # Name.md and, when it has children, Name/.
        tops = [p for p in self.pages if p.get("parentId") is None]
        self.assertEqual(set(root), {p["title"] + ".md" for p in tops} |
                         {p["title"] for p in tops if p["id"] in self.page_parents})
        self.assertEqual(home_ids, {p["id"] for p in self.kids_of(home_id)})
        self.assertEqual(len(home), len(self.kids_of(home_id)) + len(
            [p for p in self.kids_of(home_id) if p["id"] in self.page_parents]))

        # Down to a page without children: it shows no Name/ even before the full listing.
        path, pid = [self.m.path("Home")], home_id
        while True:
            kids = self.kids_of(pid)
            names = {os.getxattr(os.path.join(path[-1], n), "user.confluence.id").decode(): n
                     for n in os.listdir(path[-1]) if n.endswith(".md")}
            self.assertEqual(set(names), {p["id"] for p in kids})
            leaves = [p for p in kids if p["id"] not in self.parents]
            if leaves:
                leaf = os.path.join(path[-1], names[leaves[0]["id"]][:-3])
                break
            pid = [p for p in kids if p["id"] in self.page_parents][0]["id"]
            path.append(os.path.join(path[-1], names[pid][:-3]))
        self.assertFalse(os.path.exists(leaf))
        self.assertTrue(os.path.exists(leaf + ".md"))
        log = self.fake.call("GET", "/_fake/log")
        self.assertIsNone(entry_of(log, SECOND_RE)["end"])
        for d in path:
            self.assertIsNotNone(entry_of(log, KIDS_RE(
                os.getxattr(d + ".md", "user.confluence.id").decode()))["end"])

        # The full listing arrives: the same names and inodes for every page; the
        # directories of pages without children or attachments go away.
        self.release()
        self.assertTrue(wait_for(lambda: entry_of(
            self.fake.call("GET", "/_fake/log"), SECOND_RE)["end"] is not None))
        self.assertFalse(os.path.exists(leaf))
        self.assertTrue(os.path.exists(leaf + ".md"))
        want = {n for n in home if n.endswith(".md")}
        for n in sorted(want):
            pid = os.getxattr(self.m.path("Home", n), "user.confluence.id").decode()
            if pid in self.parents:
                want.add(n[:-3])
        self.assertTrue(wait_for(lambda: set(listing(self.m.path("Home"))) == want),
                        sorted(set(listing(self.m.path("Home"))) ^ want))
        after = listing(self.m.path("Home"))
        self.assertEqual({n: home[n] for n in after if n in home},
                         {n: i for n, i in after.items() if n in home})
        self.assertEqual(set(home) - set(after), set())  # nothing shown before went away
        self.assertTrue(all(n in after for n in home if n.endswith(".md")))
        root_after = listing(self.m.mnt)
        self.assertEqual({n: i for n, i in root.items() if n in root_after},
                         {n: i for n, i in root_after.items() if n in root})
        self.assertIn("Home.md", root_after)
        self.assertIsNotNone(entry_of(self.fake.call("GET", "/_fake/log"), SECOND_RE)["end"])

    def test_a_page_learnt_ahead_has_its_time_from_its_first_read(self):
        """Cloud's direct-children carry no version or times: a page learnt ahead
        gets them from its fetch, so stat shows its real time before the full
        listing (it was the Unix epoch), and the same after it."""
        self.fake.fault(match=SECOND_RE, kind="stall", stall_s=60, count=1)
        self.m = Mount(self.fake, space="GEN", opts=["ttl=60", "prefetch=0"])
        home_id = [p["id"] for p in self.pages if p.get("parentId") is None][0]
        home = self.m.path("Home")
        names = {os.getxattr(os.path.join(home, n), "user.confluence.id").decode(): n
                 for n in os.listdir(home) if n.endswith(".md")}
        kid = self.kids_of(home_id)[0]
        want = datetime.fromisoformat(kid["version"]["createdAt"].replace("Z", "+00:00"))
        path = os.path.join(home, names[kid["id"]])
        self.assertAlmostEqual(os.stat(path).st_mtime, want.timestamp(), delta=1)
        self.assertIsNone(entry_of(self.fake.call("GET", "/_fake/log"), SECOND_RE)["end"],
                          "the full listing ended before the stat")
        # Another directory learnt meanwhile (a load of the partial listing) keeps it.
        sub = [p for p in self.kids_of(home_id) if p["id"] in self.page_parents][0]
        os.listdir(os.path.join(home, names[sub["id"]][:-3]))
        self.assertAlmostEqual(os.stat(path).st_mtime, want.timestamp(), delta=1)
        self.release()
        self.assertTrue(wait_for(lambda: entry_of(
            self.fake.call("GET", "/_fake/log"), SECOND_RE)["end"] is not None, 40))
        self.assertAlmostEqual(os.stat(path).st_mtime, want.timestamp(), delta=1)

    def test_the_directory_of_a_page_learnt_ahead_has_its_time(self):
        """The Name/ of a page learnt ahead (Cloud: no times in direct-children)
        waits on stat for the page's fetch, as its Name.md does, instead of
        showing the Unix epoch until the full listing."""
        self.fake.fault(match=SECOND_RE, kind="stall", stall_s=60, count=1)
        self.m = Mount(self.fake, space="GEN", opts=["ttl=60", "prefetch=0"])
        # Pages in the full listing's first batch get their times from it (it is
        # loaded as it comes): a page with children after it, and its parent.
        cut = 200 if DC else 250
        later = {p["id"] for p in self.pages[cut:]}
        target = [p for p in self.pages[cut:] if p["id"] in self.page_parents][0]
        chain, x = [], target
        while x.get("parentId"):
            x = self.by_id[x["parentId"]]
            chain.insert(0, x)
        d = self.m.mnt
        for anc in chain:
            d = [os.path.join(d, n) for n in os.listdir(d)
                 if not n.endswith(".md") and not n.startswith("_") and
                 os.getxattr(os.path.join(d, n), "user.confluence.id").decode() == anc["id"]][0]
        # stat the directories first, not their Name.md (whose stat fetches the
        # page): nothing has fetched these pages yet (prefetch=0).
        seen = {n: os.stat(os.path.join(d, n)).st_mtime for n in os.listdir(d)
                if not n.endswith(".md") and not n.startswith("_")}
        checked = 0
        for n, mtime in seen.items():
            page = self.by_id[os.getxattr(os.path.join(d, n), "user.confluence.id").decode()]
            want = datetime.fromisoformat(page["version"]["createdAt"].replace("Z", "+00:00"))
            self.assertAlmostEqual(mtime, want.timestamp(), delta=1, msg=n)
            checked += page["id"] in later
        self.assertGreater(checked, 0, "no page with children after the first batch")
        self.assertIsNone(entry_of(self.fake.call("GET", "/_fake/log"), SECOND_RE)["end"],
                          "the full listing ended before the stat")

    def test_a_failing_full_listing_is_eio_only_where_nothing_was_learnt(self):
        home_id = [p["id"] for p in self.pages if p.get("parentId") is None][0]
        dirs = [p for p in self.kids_of(home_id) if p["id"] in self.parents]
        bad, good = dirs[0], dirs[1]
        self.fake.fault(match=FULL_RE, kind="status", status=500, count=-1)
        self.fake.fault(match=KIDS_RE(bad["id"]), kind="status", status=500, count=-1)
        self.m = Mount(self.fake, space="GEN", opts=["ttl=60", "retries=0", "prefetch=0"])
        self.assertIn("Home", os.listdir(self.m.mnt))
        home = os.listdir(self.m.path("Home"))
        names = {os.getxattr(self.m.path("Home", n), "user.confluence.id").decode(): n
                 for n in home if n.endswith(".md")}
        with self.assertRaises(OSError) as cm:
            os.listdir(self.m.path("Home", names[bad["id"]][:-3]))
        self.assertEqual(cm.exception.errno, errno.EIO)
        good_dir = self.m.path("Home", names[good["id"]][:-3])
        self.assertEqual(self.ids_of(good_dir, os.listdir(good_dir)),
                         {p["id"] for p in self.kids_of(good["id"])})
        # Tried again with backoff (1 s, 2 s, ...), each attempt one request (retries=0),
        # however often directories are opened meanwhile.
        end = time.time() + 6
        while time.time() < end:
            os.listdir(self.m.path("Home"))
            with self.assertRaises(OSError):
                os.listdir(self.m.path("Home", names[bad["id"]][:-3]))
            time.sleep(0.1)
        full = [e["t_start"] for e in self.fake.call("GET", "/_fake/log")
                if re.search(FULL_RE, e["path"])]
        self.assertGreaterEqual(len(full), 3, full)
        gaps = [b - a for a, b in zip(full, full[1:])]
        self.assertGreater(gaps[0], 0.95, gaps)  # the pauses: 1 s, then 2 s
        self.assertGreater(gaps[1], 1.95, gaps)
        self.fake.call("DELETE", "/_fake/fault")
        bad_dir = self.m.path("Home", names[bad["id"]][:-3])
        self.assertTrue(wait_for(lambda: os.path.isdir(bad_dir) and self.ids_of(
            bad_dir, os.listdir(bad_dir)) == {p["id"] for p in self.kids_of(bad["id"])}))




class LazyWalk(LazyBase):
    FAKE_ARGS = ("--pages", "1200", "--attachments", "150")

    def walk(self):
        """find over the mount: ({page id: path of its .md}, {directories}, stderr, rc)."""
        r = subprocess.run(["find", self.m.mnt], capture_output=True, text=True, timeout=120)
        mds, dirs = {}, set()
        for line in r.stdout.splitlines():
            rel = os.path.relpath(line, self.m.mnt)
            if line.endswith(".md") and "/_attachments/" not in line + "/":
                mds[os.getxattr(line, "user.confluence.id").decode()] = rel
            elif os.path.isdir(line) and rel != ".":
                dirs.add(rel)
        return mds, dirs, r.stderr, r.returncode

    def test_a_walk_before_the_full_listing_meets_no_vanishing_directory(self):
        # find started at once on a fresh mount: every page, no error, and no Name/ of a
        # page without children (it would vanish when the full listing came: rsync exit 23).
        self.fake.fault(match=SECOND_RE, kind="stall", stall_s=80, count=1)
        self.m = Mount(self.fake, space="GEN", opts=["ttl=60", "prefetch=0", "timeout=90"])
        mds, dirs, err, rc = self.walk()
        self.assertIsNone(entry_of(self.fake.call("GET", "/_fake/log"), SECOND_RE)["end"],
                          "the full listing ended before find did")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(set(mds), {p["id"] for p in self.pages})
        by_path = {path[:-3]: pid for pid, path in mds.items()}
        self.assertEqual({by_path[d] for d in dirs}, self.page_parents)
        # Once the full listing is in: the same files; directories only come (pages with
        # attachments alone, and their _attachments/), none goes.
        self.release()
        self.assertTrue(wait_for(lambda: entry_of(
            self.fake.call("GET", "/_fake/log"), SECOND_RE)["end"] is not None, 60))
        self.assertTrue(wait_for(lambda: len(self.walk()[1]) > len(dirs)))
        mds2, dirs2, err2, rc2 = self.walk()
        self.assertEqual((rc2, err2), (0, ""))
        self.assertEqual(mds2, mds)
        self.assertEqual(dirs - dirs2, set())
        self.assertEqual({by_path[d] for d in dirs2 if not d.endswith("_attachments")},
                         self.parents)


def full_re(fake, key):
    """The full listing of space key (either flavour)."""
    if DC:
        return r"/rest/api/content\?spaceKey=%s&type=page" % key
    sid = [s["id"] for s in fake.call("GET", "/_fake/info")["spaces"] if s["key"] == key][0]
    return r"^/wiki/api/v2/spaces/%s/pages\?depth=all" % sid


class LazySpaces(LazyBase):
    """Several spaces in one mount: each is listed in the background once first used, and
    the directories opened meanwhile are listed ahead, as for a single space."""

    def setUp(self):
        self.fake = Fake("--pages", "10", "--add-space", "BIG:1200", "--add-space", "OPS:900")
        self.m = None

    def pages(self, key):
        return self.fake.space_pages(key)[1]

    def test_each_space_is_walked_before_its_full_listing(self):
        big, ops = full_re(self.fake, "BIG"), full_re(self.fake, "OPS")
        second = big + (r".*start=200" if DC else r".*cursor=")
        want = {key: self.pages(key) for key in ("BIG", "OPS")}
        self.fake.fault(match=second, kind="stall", stall_s=80, count=1)
        self.fake.reset()
        self.m = Mount(self.fake, space="BIG,OPS",
                       opts=["ttl=60", "prefetch=0", "timeout=90"])
        self.assertEqual(sorted(os.listdir(self.m.mnt)), ["BIG", "OPS"])
        # Nothing is listed until a space is opened.
        self.assertFalse(any(re.search(big, e["path"]) or re.search(ops, e["path"])
                             for e in self.fake.call("GET", "/_fake/log")))
        for key in ("BIG", "OPS"):
            pages = want[key]
            parents = {p["parentId"] for p in pages} - {None}
            r = subprocess.run(["find", self.m.path(key)], capture_output=True, text=True,
                               timeout=120)
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            ids, dirs = set(), set()
            for line in r.stdout.splitlines():
                if line.endswith(".md"):
                    ids.add(os.getxattr(line, "user.confluence.id").decode())
                elif line != self.m.path(key) and os.path.isdir(line):
                    dirs.add(os.getxattr(line + ".md", "user.confluence.id").decode())
            self.assertEqual(ids, {p["id"] for p in pages}, key)
            self.assertEqual(dirs, parents, key)  # no Name/ that would vanish
        # Both walks ended while BIG's full listing was held back (OPS's waits behind it).
        log = self.fake.call("GET", "/_fake/log")
        self.assertIsNone(entry_of(log, second)["end"], "BIG's full listing ended first")
        self.assertIsNone(entry_of(log, ops), "OPS was listed whole before its walk")
        # Then both listings arrive, with the same names.
        self.release()
        before = sorted(os.listdir(self.m.path("OPS", "Home")))
        self.assertTrue(wait_for(lambda: entry_of(self.fake.call("GET", "/_fake/log"),
                                                  ops) is not None, 60))
        self.assertTrue(wait_for(lambda: entry_of(self.fake.call("GET", "/_fake/log"),
                                                  second)["end"] is not None, 60))
        self.assertTrue(set(before) <= set(os.listdir(self.m.path("OPS", "Home"))))


class LazyWide(LazyBase):
    """A wide directory opened before the full listing: its probes go out at most
    max_requests - 1 at a time, so the full listing keeps a slot and is not held
    back behind them (docs/refresh.md, "Cost")."""
    FAKE_ARGS = ("--pages", "5000", "--fanout", "150", "--roots", "1", "--latency-ms", "40")

    def test_probes_leave_a_slot_to_the_full_listing(self):
        self.m = Mount(self.fake, space="GEN", opts=["ttl=60", "prefetch=0", "max_requests=4"])
        root = [n for n in os.listdir(self.m.mnt) if not n.endswith(".md")][0]
        names = os.listdir(self.m.path(root))
        self.assertEqual(len([n for n in names if n.endswith(".md")]), 150)
        log = self.fake.call("GET", "/_fake/log")
        probes = [e for e in log if re.search(KIDS_RE(r"\d+"), e["path"]) and e["t_end"]]
        self.assertGreater(len(probes), 8, [e["path"] for e in log])
        edges = sorted([(e["t_start"], 1) for e in probes] + [(e["t_end"], -1) for e in probes])
        peak = n = 0
        for _, d in edges:
            n += d
            peak = max(peak, n)
        self.assertIn(peak, (2, 3))  # 4 with every probe sent at once
        # The full listing went on meanwhile: its pages are in before the probes end.
        pages = [e for e in log if re.search(FULL_RE, e["path"])]
        self.assertGreater(len(pages), 1)
        self.assertLess(pages[1]["t_start"], max(e["t_end"] for e in probes))


@unittest.skipIf(DC, "Data Center has no folders")
class LazyFolders(unittest.TestCase):
    def test_a_folder_opened_before_the_full_listing(self):
        fake = Fake("--pages", "600", "--folders", "3")
        try:
            fake.fault(match=SECOND_RE, kind="stall", stall_s=5, count=1)
            m = Mount(fake, space="GEN", opts=["ttl=60", "prefetch=0"])
            try:
                home = os.listdir(m.path("Home"))
                self.assertIn("Folder 000", home)
                self.assertNotIn("Folder 000.md", home)
                inside = os.listdir(m.path("Home", "Folder 000"))
                self.assertIsNone(entry_of(fake.call("GET", "/_fake/log"), SECOND_RE)["end"])
                fid = os.getxattr(m.path("Home", "Folder 000"), "user.confluence.id").decode()
                kids = fake.api("/wiki/api/v2/folders/%s/direct-children" % fid)
                self.assertTrue(kids)
                self.assertEqual({os.getxattr(m.path("Home", "Folder 000", n),
                                              "user.confluence.id").decode()
                                  for n in inside if n.endswith(".md")},
                                 {k["id"] for k in kids})
                self.assertEqual(os.getxattr(m.path("Home", "Folder 000"),
                                             "user.confluence.type"), b"folder")
            finally:
                err = m.stop()
            self.assertEqual(sanitizer_report(err), [])
        finally:
            fake.stop()


if __name__ == "__main__":
    unittest.main()
