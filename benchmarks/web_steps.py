"""Benchmark: each step of the web edition's work in a print worker, per 版 (CPU seconds).

What ``web_bench.py`` counts as one lump inside "print pages" (the workers' CPU), step by
step: for each 版 of the benchmark edition (``make_big_edition.py``), the page PDF, layout
record and photos its print worker hands ``web.images`` are captured from one cold
``--format print --format web`` build; then, in a forked process as a print worker runs
them (one 版 after another, the bitmap and Pillow's memory kept between them), each step of
``web.images.page_images`` and the zones is timed alone: opening the page PDF, swapping the
photos for their sRGB pictures, pdfium's render at twice the web width, halving, the
thumbnail, the four encodes, the zones. Rounds are repeated (``--runs``) with the load
average printed after each; medians over the rounds. The steps' files are checked against
``page_images``' own for every 版 in the first round (untimed), so the timed code is the
product's.

    PYTHONPATH=. .venv/bin/python benchmarks/web_steps.py [--pages 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from make_big_edition import make as make_edition  # noqa: E402

STEPS = ("open", "photos in sRGB", "render 3200 px", "halving", "thumbnail", "JPEG 2x", "WebP",
         "JPEG", "thumbnail JPEG", "zones")


def capture(edition: Path, folder: Path) -> list[tuple]:
    """(page PDF, layout, photos, spec) of each 版, as its print worker hands them to
    ``web.images._as_files`` in a cold print + web build."""
    import publisher.web.images as images
    from publisher.publish import publish

    made = images._as_files

    def keeping(pdf, layout, photos, spec):
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".pickle", delete=False) as f:
            pickle.dump((pdf, layout, photos, spec), f)
        return made(pdf, layout, photos, spec)

    images._as_files = keeping
    os.environ["PUBLISHER_CACHE"] = str(folder / "cache")
    try:
        publish(edition, folder / "out", ["print", "web"])
    finally:
        images._as_files = made
    return [pickle.loads(p.read_bytes()) for p in sorted(folder.glob("*.pickle"))]  # any order


def steps(inputs: list[tuple], check: bool = False) -> dict[str, float]:
    """CPU seconds of each step over all the 版, in this process (a forked worker); ``check``:
    that the steps made the files ``page_images`` makes (untimed)."""
    import pypdfium2 as pdfium
    from PIL import Image

    from publisher.web import images, urls
    from publisher.web.zones import page_zones, zones_json

    spent = dict.fromkeys(STEPS, 0.0)
    clock = time.process_time

    def encode(im, fmt: str, **options) -> bytes:
        buf = io.BytesIO()
        im.save(buf, fmt, **options)
        return buf.getvalue()

    for pdf, layout, photos, spec in inputs:
        files = {}
        t = clock()
        document = pdfium.PdfDocument(pdf)
        page = document[0]
        page.set_cropbox(*page.get_trimbox())
        t, spent["open"] = clock(), spent["open"] + clock() - t
        images._in_srgb(page, photos)
        t, spent["photos in sRGB"] = clock(), spent["photos in sRGB"] + clock() - t
        wide = 2 * spec.width
        bitmap = page.render(scale=(wide - 1e-6) / page.get_width(), may_draw_forms=False,
                             rev_byteorder=True, prefer_bgrx=True, bitmap_maker=images._bitmap)
        image = bitmap.to_pil()
        page.close()
        document.close()
        images._keep_blocks()
        t, spent["render 3200 px"] = clock(), spent["render 3200 px"] + clock() - t
        small = image.reduce(2)
        t, spent["halving"] = clock(), spent["halving"] + clock() - t
        thumb = small.resize((images.THUMB_WIDTH, round(small.height * images.THUMB_WIDTH / small.width)),
                             Image.Resampling.BOX)
        t, spent["thumbnail"] = clock(), spent["thumbnail"] + clock() - t
        files[urls.PAGE_JPEG_2X] = encode(image, "JPEG", quality=spec.jpeg_2x_quality)
        t, spent["JPEG 2x"] = clock(), spent["JPEG 2x"] + clock() - t
        files[urls.PAGE_WEBP] = encode(small, "WEBP", quality=spec.webp_quality, method=spec.webp_effort)
        t, spent["WebP"] = clock(), spent["WebP"] + clock() - t
        files[urls.PAGE_JPEG] = encode(small, "JPEG", quality=spec.jpeg_quality)
        t, spent["JPEG"] = clock(), spent["JPEG"] + clock() - t
        files[urls.PAGE_THUMB] = encode(thumb, "JPEG", quality=spec.jpeg_quality)
        t, spent["thumbnail JPEG"] = clock(), spent["thumbnail JPEG"] + clock() - t
        zones_json(page_zones(layout))
        spent["zones"] += clock() - t
        if check and files != images.page_images(pdf, spec, photos).files:
            raise RuntimeError("the timed steps made other files than web.images.page_images: "
                             "update web_steps.py to the product's code")
    return spent


def _round(inputs: list[tuple], check: bool, out) -> None:
    from publisher.workers import started

    started()  # SIGINT and SIGTERM end it, and so does its parent's end
    try:
        out.send(("done", steps(inputs, check)))
    except BaseException as e:  # told to the parent, which stops
        out.send(("failed", repr(e)))
    finally:
        out.close()


def timed_round(inputs: list[tuple], check: bool = False, timeout: float = 1800) -> dict[str, float]:
    """``steps`` in a forked process, as a print worker runs them; it ends whatever happens."""
    from publisher.workers import end

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_round, args=(inputs, check, send), daemon=True)
    worker.start()
    try:
        send.close()
        if not receive.poll(timeout):
            raise SystemExit(f"a round took more than {timeout} s")
        try:
            outcome, found = receive.recv()
        except EOFError:
            raise SystemExit(f"the round's process ended without an answer (exit {worker.exitcode})") from None
        if outcome != "done":
            raise SystemExit(f"the round failed: {found}")
        return found
    finally:
        worker.join(timeout=30)  # done once it has answered
        end(worker)
        receive.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="web-steps-") as tmp:
        edition = make_edition(Path(tmp) / "edition", args.pages)
        folder = Path(tmp) / "captured"
        folder.mkdir()
        inputs = capture(edition, folder)
    print(f"{len(inputs)} 版 captured; load {os.getloadavg()[0]:.2f}", flush=True)
    rounds = []
    for i in range(args.runs):
        rounds.append(timed_round(inputs, check=i == 0))
        print(f"  round {i + 1}: {sum(rounds[-1].values()):.2f} s CPU, load {os.getloadavg()[0]:.2f}: "
              + ", ".join(f"{k} {v:.3f}" for k, v in rounds[-1].items()), flush=True)
    total = statistics.median(sum(r.values()) for r in rounds)
    print(f"{len(inputs)} 版, {args.runs} rounds, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs; medians, CPU s:")
    for step in STEPS:
        m = statistics.median(r[step] for r in rounds)
        print(f"  {step:16} {m:7.3f} s  {m / len(inputs):.4f} s a 版")
    print(f"  {'all':16} {total:7.3f} s  {total / len(inputs):.4f} s a 版")


if __name__ == "__main__":
    main()
