"""faults_harness: the harness of the fault-injection matrix (scripts/faults).

What every row uses: the Ctx of one row (its fake, mounts, child processes and
findings; close() always cleans up) and RowFailed, the probes that read through
the mount in child processes with a hard time limit (probe, probe_tree), the
demo space and its reference rendering (demo, reference, big_body), the checks
of a read (expect_whole, expect_error_or_whole, whole_lines, fault_fired), and
the row registry (row, ROWS), run_row and select.  The rows themselves and main
are in scripts/faults; tests/test_faults.py runs the same rows as unit tests.
See docs/faults.md.  Python 3, stdlib only.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import traceback

from cfstest import Fake, Mount, sanitizer_report

# Sanitizer builds: make leaks and UB visible in the mount's stderr.
MOUNT_ENV = {
    "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "detect_leaks=1"),
    "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1"),
}

# Pages of the bundled demo space (tests/fixtures/demo).
PAGE_ID = "131092"
PAGE = "Home/Documentation/Plain Page.md"
OTHER_ID = "131091"
OTHER = "Home/Documentation/Other Page.md"
HOME = "Home.md"
ENGINEERING = "Home/Engineering.md"
HOME_ID = "131074"

# A reader in a child process: stat, read all, stat again.  One JSON line.
PROBE = r"""
import errno, hashlib, json, os, sys, time
p = sys.argv[1]
out = {"errno": None}
t0 = time.monotonic()
try:
    out["st_size"] = os.stat(p).st_size
    with open(p, "rb") as f:
        data = f.read()
    out["len"] = len(data)
    out["sha"] = hashlib.sha256(data).hexdigest()
    out["st_size2"] = os.stat(p).st_size
except OSError as e:
    out["errno"] = errno.errorcode.get(e.errno, str(e.errno))
out["t"] = time.monotonic() - t0
print(json.dumps(out), flush=True)
"""

# Every file and directory under a root, walked with directory fds (no PATH_MAX
# limit at 100 levels).  One JSON document.
PROBE_TREE = r"""
import errno, hashlib, json, os, re, sys
root = sys.argv[1]
out = {"dirs": [], "files": [], "errors": []}
for d, dirs, files, dfd in os.fwalk(root):
    rel = os.path.relpath(d, root)
    names = os.listdir(dfd)
    out["dirs"].append({"rel": rel, "names": names})
    for n in files:
        e = {"rel": os.path.join(rel, n), "name": n}
        try:
            fd = os.open(n, os.O_RDONLY, dir_fd=dfd)
            try:
                e["id"] = os.getxattr(fd, "user.confluence.id").decode()
                e["title"] = os.getxattr(fd, "user.confluence.title").decode("utf-8", "replace")
                e["st_size"] = os.fstat(fd).st_size
                chunks = []
                while True:
                    b = os.read(fd, 1 << 20)
                    if not b:
                        break
                    chunks.append(b)
                data = b"".join(chunks)
            finally:
                os.close(fd)
            e["len"] = len(data)
            e["st_size2"] = os.stat(n, dir_fd=dfd).st_size
            m = re.search(rb"cfsword-(\d+)", data)
            e["marker"] = m.group(1).decode() if m else None
        except OSError as ex:
            e["errno"] = errno.errorcode.get(ex.errno, str(ex.errno))
            out["errors"].append(e["rel"] + ": " + e["errno"])
        out["files"].append(e)
