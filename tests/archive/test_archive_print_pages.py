"""The archive holds the newspaper's pages as printed: one page PDF and one ALTO per 版.

Checked on the sample (one broadsheet 版) and on a two-版 edition whose first article
jumps (下转) to the second page: the page PDFs are the print pages cut to the trim (no
crop marks, no slug, nothing hidden beyond the page edge), PDF/A with the print's CMYK
profile as OutputIntent; the ALTO of each page is that page's text, String for String;
METS follows a jumped article onto both 版; an edition whose print layout does not fit
cannot be archived.
"""

from __future__ import annotations

import ctypes
import re

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from lxml import etree

from publisher.archive import verify_bag
from tests.conftest import PARAGRAPH, SHORT, TWO_PAGES, house_with, long_article

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
METS = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}"
EDITION_ID = "xnrb-2019-10-21-xianan"
MM_PER_PT = 25.4 / 72
BROADSHEET = (390.0, 545.0)  # mm: the house trim ([tool.publisher.print] trim = "broadsheet")

ONE = '+++\nheadline = "测试标题"\nbyline = "记者 张三"\n+++\n这是正文第一段，用于测试。\n\n第二段。\n'


@pytest.fixture(scope="module")
def jumped_bag(tmp_path_factory):
    """A two-版 edition whose long article continues from page 1 on page 2, archived."""
    from publisher.publish import publish

    root = tmp_path_factory.mktemp("jumped") / "ed"
    (root / "articles").mkdir(parents=True)
    (root / "edition.toml").write_text(TWO_PAGES.format(jump=", continued_on = 2"), "utf-8")
    for name, text in {"long": long_article(30), "two": SHORT, "one": ONE}.items():
        (root / "articles" / f"{name}.md").write_text(text, "utf-8")
    out = root.parent / "out"
    publish(root, out, ["archive"])
    return out / "test-2019-10-21" / "archive", root


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _objects_outside(page, tol=0.5) -> list:
    left, bottom, right, top = page.get_cropbox()
    out = []
    for obj in page.get_objects(max_depth=8):
        x0, y0, x1, y1 = obj.get_bounds()
        if x0 < left - tol or y0 < bottom - tol or x1 > right + tol or y1 > top + tol:
            out.append((obj.type, round(x0), round(y0), round(x1), round(y1)))
    return out


def _pdf_chars(page) -> list[tuple[str, float, float]]:
    """(character, x, y from the top) of the centre of every character pdfium reads."""
    textpage = page.get_textpage()
    height = page.get_height()
    out = []
    for k in range(textpage.count_chars()):
        if pdfium_raw.FPDFText_IsGenerated(textpage.raw, k):
            continue
        ch = chr(pdfium_raw.FPDFText_GetUnicode(textpage.raw, k))
        if ch.isspace():
            continue
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        pdfium_raw.FPDFText_GetCharBox(textpage.raw, k, left, right, bottom, top)
        out.append((ch, (left.value + right.value) / 2, height - (bottom.value + top.value) / 2))
    return out


