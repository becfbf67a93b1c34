"""Photos decoded no larger than an output needs, and the photos made for screens.

A photo is decoded from the bytes the reader checked (``model.Image.data``), never read
again from disk. A huge one (``model.Image.huge``: more pixels than any output shows) that
is a JPEG is decoded at reduced scale, libjpeg's 1/2, 1/4 or 1/8 (Pillow's ``draft``): the
smallest scale that still has the pixels the output needs, so no output holds a full-size
copy of it (48 megapixels: 144 MB decoded, more again for each copy made from it). Each
output says what it needs: print ``PRINT_PPI`` across the type area (printing.colour), the
reading PDF ``READING_PPI`` across its page (``for_page``), the EPUB and the web edition a
long side in px (``for_screen``). Photos up to ``LARGE_IMAGE_PIXELS`` are decoded at full
size, so their outputs do not change with this.

The web edition's 版 images are the print page drawn by pdfium, but with each photo drawn
from its sRGB picture (``in_srgb``) in place of the CMYK copy made for newsprint, at the same
pixel size: a screen shows the photo's own colours, not newsprint's separation converted back
by pdfium's generic CMYK formula, and pdfium skips that conversion (a third of a render).
"""

from __future__ import annotations

import io
import math

from .model import Image

SCALES = (8, 4, 2)  # libjpeg's scaled decoding, the smallest first
TURNED = (5, 6, 7, 8)  # EXIF orientations shown sideways to how the pixels are stored
# The reading PDF's widest page, A4 (styles/reading.css; the phone page is smaller), and the
# pixels per inch a photo filling it keeps: as sharp as a screen zoomed in or a laser
# printer shows it.
READING_ROOM = (210.0, 297.0)  # mm
READING_PPI = 300


def scale_for(size: tuple[int, int], room: tuple[float, float], ppi: float) -> int:
    """By how much (1, 2, 4 or 8) a photo of ``size`` px (as shown) can be decoded smaller
    and still have ``ppi`` where it fills ``room`` (mm) as far as its shape allows."""
    width, height = size
    across = width * min(room[0] / width, room[1] / height)  # mm, the widest it can be set
    needed = math.ceil(across / 25.4 * ppi)  # px across
    return next((s for s in SCALES if width // s >= needed), 1)


def for_page(image: Image, room: tuple[float, float] = READING_ROOM, ppi: float = READING_PPI) -> bytes:
    """The photo's bytes for a PDF page whose photos fill at most ``room`` (mm): a huge JPEG
    decoded at the smallest scale that keeps ``ppi`` there, turned upright by its EXIF
    orientation and encoded again (its colour profile kept); any other photo as checked."""
    from PIL import Image as PILImage, ImageOps

    if not image.huge or image.media_type != "image/jpeg":
        return image.data
    with PILImage.open(io.BytesIO(image.data)) as im:
        turned = im.getexif().get(0x0112) in TURNED
        scale = scale_for(im.size[::-1] if turned else im.size, room, ppi)
        if scale == 1:
            return image.data
        im.draft(im.mode, (im.width // scale, im.height // scale))
        ImageOps.exif_transpose(im, in_place=True)  # in place: one decoded copy, no more
        profile = im.info.get("icc_profile")
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=90, optimize=False, progressive=False,
                **({"icc_profile": profile} if profile else {}))
    return buf.getvalue()


def in_srgb(image: Image, size: tuple[int, int]) -> bytes | None:
    """The photo as a JPEG in sRGB (or grey) of ``size`` px as shown, the size of its CMYK
    copy on the print page, to draw that page for screens (the web edition's 版 images,
    web.images): its checked bytes as they are when they already are that (an upright JPEG,
    RGB or grey, untagged or tagged sRGB, of that size: the usual photo, no decoding), else
    decoded (a huge JPEG at the scale of its print copy), turned upright by its EXIF
    orientation, converted to sRGB by its embedded profile and encoded again (baseline, the
    print copy's quality). None where the page keeps its print copy: a CMYK photo, a profile
    littleCMS cannot use, a size that does not come out the same."""
    from PIL import Image as PILImage, ImageCms, ImageOps

    try:
        with PILImage.open(io.BytesIO(image.data)) as im:
            profile = im.info.get("icc_profile")
            srgb = not profile or _is_srgb(profile)
            upright = im.getexif().get(0x0112) in (None, 1)
            if im.format == "JPEG" and im.mode in ("RGB", "L") and srgb and upright and im.size == size:
                return image.data
            if im.mode == "CMYK":
                return None
            if im.format == "JPEG" and (im.width > size[0] or im.height > size[1]):
                turned = im.getexif().get(0x0112) in TURNED
                im.draft(im.mode, size[::-1] if turned else size)  # the print copy's scale
            ImageOps.exif_transpose(im, in_place=True)
            if im.size != size:
                return None
            if im.mode.startswith("I"):  # 16-bit grey, to 8 bits as the print copy (printing.colour)
                shown = im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
            else:
                shown = im if im.mode in ("RGB", "L") else im.convert("L" if im.mode in ("LA", "1") else "RGB")
            if not srgb:
                assert profile is not None
                converted = ImageCms.profileToProfile(
                    shown, ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                    ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")), outputMode="RGB",
                    renderingIntent=ImageCms.Intent.PERCEPTUAL)
                assert converted is not None  # a new image: not converted in place
                shown = converted
            buf = io.BytesIO()
            shown.save(buf, "JPEG", quality=SRGB_QUALITY, optimize=False, progressive=False)
            return buf.getvalue()
    except (OSError, ValueError, ImageCms.PyCMSError):  # the print copy is drawn, as before
        return None


SRGB_QUALITY = 92  # that of the print copies (printing.colour.JPEG_QUALITY)


def _is_srgb(profile: bytes) -> bool:
    """Whether an embedded profile is sRGB's (by its description: "sRGB IEC61966-2.1" and
    the like, as cameras and editors write it)."""
    from PIL import ImageCms

    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))
    except (OSError, ImageCms.PyCMSError):
        return False
    return description.strip().lower().startswith("srgb")


def for_screen(image: Image, long_side: int, quality: int) -> tuple[bytes, str, tuple[int, int]]:
    """The photo for screens (the EPUB, the web edition): turned upright by its EXIF
    orientation, metadata dropped, at most ``long_side`` px on its long side; a JPEG as a
    progressive JPEG of ``quality``, a PNG (graphics, screenshots) as PNG. Its bytes, media
    type and size in px."""
    from PIL import Image as PILImage, ImageOps

    with PILImage.open(io.BytesIO(image.data)) as source:
        if image.huge and source.format == "JPEG":
            # decoded at the smallest scale (1/2 .. 1/8) still twice the size asked, as
            # Image.thumbnail would on its own (the turn below decodes it first)
            long = max(source.size)
            source.draft(source.mode, tuple(  # type: ignore[arg-type]
                max(1, side * 2 * long_side // long) for side in source.size))
        # the metadata is dropped below, so a phone photo stored sideways is turned first
        im = ImageOps.exif_transpose(source)
        if max(im.size) > long_side:
            im.thumbnail((long_side, long_side), PILImage.Resampling.LANCZOS)
        buf = io.BytesIO()
        im.info.pop("comment", None)  # Pillow copies a JPEG comment into the new file
        if image.media_type == "image/png":
            im.save(buf, "PNG", optimize=True)
            media_type = "image/png"
        else:
            im.convert("RGB").save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
            media_type = "image/jpeg"
        return buf.getvalue(), media_type, im.size


__all__ = ["READING_PPI", "READING_ROOM", "for_page", "for_screen", "in_srgb", "scale_for"]
