"""The reader EPUB 3: the only module that imports ebooklib.

Render first, package second (as Sphinx does): every XHTML document, the nav document
and the NCX come from our templates; ebooklib writes the package document (metadata,
manifest, spine) and the container. Three things ebooklib 0.20 gets wrong are handled
here: it rewrites XHTML documents (and breaks stylesheet paths in subfolders) — so our
documents are plain items it stores as given; it builds page-lists wrongly — so the nav is
ours; and it is not reproducible (uuid4 identifier, "now" as dcterms:modified and zip
times) — so the identifier is a uuid5 of paper and date, the modified date is the issue
date, and the zip is rewritten with fixed entry times, ``mimetype`` first and stored.
"""

from __future__ import annotations

import io
import logging
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from ebooklib import epub

from .config import Settings
from .fonts import FontSet
from .model import Article, Edition, Figure, Page, Paragraph, RunStyle, Subhead
from .render import render

log = logging.getLogger(__name__)

EPUB_IMAGE_LONG_SIDE = 1600
# Characters the templates print around the source text (navigation, labels, dates).
UI_TEXT = ("本期目录目录封面正文导览印刷版页码返回上一篇下一篇第版总期年月日星期一二三四五六日"
           "○——（）、：·　0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-/")


class _Doc(epub.EpubItem):
    """An item stored exactly as rendered (ebooklib's EpubHtml would rewrite it)."""

    def __init__(self, uid: str, file_name: str, media_type: str, content: bytes,
                 properties: Iterable[str] = ()):
        super().__init__(uid=uid, file_name=file_name, media_type=media_type, content=content)
        self.properties = list(properties)


@dataclass(frozen=True)
class PageBreak:
    """A print page number marker: shown as 第N版 and listed in the page-list."""

    number: int
    label: str
    href: str  # text/<file>#<id>


def identifier(edition: Edition) -> str:
    key = f"publisher:{edition.paper.id}:{edition.issue.date.isoformat()}:{edition.issue.edition_code or ''}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}"


def article_file(article: Article) -> str:
    return f"a-{article.slug}.xhtml"


def page_file(page: Page) -> str:
    return f"{page.file_label}.xhtml"


def image_name(figure: Figure) -> str:
    assert figure.image is not None
    suffix = ".png" if figure.image.media_type == "image/png" else ".jpg"
    return f"images/{figure.image.path.stem}{suffix}"


def build_epub(edition: Edition, settings: Settings, fonts: FontSet) -> bytes:
    """The whole reader EPUB as bytes, identical for identical sources."""
    ctx = dict(edition=edition, article_file=article_file, page_file=page_file,
               image_src=lambda fig: "../" + image_name(fig), identifier=identifier(edition),
               page_list=[], max_page=max(p.number for p in edition.pages), cover_image=None)

    book = epub.EpubBook()
    book.metadata = {}
    book.set_identifier(identifier(edition))
    book.set_title(edition.title)
    book.set_language(edition.paper.language)
    book.add_metadata("DC", "publisher", edition.paper.publisher)
    book.add_metadata("DC", "creator", edition.paper.publisher)
    book.add_metadata("DC", "date", edition.issue.date.isoformat())
    book.add_metadata("DC", "source", f"{edition.paper.name} {edition.issue.date_zh} 印刷版")
    book.add_metadata(None, "meta", "", {"name": "generator", "content": "publisher"})

    def xhtml(uid: str, name: str, template: str, properties=(), **extra) -> _Doc:
        text = render(template, settings, **ctx, **extra)
        doc = _Doc(uid, f"text/{name}", "application/xhtml+xml", text.encode("utf-8"), properties)
        book.add_item(doc)
        return doc

    spine = [xhtml("cover", "cover.xhtml", "epub/cover.xhtml.j2"),
             xhtml("contents", "contents.xhtml", "epub/contents.xhtml.j2")]
    articles = edition.articles
    for page in edition.pages:
        spine.append(xhtml(page.file_label, page_file(page), "epub/page.xhtml.j2", page=page))
        for article in page.articles:
            i = articles.index(article)
            spine.append(xhtml(f"a-{article.slug}", article_file(article), "epub/article.xhtml.j2",
                               page=page, article=article,
                               previous=articles[i - 1] if i else None,
                               next=articles[i + 1] if i + 1 < len(articles) else None))

    nav = render("epub/nav.xhtml.j2", settings, **ctx)
    book.add_item(_Doc("nav", "nav.xhtml", "application/xhtml+xml", nav.encode("utf-8"), ["nav"]))
    ncx = render("epub/toc.ncx.j2", settings, **ctx)
    book.add_item(_Doc("ncx", "toc.ncx", "application/x-dtbncx+xml", ncx.encode("utf-8")))

    for name, data, media_type in _images(edition):
        book.add_item(_Doc(f"img-{name.split('/')[-1].replace('.', '-')}", name, media_type, data))
    font_css = []
    for i, (face, data) in enumerate(_font_subsets(edition, fonts)):
        name = f"fonts/{face.role}-{face.weight}.otf"
        book.add_item(_Doc(f"font-{i}", name, "font/otf", data))
        font_css.append(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
            f'font-style: normal; src: url("../{name}") format("opentype"); }}')
    css = "\n".join(font_css) + "\n" + _read_styles(settings, ["base.css", "typeset.css", "epub.css"])
    book.add_item(_Doc("css", "styles/epub.css", "text/css", css.encode("utf-8")))

    book.spine = spine
    raw = io.BytesIO()
    modified = datetime.combine(edition.issue.date, datetime.min.time(), tzinfo=timezone.utc)
    epub.write_epub(raw, book, {"mtime": modified, "epub2_guide": False, "epub3_landmark": False,
                                "epub3_pages": False, "raise_exceptions": True})
    return _rezip(raw.getvalue(), edition)


