"""The print 版's render CPU, make-up apart: what issue 20 asks to be ≤ 0.6 s a broadsheet page.

    python benchmarks/print_render.py [--pages 16] [--runs 3] [--baseline CHECKOUT] [--profile OUT]

A generated edition (make_big_edition.py) is made up first, in the same process and not
counted; then every 版 is rendered in that process (one worker, no page cache), and the CPU
seconds spent in the render of the 版 (lay out, check, draw, write the PDF, prepare it for
print: ``printing.build._render``) are summed. The join of the issue is not counted. Each
run is a fresh process; with ``--baseline`` (another checkout of publisher, e.g. ``git
archive main | tar -x -C /tmp/main`` with the fonts linked in) its runs are interleaved with
this checkout's, and the ratio of the medians is printed. ``--profile OUT`` writes a cProfile
(CPU time) of this checkout's renders of one more run, for pstats. The load average is
printed before and after.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, arguments, big_edition, load_average, run_fresh

# Runs in a fresh process with the checkout first on the path: one JSON line.
_CHILD = r"""
import cProfile, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
edition_dir, profile = Path(sys.argv[1]), sys.argv[2]
from publisher.makeup import make_up
from publisher.printing import build
from publisher.publish import load
edition, settings, fonts, _ = load(edition_dir)
settings = settings.model_copy(update={{"print": settings.print.model_copy(update={{"workers": 1, "cache": False}})}})
makeup = make_up(edition, settings, fonts, workers=1)
spent, render = [0.0], build._render
profiler = cProfile.Profile(time.process_time) if profile else None
def timed(work):
    start = time.process_time()
    if profiler: profiler.enable()
    try:
        return render(work)
    finally:
        if profiler: profiler.disable()
        spent[0] += time.process_time() - start
build._render = timed
build.build_print(edition, settings, fonts, makeup=makeup)
if profiler: profiler.dump_stats(profile)
print(json.dumps(dict(cpu=spent[0], pages=len(makeup.plans),
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def one(checkout: Path, edition: Path, profile: str = "") -> dict:
    return run_fresh(_CHILD.format(root=str(checkout)), edition, profile, checkout=checkout)


def main() -> None:
    ap = arguments(__doc__, runs=3, pages=16, baseline=True)
    ap.add_argument("--profile", type=Path, help="write a CPU-time cProfile of one more run here")
    args = ap.parse_args()
    checkouts = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        edition = big_edition(Path(tmp), args.pages)
        runs: dict[str, list[dict]] = {name: [] for name in checkouts}
        for i in range(args.runs):
            for name, checkout in reversed(checkouts.items()):  # the baseline first in each pair
                r = one(checkout, edition)
                runs[name].append(r)
                print(f"run {i + 1} {name:8} render CPU {r['cpu']:6.2f} s, {r['cpu'] / r['pages']:.3f} s a 版, "
                      f"peak {r['peak_mb']:.0f} MB (load {os.getloadavg()[0]:.2f})", flush=True)
        if args.profile:
            one(ROOT, edition, str(args.profile))
    medians = {name: statistics.median(r["cpu"] / r["pages"] for r in rs) for name, rs in runs.items()}
    for name, median in medians.items():
        print(f"{name:8} median render CPU {median:.3f} s a 版 ({args.pages} 版, {args.runs} runs)")
    if "baseline" in medians:
        print(f"this / baseline: {medians['this'] / medians['baseline']:.2f}")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
