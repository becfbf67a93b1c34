"""The reader EPUB 3: the only module that imports ebooklib.

Render first, package second (as Sphinx does): every XHTML document, the nav document
and the NCX come from our templates; ebooklib writes the package document (metadata,
manifest, spine) and the container. Three things ebooklib 0.20 gets wrong are handled
here: it rewrites XHTML documents (and breaks stylesheet paths in subfolders) — so our
documents are plain items it stores as given; it builds page-lists wrongly — so the nav,
its page-list and the NCX pageList are ours; and it is not reproducible (uuid4 identifier,
"now" as dcterms:modified and zip times) — so the identifier is a uuid5 of paper and date,
the modified date is the issue date, and the zip is rewritten with fixed entry times,
``mimetype`` first and stored.

Also owned here: the print page numbers of the EPUB (page-break markers, page-list,
pageBreakSource), the cover rendered from the front page of a PDF, the accessibility
metadata, and the font subsets of exactly the characters each typeface role prints.
"""

from __future__ import annotations

import io
import logging
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ebooklib import epub
from lxml import etree

from .config import Settings
from .errors import Problems, RenderError
from .fonts import FALLBACK, Face, FontSet, needs_fallback
from .model import Article, Edition, Figure, Page
from .render import render

log = logging.getLogger(__name__)

EPUB_IMAGE_LONG_SIDE = 1600
COVER_HEIGHT = 1600  # px: sharp on 300 ppi e-ink readers (Kobo Libra/Clara: 1680/1448 px high)
COVER_ID = "cover-image"
COVER_FILE = "images/cover.jpg"
# Apple Books uses embedded fonts only when the book asks for them.
APPLE_DISPLAY_OPTIONS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<display_options>\n  <platform name="*">\n'
    b'    <option name="specified-fonts">true</option>\n  </platform>\n</display_options>\n')
APPLE_DISPLAY_OPTIONS_NAME = "META-INF/com.apple.ibooks.display-options.xml"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"

XHTML_NS = "http://www.w3.org/1999/xhtml"
# Which rendered elements each typeface role prints: the classes (and elements) whose rules
# in styles/base.css and styles/epub.css start their font-family with that role's face.
# tests/epub/test_fonts.py checks these lists against the stylesheets.
ROLE_CLASSES = {
    "kai": ("kicker", "subtitle", "byline", "attribution", "caption", "credit"),
    "hei": ("headline", "dateline", "subhead", "page-tag", "page-head", "paper"),
}
ROLE_ELEMENTS = {"kai": ("figcaption",), "hei": ("strong", "th")}


class _Doc(epub.EpubItem):
    """An item stored exactly as rendered (ebooklib's EpubHtml would rewrite it)."""

    def __init__(self, uid: str, file_name: str, media_type: str, content: bytes,
                 properties: Iterable[str] = ()):
        super().__init__(uid=uid, file_name=file_name, media_type=media_type, content=content)
        self.properties = list(properties)


@dataclass(frozen=True)
class PageBreak:
    """One print page marker inside an article document (``epub:type="pagebreak"``)."""

    number: int  # the print page
    label: str  # as printed: 第1版, A03
    file: str  # the article's document: a-<slug>.xhtml
    begins: bool  # the article begins on this page (False: its jumped continuation)

    @property
    def id(self) -> str:
        return f"page-{self.number}"

    @property
    def href(self) -> str:
        return f"{self.file}#{self.id}"


def identifier(edition: Edition) -> str:
    key = f"publisher:{edition.paper.id}:{edition.issue.date.isoformat()}:{edition.issue.edition_code or ''}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"


def article_file(article: Article) -> str:
    return f"a-{article.slug}.xhtml"


def page_file(page: Page) -> str:
    return f"{page.file_label}.xhtml"


def image_name(figure: Figure) -> str:
    """The photo's name inside the EPUB: made from its content (``Image.digest``), never from
    its file name, so it is valid whatever the source calls it (spaces, %, #, ?), two
    different photos never share a name (x.jpg in two folders), the same photo used twice is
    stored once, and no photo can take the cover's name (images/cover.jpg)."""
    assert figure.image is not None
    suffix = ".png" if figure.image.media_type == "image/png" else ".jpg"
    return f"images/photo-{figure.image.digest[:20]}{suffix}"


