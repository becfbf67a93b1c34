"""The reading edition: the whole issue as one PDF for screens, tagged, PDF/A-2a and PDF/UA-1.

Its markup is ``render.reading_html`` (one document, 版 by 版, bookmarks 版 → article), its
stylesheets A4's (``base``, ``typeset``, ``reading``) with the phone page's on top when the
house asks for ``[tool.publisher.reading] page_size = "phone"``, and it is rendered through
the engine with only the house's styles and fonts folders readable and the photos served
from the bytes that were checked (by URLs that do not name the edition's folder, so the PDF
is the same wherever the edition lies).
PDF/A-2a (an accessible
logical structure) that also declares PDF/UA-1 in its XMP: one file is both the accessible
reading PDF and an archival issue PDF. Its structure tree is written after the render, from
the engine's record of what each piece of content belongs to (``structure.tag``: one
``Sect`` per 版, one ``Art`` per article, whatever the page breaks); what is decoration
(folios, the contents page's leaders and page numbers) the styles mark as artifacts
(``--pdf-artifact``, see styles/reading.css). WeasyPrint's XMP (title, creator, description,
dates) is completed with what an archive reads (``xmp.issue_properties``) and the PDF/UA
claim. docs/reading.md says what is checked, and how.
"""

from __future__ import annotations

from pathlib import Path

from .config import Settings
from .engine import Rendered, Sandbox, alias_url, render
from .fonts import FontSet
from .model import Edition
from .photos import for_page
from .render import reading_html
from .structure import tag
from .xmp import complete, issue_properties

STYLES = ("base.css", "typeset.css", "reading.css")
PHONE_STYLES = ("reading-phone.css",)  # the phone page, on top of A4's rules


def reading_styles(settings: Settings) -> list[Path]:
    """The reading PDF's stylesheets: A4, or A4's rules with the phone page on top."""
    names = STYLES + (PHONE_STYLES if settings.reading.page_size == "phone" else ())
    return [settings.styles_dir / name for name in names]


def image_url(source: Path, edition: Edition) -> str:
    """The URL a photo is fetched by: named after its place in the edition, not the folder the
    edition lies in, so that WeasyPrint's image names (hashes of the URL) are the same in
    every build."""
    assert edition.root is not None
    return alias_url("publisher-photo", source.relative_to(edition.root).as_posix())


def reading_pdf(edition: Edition, settings: Settings, fonts: FontSet) -> bytes:
    return reading_render(edition, settings, fonts).pdf


def reading_render(edition: Edition, settings: Settings, fonts: FontSet,
                   layout: bool = False) -> Rendered:
    """The reading PDF (with ``layout``: where every line of it sits)."""
    assert edition.root is not None
    # the photos as they were checked (Image.data): nothing of the edition is read again; a
    # huge one decoded no larger than the page needs (WeasyPrint would embed it whole, and
    # decode it whole to turn it upright)
    photos = {image_url(fig.image.path, edition): for_page(fig.image)
              for article in edition.articles for fig in article.figures if fig.image}
    sandbox = Sandbox((settings.styles_dir, settings.fonts_dir), photos)
    html = reading_html(edition, settings, image_src=lambda fig: image_url(fig.image.path, edition))
    rendered = render(html, base_dir=edition.root, stylesheets=reading_styles(settings), fonts=fonts,
                      sandbox=sandbox, what="reading PDF", layout=layout, pdf_variant="pdf/a-2a",
                      pdf_tags=True)
    structure = rendered.structure
    assert structure is not None
    pdf = complete(rendered.pdf, issue_properties(edition), pdfua=1, edit=lambda pdf: tag(pdf, structure))
    return Rendered(pdf, rendered.pages, structure)