def _read_styles(settings: Settings, names: list[str]) -> str:
    return "\n".join((settings.styles_dir / n).read_text("utf-8") for n in names)


def _rezip(data: bytes, edition: Edition) -> bytes:
    """Rewrite the zip with fixed entry times and order: byte-identical builds."""
    stamp = (edition.issue.date.year, edition.issue.date.month, edition.issue.date.day, 0, 0, 0)
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    order = ["mimetype"] + [n for n in names if n != "mimetype"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                dst.writestr(info, src.read(name))
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, src.read(name), compresslevel=9)
    return out.getvalue()


def _images(edition: Edition) -> list[tuple[str, bytes, str]]:
    """Every photo re-encoded for screens: long side <= 1600 px, metadata stripped."""
    from PIL import Image as PILImage

    out: dict[str, tuple[str, bytes, str]] = {}
    for article in edition.articles:
        for fig in article.figures:
            if fig.image is None:
                continue
            name = image_name(fig)
            if name in out:
                continue
            with PILImage.open(fig.image.path) as im:
                im.load()
                if max(im.size) > EPUB_IMAGE_LONG_SIDE:
                    im.thumbnail((EPUB_IMAGE_LONG_SIDE, EPUB_IMAGE_LONG_SIDE), PILImage.Resampling.LANCZOS)
                buf = io.BytesIO()
                if fig.image.media_type == "image/png":
                    im.save(buf, "PNG", optimize=True)
                    mt = "image/png"
                else:
                    im.convert("RGB").save(buf, "JPEG", quality=82, optimize=True, progressive=True)
                    mt = "image/jpeg"
            out[name] = (name, buf.getvalue(), mt)
    return list(out.values())


def role_texts(edition: Edition) -> dict[str, str]:
    """The characters each typeface role prints, for subsetting the embedded faces."""
    hei, kai, song = [UI_TEXT, edition.paper.name], [UI_TEXT], [UI_TEXT]
    for page in edition.pages:
        hei += [page.display_label, page.name]
        kai += [f"{e.role}{e.name}" for e in page.editors]
    for a in edition.articles:
        hei += [a.title, a.dateline or ""]
        kai += [a.kicker or "", a.subtitle or "", str(a.byline or "")]
        song += list(a.texts())
        for b in a.body:
            if isinstance(b, Subhead):
                hei.append(b.text)
            elif isinstance(b, Figure):
                kai += [b.caption, b.credit or ""]
            elif isinstance(b, Paragraph):
                hei += [r.text for r in b.runs if r.style is RunStyle.STRONG]
            else:
                kai += list(b.attribution)
    # the body face is every style's fallback: it carries every character
    return {"hei": "".join(hei), "kai": "".join(kai), "song": "".join(song + hei + kai)}


def _font_subsets(edition: Edition, fonts: FontSet):
    texts = role_texts(edition)
    for face in fonts.faces:
        yield face, face.subset(texts[face.role])


__all__ = ["build_epub", "identifier"]
