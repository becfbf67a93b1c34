"""Assembling the archive package of one issue: every file of the bag, in memory.

Payload (under ``data/``)::

    <edition-id>.pdf        the issue as printed, PDF/A-3b, its sources attached (AF, /Source)
    <edition-id>.epub       the reader EPUB
    pages/p01.pdf …         one PDF per 版 as printed (named by its page label), PDF/A-2b
    alto/p01.xml …          ALTO 4.4 per 版: blocks per article part, lines, strings, glyphs
    nitf/<slug>.xml …       NITF 3.6 per article
    mets.xml                the issue: files, pages in order, articles and their parts
    sources/…               edition.toml, the article files and images as built

Page source: the print build (``publisher.printing.build.build_print(layout=True)``):
its PDF/X pages made archival (cut to the trim, PDF/A: ``archive.pdfa``) and the layout
its workers recorded while writing them (``archive.pages.print_pages``): the ALTO of a
page describes exactly the page PDF beside it, from the same single layout.
"""

from __future__ import annotations

import logging
from importlib import metadata

from ..model import Edition, Figure
from ..printing.build import PrintResult
from ..xmp import issue_properties
from .alto import build_alto
from .bag import make_bag
from .mets import FileEntry, build_mets
from .nitf import build_nitf
from .pages import print_pages
from .pdfa import Attachment, PdfaMeta, archival_pdf

log = logging.getLogger(__name__)


def version() -> str:
    try:
        return metadata.version("publisher")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def build_archive(edition: Edition, printed: PrintResult, epub: bytes) -> dict[str, bytes]:
    """Every file of the bag, relative to the bag's folder."""
    if len(printed.layouts) != len(edition.pages):
        raise ValueError("the archive needs the print build's page layouts (build_print(layout=True))")
    ver = version()
    pages = print_pages(edition, printed.layouts)
    sources = _sources(edition)
    issue = issue_properties(edition)
    created = edition.issue.closing_time.isoformat()

    def meta(key: str, title: str) -> PdfaMeta:
        return PdfaMeta(f"{edition.id}/archive/{key}", title, edition.paper.publisher, created,
                        edition.paper.language, issue)

    issue_pdf = archival_pdf(printed.issue, meta("issue", edition.title),
                             tuple(Attachment(path, data, _mimetype(path))
                                   for path, data in sources.items()))
    page_pdfs = [archival_pdf(printed.pages[p.page.file_label],
                              meta(p.name, f"{edition.title} {p.page.display_label} {p.page.name}"))
                 for p in pages]

    files: list[FileEntry] = [
        FileEntry("ISSUE_PDF", f"{edition.id}.pdf", "ISSUE", "application/pdf", issue_pdf),
        FileEntry("ISSUE_EPUB", f"{edition.id}.epub", "EPUB", "application/epub+zip", epub),
    ]
    for sheet, pdf in zip(pages, page_pdfs, strict=True):
        files.append(FileEntry(f"PDF_{sheet.name}", f"pages/{sheet.name}.pdf", "PAGE PDF",
                               "application/pdf", pdf))
    for sheet in pages:
        alto = build_alto(edition, sheet, f"../pages/{sheet.name}.pdf", ver)
        files.append(FileEntry(f"ALTO_{sheet.name}", f"alto/{sheet.name}.xml", "ALTO",
                               "text/xml", alto))
    for page in edition.pages:
        for article in page.articles:
            nitf = build_nitf(edition, page, article,
                              lambda fig: _image_href(edition, fig, "../sources/"))
            files.append(FileEntry(f"NITF_{article.slug}", f"nitf/{article.slug}.xml", "NITF",
                                   "text/xml", nitf))
    for i, (path, data) in enumerate(sources.items(), start=1):
        files.append(FileEntry(f"SRC_{i:04d}", f"sources/{path}", "SOURCE",
                               _mimetype(path), data))

    payload = {f.href: f.data for f in files}
    payload["mets.xml"] = build_mets(edition, pages, files, ver)
    return make_bag(edition, payload, ver)


def _image_href(edition: Edition, fig: Figure, prefix: str) -> str | None:
    if fig.image is None or edition.root is None:
        return None
    return prefix + fig.image.path.relative_to(edition.root).as_posix()


def _sources(edition: Edition) -> dict[str, bytes]:
    """The files the issue was built from, by path relative to the edition folder: the
    bytes the reader checked and the outputs were made from (``Edition.sources``,
    ``Image.data``), never read again."""
    assert edition.root is not None
    found = dict(edition.sources)
    for article in edition.articles:
        for fig in article.figures:
            if fig.image is not None:
                found[fig.image.path.relative_to(edition.root).as_posix()] = fig.image.data
    return {path: found[path] for path in sorted(found)}


def _mimetype(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower()
    return {"toml": "application/toml", "md": "text/markdown", "jpg": "image/jpeg",
            "jpeg": "image/jpeg", "png": "image/png"}.get(suffix, "application/octet-stream")
