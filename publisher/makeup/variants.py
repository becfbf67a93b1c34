"""What an article may look like on a 版: its variants, each measured, in whole body lines.

An ``Item`` is what a 版 must place: an article, or the rest of one continued from an
earlier 版 (上接), with what its page layout pins (grid column, width, text columns) and
whether it may jump (下转). A ``Variant`` is one way to set it: its width in grid columns,
its text columns (one per grid column unless the layout pins 破栏), its headline tier; its
head and body heights in lines follow from the measurements (``measure``) and the column
breaking (``columns``). Which widths and tiers are tried, and what each costs in the
solver's eyes (a headline in three lines, a column of two lines or of ninety), is here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from ..model import Article, ArticleKind, Placement
from .columns import Run, balance, fill, shortest
from .geometry import Grid
from .measure import BodyRequest, HeadRequest, Measures

# Headline tiers per kind, largest first (print.css: tier-1 30 pt … tier-4 16 pt).
TIERS = {ArticleKind.FEATURE: (1, 2), ArticleKind.NEWS: (2, 3), ArticleKind.BRIEFS: (3,),
         ArticleKind.PHOTO: (3,)}
# The width each kind is usually given (the old fixed widths): the solver pays a little for
# every column away from it.
PREFERRED = {ArticleKind.FEATURE: 5, ArticleKind.NEWS: 3, ArticleKind.PHOTO: 3, ArticleKind.BRIEFS: 2}
LATER = -1  # jump_to: a later 版 with room, chosen when the page is made up (plan.py)
MIN_SPAN = 2  # grid columns
MIN_COLUMN = 4  # lines: a text column shorter than this is not a variant (unless all the copy)
# A part before a jump is at most this wide (unless pinned): a stub of a few lines across
# the page costs a wide head for little copy, and is not how jumps look.
MAX_CUT_SPAN = 5
MIN_PART = 4  # lines per column of a part before a jump, and lines left for its rest
MAX_TITLE_LINES = 2
UNEVEN = 60  # the cost of each line a text column ends short beyond the first (balance)
SHORT_COLUMN = 6  # lines: text columns shorter than this cost a little for each line less


@dataclass(frozen=True)
class Item:
    article: Article
    pin: Placement | None = None  # what the page layout gives for it
    jump_to: int | None = None  # may continue on this page (下转)
    continued_from: int | None = None  # this is the rest of it, from that page (上接)
    start: int = 0  # body line where this part starts (in the text-column width's run)
    order: int = 0  # its place in the page's order of importance
    jump_cost: int = 0  # what jumping it costs beyond any jump (the house's order: plan.py)

    @property
    def slug(self) -> str:
        return self.article.slug

    @property
    def kind(self) -> ArticleKind:
        return self.article.kind

    @property
    def has_head(self) -> bool:
        a = self.article
        return bool(self.continued_from or a.kicker or a.headline or a.subtitle
                    or (a.byline and not a.dateline))

    @property
    def photo(self) -> bool:
        """A photo box for the no-photo-beside-a-photo rule."""
        return self.kind is ArticleKind.PHOTO and not self.continued_from


@dataclass(frozen=True)
class Variant:
    span: int
    text_columns: int
    tier: int  # 0: the continued head
    head: int  # lines of the head zone, unstretched
    head_height: float  # mm, as measured
    body: int  # lines: the body's balanced column height
    text_width: float  # mm
    cost: int  # the solver's style cost
    cut: tuple[int, int] | None = None  # a first part before a jump: body heights allowed
    short: int = 0  # lines the shortest text column ends above the others, balanced

    @property
    def height(self) -> int:
        return self.head + self.body


def spans(item: Item, grid: Grid) -> list[int]:
    if item.pin and item.pin.columns:
        return [min(item.pin.columns, grid.columns)]
    return list(range(min(MIN_SPAN, grid.columns), grid.columns + 1))


def text_columns(item: Item, span: int) -> int:
    if item.pin and item.pin.text_columns:
        return max(1, min(item.pin.text_columns, span))
    return 1 if item.kind is ArticleKind.PHOTO else span


def tiers(item: Item) -> tuple[int, ...]:
    return (0,) if item.continued_from else TIERS[item.kind]


def requests(item: Item, grid: Grid) -> tuple[list[HeadRequest], list[BodyRequest]]:
    """The measurements the item's variants need."""
    heads, bodies = [], []
    g = grid.geometry
    for span in spans(item, grid):
        if item.has_head:
            for tier in tiers(item):
                heads.append(HeadRequest(item.article, g.span_width(span), tier, tier == 0))
        bodies.append(BodyRequest(item.article, grid.text_width(span, text_columns(item, span))))
    return heads, bodies