# ---------------------------------------------------------------- print pages


def print_pages_from_model(edition: Edition) -> dict[str, tuple[int, ...]]:
    """slug -> the print pages the article is on, from the model alone.

    In this project one 版 is exactly one printed page, so an article is on its 版's page,
    and on the page its jump line names (``Placement.continued_on``) when it jumps.
    """
    out: dict[str, tuple[int, ...]] = {}
    for page in edition.pages:
        jumps = {p.slug: p.continued_on for p in page.placements if p.continued_on}
        for article in page.articles:
            more = jumps.get(article.slug)
            out[article.slug] = (page.number,) + ((more,) if more and more != page.number else ())
    return out


def page_breaks(edition: Edition, print_pages: Mapping[str, tuple[int, ...]]) -> dict[str, list[PageBreak]]:
    """slug -> its page-break markers, checked against the edition's pages."""
    labels = {p.number: p.display_label for p in edition.pages}
    problems = Problems()
    out: dict[str, list[PageBreak]] = {}
    for article in edition.articles:
        numbers = tuple(print_pages.get(article.slug, ()))
        if not numbers:
            problems.add(f"article {article.slug!r} has no print page", code="print-pages",
                         hint="the print layout must place every article of the edition")
            continue
        unknown = [n for n in numbers if n not in labels]
        if unknown:
            problems.add(f"article {article.slug!r} is placed on print page {unknown[0]}, which the "
                         f"edition does not have", code="print-pages",
                         hint="one 版 is one printed page: the page numbers must be the 版 numbers")
            continue
        numbers = tuple(dict.fromkeys(numbers))
        out[article.slug] = [PageBreak(n, labels[n], article_file(article), i == 0)
                             for i, n in enumerate(numbers)]
    problems.raise_if_errors(RenderError)
    return out


def page_list(edition: Edition, breaks: Mapping[str, list[PageBreak]]) -> list[PageBreak]:
    """Every page-break marker, in reading order: the page-list must reference each one
    (DAISY Ace: epub-pagelist-missing-pagebreak), so a print page with several articles
    is listed once per article. The first entry of each page number is the first article
    that begins on it, unless a jumped article's continuation comes first in reading order."""
    return [b for a in edition.articles for b in breaks[a.slug]]


def page_targets(edition: Edition, breaks: Mapping[str, list[PageBreak]]) -> list[PageBreak]:
    """The NCX pageList: one target per print page (the NCX requires a unique value per
    normal page), at the first article that begins on it in reading order, else at the
    first article that continues on it."""
    in_order = page_list(edition, breaks)
    out = []
    for number in sorted({b.number for b in in_order}):
        here = [b for b in in_order if b.number == number]
        out.append(next((b for b in here if b.begins), here[0]))
    return out


# ---------------------------------------------------------------- cover


def cover_image(pdf_bytes: bytes, height: int = COVER_HEIGHT) -> bytes:
    """Page 1 of a PDF as a progressive JPEG ``height`` px high, for the EPUB cover.

    pdfium renders the same PDF to the same pixels and Pillow encodes them the same way,
    so the cover is as reproducible as the PDF it comes from.
    """
    import pypdfium2 as pdfium
    from PIL import Image as PILImage

    try:
        pdf = pdfium.PdfDocument(pdf_bytes)
    except pdfium.PdfiumError as exc:
        raise RenderError(f"cannot read the front page PDF for the EPUB cover ({exc}); "
                          f"has it no pages?") from None
    try:
        if len(pdf) == 0:
            raise RenderError("the front page PDF has no pages: cannot render the EPUB cover")
        page = pdf[0]
        _, page_height = page.get_size()
        bitmap = page.render(scale=height / page_height, may_draw_forms=False)
        image = bitmap.to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    if image.height != height:  # rounding in pdfium: make the size exact
        width = round(image.width * height / image.height)
        image = image.resize((width, height), PILImage.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80, optimize=True, progressive=True)
    return buf.getvalue()


def _jpeg_size(data: bytes) -> tuple[int, int]:
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(data)) as im:
        return im.size


