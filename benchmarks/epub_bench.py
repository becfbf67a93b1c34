"""Time `publisher build --format epub` against `--format pdf` on the same edition.

    python benchmarks/epub_bench.py [EDITION] [--runs 3] [--pages 64]

Without EDITION, a 64-版 edition is made with make_big_edition.py. Each run is a whole
`publisher build` process, as a user starts it, the two formats alternating so that both
meet the same load; each into a fresh output folder. Prints, for each format, the median
wall time and the median CPU time (user + system of the build process and its children),
the EPUB's size, their ratios (issue 19 asks EPUB <= 0.2 x PDF), and the machine's load
average before and after. An EPUB-only build lays out the front 版 alone for its cover and
no reading PDF: the ratio is what that saves.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_big_edition import make  # noqa: E402

PUBLISHER = [sys.executable, "-m", "publisher"]


def run(edition: Path, fmt: str, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `publisher build EDITION --format FMT`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*PUBLISHER, "build", str(edition), "--out", str(out), "--format", fmt],
                   check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("edition", nargs="?", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pages", type=int, default=64)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="epub-bench-") as tmp:
        edition = args.edition or make(Path(tmp) / "edition", args.pages)
        load_before = os.getloadavg()
        times: dict[str, list[tuple[float, float]]] = {"epub": [], "pdf": []}
        size = 0
        for i in range(args.runs):
            for fmt in ("epub", "pdf") if i % 2 == 0 else ("pdf", "epub"):
                out = Path(tmp) / f"out-{fmt}-{i}"
                times[fmt].append(run(edition, fmt, out))
                if fmt == "epub":
                    size = next(out.glob("*/*.epub")).stat().st_size
        load_after = os.getloadavg()
    wall = {f: statistics.median(w for w, _ in t) for f, t in times.items()}
    cpu = {f: statistics.median(c for _, c in t) for f, t in times.items()}
    print(f"edition: {edition.name if args.edition else f'{args.pages} 版 (make_big_edition.py)'}; "
          f"median of {args.runs} whole `publisher build` processes, alternating")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'format':8} {'wall s':>8} {'cpu s':>8}  runs (wall s)")
    for f in ("epub", "pdf"):
        print(f"{f:8} {wall[f]:8.2f} {cpu[f]:8.2f}  {', '.join(f'{w:.2f}' for w, _ in times[f])}")
    print(f"ratio epub / pdf: wall {wall['epub'] / wall['pdf']:.3f}, cpu {cpu['epub'] / cpu['pdf']:.3f} "
          f"(goal <= 0.2); EPUB {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
