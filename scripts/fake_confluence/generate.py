"""Building spaces: the deterministic `Generator` (--pages, --add-space), the real storage
samples it draws bodies from, and `load_fixture` (a fixture directory's space.json, such as
the bundled demo space tests/fixtures/demo)."""

import json
import os
import random
import re
from xml.sax.saxutils import quoteattr

from .model import (AUTHORS, Attachment, DEFAULT_ACCOUNT, FileSource, Page, Space, StreamSource,
                    parse_time)


MARKER_PREFIX = "cfsword-"  # every body carries <p>Page marker cfsword-<id> cfscommon</p>
COMMON_WORD = "cfscommon"


# ---------------------------------------------------------------- storage samples

def load_storage_samples(directory):
    """The real storage-format samples, minus their leading provenance comment."""
    samples = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".storage.xhtml"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                samples.append(strip_provenance(f.read()))
    if not samples:
        raise ValueError("no *.storage.xhtml files in %s" % directory)
    return samples


def strip_provenance(text):
    return re.sub(r"\A\s*<!--\s*source:.*?-->\s*", "", text, count=1, flags=re.S).strip()


def marker_paragraph(page_id):
    return "<p>Page marker %s%s %s</p>" % (MARKER_PREFIX, page_id, COMMON_WORD)


MISSING_SPACE = "NOSUCH"  # a space key that no site has: added spaces link to it


def cross_space_links(key, title):
    """The paragraph on the root pages of --add-space spaces: a link to (key, title),
    the main space's homepage, and one to a space that does not exist."""
    return ('<p>Cross-space links: <ac:link><ri:page ri:space-key=%s ri:content-title=%s/>'
            '</ac:link> and <ac:link><ri:page ri:space-key="%s" ri:content-title="Elsewhere"/>'
            '</ac:link></p>' % (quoteattr(key), quoteattr(title), MISSING_SPACE))


# ---------------------------------------------------------------- generated space

AREAS = ["Payments", "Search", "Identity", "Billing", "Platform", "Mobile", "Data", "Security",
         "Onboarding", "Infrastructure", "Growth", "Support", "Analytics", "Frontend",
         "Backend", "Networking", "Storage", "Release", "Compliance", "Observability"]
DOCS = ["runbook", "design notes", "architecture overview", "FAQ", "retrospective",
        "meeting notes", "roadmap", "postmortem", "how-to", "API reference", "checklist",
        "decision log", "glossary", "test plan", "requirements", "on-call guide"]
ATT_KINDS = [("diagram", "png", "image/png"), ("report", "pdf", "application/pdf"),
             ("export", "csv", "text/csv"), ("bundle", "zip", "application/zip"),
             ("photo", "jpg", "image/jpeg"), ("notes", "txt", "text/plain")]
GEN_START_MS = parse_time("2021-03-01T09:00:00Z")
GEN_END_MS = parse_time("2025-06-30T18:00:00Z")


def long_title(i):
    """A title of exactly 300 UTF-8 bytes with multi-byte characters around byte 255."""
    text = "Long title %d about the quarterly planning process " % i
    filler = "日本語テキスト and more words "
    while len(text.encode()) < 300:
        text += filler
    raw = text.encode()[:300]
    text = raw.decode("utf-8", "ignore")
    return text + "x" * (300 - len(text.encode()))


