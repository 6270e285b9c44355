"""Request bodies: `BodyReader` (Content-Length or chunked) and a streaming
multipart/form-data parser that writes file parts to temporary files as they arrive
(an attachment upload of 1 GiB never sits in memory), with their size and sha256."""

import hashlib
import os
import re
import tempfile
from urllib.parse import unquote


CHUNK = 65536
MAX_FIELD = 1 << 20  # a text part (comment, minorEdit, ...) larger than this is refused
MAX_HEADERS = 16384


class BodyError(Exception):
    """A malformed request body: the request is answered 400."""


class BodyReader:
    """read(n) over the request body: Content-Length bytes, or a chunked body."""

    def __init__(self, rfile, headers):
        self.rfile = rfile
        self.chunked = "chunked" in (headers.get("Transfer-Encoding") or "").lower()
        try:
            self.left = int(headers.get("Content-Length") or 0) if not self.chunked else 0
        except ValueError:
            raise BodyError("bad Content-Length")
        self.done = not self.chunked and self.left <= 0

    def read(self, n=CHUNK):
        """Up to n bytes; b"" at the end of the body."""
        if self.done:
            return b""
        if self.chunked and self.left == 0:
            line = self.rfile.readline(1024).strip()
            try:
                self.left = int(line.split(b";")[0], 16)
            except ValueError:
                raise BodyError("bad chunk size")
            if self.left == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                self.done = True
                return b""
        data = self.rfile.read(min(n, self.left))
        if not data:
            raise BodyError("the body ended early")
        self.left -= len(data)
        if self.left == 0:
            if self.chunked:
                self.rfile.readline(16)  # the CRLF after the chunk
            else:
                self.done = True
        return data

    def read_all(self, limit=None):
        out = []
        total = 0
        while True:
            data = self.read()
            if not data:
                return b"".join(out)
            total += len(data)
            if limit is not None and total > limit:
                raise BodyError("body too large")
            out.append(data)

    def drain(self):
        while self.read():
            pass


class FilePart:
    """A file part of a multipart body, on disk in path (the caller owns the file)."""

    def __init__(self, name, filename, content_type, path):
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.path = path
        self.size = 0
        self.sha256 = None
        self.kept = False  # set when an attachment took the file over

    def describe(self):
        return {"name": self.name, "filename": self.filename, "contentType": self.content_type,
                "size": self.size, "sha256": self.sha256}

    def discard(self):
        if not self.kept:
            try:
                os.unlink(self.path)
            except OSError:
                pass


DISPOSITION_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def parse_disposition(value):
    params = {}
    for key, raw in DISPOSITION_PARAM.findall(value):
        raw = raw.strip()
        if raw.startswith('"'):
            raw = re.sub(r'\\(.)', r'\1', raw[1:-1])
        params[key.lower()] = raw
    if "filename*" in params:  # RFC 5987: UTF-8''name
        enc, _, rest = params["filename*"].partition("'")
        _, _, quoted = rest.partition("'")
        try:
            params["filename"] = unquote(quoted, encoding=enc or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    return params


def boundary_of(content_type):
    m = re.search(r'boundary=("([^"]+)"|[^;\s]+)', content_type or "")
    if not m:
        raise BodyError("multipart/form-data without a boundary")
    return (m.group(2) or m.group(1)).encode("latin-1")


def parse_multipart(reader, content_type, tmpdir):
    """(fields, files) of a multipart/form-data body read from reader; file parts go to
    new files in tmpdir.  On an error every file written so far is removed."""
    boundary = boundary_of(content_type)
    delim = b"\r\n--" + boundary
    buf = b"\r\n"  # so that the first delimiter looks like the others
    fields, files = [], []

    def fill(need):
        nonlocal buf
        while len(buf) < need:
            data = reader.read()
            if not data:
                return False
            buf += data
        return True

    try:
        # the preamble, up to the first delimiter
        while True:
            i = buf.find(delim)
            if i >= 0:
                buf = buf[i + len(delim):]
                break
            buf = buf[-len(delim):]
            if not fill(len(buf) + 1):
                raise BodyError("no multipart boundary in the body")
        while True:
            if not fill(2):
                raise BodyError("the multipart body ended early")
            if buf.startswith(b"--"):
                reader.drain()
                return fields, files
            if not buf.startswith(b"\r\n"):
                raise BodyError("junk after a multipart boundary")
            buf = buf[2:]
            while buf.find(b"\r\n\r\n") < 0:
                if len(buf) > MAX_HEADERS or not fill(len(buf) + 1):
                    raise BodyError("bad part headers")
            head, buf = buf.split(b"\r\n\r\n", 1)
            headers = {}
            for line in head.decode("utf-8", "replace").split("\r\n"):
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            disp = parse_disposition(headers.get("content-disposition", ""))
            name = disp.get("name", "")
            if "filename" in disp:
                fd, path = tempfile.mkstemp(dir=tmpdir, prefix="upload-")
                part = FilePart(name, disp["filename"], headers.get("content-type"), path)
                files.append(part)
                sink, digest = os.fdopen(fd, "wb"), hashlib.sha256()
            else:
                part, sink, digest, value = None, None, None, []
            try:
                while True:
                    i = buf.find(delim)
                    if i >= 0:
                        piece, buf = buf[:i], buf[i + len(delim):]
                    else:  # keep a tail that could start a delimiter
                        keep = len(delim) - 1
                        piece, buf = buf[:max(0, len(buf) - keep)], buf[max(0, len(buf) - keep):]
                    if part is not None:
                        sink.write(piece)
                        digest.update(piece)
                        part.size += len(piece)
                    else:
                        value.append(piece)
                        if sum(len(v) for v in value) > MAX_FIELD:
                            raise BodyError("a form field is too large")
                    if i >= 0:
                        break
                    if not fill(len(buf) + 1):
                        raise BodyError("the multipart body ended inside a part")
            finally:
                if sink is not None:
                    sink.close()
            if part is not None:
                part.sha256 = digest.hexdigest()
            else:
                fields.append((name, b"".join(value).decode("utf-8", "replace")))
    except BaseException:
        for f in files:
            f.discard()
        raise
