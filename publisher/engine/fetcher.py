"""What a render may read: the sandbox of folders and the URL fetcher that keeps to it.

WeasyPrint by default fetches any URL it meets, ``file://`` and ``http://`` too (a ``<link
rel=attachment>`` embedded a local file into the PDF). ``ConfinedFetcher`` serves the
``Sandbox``: the edition's photos from the bytes publisher read and checked (``served``: an
exact URL -> bytes; nothing of the edition is read from disk here, so a photo swapped after
the check cannot be published), and ``file:`` URLs inside the house's folders (styles,
fonts, the output profile). Every other URL is refused, fatally: the render stops with the
URL named. JPEG data is served without its metadata segments (``strip_jpeg_metadata``),
since WeasyPrint embeds JPEG data as it is; a 16-bit grey PNG as 8 bits (``eight_bit_png``),
which WeasyPrint cannot embed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit


@dataclass(frozen=True)
class Sandbox:
    """What a render may read: the house's folders (styles, fonts) and the given bytes."""

    roots: tuple[Path, ...]
    # Exact URLs served from bytes in memory (the photos: the edition's as checked for the
    # reading PDF, their CMYK conversions for print). WeasyPrint names an image in the PDF
    # by a hash of its URL, so a photo's URL must not name the folder the edition lies in,
    # or the PDF would depend on where it was built (alias_url).
    served: Mapping[str, bytes] = field(default_factory=dict)

    def allows(self, path: Path) -> bool:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        return any(real.is_relative_to(root) for root in self.roots) and real.is_file()


def alias_url(scheme: str, relative: str) -> str:
    """A URL for ``Sandbox.served`` that names a file by its path inside the edition, never
    by the folder it lies in, percent-encoded as WeasyPrint will ask for it (it encodes what
    a URL may not hold: a photo named 照片.jpg is fetched as %E7%85%A7%E7%89%87.jpg)."""
    return f"{scheme}:{quote(relative, safe='/')}"


def fetcher_class(wp: Any):
    class Response(wp.urls.URLFetcherResponse):
        """The bytes checked here, and no path: WeasyPrint would re-read a file: URL's file
        from disk when it embeds an image, bypassing what this fetcher served."""

        @property
        def path(self):
            return None

    class ConfinedFetcher(wp.URLFetcher):
        """Serve the sandbox's bytes and file: URLs inside its folders; refuse every other
        URL, fatally."""

        def __init__(self, sandbox: Sandbox, refused: list[str]):
            super().__init__(fail_on_errors=True)
            self.sandbox = sandbox
            self.refused = refused
            self.fetches = 0  # URLs asked for (engine.rendering keeps a stylesheet that fetched none)

        def fetch(self, url, headers=None):
            self.fetches += 1
            data = self.sandbox.served.get(url)
            if data is None:
                path = self._file(url)
                if path is None:
                    self.refused.append(url[:200])
                    raise PermissionError(f"publisher does not fetch {url[:200]!r}: outside the "
                                          "edition's photos and the house's styles and fonts")
                data = path.read_bytes()
            if data.startswith(b"\xff\xd8"):
                data = strip_jpeg_metadata(data)
            elif data.startswith(b"\x89PNG"):
                data = eight_bit_png(data)
            return Response(url, data, {})

        def _file(self, url) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path))
                if self.sandbox.allows(path):
                    return path.resolve()
            return None

    return ConfinedFetcher


def eight_bit_png(data: bytes) -> bytes:
    """A 16-bit greyscale PNG as an 8-bit one (other PNGs as they are). WeasyPrint embeds
    Pillow's modes RGB, RGBA, L, LA and CMYK and converts 1, P and I; a 16-bit grey image
    (mode I;16) it writes as DeviceRGB, which draws garbage ("Unknown image mode")."""
    from PIL import Image

    if data[24:26] != b"\x10\x00":  # IHDR: bit depth 16, colour type 0 (grey)
        return data
    with Image.open(io.BytesIO(data)) as im:
        grey = im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
        out = io.BytesIO()
        grey.save(out, "PNG")
    return out.getvalue()


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
    except Exception:  # damaged EXIF: drop it all
        return b""
    if not value:
        return b""
    kept = Image.Exif()
    kept[0x0112] = value
    body = kept.tobytes()
    return b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
