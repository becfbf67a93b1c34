"""The print issue at newspaper scale (issue 20): the 16-版 edition of benchmarks/
make_big_edition.py, its issue PDF sharing one font program per face and every distinct
resource once (publisher.pdfjoin), and rebuilt incrementally 版 by 版 from the page cache
(publisher.pagecache) into the same bytes as a clean build."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pikepdf
import pytest

from publisher.config import load_settings
from publisher.makeup.cache import root
from publisher.pdfjoin import Source
from publisher.publish import publish
from tests.conftest import count_pools

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_big_edition import EDITION_ID as ID, make as make_big_edition  # noqa: E402

SAMPLE_ID = "xnrb-2019-10-21-xianan"
PAGES = 16


def _settings(cache: bool):
    settings = load_settings()
    return settings.model_copy(update={"print": settings.print.model_copy(update={"cache": cache})})


def _build(edition: Path, out: Path, cache: bool) -> tuple[dict[str, bytes], list[str]]:
    """Every print file (name -> bytes) of a build, and its progress messages."""
    messages: list[str] = []
    publish(edition, out, ["print"], settings=_settings(cache), progress=messages.append)
    folder = out / ID
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in sorted(folder.rglob("*.pdf"))}
    return files, messages


def _rendered(messages: list[str]) -> int:
    return sum("print pages: rendered 版" in m for m in messages)


@pytest.fixture(scope="module")
def big(tmp_path_factory, monkeypatch_module):
    """The 16-版 edition and its print files, built with an empty page cache of its own."""
    root = tmp_path_factory.mktemp("big-print")
    monkeypatch_module.setenv("PUBLISHER_CACHE", str(root / "cache"))
    edition = make_big_edition(root / "edition", PAGES)
    files, messages = _build(edition, root / "out", cache=True)
    assert _rendered(messages) == PAGES
    return edition, files, root


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _issue(files: dict[str, bytes]) -> bytes:
    return files[f"{ID}-print.pdf"]


def test_no_two_streams_have_the_same_bytes(big):
    _, files, _ = big
    with pikepdf.open(_io(_issue(files))) as pdf:
        seen: dict[str, tuple[int, int]] = {}
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                digest = hashlib.sha256(obj.read_raw_bytes()).hexdigest()
                assert digest not in seen, f"streams {seen[digest]} and {obj.objgen} are the same bytes"
                seen[digest] = obj.objgen


def test_issue_is_at_most_its_distinct_objects(big):
    """The file is at most 1.1 x the bytes of its distinct objects (each object's dictionary
    and stream bytes as stored, counted once per distinct content)."""
    _, files, _ = big
    data = _issue(files)
    distinct: dict[str, int] = {}
    with pikepdf.open(_io(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                if obj.get("/Type") in (pikepdf.Name.ObjStm, pikepdf.Name.XRef):
                    continue  # the file's own packaging, not content
                raw = obj.read_raw_bytes()
                body = obj.stream_dict.unparse() + raw
            elif isinstance(obj, pikepdf.Object) and obj.is_indirect:
                body = obj.unparse()
            else:
                continue
            distinct.setdefault(hashlib.sha256(body).hexdigest(), len(body))
    assert len(data) <= 1.1 * sum(distinct.values()), (len(data), sum(distinct.values()))
    # and for the record: 19.8 MB before the pages shared their resources
    assert len(data) < 3_000_000


def test_one_font_program_per_face(big):
    _, files, _ = big
    with pikepdf.open(_io(_issue(files))) as pdf:
        programs: dict[str, set] = {}
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
                face = str(descriptor.FontName).split("+", 1)[-1]  # without the subset tag
                programs.setdefault(face, set()).add(program.objgen)
        assert len(programs) >= 3  # 宋, 黑, 楷 at least
        assert all(len(p) == 1 for p in programs.values()), programs
        # one colour profile, however many pages and images name it
        profiles = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/N") == 4]
        assert len(profiles) == 1


def test_shared_fonts_draw_and_read_as_each_page_alone(big, pdf_text, tmp_path):
    """Each issue page reads (text) and looks (pixels) as the same 版's own file, whose fonts
    are its own subsets."""
    import numpy
    import pypdfium2 as pdfium

    _, files, _ = big
    issue = tmp_path / "issue.pdf"
    issue.write_bytes(_issue(files))
    texts = pdf_text(issue)
    doc = pdfium.PdfDocument(str(issue))
    try:
        for n in (1, 7, PAGES):
            alone = tmp_path / f"p{n:02d}.pdf"
            alone.write_bytes(files[f"print/p{n:02d}.pdf"])
            assert texts[n - 1] == pdf_text(alone)[0]
            single = pdfium.PdfDocument(str(alone))
            try:
                a = numpy.asarray(doc[n - 1].render(scale=0.5).to_pil().convert("L"))
                b = numpy.asarray(single[0].render(scale=0.5).to_pil().convert("L"))
            finally:
                single.close()
            assert (a == b).all(), f"page {n} draws differently in the issue"
    finally:
        doc.close()


def test_unchanged_rebuild_takes_every_page_from_the_cache(big, tmp_path, monkeypatch):
    """Nothing rendered, joined or planned again: the 版, the files joined from them and the
    make-up's plans come from the caches, and the files are the first build's."""
    import publisher.makeup.plan as planning
    import publisher.printing.build as printing

    edition, files, _ = big
    monkeypatch.setattr(printing, "finish", lambda *a, **k: pytest.fail("joined again"))
    monkeypatch.setattr(planning, "make_up", lambda *a, **k: pytest.fail("planned again"))
    # nor any page's HTML rendered, nor a photo converted: the pages' keys are known from
    # their plans' (pagecache ``keys`` entry)
    monkeypatch.setattr(printing, "page_html", lambda *a, **k: pytest.fail("page HTML rendered"))
    monkeypatch.setattr(printing, "convert_images", lambda *a, **k: pytest.fail("photos converted"))
    again, messages = _build(edition, tmp_path / "out", cache=True)
    assert _rendered(messages) == 0
    assert again == files


def test_one_article_changed_rebuilds_its_page_only_into_a_clean_builds_bytes(big, tmp_path, monkeypatch):
    """One article of 第5版 edited: that 版 alone is rendered, the issue and 第5版's own file
    alone are joined again (the other 版's files are read back from the page cache), and
    every file is a clean build's, byte for byte: 第5版's file and the issue changed, no other."""
    import publisher.printing.build as printing

    edition, files, _ = big
    changed = shutil.copytree(edition, tmp_path / "changed")
    article = changed / "articles" / "p05-jiceng-zhili.md"
    text = article.read_text("utf-8")
    assert "笔者" in text
    article.write_text(text.replace("笔者", "记者", 1), "utf-8")
    joined: list[str] = []
    finish = printing.finish

    def counted(pages, meta, fonts=None):
        joined.append(meta.key.rsplit("/", 1)[-1])
        return finish(pages, meta, fonts)

    monkeypatch.setattr(printing, "finish", counted)
    incremental, messages = _build(changed, tmp_path / "incremental", cache=True)
    monkeypatch.undo()
    assert _rendered(messages) == 1  # 第5版 alone; the other 15 from the cache
    # the issue, and no 版's own file but 第5版's: made where it was rendered, by a worker
    # (with workers: later 版 were to come, not counted here) or in this process
    assert joined.count("print") == 1 and set(joined) <= {"p05", "print"}
    assert {name for name in files if incremental[name] != files[name]} == {
        f"{ID}-print.pdf", "print/p05.pdf"}
    # clean: no page cache, and the make-up's plans solved again (its measurements kept)
    fresh = shutil.copytree(root(), tmp_path / "fresh-cache", ignore=shutil.ignore_patterns("plans", "pages"))
    monkeypatch.setenv("PUBLISHER_CACHE", str(fresh))
    clean, messages = _build(changed, tmp_path / "clean", cache=False)
    assert _rendered(messages) == PAGES
    assert incremental == clean
    assert incremental["print/p05.pdf"] != files["print/p05.pdf"]
    assert incremental["print/p04.pdf"] == files["print/p04.pdf"]


def _io(data: bytes):
    import io

    return io.BytesIO(data)


def test_a_page_from_the_cache_brings_its_whole_layout(tmp_path, monkeypatch):
    """The archive's ALTO is made from the layout recorded while a page is written: read back
    from the page cache it is the same record, every field (pictures too)."""
    from publisher.printing.build import build_print
    from publisher.publish import load

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    edition, settings, fonts, _ = load(ROOT / "editions" / SAMPLE_ID)
    fresh = build_print(edition, settings, fonts, layout=True)
    messages: list[str] = []
    cached = build_print(edition, settings, fonts, layout=True, progress=messages.append)
    assert not any(m.startswith("rendered 版") for m in messages)
    assert cached.layouts == fresh.layouts and cached.layouts[0].pictures
    assert cached.issue == fresh.issue and cached.pages == fresh.pages


def test_a_cached_layout_is_read_whole_or_not_at_all(tmp_path):
    """An entry's layout is written with every field of the records and read back equal; an
    entry with a field the reader does not know (a newer record) is not read: the page is
    rendered again rather than its archive made from a record that lost something."""
    import json

    from publisher.engine import Glyph, PageLayout, Picture, TextLine, TextRun
    from publisher.pagecache import PageCache

    run = TextRun("窑咀", 10.0, 20.0, 18.0, 9.0, "Noto Serif CJK SC", 9.0, 400, "normal",
                  (Glyph("窑", 10.0, 9.0, 20.5, 8.0), Glyph("咀", 19.0, 9.0, 20.5, 8.0)),
                  "a-yaozui", "p", "a-yaozui", 3)
    layout = PageLayout(0, 1105.5, 1544.9, (TextLine(10.0, 20.0, 18.0, 9.0, (run,)),), ("a-yaozui",),
                        (Picture(1.0, 2.0, 3.0, 4.0, "images/x.jpg", "a-yaozui", "f-1"),))
    store = PageCache(tmp_path)
    store.put("k" * 64, b"%PDF", layout)
    assert store.get("k" * 64, layout=True) == (b"%PDF", layout)
    path = next(tmp_path.rglob("*.layout.json"))
    data = json.loads(path.read_text("utf-8"))
    data["lines"][0]["baseline"] = 7.0  # TextLine is built field by field: it would be lost
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert store.get("k" * 64, layout=True) is None
    assert store.get("k" * 64, layout=False) == (b"%PDF", None)


def test_a_rendered_page_leaves_no_boxes_behind(tmp_path, monkeypatch):
    """Each 版's boxes (in reference cycles) are collected once it is rendered, not every
    few 版: a worker holds one 版, whatever the issue (a worker grew by about 80 MB a 版).
    With the automatic collector off, no page box of the two 版 built here is left."""
    import gc

    from weasyprint.formatting_structure.boxes import PageBox

    from publisher.makeup import make_up
    from publisher.printing.build import build_print
    from publisher.publish import load

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    edition, settings, fonts, _ = load(make_big_edition(tmp_path / "edition", 2))
    settings = settings.model_copy(update={"print": settings.print.model_copy(
        update={"workers": 1, "cache": False})})
    makeup = make_up(edition, settings, fonts)  # its galleys' boxes are not the renders'
    gc.collect()
    gc.disable()
    try:
        result = build_print(edition, settings, fonts, makeup=makeup)
        left = sum(isinstance(o, PageBox) for o in gc.get_objects())
    finally:
        gc.enable()
    assert len(result.pages) == 2
    assert left == 0


def test_the_collector_waits_for_the_end_of_a_render_and_is_on_again_after_it(tmp_path, monkeypatch):
    """No automatic collection runs while a 版 is made (they walked its boxes and styles again
    and again): one runs after it. The collector is on again after a render, and after a
    render that fails."""
    import gc

    import publisher.printing.build as printing
    from publisher.makeup import make_up
    from publisher.publish import load

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    edition, settings, fonts, _ = load(make_big_edition(tmp_path / "edition", 2))
    settings = settings.model_copy(update={"print": settings.print.model_copy(
        update={"workers": 1, "cache": False})})
    makeup = make_up(edition, settings, fonts)
    making = [False]
    during: list[int] = []
    after: list[int] = []
    real = printing._make

    def make(work):
        making[0] = True
        try:
            return real(work)
        finally:
            making[0] = False

    def seen(phase, info):
        if phase == "start":
            (during if making[0] else after).append(info["generation"])

    monkeypatch.setattr(printing, "_make", make)
    assert gc.isenabled()
    gc.callbacks.append(seen)
    try:
        result = printing.build_print(edition, settings, fonts, makeup=makeup)
    finally:
        gc.callbacks.remove(seen)
    assert len(result.pages) == 2
    assert during == []
    assert after.count(2) >= 2  # the full collection after each 版
    assert gc.isenabled()

    def fails(work):
        assert not gc.isenabled()
        raise RuntimeError("the render failed")

    monkeypatch.setattr(printing, "_make", fails)
    with pytest.raises(RuntimeError, match="the render failed"):
        printing._render(("plan", "<html>"))  # type: ignore[arg-type]
    assert gc.isenabled()


def _pool_spy(make_up):
    """A stand-in for ``printing.make_up`` and the list it fills: each 版's number as its plan
    is made, and whether the render pool was started by then (the 版 went to a worker)."""
    seen: list[tuple[int, bool]] = []

    def spy(*args, planned=None, **kwargs):
        if planned is None:
            return make_up(*args, **kwargs)
        run = planned.__self__

        def told(plan, problems):
            planned(plan, problems)
            seen.append((plan.page.number, run.pool is not None))

        return make_up(*args, planned=told, **kwargs)

    return spy, seen


def test_the_first_page_goes_to_a_worker_while_the_later_ones_are_made_up(tmp_path, monkeypatch):
    """With workers, a 版 goes to the pool as soon as its plan is made (``make_up(planned=…)``):
    the pool is started with the first 版 to render while later ones are to come, and the
    files are those of a build in one process."""
    import publisher.printing.build as printing
    from publisher.publish import load

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    edition, settings, fonts, _ = load(make_big_edition(tmp_path / "edition", 3))
    spy, seen = _pool_spy(printing.make_up)

    monkeypatch.setattr(printing, "make_up", spy)

    def build(workers: int):
        s = settings.model_copy(update={"print": settings.print.model_copy(
            update={"workers": workers, "cache": False})})
        return printing.build_print(edition, s, fonts)

    two = build(2)
    assert seen == [(1, True), (2, True), (3, True)]
    one = build(1)
    assert two.issue == one.issue and two.pages == one.pages


@pytest.mark.parametrize("changed", [1, 3])
def test_one_changed_page_renders_in_the_galleys_helper_beside_the_later_ones(tmp_path, monkeypatch, changed):
    """The rebuild after one change, with workers: the edited article's few galleys are laid
    out in a helper process of their own (``measure``'s ``aside``), and its one 版 to render
    goes to that helper as soon as its plan is made, while the later 版 are still planned and
    looked up in the page cache, the last 版 too: no pool is forked and the build's process
    never loads WeasyPrint. Meanwhile the pages at hand (from the cache) are opened and read
    for the issue's join. Either way, the clean build's bytes."""
    import publisher.printing.build as printing
    from publisher.ahead import Helper
    from publisher.publish import load

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    folder = make_big_edition(tmp_path / "edition", 3)
    seen: list[tuple[int, bool, bool]] = []
    make_up = printing.make_up

    def spy(*args, planned=None, **kwargs):
        run = planned.__self__

        def told(plan, problems):
            planned(plan, problems)
            seen.append((plan.page.number, run.pool is not None, run.helped))

        return make_up(*args, planned=told, **kwargs)

    def build(cache: bool):
        edition, settings, fonts, _ = load(folder)
        s = settings.model_copy(update={"print": settings.print.model_copy(
            update={"workers": 2, "cache": cache})})
        messages: list[str] = []
        result = printing.build_print(edition, s, fonts, progress=messages.append)
        return result, sum(m.startswith("rendered 版") for m in messages)

    build(True)
    article = sorted((folder / "articles").glob(f"p{changed:02d}-*.md"))[0]
    text = article.read_text("utf-8")
    article.write_text(text.replace("。", "，又改一字。", 1), "utf-8")
    monkeypatch.setattr(printing, "make_up", spy)
    pools = count_pools(monkeypatch)
    loads: list[object] = []
    monkeypatch.setattr(printing, "load", loads.append)  # WeasyPrint loaded in the build's process
    events: list[str] = []
    read, result = Source.read.__func__, Helper.result  # type: ignore[attr-defined]

    def reading(cls, data):
        events.append(f"read {data.name}")
        return read(cls, data)

    def waited(self):
        got = result(self)
        events.append("result")
        return got

    monkeypatch.setattr(Source, "read", classmethod(reading))
    monkeypatch.setattr(Helper, "result", waited)
    rebuilt, rendered = build(True)
    monkeypatch.undo()
    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    assert rendered == 1
    assert pools == [] and loads == []
    assert seen == [(n, False, n >= changed) for n in (1, 2, 3)]  # handed to the helper when planned
    # the galleys' measures, then the 版 rendered in the helper, the other pages read meanwhile
    others = [f"read {n:04d}.pdf" for n in (1, 2, 3) if n != changed]
    assert events == ["result", *others, "result", f"read {changed:04d}.pdf"]
    clean, rendered = build(False)
    assert rendered == 3
    assert rebuilt.issue == clean.issue and rebuilt.pages == clean.pages


def test_a_page_whose_key_is_known_but_not_its_page_is_rendered_as_before(tmp_path, monkeypatch):
    """The pages' keys known from their plans (a rebuild with nothing changed), but one 版's
    page gone from the page cache: that 版 alone is rendered, from its HTML and the photos
    converted then (its key found again from them: the entry of the keys is a clean build's),
    and the files joined again from it are the first build's."""
    import publisher.printing.build as printing
    from publisher.pagecache import PageCache
    from publisher.publish import load

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    folder = make_big_edition(tmp_path / "edition", 3)

    def build():
        edition, settings, fonts, _ = load(folder)
        s = settings.model_copy(update={"print": settings.print.model_copy(update={"workers": 2, "cache": True})})
        messages: list[str] = []
        result = printing.build_print(edition, s, fonts, progress=messages.append)
        return result, sum(m.startswith("rendered 版") for m in messages)

    first, rendered = build()
    assert rendered == 3
    store = PageCache()
    (entry,) = store.folder.rglob("*.keys.json")
    keys = store.get_keys(entry.name.removesuffix(".keys.json"))
    assert keys is not None and len(keys) == 3
    store._path(keys[1], ".pdf").unlink()
    for joined in store.folder.rglob("*.joined.pdf"):  # joined again, from the 版 made again
        joined.unlink()
    made: list[int] = []
    real_html, real_key = printing.page_html, printing._cache_key

    def html(edition, settings, plan, *rest):
        made.append(plan.page.number)
        return real_html(edition, settings, plan, *rest)

    def key(job, html):
        assert job.images, "the photos converted before the 版 is rendered"
        found = real_key(job, html)
        assert found == keys[1]
        return found

    monkeypatch.setattr(printing, "page_html", html)
    monkeypatch.setattr(printing, "_cache_key", key)
    again, rendered = build()
    assert rendered == 1 and made == [2]
    assert store._path(keys[1], ".pdf").exists()
    assert again.issue == first.issue and again.pages == first.pages


def test_the_pages_keys_are_read_back_only_as_names(tmp_path):
    """An entry of the pages' keys that is not a list of entry names is not one."""
    from publisher.pagecache import PageCache, key

    store = PageCache(tmp_path)
    names = [key("a"), key("b")]
    store.put_keys("k" * 64, names)
    assert store.get_keys("k" * 64) == names
    for bad in (b'{"a": 1}', b'["../x"]', b'[1]', b"not json"):
        store._path("k" * 64, ".keys.json").write_bytes(bad)
        assert store.get_keys("k" * 64) is None
    assert store.get_keys("0" * 64) is None
