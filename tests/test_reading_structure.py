"""The reading PDF's logical structure, read back from the file: what a screen reader follows.

Every rule of issue 18 item 5, on the sample built at A4 (the house default) and at phone
size (more page breaks: paragraphs cut by them): one ``Sect`` per 版 and one ``Art`` per
article however the pages break, a brief cut by a page break one list item, the contents
page a list of links whose leaders and page numbers are artifacts, folios artifacts,
headings H1 版 / H2 article / H3 subhead and none inside another, each photo a ``Figure``
with /Alt beside its ``Caption``, bookmarks and contents entries on the page where their
element starts, the text column as wide as the page's margins say. The tree is read with
pikepdf and the text of each piece of content with pdfium (tests/structure_tree.py), neither
through publisher.structure; the PyPI PDF/UA checkers ``pdfua`` and ``outloud`` run on the
same files. Last, a PDF joined from two renders is tagged as one document.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pikepdf
import pytest

from publisher.config import load_settings
from publisher.model import ArticleKind, Edition, Figure, Subhead
from publisher.publish import load, publish
from publisher.sources import read_edition
from tests.conftest import SAMPLE
from tests.structure_tree import (
    Elem,
    TextObject,
    artifact_text_types,
    mcid_texts,
    plain,
    read_tree,
    struct_elems_in_file,
    text_objects,
)

ID = "xnrb-2019-10-21-xianan"
A4_COLUMN_PT = (210 - 2 * 20) * 72 / 25.4  # styles/reading.css: A4, 20 mm left and right
PHONE_COLUMN_PT = (90 - 2 * 6) * 72 / 25.4  # styles/reading-phone.css: 6 mm


@dataclass
class Reading:
    """One built reading PDF, read back."""

    size: str
    path: Path
    pdf: pikepdf.Pdf
    tree: Elem
    objects: list[TextObject]
    texts: dict[tuple[int, int], str]
    edition: Edition

    def text(self, elem: Elem) -> str:
        return plain(elem.text(self.texts))


@pytest.fixture(scope="module", params=["A4", "phone", "A4 by page"])
def reading(request, tmp_path_factory):
    """The sample's reading PDF at A4, at phone size, and at A4 rendered 版 by 版 in two
    workers and joined (``[tool.publisher.reading] by_page``): every rule holds for each."""
    size, _, how = request.param.partition(" ")
    if request.param == "A4":
        path = request.getfixturevalue("sample_build") / f"{ID}.pdf"
    else:
        settings = load_settings()
        settings = settings.model_copy(update={
            "reading": settings.reading.model_copy(update={"page_size": size, "by_page": bool(how)}),
            "print": settings.print.model_copy(update={"workers": 2})})
        out = tmp_path_factory.mktemp(request.param.replace(" ", "-"))
        publish(SAMPLE, out, ["pdf"], settings=settings)
        path = out / ID / f"{ID}.pdf"
    with pikepdf.open(path) as pdf:
        objects = text_objects(path)
        yield Reading(size, path, pdf, read_tree(pdf), objects, mcid_texts(objects),
                      read_edition(SAMPLE))


def _headline_or_caption(article) -> str:
    return plain(article.headline or article.figures[0].caption)


def test_one_sect_per_page_and_one_art_per_article(reading):
    tree, edition = reading.tree, reading.edition
    assert tree.role == "Document"
    sects = tree.children("Sect")
    assert len(sects) == len(edition.pages) == len(tree.find("Sect"))
    assert len(tree.find("Art")) == len(edition.articles)
    for sect, page in zip(sects, edition.pages, strict=True):
        arts = sect.children("Art")
        assert len(arts) == len(page.articles), page.name
        for art, article in zip(arts, page.articles, strict=True):
            assert _headline_or_caption(article) in reading.text(art), article.slug
            # the whole article, on however many pages: its last paragraph is in it too
            assert plain(article.texts()[-1])[-6:] in reading.text(art), article.slug
    if reading.size == "phone":  # a page break cuts articles: still one Art each
        assert any(len(art.pages) > 1 for art in tree.find("Art"))
        assert any(len(p.pages) > 1 for p in tree.find("P"))


def test_a_brief_cut_by_a_page_break_stays_one_list_item(reading):
    briefs = [a for a in reading.edition.articles if a.kind is ArticleKind.BRIEFS]
    assert briefs
    arts = {plain(a.headline): art for art in reading.tree.find("Art")
            for a in briefs if plain(a.headline) in reading.text(art)}
    for article in briefs:
        art = arts[plain(article.headline)]
        lists = art.find("L")
        assert len(lists) == 1, "the briefs are one list"
        items = lists[0].children("LI")
        assert len(items) == len(article.body)
        for item, block in zip(items, article.body, strict=True):
            assert [k.role for k in item.children()] == ["LBody"]
            assert plain(getattr(block, "text", "") or block.caption)[:10] in reading.text(item)
    if reading.size == "A4":  # the sample's A4 pages cut a brief: one item on two pages
        assert any(len(item.pages) == 2 for item in reading.tree.find("LI")
                   if any(a.role == "Art" for a in item.ancestors()))


def test_contents_page_is_a_list_of_links_without_leaders_or_page_numbers(reading):
    tree, edition = reading.tree, reading.edition
    front = tree.children()[0]
    assert front.role == "Div" and [h.role for h in front.find("H1")] == ["H1"]
    contents, = front.children("L")
    entries = contents.children("LI")
    assert len(entries) == len(edition.pages)
    for entry, page in zip(entries, edition.pages, strict=True):
        body, = entry.children("LBody")
        link, articles = body.children()
        assert (link.role, articles.role) == ("Link", "L")
        assert reading.text(link) == plain(f"{page.display_label} {page.name}")
        items = articles.children("LI")
        assert len(items) == len(page.articles)
        for item, article in zip(items, page.articles, strict=True):
            link, = item.children("LBody")[0].children("Link")
            assert reading.text(link) == plain(article.title), "no leader, no page number"
            # one link annotation a line (not one more for the leader and page number)
            annotations = [m.annotation for m in link.marks() if m.annotation is not None]
            assert {str(a.Contents) for a in annotations} == {article.title}
            lines = sorted(tuple(sorted(float(v) for v in a.Rect[1::2])) for a in annotations)
            assert all(above[0] >= below[1] - 0.01 for below, above in pairwise(lines))
    # nothing in the tree is only leader dots; the leaders are there, as artifacts
    for elem in tree.walk():
        own = "".join(reading.texts[m.page, m.mcid] for m in elem.kids
                      if not isinstance(m, Elem) and m.mcid is not None)
        assert not re.fullmatch(r"[.·…\s]+", own), elem.role
    # (one text object a leader: engine/patches/leader_run.py)
    leaders = [o for o in reading.objects if o.page == 0 and re.fullmatch(r"(\. ?)+", o.text.strip())]
    assert sum(o.text.count(".") for o in leaders) > 100
    assert len(leaders) >= sum(len(p.articles) for p in edition.pages[:1])
    assert all(o.artifact and o.mcid == -1 for o in leaders)


def test_folios_are_artifacts_and_nothing_is_orphaned_or_empty(reading):
    tree, pdf = reading.tree, reading.pdf
    in_tree = {e.obj.objgen for e in tree.walk()}
    assert struct_elems_in_file(pdf) == in_tree, "structure elements outside the tree"
    for elem in tree.walk():
        assert any(m.mcid is not None for m in elem.marks()), f"an empty {elem.role}"
    for index, page in enumerate(pdf.pages):
        folio = [o for o in reading.objects if o.page == index and o.text.strip() == str(index + 1)
                 and o.box[1] < 72]  # in the bottom margin
        if index == 0:
            assert not folio  # the contents page has none
            continue
        assert folio and all(o.artifact for o in folio), f"page {index + 1}"
        assert "Pagination" in artifact_text_types(page)
    # every text drawn is either tagged content or an artifact
    assert all(o.mcid >= 0 or o.artifact for o in reading.objects)


def test_headings_h1_for_each_page_h2_for_each_article_h3_for_each_subhead(reading):
    tree, edition = reading.tree, reading.edition
    headings = [e for e in tree.walk() if re.fullmatch(r"H\d?", e.role)]
    for heading in headings:
        assert not [e for e in heading.walk() if e is not heading and re.fullmatch(r"H\d?", e.role)]
    assert [reading.text(h) for h in tree.find("H1")] == (
        ["本期目录"] + [plain(f"{p.display_label} {p.name}") for p in edition.pages])
    for sect in tree.children("Sect"):
        assert sect.children()[0].role == "H1"
    for art, article in zip(tree.find("Art"), edition.articles, strict=True):
        h2 = art.children("H2")
        assert [reading.text(h) for h in h2] == ([plain(article.headline)] if article.headline else [])
        subheads = [b for b in article.body if isinstance(b, Subhead)]
        assert [reading.text(h) for h in art.find("H3")] == [plain(s.text) for s in subheads]
    assert len(tree.find("H3")) > 0 and not tree.find("H4")


def test_photos_are_figures_with_alt_beside_their_caption(reading):
    tree, edition = reading.tree, reading.edition
    photos = [f for a in edition.articles for f in a.body if isinstance(f, Figure) and f.image]
    figures = tree.find("Figure")
    assert [str(f.obj.Alt) for f in figures] == [p.alt_text for p in photos]
    for figure, photo in zip(figures, photos, strict=True):
        assert not figure.children(), "nothing below a Figure: its /Alt would hide it"
        assert figure.parent.role == "Div"
        caption, = figure.parent.children("Caption")
        assert plain(photo.caption) in reading.text(caption)
        x0, y0, x1, y1 = (float(v) for v in figure.obj.A.BBox)
        page = reading.pdf.pages[figure.page]
        assert 0 <= x0 < x1 <= float(page.trimbox[2]) and 0 <= y0 < y1 <= float(page.trimbox[3])


def _destination_page(pdf: pikepdf.Pdf, dest) -> int:
    if isinstance(dest, pikepdf.String):
        dest = pikepdf.NameTree(pdf.Root.Names.Dests)[str(dest)]
    return [p.obj.objgen for p in pdf.pages].index(dest[0].objgen)


def test_bookmarks_and_contents_entries_point_where_their_element_starts(reading):
    pdf, tree, edition = reading.pdf, reading.tree, reading.edition
    with pdf.open_outline() as outline:
        items = list(outline.root)
        assert len(items) == len(edition.pages)
        for item, sect in zip(items, tree.children("Sect"), strict=True):
            assert _destination_page(pdf, item.destination) == sect.first_page, item.title
            assert len(item.children) == len(sect.children("Art"))
            for child, art in zip(item.children, sect.children("Art"), strict=True):
                assert _destination_page(pdf, child.destination) == art.first_page, child.title
    contents = tree.children()[0].children("L")[0]
    targets = [t for sect in tree.children("Sect") for t in [sect, *sect.children("Art")]]
    links = [link for link in contents.find("Link")]
    assert len(links) == len(targets)
    numbers = [o for o in reading.objects if o.page == 0 and o.artifact and o.text.strip().isdigit()]
    for link, target in zip(links, targets, strict=True):
        annotations = [m.annotation for m in link.marks() if m.annotation is not None]
        assert {_destination_page(pdf, a.Dest) for a in annotations} == {target.first_page}
        if target.role == "Art":  # the page number printed after the leader, on the last line
            y0, y1 = sorted(float(v) for v in annotations[-1].Rect[1::2])
            printed = [o.text.strip() for o in numbers if y0 <= (o.box[1] + o.box[3]) / 2 <= y1]
            assert printed == [str(target.first_page + 1)], reading.text(link)


def test_text_column_is_the_declared_width(reading):
    column = A4_COLUMN_PT if reading.size == "A4" else PHONE_COLUMN_PT
    margin = (20 if reading.size == "A4" else 6) * 72 / 25.4
    paragraphs = {(m.page, m.mcid) for p in reading.tree.find("P") for m in p.marks()}
    boxes = [o.box for o in reading.objects if (o.page, o.mcid) in paragraphs]
    left = min(b[0] for b in boxes)
    right = max(b[2] for b in boxes)
    assert left == pytest.approx(margin, abs=1.0)  # not 6 pt further in (an 8 px body margin)
    assert right - left == pytest.approx(column, abs=2.0)


# ---------------------------------------------------------------- the PyPI PDF/UA checkers

def _run(tool: str, *arguments: str) -> dict:
    """A checker's JSON report (its console script, installed beside this Python)."""
    command = Path(sys.executable).parent / tool
    result = subprocess.run([str(command), *arguments], capture_output=True, text=True)
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


