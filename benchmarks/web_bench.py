"""Benchmark: how much the web edition adds to the time of a PRINT build, on a 16-版 edition.

The web edition is made from the print pages (its 版 images and hot zones are made by the
print workers from each 版's page PDF and the layout they record while writing it), so the reference is the print
build: ``--format print`` against ``--format print --format web`` (which also makes the
issue's pages, fonts, feeds, catalogs and search index: a site of the one issue). The
benchmark edition is ``benchmarks/make_big_edition.py``: the sample 版 sixteen times, a
16-page broadsheet issue of 144 articles. Its copy repeats on every 版, so even a cold build
measures each galley and shapes each line once for the whole issue, not once a 版;
``--distinct`` gives every 版 copy of its own (make_big_edition.py --distinct), for cold
figures nearer a real issue's.

Both builds are timed **cold** (an empty cache folder for each run: the make-up's measures,
the rendered 版 and their web images all made anew, as in the first build of an issue) and
**cached** (the caches filled by an earlier build of the same formats: a rebuild of an issue
whose pages did not change, e.g. for ``publisher site``); the issue's goal is about the
cold build, like against like. Each configuration is built in-process after one warm-up
build, into a fresh folder, ``--runs`` times, the configurations taking turns so that load
from other processes falls on all alike; medians of wall-clock time and of CPU time (this
process and its children: the print workers, Pagefind) are reported, the machine's load
average after each build, and the ratios the issue asks for.

    PYTHONPATH=. .venv/bin/python benchmarks/web_bench.py [--pages 16] [--runs 3] [--distinct]
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

CONFIGS = {"print cold": (["print"], "cold"), "print+web cold": (["print", "web"], "cold"),
           "print cached": (["print"], "warm"), "print+web cached": (["print", "web"], "warm")}
PAIRS = (("print+web cold", "print cold"), ("print+web cached", "print cached"))


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (workers, Pagefind)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# the steps of a build: (config, step) -> [(wall, CPU with children)], one per build
PARTS: dict[tuple[str, str], list[tuple[float, float]]] = {}
BUILD: dict[str, list[float]] = {}  # the build under way: step -> [wall, CPU]


def _instrument() -> None:
    """Time the steps of a build, summed per build (the image workers' and Pagefind's time
    is in the children's CPU, counted when they end)."""
    import publisher.publish as publish
    import publisher.web.build as build

    def timing(module, attr, name):
        fn = getattr(module, attr)

        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = BUILD.setdefault(name, [0.0, 0.0])
                spent[0] += time.perf_counter() - wall
                spent[1] += _cpu() - cpu
        setattr(module, attr, wrapper)

    timing(publish, "_print", "print pages (with 版 images and zones for web)")
    timing(build, "zones_of", "zones (read from the workers' files)")
    timing(build, "issue_pages", "issue pages (HTML)")
    timing(build, "font_files", "font subsets")
    timing(build, "index_files", "indexes, feeds, catalogs")
    timing(build, "index_pages", "search index (Pagefind)")
    timing(publish, "write_outputs", "writing the outputs")


def timed(edition: Path, formats: list[str], cache: str | None, caches: Path,
          config: str = "") -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one build into a fresh folder; its steps' times go to
    PARTS under ``config``."""
    from publisher.publish import publish

    folder = (Path(tempfile.mkdtemp(prefix="cold-", dir=caches)) if cache == "cold"
              else caches / ("warm-" + "-".join(formats)))
    os.environ["PUBLISHER_CACHE"] = str(folder)
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    BUILD.clear()
    try:
        wall, cpu = time.perf_counter(), _cpu()
        publish(edition, out, formats)
        return time.perf_counter() - wall, _cpu() - cpu
    finally:
        for step, spent in BUILD.items():
            PARTS.setdefault((config, step), []).append((spent[0], spent[1]))
        shutil.rmtree(out)
        if cache == "cold":
            shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--distinct", action="store_true",
                        help="each 版 its own copy (make_big_edition.py --distinct), not the sample's again")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ed-") as tmp:
        edition = make_edition(Path(tmp) / "edition", args.pages, distinct_copy=args.distinct)
        caches = Path(tmp) / "caches"
        caches.mkdir()
        _instrument()
        for formats in (["print"], ["print", "web"]):  # fonts, WeasyPrint; fills the warm caches
            timed(edition, formats, "warm", caches, "warm-up")
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in CONFIGS}
        for i in range(args.runs):
            # alternate the order, so a load spike does not always hit the same one
            order = list(CONFIGS) if i % 2 == 0 else list(reversed(CONFIGS))
            for name in order:
                formats, cache = CONFIGS[name]
                runs[name].append(timed(edition, formats, cache, caches, name))
                print(f"  {name}: {runs[name][-1][0]:.1f} s wall, {runs[name][-1][1]:.1f} s CPU, "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
        wall = {n: statistics.median(r[0] for r in rs) for n, rs in runs.items()}
        cpu = {n: statistics.median(r[1] for r in rs) for n, rs in runs.items()}
        print(f"{args.pages}-page edition, {args.runs} runs each, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
        for name in CONFIGS:
            print(f"{name:17} wall {wall[name]:6.2f} s  cpu {cpu[name]:6.2f} s  runs (wall/cpu) "
                  + " ".join(f"{w:.1f}/{c:.1f}" for w, c in runs[name]))
        for (config, step), parts in sorted(PARTS.items()):
            if config != "warm-up":
                print(f"  {config:17} {step:45} wall {statistics.median(p[0] for p in parts):6.2f} s  "
                      f"cpu {statistics.median(p[1] for p in parts):6.2f} s")
        for label, m in (("wall", wall), ("cpu", cpu)):
            for web, base in PAIRS:
                ratio = m[web] / m[base]
                print(f"{label}: {web} / {base} = {ratio:.3f} (the web edition adds "
                      f"{100 * (ratio - 1):.1f} %; the goal is at most 30 %)")


if __name__ == "__main__":
    main()
