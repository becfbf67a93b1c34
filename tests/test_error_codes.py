"""Every error code the code can report is in the documented list (`publisher errors`)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from publisher.cli import app
from publisher.errors import CODES

PACKAGE = Path(__file__).resolve().parent.parent / "publisher"
HOSTILE = Path(__file__).resolve().parent / "hostile"
# code="x", code: str = "x", and resolve_image's fail(message, hint, "x"); the importers'
# findings: rep.seen/note/guess/problem("x", …) and the plain-text parser's
# self.note("guess", draft, "x", …)
PATTERNS = (re.compile(r'\bcode(?:: str)?\s*=\s*"([a-z0-9-]+)"'),
            re.compile(r'Severity\.[A-Z]+, "([a-z0-9-]+)"'),
            re.compile(r'\bfail\([^()]*(?:\([^()]*\)[^()]*)*,\s*"([a-z0-9-]+)"\)', re.S),
            re.compile(r'\.(?:seen|note|guess|problem)\(\s*"([a-z0-9-]+)"'),
            re.compile(r'\bnote\(\s*"(?:seen|guess|problem)",\s*[^,()]+,\s*"([a-z0-9-]+)"'))
LEVELS = {"seen", "guess", "problem"}  # the parser's note(level, …): not codes


def used_codes() -> set[str]:
    codes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text("utf-8")
        for pattern in PATTERNS:
            codes.update(pattern.findall(text))
    return codes - {""} - LEVELS


def test_the_scan_sees_the_importers_findings():
    # a test that could not fail: make sure the patterns do find the importers' codes
    assert {"byline-field", "unknown-field", "rejoined", "truncated", "table-too-wide",
            "paper-unknown"} <= used_codes()


def test_every_code_in_the_source_is_documented():
    assert used_codes() - set(CODES) == set()


def test_every_code_the_hostile_catalog_expects_is_documented():
    expected = set()
    for path in HOSTILE.glob("*/expect.toml"):
        expected.update(re.findall(r'^code = "([a-z0-9-]+)"', path.read_text("utf-8"), re.M))
    assert expected and expected - set(CODES) == set()


def test_errors_command_lists_them():
    result = CliRunner().invoke(app, ["errors"])
    assert result.exit_code == 0
    assert all(code in result.output for code in CODES)
