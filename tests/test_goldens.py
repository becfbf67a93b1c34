"""Goldens: what the importer writes from the seed page, and the package files of the sample
build (the EPUB's OPF, nav and NCX; the archive's METS and the head of page 1's ALTO), each
compared byte for byte with tests/goldens/<case>/.

A change to any of them fails here with a diff. When the change is intended, run
``pytest --regen-goldens`` (or ``make goldens``), read ``git diff tests/goldens`` as a reviewer
would, and commit the goldens with the code that changed them.
"""

from __future__ import annotations

import zipfile

from publisher.sources.importers import run_import
from tests.conftest import SAMPLE_ID, SEED_PAGE


def _tree(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def alto_head(data: bytes, blocks: int = 4) -> bytes:
    """An ALTO file verbatim up to the end of its ``blocks``-th TextBlock: the description,
    the styles, the page and the masthead and first headline, glyph by glyph (the whole page
    is 0.7 MB)."""
    lines = data.splitlines(keepends=True)
    ends = [i for i, line in enumerate(lines) if line.strip() == b"</TextBlock>"]
    assert len(ends) >= blocks, f"{len(ends)} text blocks"
    return b"".join(lines[:ends[blocks - 1] + 1])


def test_seed_page_imports_to_the_golden_edition(tmp_path, golden):
    """The seed page through ``publisher import text``: edition.toml, one Markdown file per
    article and the import report."""
    out = tmp_path / "edition"
    run_import("text", SEED_PAGE, out=out, date="2019-10-21", paper="xnrb", page="1")
    golden("import-text-seed", _tree(out))


def test_epub_package_files_are_the_golden_ones(sample_build, golden):
    with zipfile.ZipFile(sample_build / f"{SAMPLE_ID}.epub") as epub:
        files = {name: epub.read(f"EPUB/{name}") for name in ("content.opf", "nav.xhtml", "toc.ncx")}
    golden("epub-sample", files)


def test_archive_package_files_are_the_golden_ones(sample_build, golden):
    data = sample_build / "archive" / "data"
    golden("archive-sample", {
        "mets.xml": (data / "mets.xml").read_bytes(),
        "alto-p01-head.xml": alto_head((data / "alto" / "p01.xml").read_bytes()),
    })
