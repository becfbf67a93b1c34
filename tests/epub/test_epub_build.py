"""How the EPUB is built: its cover is the front 版 as printed, reused from the print build or
else made by laying out that one page alone (never the reading PDF, never the other pages),
so the EPUB's bytes are the same whichever formats a build makes; a front 版 that cannot be
printed gives a masthead card and a warning, not a failed EPUB."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from publisher.config import load_settings
from publisher.errors import RenderError
from publisher.publish import publish
from tests.conftest import SHORT, TWO_PAGES, house_with, long_article

NAMED = house_with(jumps="named")  # a house that does not jump the long article to 版 2

EVERY_BLOCK_ID = "csrb-2020-03-02"


def test_an_epub_only_build_lays_out_the_front_page_alone(every_block_dir, tmp_path, monkeypatch):
    """--format epub renders no reading PDF and one print page: the front 版 (every_block
    has two). It makes up the issue's 版 once, without rendering them, to know where print
    continues its jumped articles (every_block's lead continues on 版 2); the front 版 is
    rendered for the cover in a process of its own while the later 版 are made up."""
    import os

    import publisher.printing.build as printing
    import publisher.publish as pipeline

    def no_reading_pdf(*args, **kwargs):
        raise AssertionError("an EPUB-only build rendered the reading PDF")

    made_up: list[int] = []
    rendered = tmp_path / "rendered"  # a file: the cover's page is rendered in a forked process
    make_up, render = printing.make_up, printing._render

    def recorded_render(work):
        with rendered.open("a") as f:
            f.write(f"{work[0].page.number} {os.getpid()}\n")
        return render(work)

    def recorded_make_up(*args, **kwargs):
        result = make_up(*args, **kwargs)
        made_up.extend(p.page.number for p in result.plans)  # every 版 made up (or cached)
        return result

    monkeypatch.setattr(pipeline, "reading_pdf", no_reading_pdf)
    monkeypatch.setattr(printing, "make_up", recorded_make_up)
    monkeypatch.setattr(pipeline, "make_up", recorded_make_up)
    monkeypatch.setattr(printing, "_render", recorded_render)
    steps: list[str] = []
    settings = load_settings()  # every 版 made up and rendered: none from the caches
    settings = settings.model_copy(update={"print": settings.print.model_copy(update={"cache": False}),
                                           "makeup": settings.makeup.model_copy(update={"cache": False})})
    publish(every_block_dir, tmp_path / "out", ["epub"], settings=settings, progress=steps.append)
    [(page, pid)] = [line.split() for line in rendered.read_text().splitlines()]
    assert (made_up, page) == ([1, 2], "1")
    assert int(pid) != os.getpid()  # the cover's worker, forked once the front 版 was made up
    assert "rendering the reading PDF" not in steps and "rendering the print pages" not in steps
    assert [p.name for p in (tmp_path / "out" / EVERY_BLOCK_ID).iterdir() if not p.name.startswith(".")] == \
        [f"{EVERY_BLOCK_ID}.epub"]


def test_the_epub_is_the_same_whichever_formats_are_built(every_block_dir, every_block_file, tmp_path):
    """EPUB alone, or with the reading PDF and the print pages (whose front 版 it then
    reuses): the same bytes. (test_epub_fonts_size.py: the sample alone and with every format.)"""
    publish(every_block_dir, tmp_path, ["epub", "pdf", "print"])
    assert (tmp_path / EVERY_BLOCK_ID / f"{EVERY_BLOCK_ID}.epub").read_bytes() == every_block_file.read_bytes()


def _killed():
    """The cover's worker dying as a killed process does (runs in the forked worker only)."""
    import os

    os._exit(9)


def test_a_cover_worker_that_dies_leaves_the_cover_to_the_build(every_block_dir, every_block_file, tmp_path,
                                                                 monkeypatch):
    """The cover's forked worker killed (out of memory, a signal): the build renders the
    cover itself, and the EPUB is the same."""
    import publisher.publish as pipeline

    monkeypatch.setattr(pipeline, "_front_cover", _killed)
    settings = load_settings()  # made up now, so the worker is forked
    settings = settings.model_copy(update={"makeup": settings.makeup.model_copy(update={"cache": False})})
    publish(every_block_dir, tmp_path, ["epub"], settings=settings)
    assert (tmp_path / EVERY_BLOCK_ID / f"{EVERY_BLOCK_ID}.epub").read_bytes() == every_block_file.read_bytes()


@pytest.fixture
def unprintable(make_edition):
    """A two-版 edition whose front 版 holds more copy than fits (no jump line, in a house
    that jumps only where a layout says: NAMED)."""
    return make_edition({"articles/long.md": long_article(60), "articles/two.md": SHORT},
                        toml=TWO_PAGES.format(jump=""))


def test_a_front_page_that_cannot_be_printed_gives_a_masthead_cover(unprintable, tmp_path, open_epub,
                                                                    epubcheck):
    result = publish(unprintable, tmp_path, ["epub"], NAMED)
    [warning] = [w for w in result.warnings if w.code == "cover"]
    assert not warning.is_error
    assert "cannot be printed" in warning.message and "long" in warning.message  # the print problem
    epub_file = tmp_path / "test-2019-10-21" / "test-2019-10-21.epub"
    epub = open_epub(epub_file.read_bytes())
    with Image.open(io.BytesIO(epub.read("EPUB/images/cover.jpg"))) as im:
        assert min(im.size) >= 1400 and max(im.size) >= 1600
        rgb = im.convert("RGB").resize((140, 196))
        px = rgb.tobytes()
        reds = sum(1 for i in range(0, len(px), 3) if px[i] > 150 and px[i + 1] < 90 and px[i + 2] < 90)
        assert reds > 50  # the paper's name, in the house red
    report = epubcheck(epub_file, tmp_path)
    assert (report["checker"]["nError"], report["checker"]["nWarning"], report["checker"]["nFatal"]) == (0, 0, 0)
    # the print edition itself still fails, and a build asking for both writes nothing
    with pytest.raises(RenderError, match=r"ran .* mm out of its box|does not fit"):
        publish(unprintable, tmp_path / "both", ["epub", "print"], NAMED)
    assert not (tmp_path / "both" / "test-2019-10-21").exists()


def test_the_masthead_card_names_the_issue(every_block_dir):
    from publisher.config import load_settings
    from publisher.epub import masthead_cover
    from publisher.fonts import load_fonts
    from publisher.sources import read_edition

    settings = load_settings()
    fonts = load_fonts(settings.fonts_dir, settings.font_manifest)
    edition = read_edition(every_block_dir)
    card = masthead_cover(edition, fonts)
    assert card == masthead_cover(edition, fonts)  # reproducible
    with Image.open(io.BytesIO(card)) as im:
        assert im.format == "JPEG" and im.size == (1400, 1957)
        # ink on the page: the name, the date line, the front 版's headlines
        assert im.convert("L").getextrema()[0] < 64  # type: ignore[operator]  # one band: (min, max)


def test_the_draft_made_ahead_gives_the_same_book(every_block_dir, every_block_file):
    """The EPUB's draft (made while the issue is made up, without its jumps or cover) is
    taken where the jumps and the cover leave a document the same, and those they change are
    rendered again: every_block's lead continues on 版 2, so its document, 版 2's contents
    and the cover page are made anew, the rest taken, and the book is the same bytes."""
    import zipfile

    import publisher.epub as epub_module
    from publisher.fonts import load_fonts
    from publisher.makeup import continuations, make_up
    from publisher.sources import read_edition

    settings = load_settings()
    edition = read_edition(every_block_dir)
    fonts = load_fonts(settings.fonts_dir)
    jumps = continuations(make_up(edition, settings, fonts).plans)
    assert jumps  # the test needs a jump for the draft to be wrong about
    cover = zipfile.ZipFile(io.BytesIO(every_block_file.read_bytes())).read("EPUB/images/cover.jpg")
    draft = epub_module.draft_epub(edition, settings, fonts)
    rendered: list[str] = []
    render = epub_module.render

    def recorded(template, *args, **kwargs):
        rendered.append(template)
        return render(template, *args, **kwargs)

    epub_module.render = recorded
    try:
        book = epub_module.build_epub(edition, settings, fonts, cover=cover, jumps=jumps, draft=draft)
    finally:
        epub_module.render = render
    assert book == every_block_file.read_bytes()
    articles = len(edition.articles)
    assert sorted(rendered) == sorted(["epub/cover.xhtml.j2", "epub/toc.ncx.j2", "epub/page.xhtml.j2",
                                       *["epub/article.xhtml.j2"] * len(jumps)]), (rendered, articles)


def test_the_draft_settled_while_the_cover_renders_gives_the_same_book(every_block_dir, every_block_file,
                                                                      monkeypatch):
    """``epub.settled`` (run while the cover renders) brings the draft up to the jumps and
    compresses the book's members ahead: the book made from it is the same bytes, and its
    build, once the cover is there, renders only the cover page and the NCX and compresses
    only what depends on the cover or is not a document, subset or photo (the package
    document, the NCX, the stylesheet, the container, Apple's options); fails without them
    (every member compressed then)."""
    import zipfile

    import publisher.epub as epub_module
    from publisher.fonts import load_fonts
    from publisher.makeup import continuations, make_up
    from publisher.sources import read_edition

    settings = load_settings()
    edition = read_edition(every_block_dir)
    fonts = load_fonts(settings.fonts_dir)
    jumps = continuations(make_up(edition, settings, fonts).plans)
    assert jumps
    expected = zipfile.ZipFile(io.BytesIO(every_block_file.read_bytes()))
    cover = expected.read("EPUB/images/cover.jpg")
    draft = epub_module.settled(edition, settings, fonts, jumps, epub_module.draft_epub(edition, settings, fonts))
    rendered: list[str] = []
    compressed: list[bytes] = []
    render, deflate = epub_module.render, epub_module._deflate
    monkeypatch.setattr(epub_module, "render", lambda template, *a, **k: rendered.append(template) or render(
        template, *a, **k))
    monkeypatch.setattr(epub_module, "_deflate", lambda data: compressed.append(data) or deflate(data))
    book = epub_module.build_epub(edition, settings, fonts, cover=cover, jumps=jumps, draft=draft)
    assert book == every_block_file.read_bytes()
    assert sorted(rendered) == ["epub/cover.xhtml.j2", "epub/toc.ncx.j2"]
    by_bytes = {expected.read(name): name for name in expected.namelist()}
    again = {by_bytes[data] for data in compressed}
    # every_block's text cover page sets characters no other document does, so the body
    # face's subset is made again with the cover page that shows the cover (as it was from
    # the draft before)
    assert again - {"EPUB/fonts/song-400.otf"} == {
        "EPUB/text/cover.xhtml", "EPUB/images/cover.jpg", "EPUB/content.opf", "EPUB/toc.ncx",
        "EPUB/styles/epub.css", "META-INF/container.xml", "META-INF/com.apple.ibooks.display-options.xml"}
    assert len([n for n in expected.namelist() if n.startswith("EPUB/text/")]) > 5  # the rest taken


def test_the_draft_is_settled_only_while_a_cover_renders_elsewhere(every_block_dir, every_block_file,
                                                                   tmp_path, monkeypatch):
    """An EPUB-only build settles its draft (``epub.settled``) while the cover renders in
    its own process, where the build's process would wait; built again from the caches, the
    cover is made in the build's process and there is nothing to wait for: the book is made
    as before. The same bytes both times."""
    import publisher.publish as pipeline

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    calls: list[int] = []
    settled = pipeline.settled
    monkeypatch.setattr(pipeline, "settled", lambda *a: calls.append(1) or settled(*a))
    for out, times in (("cold", 1), ("warm", 1)):
        publish(every_block_dir, tmp_path / out, ["epub"])
        assert (tmp_path / out / EVERY_BLOCK_ID / f"{EVERY_BLOCK_ID}.epub").read_bytes() == \
            every_block_file.read_bytes()
        assert len(calls) == times, out


def _failed_draft(*args):
    raise RuntimeError("the draft's worker failed")


@pytest.mark.parametrize("how", [_killed, _failed_draft])
def test_a_draft_worker_that_dies_or_fails_leaves_the_book_to_the_build(every_block_dir, every_block_file,
                                                                        tmp_path, monkeypatch, how):
    """The draft's forked worker killed, or failing: the build makes the whole book itself,
    the same bytes."""
    import publisher.publish as pipeline

    monkeypatch.setattr(pipeline, "draft_epub", how)
    publish(every_block_dir, tmp_path, ["epub"])
    assert (tmp_path / EVERY_BLOCK_ID / f"{EVERY_BLOCK_ID}.epub").read_bytes() == every_block_file.read_bytes()


def test_the_print_page_templates_are_compiled_before_the_cover_is_forked(monkeypatch):
    """``_cover_code`` (run while the galleys are laid out) compiles every template a print
    page is rendered from, so that the cover's process, forked from the build's, finds them
    compiled: the print page's template and all it imports and includes, and no loader is
    asked for them again."""
    import jinja2.meta

    from publisher import publish as pipeline
    from publisher.fonts import load_fonts
    from publisher.render import environment

    env = environment()
    needed, todo = set(), ["print/page.html.j2"]
    while todo:
        name = todo.pop()
        needed.add(name)
        source = env.loader.get_source(env, name)[0]
        todo += [n for n in jinja2.meta.find_referenced_templates(env.parse(source)) if n and n not in needed]
    assert needed == set(pipeline.PRINT_PAGE_TEMPLATES)

    environment.cache_clear()
    try:
        settings = load_settings()
        pipeline._cover_code(settings, load_fonts(settings.fonts_dir, settings.font_manifest))
        env = environment()

        def asked(*args):
            raise AssertionError(f"template {args[-1]} loaded again")

        monkeypatch.setattr(env.loader, "get_source", asked)
        for name in needed:
            env.get_template(name)
    finally:
        environment.cache_clear()
