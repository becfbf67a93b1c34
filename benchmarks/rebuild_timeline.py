"""What the one-change print rebuild does, and when: its critical path by wall (issue 20).

    python benchmarks/rebuild_timeline.py [--pages 16] [--runs 2] [--workers 2] [--baseline CHECKOUT]

The generated edition (make_big_edition.py) is built once clean (the caches filled), then,
for each run, one article of 第1版 is edited (as ``scale_bench.py`` does) and the print is
built again in a fresh process (``publish`` with ``--format print``, timed from its call as
``scale_bench.py`` times it). In that process a thread samples the build's main thread every
2 ms and names what it is in (the innermost frame of publisher's code, or the third-party
package being imported); every process of the build (the render workers, the make-up's
later half) writes its log lines with the time to one file. Printed for each run:

- the main thread's segments (consecutive samples in the same place, 20 ms or more);
- the log lines of every process (a render worker's "page 1: laid out in …, written in …");
- the wall seconds by stage (reading and checking the edition, imports, the make-up's
  measuring and solve, the changed 版's photos and HTML before the render worker is forked,
  the other 版's HTML and keys while it renders, waiting for the render, the issue's join,
  writing the files): what is on the critical path.

With ``--baseline CHECKOUT`` the same edits are built by that checkout (its publisher) too,
alternating with this one, each with caches of its own. The sampler costs the build a little
CPU (a few per cent); compare runs of this script with each other, not with scale_bench's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import load_average  # noqa: E402
from make_big_edition import make  # noqa: E402

# Run in the build's process: ``publish`` with a sampler of its main thread and every
# process's log lines appended (O_APPEND, one write a line) to the file TIMELINE_LOG.
_CHILD = r'''
import json, logging, os, resource, sys, threading, time
sys.path.insert(0, sys.argv[5])
T0 = time.perf_counter()
LOG = os.open(os.environ["TIMELINE_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)


def note(message):
    text = message[:120].replace("\n", " ")
    os.write(LOG, f"{time.perf_counter() - T0}\t{os.getpid()}\t{text}\n".encode())


class Lines(logging.Handler):
    def emit(self, record):
        note(record.getMessage())


logging.basicConfig(level=logging.INFO)
logging.getLogger().handlers[:] = [Lines()]
from pathlib import Path
from publisher.config import load_settings
from publisher.publish import publish

edition, out, workers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
s = load_settings()
s = s.model_copy(update={"print": s.print.model_copy(update={"workers": workers, "cache": sys.argv[4] == "1"})})
main = threading.main_thread().ident
samples = []
done = threading.Event()


def where(frame):
    stack = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    stack.reverse()
    for f in stack:  # the outermost import of a third-party package
        name = f.f_code.co_filename
        if f.f_code.co_name == "<module>" and "site-packages/" in name:
            return "import " + name.split("site-packages/")[1].split("/")[0].split(".")[0]
    # else the innermost frame of publisher's code; a wait in ahead.py (for the galleys'
    # helper, which measures and since b34daa6 renders the changed 版 too) by its caller,
    # whose stage it is: printing/build.collect waits for the render, the make-up for measures
    places = [name.split("/publisher/")[-1].removesuffix(".py") + "." + f.f_code.co_name
              for f in reversed(stack) for name in [f.f_code.co_filename]
              if "/publisher/" in name and "site-packages/" not in name]
    if len(places) > 1 and places[0].startswith("ahead."):
        return f"{places[1]} ({places[0]})"
    return places[0] if places else stack[-1].f_code.co_name if stack else "?"


def sample():
    while not done.wait(0.002):
        frame = sys._current_frames().get(main)
        if frame is not None:
            samples.append((time.perf_counter() - T0, where(frame)))


sampler = threading.Thread(target=sample, daemon=True)
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu0 = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
start = time.perf_counter() - T0
sampler.start()
publish(edition, out, ["print"], settings=s, progress=lambda m: note("progress: " + m))
end = time.perf_counter() - T0
done.set()
sampler.join(5)
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps(dict(start=start, end=end, samples=samples, pid=os.getpid(),
                      cpu=me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime - cpu0,
                      main_cpu=me.ru_utime + me.ru_stime)))
'''

# Stages of the main thread, by the first prefix its place starts with (in this order).
_STAGES = [
    ("waiting for the render", ("printing/build.collect",)),
    ("the issue's join", ("pdfjoin.", "printing/pdfx.", "printing/build._give_back", "pagecache.get_joined")),
    ("writing the files", ("outputs.",)),
    ("imports", ("import ",)),
    ("reading and checking", ("sources/", "fonts.", "publish.load", "model.", "check.", "config.")),
    ("measuring", ("engine/", "makeup/measure", "templates/print/galley", "templates/print/units",
                   "templates/shared", "makeup/cache", "render.")),
    ("the make-up's solve and cache", ("makeup/", "ahead.")),
    ("photos, HTML, keys, cache", ("printing/", "pagecache.", "templates/print/page", "workers.")),
]


def _stage(place: str) -> str:
    if place.endswith(".<module>"):  # publisher's own modules, imported
        return "imports"
    for stage, prefixes in _STAGES:
        if place.startswith(prefixes):
            return stage
    return "other"


def build(root: Path, edition: Path, out: Path, cache: Path, workers: int) -> dict:
    """One build in a fresh process of checkout ``root``, with its timeline."""
    log = cache.parent / f"{cache.name}.log"
    log.unlink(missing_ok=True)
    env = {**os.environ, "PUBLISHER_CACHE": str(cache), "TIMELINE_LOG": str(log)}
    res = subprocess.run([sys.executable, "-c", _CHILD, str(edition), str(out), str(workers), "1", str(root)],
                         capture_output=True, text=True, cwd=root, env=env, timeout=1800)
    if res.returncode:
        raise SystemExit(f"build of {edition} by {root} failed:\n{res.stderr[-3000:]}")
    run = json.loads(res.stdout.strip().splitlines()[-1])
    run["lines"] = [(float(t), int(pid), text) for t, pid, text in
                    (line.split("\t", 2) for line in log.read_text("utf-8").splitlines())]
    return run


def show(run: dict, least: float = 0.02) -> None:
    start, end = run["start"], run["end"]
    print(f"  publish: {end - start:.2f} s wall, {run['cpu']:.2f} s CPU ({run['main_cpu']:.2f} s the "
          f"whole build process, its start too); load {load_average()}")
    segments: list[list] = []
    for t, place in run["samples"]:
        if segments and segments[-1][2] == place:
            segments[-1][1] = t
        else:
            segments.append([t, t, place])
    by_stage: dict[str, float] = {}
    for i, (a, _, place) in enumerate(segments):  # each runs until the next begins
        b = segments[i + 1][0] if i + 1 < len(segments) else end
        by_stage[_stage(place)] = by_stage.get(_stage(place), 0.0) + b - a
    print(f"  the main thread's segments of {least * 1000:.0f} ms or more (s from publish's call):")
    for a, b, place in segments:
        if b - a >= least:
            print(f"    {a - start:6.2f} {b - start:6.2f} {b - a:6.2f}  {place}")
    print("  every process's log lines:")
    for t, pid, text in run["lines"]:
        if "unchanged, from the cache" in text or "made up 版" in text:
            continue
        print(f"    {t - start:6.2f} {'build' if pid == run['pid'] else pid}: {text}")
    print("  the main thread by stage (wall s):")
    for stage, _ in [*_STAGES, ("other", ())]:
        if stage in by_stage:
            print(f"    {stage:32} {by_stage[stage]:6.2f}")
    # the critical path through a render worker: until its render began, the render, after it
    for t, pid, text in run["lines"]:
        m = _RENDERED.search(text)
        if m and pid != run["pid"]:
            took = float(m[2]) + float(m[3])
            print(f"  critical path through 版 {m[1]}'s render in a worker: before it {t - took - start:.2f} s, "
                  f"the render {took:.2f} s (its own file and collection after it apart), after it "
                  f"{end - t:.2f} s (of {end - start:.2f})")


_RENDERED = re.compile(r"page (\d+): laid out in ([\d.]+) s, written in ([\d.]+) s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=16)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline", type=Path, help="another checkout, built alternately with this one")
    args = ap.parse_args()
    roots = {"this": ROOT}
    if args.baseline:
        roots["baseline"] = args.baseline.resolve()
    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        editions = {}
        for name, root in roots.items():
            editions[name] = make(base / f"ed-{name}", args.pages)
            build(root, editions[name], base / f"out-{name}", base / f"cache-{name}", args.workers)  # clean
        for n in range(args.runs):
            for name, root in (roots.items() if n % 2 == 0 else reversed(roots.items())):
                article = sorted((editions[name] / "articles").glob("*.md"))[0]
                text = article.read_text("utf-8")
                article.write_text(text.replace("。", f"，第{n}次。", 1), "utf-8")
                print(f"\n{name} ({root}), run {n + 1}: one article of 第1版 changed, {args.pages} 版, "
                      f"{args.workers} workers")
                show(build(root, editions[name], base / f"out-{name}", base / f"cache-{name}", args.workers))
    print(f"\nload average after: {load_average()}")


if __name__ == "__main__":
    main()
