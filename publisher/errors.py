"""User errors: what went wrong in a source, where, and how to fix it.

Errors are data. A reader or checker collects every ``Problem`` of a run and raises one
``PublisherError`` holding them all; the CLI prints them without a traceback and exits
non-zero. Any other exception is a bug in publisher and shows its traceback.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding: ``file:line: message (hint)``."""

    message: str
    path: Path | None = None
    line: int | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR
    code: str = "source"  # a stable short name, e.g. "missing-article", for tests and docs

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def where(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def __str__(self) -> str:
        head = f"{self.where}: " if self.where else ""
        tail = f"\n    hint: {self.hint}" if self.hint else ""
        return f"{head}{self.severity.value}: {self.message}{tail}"


class PublisherError(Exception):
    """A run failed on the user's input; ``problems`` lists every finding."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


class SourceError(PublisherError):
    """The edition's sources are broken (TOML, Markdown, images, encodings)."""


class ConfigError(PublisherError):
    """The house configuration or the font manifest is broken."""


class RenderError(PublisherError):
    """Rendering refused the content (uncovered character, forbidden URL, overflow)."""


class Problems:
    """A collector: add findings as you go, raise them all at once at the end."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, message: str, path: Path | None = None, line: int | None = None, *,
            hint: str | None = None, code: str = "source",
            severity: Severity = Severity.ERROR) -> None:
        self.items.append(Problem(message, path, line, hint, severity, code))

    def warn(self, message: str, path: Path | None = None, line: int | None = None, *,
             hint: str | None = None, code: str = "source") -> None:
        self.add(message, path, line, hint=hint, code=code, severity=Severity.WARNING)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if not p.is_error]

    def raise_if_errors(self, cls: type[PublisherError] = SourceError) -> None:
        if self.errors:
            raise cls(self.items)
