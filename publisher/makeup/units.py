"""An article's body as the make-up sees it: units of whole lines, and where they may be cut.

A unit is one block of the body as it is printed in a text column: a paragraph (the lead
paragraph carries the dateline), a brief, a subhead, a figure or a table. The same units are set in
the galley that measures them and on the page that prints them (``print/units.j2``), so a
unit is as tall on the page as it was measured.

Paragraphs and briefs may be cut between two lines when a text column ends inside them; the
two parts are printed as two blocks (the first justified to its last line, the second
without its indent). A cut is allowed only where it changes nothing the typeset pass decides
(``safe_cut``), and only with two lines on each side (orphans and widows), so the parts lay
out exactly as the lines did in the galley. ``Segment``s carry the text with its styles:
cutting a unit's text is cutting its segments after a count of printed characters.

Pure: no I/O, no engine.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..model import Article, ArticleKind, Brief, Figure, Paragraph, RunStyle, Subhead, Table
from ..typeset.punctuation import is_han
from ..typeset.spacing import CLOSING_MARKS

ORPHANS = WIDOWS = 2  # lines kept together at a cut (as print.css sets for paragraphs)

# How a segment of text is set: the lead's dateline, plain text, 黑体 emphasis, 着重号, a
# brief's text and its attribution.
STYLES = ("dateline", "plain", "strong", "emphasis", "brief-text", "attribution")


@dataclass(frozen=True)
class Segment:
    text: str
    style: str = "plain"


@dataclass(frozen=True)
class Source:
    """One unit's content: text segments (paragraph, brief) or a whole block (subhead,
    figure), with the index of the body block it comes from."""

    kind: str  # "p", "li", "subhead", "figure", "table"
    block: int  # index in article.body (-1: a lead paragraph made of the dateline alone)
    segments: tuple[Segment, ...] = ()
    item: Subhead | Figure | Table | None = None
    lead: bool = False  # the article's first paragraph (indented like any other)

    @property
    def text(self) -> bool:
        return self.kind in ("p", "li")


T = TypeVar("T")


def per_article(fn: Callable[[Article], T]) -> Callable[[Article], T]:
    """``fn`` worked out once per article object (articles are frozen: the answer cannot
    change), kept while the article lives. The make-up asks for the same article's units
    and content key thousands of times over an issue (each variant, each column of each
    plan); keyed by identity, not by value, which would hash the whole copy each time."""
    done: dict[int, T] = {}

    @functools.wraps(fn)
    def once(article: Article) -> T:
        try:
            return done[id(article)]
        except KeyError:
            value = done[id(article)] = fn(article)
            weakref.finalize(article, done.pop, id(article), None)  # before its id is reused
            return value
    return once


@per_article
def sources(article: Article) -> tuple[Source, ...]:
    """The body of ``article`` as units, in order (the dateline opens the first paragraph,
    as the shared article macros print it)."""
    out: list[Source] = []
    lead = article.dateline
    briefs = article.kind is ArticleKind.BRIEFS
    for i, block in enumerate(article.body):
        if isinstance(block, Paragraph) and not briefs:
            segs = [Segment(r.text, _STYLE[r.style]) for r in block.runs if r.text]
            is_lead = bool(lead)
            if lead:
                segs.insert(0, Segment(lead, "dateline"))
                lead = None
            out.append(Source("p", i, tuple(segs), lead=is_lead))
        elif isinstance(block, Brief):
            segs = [Segment(block.text, "brief-text")]
            if block.attribution:
                segs.append(Segment("（" + "、".join(block.attribution) + "）", "attribution"))
            out.append(Source("li", i, tuple(segs)))
        elif isinstance(block, Subhead) and not briefs:
            out.append(Source("subhead", i, item=block))
        elif isinstance(block, Figure):
            out.append(Source("figure", i, item=block))
        elif isinstance(block, Table):
            out.append(Source("table", i, item=block))
    if lead and not briefs:
        out.append(Source("p", -1, (Segment(lead, "dateline"),), lead=True))
    return tuple(out)


_STYLE = {RunStyle.PLAIN: "plain", RunStyle.STRONG: "strong", RunStyle.EMPHASIS: "emphasis"}


@dataclass(frozen=True)
class Unit:
    """A measured unit: how many lines it takes in a text column of one width."""

    kind: str  # as its Source
    lines: int  # lines it takes (a subhead or figure: its height rounded up to whole lines)
    height: float  # mm, as measured (a figure or subhead: less than ``lines`` lines)
    keep_with_next: bool = False  # a subhead: never the last thing in a column
    cuts: tuple[int, ...] = ()  # j: it may be cut after its j-th line
    ends: tuple[int, ...] = ()  # printed characters (no spaces) up to the end of each line
    wide: float = 0.0  # a table wider than the column: its width in mm (never printed)

    @property
    def text(self) -> bool:
        return self.kind in ("p", "li")


def safe_cut(before: str, after: str) -> bool:
    """A paragraph may be cut between a line ending in ``before`` and one starting with
    ``after`` when neither side is something the typeset pass decides across lines: a mark
    pair squeezed together (halt), an opening mark at a paragraph's start, a gap between
    Han and Latin. Han (or a closing mark) | Han is safe."""
    return bool(before) and bool(after) and (is_han(before) or before in CLOSING_MARKS) and is_han(after)


def cuts_for(texts: tuple[str, ...]) -> tuple[int, ...]:
    """The lines after which a text unit of these line texts may be cut."""
    n = len(texts)
    return tuple(j for j in range(ORPHANS, n - WIDOWS + 1)
                 if texts[j - 1] and texts[j] and safe_cut(texts[j - 1][-1], texts[j][0]))


def printed_ends(texts: tuple[str, ...]) -> tuple[int, ...]:
    total, out = 0, []
    for t in texts:
        total += sum(1 for c in t if not c.isspace())
        out.append(total)
    return tuple(out)


def cut_segments(segments: tuple[Segment, ...], start: int, end: int | None) -> tuple[Segment, ...]:
    """The segments' text from printed character ``start`` to ``end`` (counts without
    spaces; None: to the end), styles kept. Spaces inside the cut are kept, not those
    before its first printed character or after its last."""
    out: list[Segment] = []
    seen = 0
    for seg in segments:
        if end is not None and seen >= end:
            break  # past the cut: nothing more is taken
        text = seg.text
        counted = len(text) - sum(map(str.isspace, text))
        if seen + counted <= start:  # wholly before the cut (its spaces too: nothing taken yet)
            seen += counted
            continue
        if seen >= start and (end is None or seen + counted < end):  # wholly inside
            taken = text if out else text.lstrip()  # str.lstrip strips what isspace calls space
            seen += counted
        else:  # the cut starts or ends inside it: character by character
            chars = []
            for c in text:
                inside = seen >= start and (end is None or seen < end)
                if not c.isspace():
                    if inside:
                        chars.append(c)
                    seen += 1
                elif inside and (chars or out):
                    chars.append(c)
            taken = "".join(chars)
        if taken:
            out.append(Segment(taken, seg.style))
    return tuple(out)


@dataclass(frozen=True)
class Piece:
    """What a text column prints of one unit (``print/units.j2`` sets it): the whole unit,
    or the lines of a cut; a galley sets whole units."""

    source: Source
    segments: tuple[Segment, ...] = ()
    cut_start: bool = False
    cut_end: bool = False
    lines: int = 0
    height: float = 0.0  # mm: a subhead's or figure's whole lines (0: text sets its own)
    pad: float = 0.0  # mm of air above a subhead in its lines
    image_height: float = 0.0  # mm: a photo at the column's width
    start: int = 0  # printed characters (no spaces) of the unit before this piece (a cut's)
