"""Colour for print: photos converted to the output profile's CMYK before layout.

The plant's press prints what the PDF says, so an RGB photo must not reach it: each
image is converted with littleCMS (Pillow's ImageCms) from its embedded profile (sRGB
when it has none) to the house output profile, perceptual intent, and saved as a CMYK
JPEG that WeasyPrint embeds as DeviceCMYK. The same profile becomes the OutputIntent.
Conversion is deterministic (same pixels, same encoder settings), so builds stay
byte-identical.

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

JPEG_QUALITY = 92


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


def to_cmyk(source: Path, target: Path, output: ImageCms.ImageCmsProfile) -> None:
    with Image.open(source) as original:
        # The CMYK copy carries no EXIF: turn a sideways-stored phone photo upright first.
        im = ImageOps.exif_transpose(original)
        embedded = im.info.get("icc_profile")
        if im.mode == "CMYK":
            cmyk = im
        else:
            rgb = im.convert("RGB")
            src = (ImageCms.ImageCmsProfile(io.BytesIO(embedded)) if embedded
                   else ImageCms.createProfile("sRGB"))
            converted = ImageCms.profileToProfile(rgb, src, output, outputMode="CMYK",
                                                  renderingIntent=ImageCms.Intent.PERCEPTUAL)
            assert converted is not None  # a new image: not converted in place
            cmyk = converted
        dpi = im.info.get("dpi")
    target.parent.mkdir(parents=True, exist_ok=True)
    cmyk.save(target, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False,
              **({"dpi": dpi} if dpi else {}))


def convert_images(edition: Edition, profile_path: Path, folder: Path,
                   pages: tuple[Page, ...] | None = None) -> dict[Path, Path]:
    """Convert every photo of the edition (of ``pages`` only, when given) into ``folder``;
    map source path -> CMYK copy."""
    output = check_profile(profile_path)
    done: dict[Path, Path] = {}
    for article in (a for p in (edition.pages if pages is None else pages) for a in p.articles):
        for block in article.body:
            if isinstance(block, Figure) and block.image and block.image.path not in done:
                target = folder / f"{article.slug}-{len(done):03d}.jpg"
                to_cmyk(block.image.path, target, output)
                done[block.image.path] = target
    return done
