"""The print build at newspaper scale (issue 20): workers, the page cache, the issue's size.

    python benchmarks/scale_bench.py [--pages 1 16 64] [--runs 3]

For the sample (1 版) and generated editions of 16 and 64 版 (make_big_edition.py), each
build in a fresh process (``publish`` with ``--format print``), interleaved so that the load of
other processes falls on every mode alike:

- **clean, 1 worker** and **clean, 2 workers**: the page cache and the make-up's plans
  empty (its measurement cache warm, as it is in a newsroom: its figures are the
  make-up's own), so every 版 is solved and rendered;
- **one article changed**: the cache holds the issue, one article of 第1版 is edited;
- **nothing changed**: the cache holds the issue.

Printed: the machine's load and cores, medians of wall and CPU seconds of ``publish`` (the
build process and its workers) and of the whole process (its start and imports too), peak
memory of the build process and of the largest worker, the ratios (2 workers / 1, changed /
clean, unchanged / clean) and the issue PDF's size; 2 workers / 1 also run by run (each
run's two clean builds, one after the other, with their CPU), and the median of those.

With one worker every 版 is rendered in the build's process, so the clean one-worker build
also gives issue 20's Done-when figure: **render CPU a 版** (the CPU of the renders,
``printing.build._render``, as ``print_render.py`` counts it), apart from the **make-up**'s
CPU (``make_up``: the 版 solved, their galleys' measurements warm) and from the rest of the
build's CPU a 版 (reading the edition, the page HTML, the photos, the issue's join, writing
the files). "build CPU a 版" is the whole build's CPU over the 版, which this benchmark
printed as "render CPU per 版" before: at 64 版 it counts about 0.1 s a 版 more than the
renders.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_big_edition import SAMPLE, make  # noqa: E402

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
import publisher.publish as published
from publisher.config import load_settings
from publisher.printing import build
from publisher.publish import publish
edition, out, workers, cache = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
s = load_settings()
s = s.model_copy(update={{"print": s.print.model_copy(update={{"workers": workers, "cache": cache}})}})
def cpu():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
spent = {{"render": 0.0, "makeup": 0.0}}
def counted(owner, name, what):
    # the CPU of each call added to ``what`` (with one worker, every 版 renders in this process)
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[what] += time.process_time() - start
    # pickled by reference, as the original: a pool's worker (forked) finds it in the module
    wrapper.__module__, wrapper.__qualname__ = owner.__name__, name
    setattr(owner, name, wrapper)
counted(build, "_render", "render")
counted(build, "make_up", "makeup")
counted(published, "make_up", "makeup")
messages = []
c, t = cpu(), time.perf_counter()
result = publish(edition, out, ["print"], settings=s, progress=messages.append)
wall, used = time.perf_counter() - t, cpu() - c
issue = next(f for f in result.files if f.name.endswith("-print.pdf"))
print(json.dumps(dict(wall=wall, cpu=used, process_cpu=cpu(), render=spent["render"],
                      makeup=spent["makeup"], rendered=sum("rendered 版" in m for m in messages),
                      parent_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      worker_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                      size=issue.stat().st_size)))
"""


def build(edition: Path, out: Path, workers: int, cache: bool, cache_dir: Path) -> dict:
    code = _CHILD.format(root=str(ROOT))
    env = {**os.environ, "PUBLISHER_CACHE": str(cache_dir)}
    res = subprocess.run([sys.executable, "-c", code, str(edition), str(out), str(workers),
                          "1" if cache else "0"], capture_output=True, text=True, cwd=ROOT, env=env)
    if res.returncode:
        raise SystemExit(f"build of {edition} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def edit_one_article(edition: Path, n: int) -> None:
    """Change one character of the first article of 第1版 (a different copy each time)."""
    article = sorted((edition / "articles").glob("*.md"))[0]
    text = article.read_text("utf-8")
    article.write_text(text.replace("。", f"，第{n}次。", 1), "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for pages in args.pages:
            edition = make(base / f"ed{pages}", pages) if pages > 1 else Path(
                shutil.copytree(SAMPLE, base / "sample"))
            cache = base / f"cache{pages}"
            build(edition, base / "warm", 2, False, cache)  # the make-up's measurements, once
            modes: dict[str, list[dict]] = {"clean, 1 worker": [], "clean, 2 workers": [],
                                            "one article changed": [], "nothing changed": []}
            for run in range(args.runs):
                shutil.rmtree(cache / "plans", ignore_errors=True)  # clean: solved, rendered
                modes["clean, 1 worker"].append(build(edition, base / "o", 1, False, cache))
                shutil.rmtree(cache / "pages", ignore_errors=True)
                shutil.rmtree(cache / "plans", ignore_errors=True)
                modes["clean, 2 workers"].append(build(edition, base / "o", 2, True, cache))
                edit_one_article(edition, run)
                modes["one article changed"].append(build(edition, base / "o", 2, True, cache))
                modes["nothing changed"].append(build(edition, base / "o", 2, True, cache))
            med = {m: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for m, rs in modes.items()}
            print(f"\n{pages} 版 (medians of {args.runs}; load now "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})")
            print(f"  {'mode':22} {'wall s':>7} {'CPU s':>7} {'proc CPU':>8} {'版 rendered':>11} "
                  f"{'parent MB':>9} {'worker MB':>9} {'issue MB':>8}")
            for m, r in med.items():
                print(f"  {m:22} {r['wall']:7.2f} {r['cpu']:7.2f} {r['process_cpu']:8.2f} {r['rendered']:11.0f} "
                      f"{r['parent_mb']:9.0f} {r['worker_mb']:9.0f} {r['size'] / 1e6:8.2f}")
            one, two = med["clean, 1 worker"], med["clean, 2 workers"]
            print(f"  2 workers / 1 (wall): {two['wall'] / one['wall']:.2f}; "
                  f"changed / clean (wall): {med['one article changed']['wall'] / two['wall']:.2f}, "
                  f"(CPU): {med['one article changed']['cpu'] / two['cpu']:.2f}; "
                  f"unchanged / clean (wall): {med['nothing changed']['wall'] / two['wall']:.2f}")
            # each run's own pair (built one after the other): a run whose renders cost more
            # CPU in one of the two builds shows here, not hidden in the medians above
            pairs = [(b["wall"] / a["wall"], a["cpu"], b["cpu"])
                     for a, b in zip(modes["clean, 1 worker"], modes["clean, 2 workers"], strict=True)]
            print(f"  2 workers / 1 (wall) by run: "
                  f"{', '.join(f'{r:.2f} (CPU {c1:.1f} / {c2:.1f} s)' for r, c1, c2 in pairs)}; "
                  f"median {statistics.median(r for r, _, _ in pairs):.2f}")
            # issue 20's Done-when: the renders' CPU a 版, the make-up counted apart
            rest = one["cpu"] - one["render"] - one["makeup"]
            print(f"  clean, 1 worker, CPU s a 版: render {one['render'] / pages:.3f} (issue 20's figure), "
                  f"make-up {one['makeup'] / pages:.3f}, the rest {rest / pages:.3f}; "
                  f"build {one['cpu'] / pages:.3f}", flush=True)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
