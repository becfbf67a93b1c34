"""Page plans: what the make-up decided for each 版, as records the print pages render.

``make_up`` is the make-up of an edition: measure every variant's head and body (the
engine, through ``measure``), then, 版 by 版 in order, solve the page (``solver``), break
each article's body into its text columns (``columns``), and carry the rest of an article
that jumps (下转) to the page it continues on (上接), which is solved with it. What comes out
is a ``PagePlan`` per 版 (every article's box, head zone and text columns with the units,
or parts of units, each column prints, in grid lines and mm) and the problems: an error for
copy that does not fit (article, page, lines over), a warning for columns that end short of
the foot (which columns, how many lines, what could fill them).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import Settings
from ..errors import Problem, Severity
from ..fonts import FontSet
from ..model import Article, ArticleKind, Edition, Page
from . import solver
from .columns import Run, balance
from .geometry import Box, Grid
from .measure import Measures, body_key, head_key, image_height, measure
from .records import dumps, loads
from .units import Piece, cut_segments, sources
from .variants import LATER, Item, Variant, requests, spans, too_wide, variants

log = logging.getLogger(__name__)

CHARS_PER_LINE = 14  # about, in a basic column of 9 pt type (for the short-copy hint)


@dataclass(frozen=True)
class Column:
    x: float  # mm from the box's left edge
    width: float  # mm
    lines: int  # lines it holds (its last line stays free for 下转 in a part that jumps)
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class Placed:
    """An article (or part of one) on its 版."""

    article: Article
    column: int  # first grid column, 0-based
    span: int  # grid columns
    line: int  # first grid line
    lines: int  # body lines the box takes (head zone + body)
    head: int  # lines of the head zone (0: no head)
    head_height: float  # mm the head itself takes inside its zone
    tier: int
    text_columns: int
    body: int  # lines of the text columns
    columns: tuple[Column, ...]
    box: Box  # mm from the trim's top left
    continued_on: int | None = None  # 下转第X版
    continued_from: int | None = None  # 上接第X版
    short: tuple[int, ...] = ()  # per text column: lines it ends above the box's foot

    zone: float = 0.0  # mm: the head zone's height (head lines)

    @property
    def slug(self) -> str:
        return self.article.slug

    @property
    def head_pad(self) -> float:
        """mm above the head in its zone: the air of a stretched zone, split above and below."""
        return max(0.0, (self.zone - self.head_height) / 2)


@dataclass(frozen=True)
class PagePlan:
    page: Page
    grid: Grid
    placed: tuple[Placed, ...]
    white: tuple[int, ...]  # per grid column: lines of white at its foot
    jumps: int
    tombstones: int
    status: str  # the solver's: optimal, feasible, relaxed, failed

    @property
    def full(self) -> bool:
        """Every column ends within one body line of the foot."""
        return all(w <= 1 for w in self.white)


@dataclass(frozen=True)
class Continuation:
    """Where the print continues a jumped article (上接第X版): the 版 the part is printed
    on, and the point of the article's body it starts at (what the EPUB marks with that
    版's number, so a reader knows the print page of the jumped part's text)."""

    page: int  # the 版 the part is printed on
    block: int  # index in article.body of the unit it starts with (-1: the dateline alone)
    at: int  # printed characters (no spaces) of that unit on the 版 before (0: it starts whole)


def continuations(plans: list[PagePlan] | tuple[PagePlan, ...]) -> dict[str, tuple[Continuation, ...]]:
    """slug -> where each continued part of the article starts, in print order: every jump
    of the plans, the house's automatic ones and those a layout names alike."""
    out: dict[str, list[Continuation]] = {}
    for plan in plans:
        for p in plan.placed:
            if p.continued_from is None:
                continue
            first = next((piece for c in p.columns for piece in c.pieces), None)
            if first is None:
                continue
            # the lead paragraph's count includes its dateline, which the EPUB sets apart
            dateline = sum(1 for seg in first.source.segments if seg.style == "dateline"
                           for ch in seg.text if not ch.isspace())
            at = max(0, first.start - dateline) if first.start else 0
            out.setdefault(p.slug, []).append(Continuation(plan.page.number, first.source.block, at))
    return {slug: tuple(parts) for slug, parts in out.items()}