print(json.dumps(out))
"""


class RowFailed(Exception):
    """A check that makes the rest of the row meaningless."""


class Ctx:
    """One row's resources and findings; close() always cleans up."""

    def __init__(self):
        self.problems = []
        self.seen = None      # the errno the user saw (a name, "0" for success)
        self.op_time = None   # seconds the faulted operation took
        self.fakes = []
        self.mounts = []
        self.procs = []

    # -- findings --
    def check(self, cond, msg):
        if not cond:
            self.problems.append(msg)
        return bool(cond)

    def require(self, cond, msg):
        if not cond:
            raise RowFailed(msg)

    def see(self, name, t=None):
        self.seen = name if self.seen is None else (
            self.seen if name in self.seen.split("/") else self.seen + "/" + name)
        if t is not None and self.op_time is None:
            self.op_time = t

    # -- resources --
    def fake(self, *args):
        f = Fake(*args)
        self.fakes.append(f)
        return f

    def mount(self, fake, opts=(), space="DEMO"):
        m = Mount(fake, space=space, opts=list(opts), env=MOUNT_ENV)
        m.dev = os.stat(m.mnt).st_dev
        self.mounts.append(m)
        return m

    def unmount(self, m, check=True, exited=False):
        """Unmount m (if it still is), check it exited cleanly; its stderr.
        exited: the row ended the process itself (SIGTERM, fusermount3 -u)."""
        if m not in self.mounts:
            return ""
        self.mounts.remove(m)
        died = None if exited else m.proc.poll()
        try:
            err = m.stop()
        except RuntimeError as e:
            self.problems.append("unmount: %s" % e)
            err = ""
        if check:
            self.check(died is None or died == 0,
                       "mount.confluencefs died during the row (exit status %s)" % died)
            self.check(m.proc.returncode == 0,
                       "mount.confluencefs exited with status %s" % m.proc.returncode)
            rep = sanitizer_report(err)
            self.check(not rep, "sanitizer report in the mount's stderr: %s" % rep[:3])
        return err

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for m in list(self.mounts):
            for p in self.procs:
                if p.poll() is None:
                    try:
                        p.wait(2)
                    except subprocess.TimeoutExpired:
                        abort_connection(m)
            self.unmount(m)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                pass
        for f in self.fakes:
            f.stop()


def abort_connection(m):
    """Abort a mount's FUSE connection: frees readers stuck in it.  Only while
    m.mnt is still that mount: once it is gone the kernel gives its device
    number to the next mount, maybe another test's running beside this one
    (mountinfo is read, as a stat of a stuck mount would hang)."""
    want = "%d:%d" % (os.major(m.dev), os.minor(m.dev))
    try:
        with open("/proc/self/mountinfo") as f:
            if not any(line.split()[2:5:2] == [want, m.mnt] for line in f):
                return
        with open("/sys/fs/fuse/connections/%d/abort" % os.minor(m.dev), "w") as f:
            f.write("1")
    except OSError:
        pass


def probe_start(c, path):
    return c.spawn([sys.executable, "-c", PROBE, path])


def probe_finish(c, m, p, limit):
    """Wait for a probe; {"errno": "HANG"} if it outlived limit seconds."""
    try:
        out, _ = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        try:
            p.wait(2)
        except subprocess.TimeoutExpired:
            abort_connection(m)
            p.wait(10)
        return {"errno": "HANG", "t": limit}
    try:
        return json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"errno": "PROBE-CRASHED", "t": 0}


def probe(c, m, rel, limit=20):
    return probe_finish(c, m, probe_start(c, m.path(rel)), limit)


def probe_tree(c, m, rel="", limit=120):
    p = c.spawn([sys.executable, "-c", PROBE_TREE, m.path(rel) if rel else m.mnt])
    try:
        out, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        abort_connection(m)
        p.wait(10)
        raise RowFailed("walking the tree hung for %ss" % limit)
    if p.returncode:
        raise RowFailed("walking the tree failed: %s" % err.decode()[-500:])
    return json.loads(out)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def fake_log(fake, regex=None):
    log = fake.call("GET", "/_fake/log")
    return [e for e in log if regex is None or re.search(regex, e["path"])]


def mount_stats(m):
    out = subprocess.run(["getfattr", "--only-values", "-n", "user.confluencefs.stats", m.mnt],
                         capture_output=True, text=True, timeout=10).stdout
    return {k: int(v) for k, v in (line.split("=", 1) for line in out.splitlines() if "=" in line)}


