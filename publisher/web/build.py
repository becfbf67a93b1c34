"""One issue's web edition, in memory: its pages, 版 images, photos, fonts, downloads, record.

``build_web`` takes the model, the print build (each 版's page PDF, and the 版 images and
hot zones its workers made from it and from the layout they recorded while writing it,
asked for with ``images.derive``) and the files the same
build writes (the EPUB and reading PDFs it links as downloads), and returns the issue's
files under its folder in a site (``WebIssue``). ``standalone`` makes a site of that one
issue (its indexes, feeds and search), as ``publisher build --format web`` writes it;
``publisher site`` (publisher.site) puts many issues' folders in one site instead.

Per 版 the work is a function of that 版's page PDF (its images) and of its layout record
(its zones: ``web.zones``), both made by the print workers and cached with the page
(``web.images``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import Settings
from ..fonts import FontSet
from ..formats import print_page_file
from ..model import Edition, Figure
from ..printing.build import PrintResult
from . import urls
from .feeds import issue_catalog
from .images import from_files, photo, photo_name, trim_of, zones_of
from .indexes import catalog_of, index_files
from .pages import SiteInfo, issue_pages, summary_of
from .records import ArticleRecord, Download, IssueRecord, PageRecord, edition_facts
from .search import index_pages
from .webfonts import font_files

log = logging.getLogger(__name__)

TITLES = {"epub": "电子书（EPUB）", "kepub": "Kobo 电子书（KEPUB）", "pdf": "阅读版 PDF（{size}）",
          "phone": "阅读版 PDF（手机）"}
SIZES = {"A4": "A4", "phone": "手机"}


@dataclass(frozen=True)
class WebIssue:
    """An issue's web edition: its record and its files, by path in the site (all under
    the issue's folder, ``record.dir``)."""

    record: IssueRecord
    files: dict[str, bytes]


def build_web(edition: Edition, settings: Settings, fonts: FontSet, printed: PrintResult,
              downloads: Mapping[str, bytes], inputs: str = "", progress=None) -> WebIssue:
    """``downloads``: the build's other outputs by their names (publisher.formats); those the
    site offers (web.urls.DOWNLOADS) are copied into the issue's folder. ``inputs``: what the
    issue is built from, kept in its record (publisher.site). ``progress(message)``: told
    as the issue's parts are made."""
    if len(printed.derived) != len(edition.pages):
        raise ValueError("the web edition needs the 版 images and zones the print build makes "
                         "(build_print(derive=images.derive(settings.web)))")
    step = progress or (lambda message: None)
    date = edition.issue.date
    base = urls.issue_dir(date)
    files: dict[str, bytes] = {}

    zones = {page.number: zones_of(made) for page, made in zip(edition.pages, printed.derived, strict=True)}
    images = [from_files(files) for files in printed.derived]
    for page, made in zip(edition.pages, images, strict=True):
        files.update({urls.page_dir(date, page) + name: data for name, data in made.files.items()})

    sizes: dict[str, tuple[int, int]] = {}
    for article in edition.articles:
        for figure in article.figures:
            name = _photo_path(figure)
            if figure.image is not None and base + name not in files:
                files[base + name], sizes[name] = photo(figure)

    record = IssueRecord(
        **edition_facts(edition), inputs=inputs,
        pages=tuple(PageRecord(p.number, p.display_label, p.name, made.size, made.thumb,
                               trim_of(derived), tuple(a.slug for a in p.articles))
                    for p, made, derived in zip(edition.pages, images, printed.derived, strict=True)),
        articles=tuple(ArticleRecord(a.slug, edition.page_of(a.slug).number, a.title, a.kicker,
                                     str(a.byline) if a.byline else None,
                                     summary_of(a))
                       for a in edition.articles),
        downloads=_downloads(edition, settings, printed, downloads, files, base))

    step("the issue's pages")
    site = SiteInfo.of(record, settings.web.base_url)
    html = issue_pages(edition, record, settings, site, zones, image_src=_photo_path,
                       image_size=lambda fig: sizes[_photo_path(fig)])
    files.update({path: text.encode() for path, text in html.items()})
    subsets, css = font_files(html.values(), fonts)
    files.update({f"{base}{urls.FONTS}/{name}": data for name, data in subsets.items()})
    files[f"{base}{urls.FONTS}/fonts.css"] = css.encode()
    files.update(issue_catalog(catalog_of([record], settings), record))
    files[base + urls.ISSUE_RECORD] = record.to_json()
    return WebIssue(record, files)


def _photo_path(figure: Figure) -> str:
    """A photo's path in the issue's folder: images/, named after its source's path."""
    assert figure.image is not None
    name = photo_name(figure)
    folder = figure.image.href.rsplit("/", 1)[0] if "/" in figure.image.href else ""
    prefix = folder.removeprefix("images").strip("/").replace("/", "-")
    return f"{urls.PHOTOS}/{prefix + '-' if prefix else ''}{name}"


def _downloads(edition: Edition, settings: Settings, printed: PrintResult,
               built: Mapping[str, bytes], files: dict[str, bytes], base: str) -> tuple[Download, ...]:
    """The downloads the issue offers, their files put in ``files``: the build's EPUB and
    reading PDFs where built, each 版's print PDF (always: the web edition is made from them)."""
    out = []
    for kind, name_of, media_type in urls.DOWNLOADS:
        name = name_of(edition.id)
        if name in built:
            files[base + name] = built[name]
            title = TITLES[kind].format(size=SIZES[settings.reading.page_size])
            out.append(Download(kind, name, media_type, len(built[name]), title))
    for page in edition.pages:
        data = built.get(print_page_file(page.file_label), printed.pages[page.file_label])
        href = urls.print_page_download(edition.id, page)
        files[base + href] = data
        out.append(Download("page", href, "application/pdf", len(data),
                            f"{page.display_label} {page.name}", page.number))
    return tuple(out)


def standalone(issue: WebIssue, settings: Settings, fonts: FontSet) -> dict[str, bytes]:
    """A site of this one issue: its files, the indexes and the search index."""
    files = dict(issue.files)
    files.update(index_files([issue.record], settings, fonts))
    files.update(index_pages({p: d for p, d in files.items() if p.endswith(urls.INDEX)}))
    return files
