"""Importers: newsroom copy in other shapes turned into a native edition folder.

Each format is one small module behind one interface, a function
``import_<kind>(path, *, date, paper, number, …) -> ImportResult`` that builds the model and
reports what it recognised, noted and guessed, without writing anything:

- ``plaintext``: a page of copy pasted from the editing system;
- ``jsonfeed``: a CMS's JSON export, as it comes (``mapping`` says which field is what);
- ``syndication``: RSS 2.0 and Atom (feedparser);
- ``nitf``: NITF 3.x files, one per article (what the archive writes reads back).

The feed importers share ``entries`` (a feed's records into articles and pages: bylines,
leads, tables, 版 names) and ``html`` (HTML bodies sanitised to blocks); ``conventions``
knows what Chinese newspaper copy looks like. ``run_import`` is what the CLI calls: it
resolves the paper (``publisher.papers``) and the mapping, applies ``--strict`` (guesses
fail; notes never do), groups findings alike into one line, and writes the edition
(``publisher.sources.writer``) with ``import-report.txt`` inside it.

Kept apart from the native reader: importers depend on it (to read back what they wrote),
never the other way round.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...errors import Problem, SourceError
from ..writer import check_target, write_edition
from .jsonfeed import import_json
from .mapping import Mapping, find_mapping
from .nitf import import_nitf
from .plaintext import import_text
from .report import Finding, ImportResult, Level, format_report, grouped
from .syndication import import_feed

REPORT_FILE = "import-report.txt"

IMPORTERS: dict[str, Callable[..., ImportResult]] = {
    "text": import_text, "json": import_json, "rss": import_feed, "nitf": import_nitf}


def run_import(kind: str, file: Path | list[Path], *, out: Path, date: dt.date | str | None = None,
               paper: Any = None, number: int | None = None, page: str | None = None,
               encoding: str = "utf-8", mapping: str | Path | Mapping | None = None,
               channel_map: dict[str, int | str] | None = None, force: bool = False,
               strict: bool = False, settings=None) -> ImportResult:
    """Import ``file`` as ``kind`` (text, json, rss or nitf) into the edition folder ``out``.

    ``paper`` is a house paper name ("xnrb"), a paper file, a PaperFile or a Paper;
    ``mapping`` (JSON feeds) a house mapping name, a mapping file or a Mapping. Raises a
    PublisherError, writing nothing, when the copy has problems, or guesses and ``strict``
    is set; the findings alike are one grouped problem. Returns the result, whose ``report``
    lists every finding (also written as ``out/import-report.txt``).
    """
    from ...config import load_settings

    if kind not in IMPORTERS:
        raise SourceError(f"unknown import kind {kind!r}: use one of {', '.join(IMPORTERS)}")
    settings = settings or load_settings()
    files = [Path(f) for f in file] if isinstance(file, (list, tuple)) else [Path(file)]
    check_target(Path(out), force, files)  # before the copy is read: nothing to lose then
    common = dict(date=date, paper=paper, number=number, settings=settings)
    if page and kind != "text":
        raise SourceError(Problem("--page is for text copy; a feed's pages come from its pages "
                                  "or channels", code="option",
                                  hint="use --channel-map or a mapping's [channels]"))
    if mapping is not None and kind != "json":
        raise SourceError(Problem("--map is for JSON feeds", code="option"))
    if kind == "text":
        if date is None:
            raise SourceError(Problem("no issue date: pass --date YYYY-MM-DD", files[0], code="date"))
        result = import_text(files[0], page_label=page, encoding=encoding, **common)
    elif kind == "json":
        if isinstance(mapping, (str, Path)):
            mapping = find_mapping(str(mapping), settings)
        result = import_json(files[0], mapping=mapping, channel_map=channel_map, encoding=encoding,
                             **common)
    elif kind == "nitf":
        result = import_nitf(files, channel_map=channel_map, **common)
    else:
        result = import_feed(files[0], channel_map=channel_map, **common)
    failing = result.problems + (result.guesses if strict else [])
    if failing:
        raise SourceError([f.to_problem(files[0]) for f in grouped(failing)])
    write_edition(result.edition, Path(out), result.images, force=force,
                  extra_files={REPORT_FILE: format_report(result)}, inputs=files)
    return result


def parse_channel_map(text: str) -> dict[str, int | str]:
    """"要闻=1,咸安新闻=A03" (the CLI's --channel-map) -> {"要闻": 1, "咸安新闻": "A03"}."""
    out: dict[str, int | str] = {}
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise SourceError(Problem(f"--channel-map item {part!r} is not CHANNEL=PAGE",
                                      code="channel-map", hint="e.g. --channel-map \"要闻=1,证券=A03\""))
        ch, page = (x.strip() for x in part.split("=", 1))
        # a 版 number (ASCII digits, at most 3: int() of "²" or of 5,000 digits raises), else a label
        out[ch] = int(page) if re.fullmatch(r"[0-9]{1,3}", page) else page
    return out


__all__ = [
    "IMPORTERS",
    "REPORT_FILE",
    "Finding",
    "ImportResult",
    "Level",
    "format_report",
    "grouped",
    "import_feed",
    "import_json",
    "import_nitf",
    "import_text",
    "parse_channel_map",
    "run_import",
]
