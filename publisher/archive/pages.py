"""Each 版 of the archive: its print page and the text blocks on it.

The archive is built from the print pages (``publisher.printing.build``): each 版 is one
page, laid out and written once in a worker process, which also returns where every line
and glyph of it landed (``publisher.engine.PageLayout``, pt from the trim's top left).
``print_pages`` pairs the 版 with those layouts and keeps what lies on the newspaper page.

Blocks: consecutive lines of the same article and role, broken again where the text
jumps to a new column (the next line starts above the previous one). A block is the unit
that ALTO calls a TextBlock and that METS points at for each part of an article.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..engine import PageLayout, TextLine
from ..model import Edition, Page

# How a layout role shows in the archive (ALTO block, METS logical division).
ROLE_GROUPS = {
    "kicker": "kicker", "headline": "headline", "subtitle": "subtitle", "byline": "byline",
    "dateline": "body", "p": "body", "brief-text": "body", "attribution": "body",
    "subhead": "subhead", "caption": "caption", "credit": "caption",
    "from": "jump", "jump": "jump",  # （上接第1版） / （下转第2版）: not body text
}


@dataclass(frozen=True)
class Block:
    id: str  # unique in its ALTO file: P1_TB0001
    article: str | None  # "a-<slug>", or None for page furniture (page head, editors)
    role: str  # kicker, headline, subtitle, byline, body, subhead, caption, page
    lines: tuple[TextLine, ...]

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) in pt covering every line, run and glyph of the block."""
        xs, ys, x2, y2 = [], [], [], []
        for ln in self.lines:
            xs.append(ln.x)
            ys.append(ln.y)
            x2.append(ln.x + ln.width)
            y2.append(ln.y + ln.height)
            for r in ln.runs:
                xs.append(r.x)
                ys.append(r.y)
                x2.append(r.x + r.width)
                y2.append(r.y + r.height)
                if r.glyphs:  # a last glyph's advance may reach past its box
                    xs.append(r.glyphs[0].x)
                    x2.append(max(g.x + g.width for g in r.glyphs))
        return min(xs), min(ys), max(x2) - min(xs), max(y2) - min(ys)


@dataclass(frozen=True)
class Sheet:
    """One physical PDF page of a 版, with its blocks in reading order."""

    pdf_index: int  # index in the render's PDF
    number: int  # 1-based within the 版
    layout: PageLayout
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ArchivePage:
    """A 版 and the PDF pages it was printed on."""

    page: Page
    sheets: tuple[Sheet, ...]

    @property
    def name(self) -> str:
        return self.page.file_label  # p01: file names in the bag


def print_pages(edition: Edition, layouts: tuple[PageLayout, ...]) -> tuple[ArchivePage, ...]:
    """Pair each 版 with its print page's layout (the i-th layout is the i-th 版).

    Only what is on the newspaper page is kept: lines set outside the trim (the slug line
    in the mark area) are dropped, as the archive's page PDF cuts their drawing.
    """
    if len(layouts) != len(edition.pages):
        raise ValueError(f"the print render has {len(layouts)} pages for "
                         f"{len(edition.pages)} 版")
    return tuple(_archive_page(page, [_inside_trim(lay)])
                 for page, lay in zip(edition.pages, layouts, strict=True))


def _inside_trim(layout: PageLayout) -> PageLayout:
    def inside(line: TextLine) -> bool:
        return (line.x >= -EPS and line.y >= -EPS and line.x + line.width <= layout.width + EPS
                and line.y + line.height <= layout.height + EPS)

    def outside(line: TextLine) -> bool:
        return (line.x >= layout.width or line.y >= layout.height
                or line.x + line.width <= 0 or line.y + line.height <= 0)

    lines = []
    for line in layout.lines:
        if outside(line):
            continue
        if not inside(line):
            raise ValueError(f"print page {layout.index + 1}: the line {line.text!r} crosses the "
                             "trim edge")
        lines.append(line)
    return replace(layout, lines=tuple(lines))


EPS = 0.01  # pt: layout arithmetic, not a position


def _archive_page(page: Page, layouts: list[PageLayout]) -> ArchivePage:
    sheets = []
    for n, layout in enumerate(layouts, start=1):
        prefix = f"P{page.number}" + (f"S{n}" if len(layouts) > 1 else "")
        sheets.append(Sheet(layout.index, n, layout, _blocks(layout.lines, prefix)))
    return ArchivePage(page, tuple(sheets))


def _line_key(line: TextLine) -> tuple[str | None, str]:
    roles = [r.role for r in line.runs if r.text.strip()]
    role = roles[0] if roles else None
    group = ROLE_GROUPS.get(role or "", "page") if line.article else "page"
    return line.article, group


def _blocks(lines: tuple[TextLine, ...], prefix: str) -> tuple[Block, ...]:
    blocks: list[list[TextLine]] = []
    keys: list[tuple[str | None, str]] = []
    for line in lines:
        key = _line_key(line)
        if blocks and keys[-1] == key and not _new_column(blocks[-1][-1], line):
            blocks[-1].append(line)
        else:
            blocks.append([line])
            keys.append(key)
    return tuple(Block(f"{prefix}_TB{i:04d}", key[0], key[1], tuple(ls))
                 for i, (key, ls) in enumerate(zip(keys, blocks, strict=True), start=1))


def _new_column(previous: TextLine, line: TextLine) -> bool:
    return line.y < previous.y - 0.01 or line.x >= previous.x + previous.width
