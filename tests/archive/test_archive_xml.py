"""ALTO, METS and NITF of the sample bag: valid against their schemas, and true to the page.

The ALTO claims are checked against the page PDFs themselves, read back with pdfium: the
text of the Strings is the page's text in order, and the ink of every character lies
inside the Glyph box ALTO gives it.
"""

from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from lxml import etree

from publisher.archive import schemas

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
METS = "{http://www.loc.gov/METS/}"
NITF = "{http://iptc.org/std/NITF/2006-10-18/}"
XLINK = "{http://www.w3.org/1999/xlink}"
MM10_PER_PT = 254 / 72


def _alto(archive_bag):
    return etree.parse(str(archive_bag / "data" / "alto" / "p01.xml"))


def _box(el):
    return tuple(float(el.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))


def _inside(inner, outer, tol=0.001):
    x, y, w, h = inner
    X, Y, W, H = outer
    return X - tol <= x and Y - tol <= y and x + w <= X + W + tol and y + h <= Y + H + tol


# ---------------------------------------------------------------- schemas


def test_every_alto_file_is_valid_alto_4(archive_bag):
    files = sorted((archive_bag / "data" / "alto").glob("*.xml"))
    assert files
    for path in files:
        assert schemas.validate(schemas.alto(), path.read_bytes()) == [], path


def test_the_mets_file_is_valid_mets(archive_bag):
    data = (archive_bag / "data" / "mets.xml").read_bytes()
    assert schemas.validate(schemas.mets(), data) == []


def test_every_nitf_file_is_valid_against_the_nitf_subset(archive_bag):
    files = sorted((archive_bag / "data" / "nitf").glob("*.xml"))
    assert len(files) == 9
    for path in files:
        assert schemas.validate(schemas.nitf(), path.read_bytes()) == [], path


@pytest.mark.parametrize("schema, bad", [
    ("alto", b'<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page ID="P1" '
             b'PHYSICAL_IMG_NR="1"><PrintSpace><TextBlock ID="B1"><TextLine><String/></TextLine>'
             b'</TextBlock></PrintSpace></Page></Layout></alto>'),
    ("mets", b'<mets:mets xmlns:mets="http://www.loc.gov/METS/"><mets:fileSec/></mets:mets>'),
    ("nitf", b'<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><body><body.content>'
             b'<media/></body.content></body></nitf>'),
])
def test_the_schemas_reject_invalid_documents(schema, bad):
    assert schemas.validate(getattr(schemas, schema)(), bad)


def test_a_missing_schema_package_is_an_error_that_says_how_to_install(monkeypatch):
    from publisher.errors import ConfigError

    missing = schemas.SchemaFile("ALTO 4.4", "no-such-distribution", "x.xsd", "")
    with pytest.raises(ConfigError, match="not installed") as info:
        schemas.locate(missing)
    assert "requirements/schemas.txt" in (info.value.problems[0].hint or "")


def test_a_schema_that_is_not_the_pinned_one_is_refused():
    from publisher.errors import ConfigError

    changed = schemas.SchemaFile("ALTO 4.4", schemas.ALTO.distribution, schemas.ALTO.member,
                                 "0" * 64)
    with pytest.raises(ConfigError, match="not the pinned one"):
        schemas.locate(changed)


# ---------------------------------------------------------------- ALTO is true to the page


def test_every_string_lies_inside_its_page_its_block_and_its_line(archive_bag):
    doc = _alto(archive_bag)
    assert doc.findtext(f"{ALTO}Description/{ALTO}MeasurementUnit") == "mm10"
    n = 0
    for page in doc.iter(f"{ALTO}Page"):
        page_box = (0.0, 0.0, float(page.get("WIDTH")), float(page.get("HEIGHT")))
        for block in page.iter(f"{ALTO}TextBlock"):
            assert _inside(_box(block), page_box)
            for line in block.iter(f"{ALTO}TextLine"):
                assert _inside(_box(line), _box(block))
                for string in line.iter(f"{ALTO}String"):
                    n += 1
                    assert _inside(_box(string), page_box), string.get("ID")
                    assert _inside(_box(string), _box(block)), string.get("ID")
                    glyphs = string.findall(f"{ALTO}Glyph")
                    assert "".join(g.get("CONTENT") for g in glyphs) == string.get("CONTENT")
                    for g in glyphs:
                        assert _inside(_box(g), _box(string))
    assert n > 100


def _pdf_chars(page):
    """(char, x-centre, y-centre from the top, box) of every character pdfium reads, in order."""
    textpage = page.get_textpage()
    height = page.get_height()
    out = []
    for k in range(textpage.count_chars()):
        if pdfium_raw.FPDFText_IsGenerated(textpage.raw, k):
            continue  # spaces pdfium synthesises from gaps are not in the PDF
        ch = chr(pdfium_raw.FPDFText_GetUnicode(textpage.raw, k))
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        pdfium_raw.FPDFText_GetCharBox(textpage.raw, k, left, right, bottom, top)
        box = (left.value, right.value, bottom.value, top.value)
        out.append((ch, (left.value + right.value) / 2, height - (bottom.value + top.value) / 2, box))
    return out


