"""The benchmarks still run against the code they measure: scale_bench wraps the print build's
functions to count their CPU, and a merge once made its build fail (a pool could not pickle
the wrapper) with nothing but the next idle measurement to notice."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_scale_bench_runs_on_two_pages_and_prints_issue_20s_figure():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scale_bench.py"), "--pages", "2",
                           "--runs", "1"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line[2:24].strip(): line.split() for line in done.stdout.splitlines() if line.startswith("  ")}
    assert rows["one article changed"][-4] == "1"  # 版 rendered: the changed one alone
    assert rows["nothing changed"][-4] == "0"
    assert "(issue 20's figure)" in done.stdout
