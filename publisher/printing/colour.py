"""Colour for print: photos converted to the output profile's CMYK before layout.

The plant's press prints what the PDF says, so an RGB photo must not reach it: each
image is converted, in memory from the bytes the reader checked (``Image.data``), with
littleCMS (Pillow's ImageCms) from its embedded profile (an RGB, Gray or CMYK profile; sRGB
when a colour or grey photo has none) to the house output profile, perceptual intent, and
saved as a CMYK JPEG that WeasyPrint embeds as DeviceCMYK. The same profile becomes the OutputIntent.
Conversion is deterministic (same pixels, same encoder settings), so builds stay
byte-identical.

A huge photo (``model.Image.huge``: the reader warned) with more than twice the pixels the
page could use is decoded at reduced scale (libjpeg's scaled decoding, 1/2, 1/4 or 1/8):
even filling the whole type area it keeps ``PRINT_PPI``, what newsprint can use. The
conversion holds one decoded copy and one CMYK copy at a time, never more (a 48-megapixel
photo took four full-size copies, 770 MB, before).

The house default is ``profiles/publisher-newsprint-240.icc``, built at setup by
``scripts/newsprint_profile.py`` (coldset newsprint modelled from ISO 12647-3 aim values,
240 % total ink, black generation: neutral greys print with black). A profile listed in
the ``profiles.toml`` beside it is checked against its pinned sha256 before use, as the
fonts are; a plant's own profile named in the house settings is used as it is.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from ..errors import Problem, RenderError
from ..model import Edition, Figure, Page
from ..photos import scale_for

JPEG_QUALITY = 92
# The most pixels per inch newsprint can use: ISO 12647-3 (coldset newsprint, which the house
# profile models) screens at 26 to 40 lines/cm; twice the finest screen is 203 ppi. A huge
# photo keeps at least this across the largest placement it could get.
PRINT_PPI = 2 * 40 * 2.54


PINS = "profiles.toml"  # beside the profiles: file name -> sha256


def _check_pin(path: Path) -> None:
    manifest = path.parent / PINS
    if not manifest.is_file():
        return
    try:
        pins = tomllib.loads(manifest.read_text("utf-8")).get("profile", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RenderError(Problem(f"cannot read {manifest}: {exc}", manifest,
                                  code="output-profile")) from None
    pin = next((p for p in pins if p.get("file") == path.name), None)
    if pin is None:
        return
    if not path.is_file():
        raise RenderError(Problem(f"the output profile {path} is not built",
                                  hint="run `make setup` (it builds the pinned profiles with Argyll CMS)",
                                  code="output-profile"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pin.get("sha256"):
        raise RenderError(Problem(f"the output profile {path} has sha256 {digest}, {manifest.name} "
                                  f"pins {pin.get('sha256')}", manifest,
                                  hint="delete it and run `make setup` to build it again",
                                  code="output-profile"))


def check_profile(path: Path) -> ImageCms.ImageCmsProfile:
    _check_pin(path)
    try:
        profile = ImageCms.getOpenProfile(str(path))
    except (OSError, ImageCms.PyCMSError) as exc:
        raise RenderError(Problem(f"cannot read the output profile {path}: {exc}",
                                  hint="set [tool.publisher.print] output_profile to a CMYK .icc "
                                       "file (the default is built by `make setup`)",
                                  code="output-profile")) from None
    if profile.profile.xcolor_space.strip() != "CMYK":
        raise RenderError(Problem(f"the output profile {path} is not a CMYK profile "
                                  f"({profile.profile.xcolor_space.strip()})", code="output-profile"))
    return profile


def profile_name(path: Path) -> str:
    return ImageCms.getProfileDescription(check_profile(path)).strip() or path.stem


def to_cmyk(data: bytes, output: ImageCms.ImageCmsProfile, name: str = "photo",
            room: tuple[float, float] | None = None, transforms: dict | None = None) -> bytes:
    """A photo's checked bytes as a CMYK JPEG in the output profile's colour.

    Converted from the photo's own profile (an RGB, Gray or CMYK profile, as the reader
    checked it fits the pixels), else from sRGB (colour) or sRGB's grey (black and white);
    a CMYK photo without a profile is taken as already in the output's CMYK.

    ``room``: the largest area (width, height in mm) the photo could fill on a page, given
    for a huge photo: a JPEG is then decoded at the smallest scale (1/2, 1/4, 1/8) that still
    has ``PRINT_PPI`` across it (``print_scale``). ``transforms``: littleCMS transforms to
    ``output`` built before, by the photo's profile and pixel mode, kept there (``_transform``)."""
    with Image.open(io.BytesIO(data)) as im:
        dpi = im.info.get("dpi")
        if room is not None and im.format == "JPEG":
            turned = im.getexif().get(0x0112) in (5, 6, 7, 8)  # shown sideways to how it is stored
            if (scale := print_scale(im.size[::-1] if turned else im.size, room)) > 1:
                im.draft(im.mode, (im.width // scale, im.height // scale))
                dpi = tuple(d / scale for d in dpi) if dpi else None  # the same size in inches
        # The CMYK copy carries no EXIF: turn a sideways-stored phone photo upright first
        # (in place: a second full-size copy is what a huge photo cannot afford).
        ImageOps.exif_transpose(im, in_place=True)
        embedded = im.info.get("icc_profile")
        try:
            cmyk = _convert(im, embedded, output, {} if transforms is None else transforms)
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:
            # the reader checked the profile; a transform littleCMS still cannot build is
            # reported, never a traceback
            raise RenderError(Problem(f"print: cannot convert the colours of {name} to the output "
                                      f"profile ({exc})", hint="export the photo again with an sRGB "
                                      "(colour) or Gray (black-and-white) profile, or none",
                                      code="image-profile")) from None
        if cmyk is not im:
            im.close()  # the decoded photo is freed before its CMYK copy is encoded
        buf = io.BytesIO()
        cmyk.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False,
                  **({"dpi": dpi} if dpi else {}))
    return buf.getvalue()


def print_scale(size: tuple[int, int], room: tuple[float, float]) -> int:
    """By how much (1, 2, 4 or 8) a photo of ``size`` px (as shown) can be decoded smaller
    and still have ``PRINT_PPI`` where it fills ``room`` (mm) as far as its shape allows."""
    return scale_for(size, room, PRINT_PPI)


def _convert(im: Image.Image, embedded: bytes | None, output: ImageCms.ImageCmsProfile,
             transforms: dict) -> Image.Image:
    if im.mode.startswith("I"):  # 16-bit grey (a scan): to 8 bits by scaling, not clipping at 255
        im = im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if im.mode == "CMYK":
        return im if embedded is None else _transform(im, embedded, output, transforms)
    if im.mode in ("L", "LA", "1") and embedded is not None:
        # a black-and-white photo with its Gray profile (a desk's ordinary export): grey to
        # CMYK directly; converting the pixels to RGB first would not match the profile
        return _transform(im.convert("L") if im.mode != "L" else im, embedded, output, transforms)
    rgb = im if im.mode == "RGB" else im.convert("RGB")  # a copy only where the mode changes
    return _transform(rgb, embedded, output, transforms)


def _transform(im: Image.Image, embedded: bytes | None, output: ImageCms.ImageCmsProfile,
               transforms: dict) -> Image.Image:
    """``im`` from its profile (``embedded``, else sRGB) to ``output``'s CMYK, perceptual, as
    ``ImageCms.profileToProfile`` converts it; the transform (about 15 ms for littleCMS to
    build) kept in ``transforms`` by the profile and mode, for the next photo of the same."""
    key = (embedded, im.mode)
    transform = transforms.get(key)
    try:
        if transform is None:
            source = ImageCms.ImageCmsProfile(io.BytesIO(embedded) if embedded else ImageCms.createProfile("sRGB"))
            transform = transforms[key] = ImageCms.ImageCmsTransform(
                source, output, im.mode, "CMYK", ImageCms.Intent.PERCEPTUAL)
        return transform.apply(im)
    except (OSError, TypeError, ValueError) as exc:  # as profileToProfile says it
        raise ImageCms.PyCMSError(exc) from exc


def convert_images(edition: Edition, profile_path: Path,
                   pages: tuple[Page, ...] | None = None,
                   room: tuple[float, float] | None = None) -> dict[Path, bytes]:
    """Every photo of the edition (of ``pages`` only, when given) converted from its checked
    bytes (``Image.data``), in memory; maps the photo's path -> its CMYK JPEG. ``room``: the
    type area (mm), the most a photo can fill: a huge photo is decoded no larger than it needs."""
    output = check_profile(profile_path)
    transforms: dict = {}  # one littleCMS transform for the photos of one profile and mode
    done: dict[Path, bytes] = {}
    for article in (a for p in (edition.pages if pages is None else pages) for a in p.articles):
        for block in article.body:
            if isinstance(block, Figure) and block.image and block.image.path not in done:
                image = block.image
                done[image.path] = to_cmyk(image.data, output, image.href,
                                           room=room if image.huge else None, transforms=transforms)
    return done
