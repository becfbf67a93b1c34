"""publisher.photos: a huge photo is decoded no larger than an output needs, and every
output is made from the bytes the reader checked (tests/hostile/huge-photo-pdf and
huge-photo-web hold the memory this saves)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image as PILImage, ImageCms, ImageOps

from publisher.model import Figure, Image
from publisher.photos import READING_PPI, READING_ROOM, for_page, for_screen, in_srgb, scale_for
from publisher.web.images import PHOTO_LONG_SIDE, photo


def jpeg(w: int, h: int, orientation: int | None = None) -> bytes:
    im = PILImage.new("RGB", (w, h), (230, 40, 40))
    im.paste((20, 40, 230), (0, 0, w // 4, h))  # the left quarter blue, as stored
    exif = PILImage.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    im.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def image(data: bytes, path: Path = Path("/nowhere/photo.jpg")) -> Image:
    with PILImage.open(io.BytesIO(data)) as im:
        w, h = ImageOps.exif_transpose(im).size
    return Image(path=path, href="images/photo.jpg", width=w, height=h, media_type="image/jpeg", data=data)


def test_the_reading_pdf_gets_a_huge_photo_at_the_scale_its_page_needs_upright():
    data = jpeg(8000, 6000, orientation=6)  # shown 6000 x 8000
    out = for_page(image(data))
    with PILImage.open(io.BytesIO(out)) as im:
        assert im.size == (3000, 4000)  # 1/2: 1/4 would be under 300 ppi across A4's 210 mm
        assert im.getexif().get(0x0112) in (None, 1)
        top = im.convert("RGB").crop((0, 0, 3000, 500)).resize((1, 1)).getpixel((0, 0))
        assert isinstance(top, tuple) and top[2] > 150  # turned: the stored left quarter is on top
    assert scale_for((6000, 8000), READING_ROOM, READING_PPI) == 2


def test_ordinary_photos_go_to_the_reading_pdf_as_checked():
    small = jpeg(4000, 3000, orientation=6)  # 12 megapixels: not huge
    assert for_page(image(small)) == small


def test_the_web_photo_is_made_from_the_checked_bytes_a_huge_one_at_reduced_scale(tmp_path):
    on_disk = tmp_path / "photo.jpg"
    on_disk.write_bytes(jpeg(100, 100))  # swapped after the check: never read
    data = jpeg(8000, 6000)
    picture = image(data, on_disk)
    web, size = photo(Figure(caption="图", image=picture))
    assert size == (PHOTO_LONG_SIDE, 1200)
    # the same picture as the EPUB's, whatever the output asks of it
    assert web == for_screen(picture, PHOTO_LONG_SIDE, 82)[0]


def test_the_web_page_image_draws_a_photo_from_its_checked_bytes_when_they_are_srgb_already():
    """in_srgb: an upright JPEG, untagged, at its print copy's size: the checked bytes, not
    decoded; a CMYK photo: None (the page keeps its print copy)."""
    data = jpeg(1200, 800)
    assert in_srgb(image(data), (1200, 800)) == data
    cmyk = io.BytesIO()
    PILImage.new("CMYK", (40, 30), (0, 90, 90, 0)).save(cmyk, "JPEG")
    assert in_srgb(image(cmyk.getvalue()), (40, 30)) is None


def test_the_web_page_image_draws_a_sideways_or_huge_photo_upright_at_its_print_copys_size():
    sideways = in_srgb(image(jpeg(800, 600, orientation=6)), (600, 800))
    assert sideways is not None
    with PILImage.open(io.BytesIO(sideways)) as im:
        assert im.size == (600, 800) and im.getexif().get(0x0112) in (None, 1)
        top = im.convert("RGB").crop((0, 0, 600, 100)).resize((1, 1)).getpixel((0, 0))
        assert isinstance(top, tuple) and top[2] > 150  # the stored left quarter, on top
    # a huge photo at the scale its print copy was decoded at (printing.colour: 1/2 here)
    huge = in_srgb(image(jpeg(8000, 6000)), (4000, 3000))
    assert huge is not None
    with PILImage.open(io.BytesIO(huge)) as im:
        assert im.size == (4000, 3000)
    assert in_srgb(image(jpeg(800, 600)), (500, 300)) is None  # not the print copy's size


def test_the_web_page_image_draws_a_tagged_photo_in_srgb():
    """A photo in Adobe RGB (1998) is converted to sRGB by its profile, not shown as if its
    numbers were sRGB's."""
    a98 = Path("/usr/share/color/icc/ghostscript/a98.icc")
    colour = (60, 150, 90)
    out = io.BytesIO()
    PILImage.new("RGB", (64, 48), colour).save(out, "JPEG", quality=95, icc_profile=a98.read_bytes())
    shown = in_srgb(image(out.getvalue()), (64, 48))
    assert shown is not None
    with PILImage.open(io.BytesIO(shown)) as im:
        assert "icc_profile" not in im.info and im.mode == "RGB"
        pixel = im.getpixel((32, 24))
    expected = ImageCms.profileToProfile(PILImage.new("RGB", (1, 1), colour), str(a98),
                                         ImageCms.createProfile("sRGB"),
                                         renderingIntent=ImageCms.Intent.PERCEPTUAL)
    assert expected is not None
    want = expected.getpixel((0, 0))
    assert isinstance(pixel, tuple) and isinstance(want, tuple)
    assert max(abs(a - b) for a, b in zip(pixel, want, strict=True)) <= 4
    assert max(abs(a - b) for a, b in zip(want, colour, strict=True)) > 15  # the test can tell
