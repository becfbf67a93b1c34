"""publisher.engine's patches for what the reading PDF has more of as the issue grows: its
contents page (page numbers by ``target-counter``, leaders), its bookmarks."""

from __future__ import annotations

import collections
import io

import pytest

from publisher import engine
from publisher.config import load_settings
from publisher.fonts import load_fonts
from tests.conftest import without


@pytest.fixture(scope="module")
def fonts():
    fonts = load_fonts(load_settings().fonts_dir)
    engine.load(fonts)  # WeasyPrint loaded with the pinned fonts, as a build does
    return fonts


# A contents page whose entries' page numbers come from target-counter(attr(href), page), as
# styles/reading.css makes them, and two pages of articles it points to.
CONTENTS = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: 150mm 80mm; margin: 10mm; @bottom-center { content: counter(page); } }
body { margin: 0; font-family: "Noto Serif CJK SC"; font-size: 11pt; line-height: 18pt; }
ol { list-style: none; margin: 0; padding: 0; } li { margin-left: 2em; }
a { color: inherit; text-decoration: none; }
a::after { content: leader(". ") target-counter(attr(href), page); }
article { break-before: page; }
</style></head><body><ol>
<li><a href="#a">窑咀大桥合龙</a></li><li><a href="#b">官埠桥镇 主题教育立行立改</a></li>
<li><a href="#b">一个很长很长的标题，长得要折行：全区各乡镇认真开展主题教育活动，深入基层调查研究</a></li>
</ol><article id="a">正文。</article><article id="b">正文。</article></body></html>"""


def _render(fonts, tmp_path) -> bytes:
    settings = load_settings()
    return engine.render(CONTENTS, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                         sandbox=engine.Sandbox((tmp_path, settings.fonts_dir)), what="test",
                         pdf_tags=True).pdf


def _layouts(fonts, tmp_path, monkeypatch) -> tuple[bytes, dict[int, int], str]:
    """The PDF, how many times each page was laid out, and the first page's text."""
    import pypdfium2
    from weasyprint.layout import page

    made: collections.Counter[int] = collections.Counter()
    remake = page.remake_page

    def counting(index, *args, **kwargs):
        made[index] += 1
        return remake(index, *args, **kwargs)

    monkeypatch.setattr(page, "remake_page", counting)
    pdf = _render(fonts, tmp_path)
    monkeypatch.setattr(page, "remake_page", remake)
    text = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].get_textpage().get_text_range()
    return pdf, dict(made), text


def test_a_contents_page_by_target_counter_is_laid_out_twice_with_the_same_pdf(fonts, tmp_path, monkeypatch):
    """engine/patches/target_counters.py: the contents page is laid out once to find where
    its targets fall and once with their numbers; WeasyPrint laid it out a third time (the
    second with every number 0), for the same PDF."""
    from publisher.engine.patches import target_counters

    pdf, made, text = _layouts(fonts, tmp_path, monkeypatch)
    assert made == {0: 2, 1: 1, 2: 1}
    numbers = [line.rsplit(" ", 1)[-1] for line in text.splitlines() if ". ." in line]
    assert numbers == ["2", "3", "3"]  # the entries' pages (the last entry takes two lines)
    with without(*target_counters.replacements()):
        before, made_before, _ = _layouts(fonts, tmp_path, monkeypatch)
    assert made_before == {0: 3, 1: 1, 2: 1}
    assert before == pdf


def test_a_page_finds_its_margin_box_styles_without_walking_every_style(fonts, tmp_path, monkeypatch):
    """engine/patches/page_styles.py: WeasyPrint looked for each page's margin-box styles
    among every element's cascaded style (a walk a page, growing with the document); they
    are looked up by key, for the same PDF."""
    from weasyprint.css import StyleFor

    from publisher.engine.patches import page_styles

    walks: list[int] = []

    class Walked(dict):
        def __iter__(self):
            walks.append(len(self))
            return super().__iter__()

    cascaded = StyleFor.get_cascaded_styles
    monkeypatch.setattr(StyleFor, "get_cascaded_styles", lambda self: Walked(cascaded(self)))
    pdf = _render(fonts, tmp_path)
    assert walks == []
    with without(*page_styles.replacements()):
        before = _render(fonts, tmp_path)
    assert len(walks) == 4  # one a page laid out: the contents twice, the articles' pages once
    assert before == pdf


