"""The import direction of the module map holds: import-linter checks the contracts of
pyproject.toml ([tool.importlinter]) on the package as it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    """The check can fail: a contract the code does not keep (pdf imports weasyprint)."""
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_package = "publisher"\ninclude_external_packages = true\n\n'
                      '[[tool.importlinter.contracts]]\nname = "no weasyprint at all"\ntype = "forbidden"\n'
                      'source_modules = ["publisher.pdf"]\nforbidden_modules = ["weasyprint"]\n', "utf-8")
    proc = lint("--config", str(config))
    assert proc.returncode != 0
    assert "publisher.pdf -> weasyprint" in proc.stdout
