"""The make-up on real editions: every column filled, layouts kept, copy that does not fit
named, jumps continued anywhere free, short copy reported, the page set as planned, and
``publisher check`` saying what ``build --format print`` says."""

from __future__ import annotations

import re
import shutil

import pytest

from publisher.errors import PublisherError, RenderError
from tests.conftest import SAMPLE, SHORT, TWO_PAGES, drop_layout, house_with, long_article

pytestmark = pytest.mark.slow


def _plan(edition, pages=None):
    from publisher.publish import plan
    return plan(edition, None, pages)


@pytest.fixture(scope="module")
def sample_free(tmp_path_factory):
    """The sample without its layout."""
    dst = tmp_path_factory.mktemp("free") / "sample"
    shutil.copytree(SAMPLE, dst)
    return drop_layout(dst)


def test_sample_without_layout_fills_every_column_with_no_tombstone(sample_free):
    ed, made, problems = _plan(sample_free)
    (plan,) = made.plans
    assert not problems.errors and not [p for p in problems.items if p.code == "underfull"]
    assert plan.full and max(plan.white) <= 1, plan.white
    assert plan.tombstones == 0
    # the page's first article is top left, under the masthead
    first = next(p for p in plan.placed if p.slug == ed.pages[0].articles[0].slug)
    assert (first.column, first.line) == (0, 0)
    # every article placed once, inside the grid, boxes not overlapping
    assert sorted(p.slug for p in plan.placed) == sorted(a.slug for a in ed.articles)
    cells: set[tuple[int, int]] = set()
    for p in plan.placed:
        assert p.column + p.span <= plan.grid.columns and p.line + p.lines <= plan.grid.lines
        mine = {(c, y) for c in range(p.column, p.column + p.span) for y in range(p.line, p.line + p.lines)}
        assert not cells & mine
        cells |= mine
    # the same sources give the same plan (deterministic solver: solved again, not the
    # plans cache's)
    from publisher.makeup.plan import make_up
    from publisher.publish import load
    edition, settings, fonts, _ = load(sample_free)
    again = make_up(edition, settings, fonts)
    assert [(p.slug, p.column, p.span, p.line, p.lines) for p in again.plans[0].placed] == \
        [(p.slug, p.column, p.span, p.line, p.lines) for p in plan.placed]


def test_the_sample_keeps_its_pinned_layout():
    ed, made, problems = _plan(SAMPLE)
    (plan,) = made.plans
    assert not problems.errors
    pins = {p.slug: p for p in ed.pages[0].placements}
    for placed in plan.placed:
        pin = pins[placed.slug]
        assert placed.column == pin.column - 1 and placed.span == pin.columns, placed.slug
    # stacked down their columns in page order, as before
    order = [a.slug for a in ed.pages[0].articles]
    left = [p for p in plan.placed if p.column == 0]
    assert [p.slug for p in sorted(left, key=lambda p: p.line)] == [s for s in order if s in {p.slug for p in left}]
    assert plan.full


def test_copy_that_cannot_fit_names_the_article_page_and_lines_over(make_edition, tmp_path):
    """In a house that jumps only where a layout says (tests/makeup/test_jumps.py has the
    default house, whose articles continue on a later 版 with room)."""
    from publisher.publish import plan, publish

    ed = make_edition({"articles/long.md": long_article(60), "articles/two.md": SHORT},
                      toml=TWO_PAGES.format(jump=""))
    named = house_with(jumps="named")
    with pytest.raises(RenderError) as exc:
        publish(ed, tmp_path / "out", ["print"], named)
    (problem,) = [p for p in exc.value.problems if p.code == "overflow"]
    assert "'long'" in problem.message and "一篇很长的稿件" in problem.message
    assert "page 1" in problem.message
    lines = int(re.search(r"(\d+) lines over", problem.message).group(1))
    assert lines > 100
    assert problem.path.name == "long.md"
    assert not (tmp_path / "out" / "test-2019-10-21").exists()  # nothing half-written
    assert problem.hint and 'jumps = "later"' in problem.hint  # what would let it print
    # publisher check says the same, without rendering
    _, _, problems = plan(ed, named)
    assert [str(p) for p in problems.errors] == [str(p) for p in exc.value.errors]