# ---------------------------------------------------------------- the book


def build_epub(edition: Edition, settings: Settings, fonts: FontSet, *,
               front_page_pdf: bytes | None = None,
               print_pages: Mapping[str, tuple[int, ...]] | None = None,
               subset_fonts: bool = True) -> bytes:
    """The whole reader EPUB as bytes, identical for identical inputs.

    ``front_page_pdf``: a PDF whose page 1 is the front page; it becomes the cover image
    (a text cover is made when it is None). The build passes the print PDF when it has one,
    else the reading PDF.

    ``print_pages``: slug -> the print page numbers the article is on (first the page it
    begins on, then where its jump line continues it), from the print layout of the same
    build. When None, they are derived from the model: the article's 版 number (one 版 is
    one printed page) and its ``Placement.continued_on``. Each article gets one page-break
    marker per print page at its start; the page-list names each print page once.

    ``subset_fonts``: False embeds the whole faces (for measuring what subsetting saves).
    """
    _check_alt_text(edition)
    breaks = page_breaks(edition, print_pages if print_pages is not None else print_pages_from_model(edition))
    pages_listed = page_list(edition, breaks)
    cover = cover_image(front_page_pdf) if front_page_pdf is not None else None
    images = _images(edition)
    sizes = {name: size for name, _, _, size in images}

    ctx: dict[str, Any] = dict(edition=edition, article_file=article_file, page_file=page_file,
                               image_src=lambda fig: "../" + image_name(fig),
                               image_size=lambda fig: sizes[image_name(fig)], identifier=identifier(edition),
                               page_list=pages_listed, page_targets=page_targets(edition, breaks),
                               max_page=max(b.number for b in pages_listed),
                               cover_image=COVER_FILE if cover else None,
                               cover_size=_jpeg_size(cover) if cover else None)

    book = epub.EpubBook()
    book.metadata = {}
    _metadata(book, edition, has_images=any(a.figures for a in edition.articles) or cover is not None,
              has_cover=cover is not None)

    rendered: list[bytes] = []

    def xhtml(uid: str, name: str, template: str, properties=(), **extra) -> _Doc:
        text = render(template, settings, **ctx, **extra).encode("utf-8")
        rendered.append(text)
        doc = _Doc(uid, f"text/{name}", "application/xhtml+xml", text, properties)
        book.add_item(doc)
        return doc

    spine = [xhtml("cover", "cover.xhtml", "epub/cover.xhtml.j2", ["svg"] if cover else []),
             xhtml("contents", "contents.xhtml", "epub/contents.xhtml.j2")]
    articles = edition.articles
    for page in edition.pages:
        spine.append(xhtml(page.file_label, page_file(page), "epub/page.xhtml.j2", page=page))
        for article in page.articles:
            i = articles.index(article)
            spine.append(xhtml(f"a-{article.slug}", article_file(article), "epub/article.xhtml.j2",
                               page=page, article=article, breaks=breaks[article.slug],
                               previous=articles[i - 1] if i else None,
                               next=articles[i + 1] if i + 1 < len(articles) else None))

    nav = render("epub/nav.xhtml.j2", settings, **ctx).encode("utf-8")
    rendered.append(nav)
    book.add_item(_Doc("nav", "nav.xhtml", "application/xhtml+xml", nav, ["nav"]))
    ncx = render("epub/toc.ncx.j2", settings, **ctx)
    book.add_item(_Doc("ncx", "toc.ncx", "application/x-dtbncx+xml", ncx.encode("utf-8")))

    if cover:
        book.add_item(_Doc(COVER_ID, COVER_FILE, "image/jpeg", cover, ["cover-image"]))
    for name, data, media_type, _ in images:
        book.add_item(_Doc(f"img-{name.split('/')[-1].replace('.', '-')}", name, media_type, data))

    vertical = settings.epub.vertical
    styles = _read_styles(settings, ["base.css", "typeset.css", "epub.css"]
                          + (["epub-vertical.css"] if vertical else []))
    texts = role_texts(edition, rendered, styles)
    # the fallback face is embedded only when some character needs it
    texts[FALLBACK] = fallback_text(edition, rendered, fonts)
    font_css = []
    for i, face in enumerate(fonts.faces):
        if face.role == FALLBACK and not texts[FALLBACK]:
            continue
        name = f"fonts/{face.role}-{face.weight}.otf"
        data = face.subset(texts[face.role]) if subset_fonts else full_face(face)
        book.add_item(_Doc(f"font-{i}", name, "font/otf", data))
        font_css.append(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
            f'font-style: normal; src: url("../{name}") format("opentype"); }}')
    css = "\n".join(font_css) + "\n" + styles
    book.add_item(_Doc("css", "styles/epub.css", "text/css", css.encode("utf-8")))

    book.spine = spine
    if vertical:
        book.set_direction("rtl")  # page-progression-direction="rtl" on the spine
        # Kindle reads the writing mode from the package metadata
        book.add_metadata(None, "meta", "", {"name": "primary-writing-mode", "content": "vertical-rl"})
    raw = io.BytesIO()
    modified = datetime.combine(edition.issue.date, datetime.min.time(), tzinfo=UTC)
    epub.write_epub(raw, book, {"mtime": modified, "epub2_guide": False, "epub3_landmark": False,
                                "epub3_pages": False, "raise_exceptions": True,
                                "spine_direction": vertical})
    return _rezip(raw.getvalue(), edition, extra={APPLE_DISPLAY_OPTIONS_NAME: APPLE_DISPLAY_OPTIONS},
                  fix={"EPUB/content.opf": lambda opf: _package_lang(opf, edition.paper.language)})


