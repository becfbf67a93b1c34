"""``engine.render(layout=True)``: one render gives the PDF and where each line of its text sits."""

from __future__ import annotations

import io

import pikepdf
import pytest

from publisher.archive.pdfa import check_pdfa
from publisher.config import load_settings
from publisher.engine import Sandbox, render as engine_render
from publisher.fonts import load_fonts

HTML = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>t</title>
<meta name="dcterms.created" content="2019-10-21T05:00:00+08:00">
<meta name="dcterms.modified" content="2019-10-21T05:00:00+08:00"></head><body>
<p class="editors">责任编辑：周敏</p>
<article id="a-one"><header><p class="kicker">引题在此</p><h2 class="headline">主题标题</h2></header>
<p><span class="dateline">本报讯</span>正文第一段，有 Latin words 和数字 2019。</p>
<figure><figcaption><span class="caption">图片说明</span> <span class="credit">张三 摄</span></figcaption></figure>
</article></body></html>"""


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    settings = load_settings()
    fonts = load_fonts(settings.fonts_dir)
    base = tmp_path_factory.mktemp("layout")

    def go(**options):
        kw = dict(base_dir=base, stylesheets=[settings.styles_dir / "base.css"], fonts=fonts,
                  sandbox=Sandbox((base, settings.styles_dir, settings.fonts_dir)), what="test")
        return engine_render(HTML, layout=True, **kw, **options), engine_render(HTML, **kw, **options).pdf

    return go


def test_lines_carry_text_article_and_role(render):
    rendered, _ = render()
    lines = rendered.pages[0].lines
    by_text = {ln.text: ln for ln in lines}
    assert by_text["责任编辑：周敏"].article is None
    assert by_text["责任编辑：周敏"].runs[0].role == "editors"
    assert by_text["引题在此"].runs[0].role == "kicker"
    head = by_text["主题标题"]
    assert head.article == "a-one" and head.runs[0].role == "headline"
    assert head.runs[0].font_weight >= 600
    body = next(ln for ln in lines if ln.text.startswith("本报讯"))
    assert [r.role for r in body.runs][:2] == ["dateline", "p"]
    caption = next(ln for ln in lines if "图片说明" in ln.text)
    assert {r.role for r in caption.runs if r.text.strip()} == {"caption", "credit"}
    assert [ln.text for ln in lines].index("引题在此") < [ln.text for ln in lines].index("主题标题")


def test_glyphs_are_the_characters_left_to_right_inside_their_run(render):
    rendered, _ = render()
    page = rendered.pages[0]
    assert page.width == pytest.approx(595.28, abs=0.01)  # A4 in pt
    for line in page.lines:
        for run in line.runs:
            assert "".join(g.text for g in run.glyphs) == run.text
            xs = [g.x for g in run.glyphs]
            assert xs == sorted(xs)
            assert run.glyphs[0].x == pytest.approx(run.x, abs=0.01)
            end = run.glyphs[-1].x + run.glyphs[-1].width
            assert end <= run.x + run.width + 0.01
            assert 0 <= run.x and run.x + run.width <= page.width
            assert 0 <= run.y and run.y + run.height <= page.height


def test_the_pdf_is_the_one_a_plain_render_writes(render):
    rendered, plain = render(pdf_variant="pdf/a-2b")
    assert rendered.pdf == plain  # reading the layout changes nothing in the PDF


def test_pdfa_variant_passes_the_structural_check_and_plain_fails(render):
    rendered, _ = render(pdf_variant="pdf/a-2b")
    assert check_pdfa(rendered.pdf) == []
    plain, _ = render()
    problems = check_pdfa(plain.pdf)
    assert any("XMP" in p for p in problems)
    assert any("OutputIntent" in p for p in problems)


def test_xmp_properties_complete_weasyprints_packet(render):
    """publisher.xmp.complete: the properties and the PDF/UA claim join WeasyPrint's XMP, whose
    PDF/A claim and title stay; the same input gives the same bytes."""
    from publisher import xmp

    rendered, _ = render(pdf_variant="pdf/a-2b")
    properties = {"dc:publisher": ["咸宁日报社 <&>"], "dc:relation": ["b", "a"], "dc:identifier": "id-1"}
    done = xmp.complete(rendered.pdf, properties, pdfua=1)
    assert done == xmp.complete(rendered.pdf, properties, pdfua=1)
    with pikepdf.open(io.BytesIO(done)) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:publisher"] == {"咸宁日报社 <&>"}
        assert meta["dc:identifier"] == "id-1" and meta["dc:title"] == "t"
        assert meta["pdfaid:part"] == "2" and meta["pdfuaid:part"] == "1"
        packet = pdf.Root.Metadata.read_bytes()
        assert b"<rdf:Bag><rdf:li>b</rdf:li><rdf:li>a</rdf:li></rdf:Bag>" in packet  # as given
        assert b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in packet  # the extension schema
        assert b"&lt;&amp;&gt;" in packet
    assert check_pdfa(done) == []


CUT = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>t</title></head><body>
<article id="a-one"><p>第一段。</p><p class="body cut-end">第二段的前半</p>
<p class="body cut-start cut-end">第二段的中间</p><p class="body cut-start">第二段的后半。</p>
<p>第三段。</p></article>
<article id="a-two"><p class="body cut-start">下转来的半段。</p><p class="body cut-end">第二篇的前半</p></article>
</body></html>"""


def test_the_pieces_of_a_paragraph_cut_between_columns_are_one_paragraph(tmp_path):
    """The print make-up sets a paragraph cut between text columns as one element per piece
    (cut-end, cut-start): its runs carry one paragraph number, so the archive's METS has one
    part for it; a piece with nothing open before it in its article starts a paragraph."""
    settings = load_settings()
    fonts = load_fonts(settings.fonts_dir)
    rendered = engine_render(CUT, layout=True, base_dir=tmp_path, stylesheets=[], fonts=fonts,
                             sandbox=Sandbox((tmp_path, settings.fonts_dir)), what="test")
    paragraph = {ln.text: ln.runs[0].paragraph for ln in rendered.pages[0].lines}
    assert paragraph["第二段的前半"] == paragraph["第二段的中间"] == paragraph["第二段的后半。"]
    numbers = [paragraph[t] or 0 for t in ("第一段。", "第二段的前半", "第三段。", "下转来的半段。", "第二篇的前半")]
    assert len(set(numbers)) == len(numbers)
    assert numbers == sorted(numbers) and numbers[0] > 0
