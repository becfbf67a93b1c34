"""The placement the make-up replaced, kept as the benchmark's baseline.

Until the make-up, a 版 without a layout was placed greedily: each article in page order at
a fixed width by kind (feature 5 grid columns, news 3, photos 3, briefs 2), tried one or two
columns wider, then one narrower, when too tall; each where the columns it needs are
highest free (a skyline), leftmost on a tie; what ran past the foot was an error. Here on
the same measurements and line grid as the solver, so ``benchmarks/makeup_bench.py``
compares like with like: white lines per column, tombstones, lines over.
"""

from __future__ import annotations

from dataclasses import dataclass

from .geometry import Box, Grid
from .measure import Measures
from .plan import PagePlan, Placed, tombstones
from .variants import PREFERRED, Item, variants


@dataclass(frozen=True)
class GreedyResult:
    plan: PagePlan
    over: int  # lines past the foot (the old build's error)


def place(items: list[Item], grid: Grid, measures: Measures, page) -> GreedyResult:
    tops = [0] * grid.columns
    placed: list[Placed] = []
    over = 0
    for item in items:
        options = variants(item, grid, measures)
        if not options:
            continue
        pref = item.pin.columns if item.pin and item.pin.columns else PREFERRED[item.kind]
        spans = [pref, pref + 1, pref + 2, pref - 1] if not (item.pin and item.pin.columns) else [pref]
        chosen = None
        for span in spans:
            vs = [v for v in options if v.span == span and not v.cut]
            if not vs:
                continue
            v = min(vs, key=lambda v: (v.tier != min(x.tier for x in vs), v.cost))
            start = _start(item, tops, span, grid)
            y = max(tops[start:start + span])
            if chosen is None:
                chosen = (v, start, y)
            if y + v.height <= grid.lines:
                chosen = (v, start, y)
                break
        if chosen is None:
            continue
        v, start, y = chosen
        over += max(0, y + v.height - grid.lines) * v.text_columns
        g = grid.geometry
        box = Box(g.column_x(start), grid.y(y), g.span_width(v.span), v.height * grid.line)
        placed.append(Placed(item.article, start, v.span, y, v.height, v.head, v.head_height,
                             v.tier, v.text_columns, v.body, (), box))
        for c in range(start, start + v.span):
            tops[c] = y + v.height + 1
    white = tuple(max(0, grid.lines - min(t, grid.lines + 1) + 1) if t else grid.lines for t in tops)
    plan = PagePlan(page, grid, tuple(placed), white, 0, tombstones(placed), "greedy")
    return GreedyResult(plan, over)


def _start(item: Item, tops: list[int], span: int, grid: Grid) -> int:
    if item.pin and item.pin.column is not None:
        return min(item.pin.column - 1, grid.columns - span)
    return min(range(grid.columns - span + 1), key=lambda c: (max(tops[c:c + span]), c))
