"""The hostile-input catalog (tests/hostile/*/expect.toml), each case run through the CLI.

For every case: the expected outcome (an error with its code, words, file:line and exit
status; or a build whose outputs show what the case demands), nothing written on error, no
temporary file left, and no trace of the secret files planted outside the edition in any
output. The interruption cases (SIGKILL, Ctrl-C, SIGTERM, two builds at once, a full disk)
are scenarios in tests/hostile/scenarios.py. See docs/hostile-inputs.md for the table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HOSTILE = Path(__file__).resolve().parent / "hostile"
sys.path.insert(0, str(HOSTILE))

import catalog  # noqa: E402
import scenarios  # noqa: E402

CASES = catalog.load_cases()
BUILD_CASES = [c for c in CASES if c.scenario == "build"]
ESCAPING = [c for c in BUILD_CASES if c.group == "escaping"]
_RUNS: dict[str, catalog.Run] = {}


def _run(case: catalog.Case, tmp_path_factory) -> catalog.Run:
    if case.name not in _RUNS:
        if not case.formats(catalog.available_formats()):
            pytest.skip(f"{case.name}: none of its formats is built by this checkout")
        _RUNS[case.name] = catalog.execute(catalog.prepare(case, tmp_path_factory.mktemp("hostile")))
    return _RUNS[case.name]


def test_catalog_covers_every_group():
    assert len(CASES) >= 40
    for group in catalog.GROUPS:
        assert sum(c.group == group for c in CASES) >= 5, group
    for case in CASES:
        assert case.spec.get("title") and case.spec.get("why"), case.name
        assert case.expect["outcome"] in ("error", "builds", "scenario"), case.name


def test_the_catalog_page_lists_every_case():
    """docs/hostile-inputs.md has a row for each case (regenerate it with catalog.py)."""
    page = (catalog.ROOT / "docs" / "hostile-inputs.md").read_text("utf-8")
    missing = [c.name for c in CASES if f"| `{c.name}` |" not in page]
    assert not missing, f"run `PYTHONPATH=. .venv/bin/python tests/hostile/catalog.py {' '.join(missing)}`"
    assert f"{len(CASES)} cases." in page


@pytest.mark.parametrize("case", BUILD_CASES, ids=lambda c: c.name)
def test_case(case, tmp_path_factory):
    run = _run(case, tmp_path_factory)
    problems = catalog.check(run)
    assert not problems, f"{case.name} ({case.spec['title']}):\n" + "\n".join(problems)


@pytest.mark.parametrize("case", ESCAPING, ids=lambda c: c.name)
def test_no_leak(case, tmp_path_factory):
    """The planted secrets appear in no output: EPUB members, PDF text, images, attachments."""
    run = _run(case, tmp_path_factory)
    assert (run.work / "secret" / "secret.jpg").is_file()
    assert not catalog.leaks(run)


def test_leak_check_can_fail(tmp_path):
    """The leak detector finds the secret when an output does carry it (it is not vacuous)."""
    import zipfile

    case = next(c for c in ESCAPING if c.name == "image-dotdot")
    run = catalog.prepare(case, tmp_path)
    folder = run.out / "hostile"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "hostile.epub", "w") as z:
        z.writestr("EPUB/images/photo.jpg", (run.work / "secret" / "secret.jpg").read_bytes())
        z.writestr("EPUB/text/one.xhtml", catalog.SECRET_TEXT)
    found = catalog.leaks(run)
    assert any("SECRET-TEXT" in f for f in found) and any("173 x 59" in f for f in found)


@pytest.mark.parametrize("case", [c for c in CASES if c.scenario != "build"], ids=lambda c: c.name)
def test_scenario(case, tmp_path):
    ok, actual, problems = scenarios.dispatch(case, tmp_path)
    assert ok, f"{case.name}: {actual}\n" + "\n".join(problems)
