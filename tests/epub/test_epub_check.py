"""EPUBCheck's verdict on the sample EPUB and on the every-block test edition: no errors,
no warnings (and no fatal errors), counted from its JSON report."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.epubcheck


def _verdict(report: dict) -> list[str]:
    return [f"{m['severity']} {m['ID']}: {m['message']} "
            f"{[loc.get('path') for loc in m.get('locations', [])][:3]}"
            for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]


def test_sample_passes_epubcheck_without_warnings(sample_epub_file, tmp_path, epubcheck):
    report = epubcheck(sample_epub_file, tmp_path)
    assert report["checker"]["nFatal"] == 0
    assert _verdict(report) == []
    assert report["checker"]["nError"] == 0 and report["checker"]["nWarning"] == 0
    assert report["publication"]["ePubVersion"].startswith("3")


def test_every_block_edition_passes_epubcheck_without_warnings(every_block_file, tmp_path, epubcheck):
    report = epubcheck(every_block_file, tmp_path)
    assert _verdict(report) == []
    assert report["checker"]["nError"] == 0 and report["checker"]["nWarning"] == 0


def test_epubcheck_finds_a_broken_epub(every_block_file, tmp_path, epubcheck):
    """The harness itself can fail: a document with a dangling link is reported."""
    import zipfile

    src = zipfile.ZipFile(every_block_file)
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("contents.xhtml"):
                data = data.replace(b'href="p01.xhtml"', b'href="missing.xhtml"')
            dst.writestr(info, data, compress_type=info.compress_type)
    report = epubcheck(broken, tmp_path)
    assert report["checker"]["nError"] > 0
