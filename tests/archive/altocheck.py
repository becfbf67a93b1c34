"""Checks of an ALTO file against itself and against the page PDF it describes (pdfium).

Shared by the tests of the sample bag and of the 16-版 bag. Each returns the failures it
found (empty: none), so a test can report every one of them at once.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from lxml import etree

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
MM10_PER_PT = 254 / 72
MM_PER_PT = 25.4 / 72
TOLERANCE_MM = 0.1


def box(el) -> tuple[float, float, float, float]:
    x, y, w, h = (float(el.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
    return x, y, w, h


def inside(inner, outer, tol=0.001) -> bool:
    x, y, w, h = inner
    X, Y, W, H = outer
    return X - tol <= x and Y - tol <= y and x + w <= X + W + tol and y + h <= Y + H + tol


def nesting_failures(doc) -> tuple[int, list[str]]:
    """(Strings checked, failures): every block inside its page, every line inside its
    block, every String inside its line and every Glyph inside its String."""
    failures: list[str] = []
    strings = 0
    for page in doc.iter(f"{ALTO}Page"):
        page_box = (0.0, 0.0, float(page.get("WIDTH")), float(page.get("HEIGHT")))
        for block in page.iter(f"{ALTO}TextBlock", f"{ALTO}Illustration", f"{ALTO}ComposedBlock"):
            if not inside(box(block), page_box):
                failures.append(f"{block.get('ID')} outside its page")
        for block in page.iter(f"{ALTO}TextBlock"):
            for line in block.iter(f"{ALTO}TextLine"):
                if not inside(box(line), box(block)):
                    failures.append(f"{line.get('ID')} outside its block")
                for string in line.iter(f"{ALTO}String"):
                    strings += 1
                    if not inside(box(string), box(line)):
                        failures.append(f"{string.get('ID')} {string.get('CONTENT')!r} outside its line")
                    glyphs = string.findall(f"{ALTO}Glyph")
                    if "".join(g.get("CONTENT") for g in glyphs) != string.get("CONTENT"):
                        failures.append(f"{string.get('ID')}: its Glyphs are not its CONTENT")
                    for g in glyphs:
                        if not inside(box(g), box(string)):
                            failures.append(f"{string.get('ID')}: Glyph {g.get('CONTENT')!r} outside")
        for composed in page.iter(f"{ALTO}ComposedBlock"):
            for child in composed:
                if child.get("HPOS") is not None and not inside(box(child), box(composed)):
                    failures.append(f"{child.get('ID')} outside its ComposedBlock")
    return strings, failures


def pdf_chars(page) -> list[tuple[str, tuple[float, float, float, float], bool]]:
    """(character, pdfium's loose box (left, top, right, bottom) in pt from the top left,
    last of its PDF text object) of every character pdfium reads that the PDF holds."""
    textpage = page.get_textpage()
    height = page.get_height()
    out = []
    objects = []
    for k in range(textpage.count_chars()):
        if pdfium_raw.FPDFText_IsGenerated(textpage.raw, k):
            continue  # spaces pdfium synthesises from gaps are not in the PDF
        ch = chr(pdfium_raw.FPDFText_GetUnicode(textpage.raw, k))
        if ch.isspace():
            continue
        left, bottom, right, top = textpage.get_charbox(k, loose=True)
        out.append((ch, (left, height - top, right, height - bottom)))
        objects.append(pdfium_raw.FPDFText_GetTextObject(textpage.raw, k))
    last = [i == len(objects) - 1 or objects[i + 1] != objects[i] for i in range(len(objects))]
    return [(c, b, end) for (c, b), end in zip(out, last, strict=False)]


def glyph_failures(alto_doc, pdf_path, per_pt: float = MM10_PER_PT) -> tuple[int, list[str]]:
    """(characters checked, failures): every character pdfium reads from the page PDF is an
    ALTO Glyph, in order, whose box is pdfium's within 0.1 mm on each edge.

    Two things pdfium does are allowed for: where one glyph draws several characters (the
    font's "——"), it gives each the glyph's whole box, so such a run is checked against
    the union of its Glyphs; and it widens the box of the last character of each
    text-showing operator to the operator's end, which includes the character spacing
    (``Tc``) a justified line sets after every glyph: there the right edge may lie up to
    0.1 em further right than the Glyph's (the glyph itself ends where ALTO says; its left
    edge and the next glyph's are checked). ``per_pt``: the ALTO unit per pt (mm10: 254/72,
    inch1200: 1200/72).
    """
    pdf = pdfium.PdfDocument(pdf_path)
    failures: list[str] = []
    checked = 0
    try:
        pages = list(alto_doc.iter(f"{ALTO}Page"))
        if len(pages) != len(pdf):
            return 0, [f"{len(pages)} ALTO pages for {len(pdf)} PDF pages"]
        for pdf_page, alto_page in zip(pdf, pages, strict=False):
            chars = pdf_chars(pdf_page)
            glyphs = list(alto_page.iter(f"{ALTO}Glyph"))
            if [g.get("CONTENT") for g in glyphs] != [c[0] for c in chars]:
                return 0, ["the Glyphs are not the PDF's characters in order"]
            i = 0
            while i < len(chars):
                j = i + 1
                while j < len(chars) and chars[j][1] == chars[i][1]:
                    j += 1  # one drawn glyph for characters i..j-1
                boxes = [[v / per_pt for v in box(g)] for g in glyphs[i:j]]
                ours = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                        max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes))
                theirs = chars[i][1]
                # a tenth of an em: the box is ascent to descent, some 1.4 em in these fonts
                tenth_em = 0.07 * (ours[3] - ours[1])
                for side, ok in (("left", abs(ours[0] - theirs[0]) * MM_PER_PT <= TOLERANCE_MM),
                                 ("top", abs(ours[1] - theirs[1]) * MM_PER_PT <= TOLERANCE_MM),
                                 ("bottom", abs(ours[3] - theirs[3]) * MM_PER_PT <= TOLERANCE_MM),
                                 ("right", abs(ours[2] - theirs[2]) * MM_PER_PT <= TOLERANCE_MM
                                  or (chars[j - 1][2] and -TOLERANCE_MM <= (theirs[2] - ours[2]) * MM_PER_PT
                                      and theirs[2] - ours[2] <= tenth_em))):
                    if not ok:
                        failures.append(f"{chars[i][0]!r} in {glyphs[i].getparent().get('CONTENT')!r}: "
                                        f"{side} edge differs from pdfium's "
                                        f"(ALTO {[round(v * MM_PER_PT, 2) for v in ours]} mm, "
                                        f"pdfium {[round(v * MM_PER_PT, 2) for v in theirs]} mm)")
                checked += j - i
                i = j
    finally:
        pdf.close()
    return checked, failures


def parse(path):
    return etree.parse(str(path))
