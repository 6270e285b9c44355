#!/usr/bin/env python3
"""End-to-end shape operations on a rw mount (-o rw): rm of a page (to the trash),
a new Name.md (a new page), mv (retitle, move), mkdir (a folder on Cloud, EPERM on
DC), rmdir — against the fake server, whose write log and trash prove what was sent.
CFS_FLAVOR=dc runs the same against Data Center (suite shape-e2e-dc).  docs/shape.md."""

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import DC, Fake, Mount, MountedSpace  # noqa: E402

MEETINGS = "Home/Meeting notes"


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class ShapeBase(MountedSpace):
    opts = ["rw", "log_level=debug", "timeout=2"]

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.cache = tempfile.mkdtemp(prefix="cfs-scache-")
        cls.mount = Mount(cls.fake, opts=cls.opts, cache_dir=cls.cache)
        cls.mnt = cls.mount.mnt
        cls.space, pages = cls.fake.space_pages("DEMO")
        cls.ids = {p["title"]: p["id"] for p in pages}
        cls.free = sorted((p["title"], p["id"]) for p in pages
                          if p["title"].endswith("Weekly sync"))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.cache, ignore_errors=True)

    def setUp(self):
        self.fake.call("DELETE", "/_fake/fault")
        self.mark = len(self.fake.call("GET", "/_fake/writes"))

    def p(self, *parts):
        return os.path.join(self.mnt, *parts)

    def take(self):
        title, pid = self.free.pop(0)
        return self.p(MEETINGS, title + ".md"), pid

    def writes(self):
        """The writes since the test began."""
        return self.fake.call("GET", "/_fake/writes")[self.mark:]

    def trash(self):
        return self.fake.call("GET", "/_fake/trash")

    def current(self):
        """title -> page (v2 shape) of the current pages."""
        _, pages = self.fake.space_pages("DEMO")
        return {p["title"]: p for p in pages}

    def body(self, pid):
        if DC:
            p = self.fake.api("%s/rest/api/content/%s?expand=body.storage"
                              % (self.fake.context, pid))
        else:
            p = self.fake.api("/wiki/api/v2/pages/%s?body-format=storage" % pid)
        return p["body"]["storage"]["value"]

    def assert_errno(self, code, fn, *args):
        with self.assertRaises(OSError) as cm:
            fn(*args)
        self.assertEqual(cm.exception.errno, code, os.strerror(cm.exception.errno))


class Delete(ShapeBase):
    def test_rm_page_goes_to_the_trash(self):
        path, pid = self.take()
        self.assertTrue(os.path.exists(path))
        os.remove(path)
        self.assertFalse(os.path.exists(path))
        self.assertNotIn(os.path.basename(path), os.listdir(os.path.dirname(path)))
        self.assertIn(pid, [p["id"] for p in self.trash()["pages"]])
        w = self.writes()
        self.assertEqual(len(w), 1, w)
        self.assertEqual(w[0]["method"], "DELETE")
        self.assertEqual(w[0]["path"], "/confluence/rest/api/content/%s" % pid if DC
                         else "/wiki/api/v2/pages/%s" % pid)
        self.assertFalse(w[0].get("purge"))
        self.assertEqual(self.fake.stats().get("purges", 0), 0)

    def test_rm_page_with_children_is_enotempty(self):
        path = self.p("Home", "Engineering", "CI\u2215CD.md")
        self.assert_errno(errno.ENOTEMPTY, os.remove, path)
        self.assertTrue(os.path.exists(path))
        self.assertEqual(self.writes(), [])

    def test_rm_children_then_rmdir_then_parent(self):
        kid = self.p("Archive", "Old design (2019).md")
        os.remove(kid)
        self.assertFalse(os.path.exists(kid))
        # the children directory is empty now: rmdir succeeds and sends nothing
        n = len(self.writes())
        os.rmdir(self.p("Archive"))
        self.assertEqual(len(self.writes()), n)
        os.remove(self.p("Archive.md"))
        self.assertFalse(os.path.exists(self.p("Archive.md")))
        trashed = [p["id"] for p in self.trash()["pages"]]
        self.assertIn(self.ids["Archive"], trashed)
        self.assertIn(self.ids["Old design (2019)"], trashed)

    def test_rmdir_of_a_page_with_children_is_enotempty(self):
        self.assert_errno(errno.ENOTEMPTY, os.rmdir, self.p("Home", "Engineering", "Runbooks"))
        self.assertEqual(self.writes(), [])

    def test_rm_applied_but_the_answer_lost(self):
        path, pid = self.take()
        self.fake.fault(kind="reset", match="/%s$" % pid, method="DELETE", apply=True)
        os.remove(path)
        self.assertFalse(os.path.exists(path))
        self.assertIn(pid, [p["id"] for p in self.trash()["pages"]])

    def test_rm_refused_keeps_the_page(self):
        path, pid = self.take()
        self.fake.fault(kind="status", status=403, match="/%s$" % pid, method="DELETE")
        self.assert_errno(errno.EACCES, os.remove, path)
        self.assertTrue(os.path.exists(path))
        self.assertIn(os.path.basename(path)[:-3], self.current())
        self.fake.call("DELETE", "/_fake/fault")
        self.fake.fault(kind="status", status=500, match="/%s$" % pid, method="DELETE")
        self.assert_errno(errno.EIO, os.remove, path)
        self.assertTrue(os.path.exists(path))
        self.assertNotIn(pid, [p["id"] for p in self.trash()["pages"]])


