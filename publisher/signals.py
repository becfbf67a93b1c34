"""Signal handlers held back for a few steps that must not be cut in two; and what a command
stopped by Ctrl-C or SIGTERM raises, says and exits with.

``held`` is used where the engine changes what every later render relies on (its load, its patches),
where a temporary file or folder is made and recorded for removal (``workers``), and while
a build's outputs are renamed into place (``outputs``).

A Python signal handler that raises (Ctrl-C's ``KeyboardInterrupt``, the CLI's SIGTERM
handler, a timer's) raises wherever the main thread stands when the signal comes. Inside a
render that only abandons the render. Inside the few steps that set up what every later
render of the process shares, it would leave them half done: WeasyPrint half imported (its
package dropped from ``sys.modules``, some of its submodules kept: every later import of it
lacks those, ``module 'weasyprint' has no attribute 'urls'``), an adaptation's attribute
replaced but not recorded (applied again, it would wrap itself). While a ``held()`` block
runs, every Python handler of the process only notes its signal; when the block ends, the
handlers are put back and each noted signal raised again (``signal.raise_signal``), so its
handler runs just after the block, as if the signal had come then.

A process forked within a block (the build's workers: ``workers.forking``, the only way the
build forks) is born with SIGINT and SIGTERM blocked and takes their default action once
it lets them through (``workers.started``): these handlers never run there, where the block
never ends and a signal held would be lost.

Python runs signal handlers in the main thread only: a block in another thread holds
nothing (nothing can raise there). ``pthread_sigmask`` would not do: with other threads
running (the font hashing thread, the solver's), the signal goes to one of them and the
main thread still runs the handler (so a mask would hold nothing for the renames either).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

INTERRUPTED = 130  # a command's exit status after Ctrl-C (128 + SIGINT), as shells give it
TERMINATED = 143  # after SIGTERM (128 + SIGTERM)
NOTHING_WRITTEN = "nothing was written"


class Terminated(SystemExit):
    """SIGTERM (a pipeline's timeout, ``kill``): stop as Ctrl-C does, temporary files removed.

    A SystemExit, not a KeyboardInterrupt: typer turns the latter into a silent exit 130."""


def on_sigterm(signum, frame) -> NoReturn:
    """The command's SIGTERM handler (``python -m publisher`` from its first import on, then
    the CLI's ``main`` and commands): raises Terminated where the main thread stands."""
    raise Terminated(TERMINATED)


def stop(exc: BaseException) -> tuple[str, int]:
    """What stopped a command, for its message, and its exit status: ("terminated", 143)
    for Terminated (SIGTERM), else ("interrupted", 130) (Ctrl-C)."""
    return ("terminated", TERMINATED) if isinstance(exc, Terminated) else ("interrupted", INTERRUPTED)


def stopped(exc: BaseException, done: str = NOTHING_WRITTEN) -> tuple[str, int]:
    """The one line a stopped command says (``interrupted; nothing was written.``) and its
    exit status. Both ``python -m publisher`` (stopped while it imports the CLI, which cannot
    be imported before its handler is in place) and the CLI say it from here."""
    what, code = stop(exc)
    return f"{what}; {done}.", code


@contextmanager
def held() -> Iterator[None]:
    """Within the block, signals are noted, not handled; handled when it ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[signal.Signals] = []
    holding = [True]
    replaced: dict[signal.Signals, Callable] = {}

    def wrapper(original):
        def hold(signum, frame):
            if holding[0]:
                if signum not in pending:
                    pending.append(signum)
            else:  # the block has ended, this handler is not put back yet
                original(signum, frame)
        return hold

    try:
        for signum in signal.valid_signals():
            try:
                handler = signal.getsignal(signum)
            except (OSError, ValueError):
                continue
            if callable(handler):
                replaced[signum] = handler  # noted first: put back whatever happens next
                signal.signal(signum, wrapper(handler))
        yield
    finally:
        holding[0] = False
        for number, original in replaced.items():
            signal.signal(number, original)
        for number in pending:
            signal.raise_signal(number)
