"""Where every line of text landed: WeasyPrint's layout as plain data.

The archive's ALTO files (and any test of where text sits) need the exact position of
each printed line, which the PDF alone does not keep in a usable form. WeasyPrint knows
it: after layout, every line is a ``LineBox`` whose ``TextBox`` children carry their
position, size, text, computed style and source element. ``render_with_layout`` lays an
HTML document out ONCE and returns both the PDF bytes and, for each PDF page, its text
lines as frozen records (``PageLayout``), so any WeasyPrint render — the reading PDF
today, the print pages later — can feed ALTO without a second pass.

Besides ``publisher.pdf``, this is the only module that imports WeasyPrint (its box
classes and its Pango binding); it renders through ``pdf.render_pdf_and`` so the font
sandbox, URL confinement and warning capture are the same as for every other PDF.

Units: PDF points (1/72 in), origin at the top left of the page (CSS's, not PDF's).
Character positions come from Pango itself (``pango_layout_index_to_pos``), asked while
WeasyPrint draws each text box — the one moment its Pango layout is live, set with the
line's justification spacing — through a wrapper around ``draw.text.draw_first_line``
that records nothing unless a ``render_with_layout`` is running (one at a time per
process: the recording is module state, as WeasyPrint's own font configuration is). A box
that was not drawn (whitespace only) gets its layout re-activated afterwards instead.
``write_with_layout`` does the same for a Document laid out elsewhere (the print pages,
rendered in worker processes: each worker returns its page's PDF AND its layout).

Outside the trim. A print page also draws crop marks and a slug line outside its trim
(elements of class ``crop`` and ``slug``). Once ``install_draw_hooks`` has run in a
process (the print workers call it before every write, so print files do not depend on
whether an archive was asked for), their drawing is wrapped in ``/Artifact`` marked
content between two PDF comments (``OUTSIDE_TRIM_BEGIN`` … ``OUTSIDE_TRIM_END``), so the
archive can cut them out of the page's content stream exactly (``strip_outside_trim``)
instead of leaving them hidden beyond the MediaBox — same layout, same write, no second
render. Their text lines are still recorded (they are on the sheet); the archive drops
lines outside the trim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .fonts import FontSet
from .pdf import Sandbox, render_pdf_and

PT_PER_PX = 0.75  # CSS px are 1/96 in, PDF points 1/72 in

# Classes that name what a line is, nearest ancestor first (see templates/shared/article.j2).
ROLES = ("kicker", "headline", "subtitle", "byline", "dateline", "caption", "credit",
         "subhead", "brief-text", "attribution", "page-head", "editors", "masthead",
         "contents", "from", "jump")  # from, jump: the print's 上接/下转 lines


class Glyph(NamedTuple):
    """One character and its horizontal extent on the page (a tuple: there are many)."""

    text: str
    x: float
    width: float


@dataclass(frozen=True)
class TextRun:
    """One WeasyPrint text box: a run of text in one style on one line."""

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
    role: str | None  # nearest ancestor class among ROLES, or "p" for a body paragraph
    element_id: str | None  # id of the nearest ancestor that has one


@dataclass(frozen=True)
class TextLine:
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
class PageLayout:
    index: int  # 0-based page index in the rendered document
    width: float
    height: float
    lines: tuple[TextLine, ...]
    anchors: tuple[str, ...]  # element ids whose box starts on this page, in page order

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Rendered:
    """One render: the PDF and where its text is."""

    pdf: bytes
    pages: tuple[PageLayout, ...]


def render_with_layout(html: str, *, base_dir: Path, stylesheets: list[Path], fonts: FontSet,
                       sandbox: Sandbox, what: str, xmp: bytes | None = None,
                       **options) -> Rendered:
    """Render once: the PDF bytes and each page's text lines."""
    global _recorded
    _recorded = {}
    try:
        pdf, pages = render_pdf_and(html, base_dir=base_dir, stylesheets=stylesheets,
                                    fonts=fonts, sandbox=sandbox, what=what,
                                    inspect=extract_layout, before_write=install_draw_hooks,
                                    xmp=xmp, **options)
    finally:
        _recorded = None
    return Rendered(pdf, pages)


