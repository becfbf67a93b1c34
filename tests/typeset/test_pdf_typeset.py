"""publisher/engine/typeset.py: the typeset pass's halts, CJK–Latin gaps and paragraph ends set by
WeasyPrint's text layout from the text, with no spans in the PDFs' markup.

The render tests read the PDF back with pypdfium2 (publisher.typography) and compare with the
same text set from the EPUB's span markup, which WeasyPrint lays out with CSS alone.
"""

from __future__ import annotations

import itertools
import statistics
import unicodedata
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

from publisher import engine  # noqa: E402
from publisher.engine.typeset import TextPlan, utf8_offsets  # noqa: E402
from publisher.typeset import normalize, to_html  # noqa: E402
from publisher.typography import _lines, _read_chars, measure  # noqa: E402
from tests.conftest import SEED_PAGE as SEED  # noqa: E402

TYPESET_CSS = ROOT / "styles" / "typeset.css"
SIZE = 10.5  # pt
# A5 with 18 mm side margins: a column of 30.24 em, so every line has spare width to spread.
COLUMN = (18 * 72 / 25.4, 148 * 72 / 25.4 - 18 * 72 / 25.4)
PAGE_CSS = f"""
@page {{ size: A5; margin: 20mm 18mm; }}
:root {{ --cjk-latin-space: quarter; }}
body {{ font-family: "Noto Serif CJK SC"; font-size: {SIZE}pt; line-height: 1.6; margin: 0; }}
p, li {{ text-align: justify; margin: 0; }}
p {{ text-indent: 2em; }}
ul {{ list-style: none; padding: 0; margin: 0; }}
"""

render_needs_fonts = pytest.mark.usefixtures("noto_serif")


# --- The plan, pure ----------------------------------------------------------------------------

def plan(**kw) -> TextPlan:
    base: dict[str, Any] = dict(halt=(), left=(), right=(), keep=None, gap=4.0)
    return TextPlan(**{**base, **{k: tuple(sorted(v)) if k in ("halt", "left", "right") else v
                                  for k, v in kw.items()}})


def test_slice_is_a_window():
    p = plan(halt={2, 9}, left={5}, right={3, 8}, keep=7)
    line = p.slice(3)
    assert (line.halts(), line.gap_sides(), line.kept_from()) == (
        [6], {0: (False, True), 2: (True, False), 5: (False, True)}, 4)
    piece = p.slice(3, 6)  # the kept end starts after the piece
    assert (piece.halts(), piece.gap_sides(), piece.kept_from()) == (
        [], {0: (False, True), 2: (True, False)}, None)
    assert p.slice(8, 12).kept_from() == 0  # inside the kept end
    assert p.slice(3).slice(2, 4).gap_sides() == {0: (True, False)}  # a window of a window


def test_byte_offsets_of_a_window():
    # Pango counts UTF-8 bytes: a window's offsets start at its own first character.
    text = "a中𠮷b。"
    p = plan(utf8=tuple(utf8_offsets(text)))
    assert p.utf8 == (0, 1, 4, 8, 9, 12)
    assert [p.slice(1).byte_offset(i) for i in range(5)] == [0, 3, 7, 8, 11]
    assert p.slice(1).slice(1).byte_offset(1) == 4


@pytest.mark.parametrize(("p", "length", "room", "gaps", "correction"), [
    # 用Python写 as a piece of 8: 用 (0) has its gap on the right, 写 (7) on the left.
    (plan(right={0}, left={7}), 8, None, {0: (0, 4.0), 7: (4.0, 0)}, 2.0),
    # Pango measured half of 写's left gap (it drops the right half at the line end): the rest
    # is added when the line has room, as much as it has.
    (plan(right={0}, left={7}), 8, 1.5, {0: (0, 4.0), 7: (3.5, 0)}, 1.5),
    (plan(right={0}, left={7}), 8, 0.0, {0: (0, 4.0), 7: (2.0, 0)}, 0.0),
    # A line that breaks at a gap: no gap at its end, and the half Pango measured goes.
    (plan(right={4}), 5, None, {}, -2.0),
    # 年 between 2019 and 10, gapped on both sides, last: Pango kept its left half exactly.
    (plan(left={4}, right={4}), 5, None, {4: (4.0, 0)}, 0.0),
    # Inside the piece: both gaps drawn, nothing to correct; a left gap at the start never.
    (plan(left={0, 3}, right={3}), 6, 0.0, {3: (4.0, 4.0)}, 0.0),
    (plan(left={2}), 1, None, {}, 0.0),
])
def test_draw_gaps(p, length, room, gaps, correction):
    assert p.draw_gaps(length, room) == (gaps, correction)


# --- The markup for WeasyPrint -------------------------------------------------------------------

