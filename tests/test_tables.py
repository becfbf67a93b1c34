"""Tables of figures (GFM pipe tables) are real tables in the model, the EPUB, the reading
PDF and the print page, set with the numbers of a column aligned on their right edge; a table
too wide for its print column is an error with its width, never pipes on the page."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from lxml import etree

from publisher.errors import Problems, RenderError
from publisher.model import Table
from publisher.publish import publish
from publisher.sources import read_edition
from publisher.sources.markdown import parse_body
from publisher.sources.writer import table_markdown

EDITION = Path(__file__).resolve().parent / "fixtures" / "editions" / "table-edition"
CELLS = ["上证指数", "4,049.29", "15,103.14", "3,859.75", "-1.27%", "6.8109", "+74"]
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("tables")
    messages: list[str] = []
    result = publish(EDITION, out, ["epub", "pdf", "print"], progress=messages.append)
    # the CLI shows these on a terminal: the print pages are told 版 by 版
    assert "print pages: made up 版 1 of 1 (第1版 证券)" in messages
    assert "print pages: rendered 版 1 of 1 (第1版 证券)" in messages
    return {p.name: p for p in result.files}


def test_table_in_the_model_and_back_through_the_native_format():
    ed = read_edition(EDITION)
    table = next(b for b in ed.articles[0].body if isinstance(b, Table))
    assert table.header == ("指数", "收盘（点）", "涨跌幅")
    assert [table.alignment(k) for k in range(3)] == ["left", "right", "right"]
    tricky = Table(("名称|代码", "*值*"), (("甲\\乙", "1"),), ())
    problems = Problems()
    back = parse_body(table_markdown(tricky), Path("x.md"), 0, problems, lambda *a: None, False)
    assert back == (tricky,) and not problems.items
    assert Table(("a", "b"), (("x", "1,234.5"),)).alignment(1) == "right"  # numbers: right
    assert Table(("a", "b"), (("x", "2026/1/13"),)).alignment(1) == "left"


def test_epub_holds_a_table_with_header_cells_and_aligned_numbers(built):
    epub = next(p for n, p in built.items() if n.endswith(".epub"))
    with zipfile.ZipFile(epub) as z:
        docs = [etree.fromstring(z.read(n)) for n in z.namelist() if n.endswith(".xhtml")]
    tables = [t for d in docs for t in d.iter(f"{XHTML}table")]
    assert len(tables) == 2
    first = tables[0]
    assert ["".join(th.itertext()) for th in first.iter(f"{XHTML}th")] == ["指数", "收盘（点）", "涨跌幅"]
    cells = {"".join(td.itertext()): td.get("class") for td in first.iter(f"{XHTML}td")}
    assert cells["4,049.29"] == "right num" and cells["上证指数"] == "left"
    assert all("|" not in "".join(d.itertext()) for d in docs)


def test_epub_with_tables_passes_epubcheck(built):
    from publisher.check import run_epubcheck

    epub = next(p for n, p in built.items() if n.endswith(".epub"))
    verdict = run_epubcheck(epub)
    assert verdict.clean, verdict.messages


def _cells(pdf: Path) -> dict[str, tuple[int, float, float, float, float]]:
    """Where each of CELLS is: (page, left, bottom, right, top) in pt, its first occurrence."""
    doc = pdfium.PdfDocument(str(pdf))
    found: dict[str, tuple[int, float, float, float, float]] = {}
    for n in range(len(doc)):
        text = doc[n].get_textpage()
        for cell in CELLS:
            if cell in found:
                continue
            hit = text.search(cell, match_case=True, match_whole_word=False).get_next()
            if hit is not None:
                start, count = hit
                boxes = [text.get_charbox(i) for i in range(start, start + count)]
                found[cell] = (n, min(b[0] for b in boxes), min(b[1] for b in boxes),
                               max(b[2] for b in boxes), max(b[3] for b in boxes))
    return found


@pytest.mark.parametrize("name", ["test-2026-06-12.pdf", "test-2026-06-12-print.pdf"])
def test_pdfs_set_the_table_with_numbers_aligned_right(built, name):
    cells = _cells(built[name])
    assert set(CELLS) <= set(cells), sorted(set(CELLS) - set(cells))
    column = [cells[c] for c in ("4,049.29", "15,103.14", "3,859.75")]
    assert len({c[0] for c in column}) == 1  # one page
    rights = [c[3] for c in column]
    assert max(rights) - min(rights) < 0.5  # one column of numbers, one right edge
    assert abs(column[0][1] - column[1][1]) > 2  # different widths: aligned right, not left
    # the rows in order: 上证 above 深证 above 创业板 (PDF y grows upward)
    assert column[0][2] > column[1][2] > column[2][2]


def test_reading_pdf_tags_the_table(built):
    with pikepdf.open(built["test-2026-06-12.pdf"]) as pdf:
        kinds: list[str] = []

        def walk(node, depth=0):
            if depth > 60:
                return
            if isinstance(node, pikepdf.Dictionary) and "/S" in node:
                kinds.append(str(node.S))
            kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
            if isinstance(kids, pikepdf.Array):
                for k in kids:
                    walk(k, depth + 1)
            elif isinstance(kids, pikepdf.Dictionary):
                walk(kids, depth + 1)

        walk(pdf.Root.StructTreeRoot)
    assert kinds.count("/Table") == 2 and "/TH" in kinds and "/TD" in kinds


def test_table_too_wide_for_its_print_column_is_an_error_with_its_width(tmp_path):
    edition = tmp_path / "ed"
    shutil.copytree(EDITION, edition)
    toml = edition / "edition.toml"
    toml.write_text(toml.read_text("utf-8").replace(
        '{ article = "huilv", columns = 4, column = 5, text_columns = 2 }',
        '{ article = "huilv", columns = 1, column = 5, text_columns = 1 }'), "utf-8")
    with pytest.raises(RenderError) as info:
        publish(edition, tmp_path / "out", ["print"])
    wide = [p for p in info.value.problems if p.code == "table-too-wide"]
    assert len(wide) == 1 and "huilv" in wide[0].message
    assert "mm wide; its print column on page 1 is 40 mm" in wide[0].message
    assert not (tmp_path / "out" / "test-2026-06-12").exists()
