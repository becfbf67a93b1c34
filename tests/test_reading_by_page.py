"""The reading PDF rendered 版 by 版 and joined (``[tool.publisher.reading] by_page``),
read back against the same edition rendered as one document.

On a 3-版 edition (benchmarks/make_big_edition.py: the sample's articles on every 版, so
each 版 takes several pages and the contents more than one): the same pages with the same
text (folios and the contents' page numbers included), the same bookmarks, named
destinations and contents links, each pointing at the same page; one font program per
face, none a placeholder, one output intent, the PDF/A and PDF/UA declarations; and the
same bytes from one worker and from two. The structure tree, the contents page, the
checkers: tests/test_reading_structure.py runs every rule on the sample rendered by 版 too.
"""

from __future__ import annotations

import io
import signal
import time
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
import uharfbuzz as hb

from publisher.errors import Problem, RenderError
from publisher.publish import load
from publisher.reading import reading_render
from tests.conftest import big_edition_module

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> Path:
    """A 3-版 edition (benchmarks/make_big_edition.py)."""
    return big_edition_module().make(tmp_path_factory.mktemp("three") / "ed", pages=3)


def _settings(settings, by_page: bool, workers: int):
    return settings.model_copy(update={
        "reading": settings.reading.model_copy(update={"by_page": by_page}),
        "print": settings.print.model_copy(update={"workers": workers})})


@pytest.fixture(scope="module")
def renders(three) -> dict[str, bytes]:
    """The 3-版 edition's reading PDF: whole, and by 版 in one and in two workers."""
    edition, settings, fonts, _ = load(three)
    return {name: reading_render(edition, _settings(settings, by_page, workers), fonts).pdf
            for name, by_page, workers in (("whole", False, 1), ("one", True, 1), ("two", True, 2))}


def test_a_版_that_fails_in_a_worker_fails_the_build_with_its_problem(three, monkeypatch):
    """The worker's error comes back as the build's (the workers fork after the patch, so
    they render with it); the other worker, maybe waiting for a page number, is stopped:
    ended by SIGTERM itself, even under the CLI's handler, which would turn it into an
    exception the worker's error handling catches (publisher/workers.py)."""
    from publisher import reading, signals

    edition, settings, fonts, _ = load(three)
    lay_out = reading.lay_out

    def failing(html, **kwargs):
        if kwargs["what"].endswith(edition.pages[1].display_label):
            raise RenderError(Problem("reading PDF: a broken 版", code="render"))
        return lay_out(html, **kwargs)

    pools: list = []
    close = reading._Pool.close

    def closing(pool, abort=False):
        pools.append((pool, abort))
        close(pool, abort)

    monkeypatch.setattr(reading, "lay_out", failing)
    monkeypatch.setattr(reading._Pool, "close", closing)
    signal.signal(signal.SIGTERM, signals.on_sigterm)  # put back after the test (tests/conftest.py)
    with pytest.raises(RenderError, match="a broken 版") as raised:
        reading_render(edition, _settings(settings, True, 2), fonts)
    assert [p.message for p in raised.value.problems] == ["reading PDF: a broken 版"]
    ((pool, abort),) = pools
    assert abort
    assert [p.exitcode for p in pool.processes] == [-signal.SIGTERM] * 2


def test_a_stop_while_the_workers_start_ends_those_started_and_unfreezes(three, monkeypatch):
    """Ctrl-C (or SIGTERM, or an error) as the second worker is forked: the first is ended,
    the collector is not left frozen, the job is cleared (they were set up before the
    ``try`` that undoes them)."""
    import gc
    from multiprocessing.context import ForkProcess

    from publisher import reading, signals
    from publisher.workers import end

    edition, settings, fonts, _ = load(three)
    started: list = []
    start = ForkProcess.start

    def second_interrupted(process):
        if started:
            raise KeyboardInterrupt
        start(process)
        started.append(process)

    monkeypatch.setattr(ForkProcess, "start", second_interrupted)
    # The CLI's handler, as in a build: the workers are forked while it is held (signals.held),
    # and the first is sent SIGTERM before it has put its own in place (workers.started, made
    # late here): it must end by it then too, not sit out the grace and be killed.
    signal.signal(signal.SIGTERM, signals.on_sigterm)  # put back after the test (tests/conftest.py)
    worker_started = reading.started

    def late() -> None:
        time.sleep(2)
        worker_started()

    monkeypatch.setattr(reading, "started", late)
    gc.unfreeze()
    try:
        with pytest.raises(KeyboardInterrupt):
            reading_render(edition, _settings(settings, True, 2), fonts)
        (first,) = started
        assert not first.is_alive() and first.exitcode == -signal.SIGTERM
        assert gc.get_freeze_count() == 0
        assert reading._JOB is None
    finally:
        gc.unfreeze()
        for process in started:
            end(process)


