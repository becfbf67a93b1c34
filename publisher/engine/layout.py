"""Reading WeasyPrint's layout into the engine's records (publisher.engine.records).

After layout every line is a ``LineBox`` whose ``TextBox`` children carry their position,
size, text, computed style and source element, and every block a box with its margins,
borders and children. This module walks that box tree (WeasyPrint's private structure:
only here) and returns plain records:

- ``text_pages``: per page, its text lines, runs and glyphs, and its pictures (pt).
  Character positions are read off the Pango line WeasyPrint draws, while it draws each
  text box — the one moment its Pango layout is live, holding everything the line was set
  with (letter spacing, the typeset pass's CJK–Latin gaps and halts, the justification) —
  by a wrapper around ``draw.text.draw_first_line`` that records nothing unless a
  ``recording()`` is open (one at a time per process: the recording is module state, as
  WeasyPrint's own font configuration is). A box that was not drawn (whitespace only) gets
  its layout re-activated afterwards instead.
- ``blocks``: the block boxes of the elements of one class (mm), for measuring.

Where a glyph is drawn (``_glyphs_drawn``) is worked out the way ``draw_first_line``
writes it into the PDF, glyph by glyph: the pen starts at the box's left edge and moves by
each glyph's Pango advance; the glyph stands at the pen plus its x offset, which the PDF
gets as thousandths of an em (``x_offset / font size``: Pango units read as 1/1000 px, as
WeasyPrint writes them); a line justified by the PDF's character spacing (engine.justify's
``Tc``) moves the pen that much further after every glyph. So spacing is *after* a glyph:
letter spacing and the gap before a Han character shift its glyph right by their left part,
and the glyph's box is its own advance in the font (``pango_font_get_glyph_extents``, what
WeasyPrint writes in the font's widths) wide, from the font's descent to its ascent
(``pango_font_get_metrics``, what it writes as the font descriptor's Descent and Ascent).
That is the box PDF viewers and text extractors give the character (pdfium's loose box:
from the origin, the font's advance wide, from the descent to the ascent), and
tests/archive compare the two.

Touches: ``weasyprint.draw.text.draw_first_line`` (a wrapper, applied by
``publisher.engine.install``; it calls the original first, then only reads) and Pango's
laid-out line, glyph strings and font metrics through WeasyPrint's cffi declarations.
"""

from __future__ import annotations

from contextlib import contextmanager

from .patching import Replacement
from .records import MM_PER_PX, PT_PER_PX, Block, Glyph, PageLayout, Picture, Rect, TextLine, TextRun

# Classes that name what a line is, nearest ancestor first (see templates/shared/article.j2).
ROLES = ("kicker", "headline", "subtitle", "byline", "dateline", "caption", "credit",
         "subhead", "brief-text", "attribution", "page-head", "editors", "masthead",
         "contents", "from", "jump")  # from, jump: the print's 上接/下转 lines
# Elements that hold one paragraph of text each: TextRun.paragraph numbers the nearest one.
PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "dt",
                            "dd", "pre", "blockquote", "td", "th", "caption", "address"})
# A paragraph the print make-up cut between text columns is one element per piece, every
# piece but the last marked CUT_END and every piece but the first CUT_START
# (templates/print/units.j2): its pieces are one paragraph, numbered as its first piece.
CUT_START, CUT_END = "cut-start", "cut-end"


# ---------------------------------------------------------------- glyphs, while drawing

_recorded: dict[int, tuple] | None = None  # id(text box) -> glyphs, during one recording
_replacements: list[Replacement] = []
_fonts: _Fonts | None = None  # what Pango tells of the fonts, during one recording


@contextmanager
def recording():
    """Record each text box's glyph positions while a document is written in this block;
    yields the record for ``text_pages``."""
    global _recorded, _fonts
    from weasyprint.text.ffi import ffi, pango

    _recorded, _fonts = {}, _Fonts(ffi, pango)
    recorded = _recorded
    try:
        yield recorded
    finally:
        _recorded = _fonts = None


