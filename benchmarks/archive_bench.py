"""Benchmark: how much archiving adds to the time of a PDF build, on a 16-版 edition.

The benchmark edition is made from the sample: its 版 repeated 16 times (articles copied
under new slugs, so every 版 holds the real page's nine articles; the seed page is one
broadsheet page, so this is the size of a 16-page issue). Until the print layout lands,
the PDF build measured is the reading PDF (the archive then takes its pages from it).

Each configuration is built in-process after one warm-up build (fonts and WeasyPrint
loaded), into a fresh folder, ``--runs`` times, the configurations taking turns so that
load from other processes falls on all of them alike; the medians of wall-clock and of
process CPU time are reported (CPU time is the steadier figure on a shared machine; the
wall clock also counts the fsyncs of writing).

    PYTHONPATH=. .venv/bin/python scripts/bench_archive.py [--pages 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_big_edition import make as make_edition  # noqa: E402


def timed(edition: Path, formats: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one build into a fresh folder."""
    from publisher.publish import publish

    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        publish(edition, out, formats)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        shutil.rmtree(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ed-") as tmp:
        edition = make_edition(Path(tmp) / "edition", args.pages)
        timed(edition, ["pdf"])  # warm-up: fonts, WeasyPrint, caches
        configs = {"pdf": ["pdf"], "pdf+archive": ["pdf", "archive"],
                   "epub+pdf": ["epub", "pdf"], "epub+pdf+archive": ["epub", "pdf", "archive"]}
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in configs}
        for _ in range(args.runs):
            for name, formats in configs.items():
                runs[name].append(timed(edition, formats))
        wall = {n: statistics.median(r[0] for r in rs) for n, rs in runs.items()}
        cpu = {n: statistics.median(r[1] for r in rs) for n, rs in runs.items()}
        for name in configs:
            print(f"{name:18} wall {wall[name]:6.2f} s  cpu {cpu[name]:6.2f} s  runs (wall/cpu) "
                  + " ".join(f"{w:.1f}/{c:.1f}" for w, c in runs[name]))
        for base, more in (("pdf", "pdf+archive"), ("epub+pdf", "epub+pdf+archive")):
            for label, m in (("wall", wall), ("cpu", cpu)):
                extra = m[more] - m[base]
                print(f"archive adds {extra:5.2f} s {label} = {100 * extra / m[base]:5.1f} % "
                      f"to the {base} build")


if __name__ == "__main__":
    main()
