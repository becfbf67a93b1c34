"""Time `publisher build --format epub` against `--format pdf` on the same edition.

    python benchmarks/epub_bench.py [EDITION] [--runs 3] [--pages 64] [--cold] [--before DIR] [--compile]

Without EDITION, a 64-版 edition is made with make_big_edition.py. Each run is a whole
`publisher build` process, as a user starts it, the two formats alternating so that both
meet the same load; each into a fresh output folder. Prints, for each format, the median
wall time and the median CPU time (user + system of the build process and its children),
the EPUB's size, their ratios (issue 19 asks EPUB <= 0.2 x PDF), and the machine's load
average before and after. An EPUB-only build lays out the front 版 alone for its cover and
no reading PDF: the ratio is what that saves.

Publisher runs as an installed tool does, its byte code compiled (pip compiles a package's
modules when it installs it): each side's ``publisher`` package is copied to a temporary
folder and compiled there once before the clock, and the builds import that copy
(PYTHONPATH, with PYTHONSAFEPATH so that the working folder, the checkout, does not come
first); the house is the checkout's, as before. This environment sets
PYTHONDONTWRITEBYTECODE=1, so without that every ``publisher build`` process compiled the
package's modules it imports, about 0.2-0.25 s of CPU on each side (the EPUB-only build 66
modules in its process and 9 in its cover's, the PDF build 70: 2026-12-07, load 12), the
same for both formats. ``--compile``: the old way, every build compiling them as here.
The other libraries (WeasyPrint, OR-Tools…) read their byte code either way.

``--cold``: every build with an empty cache of its own (``PUBLISHER_CACHE``), as a first
build on a new machine: the EPUB-only build then measures and solves the whole issue for
its jumps. ``--before DIR``: a checkout of the code to compare with (``git worktree add DIR
main``, or ``git archive``), whose EPUB-only build is timed too, in the same rounds
(``epub-before``; run with that checkout first on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_big_edition import make  # noqa: E402

PUBLISHER = [sys.executable, "-m", "publisher"]


ROOT = HERE.parent


def installed(code: Path, folder: Path) -> Path:
    """A copy of ``code``'s publisher package in ``folder``, its byte code compiled (as pip
    installs it): the folder to put on PYTHONPATH."""
    shutil.copytree(code / "publisher", folder / "publisher")
    if not compileall.compile_dir(folder / "publisher", quiet=1):
        raise SystemExit(f"{code}: its publisher package does not compile")
    return folder


def run(edition: Path, fmt: str, out: Path, cache: Path | None = None,
        code: Path = ROOT, package: Path | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `publisher build EDITION --format FMT` (``cache``:
    its PUBLISHER_CACHE; ``code``: the checkout to run, whose house it uses; ``package``: its
    publisher compiled (``installed``), else the checkout's own, compiled by every process)."""
    env = dict(os.environ)
    if cache is not None:
        env["PUBLISHER_CACHE"] = str(cache)
    env["PYTHONPATH"] = str(package or code)
    if package is not None:
        env["PYTHONSAFEPATH"] = "1"  # not the working folder (the checkout) first on the path
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*PUBLISHER, "build", str(edition), "--out", str(out), "--format", fmt],
                   check=True, capture_output=True, env=env, cwd=code)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("edition", nargs="?", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pages", type=int, default=64)
    ap.add_argument("--cold", action="store_true", help="an empty make-up and page cache for every build")
    ap.add_argument("--before", type=Path, help="a checkout of the code before: its EPUB-only build timed too")
    ap.add_argument("--compile", action="store_true",
                    help="every build compiles publisher's modules (PYTHONDONTWRITEBYTECODE here), "
                         "not an installed tool's byte code")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="epub-bench-") as tmp:
        edition = args.edition or make(Path(tmp) / "edition", args.pages)
        before = args.before.resolve() if args.before else None
        packages = {} if args.compile else {
            ROOT: installed(ROOT, Path(tmp) / "code"),
            **({before: installed(before, Path(tmp) / "code-before")} if before else {})}
        load_before = os.getloadavg()
        kinds = ["epub", "pdf", *(["epub-before"] if args.before else [])]
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
        size = 0
        for i in range(args.runs):
            for kind in kinds if i % 2 == 0 else kinds[::-1]:
                out = Path(tmp) / f"out-{kind}-{i}"
                cache = Path(tmp) / f"cache-{kind}-{i}" if args.cold else None
                fmt = kind.split("-")[0]
                code = before if kind == "epub-before" and before else ROOT
                times[kind].append(run(edition, fmt, out, cache, code, packages.get(code)))
                if kind == "epub":
                    size = next(out.glob("*/*.epub")).stat().st_size
        load_after = os.getloadavg()
    wall = {f: statistics.median(w for w, _ in t) for f, t in times.items()}
    cpu = {f: statistics.median(c for _, c in t) for f, t in times.items()}
    print(f"edition: {edition.name if args.edition else f'{args.pages} 版 (make_big_edition.py)'}; "
          f"median of {args.runs} whole `publisher build` processes, alternating; "
          + ("every build with an empty cache" if args.cold else "the user's caches")
          + ("; publisher compiled by every build" if args.compile else
             "; publisher's byte code compiled before the clock, as installed"))
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)")
    print(f"{'build':12} {'wall s':>8} {'cpu s':>8}  runs (wall / cpu s)")
    for f in kinds:
        print(f"{f:12} {wall[f]:8.2f} {cpu[f]:8.2f}  {', '.join(f'{w:.2f} / {c:.2f}' for w, c in times[f])}")
    for f in kinds[::2]:
        print(f"ratio {f} / pdf: wall {wall[f] / wall['pdf']:.3f}, cpu {cpu[f] / cpu['pdf']:.3f} (goal <= 0.2)")
    print(f"EPUB {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
