"""What every flavour's handlers share: `Response` and `ApiError`, the parsed `Request`,
limit/cursor pagination, serving attachment bytes (Range), and the `Stats` and `Faults`
that tests read and steer through /_fake/.

Response headers every API answer carries (rate limits, ...) belong with `Response` here or
in server.Handler.send."""

import base64
import json
import re
import threading
import time
from collections import Counter
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from .shapes import ERROR_CODES, status_phrase, v2_error


MAX_LIMIT = 250
MAX_LOG = 200000


# ---------------------------------------------------------------- responses

class Response:
    """What a handler returns: status, headers and either bytes or a chunk generator."""

    def __init__(self, status, body=b"", headers=None, content_type="application/json",
                 chunks=None, length=None):
        self.status = status
        self.body = body
        self.chunks = chunks
        self.length = len(body) if chunks is None else length
        self.headers = list(headers or [])
        if content_type:
            self.headers.insert(0, ("Content-Type", content_type))
        self.is_media = False

    def iter_chunks(self):
        if self.chunks is None:
            if self.body:
                yield self.body
        else:
            yield from self.chunks


def json_response(status, obj, headers=None):
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, data, headers, "application/json;charset=UTF-8")


def error_response(status, detail=None, title=None, headers=None):
    return json_response(status, v2_error(status, ERROR_CODES.get(status, "ERROR"),
                                          title or status_phrase(status), detail), headers)


class ApiError(Exception):
    def __init__(self, status, detail=None, title=None):
        super().__init__(detail)
        self.response = error_response(status, detail, title)


# ---------------------------------------------------------------- request context

