"""The grid: overflow is an error naming the article, a jump continues it on the named page,
underfull columns are warnings; and the arithmetic behind them."""

from __future__ import annotations

import re

import pytest

from publisher.errors import RenderError
from publisher.printing.grid import Unit, body_height, fill
from tests.conftest import SHORT, TWO_PAGES, long_article


@pytest.mark.slow
def test_overfull_article_is_an_error_naming_it(make_edition, tmp_path):
    from publisher.publish import publish

    ed = make_edition({"articles/long.md": long_article(60), "articles/two.md": SHORT},
                      toml=TWO_PAGES.format(jump=""))
    with pytest.raises(RenderError) as exc:
        publish(ed, tmp_path / "out", ["print"])
    (problem,) = [p for p in exc.value.problems if p.code == "overflow"]
    assert "'long'" in problem.message and "一篇很长的稿件" in problem.message
    assert "page 1" in problem.message
    lines = int(re.search(r"(\d+) lines over", problem.message).group(1))
    assert lines > 100  # 60 long paragraphs in three columns overflow by far
    assert problem.path.name == "long.md"
    assert not (tmp_path / "out" / "test-2019-10-21").exists()  # nothing half-written


@pytest.mark.slow
def test_jump_line_continues_the_article_on_the_named_page(make_edition, tmp_path, pdf_text):
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
    # Every paragraph is printed exactly once across the two pages.
    for i in range(1, 30):
        assert (first + second).count(f"第{i}段。") == 1, i
    (p2,) = pdf_text(build / "print" / "p02.pdf")
    assert "上接第1版" in re.sub(r"\s+", "", p2)
    _continued_head_is_not_clipped(build / "print" / "p02.pdf", "一篇很长的稿件")


def _continued_head_is_not_clipped(pdf, headline: str) -> None:
    """The 上接 head's headline sits wholly above the article's first text line (a head box
    too short for it would clip it and let the text run into it)."""
    from publisher.typography import _read_chars

    ((_, _, chars, _),) = list(_read_chars(pdf))
    head = [c for c in chars if c.char in headline and abs(c.size - 14) < 0.1]  # print.css: 14 pt
    assert len(head) == len(headline)
    left, right = min(c.x for c in head), max(c.right for c in head)
    baseline = min(c.y for c in head)
    below = [c for c in chars if c.size < 12 and c.y < baseline and left - 1 < c.x < right + 1]
    assert below
    first_line_top = max(c.top for c in below)
    assert min(c.bottom for c in head) > first_line_top
    # and the head's box is as tall as grid.py reserves for it
    from publisher.printing.grid import CONTINUATION_HEAD
    assert CONTINUATION_HEAD * 72 / 25.4 >= 12 + 18  # the 上接 line and one headline line, in pt


@pytest.mark.slow
def test_jump_to_an_earlier_page_is_refused(make_edition, tmp_path):
    from publisher.publish import publish

    toml = TWO_PAGES.format(jump=", continued_on = 1")
    ed = make_edition({"articles/long.md": long_article(3), "articles/two.md": SHORT}, toml=toml)
    with pytest.raises(RenderError, match="not a later page"):
        publish(ed, tmp_path / "out", ["print"])


@pytest.mark.slow
def test_underfull_page_is_a_warning_with_its_size(make_edition, tmp_path):
    from publisher.publish import publish

    ed = make_edition({"articles/two.md": SHORT})
    result = publish(ed, tmp_path / "out", ["print"])
    underfull = [w for w in result.warnings if w.code == "underfull"]
    assert underfull and re.search(r"\d+ mm", underfull[0].message)


LINE = 5.0


def test_fill_splits_paragraphs_between_columns_but_not_figures():
    para = Unit(10 * LINE, 10)
    figure = Unit(30.0, 0)
    assert fill((para,), 2, 5 * LINE, LINE) == 1  # 5 + 5 lines
    assert fill((para,), 2, 4 * LINE, LINE) == 0  # 4 + 4 < 10
    assert fill((figure, figure), 2, 30.0, LINE) == 2
    assert fill((figure, figure), 2, 29.0, LINE) == 0
    # A subhead does not end a column: with room for it but not for two lines after it,
    # it moves to the next column with its paragraph.
    sub = Unit(2 * LINE, 0, keep_with_next=True)
    assert fill((Unit(3 * LINE, 3), sub, Unit(4 * LINE, 4)), 2, 6 * LINE, LINE) == 3
    assert fill((Unit(3 * LINE, 3), sub, Unit(5 * LINE, 5)), 2, 6 * LINE, LINE) == 2
    # Widows and orphans: 3 lines cannot be split 1 + 2.
    assert fill((Unit(LINE, 1), Unit(3 * LINE, 3)), 2, 2 * LINE, LINE) == 1


def test_body_height_is_the_shortest_that_fits():
    units = (Unit(10 * LINE, 10), Unit(30.0, 0), Unit(6 * LINE, 6))
    for columns in (1, 2, 3):
        h = body_height(units, columns, LINE)
        assert fill(units, columns, h, LINE) == len(units)
        assert fill(units, columns, h - 0.6 - LINE / 4 - 1e-3, LINE) < len(units)


def test_automatic_placement_widens_an_article_that_would_not_fit():
    """Without a layout, an article too tall at its default width is tried wider."""
    from publisher.config import Print
    from publisher.model import Article, ArticleKind, Page, Paragraph, Run
    from publisher.printing.geometry import Geometry
    from publisher.printing.grid import Measure, items_for, plan_page

    g = Geometry.for_page(Print(), 2)
    art = Article("a", ArticleKind.NEWS, "标题", body=(Paragraph((Run("正文"),)),))
    page = Page(2, "要闻", (art,))
    (item,) = items_for(page, g)
    assert item.span == 3 and item.alternatives == (4, 5, 2)
    available = g.type_area.bottom - 40.0
    # At 3 columns the body is 1.2 x the page; at 4 columns it fits.
    measures = {("a", s, s): Measure(10.0, (Unit(available * 3.6 / s, 0),)) for s in (2, 3, 4, 5)}
    problems: list = []
    plan = plan_page(page, g, 40.0, [item], measures, LINE, problems, [])
    assert not [p for p in problems if p.is_error]
    assert plan.placed[0].item.span == 4


@pytest.mark.slow
def test_text_running_out_of_its_box_after_layout_stops_the_build(copy_sample, tmp_path, monkeypatch):
    """The safety net: if a measurement were wrong, the page check finds the overflow."""
    from publisher.printing import grid
    from publisher.publish import publish

    true_height = grid.body_height
    monkeypatch.setattr(grid, "body_height", lambda units, cols, line: true_height(units, cols, line) * 0.6)
    with pytest.raises(RenderError, match="out of its box after layout"):
        publish(copy_sample, tmp_path / "out", ["print"])
