"""The CP-SAT model on small made-up pages: it fills every column, keeps the first article
top left, never sets two heads or two photos side by side, keeps pins and the jump limit,
and gives the same answer every time."""

from __future__ import annotations

from publisher.makeup.solver import solve
from publisher.makeup.variants import Item, Variant
from publisher.model import Article, ArticleKind, Placement

COLUMNS, LINES = 4, 30


def article(slug: str, kind=ArticleKind.NEWS, headline: str | None = "标题") -> Article:
    return Article(slug, kind, headline)


def variant(span: int, head: int, body: int, cost: int = 0, cut=None) -> Variant:
    return Variant(span, span, 3, head, head * 4.0, body, 40.0, cost, cut)


def fills(solution, columns=COLUMNS, lines=LINES) -> list[int]:
    """Lines used in each column (boxes plus their gap line)."""
    used = [0] * columns
    for c in solution.choices:
        h = c.variant.head + c.stretch + c.body + 1
        for x in range(c.x, c.x + c.variant.span):
            used[x] += h
    return used


def test_every_column_is_filled_and_the_first_article_is_top_left():
    items = [Item(article("a"), order=0), Item(article("p", ArticleKind.PHOTO, None), order=1),
             Item(article("b"), order=2), Item(article("c"), order=3)]
    options = [[variant(2, 3, 12), variant(4, 3, 5)],  # 16 lines with its gap, or 9
               [variant(2, 0, 10), variant(4, 0, 5)],
               [variant(2, 2, 12), variant(4, 2, 4)],
               [variant(2, 2, 17)]]
    sol = solve(items, options, COLUMNS, LINES)
    assert sol is not None
    assert all(u == LINES + 1 for u in fills(sol)), fills(sol)
    first = sol.choices[0]
    assert (first.x, first.y) == (0, 0)
    again = solve(items, options, COLUMNS, LINES)
    assert [(c.x, c.y, c.variant, c.stretch) for c in again.choices] == \
        [(c.x, c.y, c.variant, c.stretch) for c in sol.choices]


def tombstones(sol) -> int:
    heads = [c for c in sol.choices if c.item.has_head]
    n = 0
    for i, a in enumerate(heads):
        for b in heads[i + 1:]:
            side = a.x + a.variant.span == b.x or b.x + b.variant.span == a.x
            ha, hb = a.variant.head + a.stretch, b.variant.head + b.stretch
            n += side and a.y < b.y + hb and b.y < a.y + ha
    return n


def test_no_tombstone_and_no_photo_beside_a_photo():
    # the photo goes top right, beside the first article's head, the second article under it
    items = [Item(article("a"), order=0), Item(article("p", ArticleKind.PHOTO, None), order=1),
             Item(article("b"), order=2)]
    options = [[variant(2, 3, 27)], [variant(2, 0, 18)], [variant(2, 3, 8)]]
    sol = solve(items, options, COLUMNS, LINES)
    assert sol is not None and tombstones(sol) == 0
    assert sol.choices[1].y == 0 and sol.choices[2].y == 19
    # two heads that can only stand side by side: no plan under the rules, a costly one without
    items = [Item(article("a"), order=0), Item(article("b"), order=1)]
    options = [[variant(2, 3, 27)], [variant(2, 3, 27)]]
    assert solve(items, options, COLUMNS, LINES) is None
    relaxed = solve(items, options, COLUMNS, LINES, strict=False)
    assert relaxed is not None and tombstones(relaxed) == 1
    # two photos stack rather than stand side by side
    items = [Item(article("a"), order=0), Item(article("p", ArticleKind.PHOTO, None), order=1),
             Item(article("q", ArticleKind.PHOTO, None), order=2)]
    options = [[variant(2, 3, 27)], [variant(2, 0, 14)], [variant(2, 0, 15)]]
    sol = solve(items, options, COLUMNS, LINES)
    _, p, q = sol.choices
    assert p.x == q.x == 2 and q.y == p.y + 15


