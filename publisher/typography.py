"""Typography measured on the output PDF: the five checks of TYPOGRAPHY.md "Measurable checks".

``measure(pdf_path)`` reads every character back from the PDF with pdfium (its Unicode value,
origin, font size, loose box; characters pdfium *generates*, the spaces and line ends it infers
from gaps, are left out) and counts:

1. ``forbidden_starts`` / ``forbidden_ends``: lines starting with 、，。：；！？ or a closing
   quote, bracket or 书名号, or ending with an opening one; ``split_marks``: a —— or …… broken
   over two lines (its first half ends a line, its second starts the next);
2. ``ragged``: justified body lines that are not a paragraph's last whose right edge is more
   than 0.5 pt from the column edge (``ragged_left``: the same for the left edge, lines that do
   not start a paragraph; ``flush_both_lines``: lines flush on both edges);
3. ``notdef``: characters drawn with a glyph the embedded font does not have (.notdef, tofu);
4. ``wide_pairs``: two adjacent full-width marks set wider than 1.5 em;
5. ``overflow``: characters outside the page (MediaBox), and, when the caller gives the column
   boxes, body lines reaching beyond their column edge by more than 0.5 pt (text only: images
   and other boxes are not read).

How lines, body text and columns are found (the method, so the figures can be judged):

* **Body text**: characters in the most common font size of the document (counted by
  characters). Headlines, captions etc. only take part in checks 1, 3 and 5 (their lines: one
  baseline, cut where two neighbours are more than an em apart).
* **Columns and lines**: the body characters of a page are projected on the x axis; a gap of
  at least one em that no body character covers is a gutter, the ranges between gutters are the
  columns (a wide justification gap on one line is covered by the lines above and below). A
  body line is the body characters of one column on one baseline (origin y to 0.1 pt). A
  column's left edge is its lines' smallest left edge; its right edge is, unless the caller
  passes ``columns``, the rightmost end of its lines (a closing mark at the end taken on half an
  em). That is right as soon as one line of the column is flush (always the case with
  publisher/pdf_justify.py); to judge output that was not justified, pass the real column
  boxes: ``columns=[(x0, x1), ...]`` in PDF points for every page, or
  ``{page_index: [(x0, x1), ...]}``.
* **A line's ends**: the first character's origin, and the last character's origin plus its
  advance, taken as one em for a full-width character (pdfium's loose box of some Han glyphs is
  wider than their advance) and the loose box otherwise. The PDF does not say whether a mark
  was set on half an em (``halt``: the glyph keeps its width, a TJ adjustment follows it), so a
  line ending with a closing or pause mark (，。”） …) is flush if either the full or the half
  advance meets the column edge: a half-width mark at a line end is GB/T 15834 practice, and
  happens when a squeezed pair such as 。（ is broken over two lines.
* **A paragraph's last line**: the next body line in reading order (page, then column left to
  right, then top to bottom) starts indented by at least half an em, or there is none. This assumes paragraphs start with a first-line indent (house style 2 em).
* **Pair width**: from the first mark's origin to the origin of the character after the pair
  (or the line's end), less the line's justification gap (the median extra gap between two
  full-width characters set on a whole em on that line) for each gap inside that span.
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
# Closing and pause marks: blank on the right, may end a line on half an em (GB/T 15834).
CLOSING_MARKS = FORBIDDEN_START
TOLERANCE = 0.5  # pt
GUTTER = 1.0  # em: a wider gap between two characters on one baseline separates columns


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
    right_half: float | None = None  # right edge if the last mark is set on half an em
    column: tuple[float, float] | None = None  # (left, right) edges, for body lines
    final: bool = False  # a paragraph's last line (body lines only)

    @property
    def right_min(self) -> float:
        return self.right if self.right_half is None else self.right_half

    def flush_right(self, edge: float) -> bool:
        return any(abs(r - edge) <= TOLERANCE for r in (self.right, self.right_half) if r is not None)

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
    flush_both_lines: int = 0  # ... and left edge too (or the line starts a paragraph)
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
            count = raw.FPDFText_CountChars(tp)
            for i in range(count):
                if raw.FPDFText_IsGenerated(tp, i):
                    continue
                code = raw.FPDFText_GetUnicode(tp, i)
                if not code or 0xDC00 <= code <= 0xDFFF:
                    continue  # a low surrogate: read with its high one
                if 0xD800 <= code <= 0xDBFF:
                    # pdfium gives a supplementary character (𠮷) as two UTF-16 units.
                    low = raw.FPDFText_GetUnicode(tp, i + 1) if i + 1 < count else 0
                    if not 0xDC00 <= low <= 0xDFFF:
                        continue
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                char = chr(code)
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


def _make_line(page: int, chars: list[Char]) -> Line:
    size = Counter(round(c.size, 1) for c in chars).most_common(1)[0][0]
    last = chars[-1]
    half = last.x + last.size / 2 if last.char in CLOSING_MARKS else None
    return Line(page, chars, chars[0].x, last.right, size, half)


def _lines(page: int, chars: list[Char]) -> list[Line]:
    """Lines of non-body text: same baseline, cut where neighbours are over GUTTER em apart."""
    rows: dict[float, list[Char]] = {}
    for c in chars:
        rows.setdefault(round(c.y, 1), []).append(c)
    lines = []
    for y in sorted(rows, reverse=True):  # top of the page first (PDF y grows upwards)
        row = sorted(rows[y], key=lambda c: c.x)
        current = [row[0]]
        for c in row[1:]:
            if c.x - current[-1].right > GUTTER * max(c.size, current[-1].size):
                lines.append(current)
                current = []
            current.append(c)
        lines.append(current)
    return [_make_line(page, chars_) for chars_ in lines]


def _column_spans(chars: list[Char], size: float) -> list[tuple[float, float]]:
    """The x ranges covered by body characters, split at the gaps of at least GUTTER em that
    no body character on the page covers (the gutters)."""
    columns: list[list[float]] = []
    for x0, x1 in sorted((c.x, c.right) for c in chars):
        if columns and x0 - columns[-1][1] < GUTTER * size:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    return [(a, b) for a, b in columns]


def _body_lines(page: int, chars: list[Char], size: float) -> list[list[Line]]:
    """Body lines of one page, column by column (left to right), top to bottom."""
    spans = _column_spans(chars, size)
    rows: list[dict[float, list[Char]]] = [{} for _ in spans]
    for c in chars:
        k = next(i for i, (a, b) in enumerate(spans) if a - 0.01 <= c.x <= b + 0.01)
        rows[k].setdefault(round(c.y, 1), []).append(c)
    return [[_make_line(page, sorted(column[y], key=lambda c: c.x)) for y in sorted(column, reverse=True)]
            for column in rows]


def measure(pdf_path, columns=None) -> Report:
    """Count the TYPOGRAPHY.md checks on ``pdf_path`` (see the module docstring).

    ``columns``: the real column boxes as ``[(x0, x1), ...]`` in PDF points for every page, or
    ``{page_index: [(x0, x1), ...]}``; by default they are found from the text.
    """
    path = Path(pdf_path)
    report = Report()
    notdef = _notdef_map(path)
    pages = []
    texts = []
    for index, width, height, chars, text in _read_chars(path):
        report.pages += 1
        pages.append((index, chars))
        texts.append(text)
        for c in chars:
            if c.char in notdef.get(c.font, ()):
                report.notdef += 1
                report.details.append(f"p{index + 1}: .notdef for {c.char!r} U+{ord(c.char):04X} ({c.font})")
            if c.x < -TOLERANCE or c.right > width + TOLERANCE or c.y < 0 or c.y > height:
                report.overflow += 1
                report.details.append(f"p{index + 1}: {c.char!r} outside the page at x={c.x:.1f}")
    report.text = "".join(texts)
    sizes = Counter(round(c.size, 1) for _, chars in pages for c in chars)
    if not sizes:
        return report
    body_size = sizes.most_common(1)[0][0]

    all_lines: list[Line] = []
    ordered: list[Line] = []  # body lines in reading order
    for index, chars in pages:
        all_lines.extend(_lines(index, [c for c in chars if round(c.size, 1) != body_size]))
        body_chars = [c for c in chars if round(c.size, 1) == body_size]
        if not body_chars:
            continue
        given = columns.get(index) if isinstance(columns, dict) else columns
        for lines in _body_lines(index, body_chars, body_size):
            left = min(line.left for line in lines)
            right = max(line.right_min for line in lines)
            if given:
                # The given column whose left edge is nearest to the lines' left edge.
                left, right = min(given, key=lambda col: abs(col[0] - left))
            for line in lines:
                line.column = (left, right)
            ordered.extend(lines)
    all_lines.extend(ordered)
    report.lines = len(all_lines)
    report.body_lines = len(ordered)

    for line in all_lines:  # check 1, every line
        if line.chars[0].char in FORBIDDEN_START:
            report.forbidden_starts += 1
            report.details.append(f"p{line.page + 1}: line starts with {line.chars[0].char}: {line.text[:20]}")
        if line.chars[-1].char in FORBIDDEN_END:
            report.forbidden_ends += 1
            report.details.append(f"p{line.page + 1}: line ends with {line.chars[-1].char}: {line.text[-20:]}")

    for a, b in zip(ordered, ordered[1:]):  # —— or …… split over two lines of the text
        if (a.chars[-1].char in "—…" and b.chars[0].char == a.chars[-1].char
                and (len(a.chars) < 2 or a.chars[-2].char != a.chars[-1].char)):
            report.split_marks += 1
            report.details.append(f"p{b.page + 1}: {a.chars[-1].char * 2} split over two lines")

    for k, line in enumerate(ordered):
        left, right = line.column
        nxt = ordered[k + 1] if k + 1 < len(ordered) else None
        line.final = nxt is None or nxt.left - nxt.column[0] >= 0.5 * body_size
        starts_paragraph = k == 0 or ordered[k - 1].final
        if columns is not None and line.right_min - right > TOLERANCE:
            report.overflow += 1
            report.details.append(f"p{line.page + 1}: line overflows its column by "
                                  f"{line.right_min - right:.2f} pt: {line.text[-12:]}")
        if not line.final:
            report.justified_lines += 1
            left_ok = starts_paragraph or abs(line.left - left) <= TOLERANCE
            if line.flush_right(right):
                report.flush_lines += 1
                report.flush_both_lines += left_ok
            else:
                report.ragged += 1
                report.details.append(f"p{line.page + 1}: right edge {right - line.right_min:+.2f} pt "
                                      f"short of the column: …{line.text[-12:]}")
            if not left_ok:
                report.ragged_left += 1
                report.details.append(f"p{line.page + 1}: left edge {line.left - left:+.2f} pt "
                                      f"off the column: {line.text[:12]}…")
        report.wide_pairs += _wide_pairs(line, report.details)
    return report


def _wide_pairs(line: Line, details: list[str]) -> int:
    chars = line.chars
    # The line's justification gap: the median extra space between two full-width characters
    # set on a whole em (a squeezed mark advances half an em and shows a negative extra).
    gaps = [b.x - a.x - a.size for a, b in zip(chars, chars[1:])
            if _full_width(a.char) and _full_width(b.char) and b.x - a.x - a.size > -0.05]
    extra = statistics.median(gaps) if gaps else 0.0
    count = 0
    for i in range(len(chars) - 1):
        a, b = chars[i], chars[i + 1]
        if a.char in FULL_WIDTH_MARKS and b.char in FULL_WIDTH_MARKS:
            if i + 2 < len(chars):
                width = chars[i + 2].x - a.x - 2 * extra
            else:
                width = line.right_min - a.x - extra
            if width > 1.5 * a.size + TOLERANCE:
                count += 1
                details.append(f"p{line.page + 1}: {a.char}{b.char} set {width / a.size:.2f} em wide")
    return count
