#!/usr/bin/env python3
"""End-to-end: attachments stream lazily into a bounded on-disk cache, byte for byte."""

import errno
import hashlib
import mmap
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import (ATT_BYTES_KIND, ATT_BYTES_RE, DC, Fake, Mount, mounted,  # noqa: E402
                     sanitizer_report, serving, walk_files)

SEED = 11
SIZE = 3 << 20  # 3 MiB each


def media_bytes(att_id, start, end):
    """Bytes [start, end) of a generated attachment (docs/fake-confluence.md)."""
    out = bytearray()
    for k in range(start // 65536, (end - 1) // 65536 + 1):
        out += hashlib.shake_256(("cfs-att:%s:%s:%d" % (SEED, att_id, k)).encode()).digest(65536)
    first = (start // 65536) * 65536
    return bytes(out[start - first:end - first])


def sha(data):
    return hashlib.sha256(data).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Attachments(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--pages", "12", "--fanout", "4", "--seed", str(SEED),
                        "--attachments", "6", "--attachment-size", str(SIZE))
        cls.atts = cls.fake.call("GET", "/_fake/attachments")

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.cache = tempfile.mkdtemp(prefix="cfs-cache-")
        self.mounts = []

    def tearDown(self):
        for m in self.mounts:
            err = m.stop()
            self.assertEqual(sanitizer_report(err), [], err)
        shutil.rmtree(self.cache, ignore_errors=True)
        self.fake.call("DELETE", "/_fake/fault")

    def mount(self, *opts):
        m = Mount(self.fake, space="GEN", opts=list(opts), cache_dir=self.cache)
        self.mounts.append(m)
        return m

    def unmount(self, m):
        self.mounts.remove(m)
        self.assertEqual(sanitizer_report(m.stop()), [])

    def files(self, m):
        """{attachment id: path} of every attachment on the mount."""
        out = {}
        for rel in walk_files(m.mnt):
            if "/_attachments/" in "/" + rel:
                path = m.path(rel)
                out[os.getxattr(path, "user.confluence.id").decode()] = path
        return out

    def test_every_attachment_byte_for_byte(self):
        m = self.mount()
        files = self.files(m)
        self.assertEqual(set(files), {a["id"] for a in self.atts})
        for a in self.atts:
            path = files[a["id"]]
            st = os.stat(path)
            self.assertEqual(st.st_size, a["fileSize"])
            self.assertEqual(st.st_mode & 0o777, 0o444)
            self.assertEqual(sha(read(path)), sha(media_bytes(a["id"], 0, a["fileSize"])))
            self.assertEqual(os.getxattr(path, "user.confluence.media_type").decode(),
                             a["mediaType"])
            self.assertEqual(int(os.getxattr(path, "user.confluence.cached")), a["fileSize"])
        self.assertEqual(self.fake.stats()["credential_leaks"], 0)
        if DC:  # no media host: the site serves the bytes, and only with the credentials
            self.assertEqual(self.fake.stats()["unauthorized"], 0)

    def test_tools_and_mmap(self):
        m = self.mount()
        a = self.atts[0]
        path = self.files(m)[a["id"]]
        want = media_bytes(a["id"], 0, a["fileSize"])
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            self.assertEqual(sha(mm[:]), sha(want))
        out = subprocess.run(["sha256sum", path], capture_output=True, text=True).stdout
        self.assertEqual(out.split()[0], sha(want))
        head = subprocess.run(["head", "-c", "1000", path], capture_output=True).stdout
        self.assertEqual(head, want[:1000])
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["cp", path, tmp + "/x"], check=True)
            subprocess.run(["rsync", "-a", path, tmp + "/y"], check=True)
            self.assertEqual(sha(read(tmp + "/x")), sha(want))
            self.assertEqual(sha(read(tmp + "/y")), sha(want))

    def test_tail_does_not_download_everything(self):
        m = self.mount()
        a = self.atts[1]
        path = self.files(m)[a["id"]]
        self.fake.reset()
        tail = subprocess.run(["tail", "-c", "100", path], capture_output=True).stdout
        self.assertEqual(tail, media_bytes(a["id"], a["fileSize"] - 100, a["fileSize"]))
        sent = self.fake.stats()["attachment_bytes"]
        self.assertLess(sent, a["fileSize"] // 2, "tail fetched %d of %d bytes"
                        % (sent, a["fileSize"]))
        # The rest arrives later and the whole file is still right.
        self.assertEqual(sha(read(path)), sha(media_bytes(a["id"], 0, a["fileSize"])))

    def test_two_readers_share_one_download(self):
        m = self.mount()
        a = self.atts[2]
        path = self.files(m)[a["id"]]
        self.fake.call("POST", "/_fake/latency", {"ms": 100})
        try:
            self.fake.reset()
            out = []
            ts = [threading.Thread(target=lambda: out.append(read(path))) for _ in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        finally:
            self.fake.call("POST", "/_fake/latency", {"ms": 0})
        self.assertEqual(len(out), 2)
        self.assertEqual(out[0], out[1])
        st = self.fake.stats()
        self.assertEqual(st["by_kind"]["download"], 1, st["by_kind"])
        self.assertLessEqual(st["attachment_bytes"], a["fileSize"])

    def test_reset_mid_download_never_gives_wrong_bytes(self):
        m = self.mount("retries=2")
        a = self.atts[3]
        path = self.files(m)[a["id"]]
        want = media_bytes(a["id"], 0, a["fileSize"])
        self.fake.fault(match=ATT_BYTES_RE, kind="reset", after_bytes=500000, count=1)
        try:
            got = read(path)
            self.assertEqual(sha(got), sha(want))  # retried from the first missing byte
        except OSError as e:
            self.assertEqual(e.errno, errno.EIO)
        self.fake.fault(match=ATT_BYTES_RE, kind="reset", after_bytes=100000, count=-1)
        other = self.files(m)[self.atts[4]["id"]]
        with self.assertRaises(OSError) as cm:
            read(other)
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.fake.call("DELETE", "/_fake/fault")
        self.assertEqual(sha(read(other)),
                         sha(media_bytes(self.atts[4]["id"], 0, self.atts[4]["fileSize"])))

    def test_cache_is_bounded_private_and_survives_remount(self):
        m = self.mount("cache_size=7M")
        files = self.files(m)
        for a in self.atts:  # 6 x 3 MiB through a 7 MiB cache
            self.assertEqual(sha(read(files[a["id"]])),
                             sha(media_bytes(a["id"], 0, a["fileSize"])))
        used = 0
        for d, dirs, names in os.walk(self.cache):
            self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700, d)
            for n in names:
                st = os.stat(os.path.join(d, n))
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, n)
                used += st.st_blocks * 512
        self.assertLessEqual(used, 7 << 20)
        last = self.atts[-1]
        self.unmount(m)
        m = self.mount("cache_size=7M")
        self.fake.reset()
        self.assertEqual(sha(read(self.files(m)[last["id"]])),
                         sha(media_bytes(last["id"], 0, last["fileSize"])))
        st = self.fake.stats()
        self.assertEqual(st["by_kind"]["download"] + st["by_kind"]["media"], 0, st["by_kind"])


