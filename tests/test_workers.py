"""The build's forked workers (publisher/workers.py) end when asked, whatever signal
handlers the build's process had when it forked them."""

from __future__ import annotations

import multiprocessing
import signal
import time

import pytest

from publisher import cli, workers


def _carry_on(start: bool) -> None:
    """A worker whose task catches every exception and carries on, as a pool's does."""
    if start:
        workers.started()
    while True:
        try:
            time.sleep(60)
        except BaseException:  # the point: what a task's error handling does
            continue


@pytest.fixture
def cli_sigterm():
    """The CLI's SIGTERM handler installed in this process, as in a build from the CLI."""
    signal.signal(signal.SIGTERM, cli._on_sigterm)


def _forked(start: bool) -> multiprocessing.process.BaseProcess:
    process = multiprocessing.get_context("fork").Process(target=_carry_on, args=(start,), daemon=True)
    process.start()
    time.sleep(0.5)  # in its loop
    return process


def test_a_started_worker_ends_at_sigterm_under_the_cli_s_handler(cli_sigterm):
    process = _forked(start=True)
    workers.end(process)
    assert process.exitcode == -signal.SIGTERM


def test_a_worker_that_does_not_end_at_sigterm_is_killed(cli_sigterm):
    """Without ``started``, the CLI's handler turns SIGTERM into an exception the worker's
    task catches: ``end`` kills it after its grace, it never waits longer."""
    process = _forked(start=False)
    workers.end(process, grace=1)
    assert process.exitcode == -signal.SIGKILL
