#!/usr/bin/env python3
"""End-to-end, both flavors: the auxiliary listings degrade, never fail — a failed blog post
listing leaves _blog/ out, a refused attachment search lists attachments page by page."""

import hashlib
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import API_ROOT, DC, mounted, serving, walk_files  # noqa: E402
from test_attachments import media_bytes  # noqa: E402  (seed 11)

# One page's attachments, as the mount asks when the search is refused.
PAGE_ATTS_RE = (r"^%s/rest/api/content/\d+/child/attachment" % API_ROOT if DC
                else r"^/wiki/api/v2/pages/\d+/attachments")


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Degrade(unittest.TestCase):
    def test_blog_listing_fails(self):
        with serving("--blog-404") as fake, mounted(fake) as m:
            self.assertFalse(os.path.exists(m.path("_blog")))
            with open(m.path("Home.md")) as f:
                self.assertTrue(f.read())
            err = m.stderr()
        warned = [line for line in err.splitlines() if "blog posts" in line]
        self.assertEqual(len(warned), 1, err)

    def test_search_refused_lists_every_attachment(self):
        with serving("--pages", "12", "--fanout", "4", "--seed", "11", "--attachments", "6",
                     "--attachment-size", "150000", "--cql-403") as fake, \
                mounted(fake, space="GEN") as m:
            want = {a["id"]: a for a in fake.call("GET", "/_fake/attachments")}
            got = {}
            for f in walk_files(m.mnt):
                if "/_attachments/" in "/" + f:
                    with open(m.path(f), "rb") as fh:
                        got[os.getxattr(m.path(f), "user.confluence.id").decode()] = \
                            sha(fh.read())
            self.assertEqual(sorted(got), sorted(want))
            for att_id, a in want.items():
                self.assertEqual(got[att_id], sha(media_bytes(att_id, 0, a["fileSize"])))
            per_page = [e for e in fake.call("GET", "/_fake/log")
                        if re.match(PAGE_ATTS_RE, e["path"])]
            self.assertGreaterEqual(len(per_page), 12)
            self.assertIn("listing them page by page", m.stderr())


if __name__ == "__main__":
    unittest.main()
