"""Pictures of the web edition: each 版 as printed, and the articles' photos for the screen.

**版 images.** A 版's print PDF (PDF/X, with bleed and marks) is rendered by pdfium once, at
twice the web width, cut to the trim; from that one bitmap come the WebP at twice the width
(sharp screens, zoom), the WebP and the JPEG at the web width (``[tool.publisher.web]
image_width``, 1600 px: the JPEG for browsers without WebP, and as the OPDS cover, whose
readers want JPEG), and a thumbnail for the list of 版. ``page_images`` is a pure function
of the page PDF's bytes and the settings, so its results are kept on disk by content
(``Cache``) and a 版 whose print page did not change is never rendered again; ``render_pages``
renders the others in a pool of processes, one 版 a task.

Where the cache lies: ``$PUBLISHER_CACHE/web`` if that is set, else
``$XDG_CACHE_HOME/publisher/web`` (``~/.cache/publisher/web``). An entry is a folder named by
the hash of the page PDF and of everything that shapes the images (sizes, qualities, the
pdfium and Pillow versions), written whole (temporary folder, then rename); one that cannot
be read is made again, and a cache that cannot be written is skipped: it only saves time.

**Photos.** Sources are untrusted: each photo is decoded and encoded again (turned upright
by its EXIF orientation, metadata dropped), at most ``PHOTO_LONG_SIDE`` px, as a progressive
JPEG (PNG graphics stay PNG).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from ..config import Web
from ..model import Figure
from . import urls

log = logging.getLogger(__name__)

ENV = "PUBLISHER_CACHE"
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

    @classmethod
    def of(cls, web: Web) -> ImageSpec:
        return cls(web.image_width, web.webp_quality, web.webp_effort, web.jpeg_quality)


@dataclass(frozen=True)
class PageImages:
    """A 版's image files by name (urls.PAGE_*), and the pixel sizes of the web-width image,
    the wide one and the thumbnail."""

    files: dict[str, bytes]
    size: tuple[int, int]
    size_2x: tuple[int, int]
    thumb: tuple[int, int]


def page_images(pdf: bytes, spec: ImageSpec) -> PageImages:
    """The images of the first page of ``pdf``, cut to its trim box."""
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        page.set_cropbox(*page.get_trimbox())  # the newspaper page: no bleed, no marks
        wide = 2 * spec.width
        # pdfium rounds the bitmap's size up: a hair less than the scale gives the exact width
        bitmap = page.render(scale=(wide - 1e-6) / page.get_width(), may_draw_forms=False,
                             rev_byteorder=True)
        image = bitmap.to_pil()
        page.close()
    finally:
        document.close()
    small = image.reduce(2)  # the web width: each pixel the mean of four
    thumb = small.resize((THUMB_WIDTH, round(small.height * THUMB_WIDTH / small.width)),
                         Image.Resampling.BOX)

    def encode(im, fmt: str, **options) -> bytes:
        buf = io.BytesIO()
        im.save(buf, fmt, **options)
        return buf.getvalue()

    webp = {"quality": spec.webp_quality, "method": spec.webp_effort}
    files = {
        urls.PAGE_WEBP_2X: encode(image, "WEBP", **webp),
        urls.PAGE_WEBP: encode(small, "WEBP", **webp),
        urls.PAGE_JPEG: encode(small, "JPEG", quality=spec.jpeg_quality),
        urls.PAGE_THUMB: encode(thumb, "JPEG", quality=spec.jpeg_quality),
    }
    return PageImages(files, small.size, image.size, thumb.size)


# ---------------------------------------------------------------- the cache


def cache_root() -> Path:
    if os.environ.get(ENV):
        return Path(os.environ[ENV]) / "web"
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "publisher" / "web"


def _versions() -> str:
    parts = []
    for name in ("pypdfium2", "pillow"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
            parts.append(f"{name} -")
    return ", ".join(parts)


class Cache:
    """版 images on disk, by the hash of the page PDF and the spec (see the module's doc)."""

    META = "meta.json"

    def __init__(self, spec: ImageSpec, folder: Path | None = None):
        self.spec = spec
        self.folder = folder or cache_root()
        self.writable = True
        self._salt = json.dumps([asdict(spec), _versions()]).encode()

    def key(self, pdf: bytes) -> str:
        return hashlib.sha256(self._salt + b"\n" + hashlib.sha256(pdf).digest()).hexdigest()

    def get(self, key: str) -> PageImages | None:
        entry = self.folder / key[:2] / key
        try:
            meta = json.loads((entry / self.META).read_text("utf-8"))
            files = {name: (entry / name).read_bytes() for name in meta["files"]}
            return PageImages(files, tuple(meta["size"]), tuple(meta["size_2x"]),
                              tuple(meta["thumb"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, images: PageImages) -> None:
        if not self.writable:
            return
        entry = self.folder / key[:2] / key
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=entry.parent))
            for name, data in images.files.items():
                (tmp / name).write_bytes(data)
            meta = {"files": sorted(images.files), "size": images.size, "size_2x": images.size_2x,
                    "thumb": images.thumb}
            (tmp / self.META).write_text(json.dumps(meta), "utf-8")
            try:
                os.rename(tmp, entry)
            except OSError:  # made meanwhile by another build: the same bytes
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError as exc:
            self.writable = False
            log.warning("web image cache %s not written (%s); going on without it", self.folder, exc)


_SPEC: ImageSpec | None = None  # for the pool's workers, set before the fork


def _work(pdf: bytes) -> PageImages:
    assert _SPEC is not None
    return page_images(pdf, _SPEC)


def render_pages(pdfs: list[bytes], web: Web, progress=None) -> list[PageImages]:
    """The images of each page PDF, in order: from the cache where it has them, the others
    rendered in ``web.workers`` processes. ``progress(done, total)``: told as each is done."""
    global _SPEC
    spec = ImageSpec.of(web)
    cache = Cache(spec) if web.cache else None
    keys = [cache.key(pdf) for pdf in pdfs] if cache else [None] * len(pdfs)
    found = [cache.get(k) if cache and k else None for k in keys]
    missing = [n for n, images in enumerate(found) if images is None]
    log.info("版 images: %d from the cache, %d to render", len(pdfs) - len(missing), len(missing))
    workers = min(web.workers, len(missing))
    done = len(pdfs) - len(missing)
    if missing:
        _SPEC = spec
        import pypdfium2  # noqa: F401  (loaded once, before the fork: the workers inherit it)
        from PIL import WebPImagePlugin  # noqa: F401
        try:
            if workers > 1:
                pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
                with pool:
                    made = pool.map(_work, [pdfs[n] for n in missing])
                    for n, images in zip(missing, made, strict=True):
                        found[n] = images
                        done += 1
                        if progress:
                            progress(done, len(pdfs))
            else:
                for n in missing:
                    found[n] = page_images(pdfs[n], spec)
                    done += 1
                    if progress:
                        progress(done, len(pdfs))
        finally:
            _SPEC = None
        if cache:
            for n in missing:
                key, made_now = keys[n], found[n]
                assert key is not None and made_now is not None  # keyed with a cache, all made above
                cache.put(key, made_now)
    return [images for images in found if images is not None]


# ---------------------------------------------------------------- photos


def photo_name(figure: Figure) -> str:
    """The photo's file name in the issue's images folder (its source name, as the EPUB)."""
    assert figure.image is not None
    suffix = ".png" if figure.image.media_type == "image/png" else ".jpg"
    return f"{figure.image.path.stem}{suffix}"


def photo(figure: Figure) -> tuple[bytes, tuple[int, int]]:
    """The figure's photo for the screen, and its size in px."""
    from PIL import Image, ImageOps

    assert figure.image is not None
    with Image.open(figure.image.path) as source:
        im = ImageOps.exif_transpose(source)
        if max(im.size) > PHOTO_LONG_SIDE:
            im.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE), Image.Resampling.LANCZOS)
        im.info.pop("comment", None)  # Pillow would copy a JPEG comment
        buf = io.BytesIO()
        if figure.image.media_type == "image/png":
            im.save(buf, "PNG", optimize=True)
        else:
            im.convert("RGB").save(buf, "JPEG", quality=PHOTO_QUALITY, optimize=True,
                                   progressive=True)
        return buf.getvalue(), im.size
