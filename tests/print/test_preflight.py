"""`publisher preflight` on PDFs that are not print-ready: each defect is found."""

from __future__ import annotations

import zlib
from pathlib import Path

import pikepdf
from typer.testing import CliRunner

from publisher.cli import app
from publisher.printing.preflight import preflight


def _pdf(path: Path, content: bytes, *, image_cs="/DeviceRGB", image_px=(40, 40),
         boxes: bool = False, pdfx: bool = False) -> Path:
    pdf = pikepdf.new()
    w, h = image_px
    n = 3 if image_cs == "/DeviceRGB" else 4
    image = pdf.make_stream(zlib.compress(bytes([200] * (w * h * n))), Type=pikepdf.Name.XObject,
                            Subtype=pikepdf.Name.Image, Width=w, Height=h,
                            ColorSpace=pikepdf.Name(image_cs), BitsPerComponent=8,
                            Filter=pikepdf.Name.FlateDecode)
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                              Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image),
                                                           Font=pikepdf.Dictionary(F1=font)),
                              Contents=pdf.make_stream(content))
    if boxes:
        page.TrimBox = [10, 10, 602, 782]
        page.BleedBox = [5, 5, 607, 787]
    pdf.pages.append(pikepdf.Page(page))
    if pdfx:
        pdf.docinfo["/GTS_PDFXVersion"] = "PDF/X-4"
        profile = pdf.make_stream(Path("/usr/share/color/icc/ghostscript/default_cmyk.icc").read_bytes(), N=4)
        pdf.Root.OutputIntents = [pikepdf.Dictionary(Type=pikepdf.Name.OutputIntent,
                                                     S=pikepdf.Name.GTS_PDFX,
                                                     OutputConditionIdentifier="test",
                                                     DestOutputProfile=profile)]
    pdf.save(path, min_version="1.6")
    return path


RGB_PAGE = b"1 0 0 rg 0 0 100 100 re f q 72 0 0 72 100 100 cm /Im0 Do Q BT /F1 12 Tf 100 500 Td (Hi) Tj ET"


def test_plain_rgb_pdf_fails(tmp_path):
    report = preflight(_pdf(tmp_path / "rgb.pdf", RGB_PAGE))
    assert not report.passed
    messages = " | ".join(str(f) for f in report.errors)
    for expected in ("no PDF/X version key", "no PDF/X OutputIntent", "no TrimBox", "no BleedBox",
                     "DeviceRGB used", "operator rg", "image /Im0", "font /Helvetica is not embedded"):
        assert expected in messages, expected


def test_cli_exits_non_zero_on_rgb_and_zero_on_print(tmp_path, print_build):
    runner = CliRunner()
    bad = runner.invoke(app, ["preflight", str(_pdf(tmp_path / "rgb.pdf", RGB_PAGE))])
    assert bad.exit_code == 1 and "failed" in bad.output
    good = runner.invoke(app, ["preflight", str(print_build / "xnrb-2019-10-21-xianan-print.pdf")])
    assert good.exit_code == 0, good.output
    assert "passed" in good.output


def test_low_resolution_image_is_an_error_and_a_middling_one_a_warning(tmp_path):
    # 40 px drawn 1 inch wide: 40 ppi; 180 px over 1 inch: 180 ppi.
    low = preflight(_pdf(tmp_path / "low.pdf", b"q 72 0 0 72 0 0 cm /Im0 Do Q", image_cs="/DeviceCMYK",
                         boxes=True, pdfx=True))
    assert any(f.code == "resolution" and "40 ppi" in f.message for f in low.errors)
    mid = preflight(_pdf(tmp_path / "mid.pdf", b"q 72 0 0 72 0 0 cm /Im0 Do Q", image_cs="/DeviceCMYK",
                         image_px=(180, 180), boxes=True, pdfx=True))
    assert not [f for f in mid.errors if f.code == "resolution"]
    assert any(f.code == "resolution" and "180 ppi" in f.message for f in mid.warnings)


def test_rich_black_text_is_a_warning_and_heavy_ink_an_error(tmp_path):
    # Text filled 0.6 0.4 0.4 1 (rich black); a CMYK image at 78 % on every channel = 314 %,
    # measured on Ghostscript's separations over the trim.
    content = b"q 720 0 0 720 0 0 cm /Im0 Do Q BT /F1 12 Tf 0.6 0.4 0.4 1 k 100 500 Td (Hi) Tj ET"
    report = preflight(_pdf(tmp_path / "rich.pdf", content, image_cs="/DeviceCMYK", boxes=True,
                            pdfx=True), ink_limit=300)
    assert any(f.code == "rich-black" for f in report.warnings)
    (ink,) = [f for f in report.errors if f.code == "ink"]
    assert "reaches 314% (limit 300%)" in ink.message and "image /Im0 (40x40): peak 314%" in ink.message
    pure = preflight(_pdf(tmp_path / "k.pdf", content.replace(b"0.6 0.4 0.4 1 k", b"0 0 0 1 k"),
                          image_cs="/DeviceCMYK", boxes=True, pdfx=True), ink_limit=320)
    assert not [f for f in pure.warnings if f.code == "rich-black"]
    assert [f.severity for f in pure.findings if f.code == "ink"] == ["ok"]
    assert "total ink at most 314%" in str(next(f for f in pure.findings if f.code == "ink"))


def _overprint_pdf(path: Path, content: bytes) -> Path:
    _pdf(path, content, image_cs="/DeviceCMYK", boxes=True, pdfx=True)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].Resources.ExtGState = pikepdf.Dictionary(
            OP=pikepdf.Dictionary(OP=True, op=True, OPM=1), KO=pikepdf.Dictionary(OP=False))
        pdf.save(path)
    return path


def test_overprint_of_black_white_and_colour(tmp_path):
    text = b"BT /F1 12 Tf 100 500 Td (Hi) Tj ET "
    rule = b"100 400 200 0.5 re f "
    knockout = preflight(_overprint_pdf(tmp_path / "ko.pdf", b"0 0 0 1 k " + text + rule))
    (error,) = [f for f in knockout.errors if f.code == "overprint"]
    assert "1 text runs and 1 rules" in error.message
    good = preflight(_overprint_pdf(tmp_path / "op.pdf", b"/OP gs 0 0 0 1 k " + text + rule
                                    + b"/KO gs 0 1 1 0 k " + text))
    assert not [f for f in good.findings if f.code == "overprint"]
    # the initial colour of DeviceCMYK is 0 0 0 1: a K rule set by `cs` alone counts too
    by_cs = preflight(_overprint_pdf(tmp_path / "cs.pdf", b"/DeviceCMYK cs " + rule))
    assert [f.code for f in by_cs.errors if f.code != "font"] == ["overprint"]  # Helvetica: not embedded
    white = preflight(_overprint_pdf(tmp_path / "white.pdf", b"/OP gs 0 0 0 0 k " + text))
    assert any("white objects" in f.message for f in white.errors)
    red = preflight(_overprint_pdf(tmp_path / "red.pdf", b"/OP gs 0 1 1 0 k " + text))
    assert any(f.code == "overprint" and "coloured" in f.message for f in red.warnings)
    # the state is restored by Q: black after a Q that undid the overprint knocks out
    restored = preflight(_overprint_pdf(tmp_path / "q.pdf", b"q /OP gs Q 0 0 0 1 k " + text))
    assert any(f.code == "overprint" for f in restored.errors)


def test_not_a_pdf_is_an_error(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"hello")
    assert not preflight(path).passed