def write_with_layout(document, write) -> Rendered:
    """``write()`` a laid-out WeasyPrint Document (it returns the PDF bytes), recording its layout."""
    global _recorded
    install_draw_hooks()
    _recorded = {}
    try:
        pdf = write()
        pages = extract_layout(document, _root_element(document))
    finally:
        _recorded = None
    return Rendered(pdf, pages)


def _root_element(document):
    """The HTML root element of a Document (its root box's element)."""
    page_box = document.pages[0]._page_box
    return page_box.children[0].element


# ---------------------------------------------------------------- outside the trim

OUTSIDE_TRIM_CLASSES = frozenset({"crop", "slug"})
OUTSIDE_TRIM_BEGIN = b"%publisher:outside-trim{"
OUTSIDE_TRIM_END = b"%publisher:outside-trim}"
_OUTSIDE = re.compile(re.escape(OUTSIDE_TRIM_BEGIN) + rb"\r?\n.*?" + re.escape(OUTSIDE_TRIM_END),
                      re.DOTALL)


def strip_outside_trim(content: bytes) -> tuple[bytes, int]:
    """A page content stream without what was drawn outside the trim, and how many cuts.

    Each cut is a balanced ``q /Artifact BMC … EMC Q`` between the two comments written
    while drawing (PDF comments run to the end of the line; WeasyPrint writes glyphs as
    hex strings, so the markers cannot occur inside text).
    """
    return _OUTSIDE.subn(b"", content)


def _outside_trim(box) -> bool:
    element = getattr(box, "element", None)
    if element is None:
        return False
    return bool(OUTSIDE_TRIM_CLASSES & set((element.get("class") or "").split()))


# ---------------------------------------------------------------- glyphs, while drawing

_recorded: dict[int, tuple] | None = None  # id(text box) -> glyphs, during one render


def install_draw_hooks() -> None:
    """Wrap WeasyPrint's drawing: glyph positions (while recording), outside-trim marks."""
    from weasyprint.draw import text as draw_text
    from weasyprint.text.ffi import ffi, pango

    if getattr(draw_text.draw_first_line, "publisher_glyphs", False):
        return
    _declare_index_to_pos(ffi)
    original = draw_text.draw_first_line
    rect = ffi.new("PangoRectangle *")

    def draw_first_line(stream, textbox, *args, **kwargs):
        result = original(stream, textbox, *args, **kwargs)
        if _recorded is not None:
            _recorded[id(textbox)] = _positions(textbox, textbox.pango_layout, rect, pango)
        return result

    draw_first_line.publisher_glyphs = True
    draw_text.draw_first_line = draw_first_line

    import pydyf
    from weasyprint import draw

    original_context = draw.draw_stacking_context

    def draw_stacking_context(stream, stacking_context):
        if not _outside_trim(stacking_context.box):
            return original_context(stream, stacking_context)
        stream.stream.append(OUTSIDE_TRIM_BEGIN)
        stream.push_state()
        pydyf.Stream.begin_marked_content(stream, "Artifact")
        try:
            return original_context(stream, stacking_context)
        finally:
            pydyf.Stream.end_marked_content(stream)
            stream.pop_state()
            stream.stream.append(OUTSIDE_TRIM_END)

    draw.draw_stacking_context = draw_stacking_context


# ---------------------------------------------------------------- walking the boxes


