"""Placing a 版's articles on the basic grid, and the overflow and jump-line rules.

Pure arithmetic on measurements (no WeasyPrint here): ``publisher.printing.measure``
sets each article in one text column of its final width and reports the height of every
body block and its line count; this module works out how tall the article's box must be
for its text columns (simulating CSS ``column-fill: auto``), places the boxes, and then:

- an article that runs past the type area's foot is cut and continued on the page its
  layout names (``continued_on``): 下转第X版 ends the first part, 上接第Y版 heads the rest;
- without such a page it is an error naming the article, the page and the lines over;
- columns left empty at the foot are reported as underfull warnings with their size.

Placement: articles go in page order; each takes ``columns`` grid columns (default by
kind) starting at ``column`` if the layout gives it, else where the columns it needs are
highest free (a skyline), leftmost on a tie. Positions are in mm from the trim's top left.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from ..errors import Problem, Severity
from ..model import Article, ArticleKind, Page, Placement
from .geometry import Box, Geometry

# Default widths in grid columns, by kind: a feature takes most of a broadsheet's width,
# news three columns, briefs a narrow two-column strip (简讯栏).
DEFAULT_SPAN = {ArticleKind.FEATURE: 5, ArticleKind.NEWS: 3, ArticleKind.PHOTO: 3,
                ArticleKind.BRIEFS: 2}
ARTICLE_GAP = 5.0  # mm between articles stacked in a column (a rule runs in it)
JUMP_LINE = 1  # lines the 下转第X版 note takes
CONTINUATION_HEAD = 12.0  # mm: the 上接第X版 head of a continued part (fixed in print.css: one headline line)
SLACK = 0.6  # mm added to each text column so rounding never pushes a line over
ORPHANS = WIDOWS = 2  # as base.css sets for paragraphs


@dataclass(frozen=True)
class Unit:
    """One body block as measured in a single text column: its height and its lines."""

    height: float  # mm, including the space to the next block
    lines: int  # 0: not splittable (figure, subhead)
    keep_with_next: bool = False  # a subhead: never last in a column (break-after: avoid)


@dataclass(frozen=True)
class Measure:
    """An article measured at one width: its head's height and its body's blocks."""

    head: float  # mm
    units: tuple[Unit, ...]
    # tables wider than the text column: (which table of the article, 1-based; its width
    # in mm; the column's width in mm). Never printed: reported (grid.plan_page).
    wide: tuple[tuple[int, float, float], ...] = ()


@dataclass(frozen=True)
class Item:
    """An article, or part of one, to place on a page."""

    article: Article
    span: int
    text_columns: int
    column: int | None = None  # 0-based fixed start
    continued_on: int | None = None  # 下转: the page the rest goes to
    continued_from: int | None = None  # 上接: the page this part comes from
    first_unit: int = 0  # which measured unit this part starts at
    count: int | None = None  # how many units this part holds; None: all the rest
    alternatives: tuple[int, ...] = ()  # other widths to try when placed automatically

    def with_span(self, span: int) -> Item:
        cols = 1 if self.article.kind is ArticleKind.PHOTO else span
        return dataclasses.replace(self, span=span, text_columns=cols, alternatives=())

    def variants(self) -> list[Item]:
        """This item, then the same at each alternative width."""
        return [self, *(self.with_span(s) for s in self.alternatives)]

    @property
    def shown(self) -> Article:
        """The article as this part prints it: its share of the body."""
        a = self.article
        end = None if self.count is None else self.first_unit + self.count
        body = a.body[self.first_unit:end]
        if self.continued_from:
            return dataclasses.replace(a, body=body, kicker=None, subtitle=None, byline=None,
                                       dateline=None)
        return dataclasses.replace(a, body=body)

    @property
    def key(self) -> tuple[str, int, int]:
        """What measure() must have measured for this item."""
        return self.article.slug, self.span, self.text_columns


@dataclass(frozen=True)
class Placed:
    item: Item
    box: Box  # the article's box
    head: float  # mm of head at the top of the box
    body: float  # mm: the height of its text columns
    jump: bool  # ends with 下转第X版


@dataclass(frozen=True)
class PagePlan:
    page: Page
    geometry: Geometry
    top: float  # mm: where the grid starts (below page head and masthead)
    placed: tuple[Placed, ...]


def items_for(page: Page, geometry: Geometry) -> list[Item]:
    """The page's articles as items, with their layout (or the defaults)."""
    layout: dict[str, Placement] = {p.slug: p for p in page.placements}
    items = []
    for article in page.articles:
        lay = layout.get(article.slug, Placement(article.slug))
        span = min(lay.columns or DEFAULT_SPAN[article.kind], geometry.columns)
        text_columns = lay.text_columns or (1 if article.kind is ArticleKind.PHOTO else span)
        column = None if lay.column is None else min(lay.column - 1, geometry.columns - span)
        alternatives: tuple[int, ...] = ()
        if article.slug not in layout:  # placed automatically: wider, then narrower, if needed
            alternatives = tuple(s for s in (span + 1, span + 2, span - 1)
                                 if 1 <= s <= geometry.columns)
        items.append(Item(article, span, text_columns, column, lay.continued_on,
                          alternatives=alternatives))
    return items


