"""publisher.engine: one install for every adaptation, pinned versions, exact uninstall, and the
block records the print grid (and the make-up solver) measure with."""

from __future__ import annotations

import itertools

import pytest

from publisher import engine
from publisher.config import load_settings
from publisher.engine.adaptations import ADAPTATIONS
from publisher.engine.patching import Replacement
from publisher.fonts import load_fonts
from tests.conftest import without


@pytest.fixture(scope="module")
def fonts():
    fonts = load_fonts(load_settings().fonts_dir)
    engine.load(fonts)  # WeasyPrint loaded with the pinned fonts, as a build does
    return fonts


def _owners():
    """Every module and class an adaptation replaces something in, by identity."""
    owners = {}
    for adaptation in ADAPTATIONS:
        for replacement in adaptation.replacements():
            owners[id(replacement.owner)] = replacement.owner
    return list(owners.values())


def _snapshot(owners):
    return [dict(vars(owner)) for owner in owners]


def test_install_applies_every_adaptation_and_uninstall_leaves_weasyprint_as_it_was(fonts):
    from weasyprint import pdf
    from weasyprint.draw import text as draw_text
    from weasyprint.layout import inline
    from weasyprint.pdf import stream

    owners = _owners()
    assert {o.__name__ for o in owners} >= {"weasyprint.layout.inline", "weasyprint.draw.text",
                                            "weasyprint.draw", "weasyprint.document",
                                            "weasyprint.text.line_break", "weasyprint.pdf", "Stream"}
    engine.uninstall()
    try:
        assert not engine.installed()
        before = _snapshot(owners)
        assert "show_text" not in vars(stream.Stream) and "int" not in vars(draw_text)
        engine.install()
        engine.install()  # idempotent: nothing is wrapped twice
        assert engine.installed()
        for adaptation in ADAPTATIONS:
            for replacement in adaptation.replacements():
                assert replacement.applied, replacement
        assert inline.justify_line is not before[owners.index(inline)]["justify_line"]
        assert "show_text" in vars(stream.Stream) and "int" in vars(draw_text)
        assert pdf.add_tags is not before[owners.index(pdf)]["add_tags"]
        engine.uninstall()
        assert _snapshot(owners) == before
        assert not engine.installed()
    finally:
        engine.install()


@pytest.mark.parametrize("library, version", [("weasyprint", "71.0"), ("pydyf", "0.14.0")])
def test_install_refuses_another_weasyprint_or_pydyf(fonts, monkeypatch, library, version):
    import importlib

    owners = _owners()
    engine.uninstall()
    before = _snapshot(owners)
    monkeypatch.setattr(importlib.import_module(library), "__version__", version)
    try:
        with pytest.raises(engine.EngineVersionError) as info:
            engine.install()
        problem = info.value.problems[0]
        assert problem.code == "engine-version"
        assert version in problem.message
        assert "WeasyPrint 70.0" in problem.message and "pydyf 0.13.0" in problem.message
        assert "docs/weasyprint-patches.md" in (problem.hint or "")
        assert _snapshot(owners) == before  # refused before anything was applied
        assert not engine.installed()
    finally:
        monkeypatch.undo()
        engine.install()


def test_the_pins_in_pyproject_are_the_engines():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text("utf-8"))
    dependencies = project["project"]["dependencies"]
    assert f"weasyprint=={engine.WEASYPRINT_VERSION}" in dependencies
    assert f"pydyf=={engine.PYDYF_VERSION}" in dependencies


def test_replacements_of_one_attribute_stack_and_come_off_in_any_order():
    class Owner:
        def f(self):
            return "own"

    class Child(Owner):
        pass

    def wrap(tag, replacement_of):
        return lambda self: tag + "(" + replacement_of[0].original(self) + ")"

    a_ref: list = []
    b_ref: list = []
    a = Replacement(Child, "f", wrap("a", a_ref))
    b = Replacement(Child, "f", wrap("b", b_ref))
    a_ref.append(a), b_ref.append(b)
    a.apply(), b.apply()
    assert Child().f() == "b(a(own))"
    a.revert()  # from the middle: b now wraps what a wrapped
    assert Child().f() == "b(own)" and not a.applied and b.applied
    a.apply()  # back where it was, under b: a wrapper applied after it still wraps it
    assert Child().f() == "b(a(own))"
    b.revert()
    assert Child().f() == "a(own)"
    b.apply()  # reverted from the top: applied on top again
    assert Child().f() == "b(a(own))"
    a.revert(), b.revert()
    assert "f" not in vars(Child) and Child().f() == "own"  # inherited again, as before


