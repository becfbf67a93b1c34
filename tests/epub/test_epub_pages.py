"""Print page numbers in the EPUB: one page-break marker per print page (版), at the top of
that 版's own document (where the 版 starts in the reading order), labelled with the 版's
number; the nav page-list and the NCX pageList list exactly those markers, the same in both,
one entry each; pageBreakSource names the print edition (test_epub_package.py). The 下转
note of a jumped article, the anchor where print continues it and the later 版's contents
entry for it come from the make-up's plans (tests/makeup/test_jumps.py for the house's
automatic jumps)."""

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
    # where its text continues on 第2版 in print: an anchor, not a page-break marker (Ace wants
    # every marker in the page-list, whose labels stay one per 版), which 第2版's contents
    # list after its own articles, as print shows the rest there
    assert not markers(lead)
    [anchor] = lead.xpath("//*[@id='page-2-lead']")
    assert anchor.get("class") == "continued-here" and not "".join(anchor.itertext())
    page2 = every_block.doc("text/p02.xhtml")
    [link] = page2.xpath("//x:ol[@class='contents']/x:li[@class='continued']/x:a", namespaces=NS)
    assert link.get("href") == "a-lead.xhtml#page-2-lead"
    assert "".join(link.itertext()).startswith("（上接第1版）")


def test_a_paragraph_is_cut_for_an_anchor_at_a_count_of_printed_characters():
    """render.paragraph_parts: the cut counts printed characters (spaces not counted), keeps
    each run's style, and sets the markup between the parts; marks at 0 and past the end
    stand before and after the text."""
    from markupsafe import Markup

    from publisher.model import Paragraph, Run, RunStyle
    from publisher.render import paragraph_parts

    para = Paragraph((Run("本报 讯，"), Run("重要的", RunStyle.STRONG), Run("消息。")))
    parts = paragraph_parts(para, [(6, "<a/>"), (0, "<b/>"), (99, "<c/>")])
    assert parts == [
        (Markup("<b/>"), Paragraph((Run("本报 讯，"), Run("重要", RunStyle.STRONG)))),
        (Markup("<a/>"), Paragraph((Run("的", RunStyle.STRONG), Run("消息。")))),
        (Markup("<c/>"), Paragraph(())),
    ]
    assert paragraph_parts(para) == [(Markup(""), para)]
