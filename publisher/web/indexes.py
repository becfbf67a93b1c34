"""A site's indexes: every file that depends on more than one issue, made from their records.

The home page (the latest issue), a page per year and per month (calendars of issues), the
steps from each issue to the one before and after it (``prev/…``, ``next/…``), the search
page, the feeds and catalogs (``web.feeds``), the stylesheet (the house's ``base.css``,
``typeset.css`` and ``web.css``), the scripts, and the font subsets of these pages. When an
issue is added, these are made again from the records; the issues' own folders are not
touched.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from importlib import resources

from ..config import Settings
from ..fonts import FontSet
from . import urls
from .feeds import Catalog, feed_files
from .pages import SiteInfo, page_html
from .records import IssueRecord
from .webfonts import font_files

STYLES = ("base.css", "typeset.css", "web.css")  # the house's, in this order
SITE_FONTS = f"{urls.ASSETS}/fonts"


def catalog_of(records: Sequence[IssueRecord], settings: Settings) -> Catalog:
    issues = tuple(sorted(records, key=lambda r: r.date, reverse=True))
    site = SiteInfo.of(issues[0], settings.web.base_url)
    key = issues[0].paper_id + (f"-{issues[0].edition_code}" if issues[0].edition_code else "")
    return Catalog(site.name, site.publisher, site.language, key, settings.web.base_url, issues,
                   settings.web.latest)


def weeks(year: int, month: int, issues: Sequence[IssueRecord]):
    """The month's weeks from Monday: (day, its issue or None), day 0 outside the month."""
    by_day = {i.date.day: i for i in issues if (i.date.year, i.date.month) == (year, month)}
    return [[(day, by_day.get(day)) for day in week]
            for week in calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)]


def index_files(records: Sequence[IssueRecord], settings: Settings, fonts: FontSet) -> dict[str, bytes]:
    """Every index file of a site holding the issues of ``records``."""
    catalog = catalog_of(records, settings)
    issues = catalog.issues  # newest first
    site = SiteInfo.of(issues[0], settings.web.base_url)
    latest = issues[0]
    fonts_css = f"{SITE_FONTS}/fonts.css"
    html: dict[str, str] = {}

    def page(template: str, here: str, calendar_dir: str, **context) -> None:
        html[here + urls.INDEX] = page_html(template, settings, here, site, fonts_css,
                                            calendar_dir, **context)

    latest_month = urls.month_dir(latest.date.year, latest.date.month)
    page("web/home.html.j2", "", latest_month, issue=latest, years=catalog.years,
         front_articles=[a for a in latest.articles if a.page == latest.front.number],
         weeks=weeks(latest.date.year, latest.date.month, issues))
    months = sorted({(i.date.year, i.date.month) for i in issues})
    for year in catalog.years:
        page("web/year.html.j2", urls.year_dir(year), urls.year_dir(year), year=year,
             years=catalog.years,
             months=[(m, weeks(year, m, issues)) for y, m in months if y == year])
    for k, (year, month) in enumerate(months):
        here = urls.month_dir(year, month)
        page("web/month.html.j2", here, here, year=year, month=month,
             weeks=weeks(year, month, issues), issues=list(reversed(catalog.of_month(year, month))),
             previous=months[k - 1] if k else None,
             next=months[k + 1] if k + 1 < len(months) else None)
    ordered = list(reversed(issues))  # oldest first
    for k, issue in enumerate(ordered):
        for direction, target in (("prev", ordered[k - 1] if k else None),
                                  ("next", ordered[k + 1] if k + 1 < len(ordered) else None)):
            page("web/step.html.j2", urls.step_dir(direction, issue.date),
                 urls.month_dir(issue.date.year, issue.date.month), direction=direction,
                 from_issue=issue, target=target)
    page("web/search.html.j2", urls.SEARCH, latest_month)

    out = {path: text.encode() for path, text in html.items()}
    subsets, css = font_files(html.values(), fonts)
    out.update({f"{SITE_FONTS}/{name}": data for name, data in subsets.items()})
    out[f"{SITE_FONTS}/fonts.css"] = css.encode()
    out.update(assets(settings))
    out.update(feed_files(catalog))
    return out


def assets(settings: Settings) -> dict[str, bytes]:
    """The site's stylesheet (the house's styles) and scripts (publisher's)."""
    css = "\n".join((settings.styles_dir / name).read_text("utf-8") for name in STYLES)
    here = resources.files("publisher") / "templates" / "web" / "assets"
    return {urls.STYLESHEET: css.encode(),
            urls.SCRIPT: (here / "web.js").read_bytes(),
            urls.SEARCH_SCRIPT: (here / "search.js").read_bytes()}
