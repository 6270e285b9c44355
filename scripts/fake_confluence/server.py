"""The HTTP layer and the command line: `App` (the site plus Api/DcApi and Control),
`Handler` (routing, latency, faults, auth, sending), `Server`, parse_args and main.

New command-line options go in parse_args; what they build, in build_site or App."""

import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .model import Site
from .generate import Generator, load_fixture, load_storage_samples
from .protocol import (ApiError, Faults, RateLimitSignals, Request, Response, Stats,
                       WRITE_METHODS, error_response, json_response)
from .multipart import BodyError, BodyReader, parse_multipart
from .cloudtree import add_cloud_tree, add_folders
from .write_cloud import CloudWriteApi as Api
from .write_dc import DcWriteApi as DcApi
from .control import Control


SCRIPT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # scripts/
DEFAULT_FIXTURE = os.path.join(SCRIPT_DIR, "..", "tests", "fixtures", "demo")
DEFAULT_STORAGE = os.path.join(SCRIPT_DIR, "..", "tests", "fixtures", "storage")


# ---------------------------------------------------------------- HTTP layer

class App:
    def __init__(self, site, args):
        self.site = site if isinstance(site, Site) else Site([site])
        self.space = space = self.site.main
        self.stats = Stats()
        self.faults = Faults()
        self.latency_ms = float(args.latency_ms)
        self.quiet = args.quiet
        token = args.token if args.token != "" else None
        secret = hashlib.sha256(("media:%s:%s" % (args.seed, space.id)).encode()).digest()
        if args.flavor == "dc":
            self.api = DcApi(space, args.user, token, secret, self.faults, self.stats,
                             args.context)
        else:
            self.api = Api(space, args.user, token, secret, self.faults, self.stats)
        self.api.cql_403 = args.cql_403
        self.api.blog_404 = args.blog_404
        self.ratelimit = None
        if args.ratelimit_near or args.ratelimit_remaining:
            self.ratelimit = RateLimitSignals(args.ratelimit_near or args.ratelimit_remaining,
                                              "near" if args.ratelimit_near else "remaining")
        # --gateway CLOUDID: the API is under /ex/confluence/CLOUDID (the media host not).
        self.gateway = "/ex/confluence/%s" % args.gateway if args.gateway else None
        self.control = Control(self)
        # multipart uploads are streamed to files here (attachments keep theirs)
        self.upload_dir = tempfile.mkdtemp(prefix="fake-confluence-")
        self.api.upload_dir = self.upload_dir

    def info(self):
        """The main space and its counts, then every space (the main one first)."""
        sp = self.space
        return {"space": {"id": sp.id, "key": sp.key, "homepageId": sp.homepage_id},
                "pages": len(sp.pages), "attachments": len(sp.attachments),
                "blogposts": len(sp.blogposts),
                "spaces": [{"id": s.id, "key": s.key, "homepageId": s.homepage_id,
                            "pages": len(s.pages), "blogposts": len(s.blogposts),
                            "attachments": len(s.attachments)} for s in self.site.spaces],
                "latency_ms": self.latency_ms}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-confluence/1.0"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY,
        # Nagle holds the body until the client's delayed ACK (~40 ms), which
        # would add to every request and flatter concurrency in benchmarks.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.app.stats.add("connections")

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    def log_request(self, code="-", size="-"):
        pass  # requests are logged once, with their timing, in serve_api

    def log_message(self, fmt, *args):
        if not self.server.app.quiet:
            sys.stderr.write("fake-confluence: %s\n" % (fmt % args))

    MAX_BODY = 256 << 20  # a JSON body (a page) larger than this is refused

    def dispatch(self):
        app = self.server.app
        fields, files = [], []
        try:
            reader = BodyReader(self.rfile, self.headers)
            ctype = self.headers.get("Content-Type") or ""
            if ctype.lower().startswith("multipart/form-data") and \
                    not urlsplit(self.path).path.startswith("/_fake/"):
                body = b""
                fields, files = parse_multipart(reader, ctype, app.upload_dir)
            else:
                body = reader.read_all(self.MAX_BODY)
        except (BodyError, OSError, ValueError) as e:
            self.close_connection = True
            self.send(error_response(400, "bad request body: %s" % e))
            return
        try:
            self.dispatch_with(app, body, fields, files)
        finally:
            for f in files:
                f.discard()

    def dispatch_with(self, app, body, fields, files):
        target = self.path
        if urlsplit(target).path.startswith("/_fake/"):
            try:
                resp = app.control.handle(self.command, urlsplit(target).path, body)
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                resp = json_response(400, {"error": "bad control request: %s" % e})
            self.send(resp)
            return
        if app.gateway:
            if target.startswith(app.gateway + "/"):
                target = target[len(app.gateway):]
            elif not urlsplit(target).path.startswith("/media/"):
                # A scoped token sent to the site itself: a Tomcat HTML 401, as on Cloud.
                self.send(Response(401, b"<html><body>HTTP Status 401</body></html>",
                                   content_type="text/html;charset=utf-8"))
                return
        req = Request(self.command, target, self.headers, self.server.server_address[1], body)
        req.fields, req.files = fields, files
        app.api.prepare(req)
        self.serve_api(app, req)

    def serve_api(self, app, req):
        kind, fn, params = app.api.route(req.method, req.path)
        kind = app.api.refine_kind(req, kind, params)
        entry = app.stats.begin(req.method, req.target, kind)
        if req.method in WRITE_METHODS:
            req.write = app.stats.begin_write(entry, req, params)
        self._entry, self._ended = entry, False
        started = time.monotonic()
        status = 0
        try:
            if app.latency_ms > 0:
                time.sleep(app.latency_ms / 1000.0)
            status = self.answer(app, req, kind, fn, params)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        finally:
            self.finish_stats(status)
            self._entry = None
            if req.write is not None:
                req.write["status"] = status
            if not app.quiet:
                self.log_message("%s %s -> %s (%s, %.1f ms)", req.method, req.target,
                                 status or "aborted", kind, (time.monotonic() - started) * 1000)

    def answer(self, app, req, kind, fn, params):
        """Produce and send the response, applying an armed fault; returns the status sent."""
        fault = app.faults.take(req.target, req.method)
        applied = None
        if fault is not None:
            app.stats.add("faults_injected")
            req.note(fault=fault.kind)
            if fault.apply:  # the write happens, then the client gets the fault
                applied = self.handle_api(app, req, kind, fn, params)
            if fault.kind == "stall":
                app.faults.stall(fault)
            elif fault.kind == "reset" and fault.after_bytes is None:
                self.abort(rst=True)
                return 0
            elif fault.kind in ("status", "retry_after"):
                headers = [("Retry-After", str(fault.retry_after))] if fault.retry_after else []
                return self.send(app.api.error(fault.status, headers=headers))
            elif fault.kind == "not_storage":
                req.not_storage = True
        resp = applied if applied is not None else self.handle_api(app, req, kind, fn, params)
        if app.ratelimit is not None and kind != "media":
            resp.headers += app.ratelimit.headers()
        if fault is not None and fault.kind == "malformed_json":
            resp = Response(resp.status, resp.body[:max(1, len(resp.body) // 2)],
                            [h for h in resp.headers if h[0] != "Content-Type"],
                            "application/json;charset=UTF-8")
        if fault is not None and fault.kind in ("truncate", "reset"):
            cut = fault.after_bytes if fault.after_bytes is not None else resp.length // 2
            return self.send(resp, cut=max(0, int(cut)), rst=fault.kind == "reset")
        return self.send(resp)

    def handle_api(self, app, req, kind, fn, params):
        if fn is None:
            return app.api.error(405 if kind == "method_not_allowed" else 404)
        denied = app.api.check_auth(req, kind)
        if denied is not None:
            return denied
        try:
            with app.space.lock:
                return fn(req, **params)
        except ApiError as e:
            return e.response
        except Exception:  # a bug in the fake: say so loudly, answer 500, keep serving
            traceback.print_exc(file=sys.stderr)
            return error_response(500, "fake-confluence internal error")

    def finish_stats(self, status):
        """End the request's stats entry once.  send() calls it just before the last
        write: after that write the client may already send its next request, which
        must not count as overlapping this one."""
        entry = getattr(self, "_entry", None)
        if entry is not None and not self._ended:
            self._ended = True
            self.server.app.stats.end(entry, status)

    def send(self, resp, cut=None, rst=False):
        """Write resp; with cut, stop after that many body bytes and drop the connection.

        A truncated answer always promises more than it sends: when cut covers the whole
        body (an empty 302, say), Content-Length is inflated instead."""
        length = resp.length
        if cut is not None and not rst and cut >= length:
            cut, length = length, length + 64
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        chunks = iter(()) if self.command == "HEAD" else iter(resp.iter_chunks())
        chunk = next(chunks, None)
        if chunk is None or (cut is not None and cut == 0):
            self.finish_stats(resp.status)
        self.end_headers()
        if chunk is None:
            if cut is not None and self.command != "HEAD":
                self.abort(rst)
            return resp.status
        sent = 0
        stats = self.server.app.stats
        while chunk is not None:
            following = next(chunks, None)
            if cut is not None and sent + len(chunk) >= cut:
                chunk = chunk[:cut - sent]
                following = None
            if following is None:
                self.finish_stats(resp.status)
            if resp.is_media:  # before the write: a client that has the bytes sees them counted
                stats.add("attachment_bytes", len(chunk))
            self.wfile.write(chunk)
            sent += len(chunk)
            if cut is not None and sent >= cut:
                break
            chunk = following
        if cut is not None:
            self.abort(rst)
        return resp.status

    def abort(self, rst):
        """Close the connection: RST (reset) or FIN before the promised length (truncate)."""
        self.close_connection = True
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout)):
            return
        super().handle_error(request, client_address)


