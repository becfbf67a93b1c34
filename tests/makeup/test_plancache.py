"""The make-up's plans from the cache (publisher.makeup.plancache): read back, a plan equals
a fresh solve and carries this build's copy; anything the planning reads that changes (an
article's copy, a pin, a make-up setting, the code) plans again; a damaged entry is planned
again; a pickled class that is not one of publisher's records is never loaded."""

from __future__ import annotations

import os
import pickle
import shutil
from dataclasses import replace

import pytest

import publisher.makeup.plan as planning
from publisher.makeup import plancache
from publisher.makeup.cache import root
from publisher.publish import load
from tests.conftest import SAMPLE

pytestmark = pytest.mark.slow


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache of its own, its measurements warmed from the session's (copied), so that
    planning here measures nothing: only the solve is timed by the tests' planning count."""
    folder = tmp_path / "cache"
    if root().exists():
        shutil.copytree(root(), folder, ignore=shutil.ignore_patterns("plans", "pages"))
    monkeypatch.setenv("PUBLISHER_CACHE", str(folder))
    return folder


@pytest.fixture
def solves(monkeypatch):
    """How many times the issue was planned (measured and solved), not read from the cache."""
    count: list[int] = []
    make_up = planning.make_up

    def counted(*args, **kwargs):
        count.append(1)
        return make_up(*args, **kwargs)

    monkeypatch.setattr(planning, "make_up", counted)
    return count


def _make_up(edition_dir, settings=None):
    edition, settings, fonts, _ = load(edition_dir, settings)
    return edition, plancache.make_up(edition, settings, fonts)


def test_a_plan_from_the_cache_equals_a_fresh_solve(cache, solves, copy_sample):
    _, fresh = _make_up(copy_sample)
    assert len(solves) == 1 and fresh.plans and list((cache / "plans").rglob("*.pickle"))
    edition2, cached = _make_up(copy_sample)  # the edition read again: new objects
    assert len(solves) == 1, "the unchanged edition was planned again"
    assert cached.plans == fresh.plans and cached.problems == fresh.problems
    # what the plan carries of the copy is this build's edition, not copies of the last one
    placed = cached.plans[0].placed
    assert all(any(p.article is a for a in edition2.articles) for p in placed)
    assert cached.plans[0].page is edition2.pages[0]
    figures = [piece.source.item for p in placed for c in p.columns for piece in c.pieces
               if piece.source.kind == "figure"]
    assert figures and all(any(f is b for a in edition2.articles for b in a.body) for f in figures)
    # and the same as the planning of this edition without any cache
    _, settings, fonts, _ = load(copy_sample)
    uncached = settings.model_copy(update={"makeup": settings.makeup.model_copy(update={"cache": False})})
    assert plancache.make_up(edition2, uncached, fonts).plans == cached.plans
    assert len(solves) == 2


def test_what_the_planning_reads_changing_plans_again(cache, solves, copy_sample, monkeypatch):
    _make_up(copy_sample)
    assert len(solves) == 1
    # one character of one article's copy
    article = sorted((copy_sample / "articles").glob("*.md"))[0]
    article.write_text(article.read_text("utf-8").replace("。", "，又一句。", 1), "utf-8")
    _make_up(copy_sample)
    assert len(solves) == 2
    _make_up(copy_sample)
    assert len(solves) == 2  # and that edition's plan is cached in turn
    # a make-up setting
    edition, settings, fonts, _ = load(copy_sample)
    stretch = settings.model_copy(update={"makeup": settings.makeup.model_copy(
        update={"stretch": settings.makeup.stretch + 1})})
    plancache.make_up(edition, stretch, fonts)
    assert len(solves) == 3
    # the code
    monkeypatch.setattr(plancache, "code_digest", lambda: "another version")
    plancache.make_up(edition, settings, fonts)
    assert len(solves) == 4
    # the print's workers change no plan
    two = settings.model_copy(update={"print": settings.print.model_copy(update={"workers": 7})})
    monkeypatch.undo()
    monkeypatch.setenv("PUBLISHER_CACHE", str(cache))
    monkeypatch.setattr(planning, "make_up", lambda *a, **k: pytest.fail("planned again"))
    plancache.make_up(edition, two, fonts)


def test_a_damaged_entry_is_planned_again(cache, solves, copy_sample):
    _, fresh = _make_up(copy_sample)
    (entry,) = (cache / "plans").rglob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:100])
    _, again = _make_up(copy_sample)
    assert len(solves) == 2 and again.plans == fresh.plans
    # an entry naming a class outside publisher's records is refused, not loaded
    entry.write_bytes(pickle.dumps(([], [os.system])))
    _, again = _make_up(copy_sample)
    assert len(solves) == 3 and again.plans == fresh.plans


def test_the_sample_pins_are_in_the_key():
    """The layout's pins are part of the edition's model, so of the key."""
    edition, settings, fonts, _ = load(SAMPLE)
    base = plancache.key(edition, settings, fonts, None)
    page = edition.pages[0]
    moved = replace(page.placements[0], column=(page.placements[0].column or 1) + 1)
    other = replace(edition, pages=(replace(page, placements=(moved, *page.placements[1:])),
                                    *edition.pages[1:]))
    assert plancache.key(other, settings, fonts, None) != base
    assert plancache.key(edition, settings, fonts, {1}) != base
