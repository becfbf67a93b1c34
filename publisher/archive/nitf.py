"""NITF 3.6 per article: the article's text and metadata as a news agency would file it.

One file per article, from the model (not from the layout): the article's kind as the
``tobject`` type (news, feature, briefs, photo), the headline block (主题 as
``hl1``; 引题 and 副题 as ``hl2`` with class kicker/subtitle, since NITF has no kicker),
byline with its roles and people, the dateline, the body paragraphs in order (STRONG and
EMPHASIS runs as ``em`` with a class), subheads as ``hl2``, photos as ``media`` with
their caption and credit, briefs as paragraphs ending with their attribution, tables as
NITF's (XHTML) tables: a ``thead`` row of ``th``, ``tbody`` rows of ``td``, each cell with the
alignment the outputs print (numbers right).

NITF's schema is not shipped by any package reachable here: files are checked against
``schemas/nitf-3.6-subset.xsd``, publisher's own schema for the elements it writes
(see that file's header).
"""

from __future__ import annotations

from lxml import etree

from ..model import Article, Brief, Edition, Figure, Page, Paragraph, RunStyle, Subhead, Table

NS = "http://iptc.org/std/NITF/2006-10-18/"
VERSION = "-//IPTC//DTD NITF 3.6//EN"


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _el(parent, tag: str, text: str | None = None, **attrs):
    el = etree.SubElement(parent, _q(tag), {k.replace("_", "."): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def build_nitf(edition: Edition, page: Page, article: Article, image_href) -> bytes:
    """``image_href(figure)``: where the archive keeps that figure's image (or None)."""
    d = edition.issue.date
    norm = f"{d.year:04d}{d.month:02d}{d.day:02d}T000000+0800"
    root = etree.Element(_q("nitf"), nsmap={None: NS})
    root.set("version", VERSION)
    root.set("change.date", "July 4, 2012")
    root.set("change.time", "19:30")
    root.set("baselang", edition.paper.language)

    head = _el(root, "head")
    _el(head, "title", article.title)
    _el(head, "tobject").set("tobject.type", article.kind.value)
    doc = _el(head, "docdata")
    did = _el(doc, "doc-id")
    did.set("id-string", f"{edition.id}-{article.slug}")
    did.set("regsrc", edition.paper.id)
    _el(doc, "date.issue").set("norm", norm)
    cp = _el(doc, "doc.copyright")
    cp.set("year", str(d.year))
    cp.set("holder", edition.paper.publisher)
    pub = _el(head, "pubdata")
    pub.set("type", "print")
    pub.set("name", edition.paper.name)
    pub.set("date.publication", norm)
    if edition.issue.number:
        pub.set("issue", str(edition.issue.number))
    if edition.issue.edition:
        pub.set("edition.name", edition.issue.edition)
    pub.set("position.section", f"{page.display_label} {page.name}")
    pub.set("position.sequence", str(page.articles.index(article) + 1))

    body = _el(root, "body")
    bhead = _el(body, "body.head")
    if article.headline:
        hed = _el(bhead, "hedline")
        _el(hed, "hl1", article.headline)
        if article.kicker:
            _el(hed, "hl2", article.kicker).set("class", "kicker")
        if article.subtitle:
            _el(hed, "hl2", article.subtitle).set("class", "subtitle")
    if article.byline:
        by = _el(bhead, "byline")
        for i, credit in enumerate(article.byline.credits):
            if credit.role:
                t = _el(by, "byttl", credit.role)
                t.tail = " "
            for j, name in enumerate(credit.names):
                p = _el(by, "person", name)
                last = i == len(article.byline.credits) - 1 and j == len(credit.names) - 1
                p.tail = None if last else " "
    if article.dateline:
        _el(bhead, "dateline", article.dateline)

    content = _el(body, "body.content")
    for block in article.body:
        if isinstance(block, Paragraph):
            p = _el(content, "p")
            _runs(p, block)
        elif isinstance(block, Subhead):
            _el(content, "hl2", block.text).set("class", "subhead")
        elif isinstance(block, Figure):
            media = _el(content, "media")
            media.set("media-type", "image")
            ref = _el(media, "media-reference")
            href = image_href(block)
            if href:
                assert block.image is not None  # a figure with an href has its photo
                ref.set("source", href)
                ref.set("mime-type", block.image.media_type)
                ref.set("width", str(block.image.width))
                ref.set("height", str(block.image.height))
            ref.set("alternate-text", block.alt_text)
            _el(media, "media-caption", block.caption)
            if block.credit:
                _el(media, "media-producer", block.credit)
        elif isinstance(block, Brief):
            p = _el(content, "p", block.text)
            p.set("class", "brief")
            if block.attribution:
                p.text += "（" + "、".join(block.attribution) + "）"
        elif isinstance(block, Table):
            _table(content, block)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _table(content, table: Table) -> None:
    el = _el(content, "table")
    if table.align:  # the alignment asked for by the source (None: as the outputs decide)
        el.set("class", " ".join(a or "auto" for a in table.align))
    tr = _el(_el(el, "thead"), "tr")
    for k, cell in enumerate(table.header):
        _el(tr, "th", cell).set("align", table.alignment(k))
    body = _el(el, "tbody")
    for row in table.rows:
        tr = _el(body, "tr")
        for k, cell in enumerate(row):
            _el(tr, "td", cell).set("align", table.alignment(k))


def _runs(p, paragraph: Paragraph) -> None:
    last = None
    for run in paragraph.runs:
        if run.style is RunStyle.PLAIN:
            if last is None:
                p.text = (p.text or "") + run.text
            else:
                last.tail = (last.tail or "") + run.text
        else:
            last = _el(p, "em", run.text)
            last.set("class", run.style.value)
