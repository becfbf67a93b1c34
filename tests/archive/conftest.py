"""The sample edition's archive bag, from the session's build of every format."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "editions" / "xnrb-2019-10-21-xianan"


@pytest.fixture(scope="session")
def archive_bag(sample_build) -> Path:
    return sample_build / "archive"


@pytest.fixture(scope="session")
def big_bag(tmp_path_factory) -> Path:
    """The archive bag of the 16-版 benchmark edition (benchmarks/make_big_edition.py: the
    sample 版 sixteen times, 144 articles): about 80 s of the suite."""
    from publisher.publish import publish
    from tests.conftest import big_edition_module

    module = big_edition_module()
    work = tmp_path_factory.mktemp("big-archive")
    edition = module.make(work / "edition", pages=16)
    publish(edition, work / "out", ["archive"])
    return work / "out" / module.EDITION_ID / "archive"


@pytest.fixture
def bag_copy(archive_bag, tmp_path) -> Path:
    """A private copy of the bag, to tamper with."""
    dst = tmp_path / "archive"
    shutil.copytree(archive_bag, dst)
    return dst
