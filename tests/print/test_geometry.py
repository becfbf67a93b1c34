"""Geometry and house settings of the print edition, and the masthead's lunar date."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from publisher.config import Print
from publisher.makeup.geometry import Geometry
from publisher.printing.lunar import lunar_date_zh


def test_broadsheet_defaults_and_tabloid_preset():
    assert Print().trim_mm == (390, 545)
    assert Print(trim="tabloid").trim_mm == (272, 390)
    assert Print(trim_size=(300, 420)).trim_mm == (300, 420)
    with pytest.raises(ValidationError):
        Print(trim="a3")  # type: ignore[arg-type]  # the point: an unknown trim is refused
    with pytest.raises(ValidationError):
        Print(bleed=-1)


def test_crop_marks_lie_outside_the_bleed_and_inside_the_sheet():
    g = Geometry.for_page(Print(), 1)
    w, h = g.trim_width, g.trim_height
    assert g.media == (w + 2 * g.outside, h + 2 * g.outside)
    marks = g.crop_marks()
    assert len(marks) == 8
    for m in marks:
        # Every stroke is beyond bleed + offset from the trim edge, and inside the media.
        if m.width == 0:  # vertical stroke above or below a corner
            assert m.bottom <= -(g.bleed + g.marks_offset) + 1e-9 or m.y >= h + g.bleed + g.marks_offset - 1e-9
            assert m.y >= -g.outside - 1e-9 and m.bottom <= h + g.outside + 1e-9
        else:
            assert m.right <= -(g.bleed + g.marks_offset) + 1e-9 or m.x >= w + g.bleed + g.marks_offset - 1e-9
            assert m.x >= -g.outside - 1e-9 and m.right <= w + g.outside + 1e-9


def test_grid_has_eight_equal_columns_filling_the_type_area():
    g = Geometry.for_page(Print(), 1)
    assert g.columns == 8
    assert g.span_width(8) == pytest.approx(g.type_area.width)
    assert g.column_x(7) + g.column_width == pytest.approx(g.type_area.right)


@pytest.mark.parametrize("date, expected", [
    (dt.date(2019, 10, 21), "农历己亥年九月廿三"),
    (dt.date(2020, 1, 25), "农历庚子年正月初一"),
    (dt.date(2020, 5, 23), "农历庚子年闰四月初一"),
    (dt.date(2023, 2, 10), "农历癸卯年正月二十"),
])
def test_lunar_date(date, expected):
    assert lunar_date_zh(date) == expected


def test_output_profile_must_be_cmyk():
    from pathlib import Path

    from publisher.errors import RenderError
    from publisher.printing.colour import check_profile

    check_profile(Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"))
    with pytest.raises(RenderError, match="not a CMYK profile"):
        check_profile(Path("/usr/share/color/icc/ghostscript/srgb.icc"))
    with pytest.raises(RenderError, match="cannot read the output profile"):
        check_profile(Path("/nonexistent.icc"))
