"""publisher.ahead: work done in a forked process, and what becomes of that process when the
build's process is gone before it has read the result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publisher.ahead import Ahead, Helper

ROOT = Path(__file__).resolve().parent.parent

# A build's process that forks an Ahead with a result larger than a pipe's buffer (64 KiB on
# Linux) and dies before reading it, as a build interrupted or killed does.
_ORPHANING = r"""
import os, sys, time
sys.path.insert(0, {root!r})
from publisher.ahead import Ahead

def big():
    time.sleep(0.5)  # the build's process is gone by then
    return b"x" * (1 << 20)

ahead = Ahead("a test's big result", big)
open({pid_file!r}, "w").write(str(ahead.process.pid))
os._exit(0)
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # ended, waiting for init to reap it


def test_the_result_comes_back():
    ahead = Ahead("a test", lambda n: b"y" * n, 1 << 20)
    assert ahead.result() == b"y" * (1 << 20)
    assert ahead.process is None


def test_a_failure_is_none():
    def fails():
        raise ValueError("no")

    assert Ahead("a failing test", fails).result() is None


def test_a_child_whose_build_is_gone_ends_instead_of_blocking_on_its_result(tmp_path):
    """Before, the child kept its copy of the pipe's reading end: with the build's process
    dead its write of a large result blocked forever (holding the stdout of whatever ran the
    build: the hostile catalog's SIGINT scenario hung on it)."""
    pid_file = tmp_path / "pid"
    # no pipe to the script: the orphaned child would hold it open
    subprocess.run([sys.executable, "-c", _ORPHANING.format(root=str(ROOT), pid_file=str(pid_file))],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60, check=True)
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 60  # a bound for a hang, not a measure of speed
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    ended = _gone(pid)
    if not ended:
        os.kill(pid, 9)
    assert ended, "the forked child still blocks on its result"


# ``Helper``: a forked process that runs its first call at once, then the calls it is sent

def _double(n: int) -> int:
    return 2 * n


def _fails(message: str) -> None:
    raise ValueError(message)


def _dies() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_helper_answers_its_first_call_then_the_calls_it_is_sent():
    helper = Helper("a test", lambda n: b"y" * n, 1 << 20, then=lambda: None)
    try:
        assert helper.result() == b"y" * (1 << 20)  # larger than a pipe's buffer
        helper.call(_double, 21)
        assert helper.result() == 42
        helper.call(_fails, "no")
        with pytest.raises(ValueError, match="no"):  # raised here, and the helper goes on
            helper.result()
        helper.call(_double, 2)
        assert helper.result() == 4
        pid = helper.process.pid
    finally:
        helper.close()
    assert helper.process is None and not Path(f"/proc/{pid}").exists()  # ended and reaped


def test_a_helper_found_dead_raises_and_is_ended_all_the_same():
    helper = Helper("a test", _double, 1)
    try:
        assert helper.result() == 2
        helper.call(_dies)
        with pytest.raises(RuntimeError, match="its process ended"):  # killed: not a stop
            helper.result()
    finally:
        helper.close()
    assert helper.process is None


def test_a_helper_ended_while_it_works_is_reaped():
    helper = Helper("a test", time.sleep, 600)
    pid = helper.process.pid
    helper.close()  # SIGTERM (its default action, set first thing in the helper), else SIGKILL
    assert not Path(f"/proc/{pid}").exists()  # ended and reaped