def test_the_bytes_do_not_depend_on_the_number_of_workers(renders):
    assert renders["one"] == renders["two"]
    assert renders["one"] != renders["whole"]  # another file, read back the same below


def _read(data: bytes) -> dict:
    """What a reader sees: each page's text, the bookmarks, destinations and links, by page."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        flat = pdf.Root.Names.Dests.Names
        names = {str(flat[i]): index[flat[i + 1][0].objgen] for i in range(0, len(flat), 2)}
        outline = []
        with pdf.open_outline() as o:
            def walk(items, level):
                for item in items:
                    outline.append((level, item.title, index[item.destination[0].objgen]))
                    walk(item.children, level + 1)
            walk(o.root, 0)
        links = [(i, str(a.Dest), names[str(a.Dest)]) for i, page in enumerate(pdf.pages)
                 for a in page.obj.get("/Annots") or [] if "/Dest" in a]
        uris = [str(a.A.URI) for page in pdf.pages for a in page.obj.get("/Annots") or [] if "/A" in a]
    doc = pdfium.PdfDocument(data)
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    return {"texts": texts, "outline": outline, "names": names, "links": links, "uris": uris}


def test_pages_folios_bookmarks_destinations_and_links_read_as_one_document(renders):
    whole, joined = _read(renders["whole"]), _read(renders["two"])
    assert len(joined["texts"]) == len(whole["texts"]) > 3 * 3  # each 版 on several pages
    for number, (a, b) in enumerate(zip(whole["texts"], joined["texts"], strict=True), start=1):
        assert a == b, f"page {number}"  # its folio and, on the contents, its page numbers
        if number > 1:
            assert b.rstrip().endswith(str(number)), f"page {number}: its folio"
    assert joined["outline"] == whole["outline"]
    assert len(joined["outline"]) == 3 + 3 * 9
    assert joined["names"] == whole["names"]
    assert joined["links"] == whole["links"] and len(joined["links"]) >= 3 + 3 * 9
    assert joined["uris"] == whole["uris"]  # no link left to the parts' placeholder URIs


def test_one_font_program_per_face_one_output_intent_and_the_declarations(renders):
    with pikepdf.open(io.BytesIO(renders["two"])) as pdf:
        programs: dict[str, set] = {}
        for page in pdf.pages:
            for font in page.obj.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                face = hb.Face(program.read_bytes())
                name = face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME)
                programs.setdefault(name, set()).add(program.objgen)
                assert face.glyph_count > 1, f"{name}: a placeholder left in the joined PDF"
        assert programs and all(len(objects) == 1 for objects in programs.values()), programs
        assert len(pdf.Root.OutputIntents) == 1
        assert str(pdf.Root.Lang) == "zh-Hans" and pdf.Root.MarkInfo.Marked
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "A"
        assert meta["pdfuaid:part"] == "1"
        annotations = [a for page in pdf.pages for a in page.obj.get("/Annots") or []]
        assert annotations and all("/StructParent" in a for a in annotations)


def _calls(monkeypatch) -> list:
    """The parts each ``_run`` renders (None: the contents laid out with its numbers)."""
    from publisher import reading

    calls: list = []
    run = reading._run
    monkeypatch.setattr(reading, "_run", lambda task, ask: calls.append(task.part) or run(task, ask))
    return calls


def test_the_contents_is_laid_out_once_and_its_numbers_written_in(three, renders, monkeypatch):
    """The contents is laid out with placeholder numbers before any 版 is numbered, and the
    real numbers are written into that layout: no part renders it again."""
    from publisher import reading

    edition, settings, fonts, _ = load(three)
    calls = _calls(monkeypatch)
    laid_out = reading._contents_laid_out
    written = []
    monkeypatch.setattr(reading, "_contents_laid_out", lambda: written.append(1) or laid_out())
    pdf = reading_render(edition, _settings(settings, True, 1), fonts).pdf
    assert calls == [0, 1, 2] and written == [1]
    assert pdf == renders["one"]


def test_numbers_written_in_make_the_file_a_layout_with_them_makes(three, renders, monkeypatch):
    """Where a number would not fit its box, the contents is laid out again with the
    numbers (in a worker): the same file as the numbers written into the placeholders'
    layout, so writing them in changes nothing but the time."""
    from publisher import reading

    edition, settings, fonts, _ = load(three)
    calls = _calls(monkeypatch)
    monkeypatch.setattr(reading.Document, "fill", lambda self, *args: False)
    pdf = reading_render(edition, _settings(settings, True, 1), fonts).pdf
    assert calls == [0, 1, 2, None]
    assert pdf == renders["one"]


def test_a_number_wider_than_its_box_is_not_written_in(three):
    """``fill`` writes nothing where a number is wider than the box the placeholder was laid
    out in (the line would not be the one a layout with it makes)."""
    from publisher import reading

    edition, settings, fonts, _ = load(three)
    reading._JOB = reading._Job(edition, settings, fonts, False)
    try:
        laid = reading._contents_laid_out()
    finally:
        reading._JOB = None
    targets = [f"#a-{a.slug}" for a in edition.articles]
    assert not laid.fill(reading.FOLIO, "data-target", dict.fromkeys(targets, "1234567"))
    assert not laid.fill(reading.FOLIO, "data-target", dict.fromkeys(targets[1:], "7"))  # one missing
    assert laid.fill(reading.FOLIO, "data-target", dict.fromkeys(targets, "999"))


def test_a_wrong_contents_length_is_put_right_and_changes_nothing(three, renders, monkeypatch):
    """The 版 are numbered after the contents' length as laid out with placeholder numbers;
    should the real numbers make it another length (laid out again with numbers that do not
    fit their boxes), the 版 are numbered again after that one. Told a wrong length first,
    the result is the same file: it depends on the edition, not on the path to it."""
    from publisher import reading

    edition, settings, fonts, _ = load(three)
    calls = _calls(monkeypatch)

    class Wrong:
        page_count = 7  # it is 2 pages

        def fill(self, *args) -> bool:
            return False

    monkeypatch.setattr(reading, "_contents_laid_out", Wrong)
    pdf = reading_render(edition, _settings(settings, True, 1), fonts).pdf
    assert calls == [0, 1, 2, None, 0, 1, 2, None]  # numbered after 7, then after the real 2
    assert pdf == renders["one"]


def test_a_parts_anchors_from_its_layout_are_the_destinations_of_its_pdf(three):
    """A part's page count and anchors are told from its layout, before it is drawn (the
    contents is numbered from them while the last 版 are drawn): they are the named
    destinations WeasyPrint then writes, each on its first page, in the name tree's order."""
    from publisher import reading
    from publisher.pdfjoin import anchors

    edition, settings, fonts, _ = load(three)
    reading._JOB = reading._Job(edition, settings, fonts, False)
    try:
        told: list = []
        result = reading._run(reading._Task(1), lambda pages: 5, told.append)
    finally:
        reading._JOB = None
    with pikepdf.open(io.BytesIO(result.rendered.pdf)) as pdf:
        assert told == [(len(pdf.pages), tuple(anchors(pdf)))]
        assert len(pdf.pages) > 1 and len({index for _, index in told[0][1]}) > 1
    assert result.anchors == told[0][1] and result.first_page == 5


