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

Also owned here: the print page numbers of the EPUB (one page-break marker per 版, the
page-list of nav and NCX, pageBreakSource), the cover (the front 版 as printed, rasterised,
or a masthead card when that 版 cannot be printed), the accessibility metadata, the font
subsets of exactly the characters each typeface role prints, the one stylesheet the
reading systems get (the house's rules without the PDFs' engine switches), and the Kobo
variant (``kobo=True``: a KEPUB with Kobo's sentence spans).
"""

from __future__ import annotations

import io
import logging
import math
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ebooklib import epub
from lxml import etree
from markupsafe import Markup

from .config import Settings
from .errors import Problems, RenderError
from .fonts import FALLBACK, Face, FontSet, RoleRule, local_name, needs_fallback, role_runs
from .makeup import Continuation
from .model import Article, Edition, Figure, Page
from .photos import for_screen
from .render import environment, render

log = logging.getLogger(__name__)

EPUB_IMAGE_LONG_SIDE = 1600
EPUB_JPEG_QUALITY = 82
# The cover's least size in px, long and short side: what the stores ask for (Kobo, Apple:
# 1400 px on the short side) and sharp on 300 ppi e-ink readers (Kobo Libra: 1680 px high).
COVER_LONG_SIDE, COVER_SHORT_SIDE = 1600, 1400
COVER_ID = "cover-image"
COVER_FILE = "images/cover.jpg"
# Apple Books uses embedded fonts only when the book asks for them.
APPLE_DISPLAY_OPTIONS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<display_options>\n  <platform name="*">\n'
    b'    <option name="specified-fonts">true</option>\n  </platform>\n</display_options>\n')
APPLE_DISPLAY_OPTIONS_NAME = "META-INF/com.apple.ibooks.display-options.xml"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"

XHTML_NS = "http://www.w3.org/1999/xhtml"


def _contents_role(el, tag: str) -> str | None:
    """ol.contents > li is 黑, ol.contents ol li is 宋 (styles/epub.css)."""
    if tag != "li":
        return None
    lists = [a for a in el.iterancestors() if local_name(a) == "ol"]
    if lists and "contents" in (lists[0].get("class") or "").split():
        return "hei"
    if any("contents" in (a.get("class") or "").split() for a in lists[1:]):
        return "song"
    return None


# Which rendered elements each typeface role prints: the classes (and elements) whose rules
# in styles/base.css and styles/epub.css start their font-family with that role's face,
# and the contents lists' entries (_contents_role). tests/epub/test_epub_fonts_size.py
# checks these against the stylesheets.
EPUB_ROLES = RoleRule(
    tags={"kai": frozenset({"figcaption"}), "hei": frozenset({"strong", "th"})},
    classes={"kai": frozenset({"kicker", "subtitle", "byline", "attribution", "caption", "credit"}),
             "hei": frozenset({"headline", "dateline", "subhead", "page-tag", "page-head", "paper"})},
    # <head> and an SVG <title> are not set on the page (the cover's title is its name)
    skip=frozenset({"head", "title"}),
    own=_contents_role)


class _Doc(epub.EpubItem):
    """An item stored exactly as rendered (ebooklib's EpubHtml would rewrite it)."""

    def __init__(self, uid: str, file_name: str, media_type: str, content: bytes,
                 properties: Iterable[str] = ()):
        super().__init__(uid=uid, file_name=file_name, media_type=media_type, content=content)
        self.properties = list(properties)


@dataclass(frozen=True)
class PageMarker:
    """The marker of one print page (版) in the reading order (``epub:type="pagebreak"``).

    One per 版, at the top of the 版's own document (its page head, where the 版 starts
    in the reading order), labelled with the 版's number: the page-list of nav and NCX
    lists each marker once, so reading systems get unique, numeric page labels (epub.js
    reads labels as numbers; KOReader merges equal labels)."""

    number: int  # the print page: the 版's number
    file: str  # the 版's document: p01.xhtml

    @property
    def id(self) -> str:
        return f"page-{self.number}"

    @property
    def label(self) -> str:
        return str(self.number)

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


def page_markers(edition: Edition) -> list[PageMarker]:
    """One marker per print page, in the reading order (版 by 版)."""
    return [PageMarker(page.number, page_file(page)) for page in edition.pages]


def continued_on(edition: Edition,
                 jumps: Mapping[str, tuple[Continuation, ...]] | None = None) -> dict[str, tuple[str, ...]]:
    """slug -> the labels of the 版 its jump line continues it on (下转第2版): from the
    make-up's plans (``jumps``: ``makeup.continuations``, the house's automatic jumps and the
    layout's alike), else from the edition's print layout (``Placement.continued_on``)."""
    labels = {p.number: p.display_label for p in edition.pages}
    if jumps is not None:
        return {slug: tuple(labels[c.page] for c in parts) for slug, parts in jumps.items()}
    return {p.slug: (labels[p.continued_on],) for page in edition.pages for p in page.placements
            if p.continued_on and p.continued_on != page.number and p.continued_on in labels}


def jump_markers(parts: tuple[Continuation, ...], slug: str) -> dict[int, tuple[tuple[int, Markup], ...]]:
    """The anchors inside a jumped article's document where print continues its text on a
    later 版 (上接第X版): an empty span ``page-X-<slug>`` at the very character the printed
    part starts with (mid-paragraph where print cuts the paragraph), which that 版's own
    document links to. Not a page-break marker: reading systems and Ace want every marker
    in the page-list, whose labels stay one per 版 and unique (``page_markers``).
    body block -> ((printed characters into it, markup), ...)."""
    out: dict[int, list[tuple[int, Markup]]] = {}
    for c in parts:
        out.setdefault(c.block, []).append((c.at, Markup('<span id="{}" class="continued-here"></span>').format(
            jump_anchor(c.page, slug))))
    return {block: tuple(marks) for block, marks in out.items()}


def jump_anchor(page: int, slug: str) -> str:
    return f"page-{page}-{slug}"


def arriving(edition: Edition, jumps: Mapping[str, tuple[Continuation, ...]]
             ) -> dict[int, list[tuple[Article, str, str]]]:
    """版 number -> the jumped articles whose text print continues on it, as (article, the
    label of the 版 it comes from, the anchor in the article's document): listed in that
    版's contents after its own articles, as print shows them there (上接第X版)."""
    labels = {p.number: p.display_label for p in edition.pages}
    home = {a.slug: (page.number, a) for page in edition.pages for a in page.articles}
    out: dict[int, list[tuple[Article, str, str]]] = {}
    for slug, parts in jumps.items():
        origin, article = home[slug]
        for c in parts:
            out.setdefault(c.page, []).append(
                (article, labels[origin], f"{article_file(article)}#{jump_anchor(c.page, slug)}"))
            origin = c.page
    return out


# ---------------------------------------------------------------- cover


def cover_size(width: float, height: float) -> tuple[int, int]:
    """The cover's size in px for a page ``width`` x ``height`` (any unit): the page's
    proportions, at least COVER_LONG_SIDE on its long side and COVER_SHORT_SIDE on its short."""
    long, short = max(width, height), min(width, height)
    scale = max(COVER_LONG_SIDE / long, COVER_SHORT_SIDE / short)
    return math.ceil(width * scale - 1e-9), math.ceil(height * scale - 1e-9)


def cover_image(pdf_bytes: bytes) -> bytes:
    """Page 1 of a PDF, cut to its trim box, as a progressive JPEG of ``cover_size``: the
    front 版 as printed, without bleed, crop marks and slug.

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
        ml, mb, mr, mt = page.get_mediabox()
        tl, tb, tr, tt = page.get_trimbox()
        size = cover_size(tr - tl, tt - tb)
        scale = size[1] / (tt - tb)
        # pypdfium2 rounds each crop up to whole pixels, which left the bitmap a pixel short
        # of the trim box each way, and resampling it all to the size cost more than its
        # raster (0.07-0.08 s of 0.35). Each crop given as its whole pixels rounded down
        # (less a millionth, which its rounding up returns), the bitmap holds the trim box
        # and at most a pixel more, cut off on the right and the bottom.
        crop = tuple((math.floor(c * scale) - 1e-6) / scale if c > 0 else 0.0
                     for c in (tl - ml, tb - mb, mr - tr, mt - tt))
        bitmap = page.render(scale=scale, crop=crop, may_draw_forms=False)
        image = bitmap.to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    if image.size != size:
        if image.width >= size[0] and image.height >= size[1]:
            image = image.crop((0, 0, *size))
        else:  # not met on any page measured: kept so the size is exact whatever pdfium does
            image = image.resize(size, PILImage.Resampling.LANCZOS)
    return _cover_jpeg(image)


def masthead_cover(edition: Edition, fonts: FontSet) -> bytes:
    """The cover when the front 版 cannot be printed (its copy does not fit its print layout):
    a card drawn from the masthead, in the pinned faces, the front 版's proportions unknown,
    so a broadsheet's (390 x 545): the paper's name, the edition, the date and weekday, the
    issue number, and the front 版's label, name and headlines. Drawn with Pillow, no layout
    engine: the EPUB does not fail for a print problem, and the build warns that the cover
    is not the page as printed (``publish``)."""
    from PIL import Image as PILImage, ImageDraw, ImageFont

    width, height = cover_size(390, 545)
    image = PILImage.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    red, ink, grey = (181, 18, 27), (20, 20, 20), (90, 90, 90)

    def face(role: str, weight: int, size: int) -> tuple[ImageFont.FreeTypeFont, Face]:
        f = next((f for f in fonts.faces if f.role == role and f.weight == weight),
                 next(f for f in fonts.faces if f.role == role))
        return ImageFont.truetype(str(f.file), size, index=f.index), f

    def line(y: int, text: str, font: tuple[ImageFont.FreeTypeFont, Face], fill,
             max_width: int = width - 240) -> int:
        drawn, pinned = font
        # Pillow has no font fallback: a character outside the face is left out, not drawn
        # as a box (rare characters are set by the fallback face in the book itself)
        text = "".join(ch for ch in text if ord(ch) in pinned.codepoints or ch.isspace())
        while drawn.getlength(text) > max_width and len(text) > 2:
            text = text[:-2] + "…"
        draw.text((width // 2, y), text, font=drawn, fill=fill, anchor="ma")
        return y + round(drawn.size * 1.45)

    paper, issue = edition.paper, edition.issue
    y = 200
    y = line(y, paper.name, face("hei", 700, 230), red)
    if issue.edition:
        y = line(y, f"{issue.edition}版", face("hei", 700, 90), red)
    y += 40
    draw.rectangle((120, y, width - 120, y + 8), fill=red)
    y += 70
    y = line(y, f"{issue.date_zh} {issue.weekday_zh}", face("song", 400, 64), ink)
    numbers = "　".join(n for n in (issue.number and f"总第{issue.number}期", paper.cn) if n)
    if numbers:
        y = line(y, numbers, face("song", 400, 52), grey)
    y += 60
    front = edition.pages[0]
    y = line(y, f"{front.display_label} {front.name}", face("hei", 700, 60), red)
    y += 30
    headline = face("hei", 700, 70)
    for article in front.articles:
        if y > height - 200:
            break
        y = line(y, article.title, headline, ink)
    return _cover_jpeg(image)


def _cover_jpeg(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80, optimize=True, progressive=True)
    return buf.getvalue()


def _jpeg_size(data: bytes) -> tuple[int, int]:
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(data)) as im:
        return im.size


# ---------------------------------------------------------------- the book


@dataclass(frozen=True)
class _Rendered:
    """One rendered document of the book: its bytes as rendered (before Kobo's markup), what
    it was rendered from beyond the edition and the house (``inputs``: the jumps and the
    cover it shows), and the characters it sets (``Chars``)."""

    inputs: tuple
    data: bytes
    chars: Chars


@dataclass(frozen=True)
class Chars:
    """The characters a rendered document sets, for the font subsets: every character
    (宋, the body face, carries them all), those its 黑 and 楷 elements set, and those only
    the fallback face can set there (a role's face lacks them)."""

    song: frozenset[str]
    hei: frozenset[str]
    kai: frozenset[str]
    fallback: frozenset[str]

    def __reduce__(self):
        # Each set as one string (the draft sends 640-odd of them back from its process):
        # pickled as sets, every character is an object of its own, 0.1 s to pickle and as
        # much to read back at 64 版; as strings, about a tenth. The same sets come back.
        return _chars, ("".join(self.song), "".join(self.hei), "".join(self.kai), "".join(self.fallback))


def _chars(song: str, hei: str, kai: str, fallback: str) -> Chars:
    """A ``Chars`` from its sets' characters (``Chars.__reduce__``)."""
    return Chars(frozenset(song), frozenset(hei), frozenset(kai), frozenset(fallback))


@dataclass(frozen=True)
class Draft:
    """The book's work that waits on neither the make-up nor the cover, done ahead
    (``draft_epub``), in another process while the issue is made up for its jumps: every
    document rendered as if nothing jumped, the photos for screens, the stylesheet, the
    characters of the model, and the font subsets of all that. ``build_epub`` takes from it
    what the real jumps and cover leave the same (a document rendered from the same inputs
    is the same bytes; a subset of the same characters is the same font), and renders the
    rest: the book is byte for byte the one made without a draft."""

    documents: dict[str, _Rendered]
    images: list[tuple[str, bytes, str, tuple[int, int]]]
    styles: str
    model: dict[str, frozenset[str]]  # the model's characters by role, the fallback's included
    subsets: dict[int, tuple[frozenset[str], bytes]]  # face index -> (its characters, its subset)
    packed: Packed = field(default_factory=dict)  # members compressed ahead (``settled``)


def draft_epub(edition: Edition, settings: Settings, fonts: FontSet) -> Draft:
    """The ``Draft`` of the book (see there): ``build_epub`` with no jumps and no cover,
    kept in parts."""
    parts: dict[str, Any] = {}
    build_epub(edition, settings, fonts, jumps={}, _keep=parts)
    return Draft(**parts)


def settled(edition: Edition, settings: Settings, fonts: FontSet,
            jumps: Mapping[str, tuple[Continuation, ...]], draft: Draft) -> Draft:
    """The draft brought up to the issue's ``jumps``, for ``build_epub`` once the cover is
    there: the documents the jumps change rendered (and the font subsets their characters
    change), the book's documents, subsets and photos compressed as its zip will hold them
    (``pack``), and the cover page's template compiled (and what its characters are checked
    against worked out). Made while the cover renders, where
    the build's process would wait; the book the same bytes (``build_epub`` takes from a
    draft only what was made from the same inputs, and a member compressed ahead only where
    it is the same bytes)."""
    parts: dict[str, Any] = {}
    build_epub(edition, settings, fonts, jumps=jumps, draft=draft, _keep=parts)
    environment().get_template("epub/cover.xhtml.j2")
    fonts.in_every_role_face  # noqa: B018 - worked out once (document_chars), ahead of the cover page's
    members = [d.data for d in parts["documents"].values()]
    members += [data for _, data in parts["subsets"].values()]
    members += [data for _, data, _, _ in parts["images"]]
    return Draft(**parts, packed=pack(members, dict(draft.packed)))


def build_epub(edition: Edition, settings: Settings, fonts: FontSet, *,
               cover: bytes | None = None, kobo: bool = False, subset_fonts: bool = True,
               jumps: Mapping[str, tuple[Continuation, ...]] | None = None,
               draft: Draft | None = None, _keep: dict | None = None) -> bytes:
    """The whole reader EPUB as bytes, identical for identical inputs.

    ``cover``: the cover image (a JPEG: ``cover_image`` of the front 版 as printed, or
    ``masthead_cover``); without it the book opens on a text cover page.

    ``kobo``: the KEPUB for Kobo's own reading engine: every content document gets Kobo's
    markup (``kobo_markup``); everything else is the same book.

    ``subset_fonts``: False embeds the whole faces (for measuring what subsetting saves).

    ``jumps``: where the print continues jumped articles (``makeup.continuations`` of the
    issue's plans): their 下转 notes, the anchor where each part printed on a later 版
    starts, and that 版's contents entry for it (上接). Without it, the notes come from
    the edition's layout alone, and nothing more is set.

    ``draft``: this edition's ``draft_epub``, made ahead: what of it holds is taken, the
    rest made here; the same bytes as without it.
    """
    _check_alt_text(edition)
    markers = page_markers(edition)
    images = draft.images if draft is not None else _images(edition)

    cover_inputs = (COVER_FILE if cover else None, _jpeg_size(cover) if cover else None)
    ctx: dict[str, Any] = dict(edition=edition, article_file=article_file, page_file=page_file,
                               image_src=lambda fig: "../" + image_name(fig), identifier=identifier(edition),
                               page_list=markers, max_page=max(m.number for m in markers),
                               cover_image=cover_inputs[0], cover_size=cover_inputs[1])

    book = epub.EpubBook()
    book.metadata = {}
    _metadata(book, edition, has_images=any(a.figures for a in edition.articles) or cover is not None,
              has_cover=cover is not None)

    made: dict[str, _Rendered] = {}  # uid -> the document, in the order of the book

    def document(uid: str, template: str, inputs: tuple = (), **extra) -> bytes:
        """A document rendered from ``template`` (``inputs``: what it shows of the jumps and
        the cover, beyond ``extra``'s edition objects), or the draft's if it was rendered
        from the same."""
        ahead = draft.documents.get(uid) if draft is not None else None
        if ahead is None or ahead.inputs != inputs:
            text = render(template, settings, **ctx, **extra).encode("utf-8")
            ahead = _Rendered(inputs, text, document_chars(text, fonts))
        made[uid] = ahead
        return ahead.data

    def xhtml(uid: str, name: str, template: str, properties=(), inputs: tuple = (), **extra) -> _Doc:
        text = document(uid, template, inputs, **extra)
        doc = _Doc(uid, f"text/{name}", "application/xhtml+xml", kobo_markup(text) if kobo else text,
                   properties)
        book.add_item(doc)
        return doc

    # The cover page stays out of the reading order (linear="no"): reading systems that show
    # the cover image themselves (Kindle, Apple Books) would otherwise show it twice; it is
    # still the first spine item and the landmarks' cover, where Kobo looks for it.
    spine = [(xhtml("cover", "cover.xhtml", "epub/cover.xhtml.j2", ["svg"] if cover else [],
                    inputs=cover_inputs), "no"),
             xhtml("contents", "contents.xhtml", "epub/contents.xhtml.j2")]
    articles = edition.articles
    notes = continued_on(edition, jumps)
    rests = arriving(edition, jumps or {})
    i = 0  # the article's place in the whole issue, for its previous and next links
    for page, marker in zip(edition.pages, markers, strict=True):
        here = rests.get(page.number, ())
        spine.append(xhtml(page.file_label, page_file(page), "epub/page.xhtml.j2",
                           inputs=tuple((a.slug, origin, href) for a, origin, href in here),
                           page=page, marker=marker, arriving=here))
        for article in page.articles:
            continued = notes.get(article.slug, ())
            parts = (jumps or {}).get(article.slug, ())
            spine.append(xhtml(f"a-{article.slug}", article_file(article), "epub/article.xhtml.j2",
                               inputs=(continued, parts),
                               page=page, article=article, continued=continued,
                               breaks=jump_markers(parts, article.slug),
                               previous=articles[i - 1] if i else None,
                               next=articles[i + 1] if i + 1 < len(articles) else None))
            i += 1

    nav = document("nav", "epub/nav.xhtml.j2")
    book.add_item(_Doc("nav", "nav.xhtml", "application/xhtml+xml", nav, ["nav"]))
    ncx = render("epub/toc.ncx.j2", settings, **ctx)
    book.add_item(_Doc("ncx", "toc.ncx", "application/x-dtbncx+xml", ncx.encode("utf-8")))

    if cover:
        book.add_item(_Doc(COVER_ID, COVER_FILE, "image/jpeg", cover, ["cover-image"]))
    for name, data, media_type, _ in images:
        book.add_item(_Doc(f"img-{name.split('/')[-1].replace('.', '-')}", name, media_type, data))

    vertical = settings.epub.vertical
    styles = draft.styles if draft is not None else reader_css(
        _read_styles(settings, ["base.css", "typeset.css", "epub.css"] + (["epub-vertical.css"] if vertical else [])))
    model = draft.model if draft is not None else model_chars(edition, styles, fonts)
    texts = book_chars(model, (d.chars for d in made.values()))
    font_css = []
    subsets: dict[int, tuple[frozenset[str], bytes]] = {}
    for i, face in enumerate(fonts.faces):
        if face.role == FALLBACK and not texts[FALLBACK]:
            continue
        name = f"fonts/{face.role}-{face.weight}.otf"
        chars = texts[face.role]
        ahead = draft.subsets.get(i) if draft is not None and subset_fonts else None
        if ahead is not None and ahead[0] == chars:
            data = ahead[1]
        else:
            data = face.subset("".join(sorted(chars))) if subset_fonts else full_face(face)
        subsets[i] = (chars, data)
        book.add_item(_Doc(f"font-{i}", name, "font/otf", data))
        font_css.append(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
            f'font-style: normal; src: url("../{name}") format("opentype"); }}')
    if _keep is not None:  # draft_epub: the parts, not the book
        _keep.update(documents=made, images=images, styles=styles, model=model, subsets=subsets)
        return b""
    css = "\n".join(font_css) + "\n" + styles
    book.add_item(_Doc("css", "styles/epub.css", "text/css", css.encode("utf-8")))

    book.spine = spine
    if vertical:
        book.set_direction("rtl")  # page-progression-direction="rtl" on the spine
        # Kindle reads the writing mode from the package metadata
        book.add_metadata(None, "meta", "", {"name": "primary-writing-mode", "content": "vertical-rl"})
    modified = datetime.combine(edition.issue.date, datetime.min.time(), tzinfo=UTC)
    # the members as ebooklib writes them, not zipped: _rezip zips them once, for good
    writer = _Writer(book, {"mtime": modified, "epub2_guide": False, "epub3_landmark": False,
                            "epub3_pages": False, "raise_exceptions": True,
                            "spine_direction": vertical})
    writer.process()
    writer.write()
    return _rezip(writer.out.members, edition, extra={APPLE_DISPLAY_OPTIONS_NAME: APPLE_DISPLAY_OPTIONS},
                  fix={"EPUB/content.opf": lambda opf: _package_lang(opf, edition.paper.language)},
                  packed=draft.packed if draft is not None else None)


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


def reader_css(css: str) -> str:
    """The house's rules as the reading systems get them: without the custom properties
    (``--cjk-typeset`` and the like), which are switches for the PDFs' engine
    (publisher/engine/typeset.py) and mean nothing to a reading system, while calibre warns
    about them and Adobe's RMSDK (Kobo's .epub path) is known to drop a whole stylesheet
    over modern CSS. Rules left empty go too; comments are left out (the house files keep
    them). Parsed with tinycss2, so a brace or semicolon inside a string stays intact."""
    import tinycss2

    out = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule":
            declarations = [
                f"{d.name}: {tinycss2.serialize(d.value).strip()}" + (" !important" if d.important else "")
                for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                        skip_whitespace=True)
                if d.type == "declaration" and not d.name.startswith("--")]
            if declarations:
                out.append(f"{tinycss2.serialize(rule.prelude).strip()} {{ {'; '.join(declarations)}; }}")
        elif rule.type == "at-rule":
            out.append(rule.serialize())
    return "\n".join(out) + "\n"


def _package_lang(opf: bytes, language: str) -> bytes:
    """The package document's own language (xml:lang on <package>), which ebooklib omits:
    reading systems and DAISY Ace (epub-lang) use it for the metadata's language."""
    root = etree.fromstring(opf)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


class _Members:
    """What ebooklib's writer writes into its zip (``writestr``), kept as it would read back
    from that zip: each member's bytes by its name, in the order first written (a name written
    again: its last bytes, where it was first), text as UTF-8, as zipfile stores it."""

    def __init__(self):
        self.members: dict[str, bytes] = {}

    def writestr(self, name: str, data: str | bytes, compress_type=None, compresslevel=None) -> None:
        name = name.split("\0", 1)[0]  # as zipfile.ZipInfo cuts a name at a NUL
        self.members[name] = data.encode("utf-8") if isinstance(data, str) else bytes(data)


class _Writer(epub.EpubWriter):
    """ebooklib's writer (``write_epub``) whose zip is ``_Members``: the book's members for
    ``_rezip``, without a zip written and read back (about 0.09 s of CPU at the end of the
    64-版 EPUB-only build, after its cover)."""

    def __init__(self, book: epub.EpubBook, options: dict):
        super().__init__(None, book, options)

    def write(self) -> None:
        self.out = _Members()
        self.out.writestr("mimetype", "application/epub+zip")
        self._write_container()
        self._write_opf()
        self._write_items()


def _rezip(members: Mapping[str, bytes], edition: Edition, extra: Mapping[str, bytes] = {},
           fix: Mapping[str, Callable[[bytes], bytes]] = {}, packed: Packed | None = None) -> bytes:
    """The zip of the book's ``members`` (by name, in ebooklib's order: ``_Writer``'s) with
    fixed entry times and order: byte-identical builds.

    ``extra``: files to add; ``fix``: name -> a function rewriting that file's bytes;
    ``packed``: members compressed ahead (``pack``), taken where a member is the same bytes."""
    # the issue date, within what ZIP can record (1980-2107: an 1890 issue is stamped 1980)
    day = min(max(edition.issue.date, date(1980, 1, 1)), date(2107, 12, 31))
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    contents = dict(members)
    for name, rewrite in fix.items():
        contents[name] = rewrite(contents[name])
    contents.update(extra)
    order = ["mimetype"] + [n for n in contents if n != "mimetype"]
    if sum(len(c) for c in contents.values()) < _ZIP_PLAIN_LIMIT:
        return _zip([(name, contents[name]) for name in order], stamp, packed or {})
    out = io.BytesIO()  # a book of gigabytes: zipfile, which knows ZIP64
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


# A member's bytes -> (their CRC-32, their raw deflate stream at level 9): compressed ahead
Packed = dict[bytes, tuple[int, bytes]]
# Up to this many bytes in all, the book is zipped by ``_zip``; beyond, by zipfile (ZIP64)
_ZIP_PLAIN_LIMIT = 1 << 30


def _deflate(data: bytes) -> tuple[int, bytes]:
    """``data``'s CRC-32 and raw deflate stream, as zipfile writes a member at level 9 (one
    compressor, one call, flushed)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return zlib.crc32(data), compressor.compress(data) + compressor.flush()


def pack(members: Iterable[bytes], into: Packed | None = None) -> Packed:
    """``members`` compressed (``_deflate``), by their bytes, for ``_rezip``: done while the
    cover is rendered, where the build's process would otherwise wait."""
    packed = {} if into is None else into
    for data in members:
        if data not in packed:
            packed[data] = _deflate(data)
    return packed


def _zip(members: list[tuple[str, bytes]], stamp: tuple[int, ...], packed: Mapping[bytes, tuple[int, bytes]]) -> bytes:
    """The zip of ``members`` (name, bytes), "mimetype" stored and the rest deflated at level
    9, every entry dated ``stamp``, mode 0644 from Unix: the same bytes as zipfile writes with
    those ZipInfo settings (``writestr``; tests/epub/test_epub_zip.py compares them), but a
    member found in ``packed`` is not compressed again. No ZIP64: ``_rezip`` leaves books of
    ``_ZIP_PLAIN_LIMIT`` and more to zipfile."""
    dosdate = (stamp[0] - 1980) << 9 | stamp[1] << 5 | stamp[2]
    dostime = stamp[3] << 11 | stamp[4] << 5 | (stamp[5] // 2)
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in members:
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), 0x800  # the UTF-8 name flag
        if name == "mimetype":
            method, crc, stream = 0, zlib.crc32(data), data  # stored
        else:
            method = 8  # deflated
            crc, stream = packed.get(data) or _deflate(data)
        header = struct.pack("<4s2B4HL2L2H", b"PK\003\004", 20, 0, flags, method, dostime, dosdate,
                             crc, len(stream), len(data), len(encoded), 0)
        central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\001\002", 20, 3, 20, 0, flags, method,
                                   dostime, dosdate, crc, len(stream), len(data), len(encoded),
                                   0, 0, 0, 0, 0o644 << 16, offset) + encoded)
        out += (header, encoded, stream)
        offset += len(header) + len(encoded) + len(stream)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\005\006", 0, 0, len(members), len(members), len(directory), offset, 0)
    return b"".join(out) + directory + end


def _images(edition: Edition) -> list[tuple[str, bytes, str, tuple[int, int]]]:
    """Every photo re-encoded for screens: long side <= 1600 px, metadata stripped.

    JPEG photos become progressive JPEGs; PNG (graphics, screenshots) stays PNG
    (``photos.for_screen``, as the web edition's)."""
    out: dict[str, tuple[str, bytes, str, tuple[int, int]]] = {}
    for article in edition.articles:
        for fig in article.figures:
            if fig.image is None:
                continue
            name = image_name(fig)
            if name in out:
                continue
            data, mt, size = for_screen(fig.image, EPUB_IMAGE_LONG_SIDE, EPUB_JPEG_QUALITY)
            out[name] = (name, data, mt, size)
    return list(out.values())


# ---------------------------------------------------------------- Kobo


# Kobo's markup, as Kobo's own conversion writes it (and kepubify and calibre's KEPUB output
# after it): the body's content in div#book-columns > div#book-inner, a small style for
# them, and every run of text cut into sentences, each in span.koboSpan#kobo.P.S (P counts
# paragraphs: block elements and images; S the segments within). Kobo's engine finds
# highlights, bookmarks and reading statistics by these spans.
KOBO_STYLE = "div#book-inner { margin-top: 0; margin-bottom: 0; }"
KOBO_BLOCKS = frozenset({"p", "ol", "ul", "table", "h1", "h2", "h3", "h4", "h5", "h6"})
KOBO_SKIPPED = frozenset({"script", "style", "pre", "audio", "video", "svg", "math"})
# A sentence ends after 。！？ (and ASCII ! ? or a full stop before a space), with the
# closing quotes and brackets that follow it and any white space: as ICU segments Chinese.
_SENTENCE = re.compile(r".*?(?:[。！？!?]+|\.(?=\s|$))[”’」』）》〉】〗\"')\]]*\s*", re.S)


def sentences(text: str) -> list[str]:
    """``text`` cut after each sentence; together they are ``text`` again."""
    parts = [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0)]
    rest = text[sum(map(len, parts)):]
    return parts + ([rest] if rest else [])


