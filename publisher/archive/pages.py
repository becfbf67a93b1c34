"""Each 版 of the archive: its print page and the text blocks on it.

The archive is built from the print pages (``publisher.printing.build``): each 版 is one
page, laid out and written once in a worker process, which also returns where every line
and glyph of it landed (``publisher.engine.PageLayout``, pt from the trim's top left).
``print_pages`` pairs the 版 with those layouts and keeps what lies on the newspaper page.

Blocks: consecutive lines of the same paragraph (of one article and role), broken again
where the text jumps to a new column (the next line starts above the previous one). A
block is the unit that ALTO calls a TextBlock and that METS points at for each part of an
article, in reading order: a paragraph, a subhead, a caption, one brief of a 简讯 column.

Pictures: each photo printed on the page (``engine.Picture``), paired with the figure of
the model it shows and with the caption printed under it (the caption blocks of the same
article that start below it, across it): ALTO writes them as an Illustration and its
caption in one ComposedBlock, METS points at both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..engine import PageLayout, Picture, TextLine
from ..model import Edition, Figure, Page

# How a layout role shows in the archive (ALTO block, METS logical division).
ROLE_GROUPS = {
    "kicker": "kicker", "headline": "headline", "subtitle": "subtitle", "byline": "byline",
    "dateline": "body", "p": "body", "brief-text": "brief", "attribution": "brief",
    "subhead": "subhead", "caption": "caption", "credit": "caption",
    "from": "jump", "jump": "jump",  # （上接第1版） / （下转第2版）: not body text
}


@dataclass(frozen=True)
class Block:
    id: str  # unique in its ALTO file: P1_TB0001
    article: str | None  # "a-<slug>", or None for page furniture (page head, editors)
    role: str  # kicker, headline, subtitle, byline, body, subhead, caption, brief, jump, page
    lines: tuple[TextLine, ...]
    paragraph: int | None = None  # the paragraph its lines belong to (TextRun.paragraph)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) in pt covering every line of the block (``line_extent``)."""
        edges = [line_extent(ln) for ln in self.lines]
        x1, y1 = min(e[0] for e in edges), min(e[1] for e in edges)
        return x1, y1, max(e[2] for e in edges) - x1, max(e[3] for e in edges) - y1


def glyph_edges(glyphs) -> tuple[float, float, float, float]:
    """(x1, y1, x2, y2) in pt around the boxes of ``glyphs`` (at least one)."""
    return (min(g.x for g in glyphs), min(g.y for g in glyphs),
            max(g.x + g.width for g in glyphs), max(g.y + g.height for g in glyphs))


def line_extent(line: TextLine) -> tuple[float, float, float, float]:
    """(x1, y1, x2, y2) in pt of a line as ALTO gives it: the line box as set, grown to
    hold every character drawn on it (a glyph's em box can reach past a tight line
    height, a mark set on half an em starts half an em before its place)."""
    x1, y1 = line.x, line.y
    x2, y2 = line.x + line.width, line.y + line.height
    inked = [g for r in line.runs for g in r.glyphs if not g.text.isspace()]
    if inked:
        gx1, gy1, gx2, gy2 = glyph_edges(inked)
        x1, y1, x2, y2 = min(x1, gx1), min(y1, gy1), max(x2, gx2), max(y2, gy2)
    return x1, y1, x2, y2


@dataclass(frozen=True)
class PagePicture:
    """A photo on the page: its box (pt), the figure it shows, the blocks of its caption."""

    id: str  # unique in its ALTO file: P1_IL001
    article: str | None
    box: tuple[float, float, float, float]
    figure: Figure | None
    captions: tuple[str, ...]  # ids of its caption blocks, in order


@dataclass(frozen=True)
class Sheet:
    """One physical PDF page of a 版, with its blocks in reading order and its pictures."""

    pdf_index: int  # index in the render's PDF
    number: int  # 1-based within the 版
    layout: PageLayout
    blocks: tuple[Block, ...]
    pictures: tuple[PagePicture, ...] = ()


@dataclass(frozen=True)
class ArchivePage:
    """A 版 and the PDF pages it was printed on."""

    page: Page
    sheets: tuple[Sheet, ...]

    @property
    def name(self) -> str:
        return self.page.file_label  # p01: file names in the bag