GALLEY = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: 120mm 200mm; margin: 10mm; }
body { margin: 0; font-family: "Noto Serif CJK SC"; font-size: 10pt; line-height: 14pt; }
p, h3, ul, li { margin: 0; padding: 0; } h3 { font-size: 12pt; line-height: 20pt; }
.col { width: 50mm; margin-left: 5mm; padding-top: 2mm; } ul { list-style: none; }
</style></head><body>
<section class="col" id="c1" data-key="one|3|1"><h3>小标题</h3><p>短段。</p>
<p>{long}</p><ul class="briefs"><li>简讯一。</li><li>简讯二。</li></ul></section>
<section class="col" data-key="two|3|1"><p>第二栏。</p></section>
</body></html>"""


def test_blocks_are_plain_records_in_mm_with_their_lines(fonts, tmp_path):
    settings = load_settings()
    html = GALLEY.replace("{long}", "全区各乡镇认真开展主题教育活动，深入基层调查研究。" * 6)
    doc = engine.lay_out(html, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                         sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test")
    first, second = doc.find("col")
    assert (first.get("key"), second.get("key")) == ("one|3|1", "two|3|1")
    assert first.id == "c1" and first.tag == "section" and first.page == 0 and not first.anonymous
    assert first.content.x == pytest.approx(15.0, abs=0.01)  # page margin 10 + margin-left 5
    assert first.content.width == pytest.approx(50.0, abs=0.01)
    assert first.content.y - first.border.y == pytest.approx(2.0, abs=0.01)  # padding-top
    h3, short, long, briefs = first.children
    assert [b.tag for b in first.children] == ["h3", "p", "p", "ul"]
    assert (h3.line_count, short.line_count) == (1, 1)
    assert long.line_count >= 4
    line = 14 * 25.4 / 72  # mm
    assert long.content.height == pytest.approx(long.line_count * line, abs=0.01)
    assert short.margin.bottom == pytest.approx(long.margin.y, abs=0.001)  # stacked, no gap
    assert all(a.bottom <= b.y + 0.001 for a, b in itertools.pairwise(long.lines))
    assert [li.line_count for li in briefs.children] == [1, 1]
    assert first.find("briefs") == (briefs,)
    assert [b.tag for b in first.descendants()] == ["h3", "p", "p", "ul", "li", "li"]
    assert doc.page_count == 1


TAGGED = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: 120mm 60mm; margin: 10mm; @bottom-center { content: counter(page); font-size: 8pt; } }
body { margin: 0; font-family: "Noto Serif CJK SC"; font-size: 10pt; line-height: 14pt; }
p { margin: 0; } .toc::after { content: leader(".") "9"; --pdf-artifact: layout; }
</style></head><body>
<section id="s"><h1>版面</h1><p><a class="toc" href="#p2">第二段</a></p>
<p id="p2">{long}<strong>完</strong></p></section>
</body></html>"""


def test_a_tagged_render_records_what_its_content_belongs_to(fonts, tmp_path):
    """engine/tagging.py: no tree from WeasyPrint; the record says which element each piece
    of marked content and each link annotation belongs to, across pages; page furniture and
    content marked --pdf-artifact are artifacts, not in it."""
    import io

    import pikepdf

    settings = load_settings()
    html = TAGGED.replace("{long}", "全区各乡镇认真开展主题教育活动，深入基层调查研究。" * 30)
    rendered = engine.render(html, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                             sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test",
                             pdf_tags=True)
    structure = rendered.structure
    elements = {e.key: e for e in structure.elements}
    tags = {t.element: elements[t.element].tag for t in structure.content}
    assert set(tags.values()) == {"h1", "a", "p", "strong"}  # nothing for the margin or ::after
    p2, = [e for e in elements.values() if e.get("id") == "p2"]
    assert len({t.page for t in structure.content if t.element == p2.key}) > 1  # one p, two pages
    link, = [e for e in elements.values() if e.tag == "a"]
    assert link.text == "第二段" and elements[link.parent].tag == "p"
    # one annotation: none more for the ::after inside the link (engine/patches/nested_links.py)
    assert [t.annotation for t in structure.content if t.element == link.key and t.annotation is not None] == [0]
    with pikepdf.open(io.BytesIO(rendered.pdf)) as pdf:
        assert "/StructTreeRoot" not in pdf.Root
        assert len(pdf.pages) > 1
        for index, page in enumerate(pdf.pages):
            mcids = sorted(t.mcid for t in structure.content if t.page == index and t.mcid is not None)
            assert mcids == list(range(len(mcids)))  # every MCID the page's stream has
            content = page.obj.Contents.read_bytes()
            assert content.count(b"/MCID") == len(mcids)
            assert b"/Artifact <</Type /Pagination>> BDC" in content.replace(b"\n", b" ")


