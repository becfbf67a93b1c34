"""Bad input: a message naming the file (and line), a non-zero exit, nothing written."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from publisher.cli import app

runner = CliRunner()

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def build(edition, out):
    return runner.invoke(app, ["build", str(edition), "--out", str(out)])


def article(body="正文。", **front):
    front.setdefault("headline", "标题")
    lines = [f'{k} = "{v}"' for k, v in front.items()]
    return "+++\n" + "\n".join(lines) + "\n+++\n" + body + "\n"


# case -> (files to write, None to leave one out; where the error is; words of its message)
CASES: dict[str, tuple[dict[str, str | bytes | None], str, str]] = {
    "invalid-toml": (
        {"edition.toml": "[paper\nid = 1\n"}, "edition.toml:1", "invalid TOML"),
    "missing-article": (
        {"articles/one.md": None}, "edition.toml", "'one' is listed but"),
    "no-headline": (
        {"articles/one.md": "+++\nbyline = \"记者 张三\"\n+++\n正文。\n"}, "one.md:1", "no headline"),
    "unknown-front-matter-key": (
        {"articles/one.md": "+++\nheadline = \"标题\"\nheadlin = \"x\"\n+++\n正文。\n"},
        "one.md:3", "unknown key 'headlin'"),
    "missing-image": (
        {"articles/one.md": article("![图](images/none.jpg)\n说明。")}, "one.md:4",
        "does not exist"),
    "not-an-image": (
        {"articles/one.md": article("![图](images/fake.jpg)\n说明。"),
         "images/fake.jpg": b"this is not a jpeg"}, "one.md:4", "not a readable image"),
    "image-outside-edition": (
        {"articles/one.md": article("![图](../../etc/passwd)\n说明。")}, "one.md:4",
        "outside the edition"),
    "remote-image": (
        {"articles/one.md": article("![图](http://example.com/a.jpg)\n说明。")}, "one.md:4",
        "remote image"),
    "not-utf8": (
        {"articles/one.md": article("党的十九大提出。").encode("gb18030")}, "one.md",
        "looks like GB18030"),
    "raw-script": (
        {"articles/one.md": article("<script>alert(1)</script>\n")}, "one.md:4", "raw HTML"),
    "raw-inline-html": (
        {"articles/one.md": article("正文<img src=x onerror=alert(1)>。")}, "one.md:4",
        "raw HTML"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_and_nothing_is_written(case, make_edition, tmp_path):
    files, where, words = CASES[case]
    toml = files.pop("edition.toml", "default")
    kwargs = {} if toml == "default" else {"toml": toml}
    edition = make_edition(files, **kwargs)
    out = tmp_path / "out"
    result = build(edition, out)
    assert result.exit_code == 1, result.output
    assert where in result.output, result.output
    assert words in result.output, result.output
    assert "nothing was written" in result.output
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*") if p.name != ".publisher.lock")


def test_unlisted_article_is_a_warning_and_the_build_goes_on(make_edition, tmp_path):
    edition = make_edition({"articles/stray.md": article()})
    result = build(edition, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "stray.md" in result.output and "warning" in result.output


def test_all_problems_of_a_run_are_reported_together(make_edition, tmp_path):
    toml = ('[paper]\nid = "t"\nname = "报"\npublisher = "社"\n[issue]\ndate = 2019-10-21\n'
            'number = 1\n[[pages]]\nnumber = 1\nname = "版"\narticles = ["one", "two", "three"]\n')
    edition = make_edition({"articles/two.md": "+++\nheadlin = \"x\"\n+++\n正文\n"}, toml=toml)
    result = build(edition, tmp_path / "out")
    assert result.exit_code == 1
    assert "unknown key 'headlin'" in result.output
    assert "'three' is listed but" in result.output


def test_uncovered_character_names_article_and_code_point(make_edition, tmp_path):
    edition = make_edition({"articles/one.md": article("古文字\U0002A6A5在此。\U000F0001")})
    result = build(edition, tmp_path / "out")
    assert result.exit_code == 1
    assert "article 'one'" in result.output and "U+F0001" in result.output


def test_check_reports_without_building(make_edition, tmp_path):
    edition = make_edition({"articles/one.md": "+++\nheadline = \"标题\"\nkicker = 3\n+++\n正文。\n"})
    result = runner.invoke(app, ["check", str(edition)])
    assert result.exit_code == 1
    assert "kicker" in result.output


def test_output_folder_inside_the_edition_is_refused(make_edition):
    edition = make_edition()
    result = build(edition, edition / "dist")
    assert result.exit_code == 1 and "inside the edition" in result.output
    assert not (edition / "dist").exists()


def test_the_cli_colours_every_kind_of_finding_from_one_table():
    from pathlib import Path

    from publisher.cli import COLOURS
    from publisher.errors import Severity
    from publisher.printing.preflight import Report
    from publisher.sources.importers import Level

    report = Report(Path("x.pdf"))
    report.error("e"), report.warn("w"), report.ok("o")
    kinds = ({s.value for s in Severity} | {level.value for level in Level}
             | {f.severity for f in report.findings})
    assert kinds == set(COLOURS)


def test_the_console_script_reports_a_bug_as_error_internal(monkeypatch, capsys):
    """The installed ``publisher`` command is ``main`` (the net around the commands), not the
    bare typer app: a bug is error[internal] with a hint, exit 1, and no traceback."""
    import importlib
    import sys
    import tomllib
    from pathlib import Path

    import publisher.cli as cli

    # as pyproject.toml declares it (an installed copy's metadata may be older than the file)
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text("utf-8"))
    module, name = project["project"]["scripts"]["publisher"].split(":")
    command = getattr(importlib.import_module(module), name)

    def bug(*args, **kwargs):
        raise ValueError("a bug, whatever the input")

    monkeypatch.setattr(cli, "app", bug)
    # cli.leave ends the process (os._exit, after the exit handlers) when no other thread runs:
    # here it would end pytest's, silently with status 1 (tests/test_cli_exit.py tests it)
    monkeypatch.setattr(cli, "leave", sys.exit)
    with pytest.raises(SystemExit) as stop:
        command()
    assert stop.value.code == 1
    stderr = capsys.readouterr().err
    assert "error[internal]" in stderr and "a bug, whatever the input" in stderr
    assert "Traceback" not in stderr
