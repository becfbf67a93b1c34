"""Reproducible and safe to interrupt: two builds are byte-identical, and a build killed
while it writes the bag leaves the previous complete bag, or none — never a half bag."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from publisher.archive import verify_bag

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"
EDITION_ID = "xnrb-2019-10-21-xianan"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_two_builds_are_byte_identical(archive_bag, sample_rebuild):
    again = _files(sample_rebuild / "archive")
    first = _files(archive_bag)
    assert sorted(again) == sorted(first)
    for name in first:
        assert again[name] == first[name], name


# The child builds the archive and stops, as if frozen, after writing its 10th bag file,
# telling the test by a marker file; the test then kills it with SIGKILL.
CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import publisher.outputs as outputs

    real = outputs._write_file
    count = [0]

    def write_then_freeze(path, data, **kw):
        real(path, data, **kw)
        count[0] += 1
        if count[0] == 10:
            Path(sys.argv[2]).write_text("10 files written")
            time.sleep(600)

    outputs._write_file = write_then_freeze
    from publisher.publish import publish
    publish(Path(sys.argv[1]), Path(sys.argv[3]), ["archive"])
""")


def _build_and_kill(out: Path, marker: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-c", CHILD, str(SAMPLE), str(marker), str(out)],
                          env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        try:
            # a build of the sample takes seconds idle and may take minutes at load 24 (the
            # bound was two): ten minutes, a bound for a hang, not a measure
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                if marker.exists() or child.poll() is not None:
                    break
                time.sleep(0.1)
            if not marker.exists():
                child.kill()
                pytest.fail(f"the build never wrote its 10th bag file: {child.communicate(timeout=60)}")
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=120)
            assert child.returncode == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    marker.unlink()


@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_bag_or_none(tmp_path):
    from publisher.publish import publish

    out = tmp_path / "out"
    bag = out / EDITION_ID / "archive"

    # 1. no bag yet: killed mid-write, there is still no bag, only a half one aside
    _build_and_kill(out, tmp_path / "marker")
    assert not bag.exists()
    halves = list((out / EDITION_ID).glob(".publisher-tmp-archive-*"))
    assert len(halves) == 1  # the kill did land while the bag was being written
    assert verify_bag(halves[0])  # and what it left is a bag that does not verify

    # 2. the next build clears the leftovers and writes a bag that verifies
    publish(SAMPLE, out, ["archive"])
    assert verify_bag(bag) == []
    assert not list((out / EDITION_ID).glob(".publisher-tmp-*"))
    before = _files(bag)

    # 3. a build killed mid-write leaves that previous bag whole and untouched
    _build_and_kill(out, tmp_path / "marker")
    assert verify_bag(bag) == []
    assert _files(bag) == before
