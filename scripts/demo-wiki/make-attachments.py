#!/usr/bin/env python3
"""Draws attachments/architecture.png (boxes, arrows, labels in a 5x7 pixel font)
and writes attachments/platform-overview.pdf (two pages of text), standard
library only.  Run it again after changing either; the output is committed."""

import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

FONT = {  # 5x7, rows top to bottom, '#' on
    "A": ".###.#...##...#######...##...##...#", "B": "####.#...#####.#...##...##...#####.",
    "C": ".###.#...##....#....#....#...#.###.", "D": "####.#...##...##...##...##...#####.",
    "E": "######....####.#....#....#....#####", "F": "######....####.#....#....#....#....",
    "G": ".###.#...##....#.####...##...#.####", "H": "#...##...#######...##...##...##...#",
    "I": ".###...#....#....#....#....#...###.", "K": "#...##..#.###..#..#.#...##...##...#",
    "L": "#....#....#....#....#....#....#####", "M": "#...###.###.#.##...##...##...##...#",
    "N": "#...###..##.#.##..###...##...##...#", "O": ".###.#...##...##...##...##...#.###.",
    "P": "####.#...##...#####.#....#....#....", "R": "####.#...##...#####.#.#..#..#.#...#",
    "S": ".#####....#.....###.....#....#####.", "T": "#####..#....#....#....#....#....#..",
    "U": "#...##...##...##...##...##...#.###.", "V": "#...##...##...##...#.#.#..#.#...#..",
    "W": "#...##...##...##.#.##.#.###.###...#", "Y": "#...##...#.#.#...#....#....#....#..",
    "Q": ".###.#...##...##...##.#.##..#..##.#", "0": ".###.#..###.#.###..##...##...#.###.",
    "2": ".###.#...#....#...#...#...#....#####", "/": "....#....#...#...#...#....#........",
    "-": "...............###...............", " ": "." * 35,
}

W, H = 640, 360
BG, INK, BOX = (255, 255, 255), (23, 43, 77), (222, 235, 255)


def draw():
    px = [[BG] * W for _ in range(H)]

    def rect(x0, y0, x1, y1, c):
        for y in range(max(0, y0), min(H, y1)):
            for x in range(max(0, x0), min(W, x1)):
                px[y][x] = c

    def text(cx, cy, s, scale=2):
        w = len(s) * 6 * scale
        x = cx - w // 2
        for ch in s:
            g = FONT.get(ch, FONT[" "]).ljust(35, ".")
            for r in range(7):
                for c in range(5):
                    if g[r * 5 + c] == "#":
                        rect(x + c * scale, cy - 7 * scale // 2 + r * scale,
                             x + (c + 1) * scale, cy - 7 * scale // 2 + (r + 1) * scale, INK)
            x += 6 * scale

    def box(cx, cy, label, w=150, h=56):
        rect(cx - w // 2 - 2, cy - h // 2 - 2, cx + w // 2 + 2, cy + h // 2 + 2, INK)
        rect(cx - w // 2, cy - h // 2, cx + w // 2, cy + h // 2, BOX)
        text(cx, cy, label)

    def arrow(x0, y0, x1, y1):
        if x0 == x1:
            rect(x0 - 1, min(y0, y1), x0 + 2, max(y0, y1), INK)
            d = 1 if y1 > y0 else -1
            for i in range(8):
                rect(x1 - i, y1 - d * i - 1, x1 + i + 1, y1 - d * i + 1, INK)
        else:
            rect(min(x0, x1), y0 - 1, max(x0, x1), y0 + 2, INK)
            d = 1 if x1 > x0 else -1
            for i in range(8):
                rect(x1 - d * i - 1, y1 - i, x1 - d * i + 1, y1 + i + 1, INK)

    text(W // 2, 22, "PLATFORM OVERVIEW", 3)
    box(320, 80, "CLIENTS")
    box(320, 170, "API GATEWAY")
    box(120, 270, "ORDERS")
    box(320, 270, "SEARCH")
    box(520, 270, "KAFKA")
    arrow(320, 110, 320, 140)
    arrow(320, 200, 320, 240)
    rect(120, 218, 521, 221, INK)
    arrow(120, 220, 120, 240)
    arrow(520, 220, 520, 240)
    box(120, 335, "POSTGRES", 150, 36)
    arrow(120, 300, 120, 315)
    return px


def png(px):
    raw = b"".join(b"\0" + bytes(v for p in row for v in p) for row in px)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


PDF_PAGES = [
    ["Platform overview", "", "Acme Platform Engineering, May 2025", "",
     "Clients reach every service through the API gateway.",
     "Orders keeps its state in PostgreSQL (see ADR-001).",
     "Services publish domain events to Kafka (see ADR-002).",
     "Search consumes order events and serves the catalogue index."],
    ["Service level objectives", "",
     "API gateway: 99.95% of requests succeed, p99 latency under 300 ms.",
     "Orders: 99.9% of writes succeed within 500 ms.",
     "Search: index lag under 60 seconds for 99% of events.", "",
     "The on-call engineer is paged when an objective burns its",
     "monthly error budget ten times faster than planned."],
]


def pdf():
    objs = []
    kids = []
    font_id = 3
    for n, lines in enumerate(PDF_PAGES):
        ops = ["BT", "/F1 20 Tf", "72 760 Td", "(%s) Tj" % lines[0], "/F1 12 Tf"]
        for line in lines[1:]:
            ops += ["0 -20 Td", "(%s) Tj" % line.replace("(", "\\(").replace(")", "\\)")]
        ops.append("ET")
        stream = "\n".join(ops).encode()
        content_id = 4 + 2 * n
        page_id = 5 + 2 * n
        kids.append(page_id)
        objs.append((content_id, b"<< /Length %d >>\nstream\n" % len(stream) + stream +
                     b"\nendstream"))
        objs.append((page_id, ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                               "/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                               % (font_id, content_id)).encode()))
    objs.append((1, b"<< /Type /Catalog /Pages 2 0 R >>"))
    objs.append((2, ("<< /Type /Pages /Kids [%s] /Count %d >>"
                     % (" ".join("%d 0 R" % k for k in kids), len(kids))).encode()))
    objs.append((font_id, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"))
    objs.sort()
    out = b"%PDF-1.4\n"
    offsets = {}
    for i, body in objs:
        offsets[i] = len(out)
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for i in range(1, len(objs) + 1):
        out += b"%010d 00000 n \n" % offsets[i]
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, xref))
    return out


if __name__ == "__main__":
    with open(os.path.join(HERE, "attachments", "architecture.png"), "wb") as f:
        f.write(png(draw()))
    with open(os.path.join(HERE, "attachments", "platform-overview.pdf"), "wb") as f:
        f.write(pdf())