def kobo_markup(document: bytes) -> bytes:
    """A rendered XHTML document with Kobo's markup (see KOBO_STYLE). Only elements are
    added: the text, and so every character the fonts were subset for, is the same."""
    root = etree.fromstring(document)
    x = f"{{{XHTML_NS}}}"
    head, body = root.find(f"{x}head"), root.find(f"{x}body")
    style = etree.SubElement(head, f"{x}style", {"type": "text/css", "id": "kobostylehacks"})
    style.text = KOBO_STYLE
    style.tail = "\n"
    columns = etree.Element(f"{x}div", {"id": "book-columns"})
    inner = etree.SubElement(columns, f"{x}div", {"id": "book-inner"})
    inner.text, body.text = body.text, None
    inner.extend(list(body))
    body.append(columns)
    counter = {"paragraph": 0, "segment": 0, "next": True}

    def span(parent, text: str | None):
        if counter["next"]:
            counter["paragraph"] += 1
            counter["segment"] = 0
            counter["next"] = False
        counter["segment"] += 1
        el = parent.makeelement(f"{x}span", {"class": "koboSpan",
                                             "id": f"kobo.{counter['paragraph']}.{counter['segment']}"})
        el.text = text
        return el

    def wrap_text(parent, text: str) -> list:
        return [span(parent, part) for part in sentences(text)]

    def walk(el) -> None:
        local = etree.QName(el).localname
        if local in KOBO_SKIPPED:
            return
        if local in KOBO_BLOCKS:
            counter["next"] = True
        if el.text and el.text.strip():
            spans = wrap_text(el, el.text)
            el.text = None
            for i, s in enumerate(spans):
                el.insert(i, s)
            children = list(el)[len(spans):]
        else:
            children = list(el)
        for child in children:
            if not isinstance(child.tag, str):
                continue
            if etree.QName(child).localname == "img":  # an image is a paragraph of its own
                counter["next"] = True
                holder = span(el, None)
                child.addprevious(holder)
                holder.append(child)
                holder.tail, child.tail = child.tail, None
                child = holder
            else:
                walk(child)
            if child.tail and child.tail.strip():
                spans = wrap_text(el, child.tail)
                child.tail = None
                for s in reversed(spans):
                    child.addnext(s)

    walk(inner)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8",
                          doctype="<!DOCTYPE html>")