def test_engine_markup_keeps_only_the_long_strings_span():
    text = "他说：“好！”（见《人民日报》）用Python写，网址https://www.xianning.gov.cn/news/index.html。"
    spans = to_html(text, keep_end=True)
    engine = to_html(text, keep_end=True, engine=True)
    assert all(c in spans for c in ('class="halt"', 'class="cl-4s cl-4e"', 'class="keep-end"'))
    assert engine.count("<span") == 1
    assert '<span class="cl-4s brk">https://www.xianning.gov.cn/news/index.html</span>' in engine
    assert engine.striptags() == spans.striptags() == text


# --- Rendered --------------------------------------------------------------------------------------

def seed_paragraphs() -> list[str]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return [normalize(line) for line in lines if len(line) > 40 and not line.startswith(("#", "○"))]


STRESS = [normalize(p) for p in [
    "咸安区在2018年投入了1,000万元,GDP增长7.5%,使用Python 3.11和WeasyPrint 70.0生成PDF。",
    '他说:"好!"(见《人民日报》2019年10月1日第3版)。"我们(小区)很好,真的!"她说。',
    "ABC公司CEO张三表示,iPhone 11 Pro与Mate 30在Q3季度销量分别为1200万台和800万台,同比增长12.5%和25%。",
]]


def document(body: str, extra_css: str = "") -> str:
    css = TYPESET_CSS.read_text(encoding="utf-8") + PAGE_CSS + extra_css
    return (f'<html lang="zh-Hans"><head><meta charset="utf-8"><style>{css}</style></head>'
            f"<body>{body}</body></html>")


def spans_html(paragraphs, extra_css="") -> str:
    """The EPUB's way: span markup, outside any element that asks for --cjk-typeset."""
    return document("".join(f"<p>{to_html(p, keep_end=True)}</p>" for p in paragraphs), extra_css)


def engine_html(paragraphs, extra_css="") -> str:
    """The PDFs' way: no spans but long strings', in an article (styles/typeset.css)."""
    body = "".join(f"<p>{to_html(p, keep_end=True, engine=True)}</p>" for p in paragraphs)
    return document(f"<article>{body}</article>", extra_css)


def write(html: str, path: Path) -> Path:
    import weasyprint

    was = engine.installed()
    engine.install()
    try:
        weasyprint.HTML(string=html).write_pdf(path)
    finally:
        if not was:
            engine.uninstall()
    return path


def lines(pdf: Path):
    return [line for page, _, chars, _ in _read_chars(pdf) for line in _lines(page, chars)]


