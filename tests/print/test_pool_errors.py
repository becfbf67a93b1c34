"""A 版 that fails in the print pool is reported as it is in one process: each problem once,
with its code and place, nothing printed by the workers themselves.

The front 版's masthead is checked as that 版 is rendered (printing.pages.check_furniture),
so a paper name too long for it fails inside a worker when the issue renders in two.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher.cli import app
from tests.conftest import big_edition_module


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Path:
    """A 2-版 edition (benchmarks/make_big_edition.py) whose paper name cannot fit the masthead."""
    ed = big_edition_module().make(tmp_path_factory.mktemp("two") / "ed", pages=2)
    toml = ed / "edition.toml"
    toml.write_text(toml.read_text("utf-8").replace('name = "咸宁日报"', 'name = "' + "咸宁日报" * 6 + '"', 1),
                    "utf-8")
    return ed


def _build(ed: Path, out: Path, workers: int) -> str:
    result = CliRunner().invoke(app, ["build", str(ed), "-f", "print", "--workers", str(workers),
                                      "--out", str(out), "-q"])
    assert result.exit_code == 1, result.output
    return result.output


def test_an_error_in_a_print_worker_is_reported_once_as_in_one_process(two, tmp_path):
    one = _build(two, tmp_path / "one", 1)
    pool = _build(two, tmp_path / "two", 2)
    errors = [ln for ln in pool.splitlines() if "error" in ln]
    assert len(errors) == 2, pool  # the problem, and the count
    assert "edition.toml: error[masthead]: the paper's name" in errors[0]
    assert errors[1] == "1 error; nothing was written."
    assert pool == one
