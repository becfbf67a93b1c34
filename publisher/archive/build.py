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

import datetime as dt
import logging
import os
from importlib import metadata

from ..config import Settings
from ..errors import ConfigError, Problem
from ..model import Edition, Figure
from ..printing.build import PrintResult
from ..printing.pages import image_url
from ..xmp import issue_properties
from .alto import build_alto
from .bag import BagInfo, make_bag
from .mets import FileEntry, Provenance, build_mets
from .nitf import build_nitf
from .pages import print_pages
from .pdfa import Attachment, PdfaMeta, archival_pdf

log = logging.getLogger(__name__)

SOFTWARE = "publisher"


def version() -> str:
    try:
        return metadata.version("publisher")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def made_at(environ=os.environ) -> dt.datetime:
    """When the package is made: ``SOURCE_DATE_EPOCH`` (seconds since 1970, the
    reproducible-builds.org convention) when set, so that a rebuild gives the same bytes;
    else the clock. UTC, whole seconds. The issue's date is another fact (what the package
    is of): it stays wherever the issue date is meant."""
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        seconds = int(raw)
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise ConfigError(Problem(f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds "
                                  "since 1970-01-01", hint="set it to e.g. $(git log -1 --format=%ct), "
                                  "or unset it to date the package by the clock",
                                  code="source-date-epoch")) from None


def house_contact(settings: Settings) -> tuple[tuple[str, str], ...]:
    """The house's contact fields, as bag-info names them (RFC 8493 §2.2.2)."""
    a = settings.archive
    return tuple((k, v) for k, v in (("Contact-Name", a.contact_name),
                                     ("Contact-Email", a.contact_email),
                                     ("Contact-Phone", a.contact_phone),
                                     ("Organization-Address", a.address)) if v)


def provenance(edition: Edition, settings: Settings, made: dt.datetime) -> Provenance:
    """Who makes the package (the house's archive settings; else the paper's publisher),
    when, with what."""
    return Provenance(made.isoformat(), settings.archive.organisation or edition.paper.publisher,
                      house_contact(settings), SOFTWARE, version())


def build_archive(edition: Edition, printed: PrintResult, epub: bytes, settings: Settings,
                  made: dt.datetime | None = None) -> dict[str, bytes]:
    """Every file of the bag, relative to the bag's folder (``made``: default ``made_at()``)."""
    prov = provenance(edition, settings, made or made_at())
    files, pages = payload_files(edition, printed, epub, prov)
    payload = {f.href: f.data for f in files}
    payload["mets.xml"] = build_mets(edition, pages, files, prov)
    return make_bag(BagInfo.of(edition, prov), payload)


def payload_files(edition: Edition, printed: PrintResult, epub: bytes | None, prov: Provenance,
                  *, unit: str = "mm10"):
    """The payload's files but METS (``FileEntry`` each, in METS's order) and the 版 they
    were made from (``pages.ArchivePage``)."""
    if len(printed.layouts) != len(edition.pages):
        raise ValueError("the archive needs the print build's page layouts (build_print(layout=True))")
    pages = print_pages(edition, printed.layouts, lambda fig: print_image_src(edition, fig))
    sources = _sources(edition)
    issue = issue_properties(edition)

    def meta(key: str, title: str) -> PdfaMeta:
        return PdfaMeta(f"{edition.id}/archive/{key}", title, edition.paper.publisher, prov.made,
                        edition.paper.language, issue)

    issue_pdf = archival_pdf(printed.issue, meta("issue", edition.title),
                             tuple(Attachment(path, data, _mimetype(path))
                                   for path, data in sources.items()))
    page_pdfs = [archival_pdf(printed.pages[p.page.file_label],
                              meta(p.name, f"{edition.title} {p.page.display_label} {p.page.name}"))
                 for p in pages]

    source_ids = {path: f"SRC_{i:04d}" for i, path in enumerate(sources, start=1)}

    def image_file(fig: Figure) -> str | None:
        rel = _edition_path(edition, fig)
        return source_ids.get(rel) if rel else None

    files: list[FileEntry] = [
        FileEntry("ISSUE_PDF", f"{edition.id}.pdf", "ISSUE", "application/pdf", issue_pdf)]
    if epub is not None:
        files.append(FileEntry("ISSUE_EPUB", f"{edition.id}.epub", "EPUB", "application/epub+zip",
                               epub))
    for page, pdf in zip(pages, page_pdfs, strict=False):
        files.append(FileEntry(f"PDF_{page.name}", f"pages/{page.name}.pdf", "PAGE PDF",
                               "application/pdf", pdf))
    for page in pages:
        alto = build_alto(edition, page, f"../pages/{page.name}.pdf", prov.version,
                          made=prov.made, agency=prov.organisation, unit=unit,
                          image_file=image_file)
        files.append(FileEntry(f"ALTO_{page.name}", f"alto/{page.name}.xml", "ALTO",
                               "text/xml", alto))
    for printed_page in edition.pages:
        for article in printed_page.articles:
            nitf = build_nitf(edition, printed_page, article,
                              lambda fig: _image_href(edition, fig, "../sources/"))
            files.append(FileEntry(f"NITF_{article.slug}", f"nitf/{article.slug}.xml", "NITF",
                                   "text/xml", nitf))
    for path, data in sources.items():
        files.append(FileEntry(source_ids[path], f"sources/{path}", "SOURCE",
                               _mimetype(path), data))
    return files, pages


def print_image_src(edition: Edition, fig: Figure) -> str:
    """The src a print page gives a figure's image (printing.pages.image_url)."""
    assert fig.image is not None  # only figures with an image are asked about
    return image_url(fig.image.path, edition)


def _edition_path(edition: Edition, fig: Figure) -> str | None:
    if fig.image is None or edition.root is None:
        return None
    return fig.image.path.relative_to(edition.root).as_posix()


def _image_href(edition: Edition, fig: Figure, prefix: str) -> str | None:
    rel = _edition_path(edition, fig)
    return prefix + rel if rel else None


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
