"""Jumps (下转第X版 / 上接第X版) under the house rule: copy as newsrooms deliver it — a CMS feed
whose front page holds more than a 版, RSS, Atom and NITF — imported with no hand edit builds
every format, the articles that do not fit continuing on a later 版 with room; each jumped
article reads back whole and in order from the print PDF and from the archive's METS/ALTO;
copy that cannot fit even with jumps is named with its pages and lines; ``publisher check``
says what ``build --format print`` says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from publisher.cli import app
from publisher.makeup.geometry import mm_to_pt
from publisher.model import Paragraph
from tests.conftest import ROOT, SHORT, THREE_PAGE_FILES, TWO_PAGES, house_with, long_article, three_pages

pytestmark = pytest.mark.slow

FEEDS = ROOT / "tests" / "fixtures" / "feeds"
FORMATS = ["-f", "epub", "-f", "pdf", "-f", "print", "-f", "archive"]
METS = "{http://www.loc.gov/METS/}"
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
JUMP = re.compile(r"（下转第(\d+)版）$")
FROM = re.compile(r"^（上接第(\d+)版）")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _import_and_build(tmp: Path, kind: str, source: Path, *options: str) -> tuple[Path, Path]:
    runner = CliRunner()
    edition = tmp / "edition"
    result = runner.invoke(app, ["import", kind, str(source), *options, "--out", str(edition)])
    assert result.exit_code == 0, result.output
    dist = tmp / "dist"
    result = runner.invoke(app, ["build", str(edition), *FORMATS, "--out", str(dist)])
    assert result.exit_code == 0, result.output
    return edition, dist


def _plan(edition: Path):
    from publisher.publish import plan
    return plan(edition)


def _column_texts(pdf: Path, made) -> dict[tuple[int, str], list[str]]:
    """(版, slug) -> the text printed in each text column of that part of the article, read
    from the print PDF inside the column's box (pdfium)."""
    import pypdfium2 as pdfium

    out: dict[tuple[int, str], list[str]] = {}
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for index, plan in enumerate(made.plans):
            # PDF user space has its origin at the trim's bottom left (the sheet's MediaBox
            # reaches past it into the bleed and marks); the plan measures from the top left
            height = mm_to_pt(plan.grid.geometry.trim_height)
            text = doc[index].get_textpage()
            for p in plan.placed:
                cols = []
                for c in p.columns:
                    left = mm_to_pt(p.box.x + c.x)
                    top = mm_to_pt(p.box.y + p.zone)
                    bottom = mm_to_pt(p.box.y + p.box.height)
                    cols.append(_squeeze(text.get_text_bounded(
                        left + 0.5, height - bottom, left + mm_to_pt(c.width) - 0.5, height - top - 0.5)))
                out[(plan.page.number, p.slug)] = cols
    finally:
        doc.close()
    return out


def _body(article) -> str:
    """The article's text as its columns print it: the dateline lead, then the paragraphs."""
    return _squeeze((article.dateline or "") + "".join(
        "".join(r.text for r in b.runs) for b in article.body if isinstance(b, Paragraph)))


def _jumped(made) -> list[tuple[str, list]]:
    """slug -> its parts, in reading order: (版, Placed) from the first to the last."""
    parts: dict[str, list] = {}
    for plan in made.plans:
        for p in plan.placed:
            if p.continued_on or p.continued_from:
                parts.setdefault(p.slug, []).append((plan.page.number, p))
    return sorted(parts.items())


