"""Time the print build: serial (1 worker) against parallel (the house's workers).

    python benchmarks/bench_print.py [EDITION] [--runs 5] [--pages 16]

Without EDITION, a 16-page edition is made with make_big_edition.py. Prints the median
wall time of each mode and their ratio (the issue asks parallel <= 0.65 x serial).
Every 版 is rendered in every run: the page cache is off (the make-up's cache is warm after
the first run, as in a newsroom's rebuilds; ``makeup_bench.py`` times the make-up).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, arguments, big_edition, cpu, load_average

sys.path.insert(0, str(ROOT))

from publisher.publish import load


def build_once(edition_dir: Path, workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one print build."""
    from publisher.printing.build import build_print

    edition, settings, fonts, _ = load(edition_dir)
    # the page cache off: a 版 taken from it would time reading a file, not rendering
    settings = settings.model_copy(update={"print": settings.print.model_copy(
        update={"workers": workers, "cache": False})})
    c0, t0 = cpu(), time.perf_counter()
    build_print(edition, settings, fonts)
    return time.perf_counter() - t0, cpu() - c0


def main() -> None:
    args = arguments(__doc__, runs=5, pages=16, edition=True, workers=True).parse_args()
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        edition = args.edition or big_edition(Path(tmp), args.pages)
        build_once(edition, 1)  # warm-up: imports, fontconfig cache, the make-up's cache
        serial, parallel = [], []
        # Interleaved, so that load from other processes falls on both modes alike.
        for _ in range(args.runs):
            serial.append(build_once(edition, 1))
            parallel.append(build_once(edition, args.workers))
    s = statistics.median(t for t, _ in serial)
    p = statistics.median(t for t, _ in parallel)
    print(f"edition: {edition}; load average before: {load_before}, after: {load_average()}")
    for name, runs in (("serial   (1 worker)", serial), (f"parallel ({args.workers} workers)", parallel)):
        print(f"{name}: median {statistics.median(t for t, _ in runs):.2f} s wall, "
              f"{statistics.median(c for _, c in runs):.2f} s CPU; "
              f"runs {[round(t, 2) for t, _ in runs]}")
    print(f"ratio parallel/serial (wall): {p / s:.2f}")


if __name__ == "__main__":
    main()
