"""`publisher verify` on many bags (checking a backfill): every bag is checked, the bad one
is named, and the exit code is 1 when any bag does not verify."""

from __future__ import annotations

from typer.testing import CliRunner

from publisher.cli import app


def test_verify_checks_every_bag_and_names_the_bad_one(archive_bag, bag_copy):
    alto = sorted((bag_copy / "data").rglob("*.xml"))[0]
    alto.write_bytes(alto.read_bytes().replace(b"<", b" <", 1))
    result = CliRunner().invoke(app, ["verify", str(archive_bag), str(bag_copy)])
    assert result.exit_code == 1, result.output
    # rich wraps long lines, at a space or inside a long path: compare without white space
    text = squash(result.output)
    assert squash(f"{archive_bag}: issue bag verified") in text
    assert squash(f"{bag_copy}: ") in text and squash("does not verify") in text
    assert alto.name in text
    assert squash("1 of 2 bags verified") in text


def squash(text: str) -> str:
    return "".join(text.split())


def test_verify_of_good_bags_exits_zero(archive_bag):
    result = CliRunner().invoke(app, ["verify", str(archive_bag), str(archive_bag)])
    assert result.exit_code == 0, result.output
    assert "2 of 2 bags verified" in result.output
