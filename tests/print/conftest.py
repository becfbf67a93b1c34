"""Fixtures of the print tests: the sample's print edition (from the session's build of every
format) and the text of a PDF's pages."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"


@pytest.fixture(scope="session")
def print_build(sample_build) -> Path:
    """OUT/<edition-id>/ of the sample: <id>-print.pdf and print/p01.pdf, among the others."""
    return sample_build


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
