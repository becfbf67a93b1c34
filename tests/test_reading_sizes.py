"""The reading PDF in its two sizes: A4 (the house default) and phone (90 x 160 mm), chosen in
[tool.publisher.reading] page_size or with `publisher build --page-size`."""

from __future__ import annotations

import pikepdf
import pytest
from typer.testing import CliRunner

from publisher.cli import app

MM = 72 / 25.4


@pytest.mark.parametrize("size, expected_mm", [("A4", (210, 297)), ("phone", (90, 160))])
def test_page_size_option_sets_every_page(make_edition, tmp_path, size, expected_mm):
    edition = make_edition()
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(edition), "--out", str(out), "-f", "pdf",
                                      "--page-size", size])
    assert result.exit_code == 0, result.output
    with pikepdf.open(out / "test-2019-10-21" / "test-2019-10-21.pdf") as pdf:
        assert len(pdf.pages) >= 2  # the contents page, then the articles
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
            assert (round((x1 - x0) / MM), round((y1 - y0) / MM)) == expected_mm


def test_an_unknown_size_is_refused(make_edition, tmp_path):
    result = CliRunner().invoke(app, ["build", str(make_edition()), "--out", str(tmp_path / "o"),
                                      "--page-size", "A5"])
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()
