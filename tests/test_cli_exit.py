"""How the command's own process ends (``cli.leave``): its exit handlers run and its output
is flushed, with the command's status, but the interpreter does not tear down every object
it made (about 0.25 s of CPU after an EPUB-only build of 64 版); with another thread still
running, Python exits as it always did (waiting for it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A process that runs the console entry point the way `publisher` and `python -m publisher`
# do, with an exit handler of its own and an object whose teardown says so.
_RUN = r"""
import atexit, os, sys, threading, time
sys.path.insert(0, {root!r})

class Left:
    def __del__(self, write=os.write):  # bound now: the teardown may have cleared os by then
        write(2, b"torn down\n")

kept = Left()
atexit.register(lambda: sys.stderr.write("exit handler ran\n"))
if {thread!r}:
    threading.Thread(target=lambda: (time.sleep(0.3), sys.stderr.write("thread ended\n"))).start()
sys.argv = ["publisher", *{args!r}]
from publisher.cli import main
main()
"""


def _run(*args: str, thread: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _RUN.format(root=str(ROOT), args=list(args), thread=thread)],
                          capture_output=True, text=True, timeout=120)


def test_a_command_ends_with_its_status_its_output_and_exit_handlers_but_no_teardown():
    done = _run("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("publisher ")  # flushed into the pipe
    assert "exit handler ran" in done.stderr
    assert "torn down" not in done.stderr


def test_a_failing_command_keeps_its_status():
    done = _run("check", str(ROOT / "no-such-edition"))
    assert done.returncode not in (0, None)
    assert done.returncode == subprocess.run(
        [sys.executable, "-m", "publisher", "check", str(ROOT / "no-such-edition")], capture_output=True,
        text=True, timeout=120, cwd=ROOT).returncode
    assert "exit handler ran" in done.stderr
    assert "torn down" not in done.stderr


def test_with_another_thread_running_python_exits_as_it_always_did():
    done = _run("--version", thread=True)
    assert done.returncode == 0
    assert done.stdout.startswith("publisher ")
    assert "thread ended" in done.stderr  # waited for: ended by os._exit, it would not say so
    assert "exit handler ran" in done.stderr
