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

import sys
import types
from dataclasses import dataclass

from .variants import Item, Variant

W_WHITE = 1000  # a white line at a column's foot
W_WHITE_MORE = 10000  # each white line past the first in a column
W_OVER = 100000  # a line of copy that does not fit (diagnosis only)
W_JUMP = 3000
W_CARRY = 100  # a line of a text column that a jumping part carries on to a later 版
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


def ready() -> None:
    """OR-Tools loaded now (``solve`` loads it at its first call): before a fork, so that the
    processes forked share it."""
    _cp_model()


def _cp_model():
    """OR-Tools' CP-SAT module, imported without pandas where pandas is not loaded yet.

    ``cp_model`` imports pandas (about 0.25 s of CPU, two thirds of its import) for its
    ``*_series`` helpers and ``CpSolver.values``, which take and give pandas objects, and it
    reads nothing else of it when it is imported (``pd.Index`` and ``pd.Series`` in its type
    hints). We build models variable by variable and never call those, so the module is
    imported against a stand-in that has just those two names, and the stand-in is taken out
    of ``sys.modules`` again: what imports pandas afterwards gets the real one. Where pandas
    is loaded already, or the stand-in does not do (another OR-Tools), the module is
    imported as it is. The solver itself is C++: a solve is the same either way."""
    done = sys.modules.get("ortools.sat.python.cp_model")
    if done is not None:
        return done
    if "pandas" in sys.modules:
        from ortools.sat.python import cp_model
        return cp_model
    stand_in = types.ModuleType("pandas", "publisher's stand-in: OR-Tools imported without pandas")
    stand_in.Index = type("Index", (), {})  # type: ignore[attr-defined]
    stand_in.Series = type("Series", (), {})  # type: ignore[attr-defined]
    sys.modules["pandas"] = stand_in
    try:
        from ortools.sat.python import cp_model
    except Exception:  # it reads more of pandas than those two names: imported with pandas
        sys.modules.pop("ortools.sat.python.cp_model", None)
        sys.modules.pop("pandas", None)
        from ortools.sat.python import cp_model
    finally:
        if sys.modules.get("pandas") is stand_in:
            del sys.modules["pandas"]
    return cp_model


