"""ALTO v4 (4.4) text files: one per 版, with the exact position of every character.

Libraries get ALTO from OCR on page scans; ours comes from the typesetter's own layout
of the print page (``publisher.engine``, recorded by the print workers while they
write each page), so every coordinate is where the text was set, not a guess.

Shape of a file: ``Description`` (unit, the page PDF it describes, how and when it was
made), ``Styles`` (one TextStyle per font/size/weight in use), then the ``Page`` (the 版's
one printed page, its trim) with a ``PrintSpace`` of ``TextBlock``s (one per paragraph of
an article part and column: see ``archive.pages``), ``TextLine``s, and ``String``s — text
without spaces, split at the spaces the line prints, each followed by an ``SP`` where a
space was set. Every String carries a ``Glyph`` per character. Photos are
``Illustration``s (TYPE photo, FILEID the METS file of the image) and stand with their
caption in a ``ComposedBlock`` (TYPE "photo with caption"), the Illustration's ``IDNEXT``
naming the caption's first block.

Geometry nests: a Glyph's box is where the PDF draws the character (``engine.Glyph``: from
its origin, its advance wide, the font's ascent to descent: the box PDF viewers give it);
a String's box is around its Glyphs, a TextLine's is the line box as set grown to hold its
Strings, a TextBlock's is around its lines, a ComposedBlock's around its parts. Boxes are
written from rounded edges, so what is inside stays inside once written.

Unit: ``mm10`` (tenths of a millimetre) by default, or ``inch1200`` (1/1200 inch, the NDNP
profile's), measured from the top left corner of the trim, written with two decimals:
positions are exact to a micrometre and the files are byte-identical for identical
layouts. Millimetres because the print geometry is set in them (a broadsheet page is
exactly 3900 × 5450); a physical unit, as we have no scan whose pixels could be the unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ..engine import TextLine, TextRun
from ..model import Edition, Figure
from .pages import ArchivePage, Block, PagePicture, glyph_edges, line_extent

NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XLINK = "http://www.w3.org/1999/xlink"
SCHEMA_LOCATION = f"{NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
# units ALTO knows, per pt (1 pt = 25.4/72 mm = 3.5277… tenths of a mm = 16.66… 1/1200 in)
UNITS = {"mm10": 254 / 72, "inch1200": 1200 / 72}
MM10_PER_PT = UNITS["mm10"]


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


@dataclass(frozen=True)
class _Style:
    family: str
    size: float
    bold: bool
    italic: bool


def _style(run: TextRun) -> _Style:
    return _Style(run.font_family, round(run.font_size, 2), run.font_weight >= 600,
                  run.font_style in ("italic", "oblique"))


class _Writer:
    """Coordinates in one unit, from rounded edges (hundredths of the unit, two decimals)."""

    def __init__(self, unit: str):
        self.k = UNITS[unit] * 100  # pt to hundredths of the unit, the last digit written

    def span(self, x: float, w: float) -> tuple[str, str]:
        """Position and size from rounded EDGES: a span inside another stays inside once
        written."""
        a = round(x * self.k)
        return _fmt(a), _fmt(round((x + w) * self.k) - a)

    def edges(self, x1: float, y1: float, x2: float, y2: float) -> str:
        """The four box attributes of the box with these edges (pt)."""
        hpos, width = self.span(x1, x2 - x1)
        vpos, height = self.span(y1, y2 - y1)
        return f' HEIGHT="{height}" WIDTH="{width}" HPOS="{hpos}" VPOS="{vpos}"'

    def box(self, box: tuple[float, float, float, float]) -> str:
        x, y, w, h = box
        return self.edges(x, y, x + w, y + h)


def _fmt(n: int) -> str:
    return f"{n / 100:.2f}"  # n is an integer: the float is within 1e-12 of n/100


def build_alto(edition: Edition, page: ArchivePage, pdf_href: str, version: str, *,
               made: str, agency: str, unit: str = "mm10",
               image_file: Callable[[Figure], str | None] = lambda fig: None) -> bytes:
    """The ALTO document of one 版 (``pdf_href``: its page PDF, relative to the ALTO file;
    ``made``: when, ISO 8601; ``agency``: who made it; ``image_file(figure)``: the METS
    file id of a figure's image, for the Illustration's FILEID)."""
    styles: dict[_Style, str] = {}
    for sheet in page.sheets:
        for block in sheet.blocks:
            for line in block.lines:
                for run in line.runs:
                    styles.setdefault(_style(run), f"TS{len(styles) + 1}")
    w = _Writer(unit)

    root = etree.Element(_q("alto"), nsmap={None: NS, "xlink": XLINK, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    root.set("SCHEMAVERSION", "4.4")

    desc = etree.SubElement(root, _q("Description"))
    etree.SubElement(desc, _q("MeasurementUnit")).text = unit
    src = etree.SubElement(desc, _q("sourceImageInformation"))
    etree.SubElement(src, _q("fileName")).text = pdf_href
    proc = etree.SubElement(desc, _q("Processing"), ID="PROC1")
    etree.SubElement(proc, _q("processingCategory")).text = "contentGeneration"
    etree.SubElement(proc, _q("processingDateTime")).text = made
    etree.SubElement(proc, _q("processingAgency")).text = agency
    etree.SubElement(proc, _q("processingStepDescription")).text = (
        "Text and positions taken from the typesetting layout that produced the page PDF "
        "(WeasyPrint boxes and the glyphs Pango set and the PDF draws); no OCR.")
    soft = etree.SubElement(proc, _q("processingSoftware"))
    etree.SubElement(soft, _q("softwareCreator")).text = "publisher"
    etree.SubElement(soft, _q("softwareName")).text = "publisher"
    etree.SubElement(soft, _q("softwareVersion")).text = version

    st = etree.SubElement(root, _q("Styles"))
    for style, sid in styles.items():
        el = etree.SubElement(st, _q("TextStyle"), ID=sid, FONTFAMILY=style.family)
        kind = _font_type(style.family)
        if kind:
            el.set("FONTTYPE", kind)
        el.set("FONTWIDTH", "proportional")
        el.set("FONTSIZE", f"{style.size:g}")  # ALTO: font size in points, whatever the unit
        flags = [f for f, on in (("bold", style.bold), ("italics", style.italic)) if on]
        if flags:
            el.set("FONTSTYLE", " ".join(flags))

    # The layout part is most of the file (an element per character): it is written as
    # text, about five times faster than element by element, and spliced in.
    etree.SubElement(root, _q("Layout")).text = _MARK
    out: list[str] = []
    lang = edition.paper.language
    for sheet in page.sheets:
        lay = sheet.layout
        pid = f"P{page.page.number}" + (f"S{sheet.number}" if len(page.sheets) > 1 else "")
        out.append(f'    <Page ID="{pid}" PHYSICAL_IMG_NR="{sheet.number}" '
                   f'PRINTED_IMG_NR={_attr(page.page.display_label)} '
                   f'WIDTH="{w.span(0, lay.width)[1]}" HEIGHT="{w.span(0, lay.height)[1]}" '
                   'PROCESSINGREFS="PROC1">\n')
        boxes = [b.box for b in sheet.blocks] + [p.box for p in sheet.pictures]
        if boxes:
            x1 = min(b[0] for b in boxes)
            y1 = min(b[1] for b in boxes)
            x2 = max(b[0] + b[2] for b in boxes)
            y2 = max(b[1] + b[3] for b in boxes)
            out.append(f"      <PrintSpace{w.edges(x1, y1, x2, y2)}>\n")
        else:
            out.append(f"      <PrintSpace{w.edges(0, 0, lay.width, lay.height)}>\n")
        for item in _reading_order(sheet):
            if isinstance(item, Block):
                _block(out, w, item, styles, lang, "        ")
            else:
                pic, captions = item
                _picture(out, w, pic, captions, styles, lang, image_file)
        out.append("      </PrintSpace>\n    </Page>\n")
    head = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    before, after = head.split(_MARK.encode(), 1)
    return before + b"\n" + "".join(out).encode("utf-8") + b"  " + after


_MARK = "@@publisher-alto-layout@@"


def _reading_order(sheet):
    """The sheet's blocks in order, each photo (with its caption blocks) where its caption
    starts; a photo without a caption before the next block of its article below it."""
    by_caption = {p.captions[0]: p for p in sheet.pictures if p.captions}
    in_caption = {c for p in sheet.pictures for c in p.captions}
    blocks = {b.id: b for b in sheet.blocks}
    loose = [p for p in sheet.pictures if not p.captions]
    for block in sheet.blocks:
        for pic in [p for p in loose if p.article == block.article
                    and block.box[1] >= p.box[1] + p.box[3] - 1.0]:
            loose.remove(pic)
            yield pic, ()
        if block.id in by_caption:
            pic = by_caption[block.id]
            yield pic, tuple(blocks[c] for c in pic.captions)
        elif block.id not in in_caption:
            yield block
    for pic in loose:
        yield pic, ()


def _picture(out: list[str], w: _Writer, pic: PagePicture, captions: tuple[Block, ...], styles,
             lang: str, image_file) -> None:
    fileid = image_file(pic.figure) if pic.figure is not None else None
    attrs = f' ID="{pic.id}"{w.box(pic.box)} TYPE="photo"'
    if fileid:
        attrs += f" FILEID={_attr(fileid)}"
    if captions:
        attrs += f' IDNEXT="{captions[0].id}"'
    illustration = f"<Illustration{attrs}/>\n"
    if not captions:
        out.append("        " + illustration)
        return
    boxes = [pic.box] + [b.box for b in captions]
    x1, y1 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x2, y2 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    out.append(f'        <ComposedBlock ID="{pic.id}_CB"{w.edges(x1, y1, x2, y2)} '
               'TYPE="photo with caption">\n')
    out.append("          " + illustration)
    for block in captions:
        _block(out, w, block, styles, lang, "          ")
    out.append("        </ComposedBlock>\n")


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                          "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _attr(value: str) -> str:
    """A quoted XML attribute value."""
    return '"' + value.translate(_ESCAPES) + '"'


def _font_type(family: str) -> str | None:
    f = family.lower()
    if "sans" in f or "hei" in f:
        return "sans-serif"
    if "serif" in f or "song" in f or "kai" in f:
        return "serif"
    return None


def _block(out: list[str], w: _Writer, block: Block, styles, lang: str, indent: str) -> None:
    # no ALTO attribute fits "article part": METS says it; the block id is what it points at
    out.append(f'{indent}<TextBlock ID="{block.id}"{w.box(block.box)} LANG={_attr(lang)}>\n')
    for i, line in enumerate(block.lines, start=1):
        _line(out, w, line, f"{block.id}_L{i:03d}", styles)
    out.append(f"{indent}</TextBlock>\n")


def _line(out: list[str], w: _Writer, line: TextLine, lid: str, styles) -> None:
    """A TextLine: the line box grown to hold its glyphs (pages.line_extent), its Strings
    (each around its glyphs' boxes) with an SP in each gap the line prints a space in."""
    items: list[str] = []
    n = 0
    previous = None  # the edges of the String before, for the SP after it
    pending_sp = False
    for kind, run, glyphs in _tokens(line):
        if kind == "sp":
            pending_sp = n > 0  # ALTO: a line starts with a String; none at the end
            continue
        x1, y1, x2, y2 = glyph_edges(glyphs)
        if pending_sp and previous is not None:
            # the space between the two Strings, from one's right edge to the other's left
            start = previous[2]
            hpos, width = w.span(start, max(0.0, x1 - start))
            vpos, _ = w.span(previous[1], 0.0)
            items.append(f'            <SP ID="{lid}_SP{n:03d}" WIDTH="{width}" HPOS="{hpos}" '
                         f'VPOS="{vpos}"/>\n')
        pending_sp = False
        previous = (x1, y1, x2, y2)
        n += 1
        content = _attr("".join(g.text for g in glyphs))
        head = (f'            <String ID="{lid}_S{n:03d}" STYLEREFS="{styles[_style(run)]}"'
                f'{w.edges(x1, y1, x2, y2)} CONTENT={content}')
        if all(len(g.text) == 1 for g in glyphs):
            parts = [head, ">\n"]
            for g in glyphs:
                parts.append(f'              <Glyph CONTENT={_attr(g.text)}'
                             f'{w.edges(g.x, g.y, g.x + g.width, g.y + g.height)}/>\n')
            parts.append("            </String>\n")
            items.append("".join(parts))
        else:
            items.append(head + "/>\n")
    if n == 0:  # a line of spaces only cannot be ALTO; the engine drops those already
        return
    out.append(f'          <TextLine ID="{lid}"{w.edges(*line_extent(line))}>\n')
    out.extend(items)
    out.append("          </TextLine>\n")


def _tokens(line: TextLine):
    """("str" | "sp", run, glyphs) in line order; adjacent spaces merge across runs."""
    pending_space = None
    for run in line.runs:
        current: list = []
        for g in run.glyphs:
            if g.text.isspace():
                if current:
                    yield "str", run, current
                    current = []
                if pending_space is None:
                    pending_space = ("sp", run, [g])
                else:
                    pending_space[2].append(g)
            else:
                if pending_space is not None:
                    yield pending_space
                    pending_space = None
                current.append(g)
        if current:
            yield "str", run, current
    # a trailing space is dropped: nothing follows it on the line


def strings_text(alto: bytes) -> list[str]:
    """The CONTENT of every String of an ALTO file, in document order (for checks)."""
    root = etree.fromstring(alto)
    return [s.get("CONTENT") for s in root.iter(_q("String"))]