def test_a_leader_is_measured_once_for_its_string_count_and_font(fonts, tmp_path, monkeypatch):
    """engine/patches/leader_run.py: entries whose leaders repeat the same string as many
    times in the same font share one measurement (every entry of a contents page, in each of
    its passes, was shaped again), and each leader is still one text box."""
    import re
    from types import SimpleNamespace

    import pikepdf
    from weasyprint.text import line_break

    from publisher.engine.patches import leader_run

    same = CONTENTS.replace('<li><a href="#b">官埠桥镇 主题教育立行立改</a></li>',
                            '<li><a href="#a">窑咀大桥合龙</a></li>' * 5)
    measured: list[float] = []

    def line_size(line, style):
        measured.append(1.0)
        return line_break.line_size(line, style)

    monkeypatch.setitem(leader_run._wp, "line_break",
                        SimpleNamespace(create_layout=line_break.create_layout, line_size=line_size,
                                        _font_style_cache_key=line_break._font_style_cache_key))
    monkeypatch.setattr(__import__(__name__), "CONTENTS", same)
    pdf = _render(fonts, tmp_path)
    # six entries alike, laid out twice, and the long one: at most four strings measured
    assert 1 <= len(measured) <= 4
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        content = doc.pages[0].obj.Contents.read_bytes()
    # one text object a leader: a TJ array of dots and spaces each
    leaders = [array for array in re.findall(rb"\[(.*?)\] TJ", content) if array.count(b"<") > 20]
    assert len(leaders) == 7


def test_a_font_description_is_made_once_for_its_fields(fonts, tmp_path, monkeypatch):
    """engine/patches/font_descriptions.py: every Pango layout set up got a font description
    of its own; one is made for each distinct font, for the same PDF."""
    from weasyprint.text import line_break

    from publisher.engine.patches import font_descriptions

    replacement, = font_descriptions.replacements()
    made: list[int] = []
    setups: list[int] = []
    make, setup = replacement.original, line_break.Layout.setup

    def counting_make(style):
        made.append(1)
        return make(style)

    def counting_setup(self, style):
        setups.append(1)
        return setup(self, style)

    monkeypatch.setattr(replacement, "original", counting_make)
    monkeypatch.setattr(line_break.Layout, "setup", counting_setup)
    pdf = _render(fonts, tmp_path)
    assert len(setups) > 50 and 1 <= len(made) <= 6  # body, links, leaders, folios: a few fonts
    monkeypatch.undo()
    with without(*font_descriptions.replacements()):
        assert _render(fonts, tmp_path) == pdf


def test_only_the_sides_of_a_page_with_content_get_margin_boxes(fonts, tmp_path, monkeypatch):
    """engine/patches/margin_boxes.py: WeasyPrint made all sixteen margin boxes of a page to
    keep the one with a folio; only the side that has content is made (its three boxes), for
    the same PDF."""
    from weasyprint.formatting_structure import boxes

    from publisher.engine.patches import margin_boxes

    made: list[str] = []
    init = boxes.MarginBox.__init__

    def counting(self, at_keyword, style, *args, **kwargs):
        made.append(at_keyword)
        init(self, at_keyword, style, *args, **kwargs)

    monkeypatch.setattr(boxes.MarginBox, "__init__", counting)
    pdf = _render(fonts, tmp_path)
    pages = 3
    assert sorted(set(made)) == ["@bottom-center", "@bottom-left", "@bottom-right"]
    assert len(made) == 3 * pages
    made.clear()
    with without(*margin_boxes.replacements()):
        before = _render(fonts, tmp_path)
    assert len(made) == 16 * pages
    assert before == pdf


# Pseudo-elements of every kind the user-agent's rules and a house's make: list markers,
# ::before and ::after, a footnote with its call and marker.
PSEUDOS = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: 150mm 80mm; margin: 10mm; @bottom-center { content: counter(page); } }
body { margin: 0; font-family: "Noto Serif CJK SC"; font-size: 11pt; line-height: 18pt; }
ol li::marker { color: #c00; }
h1::before { content: "【"; } h1::after { content: "】"; }
.note { float: footnote; }
</style></head><body><h1 id="t">标题</h1><ol><li>第一</li><li>第二</li></ol>
<p>正文<span class="note">注释。</span>正文。</p><ul><li>甲</li></ul></body></html>"""


def test_a_pseudo_element_style_is_made_only_when_asked_for(fonts, tmp_path, monkeypatch):
    """engine/patches/pseudo_styles.py: WeasyPrint made a computed style for six
    pseudo-elements of every element (the user-agent's ::marker, ::footnote-call… rules name
    no element), kept through the layout though almost none is asked for; only those asked
    for are made now, for the same PDF."""
    from weasyprint import css

    from publisher.engine.patches import pseudo_styles

    made: collections.Counter[str | None] = collections.Counter()

    class Counted(css.ComputedStyle):
        def __init__(self, parent_style, cascaded, pseudo_type, *args):
            made[pseudo_type] += 1
            super().__init__(parent_style, cascaded, pseudo_type, *args)

    monkeypatch.setattr(css, "ComputedStyle", Counted)
    monkeypatch.setattr(__import__(__name__), "CONTENTS", PSEUDOS)
    pdf = _render(fonts, tmp_path)
    after = dict(made)
    made.clear()
    with without(*pseudo_styles.replacements()):
        before = _render(fonts, tmp_path)
    elements = made["footnote-call"]  # one a element of the HTML, as WeasyPrint made them
    assert elements == 13 and made["marker"] == made["note-callback"] == elements
    assert after["marker"] == 3  # the three list items'
    assert after["footnote-call"] == after["footnote-marker"] == 1  # the footnote's
    assert "note-call" not in after
    assert after["before"] == after["after"] == 1
    assert before == pdf
