#!/usr/bin/env python3
"""End-to-end write-back (-o rw): real editors and tools save pages on a real mount
against the fake server; its write log proves one new version per save, with every
block the user did not touch byte for byte as it was.  CFS_FLAVOR=dc runs the same
against Data Center (suite write-e2e-dc).  docs/write-back-fs.md."""

import errno
import glob
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import DC, Fake, Mount, MountedSpace, sanitizer_report  # noqa: E402

MEETINGS = "Home/Meeting notes"


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def run(*cmd, **kw):
    env = dict(os.environ, HOME=tempfile.gettempdir(), TERM="dumb")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, **kw)


class WriteBase(MountedSpace):
    """A rw mount of the demo space; each test edits a meeting page of its own."""

    opts = ["rw", "log_level=debug"]

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.cache = tempfile.mkdtemp(prefix="cfs-wcache-")
        cls.mount = Mount(cls.fake, opts=cls.opts, cache_dir=cls.cache)
        cls.mnt = cls.mount.mnt
        _, pages = cls.fake.space_pages("DEMO")
        cls.free = sorted((p["title"], p["id"]) for p in pages
                          if p["title"].endswith("Weekly sync"))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.cache, ignore_errors=True)

    def setUp(self):
        self.fake.call("DELETE", "/_fake/fault")

    def take(self):
        """A page no other test touched: (path on the mount, id)."""
        title, pid = self.free.pop(0)
        return os.path.join(self.mnt, MEETINGS, title + ".md"), pid

    # ---- the server's side ----

    def page(self, pid):
        if DC:
            p = self.fake.api("%s/rest/api/content/%s?expand=body.storage,version"
                              % (self.fake.context, pid))
            return p["version"]["number"], p["body"]["storage"]["value"], p["title"]
        p = self.fake.api("/wiki/api/v2/pages/%s?body-format=storage" % pid)
        return p["version"]["number"], p["body"]["storage"]["value"], p["title"]

    def puts(self, pid):
        return [w for w in self.fake.call("GET", "/_fake/writes")
                if w["method"] == "PUT" and w.get("id") == pid]

    def edit_behind(self, pid, old, new):
        _, body, _ = self.page(pid)
        self.assertIn(old, body)
        self.fake.call("POST", "/_fake/page/%s" % pid, {"body": body.replace(old, new, 1)})

    def drafts(self):
        return glob.glob(os.path.join(self.cache, "*", "*", "write", "drafts", "*.draft"))

    # ---- checks ----

    def assert_one_block(self, old, new, *words):
        """new differs from old inside one top-level block only: the common prefix
        and suffix hold everything else byte for byte."""
        self.assertNotEqual(old, new)
        pre = 0
        while pre < min(len(old), len(new)) and old[pre] == new[pre]:
            pre += 1
        suf = 0
        while (suf < min(len(old), len(new)) - pre and
               old[len(old) - 1 - suf] == new[len(new) - 1 - suf]):
            suf += 1
        # Widen to the enclosing top-level element: back to the last newline
        # or block start before the change.
        start = max(old.rfind("\n", 0, pre) + 1, 0)
        mid_old, mid_new = old[start:len(old) - suf], new[start:len(new) - suf]
        for tag in ("<h2>", "<table>", "<ac:task-list>"):
            self.assertLessEqual(mid_old.count(tag) + mid_new.count(tag), 2,
                                 "the change spans blocks: %r -> %r" % (mid_old, mid_new))
        for w in words:
            self.assertIn(w, new)

    def saved_once(self, path, pid, v0, body0, *words, text=None):
        """Exactly one new version, the right body, and the file reads back."""
        puts = [w for w in self.puts(pid) if w.get("applied")]
        self.assertEqual(len(puts), 1, puts)
        v1, body1, _ = self.page(pid)
        self.assertEqual(v1, v0 + 1)
        self.assert_one_block(body0, body1, *words)
        if text is not None:
            with open(path) as f:
                self.assertEqual(f.read(), text)
        self.assertEqual(os.getxattr(path, "user.confluence.version").decode(), str(v1))
        self.assertEqual(os.stat(path).st_size, len(read(path, "rb")))
        self.assertEqual(self.drafts(), [])
        return body1

    def no_strays(self, path):
        """No editor temporary is left next to the page (backups aside)."""
        d = os.path.dirname(path)
        names = os.listdir(d)
        self.assertFalse([n for n in names if n.endswith(".swp") or n == "4913"
                          or n.startswith("#") or n.startswith(".#")], names)


