"""ALTO, METS and NITF of the sample bag: valid against their schemas, and true to the page.

The ALTO claims are checked against the page PDFs themselves, read back with pdfium: the
text of the Strings is the page's text in order, and every Glyph's box is pdfium's box of
that character (tests/archive/altocheck.py); the geometry nests. METS is read back: each
article's MODS and its parts in reading order equal the edition's sources.
"""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
from lxml import etree

from publisher.archive import schemas

from . import altocheck

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
METS = "{http://www.loc.gov/METS/}"
NITF = "{http://iptc.org/std/NITF/2006-10-18/}"
XLINK = "{http://www.w3.org/1999/xlink}"
MODS = "{http://www.loc.gov/mods/v3}"
PREMIS = "{http://www.loc.gov/premis/v3}"


def _alto(archive_bag):
    return etree.parse(str(archive_bag / "data" / "alto" / "p01.xml"))


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
    strings, failures = altocheck.nesting_failures(doc)
    assert failures == []
    assert strings > 400


def test_every_string_of_the_16_page_edition_nests(big_bag):
    """Issue 23: 0 Strings outside their TextLine on the 16-版 edition (was 514 of 7,851)."""
    files = sorted((big_bag / "data" / "alto").glob("*.xml"))
    assert len(files) == 16
    total, failures = 0, []
    for path in files:
        strings, found = altocheck.nesting_failures(altocheck.parse(path))
        total += strings
        failures += [f"{path.name}: {f}" for f in found]
    assert failures == []
    assert total > 7000


def test_glyphs_are_where_pdfium_finds_the_characters(archive_bag):
    """Every character pdfium reads from the page PDF is the next ALTO Glyph, and its box
    is pdfium's box of that character within 0.1 mm (see altocheck.glyph_failures)."""
    checked, failures = altocheck.glyph_failures(_alto(archive_bag),
                                                 archive_bag / "data" / "pages" / "p01.pdf")
    assert failures == []
    assert checked > 4000


def test_glyphs_of_the_16_page_edition_are_where_pdfium_finds_them(big_bag):
    """Issue 23: glyph positions within 0.1 mm of the PDF's on the 16-版 edition (3.4 % were
    off by up to 1.9 mm: letter spacing and the CJK–Latin gap were put before the glyph)."""
    total, failures = 0, []
    for path in sorted((big_bag / "data" / "alto").glob("*.xml")):
        checked, found = altocheck.glyph_failures(
            altocheck.parse(path), big_bag / "data" / "pages" / f"{path.stem}.pdf")
        total += checked
        failures += [f"{path.name}: {f}" for f in found]
    assert failures[:20] == []
    assert total > 80000


def test_the_glyph_check_fails_on_glyphs_moved_by_their_spacing(archive_bag, tmp_path):
    """The check can fail: a Glyph put a quarter em before where it is drawn (as the CJK–Latin
    gap was) is reported."""
    doc = _alto(archive_bag)
    glyph = next(g for g in doc.iter(f"{ALTO}Glyph") if g.get("CONTENT") == "年")
    glyph.set("HPOS", f"{float(glyph.get('HPOS')) - 7.9:.2f}")  # 0.79 mm: a quarter em at 9 pt
    _, failures = altocheck.glyph_failures(doc, archive_bag / "data" / "pages" / "p01.pdf")
    assert failures and all(f.startswith("'年'") for f in failures)
    assert any("left edge" in f for f in failures)


def _pdf_chars(page):
    return [(c, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b) for c, b, _ in altocheck.pdf_chars(page)]


def test_alto_text_is_the_page_text_in_reading_order(archive_bag):
    pdf = pdfium.PdfDocument(archive_bag / "data" / "pages" / "p01.pdf")
    pages = list(_alto(archive_bag).iter(f"{ALTO}Page"))
    assert len(pages) == len(pdf)
    for pdf_page, alto_page in zip(pdf, pages, strict=False):
        pdf_text = re.sub(r"\s+", "", "".join(c[0] for c in _pdf_chars(pdf_page)))
        alto_text = "".join(s.get("CONTENT") for s in alto_page.iter(f"{ALTO}String"))
        assert alto_text == pdf_text
        assert len(alto_text) > 50


