"""The build's forked workers (publisher/workers.py) end when asked, whatever signal
handlers the build's process had when it forked them."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from publisher import signals, workers
from publisher.signals import held


def _carry_on(start: bool, ready) -> None:
    """A worker whose task catches every exception and carries on, as a pool's does; it
    sets ``ready`` once in its loop (inside the ``try``: a signal sent from then on is
    caught there, or ends the worker if ``started`` ran)."""
    if start:
        workers.started()
    while True:
        try:
            ready.set()
            time.sleep(60)
        except BaseException:  # the point: what a task's error handling does
            continue


@pytest.fixture
def cli_sigterm():
    """The CLI's SIGTERM handler installed in this process, as in a build from the CLI."""
    signal.signal(signal.SIGTERM, signals.on_sigterm)


READY = 120  # s a forked worker has to say it is ready: a bound for a hang, not a measure


def _forked(start: bool) -> multiprocessing.process.BaseProcess:
    """The worker forked, once it is in its loop (a sleep was not enough on a loaded machine:
    a SIGTERM sent before ``started`` ran raised the CLI's exception outside the ``try``,
    and the worker exited 143 instead of ending by the signal)."""
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    process = context.Process(target=_carry_on, args=(start, ready), daemon=True)
    process.start()
    assert ready.wait(READY), "the worker never reached its loop"
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


def _waits(ready) -> None:
    workers.started()
    ready.set()
    time.sleep(60)


def test_a_started_worker_ends_quietly_at_sigint(capfd):
    """Ctrl-C in a terminal signals the whole process group: a worker ends by SIGINT itself,
    not by a KeyboardInterrupt, which printed its traceback wherever it landed outside a task
    (the build's process says "interrupted" once)."""
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    process = context.Process(target=_waits, args=(ready,), daemon=True)
    process.start()
    assert ready.wait(READY), "the worker never called started()"  # then SIGINT ends it
    assert process.pid is not None
    os.kill(process.pid, signal.SIGINT)
    process.join(READY)
    assert process.exitcode == -signal.SIGINT
    assert "Traceback" not in capfd.readouterr().err


def test_a_signal_while_held_is_raised_after():
    """``held``: a Ctrl-C that comes while a temporary folder is made and recorded is raised
    once both are done, never between them."""
    reached = []
    with pytest.raises(KeyboardInterrupt), held():
        os.kill(os.getpid(), signal.SIGINT)
        reached.append(1)
    assert reached


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # "implicitly cleaning up": the point
def test_a_temporary_folder_made_as_a_signal_comes_is_removed(tmp_path, monkeypatch):
    """A Ctrl-C right after the folder is made (here: sent then) lands once its removal is
    registered: the folder goes with the interrupted build. Without ``held`` it landed in
    TemporaryDirectory's constructor, before that, and the folder stayed in TMPDIR."""
    made = tempfile.mkdtemp

    def then_interrupted(*args, **kwargs):
        path = made(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", then_interrupted)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        workers.temporary_folder("publisher-test-")
    gc.collect()
    assert not list(tmp_path.iterdir())


def test_a_worker_ends_when_the_build_s_process_is_killed(tmp_path):
    """A build's process killed outright cannot end its workers: the kernel does
    (``started``: PR_SET_PDEATHSIG). Before, an idle print worker slept on forever."""
    import os
    import subprocess
    import sys

    script = tmp_path / "build.py"
    script.write_text(
        "import multiprocessing, os, sys, time\n"
        "from publisher import workers\n"
        "def worker():\n"
        "    workers.started()\n"
        "    print(os.getpid(), flush=True)  # PR_SET_PDEATHSIG is set from now on\n"
        "    time.sleep(120)\n"
        "p = multiprocessing.get_context('fork').Process(target=worker)\n"
        "p.start()\n"
        "time.sleep(120)\n")
    root = Path(__file__).resolve().parent.parent
    build = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(root)})
    try:
        # said by the worker once it has called started() (a sleep here was not enough on a
        # loaded machine: killed before it, the build's process left the worker running)
        child = int(build.stdout.readline())
        build.kill()
        build.wait(READY)
        deadline = time.monotonic() + READY  # the kernel kills it at once: a bound for a hang
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            # reaped by init, or a zombie of init's until it is
            try:
                with open(f"/proc/{child}/stat") as stat:
                    if stat.read().split(") ")[1].startswith("Z"):
                        break
            except FileNotFoundError:
                break
            time.sleep(0.1)
        else:
            os.kill(child, signal.SIGKILL)
            pytest.fail(f"the worker outlived the build's process by {READY} s")
    finally:
        build.kill()
        build.stdout.close()


