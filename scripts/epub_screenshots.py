"""Screenshots of the reader EPUB for the docs, as foliate-js (the engine of the Foliate
reader) shows it in Debian's Chromium at a phone's size: the first article, a photo article
and the issue contents page.

    .venv/bin/python scripts/epub_screenshots.py EPUB_FILE [OUT_DIR]

Writes OUT_DIR/epub-article.png, epub-photo.png and epub-contents.png (default docs/images).
Needs what the reader tests need (`make test-tools`): chromium, Playwright, foliate-js.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.epub.readers import Browser, Foliate  # noqa: E402  (the reader tests' own driver)


def _spine(epub: bytes) -> list[str]:
    """The content documents in reading order, as foliate-js names them (EPUB/text/…)."""
    import io
    import zipfile

    from lxml import etree

    ns = {"opf": "http://www.idpf.org/2007/opf"}
    opf = etree.fromstring(zipfile.ZipFile(io.BytesIO(epub)).read("EPUB/content.opf"))
    hrefs = {i.get("id"): i.get("href") for i in opf.iterfind(".//opf:manifest/opf:item", ns)}
    return ["EPUB/" + hrefs[ref.get("idref")] for ref in opf.iterfind(".//opf:spine/opf:itemref", ns)]


def _save(reader: Foliate, out: Path) -> None:
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "shot.png"
        reader.screenshot(shot)
        # 64 colours are plenty for text and a photo placeholder, and keep the PNGs small
        Image.open(shot).convert("RGB").quantize(colors=64).save(out, optimize=True)


def main(argv: list[str]) -> int:
    epub = Path(argv[1]).read_bytes()
    out_dir = Path(argv[2]) if len(argv) > 2 else ROOT / "docs" / "images"
    out_dir.mkdir(parents=True, exist_ok=True)
    spine = _spine(epub)
    articles = [h for h in spine if h.rsplit("/", 1)[-1].startswith("a-")]
    browser = Browser()
    try:
        reader = Foliate(browser, epub)
        for name, href in (("epub-article", articles[0]), ("epub-contents", "EPUB/text/contents.xhtml"),
                           ("epub-photo", next(h for h in articles if "yaozui" in h or "photo" in h)
                            if any("yaozui" in h or "photo" in h for h in articles) else articles[-1])):
            reader.show(href)
            _save(reader, out_dir / f"{name}.png")
            print(out_dir / f"{name}.png")
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
