"""Print for a newsprint plant: the output intent, separations, overprint, total ink, and
the page furniture, read back from the built PDFs (pikepdf, pdfium, Ghostscript tiffsep)."""

from __future__ import annotations

import hashlib
import io
import tomllib
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image, ImageChops, ImageCms, ImageMath

from publisher.config import load_settings
from publisher.printing.colour import check_profile, to_cmyk
from publisher.printing.preflight import preflight, separations, total_ink

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"
PROFILE = ROOT / "profiles" / "publisher-newsprint-240.icc"
DEFAULT_CMYK = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")  # Ghostscript's SWOP
LIMIT = 240


def _tac(cmyk: Image.Image) -> float:
    """Highest total area coverage (%) of a CMYK image, as Pillow decodes it."""
    c, m, y, k = (b.convert("I") for b in cmyk.split())
    total = ImageMath.lambda_eval(lambda v: v["c"] + v["m"] + v["y"] + v["k"], c=c, m=m, y=y, k=k)
    return total.getextrema()[1] * 100 / 255


# ---------------------------------------------------------------- the output profile


def test_the_default_profile_is_the_pinned_newsprint_build():
    settings = load_settings(ROOT / "pyproject.toml")
    assert settings.output_profile == PROFILE
    assert settings.print.ink_limit == LIMIT
    pins = tomllib.loads((PROFILE.parent / "profiles.toml").read_text("utf-8"))["profile"]
    (pin,) = [p for p in pins if p["file"] == PROFILE.name]
    assert hashlib.sha256(PROFILE.read_bytes()).hexdigest() == pin["sha256"]
    profile = check_profile(PROFILE)
    description = ImageCms.getProfileDescription(profile)
    # it says what it is: a model of the standard's aim values, not a measured press
    assert "ISO 12647-3" in description and "not a measured press" in description
    assert "240" in description
    assert profile.profile.xcolor_space.strip() == "CMYK"
    assert profile.profile.device_class == "prtr"


def test_the_default_house_prints_with_the_same_profile():
    """The package's default house (publisher/house/) finds the profile through its link."""
    from publisher.config import default_house_file

    settings = load_settings(default_house_file())
    assert settings.print.ink_limit == LIMIT
    assert settings.output_profile.read_bytes() == PROFILE.read_bytes()
    check_profile(settings.output_profile)


def test_a_changed_or_missing_profile_is_refused(tmp_path):
    from publisher.errors import RenderError

    (tmp_path / "profiles.toml").write_text(
        (PROFILE.parent / "profiles.toml").read_text("utf-8"), "utf-8")
    changed = tmp_path / PROFILE.name
    changed.write_bytes(PROFILE.read_bytes()[:-1] + b"\x01")
    with pytest.raises(RenderError, match="pins"):
        check_profile(changed)
    changed.unlink()
    with pytest.raises(RenderError, match="not built"):
        check_profile(changed)


@pytest.mark.parametrize("grey", [40, 80, 128, 160, 200, 230])
def test_neutral_greys_separate_with_black(tmp_path, grey):
    """GCR: a grey photo prints with K, not as C+M+Y (Ghostscript's SWOP gave K 0)."""
    source = tmp_path / "grey.png"
    Image.new("RGB", (64, 64), (grey, grey, grey)).save(source)
    with Image.open(io.BytesIO(to_cmyk(source.read_bytes(), check_profile(PROFILE)))) as im:
        c, _m, _y, k = (b.getextrema()[0] for b in im.split())
    assert k > 0 and c > 0  # type: ignore[operator]  # one band each: (min, max); black with some colour under it: a medium GCR, not K only
    if grey >= 200:  # where the old intent put no black at all: the test can tell them apart
        swop = to_cmyk(source.read_bytes(), check_profile(DEFAULT_CMYK))
        with Image.open(io.BytesIO(swop)) as im:
            assert im.split()[3].getextrema()[1] == 0