def _metadata(book: epub.EpubBook, edition: Edition, *, has_images: bool, has_cover: bool) -> None:
    """Package metadata: bibliographic, the series, the page source, accessibility."""
    paper, issue = edition.paper, edition.issue

    def meta(prop: str, value: str, **attrs: str) -> None:
        book.add_metadata("OPF", "meta", value, {"property": prop, **attrs})

    book.set_identifier(identifier(edition))
    book.set_title(edition.title)
    book.set_language(paper.language)
    book.add_metadata("DC", "publisher", paper.publisher)
    book.add_metadata("DC", "creator", paper.publisher)
    book.add_metadata("DC", "date", issue.date.isoformat())
    # The print edition is the source of the page numbers: pageBreakSource for EPUB 3.3
    # reading systems, dc:source for older ones (and for DAISY Ace's check).
    source = f"{edition.title} 印刷版" + (f"（{paper.cn}）" if paper.cn else "")
    book.add_metadata("DC", "source", source)
    meta("pageBreakSource", source)  # EPUB 3.3 package vocabulary (no prefix)
    # The issue as a position in the paper's series: readers group and order issues by it.
    meta("belongs-to-collection", paper.name, id="series")
    meta("collection-type", "series", refines="#series")
    if issue.number:
        meta("group-position", str(issue.number), refines="#series")
    if paper.issn:
        meta("dcterms:identifier", f"urn:issn:{paper.issn}", refines="#series")

    # EPUB Accessibility 1.1 (schema: and a11y: are reserved prefixes in EPUB 3.3)
    meta("schema:accessMode", "textual")
    if has_images:
        meta("schema:accessMode", "visual")
    meta("schema:accessModeSufficient", "textual")  # every image has a text alternative
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "pageBreakMarkers",
                "pageNavigation", "displayTransformability"]
    if has_images:
        features.append("alternativeText")
    for feature in features:
        meta("schema:accessibilityFeature", feature)
    meta("schema:accessibilityHazard", "none")
    meta("schema:accessibilitySummary",
         f"{edition.title}的电子版：文字可重排，字号随阅读器设置；目录按版面和文章两级排列，"
         f"每篇文章标有印刷版的版次（页码）并列入页码导航；每幅图片都有文字说明。"
         f"This EPUB is reflowable text with a two-level table of contents (版 and article), "
         f"print page numbers from the printed edition, and a text alternative for every image.")
    meta("dcterms:conformsTo", CONFORMS_TO)
    # Evaluated by the publisher's own build checks (EPUBCheck, accessibility tests).
    meta("a11y:certifiedBy", paper.publisher)
    if has_cover:
        # EPUB 2 style cover pointer: Kobo and Send-to-Kindle take their thumbnail from it
        book.add_metadata(None, "meta", "", {"name": "cover", "content": COVER_ID})
    book.add_metadata(None, "meta", "", {"name": "generator", "content": "publisher"})


