#!/usr/bin/env python3
"""End-to-end: mount the real binary against the fake server and use real tools on it."""

import errno
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import (API_ROOT, DC, PAGE_RE, Fake, Mount, MountedSpace, MountError,  # noqa: E402
                     TOKEN, USER, blog_dir, mounted, serving, walk_files)


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def iso_to_epoch(s):
    """'2024-01-08T10:00:00.000Z' -> (seconds, nanoseconds)."""
    import calendar
    m = re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(?:\.(\d+))?Z$", s)
    y, mo, d, h, mi, se, frac = m.groups()
    secs = calendar.timegm((int(y), int(mo), int(d), int(h), int(mi), int(se)))
    ns = int((frac or "0").ljust(9, "0")[:9])
    return secs, ns


class DemoSpace(MountedSpace):
    """The bundled demo space, mounted once for the read-only checks."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.space, cls.pages = cls.fake.space_pages("DEMO")
        cls.posts = cls.fake.space_blogposts("DEMO")
        cls.mount = Mount(cls.fake)
        cls.mnt = cls.mount.mnt

    def test_tree_matches_space_page_for_page(self):
        by_id = {p["id"]: p for p in self.pages}
        seen = {}
        for rel in self.md_files():
            pid = os.getxattr(os.path.join(self.mnt, rel), "user.confluence.id").decode()
            self.assertNotIn(pid, seen, "page %s appears twice" % pid)
            seen[pid] = rel
        self.assertEqual(set(seen), set(by_id))
        for pid, rel in seen.items():
            page = by_id[pid]
            parent_dir = os.path.dirname(rel)
            if page.get("parentId") in by_id:
                # The file sits in its parent page's directory.
                pdir = os.path.join(self.mnt, parent_dir)
                self.assertEqual(os.getxattr(pdir, "user.confluence.id").decode(),
                                 page["parentId"], rel)
            else:
                self.assertEqual(parent_dir, "", rel)
            self.assertEqual(os.getxattr(os.path.join(self.mnt, rel),
                                         "user.confluence.title").decode(), page["title"])

    def test_directory_iff_children_or_attachments(self):
        parents = {p.get("parentId") for p in self.pages}
        parents |= {a["pageId"] for a in self.fake.call("GET", "/_fake/attachments")}
        for rel in self.md_files():
            path = os.path.join(self.mnt, rel)
            pid = os.getxattr(path, "user.confluence.id").decode()
            self.assertEqual(os.path.isdir(path[:-3]), pid in parents, rel)

    def test_sizes_are_exact(self):
        for rel in self.md_files():
            path = os.path.join(self.mnt, rel)
            size = os.stat(path).st_size
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(size, len(data), rel)
            self.assertGreater(size, 0, rel)

    def test_mtime_is_version_time_and_xattrs(self):
        by_id = {p["id"]: p for p in self.pages}
        for rel in self.md_files():
            path = os.path.join(self.mnt, rel)
            pid = os.getxattr(path, "user.confluence.id").decode()
            page = by_id[pid]
            st = os.stat(path)
            secs, ns = iso_to_epoch(page["version"]["createdAt"])
            self.assertEqual(st.st_mtime_ns, secs * 10**9 + ns, rel)
            self.assertEqual(os.getxattr(path, "user.confluence.version").decode(),
                             str(page["version"]["number"]))
            self.assertEqual(os.getxattr(path, "user.confluence.updated").decode(),
                             page["version"]["createdAt"][:19] + "Z")
            self.assertEqual(os.getxattr(path, "user.confluence.author_id").decode(),
                             page["version"]["authorId"])
            # the display name once the page was rendered (read above), else the id
            self.assertTrue(os.getxattr(path, "user.confluence.author"))
            self.assertTrue(os.getxattr(path, "user.confluence.created"))
            url = os.getxattr(path, "user.confluence.url").decode()
            self.assertTrue(url.startswith(self.fake.url + "/"), url)
            if DC:  # DC's web link is /display/KEY/Title, without the id
                self.assertEqual(url, self.fake.url + page["_links"]["webui"], rel)
            else:
                self.assertIn(pid, url)
        out = run("getfattr", "-d", os.path.join(self.mnt, "Home.md")).stdout
        self.assertIn('user.confluence.title="Home"', out)

    def test_blog_posts(self):
        """Blog posts are _blog/YYYY/MM/Title.md, by creation date, with their attachments."""
        self.assertEqual(len(self.posts), 3)
        by_id = {p["id"]: p for p in self.posts}
        seen = {}
        for rel in self.blog_files():
            path = os.path.join(self.mnt, rel)
            pid = os.getxattr(path, "user.confluence.id").decode()
            seen[pid] = rel
            post = by_id[pid]
            self.assertEqual(os.path.dirname(rel), blog_dir(post), rel)
            self.assertEqual(os.getxattr(path, "user.confluence.title").decode(), post["title"])
            self.assertEqual(os.getxattr(path, "user.confluence.type"), b"blogpost")
            self.assertEqual(os.getxattr(path, "user.confluence.version").decode(),
                             str(post["version"]["number"]))
            secs, ns = iso_to_epoch(post["version"]["createdAt"])
            self.assertEqual(os.stat(path).st_mtime_ns, secs * 10**9 + ns, rel)
            with open(path, encoding="utf-8") as f:
                self.assertIn("cfsword-%s " % pid, f.read())
        self.assertEqual(set(seen), set(by_id))
        self.assertIn("_blog/2024/09/Q3 \u2215 Q4 plans.md", seen.values())
        self.assertEqual(sorted(os.listdir(os.path.join(self.mnt, "_blog"))), ["2023", "2024"])
        # A blog post's attachment sits in its directory, like a page's.
        atts = [a for a in self.fake.call("GET", "/_fake/attachments") if a["pageId"] in by_id]
        self.assertEqual(len(atts), 1)
        path = os.path.join(self.mnt, "_blog/2024/09/Q3 \u2215 Q4 plans/_attachments",
                            atts[0]["title"])
        with open(path, "rb") as f:
            self.assertEqual(len(f.read()), atts[0]["fileSize"])
        self.assertEqual(os.getxattr(os.path.join(self.mnt, "_blog"), "user.confluence.space"),
                         b"DEMO")
        self.assertEqual(os.getxattr(os.path.join(self.mnt, "Home.md"), "user.confluence.type"),
                         b"page")
        # Links to blog posts (and their attachments) are relative paths too.
        with open(os.path.join(self.mnt, seen["131160"]), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("](../../2024/09/Release%202.0%20is%20out.md)", text)
        self.assertIn("](../../2024/09/Q3%20\u2215%20Q4%20plans/_attachments/roadmap.csv)",
                      text)
        self.assertRegex(text, r"\[plans\]\(http")

    def test_labels(self):
        found = self.fake.api(API_ROOT + "/rest/api/content/search?cql=type%20in%20(page%2C"
                              "blogpost)%20and%20space%3DDEMO&expand=metadata.labels&limit=250")
        want = {p["id"]: ",".join(l["name"] for l in p["metadata"]["labels"]["results"])
                for p in found}
        self.assertEqual(len(want), len(self.pages) + len(self.posts))
        self.assertTrue(any(want.values()))
        for rel in self.md_files() + self.blog_files():
            path = os.path.join(self.mnt, rel)
            pid = os.getxattr(path, "user.confluence.id").decode()
            self.assertEqual(os.getxattr(path, "user.confluence.labels").decode(), want[pid],
                             rel)

    def test_modes_and_owner(self):
        st = os.stat(os.path.join(self.mnt, "Home.md"))
        self.assertEqual(st.st_mode & 0o7777, 0o444)
        self.assertEqual(st.st_uid, os.getuid())
        st = os.stat(os.path.join(self.mnt, "Home"))
        self.assertEqual(st.st_mode & 0o7777, 0o555)
        self.assertTrue(os.path.isdir(os.path.join(self.mnt, "Home")))

    def test_inodes_stable_and_distinct(self):
        inos = {}
        for d, dirs, files in os.walk(self.mnt):
            for n in dirs + files:
                p = os.path.join(d, n)
                ino = os.stat(p).st_ino
                self.assertNotIn(ino, inos, "%s and %s share inode" % (p, inos.get(ino)))
                inos[ino] = p
        for ino, p in inos.items():
            self.assertEqual(os.stat(p).st_ino, ino)

    def test_grep_finds_known_words(self):
        r = run("grep", "-rl", "cfscommon", self.mnt)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), len(self.pages) + len(self.posts))
        pid = self.pages[-1]["id"]
        r = run("grep", "-rn", "cfsword-%s\\b" % pid, self.mnt)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 1, r.stdout)

    def test_tools_work(self):
        for cmd in (["ls", "-lR", self.mnt], ["find", self.mnt], ["tree", self.mnt],
                    ["stat", os.path.join(self.mnt, "Home.md")],
                    ["cat", os.path.join(self.mnt, "Home.md")],
                    ["head", "-c", "10", os.path.join(self.mnt, "Home.md")]):
            r = run(*cmd)
            self.assertEqual(r.returncode, 0, "%s: %s" % (cmd, r.stderr))
        with tempfile.TemporaryDirectory() as tmp:
            r = run("cp", "-r", self.mnt + "/.", tmp)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(walk_files(tmp), walk_files(self.mnt))
            for rel in walk_files(tmp):
                with open(os.path.join(tmp, rel), "rb") as a, \
                        open(os.path.join(self.mnt, rel), "rb") as b:
                    self.assertEqual(a.read(), b.read(), rel)

    def test_rsync_twice_copies_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run("rsync", "-a", "--stats", self.mnt + "/", tmp + "/")
            self.assertEqual(r.returncode, 0, r.stderr)
            atts = self.fake.call("GET", "/_fake/attachments")
            self.assertEqual(len(walk_files(tmp)), len(self.pages) + len(self.posts) + len(atts))
            r = run("rsync", "-a", "--itemize-changes", self.mnt + "/", tmp + "/")
            self.assertEqual(r.returncode, 0, r.stderr)
            changed = [line for line in r.stdout.splitlines() if line.startswith(">")]
            self.assertEqual(changed, [], r.stdout)

    def test_tricky_names(self):
        names = set()
        for d, dirs, files in os.walk(self.mnt):
            for n in dirs + files:
                self.assertLessEqual(len(n.encode()), 255, n)
                self.assertNotIn("/", n)
                self.assertNotIn(n, (".", ".."))
                names.add(os.path.relpath(os.path.join(d, n), self.mnt))
        self.assertIn("Home/Engineering/CI\u2215CD.md", names)
        self.assertIn("Home/Engineering/CI\u2215CD", names)
        self.assertIn("Home/\u00dcberblick \u2014 \u65e5\u672c\u8a9e.md", names)
        # Two pages called "Database failover": the older (lower id) keeps the name.
        runbooks = os.path.join(self.mnt, "Home", "Engineering", "Runbooks")
        dups = sorted(n for n in os.listdir(runbooks) if n.startswith("Database failover"))
        self.assertEqual(dups, ["Database failover [131086].md", "Database failover.md"])
        self.assertEqual(os.getxattr(os.path.join(runbooks, "Database failover.md"),
                                     "user.confluence.id"), b"131085")
        # The reserved titles get the id suffix; the 300-byte title is cut.
        home = os.listdir(os.path.join(self.mnt, "Home"))
        self.assertIn(".. [131100].md", home)
        self.assertIn("_attachments [131103].md", home)
        long = [n for n in home if n.startswith("Long title")]
        self.assertEqual(len(long), 1)
        self.assertLessEqual(len(long[0].encode()), 255)
        self.assertTrue(long[0].endswith(".md"))

    def test_writes_fail_with_erofs(self):
        home = os.path.join(self.mnt, "Home.md")
        attempts = [
            lambda: open(home, "w"),
            lambda: open(home, "a"),
            lambda: open(os.path.join(self.mnt, "new.md"), "w"),
            lambda: os.mkdir(os.path.join(self.mnt, "newdir")),
            lambda: os.unlink(home),
            lambda: os.rename(home, os.path.join(self.mnt, "x.md")),
            lambda: os.chmod(home, 0o644),
            lambda: os.utime(home, None),
            lambda: os.setxattr(home, "user.x", b"1"),
        ]
        for i, attempt in enumerate(attempts):
            with self.assertRaises(OSError, msg="attempt %d" % i) as cm:
                attempt()
            self.assertEqual(cm.exception.errno, errno.EROFS, "attempt %d: %s" % (i, cm.exception))

    def test_missing_names(self):
        self.assertFalse(os.path.exists(os.path.join(self.mnt, "Nope.md")))
        with self.assertRaises(FileNotFoundError):
            os.stat(os.path.join(self.mnt, "Home", "Nope"))
        with self.assertRaises(NotADirectoryError):
            os.listdir(os.path.join(self.mnt, "Home.md"))

    def test_links_resolve_on_the_mount(self):
        bad = []
        link = re.compile(r"\]\(([^)\s]+)\)")
        for rel in self.md_files() + self.blog_files():
            path = os.path.join(self.mnt, rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for target in link.findall(text):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                from urllib.parse import unquote
                dest = os.path.normpath(os.path.join(os.path.dirname(path),
                                                     unquote(target.split("#")[0])))
                if not os.path.exists(dest):
                    bad.append((rel, target))
        self.assertEqual(bad, [])

    def test_secrets_not_visible(self):
        with open("/proc/mounts") as f:
            self.assertNotIn(TOKEN, f.read())
        with open("/proc/%d/cmdline" % self.mount.proc.pid, "rb") as f:
            self.assertNotIn(TOKEN.encode(), f.read())
        self.assertNotIn(TOKEN, self.mount.stderr())


class BoundedRequests(unittest.TestCase):
    def test_max_requests_holds_under_parallel_load(self):
        with serving("--pages", "120", "--fanout", "6", "--seed", "3", "--latency-ms", "20") \
                as fake, mounted(fake, space="GEN", opts=["max_requests=4"]) as m:
            fake.reset()
            # 16 readers at once, plus grep and find.
            p1 = subprocess.Popen("find %s -name '*.md' -print0 | xargs -0 -P 16 -n 4 cat"
                                  " > /dev/null" % m.mnt, shell=True)
            p2 = subprocess.Popen(["grep", "-rq", "nomatch-anywhere", m.mnt])
            p3 = subprocess.Popen(["find", m.mnt], stdout=subprocess.DEVNULL)
            for p in (p1, p2, p3):
                p.wait(120)
            st = fake.stats()
            self.assertLessEqual(st["peak_in_flight"], 4)
            self.assertGreaterEqual(st["peak_in_flight"], 2)  # it did run concurrently
            # Each page body was fetched once, however many readers wanted it.
            self.assertTrue(all(n == 1 for n in st["body_fetches"].values()),
                            st["body_fetches"])
            self.assertEqual(len(st["body_fetches"]), 120)

    def test_thousand_children_under_one_page(self):
        with serving("--pages", "1001", "--fanout", "1000", "--roots", "1", "--seed", "5") \
                as fake, mounted(fake, space="GEN") as m:
            roots = [n for n in os.listdir(m.mnt) if not n.endswith(".md")]
            self.assertEqual(len(roots), 1)
            kids = os.listdir(os.path.join(m.mnt, roots[0]))
            self.assertEqual(len([k for k in kids if k.endswith(".md")]), 1000)


class StartupErrors(unittest.TestCase):
    """Each bad start ends with one clear line, a non-zero exit, and no mount."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def expect_failure(self, pattern, **kw):
        with self.assertRaises(MountError) as cm:
            Mount(self.fake, **kw)
        err = cm.exception.stderr
        self.assertNotEqual(cm.exception.returncode, 0)
        self.assertRegex(err, pattern)
        lines = [line for line in err.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, err)
        self.assertNotIn(TOKEN, err)
        self.assertNotIn("wrong-token", err)
        return err

    def test_wrong_token(self):
        if DC:  # a wrong personal access token is answered as the anonymous user, not 401
            self.expect_failure(r"authentication failed at %s: .*anonymous"
                                % re.escape(self.fake.url), token="wrong-token")
            self.expect_failure(r"authentication failed .*401", token="wrong-token", user=USER)
        else:
            self.expect_failure(r"authentication failed .*401", token="wrong-token")

    def test_unknown_space(self):
        self.expect_failure(r"space 'NOPE' not found", space="NOPE")

    def test_unreachable_host(self):
        self.expect_failure(r"cannot reach http://127\.0\.0\.1:1%s" % API_ROOT,
                            url="http://127.0.0.1:1" + API_ROOT)

    def test_wrong_url(self):
        self.expect_failure(r"HTTP 404", url=self.fake.origin + "/nowiki")

    def test_no_token(self):
        self.expect_failure(r"no API token", token=None)

    def test_token_as_option_refused(self):
        self.expect_failure(r"token cannot be a mount option", opts=["token=abc"])

    def test_token_file_must_be_private(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(TOKEN + "\n")
        try:
            os.chmod(f.name, 0o644)
            self.expect_failure(r"chmod 600", token=None, opts=["token_file=" + f.name])
            os.chmod(f.name, 0o600)
            m = Mount(self.fake, token=None, opts=["token_file=" + f.name])
            self.assertTrue(os.path.exists(m.path("Home.md")))
            m.stop()
        finally:
            os.unlink(f.name)

    def test_netrc(self):
        home = tempfile.mkdtemp()
        netrc = os.path.join(home, ".netrc")
        with open(netrc, "w") as f:
            f.write("machine 127.0.0.1 login %s password %s\n" % (USER, TOKEN))
        os.chmod(netrc, 0o600)
        try:
            m = Mount(self.fake, token=None, user=None, env={"NETRC": netrc})
            self.assertTrue(os.path.exists(m.path("Home.md")))
            m.stop()
        finally:
            os.unlink(netrc)
            os.rmdir(home)

    def test_names_stable_across_remounts(self):
        a = Mount(self.fake)
        first = walk_files(a.mnt)
        inos = {f: os.stat(a.path(f)).st_ino for f in first}
        a.stop()
        b = Mount(self.fake)
        try:
            self.assertEqual(walk_files(b.mnt), first)
            self.assertEqual({f: os.stat(b.path(f)).st_ino for f in first}, inos)
        finally:
            b.stop()


class ServerErrorsAfterMount(unittest.TestCase):
    def test_500_gives_eio_then_recovers(self):
        with serving() as fake, mounted(fake, opts=["retries=1"]) as m:
            fake.fault(match=PAGE_RE("131092"), kind="status", status=500, count=2)
            with self.assertRaises(OSError) as cm:
                open(m.path("Home", "Documentation", "Plain Page.md")).read()
            self.assertEqual(cm.exception.errno, errno.EIO)
            # The failure is not cached: the next read succeeds.
            with open(m.path("Home", "Documentation", "Plain Page.md")) as f:
                self.assertIn("cfsword-131092", f.read())
        self.assertIn("HTTP 500", m.err)

    def test_interrupted_read_returns_promptly(self):
        with serving() as fake, mounted(fake, opts=["timeout=20"]) as m:
            fake.fault(match=PAGE_RE("131091"), kind="stall", stall_s=8, count=1)
            t0 = time.monotonic()
            r = subprocess.run(["timeout", "-s", "INT", "1", "cat",
                                m.path("Home", "Documentation", "Other Page.md")],
                               capture_output=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertLess(time.monotonic() - t0, 4)
            # Other files stay readable meanwhile, and the stalled page
            # arrives whole once the server answers.
            with open(m.path("Home.md")) as f:
                self.assertIn("cfsword-131074", f.read())
            with open(m.path("Home", "Documentation", "Other Page.md")) as f:
                self.assertIn("cfsword-131091", f.read())

    def test_stats_view(self):
        with serving() as fake, mounted(fake) as m:
            with open(m.path("Home.md")) as f:
                f.read()
            with open(m.path("Home.md")) as f:
                f.read()
            out = run("getfattr", "--only-values", "-n", "user.confluencefs.stats",
                      m.mnt).stdout
            stats = dict(line.split("=", 1) for line in out.splitlines())
            self.assertGreaterEqual(int(stats["requests"]), 1)
            self.assertGreaterEqual(int(stats["page_hits"]), 1)
            self.assertGreater(int(stats["rendered_bytes"]), 0)
            self.assertEqual(int(stats["in_flight"]), 0)


class Mentions(unittest.TestCase):
    def test_mentions_show_display_names_looked_up_once(self):
        with serving() as fake:
            body = ('<p>Ask <ac:link><ri:user ri:account-id="%s" /></ac:link> or '
                    '<ac:link><ri:user ri:account-id="nobody-123" /></ac:link>.</p>')
            acct = "712020:3fd582db-3261-4930-b192-171d1cb74d1f"
            if DC:  # DC storage names users by their user key (the fake's for the demo user)
                body = body.replace("ri:account-id", "ri:userkey")
                acct = fake.api(API_ROOT + "/rest/api/user/current")["userKey"]
            fake.call("POST", "/_fake/pages", {"parentId": "131074", "title": "Who",
                                                "body": body % acct})
            fake.call("POST", "/_fake/pages", {"parentId": "131074", "title": "Who else",
                                                "body": body % acct})
            with mounted(fake, opts=["prefetch=0"]) as m:
                fake.reset()
                for name in ("Who.md", "Who else.md"):
                    with open(m.path("Home", name), encoding="utf-8") as f:
                        text = f.read()
                    self.assertIn("@Demo User", text)
                    self.assertIn("nobody-123", text)  # unknown users show their id
                log = fake.call("GET", "/_fake/log")
                lookups = [e["path"] for e in log if "/rest/api/user?" in e["path"]]
                bulk = [e["path"] for e in log if "/rest/api/user/bulk?" in e["path"]]
                if DC:  # no bulk lookup there: one request per user, cached
                    self.assertEqual(len(lookups), 2, lookups)
                    self.assertEqual(bulk, [])
                else:  # Cloud: the users of a page in one request, cached for the next
                    self.assertEqual(lookups, [])
                    self.assertEqual(len(bulk), 1, bulk)
                    self.assertIn("accountId=%s" % acct.replace(":", "%3A"), bulk[0])
                    self.assertIn("accountId=nobody-123", bulk[0])


class FrontMatter(unittest.TestCase):
    def test_front_matter(self):
        with serving() as fake:
            space, pages = fake.space_pages("DEMO")
            posts = fake.space_blogposts("DEMO")
            by_id = {p["id"]: p for p in pages + posts}
            with mounted(fake, opts=["frontmatter"]) as m:
                for rel in [f for f in walk_files(m.mnt) if f.endswith(".md")]:
                    path = m.path(rel)
                    with open(path, encoding="utf-8") as f:
                        text = f.read()
                    self.assertEqual(os.stat(path).st_size, len(text.encode()), rel)
                    self.assertTrue(text.startswith("---\n"), rel)
                    head = text.split("\n---\n", 1)[0][4:]
                    fields = dict(line.split(": ", 1) for line in head.splitlines())
                    page = by_id[json.loads(fields["id"])]
                    self.assertEqual(json.loads(fields["title"]), page["title"])
                    self.assertEqual(json.loads(fields["space"]), "DEMO")
                    self.assertEqual(fields.get("type"),
                                     "blogpost" if page in posts else None, rel)
                    self.assertEqual(int(fields["version"]), page["version"]["number"])
                    self.assertEqual(fields["updated"],
                                     page["version"]["createdAt"][:19] + "Z")
                    self.assertIn("created", fields)
                    self.assertTrue(fields["labels"].startswith("["), rel)
                    self.assertTrue(json.loads(fields["url"]).startswith(fake.url))


if __name__ == "__main__":
    unittest.main(verbosity=2)
