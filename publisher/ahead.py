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
from multiprocessing.process import BaseProcess

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


class Helper:
    """A forked process that runs ``fn(*args)`` at once (its inputs inherited, as ``Ahead``'s),
    then, one at a time, the calls it is sent (``call``: a module's function and its
    arguments, pickled) while the build's process goes on; ``result()`` is what the last one
    returned, or raises what it raised. Unlike ``Ahead``, its work is not redone elsewhere: a
    helper found dead raises (as the stop that ended it, ``workers.stopped``). No executor
    and no thread: a plain process and a pipe, so that processes forked after it inherit no
    thread (the print build's render pool, the make-up's later half). ``then``: run in the
    process after the first result is sent (while it waits for the next call)."""

    def __init__(self, what: str, fn: Callable, *args, then: Callable[[], object] | None = None):
        self.what = what
        self.waiting = False  # a call sent, its result not yet received
        context = multiprocessing.get_context("fork")
        self.conn, theirs = context.Pipe(duplex=True)
        self.process: BaseProcess | None = context.Process(
            target=_serve, args=(self.conn, theirs, fn, args, then), daemon=True, name=f"publisher: {what}")
        try:
            with forking():  # born with SIGINT and SIGTERM blocked until ``started``
                self.process.start()
        except BaseException:
            self.conn.close()
            self.process = None
            raise
        finally:
            theirs.close()  # the child's end: this process sees EOF if the child dies
        self.waiting = True

    def call(self, fn: Callable, *args) -> None:
        """``fn(*args)`` in the helper, after what it was given before (its result taken)."""
        assert not self.waiting, "one call at a time: the last one's result is taken first"
        try:
            self.conn.send((fn, args))
        except OSError as exc:  # it died: said as ``result`` says it
            raise self._died(exc) from exc
        self.waiting = True

    def result(self):
        """What the last call returned (waiting for it); what it raised, raised here."""
        assert self.waiting, "a call was sent"
        try:
            status, value = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise self._died(exc) from exc
        self.waiting = False
        if status != "done":
            raise value
        return value

    def _died(self, exc: BaseException) -> BaseException:
        from .workers import stopped

        died = RuntimeError(f"{self.what}: its process ended ({exc!r})")
        if self.process is None:
            return died
        self.process.join(1.0)  # its exit code, to say what ended it
        return stopped([self.process], died)

    def close(self) -> None:
        """Done with it, whatever it does: ended (SIGTERM, then SIGKILL, never waiting longer
        than ``workers.GRACE`` twice) and reaped."""
        if self.process is None:
            return
        self.conn.close()
        end(self.process)
        self.process.close()
        self.process = None


def _serve(conn, theirs, fn: Callable, args: tuple, then: Callable[[], object] | None) -> None:
    """In the helper: ``fn(*args)``, then each call received, each result sent back; ends when
    the build's process closes its end (or ends it)."""
    conn.close()  # the build's end, copied by the fork: see ``_run``
    started()
    first = True
    while True:
        try:
            result = ("done", fn(*args))
        except Exception as exc:  # raised in the build's process
            result = ("failed", _sendable(exc))
        try:
            theirs.send(result)
        except OSError:  # nobody reads it any more: the build's process is gone
            return
        if first and then is not None:
            with contextlib.suppress(Exception):  # only a head start for the next call
                then()
        first = False
        try:
            fn, args = theirs.recv()
        except (EOFError, OSError):
            return


def _sendable(exc: Exception) -> Exception:
    """``exc``, or what it says when it cannot be pickled back."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
