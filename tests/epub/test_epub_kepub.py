"""--format kepub: the EPUB for Kobo's own reading engine (a .kepub.epub), with the markup
Kobo's conversion writes: the body in div#book-columns > div#book-inner, the kobostylehacks
style, and every sentence of text in a span.koboSpan numbered kobo.<paragraph>.<segment>.
Otherwise the same book: EPUBCheck 0/0, the same text, files and metadata."""

from __future__ import annotations

import re

import pytest

from publisher.epub import kobo_markup, sentences

NS = {"x": "http://www.w3.org/1999/xhtml"}
X = "{http://www.w3.org/1999/xhtml}"
SAMPLE_ID = "xnrb-2019-10-21-xianan"


@pytest.fixture(scope="module")
def kepub_file(tmp_path_factory, sample_dir):
    from publisher.publish import publish

    out = tmp_path_factory.mktemp("kepub")
    publish(sample_dir, out, ["kepub"])
    return out / SAMPLE_ID / f"{SAMPLE_ID}.kepub.epub"


@pytest.fixture(scope="module")
def kepub(kepub_file, open_epub):
    return open_epub(kepub_file.read_bytes())


@pytest.mark.epubcheck
def test_kepub_passes_epubcheck_without_warnings(kepub_file, tmp_path, epubcheck):
    report = epubcheck(kepub_file, tmp_path)
    problems = [m for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    assert problems == []


def test_kepub_is_the_epub_with_kobo_markup(kepub, sample_epub):
    """Same files, same package document; the content documents differ only by Kobo's
    markup: remove it and the EPUB's documents come back, text and elements."""
    assert kepub.names == sample_epub.names
    assert kepub.read(kepub.opf_path) == sample_epub.read(sample_epub.opf_path)
    for name in kepub.names:
        if not name.startswith("EPUB/text/"):
            assert kepub.read(name) == sample_epub.read(name), name
    docs = sample_epub.content_docs()
    for href, doc in kepub.content_docs().items():
        if href == "nav.xhtml":
            continue
        assert "".join(doc.find(f"{X}body").itertext()) == "".join(docs[href].find(f"{X}body").itertext()), href


def test_every_content_document_has_kobos_wrappers_and_style(kepub):
    spine = [i.get("idref") for i in kepub.opf.xpath("//opf:spine/opf:itemref",
                                                     namespaces={"opf": "http://www.idpf.org/2007/opf"})]
    items = {i.get("id"): i.get("href") for i in kepub.item("true()")}
    for href in (items[i] for i in spine):
        doc = kepub.doc(href)
        [style] = doc.xpath("//x:head/x:style[@id='kobostylehacks']", namespaces=NS)
        assert "book-inner" in style.text
        body = doc.find(f"{X}body")
        assert [c.get("id") for c in body] == ["book-columns"], href
        assert [c.get("id") for c in body[0]] == ["book-inner"], href


def test_every_sentence_is_in_a_kobo_span(kepub):
    for href, doc in kepub.content_docs().items():
        if href == "nav.xhtml":
            continue
        spans = doc.xpath("//x:span[@class='koboSpan']", namespaces=NS)
        ids = [s.get("id") for s in spans]
        assert len(ids) == len(set(ids)), href
        assert all(re.fullmatch(r"kobo\.\d+\.\d+", i) for i in ids), href
        # numbered in reading order: paragraphs rise, segments rise within a paragraph
        numbers = [tuple(int(n) for n in i.split(".")[1:]) for i in ids]
        assert numbers == sorted(numbers), href
        for text in doc.xpath("//x:body//text()[normalize-space()]", namespaces=NS):
            el = text.getparent()
            inside = el if text.is_text else el.getparent()
            if inside.xpath("ancestor-or-self::*[local-name()='svg' or local-name()='style']"):
                continue
            assert inside.get("class") == "koboSpan", (href, str(text))
            assert len(inside) == 0, href  # a span holds text only
    article = kepub.doc("text/a-jiceng-zhili.xhtml")
    texts = ["".join(s.itertext()) for s in article.xpath("//x:span[@class='koboSpan']", namespaces=NS)]
    assert "那么，小区党支部是如何建立的？" in texts  # a sentence ends at ？
    for img in article.xpath("//x:img", namespaces=NS):
        assert img.getparent().get("class") == "koboSpan"


def test_sentences():
    assert sentences("一句话。两句话！“三句话？”四") == ["一句话。", "两句话！", "“三句话？”", "四"]
    assert sentences("He said. Then 3.5 km! ok") == ["He said. ", "Then 3.5 km! ", "ok"]
    assert sentences("") == []
    assert "".join(sentences("（刘琼）。再说")) == "（刘琼）。再说"


def test_kobo_markup_numbers_paragraphs_as_kobo_does():
    doc = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
           '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>\n'
           '<h1>标题</h1>\n<p>一句。<em>两句</em>。</p>\n<p>图<img src="a.jpg" alt="a"/>后。</p>\n</body></html>')
    out = kobo_markup(doc.encode("utf-8")).decode("utf-8")
    assert out.startswith("<?xml") and "<!DOCTYPE html>" in out
    assert ('<h1><span class="koboSpan" id="kobo.1.1">标题</span></h1>' in out)
    assert ('<p><span class="koboSpan" id="kobo.2.1">一句。</span><em><span class="koboSpan" '
            'id="kobo.2.2">两句</span></em><span class="koboSpan" id="kobo.2.3">。</span></p>') in out
    assert ('<p><span class="koboSpan" id="kobo.3.1">图</span><span class="koboSpan" id="kobo.4.1">'
            '<img src="a.jpg" alt="a"/></span><span class="koboSpan" id="kobo.4.2">后。</span></p>') in out
