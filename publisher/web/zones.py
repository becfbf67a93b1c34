"""Hot zones: where each article lies on its printed 版, drawn from the exact print layout.

The print build records where every line of a page was set (``engine.PageLayout``, pt from
the trim's top left: the same record the archive's ALTO is written from), and where each
photo was placed when the engine records pictures. An article's zone is the area its
lines and photos take on the page: the union of their boxes with the white that lies between
them — the gutters between its text columns, beside a centred headline, under a short last
column, around a photo — but never across another article's (or the page's own) text or
photo. An article set in a rectangle gets a rectangle; one that steps around another gets
the polygon it really has. Its bounding box is exactly the bounding box of its lines
and photos, the box of its ALTO blocks.

Zones are plain records in pt, with outlines as closed rectilinear polygons (clockwise,
y down): the page template draws them as SVG paths over the page image, whose view box is
the trim in pt, so they scale with the image. A pure function of the layout record, made
by the print worker that recorded it (web.images.derive) and kept as JSON (``zones_json``).
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..engine import PageLayout, TextLine

Rect = tuple[float, float, float, float]  # x1, y1, x2, y2 in pt
Point = tuple[float, float]

GRID = 100  # edges are rounded to 1/GRID pt: layout arithmetic leaves slivers otherwise
EPS = 0.01  # pt


@dataclass(frozen=True)
class Zone:
    """An article's area on one 版: ``outlines`` (pt, closed polygons; several when its parts
    lie apart) and their bounding box ``box`` (x, y, width, height in pt)."""

    slug: str
    outlines: tuple[tuple[Point, ...], ...]
    box: tuple[float, float, float, float]

    def path(self) -> str:
        """The outlines as SVG path data (even-odd: a hole stays a hole)."""
        parts = []
        for outline in self.outlines:
            (x0, y0), rest = outline[0], outline[1:]
            d = [f"M{x0:.2f} {y0:.2f}"]
            for x, y in rest:
                d.append(f"H{x:.2f}" if abs(y - y0) < EPS else f"V{y:.2f}")
                x0, y0 = x, y
            parts.append(" ".join(d) + "Z")
        return " ".join(parts)


def page_zones(layout: PageLayout) -> tuple[Zone, ...]:
    """One zone per article with text or a photo on the page, in the order the articles
    first appear in the layout (reading order)."""
    owned: dict[str | None, list[Rect]] = {}
    for line in layout.lines:
        rect = _on_page(_line_rect(line), layout)
        if rect:
            owned.setdefault(line.article, []).append(rect)
    for picture in getattr(layout, "pictures", ()):  # recorded by the engine since issue 23
        rect = _on_page((picture.x, picture.y, picture.x + picture.width,
                         picture.y + picture.height), layout)
        if rect:
            owned.setdefault(picture.article, []).append(rect)
    zones = []
    for article, rects in owned.items():
        if not article or not article.startswith("a-"):
            continue  # page furniture: the page head, the editors' line
        others = [r for other, rs in owned.items() if other != article for r in rs]
        zones.append(_zone(article[2:], rects, others))
    return tuple(zones)


def zones_json(zones: Sequence[Zone]) -> bytes:
    """The zones as JSON (floats written as Python reads them back: the same zones)."""
    return json.dumps([[z.slug, z.outlines, z.box] for z in zones]).encode()


def zones_from_json(data: bytes) -> tuple[Zone, ...]:
    return tuple(Zone(slug, tuple(tuple((x, y) for x, y in o) for o in outlines),
                      (box[0], box[1], box[2], box[3]))
                 for slug, outlines, box in json.loads(data))


def _line_rect(line: TextLine) -> Rect:
    """A line's box grown to every run and glyph set on it (a glyph may overhang its box:
    its font's ascent above a tight line box), as the archive's ALTO grows its TextLines."""
    x1, y1, x2, y2 = line.x, line.y, line.x + line.width, line.y + line.height
    for run in line.runs:
        x1, y1 = min(x1, run.x), min(y1, run.y)
        x2, y2 = max(x2, run.x + run.width), max(y2, run.y + run.height)
        for g in run.glyphs:
            if not g.text.isspace():
                x1, x2 = min(x1, g.x), max(x2, g.x + g.width)
                if g.height:
                    y1, y2 = min(y1, g.y), max(y2, g.y + g.height)
    return x1, y1, x2, y2


def _on_page(rect: Rect, layout: PageLayout) -> Rect | None:
    """The rect cut to the trim; None for what lies outside it (the slug in the marks)."""
    x1, y1 = max(rect[0], 0.0), max(rect[1], 0.0)
    x2, y2 = min(rect[2], layout.width), min(rect[3], layout.height)
    return (x1, y1, x2, y2) if x2 - x1 > EPS and y2 - y1 > EPS else None


def _snap(v: float) -> float:
    return round(v * GRID) / GRID


def _zone(slug: str, rects: Sequence[Rect], others: Sequence[Rect]) -> Zone:
    """The article's area on the grid of its own boxes' edges: every cell its boxes cover,
    and every white cell lying between them — one that reaches the article going left or
    right and going up or down (a corner beside a centred headline, under a short last
    column) or on both sides of one axis (a gutter, around a photo) without crossing a cell
    another article or the page's furniture reaches into."""
    rects = [(_snap(r[0]), _snap(r[1]), _snap(r[2]), _snap(r[3])) for r in rects]
    xs = sorted({v for r in rects for v in (r[0], r[2])})
    ys = sorted({v for r in rects for v in (r[1], r[3])})
    cols, rows = len(xs) - 1, len(ys) - 1
    OWN, FREE, BLOCKED = 1, 0, -1
    cell = [[FREE] * rows for _ in range(cols)]
    for r in rects:  # its edges are grid lines: the cells between them
        for i in range(bisect_left(xs, r[0]), bisect_left(xs, r[2])):
            for j in range(bisect_left(ys, r[1]), bisect_left(ys, r[3])):
                cell[i][j] = OWN
    for r in others:  # every cell it reaches into, however little
        i1, i2 = bisect_right(xs, r[0] + EPS) - 1, bisect_left(xs, r[2] - EPS)
        j1, j2 = bisect_right(ys, r[1] + EPS) - 1, bisect_left(ys, r[3] - EPS)
        for i in range(max(i1, 0), min(i2, cols)):
            for j in range(max(j1, 0), min(j2, rows)):
                if cell[i][j] == FREE:
                    cell[i][j] = BLOCKED

    def reach(order):
        """For each cell along each line of ``order``: whether the article is met before a
        blocked cell, coming from the line's start."""
        met = {}
        for line in order:
            seen = False
            for i, j in line:
                met[i, j] = seen
                if cell[i][j] != FREE:
                    seen = cell[i][j] == OWN
        return met

    rows_lr = [[(i, j) for i in range(cols)] for j in range(rows)]
    cols_ud = [[(i, j) for j in range(rows)] for i in range(cols)]
    while True:  # a white cell taken in makes its neighbours' way to the article shorter
        left, right = reach(rows_lr), reach([line[::-1] for line in rows_lr])
        up, down = reach(cols_ud), reach([line[::-1] for line in cols_ud])
        taken = [(i, j) for i in range(cols) for j in range(rows) if cell[i][j] == FREE and (
            ((left[i, j] or right[i, j]) and (up[i, j] or down[i, j]))
            or (left[i, j] and right[i, j]) or (up[i, j] and down[i, j]))]
        if not taken:
            break
        for i, j in taken:
            cell[i][j] = OWN
    filled = [[cell[i][j] == OWN for j in range(rows)] for i in range(cols)]
    outlines = tuple(_outlines(filled, xs, ys))
    return Zone(slug, outlines, (xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0]))