# ---------------------------------------------------------------- font subsets


def model_chars(edition: Edition, css: str, fonts: FontSet) -> dict[str, frozenset[str]]:
    """The characters each typeface role prints by the model itself, for subsetting the
    embedded faces, whatever the templates make of it (so the sets never depend on a
    template forgetting something): the 黑 and 楷 faces the fields their CSS rules style, the
    宋 face everything; characters the stylesheets generate (``content: "…"``) go to every
    face; the fallback face's are those of the model's fields that only it sets
    (``fonts.needs_fallback``). ``book_chars`` adds the rendered documents' (``document_chars``)."""
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
    return {"hei": frozenset("".join(hei)), "kai": frozenset("".join(kai)),
            "song": frozenset("".join(song)), FALLBACK: frozenset(needs_fallback(edition, fonts))}


def document_chars(document: bytes, fonts: FontSet) -> Chars:
    """The characters a rendered document sets (so text added by templates and the
    typesetting pass is covered): all of them for 宋 (a superset: a reading system that
    drops a class rule still finds the glyph in the body face), those of the elements the
    黑 and 楷 rules style (and the 版 entries of the contents lists, ``ol.contents > li``),
    and those set in a role whose face lacks them where the fallback face has them."""
    root = etree.fromstring(document)
    song = frozenset("".join(root.itertext()))
    styled = _styled(root)
    hei = ["".join(el.itertext()) for el in styled["hei"]]
    for li in root.iterfind(f".//{{{XHTML_NS}}}ol[@class='contents']/{{{XHTML_NS}}}li"):
        hei.append("".join(t for a in li.iterfind(f"{{{XHTML_NS}}}a") for t in a.itertext()))
    kai = ["".join(el.itertext()) for el in styled["kai"]]
    fallback: set[str] = set()
    # Walked by role only where some character is missing from some role's face: a
    # character every face has never needs the fallback, wherever it is set.
    if any(not ch.isspace() for ch in song - fonts.in_every_role_face):
        for role, text in role_runs(root, EPUB_ROLES):
            for ch in text:
                cp = ord(ch)
                if not ch.isspace() and not fonts.in_role_face(role, cp) and fonts.covers(role, cp):
                    fallback.add(ch)
    return Chars(song, frozenset("".join(hei)), frozenset("".join(kai)), frozenset(fallback))