def test_a_width_array_read_from_its_bytes_is_the_one_read_object_by_object():
    """``pdfjoin._widths`` reads a /W array from its bytes where every number is an integer
    (WeasyPrint's), and object by object otherwise: the same glyph widths either way."""
    from publisher.pdfjoin import _integer_widths, _widths

    pdf = pikepdf.new()
    both = pikepdf.Array([1, pikepdf.Array([227, 3]), 5, 7, 500, 9, pikepdf.Array([1000])])
    expected = {1: 227, 2: 3, 5: 500, 6: 500, 7: 500, 9: 1000}
    assert _integer_widths(both.unparse()) == expected
    assert _widths(pdf.make_indirect(both)) == expected
    real = pikepdf.Array([1, pikepdf.Array([227.5])])
    assert _integer_widths(real.unparse()) is None
    assert {k: str(v) for k, v in _widths(real).items()} == {1: "227.5"}


def test_a_joined_structure_keeps_every_field_of_its_parts():
    """``Structure.join`` makes each element and piece of content field by field: every field
    is carried over, renumbered where it must be."""
    from dataclasses import fields, replace

    from publisher.engine import Element, Structure, Tagged

    element = Element(1, 0, "a", (("href", "#x"),), "title")
    root = Element(0, None, "body", ())
    tagged = Tagged(2, 1, 3, 4, (1.0, 2.0, 3.0, 4.0))
    part = Structure((root, element), (tagged,))
    joined = Structure.join([(part, 0), (part, 5)])
    assert joined.elements[3] == replace(element, key=3, parent=2)
    assert joined.content[1] == replace(tagged, page=7, element=3)
    assert [f.name for f in fields(Element)] == ["key", "parent", "tag", "attributes", "text"]
    assert [f.name for f in fields(Tagged)] == ["page", "element", "mcid", "annotation", "box"]


