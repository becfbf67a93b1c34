"""Pictures of the web edition: each 版 as printed, and the articles' photos for the screen.

**版 images.** A 版's print PDF (PDF/X, with bleed and marks) is rendered by pdfium once, at
twice the web width, cut to the trim, each photo drawn from its sRGB picture at the pixel size
of its CMYK copy (``photos.in_srgb``: its own colours on screen, and no CMYK conversion in
pdfium, a third of the render; the layout's pixels are the print page's); from that one bitmap
come the JPEG at twice the width (sharp screens, zoom: a JPEG at ``jpeg_2x_quality``, as its
pixels are seen at half their size; a WebP that wide took eight times as long to encode, the
largest part of what the web edition added to a print build: docs/web.md), the WebP and the
JPEG at the web width (``[tool.publisher.web] image_width``, 1600 px: the JPEG for browsers
without WebP, and as the OPDS cover, whose readers want JPEG), and a thumbnail for the list of
版. ``page_images`` is a pure function of the page PDF's bytes, its photos and the settings, and
a 版's hot zones (web.zones) of the layout its print worker records while writing it, so the
print build makes both (``derive``): each in the print worker that has just rendered the 版,
while the other workers render theirs (the layout record, tens of thousands of glyphs a 版, is
then neither sent to the parent nor cached: only the zones are), and keeps them in the page
cache beside the 版 (publisher.pagecache), by what the 版 was rendered from and what shapes the
images (sizes, qualities, the pdfium and Pillow versions). A 版 that did not change is neither
rendered nor imaged again.

**Photos.** Sources are untrusted: each photo is decoded from the bytes the reader checked
and encoded again (turned upright by its EXIF orientation, metadata dropped), at most
``PHOTO_LONG_SIDE`` px, as a progressive JPEG (PNG graphics stay PNG); a huge one is decoded
at the smallest scale that keeps those pixels (publisher.photos).
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import asdict, dataclass
from importlib import metadata

from ..config import Web
from ..engine import PageLayout
from ..model import Figure
from ..photos import for_screen, in_srgb
from ..printing.build import Derive, Photo
from ..printing.pdfx import image_digest
from . import urls
from .zones import Zone, page_zones, zones_from_json, zones_json

THUMB_WIDTH = 240  # px: the list of 版 shows them 120 px wide, sharp on 2x screens
PHOTO_LONG_SIDE = 1600
PHOTO_QUALITY = 82


@dataclass(frozen=True)
class ImageSpec:
    """What shapes a 版's images (part of the cache key)."""

    width: int
    webp_quality: int
    webp_effort: int
    jpeg_quality: int
    jpeg_2x_quality: int

    @classmethod
    def of(cls, web: Web) -> ImageSpec:
        return cls(web.image_width, web.webp_quality, web.webp_effort, web.jpeg_quality,
                   web.jpeg_2x_quality)


@dataclass(frozen=True)
class PageImages:
    """A 版's image files by name (urls.PAGE_*), and the pixel sizes of the web-width image,
    the wide one and the thumbnail."""

    files: dict[str, bytes]
    size: tuple[int, int]
    size_2x: tuple[int, int]
    thumb: tuple[int, int]


def page_images(pdf: bytes, spec: ImageSpec, photos: dict[str, Photo] | None = None) -> PageImages:
    """The images of the first page of ``pdf``, cut to its trim box; ``photos`` (by
    ``image_digest`` of the CMYK copies the page embeds): drawn from their sRGB pictures."""
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        page.set_cropbox(*page.get_trimbox())  # the newspaper page: no bleed, no marks
        if photos:
            _in_srgb(page, photos)
        wide = 2 * spec.width
        # pdfium rounds the bitmap's size up: a hair less than the scale gives the exact width
        # RGBX: Pillow uses pdfium's buffer as it is (an RGB bitmap would be copied, 43 MB);
        # the padding byte is never encoded, so the files are those of an RGB bitmap
        bitmap = page.render(scale=(wide - 1e-6) / page.get_width(), may_draw_forms=False,
                             rev_byteorder=True, prefer_bgrx=True, bitmap_maker=_bitmap)
        image = bitmap.to_pil()
        page.close()
    finally:
        document.close()
    _keep_blocks()
    small = image.reduce(2)  # the web width: each pixel the mean of four
    thumb = small.resize((THUMB_WIDTH, round(small.height * THUMB_WIDTH / small.width)),
                         Image.Resampling.BOX)

    def encode(im, fmt: str, **options) -> bytes:
        buf = io.BytesIO()
        im.save(buf, fmt, **options)
        return buf.getvalue()

    webp = {"quality": spec.webp_quality, "method": spec.webp_effort}
    files = {
        urls.PAGE_JPEG_2X: encode(image, "JPEG", quality=spec.jpeg_2x_quality),
        urls.PAGE_WEBP: encode(small, "WEBP", **webp),
        urls.PAGE_JPEG: encode(small, "JPEG", quality=spec.jpeg_quality),
        urls.PAGE_THUMB: encode(thumb, "JPEG", quality=spec.jpeg_quality),
    }
    return PageImages(files, small.size, image.size, thumb.size)


KEPT_BLOCKS = 2  # Pillow's blocks of memory a print worker keeps for the next 版 (``_keep_blocks``)