def _check_alt_text(edition: Edition) -> None:
    """Every photo needs a text alternative: its alt, else its caption."""
    problems = Problems()
    for article in edition.articles:
        for fig in article.figures:
            if fig.image is not None and not (fig.alt_text or "").strip():
                src = fig.source or article.source
                problems.add(f"article {article.slug!r}: photo {fig.image.href} has neither alt text "
                             f"nor a caption", src.path if src else None, src.line if src else None,
                             hint="write the caption on the line after the image, or alt text in "
                                  "![…](…)", code="alt-text")
    problems.raise_if_errors(RenderError)


def _read_styles(settings: Settings, names: list[str]) -> str:
    return "\n".join((settings.styles_dir / n).read_text("utf-8") for n in names)


def _package_lang(opf: bytes, language: str) -> bytes:
    """The package document's own language (xml:lang on <package>), which ebooklib omits:
    reading systems and DAISY Ace (epub-lang) use it for the metadata's language."""
    root = etree.fromstring(opf)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _rezip(data: bytes, edition: Edition, extra: Mapping[str, bytes] = {},
           fix: Mapping[str, Callable[[bytes], bytes]] = {}) -> bytes:
    """Rewrite the zip with fixed entry times and order: byte-identical builds.

    ``extra``: files to add; ``fix``: name -> a function rewriting that file's bytes."""
    # the issue date, within what ZIP can record (1980-2107: an 1890 issue is stamped 1980)
    day = min(max(edition.issue.date, date(1980, 1, 1)), date(2107, 12, 31))
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    src = zipfile.ZipFile(io.BytesIO(data))
    contents = {name: src.read(name) for name in src.namelist()}
    for name, rewrite in fix.items():
        contents[name] = rewrite(contents[name])
    contents.update(extra)
    order = ["mimetype"] + [n for n in contents if n != "mimetype"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                dst.writestr(info, contents[name])
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, contents[name], compresslevel=9)
    return out.getvalue()


def _images(edition: Edition) -> list[tuple[str, bytes, str, tuple[int, int]]]:
    """Every photo re-encoded for screens: long side <= 1600 px, metadata stripped.

    JPEG photos become progressive JPEGs; PNG (graphics, screenshots) stays PNG."""
    from PIL import Image as PILImage, ImageOps

    out: dict[str, tuple[str, bytes, str, tuple[int, int]]] = {}
    for article in edition.articles:
        for fig in article.figures:
            if fig.image is None:
                continue
            name = image_name(fig)
            if name in out:
                continue
            with PILImage.open(io.BytesIO(fig.image.data)) as source:  # the bytes as checked
                # A phone photo is stored sideways with an EXIF orientation; the metadata is
                # stripped below, so the pixels are turned upright first.
                im = ImageOps.exif_transpose(source)
                if max(im.size) > EPUB_IMAGE_LONG_SIDE:
                    im.thumbnail((EPUB_IMAGE_LONG_SIDE, EPUB_IMAGE_LONG_SIDE), PILImage.Resampling.LANCZOS)
                buf = io.BytesIO()
                im.info.pop("comment", None)  # Pillow copies a JPEG comment into the new file
                if fig.image.media_type == "image/png":
                    im.save(buf, "PNG", optimize=True)
                    mt = "image/png"
                else:
                    im.convert("RGB").save(buf, "JPEG", quality=82, optimize=True, progressive=True)
                    mt = "image/jpeg"
                size = im.size
            out[name] = (name, buf.getvalue(), mt, size)
    return list(out.values())


# ---------------------------------------------------------------- font subsets


