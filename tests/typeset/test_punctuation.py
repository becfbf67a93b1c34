"""The punctuation table (punctuation.tsv, one case a line) and properties of normalize()."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from publisher.typeset.punctuation import is_han, normalize
from tests.conftest import SEED_PAGE

TABLE = Path(__file__).with_name("punctuation.tsv")


def _cases():
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        source, expected, note = line.split("\t")
        yield pytest.param(source, expected, id=f"{number}:{note}")


CASES = list(_cases())


def test_table_is_big_enough_and_has_no_duplicates():
    sources = [c.values[0] for c in CASES]
    assert len(sources) >= 60
    assert len(sources) == len(set(sources))


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_table(source, expected):
    assert normalize(source) == expected


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_table_expected_is_a_fixpoint(source, expected):
    assert normalize(expected) == expected


# Text made of the characters the rules care about, so hypothesis hits the edge cases.
_ALPHABET = list("中文小区党建，。“”‘’（）、") + list("ab1290 ,.;:?!()\"'-—…%@/\n") + ["𠮷"]
texts = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40)
# Length may only change where a dash or ellipsis rule applies (documented in the module).
_LENGTH_CHANGERS = set(".-—…。")


@settings(max_examples=400, deadline=None)
@given(texts)
def test_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=400, deadline=None)
@given(texts)
def test_han_characters_are_never_changed(text):
    assert [c for c in normalize(text) if is_han(c)] == [c for c in text if is_han(c)]


@settings(max_examples=400, deadline=None)
@given(texts)
def test_length_preserved_unless_dash_or_ellipsis(text):
    out = normalize(text)
    if not _LENGTH_CHANGERS & set(text):
        assert len(out) == len(text)
    # Everything that is not punctuation survives in order, whatever the case.
    keep = lambda s: [c for c in s if not unicodedata.category(c).startswith("P")]  # noqa: E731
    assert keep(out) == keep(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_round_trips_without_nfkc(text):
    out = normalize(text)
    assert normalize(out) == out
    # Never NFKC: a full-width mark in the input is never turned into ASCII.
    for mark in "，。：；？！（）":
        assert out.count(mark) >= text.count(mark)


def test_seed_page_has_no_ascii_comma_left_between_han():
    seed = SEED_PAGE
    out = normalize(seed.read_text(encoding="utf-8"))
    for i, c in enumerate(out[1:-1], 1):
        if c in ",?:;" and is_han(out[i - 1]) and is_han(out[i + 1]):
            raise AssertionError(f"ASCII {c!r} left between Han at {i}: {out[i-10:i+10]!r}")
    assert [c for c in out if is_han(c)] == [c for c in seed.read_text(encoding="utf-8") if is_han(c)]


# Properties asked by the hostile-input work (issue 8): the pass never leaves ASCII
# punctuation between two Han characters, and never touches URLs, e-mail addresses or numbers.
_HAN = st.sampled_from("党的十九大提出要推动社会治理重心向基层下移咸安区")
_ASCII_MARK = st.sampled_from(",:;?!")
_TOKENS = st.sampled_from(["https://www.xnnews.com.cn/a/1.html", "editor@xnnews.cn", "53.97",
                           "10:30", "1,000", "001229.SZ", "3:2"])


@given(st.lists(st.tuples(_HAN, _ASCII_MARK, _HAN), min_size=1, max_size=8))
def test_no_ascii_mark_is_left_between_two_han(triples):
    text = "".join(a + m + b for a, m, b in triples)
    out = normalize(text)
    for i in range(1, len(out) - 1):
        if out[i] in ",:;?!" and "\u4e00" <= out[i - 1] <= "\u9fff" and "\u4e00" <= out[i + 1] <= "\u9fff":
            raise AssertionError(f"ASCII {out[i]!r} left between Han in {out!r}")


@given(st.lists(st.one_of(_HAN, _TOKENS), min_size=1, max_size=10))
def test_urls_emails_and_numbers_are_never_touched(parts):
    text = "".join(parts)
    out = normalize(text)
    for token in {p.strip() for p in parts if p.strip() and not ("\u4e00" <= p <= "\u9fff")}:
        assert token in out, (token, out)


@pytest.mark.parametrize("left, right, joined", [
    ("他说——", "Apple", "他说——Apple"), ("一切……", "OK", "一切……OK"),  # full width in Chinese
    ("竖排︰", "A", "竖排︰A"), ("ｶﾀｶﾅ", "B", "ｶﾀｶﾅB"),  # compatibility and half-width CJK forms
    ("安宁", "Seoul", "安宁Seoul"), ("Hello", "world", "Hello world"),
    ("안녕하세요", "세계", "안녕하세요 세계"),  # Korean spaces its words
])
def test_line_joining_reads_the_one_table_of_cjk_scripts(left, right, joined):
    """A source paragraph's line break and a column-cut paragraph join alike, by
    punctuation.unspaced: every character that makes Chinese context, but hangul."""
    from publisher.sources.importers.conventions import join_broken
    from publisher.sources.markdown import join_lines

    assert join_lines(left, right) == joined
    assert join_broken(left, right) == joined


def test_unspaced_is_chinese_context():
    from publisher.typeset.punctuation import is_cjk, unspaced

    assert all(is_cjk(chr(cp)) for cp in range(0x110000) if unspaced(chr(cp)))
