"""The import direction of the module map holds: import-linter checks the contracts of
pyproject.toml ([tool.importlinter]) on the package as it is; and above the engine no module
uses a private name of WeasyPrint's (a box class, a box attribute, the page box)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_every_import_contract_is_kept():
    proc = lint()
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_a_broken_contract_is_reported(tmp_path):
    """The check can fail: a contract the code does not keep (the engine imports weasyprint)."""
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_package = "publisher"\ninclude_external_packages = true\n\n'
                      '[[tool.importlinter.contracts]]\nname = "no weasyprint at all"\ntype = "forbidden"\n'
                      'source_modules = ["publisher.engine"]\nforbidden_modules = ["weasyprint"]\n', "utf-8")
    proc = lint("--config", str(config))
    assert proc.returncode != 0
    assert "-> weasyprint" in proc.stdout


# WeasyPrint's own names for its layout: what only publisher/engine may know. The box classes
# come from WeasyPrint itself (LineBox, BlockBox, TextBox, PageBox…); the attributes are its
# box geometry and the handles on its internals.
ENGINE = ROOT / "publisher" / "engine"
BOX_ATTRIBUTES = {
    "_page_box", "pango_layout", "element_tag", "position_x", "position_y", "content_box_x",
    "content_box_y", "border_box_x", "border_box_y", "padding_box_x", "padding_box_y",
    "margin_width", "margin_height", "border_width", "border_height", "padding_width",
    "padding_height", "anonymous_from", "is_in_normal_flow", "all_children", "etree_element",
    "justification_spacing", "stacking_context", "draw_first_line",
}


def private_names() -> set[str]:
    from weasyprint.formatting_structure import boxes

    classes = {name for name, value in vars(boxes).items()
               if isinstance(value, type) and issubclass(value, boxes.Box) and value is not boxes.Box}
    return classes | BOX_ATTRIBUTES


def uses_of(source: str, names: set[str]) -> list[str]:
    """The private names a Python source uses: as names, attributes, arguments, imports, or
    words in its strings (``type(box).__name__ == "LineBox"``, docstrings included)."""
    found = []
    words = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            candidates = [node.id]
        elif isinstance(node, ast.Attribute):
            candidates = [node.attr]
        elif isinstance(node, (ast.arg, ast.keyword)):
            candidates = [node.arg or ""]
        elif isinstance(node, ast.alias):
            candidates = [node.name.rpartition(".")[2], node.asname or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            candidates = words.findall(node.value)
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in candidates if name in names]
    return found


def test_no_module_outside_the_engine_uses_a_private_weasyprint_name():
    names = private_names()
    assert {"LineBox", "BlockBox", "TextBox", "PageBox", "_page_box", "pango_layout"} <= names
    outside = [p for p in sorted((ROOT / "publisher").rglob("*.py")) if not p.is_relative_to(ENGINE)]
    assert len(outside) > 40
    offences = {str(p.relative_to(ROOT)): uses for p in outside
                if (uses := uses_of(p.read_text("utf-8"), names))}
    assert offences == {}


@pytest.mark.parametrize("snippet", [
    "def f(page):\n    return page._page_box\n",
    "def f(c):\n    return type(c).__name__ == 'LineBox'\n",
    "def f(box):\n    return box.pango_layout.text\n",
    "def f(box):\n    return box.content_box_y() + box.margin_height()\n",
    "from weasyprint.formatting_structure.boxes import TextBox\n",
])
def test_the_scan_finds_what_the_old_printing_code_did(snippet):
    assert uses_of(snippet, private_names())


def test_the_engine_itself_is_where_the_names_are():
    # the scan is not vacuous: the engine does use them
    assert uses_of((ENGINE / "layout.py").read_text("utf-8"), private_names())


HEAVY = ("ortools", "pandas", "numpy")  # OR-Tools brings pandas and numpy: ~0.4 s a start


def test_starting_the_tool_imports_no_solver():
    """Every run imports the CLI and, for any build or check, the pipeline; the make-up's
    solver library is imported only when a page is solved (publisher.makeup.solver.solve),
    so --help, the check of a broken edition and a build whose plans are cached do not pay
    for it."""
    code = ("import sys, publisher.cli, publisher.publish, publisher.makeup; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# What an EPUB-only build never uses: the reading PDF's, the archive's and the web edition's
# code, and the print pages' (loaded for the cover once the build is under way, not at start).
NOT_AT_START = ("publisher.reading", "publisher.archive", "publisher.web", "publisher.printing",
                "publisher.pdfjoin", "pikepdf")


def test_starting_the_pipeline_imports_no_other_output():
    """``publish`` imports each output's builder when a build asks for it: importing the CLI
    and the pipeline (every build's start) loads none of theirs."""
    code = ("import sys, publisher.cli, publisher.publish; "
            f"print(sorted(m for m in sys.modules if m.startswith({NOT_AT_START!r})))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_solver_is_loaded_without_pandas():
    """OR-Tools' cp_model imports pandas for helpers the make-up never calls: loaded for a
    solve, it comes without it (makeup.solver._cp_model), and a page still solves; pandas
    imported afterwards is the real one."""
    code = ("import sys\n"
            "from publisher.makeup import solver\n"
            "solver.ready()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pandas'))\n"
            "from ortools.sat.python import cp_model\n"
            "m = cp_model.CpModel(); x = m.new_int_var(0, 3, 'x'); m.maximize(x)\n"
            "s = cp_model.CpSolver(); print(s.solve(m) == cp_model.OPTIMAL, s.value(x))\n"
            "import pandas; print(hasattr(pandas, 'DataFrame'))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:3] == ["[]", "True 3", "True"]