def _assert_jumps_read_back_whole(edition: Path, dist: Path) -> int:
    """Every jumped article: 下转第X版 names the 版 where the rest starts under 上接第Y版, and
    its parts, read from the print PDF and from the archive's ALTO in METS order, make the
    article whole and in order. Returns how many articles jumped."""
    ed, made, problems = _plan(edition)
    assert not problems.errors
    out = dist / ed.id
    columns = _column_texts(out / f"{ed.id}-print.pdf", made)
    mets = etree.parse(str(out / "archive" / "data" / "mets.xml"))
    altos: dict[str, etree._ElementTree] = {}
    jumped = _jumped(made)
    assert jumped
    articles = {a.slug: a for a in ed.articles}
    for slug, parts in jumped:
        assert len(parts) >= 2, slug
        text = ""
        for n, ((number, part), following) in enumerate(zip(parts, [*parts[1:], None], strict=True)):
            cols = columns[(number, slug)]
            if following is None:
                assert part.continued_on is None, slug
            else:  # 下转 names the next part's 版, which is later, and the next part says whence
                assert following[0] == part.continued_on > number, slug
                jump = JUMP.search(cols[-1])
                assert jump and int(jump.group(1)) == following[0], (slug, cols[-1][-20:])
                cols[-1] = cols[-1][:jump.start()]
            if n:
                assert part.continued_from == parts[n - 1][0]
            text += "".join(cols)
        assert text == _body(articles[slug]), slug  # whole, in order, each line once
        # the 上接 head of each rest, as printed
        for number, part in parts[1:]:
            head = next(p for p in made.plans if p.page.number == number)
            assert part in head.placed and part.head > 0
        # the archive: the article's paragraphs, in METS order, over the 版 it is on
        logical = mets.find(f".//{METS}div[@ID='LOG_{slug}']")
        areas = [a for d in logical.findall(f"{METS}div") if d.get("TYPE") == "PARAGRAPH"
                 for a in d.iter(f"{METS}area")]
        files, archived = [], ""
        for area in areas:
            file = area.get("FILEID")
            files.append(file)
            alto = altos.setdefault(file, etree.parse(str(out / "archive" / "data" / "alto" / f"{file[5:]}.xml")))
            block = alto.find(f".//{ALTO}TextBlock[@ID='{area.get('BEGIN')}']")
            archived += "".join(s.get("CONTENT") for s in block.iter(f"{ALTO}String"))
        assert [f"ALTO_p{n:02d}" for n, _ in parts] == list(dict.fromkeys(files)), slug
        assert _squeeze(archived) == _body(articles[slug]), slug
    return len(jumped)


def _print_pdf_text(dist: Path, edition_id: str) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(dist / edition_id / f"{edition_id}-print.pdf"))
    try:
        return "".join(_squeeze(doc[i].get_textpage().get_text_range()) for i in range(len(doc)))
    finally:
        doc.close()


@pytest.fixture(scope="module")
def overfull_feed(tmp_path_factory):
    """The CMS feed of the real feed's shape whose front page holds more than a 版,
    imported with nothing but --date and built in every format."""
    tmp = tmp_path_factory.mktemp("overfull")
    return _import_and_build(tmp, "json", FEEDS / "economy-daily-overfull.json", "--date", "2026-06-12")


def test_an_overfull_feed_imported_with_the_date_only_builds_every_format(overfull_feed):
    edition, dist = overfull_feed
    ed, made, _ = _plan(edition)
    assert ed.paper.name == "经济日报" and [p.name for p in ed.pages] == ["要闻", "证券", "银行", "保险"]
    out = dist / ed.id
    for name in (f"{ed.id}.epub", f"{ed.id}.pdf", f"{ed.id}-print.pdf", "archive/bagit.txt"):
        assert (out / name).is_file(), name
    front = made.plans[0]
    assert 1 <= front.jumps <= 6  # the house's max_jumps
    text = _print_pdf_text(dist, ed.id)
    assert "下转第" in text and "上接第1版" in text
    # the front page's lead is kept whole (it can be): the less important articles jump
    lead = ed.pages[0].articles[0].slug
    assert [p.slug for p in front.placed if p.slug == lead and not p.continued_on] == [lead]
    assert all(p.continued_on > 1 for p in front.placed if p.continued_on)  # forward only


def test_each_jumped_article_of_the_feed_reads_back_whole_from_print_and_archive(overfull_feed):
    assert _assert_jumps_read_back_whole(*overfull_feed) >= 1


