"""The document model of one newspaper issue.

Everything publisher writes (reader EPUB, reading PDF, print pages, archive package,
NITF/ALTO/METS) is rendered from these records, and nothing else: readers and
importers build them, renderers only read them.

Rules kept here:
- records are frozen dataclasses with tuples, so a rendered output cannot change them;
- standard library only, and no I/O: paths are data (an image's file is resolved and
  measured by ``publisher.sources``, never here);
- the model carries the bytes of every source file as they were read and checked
  (``Image.data``, ``Edition.sources``): outputs are made from them, never by opening a
  path again, so a file changed while a build runs cannot reach an output;
- text is stored as the source wrote it (never NFKC); typographic work belongs to
  ``publisher.typeset`` at render time.
"""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass(frozen=True)
class SourceRef:
    """Where a record came from, for messages: a file and, where known, a line."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


# ---------------------------------------------------------------- paper and issue


@dataclass(frozen=True)
class Paper:
    """The newspaper as a whole (the series an issue belongs to)."""

    id: str  # short ASCII id, e.g. "xnrb"; the start of every edition id
    name: str  # 咸宁日报
    publisher: str  # 咸宁日报社
    cn: str | None = None  # 国内统一连续出版物号, e.g. "CN 42-0032"
    issn: str | None = None
    lccn: str | None = None  # Library of Congress Control Number, normalised: sn83045462
    language: str = "zh-Hans"
    url: str | None = None


# When an issue closes: 05:00 China Standard Time on its date. Every date a build writes
# (PDF and XMP dates, METS, the print slug's build time) is this moment, not the clock, so
# builds are reproducible and a file says which issue it belongs to.
CLOSING_TIME = _dt.time(5, 0, tzinfo=_dt.timezone(_dt.timedelta(hours=8)))


@dataclass(frozen=True)
class Issue:
    """One day's issue of the paper, possibly one regional edition of it."""

    date: _dt.date
    number: int | None  # 总第…期; None: not known (not printed)
    edition: str | None = None  # regional edition name, e.g. 咸安
    edition_code: str | None = None  # ASCII code of that edition, e.g. "xianan"
    volume: int | None = None  # 卷, where the paper numbers volumes
    edition_order: int = 1  # which edition of the day this is (1: the first)
    note: str | None = None  # e.g. that the values are sample values

    @property
    def closing_time(self) -> _dt.datetime:
        """When the issue closed (``isoformat()``: 2019-10-21T05:00:00+08:00)."""
        return _dt.datetime.combine(self.date, CLOSING_TIME)

    @property
    def weekday_zh(self) -> str:
        return WEEKDAYS_ZH[self.date.weekday()]

    @property
    def date_zh(self) -> str:
        """2019年10月21日"""
        return f"{self.date.year}年{self.date.month}月{self.date.day}日"


# ---------------------------------------------------------------- people


@dataclass(frozen=True)
class Credit:
    """One role in a byline and the people in it: 通讯员 王颖 潘尚."""

    role: str | None
    names: tuple[str, ...]

    def __str__(self) -> str:
        names = " ".join(self.names)
        return f"{self.role} {names}" if self.role else names


@dataclass(frozen=True)
class Byline:
    credits: tuple[Credit, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for c in self.credits for n in c.names)

    def __str__(self) -> str:
        return " ".join(str(c) for c in self.credits)


@dataclass(frozen=True)
class Editor:
    role: str  # 责任编辑, 美术编辑, 校对 …
    name: str


# ---------------------------------------------------------------- body blocks


class RunStyle(enum.Enum):
    PLAIN = "plain"
    STRONG = "strong"  # 黑体 emphasis
    EMPHASIS = "emphasis"  # 着重号 (dots under the characters), never italics


@dataclass(frozen=True)
class Run:
    text: str
    style: RunStyle = RunStyle.PLAIN


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    source: SourceRef | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Subhead:
    """A 小标题 inside a feature: "1 如何破题？ 聚焦老旧小区——看…"."""

    title: str
    number: str | None = None
    subtitle: str | None = None
    source: SourceRef | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.number, self.title, self.subtitle) if p)


