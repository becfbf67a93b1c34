"""publisher.typography.measure finds each fault it counts (every check can fail)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from publisher.typeset import to_html
from publisher.typography import measure

NOTO_SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
pytestmark = pytest.mark.skipif(not NOTO_SERIF.exists(), reason="needs Noto Serif CJK")

CSS = """
@page { size: A5; margin: 20mm 18mm; }
body { font-family: "Noto Serif CJK SC"; font-size: 10.5pt; line-height: 1.6; margin: 0; }
p { text-align: justify; text-indent: 2em; margin: 0; }
.pre { white-space: pre-line; }
"""
TYPESET_CSS = (Path(__file__).resolve().parents[2] / "styles" / "typeset.css").read_text(encoding="utf-8")
FILLER = "咸安区外学内创，以党建引领小区治理，把城市居民小区作为基层治理的基本单元和工作着力点。" * 3


def pdf(tmp_path: Path, body: str) -> Path:
    import weasyprint

    html = (f'<html lang="zh-Hans"><head><meta charset="utf-8"><style>{TYPESET_CSS}{CSS}</style>'
            f"</head><body>{body}</body></html>")
    out = tmp_path / "t.pdf"
    weasyprint.HTML(string=html).write_pdf(out)
    return out


def test_clean_page_counts_nothing(tmp_path):
    report = measure(pdf(tmp_path, f"<p>{to_html(FILLER)}</p>"))
    assert report.lines >= 3 and report.ok
    assert report.text == FILLER


def test_forbidden_start_end_and_split_dash(tmp_path):
    body = '<p class="pre">中文\n，开头的行\n结尾是“\n下一行——\n破折号—\n—分开</p>'
    report = measure(pdf(tmp_path, body))
    assert report.forbidden_starts == 1
    assert report.forbidden_ends == 1
    assert report.split_marks == 1


def test_unsqueezed_mark_pairs_are_counted(tmp_path):
    text = "他说：“好。”然后（见《报》），" * 6
    plain = measure(pdf(tmp_path, f"<p>{text}</p>"))
    assert plain.wide_pairs >= 12
    squeezed = measure(pdf(tmp_path, f"<p>{to_html(text)}</p>"))
    assert squeezed.wide_pairs == 0, squeezed.details


@pytest.mark.skipif(not shutil.which("fc-list"), reason="needs fontconfig")
def test_notdef_is_counted(tmp_path):
    # U+2EBF0 (CJK Extension I, Unicode 15.1): no pinned face has it, nor BabelStone Han,
    # which fonts-babelstone-han installs system-wide and which covers 𪚥 U+2A6A5
    covered = subprocess.run(["fc-list", ":charset=2ebf0", "family"], capture_output=True, text=True).stdout
    if covered.strip():
        pytest.skip(f"a font covers U+2EBF0 here: {covered.strip()}")
    report = measure(pdf(tmp_path, "<p>扩展I：\U0002EBF0。吉：𠮷。</p>"))
    assert report.notdef == 1, report.details
    assert "U+2EBF0" in " ".join(report.details)
    assert "\U0002EBF0" in report.text and "𠮷" in report.text


def test_overflow_is_counted(tmp_path):
    report = measure(pdf(tmp_path, f'<p style="white-space: nowrap">{"溢出" * 40}</p><p>{FILLER}</p>'))
    assert report.overflow > 0


def test_ragged_lines_are_counted_against_given_columns(tmp_path):
    # Not justified at all: every non-final line falls short of the true column edge.
    path = pdf(tmp_path, f'<p style="text-align: left">{FILLER}</p>')
    column = (18 * 72 / 25.4, 148 * 72 / 25.4 - 18 * 72 / 25.4)
    report = measure(path, columns=[column])
    assert report.justified_lines >= 2
    assert report.ragged == report.justified_lines