class Create(ShapeBase):
    def created(self, title):
        page = self.current().get(title)
        self.assertIsNotNone(page, "no page %r on the server" % title)
        return page

    def test_new_file_is_a_new_page(self):
        path = self.p("Home", "Documentation", "Shape notes.md")
        write(path, "# Notes\n\nFirst paragraph with **bold**.\n\n- one\n- two\n")
        page = self.created("Shape notes")
        self.assertEqual(page["parentId"], self.ids["Documentation"])
        body = self.body(page["id"])
        self.assertIn("<strong>bold</strong>", body)
        self.assertIn("<li>", body)
        w = [x for x in self.writes() if x["method"] == "POST"]
        self.assertEqual(len(w), 1, w)
        self.assertEqual(w[0]["path"], "/confluence/rest/api/content" if DC
                         else "/wiki/api/v2/pages")
        self.assertTrue(os.path.exists(path))
        text = read(path)
        self.assertIn("First paragraph with **bold**.", text)
        self.assertIn(page["id"], os.getxattr(path, "user.confluence.id").decode())
        self.assertIn("Shape notes.md", os.listdir(self.p("Home", "Documentation")))

    def test_title_from_the_name_reverses_the_naming_rules(self):
        path = self.p("Home", "Documentation", "Ops\u2215Dev.md")
        write(path, "Slash in the title.\n")
        page = self.created("Ops/Dev")
        self.assertEqual(page["parentId"], self.ids["Documentation"])
        self.assertIn("Slash in the title.", read(path))

    def test_front_matter_title(self):
        path = self.p("Home", "Meeting notes", "fm-page.md")
        write(path, "---\ntitle: Front matter titled\n---\nBody text.\n")
        page = self.created("Front matter titled")
        self.assertEqual(page["parentId"], self.ids["Meeting notes"])
        self.assertNotIn("title:", self.body(page["id"]))
        self.assertTrue(os.path.exists(self.p("Home", "Meeting notes",
                                              "Front matter titled.md")))

    def test_new_page_at_the_space_top(self):
        write(self.p("Top level shape.md"), "At the top.\n")
        page = self.created("Top level shape")
        self.assertIsNone(page.get("parentId"))

    def test_duplicate_title_is_eexist_and_the_text_stays(self):
        path = self.p("Home", "Documentation", "Architecture.md")  # a title of Engineering
        f = open(path, "w")
        f.write("Mine.\n")
        with self.assertRaises(OSError) as cm:
            f.close()
        self.assertEqual(cm.exception.errno, errno.EEXIST)
        self.assertEqual(read(path), "Mine.\n")
        self.assertEqual(self.current()["Architecture"]["id"], self.ids["Architecture"])
        os.remove(path)  # a local file: gone without a request
        self.assertFalse(os.path.exists(path))

    def test_create_fails_and_leaves_no_page(self):
        self.fake.fault(kind="status", status=500, match="/content$|/pages$", method="POST")
        path = self.p("Home", "Documentation", "Faulted page.md")
        f = open(path, "w")
        f.write("Kept here.\n")
        with self.assertRaises(OSError) as cm:
            f.close()
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertNotIn("Faulted page", self.current())
        self.assertEqual(read(path), "Kept here.\n")
        # the fault gone, writing it again creates the page
        self.fake.call("DELETE", "/_fake/fault")
        write(path, "Kept here.\n")
        self.created("Faulted page")

    def test_create_applied_but_the_answer_lost(self):
        """The connection dies after the server created the page: the listing
        shows it, so close() succeeds (nothing is sent twice)."""
        self.fake.fault(kind="reset", match="/content$|/pages$", method="POST", apply=True)
        path = self.p("Home", "Documentation", "Lost answer.md")
        write(path, "Created anyway.\n")
        self.assertEqual(self.current()["Lost answer"]["parentId"], self.ids["Documentation"])
        self.assertEqual(len([w for w in self.writes() if w["method"] == "POST"]), 1)
        self.assertIn("Created anyway.", read(path))

    def test_create_times_out(self):
        self.fake.fault(kind="stall", stall_s=8, match="/content$|/pages$", method="POST")
        path = self.p("Home", "Documentation", "Stalled page.md")
        f = open(path, "w")
        f.write("Slow.\n")
        t0 = time.monotonic()
        with self.assertRaises(OSError) as cm:
            f.close()
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertLess(time.monotonic() - t0, 7)
        self.assertNotIn("Stalled page", self.current())
        self.assertEqual(read(path), "Slow.\n")

    def test_temporary_renamed_to_a_new_name(self):
        """rsync and os.replace write a temporary and rename it into place."""
        d = self.p("Home", "Documentation")
        tmp = os.path.join(d, ".Renamed in.md.tmp")
        write(tmp, "Via a temporary.\n")
        self.assertEqual(self.writes(), [])
        os.replace(tmp, os.path.join(d, "Renamed in.md"))
        page = self.created("Renamed in")
        self.assertEqual(page["parentId"], self.ids["Documentation"])
        self.assertIn("Via a temporary.", read(os.path.join(d, "Renamed in.md")))
        self.assertFalse(os.path.exists(tmp))

    def test_rsync_into_the_mount(self):
        src = tempfile.mkdtemp(prefix="cfs-rsync-")
        self.addCleanup(shutil.rmtree, src, True)
        write(os.path.join(src, "Synced page.md"), "Synced by rsync.\n")
        png = os.urandom(3000)
        os.makedirs(os.path.join(src, "Images", "_attachments"))
        with open(os.path.join(src, "Images", "_attachments", "synced.png"), "wb") as f:
            f.write(png)
        subprocess.run(["rsync", "-r", src + "/", self.p("Home", "Documentation") + "/"],
                       check=True, capture_output=True)
        self.created("Synced page")
        ups = [w for w in self.writes() if w["method"] == "POST" and w.get("files")]
        self.assertEqual([u["files"][0]["sha256"] for u in ups],
                         [hashlib.sha256(png).hexdigest()])

    def test_editor_temporaries_are_no_pages(self):
        d = self.p("Home", "Documentation")
        for name in (".hidden.md", "notes.md~", "#notes.md#", "draft.txt"):
            write(os.path.join(d, name), "x\n")
            os.remove(os.path.join(d, name))
        self.assertEqual(self.writes(), [])

    def test_empty_file_is_no_page(self):
        path = self.p("Home", "Documentation", "Empty one.md")
        open(path, "w").close()
        self.assertEqual(self.writes(), [])
        os.remove(path)


