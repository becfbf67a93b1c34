"""Is a build's time linear in its input? The CPU time of the CLI on inputs that double.

    PYTHONPATH=. .venv/bin/python benchmarks/linear_bench.py [--runs 3] [--checkout PATH]
        [--only keys,text,paragraph]

Three inputs, each at sizes that double, each run in a fresh process (``publisher check``
for the front matter, ``publisher build --format pdf`` for text), timed as the child's CPU
time (user + system: the machine is shared, wall time is not what is measured):

- ``keys``: an article whose front matter has N unknown keys (1,000 … 8,000): each one is a
  problem with its line (was one search of the file per problem: 8,000 keys took 68 s);
- ``text``: an article of N characters in paragraphs of 20,000 (the documented limit);
- ``paragraph``: one paragraph of N characters, up to the limit (a longer one is refused:
  the layout's cost per line grows with its paragraph).

For each size the median, that less the median of the same command on a one-line article
(``keys``: one with a single unknown key; the start-up: Python, WeasyPrint, fonts), and the
ratio of that cost to the size before it: 2.0 is linear, 4.0 quadratic. ``--checkout`` runs
another checkout's CLI (say main, to measure "before"); its house must be usable there.
The machine's load average is printed with the figures.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAD = """[paper]
id = "bench"
name = "测试日报"
publisher = "测试日报社"

[issue]
date = 2019-10-21
number = 1

[[pages]]
number = 1
name = "要闻"
articles = ["one"]
"""
FILLER = "这是一个很长的段落，用于测试排版的速度。"


def edition(folder: Path, article: str) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "articles").mkdir(parents=True)
    (folder / "edition.toml").write_text(HEAD, "utf-8")
    (folder / "articles" / "one.md").write_text(article, "utf-8")
    return folder


def keys(n: int) -> str:
    return '+++\nheadline = "标题"\n' + "".join(f"field{i} = {i}\n" for i in range(n)) + "+++\n正文。\n"


def text(n: int, paragraph: int = 20_000) -> str:
    body = (FILLER * (n // len(FILLER) + 1))[:n]
    parts = [body[i:i + paragraph] for i in range(0, n, paragraph)]
    return '+++\nheadline = "标题"\n+++\n' + "\n\n".join(parts) + "\n"


def cpu_of(args: list[str], cwd: Path, status: int = 0) -> float:
    """The CPU seconds (user + system) of one run of ``python -m publisher ARGS``, which must
    exit with ``status`` (a run that failed otherwise stops the benchmark: its time would
    be that of the failure)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    env.setdefault("PUBLISHER_HOUSE", str(cwd / "pyproject.toml"))
    done = subprocess.run([sys.executable, "-m", "publisher", *args], cwd=cwd, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != status:
        raise SystemExit(f"publisher {' '.join(args)} exited {done.returncode}, not {status}:\n"
                         f"{done.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


ONE_LINE = '+++\nheadline = "标题"\n+++\n正文。\n'

# name: (sizes, the article of a size, the command, its exit status, the start-up's article).
# The start-up takes the same way through the command as the sizes: ``check`` of an article
# with one unknown key stops at the front matter, as the series' do; the one-line article's
# ``check`` goes on to the print make-up (since the make-up, about 1 s of CPU more than every
# size of the series, which printed 0.00 s above start-up and ratios of 1.00x).
SERIES = {
    "keys": ([1000, 2000, 4000, 8000], keys, ["check"], 1, keys(1)),
    "text": ([50_000, 100_000, 200_000, 400_000], text, ["build", "--format", "pdf"], 0, ONE_LINE),
    "paragraph": ([2_500, 5_000, 10_000, 20_000], lambda n: text(n, n), ["build", "--format", "pdf"], 0,
                  ONE_LINE),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--checkout", type=Path, default=ROOT)
    ap.add_argument("--only", default=",".join(SERIES))
    args = ap.parse_args()
    cwd = args.checkout.resolve()
    print(f"checkout {cwd}; load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f}")
    with tempfile.TemporaryDirectory(prefix="linear-bench-") as tmp:
        for name in args.only.split(","):
            sizes, make, command, status, start_up = SERIES[name]
            extra = ["--out", str(Path(tmp) / "out")] if command[0] == "build" else []

            def median_of(article: str, label: str, command=command, extra=extra, status=status) -> float:
                folder = edition(Path(tmp) / label, article)
                return statistics.median(cpu_of([*command, str(folder), *extra], cwd, status)
                                         for _ in range(args.runs))

            base = median_of(start_up, f"{name}-base")
            print(f"{name:10} {'start-up':>9}  {base:7.2f} s CPU", flush=True)
            previous = None
            for n in sizes:
                median = median_of(make(n), f"{name}-{n}")
                cost = max(median - base, 0.001)
                ratio = f"{cost / previous:.2f}x" if previous else ""
                print(f"{name:10} {n:>9,}  {median:7.2f} s CPU  {cost:7.2f} s above start-up  {ratio}",
                      flush=True)
                previous = cost
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
