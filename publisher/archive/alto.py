"""ALTO v4 (4.4) text files: one per 版, with the exact position of every character.

Libraries get ALTO from OCR on page scans; ours comes from the typesetter's own layout
of the print page (``publisher.engine``, recorded by the print workers while they
write each page), so every coordinate is where the text was set, not a guess.

Shape of a file: ``Description`` (unit, the page PDF it describes, how it was made),
``Styles`` (one TextStyle per font/size/weight in use), then the ``Page`` (the 版's one
printed page, its trim) with a ``PrintSpace`` of ``TextBlock``s (one per article part: see
``archive.pages``), ``TextLine``s, and ``String``s — text without spaces, split at the
spaces the line prints, each followed by an ``SP`` where a space was set. Every String
carries a ``Glyph`` per character with its own horizontal position and advance.

Unit: ``mm10`` (tenths of a millimetre), measured from the top left corner of the trim,
written with two decimals: positions are exact to a micrometre and the files are
byte-identical for identical layouts. Millimetres because the print geometry is set in
them (a broadsheet page is exactly 3900 × 5450); a physical unit, as we have no scan
whose pixels could be the unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..engine import TextLine, TextRun
from ..model import Edition
from .pages import ArchivePage, Block

NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XLINK = "http://www.w3.org/1999/xlink"
SCHEMA_LOCATION = f"{NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
MM10_PER_PT = 254 / 72  # 1 pt = 25.4/72 mm = 3.5277… tenths of a mm



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


def build_alto(edition: Edition, page: ArchivePage, pdf_href: str, version: str) -> bytes:
    """The ALTO document of one 版 (``pdf_href``: its page PDF, relative to the ALTO file)."""
    styles: dict[_Style, str] = {}
    for sheet in page.sheets:
        for block in sheet.blocks:
            for line in block.lines:
                for run in line.runs:
                    styles.setdefault(_style(run), f"TS{len(styles) + 1}")

    root = etree.Element(_q("alto"), nsmap={None: NS, "xlink": XLINK, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    root.set("SCHEMAVERSION", "4.4")

    desc = etree.SubElement(root, _q("Description"))
    etree.SubElement(desc, _q("MeasurementUnit")).text = "mm10"
    src = etree.SubElement(desc, _q("sourceImageInformation"))
    etree.SubElement(src, _q("fileName")).text = pdf_href
    proc = etree.SubElement(desc, _q("Processing"), ID="PROC1")
    etree.SubElement(proc, _q("processingCategory")).text = "contentGeneration"
    etree.SubElement(proc, _q("processingDateTime")).text = edition.issue.date.isoformat()
    etree.SubElement(proc, _q("processingAgency")).text = edition.paper.publisher
    etree.SubElement(proc, _q("processingStepDescription")).text = (
        "Text and positions taken from the typesetting layout that produced the page PDF "
        "(WeasyPrint boxes and Pango glyph positions); no OCR.")
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
    for sheet in page.sheets:
        lay = sheet.layout
        pid = f"P{page.page.number}" + (f"S{sheet.number}" if len(page.sheets) > 1 else "")
        out.append(f'    <Page ID="{pid}" PHYSICAL_IMG_NR="{sheet.number}" '
                   f'PRINTED_IMG_NR={_attr(page.page.display_label)} '
                   f'WIDTH="{_span(0, lay.width)[1]}" HEIGHT="{_span(0, lay.height)[1]}" '
                   'PROCESSINGREFS="PROC1">\n')
        if sheet.blocks:
            boxes = [b.box for b in sheet.blocks]
            x1 = min(b[0] for b in boxes)
            y1 = min(b[1] for b in boxes)
            x2 = max(b[0] + b[2] for b in boxes)
            y2 = max(b[1] + b[3] for b in boxes)
            out.append(f"      <PrintSpace{_box(x1, y1, x2 - x1, y2 - y1)}>\n")
        else:
            out.append(f"      <PrintSpace{_box(0, 0, lay.width, lay.height)}>\n")
        for block in sheet.blocks:
            _block(out, block, styles)
        out.append("      </PrintSpace>\n    </Page>\n")
    head = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    before, after = head.split(_MARK.encode(), 1)
    return before + b"\n" + "".join(out).encode("utf-8") + b"  " + after


_MARK = "@@publisher-alto-layout@@"


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


_K100 = MM10_PER_PT * 100  # pt to hundredths of mm10, the last digit written


def _fmt(n: int) -> str:
    return f"{n / 100:.2f}"  # n is an integer: the float is within 1e-12 of n/100


def _span(x: float, w: float) -> tuple[str, str]:
    """Position and size from rounded EDGES: a span inside another stays inside once written."""
    a = round(x * _K100)
    return _fmt(a), _fmt(round((x + w) * _K100) - a)


def _box(x: float, y: float, w: float | None, h: float | None) -> str:
    """HPOS/VPOS(/WIDTH/HEIGHT) attributes, written from rounded edges."""
    hpos, width = _span(x, w or 0.0)
    vpos, height = _span(y, h or 0.0)
    text = f' HPOS="{hpos}" VPOS="{vpos}"'
    if w is not None:
        text += f' WIDTH="{width}"'
    if h is not None:
        text += f' HEIGHT="{height}"'
    return text


def _block(out: list[str], block: Block, styles) -> None:
    # no ALTO attribute fits "article part": METS says it; the block id is what it points at
    out.append(f'        <TextBlock ID="{block.id}"{_box(*block.box)}>\n')
    for i, line in enumerate(block.lines, start=1):
        _line(out, line, f"{block.id}_L{i:03d}", styles)
    out.append("        </TextBlock>\n")


def _line(out: list[str], line: TextLine, lid: str, styles) -> None:
    items: list[str] = []
    n = 0
    pending_sp = None
    for kind, run, glyphs in _tokens(line):
        x = glyphs[0].x
        w = glyphs[-1].x + glyphs[-1].width - x
        if kind == "sp":
            if n:  # ALTO: a line starts with a String; one SP between Strings, none at the end
                pending_sp = f'            <SP ID="{lid}_SP{n:03d}"{_box(x, run.y, w, None)}/>\n'
            continue
        if pending_sp:
            items.append(pending_sp)
            pending_sp = None
        n += 1
        hpos, width = _span(x, w)
        vpos, height = _span(run.y, run.height)
        content = _attr("".join(g.text for g in glyphs))
        head = (f'            <String ID="{lid}_S{n:03d}" STYLEREFS="{styles[_style(run)]}" '
                f'HEIGHT="{height}" WIDTH="{width}" HPOS="{hpos}" VPOS="{vpos}" CONTENT={content}')
        if all(len(g.text) == 1 for g in glyphs):
            parts = [head, ">\n"]
            for g in glyphs:
                gx, gw = _span(g.x, g.width)
                parts.append(f'              <Glyph CONTENT={_attr(g.text)} HEIGHT="{height}" '
                             f'WIDTH="{gw}" HPOS="{gx}" VPOS="{vpos}"/>\n')
            parts.append("            </String>\n")
            items.append("".join(parts))
        else:
            items.append(head + "/>\n")
    if n == 0:  # a line of spaces only cannot be ALTO; the engine drops those already
        return
    out.append(f'          <TextLine ID="{lid}"{_box(line.x, line.y, line.width, line.height)}>\n')
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
