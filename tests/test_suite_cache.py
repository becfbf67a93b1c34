"""The suite's own make-up cache (tests/conftest.py): one folder a session, named with its
process id, removed at the session's end; a killed run's is removed by the next run, a
running suite's is kept."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from tests.conftest import CACHE_PREFIX, _sweep_caches


def test_the_session_cache_is_named_with_its_process():
    folder = Path(os.environ["PUBLISHER_CACHE"])
    assert folder.is_dir() and folder.name.startswith(f"{CACHE_PREFIX}{os.getpid()}-")


def test_a_gone_runs_cache_is_swept_and_a_running_suites_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # no process has it
    names = {
        "gone": f"{CACHE_PREFIX}{gone}-abc",
        "running": f"{CACHE_PREFIX}{os.getpid()}-def",
        "old, fresh": f"{CACHE_PREFIX}ab12cd34",  # before the process id: kept a day
        "old, stale": f"{CACHE_PREFIX}ef56gh78",
        "other": "publisher-cache-xyz",
    }
    for name in names.values():
        (tmp_path / name / "plans").mkdir(parents=True)
    day_ago = time.time() - 2 * 86400
    os.utime(tmp_path / names["old, stale"], (day_ago, day_ago))
    _sweep_caches()
    left = {what for what, name in names.items() if (tmp_path / name).exists()}
    assert left == {"running", "old, fresh", "other"}
