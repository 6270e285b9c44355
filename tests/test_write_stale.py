#!/usr/bin/env python3
"""End-to-end write-back (-o rw): a save of text an editor read before the mount
re-rendered a newer version.  vim reads a page once; meanwhile a refresh sees the
server's new version and any read renders it.  Saving the old text must merge the
user's change into the newer version, never revert the server's change, and an
unchanged old text must send nothing.  CFS_FLAVOR=dc runs it against Data Center
(suite write-e2e-dc).  docs/write-back-fs.md."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_write import WriteBase, read  # noqa: E402


class StaleEditor(WriteBase):
    opts = ["rw", "ttl=1", "log_level=debug"]

    def reread_until(self, path, word, timeout=20):
        """Read the page (as another program would) until the mount serves the
        server's newer version."""
        deadline = time.time() + timeout
        while word not in read(path):
            self.assertLess(time.time(), deadline, "the mount never showed " + word)
            time.sleep(0.3)

    def test_old_text_with_an_edit_merges_into_the_newer_version(self):
        path, pid = self.take()
        text = read(path)  # what the editor holds
        self.edit_behind(pid, "<h2>Discussion items</h2>", "<h2>Discussion topics</h2>")
        self.reread_until(path, "Discussion topics")
        v0, _, _ = self.page(pid)
        with open(path, "w") as f:  # the editor's :w
            f.write(text.replace("- Team\n", "- Team Stale\n"))
        v1, body1, _ = self.page(pid)
        self.assertEqual(v1, v0 + 1)
        self.assertIn("Team Stale", body1)
        self.assertIn("Discussion topics", body1)  # the server's change stays
        self.assertNotIn("Discussion items", body1)
        self.assertEqual(len([w for w in self.puts(pid) if w.get("applied")]), 1)
        self.assertIn("edited from version %d" % (v0 - 1), self.mount.stderr())
        self.assertEqual(self.drafts(), [])

    def test_old_text_unchanged_sends_nothing(self):
        path, pid = self.take()
        text = read(path)
        self.edit_behind(pid, "<h2>Discussion items</h2>", "<h2>Discussion topics</h2>")
        self.reread_until(path, "Discussion topics")
        v0, body0, _ = self.page(pid)
        with open(path, "w") as f:  # :wq without a change
            f.write(text)
        self.assertEqual(self.page(pid)[:2], (v0, body0))
        self.assertEqual([w for w in self.puts(pid) if w.get("applied")], [])
        self.assertEqual(self.drafts(), [])

    def test_newer_text_is_not_taken_for_the_old(self):
        """Text read after the re-render keeps the newer base: a plain save."""
        path, pid = self.take()
        self.edit_behind(pid, "<h2>Discussion items</h2>", "<h2>Discussion topics</h2>")
        self.reread_until(path, "Discussion topics")
        text = read(path)
        v0, body0, _ = self.page(pid)
        with open(path, "w") as f:
            f.write(text.replace("- Team\n", "- Team Fresh\n"))
        self.saved_once(path, pid, v0, body0, "Team Fresh", "Discussion topics")
        self.assertNotIn("edited from version", self.mount.stderr())


if __name__ == "__main__":
    unittest.main(verbosity=2)