# Above this a photo is "huge": the reader warns, and an output that needs fewer pixels
# decodes it at reduced scale (epub._images, printing.colour).
LARGE_IMAGE_PIXELS = 24_000_000


@dataclass(frozen=True)
class Image:
    """A photo file inside the edition, read once, checked and measured when the edition was
    read: ``data`` are its bytes as checked, the only bytes any output is made from."""

    path: Path  # absolute, inside the edition folder: where it was read from (names, messages)
    href: str  # as written in the source, relative to the edition folder: images/x.jpg
    width: int
    height: int
    media_type: str  # image/jpeg, image/png
    data: bytes = field(default=b"", repr=False, compare=False)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of ``data``: names the photo in outputs, whatever its file is called."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def huge(self) -> bool:
        """More pixels than any output shows: the EPUB and print decode it at reduced scale."""
        return self.width * self.height > LARGE_IMAGE_PIXELS


@dataclass(frozen=True)
class Figure:
    """A photo with its caption (图片说明) and credit (… 摄)."""

    caption: str
    image: Image | None = None  # None: the copy has a caption but no photo yet
    credit: str | None = None
    alt: str | None = None
    source: SourceRef | None = field(default=None, compare=False)

    @property
    def alt_text(self) -> str:
        """Alt text for screen readers: the given alt, else the caption."""
        return self.alt or self.caption

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.caption, self.credit) if p)


@dataclass(frozen=True)
class Brief:
    """One item of a briefs column (简讯) and who sent it: "…（刘琼）"."""

    text: str
    attribution: tuple[str, ...] = ()
    source: SourceRef | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Table:
    """A table of figures (market data, results): a header row and body rows of plain text.

    ``align`` is what the source asked for each column ("left", "center", "right" or None);
    ``alignment`` is what is printed: as asked, else right for a column of numbers, so that
    their digits line up, else start.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str | None, ...] = ()
    source: SourceRef | None = field(default=None, compare=False)

    @property
    def columns(self) -> int:
        return len(self.header)

    @property
    def cells(self) -> tuple[str, ...]:
        return self.header + tuple(c for row in self.rows for c in row)

    @property
    def text(self) -> str:
        return " ".join(c for c in self.cells if c)

    def numeric(self, column: int) -> bool:
        """Every filled body cell of ``column`` is a number (1,234.5 / -3.2% / +41 / 6.8109)."""
        values = [row[column] for row in self.rows if column < len(row) and row[column].strip()]
        return bool(values) and all(NUMBER.fullmatch(v.strip()) for v in values)

    def alignment(self, column: int) -> str:
        asked = self.align[column] if column < len(self.align) else None
        return asked or ("right" if self.numeric(column) else "left")


# A cell that is a number: sign, digits with thousands separators, decimals, a percent or
# per-mille sign, and a unit of at most two characters (亿元, 万股, 点, 倍).
NUMBER = re.compile(r"[+\-−–]?[¥$￥]?(?:\d{1,3}(?:[,，]\d{3})+|\d+)(?:\.\d+)?"
                    r"(?:[%％‰]|[\u4e00-\u9fff]{1,2})?")


Block = Paragraph | Subhead | Figure | Brief | Table


# ---------------------------------------------------------------- articles and pages


class ArticleKind(enum.Enum):
    FEATURE = "feature"  # long piece with subheads (通讯, 观察)
    NEWS = "news"  # 本报讯 news story
    BRIEFS = "briefs"  # a column of brief items (简讯)
    PHOTO = "photo"  # picture news: photo(s) with caption, headline optional


@dataclass(frozen=True)
class Article:
    slug: str  # ASCII, unique in the edition; file names and ids derive from it
    kind: ArticleKind
    headline: str | None  # 主题; only a PHOTO article may have none
    kicker: str | None = None  # 引题
    subtitle: str | None = None  # 副题
    byline: Byline | None = None
    dateline: str | None = None  # the lead as printed: "本报讯 通讯员胡晓轩、李文福报道："
    body: tuple[Block, ...] = ()
    source: SourceRef | None = field(default=None, compare=False)

    @property
    def title(self) -> str:
        """A title for navigation: the headline, or a photo's caption start."""
        if self.headline:
            return self.headline
        for block in self.body:
            if isinstance(block, Figure):
                return _clip(block.caption)
        return self.slug

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(b for b in self.body if isinstance(b, Figure))

    def texts(self) -> tuple[str, ...]:
        """Every piece of text the article prints, in reading order."""
        out = [t for t in (self.kicker, self.headline, self.subtitle) if t]
        if self.byline:
            out.append(str(self.byline))
        if self.dateline:
            out.append(self.dateline)
        for b in self.body:
            if isinstance(b, (Paragraph, Subhead, Figure)):
                out.append(b.text)
            elif isinstance(b, Table):
                out.extend(c for c in b.cells if c)
            else:
                out.append(b.text)
                out.extend(b.attribution)
        return tuple(out)


