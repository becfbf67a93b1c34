"""Time `publisher build --format epub` against `--format pdf` on the same edition.

    python benchmarks/epub_bench.py [EDITION] [--runs 3] [--pages 64] [--cold] [--before DIR]

Without EDITION, a 64-版 edition is made with make_big_edition.py. Each run is a whole
`publisher build` process, as a user starts it, the two formats alternating so that both
meet the same load; each into a fresh output folder. Prints, for each format, the median
wall time and the median CPU time (user + system of the build process and its children),
the EPUB's size, their ratios (issue 19 asks EPUB <= 0.2 x PDF), and the machine's load
average before and after. An EPUB-only build lays out the front 版 alone for its cover and
no reading PDF: the ratio is what that saves.

``--cold``: every build with an empty cache of its own (``PUBLISHER_CACHE``), as a first
build on a new machine: the EPUB-only build then measures and solves the whole issue for
its jumps. ``--before DIR``: a checkout of the code to compare with (``git worktree add DIR
main``, or ``git archive``), whose EPUB-only build is timed too, in the same rounds
(``epub-before``; run with that checkout first on PYTHONPATH).
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


def run(edition: Path, fmt: str, out: Path, cache: Path | None = None,
        code: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `publisher build EDITION --format FMT` (``cache``:
    its PUBLISHER_CACHE; ``code``: the publisher to run, first on PYTHONPATH)."""
    env = dict(os.environ)
    if cache is not None:
        env["PUBLISHER_CACHE"] = str(cache)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*PUBLISHER, "build", str(edition), "--out", str(out), "--format", fmt],
                   check=True, capture_output=True, env=env, cwd=code)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("edition", nargs="?", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pages", type=int, default=64)
    ap.add_argument("--cold", action="store_true", help="an empty make-up and page cache for every build")
    ap.add_argument("--before", type=Path, help="a checkout of the code before: its EPUB-only build timed too")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="epub-bench-") as tmp:
        edition = args.edition or make(Path(tmp) / "edition", args.pages)
        load_before = os.getloadavg()
        kinds = ["epub", "pdf", *(["epub-before"] if args.before else [])]
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
        size = 0
        for i in range(args.runs):
            for kind in kinds if i % 2 == 0 else kinds[::-1]:
                out = Path(tmp) / f"out-{kind}-{i}"
                cache = Path(tmp) / f"cache-{kind}-{i}" if args.cold else None
                fmt = kind.split("-")[0]
                times[kind].append(run(edition, fmt, out, cache,
                                       args.before.resolve() if kind == "epub-before" else None))
                if kind == "epub":
                    size = next(out.glob("*/*.epub")).stat().st_size
        load_after = os.getloadavg()
    wall = {f: statistics.median(w for w, _ in t) for f, t in times.items()}
    cpu = {f: statistics.median(c for _, c in t) for f, t in times.items()}
    print(f"edition: {edition.name if args.edition else f'{args.pages} 版 (make_big_edition.py)'}; "
          f"median of {args.runs} whole `publisher build` processes, alternating; "
          + ("every build with an empty cache" if args.cold else "the user's caches"))
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'build':12} {'wall s':>8} {'cpu s':>8}  runs (wall / cpu s)")
    for f in kinds:
        print(f"{f:12} {wall[f]:8.2f} {cpu[f]:8.2f}  {', '.join(f'{w:.2f} / {c:.2f}' for w, c in times[f])}")
    for f in kinds[::2]:
        print(f"ratio {f} / pdf: wall {wall[f] / wall['pdf']:.3f}, cpu {cpu[f] / cpu['pdf']:.3f} (goal <= 0.2)")
    print(f"EPUB {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
