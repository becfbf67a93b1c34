"""Screenshots of the reader EPUB for the docs: the first article and the issue contents
page, rendered by headless Chromium from the unpacked XHTML at a phone's width.

    PYTHONPATH=. .venv/bin/python scripts/epub_screenshots.py EPUB_FILE [OUT_DIR]

Writes OUT_DIR/epub-article.png and OUT_DIR/epub-contents.png (default docs/images).
Needs a `chromium` (Debian package) on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WIDTH, HEIGHT, SCALE = 420, 900, 2


def shoot(chromium: str, page: Path, out: Path) -> None:
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={WIDTH},{HEIGHT}", f"--force-device-scale-factor={SCALE}",
                    "--allow-file-access-from-files", f"--screenshot={out}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image

    # 32 colours are plenty for text on white and keep the PNGs in the repository small
    Image.open(out).convert("RGB").quantize(colors=32).save(out, optimize=True)


def _first_article(opf: Path) -> str:
    """The file name of the first article document in spine order."""
    from lxml import etree

    ns = {"opf": "http://www.idpf.org/2007/opf"}
    root = etree.parse(str(opf))
    hrefs = {i.get("id"): i.get("href") for i in root.iterfind(".//opf:manifest/opf:item", ns)}
    for ref in root.iterfind(".//opf:spine/opf:itemref", ns):
        name = hrefs[ref.get("idref")].rsplit("/", 1)[-1]
        if name.startswith("a-"):
            return name
    raise SystemExit("the EPUB has no article")


def main(argv: list[str]) -> int:
    epub = Path(argv[1])
    out_dir = Path(argv[2]) if len(argv) > 2 else Path(__file__).resolve().parent.parent / "docs" / "images"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 1
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(epub).extractall(tmp)
        text = Path(tmp) / "EPUB" / "text"
        first_article = text / _first_article(Path(tmp) / "EPUB" / "content.opf")
        shoot(chromium, first_article, out_dir / "epub-article.png")
        shoot(chromium, text / "contents.xhtml", out_dir / "epub-contents.png")
    print(f"wrote {out_dir / 'epub-article.png'} and {out_dir / 'epub-contents.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
