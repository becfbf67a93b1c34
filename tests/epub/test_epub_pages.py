"""Print page numbers in the EPUB: page-break markers at the start of each article (one per
print page it is on), a nav page-list referencing every marker in reading order (as DAISY
Ace requires) and an NCX pageList naming every print page once with the right article, from
the print layout's pages when the build has them (``print_pages``) or from the model
(版 number + continued_on) when it has not."""

from __future__ import annotations

import dataclasses

import pytest

from publisher.config import load_settings
from publisher.epub import build_epub, page_breaks, print_pages_from_model
from publisher.errors import RenderError
from publisher.fonts import load_fonts
from publisher.sources import read_edition

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}


def markers(doc):
    return [(s.get("id"), s.get("aria-label"))
            for s in doc.xpath("//*[@epub:type='pagebreak']", namespaces=NS)]


def page_list(epub):
    return [(a.get("href"), "".join(a.itertext()))
            for a in epub.nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)]


def ncx_page_list(epub):
    return [(t.get("value"), t.get("type"), t.xpath("./ncx:navLabel/ncx:text/text()", namespaces=NS)[0],
             t.xpath("./ncx:content/@src", namespaces=NS)[0])
            for t in epub.ncx.xpath("//ncx:pageList/ncx:pageTarget", namespaces=NS)]


def test_model_pages_with_a_jump(every_block_dir):
    edition = read_edition(every_block_dir)
    assert print_pages_from_model(edition) == {
        "lead": (1, 2), "news": (1,), "photo": (1,), "briefs": (2,), "second": (2,)}


def test_every_article_starts_with_its_print_page_markers(every_block):
    expected = {"lead": [("page-1", "第1版"), ("page-2", "第2版")], "news": [("page-1", "第1版")],
                "photo": [("page-1", "第1版")], "briefs": [("page-2", "第2版")],
                "second": [("page-2", "第2版")]}
    for slug, marks in expected.items():
        doc = every_block.doc(f"text/a-{slug}.xhtml")
        assert markers(doc) == marks
        for el in doc.xpath("//*[@epub:type='pagebreak']", namespaces=NS):
            assert el.get("role") == "doc-pagebreak"
            # at the start of the article, before its headline
            assert el.getparent().tag == f"{{{NS['x']}}}article"
            assert el.xpath("following::*[contains(@class,'headline')]", namespaces=NS)
    # the jumped article says where it continues
    lead = every_block.doc("text/a-lead.xhtml")
    assert "下转第2版" in "".join(lead.xpath("//x:p[@class='page-tag']//text()", namespaces=NS))


def test_page_list_references_every_marker_in_reading_order(every_block):
    assert page_list(every_block) == [
        ("text/a-lead.xhtml#page-1", "第1版"), ("text/a-lead.xhtml#page-2", "第2版"),
        ("text/a-news.xhtml#page-1", "第1版"), ("text/a-photo.xhtml#page-1", "第1版"),
        ("text/a-briefs.xhtml#page-2", "第2版"), ("text/a-second.xhtml#page-2", "第2版")]
    every_marker = [f"text/{href}#{mid}" for href, doc in
                    ((h.removeprefix("text/"), d) for h, d in every_block.content_docs().items())
                    for mid, _ in markers(doc)]
    assert sorted(every_marker) == sorted(href for href, _ in page_list(every_block))


def test_ncx_page_list_names_each_print_page_once_at_the_first_article_that_begins_there(every_block):
    assert ncx_page_list(every_block) == [("1", "normal", "第1版", "text/a-lead.xhtml#page-1"),
                                          ("2", "normal", "第2版", "text/a-briefs.xhtml#page-2")]
    assert every_block.ncx.xpath("//ncx:meta[@name='dtb:totalPageCount']/@content", namespaces=NS) == ["2"]
    assert every_block.ncx.xpath("//ncx:meta[@name='dtb:maxPageNumber']/@content", namespaces=NS) == ["2"]


