"""cfstest: helpers for end-to-end tests — a fake Confluence server and a real mount.

Tests mount the built binary against scripts/fake-confluence in a temporary
directory, use real tools on the mount, and always unmount.  A mount's stderr
is checked for sanitizer reports when it is unmounted.

CFS_FLAVOR=cloud (the default) or dc picks the flavor of every Fake that does
not name its own --flavor: dc serves Confluence Data Center (REST v1 under
/confluence), a Mount of it sends a personal access token (Bearer, no user)
with -o api=dc, and the flavor's request paths are below (PAGE_RE(), ...), so
one suite runs against both.
"""

import base64
import contextlib
import datetime
import json
import os
import re
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
DEFAULT_USER = object()  # Mount(user=...) not given: the flavor's default

FLAVOR = os.environ.get("CFS_FLAVOR") or "cloud"
if FLAVOR not in ("cloud", "dc"):
    raise SystemExit("CFS_FLAVOR must be cloud or dc, not %r" % FLAVOR)
DC = FLAVOR == "dc"
DC_CONTEXT = "/confluence"  # the fake's default DC context path
API_ROOT = DC_CONTEXT if DC else "/wiki"  # where every API path of the flavor starts

# What the client requests on each flavor, as regexes over the fake's log paths.
if DC:
    def PAGE_RE(page_id):  # noqa: N802 -- the single-page fetch (with its body)
        return r"^%s/rest/api/content/%s\?" % (DC_CONTEXT, page_id)
    ANY_PAGE_RE = r"^%s/rest/api/content/\d" % DC_CONTEXT  # any single-page request
    LISTING_RE = r"^%s/rest/api/content\?spaceKey=" % DC_CONTEXT  # the page tree listing
    BULK_RE = r"^%s/rest/api/content/search\?cql=id%%20in%%20" % DC_CONTEXT  # prefetch
    ATT_BYTES_RE = r"/download/attachments/"  # attachment bytes (DC: the site itself)
    ATT_BYTES_KIND = "download"  # the fake's stats kind of those requests
else:
    def PAGE_RE(page_id):  # noqa: N802
        return r"^/wiki/api/v2/pages/%s\?" % page_id
    ANY_PAGE_RE = r"^/wiki/api/v2/pages/"
    LISTING_RE = r"^/wiki/api/v2/spaces/\d+/pages\?"
    BULK_RE = r"^/wiki/api/v2/pages\?"
    ATT_BYTES_RE = r"/media/"  # Cloud: the media host, after the download redirect
    ATT_BYTES_KIND = "media"

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "WARNING: ThreadSanitizer")


