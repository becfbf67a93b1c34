"""Navigation like a newspaper: cover, issue contents, a contents page per 版, articles in
print order with previous/next/up links; nav.xhtml and toc.ncx with the same 版 → article
nesting; landmarks; the page-list and NCX pageList of the print pages."""

from __future__ import annotations

import pytest

from publisher.sources import read_edition

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/", "opf": "http://www.idpf.org/2007/opf"}


@pytest.fixture(scope="module")
def sample_model(sample_dir):
    return read_edition(sample_dir)


@pytest.fixture(scope="module")
def every_block_model(every_block_dir):
    return read_edition(every_block_dir)


def nav_tree(epub):
    [toc] = epub.nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)
    out = []
    for li in toc.xpath("./x:ol/x:li", namespaces=NS):
        a = li.xpath("./x:a", namespaces=NS)[0]
        kids = [(k.get("href"), "".join(k.itertext())) for k in li.xpath("./x:ol/x:li/x:a", namespaces=NS)]
        out.append(((a.get("href"), "".join(a.itertext())), kids))
    return out


def ncx_tree(epub):
    out = []
    for point in epub.ncx.xpath("/ncx:ncx/ncx:navMap/ncx:navPoint", namespaces=NS):
        head = (point.xpath("./ncx:content/@src", namespaces=NS)[0],
                point.xpath("./ncx:navLabel/ncx:text/text()", namespaces=NS)[0])
        kids = [(k.xpath("./ncx:content/@src", namespaces=NS)[0],
                 k.xpath("./ncx:navLabel/ncx:text/text()", namespaces=NS)[0])
                for k in point.xpath("./ncx:navPoint", namespaces=NS)]
        out.append((head, kids))
    return out


@pytest.mark.parametrize("which", [("sample_epub", "sample_model"), ("every_block", "every_block_model")])
def test_toc_nests_articles_under_their_page_in_print_order(which, request):
    epub, model = (request.getfixturevalue(name) for name in which)
    tree = nav_tree(epub)
    assert [head for head, _ in tree] == [(f"text/{p.file_label}.xhtml", f"{p.display_label} {p.name}")
                                          for p in model.pages]
    for (_, kids), page in zip(tree, model.pages, strict=True):
        assert kids == [(f"text/a-{a.slug}.xhtml", a.title) for a in page.articles]
    # the NCX has the same nesting, and playOrder follows it
    assert ncx_tree(epub) == tree
    orders = [int(o) for o in epub.ncx.xpath("//ncx:navMap//ncx:navPoint/@playOrder", namespaces=NS)]
    assert orders == list(range(1, len(orders) + 1))
    assert epub.ncx.xpath("//ncx:meta[@name='dtb:depth']/@content", namespaces=NS) == ["2"]


def test_spine_is_cover_contents_then_pages_and_articles_in_print_order(every_block, every_block_model):
    spine = every_block.opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)
    expected = ["cover", "contents"]
    for page in every_block_model.pages:
        expected += [page.file_label] + [f"a-{a.slug}" for a in page.articles]
    assert spine == expected


def test_landmarks(sample_epub):
    marks = {a.get("{http://www.idpf.org/2007/ops}type"): a.get("href")
             for a in sample_epub.nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)}
    assert marks == {"cover": "text/cover.xhtml", "toc": "text/contents.xhtml",
                     "bodymatter": "text/a-jiceng-zhili.xhtml"}


def test_every_article_links_previous_next_and_its_page(every_block, every_block_model):
    articles = every_block_model.articles
    for i, article in enumerate(articles):
        doc = every_block.doc(f"text/a-{article.slug}.xhtml")
        links = {li.get("class"): li.xpath("./x:a/@href", namespaces=NS)[0]
                 for li in doc.xpath("//x:nav[contains(@class,'article-nav')]//x:li", namespaces=NS)}
        page = every_block_model.page_of(article.slug)
        assert links["up"] == f"{page.file_label}.xhtml"
        assert links.get("prev") == (f"a-{articles[i - 1].slug}.xhtml" if i else None)
        assert links.get("next") == (f"a-{articles[i + 1].slug}.xhtml" if i + 1 < len(articles) else None)


def test_contents_pages_list_every_article(every_block, every_block_model):
    contents = every_block.doc("text/contents.xhtml")
    hrefs = contents.xpath("//x:ol[@class='contents']//x:a/@href", namespaces=NS)
    expected = []
    for page in every_block_model.pages:
        expected += [f"{page.file_label}.xhtml"] + [f"a-{a.slug}.xhtml" for a in page.articles]
        page_doc = every_block.doc(f"text/{page.file_label}.xhtml")
        assert page_doc.xpath("//x:ol[@class='contents']/x:li[not(@class)]/x:a/@href", namespaces=NS) == \
            [f"a-{a.slug}.xhtml" for a in page.articles]
        # after its own articles, what print continues on it (every_block's lead on 版 2)
        assert page_doc.xpath("//x:ol[@class='contents']/x:li[@class='continued']/x:a/@href",
                              namespaces=NS) == (["a-lead.xhtml#page-2-lead"] if page.number == 2 else [])
    assert hrefs == expected