def _check_strings_against_the_pdf(pdf_path, alto_path) -> int:
    """Every character the page PDF prints lies in one ALTO String, and every String's
    CONTENT is exactly the characters inside its box, left to right: the ALTO text is
    the page's text, each piece where it is printed (independent of drawing order)."""
    page = pdfium.PdfDocument(pdf_path)[0]
    strings = [(s.get("CONTENT"), [float(s.get(k)) / MM10_PER_PT
                                   for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")])
               for s in etree.parse(str(alto_path)).iter(f"{ALTO}String")]
    found: list[list[tuple[float, str]]] = [[] for _ in strings]
    chars = _pdf_chars(page)
    for ch, cx, cy in chars:
        hits = [i for i, (_, (x, y, w, h)) in enumerate(strings)
                if x <= cx <= x + w and y <= cy <= y + h]
        assert hits, (ch, cx, cy)  # printed, but in no String
        # line boxes of a big headline may overlap the next line: the nearest line wins
        best = min(hits, key=lambda i: abs(strings[i][1][1] + strings[i][1][3] / 2 - cy))
        found[best].append((cx, ch))
    for (content, _), chars_in in zip(strings, found, strict=True):
        assert "".join(ch for _, ch in sorted(chars_in, key=lambda t: t[0])) == content
    assert sum(len(c) for c, _ in strings) == len(chars)
    return len(chars)


MM10_PER_PT = 254 / 72


def _alto_strings(alto_path) -> str:
    doc = etree.parse(str(alto_path))
    return "".join(s.get("CONTENT") for s in doc.iter(f"{ALTO}String"))


# ---------------------------------------------------------------- the page as printed


def test_the_page_pdf_is_the_trimmed_print_page(archive_bag):
    """Trim size, and nothing of the press sheet: the print page draws crop marks and a
    slug outside its trim, the archive page draws nothing outside its MediaBox."""
    path = archive_bag / "data" / "pages" / "p01.pdf"
    with pikepdf.open(path) as pdf:
        (page,) = pdf.pages
        box = [float(v) for v in page.obj.MediaBox]
        assert box[:2] == [0.0, 0.0]
        assert [round(v * MM_PER_PT, 2) for v in box[2:]] == list(BROADSHEET)
        assert "/BleedBox" not in page.obj
        assert [float(v) for v in page.obj.TrimBox] == box
    doc = pdfium.PdfDocument(path)
    assert _objects_outside(doc[0]) == []
    text = _squeeze(doc[0].get_textpage().get_text_range())
    assert EDITION_ID not in text and "PDF/X" not in text  # the slug line is gone
    assert len(text) > 4000


def test_the_print_page_it_comes_from_does_draw_outside_the_trim(sample_build):
    """The cut above is not vacuous: the print build's own page has marks and a slug."""
    doc = pdfium.PdfDocument(sample_build / "print" / "p01.pdf")
    page = doc[0]
    with pikepdf.open(sample_build / "print" / "p01.pdf") as pdf:
        trim = [float(v) for v in pdf.pages[0].obj.TrimBox]
    outside = 0
    for obj in page.get_objects(max_depth=8):
        x0, y0, x1, y1 = obj.get_bounds()
        if x0 < trim[0] - 0.5 or y0 < trim[1] - 0.5 or x1 > trim[2] + 0.5 or y1 > trim[3] + 0.5:
            outside += 1
    assert outside >= 9  # eight crop-mark strokes and the slug line
    assert EDITION_ID in _squeeze(page.get_textpage().get_text_range())


def test_asking_for_the_archive_too_does_not_change_the_print_files(sample_build, tmp_path):
    """The print files built alone equal those of the session's build of every format."""
    from publisher.publish import publish

    from .conftest import SAMPLE

    publish(SAMPLE, tmp_path, ["print"])
    for rel in (f"{EDITION_ID}-print.pdf", "print/p01.pdf"):
        a = (tmp_path / EDITION_ID / rel).read_bytes()
        assert a == (sample_build / rel).read_bytes(), rel
    assert (sample_build / "archive" / "bagit.txt").exists()


def test_page_and_issue_pdfs_are_pdfa_with_the_print_profile(archive_bag):
    with pikepdf.open(archive_bag / "data" / "pages" / "p01.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == "咸宁日报·咸安版 2019年10月21日 第1版 咸安新闻"
        assert set(meta["dc:publisher"]) == {"咸宁日报社"}
        assert meta["dc:date"] == ["2019-10-21"]
        assert set(meta["dc:language"]) == {"zh-Hans"}
        assert "总第8216期" in meta["dc:relation"]
        assert "pdfxid" not in str(meta)  # no PDF/X claim left in the archive copy
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name("/GTS_PDFA1")
        profile = intent.DestOutputProfile.read_bytes()
        assert profile[16:20] == b"CMYK"  # the plant's CMYK profile: the colours as printed
        assert str(pdf.docinfo.Title) == meta["dc:title"]
        assert str(pdf.Root.Lang) == "zh-Hans"
    with pikepdf.open(archive_bag / "data" / f"{EDITION_ID}.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == "咸宁日报·咸安版 2019年10月21日"
        assert len(pdf.pages) == 1
        assert [round(float(v) * MM_PER_PT, 2) for v in pdf.pages[0].obj.MediaBox[2:]] == list(BROADSHEET)


def test_the_issue_pdf_carries_the_sources_as_associated_files(archive_bag):
    sources = archive_bag / "data" / "sources"
    expected = {p.relative_to(sources).as_posix(): p.read_bytes()
                for p in sources.rglob("*") if p.is_file()}
    with pikepdf.open(archive_bag / "data" / f"{EDITION_ID}.pdf") as pdf:
        af = pdf.Root.AF
        got = {}
        for spec in af:
            assert spec.AFRelationship == pikepdf.Name("/Source")
            assert str(spec.F) == str(spec.UF)
            got[str(spec.UF)] = spec.EF.F.read_bytes()
            assert int(spec.EF.F.Params.Size) == len(got[str(spec.UF)])
        assert got == expected
        assert set(pdf.attachments) == set(expected)  # and listed as embedded files


def test_every_character_of_the_sample_page_is_in_its_alto_string(archive_bag):
    data = archive_bag / "data"
    assert _check_strings_against_the_pdf(data / "pages" / "p01.pdf",
                                          data / "alto" / "p01.xml") > 4000


def test_alto_page_is_the_trim_in_mm10(archive_bag):
    doc = etree.parse(str(archive_bag / "data" / "alto" / "p01.xml"))
    assert doc.findtext(f"{ALTO}Description/{ALTO}MeasurementUnit") == "mm10"
    (page,) = doc.iter(f"{ALTO}Page")
    assert (page.get("WIDTH"), page.get("HEIGHT")) == ("3900.00", "5450.00")
    assert page.get("PRINTED_IMG_NR") == "第1版"


def test_the_alto_of_an_article_holds_its_model_text(archive_bag, sample_dir):
    """Independent of the PDF: every paragraph, heading and caption of each article (as
    written in its source) is in the ALTO blocks METS names for it, in order."""
    from publisher.errors import Problems
    from publisher.sources import read_edition

    edition = read_edition(sample_dir, Problems())
    alto = etree.parse(str(archive_bag / "data" / "alto" / "p01.xml"))
    blocks = {b.get("ID"): b for b in alto.iter(f"{ALTO}TextBlock")}
    mets = etree.parse(str(archive_bag / "data" / "mets.xml"))
    for article in edition.articles:
        div = mets.find(f".//{METS}div[@ID='LOG_{article.slug}']")
        # METS lists the parts in reading order: their blocks, read in METS's order, hold
        # the text in the source's order (photos are no text)
        ids = [a.get("BEGIN") for a in div.iter(f"{METS}area") if a.get("BEGIN") in blocks]
        text = "".join(s.get("CONTENT") for i in ids for s in blocks[i].iter(f"{ALTO}String"))
        # the byline is typeset (names joined with 、), every other text is printed as written
        pieces = [p for p in article.texts() if p != str(article.byline or "")]
        at = 0
        for piece in pieces:
            found = text.find(_squeeze(piece), at)
            assert found >= 0, (article.slug, piece)
            at = found


# ---------------------------------------------------------------- two 版, a jump


def test_each_page_of_a_jumped_edition_has_its_own_pdf_and_alto(jumped_bag):
    bag, _ = jumped_bag
    assert verify_bag(bag) == []
    data = bag / "data"
    assert sorted(p.name for p in (data / "pages").iterdir()) == ["p01.pdf", "p02.pdf"]
    assert sorted(p.name for p in (data / "alto").iterdir()) == ["p01.xml", "p02.xml"]
    texts = []
    for label in ("p01", "p02"):
        doc = pdfium.PdfDocument(data / "pages" / f"{label}.pdf")
        assert len(doc) == 1
        assert _objects_outside(doc[0]) == []
        pdf_text = _squeeze(doc[0].get_textpage().get_text_range())
        alto_text = _alto_strings(data / "alto" / f"{label}.xml")
        # the same characters (pdfium reads in drawing order, which on page 2 puts the
        # 上接 head after the text below it: not the reading order) …
        assert sorted(alto_text) == sorted(pdf_text), label
        # … each where ALTO says it is
        assert _check_strings_against_the_pdf(data / "pages" / f"{label}.pdf",
                                              data / "alto" / f"{label}.xml") > 300
        texts.append(alto_text)
    first, second = texts
    assert "下转第2版" in first
    # ALTO order is reading order: the 上接 head, then the text where page 1 left it (the
    # make-up may cut a paragraph at the jump: its two parts join into the whole)
    assert "（上接第1版）一篇很长的稿件" in second
    rest = second.split("（上接第1版）一篇很长的稿件", 1)[1]
    cut = first.split("（下转第2版）")[0].rsplit("。", 1)[1]
    assert re.fullmatch(re.escape(PARAGRAPH) + r"第\d+段。", cut + rest.split("。", 1)[0] + "。")
    for i in range(1, 30):  # every paragraph on exactly one 版
        assert (first + second).count(f"第{i}段。") == 1, i
    with pikepdf.open(data / "test-2019-10-21.pdf") as issue:
        assert len(issue.pages) == 2


def test_mets_follows_a_jumped_article_onto_both_pages(jumped_bag):
    bag, _ = jumped_bag
    mets = etree.parse(str(bag / "data" / "mets.xml"))
    article = mets.find(f".//{METS}div[@ID='LOG_long']")
    paragraphs = [d for d in article.findall(f"{METS}div") if d.get("TYPE") == "PARAGRAPH"]
    files = [a.get("FILEID") for d in paragraphs for a in d.iter(f"{METS}area")]
    assert files[0] == "ALTO_p01" and files[-1] == "ALTO_p02"
    links = {(s.get(f"{XLINK}from"), s.get(f"{XLINK}to")) for s in mets.iter(f"{METS}smLink")}
    assert {("LOG_long", "PHYS_p01"), ("LOG_long", "PHYS_p02")} <= links
    # the article's paragraphs, read in METS order, are the article's paragraphs in order
    altos = {f: etree.parse(str(bag / "data" / "alto" / f"{f[5:]}.xml")) for f in set(files)}

    def text_of(divs):
        text = ""
        for div in divs:
            for area in div.iter(f"{METS}area"):
                block = altos[area.get("FILEID")].find(f".//{ALTO}TextBlock[@ID='{area.get('BEGIN')}']")
                text += "".join(s.get("CONTENT") for s in block.iter(f"{ALTO}String"))
        return text

    text = text_of(paragraphs)
    positions = [text.find(f"第{i}段。") for i in range(1, 30)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert text.startswith("本报讯") and text.endswith("最后一段到此结束。")
    assert "下转" not in text and "上接" not in text  # the jump lines are parts of their own
    jumps = [d for d in article.findall(f"{METS}div") if d.get("TYPE") == "JUMP"]
    assert next(a.get("FILEID") for d in jumps for a in d.iter(f"{METS}area")) == "ALTO_p01"
    assert "ALTO_p02" in [a.get("FILEID") for d in jumps for a in d.iter(f"{METS}area")]
    assert "下转第2版" in text_of(jumps) and "上接第1版" in text_of(jumps)
    # the reading order: the body on 第1版, its 下转 line, then 上接 and the rest on 第2版
    kinds = [d.get("TYPE") for d in article.findall(f"{METS}div")]
    assert kinds[0] == "HEADLINE" and kinds.index("JUMP") < len(kinds) - 1


def test_an_edition_whose_print_layout_does_not_fit_cannot_be_archived(make_edition, tmp_path):
    from publisher.errors import RenderError
    from publisher.publish import publish

    ed = make_edition({"articles/long.md": long_article(60), "articles/two.md": SHORT},
                      toml=TWO_PAGES.format(jump=""))
    with pytest.raises(RenderError) as exc:  # in a house that does not jump it there
        publish(ed, tmp_path / "out", ["archive"], house_with(jumps="named"))
    codes = [p.code for p in exc.value.problems]
    assert "overflow" in codes  # the print problem itself, naming the article …
    assert any("archive" in p.message and "print layout" in p.message
               for p in exc.value.problems)  # … and why the archive needs it
    assert "archive" in str(exc.value)
    assert not (tmp_path / "out" / "test-2019-10-21").exists()
