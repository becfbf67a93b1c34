"""The print 版's render CPU, make-up apart: what issue 20 asks to be ≤ 0.6 s a broadsheet page.

    python benchmarks/print_render.py [--pages 16] [--runs 3] [--baseline CHECKOUT] [--profile OUT] [--stages]

A generated edition (make_big_edition.py) is made up first, in the same process and not
counted; then every 版 is rendered in that process (one worker, no page cache), and the CPU
seconds spent in the render of the 版 (lay out, check, draw, write the PDF, prepare it for
print: ``printing.build._render``) are summed. The join of the issue is not counted, nor the
process's one import of WeasyPrint (loaded before the first 版 and reported apart: with the
make-up's cache warm it used to fall in the first render, 4-7 % of 16 版). Each
run is a fresh process; with ``--baseline`` (another checkout of publisher, e.g. ``git
archive main | tar -x -C /tmp/main`` with the fonts linked in) its runs are interleaved with
this checkout's, and the ratio of the medians is printed. ``--profile OUT`` writes a cProfile
(CPU time) of this checkout's renders of one more run, for pstats. ``--stages`` times each
stage of the renders (wrappers with ``time.process_time`` around WeasyPrint's and publisher's
steps, each stage's time without the stages inside it) and prints their medians a 版. The
load average is printed before and after.
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
edition_dir, profile, by_stage = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "stages"
from publisher.makeup import make_up
from publisher.printing import build
from publisher.publish import load
edition, settings, fonts, _ = load(edition_dir)
settings = settings.model_copy(update={{"print": settings.print.model_copy(update={{"workers": 1, "cache": False}})}})
makeup = make_up(edition, settings, fonts, workers=1)
# WeasyPrint is imported once a process (in the make-up when its cache is cold, else by the
# first render): loaded here, and its CPU reported apart, so that no 版 is charged for it
start = time.process_time()
build.load(fonts)
loaded = time.process_time() - start
stages, inside = {{}}, []
def stage(owner, name, label):
    # CPU of each call, less that of the stages inside it, added to the stage's total
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        inside.append(0.0)
        try:
            return original(*args, **kwargs)
        finally:
            took = time.process_time() - start
            stages[label] = stages.get(label, 0.0) + took - inside.pop()
            if inside: inside[-1] += took
    setattr(owner, name, wrapper)
if by_stage:
    import pydyf, weasyprint as wp, weasyprint.document as wd, weasyprint.pdf as wpdf
    for owner, name, label in (
            (wp.HTML, "__init__", "HTML parse"), (wp.CSS, "__init__", "CSS parse"),
            (wd, "get_all_computed_styles", "cascade"), (wd, "build_formatting_structure", "boxes"),
            (wd.Document, "_render", "layout (the rest of the render)"),
            (build, "check_plan", "checks"), (build, "check_furniture", "checks"),
            (wd.Page, "paint", "paint"), (wpdf, "build_fonts_dictionary", "font subsets"),
            (pydyf.PDF, "write", "PDF writing (pydyf, zlib)"), (build, "prepare", "prepare for print (pikepdf)"),
            (build, "_render", "the rest")):
        stage(owner, name, label)
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
print(json.dumps(dict(cpu=spent[0], pages=len(makeup.plans), load=loaded, stages=stages,
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def one(checkout: Path, edition: Path, profile: str = "", stages: bool = False) -> dict:
    return run_fresh(_CHILD.format(root=str(checkout)), edition, profile, "stages" if stages else "",
                     checkout=checkout)


def main() -> None:
    ap = arguments(__doc__, runs=3, pages=16, baseline=True)
    ap.add_argument("--profile", type=Path, help="write a CPU-time cProfile of one more run here")
    ap.add_argument("--stages", action="store_true",
                    help="also time each stage of a 版's render (WeasyPrint's and publisher's steps)")
    args = ap.parse_args()
    checkouts = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        edition = big_edition(Path(tmp), args.pages)
        runs: dict[str, list[dict]] = {name: [] for name in checkouts}
        for i in range(args.runs):
            for name, checkout in reversed(checkouts.items()):  # the baseline first in each pair
                r = one(checkout, edition, stages=args.stages)
                runs[name].append(r)
                print(f"run {i + 1} {name:8} render CPU {r['cpu']:6.2f} s, {r['cpu'] / r['pages']:.3f} s a 版, "
                      f"peak {r['peak_mb']:.0f} MB, WeasyPrint imported apart in {r['load']:.2f} s "
                      f"(load {os.getloadavg()[0]:.2f})", flush=True)
        if args.profile:
            one(ROOT, edition, str(args.profile))
    medians = {name: statistics.median(r["cpu"] / r["pages"] for r in rs) for name, rs in runs.items()}
    for name, median in medians.items():
        print(f"{name:8} median render CPU {median:.3f} s a 版 ({args.pages} 版, {args.runs} runs)")
    if "baseline" in medians:
        print(f"this / baseline: {medians['this'] / medians['baseline']:.2f}")
    if args.stages:
        names = list(checkouts)[::-1]
        print(f"CPU s a 版 by stage, medians: {'stage':32}" + "".join(f"{n:>10}" for n in names))
        for label in runs["this"][0]["stages"]:
            cells = [statistics.median(r["stages"].get(label, 0.0) / r["pages"] for r in runs[n]) for n in names]
            print(f"{'':30}{label:32}" + "".join(f"{c:10.3f}" for c in cells))
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
