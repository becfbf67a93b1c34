"""publisher.formats: the output names, the default set and what each format needs, defined once
and used by publish, output_paths and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher import formats
from publisher.publish import output_paths


def test_names_and_paths():
    assert formats.DEFAULT == ("epub", "pdf")
    assert formats.ALL == ("epub", "kepub", "pdf", "phone", "print", "archive", "web")
    assert [formats.main_output(f, "x-2019") for f in formats.ALL] == [
        "x-2019.epub", "x-2019.kepub.epub", "x-2019.pdf", "x-2019-phone.pdf", "x-2019-print.pdf",
        "archive/bagit.txt", "web/index.html"]
    assert formats.print_page_file("p01") == "print/p01.pdf"
    assert output_paths("x-2019", Path("out"), ["pdf", "archive", "pdf"]) == [
        Path("out/x-2019/x-2019.pdf"), Path("out/x-2019/archive/bagit.txt")]


def test_the_archive_needs_the_print_pages_and_the_epub():
    assert formats.needed(["archive"]) == {"archive", "print", "epub"}
    assert formats.needed(["web"]) == {"web", "print"}  # the zones come from the print layout
    assert formats.needed(["pdf", "pdf"]) == {"pdf"}
    assert formats.chosen(["print", "epub", "print"]) == ("print", "epub")
    with pytest.raises(ValueError, match="unknown output format"):
        formats.chosen(["pdf", "mobi"])


def test_the_cli_offers_exactly_these_formats():
    from publisher.cli import Format

    assert [f.value for f in Format] == list(formats.ALL)
