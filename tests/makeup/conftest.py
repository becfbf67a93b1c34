"""Fixtures of the make-up tests: the print tests' reader of PDF text."""

from tests.print.conftest import pdf_text  # noqa: F401
