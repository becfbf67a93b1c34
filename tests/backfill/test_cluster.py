"""Backfill on a real Dask cluster started with Dask's own commands (``dask scheduler``, two
``dask worker`` processes): the outputs are those of one-by-one builds, a second run
builds nothing, one changed article makes exactly its edition stale (and so does an
output changed on disk), a house change makes all of them stale, and a worker killed
under an edition costs a retry, not the edition."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.backfill import Cluster, Journal, backfill
from publisher.cli import app
from publisher.config import load_settings
from publisher.fingerprint import outputs_verify
from publisher.publish import publish
from tests.conftest import ROOT

from .conftest import archive_sections, write_editions

FORMATS = ("epub", "pdf")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def outcomes(summary) -> dict[str, str]:
    return {r.edition: r.outcome for r in summary.records}


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> list[Path]:
    return write_editions(tmp_path_factory.mktemp("editions"), 4)


@pytest.fixture(scope="module")
def one_by_one(editions, tmp_path_factory) -> Path:
    """Each edition built alone, in this process, the way `publisher build` does."""
    out = tmp_path_factory.mktemp("one-by-one")
    for folder in editions:
        publish(folder, out, FORMATS, load_settings(ROOT))
    return out


def test_a_batch_on_the_cluster_equals_one_by_one_builds(dask_cluster, editions, one_by_one, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["backfill", *map(str, editions), "--out", str(out),
                                      "--scheduler", dask_cluster, "-f", "epub", "-f", "pdf"])
    assert result.exit_code == 0, result.output
    assert "4 edition(s): 4 built, 0 current (skipped), 0 failed" in result.output
    ids = sorted(p.name for p in one_by_one.iterdir() if p.is_dir())
    assert ids == [f"test-2019-01-{d:02d}" for d in range(1, 5)]
    for edition_id in ids:
        built, alone = tree(out / edition_id), tree(one_by_one / edition_id)
        assert set(built) == {f"{edition_id}.epub", f"{edition_id}.pdf"}
        assert built == alone, edition_id
    with Journal.open(out, write=False) as journal:
        entries = journal.entries()
        workers = {a["worker"] for a in journal.attempts()}
    assert [e.state for e in entries] == ["done"] * 4
    assert len(workers) == 2  # both `dask worker` processes built editions
    for e in entries:
        assert outputs_verify(out, e.outputs, e.folders) is None

    again = CliRunner().invoke(app, ["backfill", *map(str, editions), "--out", str(out),
                                     "--scheduler", dask_cluster, "-f", "epub", "-f", "pdf"])
    assert again.exit_code == 0, again.output
    assert "4 edition(s): 0 built, 4 current (skipped), 0 failed" in again.output


def test_one_changed_article_makes_its_edition_stale_and_a_house_change_all(
        dask_cluster, editions, tmp_path):
    settings = load_settings(ROOT)
    cluster = Cluster(scheduler=dask_cluster)
    work = tmp_path / "editions"
    folders = [Path(shutil.copytree(f, work / f.name)) for f in editions]
    out = tmp_path / "out"
    first = backfill(folders, out, FORMATS, settings, cluster)
    assert set(outcomes(first).values()) == {"built"}

    article = folders[2] / "articles" / "two.md"
    article.write_text(article.read_text("utf-8").replace("正文", "正文（更正）"), "utf-8")
    second = backfill(folders, out, FORMATS, settings, cluster)
    assert outcomes(second) == {"test-2019-01-01": "current", "test-2019-01-02": "current",
                                "test-2019-01-03": "built", "test-2019-01-04": "current"}
    with Journal.open(out, write=False) as journal:
        changed = journal.entry("test-2019-01-03")
    assert changed.batch == second.batch and changed.input_hash != next(
        r for r in first.records if r.edition == "test-2019-01-03").input_hash

    # an output changed on disk (present, not current) is built again
    epub = out / "test-2019-01-04" / "test-2019-01-04.epub"
    data = bytearray(epub.read_bytes())
    data[len(data) // 2] ^= 0xFF
    epub.write_bytes(bytes(data))
    tampered = backfill(folders, out, FORMATS, settings, cluster)
    assert outcomes(tampered)["test-2019-01-04"] == "built"
    assert sorted(outcomes(tampered).values()).count("current") == 3

    # the same house elsewhere, one comment added to one stylesheet
    house = tmp_path / "house"
    shutil.copytree(settings.styles_dir, house / "styles")
    (house / "pyproject.toml").write_text(
        f'[tool.publisher]\nstyles = "styles"\nfonts = "{settings.fonts_dir}"\n\n[tool.publisher.print]\n'
        f'output_profile = "{settings.output_profile}"\n\n{archive_sections()}', "utf-8")
    moved = load_settings(house / "pyproject.toml")
    third = backfill(folders, out, FORMATS, moved, cluster)
    assert set(outcomes(third).values()) == {"current"}  # a house moved is the same house
    with open(house / "styles" / "base.css", "a", encoding="utf-8") as css:
        css.write("\n/* a comment changes no pixel, but the house is not the same */\n")
    fourth = backfill(folders, out, FORMATS, moved, cluster)
    assert set(outcomes(fourth).values()) == {"built"}


def test_a_worker_killed_under_an_edition_costs_a_retry(dask_cluster, tmp_path):
    from distributed import Client

    folders = write_editions(tmp_path / "editions", 3, paragraphs=30, start=40)
    out = tmp_path / "out"
    summary: list = []
    run = threading.Thread(target=lambda: summary.append(backfill(
        folders, out, FORMATS, load_settings(ROOT), Cluster(scheduler=dask_cluster, retries=2))))
    run.start()
    journal = out / "backfill-journal.sqlite"
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and time.monotonic() < deadline:
        if journal.exists():
            try:
                with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=1) as db:
                    row = db.execute("SELECT edition, pid FROM attempts WHERE outcome IS NULL").fetchone()
            except sqlite3.OperationalError:  # the journal is being created or written
                row = None
            if row:
                victim = row
        time.sleep(0.02)
    assert victim is not None
    os.kill(victim[1], signal.SIGKILL)  # the worker process, not its nanny: Dask restarts it
    run.join(300)
    assert summary, "the batch did not finish"
    assert set(outcomes(summary[0]).values()) == {"built"}
    assert summary[0].tally.retried >= 1
    with Journal.open(out, write=False) as j:
        tries = [(a["n"], a["outcome"]) for a in j.attempts(victim[0])]
        assert j.entry(victim[0]).attempts == 2
    assert tries == [(1, "worker-lost"), (2, "built")]
    with Client(dask_cluster, timeout=120) as client:  # bounds for a hang, not measures
        client.wait_for_workers(2, timeout=300)  # the nanny brought the worker back