class Request:
    """The parts of an HTTP request a handler needs."""

    def __init__(self, method, target, headers, server_port, body=b""):
        self.method = method
        self.target = target
        split = urlsplit(target)
        self.path = unquote(split.path)
        self.raw_path = split.path
        self.pairs = parse_qsl(split.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        host = headers.get("Host") or "127.0.0.1:%d" % server_port
        self.host = host
        self.hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        self.port = server_port
        self.base = "http://%s/wiki" % host
        self.not_storage = False
        self.fields = []  # multipart/form-data: [(name, value)] of the text parts
        self.files = []  # multipart/form-data: multipart.FilePart of the file parts
        self.write = None  # the write log entry of a write request (Stats.begin_write)

    def json_or_none(self):
        """The body as JSON, or None (empty or not JSON: the handler says what is wrong)."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None

    def note(self, **kw):
        """Record what a write did in its write log entry."""
        if self.write is not None:
            self.write.update(kw)

    def arg(self, name, default=None):
        for k, v in self.pairs:
            if k == name:
                return v
        return default

    def multi(self, name):
        """A multi-valued parameter: ?id=1,2&id=3 -> ["1", "2", "3"]."""
        out = []
        for k, v in self.pairs:
            if k == name:
                out.extend(x for x in v.split(",") if x)
        return out

    def with_cursor(self, cursor):
        pairs = [(k, v) for k, v in self.pairs if k != "cursor"] + [("cursor", cursor)]
        return "%s?%s" % (self.raw_path, urlencode(pairs, safe=",-_"))


def parse_limit(req, default):
    raw = req.arg("limit")
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(400, title="Provided value {%s} for 'limit' is not the correct type. "
                                  "Expected type is int32" % raw)
    if limit < 1:
        raise ApiError(400, title="'limit' must be at least 1")
    return min(limit, MAX_LIMIT)


def encode_cursor(kind, offset):
    raw = json.dumps({"k": kind, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(req, kind):
    cursor = req.arg("cursor")
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if data["k"] != kind or int(data["o"]) < 0:
            raise ValueError
        return int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, title="Invalid cursor")


def page_of(req, kind, items, default_limit=25):
    """Slice items by limit/cursor; returns (batch, next_path or None)."""
    limit = parse_limit(req, default_limit)
    offset = decode_cursor(req, kind)
    end = offset + limit
    nxt = req.with_cursor(encode_cursor(kind, end)) if end < len(items) else None
    return items[offset:end], nxt


def list_response(req, results, nxt):
    links = {}
    headers = []
    if nxt:
        links["next"] = nxt
        headers.append(("Link", '<%s>; rel="next", <%s>; rel="base"' % (nxt, req.base)))
    links["base"] = req.base
    return json_response(200, {"results": results, "_links": links}, headers)


# ---------------------------------------------------------------- stats, log, faults

KINDS = ("user", "space", "pages_of_space", "pages_bulk", "page", "children", "attachments",
         "search", "download", "download_link", "media", "not_found", "method_not_allowed",
         "spaces", "blogposts", "blogpost", "container",
         # writes (write_cloud.py, write_v1.py, write_dc.py)
         "page_update", "page_create", "page_delete", "page_move", "folder_create",
         "folder_delete", "labels", "label_delete", "attachment_upload",
         "attachment_delete")
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")


class Stats:
    """Counters over API requests (control requests excluded); thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.in_flight = 0
        self.connections = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = 0
            self.by_kind = Counter({kind: 0 for kind in KINDS})
            self.by_status = Counter()
            self.peak_in_flight = self.in_flight
            self.attachment_bytes = 0
            self.credential_leaks = 0
            self.unauthorized = 0
            self.faults_injected = 0
            self.body_fetches = Counter()
            self.log = []
            self.writes = []  # the write log: see begin_write
            self.purges = 0
            self.clock = 0
            self.connections = 0

    def begin(self, method, target, kind):
        with self.lock:
            self.requests += 1
            self.by_kind[kind] += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self.clock += 1
            entry = {"seq": self.requests, "method": method, "path": target, "kind": kind,
                     "start": self.clock, "end": None, "status": None,
                     "t_start": round(time.monotonic(), 6), "t_end": None}
            if len(self.log) < MAX_LOG:
                self.log.append(entry)
            return entry

    def begin_write(self, entry, req, params):
        """A write log entry for an API request with a write method: what was asked
        (the JSON body, or the multipart fields and files), what the handler did
        (`applied`, the content id, the resulting version, ...: set by the handlers
        through req.write) and, once answered, the status."""
        w = {"seq": entry["seq"], "method": req.method, "path": req.target,
             "kind": entry["kind"], "id": params.get("page_id") or params.get("post_id") or
             params.get("cid") or params.get("att_id"), "status": None, "applied": False,
             "fault": None, "request": req.json_or_none(),
             "files": [f.describe() for f in req.files]}
        if req.fields:
            w["fields"] = dict(req.fields)
        with self.lock:
            if len(self.writes) < MAX_LOG:
                self.writes.append(w)
        return w

    def writes_copy(self):
        with self.lock:
            return [dict(w) for w in self.writes]

    def end(self, entry, status):
        with self.lock:
            self.in_flight -= 1
            self.clock += 1
            entry["end"] = self.clock
            entry["status"] = status
            entry["t_end"] = round(time.monotonic(), 6)
            self.by_status[str(status)] += 1

    def add(self, field, n=1):
        with self.lock:
            setattr(self, field, getattr(self, field) + n)

    def body_fetched(self, page_ids):
        with self.lock:
            self.body_fetches.update(page_ids)

    def snapshot(self, extra):
        with self.lock:
            d = {"requests": self.requests, "by_kind": dict(self.by_kind),
                 "by_status": dict(self.by_status), "in_flight": self.in_flight,
                 "peak_in_flight": self.peak_in_flight, "connections": self.connections,
                 "attachment_bytes": self.attachment_bytes,
                 "credential_leaks": self.credential_leaks, "unauthorized": self.unauthorized,
                 "faults_injected": self.faults_injected,
                 "body_fetches": dict(self.body_fetches),
                 "writes": len(self.writes), "purges": self.purges}
        d.update(extra)
        return d

    def log_copy(self):
        with self.lock:
            return [dict(e) for e in self.log]


FAULT_KINDS = ("status", "retry_after", "reset", "truncate", "stall", "malformed_json",
               "not_storage")


class RateLimitSignals:
    """Rate-limit headers on a share of API responses (--ratelimit-near,
    --ratelimit-remaining): deterministic, response n carries them when
    floor((n + 1) * share) > floor(n * share).  style "near": X-RateLimit-NearLimit:
    true; "remaining": X-RateLimit-Remaining at 10% of X-RateLimit-Limit.  Both name a
    RateLimit-Reason.  Responses without the signal carry a calm Remaining/Limit."""

    LIMIT = 1000

    def __init__(self, share, style):
        self.share = max(0.0, min(1.0, share))
        self.style = style
        self.n = 0
        self.lock = threading.Lock()

    def headers(self):
        with self.lock:
            n, self.n = self.n, self.n + 1
        if int((n + 1) * self.share) <= int(n * self.share):
            return [("X-RateLimit-Limit", str(self.LIMIT)),
                    ("X-RateLimit-Remaining", str(self.LIMIT * 9 // 10))]
        out = [("RateLimit-Reason", "confluence-quota-tenant-based"),
               ("X-RateLimit-Limit", str(self.LIMIT))]
        if self.style == "near":
            out += [("X-RateLimit-NearLimit", "true"),
                    ("X-RateLimit-Remaining", str(self.LIMIT // 2))]
        else:
            out.append(("X-RateLimit-Remaining", str(self.LIMIT // 10)))
        return out


class Fault:
    def __init__(self, spec):
        self.kind = spec.get("kind")
        if self.kind not in FAULT_KINDS:
            raise ValueError("kind must be one of %s" % ", ".join(FAULT_KINDS))
        self.match_text = spec.get("match", "")
        self.match = re.compile(self.match_text)
        default_status = 429 if self.kind == "retry_after" else 503
        self.status = int(spec.get("status", default_status))
        self.retry_after = spec.get("retry_after")
        if self.kind == "retry_after" and self.retry_after is None:
            self.retry_after = "1"
        self.count = int(spec.get("count", 1))  # < 0: every match until cleared
        self.stall_s = float(spec.get("stall_s", 5))
        self.after_bytes = spec.get("after_bytes")  # reset/truncate: body bytes sent first
        self.method = spec.get("method")  # only requests of this method (None: any)
        if self.method is not None and not isinstance(self.method, str):
            raise ValueError("method must be a string such as \"PUT\"")
        self.apply = bool(spec.get("apply", False))  # run the handler first (writes)
        if self.apply and self.kind not in ("status", "retry_after", "reset", "stall"):
            raise ValueError("apply goes with status, retry_after, reset or stall")

    def matches(self, target, method):
        if self.method is not None and self.method.upper() != method:
            return False
        return bool(self.match.search(target))

    def describe(self):
        return {"kind": self.kind, "match": self.match_text, "status": self.status,
                "retry_after": self.retry_after, "count": self.count, "stall_s": self.stall_s,
                "after_bytes": self.after_bytes, "method": self.method, "apply": self.apply}


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []
        self.stalling = set()  # an Event per stall in progress

    def stall(self, fault):
        """Sleep fault.stall_s seconds, or until release()."""
        ev = threading.Event()
        with self.lock:
            self.stalling.add(ev)
        ev.wait(fault.stall_s)
        with self.lock:
            self.stalling.discard(ev)

    def release(self):
        """End every stall in progress now; returns how many."""
        with self.lock:
            for ev in self.stalling:
                ev.set()
            return len(self.stalling)

    def add(self, spec):
        fault = Fault(spec)
        with self.lock:
            self.items.append(fault)
        return fault

    def clear(self):
        with self.lock:
            self.items = []

    def take(self, target, method="GET"):
        """The first armed fault matching target and method (consumed once), or None."""
        with self.lock:
            for fault in self.items:
                if fault.count != 0 and fault.matches(target, method):
                    if fault.count > 0:
                        fault.count -= 1
                    return fault
        return None

    def describe(self):
        with self.lock:
            return [f.describe() for f in self.items]


def parse_range(header, size):
    """(start, end_exclusive) for one 'bytes=' range; None: serve whole; 'bad': 416."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    spec = header[6:].strip()
    first, dash, last = spec.partition("-")
    if not dash:
        return None
    try:
        if first == "":
            n = int(last)
            if n <= 0:
                return "bad"
            return (max(0, size - n), size)
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start >= size or end <= start:
        return "bad"
    return (start, min(end, size))


def media_response(att, range_header):
    headers = [("Accept-Ranges", "bytes"), ("ETag", '"%s-%d"' % (att.file_id, att.version)),
               ("Content-Disposition", "attachment; filename*=UTF-8''%s" % quote(att.title)),
               ("Last-Modified", time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                               time.gmtime(att.version_ms // 1000)))]
    rng = parse_range(range_header, att.size)
    if rng == "bad":
        return Response(416, b"", headers + [("Content-Range", "bytes */%d" % att.size)],
                        content_type=None)
    status, (start, end) = (200, (0, att.size)) if rng is None else (206, rng)
    if status == 206:
        headers.append(("Content-Range", "bytes %d-%d/%d" % (start, end - 1, att.size)))
    resp = Response(status, headers=headers, content_type=att.media_type,
                    chunks=att.source.chunks(start, end), length=end - start)
    resp.is_media = True
    return resp