def test_photos_are_illustrations_with_their_captions(archive_bag, sample_dir):
    """Each photo of the page is an Illustration of its image file, in a ComposedBlock with
    the blocks of its caption, which it names as the next block."""
    from publisher.errors import Problems
    from publisher.sources import read_edition

    edition = read_edition(sample_dir, Problems())
    captions = {fig.caption for a in edition.articles for fig in a.figures if fig.image}
    doc = _alto(archive_bag)
    mets = etree.parse(str(archive_bag / "data" / "mets.xml"))
    hrefs = {f.get("ID"): f.find(f"{METS}FLocat").get(f"{XLINK}href") for f in mets.iter(f"{METS}file")}
    illustrations = list(doc.iter(f"{ALTO}Illustration"))
    assert len(illustrations) == len(captions) == 2
    seen = set()
    for ill in illustrations:
        composed = ill.getparent()
        assert composed.tag == f"{ALTO}ComposedBlock" and composed.get("TYPE") == "photo with caption"
        blocks = composed.findall(f"{ALTO}TextBlock")
        assert ill.get("IDNEXT") == blocks[0].get("ID")
        text = "".join(s.get("CONTENT") for b in blocks for s in b.iter(f"{ALTO}String"))
        caption = next(c for c in captions if re.sub(r"\s", "", c) in text)
        seen.add(caption)
        assert hrefs[ill.get("FILEID")].startswith("sources/images/")
        assert ill.get("TYPE") == "photo" and float(ill.get("WIDTH")) > 1000
    assert seen == captions


# ---------------------------------------------------------------- METS ties it together


def _mets(archive_bag):
    return etree.parse(str(archive_bag / "data" / "mets.xml"))


def _articles(mets):
    return mets.findall(f"{METS}structMap[@TYPE='LOGICAL']/{METS}div/{METS}div/{METS}div[@TYPE='article']")


def test_mets_lists_pages_in_order_with_their_files(archive_bag):
    mets = _mets(archive_bag)
    phys = mets.find(f"{METS}structMap[@TYPE='PHYSICAL']")
    issue = phys.find(f"{METS}div")
    assert [f.get("FILEID") for f in issue.findall(f"{METS}fptr")] == ["ISSUE_PDF", "ISSUE_EPUB"]
    pages = issue.findall(f"{METS}div")
    assert [p.get("ORDERLABEL") for p in pages] == ["第1版"]
    assert [f.get("FILEID") for f in pages[0].findall(f"{METS}fptr")] == ["PDF_p01", "ALTO_p01"]


def test_every_file_is_in_a_structure_map(archive_bag):
    """Issue 23: 14 of 25 files were reachable from no structure map."""
    mets = _mets(archive_bag)
    files = {f.get("ID") for f in mets.iter(f"{METS}file")}
    mapped = set()
    for smap in mets.iter(f"{METS}structMap"):
        mapped |= {f.get("FILEID") for f in smap.iter(f"{METS}fptr") if f.get("FILEID")}
        mapped |= {a.get("FILEID") for a in smap.iter(f"{METS}area")}
    assert len(files) == 25
    assert files - mapped == set()


def test_mets_articles_point_at_their_parts_in_alto(archive_bag):
    mets = _mets(archive_bag)
    alto_ids = {e.get("ID") for e in _alto(archive_bag).iter() if e.get("ID")}
    articles = _articles(mets)
    assert len(articles) == 9
    log = mets.find(f"{METS}structMap[@TYPE='LOGICAL']")
    for area in log.iter(f"{METS}area"):
        assert area.get("FILEID") == "ALTO_p01"
        assert area.get("BEGIN") in alto_ids
    photo = next(a for a in articles if a.get("ID") == "LOG_shuihulu")
    assert [d.get("TYPE") for d in photo.findall(f"{METS}div")] == ["ILLUSTRATION", "CAPTION"]


def _mods(mets, dmdid):
    return mets.find(f"{METS}dmdSec[@ID='{dmdid}']/{METS}mdWrap/{METS}xmlData/{MODS}mods")


def _part_text(div, blocks) -> str:
    ids = [a.get("BEGIN") for a in div.iter(f"{METS}area")]
    return "".join(s.get("CONTENT") for i in ids for s in blocks[i].iter(f"{ALTO}String"))


def test_each_article_reads_back_from_mets(archive_bag, sample_dir):
    """Issue 23: each article's headline, authors (from the byline) and reading order read
    back from METS alone (MODS, and the parts' ALTO blocks), equal to the sources'."""
    from publisher.errors import Problems
    from publisher.model import Brief, Figure, Paragraph, Subhead
    from publisher.sources import read_edition

    edition = read_edition(sample_dir, Problems())
    mets = _mets(archive_bag)
    blocks = {b.get("ID"): b for b in _alto(archive_bag).iter(f"{ALTO}TextBlock")}
    by_id = {a.get("ID"): a for a in _articles(mets)}
    squeeze = lambda t: re.sub(r"\s+", "", t)  # noqa: E731
    for page in edition.pages:
        for article in page.articles:
            div = by_id[f"LOG_{article.slug}"]
            mods = _mods(mets, div.get("DMDID"))
            assert mods.findtext(f"{MODS}titleInfo/{MODS}title") == article.title
            if article.subtitle:
                assert mods.findtext(f"{MODS}titleInfo/{MODS}subTitle") == article.subtitle
            names = [n.findtext(f"{MODS}namePart") for n in mods.findall(f"{MODS}name")]
            assert names == list(article.byline.names if article.byline else [])
            assert mods.findtext(f"{MODS}part/{MODS}detail[@type='section']/{MODS}title") == page.name
            assert mods.findtext(f"{MODS}part/{MODS}detail[@type='page']/{MODS}number") == page.display_label
            # the parts, in order, as the source has them
            expected = [("KICKER", article.kicker), ("HEADLINE", article.headline),
                        ("SUBTITLE", article.subtitle),
                        ("BYLINE", str(article.byline) if article.byline and not article.dateline else None)]
            expected = [(k, t) for k, t in expected if t]
            lead = article.dateline
            for block in article.body:
                if isinstance(block, Paragraph):
                    expected.append(("PARAGRAPH", (lead or "") + block.text))
                    lead = None
                elif isinstance(block, Subhead):
                    expected.append(("SUBHEAD", block.text))
                elif isinstance(block, Figure):
                    if block.image is not None:
                        expected.append(("ILLUSTRATION", None))
                    expected.append(("CAPTION", block.text))
                elif isinstance(block, Brief):
                    expected.append(("BRIEF", block.text + "（" + "、".join(block.attribution) + "）"))
            parts = div.findall(f"{METS}div")
            assert [p.get("TYPE") for p in parts] == [k for k, _ in expected], article.slug
            for part, (kind, text) in zip(parts, expected, strict=False):
                if text is not None:
                    assert squeeze(_part_text(part, blocks)).lstrip("—○") == squeeze(text), (article.slug, kind)


