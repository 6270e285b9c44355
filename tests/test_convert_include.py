#!/usr/bin/env python3
"""End-to-end: include and excerpt-include inlined from the mount (and rendered again when
the included page changes), authors and mentions by display name."""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import SOURCE_ROOT, mounted, serving  # noqa: E402
from test_convert_mount import check_links  # noqa: E402

FIXTURE = os.path.join(SOURCE_ROOT, "tests", "fixtures", "includes")
GRACE, ALAN = "5b10ac8d82e05b22cc7d4ef5", "5b10ac8d82e05b22cc7d4ef6"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class Includes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._fake = serving("--fixture", FIXTURE)
        cls.fake = cls._fake.__enter__()
        cls._mount = mounted(cls.fake, space="INC", opts=["frontmatter"])
        cls.m = cls._mount.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls._mount.__exit__(None, None, None)
        cls._fake.__exit__(None, None, None)

    def page(self, rel):
        return read(os.path.join(self.m.mnt, rel))

    def test_include_is_inlined_with_links_relative_to_the_includer(self):
        md = self.page("Handbook.md")
        self.assertIn("## Steps\n\n<!-- include: Shared -->\n\n### Shared steps\n\n"
                      "1. Step xyzzy-shared one\n2. Then read [Notes](Handbook/Notes.md).\n\n"
                      "<!-- /include -->\n\n## In short\n", md)
        # the included page itself, at its own place
        self.assertIn("2. Then read [Notes](Notes.md).", self.page("Handbook/Shared.md"))

    def test_included_text_is_greppable(self):
        out = subprocess.run(["grep", "-rl", "xyzzy-shared", self.m.mnt], check=True,
                             capture_output=True, text=True).stdout.split()
        self.assertEqual(sorted(os.path.relpath(p, self.m.mnt) for p in out),
                         ["Handbook.md", "Handbook/Shared.md"])

    def test_excerpt_include_shows_a_hidden_excerpt(self):
        self.assertIn("<!-- excerpt-include: Notes -->\n\nExcerpt plugh-notes.\n\n"
                      "<!-- /excerpt-include -->", self.page("Handbook.md"))
        notes = self.page("Handbook/Notes.md")
        self.assertNotIn("plugh", notes)  # hidden on its own page
        self.assertIn("Notes body.\n\nMore notes.\n\n## Getting Started\n", notes)

    def test_missing_page_and_cycles_stay_comments(self):
        md = self.page("Handbook.md")
        self.assertIn("<!-- confluence macro: include -->\n\n[No such page](http", md)
        # Handbook includes Ping includes Pong includes Ping: Ping is inlined once
        self.assertIn("<!-- include: Ping -->\n\nping-text\n\n<!-- include: Pong -->\n\n"
                      "pong-text\n\n<!-- confluence macro: include -->\n\n"
                      "[Ping](Handbook/Ping.md)\n\n<!-- /include -->\n\n<!-- /include -->\n", md)
        self.assertEqual(md.count("ping-text"), 1)

    def test_anchor_into_another_page_uses_its_heading_id(self):
        # blind, "Notes-GettingStarted" would be #gettingstarted
        self.assertIn("Start [here](Handbook/Notes.md#getting-started).", self.page("Handbook.md"))

    def test_every_link_resolves(self):
        self.assertGreaterEqual(check_links(self, self.m.mnt), 7)

    def test_authors_and_mentions_by_display_name(self):
        if self.fake.flavor == "dc":
            self.skipTest("the fake's fixture users are Cloud accounts")
        path = os.path.join(self.m.mnt, "Handbook.md")
        md = read(path)
        self.assertIn('\nauthor: "Grace Hopper"\n', md)
        self.assertIn("Kept by [@Alan Turing](", md)
        self.assertEqual(os.getxattr(path, "user.confluence.author"), b"Grace Hopper")
        self.assertEqual(os.getxattr(path, "user.confluence.author_id"), GRACE.encode())
        self.assertIn("user.confluence.author_id", os.listxattr(path))
        shared = os.path.join(self.m.mnt, "Handbook", "Shared.md")
        self.assertIn('\nauthor: "Alan Turing"\n', read(shared))
        self.assertEqual(os.getxattr(shared, "user.confluence.author_id"), ALAN.encode())
        # an account the site does not know: the id stays
        ping = os.path.join(self.m.mnt, "Handbook", "Ping.md")
        self.assertIn('\nauthor: "5b10ac8d82e05b22cc7d4eff"\n', read(ping))
        self.assertEqual(os.getxattr(ping, "user.confluence.author"), b"5b10ac8d82e05b22cc7d4eff")


class IncludeFreshness(unittest.TestCase):
    def test_a_new_version_of_the_included_page_renders_the_includer_again(self):
        with serving("--fixture", FIXTURE) as fake, \
                mounted(fake, space="INC", opts=["ttl=1"]) as m:
            path = os.path.join(m.mnt, "Handbook.md")
            self.assertIn("xyzzy-shared", read(path))
            fake.call("POST", "/_fake/page/327683",
                      {"body": "<p>Rewritten plover-shared.</p>", "bump_version": True})
            deadline = time.time() + 20
            while time.time() < deadline and "plover-shared" not in read(path):
                time.sleep(0.2)
            md = read(path)
            self.assertIn("<!-- include: Shared -->\n\nRewritten plover-shared.\n\n"
                          "<!-- /include -->", md)
            self.assertNotIn("xyzzy-shared", md)


if __name__ == "__main__":
    unittest.main()
