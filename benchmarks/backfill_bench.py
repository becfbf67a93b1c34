"""Backfill on this machine: throughput of 2 local workers against 1, worker memory over a
long run, and the per-edition cost of a 16-版 issue in every format (for docs/backfill.md's
sizing plan).

    python benchmarks/backfill_bench.py [--editions 20] [--memory-editions 100] [--rounds 2]
                                        [--skip-memory] [--skip-big]

Editions are copies of the sample edition (9 articles, 2 photos) on consecutive dates,
built as EPUB + reading PDF. Throughput is editions per second between the first edition
starting and the last finishing (the cluster's start-up is printed apart), median of
``--rounds`` runs of each size, alternated. Memory is each worker process's resident set
after every edition: growth compares the median of editions 11-20 with the last 10 a
process built, without recycling (--max-tasks 0) and with the default recycling. The
machine's load is printed before and after: the ratio is only meaningful on an idle machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_big_edition import make as make_big  # noqa: E402

from publisher.backfill import Cluster, Journal, Summary, backfill  # noqa: E402
from publisher.backfill.batch import MAX_TASKS  # noqa: E402
from publisher.config import load_settings  # noqa: E402

SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"
FORMATS = ("epub", "pdf")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def copies(root: Path, n: int) -> list[Path]:
    """``n`` sample editions, one a day from 2001-01-01 (distinct ids)."""
    import datetime as dt

    folders = []
    text = (SAMPLE / "edition.toml").read_text("utf-8")
    for i in range(n):
        day = dt.date(2001, 1, 1) + dt.timedelta(days=i)
        folder = root / f"e{i:04d}"
        shutil.copytree(SAMPLE, folder)
        (folder / "edition.toml").write_text(
            text.replace("date = 2019-10-21", f"date = {day.isoformat()}", 1), "utf-8")
        folders.append(folder)
    return folders


def run(folders: list[Path], out: Path, formats=FORMATS, **cluster) -> tuple[float, float, Summary]:
    """(seconds building, seconds in all, summary)."""
    if out.exists():
        shutil.rmtree(out)
    start = time.monotonic()
    summary = backfill(folders, out, formats, load_settings(ROOT), Cluster(**cluster))
    total = time.monotonic() - start
    t = summary.tally
    assert t.failed == 0 and t.built == len(folders), (t, summary.failures)
    assert t.last_finish is not None and t.first_start is not None
    return t.last_finish - t.first_start, total, summary


def throughput(tmp: Path, n: int, rounds: int) -> None:
    """Besides the ratio, two figures the machine's load does not decide: how busy the backfill
    kept its workers (the sum of the editions' task times over workers x wall time) and the
    CPU seconds an edition took. On an idle machine the ratio is about 2 x busy(2) / busy(1)
    x cpu(1) / cpu(2)."""
    folders = copies(tmp / "throughput", n)
    times: dict[int, list[float]] = {1: [], 2: []}
    busy: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    for r in range(rounds):
        for workers in (1, 2):
            building, total, summary = run(folders, tmp / "out", workers=workers, max_tasks=0)
            times[workers].append(building)
            busy[workers].append(sum(x.duration for x in summary.records) / (workers * building))
            cpu[workers].append(statistics.median(x.cpu for x in summary.records))
            print(f"  round {r + 1}, {workers} worker(s): {n} editions built in {building:.1f} s "
                  f"({n / building:.2f} editions/s; {total:.1f} s with start-up and shutdown); workers "
                  f"busy {100 * busy[workers][-1]:.0f} %, {cpu[workers][-1]:.2f} CPU-s per edition; {load()}")
    one, two = statistics.median(times[1]), statistics.median(times[2])
    b1, b2 = statistics.median(busy[1]), statistics.median(busy[2])
    c1, c2 = statistics.median(cpu[1]), statistics.median(cpu[2])
    print(f"throughput: 1 worker {n / one:.3f} editions/s, 2 workers {n / two:.3f} editions/s: "
          f"ratio {one / two:.2f} (median of {rounds}); workers busy {100 * b1:.0f} % and "
          f"{100 * b2:.0f} %, CPU-s per edition {c1:.2f} and {c2:.2f}: on an idle machine "
          f"2 x {b2 / b1:.3f} x {c1 / c2:.3f} = {2 * b2 / b1 * c1 / c2:.2f}")


def memory(tmp: Path, n: int) -> None:
    folders = copies(tmp / "memory", n)
    for max_tasks in (0, MAX_TASKS):
        building, _, summary = run(folders, tmp / "out", workers=2, max_tasks=max_tasks)
        by_pid: dict[int, list[int]] = defaultdict(list)
        for r in summary.records:
            by_pid[r.pid].append(r.rss)
        mb = 1 / 2**20
        last = [seq[-1] for seq in by_pid.values()]
        # the workers' resident set after editions 11-20 of the run (warmed up) and after its
        # last 10, in the order they finished
        early = statistics.median(r.rss for r in summary.records[10:20])
        late = statistics.median(r.rss for r in summary.records[-10:])
        label = "no recycling" if max_tasks == 0 else f"recycled every {max_tasks} editions"
        print(f"memory, {n} editions on 2 workers, {label}: {len(by_pid)} worker processes, "
              f"resident set after editions 11-20 of the run {early * mb:.0f} MB, after its last "
              f"10 editions {late * mb:.0f} MB: growth {100 * (late / early - 1):+.1f} %; "
              f"most per process {max(r.peak_rss for r in summary.records) * mb:.0f} MB; "
              f"last per process {', '.join(f'{x * mb:.0f}' for x in last)} MB; {building:.0f} s")
        for pid, seq in by_pid.items():
            marks = ", ".join(f"{seq[i] * mb:.0f}" for i in range(0, len(seq), max(1, len(seq) // 10)))
            print(f"    process {pid}: {len(seq)} editions, resident MB at every tenth: {marks}")


def big(tmp: Path) -> None:
    folder = make_big(tmp / "big" / "xnrb-2019-10-21-16", pages=16)
    for formats in (("print", "archive"), ("epub", "pdf", "print", "archive")):
        _, _, summary = run([folder], tmp / "out", formats=formats, workers=1, max_tasks=0, timeout=0)
        r = summary.records[0]
        with Journal.open(tmp / "out", write=False) as journal:
            entry = journal.entry(r.edition)
            assert entry is not None
            outputs = entry.outputs
        size = sum((tmp / "out" / rel).stat().st_size for rel in outputs)
        print(f"a 16-版 edition as {' + '.join(formats)}: {r.duration:.1f} s, {r.cpu:.1f} CPU-s in the "
              f"worker, peak resident {r.peak_rss / 2**20:.0f} MB, {len(outputs)} output files, "
              f"{size / 2**20:.1f} MB; {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=20)
    parser.add_argument("--memory-editions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    print(f"before: {load()}; the machine may be shared: a ratio below 2 on a busy machine "
          "measures the load, not the backfill")
    with tempfile.TemporaryDirectory(prefix="backfill-bench-") as tmp:
        throughput(Path(tmp), args.editions, args.rounds)
        if not args.skip_memory:
            memory(Path(tmp), args.memory_editions)
        if not args.skip_big:
            big(Path(tmp))
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