class Move(ShapeBase):
    def test_mv_retitles(self):
        path, pid = self.take()
        new = os.path.join(os.path.dirname(path), "Retitled sync.md")
        os.rename(path, new)
        self.assertFalse(os.path.exists(path))
        self.assertTrue(os.path.exists(new))
        self.assertEqual(self.current()["Retitled sync"]["id"], pid)
        self.assertIn(pid, os.getxattr(new, "user.confluence.id").decode())

    def test_mv_moves_under_another_page(self):
        path, pid = self.take()
        name = os.path.basename(path)
        dest = self.p("Home", "Documentation", name)
        body = self.body(pid)
        os.rename(path, dest)
        self.assertTrue(os.path.exists(dest))
        self.assertFalse(os.path.exists(path))
        page = self.current()[name[:-3]]
        self.assertEqual(page["id"], pid)
        self.assertEqual(page["parentId"], self.ids["Documentation"])
        self.assertEqual(self.body(pid), body)

    def test_mv_page_with_its_directory(self):
        # Runbooks (2 children) under Documentation: mv Runbooks Runbooks.md dest/
        src = self.p("Home", "Engineering")
        dst = self.p("Home", "Documentation")
        os.rename(os.path.join(src, "Runbooks"), os.path.join(dst, "Runbooks"))
        os.rename(os.path.join(src, "Runbooks.md"), os.path.join(dst, "Runbooks.md"))
        self.assertTrue(os.path.isdir(os.path.join(dst, "Runbooks")))
        self.assertEqual(self.current()["Runbooks"]["parentId"], self.ids["Documentation"])
        self.assertFalse(os.path.exists(os.path.join(src, "Runbooks.md")))
        puts = [w for w in self.writes() if w["method"] == "PUT"]
        self.assertEqual(len(puts), 1, puts)

    def test_links_follow_a_moved_page(self):
        """Confluence links by title: after a move, pages linking to the moved one
        render the link to its new place."""
        d = self.p("Home", "Documentation")
        write(os.path.join(d, "Link source.md"), "See [other](Other%20Page.md).\n")
        self.assertIn("](Other%20Page.md)", read(os.path.join(d, "Link source.md")))
        os.rename(os.path.join(d, "Other Page.md"),
                  self.p("Home", "Engineering", "Other Page.md"))
        self.assertIn("](../Engineering/Other%20Page.md)",
                      read(os.path.join(d, "Link source.md")))

    def test_failed_move_leaves_the_page(self):
        path, pid = self.take()
        self.fake.fault(kind="status", status=500, match="/%s$" % pid, method="PUT")
        dest = self.p("Home", "Documentation", os.path.basename(path))
        self.assert_errno(errno.EIO, os.rename, path, dest)
        self.assertTrue(os.path.exists(path))
        self.assertFalse(os.path.exists(dest))
        page = self.current()[os.path.basename(path)[:-3]]
        self.assertEqual(page["parentId"], self.ids["Meeting notes"])

    def test_mv_onto_a_taken_title_is_eexist(self):
        path, pid = self.take()
        self.assert_errno(errno.EEXIST, os.rename, path,
                          os.path.join(os.path.dirname(path), "Architecture.md"))
        self.assertTrue(os.path.exists(path))


