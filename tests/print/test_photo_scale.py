"""Huge photos go to print decoded at reduced scale, only as far as the page can use them."""

from __future__ import annotations

import io

from PIL import Image

from publisher.config import load_settings
from publisher.printing.colour import PRINT_PPI, check_profile, print_scale, to_cmyk

BROADSHEET = (350.0, 497.0)  # the default house's type area, mm
TABLOID = (232.0, 342.0)


def test_the_scale_keeps_the_print_resolution_across_the_type_area():
    assert print_scale((8000, 6000), BROADSHEET) == 2  # 4000 px over 350 mm: 290 ppi
    assert print_scale((6000, 8000), BROADSHEET) == 2  # upright, as wide as the area allows
    assert print_scale((8000, 6000), TABLOID) == 4
    assert print_scale((4000, 3000), BROADSHEET) == 1  # 2000 px would be under 203 ppi
    for size in ((8000, 6000), (6000, 8000), (9000, 6600), (8000, 1000)):
        for room in (BROADSHEET, TABLOID):
            s = print_scale(size, room)
            width, height = size[0] // s, size[1] // s
            across = width * min(room[0] / width, room[1] / height) / 25.4  # inches
            assert width / across >= PRINT_PPI, (size, room, s)
            if s < 8:  # and the next smaller scale would fall short
                assert (size[0] // (2 * s)) / across < PRINT_PPI, (size, room, s)


def _sideways(width: int, height: int) -> bytes:
    """A JPEG stored ``width`` x ``height``, left quarter blue, EXIF orientation 6 (turn 90°)."""
    im = Image.new("RGB", (width, height), (230, 40, 40))
    im.paste((20, 40, 230), (0, 0, width // 4, height))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    im.save(out, "JPEG", quality=95, exif=exif.tobytes(), dpi=(300, 300))
    return out.getvalue()


def test_a_huge_photo_is_decoded_smaller_as_shown_upright():
    """Scaled by its shown shape (1200 x 1600 in a 40 x 60 mm room: 320 px needed, 1/2),
    not its stored one (which would allow 1/4), turned upright, its inches kept."""
    profile = check_profile(load_settings().output_profile)
    data = _sideways(1600, 1200)
    with Image.open(io.BytesIO(to_cmyk(data, profile, room=(40, 60)))) as im:
        assert im.mode == "CMYK" and im.size == (600, 800)
        assert im.info["dpi"] == (150, 150)
        top = im.convert("RGB").getpixel((300, 20))
        assert isinstance(top, tuple)
        assert top[2] > 150 and top[0] < 120  # the blue quarter is on top once upright
    with Image.open(io.BytesIO(to_cmyk(data, profile))) as im:  # no room given: full size
        assert im.size == (1200, 1600) and im.info["dpi"] == (300, 300)
