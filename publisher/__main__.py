"""``python -m publisher``: the command line, with Ctrl-C and SIGTERM handled from the first
import on (``cli.main`` then puts its own handler in place). What a stop says and its exit
status are ``signals``' (the CLI's too); that module imports nothing of publisher's but
itself, so the handler is in place before the CLI's imports begin."""

import signal
import sys

from .signals import Terminated, on_sigterm, stopped

signal.signal(signal.SIGTERM, on_sigterm)
try:
    from .cli import main
except (KeyboardInterrupt, Terminated) as exc:  # while Python was still loading: nothing was done
    line, code = stopped(exc)
    sys.stderr.write(line + "\n")
    sys.exit(code)

main()
