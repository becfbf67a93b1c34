"""The web edition's addresses: where every page, image, download and feed lies in a site.

One place for the URL scheme (docs/web.md documents it for readers and for whoever links to
the site). Addresses are paths from the site's root, by date and 版 number, so they stay the
same whenever the site is rebuilt and whatever else it holds::

    2019/10/21/                     the issue: its 版, contents, downloads
    2019/10/21/01/                  第1版: the page as printed, its articles' zones
    2019/10/21/01/<slug>/           an article (under the 版 it begins on)
    2019/                           a year, 2019/10/: a month (calendars of issues)
    prev/2019/10/21/, next/…        the issue before or after this one (kept by the site)
    feeds/, opds/                   Atom feeds and OPDS catalogs; search/: search

Pages are ``index.html`` files in their folder (``…/01/`` serves ``…/01/index.html`` on any
static server). Links between pages are relative (``relative``), so a site works at any
address, below any path. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath

from ..formats import epub_file, kepub_file, phone_file, reading_file
from ..model import Page

INDEX = "index.html"
ISSUE_RECORD = "issue.json"  # the issue as the site's indexes see it (web.records)
FONTS = "fonts"  # an issue's font subsets and their CSS, inside its folder
PHOTOS = "images"  # an issue's article photos, inside its folder

# a 版's images, inside its folder (web.images makes them)
PAGE_WEBP, PAGE_JPEG_2X, PAGE_JPEG, PAGE_THUMB = "page.webp", "page@2x.jpg", "page.jpg", "thumb.jpg"

ASSETS = "assets"  # the site's stylesheet, scripts and the fonts of its own pages
STYLESHEET = f"{ASSETS}/web.css"
SCRIPT = f"{ASSETS}/web.js"
SEARCH_SCRIPT = f"{ASSETS}/search.js"
SEARCH = "search/"
PAGEFIND = "pagefind"  # Pagefind's bundle (web.search)
FEEDS = "feeds"
ATOM_ISSUES = f"{FEEDS}/issues.xml"
ATOM_ARTICLES = f"{FEEDS}/articles.xml"
OPDS = "opds"
OPENSEARCH = f"{OPDS}/opensearch.xml"


def issue_dir(date: dt.date) -> str:
    """2019/10/21/"""
    return f"{date.year:04d}/{date.month:02d}/{date.day:02d}/"


def month_dir(year: int, month: int) -> str:
    return f"{year:04d}/{month:02d}/"


def year_dir(year: int) -> str:
    return f"{year:04d}/"


def page_part(number: int) -> str:
    """A 版's folder name: its number, two digits (a 100-版 issue gets three)."""
    return f"{number:02d}/"


def page_dir(date: dt.date, page: Page | int) -> str:
    number = page if isinstance(page, int) else page.number
    return issue_dir(date) + page_part(number)


def article_dir(date: dt.date, page: Page | int, slug: str) -> str:
    return page_dir(date, page) + f"{slug}/"


def step_dir(direction: str, date: dt.date) -> str:
    """prev/2019/10/21/ or next/2019/10/21/: where the issue before or after that one is
    linked from. Kept by the site's indexes, so adding an issue rewrites no other issue."""
    assert direction in ("prev", "next")
    return f"{direction}/{issue_dir(date)}"


def print_page_download(edition_id: str, page: Page) -> str:
    """The 版 as printed, in the 版's folder, named so a saved file says what it is."""
    return f"{page_part(page.number)}{edition_id}-{page.file_label}.pdf"


# Downloads of an issue, in its folder: (what, file name for the edition id, media type).
# The names are the build's own (publisher.formats). The kepub joins here when it is built.
# The print pages are offered 版 by 版 (print_page_download), not as the whole issue's
# PDF/X (its 16 broadsheet pages are 20 MB, every page of it already offered).
DOWNLOADS = (
    ("epub", epub_file, "application/epub+zip"),
    ("kepub", kepub_file, "application/kepub+zip"),  # Kobo's (the type Kobo and Calibre serve it as)
    ("pdf", reading_file, "application/pdf"),
    ("phone", phone_file, "application/pdf"),
)


def opds_year(year: int, ext: str) -> str:
    return f"{OPDS}/{year:04d}.{ext}"


def opds_month(year: int, month: int, ext: str) -> str:
    return f"{OPDS}/{year:04d}-{month:02d}.{ext}"


def opds_root(ext: str) -> str:
    return f"{OPDS}/index.{ext}"


def opds_latest(ext: str) -> str:
    return f"{OPDS}/latest.{ext}"


def opds_issue(date: dt.date, ext: str) -> str:
    """The issue's own acquisition feed, in its folder: it never changes when issues are added."""
    return f"{issue_dir(date)}opds.{ext}"


def opds_search(term: str, ext: str) -> str:
    """The catalog's answer to a search for ``term`` (a date or an issue number)."""
    return f"{OPDS}/search/{term}.{ext}"


@functools.lru_cache(maxsize=1 << 16)  # the same links on every page of an issue: posixpath is slow
def relative(here: str, target: str) -> str:
    """The link from the page at folder ``here`` (``2019/10/21/01/``, ``""`` for the root)
    to ``target`` (a folder ending in ``/`` or a file), relative, so the site works at any
    address. A folder link ends in ``/``; the root is ``./`` from itself."""
    base = here.rstrip("/") or "."
    rel = posixpath.relpath(target.rstrip("/") or ".", base)
    if target.endswith("/") or target == "":
        return "./" if rel == "." else rel + "/"
    return rel
