"""Regressions of publisher/engine/justify.py found by the typography measure, each rendered small.

* A character only the fallback face has (𪚥, U+2A6A5, BabelStone Han) is a Pango run of its own
  inside a text box; the TJ arrays WeasyPrint wrote around it held empty strings, after which
  pdfium (the Chromium viewer, and publisher.typography) dropped the array's last adjustment:
  every glyph after 𪚥 stood half a justification share to the left and the line ended short.
* ``overflow-wrap: anywhere`` cut a text box inside an inline box (a brief's
  ``<span class="brief-text">``) after its opening quote, because WeasyPrint took the box for
  the line's start: ``超载、“`` ended a line.

Both render through publisher.engine with the house stylesheets and the pinned fonts, and are
judged on the PDF as read back by pdfium.
"""

from __future__ import annotations

import ctypes
import itertools
from pathlib import Path

import pytest

from publisher.config import load_settings
from publisher.fonts import load_fonts
from publisher.typeset import to_html
from publisher.typography import measure
from tests.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
STYLES = ROOT / "styles"
RARE = "\U0002A6A5"  # 𪚥: only BabelStone Han (fonts.toml role "fallback") has it
FONT_SIZE = 10.0
# 9 characters of 10 pt a line and 5 pt to spread over its 8 gaps; the column starts at 20 pt.
MARGIN, WIDTH = 20.0, 95.0


@pytest.fixture(scope="module")
def fonts():
    return load_fonts(load_settings().fonts_dir)


def _render(fonts, body: str, path: Path, css: str) -> Path:
    from publisher.engine import Sandbox, render

    html = (f'<html lang="zh-Hans"><head><meta charset="utf-8"><style>{css}</style></head>'
            f"<body>{body}</body></html>")
    pdf = render(html, base_dir=path.parent, fonts=fonts, what="test PDF",
                 stylesheets=[STYLES / "base.css", STYLES / "typeset.css"],
                 sandbox=Sandbox((path.parent, STYLES, fonts.folder))).pdf
    path.write_bytes(pdf)
    return path


def _lines(pdf: Path) -> list[list[tuple[str, float]]]:
    """Each line of page 1 as (character, origin x in pt), astral characters whole."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(str(pdf))
    text = doc[0].get_textpage()
    lines: list[list[tuple[str, float]]] = []
    current: list[tuple[str, float]] = []
    baseline = None
    for i in range(text.count_chars()):
        code = raw.FPDFText_GetUnicode(text.raw, i)
        if 0xDC00 <= code < 0xE000 or raw.FPDFText_IsGenerated(text.raw, i) == 1:
            continue
        if 0xD800 <= code < 0xDC00:
            code = 0x10000 + ((code - 0xD800) << 10) + (raw.FPDFText_GetUnicode(text.raw, i + 1) - 0xDC00)
        char = chr(code)
        if char.isspace():
            continue
        x, y = ctypes.c_double(), ctypes.c_double()
        raw.FPDFText_GetCharOrigin(text.raw, i, x, y)
        if baseline is not None and abs(y.value - baseline) > 1:
            lines.append(current)
            current = []
        baseline = y.value
        current.append((char, x.value))
    lines.append(current)
    return lines


FALLBACK_CSS = f"""
@page {{ size: 150pt 200pt; margin: {MARGIN}pt; }}
body {{ font-size: {FONT_SIZE}pt; margin: 0; }}
p {{ width: {WIDTH}pt; text-align: justify; text-indent: 0; margin: 0; }}
"""
# 𪚥 mid-line, at a line's end, at the next line's start, then a short last line.
FALLBACK_LINES = ["龙龙龙龙" + RARE + "龙龙龙龙", "四个龙字合成的字" + RARE, RARE + "读作哲字音同哲学", "完了"]


def test_a_fallback_face_character_takes_its_whole_share(fonts, tmp_path):
    text = "".join(FALLBACK_LINES)
    pdf = _render(fonts, f'<p class="zh-text">{to_html(text)}</p>', tmp_path / "rare.pdf", FALLBACK_CSS)
    lines = _lines(pdf)
    assert ["".join(c for c, _ in line) for line in lines] == FALLBACK_LINES
    right = MARGIN + WIDTH
    share = (WIDTH - 9 * FONT_SIZE) / 8
    for line in lines[:-1]:
        gaps = [b - a for (_, a), (_, b) in itertools.pairwise(line)]
        # Every gap one em and one share, the fallback face's character like the others ...
        assert all(abs(g - (FONT_SIZE + share)) <= 0.1 for g in gaps), (line, gaps)
        # ... and the line flush with the column.
        assert abs(line[-1][1] + FONT_SIZE - right) <= 0.1, line
    report = measure(pdf, columns=[(MARGIN, right)])
    assert report.justified_lines == 3
    assert report.counts() == dict.fromkeys(report.COUNTS, 0), report.details
    assert report.flush_both_lines == 3
    assert report.text.replace(" ", "") == text


# The brief of the sample (香城简讯, 10月15日) whose phone-size line ended with “, and the same
# trap with a closing mark: a gap span (ABC) followed by 好，. Shifting the text by one
# character at a time puts 、“ and 好， at every place of a line, at its end among them.
BRIEF = "基层党组织建设、大幕乡非法盗采和超载、“四好农村路”建设情况、水利设施建设，ABC好，农业科技服务等。"
BREAK_CSS = f"""
@page {{ size: 170pt 1400pt; margin: {MARGIN}pt; }}
body {{ font-size: {FONT_SIZE}pt; line-height: 1.6; margin: 0; }}
p {{ width: 110pt; text-align: justify; text-indent: 2em; margin: 0; }}
"""


def test_no_forbidden_break_at_a_span_boundary_in_a_narrow_column(fonts, tmp_path):
    texts = ["一" * k + BRIEF for k in range(13)]
    # The text inside an inline box, as a brief's text is (<li><span class="brief-text">).
    body = "".join(f'<p class="zh-text"><span class="brief-text">{to_html(t, keep_end=True)}</span></p>'
                   for t in texts)
    assert '超载<span class="halt">、</span>“四' in body  # the quote opens a text box
    pdf = _render(fonts, body, tmp_path / "breaks.pdf", BREAK_CSS)
    lines = ["".join(c for c, _ in line) for line in _lines(pdf)]
    # The trap is hit, and the line breaks at the opportunity before it (载、“四 do not part).
    assert any(a.endswith("和超") and b.startswith("载、“四") for a, b in itertools.pairwise(lines))
    report = measure(pdf)
    assert report.forbidden_ends == report.forbidden_starts == 0, report.details
    assert report.counts() == dict.fromkeys(report.COUNTS, 0), report.details
    assert report.text.replace(" ", "") == "".join(texts).replace(" ", "")


@pytest.mark.slow
def test_phone_size_sample_reading_pdf_counts_are_zero(tmp_path):
    """The sample's reading PDF at the house's phone size (90 x 160 mm): every count 0."""
    from publisher.publish import publish

    settings = load_settings()
    settings = settings.model_copy(
        update={"reading": settings.reading.model_copy(update={"page_size": "phone"})})
    publish(SAMPLE, tmp_path, ["pdf"], settings=settings)
    (pdf,) = tmp_path.glob("*/*.pdf")
    report = measure(pdf)
    assert report.counts() == dict.fromkeys(report.COUNTS, 0), report.details[:10]
    assert report.justified_lines > 200
    assert report.flush_lines == report.justified_lines
