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


KILLED_WRITE = """\
import os, signal, sys
from pathlib import Path
from publisher import outputs

renamed = []
real = os.replace

def replace(src, dst):  # the machine stops after the first output is renamed into place
    real(src, dst)
    if not Path(dst).name.startswith("."):
        renamed.append(dst)
        os.kill(os.getpid(), signal.SIGKILL)

os.replace = replace
root = Path(sys.argv[1])
outputs.write_outputs(root, {name: b"new" for name in sys.argv[2:]})
"""


def test_skip_built_rebuilds_outputs_a_killed_write_left_half_replaced(make_edition, tmp_path):
    """Each file is written whole, but a build's files are renamed into place one after the
    other: killed in between, the folder holds a new EPUB beside the old PDF (or none). The
    outputs it was replacing are not built, for --skip-built, until a write of them ends."""
    import subprocess
    import sys

    from publisher.outputs import UNFINISHED, unfinished, write_outputs
    from publisher.publish import built_already

    good1, _, _ = editions(make_edition)
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["build", str(good1), "--out", str(out), "-f", "epub", "-f", "pdf"])
    assert first.exit_code == 0, first.output
    root = out / "test-2019-10-21"
    assert not (root / UNFINISHED).exists()  # a build that ends leaves no list
    assert built_already(good1, out, ["epub", "pdf"])
    names = ["test-2019-10-21.epub", "test-2019-10-21.pdf", "print/p01.pdf"]
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(root), *names], timeout=300)
    assert killed.returncode == -9
    assert (root / names[0]).read_bytes() == b"new" and (root / names[1]).read_bytes() != b"new"
    assert unfinished(root) == names
    assert not built_already(good1, out, ["epub", "pdf"])  # every file present, one of them old
    assert not built_already(good1, out, ["pdf"])
    again = runner.invoke(app, ["build", str(good1), "--out", str(out), "-f", "epub", "-f", "pdf",
                                "--skip-built"])
    assert again.exit_code == 0, again.output
    assert "1 built, 0 skipped" in again.output
    assert unfinished(root) == ["print/p01.pdf"]  # still half: this build did not write it
    assert built_already(good1, out, ["epub", "pdf"])
    assert not built_already(good1, out, ["print"])
    write_outputs(root, {"print/p01.pdf": b"%PDF"})
    assert not (root / UNFINISHED).exists()
