"""Honest dates: the issue date where the issue is meant, the date of making where the
making is meant — SOURCE_DATE_EPOCH when set (the suite sets it, tests/conftest.py), else
the clock."""

from __future__ import annotations

import datetime as dt

import pikepdf
import pytest
from lxml import etree

from publisher.archive import made_at

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
METS = "{http://www.loc.gov/METS/}"
MODS = "{http://www.loc.gov/mods/v3}"
PREMIS = "{http://www.loc.gov/premis/v3}"
MADE = "2023-11-14T22:13:20+00:00"  # tests/conftest.py's SOURCE_DATE_EPOCH
EDITION_ID = "xnrb-2019-10-21-xianan"


def test_made_at_reads_source_date_epoch_else_the_clock():
    assert made_at({"SOURCE_DATE_EPOCH": "1700000000"}).isoformat() == MADE
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    now = made_at({})
    assert before <= now <= dt.datetime.now(dt.UTC)
    assert now.tzinfo is not None and now.microsecond == 0


@pytest.mark.parametrize("bad", ["yesterday", "1.5", "9" * 30])
def test_a_bad_source_date_epoch_is_an_error(bad):
    from publisher.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        made_at({"SOURCE_DATE_EPOCH": bad})
    assert info.value.problems[0].code == "source-date-epoch"


def test_the_cli_refuses_a_bad_source_date_epoch_and_writes_nothing(make_edition, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from publisher.cli import app

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "tomorrow")
    result = CliRunner().invoke(app, ["archive", str(make_edition()), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "error[source-date-epoch]" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("bagit.txt"))


def test_every_date_of_making_is_the_making_and_the_issue_date_stays(archive_bag):
    data = archive_bag / "data"
    mets = etree.parse(str(data / "mets.xml"))
    assert mets.find(f"{METS}metsHdr").get("CREATEDATE") == MADE
    assert next(mets.iter(f"{PREMIS}eventDateTime")).text == MADE
    issue = mets.find(f"{METS}dmdSec[@ID='DMD_ISSUE']//{MODS}mods")
    assert issue.findtext(f"{MODS}originInfo/{MODS}dateIssued") == "2019-10-21"
    assert issue.findtext(f"{MODS}recordInfo/{MODS}recordCreationDate") == MADE
    alto = etree.parse(str(data / "alto" / "p01.xml"))
    assert next(alto.iter(f"{ALTO}processingDateTime")).text == MADE
    for pdf_path in (data / f"{EDITION_ID}.pdf", data / "pages" / "p01.pdf"):
        with pikepdf.open(pdf_path) as pdf:
            meta = pdf.open_metadata()
            assert meta["xmp:CreateDate"] == MADE
            assert meta["xmp:ModifyDate"] == MADE
            assert meta["dc:date"] == ["2019-10-21"]  # what the file is of: the issue's date
    info = (archive_bag / "bag-info.txt").read_text("utf-8")
    assert "Bagging-Date: 2023-11-14\n" in info and "Issue-Date: 2019-10-21\n" in info


def test_without_source_date_epoch_the_package_is_dated_now(make_edition, tmp_path, monkeypatch):
    from publisher.publish import publish

    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    publish(make_edition(), tmp_path, ["archive"])
    bag = tmp_path / "test-2019-10-21" / "archive"
    created = dt.datetime.fromisoformat(
        etree.parse(str(bag / "data" / "mets.xml")).getroot().find(f"{METS}metsHdr").get("CREATEDATE"))
    assert before <= created <= dt.datetime.now(dt.UTC)
    assert f"Bagging-Date: {created.date().isoformat()}\n" in (bag / "bag-info.txt").read_text("utf-8")
