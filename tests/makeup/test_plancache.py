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
from tests.conftest import SAMPLE, THREE_PAGE_FILES, long_article, three_pages

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
    entries = list((cache / "plans").rglob("*.pickle"))  # the issue's and its 版's
    assert len(entries) == 1 + len(fresh.plans)
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:100])
    _, again = _make_up(copy_sample)
    assert len(solves) == 2 and again.plans == fresh.plans
    # an entry naming a class outside publisher's records is refused, not loaded
    for entry in entries:
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


@pytest.fixture
def solved(monkeypatch):
    """The 版 solved (``plan.plan_page``), in order, not read back from the cache."""
    numbers: list[int] = []
    plan_page = planning.plan_page

    def counted(page, *args, **kwargs):
        numbers.append(page.number)
        return plan_page(page, *args, **kwargs)

    monkeypatch.setattr(planning, "plan_page", counted)
    return numbers


def _uncached(edition_dir):
    edition, settings, fonts, _ = load(edition_dir)
    off = settings.model_copy(update={"makeup": settings.makeup.model_copy(update={"cache": False})})
    return plancache.make_up(edition, off, fonts)


THREE_PAGES = three_pages("long", "one")


def test_an_edit_without_a_jump_solves_only_its_own_page(cache, solved, make_edition):
    """The plans are cached per 版 too: one article of 版 1 changed (no jump comes or goes)
    solves 版 1 again and reads 版 2 and 3 back; the plans are a fresh solve's."""
    ed = make_edition({**THREE_PAGE_FILES, "articles/long.md": long_article(60)}, toml=THREE_PAGES)
    _, first = _make_up(ed)
    assert solved == [1, 2, 3] and not any(p.jumps for p in first.plans)
    one = ed / "articles" / "one.md"
    one.write_text(one.read_text("utf-8").replace("正文", "正文又一句", 1), "utf-8")
    del solved[:]
    _, edited = _make_up(ed)
    assert solved == [1], "an edit on 版 1 solved other 版 again"
    assert edited.plans != first.plans
    fresh = _uncached(ed)
    assert edited.plans == fresh.plans and edited.problems == fresh.problems


def test_an_edit_that_makes_a_jump_solves_the_page_it_lands_on(cache, solved, make_edition):
    """An article of 版 1 grown until its rest continues on 版 2: 版 1 and 版 2 (the rest it
    is given) are solved again, 版 3 (no rest, its room untouched) is read back; the plans
    are a fresh solve's, and so when the edit is undone."""
    ed = make_edition({**THREE_PAGE_FILES, "articles/long.md": long_article(60)}, toml=THREE_PAGES)
    _, whole = _make_up(ed)
    assert solved == [1, 2, 3]
    (ed / "articles" / "long.md").write_text(long_article(90), "utf-8")
    del solved[:]
    _, jumped = _make_up(ed)
    assert [p.jumps for p in jumped.plans] == [1, 0, 0]
    assert [p.continued_from for p in jumped.plans[1].placed].count(1) == 1
    assert solved == [1, 2], "版 3, whose inputs are unchanged, was solved again"
    fresh = _uncached(ed)
    assert jumped.plans == fresh.plans and jumped.problems == fresh.problems
    # undone: the entry is read back whole, and a third length solves 版 1 and 2 only
    (ed / "articles" / "long.md").write_text(long_article(60), "utf-8")
    del solved[:]
    _, again = _make_up(ed)
    assert solved == [] and again.plans == whole.plans
    (ed / "articles" / "long.md").write_text(long_article(91), "utf-8")
    _, longer = _make_up(ed)
    assert solved == [1, 2] and longer.plans == _uncached(ed).plans