def test_a_worker_whose_build_died_as_it_was_forked_ends(tmp_path):
    """A worker forked just before its build's process was killed asks for PR_SET_PDEATHSIG
    once its parent is gone, which the kernel then never delivers: ``started`` sees that its
    parent is no longer the process that forked it and ends as the kernel would have ended
    it (SIGKILL). Before, such a pool worker waited on its queue forever."""
    import subprocess
    import sys

    script = tmp_path / "orphan.py"
    script.write_text(
        "import ctypes, os, time\n"
        "from publisher import workers\n"
        "# PR_SET_CHILD_SUBREAPER: the orphaned worker is this process's to reap, not init's\n"
        "ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)\n"
        "build = os.fork()\n"
        "if build == 0:\n"
        "    me = os.getpid()\n"
        "    with workers.forking():\n"
        "        worker = os.fork()\n"
        "    if worker == 0:  # starts only once the build's process has died\n"
        "        deadline = time.monotonic() + 120  # a bound for a hang\n"
        "        while os.getppid() == me and time.monotonic() < deadline:\n"
        "            time.sleep(0.01)\n"
        "        workers.started()\n"
        "        os._exit(0)\n"
        "    os._exit(0)\n"
        "os.waitpid(build, 0)\n"
        "_, status = os.waitpid(-1, 0)\n"
        "print(os.WTERMSIG(status) if os.WIFSIGNALED(status) else f'exit {os.WEXITSTATUS(status)}')\n")
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=2 * READY, env={**os.environ, "PYTHONPATH": str(root)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(int(signal.SIGKILL))


# ---------------------------------------------------------------- the pools (workers.Pool)

def _waits_for_a_stop() -> None:
    """A worker's start made late: until SIGTERM or SIGINT is pending (blocked: ``forking``)
    or its handler acts; at most 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not signal.sigpending() & {signal.SIGTERM, signal.SIGINT}:
        time.sleep(0.01)


def _sleeps(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _born(pool: workers.Pool, n: int) -> None:
    """Until ``n`` workers of ``pool`` are forked (the first ``submit`` forks them all)."""
    deadline = time.monotonic() + READY
    while len(pool.processes) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(pool.processes) == n


def test_a_pool_s_worker_sent_sigterm_as_it_is_born_ends_by_it(cli_sigterm, monkeypatch):
    """A pool's worker is forked as the reading PDF's are (``forking``): sent SIGTERM before
    its initializer (``started``, made late here) ran, it ends by SIGTERM once that ran.
    Forked with the CLI's handler and no mask, the handler raised in the initializer instead
    (a traceback, the pool broken), or Python lost the signal at the fork."""
    def late() -> None:
        _waits_for_a_stop()
        started()

    started = workers.started
    monkeypatch.setattr(workers, "started", late)
    pool = workers.Pool(2)
    try:
        future = pool.submit(_sleeps, 60)
        _born(pool, 2)
        for process in pool.processes:
            assert process.pid is not None
            os.kill(process.pid, signal.SIGTERM)
        for process in pool.processes:
            process.join(READY)
        # the pool's own thread reaps a dead worker too: between its waitpid and its record
        # of the code, the process's exitcode reads None (workers._exitcode waits that out)
        assert [workers._exitcode(p) for p in pool.processes] == [-signal.SIGTERM] * 2
        # the build's process was not signalled: the dead workers say it is being stopped
        with pytest.raises(signals.Terminated):
            pool.result(future)
    finally:
        pool.close(abort=True)


def test_a_pool_s_workers_killed_otherwise_are_an_error(cli_sigterm):
    """A worker's death by another signal (SIGKILL: the out-of-memory killer) is not a stop:
    the broken pool is the error it is."""
    from concurrent.futures.process import BrokenProcessPool

    pool = workers.Pool(2)
    try:
        future = pool.submit(_sleeps, 60)
        _born(pool, 2)
        first = pool.processes[0]
        assert first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            pool.result(future)
    finally:
        pool.close(abort=True)


def test_a_pool_closed_on_a_stop_ends_its_busy_workers_at_once(cli_sigterm):
    """``close(abort=True)`` (an error, Ctrl-C or SIGTERM in the build's process): the workers
    end by SIGTERM whatever they do, not after their task, and none is killed after the grace;
    a pool closed when its work is done ends its idle workers."""
    pool = workers.Pool(2)
    futures = [pool.submit(_sleeps, 60) for _ in range(2)]
    _born(pool, 2)
    time.sleep(0.5)  # started, in their tasks
    pool.close(abort=True)
    assert [p.exitcode for p in pool.processes] == [-signal.SIGTERM] * 2
    assert all(f.done() for f in futures)
    done = workers.Pool(2)
    assert done.results(done.map(_sleeps, [0.0, 0.0])) == [0.0, 0.0]
    done.close()
    assert [p.exitcode for p in done.processes] == [0, 0]
