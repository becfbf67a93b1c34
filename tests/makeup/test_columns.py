"""The make-up's arithmetic: where a paragraph may be cut, cutting its text, and breaking a
body into text columns (shortest height, balanced columns, the part before a jump)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings, strategies as st

from publisher.makeup.columns import Run, balance, columns_needed, fill, shortest
from publisher.makeup.units import Segment, Unit, cut_segments, cuts_for, printed_ends, safe_cut


def para(lines: int, cuts=None) -> Unit:
    cuts = tuple(range(2, lines - 1)) if cuts is None else tuple(cuts)
    return Unit("p", lines, lines * 4.586, cuts=cuts, ends=tuple(range(14, 14 * lines + 1, 14)))


def block(lines: int, keep=False) -> Unit:
    return Unit("subhead" if keep else "figure", lines, lines * 4.5, keep_with_next=keep)


def test_safe_cuts_are_between_han_or_after_a_closing_mark():
    assert safe_cut("国", "家")
    assert safe_cut("，", "家")  # a closing mark ends the line, Han starts the next
    assert not safe_cut("。", "“")  # a mark pair the typeset pass squeezes across the cut
    assert not safe_cut("国", "（")  # an opening mark would start a paragraph: halted
    assert not safe_cut("n", "国") and not safe_cut("国", "5")  # a CJK–Latin gap
    texts = ("一二三四", "五六七八", "九十，", "（甲乙", "丙丁", "戊己")
    # orphans and widows: never after the first line or before the last
    # not after line 1 (orphans) nor 5 (widows); not after line 3: the next starts with （
    assert cuts_for(texts) == (2, 4)


def test_cut_segments_counts_printed_characters_and_keeps_styles():
    segs = (Segment("本报讯 ", "dateline"), Segment("一二三四五"), Segment("六七", "strong"))
    assert printed_ends(("本报讯一二", "三四五六七")) == (5, 10)
    first = cut_segments(segs, 0, 5)
    rest = cut_segments(segs, 5, None)
    assert "".join(s.text for s in first).replace(" ", "") == "本报讯一二"
    assert [s.style for s in first] == ["dateline", "plain"]
    assert "".join(s.text for s in rest) == "三四五六七"
    assert [s.style for s in rest] == ["plain", "strong"]


def test_shortest_height_and_balanced_columns():
    run = Run.of((para(10), para(7), para(5)))  # 22 lines
    assert run.total == 22
    h = shortest(run, 3)
    assert h == 8  # ceil(22 / 3)
    cols = balance(run, [h] * 3)
    sizes = [b - a for a, b in cols]
    assert sum(sizes) == 22 and max(sizes) == 8 and min(sizes) >= 7  # 8, 7, 7: even to a line
    assert cols[0][0] == 0 and cols[-1][1] == 22


def test_a_figure_is_never_cut_and_a_subhead_keeps_with_its_paragraph():
    run = Run.of((para(6), block(4, keep=True), para(6)))
    assert 10 not in run.breaks  # not between the subhead and its paragraph
    assert 11 not in run.breaks  # nor after the paragraph's first line (orphans)
    fig = Run.of((para(3, ()), block(9), para(3, ())))
    assert columns_needed(fig, 0, fig.total, 8, 3) > 3  # a 9-line figure fits no 8-line column
    assert shortest(fig, 3) == 9


def test_fill_takes_what_fits_and_leaves_the_rest():
    run = Run.of((para(10), para(10)))
    p = fill(run, [6, 5])  # a first part of two columns, the last one line short (下转)
    # 6 lines, then 4: the second paragraph's first line alone would be an orphan
    assert p == 10
    rest = Run.of(run.units)
    assert shortest(rest, 2, p) == 5


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 8])
def test_balance_always_covers_the_body_in_order(k):
    units = tuple(para(n) for n in (3, 9, 14, 2, 5, 11, 4, 7, 6))
    run = Run.of(units)
    h = shortest(run, k)
    cols = balance(run, [h] * k)
    assert cols[0][0] == 0 and cols[-1][1] == run.total
    for (_, b), (c, _) in pairwise(cols):
        assert b == c and b in run.breaks
    assert all(b - a <= h for a, b in cols)


def _balance_weighing_every_start(run: Run, heights: list[int], start: int = 0) -> list[tuple[int, int]]:
    """``balance`` as it was first written: every column weighed at every break (slow, plain)."""
    end = run.total
    k = len(heights)
    points = [b for b in run.breaks if start <= b <= end]
    if start not in points:
        points.insert(0, start)
    NEG = -1
    best = [[NEG] * len(points) for _ in range(k + 1)]
    step = [[-1] * len(points) for _ in range(k)]
    best[k][len(points) - 1] = 10 ** 9
    for i in range(k - 1, -1, -1):
        for j, p in enumerate(points):
            value, choice = NEG, -1
            if p == end:
                if best[i + 1][j] != NEG:
                    value, choice = min(0, best[i + 1][j]), j
            else:
                for jj in range(j + 1, len(points)):
                    if points[jj] > p + heights[i]:
                        break
                    if best[i + 1][jj] != NEG:
                        v = min(points[jj] - p, best[i + 1][jj])
                        if v > value or (v == value and jj > choice):
                            value, choice = v, jj
            best[i][j], step[i][j] = value, choice
    if best[0][0] == NEG:
        raise ValueError("the body does not fit these columns")
    out, j = [], 0
    for i in range(k):
        out.append((points[j], points[step[i][j]]))
        j = step[i][j]
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.sampled_from(["p", "figure", "subhead", "tight"])),
                min_size=1, max_size=12),
       st.integers(1, 8), st.integers(0, 3), st.integers(0, 40), st.booleans())
def test_balance_weighs_only_the_starts_that_can_matter(blocks, k, slack, start, last_short):
    """Skipping the column starts that cannot fit or are never reached gives the very columns
    that weighing every start gives (the print's plans depend on it, byte for byte)."""
    units = tuple(para(n) if kind == "p" else para(n, ()) if kind == "tight"
                  else block(n, keep=kind == "subhead") for n, kind in blocks)
    run = Run.of(units)
    start = min(run.breaks, key=lambda b: abs(b - start))
    if start >= run.total:
        return
    h = shortest(run, k, start) + slack
    heights = [h] * k if not last_short or k == 1 else [h] * (k - 1) + [h - 1]
    try:
        want = _balance_weighing_every_start(run, heights, start)
    except ValueError:
        with pytest.raises(ValueError):
            balance(run, heights, start)
        return
    assert balance(run, heights, start) == want


def _cut_segments_char_by_char(segments, start, end):
    """``cut_segments`` as it was first written: every character of every segment weighed."""
    out: list[Segment] = []
    seen = 0
    for seg in segments:
        chars = []
        for c in seg.text:
            counted = not c.isspace()
            inside = seen >= start and (end is None or seen < end)
            if counted:
                if inside:
                    chars.append(c)
                seen += 1
            elif inside and (chars or out) and (end is None or seen < end):
                chars.append(c)
        if chars:
            out.append(Segment("".join(chars), seg.style))
    return tuple(out)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="国家一 \u3000\tA，", max_size=12),
                          st.sampled_from(["plain", "strong", "dateline"])), max_size=6),
       st.integers(0, 40), st.one_of(st.none(), st.integers(0, 40)))
def test_cut_segments_skips_whole_segments_as_it_would_have_cut_them(segs, start, end):
    """Taking or skipping whole segments at once cuts the text as going character by
    character does (spaces at the cut's edges included)."""
    segments = tuple(Segment(t, style) for t, style in segs)
    assert cut_segments(segments, start, end) == _cut_segments_char_by_char(segments, start, end)
