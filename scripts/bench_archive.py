"""Benchmark: how much archiving adds to the time of a PDF build, on a 16-版 edition.

The benchmark edition is made from the sample: its 版 repeated 16 times (articles copied
under new slugs, so every 版 holds the real page's nine articles; the seed page is one
broadsheet page, so this is the size of a 16-page issue). Until the print layout lands,
the PDF build measured is the reading PDF (the archive then takes its pages from it).

Each configuration is built in-process after one warm-up build (fonts and WeasyPrint
loaded), into a fresh folder, ``--runs`` times; the median is reported.

    PYTHONPATH=. .venv/bin/python scripts/bench_archive.py [--pages 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"


def make_edition(target: Path, pages: int) -> Path:
    shutil.copytree(SAMPLE / "images", target / "images")
    (target / "articles").mkdir(parents=True)
    toml = (SAMPLE / "edition.toml").read_text("utf-8")
    head, first_page = toml.split("[[pages]]", 1)
    slugs = re.findall(r'^\s+"([a-z0-9-]+)",', first_page, flags=re.M)
    blocks = []
    for n in range(1, pages + 1):
        for slug in slugs:
            text = (SAMPLE / "articles" / f"{slug}.md").read_text("utf-8")
            (target / "articles" / f"{slug}-{n:02d}.md").write_text(text, "utf-8")
        names = ", ".join(f'"{s}-{n:02d}"' for s in slugs)
        blocks.append(f'[[pages]]\nnumber = {n}\nname = "咸安新闻"\nlabel = "第{n}版"\n'
                      f'editors = [{{ role = "责任编辑", name = "周敏" }}]\narticles = [{names}]\n')
    (target / "edition.toml").write_text(head + "\n".join(blocks), "utf-8")
    return target


def timed(edition: Path, formats: list[str]) -> float:
    from publisher.publish import publish

    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    try:
        start = time.perf_counter()
        publish(edition, out, formats)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ed-") as tmp:
        edition = make_edition(Path(tmp) / "edition", args.pages)
        timed(edition, ["pdf"])  # warm-up: fonts, WeasyPrint, caches
        configs = {"pdf": ["pdf"], "pdf+archive": ["pdf", "archive"],
                   "epub+pdf": ["epub", "pdf"], "epub+pdf+archive": ["epub", "pdf", "archive"]}
        medians = {}
        for name, formats in configs.items():
            runs = [timed(edition, formats) for _ in range(args.runs)]
            medians[name] = statistics.median(runs)
            print(f"{name:18} median {medians[name]:6.2f} s  runs " + " ".join(f"{r:.2f}" for r in runs))
        for base, more in (("pdf", "pdf+archive"), ("epub+pdf", "epub+pdf+archive")):
            extra = medians[more] - medians[base]
            print(f"archive adds {extra:5.2f} s = {100 * extra / medians[base]:4.1f} % to the {base} build")


if __name__ == "__main__":
    main()
