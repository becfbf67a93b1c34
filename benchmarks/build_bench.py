"""Build benchmark: the whole `publish` against WeasyPrint alone on the same final HTML.

For the sample edition and a generated 16-page edition (``--pages``; 1: the sample alone),
prints medians of N runs (after one warm-up run in the same process): the whole build (EPUB +
reading PDF, written to disk); the reading PDF alone (WeasyPrint's render of the reading
HTML, then its structure tree and XMP); their ratio; the reading PDF's CPU seconds (this
process's, which another helper's load on a shared machine disturbs far less than wall
time); peak memory of a fresh build process; EPUB and PDF sizes; the load average before and
after.

    python benchmarks/build_bench.py [--runs 5] [--pages 16]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_big_edition import SAMPLE, make as make_big_edition  # noqa: E402

from publisher.config import load_settings  # noqa: E402
from publisher.publish import load, publish  # noqa: E402
from publisher.reading import reading_pdf  # noqa: E402


def median_time(fn, runs: int, clock=time.perf_counter) -> float:
    fn()  # warm-up: imports, fontconfig cache, template compilation
    times = []
    for _ in range(runs):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def peak_memory_mb(edition: Path, out: Path) -> float:
    code = ("import resource, sys; from pathlib import Path; from publisher.publish import publish; "
            f"publish(Path({str(edition)!r}), Path({str(out)!r})); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return int(res.stdout.strip().splitlines()[-1]) / 1024


def bench(name: str, edition: Path, runs: int) -> dict:
    settings = load_settings()
    ed, settings, fonts, _ = load(edition, settings)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        whole = median_time(lambda: publish(edition, out, settings=settings), runs)
        floor = median_time(lambda: reading_pdf(ed, settings, fonts), runs)
        cpu = median_time(lambda: reading_pdf(ed, settings, fonts), runs, time.process_time)
        files = {p.suffix: p.stat().st_size for p in (out / ed.id).iterdir() if p.is_file()}
        peak = peak_memory_mb(edition, out / "peak")
    return dict(name=name, pages=len(ed.pages), articles=len(ed.articles), whole=whole,
                weasyprint=floor, ratio=whole / floor, cpu=cpu, peak_mb=peak,
                epub_kb=files.get(".epub", 0) / 1024, pdf_kb=files.get(".pdf", 0) / 1024)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=16,
                    help="版 of the generated edition (default 16; 1: the sample alone, as the sample is 1 版)")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    rows = [bench("sample", SAMPLE, args.runs)]
    if args.pages > 1:
        with tempfile.TemporaryDirectory() as tmp:
            big = make_big_edition(Path(tmp) / "big", args.pages)
            rows.append(bench(f"{args.pages}-page", big, args.runs))
    print(f"median of {args.runs} runs (after a warm-up), same process; peak memory of a fresh process; "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} CPUs")
    print(f"{'edition':10} {'pages':>5} {'arts':>5} {'build s':>8} {'pdf s':>8} {'ratio':>6} "
          f"{'pdf cpu s':>9} {'peak MB':>8} {'EPUB KB':>8} {'PDF KB':>8}")
    for r in rows:
        print(f"{r['name']:10} {r['pages']:5d} {r['articles']:5d} {r['whole']:8.2f} {r['weasyprint']:8.2f} "
              f"{r['ratio']:6.2f} {r['cpu']:9.2f} {r['peak_mb']:8.0f} {r['epub_kb']:8.0f} {r['pdf_kb']:8.0f}")


if __name__ == "__main__":
    main()