def han(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF" and unicodedata.category(char).startswith("L")


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pdf_typeset")
    paragraphs = seed_paragraphs() + STRESS
    return (paragraphs, write(spans_html(paragraphs), tmp / "spans.pdf"),
            write(engine_html(paragraphs), tmp / "engine.pdf"))


@render_needs_fonts
def test_engine_sets_the_text_as_the_spans_did(both):
    # The same line breaks, but where the span markup lost room: a line that starts with a
    # Latin run had its gap padding measured (and only then trimmed), so the engine may fit a
    # character more there. Every character of the other lines is within 0.15 pt of where the
    # spans put it (the spans' lines drifted up to 0.4 pt, see test_flush_to_a_tenth_of_a_point).
    _, spans, engine = both
    a, b = lines(spans), lines(engine)
    assert "".join(line.text for line in a) == "".join(line.text for line in b)
    assert len(a) == len(b) > 150
    same = [(la, lb) for la, lb in zip(a, b, strict=True) if la.text == lb.text]
    assert len(same) >= 0.98 * len(a)
    for la, lb in zip(a, b, strict=True):
        if la.text != lb.text:
            assert la.chars[0].char.isascii() and len(lb.text) > len(la.text), (la.text, lb.text)
            break  # the lines after it in the paragraph are shifted by what moved up
    worst = max(abs(ca.x - cb.x) for la, lb in same for ca, cb in zip(la.chars, lb.chars, strict=True))
    assert worst < 0.15


@render_needs_fonts
def test_engine_typography_counts_and_no_character_inserted(both):
    paragraphs, _, engine = both
    report = measure(engine, columns=[COLUMN])
    assert report.counts() == dict.fromkeys(report.COUNTS, 0), report.details
    assert report.flush_lines == report.justified_lines > 140
    assert report.text.replace(" ", "") == "".join(paragraphs).replace(" ", "")


@render_needs_fonts
def test_gaps_are_a_quarter_em_on_their_side_only(both):
    # 用Python写: the gap stands between 用 and P (and n and 写), a quarter em on top of the
    # line's justification; the Han characters around it keep the line's own spacing (a gap
    # laid out as Pango letter spacing would put an eighth of an em on each side of 用).
    paragraphs, _, engine = both
    source = "".join(paragraphs)
    han_latin, deviations = [], []
    for line in lines(engine):
        chars = line.chars
        shares = [(b.x - a.x - a.size) / a.size for a, b in itertools.pairwise(chars)
                  if han(a.char) and han(b.char)]
        if len(shares) < 5:
            continue
        share = statistics.median(shares)
        for a, b in itertools.pairwise(chars):
            if han(a.char) and b.char.isascii() and b.char.isalnum() and f"{a.char} {b.char}" not in source:
                han_latin.append((b.x - a.x - a.size) / a.size - share / 2)
            if han(a.char) and han(b.char) and f"{a.char} {b.char}" not in source:
                deviations.append(abs((b.x - a.x - a.size) / a.size - share))
    assert len(han_latin) > 20
    assert all(abs(gap - 0.25) < 0.005 for gap in han_latin), sorted(han_latin)
    assert max(deviations) < 0.01


@render_needs_fonts
def test_halts_across_elements_and_at_line_edges(tmp_path):
    # A brief and its attribution: 。 ends one element and （ opens the next; the engine decides
    # halts over the whole block, so the pair takes 1.5 em, not 2.
    brief = ('<ul><li><span class="brief-text">区委常委会召开会议，研究部署激励干部担当作为。</span>'
             '<span class="attribution">（刘琼）</span></li></ul>')
    pdf = write(document(f"<article>{brief}</article>", "li { text-align: left; }"),
                tmp_path / "brief.pdf")
    chars = [c for line in lines(pdf) for c in line.chars]
    stop = next(i for i, c in enumerate(chars) if c.char == "。")
    assert chars[stop + 1].char == "（"
    assert chars[stop + 2].x - chars[stop].x == pytest.approx(1.5 * chars[stop].size, abs=0.05)


@render_needs_fonts
def test_gap_never_at_a_line_edge(tmp_path):
    # A 10 em column: the first line is ten Han characters and breaks where the Latin run
    # starts, so its gap would stand at the line's end and the next line's start: it does not,
    # and the line still holds its ten characters (Pango needed room for the gap's letter
    # spacing to fit 十: engine/typeset.py tries again with it). Set as the span markup sets it.
    css = ("@page { size: 80mm 60mm; margin: 10mm; } article, body > p { width: 10em; }"
           " p { text-indent: 0; }")
    text = "一二三四五六七八九十ABCD二三四五六七八九十一二三四五六七八九十。"
    engine = lines(write(engine_html([text], css), tmp_path / "edge.pdf"))
    spans = lines(write(spans_html([text], css), tmp_path / "edge-spans.pdf"))
    assert [line.text for line in engine] == [line.text for line in spans]
    first, second = engine[:2]
    assert first.text == "一二三四五六七八九十"
    assert second.text.startswith("ABCD二")
    size = first.chars[0].size
    assert first.right == pytest.approx(first.chars[0].x + 10 * size, abs=0.1)
    assert second.chars[0].x == pytest.approx(first.chars[0].x, abs=0.1)
    for a, b in zip(engine, spans, strict=True):
        assert max(abs(ca.x - cb.x) for ca, cb in zip(a.chars, b.chars, strict=True)) < 0.15


@render_needs_fonts
def test_paragraph_end_is_kept_by_the_engine(tmp_path):
    # 21 characters in a 10 em column would leave 。 with one letter alone on a third line;
    # the engine (no keep-end span in the markup) brings the letter before it down.
    css = "@page { size: 80mm 60mm; margin: 10mm; } article { width: 10em; } p { text-indent: 0; }"
    text = "一二三四五六七八九十一二三四五六七八九十好。"
    markup = to_html(text, keep_end=True, engine=True)
    assert "keep-end" not in markup
    pdf = write(engine_html([text], css), tmp_path / "keep.pdf")
    assert [line.text for line in lines(pdf)] == ["一二三四五六七八九十", "一二三四五六七八九", "十好。"]


@render_needs_fonts
def test_flush_to_a_tenth_of_a_point(both):
    # The glyph adjustments are rounded with error diffusion (engine/patches/diffused_rounding.py): a
    # justified line ends where Pango put it, not up to 0.4 pt short.
    _, _, engine = both
    rights = []
    for line in lines(engine):
        if abs(line.right - COLUMN[1]) < 1.0:
            rights.append(abs(line.right - COLUMN[1]))
    assert len(rights) > 140
    assert max(rights) < 0.1


@render_needs_fonts
def test_justified_clusters_of_several_characters(tmp_path):
    # A base and its combining mark (José typed with U+0301) and a Latin ligature (office) are
    # one glyph cluster of several characters: the shares of the boundaries inside them go at
    # the cluster's end, so the lines still end at the column edge.
    css = "@page { size: 80mm 80mm; margin: 10mm; } article { width: 12.3em; } p { text-indent: 0; }"
    text = ("他在office里见到Jose\u0301和他的同事们一起讨论了今天的工作安排，大家都认为这个计划"
            "很好。我们在office里继续和Jose\u0301讨论明天的工作，直到很晚才离开办公室回家休息。")
    pdf = write(engine_html([text], css), tmp_path / "clusters.pdf")
    found = lines(pdf)
    read = "".join(line.text for line in found)
    assert unicodedata.normalize("NFC", read) == unicodedata.normalize("NFC", text)
    edge = max(line.right for line in found)
    for line in found[:-1]:
        assert line.right == pytest.approx(edge, abs=0.1), line.text
