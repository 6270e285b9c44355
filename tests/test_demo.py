#!/usr/bin/env python3
"""End-to-end: scripts/demo as a new user runs it.  Every command its banner
and the README's opening example suggest is run on the demo wiki, exactly as
printed (the README's /mnt/wiki replaced by the demo's mount point), and must
find something; the demo cleans up after itself on SIGHUP and Ctrl-C."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import MOUNT_BIN, SOURCE_ROOT, is_mounted  # noqa: E402

DEMO = os.path.join(SOURCE_ROOT, "scripts", "demo")


def hangup_default():
    """SIGHUP as a terminal's session has it: under nohup it is inherited
    ignored, and neither sh's trap nor libfuse then take it."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def stacks(pgid):
    """What each process of the group (and each of its threads) waits on."""
    lines = []
    for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
        try:
            if os.getpgid(pid) != pgid:
                continue
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                lines.append("%d: %s" % (pid, f.read().replace(b"\0", b" ").decode()))
            for tid in os.listdir("/proc/%d/task" % pid):
                task = "/proc/%d/task/%s/" % (pid, tid)
                with open(task + "wchan") as f:
                    wchan = f.read()
                try:
                    with open(task + "stack") as f:  # root only
                        stack = " < ".join(l.split()[-1] for l in f.read().splitlines()[:6])
                except OSError:
                    stack = ""
                lines.append("  %s %s %s" % (tid, wchan, stack))
        except OSError:
            continue
    return "\n".join(lines)


