"""What a command's processes would take of an idle machine's cores, measured on a busy one.

    python benchmarks/cores.py [--cores 2] [--bucket 0.1] COMMAND...

Runs COMMAND and reads, every few ms, the scheduler's account of each thread of its process
tree (``/proc/<pid>/task/<tid>/schedstat``: the ns it ran and the ns it waited on a run
queue). A thread *wants a core* in an interval when it ran or waited for most of it. An
idle machine with ``--cores`` cores would run the interval's CPU on min(cores, wanting)
of them, so the interval's idle length is its CPU divided by that, and their sum is the
**estimated idle wall**: what the other work on the machine takes of the cores only
stretches the intervals, it does not change that sum (nor the CPU), so the figure holds
under load where a wall time does not. It is an estimate: what a process did not ask
for (waiting on a pipe or the disk) counts as nothing, and a machine's cores are not
shared out quite fairly.

Prints the estimated idle wall, the CPU, the CPU run while one thread alone wanted a core
(what an idle machine runs with its other cores idle: the serial part), and per process
(named by the order of their forks: ``build``, ``c1``, ``c2``…; those that took at least
5 ms of CPU) its start and end on the
idle axis, its CPU, its CPU alone and a bar of its CPU along that axis. Linux only.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import time

POLL = 0.003  # seconds between two readings


def _tree(root: int) -> tuple[list[int], dict[int, int]]:
    """The processes of ``root``'s tree, root first, and each one's parent."""
    kids: dict[int, list[int]] = collections.defaultdict(list)
    parents: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids[ppid].append(int(d))
        parents[int(d)] = ppid
    out, todo = [root], [root]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out, parents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--bucket", type=float, default=0.1, help="seconds of the idle axis a bar's character is")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if not args.command:
        ap.error("a command to run")
    t0 = time.perf_counter()
    proc = subprocess.Popen(args.command)
    root = proc.pid
    prev: dict[tuple[int, str], tuple[int, int]] = {}
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    parent: dict[int, int] = {}
    order: list[int] = []
    cpu: dict[int, float] = collections.defaultdict(float)
    alone: dict[int, float] = collections.defaultdict(float)
    bars: dict[int, dict[int, float]] = collections.defaultdict(lambda: collections.defaultdict(float))
    idle, then, started = 0.0, time.perf_counter(), False
    while proc.poll() is None:
        pids, parents = _tree(root)
        now = time.perf_counter()
        dt, then = now - then, now
        ran: dict[int, float] = collections.defaultdict(float)
        wanting = 0
        for pid in pids:
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            if pid not in first:
                first[pid] = idle
                order.append(pid)
                parent[pid] = parents.get(pid, 0)
            last[pid] = idle
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                        run, wait, _ = map(int, f.read().split())
                except (OSError, ValueError):
                    continue
                # a thread seen for the first time after the start began at nothing
                before = prev.get((pid, tid), (run, wait) if not started else (0, 0))
                prev[(pid, tid)] = (run, wait)
                r, w = (run - before[0]) / 1e9, (wait - before[1]) / 1e9
                ran[pid] += r
                if r + w > 0.5 * dt:
                    wanting += 1
        started = True
        share = max(1, min(args.cores, wanting))
        for pid, c in ran.items():
            cpu[pid] += c
            if wanting <= 1:
                alone[pid] += c
            bars[pid][int(idle / args.bucket)] += c / share
        idle += sum(ran.values()) / share
        time.sleep(POLL)
    wall = time.perf_counter() - t0
    shown = [pid for pid in order if pid == root or cpu[pid] >= 0.005]
    names = {pid: "build" if pid == root else f"c{i}" for i, pid in enumerate(shown)}
    print(f"wall {wall:.2f} s (status {proc.returncode}, load {os.getloadavg()[0]:.1f}); estimated idle wall "
          f"{idle:.2f} s on {args.cores} cores; CPU {sum(cpu.values()):.2f} s, of which alone "
          f"{sum(alone.values()):.2f} s", file=sys.stderr)
    n = int(idle / args.bucket) + 1
    b = args.bucket
    print(f"{'proc':6} {'parent':6} {'start':>5} {'end':>5} {'cpu':>5} {'alone':>5} | per {b} s of the idle "
          "axis: # >= 90 % of a core, . >= 30 %, , > 0", file=sys.stderr)
    for pid in shown:
        bar = "".join("#" if bars[pid][i] >= 0.9 * b else "." if bars[pid][i] >= 0.3 * b
                      else "," if bars[pid][i] > 0 else " " for i in range(n))
        print(f"{names[pid]:6} {names.get(parent[pid], '-'):6} {first[pid]:5.2f} {last[pid]:5.2f} "
              f"{cpu[pid]:5.2f} {alone[pid]:5.2f} |{bar}|", file=sys.stderr)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
