"""The stylesheet the reading systems get (EPUB/styles/epub.css): the house's rules for
screens, without what is meant for the PDFs' engine, and within what e-book stores and old
engines accept: no custom properties or var() (calibre warns; Adobe's RMSDK is known to drop
whole stylesheets over modern CSS), no CSS functions but url() and format() in @font-face,
no margins imposed on the page (the reading system sets them), display text that is no p
(reader stylesheets justify every p). (No white text: test_epub_in_readers.py, as drawn.)"""

from __future__ import annotations

import pytest
import tinycss2

NS = {"x": "http://www.w3.org/1999/xhtml"}


def _rules(epub):
    css = epub.read("EPUB/styles/epub.css").decode("utf-8")
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule":
            declarations = [d for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                                      skip_whitespace=True)
                            if d.type == "declaration"]
            yield tinycss2.serialize(rule.prelude).strip(), declarations
        elif rule.type == "at-rule":
            yield "@" + rule.at_keyword, list(tinycss2.parse_blocks_contents(
                rule.content or [], skip_comments=True, skip_whitespace=True))


def _functions(tokens):
    for token in tokens:
        if token.type == "function":
            yield token.lower_name
            yield from _functions(token.arguments)


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_no_css_meant_for_the_pdfs(which, request):
    epub = request.getfixturevalue(which)
    rules = list(_rules(epub))
    assert len(rules) > 40
    for selector, declarations in rules:
        for d in declarations:
            assert not d.name.startswith("--"), (selector, d.name)
            assert set(_functions(d.value)) <= ({"url", "format"} if selector == "@font-face" else set()), \
                (selector, d.serialize())
    assert {sel for sel, _ in rules if sel.startswith("@")} == {"@font-face"}


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_no_page_margins(which, request):
    epub = request.getfixturevalue(which)
    checked = 0
    for selector, declarations in _rules(epub):
        if any(part.strip() in ("body", "html", ":root") for part in selector.split(",")):
            assert not {d.lower_name for d in declarations if d.lower_name.startswith(("margin", "padding"))}, \
                selector
            checked += 1
    assert checked


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_display_text_is_no_p(which, request):
    """Reader stylesheets justify and resize every p (Foliate): the masthead, the issue line,
    kicker, subtitle, byline, page tag and editors are div."""
    epub = request.getfixturevalue(which)
    found = set()
    for href, doc in epub.content_docs().items():
        for cls in ("paper", "issue-line", "kicker", "subtitle", "byline", "page-tag", "editors", "back"):
            for el in doc.xpath(f"//x:body//*[contains(concat(' ', @class, ' '), ' {cls} ')]", namespaces=NS):
                if el.tag.endswith("}span") or el.getparent().tag.endswith("}a"):
                    continue  # inline: a kicker in a contents entry
                assert el.tag == "{http://www.w3.org/1999/xhtml}div", (href, cls, el.tag)
                found.add(cls)
    assert {"paper", "issue-line", "byline", "page-tag"} <= found


def test_reader_css_drops_only_the_custom_properties():
    from publisher.epub import reader_css

    css = """/* c */ :root { --song: "A"; } article, .contents { --cjk-typeset: text; color: red }
    p { content: "a;b}" ; margin: 0 } @font-face { font-family: "X"; src: url("x.otf") }"""
    assert reader_css(css) == ('article, .contents { color: red; }\n'
                               'p { content: "a;b}"; margin: 0; }\n'
                               '@font-face { font-family: "X"; src: url("x.otf") }\n')