def print_pages(edition: Edition, layouts: tuple[PageLayout, ...],
                image_src: Callable[[Figure], str] | None = None) -> tuple[ArchivePage, ...]:
    """Pair each 版 with its print page's layout (the i-th layout is the i-th 版).

    Only what is on the newspaper page is kept: lines set outside the trim (the slug line
    in the mark area) are dropped, as the archive's page PDF cuts their drawing.
    ``image_src(figure)``: the src the print page gives that figure's image, to know which
    figure a picture shows.
    """
    if len(layouts) != len(edition.pages):
        raise ValueError(f"the print render has {len(layouts)} pages for "
                         f"{len(edition.pages)} 版")
    figures: dict[tuple[str, str], Figure] = {}
    if image_src is not None:
        for article in edition.articles:
            for fig in article.figures:
                if fig.image is not None:
                    figures[(f"a-{article.slug}", image_src(fig))] = fig
    return tuple(_archive_page(page, [_inside_trim(lay)], figures)
                 for page, lay in zip(edition.pages, layouts, strict=False))


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


def _archive_page(page: Page, layouts: list[PageLayout],
                  figures: dict[tuple[str, str], Figure]) -> ArchivePage:
    sheets = []
    for n, layout in enumerate(layouts, start=1):
        prefix = f"P{page.number}" + (f"S{n}" if len(layouts) > 1 else "")
        blocks = _blocks(layout.lines, prefix)
        sheets.append(Sheet(layout.index, n, layout, blocks,
                            _pictures(layout.pictures, blocks, figures, prefix)))
    return ArchivePage(page, tuple(sheets))


def _line_key(line: TextLine) -> tuple[str | None, str, int | None]:
    runs = [r for r in line.runs if r.text.strip()]
    role = runs[0].role if runs else None
    # an article's text without a role of its own (a table's cells) is part of its body
    group = ROLE_GROUPS.get(role or "", "body") if line.article else "page"
    return line.article, group, runs[0].paragraph if runs else None


def _blocks(lines: tuple[TextLine, ...], prefix: str) -> tuple[Block, ...]:
    blocks: list[list[TextLine]] = []
    keys: list[tuple[str | None, str, int | None]] = []
    for line in lines:
        key = _line_key(line)
        if blocks and keys[-1] == key and not _new_column(blocks[-1][-1], line):
            blocks[-1].append(line)
        else:
            blocks.append([line])
            keys.append(key)
    return tuple(Block(f"{prefix}_TB{i:04d}", key[0], key[1], tuple(ls), key[2])
                 for i, (key, ls) in enumerate(zip(keys, blocks, strict=False), start=1))


def _pictures(pictures: tuple[Picture, ...], blocks: tuple[Block, ...],
              figures: dict[tuple[str, str], Figure], prefix: str) -> tuple[PagePicture, ...]:
    """Each picture with its figure and its caption: the caption blocks of its article
    whose top lies below the picture's bottom and that overlap it across, nearest first,
    as long as they follow each other (a caption that runs on into the next column)."""
    out = []
    taken: set[str] = set()
    for n, pic in enumerate(pictures, start=1):
        bottom = pic.y + pic.height
        below = [b for b in blocks if b.article == pic.article and b.role == "caption"
                 and b.id not in taken and b.box[1] >= bottom - 1.0
                 and b.box[0] < pic.x + pic.width and b.box[0] + b.box[2] > pic.x]
        captions: list[str] = []
        if below:
            first = min(below, key=lambda b: (b.box[1], b.box[0]))
            captions.append(first.id)
            index = blocks.index(first)  # and the blocks of the same caption after it
            for b in blocks[index + 1:]:
                if b.role != "caption" or b.article != pic.article or b.paragraph != first.paragraph:
                    break
                captions.append(b.id)
        taken.update(captions)
        out.append(PagePicture(f"{prefix}_IL{n:03d}", pic.article,
                               (pic.x, pic.y, pic.width, pic.height),
                               figures.get((pic.article or "", pic.src)), tuple(captions)))
    return tuple(out)


def _new_column(previous: TextLine, line: TextLine) -> bool:
    return line.y < previous.y - 0.01 or line.x >= previous.x + previous.width
