"""An article longer than a galley page (about 3,000 lines in one narrow column: 15 m) is
measured whole on a taller galley, so the make-up jumps or reports it like any article; one
longer than the longest galley is a clear error naming its file and article, never an
internal error."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from publisher.cli import app
from publisher.errors import RenderError
from tests.conftest import THREE_PAGE_FILES, house_with, long_article, three_pages

pytestmark = pytest.mark.slow

PAGES = three_pages("long")
FILES = THREE_PAGE_FILES


def test_a_body_longer_than_a_galley_page_is_measured_whole(make_edition):
    from publisher.makeup import measure
    from publisher.makeup.measure import BodyRequest, body_key
    from publisher.makeup.units import sources
    from publisher.publish import load, plan

    ed = make_edition({**FILES, "articles/long.md": long_article(400)}, toml=PAGES)
    edition, settings, fonts, _ = load(ed)
    article = edition.pages[0].articles[0]
    width = 40.0  # one narrow text column: over 3,000 lines, more than a 15 m galley page
    got = measure.measure(edition, settings, fonts, [], [BodyRequest(article, width)], use_cache=False)
    units = got.bodies[body_key(article, width)]
    assert len(units) == len(sources(article)) == 400
    assert sum(u.height for u in units) > measure.GALLEY_HEIGHT
    # the make-up then continues it (下转) on 版 2 and 3 and says what does not fit there
    _, made, problems = plan(ed)
    assert [p.continued_from for pl in made.plans for p in pl.placed if p.slug == "long"] == [None, 1, 2]
    (error,) = problems.errors
    assert error.code == "overflow" and "the rest of article 'long'" in error.message
    assert "page 3" in error.message and "add a 版" in (error.hint or "")


def test_a_body_longer_than_the_longest_galley_is_a_clear_error(make_edition, monkeypatch):
    from publisher.makeup import measure
    from publisher.publish import plan

    ed = make_edition({**FILES, "articles/long.md": long_article(401)}, toml=PAGES)
    monkeypatch.setattr(measure, "LONGEST_GALLEY", measure.GALLEY_HEIGHT)  # 15 m, not 240 m
    with pytest.raises(RenderError) as exc:
        plan(ed, house_with(cache=False))
    problems = exc.value.problems
    assert problems and {p.code for p in problems} == {"article-too-long"}
    for p in problems:
        assert p.path is not None and p.path.name == "long.md" and p.path.parent.name == "articles"
        assert "article 'long' (一篇很长的稿件) is too long to print" in p.message and "15 m" in p.message
        assert p.hint and "split it into several articles" in p.hint
    result = CliRunner().invoke(app, ["check", str(ed)])
    assert result.exit_code == 1, result.output
    assert "error[article-too-long]" in result.output and "internal" not in result.output
