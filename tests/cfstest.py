"""cfstest: helpers for end-to-end tests — a fake Confluence server and a real mount.

Tests mount the built binary against scripts/fake-confluence in a temporary
directory, use real tools on the mount, and always unmount.  A mount's stderr
is checked for sanitizer reports when it is unmounted.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

SOURCE_ROOT = os.environ.get("CFS_SOURCE_ROOT",
                             os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_ROOT = os.environ.get("CFS_BUILD_ROOT", os.path.join(SOURCE_ROOT, "build"))
MOUNT_BIN = os.path.join(BUILD_ROOT, "src", "mount.confluencefs")
FAKE = os.path.join(SOURCE_ROOT, "scripts", "fake-confluence")
USER = "demo@example.com"
TOKEN = "demo-token"

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer")


class Fake:
    """scripts/fake-confluence on 127.0.0.1, on a free port."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="cfs-fake-")
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "stderr"), "w+")
        self.proc = subprocess.Popen(
            [sys.executable, FAKE, "--port", "0", "--port-file", port_file, "--quiet", *args],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                self.log.seek(0)
                raise RuntimeError("fake server did not start: " + self.log.read())
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.origin = "http://127.0.0.1:%d" % self.port
        self.url = self.origin + "/wiki"

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.origin + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def api(self, path):
        """GET an API path with valid credentials, following every cursor."""
        auth = base64.b64encode(("%s:%s" % (USER, TOKEN)).encode()).decode()
        results, doc = [], None
        while path:
            req = urllib.request.Request(self.origin + path,
                                         headers={"Authorization": "Basic " + auth})
            with urllib.request.urlopen(req, timeout=30) as r:
                doc = json.loads(r.read())
            if "results" not in doc:
                return doc
            results += doc["results"]
            path = doc.get("_links", {}).get("next")
        return results

    def stats(self):
        return self.call("GET", "/_fake/stats")

    def reset(self):
        self.call("POST", "/_fake/reset", {})

    def fault(self, **kw):
        return self.call("POST", "/_fake/fault", kw)

    def space_pages(self, key):
        space = self.api("/wiki/api/v2/spaces?keys=%s" % key)[0]
        return space, self.api("/wiki/api/v2/spaces/%s/pages?depth=all&limit=250" % space["id"])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


class MountError(Exception):
    def __init__(self, returncode, stderr):
        super().__init__("mount failed (%s): %s" % (returncode, stderr))
        self.returncode = returncode
        self.stderr = stderr


class Mount:
    """mount.confluencefs SPACE MNT -f against a Fake; unmounts on stop()."""

    def __init__(self, fake, space="DEMO", opts=(), env=None, token=TOKEN, user=USER,
                 url=None, mountpoint=None, wait=True, cache_dir=None):
        self.dir = tempfile.mkdtemp(prefix="cfs-mnt-")
        self.mnt = mountpoint or os.path.join(self.dir, "mnt")
        os.makedirs(self.mnt, exist_ok=True)
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.stderr_file = open(self.stderr_path, "w+")
        e = dict(os.environ)
        for k in ("CONFLUENCE_URL", "CONFLUENCE_USER", "CONFLUENCE_TOKEN"):
            e.pop(k, None)
        e["HOME"] = self.dir  # no stray ~/.netrc
        e["CONFLUENCEFS_CONFIG"] = os.path.join(self.dir, "no-config")  # nor config file
        if token is not None:
            e["CONFLUENCE_TOKEN"] = token
        if user is not None:
            e["CONFLUENCE_USER"] = user
        e.update(env or {})
        o = ["url=" + (url or fake.url),
             "cache_dir=" + (cache_dir or os.path.join(self.dir, "cache"))]
        o += list(opts)
        self.argv = [MOUNT_BIN, space, self.mnt, "-f", "-o", ",".join(o)]
        self.proc = subprocess.Popen(self.argv, env=e, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr_file)
        if wait:
            self.wait_mounted()

    def wait_mounted(self, timeout=30):
        deadline = time.time() + timeout
        while not is_mounted(self.mnt):
            rc = self.proc.poll()
            if rc is not None:
                err = self.stderr()
                self.cleanup()
                raise MountError(rc, err)
            if time.time() > deadline:
                self.stop()
                raise RuntimeError("mount did not appear within %ss" % timeout)
            time.sleep(0.02)

    def stderr(self):
        self.stderr_file.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def path(self, *parts):
        return os.path.join(self.mnt, *parts)

    def stop(self):
        """Unmount, wait for the process, and return its stderr."""
        if is_mounted(self.mnt):
            subprocess.run(["fusermount3", "-u", self.mnt], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 10
            while is_mounted(self.mnt) and time.time() < deadline:
                time.sleep(0.05)
            if is_mounted(self.mnt):
                subprocess.run(["fusermount3", "-uz", self.mnt], check=False)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("mount.confluencefs did not exit after unmount")
        err = self.stderr()
        self.cleanup()
        return err

    def cleanup(self):
        self.stderr_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class MountedSpace(unittest.TestCase):
    """A test class with one mount shared by its tests: setUpClass sets
    cls.fake, cls.mount and cls.mnt; the mount is stopped, and its stderr
    checked for sanitizer reports, once at the end."""

    @classmethod
    def tearDownClass(cls):
        err = cls.mount.stop()
        cls.fake.stop()
        if sanitizer_report(err):
            raise AssertionError("sanitizer report:\n" + err)

    def md_files(self):
        return [f for f in walk_files(self.mnt) if f.endswith(".md")]


def sanitizer_report(text):
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKS)]


def walk_files(root):
    """Every regular file under root, as paths relative to root, sorted."""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in files:
            out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)
