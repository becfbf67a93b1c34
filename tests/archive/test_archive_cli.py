"""The archive from the command line, on a small edition made on the fly."""

from __future__ import annotations

from typer.testing import CliRunner

from publisher.archive import verify_bag
from publisher.cli import app


def test_build_format_archive_and_the_archive_command_write_a_bag_that_verifies(make_edition, tmp_path):
    edition = make_edition()
    runner = CliRunner()
    result = runner.invoke(app, ["build", str(edition), "--out", str(tmp_path / "a"), "--format", "archive"])
    assert result.exit_code == 0, result.output
    bag = tmp_path / "a" / "test-2019-10-21" / "archive"
    assert verify_bag(bag) == []
    assert not (tmp_path / "a" / "test-2019-10-21" / "test-2019-10-21.pdf").exists()  # asked: archive only

    result = runner.invoke(app, ["archive", str(edition), "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    again = tmp_path / "b" / "test-2019-10-21" / "archive"
    assert (again / "manifest-sha512.txt").read_bytes() == (bag / "manifest-sha512.txt").read_bytes()

    ok = runner.invoke(app, ["verify", str(bag)])
    assert ok.exit_code == 0 and "verified" in ok.output


def test_archive_of_a_broken_edition_writes_nothing(make_edition, tmp_path):
    edition = make_edition(toml=None)
    result = CliRunner().invoke(app, ["archive", str(edition), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("archive"))
