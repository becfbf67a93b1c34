"""What each process of the reading PDF by 版 does, and when: a timeline of the parent and
its workers.

    python benchmarks/reading_timeline.py [EDITION] [--pages 16] [--workers 2] [--runs 1]
                                          [--baseline OTHER_CHECKOUT]

Without EDITION, a --pages 版 edition is made with make_big_edition.py. Each run is a
process of its own rendering the reading PDF by 版 (``[tool.publisher.reading] by_page``)
with --workers workers, its pieces timed where they run (``time.perf_counter``, one clock
for every process, and ``time.process_time``): in the parent the set-up before the fork,
the contents laid out, its numbers written in and drawn, the join; in a worker each 版
laid out, the wait for its first page number and the drawing. Prints, per process, the
pieces with their start, end and CPU seconds, a strip of the run in 100 steps (``L``
laid out, ``w`` waiting for a page number, ``D`` drawn, ``C`` the contents laid out,
``F`` its numbers written in and drawn, ``r`` a 版's PDF read for the join as it comes
back, ``J`` the join, ``S`` the set-up, ``.`` nothing),
and how long one process worked with no other beside it, by piece: what runs alone; then
the pieces' CPU seconds replayed on two idle cores (``replay``) against the same pieces in
one process: the critical path's share without the load. The
wall times are the load's as much as the work's (the load average is printed); the CPU
seconds are the work's. With --baseline, each run is made by that checkout too, in turns.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, arguments, big_edition, load_average, run_fresh

ONE_RUN = """
import json, os, sys, time
from pathlib import Path
from publisher import reading
from publisher.publish import load
out = open(sys.argv[3], "a")

def note(name, t0, t1, c0, c1, **more):
    out.write(json.dumps({"pid": os.getpid(), "name": name, "t0": t0, "t1": t1, "cpu": c1 - c0, **more}) + "\\n")
    out.flush()

def timed(name, function):
    def wrapper(*args, **kwargs):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            note(name, t0, time.perf_counter(), c0, time.process_time())
    return wrapper

if hasattr(reading, "_lay_out_part"):  # each part laid out, then numbered and drawn when told
    lay_out_part, finish = reading._lay_out_part, reading._finish
    def lay_out_timed(task):
        t0, c0 = time.perf_counter(), time.process_time()
        document = lay_out_part(task)
        note("layout", t0, time.perf_counter(), c0, time.process_time(),
             part="contents" if task.part is None else str(task.part))
        document._part = "contents" if task.part is None else str(task.part)
        return document
    def finish_timed(document, first):
        t0, c0, part = time.perf_counter(), time.process_time(), getattr(document, "_part", "?")
        try:
            return finish(document, first)
        finally:
            note("draw", t0, time.perf_counter(), c0, time.process_time(), part=part)
    reading._lay_out_part, reading._finish = lay_out_timed, finish_timed
else:  # a checkout where a part waits for its number between its layout and its drawing
    run = reading._run
    def run_timed(task, ask, laid=lambda laid: None):
        marks = [(time.perf_counter(), time.process_time())]
        def asking(pages):
            marks.append((time.perf_counter(), time.process_time()))
            try:
                return ask(pages)
            finally:
                marks.append((time.perf_counter(), time.process_time()))
        part = "contents" if task.part is None else str(task.part)
        try:
            return run(task, asking, laid)
        finally:
            marks.append((time.perf_counter(), time.process_time()))
            if len(marks) == 4:
                for name, (a, b) in zip(("layout", "wait", "draw"), zip(marks, marks[1:])):
                    note(name, a[0], b[0], a[1], b[1], part=part)
            else:
                note("render", marks[0][0], marks[-1][0], marks[0][1], marks[-1][1], part=part)
    reading._run = run_timed
reading._contents_laid_out = timed("contents", reading._contents_laid_out)
reading._contents = timed("fill", reading._contents)
reading._join = timed("join", reading._join)
if hasattr(reading, "Source"):  # each 版's PDF read for the join as it comes back
    reading.Source.read = classmethod(timed("read", reading.Source.read.__func__))
reading.load = timed("setup", reading.load)
edition, settings, fonts, _ = load(Path(sys.argv[1]))
settings = settings.model_copy(update={
    "reading": settings.reading.model_copy(update={"by_page": True}),
    "print": settings.print.model_copy(update={"workers": int(sys.argv[2])})})