def book_chars(model: Mapping[str, frozenset[str]], documents: Iterable[Chars]) -> dict[str, frozenset[str]]:
    """The characters of each face's subset: the model's (``model_chars``) and the rendered
    documents' (``document_chars``); the body face carries every character of both."""
    out = {role: set(chars) for role, chars in model.items()}
    for doc in documents:
        out["song"] |= doc.song
        out["hei"] |= doc.hei
        out["kai"] |= doc.kai
        out[FALLBACK] |= doc.fallback
    out["song"] |= out["hei"] | out["kai"]
    return {role: frozenset(chars) for role, chars in out.items()}


def _styled(root) -> dict[str, list]:
    """The elements the 黑 and the 楷 rules style (``EPUB_ROLES``: by tag or class), by role,
    in one walk of the document."""
    tags, classes = EPUB_ROLES.tags, EPUB_ROLES.classes
    out: dict[str, list] = {"hei": [], "kai": []}
    for el in root.iter(etree.Element):  # elements: no comment or processing instruction
        tag = el.tag.rpartition("}")[2]
        names = el.get("class")
        held = set(names.split()) if names else set()
        for role, found in out.items():
            if tag in tags[role] or not classes[role].isdisjoint(held):
                found.append(el)
    return out


def full_face(face: Face) -> bytes:
    """The whole face as one OpenType font (a collection member extracted), for measuring."""
    from fontTools.ttLib import TTFont

    buf = io.BytesIO()
    with TTFont(str(face.file), fontNumber=face.index, lazy=True) as font:
        font.save(buf)
    return buf.getvalue()


__all__ = ["Draft", "build_epub", "cover_image", "draft_epub", "identifier", "kobo_markup",
           "masthead_cover", "page_markers", "reader_css"]