def test_pins_and_the_jump_limit():
    pin = Placement("b", columns=2, column=3)
    items = [Item(article("a"), order=0), Item(article("b", ArticleKind.PHOTO, None), pin, order=1),
             Item(article("c"), jump_to=2, order=2)]
    options = [[variant(2, 3, 20)], [variant(2, 0, 29)],
               [variant(2, 2, 40), variant(2, 2, 40, cut=(4, 39))]]
    assert solve(items, options, COLUMNS, LINES, max_jumps=0) is None  # c cannot jump
    sol = solve(items, options, COLUMNS, LINES, max_jumps=1)
    assert sol is not None
    _, b, c = sol.choices
    assert b.x == 2 and b.variant.span == 2  # pinned to column 3
    assert c.variant.cut and c.x == 0 and c.body == 4  # cut to fill under a


def test_a_layout_may_pin_a_single_column():
    pin = Placement("b", columns=1, column=4)
    items = [Item(article("a"), order=0), Item(article("b", ArticleKind.PHOTO, None), pin, order=1)]
    options = [[variant(3, 3, 27)], [variant(1, 0, 30)]]
    sol = solve(items, options, COLUMNS, LINES)
    assert sol is not None and (sol.choices[1].x, sol.choices[1].variant.span) == (3, 1)


def test_the_house_order_decides_which_article_jumps():
    """Three articles that may all jump, one jump needed: the one whose jump costs least
    (plan.Jumps gives the page's least important the least cost, or the leads with
    jump_first = "leads"), and what it carries on is as little as the page allows."""
    from types import SimpleNamespace
    from typing import Any

    from publisher.makeup.plan import Jumps
    from publisher.makeup.variants import LATER

    ns: Any = SimpleNamespace  # stand-ins for the edition, its pages and the house
    pages = [ns(number=n, name=name) for n, name in ((1, "要闻"), (2, "要闻"), (3, "综合"))]
    for first, jumper in (("least", "c"), ("leads", "a")):
        settings = ns(makeup=ns(jumps="later", jump_first=first))
        jumps = Jumps(ns(pages=pages), settings, {}, {}, ns(), None)
        items = [jumps.allow(Item(article(s), order=i), pages[0], 3) for i, s in enumerate("abc")]
        assert all(it.jump_to == LATER for it in items)
        options = [[variant(4, 2, 8), variant(4, 2, 8, cut=(4, 7))] for _ in items]
        sol = solve(items, options, COLUMNS, LINES, max_jumps=2)
        assert sol is not None
        cut = [c for c in sol.choices if c.body < c.variant.body]
        assert [c.item.slug for c in cut] == [jumper], first
        assert fills(sol) == [LINES + 1] * COLUMNS  # filled: it keeps all the page has room for
    # the last 版 has no later one: nothing may jump from it; a photo never jumps
    assert jumps.allow(Item(article("z"), order=0), pages[2], 1).jump_to is None
    photo = Item(article("p", ArticleKind.PHOTO, None), order=1)
    assert jumps.allow(photo, pages[0], 2).jump_to is None


_SOLVE_THEN_CTRL_C = r"""
import os, signal, sys, time
sys.path.insert(0, {root!r})
from tests.makeup.test_solver import COLUMNS, LINES, article, variant
from publisher.makeup.solver import solve
from publisher.makeup.variants import Item
assert solve([Item(article("a"), order=0)], [[variant(4, 3, 26)]], COLUMNS, LINES) is not None
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
except KeyboardInterrupt:  # what the CLI turns into "interrupted; nothing was written.", exit 130
    sys.exit(7)
"""


def test_ctrl_c_after_a_solve_is_still_python_s():
    """CP-SAT, left to catch Ctrl-C during a solve, leaves SIGINT to the system's default
    after it: a Ctrl-C during the print renders killed the build outright (exit -2, no
    message, its render workers left running). Run in a process of its own, which a
    regression would kill."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _SOLVE_THEN_CTRL_C.format(root=str(root))],
                          capture_output=True, text=True, timeout=120, cwd=root)
    assert done.returncode == 7, (done.returncode, done.stderr[-800:])