def test_photos_stay_within_the_ink_limit(tmp_path):
    """Every 8th level of the sRGB cube, in 4-pixel blocks (JPEG edges), through to_cmyk."""
    n = 32
    im = Image.new("RGB", (n * n * 4, n * 4))
    px = im.load()
    assert px is not None
    for r in range(n):
        for g in range(n):
            for b in range(n):
                for dx in range(4):
                    for dy in range(4):
                        px[(r * n + g) * 4 + dx, b * 4 + dy] = (min(255, r * 8), min(255, g * 8),
                                                                min(255, b * 8))
    im.save(tmp_path / "cube.png")
    cube = (tmp_path / "cube.png").read_bytes()
    with Image.open(io.BytesIO(to_cmyk(cube, check_profile(PROFILE)))) as cmyk:
        assert 200 < _tac(cmyk) <= LIMIT
    with Image.open(io.BytesIO(to_cmyk(cube, check_profile(DEFAULT_CMYK)))) as cmyk:
        assert _tac(cmyk) > 280  # what the old default gave: the test can tell


# ---------------------------------------------------------------- the sample's print PDF


def test_output_intent_is_the_house_profile(print_build):
    with pikepdf.open(print_build / "xnrb-2019-10-21-xianan-print.pdf") as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFX
        assert intent.DestOutputProfile.read_bytes() == PROFILE.read_bytes()
        house = load_settings(ROOT / "pyproject.toml")
        assert str(intent.OutputConditionIdentifier) == house.print.output_condition


def _paints(pdf: pikepdf.Pdf):
    """(kind, fill colour, overprint fills, OPM) of every text run and filled path of each
    page, from the content streams read back (an independent walk of q/Q, gs, cs/scn, k)."""
    for page in pdf.pages:
        states: Any = page.Resources.get("/ExtGState", {})
        fill: tuple[float, ...]
        stack: list = []
        fill, op, opm = (), False, 0
        for instruction in pikepdf.parse_content_stream(page):
            operands, operator = instruction.operands, instruction.operator
            o = str(operator)
            if o == "q":
                stack.append((fill, op, opm))
            elif o == "Q":
                fill, op, opm = stack.pop()
            elif o == "gs":
                gs = states[operands[0]]
                if "/OP" in gs:
                    op = bool(gs.OP)
                if "/op" in gs:
                    op = bool(gs.op)
                if "/OPM" in gs:
                    opm = int(gs.OPM)
            elif o == "cs":
                fill = (0.0, 0.0, 0.0, 1.0) if operands[0] == pikepdf.Name.DeviceCMYK else ()
            elif o in ("scn", "sc", "k"):
                fill = tuple(float(v) for v in operands)
            elif o in ("TJ", "Tj"):
                yield "text", fill, op, opm
            elif o in ("f", "f*", "F"):
                yield "path", fill, op, opm


def test_pure_black_text_and_rules_overprint_and_colour_knocks_out(print_build):
    counts = {"k-text": 0, "k-path": 0, "colour": 0}
    with pikepdf.open(print_build / "xnrb-2019-10-21-xianan-print.pdf") as pdf:
        for kind, fill, op, opm in _paints(pdf):
            if len(fill) != 4 or not any(fill):
                continue
            if fill[:3] == (0, 0, 0):
                assert op and opm == 1, (kind, fill)
                counts[f"k-{kind}"] += 1
            else:
                assert not op, (kind, fill)  # the red of heads and masthead knocks out
                counts["colour"] += 1
    assert counts["k-text"] > 300 and counts["k-path"] > 10 and counts["colour"] > 5, counts


def test_total_ink_from_separations_and_black_in_the_photos(print_build, tmp_path):
    """Ghostscript tiffsep at 150 dpi over the trim: at most 240 % anywhere; the (grey)
    photos carry black."""
    pdf_path = print_build / "xnrb-2019-10-21-xianan-print.pdf"
    (files,) = separations(pdf_path, tmp_path)
    assert {f.name.split("(")[1][:-5] for f in files} == {"Cyan", "Magenta", "Yellow", "Black"}
    total = total_ink(files)
    assert total.getextrema()[1] * 100 / 255 <= LIMIT
    report = preflight(pdf_path, LIMIT)
    photos = [f for f in report.findings if f.code == "ink"]
    assert photos and all(f.severity == "ok" for f in photos), [str(f) for f in report.findings]
    # the photos' area of the black separation: K everywhere (the darkest grey too)
    black = next(f for f in files if "(Black)" in f.name)
    with pikepdf.open(pdf_path) as pdf, Image.open(black) as k:
        page = pdf.pages[0]
        trim = [float(v) for v in page.TrimBox]
        scale = k.width / (trim[2] - trim[0])
        from publisher.printing.preflight import Report, _PageWalk

        walk = _PageWalk(Report(pdf_path), 1)
        walk.page(page)
        assert [p.label.split()[1] for p in walk.placements] == ["images/shuihulu.jpg",
                                                                  "images/yaozui-daqiao.jpg"]
        for p in walk.placements:
            x0, y0, x1, y1 = p.box
            region = ImageChops.invert(k).crop((int((x0 - trim[0]) * scale) + 3,
                                                int((trim[3] - y1) * scale) + 3,
                                                int((x1 - trim[0]) * scale) - 3,
                                                int((trim[3] - y0) * scale) - 3))
            assert region.getextrema()[0] > 0, p.label  # type: ignore[operator]  # one band: (min, max)


