"""Where the make-up's galleys are laid out: few (one article's, as a rebuild after an edit
measures) in the build's process, whatever the workers, since a worker would start
fontconfig and WeasyPrint's first layout again for them; more in a pool of workers; with
``aside`` (the print build's), few in a worker of their own, while the build's process loads
WeasyPrint for its render workers. Either way each galley measures the same
(publisher.makeup.measure)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.config import Settings
from publisher.fonts import FontSet
from publisher.makeup import measure
from publisher.makeup.measure import BodyRequest, HeadRequest
from publisher.makeup.units import sources
from publisher.model import Edition
from publisher.publish import load
from tests.conftest import count_pools

SAMPLE = Path(__file__).resolve().parent.parent.parent / "editions" / "xnrb-2019-10-21-xianan"


@dataclass
class Few:
    """The sample's two shortest articles as few galleys (within ``measure.FEW``): heads at
    two widths and tiers, bodies at one width; ``pools`` the workers of each pool started."""

    edition: Edition
    settings: Settings
    fonts: FontSet
    heads: list[HeadRequest]
    bodies: list[BodyRequest]
    pools: list[int]

    def measure(self, **options):
        return measure.measure(self.edition, self.settings, self.fonts, self.heads, self.bodies,
                               use_cache=False, **options)


@pytest.fixture
def few(monkeypatch) -> Few:
    edition, settings, fonts, _ = load(SAMPLE)
    shortest = sorted(edition.articles, key=lambda a: len(sources(a)))[:2]
    heads = [HeadRequest(a, width, tier) for a in shortest for width in (90.0, 180.0) for tier in (0, 1)]
    bodies = [BodyRequest(a, 90.0) for a in shortest]
    work = len(heads) + sum(3 * len(sources(a)) for a in shortest)  # as measure._work counts
    assert 0 < work <= measure.FEW
    return Few(edition, settings, fonts, heads, bodies, count_pools(monkeypatch))


def test_few_galleys_are_measured_in_the_build_process_as_a_pool_measures_them(few, monkeypatch):
    pools = few.pools
    here = few.measure(workers=2)
    assert pools == []  # within FEW: laid out in this process
    assert here.measured == len(few.heads) + len(few.bodies)
    monkeypatch.setattr(measure, "FEW", 0)  # as if they were many: two workers
    pooled = few.measure(workers=2)
    assert pools == [2]
    assert pooled.heads == here.heads and pooled.bodies == here.bodies


def test_few_galleys_aside_are_measured_in_one_worker_while_this_process_does_its_own(few):
    """``aside`` (the print build's): few galleys go to a worker of their own all the same, and
    ``meanwhile`` runs here meanwhile (the print build loads WeasyPrint for its render
    workers); each galley measures as it does in this process."""
    pools = few.pools
    told: list[int] = []
    here = few.measure(workers=2, meanwhile=lambda: told.append(1))
    assert pools == [] and told == []  # not aside: in this process, nothing to do meanwhile
    aside = few.measure(workers=2, meanwhile=lambda: told.append(2), aside=True)
    assert pools == [1] and told == [2]
    assert aside.heads == here.heads and aside.bodies == here.bodies
    alone = few.measure(workers=1, aside=True)
    assert pools == [1]  # one worker in all: in this process
    assert alone.heads == here.heads and alone.bodies == here.bodies
