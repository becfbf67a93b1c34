"""Importers: newsroom copy in other shapes turned into a native edition folder.

Each importer is one small module behind one interface: a function
``import_<kind>(path, *, date, paper_id, …) -> ImportResult`` that builds the model and
reports what it recognised and guessed, without writing anything. ``run_import`` is what
the CLI calls: it picks the importer, applies ``--strict``, and writes the edition (through
``publisher.sources.writer``) with ``import-report.txt`` inside it. A new format (NITF,
NewsML-G2) is one more module and one more entry in ``IMPORTERS``.

Kept apart from the native reader: importers depend on it (to read back what they wrote),
never the other way round.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict, Field

from ...errors import SourceError
from ...model import Paper
from ...tomlfile import read_toml
from ..edition import PaperSchema
from ..writer import write_edition
from .jsonfeed import import_json
from .plaintext import import_text
from .report import Finding, ImportResult, Level, format_report

REPORT_FILE = "import-report.txt"

IMPORTERS: dict[str, Callable[..., ImportResult]] = {"text": import_text, "json": import_json}


def run_import(kind: str, file: Path, *, out: Path, date: dt.date | str,
               paper: str | Path | Paper | None = None, page: str | None = None,
               encoding: str = "utf-8", channel_map: dict[str, int | str] | None = None,
               force: bool = False, strict: bool = False, papers: Path | None = None) -> ImportResult:
    """Import ``file`` as ``kind`` ("text" or "json") into the edition folder ``out``.

    ``paper`` is a paper id ("xnrb"), a TOML file with a ``[paper]`` table (and optionally
    ``[issue]`` number), or a Paper. A paper id with a file ``<id>.toml`` in ``papers`` (the
    house's papers folder) is that file. Raises SourceError, writing nothing, when the
    copy has problems, or has guesses and ``strict`` is set. Returns the result, whose
    ``report`` lists every finding (also written as ``out/import-report.txt``).
    """
    if kind not in IMPORTERS:
        raise SourceError(f"unknown import kind {kind!r}: use one of {', '.join(IMPORTERS)}")
    file = Path(file)
    paper_id, paper_obj, issue_number = _paper_option(paper, papers)
    common = dict(date=date, paper_id=paper_id, paper=paper_obj, issue_number=issue_number,
                  encoding=encoding)
    if kind == "text":
        result = import_text(file, page_label=page, **common)
    else:
        if page:
            raise SourceError("--page is for text copy; a feed's pages come from its channels "
                              "(use --channel-map)")
        result = import_json(file, channel_map=channel_map, **common)
    failing = result.problems + (result.guesses if strict else [])
    if failing:
        raise SourceError([f.to_problem(file) for f in failing])
    write_edition(result.edition, Path(out), result.images, force=force,
                  extra_files={REPORT_FILE: format_report(result)})
    return result


class _IssueDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    number: int | None = Field(default=None, ge=1)


class PaperFile(BaseModel):
    """A paper file (``--paper FILE``): ``[paper]`` as in edition.toml, and optionally the
    ``[issue]`` number. Strict: an unknown table or key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    paper: PaperSchema
    issue: _IssueDefaults = _IssueDefaults()


def read_paper_file(path: Path) -> PaperFile:
    return read_toml(path, PaperFile, error=SourceError, code="paper",
                     hint="give [paper] id, name and publisher, as in edition.toml")


def _paper_option(paper: str | Path | Paper | None,
                  papers: Path | None = None) -> tuple[str | None, Paper | None, int | None]:
    if paper is None or isinstance(paper, Paper):
        return None, paper, None
    path = Path(paper)
    if papers is not None and not path.suffix and (papers / f"{paper}.toml").is_file():
        path = papers / f"{paper}.toml"  # a paper of the house
    if path.suffix == ".toml" or path.is_file():
        found = read_paper_file(path)
        return None, Paper(**found.paper.model_dump()), found.issue.number
    return str(paper), None, None


def parse_channel_map(text: str) -> dict[str, int | str]:
    """"要闻=1,咸安新闻=A03" (the CLI's --channel-map) -> {"要闻": 1, "咸安新闻": "A03"}."""
    out: dict[str, int | str] = {}
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise SourceError(f"--channel-map item {part!r} is not CHANNEL=PAGE")
        ch, page = (x.strip() for x in part.split("=", 1))
        out[ch] = int(page) if page.isdigit() else page
    return out


__all__ = ["run_import", "parse_channel_map", "import_text", "import_json", "ImportResult",
           "Finding", "Level", "format_report", "IMPORTERS", "REPORT_FILE"]