class Folders(ShapeBase):
    def test_mkdir(self):
        d = self.p("Home", "Documentation", "Shape folder")
        if DC:  # no folders: an empty page, its directory shown
            os.mkdir(d)
            self.assertTrue(os.path.isdir(d))
            w = self.writes()
            self.assertEqual([x["path"] for x in w], ["/confluence/rest/api/content"])
            page = self.current()["Shape folder"]
            self.assertEqual(page["parentId"], self.ids["Documentation"])
            self.assertEqual(self.body(page["id"]), "")
            self.assertFalse(os.path.exists(d + ".md"))  # a directory, until written
            write(os.path.join(d, "In DC dir.md"), "Inside.\n")
            self.assertEqual(self.current()["In DC dir"]["parentId"], page["id"])
            return
        os.mkdir(d)
        self.assertTrue(os.path.isdir(d))
        w = self.writes()
        self.assertEqual([x["path"] for x in w], ["/wiki/api/v2/folders"])
        # a page inside the folder
        write(os.path.join(d, "In folder.md"), "Inside.\n")
        page = self.current()["In folder"]
        self.assertEqual(page["parentId"], w[0]["id"])
        os.remove(os.path.join(d, "In folder.md"))
        os.rmdir(d)
        self.assertFalse(os.path.exists(d))
        self.assertIn(w[0]["id"], [f["id"] for f in self.trash()["folders"]])

    def test_mkdir_refused_makes_no_folder(self):
        if DC:
            self.skipTest("no folders on Data Center")
        self.fake.fault(kind="status", status=500, match="/folders$", method="POST")
        d = self.p("Home", "Documentation", "Refused folder")
        self.assert_errno(errno.EIO, os.mkdir, d)
        self.assertFalse(os.path.exists(d))
        self.fake.call("DELETE", "/_fake/fault")
        self.fake.fault(kind="status", status=500, match="/folders/", method="DELETE")
        os.mkdir(d)
        self.assert_errno(errno.EIO, os.rmdir, d)
        self.assertTrue(os.path.isdir(d))
        self.assertNotIn("Refused folder", [f["title"] for f in self.trash()["folders"]])

    def test_mkdir_of_a_page_directory_then_a_child(self):
        d = self.p("Home", "Documentation", "Plain Page")
        self.assertFalse(os.path.exists(d))
        os.mkdir(d)
        self.assertTrue(os.path.isdir(d))
        self.assertEqual(os.listdir(d), [])
        self.assertEqual(self.writes(), [])
        write(os.path.join(d, "Plain child.md"), "A child.\n")
        self.assertEqual(self.current()["Plain child"]["parentId"], self.ids["Plain Page"])
        os.remove(os.path.join(d, "Plain child.md"))
        self.assertTrue(os.path.isdir(d))  # emptied: it stays until rmdir
        os.rmdir(d)
        self.assertFalse(os.path.exists(d))
        self.assertTrue(os.path.exists(self.p("Home", "Documentation", "Plain Page.md")))

    def test_mkdir_of_an_existing_name_is_eexist(self):
        self.assert_errno(errno.EEXIST, os.mkdir, self.p("Home", "Engineering"))


