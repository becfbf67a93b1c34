"""The reading PDF rendered as one document against 版 by 版 in one and in N workers.

    python benchmarks/reading_parallel.py [EDITION] [--pages 64] [--runs 3] [--workers 2]

Without EDITION, a --pages 版 edition is made with make_big_edition.py. Each run is a
process of its own (so that its peak memory is its own), the modes interleaved so that load
from other processes falls on each alike: ``whole`` (``by_page = false``, one process),
``by-1`` (by 版, one process) and ``by-N`` (by 版, N workers). Prints, per mode, the median
wall time, the median CPU seconds of the parent and of its workers together, the peak
resident memory of the parent and of the largest worker, the ratios of the medians against
``whole`` and against ``by-1`` (the issue asks by-N <= 0.6 x one process, on an idle
machine), the load average before and after, and whether the by-1 and by-N files were the
same bytes.

The hashes printed are the files' SHA-256 (the first 12 hex digits of what ``sha256sum``
prints), of the by-版 file and of the one document. These are two files by design: by 版
gives the same bytes whatever the number of workers, but not the one document's bytes
(another object order, read the same: docs/reading.md, tests/test_reading_by_page.py); a
plain build renders the one document unless the house sets ``by_page``. Until 2026-12-07
this script printed the SHA-256 of the by-1 runs' hex digest (a hash of the hash), not the
file's: the 16-版 by-版 file 5b2c6f0d06f2… printed as 9bca71331c0f…, which looked like a
file other than a plain script's.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SAMPLE, arguments, big_edition, load_average, medians, run_fresh

ONE_RUN = """
import hashlib, json, os, resource, sys, time
from pathlib import Path
from publisher.publish import load
from publisher.reading import reading_render
edition, settings, fonts, _ = load(Path(sys.argv[1]))
settings = settings.model_copy(update={
    "reading": settings.reading.model_copy(update={"by_page": sys.argv[2] == "by"}),
    "print": settings.print.model_copy(update={"workers": int(sys.argv[3])})})
t0, c0 = time.perf_counter(), os.times()
pdf = reading_render(edition, settings, fonts).pdf
t1, c1 = time.perf_counter(), os.times()
print(json.dumps({
    "wall": t1 - t0,
    "cpu": (c1.user - c0.user) + (c1.system - c0.system)
           + (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system),
    "rss_parent": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rss_worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "sha": hashlib.sha256(pdf).hexdigest()}))
"""


def main() -> None:
    args = arguments(__doc__, runs=3, pages=64, edition=True, workers=True).parse_args()
    load_before = load_average()
    modes = {"whole": ("whole", 1), "by-1": ("by", 1), f"by-{args.workers}": ("by", args.workers)}
    results: dict[str, list[dict]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory() as tmp:
        edition = args.edition or big_edition(Path(tmp), args.pages)
        run_fresh(ONE_RUN, SAMPLE, "by", 2)  # warm-up: caches, file system
        for _ in range(args.runs):
            for mode, (how, workers) in modes.items():
                results[mode].append(run_fresh(ONE_RUN, edition, how, workers))
    median = {m: medians(rs, ("wall", "cpu", "rss_parent", "rss_worker")) for m, rs in results.items()}
    print(f"edition: {edition if args.edition else f'{args.pages} 版 (make_big_edition)'}, "
          f"{args.runs} interleaved runs a mode, load average before {load_before}, after {load_average()}")
    parallel = f"by-{args.workers}"
    for mode, m in median.items():
        print(f"{mode:>6}: wall {m['wall']:6.1f} s (x{m['wall'] / median['whole']['wall']:.2f} whole, "
              f"x{m['wall'] / median['by-1']['wall']:.2f} by-1), CPU {m['cpu']:6.1f} s "
              f"(x{m['cpu'] / median['whole']['cpu']:.2f} whole), peak RSS parent {m['rss_parent']:.0f} MB, "
              f"largest worker {m['rss_worker']:.0f} MB")
    shas = {mode: sorted({r["sha"] for r in rs}) for mode, rs in results.items()}
    same = shas["by-1"] == shas[parallel] and len(shas["by-1"]) == 1

    def files(mode: str) -> str:  # each distinct file's SHA-256, as sha256sum begins it
        return ", ".join(sha[:12] for sha in shas[mode])

    print(f"by-1 and {parallel}: {'the same bytes' if same else 'DIFFERENT bytes'} (sha256 by-1 "
          f"{files('by-1')}; {parallel} {files(parallel)}); whole, another file by design: "
          f"sha256 {files('whole')}")


if __name__ == "__main__":
    main()
