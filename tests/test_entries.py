#!/usr/bin/env python3
"""End-to-end: what ls -la, rsync -ai and getfattr see of directories — ".."
entries, stable space directory times, the root's xattrs."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import Fake, mounted, serving  # noqa: E402


def dotdot_ino(path):
    """The inode readdir gives "..", or None when it gives none (glibc drops 0)."""
    with os.scandir(path) as it:
        names = {e.name: e.inode() for e in it}
    # os.scandir skips "." and ".."; ls -a does not: ask it.
    out = subprocess.run(["ls", "-1ai", path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        ino, name = line.split(None, 1)
        if name == "..":
            return int(ino)
    return None


class Entries(unittest.TestCase):
    def test_dotdot_is_listed_with_the_parents_inode(self):
        with serving() as fake, mounted(fake, opts=["prefetch=0"]) as m:
            for rel in ("Home", "Home/Engineering", "Home/Documentation/Images/_attachments",
                        "_blog/2024"):
                d = os.path.join(m.mnt, rel)
                ls = subprocess.run(["ls", "-a", d], capture_output=True, text=True).stdout
                self.assertIn("..", ls.split("\n"), rel)
                self.assertEqual(dotdot_ino(d), os.stat(os.path.dirname(d)).st_ino, rel)

    def test_single_space_root_has_id_and_title(self):
        with serving() as fake, mounted(fake, opts=["prefetch=0"]) as m:
            self.assertEqual(os.getxattr(m.mnt, "user.confluence.id"), b"131073")
            self.assertEqual(os.getxattr(m.mnt, "user.confluence.title"), b"Demo space")
            self.assertIn("user.confluence.id", os.listxattr(m.mnt))

    def test_space_directories_keep_their_time_across_mounts(self):
        """rsync -ai of a remount prints nothing: no directory time changed."""
        dest = tempfile.mkdtemp(prefix="cfs-rsync-")
        with serving("--add-space", "ENG:20") as fake:
            times = []
            for n in range(2):
                with mounted(fake, space="DEMO,ENG", opts=["prefetch=0"]) as m:
                    before = {k: os.stat(os.path.join(m.mnt, k)).st_mtime for k in ("DEMO", "ENG")}
                    r = subprocess.run(["rsync", "-ai", m.mnt + "/", dest + "/"],
                                       capture_output=True, text=True, timeout=120)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    after = {k: os.stat(os.path.join(m.mnt, k)).st_mtime for k in ("DEMO", "ENG")}
                    self.assertEqual(before, after)  # listing a space does not change it
                    times.append(after)
                    if n == 1:
                        self.assertEqual(r.stdout, "", "the second rsync changed:\n" + r.stdout)
            self.assertEqual(times[0], times[1])
        subprocess.run(["rm", "-rf", dest])


if __name__ == "__main__":
    unittest.main(verbosity=2)
