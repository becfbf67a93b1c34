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

Every worker is forked inside ``forking`` (SIGINT and SIGTERM blocked until ``started`` put
their default action in place), the pools' too: a ``Pool`` (the galleys, the print 版) is
concurrent.futures' executor with a fork context of its own, whose workers are forked so and
ended surely (``Pool.close``: SIGTERM, then SIGKILL, never waiting longer than the grace
twice). A worker found dead by SIGTERM or SIGINT says the build is being stopped (a service's
stop reached the worker first): the build stops so (``stopped``), not with an internal error.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from multiprocessing.connection import wait
from multiprocessing.context import ForkContext, ForkProcess
from multiprocessing.process import BaseProcess
from typing import Any

from .signals import TERMINATED, Terminated, held

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
    """Around a worker's fork and its record (every process the build forks: the reading PDF's
    workers, a ``Pool``'s, ``ahead``'s): SIGINT and SIGTERM blocked in the forking thread, so
    that the worker is born with them blocked and takes them once ``started`` put their
    default action in place. Otherwise one sent before the worker ran was lost: the worker is
    born with the build's handlers, and Python forgets a signal its handler noted but did not
    run yet when it finishes the fork; such a worker sat out ``end``'s grace and was killed
    (seen in CI). In the build's process, ``signals.held``: no handler raises between the fork
    and the worker's record (whoever ends the workers knows of every one); a signal that
    comes meanwhile is handled once the block ends."""
    with held():
        before = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        _forker[0] = os.getpid()
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_forker = [0]  # the process that last forked in ``forking``: a worker's parent while it lives


def _ends_with_its_parent() -> None:
    """SIGKILL from the kernel when the thread that forked this process ends (on Linux; the
    build forks its workers from the thread that runs it, which outlives them). Asked for
    after that process died (killed between the fork and this), it never comes: the worker
    ends here as it would have, instead of waiting for work forever."""
    parent, _forker[0] = _forker[0], 0
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if parent and os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)


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


def stopped(processes: Iterable[BaseProcess], died: BaseException) -> BaseException:
    """What to raise for ``died`` (a worker of ``processes`` found dead): the stop their ends
    say, when every one that ended was ended by SIGTERM or SIGINT; else ``died`` itself.

    A service's stop (systemd: SIGTERM to every process of the build, one after another) or
    Ctrl-C (SIGINT to the process group) may reach a worker before the build's process: the
    build then found a dead worker before its own handler ran, and reported an internal error.
    Its own signal is on its way: it is waited for a moment (its handler raises it here), then
    raised here. A pool that breaks kills the rest with SIGTERM itself (concurrent.futures):
    a SIGINT among them says Ctrl-C; another signal (SIGKILL: the out-of-memory killer, a
    crash) or an exit is the error it is."""
    ends = {code for code in map(_exitcode, processes) if code is not None}
    if not ends or not ends <= {-signal.SIGTERM, -signal.SIGINT}:
        return died
    time.sleep(1.0)  # the build's own signal, if it is coming: its handler raises it here
    return KeyboardInterrupt() if -signal.SIGINT in ends else Terminated(TERMINATED)


def _exitcode(process: BaseProcess) -> int | None:
    """``process``'s exit code, None while it runs. Another thread (a pool's) may be reaping it:
    ended (its sentinel ready), its code is then set by that thread in a moment."""
    for _ in range(100):
        try:
            code = process.exitcode
            if code is not None:
                return code
            if not wait([process.sentinel], 0):
                return None  # running
        except (ValueError, OSError):  # closed: not ours to say
            return None
        time.sleep(0.01)
    return None


class _Worker(ForkProcess):
    """A pool's worker, forked as the reading PDF's are: inside ``forking``, so that it is born
    with SIGINT and SIGTERM blocked (let through by ``started``, the pool's initializer) and
    recorded in its pool's ``born`` with no signal between."""

    def __init__(self, born: list[BaseProcess], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._born = born

    def start(self) -> None:
        with forking():
            super().start()
            self._born.append(self)


class _Forking(ForkContext):
    """The fork context of one ``Pool``: its workers are ``_Worker``."""

    def __init__(self, born: list[BaseProcess]) -> None:
        self.born = born

    def Process(self, *args, **kwargs) -> _Worker:  # type: ignore[override]  # a class there
        return _Worker(self.born, *args, **kwargs)


class Pool:
    """``n`` forked workers (concurrent.futures' ProcessPoolExecutor with the fork context)
    born as the reading PDF's are (``_Worker``), ended surely by ``close``; a worker found
    dead raised as the stop that ended it (``stopped``).

    The executor forks its workers lazily: with the fork context all of them at the first
    ``submit`` (or ``map``), in the submitting thread (the build's main thread), before it
    starts its management thread, and never one later (Python 3.11's concurrent.futures:
    ``_start_executor_manager_thread``; it replaces no worker, as that would fork beside
    its threads). Forked outside ``forking``, a worker sent SIGTERM before its initializer
    ran lost it, or raised the CLI's exception in the initializer: a traceback ("Exception in
    initializer"), the pool broken, an internal error."""

    def __init__(self, n: int) -> None:
        self.processes: list[BaseProcess] = []  # every worker forked, as it was
        self.executor = ProcessPoolExecutor(n, mp_context=_Forking(self.processes), initializer=started)

    @contextmanager
    def _dead_said(self) -> Iterator[None]:
        """A broken pool (a worker found dead) raised as the stop that ended it (``stopped``)."""
        try:
            yield
        except BrokenProcessPool as exc:
            raise stopped(self.processes, exc) from exc

    def submit(self, fn: Callable, arg: Any) -> Future:
        with self._dead_said():
            return self.executor.submit(fn, arg)

    def result(self, future: Future) -> Any:
        """``future``'s result."""
        with self._dead_said():
            return future.result()

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        """``fn`` of each of ``items``, handed out now, in order as they come (``results``)."""
        with self._dead_said():
            return self.executor.map(fn, items)

    def results(self, mapped: Iterator) -> list:
        """What ``map`` gave, once all is done."""
        with self._dead_said():
            return list(mapped)

    def close(self, abort: bool = False) -> None:
        """Done with the workers: idle, they are told to end (``abort``: at once, whatever they
        do: SIGTERM, after an error, Ctrl-C or SIGTERM). Killed if the pool has not ended
        within ``GRACE``; never waits longer than twice that."""
        manager = getattr(self.executor, "_executor_manager_thread", None)  # forked none: None
        if abort:
            for process in self.processes:
                with suppress(OSError, ValueError):
                    process.terminate()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            manager.join(GRACE)
            if manager.is_alive():
                for process in self.processes:
                    with suppress(OSError, ValueError):
                        process.kill()
                manager.join(GRACE)
            if manager.is_alive():
                return  # what it reaps is not to be reaped twice; all were killed
        for process in self.processes:  # reaped by the manager; forked without one: here
            end(process)
