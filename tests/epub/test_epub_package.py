"""The package document: bibliographic metadata, the series, the page source, EPUB
Accessibility 1.1 metadata, the cover, and the Apple Books display options."""

from __future__ import annotations

import datetime as dt
import uuid

from lxml import etree

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def dc(epub, name):
    return [e.text for e in epub.opf.xpath(f"//opf:metadata/dc:{name}", namespaces=NS)]


def test_bibliographic_metadata(sample_epub):
    assert dc(sample_epub, "title") == ["咸宁日报·咸安版 2019年10月21日"]
    assert dc(sample_epub, "date") == ["2019-10-21"]
    assert dc(sample_epub, "publisher") == ["咸宁日报社"]
    assert dc(sample_epub, "language") == ["zh-Hans"]
    assert sample_epub.meta("dcterms:modified") == ["2019-10-21T00:00:00Z"]  # the issue date, not now


def test_identifier_is_deterministic_and_unique_identifier(sample_epub, sample_dir):
    from publisher.epub import identifier
    from publisher.sources import read_edition

    uid_ref = sample_epub.opf.get("unique-identifier")
    ident = sample_epub.opf.xpath(f"//dc:identifier[@id='{uid_ref}']/text()", namespaces=NS)
    assert ident == [identifier(read_edition(sample_dir))]
    assert uuid.UUID(ident[0].removeprefix("urn:uuid:")).version == 5


def test_issue_is_a_position_in_the_papers_series(sample_epub, every_block):
    for epub, name, number in ((sample_epub, "咸宁日报", "8216"), (every_block, "测试日报", "9001")):
        coll = epub.opf.xpath("//opf:meta[@property='belongs-to-collection']", namespaces=NS)
        assert [c.text for c in coll] == [name]
        ref = "#" + coll[0].get("id")
        refines = {m.get("property"): m.text
                   for m in epub.opf.xpath(f"//opf:meta[@refines='{ref}']", namespaces=NS)}
        assert refines["collection-type"] == "series"
        assert refines["group-position"] == number
    # the ISSN, where the paper has one, identifies the series
    assert "urn:issn:1234-5679" in every_block.meta("dcterms:identifier")


def test_print_edition_is_the_page_source(sample_epub):
    [source] = sample_epub.meta("pageBreakSource")
    assert "印刷版" in source and "2019年10月21日" in source
    assert dc(sample_epub, "source") == [source]


def test_accessibility_metadata(sample_epub):
    meta = sample_epub.meta
    assert set(meta("schema:accessMode")) == {"textual", "visual"}
    assert meta("schema:accessModeSufficient") == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "pageNavigation", "pageBreakMarkers",
            "alternativeText", "readingOrder"} <= set(meta("schema:accessibilityFeature"))
    assert meta("schema:accessibilityHazard") == ["none"]
    [summary] = meta("schema:accessibilitySummary")
    assert len(summary) > 40
    assert meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert meta("a11y:certifiedBy") == ["咸宁日报社"]


def test_cover_image_property_and_cover_page(sample_epub):
    [img] = sample_epub.item("contains(@properties, 'cover-image')")
    assert img.get("media-type") == "image/jpeg"
    # EPUB 2 style pointer for Kobo's and Kindle's library thumbnails
    assert sample_epub.opf.xpath("//opf:meta[@name='cover']/@content", namespaces=NS) == [img.get("id")]
    [page] = sample_epub.item("@id='cover'")
    assert "svg" in page.get("properties").split()
    assert sample_epub.opf.xpath("//opf:spine/opf:itemref[1]/@idref", namespaces=NS) == ["cover"]
    doc = sample_epub.doc(page.get("href"))
    x = {"x": "http://www.w3.org/1999/xhtml", "svg": "http://www.w3.org/2000/svg",
         "xlink": "http://www.w3.org/1999/xlink", "epub": "http://www.idpf.org/2007/ops"}
    assert doc.xpath("//x:body/@epub:type", namespaces=x) == ["cover"]
    [href] = doc.xpath("//svg:svg/svg:image/@xlink:href", namespaces=x)
    assert href == "../" + img.get("href")
    [svg] = doc.xpath("//svg:svg", namespaces=x)
    assert svg.get("preserveAspectRatio") == "xMidYMid meet"
    assert doc.xpath("//svg:svg/svg:title/text()", namespaces=x)  # its text alternative


def test_apple_books_uses_the_embedded_fonts(sample_epub):
    options = etree.fromstring(sample_epub.read("META-INF/com.apple.ibooks.display-options.xml"))
    assert options.xpath("//option[@name='specified-fonts']/text()") == ["true"]


def test_no_wall_clock_date_anywhere(sample_epub):
    today = dt.date.today().isoformat()
    for name in sample_epub.names:
        if name.endswith((".opf", ".xhtml", ".ncx", ".css", ".xml")):
            assert today not in sample_epub.read(name).decode("utf-8"), name
    for info in sample_epub.zip.infolist():
        assert info.date_time[:3] == (2019, 10, 21), info.filename


def test_mimetype_first_and_stored(sample_epub):
    import zipfile

    first = sample_epub.zip.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert sample_epub.read("mimetype") == b"application/epub+zip"
    assert sample_epub.data[30:38] == b"mimetype"  # the first local header names it


def test_the_cover_page_is_outside_the_reading_order(sample_epub, every_block):
    """Kindle and Apple Books show the cover image themselves: a linear cover page would be
    a second cover inside the book. It stays the first spine item (Kobo) and the cover
    landmark."""
    for epub in (sample_epub, every_block):
        refs = epub.opf.xpath("//opf:spine/opf:itemref", namespaces=NS)
        assert (refs[0].get("idref"), refs[0].get("linear")) == ("cover", "no")
        assert all(r.get("linear") in (None, "yes") for r in refs[1:])
        assert epub.nav.xpath("//*[local-name()='a'][@*[local-name()='type']='cover']/@href") == ["text/cover.xhtml"]