def variants(item: Item, grid: Grid, measures: Measures, *, cut: bool = False) -> list[Variant]:
    """Every variant of ``item`` that could stand on the page, cheapest first; with ``cut``,
    also first parts (a jump, or the lines over when the copy does not fit)."""
    out: list[Variant] = []
    g = grid.geometry
    line = grid.line
    pinned = bool(item.pin and item.pin.columns)
    for span in spans(item, grid):
        k = text_columns(item, span)
        width = grid.text_width(span, k)
        run = Run.of(measures.body(item.article, width))
        if item.start >= run.total or any(u.wide for u in run.units):
            continue  # nothing left, or a table wider than these text columns
        body = shortest(run, k, item.start)
        short = uneven(run.units, k, item.start, body)
        for tier in (tiers(item) if item.has_head else (0,)):
            if item.has_head:
                head = measures.head(item.article, g.span_width(span), tier, tier == 0)
                head_lines = max(1, math.ceil(head.height / line - 0.02))
                titles, head_height = head.title_lines, head.height
            else:
                head_lines, titles, head_height = 0, 0, 0.0
            cost = _cost(item, span, tier, titles, body, run.total - item.start, grid)
            if cost is None:
                continue
            cost += UNEVEN * max(0, short - 1)
            if body + head_lines <= grid.lines:
                out.append(Variant(span, k, tier, head_lines, head_height, body, width, cost,
                                   short=short))
            if cut and (span <= MAX_CUT_SPAN or pinned or item.continued_from):
                lo, hi = _cut_range(run, item.start, k, body, grid.lines - head_lines)
                if lo <= hi:
                    out.append(Variant(span, k, tier, head_lines, head_height, body, width,
                                       cost, (lo, hi)))
    out.sort(key=lambda v: (v.cost, v.span, v.tier, v.cut is not None))
    return out


@lru_cache(maxsize=4096)
def uneven(units, k: int, start: int, body: int) -> int:
    """How many lines the shortest of ``k`` balanced text columns ``body`` lines tall ends
    above the tallest (0 or 1: even; more where the breaks allow no better)."""
    run = Run.of(units)
    cols = balance(run, [body] * k, start)
    sizes = [b - a for a, b in cols]
    return max(sizes) - min(sizes)


def too_wide(item: Item, grid: Grid, measures: Measures) -> list[tuple[int, float, float]]:
    """Tables of ``item`` wider than the text columns of its widest variant: (which table,
    1-based; its width; the column's width), in mm."""
    span = max(spans(item, grid))
    width = grid.text_width(span, text_columns(item, span))
    tables = [u for u in measures.body(item.article, width) if u.kind == "table"]
    return [(n, u.wide, round(width, 1)) for n, u in enumerate(tables, 1) if u.wide]


def _cut_range(run: Run, start: int, k: int, body: int, room: int) -> tuple[int, int]:
    """Body heights a first part may take: at least MIN_PART lines a column, less than the
    whole, with MIN_PART lines left over for the rest (the last column also holds 下转)."""
    lo, hi = MIN_PART, min(body - 1, room)
    while hi >= lo and run.total - fill(run, [hi] * (k - 1) + [hi - 1], start) < MIN_PART:
        hi -= 1
    while lo <= hi and fill(run, [lo] * (k - 1) + [lo - 1], start) <= start:
        lo += 1
    return lo, hi


def _cost(item: Item, span: int, tier: int, titles: int, body: int, total: int,
          grid: Grid) -> int | None:
    """The style cost of a variant, or None when it is not one to offer."""
    pinned = bool(item.pin and item.pin.columns)
    if not pinned:
        if titles > MAX_TITLE_LINES and span < grid.columns:
            return None
        if body < min(MIN_COLUMN, total) and span > MIN_SPAN:
            return None
    cost = 2 * abs(span - PREFERRED[item.kind]) if not item.continued_from else 0
    if titles > 1:
        cost += 3 * (titles - 1)
    tiers_ = TIERS[item.kind]
    if tier and len(tiers_) > 1:
        # the page's first articles get the larger tier, the others the smaller
        wants = tiers_[0] if item.order < 2 else tiers_[-1]
        cost += 2 * abs(tier - wants)
    if body > 0.6 * grid.lines and span < grid.columns:
        cost += 2  # a very tall narrow column
    if span > MIN_SPAN and body < SHORT_COLUMN:
        cost += 3 * (SHORT_COLUMN - body)  # a wide article of a few lines
    return cost
