"""What the Chinese typography costs: the default build (EPUB + reading PDF) of the 16-page
edition with and without it, and what the PDF/A-2a tagging costs beside it.

Variants, built in turns in one process (so the machine's load hits them alike), each build
from a collected heap (``gc.collect()`` first: what one build leaves is not collected on the
next one's time), median of ``--runs`` each after one warm-up round:

* ``full``: the build as shipped: the typeset pass (the EPUB's spans; in the PDF, halts,
  CJK–Latin gaps and paragraph ends set by publisher/engine/typeset.py), inter-character
  justification (publisher/engine/justify.py), tagged PDF/A-2a;
* ``no typeset pass``: source text only escaped (no spans, engine.typeset uninstalled),
  justification still on;
* ``no justification``: WeasyPrint's own justification step (engine.justify uninstalled);
* ``no typography``: neither: what WeasyPrint gives by default (the general fixes of
  publisher/engine/patches stay: they fix defects, they are not typography);
* ``untagged``: full typography, but no PDF/A-2a structure tree (for scale only).

The figure of issue 5 is ``full / no typography`` (target: under 1.15).

    PYTHONPATH=. .venv/bin/python benchmarks/typography_cost.py [--runs 3] [--pages 16]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_big_edition import make as make_big_edition  # noqa: E402
from markupsafe import escape  # noqa: E402

from publisher import (  # noqa: E402
    publish as pipeline,
    reading,
    render,
)
from publisher.engine import Structure, justify, typeset  # noqa: E402
from publisher.publish import load  # noqa: E402


@contextmanager
def typeset_off():
    """No typeset pass: source text only escaped, and WeasyPrint's layout applies none of it
    (publisher/engine/typeset.py uninstalled)."""
    saved = render.typeset
    render.typeset = lambda text, *args, **kwargs: escape(text or "")
    typeset.uninstall()
    try:
        yield
    finally:
        render.typeset = saved
        typeset.install()


@contextmanager
def justify_off():
    justify.uninstall()
    try:
        yield
    finally:
        justify.install()


@contextmanager
def untagged():
    """No PDF/A-2a: WeasyPrint's render untagged, and neither the structure tree nor the XMP
    written after it (``xmp.complete``; until 3178acb WeasyPrint wrote the XMP, and this
    variant passed it ``xmp=None``, an option it has refused since)."""
    saved, completed = reading.render, reading.complete

    def render_untagged(html, **options):
        rendered = saved(html, **{**options, "pdf_variant": None, "pdf_tags": False})
        return replace(rendered, structure=Structure((), ()))  # nothing tagged, nothing to tag

    # the engine's render and the XMP's completion, as publisher.reading calls them
    reading.render = render_untagged
    reading.complete = lambda data, properties, **options: data
    try:
        yield
    finally:
        reading.render, reading.complete = saved, completed


@contextmanager
def nothing_off():
    yield


@contextmanager
def typography_off():
    with typeset_off(), justify_off():
        yield


VARIANTS = {
    "full": nothing_off,
    "no typeset pass": typeset_off,
    "no justification": justify_off,
    "no typography": typography_off,
    "untagged": untagged,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        edition_dir = make_big_edition(Path(tmp) / "big", pages=args.pages)
        _, settings, _, _ = load(edition_dir)
        out = Path(tmp) / "out"
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
        sizes: dict[str, int] = {}
        for round_ in range(args.runs + 1):  # round 0 warms up every variant
            for name, variant in VARIANTS.items():
                with variant():
                    # Each build starts from a collected heap: garbage the previous variant
                    # left would otherwise be collected on the next one's time.
                    gc.collect()
                    t, c = time.perf_counter(), time.process_time()
                    result = pipeline.publish(edition_dir, out, settings=settings)
                    elapsed, used = time.perf_counter() - t, time.process_time() - c
                if round_:
                    times[name].append(elapsed)
                    cpu[name].append(used)
                sizes[name] = sum(p.stat().st_size for p in result.files if p.suffix == ".pdf")
    base = statistics.median(times["no typography"])
    cpu_base = statistics.median(cpu["no typography"])
    print(f"build (EPUB + reading PDF) of {args.pages} pages, median of {args.runs} (interleaved runs)")
    print(f"{'variant':<18} {'wall s':>7} {'ratio':>6} {'CPU s':>7} {'ratio':>6} {'PDF KB':>7}")
    for name in VARIANTS:
        m, c = statistics.median(times[name]), statistics.median(cpu[name])
        print(f"{name:<18} {m:7.2f} {m / base:6.2f} {c:7.2f} {c / cpu_base:6.2f} {sizes[name] // 1024:7d}")
    # CPU time is the steadier figure on a shared machine: other processes inflate wall time.
    print(f"typography cost (full / no typography): wall {statistics.median(times['full']) / base:.2f},"
          f" CPU {statistics.median(cpu['full']) / cpu_base:.2f} (target < 1.15)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
