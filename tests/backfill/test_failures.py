"""What goes wrong in a batch is recorded per edition and the batch finishes: a bad edition
with its error code (not retried), a bug as error[internal], an edition past its timeout
(its worker restarted, retried, then recorded), two folders of one edition; workers are
recycled between editions without building any twice; two batches never share a folder."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.backfill import Cluster, Journal, JournalError, backfill
from publisher.backfill.task import Job, check_and_build
from publisher.cli import app
from publisher.config import load_settings
from publisher.fingerprint import house_hash, tool_version
from tests.conftest import ROOT

from .conftest import write_editions


@pytest.fixture(autouse=True)
def _cluster_whole_again(dask_cluster):
    """Tests here restart workers: the next test gets both back."""
    yield
    from distributed import Client

    with Client(dask_cluster, timeout=120) as client:  # bounds for a hang: a worker restarted
        client.wait_for_workers(2, timeout=300)  # at load 24 takes its time to import Dask


def test_a_bad_edition_is_reported_with_its_code_and_the_batch_finishes(dask_cluster, tmp_path):
    good1, bad, good2 = write_editions(tmp_path / "editions", 3)
    (bad / "articles" / "two.md").write_text("+++\nheadline = 1\n+++\n正文。\n", "utf-8")
    (good1 / "articles" / "draft.md").write_text("+++\nheadline = \"草稿\"\n+++\n未上版。\n", "utf-8")
    empty = tmp_path / "editions" / "empty"
    empty.mkdir()
    twin = Path(shutil.copytree(good2, tmp_path / "elsewhere" / "twin"))
    out = tmp_path / "out"
    args = ["backfill", str(good1), str(bad), str(empty), str(good2), str(twin), "--out", str(out),
            "--scheduler", dask_cluster, "-f", "epub", "-f", "pdf"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "5 edition(s): 2 built, 0 current (skipped), 3 failed" in result.output
    assert "error[front-matter]: 1 edition\n  test-2019-01-02  " in result.output
    assert "error[no-edition-toml]: 1 edition\n" in result.output, result.output
    assert "error[duplicate-edition]: 1 edition\n" in result.output
    assert (out / "test-2019-01-01" / "test-2019-01-01.epub").is_file()
    assert (out / "test-2019-01-03" / "test-2019-01-03.pdf").is_file()
    assert not (out / "test-2019-01-02").exists()
    with Journal.open(out, write=False) as journal:
        failed = {e.edition: e for e in journal.entries() if e.state == "failed"}
        assert failed["test-2019-01-02"].attempts == 1  # a publisher error is not retried
        assert "two.md" in (failed["test-2019-01-02"].error or "")

    report = CliRunner().invoke(app, ["backfill", "--report", str(out)])
    assert report.exit_code == 1, report.output
    assert "2 edition(s) done, 3 failed" in report.output
    assert "error[front-matter]: 1 edition\n  test-2019-01-02  " in report.output
    assert f"  {empty.resolve()}  {empty}" in report.output  # no id: named by its folder
    assert "warning[unlisted-article]: 1 edition(s) built with it: test-2019-01-01" in report.output


def _job(folder: Path, out: Path, **kw) -> Job:
    settings = load_settings(ROOT)
    return Job(edition="x", source=str(folder), out_dir=str(out), formats=("epub",), settings=settings,
               tool=tool_version(), house=house_hash(settings), topic="t", timeout=0, max_tasks=0, **kw)


def test_an_unexpected_exception_is_error_internal(tmp_path, monkeypatch):
    import publisher.backfill.task as task

    (folder,) = write_editions(tmp_path, 1)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(task, "publish", broken)
    record = check_and_build(_job(folder, tmp_path / "out"))
    assert (record.outcome, record.code) == ("failed", "internal")
    assert record.error and record.error.startswith("ZeroDivisionError: a bug") and "Traceback" in record.error


def test_a_worker_with_another_house_refuses(tmp_path):
    (folder,) = write_editions(tmp_path, 1)
    job = _job(folder, tmp_path / "out")
    record = check_and_build(Job(**{**job.__dict__, "house": "0" * 64}))
    assert (record.outcome, record.code) == ("failed", "worker-mismatch")
    assert not (tmp_path / "out").exists()


def test_an_edition_past_its_timeout_is_retried_then_recorded(dask_cluster, tmp_path):
    folders = write_editions(tmp_path / "editions", 1)
    out = tmp_path / "out"
    # No build of an edition with a PDF takes 0.2 s: every attempt times out.
    summary = backfill(folders, out, ("epub", "pdf"), load_settings(ROOT),
                       Cluster(scheduler=dask_cluster, retries=1, timeout=0.2))
    assert [(f.edition, f.code) for f in summary.failures] == [("test-2019-01-01", "timeout")]
    with Journal.open(out, write=False) as journal:
        assert [(a["n"], a["outcome"]) for a in journal.attempts()] == [(1, "timeout"), (2, "timeout")]
        assert journal.entry("test-2019-01-01").error_code == "timeout"


def test_workers_are_recycled_between_editions(dask_cluster, tmp_path):
    folders = write_editions(tmp_path / "editions", 6, paragraphs=2)
    summary = backfill(folders, tmp_path / "out", ("epub",), load_settings(ROOT),
                       Cluster(scheduler=dask_cluster, max_tasks=2))
    assert Counter(r.outcome for r in summary.records) == {"built": 6}  # none built twice
    per_process = Counter(r.pid for r in summary.records)
    assert len(per_process) >= 3 and max(per_process.values()) <= 2, per_process
    assert summary.tally.retried == 0


def test_two_batches_never_write_into_one_folder(tmp_path):
    folders = write_editions(tmp_path / "editions", 1)
    with Journal.open(tmp_path / "out"), pytest.raises(JournalError) as caught:
        backfill(folders, tmp_path / "out", ("epub",), load_settings(ROOT), Cluster(workers=1))
    assert caught.value.problems[0].code == "journal-busy"