def role_texts(edition: Edition, documents: Iterable[bytes] = (), css: str = "") -> dict[str, str]:
    """The characters each typeface role prints, for subsetting the embedded faces.

    Read from the rendered documents (so text added by templates and the typesetting pass
    is covered) and from the model (so the sets never depend on a template forgetting
    something): the 黑 and 楷 faces get the text of the elements their CSS rules style, the
    宋 face gets every character of every document (a superset: a reading system that drops
    a class rule still finds the glyph in the body face). Characters the stylesheets
    generate (``content: "…"``) go to every face. The fallback face's text is
    ``fallback_text``.
    """
    generated = "".join(re.findall(r'content:\s*"([^"]*)"', css))
    hei = [edition.paper.name, generated]
    kai = [generated]
    song = [generated, edition.title]
    for page in edition.pages:
        hei += [page.display_label, page.name]
    for a in edition.articles:
        hei += [a.title, a.headline or "", a.dateline or ""]
        kai += [a.kicker or "", a.subtitle or "", str(a.byline or "")]
        kai += [f.text for f in a.figures]
        song += list(a.texts())
    for doc in documents:
        root = etree.fromstring(doc)
        song.append("".join(root.itertext()))
        for role in ("hei", "kai"):
            target = hei if role == "hei" else kai
            for el in _styled(root, role):
                target.append("".join(el.itertext()))
            if role == "hei":  # ol.contents > li: the 版 entries of the contents pages
                for li in root.iterfind(f".//{{{XHTML_NS}}}ol[@class='contents']/{{{XHTML_NS}}}li"):
                    target.append("".join(t for a in li.iterfind(f"{{{XHTML_NS}}}a") for t in a.itertext()))
    # the body face carries every character: see the docstring
    return {"hei": "".join(hei), "kai": "".join(kai), "song": "".join(song + hei + kai)}


def fallback_text(edition: Edition, documents: Iterable[bytes], fonts: FontSet) -> str:
    """The characters only the fallback face sets, each once, in a stable order: those of
    the model's fields (publisher.fonts.FIELD_ROLES) and those the rendered documents set
    in a role whose face lacks them. Empty: the fallback face is not embedded."""
    out = dict.fromkeys(needs_fallback(edition, fonts))
    for doc in documents:
        for role, text in _role_runs(etree.fromstring(doc)):
            for ch in text:
                cp = ord(ch)
                if not ch.isspace() and not fonts.in_role_face(role, cp) and fonts.covers(role, cp):
                    out[ch] = None
    return "".join(out)


def _role_runs(root, role: str = "song") -> Iterator[tuple[str, str]]:
    """(role, text) for each text node of a rendered document: the role of the innermost
    element styled by a role (ROLE_CLASSES, ROLE_ELEMENTS, the contents list), else 宋."""
    # <head> and an SVG <title> are not set on the page (the cover's title is its name)
    if isinstance(root.tag, str) and etree.QName(root).localname not in ("head", "title"):
        own = _own_role(root)
        role = own or role
        if root.text:
            yield role, root.text
        for child in root:
            yield from _role_runs(child, role)
            if child.tail:
                yield role, child.tail


def _own_role(el) -> str | None:
    local = etree.QName(el).localname
    if local == "li":  # ol.contents > li is 黑, ol.contents ol li is 宋 (styles/epub.css)
        lists = [a for a in el.iterancestors() if isinstance(a.tag, str) and etree.QName(a).localname == "ol"]
        if lists and "contents" in (lists[0].get("class") or "").split():
            return "hei"
        if any("contents" in (a.get("class") or "").split() for a in lists[1:]):
            return "song"
    classes = set((el.get("class") or "").split())
    for role in ("kai", "hei"):
        if local in ROLE_ELEMENTS[role] or classes & set(ROLE_CLASSES[role]):
            return role
    return None


def _styled(root, role: str) -> Iterator:
    classes = set(ROLE_CLASSES[role])
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if local in ROLE_ELEMENTS[role] or classes & set((el.get("class") or "").split()):
            yield el


def full_face(face: Face) -> bytes:
    """The whole face as one OpenType font (a collection member extracted), for measuring."""
    from fontTools.ttLib import TTFont

    buf = io.BytesIO()
    with TTFont(str(face.file), fontNumber=face.index, lazy=True) as font:
        font.save(buf)
    return buf.getvalue()


__all__ = ["build_epub", "cover_image", "identifier", "print_pages_from_model", "role_texts"]
