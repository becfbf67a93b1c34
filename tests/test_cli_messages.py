"""The CLI as people expect it, and messages that point at the right thing.

- ``publisher --version``; help texts that show ``[paper]``, ``[tool.publisher…]`` as written;
- output redirected to a log is not wrapped at 80 columns;
- every command and option the README's CLI section and docs/importing.md show exists (the
  commands of docs/importing.md are parsed as the CLI would parse them), and the mapping
  example of docs/importing.md is a valid mapping;
- a bad date says "not a valid date", a missing paper.name points at [paper], a feed cut off
  says "truncated".
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from publisher.cli import app

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "editions" / "xnrb-2019-10-21-xianan"
runner = CliRunner()


def test_version():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"publisher {version('publisher')}"


def test_help_texts_keep_bracketed_names():
    build = runner.invoke(app, ["build", "--help"], terminal_width=200)
    assert "[tool.publisher.reading]" in build.output
    rss = runner.invoke(app, ["import", "json", "--help"], terminal_width=200)
    assert "--map" in rss.output and "papers/" in rss.output


def test_output_to_a_log_is_not_wrapped(tmp_path):
    # a long path makes a long line; redirected (CliRunner is not a terminal) it stays one line
    deep = tmp_path / ("很长的文件夹名称" * 8) / "ed"
    result = runner.invoke(app, ["import", "text", str(REPO / "tests/fixtures/seeds/xianan-2019-10-page.txt"),
                                 "--paper", "xnrb", "--date", "2019-10-21", "--page", "1",
                                 "--out", str(deep)])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("imported "))
    assert len(line) > 120 and str(deep) in line


def _command(args: list[str]):
    cmd = typer.main.get_command(app)
    while hasattr(cmd, "commands") and args and args[0] in cmd.commands:
        cmd = cmd.commands[args.pop(0)]
    return cmd


def test_every_option_the_readme_shows_exists():
    text = (REPO / "README.md").read_text("utf-8")
    block = text.split("## CLI", 1)[1].split("```", 2)[1]
    lines = []
    for raw in block.splitlines():
        if raw.startswith("publisher "):
            lines.append(raw)
        elif raw.startswith(" ") and lines:
            lines[-1] += " " + raw  # a continued synopsis
    assert len(lines) >= 15
    for line in lines:
        words = line.split("#")[0].split()[1:]
        names = [w for w in words if re.fullmatch(r"[a-z]+", w)]
        cmd = _command(names[:2])
        known = {o for p in cmd.params for o in p.opts}
        if hasattr(cmd, "commands"):
            known |= {"--version", "--help"}
        for option in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", line.split("#")[0]):
            assert option in known, f"{line}: {option} is not an option of {cmd.name}"


def test_the_importing_guide_commands_parse():
    text = (REPO / "docs" / "importing.md").read_text("utf-8")
    block = text.split("```sh", 1)[1].split("```", 1)[0]
    commands = [ln for ln in block.splitlines() if ln.startswith("publisher ")]
    assert len(commands) >= 6
    for line in commands:
        args = shlex.split(line)[1:]
        cmd = typer.main.get_command(app)
        while hasattr(cmd, "commands"):
            cmd = cmd.commands[args.pop(0)]
        ctx = cmd.make_context("publisher", args)  # parses as the CLI would; runs nothing
        assert ctx.params.get("out_dir") or ctx.params.get("out_dir", "") is not None, line


def test_the_importing_guide_mapping_example_is_valid(tmp_path):
    from publisher.sources.importers.mapping import read_mapping

    text = (REPO / "docs" / "importing.md").read_text("utf-8")
    example = text.split("# mymap.toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "mymap.toml"
    path.write_text(example, "utf-8")
    mapping = read_mapping(path)
    assert mapping.fields["headline"] == ("bt",) and mapping.channels["xa"].label == "A03"


def test_invalid_date_in_edition_toml_says_so(tmp_path):
    ed = tmp_path / "ed"
    shutil.copytree(SAMPLE, ed)
    toml = ed / "edition.toml"
    toml.write_text(toml.read_text("utf-8").replace("date = 2019-10-21", "date = 2019-10-32"), "utf-8")
    result = runner.invoke(app, ["check", str(ed)])
    assert result.exit_code == 1
    line = next(i for i, ln in enumerate(toml.read_text("utf-8").splitlines(), 1) if "2019-10-32" in ln)
    assert f"edition.toml:{line}: error[toml]: 2019-10-32 is not a valid date" in result.output


def test_missing_paper_name_points_at_the_paper_table(tmp_path):
    ed = tmp_path / "ed"
    shutil.copytree(SAMPLE, ed)
    toml = ed / "edition.toml"
    lines = toml.read_text("utf-8").splitlines()
    header = lines.index("[paper]") + 1
    toml.write_text("\n".join(ln for ln in lines if not ln.startswith('name = "咸宁日报"')) + "\n", "utf-8")
    result = runner.invoke(app, ["check", str(ed)])
    assert result.exit_code == 1
    assert f"edition.toml:{header}: error[schema]: missing key 'name' in [paper]" in result.output


def test_import_date_that_is_not_a_date(tmp_path):
    result = runner.invoke(app, ["import", "text", str(REPO / "tests/fixtures/seeds/xianan-2019-10-page.txt"),
                                 "--paper", "xnrb", "--date", "2019-10-32", "--out", str(tmp_path / "ed")])
    assert result.exit_code == 1 and "2019-10-32 is not a valid date" in result.output


def test_json_cut_off_mid_character_says_truncated(tmp_path):
    data = (REPO / "tests/fixtures/feeds/economy-daily.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: data.index("记者".encode()) + 1])
    result = runner.invoke(app, ["import", "json", str(cut), "--out", str(tmp_path / "ed")])
    assert result.exit_code == 1
    assert "error[truncated]: the file is truncated: it ends in the middle of a character" in result.output


def test_make_demo_says_where_the_outputs_are_and_what_to_try_next():
    makefile = (REPO / "Makefile").read_text("utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    echoed = re.findall(r'@echo "(.*)"', recipe)
    assert any("dist/" in e for e in echoed) and any(e.startswith("Try next") for e in echoed)
    commands = [e.split("#")[0].strip().replace("$(BIN)/", "").replace("$(SAMPLE)", str(SAMPLE))
                for e in echoed if "publisher " in e and "--help" not in e]
    assert len(commands) >= 4
    for line in commands:
        args = shlex.split(line)[1:]
        cmd = typer.main.get_command(app)
        while hasattr(cmd, "commands"):
            cmd = cmd.commands[args.pop(0)]
        ctx = cmd.make_context("publisher", args)
        for value in ctx.params.values():
            if isinstance(value, Path) and value.suffix in (".txt", ".json"):
                assert (REPO / value).is_file(), f"{line}: {value} does not exist"


def test_an_interrupt_a_library_turned_into_an_import_error_is_an_interrupt(tmp_path, monkeypatch):
    """Ctrl-C while OR-Tools initialises (imported where the build first solves a page) comes
    out of its extension as ImportError("initialization failed") raised from the
    KeyboardInterrupt: the build says "interrupted" and exits 130, as for any Ctrl-C, not
    error[internal]; an ImportError of its own is still an internal error."""
    import publisher.publish as pipeline

    def interrupted_import(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    monkeypatch.setattr(pipeline, "publish", interrupted_import)
    result = runner.invoke(app, ["build", str(SAMPLE), "--out", str(tmp_path), "-f", "epub"])
    assert result.exit_code == 130, result.output
    assert "interrupted; nothing was written." in result.output
    assert "internal" not in result.output

    def broken_import(*args, **kwargs):
        raise ImportError("initialization failed")

    monkeypatch.setattr(pipeline, "publish", broken_import)
    result = runner.invoke(app, ["build", str(SAMPLE), "--out", str(tmp_path), "-f", "epub"])
    assert result.exit_code == 1 and "error[internal]" in result.output


@pytest.mark.parametrize("stop", ["KeyboardInterrupt", "Terminated"])
def test_a_stop_once_the_outputs_are_in_place_says_they_were_written(stop, tmp_path, monkeypatch):
    """A Ctrl-C or SIGTERM that comes after the outputs were renamed into place (as the output
    folder's lock is released, or publish returns) is raised before the command hears of
    them: it says they were written, not "nothing was written" (seen in the sigint scenario
    under load: the outputs replaced, and the build said nothing was)."""
    import publisher.publish as pipeline
    from publisher.outputs import write_outputs
    from publisher.signals import TERMINATED, Terminated

    def stopped_after_the_renames(edition, out_dir, *args, placed, **kwargs):
        write_outputs(out_dir / "x", {"x.epub": b"new"}, placed=placed)
        raise KeyboardInterrupt if stop == "KeyboardInterrupt" else Terminated(TERMINATED)

    monkeypatch.setattr(pipeline, "publish", stopped_after_the_renames)
    result = runner.invoke(app, ["build", str(SAMPLE), "--out", str(tmp_path), "-f", "epub"])
    word = "interrupted" if stop == "KeyboardInterrupt" else "terminated"
    assert result.exit_code == (130 if stop == "KeyboardInterrupt" else 143), result.output
    assert f"{word}; the outputs were written before it stopped." in result.output
    assert (tmp_path / "x" / "x.epub").read_bytes() == b"new"

    def stopped_before(edition, out_dir, *args, **kwargs):  # the same, nothing written
        raise KeyboardInterrupt if stop == "KeyboardInterrupt" else Terminated(TERMINATED)

    monkeypatch.setattr(pipeline, "publish", stopped_before)
    result = runner.invoke(app, ["build", str(SAMPLE), "--out", str(tmp_path), "-f", "epub"])
    assert f"{word}; nothing was written." in result.output


def test_a_ctrl_c_held_while_the_outputs_are_renamed_is_raised_once_the_caller_has_them(tmp_path, monkeypatch):
    """``placed`` (the build's own record, what the command above reads: not a count shared by
    every build of the process) holds the outputs when a Ctrl-C held during their renames is
    raised, and nothing when the write stopped before them."""
    import signal

    from publisher import outputs

    real = outputs._mark_unfinished

    def interrupted(root, paths):  # the first step of the renames, the signals held
        os.kill(os.getpid(), signal.SIGINT)
        real(root, paths)

    monkeypatch.setattr(outputs, "_mark_unfinished", interrupted)
    placed: list = []
    with pytest.raises(KeyboardInterrupt):
        outputs.write_outputs(tmp_path / "out", {"a.epub": b"new"}, placed=placed)
    assert placed == [tmp_path / "out" / "a.epub"]
    assert (tmp_path / "out" / "a.epub").read_bytes() == b"new"

    def interrupted_before(target, data):  # before the renames: nothing put in place
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "_in_place", interrupted_before)
    placed = []
    with pytest.raises(KeyboardInterrupt):
        outputs.write_outputs(tmp_path / "out", {"a.epub": b"newer"}, placed=placed)
    assert placed == [] and (tmp_path / "out" / "a.epub").read_bytes() == b"new"


_STOPPED_WHILE_IMPORTING = """
import os, runpy, signal, sys
from publisher import signals
if sys.argv[2] == "patched":  # what python -m publisher says must be signals' line
    signals.stopped = lambda exc, done=signals.NOTHING_WRITTEN: ("stopped as signals says", 7)

class Stop:  # the signal comes while the CLI is imported
    def find_spec(self, name, path=None, target=None):
        if name == "publisher.cli":
            os.kill(os.getpid(), getattr(signal, sys.argv[1]))
        return None

sys.meta_path.insert(0, Stop())
sys.argv[0] = "publisher"
runpy.run_module("publisher", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_python_m_publisher_stopped_before_the_cli_says_what_the_cli_says(name, capsys):
    """``python -m publisher`` handles SIGTERM before the CLI can be imported; stopped there
    it says the CLI's line, with the CLI's status: both from publisher.signals (patched there,
    what it says changes with it)."""
    from publisher import cli, signals

    exc = signals.Terminated(signals.TERMINATED) if name == "SIGTERM" else KeyboardInterrupt()
    with pytest.raises(typer.Exit) as exited:
        cli._stopped(exc)
    line = capsys.readouterr().err.strip()
    assert (line, exited.value.exit_code) == signals.stopped(exc)
    assert line == f"{'terminated' if name == 'SIGTERM' else 'interrupted'}; nothing was written."
    for how, said, code in (("plain", line, exited.value.exit_code), ("patched", "stopped as signals says", 7)):
        done = subprocess.run([sys.executable, "-c", _STOPPED_WHILE_IMPORTING, name, how],
                              capture_output=True, text=True, timeout=120, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        assert (done.stderr, done.returncode) == (said + "\n", code), (how, done.stderr)
