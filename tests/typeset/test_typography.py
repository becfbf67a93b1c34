"""publisher.typography.measure finds each fault it counts (every check can fail)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from publisher.typeset import to_html
from publisher.typography import measure

pytestmark = pytest.mark.usefixtures("noto_serif")

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


# --- A lone character on a paragraph's last line ---------------------------------------------

# With CSS above the column holds 30.24 em; a 2 em indent leaves 28 characters on the first
# line, 30 on the others: 58 characters and a 。 leave one character and 。 on the last line.
LONE = ("咸安区外学内创以党建引领小区治理把城市居民小区作为基层治理的基本单元和工作着力点" * 2)[:58] + "。"


def _justified_pdf(tmp_path, body):
    from publisher import engine

    was = engine.installed()
    engine.install()
    try:
        return pdf(tmp_path, body)
    finally:
        if not was:
            engine.uninstall()


def test_lone_last_character_is_counted_and_kept_away(tmp_path):
    plain = measure(_justified_pdf(tmp_path, f"<p>{to_html(LONE)}</p><p>{FILLER}</p>"))
    assert plain.lone_last == 1, plain.details
    assert "lone" in " ".join(plain.details)
    kept = measure(_justified_pdf(tmp_path, f"<p>{to_html(LONE, keep_end=True)}</p><p>{FILLER}</p>"))
    assert kept.lone_last == 0 and kept.ok, kept.details
    assert kept.text == LONE + FILLER  # the span inserts nothing


def test_check_command_prints_lone_last(tmp_path):
    from typer.testing import CliRunner

    from publisher.cli import app

    path = _justified_pdf(tmp_path, f"<p>{to_html(LONE)}</p><p>{FILLER}</p>")
    result = CliRunner().invoke(app, ["check", "--typography", str(path)])
    assert result.exit_code == 1
    assert "lone last" in result.output


# --- Line-end marks: full or half width --------------------------------------------------------

@pytest.mark.parametrize("mode", ["full", "half"])
def test_line_end_marks(tmp_path, mode):
    """With "half", a justified line ending in a closing mark lets its blank half hang past the
    column edge (the glyph's ink ends at the edge); with "full" the whole em stays inside."""
    from publisher.typography import _body_lines, _read_chars

    # Lines of 28 (indented) and 30 characters that end with ，
    text = (("基层治理的基本单元" * 4)[:27] + "，" + (("居民小区作为基本单元" * 3)[:29] + "，") * 4
            + "结束了。")
    html = f'<div style="--line-end-marks: {mode}"><p>{to_html(text, keep_end=True)}</p></div>'
    path = _justified_pdf(tmp_path, html)
    column = (18 * 72 / 25.4, 148 * 72 / 25.4 - 18 * 72 / 25.4)
    report = measure(path, columns=[column])
    assert report.ok and report.flush_lines == report.justified_lines >= 4, report.details
    (_, _, chars, _), = list(_read_chars(path))
    lines = [line for lines in _body_lines(0, chars, 10.5) for line in lines][:-1]
    ending = [line for line in lines if line.text.endswith("，")]
    assert len(ending) >= 2
    hang = 10.5 / 2 if mode == "half" else 0.0
    for line in ending:  # the mark's full em ends half an em past the column edge, or at it
        assert line.right - column[1] == pytest.approx(hang, abs=0.5), line.text
    for line in lines:
        if not line.text.endswith("，"):
            assert line.right == pytest.approx(column[1], abs=0.5)
