"""Building many editions in one run (an archivist's backfill): a failing edition is reported
and the others are built; --skip-built resumes a batch; the exit code says whether any failed."""

from __future__ import annotations

from typer.testing import CliRunner

from publisher.cli import app

TOML = """\
[paper]
id = "test"
name = "测试日报"
publisher = "测试日报社"

[issue]
date = 2019-10-{day}
number = {day}

[[pages]]
number = 1
name = "要闻"
articles = ["one"]
"""


def editions(make_edition):
    good1 = make_edition(toml=TOML.format(day=21), name="a")
    bad = make_edition({"articles/one.md": "+++\nheadline = 1\n+++\n正文。\n"},
                       toml=TOML.format(day=22), name="b")
    good2 = make_edition(toml=TOML.format(day=23), name="c")
    return good1, bad, good2


def test_a_batch_builds_every_good_edition_and_fails_on_the_bad_one(make_edition, tmp_path):
    good1, bad, good2 = editions(make_edition)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(good1), str(bad), str(good2), "--out", str(out),
                                      "-f", "epub"])
    assert result.exit_code == 1, result.output
    assert (out / "test-2019-10-21" / "test-2019-10-21.epub").is_file()
    assert (out / "test-2019-10-23" / "test-2019-10-23.epub").is_file()
    assert not (out / "test-2019-10-22").exists()
    assert "2 built, 0 skipped (already built), 1 failed" in result.output
    assert "one.md" in result.output  # the bad edition's problem, with its file


def test_skip_built_resumes_without_rebuilding(make_edition, tmp_path):
    good1, _, good2 = editions(make_edition)
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["build", str(good1), "--out", str(out), "-f", "epub"])
    assert first.exit_code == 0, first.output
    epub = out / "test-2019-10-21" / "test-2019-10-21.epub"
    before = epub.stat().st_mtime_ns
    second = runner.invoke(app, ["build", str(good1), str(good2), "--out", str(out), "-f", "epub",
                                 "--skip-built"])
    assert second.exit_code == 0, second.output
    assert "1 built, 1 skipped (already built), 0 failed" in second.output
    assert epub.stat().st_mtime_ns == before  # not rebuilt
    assert (out / "test-2019-10-23" / "test-2019-10-23.epub").is_file()
    # asking for a format that is not there yet builds the edition again
    third = runner.invoke(app, ["build", str(good1), "--out", str(out), "-f", "epub", "-f", "pdf",
                                "--skip-built"])
    assert third.exit_code == 0, third.output
    assert "1 built, 0 skipped" in third.output
    assert (out / "test-2019-10-21" / "test-2019-10-21.pdf").is_file()


def test_an_unexpected_failure_is_an_internal_error_and_the_batch_goes_on(make_edition, tmp_path,
                                                                          monkeypatch):
    """A bug met while building one edition (here: an exception no input should cause) is
    error[internal] naming that edition, without a traceback; the next edition is built and
    the summary printed."""
    from publisher import epub

    good1, _, good2 = editions(make_edition)
    real = epub.build_epub

    def fails_once(edition, *args, **kwargs):
        if edition.issue.date.day == 21:
            raise ZeroDivisionError("a bug")
        return real(edition, *args, **kwargs)

    monkeypatch.setattr("publisher.publish.build_epub", fails_once)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(good1), str(good2), "--out", str(out), "-f", "epub"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{good1}: error[internal]" in "".join(result.output.split("\n"))
    assert "ZeroDivisionError" in result.output
    assert (out / "test-2019-10-23" / "test-2019-10-23.epub").is_file()
    assert "1 built, 0 skipped (already built), 1 failed" in result.output


def test_an_internal_error_of_a_single_build_exits_1(make_edition, tmp_path, monkeypatch):
    good1, _, _ = editions(make_edition)

    def boom(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr("publisher.publish.build_epub", boom)
    result = CliRunner().invoke(app, ["build", str(good1), "--out", str(tmp_path / "out"), "-f", "epub"])
    assert result.exit_code == 1 and "error[internal]" in result.output, result.output
