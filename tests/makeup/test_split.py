"""An issue of 8 版 or more is made up in two processes: the later half ahead, as if no rest
of the earlier half continued on it, taken only when none does. The plans are the ones made
up in one process, 版 by 版, whether a rest crosses the halves or not."""

from __future__ import annotations

import logging

import pytest

from publisher.config import load_settings
from publisher.fonts import load_fonts
from publisher.makeup import plan as planning
from publisher.sources import read_edition
from tests.conftest import _HEAD, SHORT, long_article

pytestmark = pytest.mark.slow


def _edition(make_edition, long_on: int, paragraphs: int, pages: int = 8):
    """``pages`` 版 of one short article each, 版 ``long_on`` also given a long one, which
    continues on a later 版 (the house jumps "later")."""
    toml = _HEAD
    files = {}
    for n in range(1, pages + 1):
        files[f"articles/s{n}.md"] = SHORT
        articles = [f"s{n}"] + (["long"] if n == long_on else [])
        toml += f'[[pages]]\nnumber = {n}\nname = "第{n}版"\narticles = {articles!r}\n\n'.replace("'", '"')
    files["articles/long.md"] = long_article(paragraphs)
    return read_edition(make_edition(files, toml=toml, name=f"split-{long_on}-{paragraphs}"))


@pytest.mark.parametrize("long_on, paragraphs, crosses", [(4, 200, True), (2, 100, False), (6, 200, False)])
def test_the_later_half_made_up_ahead_gives_the_same_plans(make_edition, caplog, long_on, paragraphs, crosses):
    settings = load_settings()
    fonts = load_fonts(settings.fonts_dir)
    edition = _edition(make_edition, long_on, paragraphs)
    alone = planning.make_up(edition, settings, fonts, workers=1)
    jumped = [(plan.page.number, p.continued_on) for plan in alone.plans for p in plan.placed if p.continued_on]
    assert jumped and jumped[0][0] == long_on
    assert any(n <= 4 < to for n, to in jumped) == crosses  # the halves: 版 1-4 and 5-8
    told = []
    with caplog.at_level(logging.INFO, logger="publisher.makeup.plan"):
        split = planning.make_up(edition, settings, fonts, workers=2,
                                 planned=lambda plan, problems: told.append(plan))
    assert split.plans == alone.plans
    # each plan told as it was made (the print build renders it meanwhile), in order, once
    assert len(told) == len(split.plans) and all(a is b for a, b in zip(told, split.plans, strict=True))
    assert split.problems == alone.problems
    [said] = [r.getMessage() for r in caplog.records if "版 5–8 made up" in r.getMessage()]
    assert ("in a process of their own" in said) == (not crosses)