def reset() -> None:
    """No recording open: for a render that no other render is inside of."""
    global _recorded, _fonts
    _recorded = _fonts = None


def draw_first_line(stream, textbox, *args, **kwargs):
    """draw.text.draw_first_line; while recording, the box's glyph positions are kept."""
    result = _replacements[0].original(stream, textbox, *args, **kwargs)
    if _recorded is not None and _fonts is not None and textbox.text.strip():  # none blank
        _recorded[id(textbox)] = _glyphs_drawn(textbox, textbox.pango_layout, _fonts)
    return result


def replacements() -> list[Replacement]:
    from weasyprint.draw import text as draw_text

    if not _replacements:
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


def _has_class(box, cls: str) -> bool:
    """``cls in _classes(box)``, without making the set (every box of a page is asked)."""
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) is None:
        return False
    classes = element.get("class")
    return bool(classes) and cls in classes.split()


def _find(box, cls: str, page: int, found: list[Block]) -> None:
    for child in getattr(box, "children", ()):
        if _has_class(child, cls):
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
    """The text lines and pictures of every page of a laid-out WeasyPrint document
    (``root``: its HTML root element; ``recorded``: the glyphs ``recording`` kept while it
    was written)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.ffi import ffi, pango

    parents = {child: parent for parent in root.iter() for child in parent}
    order = _paragraph_order(root, parents)
    context = _Context(parents, order, boxes, _Fonts(ffi, pango), recorded or {})
    pages = []
    for index, page in enumerate(document.pages):
        box = page._page_box  # WeasyPrint keeps no public handle on a page's boxes
        lines: list[TextLine] = []
        pictures: list[Picture] = []
        _collect(box, boxes, lines, pictures, context)
        pages.append(PageLayout(
            index=index, width=page.width * PT_PER_PX, height=page.height * PT_PER_PX,
            lines=tuple(lines), anchors=tuple(page.anchors), pictures=tuple(pictures)))
    return tuple(pages)


def _paragraph_order(root, parents) -> dict:
    """Each element's number in document order; the pieces of a cut paragraph (CUT_START,
    CUT_END) all get their first piece's, each joined to the last open piece of its article."""
    order: dict = {}
    open_piece: dict = {}  # article element (or None) -> its last piece marked CUT_END
    for n, element in enumerate(root.iter()):
        order[element] = n
        if element.tag not in PARAGRAPH_TAGS:
            continue
        classes = (element.get("class") or "").split()
        if CUT_START not in classes and CUT_END not in classes:
            continue
        article = element
        while article is not None and not (article.get("id") or "").startswith("a-"):
            article = parents.get(article)
        before = open_piece.pop(article, None)
        if CUT_START in classes and before is not None:
            order[element] = order[before]
        if CUT_END in classes:
            open_piece[article] = element
    return order


class _Fonts:
    """Pango's facts about a font, asked once per font (and glyph) and kept: the size
    WeasyPrint writes it at, its em box around the baseline, each glyph's own advance."""

    def __init__(self, ffi, pango):
        self.ffi, self.pango = ffi, pango
        self.rect = ffi.new("PangoRectangle *")
        self._em: dict[int, tuple[float, float, float]] = {}
        self._advance: dict[tuple[int, int], float] = {}

    def em(self, font) -> tuple[float, float, float]:
        """(size, above, below) in px: the font size the PDF sets it at (WeasyPrint's
        ``get_pango_font_key``), and how far the font reaches above and below the baseline
        (its ascent and descent, as weasyprint.pdf.fonts.Font writes them in the font
        descriptor: thousandths of an em, rounded)."""
        key = int(self.ffi.cast("uintptr_t", font))
        found = self._em.get(key)
        if found is None:
            ffi, pango = self.ffi, self.pango
            description = pango.pango_font_describe_with_absolute_size(font)
            size = pango.pango_font_description_get_size(description) / 1024
            pango.pango_font_description_free(description)
            metrics = pango.pango_font_get_metrics(font, ffi.NULL)
            ascent = pango.pango_font_metrics_get_ascent(metrics) / 1024
            descent = pango.pango_font_metrics_get_descent(metrics) / 1024
            pango.pango_font_metrics_unref(metrics)
            if size > 0:
                ascent = round(ascent / size * 1000) * size / 1000
                descent = round(descent / size * 1000) * size / 1000
            found = self._em[key] = (size, ascent, descent)
        return found

    def advance(self, font, glyph: int) -> float:
        """The glyph's own advance in px (its logical width in the font)."""
        key = (int(self.ffi.cast("uintptr_t", font)), glyph)
        found = self._advance.get(key)
        if found is None:
            self.pango.pango_font_get_glyph_extents(font, glyph, self.ffi.NULL, self.rect)
            found = self._advance[key] = self.rect.width / 1024
        return found


