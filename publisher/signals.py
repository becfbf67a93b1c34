"""Signal handlers held back for a few steps that must not be cut in two.

Used where the engine changes what every later render relies on (its load, its patches),
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