class Attachments(ShapeBase):
    ADIR = ("Home", "Documentation", "Images", "_attachments")

    def api_log(self):
        return self.fake.call("GET", "/_fake/log")

    def test_upload_overwrite_delete(self):
        path = self.p(*self.ADIR, "shape-upload.bin")
        data = os.urandom(3 * 1024 * 1024 + 17)
        with open(path, "wb") as f:
            f.write(data)
        w = [x for x in self.writes() if x["method"] == "POST"]
        self.assertEqual(len(w), 1, w)
        self.assertTrue(w[0]["path"].endswith("/rest/api/content/%s/child/attachment"
                                              % self.ids["Images"]), w[0]["path"])
        self.assertEqual(w[0]["files"][0]["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(w[0]["files"][0]["filename"], "shape-upload.bin")
        att = w[0]["attachments"][0]
        self.assertEqual(os.path.getsize(path), len(data))
        # the disk cache has the bytes: reading them back asks nothing
        n = len(self.api_log())
        with open(path, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(),
                             hashlib.sha256(data).hexdigest())
        self.assertEqual([r for r in self.api_log()[n:] if "download" in r["path"]], [])
        # overwrite: a new version
        data2 = os.urandom(100 * 1024)
        with open(path, "wb") as f:
            f.write(data2)
        w = [x for x in self.writes() if x["method"] == "POST"]
        self.assertEqual(len(w), 2, w)
        self.assertTrue(w[1]["path"].endswith("/child/attachment/%s/data" % att["id"]),
                        w[1]["path"])
        self.assertEqual(w[1]["sha256"], hashlib.sha256(data2).hexdigest())
        self.assertEqual(w[1]["version"], 2)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), data2)
        # rm: to the trash
        os.remove(path)
        self.assertFalse(os.path.exists(path))
        d = [x for x in self.writes() if x["method"] == "DELETE"]
        self.assertEqual(len(d), 1, d)
        self.assertEqual(d[0]["path"], "/confluence/rest/api/content/%s" % att["id"] if DC
                         else "/wiki/api/v2/attachments/%s" % att["id"])
        self.assertIn(att["id"], [a["id"] for a in self.trash()["attachments"]])
        self.assertFalse(d[0].get("purge"))

    def test_upload_refused_keeps_the_file(self):
        self.fake.fault(kind="status", status=500, match="/child/attachment$", method="POST")
        path = self.p(*self.ADIR, "refused.bin")
        data = os.urandom(5000)
        f = open(path, "wb")
        f.write(data)
        with self.assertRaises(OSError) as cm:
            f.close()
        self.assertEqual(cm.exception.errno, errno.EIO)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), data)
        titles = [a["title"] for a in self.fake.api(
            "%s/rest/api/content/%s/child/attachment" % (self.fake.context, self.ids["Images"])
            if DC else "/wiki/api/v2/pages/%s/attachments" % self.ids["Images"])]
        self.assertNotIn("refused.bin", titles)
        self.fake.call("DELETE", "/_fake/fault")
        with open(path, "wb") as f:
            f.write(data)
        w = [x for x in self.writes() if x["method"] == "POST" and x["status"] == 200]
        self.assertEqual(w[-1]["files"][0]["sha256"], hashlib.sha256(data).hexdigest())

    def test_dd_upload(self):
        """dd closes a duplicate of the empty file first: only the written file goes up."""
        path = self.p(*self.ADIR, "dd.bin")
        subprocess.run(["dd", "if=/dev/urandom", "of=" + path, "bs=64k", "count=16",
                        "status=none"], check=True)
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(len(data), 1 << 20)
        ups = [x for x in self.writes() if x["method"] == "POST"]
        self.assertEqual(len(ups), 1, ups)
        self.assertEqual(ups[0]["files"][0]["sha256"], hashlib.sha256(data).hexdigest())

    def test_new_version_refused_keeps_the_old(self):
        path = self.p(*self.ADIR, "versioned.bin")
        old = os.urandom(4000)
        with open(path, "wb") as f:
            f.write(old)
        self.fake.fault(kind="status", status=500, match="/data$", method="POST")
        f = open(path, "wb")
        f.write(os.urandom(3000))
        with self.assertRaises(OSError) as cm:
            f.close()
        self.assertEqual(cm.exception.errno, errno.EIO)
        ups = [x for x in self.writes() if x["method"] == "POST" and x.get("applied")]
        self.assertEqual(len(ups), 1, ups)  # only the first upload changed anything

    def test_rm_attachment_refused(self):
        name = os.listdir(self.p(*self.ADIR))[0]
        self.fake.fault(kind="status", status=403, match="att", method="DELETE")
        self.assert_errno(errno.EACCES, os.remove, self.p(*self.ADIR, name))
        self.assertTrue(os.path.exists(self.p(*self.ADIR, name)))
        self.assertEqual(self.trash()["attachments"], [])


