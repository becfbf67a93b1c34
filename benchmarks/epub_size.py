"""What subsetting saves: the sample EPUB with font subsets against the same EPUB with the
whole faces embedded, and how long each build takes.

    PYTHONPATH=. .venv/bin/python benchmarks/epub_size.py [EDITION_DIR]

Prints a table (sizes in bytes and KB, per font file and in total) and exits non-zero
when the subset EPUB is not under the 1.5 MB budget of issue 4.
"""

from __future__ import annotations

import io
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.epub import build_epub, cover_image  # noqa: E402
from publisher.printing.build import front_page  # noqa: E402
from publisher.publish import load  # noqa: E402

BUDGET = 1_500_000


def main(argv: list[str]) -> int:
    edition_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "editions" / "xnrb-2019-10-21-xianan"
    edition, settings, fonts, _ = load(edition_dir)
    cover = cover_image(front_page(edition, settings, fonts))
    rows = {}
    for label, subset in (("subsets", True), ("full faces", False)):
        t0 = time.perf_counter()
        data = build_epub(edition, settings, fonts, cover=cover, subset_fonts=subset)
        rows[label] = (data, time.perf_counter() - t0)
    print(f"edition: {edition.id}")
    print(f"{'':24}{'subsets':>14}{'full faces':>16}")
    sub, full = (zipfile.ZipFile(io.BytesIO(rows[k][0])) for k in ("subsets", "full faces"))
    for info in sub.infolist():
        if info.filename.endswith(".otf"):
            other = full.getinfo(info.filename)
            print(f"{info.filename.split('/')[-1]:24}{_kb(info.file_size):>14}{_kb(other.file_size):>16}"
                  "   (uncompressed)")
    s, f = len(rows["subsets"][0]), len(rows["full faces"][0])
    print(f"{'EPUB':24}{_kb(s):>14}{_kb(f):>16}")
    print(f"{'build time':24}{rows['subsets'][1]:>13.2f}s{rows['full faces'][1]:>15.2f}s")
    print(f"subsets: {s} bytes = {s / f:.1%} of {f} bytes; budget {BUDGET} bytes: "
          f"{'OK' if s < BUDGET else 'OVER'}")
    return 0 if s < BUDGET else 1


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
