#!/usr/bin/env python3
"""End-to-end: macros the mount answers (children, pagetree, attachments, gallery) and a
table of contents render links that all resolve on the mount."""

import os
import re
import sys
import unicodedata
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import SOURCE_ROOT, mounted, serving  # noqa: E402

FIXTURE = os.path.join(SOURCE_ROOT, "tests", "fixtures", "macros")
LINK = re.compile(r"\]\(([^)\s]*)\)")


def slug(text):
    """github-slugger: lower case, keep letters, marks, digits, connectors, '-' and ' '."""
    out = []
    for ch in text.lower():
        cat = unicodedata.category(ch)
        if ch == " ":
            out.append("-")
        elif ch == "-" or cat[0] in "LM" or cat in ("Nd", "Nl", "Pc"):
            out.append(ch)
    return "".join(out)


def heading_ids(md):
    ids, fence = [], False
    for line in md.splitlines():
        if line.startswith("```"):
            fence = not fence
        m = None if fence else re.match(r"#{1,6} (.*)", line)
        if m:
            base = slug(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1)))
            s, k = base, 0
            while s in ids:
                k += 1
                s = "%s-%d" % (base, k)
            ids.append(s)
    return set(ids) | set(re.findall(r'<a id="([^"]*)"></a>', md))


class MountMacros(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._fake = serving("--fixture", FIXTURE)
        cls.fake = cls._fake.__enter__()
        cls._mount = mounted(cls.fake, space="MAC")
        cls.m = cls._mount.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls._mount.__exit__(None, None, None)
        cls._fake.__exit__(None, None, None)

    def read(self, rel):
        with open(os.path.join(self.m.mnt, rel), encoding="utf-8") as f:
            return f.read()

    def pages(self):
        for root, _, files in os.walk(self.m.mnt):
            for f in files:
                if f.endswith(".md"):
                    yield os.path.relpath(os.path.join(root, f), self.m.mnt)

    def test_children_attachments_gallery_pagetree(self):
        md = self.read("Macros.md")
        self.assertIn("## Child pages\n\n"
                      "- [Alpha](Macros/Alpha.md)\n"
                      "  - [Leaf](Macros/Alpha/Leaf.md)\n"
                      "- [Beta](Macros/Beta.md)\n", md)
        self.assertIn("- [checklist.txt](Macros/_attachments/checklist.txt)\n"
                      "- [diagram.png](Macros/_attachments/diagram.png)\n\n"
                      "![diagram.png](Macros/_attachments/diagram.png)\n", md)
        self.assertIn("## Whole tree\n\n- [Macros](Macros.md)\n  - [Beta](Macros/Beta.md)\n"
                      "  - [Alpha](Macros/Alpha.md)\n    - [Leaf](Macros/Alpha/Leaf.md)\n", md)
        self.assertNotIn("confluence macro", md)
        self.assertIn("- [Leaf](Alpha/Leaf.md)", self.read("Macros/Alpha.md"))
        self.assertIn("- [Leaf](Leaf.md)", self.read("Macros/Alpha/Leaf.md"))  # root=@parent
        self.assertNotIn("Alpha in one line", self.read("Macros/Alpha.md"))  # hidden excerpt

    def test_every_link_resolves(self):
        checked = 0
        for rel in self.pages():
            md = self.read(rel)
            ids = heading_ids(md)
            for target in LINK.findall(md):
                if re.match(r"[a-z]+:", target):
                    continue
                path, _, frag = target.partition("#")
                path = urllib.parse.unquote(path)
                if path:
                    full = os.path.normpath(os.path.join(self.m.mnt, os.path.dirname(rel), path))
                    self.assertTrue(os.path.exists(full), "%s: %s does not exist" % (rel, target))
                    if frag and full.endswith(".md"):
                        with open(full, encoding="utf-8") as f:
                            self.assertIn(urllib.parse.unquote(frag), heading_ids(f.read()),
                                          "%s: %s" % (rel, target))
                else:
                    self.assertIn(urllib.parse.unquote(frag), ids, "%s: %s" % (rel, target))
                checked += 1
        self.assertGreater(checked, 15)


if __name__ == "__main__":
    unittest.main()