class _Context:
    def __init__(self, parents, order, boxes, fonts: _Fonts, recorded):
        self.recorded = recorded
        self.parents = parents
        self.order = order
        self.boxes = boxes
        self.fonts = fonts
        self.cache: dict[int, tuple[str | None, str | None, str | None, int | None]] = {}

    def ancestry(self, element) -> tuple[str | None, str | None, str | None, int | None]:
        """(article id, role, nearest id, paragraph number) for an element, from it up to
        the root."""
        if element is None:
            return None, None, None, None
        key = id(element)
        if key not in self.cache:
            article = role = nearest = paragraph = None
            node = element
            while node is not None:
                if paragraph is None and node.tag in PARAGRAPH_TAGS:
                    paragraph = self.order.get(node)
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
            self.cache[key] = (article, role, nearest, paragraph)
        return self.cache[key]


def _collect(box, boxes, lines: list[TextLine], pictures: list[Picture], ctx: _Context) -> None:
    if isinstance(box, boxes.LineBox):
        found = [_run(t, ctx) for t in _text_boxes(box, boxes)]
        runs = [r for r in found if r is not None]
        if runs and "".join(r.text for r in runs).strip():
            lines.append(TextLine(box.position_x * PT_PER_PX, box.position_y * PT_PER_PX,
                                  box.width * PT_PER_PX, box.height * PT_PER_PX, tuple(runs)))
        # a line's inline-blocks are part of the line, not lines of their own; its images
        # are pictures all the same
        _pictures(box, boxes, pictures, ctx)
        return
    if isinstance(box, boxes.ReplacedBox):
        _picture(box, pictures, ctx)
        return
    for child in getattr(box, "children", ()):
        _collect(child, boxes, lines, pictures, ctx)


def _pictures(box, boxes, pictures: list[Picture], ctx: _Context) -> None:
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.ReplacedBox):
            _picture(child, pictures, ctx)
        else:
            _pictures(child, boxes, pictures, ctx)


def _picture(box, pictures: list[Picture], ctx: _Context) -> None:
    element = getattr(box, "element", None)
    src = element.get("src") if element is not None else None
    if not src or box.style["visibility"] != "visible":
        return
    article, _role, nearest, _paragraph = ctx.ancestry(element)
    pictures.append(Picture(box.content_box_x() * PT_PER_PX, box.content_box_y() * PT_PER_PX,
                            box.width * PT_PER_PX, box.height * PT_PER_PX, src, article, nearest))


def _text_boxes(box, boxes):
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.TextBox):
            yield child
        else:
            yield from _text_boxes(child, boxes)


def _run(box, ctx: _Context) -> TextRun | None:
    if not box.text or box.style["visibility"] != "visible":
        return None
    article, role, nearest, paragraph = ctx.ancestry(box.element)
    style = box.style
    families = style["font_family"]
    return TextRun(
        text=box.text,
        x=box.position_x * PT_PER_PX, y=box.position_y * PT_PER_PX,
        width=box.width * PT_PER_PX, height=box.height * PT_PER_PX,
        font_family=families[0] if families else "",
        font_size=style["font_size"] * PT_PER_PX, font_weight=int(style["font_weight"]),
        font_style=str(style["font_style"]), glyphs=_glyphs(box, ctx),
        article=article, role=role, element_id=nearest, paragraph=paragraph)


