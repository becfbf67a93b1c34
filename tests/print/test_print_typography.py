"""TYPOGRAPHY.md's counts on the sample's print PDF (a broadsheet, articles side by side)."""

from __future__ import annotations

import pytest

from publisher.typography import measure

pytestmark = pytest.mark.slow


def test_print_pdf_typography_counts_are_zero(print_build):
    report = measure(print_build / "xnrb-2019-10-21-xianan-print.pdf")
    assert report.counts() == dict.fromkeys(report.COUNTS, 0), report.details[:10]
    # Every body column of the page found and read: the sample page has some 370 body lines.
    assert report.justified_lines > 300
    assert report.flush_both_lines / report.justified_lines >= 0.99


def test_slug_outside_the_trim_is_not_overflow_but_text_in_the_bleed_is(print_build, tmp_path):
    """The slug line sits outside the bleed on purpose; a character moved into the bleed
    (cut at the trim when the sheet is guillotined) is counted."""
    import pikepdf

    source = print_build / "xnrb-2019-10-21-xianan-print.pdf"
    assert measure(source).overflow == 0
    with pikepdf.open(source) as pdf:
        page = pdf.pages[0]
        trim = [float(v) for v in page.obj.TrimBox]
        # Shrink the trim and bleed boxes by 30 mm on the left: body text now crosses them.
        shift = 30 * 72 / 25.4
        page.obj.TrimBox = pikepdf.Array([trim[0] + shift, trim[1], trim[2], trim[3]])
        bleed = [float(v) for v in page.obj.BleedBox]
        page.obj.BleedBox = pikepdf.Array([bleed[0] + shift, bleed[1], bleed[2], bleed[3]])
        pdf.save(tmp_path / "cut.pdf")
    assert measure(tmp_path / "cut.pdf").overflow > 0
