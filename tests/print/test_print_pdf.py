"""The print PDFs of the sample: PDF/X-4 for real, exact boxes, one file per 版, reproducible."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest

from publisher.config import load_settings
from publisher.printing.preflight import preflight

SAMPLE = Path(__file__).resolve().parent.parent.parent / "editions" / "xnrb-2019-10-21-xianan"

MM = 72 / 25.4
pytestmark = pytest.mark.slow


def _files(build: Path) -> list[Path]:
    return [build / "xnrb-2019-10-21-xianan-print.pdf", *sorted((build / "print").glob("*.pdf"))]


def _size(box) -> tuple[float, float]:
    x0, y0, x1, y1 = (float(v) for v in box)
    return (x1 - x0) / MM, (y1 - y0) / MM


def test_outputs_are_the_issue_and_one_file_per_page(print_build):
    assert (print_build / "xnrb-2019-10-21-xianan-print.pdf").is_file()
    assert [p.name for p in (print_build / "print").iterdir()] == ["p01.pdf"]


@pytest.mark.parametrize("which", [0, 1])
def test_boxes_are_exact(print_build, which):
    p = load_settings().print
    outside = p.bleed + p.marks_offset + p.marks_length
    with pikepdf.open(_files(print_build)[which]) as pdf:
        assert len(pdf.pages) == 1
        for page in pdf.pages:
            tw, th = _size(page.obj.TrimBox)
            assert tw == pytest.approx(390, abs=0.1) and th == pytest.approx(545, abs=0.1)
            bw, bh = _size(page.obj.BleedBox)
            assert (bw, bh) == pytest.approx((390 + 2 * p.bleed, 545 + 2 * p.bleed), abs=0.1)
            mw, mh = _size(page.obj.MediaBox)
            assert (mw, mh) == pytest.approx((390 + 2 * outside, 545 + 2 * outside), abs=0.1)
            # Concentric: the trim sits in the middle of bleed and media.
            t, b, m = ([float(v) for v in page.obj[k]] for k in ("/TrimBox", "/BleedBox", "/MediaBox"))
            assert t[0] - b[0] == pytest.approx(p.bleed * MM, abs=0.3)
            assert t[0] - m[0] == pytest.approx(outside * MM, abs=0.3)


def test_pdfx_version_key_and_output_intent(print_build):
    for path in _files(print_build):
        with pikepdf.open(path) as pdf:
            assert str(pdf.docinfo["/GTS_PDFXVersion"]) == "PDF/X-4"
            assert pdf.docinfo["/Trapped"] == pikepdf.Name("/False")
            assert pdf.open_metadata()["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
            assert pdf.pdf_version >= "1.6"
            (intent,) = pdf.Root.OutputIntents
            assert intent.S == pikepdf.Name.GTS_PDFX
            assert str(intent.OutputConditionIdentifier) == load_settings().print.output_condition
            profile = intent.DestOutputProfile
            assert int(profile.N) == 4
            assert profile.read_bytes()[36:40] == b"acsp"  # an ICC profile
            assert "/ID" in pdf.trailer


def test_no_rgb_and_body_text_in_pure_k(print_build):
    """Every colour operator in the content is CMYK; text fills are 0 0 0 1 unless coloured."""
    with pikepdf.open(_files(print_build)[0]) as pdf:
        content = b"".join(pikepdf.unparse_content_stream(pikepdf.parse_content_stream(pg))
                           for pg in pdf.pages)
        assert not re.search(rb"\brg\b|\bRG\b|/DeviceRGB", content)
        fills = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) scn", content)
        assert (b"0", b"0", b"0", b"1") in fills
        images = [x for pg in pdf.pages for x in pg.get_images().values()]
        assert images and all(x.ColorSpace == pikepdf.Name.DeviceCMYK for x in images)


def test_preflight_passes_on_the_print_pdfs(print_build):
    for path in _files(print_build):
        report = preflight(path)
        assert report.passed, [str(f) for f in report.errors]
        codes = {f.code for f in report.findings if f.severity == "ok"}
        assert {"pdfx-version", "output-intent", "boxes"} <= codes


def test_page_shows_masthead_page_head_articles_and_slug(print_build, pdf_text):
    (text,) = pdf_text(_files(print_build)[1])
    compact = re.sub(r"\s+", "", text)
    for expected in ("咸宁日报", "2019年10月21日", "星期一", "农历己亥年九月廿三", "总第8216期",
                     "CN42-0032", "咸宁日报社出版", "第1版", "咸安新闻", "责任编辑：周敏",
                     "打通基层治理最末端", "香城简讯", "窑咀大桥合龙",
                     "xnrb-2019-10-21-xianan·p01"):
        assert expected in compact, expected


def test_two_builds_are_byte_identical(print_build, sample_rebuild):
    for path in _files(print_build):
        twin = sample_rebuild / path.relative_to(print_build)
        assert twin.read_bytes() == path.read_bytes(), path.name


def test_a_photo_named_in_chinese_prints_and_reads(print_build, tmp_path):
    """A photo's URL names its file inside the edition, percent-encoded as WeasyPrint asks for
    it: 照片.jpg is fetched as %E7%85%A7%E7%89%87.jpg (before, the print and reading renders
    refused their own photo, error[url-refused]). The pages are the sample's, photo and all."""
    import shutil

    from publisher.publish import publish

    edition = tmp_path / "edition"
    shutil.copytree(SAMPLE, edition)
    (edition / "images" / "shuihulu.jpg").rename(edition / "images" / "水葫芦照片.jpg")
    article = edition / "articles" / "shuihulu.md"
    text = article.read_text("utf-8")
    assert "(images/shuihulu.jpg)" in text
    article.write_text(text.replace("(images/shuihulu.jpg)", "(images/水葫芦照片.jpg)"), "utf-8")
    publish(edition, tmp_path / "out", ["print", "pdf"])
    built = tmp_path / "out" / "xnrb-2019-10-21-xianan"
    with pikepdf.open(built / "print" / "p01.pdf") as renamed, \
            pikepdf.open(print_build / "print" / "p01.pdf") as original:
        def images(pdf):
            return sorted(len(x.read_raw_bytes()) for x in pdf.pages[0].get_images().values())

        assert images(renamed) == images(original) and images(original)
    with pikepdf.open(built / "xnrb-2019-10-21-xianan.pdf") as reading:
        assert sum(len(page.get_images()) for page in reading.pages) >= 1