def solve(items: list[Item], options: list[list[Variant]], columns: int, lines: int, *,
          stretch: int = 2, max_jumps: int = 1, strict: bool = True,
          work: float = 2.0) -> Solution | None:
    """Place ``items`` (``options[i]``: item i's variants) on a grid ``columns`` wide and
    ``lines`` tall; None when the rules leave no way (``strict=False``: tombstones and photo
    pairs are only costly, not forbidden). ``work``: the solver's deterministic time limit."""
    # imported here, not with the module: OR-Tools brings numpy (and pandas, which
    # _cp_model leaves out), about 0.2 s of every start, --help and builds whose plans are
    # cached included, and only a solve needs it
    cp_model = _cp_model()

    m = cp_model.CpModel()
    H = lines + 1  # one line more for the gap below the last article of a column
    n = len(items)
    places: list = [TOP, BOTTOM, *slots(columns, min(v.span for vs in options for v in vs))]
    wide = {TOP: (0, columns), BOTTOM: (0, columns)}

    def where(p):
        return wide.get(p, p)

    used = {p: m.new_bool_var(f"u{p}") for p in places if p not in (TOP, BOTTOM)}
    for c in range(columns):  # the stacks partition the columns
        m.add_exactly_one([u for (a, w), u in used.items() if a <= c < a + w])

    cost = []
    z: list[dict] = []  # z[i][(place, j)]: item i at place with its variant j
    assign: list[dict] = []  # assign[i][place]
    hs, heads, bodies, ss = [], [], [], []
    jumps = []
    for i, (item, vs) in enumerate(zip(items, options, strict=True)):
        zi, ai = {}, {}
        for p in places:
            a, w = where(p)
            if item.pin and item.pin.column is not None and a != item.pin.column - 1:
                continue  # pinned to a column: a stack starting there (a band: column 1)
            lits = []
            for j, v in enumerate(vs):
                if v.span != w:
                    continue
                b = m.new_bool_var(f"z{i}_{p}_{j}")
                zi[(p, j)] = b
                lits.append(b)
                if p not in (TOP, BOTTOM):
                    m.add_implication(b, used[p])
                if v.cost:
                    cost.append(v.cost * b)
                if p in (TOP, BOTTOM):
                    cost.append(W_BAND * b)
            if lits:
                ap = m.new_bool_var(f"a{i}_{p}")
                m.add_max_equality(ap, lits)
                ai[p] = ap
        if not zi:
            return None
        m.add_exactly_one(zi.values())
        s = m.new_int_var(0, stretch if item.has_head else 0, f"s{i}")
        body = m.new_int_var(0, H, f"b{i}")
        head = m.new_int_var(0, H, f"hd{i}")
        for (_, j), b in zi.items():
            v = vs[j]
            if v.cut:
                m.add(body >= v.cut[0]).only_enforce_if(b)
                m.add(body <= v.cut[1]).only_enforce_if(b)
                if item.jump_to:  # what it carries on (in lines × text columns) costs
                    kept = m.new_int_var(0, v.text_columns * H, f"k{i}_{j}")
                    m.add(kept == v.text_columns * body).only_enforce_if(b)
                    m.add(kept == 0).only_enforce_if(b.negated())
                    cost.append(W_CARRY * (v.text_columns * v.cut[1] * b - kept))
            else:
                m.add(body == v.body).only_enforce_if(b)
        m.add(head == sum(vs[j].head * b for (p, j), b in zi.items()) + s)
        h = m.new_int_var(1, H, f"h{i}")
        m.add(h == head + body + 1)
        cut = [b for (p, j), b in zi.items() if vs[j].cut]
        if cut:
            jumped = m.new_bool_var(f"j{i}")
            m.add_max_equality(jumped, cut)
            jumps.append((item, jumped))
        z.append(zi)
        assign.append(ai)
        hs.append(h)
        heads.append(head)
        bodies.append(body)
        ss.append(s)
        cost.append(W_STRETCH * s)

    # Heights in each place: h if the item is there, else 0.
    hc = [{p: m.new_int_var(0, H, f"hc{i}_{p}") for p in assign[i]} for i in range(n)]
    for i in range(n):
        for p, ap in assign[i].items():
            m.add(hc[i][p] == hs[i]).only_enforce_if(ap)
            m.add(hc[i][p] == 0).only_enforce_if(ap.negated())
    top = m.new_int_var(0, H, "top")
    bottom = m.new_int_var(0, H, "bottom")
    m.add(top == sum(hc[i][TOP] for i in range(n) if TOP in hc[i]))
    m.add(bottom == sum(hc[i][BOTTOM] for i in range(n) if BOTTOM in hc[i]))
    room = m.new_int_var(0, H, "room")
    m.add(room == H - top - bottom)
    whites = []
    for p, u in used.items():
        a, w = p
        white = m.new_int_var(0, H, f"w{p}")
        m.add(sum(hc[i][p] for i in range(n) if p in hc[i]) + white == room).only_enforce_if(u)
        m.add(white == 0).only_enforce_if(u.negated())
        more = m.new_int_var(0, H, f"more{p}")
        m.add(more >= white - 1)
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
            last = m.new_bool_var(f"last{i}_{p}")
            m.add_implication(last, assign[i][p])
            for lj in later:
                m.add_implication(last, lj.negated())
            m.add_bool_or([assign[i][p].negated(), *later, last])
            for (q, j), b in z[i].items():
                short = options[i][j].short
                if q == p and short > 1:
                    t = m.new_bool_var(f"t{i}_{j}_{p}")
                    m.add(t >= b + last - 1)
                    cost.append(W_WHITE_MORE * (short - 1) * t)

    # Where each item's box starts: x from its place, y from what is above it there.
    xs, ys, ws = [], [], []
    for i in range(n):
        x = m.new_int_var(0, columns - 1, f"x{i}")
        w = m.new_int_var(1, columns, f"wd{i}")
        y = m.new_int_var(0, H, f"y{i}")
        for p, ap in assign[i].items():
            a, wd = where(p)
            m.add(x == a).only_enforce_if(ap)
            m.add(w == wd).only_enforce_if(ap)
            above = sum(hc[j][p] for j in range(i) if p in hc[j])
            if p == TOP:
                m.add(y == above).only_enforce_if(ap)
            elif p == BOTTOM:
                m.add(y == top + room + above).only_enforce_if(ap)
            else:
                m.add(y == top + above).only_enforce_if(ap)
        xs.append(x)
        ys.append(y)
        ws.append(w)

    # The first article of the page (not a continued part) top left.
    first = next((i for i, it in enumerate(items) if not it.continued_from), None)
    pin = items[first].pin if first is not None else None
    if first is not None and not (pin and pin.column not in (None, 1)):
        m.add(xs[first] == 0)
        m.add(ys[first] == 0)

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
            for one, other in ((i, j), (j, i)):
                adjacent = m.new_bool_var(f"adj{one}_{other}")
                m.add(xs[one] + ws[one] == xs[other]).only_enforce_if(adjacent)
                m.add(xs[one] + ws[one] != xs[other]).only_enforce_if(adjacent.negated())
                for extent in rules:
                    over = m.new_bool_var(f"ab{one}_{other}")
                    under = m.new_bool_var(f"be{one}_{other}")
                    m.add(ys[one] + extent[one] <= ys[other]).only_enforce_if(over)
                    m.add(ys[other] + extent[other] <= ys[one]).only_enforce_if(under)
                    if strict:
                        m.add_bool_or([adjacent.negated(), over, under])
                    else:
                        bad = m.new_bool_var(f"bad{one}_{other}")
                        m.add_bool_or([adjacent.negated(), over, under, bad])
                        cost.append(W_TOMB * bad)

    # Jumps: at most max_jumps a page; a cut part not allowed to jump is lines over.
    allowed = [jumped for it, jumped in jumps if it.jump_to]
    if allowed:
        m.add(sum(allowed) <= max_jumps)
    cost += [(W_JUMP + it.jump_cost) * jumped for it, jumped in jumps if it.jump_to]
    cost += [W_OVER * jumped for it, jumped in jumps if not it.jump_to]
    m.minimize(sum(cost))

    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = WORKERS
    prm.interleave_search = WORKERS > 1  # several workers interleaved in one thread stay deterministic
    prm.random_seed = 0
    prm.max_deterministic_time = work
    # CP-SAT catches Ctrl-C during a solve by default, and afterwards leaves SIGINT to the
    # system's default action, not to Python's handler: a Ctrl-C after the first solve
    # killed the build outright, with no message, its workers left running
    prm.catch_sigint_signal = False
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    choices = []
    for i, item in enumerate(items):
        (p, j), = [k for k, b in z[i].items() if solver.value(b)]
        choices.append(Choice(item, options[i][j], solver.value(xs[i]), solver.value(ys[i]),
                              solver.value(ss[i]), solver.value(bodies[i])))
    return Solution(tuple(choices), "optimal" if status == cp_model.OPTIMAL else "feasible",
                    solver.objective_value)