# ---------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(description="A fake Confluence Cloud or Data Center site.")
    p.add_argument("--flavor", choices=("cloud", "dc"), default="cloud",
                   help="cloud: REST v2 under /wiki; dc: Data Center REST v1 under --context")
    p.add_argument("--context", default="/confluence",
                   help='dc: the context path ("" for none)')
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--fixture", help="fixture directory (default: the bundled demo space)")
    p.add_argument("--pages", type=int, help="generate a space of N pages instead")
    p.add_argument("--fanout", type=int, default=10, help="children per page (generated)")
    p.add_argument("--roots", type=int, default=1, help="root pages (generated)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--attachments", type=int, default=0)
    p.add_argument("--attachment-size", type=int, default=256 * 1024)
    p.add_argument("--body-bytes", type=int, default=8192)
    p.add_argument("--storage-dir", default=DEFAULT_STORAGE,
                   help="storage samples for generated bodies")
    p.add_argument("--space", help="space key (default DEMO / GEN / the fixture's)")
    p.add_argument("--blogposts", type=int, default=0,
                   help="blog posts in each generated space")
    p.add_argument("--add-space", action="append", default=[], metavar="KEY:PAGES",
                   help="add a generated space (repeatable)")
    p.add_argument("--add-space-attachments", type=int, default=0,
                   help="attachments in each --add-space space")
    p.add_argument("--user", default="demo@example.com")
    p.add_argument("--token", default="demo-token", help='"" disables the auth check')
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--cloud-tree", action="store_true",
                   help="cloud: add folders, a whiteboard, a database, an embed, a second root "
                        "page and a trashed parent to the main space")
    p.add_argument("--folders", type=int, default=0,
                   help="cloud, generated: N folders under the homepage holding its children")
    p.add_argument("--cql-403", action="store_true",
                   help="the CQL search answers 403 (dc: searches without an id clause)")
    p.add_argument("--blog-404", action="store_true",
                   help="the blog post listing answers 404")
    p.add_argument("--ratelimit-near", type=float, default=0, metavar="SHARE",
                   help="this share of responses carries X-RateLimit-NearLimit: true")
    p.add_argument("--ratelimit-remaining", type=float, default=0, metavar="SHARE",
                   help="this share of responses carries X-RateLimit-Remaining at 10%% of "
                        "the limit")
    p.add_argument("--gateway", metavar="CLOUDID",
                   help="cloud: serve the API under /ex/confluence/CLOUDID only, as "
                        "api.atlassian.com does for scoped tokens")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.fixture and args.pages is not None:
        p.error("--fixture and --pages are exclusive")
    if args.pages is not None and (args.pages < 1 or args.fanout < 1):
        p.error("--pages and --fanout must be at least 1")
    if args.attachments < 0 or args.attachment_size < 0 or args.body_bytes < 0 or \
            args.blogposts < 0 or args.add_space_attachments < 0:
        p.error("sizes and counts must not be negative")
    added = []
    for spec in args.add_space:
        m = re.match(r"^(~?[A-Za-z0-9]+):(\d+)$", spec)
        if not m or int(m.group(2)) < 1:
            p.error("--add-space takes KEY:PAGES (a key of letters and digits, PAGES >= 1): %s"
                    % spec)
        if m.group(1) in [k for k, _ in added]:
            p.error("--add-space %s: the key is given twice" % m.group(1))
        added.append((m.group(1), int(m.group(2))))
    args.add_space = added
    if added and args.fanout < 1:
        p.error("--fanout must be at least 1")
    if args.flavor == "dc" and (args.cloud_tree or args.folders or args.gateway):
        p.error("--cloud-tree, --folders and --gateway are Cloud only")
    if args.folders and args.pages is None:
        p.error("--folders needs --pages")
    if args.gateway and not re.match(r"^[A-Za-z0-9-]+$", args.gateway):
        p.error("--gateway takes a cloud id (letters, digits, '-')")
    args.context = args.context.rstrip("/")
    if args.context and not re.match(r"^(/[A-Za-z0-9._~-]+)+$", args.context):
        p.error('--context must be "" or a path like /confluence')
    return args