@pytest.mark.slow
def test_preflight_fails_a_copy_separated_with_the_old_swop_intent(tmp_path):
    """The same sample built with Ghostscript's SWOP profile as before: ~300 % in the
    photos, named by their files."""
    from publisher.publish import publish

    settings = load_settings(ROOT / "pyproject.toml")
    swop = settings.model_copy(update={"print": settings.print.model_copy(
        update={"output_profile": DEFAULT_CMYK, "output_condition": "Ghostscript default CMYK"})})
    assert swop.output_profile == DEFAULT_CMYK
    publish(SAMPLE, tmp_path / "out", ["print"], settings=swop)
    report = preflight(tmp_path / "out" / "xnrb-2019-10-21-xianan" / "xnrb-2019-10-21-xianan-print.pdf",
                       LIMIT)
    assert not report.passed
    (ink,) = [f for f in report.errors if f.code == "ink"]
    assert "images/shuihulu.jpg" in ink.message and "images/yaozui-daqiao.jpg" in ink.message
    peak = float(ink.message.split("reaches ")[1].split("%")[0])
    assert peak > 280


# ---------------------------------------------------------------- page furniture


def _find(textpage, text: str) -> list[tuple[float, float, float, float]]:
    """Boxes (l, b, r, t in pt) of each occurrence of ``text`` on a pdfium text page."""
    found = []
    searcher = textpage.search(text)
    while (hit := searcher.get_next()) is not None:
        index, count = hit
        boxes = [textpage.get_charbox(i) for i in range(index, index + count)]
        found.append((min(b[0] for b in boxes), min(b[1] for b in boxes),
                      max(b[2] for b in boxes), max(b[3] for b in boxes)))
    return found


@pytest.mark.slow
def test_masthead_heads_page_one_and_page_heads_are_mirrored(make_edition, tmp_path):
    import pypdfium2 as pdfium

    from publisher.publish import publish
    from tests.conftest import SHORT, TWO_PAGES

    toml = TWO_PAGES.format(jump="") + '\n[[pages]]\nnumber = 3\nname = "文化"\narticles = ["three"]\n'
    ed = make_edition({"articles/long.md": SHORT.replace("第二版稿件", "头版稿件"),
                       "articles/two.md": SHORT,
                       "articles/three.md": SHORT.replace("第二版稿件", "第三版稿件")}, toml=toml)
    publish(ed, tmp_path / "out", ["print"])
    path = tmp_path / "out" / "test-2019-10-21" / "test-2019-10-21-print.pdf"
    with pikepdf.open(path) as pdf:
        trims = [[float(v) for v in page.TrimBox] for page in pdf.pages]
    doc = pdfium.PdfDocument(str(path))
    try:
        pages = [doc[i].get_textpage() for i in range(3)]
        inside = [[b for b in _find(tp, "2019年10月21日") if trim[1] <= b[1] and b[3] <= trim[3]]
                  for tp, trim in zip(pages, trims, strict=True)]
        assert len(inside[0]) == 1  # page 1: the date once, in the masthead's ear
        assert len(inside[1]) == 2 and len(inside[2]) == 2  # page head and folio
        (paper,) = [b for b in _find(pages[0], "测试日报") if b[3] - b[1] > 60]  # the big name
        (label,) = [b for b in _find(pages[0], "第1版") if b[3] - b[1] < 20 and b[1] > trims[0][3] / 2]
        assert paper[1] > label[3]  # the masthead stands above the page head
        assert inside[0][0][1] > label[3]  # and so does its ear with the date
        for number, tp, trim in ((2, pages[1], trims[1]), (3, pages[2], trims[2])):
            heads = [b for b in _find(tp, f"第{number}版") if b[1] > trim[3] * 0.9]
            assert heads, number
            middle = (trim[0] + trim[2]) / 2
            if number % 2:  # recto: 版次 at the right-hand (outer) edge
                assert heads[0][0] > middle
            else:  # verso: at the left-hand (outer) edge
                assert heads[0][2] < middle
    finally:
        doc.close()