class Fake:
    """scripts/fake-confluence on 127.0.0.1, on a free port."""

    def __init__(self, *args):
        if "--flavor" not in args and DC:
            args = ("--flavor", "dc") + args
        self.flavor = args[args.index("--flavor") + 1] if "--flavor" in args else "cloud"
        if self.flavor == "dc":
            self.context = (args[args.index("--context") + 1].rstrip("/")
                            if "--context" in args else DC_CONTEXT)
        else:
            self.context = "/wiki"
        self.dir = tempfile.mkdtemp(prefix="cfs-fake-")
        self.args = args
        self._start(0)
        self.origin = "http://127.0.0.1:%d" % self.port
        self.url = self.origin + self.context  # the base URL a client is given

    def _start(self, port):
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(os.path.join(self.dir, "stderr"), "w+")
        self.proc = subprocess.Popen(
            [sys.executable, FAKE, "--port", str(port), "--port-file", port_file, "--quiet",
             *self.args],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                self.log.seek(0)
                raise RuntimeError("fake server did not start: " + self.log.read())
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read().strip())

    def halt(self):
        """Stop the server but keep its port and directory: restart() brings the
        same space back on the same port (a site that went away and came back)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def restart(self):
        """Start again on the same port after halt() (its state starts afresh
        from the same arguments)."""
        deadline = time.time() + 30
        while True:
            try:
                self._start(self.port)
                return
            except RuntimeError:  # the port may linger a moment
                if time.time() > deadline:
                    raise
                time.sleep(0.2)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.origin + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def api(self, path):
        """GET an API path (from the root: self.context + "/rest/...") with valid
        credentials (Cloud: Basic user:token; DC: the token as a PAT), following
        every next link (rooted, or relative to the base as in v1)."""
        if self.flavor == "dc":
            auth = "Bearer " + TOKEN
        else:
            auth = "Basic " + base64.b64encode(("%s:%s" % (USER, TOKEN)).encode()).decode()
        results, doc = [], None
        while path:
            req = urllib.request.Request(self.origin + path, headers={"Authorization": auth})
            with urllib.request.urlopen(req, timeout=30) as r:
                doc = json.loads(r.read())
            if "results" not in doc:
                return doc
            results += doc["results"]
            path = doc.get("_links", {}).get("next")
            if path and not path.startswith(self.context + "/"):
                path = self.context + path
        return results

    def stats(self):
        return self.call("GET", "/_fake/stats")

    def reset(self):
        self.call("POST", "/_fake/reset", {})

    def settle(self, quiet=0.3, timeout=30):
        """Wait until no request is in flight and none came for quiet seconds: a
        mount's background listing (the mount no longer waits for it) is over, so
        a count that starts now is the test's own."""
        deadline = time.time() + timeout
        n = -1
        while time.time() < deadline:
            log = self.call("GET", "/_fake/log")
            if len(log) == n and all(e.get("end") is not None for e in log):
                return
            n = len(log)
            time.sleep(quiet)
        raise RuntimeError("the fake never went quiet")

    def fault(self, **kw):
        return self.call("POST", "/_fake/fault", kw)

    def space_pages(self, key):
        """(space, pages) in the Cloud v2 shape: on DC the v1 pages are given the
        v2 fields tests look at (parentId; version.number/createdAt (UTC)/authorId)."""
        if self.flavor == "dc":
            space = self.api("%s/rest/api/space/%s" % (self.context, key))
            pages = self.api("%s/rest/api/content?spaceKey=%s&type=page&expand=ancestors,"
                             "version&limit=200" % (self.context, key))
            return space, [dc_page_as_v2(p) for p in pages]
        space = self.api("/wiki/api/v2/spaces?keys=%s" % key)[0]
        return space, self.api("/wiki/api/v2/spaces/%s/pages?depth=all&limit=250" % space["id"])

    def space_blogposts(self, key):
        """The blog posts of a space in the Cloud v2 shape (createdAt and version
        as above; on DC from history.createdDate and version)."""
        if self.flavor == "dc":
            posts = self.api("%s/rest/api/content?spaceKey=%s&type=blogpost&expand=version,"
                             "history&limit=200" % (self.context, key))
            out = []
            for p in posts:
                q = dc_page_as_v2(p)
                q["createdAt"] = dc_utc(p["history"]["createdDate"])
                out.append(q)
            return out
        space = self.api("/wiki/api/v2/spaces?keys=%s" % key)[0]
        return self.api("/wiki/api/v2/spaces/%s/blogposts?limit=250" % space["id"])

    def stop(self):
        if self.proc.poll() is None and not self.log.closed:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def dc_utc(when):
    """DC's '2025-03-18T18:02:41.377+02:00' -> Cloud's '2025-03-18T16:02:41.377Z'."""
    m = re.match(r"(\d+-\d+-\d+T\d+:\d+:\d+)(?:\.(\d+))?([+-]\d\d:\d\d|Z)$", when)
    dt = datetime.datetime.fromisoformat(m.group(1) + ("" if m.group(3) == "Z" else m.group(3)))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    dt = dt.astimezone(datetime.timezone.utc)
    return "%s.%sZ" % (dt.strftime("%Y-%m-%dT%H:%M:%S"), (m.group(2) or "0").ljust(3, "0")[:3])


def dc_page_as_v2(p):
    """A DC v1 page (expand=ancestors,version) with the v2 fields of the same page."""
    q = dict(p)
    q["parentId"] = p["ancestors"][-1]["id"] if p.get("ancestors") else None
    v = p["version"]
    q["version"] = {"number": v["number"], "createdAt": dc_utc(v["when"]),
                    "authorId": v["by"]["userKey"], "dc": v}
    return q


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

    def __init__(self, fake, space="DEMO", opts=(), env=None, token=TOKEN, user=DEFAULT_USER,
                 url=None, mountpoint=None, wait=True, cache_dir=None):
        # The default user: Cloud's email (Basic auth); none on DC (the token is a PAT).
        if user is DEFAULT_USER:
            user = None if fake.flavor == "dc" else USER
        if fake.flavor == "dc" and not any(o.startswith("api=") for o in opts):
            opts = ["api=dc"] + list(opts)
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
        """The pages' files (blog posts under _blog/ left out)."""
        return [f for f in walk_files(self.mnt) if f.endswith(".md") and
                not f.startswith(BLOG_DIR + "/")]

    def blog_files(self):
        return [f for f in walk_files(self.mnt) if f.endswith(".md") and
                f.startswith(BLOG_DIR + "/")]


BLOG_DIR = "_blog"


def blog_dir(post):
    """Where a blog post's file lives: _blog/YYYY/MM of its creation (UTC)."""
    return "%s/%s/%s" % (BLOG_DIR, post["createdAt"][:4], post["createdAt"][5:7])


@contextlib.contextmanager
def serving(*args):
    """A Fake(*args) for the length of a with block."""
    fake = Fake(*args)
    try:
        yield fake
    finally:
        fake.stop()


@contextlib.contextmanager
def mounted(fake, **kw):
    """A Mount(fake, **kw) for the length of a with block.  Afterwards m.err
    holds the mount's stderr, which must carry no sanitizer report."""
    m = Mount(fake, **kw)
    try:
        yield m
    except BaseException:
        # What the mount said is the only trace of a crash (a sanitizer's
        # report, an abort): show it with the failure.
        m.err = m.stop()
        tail = "\n".join(m.err.splitlines()[-80:])
        sys.stderr.write("--- the mount's stderr, last lines ---\n%s\n---\n" % tail)
        raise
    m.err = m.stop()
    if sanitizer_report(m.err):
        raise AssertionError("sanitizer report:\n" + m.err)


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
