"""Renders stopped at random points, each followed by clean renders compared byte for byte.

In one process: a clean render of each kind first (the reference), then, round after round,
one render stopped at a random point and the same kind rendered again (``--check all``:
every kind), compared with its reference. A render is stopped where a signal handler that
raises would stop it (the CLI's on SIGTERM, Ctrl-C, a timer): by an exception raised at the
k-th Python function call of the render (``sys.settrace``; k uniform over the calls a clean
render makes), or with ``--timer``, by a handler of ``setitimer``'s SIGPROF at a random CPU
time. Each round prints where the stop landed and whether the process rendered the same
bytes after it; a round that did not is the case of tests/test_engine_interrupted.py.

Kinds: ``bypage`` (the reading PDF 版 by 版, one process), ``whole`` (the reading PDF as one
document), ``print`` (the last 版's print page), ``cover`` (the EPUB's cover: the front 版
rendered and rasterised).

    PYTHONPATH=. .venv/bin/python -X faulthandler benchmarks/interrupted_renders.py \\
        [EDITION] [--rounds 50] [--jobs bypage,whole,print,cover] [--seed 1] [--keep] [--timer]

``--keep`` keeps the last stopped renders' exceptions (and so their frames, documents and
Pango objects) alive over the next rounds, as a test runner keeps a failed test's.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Stopped(SystemExit):
    """What the CLI's SIGTERM handler raises (a SystemExit)."""


class _Calls:
    """A global trace function counting Python calls, raising ``Stopped`` at the ``stop``-th."""

    def __init__(self, stop: int = 0):
        self.n, self.stop = 0, stop

    def __call__(self, frame, event, arg):
        self.n += 1
        if self.n == self.stop:
            sys.settrace(None)
            raise Stopped(143)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return "; ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("edition", nargs="?", type=Path, default=ROOT / "editions" / "xnrb-2019-10-21-xianan")
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--jobs", default="bypage,whole,print,cover")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", choices=("same", "all"), default="same")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--timer", action="store_true", help="stop by SIGPROF at a random CPU time")
    a = ap.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1571616000")
    os.environ["PUBLISHER_CACHE"] = tempfile.mkdtemp(prefix="publisher-interrupted-")

    from publisher.epub import cover_image
    from publisher.printing.build import build_print, front_page
    from publisher.publish import load
    from publisher.reading import reading_render

    edition, settings, fonts, _ = load(a.edition)

    def variant(by_page: bool):
        return settings.model_copy(update={
            "reading": settings.reading.model_copy(update={"by_page": by_page}),
            "print": settings.print.model_copy(update={"workers": 1, "cache": False}),
            "makeup": settings.makeup.model_copy(update={"cache": False})})

    by_page, whole, last = variant(True), variant(False), edition.pages[-1].number
    kinds = {
        "bypage": lambda: reading_render(edition, by_page, fonts).pdf,
        "whole": lambda: reading_render(edition, whole, fonts).pdf,
        "print": lambda: build_print(edition, whole, fonts, pages={last}).issue,
        "cover": lambda: cover_image(front_page(edition, whole, fonts)),
    }
    names = a.jobs.split(",")
    reference, calls, cpu = {}, {}, {}
    for name in names:
        t = time.process_time()
        reference[name] = kinds[name]()
        cpu[name] = time.process_time() - t
        counter = _Calls()
        sys.settrace(counter)
        try:
            again = kinds[name]()
        finally:
            sys.settrace(None)
        calls[name] = counter.n
        print(f"{name}: {len(reference[name])} bytes, {cpu[name]:.2f} s CPU, {calls[name]} calls, "
              f"the same again: {again == reference[name]}", flush=True)

    def stop_by_timer(signum, frame):
        raise Stopped(143)

    if a.timer:
        signal.signal(signal.SIGPROF, stop_by_timer)
    rng = random.Random(a.seed)
    kept: list[BaseException] = []
    broken = 0
    for r in range(a.rounds):
        name = rng.choice(names)
        if a.timer:
            point = rng.uniform(0.001, cpu[name])
            signal.setitimer(signal.ITIMER_PROF, point)
        else:
            point = rng.randint(1, calls[name])
            sys.settrace(_Calls(point))
        try:
            try:
                kinds[name]()
            finally:
                sys.settrace(None)
                if a.timer:
                    signal.setitimer(signal.ITIMER_PROF, 0)
            landed = "finished before the stop"
        except Stopped as exc:
            landed = _where(exc)
            if a.keep:
                kept = [*kept[-2:], exc]
        except BaseException as exc:  # what else a stop caused is the finding
            landed = f"{type(exc).__name__}: {str(exc)[:200]} at {_where(exc)}"
        wrong = []
        for other in (names if a.check == "all" else [name]):
            try:
                if kinds[other]() != reference[other]:
                    wrong.append(f"{other}: other bytes")
            except BaseException as exc:
                wrong.append(f"{other}: {type(exc).__name__}: {str(exc)[:300]} at {_where(exc)}")
        broken += bool(wrong)
        stop = f"{point:.3f} s CPU" if a.timer else f"call {point}"
        print(f"round {r}: {name} stopped at {stop} in [{landed}] -> "
              f"{'same bytes' if not wrong else 'BROKEN: ' + ' | '.join(wrong)}", flush=True)
    print(f"{broken} of {a.rounds} rounds left the process rendering otherwise")


if __name__ == "__main__":
    main()
