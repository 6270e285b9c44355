#!/usr/bin/env python3
"""End-to-end: the command as a system citizen — install, helper path, mount -t,
fstab, daemon mode, --check, the configuration file, the man page."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfstest import (BUILD_ROOT, MOUNT_BIN, SOURCE_ROOT, TOKEN, USER, Fake,  # noqa: E402
                     is_mounted, sanitizer_report)


def clean_env(home, **extra):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("CONFLUENCE")}
    e["HOME"] = home
    e["CONFLUENCEFS_CONFIG"] = os.path.join(home, "no-config")
    e.update(extra)
    return e


def wait_unmounted(mnt, timeout=10):
    deadline = time.time() + timeout
    while is_mounted(mnt) and time.time() < deadline:
        time.sleep(0.05)
    return not is_mounted(mnt)


def pid_of_mount(mnt):
    """The process serving mnt (for a mount started in the background)."""
    out = subprocess.run(["pgrep", "-f", "mount.*confluencefs.* %s" % mnt],
                         capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


class SystemBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cfs-sys-")
        self.mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mnt)
        self.token_file = os.path.join(self.tmp, "token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(self.token_file, 0o600)
        self.opts = "url=%s,user=%s,token_file=%s,cache_dir=%s" % (
            self.fake.url, USER, self.token_file, os.path.join(self.tmp, "cache"))

    def tearDown(self):
        if is_mounted(self.mnt):
            subprocess.run(["fusermount3", "-u", self.mnt])
            wait_unmounted(self.mnt)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_bin(self, argv, **kw):
        return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                              env=kw.pop("env", clean_env(self.tmp)), **kw)

    def mounted_rdonly(self):
        return bool(os.statvfs(self.mnt).f_flag & os.ST_RDONLY)

    def assert_serves_demo(self):
        with open(os.path.join(self.mnt, "Home.md")) as f:
            self.assertIn("cfsword-131074", f.read())

    def unmount_and_wait_exit(self):
        pids = pid_of_mount(self.mnt)
        r = subprocess.run(["fusermount3", "-u", self.mnt], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(wait_unmounted(self.mnt))
        deadline = time.time() + 10
        while any(os.path.exists("/proc/%d" % p) for p in pids) and time.time() < deadline:
            time.sleep(0.05)
        self.assertFalse(any(os.path.exists("/proc/%d" % p) for p in pids),
                         "the filesystem process did not exit")



class System(SystemBase):
    def test_background_mount_returns_when_ready(self):
        r = self.run_bin([MOUNT_BIN, "DEMO", self.mnt, "-o", self.opts])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sanitizer_report(r.stderr), [])
        self.assertTrue(is_mounted(self.mnt))  # mounted by the time the command returns
        self.assert_serves_demo()
        with open("/proc/mounts") as f:
            line = [l for l in f if self.mnt in l][0]
        self.assertIn("fuse.confluencefs", line)
        self.assertIn("ro,", line)
        self.assertNotIn(TOKEN, line)
        self.unmount_and_wait_exit()

    def test_signals_end_the_mount_every_time(self):
        """SIGHUP, SIGINT and SIGTERM end a foreground mount, whichever of its
        threads the kernel hands the signal to (the network threads block them)."""
        for n in range(12):
            sig = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)[n % 3]
            p = subprocess.Popen([MOUNT_BIN, "DEMO", self.mnt, "-f", "-o", self.opts],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 env=clean_env(self.tmp))
            deadline = time.time() + 30
            while not is_mounted(self.mnt) and time.time() < deadline:
                time.sleep(0.02)
            with open(os.path.join(self.mnt, "Home.md")) as f:  # the uv threads start
                f.read()
            # A terminal's hangup and the demo's cleanup: two signals at once.
            p.send_signal(sig)
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                subprocess.run(["fusermount3", "-uz", self.mnt])
                self.fail("the mount ignored %s (round %d)" % (sig.name, n))
            finally:
                p.stderr.close()
            self.assertFalse(is_mounted(self.mnt))

    def test_check_mode(self):
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO", "-o", self.opts])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("as Demo User", r.stdout)
        self.assertIn("space DEMO", r.stdout)
        self.assertIn("3 blog posts", r.stdout)
        self.assertFalse(is_mounted(self.mnt))
        r = self.run_bin([MOUNT_BIN, "--check", "NOPE", "-o", self.opts])
        self.assertEqual(r.returncode, 1)
        self.assertIn("space 'NOPE' not found", r.stderr)
        # Several spaces: every key must exist; "all" names what it found.
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO,NOPE", "-o", self.opts])
        self.assertEqual(r.returncode, 1)
        self.assertIn("space 'NOPE' not found", r.stderr)
        r = self.run_bin([MOUNT_BIN, "--check", " DEMO , ", "-o", self.opts])
        self.assertEqual(r.returncode, 0, r.stderr)  # blanks and empty keys are skipped
        self.assertIn("1 space (DEMO)", r.stdout)
        r = self.run_bin([MOUNT_BIN, "--check", "all", "-o", self.opts])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 space (DEMO)", r.stdout)
        r = self.run_bin([MOUNT_BIN, "--check", ",", "-o", self.opts])
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad SPACE", r.stderr)

    def test_usage_errors_exit_2_with_one_line(self):
        cases = [
            (["-o", "ttl=1x"], "ttl=1x"),
            (["-o", "ttl=-1"], "ttl=-1"),
            (["-o", "max_requests=4abc"], "max_requests=4abc"),
            (["-o", "batch=0"], "batch=0"),
            (["-o", "batch=251"], "batch=251"),
            (["-o", "nosuchopt"], "unknown option 'nosuchopt'"),
            (["-o", "api=server"], "api"),
            (["-o", "token=abc"], "token_file"),
            (["-x"], "unknown option '-x'"),
            (["extra"], "unexpected argument 'extra'"),
        ]
        for extra, needle in cases:
            r = self.run_bin([MOUNT_BIN, "DEMO", self.mnt, "-o", self.opts] + extra)
            self.assertEqual(r.returncode, 2, (extra, r.stderr))
            self.assertEqual(len(r.stderr.splitlines()), 1, (extra, r.stderr))
            self.assertIn(needle, r.stderr)
            self.assertFalse(is_mounted(self.mnt))
        for argv in ([MOUNT_BIN], [MOUNT_BIN, "DEMO"]):
            r = self.run_bin(argv)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        r = self.run_bin([MOUNT_BIN, "--help"])
        self.assertEqual(r.returncode, 0)
        for opt in ("url=", "user=", "token_file=", "site=", "api=", "ca_file=",
                    "max_requests=", "timeout=", "retries=", "ttl=", "prefetch=", "batch=",
                    "frontmatter", "mem_cache=", "cache_dir=", "cache_size=", "uid=", "gid=",
                    "log_level=", "nonempty"):
            self.assertIn("-o " + opt, r.stdout)
        # A suffixed duration is taken as meant.
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO", "-o", self.opts + ",ttl=1h,timeout=1m"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_token_file_wins_over_environment(self):
        env = clean_env(self.tmp, CONFLUENCE_TOKEN="wrong-token")
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO", "-o", self.opts], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("token of -o token_file is used, not the one of CONFLUENCE_TOKEN",
                      r.stderr)
        self.assertNotIn("wrong-token", r.stderr + r.stdout)
        # A bad token file is an error even with a good token in the environment.
        os.chmod(self.token_file, 0o644)
        env = clean_env(self.tmp, CONFLUENCE_TOKEN=TOKEN)
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO", "-o", self.opts], env=env)
        self.assertEqual(r.returncode, 2)
        self.assertIn("chmod 600", r.stderr)
        os.chmod(self.token_file, 0o600)
        # The configuration file's token_file comes after CONFLUENCE_TOKEN.
        bad = os.path.join(self.tmp, "bad-token")
        with open(bad, "w") as f:
            f.write("wrong-token\n")
        os.chmod(bad, 0o600)
        cfg = os.path.join(self.tmp, "config")
        with open(cfg, "w") as f:
            f.write("[default]\nurl = %s\nuser = %s\ntoken_file = %s\n"
                    % (self.fake.url, USER, bad))
        env = clean_env(self.tmp, CONFLUENCEFS_CONFIG=cfg, CONFLUENCE_TOKEN=TOKEN)
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO"], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO", "-o", "token_file=" + self.token_file],
                         env=clean_env(self.tmp, CONFLUENCEFS_CONFIG=cfg))
        self.assertEqual(r.returncode, 0, r.stderr)  # the command line's file wins
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO"],
                         env=clean_env(self.tmp, CONFLUENCEFS_CONFIG=cfg))
        self.assertEqual(r.returncode, 1)  # only the file's (wrong) token

    def test_mount_point_checks(self):
        def refused(target, needle, extra=()):
            r = self.run_bin([MOUNT_BIN, "DEMO", target, "-o", self.opts] + list(extra))
            self.assertNotEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            self.assertIn(needle, r.stderr)
            self.assertTrue(target == "/" or not is_mounted(target))

        refused(os.path.join(self.tmp, "nowhere"), "does not exist")
        refused(self.token_file, "is not a directory")
        refused("/", "refusing to mount on /")
        with open(os.path.join(self.mnt, "keep.txt"), "w") as f:
            f.write("mine\n")
        refused(self.mnt, "is not empty (-o nonempty")
        # -o nonempty allows it; the file is back after the unmount.
        r = self.run_bin([MOUNT_BIN, "DEMO", self.mnt, "-o", self.opts + ",nonempty"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_serves_demo()
        # A second mount on the same place: "already mounted", not stacked.
        r = self.run_bin([MOUNT_BIN, "DEMO", self.mnt, "-o", self.opts + ",nonempty"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("already mounted", r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        with open("/proc/self/mounts") as f:
            self.assertEqual(sum(1 for l in f if " %s " % self.mnt in l), 1)
        self.unmount_and_wait_exit()
        with open(os.path.join(self.mnt, "keep.txt")) as f:
            self.assertEqual(f.read(), "mine\n")

    def test_configuration_file(self):
        cfg = os.path.join(self.tmp, "config")
        with open(cfg, "w") as f:
            f.write("[default]\nurl = http://127.0.0.1:1/wiki\nuser = %s\ntoken_file = %s\n\n"
                    "[demo]\nurl = %s\nuser = %s\ntoken_file = %s\nmax_requests = 3\n"
                    % (USER, self.token_file, self.fake.url, USER, self.token_file))
        env = clean_env(self.tmp, CONFLUENCEFS_CONFIG=cfg)
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO", "-o", "site=demo"], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Without a site, [default] applies (and here points nowhere).
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO"], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach http://127.0.0.1:1/wiki", r.stderr)
        # The command line wins over the file.
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO", "-o",
                          "site=demo,url=http://127.0.0.1:1/wiki"], env=env)
        self.assertEqual(r.returncode, 1)
        r = self.run_bin([MOUNT_BIN, "--check", "DEMO", "-o", "site=other"], env=env)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no [other] section", r.stderr)

    def test_installed_helper_path_and_fstab_words(self):
        dest = os.path.join(self.tmp, "dest")
        r = subprocess.run(["meson", "install", "-C", BUILD_ROOT, "--destdir", dest,
                            "--no-rebuild", "--quiet"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        helpers = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs
                   if f == "mount.fuse.confluencefs"]
        self.assertEqual(len(helpers), 1)
        self.assertTrue(os.path.islink(helpers[0]))
        # What mount(8) runs for "-t fuse.confluencefs": SOURCE TARGET -o OPTIONS.
        r = self.run_bin([helpers[0], "DEMO", self.mnt, "-o",
                          "rw,noauto,_netdev,nofail,x-systemd.automount," + self.opts])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_serves_demo()
        self.unmount_and_wait_exit()
        man = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs
               if f == "mount.confluencefs.8"]
        if shutil.which("scdoc"):
            self.assertEqual(len(man), 1)
            out = subprocess.run(["man", "-l", man[0]], capture_output=True, text=True,
                                 env=dict(os.environ, MANPAGER="cat", MANWIDTH="80"))
            self.assertIn("mount.confluencefs", out.stdout)

    def test_rw_from_mount8_is_no_request_for_write_back(self):
        """mount(8) passes "rw" to every helper unless "ro" is given (plain
        "mount -t", fstab's "defaults"): from it, rw leaves the mount read-only and
        writeback turns write-back on.  A stand-in named "mount" runs the helper as
        mount(8) does; run directly, rw still means write-back."""
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        fake_mount = os.path.join(bindir, "mount")
        with open(fake_mount, "w") as f:
            f.write('#!/bin/sh\n"$@"\n')  # not exec: the helper's parent is "mount"
        os.chmod(fake_mount, 0o755)
        cases = [([fake_mount, MOUNT_BIN], "rw", True),
                 ([fake_mount, MOUNT_BIN], "rw,writeback", False),
                 ([fake_mount, MOUNT_BIN], "writeback", False),
                 ([MOUNT_BIN], "rw", False)]
        for argv, words, rdonly in cases:
            with self.subTest(argv=argv[0], words=words):
                r = self.run_bin(argv + ["DEMO", self.mnt, "-o", words + "," + self.opts])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assert_serves_demo()
                self.assertEqual(self.mounted_rdonly(), rdonly)
                if rdonly:
                    with self.assertRaises(OSError) as e:
                        open(os.path.join(self.mnt, "Home.md"), "a").close()
                    self.assertEqual(e.exception.errno, errno.EROFS)
                self.unmount_and_wait_exit()

    @unittest.skipUnless(shutil.which("mount.fuse3"), "no mount.fuse3 (package fuse3)")
    def test_mount_t_after_default_prefix_install(self):
        """A default-prefix (/usr/local) install.  For "mount -t fuse.confluencefs"
        without /sbin/mount.fuse.confluencefs, mount(8) runs mount.fuse3 with a
        cleared environment, and mount.fuse3 runs "confluencefs" through /bin/sh,
        whose default PATH has /usr/local/bin.  Here the install goes to a scratch
        directory, mount.fuse3 is run as mount(8) runs it, with the PATH set."""
        dest = os.path.join(self.tmp, "dest")
        r = subprocess.run(["meson", "install", "-C", BUILD_ROOT, "--destdir", dest,
                            "--no-rebuild", "--quiet"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        prefix = dest + "/usr/local"
        cmd = os.path.join(prefix, "bin", "confluencefs")
        self.assertTrue(os.path.isfile(cmd), "no confluencefs command in bindir")
        self.assertEqual(os.path.realpath(cmd),
                         os.path.realpath(os.path.join(prefix, "sbin", "mount.confluencefs")))
        sh_path = subprocess.run(["env", "-i", "/bin/sh", "-c", "echo $PATH"],
                                 capture_output=True, text=True).stdout.strip().split(":")
        self.assertIn("/usr/local/bin", sh_path)
        env = clean_env(self.tmp)
        env["PATH"] = "%s/bin:%s" % (prefix, os.environ["PATH"])
        r = subprocess.run(["mount.fuse3", "DEMO", self.mnt, "-t", "fuse.confluencefs",
                            "-o", "_netdev,nofail," + self.opts],
                           capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_serves_demo()
        self.unmount_and_wait_exit()



class SystemMount(SystemBase):
    """Its own meson test (system-mount), so that a skip shows as SKIP there."""

    @unittest.skipUnless(os.environ.get("CFS_TEST_SYSTEM_MOUNT") == "1" and os.getuid() == 0,
                         "installs into /usr/sbin: set CFS_TEST_SYSTEM_MOUNT=1 (CI does)")
    def test_mount_t_and_fstab(self):
        helper = "/usr/sbin/mount.fuse.confluencefs"
        had = os.path.lexists(helper)
        if not had:
            os.symlink(os.path.abspath(MOUNT_BIN), helper)
        try:
            r = subprocess.run(["mount", "-t", "fuse.confluencefs", "-o", self.opts, "DEMO",
                                self.mnt], capture_output=True, text=True, timeout=60,
                               env=clean_env(self.tmp))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_serves_demo()
            self.assertTrue(self.mounted_rdonly(), "mount(8)'s implicit rw made it writable")
            self.unmount_and_wait_exit()
            r = subprocess.run(["mount", "-t", "fuse.confluencefs", "-o",
                                "writeback," + self.opts, "DEMO", self.mnt],
                               capture_output=True, text=True, timeout=60,
                               env=clean_env(self.tmp))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(self.mounted_rdonly())
            self.unmount_and_wait_exit()
            fstab = os.path.join(self.tmp, "fstab")
            with open(fstab, "w") as f:
                f.write("DEMO %s fuse.confluencefs noauto,_netdev,%s 0 0\n" % (self.mnt,
                                                                                self.opts))
            r = subprocess.run(["mount", "--fstab", fstab, self.mnt], capture_output=True,
                               text=True, timeout=60, env=clean_env(self.tmp))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assert_serves_demo()
            self.assertTrue(self.mounted_rdonly(), "fstab's implicit rw made it writable")
            self.unmount_and_wait_exit()
        finally:
            if not had:
                os.unlink(helper)


class Packages(unittest.TestCase):
    """scripts/need-packages, run by scripts/demo and scripts/test, against a
    fake dpkg-query, id and apt-get on the PATH (nothing is installed)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cfs-pkg-")
        self.log = os.path.join(self.tmp, "apt-get.log")
        self.uid = "1000"
        self.installed_except = ["tree", "scdoc"]

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_script(self, *argv):
        bin_dir = os.path.join(self.tmp, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        fakes = {
            "dpkg-query": 'for a; do p=$a; done\ncase " %s " in *" $p "*) exit 1;; esac\n'
                          'printf "ii "\n' % " ".join(self.installed_except),
            "id": "echo %s\n" % self.uid,
            "apt-get": 'echo "$@" >> %s\n' % self.log,
        }
        for name, body in fakes.items():
            with open(os.path.join(bin_dir, name), "w") as f:
                f.write("#!/bin/sh\n" + body)
            os.chmod(os.path.join(bin_dir, name), 0o755)
        env = dict(os.environ, PATH=bin_dir + ":" + os.environ["PATH"])
        return subprocess.run([os.path.join(SOURCE_ROOT, "scripts", argv[0])] + list(argv[1:]),
                              capture_output=True, text=True, timeout=60, env=env)

    def test_not_root_prints_the_command_and_exits_2(self):
        for script in ("need-packages", "test", "demo"):
            r = self.run_script(script)
            self.assertEqual(r.returncode, 2, script + ": " + r.stderr)
            self.assertIn("sudo apt-get install --no-install-recommends tree scdoc\n",
                          r.stderr)
            self.assertFalse(os.path.exists(self.log), "apt-get ran without root")

    def test_root_installs_what_is_missing(self):
        self.uid = "0"
        r = self.run_script("need-packages")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.log) as f:
            calls = f.read().splitlines()
        self.assertEqual(calls[-1], "install -y -q --no-install-recommends tree scdoc")

    def test_nothing_missing_does_nothing(self):
        self.installed_except = []
        r = self.run_script("need-packages")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertFalse(os.path.exists(self.log))

    def test_one_list_for_ci_and_scripts(self):
        r = self.run_script("need-packages", "--list")
        listed = r.stdout.split()
        self.assertIn("libfuse3-dev", listed)
        self.assertNotIn("#", r.stdout)
        with open(os.path.join(SOURCE_ROOT, ".ci", "run")) as f:
            ci = f.read()
        self.assertIn("apt-get install -y --no-install-recommends $(scripts/need-packages "
                      "--list)", ci)
        self.assertLess(ci.index("apt-get update"), ci.index("apt-get install"))
        self.assertLess(ci.index("apt-get install"), ci.index("scripts/test\n"))


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    # Everything skipped: exit status 77 makes meson report SKIP, not OK.
    sys.exit(77 if result.testsRun and len(result.skipped) == result.testsRun else 0)
