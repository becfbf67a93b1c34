"""HTML to PDF through WeasyPrint: the only module that imports it.

What this module adds around WeasyPrint:
- hermetic fonts: FONTCONFIG_FILE points at a configuration that sees only the pinned
  fonts folder, set before WeasyPrint (and so Pango and fontconfig) first load;
- a URL fetcher that reads only files inside the edition, styles and fonts folders and
  stops the build on anything else (WeasyPrint by default fetches any URL, file:// too);
- WeasyPrint's warnings (an image it could not load, a font it subset with fontTools)
  become build errors instead of log lines nobody reads;
- reproducible metadata: dates come from the document's dcterms meta, fixed by render.
"""

from __future__ import annotations

import gc
import io
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import Problem, RenderError
from .fonts import FontSet

log = logging.getLogger(__name__)

_weasyprint = None


def weasyprint(fonts: FontSet):
    """Import WeasyPrint with fontconfig limited to the pinned fonts (once per process)."""
    global _weasyprint
    conf = str(fonts.fontconfig_file())
    if _weasyprint is None:
        os.environ["FONTCONFIG_FILE"] = conf
        import weasyprint as wp

        from . import pdf_justify  # inter-character justification for Chinese
        from . import pdf_typeset  # the typeset pass's halts, gaps and paragraph ends

        pdf_justify.install()
        pdf_typeset.install()
        _cache_page_references()
        _weasyprint = wp
    elif os.environ.get("FONTCONFIG_FILE") != conf:
        raise RuntimeError("WeasyPrint was already loaded with another fonts folder in this process")
    return _weasyprint


def _cache_page_references() -> None:
    """Make ``pydyf.PDF.page_references`` O(1) after the first call.

    WeasyPrint's PDF/UA tagging asks for ``pdf.page_references[n]`` once per tagged box, and
    pydyf rebuilds the tuple of every page's reference on each call: O(boxes × pages). On the
    16-page benchmark edition (117 A4 pages, ~14,000 tagged boxes) that was 2 s of a 15 s
    render. The tuple only changes when a page is added (``Kids`` grows), so it is cached
    on the number of kids. Same result, byte for byte.
    """
    import pydyf

    if getattr(pydyf.PDF, "_publisher_cached_refs", False):
        return

    def page_references(self):
        kids = self.pages["Kids"]
        cached = self.__dict__.get("_page_refs")
        if cached is None or cached[0] != len(kids):
            cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
            self.__dict__["_page_refs"] = cached
        return cached[1]

    pydyf.PDF.page_references = property(page_references)
    pydyf.PDF._publisher_cached_refs = True


@dataclass(frozen=True)
class Sandbox:
    """The folders a render may read: the edition, the styles, the fonts."""

    roots: tuple[Path, ...]
    # Exact URLs served from files made during the build (the print edition's CMYK photos):
    # their URLs must not name a temporary folder, because WeasyPrint names images by URL.
    aliases: tuple[tuple[str, Path], ...] = ()

    def allows(self, path: Path) -> bool:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        return any(real.is_relative_to(root) for root in self.roots) and real.is_file()


def _fetcher_class(wp):
    class Response(wp.urls.URLFetcherResponse):
        """The bytes checked here, and no path: WeasyPrint would re-read a file: URL's file
        from disk when it embeds an image, bypassing what this fetcher served."""

        @property
        def path(self):
            return None

    class ConfinedFetcher(wp.URLFetcher):
        """Serve file: URLs inside the sandbox; refuse every other URL, fatally."""

        def __init__(self, sandbox: Sandbox, refused: list[str]):
            super().__init__(fail_on_errors=True)
            self.sandbox = sandbox
            self.refused = refused

        def fetch(self, url, headers=None):
            for alias, path in self.sandbox.aliases:
                if url == alias:
                    return wp.urls.URLFetcherResponse(url, path.read_bytes(), {})
            parts = urlsplit(url)
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path))
                if self.sandbox.allows(path):
                    data = path.resolve().read_bytes()
                    if data.startswith(b"\xff\xd8"):
                        data = strip_jpeg_metadata(data)
                    return Response(url, data, {})
            self.refused.append(url[:200])
            raise PermissionError(f"publisher does not fetch {url[:200]!r}: outside the edition, "
                                  "styles and fonts folders")

    return ConfinedFetcher


