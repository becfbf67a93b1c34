"""What the Chinese typography costs in instructions: the reading PDF's render of the
N-page benchmark edition with and without it, counted by valgrind (callgrind).

Wall and CPU time on a shared 2-core VM move by ±10 % from run to run and from process to
process (typography_cost.py interleaves its variants and takes medians, and still varies
by several points); an instruction count does not: the same code on the same input counts
the same to a few parts in a thousand (``PYTHONHASHSEED`` is fixed). That makes it the figure
to compare changes of the typography code by. It is not the time: Python's interpreter runs
fewer instructions per cycle than zlib or HarfBuzz, so the typography, which is mostly
Python, costs a larger share of the time than of the instructions (at the end of session 4:
5.9 % of the 4-page render's instructions, 12 % of the 16-page build's time in
typography_cost.py).

Each variant runs in a process of its own (``one`` below): it loads the edition, loads
WeasyPrint (which installs publisher.engine: its typeset pass and justification), switches the variant
on and renders the reading PDF once. A process that does all of it but the render is counted
too, and subtracted: what is left is the render alone.

    PYTHONPATH=. .venv/bin/python benchmarks/typography_instructions.py [--pages 4]

Needs valgrind (``apt-get install valgrind``); a 4-page render takes about 75 s under it,
two variants run at a time.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ["full", "no typeset pass", "no justification", "no typography"]


def one(variant: str, edition_dir: str) -> None:
    """Run inside valgrind: load, switch the variant on, render once (or not, for ``load``)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import typography_cost

    from publisher import engine
    from publisher.publish import load
    from publisher.reading import reading_render

    edition, settings, fonts, _ = load(Path(edition_dir))
    engine.load(fonts)
    with typography_cost.VARIANTS["full" if variant == "load" else variant]():
        gc.collect()
        if variant != "load":
            reading_render(edition, settings, fonts)


def count(variant: str, edition_dir: Path) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         __file__, "--one", variant, str(edition_dir)],
        env=env, capture_output=True, text=True, check=True)
    collected = re.search(r"Collected : (\d+)", done.stderr)
    assert collected, done.stderr[-2000:]
    return int(collected.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(*args.one)
        return 0
    if not shutil.which("valgrind"):
        print("needs valgrind: apt-get install valgrind", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from make_big_edition import make as make_big_edition

    with tempfile.TemporaryDirectory() as tmp:
        edition_dir = make_big_edition(Path(tmp) / "big", pages=args.pages)
        names = ["load", *VARIANTS]
        with ThreadPoolExecutor(2) as pool:
            counts = dict(zip(names, pool.map(lambda v: count(v, edition_dir), names), strict=True))
    base = counts["no typography"] - counts["load"]
    print(f"reading PDF render of {args.pages} pages, instructions (callgrind, PYTHONHASHSEED=0)")
    print(f"{'variant':<18} {'render':>15} {'ratio':>6} {'typography':>15}")
    for name in VARIANTS:
        render = counts[name] - counts["load"]
        print(f"{name:<18} {render:>15,} {render / base:6.3f} {render - base:>15,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