class SmallAttachmentsPrefetched(unittest.TestCase):
    def test_listing_fetches_small_attachments_ahead(self):
        fake = Fake("--pages", "20", "--fanout", "5", "--seed", str(SEED),
                    "--attachments", "8", "--attachment-size", "65536")
        try:
            atts = fake.call("GET", "/_fake/attachments")
            m = Mount(fake, space="GEN", opts=["prefetch=10"])
            try:
                subprocess.run(["ls", "-R", m.mnt], stdout=subprocess.DEVNULL, check=True)
                import time
                deadline = time.time() + 20
                while time.time() < deadline:
                    if fake.stats()["by_kind"][ATT_BYTES_KIND] >= len(atts):
                        break
                    time.sleep(0.1)
                fake.reset()
                files = {os.getxattr(m.path(f), "user.confluence.id").decode(): m.path(f)
                         for f in walk_files(m.mnt) if "_attachments/" in f}
                for a in atts:
                    self.assertEqual(sha(read(files[a["id"]])),
                                     sha(media_bytes(a["id"], 0, a["fileSize"])))
                st = fake.stats()["by_kind"]
                self.assertEqual(st["download"] + st["media"], 0, st)
            finally:
                err = m.stop()
            self.assertEqual(sanitizer_report(err), [])
            m = Mount(fake, space="GEN", opts=["prefetch=0"])
            try:
                fake.settle()  # the space's listing, in the background
                fake.reset()
                subprocess.run(["ls", "-R", m.mnt], stdout=subprocess.DEVNULL, check=True)
                self.assertEqual(fake.stats()["requests"], 0)
            finally:
                m.stop()
        finally:
            fake.stop()


class DemoAttachments(unittest.TestCase):
    def test_demo_attachments_and_links(self):
        with serving() as fake, mounted(fake) as m:
            d = m.path("Home", "Documentation", "Images and files", "_attachments")
            self.assertEqual(sorted(os.listdir(d)), ["diagram.png", "notes.txt"])
            root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                                "demo", "attachments")
            for n in os.listdir(d):
                self.assertEqual(read(os.path.join(d, n)), read(os.path.join(root, n)))
            # A page without children but with attachments is a directory too.
            self.assertTrue(os.path.isdir(m.path("Home", "Documentation", "Images")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
