"""The typography stress edition (tests/typeset/stress-edition), built like any edition.

Mixed Latin and digits, every pair of a bracket or quote with each pause mark, quotes inside
brackets, 𠮷 (U+20BB7), URLs and e-mail addresses in narrow columns, very short and very long
paragraphs, briefs with attributions. On its reading PDF (A4) and its print PDF (a broadsheet
page, articles placed automatically: the edition gives no layout) every TYPOGRAPHY.md count is
0, at least 99 % of the non-final body lines are flush on both edges, and the text read back
from each PDF holds every paragraph exactly as the typeset pass left it.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path

import pytest

from publisher.model import Brief, Paragraph
from publisher.sources import read_edition
from publisher.typeset import to_html
from publisher.typography import _columns, _read_chars, measure

STRESS = Path(__file__).resolve().parent / "stress-edition"
ID = "stress-2019-10-21"
URL = "https://www.xianning.gov.cn/zwgk/xxgkml/2019/10/21/a-very-long-path-segment-without-any-break/index.html?from=xnrb&issue=8216&page=1"
RARE = "𠮷𪚥"  # rare characters, each somewhere in the edition; 𪚥 (U+2A6A5) comes from the
# fallback face (fonts.toml role "fallback")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stress_build(tmp_path_factory) -> Path:
    from publisher.publish import publish

    out = tmp_path_factory.mktemp("stress-build")
    publish(STRESS, out, ["pdf", "print"])
    return out / ID


PDFS = {"reading": f"{ID}.pdf", "print": f"{ID}-print.pdf"}


def _typeset_text(text: str) -> str:
    """The text of ``text`` after the typeset pass: its markup without the tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(to_html(text, keep_end=True))))


def _paragraphs(article) -> list[str]:
    out = []
    for block in article.body:
        if isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Brief):
            out.append(block.text + ("（" + "、".join(block.attribution) + "）" if block.attribution else ""))
    return out


@pytest.mark.parametrize("which", PDFS)
def test_every_count_is_zero_and_lines_are_flush(stress_build, which):
    report = measure(stress_build / PDFS[which])
    assert report.counts() == dict.fromkeys(report.COUNTS, 0), report.details[:10]
    assert report.justified_lines > 50
    assert report.flush_both_lines / report.justified_lines >= 0.99, report.details[:10]


@pytest.mark.parametrize("which", PDFS)
def test_text_read_back_is_the_typeset_source(stress_build, which):
    # The characters in the body size, in the order pdfium reads them (page numbers and
    # running heads between two parts of a paragraph left out).
    pages = list(_read_chars(stress_build / PDFS[which]))
    sizes = Counter(round(c.size, 1) for _, _, chars, _ in pages for c in chars)
    body = sizes.most_common(1)[0][0]
    text = "".join(c.char for _, _, chars, _ in pages for c in chars if round(c.size, 1) == body)
    text = re.sub(r"\s+", "", text)
    edition = read_edition(STRESS)
    paragraphs = 0
    for article in edition.articles:
        position = 0
        for paragraph in _paragraphs(article):
            expected = _typeset_text(paragraph)
            assert expected == paragraph  # the typeset pass inserts and drops nothing
            expected = re.sub(r"\s+", "", expected)
            found = text.find(expected, position)
            assert found >= 0, f"{article.slug}: {paragraph[:30]}… not read back whole"
            position = found + len(expected)
            paragraphs += 1
    assert paragraphs >= 25
    for char in RARE:  # not side by side in the edition
        assert char in text, f"U+{ord(char):04X} not read back"


def test_urls_break_inside_the_narrow_print_columns(stress_build):
    """The long URL is set over several lines of its column, none past the column's edge."""
    for index, _boxes, chars, _ in _read_chars(stress_build / PDFS["print"]):
        body = [c for c in chars if round(c.size, 1) == 9.0]
        columns = _columns(index, body, 9.0)
        holding = [col for col in columns if any("xianning.gov" in line.text for line in col.lines)]
        assert len(holding) == 1
        (col,) = holding
        lines = [line.text for line in col.lines]
        start = next(i for i, t in enumerate(lines) if "https://" in t)
        joined = "".join(lines[start:start + 8])
        assert URL in joined
        assert sum(1 for t in lines[start:start + 8] if any(part in t for part in ("xianning", "path", "index"))) >= 3
        assert col.right - col.left < 40 * 9.0  # a narrow column: under 40 em