def test_page_list_targets_exist(every_block, sample_epub):
    for epub in (every_block, sample_epub):
        for href, label in page_list(epub) + [(src, label) for _, _, label, src in ncx_page_list(epub)]:
            file, frag = href.split("#")
            doc = epub.doc(file)
            [target] = doc.xpath(f"//*[@id='{frag}']")
            assert target.get("{http://www.idpf.org/2007/ops}type") == "pagebreak"
            assert target.get("aria-label") == label


def test_sample_page_list_against_the_model_and_the_print_pdf(sample_epub, sample_dir, sample_build):
    """Every print page of the sample is listed, at the first article of that 版, and each
    listed article's headline is on that page of the print PDF."""
    import pypdfium2 as pdfium

    edition = read_edition(sample_dir)
    assert page_list(sample_epub) == [(f"text/a-{a.slug}.xhtml#page-{p.number}", p.display_label)
                                      for p in edition.pages for a in p.articles]
    assert [(src, label) for _, _, label, src in ncx_page_list(sample_epub)] == \
        [(f"text/a-{p.articles[0].slug}.xhtml#page-{p.number}", p.display_label) for p in edition.pages]
    pdf = pdfium.PdfDocument((sample_build / f"{edition.id}-print.pdf").read_bytes())
    pages = {p.number: pdf[i].get_textpage().get_text_range() for i, p in enumerate(edition.pages)}
    squash = lambda t: "".join(t.split())  # noqa: E731 - lines break anywhere in print
    for href, _ in page_list(sample_epub):
        slug, number = href.split("a-", 1)[1].split(".xhtml#page-")
        title = next(a for a in edition.articles if a.slug == slug).title
        assert squash(title) in squash(pages[int(number)]), (slug, number)


@pytest.fixture(scope="module")
def every_block_model(every_block_dir):
    return read_edition(every_block_dir)


def test_print_pages_from_the_print_layout_win(every_block_model, every_block_dir, open_epub):
    """The seam for the print layout: what it says is what the EPUB lists."""
    settings = load_settings()
    fonts = load_fonts(settings.fonts_dir)
    layout = {"lead": (1,), "news": (1, 2), "photo": (1,), "briefs": (2,), "second": (2,)}
    epub = open_epub(build_epub(every_block_model, settings, fonts, print_pages=layout))
    assert markers(epub.doc("text/a-lead.xhtml")) == [("page-1", "第1版")]
    assert markers(epub.doc("text/a-news.xhtml")) == [("page-1", "第1版"), ("page-2", "第2版")]
    assert [src for *_, src in ncx_page_list(epub)] == ["text/a-lead.xhtml#page-1", "text/a-briefs.xhtml#page-2"]


def test_a_page_only_continued_on_is_listed_at_the_continuation(every_block_model):
    layout = {"lead": (1, 2), "news": (1,), "photo": (1,), "briefs": (1,), "second": (1,)}
    breaks = page_breaks(every_block_model, layout)
    from publisher.epub import page_targets

    assert [(b.number, b.file, b.begins) for b in page_targets(every_block_model, breaks)] == \
        [(1, "a-lead.xhtml", True), (2, "a-lead.xhtml", False)]


@pytest.mark.parametrize("layout, message", [
    ({"lead": (1,)}, "has no print page"),
    ({"lead": (1,), "news": (7,), "photo": (1,), "briefs": (2,), "second": (2,)}, "print page 7"),
])
def test_bad_print_pages_are_errors(every_block_model, layout, message):
    with pytest.raises(RenderError, match=message):
        page_breaks(every_block_model, layout)


def test_page_labels_follow_the_printed_label(every_block_model):
    pages = list(every_block_model.pages)
    pages[1] = dataclasses.replace(pages[1], label="B02")
    edition = dataclasses.replace(every_block_model, pages=tuple(pages))
    breaks = page_breaks(edition, print_pages_from_model(edition))
    assert [b.label for b in breaks["lead"]] == ["第1版", "B02"]