class Saves(WriteBase):
    """Every common save pattern: one version each, nothing else sent."""

    def test_cat_redirect(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        text = read(path).replace("- Team\n", "- Team Blue\n")
        r = run("sh", "-c", 'cat > "$1"', "sh", path, input=text)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.saved_once(path, pid, v0, body0, "Team Blue", text=text)

    def test_no_change_sends_nothing(self):
        path, pid = self.take()
        text = read(path)
        with open(path, "w") as f:
            f.write(text)
        with open(path, "w") as f:
            f.write(text + "\n\n")  # only trailing blank lines: normalised
        self.assertEqual(self.puts(pid), [])
        self.assertEqual(self.drafts(), [])

    def test_release_while_truncated_elsewhere(self):
        """A release that comes after another descriptor's open(O_TRUNC)
        sends nothing: the emptied copy is that descriptor's to write."""
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        text = read(path)
        first = os.open(path, os.O_WRONLY)
        second = os.open(path, os.O_WRONLY | os.O_TRUNC)
        try:
            os.close(first)  # its release reaches the mount asynchronously
            time.sleep(0.5)
            self.assertEqual(self.puts(pid), [])
            os.write(second, text.encode())
        finally:
            os.close(second)
        self.assertEqual(self.puts(pid), [])
        self.assertEqual(self.page(pid)[:2], (v0, body0))
        self.assertEqual(self.drafts(), [])

    def test_echo_append(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        r = run("sh", "-c", 'printf "\\nAppended line.\\n" >> "$1"', "sh", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        body1 = self.saved_once(path, pid, v0, body0, "Appended line.")
        # A new paragraph after everything (a line without the blank line
        # before it would continue the last list item, as Markdown says).
        self.assertTrue(body1.startswith(body0.rstrip()), body1)
        self.assertTrue(body1.rstrip().endswith("<p>Appended line.</p>"), body1)

    def test_sed_in_place(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        r = run("sed", "-i", "s/^- Team$/- Team Sed/", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.saved_once(path, pid, v0, body0, "Team Sed")
        self.assertEqual(os.listdir(os.path.dirname(path)).count(os.path.basename(path)), 1)

    def test_atomic_replace(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        text = read(path).replace("- Team\n", "- Team Atomic\n")
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        self.assertEqual(self.puts(pid), [], "a temporary file reached the server")
        os.replace(tmp, path)
        self.saved_once(path, pid, v0, body0, "Team Atomic", text=text)
        self.assertFalse(os.path.exists(tmp))

    def test_truncate(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        text = read(path)
        cut = text.index("## Action items")
        r = run("truncate", "-s", str(cut), path)
        self.assertEqual(r.returncode, 0, r.stderr)
        puts = [w for w in self.puts(pid) if w.get("applied")]
        self.assertEqual(len(puts), 1, puts)
        v1, body1, _ = self.page(pid)
        self.assertEqual(v1, v0 + 1)
        self.assertNotIn("ac:task-list", body1)
        self.assertTrue(body0.startswith(body1.rstrip()[:-1]), body1)

    def test_vim_default(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        r = run("vim", "-u", "NONE", "-i", "NONE", "-N", "-es", "-c", "set backupcopy=auto",
                "-c", "%s/^- Team$/- Team Vim/", "-c", "wq", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.saved_once(path, pid, v0, body0, "Team Vim")
        self.no_strays(path)
        self.assertFalse(os.path.exists(path + "~"))

    def test_vim_rename_backup_sequence(self):
        """What vim does on :w with its defaults (backupcopy=auto) in an
        interactive session, call by call: a swap file, the 4913 probe, the
        page renamed to its backup Title.md~, a new Title.md written and
        fsync'ed, the backup removed.  (vim -es makes no backup.)"""
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        d = os.path.dirname(path)
        text = read(path).replace("- Team\n", "- Team Swap\n")
        swap = os.path.join(d, "." + os.path.basename(path) + ".swp")
        sfd = os.open(swap, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(sfd, b"b0VIM 9.1" + bytes(4000))
        probe = os.path.join(d, "4913")
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        os.fchown(fd, os.getuid(), os.getgid())
        self.assertEqual(os.stat(probe).st_mode & 0o777, 0o644)
        os.close(fd)
        os.unlink(probe)
        os.rename(path, path + "~")
        self.assertEqual(self.puts(pid), [])
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, text.encode())
        os.fsync(fd)
        os.close(fd)
        self.assertIn("- Team\n", read(path + "~"))  # the backup: the old text
        os.unlink(path + "~")
        os.close(sfd)
        os.unlink(swap)
        self.saved_once(path, pid, v0, body0, "Team Swap", text=text)
        self.no_strays(path)
        self.assertFalse(os.path.exists(path + "~"))
        self.assertEqual(len(self.puts(pid)), 1)

    def test_vim_backupcopy_yes(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        r = run("vim", "-u", "NONE", "-i", "NONE", "-N", "-es", "-c", "set backupcopy=yes",
                "-c", "%s/^- Team$/- Team Copy/", "-c", "wq", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.saved_once(path, pid, v0, body0, "Team Copy")
        self.no_strays(path)

    @unittest.skipUnless(shutil.which("emacs"), "emacs is not installed")
    def test_emacs_batch(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        r = run("emacs", "--batch", "-Q", path, "--eval",
                '(progn (goto-char (point-min)) (re-search-forward "^- Team$")'
                ' (insert " Emacs") (save-buffer))')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.saved_once(path, pid, v0, body0, "Team Emacs")
        self.no_strays(path)
        # Emacs backs up by renaming: the backup is a local file with the old text.
        if os.path.exists(path + "~"):
            with open(path + "~") as f:
                self.assertIn("- Team\n", f.read())
            os.unlink(path + "~")

    @unittest.skipUnless(shutil.which("nano"), "nano is not installed")
    def test_nano(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        pid_, fd = pty.fork()
        if pid_ == 0:
            os.environ["TERM"] = "xterm"
            os.execvp("nano", ["nano", "--ignorercfiles", path])
        # Type at the top, save (^O, Enter), quit (^X).
        out = b""
        deadline = time.time() + 20
        for keys in (b"Nano line\r\r", b"\x0f", b"\r", b"\x18"):
            time.sleep(0.5)
            os.write(fd, keys)
        while time.time() < deadline:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid_, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, out[-500:])
        self.saved_once(path, pid, v0, body0, "Nano line")
        self.no_strays(path)


class Links(WriteBase):
    """Relative links and images in changed blocks go back to ri:page and
    ri:attachment (resolved against the mount's tree)."""

    def test_new_paragraph_links_a_page(self):
        path = os.path.join(self.mnt, "Home", "Documentation", "Other Page.md")
        pid = os.getxattr(path, "user.confluence.id").decode()
        v0, body0, _ = self.page(pid)
        with open(path, "a") as f:
            f.write("\nSee [the runbooks](../Engineering/Runbooks.md) first.\n")
        v1, body1, _ = self.page(pid)
        self.assertEqual(v1, v0 + 1)
        self.assertTrue(body1.startswith(body0.rstrip()), body1)
        self.assertIn('<ri:page ri:content-title="Runbooks"', body1)
        self.assertNotIn("Runbooks.md", body1)

    def test_edited_paragraph_keeps_its_image(self):
        path = os.path.join(self.mnt, "Home", "Documentation", "Images and files.md")
        pid = os.getxattr(path, "user.confluence.id").decode()
        v0, body0, _ = self.page(pid)
        text = read(path)
        self.assertIn("Attached image: ![", text)
        with open(path, "w") as f:
            f.write(text.replace("Attached image: ![", "Attached image, edited: ![", 1))
        v1, body1, _ = self.page(pid)
        self.assertEqual(v1, v0 + 1)
        self.assertIn("Attached image, edited:", body1)
        self.assertIn('ri:filename="diagram.png"', body1)
        self.assertNotIn("_attachments", body1)


class Conflicts(WriteBase):
    """The page changed on the server since it was read."""

    def write_file(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def test_other_block_merged(self):
        path, pid = self.take()
        text = read(path)
        self.edit_behind(pid, "<h2>Discussion items</h2>", "<h2>Discussion topics</h2>")
        v0, _, _ = self.page(pid)
        self.write_file(path, text.replace("- Team\n", "- Team Merged\n"))
        v1, body1, _ = self.page(pid)
        self.assertEqual(v1, v0 + 1)
        self.assertIn("Team Merged", body1)
        self.assertIn("Discussion topics", body1)
        self.assertEqual(len([w for w in self.puts(pid) if w.get("applied")]), 1)
        self.assertEqual(self.drafts(), [])

    def test_same_block_conflict_file(self):
        path, pid = self.take()
        text = read(path)
        self.edit_behind(pid, "<p>Team</p>", "<p>Team Server</p>")
        v0, body0, _ = self.page(pid)
        mine = text.replace("- Team\n", "- Team Mine\n")
        with self.assertRaises(OSError) as cm:
            self.write_file(path, mine)
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertEqual(self.page(pid)[:2], (v0, body0))  # nothing published
        name = os.getxattr(path, "user.confluence.conflict").decode()
        title = os.path.basename(path)[:-3]
        self.assertEqual(name, "%s (conflict v%d).md" % (title, v0))
        conflict = os.path.join(os.path.dirname(path), name)
        with open(conflict) as f:
            self.assertEqual(f.read(), mine)
        self.assertIn(name, os.listdir(os.path.dirname(path)))
        self.assertIn("conflict", self.mount.stderr())
        self.assertIn("user.confluence.conflict", os.listxattr(path))
        os.unlink(conflict)
        self.assertFalse(os.path.exists(conflict))
        with self.assertRaises(OSError) as cm:
            os.getxattr(path, "user.confluence.conflict")
        self.assertEqual(cm.exception.errno, errno.ENODATA)

    def test_conflict_file_survives_remount(self):
        path, pid = self.take()
        rel = os.path.relpath(path, self.mnt)
        text = read(path)
        self.edit_behind(pid, "<p>Team</p>", "<p>Team Server 2</p>")
        with self.assertRaises(OSError):
            with open(path, "w") as f:
                f.write(text.replace("- Team\n", "- Team Kept\n"))
        name = os.getxattr(path, "user.confluence.conflict").decode()
        # The same cache directory, mounted again (after this mount is gone).
        err = type(self).mount.stop()
        self.assertFalse(sanitizer_report(err), err)
        type(self).mount = Mount(self.fake, opts=self.opts, cache_dir=self.cache)
        type(self).mnt = self.mount.mnt
        path = os.path.join(self.mount.mnt, rel)
        self.assertEqual(os.getxattr(path, "user.confluence.conflict").decode(), name)
        conflict = os.path.join(os.path.dirname(path), name)
        self.assertIn("- Team Kept\n", read(conflict))
        os.unlink(conflict)
        self.assertFalse(os.path.exists(conflict))


class Faults(WriteBase):
    """Refusals and failures keep the text; a lost answer is read back."""

    def fault(self, pid, **kw):
        match = "/content/%s$" % pid if DC else "/pages/%s$" % pid
        self.fake.fault(match=match, method="PUT", **kw)

    def test_forbidden_eacces_draft_kept(self):
        path, pid = self.take()
        text = read(path).replace("- Team\n", "- Team 403\n")
        self.fault(pid, kind="status", status=403)
        with self.assertRaises(PermissionError):
            with open(path, "w") as f:
                f.write(text)
        self.assertEqual([w for w in self.puts(pid) if w.get("applied")], [])
        drafts = [d for d in self.drafts() if os.path.basename(d) == pid + ".draft"]
        self.assertEqual(len(drafts), 1)
        with open(drafts[0]) as f:
            self.assertTrue(f.read().endswith(text))
        os.unlink(drafts[0])

    def test_server_error_eio_then_published(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        text = read(path).replace("- Team\n", "- Team 500\n")
        self.fault(pid, kind="status", status=500)
        with self.assertRaises(OSError) as cm:
            with open(path, "w") as f:
                f.write(text)
        self.assertEqual(cm.exception.errno, errno.EIO)
        self.assertEqual(self.page(pid)[0], v0)
        self.assertEqual(len([d for d in self.drafts() if pid in d]), 1)
        # The next save publishes it: one version.
        with open(path, "w") as f:
            f.write(text)
        self.saved_once(path, pid, v0, body0, "Team 500")

    def test_written_during_a_save_is_saved_too(self):
        path, pid = self.take()
        v0, _, _ = self.page(pid)
        text = read(path)
        first = text.replace("- Team\n", "- Team One\n").encode()
        second = text.replace("- Team\n", "- Team Two\n").encode()
        self.fault(pid, kind="stall", stall_s=1)  # the first PUT takes a second
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.write(fd, first)
        t = threading.Thread(target=os.fsync, args=(fd,))
        t.start()
        time.sleep(0.3)
        os.pwrite(fd, second, 0)  # while the first save is on its way
        os.close(fd)  # waits for the first save, then saves the rest
        t.join(10)
        v, body, _ = self.page(pid)
        self.assertEqual(v, v0 + 2)
        self.assertIn("Team Two", body)
        self.assertEqual(read(path), second.decode())
        self.assertEqual(self.drafts(), [])

    def test_reset_after_applied_no_second_version(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        text = read(path).replace("- Team\n", "- Team Lost\n")
        self.fault(pid, kind="reset", apply=True)
        with open(path, "w") as f:
            f.write(text)
        self.saved_once(path, pid, v0, body0, "Team Lost", text=text)
        self.assertEqual(len(self.puts(pid)), 1)
        self.assertIn("applied it", self.mount.stderr())


class FrontMatter(WriteBase):
    """-o frontmatter: title renames, labels are added and removed; the body is
    published as without front matter."""

    opts = ["rw", "frontmatter", "log_level=debug"]

    def test_body_edit_keeps_front_matter_out(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        text = read(path).replace("- Team\n", "- Team FM\n")
        with open(path, "w") as f:
            f.write(text)
        body1 = self.saved_once(path, pid, v0, body0, "Team FM")
        self.assertNotIn("title:", body1)

    def test_unchanged_front_matter_sends_nothing(self):
        path, pid = self.take()
        text = read(path)
        with open(path, "w") as f:
            f.write(text)
        self.assertEqual([w for w in self.fake.call("GET", "/_fake/writes")
                          if w.get("id") == pid], [])

    def test_title_and_labels(self):
        path, pid = self.take()
        v0, body0, title0 = self.page(pid)
        text = read(path)
        labels = re.search(r"^labels: \[(.*)\]$", text, re.M)
        self.assertTrue(labels, text)
        text = text.replace('title: "%s"' % title0, 'title: "%s renamed"' % title0)
        text = text.replace(labels.group(0), "labels: [%s]" % ", ".join(
            [x for x in labels.group(1).split(", ") if x] + ['"edited"']))
        with open(path, "w") as f:
            f.write(text)
        v1, body1, title1 = self.page(pid)
        self.assertEqual((v1, title1), (v0 + 1, title0 + " renamed"))
        self.assertEqual(body1, body0)  # only the title changed
        writes = self.fake.call("GET", "/_fake/writes")
        self.assertEqual([w["method"] for w in writes if w.get("id") == pid], ["PUT", "POST"])
        self.assertEqual(writes[-1]["request"], [{"prefix": "global", "name": "edited"}])
        # The file follows the new title once the listing the rename starts is in.
        # The tree takes the new name first and tells the kernel to drop the old
        # one just after, so wait for both.
        renamed = os.path.join(os.path.dirname(path), title0 + " renamed.md")
        deadline = time.time() + 10
        while time.time() < deadline and (not os.path.exists(renamed)
                                          or os.path.exists(path)):
            time.sleep(0.1)
        self.assertTrue(os.path.exists(renamed))
        self.assertFalse(os.path.exists(path))
        path = renamed
        # And off again: one DELETE, no PUT (the body and title are as they are).
        text = read(path)
        self.assertIn('title: "%s renamed"' % title0, text)
        self.assertIn('"edited"', text)
        text = re.sub(r', "edited"|"edited", |"edited"', "", text)
        with open(path, "w") as f:
            f.write(text)
        writes = [w for w in self.fake.call("GET", "/_fake/writes") if w.get("id") == pid]
        self.assertEqual([w["method"] for w in writes], ["PUT", "POST", "DELETE"])
        self.assertEqual(self.page(pid)[0], v0 + 1)


class NotRendered(WriteBase):
    """Without prefetch, a page nobody read yet: saving it renders it first."""

    opts = ["rw", "prefetch=0"]

    def test_truncate_unread_page(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        os.truncate(path, len("Page marker"))
        v1, body1, _ = self.page(pid)
        self.assertEqual(v1, v0 + 1)
        self.assertEqual(body1, "<p>Page marker</p>")
        self.assertEqual(read(path), "Page marker")

    def test_cat_into_unread_page(self):
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        with open(path, "a") as f:
            f.write("\nAppended unread.\n")
        v1, body1, _ = self.page(pid)
        self.assertEqual(v1, v0 + 1)
        self.assertTrue(body1.startswith(body0.rstrip()), body1)
        self.assertIn("<p>Appended unread.</p>", body1)


class ServerDown(unittest.TestCase):
    """The server goes away during a save and comes back."""

    def test_down_eio_draft_kept_then_published(self):
        fake = Fake()
        cache = tempfile.mkdtemp(prefix="cfs-wcache-")
        m = None
        try:
            _, pages = fake.space_pages("DEMO")
            p = [p for p in pages if p["title"].endswith("Weekly sync")][2]
            m = Mount(fake, opts=["rw", "retries=0", "timeout=5"], cache_dir=cache)
            path = os.path.join(m.mnt, MEETINGS, p["title"] + ".md")
            text = read(path).replace("- Team\n", "- Team Down\n")
            port = fake.port
            fake.stop()
            with self.assertRaises(OSError) as cm:
                with open(path, "w") as f:
                    f.write(text)
            self.assertEqual(cm.exception.errno, errno.EIO)
            drafts = glob.glob(os.path.join(cache, "*", "*", "write", "drafts", "*.draft"))
            self.assertEqual([os.path.basename(d) for d in drafts], [p["id"] + ".draft"])
            self.assertTrue(read(drafts[0]).endswith(text))  # the text is safe
            fake = Fake("--port", str(port))
            self.assertEqual(fake.port, port)
            with open(path, "w") as f:
                f.write(text)
            applied = [w for w in fake.call("GET", "/_fake/writes")
                       if w.get("applied") and w["method"] == "PUT"]
            self.assertEqual(len(applied), 1, applied)
            self.assertIn("Team Down", applied[0]["body"])
            self.assertEqual(glob.glob(os.path.join(cache, "*", "*", "write", "drafts",
                                                    "*.draft")), [])
        finally:
            if m:
                err = m.stop()
                self.assertFalse(sanitizer_report(err), err)
            fake.stop()
            shutil.rmtree(cache, ignore_errors=True)


class SmallMemory(WriteBase):
    """mem_cache bounds the kept bases too: with every page prefetched into a
    tiny bound, a save still finds (or renders again) its base."""

    opts = ["rw", "mem_cache=16K", "prefetch=5", "log_level=debug"]

    def test_save_after_evictions(self):
        for _ in range(2):
            for d, _, files in os.walk(self.mnt):
                for f in files:
                    if f.endswith(".md"):
                        read(os.path.join(d, f))
        path, pid = self.take()
        v0, body0, _ = self.page(pid)
        text = read(path).replace("- Team\n", "- Team Small\n")
        with open(path, "w") as f:
            f.write(text)
        self.saved_once(path, pid, v0, body0, "Team Small", text=text)
        self.assertIn("forgot the bases", self.mount.stderr())


class ReadOnly(unittest.TestCase):
    def test_rw_then_ro_is_ro(self):
        fake = Fake()
        try:
            m = Mount(fake, opts=["rw", "ro"])
            try:
                with self.assertRaises(OSError) as cm:
                    os.open(os.path.join(m.mnt, "Home.md"), os.O_WRONLY)
                self.assertEqual(cm.exception.errno, errno.EROFS)
            finally:
                m.stop()
        finally:
            fake.stop()

    def test_ro_mount_refuses_writes(self):
        fake = Fake()
        try:
            m = Mount(fake)
            try:
                path = os.path.join(m.mnt, "Home.md")
                for flags in (os.O_WRONLY, os.O_RDWR | os.O_TRUNC, os.O_WRONLY | os.O_APPEND):
                    with self.assertRaises(OSError) as cm:
                        os.open(path, flags)
                    self.assertEqual(cm.exception.errno, errno.EROFS)
                with self.assertRaises(OSError) as cm:
                    open(os.path.join(m.mnt, ".Home.md.swp"), "w")
                self.assertEqual(cm.exception.errno, errno.EROFS)
            finally:
                err = m.stop()
            self.assertFalse(sanitizer_report(err), err)
            self.assertEqual(fake.call("GET", "/_fake/writes"), [])
        finally:
            fake.stop()


class Crash(unittest.TestCase):
    """kill -9 of the mount during a save: the draft is published at the next mount."""

    def test_kill9_mid_save_then_remount(self):
        fake = Fake()
        cache = tempfile.mkdtemp(prefix="cfs-wcache-")
        try:
            _, pages = fake.space_pages("DEMO")
            p = [p for p in pages if p["title"].endswith("Weekly sync")][0]
            pid = p["id"]
            m = Mount(fake, opts=["rw"], cache_dir=cache)
            path = os.path.join(m.mnt, MEETINGS, p["title"] + ".md")
            text = read(path).replace("- Team\n", "- Team Crash\n")
            match = "/content/%s$" % pid if DC else "/pages/%s$" % pid
            fake.fault(match=match, method="PUT", kind="stall", stall_s=30)

            def save():
                try:
                    with open(path, "w") as f:
                        f.write(text)
                except OSError:
                    pass
            t = threading.Thread(target=save, daemon=True)
            t.start()
            deadline = time.time() + 20
            drafts = []
            while time.time() < deadline and not drafts:
                drafts = glob.glob(os.path.join(cache, "*", "*", "write", "drafts",
                                                pid + ".draft"))
                time.sleep(0.05)
            self.assertTrue(drafts, "no draft was written before the request")
            time.sleep(0.3)
            m.proc.kill()
            m.proc.wait()
            subprocess.run(["fusermount3", "-uz", m.mnt], check=False, capture_output=True)
            t.join(10)
            m.cleanup()
            fake.call("DELETE", "/_fake/fault")
            time.sleep(0.5)
            v_before = [w for w in fake.call("GET", "/_fake/writes") if w.get("applied")]
            self.assertEqual(v_before, [])  # the stalled PUT never applied
            m2 = Mount(fake, opts=["rw"], cache_dir=cache)
            try:
                deadline = time.time() + 20
                while time.time() < deadline and glob.glob(
                        os.path.join(cache, "*", "*", "write", "drafts", "*.draft")):
                    time.sleep(0.1)
                applied = [w for w in fake.call("GET", "/_fake/writes")
                           if w.get("applied") and w["method"] == "PUT"]
                self.assertEqual(len(applied), 1, applied)
                self.assertIn("Team Crash", applied[0]["body"])
                self.assertIn("draft", m2.stderr())
            finally:
                err = m2.stop()
            self.assertFalse(sanitizer_report(err), err)
        finally:
            fake.stop()
            shutil.rmtree(cache, ignore_errors=True)


class PublishDrafts(unittest.TestCase):
    """--publish-drafts publishes what a failed save left, without mounting."""

    def test_publish_drafts_command(self):
        fake = Fake()
        cache = tempfile.mkdtemp(prefix="cfs-wcache-")
        try:
            _, pages = fake.space_pages("DEMO")
            p = [p for p in pages if p["title"].endswith("Weekly sync")][1]
            m = Mount(fake, opts=["rw"], cache_dir=cache)
            try:
                path = os.path.join(m.mnt, MEETINGS, p["title"] + ".md")
                text = read(path).replace("- Team\n", "- Team Later\n")
                fake.fault(match="/content/%s$" % p["id"] if DC else "/pages/%s$" % p["id"],
                           method="PUT", kind="status", status=503, count=-1)
                with self.assertRaises(OSError):
                    with open(path, "w") as f:
                        f.write(text)
            finally:
                m.stop()
            fake.call("DELETE", "/_fake/fault")
            draft = glob.glob(os.path.join(cache, "*", "*", "write", "drafts", "*.draft"))
            self.assertEqual(len(draft), 1)
            argv = [a for a in m.argv if a not in (m.mnt, "-f")]
            argv.insert(1, "--publish-drafts")
            env = dict(os.environ, CONFLUENCE_TOKEN="demo-token", HOME=tempfile.gettempdir(),
                       CONFLUENCEFS_CONFIG="/nonexistent")
            if not DC:
                env["CONFLUENCE_USER"] = "demo@example.com"
            r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(sanitizer_report(r.stderr), r.stderr)
            applied = [w for w in fake.call("GET", "/_fake/writes")
                       if w.get("applied") and w["method"] == "PUT"]
            self.assertEqual(len(applied), 1, applied)
            self.assertIn("Team Later", applied[0]["body"])
            self.assertFalse(os.path.exists(draft[0]))
        finally:
            fake.stop()
            shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
