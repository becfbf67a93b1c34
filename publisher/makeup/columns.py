"""Breaking an article's body into its text columns, in body lines.

The body is a run of lines (``units.Unit``s laid end to end); a text column holds the lines
between two break positions. Where a break may fall: between units (not after a subhead,
which keeps with what follows), and inside a paragraph or brief only after one of its
allowed cuts (two lines on each side, a safe pair of characters: ``units.cuts_for``); a
figure never breaks. ``shortest`` finds the least column height that holds a body in k
columns (greedy filling to the furthest allowed break is optimal for that); ``balance``
then spreads the lines so that the columns end as evenly as the breaks allow (the last
columns end at most a line short where the copy permits); ``fill`` takes as much as fits
in given columns (the first part of a continued article). Pure arithmetic.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .units import Unit


@dataclass(frozen=True)
class Run:
    """A body's lines and where they may break (positions in lines from the body's start)."""

    units: tuple[Unit, ...]
    starts: tuple[int, ...]  # where each unit starts
    total: int
    breaks: tuple[int, ...]  # allowed positions, sorted, 0 and total included

    @classmethod
    def of(cls, units: tuple[Unit, ...]) -> Run:
        starts, pos = [], 0
        breaks = {0}
        for i, u in enumerate(units):
            starts.append(pos)
            if i > 0 and not units[i - 1].keep_with_next:
                breaks.add(pos)
            breaks.update(pos + j for j in u.cuts)
            pos += u.lines
        breaks.add(pos)
        return cls(tuple(units), tuple(starts), pos, tuple(sorted(breaks)))

    def furthest(self, start: int, room: int) -> int | None:
        """The furthest allowed break after ``start`` within ``room`` lines (None: none)."""
        i = bisect_right(self.breaks, start + room) - 1
        q = self.breaks[i]
        return q if q > start else None


def columns_needed(run: Run, start: int, end: int, height: int, limit: int) -> int:
    """How many columns ``height`` lines tall the lines [start, end) take, greedily (stops
    counting past ``limit``; a block taller than a column gives limit + 1)."""
    n, p = 0, start
    while p < end:
        n += 1
        if n > limit:
            return n
        q = run.furthest(p, min(height, end - p))
        if q is None:
            return limit + 1
        p = q
    return n


def shortest(run: Run, k: int, start: int = 0, end: int | None = None) -> int:
    """The least column height in lines that holds lines [start, end) in ``k`` columns."""
    end = run.total if end is None else end
    if end <= start:
        return 0
    h = max(1, -(-(end - start) // k))
    while columns_needed(run, start, end, h, k) > k:
        h += 1
    return h


def balance(run: Run, heights: list[int], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Lines [start, end) in columns of the given heights: each column's (first, last) line,
    the shortest column as long as the breaks allow (the columns end evenly)."""
    end = run.total if end is None else end
    k = len(heights)
    points = [b for b in run.breaks if start <= b <= end]
    if end not in points:
        points.append(end)
    if start not in points:
        points.insert(0, start)
    n = len(points)  # sorted and distinct: points[0] is start, points[-1] is end
    # Column i can only start where the columns from it on can still hold the rest (at
    # least end less their heights) and where the columns before it can have reached (at
    # most start plus their heights). Every other start either cannot fit or is never
    # reached, so only those between are weighed: the same columns as weighing all of them,
    # in a few steps each rather than a column's height (balanced columns leave little slack).
    after = [0] * (k + 1)  # after[i]: lines columns i.. hold at most
    for i in range(k - 1, -1, -1):
        after[i] = after[i + 1] + heights[i]
    before = [0] * (k + 1)  # before[i]: lines columns ..i-1 hold at most
    for i in range(k):
        before[i + 1] = before[i] + heights[i]
    lows = [bisect_left(points, end - after[i]) for i in range(k + 1)]
    NEG = -1
    # best[i][j]: the best shortest-column fill of columns i.. with column i starting at points[j]
    best = [[NEG] * n for _ in range(k + 1)]
    step: list[list[int]] = [[-1] * n for _ in range(k)]
    best[k][n - 1] = 10 ** 9
    for i in range(k - 1, -1, -1):
        here, below, choices = best[i], best[i + 1], step[i]
        height, first_next = heights[i], lows[i + 1]
        for j in range(lows[i], bisect_right(points, start + before[i])):
            p = points[j]
            value, choice = NEG, -1
            # a column may stay empty only at the end (nothing left)
            if p == end:
                if below[j] != NEG:
                    value, choice = min(0, below[j]), j
                here[j], choices[j] = value, choice
                continue
            top = p + height
            jj = max(j + 1, first_next)
            while jj < n and points[jj] <= top:
                nxt = below[jj]
                if nxt != NEG:
                    v = min(points[jj] - p, nxt)
                    if v >= value:  # on a tie the later break: the columns fill in turn
                        value, choice = v, jj
                jj += 1
            here[j], choices[j] = value, choice
    if best[0][0] == NEG:
        raise ValueError("the body does not fit these columns")
    out, j = [], 0
    for i in range(k):
        nj = step[i][j]
        out.append((points[j], points[nj]))
        j = nj
    return out


def fill(run: Run, heights: list[int], start: int = 0) -> int:
    """How far lines from ``start`` go in columns of these heights, filled in turn: the
    position where the rest begins."""
    p = start
    for h in heights:
        if p >= run.total:
            break
        q = run.furthest(p, min(h, run.total - p))
        if q is None:
            break
        p = q
    return p