t0, c0 = time.perf_counter(), time.process_time()
pdf = reading.reading_render(edition, settings, fonts).pdf
note("all", t0, time.perf_counter(), c0, time.process_time())
import hashlib
print(json.dumps({"parent": os.getpid(), "sha": hashlib.sha256(pdf).hexdigest()}))
"""

LETTER = {"layout": "L", "wait": "w", "draw": "D", "render": "R", "contents": "C", "fill": "F",
          "join": "J", "setup": "S", "read": "r"}
WIDTH = 100  # characters a strip


def report(events: list[dict], parent: int) -> None:
    """Print the pieces, the strips and what ran alone for one run."""
    (whole,) = [e for e in events if e["name"] == "all"]
    start, end = whole["t0"], whole["t1"]
    pieces = [e for e in events if e["name"] != "all"]
    pids = [parent, *sorted({e["pid"] for e in pieces} - {parent})]
    label = {pid: "parent" if pid == parent else f"worker {i}" for i, pid in enumerate(pids)}
    print(f"whole: {end - start:.2f} s wall, parent {whole['cpu']:.2f} s CPU")
    for pid in pids:
        mine = sorted((e for e in pieces if e["pid"] == pid), key=lambda e: e["t0"])
        cpu = sum(e["cpu"] for e in mine)
        print(f"  {label[pid]}: {cpu:.2f} s CPU in its pieces")
        for e in mine:
            part = f" {e['part']}" if "part" in e else ""
            print(f"    {e['t0'] - start:6.2f} - {e['t1'] - start:6.2f}  {e['name']}{part}  "
                  f"({e['t1'] - e['t0']:.2f} s wall, {e['cpu']:.2f} s CPU)")
    step = (end - start) / WIDTH
    steps = WIDTH + 1
    for pid in pids:
        strip = ["."] * steps
        for e in pieces:
            if e["pid"] != pid:
                continue
            first, last = int((e["t0"] - start) / step), int((e["t1"] - start) / step)
            for i in range(max(first, 0), min(last, steps - 1) + 1):
                if strip[i] == "." or e["name"] != "wait":
                    strip[i] = LETTER[e["name"]]
        print(f"  {label[pid]:>9} |{''.join(strip)}|")
    print(f"  (one character: {step:.2f} s)")
    # what worked with nothing beside it: the sweep over every piece's ends
    working = [e for e in pieces if e["name"] != "wait"]
    edges = sorted({start, end, *(e["t0"] for e in working), *(e["t1"] for e in working)})
    alone: dict[str, float] = defaultdict(float)
    idle = both = 0.0
    for a, b in pairwise(edges):
        if b <= start or a >= end:
            continue
        middle = (a + b) / 2
        now = [e for e in working if e["t0"] <= middle < e["t1"]]
        if not now:
            idle += b - a
        elif len(now) == 1:
            (e,) = now
            alone[f"{label[e['pid']].split()[0]}: {e['name']}"] += b - a
        else:
            both += b - a
    print(f"  two or more processes working {both:.2f} s, nothing timed {idle:.2f} s; one alone "
          f"{sum(alone.values()):.2f} s: "
          + ", ".join(f"{k} {v:.2f}" for k, v in sorted(alone.items(), key=lambda kv: -kv[1])))
    waited = sum(e["t1"] - e["t0"] for e in pieces if e["name"] == "wait")
    print(f"  workers waiting for a page number: {waited:.2f} s in all")
    replayed, total = replay(pieces, pids)
    print(f"  replayed on {CORES} idle cores: {replayed:.2f} s for {total:.2f} s of CPU in its pieces: "
          f"{replayed / total:.3f} x the pieces in one process")


CORES = 2


def replay(pieces: list[dict], pids: list[int]) -> tuple[float, float]:
    """The run's pieces (their CPU seconds, each process's in its order) replayed on CORES
    idle cores, each runnable process at min(1, CORES / runnable): the workers' pieces after
    the parent's set-up, a 版 drawn once the
    contents and every earlier 版 are laid out, the contents' numbers written in once every
    版 is laid out, the join once everything else is done (waits dropped: they are what the
    replay finds). Its wall seconds, and the CPU seconds of the pieces (what one process
    would take)."""
    queues = [[[e["name"], e.get("part"), e["cpu"]] for e in sorted(pieces, key=lambda e: e["t0"])
               if e["pid"] == pid and e["name"] != "wait"] for pid in pids]
    total = sum(cpu for queue in queues for _, _, cpu in queue)
    parts = {int(part) for queue in queues for name, part, _ in queue
             if name in ("layout", "render") and part is not None and part.isdigit()}
    laid: set[int] = set()
    done: set[str] = set()

    set_up = not any(name == "setup" for queue in queues for name, _, _ in queue)

    def ready(queue: list) -> bool:
        name, part, _ = queue[0]
        if queue is not queues[0] and not set_up:  # the workers are forked after the set-up
            return False
        if name == "draw" and part is not None and part.isdigit():
            return "contents" in done and all(p in laid for p in parts if p <= int(part))
        if name == "fill":
            return laid == parts
        if name == "join":
            return all(not q or q[0][0] == "join" for q in queues) and "fill" in done
        return True

    now = 0.0
    while any(queues):
        running = [q for q in queues if q and ready(q)]
        if not running:
            raise RuntimeError("the replay found no piece that could run")
        speed = min(1.0, CORES / len(running))
        step = min(q[0][2] for q in running) / speed
        now += step
        for q in running:
            q[0][2] -= step * speed
            if q[0][2] <= 1e-9:
                name, part, _ = q.pop(0)
                done.add(name)
                set_up = set_up or name == "setup"
                if name in ("layout", "render") and part is not None and part.isdigit():
                    laid.add(int(part))
    return now, total


def main() -> None:
    args = arguments(__doc__, runs=1, pages=16, edition=True, workers=True, baseline=True).parse_args()
    print(f"load average before {load_average()}")
    checkouts = {"this checkout": ROOT, **({f"baseline {args.baseline}": args.baseline} if args.baseline else {})}
    with tempfile.TemporaryDirectory() as tmp:
        edition = args.edition or big_edition(Path(tmp), args.pages)
        for run in range(args.runs):
            for name, checkout in checkouts.items():
                log = Path(tmp) / f"timeline{run}.jsonl"
                log.unlink(missing_ok=True)
                result = run_fresh(ONE_RUN, edition, args.workers, log, checkout=checkout)
                events = [json.loads(line) for line in log.read_text().splitlines()]
                print(f"run {run + 1}, {name}: {args.workers} workers, sha256 {result['sha'][:12]}, "
                      f"load {load_average()}")
                report(events, result["parent"])
    print(f"load average after {load_average()}")


if __name__ == "__main__":
    main()