def _keep_blocks() -> None:
    """In a print worker (a forked process imaging one 版 after another), Pillow keeps the
    memory of the images it frees for the next 版's (``set_blocks_max``): the 1600 px image
    (14 MB) and what the encoders read were mapped and zeroed anew by the kernel for every
    版, 8,000 page faults and about 20 ms of a 版's CPU; with two blocks kept (16 MB each at
    most), a few. Anywhere else nothing is kept (a build of one 版 images it in its own
    process); the worker's memory goes when the print pool ends."""
    import multiprocessing

    from PIL import Image

    if multiprocessing.parent_process() is not None and Image.core.get_blocks_max() < KEPT_BLOCKS:
        Image.core.set_blocks_max(KEPT_BLOCKS)


_KEPT: list = []  # a print worker's bitmap memory, kept from one 版 to the next (``_bitmap``)


def _bitmap(width: int, height: int, format: int, rev_byteorder: bool = False):
    """pypdfium2's bitmap for a render (``bitmap_maker``). In a print worker, a forked process
    that images one 版 after another, the memory of the last 版's bitmap is used again (a
    render fills all of it first): a new one, 57 MB at 3200 px, is mapped and zeroed page by
    page by the kernel before pdfium fills it, about a tenth of the render's CPU. Anywhere else
    (a build of one 版 renders in its own process) a new one, so that nothing is held after
    the build; the worker's memory goes when the print pool ends."""
    import ctypes
    import multiprocessing

    import pypdfium2 as pdfium

    stride = 4 * width  # BGRx / RGBX
    if multiprocessing.parent_process() is None:
        return pdfium.PdfBitmap.new_native(width, height, format, rev_byteorder)
    if not _KEPT or len(_KEPT[0]) < stride * height:
        _KEPT[:] = [(ctypes.c_ubyte * (stride * height))()]
    return pdfium.PdfBitmap.new_native(width, height, format, rev_byteorder, buffer=_KEPT[0],
                                       stride=stride)


def _in_srgb(page, photos: dict[str, Photo]) -> None:
    """Each photo of ``page`` (pdfium) that is the CMYK copy of one of ``photos`` drawn from
    its sRGB picture instead, in memory: the same image object, so the same placement and
    clipping."""
    import pypdfium2.raw as pdfium_c

    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        photo = photos.get(image_digest(bytes(obj.get_data(decode_simple=False))))
        if photo is None:
            continue
        size = obj.get_px_size()
        screen = in_srgb(photo.image, size)
        if screen is not None:
            obj.load_jpeg(io.BytesIO(screen), pages=[page], inline=True)


# ---------------------------------------------------------------- made by the print build

SIZES = "sizes.json"  # among a 版's derived files: the pixel sizes of its images, its trim (pt)
ZONES = "zones.json"  # and its hot zones (web.zones)


def _versions() -> str:
    parts = []
    for name in ("pypdfium2", "pillow"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
            parts.append(f"{name} -")
    return ", ".join(parts)


def _as_files(pdf: bytes, layout: PageLayout | None, photos: dict[str, Photo],
              spec: ImageSpec) -> dict[str, bytes]:
    assert layout is not None  # derive asks the print build for it
    images = page_images(pdf, spec, photos)
    sizes = {"size": images.size, "size_2x": images.size_2x, "thumb": images.thumb,
             "trim": (layout.width, layout.height)}
    return {**images.files, SIZES: json.dumps(sizes).encode(),
            ZONES: zones_json(page_zones(layout))}


def derive(web: Web) -> Derive:
    """What the print build makes from each 版 for the web edition: its images and zones."""
    # loaded here, before the print pool forks: every worker inherits them
    import pypdfium2  # noqa: F401
    from PIL import WebPImagePlugin  # noqa: F401

    spec = ImageSpec.of(web)
    return Derive(json.dumps(["web 版 images (photos in sRGB) and zones", asdict(spec), _versions()]),
                  functools.partial(_as_files, spec=spec), layout=True)


def from_files(files: dict[str, bytes]) -> PageImages:
    """A 版's images from the files ``derive`` made."""
    sizes = json.loads(files[SIZES])
    return PageImages({name: data for name, data in files.items() if name not in (SIZES, ZONES)},
                      tuple(sizes["size"]), tuple(sizes["size_2x"]), tuple(sizes["thumb"]))


def trim_of(files: dict[str, bytes]) -> tuple[float, float]:
    """A 版's trim (pt) from the files ``derive`` made."""
    width, height = json.loads(files[SIZES])["trim"]
    return width, height


def zones_of(files: dict[str, bytes]) -> tuple[Zone, ...]:
    """A 版's hot zones from the files ``derive`` made."""
    return zones_from_json(files[ZONES])


# ---------------------------------------------------------------- photos


def photo_name(figure: Figure) -> str:
    """The photo's file name in the issue's images folder (its source name, as the EPUB)."""
    assert figure.image is not None
    suffix = ".png" if figure.image.media_type == "image/png" else ".jpg"
    return f"{figure.image.path.stem}{suffix}"


def photo(figure: Figure) -> tuple[bytes, tuple[int, int]]:
    """The figure's photo for the screen, and its size in px: from the bytes the reader
    checked, a huge one decoded no larger than it needs (``photos.for_screen``, as the EPUB's)."""
    assert figure.image is not None
    data, _media_type, size = for_screen(figure.image, PHOTO_LONG_SIDE, PHOTO_QUALITY)
    return data, size