def test_check_and_the_print_build_agree_on_the_feed(overfull_feed, tmp_path):
    edition, _ = overfull_feed
    runner = CliRunner()
    check = runner.invoke(app, ["check", str(edition)])
    build = runner.invoke(app, ["build", str(edition), "-f", "print", "--out", str(tmp_path)])
    assert check.exit_code == build.exit_code == 0, check.output + build.output
    warned = lambda out: sorted(line for line in out.splitlines() if "warning[" in line)  # noqa: E731
    assert warned(check.output) == warned(build.output)


@pytest.mark.parametrize("kind, source, options", [
    ("rss", "news.rss", ("--paper", "xnrb", "--date", "2019-10-21")),
    ("rss", "news.atom", ("--paper", "xnrb", "--date", "2019-10-21")),
    ("nitf", "nitf", ("--paper", "xnrb")),
], ids=["rss", "atom", "nitf"])
def test_syndication_and_nitf_feeds_import_and_build_every_format(tmp_path, kind, source, options):
    edition, dist = _import_and_build(tmp_path, kind, FEEDS / source, *options)
    assert _assert_jumps_read_back_whole(edition, dist) >= 1


def test_copy_that_cannot_fit_even_with_jumps_names_articles_pages_and_lines(make_edition, tmp_path):
    """More copy than the issue's 版 hold: the rest that reaches the last 版 does not fit
    there; the error names the article, both pages, the lines over and what to do, and check
    says the same (never an internal error)."""
    from publisher.errors import RenderError
    from publisher.publish import publish

    ed = make_edition({"articles/long.md": long_article(200), "articles/two.md": SHORT},
                      toml=TWO_PAGES.format(jump=""))
    with pytest.raises(RenderError) as exc:
        publish(ed, tmp_path / "out", ["print"])
    errors = exc.value.errors
    assert errors and all(p.code == "overflow" for p in errors)
    (problem,) = errors
    assert "the rest of article 'long'" in problem.message and "continued from page 1" in problem.message
    assert "page 2" in problem.message and re.search(r"\d+ lines over", problem.message)
    assert problem.hint and "add a 版" in problem.hint and "cut copy" in problem.hint
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    _, _, problems = _plan(ed)
    assert [str(p) for p in problems.errors] == [str(p) for p in errors]
    result = CliRunner().invoke(app, ["check", str(ed)])
    assert result.exit_code == 1 and "error[overflow]" in result.output and "internal" not in result.output


EPUB_NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def _epub_doc(epub: Path, name: str):
    import zipfile

    with zipfile.ZipFile(epub) as z:
        return etree.fromstring(z.read(f"EPUB/{name}"))


