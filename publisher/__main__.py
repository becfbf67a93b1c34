"""``python -m publisher``: the command line, with Ctrl-C handled from the first import on."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # pressed while Python was still loading: nothing was done
    sys.stderr.write("interrupted; nothing was written.\n")
    sys.exit(130)

main()
