"""What the benchmarks share: the load average, medians, a run in a fresh process, the
common arguments and the generated edition.

Imported by the scripts beside it (``from _common import ...``: each script puts this folder
on ``sys.path`` first, as it does for make_big_edition).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages and the number of cores, to print."""
    return f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)"


def medians(runs: Iterable[dict], keys: Iterable[str]) -> dict[str, float]:
    """The median of each of ``keys`` over ``runs`` (one dict a run)."""
    runs = list(runs)
    return {k: statistics.median(r[k] for r in runs) for k in keys}


def cpu() -> float:
    """CPU seconds used by this process and its finished children (a pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_fresh(code: str, *args: object, checkout: Path = ROOT) -> dict:
    """Run ``code`` (Python source) in a fresh process with ``checkout`` first on the path
    and ``args`` as its argv; its last line of output, a JSON object. A failure stops the
    benchmark with the child's error. Hash seed 0 and SOURCE_DATE_EPOCH (the environment's,
    else 1571616000), so that runs do the same work."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(checkout),
           "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "1571616000")}
    # run in ``checkout``: ``python -c`` puts its working directory first on the path, before
    # PYTHONPATH, so a run from this checkout's folder imported this checkout's publisher
    # whatever ``checkout`` said
    res = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                         cwd=checkout, env=env)
    if res.returncode:
        raise SystemExit(f"{checkout}: {' '.join(map(str, args))} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def arguments(doc: str | None, *, runs: int, pages: int | list[int], edition: bool = False,
              workers: bool = False, baseline: bool = False) -> argparse.ArgumentParser:
    """The parser with the arguments the benchmarks share: ``--runs``, ``--pages`` (several
    where the default is a list), an optional EDITION, ``--workers`` (default 2) and
    ``--baseline`` (another checkout of publisher to interleave with this one)."""
    ap = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    if edition:
        ap.add_argument("edition", nargs="?", type=Path,
                        help="an edition folder (default: one made by make_big_edition.py)")
    ap.add_argument("--runs", type=int, default=runs, help=f"runs a mode (default {runs})")
    if isinstance(pages, list):
        ap.add_argument("--pages", type=int, nargs="+", default=pages, help=f"版 of each edition (default {pages})")
    else:
        ap.add_argument("--pages", type=int, default=pages, help=f"版 of the generated edition (default {pages})")
    if workers:
        ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    if baseline:
        ap.add_argument("--baseline", type=Path, help="another checkout of publisher to compare with")
    return ap


def big_edition(folder: Path, pages: int) -> Path:
    """The sample for 1 版, else a ``pages``-版 edition made in ``folder`` (make_big_edition.py)."""
    if pages == 1:
        return SAMPLE
    from make_big_edition import make

    return make(folder / f"ed{pages}", pages)


__all__ = ["BENCH", "ROOT", "SAMPLE", "arguments", "big_edition", "cpu", "load_average", "medians",
           "run_fresh"]
