"""The make-up against the greedy placement it replaced, on editions without a layout.

    python benchmarks/makeup_bench.py [--only NAME ...] [--pages-big 64] [--feed FEED.json ...]

Editions: the sample without its layout, the seed page imported with ``publisher import
text`` (tests/fixtures/seeds/xianan-2019-10-page.txt, --paper xnrb), the typography stress
edition, the 16- and 64-版 benchmark editions without layouts (make_big_edition.py
--no-layout), a CMS feed whose front page holds more than a 版 imported with nothing but
--date (tests/fixtures/feeds/economy-daily-overfull.json: its articles jump), and any
``--feed`` given (a real feed to try by hand, imported the same way). For each: seconds
per 版 of measure + solve (median; cold = an empty measurement cache, warm = a second run
that reads it), white lines at the foot of each column, the share of 版 whose every column
ends within one body line of the foot, jumps and tombstones; and the same figures for the
greedy placement (publisher/makeup/greedy.py) on the same measurements. Prints the
machine's load, as timings on a shared machine move.
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_big_edition import make  # noqa: E402

from publisher.makeup import greedy  # noqa: E402
from publisher.makeup.geometry import Grid  # noqa: E402
from publisher.makeup.plan import items_of, make_up  # noqa: E402
from publisher.publish import load  # noqa: E402

SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"
SEED = ROOT / "tests" / "fixtures" / "seeds" / "xianan-2019-10-page.txt"
STRESS = ROOT / "tests" / "typeset" / "stress-edition"
FEED = ROOT / "tests" / "fixtures" / "feeds" / "economy-daily-overfull.json"


def without_layout(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    toml = dst / "edition.toml"
    text = toml.read_text("utf-8")
    if "layout = [" in text:
        text = text[:text.index("layout = [")].rstrip() + "\n"
        text = "\n".join(line for line in text.splitlines() if not line.startswith("# Print layout")
                         and not line.startswith("# its neighbours") and not line.startswith("# the order"))
    toml.write_text(text + "\n", "utf-8")
    return dst


def editions(tmp: Path, big: int, feeds: list[Path]) -> dict[str, Path]:
    out = {"sample (no layout)": without_layout(SAMPLE, tmp / "sample")}
    seed = tmp / "seed"
    _import(seed)
    out["seed page (imported)"] = seed
    out["stress edition"] = STRESS
    out["16 版 (no layout)"] = make(tmp / "big16", 16, layout=False)
    out[f"{big} 版 (no layout)"] = make(tmp / f"big{big}", big, layout=False)
    for n, feed in enumerate([FEED, *feeds]):
        target = tmp / f"feed{n}"
        _import_feed(feed, target)
        out[f"feed {feed.name} (imported, --date only)"] = target
    return out


def _import_feed(feed: Path, target: Path) -> None:
    import json

    from publisher.sources.importers import run_import
    date = json.loads(feed.read_text("utf-8")).get("date", "2026-06-12")
    run_import("json", feed, out=target, date=date, force=True)


def _import(target: Path) -> None:
    from publisher.sources.importers import run_import
    run_import("text", SEED, out=target, date="2019-10-21", paper="xnrb", force=True)


def run(path: Path, cache: Path):
    os.environ["PUBLISHER_CACHE"] = str(cache)
    edition, settings, fonts, _ = load(path)
    workers = min(settings.print.processes, len(edition.pages))
    t0 = time.perf_counter()
    made = make_up(edition, settings, fonts, workers=workers)
    total = time.perf_counter() - t0
    n = len(edition.pages)
    per = [made.measures.seconds / n + made.solve_seconds[p.number] for p in edition.pages]
    cpu = [made.measures.cpu / n + made.solve_cpu[p.number] for p in edition.pages]
    return edition, settings, made, total, (per, cpu)


def greedy_figures(edition, settings, made):
    out = []
    for page in edition.pages:
        grid = Grid.for_page(settings.print, page.number)
        items = [i for i in items_of(page, edition, settings)]
        out.append(greedy.place(items, grid, made.measures, page))
    return out


def figures(plans) -> dict:
    whites = [w for p in plans for w in p.white]
    return {"white lines per column (mean)": statistics.mean(whites) if whites else 0.0,
            "white lines per column (max)": max(whites, default=0),
            "版 with every column <= 1 line": sum(1 for p in plans if all(w <= 1 for w in p.white)),
            "jumps": sum(p.jumps for p in plans), "tombstones": sum(p.tombstones for p in plans)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="names to run (substrings)")
    ap.add_argument("--pages-big", type=int, default=64)
    ap.add_argument("--feed", nargs="*", type=Path, default=[], help="more JSON feeds to import")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        eds = editions(tmp, args.pages_big, args.feed)
        totals: dict[str, list] = {"makeup": [], "greedy": []}
        for name, path in eds.items():
            if args.only and not any(o in name for o in args.only):
                continue
            cache = tmp / f"cache-{len(totals['makeup'])}"
            edition, settings, cold_made, cold_total, cold_per = run(path, cache)
            _, _, made, warm_total, warm_per = run(path, cache)
            g = greedy_figures(edition, settings, made)
            n = len(edition.pages)
            print(f"\n== {name}: {n} 版, {len(edition.articles)} articles")
            print(f"  measure + solve per 版, median wall (CPU): cold {statistics.median(cold_per[0]):.2f} s "
                  f"({statistics.median(cold_per[1]):.2f} s; galleys {cold_made.measures.seconds:.2f} s "
                  f"for {cold_made.measures.measured} measurements), warm "
                  f"{statistics.median(warm_per[0]):.2f} s ({statistics.median(warm_per[1]):.2f} s; "
                  f"{made.measures.cached} from the cache); solve alone "
                  f"{statistics.median(made.solve_seconds.values()):.2f} s "
                  f"({statistics.median(made.solve_cpu.values()):.2f} s); whole make-up cold "
                  f"{cold_total:.1f} s, warm {warm_total:.1f} s")
            slow = max(made.solve_seconds, key=lambda k: made.solve_seconds[k])
            print(f"  slowest 版 (warm): 第{slow}版, solve {made.solve_seconds[slow]:.2f} s "
                  f"({made.solve_cpu[slow]:.2f} s CPU; a 版 that must jump is solved again with "
                  f"jumps allowed)")
            mine, base = figures(made.plans), figures([r.plan for r in g])
            over = sum(r.over for r in g)
            for key in mine:
                print(f"  {key:34} make-up {mine[key]:>7.2f}   greedy {base[key]:>7.2f}")
            print(f"  {'lines over (greedy: a build error)':34} make-up "
                  f"{sum(1 for p in made.problems if p.code == 'overflow'):>7}   greedy {over:>7}")
            print("  solver status: " + ", ".join(sorted({p.status for p in made.plans})))
            totals["makeup"] += made.plans
            totals["greedy"] += [r.plan for r in g]
        allm, allg = figures(totals["makeup"]), figures(totals["greedy"])
        n = len(totals["makeup"])
        print(f"\n== all {n} 版: make-up {allm['版 with every column <= 1 line']} "
              f"({100 * allm['版 with every column <= 1 line'] / max(1, n):.0f} %) with every column "
              f"within one line of the foot, greedy {allg['版 with every column <= 1 line']}; "
              f"tombstones {allm['tombstones']} vs {allg['tombstones']}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
