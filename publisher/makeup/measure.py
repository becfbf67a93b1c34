"""Measuring articles for the make-up: galleys laid out by the engine, read back as units.

What is measured, and at which widths:

- a **head** (kicker, headline, subtitle, byline; or the 上接 head of a continued part) at
  each box width and headline tier the variants use: its height, and how many lines its
  headline took;
- a **body** at each text-column width the variants use, unit by unit in ONE text column
  (``publisher.makeup.units``): each unit's height, its lines and their texts. Line breaks
  depend only on the column's width, so one galley serves every variant whose text columns
  are that wide (k = w gives the basic column for any width w).

Galleys are set with the print stylesheet and the same macros as the page
(``print/units.j2``), so a unit is as tall on the page as in its galley. Measurements are
kept by content, not by slug (two articles with the same text are measured once), and in
a disk cache (``publisher.makeup.cache``) keyed by content, width and everything that
shapes the layout (styles, templates, fonts, settings, versions), so a second run measures
only what changed. Galleys of several 版 are laid out in a pool of processes.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import math
import multiprocessing
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..ahead import Helper
from ..config import Settings
from ..engine import Sandbox, lay_out, load
from ..errors import Problem, RenderError, Severity
from ..fonts import FontSet
from ..model import Article, Brief, Edition, Figure, Paragraph, Subhead, Table
from ..render import render
from ..workers import Pool
from . import cache as disk
from .units import Piece, Source, Unit, cuts_for, per_article, printed_ends, sources

log = logging.getLogger(__name__)

GALLEY_HEIGHT = 15000  # mm: a page tall enough for a 版's galleys, mostly
# A body longer than a galley page (about 3,000 lines in one narrow column) is laid out
# again alone on a page this many times taller, up to the longest galley measured: 240 m,
# some 48,000 lines, far more than an issue's 版 could print even continued on each.
GROW = 4
LONGEST_GALLEY = GALLEY_HEIGHT * GROW * GROW
# Galleys of at most this much work (``_work``: a head 1, a body 3 a piece; the longest
# article of the 16-版 edition is 62, all its 26 galleys 166) are laid out in the build's
# process whatever the workers: about 0.2 s of CPU, what a worker's start costs.
FEW = 100
# Bump when what a measurement holds or how it is read changes: old cache entries are ignored.
MEASURE_VERSION = 4  # 4: bodies longer than a galley page were cut short
STYLESHEETS = ("base.css", "typeset.css", "print.css")
TEMPLATES = ("print/galley.html.j2", "print/units.j2", "print/_sheet.html.j2", "shared/article.j2")


@dataclass(frozen=True)
class Head:
    height: float  # mm, with the space below it
    title_lines: int  # lines the headline took


@dataclass(frozen=True)
class HeadRequest:
    article: Article
    width: float  # mm
    tier: int
    continued: bool = False


@dataclass(frozen=True)
class BodyRequest:
    article: Article
    width: float  # mm: one text column


@dataclass
class Measures:
    """What the galleys measured, by request (heads and bodies)."""

    heads: dict[tuple, Head] = field(default_factory=dict)
    bodies: dict[tuple, tuple[Unit, ...]] = field(default_factory=dict)
    measured: int = 0  # galleys laid out in this run (not from the cache)
    cached: int = 0
    seconds: float = 0.0  # laying out galleys (wall)
    cpu: float = 0.0  # CPU seconds of it, in this process and the pool's

    def merge(self, other: Measures) -> None:
        """Take in what a later measuring run found (the rests of articles that jump)."""
        self.heads.update(other.heads)
        self.bodies.update(other.bodies)
        self.measured += other.measured
        self.cached += other.cached
        self.seconds += other.seconds
        self.cpu += other.cpu

    def head(self, article: Article, width: float, tier: int, continued: bool = False) -> Head:
        return self.heads[head_key(article, width, tier, continued)]

    def body(self, article: Article, width: float) -> tuple[Unit, ...]:
        return self.bodies[body_key(article, width)]


@per_article
def content_key(article: Article) -> str:
    """A hash of what an article prints (not its slug or source file): equal copy, equal key."""
    def block(b):
        if isinstance(b, Paragraph):
            return ["p", [[r.text, r.style.value] for r in b.runs]]
        if isinstance(b, Subhead):
            return ["h", b.number, b.title, b.subtitle]
        if isinstance(b, Figure):
            img = [b.image.width, b.image.height] if b.image else None
            return ["f", b.caption, b.credit, b.alt, img]
        if isinstance(b, Brief):
            return ["b", b.text, list(b.attribution)]
        if isinstance(b, Table):
            return ["t", list(b.header), [list(r) for r in b.rows], list(b.align)]
        raise TypeError(b)
    data = [article.kind.value, article.kicker, article.headline, article.subtitle,
            str(article.byline) if article.byline else None, article.dateline,
            [block(b) for b in article.body]]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def _w(width: float) -> str:
    return f"{width:.3f}"


def head_key(article: Article, width: float, tier: int, continued: bool = False) -> tuple:
    return ("head", content_key(article), _w(width), tier, continued)


def body_key(article: Article, width: float) -> tuple:
    return ("body", content_key(article), _w(width))


def style_key(settings: Settings, fonts: FontSet) -> str:
    """Everything besides the copy that shapes a measurement: stylesheets, templates, the
    font manifest, the print and typography settings, the versions of publisher and the engine."""
    from importlib import resources
    from importlib.metadata import version

    from ..engine import WEASYPRINT_VERSION

    h = hashlib.sha256()
    h.update(f"{MEASURE_VERSION}|{version('publisher')}|{WEASYPRINT_VERSION}".encode())
    for name in STYLESHEETS:
        h.update((settings.styles_dir / name).read_bytes())
    templates = resources.files("publisher") / "templates"
    for name in TEMPLATES:
        h.update((templates / name).read_bytes())
    h.update(settings.font_manifest.read_bytes())
    h.update(settings.print.model_dump_json(exclude={"workers", "cache", "output_profile", "output_condition",
                                                     "ink_limit", "slug"}).encode())
    h.update(settings.typography.model_dump_json().encode())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class _Galley:
    key: str
    article: Article
    width: float
    tier: int = 0
    continued: bool = False
    pieces: tuple = ()


def image_height(source: Source, width: float) -> float:
    """A photo set at ``width`` mm: as tall as its aspect gives (scaled, never distorted)."""
    fig = source.item
    if not isinstance(fig, Figure) or fig.image is None:
        return 0.0
    return width * fig.image.height / fig.image.width


def measure(edition, settings: Settings, fonts: FontSet, heads: list[HeadRequest],
            bodies: list[BodyRequest], *, workers: int = 1, use_cache: bool = True,
            meanwhile: Callable[[], object] | None = None,
            aside: bool | Callable[[Helper], None] = False) -> Measures:
    """Measure every head and body asked for (each distinct one once): from the cache where
    it holds them, else from galleys laid out in ``workers`` processes. ``meanwhile``: called
    in this process while the workers lay the galleys out (the make-up loads OR-Tools then),
    when there are workers. ``aside`` (with ``workers`` > 1): few galleys too are laid out in
    a worker, forked before WeasyPrint is loaded here if it is not yet, so that the worker
    imports it and lays them out while this process runs ``meanwhile`` (the print build loads
    WeasyPrint there for its render workers, which it forks later: the rebuild after one
    change imports it in two processes at once instead of twice in a row). ``aside`` may be
    a function instead of True: the few galleys are then laid out in an ``ahead.Helper``,
    given to that function once they are measured (``_aside``)."""
    skey = style_key(settings, fonts)
    store = disk.Cache(skey) if use_cache else None
    out = Measures()
    todo_heads: dict[tuple, HeadRequest] = {}
    todo_bodies: dict[tuple, BodyRequest] = {}
    for h in heads:
        key = head_key(h.article, h.width, h.tier, h.continued)
        if key in out.heads or key in todo_heads:
            continue
        hit = store.get(key) if store else None
        if hit is not None:
            out.heads[key] = Head(**hit)
            out.cached += 1
        else:
            todo_heads[key] = h
    for r in bodies:
        key = body_key(r.article, r.width)
        if key in out.bodies or key in todo_bodies:
            continue
        hit = store.get(key) if store else None
        if hit is not None:
            out.bodies[key] = _units(hit)
            out.cached += 1
        else:
            todo_bodies[key] = r
    if not todo_heads and not todo_bodies:
        return out
    t0, c0 = time.perf_counter(), _cpu()
    galleys = [_Galley("|".join(map(str, k)), h.article, h.width, h.tier, h.continued)
               for k, h in todo_heads.items()]
    galleys += [_Galley("|".join(map(str, k)), r.article, r.width,
                        pieces=tuple(Piece(s, s.segments, image_height=image_height(s, r.width))
                                     for s in sources(r.article)))
                for k, r in todo_bodies.items()]
    # Few galleys (the articles a rebuild changed) are laid out here: a worker would start
    # fontconfig and WeasyPrint's first layout again for them, and the 版 rendered next in
    # this process would pay for that start once more; ``aside``, in one worker all the same
    # (what this process does meanwhile is its own, see above).
    chunks = _chunks(galleys, workers if sum(_work(g) for g in galleys) > FEW else 1)
    global _JOB
    _JOB = (edition, settings, fonts)
    try:
        if workers > 1 and len(chunks) == 1 and callable(aside) and not multiprocessing.current_process().daemon:
            results = [_aside(chunks[0], meanwhile, aside)]
        elif workers > 1 and (len(chunks) > 1 or aside):
            if len(chunks) > 1:
                load(fonts)  # once, before the fork: the workers inherit WeasyPrint and fontconfig
            pool = Pool(len(chunks))
            done = False
            try:
                laid_out = pool.map(_lay_out_galleys, chunks)
                if meanwhile is not None:
                    meanwhile()
                results = pool.results(laid_out)
                done = True
            finally:
                pool.close(abort=not done)  # stopped, or failed: the workers ended at once
        else:
            results = [_lay_out_galleys(c) for c in chunks]
    finally:
        _JOB = None
    keys = {"|".join(map(str, k)): k for k in (*todo_heads, *todo_bodies)}
    too_long = [(todo_bodies[keys[k]], v["too_long"]) for result in results
                for k, v in result.items() if isinstance(v, dict) and "too_long" in v]
    if too_long:
        raise RenderError([_too_long(r, mm, settings) for r, mm in too_long])
    for result in results:
        for skey_, value in result.items():
            key = keys[skey_]
            if isinstance(value, dict):
                out.heads[key] = Head(**value)
            else:
                out.bodies[key] = _units(value)
            if store:
                store.put(key, value)
    out.measured = len(keys)
    out.seconds = time.perf_counter() - t0
    out.cpu = _cpu() - c0
    log.info("make-up: %d galleys measured in %.2f s, %d from the cache", out.measured,
             out.seconds, out.cached)
    return out


_JOB: tuple[Edition, Settings, FontSet] | None = None  # set before the pool forks


def _aside(chunk: list[_Galley], meanwhile: Callable[[], object] | None, keep: Callable[[Helper], None]):
    """``chunk`` laid out in a helper process of its own (``ahead.Helper``), forked now, while
    this process runs ``meanwhile``. The helper is given to ``keep`` as soon as it is forked,
    which owns it from then on and ends it, whatever happens (the print build renders the
    changed 版 in it, once the galleys' measures came back: WeasyPrint is loaded there and
    its first layout done)."""
    helper = Helper("the make-up's galleys", _lay_out_galleys, chunk, then=_settled)
    try:
        keep(helper)
    except BaseException:
        helper.close()
        raise
    if meanwhile is not None:
        meanwhile()
    return helper.result()


def inherited() -> tuple[Edition, Settings, FontSet]:
    """In the galleys' helper (``_aside``): the edition, settings and fonts it was forked with
    (the build's own, as they were then)."""
    assert _JOB is not None, "only in a process forked to lay out galleys"
    return _JOB


def _settled() -> None:
    """In the galleys' helper, once their measures are sent, while it waits: what exists now
    (WeasyPrint loaded, the galleys' layout freed) frozen, so that the collection after the
    render it may be given (``printing.build._render``) walks that 版 alone."""
    gc.collect()
    gc.freeze()


def _too_long(request: BodyRequest, mm: float, settings: Settings) -> Problem:
    art = request.article
    src = art.source
    lines = int(mm / (settings.print.line_height * 25.4 / 72))
    return Problem(
        f"article {art.slug!r} ({art.title}) is too long to print: its body runs past {mm / 1000:.0f} m "
        f"(over {lines:,} lines) in a text column {request.width:.0f} mm wide, more than the issue's "
        "版 could hold even continued on each", src.path if src else None, None,
        "split it into several articles (each its own file) or cut it; the reading PDF and the "
        "EPUB can be built without print (--format pdf --format epub)",
        Severity.ERROR, "article-too-long")


def _units(value: list[dict]) -> tuple[Unit, ...]:
    """Units from their JSON form (the cache's and the galley workers')."""
    return tuple(Unit(**{**u, "cuts": tuple(u["cuts"]), "ends": tuple(u["ends"])}) for u in value)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _chunks(galleys: list[_Galley], workers: int) -> list[list[_Galley]]:
    """Galleys split into ``workers`` chunks of about equal work (a body is worth more)."""
    n = max(1, min(workers, len(galleys)))
    chunks: list[list[_Galley]] = [[] for _ in range(n)]
    loads = [0] * n
    for g in sorted(galleys, key=lambda g: -_work(g)):
        i = loads.index(min(loads))
        chunks[i].append(g)
        loads[i] += _work(g)
    return [c for c in chunks if c]


def _work(g: _Galley) -> int:
    return 1 if not g.pieces else 3 * len(g.pieces)


def _lay_out_galleys(galleys: list[_Galley]) -> dict[str, dict | list[dict]]:
    """Each galley's measurement (a head's dict, a body's units), or ``{"too_long": mm}``
    for a body longer than the longest galley (``measure`` reports it)."""
    assert _JOB is not None, "the job is set before galleys are laid out"
    edition, settings, fonts = _JOB
    doc = _galley_document(galleys, edition, settings, fonts, paged=False)
    if doc.page_count > 1:  # more than one very tall page: one galley a page
        doc = _galley_document(galleys, edition, settings, fonts, paged=True)
    line = settings.print.line_height * 25.4 / 72
    out, split = _read_galleys(doc, galleys, line)
    height = GALLEY_HEIGHT
    while split:  # a body taller than its page, measured whole on a taller one
        height *= GROW
        longer = [g for g in galleys if g.key in split]
        if height > LONGEST_GALLEY:
            out.update({g.key: {"too_long": height / GROW} for g in longer})
            break
        doc = _galley_document(longer, edition, settings, fonts, paged=True, height=height)
        more, split = _read_galleys(doc, longer, line)
        out.update(more)
    missing = {g.key for g in galleys} - set(out)
    if missing:  # a galley that did not come back means the layout broke: never guess
        raise RuntimeError(f"galleys not measured: {sorted(missing)}")
    return out


def _read_galleys(doc, galleys: list[_Galley], line: float) -> tuple[dict[str, dict | list[dict]], set[str]]:
    """The measurements of the galleys laid out in ``doc``, and the keys of those that ran
    over their page, not measured whole: found on more than one page, or with fewer units
    than were set (past a page's foot the engine drops what does not fit)."""
    pieces = {g.key: len(g.pieces) for g in galleys}
    out: dict[str, dict | list[dict]] = {}
    split: set[str] = set()
    for section in doc.find("galley"):
        key = section.get("key") or ""
        if key in out:
            split.add(key)
            continue
        box = section.find("box")[0]
        if key.startswith("head|"):
            head = box.find("article-head")[0]
            title = head.find("headline")
            out[key] = {"height": round(head.margin.height, 4),
                        "title_lines": title[0].line_count if title else 0}
        else:
            out[key] = [_unit(u, line) for u in box.find("unit")]
            if len(out[key]) != pieces.get(key):
                split.add(key)
    for key in split:
        del out[key]
    return out, split


def _galley_document(galleys: list[_Galley], edition, settings: Settings, fonts: FontSet, *,
                     paged: bool, height: float = GALLEY_HEIGHT):
    heads = [g for g in galleys if not g.pieces]
    bodies = [g for g in galleys if g.pieces]
    width = max(g.width for g in galleys) + 10
    html = render("print/galley.html.j2", settings, engine=True, heads=heads, bodies=bodies,
                  paged=paged, sheet=(width, height), bleed=0, edition=edition,
                  created=edition.issue.closing_time.isoformat(),
                  profile_url=None, mm=lambda v: f"{v:.3f}mm")
    # the house's folders only: a galley draws a photo's place, never the photo, so nothing
    # of the edition is read from disk here (the reader read it once); and no output profile:
    # colour does not move a line, and an EPUB-only build (which makes up the issue for its
    # jumps) must not need the print's profile
    roots = (settings.styles_dir, settings.fonts_dir)
    return lay_out(html, base_dir=Path(edition.root),
                   stylesheets=[settings.styles_dir / n for n in STYLESHEETS], fonts=fonts,
                   sandbox=Sandbox(tuple(Path(r) for r in roots)), what="make-up galleys")


def _unit(block, line: float) -> dict:
    inner = block.children[0] if block.children else block
    kind = {"p": "p", "h3": "subhead", "figure": "figure", "table": "table"}.get(inner.tag or "", "p")
    if kind == "p" and "brief" in inner.classes:
        kind = "li"
    # to a tenth of a micrometre: the same number wherever on the galley page it was set
    height = round(block.margin.height, 4)
    if kind in ("p", "li"):
        texts = inner.texts
        return {"kind": kind, "lines": inner.line_count, "height": height, "keep_with_next": False,
                "cuts": list(cuts_for(texts)), "ends": list(printed_ends(texts)), "wide": 0.0}
    lines = max(1, math.ceil(height / line - 0.02))
    # a table wider than its column (the engine lets it overflow): never printed
    wide = round(inner.margin.width, 1) if kind == "table" and inner.margin.width > block.content.width + 0.2 else 0.0
    return {"kind": kind, "lines": lines, "height": height, "keep_with_next": kind == "subhead",
            "cuts": [], "ends": [], "wide": wide}
