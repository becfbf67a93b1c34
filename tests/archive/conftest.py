"""The sample edition's archive bag, from the session's build of every format."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "editions" / "xnrb-2019-10-21-xianan"

EDITION_ID = "xnrb-2019-10-21-xianan"


@pytest.fixture(scope="session")
def archive_bag(sample_build) -> Path:
    return sample_build / "archive"


@pytest.fixture
def bag_copy(archive_bag, tmp_path) -> Path:
    """A private copy of the bag, to tamper with."""
    dst = tmp_path / "archive"
    shutil.copytree(archive_bag, dst)
    return dst