# pdfua 0.1.3's rule UA-14-001 (headings are not empty) raises on any /K that is an array
# (it asks a pikepdf Array for an attribute) and is skipped, so it checks no real heading;
# structure tests above check that every heading has text.
PDFUA_BROKEN_RULES = {"UA-14-001"}


def test_pdfua_finds_nothing(reading):
    report = _run("pdfua", "check", "--format", "json", str(reading.path))
    assert report["findings"] == [], report["findings"]
    assert {s["rule_id"] for s in report["skipped"]} <= PDFUA_BROKEN_RULES, report["skipped"]
    assert report["summary"]["rules_run"] >= 11


def test_outloud_finds_no_error_and_no_warning(reading):
    report = _run("outloud", "--json", "-", "--fail-on", "never", str(reading.path))
    result, = report["results"]
    assert result["error"] is None and result["stats"]["tagged"]
    assert result["counts"]["error"] == 0 and result["counts"]["warning"] == 0, result["findings"]
    ran = {r["rule"] for r in result["rules"] if r["status"] == "ran"}
    assert {"TAG-001", "TAG-023", "HDG-001", "LST-003", "FIG-001", "LNK-001", "PAG-001",
            "ORD-001"} <= ran


# ---------------------------------------------------------------- joined renders

@pytest.mark.filterwarnings("ignore::pikepdf.PageCopyWarning")  # no named destinations needed here
def test_a_pdf_joined_from_two_renders_is_tagged_as_one(make_edition, tmp_path):
    """What the engine records survives a join: the pages of two renders, one after the
    other, tagged from the two records joined (Structure.join) make one tree."""
    from publisher.engine import Structure
    from publisher.reading import reading_render
    from publisher.structure import tag

    parts = []
    for edition_dir in (SAMPLE, make_edition()):
        edition, settings, fonts, _ = load(edition_dir)
        parts.append((edition, reading_render(edition, settings, fonts)))
    joined = pikepdf.new()
    offsets = []
    for _, rendered in parts:
        offsets.append(len(joined.pages))
        with pikepdf.open(io.BytesIO(rendered.pdf)) as part:
            joined.pages.extend(part.pages)
    joined.Root.Lang = pikepdf.String("zh-Hans")
    records = [r.structure for _, r in parts]
    assert all(records)
    tag(joined, Structure.join((r, first) for r, first in zip(records, offsets, strict=True) if r))
    path = tmp_path / "joined.pdf"
    joined.save(path)
    with pikepdf.open(path) as pdf:
        tree = read_tree(pdf)  # every MCID and annotation maps back to the element holding it
        assert len(tree.children("Sect")) == sum(len(e.pages) for e, _ in parts)
        assert len(tree.find("Art")) == sum(len(e.articles) for e, _ in parts)
        assert struct_elems_in_file(pdf) == {e.obj.objgen for e in tree.walk()}
        second = tree.children()[2:]
        assert second[0].role == "Div" and second[0].first_page == offsets[1]