def line_mm(line_height_pt: float) -> float:
    return line_height_pt * 25.4 / 72


def fill(units: tuple[Unit, ...], columns: int, height: float, line: float) -> int:
    """How many units fit whole into ``columns`` columns ``height`` mm tall (column-fill: auto).

    Paragraphs split between lines (keeping ORPHANS and WIDOWS); other blocks move whole to
    the next column. Returns the index of the first unit that does not fit completely.
    """
    column, used = 1, 0.0
    i = 0
    while i < len(units):
        u = units[i]
        room = height - used
        need = u.height
        if u.keep_with_next and i + 1 < len(units):  # it takes the next block's start along
            nxt = units[i + 1]
            need += min(nxt.height, ORPHANS * line) if nxt.lines else nxt.height
        if need > room + 1e-6 and u.height <= room + 1e-6 and used > 0.0 and need <= height:
            column += 1
            if column > columns:
                return i
            used = 0.0
            continue
        if u.height <= room + 1e-6:
            used += u.height
            i += 1
            continue
        if u.lines >= ORPHANS + WIDOWS:  # split it: some lines here, the rest next column
            here = min(int((room + 1e-6) // line), u.lines - WIDOWS)
            if here >= ORPHANS:
                rest = Unit(u.height - here * line, u.lines - here)
                column += 1
                if column > columns:
                    return i
                used = 0.0
                units = (*units[:i], rest, *units[i + 1:])
                continue
        if used == 0.0:  # taller than a whole column and unsplittable: it overflows
            return i
        column += 1
        if column > columns:
            return i
        used = 0.0
    return len(units)


def body_height(units: tuple[Unit, ...], columns: int, line: float) -> float:
    """The shortest column height (in steps of a quarter line) that holds every unit."""
    if not units:
        return 0.0
    total = sum(u.height for u in units)
    height = max(total / columns, max((u.height for u in units if not u.lines), default=0.0))
    step = line / 4
    height = math.ceil(height / step) * step
    while fill(units, columns, height, line) < len(units):
        height += step
    return height + SLACK


def plan_page(page: Page, geometry: Geometry, top: float, items: list[Item],
              measures: dict[tuple[str, int, int], Measure], line: float,
              problems: list[Problem], carried: list[tuple[int, Item]]) -> PagePlan:
    """Place ``items`` on ``page``; append (page, continuation) to ``carried``, findings to
    ``problems``."""
    area = geometry.type_area
    tops = [top] * geometry.columns  # the skyline: next free y in each grid column
    placed: list[Placed] = []
    for item in items:
        for variant in item.variants():
            start, y, head, body, units = _position(variant, tops, top, geometry, measures, line)
            if y + head + body <= area.bottom + 1e-6 and not measures[variant.key].wide:
                item = variant
                break
        else:  # no width fits: keep the first, and report it (or jump) below
            item = item.with_span(item.span) if item.alternatives else item
            start, y, head, body, units = _position(item, tops, top, geometry, measures, line)
        cols = range(start, start + item.span)
        for n, width, column in measures[item.key].wide:
            problems.append(_too_wide(item, page, n, width, column))
        if y + head + body > area.bottom + 1e-6:
            over = y + head + body - area.bottom
            if item.continued_on:
                room = area.bottom - y - head - JUMP_LINE * line - SLACK
                n = fill(units, item.text_columns, room, line) if room > 0 else 0
                if n == 0:
                    problems.append(_overflow(item, page, over, line,
                                              "not even its first block fits above the foot; "
                                              "move it higher or make it wider"))
                else:
                    carried.append((item.continued_on, dataclasses.replace(
                        item, column=None, continued_on=None, continued_from=page.number,
                        first_unit=item.first_unit + n)))
                    body = area.bottom - y - head  # the box runs to the foot; 下转 in its last line
                    box = Box(geometry.column_x(start), y, geometry.span_width(item.span), head + body)
                    placed.append(Placed(dataclasses.replace(item, count=n), box, head, body, True))
                    for c in cols:
                        tops[c] = area.bottom
                    continue
            else:
                problems.append(_overflow(item, page, over, line,
                                          "shorten it, widen it in the page's layout, or continue "
                                          "it on a later page with continued_on = N"))
        box = Box(geometry.column_x(start), y, geometry.span_width(item.span), head + body)
        placed.append(Placed(item, box, head, body, False))
        for c in cols:
            tops[c] = box.bottom
    _underfull(page, geometry, tops, line, problems)
    return PagePlan(page, geometry, top, tuple(placed))


def _position(item: Item, tops: list[float], top: float, geometry: Geometry,
              measures: dict[tuple[str, int, int], Measure], line: float):
    """Where ``item`` would go now: (first column, y, head, body height, its units)."""
    m = measures[item.key]
    units = m.units[item.first_unit:]
    head = CONTINUATION_HEAD if item.continued_from else m.head
    body = body_height(units, item.text_columns, line)
    if item.column is not None:
        start = item.column
    else:
        start = min(range(geometry.columns - item.span + 1),
                    key=lambda c: (max(tops[c:c + item.span]), c))
    y = max(tops[c] for c in range(start, start + item.span))
    y = y + ARTICLE_GAP if y > top + 1e-6 else y
    return start, y, head, body, units


def _overflow(item: Item, page: Page, over: float, line: float, hint: str) -> Problem:
    lines = math.ceil(over / line) * item.text_columns
    src = item.article.source
    return Problem(f"article {item.article.slug!r} ({item.article.title}) does not fit on page "
                   f"{page.number} ({page.display_label}): {lines} lines over "
                   f"({over:.0f} mm in each of its {item.text_columns} text columns)",
                   src.path if src else None, None, hint, Severity.ERROR, "overflow")


def _too_wide(item: Item, page: Page, n: int, width: float, column: float) -> Problem:
    src = item.article.source
    return Problem(f"table {n} of article {item.article.slug!r} ({item.article.title}) is "
                   f"{width:.0f} mm wide; its print column on page {page.number} is {column:.0f} mm",
                   src.path if src else None, None,
                   "set the article in fewer text columns or more grid columns in the page's "
                   "layout (text_columns = 1, columns = N), or split the table",
                   Severity.ERROR, "table-too-wide")


def _underfull(page: Page, geometry: Geometry, tops: list[float], line: float,
               problems: list[Problem]) -> None:
    bottom = geometry.type_area.bottom
    c = 0
    while c < len(tops):
        gap = bottom - tops[c]
        if gap < 2 * line:
            c += 1
            continue
        end = c
        while end + 1 < len(tops) and abs((bottom - tops[end + 1]) - gap) < line:
            end += 1
        cols = f"column {c + 1}" if end == c else f"columns {c + 1}–{end + 1}"
        problems.append(Problem(
            f"page {page.number} ({page.display_label}) is underfull: {cols} end {gap:.0f} mm "
            f"(about {int(gap // line)} lines) above the foot of the type area", None, None,
            "add copy or a photo, or widen the articles above", Severity.WARNING, "underfull"))
        c = end + 1
