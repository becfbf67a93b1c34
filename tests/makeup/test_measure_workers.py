"""Where the make-up's galleys are laid out: few (one article's, as a rebuild after an edit
measures) in the build's process, whatever the workers, since a worker would start
fontconfig and WeasyPrint's first layout again for them; more in a pool of workers; with
``aside`` (the print build's), few in a worker of their own, while the build's process loads
WeasyPrint for its render workers. Either way each galley measures the same
(publisher.makeup.measure)."""

from __future__ import annotations

from pathlib import Path

from publisher.makeup import measure
from publisher.makeup.measure import BodyRequest, HeadRequest
from publisher.makeup.units import sources
from publisher.publish import load

SAMPLE = Path(__file__).resolve().parent.parent.parent / "editions" / "xnrb-2019-10-21-xianan"


def _requests(articles):
    """Heads at two widths and tiers, bodies at one width, and their work (``measure._work``)."""
    heads = [HeadRequest(a, width, tier) for a in articles for width in (90.0, 180.0) for tier in (0, 1)]
    bodies = [BodyRequest(a, 90.0) for a in articles]
    return heads, bodies, len(heads) + sum(3 * len(sources(a)) for a in articles)


def test_few_galleys_are_measured_in_the_build_process_as_a_pool_measures_them(monkeypatch):
    edition, settings, fonts, _ = load(SAMPLE)
    shortest = sorted(edition.articles, key=lambda a: len(sources(a)))[:2]
    heads, bodies, work = _requests(shortest)
    assert 0 < work <= measure.FEW
    real = measure.Pool
    pools: list[int] = []

    def counted(workers):
        pools.append(workers)
        return real(workers)

    monkeypatch.setattr(measure, "Pool", counted)
    few = measure.measure(edition, settings, fonts, heads, bodies, workers=2, use_cache=False)
    assert pools == []  # within FEW: laid out in this process
    assert few.measured == len(heads) + len(bodies)
    monkeypatch.setattr(measure, "FEW", 0)  # as if they were many: two workers
    pooled = measure.measure(edition, settings, fonts, heads, bodies, workers=2, use_cache=False)
    assert pools == [2]
    assert pooled.heads == few.heads and pooled.bodies == few.bodies



def test_few_galleys_aside_are_measured_in_one_worker_while_this_process_does_its_own(monkeypatch):
    """``aside`` (the print build's): few galleys go to a worker of their own all the same, and
    ``meanwhile`` runs here meanwhile (the print build loads WeasyPrint for its render
    workers); each galley measures as it does in this process."""
    edition, settings, fonts, _ = load(SAMPLE)
    shortest = sorted(edition.articles, key=lambda a: len(sources(a)))[:2]
    heads, bodies, work = _requests(shortest)
    assert 0 < work <= measure.FEW
    real = measure.Pool
    pools: list[int] = []
    told: list[int] = []

    def counted(workers):
        pools.append(workers)
        return real(workers)

    monkeypatch.setattr(measure, "Pool", counted)
    here = measure.measure(edition, settings, fonts, heads, bodies, workers=2, use_cache=False,
                           meanwhile=lambda: told.append(1))
    assert pools == [] and told == []  # not aside: in this process, nothing to do meanwhile
    aside = measure.measure(edition, settings, fonts, heads, bodies, workers=2, use_cache=False,
                            meanwhile=lambda: told.append(2), aside=True)
    assert pools == [1] and told == [2]
    assert aside.heads == here.heads and aside.bodies == here.bodies
    alone = measure.measure(edition, settings, fonts, heads, bodies, workers=1, use_cache=False,
                            aside=True)
    assert pools == [1]  # one worker in all: in this process
    assert alone.heads == here.heads and alone.bodies == here.bodies