def test_mets_and_its_mods_and_premis_are_valid(archive_bag):
    data = (archive_bag / "data" / "mets.xml").read_bytes()
    assert schemas.validate(schemas.mets(), data) == []
    mets = etree.fromstring(data)
    for mods in mets.iter(f"{MODS}mods"):
        assert schemas.validate(schemas.mods(), etree.tostring(mods)) == []
    premis = next(mets.iter(f"{PREMIS}premis"))
    assert schemas.validate(schemas.premis(), etree.tostring(premis)) == []


def test_the_mets_schema_checks_the_mods_inside(archive_bag):
    data = (archive_bag / "data" / "mets.xml").read_bytes()
    broken = data.replace(b"<mods:typeOfResource>", b"<mods:typeOfResourc>", 1).replace(
        b"</mods:typeOfResource>", b"</mods:typeOfResourc>", 1)
    assert any("typeOfResourc" in e for e in schemas.validate(schemas.mets(), broken))


def test_the_issue_mods_names_the_paper_and_the_issue(archive_bag):
    mods = _mods(_mets(archive_bag), "DMD_ISSUE")
    host = mods.find(f"{MODS}relatedItem[@type='host']")
    assert host.findtext(f"{MODS}titleInfo/{MODS}title") == "咸宁日报"
    assert host.findtext(f"{MODS}identifier[@type='cn']") == "CN 42-0032"
    assert host.findtext(f"{MODS}part/{MODS}detail[@type='issue']/{MODS}number") == "8216"
    assert host.findtext(f"{MODS}part/{MODS}detail[@type='edition']/{MODS}number") == "1"
    assert mods.findtext(f"{MODS}originInfo/{MODS}dateIssued") == "2019-10-21"
    assert mods.findtext(f"{MODS}language/{MODS}languageTerm") == "zh-Hans"


def test_premis_records_the_sources_and_the_making(archive_bag):
    import hashlib

    mets = _mets(archive_bag)
    premis = next(mets.iter(f"{PREMIS}premis"))
    sources = archive_bag / "data" / "sources"
    digests = {o.findtext(f"{PREMIS}objectIdentifier/{PREMIS}objectIdentifierValue"):
               o.findtext(f"{PREMIS}objectCharacteristics/{PREMIS}fixity/{PREMIS}messageDigest")
               for o in premis.findall(f"{PREMIS}object")}
    files = {f"sources/{p.relative_to(sources).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sources.rglob("*") if p.is_file()}
    assert digests == files
    event = premis.find(f"{PREMIS}event")
    assert event.findtext(f"{PREMIS}eventType") == "creation"
    assert event.findtext(f"{PREMIS}eventDateTime") == "2023-11-14T22:13:20+00:00"
    agents = {a.findtext(f"{PREMIS}agentType"): a for a in premis.findall(f"{PREMIS}agent")}
    assert agents["software"].findtext(f"{PREMIS}agentName") == "publisher"
    assert agents["software"].findtext(f"{PREMIS}agentVersion")
    assert agents["organization"].findtext(f"{PREMIS}agentName") == "咸宁日报社"


def test_mets_blocks_hold_the_article_text(archive_bag):
    """The headline block METS names for an article holds that article's headline."""
    mets = _mets(archive_bag)
    alto = _alto(archive_bag)
    blocks = {b.get("ID"): b for b in alto.iter(f"{ALTO}TextBlock")}
    article = next(a for a in _articles(mets) if a.get("ID") == "LOG_jiceng-zhili")
    div = next(d for d in article.findall(f"{METS}div") if d.get("TYPE") == "HEADLINE")
    assert _part_text(div, blocks) == "打通基层治理最末端"


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
