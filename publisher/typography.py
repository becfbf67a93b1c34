"""Typography measured on the output PDF: the checks of TYPOGRAPHY.md "Measurable checks".

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
5. ``overflow``: characters outside the page, cut by the trim or printed in the bleed: a
   character must lie inside the TrimBox, or (slug lines, marks) inside the MediaBox and wholly
   outside the BleedBox; without those boxes both are the MediaBox. When the caller gives the
   column boxes, body lines reaching beyond their column edge by more than 0.5 pt count too
   (text only: images and other boxes are not read);
6. ``lone_last``: a paragraph's last line holding one character that is not punctuation
   (``土。``, ``（吴`` / ``丰）``) after a line of the same paragraph: pulling one more character
   down would fix it (publisher/typeset/spacing.py's ``keep_end`` does).

How lines, body text and columns are found (the method, so the figures can be judged):

* **Body text**: inside the trim, the characters in the most common font size of the document
  (counted by characters) on baselines that hold a character of the most common face in that
  size (so a bold or 楷 run belongs to its body line, while a caption or a masthead line set in
  the body size but in another face does not). Headlines, captions etc. only take part in
  checks 1, 3 and 5 (their lines: one baseline, cut where two neighbours are more than an em
  apart).
* **Columns and lines** (a broadsheet has many articles side by side, each with its own text
  columns): each baseline is cut into pieces at gaps of 0.6 em or more (``_segments``, which
  keeps a very loosely justified line whole); pieces on consecutive baselines (at most 2.2 em
  apart) that overlap horizontally are one text column, and two such stacks that share their
  left edge and follow each other directly are joined (a paragraph's short last line need not
  overlap the next one's indented first). A body line is a column's pieces on one baseline. A
  column's left edge is its lines' smallest left edge; its right edge is, unless the caller
  passes ``columns``, the rightmost end of its lines (a closing mark at the end taken on half an
  em). That is right as soon as one line of the column is flush (always the case with
  publisher/engine/justify.py); to judge output that was not justified, pass the real column
  boxes: ``columns=[(x0, x1), ...]`` in PDF points for every page, or
  ``{page_index: [(x0, x1), ...]}``.
* **Reading order** (``_successors``): a column's text continues in the column below it unless
  a headline lies between, else at the top of the column stack just right of it, else (the
  lowest column of a page) on the next page; otherwise its last line ends a paragraph.
* **A line's ends**: the first character's origin, and the last character's origin plus its
  advance, taken as one em for a full-width character (pdfium's loose box of some Han glyphs is
  wider than their advance) and the loose box otherwise. The PDF does not say whether a mark
  was set on half an em (``halt``: the glyph keeps its width, a TJ adjustment follows it), so a
  line ending with a closing or pause mark (，。”） …) is flush if either the full or the half
  advance meets the column edge: a half-width mark at a line end is GB/T 15834 practice, and
  happens when a squeezed pair such as 。（ is broken over two lines.
* **A paragraph's last line**: the next body line in reading order starts indented by at
  least half an em, or there is none. This assumes paragraphs start with a first-line indent
  (house style 2 em).
* **Pair width**: from the first mark's origin to the origin of the character after the pair
  (or the line's end), less the line's justification gap (the median extra gap between two
  full-width characters set on a whole em on that line) for each gap inside that span.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from .typeset.punctuation import CLOSING_MARKS, OPENING_MARKS

__all__ = ["FORBIDDEN_END", "FORBIDDEN_START", "Line", "Report", "measure"]

# What may not start a line: closing and pause marks (CLOSING_MARKS, whose blank right half
# may also end a line on half an em, GB/T 15834); what may not end one: opening marks.
FORBIDDEN_START = CLOSING_MARKS
FORBIDDEN_END = OPENING_MARKS
FULL_WIDTH_MARKS = FORBIDDEN_START | FORBIDDEN_END
TOLERANCE = 0.5  # pt
GUTTER = 1.0  # em: a wider gap between two characters on one baseline separates columns
# em: a gap that cuts a body baseline into segments (text columns are joined again from them)
SEGMENT_GAP = 0.6
INDENT = 2.5  # em: the widest first-line indent (with a halted opening mark) expected
LINE_GAP = 2.2  # em: baselines further apart than this are not consecutive lines of a column


@dataclass
class Char:
    char: str
    x: float  # origin
    y: float
    right: float  # origin + advance
    size: float
    font: str
    bottom: float = 0.0  # the loose box's bottom and top
    top: float = 0.0


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
    lone_last: int = 0
    details: list[str] = field(default_factory=list)
    text: str = ""  # every non-generated character, in reading order of pdfium

    COUNTS = ("forbidden_starts", "forbidden_ends", "split_marks", "ragged", "notdef",
              "wide_pairs", "overflow", "lone_last")

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
            resources: Any = page.obj.get("/Resources", {})
            fonts = resources.get("/Font", {})
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
                gid_map = (cid_font.CIDToGIDMap.read_bytes() if "/CIDToGIDMap" in cid_font
                           and isinstance(cid_font.CIDToGIDMap, pikepdf.Stream) else None)
                missing = {text for cid, text in to_unicode.items()
                           if (gid := _glyph_id(gid_map, cid)) == 0 or gid >= glyphs}
                name = str(font.BaseFont).lstrip("/")
                result.setdefault(name, set()).update(missing)
    return result


def _edges(line: Line) -> tuple[float, float]:
    """A body line's column edges (set for every body line before the checks read them)."""
    assert line.column is not None
    return line.column