class Generator:
    """A deterministic space from (pages, fanout, seed, ...): same args, same space."""

    def __init__(self, args, samples, key=None, pages=None, attachments=None, id_floor=None,
                 cross=None, space_id_taken=lambda space_id: False):
        """The main space from args; with key, a space added by --add-space: seed
        "<seed>:<key>", ids from id_floor up, and root pages linking to cross, a
        (space key, title) pair."""
        self.n = args.pages if pages is None else pages
        self.fanout = args.fanout
        self.roots = max(1, min(args.roots, self.n))
        self.seed = args.seed if key is None else "%s:%s" % (args.seed, key)
        self.body_bytes = args.body_bytes
        self.n_att = args.attachments if attachments is None else attachments
        self.att_size = args.attachment_size
        self.n_blog = getattr(args, "blogposts", 0) or 0
        self.samples = samples
        rng = random.Random("%s:space" % self.seed)
        self.space_id = str(rng.randrange(10**5, 10**6))
        self.page_base = rng.randrange(10**6, 2 * 10**6)
        if id_floor is not None:
            self.page_base = id_floor
        while space_id_taken(self.space_id):
            self.space_id = str(int(self.space_id) + 1)
        self.blog_base = self.page_base + 3 * self.n + 2 * self.n_att + 20
        self.cross = cross
        self.titles = []
        self.next_suffix = {}  # title -> the next " (n)" to try (all smaller n are taken)
        self.att_titles = {}  # page index -> [(title, media type)] as generated

    def page_id(self, i):
        return str(self.page_base + 3 * i)

    def index_of(self, page_id):
        return (int(page_id) - self.page_base) // 3

    def parent_index(self, i):
        return None if i < self.roots else (i - self.roots) // self.fanout

    def build(self, key):
        space = Space(self.space_id, key, "Generated space %s" % key, GEN_START_MS - 86400000,
                      description="%d generated pages, seed %s" % (self.n, self.seed))
        used = set()
        for i in range(self.n):
            title = self.title(i, used)
            used.add(title)
            self.titles.append(title)
            space.add_page(self.page(i, title))
        self.assign_positions(space)
        space.link_children()
        self.add_attachments(space)
        for k in range(self.n_blog):
            space.add_blogpost(self.blogpost(k))
        space.body_source = self.body
        return space

    def blogpost(self, k):
        """Blog post k: "Weekly update <k+1>" (k % 10 == 4: with " / retro").  Posts 2m and
        2m+1 share a month; month m is 2022-01 plus (13 * m) % 40 months (2022-01..2025-04),
        so consecutive pairs are in different years."""
        rng = random.Random("%s:blog:%d" % (self.seed, k))
        months = (k // 2) * 13 % 40
        day = 3 + 10 * (k % 2) + rng.randrange(5)
        created = parse_time("%04d-%02d-%02dT%02d:%02d:%02dZ" % (
            2022 + months // 12, 1 + months % 12, day, 8 + rng.randrange(9), rng.randrange(60),
            rng.randrange(60)))
        if rng.random() >= 0.2:
            created += rng.randrange(1000)  # else a whole-second time, as real data has
        version = 1 + min(9, int(rng.expovariate(0.5)))
        modified = created if version == 1 else created + int(rng.random() * (GEN_END_MS - created))
        title = "Weekly update %d" % (k + 1) + (" / retro" if k % 10 == 4 else "")
        post = Page(str(self.blog_base + 3 * k), title, None, None, rng.choice(AUTHORS), created,
                    version, modified, kind="blogpost")
        if version > 1:
            post.version_author = rng.choice(AUTHORS)
            post.version_message = rng.choice(["", "Typo fixes", "Added the numbers"])
        return post

    def title(self, i, used):
        if i == 0:
            return "Home"
        rng = random.Random("%s:title:%d" % (self.seed, i))
        special = i % 100
        suffix = "" if i < 100 else " %d" % i
        if special == 2 and self.parent_index(i) == self.parent_index(i - 1) and i > 1:
            return self.titles[i - 1]  # deliberate sibling collision
        if special == 3:
            return "CI/CD pipeline" + suffix
        if special == 4:
            return "Überblick — 日本語" + suffix
        if special == 5:
            return long_title(i)
        if i == 6:
            return ".."
        if i == 7:
            return "_attachments"
        title = "%s %s" % (rng.choice(AREAS), rng.choice(DOCS))
        if title not in used:
            return title
        # The lowest free " (n)": resume where the last search for this title stopped
        # (used only grows), so a 100,000-page space is not quadratic.
        n = self.next_suffix.get(title, 2)
        candidate = "%s (%d)" % (title, n)
        while candidate in used:
            n += 1
            candidate = "%s (%d)" % (title, n)
        self.next_suffix[title] = n + 1
        return candidate

    def page(self, i, title):
        rng = random.Random("%s:page:%d" % (self.seed, i))
        span = GEN_END_MS - GEN_START_MS
        created = GEN_START_MS + (span // 2) * i // max(1, self.n) + rng.randrange(3600000)
        if rng.random() < 0.2:
            created -= created % 1000  # some whole-second times, as real data has
        version = 1 + min(59, int(rng.expovariate(0.25)))
        modified = created if version == 1 else created + int(rng.random() * (GEN_END_MS - created))
        parent = self.parent_index(i)
        page = Page(self.page_id(i), title, None if parent is None else self.page_id(parent),
                    0, rng.choice(AUTHORS), created, version, modified)
        if version > 1:
            page.version_author = rng.choice(AUTHORS)
            page.version_message = rng.choice(["", "", "Typo fixes", "Updated after review"])
            page.minor_edit = rng.random() < 0.2
        return page

    def assign_positions(self, space):
        """Children are mostly in creation order, with some swapped (real spaces get reordered)."""
        groups = {}
        for i in range(self.n):
            groups.setdefault(self.parent_index(i), []).append(i)
        for parent, members in groups.items():
            rng = random.Random("%s:pos:%s" % (self.seed, parent))
            order = list(members)
            for k in range(len(order) - 1):
                if rng.random() < 0.15:
                    order[k], order[k + 1] = order[k + 1], order[k]
            for rank, i in enumerate(order):
                space.pages[self.page_id(i)].position = rank * 100 + rng.randrange(100)

    def add_attachments(self, space):
        base = self.page_base + 3 * self.n + 10
        for j in range(self.n_att):
            rng = random.Random("%s:att:%d" % (self.seed, j))
            i = rng.randrange(self.n)
            stem, ext, mtype = ATT_KINDS[j % len(ATT_KINDS)]
            if j % 10 == 1:
                title = "%s %d (final) v2.%s" % (stem.capitalize(), j, ext)
            elif j % 10 == 2:
                title = "Übersicht 図 %d.%s" % (j, ext)
            else:
                title = "%s-%d.%s" % (stem, j, ext)
            att_id = "att%d" % (base + 2 * j)
            page = space.pages[self.page_id(i)]
            created = page.created_ms + rng.randrange(86400000)
            space.add_attachment(Attachment(att_id, page.id, title, mtype, self.att_size,
                                            StreamSource(self.seed, att_id), created,
                                            author_id=page.author_id,
                                            comment="Uploaded by the generator"))
            self.att_titles.setdefault(i, []).append((title, mtype))

    def body(self, page):
        """Generated storage body; depends only on the generation-time data."""
        if page.kind == "blogpost":
            rng = random.Random("%s:blogbody:%s" % (self.seed, page.id))
            return self.fill([marker_paragraph(page.id)], rng)
        i = self.index_of(page.id)
        rng = random.Random("%s:body:%s" % (self.seed, page.id))
        parts = [marker_paragraph(page.id)]
        if self.cross and i < self.roots:
            parts.append(cross_space_links(*self.cross))
        parent = self.parent_index(i)
        if parent is not None:
            parts.append('<p>Parent page: <ac:link><ri:page ri:content-title=%s/></ac:link></p>'
                         % quoteattr(self.titles[parent]))
        for title, mtype in self.att_titles.get(i, []):
            ref = '<ri:attachment ri:filename=%s/>' % quoteattr(title)
            if mtype.startswith("image/"):
                parts.append("<p><ac:image>%s</ac:image></p>" % ref)
            else:
                parts.append("<p>Attached: <ac:link>%s</ac:link></p>" % ref)
        return self.fill(parts, rng)

    def fill(self, parts, rng):
        """parts plus storage samples while they fit in --body-bytes, joined."""
        size = sum(len(p.encode()) for p in parts)
        misses = 0
        while misses < 4:
            sample = rng.choice(self.samples)
            if size + len(sample.encode()) > self.body_bytes:
                misses += 1
                continue
            parts.append(sample)
            size += len(sample.encode()) + 1
        return "\n".join(parts)


# ---------------------------------------------------------------- fixture space

def load_fixture(directory, key_override=None):
    """Read DIR/space.json (format: docs/fake-confluence.md)."""
    with open(os.path.join(directory, "space.json"), encoding="utf-8") as f:
        spec = json.load(f)
    s = spec["space"]
    space = Space(s["id"], key_override or s["key"], s["name"], parse_time(s["createdAt"]),
                  s.get("authorId", DEFAULT_ACCOUNT), s.get("description"), s.get("homepageId"))
    space.users = {str(k): str(v) for k, v in spec.get("users", {}).items()}
    markers = spec.get("markers", False)
    entries = [("page", p) for p in spec["pages"]] + \
        [("blogpost", b) for b in spec.get("blogposts", [])]
    for kind, p in entries:
        body = read_body(directory, p)
        if markers:
            body = marker_paragraph(p["id"]) + "\n" + body
        created = parse_time(p["createdAt"])
        v = p.get("version", {})
        page = Page(p["id"], p["title"], p.get("parentId"), p.get("position"),
                    p.get("authorId", DEFAULT_ACCOUNT), created, v.get("number", 1),
                    parse_time(v["createdAt"]) if "createdAt" in v else created, body, kind)
        page.version_author = v.get("authorId", page.author_id)
        page.version_message = v.get("message", "")
        page.minor_edit = v.get("minorEdit", False)
        page.labels = p.get("labels")
        if kind == "blogpost":
            space.add_blogpost(page)
        else:
            space.add_page(page)
    space.link_children()
    for kind, p in entries:
        for a in p.get("attachments", []):
            path = os.path.join(directory, a["file"])
            created = parse_time(a["createdAt"])
            v = a.get("version", {})
            space.add_attachment(Attachment(
                a["id"], str(p["id"]), a["title"], a.get("mediaType", "application/octet-stream"),
                os.path.getsize(path), FileSource(path), created, v.get("number", 1),
                parse_time(v["createdAt"]) if "createdAt" in v else created,
                a.get("comment", ""), a.get("authorId", DEFAULT_ACCOUNT), a.get("fileId")))
    space.body_source = lambda page: ""
    return space


def read_body(directory, p):
    if "bodyFile" in p:
        with open(os.path.join(directory, p["bodyFile"]), encoding="utf-8") as f:
            return strip_provenance(f.read())
    return p.get("body", "")