def test_a_render_drops_each_page_once_drawn_and_records_the_same(fonts, tmp_path, monkeypatch):
    """engine/tagging.py (``recording(free=True)``): a one-shot tagged render walks each page
    as it is painted and drops its boxes (the reading PDF does not hold the whole issue's
    boxes while it draws); the record and the PDF are those of a laid-out document written
    (which keeps its boxes: it may be measured or written again)."""
    import gc
    import weakref

    from weasyprint import document as wp_document

    settings = load_settings()
    html = TAGGED.replace("{long}", "全区各乡镇认真开展主题教育活动，深入基层调查研究。" * 60)
    kwargs = dict(base_dir=tmp_path, stylesheets=[], fonts=fonts,
                  sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test", pdf_tags=True)
    drawn: list = []  # weak references to the page boxes drawn, in order
    alive: list[int] = []  # at each page drawn, how many of the earlier pages' boxes are alive
    draw_page = wp_document.draw_page

    def spy(box, stream):
        gc.collect()
        alive.append(sum(ref() is not None for ref in drawn))
        drawn.append(weakref.ref(box))
        return draw_page(box, stream)

    monkeypatch.setattr(wp_document, "draw_page", spy)
    rendered = engine.render(html, **kwargs)
    assert len(alive) > 2 and alive == [0] * len(alive)
    drawn.clear(), alive.clear()
    written = engine.lay_out(html, **kwargs).write(pdf_tags=True)
    assert alive == list(range(len(alive)))  # a Document keeps its pages
    assert rendered.structure == written.structure and rendered.pdf == written.pdf


def test_outside_a_recording_weasyprint_tags_as_it_always_did(fonts, tmp_path):
    import io

    import pikepdf

    wp = engine.load(fonts)
    out = io.BytesIO()
    wp.HTML(string=TAGGED.replace("{long}", "正文。")).write_pdf(out, pdf_tags=True)
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        assert pdf.Root.StructTreeRoot.K[0].S == "/Document"


CONTENTS = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: 150mm 80mm; margin: 10mm; }
body { margin: 0; font-family: "Noto Serif CJK SC"; font-size: 11pt; line-height: 18pt; }
ol { list-style: none; margin: 0; padding: 0; } li { margin-left: 2em; }
a { color: inherit; text-decoration: none; }
a::after { content: leader(". ") target-counter(attr(href), page); --pdf-artifact: layout; }
</style></head><body><ol>
<li><a href="#a">窑咀大桥合龙</a></li><li><a href="#a">官埠桥镇 主题教育立行立改</a></li>
<li><a href="#a">一个很长很长的标题，长得要折行：全区各乡镇认真开展主题教育活动，深入基层调查研究</a></li>
</ol><p id="a">正文。</p></body></html>"""


def _text_objects_and_chars(pdf: bytes):
    """(BT operators, [(character, its box in pt rounded to 0.01)]) of a one-page PDF."""
    import io

    import pikepdf
    import pypdfium2

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        texts = doc.pages[0].obj.Contents.read_bytes().count(b"\nBT\n")
    page = pypdfium2.PdfDocument(pdf)[0].get_textpage()
    chars = [(page.get_text_range(i, 1), tuple(round(v, 2) for v in page.get_charbox(i)))
             for i in range(page.count_chars())]
    return texts, chars


def test_a_leader_is_one_text_object_with_its_dots_where_the_copies_were(fonts, tmp_path, monkeypatch):
    """engine/patches/leader_run.py: WeasyPrint draws a leader as one text box a repetition;
    joined, the dots are one text object each leader, the same characters at the same places."""
    from publisher.engine.patches import leader_run

    settings = load_settings()

    def render() -> bytes:
        return engine.render(CONTENTS, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                             sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test",
                             pdf_tags=True).pdf

    joined_texts, joined = _text_objects_and_chars(render())
    with without(*leader_run.replacements()):
        copies_texts, copies = _text_objects_and_chars(render())
    assert [c for c, _ in joined] == [c for c, _ in copies]
    assert "".join(c for c, _ in joined).count(". . . .") >= 3
    # each glyph within 0.01 pt of where its copy stood (the font's advances in thousandths
    # of an em, against each copy's own text matrix)
    assert all(a == pytest.approx(b, abs=0.015) for (_, a), (_, b) in zip(joined, copies, strict=True))
    # one text object each title line (the third title takes two), leader and page number,
    # one the paragraph
    assert joined_texts == 4 + 3 + 3 + 1
    assert copies_texts > 3 * joined_texts
    # where the repeated string would not be as wide as the copies, they are kept
    monkeypatch.setattr(leader_run, "_TOLERANCE", -1.0)
    kept_texts, kept = _text_objects_and_chars(render())
    assert kept_texts == copies_texts and kept == copies


def _count_compressions(monkeypatch) -> list[int]:
    """The zlib level of each stream compressed from now on (through engine/patches/compressed_once)."""
    import zlib

    from publisher.engine.patches import compressed_once

    calls: list[int] = []

    class Counting:
        def compressobj(self, level):
            calls.append(level)
            return zlib.compressobj(level=level)

    monkeypatch.setattr(compressed_once, "zlib", Counting())
    return calls


def test_a_large_stream_is_compressed_once_a_process_with_the_same_bytes(fonts, monkeypatch):
    """engine/patches/compressed_once.py: the same large stream (a print 版's output profile)
    is compressed the second time it is written, then taken from the table; pydyf's bytes.
    (``fonts``: the engine installed, as a build does, when this test runs alone.)"""
    import pydyf

    from publisher.engine.patches import compressed_once

    monkeypatch.setattr(compressed_once, "_seen", set())
    monkeypatch.setattr(compressed_once, "_memo", {})
    calls = _count_compressions(monkeypatch)
    profile = bytes(range(256)) * 1024  # 256 KB, as an ICC profile is large
    small = b"0 0 m 10 10 l S"

    def written(raw: bytes) -> bytes:
        return pydyf.Stream([raw], {"N": 4}, compress=True).data

    replacement, = compressed_once.replacements()
    assert replacement.applied
    with without(replacement):
        expected, expected_small = written(profile), written(small)
    assert [written(profile) for _ in range(3)] == [expected] * 3
    assert calls == [9, 9]  # the first time, the second (then kept), never again
    assert written(small) == expected_small and len(calls) == 3  # small: every time
    # the table is bounded: a stream that would overflow it is compressed every time
    monkeypatch.setattr(compressed_once, "MEMO_BYTES", 0)
    other = bytes(range(255, -1, -1)) * 1024
    assert [len(written(other)) for _ in range(3)] and len(calls) == 6
    assert pydyf.Stream([profile], compress=False).data.endswith(profile + b"\nendstream")


def test_the_output_profile_compressed_ahead_is_not_compressed_again(fonts, monkeypatch, tmp_path):
    """``engine.ahead`` (the EPUB's cover, forked after it): the output profile compressed and
    kept as if seen twice, so that the first page written after it takes the compressed bytes
    from the table, pydyf's; cffi's types of ``_FIRST_TYPES`` parsed. A stream too small for
    the table is left alone."""
    import pydyf
    from weasyprint.text.ffi import ffi

    from publisher.engine import rendering
    from publisher.engine.patches import compressed_once

    monkeypatch.setattr(compressed_once, "_seen", set())
    monkeypatch.setattr(compressed_once, "_memo", {})
    calls = _count_compressions(monkeypatch)
    raw = bytes(range(256)) * 900
    path = tmp_path / "profile.icc"
    path.write_bytes(raw)

    def written(raw: bytes) -> bytes:
        return pydyf.Stream([raw], {"N": 4}, compress=True).data

    replacement, = compressed_once.replacements()
    with without(replacement):
        expected = written(raw)
    engine.ahead(fonts, path)
    assert calls == [9]
    assert written(raw) == expected and calls == [9]  # from the table: not compressed again
    assert set(rendering._FIRST_TYPES) <= set(ffi._parsed_types)
    compressed_once.ahead(b"small")
    assert calls == [9] and len(compressed_once._memo) == 1


def _pydyf_file(compress: bool, version: bytes) -> bytes:
    """A small PDF written by pydyf with an identifier: a page, its content stream (compressed),
    a dictionary and a string; in an object stream (``compress``) or as a plain file."""
    import io

    import pydyf

    pdf = pydyf.PDF()
    content = pydyf.Stream([b"0 0 m 10 10 l S", b"BT /F1 12 Tf (abc) Tj ET"], compress=True)
    pdf.add_object(content)
    pdf.add_page(pydyf.Dictionary({"Type": "/Page", "Parent": pdf.pages.reference,
                                   "MediaBox": pydyf.Array([0, 0, 200, 200]),
                                   "Contents": content.reference}))
    pdf.info["Title"] = pydyf.String("测试 (one)")
    out = io.BytesIO()
    pdf.write(out, version, identifier=True, compress=compress)
    return out.getvalue()


@pytest.mark.parametrize("compress, version", [(True, b"1.7"), (False, b"1.4")])
def test_a_pdf_with_an_identifier_is_written_making_each_objects_bytes_once(fonts, monkeypatch, compress,
                                                                          version):
    """engine/patches/written_once.py: pydyf made every object's bytes a second time (every
    stream compressed again) for the trailer's /ID; kept as written, the same file, each stream
    compressed once."""
    from publisher.engine.patches import written_once

    calls = _count_compressions(monkeypatch)
    replacement, = written_once.replacements()
    assert replacement.applied
    with without(replacement):
        expected, twice = _pydyf_file(compress, version), len(calls)
    calls.clear()
    assert _pydyf_file(compress, version) == expected
    assert b"/ID" in expected
    # the content stream, and with ``compress`` the object stream: each once, where pydyf
    # compressed each twice (the cross-reference stream, written after the /ID, once in both)
    assert len(calls) == (3 if compress else 1) and twice == (5 if compress else 2)


def test_a_pdf_variant_written_with_each_objects_bytes_once_is_the_same_file(fonts, tmp_path):
    """engine/patches/written_once.py on a real document: a PDF/A render (WeasyPrint asks
    pydyf for an identifier) is the same bytes with the patch reverted."""
    from publisher.engine.patches import written_once

    settings = load_settings()

    def render() -> bytes:
        return engine.render(CONTENTS, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                             sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test",
                             pdf_variant="pdf/a-2b").pdf

    replacement, = written_once.replacements()
    with without(replacement):
        expected = render()
    assert render() == expected and b"/ID" in expected


def test_a_lines_strut_is_found_by_its_fields_with_the_same_bytes(fonts, tmp_path, monkeypatch):
    """engine/patches/strut_keys.py: WeasyPrint's strut, asked for every line and inline box,
    printed its table's key each time; found by the tuple of the same fields, it is asked once
    a distinct font and line height, and the document is the same bytes."""
    from weasyprint.layout import inline

    from publisher.engine.patches import strut_keys

    settings = load_settings()

    def render() -> bytes:
        return engine.render(CONTENTS, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                             sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test").pdf

    replacements = strut_keys.replacements()
    with without(*replacements):
        expected = render()
    asked, looked_up = [], []
    original, wrapper = replacements[0].original, inline.strut
    monkeypatch.setattr(replacements[0], "original", lambda style: asked.append(1) or original(style))
    monkeypatch.setattr(inline, "strut", lambda style: looked_up.append(1) or wrapper(style))
    assert render() == expected
    assert 0 < len(asked) <= 6 and len(looked_up) > 5 * len(asked)


def test_a_font_subset_in_one_pass_is_the_two_passes_font(fonts, tmp_path, monkeypatch):
    """engine/patches/subset_once.py: WeasyPrint's second HarfBuzz pass keeps every glyph of
    the first; one pass gives the same font programs, byte for byte, for every face."""
    import io

    import pikepdf

    from publisher.engine.patches import subset_once

    settings = load_settings()
    html = CONTENTS.replace("正文。", "正文。<b style='font-family: \"Noto Sans CJK SC\"'>黑体标题 ABC 123</b>"
                            "<i style='font-family: \"LXGW WenKai\"'>霞鹜文楷</i>")

    def programs() -> list[bytes]:
        pdf = engine.render(html, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                            sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test").pdf
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            found = []
            for font in doc.pages[0].Resources.Font.values():
                descriptor = (font.get("/DescendantFonts") or [font])[0].FontDescriptor
                for key in ("/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        found.append(descriptor[key].read_bytes())
            return sorted(found)

    calls = []
    read = subset_once._wp["get_hb_object_data"]
    monkeypatch.setitem(subset_once._wp, "get_hb_object_data", lambda face: calls.append(face) or read(face))
    replacement, = subset_once.replacements()
    assert replacement.applied
    one_pass = programs()
    assert len(calls) == len(one_pass)  # each face subset by the one pass
    with without(replacement):
        two_passes = programs()
    assert len(one_pass) >= 3 and one_pass == two_passes


STYLED = """<!DOCTYPE html><html lang="zh-Hans" style="--gap: 2mm"><head><meta charset="utf-8"><style>
@page { size: 120mm 90mm; margin: 8mm; }
body { margin: 0; font-family: "Noto Serif CJK SC"; font-size: 10pt; line-height: 15pt;
       text-indent: calc(10% + 1em); }
div.box { margin-inline-start: 6mm; padding: var(--gap); border-left: 1pt solid; float: left;
          width: calc(50% - 2mm); text-decoration: underline; }
p.lead { padding-inline-end: 3mm; letter-spacing: 0.1em; position: relative; left: 2mm; }
span { display: inline-block; --mark: x; }
p.rtl { direction: rtl; margin-inline-start: 4mm; padding-inline-end: 1mm; }
</style></head><body><div class="box"><p class="lead">导语<span>一段</span>文字</p></div>
<p class="rtl">从右到左的段落</p>
<p>正文：全区各乡镇认真开展主题教育活动，深入基层调查研究。</p></body></html>"""


def test_an_undeclared_property_is_computed_directly_with_the_same_values(fonts, tmp_path):
    """engine/patches/computed_defaults.py: a property no rule declares takes its parent's or
    its initial value without WeasyPrint's steps; every property of every box (a logical
    property declared for its physical twin, a custom one, an inherited calc() with a
    percentage, text decorations, floats and positions; left-to-right and right-to-left
    elements, whose physical properties have other logical twins) is the same value, and the
    document the same bytes, with the patch reverted."""
    import weasyprint
    from weasyprint.css.properties import INITIAL_VALUES

    from publisher.engine.patches import computed_defaults

    settings = load_settings()

    def render() -> tuple[bytes, list[str]]:
        pdf = engine.render(STYLED, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                            sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test").pdf
        document = weasyprint.HTML(string=STYLED).render()
        values = []
        for page in document.pages:
            for box in page._page_box.descendants():
                for key in (*sorted(INITIAL_VALUES), "__gap", "__mark"):
                    try:
                        values.append(repr((key, box.style[key])))
                    except KeyError:  # an anonymous box's logical border width (WeasyPrint's)
                        values.append(repr((key, KeyError)))
        return pdf, values

    replacement, = computed_defaults.replacements()
    assert replacement.applied
    patched = render()
    with without(replacement):
        expected = render()
    assert len(patched[1]) > 10
    assert patched[1] == expected[1]
    assert patched[0] == expected[0]


LENGTHS = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: 120mm 160mm; margin: 8mm 10%; }
body { margin: 2% 3mm; padding: 1em 5%; font-family: "Noto Serif CJK SC"; font-size: 10pt; }
div.a { width: 60%; min-width: 20mm; max-width: calc(80% - 2mm); height: 12mm; min-height: 10%;
        padding: 2% 1mm; border: 1pt solid; box-sizing: border-box; margin: auto; }
div.b { position: absolute; left: 10%; top: calc(5% + 2mm); right: auto; bottom: 3mm; width: 30mm; }
div.c { position: relative; left: -2%; top: 1mm; max-height: 50%; padding-top: calc(1% + 1pt); }
div.d { float: right; width: 25%; margin-left: 4%; padding: 1mm; border-top: 2pt dotted; }
div.e { display: flex; height: 20mm; } div.e > p { flex: 1; margin: 0 2%; min-width: auto; }
table { width: 80%; border-collapse: collapse; } td { padding: 1%; border: 1pt solid; width: 30%; }
span { display: inline-block; width: 20%; padding: 0 1mm; margin-inline-start: 2%; }
</style></head><body>
<div class="a">导语<span>一段</span>文字</div><div class="b">定位</div><div class="c">相对定位的段落</div>
<div class="d">浮动</div><div class="e"><p>甲</p><p>乙乙</p></div>
<table><tr><td>表</td><td>格</td></tr></table>
<p>正文：全区各乡镇认真开展主题教育活动，深入基层调查研究。</p></body></html>"""


