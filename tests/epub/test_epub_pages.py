"""Print page numbers in the EPUB: one page-break marker per print page (版), at the top of
that 版's own document (where the 版 starts in the reading order), labelled with the 版's
number; the nav page-list and the NCX pageList list exactly those markers, the same in both,
one entry each; pageBreakSource names the print edition (test_epub_package.py). The 下转
note of a jumped article, and the marker of the page where print continues it, come from
the make-up's plans (tests/makeup/test_jumps.py for the house's automatic jumps)."""

from __future__ import annotations

import dataclasses

from publisher.epub import continued_on, page_markers
from publisher.sources import read_edition

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}


def markers(doc):
    return [(s.get("id"), s.get("aria-label"))
            for s in doc.xpath("//*[@epub:type='pagebreak']", namespaces=NS)]


def nav_page_list(epub):
    return [(a.get("href"), "".join(a.itertext()))
            for a in epub.nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)]


def ncx_page_list(epub):
    return [(t.get("value"), t.get("type"), t.xpath("./ncx:navLabel/ncx:text/text()", namespaces=NS)[0],
             t.xpath("./ncx:content/@src", namespaces=NS)[0])
            for t in epub.ncx.xpath("//ncx:pageList/ncx:pageTarget", namespaces=NS)]


def test_one_marker_per_print_page_at_the_top_of_its_own_document(every_block, sample_epub,
                                                                  every_block_dir, sample_dir):
    for epub, folder in ((every_block, every_block_dir), (sample_epub, sample_dir)):
        edition = read_edition(folder)
        found = {href: markers(doc) for href, doc in epub.content_docs().items() if markers(doc)}
        # besides, inside a jumped article, a marker where print continues it (its own id)
        jumps = {href: marks for href, marks in found.items() if href.startswith("text/a-")}
        assert all(id.startswith("page-") and id.count("-") >= 2 for m in jumps.values() for id, _ in m)
        found = {href: marks for href, marks in found.items() if href not in jumps}
        assert found == {f"text/{p.file_label}.xhtml": [(f"page-{p.number}", str(p.number))]
                         for p in edition.pages}
        for page in edition.pages:
            doc = epub.doc(f"text/{page.file_label}.xhtml")
            [marker] = doc.xpath("//*[@epub:type='pagebreak']", namespaces=NS)
            assert marker.get("role") == "doc-pagebreak"
            assert not "".join(marker.itertext())  # empty: readers show no text for it
            # nothing of the 版 comes before it: it precedes the page head
            assert marker.xpath("following::x:h1[@class='page-head']", namespaces=NS)
            assert not marker.xpath("preceding::x:body//text()[normalize-space()]", namespaces=NS)


def test_nav_and_ncx_list_each_print_page_once_the_same_way(every_block, sample_epub):
    for epub in (every_block, sample_epub):
        nav = nav_page_list(epub)
        ncx = ncx_page_list(epub)
        assert nav == [(src, label) for _, _, label, src in ncx]
        labels = [label for _, label in nav]
        assert all(label.isdigit() for label in labels) and len(set(labels)) == len(labels)
        assert [value for value, *_ in ncx] == labels
        assert {kind for _, kind, _, _ in ncx} == {"normal"}
    assert nav_page_list(every_block) == [("text/p01.xhtml#page-1", "1"), ("text/p02.xhtml#page-2", "2")]
    assert every_block.ncx.xpath("//ncx:meta[@name='dtb:totalPageCount']/@content", namespaces=NS) == ["2"]
    assert every_block.ncx.xpath("//ncx:meta[@name='dtb:maxPageNumber']/@content", namespaces=NS) == ["2"]


def test_page_list_targets_are_the_markers(every_block, sample_epub):
    for epub in (every_block, sample_epub):
        for href, label in nav_page_list(epub):
            file, frag = href.split("#")
            [target] = epub.doc(file).xpath(f"//*[@id='{frag}']")
            assert target.get("{http://www.idpf.org/2007/ops}type") == "pagebreak"
            assert target.get("aria-label") == label


def test_sample_print_page_is_the_page_the_articles_are_printed_on(sample_epub, sample_dir, sample_build):
    """The page the sample's page list names is the print PDF's page holding its articles."""
    import pypdfium2 as pdfium

    edition = read_edition(sample_dir)
    pdf = pdfium.PdfDocument((sample_build / f"{edition.id}-print.pdf").read_bytes())
    squash = lambda t: "".join(t.split())  # noqa: E731 - lines break anywhere in print
    for (href, label), page in zip(nav_page_list(sample_epub), edition.pages, strict=True):
        text = squash(pdf[int(label) - 1].get_textpage().get_text_range())
        assert href == f"text/{page.file_label}.xhtml#page-{page.number}"
        for article in page.articles:
            assert squash(article.title)[:8] in text, article.slug


def test_labels_are_numbers_whatever_the_page_is_called(every_block_dir):
    """A 版 printed as "B02" is still listed as page 2: its number (unique, numeric)."""
    edition = read_edition(every_block_dir)
    pages = list(edition.pages)
    pages[1] = dataclasses.replace(pages[1], label="B02")
    edition = dataclasses.replace(edition, pages=tuple(pages))
    assert [(m.label, m.href) for m in page_markers(edition)] == [("1", "p01.xhtml#page-1"),
                                                                  ("2", "p02.xhtml#page-2")]
    # the jump line still says where, as printed
    assert continued_on(edition) == {"lead": ("B02",)}


def test_a_jumped_article_says_where_it_continues(every_block):
    lead = every_block.doc("text/a-lead.xhtml")
    assert "下转第2版" in "".join(lead.xpath("//x:div[@class='page-tag']//text()", namespaces=NS))
    # where its text continues on 第2版 in print: a marker of that page, not in the page-list
    assert markers(lead) == [("page-2-lead", "2")]
    assert ("text/a-lead.xhtml#page-2-lead", "2") not in nav_page_list(every_block)
