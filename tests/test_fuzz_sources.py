"""Property-based and fixed-seed fuzzing of the source reader (a short pass of tests/fuzz).

Whatever bytes arrive, the reader answers with a model or a PublisherError, never another
exception; a model that comes out holds no control character and no bidi override. The long
run is ``tests/fuzz/fuzz_sources.py --runs 100000``; this pass takes about twenty seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))

import fuzz_sources

from publisher.sources.text import decode

FAST = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Text made of the characters sources are made of, and the ones that break parsers.
pieces = st.sampled_from(["+++", "\n", "\r\n", "headline = ", '"', "标题", "正文。", "![图](images/ok.jpg)",
                          "](", "<b>", "&#x202e;", "&#x0c;", "**", "- ", "## ", "> ", "    ", "\\", "（张三）",
                          "kind = \"briefs\"", "\u202e", "\u200b", "\x00", "\x1b", "\ufeff", "😀"])
source_text = st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=40).map("".join)


@pytest.fixture(scope="module")
def harness():
    h = fuzz_sources.Harness()
    yield h
    h.close()


@FAST
@given(st.binary(max_size=400))
def test_decode_gives_text_or_a_problem(data):
    text, problem = decode(data, Path("x.md"))
    assert (text is None) != (problem is None)
    if text is not None:
        assert "\r" not in text and "\x00" not in text
    else:
        assert problem.code in ("encoding", "control-character", "truncated") and (problem.line or 0) >= 1


@FAST
@given(source_text)
def test_decode_accepts_what_utf8_encodes(text):
    """Any text without NUL or control characters, UTF-8 encoded (BOM or not), comes back."""
    from publisher.sources.text import control_characters

    got, problem = decode(b"\xef\xbb\xbf" + text.encode("utf-8"), Path("x.md"))
    if "\x00" in text or control_characters(text.replace("\r", "")):
        assert problem is not None
    else:
        assert got == text.replace("\r\n", "\n").replace("\r", "\n")


@FAST
@given(body=source_text)
def test_article_gives_a_model_or_an_error(harness, body):
    harness.run("article", ('+++\nheadline = "标题"\n+++\n' + body).encode("utf-8", "surrogatepass"))


@FAST
@given(front=source_text)
def test_front_matter_gives_a_model_or_an_error(harness, front):
    harness.run("article", ("+++\n" + front + "\n+++\n正文。\n").encode("utf-8", "surrogatepass"))


@FAST
@given(source_text)
def test_markdown_gives_blocks_or_problems(harness, body):
    harness.run("markdown", body.encode("utf-8", "surrogatepass"))


@FAST
@given(st.lists(st.sampled_from([*fuzz_sources.EDITION_TOML.split(b"\n"), b"[[pages]]", b"articles = []",
                                 b"date = 2019-02-30", b"nmae = 1"]), max_size=25))
def test_edition_toml_gives_a_model_or_an_error(harness, lines):
    harness.run("edition", b"\n".join(lines))


def test_fixed_seed_mutation_pass():
    """6,000 mutated seed files over the four targets (the CI pass of the fuzz script)."""
    result = fuzz_sources.fuzz(6000, seed=20191021, report=None)
    assert not result["crashes"], result["crashes"]


CRASHES = sorted((Path(__file__).resolve().parent / "fuzz" / "crashes").glob("*.bin"))


@pytest.mark.parametrize("path", CRASHES, ids=lambda p: p.stem)
def test_saved_crashes_stay_fixed(harness, path):
    """The regression corpus: every input the fuzzer saved (tests/fuzz/crashes/TARGET-HASH.bin,
    its traceback beside it) gives a model or a PublisherError now, warnings being errors."""
    target = path.stem.rsplit("-", 1)[0].removeprefix("slow-")
    assert target in fuzz_sources.TARGETS, path.name
    harness.run(target, path.read_bytes())


def test_the_corpus_holds_the_rss_date_fallback():
    """An RSS item whose pubDate does not parse: feedparser's issue-310 fallback warned."""
    assert any(p.name.startswith("import_rss-") and b"<pubDate>not a date" in p.read_bytes() for p in CRASHES)


def test_the_harness_reports_a_crash(harness, monkeypatch):
    """Not vacuous: an exception other than PublisherError escapes the harness."""
    def boom(data):
        raise ValueError("boom")

    monkeypatch.setattr(harness, "t_decode", boom)
    with pytest.raises(ValueError):
        harness.run("decode", b"x")