def test_a_jump_continues_the_article_where_the_next_page_is_free(make_edition, tmp_path, pdf_text):
    from publisher.publish import publish

    ed = make_edition({"articles/long.md": long_article(30), "articles/two.md": SHORT},
                      toml=TWO_PAGES.format(jump=", continued_on = 2"))
    publish(ed, tmp_path / "out", ["print"])
    build = tmp_path / "out" / "test-2019-10-21"
    first, second = (re.sub(r"\s+", "", t) for t in pdf_text(build / "test-2019-10-21-print.pdf"))
    assert "下转第2版" in first and "上接第1版" not in first
    assert "第1段" in first and "最后一段到此结束" not in first
    assert "（上接第1版）" in second and "一篇很长的稿件" in second
    assert "最后一段到此结束" in second and "第二版的正文" in second
    for i in range(1, 30):  # every paragraph printed exactly once across the two pages
        assert (first + second).count(f"第{i}段。") == 1, i
    _, made, _ = _plan(ed)
    one, two = made.plans
    assert one.jumps == 1 and [p.continued_on for p in one.placed if p.continued_on] == [2]
    rest = next(p for p in two.placed if p.continued_from == 1)
    assert rest.head > 0  # the headline repeated under 上接


def test_short_copy_warns_with_the_columns_and_what_would_fill_them(make_edition):
    _, made, problems = _plan(make_edition({"articles/two.md": SHORT}))
    warnings = [p for p in problems.items if p.code == "underfull"]
    assert warnings and not problems.errors
    text = " ".join(str(w) for w in warnings)
    assert re.search(r"columns? \d", text) and re.search(r"\d+ lines", text)
    assert "photo" in text and "copy" in text
    assert sum(made.plans[0].white) > 0


def test_the_page_check_stops_a_page_not_set_as_planned(copy_sample, tmp_path, monkeypatch):
    """The proof after layout can fail: with paragraphs measured a line short, the page's
    text columns do not hold what the plan says, and the build stops instead of printing."""
    from publisher.makeup import measure
    from publisher.publish import publish

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path / "cache"))
    unit = measure._unit

    def short(block, line):
        u = unit(block, line)
        if u["kind"] == "p" and u["lines"] > 4:
            u["lines"] -= 1
            u["ends"] = u["ends"][:-1]
            u["cuts"] = [c for c in u["cuts"] if c < u["lines"] - 1]
        return u

    monkeypatch.setattr(measure, "_unit", short)
    with pytest.raises(RenderError, match="not set as planned"):
        publish(copy_sample, tmp_path / "out", ["print"])


@pytest.mark.parametrize("house", ["seven-columns", "six-columns"])
def test_pages_are_set_as_planned_in_other_houses(tmp_path, house, monkeypatch):
    """Other trims, grids and so text-column widths: the page check never fires."""
    from publisher.config import load_settings
    from publisher.publish import publish

    root = SAMPLE.parent.parent
    text = (root / "pyproject.toml").read_text("utf-8")
    if house == "seven-columns":  # other widths, and another line pitch
        text = text.replace("columns = 8", "columns = 7").replace("line_height = 13", "line_height = 12.5")
    else:
        text = text.replace("columns = 8", "columns = 6").replace("gutter = 4", "gutter = 5")
    for key in ("styles", "fonts", "profiles"):  # the repository's own, by absolute path
        text = text.replace(f'"{key}', f'"{root / key}')
    (tmp_path / "house").mkdir()
    (tmp_path / "house" / "pyproject.toml").write_text(text, "utf-8")
    settings = load_settings(tmp_path / "house" / "pyproject.toml")
    ed = drop_layout(shutil.copytree(SAMPLE, tmp_path / "sample"))
    result = publish(ed, tmp_path / "out", ["print"], settings)
    assert result.files