@dataclass(frozen=True)
class Placement:
    """Where an article sits on its 版 in print: grid columns wide, in which order.

    Read by the print layout only; the reader outputs use the page's article order.
    """

    slug: str
    columns: int | None = None  # width in basic-grid columns; None: automatic
    continued_on: int | None = None  # page number the rest jumps to (下转第X版)
    column: int | None = None  # first grid column, 1-based; None: where the stack is lowest
    text_columns: int | None = None  # its own text columns (破栏); None: one per grid column


@dataclass(frozen=True)
class Page:
    """A 版: one printed page of the issue and the articles it holds, in order."""

    number: int
    name: str  # 版名: 咸安新闻
    articles: tuple[Article, ...]
    label: str | None = None  # 版次 as printed: 第3版, A03; default 第{number}版
    editors: tuple[Editor, ...] = ()
    placements: tuple[Placement, ...] = ()

    @property
    def display_label(self) -> str:
        return self.label or f"第{self.number}版"

    @property
    def file_label(self) -> str:
        """ASCII label for file names: p03."""
        return f"p{self.number:02d}"


def edition_id(paper_id: str, date: _dt.date, edition_code: str | None = None) -> str:
    """An edition's id (the name of its output folder): paper, date and regional code."""
    base = f"{paper_id}-{date.isoformat()}"
    return f"{base}-{edition_code}" if edition_code else base


@dataclass(frozen=True)
class Edition:
    """One issue as a whole: the root of the model."""

    paper: Paper
    issue: Issue
    pages: tuple[Page, ...]
    root: Path | None = field(default=None, compare=False)  # the source folder
    # The text files the edition was read from (edition.toml, the articles), as read and
    # checked: (path relative to ``root``, bytes), sorted by path. The archive keeps them.
    sources: tuple[tuple[str, bytes], ...] = field(default=(), compare=False, repr=False)

    @property
    def id(self) -> str:
        """Deterministic, file-name-safe id: xnrb-2019-10-21[-xianan]."""
        return edition_id(self.paper.id, self.issue.date, self.issue.edition_code)

    @property
    def title(self) -> str:
        """咸宁日报 2019年10月21日 (with the regional edition, where there is one)."""
        name = self.paper.name + (f"·{self.issue.edition}版" if self.issue.edition else "")
        return f"{name} {self.issue.date_zh}"

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(a for p in self.pages for a in p.articles)

    def page_of(self, slug: str) -> Page:
        for page in self.pages:
            if any(a.slug == slug for a in page.articles):
                return page
        raise KeyError(slug)


def _clip(text: str, limit: int = 30) -> str:
    """A short title from a caption: its first sentence, without a leading date clause."""
    text = text.strip()
    date = re.match(r"^\d{1,2}月\d{1,2}日[，,]", text)
    if date:
        text = text[date.end():]
    for stop in "。；":
        cut = text.find(stop)
        if 0 < cut <= limit:
            return text[:cut]
    return text if len(text) <= limit else text[:limit] + "…"
