"""Work done ahead in a forked process while the build's process goes on.

An ``Ahead`` runs ``fn(*args)`` in a process forked now (its inputs inherited, nothing
pickled on the way there; its result pickled back through a pipe). ``result()`` is what
``fn`` returned, or None when no process could be had, ``fn`` raised, or the process died
(killed, out of memory): the caller then does that work itself, so what it makes is the same
either way, only later. No executor and no thread: a plain process and a pipe, so that
processes forked after it (the make-up's galleys, the print workers) inherit no thread.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
from collections.abc import Callable

from .workers import GRACE, end, forking, started

log = logging.getLogger(__name__)


class Ahead:
    """``fn(*args)`` in a forked process (``what``: named so in the log)."""

    def __init__(self, what: str, fn: Callable, *args):
        self.what = what
        self.process = None
        self.reader = None
        context = multiprocessing.get_context("fork")
        if multiprocessing.current_process().daemon:  # a daemonic process may have no children
            log.info("%s is made in the build's process: it runs in a daemonic process", what)
            return
        try:
            self.reader, writer = context.Pipe(duplex=False)
            self.process = context.Process(target=_run, args=(self.reader, writer, fn, args), daemon=True,
                                           name=f"publisher: {what}")
            with forking():  # born with SIGINT and SIGTERM blocked until ``started``
                self.process.start()
            writer.close()  # the child's end: the reader sees EOF if the child dies
        except OSError as exc:  # no process to be had (memory, limits): done as before
            log.info("%s is made in the build's process: no process for it (%s)", what, exc)
            self.close()

    def result(self):
        """What ``fn`` returned (waiting for it), or None (see the module)."""
        if self.process is None or self.reader is None:
            return None
        try:
            status, value = self.reader.recv()
        except (EOFError, OSError):
            status, value = "died", None
        self.close(wait=True)
        if status != "done":
            log.info("%s is made in the build's process: its worker %s", self.what, status)
            return None
        return value

    def close(self, wait: bool = False) -> None:
        """Done with it: the process is reaped (ended first unless ``wait``: its work is
        not wanted)."""
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        if self.process is not None:
            if wait:  # it has sent its result: it is ending
                self.process.join(GRACE)
            end(self.process)
            self.process.close()
            self.process = None


def _run(reader, writer, fn: Callable, args: tuple) -> None:
    """In the forked process: ``fn(*args)``, sent to the build's process ("failed": it
    raised; the build's process does that work again and reports what it finds)."""
    # The fork copied the build's end of the pipe too: kept open here, a result larger than
    # the pipe's buffer would block forever once the build's process is gone (killed,
    # interrupted), the child still holding the stdout of whoever ran the build. Closed,
    # the write fails (EPIPE) and the child ends.
    reader.close()
    started()
    try:
        result = ("done", fn(*args))
    except Exception as exc:  # the build's process redoes it and says why
        result = ("failed", repr(exc))
    with contextlib.suppress(OSError):  # nobody reads it any more: the build's process is gone
        writer.send(result)
    writer.close()