def _glyph_id(gid_map: bytes | None, cid: int) -> int:
    """The glyph a CID draws: through the font's CIDToGIDMap, or the same number (Identity)."""
    if gid_map is None:
        return cid
    return int.from_bytes(gid_map[2 * cid:2 * cid + 2], "big") if 2 * cid + 2 <= len(gid_map) else 0


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


@dataclass(frozen=True)
class PageBoxes:
    """The page's boxes in PDF user space (x0, y0, x1, y1); trim and bleed default to media."""

    media: tuple[float, float, float, float]
    trim: tuple[float, float, float, float]
    bleed: tuple[float, float, float, float]


def _inside(box, x0, y0, x1, y1, tolerance=TOLERANCE) -> bool:
    return (x0 >= box[0] - tolerance and x1 <= box[2] + tolerance
            and y0 >= box[1] - tolerance and y1 <= box[3] + tolerance)


def _disjoint(box, x0, y0, x1, y1) -> bool:
    return x1 <= box[0] or x0 >= box[2] or y1 <= box[1] or y0 >= box[3]


def _read_chars(path: Path):
    """Yield (page index, PageBoxes, [Char], the page's non-generated text)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            boxes = PageBoxes(tuple(page.get_mediabox()), tuple(page.get_trimbox()),
                              tuple(page.get_bleedbox()))
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
                chars.append(Char(char, x.value, y.value, right, size, font,
                                  min(box.bottom, y.value), max(box.top, y.value)))
            yield index, boxes, chars, _page_text(textpage)
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


def _segments(chars: list[Char], size: float) -> list[list[Char]]:
    """Runs of body characters on one baseline, cut at the gaps that may be gutters.

    A gap of SEGMENT_GAP em or more (from a closing mark's half advance: it may be set on half
    an em) is a gutter unless the text around it is so loosely justified that such gaps are its
    normal spacing (the gap is at most twice the median gap between full-width characters of
    the pieces on either side or of the whole row, plus half an em) and no line near it (two lines up or down)
    starts where the piece after the gap starts, or up to an indent (2.5 em) left of it. Such a
    line (a long unbreakable number pushed to the next line leaves its spare width to a few
    gaps) stays one piece.
    """
    rows: dict[float, list[Char]] = {}
    for c in chars:
        rows.setdefault(round(c.y, 1), []).append(c)
    pieces: list[tuple[float, list[Char], list[float]]] = []  # (gap before, piece, inner gaps)
    row_gaps: dict[float, list[float]] = {}
    for y in sorted(rows, reverse=True):
        row = sorted(rows[y], key=lambda c: c.x)
        inner: list[float]
        current, before, inner = [row[0]], 0.0, []
        every = row_gaps.setdefault(y, [])
        for c in row[1:]:
            last = current[-1]
            end = last.x + size / 2 if last.char in CLOSING_MARKS else last.right
            gap = c.x - end
            if _full_width(last.char) and _full_width(c.char):
                every.append(max(gap, 0.0))
            if gap > SEGMENT_GAP * size:
                pieces.append((before, current, inner))
                current, before, inner = [], gap, []
            elif _full_width(last.char) and _full_width(c.char):
                inner.append(max(gap, 0.0))
            current.append(c)
        pieces.append((before, current, inner))
    starts = [(round(seg[0].y, 1), seg[0].x) for _, seg, _ in pieces]

    def column_start(seg) -> bool:
        y, x = round(seg[0].y, 1), seg[0].x
        return any(y2 != y and abs(y2 - y) <= 2 * LINE_GAP * size
                   and x - INDENT * size - TOLERANCE <= x2 <= x + TOLERANCE for y2, x2 in starts)

    joined: list[list[Char]] = []
    joined_gaps: list[list[float]] = []
    for gap, seg, inner in pieces:
        y = round(seg[0].y, 1)
        if joined and round(joined[-1][0].y, 1) == y:
            around = joined_gaps[-1] + inner
            typical = max(statistics.median(around) if around else 0.0,
                          statistics.median(row_gaps[y]) if row_gaps[y] else 0.0)
            if gap <= 2 * typical + 0.5 * size and not column_start(seg):
                joined[-1].extend(seg)
                joined_gaps[-1].extend([gap, *inner])
                continue
        joined.append(seg)
        joined_gaps.append(list(inner))
    return joined


@dataclass
class _Column:
    lines: list[Line]
    left: float = 0.0
    right: float = 0.0

    @property
    def top(self) -> float:
        return self.lines[0].y

    @property
    def bottom(self) -> float:
        return self.lines[-1].y


def _columns(page: int, chars: list[Char], size: float) -> list[_Column]:
    """Body lines of one page grouped into text columns (see the module docstring)."""
    segments = _segments(chars, size)
    parent = list(range(len(segments)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    spans = [(seg[0].y, seg[0].x, seg[-1].right) for seg in segments]
    for i, (yi, ai, bi) in enumerate(spans):
        for j in range(i + 1, len(spans)):
            yj, aj, bj = spans[j]
            if yi - yj > LINE_GAP * size:
                break  # segments are sorted top to bottom
            if yi - yj > 0.1 and min(bi, bj) - max(ai, aj) > 0.3 * size:
                parent[find(j)] = find(i)
    groups: dict[int, dict[float, list[Char]]] = {}
    for i, seg in enumerate(segments):
        groups.setdefault(find(i), {}).setdefault(round(seg[0].y, 1), []).extend(seg)
    # A paragraph's short last line may not overlap the next one's indented first line: join
    # such pieces again where they are consecutive and share their left edge.
    pieces = sorted(groups.values(), key=lambda rows: -max(rows))
    merged: list[dict[float, list[Char]]] = []
    for rows in pieces:
        left = min(c.x for row in rows.values() for c in row)
        for other in merged:
            other_left = min(c.x for row in other.values() for c in row)
            if (abs(left - other_left) <= TOLERANCE
                    and 0 < min(other) - max(rows) <= LINE_GAP * size):
                other.update(rows)
                break
        else:
            merged.append(dict(rows))
    columns = []
    for rows in merged:
        lines = [_make_line(page, sorted(rows[y], key=lambda c: c.x)) for y in sorted(rows, reverse=True)]
        columns.append(_Column(lines, min(line.left for line in lines),
                               max(line.right_min for line in lines)))
    columns.sort(key=lambda col: (round(col.left), -col.top))
    return columns


def _body_lines(page: int, chars: list[Char], size: float) -> list[list[Line]]:
    """Body lines of one page, text column by text column, top to bottom."""
    return [col.lines for col in _columns(page, chars, size)]


def _successors(columns: list[list[_Column]], heads: list[list[Line]], size: float):
    """The column each column's text continues in (by id), or None where a paragraph must end.

    Text continues downwards first: in the nearest column below that overlaps it, unless a
    headline (a line set at 1.4 times the body size or more) lies between them that is not
    apart from them (``_apart``: body text at its height between the two means it heads
    another box; a headline centred over a wide box may stand columns away from its last) lies between them (another
    article then starts there). Subheads and pictures are smaller or not text: the text below them
    follows on (an indented first line then ends the paragraph above). A column with nothing
    below continues at the top of the stack just right of it (within three em): the column
    there that has nothing above it and whose top is nearest to the top of its own stack. The
    lowest column of a page without either continues on the next page's first column.
    """
    result: dict[int, _Column | None] = {}
    next_page: list[int] = []  # the lowest column of a page: continues on the next page
    tops: list[_Column | None] = []
    for page, big in zip(columns, heads, strict=True):
        down: dict[int, _Column] = {}
        up: dict[int, _Column] = {}
        nearest_above: dict[int, tuple[_Column, _Column]] = {}
        for col in page:
            below = [d for d in page if d.top < col.bottom
                     and min(d.right, col.right) - max(d.left, col.left) > 0.5 * size
                     and not any(d.top < h.y < col.bottom and h.size >= 1.4 * size
                                 and not _apart(h, max(d.left, col.left), min(d.right, col.right),
                                                page, size) for h in big)]
            if below:
                d = max(below, key=lambda d: d.top)
                # the column nearest above d continues there (a line that spans several
                # columns higher up, such as a centred byline, does not)
                held = nearest_above.get(id(d))
                if held is None or col.bottom < held[0].bottom:
                    nearest_above[id(d)] = (col, d)
        for col, d in nearest_above.values():
            down[id(col)], up[id(d)] = d, col
        def stack_top(col, up=up):
            while id(col) in up:
                col = up[id(col)]
            return col
        ends = [c for c in page if id(c) not in down]
        lowest = min(ends, key=lambda c: (c.bottom, -c.left)) if ends else None
        for col in page:
            if id(col) in down:
                result[id(col)] = down[id(col)]
                continue
            top = stack_top(col)
            near = [d for d in page if id(d) not in up and d is not top
                    and 0 <= d.left - col.right <= 3 * size
                    and d.bottom <= top.top + size and d.top >= col.bottom - size]
            if near:
                result[id(col)] = min(near, key=lambda d: abs(d.top - top.top))
            else:
                result[id(col)] = None
                if col is lowest:
                    next_page.append(id(col))
        starts = [c for c in page if id(c) not in up]
        tops.append(min(starts, key=lambda c: (round(c.left), -c.top)) if starts else None)
    for key in next_page:
        index = next(i for i, cols in enumerate(columns) if any(id(c) == key for c in cols))
        result[key] = next((t for t in tops[index + 1:] if t is not None), None)
    return result


def _apart(head: Line, left: float, right: float, page: list[_Column], size: float) -> bool:
    """A headline beside the span [left, right] stands apart from it when body text lies
    between the two at the headline's height (it heads another box, across a column)."""
    if head.chars[-1].right <= left:
        lo, hi = head.chars[-1].right, left
    elif head.left >= right:
        lo, hi = right, head.left
    else:
        return False
    return any(abs(line.y - head.y) <= 2 * size and line.left < hi and line.right > lo
               for col in page for line in col.lines)