def _glyphs(box, ctx: _Context) -> tuple[Glyph, ...]:
    """Each character's box: recorded while drawing, else read off its layout now (a box
    WeasyPrint does not draw: whitespace only)."""
    out = ctx.recorded.get(id(box))
    if out is None:
        layout = box.pango_layout
        layout.reactivate(box.style)
        try:
            out = _glyphs_drawn(box, layout, ctx.fonts)
        finally:
            layout.deactivate()
    if "".join(g.text for g in out) != box.text:
        # the layout holds other text than the box (an ellipsis, a hyphen): keep the box
        return (Glyph(box.text, box.position_x * PT_PER_PX, box.width * PT_PER_PX,
                      box.position_y * PT_PER_PX, box.height * PT_PER_PX),)
    return out


EMPTY_GLYPH = 0x0FFFFFFF  # PANGO_GLYPH_EMPTY: nothing drawn
UNKNOWN_GLYPH = 0x10000000  # PANGO_GLYPH_UNKNOWN_FLAG: drawn as .notdef


def _glyphs_drawn(box, layout, fonts: _Fonts) -> tuple[Glyph, ...]:
    """Where each character of the box's first (only) line is drawn, as draw_first_line
    writes it (see the module docstring): pt from the page's top left."""
    ffi, pango = fonts.ffi, fonts.pango
    text = layout.text
    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    if line == ffi.NULL:
        return ()
    tc = layout.__dict__.get("cjk_tc", 0.0)  # engine.justify: the PDF's Tc on this line, px
    baseline = box.position_y + box.baseline
    pen = box.position_x
    utf8 = text.encode()
    starts: dict[int, list[float]] = {}  # UTF-8 offset of a cluster's first character -> [x1, x2, top, bottom] px
    run = line.runs
    while run != ffi.NULL:
        item = run.data
        run = run.next
        font = item.item.analysis.font
        _size, above, below = fonts.em(font)
        offset = item.item.offset
        glyphs = item.glyphs
        infos, clusters = glyphs.glyphs, glyphs.log_clusters
        for k in range(glyphs.num_glyphs):
            info = infos[k]
            geometry = info.geometry
            cluster = offset + clusters[k]
            if info.glyph == EMPTY_GLYPH:
                # draw_first_line writes no glyph, only a move of width / font size
                # thousandths of an em (so width/1000 px), and Tc spaces no glyph there
                box_ = [pen, pen, baseline - above, baseline + below]
                pen += geometry.width / 1000
            else:
                origin = pen + geometry.x_offset / 1000  # thousandths of an em: px / 1000
                own = fonts.advance(font, info.glyph & ~UNKNOWN_GLYPH
                                    if info.glyph & UNKNOWN_GLYPH else info.glyph)
                box_ = [origin, origin + own, baseline - above, baseline + below]
                pen += geometry.width / 1024 + tc
            known = starts.get(cluster)
            if known is None:
                starts[cluster] = box_
            else:  # several glyphs for one character: the union
                known[0], known[1] = min(known[0], box_[0]), max(known[1], box_[1])
                known[2], known[3] = min(known[2], box_[2]), max(known[3], box_[3])
    out: list[Glyph] = []
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + len(ch.encode()))
    k = 0
    while k < len(text):
        found = starts.get(offsets[k])
        if found is None:  # a character Pango set no glyph for: none of its own
            found = [pen, pen, baseline, baseline]
        # the characters up to the next cluster share its glyph(s) in equal parts
        j = k + 1
        while j < len(text) and offsets[j] not in starts and offsets[j] < len(utf8):
            j += 1
        x1, x2, top, bottom = found
        share = (x2 - x1) / (j - k)
        for n in range(k, j):
            out.append(Glyph(text[n], (x1 + (n - k) * share) * PT_PER_PX, share * PT_PER_PX,
                             top * PT_PER_PX, (bottom - top) * PT_PER_PX))
        k = j
    return tuple(out)