class CopyTree(ShapeBase):
    """cp -r into the mount: pages, links between the copied files as page links,
    images under _attachments/ uploaded."""

    def tree(self, files):
        src = tempfile.mkdtemp(prefix="cfs-notes-")
        for rel, data in files.items():
            path = os.path.join(src, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode())
        self.addCleanup(shutil.rmtree, src, True)
        return src

    def test_cp_r_pages_with_links(self):
        src = self.tree({"Alpha note.md": "Alpha links to [beta](Beta%20note.md).\n",
                         "Beta note.md": "Beta links back to [alpha](Alpha%20note.md).\n"})
        dest = self.p("Home", "Documentation")
        if DC:  # no folders: copy the files into a page's directory
            subprocess.run(["cp", "-r", src + "/.", dest], check=True)
        else:  # cp -r src dest/: the directory becomes a folder
            subprocess.run(["cp", "-r", src, os.path.join(dest, "Copied notes")], check=True)
        cur = self.current()
        alpha, beta = cur["Alpha note"], cur["Beta note"]
        if DC:
            self.assertEqual(alpha["parentId"], self.ids["Documentation"])
        else:
            self.assertEqual(alpha["parentId"], beta["parentId"])
            self.assertNotEqual(alpha["parentId"], self.ids["Documentation"])
        self.assertIn('ri:content-title="Beta note"', self.body(alpha["id"]))
        self.assertIn('ri:content-title="Alpha note"', self.body(beta["id"]))

    def test_directory_before_its_page(self):
        """cp -r may copy X/ before X.md: on Cloud X/ becomes a folder first; when
        X.md arrives, the folder's pages move under the new page X and the folder
        goes to the trash.  On DC X/ is an empty page X, which X.md then fills."""
        dest = self.p("Home", "Documentation")
        os.mkdir(os.path.join(dest, "Dir first"))
        write(os.path.join(dest, "Dir first", "Inner page.md"), "Inner.\n")
        folder = self.current()["Inner page"]["parentId"]
        write(os.path.join(dest, "Dir first.md"), "Outer.\n")
        cur = self.current()
        if DC:  # mkdir made the (empty) page; writing Dir first.md gave it its text
            self.assertEqual(folder, cur["Dir first"]["id"])
            self.assertEqual(cur["Dir first"]["parentId"], self.ids["Documentation"])
            self.assertIn("Outer.", self.body(folder))
            self.assertEqual(os.listdir(os.path.join(dest, "Dir first")), ["Inner page.md"])
            return
        self.assertEqual(cur["Dir first"]["parentId"], self.ids["Documentation"])
        self.assertEqual(cur["Inner page"]["parentId"], cur["Dir first"]["id"])
        self.assertIn(folder, [f["id"] for f in self.trash()["folders"]])
        self.assertEqual(sorted(os.listdir(os.path.join(dest, "Dir first"))), ["Inner page.md"])
        self.assertIn("Dir first.md", os.listdir(dest))

    def test_copy_parents_first_with_an_image(self):
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)
        src = self.tree({
            "Guide.md": "See [the setup](Guide/Setup.md).\n",
            "Guide/Setup.md": "Steps.\n\n![diagram](Setup/_attachments/d.png)\n\n"
                              "Back to [the guide](../Guide.md).\n",
            "Guide/Setup/_attachments/d.png": png})
        dest = self.p("Home", "Documentation")
        # parents first: each page's file before its directory
        shutil.copy(os.path.join(src, "Guide.md"), dest)
        os.mkdir(os.path.join(dest, "Guide"))
        shutil.copy(os.path.join(src, "Guide", "Setup.md"), os.path.join(dest, "Guide"))
        subprocess.run(["cp", "-r", os.path.join(src, "Guide", "Setup"),
                        os.path.join(dest, "Guide")], check=True)
        cur = self.current()
        guide, setup = cur["Guide"], cur["Setup"]
        self.assertEqual(guide["parentId"], self.ids["Documentation"])
        self.assertEqual(setup["parentId"], guide["id"])
        self.assertIn('ri:content-title="Setup"', self.body(guide["id"]))
        body = self.body(setup["id"])
        self.assertIn('ri:content-title="Guide"', body)
        self.assertIn('<ri:attachment ri:filename="d.png"', body)
        ups = [w for w in self.writes() if w["method"] == "POST" and w.get("files")]
        self.assertEqual(len(ups), 1, ups)
        self.assertTrue(ups[0]["path"].endswith("/content/%s/child/attachment" % setup["id"]))
        self.assertEqual(ups[0]["files"][0]["sha256"], hashlib.sha256(png).hexdigest())
        with open(os.path.join(dest, "Guide", "Setup", "_attachments", "d.png"), "rb") as f:
            self.assertEqual(f.read(), png)


