"""Fixtures of the print tests: the sample's print edition, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"


@pytest.fixture(scope="session")
def print_build(tmp_path_factory) -> Path:
    """OUT/<edition-id>/ of the sample built with --format print."""
    from publisher.publish import publish

    out = tmp_path_factory.mktemp("print-build")
    publish(SAMPLE, out, ["print"])
    return out / "xnrb-2019-10-21-xianan"


@pytest.fixture(scope="session")
def pdf_text():
    """pdf_text(path) -> the text of each page, as pdfium reads it back."""
    import pypdfium2 as pdfium

    def read(path: Path) -> list[str]:
        doc = pdfium.PdfDocument(str(path))
        try:
            return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        finally:
            doc.close()

    return read
