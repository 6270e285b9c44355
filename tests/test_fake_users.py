#!/usr/bin/env python3
"""test_fake_users: the fake's user lookups, one by one (GET /wiki/rest/api/user?accountId=)
and in bulk (GET /wiki/rest/api/user/bulk?accountId=A&accountId=B, BulkUserLookupArray in
the Cloud v1 OpenAPI spec).

Run: python3 tests/test_fake_users.py   (standard library only)
"""

import os
import sys
import unittest
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))

from test_fake_confluence import FakeServer  # noqa: E402
from fake_confluence.model import AUTHORS, DEFAULT_ACCOUNT  # noqa: E402

BULK = "/wiki/rest/api/user/bulk?"


class BulkLookup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = FakeServer("--pages", "5")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_known_users_in_one_answer(self):
        other = AUTHORS[1]
        r = self.srv.get_json(BULK + "accountId=%s&accountId=nobody-1&accountId=%s"
                              % (quote(DEFAULT_ACCOUNT), quote(other)))
        self.assertEqual([u["accountId"] for u in r["results"]], [DEFAULT_ACCOUNT, other])
        self.assertEqual(r["results"][0]["displayName"], "Demo User")
        self.assertEqual(r["results"][1]["displayName"], "User 1")
        self.assertEqual((r["start"], r["limit"], r["size"]), (0, 200, 2))
        for key in ("type", "accountType", "email", "publicName", "profilePicture",
                    "_expandable", "_links"):  # the spec's required fields
            self.assertIn(key, r["results"][0])
        # the same user as the single lookup gives
        one = self.srv.get_json("/wiki/rest/api/user?accountId=" + quote(other))
        self.assertEqual(one, r["results"][1])

    def test_comma_separated_limit_and_repeats(self):
        r = self.srv.get_json(BULK + "accountId=%s,%s,%s&limit=1"
                              % (quote(AUTHORS[1]), quote(AUTHORS[1]), quote(AUTHORS[2])))
        self.assertEqual([u["accountId"] for u in r["results"]], [AUTHORS[1]])
        r = self.srv.get_json(BULK + "accountId=%s,%s" % (quote(AUTHORS[1]), quote(AUTHORS[1])))
        self.assertEqual(r["size"], 1)

    def test_nobody_known_and_no_ids(self):
        r = self.srv.get_json(BULK + "accountId=nobody-1")
        self.assertEqual((r["results"], r["size"]), ([], 0))
        self.assertEqual(self.srv.request(BULK + "limit=5").status, 400)
        self.assertEqual(self.srv.request(BULK + "accountId=x&limit=zero").status, 400)


if __name__ == "__main__":
    unittest.main(verbosity=2)
