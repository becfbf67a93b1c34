"""Reading WeasyPrint's layout into the engine's records (publisher.engine.records).

After layout every line is a ``LineBox`` whose ``TextBox`` children carry their position,
size, text, computed style and source element, and every block a box with its margins,
borders and children. This module walks that box tree (WeasyPrint's private structure:
only here) and returns plain records:

- ``text_pages``: per page, its text lines, runs and glyphs (pt). Character positions come
  from Pango itself (``pango_layout_index_to_pos``), asked while WeasyPrint draws each text
  box — the one moment its Pango layout is live, set with the line's justification spacing
  — by a wrapper around ``draw.text.draw_first_line`` that records nothing unless a
  ``recording()`` is open (one at a time per process: the recording is module state, as
  WeasyPrint's own font configuration is). A box that was not drawn (whitespace only) gets
  its layout re-activated afterwards instead.
- ``blocks``: the block boxes of the elements of one class (mm), for measuring.

Touches: ``weasyprint.draw.text.draw_first_line`` (a wrapper, applied by
``publisher.engine.install``; it calls the original first, then only reads) and Pango's
``pango_layout_index_to_pos``, declared here (WeasyPrint's cffi declarations lack it).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from .patching import Replacement
from .records import MM_PER_PX, PT_PER_PX, Block, Glyph, PageLayout, Rect, TextLine, TextRun

# Classes that name what a line is, nearest ancestor first (see templates/shared/article.j2).
ROLES = ("kicker", "headline", "subtitle", "byline", "dateline", "caption", "credit",
         "subhead", "brief-text", "attribution", "page-head", "editors", "masthead",
         "contents", "from", "jump")  # from, jump: the print's 上接/下转 lines


# ---------------------------------------------------------------- glyphs, while drawing

_recorded: dict[int, tuple] | None = None  # id(text box) -> glyphs, during one recording
_replacements: list[Replacement] = []
_draw: Any = None  # Pango and a rectangle for the recording wrapper, bound by replacements()


@contextmanager
def recording():
    """Record each text box's glyph positions while a document is written in this block;
    yields the record for ``text_pages``."""
    global _recorded
    recorded: dict[int, tuple] = {}
    _recorded = recorded
    try:
        yield recorded
    finally:
        _recorded = None


def draw_first_line(stream, textbox, *args, **kwargs):
    """draw.text.draw_first_line; while recording, the box's glyph positions are kept."""
    result = _replacements[0].original(stream, textbox, *args, **kwargs)
    if _recorded is not None:
        rect, pango = _draw
        _recorded[id(textbox)] = _positions(textbox, textbox.pango_layout, rect, pango)
    return result


def replacements() -> list[Replacement]:
    global _draw
    from weasyprint.draw import text as draw_text
    from weasyprint.text.ffi import ffi, pango

    if not _replacements:
        _declare_index_to_pos(ffi)
        _draw = (ffi.new("PangoRectangle *"), pango)
        _replacements.append(Replacement(draw_text, "draw_first_line", draw_first_line))
    return _replacements


# ---------------------------------------------------------------- blocks

def page_boxes(document):
    """(index, page box) of each page of a laid-out WeasyPrint document."""
    # WeasyPrint keeps no public handle on a page's boxes
    return ((index, page._page_box) for index, page in enumerate(document.pages))


def blocks(document, cls: str) -> tuple[Block, ...]:
    """The blocks of the elements with class ``cls`` on every page, in document order (not
    below a match)."""
    found: list[Block] = []
    for index, page in page_boxes(document):
        _find(page, cls, index, found)
    return tuple(found)


def _classes(box) -> frozenset[str]:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) is None:
        return frozenset()
    return frozenset((element.get("class") or "").split())


def _find(box, cls: str, page: int, found: list[Block]) -> None:
    for child in getattr(box, "children", ()):
        if cls in _classes(child):
            found.append(_block(child, box, page))
        else:
            _find(child, cls, page, found)


def _rect(x: float, y: float, width: float, height: float) -> Rect:
    return Rect(x * MM_PER_PX, y * MM_PER_PX, width * MM_PER_PX, height * MM_PER_PX)


def _block(box, parent, page: int) -> Block:
    from weasyprint.formatting_structure import boxes

    lines, texts, children = [], [], []
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.LineBox):
            lines.append(_rect(child.position_x, child.position_y, child.width, child.height))
            texts.append("".join(t.text for t in _text_boxes(child, boxes)).strip())
        else:
            children.append(_block(child, box, page))
    element = getattr(box, "element", None)
    tag = getattr(box, "element_tag", None)
    anonymous = (parent is not None and element is getattr(parent, "element", None)
                 and tag == getattr(parent, "element_tag", None))
    attributes = dict(element.attrib) if element is not None and tag is not None else {}
    return Block(
        page=page, tag=tag, id=attributes.get("id"), classes=_classes(box),
        data=tuple((k[5:], v) for k, v in attributes.items() if k.startswith("data-")),
        anonymous=anonymous,
        margin=_rect(box.position_x, box.position_y, box.margin_width(), box.margin_height()),
        border=_rect(box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()),
        content=_rect(box.content_box_x(), box.content_box_y(), box.width, box.height),
        lines=tuple(lines), children=tuple(children), texts=tuple(texts))


# ---------------------------------------------------------------- text lines

def text_pages(document, root, recorded: dict | None = None) -> tuple[PageLayout, ...]:
    """The text lines of every page of a laid-out WeasyPrint document (``root``: its HTML
    root element; ``recorded``: the glyphs ``recording`` kept while it was written)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.ffi import ffi, pango

    _declare_index_to_pos(ffi)
    parents = {child: parent for parent in root.iter() for child in parent}
    context = _Context(parents, boxes, ffi, pango, recorded or {})
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
        found = [_run(t, ctx) for t in _text_boxes(box, boxes)]
        runs = [r for r in found if r is not None]
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
    # A line of Chinese justified by the PDF's character spacing (engine.justify's Tc): each
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