def test_the_epub_marks_where_print_continues_each_jumped_article(overfull_feed, tmp_path):
    """The EPUB reads a jumped article whole; where print continues it on a later 版 (上接),
    an anchor stands at the very character the printed part starts with, that 版's contents
    link to it (（上接第X版）), its 下转 note names the 版, and the page-list keeps one
    entry per 版. An EPUB built alone marks the same jumps (the issue made up without
    rendering it)."""
    from publisher.makeup import continuations

    edition, dist = overfull_feed
    ed, made, _ = _plan(edition)
    epub = dist / ed.id / f"{ed.id}.epub"
    jumps = continuations(made.plans)
    assert jumps
    articles = {a.slug: a for a in ed.articles}
    home = {a.slug: page.number for page in ed.pages for a in page.articles}
    for slug, parts in jumps.items():
        doc = _epub_doc(epub, f"text/a-{slug}.xhtml")
        anchors = doc.xpath("//*[@class='continued-here']")
        assert [a.get("id") for a in anchors] == [f"page-{c.page}-{slug}" for c in parts]
        assert not doc.xpath("//*[@epub:type='pagebreak']", namespaces=EPUB_NS)
        tag = "".join(doc.xpath("//*[@class='page-tag']")[0].itertext())
        assert tag.endswith("".join(f"（下转第{c.page}版）" for c in parts)), tag
        printed = [p for plan in made.plans for p in plan.placed if p.slug == slug and p.continued_from]
        for anchor, part, c in zip(anchors, printed, parts, strict=True):
            # the text that follows the anchor in the EPUB is the text the part prints first
            first = next(piece for col in part.columns for piece in col.pieces)
            after = _squeeze("".join(anchor.xpath("following::text()")))
            assert after.startswith(_squeeze("".join(s.text for s in first.segments))[:12]), slug
            # and the contents of the 版 it is printed on link to it, saying whence
            page = _epub_doc(epub, f"text/p{c.page:02d}.xhtml")
            links = page.xpath("//x:li[@class='continued']/x:a", namespaces=EPUB_NS)
            [link] = [a for a in links if a.get("href") == f"a-{slug}.xhtml#{anchor.get('id')}"]
            assert "".join(link.itertext()).startswith(f"（上接第{part.continued_from}版）")
            assert part.continued_from in (home[slug], *(p.page for p in parts))
        # read whole and in order: the anchors add no text
        assert _squeeze("".join(doc.xpath("//x:article//x:p//text()", namespaces=EPUB_NS))) == \
            _body(articles[slug])
    nav = _epub_doc(epub, "nav.xhtml")
    labels = nav.xpath("//x:nav[@epub:type='page-list']//x:a/text()", namespaces=EPUB_NS)
    assert labels == [str(p.number) for p in ed.pages]
    result = CliRunner().invoke(app, ["build", str(edition), "-f", "epub", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / ed.id / f"{ed.id}.epub").read_bytes() == epub.read_bytes()


THREE_PAGES = three_pages("long", "one")


def test_a_new_jump_renders_both_its_pages_again_and_no_other(make_edition, tmp_path, monkeypatch):
    """The page cache (publisher.pagecache) and the print workers with jumps: when an article
    grows until it jumps, the 版 it leaves (下转) and the 版 its rest lands on (上接) are both
    rendered again, the untouched 版 comes from the cache, and the issue is byte for byte a
    clean build's (rendered in two worker processes, and in one)."""
    from publisher.publish import publish

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    files = THREE_PAGE_FILES

    def build(paragraphs: int, name: str, cache: bool, workers: int) -> tuple[dict[str, bytes], list[str], list]:
        ed = make_edition({**files, "articles/long.md": long_article(paragraphs)}, toml=THREE_PAGES,
                          name=name)
        settings = house_with()
        settings = settings.model_copy(update={"print": settings.print.model_copy(
            update={"cache": cache, "workers": workers})})
        messages: list[str] = []
        out = tmp_path / f"out-{name}"
        publish(ed, out, ["print"], settings=settings, progress=messages.append)
        (folder,) = out.iterdir()
        rendered = [m.split("(")[1].split()[0] for m in messages if "print pages: rendered 版" in m]
        return ({p.name: p.read_bytes() for p in sorted((folder / "print").glob("*.pdf"))}, rendered,
                _plan(ed)[1].plans)

    whole, rendered, plans = build(60, "whole", cache=True, workers=2)
    assert rendered == ["第1版", "第2版", "第3版"] and not any(p.jumps for p in plans)
    jumped, rendered, plans = build(90, "jumped", cache=True, workers=2)
    assert [p.jumps for p in plans] == [1, 0, 0]
    assert [p.continued_from for p in plans[1].placed].count(1) == 1
    assert rendered == ["第1版", "第2版"]  # 第3版 from the cache
    assert jumped["p03.pdf"] == whole["p03.pdf"]
    assert jumped["p01.pdf"] != whole["p01.pdf"] and jumped["p02.pdf"] != whole["p02.pdf"]
    for workers in (2, 1):
        clean, rendered, _ = build(90, f"clean{workers}", cache=False, workers=workers)
        assert len(rendered) == 3 and clean == jumped