def test_content_stream_tokens_read_in_one_pass_are_those_read_one_by_one(print_build):
    """``pdfx._tokens`` reads a stream without literal strings in one ``finditer`` pass: the
    same tokens, kinds and offsets as the token-by-token reader (which still reads streams
    with strings and says where a stream cannot be read), on the printed 版 and on cases
    made to catch it out."""
    from publisher.printing import pdfx

    def one_by_one(data: bytes) -> list:
        return list(pdfx._each_token(data))

    with pikepdf.open(print_build / "print" / "p01.pdf") as pdf:
        page = pdf.pages[0].obj.Contents
        streams = [page] if isinstance(page, pikepdf.Stream) else list(page)
        content = b"\n".join(s.read_bytes() for s in streams)
    assert b"(" not in content
    tokens = pdfx._tokens(content)
    assert len(tokens) > 1000
    assert tokens == one_by_one(content)
    made = [b"", b"  \n", b"% q Q 1 0 0 rg\nq", b"q % f\r\nQ%", b"/A<</B 1>>BDC[<0a 0B>-12.5 .5]TJ EMC",
            b"1 0 0 1 0 0 cm\x00Q %end", b"+1 -2. -.5 re f*", b"q\n0 g (a (b) \\) c) Tj Q",
            b"T* ' \" Do"]
    for data in made:
        assert pdfx._tokens(data) == one_by_one(data), data
    for data in (b"q { Q", b"q \x01", b"0 0 m ) S"):
        with pytest.raises(ValueError) as fast:
            pdfx._tokens(data)
        with pytest.raises(ValueError) as slow:
            one_by_one(data)
        assert str(fast.value) == str(slow.value)
