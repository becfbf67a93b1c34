"""What the site's indexes know of an issue: its record, kept as ``issue.json`` in its folder.

The indexes of a site (home, calendars, the issue-to-issue steps, Atom feeds, OPDS
catalogs, search by date) are made from these records alone, never from an edition's
sources: adding an issue to a site builds that issue, then reads the records of the others
from their folders. A record is plain data, written as sorted, indented JSON, so the same
issue always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field

from ..model import Edition
from . import urls

SCHEMA = 1  # the record's layout: a site built with another is rebuilt whole


@dataclass(frozen=True)
class PageRecord:
    number: int
    label: str  # 第1版
    name: str  # 咸安新闻
    size: tuple[int, int]  # the web image, px
    thumb: tuple[int, int]
    trim: tuple[float, float]  # the printed page, pt: the zones' coordinates
    articles: tuple[str, ...]  # slugs of the articles that begin on it

    @property
    def title(self) -> str:
        return f"{self.label} {self.name}"


@dataclass(frozen=True)
class ArticleRecord:
    slug: str
    page: int  # the 版 it begins on
    title: str
    kicker: str | None
    byline: str | None
    summary: str  # its first words, for feeds and lists

    def dir(self, date: dt.date) -> str:
        return urls.article_dir(date, self.page, self.slug)


@dataclass(frozen=True)
class Download:
    kind: str  # epub, pdf, phone, print (urls.DOWNLOADS), or page (one 版 as printed)
    href: str  # from the issue's folder
    type: str
    size: int  # bytes
    title: str  # 电子书（EPUB）
    page: int | None = None  # the 版 of a page PDF


@dataclass(frozen=True)
class IssueRecord:
    id: str  # the edition id: xnrb-2019-10-21-xianan
    date: dt.date
    title: str  # 咸宁日报·咸安版 2019年10月21日
    paper_id: str
    paper: str  # 咸宁日报
    publisher: str
    cn: str | None  # 国内统一连续出版物号
    language: str
    edition: str | None  # 咸安
    edition_code: str | None
    number: int | None  # 总第…期
    updated: str  # the issue's closing time, ISO 8601: every feed date comes from it
    pages: tuple[PageRecord, ...]
    articles: tuple[ArticleRecord, ...]
    downloads: tuple[Download, ...]
    inputs: str = ""  # what the issue was built from (site.inputs_hash): unchanged -> not rebuilt
    schema: int = field(default=SCHEMA)

    @property
    def dir(self) -> str:
        return urls.issue_dir(self.date)

    @property
    def urn(self) -> str:
        """The issue's id in feeds and catalogs, the same in every feed and every build."""
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'publisher:web:{self.id}')}"

    def article_urn(self, slug: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'publisher:web:{self.id}:{slug}')}"

    @property
    def weekday(self) -> str:
        return ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")[self.date.weekday()]

    @property
    def date_zh(self) -> str:
        return f"{self.date.year}年{self.date.month}月{self.date.day}日"

    @property
    def front(self) -> PageRecord:
        return self.pages[0]

    def front_headlines(self) -> list[str]:
        return [a.title for a in self.articles if a.page == self.front.number]

    def to_json(self) -> bytes:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> IssueRecord:
        """A record read back; ValueError when it is not one (of this schema)."""
        try:
            raw = json.loads(data)
            if raw.get("schema") != SCHEMA:
                raise ValueError(f"record schema {raw.get('schema')!r}, not {SCHEMA}")
            pages = tuple(PageRecord(**{**p, "size": tuple(p["size"]), "thumb": tuple(p["thumb"]),
                                        "trim": tuple(p["trim"]), "articles": tuple(p["articles"])})
                          for p in raw["pages"])
            articles = tuple(ArticleRecord(**a) for a in raw["articles"])
            downloads = tuple(Download(**d) for d in raw["downloads"])
            return cls(**{**raw, "date": dt.date.fromisoformat(raw["date"]), "pages": pages,
                          "articles": articles, "downloads": downloads})
        except (TypeError, KeyError, AttributeError) as exc:
            raise ValueError(f"not an issue record: {exc}") from None


def summary(texts: tuple[str, ...], limit: int = 120) -> str:
    """An article's first words: its lead (or first paragraph), cut at a sentence end."""
    text = "".join(texts).strip()
    if len(text) <= limit:
        return text
    cut = max(text.rfind(mark, 0, limit) for mark in "。！？")
    return text[:cut + 1] if cut > limit // 3 else text[:limit] + "…"


def edition_facts(edition: Edition) -> dict:
    """The record's fields that come straight from the edition."""
    paper, issue = edition.paper, edition.issue
    return dict(id=edition.id, date=issue.date, title=edition.title, paper_id=paper.id,
                paper=paper.name, publisher=paper.publisher, cn=paper.cn, language=paper.language,
                edition=issue.edition, edition_code=issue.edition_code, number=issue.number,
                updated=issue.closing_time.isoformat())