def test_used_lengths_are_the_same_resolved_in_one_pass(fonts, tmp_path):
    """engine/patches/used_lengths.py: the used margins, paddings, sizes, offsets and border
    widths of every box (percentages of definite and auto containing blocks, calc(), auto,
    box-sizing, positioned, floated, flex and table boxes) are WeasyPrint's own, and the
    documents the same bytes, with the patch reverted; every module's name for the two
    functions is the patch's while it is applied."""
    import weasyprint
    from weasyprint.layout import block, percent

    from publisher.engine.patches import used_lengths

    settings = load_settings()
    names = ("margin", "padding", "border")
    sides = ("top", "right", "bottom", "left")
    attributes = [f"{n}_{s}" for n in names for s in sides]
    attributes = [a if not a.startswith("border") else a + "_width" for a in attributes]
    attributes += ["width", "height", "min_width", "max_width", "min_height", "max_height",
                   "left", "right", "top", "bottom", "position_x", "position_y"]

    def render(html: str) -> tuple[bytes, list[str]]:
        pdf = engine.render(html, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                            sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test").pdf
        document = weasyprint.HTML(string=html).render()
        values = [repr((type(box).__name__, a, getattr(box, a, None)))
                  for page in document.pages for box in page._page_box.descendants()
                  for a in attributes]
        return pdf, values

    replacements = used_lengths.replacements()
    assert len(replacements) >= 9 and all(r.applied for r in replacements)
    assert block.resolve_percentages is used_lengths.resolve_percentages
    assert percent.resolve_position_percentages is used_lengths.resolve_position_percentages
    patched = [render(html) for html in (LENGTHS, STYLED)]
    with without(*replacements):
        assert block.resolve_percentages is percent.resolve_percentages
        expected = [render(html) for html in (LENGTHS, STYLED)]
    for (pdf, values), (pdf_expected, values_expected) in zip(patched, expected, strict=True):
        assert len(values) > 300
        assert values == values_expected
        assert pdf == pdf_expected


BACKGROUNDS = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: 120mm 120mm; margin: 8mm; background: #eee; }
body { font-family: "Noto Serif CJK SC"; font-size: 10pt; }
.a { background: #fc0; border-radius: 2mm; } .b { border-radius: 10% / 1mm; border: 1pt solid; }
.c { box-shadow: 1mm 1mm 0 #999; } .d { visibility: hidden; background: red; }
.e { color: blue; background-color: currentcolor; } .f { background-image: linear-gradient(red, blue); }
.g { background-color: rgb(0 0 0 / 0); } .h { border-top-left-radius: 0 3mm; }
</style></head><body style="background: white">
<p class="a">甲<span>乙</span></p><p class="b">丙丁</p><p class="c">戊</p><p class="d">己<em>庚</em></p>
<p class="e">辛</p><p class="f">壬</p><p class="g">癸<span class="a">子</span></p><p class="h">丑</p>
<p>正文：全区各乡镇认真开展主题教育活动，深入基层调查研究。<span>寅</span></p></body></html>"""


def test_a_box_with_nothing_behind_it_is_known_by_its_style(fonts, tmp_path):
    """engine/patches/plain_backgrounds.py: every box's background and border radii (colours,
    radii, shadows, hidden boxes, currentcolor, gradients, transparent colours, boxes
    inside boxes with backgrounds) are WeasyPrint's own, and the documents the same bytes,
    with the patch reverted; while applied, plain boxes skip WeasyPrint's function."""
    import re

    import weasyprint

    from publisher.engine.patches import plain_backgrounds

    settings = load_settings()
    corners = ("border_top_left_radius", "border_top_right_radius", "border_bottom_right_radius",
               "border_bottom_left_radius")

    def render(html: str) -> tuple[bytes, list[str]]:
        pdf = engine.render(html, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                            sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test").pdf
        document = weasyprint.HTML(string=html).render()
        def painted(background) -> str:
            # its colour and layers (a gradient's address apart), not its style's dictionary,
            # whose properties are computed as they are first read, in whatever order
            if background is None:
                return "None"
            return re.sub(r" at 0x[0-9a-f]+", "", repr((background.color, background.layers)))

        values = [repr((type(box).__name__, painted(getattr(box, "background", None)),
                        *(getattr(box, c, None) for c in corners)))
                  for page in document.pages for box in (page._page_box, *page._page_box.descendants())]
        values += [painted(getattr(page._page_box, "canvas_background", None)) for page in document.pages]
        return pdf, values

    replacements = plain_backgrounds.replacements()
    assert all(r.applied for r in replacements)
    original = replacements[0].original
    calls = []
    replacements[0].original = lambda *args: calls.append(args[1]) or original(*args)
    try:
        patched = [render(html) for html in (BACKGROUNDS, STYLED)]
    finally:
        replacements[0].original = original
    # each document is laid out twice (engine and WeasyPrint): WeasyPrint's function for
    # every box would be called at least twice for each; it was for the few not plain
    assert calls and len(calls) < sum(len(values) for _, values in patched) / 2
    with without(*replacements):
        expected = [render(html) for html in (BACKGROUNDS, STYLED)]
    for (pdf, values), (pdf_expected, values_expected) in zip(patched, expected, strict=True):
        assert len(values) > 20
        assert values == values_expected
        assert pdf == pdf_expected


def test_the_html_tokenizers_expressions_are_built_once(fonts, monkeypatch):
    """engine/patches/parse_regexes.py: tinyhtml5 kept each expression of ``chars_until``
    under the wrong key and built it again at every call; kept under its own, a document
    parses to the same tree with no expression built the second time."""
    import re
    import xml.etree.ElementTree as ET

    import tinyhtml5
    from tinyhtml5 import inputstream

    from publisher.engine.patches import parse_regexes

    def tree() -> bytes:
        return ET.tostring(tinyhtml5.parse(STYLED + "<p title='a&amp;b' lang=\"zh\">尾<!-- x --></p>",
                                           namespace_html_elements=False))

    replacement, = parse_regexes.replacements()
    assert replacement.applied
    compiled = []
    compile_ = re.compile
    monkeypatch.setattr(inputstream.re, "compile", lambda *a: compiled.append(a) or compile_(*a))
    patched = tree()
    compiled.clear()
    assert tree() == patched and not compiled  # nothing built again
    with without(replacement):
        assert tree() == patched and compiled  # tinyhtml5's own: built at every call
NUMBERED = """<!DOCTYPE html><html lang="zh"><head><style>
@page { size: 100mm 80mm; margin: 10mm; @bottom-center { content: "第" counter(page) "页"; } }
</style></head><body>{body}</body></html>"""


def _folios(pdf_bytes: bytes) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    return [line for page in doc for line in page.get_textpage().get_text_range().split()
            if line.startswith("第") and line.endswith("页")]


def test_a_document_laid_out_is_numbered_from_the_first_page_it_is_given_later(fonts, tmp_path):
    """engine/numbering.py: laid out with ``number_later``, a document has no margin boxes
    until ``number(first)``; its folios then count from ``first``, and numbered from 1 it is
    the file a render that made its margin boxes at once gives: the same bytes (the boxes,
    their backgrounds and their place on the page are WeasyPrint's). It must be numbered
    before it is written, and once; outside such a layout nothing waits."""
    settings = load_settings()
    body = "".join(f"<p style='break-before: page'>第{i}段</p>" for i in range(3))
    html = NUMBERED.replace("{body}", body)
    kwargs = dict(base_dir=tmp_path, stylesheets=[], fonts=fonts,
                  sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test")
    later = engine.lay_out(html, number_later=True, **kwargs)
    assert later.page_count == 3
    with pytest.raises(RuntimeError, match="numbered before it is written"):
        later.write()
    with pytest.raises(ValueError, match="positive integer"):
        later.number(0)
    later.number(41)
    with pytest.raises(RuntimeError, match="numbered once"):
        later.number(41)
    assert _folios(later.write().pdf) == ["第41页", "第42页", "第43页"]
    plain = engine.render(html, **kwargs)
    assert _folios(plain.pdf) == ["第1页", "第2页", "第3页"]
    one = engine.lay_out(html, number_later=True, **kwargs)
    one.number(1)
    assert one.write().pdf == plain.pdf
    with pytest.raises(RuntimeError, match="only if laid out with number_later"):
        engine.lay_out(html, **kwargs).number(1)
    assert _folios(engine.lay_out(html, **kwargs).write().pdf) == ["第1页", "第2页", "第3页"]  # nothing left open


def test_placeholder_fonts_embed_glyph_0_alone_and_nothing_else_changes(fonts, tmp_path):
    """engine/placeholder_fonts.py: inside the block each face's program is its subset to
    glyph 0 (its name kept, which pdfjoin.share finds the pinned face by); the font
    dictionaries (widths, ToUnicode) are those of a normal render; outside, fonts are
    subset as ever."""
    import io

    import pikepdf
    import uharfbuzz as hb

    settings = load_settings()
    html = NUMBERED.replace("{body}", "<p>全区各乡镇认真开展主题教育活动。</p>")
    kwargs = dict(base_dir=tmp_path, stylesheets=[], fonts=fonts,
                  sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test")

    def programs(data: bytes) -> dict[str, tuple[int, bytes, bytes]]:
        out = {}
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for font in pdf.pages[0].obj.Resources.Font.values():
                cid = font.DescendantFonts[0]
                program = cid.FontDescriptor.get("/FontFile2") or cid.FontDescriptor.FontFile3
                face = hb.Face(program.read_bytes())
                name = face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME)
                out[name] = (face.glyph_count, cid.W.unparse(), font.ToUnicode.read_bytes())
        return out

    normal = programs(engine.render(html, **kwargs).pdf)
    placeholders = programs(engine.render(html, placeholder_fonts=True, **kwargs).pdf)
    assert normal.keys() == placeholders.keys() and normal
    for name, (glyphs, widths, to_unicode) in placeholders.items():
        assert glyphs == 1 and normal[name][0] > 1, name
        assert (widths, to_unicode) == normal[name][1:], name
    assert programs(engine.render(html, **kwargs).pdf) == normal  # nothing left open


def test_renders_reusing_the_process_font_configuration_give_the_same_bytes(fonts, tmp_path):
    """render(reuse_fonts=True): one fontconfig and Pango font map for the process's renders
    (the reading PDF's 版); what a render writes does not depend on what the font map saw
    before it."""
    settings = load_settings()
    kwargs = dict(base_dir=tmp_path, stylesheets=[], fonts=fonts,
                  sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test")
    first = NUMBERED.replace("{body}", "<p>全区各乡镇认真开展主题教育活动。</p><p><b>Latin 123</b></p>")
    other = NUMBERED.replace("{body}", "<h1 style='font-family: sans-serif'>咸宁日报</h1><p>深入基层。</p>")
    alone = engine.render(first, **kwargs).pdf
    assert engine.render(first, reuse_fonts=True, **kwargs).pdf == alone
    engine.render(other, reuse_fonts=True, **kwargs)  # the font map sees another face
    assert engine.render(first, reuse_fonts=True, **kwargs).pdf == alone


def test_print_pages_laid_out_reusing_fonts_and_stylesheets_give_the_same_bytes(fonts, tmp_path, monkeypatch):
    """lay_out(reuse_fonts=True), as the print 版 are: the process's font map, and each house
    stylesheet parsed once a process for the same bytes (engine.rendering._stylesheet); the
    PDF is byte for byte a fresh render's, and a stylesheet's warnings stop every render."""
    import weasyprint

    from publisher.engine import rendering
    from publisher.errors import RenderError

    settings = load_settings()
    sheet = tmp_path / "house.css"
    sheet.write_text("p { color: #333; text-indent: 2em } h1 { font-family: sans-serif }", "utf-8")
    kwargs = dict(base_dir=tmp_path, stylesheets=[sheet], fonts=fonts,
                  sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test")
    first = NUMBERED.replace("{body}", "<p>全区各乡镇认真开展主题教育活动。</p><p><b>Latin 123</b></p>")
    other = NUMBERED.replace("{body}", "<h1>咸宁日报</h1><p>深入基层。</p>")
    monkeypatch.setattr(rendering, "_sheets", {})
    parsed = []
    parse = weasyprint.CSS
    monkeypatch.setattr(weasyprint, "CSS", lambda **kw: parsed.append(kw.get("filename")) or parse(**kw))

    def pdf(html: str, **more) -> bytes:
        return engine.lay_out(html, **kwargs, **more).write().pdf

    alone = pdf(first)
    assert parsed == [str(sheet)]
    pdf(other, reuse_fonts=True)
    assert pdf(first, reuse_fonts=True) == alone
    assert parsed == [str(sheet)]  # parsed once
    sheet.write_text("p { color: #333; text-indent: 2em; colour: red }", "utf-8")  # a typo
    for _ in range(2):  # reported by every render, not only the one that parsed it
        with pytest.raises(RenderError, match="colour"):
            pdf(first)
    assert len(parsed) == 2
    # a stylesheet that fetches (an @import, which the sandbox is asked about) is parsed for
    # each render
    (tmp_path / "more.css").write_text("h1 { color: #666 }", "utf-8")
    sheet.write_text('@import url("more.css"); p { color: #333 }', "utf-8")
    imported = pdf(first)
    assert pdf(first) == imported and parsed.count(str(sheet)) == 4


def test_a_fonts_whole_file_is_copied_only_when_read(fonts, tmp_path, monkeypatch):
    """engine/patches/face_on_demand.py: WeasyPrint copied the whole file of each face a
    document draws with, then embedded its subset; the copy is made only when read, and the
    PDF is byte for byte the same."""
    from weasyprint.pdf import fonts as pdf_fonts

    from publisher.engine.patches import face_on_demand

    settings = load_settings()
    html = NUMBERED.replace("{body}", "<p>全区各乡镇认真开展主题教育活动。<b style='font-family: "
                            "\"Noto Sans CJK SC\"'>黑体 ABC</b></p>")
    kwargs = dict(base_dir=tmp_path, stylesheets=[], fonts=fonts,
                  sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test")
    made, read = [], []

    class Deferred(face_on_demand.Deferred):
        __slots__ = ()

        def __init__(self, face, original):
            super().__init__(face, original)
            made.append(self)

        def value(self):
            read.append(self)
            return super().value()

    monkeypatch.setattr(face_on_demand, "Deferred", Deferred)
    replacements = face_on_demand.replacements()
    assert all(r.applied for r in replacements)
    lazy = engine.render(html, **kwargs).pdf
    assert len(made) >= 2 and read == []  # every face subset: no whole file copied
    with without(*replacements):
        assert "file_content" not in vars(pdf_fonts.Font)
        assert engine.render(html, **kwargs).pdf == lazy
    # read, a face's deferred bytes are its whole file, copied once
    files = {p.stat().st_size: p for p in settings.fonts_dir.iterdir() if p.suffix in (".ttc", ".ttf")}
    font = pdf_fonts.Font.__new__(pdf_fonts.Font)
    font.file_content = made[0]
    assert isinstance(vars(font)["_file_content"], face_on_demand.Deferred)
    whole = font.file_content
    assert isinstance(whole, bytes) and whole == files[len(whole)].read_bytes()
    assert font.file_content is whole and len(read) == 1


# Lines broken in every way measured_once tells apart: Chinese with halts, CJK–Latin gaps and
# the unbreakable paragraph end (typeset.css), a letter-spaced headline, lines ending at an
# ideographic space, at a newline, in a break-all URL, and Latin text wrapped at spaces (with
# and without justification, letter spacing and overflow-wrap).
BROKEN = (
    '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>\n'
    "@page { size: 120mm 200mm; margin: 8mm; }\n"
    'body { margin: 0; font-family: "Noto Serif CJK SC"; font-size: 10pt; line-height: 15pt; }\n'
    "article { width: 32mm; } h2 { letter-spacing: 0.04em; font-size: 14pt; }\n"
    ".latin { width: 40mm; } .pre { white-space: pre-line; } .ideo { width: 31mm; }\n"
    "</style></head><body>\n"
    "<article><h2>新华社北京十月二十一日电记者从国家统计局获悉</h2>\n"
    "<p>十月二十一日，国家统计局发布数据显示，前三季度国内生产总值为697798亿元，按可比价格计算，同比增长6.2%。其中，一季度增长6.4%，二季度增长6.2%，三季度增长6.0"
    "%。“我们有信心、有能力”，他说（见图）。网址www.stats.gov.cn可查。</p>\n"
    '<p class="ideo">\u3000\u3000甲乙丙丁戊己庚辛\u3000壬癸子丑寅卯辰巳\u3000午未申酉'
    '戌亥一二\u3000三四五六七八九十\u3000天地玄黄宇宙洪荒日\u3000月盈昃辰宿列张寒\u3000来暑往秋收冬藏'
    '。</p>\n'
    '<p class="pre">第一行\n'
    "第二行很长很长很长很长很长很长很长很长\n"
    "第三行</p>\n"
    '<p>含有<span class="brk">https://example.org/a/very/long/path/that/breaks</span>的一段文字，还有Lati'
    "n words与中文混排的句子，以及soft&shy;hyphen的情况。</p>\n"
    "</article>\n"
    '<div class="latin">The quick brown fox jumps over the lazy dog, again and again, extraordi'
    "narily, incomprehensibly long words here.</div>\n"
    '<div class="latin" style="text-align: justify; letter-spacing: 0.05em">Justified text with'
    " letter spacing wraps at spaces and at hyphen-ated words here and there.</div>\n"
    '<div class="latin" style="overflow-wrap: anywhere">Anywhere wrapping: supercalifragilistic'
    "expialidociousword and more words.</div>\n"
    "</body></html>"
)


def test_a_broken_line_is_measured_on_the_draft_only_where_it_is_the_line_alone(fonts, tmp_path, monkeypatch):
    """engine/patches/measured_once.py: a broken line is measured on the layout that broke it
    instead of being laid out again alone. For every broken line, both measures are taken:
    where the patch takes the draft's (most lines) they are the same numbers; among the lines
    it lays out again are some whose draft measure is not the line's (a line ending at an
    ideographic space, whose width Pango zeroes at a wrap; at an ASCII space, which WeasyPrint
    strips): the rule is needed. The document is the same bytes with the patch reverted."""
    from weasyprint.text import line_break

    from publisher.engine.patches import measured_once

    settings = load_settings()

    def render() -> bytes:
        return engine.render(BROKEN, base_dir=tmp_path, fonts=fonts, what="test",
                             stylesheets=[settings.styles_dir / "base.css", settings.styles_dir / "typeset.css"],
                             sandbox=engine.Sandbox((tmp_path, settings.styles_dir, settings.fonts_dir))).pdf

    replacement, = measured_once.replacements()
    assert replacement.applied
    original = replacement.original
    taken: list[str] = []
    kept: list[str] = []
    differ: list[str] = []
    kinds: set[tuple[str, bool]] = set()

    def both(first_line, text, layout, resume_at, space_collapse, style, hyphenated=False, character=None):
        if not resume_at or hyphenated:
            return original(first_line, text, layout, resume_at, space_collapse, style, hyphenated, character)
        stands = measured_once.draft_stands(first_line, text, layout, resume_at, style, hyphenated)
        draft = measured_once.draft_measure(first_line, style)
        kinds.add((type(layout).__name__, measured_once._text_only(type(layout))))
        result = original(first_line, text, layout, resume_at, space_collapse, style, hyphenated, character)
        alone = (result[1], result[3], result[4], result[5])
        (taken if stands is not None else kept).append(text.encode()[:draft[0]].decode())
        if stands is not None:
            assert draft == alone, stands
            assert layout.text == stands
        elif draft != alone:
            differ.append(text.encode()[:draft[0]].decode())
        return result

    again: list[int] = []  # the broken lines the patch had laid out again
    monkeypatch.setattr(replacement, "original",
                        lambda *args: again.append(args[3]) or original(*args))
    patched = render()
    monkeypatch.undo()
    monkeypatch.setattr(line_break, "first_line_metrics", both)
    assert render() == patched
    assert len(taken) >= 20 and kept
    assert kinds == {("Layout", True), ("TypesetLayout", True)}  # no Pango text set for either
    assert len([resume for resume in again if resume]) == len(kept)  # the others: the draft's
    assert any(line.endswith("\u3000") for line in differ) and any(line.endswith(" ") for line in differ)
    monkeypatch.undo()
    with without(replacement):
        assert line_break.first_line_metrics is original
        assert render() == patched
