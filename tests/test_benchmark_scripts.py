"""The benchmarks still run against the code they measure, and print what the docs quote.

A merge once broke scale_bench (its counting wrapper could not be pickled for a pool) with
nothing but the next idle measurement to notice; typography_cost's ``untagged`` variant had
failed since the XMP moved to pikepdf (WeasyPrint: "Unknown rendering option: xmp"),
archive_bench timed an EPUB function the build no longer called (its "EPUB for the bag"
went unprinted), and linear_bench's ``keys`` series measured nothing above a start-up that
had grown the print make-up. Each script here runs at its smallest size and its test reads
what the script exists to print (the ratio, the figure the docs quote), not its exit status
alone. No figure is compared with another: the machine's load decides them.

Left out, each too slow at its smallest for the suite (the whole file takes about a minute
on an idle 2-core machine; CI runs it): backfill_bench.py (two Dask clusters, ~19 CPU-s for 2
editions), epub_size.py (the EPUB with the whole faces: 56 MB deflated, ~9 CPU-s),
interrupted_renders.py (a traced render; tests/test_engine_interrupted.py stops renders
itself) and typography_instructions.py (valgrind, ~75 s a variant).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

import pytest

from tests.conftest import ROOT

BENCH = ROOT / "benchmarks"
PYTHON = sys.executable
TIMEOUT = 600  # seconds a script may take; each takes 2-25 s on an idle machine
N = r"(\d+(?:\.\d+)?)"  # a figure as printed

# Each script at its smallest size, by the name of its run (a test's name holds the name of
# the run it reads). print_render runs under cores.py: one run for both. Started in this
# order, two at a time: the longest first, so that the file ends soon after the last starts.
RUNS: dict[str, list[str]] = {
    "scale_bench": ["scale_bench.py", "--pages", "2", "--runs", "1"],
    "reading_parallel": ["reading_parallel.py", "--pages", "1", "--runs", "1"],
    "web_bench": ["web_bench.py", "--pages", "1", "--runs", "1"],
    "build_bench": ["build_bench.py", "--pages", "1", "--runs", "1"],
    "typography_cost": ["typography_cost.py", "--pages", "1", "--runs", "1"],
    "rebuild_timeline": ["rebuild_timeline.py", "--pages", "2", "--runs", "1"],
    "startup": ["startup.py", "--runs", "1"],
    "print_render": ["cores.py", "--cores", "2", PYTHON, str(BENCH / "print_render.py"), "--pages", "1",
                     "--runs", "1", "--baseline", str(ROOT), "--stages"],
    "epub_bench": ["epub_bench.py", "--pages", "1", "--runs", "1"],
    "web_steps": ["web_steps.py", "--pages", "1", "--runs", "1"],
    "peers": ["peers.py", "--pages", "1", "--runs", "1"],
    "bench_print": ["bench_print.py", "--pages", "1", "--runs", "1"],
    "makeup_bench": ["makeup_bench.py", "--only", "sample", "--pages-big", "2"],
    "archive_bench": ["archive_bench.py", "--pages", "1", "--runs", "1"],
    "linear_bench": ["linear_bench.py", "--runs", "1", "--only", "keys"],
    "reading_timeline": ["reading_timeline.py", "--pages", "2", "--runs", "1"],
    "import_bench": ["import_bench.py", "--runs", "1", "--articles", "20"],
}


def _tree(root: int) -> list[int]:
    """``root`` and every process below it (/proc), root first."""
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with suppress(OSError, IndexError, ValueError), open(f"/proc/{entry}/stat") as f:
                kids.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    out = [root]
    for pid in out:
        out += kids.get(pid, [])
    return out


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc`` and everything it started (a fresh process of run_fresh, the command
    under cores.py: they hold its pipes)."""
    for pid in _tree(proc.pid):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Runs:
    """The scripts' runs, two at a time (most scripts keep one core busy: the file's wall
    time is about half their sum), all started when the first test asks for one; each test
    waits for its own. Every run ends: on its timeout, and with the file (its tests done,
    failed or interrupted), its process and those it started are killed."""

    def __init__(self, names: list[str], caches: Path):
        self._caches = caches
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._closed = False
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="benchmark")
        self._runs: dict[str, Future] = {}
        for name in names:
            self._start(name)

    def _start(self, name: str) -> Future:
        if name not in self._runs:
            self._runs[name] = self._pool.submit(self._run, name)
        return self._runs[name]

    def _run(self, name: str) -> subprocess.CompletedProcess:
        # the session's environment (house, SOURCE_DATE_EPOCH), a make-up cache of the run's own
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PUBLISHER_CACHE": str(self._caches / name)}
        with self._lock:
            if self._closed:
                raise RuntimeError("the file's tests ended before this run started")
            proc = subprocess.Popen([PYTHON, str(BENCH / RUNS[name][0]), *RUNS[name][1:]], cwd=ROOT, env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            self._running.add(proc)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except BaseException:
            _kill(proc)
            with suppress(subprocess.TimeoutExpired):
                proc.communicate(timeout=30)
            raise
        finally:
            with self._lock:
                self._running.discard(proc)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def __call__(self, name: str) -> subprocess.CompletedProcess:
        """The run ``name``, finished: its exit status 0 (else its error), its output."""
        done = self._start(name).result(timeout=2 * len(RUNS) * TIMEOUT)
        assert done.returncode == 0, f"{RUNS[name]} exited {done.returncode}:\n{done.stderr[-3000:]}"
        return done

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for proc in self._running:
                _kill(proc)
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def ran(request, tmp_path_factory) -> Iterator[Runs]:
    """The runs the file's selected tests read, started at once."""
    names = [name for name in RUNS if any(item.module is request.module and name in item.name
                                          for item in request.session.items)]
    runs = Runs(names, tmp_path_factory.mktemp("benchmark-caches"))
    try:
        yield runs
    finally:
        runs.close()


def lines(text: str, pattern: str) -> list[re.Match]:
    """Every line of ``text`` that ``pattern`` matches from its start."""
    return [m for m in map(re.compile(pattern).match, text.splitlines()) if m]


def test_scale_bench_runs_on_two_pages_and_prints_issue_20s_figure(ran):
    out = ran("scale_bench").stdout
    rows = {line[2:24].strip(): line.split() for line in out.splitlines() if line.startswith("  ")}
    assert rows["one article changed"][-4] == "1"  # 版 rendered: the changed one alone
    assert rows["nothing changed"][-4] == "0"
    (figure,) = lines(out, rf"  clean, 1 worker, CPU s a 版: render {N} \(issue 20's figure\), make-up {N}")
    assert float(figure[1]) > 0
    # each run's own pair of clean builds, with their CPU, and the median of those ratios
    (pairs,) = lines(out, rf"  2 workers / 1 \(wall\) by run: {N} \(CPU {N} / {N} s\); median {N}$")
    assert float(pairs[2]) > 0 and float(pairs[3]) > 0


def test_print_render_prints_the_render_cpu_a_page_this_against_a_baseline_and_by_stage(ran):
    out = ran("print_render").stdout
    medians = {m[1]: float(m[2])
               for m in lines(out, rf"(this|baseline) +median render CPU {N} s a 版 \(1 版, 1 runs\)")}
    assert set(medians) == {"this", "baseline"} and all(medians.values())  # the renders counted
    assert len(lines(out, rf"this / baseline: {N}$")) == 1
    # every stage wrapped was called (a stage WeasyPrint no longer runs goes unprinted)
    stages = {m[1].strip() for m in lines(out, rf" {{30}}(.+?) +{N} +{N}$")}
    assert stages == {"HTML parse", "CSS parse", "cascade", "boxes", "layout (the rest of the render)", "checks",
                      "paint", "font subsets", "PDF writing (pydyf, zlib)", "prepare for print (pikepdf)",
                      "the rest"}


def test_cores_on_print_render_estimates_its_idle_wall_and_shows_each_process(ran):
    err = ran("print_render").stderr
    (total,) = lines(err, rf"wall {N} s \(status 0, load {N}\); estimated idle wall {N} s on 2 cores; "
                          rf"CPU {N} s, of which alone {N} s")
    assert float(total[3]) > 0 and float(total[4]) >= float(total[5])
    rows = lines(err, rf"(build|c\d+) +(-|build|c\d+) +{N} +{N} +{N} +{N} \|[#., ]+\|$")
    assert rows[0][1] == "build"
    # print_render's fresh processes, this checkout's and the baseline's render, below it
    assert sum(row[2] == "build" for row in rows) >= 2


def test_peers_prints_raw_weasyprint_against_publisher(ran):
    (row,) = lines(ran("peers").stdout, r"  1 版 " + rf" +{N}" * 7 + "$")
    assert float(row[5]) > 0  # raw / publisher CPU, the figure the README quotes


def test_reading_parallel_prints_by_page_against_one_document_and_the_same_bytes(ran):
    out = ran("reading_parallel").stdout
    modes = lines(out, rf" *(whole|by-1|by-2): wall +{N} s \(x{N} whole, x{N} by-1\), CPU +{N} s")
    assert [m[1] for m in modes] == ["whole", "by-1", "by-2"]
    assert len(lines(out, r"by-1 and by-2: the same bytes \(sha256 by-1 [0-9a-f]{12}; by-2 [0-9a-f]{12}\)")) == 1


def test_epub_bench_prints_the_epub_only_build_against_the_pdf(ran):
    out = ran("epub_bench").stdout
    assert len(lines(out, rf"ratio epub / pdf: wall {N}, cpu {N} \(goal <= 0.2\)$")) == 1
    (size,) = lines(out, rf"EPUB {N} KB$")
    assert float(size[1]) > 0


def test_rebuild_timeline_prints_the_one_change_rebuilds_critical_path(ran):
    out = ran("rebuild_timeline").stdout
    assert len(lines(out, rf"  publish: {N} s wall, {N} s CPU")) == 1
    assert lines(out, r" +[\d.]+ \d+: page 1: laid out in")  # a worker's log line, timed
    assert len(lines(out, rf"  critical path through 版 1's render in a worker: before it {N} s, "
                          rf"the render {N} s .*, after it {N} s")) == 1


def test_web_bench_prints_what_the_web_edition_adds_cold_and_cached(ran):
    out = ran("web_bench").stdout
    ratios = {(m[1], m[2]) for m in lines(out, rf"(wall|cpu): (print\+web cold|print\+web cached) / print "
                                               rf"(?:cold|cached) = {N} \(the web edition adds")}
    assert ratios == {(a, b) for a in ("wall", "cpu") for b in ("print+web cold", "print+web cached")}
    steps = {m[1] for m in lines(out, r"  print\+web cold +(.+?) +wall ")}  # each step timed
    assert steps == {"print pages (with 版 images and zones for web)", "zones (read from the workers' files)",
                     "issue pages (HTML)", "font subsets", "indexes, feeds, catalogs", "search index (Pagefind)",
                     "writing the outputs"}


def test_startup_prints_each_command(ran):
    rows = lines(ran("startup").stdout, rf"  (.+?) +this +{N} +{N}$")
    assert [m[1] for m in rows] == ["--help", "build --help", "check (broken edition.toml)",
                                    "build -f epub (sample)"]


def test_makeup_bench_prints_the_make_up_against_greedy(ran):
    out = ran("makeup_bench").stdout
    assert len(lines(out, r"== sample \(no layout\): 1 版, 9 articles")) == 1
    rows = {m[1].strip() for m in lines(out, rf"  (.+?) make-up +{N} +greedy +{N}$")}
    assert rows == {"white lines per column (mean)", "white lines per column (max)", "版 with every column <= 1 line",
                    "jumps", "tombstones", "lines over (greedy: a build error)"}
    assert len(lines(out, r"== all 1 版: make-up \d \(\d+ %\) with every column within one line")) == 1


def test_web_steps_prints_each_step_a_page(ran):
    out = ran("web_steps").stdout
    steps = [m[1] for m in lines(out, rf"  (.+?) +{N} s +{N} s a 版$")]
    assert steps == ["open", "photos in sRGB", "render 3200 px", "halving", "thumbnail", "JPEG 2x", "WebP",
                     "JPEG", "thumbnail JPEG", "zones", "all"]


def test_archive_bench_prints_what_archiving_adds_and_its_parts(ran):
    out = ran("archive_bench").stdout
    assert [m[1] for m in lines(out, rf"(wall|cpu): print\+archive / print = {N} ")] == ["wall", "cpu"]
    parts = [m[1] for m in lines(out, rf"  of which (.+): median {N} s CPU")]
    assert parts == ["EPUB for the bag", "bag: PDF/A, ALTO, METS, NITF, manifests"]


def test_bench_print_prints_two_workers_against_one(ran):
    out = ran("bench_print").stdout
    assert len(lines(out, rf"serial   \(1 worker\): median {N} s wall, {N} s CPU")) == 1
    assert len(lines(out, rf"parallel \(2 workers\): median {N} s wall, {N} s CPU")) == 1
    assert len(lines(out, rf"ratio parallel/serial \(wall\): {N}$")) == 1


def test_import_bench_prints_the_imports_time(ran):
    out = ran("import_bench").stdout
    assert len(lines(out, r"copy: 20 articles, ")) == 1
    assert len(lines(out, rf"import_text \(recognise \+ model\), median of 1: {N} s  \((under|OVER) the 2 s")) == 1
    assert len(lines(out, rf"run_import \(\+ write, read back, report\), median of 1: {N} s")) == 1


def test_linear_bench_prints_each_size_above_the_start_up(ran):
    out = ran("linear_bench").stdout
    assert len(lines(out, rf"keys +start-up +{N} s CPU$")) == 1
    sizes = lines(out, rf"keys +([\d,]+) +{N} s CPU +{N} s above start-up +(?:{N}x)?$")
    assert [m[1] for m in sizes] == ["1,000", "2,000", "4,000", "8,000"]
    assert all(m[4] for m in sizes[1:])  # each against the size before it


def test_reading_timeline_prints_each_process_and_the_replay(ran):
    out = ran("reading_timeline").stdout
    assert len(lines(out, r"run 1, this checkout: 2 workers, sha256 [0-9a-f]{12}")) == 1
    pieces = {(m[1], m[2]) for m in lines(out, r" +[\d.]+ - +[\d.]+  (layout|draw) (\d)  \(")}
    assert pieces == {(what, part) for what in ("layout", "draw") for part in ("0", "1")}
    assert [m[1] for m in lines(out, r" +(parent|worker \d) \|[A-Za-z.]+\|$")] == ["parent", "worker 1", "worker 2"]
    assert len(lines(out, rf"  replayed on 2 idle cores: {N} s for {N} s of CPU in its pieces: {N} x")) == 1


def test_typography_cost_prints_each_variant_and_the_cost(ran):
    out = ran("typography_cost").stdout
    variants = [m[1].strip() for m in lines(out, rf"(.{{18}}) +{N} +{N} +{N} +{N} +\d+$")]
    assert variants == ["full", "no typeset pass", "no justification", "no typography", "untagged"]
    assert len(lines(out, rf"typography cost \(full / no typography\): wall {N}, CPU {N} \(target < 1.15\)")) == 1


def test_build_bench_prints_the_whole_build_against_the_reading_pdf(ran):
    out = ran("build_bench").stdout
    (row,) = lines(out, r"sample +1 +9" + rf" +{N}" * 7 + "$")
    assert float(row[3]) > 0  # whole build / reading PDF
