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
_OWN, _FREE, _BLOCKED = 1, 0, -1  # a cell of ``_zone``'s grid


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
        # as min() and max() (a later value taken when strictly beyond), without their
        # calls: thousands of glyphs a page
        for g in run.glyphs:
            if g.text.isspace():
                continue
            if (v := g.x) < x1:
                x1 = v
            if (v := g.x + g.width) > x2:
                x2 = v
            if g.height:
                if (v := g.y) < y1:
                    y1 = v
                if (v := g.y + g.height) > y2:
                    y2 = v
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
    OWN, FREE, BLOCKED = _OWN, _FREE, _BLOCKED
    cell = [[FREE] * rows for _ in range(cols)]
    for r in rects:  # its edges are grid lines: the cells between them
        for i in range(bisect_left(xs, r[0]), bisect_left(xs, r[2])):
            for j in range(bisect_left(ys, r[1]), bisect_left(ys, r[3])):
                cell[i][j] = OWN
    for r in others:  # every cell it reaches into, however little
        if r[2] - EPS <= xs[0] or r[0] + EPS >= xs[-1] or r[3] - EPS <= ys[0] or r[1] + EPS >= ys[-1]:
            continue  # wholly beside the grid: no cell (the ranges below would be empty)
        i1, i2 = bisect_right(xs, r[0] + EPS) - 1, bisect_left(xs, r[2] - EPS)
        j1, j2 = bisect_right(ys, r[1] + EPS) - 1, bisect_left(ys, r[3] - EPS)
        for i in range(max(i1, 0), min(i2, cols)):
            for j in range(max(j1, 0), min(j2, rows)):
                if cell[i][j] == FREE:
                    cell[i][j] = BLOCKED

    # A white cell's way to the article along a line of cells (a row or a column) is the
    # nearest cell not white before it and after it: ``_ways`` gives each white cell of a
    # line 1 when that before it is the article's, 2 when that after it is, 3 both.
    while True:  # a white cell taken in makes its neighbours' way to the article shorter
        across = [_ways(row) for row in zip(*cell, strict=True)]  # [j][i]: left 1, right 2
        along = [_ways(column) for column in cell]  # [i][j]: up 1, down 2
        taken = [(i, j) for i, column in enumerate(cell) for j, state in enumerate(column)
                 if state == FREE and ((h := across[j][i]) == 3 or (v := along[i][j]) == 3
                                       or (h and v))]
        if not taken:
            break
        for i, j in taken:
            cell[i][j] = OWN
    filled = [[cell[i][j] == OWN for j in range(rows)] for i in range(cols)]
    outlines = tuple(_outlines(filled, xs, ys))
    return Zone(slug, outlines, (xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0]))


def _ways(line: Sequence[int]) -> list[int]:
    """For each cell of a line of ``_zone``'s cells: 1 when the nearest cell before it that is
    not white (``_FREE``) is the article's (``_OWN``), plus 2 when the nearest after it is;
    0 for the cells that are not white."""
    ways = [0] * len(line)
    before, start = 0, 0
    for k, state in enumerate(line):
        if state != _FREE:
            own = state == _OWN
            if start < k:
                ways[start:k] = [before | (2 if own else 0)] * (k - start)
            before, start = (1 if own else 0), k + 1
    if start < len(line):
        ways[start:] = [before] * (len(line) - start)
    return ways


def _outlines(filled, xs: list[float], ys: list[float]) -> Iterable[tuple[Point, ...]]:
    """The boundary of the filled cells as closed polygons: every cell side facing an empty
    cell, directed clockwise (y down), chained end to start, collinear points dropped."""
    cols, rows = len(xs) - 1, len(ys) - 1
    # each column with an empty cell above its first and below its last, and an empty
    # column on either side: a cell's four neighbours are looked up without bounds checks
    empty = [False] * (rows + 2)
    grid = [empty, *([False, *column, False] for column in filled), empty]
    edges: dict[Point, list[Point]] = {}
    for i in range(cols):
        column, left, right = grid[i + 1], grid[i], grid[i + 2]
        x1, x2 = xs[i], xs[i + 1]
        for j in range(rows):
            if not column[j + 1]:
                continue
            y1, y2 = ys[j], ys[j + 1]
            if not column[j]:  # top, to the right
                edges.setdefault((x1, y1), []).append((x2, y1))
            if not right[j + 1]:  # right, down
                edges.setdefault((x2, y1), []).append((x2, y2))
            if not column[j + 2]:  # bottom, to the left
                edges.setdefault((x2, y2), []).append((x1, y2))
            if not left[j + 1]:  # left, up
                edges.setdefault((x1, y2), []).append((x1, y1))
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
