"""The build's forked worker processes: what each does first, and how one is ended.

Every process the build starts (the make-up's galleys, the print 版, the reading PDF's 版,
the work done ahead: ``ahead``) is forked from the build's process and inherits its signal
handlers. Under the CLI, SIGTERM raises an exception (``cli._on_sigterm``), so that the
build's process removes its temporary files and says what happened. In a worker that
exception lands wherever the worker happens to be: in a task, whose error handling sends it
back as the task's error and carries on, or somewhere it is swallowed. Ended by
``terminate``, such a worker lived on, and a join without a limit waited for it forever (the
project's CI hung so). A worker therefore takes SIGTERM's default action: it ends at once,
and the build's process, which owns the temporary files, cleans up and reports. Ctrl-C
stays Python's KeyboardInterrupt in a worker: it stops the task the worker is on, as it
stops the build's process.
"""

from __future__ import annotations

import signal
from multiprocessing.process import BaseProcess

GRACE = 10.0  # seconds a worker asked to end (SIGTERM) has before it is killed


def started() -> None:
    """The first thing a forked worker does (a pool's ``initializer``): SIGTERM ends it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def end(process: BaseProcess, grace: float = GRACE) -> None:
    """``process`` ended and reaped: asked to end (SIGTERM), killed if it has not within
    ``grace`` seconds. Never waits longer."""
    if process.is_alive():
        process.terminate()
        process.join(grace)
    if process.is_alive():
        process.kill()
    process.join(grace)
