"""Time the print build: serial (1 worker) against parallel (the house's workers).

    python benchmarks/bench_print.py [EDITION] [--runs 5] [--pages 16]

Without EDITION, a 16-page edition is made with make_big_edition.py. Prints the median
wall time of each mode and their ratio (the issue asks parallel <= 0.65 x serial).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from publisher.publish import load


def cpu() -> float:
    """CPU seconds used by this process and its finished children (the pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def build_once(edition_dir: Path, workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one print build."""
    from publisher.printing.build import build_print

    edition, settings, fonts, _ = load(edition_dir)
    settings = settings.model_copy(update={"print": settings.print.model_copy(update={"workers": workers})})
    c0, t0 = cpu(), time.perf_counter()
    build_print(edition, settings, fonts)
    return time.perf_counter() - t0, cpu() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("edition", nargs="?", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        edition = args.edition
        if edition is None:
            from make_big_edition import make

            edition = make(Path(tmp) / "big", args.pages)
        build_once(edition, 1)  # warm-up: imports, fontconfig cache, page cache
        serial, parallel = [], []
        # Interleaved, so that load from other processes falls on both modes alike.
        for _ in range(args.runs):
            serial.append(build_once(edition, 1))
            parallel.append(build_once(edition, args.workers))
    s = statistics.median(t for t, _ in serial)
    p = statistics.median(t for t, _ in parallel)
    print(f"edition: {edition}; load average before: {load_before}, after: {os.getloadavg()}")
    for name, runs in (("serial   (1 worker)", serial), (f"parallel ({args.workers} workers)", parallel)):
        print(f"{name}: median {statistics.median(t for t, _ in runs):.2f} s wall, "
              f"{statistics.median(c for _, c in runs):.2f} s CPU; "
              f"runs {[round(t, 2) for t, _ in runs]}")
    print(f"ratio parallel/serial (wall): {p / s:.2f}")


if __name__ == "__main__":
    main()
