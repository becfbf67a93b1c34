"""The HTML pages of one issue: the issue, each 版 with its zones, each article.

Rendered from the model (the articles' text goes through the shared article macros and
the typeset pass, escaped), the issue's record (what the page lists link to) and the zones
(where each article lies on its 版). Every page is ``index.html`` in its folder
(``web.urls``); links are relative. The site's name, language and address, the same on
every page, are ``SiteInfo``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import Settings
from ..model import Article, ArticleKind, Brief, Edition, Figure, Page, Paragraph
from ..render import render
from . import urls
from .records import Download, IssueRecord, PageRecord, summary
from .zones import Zone


@dataclass(frozen=True)
class SiteInfo:
    """What every page of a site says of it: the paper (and regional edition) it is for."""

    name: str  # 咸宁日报·咸安版
    language: str
    publisher: str
    cn: str | None
    base_url: str  # "" or an absolute URL ending in /

    @classmethod
    def of(cls, record: IssueRecord, base_url: str) -> SiteInfo:
        name = record.paper + (f"·{record.edition}版" if record.edition else "")
        return cls(name, record.language, record.publisher, record.cn, base_url)


@dataclass(frozen=True)
class Entry:
    """An article as a list shows it: on the 版 it begins on, or continued on a later one."""

    slug: str
    href: str
    title: str
    kicker: str | None
    summary: str
    jump: str  # （下转第2版） / （上接第1版） / ""


@dataclass(frozen=True)
class ZoneLink:
    slug: str
    href: str
    label: str
    zone: Zone


@dataclass(frozen=True)
class Shown:
    """Where an article is printed: a 版 and its zone there."""

    page: PageRecord
    zone: Zone


def page_html(template: str, settings: Settings, here: str, site: SiteInfo, fonts_css: str,
              calendar: str, **context) -> str:
    """A page of the site at folder ``here`` (``to(path)`` in the template: a link to
    ``path`` from it)."""
    return render(template, settings, here=here, site=site, urls=urls, fonts_css=fonts_css,
                  calendar=calendar, to=lambda path: urls.relative(here, path), **context)


def printed_on(edition: Edition, zones: dict[int, tuple[Zone, ...]]) -> dict[str, list[int]]:
    """Slug -> the 版 its zones are on, in page order: the first is where it begins, a later
    one is where it is continued (下转), as the print layout set it."""
    out: dict[str, list[int]] = {}
    for page in edition.pages:
        for zone in zones.get(page.number, ()):
            out.setdefault(zone.slug, []).append(page.number)
    return out


def issue_pages(edition: Edition, record: IssueRecord, settings: Settings, site: SiteInfo,
                zones: dict[int, tuple[Zone, ...]], image_src: Callable[[Figure], str],
                image_size: Callable[[Figure], tuple[int, int]]) -> dict[str, str]:
    """Every page of the issue: path in the site (``…/index.html``) -> HTML."""
    date = record.date
    fonts_css = record.dir + urls.FONTS + "/fonts.css"
    calendar = urls.month_dir(date.year, date.month)
    pages = {p.number: p for p in record.pages}
    articles = {a.slug: a for a in record.articles}
    on = printed_on(edition, zones)
    downloads = {d.page: d for d in record.downloads if d.page is not None}
    out: dict[str, str] = {}

    def html(template: str, here: str, **context) -> None:
        out[here + urls.INDEX] = page_html(template, settings, here, site, fonts_css, calendar,
                                           issue=record, **context)

    def entries(page: Page, here: str) -> list[Entry]:
        """The articles that begin on the 版, then those continued on it."""
        listed = []
        for article in page.articles:
            rec = articles[article.slug]
            later = [n for n in on.get(article.slug, ()) if n != page.number]
            jump = f"（下转{pages[later[0]].label}）" if later else ""
            listed.append(Entry(rec.slug, urls.relative(here, rec.dir(date)), rec.title,
                                rec.kicker, rec.summary, jump))
        for slug, numbers in on.items():
            cont = articles.get(slug)
            if cont and cont.page != page.number and page.number in numbers:
                listed.append(Entry(slug, urls.relative(here, cont.dir(date)), cont.title, None,
                                    "", f"（上接{pages[cont.page].label}）"))
        return listed

    html("web/issue.html.j2", record.dir, downloads=record.downloads,
         entries={p.number: entries(p, record.dir) for p in edition.pages})
    for k, page in enumerate(edition.pages):
        here = urls.page_dir(date, page)
        listed = entries(page, here)
        titles = {e.slug: f"{e.title}{e.jump}" for e in listed}
        links = [ZoneLink(z.slug, urls.relative(here, articles[z.slug].dir(date)),
                          titles.get(z.slug, articles[z.slug].title), z)
                 for z in zones.get(page.number, ()) if z.slug in articles]
        pdf = downloads.get(page.number)
        html("web/page.html.j2", here, page=pages[page.number], entries=listed, zones=links,
             pdf=_here(pdf, record.dir, here),
             previous=record.pages[k - 1] if k else None,
             next=record.pages[k + 1] if k + 1 < len(record.pages) else None)
    ordered = edition.articles
    for n, article in enumerate(ordered):
        page = edition.page_of(article.slug)
        rec = articles[article.slug]
        here = rec.dir(date)
        shown = [Shown(pages[number], z) for number, zs in sorted(zones.items())
                 for z in zs if z.slug == article.slug]
        numbers = on.get(article.slug, [])
        note = ""
        if len(numbers) > 1:
            note = (f"本文刊于{pages[numbers[0]].label}，下转"
                    + "、".join(pages[n].label for n in numbers[1:]) + "。")
        html("web/article.html.j2", here, article=article, page=pages[page.number],
             previous=articles[ordered[n - 1].slug] if n else None,
             next=articles[ordered[n + 1].slug] if n + 1 < len(ordered) else None,
             shown_on=shown, jumps=note,
             image_src=lambda fig, here=here: urls.relative(here, record.dir + image_src(fig)),
             image_size=image_size)
    return out


def _here(download: Download | None, issue_dir: str, here: str) -> Download | None:
    """A download with its link from the page at ``here``."""
    if download is None:
        return None
    return Download(download.kind, urls.relative(here, issue_dir + download.href), download.type,
                    download.size, download.title, download.page)


def summary_of(article: Article) -> str:
    """What lists and feeds show of an article: its lead and first paragraph, the first item
    of a briefs column, or a photo's caption."""
    paragraphs = [b.text for b in article.body if isinstance(b, Paragraph)]
    if article.kind is ArticleKind.BRIEFS:
        briefs = [b.text for b in article.body if isinstance(b, Brief)]
        return summary(tuple(briefs[:1]))
    if paragraphs:
        return summary(tuple(t for t in (article.dateline, paragraphs[0]) if t))
    return summary(tuple(f.caption for f in article.figures[:1]))
