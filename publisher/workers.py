"""The build's forked worker processes: what each does first, and how one is ended.

Every process the build starts (the make-up's galleys, the print 版, the reading PDF's 版,
the work done ahead: ``ahead``) is forked from the build's process and inherits its signal
handlers. Under the CLI, SIGTERM raises an exception (``signals.on_sigterm``), so that the
build's process removes its temporary files and says what happened. In a worker that
exception lands wherever the worker happens to be: in a task, whose error handling sends it
back as the task's error and carries on, or somewhere it is swallowed. Ended by
``terminate``, such a worker lived on, and a join without a limit waited for it forever (the
project's CI hung so). A worker therefore takes SIGTERM's default action: it ends at once,
and the build's process, which owns the temporary files, cleans up and reports. So with
SIGINT: Ctrl-C in a terminal signals the whole process group, and as a KeyboardInterrupt
in a worker it printed the worker's traceback wherever it did not land in a task (a
reading PDF worker sending its result or waiting for the next 版); the worker now ends
quietly and the build's process, interrupted too, says so once. And a build's process
killed outright (SIGKILL, the out-of-memory killer) cannot end its workers: an idle print
worker then slept on forever, waiting on its pool's queue. On Linux a worker asks the kernel
to kill it when the build's process ends (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.process import BaseProcess

from .signals import held

GRACE = 10.0  # seconds a worker asked to end (SIGTERM) has before it is killed


_STOPS = {signal.SIGINT, signal.SIGTERM}


def started() -> None:
    """The first thing a forked worker does (a pool's ``initializer``): SIGTERM and SIGINT
    end it (and, forked in ``forking``, are let through now that they would)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
    _ends_with_its_parent()


@contextmanager
def forking() -> Iterator[None]:
    """Around a worker's fork: SIGINT and SIGTERM blocked in the forking thread, so that the
    worker is born with them blocked and takes them once ``started`` put their default action
    in place. Otherwise one sent before the worker ran was lost: the worker is born with the
    build's handlers, and Python forgets a signal its handler noted but did not run yet when
    it finishes the fork; such a worker sat out ``end``'s grace and was killed (seen in CI).
    In the build's process, a signal that comes meanwhile goes to another thread or waits
    for the mask to be put back, and is handled then."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _ends_with_its_parent() -> None:
    """SIGKILL from the kernel when the thread that forked this process ends (on Linux; the
    build forks its workers from the thread that runs it, which outlives them)."""
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def end(process: BaseProcess, grace: float = GRACE) -> None:
    """``process`` ended and reaped: asked to end (SIGTERM), killed if it has not within
    ``grace`` seconds. Never waits longer."""
    if process.is_alive():
        process.terminate()
        process.join(grace)
    if process.is_alive():
        process.kill()
    process.join(grace)


def temporary_folder(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary folder (TMPDIR) that is removed whatever stops the build, but SIGKILL:
    made under ``held``, so that it exists only with its removal registered."""
    with held():
        return tempfile.TemporaryDirectory(prefix=prefix)
