"""Which rendered PDF pages make up each 版, and the text blocks on them.

The archive is built from ONE render that gives PDF bytes and the text lines of every
PDF page (``publisher.pdf_layout.Rendered``). Today that render is the reading PDF, where
a 版 runs over several A4 pages after a contents page; when the print layout lands each
版 is exactly one PDF page, and ``reading_pages`` is replaced by a function that pairs the
print render's pages with the 版 (see ``publisher.archive.build.page_source``).

Blocks: consecutive lines of the same article and role, broken again where the text
jumps to a new column (the next line starts above the previous one). A block is the unit
that ALTO calls a TextBlock and that METS points at for each part of an article.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Edition, Page
from ..pdf_layout import PageLayout, Rendered, TextLine

# How a layout role shows in the archive (ALTO block, METS logical division).
ROLE_GROUPS = {
    "kicker": "kicker", "headline": "headline", "subtitle": "subtitle", "byline": "byline",
    "dateline": "body", "p": "body", "brief-text": "body", "attribution": "body",
    "subhead": "subhead", "caption": "caption", "credit": "caption",
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


def reading_pages(edition: Edition, rendered: Rendered) -> tuple[ArchivePage, ...]:
    """Pair each 版 with the reading PDF pages it runs over (its id "p-N" starts it)."""
    starts: list[tuple[int, Page]] = []
    for page in edition.pages:
        anchor = f"p-{page.number}"
        first = next((lay.index for lay in rendered.pages if anchor in lay.anchors), None)
        if first is None:
            raise ValueError(f"the render has no element with id {anchor!r}")
        starts.append((first, page))
    out = []
    for i, (first, page) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(rendered.pages)
        if end <= first:  # reading.css starts every 版 on a new page; this is a bug there
            raise ValueError(f"版 {page.number} shares its first page with the next 版")
        out.append(_archive_page(page, [rendered.pages[j] for j in range(first, end)]))
    return tuple(out)


def print_pages(edition: Edition, rendered: Rendered) -> tuple[ArchivePage, ...]:
    """Pair each 版 with one page of a print render (page i is the i-th 版)."""
    if len(rendered.pages) != len(edition.pages):
        raise ValueError(f"the print render has {len(rendered.pages)} pages for "
                         f"{len(edition.pages)} 版")
    return tuple(_archive_page(page, [lay]) for page, lay in zip(edition.pages, rendered.pages))


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
                 for i, (key, ls) in enumerate(zip(keys, blocks), start=1))


def _new_column(previous: TextLine, line: TextLine) -> bool:
    return line.y < previous.y - 0.01 or line.x >= previous.x + previous.width
