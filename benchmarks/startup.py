"""Start-up: what every run of ``publisher`` pays before it does anything.

    python benchmarks/startup.py [--runs 7] [--baseline CHECKOUT]

Each command runs in a fresh process (``python -m publisher ...``, byte code compiled once
beforehand, as an installed tool has it): ``--help``, ``build --help``, ``check`` of an
edition whose edition.toml is broken (the error comes before anything is measured), and a
build of the sample's EPUB alone (``-f epub``: its cover is the front 版 as printed, so the
make-up runs; a second build of it then finds its plan in the cache). With ``--baseline``
(another checkout of publisher, e.g. a ``git worktree`` of main with its ``fonts/``), the
same commands run with that checkout's code first on ``PYTHONPATH``, interleaved with this
checkout's, so that the load of other processes falls on both alike. Printed: the machine's
load, median wall and CPU seconds (user + system of the process), and the ratio this /
baseline.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"


def run(args: list[str], checkout: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``python -m publisher ARGS`` run from ``checkout``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "publisher", *args], cwd=checkout, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if res.returncode != (1 if args[0] == "check" else 0):  # the broken edition is reported
        raise SystemExit(f"publisher {' '.join(args)} in {checkout} exited {res.returncode}:\n"
                         f"{res.stderr[-2000:]}")
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--baseline", type=Path, help="another checkout of publisher to compare with")
    a = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        bad = base / "bad"
        bad.mkdir()
        (bad / "edition.toml").write_text("[issue\n", "utf-8")
        sample = Path(shutil.copytree(SAMPLE, base / "sample"))
        commands = {
            "--help": ["--help"],
            "build --help": ["build", "--help"],
            "check (broken edition.toml)": ["check", str(bad)],
            "build -f epub (sample)": ["build", str(sample), "-f", "epub", "-o", str(base / "out")],
        }
        checkouts = {"this": ROOT} | ({"baseline": a.baseline.resolve()} if a.baseline else {})
        envs = {}
        for name, checkout in checkouts.items():
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PUBLISHER_CACHE"] = str(base / f"cache-{name}")
            env["PUBLISHER_HOUSE"] = str(checkout / "pyproject.toml")
            if name == "baseline":
                env["PYTHONPATH"] = str(checkout)
            envs[name] = env
            for args in commands.values():  # byte code compiled, the make-up's caches warm
                run(args, checkout, env)
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(a.runs):
            for label, args in commands.items():
                for name, checkout in checkouts.items():
                    times.setdefault((label, name), []).append(run(args, checkout, envs[name]))
    print(f"\nmedians of {a.runs} runs (load now {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    print(f"  {'command':30} {'checkout':9} {'wall s':>7} {'CPU s':>7}")
    for label in commands:
        med = {}
        for name in checkouts:
            rs = times[(label, name)]
            med[name] = (statistics.median(w for w, _ in rs), statistics.median(c for _, c in rs))
            print(f"  {label:30} {name:9} {med[name][0]:7.2f} {med[name][1]:7.2f}")
        if "baseline" in med:
            print(f"  {'':30} {'this/base':9} {med['this'][0] / med['baseline'][0]:7.2f} "
                  f"{med['this'][1] / med['baseline'][1]:7.2f}")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
