"""to_html: valid XHTML, text unchanged, the spans where the typeset CSS needs them."""

from __future__ import annotations

import pytest
import uharfbuzz as hb
from hypothesis import given, settings, strategies as st
from lxml import etree
from markupsafe import Markup

from publisher.typeset.spacing import CLOSING_MARKS, OPENING_MARKS, to_html
from tests.conftest import NOTO_SERIF


def parse(markup: str) -> etree._Element:
    return etree.fromstring(f'<div xmlns="http://www.w3.org/1999/xhtml">{markup}</div>')


def spans(markup: str) -> list[tuple[str, str]]:
    return [(el.get("class"), el.text) for el in parse(markup).iter("{*}span")]


def test_returns_markup_and_escapes():
    out = to_html('He said <b>"&"</b> 中文')
    assert isinstance(out, Markup)
    assert "<b>" not in out and "&lt;b&gt;" in out and "&amp;" in out
    assert "".join(parse(out).itertext()) == 'He said <b>"&"</b> 中文'


@pytest.mark.parametrize(("text", "expected"), [
    ("使用Python 3.11版本", [("cl-4s cl-4e", "Python 3.11")]),
    ("增长30%以上", [("cl-4s cl-4e", "30%")]),
    ("Python语言", [("cl-4e", "Python")]),
    ("语言Python", [("cl-4s", "Python")]),
    ("（Beijing）", [("halt", "（")]),  # no gap next to punctuation; paragraph start halts （
    ("咸安2018年", [("cl-4s cl-4e", "2018")]),
    ("Hello, world", []),
])
def test_cjk_latin_spans(text, expected):
    assert spans(to_html(text)) == expected


def test_markup_input_is_not_escaped_twice():
    assert to_html(Markup("A&amp;B中文")) == to_html("A&B中文")
    assert "&amp;amp;" not in to_html(Markup("A&amp;B中文"))


def test_cjk_latin_option():
    assert spans(to_html("用Python写", cjk_latin_space="eighth")) == [("cl-8s cl-8e", "Python")]
    assert to_html("用Python写", cjk_latin_space="off") == "用Python写"
    with pytest.raises(ValueError):
        to_html("x", cjk_latin_space="half")


@pytest.mark.parametrize(("text", "halted"), [
    ("你好。”他说", ["。"]),
    ("小区），建成", ["）"]),
    ("”，“打造", ["”，"]),
    ("他说：“好", ["："]),
    ("看“（一）", ["（"]),
    ("“你好”", ["“"]),  # paragraph start
    ("一\n“二", ["“"]),  # a newline starts a paragraph
    ("一“二", []),
])
def test_halt_spans(text, halted):
    assert [t for cls, t in spans(to_html(text)) if cls == "halt"] == halted


_ALPHABET = list("中文小区党建") + sorted(CLOSING_MARKS | OPENING_MARKS) + list("ab12 .,%<>&\"'\n")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40))
def test_text_is_unchanged_and_every_mark_pair_is_squeezed(text):
    markup = to_html(text)
    root = parse(markup)  # well-formed XHTML fragment
    assert "".join(root.itertext()) == text
    halted = [False] * len(text)
    pos = 0
    if root.text:
        pos += len(root.text)
    for el in root:
        n = len(el.text or "")
        if el.get("class") == "halt":
            halted[pos:pos + n] = [True] * n
        pos += n + len(el.tail or "")
    marks = CLOSING_MARKS | OPENING_MARKS
    for i in range(len(text) - 1):
        if text[i] in marks and text[i + 1] in marks:
            assert halted[i] or halted[i + 1], (text, i)


def _advance(text: str, features: dict) -> int:
    blob = hb.Blob.from_file_path(str(NOTO_SERIF))
    font = hb.Font(hb.Face(blob, 2))  # face 2 = SC
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.language = "zh-Hans"
    hb.shape(font, buf, features)
    return sum(p.x_advance for p in buf.glyph_positions)


@pytest.mark.parametrize("mark", sorted(CLOSING_MARKS | OPENING_MARKS))
@pytest.mark.usefixtures("noto_serif")
def test_noto_serif_sc_halt_sets_every_mark_on_half_an_em(mark):
    assert _advance(mark, {}) == 1000
    assert _advance(mark, {"halt": True}) == 500


# --- keep_end: the last two letters of a paragraph never part ------------------------------------

@pytest.mark.parametrize(("text", "kept"), [
    ("咸安区外学内创。", "内创。"),
    ("他说：“好。”", "说：“好。”"),  # two letters, the marks between and after them
    ("中文文本，结束了……", "束了……"),
    ("我们（小区）", "（小区）"),  # an opening mark cannot end the line before
    ("记者采访了José和Müller。", "Müller。"),  # a Latin word is never cut
    ("使用Python 3.11", "Python 3.11"),  # a short Latin run stays whole
    ("网址https://a.b/cdefghijklmnopqrstu。", "tu。"),  # a long string breaks anywhere anyway
    ("好。", None),  # nothing to pull down
])
def test_keep_end_wraps_the_paragraph_end(text, kept):
    markup = to_html(text, keep_end=True)
    root = parse(markup)
    assert "".join(root.itertext()) == text
    keep = [el for el in root.iter("{*}span") if el.get("class") == "keep-end"]
    if kept is None:
        assert not keep
    else:
        (span,) = keep
        assert "".join(span.itertext()) == kept
        assert text.endswith(kept)
    assert "keep-end" not in to_html(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_ALPHABET, "A", "é", "/", "https://x.y/abcdefghijklmnop"]), max_size=30))
def test_keep_end_changes_no_text(parts):
    text = "".join(parts)
    root = parse(to_html(text, keep_end=True))
    assert "".join(root.itertext()) == text
