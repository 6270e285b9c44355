#!/usr/bin/env python3
"""confluencefs-convert without a site: no link or image is reduced to text."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import BUILD_ROOT  # noqa: E402

CONVERT = os.path.join(BUILD_ROOT, "src", "confluencefs-convert")

PAGE = (
    '<p><ac:link><ri:page ri:content-title="Runbooks"/></ac:link> '
    '<ac:link><ri:page ri:space-key="OPS" ri:content-title="On call"/></ac:link> '
    '<ac:link><ri:attachment ri:filename="a b.pdf"/></ac:link></p>'
    '<ac:image><ri:attachment ri:filename="topo.png"/></ac:image>'
    '<p><ac:image ac:alt="x"><ri:attachment ri:filename="o.png">'
    '<ri:page ri:content-title="Other"/></ri:attachment></ac:image></p>'
)


def convert(*args, page=PAGE):
    r = subprocess.run([CONVERT, *args], input=page.encode(), capture_output=True,
                       check=True, timeout=30)
    return r.stdout.decode()


class NoSite(unittest.TestCase):
    def test_relative_links_and_images(self):
        self.assertEqual(
            convert(),
            "[Runbooks](Runbooks.md) [On call](../OPS/On%20call.md) [a b.pdf](a%20b.pdf)\n"
            "\n![topo.png](topo.png)\n\n![x](o.png)\n")

    def test_attachments_dir(self):
        self.assertEqual(
            convert("--attachments-dir", "files"),
            "[Runbooks](Runbooks.md) [On call](../OPS/On%20call.md) "
            "[a b.pdf](files/a%20b.pdf)\n"
            "\n![topo.png](files/topo.png)\n\n![x](files/o.png)\n")

    def test_base_url_without_page_id(self):
        self.assertEqual(
            convert("--base-url", "https://x.net/wiki", "--space", "ENG"),
            "[Runbooks](https://x.net/wiki/display/ENG/Runbooks) "
            "[On call](https://x.net/wiki/display/OPS/On%20call) [a b.pdf](a%20b.pdf)\n"
            "\n![topo.png](topo.png)\n\n![x](o.png)\n")

    def test_base_url_and_page_id(self):
        # the image of another page's attachment: a link to that page, not a broken image
        self.assertEqual(
            convert("--base-url", "https://x.net/wiki", "--space", "ENG", "--page-id", "42"),
            "[Runbooks](https://x.net/wiki/display/ENG/Runbooks) "
            "[On call](https://x.net/wiki/display/OPS/On%20call) "
            "[a b.pdf](https://x.net/wiki/download/attachments/42/a%20b.pdf)\n"
            "\n![topo.png](https://x.net/wiki/download/attachments/42/topo.png)\n"
            "\n[x](https://x.net/wiki/display/ENG/Other)\n")

    def test_bad_option(self):
        r = subprocess.run([CONVERT, "--nope"], input=b"", capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