# JPEG segments a PDF may carry: JFIF (APP0), ICC profile (APP2), Adobe (APP14, which says
# how to read CMYK). Everything else before the image data is metadata: EXIF (camera, GPS,
# description), XMP, Photoshop/IPTC notes and comments.
_KEEP_SEGMENTS = {0xE0, 0xE2, 0xEE}


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without its metadata segments; the EXIF orientation alone is kept.

    WeasyPrint embeds JPEG files as they are (DCTDecode), so a photo's EXIF description,
    GPS position and comments would be published in the PDF. The image data is untouched.
    """
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA or 0xD0 <= marker <= 0xD9:  # start of scan: the rest is image data
            break
        length = int.from_bytes(data[i + 2:i + 4], "big")
        segment = data[i:i + 2 + length]
        if marker in _KEEP_SEGMENTS or not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            out += segment
        elif marker == 0xE1 and segment[4:10] == b"Exif\x00\x00":
            out += _orientation_only(segment[4:])
        i += 2 + length
    else:
        return data  # not a JPEG structure we understand: Pillow decoded it; leave it whole
    return bytes(out + data[i:])


def _orientation_only(exif: bytes) -> bytes:
    """An APP1 segment holding only the EXIF orientation (photos from phones rely on it)."""
    from PIL import Image

    try:
        orientation = Image.Exif()
        orientation.load(exif)
        value = orientation.get(0x0112)
    except Exception:  # noqa: BLE001 - damaged EXIF: drop it all
        return b""
    if not value:
        return b""
    kept = Image.Exif()
    kept[0x0112] = value
    body = kept.tobytes()
    return b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


# WeasyPrint warnings that are harmless for us (CSS it ignores on purpose, etc.).
_IGNORED = ("Ignored `text-emphasis", "Ignored `text-emphasis-position", "Ignored `text-underline-offset",
            "Ignored `hyphens", "Ignored `line-break", "Ignored `hanging-punctuation",
            "Ignored `text-spacing", "Ignored `font-variant-east-asian")


def render_pdf(html: str, *, base_dir: Path, stylesheets: list[Path], fonts: FontSet,
               sandbox: Sandbox, what: str, **options) -> bytes:
    """Render ``html`` (whose relative URLs resolve in ``base_dir``) to PDF bytes."""
    pdf, _ = render_pdf_and(html, base_dir=base_dir, stylesheets=stylesheets, fonts=fonts,
                            sandbox=sandbox, what=what, **options)
    return pdf


def render_pdf_and(html: str, *, base_dir: Path, stylesheets: list[Path], fonts: FontSet,
                   sandbox: Sandbox, what: str, inspect=None, before_write=None,
                   xmp: bytes | None = None, **options):
    """Lay ``html`` out once; return the PDF bytes and ``inspect(document, html_root)``.

    ``inspect`` reads the laid-out WeasyPrint document once it is written (the text
    lines of ``publisher.pdf_layout``), ``before_write()`` runs just before writing;
    ``xmp`` is one ``rdf:Description`` element added to the document's XMP packet (PDF/A
    readers look there for title, date, publisher).
    """
    seen = None
    with _rendering(fonts, sandbox, what) as (wp, fetcher):
        source = wp.HTML(string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher)
        css = [wp.CSS(filename=str(p), url_fetcher=fetcher) for p in stylesheets]
        document = source.render(stylesheets=css, **options)
        if before_write is not None:
            before_write()
        out = io.BytesIO()
        document.write_pdf(out, finisher=_xmp_finisher(xmp) if xmp else None, **options)
        if inspect is not None:
            seen = inspect(document, source.etree_element)
    return out.getvalue(), seen


def layout_document(html: str, *, base_dir: Path, stylesheets: list[Path], fonts: FontSet,
                    sandbox: Sandbox, what: str, **options):
    """Lay ``html`` out without writing it: the WeasyPrint Document, for measuring.

    Stylesheets share one colour-profile table with the document, so an
    ``@color-profile device-cmyk`` rule in them becomes the PDF's OutputIntent when the
    Document is written with :func:`write_document`.
    """
    with _rendering(fonts, sandbox, what) as (wp, fetcher):
        profiles: dict = {}
        doc = wp.HTML(string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher)
        css = [wp.CSS(filename=str(p), url_fetcher=fetcher, color_profiles=profiles)
               for p in stylesheets]
        return doc.render(stylesheets=css, color_profiles=profiles, **options)


def write_document(document, *, fonts: FontSet, sandbox: Sandbox, what: str, **options) -> bytes:
    """Write a Document from :func:`layout_document` to PDF bytes."""
    with _rendering(fonts, sandbox, what):
        out = io.BytesIO()
        document.write_pdf(out, **options)
    return out.getvalue()


@contextmanager
def _rendering(fonts: FontSet, sandbox: Sandbox, what: str):
    """WeasyPrint with the confined fetcher; its warnings checked when the block ends."""
    with _young_collections_every(GC_YOUNG_THRESHOLD), _confined(fonts, sandbox, what) as rendering:
        yield rendering


# WeasyPrint allocates millions of small, mostly short-lived objects per render (boxes, style
# dicts, Pango handles): with Python's default of a young collection every 700 allocations,
# a fifth of a render was the garbage collector, mostly walking objects that were still in
# use. Every 10,000 the 16-page build is 7-11 % faster (benchmarks/typography_cost.py), with
# the same collections otherwise and no measurable change in peak memory.
GC_YOUNG_THRESHOLD = 10_000


@contextmanager
def _young_collections_every(allocations: int):
    threshold = gc.get_threshold()
    gc.set_threshold(allocations, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


@contextmanager
def _confined(fonts: FontSet, sandbox: Sandbox, what: str):
    wp = weasyprint(fonts)
    refused: list[str] = []
    fetcher = _fetcher_class(wp)(sandbox, refused)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # we re-log what matters below
    try:
        yield wp, fetcher
    except wp.urls.FatalURLFetchingError as exc:
        raise RenderError(Problem(f"{what}: refused to fetch {refused[-1] if refused else exc}",
                                  hint="only files inside the edition, styles/ and fonts/ are read",
                                  code="url-refused")) from None
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    problems = [m for m in handler.messages if not m.startswith(_IGNORED)]
    fatal = [m for m in problems if "fontTools" in m or "Failed to load" in m or "fetch" in m.lower()]
    for m in problems:
        if m not in fatal:
            log.warning("%s: WeasyPrint: %s", what, m)
    if fatal:
        raise RenderError([Problem(f"{what}: WeasyPrint: {m}", code="render") for m in fatal])


def _xmp_finisher(description: bytes):
    """Put ``description`` inside the XMP packet's rdf:RDF, before the PDF is written.

    WeasyPrint's own ``xmp_metadata`` option appends after rdf:RDF (a second top-level
    element, which XMP does not allow) and reads it through a URL; this edits the stream.
    """
    def finish(document, pdf) -> None:
        ref = pdf.catalog.get("Metadata")
        if ref is None:
            raise RenderError(Problem("PDF has no XMP metadata to extend", code="render"))
        number = ref.decode() if isinstance(ref, bytes) else str(ref)
        stream = pdf.objects[int(number.split()[0])]
        packet = b"".join(stream.stream)
        end = packet.rindex(b"</rdf:RDF>")
        stream.stream = [packet[:end] + description + packet[end:]]

    return finish
