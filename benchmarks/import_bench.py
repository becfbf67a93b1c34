"""Import benchmark: a 200-article page of plain-text copy made from the seed's articles.

Prints the median of N runs (after one warm-up) of
- ``import_text`` alone (decode, recognise, build the model), the figure the issue targets
  (under 2 s for 200 articles), and
- ``run_import`` (the same, plus writing the edition, reading it back to verify it, and
  the import report).

    python benchmarks/import_bench.py [--runs 5] [--articles 200]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build_bench import median_time  # noqa: E402  (benchmarks/ is on the path when run)

from publisher.sources.importers import run_import  # noqa: E402
from publisher.sources.importers.plaintext import import_text  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "seeds" / "xianan-2019-10-page.txt"


def seed_chunks(text: str) -> list[tuple[str, bool]]:
    """The seed's articles as (copy, stands after a wide gap), in page order."""
    lines = text.strip("\n").split("\n")
    starts = [i for i, ln in enumerate(lines)
              if re.match(r"^#{1,2} (?!—)", ln)]
    chunks = []
    for a, b in zip(starts, [*starts[1:], len(lines)], strict=True):
        chunk = "\n".join(lines[a:b]).strip("\n")
        # the headless photo caption sits after three blank lines inside the previous chunk
        parts = re.split(r"\n{4,}", chunk)
        chunks.append((parts[0], False))
        chunks.extend((p, True) for p in parts[1:] if p.strip())
    return chunks


def make_copy(seed: str, articles: int) -> str:
    chunks = seed_chunks(seed)
    out = []
    for k in range(articles):
        chunk, wide = chunks[k % len(chunks)]
        out.append(("\n\n\n\n" if wide else "\n\n") + chunk)
    return "".join(out).lstrip("\n") + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--articles", type=int, default=200)
    args = ap.parse_args()
    seed = SEED
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.txt"
        copy.write_text(make_copy(seed.read_text("utf-8"), args.articles), "utf-8")
        result = import_text(copy, date="2019-10-21", paper="xnrb", page_label="1")
        n = len(result.edition.articles)
        size = copy.stat().st_size

        def parse():
            import_text(copy, date="2019-10-21", paper="xnrb", page_label="1")

        def full():
            out = Path(tmp) / "ed"
            if out.exists():
                shutil.rmtree(out)
            run_import("text", copy, out=out, date="2019-10-21", paper="xnrb", page="1")

        t_parse = median_time(parse, args.runs)
        t_full = median_time(full, args.runs)
    print(f"copy: {n} articles, {size / 1024:.0f} KB, {len(result.report)} findings")
    print(f"import_text (recognise + model), median of {args.runs}: {t_parse:.3f} s"
          f"  ({'under' if t_parse < 2 else 'OVER'} the 2 s target)")
    print(f"run_import (+ write, read back, report), median of {args.runs}: {t_full:.3f} s")


if __name__ == "__main__":
    main()