class Demo(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cfs-demo-")
        self.home = os.path.join(self.tmp, "home")
        os.mkdir(self.home)
        self.mnt = os.path.join(self.tmp, "mnt")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CONFLUENCE")}
        self.env["HOME"] = self.home
        self.env.pop("XDG_CACHE_HOME", None)
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        for t in getattr(self, "readers", []):
            t.join(timeout=10)
        if self.proc:
            self.proc.stdout.close()
            self.proc.stderr.close()
        if is_mounted(self.mnt):
            subprocess.run(["fusermount3", "-uz", self.mnt])
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, space):
        """Run scripts/demo SPACE MNT; return the commands of its banner."""
        self.proc = subprocess.Popen([DEMO, space, self.mnt], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=self.env,
                                     cwd=self.tmp, start_new_session=True,
                                     preexec_fn=hangup_default)
        banner = []
        for line in self.proc.stdout:
            banner.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        self.assertTrue(is_mounted(self.mnt), "".join(banner) + self.proc.stderr.read()
                        if self.proc.poll() is not None else "".join(banner))
        # Keep reading both pipes: a full pipe would block the demo (or the mount's
        # log) in write(2), and it could not stop when told to.
        self.out, self.err = [], []
        self.readers = [threading.Thread(target=lambda f=f, v=v: v.extend(f), daemon=True)
                        for f, v in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.readers:
            t.start()
        # Nothing but the demo's own lines: no bare URL from the (quiet) fake.
        self.assertFalse([l for l in banner if re.match(r"http://\S+$", l)], banner)
        return [l.strip() for l in banner if l.startswith("    ")]

    def run_sh(self, cmd):
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60,
                           cwd=self.tmp, env=self.env)
        self.assertEqual(r.returncode, 0, "%s: %s" % (cmd, r.stderr))
        return r.stdout

    def stop(self, sig):
        """As a terminal does: the signal goes to the whole process group."""
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("the demo did not stop in 30 s\n%s\nits stderr:\n%s"
                      % (stacks(self.proc.pid), "".join(self.err)))
        for t in self.readers:
            t.join(timeout=10)
        err = "".join(self.err)
        self.assertNotIn("failed to unmount", err)
        self.assertNotIn("Traceback", err)
        self.assertFalse(is_mounted(self.mnt))
        # The attachment cache was a scratch directory: nothing is left in ~/.cache.
        self.assertFalse(os.path.exists(os.path.join(self.home, ".cache", "confluencefs")))
        return err

    def check_banner(self, commands, top):
        self.assertEqual(len(commands), 6, commands)
        for cmd in commands:
            out = self.run_sh(cmd)
            if cmd.startswith("rsync"):
                dest = cmd.split()[-1]
                self.assertTrue(os.listdir(dest), cmd)
                shutil.rmtree(dest)
            else:
                self.assertTrue(out.strip(), "%s printed nothing" % cmd)
            if cmd.startswith("grep"):
                # found in pages, not only in some attachment
                self.assertRegex(out, r"\.md:\d+:.*on-call", cmd)
            if cmd.startswith("getfattr"):
                self.assertIn("user.confluence.title", out)
            if cmd.startswith("ls -R"):
                self.assertIn(".md", out)
        self.assertTrue(os.path.isfile(os.path.join(top, "Home.md")))

    def test_demo_banner_and_readme_commands(self):
        commands = self.start("DEMO")
        self.check_banner(commands, self.mnt)
        # The demo is the hand-written wiki, not the converter's fixtures.
        with open(os.path.join(self.mnt, "Home.md")) as f:
            home = f.read()
        self.assertNotIn("cfsword", home)
        self.assertIn("Platform Engineering handbook", home)
        # The README's opening example, on the demo's mount.
        with open(os.path.join(SOURCE_ROOT, "README.md")) as f:
            readme = f.read()
        block = re.search(r"\n\n((?:    .*\n)+)", readme).group(1)
        lines = [re.sub(r"\s+#.*", "", l).strip() for l in block.splitlines()]
        self.assertTrue(lines[0].startswith("mount.confluencefs "), lines)
        for cmd in lines[1:]:
            cmd = cmd.replace("/mnt/wiki", self.mnt)
            if cmd.startswith("vim "):
                # interactive: the file it opens must be there and say something
                path = cmd.split()[-1]
                with open(path) as f:
                    self.assertTrue(f.read().strip(), cmd)
                continue
            out = self.run_sh(cmd)
            if cmd.startswith("grep"):
                self.assertRegex(out, r"\.md:\d+:.*on-call", cmd)
            if cmd.startswith("rsync"):
                self.assertTrue(os.path.isfile(os.path.join(self.tmp, "eng-export", "Home.md")))
                # "a second rsync copies only what changed": nothing
                again = self.run_sh(cmd.replace("rsync -a", "rsync -ai"))
                self.assertEqual(again, "", again)
        self.stop(signal.SIGHUP)

    def test_demo_all_banner_points_into_a_space(self):
        commands = self.start("all")
        self.assertEqual(sorted(os.listdir(self.mnt)), ["DEMO", "ENG"])
        self.check_banner(commands, os.path.join(self.mnt, "DEMO"))
        self.stop(signal.SIGINT)


class Scripts(unittest.TestCase):
    def test_readme_not_yet_names_nothing_the_code_does(self):
        with open(os.path.join(SOURCE_ROOT, "README.md")) as f:
            readme = f.read()
        not_yet = re.search(r"\nNot yet:(.*?)\n\n", readme, re.S).group(1).lower()
        out = subprocess.run([MOUNT_BIN, "--help"], capture_output=True, text=True).stdout
        options = re.findall(r"-o (\w+)", out)
        self.assertIn("batch", options)
        for opt in options:
            self.assertNotRegex(not_yet, r"\b%s\b" % opt)
        for built in ("several spaces", "blog"):  # both are built
            self.assertNotIn(built, not_yet)

    def test_faults_list_into_head(self):
        """"scripts/faults --list | head": the reader may go before all is written;
        here it is gone from the start (the pipe's read end closed), so every run
        meets the broken pipe."""
        rd, wr = os.pipe()
        os.close(rd)
        try:
            r = subprocess.run([os.path.join(SOURCE_ROOT, "scripts", "faults"), "--list"],
                               stdout=wr, stderr=subprocess.PIPE, text=True, timeout=60)
        finally:
            os.close(wr)
        self.assertEqual(r.stderr, "")
        self.assertNotEqual(r.returncode, 0)  # it did not get to say everything

if __name__ == "__main__":
    unittest.main(verbosity=2)
