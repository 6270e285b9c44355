#!/usr/bin/env python3
"""End-to-end: the saved state (docs/state.md) — remount from it, offline mounts,
a corrupt state file, -o offline, and two mounts of the same space side by side;
the same for a mount of several spaces (KEY1,KEY2 and all)."""

import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import (ANY_PAGE_RE, BULK_RE, MOUNT_BIN, TOKEN, USER, Fake, Mount, MountError, sanitizer_report,  # noqa: E402
                     walk_files)


def wait_for(pred, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def grep_all(mnt):
    r = subprocess.run(["grep", "-r", "-c", "", mnt], capture_output=True, text=True,
                       timeout=120)
    return r.returncode, r.stdout


def state_files(cache):
    return [os.path.join(d, f) for d, _, fs in os.walk(cache) for f in fs if f == "state"]


def stats(mnt):
    text = os.getxattr(mnt, "user.confluencefs.stats").decode()
    return dict(line.split("=", 1) for line in text.splitlines())


class StateCase(unittest.TestCase):
    """A fake, a cache directory of the test's own, and the mounts to stop."""

    def setUp(self):
        self.fake = Fake(*self.site)
        self.cache = tempfile.mkdtemp(prefix="cfs-state-")
        self.mounts = []

    def tearDown(self):
        errs = [m.stop() for m in self.mounts]
        self.fake.stop()
        shutil.rmtree(self.cache, ignore_errors=True)
        for err in errs:
            self.assertEqual(sanitizer_report(err), [])

    def mount(self, opts=(), **kw):
        m = Mount(self.fake, cache_dir=self.cache, opts=list(opts), **kw)
        self.mounts.append(m)
        return m

    def unmount(self, m):
        self.mounts.remove(m)
        err = m.stop()
        self.assertEqual(sanitizer_report(err), [])
        return err

    def check(self, space="DEMO"):
        """mount.confluencefs --check against the fake with the test's cache."""
        home = tempfile.mkdtemp(prefix="cfs-check-")
        env = dict(os.environ, HOME=home, CONFLUENCE_TOKEN=TOKEN,
                   CONFLUENCEFS_CONFIG=os.path.join(home, "none"))
        opts = ["url=" + self.fake.url, "cache_dir=" + self.cache, "retries=1"]
        if self.fake.flavor == "dc":
            opts.append("api=dc")
        else:
            env["CONFLUENCE_USER"] = USER
        try:
            return subprocess.run([MOUNT_BIN, "--check", space, "-o", ",".join(opts)],
                                  env=env, capture_output=True, text=True, timeout=60)
        finally:
            shutil.rmtree(home, ignore_errors=True)

    def log_paths(self):
        return [e["path"] for e in self.fake.call("GET", "/_fake/log")]


class Persisted(StateCase):
    site = ()

    def first_mount_reads_everything(self):
        m = self.mount()
        rc, out = grep_all(m.mnt)
        self.assertEqual(rc, 0)
        out = out.replace(m.mnt, "")
        files = walk_files(m.mnt)
        self.unmount(m)
        self.assertEqual(len(state_files(self.cache)), 1, "no state file after unmount")
        return out, files

    def test_remount_serves_grep_with_few_requests(self):
        out, files = self.first_mount_reads_everything()
        self.fake.reset()
        m = self.mount(["ttl=60"])
        rc, out2 = grep_all(m.mnt)
        self.assertEqual(rc, 0)
        self.assertEqual(out2.replace(m.mnt, ""), out)
        self.assertEqual(walk_files(m.mnt), files)
        paths = self.log_paths()
        self.assertLessEqual(len(paths), 5, paths)
        self.assertEqual(stats(m.mnt)["online"], "1")

    def test_pages_the_cache_lost_are_prefetched(self):
        """The disk cache evicts on its own (cache_size, its entry bound): pages
        the state lists but the cache no longer holds are fetched in batches
        when their directory is opened, not one request per read."""
        out, files = self.first_mount_reads_everything()
        pages = sorted(os.path.join(d, f) for d, _, fs in os.walk(self.cache) for f in fs
                       if f.startswith("md") and f.endswith(".data"))
        lost = pages[::2]
        self.assertGreater(len(lost), 10)
        for f in lost:
            os.unlink(f)
        self.fake.reset()
        m = self.mount(["ttl=60"])
        rc, out2 = grep_all(m.mnt)
        self.assertEqual(rc, 0)
        self.assertEqual(out2.replace(m.mnt, ""), out)
        paths = self.log_paths()
        alone = [p for p in paths if re.search(ANY_PAGE_RE, p)]
        bulk = [p for p in paths if re.search(BULK_RE, p)]
        self.assertEqual(alone, [], "pages fetched one by one")
        self.assertTrue(bulk, paths)

    def test_old_state_is_reconciled_at_once(self):
        out, _ = self.first_mount_reads_everything()
        # An edit behind the mount's back, and a listing older than ttl.
        self.fake.call("POST", "/_fake/page/131092",
                       {"title": "Renamed While Away", "bump_version": True})
        time.sleep(1.2)
        m = self.mount(["ttl=1"])
        d = m.path("Home", "Documentation")
        self.assertTrue(wait_for(lambda: "Renamed While Away.md" in os.listdir(d)))
        self.assertIn(b"cfsword-131092", read(os.path.join(d, "Renamed While Away.md")))
        # The page linking to it was kept on disk with a link that now dangles:
        # not served from there (its link signature changed), rendered again.
        self.assertNotIn(b"(Documentation/Plain%20Page.md)",
                         read(m.path("Home", "Documentation.md")))
        # The pages not linking to it are still served from disk: reading
        # every page fetches only the few that changed or link to it.
        self.fake.reset()
        rc, _ = grep_all(m.mnt)
        self.assertEqual(rc, 0)
        fetches = [p for p in self.log_paths() if re.search(ANY_PAGE_RE, p) or
                   re.search(BULK_RE, p)]
        self.assertLessEqual(len(fetches), 3, fetches)

    def test_offline_mount_serves_what_was_read(self):
        m = self.mount(["prefetch=0"])  # only what is read is rendered
        read_before = [f for f in walk_files(m.mnt)
                       if f.endswith(".md") and "Documentation" in f]
        self.assertTrue(read_before)
        never = [f for f in walk_files(m.mnt) if f.endswith(".md") and f not in read_before]
        self.assertTrue(never)
        contents = {f: read(m.path(f)) for f in read_before}
        self.unmount(m)

        self.fake.halt()
        m = self.mount(["retries=1", "ttl=1", "prefetch=0"])
        self.assertIn("mounting offline", m.stderr())
        self.assertEqual(m.stderr().count("mounting offline"), 1)
        self.assertEqual(stats(m.mnt)["online"], "0")
        for f, data in contents.items():
            self.assertEqual(read(m.path(f)), data, f)
        with self.assertRaises(OSError) as cm:
            read(m.path(never[0]))
        self.assertEqual(cm.exception.errno, errno.EIO)

        self.fake.restart()
        self.assertTrue(wait_for(lambda: stats(m.mnt)["online"] == "1", 60),
                        "never went online: " + m.stderr())
        self.assertTrue(wait_for(lambda: self._readable(m.path(never[0])), 30))

    @staticmethod
    def _readable(path):
        try:
            return len(read(path)) > 0
        except OSError:
            return False

    def test_unreachable_without_state_fails(self):
        self.fake.halt()
        with self.assertRaises(MountError) as cm:
            self.mount(["retries=1"])
        self.assertIn("cannot reach", cm.exception.stderr)

    def test_auth_failure_with_state_still_fails(self):
        self.first_mount_reads_everything()
        with self.assertRaises(MountError) as cm:
            self.mount(token="wrong-token")
        self.assertIn("authentication failed", cm.exception.stderr)

    def test_check_says_online_or_offline(self):
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("OK: ") and r.stdout.rstrip().endswith(", online"),
                        r.stdout)
        self.first_mount_reads_everything()
        self.fake.halt()
        r = self.check()
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stdout.startswith("OFFLINE: cannot reach"), r.stdout + r.stderr)

    def test_forced_offline(self):
        m = self.mount()
        page = [f for f in walk_files(m.mnt) if f.endswith(".md")][0]
        data = read(m.path(page))
        self.unmount(m)
        self.fake.reset()
        m = self.mount(["offline"])
        self.assertIn("-o offline", m.stderr())
        self.assertEqual(read(m.path(page)), data)
        self.assertEqual(stats(m.mnt)["online"], "0")

    def test_forced_offline_without_state_fails(self):
        with self.assertRaises(MountError) as cm:
            self.mount(["offline"])
        self.assertIn("no saved state", cm.exception.stderr)

    def test_corrupt_state_is_discarded(self):
        out, files = self.first_mount_reads_everything()
        path = state_files(self.cache)[0]
        with open(path, "r+b") as f:
            f.seek(os.path.getsize(path) // 2)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0xff]))
        m = self.mount()
        err = m.stderr()
        self.assertEqual(err.count("discarding the saved state"), 1, err)
        self.assertIn("checksum", err)
        self.assertEqual(walk_files(m.mnt), files)
        # Offline with only a corrupt state: not trusted, the mount fails.
        self.unmount(m)
        with open(path, "wb") as f:
            f.write(b"CFSSTATE\x01\x00\x00\x00")
        self.fake.halt()
        with self.assertRaises(MountError) as cm:
            self.mount(["retries=1"])
        self.assertIn("cannot reach", cm.exception.stderr)

    def test_two_mounts_side_by_side(self):
        a = self.mount()
        b = self.mount()
        self.assertIn("in use by another mount", b.stderr())
        rc, out_a = grep_all(a.mnt)
        self.assertEqual(rc, 0)
        rc, out_b = grep_all(b.mnt)
        self.assertEqual(rc, 0)
        self.assertEqual(out_a.replace(a.mnt, ""), out_b.replace(b.mnt, ""))
        atts = [f for f in walk_files(a.mnt) if "/_attachments/" in f]
        self.assertTrue(atts)
        for f in atts[:5]:
            self.assertEqual(read(a.path(f)), read(b.path(f)), f)


# The demo space plus two generated ones; each generated root page links to
# DEMO's Home (as in test_spaces.py).
SITE = ("--add-space", "ENG:40", "--add-space", "OPS:12")


class SeveralSpaces(StateCase):
    """A mount of several spaces keeps one state: every space it listed, with
    its listing, and the others by name (docs/state.md)."""

    site = SITE

    def test_remount_of_two_spaces_serves_grep_with_few_requests(self):
        m = self.mount(space="DEMO,ENG")
        rc, out = grep_all(m.mnt)
        self.assertEqual(rc, 0)
        out = out.replace(m.mnt, "")
        self.assertIn("/ENG/Home.md:", out)
        self.assertIn("/DEMO/Home.md:", out)
        files = walk_files(m.mnt)
        eng_home = read(m.path("ENG", "Home.md"))
        self.assertIn(b"](../DEMO/Home.md)", eng_home)  # a link into the other space
        self.unmount(m)
        self.assertEqual(len(state_files(self.cache)), 1, "no state file after unmount")

        # The same spaces in another order find the same cache and state.
        self.fake.reset()
        m = self.mount(["ttl=60"], space="ENG, DEMO")
        rc, out2 = grep_all(m.mnt)
        self.assertEqual(rc, 0)
        self.assertEqual(out2.replace(m.mnt, ""), out)
        self.assertEqual(walk_files(m.mnt), files)
        self.assertEqual(read(m.path("ENG", "Home.md")), eng_home)
        paths = self.log_paths()
        self.assertLessEqual(len(paths), 5, paths)
        self.assertEqual(stats(m.mnt)["online"], "1")

        # A cache directory named as the keys were given (before they were
        # sorted) is still used when it exists.
        self.unmount(m)
        path = state_files(self.cache)[0]
        self.assertEqual(os.path.basename(os.path.dirname(path)), "DEMO,ENG")
        os.rename(os.path.dirname(path), os.path.join(os.path.dirname(os.path.dirname(path)),
                                                      "ENG,DEMO"))
        self.fake.reset()
        m = self.mount(["ttl=60"], space="ENG,DEMO")
        self.assertEqual(walk_files(m.mnt), files)
        paths = self.log_paths()
        self.assertLessEqual(len(paths), 5, paths)

    def test_state_of_other_spaces_is_discarded(self):
        m = self.mount(space="DEMO,ENG")
        self.assertTrue(os.listdir(m.path("DEMO")))
        self.unmount(m)
        path = state_files(self.cache)[0]
        # The state of DEMO,ENG put where a mount of DEMO,OPS looks for its own.
        other = os.path.join(os.path.dirname(os.path.dirname(path)), "DEMO,OPS")
        os.makedirs(other, exist_ok=True)
        shutil.copy(path, os.path.join(other, "state"))
        m = self.mount(space="DEMO,OPS")
        self.assertEqual(m.stderr().count("discarding the saved state"), 1, m.stderr())
        self.assertEqual(sorted(os.listdir(m.mnt)), ["DEMO", "OPS"])

    def test_offline_mount_of_all_spaces(self):
        m = self.mount(["prefetch=0"], space="all")
        self.assertEqual(sorted(os.listdir(m.mnt)), ["DEMO", "ENG", "OPS"])
        read_before = [f for f in walk_files(m.path("DEMO")) if f.endswith(".md")][:5]
        self.assertTrue(read_before)
        contents = {f: read(m.path("DEMO", f)) for f in read_before}
        self.unmount(m)  # ENG and OPS were never opened: never listed

        self.fake.halt()
        m = self.mount(["retries=1", "ttl=1", "prefetch=0"], space="all")
        self.assertEqual(m.stderr().count("mounting offline"), 1, m.stderr())
        self.assertEqual(stats(m.mnt)["online"], "0")
        self.assertEqual(sorted(os.listdir(m.mnt)), ["DEMO", "ENG", "OPS"])
        for f, data in contents.items():
            self.assertEqual(read(m.path("DEMO", f)), data, f)
        # A space never listed cannot be shown offline: EIO, at once.
        t0 = time.time()
        with self.assertRaises(OSError) as cm:
            os.listdir(m.path("ENG"))
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertLess(time.time() - t0, 10)

        self.fake.restart()
        self.assertTrue(wait_for(lambda: stats(m.mnt)["online"] == "1", 60),
                        "never went online: " + m.stderr())
        self.assertTrue(wait_for(lambda: self._listable(m.path("ENG")), 30))
        self.assertIn("Home.md", os.listdir(m.path("ENG")))

    def test_check_offline_counts_every_space(self):
        m = self.mount(space="DEMO,ENG")
        n_demo = len([f for f in walk_files(m.path("DEMO")) if f.endswith(".md")])
        n_eng = len([f for f in walk_files(m.path("ENG")) if f.endswith(".md")])
        self.unmount(m)
        self.fake.halt()
        r = self.check("DEMO,ENG")
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stdout.startswith("OFFLINE: cannot reach"), r.stdout + r.stderr)
        got = int(re.search(r"\((\d+) pages and blog posts\)", r.stdout).group(1))
        self.assertGreaterEqual(got, n_demo + n_eng - 4)  # minus a few folders' stubs

    @staticmethod
    def _listable(path):
        try:
            return len(os.listdir(path)) > 0
        except OSError:
            return False



if __name__ == "__main__":
    unittest.main()
