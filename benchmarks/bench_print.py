"""Time the print build: serial (1 worker) against parallel (the house's workers).

    python benchmarks/bench_print.py [EDITION] [--runs 5] [--pages 16]

Without EDITION, a 16-page edition is made with make_big_edition.py. Prints the median
wall time of each mode and their ratio (the issue asks parallel <= 0.65 x serial).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from publisher.publish import load  # noqa: E402


def time_build(edition_dir: Path, workers: int, runs: int) -> list[float]:
    from publisher.printing.build import build_print

    edition, settings, fonts, _ = load(edition_dir)
    settings = settings.model_copy(update={"print": settings.print.model_copy(update={"workers": workers})})
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        build_print(edition, settings, fonts)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("edition", nargs="?", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        edition = args.edition
        if edition is None:
            from make_big_edition import make

            edition = make(Path(tmp) / "big", args.pages)
        serial = time_build(edition, 1, args.runs)
        parallel = time_build(edition, args.workers, args.runs)
    s, p = statistics.median(serial), statistics.median(parallel)
    print(f"edition: {edition}")
    print(f"serial   (1 worker):  median {s:.2f} s  runs {[round(t, 2) for t in serial]}")
    print(f"parallel ({args.workers} workers): median {p:.2f} s  runs {[round(t, 2) for t in parallel]}")
    print(f"ratio parallel/serial: {p / s:.2f}")


if __name__ == "__main__":
    main()