def _letters(line: Line) -> int:
    """Characters of a line that are not punctuation (a lone last-line character is one)."""
    return sum(1 for c in line.chars if not unicodedata.category(c.char).startswith("P"))


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
    for index, boxes, chars, text in _read_chars(path):
        report.pages += 1
        texts.append(text)
        inside = []
        for c in chars:
            if c.char in notdef.get(c.font, ()):
                report.notdef += 1
                report.details.append(f"p{index + 1}: .notdef for {c.char!r} U+{ord(c.char):04X} ({c.font})")
            where = (c.x, c.bottom, c.right, c.top)
            if _inside(boxes.trim, *where):
                inside.append(c)
            elif not (_inside(boxes.media, *where) and _disjoint(boxes.bleed, *where)):
                # Outside the page, or cut by the trim, or printed in the bleed. The slug area
                # (outside the bleed, inside the media box) is meant for slug lines and marks.
                report.overflow += 1
                report.details.append(f"p{index + 1}: {c.char!r} outside the trim at "
                                      f"x={c.x:.1f} y={c.y:.1f}")
        pages.append((index, inside))
    report.text = "".join(texts)
    sizes = Counter(round(c.size, 1) for _, chars in pages for c in chars)
    if not sizes:
        return report
    body_size = sizes.most_common(1)[0][0]
    fonts = Counter(c.font for _, chars in pages for c in chars if round(c.size, 1) == body_size)
    body_font = fonts.most_common(1)[0][0]

    all_lines: list[Line] = []
    page_columns: list[list[_Column]] = []
    page_heads: list[list[Line]] = []
    for index, chars in pages:
        # Body text: the body size on a baseline that holds a character of the body face (so
        # bold or 楷 runs inside body lines belong to them; a caption or a masthead line set
        # in the body size but another face does not).
        rows = {round(c.y, 1) for c in chars if round(c.size, 1) == body_size and c.font == body_font}
        body_chars = [c for c in chars if round(c.size, 1) == body_size and round(c.y, 1) in rows]
        taken = set(map(id, body_chars))
        others = _lines(index, [c for c in chars if id(c) not in taken])
        all_lines.extend(others)
        page_heads.append(others)
        cols = _columns(index, body_chars, body_size) if body_chars else []
        given = columns.get(index) if isinstance(columns, dict) else columns
        for col in cols:
            left, right = col.left, col.right
            if given:
                # The given column whose left edge is nearest to the lines' left edge.
                left, right = min(given, key=lambda box: abs(box[0] - col.left))
            for line in col.lines:
                line.column = (left, right)
        page_columns.append(cols)
    successor = _successors(page_columns, page_heads, body_size)
    ordered: list[Line] = []  # body lines, column by column
    following: dict[int, Line | None] = {}  # id(line) -> the next line of its text
    for cols in page_columns:
        for col in cols:
            for this, then in itertools.pairwise(col.lines):
                following[id(this)] = then
            nxt = successor[id(col)]
            following[id(col.lines[-1])] = nxt.lines[0] if nxt else None
            ordered.extend(col.lines)
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

    for a in ordered:  # —— or …… split over two lines of the text
        b = following[id(a)]
        if (b is not None and a.chars[-1].char in "—…" and b.chars[0].char == a.chars[-1].char
                and (len(a.chars) < 2 or a.chars[-2].char != a.chars[-1].char)):
            report.split_marks += 1
            report.details.append(f"p{b.page + 1}: {a.chars[-1].char * 2} split over two lines")

    for line in ordered:
        nxt = following[id(line)]
        line.final = nxt is None or nxt.left - _edges(nxt)[0] >= 0.5 * body_size
    previous = {id(b): a for a in ordered if (b := following[id(a)]) is not None}
    for line in ordered:
        left, right = _edges(line)
        before = previous.get(id(line))
        starts_paragraph = before is None or before.final
        if columns is not None and line.right_min - right > TOLERANCE:
            report.overflow += 1
            report.details.append(f"p{line.page + 1}: line overflows its column by "
                                  f"{line.right_min - right:.2f} pt: {line.text[-12:]}")
        if (line.final and not starts_paragraph and before is not None  # (before: not starts_paragraph)
                and _letters(line) == 1 and _letters(before) > 1):
            report.lone_last += 1
            report.details.append(f"p{line.page + 1}: a lone character on a paragraph's last "
                                  f"line: …{before.text[-6:]} / {line.text}")
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
    gaps = [b.x - a.x - a.size for a, b in itertools.pairwise(chars)
            if _full_width(a.char) and _full_width(b.char) and b.x - a.x - a.size > -0.05]
    extra = statistics.median(gaps) if gaps else 0.0
    count = 0
    for i in range(len(chars) - 1):
        a, b = chars[i], chars[i + 1]
        if a.char in FULL_WIDTH_MARKS and b.char in FULL_WIDTH_MARKS:
            width = chars[i + 2].x - a.x - 2 * extra if i + 2 < len(chars) else line.right_min - a.x - extra
            if width > 1.5 * a.size + TOLERANCE:
                count += 1
                details.append(f"p{line.page + 1}: {a.char}{b.char} set {width / a.size:.2f} em wide")
    return count
