"""Benchmark: how much archiving adds to the time of a PRINT build, on a 16-版 edition.

The archive is made from the print pages (one page PDF and one ALTO per 版, from the
layout the print workers record while writing each page), so the reference is the print
build: ``--format print`` against ``--format print --format archive``. The benchmark
edition is ``benchmarks/make_big_edition.py``: the sample 版 sixteen times (every 版 the
real page's nine articles under new slugs), a 16-page broadsheet issue; ``--distinct``
gives every 版 copy of its own (make_big_edition.py --distinct: the repeated copy is
measured and shaped once for the whole issue).

Each configuration is built in-process after one warm-up build (fonts and WeasyPrint
loaded), into a fresh folder, ``--runs`` times, the configurations taking turns so that
load from other processes falls on both alike; the medians of wall-clock time and of CPU
time (this process and its print workers) are reported, and the ratio the issue asks for:
print+archive / print, which must stay under 1.30.

    PYTHONPATH=. .venv/bin/python benchmarks/archive_bench.py [--pages 16] [--runs 3] [--distinct]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_big_edition import make as make_edition  # noqa: E402

CONFIGS = {"print": ["print"], "print+archive": ["print", "archive"]}


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the print workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


PARTS: dict[str, list[float]] = {}  # what the archive adds in this process, CPU seconds


def _instrument() -> None:
    """Time the steps only an archive build runs (EPUB for the bag, the bag itself)."""
    import publisher.archive as archive
    import publisher.publish as publish

    def timing(name, fn):
        def wrapper(*args, **kwargs):
            t = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                PARTS.setdefault(name, []).append(time.process_time() - t)
        return wrapper

    # as the build calls them: publish holds build_epub by name (patching publisher.epub's
    # timed nothing, and "EPUB for the bag" went unprinted); it imports build_archive when called
    publish.build_epub = timing("EPUB for the bag", publish.build_epub)
    archive.build_archive = timing("bag: PDF/A, ALTO, METS, NITF, manifests", archive.build_archive)


def timed(edition: Path, formats: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one build into a fresh folder."""
    from publisher.publish import publish

    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    try:
        wall, cpu = time.perf_counter(), _cpu()
        publish(edition, out, formats)
        return time.perf_counter() - wall, _cpu() - cpu
    finally:
        shutil.rmtree(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--distinct", action="store_true",
                        help="each 版 its own copy (make_big_edition.py --distinct), not the sample's again")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ed-") as tmp:
        edition = make_edition(Path(tmp) / "edition", args.pages, distinct_copy=args.distinct)
        timed(edition, ["print"])  # warm-up: fonts, WeasyPrint, caches
        _instrument()
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in CONFIGS}
        for i in range(args.runs):
            # alternate which goes first, so a load spike does not always hit the same one
            order = list(CONFIGS) if i % 2 == 0 else list(reversed(CONFIGS))
            for name in order:
                runs[name].append(timed(edition, CONFIGS[name]))
        wall = {n: statistics.median(r[0] for r in rs) for n, rs in runs.items()}
        cpu = {n: statistics.median(r[1] for r in rs) for n, rs in runs.items()}
        print(f"{args.pages}-page edition, {args.runs} runs each, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for name in CONFIGS:
            print(f"{name:14} wall {wall[name]:6.2f} s  cpu {cpu[name]:6.2f} s  runs (wall/cpu) "
                  + " ".join(f"{w:.1f}/{c:.1f}" for w, c in runs[name]))
        for name, times in PARTS.items():
            print(f"  of which {name}: median {statistics.median(times):.2f} s CPU")
        for label, m in (("wall", wall), ("cpu", cpu)):
            ratio = m["print+archive"] / m["print"]
            print(f"{label}: print+archive / print = {ratio:.3f} "
                  f"(archiving adds {100 * (ratio - 1):.1f} %; the goal is under 30 %)")


if __name__ == "__main__":
    main()