def extract_layout(document, root) -> tuple[PageLayout, ...]:
    """The text lines of every page of a laid-out WeasyPrint document."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.ffi import ffi, pango

    _declare_index_to_pos(ffi)
    parents = {child: parent for parent in root.iter() for child in parent}
    context = _Context(parents, boxes, ffi, pango, _recorded or {})
    pages = []
    for index, page in enumerate(document.pages):
        box = page._page_box  # WeasyPrint keeps no public handle on a page's boxes
        lines: list[TextLine] = []
        _collect_lines(box, boxes, lines, context)
        pages.append(PageLayout(
            index=index, width=page.width * PT_PER_PX, height=page.height * PT_PER_PX,
            lines=tuple(lines), anchors=tuple(page.anchors)))
    return tuple(pages)


_declared = False


def _declare_index_to_pos(ffi) -> None:
    # WeasyPrint's cffi declarations lack this Pango call; ABI-mode cffi resolves it lazily.
    global _declared
    if not _declared:
        ffi.cdef("void pango_layout_index_to_pos (PangoLayout *layout, int index_, "
                 "PangoRectangle *pos);")
        _declared = True


class _Context:
    def __init__(self, parents, boxes, ffi, pango, recorded):
        self.recorded = recorded
        self.parents = parents
        self.boxes = boxes
        self.ffi = ffi
        self.pango = pango
        self.cache: dict[int, tuple[str | None, str | None, str | None]] = {}
        self.rect = ffi.new("PangoRectangle *")  # one out-parameter for every query

    def ancestry(self, element) -> tuple[str | None, str | None, str | None]:
        """(article id, role, nearest id) for an element, from it up to the root."""
        if element is None:
            return None, None, None
        key = id(element)
        if key not in self.cache:
            article = role = nearest = None
            node = element
            while node is not None:
                ident = node.get("id")
                if ident and nearest is None:
                    nearest = ident
                if ident and ident.startswith("a-") and article is None:
                    article = ident
                if role is None:
                    classes = (node.get("class") or "").split()
                    role = next((c for c in classes if c in ROLES), None)
                    if role is None and node.tag == "p":
                        role = "p"  # a body paragraph (the lead paragraph too)
                node = self.parents.get(node)
            self.cache[key] = (article, role, nearest)
        return self.cache[key]


def _collect_lines(box, boxes, out: list[TextLine], ctx: _Context) -> None:
    if isinstance(box, boxes.LineBox):
        runs = [_run(t, ctx) for t in _text_boxes(box, boxes)]
        runs = [r for r in runs if r is not None]
        if runs and "".join(r.text for r in runs).strip():
            out.append(TextLine(box.position_x * PT_PER_PX, box.position_y * PT_PER_PX,
                                box.width * PT_PER_PX, box.height * PT_PER_PX, tuple(runs)))
        return  # a line's inline-blocks are part of the line, not lines of their own
    for child in getattr(box, "children", ()):
        _collect_lines(child, boxes, out, ctx)


def _text_boxes(box, boxes):
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.TextBox):
            yield child
        else:
            yield from _text_boxes(child, boxes)


def _run(box, ctx: _Context) -> TextRun | None:
    if not box.text or box.style["visibility"] != "visible":
        return None
    article, role, nearest = ctx.ancestry(box.element)
    style = box.style
    families = style["font_family"]
    return TextRun(
        text=box.text,
        x=box.position_x * PT_PER_PX, y=box.position_y * PT_PER_PX,
        width=box.width * PT_PER_PX, height=box.height * PT_PER_PX,
        font_family=families[0] if families else "",
        font_size=style["font_size"] * PT_PER_PX, font_weight=int(style["font_weight"]),
        font_style=str(style["font_style"]), glyphs=_glyphs(box, ctx),
        article=article, role=role, element_id=nearest)


def _glyphs(box, ctx: _Context) -> tuple[Glyph, ...]:
    """Each character's x and advance: recorded while drawing, else asked of Pango now."""
    out = ctx.recorded.get(id(box))
    if out is None:
        layout = box.pango_layout
        layout.reactivate(box.style)
        try:
            out = _positions(box, layout, ctx.rect, ctx.pango)
        finally:
            layout.deactivate()
    if "".join(g.text for g in out) != box.text:
        # the layout holds other text than the box (an ellipsis, a hyphen): keep the box
        return (Glyph(box.text, box.position_x * PT_PER_PX, box.width * PT_PER_PX),)
    return out


def _positions(box, layout, rect, pango) -> tuple[Glyph, ...]:
    """Ask the box's live Pango layout where each of its characters sits."""
    to_pos, pango_layout = pango.pango_layout_index_to_pos, layout.layout
    x0 = box.position_x * PT_PER_PX
    scale = PT_PER_PX / 1024  # Pango units are 1/1024 CSS px here
    # A line of Chinese justified by the PDF's character spacing (pdf_justify's Tc): each
    # character stands that much further right than the one before, which Pango's glyphs
    # do not hold; the last one gains nothing (the line ends there).
    spacing = layout.__dict__.get("cjk_tc", 0.0) * PT_PER_PX
    last = len(layout.text) - 1
    out = []
    index = 0
    for k, ch in enumerate(layout.text):
        to_pos(pango_layout, index, rect)
        out.append(Glyph(ch, x0 + rect.x * scale + k * spacing,
                         abs(rect.width) * scale + (spacing if k < last else 0.0)))
        index += 1 if ch < "\x80" else len(ch.encode("utf-8"))
    return tuple(out)