def _outlines(filled, xs: list[float], ys: list[float]) -> Iterable[tuple[Point, ...]]:
    """The boundary of the filled cells as closed polygons: every cell side facing an empty
    cell, directed clockwise (y down), chained end to start, collinear points dropped."""
    cols, rows = len(xs) - 1, len(ys) - 1

    def on(i: int, j: int) -> bool:
        return 0 <= i < cols and 0 <= j < rows and filled[i][j]

    edges: dict[Point, list[Point]] = {}
    for i in range(cols):
        for j in range(rows):
            if not filled[i][j]:
                continue
            x1, x2, y1, y2 = xs[i], xs[i + 1], ys[j], ys[j + 1]
            for neighbour, start, end in (((i, j - 1), (x1, y1), (x2, y1)),   # top, to the right
                                          ((i + 1, j), (x2, y1), (x2, y2)),   # right, down
                                          ((i, j + 1), (x2, y2), (x1, y2)),   # bottom, to the left
                                          ((i - 1, j), (x1, y2), (x1, y1))):  # left, up
                if not on(*neighbour):
                    edges.setdefault(start, []).append(end)
    while edges:
        start = min(edges)  # the top-left corner first: stable output
        loop = [start]
        point = start
        while True:
            ends = edges[point]
            nxt = ends.pop(0)
            if not ends:
                del edges[point]
            if nxt == start:
                break
            loop.append(nxt)
            point = nxt
        yield _simplify(loop)


def _simplify(loop: list[Point]) -> tuple[Point, ...]:
    """Drop the points in the middle of a straight side."""
    out = []
    n = len(loop)
    for k, (x, y) in enumerate(loop):
        (px, py), (nx, ny) = loop[k - 1], loop[(k + 1) % n]
        if (px == x == nx) or (py == y == ny):
            continue
        out.append((x, y))
    return tuple(out)