def test_numbers_of_four_digits_get_wider_boxes_in_both_renders(three, monkeypatch):
    """From ``WIDE_FROM`` on, the contents' number boxes take four digits: the one document
    is rendered again so (it knows its numbers once laid out), and by 版 the contents is
    laid out with the numbers in the wide boxes; the two read the same. (Told that wide
    numbers start at 5, so that the 3-版 edition has some.)"""
    from publisher import reading

    monkeypatch.setattr(reading, "WIDE_FROM", 5)
    edition, settings, fonts, _ = load(three)
    htmls: list = []
    html = reading.reading_html
    monkeypatch.setattr(reading, "reading_html", lambda *a, **k: htmls.append(k.get("wide_folios")) or html(*a, **k))
    whole = reading_render(edition, _settings(settings, False, 1), fonts).pdf
    assert htmls == [False, True]
    htmls.clear()
    joined = reading_render(edition, _settings(settings, True, 1), fonts).pdf  # one process: seen here
    assert htmls[-1] is True  # the contents laid out again, wide
    a, b = _read(whole), _read(joined)
    assert a["texts"] == b["texts"] and a["links"] == b["links"]


def test_a_worker_lays_out_the_next_parts_while_the_contents_is_laid_out(three, renders, monkeypatch, tmp_path):
    """A worker does not wait for its first page number: while this process lays the
    contents out (its length numbers every 版), the two workers lay out the parts ahead
    (``_AHEAD`` each, in order) and draw them once they are numbered; the same file. (Each
    part laid out is marked in a file; the contents' layout starts once three are, or after
    five minutes: workers that waited would have laid out two. Three layouts take seconds
    idle, near a minute at load 30: the bound only ends the wait of a regression.)"""
    import time

    from publisher import reading

    edition, settings, fonts, _ = load(three)
    marks = tmp_path / "laid"
    marks.touch()
    lay_out_part, contents_laid_out = reading._lay_out_part, reading._contents_laid_out

    def marked(task):
        document = lay_out_part(task)
        with marks.open("a") as out:
            out.write(f"{task.part}\n")
        return document

    seen: list = []

    def after_the_parts():
        deadline = time.monotonic() + 300
        while len(marks.read_text().split()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        seen.append(sorted(marks.read_text().split()))
        return contents_laid_out()

    monkeypatch.setattr(reading, "_lay_out_part", marked)
    monkeypatch.setattr(reading, "_contents_laid_out", after_the_parts)
    pdf = reading_render(edition, _settings(settings, True, 2), fonts).pdf
    assert seen == [["0", "1", "2"]]
    assert pdf == renders["one"]


def test_each_parts_pdf_is_read_for_the_join_as_it_comes_back(three, renders, monkeypatch):
    """The join after the last 版 reads no 版's fonts, names or bookmarks: each 版's PDF was
    opened and read as its result came back (``pdfjoin.Source``), while the workers drew the
    rest; only the contents' fonts are read at the join. The same file."""
    from publisher import pdfjoin, reading

    edition, settings, fonts, _ = load(three)
    read: list[str] = []
    to_unicode, join = pdfjoin._to_unicode, reading._join
    monkeypatch.setattr(pdfjoin, "_to_unicode", lambda stream: (read.append("font"), to_unicode(stream))[1])
    at_join: list[tuple[int, int]] = []

    def joined(edition, fonts, front, parts, *more):
        before = len(read)
        with pikepdf.open(io.BytesIO(front.rendered.pdf)) as pdf:
            front_fonts = sum(len(group) for group in pdfjoin._cid_fonts(pdf).values())
        try:
            return join(edition, fonts, front, parts, *more)
        finally:
            at_join.append((len(read) - before, front_fonts))

    monkeypatch.setattr(reading, "_join", joined)
    pdf = reading_render(edition, _settings(settings, True, 2), fonts).pdf
    ((fonts_read, front_fonts),) = at_join
    assert front_fonts > 0 and fonts_read == front_fonts
    assert len(read) > 3 * front_fonts  # the 版' fonts were read, before the join
    assert pdf == renders["one"]