# ---------------------------------------------------------------- tables

def test_tables_are_tables_with_scoped_header_cells(tmp_path):
    """A table of figures (tests/fixtures/editions/table-edition): one Table per table, its
    header row THead > TR > TH with /Scope /Column, its rows TBody > TR > TD, each cell's
    text the source's; and outloud finds nothing to say about it."""
    from publisher.model import Table

    edition_dir = Path(__file__).parent / "fixtures" / "editions" / "table-edition"
    result = publish(edition_dir, tmp_path, ["pdf"])
    path, = result.files
    edition = read_edition(edition_dir)
    sources = [b for a in edition.articles for b in a.body if isinstance(b, Table)]
    with pikepdf.open(path) as pdf:
        tree = read_tree(pdf)
        texts = mcid_texts(text_objects(path))
        tables = tree.find("Table")
        assert len(tables) == len(sources) >= 1
        for table, source in zip(tables, sources, strict=True):
            head, body = table.children()
            assert (head.role, body.role) == ("THead", "TBody")
            header, = head.children("TR")
            cells = header.children()
            assert [c.role for c in cells] == ["TH"] * len(source.header)
            assert all(c.obj.A.Scope == pikepdf.Name.Column for c in cells)
            assert [plain(c.text(texts)) for c in cells] == [plain(h) for h in source.header]
            rows = body.children("TR")
            assert [[plain(c.text(texts)) for c in r.children("TD")] for r in rows] == [
                [plain(c) for c in row] for row in source.rows]
    report = _run("outloud", "--json", "-", "--fail-on", "never", str(path))
    assert report["results"][0]["counts"]["error"] == 0, report["results"][0]["findings"]
