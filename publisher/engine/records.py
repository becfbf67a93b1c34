"""What the engine tells the rest of publisher about a layout: plain, frozen records.

Nothing here knows WeasyPrint. Everything above the engine (the print pages, the archive's
ALTO, and later the make-up solver and the web edition) reads these, never a box:

- **Text**, for where every character landed: ``PageLayout`` (one rendered page) → ``TextLine``
  → ``TextRun`` (one run of text in one style) → ``Glyph``; and ``Picture``, where each image
  landed. Units: PDF points (1/72 in), origin at the page's top left (CSS's, not PDF's), as
  ALTO wants them.
- **Blocks**, for measuring: ``Block`` is one block-level box of a laid-out document (an
  element, or a box WeasyPrint made around loose text) with its rectangles, its own line
  boxes and its block children, in order. Units: millimetres, origin at the page's top left,
  the grid's units. ``Document.find(cls)`` (publisher.engine.rendering) gives the blocks of the
  elements of one class, so a galley of article variants is measured by reading, per
  variant, its blocks' heights, line counts and kinds (tag and classes).
- **Structure**, for the tagged reading PDF: which source element each piece of marked
  content and each link annotation of a tagged render belongs to (``Structure`` of
  ``Element``s and ``Tagged`` content, in reading order). The engine writes no structure
  tree itself: ``publisher.structure`` writes it from these, so a document joined from
  several renders (``Structure.join``) is tagged as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

PT_PER_PX = 0.75  # CSS px are 1/96 in, PDF points 1/72 in
MM_PER_PX = 25.4 / 96


# ---------------------------------------------------------------- text, in pt

class Glyph(NamedTuple):
    """One character and where it is drawn (a tuple: there are many).

    The box is the character's em box as the PDF draws it, which is what PDF viewers and
    text extractors box (pdfium's "loose" character box): from the glyph's origin, as wide
    as its advance in the font (``x``, ``width``), from the font's ascent above the
    baseline to its descent below it (``y``, ``height``). Spacing the line
    adds (letter spacing, the CJK–Latin gap, justification) lies after the glyph, outside
    its box; where one glyph draws several characters (a ligature such as the font's
    "——"), they share its box in equal parts.
    """

    text: str
    x: float
    width: float
    y: float = 0.0
    height: float = 0.0


@dataclass(frozen=True)
class TextRun:
    """One run of text in one style on one line."""

    text: str
    x: float
    y: float
    width: float
    height: float
    font_family: str  # the first family of the computed font-family list
    font_size: float  # pt
    font_weight: int
    font_style: str  # normal, italic, oblique
    glyphs: tuple[Glyph, ...]
    article: str | None  # id of the nearest ancestor whose id starts with "a-"
    role: str | None  # nearest ancestor class among layout.ROLES, or "p" for a body paragraph
    element_id: str | None  # id of the nearest ancestor that has one
    # the nearest paragraph-like element around the run (p, h1-h6, li, figcaption…, see
    # layout.PARAGRAPH_TAGS), numbered in document order: runs of one paragraph share it,
    # and so do the pieces of a paragraph the print make-up cut between text columns
    paragraph: int | None = None


@dataclass(frozen=True)
class TextLine:
    """One line box with text in it: its box and its runs, left to right."""

    x: float
    y: float
    width: float
    height: float
    runs: tuple[TextRun, ...]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def article(self) -> str | None:
        return next((r.article for r in self.runs if r.article), None)


@dataclass(frozen=True)
class Picture:
    """One image drawn on a page: its box as drawn (content box, pt) and what it shows."""

    x: float
    y: float
    width: float
    height: float
    src: str  # the image element's src attribute, as written
    article: str | None  # as for TextRun
    element_id: str | None


@dataclass(frozen=True)
class PageLayout:
    """One rendered page: its size, its text lines in layout order and its pictures."""

    index: int  # 0-based page index in the rendered document
    width: float
    height: float
    lines: tuple[TextLine, ...]
    anchors: tuple[str, ...]  # element ids whose box starts on this page, in page order
    pictures: tuple[Picture, ...] = ()

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Rendered:
    """One render: the PDF, where its text is (no pages when the layout was not asked for)
    and, for a tagged render, what its marked content belongs to (else None)."""

    pdf: bytes
    pages: tuple[PageLayout, ...]
    structure: Structure | None = None


# ---------------------------------------------------------------- blocks, in mm

@dataclass(frozen=True)
class Rect:
    """A rectangle on the page, in mm from the page's top left."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Block:
    """One block-level box of a laid-out document and what is in it.

    ``margin`` is the box with its margins (where it starts in the flow and how much room it
    takes there), ``border`` the box as drawn, ``content`` the room its content gets (CSS's
    margin, border and content boxes). ``lines`` are its own line boxes, top to bottom (a
    paragraph's lines; none for a box holding blocks) and ``texts`` what each says;
    ``children`` its block-level children in order (what is inside a line, such as an
    inline-block, is part of the line).
    A box WeasyPrint made around loose text beside blocks is ``anonymous`` and carries its
    parent's tag, id, classes and data.
    """

    page: int  # 0-based page index
    tag: str | None  # the element's tag ("p", "h3", "figure"; "p::before" for a pseudo-element)
    id: str | None
    classes: frozenset[str]
    data: tuple[tuple[str, str], ...]  # the element's data-* attributes, without "data-"
    anonymous: bool
    margin: Rect
    border: Rect
    content: Rect
    lines: tuple[Rect, ...]
    children: tuple[Block, ...]
    # the text of each of ``lines`` as laid out (spaces a line starts or ends with dropped):
    # where a paragraph's lines break, so the make-up can cut it between two of them
    texts: tuple[str, ...] = ()

    @property
    def line_count(self) -> int:
        return len(self.lines)

    def get(self, name: str) -> str | None:
        """The value of the element's ``data-NAME`` attribute."""
        return dict(self.data).get(name)

    def descendants(self) -> Iterator[Block]:
        """Every block below this one, in document order."""
        for child in self.children:
            yield child
            yield from child.descendants()

    def find(self, cls: str) -> tuple[Block, ...]:
        """The blocks below this one whose element has class ``cls`` (not below a match)."""
        found: list[Block] = []
        for child in self.children:
            if cls in child.classes and not child.anonymous:
                found.append(child)
            else:
                found.extend(child.find(cls))
        return tuple(found)


# ---------------------------------------------------------------- structure, for tagging

@dataclass(frozen=True)
class Element:
    """An element of the source document that tagged content belongs to (or an ancestor of
    one). ``key`` is its position in the document (unique in one render), ``parent`` its
    parent's key (None for the root); ``attributes`` are the element's own; ``text`` is its
    text content for an element that carries a link annotation (the annotation's
    description), else None."""

    key: int
    parent: int | None
    tag: str  # the HTML tag name: "section", "article", "p", "h2", "img", "a", "th"…
    attributes: tuple[tuple[str, str], ...]
    text: str | None = None

    def get(self, name: str) -> str | None:
        return dict(self.attributes).get(name)


@dataclass(frozen=True)
class Tagged:
    """One piece of tagged content on page ``page`` (0-based), belonging to element
    ``element``: marked content ``mcid`` of the page's content stream, or link annotation
    number ``annotation`` of the page's /Annots. ``box``: for an image, where it is drawn
    (x, y, width, height in pt from the page's top left)."""

    page: int
    element: int
    mcid: int | None = None
    annotation: int | None = None
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Structure:
    """What the tagged content of a render belongs to: ``elements`` (each listed before its
    children) and ``content`` in reading order (page by page, each page in document order).
    Content drawn as an artifact (page furniture, decoration) is not in it."""

    elements: tuple[Element, ...]
    content: tuple[Tagged, ...]

    @staticmethod
    def join(parts: Iterable[tuple[Structure, int]]) -> Structure:
        """The structure of a PDF whose pages are those of several renders one after the
        other: each part with the number of pages before it. Element keys are renumbered so
        that parts never share an element."""
        elements: list[Element] = []
        content: list[Tagged] = []
        base = 0
        for part, first_page in parts:  # made field by field: ``replace`` was most of the time
            elements.extend(Element(e.key + base, None if e.parent is None else e.parent + base, e.tag,
                                    e.attributes, e.text) for e in part.elements)
            content.extend(Tagged(t.page + first_page, t.element + base, t.mcid, t.annotation, t.box)
                           for t in part.content)
            base += 1 + max((e.key for e in part.elements), default=-1)
        return Structure(tuple(elements), tuple(content))
