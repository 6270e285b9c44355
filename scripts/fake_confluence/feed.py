"""The change-feed side of CQL: `lastmodified >= "yyyy-MM-dd HH:mm"` (also `yyyy/MM/dd HH:mm`,
`yyyy-MM-dd`, `yyyy/MM/dd`, and `>`), and `lastmodified >= now("-4w2d")` (units y M w d h m).
The fake reads absolute dates as UTC; real Confluence reads them in the searching user's
time zone (which is why confluencefs sends the `now()` form).  Used by both flavors'
`content/search`; the v2 `sort=modified-date` listings are in model.py (PAGE_SORTS)."""

import calendar
import re
import time

LASTMOD = re.compile(r'\blastmodified\s*(>=|>)\s*(now\(\s*(?:"([^"]*)")?\s*\)|"([^"]*)")',
                     re.I)
NOW_PART = re.compile(r'([+-]?)(\d+)([yMwdhm])')
UNIT_MS = {"m": 60000, "h": 3600000, "d": 86400000, "w": 7 * 86400000, "M": 30 * 86400000,
           "y": 365 * 86400000}
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


def parse_now(inc, now_ms):
    """now("-4w2d") -> milliseconds; ValueError when it does not parse."""
    inc = inc.strip()
    if not inc:
        return now_ms
    sign, pos, total = 1, 0, 0
    for m in NOW_PART.finditer(inc):
        if m.start() != pos:
            raise ValueError("bad now() increment %r" % inc)
        if m.group(1):
            sign = -1 if m.group(1) == "-" else 1
        total += sign * int(m.group(2)) * UNIT_MS[m.group(3)]
        pos = m.end()
    if pos != len(inc):
        raise ValueError("bad now() increment %r" % inc)
    return now_ms + total


def parse_date(text):
    for fmt in DATE_FORMATS:
        try:
            return calendar.timegm(time.strptime(text.strip(), fmt)) * 1000
        except ValueError:
            continue
    raise ValueError("bad date %r" % text)


def cql_since(cql, now_ms=None):
    """(since_ms, strict) of the query's lastmodified clause, or None without one; content
    modified at or after since_ms matches (strict: after).  ValueError if it does not
    parse."""
    m = LASTMOD.search(cql)
    if not m:
        return None
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    since = parse_date(m.group(4)) if m.group(4) is not None else \
        parse_now(m.group(3) or "", now_ms)
    return since, m.group(1) == ">"


def modified_since(item, since):
    """Does item (a page, blog post, container or attachment) match the clause?"""
    if since is None:
        return True
    when, strict = since
    ms = item.version_ms or getattr(item, "created_ms", 0)
    return ms > when if strict else ms >= when
