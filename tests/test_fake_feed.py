#!/usr/bin/env python3
"""test_fake_feed: the fake's change-feed side (scripts/fake_confluence/feed.py): the v2
listings sorted by modification, CQL lastmodified (absolute dates and now()), edits, moves
and deletes behind a client's back, the listing delay, and a 100,000-page space built in
seconds.

Run: python3 tests/test_fake_feed.py   (standard library only)
"""

import os
import sys
import time
import unittest
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))

from test_fake_confluence import FakeServer  # noqa: E402
from fake_confluence import feed  # noqa: E402


def search(srv, cql, prefix="/wiki/rest/api", expand="version"):
    results = []
    path = "%s/content/search?cql=%s&expand=%s&limit=250" % (prefix, quote(cql), expand)
    while path:
        r = srv.get_json(path)
        results += r["results"]
        nxt = r["_links"].get("next")
        path = (r["_links"]["context"] + nxt) if nxt else None
    return results


class CqlSince(unittest.TestCase):
    def test_absolute_forms(self):
        base = feed.parse_date("2025-01-02 03:04")
        self.assertEqual(base, 1735787040000)
        self.assertEqual(feed.parse_date("2025/01/02 03:04"), base)
        self.assertEqual(feed.parse_date("2025-01-02"), 1735776000000)
        self.assertEqual(feed.cql_since('type=page and lastmodified >= "2025-01-02 03:04"'),
                         (base, False))
        self.assertEqual(feed.cql_since('lastmodified > "2025/01/02"')[1], True)
        self.assertIsNone(feed.cql_since("type=page and space=X"))
        with self.assertRaises(ValueError):
            feed.cql_since('lastmodified >= "yesterday"')

    def test_now(self):
        now = 10 ** 12
        self.assertEqual(feed.cql_since('lastmodified >= now("-5m")', now)[0], now - 300000)
        self.assertEqual(feed.cql_since('lastmodified >= now("-1w2d")', now)[0],
                         now - 9 * 86400000)
        self.assertEqual(feed.cql_since('lastmodified >= now()', now)[0], now)
        with self.assertRaises(ValueError):
            feed.cql_since('lastmodified >= now("-5x")', now)

    def test_boundary(self):
        class Item:
            version_ms = 1000
        self.assertTrue(feed.modified_since(Item, (1000, False)))
        self.assertFalse(feed.modified_since(Item, (1000, True)))
        self.assertFalse(feed.modified_since(Item, (1001, False)))


class CloudFeed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer("--pages", "300", "--attachments", "20", "--blogposts", "6")
        cls.info = cls.srv.control("info")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def listing(self, sort, kind="pages"):
        out, path = [], "/wiki/api/v2/spaces/%s/%s?sort=%s&limit=40" % (
            self.info["space"]["id"], kind, sort)
        while path:
            r = self.srv.get_json(path)
            out += r["results"]
            path = r["_links"].get("next")
        return out

    def test_sorted_by_modification_both_ways(self):
        newest = self.listing("-modified-date")
        oldest = self.listing("modified-date")
        self.assertEqual(len(newest), len(self.listing("id")))
        self.assertGreater(len(newest), 290)
        times = [p["version"]["createdAt"] for p in newest]
        self.assertEqual(times, sorted(times, reverse=True))
        self.assertEqual([p["id"] for p in oldest], [p["id"] for p in reversed(newest)])
        blogs = self.listing("-modified-date", "blogposts")
        self.assertEqual(len(blogs), 6)
        btimes = [b["version"]["createdAt"] for b in blogs]
        self.assertEqual(btimes, sorted(btimes, reverse=True))

    def test_edit_move_delete_seen_by_feed_and_cql(self):
        key = self.info["space"]["key"]
        pages = self.listing("id")
        edited, moved, gone = pages[10]["id"], pages[20]["id"], pages[30]["id"]
        before = time.time() * 1000
        r = self.srv.control("page/" + edited, "POST", {"body": "<p>edited feed</p>"})
        self.assertEqual(r["id"], edited)
        self.srv.control("page/" + moved, "POST", {"parentId": pages[1]["id"],
                                                   "bump_version": False})
        self.srv.control("page/" + gone, "DELETE")
        newest = self.listing("-modified-date")
        self.assertEqual(newest[0]["id"], edited)  # the edit is first in the feed
        self.assertNotIn(gone, [p["id"] for p in newest])
        self.assertEqual(next(p for p in newest if p["id"] == moved)["parentId"],
                         pages[1]["id"])
        # CQL: only the edit is recent (the move kept its version), in both forms
        recent = search(self.srv, 'type=page and space="%s" and lastmodified >= now("-1m")'
                        % key)
        self.assertEqual([x["id"] for x in recent], [edited])
        stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(before / 1000 - 60))
        recent = search(self.srv, 'type in (page,blogpost) and space="%s" and '
                        'lastmodified >= "%s"' % (key, stamp))
        self.assertEqual([x["id"] for x in recent], [edited])
        everything = search(self.srv, 'type=page and space="%s" and '
                            'lastmodified >= "2000-01-01"' % key)
        self.assertEqual(len(everything), 299)

    def test_attachments_by_lastmodified(self):
        key = self.info["space"]["key"]
        atts = search(self.srv, 'type=attachment and space="%s"' % key)
        self.assertEqual(len(atts), 20)
        self.assertEqual(search(self.srv, 'type=attachment and space="%s" and '
                                'lastmodified >= now("-1d")' % key), [])

    def test_bad_date_is_400(self):
        r = self.srv.request("/wiki/rest/api/content/search?cql=" +
                             quote('type=page and lastmodified >= "soon"'))
        self.assertEqual(r.status, 400)

    def test_listing_delay_is_a_stall_fault(self):
        self.srv.control("fault", "POST", {"match": "depth=all", "kind": "stall",
                                           "stall_s": 1, "count": 1})
        t = time.monotonic()
        self.srv.get_json("/wiki/api/v2/spaces/%s/pages?sort=-modified-date&limit=5"
                          % self.info["space"]["id"])
        self.assertLess(time.monotonic() - t, 0.8)  # the feed is not delayed
        t = time.monotonic()
        self.srv.get_json("/wiki/api/v2/spaces/%s/pages?depth=all&limit=5"
                          % self.info["space"]["id"])
        self.assertGreaterEqual(time.monotonic() - t, 1.0)
        self.srv.control("fault", "DELETE")


class DcFeed(unittest.TestCase):
    def test_dc_cql_lastmodified(self):
        srv = FakeServer("--flavor", "dc", "--pages", "50")
        try:
            info = srv.control("info")
            key = info["space"]["key"]
            pid = info["space"]["homepageId"]
            srv.control("page/" + pid, "POST", {"title": "Renamed home"})
            found = search(srv, 'type in (page,blogpost) and space="%s" and '
                           'lastmodified >= now("-2m")' % key, prefix="/confluence/rest/api",
                           expand="ancestors,version,history")
            self.assertEqual([(x["id"], x["title"]) for x in found], [(pid, "Renamed home")])
        finally:
            srv.stop()


class BigSpace(unittest.TestCase):
    def test_100k_pages_in_seconds(self):
        t = time.monotonic()
        srv = FakeServer("--pages", "100000")
        try:
            took = time.monotonic() - t
            self.assertEqual(srv.control("info")["pages"], 100000)
            self.assertLess(took, 20, "a 100,000-page space took %.1f s" % took)
            print("100,000-page space ready in %.1f s" % took, file=sys.stderr)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