def build_space(args):
    if args.pages is not None:
        gen = Generator(args, load_storage_samples(args.storage_dir))
        space = gen.build(args.space or "GEN")
        add_folders(space, args.folders)
    else:
        space = load_fixture(args.fixture or DEFAULT_FIXTURE, args.space)
    if args.cloud_tree:
        add_cloud_tree(space)
    return space


def build_site(args):
    """The main space, then the --add-space ones, in order.  An added space's ids start
    at the next multiple of 1000 that is at least 1000 above every id of the spaces before
    it, so content and attachment ids are unique across the site."""
    site = Site([build_space(args)])
    samples = load_storage_samples(args.storage_dir) if args.add_space else None
    main = site.main
    home = main.pages.get(main.homepage_id or "")
    for key, pages in args.add_space:
        if site.by_key(key):
            raise ValueError("--add-space %s: the site has that key already" % key)
        gen = Generator(args, samples, key=key, pages=pages,
                        attachments=args.add_space_attachments,
                        id_floor=(site.max_id() // 1000 + 2) * 1000,
                        cross=(main.key, home.title if home else "Home"),
                        space_id_taken=lambda i: site.by_id(i) is not None or
                        site.content(i) is not None)
        site.add_space(gen.build(key))
    return site


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv):
    args = parse_args(argv)
    try:
        site = build_site(args)
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write("fake-confluence: cannot load the space: %s\n" % e)
        return 2
    space = site.main
    server = Server((args.host, args.port), Handler)
    server.app = App(site, args)
    port = server.server_address[1]
    host = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    if args.port_file:  # before the URL line: whoever reads that line finds the file
        write_port_file(args.port_file, port)
    if not (args.quiet and args.port_file):  # quiet, with the port in a file: nothing at all
        sys.stdout.write("http://%s:%d\n" % (host, port))
        sys.stdout.flush()
    if not args.quiet:
        sys.stderr.write("fake-confluence: %s, space %s (id %s): %d pages, %d attachments\n" % (
            "Data Center at %s" % (args.context or "/") if args.flavor == "dc" else "Cloud",
            space.key, space.id, len(space.pages), len(space.attachments)))
        for s in site.spaces:
            if s is not space or len(site.spaces) > 1 or s.blogposts:
                sys.stderr.write("fake-confluence:   space %s (id %s): %d pages, %d blog posts, "
                                 "%d attachments\n" % (s.key, s.id, len(s.pages),
                                                       len(s.blogposts), len(s.attachments)))
    while not stop.wait(3600):
        pass
    server.shutdown()
    server.server_close()
    shutil.rmtree(server.app.upload_dir, ignore_errors=True)
    return 0
