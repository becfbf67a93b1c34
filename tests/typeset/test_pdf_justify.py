"""Chinese justification in WeasyPrint, measured on the PDF with publisher.typography.

Renders long Chinese paragraphs of the seed page (after the typeset pass) by WeasyPrint alone
and with publisher.engine installed (its justification, publisher/engine/justify.py, and the
general fixes it relies on) and checks the output: no forbidden line starts or ends, every
non-final body line flush with its column (within 0.5 pt) once installed, the same line breaks
either way, and the text extracted from the PDF equal to the source text.

Run as a script for the before/after figures and the time cost, or a side-by-side picture:
    PYTHONPATH=. python tests/typeset/test_pdf_justify.py
    PYTHONPATH=. python tests/typeset/test_pdf_justify.py --picture docs/justify-before-after.png
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # when run as a script
    sys.path.insert(0, str(ROOT))

from publisher import engine  # noqa: E402
from publisher.engine import justify, layout, typeset  # noqa: E402
from publisher.typeset import normalize, to_html  # noqa: E402
from publisher.typography import measure  # noqa: E402
from tests.conftest import SEED_PAGE as SEED  # noqa: E402

TYPESET_CSS = ROOT / "styles" / "typeset.css"

# A5, 18 mm side margins: the column is 51.02 pt to 368.50 pt, 30.24 em of 10.5 pt (not a whole
# number of characters, so every line has spare width to spread).
PAGE_CSS = """
@page { size: A5; margin: 20mm 18mm; }
body { font-family: "Noto Serif CJK SC"; font-size: 10.5pt; line-height: 1.6; margin: 0; }
p { text-align: justify; text-indent: 2em; margin: 0; }
"""
COLUMN = (18 * 72 / 25.4, 148 * 72 / 25.4 - 18 * 72 / 25.4)

STRESS = [
    "咸安区在2018年投入了1,000万元,GDP增长7.5%,使用Python 3.11和WeasyPrint 70.0生成PDF,"
    "网址https://www.xianning.gov.cn/news/2019/10/index.html,邮箱news@xnrb.com.cn.",
    '他说:"好!"(见《人民日报》2019年10月1日第3版)。"我们(小区)很好,真的!"她说。'
    "【编者按】「引号」『书名』〔注〕",
    '"幸福家园"小区位于北正街(老城区),共有住户1700多户、人口5400多人;物业费收缴率从30%提升到'
    '80%以上--成效明显...大家说:"不容易啊!"',
    "ABC公司CEO张三表示,iPhone 11 Pro与Mate 30在Q3季度销量分别为1200万台和800万台,"
    "同比增长12.5%和25%。",
    "好。",
]

pytestmark = pytest.mark.usefixtures("noto_serif")


def seed_paragraphs(limit: int | None = None) -> list[str]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    paras = [normalize(line) for line in lines if len(line) > 40 and not line.startswith(("#", "○"))]
    return paras[:limit]


def page_html(paragraphs: list[str], extra_css: str = "") -> str:
    css = TYPESET_CSS.read_text(encoding="utf-8") + PAGE_CSS + extra_css
    body = "".join(f'<p class="zh-text">{to_html(p, keep_end=True)}</p>' for p in paragraphs)
    return (f'<html lang="zh-Hans"><head><meta charset="utf-8"><style>{css}</style></head>'
            f"<body>{body}</body></html>")


def render(html: str, path: Path, justified: bool) -> Path:
    import weasyprint

    was = engine.installed()
    (engine.install if justified else engine.uninstall)()
    try:
        weasyprint.HTML(string=html).write_pdf(path)
    finally:
        (engine.install if was else engine.uninstall)()
    return path


def line_texts(pdf: Path) -> list[str]:
    from publisher.typography import _body_lines, _read_chars

    out: list[str] = []
    for index, _, chars, _ in _read_chars(pdf):
        for lines in _body_lines(index, chars, 10.5):
            out.extend(line.text for line in lines)
    return out


@pytest.fixture(scope="module")
def seed_pdfs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("justify")
    paragraphs = seed_paragraphs(20)
    html = page_html(paragraphs)
    before = render(html, tmp / "before.pdf", justified=False)
    after = render(html, tmp / "after.pdf", justified=True)
    return paragraphs, before, after


def test_weasyprint_alone_leaves_chinese_ragged(seed_pdfs):
    # The reason engine/justify.py exists; if this fails, WeasyPrint learned CJK justification.
    _, before, _ = seed_pdfs
    report = measure(before, columns=[COLUMN])
    assert report.justified_lines > 70
    assert report.flush_lines < report.justified_lines / 4


def test_justified_lines_are_flush(seed_pdfs):
    _, _, after = seed_pdfs
    report = measure(after, columns=[COLUMN])
    assert report.justified_lines > 70
    assert report.counts() == dict.fromkeys(report.COUNTS, 0), report.details
    assert report.flush_lines == report.flush_both_lines == report.justified_lines
    assert report.ragged_left == 0  # CJK–Latin padding dropped at line starts


def test_chinese_lines_are_spaced_by_the_character_spacing(seed_pdfs):
    # A justified line of Chinese is drawn with one Tc for the line, not an adjustment per
    # glyph: only halted marks (half an em) and the glyphs that gain something else than the
    # share (Latin letters, digits, spaces: a correction) have one. Tc is set back to 0 in
    # the same text object (else the next line would be spaced too).
    import pikepdf

    _, before, after = seed_pdfs
    with pikepdf.open(after) as pdf:
        texts = [[(str(i.operator), i.operands) for i in pikepdf.parse_content_stream(page)]
                 for page in pdf.pages]
    spaced = glyphs = corrections = 0
    for ops in texts:
        spacing = 0.0
        for op, operands in ops:
            if op == "Tc":
                spacing = float(operands[0])
            elif op == "ET":
                assert spacing == 0.0, "Tc left set after a text object"
            elif op == "TJ" and spacing:
                spaced += 1
                glyphs += sum(len(bytes(x)) // 2 for x in operands[0] if isinstance(x, pikepdf.String))
                numbers = [float(x) for x in operands[0] if not isinstance(x, pikepdf.String)]
                corrections += sum(abs(abs(x) - 500) > 1 and abs(x) > 1 for x in numbers)
    assert spaced > 70
    assert 0 < corrections < glyphs / 10  # the Latin runs and digits only
    assert after.stat().st_size < before.stat().st_size * 1.05


def test_auto_columns_agree_with_the_real_ones(seed_pdfs):
    _, _, after = seed_pdfs
    auto, given = measure(after), measure(after, columns=[COLUMN])
    assert (auto.justified_lines, auto.flush_lines) == (given.justified_lines, given.flush_lines)


def test_no_character_inserted(seed_pdfs):
    paragraphs, before, after = seed_pdfs
    source = "".join(paragraphs)
    for pdf in (before, after):
        # Spaces at a line break are not drawn (CSS collapsible white space): compare without
        # them. pdfium's generated characters are already left out by measure().
        assert measure(pdf).text.replace(" ", "") == source.replace(" ", "")


def test_justification_does_not_move_line_breaks(seed_pdfs):
    _, before, after = seed_pdfs
    assert line_texts(before) == line_texts(after)


def test_stress_in_three_columns(tmp_path):
    paragraphs = seed_paragraphs() + [normalize(p) for p in STRESS]
    html = page_html(paragraphs, "body { columns: 3; column-gap: 1.5em; column-fill: auto; }")
    report = measure(render(html, tmp_path / "stress.pdf", justified=True))
    assert report.forbidden_starts == report.forbidden_ends == report.split_marks == 0, report.details
    assert report.wide_pairs == report.notdef == report.overflow == 0, report.details
    assert report.justified_lines > 500
    # Left short on purpose: a line holding only "https://" (0.1 em letter-spacing cap) and a
    # lone 他 that Pango leaves before an unbreakable 说：“好！”（见 (UAX #14 quotes).
    ragged = [d for d in report.details if "short of the column" in d]
    assert len(ragged) == report.ragged <= 2, report.details
    assert all(d.endswith(("…https://", "…他")) for d in ragged), ragged
    assert report.flush_lines / report.justified_lines >= 0.99
    assert report.text.replace(" ", "") == "".join(paragraphs).replace(" ", "")


def test_justify_install_is_idempotent_and_reversible_alone():
    """The justification goes on and off by itself, the engine's other adaptations staying
    (engine.patching takes a replacement out of the middle of a stack: draw_first_line is
    also wrapped by the glyph recording of engine.layout)."""
    from weasyprint.draw import text as draw_text
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    def current():
        return inline.justify_line, inline.text_align, draw_text.draw_first_line

    was = engine.installed()
    engine.install()
    try:
        with_all = current()
        justify.uninstall()
        assert not justify.installed() and typeset.installed()
        without = current()
        assert without[0] is justify.replacements()[0].original  # WeasyPrint's own
        # the glyph recording stays on top, now wrapping WeasyPrint's own drawing
        assert without[2] is with_all[2] is layout.draw_first_line
        assert layout.replacements()[0].original is justify.replacements()[2].original
        layout_methods = dict(vars(line_break.Layout))
        justify.install()
        justify.install()
        assert justify.installed() and current()[:2] == with_all[:2]
        assert current()[0] is justify.justify_line
        # WeasyPrint's Layout is left alone: justified text gets a subclass (_add_spacing)
        assert dict(vars(line_break.Layout)) == layout_methods
    finally:
        engine.uninstall()
        if was:
            engine.install()


def test_typeset_install_is_idempotent_and_reversible_and_independent_of_justify():
    from weasyprint import document
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    def current():
        return document.build_formatting_structure, inline.split_text_box

    was = engine.installed()
    engine.uninstall()
    originals, layout_class = current(), line_break.Layout
    try:
        typeset.install()
        patched = current()
        typeset.install()
        assert current() == patched
        assert all(p is not o for p, o in zip(patched, originals, strict=True))
        # WeasyPrint's Layout stays in place: only the layouts of planned text are typeset.
        assert line_break.Layout is layout_class
        # Justification subclasses the layouts of justified text (either class): either
        # module can go alone.
        justify.install()
        assert current() == patched
        justify.uninstall()
        assert line_break.Layout is layout_class
        justify.install()
        typeset.uninstall()
        assert current() == originals
        assert justify.installed()
    finally:
        engine.uninstall()
        if was:
            engine.install()


def test_expandable_characters():
    assert all(map(justify.is_expandable, "中𠮷，。“”（）《》、"))
    assert not any(map(justify.is_expandable, "aZ1 %—…·"))


# --- Benchmark (not a test: no timed assertions) ---------------------------------------------

def benchmark(runs: int = 5) -> None:
    import tempfile

    import weasyprint

    paragraphs = seed_paragraphs()
    html = page_html(paragraphs)
    modes = (("WeasyPrint alone", False), ("with publisher.engine", True))
    times: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _, justified in modes:
            render(html, out / "warm.pdf", justified)  # warm the font caches
        for _ in range(runs):  # alternate, so machine load hits both alike
            for _, justified in modes:
                start = time.process_time()  # CPU time: the machine is shared
                render(html, out / f"{justified}.pdf", justified)
                times[justified].append(time.process_time() - start)
        for label, justified in modes:
            report = measure(out / f"{justified}.pdf", columns=[COLUMN])
            print(f"{label:18} pages {report.pages}  flush {report.flush_lines}/{report.justified_lines}"
                  f" (both edges {report.flush_both_lines})"
                  f"  ragged {report.ragged}  counts {report.counts()}")
            print(f"{'':18} median write_pdf CPU {statistics.median(times[justified]):.3f} s"
                  f"  ({', '.join(f'{t:.3f}' for t in times[justified])})")
    cost = statistics.median(times[True]) / statistics.median(times[False]) - 1
    print(f"time cost of publisher.engine: {cost:+.1%}")
    print("weasyprint", weasyprint.__version__, "| fc-match:",
          subprocess.run(["fc-match", "Noto Serif CJK SC"], capture_output=True, text=True).stdout.strip())


def picture(path: Path) -> None:
    """Side by side, the same paragraphs set by WeasyPrint alone and with publisher.engine."""
    import tempfile

    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    html = page_html(seed_paragraphs(3))
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for justified in (False, True):
            pdf = pdfium.PdfDocument(render(html, Path(tmp) / f"{justified}.pdf", justified))
            scale = 2
            image = pdf[0].render(scale=scale).to_pil().convert("RGB")
            pdf.close()
            # Crop to the text block and mark the column's right edge in red.
            left, right = (int(x * scale) for x in COLUMN)
            top = 20 * 72 / 25.4  # the page margin; 12 lines of 1.6 × 10.5 pt below it
            crop = image.crop((left - 20, int((top - 4) * scale), right + 20, int((top + 12 * 16.8 + 2) * scale)))
            ImageDraw.Draw(crop).line([(right - left + 20, 0), (right - left + 20, crop.height)],
                                      fill=(220, 0, 0), width=1)
            images.append(crop)
    out = Image.new("RGB", (sum(i.width for i in images) + 30, images[0].height), "white")
    out.paste(images[0], (0, 0))
    out.paste(images[1], (images[0].width + 30, 0))
    out.save(path, optimize=True)
    print(f"wrote {path}: left WeasyPrint 70.0 alone, right with publisher.engine")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--picture":
        picture(Path(sys.argv[2]))
    else:
        benchmark()
