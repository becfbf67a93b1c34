"""Peers: publisher's reading PDF against raw WeasyPrint on the same text.

    python benchmarks/peers.py [--runs 5] [--pages 1 16 64] [--baseline CHECKOUT]

For the sample (1 版) and generated editions of 16 and 64 版 (make_big_edition.py), each
run renders, in a fresh process each:

- **publisher**: ``reading.reading_pdf`` (the engine installed: typeset pass, inter-character
  justification, bookmarks, PDF/A-2a tagged);
- **raw WeasyPrint 70**: the same articles' text (kicker, headline, subtitle, byline, lead,
  paragraphs, briefs, captions) as plain HTML with a plain one-column stylesheet of the same
  page (A4, the reading PDF's margins), font (Noto Serif CJK SC, headlines Noto Sans CJK SC
  bold) and size (11 pt, line height 1.7, justified), tagged (``pdf_tags``, PDF/A-2a), with
  no patch of publisher's installed and fontconfig limited to the same pinned fonts.

Pairs are interleaved (publisher, raw, publisher, raw…) so that the load of other processes
on this shared machine falls on both alike. Printed: the machine's load before and after,
median wall and CPU seconds of the render alone (the process's start, the imports of
WeasyPrint and publisher with its engine installed, and the reading of the edition are not
counted on either side; publisher's own HTML from its templates is, raw's plain HTML is
made before the clock starts), peak memory (max RSS) of each process, and the ratio
raw / publisher of the median CPU (the issue's figure: raw WeasyPrint took 0.54 × of
publisher's time on the sample and 0.30 × on 64 版 before this work). With ``--baseline``
(another checkout of publisher, e.g. main's) its reading PDF is rendered too, in the same
interleaved rounds, and the ratio this / baseline of the median CPU is printed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH, ROOT, arguments, big_edition, load_average, medians, run_fresh

PLAIN_CSS = """
@page { size: A4; margin: 22mm 20mm 24mm;
        @bottom-center { content: counter(page); font-family: "Noto Sans CJK SC"; font-size: 9pt; } }
html { font-family: "Noto Serif CJK SC", "BabelStone Han", serif; font-size: 11pt; }
body { line-height: 1.7; text-align: justify; }
h1 { font-family: "Noto Sans CJK SC", "BabelStone Han", sans-serif; font-weight: 700; font-size: 1.6em;
     line-height: 1.3; text-align: center; margin: 0.1em 0; }
h2 { font-family: "Noto Sans CJK SC", "BabelStone Han", sans-serif; font-weight: 700; font-size: 12pt;
     break-before: page; }
p { text-indent: 2em; margin: 0; }
"""

# Runs in a fresh process: render, print one JSON line of times and peak memory.
_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
mode, edition_dir = sys.argv[1], Path(sys.argv[2])
from publisher.publish import load
edition, settings, fonts, _ = load(edition_dir)
if mode == "publisher":
    from publisher.engine import load as load_engine
    from publisher.reading import reading_pdf
    load_engine(fonts)  # WeasyPrint imported and the engine installed, as raw's import below
    run = lambda: reading_pdf(edition, settings, fonts)
else:
    import os
    os.environ["FONTCONFIG_FILE"] = str(fonts.fontconfig_file())
    import weasyprint  # raw: publisher's engine never installed in this process
    sys.path.insert(0, {bench!r})
    from peers import plain_html, PLAIN_CSS
    html = plain_html(edition)
    run = lambda: weasyprint.HTML(string=html).write_pdf(
        stylesheets=[weasyprint.CSS(string=PLAIN_CSS)], pdf_variant="pdf/a-2a", pdf_tags=True)
c, t = time.process_time(), time.perf_counter()
pdf = run()
print(json.dumps(dict(wall=time.perf_counter() - t, cpu=time.process_time() - c,
                      peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      size=len(pdf))))
"""


def plain_html(edition) -> str:
    """The edition's text as plain HTML: one h2 a 版, one h1 an article, one p a paragraph."""
    from html import escape

    def text(block) -> str:
        for attr in ("runs",):
            if hasattr(block, attr):
                return "".join(r.text for r in block.runs)
        for attr in ("text", "caption", "title"):
            if hasattr(block, attr):
                return getattr(block, attr)
        if hasattr(block, "rows"):
            return " ".join(" ".join(row) for row in (block.header, *block.rows))
        return ""

    out = ['<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>peers</title>'
           '</head><body>']
    for page in edition.pages:
        out.append(f"<h2>{escape(page.name)}</h2>")
        for article in page.articles:
            for line in (article.kicker, ):
                if line:
                    out.append(f"<p>{escape(line)}</p>")
            if article.headline:
                out.append(f"<h1>{escape(article.headline)}</h1>")
            for line in (article.subtitle, article.byline and str(article.byline), article.dateline):
                if line:
                    out.append(f"<p>{escape(line)}</p>")
            out += [f"<p>{escape(text(b))}</p>" for b in article.body if text(b)]
    out.append("</body></html>")
    return "\n".join(out)


def one(mode: str, edition: Path, root: Path = ROOT) -> dict:
    return run_fresh(_CHILD.format(root=str(root), bench=str(BENCH)), mode, edition, checkout=root)


def main() -> None:
    args = arguments(__doc__, runs=5, pages=[1, 16, 64], baseline=True).parse_args()
    print(f"load average before: {load_average()}")
    print(f"{'edition':8} {'pub wall':>9} {'pub CPU':>8} {'raw wall':>9} {'raw CPU':>8} "
          f"{'raw/pub CPU':>12} {'pub MB':>7} {'raw MB':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for pages in args.pages:
            edition = big_edition(Path(tmp), pages)
            runs: dict[str, list[dict]] = {"publisher": [], "raw": []}
            if args.baseline:
                runs["baseline"] = []
            for _ in range(args.runs):
                for mode in runs:
                    if mode == "baseline":
                        runs[mode].append(one("publisher", edition, args.baseline.resolve()))
                    else:
                        runs[mode].append(one(mode, edition))
            med = {m: medians(rs, ("wall", "cpu", "peak_mb")) for m, rs in runs.items()}
            p, r = med["publisher"], med["raw"]
            print(f"{pages:3d} 版   {p['wall']:9.2f} {p['cpu']:8.2f} {r['wall']:9.2f} {r['cpu']:8.2f} "
                  f"{r['cpu'] / p['cpu']:12.2f} {p['peak_mb']:7.0f} {r['peak_mb']:7.0f}", flush=True)
            if args.baseline:
                b = med["baseline"]
                print(f"        baseline: {b['wall']:.2f} s wall, {b['cpu']:.2f} s CPU, {b['peak_mb']:.0f} MB; "
                      f"this / baseline CPU {p['cpu'] / b['cpu']:.2f}; raw / baseline CPU "
                      f"{r['cpu'] / b['cpu']:.2f}", flush=True)
    print(f"load average after: {load_average()}; "
          f"medians of {args.runs} interleaved runs, render only, a fresh process each")


if __name__ == "__main__":
    main()