@dataclass
class MakeUp:
    plans: list[PagePlan]
    problems: list[Problem]
    measures: Measures
    solve_seconds: dict[int, float] = field(default_factory=dict)  # wall, per 版
    solve_cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds, per 版
    # the plan cache's key of this planning (``plancache.key``: everything the plans are made
    # from), when it was cached; "" otherwise. The print build keys what it makes of the
    # plans by it (``printing.build``: the pages' cache keys, without their HTML).
    key: str = ""


def items_of(page: Page, edition: Edition, settings: Settings) -> list[Item]:
    """What a 版 must place of its own copy, in its order, with what its layout pins; an
    article whose layout names a page (continued_on) may jump there from the start."""
    pins = {p.slug: p for p in page.placements}
    items = []
    for i, article in enumerate(page.articles):
        pin = pins.get(article.slug)
        jump = pin.continued_on if pin and pin.continued_on else None
        if pin and not (pin.columns or pin.column or pin.text_columns or pin.continued_on):
            pin = None
        items.append(Item(article, pin, jump, order=i))
    return items


# What jumping an article costs the solver beyond any jump (solver.W_JUMP, 3,000): the house's
# order of who jumps first. A step of the page's order is worth less than a jump, so the
# fewest jumps come first and the order decides between equals.
W_RANK = 200  # each place of importance the article stands above the page's last
W_LEAD = 20000  # the page's lead, kept whole where it can be ("least")
W_AGAIN = 2000  # a rest that goes on again (a chain of jumps)


class Jumps:
    """The house's rule for jumps (``[tool.publisher.makeup] jumps``) over one issue: which
    items may jump when a 版 does not fit, what each jump costs, and on which later 版 a
    rest continues: for "later", the first later 版 (the same 版名 first) whose free room, as
    measured (its grid less the least area of its own copy and the rests already sent to it),
    takes the rest; else the later 版 with the most room, where the rest may go on again."""

    def __init__(self, edition: Edition, settings: Settings, grids: dict[int, Grid],
                 items: dict[int, list[Item]], measures: Measures, remeasure):
        self.mode = settings.makeup.jumps
        self.first = settings.makeup.jump_first
        self.pages = {p.number: p for p in edition.pages}
        self.grids = grids
        self.items = items
        self.measures = measures
        self.remeasure = remeasure  # (heads, bodies) -> Measures of what was not measured yet
        self.room: dict[int, int] | None = None
        self.sent: dict[int, int] = {}  # 版 -> the area the rests sent to it took of its room

    @property
    def automatic(self) -> bool:
        return self.mode in ("next", "later")

    def later(self, number: int) -> list[int]:
        return sorted(n for n in self.pages if n > number)

    def allow(self, item: Item, page: Page, own: int) -> Item:
        """``item`` allowed to jump (or as it is: no later page, a photo, a pinned 破栏 whose
        lines would not carry over, or already allowed)."""
        later = self.later(page.number)
        pin = item.pin
        if (item.jump_to or not later or not self.automatic or item.kind is ArticleKind.PHOTO
                or (pin and pin.text_columns)):
            return item
        if item.continued_from:
            cost = W_AGAIN
        elif self.first == "leads":
            cost = W_RANK * item.order
        else:
            cost = W_RANK * max(0, own - 1 - item.order) + (W_LEAD if item.order == 0 else 0)
        return dataclasses.replace(item, jump_to=later[0] if self.mode == "next" else LATER,
                                   jump_cost=cost)

    def targets(self, page: Page, rests: list[Item]) -> list[int]:
        """The 版 each rest of an article jumping from ``page`` continues on: the largest
        rest placed first (first fit, decreasing: the rests pack the later 版 best)."""
        later = self.later(page.number)
        if self.mode == "next":
            return [later[0]] * len(rests)
        room = self._rooms()
        same = [n for n in later if page.name and self.pages[n].name == page.name]
        order = [*same, *(n for n in later if n not in same)]
        needs = [self._area(rest, self.grids[later[0]]) for rest in rests]
        out = [0] * len(rests)
        for i in sorted(range(len(rests)), key=lambda i: (-needs[i], i)):
            n = next((n for n in order if room[n] >= needs[i]),
                     max(later, key=lambda n: (room[n], -n)))
            self.send(n, needs[i])
            out[i] = n
        return out

    def send(self, number: int, need: int) -> None:
        """A rest of area ``need`` sent to 版 ``number``: that much less room there."""
        self._rooms()[number] -= need
        self.sent[number] = self.sent.get(number, 0) + need

    def _rooms(self) -> dict[int, int]:
        if self.room is None:
            self.room = {}
            for n, grid in self.grids.items():
                own = sum(self._area(it, grid) for it in self.items[n])
                self.room[n] = grid.columns * (grid.lines + 1) - own
        return self.room

    def measured(self, item: Item, grid: Grid) -> Item:
        """``item`` without pin or jump, its galleys on ``grid`` measured (those missing)."""
        item = dataclasses.replace(item, pin=None, jump_to=None)
        heads, bodies = requests(item, grid)
        missing = ([h for h in heads if head_key(h.article, h.width, h.tier, h.continued)
                    not in self.measures.heads],
                   [b for b in bodies if body_key(b.article, b.width) not in self.measures.bodies])
        if missing[0] or missing[1]:
            self.measures.merge(self.remeasure(*missing))
        return item

    def _area(self, item: Item, grid: Grid) -> int:
        """The least area (grid columns × lines, with the gap line) the item takes whole."""
        item = self.measured(item, grid)
        opts = variants(item, grid, self.measures)
        if opts:
            return min((v.height + 1) * v.span for v in opts)
        return grid.columns * (grid.lines + 1)  # taller than a 版 even at its widest