def test_alto_text_is_the_page_text_in_reading_order(archive_bag):
    pdf = pdfium.PdfDocument(archive_bag / "data" / "pages" / "p01.pdf")
    pages = list(_alto(archive_bag).iter(f"{ALTO}Page"))
    assert len(pages) == len(pdf)
    for pdf_page, alto_page in zip(pdf, pages, strict=True):
        pdf_text = re.sub(r"\s+", "", "".join(c[0] for c in _pdf_chars(pdf_page)))
        alto_text = "".join(s.get("CONTENT") for s in alto_page.iter(f"{ALTO}String"))
        assert alto_text == pdf_text
        assert len(alto_text) > 50


def test_every_glyph_box_holds_the_ink_of_its_character(archive_bag):
    """pdfium's box of each character (its ink) is centred inside the ALTO Glyph box.

    Where the font draws several characters as one glyph (the two dashes of "——"),
    pdfium gives each the whole glyph's box: such a cluster is checked against the
    union of its characters' Glyph boxes.
    """
    pdf = pdfium.PdfDocument(archive_bag / "data" / "pages" / "p01.pdf")
    total = 0
    for pdf_page, alto_page in zip(pdf, _alto(archive_bag).iter(f"{ALTO}Page"), strict=True):
        chars = [c for c in _pdf_chars(pdf_page) if not c[0].isspace()]
        glyphs = list(alto_page.iter(f"{ALTO}Glyph"))
        assert len(glyphs) == len(chars)
        assert [g.get("CONTENT") for g in glyphs] == [c[0] for c in chars]
        i = 0
        while i < len(chars):
            j = i + 1
            while j < len(chars) and chars[j][3] == chars[i][3]:
                j += 1  # one drawn glyph for characters i..j-1
            boxes = [[v / MM10_PER_PT for v in _box(g)] for g in glyphs[i:j]]
            x1 = min(b[0] for b in boxes)
            x2 = max(b[0] + b[2] for b in boxes)
            y1 = min(b[1] for b in boxes)
            y2 = max(b[1] + b[3] for b in boxes)
            _, cx, cy, _ = chars[i]
            assert x1 - 0.01 <= cx <= x2 + 0.01 and y1 <= cy <= y2, (chars[i][0], i)
            total += j - i
            i = j
    assert total > 4000


# ---------------------------------------------------------------- METS ties it together


def test_mets_lists_pages_in_order_with_their_files(archive_bag):
    mets = etree.parse(str(archive_bag / "data" / "mets.xml"))
    phys = mets.find(f"{METS}structMap[@TYPE='PHYSICAL']")
    pages = phys.findall(f"{METS}div/{METS}div")
    assert [p.get("ORDERLABEL") for p in pages] == ["第1版"]
    assert [f.get("FILEID") for f in pages[0].findall(f"{METS}fptr")] == ["PDF_p01", "ALTO_p01"]


def test_mets_articles_point_at_their_parts_in_alto(archive_bag):
    mets = etree.parse(str(archive_bag / "data" / "mets.xml"))
    alto_ids = {e.get("ID") for e in _alto(archive_bag).iter() if e.get("ID")}
    log = mets.find(f"{METS}structMap[@TYPE='LOGICAL']")
    articles = log.findall(f"{METS}div/{METS}div[@TYPE='article']")
    assert len(articles) == 9
    feature = next(a for a in articles if a.get("ID") == "LOG_jiceng-zhili")
    parts = [d.get("TYPE") for d in feature.findall(f"{METS}div")]
    assert parts == ["HEADLINE", "SUBTITLE", "BYLINE", "BODY", "SUBHEAD"]
    for area in log.iter(f"{METS}area"):
        assert area.get("FILEID") == "ALTO_p01"
        assert area.get("BEGIN") in alto_ids
    photo = next(a for a in articles if a.get("ID") == "LOG_shuihulu")
    assert "CAPTION" in [d.get("TYPE") for d in photo.findall(f"{METS}div")]


def test_mets_blocks_hold_the_article_text(archive_bag):
    """The headline block METS names for an article holds that article's headline."""
    mets = etree.parse(str(archive_bag / "data" / "mets.xml"))
    alto = _alto(archive_bag)
    blocks = {b.get("ID"): b for b in alto.iter(f"{ALTO}TextBlock")}
    div = mets.find(f".//{METS}div[@ID='LOG_jiceng-zhili_headline']")
    ids = [a.get("BEGIN") for a in div.iter(f"{METS}area")]
    text = "".join(s.get("CONTENT") for i in ids for s in blocks[i].iter(f"{ALTO}String"))
    assert text == "打通基层治理最末端"


# ---------------------------------------------------------------- NITF carries the article


def test_nitf_carries_every_text_of_its_article(archive_bag, sample_dir):
    from publisher.errors import Problems
    from publisher.sources import read_edition

    edition = read_edition(sample_dir, Problems())
    for article in edition.articles:
        root = etree.parse(str(archive_bag / "data" / "nitf" / f"{article.slug}.xml")).getroot()
        text = "".join(root.find(f"{NITF}body").itertext())
        squeezed = re.sub(r"\s+", "", text)
        for piece in article.texts():
            assert re.sub(r"\s+", "", piece) in squeezed, (article.slug, piece)
        assert root.find(f"{NITF}head/{NITF}pubdata").get("issue") == "8216"


# PDF/A claims, trim size and the associated sources: test_archive_print_pages.py
