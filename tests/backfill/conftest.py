"""A real Dask cluster on this machine (``dask scheduler`` + two ``dask worker`` processes,
started with Dask's own commands, as an operator would) and small editions to backfill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, long_article

DASK = Path(sys.executable).with_name("dask")

TOML = """\
[paper]
id = "test"
name = "测试日报"
publisher = "测试日报社"

[issue]
date = 2019-{month:02d}-{day:02d}
number = {number}

[[pages]]
number = 1
name = "要闻"
articles = ["one", "two"]
"""


def write_editions(root: Path, n: int, paragraphs: int = 4, start: int = 1) -> list[Path]:
    """``n`` one-page editions on consecutive days (ids test-2019-MM-DD)."""
    folders = []
    for i in range(start, start + n):
        month, day = 1 + (i - 1) // 28, 1 + (i - 1) % 28
        folder = root / f"ed{i:03d}"
        (folder / "articles").mkdir(parents=True)
        (folder / "edition.toml").write_text(TOML.format(month=month, day=day, number=i), "utf-8")
        (folder / "articles" / "one.md").write_text(long_article(paragraphs), "utf-8")
        (folder / "articles" / "two.md").write_text(
            f'+++\nheadline = "第{i}期的第二篇稿件"\n+++\n本报讯，第{i}期的正文。\n', "utf-8")
        folders.append(folder)
    return folders


def archive_sections() -> str:
    """The repository house's [tool.publisher.archive] sections as TOML (organisation,
    contact, NDNP awardee: not the defaults), for a test's copy of the house elsewhere."""
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    return "[tool.publisher.archive]\n" + text.split("\n[tool.publisher.archive]\n", 1)[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 20
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # each was started in its own process group
            p.wait(10)


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    """The address of a running scheduler with two single-threaded workers (with nannies)."""
    from distributed import Client

    base = tmp_path_factory.mktemp("dask")
    info = base / "scheduler.json"
    logs = open(base / "cluster.log", "wb")  # noqa: SIM115 (the processes write to it until teardown)
    common: dict[str, Any] = dict(cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)
    # everything on the loopback interface, on ports the system picks
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--dashboard-address", "127.0.0.1:0",
                               "--scheduler-file", str(info)], **common)]
    try:
        deadline = time.monotonic() + 300  # bounds for a hang: a loaded machine starts Dask slowly
        while not info.exists() and time.monotonic() < deadline:
            if procs[0].poll() is not None:
                raise RuntimeError(f"dask scheduler exited; see {base / 'cluster.log'}")
            time.sleep(0.1)
        for name in ("w1", "w2"):
            procs.append(subprocess.Popen(
                [str(DASK), "worker", "--scheduler-file", str(info), "--nthreads", "1",
                 "--nworkers", "1", "--host", "127.0.0.1", "--no-dashboard",
                 "--dashboard-address", "127.0.0.1:0", "--name", name,
                 "--local-directory", str(base / name)], **common))
        with Client(scheduler_file=str(info), timeout=120) as client:
            client.wait_for_workers(2, timeout=300)
            address = client.scheduler.address
        yield address
    finally:
        _stop(procs[1:])
        _stop(procs[:1])
        logs.close()
