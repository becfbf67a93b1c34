"""Typography measured on the output PDF: the five checks of TYPOGRAPHY.md "Measurable checks".

``measure(pdf_path)`` reads every character back from the PDF with pdfium (its Unicode value,
origin, font size, loose box; characters pdfium *generates*, the spaces and line ends it infers
from gaps, are left out) and counts:

1. ``forbidden_starts`` / ``forbidden_ends``: lines starting with 、，。：；！？ or a closing
   quote, bracket or 书名号, or ending with an opening one; ``split_marks``: a —— or …… broken
   over two lines (its first half ends a line, its second starts the next);
2. ``ragged``: justified body lines that are not a paragraph's last whose right edge is more
   than 0.5 pt from the column edge (``ragged_left``: the same for the left edge, lines that do
   not start a paragraph);
3. ``notdef``: characters drawn with a glyph the embedded font does not have (.notdef, tofu);
4. ``wide_pairs``: two adjacent full-width marks set wider than 1.5 em;
5. ``overflow``: characters outside the page (MediaBox), and, when the caller gives the column
   boxes, body characters beyond their column edge by more than 0.5 pt.

How lines, body text and columns are found (the method, so the figures can be judged):

* **Lines**: characters with the same baseline (origin y to 0.1 pt) on a page, in x order, cut
  where two neighbours are more than 1.5 em apart (column gutters).
* **Body lines**: lines whose font size is the page set's most common one (counted by
  characters). Headlines, captions etc. only take part in checks 1, 3 and 5.
* **Columns**: body lines whose left edges lie within 3 em of each other form a column; its
  left edge is their smallest left edge; its right edge is, unless the caller passes
  ``columns``, the rightmost end of its lines. That is right as soon as one line of the column
  is flush (always the case with publisher/pdf_justify.py); to judge output that was not
  justified, pass the real column boxes: ``columns={page_index: [(x0, x1), ...]}`` in PDF
  points, or one list for every page.
* **A line's ends**: the first character's origin, and the last character's origin plus its
  advance, taken as one em for a full-width character (pdfium's loose box of some Han glyphs is
  wider than their advance) and the loose box otherwise.
* **A paragraph's last line**: the next body line in reading order (page, then column left to
  right, then top to bottom) starts indented by at least half an em, or has another font size,
  or there is none. This assumes paragraphs start with a first-line indent (house style 2 em).
* **Pair width**: from the first mark's origin to the origin of the character after the pair
  (or the line's end), less the line's justification gap (median extra gap between two Han
  characters on that line) for each gap inside that span.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

__all__ = ["Report", "Line", "measure", "FORBIDDEN_START", "FORBIDDEN_END"]

FORBIDDEN_START = frozenset("、，。：；！？”’）》〉】」』〕〗〙］｝")
FORBIDDEN_END = frozenset("“‘（《〈【「『〔〖〘［｛")
FULL_WIDTH_MARKS = FORBIDDEN_START | FORBIDDEN_END
TOLERANCE = 0.5  # pt


@dataclass
class Char:
    char: str
    x: float  # origin
    y: float
    right: float  # origin + advance
    size: float
    font: str


@dataclass
class Line:
    page: int
    chars: list[Char]
    left: float = 0.0
    right: float = 0.0
    size: float = 0.0
    column: tuple[float, float] | None = None  # (left, right) edges, for body lines
    final: bool = False  # a paragraph's last line (body lines only)

    @property
    def text(self) -> str:
        return "".join(c.char for c in self.chars)

    @property
    def y(self) -> float:
        return self.chars[0].y


@dataclass
class Report:
    pages: int = 0
    lines: int = 0
    body_lines: int = 0
    justified_lines: int = 0  # body lines that are not a paragraph's last
    flush_lines: int = 0  # of those, right edge within 0.5 pt of the column edge
    forbidden_starts: int = 0
    forbidden_ends: int = 0
    split_marks: int = 0
    ragged: int = 0
    ragged_left: int = 0
    notdef: int = 0
    wide_pairs: int = 0
    overflow: int = 0
    details: list[str] = field(default_factory=list)
    text: str = ""  # every non-generated character, in reading order of pdfium

    COUNTS = ("forbidden_starts", "forbidden_ends", "split_marks", "ragged", "notdef",
              "wide_pairs", "overflow")

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTS}

    @property
    def ok(self) -> bool:
        return not any(self.counts().values())


def _full_width(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F") or char in "“”‘’"


def _notdef_map(path: Path) -> dict[str, set[str]]:
    """Base font name -> characters whose glyph id is missing from the embedded font."""
    import pikepdf
    from fontTools.ttLib import TTFont

    result: dict[str, set[str]] = {}
    with pikepdf.open(path) as pdf:
        seen = set()
        for page in pdf.pages:
            fonts = page.obj.get("/Resources", {}).get("/Font", {})
            for _, font in fonts.items():
                if font.objgen in seen or font.get("/Subtype") != "/Type0":
                    continue
                seen.add(font.objgen)
                cid_font = font.DescendantFonts[0]
                descriptor = cid_font.FontDescriptor
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                if program is None or "/ToUnicode" not in font:
                    continue
                data = program.read_bytes()
                try:
                    glyphs = TTFont(BytesIO(data), lazy=True)["maxp"].numGlyphs
                except Exception:  # a bare CFF program: count its charstrings
                    from fontTools.cffLib import CFFFontSet
                    cff = CFFFontSet()
                    cff.decompile(BytesIO(data), None)
                    glyphs = len(cff[cff.fontNames[0]].CharStrings)
                to_unicode = _parse_to_unicode(font.ToUnicode.read_bytes())
                if "/CIDToGIDMap" in cid_font and isinstance(cid_font.CIDToGIDMap, pikepdf.Stream):
                    gid_map = cid_font.CIDToGIDMap.read_bytes()
                    gid = lambda cid: int.from_bytes(gid_map[2 * cid:2 * cid + 2], "big") if 2 * cid + 2 <= len(gid_map) else 0  # noqa: E731
                else:
                    gid = lambda cid: cid  # noqa: E731  Identity
                missing = {text for cid, text in to_unicode.items() if gid(cid) == 0 or gid(cid) >= glyphs}
                name = str(font.BaseFont).lstrip("/")
                result.setdefault(name, set()).update(missing)
    return result


def _parse_to_unicode(data: bytes) -> dict[int, str]:
    text = data.decode("latin-1")
    mapping: dict[int, str] = {}

    def utf16(hexstr: str) -> str:
        return bytes.fromhex(hexstr).decode("utf-16-be", errors="replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            mapping[int(src, 16)] = utf16(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])", block):
            lo, hi = int(lo, 16), int(hi, 16)
            if dst.startswith("["):
                for k, item in enumerate(re.findall(r"<([0-9a-fA-F]*)>", dst)):
                    mapping[lo + k] = utf16(item)
            else:
                base = bytes.fromhex(dst[1:-1])
                start = int.from_bytes(base, "big")
                for k in range(hi - lo + 1):
                    mapping[lo + k] = (start + k).to_bytes(len(base), "big").decode("utf-16-be", errors="replace")
    return mapping


def _read_chars(path: Path):
    """Yield (page index, page width, page height, [Char], the page's non-generated text)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            tp = textpage.raw
            chars: list[Char] = []
            buffer = ctypes.create_string_buffer(256)
            x, y = ctypes.c_double(), ctypes.c_double()
            box = raw.FS_RECTF()
            matrix = raw.FS_MATRIX()
            for i in range(raw.FPDFText_CountChars(tp)):
                if raw.FPDFText_IsGenerated(tp, i):
                    continue
                code = raw.FPDFText_GetUnicode(tp, i)
                if not code:
                    continue
                char = chr(code)
                if 0xD800 <= code <= 0xDBFF:  # pdfium gives supplementary characters as pairs
                    continue
                if 0xDC00 <= code <= 0xDFFF:
                    continue
                if char.isspace():
                    continue
                raw.FPDFText_GetCharOrigin(tp, i, x, y)
                raw.FPDFText_GetLooseCharBox(tp, i, box)
                # The font size in user space: pdfium gives it in text space (WeasyPrint
                # draws in CSS px under a 0.75 matrix), so scale it by the char's matrix.
                raw.FPDFText_GetMatrix(tp, i, matrix)
                size = raw.FPDFText_GetFontSize(tp, i) * math.hypot(matrix.a, matrix.b)
                n = raw.FPDFText_GetFontInfo(tp, i, buffer, len(buffer), None)
                font = buffer.raw[:max(n - 1, 0)].decode("utf-8", "replace")
                right = x.value + size if _full_width(char) else max(box.right, x.value)
                chars.append(Char(char, x.value, y.value, right, size, font))
            yield index, width, height, chars, _page_text(textpage)
            textpage.close()
            page.close()
    finally:
        pdf.close()


def _page_text(textpage) -> str:
    import pypdfium2.raw as raw

    tp = textpage.raw
    units = []
    for i in range(raw.FPDFText_CountChars(tp)):
        if raw.FPDFText_IsGenerated(tp, i):
            continue
        code = raw.FPDFText_GetUnicode(tp, i)
        if code:
            units.append(code)
    data = b"".join(u.to_bytes(2, "little") if u < 0x10000 else
                    chr(u).encode("utf-16-le") for u in units)
    return data.decode("utf-16-le", errors="replace")


def _lines(page: int, chars: list[Char]) -> list[Line]:
    rows: dict[float, list[Char]] = {}
    for c in chars:
        rows.setdefault(round(c.y, 1), []).append(c)
    lines = []
    for y in sorted(rows, reverse=True):  # top of the page first (PDF y grows upwards)
        row = sorted(rows[y], key=lambda c: c.x)
        current = [row[0]]
        for c in row[1:]:
            if c.x - current[-1].right > 1.5 * max(c.size, current[-1].size):
                lines.append(current)
                current = []
            current.append(c)
        lines.append(current)
    out = []
    for chars_ in lines:
        size = Counter(round(c.size, 1) for c in chars_).most_common(1)[0][0]
        out.append(Line(page, chars_, chars_[0].x, chars_[-1].right, size))
    return out


def measure(pdf_path, columns=None) -> "Report":
    """Count the TYPOGRAPHY.md checks on ``pdf_path`` (see the module docstring)."""
    path = Path(pdf_path)
    report = Report()
    notdef = _notdef_map(path)
    all_lines: list[Line] = []
    pages_text = []
    page_sizes = {}
    for index, width, height, chars, text in _read_chars(path):
        report.pages += 1
        pages_text.append(text)
        page_sizes[index] = (width, height)
        for c in chars:
            if c.char in notdef.get(c.font, ()):
                report.notdef += 1
                report.details.append(f"p{index + 1}: .notdef for {c.char!r} U+{ord(c.char):04X} ({c.font})")
            if c.x < -TOLERANCE or c.right > width + TOLERANCE or c.y < 0 or c.y > height:
                report.overflow += 1
                report.details.append(f"p{index + 1}: {c.char!r} outside the page at x={c.x:.1f}")
        if chars:
            all_lines.extend(_lines(index, chars))
    report.text = "".join(pages_text)
    report.lines = len(all_lines)

    # Check 1 on every line.
    for k, line in enumerate(all_lines):
        if line.chars[0].char in FORBIDDEN_START:
            report.forbidden_starts += 1
            report.details.append(f"p{line.page + 1}: line starts with {line.chars[0].char}: {line.text[:20]}")
        if line.chars[-1].char in FORBIDDEN_END:
            report.forbidden_ends += 1
            report.details.append(f"p{line.page + 1}: line ends with {line.chars[-1].char}: {line.text[-20:]}")

    if not all_lines:
        return report
    weights = Counter()
    for line in all_lines:
        for c in line.chars:
            weights[round(c.size, 1)] += 1
    body_size = weights.most_common(1)[0][0]
    body = [line for line in all_lines if abs(line.size - body_size) < 0.05]
    report.body_lines = len(body)

    # Columns per page, and reading order.
    ordered: list[Line] = []
    for page in sorted({line.page for line in body}):
        page_lines = [line for line in body if line.page == page]
        clusters: list[list[Line]] = []
        for line in sorted(page_lines, key=lambda l: l.left):
            if clusters and line.left - min(l.left for l in clusters[-1]) <= 3 * body_size:
                clusters[-1].append(line)
            else:
                clusters.append([line])
        given = columns.get(page) if isinstance(columns, dict) else columns
        for cluster in clusters:
            left = min(l.left for l in cluster)
            right = max(l.right for l in cluster)
            if given:
                # The given column whose left edge is nearest to the lines' left edge.
                left, right = min(given, key=lambda col: abs(col[0] - left))
            for line in cluster:
                line.column = (left, right)
            ordered.extend(sorted(cluster, key=lambda l: -l.y))

    # Split dashes/ellipses between consecutive lines of the text.
    for a, b in zip(ordered, ordered[1:]):
        if (a.chars[-1].char in "—…" and b.chars[0].char == a.chars[-1].char
                and (len(a.chars) < 2 or a.chars[-2].char != a.chars[-1].char)):
            report.split_marks += 1
            report.details.append(f"p{b.page + 1}: {a.chars[-1].char * 2} split over two lines")

    for k, line in enumerate(ordered):
        left, right = line.column
        nxt = ordered[k + 1] if k + 1 < len(ordered) else None
        line.final = nxt is None or nxt.left - nxt.column[0] >= 0.5 * body_size
        prev = ordered[k - 1] if k else None
        starts_paragraph = prev is None or prev.final
        if columns is not None and line.right - right > TOLERANCE:
            report.overflow += 1
            report.details.append(f"p{line.page + 1}: line overflows its column by {line.right - right:.2f} pt: {line.text[-12:]}")
        if not line.final:
            report.justified_lines += 1
            if abs(line.right - right) <= TOLERANCE:
                report.flush_lines += 1
            else:
                report.ragged += 1
                report.details.append(
                    f"p{line.page + 1}: right edge {right - line.right:+.2f} pt from the column: …{line.text[-12:]}")
            if not starts_paragraph and abs(line.left - left) > TOLERANCE:
                report.ragged_left += 1
                report.details.append(
                    f"p{line.page + 1}: left edge {line.left - left:+.2f} pt off the column: {line.text[:12]}…")
        report.wide_pairs += _wide_pairs(line, report.details)
    return report


def _wide_pairs(line: Line, details: list[str]) -> int:
    chars = line.chars
    gaps = [b.x - a.x - a.size for a, b in zip(chars, chars[1:])
            if unicodedata.east_asian_width(a.char) == "W" and unicodedata.category(a.char) == "Lo"
            and unicodedata.category(b.char) == "Lo"]
    extra = statistics.median(gaps) if gaps else 0.0
    count = 0
    for i in range(len(chars) - 1):
        a, b = chars[i], chars[i + 1]
        if a.char in FULL_WIDTH_MARKS and b.char in FULL_WIDTH_MARKS:
            if i + 2 < len(chars):
                width = chars[i + 2].x - a.x - 2 * extra
            else:
                width = line.right - a.x - extra
            if width > 1.5 * a.size + TOLERANCE:
                count += 1
                details.append(f"p{line.page + 1}: {a.char}{b.char} set {width / a.size:.2f} em wide")
    return count