def make_up(edition: Edition, settings: Settings, fonts: FontSet, *, workers: int = 1,
            pages: set[int] | None = None, progress=None, front=None, cache=None,
            planned=None, meanwhile=None, aside: bool | Callable = False) -> MakeUp:
    """The plan of every 版 (or of ``pages``: the pages they jump from are planned too);
    ``progress(message)`` is told when the articles are measured and as each 版 is made up;
    ``front(plan, problems)``, when the front 版 is made up, its plan and its own problems
    (while the later 版 are still to come: the EPUB's cover is rendered from it meanwhile).
    ``planned(plan, problems)``: each plan of the result, in order, as soon as it is made
    (the print build hands it to a render worker while the later 版 are solved), with the
    problems found so far that may concern it (its own; for the later half made up ahead,
    that half's).
    ``cache``: the plans of single 版 by what each is solved from (``plancache.Pages``):
    a 版 whose inputs are unchanged is read back, not solved. ``meanwhile()``: called in
    this process while the galleys' workers lay them out, when there are any (this process
    only waits for them then); ``aside``: few galleys too are laid out in a worker, with
    ``workers`` > 1 (``measure``'s)."""
    step = progress or (lambda message: None)
    wrong = _wrong_jumps(edition, settings)
    if wrong:
        return MakeUp([], wrong, Measures())
    grids = {p.number: Grid.for_page(settings.print, p.number) for p in edition.pages}
    items = {p.number: items_of(p, edition, settings) for p in edition.pages}
    last = max(pages) if pages else None
    upto = [p for p in edition.pages if last is None or p.number <= last]
    automatic = settings.makeup.jumps in ("next", "later")
    # Where rests may jump to any later 版, the room on every 版 is weighed: all are measured,
    # so that a 版 is planned alike whether it is built alone or with the issue.
    weighed = edition.pages if automatic and last is not None else upto
    crowded = [c for c in (_crowded(p, grids[p.number], items[p.number]) for p in weighed) if c]
    if crowded:  # before measuring: thousands of galleys for a page that can never hold them
        return MakeUp([], crowded, Measures())
    heads, bodies = [], []
    for page in weighed:
        for item in items[page.number]:
            h, b = requests(item, grids[page.number])
            heads += h
            bodies += b
            if item.jump_to:  # its rest may go anywhere on the target page
                there = grids.get(item.jump_to, grids[page.number])
                h, b = requests(dataclasses.replace(item, pin=None, continued_from=page.number,
                                                    jump_to=None), there)
                heads += h
                bodies += b
    # OR-Tools loaded while the galleys' workers lay them out (this process waits for them),
    # not after: every solve needs it
    def waiting() -> None:
        solver.ready()
        if meanwhile is not None:
            meanwhile()

    measures = measure(edition, settings, fonts, heads, bodies, workers=workers,
                       use_cache=settings.makeup.cache, meanwhile=waiting, aside=aside)
    step(f"measured the articles of {len(upto)} 版 ({measures.measured} galleys, "
         f"{measures.cached} from the cache)")

    def remeasure(heads, bodies) -> Measures:
        return measure(edition, settings, fonts, heads, bodies, use_cache=settings.makeup.cache)

    jumps = Jumps(edition, settings, grids, items, measures, remeasure)
    result = MakeUp([], [], measures)
    carried: dict[int, list[Item]] = {}
    first, second = upto, []
    later = None
    if workers > 1 and pages is None and len(upto) >= SPLIT:
        # The later half made up ahead in a process of its own, as if no rest of the earlier
        # half continued on it; taken only if none does (then it is what this process would
        # make: see _solve_pages), else made up here after the earlier half, as before.
        from ..ahead import Ahead

        solver.ready()  # OR-Tools loaded once, before the fork
        first, second = upto[:len(upto) // 2], upto[len(upto) // 2:]
        later = Ahead("the later 版's make-up", _later_half, edition, settings, second, grids, items,
                      measures, jumps, cache)
    try:
        _solve_pages(first, grids, items, measures, settings, jumps, carried, result, pages, front,
                     step, len(upto), cache, planned)
        done = None
        if later is not None and not any(p.number in carried for p in second):
            done = later.result()
    finally:
        if later is not None:
            later.close()
    if later is not None:
        log.info("make-up: 版 %d–%d made up %s", second[0].number, second[-1].number,
                 "in a process of their own" if done is not None else
                 "after the earlier ones (a rest was carried to them, or their process failed)")
    if done is not None:

        part, new = loads(edition, done)
        measures.merge(new)
        for page in second:
            result.solve_seconds[page.number] = part.solve_seconds[page.number]
            result.solve_cpu[page.number] = part.solve_cpu[page.number]
            step(f"made up 版 {len(result.solve_seconds)} of {len(upto)} ({page.display_label} {page.name})")
        result.plans += part.plans
        result.problems += part.problems
        if planned is not None:
            for made in part.plans:
                planned(made, part.problems)
    elif second:
        _solve_pages(second, grids, items, measures, settings, jumps, carried, result, pages, None,
                     step, len(upto), cache, planned)
    return result


SPLIT = 8  # the fewest 版 an issue made up in two processes has (see make_up)


def _solve_pages(upto: list[Page], grids: dict[int, Grid], items: dict[int, list[Item]],
                 measures: Measures, settings: Settings, jumps: Jumps, carried: dict[int, list[Item]],
                 result: MakeUp, pages: set[int] | None, front, step, total: int,
                 cache=None, planned=None) -> None:
    """Make up ``upto`` in order into ``result``, each 版 with the rests ``carried`` to it,
    carrying on the rests it sends (``jumps``: the house's rule, and where the rests went).

    What a 版's plan depends on: its own items, the rests carried to it, the measurements
    (each the same wherever it is made; one that is missing is an error, never another
    plan) and, where it jumps, the room the rests sent before left on the later 版. So the
    later 版 of an issue made up alone (``_later_half``) get the plans they get here after
    the earlier ones whenever no rest of the earlier ones was carried to them: the room on
    each of them is then untouched too, as that half starts it.

    So does ``cache`` key a 版 (``plancache.Pages``): a 版 found there is read back with the
    rests it sent and the room they took on the later 版, as its solve would leave them."""
    for page in upto:
        t0, c0 = time.perf_counter(), time.process_time()
        brought = carried.pop(page.number, [])
        name = cache.key(page, items, brought, jumps) if cache is not None else None
        found = cache.get(name) if name is not None else None
        if found is not None:
            plan, rests, problems, sent = found
            for target, rest in rests:  # measured as its solve would have (jumps._area)
                jumps.measured(rest, grids[target])
            for target, need in sent:
                jumps.send(target, need)
        else:
            before = dict(jumps.sent)
            plan, rests, problems = plan_page(page, grids[page.number], items[page.number] + brought,
                                              measures, settings, jumps)
            if name is not None:
                sent = [(n, s - before.get(n, 0)) for n, s in sorted(jumps.sent.items())
                        if s != before.get(n, 0)]
                cache.put(name, (plan, rests, problems, sent))
        result.solve_seconds[page.number] = time.perf_counter() - t0
        result.solve_cpu[page.number] = time.process_time() - c0
        for target, rest in rests:
            carried.setdefault(target, []).append(rest)
        result.problems += problems
        if pages is None or page.number in pages:
            result.plans.append(plan)
            if planned is not None:
                planned(plan, problems)
        if front is not None and page is upto[0]:
            front(plan, problems)
        step(f"made up 版 {len(result.solve_seconds)} of {total} ({page.display_label} {page.name})")


def _later_half(edition: Edition, settings: Settings, second: list[Page], grids: dict[int, Grid],
                items: dict[int, list[Item]], measures: Measures, jumps: Jumps, cache=None) -> bytes:
    """In a forked process: the later 版 made up with nothing carried to them from the
    earlier ones, and the measurements made meanwhile (pickled by the edition's names:
    ``records.dumps``)."""
    known = (set(measures.heads), set(measures.bodies))
    part = MakeUp([], [], measures)
    _solve_pages(second, grids, items, measures, settings, jumps, {}, part, None, None,
                 lambda message: None, 0, cache)
    new = Measures({k: v for k, v in measures.heads.items() if k not in known[0]},
                   {k: v for k, v in measures.bodies.items() if k not in known[1]})
    return dumps(edition, (MakeUp(part.plans, part.problems, Measures(), part.solve_seconds,
                                  part.solve_cpu), new))


def _crowded(page: Page, grid: Grid, items: list[Item]) -> Problem | None:
    """A 版 given more articles than its grid could hold even if each took its narrowest
    width and a single line: no variant can fit them, so the page is reported without
    measuring anything (500 articles on one page meant over ten thousand galleys)."""
    need = sum(min(spans(item, grid)) for item in items)  # grid-column lines, at the least
    room = grid.columns * grid.lines
    if need <= room:
        return None
    return Problem(
        f"page {page.number} ({page.display_label}) has {len(items)} articles: even at their "
        f"narrowest and one line each they need {need} column lines, and its grid has {room} "
        f"({grid.columns} columns of {grid.lines} lines)",
        _toml(page, items), None,
        "move articles to other pages (each [[pages]] entry's articles in edition.toml)",
        Severity.ERROR, "overflow")


def _wrong_jumps(edition: Edition, settings: Settings) -> list[Problem]:
    """A layout's continued_on must name a later page of this issue (下转 runs forward), and
    the house must jump at all."""
    numbers = {p.number for p in edition.pages}
    never = settings.makeup.jumps == "none"
    problems = []
    for page in edition.pages:
        for p in page.placements:
            if p.continued_on is None:
                continue
            where = edition.root / "edition.toml" if edition.root else None
            if never:
                problems.append(Problem(
                    f"page {page.number}: article {p.slug!r} is continued on page {p.continued_on}, "
                    "but the house never jumps (jumps = \"none\")", where, None,
                    "remove continued_on, or let the house jump: [tool.publisher.makeup] "
                    "jumps = \"named\" (or \"later\")", code="layout"))
            elif p.continued_on not in numbers or p.continued_on <= page.number:
                problems.append(Problem(
                    f"page {page.number}: article {p.slug!r} is continued on page {p.continued_on}, "
                    "which is not a later page of this issue",
                    where, None, "continued_on must name a later page (下转 runs forward)",
                    code="layout"))
    return problems


JUMP_WORK = 4  # the solver's work on a 版 that must jump, in multiples of the house's


def _solve(items: list[Item], options: list[list[Variant]], grid: Grid, settings: Settings,
           work: float):
    """The best plan within the rules, else with tombstones and photo pairs costly rather
    than forbidden ("relaxed"); None when there is none."""
    mk = settings.makeup
    if not all(options):
        return None, "failed"
    solution = solver.solve(items, options, grid.columns, grid.lines, stretch=mk.stretch,
                            max_jumps=mk.max_jumps, work=work)
    if solution is not None:
        return solution, solution.status
    solution = solver.solve(items, options, grid.columns, grid.lines, stretch=mk.stretch,
                            max_jumps=mk.max_jumps, work=work, strict=False)
    return solution, "relaxed"


def _too_much(items: list[Item], options: list[list[Variant]], grid: Grid) -> bool:
    """The copy cannot fit whole: even each item's least area adds up to more than the grid."""
    least = sum(min((v.head + (v.cut[0] if v.cut else v.body) + 1) * v.span for v in opts)
                for opts in options if opts)
    return least > grid.columns * (grid.lines + 1)


def plan_page(page: Page, grid: Grid, items: list[Item], measures: Measures,
              settings: Settings, jumps: Jumps | None = None
              ) -> tuple[PagePlan, list[tuple[int, Item]], list[Problem]]:
    """Solve one 版: its plan, the rests it sends on (page, item), its problems. The page is
    made up whole if it can be; if not, and the house jumps (``jumps``), with articles
    allowed to continue on a later 版; else the copy that does not fit is reported."""
    mk = settings.makeup
    problems: list[Problem] = []
    options = [variants(it, grid, measures, cut=bool(it.jump_to)) for it in items]
    for item, opts in zip(items, options, strict=True):
        if not opts:
            problems += [_too_wide(item, page, n, width, column)
                         for n, width, column in too_wide(item, grid, measures)]
    if problems:
        return _failed(page, grid), [], problems
    automatic = jumps is not None and jumps.automatic
    solution, status = None, "failed"
    if not (automatic and _too_much(items, options, grid)):
        solution, status = _solve(items, options, grid, settings, mk.work)
    if solution is None and jumps is not None and automatic:
        own = sum(1 for it in items if not it.continued_from)
        allowed = [jumps.allow(it, page, own) for it in items]
        if allowed != items:
            jumping = [variants(it, grid, measures, cut=bool(it.jump_to)) for it in allowed]
            # Tombstones are costly rather than forbidden here: with this much copy the
            # stacks' heads often stand side by side, and a tombstone is better than a hole.
            solution = solver.solve(allowed, jumping, grid.columns, grid.lines,
                                    stretch=mk.stretch, max_jumps=mk.max_jumps,
                                    work=mk.work * JUMP_WORK, strict=False) if all(jumping) else None
            if solution is not None:
                items, options = allowed, jumping
                status = solution.status
    if solution is None:
        # Does not fit: solve again letting any article be cut, to say which and by how much.
        options = [variants(it, grid, measures, cut=True) for it in items]
        if all(options):
            solution = solver.solve(items, options, grid.columns, grid.lines, stretch=mk.stretch,
                                    max_jumps=mk.max_jumps, work=mk.work, strict=False)
        status = "failed"
        if solution is None:
            problems.append(Problem(
                f"page {page.number} ({page.display_label}): its {len(items)} articles cannot be "
                "placed on the grid at all (each is too tall even at its widest, or the layout's "
                "pins contradict each other)", _toml(page, items), None,
                "move articles to another page, shorten them, or loosen [[pages.layout]]",
                code="print-pages"))
            return _failed(page, grid), [], problems
    placed: list[Placed] = []
    rests: list[tuple[int, Item]] = []
    later: list[tuple[int, Item]] = []  # (index in placed, rest) going to a 版 to choose
    for choice in solution.choices:
        p, rest = _place(choice, grid, measures, page)
        if rest is not None and choice.item.jump_to == LATER:
            later.append((len(placed), rest))
        elif rest is not None and choice.item.jump_to:
            p = dataclasses.replace(p, continued_on=choice.item.jump_to)
            rests.append((choice.item.jump_to, rest))
        elif rest is not None:
            problems.append(_overflow(choice, page, measures, grid, rest, settings, jumps))
        placed.append(p)
    if later:
        assert jumps is not None  # LATER is only given by the house's rule
        for (i, rest), target in zip(later, jumps.targets(page, [r for _, r in later]), strict=True):
            placed[i] = dataclasses.replace(placed[i], continued_on=target)
            rests.append((target, rest))
    placed.sort(key=lambda p: (p.line, p.column))
    white = _white(placed, grid)
    tombs = tombstones(placed)
    plan = PagePlan(page, grid, tuple(placed), white, sum(1 for p in placed if p.continued_on),
                    tombs, status)
    if status != "failed":
        problems += _underfull(plan, items)
    return plan, rests, problems


def _failed(page: Page, grid: Grid) -> PagePlan:
    return PagePlan(page, grid, (), tuple([grid.lines] * grid.columns), 0, 0, "failed")


def _too_wide(item: Item, page: Page, n: int, width: float, column: float) -> Problem:
    art = item.article
    src = art.source
    return Problem(f"table {n} of article {art.slug!r} ({art.title}) is {width:.0f} mm wide; its "
                   f"print column on page {page.number} is {column:.0f} mm",
                   src.path if src else None, None,
                   "set the article in fewer text columns or more grid columns in the page's "
                   "layout (text_columns = 1, columns = N), or split the table",
                   Severity.ERROR, "table-too-wide")


def _place(choice: solver.Choice, grid: Grid, measures: Measures, page: Page):
    item, v = choice.item, choice.variant
    run = Run.of(measures.body(item.article, v.text_width))
    k = v.text_columns
    rest = None
    if v.cut and choice.body < v.body:
        heights = [choice.body] * (k - 1) + [choice.body - 1]
        ranges, p = [], item.start
        for h in heights:
            q = run.furthest(p, h) if p < run.total else None
            q = p if q is None else q
            ranges.append((p, q))
            p = q
        rest = dataclasses.replace(item, pin=None, jump_to=None, jump_cost=0,
                                   continued_from=page.number, start=p,
                                   order=1000 + item.order % 1000)
    else:
        ranges = balance(run, [choice.body] * k, item.start)
    g = grid.geometry
    columns, short = [], []
    for i, (a, b) in enumerate(ranges):
        columns.append(Column(i * (v.text_width + g.gutter), v.text_width, b - a,
                              _pieces(item.article, run, a, b, v.text_width, grid.line)))
        short.append(choice.body - (b - a) - (1 if rest is not None and i == k - 1 else 0))
    head = v.head + choice.stretch if v.head else 0
    lines = head + choice.body
    box = Box(g.column_x(choice.x), grid.y(choice.y), g.span_width(v.span), lines * grid.line)
    placed = Placed(item.article, choice.x, v.span, choice.y, lines, head, v.head_height, v.tier,
                    k, choice.body, tuple(columns), box,
                    continued_from=item.continued_from, short=tuple(short), zone=head * grid.line)
    return placed, rest


def _pieces(article: Article, run: Run, a: int, b: int, width: float, line: float) -> tuple[Piece, ...]:
    out = []
    srcs = sources(article)
    for src, unit, start in zip(srcs, run.units, run.starts, strict=True):
        end = start + unit.lines
        if end <= a or start >= b:
            continue
        if not unit.text:
            extra = unit.lines * line - unit.height
            out.append(Piece(src, lines=unit.lines, height=unit.lines * line,
                             pad=max(0.0, extra) if src.kind == "subhead" else 0.0,
                             image_height=image_height(src, width)))
            continue
        first, last = max(a, start) - start, min(b, end) - start  # lines [first, last)
        lo = unit.ends[first - 1] if first > 0 else 0
        hi = unit.ends[last - 1] if last < unit.lines else None
        segs = cut_segments(src.segments, lo, hi) if (first or last < unit.lines) else src.segments
        out.append(Piece(src, segs, first > 0, last < unit.lines, last - first, start=lo))
    return tuple(out)


def _white(placed: list[Placed], grid: Grid) -> tuple[int, ...]:
    """Per grid column, the lines of white at its foot: below its lowest box, and inside it
    where that box's text column there ends short."""
    white = []
    for c in range(grid.columns):
        over = [p for p in placed if p.column <= c < p.column + p.span]
        if not over:
            white.append(grid.lines)
            continue
        low = max(over, key=lambda p: p.line + p.lines)
        w = grid.lines - (low.line + low.lines)
        if low.short:
            # the text column over this grid column (破栏: the one covering most of it)
            i = min(low.text_columns - 1, (c - low.column) * low.text_columns // low.span)
            w += low.short[i]
        white.append(max(0, w))
    return tuple(white)


def tombstones(placed: list[Placed] | tuple[Placed, ...]) -> int:
    """Pairs of heads side by side whose heights overlap (a plan's proof of the rule)."""
    n = 0
    heads = [p for p in placed if p.head]
    for i, a in enumerate(heads):
        for b in heads[i + 1:]:
            side = a.column + a.span == b.column or b.column + b.span == a.column
            if side and a.line < b.line + b.head and b.line < a.line + a.head:
                n += 1
    return n


def _toml(page: Page, items: list[Item]):
    src = next((it.article.source for it in items if it.article.source), None)
    return src.path.parent.parent / "edition.toml" if src else None


def _overflow(choice: solver.Choice, page: Page, measures: Measures, grid: Grid, rest: Item,
              settings: Settings, jumps: Jumps | None) -> Problem:
    run = Run.of(measures.body(choice.item.article, choice.variant.text_width))
    over = run.total - rest.start
    art = choice.item.article
    src = art.source
    per = math.ceil(over / choice.variant.text_columns)
    what = (f"the rest of article {art.slug!r} ({art.title}), continued from page "
            f"{choice.item.continued_from},") if choice.item.continued_from else \
        f"article {art.slug!r} ({art.title})"
    mode = settings.makeup.jumps
    if jumps is None or not jumps.automatic:
        hint = ("shorten it or another article of the page, move an article to a page with room, "
                "or let articles continue on a later 版 with room: [tool.publisher.makeup] "
                "jumps = \"later\"" + ("" if mode == "none" else
                                        " (or continued_on = N in the page's [[pages.layout]])"))
    elif not jumps.later(page.number):
        hint = (f"page {page.number} is the issue's last 版 and the copy of the issue does not fit "
                "its 版 even with jumps: add a 版, or cut copy on this page or on the pages whose "
                "articles continue here")
    else:
        hint = (f"the page does not fit even with {settings.makeup.max_jumps} articles continued "
                "on later 版: allow more ([tool.publisher.makeup] max_jumps), add a 版, or cut copy")
    return Problem(
        f"{what} does not fit on page {page.number} "
        f"({page.display_label}): {over} lines over (about {per} in each of its "
        f"{choice.variant.text_columns} text columns, {choice.variant.span} grid columns wide)",
        src.path if src else None, None, hint, Severity.ERROR, "overflow")


def _underfull(plan: PagePlan, items: list[Item]) -> list[Problem]:
    """Columns that end more than a line short: which, how many lines, what could fill them."""
    out = []
    c = 0
    white = plan.white
    page = plan.page
    while c < len(white):
        if white[c] <= 1:
            c += 1
            continue
        end = c
        while end + 1 < len(white) and white[end + 1] == white[c]:
            end += 1
        cols = f"column {c + 1}" if end == c else f"columns {c + 1}–{end + 1}"
        lines = white[c]
        mm = lines * plan.grid.line
        fills = _fillers(plan, c, end, lines)
        out.append(Problem(
            f"page {page.number} ({page.display_label}) is short of copy: {cols} end {lines} lines "
            f"({mm:.0f} mm) above the foot of the type area", None, None,
            f"to fill them: {fills}", Severity.WARNING, "underfull"))
        c = end + 1
    return out


def _fillers(plan: PagePlan, c: int, end: int, lines: int) -> str:
    width = end - c + 1
    g = plan.grid.geometry
    photo_w = g.span_width(width)
    ideas = []
    if lines >= 6:
        ideas.append(f"a photo {photo_w:.0f} mm wide and up to {lines * plan.grid.line - 10:.0f} mm "
                     f"tall (with its caption) in {'that column' if width == 1 else 'those columns'}")
    ideas.append(f"about {lines * width} more lines of copy (a brief of about "
                 f"{lines * width * CHARS_PER_LINE} characters)")
    above = [p for p in plan.placed if p.column <= c and end < p.column + p.span]
    if above:
        low = max(above, key=lambda p: p.line + p.lines)
        ideas.append(f"a larger headline, more copy or a larger photo for {low.slug!r}, the "
                     f"article above")
    return "; or ".join(ideas)
