"""A phone photo stored sideways with an EXIF orientation is shown upright everywhere: in the
model's size (layout), in the EPUB's re-encoded copy and in the print edition's CMYK copy,
both of which carry no EXIF any more."""

from __future__ import annotations

import io
import zipfile

from PIL import Image, ImageOps

from publisher.errors import Problems
from publisher.printing.colour import check_profile, to_cmyk
from publisher.sources.edition import read_edition

ARTICLE = ("+++\nheadline = \"标题\"\n+++\n正文。\n\n"
           "![江边的塔](images/side.jpg \"张三 摄\")\n图为江边的塔。\n")


def sideways_jpeg() -> bytes:
    """400 × 200 px as stored, left quarter blue; EXIF orientation 6 (turn 90° to show)."""
    im = Image.new("RGB", (400, 200), (230, 40, 40))
    im.paste((20, 40, 230), (0, 0, 100, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    im.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def upright(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        return ImageOps.exif_transpose(im).convert("RGB")


def same_picture(a: Image.Image, b: Image.Image) -> bool:
    """Same size, and the blue band in the same place (means of the four quarters agree)."""
    if a.size != b.size:
        return False
    w, h = a.size
    for box in ((0, 0, w // 2, h // 2), (w // 2, 0, w, h // 2), (0, h // 2, w // 2, h), (w // 2, h // 2, w, h)):
        pa = a.crop(box).resize((1, 1)).getpixel((0, 0))
        pb = b.crop(box).resize((1, 1)).getpixel((0, 0))
        assert isinstance(pa, tuple) and isinstance(pb, tuple)  # RGB pixels
        if any(abs(x - y) > 40 for x, y in zip(pa, pb, strict=True)):
            return False
    return True


def test_model_epub_and_print_copies_are_upright(make_edition, tmp_path):
    data = sideways_jpeg()
    folder = make_edition({"articles/one.md": ARTICLE, "images/side.jpg": data})
    problems = Problems()
    edition = read_edition(folder, problems)
    problems.raise_if_errors()
    image = edition.articles[0].figures[0].image
    assert (image.width, image.height) == (200, 400)  # as shown, not as stored
    want = upright(data)
    assert want.size == (200, 400)

    from publisher.publish import publish

    result = publish(folder, tmp_path / "out", formats=["epub"])
    epub = next(p for p in result.files if p.suffix == ".epub")
    with zipfile.ZipFile(epub) as z:
        name = next(n for n in z.namelist() if n.startswith("EPUB/images/photo-"))
        copy = z.read(name)
    with Image.open(io.BytesIO(copy)) as im:
        assert im.getexif().get(0x0112) in (None, 1)
        assert same_picture(im.convert("RGB"), want)

    from publisher.config import load_settings

    cmyk = to_cmyk(image.data, check_profile(load_settings().output_profile))
    with Image.open(io.BytesIO(cmyk)) as im:
        assert im.mode == "CMYK" and im.getexif().get(0x0112) in (None, 1)
        assert same_picture(im.convert("RGB"), want)


def test_the_check_can_fail():
    """same_picture tells a sideways copy from an upright one."""
    data = sideways_jpeg()
    with Image.open(io.BytesIO(data)) as stored:
        assert not same_picture(stored.convert("RGB").rotate(90, expand=True), upright(data))
