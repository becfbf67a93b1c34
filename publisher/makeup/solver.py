"""Choosing each article's variant and place on a 版: a CP-SAT model (OR-Tools).

The only module that knows the solver library. The model, in grid columns and body lines
(docs/make-up.md has it in full), is the modular page of a daily:

- the page is a **top band** (articles across the whole width, one under another), then
  **stacks** side by side (a partition of the grid columns into slots at least two columns
  wide: 5+3, 3+3+2, 8…, chosen by the solver), then a **bottom band**; every article is
  in one band or one stack, as wide as it, and a stack holds its articles in page order;
- each article takes one variant (width = its band or stack, text columns, headline tier)
  and a head stretch ``s`` (0..``stretch`` lines of air around its headline); its height is
  head + s + body lines plus one gap line (the rule between stacked articles; the grid gets
  one line more, so the last gap falls past the foot);
- every stack is filled to the foot: its heights add up to the stack's room, less the white
  lines left at its foot (costly: a line more than one costs much more);
- hard rules: the page's first article top left; what a layout pins (column, width, text
  columns); no two heads side by side with overlapping heights (tombstones); no photo beside
  a photo; at most ``max_jumps`` first parts before a jump (下转);
- minimised: white lines, jumps, lines of stretch, the variants' style costs.

Because a stack is a sum, the model is a small linear one, solved to optimality or close in
a fraction of a second. Deterministic: several strategies interleaved in one thread, a
fixed seed and a deterministic time limit, so the same page gives the same plan on any
machine under any load.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from .variants import Item, Variant

W_WHITE = 1000  # a white line at a column's foot
W_WHITE_MORE = 10000  # each white line past the first in a column
W_OVER = 100000  # a line of copy that does not fit (diagnosis only)
W_JUMP = 3000
W_TOMB = 50000  # a tombstone or photo pair, when the rules are relaxed
W_STRETCH = 30
W_BAND = 40  # an article in a band rather than a stack (bands are for what needs the width)
WORKERS = 1  # one worker is deterministic by itself, and on these models the quickest
MIN_SLOT = 2  # grid columns


@dataclass(frozen=True)
class Choice:
    item: Item
    variant: Variant
    x: int
    y: int
    stretch: int
    body: int  # lines of body (less than the variant's for a cut part)


@dataclass(frozen=True)
class Solution:
    choices: tuple[Choice, ...]
    status: str  # "optimal" or "feasible"
    objective: float


TOP, BOTTOM = "top", "bottom"


def slots(columns: int, narrowest: int = MIN_SLOT) -> list[tuple[int, int]]:
    """Every stack slot: (first column, width), at least MIN_SLOT columns wide (or as narrow
    as a layout pins an article)."""
    least = max(1, min(MIN_SLOT, narrowest, columns))
    return [(a, w) for w in range(least, columns + 1) for a in range(columns - w + 1)]


def solve(items: list[Item], options: list[list[Variant]], columns: int, lines: int, *,
          stretch: int = 2, max_jumps: int = 1, strict: bool = True,
          work: float = 2.0) -> Solution | None:
    """Place ``items`` (``options[i]``: item i's variants) on a grid ``columns`` wide and
    ``lines`` tall; None when the rules leave no way (``strict=False``: tombstones and photo
    pairs are only costly, not forbidden). ``work``: the solver's deterministic time limit."""
    m = cp_model.CpModel()
    H = lines + 1  # one line more for the gap below the last article of a column
    n = len(items)
    places: list = [TOP, BOTTOM, *slots(columns, min(v.span for vs in options for v in vs))]
    wide = {TOP: (0, columns), BOTTOM: (0, columns)}

    def where(p):
        return wide.get(p, p)

    used = {p: m.NewBoolVar(f"u{p}") for p in places if p not in (TOP, BOTTOM)}
    for c in range(columns):  # the stacks partition the columns
        m.AddExactlyOne([u for (a, w), u in used.items() if a <= c < a + w])

    cost = []
    z: list[dict] = []  # z[i][(place, j)]: item i at place with its variant j
    assign: list[dict] = []  # assign[i][place]
    hs, heads, bodies, ss = [], [], [], []
    jumps = []
    for i, (item, vs) in enumerate(zip(items, options)):
        zi, ai = {}, {}
        for p in places:
            a, w = where(p)
            if item.pin and item.pin.column is not None and a != item.pin.column - 1:
                continue  # pinned to a column: a stack starting there (a band: column 1)
            lits = []
            for j, v in enumerate(vs):
                if v.span != w:
                    continue
                b = m.NewBoolVar(f"z{i}_{p}_{j}")
                zi[(p, j)] = b
                lits.append(b)
                if p not in (TOP, BOTTOM):
                    m.AddImplication(b, used[p])
                if v.cost:
                    cost.append(v.cost * b)
                if p in (TOP, BOTTOM):
                    cost.append(W_BAND * b)
            if lits:
                ap = m.NewBoolVar(f"a{i}_{p}")
                m.AddMaxEquality(ap, lits)
                ai[p] = ap
        if not zi:
            return None
        m.AddExactlyOne(zi.values())
        s = m.NewIntVar(0, stretch if item.has_head else 0, f"s{i}")
        body = m.NewIntVar(0, H, f"b{i}")
        head = m.NewIntVar(0, H, f"hd{i}")
        for (p, j), b in zi.items():
            v = vs[j]
            if v.cut:
                m.Add(body >= v.cut[0]).OnlyEnforceIf(b)
                m.Add(body <= v.cut[1]).OnlyEnforceIf(b)
            else:
                m.Add(body == v.body).OnlyEnforceIf(b)
        m.Add(head == sum(vs[j].head * b for (p, j), b in zi.items()) + s)
        h = m.NewIntVar(1, H, f"h{i}")
        m.Add(h == head + body + 1)
        cut = [b for (p, j), b in zi.items() if vs[j].cut]
        if cut:
            jumped = m.NewBoolVar(f"j{i}")
            m.AddMaxEquality(jumped, cut)
            jumps.append((item, jumped))
        z.append(zi), assign.append(ai), hs.append(h), heads.append(head), bodies.append(body), ss.append(s)
        cost.append(W_STRETCH * s)

    # Heights in each place: h if the item is there, else 0.
    hc = [{p: m.NewIntVar(0, H, f"hc{i}_{p}") for p in assign[i]} for i in range(n)]
    for i in range(n):
        for p, ap in assign[i].items():
            m.Add(hc[i][p] == hs[i]).OnlyEnforceIf(ap)
            m.Add(hc[i][p] == 0).OnlyEnforceIf(ap.Not())
    top = m.NewIntVar(0, H, "top")
    bottom = m.NewIntVar(0, H, "bottom")
    m.Add(top == sum(hc[i][TOP] for i in range(n) if TOP in hc[i]))
    m.Add(bottom == sum(hc[i][BOTTOM] for i in range(n) if BOTTOM in hc[i]))
    room = m.NewIntVar(0, H, "room")
    m.Add(room == H - top - bottom)
    whites = []
    for p, u in used.items():
        a, w = p
        white = m.NewIntVar(0, H, f"w{p}")
        m.Add(sum(hc[i][p] for i in range(n) if p in hc[i]) + white == room).OnlyEnforceIf(u)
        m.Add(white == 0).OnlyEnforceIf(u.Not())
        more = m.NewIntVar(0, H, f"more{p}")
        m.Add(more >= white - 1)
        cost += [W_WHITE * w * white, W_WHITE_MORE * w * more]
        whites.append(white)

    # The last article of a stack or of the bottom band stands on the foot: where its text
    # columns end unevenly (few places to cut its paragraphs), that is white at the foot.
    for p in places:
        if p == TOP:
            continue
        for i in range(n):
            if p not in assign[i]:
                continue
            later = [assign[j][p] for j in range(i + 1, n) if p in assign[j]]
            last = m.NewBoolVar(f"last{i}_{p}")
            m.AddImplication(last, assign[i][p])
            for lj in later:
                m.AddImplication(last, lj.Not())
            m.AddBoolOr([assign[i][p].Not(), *later, last])
            for (q, j), b in z[i].items():
                short = options[i][j].short
                if q == p and short > 1:
                    t = m.NewBoolVar(f"t{i}_{j}_{p}")
                    m.Add(t >= b + last - 1)
                    cost.append(W_WHITE_MORE * (short - 1) * t)

    # Where each item's box starts: x from its place, y from what is above it there.
    xs, ys, ws = [], [], []
    for i in range(n):
        x = m.NewIntVar(0, columns - 1, f"x{i}")
        w = m.NewIntVar(1, columns, f"wd{i}")
        y = m.NewIntVar(0, H, f"y{i}")
        for p, ap in assign[i].items():
            a, wd = where(p)
            m.Add(x == a).OnlyEnforceIf(ap)
            m.Add(w == wd).OnlyEnforceIf(ap)
            above = sum(hc[j][p] for j in range(i) if p in hc[j])
            if p == TOP:
                m.Add(y == above).OnlyEnforceIf(ap)
            elif p == BOTTOM:
                m.Add(y == top + room + above).OnlyEnforceIf(ap)
            else:
                m.Add(y == top + above).OnlyEnforceIf(ap)
        xs.append(x), ys.append(y), ws.append(w)

    # The first article of the page (not a continued part) top left.
    first = next((i for i, it in enumerate(items) if not it.continued_from), None)
    if first is not None and not (items[first].pin and items[first].pin.column not in (None, 1)):
        m.Add(xs[first] == 0)
        m.Add(ys[first] == 0)

    # Tombstones (heads side by side) and photos side by side.
    for i in range(n):
        for j in range(i + 1, n):
            rules = []  # the heights that must not stand side by side: heads, photo boxes
            if items[i].has_head and items[j].has_head:
                rules.append(heads)
            if items[i].photo and items[j].photo:
                rules.append(hs)
            if not rules:
                continue
            for a, b in ((i, j), (j, i)):
                adjacent = m.NewBoolVar(f"adj{a}_{b}")
                m.Add(xs[a] + ws[a] == xs[b]).OnlyEnforceIf(adjacent)
                m.Add(xs[a] + ws[a] != xs[b]).OnlyEnforceIf(adjacent.Not())
                for extent in rules:
                    above = m.NewBoolVar(f"ab{a}_{b}")
                    below = m.NewBoolVar(f"be{a}_{b}")
                    m.Add(ys[a] + extent[a] <= ys[b]).OnlyEnforceIf(above)
                    m.Add(ys[b] + extent[b] <= ys[a]).OnlyEnforceIf(below)
                    if strict:
                        m.AddBoolOr([adjacent.Not(), above, below])
                    else:
                        bad = m.NewBoolVar(f"bad{a}_{b}")
                        m.AddBoolOr([adjacent.Not(), above, below, bad])
                        cost.append(W_TOMB * bad)

    # Jumps: at most max_jumps a page; a cut part not allowed to jump is lines over.
    allowed = [j for it, j in jumps if it.jump_to]
    if allowed:
        m.Add(sum(allowed) <= max_jumps)
    cost += [W_JUMP * j for it, j in jumps if it.jump_to]
    for i, (it, j) in enumerate(jumps):
        if not it.jump_to:
            cost.append(W_OVER * j)
    m.Minimize(sum(cost))

    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = WORKERS
    prm.interleave_search = WORKERS > 1  # several workers interleaved in one thread stay deterministic
    prm.random_seed = 0
    prm.max_deterministic_time = work
    status = solver.Solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    choices = []
    for i, item in enumerate(items):
        (p, j), = [k for k, b in z[i].items() if solver.Value(b)]
        choices.append(Choice(item, options[i][j], solver.Value(xs[i]), solver.Value(ys[i]),
                              solver.Value(ss[i]), solver.Value(bodies[i])))
    return Solution(tuple(choices), "optimal" if status == cp_model.OPTIMAL else "feasible",
                    solver.ObjectiveValue())