def big_body(page_id, lines):
    """A storage body whose every line is numbered, so a cut is visible."""
    parts = ["<p>Page marker cfsword-%s cfscommon</p>" % page_id]
    parts += ["<p>line %06d of %06d: the quick brown fox jumps over the lazy dog</p>"
              % (i, lines) for i in range(lines)]
    parts.append("<p>end-of-page-%s</p>" % page_id)
    return "".join(parts)


def whole_lines(data, lines):
    """Does rendered data carry every numbered line, in order, and the end mark?"""
    got = [int(x) for x in re.findall(rb"line (\d{6}) of \d{6}", data)]
    return got == list(range(lines)) and b"end-of-page-" in data


def fault_fired(c, fake):
    """The armed fault really hit a request (else the row proved nothing)."""
    n = fake.stats().get("faults_injected", 0)
    c.check(n >= 1, "the fault was never injected (the row tested nothing)")


def reference(c, fake, rels, space="DEMO"):
    """The pages as a clean mount renders them (before any fault is armed)."""
    m = c.mount(fake, ["prefetch=0"], space=space)
    try:
        return {r: read_bytes(m.path(r)) for r in rels}
    finally:
        c.unmount(m)


def demo(c, opts=(), lines=2000, refs=(PAGE,)):
    """The demo space with Plain Page made long and numbered; its reference
    rendering; a fresh mount; the fake's counters zeroed."""
    fake = c.fake()
    fake.call("POST", "/_fake/page/%s" % PAGE_ID, {"body": big_body(PAGE_ID, lines)})
    ref = reference(c, fake, refs) if refs else {}
    m = c.mount(fake, opts)
    fake.reset()
    return fake, m, ref


def expect_whole(c, r, ref, what="the page"):
    """A successful probe r returned exactly ref, with st_size == its length."""
    ok = c.check(r.get("errno") is None, "%s: read failed with %s" % (what, r.get("errno")))
    if ok:
        c.check(r["sha"] == sha(ref),
                "%s: read %d bytes that differ from the full page (%d bytes)"
                % (what, r["len"], len(ref)))
        c.check(r["st_size"] == r["len"] == r["st_size2"],
                "%s: st_size %s/%s but read returned %s bytes"
                % (what, r["st_size"], r["st_size2"], r["len"]))
    return ok


def expect_error_or_whole(c, r, ref, errors=("EIO",), what="the page"):
    """Either an error from errors, or exactly the whole page."""
    if r["errno"] is None:
        return expect_whole(c, r, ref, what)
    c.check(r["errno"] in errors, "%s: got %s, expected %s or the whole page"
            % (what, r["errno"], "/".join(errors)))
    return False


# ---------------------------------------------------------------------------
# The rows: scripts/faults registers each with @row(id, what the user must get).

ROWS = []


def row(rid, want):
    def deco(fn):
        ROWS.append((rid, want, fn))
        return fn
    return deco


# ---------------------------------------------------------------------------
# Running them

class Result:
    def __init__(self, rid, want, ok, seen, op_time, row_time, problems):
        self.rid, self.want, self.ok, self.seen = rid, want, ok, seen
        self.op_time, self.row_time, self.problems = op_time, row_time, problems

    def line(self):
        op = "%6.2fs" % self.op_time if self.op_time is not None else "     - "
        return "%s  %-30s %-56s %-12s op %s  row %6.2fs" % (
            "PASS" if self.ok else "FAIL", self.rid, self.want, self.seen or "-", op,
            self.row_time)


def run_row(rid, want, fn):
    c = Ctx()
    t0 = time.monotonic()
    try:
        fn(c)
    except RowFailed as e:
        c.problems.append(str(e))
    except Exception:
        c.problems.append("crashed: " + traceback.format_exc(limit=4).strip().replace("\n", " | "))
    finally:
        try:
            c.close()
        except Exception:
            c.problems.append("cleanup: " + traceback.format_exc(limit=2).strip())
    return Result(rid, want, not c.problems, c.seen, c.op_time, time.monotonic() - t0,
                  c.problems)


def select(words):
    return [r for r in ROWS if not words or any(w in r[0] for w in words)]