class CrossSpace(MountedSpace):
    """Two spaces on one mount: a move between them is EXDEV (mv then copies:
    a new page in the other space, the old one to the trash)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--add-space", "ENG:6")
        cls.cache = tempfile.mkdtemp(prefix="cfs-scache-")
        cls.mount = Mount(cls.fake, space="DEMO,ENG", opts=["rw"], cache_dir=cls.cache)
        cls.mnt = cls.mount.mnt

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.cache, ignore_errors=True)

    def test_move_across_spaces(self):
        src = os.path.join(self.mnt, "DEMO", "Home", "Documentation", "Other Page.md")
        dst = os.path.join(self.mnt, "ENG", "Other Page.md")
        with self.assertRaises(OSError) as cm:
            os.rename(src, dst)
        self.assertEqual(cm.exception.errno, errno.EXDEV)
        self.assertTrue(os.path.exists(src))
        text = read(src)
        shutil.move(src, dst)  # what mv does: copy, then unlink
        self.assertFalse(os.path.exists(src))
        self.assertTrue(os.path.exists(dst))
        _, eng = self.fake.space_pages("ENG")
        self.assertIn("Other Page", [p["title"] for p in eng])
        self.assertIn("Other Page", [p["title"] for p in
                                     self.fake.call("GET", "/_fake/trash")["pages"]])
        self.assertEqual(read(dst).strip(), text.strip())


if __name__ == "__main__":
    unittest.main(verbosity=2)