def _lines(sep: Image.Image, least: int) -> dict[int, tuple[int, int]]:
    """Rows of a separation holding a horizontal line at least ``least`` px long (over 50 %
    ink): row -> (first, last) x of its inked pixels."""
    ink = ImageChops.invert(sep.convert("L")).point(lambda v: 255 if v > 128 else 0)
    rows = {}
    for y in range(ink.height):
        row = ink.crop((0, y, ink.width, y + 1))
        if row.histogram()[255] >= least:
            box = row.getbbox()
            assert box is not None  # a row with ink
            rows[y] = (box[0], box[2])
    return rows


def test_no_column_rule_doubles_the_rule_of_the_briefs(print_build, tmp_path):
    """The 简讯 head draws its own (red) rule at the box top: no black column rule in the
    gap above it (both seen in Ghostscript's separations, 150 dpi)."""
    (files,) = separations(print_build / "xnrb-2019-10-21-xianan-print.pdf", tmp_path)
    seps = {}
    for f in files:
        with Image.open(f) as im:  # read whole, then closed
            seps[f.name.split("(")[1][:-5]] = im.copy()
    mm = 150 / 25.4
    red = _lines(seps["Magenta"], int(100 * mm))
    black = _lines(seps["Black"], int(40 * mm))
    page_heads = [y for y in red if y < 80 * mm]  # masthead and page-head rules at the top
    briefs = [y for y in red if y not in page_heads]
    assert briefs, sorted(red)  # the briefs' top and bottom rules
    for y in briefs:
        x0, x1 = red[y]
        near = [b for b in black if y - 4 * mm <= b < y and black[b][0] < x1 and x0 < black[b][1]]
        assert not near, (y, near)
    # and the test sees a black rule where there is one: the rules above the other boxes
    assert len(black) >= 2


def test_prepare_keeps_the_archive_markers(print_build):
    """Overprint is inserted, not re-serialised: the comments marking what lies outside
    the trim survive (the archive cuts by them)."""
    with pikepdf.open(print_build / "print" / "p01.pdf") as pdf:
        content = pdf.pages[0].Contents.read_bytes()
    assert b"%publisher:outside-trim{" in content and b"/PublisherOP01 gs" in content
    assert content.count(b"%publisher:outside-trim{") == content.count(b"%publisher:outside-trim}")


def test_photos_of_one_profile_and_mode_share_one_transform(monkeypatch):
    """``colour._transform``: the photos ``convert_images`` converts share one littleCMS
    transform for each profile and pixel mode (about 15 ms each to build), and a photo's CMYK
    pixels are those ``ImageCms.profileToProfile`` gives, as before."""
    from publisher.printing import colour

    output = check_profile(PROFILE)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    # colour photos and a grey one without a profile (converted as sRGB RGB)
    photos = [Image.linear_gradient("L").convert("RGB").rotate(30), Image.new("RGB", (64, 48), (200, 30, 40)),
              Image.linear_gradient("L")]
    expected = [ImageCms.profileToProfile(im.convert("RGB"), srgb, output, outputMode="CMYK",
                                          renderingIntent=ImageCms.Intent.PERCEPTUAL) for im in photos]
    built: list[str] = []
    original = ImageCms.ImageCmsTransform

    class Counting(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            built.append(args[2])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(ImageCms, "ImageCmsTransform", Counting)
    transforms: dict = {}
    converted = [colour._convert(im, None, output, transforms) for im in photos]
    assert built == ["RGB"]  # one transform for the three
    assert [im.mode for im in converted] == ["CMYK"] * 3
    assert [im.tobytes() for im in converted] == [im.tobytes() for im in expected]
    colour._convert(photos[1], None, output, {})
    assert built == ["RGB", "RGB"]  # another conversion's own
