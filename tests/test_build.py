"""End to end: the sample edition builds into a valid EPUB and a good reading PDF."""

from __future__ import annotations

import hashlib
import zipfile

import pikepdf
import pypdfium2 as pdfium
import pytest

from publisher.publish import publish
from publisher.sources import read_edition

ID = "xnrb-2019-10-21-xianan"


def test_epub_mimetype_first_and_stored(sample_build):
    with zipfile.ZipFile(sample_build / f"{ID}.epub") as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"


def test_pdf_embeds_every_font(sample_build):
    with pikepdf.open(sample_build / f"{ID}.pdf") as pdf:
        seen = 0
        for page in pdf.pages:
            for _, font in (page.Resources.get("/Font") or {}).items():
                seen += 1
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                desc = descendant.FontDescriptor
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
        assert seen > 0


def _pdf_text(path) -> str:
    doc = pdfium.PdfDocument(path)
    try:
        return "".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def test_pdf_headlines_extract_as_the_original_text(sample_build, sample_dir):
    text = _pdf_text(sample_build / f"{ID}.pdf").replace("\r", "").replace("\n", "").replace(" ", "")
    edition = read_edition(sample_dir)
    for article in edition.articles:
        if article.headline:
            assert article.headline.replace(" ", "") in text, article.headline


def test_pdf_bookmarks_one_per_page_and_article(sample_build, sample_dir):
    edition = read_edition(sample_dir)
    with pikepdf.open(sample_build / f"{ID}.pdf") as pdf, pdf.open_outline() as outline:
        top = outline.root
        assert [item.title for item in top] == [
            f"{p.display_label} {p.name}" for p in edition.pages]
        for item, page in zip(top, edition.pages, strict=True):
            assert [c.title for c in item.children] == [a.title for a in page.articles]


def test_pdf_has_page_numbers(sample_build):
    doc = pdfium.PdfDocument(sample_build / f"{ID}.pdf")
    try:
        assert len(doc) >= 3
        last_lines = doc[1].get_textpage().get_text_range().strip().splitlines()
        assert last_lines[-1].strip() == "2"
    finally:
        doc.close()


def test_weasyprint_subsets_with_harfbuzz():
    """Without libharfbuzz-subset0 WeasyPrint falls back to fontTools: 10x slower."""
    from publisher.config import load_settings
    from publisher.engine import load
    from publisher.fonts import load_fonts

    wp = load(load_fonts(load_settings().fonts_dir))
    from weasyprint.text.ffi import harfbuzz_subset

    assert wp and harfbuzz_subset is not None


def _digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def test_two_builds_are_byte_identical(sample_build, sample_rebuild):
    """Every output of every format, built twice from copies lying in two places into two
    folders: the same bytes (the photos' URLs, which name the images in the PDFs, must not
    carry the edition's folder)."""
    first = _digests(sample_build)
    assert {f"{ID}.epub", f"{ID}.pdf", f"{ID}-print.pdf", "print/p01.pdf", "archive/bagit.txt",
            "archive/data/mets.xml", "archive/data/alto/p01.xml"} <= set(first)
    assert _digests(sample_rebuild) == first


@pytest.mark.parametrize("fmt", ["epub", "pdf"])
def test_format_selection_writes_only_that_format(make_edition, tmp_path, fmt):
    result = publish(make_edition(), tmp_path / "out", [fmt])
    assert [p.suffix for p in result.files] == [f".{fmt}"]


def _struct_counts(node, acc, alts):
    if isinstance(node, pikepdf.Dictionary):
        if "/S" in node:
            tag = str(node.S)
            acc[tag] = acc.get(tag, 0) + 1
            if tag == "/Figure":
                alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            for kid in kids:
                _struct_counts(kid, acc, alts)
        elif isinstance(kids, pikepdf.Dictionary):
            _struct_counts(kids, acc, alts)
    return acc


def test_reading_pdf_is_tagged_for_accessibility(sample_build, sample_dir):
    """PDF/UA-1: language, title shown, a structure tree with one Art per article, alt text."""
    edition = read_edition(sample_dir)
    with pikepdf.open(sample_build / f"{ID}.pdf") as pdf:
        assert str(pdf.Root.Lang) == "zh-Hans"
        assert pdf.Root.MarkInfo.Marked
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        assert pdf.open_metadata().get("dc:title") == edition.title
        assert pdf.open_metadata()["pdfuaid:part"] == "1"
        alts: list[str] = []
        counts = _struct_counts(pdf.Root.StructTreeRoot, {}, alts)
        assert counts.get("/Art", 0) >= len(edition.articles)
        figures = [f for a in edition.articles for f in a.figures if f.image]
        assert alts == [f.alt_text for f in figures]
        links = [a for page in pdf.pages for a in (page.get("/Annots") or []) if a.Subtype == "/Link"]
        assert len(links) >= len(edition.articles)  # the contents page links every article


def test_reading_pdf_typography_counts_are_zero(sample_build):
    """TYPOGRAPHY.md's measurable checks, read back from the PDF: all zero, lines flush."""
    from publisher.typography import measure

    report = measure(sample_build / f"{ID}.pdf")
    assert report.counts() == dict.fromkeys(report.COUNTS, 0), report.details[:10]
    assert report.justified_lines > 50
    assert report.flush_lines == report.justified_lines


def test_check_command_on_outputs(sample_build):
    from typer.testing import CliRunner

    from publisher.cli import app

    result = CliRunner().invoke(app, ["check", "--typography", str(sample_build / f"{ID}.pdf")])
    assert result.exit_code == 0, result.output
    assert "wide pairs" in result.output
