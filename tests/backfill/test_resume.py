"""A backfill killed with SIGKILL mid-batch and started again: the editions it finished are
not built again (their files are the same inodes), the others are, nothing half-written
is left, every output verifies against the journal and equals a one-by-one build."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from publisher.backfill import Cluster, Journal, backfill
from publisher.config import load_settings
from publisher.fingerprint import outputs_verify
from publisher.publish import publish
from tests.conftest import ROOT

from .conftest import write_editions

PUBLISHER = Path(sys.executable).with_name("publisher")


def _done(journal: Path) -> set[str]:
    try:
        with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1) as db:
            return {r[0] for r in db.execute("SELECT edition FROM editions WHERE state='done'")}
    except sqlite3.OperationalError:  # not created yet, or being written
        return set()


def test_sigkill_mid_batch_then_resume(tmp_path):
    folders = write_editions(tmp_path / "editions", 8)
    out = tmp_path / "out"
    journal = out / "backfill-journal.sqlite"
    proc = subprocess.Popen([str(PUBLISHER), "backfill", *map(str, folders), "--out", str(out),
                             "--workers", "2", "-f", "epub", "-f", "pdf"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not _done(journal) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGKILL)
    proc.wait(120)
    # the local workers die with the process that started them (nothing keeps writing)
    _, alive = psutil.wait_procs([psutil.Process(p) for p in family if psutil.pid_exists(p)], timeout=120)
    assert not alive, alive
    finished = _done(journal)
    assert 1 <= len(finished) < len(folders), finished  # killed mid-batch
    inodes = {p: p.stat().st_ino for e in finished for p in (out / e).iterdir() if p.is_file()}

    summary = backfill(folders, out, ("epub", "pdf"), load_settings(ROOT), Cluster(workers=2))
    outcome = {r.edition: r.outcome for r in summary.records}
    assert {e for e, o in outcome.items() if o == "current"} == finished
    assert {e for e, o in outcome.items() if o == "built"} == set(outcome) - finished
    assert len(outcome) == len(folders) and summary.tally.failed == 0
    assert {p: p.stat().st_ino for p in inodes} == inodes  # not written again

    assert not [p for p in out.rglob("*") if p.name.startswith(".publisher-tmp-")]
    reference = tmp_path / "one-by-one"
    with Journal.open(out, write=False) as j:
        entries = j.entries()
        assert j.batches()[0]["outcome"] is None  # the killed batch never finished
    assert len(entries) == len(folders) and {e.state for e in entries} == {"done"}
    for entry, folder in zip(sorted(entries, key=lambda e: e.edition), sorted(folders), strict=True):
        assert outputs_verify(out, entry.outputs, entry.folders) is None
        publish(folder, reference, ("epub", "pdf"), load_settings(ROOT))
        for rel in entry.outputs:
            assert (out / rel).read_bytes() == (reference / rel).read_bytes(), rel