def test_layout_cli_draws_scores_and_writes_the_layout_back(tmp_path, sample_free):
    from typer.testing import CliRunner

    from publisher.cli import app

    ed = shutil.copytree(sample_free, tmp_path / "ed")
    toml = ed / "edition.toml"
    toml.write_text(toml.read_text("utf-8") + "# a comment the editor wrote\n", "utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["layout", str(ed), "--out", str(tmp_path / "out"), "--write"])
    assert result.exit_code == 0, result.output
    assert "white lines per column" in result.output and "tombstones 0" in result.output
    assert "+---" in result.output and "jiceng-zhili" in result.output
    png = tmp_path / "out" / "xnrb-2019-10-21-xianan" / "layout" / "p01.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = toml.read_text("utf-8")
    assert "# a comment the editor wrote" in written and "layout = [" in written
    # the written layout pins what was chosen: planning again gives the same places
    _, first, _ = _plan(sample_free)
    _, again, problems = _plan(ed)
    assert not problems.errors
    place = lambda plan: sorted((p.slug, p.column, p.span) for p in plan.placed)  # noqa: E731
    assert place(again.plans[0]) == place(first.plans[0])


def test_layout_writes_through_no_link_and_no_thumbnail_into_the_edition(tmp_path, sample_free):
    """--write replaces edition.toml by a new file of its own (a link the edition brought as
    edition.toml.tmp is not followed: the file outside stays as it was), made from the bytes
    the reader checked; thumbnails are outputs and never land inside the edition."""
    from typer.testing import CliRunner

    from publisher.cli import app

    ed = shutil.copytree(sample_free, tmp_path / "ed")
    outside = tmp_path / "outside.txt"
    outside.write_text("the user's own file", "utf-8")
    (ed / "edition.toml.tmp").symlink_to(outside)
    runner = CliRunner()
    result = runner.invoke(app, ["layout", str(ed), "--no-png", "--write"])
    assert result.exit_code == 0, result.output
    assert outside.read_text("utf-8") == "the user's own file"
    assert (ed / "edition.toml.tmp").is_symlink() and "layout = [" in (ed / "edition.toml").read_text("utf-8")
    assert sorted(p.name for p in ed.iterdir()) == ["articles", "edition.toml", "edition.toml.tmp", "images"]
    result = runner.invoke(app, ["layout", str(ed), "--out", str(ed)])
    assert result.exit_code == 1 and "error[out-inside-edition]" in result.output, result.output
    assert sorted(p.name for p in ed.iterdir()) == ["articles", "edition.toml", "edition.toml.tmp", "images"]


def test_check_and_print_build_agree(make_edition, tmp_path):
    """Editions of the tests: check (the make-up, no rendering) fails exactly when the
    print build fails, with the same errors."""
    from publisher.publish import publish

    cases = {
        "fits": make_edition({"articles/two.md": SHORT}, name="fits"),
        "over": make_edition({"articles/long.md": long_article(45), "articles/two.md": SHORT},
                             toml=TWO_PAGES.format(jump=""), name="over"),
        "jumps": make_edition({"articles/long.md": long_article(30), "articles/two.md": SHORT},
                              toml=TWO_PAGES.format(jump=", continued_on = 2"), name="jumps"),
    }
    for name, ed in cases.items():
        _, _, problems = _plan(ed)
        try:
            publish(ed, tmp_path / "out" / name, ["print"])
            built = []
        except PublisherError as exc:
            built = [str(p) for p in exc.errors]
        assert [str(p) for p in problems.errors] == built, name


def test_one_page_alone_is_made_up_and_rendered(make_edition):
    """The front page alone (the EPUB's cover from the print page 1): only 版 1 is planned
    and rendered, as it is in the whole issue."""
    from publisher.printing.build import build_print
    from publisher.publish import load

    ed = make_edition({"articles/long.md": long_article(30), "articles/two.md": SHORT},
                      toml=TWO_PAGES.format(jump=", continued_on = 2"))
    edition, settings, fonts, _ = load(ed)
    alone = build_print(edition, settings, fonts, pages={1})
    assert list(alone.pages) == ["p01"]
    _, made, _ = _plan(ed)
    _, first, _ = _plan(ed, {1})
    assert [p.page.number for p in first.plans] == [1]
    assert first.plans[0].placed == made.plans[0].placed


def test_a_page_that_can_never_hold_its_articles_is_reported_before_measuring(make_edition):
    """500 articles on one 版 (tests/hostile/articles-500): more than the grid holds even at
    the narrowest width and one line each, so the make-up says so without measuring a
    galley (the EPUB's cover asks for that page alone and falls back to the masthead card)."""
    from tests.conftest import _HEAD

    slugs = [f"a{i:03d}" for i in range(1, 501)]
    files = {f"articles/{s}.md": f'+++\nheadline = "第{i}篇"\n+++\n第{i}篇正文。\n'
             for i, s in enumerate(slugs, 1)}
    files["articles/one.md"] = None  # type: ignore[assignment]
    listed = ", ".join(f'"{s}"' for s in slugs)
    ed = make_edition(files, toml=_HEAD + f'[[pages]]\nnumber = 1\nname = "要闻"\narticles = [{listed}]\n')
    _, made, problems = _plan(ed, {1})
    (problem,) = problems.errors
    assert problem.code == "overflow" and "500 articles" in problem.message
    assert "page 1" in problem.message and problem.path.name == "edition.toml"
    assert made.plans == [] and made.measures.measured == 0
