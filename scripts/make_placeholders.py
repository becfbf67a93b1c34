#!/usr/bin/env python3
"""Placeholder photos for an edition whose copy has captions but no photos yet.

Owns: drawing one clearly labelled placeholder per image that the edition's articles
link (``![alt](images/<file> "credit")``), so every output path that handles images is
exercised before the real photos arrive. The sample edition's seed page has captions
only; its placeholders are generated here and committed.

Output is deterministic: the same bytes on every run with the same Pillow and font
(no timestamps, no EXIF, no random noise; JPEG settings fixed). Files are written to a
temporary name and renamed, so an interrupted run never leaves half an image.

    python scripts/make_placeholders.py [EDITION_DIR] [--font PATH] [--size 1200x800]

If the font is missing, the label is drawn in ASCII only with Pillow's built-in face.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EDITION = REPO / "editions" / "xnrb-2019-10-21-xianan"
DEFAULT_FONT = Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf")
LABEL_CJK = "示意图 · 占位 PLACEHOLDER"
LABEL_ASCII = "PLACEHOLDER - not the real photo"
BACKGROUND = (150, 150, 150)
INK = (40, 40, 40)
PALE = (190, 190, 190)
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def linked_images(edition: Path) -> list[str]:
    """Relative paths (images/…) of every image the edition's articles link, sorted."""
    md = MarkdownIt("commonmark")
    found: set[str] = set()
    for article in sorted((edition / "articles").glob("*.md")):
        text = article.read_text(encoding="utf-8")
        # Skip the +++ front matter: it is TOML, not Markdown.
        parts = text.split("+++", 2)
        body = parts[2] if text.startswith("+++") and len(parts) == 3 else text
        for tok in md.parse(body):
            for child in tok.children or []:
                src = str(child.attrs.get("src") or "") if child.type == "image" else None
                if src and src.startswith("images/") and ".." not in src:
                    found.add(str(src))
    return sorted(found)


def _font(path: Path | None, size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The label face and whether it can draw Chinese."""
    if path is not None and path.is_file():
        return ImageFont.truetype(str(path), size), True
    return ImageFont.load_default(size=size), False


def _fit(d: ImageDraw.ImageDraw, text: str, font_path: Path | None, size: int, width: float):
    """The label face at ``size``, made smaller until ``text`` fits in ``width`` pixels."""
    size = max(10, size)
    while True:
        font, _ = _font(font_path, size)
        box = d.textbbox((0, 0), text, font=font)
        if box[2] - box[0] <= width or size <= 10:
            return font
        size -= 2


def draw(name: str, size: tuple[int, int], font_path: Path | None) -> Image.Image:
    w, h = size
    im = Image.new("RGB", size, BACKGROUND)
    d = ImageDraw.Draw(im)
    # A frame and a cross: the conventional "no picture here" mark, visible at any scale.
    m = max(8, w // 60)
    d.rectangle([m, m, w - 1 - m, h - 1 - m], outline=INK, width=max(4, w // 200))
    d.line([(m, m), (w - 1 - m, h - 1 - m)], fill=PALE, width=max(2, w // 400))
    d.line([(m, h - 1 - m), (w - 1 - m, m)], fill=PALE, width=max(2, w // 400))
    _, cjk = _font(font_path, 12)
    label = LABEL_CJK if cjk else LABEL_ASCII
    lines = [(label, _fit(d, label, font_path, w // 16, w * 0.85)),
             (name, _fit(d, name, font_path, w // 32, w * 0.85)),
             (f"{w} x {h}", _fit(d, f"{w} x {h}", font_path, w // 32, w * 0.85))]
    heights = [d.textbbox((0, 0), t, font=f)[3] - d.textbbox((0, 0), t, font=f)[1] for t, f in lines]
    gap = h // 20
    y = (h - sum(heights) - gap * (len(lines) - 1)) // 2
    for (text, font), th in zip(lines, heights, strict=True):
        box = d.textbbox((0, 0), text, font=font)
        tw = box[2] - box[0]
        x, ty = (w - tw) // 2 - box[0], y - box[1]
        # A plate behind the text keeps it legible over the cross.
        pad = h // 60
        d.rectangle([x + box[0] - pad, y - pad, x + box[2] + pad, y + th + pad], fill=BACKGROUND)
        d.text((x, ty), text, font=font, fill=INK)
        y += th + gap
    return im


def save(im: Image.Image, target: Path) -> None:
    """Write atomically with fixed encoder settings (no EXIF, no timestamps)."""
    fmt = FORMATS[target.suffix.lower()]
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if fmt == "JPEG":
                im.save(fh, "JPEG", quality=80, optimize=True, progressive=False,
                        subsampling="4:2:0", dpi=(72, 72))
            else:
                im.save(fh, "PNG", optimize=True)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; an image is for everyone to read
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("edition", nargs="?", type=Path, default=DEFAULT_EDITION,
                    help="edition folder (default: the sample edition)")
    ap.add_argument("--font", type=Path, default=DEFAULT_FONT,
                    help="a TrueType/OpenType face with Chinese glyphs for the label")
    ap.add_argument("--size", default="1200x800", help="WIDTHxHEIGHT in pixels")
    args = ap.parse_args(argv)
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        ap.error(f"--size must look like 1200x800, not {args.size!r}")
    if not (args.edition / "articles").is_dir():
        ap.error(f"{args.edition} has no articles/ folder")
    if not args.font.is_file():
        print(f"warning: font {args.font} not found; drawing an ASCII-only label", file=sys.stderr)
    srcs = linked_images(args.edition)
    for src in srcs:
        target = args.edition / src
        if target.suffix.lower() not in FORMATS:
            print(f"skipping {src}: not .jpg or .png", file=sys.stderr)
            continue
        save(draw(target.name, (w, h), args.font), target)
        print(f"{target.relative_to(args.edition)}  {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
