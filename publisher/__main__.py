"""``python -m publisher``: the command line, with Ctrl-C and SIGTERM handled from the first
import on (``cli.main`` then puts its own handler in place)."""

import signal
import sys


class _Terminated(SystemExit):
    pass


def _on_sigterm(signum, frame):
    raise _Terminated(143)


signal.signal(signal.SIGTERM, _on_sigterm)
try:
    from .cli import main
except KeyboardInterrupt:  # pressed while Python was still loading: nothing was done
    sys.stderr.write("interrupted; nothing was written.\n")
    sys.exit(130)
except _Terminated:
    sys.stderr.write("terminated; nothing was written.\n")
    sys.exit(143)

main()
